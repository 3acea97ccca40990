/*
 * findings_uring_zmq.c - the two questions people ask of a request/reply
 * design, answered from the run: is an io_uring server faster than an
 * epoll one (and than redis-server), and why; what does ZeroMQ cost on top
 * of the socket it runs on, per message and per byte.
 *
 * Every comparison goes by the figures' intervals over the run's rounds
 * (run_row_figure, or the rounds by turns of the scaling step): a ratio is
 * stated only where the two intervals are apart, "tied" where they
 * overlap, and a figure measured once is given with its ratio and said to
 * have no interval.  perf's counts of the servers are single measurements:
 * they are given as measured, and the Why follows their direction.
 */
#include "findings_uring_zmq.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

/* "20,000 greetings/s (19,000–21,000 over 3 rounds)"; unit false: the
 * figure alone, for the second of two figures of the same unit. */
static const char *fig_text(const struct figure *f, bool unit, char *buf, size_t cap)
{
	int digits = !strcmp(f->unit, "µs") ? 1 : 0;
	int n = snprintf(buf, cap, "%.*f%s%s", digits, f->value, unit ? " " : "", unit ? f->unit : "");
	if (f->rounds > 1 && n >= 0 && (size_t)n < cap)
		snprintf(buf + n, cap - (size_t)n, " (%.*f–%.*f over %u rounds)", digits, f->lo,
			 digits, f->hi, f->rounds);
	return buf;
}

const char *uring_zmq_versus(const struct figure *a, const struct figure *b, const char *whose,
			     char *buf, size_t cap)
{
	char fb[96];
	fig_text(b, false, fb, sizeof fb);
	if (a->rounds < 2 || b->rounds < 2)
		snprintf(buf, cap, "%.2f× %s %s (a single round: no interval, so no verdict)",
			 a->value / b->value, whose, fb);
	else if (a->lo > b->hi || a->hi < b->lo)
		/* The ratio's interval: the furthest the two intervals allow. */
		snprintf(buf, cap, "%.2f× (%.2f–%.2f) %s %s", a->value / b->value, a->lo / b->hi,
			 a->hi / b->lo, whose, fb);
	else
		snprintf(buf, cap, "tied with %s %s (the intervals overlap)", whose, fb);
	return buf;
}

/* ---- the servers ------------------------------------------------------ */

/* A server's greetings/s at one client count over the runs by turns (the
 * run model groups them: run_find_turns): the median, lowest and highest.
 * rounds 0: none. */
static struct figure turns_figure(const struct run *run, const char *t, const char *mode,
				  unsigned long clients)
{
	const struct run_row *row = run_find_turns(run, t, mode, clients);
	if (!row) {
		struct figure none = { .higher_is_better = true, .unit = "greetings/s" };
		return none;
	}
	return run_row_figure(row);
}

static const unsigned long turn_clients[] = { 1, 50, 1000 };
static const char *const stream_t[] = { "unix_stream", "tcp" };

static void server_finding(const struct run *run, FILE *out, const char *t)
{
	bool any = false;
	char a[128], e[256], r[256];
	for (size_t j = 0; j < 3; j++) {
		struct figure u = turns_figure(run, t, "uring", turn_clients[j]);
		struct figure ep = turns_figure(run, t, "epoll", turn_clients[j]);
		struct figure rd = turns_figure(run, t, "redis", turn_clients[j]);
		if (!u.rounds || (!ep.rounds && !rd.rounds))
			continue;
		if (!any)
			fprintf(out, "- **The io_uring server, %s** (greetings a second, median of the "
				"runs by turns, lowest–highest):", t);
		fprintf(out, "%s at %lu client%s, uring %s", any ? ";" : "", turn_clients[j],
			turn_clients[j] > 1 ? "s" : "", fig_text(&u, true, a, sizeof a));
		if (ep.rounds)
			fprintf(out, ", %s", uring_zmq_versus(&u, &ep, "epoll's", e, sizeof e));
		if (rd.rounds)
			fprintf(out, ", %s", uring_zmq_versus(&u, &rd, "redis-server's PINGs/s", r,
							      sizeof r));
		any = true;
	}
	if (any)
		fputs(".  Both ipclab servers are one thread; epoll asks which sockets are "
		      "ready and then reads and writes each itself, the ring has the kernel do "
		      "the receives and sends it queued and reports their completions.\n", out);
}

