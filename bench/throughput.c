/*
 * throughput.c - `ipclab bench throughput`: a one-way stream of messages.
 *
 * The parent sends `messages` messages of `size` bytes with blocking
 * write()s (send() for datagrams); the forked child receives and verifies
 * EVERY byte, then answers with a small acknowledgement (bytes and messages
 * received, messages lost).  The clock runs from the first write until that
 * acknowledgement arrives, so nothing still in a kernel buffer is counted
 * as delivered.
 *
 * What each message carries, so that a lost, duplicated or reordered chunk
 * cannot pass:
 *   bytes [0, h)     a tag derived from the message's sequence number m
 *                    (h = min(8, size)); streams: a hash of m, so even a
 *                    1-byte message tags its position; datagrams: m itself,
 *                    which lets the receiver count the gaps (UDP losses)
 *   bytes [h, size)  a fixed pseudo-random pattern, the same in every
 *                    message: a chunk shifted by any amount mismatches
 * The sender only rewrites the tag per message, and the receiver checks
 * the rest with memcmp(), so verification costs about a cache-hot read of
 * the data, not a computation per byte.  On one CPU that read is still a
 * second pass over every byte; --no-verify (receiver counts, checks
 * nothing, as lmbench's bw_* do) measures what it costs.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "copy.h"

#define MARKER_END UINT64_MAX          /* datagram: "that was all"; then the count */
#define MARKER_BYE (UINT64_MAX - 1)    /* datagram: "got your ack, goodbye" */
#define MARKER_LEN 16
#define END_TRIES 50                   /* end markers, 200 ms apart */
#define LINGER_MS 300                  /* datagram receiver: wait for a resent marker */
#define DGRAM_MIN_SIZE 8               /* room for the sequence number */

struct ack {
	uint64_t bytes, messages, lost;
};

struct plan {
	const struct bench_opts *o;
	size_t size;
	bool dgram;
	unsigned long long messages;
	unsigned char *pattern;  /* size bytes: the body every message shares */
	struct bench_copy_plan copy; /* --copy: the rung, and what both sides share */
};

