/*
 * tcp.c - the greeting over TCP: AF_INET, SOCK_STREAM.
 *
 * The same life cycle as a Unix stream socket, with a HOST:PORT instead of a
 * path:
 *
 *   server (tcp_steps):  socket() -> setsockopt(SO_REUSEADDR) -> bind() ->
 *            listen() -> accept() -> read()/send() ... -> close() -> close()
 *   client:  socket() -> connect() -> send()/read() ... -> close()
 *
 * Nothing is created in the file system, so there is nothing to unlink: the
 * port is released when the last descriptor of the socket is closed.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "inet_addr.h"
#include "io.h"
#include "ipc.h"
#include "steps.h"

#define NAME "tcp"

/* The server's life cycle: a Unix stream server's, with HOST:PORT for a
 * path, so nothing to remove before or after. */
static const struct ipc_step_def tcp_steps[] = {
	{ 1, "socket", "socket", "create the socket", NULL },
	{ 2, "setsockopt", "setsockopt",
	  "`SO_REUSEADDR`: a restarted server can bind its port while old connections sit in "
	  "TIME_WAIT", NULL },
	{ 3, "bind", "bind", "`bind()` an address and a port (0: any free port)", NULL },
	{ 4, "listen", "listen", "`listen()`", NULL },
	{ 5, "accept4", "accept4", "`accept()` a client: a new socket, for its data", NULL },
	{ 6, "read", "read", "read the request", NULL },
	{ 7, "send", "sendto", "send the reply", NULL },
	{ 8, "close", "close", "close the connection's socket", NULL },
	{ 9, "close", "close", "close the listening socket; nothing to unlink", NULL },
	{ 10, "exit", "exit_group", "exit", "when `ipclab serve` stops" },
};

static int set_nodelay(const struct ipc_ctx *ctx, int fd, const char *who,
		       struct ipc_error *e);

/* Close `fd` after a failure without losing the error already in `e`. */
static int fail_close(int fd)
{
	int saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* ---- Server ---------------------------------------------------------- */

static int tcp_listen(struct ipc_server *s, const char *address, struct ipc_error *e)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char where[IPC_ADDR_MAX];

	if (inet_address_parse(s->ctx, address, SOCK_STREAM, &ss, &len, e) < 0)
		return -1;
	inet_address_format(&ss, where, sizeof where);

	/* Step 1 - socket(): an endpoint, not yet bound to any port. */
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "socket %s", where);
	ipc_step(s->ctx, NAME, 1, "socket", "%s, SOCK_STREAM -> fd %d",
		 ss.ss_family == AF_INET ? "AF_INET" : "AF_INET6", fd);

	/* Step 2 - SO_REUSEADDR: after a server stops, its closed connections
	 * linger in TIME_WAIT for a minute or so; without this option a
	 * restarted server could not bind the port until they expire.  (Not
	 * SO_REUSEPORT: that would let two live servers share the port.) */
	int on = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "setsockopt SO_REUSEADDR %s", where);
		return fail_close(fd);
	}
	ipc_step(s->ctx, NAME, 2, "setsockopt", "fd %d SO_REUSEADDR", fd);

	/* Step 3 - bind(): claim HOST:PORT.  Port 0 lets the kernel choose.
	 * EADDRINUSE means a live server holds the port (IPC_IN_USE). */
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		inet_bind_failed(e, errno, where);
		return fail_close(fd);
	}
	ipc_step(s->ctx, NAME, 3, "bind", "fd %d to %s", fd, where);

	/* Step 4 - listen(): the kernel now completes handshakes for us and
	 * queues the new connections until accept() takes them. */
	if (listen(fd, SOMAXCONN) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "listen %s", where);
		return fail_close(fd);
	}

	/* After a bind to port 0 only getsockname() knows the real port. */
	if (inet_local_address(fd, s->addr.text, sizeof s->addr.text) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "getsockname %s", where);
		return fail_close(fd);
	}
	ipc_step(s->ctx, NAME, 4, "listen", "fd %d on %s, backlog SOMAXCONN", fd, s->addr.text);
	s->fd = fd;
	return 0;
}

/* Step 5 - accept(): take one queued connection; it gets its own fd. */
static int tcp_accept(struct ipc_server *s, struct ipc_conn *c, struct ipc_error *e)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;
	int fd = io_accept(s, (struct sockaddr *)&peer, &len, e);
	if (fd < 0)
		return fd;

	ipc_conn_init(c, s->t, s->ctx);
	memcpy(&c->peer, &peer, sizeof peer);
	c->peer_len = len;
	inet_address_format(&peer, c->peer_text, sizeof c->peer_text);
	ipc_step(s->ctx, NAME, 5, "accept4", "fd %d -> fd %d from %s", s->fd, fd, c->peer_text);
	if (set_nodelay(s->ctx, fd, c->peer_text, e) < 0)
		return fail_close(fd);
	c->rfd = c->wfd = fd;
	return 0;
}

/* ---- Client ---------------------------------------------------------- */

static int connect_failed(struct ipc_error *e, int err, const char *where)
{
	ipc_fail(e, ipc_status_of_errno(err), err, "connect %s", where);
	if (err == ECONNREFUSED)
		return ipc_hint(e, "no server listening: start one with `ipclab serve tcp`");
	return -1;
}

