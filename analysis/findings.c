/*
 * findings.c - summary.md: the Findings first, each computed from this
 * run's rows and stated with its mechanism in one plain sentence, then the
 * tables they come from.  No finding is fixed text: which transport is
 * fastest, by how much, where a curve bends, all come from the numbers.
 */
#include "findings_uring_zmq.h"
#include "busy_finding.h"
#include "ladder.h"
#include "modes.h"
#include "run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXT 16

/* ---- figures with their intervals --------------------------------------- */

/* A grouped row with the figure it is judged by (run_row_figure). */
struct judged {
	const struct run_row *row;
	struct figure f;
};

/* An interval needs rounds: a single round gives a point, no spread. */
static bool has_interval(const struct figure *f)
{
	return f->rounds > 1;
}

/* a is better than b beyond the noise: both have intervals, and they do
 * not overlap (the rounds' ranges; run.c says why the range). */
static bool apart(const struct figure *a, const struct figure *b)
{
	if (!has_interval(a) || !has_interval(b))
		return false;
	return a->higher_is_better ? a->lo > b->hi : a->hi < b->lo;
}

/* The figure, and its rounds' range where it has one: "12.5 µs (12.1–13.0)". */
static void fig_text(FILE *out, const struct figure *f, int prec)
{
	fprintf(out, "%.*f %s", prec, f->value, f->unit);
	if (has_interval(f))
		fprintf(out, " (%.*f–%.*f)", prec, f->lo, prec, f->hi);
}

/* a / b with its interval: the ratio of the medians, between the lowest
 * and the highest ratio the two ranges allow. */
static void ratio_of(const struct figure *a, const struct figure *b, double *r, double *lo,
		     double *hi)
{
	*r = a->value / b->value;
	*lo = b->hi > 0 ? a->lo / b->hi : NAN;
	*hi = b->lo > 0 ? a->hi / b->lo : NAN;
}

static void ratio_text(FILE *out, const struct figure *a, const struct figure *b)
{
	double r, lo, hi;
	ratio_of(a, b, &r, &lo, &hi);
	fprintf(out, "%.1f×", r);
	if (has_interval(a) && has_interval(b))
		fprintf(out, " (%.1f–%.1f)", lo, hi);
}

static bool note_has(const struct run_row *r, const char *word)
{
	return strstr(r->r.note, word) != NULL;
}

/* Best first: lower µs, higher MB/s; ties in the registry's order. */
static void sort_judged(struct judged *c, size_t n)
{
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0; b--) {
			const struct figure *x = &c[b - 1].f, *y = &c[b].f;
			bool swap = x->higher_is_better ? y->value > x->value : y->value < x->value;
			if (!swap)
				break;
			struct judged t = c[b];
			c[b] = c[b - 1];
			c[b - 1] = t;
		}
}

/* The group tied for first within the noise: every candidate not apart
 * from the best (c[0]), in order, into g; how many.  A candidate with a
 * wide interval can overlap the best while one before it does not: it is
 * in the group all the same. */
static size_t lead_group(const struct judged *c, size_t n, const struct judged **g)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || !apart(&c[0].f, &c[i].f))
			g[k++] = &c[i];
	return k;
}

/* The same at the other end: every candidate the last is not apart from,
 * in order (the last, the worst, last). */
static size_t tail_group(const struct judged *c, size_t n, const struct judged **g)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (i == n - 1 || !apart(&c[i].f, &c[n - 1].f))
			g[k++] = &c[i];
	return k;
}

static void names(FILE *out, const struct judged *const *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? (i + 1 == n ? " and " : ", ") : "", g[i]->row->r.transport);
}

/* The transports whose messages stay in the Unix domain (a pipe, a
 * socket's buffer, a queue) against those that take the IP stack. */
static bool local_kernel(const char *t)
{
	static const char *const L[] = { "pipe", "fifo", "unix_stream", "unix_dgram", "socketpair" };
	for (size_t i = 0; i < sizeof L / sizeof L[0]; i++)
		if (!strcmp(L[i], t))
			return true;
	return false;
}

static bool over_ip(const char *t)
{
	return !strcmp(t, "tcp") || !strcmp(t, "udp");
}

static bool all_of(const struct judged *const *g, size_t n, bool (*is)(const char *))
{
	for (size_t i = 0; i < n; i++)
		if (!is(g[i]->row->r.transport))
			return false;
	return true;
}

/* Why the leading group beats the trailing one, where a difference in
 * mechanism between them explains it in that direction; NULL otherwise (no
 * Why is better than one that does not fit). */
static const char *rank_why(const struct judged *const *lead, size_t nl,
			    const struct judged *const *tail, size_t nt, bool bulk)
{
	if (all_of(lead, nl, local_kernel) && all_of(tail, nt, over_ip))
		return bulk ? "the Unix-domain transports copy the bytes into one kernel buffer and "
			      "out again; loopback TCP and UDP also pass every segment or datagram "
			      "through the IP stack on the way down and up"
			    : "the Unix-domain transports hand a message to the peer through one "
			      "kernel buffer; loopback TCP and UDP take every message down and up "
			      "the IP stack, headers, checksums and the socket lookup included";
	return NULL;
}

/* Rows that feed no ranking silently: a row on two levels is left out
 * (its p50 blends two regimes), one with a long tail is named. */
