/*
 * unix_dgram.c - a Unix domain datagram socket (AF_UNIX, SOCK_DGRAM).
 *
 * The local cousin of UDP, but reliable: the kernel never drops or reorders
 * a datagram between two Unix sockets (a full receiver makes the sender wait
 * instead).  There are no connections: the server has ONE socket, receives
 * each request with the sender's address attached, and answers it with
 * sendto().  So a client must bind() an address of its own, or the server has
 * nowhere to send the reply.  Message boundaries are kept: one send() is one
 * recv(), and a datagram larger than the receive buffer is truncated.
 *
 * The client's address: the classic client (TLPI 57.3) binds a path of its
 * own, and must unlink() it when done; a client killed while it waits
 * leaves that file behind for ever, and a path in a deep directory may not
 * even fit in sun_path.  ipclab's client uses Linux's autobind instead:
 * bind() with nothing but the address family, and the kernel picks a unique
 * name in the abstract namespace ("@" followed by five hex digits, never a
 * file), which disappears with the socket.  Clients that bind a path of
 * their own (socat's bind=) are served too.
 *
 *   server (ud_steps): remove a stale socket -> socket -> name -> bind ->
 *           recvfrom/sendto ... -> close -> unlink -> exit
 *   client: socket -> bind (autobind) -> connect -> send/recv -> close
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipc.h"
#include "steps.h"
#include "unixpath.h"

#define NAME "unix_dgram"

/* The server's life cycle: the stream server's, without listen() and
 * accept(), and with the sender's address on every request. */
static const struct ipc_step_def ud_steps[] = {
	{ 1, "lstat connect unlink", "newfstatat",
	  "remove a stale socket, as for streams: only if nothing answers on it", NULL },
	{ 2, "socket", "socket", "create the socket", NULL },
	{ 3, "(name)", NULL, "fill in its name (`struct sockaddr_un`): no system call", NULL },
	{ 4, "bind", "bind", "`bind()`, and nothing else: no `listen()`, no `accept()`", NULL },
	{ 5, "recvfrom", "recvmsg", "receive one request and the address of its sender", NULL },
	{ 6, "sendto", "sendto", "send the reply to that address", NULL },
	{ 7, "close", "close", "close the socket", NULL },
	{ 8, "unlink", "unlink", "remove the socket file", NULL },
	{ 9, "exit", "exit_group", "exit", "when `ipclab serve` stops" },
};

/*
 * The largest datagram we promise.  Linux refuses (EMSGSIZE) a Unix datagram
 * larger than the sender's SO_SNDBUF minus 32 bytes; with the default buffer
 * (net.core.wmem_default = 212992) that is 212960 bytes, measured with
 * growing send()s over a socketpair.  Administrators can shrink the default,
 * and a reply is a few bytes longer than its request, so we promise a round
 * 64 KiB, well within any sane default.
 */
#define UD_MAX_MESSAGE 65536

static void ud_default_address(const struct ipc_ctx *ctx, char *out, size_t cap)
{
	snprintf(out, cap, "%s/unix_dgram.sock", ctx->rundir);
}

/* ---- server ---------------------------------------------------------- */

static int ud_listen(struct ipc_server *s, const char *address, struct ipc_error *e)
{
	char path[IPC_ADDR_MAX];
	struct sockaddr_un sun;
	socklen_t len = 0;
	int fd = -1;

	address = unixpath_address(s, address, path);
	/* ipclab's own lock on the path, held for the server's life (unixpath.h). */
	if (unixpath_lock(s, address, e) < 0)
		return -1;

	/* Step 1 - remove a stale socket file, which would make bind() fail;
	 * only one nobody answers on (lstat(), a connect() probe, unlink()). */
	if (unixpath_clear_stale(s, address, SOCK_DGRAM, 1, e) < 0)
		goto unlock;

	/* Step 2 - socket(). */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "socket AF_UNIX, SOCK_DGRAM");
		goto unlock;
	}
	ipc_step(s->ctx, NAME, 2, "socket", "AF_UNIX, SOCK_DGRAM -> fd %d", fd);

	/* Step 3 - the name, a path in a struct sockaddr_un: no system call. */
	if (unixpath_fill(&sun, &len, address, e) < 0)
		goto close_fd;
	ipc_step(s->ctx, NAME, 3, "(name)", "sockaddr_un.sun_path = %s: no system call", address);

	/* Step 4 - bind(): the name clients send to.  There is no listen():
	 * from now on datagrams addressed to the path queue up on `fd`. */
	if (bind(fd, (struct sockaddr *)&sun, len) < 0) {
		unixpath_bind_failed(e, errno, address);
		goto close_fd;
	}
	ipc_step(s->ctx, NAME, 4, "bind", "fd %d to %s", fd, address);
	unixpath_created(s, address);

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

