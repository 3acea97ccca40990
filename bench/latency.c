/*
 * latency.c - `ipclab bench latency`: round trips between two processes.
 *
 * The parent sends a request, the forked child answers, and the parent
 * times each round trip with CLOCK_MONOTONIC, from just before write() to
 * just after the reply is read: one sample per round trip, in a
 * preallocated array, so that percentiles (not only a mean, as lmbench
 * reports) come out.  Everything else (checking the reply in full, progress)
 * happens between two samples, never inside one.
 *
 * Two kinds of request:
 *  - greeting (no --size): "ipclab-XXXXXXXX" with a counter in hex, answered
 *    "Hello, ipclab-XXXXXXXX" by the product's own protocol code
 *    (greet_session_* on streams, greet_datagram() on datagrams).  The child
 *    runs that code in a blocking loop rather than serve_iterative(), which
 *    waits in poll() before each read: the blocking loop measures the
 *    transport plus the protocol, the same way --size measures the
 *    transport alone, and lets the child time its own CPU use.  The poll()
 *    server is measured by `ipclab load` and the hyperfine runs.
 *  - echo (--size B): B bytes echoed back, as lmbench's lat_pipe, lat_unix,
 *    lat_tcp and lat_udp do; the first 8 bytes carry the round trip's
 *    number, so a late reply is never taken for the current one.
 *
 * Datagram transports may lose, duplicate and reorder messages (UDP does,
 * under pressure or on a real link): the client waits BENCH_DGRAM_TIMEOUT_MS
 * (--timeout), and sends again; a round trip that timed out is not a sample.
 * Every send carries its own number, so the row says exactly how many
 * datagrams went unanswered (lost), were answered twice, arrived out of
 * order or after their round trip was given up (struct bench_dgram_tally).
 * The datagram client connect()s once, as the product's does; with
 * --unconnected it names the server in every sendto() instead, as sockperf
 * does, so that the two can be compared like for like.
 *
 * With --waits, over a transport that counts how its reads' waits ended
 * (shm: ipc.h's wait_tally), each round trip also notes how the client's
 * wait for the reply ended and how the server's wait for the request did
 * (the bytes there at once, found by looking again, or after sleeping on
 * the doorbell), and the CPU each ran on (sched_getcpu(), no system call).
 * The client notes its own after the sample is taken; the server notes
 * its own into memory shared with the client (written by the child only,
 * read once it has exited: no line crosses during the round trips).
 *
 * With --address the client greets a server that already runs there
 * (`ipclab serve`, in another network namespace or on another host) instead
 * of forking its own: greeting requests only, the client's CPU time only.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "latency_uring.h"
#include "io.h"
#include "protocol.h"

#define NAME_PREFIX "ipclab-"
#define PREFIX_LEN (sizeof NAME_PREFIX - 1)
#define HEX_DIGITS 8
#define NAME_LEN (PREFIX_LEN + HEX_DIGITS)         /* 15 */
#define HELLO_LEN (sizeof "Hello, " - 1)
#define REPLY_LEN (HELLO_LEN + NAME_LEN + 1)       /* "Hello, <name>\n": 23 */
#define END_TRIES 50   /* datagram end markers, 200 ms apart */
/* Consecutive datagram timeouts that mean the server is gone: this many,
 * and together at least SILENT_MS (a lossy link with a short --timeout
 * loses several tries in a row now and then). */
#define MAX_SILENT 10
#define SILENT_MS 10000

/* ---- how a round trip's waits ended (--waits) ----------------------- */

/* One side's wait in one round trip: enum ipc_wait_end, or -1 (not
 * counted), and its CPU (-1: unknown). */
struct trip_wait {
	signed char end;
	short cpu;
};

static const char *const END_WORD[IPC_END_KINDS] = { "ready", "spun", "slept" };

/* The most this side waited since `seen` (then brought up to date): the
 * deepest kind of end whose count moved, or -1. */
static signed char deepest_end(const struct ipc_conn *c, struct ipc_wait_tally *seen)
{
	struct ipc_wait_tally now;
	signed char end = -1;
	c->t->wait_tally(c, &now);
	for (int k = 0; k < IPC_END_KINDS; k++)
		if (now.n[k] != seen->n[k])
			end = (signed char)k;
	*seen = now;
	return end;
}

static short this_cpu(void)
{
	int cpu = sched_getcpu();
	return cpu >= 0 && cpu <= SHRT_MAX ? (short)cpu : -1;
}

/* ---- the child: the server ------------------------------------------- */

/* What the parent hands the child: the options, and with --waits the
 * shared array it notes each request's wait into (warm-up included). */
struct child_arg {
	const struct bench_opts *o;
	struct trip_wait *waits;
	unsigned long long nwaits;
};

struct child_ctx {
	const struct bench_opts *o;
	struct bench_usage u0;
	bool started;
	unsigned long long answered;
	const struct ipc_conn *conn;   /* --waits: the server's connection */
	struct trip_wait *waits;
	unsigned long long nwaits;
	struct ipc_wait_tally seen;
};

/* The measured part starts after the warm-up round trips.  With --waits,
 * the requests answered since the last call note how the server's wait
 * for them ended (after a read that completed no request, the count
 * waits for the one that does). */
