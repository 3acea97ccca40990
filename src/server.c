/* server.c - the iterative server, the lecture's: one client at a time
 * (see server.h).  serve() in serve.c picks it for --mode iterative. */
#include "server.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "io.h"
#include "lograte.h"
#include "protocol.h"

/* Every log line of the iterative server goes through a lograte: a client
 * that makes us log on purpose gets one line a second, not one per event. */
static void log_open(struct lograte *lr, const struct serve_opts *o, const struct ipc_server *s)
{
	char prefix[64];
	snprintf(prefix, sizeof prefix, "ipclab serve %s", s->t->name);
	lograte_init(lr, o->log, prefix);
}

static void say(struct lograte *lr, const char *what, const char *detail)
{
	lograte_say(lr, what, detail);
}

enum conn_end { CONN_DONE, CONN_STOP };

/* One stream client, from its first byte to its end of stream. */
static enum conn_end serve_stream_client(struct ipc_conn *c, const struct serve_opts *o,
					 struct lograte *lr)
{
	struct greet_session *sess = malloc(sizeof *sess);
	char out[8 * GREET_REPLY_MAX];
	struct ipc_error e;
	enum conn_end end = CONN_DONE;

	if (!sess) {
		say(lr, "out of memory for a client", c->peer_text);
		return CONN_DONE;
	}
	greet_session_init(sess);
	/* The idle timeout runs from the last completed request, not from the
	 * last byte: a client that trickles a byte a second and never ends a
	 * line must not hold the server (and every client behind it). */
	long long deadline = o->idle_timeout_ms < 0 ? -1 : io_now_ms() + o->idle_timeout_ms;
	/* Read once before the first poll(): a FIFO client that left before we
	 * accepted it reads as end of file, but poll() never reports a hang-up
	 * on a FIFO whose writer was gone before we opened it. */
	/* A transport that spins (shm --wait spin) waits inside recv(): it is
	 * tried before poll() after every read, not only the first time. */
	const bool spins = c->ctx->wait == IPC_WAIT_SPIN && c->t->can_spin;
	for (bool read_now = true;;) {
		int r = IO_READY;
		lograte_flush(lr, io_now_ms());
		if (!read_now) {
			long long left = deadline < 0 ? -1 : deadline - io_now_ms();
			if (deadline >= 0 && left <= 0)
				r = IO_TIMEOUT;
			else
				r = io_wait(c->rfd, POLLIN, o->stop_fd,
					    left > INT_MAX ? INT_MAX : (int)left);
		}
		read_now = false;
		if (r == IO_STOPPED) {
			end = CONN_STOP;
			break;
		}
		if (r == IO_TIMEOUT) {
			say(lr, "closing idle client", c->peer_text);
			break;
		}
		size_t room;
		char *space = greet_session_space(sess, &room);
		ssize_t n = c->t->recv(c, space, room, &e);
		if (n == IPC_WOULD_BLOCK)
			continue;
		if (n < 0) {
			say(lr, "client lost", e.msg);
			break;
		}
		if (n == 0) {
			if (greet_session_partial(sess))
				say(lr, "client left in the middle of a request", c->peer_text);
			break;
		}
		greet_session_received(sess, (size_t)n);
		read_now = spins;
		size_t len;
		while ((len = greet_session_answer(sess, out, sizeof out)) > 0) {
			if (deadline >= 0) /* a request completed: a new idle period */
				deadline = io_now_ms() + o->idle_timeout_ms;
			if (conn_send_all(c, out, len, o->stop_fd, o->idle_timeout_ms, &e) < 0) {
				say(lr, "reply not delivered", e.msg);
				goto done;
			}
		}
	}
done:
	free(sess);
	return end;
}