static void flagged_words(FILE *out, const struct judged *c, size_t n, const struct run_row *const *two,
			  size_t ntwo)
{
	bool any = false;
	for (size_t i = 0; i < n; i++)
		if (note_has(c[i].row, "HIGH-SPREAD")) {
			fprintf(out, "%s%s", any ? ", " : "  HIGH-SPREAD (p99 over 3× p50) among them: ",
				c[i].row->r.transport);
			any = true;
		}
	if (any)
		fputc('.', out);
	for (size_t i = 0; i < ntwo; i++)
		fprintf(out, "%s%s%s", i ? ", " : "  Left out of the ranking, a run on two levels "
			"(TWO-LEVEL: its p50 blends both): ", two[i]->r.transport,
			i + 1 == ntwo ? "." : "");
}

/* The ranking of c (n >= 2, sorted best first), said only as far as the
 * intervals allow: a single leader, or the group tied for first within the
 * noise; the same at the other end; everything tied when the two ends are
 * not apart. */
static void rank_text(FILE *out, const struct judged *c, size_t n, const char *best_is,
		      const char *best, const char *worst, const char *ratio_before,
		      const char *ratio_after, int prec, bool bulk)
{
	if (!has_interval(&c[0].f) || !has_interval(&c[n - 1].f)) {
		fputs("one round each, so no interval and no ranking: from ", out);
		fig_text(out, &c[0].f, prec);
		fprintf(out, " (%s) to ", c[0].row->r.transport);
		fig_text(out, &c[n - 1].f, prec);
		fprintf(out, " (%s).", c[n - 1].row->r.transport);
		return;
	}
	if (!apart(&c[0].f, &c[n - 1].f)) {
		fprintf(out, "all %zu tied within the noise: from ", n);
		fig_text(out, &c[0].f, prec);
		fprintf(out, " (%s) to ", c[0].row->r.transport);
		fig_text(out, &c[n - 1].f, prec);
		fprintf(out, " (%s), the rounds' ranges of the two ends overlapping.",
			c[n - 1].row->r.transport);
		return;
	}
	const struct judged *lead[MAXT], *tail[MAXT];
	size_t nl = lead_group(c, n, lead), nt = tail_group(c, n, tail);
	names(out, lead, nl);
	if (nl == 1) {
		fprintf(out, " %s, ", best_is);
		fig_text(out, &c[0].f, prec);
	} else {
		fprintf(out, " are tied for %s within the noise, ", best);
		fig_text(out, &lead[0]->f, prec);
		fputs(" to ", out);
		fig_text(out, &lead[nl - 1]->f, prec);
	}
	fputs("; ", out);
	names(out, tail, nt);
	if (nt == 1) {
		fprintf(out, " %s, ", worst);
		fig_text(out, &c[n - 1].f, prec);
	} else {
		fprintf(out, " tied for %s, ", worst);
		fig_text(out, &tail[0]->f, prec);
		fputs(" to ", out);
		fig_text(out, &tail[nt - 1]->f, prec);
	}
	fprintf(out, ": %s", ratio_before);
	if (c[0].f.higher_is_better)
		ratio_text(out, &c[0].f, &c[n - 1].f);
	else
		ratio_text(out, &c[n - 1].f, &c[0].f);
	fprintf(out, " %s (the interval from the rounds' ranges).", ratio_after);
	const char *why = rank_why(lead, nl, tail, nt, bulk);
	if (why)
		fprintf(out, "  Why: %s.", why);
}

/* What the kernel does at the size where a throughput curve bends, where a
 * mechanism of that transport explains it; NULL where none does. */
static const char *bend_why(unsigned long below, unsigned long above, const char *t)
{
	bool pipe = !strcmp(t, "pipe") || !strcmp(t, "fifo");
	if (pipe && above > 65536)
		return "a message larger than the pipe's 64 KiB cannot be written at once: the writer sleeps in the middle of every write until the reader makes room";
	if (pipe && below < 65536 && above >= 65536)
		return "a pipe holds 64 KiB: a message this large fills it, so the writer sleeps until the reader has emptied it, once per message";
	if (pipe && below <= 4096 && above > 4096)
		return "a pipe buffer slot is one 4 KiB page and only writes up to PIPE_BUF (4096 B) are atomic: a larger message spans several slots and wakes the reader more than once";
	if (!strcmp(t, "unix_dgram") && above > 4096)
		return "each datagram of more than a page needs its own large kernel buffer, and the receiver's queue (about 208 KiB) holds only a few of them, so the sender waits more often";
	if (pipe)
		return "a message of several pages keeps the reader waking while the writer still copies: the two sides take turns page by page instead of running side by side";
	if (above > 212992 && (!strcmp(t, "unix_stream") || !strcmp(t, "socketpair") ||
			       !strcmp(t, "tcp")))
		return "a socket's default buffer is 208 KiB (net.core.wmem_default): a message larger than that cannot be queued whole, so the sender waits in the middle of every write";
	return NULL; /* no mechanism we know of fits: no Why */
}

static size_t transports(const char **names)
{
	return run_transports(names, MAXT);
}

/* The multimodal greeting rows at a placement, for a word in the ranking. */
static size_t modes_of(const struct run *run, const char *pin, const char *t,
		       struct stats_mode *m, size_t cap);

/* The candidates for a ranking at one placement: the greeting rows, or the
 * bulk rows; a row on two levels set apart in two[]. */
static size_t small_candidates(const struct run *run, const char *pin, struct judged *c,
			       const struct run_row **two, size_t *ntwo)
{
	const char *T[MAXT];
	size_t nt = transports(T), n = 0;
	*ntwo = 0;
	for (size_t i = 0; i < nt; i++) {
		const struct run_row *r = run_find(run, "latency", T[i], "greeting", pin, 0);
		if (!r || !(r->r.lat_us.p50 > 0))
			continue;
		if (note_has(r, "TWO-LEVEL"))
			two[(*ntwo)++] = r;
		else
			c[n++] = (struct judged){ r, run_row_figure(r) };
	}
	sort_judged(c, n);
	return n;
}

