/*
 * fuzz_dgram.c - libFuzzer target: the datagram request path, from what
 * recv() returned to the reply (greet_datagram(), src/protocol.c).
 *
 * The first two input bytes say how much of the datagram the receive buffer
 * took (a datagram larger than the buffer is cut, and recv() reports its
 * real length); the rest is the datagram.  The reply must be exactly what
 * the rules say: a cut datagram is "too long", never answered with a cut
 * name; otherwise one trailing "\n" or "\r\n" is dropped and the name is
 * judged by greet_reply().
 *
 * Then the same datagram (without the two bytes) makes the real trip: from
 * a unix_dgram client through a unix_dgram server socket in this process
 * (recv() with its MSG_TRUNC check, the sender's address, send() back), and
 * the client must get exactly the reply the rules give for a receive buffer
 * of GREET_DGRAM_MAX bytes, as `ipclab serve unix_dgram` uses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>
#include <unistd.h>

#include "ipc.h"
#include "protocol.h"

extern const struct ipc_transport unix_dgram_transport;

static struct ipc_ctx ctx;
static struct ipc_server server;
static struct ipc_conn served, client;

static void teardown(void)
{
	unix_dgram_transport.close(&client);
	unix_dgram_transport.close(&served);
	unix_dgram_transport.shutdown(&server, true);
	rmdir(ctx.rundir);
}

static void setup(void)
{
	static char dir[] = "/tmp/ipclab-fuzz-XXXXXX";
	struct ipc_error e;

	if (!mkdtemp(dir))
		abort();
	ctx.rundir = dir;
	ipc_server_init(&server, &unix_dgram_transport, &ctx);
	ipc_conn_init(&client, &unix_dgram_transport, &ctx);
	if (unix_dgram_transport.listen(&server, NULL, &e) < 0 ||
	    unix_dgram_transport.accept(&server, &served, &e) < 0 ||
	    unix_dgram_transport.connect(&client, &server.addr, &e) < 0) {
		fprintf(stderr, "fuzz_dgram: %s\n", e.msg);
		abort();
	}
	atexit(teardown);
}

/* The reply the rules give to `msg` received with a buffer of `cap`. */
static size_t expected(const char *msg, size_t real, size_t cap, char *want)
{
	static const char long_name[GREET_NAME_MAX + 1]; /* any name this long */
	size_t got = real < cap ? real : cap;

	if (real > got)
		return greet_reply(long_name, sizeof long_name, want, GREET_REPLY_MAX);
	size_t len = got;
	if (len && msg[len - 1] == '\n' && (--len, len && msg[len - 1] == '\r'))
		len--;
	return greet_reply(msg, len, want, GREET_REPLY_MAX);
}

/* The trip through real sockets; the reply must be `want`. */
static void round_trip(const char *msg, size_t len)
{
	char in[GREET_DGRAM_MAX], out[GREET_REPLY_MAX], back[GREET_REPLY_MAX + 1];
	char want[GREET_REPLY_MAX];
	struct ipc_error e;

	if (unix_dgram_transport.send(&client, msg, len, &e) != (ssize_t)len)
		abort();
	ssize_t n = unix_dgram_transport.recv(&served, in, sizeof in, &e);
	if (n != (ssize_t)len && !(n > (ssize_t)sizeof in && len > sizeof in))
		abort(); /* the real length, or more than the buffer when cut */
	size_t got = (size_t)n < sizeof in ? (size_t)n : sizeof in;
	size_t r = greet_datagram(in, got, (size_t)n, out, sizeof out);
	if (unix_dgram_transport.send(&served, out, r, &e) != (ssize_t)r)
		abort();
	ssize_t b = unix_dgram_transport.recv(&client, back, sizeof back, &e);
	size_t w = expected(msg, len, sizeof in, want);
	if (b != (ssize_t)w || memcmp(back, want, w) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[GREET_REPLY_MAX], want[GREET_REPLY_MAX];

	if (size < 2)
		return 0;
	size_t cap = ((size_t)data[0] << 8 | data[1]) % (GREET_DGRAM_MAX + 1);
	const char *msg = (const char *)data + 2;
	size_t real = size - 2, got = real < cap ? real : cap;

	size_t n = greet_datagram(msg, got, real, out, sizeof out);
	size_t w = expected(msg, real, cap, want);
	if (n == 0 || n != w || memcmp(out, want, n) != 0 || out[n - 1] != '\n' ||
	    greet_reply_status(out, n) > 1)
		abort();
	if (!ctx.rundir)
		setup();
	if (real <= 65536)
		round_trip(msg, real);
	return 0;
}
