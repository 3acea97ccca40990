/*
 * unix_stream.c - a Unix domain stream socket (AF_UNIX, SOCK_STREAM).
 *
 * The local cousin of TCP: a server binds a socket to a path in the file
 * system, listens, and accepts one connection per client; each connection is
 * a reliable, ordered byte stream with no message boundaries.  Unlike a FIFO,
 * the kernel gives every client its own connection, and unlike TCP, no
 * network stack is involved and the peer's pid and uid can be asked for.
 *
 *   server: socket -> bind -> listen -> accept -> read/write -> close -> unlink
 *   client: socket -> connect -> write/read -> close
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "io.h"
#include "ipc.h"
#include "unixpath.h"

#define NAME "unix_stream"

static void us_default_address(const struct ipc_ctx *ctx, char *out, size_t cap)
{
	snprintf(out, cap, "%s/unix_stream.sock", ctx->rundir);
}

/* ---- server ---------------------------------------------------------- */

static int us_listen(struct ipc_server *s, const char *address, struct ipc_error *e)
{
	char path[IPC_ADDR_MAX];
	struct sockaddr_un sun;
	socklen_t len = 0;

	/* Step 0 - make the path free: bind() refuses an existing file,
	 * including the socket file a crashed server left behind. */
	if (unixpath_prepare(s, address, SOCK_STREAM, path, &address, &sun, &len, e) < 0)
		return -1;

	/* Step 1 - socket(): an endpoint with no name yet. */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "socket AF_UNIX, SOCK_STREAM");
		unixpath_unlock(s, address, true);
		return -1;
	}
	ipc_step(s->ctx, NAME, "socket", "AF_UNIX, SOCK_STREAM -> fd %d", fd);

	/* Step 2 - bind(): give it a name; this creates the socket file. */
	if (bind(fd, (struct sockaddr *)&sun, len) < 0) {
		int err = errno;
		close(fd);
		unixpath_unlock(s, address, true);
		return unixpath_bind_failed(e, err, address);
	}
	ipc_step(s->ctx, NAME, "bind", "fd %d to %s", fd, address);
	unixpath_created(s, address);

	/* Step 3 - listen(): a passive socket; the kernel queues up to
	 * SOMAXCONN connecting clients until we accept() them. */
	if (listen(fd, SOMAXCONN) < 0) {
		int err = errno;
		close(fd);
		unixpath_remove(address, s->ctx, NAME);
		unixpath_unlock(s, address, true);
		return ipc_fail(e, IPC_SYSTEM, err, "listen %s", address);
	}
	ipc_step(s->ctx, NAME, "listen", "fd %d, backlog SOMAXCONN", fd);

	s->fd = fd;
	s->owns_path = true;
	snprintf(s->addr.text, sizeof s->addr.text, "%s", address);
	return 0;
}

/* Step 4 - accept(): take the next queued client as a new descriptor. */
static int us_accept(struct ipc_server *s, struct ipc_conn *c, struct ipc_error *e)
{
	int fd;

	for (;;) {
		fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0)
			break;
		if (errno == EINTR || errno == ECONNABORTED)
			continue; /* a signal, or a client that gave up while queued */
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return IPC_WOULD_BLOCK;
		if (errno == EMFILE || errno == ENFILE) {
			/* The client stays queued; the server decides whether
			 * to wait for a free descriptor or to stop. */
			ipc_fail(e, IPC_SYSTEM, errno, "accept4 %s", s->addr.text);
			return ipc_hint(e, "too many open descriptors: close clients or "
					"raise the limit (ulimit -n)");
		}
		return ipc_fail(e, IPC_SYSTEM, errno, "accept4 %s", s->addr.text);
	}

	ipc_conn_init(c, s->t, s->ctx);
	c->rfd = c->wfd = fd;
	/* The kernel knows who is at the other end of a Unix socket: the
	 * pid and uid of the process that called connect(). */
	struct ucred cred;
	socklen_t clen = sizeof cred;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0)
		snprintf(c->peer_text, sizeof c->peer_text, "unix_stream client pid %ld uid %u",
			 (long)cred.pid, (unsigned)cred.uid);
	else
		snprintf(c->peer_text, sizeof c->peer_text, "unix_stream client fd %d", fd);
	ipc_step(s->ctx, NAME, "accept4", "fd %d -> fd %d (%s)", s->fd, fd, c->peer_text);
	return 0;
}