/* The greeting round trips at one placement, ranked as far as the rounds
 * allow. */
static void small_finding(const struct run *run, FILE *out, const char *pin)
{
	struct judged c[MAXT];
	const struct run_row *two[MAXT];
	size_t ntwo, n = small_candidates(run, pin, c, two, &ntwo);
	char pl[48];

	if (n < 2)
		return;
	fprintf(out, "- **Small messages, %s** (greeting round trip, p50 of the median round, "
		"the rounds' range in brackets): ", placement_name(pin, pl, sizeof pl));
	rank_text(out, c, n, "is fastest", "fastest", "slowest", "the slowest took ",
		  "as long as the fastest", 1, false);
	flagged_words(out, c, n, two, ntwo);
	for (size_t i = 0; i < n; i++) {
		struct stats_mode m[4];
		size_t nm = modes_of(run, pin, c[i].row->r.transport, m, 4);
		if (nm > 1)
			fprintf(out, "  %s's round trips gather in %zu modes (below): one p50 does not "
				"describe them.", c[i].row->r.transport, nm);
	}
	fputc('\n', out);
}

/* The largest size every transport ran at one placement: 64 KiB, or a
 * datagram transport's limit below it. */
static const struct run_row *bulk_row(const struct run *run, const char *t, const char *pin)
{
	const struct run_row *pick = NULL;
	for (size_t i = 0; i < run->nrows; i++) {
		const struct result_row *r = &run->rows[i].r;
		if (strcmp(r->kind, "throughput") || strcmp(r->transport, t) || strcmp(r->pin, pin) ||
		    row_unverified(r) || r->size > 65536)
			continue;
		if (!pick || r->size > pick->r.size)
			pick = &run->rows[i];
	}
	return pick && pick->r.size >= 16384 ? pick : NULL;
}

static void bulk_finding(const struct run *run, FILE *out, const char *pin)
{
	const char *T[MAXT];
	size_t nt = transports(T), n = 0, ntwo = 0;
	struct judged c[MAXT];
	const struct run_row *two[MAXT];
	const char *lossy = NULL;
	char pl[48];

	for (size_t i = 0; i < nt; i++) {
		const struct run_row *r = bulk_row(run, T[i], pin);
		if (!r || !(r->r.mb_per_s > 0))
			continue;
		if (r->r.lost) { /* it did not deliver what it sent: no rank */
			lossy = T[i];
			continue;
		}
		if (note_has(r, "TWO-LEVEL"))
			two[ntwo++] = r;
		else
			c[n++] = (struct judged){ r, run_row_figure(r) };
	}
	if (n < 2)
		return;
	sort_judged(c, n);
	fprintf(out, "- **Bulk data, %s** (MB/s of the median round at the largest size each "
		"ran up to 64 KiB, the rounds' range in brackets): ",
		placement_name(pin, pl, sizeof pl));
	rank_text(out, c, n, "moves the most", "the most", "the least", "the most is ",
		  "the least", 0, true);
	flagged_words(out, c, n, two, ntwo);
	fputc('\n', out);
	if (lossy)
		fprintf(out, "  (%s is left out of this ranking: it lost datagrams there, so its "
			"rate is not what it delivered.)\n", lossy);
}

/* One transport's greeting across CPUs over on one CPU, with its interval. */
struct moved {
	const char *t;
	double r, lo, hi;
	bool interval;
};

static void moved_list(FILE *out, const struct moved *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s%s ×%.2g", i ? ", " : "", m[i].t, m[i].r);
		if (m[i].interval)
			fprintf(out, " (%.2g–%.2g)", m[i].lo, m[i].hi);
	}
}

/* From one CPU to two, per transport: longer, shorter, or no change beyond
 * the noise; the wake-up across CPUs explains the longer ones only. */
static void placement_finding(const struct run *run, FILE *out)
{
	const char *T[MAXT];
	size_t nt = transports(T), nup = 0, ndown = 0, nsame = 0, ntwo = 0;
	struct moved up[MAXT], down[MAXT], same[MAXT];
	const char *two[MAXT];
	bool points = false;

	if (!run->same[0] || !run->cross[0])
		return;
	for (size_t i = 0; i < nt; i++) {
		const struct run_row *a = run_find(run, "latency", T[i], "greeting", run->same, 0);
		const struct run_row *b = run_find(run, "latency", T[i], "greeting", run->cross, 0);
		if (!a || !b || !(a->r.lat_us.p50 > 0) || !(b->r.lat_us.p50 > 0))
			continue;
		if (note_has(a, "TWO-LEVEL") || note_has(b, "TWO-LEVEL")) {
			two[ntwo++] = T[i];
			continue;
		}
		struct figure fa = run_row_figure(a), fb = run_row_figure(b);
		struct moved m = { .t = T[i], .interval = has_interval(&fa) && has_interval(&fb) };
		ratio_of(&fb, &fa, &m.r, &m.lo, &m.hi);
		points |= !m.interval;
		if (m.interval ? m.lo > 1 : m.r > 1)
			up[nup++] = m;
		else if (m.interval ? m.hi < 1 : m.r < 1)
			down[ndown++] = m;
		else
			same[nsame++] = m;
	}
	if (!nup && !ndown && !nsame)
		return;
	fputs("- **Placement:** moving client and server from one CPU to two multiplied the "
	      "greeting round trip (p50 across CPUs over p50 on one", out);
	fputs(points ? "; one round each, no interval" : ", interval from the rounds' ranges", out);
	fputs("):", out);
	if (nup) {
		fputs(" longer for ", out);
		moved_list(out, up, nup);
	}
	if (ndown) {
		fprintf(out, "%s shorter for ", nup ? ";" : "");
		moved_list(out, down, ndown);
	}
	if (nsame) {
		fprintf(out, "%s no change beyond the noise for ", nup || ndown ? ";" : "");
		moved_list(out, same, nsame);
	}
	fputc('.', out);
	for (size_t i = 0; i < ntwo; i++)
		fprintf(out, "%s%s%s", i ? ", " : "  Left out, a run on two levels at either "
			"placement (TWO-LEVEL): ", two[i], i + 1 == ntwo ? "." : "");
	if (nup)
		fputs("  Why (the longer ones): on one CPU a blocking read hands the CPU straight to "
		      "the other process; across CPUs the sleeping process must be woken on its own "
		      "CPU by an interrupt from the other.", out);
	fputc('\n', out);
	if (run_idle_halts(run))
		fprintf(out, "- **Idle CPUs halt on this machine** (cpuidle: %s): an idle virtual "
			"CPU gives its time back to the hypervisor at once, and waking it costs "
			"tens of microseconds.  So the two-CPU figures measure that wake-up more "
			"than the transport; compare transports on one CPU.\n",
			run_env(run, "cpuidle"));
}