static void child_count(struct child_ctx *cx, unsigned long long answered)
{
	if (cx->waits && answered > cx->answered) {
		struct trip_wait w = { deepest_end(cx->conn, &cx->seen), this_cpu() };
		for (unsigned long long k = cx->answered; k < answered && k < cx->nwaits; k++)
			cx->waits[k] = w;
	}
	cx->answered = answered;
	if (!cx->started && answered >= cx->o->warmup) {
		bench_usage_now(&cx->u0, NULL);
		cx->started = true;
	}
}

static int stream_greeter(struct child_ctx *cx, struct ipc_conn *c, struct ipc_error *e)
{
	struct greet_session *sess = malloc(sizeof *sess);
	char out[4 * GREET_REPLY_MAX];

	if (!sess)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "greeting session");
	greet_session_init(sess);
	for (;;) {
		size_t room, len;
		char *space = greet_session_space(sess, &room);
		ssize_t n = bench_conn_read(c, space, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(sess);
			return n < 0 ? ipc_fail(e, IPC_SYSTEM, errno, "read %s", c->peer_text) : 0;
		}
		greet_session_received(sess, (size_t)n);
		while ((len = greet_session_answer(sess, out, sizeof out)) > 0)
			if (bench_conn_write_all(c, out, len) < 0) {
				free(sess);
				return ipc_fail(e, IPC_SYSTEM, errno, "write %s", c->peer_text);
			}
		child_count(cx, sess->answered);
	}
}

static int stream_echo(struct child_ctx *cx, struct ipc_conn *c, char *buf, size_t size,
		       struct ipc_error *e)
{
	for (unsigned long long n = 0;;) {
		int r = bench_conn_read_exact(c, buf, size);
		if (r == 0)
			return 0;
		if (r < 0)
			return ipc_fail(e, errno ? IPC_SYSTEM : IPC_PROTOCOL, errno, "read %s%s",
					c->peer_text, errno ? "" : ": end of stream mid-message");
		if (bench_conn_write_all(c, buf, size) < 0)
			return ipc_fail(e, IPC_SYSTEM, errno, "write %s", c->peer_text);
		child_count(cx, ++n);
	}
}

/* Datagrams: answer whoever sent, like the product's server; an empty
 * datagram is the parent's end marker. */
static int dgram_server(struct child_ctx *cx, int fd, char *in, size_t cap, size_t size,
			struct ipc_error *e)
{
	char out[GREET_REPLY_MAX];
	struct sockaddr_storage peer;

	if (bench_set_rcvtimeo(fd, BENCH_CHILD_TIMEOUT_MS, e) < 0)
		return -1;
	for (unsigned long long answered = 0;;) {
		socklen_t plen = sizeof peer;
		ssize_t n = recvfrom(fd, in, cap, MSG_TRUNC, (struct sockaddr *)&peer, &plen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			char who[64];
			snprintf(who, sizeof who, "%s server", cx->o->t->name);
			return bench_fail_client_silent(e, who, BENCH_CHILD_TIMEOUT_MS);
		}
		if (n < 0)
			return ipc_fail(e, IPC_SYSTEM, errno, "recvfrom (%s server)", cx->o->t->name);
		if (n == 0)
			return 0;
		const void *reply = in;
		size_t len = (size_t)n;
		if (size == 0) {
			size_t got = (size_t)n < cap ? (size_t)n : cap;
			len = greet_datagram(in, got, (size_t)n, out, sizeof out);
			reply = out;
		} else if ((size_t)n != size) {
			return ipc_fail(e, IPC_PROTOCOL, 0, "%s server: a datagram of %zd bytes, "
					"expected %zu", cx->o->t->name, n, size);
		}
		while (sendto(fd, reply, len, MSG_NOSIGNAL, (struct sockaddr *)&peer, plen) < 0)
			if (errno != EINTR)
				return ipc_fail(e, IPC_SYSTEM, errno, "sendto (%s server)",
						cx->o->t->name);
		child_count(cx, ++answered);
	}
}

static void child(struct bench_pair *p, struct ipc_server *s, void *arg,
		  struct bench_child_report *rep)
{
	const struct child_arg *ca = arg;
	const struct bench_opts *o = ca->o;
	struct child_ctx cx = { .o = o };
	struct ipc_conn c;
	struct ipc_error e;
	struct bench_usage u1;
	size_t cap = o->size ? o->size : GREET_DGRAM_MAX;
	char *buf = malloc(cap);
	int rc;

