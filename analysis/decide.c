/*
 * decide.c - the decision table at the top of summary.md (decide.h).
 *
 * Each question gathers its candidates (one figure per transport, or per
 * transport and server mode), each with the interval over its rounds,
 * ranks them by the figure, and says how far the ranking holds: the best
 * is ahead only when its interval is apart from the runner-up's; when they
 * overlap, the best is tied with every candidate whose interval overlaps
 * its own; when either has a single round, the noise is unknown and the
 * table says so instead of ranking.
 */
#include "decide.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXC 64

struct cand {
	char name[64];
	struct figure f;
	const struct run_row *row;
};

/* ---- the candidates of each question ---------------------------------- */

static size_t latency_cands(const struct run *run, const char *pin, struct cand *c)
{
	const char *T[MAXC];
	size_t nt = run_transports(T, MAXC), n = 0;
	for (size_t i = 0; i < nt; i++) {
		const struct run_row *r = run_find(run, "latency", T[i], "greeting", pin, 0);
		if (!r || !(r->r.lat_us.p50 > 0))
			continue;
		snprintf(c[n].name, sizeof c[n].name, "%s", T[i]);
		c[n].f = run_row_figure(r);
		c[n++].row = r;
	}
	return n;
}

static size_t connect_cands(const struct run *run, struct cand *c)
{
	const char *T[MAXC];
	size_t nt = run_transports(T, MAXC), n = 0;
	for (size_t i = 0; i < nt; i++) {
		const struct run_row *r = run_find(run, "connect", T[i], "", "", 0);
		if (!r || !(r->r.lat_us.p50 > 0))
			continue;
		snprintf(c[n].name, sizeof c[n].name, "%s", T[i]);
		c[n].f = run_row_figure(r);
		c[n++].row = r;
	}
	return n;
}

/* The largest checked size of t at pin up to 64 KiB (16 KiB at least): a
 * bulk message every transport can carry. */
static const struct run_row *bulk_row(const struct run *run, const char *t, const char *pin)
{
	const struct run_row *pick = NULL;
	for (size_t i = 0; i < run->nrows; i++) {
		const struct result_row *r = &run->rows[i].r;
		if (strcmp(r->kind, "throughput") || strcmp(r->transport, t) || strcmp(r->pin, pin) ||
		    row_unverified(r) || r->size > 65536 || *r->mode)
			continue;
		if (!pick || r->size > pick->r.size)
			pick = &run->rows[i];
	}
	return pick && pick->r.size >= 16384 ? pick : NULL;
}

/* CPU ms per MB of a throughput row, with its range over the row's rounds
 * (the raw rows of the same point). */
static struct figure cpu_figure(const struct run *run, const struct run_row *row)
{
	const struct result_row *g = &row->r;
	struct figure f = { g->cpu_ms_per_mb, g->cpu_ms_per_mb, g->cpu_ms_per_mb, 0, false,
			    "ms/MB" };
	for (size_t i = 0; i < run->nraw; i++) {
		const struct result_row *r = &run->raw[i].r;
		if (strcmp(r->kind, g->kind) || strcmp(r->transport, g->transport) ||
		    strcmp(r->mode, g->mode) || strcmp(r->pin, g->pin) || r->size != g->size ||
		    row_unverified(r) != row_unverified(g))
			continue;
		f.lo = fmin(f.lo, r->cpu_ms_per_mb);
		f.hi = fmax(f.hi, r->cpu_ms_per_mb);
		f.rounds++;
	}
	if (!f.rounds)
		f.rounds = 1;
	return f;
}

static size_t bulk_cands(const struct run *run, const char *pin, bool cpu, struct cand *c)
{
	const char *T[MAXC];
	size_t nt = run_transports(T, MAXC), n = 0;
	for (size_t i = 0; i < nt; i++) {
		const struct run_row *r = bulk_row(run, T[i], pin);
		/* A transport that lost datagrams did not deliver its rate. */
		if (!r || !(r->r.mb_per_s > 0) || r->r.lost)
			continue;
		if (cpu && !(r->r.cpu_ms_per_mb > 0))
			continue;
		snprintf(c[n].name, sizeof c[n].name, "%s", T[i]);
		c[n].f = cpu ? cpu_figure(run, r) : run_row_figure(r);
		c[n++].row = r;
	}
	return n;
}

/* ipclab's servers (not the peer, redis) at the most clients measured.
 * A server the scaling step also ran by turns at that count is judged by
 * those runs (run_find_turns: the median run, the runs' range), the
 * sweep's single run of it otherwise. */