static void cost_finding(const struct run *run, FILE *out)
{
	const char *T[MAXT];
	size_t nt = transports(T);
	const struct run_row *lo = NULL, *hi = NULL;
	double sw_lo = INFINITY, sw_hi = 0;
	const char *pin = run->same[0] ? run->same : run->cross;
	char pl[48];

	for (size_t i = 0; i < nt; i++) {
		const struct run_row *r = run_find(run, "latency", T[i], "greeting", pin, 0);
		if (!r || !(r->r.cpu_us_per_op > 0))
			continue;
		if (!lo || r->r.cpu_us_per_op < lo->r.cpu_us_per_op)
			lo = r;
		if (!hi || r->r.cpu_us_per_op > hi->r.cpu_us_per_op)
			hi = r;
		sw_lo = fmin(sw_lo, r->r.ctxsw_per_op);
		sw_hi = fmax(sw_hi, r->r.ctxsw_per_op);
	}
	if (!lo)
		return;
	fprintf(out, "- **Cost per message (%s):** a greeting round trip took %.1f µs of CPU "
		"time (%s) to %.1f µs (%s), both processes together, and %.1f to %.1f context "
		"switches.  Why: each side blocks once per round trip waiting for the other, so "
		"two switches is the least a blocking round trip costs; the CPU time is the "
		"system calls and the wake-ups, not the greeting's few bytes.\n",
		placement_name(pin, pl, sizeof pl), lo->r.cpu_us_per_op, lo->r.transport,
		hi->r.cpu_us_per_op, hi->r.transport, sw_lo, sw_hi);
}

/* Where a transport's throughput curve (main placement, checked) peaks and
 * where it falls to under 70 % of that peak. */
static void bend_finding(const struct run *run, FILE *out, const char *pin)
{
	const char *T[MAXT];
	size_t nt = transports(T);
	bool any = false;

	for (size_t i = 0; i < nt; i++) {
		const struct run_row *pts[64];
		size_t n = run_curve(run, T[i], pin, pts, 64), peak, fall;
		if (!run_bend(pts, n, &peak, &fall))
			continue;
		char s1[24], s2[24];
		if (!any) {
			fprintf(out, "- **Where the throughput curves bend (%s):**\n",
				placement_name(pin, s1, sizeof s1));
			any = true;
		}
		size_t lossy = 0;
		for (size_t k = 0; k < n; k++)
			lossy += pts[k]->r.lost > 0;
		if (lossy * 2 > n) {
			fprintf(out, "  - %s lost datagrams at %zu of its %zu sizes, so its curve shows "
				"what arrived, not what the sender managed (see the loss below).\n",
				T[i], lossy, n);
		} else if (fall) {
			struct figure fp = run_row_figure(pts[peak]), ff = run_row_figure(pts[fall]);
			const char *why = bend_why(pts[fall - 1]->r.size, pts[fall]->r.size, T[i]);
			fprintf(out, "  - %s peaks at ", T[i]);
			fig_text(out, &fp, 0);
			fprintf(out, " with %s messages and falls to ",
				size_name(pts[peak]->r.size, s1, sizeof s1));
			fig_text(out, &ff, 0);
			fprintf(out, " at %s.", size_name(pts[fall]->r.size, s2, sizeof s2));
			if (why)
				fprintf(out, "  Why: %s.", why);
			fputc('\n', out);
		} else {
			fprintf(out, "  - %s rises from %.0f MB/s (%s) to %.0f MB/s (%s)%s.  Why: for "
				"small messages the fixed cost of a system call on each side "
				"dominates; for large ones, copying the bytes does.\n", T[i],
				pts[0]->r.mb_per_s, size_name(pts[0]->r.size, s1, sizeof s1),
				pts[peak]->r.mb_per_s, size_name(pts[peak]->r.size, s2, sizeof s2),
				peak + 1 == n ? ", its largest size" : " and stays within 70 % of that");
		}
	}
}