	if (!buf) {
		ipc_fail(&e, IPC_SYSTEM, ENOMEM, "%zu bytes for the echo buffer", cap);
		bench_report_error(rep, &e);
		return;
	}
	memset(buf, 0, cap); /* fault the pages in now, not during a round trip */
	if (bench_child_accept(s, &c, &e) < 0) {
		bench_report_error(rep, &e);
		free(buf);
		return;
	}
	if (ca->waits) {
		/* Our pages of the shared array faulted in now, not during a
		 * round trip (fork left them unmapped in this process). */
		memset(ca->waits, 0xff, ca->nwaits * sizeof *ca->waits);
		cx.conn = &c;
		cx.waits = ca->waits;
		cx.nwaits = ca->nwaits;
		c.t->wait_tally(&c, &cx.seen);
	}
	if (o->warmup == 0)
		child_count(&cx, 0);
	bench_child_ready(p);
	if (o->t->kind == IPC_DATAGRAM)
		rc = dgram_server(&cx, c.rfd, buf, cap, o->size, &e);
	else if (o->size == 0)
		rc = stream_greeter(&cx, &c, &e);
	else
		rc = stream_echo(&cx, &c, buf, o->size, &e);
	bench_usage_now(&u1, NULL);
	if (rc < 0)
		bench_report_error(rep, &e);
	rep->messages = cx.answered;
	if (cx.started) {
		rep->cpu_us = u1.cpu_us - cx.u0.cpu_us;
		rep->ctxsw = u1.ctxsw - cx.u0.ctxsw;
	}
	o->t->close(&c);
	free(buf);
}

/* ---- the parent: the client ------------------------------------------ */

struct client {
	const struct bench_opts *o;
	int rfd, wfd;
	struct ipc_conn *conn;    /* streams: bytes move through bench_conn_*() */
	char *req, *want, *got;
	size_t req_len, reply_len;
	size_t tag_off, tag_len;  /* where the round trip's number sits in the reply */
	struct bench_dgram_tally tally; /* datagrams: every send numbered and counted */
	/* --unconnected: the server's address, given with every sendto() */
	struct sockaddr_storage server;
	socklen_t server_len;     /* 0: the socket is connected (send, recv) */
	struct bench_uring *ring; /* --io uring: write and read through it */
	struct trip_wait *waits;  /* --waits: the client's, per timed round trip */
	struct ipc_wait_tally seen;
};

static void put_hex(char *p, unsigned long long v)
{
	for (int k = HEX_DIGITS - 1; k >= 0; k--, v >>= 4)
		p[k] = "0123456789abcdef"[v & 15];
}

/* Number round trip i in the request and in the reply we expect. */
static inline void number_request(struct client *cl, unsigned long long i)
{
	if (cl->o->size == 0) {
		put_hex(cl->req + PREFIX_LEN, i);
		put_hex(cl->want + HELLO_LEN + PREFIX_LEN, i);
	} else {
		memcpy(cl->req, &i, cl->tag_len);
	}
}

static int client_setup(struct client *cl, const struct bench_opts *o, struct ipc_error *e)
{
	size_t size = o->size;
	bool dgram = o->t->kind == IPC_DATAGRAM;

	memset(cl, 0, sizeof *cl);
	cl->o = o;
	if (size == 0) {
		cl->req_len = NAME_LEN + !dgram; /* a stream request ends in '\n' */
		cl->reply_len = REPLY_LEN;
		cl->tag_off = HELLO_LEN + PREFIX_LEN;
		cl->tag_len = HEX_DIGITS;
	} else {
		cl->req_len = cl->reply_len = size;
		cl->tag_len = size < 8 ? size : 8;
	}
	/* An echo's expected reply is the request itself: no `want` then. */
	cl->req = malloc(cl->req_len);
	cl->want = size == 0 ? malloc(cl->reply_len) : NULL;
	cl->got = malloc(cl->reply_len);
	if (!cl->req || (size == 0 && !cl->want) || !cl->got)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "buffers of %zu bytes", cl->reply_len);
	if (size == 0) {
		memcpy(cl->req, NAME_PREFIX, PREFIX_LEN);
		if (!dgram)
			cl->req[NAME_LEN] = '\n';
		memcpy(cl->want, "Hello, " NAME_PREFIX, HELLO_LEN + PREFIX_LEN);
		cl->want[REPLY_LEN - 1] = '\n';
	} else {
		for (size_t i = 0; i < size; i++)
			cl->req[i] = (char)(i * 7 + 1);
	}
	memset(cl->got, 0, cl->reply_len);
	return 0;
}

static void client_free(struct client *cl)
{
	bench_dgram_tally_free(&cl->tally);
	free(cl->req);
	free(cl->want);
	free(cl->got);
}

static const char *expected(const struct client *cl)
{
	return cl->o->size ? cl->req : cl->want;
}

/* How long a stream client waits for a reply from a server at --address
 * (SO_RCVTIMEO; our own child's server has no such limit). */
static int remote_wait_ms(const struct bench_opts *o)
{
	return o->dgram_timeout_ms > 0 ? o->dgram_timeout_ms : BENCH_CHILD_TIMEOUT_MS;
}

/* How long a datagram client waits for a reply before it sends again. */
static int dgram_wait_ms(const struct bench_opts *o)
{
	return o->dgram_timeout_ms > 0 ? o->dgram_timeout_ms : BENCH_DGRAM_TIMEOUT_MS;
}

/* The server said nothing in time.  One line that names the wait, the
 * server and what to do, instead of strerror(EAGAIN) ("Resource
 * temporarily unavailable"), which is how a receive time-out ends. */
