/*
 * fifo_client.c - the FIFO transport's client: how it reaches a server that
 * has no connections to offer (fifo.c has the server's steps).  It makes a
 * pair of FIFOs of its own next to the server's, opens them, and announces
 * them with one notice on the server's FIFO.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fifo_int.h"
#include "io.h"

int fifo_connect(struct ipc_conn *c, const struct ipc_addr *a, struct ipc_error *e)
{
	const char *server = a->text, *suffix[2] = { "req", "rep" };
	struct fifo_conn *fc;
	char *req, *rep;
	char id[CLIENT_ID_MAX], notice[FIFO_NOTICE_SIZE];
	struct stat st;
	ssize_t n;

	/* A notice must arrive in one piece (see the top of the file). */
	_Static_assert(sizeof notice <= PIPE_BUF, "a notice must fit in PIPE_BUF");

	/* The client, first: open() the server's FIFO for writing.  Non-blocking, so
	 * that with no server reading it we fail at once (ENXIO). */
	int sfd = fifo_open(c->ctx, IPC_NO_STEP, server, O_WRONLY, "", e);
	if (sfd < 0) {
		e->status = ipc_status_of_errno(e->sys_errno);
		if (e->status == IPC_NO_SERVER)
			return ipc_hint(e, "no server listening: start one with `ipclab serve fifo`");
		return -1;
	}
	if (fstat(sfd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		fifo_close_fd(c->ctx, IPC_NO_STEP, &sfd);
		ipc_fail(e, IPC_NO_SERVER, 0, "%s is not a FIFO", server);
		return ipc_hint(e, "is the --address right? start a server with `ipclab serve fifo`");
	}
	if (!(fc = calloc(1, sizeof *fc))) {
		fifo_close_fd(c->ctx, IPC_NO_STEP, &sfd);
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "fifo connection to %s", server);
	}
	fc->keepalive_fd = -1;
	c->priv = fc;
	req = fc->own_path[0];
	rep = fc->own_path[1];

	/* Then mkfifo() our pair next to it; close() removes what we made.
	 * The random tag lets one process open several connections, and keeps
	 * a new pair from ever taking an old one's name. */
	client_id_make(id, (unsigned)sfd);
	for (int i = 0; i < 2; i++) {
		if (fifo_client_path(fc->own_path[i], IPC_PATH_MAX, server, id, suffix[i]) < 0) {
			fc->own_path[i][0] = '\0';
			ipc_fail(e, IPC_USAGE, 0, "fifo path too long: %s", server);
			goto fail;
		}
		if (mkfifo(fc->own_path[i], 0600) < 0) {
			int err = errno;
			ipc_fail(e, err == EEXIST ? IPC_IN_USE : IPC_SYSTEM, err, "mkfifo %s",
				 fc->own_path[i]);
			fc->own_path[i][0] = '\0'; /* not ours: never remove it */
			if (err == EEXIST)
				ipc_hint(e, "the leftover of a crashed client: remove it");
			goto fail;
		}
		ipc_step(c->ctx, NAME, IPC_NO_STEP, "mkfifo", "%s (mode 0600)", fc->own_path[i]);
	}

	/* Open our reply FIFO for reading first: the server's
	 * non-blocking open for writing needs a reader to be there. */
	if ((c->rfd = fifo_open(c->ctx, IPC_NO_STEP, rep, O_RDONLY, "", e)) < 0)
		goto fail;
	/* Then our request FIFO: a reader of our own, then our writer.  A
	 * non-blocking open for writing needs a reader (else ENXIO), and a
	 * request written before the server opens its end would fail with
	 * EPIPE.  The keep-alive reader never reads; it lives until close(). */
	if ((fc->keepalive_fd = fifo_open(c->ctx, IPC_NO_STEP, req, O_RDONLY,
					  " (keep-alive reader)", e)) < 0 ||
	    (c->wfd = fifo_open(c->ctx, IPC_NO_STEP, req, O_WRONLY, "", e)) < 0)
		goto fail;

	/* Last, the notice, in ONE write() of far less than PIPE_BUF bytes:
	 * atomic, all or nothing, so it never mixes with another client's.  A
	 * full server FIFO (a server not keeping up) means: wait for room. */
	int len = (int)sizeof notice;
	if (fifo_notice_format(notice, id) < 0) {
		ipc_fail(e, IPC_SYSTEM, 0, "connection notice for id %s", id);
		goto fail;
	}
	while ((n = io_write(sfd, notice, (size_t)len, server, e)) == IPC_WOULD_BLOCK) {
		if (io_wait(sfd, POLLOUT, -1, c->ctx->timeout_ms) != IO_READY) {
			ipc_fail(e, IPC_TIMEOUT, 0, "write notice to %s: FIFO full", server);
			goto fail;
		}
	}
	if (n < 0) {
		if (e->sys_errno == EPIPE) { /* the server left since we opened it */
			e->status = IPC_NO_SERVER;
			ipc_hint(e, "the server stopped: start one with `ipclab serve fifo`");
		}
		goto fail;
	}
	if (n != len) { /* cannot happen: pipe(7) makes it all or nothing */
		ipc_fail(e, IPC_SYSTEM, 0, "write notice to %s: %zd of %d bytes written", server,
			 n, len);
		goto fail;
	}
	ipc_step(c->ctx, NAME, IPC_NO_STEP, "write", "fd %d: notice \"\\n%s\" and spaces (%d bytes)", sfd,
		 id, len);
	fifo_close_fd(c->ctx, IPC_NO_STEP, &sfd); /* one notice per connection */

	snprintf(c->peer_text, sizeof c->peer_text, "%s", server);
	return 0;