static void loss_finding(const struct run *run, FILE *out)
{
	const char *T[MAXT];
	size_t nt = transports(T);

	for (size_t i = 0; i < nt; i++) {
		const struct ipc_transport *tr = ipc_transport_find(T[i]);
		if (!tr || tr->kind != IPC_DATAGRAM)
			continue;
		unsigned long long sent = 0, lost = 0;
		const struct run_row *worst = NULL;
		for (size_t k = 0; k < run->nrows; k++) {
			const struct result_row *r = &run->rows[k].r;
			if (strcmp(r->kind, "throughput") || strcmp(r->transport, T[i]))
				continue;
			sent += r->count;
			lost += r->lost;
			if (r->count && (!worst || (double)r->lost / r->count >
						   (double)worst->r.lost / worst->r.count))
				worst = &run->rows[k];
		}
		if (!sent)
			continue;
		char s[24];
		char pl[48];
		if (lost)
			fprintf(out, "- **Loss, %s:** %.2f %% of the datagrams sent in the throughput "
				"runs were lost (%llu of %llu, every placement; at most %.1f %%, with "
				"%s messages on %s).  Why: a full UDP receive buffer drops what "
				"arrives; the sender is never told.\n", T[i], 100.0 * lost / sent, lost,
				sent, 100.0 * worst->r.lost / worst->r.count,
				size_name(worst->r.size, s, sizeof s),
				placement_name(worst->r.pin, pl, sizeof pl));
		else
			fprintf(out, "- **Loss, %s:** none of the %llu datagrams sent was lost.  Why: "
				"%s.\n", T[i], sent, !strcmp(T[i], "udp")
				? "the receiver kept up this time; UDP itself would drop without a word"
				: "a full Unix datagram queue makes the sender wait instead of dropping");
	}
}

/* The range of the judged round-trip ratios of one statistic. */
static size_t peer_range(const struct peer_verdict *v, size_t n, bool mean,
			 const struct peer_verdict **lo, const struct peer_verdict **hi)
{
	size_t judged = 0;
	*lo = *hi = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!v[i].judged || peer_is_bandwidth(v[i].first) ||
		    (strcmp(v[i].first->stat, "mean") == 0) != mean)
			continue;
		judged++;
		if (!*lo || v[i].ratio < (*lo)->ratio)
			*lo = &v[i];
		if (!*hi || v[i].ratio > (*hi)->ratio)
			*hi = &v[i];
	}
	return judged;
}

/* Means within this factor either way: the peers agree. */
#define PEER_CLOSE 1.02

static void peer_finding(const struct run *run, FILE *out)
{
	struct peer_verdict v[64];
	size_t n = run_peer_verdicts(run, v, 64);
	const struct peer_verdict *lo, *hi, *mlo, *mhi;
	size_t bw = 0, bw_ok = 0;
	char pl[48];

	for (size_t i = 0; i < n; i++)
		if (v[i].judged && !strcmp(v[i].first->stat, "MB/s-unverified")) {
			bw++;
			bw_ok += v[i].ratio >= 1.0;
		}
	size_t np = peer_range(v, n, false, &lo, &hi);
	size_t nm = peer_range(v, n, true, &mlo, &mhi);
	if (nm) {
		/* Judged on means: perf bench, lmbench and qperf print nothing else. */
		const struct peer_verdict *far = mhi->ratio - 1 > 1 - mlo->ratio ? mhi : mlo;
		bool close = mlo->ratio >= 1 / PEER_CLOSE && mhi->ratio <= PEER_CLOSE;
		fprintf(out, "- **%s** (ipclab's mean round trip / the peer's, at the same "
			"placement in this run, median of the paired rounds; below 1, ipclab is "
			"faster): %.2f to %.2f× over %zu comparison%s, furthest %s %s on %s (%.3f×).",
			close ? "The peer tools agree with ipclab within 2 %"
			      : "What the peer tools say", mlo->ratio, mhi->ratio, nm,
			nm > 1 ? "s" : "", far->first->tool, far->first->transport,
			placement_name(far->first->pin, pl, sizeof pl), far->ratio);
		if (np)
			fprintf(out, "  Medians, where the peer keeps every round trip: %.2f to "
				"%.2f× over %zu.", lo->ratio, hi->ratio, np);
		fprintf(out, "  Why: every tool times the same system calls on the same "
			"machine, and a mean carries the machine's own pauses as much in one "
			"tool as in another%s.\n", close ? "" : "; where they differ, the machine "
			"changed speed between the paired runs, or the tools do different work "
			"per round trip");
	} else if (np) {
		fprintf(out, "- **What the peer tools say** (ipclab's p50 / the peer's, median of "
			"the paired rounds): %.2f to %.2f× over %zu comparisons.\n", lo->ratio,
			hi->ratio, np);
	}
	if (bw)
		fprintf(out, "- **Bandwidth against lmbench:** ipclab's unchecked stream moves at "
			"least as much as bw_* in %zu of %zu cases (median of rounds, like for "
			"like); the checked figure, the headline elsewhere, pays for reading every "
			"byte again.\n", bw_ok, bw);
}