static int no_reply(const struct bench_opts *o, const char *waited, struct ipc_error *e)
{
	if (!o->address) {
		ipc_fail(e, IPC_TIMEOUT, 0, "latency %s: no reply from the benchmark's own %s "
			 "server %s", o->t->name, o->t->name, waited);
		return ipc_hint(e, "it stopped answering: run the benchmark again, on a less "
				"busy machine");
	}
	ipc_fail(e, IPC_TIMEOUT, 0, "latency %s: no reply from the server at %s %s", o->t->name,
		 o->address, waited);
	return ipc_hint(e, "check that `ipclab serve %s` is running there and answers "
			"greetings, or wait longer with --timeout MS", o->t->name);
}

/* A stream's read for the reply ended by its time-out (--address). */
static int read_timed_out(const struct bench_opts *o, struct ipc_error *e)
{
	char waited[64];
	snprintf(waited, sizeof waited, "within %d ms (the read timed out)", remote_wait_ms(o));
	return no_reply(o, waited, e);
}

/* One stream round trip through the ring (--io uring). */
static int uring_trip(struct client *cl, struct ipc_error *e)
{
	if (bench_uring_trip(cl->ring, cl->req, cl->req_len, cl->got, cl->reply_len, e) == 0)
		return 0;
	return e->status == IPC_TIMEOUT ? read_timed_out(cl->o, e) : -1;
}

/* One stream round trip: write, read the whole reply. */
static inline int stream_trip(struct client *cl, struct ipc_error *e)
{
	if (bench_conn_write_all(cl->conn, cl->req, cl->req_len) < 0)
		return ipc_fail(e, errno == EPIPE ? IPC_PROTOCOL : IPC_SYSTEM, errno,
				"write to the %s server", cl->o->t->name);
	int r = bench_conn_read_exact(cl->conn, cl->got, cl->reply_len);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) /* SO_RCVTIMEO */
		return read_timed_out(cl->o, e);
	if (r != 1)
		return ipc_fail(e, r < 0 && errno ? IPC_SYSTEM : IPC_PROTOCOL, r < 0 ? errno : 0,
				"read from the %s server%s", cl->o->t->name,
				r < 0 && errno ? "" : ": it hung up");
	return 0;
}

/* The send a datagram reply answers, from the number it carries: 0, or -1
 * when the reply is not one of ours. */
static int reply_seq(const struct client *cl, size_t n, unsigned long long *seq)
{
	unsigned long long v = 0;

	if (n != cl->reply_len)
		return -1;
	if (cl->o->size == 0) {
		for (size_t k = 0; k < HEX_DIGITS; k++) {
			char ch = cl->got[cl->tag_off + k];
			int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
			if (d < 0)
				return -1;
			v = v << 4 | (unsigned)d;
		}
	} else {
		/* An echo of fewer than 8 bytes carries the number's low bytes:
		 * the newest send that ends in them. */
		memcpy(&v, cl->got, cl->tag_len);
		if (cl->tag_len < 8) {
			unsigned long long span = 1ULL << (8 * cl->tag_len);
			unsigned long long top = cl->tally.sent - 1;
			v = (top & ~(span - 1)) | v;
			if (v > top)
				v -= span;
		}
	}
	*seq = v;
	return 0;
}

/* Send one datagram: on the connected socket, or (--unconnected) to the
 * server's address, which the kernel then routes afresh each time. */
static inline ssize_t dgram_send(const struct client *cl, const void *buf, size_t len)
{
	if (!cl->server_len)
		return send(cl->wfd, buf, len, MSG_NOSIGNAL);
	return sendto(cl->wfd, buf, len, MSG_NOSIGNAL, (const struct sockaddr *)&cl->server,
		      cl->server_len);
}

/* Receive one datagram; unconnected, with its sender's address (as a
 * client that cannot know who answers must ask). */
static inline ssize_t dgram_recv(struct client *cl)
{
	if (!cl->server_len)
		return recv(cl->rfd, cl->got, cl->reply_len, MSG_TRUNC);
	struct sockaddr_storage from;
	socklen_t flen = sizeof from;
	return recvfrom(cl->rfd, cl->got, cl->reply_len, MSG_TRUNC, (struct sockaddr *)&from,
			&flen);
}

/* --unconnected: note the server's address, then undo the connect()
 * (AF_UNSPEC), so that every message names its destination. */
static int dgram_unconnect(struct client *cl, struct ipc_error *e)
{
	struct sockaddr none = { .sa_family = AF_UNSPEC };

	cl->server_len = sizeof cl->server;
	if (getpeername(cl->wfd, (struct sockaddr *)&cl->server, &cl->server_len) < 0) {
		cl->server_len = 0;
		return ipc_fail(e, IPC_SYSTEM, errno, "getpeername (%s client)", cl->o->t->name);
	}
	if (connect(cl->wfd, &none, sizeof none) < 0) {
		cl->server_len = 0;
		return ipc_fail(e, IPC_SYSTEM, errno, "connect AF_UNSPEC (%s client): "
				"undo the connection", cl->o->t->name);
	}
	return 0;
}

