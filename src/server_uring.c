/*
 * server_uring.c - see server_uring.h.
 *
 * The life of the server, in the order of the calls:
 *
 *   1. io_uring_queue_init_params  one ring (SQPOLL: plus a kernel thread
 *                                  that polls its submission queue)
 *   2. io_uring_register_buf_ring  URING_BUFS buffers of URING_BUF_SIZE the
 *                                  kernel picks from for every receive
 *   3. multishot accept            on the listener: one request, a
 *                                  completion per client
 *   4. poll on the stop descriptor
 *   5. loop: io_uring_submit_and_wait_timeout (every request queued since
 *      the last turn goes in, and we sleep until a completion or the first
 *      idle deadline), then every completion waiting, in one batch:
 *        accept -> a client: multishot receive armed on it
 *        recv   -> bytes in a provided buffer: fed to its greet_session,
 *                  the buffer given back at once; replies queued
 *        send   -> reply bytes taken: the next send, or more input
 *   6. at the end: every client closed, the ring torn down.
 *
 * Memory per client is bounded as in server_mux.c: its line buffer, and a
 * queue of replies.  When the queue cannot take one more reply, the client
 * is not read any more: its multishot receive is cancelled, and what the
 * kernel had already delivered waits in `stash` (at most what the socket
 * buffers held: the kernel receives only bytes the peer could send).  The
 * receive is armed again once the replies are taken.
 *
 * A request in the kernel points at its client: a client is freed only
 * when none is left (`inflight`), after cancelling them.
 */
#include "server_uring.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <liburing.h>

#include "clients.h"
#include "io.h"
#include "lograte.h"
#include "protocol.h"
#include "replies.h"

#define URING_ENTRIES 1024          /* submission queue; completions: twice that */
#define URING_BUF_SIZE 4096         /* one provided buffer: as much as a line buffer */
#define URING_BUFS 512              /* a power of two: 2 MiB shared by every client */
#define URING_BGID 1                /* our buffer group */
#define URING_STASH_MAX (8 << 20)   /* more than any socket buffer: a client past it is broken */
#define URING_PAUSE_MS 100          /* accept rest after running out of descriptors */
#define URING_CQE_BATCH 256
#define URING_SQPOLL_IDLE_MS 50     /* the polling thread sleeps after this long without work */

struct userver;

struct uclient {
	struct userver *u;
	struct ipc_conn conn;
	struct greet_session in;
	struct reply_queue out;     /* replies waiting for the socket */
	size_t sending;             /* of which the kernel is sending this many (0: none) */
	char *stash;                /* bytes received that the session had no room for */
	size_t stash_len, stash_cap;
	bool recv_armed;            /* a multishot receive is in the kernel */
	bool recv_cancelled;        /* ... and we asked for it to end */
	bool eof;                   /* the client sent all it will send */
	bool closing;               /* closed: freed when nothing is in flight */
	int inflight;               /* requests in the kernel that point at us */
	struct client_link link;    /* in u->clients, by idle deadline, until closed */
};

struct userver {
	struct ipc_server *s;
	const struct serve_opts *o;
	struct io_uring ring;
	struct io_uring_buf_ring *br;
	size_t br_bytes;
	char *bufs;
	struct client_list clients; /* earliest idle deadline first */
	int max_clients;
	bool accept_armed;
	long long accept_resume;    /* > 0: accepting paused until then */
	bool starved;
	bool stopping;
	struct lograte log;
};

static void say(struct userver *u, const char *what, const char *detail)
{
	lograte_say(&u->log, what, detail);
}

static uint64_t tag(const void *p, enum uring_op op)
{
	return (uint64_t)(uintptr_t)p | (uint64_t)op;
}

/* A submission queue entry.  The queue is full only when a batch queued
 * more than URING_ENTRIES requests: hand those to the kernel first. */
static struct io_uring_sqe *sqe_get(struct userver *u)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	while (!sqe) {
		int r = io_uring_submit(&u->ring);
		if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY)
			return NULL;
		sqe = io_uring_get_sqe(&u->ring);
	}
	return sqe;
}

/* The client made progress we saw: a request, or reply bytes taken. */
static void touch(struct uclient *c)
{
	clients_touch(&c->u->clients, &c->link, io_now_ms());
}

/* ---- requests to the kernel --------------------------------------------- */