static void process_finding(const struct run *run, FILE *out)
{
	const struct run_row *tr = run_find(run, "process", "none", "true", "", 0);
	const char *T[MAXT], *tied[MAXT];
	const struct run_row *apart[MAXT];
	size_t nt = transports(T), ntied = 0, napart = 0;
	double lo = INFINITY, hi = 0;

	if (!tr || !(tr->r.lat_us.p50 > 0))
		return;
	struct figure ft = run_row_figure(tr);
	for (size_t i = 0; i < nt; i++) {
		const struct run_row *g = run_find(run, "process", T[i], "greet", "", 0);
		if (!g || !strcmp(T[i], "pipe") || !(g->r.lat_us.p50 > 0))
			continue; /* the pipe's greet forks its own server */
		lo = fmin(lo, g->r.lat_us.p50 / tr->r.lat_us.p50);
		hi = fmax(hi, g->r.lat_us.p50 / tr->r.lat_us.p50);
		struct figure fg = run_row_figure(g);
		if (has_interval(&fg) && has_interval(&ft)) {
			if (fg.lo <= ft.hi && ft.lo <= fg.hi)
				tied[ntied++] = T[i];
			else
				apart[napart++] = g;
		}
	}
	if (hi == 0)
		return;
	fprintf(out, "- **A whole command:** `ipclab greet` against a running server takes %.2f "
		"to %.2f× as long as `true` (%.2f ms, p50", lo, hi, tr->r.lat_us.p50 / 1000);
	if (has_interval(&ft))
		fprintf(out, " of the median of %u rounds, %.2f–%.2f ms)", ft.rounds, ft.lo / 1000,
			ft.hi / 1000);
	else
		fputc(')', out);
	/* Each greet against `true` by the rounds' ranges: a ratio inside the
	 * noise is no difference (a busy machine gave 0.45× once). */
	for (size_t i = 0; i < ntied; i++)
		fprintf(out, "%s%s", i ? (i + 1 == ntied ? " and " : ", ")
				       : "; the same as `true` within the rounds' noise for ", tied[i]);
	for (size_t i = 0; i < napart; i++) {
		struct figure fg = run_row_figure(apart[i]);
		fprintf(out, "%s%s ×%.2f (%.2f–%.2f)", i ? ", " : "; apart from it: ",
			apart[i]->r.transport, fg.value / ft.value, fg.lo / ft.hi, fg.hi / ft.lo);
	}
	fputs(".  Why: starting a process (fork, exec, exit) costs hundreds of microseconds, the "
	      "round trip a few.\n", out);
}

static void scaling_finding(const struct run *run, FILE *out)
{
	static const char *const T[] = { "unix_stream", "tcp" };
	for (size_t i = 0; i < 2; i++) {
		double ours[16], theirs[16];
		size_t no = 0, nr = 0;
		unsigned long clients = 0;
		for (size_t k = 0; k < run->ntarget; k++) {
			const struct result_row *r = &run->target[k].r;
			if (strcmp(r->transport, T[i]) || r->clients != 50 ||
			    (strcmp(r->mode, "redis") && strcmp(r->mode, "epoll")))
				continue; /* the other modes and counts: findings_uring_zmq.c */
			clients = r->clients;
			if (!strcmp(r->mode, "redis") && nr < 16)
				theirs[nr++] = r->msgs_per_s;
			else if (no < 16)
				ours[no++] = r->msgs_per_s;
		}
		if (!no || !nr)
			continue;
		double a = median_of(ours, no), b = median_of(theirs, nr);
		double alo = ours[0], ahi = ours[0], blo = theirs[0], bhi = theirs[0];
		for (size_t k = 1; k < no; k++)
			alo = fmin(alo, ours[k]), ahi = fmax(ahi, ours[k]);
		for (size_t k = 1; k < nr; k++)
			blo = fmin(blo, theirs[k]), bhi = fmax(bhi, theirs[k]);
		/* The runs by turns (scaling/target), not the table's sweep. */
		fprintf(out, "- **Many clients, %s:** at %lu clients, in %zu runs of each taken by "
			"turns beside the table's sweep, the epoll server answered %.0f greetings/s "
			"(median; %.0f–%.0f) and redis-server %.0f PINGs/s (%.0f–%.0f): ", T[i],
			clients, no, a, alo, ahi, b, blo, bhi);
		if (no > 1 && nr > 1 && (alo > bhi || ahi < blo))
			fprintf(out, "%.2f× redis (%.2f–%.2f).", a / b, alo / bhi, ahi / blo);
		else if (no > 1 && nr > 1)
			fprintf(out, "tied within the noise (%.2f×, the runs overlap).", a / b);
		else
			fprintf(out, "%.2f× redis, with no interval (a single run of one of them).",
				a / b);
		fputs("  Why: both are one thread around one epoll_wait(); the rest is the work "
		      "per request.\n", out);
	}
}

/* The floor under every round trip across CPUs: a cache line passed back
 * and forth by two spinning processes (`ipclab bench pingpong`), then shared
 * memory spinning, then the kernel's transports, each as a multiple of it. */
