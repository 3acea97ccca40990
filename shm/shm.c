/*
 * shm.c - shared memory: a pair of byte rings per client, no kernel copy.
 *
 * Every other transport asks the kernel to carry each byte: write() copies
 * it into a kernel buffer, read() copies it out, and the reader is woken by
 * the scheduler.  Here client and server map the same memory and copy the
 * bytes themselves, each into or out of a ring; the kernel is needed only to
 * set up, and to wake a side that chose to sleep.
 *
 *   rendezvous   A Unix stream socket at <rundir>/shm.sock.  Memory has no
 *                name a stranger could connect to, so the client creates it
 *                (memfd_create), sealed against shrinking, and hands it to
 *                the server with the room doorbells in one SCM_RIGHTS
 *                message (shm_handover.c).  The socket then stays open as
 *                the data doorbell, and its end of stream is how each side
 *                learns that the other died, even in mid-message.
 *   rings        Two single-producer single-consumer rings (client->server,
 *                server->client) of SHM_RING bytes (shm_ring.c).
 *   doorbells    "Data": one byte on the socket.  "Room": a datagram socket
 *                pair per direction, unwritable while its producer waits
 *                (shm_wait.c, with `--wait spin`).
 *   descriptors  rfd is the socket: readable when the data bell rang or the
 *                peer is gone.  wfd is our room bell: POLLOUT means room.
 *                poll(), select() and epoll watch both like any socket's,
 *                so every server mode works.
 *
 * The server's endpoint (s->fd) is an epoll instance, not the listening
 * socket: it holds the listening socket, every rendezvous connection whose
 * hand-over has not come yet, and a timer for the first of their deadlines.
 * So a hand-over is never waited for inside accept(): a silent client costs
 * a place in the pending list (SHM_PENDING_MAX; when it is full, new
 * connections wait in the kernel's queue) and nothing else, and is closed
 * after HANDOVER_MS.
 *
 *   server: 1 free the path -> 2 socket, bind, listen -> 3 accept ->
 *           4 recvmsg (memfd + 2 bells), mmap -> 5 read -> 6 write ->
 *           7 close the ring -> 8 close the rendezvous socket -> 9 unlink
 *           -> 10 exit
 *   client: socket, connect -> C1 memfd_create, ftruncate, seal, mmap ->
 *           C2 socketpair x2 -> C3 sendmsg (SCM_RIGHTS) -> ring I/O -> close
 *
 * This file is the server's life cycle, in the order of its steps; the
 * client's connect and both sides of the hand-over are in shm_handover.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "io.h"
#include "ipc.h"
#include "shm.h"
#include "steps.h"
#include "unixpath.h"

#define HANDOVER_MS 1000    /* how long a client may take to hand over its memory */
#define SHM_PENDING_MAX 64  /* connections waiting to hand over, at most */
#define SHM_ACCEPT_BURST 16 /* accept4() calls per accept() */
#define TAG_LISTEN (-1)     /* epoll data of the listening socket ... */
#define TAG_TIMER (-2)      /* ... and of the deadline timer; a pending one: its fd */

/* The server's own state (s->priv). */
struct shm_listener {
	int sock;   /* the rendezvous socket */
	int timer;  /* timerfd: the first pending deadline */
	struct shm_pending {
		int fd;
		long long deadline;
	} pend[SHM_PENDING_MAX]; /* oldest first */
	int npend;
};

/* The server's life cycle, as `--trace` numbers it.  Steps 4 to 6 run in
 * the sibling files (shm_handover.c, shm_ring.c), called from here. */