/* One datagram round trip.  1: done; 0: lost (timed out: send again). */
static inline int dgram_trip(struct client *cl, struct ipc_error *e)
{
	struct bench_dgram_tally *t = &cl->tally;
	const char *want = expected(cl);

	while (dgram_send(cl, cl->req, cl->req_len) < 0)
		if (errno != EINTR)
			return ipc_fail(e, IPC_SYSTEM, errno, "send to the %s server",
					cl->o->t->name);
	t->sent++;
	for (;;) {
		ssize_t n = dgram_recv(cl);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return ipc_fail(e, IPC_SYSTEM, errno, "recv from the %s server",
					cl->o->t->name);
		}
		if ((size_t)n == cl->reply_len &&
		    !memcmp(cl->got + cl->tag_off, want + cl->tag_off, cl->tag_len)) {
			bench_dgram_tally_reply(t, t->sent - 1);
			return 1;
		}
		/* Another send's reply: a duplicate, a late one, or the reply to
		 * an earlier try of this round trip, which completes it. */
		unsigned long long seq;
		enum bench_reply kind = reply_seq(cl, (size_t)n, &seq) < 0 ? BENCH_REPLY_BOGUS
						: bench_dgram_tally_reply(t, seq);
		if (kind == BENCH_REPLY_TRIP) {
			number_request(cl, seq); /* the whole reply is checked against it */
			return 1;
		}
		if (kind == BENCH_REPLY_BOGUS)
			return ipc_fail(e, IPC_PROTOCOL, 0, "the %s server answered %zd bytes "
					"that are not the reply to any request", cl->o->t->name, n);
	}
}

/* After the last round trip: while any send is unanswered, or the network
 * was seen duplicating or delaying, count what still arrives within one
 * more timeout, so that lost, dup and late are exact. */
static int dgram_drain(struct client *cl, struct ipc_error *e)
{
	struct bench_dgram_tally *t = &cl->tally;

	t->trip_first = t->sent; /* no round trip is waiting any more */
	if (bench_dgram_tally_lost(t) == 0 && t->dup == 0 && t->late == 0)
		return 0;
	for (;;) {
		ssize_t n = dgram_recv(cl);
		unsigned long long seq;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			return ipc_fail(e, IPC_SYSTEM, errno, "recv from the %s server",
					cl->o->t->name);
		if (reply_seq(cl, (size_t)n, &seq) < 0 ||
		    bench_dgram_tally_reply(t, seq) == BENCH_REPLY_BOGUS)
			return ipc_fail(e, IPC_PROTOCOL, 0, "the %s server answered %zd bytes "
					"that are not the reply to any request", cl->o->t->name, n);
	}
}

/* Tell a datagram child we are done; UDP may lose the marker too. */
static int dgram_end(struct bench_pair *p, struct client *cl, struct ipc_error *e)
{
	for (int i = 0; i < END_TRIES; i++) {
		if (dgram_send(cl, "", 0) < 0 && errno != EINTR)
			return ipc_fail(e, IPC_SYSTEM, errno, "send the end marker to the %s server",
					cl->o->t->name);
		int r = bench_pair_poll_report(p, 200, e);
		if (r != 0)
			return r < 0 ? -1 : 0;
	}
	return ipc_fail(e, IPC_TIMEOUT, 0, "the %s server does not stop", cl->o->t->name);
}

/* Room for n elements of `size` bytes whose pages are already faulted in,
 * or NULL.  calloc() may hand out fresh pages untouched, to fault in during
 * the loop, and a compiler may turn malloc() and a zeroing memset() into
 * calloc(): hence a fill that is not zero (every element is written before
 * it is read). */
static void *alloc_touched(size_t n, size_t size)
{
	void *p = n <= SIZE_MAX / size ? malloc(n * size) : NULL;
	if (p)
		memset(p, 0xff, n * size);
	return p;
}

/* Room for twice as many sequence numbers: outside the timed part (a
 * round trip that timed out is not a sample). */
static int tally_grow(struct bench_dgram_tally *t, struct ipc_error *e)
{
	unsigned long long cap = t->cap * 2;
	unsigned char *bigger = cap / 8 < SIZE_MAX ? realloc(t->answered, (size_t)(cap / 8 + 1)) : NULL;

	if (!bigger)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "memory to count %llu datagrams", cap);
	memset(bigger + t->cap / 8 + 1, 0, (size_t)(cap / 8 - t->cap / 8));
	t->answered = bigger;
	t->cap = cap;
	return 0;
}

static int run_trips(struct client *cl, uint64_t *ns, int silent_max,
		     struct bench_usage *u0, uint64_t *elapsed, struct ipc_error *e)
{
	const struct bench_opts *o = cl->o;
	const unsigned long long warmup = o->warmup, n = o->warmup + o->count;
	const bool dgram = o->t->kind == IPC_DATAGRAM;
	/* --batch: the clock read at a batch's ends only; its mean the sample */
	const unsigned long long batch = o->batch > 1 ? o->batch : 1;
	struct bench_progress pg;
	uint64_t start = 0, batch_t0 = 0;
	int silent = 0;