fail:
	fifo_close_fd(c->ctx, IPC_NO_STEP, &sfd);
	fifo_close(c);
	return -1;
}

/* The client's read of its reply (step 9 is the server's read).  Until the
 * server opens our reply FIFO, that FIFO has never had a writer, and read()
 * then returns 0 at once: not end-of-file, just "not yet".  The server
 * unlinks our pair when it joins, so while the name is still there, 0 means
 * wait.  (poll() does not report a hang-up on a FIFO that never had a
 * writer, so waiting with poll() is right.) */
ssize_t fifo_client_read(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e)
{
	struct fifo_conn *fc = c->priv;
	char *rep = fc->own_path[1];

	for (;;) {
		/* Look before reading: a 0 read while the name was still there
		 * means "not yet", even if the server joined just after. */
		bool waiting = fifo_still_named(rep, c->rfd);
		if (!waiting) /* joined: stop looking */
			rep[0] = '\0';
		ssize_t n = io_read(c->rfd, buf, cap, c->peer_text, e);
		if (n != 0 || !waiting) {
			if (n >= 0)
				ipc_step(c->ctx, NAME, IPC_NO_STEP, "read", "fd %d: %zd bytes",
					 c->rfd, n);
			return n;
		}
		int flags = fcntl(c->rfd, F_GETFL);
		if (flags < 0)
			return ipc_fail(e, IPC_SYSTEM, errno, "fcntl %s", rep);
		if (flags & O_NONBLOCK)
			return IPC_WOULD_BLOCK;
		/* Blocking mode: block like read() would on a socket. */
		if (io_wait(c->rfd, POLLIN, -1, -1) == IO_ERROR)
			return ipc_fail(e, IPC_SYSTEM, errno, "poll %s", rep);
	}
}

/* Before the client's close: remove the names we created, unless the
 * server did already, or they now name another connection's FIFOs (a
 * later connection of this same process). */
void fifo_client_unlink_pair(struct ipc_conn *c)
{
	struct fifo_conn *fc = c->priv;
	int owner[2] = { c->wfd >= 0 ? c->wfd : fc->keepalive_fd, c->rfd };

	for (int i = 0; i < 2; i++) {
		char *path = fc->own_path[i];
		if (!path[0])
			continue;
		if (owner[i] < 0 || fifo_still_named(path, owner[i])) {
			if (unlink(path) == 0)
				ipc_step(c->ctx, NAME, IPC_NO_STEP, "unlink", "%s", path);
			else if (errno != ENOENT)
				ipc_step(c->ctx, NAME, IPC_NO_STEP, "unlink", "%s: %s", path,
					 strerror(errno));
		}
		path[0] = '\0';
	}
}