static const struct ipc_step_def shm_steps[] = {
	{ 1, "lstat connect unlink", "newfstatat",
	  "remove a rendezvous socket left behind, but only if nobody answers on it", NULL },
	{ 2, "listen", "socket bind listen", "`socket()`, `bind()`, `listen()`: the rendezvous socket",
	  NULL },
	{ 3, "accept", "accept4", "`accept()` a client's rendezvous connection", NULL },
	{ 4, "recvmsg", "recvmsg", "`recvmsg()`: the client's memory and room doorbells "
	  "(SCM_RIGHTS), checked, then `mmap()`ed", NULL },
	{ 5, "read", NULL, "copy the request out of the ring", NULL },
	{ 6, "write", NULL, "copy the reply into the ring", NULL },
	{ 7, "close", "close", "`munmap()` the ring, `close()` the client's socket and doorbells",
	  NULL },
	{ 8, "close", "close", "`close()` the rendezvous socket", NULL },
	{ 9, "unlink", "unlink", "`unlink()` the rendezvous path", NULL },
	{ 10, "exit", "exit_group", "exit", "when `ipclab serve` stops" },
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void shm_default_address(const struct ipc_ctx *ctx, char *out, size_t cap)
{
	snprintf(out, cap, "%s/shm.sock", ctx->rundir);
}

/* The server's side: ring[0] in, ring[1] out.  rfd: the socket, readable
 * when the data bell rang or the peer left; wfd: our room bell. */
static void set_fds(struct ipc_conn *c, struct shm_conn *m)
{
	m->in = &m->mem->ring[0];
	m->out = &m->mem->ring[1];
	c->rfd = m->sock;
	c->wfd = m->arm;
	c->priv = m;
}

/* ---- server ---------------------------------------------------------- */

static int watch(int ep, int fd, int tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = tag };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int shm_listen(struct ipc_server *s, const char *address, struct ipc_error *e)
{
	char path[IPC_ADDR_MAX];
	struct sockaddr_un sun;
	socklen_t len = 0;
	struct shm_listener *l = calloc(1, sizeof *l);

	if (!l)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "shm listener state");
	l->sock = l->timer = -1;
	/* Step 1 - the rendezvous path, freed as for any Unix socket (unixpath.c). */
	if (unixpath_prepare(s, address, SOCK_STREAM, path, &address, &sun, &len, 1, e) < 0) {
		free(l);
		return -1;
	}
	/* Step 2 - socket(), bind(), listen(). */
	l->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->sock < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "socket AF_UNIX, SOCK_STREAM (shm rendezvous)");
		goto fail_unlock;
	}
	if (bind(l->sock, (struct sockaddr *)&sun, len) < 0) {
		unixpath_bind_failed(e, errno, address);
		goto fail_unlock;
	}
	unixpath_created(s, address);
	if (listen(l->sock, SOMAXCONN) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "listen %s", address);
		goto fail_remove;
	}
	/* What the server loop watches: the listening socket, the hand-overs
	 * still to come, and their deadline. */
	s->fd = epoll_create1(EPOLL_CLOEXEC);
	l->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->fd < 0 || l->timer < 0 || watch(s->fd, l->sock, TAG_LISTEN) < 0 ||
	    watch(s->fd, l->timer, TAG_TIMER) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "epoll/timerfd for %s", address);
		goto fail_remove;
	}
	ipc_step(s->ctx, SHM_NAME, 2, "listen", "fd %d on %s: the rendezvous", l->sock, address);
	s->priv = l;
	s->owns_path = true;
	snprintf(s->addr.text, sizeof s->addr.text, "%s", address);
	return 0;
fail_remove:
	unixpath_remove(address, s->ctx, SHM_NAME, IPC_NO_STEP);
fail_unlock:
	close_fd(&l->sock);
	close_fd(&l->timer);
	close_fd(&s->fd);
	unixpath_unlock(s, address, true);
	free(l);
	return -1;
}

/* The listening socket is watched only while a new connection has a
 * place in the pending list: when it is full, new ones wait in the kernel's
 * queue (and the loop does not spin on a listener it will not take from). */
static void listener_watch(struct ipc_server *s, struct shm_listener *l)
{
	struct epoll_event ev = { .events = l->npend < SHM_PENDING_MAX ? EPOLLIN : 0,
				  .data.fd = TAG_LISTEN };
	epoll_ctl(s->fd, EPOLL_CTL_MOD, l->sock, &ev);
}

/* Forget pending connection i (closing it unless `keep`). */
static void pending_drop(struct ipc_server *s, struct shm_listener *l, int i, bool keep)
{
	epoll_ctl(s->fd, EPOLL_CTL_DEL, l->pend[i].fd, NULL);
	if (!keep)
		close(l->pend[i].fd);
	memmove(&l->pend[i], &l->pend[i + 1], (size_t)(l->npend - i - 1) * sizeof l->pend[0]);
	if (l->npend-- == SHM_PENDING_MAX)
		listener_watch(s, l);
}

