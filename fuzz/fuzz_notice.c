/*
 * fuzz_notice.c - libFuzzer target: the FIFO server reading connection
 * notices from its well-known FIFO (fifo/fifo.c), stray bytes and all.
 *
 * The input is what writers put into the FIFO.  A real FIFO server is set
 * up in a private directory, the bytes are written to its FIFO, and
 * accept() is called until the FIFO is empty.  No client pair exists, so
 * every notice it finds fails at the open of the client's FIFOs; what is
 * checked is that accept() never crashes or loops, never holds more than
 * one notice, and only ever asks for FIFO names built from a valid id.  The
 * notice parser itself is checked too: what it accepts formats back the same.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fifo.h"
#include "ipc.h"

extern const struct ipc_transport fifo_transport;

static struct ipc_ctx ctx;
static struct ipc_server server;

/* libFuzzer ends with exit(): remove the FIFO, its lock and the directory. */
static void teardown(void)
{
	fifo_transport.shutdown(&server, true);
	rmdir(ctx.rundir);
}

static void setup(void)
{
	static char dir[] = "/tmp/ipclab-fuzz-XXXXXX";
	struct ipc_error e;

	if (!mkdtemp(dir))
		abort();
	ctx.rundir = dir;
	ipc_server_init(&server, &fifo_transport, &ctx);
	if (fifo_transport.listen(&server, NULL, &e) < 0) {
		fprintf(stderr, "fuzz_notice: %s\n", e.msg);
		abort();
	}
	atexit(teardown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char id[FIFO_ID_MAX], rec[FIFO_NOTICE_SIZE];
	struct ipc_error e;

	if (!ctx.rundir)
		setup();
	if (fifo_notice_parse((const char *)data, size, id) == 0 &&
	    (fifo_notice_format(rec, id) < 0 || memcmp(rec, data, size) != 0))
		abort();
	if (size > 4096)
		return 0;
	/* aux_fd is the server's own writer: write the input through it. */
	if (size && write(server.aux_fd, data, size) != (ssize_t)size)
		abort();
	for (size_t calls = 0;; calls++) {
		struct ipc_conn c;
		if (calls > size + 2)
			abort(); /* every call must consume something */
		int r = fifo_transport.accept(&server, &c, &e);
		if (r == IPC_WOULD_BLOCK)
			break;
		if (r == 0)
			abort(); /* no client pair exists: nothing can be accepted */
		if (e.status != IPC_PROTOCOL)
			abort();
	}
	if (fifo_server_has_pending(&server))
		abort(); /* a notice found after stray bytes is taken at the next call */
	return 0;
}
