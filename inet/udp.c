/*
 * udp.c - the greeting over UDP: AF_INET, SOCK_DGRAM.
 *
 * UDP has no connections: one socket serves every client, each request is
 * one datagram and each reply another, addressed to whoever sent the request
 * (Stevens' dg_echo):
 *
 *   server (udp_steps):  socket() -> bind() -> recvmsg() (learns the sender)
 *            -> sendto(sender) ... -> close()
 *   client:  socket() -> connect() (only records the server) -> send()
 *            -> recv() ... -> close()
 *
 * UDP may also lose datagrams.  Waiting a bounded time and sending again is
 * the client driver's job, not this file's: recv() here never blocks on a
 * non-blocking socket.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "inet_addr.h"
#include "ipc.h"
#include "steps.h"

#define NAME "udp"

/* The server's life cycle: one socket for every client, no listen(), no
 * accept(), and a sender's address on every request. */
static const struct ipc_step_def udp_steps[] = {
	{ 1, "socket", "socket", "create the socket", NULL },
	{ 2, "bind", "bind", "`bind()`; no `listen()`, no `accept()`", NULL },
	{ 3, "recvmsg", "recvmsg", "receive a request and its sender's address", NULL },
	{ 4, "sendto", "sendto", "reply to that address", NULL },
	{ 5, "close", "close", "close the socket", NULL },
	{ 6, "exit", "exit_group", "exit", "when `ipclab serve` stops" },
};

/* The largest IPv4 UDP payload: the 16-bit IP total length (65535) minus
 * the 20-byte IP header and the 8-byte UDP header. */
#define UDP_MAX_PAYLOAD 65507

/* Close `fd` after a failure without losing the errno of the failure. */
static int fail_close(int fd)
{
	int saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* A connected UDP socket learns from an ICMP "port unreachable" that nothing
 * listens at the server's port; the kernel reports it as ECONNREFUSED on the
 * next recv() or send(). */
static int no_server(struct ipc_conn *c, const char *call, struct ipc_error *e)
{
	ipc_fail(e, IPC_NO_SERVER, ECONNREFUSED, "%s %s", call, c->peer_text);
	return ipc_hint(e, "no server listening on %s: start one with `ipclab serve udp`",
			c->peer_text);
}

/* ---- Server ---------------------------------------------------------- */

static int udp_listen(struct ipc_server *s, const char *address, struct ipc_error *e)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char where[IPC_ADDR_MAX];

	if (inet_address_parse(s->ctx, address, SOCK_DGRAM, &ss, &len, e) < 0)
		return -1;
	inet_address_format(&ss, where, sizeof where);

	/* Step 1 - socket(). */
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "socket %s", where);
	ipc_step(s->ctx, NAME, 1, "socket", "%s, SOCK_DGRAM -> fd %d",
		 ss.ss_family == AF_INET ? "AF_INET" : "AF_INET6", fd);

	/* Step 2 - bind(): claim HOST:PORT (0 = any free port).  No
	 * SO_REUSEADDR here: UDP has no TIME_WAIT to wait out, and on Linux the
	 * option would let a second UDP server bind the same port silently. */
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		inet_bind_failed(e, errno, where);
		return fail_close(fd);
	}
	/* After a bind to port 0 only getsockname() knows the real port. */
	if (inet_local_address(fd, s->addr.text, sizeof s->addr.text) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "getsockname %s", where);
		return fail_close(fd);
	}
	ipc_step(s->ctx, NAME, 2, "bind", "fd %d to %s", fd, s->addr.text);
	/* No listen(): datagrams are queued on the socket as they arrive. */
	s->fd = fd;
	return 0;
}

/* No step - "accept": there is nothing to accept.  The server socket itself
 * becomes the one connection that talks to every client; it is borrowed, so
 * closing the connection leaves the socket to shutdown(). */
static int udp_accept(struct ipc_server *s, struct ipc_conn *c, struct ipc_error *e)
{
	(void)e;
	ipc_conn_init(c, s->t, s->ctx);
	c->rfd = c->wfd = s->fd;
	c->borrowed = true;
	snprintf(c->peer_text, sizeof c->peer_text, "(no client yet)");
	ipc_step(s->ctx, NAME, IPC_NO_STEP, "accept", "none in UDP: fd %d serves every client", s->fd);
	return 0;
}

/* ---- Client ---------------------------------------------------------- */

static int udp_connect(struct ipc_conn *c, const struct ipc_addr *a, struct ipc_error *e)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char where[IPC_ADDR_MAX];

	if (inet_address_parse(c->ctx, a ? a->text : NULL, SOCK_DGRAM, &ss, &len, e) < 0)
		return -1;
	inet_address_format(&ss, where, sizeof where);

	/* The client's socket().  It has no port yet: connect() below picks an
	 * ephemeral one, as a bind() to port 0 would. */
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "socket %s", where);
	ipc_step(c->ctx, NAME, IPC_NO_STEP, "socket", "%s, SOCK_DGRAM -> fd %d",
		 ss.ss_family == AF_INET ? "AF_INET" : "AF_INET6", fd);

	/* connect(): no packet is sent.  The kernel records the
	 * server as the default destination, drops datagrams from anyone else,
	 * and reports ICMP errors (no server) to us as ECONNREFUSED. */
	int r;
	while ((r = connect(fd, (struct sockaddr *)&ss, len)) < 0 && errno == EINTR)
		; /* a datagram connect() only records the address: do it again */
	if (r < 0) {
		ipc_fail(e, ipc_status_of_errno(errno), errno, "connect %s", where);
		return fail_close(fd);
	}
	ipc_step(c->ctx, NAME, IPC_NO_STEP, "connect", "fd %d to %s", fd, where);
	memcpy(&c->peer, &ss, sizeof ss);
	c->peer_len = len;
	snprintf(c->peer_text, sizeof c->peer_text, "%s", where);
	c->rfd = c->wfd = fd;
	return 0;
}