static void wakeup_finding(const struct run *run, FILE *out)
{
	const char *pin = run->cross;
	const struct run_row *floor = pin[0] ? run_find(run, "latency", "pingpong", "", pin, 0)
					      : NULL;
	const struct run_row *spin = floor ? run_find(run, "latency", "shm-spin", "greeting",
						      pin, 0) : NULL;
	/* The same timed as the ping-pong is: batch means (bench latency --batch) */
	const struct run_row *spin_b = floor ? run_find(run, "latency", "shm-spin-batch",
							"greeting", pin, 0) : NULL;
	const struct run_row *fast = NULL;
	char pl[48];

	if (!floor || !(floor->r.lat_us.p50 > 0))
		return;
	struct judged c[MAXT];
	const struct run_row *two[MAXT];
	const struct judged *lead[MAXT];
	size_t ntwo, nc = small_candidates(run, pin, c, two, &ntwo);
	size_t tied = nc ? lead_group(c, nc, lead) : 0;
	if (nc)
		fast = c[0].row; /* the quickest transport that sleeps */
	fprintf(out, "- **The floor, %s:** one cache line passed back and forth between the "
		"two CPUs takes %.2f µs a round trip", placement_name(pin, pl, sizeof pl),
		floor->r.lat_us.p50);
	if (spin && spin->r.lat_us.p50 > 0)
		fprintf(out, "; shared memory with both sides spinning, %.2f µs (%.1f×)",
			spin->r.lat_us.p50, spin->r.lat_us.p50 / floor->r.lat_us.p50);
	if (spin_b && spin_b->r.lat_us.p50 > 0)
		fprintf(out, ", and timed as the ping-pong is (the mean of batches of round "
			"trips, no clock read between them), %.2f µs (%.1f×)",
			spin_b->r.lat_us.p50, spin_b->r.lat_us.p50 / floor->r.lat_us.p50);
	if (fast) {
		fprintf(out, "; the quickest transport that sleeps while it waits, %s, %.1f µs "
			"(%.0f×)", fast->r.transport, fast->r.lat_us.p50,
			fast->r.lat_us.p50 / floor->r.lat_us.p50);
		if (!has_interval(&c[0].f)) {
			fputs(", one round each: not ranked against the others", out);
		} else if (tied > 1) {
			fputs(", tied within the noise with ", out);
			names(out, lead + 1, tied - 1);
		}
		/* A row left out of the ranking for sitting on two levels may
		 * still show a quicker p50 in the tables: say so, with its
		 * rounds' range, rather than let "quickest" contradict them. */
		for (size_t i = 0; i < ntwo; i++) {
			struct figure f = run_row_figure(two[i]);
			if (!(two[i]->r.lat_us.p50 < fast->r.lat_us.p50))
				continue; /* the tables show it slower: nothing to explain */
			fprintf(out, "; %s, %.1f µs at its median round, is left out: its rounds "
				"sit on two levels (%.3g–%.3g µs)", two[i]->r.transport,
				two[i]->r.lat_us.p50, f.lo, f.hi);
		}
	}
	fputs(".  Why: copying a few bytes costs next to nothing; a process that sleeps "
	      "must be woken by the kernel on its CPU, and that wake-up is what the other "
	      "transports' round trips measure.\n", out);
}

/* The machine's own pauses on the one-CPU placement's CPU, and the pipe
 * round trips they lengthened there: the tail that belongs to the
 * machine, not to the transport or to the harness. */
static void pause_finding(const struct run *run, FILE *out)
{
	int cpu = run->same[0] ? atoi(run->same) : -1;
	const struct pause_row *p = NULL;
	for (size_t i = 0; i < run->npauses; i++)
		if (run->pauses[i].cpu == cpu)
			p = &run->pauses[i];
	if (!p)
		return;
	if (!(p->per_s > 0)) {
		fprintf(out, "- **CPU %d never paused** for over 5 µs while a loop read the clock "
			"(`ipclab bench pauses`): a one-CPU tail here comes from the kernel or the "
			"transport, not from the machine.\n", cpu);
		return;
	}
	/* A pause stretches whatever it lands in: on average every interval
	 * by the share of time lost, while the typical one (the p50) meets
	 * none.  So the mean should stand about that share above the p50;
	 * much more than that, and something else lengthens the round trips. */
	double excess = p->have_trips && p->trip_p50_us > 0
				? 100 * (p->trip_mean_us / p->trip_p50_us - 1) : 0;
	bool explained = excess <= 1.5 * p->lost_pct + 1;
	fprintf(out, "- **%s** In a loop that only read the clock, CPU %d lost %.1f %% of its time to pauses, %.0f a second of %.1f µs "
		"(median; `ipclab bench pauses`)", explained ? "The one-CPU tail is the machine's."
		: "The machine pauses, and the one-CPU tail is longer than its pauses explain.",
		cpu, p->lost_pct, p->per_s, p->p50_us);
	if (p->ctxsw)
		fprintf(out, "; %lu switch%s to other tasks came in the count", p->ctxsw,
			p->ctxsw > 1 ? "es" : "");
	fputc('.', out);
	if (p->have_trips && p->trip_p50_us > 0)
		fprintf(out, "  The pipe round trips on that CPU: p50 %.1f µs, mean %.1f %% above "
			"it, and %.1f %% of them took over %.0f µs longer than the p50.",
			p->trip_p50_us, excess, 100 * p->slow_share, p->slow_over_us);
	busy_pause_why(p, out); /* other tasks' time or the host's (busy_finding.c) */
}

/* ---- modes ------------------------------------------------------------- */

/* A figure in µs for a sentence: three significant digits, no exponent
 * ("3.02", "26.4", "2980"); two buffers, so two can share a printf. */
static const char *us_text(double v, int which)
{
	static _Thread_local char buf[2][32];
	char *b = buf[which & 1];
	if (v >= 100)
		snprintf(b, sizeof buf[0], "%.0f", v);
	else
		snprintf(b, sizeof buf[0], "%.3g", v);
	return b;
}

static size_t modes_of(const struct run *run, const char *pin, const char *t,
		       struct stats_mode *m, size_t cap)
{
	const char *where = !strcmp(pin, run->same) ? "same" : !strcmp(pin, run->cross) ? "cross" : NULL;
	const struct run_samples *smp = where ? run_find_samples(run, where, t) : NULL;
	return smp ? stats_modes(smp->v, smp->n, m, cap) : 0;
}

/* What the counted waits did in each mode of t (modes.h): per mode, of
 * the client's waits for the reply and the server's for the request, the
 * shares that slept, found the bytes by looking again, and found them at
 * once; and where client and server ran. */