/* splitmix64's finalizer: consecutive m give unrelated bytes. */
static inline uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Little-endian on every machine: both sides agree byte for byte. */
static inline void put_le(unsigned char *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

static inline uint64_t get_le(const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

void bench_pattern_fill(unsigned char *pattern, size_t size)
{
	for (size_t i = 0; i < size; i++)
		pattern[i] = (unsigned char)mix(i ^ 0x5eed);
}

static inline size_t tag_len(size_t size)
{
	return size < 8 ? size : 8;
}

void bench_stream_tag(unsigned char *msg, size_t size, uint64_t m)
{
	put_le(msg, mix(m), tag_len(size));
}

/* ---- the receiver (child) --------------------------------------------- */

void bench_stream_check_init(struct bench_stream_check *v, const unsigned char *pattern,
			     size_t size, const char *name)
{
	memset(v, 0, sizeof *v);
	v->pattern = pattern;
	v->size = size;
	v->name = name;
	put_le(v->tag, mix(0), tag_len(size));
}

static int mismatch(const char *name, unsigned long long offset, unsigned long long m,
		    size_t p, const unsigned char *got, const unsigned char *want, size_t k,
		    struct ipc_error *e)
{
	size_t i = 0;
	while (i < k && got[i] == want[i])
		i++;
	return ipc_fail(e, IPC_PROTOCOL, 0, "%s stream corrupt at byte %llu (message %llu, "
			"byte %zu): 0x%02x where 0x%02x was sent; data lost, duplicated or "
			"reordered", name, offset + i, m, p + i, got[i], want[i]);
}

int bench_stream_check(struct bench_stream_check *v, const void *data, size_t n,
		       struct ipc_error *e)
{
	const unsigned char *buf = data;
	const size_t tl = tag_len(v->size);

	while (n > 0) {
		const unsigned char *want;
		size_t k;
		if (v->p < tl) {
			k = tl - v->p;
			want = v->tag + v->p;
		} else {
			k = v->size - v->p;
			want = v->pattern + v->p;
		}
		if (k > n)
			k = n;
		if (memcmp(buf, want, k))
			return mismatch(v->name, v->offset, v->m, v->p, buf, want, k, e);
		buf += k;
		n -= k;
		v->offset += k;
		v->p += k;
		if (v->p == v->size) {
			v->m++;
			v->p = 0;
			put_le(v->tag, mix(v->m), tl);
		}
	}
	return 0;
}

void bench_stream_skip(struct bench_stream_check *v, size_t n)
{
	const size_t tl = tag_len(v->size);

	v->offset += n;
	n += v->p;
	v->m += n / v->size;
	v->p = n % v->size;
	put_le(v->tag, mix(v->m), tl);
}

static int receive_stream(const struct plan *pl, struct ipc_conn *c, unsigned char *buf,
			  size_t cap, struct ack *ack, struct bench_usage *u1,
			  struct bench_copy_stats *cst, struct ipc_error *e)
{
	const unsigned long long total = pl->messages * pl->size;
	struct bench_stream_check v;

	bench_stream_check_init(&v, pl->pattern, pl->size, pl->o->t->name);
	if (bench_copy_check_fd(pl->copy.rung, pl->o->t->name, c->rfd, e) < 0)
		return -1;
	if (copy_rungs[pl->copy.rung].needs == COPY_RING) {
		if (bench_copy_receive_ring(&pl->copy, c, &v, e) < 0)
			return -1;
	} else if (bench_copy_own_receiver(pl->copy.rung) &&
		   bench_copy_receive(&pl->copy, c->rfd, &v, cst, e) < 0) {
		return -1;
	}
	while (v.offset < total) {
		size_t want = total - v.offset < cap ? (size_t)(total - v.offset) : cap;
		ssize_t n = bench_conn_read(c, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ipc_fail(e, n < 0 ? IPC_SYSTEM : IPC_PROTOCOL, n < 0 ? errno : 0,
					"%s receiver: read after %llu of %llu bytes%s", pl->o->t->name,
					v.offset, total, n < 0 ? "" : ": the sender hung up");
		if (pl->o->no_verify)
			v.offset += (unsigned long long)n; /* counted, not checked */
		else if (bench_stream_check(&v, buf, (size_t)n, e) < 0)
			return -1;
	}
	bench_usage_now(u1, NULL);
	ack->bytes = v.offset;
	ack->messages = pl->messages;
	if (bench_conn_write_all(c, ack, sizeof *ack) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "%s receiver: write the acknowledgement",
				pl->o->t->name);
	/* The sender closes after our ack: anything before that is extra. */
	for (;;) {
		ssize_t n = bench_conn_read(c, buf, 1);
		if (n == 0)
			return 0;
		if (n > 0)
			return ipc_fail(e, IPC_PROTOCOL, 0, "%s receiver: more bytes than the %llu "
					"sent", pl->o->t->name, total);
		if (errno != EINTR)
			return ipc_fail(e, IPC_SYSTEM, errno, "%s receiver: read", pl->o->t->name);
	}
}

/* After the ack: answer resent end markers (our ack was lost) until the
 * sender's goodbye or LINGER_MS of silence. */
static void linger(int fd, unsigned char *buf, size_t cap, const struct ack *ack)
{
	struct sockaddr_storage peer;
	struct ipc_error ignored;

	if (bench_set_rcvtimeo(fd, LINGER_MS, &ignored) < 0)
		return;
	for (;;) {
		socklen_t plen = sizeof peer;
		ssize_t n = recvfrom(fd, buf, cap, MSG_TRUNC, (struct sockaddr *)&peer, &plen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (n == MARKER_LEN && get_le(buf, 8) == MARKER_BYE))
			return;
		if (n == MARKER_LEN && get_le(buf, 8) == MARKER_END)
			sendto(fd, ack, sizeof *ack, MSG_NOSIGNAL, (struct sockaddr *)&peer, plen);
	}
}

static int receive_dgrams(const struct plan *pl, int fd, unsigned char *buf, size_t cap,
			  struct ack *ack, struct bench_usage *u1, struct ipc_error *e)
{
	const char *name = pl->o->t->name;
	struct sockaddr_storage peer;
	socklen_t plen;
	uint64_t next = 0, total;

	if (bench_set_rcvtimeo(fd, BENCH_CHILD_TIMEOUT_MS, e) < 0)
		return -1;
	for (;;) {
		plen = sizeof peer;
		ssize_t n = recvfrom(fd, buf, cap, MSG_TRUNC, (struct sockaddr *)&peer, &plen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			char who[96];
			snprintf(who, sizeof who, "%s receiver, after %llu messages", name,
				 (unsigned long long)ack->messages);
			return bench_fail_client_silent(e, who, BENCH_CHILD_TIMEOUT_MS);
		}
		if (n < 0)
			return ipc_fail(e, IPC_SYSTEM, errno, "%s receiver: recvfrom after %llu "
					"messages", name, (unsigned long long)ack->messages);
		if (n == MARKER_LEN && get_le(buf, 8) == MARKER_END) {
			total = get_le(buf + 8, 8);
			break;
		}
		if ((size_t)n != pl->size)
			return ipc_fail(e, IPC_PROTOCOL, 0, "%s receiver: a datagram of %zd bytes, "
					"%zu expected", name, n, pl->size);
		uint64_t seq = get_le(buf, 8);
		if (seq < next || seq >= pl->messages)
			return ipc_fail(e, IPC_PROTOCOL, 0, "%s receiver: message %llu arrived after "
					"message %llu: duplicated or reordered", name,
					(unsigned long long)seq, (unsigned long long)next - 1);
		if (!pl->o->no_verify && memcmp(buf + 8, pl->pattern + 8, pl->size - 8))
			return mismatch(name, seq * pl->size + 8, seq, 8, buf + 8, pl->pattern + 8,
					pl->size - 8, e);
		ack->lost += seq - next; /* the gap: lost on the way */
		next = seq + 1;
		ack->messages++;
	}
	bench_usage_now(u1, NULL);
	if (total != pl->messages || next > total)
		return ipc_fail(e, IPC_PROTOCOL, 0, "%s receiver: the end marker says %llu "
				"messages, %llu were planned", name, (unsigned long long)total,
				pl->messages);
	ack->lost += total - next; /* the last ones never came */
	ack->bytes = ack->messages * pl->size;
	while (sendto(fd, ack, sizeof *ack, MSG_NOSIGNAL, (struct sockaddr *)&peer, plen) < 0)
		if (errno != EINTR)
			return ipc_fail(e, IPC_SYSTEM, errno, "%s receiver: send the "
					"acknowledgement", name);
	linger(fd, buf, cap, ack);
	return 0;
}

/* A ring both sides map (shm) is fresh memory at first: the first lap
 * through it faults every page in, on both sides, a cost paid once per
 * connection, not per byte (measured on a 2-CPU VM: milliseconds, as long
 * as 100 MiB or more take at memcpy's speed).  So before the clock starts, the sender
 * passes one ring of bytes through it and the receiver takes them off and
 * answers one byte: the stream is then timed warm, as memcpy is (its
 * buffers written before its clock starts).  Those bytes are not counted. */
static int warm_ring_receive(const struct plan *pl, struct ipc_conn *c, unsigned char *buf,
			     size_t cap, struct ipc_error *e)
{
	for (size_t got = 0, ring = pl->o->t->inplace->ring; got < ring;) {
		ssize_t n = bench_conn_read(c, buf, ring - got < cap ? ring - got : cap);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ipc_fail(e, n < 0 ? IPC_SYSTEM : IPC_PROTOCOL, n < 0 ? errno : 0,
					"%s receiver: read the ring's warm-up lap", pl->o->t->name);
		got += (size_t)n;
	}
	if (bench_conn_write_all(c, "w", 1) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "%s receiver: answer the warm-up lap",
				pl->o->t->name);
	return 0;
}

#define WARM_CHUNK 65536 /* the warm-up lap's writes, whatever the message size */

static int warm_ring_send(const struct plan *pl, struct ipc_conn *c, struct ipc_error *e)
{
	char answer;
	unsigned char *zeros = calloc(1, WARM_CHUNK);
	if (!zeros)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "%d bytes for the warm-up lap", WARM_CHUNK);
	for (size_t sent = 0, ring = pl->o->t->inplace->ring; sent < ring;) {
		size_t k = ring - sent < WARM_CHUNK ? ring - sent : WARM_CHUNK;
		if (bench_conn_write_all(c, zeros, k) < 0) {
			free(zeros);
			return ipc_fail(e, errno == EPIPE ? IPC_PROTOCOL : IPC_SYSTEM, errno,
					"write the ring's warm-up lap to the %s receiver",
					pl->o->t->name);
		}
		sent += k;
	}
	free(zeros);
	if (bench_conn_read_exact(c, &answer, 1) != 1)
		return ipc_fail(e, IPC_PROTOCOL, errno, "the %s receiver did not answer the "
				"warm-up lap", pl->o->t->name);
	return 0;
}

static void receiver(struct bench_pair *p, struct ipc_server *s, void *arg,
		     struct bench_child_report *rep)
{
	const struct plan *pl = arg;
	size_t cap = pl->dgram ? pl->size + MARKER_LEN
			       : pl->size > BENCH_STREAM_READ ? pl->size : BENCH_STREAM_READ;
	unsigned char *buf = bench_alloc_pages(cap);
	struct ack ack = { 0 };
	struct bench_usage u0, u1 = { 0 };
	struct bench_copy_stats cst = { 0 };
	struct ipc_conn c;
	struct ipc_error e;
	int rc;

	if (!buf) {
		ipc_fail(&e, IPC_SYSTEM, ENOMEM, "%zu bytes for the receive buffer", cap);
		bench_report_error(rep, &e);
		return;
	}
	memset(buf, 0, cap);
	if (bench_child_accept(s, &c, &e) < 0) {
		bench_report_error(rep, &e);
		free(buf);
		return;
	}
	/* The pattern every byte is checked against, read once before the
	 * clock starts: in this process, after fork(), each of its pages is
	 * still to be looked up (about 1 ms for 1 MiB on a 2-CPU VM), a cost
	 * memcpy's ceiling does not pay either. */
	unsigned sum = 0;
	for (size_t i = 0; i < pl->size; i += 4096)
		sum += ((const volatile unsigned char *)pl->pattern)[i];
	(void)sum;
	bench_child_ready(p);
	if (!pl->dgram && pl->o->t->inplace && warm_ring_receive(pl, &c, buf, cap, &e) < 0) {
		bench_report_error(rep, &e);
		pl->o->t->close(&c);
		free(buf);
		return;
	}
	bench_usage_now(&u0, NULL);
	if (pl->dgram)
		rc = receive_dgrams(pl, c.rfd, buf, cap, &ack, &u1, &e);
	else
		rc = receive_stream(pl, &c, buf, cap, &ack, &u1, &cst, &e);
	if (rc < 0)
		bench_report_error(rep, &e);
	rep->cpu_us = u1.cpu_us - u0.cpu_us;
	rep->ctxsw = u1.ctxsw - u0.ctxsw;
	rep->messages = ack.messages;
	rep->bytes = ack.bytes;
	rep->lost = ack.lost;
	rep->mapped = cst.mapped;
	pl->o->t->close(&c);
	free(buf);
}

/* ---- the sender (parent) ---------------------------------------------- */

static int send_stream(const struct plan *pl, struct ipc_conn *c, unsigned char *buf,
		       struct bench_progress *pg, struct ack *ack, struct bench_copy_stats *cst,
		       struct ipc_error *e)
{
	const bool own = bench_copy_own_sender(pl->copy.rung);
	if (own && copy_rungs[pl->copy.rung].needs == COPY_RING) {
		if (bench_copy_send_ring(&pl->copy, c, pg, e) < 0)
			return -1;
	} else if (own && bench_copy_send(&pl->copy, c->wfd, pg, cst, e) < 0) {
		return -1;
	}
	for (unsigned long long m = 0; !own && m < pl->messages; m++) {
		bench_stream_tag(buf, pl->size, m);
		if (bench_conn_write_all(c, buf, pl->size) < 0)
			return ipc_fail(e, errno == EPIPE ? IPC_PROTOCOL : IPC_SYSTEM, errno,
					"write message %llu to the %s receiver", m, pl->o->t->name);
		if ((m & 1023) == 0)
			bench_progress_tick(pg, m, pl->messages);
	}
	int r = bench_conn_read_exact(c, ack, sizeof *ack);
	if (r != 1)
		return ipc_fail(e, r < 0 && errno ? IPC_SYSTEM : IPC_PROTOCOL, r < 0 ? errno : 0,
				"read the %s receiver's acknowledgement", pl->o->t->name);
	return 0;
}

static int send_marker(int fd, uint64_t what, uint64_t count)
{
	unsigned char m[MARKER_LEN];
	put_le(m, what, 8);
	put_le(m + 8, count, 8);
	while (send(fd, m, sizeof m, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int send_dgrams(struct bench_pair *p, const struct plan *pl, struct ipc_conn *c,
		       unsigned char *buf, struct bench_progress *pg, struct ack *ack,
		       struct ipc_error *e)
{
	const char *name = pl->o->t->name;

	for (unsigned long long m = 0; m < pl->messages; m++) {
		put_le(buf, m, 8);
		while (send(c->wfd, buf, pl->size, MSG_NOSIGNAL) < 0) {
			/* ENOBUFS: the local queue is full for a moment (UDP). */
			if (errno != EINTR && errno != ENOBUFS)
				return ipc_fail(e, IPC_SYSTEM, errno, "send message %llu to the %s "
						"receiver", m, name);
		}
		if ((m & 1023) == 0)
			bench_progress_tick(pg, m, pl->messages);
	}
	/* The end: markers until the ack comes, or the child reports. */
	struct pollfd pfd[2] = { { .fd = c->rfd, .events = POLLIN },
				 { .fd = p->report_fd, .events = POLLIN } };
	for (int i = 0; i < END_TRIES; i++) {
		if (send_marker(c->wfd, MARKER_END, pl->messages) < 0)
			return ipc_fail(e, IPC_SYSTEM, errno, "send the end marker to the %s "
					"receiver", name);
		int r = poll(pfd, 2, 200);
		if (r < 0 && errno != EINTR)
			return ipc_fail(e, IPC_SYSTEM, errno, "poll the %s receiver", name);
		if (r > 0 && pfd[1].revents)
			return ipc_fail(e, IPC_PROTOCOL, 0, "the %s receiver stopped early", name);
		if (r > 0 && pfd[0].revents) {
			ssize_t n = recv(c->rfd, ack, sizeof *ack, MSG_TRUNC | MSG_DONTWAIT);
			if (n == (ssize_t)sizeof *ack)
				return 0;
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				return ipc_fail(e, IPC_SYSTEM, errno, "recv the %s receiver's "
						"acknowledgement", name);
		}
	}
	return ipc_fail(e, IPC_TIMEOUT, 0, "no acknowledgement from the %s receiver", name);
}

/* After a failure on our side, the child usually knows why (it found
 * corrupt data and hung up): prefer its explanation. */
static void fail_pair(struct bench_pair *p, struct ipc_error *e)
{
	struct bench_child_report rep;
	struct ipc_error child_e;
	struct ipc_error ignored;

	if (bench_pair_poll_report(p, 2000, &ignored) == 1 &&
	    bench_pair_finish(p, &rep, &child_e) < 0 && rep.status)
		*e = child_e;
	else
		bench_pair_abort(p);
}

static int check_request(const struct bench_opts *o, struct ipc_error *e)
{
	if (o->size == 0)
		return ipc_fail(e, IPC_USAGE, 0, "throughput needs --size");
	if (bench_copy_check_request(o->copy, o->t, o->size, e) < 0)
		return -1;
	if (o->t->kind == IPC_DATAGRAM) {
		if (o->size > o->t->max_message) {
			ipc_fail(e, IPC_USAGE, 0, "--size %zu: one %s datagram carries at most "
				 "%zu bytes", o->size, o->t->name, o->t->max_message);
			return ipc_hint(e, "use --size %zu or less", o->t->max_message);
		}
		if (o->size < DGRAM_MIN_SIZE)
			return ipc_fail(e, IPC_USAGE, 0, "--size %zu: datagram throughput needs at "
					"least %d bytes, for the sequence number", o->size,
					DGRAM_MIN_SIZE);
	}
	if (o->size > BENCH_MAX_SIZE)
		return ipc_fail(e, IPC_USAGE, 0, "--size %zu: at most %lu bytes", o->size,
				BENCH_MAX_SIZE);
	return 0;
}

static void fill_row(struct bench_result *r, const struct plan *pl, const struct ack *ack,
		     double cpu_us, double ctxsw, uint64_t elapsed_ns)
{
	double s = (double)elapsed_ns / 1e9, mb = (double)ack->bytes / 1e6;

	r->row.size = pl->size;
	r->row.count = pl->messages;
	r->row.mb_per_s = bench_mb_per_s(ack->bytes, elapsed_ns);
	r->row.msgs_per_s = s > 0 ? (double)ack->messages / s : 0;
	r->row.cpu_ms_per_mb = mb > 0 ? cpu_us / 1000.0 / mb : 0;
	r->row.cpu_us_per_op = cpu_us / (double)pl->messages;
	r->row.ctxsw_per_op = ctxsw / (double)pl->messages;
	r->row.lost = ack->lost;
	if (!strcmp(r->pin, "none")) {
		bench_note(r, "UNPINNED");
		bench_warn(pl->o->warn, "throughput %s run unpinned; use --pin A,B for "
			   "comparable figures", pl->o->t->name);
	}
	if (pl->o->no_verify)
		bench_note(r, "UNVERIFIED"); /* asked for: a note, no warning */
	else if (!copy_rungs[pl->copy.rung].seen)
		bench_note(r, "TAGS-ONLY"); /* the body went to /dev/null unseen */
	if (ack->lost) {
		char word[48];
		snprintf(word, sizeof word, "LOSSY lost=%llu", (unsigned long long)ack->lost);
		bench_note(r, word);
		bench_warn(pl->o->warn, "throughput %s: %llu of %llu datagrams lost; MB/s counts "
			   "only what arrived", pl->o->t->name,
			(unsigned long long)ack->lost, pl->messages);
	}
}

/* The notes only a rung above rw has: what the kernel did with its pages. */
static void note_copy(struct bench_result *r, const struct plan *pl,
		      const struct bench_copy_stats *cst, unsigned long long mapped,
		      unsigned long long bytes)
{
	char word[48];
	enum copy_rung rung = pl->copy.rung;

	if ((rung == COPY_SPLICE_HUGE || rung == COPY_SPLICE_SPIN) && !cst->huge) {
		bench_note(r, "NO-HUGE-PAGES");
		bench_warn(pl->o->warn, "throughput %s --copy %s: the kernel gave no huge pages "
			   "(see /sys/kernel/mm/transparent_hugepage)", pl->o->t->name,
			   copy_rungs[rung].name);
	}
	if (cst->zc_sends) {
		snprintf(word, sizeof word, "ZC-COPIED=%.0f%%",
			 100.0 * (double)cst->zc_copied / (double)cst->zc_sends);
		bench_note(r, word); /* sends whose pages the kernel copied after all */
	}
	if (rung == COPY_ZC && bytes) {
		snprintf(word, sizeof word, "ZC-MAPPED=%.0f%%", 100.0 * (double)mapped /
			 (double)bytes);
		bench_note(r, word); /* received bytes mapped rather than read */
	}
}

int bench_throughput(const struct bench_opts *o, struct bench_result *r, struct ipc_error *e)
{
	struct plan pl = { .o = o, .size = o->size, .dgram = o->t->kind == IPC_DATAGRAM };
	struct bench_copy_stats cst = { 0 };
	struct bench_pair p;
	struct bench_progress pg;
	struct bench_usage u0, u1;
	struct bench_child_report rep;
	struct ack ack = { 0 };
	int rc = -1;

	bench_result_init(r, o, "throughput");
	if (check_request(o, e) < 0)
		return -1;
	if (o->copy != COPY_RW) {
		/* pipe-vmsplice; shm-inplace-spin when both sides spin (--wait
		 * spin), as bench_result_init() names shm-spin */
		bool spin = o->t->can_spin && o->ctx && o->ctx->wait == IPC_WAIT_SPIN;
		snprintf(r->transport, sizeof r->transport, "%s-%s%s", o->t->name,
			 copy_rungs[o->copy].name, spin ? "-spin" : "");
		r->row.transport = r->transport;
	}
	unsigned long long total = o->total;
	if (total == 0) {
		total = o->size * BENCH_TPUT_MESSAGES;
		if (total > BENCH_TPUT_MAX_TOTAL)
			total = BENCH_TPUT_MAX_TOTAL;
	}
	pl.messages = total / o->size ? total / o->size : 1;
	pl.pattern = bench_alloc_pages(o->size);
	unsigned char *buf = bench_alloc_pages(o->size);
	if (!pl.pattern || !buf) {
		ipc_fail(e, IPC_SYSTEM, ENOMEM, "two buffers of %zu bytes", o->size);
		goto out;
	}
	bench_pattern_fill(pl.pattern, o->size);
	memcpy(buf, pl.pattern, o->size);
	pl.copy = (struct bench_copy_plan){ .rung = o->copy, .name = o->t->name, .size = o->size,
					    .messages = pl.messages, .pattern = pl.pattern,
					    .verify = !o->no_verify };

	if (bench_pair_start(&p, o, true, receiver, &pl, e) < 0)
		goto out;
	if (bench_copy_check_fd(o->copy, o->t->name, p.c.wfd, e) < 0) {
		fail_pair(&p, e); /* the child refuses too, and cleans up as it stops */
		goto out;
	}
	if (!pl.dgram && o->t->inplace && warm_ring_send(&pl, &p.c, e) < 0) {
		fail_pair(&p, e);
		goto out;
	}
	if (bench_copy_prepare(&pl.copy, p.c.wfd, &cst, e) < 0) { /* before the clock */
		fail_pair(&p, e);
		goto out;
	}
	bench_progress_start(&pg, o, "throughput %s %zu B x %llu", o->t->name, o->size,
			     pl.messages);
	if (bench_usage_now(&u0, e) < 0) {
		bench_pair_abort(&p);
		goto out;
	}
	uint64_t t0 = bench_now_ns();
	int sent = pl.dgram ? send_dgrams(&p, &pl, &p.c, buf, &pg, &ack, e)
			    : send_stream(&pl, &p.c, buf, &pg, &ack, &cst, e);
	uint64_t t1 = bench_now_ns();
	if (sent < 0 || bench_usage_now(&u1, e) < 0) {
		fail_pair(&p, e);
		goto out;
	}
	bench_progress_end(&pg);
	if (pl.dgram)
		send_marker(p.c.wfd, MARKER_BYE, 0); /* lost or not, the child stops soon */
	if (bench_pair_finish(&p, &rep, e) < 0)
		goto out;
	if (ack.bytes != rep.bytes || ack.messages != rep.messages || ack.lost != rep.lost) {
		ipc_fail(e, IPC_PROTOCOL, 0, "the %s receiver's acknowledgement does not match "
			 "its report", o->t->name);
		goto out;
	}
	if (!pl.dgram && ack.bytes != pl.messages * pl.size) {
		ipc_fail(e, IPC_PROTOCOL, 0, "the %s receiver acknowledged %llu of %llu bytes",
			 o->t->name, (unsigned long long)ack.bytes, pl.messages * pl.size);
		goto out;
	}
	fill_row(r, &pl, &ack, u1.cpu_us - u0.cpu_us + rep.cpu_us, u1.ctxsw - u0.ctxsw + rep.ctxsw,
		 t1 - t0);
	note_copy(r, &pl, &cst, rep.mapped, ack.bytes);
	rc = 0;
out:
	bench_copy_release(&cst); /* the pair is finished or gone: no page is lent */
	free(pl.pattern);
	free(buf);
	return rc;
}
