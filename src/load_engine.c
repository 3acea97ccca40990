/*
 * load_engine.c - one process's share of the load: its connections on one
 * event loop (see load.h).
 *
 * Each connection is a small state machine.  Requests are not stored: the
 * i-th request of connection c is always "c<c>-r<i>\n", so a connection only
 * counts what it has sent and what was answered, keeps the send time of
 * each request in flight in a ring of `pipeline` slots, and holds the few
 * bytes a short write left over.  A reply must be exactly "Hello, " + the
 * name of the oldest request in flight + "\n"; anything else is counted as
 * wrong and the connection is dropped, since it can no longer be trusted.
 */
#include "load.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evloop.h"
#include "io.h"

#define LINE_MAX_BYTES 48 /* "c" + 20 digits + "-r" + 20 digits + "\n" */
#define REPLY_BUF 512     /* replies here are under 60 bytes; a longer line is wrong */
#define OUT_BUF 512       /* request bytes a short write left over, and new ones */
#define SCAN_MS 20        /* how often connections are checked for timeouts */

struct engine;

struct lconn {
	struct engine *g;
	struct ipc_conn c;
	unsigned long id;        /* connection number used in the names */
	unsigned long sent;      /* requests handed to send() */
	unsigned long answered;  /* correct replies received */
	bool open;
	int rd_events, wr_events; /* interest registered now (rfd, and wfd if apart) */
	long long *sent_ns;      /* send times of requests in flight, ring of pipeline */
	size_t out_off, out_len;
	size_t in_len;
	char out[OUT_BUF];
	char in[REPLY_BUF];
};

struct engine {
	const struct load_config *cfg;
	struct evloop *loop;
	struct lconn *conns;
	unsigned long count;
	unsigned long open;      /* connections still running */
	double *lat;
	struct load_tally *tally;
};

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Remember the first failure: its text is what the user needs to read. */
static void note_failure(struct load_tally *t, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void note_failure(struct load_tally *t, int status, const char *fmt, ...)
{
	if (t->first_status)
		return;
	t->first_status = status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->first_error, sizeof t->first_error, fmt, ap);
	va_end(ap);
}

static void conn_finish(struct engine *g, struct lconn *lc)
{
	if (!lc->open)
		return;
	if (g->loop) {
		evloop_unwatch(g->loop, lc->c.rfd);
		if (lc->c.wfd != lc->c.rfd)
			evloop_unwatch(g->loop, lc->c.wfd);
	}
	lc->c.t->close(&lc->c);
	lc->open = false;
	g->tally->unanswered += g->cfg->requests - lc->answered;
	g->open--;
	g->tally->end_ns = now_ns();
}

static void ev_handler_fn(struct evloop *l, int fd, int events, void *arg);

/* Register the interest this connection needs now: replies always, room
 * to write only while bytes wait.  Only changes reach the backend. */
static int conn_rewatch(struct engine *g, struct lconn *lc)
{
	struct ipc_error e;
	bool pending = lc->out_off < lc->out_len;
	int rd = EV_READ, wr = pending ? EV_WRITE : 0;
	int rc = 0;

	if (lc->c.rfd == lc->c.wfd) {
		rd |= wr;
		if (rd != lc->rd_events)
			rc = evloop_watch(g->loop, lc->c.rfd, rd, ev_handler_fn, lc, &e);
		lc->rd_events = rd;
	} else {
		if (rd != lc->rd_events)
			rc = evloop_watch(g->loop, lc->c.rfd, rd, ev_handler_fn, lc, &e);
		if (rc == 0 && wr != lc->wr_events)
			rc = evloop_watch(g->loop, lc->c.wfd, wr, ev_handler_fn, lc, &e);
		lc->rd_events = rd;
		lc->wr_events = wr;
	}
	if (rc < 0) {
		note_failure(g->tally, e.status ? e.status : IPC_SYSTEM, "%s", e.msg);
		g->tally->closed++;
		conn_finish(g, lc);
	}
	return rc;
}

/* Write what is pending, then new requests while the pipeline has room.
 * Returns -1 when the connection was dropped. */
