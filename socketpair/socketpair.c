/*
 * socketpair.c - a connected pair of Unix sockets, inherited over fork().
 *
 * The pipe's sibling.  socketpair(AF_UNIX, SOCK_STREAM) returns two
 * descriptors joined to each other, like a pipe, but each end both reads and
 * writes: one descriptor per side carries the whole conversation.
 *
 *     parent (client)   sv[1]  <======>  sv[0]   child (server)
 *
 * Like a pipe it has no name: only a process that inherits an end can use
 * it, so the server is a child forked after listen(), and `ipclab serve
 * socketpair` cannot exist.  Unlike a pipe it is a socket: send() with
 * MSG_NOSIGNAL never raises SIGPIPE, shutdown(SHUT_WR) can end one direction
 * only, and each side's end of stream is its peer's last close().
 *
 *   listen: socketpair() -> fork() -> child: close the parent's end ->
 *   read/write -> close.  Parent: close the child's end -> write/read -> close.
 *
 * As with the pipe, closing the end one does not use is what makes end of
 * stream work: a read() returns 0 only when every copy of the other end is
 * closed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io.h"
#include "ipc.h"
#include "steps.h"

#define NAME "socketpair"
#define ANONYMOUS "(anonymous)"

/* The server's life cycle: the pipe's, with one descriptor a side. */
static const struct ipc_step_def sp_steps[] = {
	{ 1, "socketpair", "socketpair", "`socketpair()`: two connected sockets, before `fork()`",
	  NULL },
	{ 2, "fork", "clone", "`fork()`: the child inherits both ends", NULL },
	{ 3, "close inherit", "close",
	  "in the child, close the end it does not use (no `accept()`: its end is inherited)",
	  NULL },
	{ 4, "read", "read", "read the request", NULL },
	{ 5, "send", "sendto", "send the reply", NULL },
	{ 6, "close", "close", "close the child's end", NULL },
};

/* Close *fd if it is open, narrate it as step `step`, and mark it closed. */
static void close_end(const struct ipc_ctx *ctx, int step, int *fd, const char *what)
{
	if (*fd < 0)
		return;
	if (close(*fd) < 0)
		ipc_step(ctx, NAME, step, "close", "fd %d (%s): %s", *fd, what, strerror(errno));
	else
		ipc_step(ctx, NAME, step, "close", "fd %d (%s)", *fd, what);
	*fd = -1;
}

static void sp_default_address(const struct ipc_ctx *ctx, char *out, size_t cap)
{
	(void)ctx;
	snprintf(out, cap, ANONYMOUS);
}

/* ---- server (in the parent, before fork) ----------------------------- */

/* Step 1 - socketpair(), BEFORE fork(): both processes inherit both ends,
 * and each keeps one.  The client's end waits in s->addr.pipe_fd[0]. */
static int sp_listen(struct ipc_server *s, const char *address, struct ipc_error *e)
{
	int sv[2];

	if (address && *address && strcmp(address, ANONYMOUS) != 0) {
		ipc_fail(e, IPC_USAGE, 0, "socketpair: a socket pair has no address (got \"%s\")",
			 address);
		return ipc_hint(e, "drop --address: a socket pair is reached only by inheriting it");
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "socketpair AF_UNIX, SOCK_STREAM");
	ipc_step(s->ctx, NAME, 1, "socketpair", "AF_UNIX, SOCK_STREAM -> fd %d (server), fd %d "
		 "(client)", sv[0], sv[1]);
	s->fd = sv[0];
	s->addr.pipe_fd[0] = sv[1];
	s->addr.pipe_fd[1] = -1; /* one descriptor does both directions */
	s->owns_path = false;
	snprintf(s->addr.text, sizeof s->addr.text, NAME);
	/* Step 2 - fork(): the caller's, src/serve.c: server_spawn. */
	return 0;
}

/* ---- server (in the forked child) ------------------------------------ */

/* Step 3 - "accept": the one client is the parent.  Closing the parent's
 * end we inherited is what lets our read() see its end of stream; a closed
 * client end also marks that the one client was handed out. */