static int serve_streams(struct ipc_server *s, const struct serve_opts *o, struct ipc_error *e)
{
	struct lograte lr_, *lr = &lr_;
	int rc = 0;

	log_open(lr, o, s);
	for (;; lograte_flush(lr, io_now_ms())) {
		struct ipc_conn c;
		struct ipc_error ae;
		ipc_conn_init(&c, s->t, s->ctx);
		/* accept() first, poll() only when nobody waits: the pipe's
		 * first accept() closes the client's ends its child inherited,
		 * and until then its request pipe could never report EOF. */
		int r = s->t->accept(s, &c, &ae);
		if (r == IPC_WOULD_BLOCK) {
			r = io_wait(s->fd, POLLIN, o->stop_fd, lograte_due_ms(lr, io_now_ms()));
			if (r == IO_STOPPED)
				break;
			if (r < 0) {
				rc = ipc_fail(e, IPC_SYSTEM, errno, "poll %s", s->addr.text);
				break;
			}
			continue;
		}
		if (r < 0) {
			if (ae.status == IPC_DONE)
				break;
			say(lr, "accept failed", ae.msg);
			/* Out of descriptors: the pending client stays queued and
			 * poll() would wake us at once.  Pause instead of spinning. */
			if (ae.sys_errno == EMFILE || ae.sys_errno == ENFILE)
				if (io_wait(-1, 0, o->stop_fd, 100) == IO_STOPPED)
					break;
			continue;
		}
		enum conn_end end = serve_stream_client(&c, o, lr);
		s->t->close(&c);
		if (end == CONN_STOP)
			break;
	}
	lograte_flush(lr, -1);
	return rc;
}

/*
 * Datagram replies that would block.  A Unix datagram socket whose receive
 * queue is full (net.unix.max_dgram_qlen datagrams, 10 by default on Linux;
 * 512 in a netns) refuses more with EAGAIN: a client with many requests in
 * flight fills it as soon as it is slower than we are.  Dropping the reply
 * would break the transport's promise (Unix datagrams are reliable on
 * Linux), and waiting for that one client would stall all the others.  So a
 * reply that would block waits in a queue, and is sent again while the
 * other clients are served; replies to one client leave in the order of
 * its requests.  poll() cannot say when another socket's queue drains (only
 * a connected socket is told), so the queue is retried on a timer: after
 * 1 ms, doubling to 64 ms while no reply gets through.
 *
 * Only what can never be delivered is dropped, and counted in the log: a
 * reply to a client that is gone, or one that the client has not taken for
 * the idle timeout (it stopped reading, and has given up since).  A full
 * queue makes us stop reading requests until it drains: the requests then
 * wait in the kernel, and their senders block, as Unix datagrams do.
 */
#define DGRAM_QUEUE_MAX 512
#define DGRAM_RETRY_MIN_MS 1
#define DGRAM_RETRY_MAX_MS 64

struct dgram_reply {
	struct sockaddr_storage peer;
	socklen_t peer_len;
	long long since;                 /* when it was first refused */
	size_t len;
	char text[GREET_REPLY_MAX];
	char peer_text[IPC_ADDR_MAX];
};

struct dgram_queue {
	struct dgram_reply *q;           /* q[0 .. n), oldest first */
	size_t n;
	int retry_ms;                    /* wait before the next try */
	long long retry_at;              /* when that is (0: nothing queued) */
};

static bool same_peer(const struct dgram_reply *r, const struct ipc_conn *c)
{
	return r->peer_len == c->peer_len && memcmp(&r->peer, &c->peer, c->peer_len) == 0;
}

/* Send one reply now.  1 sent (or dropped for good, logged), 0 would block. */
static int send_reply(struct ipc_conn *c, const char *text, size_t len, struct lograte *lr)
{
	struct ipc_error e;
	ssize_t n = c->t->send(c, text, len, &e);

	if (n == IPC_WOULD_BLOCK)
		return 0;
	if (n < 0)
		say(lr, "reply not delivered", e.msg);
	return 1;
}

static void queue_add(struct dgram_queue *dq, const struct ipc_conn *c, const char *text,
		      size_t len)
{
	struct dgram_reply *r = &dq->q[dq->n++];
	memcpy(&r->peer, &c->peer, c->peer_len);
	r->peer_len = c->peer_len;
	r->since = io_now_ms();
	r->len = len;
	memcpy(r->text, text, len);
	snprintf(r->peer_text, sizeof r->peer_text, "%s", c->peer_text);
	if (dq->n == 1) {
		dq->retry_ms = DGRAM_RETRY_MIN_MS;
		dq->retry_at = r->since + dq->retry_ms;
	}
}

/* Try every queued reply once, oldest first; a client that refuses one
 * gets no later one in this pass (its replies keep their order). */
static void queue_retry(struct dgram_queue *dq, struct ipc_conn *c, long long expire_ms,
			struct lograte *lr)
{
	struct ipc_conn blocked[8];
	size_t nblocked = 0, kept = 0;
	bool progress = false;
	long long now = io_now_ms();