static int conn_flush(struct engine *g, struct lconn *lc)
{
	const struct load_config *cfg = g->cfg;
	struct ipc_error e;

	for (;;) {
		if (lc->out_off == lc->out_len) {
			/* Nothing left over: format the next requests. */
			lc->out_off = lc->out_len = 0;
			while (lc->sent < cfg->requests && lc->sent - lc->answered < cfg->pipeline &&
			       lc->out_len + LINE_MAX_BYTES <= sizeof lc->out) {
				int n = snprintf(lc->out + lc->out_len, LINE_MAX_BYTES, "c%lu-r%lu\n",
						 lc->id, lc->sent);
				lc->out_len += (size_t)n;
				lc->sent_ns[lc->sent % cfg->pipeline] = now_ns();
				lc->sent++;
			}
			if (lc->out_len == 0)
				break;
		}
		ssize_t n = lc->c.t->send(&lc->c, lc->out + lc->out_off, lc->out_len - lc->out_off, &e);
		if (n == IPC_WOULD_BLOCK)
			break;
		if (n < 0) {
			/* A server that hung up may have said why first ("ERR
			 * server busy"): that line is what the user needs. */
			char said[128];
			struct ipc_error re;
			ssize_t k = lc->c.t->recv(&lc->c, said, sizeof said - 1, &re);
			if (k > 0) {
				said[k] = '\0';
				said[strcspn(said, "\n")] = '\0';
				note_failure(g->tally, IPC_PROTOCOL,
					     "connection %lu: the server said '%s' and hung up",
					     lc->id, said);
			} else {
				note_failure(g->tally, e.status ? e.status : IPC_SYSTEM,
					     "connection %lu: %s", lc->id, e.msg);
			}
			g->tally->closed++;
			conn_finish(g, lc);
			return -1;
		}
		lc->out_off += (size_t)n;
		if (lc->out_off < lc->out_len)
			break; /* short: the socket is full */
	}
	return conn_rewatch(g, lc);
}

static void conn_wrong(struct engine *g, struct lconn *lc, const char *line, size_t len,
		       const char *why)
{
	note_failure(g->tally, IPC_PROTOCOL, "connection %lu, request %lu (c%lu-r%lu): %s: got '%.*s'",
		     lc->id, lc->answered, lc->id, lc->answered, why,
		     (int)(len && line[len - 1] == '\n' ? len - 1 : len), line);
	g->tally->wrong++;
	conn_finish(g, lc);
}

/* Check every complete reply line against the oldest request in flight.
 * Returns -1 when the connection was dropped. */
static int conn_take_replies(struct engine *g, struct lconn *lc)
{
	const struct load_config *cfg = g->cfg;
	size_t start = 0;
	char *nl;

	while ((nl = memchr(lc->in + start, '\n', lc->in_len - start))) {
		const char *line = lc->in + start;
		size_t len = (size_t)(nl - line) + 1;
		char want[sizeof "Hello, " + LINE_MAX_BYTES];
		if (lc->answered == lc->sent) {
			conn_wrong(g, lc, line, len, "a reply to no request");
			return -1;
		}
		int wn = snprintf(want, sizeof want, "Hello, c%lu-r%lu\n", lc->id, lc->answered);
		if ((size_t)wn != len || memcmp(want, line, len) != 0) {
			conn_wrong(g, lc, line, len, "wrong reply");
			return -1;
		}
		long long sent = lc->sent_ns[lc->answered % cfg->pipeline];
		g->lat[g->tally->greetings++] = (double)(now_ns() - sent) / 1000.0;
		lc->answered++;
		start += len;
	}
	memmove(lc->in, lc->in + start, lc->in_len - start);
	lc->in_len -= start;
	if (lc->in_len == sizeof lc->in) {
		conn_wrong(g, lc, lc->in, 40, "reply line too long");
		return -1;
	}
	return 0;
}

static void conn_read(struct engine *g, struct lconn *lc)
{
	struct ipc_error e;
	ssize_t n = lc->c.t->recv(&lc->c, lc->in + lc->in_len, sizeof lc->in - lc->in_len, &e);

	if (n == IPC_WOULD_BLOCK)
		return;
	if (n <= 0) {
		if (n == 0)
			note_failure(g->tally, IPC_PROTOCOL,
				     "connection %lu: the server closed it after %lu of %lu replies",
				     lc->id, lc->answered, g->cfg->requests);
		else
			note_failure(g->tally, e.status ? e.status : IPC_SYSTEM,
				     "connection %lu after %lu replies: %s", lc->id, lc->answered,
				     e.msg);
		g->tally->closed++;
		conn_finish(g, lc);
		return;
	}
	lc->in_len += (size_t)n;
	if (conn_take_replies(g, lc) < 0)
		return;
	if (lc->answered == g->cfg->requests) {
		conn_finish(g, lc);
		return;
	}
	conn_flush(g, lc);
}

/* A hang-up or error shows as EV_READ: on the reply side the read reports
 * it, on a separate request side (FIFO) the write does. */
static void ev_handler_fn(struct evloop *l, int fd, int events, void *arg)
{
	struct lconn *lc = arg;
	struct engine *g = lc->g;
	(void)l;

	if (!lc->open)
		return; /* dropped earlier in this round */
	bool write_side = fd == lc->c.wfd && (fd != lc->c.rfd || (events & EV_WRITE));
	if (write_side && conn_flush(g, lc) < 0)
		return;
	if (fd == lc->c.rfd && (events & EV_READ))
		conn_read(g, lc);
}

