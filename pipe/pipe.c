/*
 * pipe.c - anonymous pipes between a parent and the child it forks.
 *
 * The oldest Unix IPC and the simplest: pipe() returns two descriptors, and
 * the bytes written to [1] come out of [0], in order, through a kernel buffer
 * (64 KiB on Linux).  A pipe has no name in the file system: the only way to
 * reach one is to inherit its descriptors across fork().  So the server must
 * be a child forked after listen(), and `ipclab serve pipe` cannot exist.
 *
 * A pipe is one-way, so a conversation needs two of them:
 *
 *     parent (client)   requests[1]  ---->  requests[0]   child (server)
 *                       replies[0]   <----  replies[1]
 *
 * With a single pipe both processes would write into the same buffer, and
 * each could read back its own words instead of the other's.
 *
 *   server (pipe_steps): pipe() twice -> fork() -> child: close the parent's
 *   ends -> read/write -> close.  Parent: close the child's ends ->
 *   write/read -> close.
 *
 * Closing the unused ends is not tidiness: read() reports end-of-file only
 * when EVERY copy of the write end is closed, the reader's own copy included.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "ipc.h"
#include "steps.h"

#define NAME "pipe"
#define ANONYMOUS "(anonymous)"

/* The server's life cycle: a child forked with its pipes, no name, no exit
 * of its own to narrate. */
static const struct ipc_step_def pipe_steps[] = {
	{ 1, "pipe2", "pipe2 pipe2", "create both pipes, before `fork()`", NULL },
	{ 2, "fork", "clone", "`fork()`: the child inherits all four ends", NULL },
	{ 3, "close inherit", "close close",
	  "in the child, close the ends it does not use (this, not a system call, is the "
	  "pipe's \"accept\")", NULL },
	{ 4, "read", "read", "read the request", NULL },
	{ 5, "write", "write", "write the reply", NULL },
	{ 6, "close", "close close", "close the child's ends", NULL },
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

static void pipe_default_address(const struct ipc_ctx *ctx, char *out, size_t cap)
{
	(void)ctx;
	snprintf(out, cap, ANONYMOUS);
}

/* ---- server (in the parent, before fork) ----------------------------- */

/* Step 1 - pipe() twice, BEFORE fork(): parent and child both inherit all
 * four ends, and each then keeps the two it needs.  O_CLOEXEC closes them in
 * a program started by exec(), not across fork(); O_NONBLOCK because the
 * driver waits with poll(). */
static int pipe_listen(struct ipc_server *s, const char *address, struct ipc_error *e)
{
	int requests[2], replies[2];

	if (address && *address && strcmp(address, ANONYMOUS) != 0) {
		ipc_fail(e, IPC_USAGE, 0, "pipe: a pipe has no address (got \"%s\")", address);
		return ipc_hint(e, "drop --address: a pipe is reached only by inheriting it");
	}
	if (pipe2(requests, O_CLOEXEC | O_NONBLOCK) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "pipe2 (requests)");
	ipc_step(s->ctx, NAME, 1, "pipe2", "requests: read end fd %d, write end fd %d",
		 requests[0], requests[1]);
	if (pipe2(replies, O_CLOEXEC | O_NONBLOCK) < 0) {
		int err = errno;
		close(requests[0]);
		close(requests[1]);
		return ipc_fail(e, IPC_SYSTEM, err, "pipe2 (replies)");
	}
	ipc_step(s->ctx, NAME, 1, "pipe2", "replies: read end fd %d, write end fd %d",
		 replies[0], replies[1]);

	s->fd = requests[0];           /* the server reads requests ... */
	s->aux_fd = replies[1];        /* ... and writes replies */
	s->addr.pipe_fd[0] = replies[0];   /* the client reads replies ... */
	s->addr.pipe_fd[1] = requests[1];  /* ... and writes requests */
	s->owns_path = false;          /* nothing in the file system */
	snprintf(s->addr.text, sizeof s->addr.text, "pipe");
	/* Step 2 - fork(): the caller's, src/serve.c: server_spawn. */
	return 0;
}

/* ---- server (in the forked child) ------------------------------------ */

/* Step 3 - "accept": there is exactly one client, the parent.  First close
 * the parent's ends we inherited: while we hold a write end of the requests
 * pipe ourselves, read() could never return end-of-file.  Then the two ends
 * left are the connection: inherited, not accepted. */
static int pipe_accept(struct ipc_server *s, struct ipc_conn *c, struct ipc_error *e)
{
	/* Handed out already: the parent's ends, closed below, mark it. */
	if (s->addr.pipe_fd[0] < 0 && s->addr.pipe_fd[1] < 0)
		return ipc_fail(e, IPC_DONE, 0,
				"accept pipe: a pipe serves exactly one client, the parent");
	close_end(s->ctx, 3, &s->addr.pipe_fd[0], "replies read end, the parent's");
	close_end(s->ctx, 3, &s->addr.pipe_fd[1], "requests write end, the parent's");

	ipc_conn_init(c, s->t, s->ctx);
	c->rfd = s->fd;
	c->wfd = s->aux_fd;
	c->borrowed = true; /* the server's descriptors: shutdown() closes them */
	snprintf(c->peer_text, sizeof c->peer_text, "the parent process");
	ipc_step(s->ctx, NAME, 3, "inherit", "read fd %d, write fd %d (%s)", c->rfd, c->wfd,
		 c->peer_text);
	return 0;
}

/* ---- client (the parent, after fork) --------------------------------- */

/* "connect": take the ends the child does not use.  The parent must have
 * called shutdown(s, false) first, to drop its copies of the server's ends;
 * otherwise it would hold the write end of the replies pipe and never see
 * end-of-file when the child goes away. */
static int pipe_connect(struct ipc_conn *c, const struct ipc_addr *a, struct ipc_error *e)
{
	if (a->pipe_fd[0] < 0 || a->pipe_fd[1] < 0) {
		ipc_fail(e, IPC_USAGE, 0,
			 "connect pipe: a pipe has no name: only the forking parent can connect");
		return ipc_hint(e, "to reach a separate server, use a named transport "
				"such as fifo or unix_stream");
	}
	/* Already non-blocking: pipe2(O_NONBLOCK) in listen(). */
	c->rfd = a->pipe_fd[0];
	c->wfd = a->pipe_fd[1];
	c->borrowed = false;
	snprintf(c->peer_text, sizeof c->peer_text, "the forked child");
	ipc_step(c->ctx, NAME, IPC_NO_STEP, "inherit", "write fd %d, read fd %d (%s)", c->wfd, c->rfd,
		 c->peer_text);
	return 0;
}

/* ---- both sides: plain read() and write() ---------------------------- */

/* Step 4 - read() the request (and, on the client's side, the reply). */
static ssize_t pipe_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e)
{
	char who[IPC_ADDR_MAX + 16];
	snprintf(who, sizeof who, "pipe from %s", c->peer_text);
	ssize_t n = io_read(c->rfd, buf, cap, who, e);
	if (n >= 0)
		ipc_step(c->ctx, NAME, 4, "read", "fd %d: %zd bytes", c->rfd, n);
	return n;
}