/* No accept(), no step: every client talks to the same socket, so the
 * "connection" is the server socket itself, borrowed. */
static int ud_accept(struct ipc_server *s, struct ipc_conn *c, struct ipc_error *e)
{
	(void)e;
	ipc_conn_init(c, s->t, s->ctx);
	c->rfd = c->wfd = s->fd;
	c->borrowed = true;
	snprintf(c->peer_text, sizeof c->peer_text, "(no datagram yet)");
	ipc_step(s->ctx, NAME, IPC_NO_STEP, "accept", "none: fd %d serves every client", s->fd);
	return 0;
}

/* A sender's address as text: its path, "@name" for Linux's abstract
 * names, or nothing at all when it never called bind(). */
static void describe(const struct sockaddr_storage *ss, socklen_t len, char *out, size_t cap)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)ss;
	size_t off = offsetof(struct sockaddr_un, sun_path);
	size_t n = len > off ? len - off : 0;

	if (n > sizeof sun->sun_path)
		n = sizeof sun->sun_path;
	if (n == 0)
		snprintf(out, cap, "(unbound sender)");
	else if (sun->sun_path[0] == '\0')
		snprintf(out, cap, "@%.*s", (int)(n - 1), sun->sun_path + 1);
	else
		snprintf(out, cap, "%.*s", (int)strnlen(sun->sun_path, n), sun->sun_path);
}

/* ---- client ---------------------------------------------------------- */

static int ud_connect(struct ipc_conn *c, const struct ipc_addr *a, struct ipc_error *e)
{
	struct sockaddr_un server;
	socklen_t server_len = 0;
	int r;

	if (unixpath_fill(&server, &server_len, a->text, e) < 0)
		return -1;
	/* The client's socket() (a client's calls carry no step number). */
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "socket AF_UNIX, SOCK_DGRAM");
	ipc_step(c->ctx, NAME, IPC_NO_STEP, "socket", "AF_UNIX, SOCK_DGRAM -> fd %d", fd);

	/* Then bind() a name of our own, the return address the server
	 * sees in recvfrom().  Only the family is given (an address length of
	 * sizeof(sa_family_t)): Linux then binds a fresh name in the abstract
	 * namespace, unique while the socket lives, in no directory, removed by
	 * the kernel when the socket closes however the process ends. */
	struct sockaddr_un own = { .sun_family = AF_UNIX };
	if (bind(fd, (struct sockaddr *)&own, sizeof own.sun_family) < 0) {
		int err = errno;
		close(fd);
		return ipc_fail(e, IPC_SYSTEM, err, "bind (autobind) AF_UNIX, SOCK_DGRAM");
	}
	if (c->ctx && c->ctx->trace) {
		struct sockaddr_storage name;
		socklen_t name_len = sizeof name;
		char text[IPC_ADDR_MAX] = "?";
		if (getsockname(fd, (struct sockaddr *)&name, &name_len) == 0)
			describe(&name, name_len, text, sizeof text);
		ipc_step(c->ctx, NAME, IPC_NO_STEP, "bind", "fd %d to %s (autobind: abstract, no file)", fd,
			 text);
	}

	/* And connect(): no handshake, it only fixes the destination of
	 * send() and makes the kernel refuse datagrams from anyone but the
	 * server.  A missing server shows at once. */
	do
		r = connect(fd, (struct sockaddr *)&server, server_len);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		int err = errno;
		close(fd);
		if (err == ENOENT || err == ECONNREFUSED) {
			ipc_fail(e, IPC_NO_SERVER, err, "connect %s", a->text);
			return ipc_hint(e, "no server there: start one with `ipclab serve unix_dgram`");
		}
		ipc_fail(e, IPC_SYSTEM, err, "connect %s", a->text);
		if (err == EPROTOTYPE)
			return ipc_hint(e, "the socket there is not a datagram socket: "
					"is it a unix_stream server?");
		return -1;
	}
	ipc_step(c->ctx, NAME, IPC_NO_STEP, "connect", "fd %d to %s", fd, a->text);

	c->rfd = c->wfd = fd;
	memcpy(&c->peer, &server, server_len);
	c->peer_len = server_len;
	snprintf(c->peer_text, sizeof c->peer_text, "%s", a->text);
	return 0;
}