/* Drop connections whose oldest request waited longer than the timeout. */
static void scan_timeouts(struct engine *g, long long now)
{
	const struct load_config *cfg = g->cfg;
	long long limit = (long long)cfg->timeout_ms * 1000000LL;

	for (unsigned long i = 0; i < g->count; i++) {
		struct lconn *lc = &g->conns[i];
		if (!lc->open || lc->answered == lc->sent)
			continue;
		if (now - lc->sent_ns[lc->answered % cfg->pipeline] <= limit)
			continue;
		note_failure(g->tally, IPC_TIMEOUT,
			     "connection %lu: no reply to c%lu-r%lu within %d ms (--timeout)",
			     lc->id, lc->id, lc->answered, cfg->timeout_ms);
		g->tally->timeouts += lc->sent - lc->answered;
		conn_finish(g, lc);
	}
}

/* Connect every connection of the share, one after the other: on a local
 * machine the kernel completes a connection from the listen backlog without
 * the server's help, so even a server that never accepts lets us connect. */
static void connect_all(struct engine *g, unsigned long first)
{
	const struct load_config *cfg = g->cfg;
	long long deadline = io_now_ms() + cfg->timeout_ms;

	for (unsigned long i = 0; i < g->count; i++) {
		struct lconn *lc = &g->conns[i];
		struct ipc_error e;
		lc->g = g;
		lc->id = first + i;
		lc->sent_ns = NULL;
		ipc_conn_init(&lc->c, cfg->t, cfg->ctx);
		if (io_now_ms() > deadline) {
			ipc_fail(&e, IPC_TIMEOUT, 0, "connecting %lu clients to %s took longer "
				 "than %d ms (--timeout)", g->count, cfg->addr.text, cfg->timeout_ms);
		} else if (cfg->t->connect(&lc->c, &cfg->addr, &e) == 0) {
			lc->open = true;
			g->open++;
			continue;
		}
		note_failure(g->tally, e.status ? e.status : IPC_SYSTEM, "connection %lu: %s",
			     lc->id, e.msg);
		g->tally->refused++;
		g->tally->unanswered += cfg->requests;
	}
}

static void close_all(struct engine *g)
{
	for (unsigned long i = 0; i < g->count; i++)
		conn_finish(g, &g->conns[i]);
}

int load_run_share(const struct load_config *cfg, unsigned long first, unsigned long count,
		   double *lat, struct load_tally *tally,
		   int (*ready)(void *arg), void *ready_arg, struct ipc_error *e)
{
	struct engine g = { .cfg = cfg, .count = count, .lat = lat, .tally = tally };
	long long *ring = calloc(count ? count * cfg->pipeline : 1, sizeof *ring);
	int rc = -1;

	memset(tally, 0, sizeof *tally);
	g.conns = calloc(count ? count : 1, sizeof *g.conns);
	if (!g.conns || !ring) {
		ipc_fail(e, IPC_SYSTEM, 0, "out of memory for %lu connections", count);
		goto out;
	}
	connect_all(&g, first);
	/* The loop is sized for the descriptors we actually hold. */
	int max_fd = 0;
	for (unsigned long i = 0; i < count; i++) {
		struct lconn *lc = &g.conns[i];
		lc->sent_ns = ring + i * cfg->pipeline;
		if (lc->open && lc->c.rfd > max_fd)
			max_fd = lc->c.rfd;
		if (lc->open && lc->c.wfd > max_fd)
			max_fd = lc->c.wfd;
	}
	g.loop = evloop_new(EV_EPOLL, max_fd + 1, e);
	if (!g.loop) {
		close_all(&g);
		goto out;
	}
	if (ready && ready(ready_arg) < 0) {
		ipc_fail(e, IPC_SYSTEM, 0, "the load generator's workers did not start together");
		close_all(&g);
		goto out;
	}

	tally->start_ns = tally->end_ns = now_ns();
	for (unsigned long i = 0; i < count; i++)
		if (g.conns[i].open && cfg->requests == 0)
			conn_finish(&g, &g.conns[i]);
		else if (g.conns[i].open)
			conn_flush(&g, &g.conns[i]);

	long long last_scan = now_ns();
	while (g.open > 0) {
		if (evloop_run_once(g.loop, SCAN_MS, e) < 0) {
			note_failure(tally, e->status ? e->status : IPC_SYSTEM, "%s", e->msg);
			tally->closed += g.open;
			close_all(&g);
			break;
		}
		long long now = now_ns();
		if (now - last_scan >= SCAN_MS * 1000000LL) {
			scan_timeouts(&g, now);
			last_scan = now;
		}
	}
	rc = 0;
out:
	if (g.loop)
		evloop_free(g.loop);
	free(g.conns);
	free(ring);
	return rc;
}