/* The timer rings at the first deadline (or never, with nothing pending). */
static void pending_rearm(struct shm_listener *l)
{
	struct itimerspec its = { 0 };
	uint64_t expired;
	while (read(l->timer, &expired, sizeof expired) > 0) /* our own: non-blocking */
		;
	if (l->npend > 0) {
		long long left = l->pend[0].deadline - io_now_ms();
		if (left < 1)
			left = 1;
		its.it_value.tv_sec = left / 1000;
		its.it_value.tv_nsec = (left % 1000) * 1000000L;
	}
	timerfd_settime(l->timer, 0, &its, NULL);
}

static int pending_try(struct ipc_server *s, struct shm_listener *l, int i, struct ipc_conn *c,
		       struct ipc_error *e);

/* Step 3 - accept rendezvous connections into the pending list, while it
 * has room, each hand-over tried at once (a client sends it as soon as it
 * is connected).  0: c is a client; IPC_WOULD_BLOCK: none ready; -1 with e
 * filled: a client refused, or accept4 failed (then accept_err too). */
static int accept_some(struct ipc_server *s, struct shm_listener *l, struct ipc_conn *c,
		       struct ipc_error *e, struct ipc_error *accept_err)
{
	/* io_accept() takes the listening socket from a server: ours is
	 * l->sock, behind the epoll set in s->fd. */
	struct ipc_server listening = *s;
	listening.fd = l->sock;
	for (int i = 0; i < SHM_ACCEPT_BURST && l->npend < SHM_PENDING_MAX; i++) {
		int fd = io_accept(&listening, NULL, NULL, accept_err);
		if (fd == IPC_WOULD_BLOCK)
			return IPC_WOULD_BLOCK;
		if (fd < 0) {
			*e = *accept_err;
			return -1;
		}
		ipc_step(s->ctx, SHM_NAME, 3, "accept", "fd %d -> fd %d: a client's rendezvous",
			 l->sock, fd);
		if (watch(s->fd, fd, fd) < 0) {
			ipc_fail(e, IPC_SYSTEM, errno, "epoll_ctl (shm rendezvous)");
			close(fd);
			return -1;
		}
		l->pend[l->npend++] = (struct shm_pending){ fd, io_now_ms() + HANDOVER_MS };
		if (l->npend == SHM_PENDING_MAX)
			listener_watch(s, l);
		int r = pending_try(s, l, l->npend - 1, c, e);
		if (r != IPC_WOULD_BLOCK)
			return r;
	}
	return IPC_WOULD_BLOCK;
}

/* Step 4 - the hand-over of pending connection i, if it came.  0: c is the
 * client; IPC_WOULD_BLOCK: not yet; -1: refused and closed. */
static int pending_try(struct ipc_server *s, struct shm_listener *l, int i, struct ipc_conn *c,
		       struct ipc_error *e)
{
	struct shm_conn *m = shm_conn_new();
	if (!m)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "shm client state");
	m->sock = l->pend[i].fd;
	int r = shm_handover_receive(s->ctx, m, e);
	if (r == IPC_WOULD_BLOCK) {
		m->sock = -1;
		shm_conn_free(m);
		return IPC_WOULD_BLOCK;
	}
	pending_drop(s, l, i, true); /* m owns the socket now */
	if (r < 0) {
		shm_conn_free(m);
		return -1;
	}
	ipc_conn_init(c, s->t, s->ctx);
	set_fds(c, m);
	struct ucred cred;
	socklen_t clen = sizeof cred;
	if (getsockopt(m->sock, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0)
		snprintf(c->peer_text, sizeof c->peer_text, "shm client pid %ld", (long)cred.pid);
	else
		snprintf(c->peer_text, sizeof c->peer_text, "shm client fd %d", m->sock);
	ipc_step(s->ctx, SHM_NAME, IPC_NO_STEP, "ready", "%s: rfd %d (socket), wfd %d (room doorbell)",
		 c->peer_text, c->rfd, c->wfd);
	return 0;
}