static bool ours_load(const struct result_row *r)
{
	return !strcmp(r->kind, "load") && strncmp(r->mode, "redis", 5) && r->msgs_per_s > 0;
}

static bool sweep_has(const struct run *run, const char *t, const char *mode,
		      unsigned long clients)
{
	for (size_t i = 0; i < run->nrows; i++) {
		const struct result_row *r = &run->rows[i].r;
		if (ours_load(r) && r->clients == clients && !strcmp(r->transport, t) &&
		    !strcmp(r->mode, mode))
			return true;
	}
	return false;
}

static size_t load_cands(const struct run *run, unsigned long *clients, struct cand *c)
{
	size_t n = 0;
	*clients = 0;
	for (size_t i = 0; i < run->nrows; i++)
		if (ours_load(&run->rows[i].r) && run->rows[i].r.clients > *clients)
			*clients = run->rows[i].r.clients;
	for (size_t i = 0; i < run->nturns; i++)
		if (ours_load(&run->turns[i].r) && run->turns[i].r.clients > *clients)
			*clients = run->turns[i].r.clients;
	for (size_t i = 0; i < run->nrows && n < MAXC; i++) {
		const struct run_row *row = &run->rows[i];
		const struct result_row *r = &row->r;
		if (!ours_load(r) || r->clients != *clients)
			continue;
		const struct run_row *turns = run_find_turns(run, r->transport, r->mode, *clients);
		if (turns && ours_load(&turns->r))
			row = turns;
		snprintf(c[n].name, sizeof c[n].name, "%s, %s", r->transport, r->mode);
		c[n].f = run_row_figure(row);
		c[n++].row = row;
	}
	/* Servers run by turns at that count and missing from the sweep. */
	for (size_t i = 0; i < run->nturns && n < MAXC; i++) {
		const struct run_row *row = &run->turns[i];
		const struct result_row *r = &row->r;
		if (!ours_load(r) || r->clients != *clients)
			continue;
		const char *by = strstr(r->mode, "-by-turns");
		int len = by ? (int)(by - r->mode) : (int)strlen(r->mode);
		char mode[48];
		snprintf(mode, sizeof mode, "%.*s", len, r->mode);
		if (sweep_has(run, r->transport, mode, *clients))
			continue;
		snprintf(c[n].name, sizeof c[n].name, "%s, %s", r->transport, mode);
		c[n].f = run_row_figure(row);
		c[n++].row = row;
	}
	return n;
}

/* ---- ranking ---------------------------------------------------------- */

static int better_first(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	double x = a->f.higher_is_better ? -a->f.value : a->f.value;
	double y = b->f.higher_is_better ? -b->f.value : b->f.value;
	return (x > y) - (x < y);
}

static bool overlap(const struct figure *a, const struct figure *b)
{
	return a->lo <= b->hi && b->lo <= a->hi;
}

static void pick(struct decide_pick *p, const struct cand *c)
{
	snprintf(p->name, sizeof p->name, "%.63s", c->name);
	p->f = c->f;
	p->row = c->row;
}

static bool rank(struct decision *d, struct cand *c, size_t n)
{
	if (!n)
		return false;
	/* Stable for equal figures: the registry's order breaks ties. */
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && better_first(&c[k], &c[k - 1]) < 0; k--) {
			struct cand t = c[k];
			c[k] = c[k - 1];
			c[k - 1] = t;
		}
	pick(&d->best, &c[0]);
	d->has_runner = n > 1;
	d->ntied = 0;
	if (n == 1) {
		d->verdict = DEC_ALONE;
		return true;
	}
	pick(&d->runner, &c[1]);
	if (c[0].f.rounds < 2 || c[1].f.rounds < 2) {
		d->verdict = DEC_UNJUDGED;
		return true;
	}
	if (!overlap(&c[0].f, &c[1].f)) {
		d->verdict = DEC_AHEAD;
		return true;
	}
	d->verdict = DEC_TIED;
	for (size_t i = 0; i < n && d->ntied < DECIDE_MAX_TIED; i++)
		if (c[i].f.rounds >= 2 && overlap(&c[0].f, &c[i].f))
			snprintf(d->tied[d->ntied++], sizeof d->tied[0], "%.63s", c[i].name);
	return true;
}