static int tcp_connect(struct ipc_conn *c, const struct ipc_addr *a, struct ipc_error *e)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char where[IPC_ADDR_MAX];

	if (inet_address_parse(c->ctx, a ? a->text : NULL, SOCK_STREAM, &ss, &len, e) < 0)
		return -1;
	inet_address_format(&ss, where, sizeof where);

	/* The client's socket(): the kernel picks our own port at connect(). */
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "socket %s", where);
	ipc_step(c->ctx, NAME, IPC_NO_STEP, "socket", "%s, SOCK_STREAM -> fd %d",
		 ss.ss_family == AF_INET ? "AF_INET" : "AF_INET6", fd);

	/* connect(): on a non-blocking socket the three-way handshake
	 * goes on in the background (EINPROGRESS); the socket turns writable
	 * when it is over, and SO_ERROR then tells how it ended. */
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		if (errno != EINPROGRESS && errno != EINTR) {
			connect_failed(e, errno, where);
			return fail_close(fd);
		}
		ipc_step(c->ctx, NAME, IPC_NO_STEP, "connect", "fd %d to %s: in progress", fd,
			 where);
		int ms = c->ctx ? c->ctx->timeout_ms : -1;
		int r = io_wait(fd, POLLOUT, -1, ms);
		if (r == IO_TIMEOUT) {
			ipc_fail(e, IPC_TIMEOUT, 0, "connect %s: no answer after %d ms", where, ms);
			ipc_hint(e, "is the host reachable? a busy server may need a longer --timeout");
			return fail_close(fd);
		}
		if (r != IO_READY) {
			ipc_fail(e, IPC_SYSTEM, errno, "poll connect %s", where);
			return fail_close(fd);
		}
		int err = 0;
		socklen_t elen = sizeof err;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0) {
			ipc_fail(e, IPC_SYSTEM, errno, "getsockopt SO_ERROR %s", where);
			return fail_close(fd);
		}
		if (err) {
			connect_failed(e, err, where);
			return fail_close(fd);
		}
	}
	ipc_step(c->ctx, NAME, IPC_NO_STEP, "connect", "fd %d to %s", fd, where);

	memcpy(&c->peer, &ss, sizeof ss);
	c->peer_len = len;
	snprintf(c->peer_text, sizeof c->peer_text, "%s", where);
	if (set_nodelay(c->ctx, fd, where, e) < 0)
		return fail_close(fd);
	c->rfd = c->wfd = fd;
	return 0;
}

/* ---- Both sides: a byte stream, like any other ----------------------- */

/* Step 6 - read() the request (the client reads its reply here too). */
static ssize_t tcp_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e)
{
	ssize_t n = io_read(c->rfd, buf, cap, c->peer_text, e);
	if (n >= 0)
		ipc_step(c->ctx, NAME, 6, "read", "fd %d: %zd bytes", c->rfd, n);
	return n;
}

/* Step 7 - send(MSG_NOSIGNAL) the reply. */
static ssize_t tcp_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e)
{
	ssize_t n = io_send(c->wfd, buf, len, c->peer_text, e);
	if (n >= 0)
		ipc_step(c->ctx, NAME, 7, "send", "fd %d: %zd bytes", c->wfd, n);
	return n;
}

/* Step 8 - close the connection's socket.  Closing sends FIN: the other
 * side reads end of stream. */
static void tcp_close(struct ipc_conn *c)
{
	if (c->rfd >= 0) {
		ipc_step(c->ctx, NAME, 8, "close", "fd %d", c->rfd);
		close(c->rfd);
	}
	c->rfd = c->wfd = -1;
}

/* Step 9 - close the listening socket: the port is free again (no file to
 * remove). */
static void tcp_shutdown(struct ipc_server *s, bool remove)
{
	(void)remove;
	if (s->fd >= 0) {
		ipc_step(s->ctx, NAME, 9, "close", "listening fd %d", s->fd);
		close(s->fd);
		s->fd = -1;
	}
	/* Step 10 - exit: the caller's, src/commands.c: cmd_serve. */
}

/* ---- tuning --------------------------------------------------------- */

/* After step 5 (and the client's connect).  The request/reply protocol sends
 * one small message and waits for the answer.  Nagle's algorithm would hold a
 * small segment back while earlier data is unacknowledged and, with delayed
 * ACKs on the other side, add up to tens of milliseconds per round
 * trip.  TCP_NODELAY sends it at once. */
static int set_nodelay(const struct ipc_ctx *ctx, int fd, const char *who,
		       struct ipc_error *e)
{
	int on = 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "setsockopt TCP_NODELAY %s", who);
	ipc_step(ctx, NAME, IPC_NO_STEP, "setsockopt", "fd %d TCP_NODELAY", fd);
	return 0;
}

const struct ipc_transport tcp_transport = {
	.name = NAME,
	.summary = "TCP over IPv4 (AF_INET, SOCK_STREAM), loopback by default",
	.kind = IPC_STREAM,
	.servable = true,
	.max_message = 0,
	.addressing = IPC_ADDR_PORT,
	.default_address = inet_default_address,
	.listen = tcp_listen,
	.accept = tcp_accept,
	.connect = tcp_connect,
	.recv = tcp_recv,
	.send = tcp_send,
	.close = tcp_close,
	.shutdown = tcp_shutdown,
	IPC_STEPS(tcp_steps),
};