/* ---- both sides: one datagram in, one datagram out -------------------- */

/* Step 5 - server: recvfrom() with the sender's address.  Client: recv() from
 * the server it is connected to.  MSG_TRUNC makes Linux return the datagram's
 * REAL length even when only `cap` bytes fit, so truncation is visible. */
static ssize_t ud_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e)
{
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (c->borrowed) {
		m.msg_name = &c->peer;
		m.msg_namelen = sizeof c->peer;
	}
	do
		n = recvmsg(c->rfd, &m, MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return IPC_WOULD_BLOCK;
		return ipc_fail(e, c->borrowed ? IPC_SYSTEM : ipc_status_of_errno(errno), errno,
				"recvmsg %s", c->borrowed ? "(server socket)" : c->peer_text);
	}
	/* A kernel that ignores MSG_TRUNC in flags still sets it in msg_flags. */
	if ((m.msg_flags & MSG_TRUNC) && (size_t)n <= cap)
		n = (ssize_t)cap + 1;
	if (c->borrowed) {
		c->peer_len = m.msg_namelen;
		describe(&c->peer, c->peer_len, c->peer_text, sizeof c->peer_text);
		ipc_step(c->ctx, NAME, 5, "recvfrom", "fd %d: %zd bytes from %s", c->rfd, n,
			 c->peer_text);
	} else {
		ipc_step(c->ctx, NAME, IPC_NO_STEP, "recv", "fd %d: %zd bytes", c->rfd, n);
	}
	return n;
}

static bool reply_path_unsafe(const struct ipc_conn *c, struct ipc_error *e);

/* Step 6 - server: sendto() the last sender.  Client: send() to the server it
 * is connected to.  A datagram goes whole or not at all: no loop here. */
static ssize_t ud_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e)
{
	const struct sockaddr *to = NULL;
	socklen_t tolen = 0;
	ssize_t n;

	if (c->borrowed) {
		if (c->peer_len <= offsetof(struct sockaddr_un, sun_path)) {
			ipc_fail(e, IPC_PROTOCOL, 0, "sendto %s: the client has no address, "
				 "so the reply has nowhere to go", c->peer_text);
			return ipc_hint(e, "a datagram client must bind() a path before it sends");
		}
		to = (const struct sockaddr *)&c->peer;
		tolen = c->peer_len;
		if (reply_path_unsafe(c, e))
			return -1;
	}
	do
		n = sendto(c->wfd, buf, len, MSG_NOSIGNAL, to, tolen);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int err = errno;
		if (err == EAGAIN || err == EWOULDBLOCK)
			return IPC_WOULD_BLOCK; /* the receiver's queue is full */
		if (err == EMSGSIZE) {
			ipc_fail(e, IPC_USAGE, err, "message of %zu bytes is larger than a "
				 "unix_dgram datagram can be", len);
			return ipc_hint(e, "send at most %d bytes", UD_MAX_MESSAGE);
		}
		if (c->borrowed && (err == ECONNREFUSED || err == ENOENT)) {
			ipc_fail(e, IPC_PROTOCOL, err, "sendto %s", c->peer_text);
			return ipc_hint(e, "the client went away before its reply");
		}
		if (!c->borrowed && (err == ECONNREFUSED || err == ENOTCONN)) {
			/* Linux disconnects us when the server's socket dies:
			 * ECONNREFUSED once, then ENOTCONN. */
			ipc_fail(e, IPC_NO_SERVER, err, "send %s", c->peer_text);
			return ipc_hint(e, "the server went away: start one with "
					"`ipclab serve unix_dgram`");
		}
		return ipc_fail(e, IPC_SYSTEM, err, "%s %s", c->borrowed ? "sendto" : "send",
				c->peer_text);
	}
	if ((size_t)n != len)
		return ipc_fail(e, IPC_SYSTEM, 0, "send %s: datagram cut to %zd of %zu bytes",
				c->peer_text, n, len);
	ipc_step(c->ctx, NAME, c->borrowed ? 6 : IPC_NO_STEP, c->borrowed ? "sendto" : "send",
		 "fd %d: %zd bytes to %s", c->wfd, n, c->peer_text);
	return n;
}