size_t decide(const struct run *run, struct decision *out, size_t cap)
{
	struct cand c[MAXC];
	char pl[64];
	size_t n = 0;
	const char *bulk_pin = run->cross[0] ? run->cross : run->same;

	for (int q = 0; q < 6 && n < cap; q++) {
		struct decision *d = &out[n];
		size_t nc = 0;
		unsigned long clients = 0;
		memset(d, 0, sizeof *d);
		switch (q) {
		case 0:
		case 1: {
			const char *pin = q == 0 ? run->same : run->cross;
			if (!*pin)
				continue;
			nc = latency_cands(run, pin, c);
			snprintf(d->question, sizeof d->question, "Small request/reply, %s",
				 placement_name(pin, pl, sizeof pl));
			d->measure = "greeting round trip, p50 (lower is better)";
			break;
		}
		case 2:
			if (!*bulk_pin)
				continue;
			nc = bulk_cands(run, bulk_pin, false, c);
			snprintf(d->question, sizeof d->question, "Bulk stream, %s",
				 placement_name(bulk_pin, pl, sizeof pl));
			d->measure = "checked MB/s at 64 KiB messages, or the largest a datagram "
				     "carries below it (higher is better)";
			break;
		case 3:
			nc = connect_cands(run, c);
			snprintf(d->question, sizeof d->question, "Connection set-up");
			d->measure = "connect + accept + first byte, p50 (lower is better)";
			break;
		case 4:
			if (!*bulk_pin)
				continue;
			nc = bulk_cands(run, bulk_pin, true, c);
			snprintf(d->question, sizeof d->question, "CPU per MB, %s",
				 placement_name(bulk_pin, pl, sizeof pl));
			d->measure = "CPU time of both sides per MB streamed, the bulk stream's "
				     "messages (lower is better)";
			break;
		case 5:
			nc = load_cands(run, &clients, c);
			snprintf(d->question, sizeof d->question, "Many clients (%lu at once)",
				 clients);
			d->measure = "greetings answered a second, by transport and server: "
				     "the median of the runs by turns where the run has them, "
				     "else the sweep's one run (higher is better)";
			break;
		}
		if (rank(d, c, nc))
			n++;
	}
	return n;
}

/* ---- the table --------------------------------------------------------- */

static const char *num(double v, char *buf, size_t cap)
{
	if (!isfinite(v))
		snprintf(buf, cap, "-");
	else if (fabs(v) >= 100)
		snprintf(buf, cap, "%.0f", v);
	else if (fabs(v) >= 10)
		snprintf(buf, cap, "%.1f", v);
	else
		snprintf(buf, cap, "%.2f", v);
	return buf;
}

/* "pipe: 12.5 µs [12.1, 13.0], 3 rounds" (a flag of the row after it). */
static void cell(FILE *out, const struct decide_pick *p)
{
	char v[32], lo[32], hi[32];
	fprintf(out, "%s: %s %s", p->name, num(p->f.value, v, sizeof v), p->f.unit);
	if (p->f.rounds >= 2)
		fprintf(out, " [%s, %s], %u rounds", num(p->f.lo, lo, sizeof lo),
			num(p->f.hi, hi, sizeof hi), p->f.rounds);
	else
		fputs(", one round", out);
	const char *note = p->row ? p->row->r.note : "";
	static const char *const flags[] = { "TWO-LEVEL", "HIGH-SPREAD" };
	for (size_t i = 0; i < 2; i++)
		if (strstr(note, flags[i]))
			fprintf(out, " (%s)", flags[i]);
}

void decision_table(const struct run *run, FILE *out)
{
	struct decision d[8];
	size_t n = decide(run, d, 8);
	if (!n)
		return;
	fputs("## Which transport\n\n"
	      "The best transport for each question, its runner-up, and whether the best is "
	      "ahead of it beyond the noise: each figure has the interval over its rounds, and "
	      "where the two intervals overlap the transports are tied (all those whose "
	      "interval overlaps the best's are named).  A figure with one round has no "
	      "interval: its rank is not judged.\n\n"
	      "| Question | Measured by | Best | Runner-up | Ahead or tied |\n"
	      "| --- | --- | --- | --- | --- |\n", out);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "| %s | %s | ", d[i].question, d[i].measure);
		cell(out, &d[i].best);
		fputs(" | ", out);
		if (d[i].has_runner)
			cell(out, &d[i].runner);
		else
			fputs("-", out);
		fputs(" | ", out);
		switch (d[i].verdict) {
		case DEC_ALONE:
			fputs("the only one measured", out);
			break;
		case DEC_AHEAD:
			fprintf(out, "%s ahead: the intervals are apart", d[i].best.name);
			break;
		case DEC_TIED:
			fputs("tied within the noise: ", out);
			for (size_t k = 0; k < d[i].ntied; k++)
				fprintf(out, "%s%s", k ? ", " : "", d[i].tied[k]);
			break;
		case DEC_UNJUDGED:
			fputs("not judged: one round, no interval", out);
			break;
		}
		fputs(" |\n", out);
	}
	fputc('\n', out);
}