	bench_progress_start(&pg, o, "latency %s %s %zu B", o->t->name,
			     o->size ? "echo" : "greeting", cl->req_len);
	for (unsigned long long i = 0; i < n; i++) {
		if (i == warmup) {
			if (bench_usage_now(u0, e) < 0)
				return -1;
			start = bench_now_ns();
		}
		if (!dgram) {
			number_request(cl, i);
		} else {
			/* Each try has a number of its own: the next send's. */
			if (silent == 0)
				cl->tally.trip_first = cl->tally.sent;
			if (cl->tally.sent == cl->tally.cap && tally_grow(&cl->tally, e) < 0)
				return -1;
			number_request(cl, cl->tally.sent);
		}
		uint64_t t0 = batch > 1 ? 0 : bench_now_ns();
		if (batch > 1 && i >= warmup && (i - warmup) % batch == 0)
			batch_t0 = bench_now_ns();
		if (dgram) {
			int r = dgram_trip(cl, e);
			if (r < 0)
				return -1;
			if (r == 0) {
				cl->tally.resent++;
				if (++silent == silent_max) {
					char waited[96];
					snprintf(waited, sizeof waited, "in %d tries of %d ms each",
						 silent_max, dgram_wait_ms(o));
					return no_reply(o, waited, e);
				}
				i--; /* the same round trip again, timed afresh */
				continue;
			}
			silent = 0;
		} else if (cl->ring ? uring_trip(cl, e) < 0 : stream_trip(cl, e) < 0) {
			return -1;
		}
		if (batch == 1) {
			uint64_t t1 = bench_now_ns();
			if (i >= warmup)
				ns[i - warmup] = t1 - t0;
		}
		if (cl->waits) { /* after the sample: how our wait for the reply ended */
			signed char end = deepest_end(cl->conn, &cl->seen);
			if (i >= warmup)
				cl->waits[i - warmup] = (struct trip_wait){ end, this_cpu() };
		}
		/* Outside the sample: the whole reply, byte for byte. */
		if (memcmp(cl->got, expected(cl), cl->reply_len))
			return ipc_fail(e, IPC_PROTOCOL, 0, "round trip %llu: the %s server's reply "
					"differs from the expected one", i, o->t->name);
		/* With --batch the check is inside the batch: a few ns a round trip. */
		if (batch > 1 && i >= warmup && (i - warmup) % batch == batch - 1)
			ns[(i - warmup) / batch] = (bench_now_ns() - batch_t0) / batch;
		if ((i & 4095) == 0)
			bench_progress_tick(&pg, i, n);
	}
	*elapsed = bench_now_ns() - start;
	bench_progress_end(&pg);
	return 0;
}

int bench_dgram_tally_init(struct bench_dgram_tally *t, unsigned long long cap)
{
	memset(t, 0, sizeof *t);
	if (cap == 0 || cap / 8 >= SIZE_MAX)
		return -1;
	t->answered = calloc((size_t)(cap / 8 + 1), 1);
	t->cap = cap;
	return t->answered ? 0 : -1;
}

void bench_dgram_tally_free(struct bench_dgram_tally *t)
{
	free(t->answered);
	t->answered = NULL;
}

/* --waits: one line per timed round trip, in the order of the samples
 * (line k of both files is the same round trip). */
static int write_waits(const char *path, const struct trip_wait *client,
		       const struct trip_wait *server, size_t n, struct ipc_error *e)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return ipc_fail(e, IPC_SYSTEM, errno, "open %s for the waits", path);
	fputs("# per round trip, as the samples: how the client's wait for the reply and the "
	      "server's wait for the request ended (ready: the bytes were there; spun: found "
	      "by looking again before sleeping; slept: after sleeping on the doorbell; -: not "
	      "counted), and the CPU each ran on\n"
	      "# client_end client_cpu server_end server_cpu\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct trip_wait *w[2] = { &client[i], &server[i] };
		for (int k = 0; k < 2; k++)
			fprintf(f, "%s%s %d", k ? " " : "",
				w[k]->end >= 0 && w[k]->end < IPC_END_KINDS ? END_WORD[w[k]->end] : "-",
				w[k]->cpu);
		fputc('\n', f);
	}
	int bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return ipc_fail(e, IPC_SYSTEM, errno, "write %s", path);
	return 0;
}

/* --address: connect to the server running there, in blocking mode. */
static int remote_connect(const struct bench_opts *o, struct ipc_conn *c, struct ipc_error *e)
{
	/* A link that drops SYNs needs more than the default 3 s to connect. */
	struct ipc_ctx ctx = *o->ctx;
	struct ipc_addr a;

	ctx.timeout_ms = BENCH_CHILD_TIMEOUT_MS;
	ipc_conn_init(c, o->t, o->ctx);
	memset(&a, 0, sizeof a);
	snprintf(a.text, sizeof a.text, "%s", o->address);
	c->ctx = &ctx;
	int rc = o->t->connect(c, &a, e);
	c->ctx = o->ctx;
	if (rc < 0)
		return -1;
	if (!o->t->opaque_fds &&
	    (io_set_nonblocking(c->rfd, false) < 0 || io_set_nonblocking(c->wfd, false) < 0))
		ipc_fail(e, IPC_SYSTEM, errno, "fcntl O_NONBLOCK off, %s client", o->t->name);
	/* A stream client must not wait forever on a server that vanished;
	 * --timeout lets it wait as long as a bad link's TCP back-off can
	 * hold a reply (netlab's 30 % loss: tens of seconds). */
	else if (o->t->kind == IPC_DATAGRAM || o->t->opaque_fds ||
		 bench_set_rcvtimeo(c->rfd, remote_wait_ms(o), e) == 0)
		return 0;
	o->t->close(c);
	return -1;
}

