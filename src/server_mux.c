/*
 * server_mux.c - one process serves every client at once, over evloop.
 *
 * The iterative server blocks on one client at a time.  This one never
 * blocks: every descriptor is non-blocking, the event loop says which are
 * ready, and each client's progress lives in its own struct mux_client:
 *
 *   in   greet_session: the bytes of an unfinished request (GREET_INBUF at
 *        most; an over-long line gets one ERR and is dropped as it comes)
 *   out  replies not yet taken by the socket, in request order.  When it
 *        cannot hold one more reply, the client is not read any more until
 *        it takes its replies: that and `in` bound its memory, whatever it
 *        sends.  Only while replies wait is the client watched for EV_WRITE.
 *
 * Timers: every client has a deadline, pushed back whenever it completes a
 * request or takes reply bytes, kept in order by src/clients.c: the loop
 * only ever looks at the earliest.
 *
 * Out of descriptors (EMFILE/ENFILE on accept): the waiting client stays in
 * the kernel's queue, and the listener would be ready again at once, so the
 * loop would spin.  We stop watching the listener for MUX_PAUSE_MS instead
 * and try again then: at most ten tries a second, and the queued clients are
 * served as soon as others leave.  (The other classic answer, a spare
 * descriptor closed to accept-and-close the client, turns clients away and
 * needs two spares for a FIFO client; waiting is kinder and works for all.)
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "clients.h"
#include "evloop.h"
#include "io.h"
#include "lograte.h"
#include "protocol.h"
#include "replies.h"
#include "server.h"

#define MUX_ACCEPT_BURST 256  /* accepts per wake-up: the clients we have come first */
#define MUX_PAUSE_MS 100      /* listener rest after running out of descriptors */

struct mux;

struct mux_client {
	struct mux *m;
	struct ipc_conn conn;
	struct greet_session in;
	struct reply_queue out;     /* replies waiting for the socket */
	bool eof;                   /* the client sent all it will send */
	struct client_link link;    /* in m->clients, by idle deadline */
};

struct mux {
	struct ipc_server *s;
	const struct serve_opts *o;
	struct evloop *loop;
	enum ev_backend backend;
	struct client_list clients; /* earliest idle deadline first */
	int max_clients;
	long long listen_resume;  /* > 0: listener paused until this time */
	bool starved;             /* out of descriptors since the last accept */
	bool stopping;
	struct lograte log;       /* one line per kind of event and second at most */
};

static void say(struct mux *m, const char *what, const char *detail)
{
	lograte_say(&m->log, what, detail);
}

/* The client made progress we saw: a request, or reply bytes taken. */
static void touch(struct mux_client *c)
{
	clients_touch(&c->m->clients, &c->link, io_now_ms());
}

/* ---- one client ------------------------------------------------------- */

static void on_client(struct evloop *l, int fd, int events, void *arg);

static void client_close(struct mux_client *c)
{
	struct mux *m = c->m;

	evloop_unwatch(m->loop, c->conn.rfd);
	evloop_unwatch(m->loop, c->conn.wfd);
	c->conn.t->close(&c->conn);
	clients_remove(&m->clients, &c->link);
	free(c);
}

/* Turn a client away with one line, without ever waiting for it: one
 * non-blocking send, and whatever it sent already is read first, so that
 * closing does not reset a TCP connection before the line is read. */
static void turn_away(struct mux *m, struct ipc_conn *c, const char *line)
{
	struct ipc_error e;
	char sink[512];

	if (c->t->send(c, line, strlen(line), &e) < 0)
		say(m, "could not even tell a client to go away", c->peer_text);
	(void)c->t->recv(c, sink, sizeof sink, &e);
	c->t->close(c);
}

/* Queue the replies to every complete request, as many as fit. */
static void answer(struct mux_client *c)
{
	if (reply_queue_answer(&c->out, &c->in, false))
		touch(c);
}

/* Answer, and hand the replies to the socket until it is full or nothing is
 * left.  Afterwards either the queue cannot take one more reply, or no
 * complete request waits in c->in.  -1: the client is gone. */
static int pump(struct mux_client *c)
{
	struct ipc_error e;

	answer(c);
	while (c->out.start < c->out.end) {
		ssize_t w = c->conn.t->send(&c->conn, c->out.buf + c->out.start,
					    reply_queue_waiting(&c->out), &e);
		if (w == IPC_WOULD_BLOCK)
			break;
		if (w < 0) {
			say(c->m, "reply not delivered", e.msg);
			return -1;
		}
		c->out.start += (size_t)w;
		touch(c);
		bool socket_full = c->out.start < c->out.end; /* a short write */
		answer(c); /* room again: more replies, if requests wait */
		if (socket_full)
			break;
	}
	return 0;
}