static int sp_accept(struct ipc_server *s, struct ipc_conn *c, struct ipc_error *e)
{
	if (s->addr.pipe_fd[0] < 0 || s->fd < 0)
		return ipc_fail(e, IPC_DONE, 0, "accept socketpair: a socket pair serves exactly "
				"one client, the parent");
	close_end(s->ctx, 3, &s->addr.pipe_fd[0], "the parent's end");
	ipc_conn_init(c, s->t, s->ctx);
	c->rfd = c->wfd = s->fd;
	c->borrowed = true; /* shutdown() closes it */
	snprintf(c->peer_text, sizeof c->peer_text, "the parent process");
	ipc_step(s->ctx, NAME, 3, "inherit", "fd %d (%s)", c->rfd, c->peer_text);
	return 0;
}

/* ---- client (the parent, after fork) --------------------------------- */

/* "connect": take the end the child does not use.  The parent has called
 * shutdown(s, false) first, which closed its copy of the server's end. */
static int sp_connect(struct ipc_conn *c, const struct ipc_addr *a, struct ipc_error *e)
{
	if (a->pipe_fd[0] < 0) {
		ipc_fail(e, IPC_USAGE, 0, "connect socketpair: a socket pair has no name: only "
			 "the forking parent can connect");
		return ipc_hint(e, "to reach a separate server, use a named transport such as "
				"unix_stream");
	}
	c->rfd = c->wfd = a->pipe_fd[0];
	c->borrowed = false;
	snprintf(c->peer_text, sizeof c->peer_text, "the forked child");
	ipc_step(c->ctx, NAME, IPC_NO_STEP, "inherit", "fd %d (%s)", c->rfd, c->peer_text);
	return 0;
}

/* ---- both sides: one descriptor, both directions --------------------- */

/* Step 4 - read() the request (and, on the client's side, the reply). */
static ssize_t sp_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e)
{
	char who[IPC_ADDR_MAX + 24];
	snprintf(who, sizeof who, "socketpair from %s", c->peer_text);
	ssize_t n = io_read(c->rfd, buf, cap, who, e);
	if (n >= 0)
		ipc_step(c->ctx, NAME, 4, "read", "fd %d: %zd bytes", c->rfd, n);
	return n;
}

/* Step 5 - send(MSG_NOSIGNAL) the reply: a peer that is gone is EPIPE,
 * reported as IPC_PROTOCOL, and no signal is raised even if the caller did not
 * ignore SIGPIPE. */
static ssize_t sp_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e)
{
	char who[IPC_ADDR_MAX + 24];
	snprintf(who, sizeof who, "socketpair to %s", c->peer_text);
	ssize_t n = io_send(c->wfd, buf, len, who, e);
	if (n >= 0)
		ipc_step(c->ctx, NAME, 5, "send", "fd %d: %zd bytes", c->wfd, n);
	return n;
}

static void sp_close(struct ipc_conn *c)
{
	if (!c->borrowed)
		close_end(c->ctx, IPC_NO_STEP, &c->rfd, "the client's end");
	c->rfd = c->wfd = -1;
}

/* Step 6 - close the child's end; nothing to unlink, the pair vanishes with
 * its last descriptor.  With `remove` (the server, done) the parent's end goes
 * too if it is still here; without it (the parent) that end is kept to
 * connect(). */
static void sp_shutdown(struct ipc_server *s, bool remove)
{
	int step = remove ? 6 : IPC_NO_STEP; /* the parent's copy is no step */
	close_end(s->ctx, step, &s->fd, "the server's end");
	if (remove)
		close_end(s->ctx, step, &s->addr.pipe_fd[0], "the parent's end");
}

const struct ipc_transport socketpair_transport = {
	.name = NAME,
	.summary = "a connected pair of Unix sockets between a parent and its forked child "
		   "(one descriptor each, both directions)",
	.kind = IPC_STREAM,
	.servable = false,
	.max_message = 0,
	.addressing = IPC_ADDR_INHERITED,
	.default_address = sp_default_address,
	.listen = sp_listen,
	.accept = sp_accept,
	.connect = sp_connect,
	.recv = sp_recv,
	.send = sp_send,
	.close = sp_close,
	.shutdown = sp_shutdown,
	IPC_STEPS(sp_steps),
};