static const struct server_count *counted(const struct run *run, const char *t, const char *mode,
					  unsigned long clients)
{
	for (size_t i = 0; i < run->ncounted; i++) {
		const struct server_count *c = &run->counted[i];
		if (!strcmp(c->transport, t) && !strcmp(c->mode, mode) && c->clients == clients &&
		    c->greetings)
			return c;
	}
	return NULL;
}

static void per_greeting(FILE *out, const struct server_count *c)
{
	double g = (double)c->greetings;
	fprintf(out, "%s %.2f system calls, %.2f context switches and %.1f µs of CPU", c->mode,
		c->syscalls / g, c->ctxsw / g, c->task_ms * 1000 / g);
}

/* perf's counts of the epoll and uring servers during one load each: the
 * mechanism, measured.  The Why follows which way the counts went. */
static void cost_finding(const struct run *run, FILE *out, const char *t)
{
	for (size_t j = 1; j < 3; j++) {
		const struct server_count *e = counted(run, t, "epoll", turn_clients[j]);
		const struct server_count *u = counted(run, t, "uring", turn_clients[j]);
		if (!e || !u || isnan(e->syscalls) || isnan(u->syscalls) || isnan(e->task_ms) ||
		    isnan(u->task_ms) || isnan(e->ctxsw) || isnan(u->ctxsw))
			continue;
		double es = e->syscalls / e->greetings, us = u->syscalls / u->greetings;
		double ec = e->task_ms / e->greetings, uc = u->task_ms / u->greetings;
		double ew = e->ctxsw / e->greetings, uw = u->ctxsw / u->greetings;
		fprintf(out, "- **What each server did per greeting, %s, %lu clients** (perf stat "
			"on the server during one load of %lu and %lu greetings): ", t,
			turn_clients[j], e->greetings, u->greetings);
		per_greeting(out, e);
		fputs("; ", out);
		per_greeting(out, u);
		fputs(".  Why: ", out);
		if (us < es * 0.75)
			fprintf(out, "the ring made %.1f× fewer system calls, since one io_uring_enter() "
				"submits and reaps a batch of receives and sends", es / us);
		else
			fputs("the ring made about as many system calls as epoll: its batches were "
			      "small", out);
		if (uc > ec * 0.9)
			fputs(", yet its CPU per greeting was no lower: the work of a greeting, "
			      "copying its bytes and waking its client, is in the kernel either "
			      "way, and a system call's entry and exit is a small part of it", out);
		else
			fputs(", and its CPU per greeting was lower by more than a tenth", out);
		/* Woken: a ratio only where epoll's count is not next to nothing
		 * (0.38 against 0.0003 a greeting is no "1112×" anyone can use). */
		if (uw > ew * 1.5 && ew >= 0.01)
			fprintf(out, "; the ring's server was woken %.1f× as often, because it waits "
				"for the first completion while epoll finds many clients ready at "
				"each wait", uw / ew);
		else if (uw > ew * 1.5 && uw >= 0.01)
			fprintf(out, "; the ring's server was woken %.2f times a greeting and epoll's "
				"almost never (%.4f), because the ring waits for the first completion "
				"while epoll finds many clients ready at each wait", uw, ew);
		fputs(".\n", out);
	}
}

/* ---- the client's round trip through the ring ---------------------------- */

static void ring_trip_finding(const struct run *run, FILE *out)
{
	static const char *const T[] = { "unix_stream", "tcp", "pipe" };
	const char *pins[2] = { run->same, run->cross };
	char pl[48], name[48], a[128], v[256];
	for (size_t j = 0; j < 2; j++) {
		bool any = false;
		if (!pins[j][0])
			continue;
		for (size_t i = 0; i < 3; i++) {
			snprintf(name, sizeof name, "%s-uring", T[i]);
			const struct run_row *u = run_find(run, "latency", name, "greeting", pins[j], 0);
			const struct run_row *rw = run_find(run, "latency", T[i], "greeting", pins[j], 0);
			if (!u || !rw || !(u->r.lat_us.p50 > 0) || !(rw->r.lat_us.p50 > 0))
				continue;
			struct figure fu = run_row_figure(u), fr = run_row_figure(rw);
			if (!any)
				fprintf(out, "- **A round trip through io_uring, %s** (`bench latency "
					"--io uring`, greeting p50):", placement_name(pins[j], pl, sizeof pl));
			fprintf(out, "%s %s %s, %s", any ? ";" : "", T[i], fig_text(&fu, true, a, sizeof a),
				uring_zmq_versus(&fu, &fr, "read/write's", v, sizeof v));
			any = true;
		}
		if (any)
			fprintf(out, ".  Why: the ring puts the write and the read into one "
				"io_uring_enter(), one system call instead of two, and adds its own "
				"queue work on both sides%s.\n", j ? "; across two CPUs the round "
				"trip is mostly the wake-up of the other side, which neither way "
				"saves" : "");
	}
}