/* ---- client ---------------------------------------------------------- */

static int us_connect(struct ipc_conn *c, const struct ipc_addr *a, struct ipc_error *e)
{
	struct sockaddr_un sun;
	socklen_t len = 0;
	int r;

	if (unixpath_fill(&sun, &len, a->text, e) < 0)
		return -1;
	/* Step 1 - socket(), as on the server side. */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "socket AF_UNIX, SOCK_STREAM");
	ipc_step(c->ctx, NAME, "socket", "AF_UNIX, SOCK_STREAM -> fd %d", fd);

	/* Step 2 - connect(): unlike TCP there is no handshake on the wire, so
	 * even a non-blocking connect completes at once: either the server's
	 * backlog takes us, or it is full (EAGAIN), or nobody listens. */
	bool interrupted = false;
	while ((r = connect(fd, (struct sockaddr *)&sun, len)) < 0 && errno == EINTR)
		interrupted = true;
	/* An interrupted connect() is not undone: it completes in the
	 * background, and calling it again says so (EISCONN). */
	if (r < 0 && interrupted && errno == EISCONN)
		r = 0;
	if (r < 0) {
		int err = errno;
		close(fd);
		if (err == ENOENT || err == ECONNREFUSED) {
			ipc_fail(e, IPC_NO_SERVER, err, "connect %s", a->text);
			return ipc_hint(e, "no server listening: start one with "
					"`ipclab serve unix_stream`");
		}
		ipc_fail(e, IPC_SYSTEM, err, "connect %s", a->text);
		if (err == EAGAIN)
			return ipc_hint(e, "the server's backlog of waiting clients is full "
					"(it does not accept fast enough): try again later");
		if (err == EPROTOTYPE)
			return ipc_hint(e, "the socket there is not a stream socket: "
					"is it a unix_dgram server?");
		return -1;
	}
	ipc_step(c->ctx, NAME, "connect", "fd %d to %s", fd, a->text);

	c->rfd = c->wfd = fd;
	snprintf(c->peer_text, sizeof c->peer_text, "%s", a->text);
	return 0;
}

/* ---- both sides: a byte stream, like a pipe in both directions -------- */

static ssize_t us_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e)
{
	ssize_t n = io_read(c->rfd, buf, cap, c->peer_text, e);
	if (n >= 0)
		ipc_step(c->ctx, NAME, "read", "fd %d: %zd bytes", c->rfd, n);
	return n;
}

static ssize_t us_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e)
{
	ssize_t n = io_send(c->wfd, buf, len, c->peer_text, e);
	if (n >= 0)
		ipc_step(c->ctx, NAME, "send", "fd %d: %zd bytes", c->wfd, n);
	return n;
}

/* close(): the peer's next read() returns 0, end of stream. */
static void us_close(struct ipc_conn *c)
{
	if (c->rfd >= 0) {
		close(c->rfd);
		ipc_step(c->ctx, NAME, "close", "fd %d", c->rfd);
	}
	c->rfd = c->wfd = -1;
}

/* Last step - close the listening socket, then unlink() its path: the
 * file outlives the socket, and would make the next bind() fail.  Only if
 * it is still the file our bind() made, and then the lock file too. */
static void us_shutdown(struct ipc_server *s, bool remove)
{
	if (s->fd >= 0) {
		close(s->fd);
		ipc_step(s->ctx, NAME, "close", "fd %d", s->fd);
		s->fd = -1;
	}
	unixpath_release(s, remove);
}

const struct ipc_transport unix_stream_transport = {
	.name = NAME,
	.summary = "Unix domain stream socket on a path (SOCK_STREAM): connections, byte stream",
	.kind = IPC_STREAM,
	.servable = true,
	.max_message = 0,
	.default_address = us_default_address,
	.listen = us_listen,
	.accept = us_accept,
	.connect = us_connect,
	.recv = us_recv,
	.send = us_send,
	.close = us_close,
	.shutdown = us_shutdown,
};