/* What --address allows: a greeting server that someone else started. */
static int remote_check(const struct bench_opts *o, struct ipc_error *e)
{
	if (!o->t->servable)
		return ipc_fail(e, IPC_USAGE, 0, "--address: a %s server cannot be reached by "
				"address", o->t->name);
	if (o->size)
		return ipc_fail(e, IPC_USAGE, 0, "--address with --size: `ipclab serve` answers "
				"greetings, not echoes; leave --size out");
	if (o->pin[0] >= 0 || o->pin[1] >= 0)
		return ipc_fail(e, IPC_USAGE, 0, "--address with --pin: the server runs "
				"elsewhere; pin this client with taskset instead");
	return 0;
}

/* The datagram counts in the row: the lost column and words in the note. */
static void dgram_result(struct bench_result *r, const struct bench_opts *o,
			 const struct bench_dgram_tally *t)
{
	unsigned long long lost = bench_dgram_tally_lost(t);
	char words[128];

	r->row.lost = (unsigned long)lost;
	/* Across a real link (--address) every row says it, clean or not. */
	if (!o->address && lost == 0 && t->resent == 0 && t->dup == 0 && t->reordered == 0 &&
	    t->late == 0)
		return;
	if (lost)
		bench_note(r, "LOSSY");
	snprintf(words, sizeof words, "sent=%llu lost=%llu resent=%llu dup=%llu reordered=%llu "
		 "late=%llu", t->sent, lost, t->resent, t->dup, t->reordered, t->late);
	bench_note(r, words);
	if (lost == 0 && t->resent == 0 && t->dup == 0 && t->reordered == 0 && t->late == 0)
		return;
	bench_warn(o->warn, "latency %s: of %llu datagrams sent, %llu never answered, %llu "
		   "resent after a timeout, %llu answered twice, %llu out of order, %llu late; "
		   "round trips that timed out are not in the figures", o->t->name, t->sent,
		   lost, t->resent, t->dup, t->reordered, t->late);
}

