/*
 * unix_stream.c - a Unix domain stream socket (AF_UNIX, SOCK_STREAM).
 *
 * The local cousin of TCP: a server binds a socket to a path in the file
 * system, listens, and accepts one connection per client; each connection is
 * a reliable, ordered byte stream with no message boundaries.  Unlike a FIFO,
 * the kernel gives every client its own connection, and unlike TCP, no
 * network stack is involved and the peer's pid and uid can be asked for.
 *
 *   server: steps 1 .. 12 below (us_steps): remove a stale socket -> socket
 *           -> name -> bind -> listen -> accept -> read/write -> close ->
 *           close -> unlink -> exit
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
#include "steps.h"
#include "unixpath.h"

#define NAME "unix_stream"

/* The server's life cycle: the lecture's twelve steps, one for one. */
static const struct ipc_step_def us_steps[] = {
	{ 1, "lstat connect unlink", "newfstatat",
	  "remove the socket if it exists, but only if it is a socket and nothing answers on it",
	  NULL },
	{ 2, "socket", "socket", "create the socket", NULL },
	{ 3, "(name)", NULL, "fill in its name (`struct sockaddr_un`): no system call", NULL },
	{ 4, "bind", "bind", "`bind()` the socket to its name: this creates the socket file",
	  NULL },
	{ 5, "listen", "listen", "`listen()`: the kernel queues connecting clients", NULL },
	{ 6, "accept4", "accept4", "`accept()` a client: a new socket, for its data", NULL },
	{ 7, "read", "read", "read the request", NULL },
	{ 8, "send", "sendto", "write the reply", NULL },
	{ 9, "close", "close", "close the data socket", NULL },
	{ 10, "close", "close", "close the connection socket", NULL },
	{ 11, "unlink", "unlink", "remove the socket file", NULL },
	{ 12, "exit", "exit_group", "exit", "when `ipclab serve` stops" },
};

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
	int fd = -1;

	address = unixpath_address(s, address, path);
	/* ipclab's own lock on the path, held for the server's life, so that
	 * two servers starting at once cannot both take it (unixpath.h). */
	if (unixpath_lock(s, address, e) < 0)
		return -1;

	/* Step 1 - remove the socket if it exists: bind() refuses an existing
	 * file, including the socket file a crashed server left behind.  But
	 * only a socket nobody answers on: lstat(), a connect() probe, unlink(). */
	if (unixpath_clear_stale(s, address, SOCK_STREAM, 1, e) < 0)
		goto unlock;

	/* Step 2 - socket(): an endpoint with no name yet. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "socket AF_UNIX, SOCK_STREAM");
		goto unlock;
	}
	ipc_step(s->ctx, NAME, 2, "socket", "AF_UNIX, SOCK_STREAM -> fd %d", fd);

	/* Step 3 - the name: a path in a struct sockaddr_un.  No system call;
	 * a path too long for sun_path is refused here, never cut. */
	if (unixpath_fill(&sun, &len, address, e) < 0)
		goto close_fd;
	ipc_step(s->ctx, NAME, 3, "(name)", "sockaddr_un.sun_path = %s: no system call", address);

	/* Step 4 - bind(): give the socket its name; this creates the file. */
	if (bind(fd, (struct sockaddr *)&sun, len) < 0) {
		unixpath_bind_failed(e, errno, address);
		goto close_fd;
	}
	ipc_step(s->ctx, NAME, 4, "bind", "fd %d to %s", fd, address);
	unixpath_created(s, address);

	/* Step 5 - listen(): a passive socket; the kernel queues up to
	 * SOMAXCONN connecting clients until we accept() them. */
	if (listen(fd, SOMAXCONN) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "listen %s", address);
		unixpath_remove(address, s->ctx, NAME, IPC_NO_STEP);
		goto close_fd;
	}
	ipc_step(s->ctx, NAME, 5, "listen", "fd %d, backlog SOMAXCONN", fd);

	s->fd = fd;
	s->owns_path = true;
	snprintf(s->addr.text, sizeof s->addr.text, "%s", address);
	return 0;

close_fd:
	close(fd);
unlock:
	unixpath_unlock(s, address, true);
	return -1;
}

/* Step 6 - accept(): take the next queued client as a new descriptor, the
 * data socket; the listening socket goes on waiting for others. */
static int us_accept(struct ipc_server *s, struct ipc_conn *c, struct ipc_error *e)
{
	int fd = io_accept(s, NULL, NULL, e);
	if (fd < 0)
		return fd;

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
	ipc_step(s->ctx, NAME, 6, "accept4", "fd %d -> fd %d (%s)", s->fd, fd, c->peer_text);
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
	/* The client's socket(), as on the server side (no step of the
	 * server's: the client's calls carry no number). */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "socket AF_UNIX, SOCK_STREAM");
	ipc_step(c->ctx, NAME, IPC_NO_STEP, "socket", "AF_UNIX, SOCK_STREAM -> fd %d", fd);

	/* connect(): unlike TCP there is no handshake on the wire, so
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
	ipc_step(c->ctx, NAME, IPC_NO_STEP, "connect", "fd %d to %s", fd, a->text);

	c->rfd = c->wfd = fd;
	snprintf(c->peer_text, sizeof c->peer_text, "%s", a->text);
	return 0;
}

/* ---- both sides: a byte stream, like a pipe in both directions -------- */

/* Step 7 - read() the request (the client reads its reply here too). */
static ssize_t us_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e)
{
	ssize_t n = io_read(c->rfd, buf, cap, c->peer_text, e);
	if (n >= 0)
		ipc_step(c->ctx, NAME, 7, "read", "fd %d: %zd bytes", c->rfd, n);
	return n;
}

/* Step 8 - write the reply, with send(MSG_NOSIGNAL): a client gone away is
 * an EPIPE, never a SIGPIPE that would kill the server. */
static ssize_t us_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e)
{
	ssize_t n = io_send(c->wfd, buf, len, c->peer_text, e);
	if (n >= 0)
		ipc_step(c->ctx, NAME, 8, "send", "fd %d: %zd bytes", c->wfd, n);
	return n;
}

/* Step 9 - close the data socket: the peer's next read() returns 0, end of
 * stream. */
static void us_close(struct ipc_conn *c)
{
	if (c->rfd >= 0) {
		close(c->rfd);
		ipc_step(c->ctx, NAME, 9, "close", "fd %d", c->rfd);
	}
	c->rfd = c->wfd = -1;
}

static void us_shutdown(struct ipc_server *s, bool remove)
{
	/* Step 10 - close the connection (listening) socket. */
	if (s->fd >= 0) {
		close(s->fd);
		ipc_step(s->ctx, NAME, 10, "close", "fd %d", s->fd);
		s->fd = -1;
	}
	/* Step 11 - remove the socket file: it outlives the socket and would
	 * make the next bind() fail.  Only if it is still the file our bind()
	 * made; the lock file goes with it. */
	unixpath_release(s, remove, 11);
	/* Step 12 - exit: the caller's, src/commands.c: cmd_serve. */
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
	IPC_STEPS(us_steps),
};