/* Read only while one more reply would fit (then `in` holds no complete
 * request: pump() answered them all, so it has room); write only while
 * replies wait. */
static bool wants_read(const struct mux_client *c)
{
	return !c->eof && reply_queue_has_room(&c->out);
}

static int client_interest(struct mux_client *c)
{
	struct mux *m = c->m;
	struct ipc_conn *k = &c->conn;
	bool want_write = reply_queue_waiting(&c->out) > 0;
	bool want_read = wants_read(c);
	struct ipc_error e;

	if (k->rfd == k->wfd)
		return evloop_watch(m->loop, k->rfd, (want_read ? EV_READ : 0) |
				    (want_write ? EV_WRITE : 0), on_client, c, &e);
	/* A FIFO pair: requests and replies on two descriptors. */
	if (evloop_watch(m->loop, k->rfd, want_read ? EV_READ : 0, on_client, c, &e) < 0)
		return -1;
	if (!want_write) {
		evloop_unwatch(m->loop, k->wfd);
		return 0;
	}
	return evloop_watch(m->loop, k->wfd, EV_WRITE, on_client, c, &e);
}

/* One read (not "until it would block": one busy client must not keep the
 * others waiting), then the replies.  -1: the client is gone. */
static int client_read(struct mux_client *c)
{
	struct ipc_error e;
	size_t room;
	char *space = greet_session_space(&c->in, &room);
	ssize_t n = c->conn.t->recv(&c->conn, space, room, &e);

	if (n == 0) {
		c->eof = true;
		if (greet_session_partial(&c->in))
			say(c->m, "client left in the middle of a request", c->conn.peer_text);
	} else if (n > 0) {
		greet_session_received(&c->in, (size_t)n);
	} else if (n != IPC_WOULD_BLOCK) {
		say(c->m, "client lost", e.msg);
		return -1;
	}
	return pump(c);
}

static void on_client(struct evloop *l, int fd, int events, void *arg)
{
	struct mux_client *c = arg;
	(void)l, (void)fd;

	if ((events & EV_WRITE) && pump(c) < 0)
		goto gone;
	if (events & EV_READ) {
		if (client_read(c) < 0)
			goto gone;
		/* A FIFO reports a hang-up only for writers that left while it
		 * was open: a client that wrote and closed before we opened its
		 * FIFO would never be seen to leave.  One more read tells. */
		if (c->conn.rfd != c->conn.wfd && wants_read(c) && client_read(c) < 0)
			goto gone;
	}
	/* Done: it said all it will, and took every reply. */
	if (c->eof && reply_queue_waiting(&c->out) == 0)
		goto gone;
	if (client_interest(c) == 0)
		return;
	say(c->m, "cannot watch a client any more", c->conn.peer_text);
gone:
	client_close(c);
}

static void client_add(struct mux *m, struct ipc_conn *conn)
{
	struct ipc_error e;
	struct mux_client *c = malloc(sizeof *c);

	if (!c) {
		say(m, "out of memory for a client", conn->peer_text);
		turn_away(m, conn, "ERR server out of memory, try again later\n");
		return;
	}
	c->m = m;
	c->conn = *conn;
	greet_session_init(&c->in);
	c->out.start = c->out.end = 0;
	c->eof = false;
	if (evloop_watch(m->loop, conn->rfd, EV_READ, on_client, c, &e) < 0) {
		/* select: a descriptor >= FD_SETSIZE.  This client goes; the
		 * others, and the next ones with lower numbers, are served. */
		say(m, "client refused", e.msg);
		free(c);
		turn_away(m, conn, "ERR server busy (no room to watch one more client), "
			  "try again later\n");
		return;
	}
	clients_add(&m->clients, &c->link, c, io_now_ms());
}

/* ---- the listener and the stop descriptor ------------------------------ */

static void on_listener(struct evloop *l, int fd, int events, void *arg);

/* accept() failed for want of descriptors or memory (or for a reason that
 * would fail again at once): rest the listener for MUX_PAUSE_MS rather than
 * being woken for the same waiting client over and over. */
static void pause_listener(struct mux *m, const struct ipc_error *why)
{
	struct ipc_error ignored;
	int err = why->sys_errno;
	bool starving = err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;

	if (!starving)
		say(m, "accept failed; trying again shortly", why->msg);
	else if (!m->starved) /* once, not ten times a second */
		say(m, "out of descriptors or memory: new clients wait in the queue "
		    "until some leave", why->msg);
	m->starved = m->starved || starving;
	evloop_watch(m->loop, m->s->fd, 0, on_listener, m, &ignored);
	m->listen_resume = io_now_ms() + MUX_PAUSE_MS;
}