int bench_latency(const struct bench_opts *o, struct bench_result *r, struct ipc_error *e)
{
	struct bench_pair p;
	struct ipc_conn remote;
	struct client cl = { 0 };
	struct bench_usage u0 = { 0 }, u1;
	struct bench_child_report rep = { 0 };
	uint64_t elapsed = 0;
	const bool dgram = o->t->kind == IPC_DATAGRAM;
	int rc = -1;

	bench_result_init(r, o, "latency");
	if (o->count == 0)
		return ipc_fail(e, IPC_USAGE, 0, "--count must be at least 1");
	const unsigned long batch = o->batch > 1 ? o->batch : 1;
	if (batch > 1) {
		if (dgram)
			return ipc_fail(e, IPC_USAGE, 0, "--batch: %s is a datagram transport, whose "
					"lost round trips are sent again and timed afresh; batch "
					"only streams", o->t->name);
		if (o->waits_path)
			return ipc_fail(e, IPC_USAGE, 0, "--batch: --waits notes each round trip, "
					"a batch's mean has none; leave one of them out");
		if (o->count < batch)
			return ipc_fail(e, IPC_USAGE, 0, "--batch %lu: --count %lu holds no whole "
					"batch", batch, o->count);
		/* A row of its own: "shm-spin-batch" beside "shm-spin". */
		char base[sizeof r->transport];
		snprintf(base, sizeof base, "%s", r->row.transport);
		snprintf(r->transport, sizeof r->transport, "%.25s-batch", base);
		r->row.transport = r->transport;
	}
	if (dgram && o->size > o->t->max_message) {
		ipc_fail(e, IPC_USAGE, 0, "--size %zu: one %s datagram carries at most %zu bytes",
			 o->size, o->t->name, o->t->max_message);
		return ipc_hint(e, "use --size %zu or less", o->t->max_message);
	}
	if (o->size > BENCH_MAX_SIZE)
		return ipc_fail(e, IPC_USAGE, 0, "--size %zu: at most %lu bytes", o->size,
				BENCH_MAX_SIZE);
	if (o->address && remote_check(o, e) < 0)
		return -1;
	if (o->io_uring && bench_uring_check(o->t, e) < 0)
		return -1;
	if (o->unconnected && (!dgram || o->t->opaque_fds))
		return ipc_fail(e, IPC_USAGE, 0, "--unconnected: %s is not a datagram socket "
				"(udp and unix_dgram are)", o->t->name);
	if (o->waits_path && (!o->t->wait_tally || o->address || o->io_uring))
		return ipc_fail(e, IPC_USAGE, 0, "--waits: %s", o->address ? "the server runs "
				"elsewhere: its waits cannot be counted; leave --waits out"
				: o->io_uring ? "not with --io uring" : "this transport does not count "
				"how its waits end (shm does)");
	/* Every buffer exists, and is touched, before the first round trip. */
	uint64_t *ns = alloc_touched(o->count, sizeof *ns);
	double *us = alloc_touched(o->count, sizeof *us);
	struct trip_wait *client_waits = NULL;
	/* --waits: the server's notes, one per request (warm-up too), in
	 * memory the child shares with us and alone writes. */
	struct child_arg ca = { .o = o };
	if (!ns || !us || client_setup(&cl, o, e) < 0) {
		if (!ns || !us)
			ipc_fail(e, IPC_SYSTEM, ENOMEM, "memory for %lu samples", o->count);
		goto out;
	}
	if (o->waits_path) {
		ca.nwaits = (unsigned long long)o->warmup + o->count;
		size_t bytes = ca.nwaits <= SIZE_MAX / sizeof *ca.waits ?
			       (size_t)ca.nwaits * sizeof *ca.waits : 0;
		void *shared = bytes ? mmap(NULL, bytes, PROT_READ | PROT_WRITE,
					    MAP_SHARED | MAP_ANONYMOUS, -1, 0) : MAP_FAILED;
		int err = bytes ? errno : ENOMEM;
		cl.waits = client_waits = alloc_touched(o->count, sizeof *client_waits);
		if (shared == MAP_FAILED || !client_waits) {
			ipc_fail(e, IPC_SYSTEM, shared == MAP_FAILED ? err : ENOMEM,
				 "memory to note the waits of %lu round trips", o->count);
			if (shared != MAP_FAILED)
				munmap(shared, bytes);
			goto out;
		}
		ca.waits = shared;
	}
	/* Room for a few resends; more is made when they are used up. */
	if (dgram && (o->warmup > ULLONG_MAX / 4 - o->count ||
		      bench_dgram_tally_init(&cl.tally, (o->warmup + o->count) * 2) < 0)) {
		ipc_fail(e, IPC_SYSTEM, ENOMEM, "memory to count %lu round trips' datagrams",
			 o->count);
		goto out;
	}
	if (o->address) {
		if (remote_connect(o, &remote, e) < 0)
			goto out;
		cl.rfd = remote.rfd;
		cl.wfd = remote.wfd;
		cl.conn = &remote;
	} else {
		if (bench_pair_start(&p, o, true, child, &ca, e) < 0)
			goto out;
		cl.rfd = p.c.rfd;
		cl.wfd = p.c.wfd;
		cl.conn = &p.c;
	}
	if (o->unconnected && dgram_unconnect(&cl, e) < 0) {
		if (o->address)
			o->t->close(&remote);
		else
			bench_pair_abort(&p);
		goto out;
	}
	if (o->io_uring && !(cl.ring = bench_uring_new(cl.rfd, cl.wfd, e))) {
		if (o->address)
			o->t->close(&remote);
		else
			bench_pair_abort(&p);
		goto out;
	}
	if (cl.ring && o->address)
		bench_uring_set_read_timeout(cl.ring, remote_wait_ms(o));
	if (cl.waits)
		cl.conn->t->wait_tally(cl.conn, &cl.seen);
	int wait_ms = dgram_wait_ms(o);
	int silent_max = SILENT_MS / wait_ms > MAX_SILENT ? SILENT_MS / wait_ms : MAX_SILENT;
	bool ok = (!dgram || bench_set_rcvtimeo(cl.rfd, wait_ms, e) == 0) &&
		  run_trips(&cl, ns, silent_max, &u0, &elapsed, e) == 0 && bench_usage_now(&u1, e) == 0 &&
		  (!dgram || dgram_drain(&cl, e) == 0);
	if (o->address) {
		o->t->close(&remote);
		if (!ok)
			goto out;
		bench_note(r, "REMOTE");
	} else {
		if (!ok || (dgram && dgram_end(&p, &cl, e) < 0)) {
			bench_pair_abort(&p);
			goto out;
		}
		if (bench_pair_finish(&p, &rep, e) < 0)
			goto out;
	}

	snprintf(r->mode, sizeof r->mode, "%s", o->size ? "echo" : "greeting");
	r->row.size = cl.req_len;
	r->row.count = o->count;
	bench_cost(&u0, &u1, &rep, o->count, &r->row.cpu_us_per_op, &r->row.ctxsw_per_op);
	r->row.msgs_per_s = elapsed ? (double)o->count * 1e9 / (double)elapsed : 0;
	if (dgram)
		dgram_result(r, o, &cl.tally);
	if (batch > 1)
		bench_note(r, "BATCH-MEANS");
	rc = bench_finish_latency(r, o, ns, us, o->count / batch, e);
	/* The child has exited: its notes are all there. */
	if (rc == 0 && o->waits_path)
		rc = write_waits(o->waits_path, client_waits, ca.waits + o->warmup, o->count, e);
out:
	if (ca.waits)
		munmap(ca.waits, (size_t)ca.nwaits * sizeof *ca.waits);
	free(client_waits);
	bench_uring_free(cl.ring);
	client_free(&cl);
	free(ns);
	free(us);
	return rc;
}