/* The client's close(): the kernel drops our abstract name with the
 * socket.  The server side only drops its borrowed view: the fd is the
 * server's. */
static void ud_close(struct ipc_conn *c)
{
	if (!c->borrowed && c->rfd >= 0) {
		close(c->rfd);
		ipc_step(c->ctx, NAME, IPC_NO_STEP, "close", "fd %d", c->rfd);
	}
	c->rfd = c->wfd = -1;
}

static void ud_shutdown(struct ipc_server *s, bool remove)
{
	/* Step 7 - close the socket. */
	if (s->fd >= 0) {
		close(s->fd);
		ipc_step(s->ctx, NAME, 7, "close", "fd %d", s->fd);
		s->fd = -1;
	}
	/* Step 8 - unlink() its path, if it is still the file our bind() made;
	 * then the lock file. */
	unixpath_release(s, remove, 8);
	/* Step 9 - exit: the caller's, src/commands.c: cmd_serve. */
}

/* ---- defences: a reply must not be redirected -------------------------- */

/* Before step 6.  A client bound to a path gets its reply at that path, and
 * sendto(), like connect(), follows symlinks: if the client's socket file was
 * replaced by a symlink since its request, our reply would go to whatever
 * socket the link names.  So the path must still be a socket file (lstat(),
 * which does not follow links).  Abstract names (autobind) are no files:
 * nothing to check. Returns true, with `e` filled, if the reply must not be
 * sent. */
static bool reply_path_unsafe(const struct ipc_conn *c, struct ipc_error *e)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&c->peer;
	size_t off = offsetof(struct sockaddr_un, sun_path);
	char path[sizeof sun->sun_path + 1];
	struct stat st;

	if (sun->sun_family != AF_UNIX || c->peer_len <= off || sun->sun_path[0] == '\0')
		return false;
	size_t n = strnlen(sun->sun_path, c->peer_len - off);
	memcpy(path, sun->sun_path, n);
	path[n] = '\0';
	if (lstat(path, &st) < 0) {
		ipc_fail(e, IPC_PROTOCOL, errno, "sendto %s", path);
		ipc_hint(e, "the client went away before its reply");
		return true;
	}
	if (!S_ISSOCK(st.st_mode)) {
		ipc_fail(e, IPC_PROTOCOL, 0, "sendto %s: the client's address is no longer a "
			 "socket but a %s: reply not sent", path,
			 S_ISLNK(st.st_mode) ? "symbolic link" : "file of another kind");
		return true;
	}
	return false;
}

const struct ipc_transport unix_dgram_transport = {
	.name = NAME,
	.summary = "Unix domain datagram socket on a path (SOCK_DGRAM): messages, reply by address",
	.kind = IPC_DATAGRAM,
	.servable = true,
	.max_message = UD_MAX_MESSAGE,
	.default_address = ud_default_address,
	.listen = ud_listen,
	.accept = ud_accept,
	.connect = ud_connect,
	.recv = ud_recv,
	.send = ud_send,
	.close = ud_close,
	.shutdown = ud_shutdown,
	IPC_STEPS(ud_steps),
};