	for (size_t i = 0; i < dq->n; i++) {
		struct dgram_reply *r = &dq->q[i];
		bool skip = false;
		memcpy(&c->peer, &r->peer, r->peer_len);
		c->peer_len = r->peer_len;
		snprintf(c->peer_text, sizeof c->peer_text, "%s", r->peer_text);
		for (size_t b = 0; b < nblocked && !skip; b++)
			skip = same_peer(r, &blocked[b]);
		if (!skip && now - r->since >= expire_ms) {
			say(lr, "reply dropped: the client took no reply for the idle timeout",
			    r->peer_text);
			progress = true;
			continue;
		}
		if (skip || nblocked == sizeof blocked / sizeof blocked[0] ||
		    !send_reply(c, r->text, r->len, lr)) {
			if (!skip && nblocked < sizeof blocked / sizeof blocked[0])
				blocked[nblocked++] = *c;
			if (kept != i)
				dq->q[kept] = *r;
			kept++;
			continue;
		}
		progress = true;
	}
	dq->n = kept;
	if (progress)
		dq->retry_ms = DGRAM_RETRY_MIN_MS;
	else if (dq->retry_ms < DGRAM_RETRY_MAX_MS)
		dq->retry_ms *= 2;
	dq->retry_at = kept ? io_now_ms() + dq->retry_ms : 0;
}

/* Answer the request just received (c->peer is its sender): now, or after
 * the replies still queued for the same client. */
static void reply_or_queue(struct dgram_queue *dq, struct ipc_conn *c, const char *text,
			   size_t len, struct lograte *lr)
{
	for (size_t i = 0; i < dq->n; i++)
		if (same_peer(&dq->q[i], c)) {
			queue_add(dq, c, text, len);
			return;
		}
	if (!send_reply(c, text, len, lr))
		queue_add(dq, c, text, len);
}

static int serve_datagrams(struct ipc_server *s, const struct serve_opts *o, struct ipc_error *e)
{
	struct ipc_conn c;
	char in[GREET_DGRAM_MAX], out[GREET_REPLY_MAX];
	struct dgram_queue dq = { .q = malloc(DGRAM_QUEUE_MAX * sizeof *dq.q) };
	long long expire_ms = o->idle_timeout_ms >= 0 ? o->idle_timeout_ms : SERVE_IDLE_TIMEOUT_MS;
	struct lograte lr_, *lr = &lr_;
	int rc = 0;

	if (!dq.q)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "a queue of %d replies", DGRAM_QUEUE_MAX);
	log_open(lr, o, s);
	ipc_conn_init(&c, s->t, s->ctx);
	if (s->t->accept(s, &c, e) < 0) {
		free(dq.q);
		return -1;
	}
	for (;;) {
		long long now = io_now_ms();
		lograte_flush(lr, now);
		if (dq.n && now >= dq.retry_at)
			queue_retry(&dq, &c, expire_ms, lr);
		int wait = lograte_due_ms(lr, now);
		if (dq.n)
			wait = lograte_min_timeout(wait, dq.retry_at <= now ? 0 : (int)(dq.retry_at - now));
		/* A full queue: no more requests until it drains. */
		int r = dq.n < DGRAM_QUEUE_MAX ? io_wait(s->fd, POLLIN, o->stop_fd, wait)
					       : io_wait(-1, 0, o->stop_fd, wait);
		if (r == IO_STOPPED)
			break;
		if (r < 0) {
			rc = ipc_fail(e, IPC_SYSTEM, errno, "poll %s", s->addr.text);
			break;
		}
		if (r == IO_TIMEOUT || dq.n >= DGRAM_QUEUE_MAX)
			continue;
		struct ipc_error de;
		ssize_t n = s->t->recv(&c, in, sizeof in, &de);
		if (n == IPC_WOULD_BLOCK)
			continue;
		if (n < 0) {
			say(lr, "receive failed", de.msg);
			continue;
		}
		size_t got = (size_t)n < sizeof in ? (size_t)n : sizeof in;
		size_t len = greet_datagram(in, got, (size_t)n, out, sizeof out);
		reply_or_queue(&dq, &c, out, len, lr);
	}
	if (dq.n) {
		char count[32];
		snprintf(count, sizeof count, "%zu", dq.n);
		say(lr, "stopping with replies no client took", count);
	}
	lograte_flush(lr, -1);
	free(dq.q);
	s->t->close(&c);
	return rc;
}

int serve_iterative(struct ipc_server *s, const struct serve_opts *o, struct ipc_error *e)
{
	if (s->t->kind == IPC_DATAGRAM)
		return serve_datagrams(s, o, e);
	return serve_streams(s, o, e);
}