static int arm_accept(struct userver *u)
{
	struct io_uring_sqe *sqe = sqe_get(u);
	if (!sqe)
		return -1;
	/* Step 3: one request, a completion per client.  Accepted sockets
	 * stay blocking: the ring waits for them, we never do. */
	io_uring_prep_multishot_accept(sqe, u->s->fd, NULL, NULL, SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, tag(u, URING_OP_ACCEPT));
	u->accept_armed = true;
	return 0;
}

static int arm_recv(struct uclient *c)
{
	struct io_uring_sqe *sqe = sqe_get(c->u);
	if (!sqe)
		return -1;
	/* A completion whenever bytes come, in a buffer of group URING_BGID. */
	io_uring_prep_recv_multishot(sqe, c->conn.rfd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = URING_BGID;
	io_uring_sqe_set_data64(sqe, tag(c, URING_OP_RECV));
	c->recv_armed = true;
	c->recv_cancelled = false;
	c->inflight++;
	return 0;
}

static void cancel(struct userver *u, const void *who, enum uring_op op)
{
	struct io_uring_sqe *sqe = sqe_get(u);
	if (!sqe)
		return;
	io_uring_prep_cancel64(sqe, tag(who, op), 0);
	io_uring_sqe_set_data64(sqe, tag(NULL, URING_OP_CANCEL));
}

/* Give a provided buffer back to the kernel. */
static void buffer_return(struct userver *u, unsigned bid)
{
	io_uring_buf_ring_add(u->br, u->bufs + (size_t)bid * URING_BUF_SIZE, URING_BUF_SIZE,
			      (unsigned short)bid, io_uring_buf_ring_mask(URING_BUFS), 0);
	io_uring_buf_ring_advance(u->br, 1);
}

/* ---- one client ----------------------------------------------------------- */

static void client_free(struct uclient *c)
{
	c->conn.t->close(&c->conn);
	free(c->stash);
	free(c);
}

static void client_close(struct uclient *c)
{
	struct userver *u = c->u;
	if (c->closing)
		return;
	c->closing = true;
	clients_remove(&u->clients, &c->link);
	if (c->recv_armed && !c->recv_cancelled)
		cancel(u, c, URING_OP_RECV);
	if (c->sending)
		cancel(u, c, URING_OP_SEND);
}

/* Free a closed client once the kernel holds no request of its. */
static void release(struct uclient *c)
{
	if (c->closing && c->inflight == 0)
		client_free(c);
}

/* Room for one more reply in the queue: then the session may take bytes. */
static bool wants_input(const struct uclient *c)
{
	return reply_queue_has_room(&c->out);
}

/* Queue the replies to every complete request, as many as fit.  The bytes
 * being sent must stay where the kernel reads them: pinned while a send is
 * in flight. */
static void answer(struct uclient *c)
{
	if (reply_queue_answer(&c->out, &c->in, c->sending > 0))
		touch(c);
}

/* Feed bytes to the session while replies fit; returns how many it took. */
static size_t feed(struct uclient *c, const char *p, size_t n)
{
	size_t taken = 0;
	while (taken < n && wants_input(c)) {
		size_t room;
		char *space = greet_session_space(&c->in, &room);
		size_t k = n - taken < room ? n - taken : room;
		memcpy(space, p + taken, k);
		greet_session_received(&c->in, k);
		taken += k;
		answer(c);
	}
	return taken;
}

/* Start a send of what waits, unless one is in the kernel already. */
static int start_send(struct uclient *c)
{
	answer(c);
	if (c->sending || reply_queue_waiting(&c->out) == 0)
		return 0;
	struct io_uring_sqe *sqe = sqe_get(c->u);
	if (!sqe)
		return -1;
	c->sending = reply_queue_waiting(&c->out);
	io_uring_prep_send(sqe, c->conn.wfd, c->out.buf + c->out.start, c->sending, MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, tag(c, URING_OP_SEND));
	c->inflight++;
	return 0;
}

/* After any progress: feed what waits in the stash, send, and read again
 * once everything received has been taken.  -1: the client goes. */
static int client_step(struct uclient *c)
{
	if (c->stash_len) {
		size_t k = feed(c, c->stash, c->stash_len);
		memmove(c->stash, c->stash + k, c->stash_len - k);
		c->stash_len -= k;
	}
	if (start_send(c) < 0)
		return -1;
	if (c->eof && c->stash_len == 0 && reply_queue_waiting(&c->out) == 0 && !c->sending)
		return -1; /* done: it said all it will, and took every reply */
	if (!c->eof && !c->recv_armed && c->stash_len == 0 && wants_input(c))
		return arm_recv(c);
	return 0;
}

/* Keep bytes the session cannot take yet, and stop reading the client. */
static int stash(struct uclient *c, const char *p, size_t n)
{
	if (c->stash_len + n > c->stash_cap) {
		size_t cap = c->stash_cap ? c->stash_cap : URING_BUF_SIZE;
		while (cap < c->stash_len + n)
			cap *= 2;
		if (cap > URING_STASH_MAX)
			return -1;
		char *bigger = realloc(c->stash, cap);
		if (!bigger)
			return -1;
		c->stash = bigger;
		c->stash_cap = cap;
	}
	memcpy(c->stash + c->stash_len, p, n);
	c->stash_len += n;
	if (c->recv_armed && !c->recv_cancelled) {
		cancel(c->u, c, URING_OP_RECV);
		c->recv_cancelled = true;
	}
	return 0;
}

static void on_recv(struct uclient *c, const struct io_uring_cqe *cqe)
{
	struct userver *u = c->u;
	int res = cqe->res;

	if (!(cqe->flags & IORING_CQE_F_MORE)) {
		c->recv_armed = false;
		c->inflight--;
	}
	if (cqe->flags & IORING_CQE_F_BUFFER) {
		unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
		if (res > 0 && !c->closing) {
			const char *p = u->bufs + (size_t)bid * URING_BUF_SIZE;
			size_t k = c->stash_len ? 0 : feed(c, p, (size_t)res);
			if (k < (size_t)res && stash(c, p + k, (size_t)res - k) < 0) {
				say(u, "client sent too much without reading its replies",
				    c->conn.peer_text);
				buffer_return(u, bid);
				client_close(c);
				goto done;
			}
		}
		buffer_return(u, bid);
	}
	if (c->closing)
		goto done;
	if (res == 0) {
		c->eof = true;
		if (greet_session_partial(&c->in))
			say(u, "client left in the middle of a request", c->conn.peer_text);
	} else if (res < 0 && res != -ECANCELED && res != -ENOBUFS) {
		/* ENOBUFS: every buffer was in use; the receive is armed
		 * again below, once this batch has given its buffers back. */
		char why[IPC_ERR_MAX];
		snprintf(why, sizeof why, "recv %s: %s", c->conn.peer_text, strerror(-res));
		say(u, "client lost", why);
		client_close(c);
		goto done;
	}
	if (client_step(c) < 0)
		client_close(c);
done:
	release(c);
}

static void on_send(struct uclient *c, int res)
{
	struct userver *u = c->u;

	c->inflight--;
	if (!c->closing) {
		if (res < 0) {
			char why[IPC_ERR_MAX];
			snprintf(why, sizeof why, "send %s: %s", c->conn.peer_text, strerror(-res));
			say(u, "reply not delivered", why);
			client_close(c);
		} else {
			/* A short send leaves the rest for the next one. */
			c->out.start += (size_t)res;
			c->sending = 0;
			if (res > 0)
				touch(c);
			if (client_step(c) < 0)
				client_close(c);
		}
	}
	release(c);
}

/* Turn a client away with one line, never waiting for it. */
static void turn_away(struct userver *u, int fd, const char *line)
{
	char sink[512];
	if (send(fd, line, strlen(line), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		say(u, "could not even tell a client to go away", strerror(errno));
	(void)recv(fd, sink, sizeof sink, MSG_DONTWAIT);
	close(fd);
}

static void on_accept(struct userver *u, const struct io_uring_cqe *cqe)
{
	if (!(cqe->flags & IORING_CQE_F_MORE))
		u->accept_armed = false;
	if (cqe->res < 0) {
		int err = -cqe->res;
		bool starving = err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
		char why[IPC_ERR_MAX];
		snprintf(why, sizeof why, "accept %s: %s", u->s->addr.text, strerror(err));
		if (err == ECANCELED || err == ECONNABORTED || err == EINTR)
			; /* ours, or a client that gave up while queued */
		else if (!starving)
			say(u, "accept failed; trying again shortly", why);
		else if (!u->starved)
			say(u, "out of descriptors or memory: new clients wait in the queue "
			    "until some leave", why);
		u->starved = u->starved || starving;
		/* Re-armed after a pause: at once would fail again at once. */
		if (!u->accept_armed)
			u->accept_resume = io_now_ms() + (starving ? URING_PAUSE_MS : 1);
		return;
	}
	int fd = cqe->res;
	ipc_step(u->s->ctx, u->s->t->name, IPC_NO_STEP, "accept (io_uring)", "fd %d -> fd %d",
		 u->s->fd, fd);
	if (u->starved) {
		say(u, "accepting clients again", NULL);
		u->starved = false;
	}
	if (u->clients.count >= u->max_clients) {
		char line[96];
		snprintf(line, sizeof line, "ERR server busy (%d clients), try again later\n",
			 u->clients.count);
		turn_away(u, fd, line);
		return;
	}
	struct uclient *c = calloc(1, sizeof *c);
	if (!c) {
		say(u, "out of memory for a client", u->s->addr.text);
		turn_away(u, fd, "ERR server out of memory, try again later\n");
		return;
	}
	c->u = u;
	ipc_conn_init(&c->conn, u->s->t, u->s->ctx);
	c->conn.rfd = c->conn.wfd = fd;
	snprintf(c->conn.peer_text, sizeof c->conn.peer_text, "%s client fd %d",
		 u->s->t->name, fd);
	greet_session_init(&c->in);
	clients_add(&u->clients, &c->link, c, io_now_ms());
	if (arm_recv(c) < 0) {
		say(u, "client refused: no room in the submission queue", c->conn.peer_text);
		client_close(c);
		release(c);
	}
}

/* ---- setting up, the loop, tearing down -------------------------------- */

int serve_uring_check(const struct ipc_transport *t, struct ipc_error *e)
{
	/* The ring accepts and receives on sockets: a transport whose
	 * connections are one socket each, moved by plain recv/send. */
	if (t->kind == IPC_STREAM && t->servable && !t->opaque_fds &&
	    (t->addressing == IPC_ADDR_PORT || strcmp(t->name, "unix_stream") == 0))
		return 0;
	ipc_fail(e, IPC_USAGE, 0, "%s servers have no --mode uring: the ring's accept and "
		 "receive work on listening and connected sockets, and %s %s", t->name, t->name,
		 t->kind == IPC_DATAGRAM ? "has no connections to accept"
		 : !t->servable ? "has exactly one client, the forked child"
		 : "connections are not one socket each");
	return ipc_hint(e, "use unix_stream or tcp, or --mode epoll");
}

static int ring_init(struct io_uring *ring, bool sqpoll, struct ipc_error *e)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 2 * URING_ENTRIES;
	if (sqpoll) {
		p.flags |= IORING_SETUP_SQPOLL;
		p.sq_thread_idle = URING_SQPOLL_IDLE_MS;
	}
	int r = io_uring_queue_init_params(URING_ENTRIES, ring, &p);
	if (r == 0)
		return 0;
	ipc_fail(e, IPC_SYSTEM, -r, "io_uring_setup (%u entries%s)", URING_ENTRIES,
		 sqpoll ? ", SQPOLL" : "");
	if (r == -ENOSYS || r == -EPERM || r == -EACCES)
		return ipc_hint(e, "this kernel or sandbox refuses io_uring (see the sysctl "
				"kernel.io_uring_disabled, or a seccomp filter): use --mode epoll, "
				"or allow io_uring");
	if (r == -ENOMEM)
		return ipc_hint(e, "the ring's memory is locked memory: raise ulimit -l");
	return ipc_hint(e, "use --mode epoll");
}

int serve_uring_probe(bool sqpoll, struct ipc_error *e)
{
	struct io_uring ring;
	if (ring_init(&ring, sqpoll, e) < 0)
		return -1;
	struct io_uring_probe *probe = io_uring_get_probe_ring(&ring);
	int rc = 0;
	if (!probe || !io_uring_opcode_supported(probe, IORING_OP_ACCEPT) ||
	    !io_uring_opcode_supported(probe, IORING_OP_RECV) ||
	    !io_uring_opcode_supported(probe, IORING_OP_SEND)) {
		ipc_fail(e, IPC_SYSTEM, 0, "io_uring: this kernel lacks accept, recv or send");
		rc = ipc_hint(e, "use --mode epoll");
	}
	if (probe)
		io_uring_free_probe(probe);
	io_uring_queue_exit(&ring);
	return rc;
}

static int buffers_init(struct userver *u, struct ipc_error *e)
{
	/* Step 2: the buffer ring lives in our memory, page-aligned, and the
	 * kernel takes a buffer from it for each receive. */
	u->br_bytes = URING_BUFS * sizeof(struct io_uring_buf);
	void *br = mmap(NULL, u->br_bytes, PROT_READ | PROT_WRITE,
			MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	if (br == MAP_FAILED)
		return ipc_fail(e, IPC_SYSTEM, errno, "mmap the io_uring buffer ring");
	u->br = br;
	/* calloc: memory the kernel fills is defined for valgrind too */
	u->bufs = calloc(URING_BUFS, URING_BUF_SIZE);
	if (!u->bufs)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "%d receive buffers", URING_BUFS);
	struct io_uring_buf_reg reg = {
		.ring_addr = (unsigned long)(uintptr_t)br,
		.ring_entries = URING_BUFS,
		.bgid = URING_BGID,
	};
	int r = io_uring_register_buf_ring(&u->ring, &reg, 0);
	if (r < 0) {
		ipc_fail(e, IPC_SYSTEM, -r, "io_uring_register_buf_ring");
		return ipc_hint(e, "provided buffer rings need Linux 5.19 or later: "
				"use --mode epoll");
	}
	io_uring_buf_ring_init(u->br);
	for (unsigned i = 0; i < URING_BUFS; i++)
		io_uring_buf_ring_add(u->br, u->bufs + (size_t)i * URING_BUF_SIZE, URING_BUF_SIZE,
				      (unsigned short)i, io_uring_buf_ring_mask(URING_BUFS), (int)i);
	io_uring_buf_ring_advance(u->br, URING_BUFS);
	return 0;
}

static void handle(struct userver *u, const struct io_uring_cqe *cqe)
{
	uint64_t data = io_uring_cqe_get_data64(cqe);
	void *who = (void *)(uintptr_t)(data & ~(uint64_t)URING_OP_MASK);

	switch ((enum uring_op)(data & URING_OP_MASK)) {
	case URING_OP_ACCEPT:
		on_accept(u, cqe);
		break;
	case URING_OP_RECV:
		on_recv(who, cqe);
		break;
	case URING_OP_SEND:
		on_send(who, cqe->res);
		break;
	case URING_OP_STOP:
		u->stopping = true;
		break;
	case URING_OP_CANCEL:
		break;
	}
}

static int run(struct userver *u, struct ipc_error *e)
{
	struct io_uring_cqe *cqes[URING_CQE_BATCH];

	while (!u->stopping) {
		long long now = io_now_ms();
		int wait = clients_wait_ms(&u->clients, now, u->accept_resume,
					   lograte_due_ms(&u->log, now));
		struct __kernel_timespec ts = { .tv_sec = wait / 1000,
						.tv_nsec = (long long)(wait % 1000) * 1000000 };
		/* Step 5: submit all that this turn queued, and sleep until a
		 * completion comes or the first deadline passes. */
		ipc_step(u->s->ctx, u->s->t->name, IPC_NO_STEP, "io_uring_enter",
			 "submit %u requests, wait for a completion", io_uring_sq_ready(&u->ring));
		struct io_uring_cqe *first;
		int r = io_uring_submit_and_wait_timeout(&u->ring, &first, 1,
							 wait < 0 ? NULL : &ts, NULL);
		if (r < 0 && r != -ETIME && r != -EINTR && r != -EAGAIN && r != -EBUSY)
			return ipc_fail(e, IPC_SYSTEM, -r, "io_uring_enter %s", u->s->addr.text);
		/* Every completion waiting, in one batch. */
		unsigned n;
		while ((n = io_uring_peek_batch_cqe(&u->ring, cqes, URING_CQE_BATCH)) > 0) {
			for (unsigned i = 0; i < n; i++)
				handle(u, cqes[i]);
			io_uring_cq_advance(&u->ring, n);
			if (n < URING_CQE_BATCH)
				break;
		}
		now = io_now_ms();
		lograte_flush(&u->log, now);
		struct uclient *idle;
		while ((idle = clients_expired(&u->clients, now))) {
			if (clients_spare_slow(&u->clients, &idle->link,
					       reply_queue_waiting(&idle->out) > 0,
					       clients_kernel_backlog(idle->conn.wfd), now))
				continue; /* a new deadline, at the tail */
			say(u, "closing idle client", idle->conn.peer_text);
			client_close(idle);
			release(idle);
		}
		if (!u->accept_armed && u->accept_resume > 0 && now >= u->accept_resume) {
			u->accept_resume = 0;
			if (arm_accept(u) < 0)
				return ipc_fail(e, IPC_SYSTEM, 0, "io_uring: submission queue full");
		}
	}
	return 0;
}

/* Descriptors in flight are the ring's business: wait for every request
 * that points at a client to finish before freeing it. */
static void drain(struct userver *u)
{
	struct uclient *c;
	while ((c = clients_first(&u->clients))) {
		client_close(c);
		release(c);
	}
	if (u->accept_armed)
		cancel(u, u, URING_OP_ACCEPT);
	for (int turns = 0; turns < 100; turns++) {
		struct io_uring_cqe *cqes[URING_CQE_BATCH];
		struct __kernel_timespec ts = { .tv_nsec = 10 * 1000000 };
		struct io_uring_cqe *first;
		io_uring_submit_and_wait_timeout(&u->ring, &first, 1, &ts, NULL);
		unsigned n = io_uring_peek_batch_cqe(&u->ring, cqes, URING_CQE_BATCH);
		for (unsigned i = 0; i < n; i++)
			handle(u, cqes[i]);
		io_uring_cq_advance(&u->ring, n);
		if (n == 0 && !io_uring_sq_ready(&u->ring))
			break;
	}
}

int serve_uring(struct ipc_server *s, const struct serve_opts *o, struct ipc_error *e)
{
	struct userver *u = calloc(1, sizeof *u);
	bool sqpoll = o->mode == SERVE_URING_SQPOLL;
	int rc = -1;

	if (!u)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "io_uring server state");
	if (serve_uring_check(s->t, e) < 0)
		goto out_free;
	u->s = s;
	u->o = o;
	u->max_clients = o->max_clients > 0 ? o->max_clients : SERVE_MAX_CLIENTS;
	clients_init(&u->clients, o->idle_timeout_ms);
	char prefix[64];
	snprintf(prefix, sizeof prefix, "ipclab serve %s --mode %s", s->t->name,
		 serve_mode_name(o->mode));
	lograte_init(&u->log, o->log, prefix);
	/* The ring waits for the listener; accept itself must not fail with
	 * EAGAIN instead of waiting. */
	if (io_set_nonblocking(s->fd, false) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "fcntl %s", s->addr.text);
		goto out_free;
	}
	/* Step 1: the ring. */
	if (ring_init(&u->ring, sqpoll, e) < 0)
		goto out_free;
	ipc_step(s->ctx, s->t->name, IPC_NO_STEP, "io_uring_setup", "%u entries%s", URING_ENTRIES,
		 sqpoll ? ", SQPOLL" : "");
	if (buffers_init(u, e) < 0)
		goto out_ring;
	if (arm_accept(u) < 0) {
		ipc_fail(e, IPC_SYSTEM, 0, "io_uring: no submission queue entry");
		goto out_ring;
	}
	/* Step 4: the stop descriptor, polled by the ring like the rest. */
	if (o->stop_fd >= 0) {
		struct io_uring_sqe *sqe = sqe_get(u);
		if (!sqe) {
			ipc_fail(e, IPC_SYSTEM, 0, "io_uring: no submission queue entry");
			goto out_ring;
		}
		io_uring_prep_poll_add(sqe, o->stop_fd, POLLIN);
		io_uring_sqe_set_data64(sqe, tag(NULL, URING_OP_STOP));
	}
	rc = run(u, e);
	drain(u);
	lograte_flush(&u->log, -1);
out_ring:
	io_uring_queue_exit(&u->ring);
	if (u->br)
		munmap(u->br, u->br_bytes);
	free(u->bufs);
	io_set_nonblocking(s->fd, true);
out_free:
	free(u);
	return rc;
}