/* ---- Both sides: one datagram per call ------------------------------- */

/*
 * Step 3 - recvmsg() with MSG_TRUNC returns the datagram's real length even when it
 * did not fit in `buf` (the rest is lost): the caller sees n > cap.  The
 * server side also learns who sent it, which is where send() will answer.
 */
static ssize_t udp_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e)
{
	struct sockaddr_storage from;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg;
	ssize_t n;

	for (;;) {
		memset(&msg, 0, sizeof msg);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		if (c->borrowed) {
			msg.msg_name = &from;
			msg.msg_namelen = sizeof from;
		}
		n = recvmsg(c->rfd, &msg, MSG_TRUNC);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return IPC_WOULD_BLOCK;
		if (errno == ECONNREFUSED && !c->borrowed)
			return no_server(c, "recv", e);
		return ipc_fail(e, IPC_SYSTEM, errno, "recvmsg %s", c->peer_text);
	}
	/* Belt and braces: the flag says truncated even if the length did not. */
	if ((msg.msg_flags & MSG_TRUNC) && (size_t)n <= cap)
		n = (ssize_t)cap + 1;

	if (c->borrowed) {
		memcpy(&c->peer, &from, sizeof from);
		c->peer_len = msg.msg_namelen;
		inet_address_format(&from, c->peer_text, sizeof c->peer_text);
	}
	ipc_step(c->ctx, NAME, c->borrowed ? 3 : IPC_NO_STEP, "recvmsg", "fd %d: %zd bytes from %s%s",
		 c->rfd, n, c->peer_text, (size_t)n > cap ? " (truncated)" : "");
	return n;
}

/* Step 4 - the server answers the last sender with sendto(); the connected
 * client just uses send().  A datagram goes whole or not at all. */
static ssize_t udp_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e)
{
	const char *call = c->borrowed ? "sendto" : "send";

	if (c->borrowed && c->peer_len == 0)
		return ipc_fail(e, IPC_SYSTEM, EDESTADDRREQ, "sendto: no client has written yet");
	for (;;) {
		ssize_t n = c->borrowed
			? sendto(c->wfd, buf, len, MSG_NOSIGNAL,
				 (const struct sockaddr *)&c->peer, c->peer_len)
			: send(c->wfd, buf, len, MSG_NOSIGNAL);
		if (n >= 0) {
			ipc_step(c->ctx, NAME, c->borrowed ? 4 : IPC_NO_STEP, call,
				 "fd %d: %zd bytes to %s", c->wfd, n, c->peer_text);
			return n;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return IPC_WOULD_BLOCK;
		if (errno == ECONNREFUSED && !c->borrowed)
			return no_server(c, call, e);
		if (errno == EMSGSIZE) {
			ipc_fail(e, IPC_USAGE, errno, "%s %zu bytes to %s", call, len, c->peer_text);
			return ipc_hint(e, "one UDP datagram carries at most %d bytes",
					UDP_MAX_PAYLOAD);
		}
		return ipc_fail(e, IPC_SYSTEM, errno, "%s %s", call, c->peer_text);
	}
}

/* The client's close().  The server's socket is only borrowed by its
 * connection and stays open. */
static void udp_close(struct ipc_conn *c)
{
	if (c->rfd >= 0 && !c->borrowed) {
		ipc_step(c->ctx, NAME, IPC_NO_STEP, "close", "fd %d", c->rfd);
		close(c->rfd);
	}
	c->rfd = c->wfd = -1;
}

/* Step 5 - close() the server's socket.  A datagram socket has no file to
 * remove. */
static void udp_shutdown(struct ipc_server *s, bool remove)
{
	(void)remove; /* no file to remove */
	if (s->fd >= 0) {
		ipc_step(s->ctx, NAME, 5, "close", "fd %d", s->fd);
		close(s->fd);
		s->fd = -1;
	}
	/* Step 6 - exit: the caller's, src/commands.c: cmd_serve. */
}

const struct ipc_transport udp_transport = {
	.name = NAME,
	.summary = "UDP over IPv4 (AF_INET, SOCK_DGRAM), loopback by default",
	.kind = IPC_DATAGRAM,
	.servable = true,
	.max_message = UDP_MAX_PAYLOAD,
	.addressing = IPC_ADDR_PORT,
	.default_address = inet_default_address,
	.listen = udp_listen,
	.accept = udp_accept,
	.connect = udp_connect,
	.recv = udp_recv,
	.send = udp_send,
	.close = udp_close,
	.shutdown = udp_shutdown,
	IPC_STEPS(udp_steps),
};