static int shm_accept(struct ipc_server *s, struct ipc_conn *c, struct ipc_error *e)
{
	struct shm_listener *l = s->priv;
	struct epoll_event ev[SHM_PENDING_MAX + 2];
	struct ipc_error accept_err = { 0 };
	int r = IPC_WOULD_BLOCK;

	/* The hand-overs that came since we looked, then new connections. */
	int n = epoll_wait(s->fd, ev, SHM_PENDING_MAX + 2, 0);
	for (int k = 0; k < n && r == IPC_WOULD_BLOCK; k++)
		for (int i = 0; i < l->npend; i++)
			if (l->pend[i].fd == ev[k].data.fd) {
				r = pending_try(s, l, i, c, e);
				break;
			}
	if (r == IPC_WOULD_BLOCK)
		r = accept_some(s, l, c, e, &accept_err);
	/* Silent past their deadline (looked at once more: an iterative
	 * server may have been busy with another client until now). */
	long long now = io_now_ms();
	int expired = 0;
	while (r == IPC_WOULD_BLOCK && l->npend > 0 && l->pend[0].deadline <= now) {
		r = pending_try(s, l, 0, c, e);
		if (r == IPC_WOULD_BLOCK) {
			ipc_step(s->ctx, SHM_NAME, IPC_NO_STEP, "close", "fd %d: no hand-over within "
				 "%d ms", l->pend[0].fd, HANDOVER_MS);
			pending_drop(s, l, 0, false);
			expired++;
		}
	}
	pending_rearm(l);
	if (r == IPC_WOULD_BLOCK && expired)
		return ipc_fail(e, IPC_PROTOCOL, 0, "%d shm client%s sent no memory within %d ms: "
				"closed", expired, expired > 1 ? "s" : "", HANDOVER_MS);
	return r;
}

/* Step 5 (read) and Step 6 (write) copy through the ring: shm_ring.c,
 * the transport's recv() and send(), with shm_wait.c when a side waits.
 * The client's side (connect, hand-over): shm_handover.c. */

/* ---- the end ---------------------------------------------------------- */

/* Step 7 - say "no more" in the ring (the peer reads its end of stream
 * after the last byte), wake the peer whichever way it sleeps, let go. */
static void shm_close(struct ipc_conn *c)
{
	struct shm_conn *m = c->priv;

	if (m) {
		/* Closing the socket wakes a peer asleep on it; closing our
		 * end of its room bell, one asleep on that. */
		shm_ring_flush(m); /* the small reads' tail, not yet stored */
		atomic_store_explicit(&m->out->closed, 1, memory_order_release);
		shm_conn_free(m);
		c->priv = NULL;
	}
	if (c->rfd >= 0)
		ipc_step(c->ctx, SHM_NAME, 7, "close", "fd %d and the ring unmapped", c->rfd);
	c->rfd = c->wfd = -1;
}

/* Step 8 - close the rendezvous socket; Step 9 - remove its path.
 * (Step 10, exit, is the server's caller's: src/commands.c.) */
static void shm_shutdown(struct ipc_server *s, bool remove)
{
	struct shm_listener *l = s->priv;

	if (l) {
		while (l->npend > 0)
			pending_drop(s, l, 0, false);
		if (l->sock >= 0)
			ipc_step(s->ctx, SHM_NAME, 8, "close", "fd %d", l->sock);
		close_fd(&l->sock);
		close_fd(&l->timer);
		free(l);
		s->priv = NULL;
	}
	close_fd(&s->fd);
	unixpath_release(s, remove, 9); /* the path, if still ours, and its lock */
}

const struct ipc_transport shm_transport = {
	.name = SHM_NAME,
	.summary = "shared memory: a pair of rings per client (memfd handed over a Unix socket), "
		   "doorbells or --wait spin",
	.kind = IPC_STREAM,
	.servable = true,
	.max_message = 0,
	.addressing = IPC_ADDR_PATH,
	.fds_per_conn = 3, /* the socket, two room doorbells */
	.opaque_fds = true,
	.can_spin = true,
	.inplace = &shm_inplace, /* reserve/commit, peek/release: shm_ring.c */
	.wait_tally = shm_wait_tally, /* how the reads' waits ended: shm_wait.c */
	.default_address = shm_default_address,
	.listen = shm_listen,
	.accept = shm_accept,
	.connect = shm_connect,
	.recv = shm_ring_recv,
	.send = shm_ring_send,
	.close = shm_close,
	.shutdown = shm_shutdown,
	IPC_STEPS(shm_steps),
};