/* Step 5 - write() the reply.  A write to a pipe whose readers are all gone
 * raises SIGPIPE; the driver ignores that signal, so write() fails with EPIPE
 * and io_write() reports IPC_PROTOCOL (the peer hung up). */
static ssize_t pipe_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e)
{
	char who[IPC_ADDR_MAX + 16];
	snprintf(who, sizeof who, "pipe to %s", c->peer_text);
	ssize_t n = io_write(c->wfd, buf, len, who, e);
	if (n >= 0)
		ipc_step(c->ctx, NAME, 5, "write", "fd %d: %zd bytes", c->wfd, n);
	return n;
}

/* Closing the write end is how one side says "no more": the other side's
 * read() returns 0 once the buffer is drained. */
static void pipe_close(struct ipc_conn *c)
{
	if (!c->borrowed) {
		close_end(c->ctx, IPC_NO_STEP, &c->wfd, "requests write end");
		close_end(c->ctx, IPC_NO_STEP, &c->rfd, "replies read end");
	}
	c->rfd = c->wfd = -1;
}

/* Step 6 - close the server's ends.  Nothing to unlink: a pipe vanishes
 * with its last descriptor.  With `remove` we are the server, done for good:
 * the parent's ends, if we never accepted, go too.  Without it we are the
 * parent, which keeps them in s->addr to connect(). */
static void pipe_shutdown(struct ipc_server *s, bool remove)
{
	int step = remove ? 6 : IPC_NO_STEP; /* the parent's copies are no step */
	close_end(s->ctx, step, &s->fd, "requests read end");
	close_end(s->ctx, step, &s->aux_fd, "replies write end");
	if (remove) {
		close_end(s->ctx, step, &s->addr.pipe_fd[0], "replies read end, the parent's");
		close_end(s->ctx, step, &s->addr.pipe_fd[1], "requests write end, the parent's");
	}
}

const struct ipc_transport pipe_transport = {
	.name = NAME,
	.summary = "anonymous pipes between a parent and its forked child (two pipes, one each way)",
	.kind = IPC_STREAM,
	.servable = false,
	.max_message = 0,
	.addressing = IPC_ADDR_INHERITED,
	.default_address = pipe_default_address,
	.listen = pipe_listen,
	.accept = pipe_accept,
	.connect = pipe_connect,
	.recv = pipe_recv,
	.send = pipe_send,
	.close = pipe_close,
	.shutdown = pipe_shutdown,
	IPC_STEPS(pipe_steps),
};