static void modes_waits(FILE *out, const char *t, const struct run_mode *m, size_t nm)
{
	size_t counted = 0;
	double same_lo = 1, same_hi = 0;
	for (size_t k = 0; k < nm; k++) {
		counted += m[k].counted;
		if (m[k].counted && !isnan(m[k].same_cpu)) {
			same_lo = fmin(same_lo, m[k].same_cpu);
			same_hi = fmax(same_hi, m[k].same_cpu);
		}
	}
	if (!counted)
		return;
	fprintf(out, " how %s's waits ended, counted per round trip in this run (slept: on "
		"the doorbell; looked again: found the bytes before sleeping; the rest found them "
		"at once):", t);
	for (size_t k = 0; k < nm; k++) {
		if (!m[k].counted)
			continue;
		fprintf(out, " near %s µs the client's wait for the reply slept in %.0f %% and "
			"looked again in %.0f %%, the server's for the request slept in %.0f %% and "
			"looked again in %.0f %%", us_text(m[k].m.at, 0),
			100 * m[k].end[0][IPC_END_SLEPT], 100 * m[k].end[0][IPC_END_SPUN],
			100 * m[k].end[1][IPC_END_SLEPT], 100 * m[k].end[1][IPC_END_SPUN]);
		if (same_hi - same_lo >= 0.005)
			fprintf(out, ", client and server on one CPU in %.0f %%", 100 * m[k].same_cpu);
		fputc(';', out);
	}
	if (same_hi >= same_lo && same_hi - same_lo < 0.005) {
		if (same_lo >= 0.995 || same_hi < 0.005)
			fprintf(out, " client and server ran on %s CPU%s in every round trip;",
				same_lo >= 0.995 ? "one" : "two", same_lo >= 0.995 ? "" : "s");
		else
			fprintf(out, " client and server ran on one CPU in %.0f %% of the round "
				"trips;", 100 * same_lo);
	}
}

/* Greeting round trips that gather in two places or more: each mode, where
 * it sits and its share of the round trips (every round's samples, the
 * CDF's), so that no reader takes the p50 between them for a typical one;
 * and where the run counted them, what the waits did in each mode. */
static void modes_finding(const struct run *run, FILE *out, const char *pin)
{
	const char *T[MAXT];
	size_t nt = transports(T);
	bool any = false;
	char pl[48];
	const char *where = !strcmp(pin, run->same) ? "same" : !strcmp(pin, run->cross) ? "cross"
											  : NULL;

	for (size_t i = 0; where && i < nt; i++) {
		struct run_mode m[RUN_MODES_MAX];
		size_t nm = run_modes(run, where, T[i], m, RUN_MODES_MAX);
		if (nm < 2)
			continue;
		const struct run_samples *smp = run_find_samples(run, where, T[i]);
		if (!any)
			fprintf(out, "- **Round trips in modes, %s** (the greeting's round trips of "
				"every round, as in the CDF plot; a mode: where its round trips "
				"gather, their median, and its share of them):", placement_name(pin, pl,
											   sizeof pl));
		any = true;
		fprintf(out, " %s near", T[i]);
		double rest = 1, p50 = stats_percentile(smp->v, smp->n, 50);
		size_t in = nm;
		for (size_t k = 0; k < nm; k++) {
			fprintf(out, "%s %s µs (%.0f %%)", k ? (k + 1 == nm ? " and" : ",") : "",
				us_text(m[k].m.at, 0), 100 * m[k].m.share);
			rest -= m[k].m.share;
			if (p50 >= m[k].m.lo && p50 <= m[k].m.hi)
				in = k;
		}
		if (rest >= 0.005)
			fprintf(out, ", %.0f %% elsewhere", 100 * rest);
		fprintf(out, "; the p50 of all, %s µs, ", us_text(p50, 1));
		if (in < nm)
			fprintf(out, "sits in the mode near %s µs and says nothing of the %.0f %% "
				"elsewhere;", us_text(m[in].m.at, 0), 100 * (1 - m[in].m.share));
		else
			fputs("falls between the modes and describes none of them;", out);
		modes_waits(out, T[i], m, nm);
	}
	if (any)
		fputs(" latency_cdf.png marks each mode on its line, with its share and where it "
		      "sits.\n", out);
}

static unsigned most_rounds(const struct run *run, const char *kind)
{
	unsigned most = 0;
	for (size_t i = 0; i < run->nrows; i++)
		if (!strcmp(run->rows[i].r.kind, kind) && run->rows[i].rounds > most)
			most = run->rows[i].rounds;
	return most;
}

void run_findings(const struct run *run, FILE *out)
{
	fputs("## Findings\n\n", out);
	if (run_quick(run))
		fprintf(out, "*A quick run: few iterations, %u round%s of latency and %u of "
			"throughput: the figures are rough.*\n\n", most_rounds(run, "latency"),
			most_rounds(run, "latency") == 1 ? "" : "s", most_rounds(run, "throughput"));
	const char *pins[3] = { run->same, run->cross, "none" };
	for (size_t i = 0; i < 3; i++)
		if (pins[i][0])
			small_finding(run, out, pins[i]);
	for (size_t i = 0; i < 2; i++)
		if (pins[i][0])
			modes_finding(run, out, pins[i]);
	placement_finding(run, out);
	wakeup_finding(run, out);
	pause_finding(run, out);
	for (size_t i = 0; i < 3; i++)
		if (pins[i][0])
			bulk_finding(run, out, pins[i]);
	bend_finding(run, out, run->cross[0] ? run->cross : run->same);
	cost_finding(run, out);
	ladder_finding(run, out);
	loss_finding(run, out);
	peer_finding(run, out);
	busy_step_note(run, "peers", out); /* measured on a shared machine? */
	process_finding(run, out);
	busy_step_note(run, "process", out);
	scaling_finding(run, out);

	/* io_uring and ZeroMQ (findings_uring_zmq.c). */
	uring_zmq_findings(run, out);

	fputc('\n', out);
}