/* ---- ZeroMQ against its socket -------------------------------------------- */

static const char *const zmq_pair[][2] = { { "zmq_ipc", "unix_stream" }, { "zmq_tcp", "tcp" } };

static void zmq_message_finding(const struct run *run, FILE *out)
{
	const char *pins[2] = { run->same, run->cross };
	char pl[48], a[128], v[256];
	for (size_t j = 0; j < 2; j++) {
		bool any = false;
		if (!pins[j][0])
			continue;
		for (size_t i = 0; i < 2; i++) {
			const struct run_row *z = run_find(run, "latency", zmq_pair[i][0], "greeting",
							   pins[j], 0);
			const struct run_row *s = run_find(run, "latency", zmq_pair[i][1], "greeting",
							   pins[j], 0);
			if (!z || !s || !(z->r.lat_us.p50 > 0) || !(s->r.lat_us.p50 > 0))
				continue;
			struct figure fz = run_row_figure(z), fs = run_row_figure(s);
			char whose[48];
			snprintf(whose, sizeof whose, "%s's", zmq_pair[i][1]);
			if (!any)
				fprintf(out, "- **ZeroMQ's price per message, %s** (greeting round "
					"trip, p50):", placement_name(pins[j], pl, sizeof pl));
			fprintf(out, "%s %s %s, %s", any ? ";" : "", zmq_pair[i][0],
				fig_text(&fz, true, a, sizeof a), uring_zmq_versus(&fz, &fs, whose, v, sizeof v));
			if (z->r.cpu_us_per_op > 0 && s->r.cpu_us_per_op > 0)
				fprintf(out, ", with %.1f against %.1f µs of CPU a round trip",
					z->r.cpu_us_per_op, s->r.cpu_us_per_op);
			any = true;
		}
		if (any)
			fputs(".  Why: on each side a message goes through ZeroMQ's queue to its "
			      "I/O thread, which does the socket's system calls, so every message "
			      "adds a thread hand-off at each end.\n", out);
	}
}

static void zmq_byte_finding(const struct run *run, FILE *out)
{
	static const unsigned long sizes[] = { 65536, 1048576 };
	const char *pin = run->cross[0] ? run->cross : run->same;
	char pl[48], sz[24], a[128], v[256];
	bool any = false;
	if (!pin[0])
		return;
	for (size_t i = 0; i < 2; i++)
		for (size_t k = 0; k < 2; k++) {
			const struct run_row *z = run_find_tp(run, zmq_pair[i][0], pin, sizes[k], false);
			const struct run_row *s = run_find_tp(run, zmq_pair[i][1], pin, sizes[k], false);
			if (!z || !s || !(z->r.mb_per_s > 0) || !(s->r.mb_per_s > 0))
				continue;
			struct figure fz = run_row_figure(z), fs = run_row_figure(s);
			char whose[48];
			snprintf(whose, sizeof whose, "%s's", zmq_pair[i][1]);
			if (!any)
				fprintf(out, "- **ZeroMQ's price per byte, %s** (checked throughput, "
					"median round):", placement_name(pin, pl, sizeof pl));
			fprintf(out, "%s %s in %s messages %s, %s", any ? ";" : "", zmq_pair[i][0],
				size_name(sizes[k], sz, sizeof sz), fig_text(&fz, true, a, sizeof a),
				uring_zmq_versus(&fz, &fs, whose, v, sizeof v));
			if (z->r.cpu_ms_per_mb > 0 && s->r.cpu_ms_per_mb > 0)
				fprintf(out, ", at %.1f× its CPU per megabyte",
					z->r.cpu_ms_per_mb / s->r.cpu_ms_per_mb);
			any = true;
		}
	if (any)
		fputs(".  Why: ZeroMQ copies each message into a message of its own and "
		      "hands it to its I/O thread, which writes it to the socket; the other "
		      "side's I/O thread reads it and queues it for the reader: more copies "
		      "and thread hand-offs per byte than one write() and one read().\n", out);
}

void uring_zmq_findings(const struct run *run, FILE *out)
{
	for (size_t i = 0; i < 2; i++) {
		server_finding(run, out, stream_t[i]);
		cost_finding(run, out, stream_t[i]);
	}
	ring_trip_finding(run, out);
	zmq_message_finding(run, out);
	zmq_byte_finding(run, out);
}