static void on_listener(struct evloop *l, int fd, int events, void *arg)
{
	struct mux *m = arg;
	struct ipc_error e;
	(void)l, (void)fd, (void)events;

	for (int i = 0; i < MUX_ACCEPT_BURST; i++) {
		struct ipc_conn conn;
		ipc_conn_init(&conn, m->s->t, m->s->ctx);
		int r = m->s->t->accept(m->s, &conn, &e);
		if (r == IPC_WOULD_BLOCK)
			return;
		if (r < 0) {
			if (e.status == IPC_PROTOCOL) {
				/* That client's doing (a FIFO client that left, a
				 * garbled notice): the next one may be fine. */
				say(m, "client not accepted", e.msg);
				continue;
			}
			pause_listener(m, &e);
			return;
		}
		if (m->starved) {
			say(m, "accepting clients again", NULL);
			m->starved = false;
		}
		if (m->clients.count >= m->max_clients) {
			char line[96];
			snprintf(line, sizeof line,
				 "ERR server busy (%d clients), try again later\n", m->clients.count);
			turn_away(m, &conn, line);
			continue;
		}
		client_add(m, &conn);
	}
}

static void on_stop(struct evloop *l, int fd, int events, void *arg)
{
	struct mux *m = arg;
	(void)l, (void)fd, (void)events;
	m->stopping = true;
}

/* ---- the loop ---------------------------------------------------------- */

/* Descriptors this process may open: the most the loop will ever see. */
static int fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > INT_MAX)
		return INT_MAX;
	return (int)rl.rlim_cur;
}

static int run(struct mux *m, struct ipc_error *e)
{
	while (!m->stopping) {
		/* --trace: where the multiplexed server blocks, for every client at once */
		ipc_step(m->s->ctx, m->s->t->name, IPC_NO_STEP,
			 m->backend == EV_EPOLL ? "epoll_wait" : evloop_backend_name(m->backend),
			 "wait until a watched descriptor is ready");
		long long now = io_now_ms();
		int wait = clients_wait_ms(&m->clients, now, m->listen_resume,
					   lograte_due_ms(&m->log, now));
		if (evloop_run_once(m->loop, wait, e) < 0)
			return -1;
		now = io_now_ms();
		lograte_flush(&m->log, now);
		struct mux_client *c;
		while ((c = clients_expired(&m->clients, now))) {
			if (clients_spare_slow(&m->clients, &c->link, reply_queue_waiting(&c->out) > 0,
					       clients_kernel_backlog(c->conn.wfd), now))
				continue; /* a new deadline, at the tail */
			say(m, "closing idle client", c->conn.peer_text);
			client_close(c);
		}
		if (m->listen_resume > 0 && now >= m->listen_resume) {
			m->listen_resume = 0;
			if (evloop_watch(m->loop, m->s->fd, EV_READ, on_listener, m, e) < 0)
				return -1;
			/* Try at once: a client taken off the listener before the
			 * pause (a FIFO notice) makes it readable no more. */
			on_listener(m->loop, m->s->fd, EV_READ, m);
		}
	}
	return 0;
}

int serve_mux(struct ipc_server *s, const struct serve_opts *o, struct ipc_error *e)
{
	struct mux m = {
		.s = s,
		.o = o,
		.max_clients = o->max_clients > 0 ? o->max_clients : SERVE_MAX_CLIENTS,
	};
	enum ev_backend backend;

	/* serve() has checked that the transport can be multiplexed. */
	switch (o->mode) {
	case SERVE_SELECT: backend = EV_SELECT; break;
	case SERVE_POLL: backend = EV_POLL; break;
	case SERVE_EPOLL: backend = EV_EPOLL; break;
	default:
		return ipc_fail(e, IPC_USAGE, 0, "serve_mux: mode %d is not select, poll or epoll",
				(int)o->mode);
	}
	m.backend = backend;
	clients_init(&m.clients, o->idle_timeout_ms);
	char prefix[64];
	snprintf(prefix, sizeof prefix, "ipclab serve %s --mode %s", s->t->name,
		 evloop_backend_name(backend));
	lograte_init(&m.log, o->log, prefix);
	m.loop = evloop_new(backend, fd_limit(), e);
	if (!m.loop)
		return -1;
	int rc = evloop_watch(m.loop, s->fd, EV_READ, on_listener, &m, e);
	if (rc == 0 && o->stop_fd >= 0)
		rc = evloop_watch(m.loop, o->stop_fd, EV_READ, on_stop, &m, e);
	if (rc == 0)
		rc = run(&m, e);
	struct mux_client *c;
	while ((c = clients_first(&m.clients)))
		client_close(c);
	lograte_flush(&m.log, -1);
	evloop_free(m.loop);
	return rc;
}
