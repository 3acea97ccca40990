/*
 * run.c - a run in memory: its rows, the peers' rounds and the environment,
 * as the reader (reader.c) or a test added them; the rounds of a throughput
 * point grouped into their median round; the queries findings, summary and
 * plot tables ask.  See analysis.h and run.h.
 */
#include "run.h"
#include "modes.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

struct run *run_new(void)
{
	return calloc(1, sizeof(struct run));
}

void run_free(struct run *run)
{
	if (!run)
		return;
	for (size_t i = 0; i < run->nstrs; i++)
		free(run->strs[i]);
	for (size_t i = 0; i < run->nenv; i++) {
		free(run->env[i].key);
		free(run->env[i].value);
	}
	for (size_t i = 0; i < run->nsamples; i++)
		free(run->samples[i].v);
	run_waits_free(run); /* modes.c */
	for (size_t i = 0; i < run->nproblems; i++)
		free(run->problems[i]);
	free(run->samples);
	free(run->problems);
	free(run->strs);
	free(run->raw);
	free(run->rows);
	free(run->target);
	free(run->turns);
	free(run->peers);
	free(run->env);
	free(run->steal);
	free(run->counted);
	free(run->busy);
	free(run->pauses);
	free(run);
}

int run_grow(void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 64;
	void *bigger = realloc(*(void **)v, ncap * size);
	if (!bigger)
		return -1;
	*(void **)v = bigger;
	*cap = ncap;
	return 0;
}

static const char *keep(struct run *run, const char *s)
{
	if (run_grow(&run->strs, run->nstrs, &run->capstrs, sizeof *run->strs) < 0)
		return NULL;
	char *copy = strdup(s ? s : "");
	if (copy)
		run->strs[run->nstrs++] = copy;
	return copy;
}

/* The kinds measured in rounds, and the figure a round is judged by. */
static bool in_rounds(const struct result_row *r)
{
	return !strcmp(r->kind, "throughput") || !strcmp(r->kind, "latency") ||
	       !strcmp(r->kind, "process") || !strcmp(r->kind, "load");
}

static double round_figure(const struct result_row *r)
{
	return !strcmp(r->kind, "throughput") ? r->mb_per_s
	       : !strcmp(r->kind, "load")     ? r->msgs_per_s
					      : r->lat_us.p50;
}

static int copy_row(struct run *run, struct run_row *to, const struct result_row *row)
{
	memset(to, 0, sizeof *to);
	to->r = *row;
	to->r.kind = keep(run, row->kind);
	to->r.transport = keep(run, row->transport);
	to->r.mode = keep(run, row->mode);
	to->r.pin = keep(run, row->pin);
	to->r.note = keep(run, row->note);
	to->lo = to->hi = in_rounds(row) ? round_figure(row) : 0;
	to->rounds = 1;
	return to->r.kind && to->r.transport && to->r.mode && to->r.pin && to->r.note ? 0 : -1;
}

int run_add_row(struct run *run, const struct result_row *row)
{
	if (run_grow(&run->raw, run->nraw, &run->capraw, sizeof *run->raw) < 0)
		return -1;
	if (copy_row(run, &run->raw[run->nraw], row) < 0)
		return -1;
	run->nraw++;
	return 0;
}

int run_add_target_row(struct run *run, const struct result_row *row)
{
	if (run_grow(&run->target, run->ntarget, &run->captarget, sizeof *run->target) < 0)
		return -1;
	if (copy_row(run, &run->target[run->ntarget], row) < 0)
		return -1;
	run->ntarget++;
	return 0;
}

int run_add_peer_round(struct run *run, const struct peer_round *pr)
{
	if (run_grow(&run->peers, run->npeers, &run->cappeers, sizeof *run->peers) < 0)
		return -1;
	run->peers[run->npeers++] = *pr;
	return 0;
}

/* The keys of the environment record (report.h), and "quick" (run.sh's):
 * any other key is not ours and is passed over, so that a garbage env.csv
 * cannot grow the list. */
static bool env_key_known(const char *key)
{
	if (!strcmp(key, "quick"))
		return true;
	for (size_t i = 0; i < env_nfields; i++)
		if (!strcmp(env_fields[i].name, key))
			return true;
	return false;
}

int run_set_env(struct run *run, const char *key, const char *value)
{
	if (!env_key_known(key))
		return 0;
	for (size_t i = 0; i < run->nenv; i++)
		if (!strcmp(run->env[i].key, key)) {
			char *v = strdup(value);
			if (!v)
				return -1;
			free(run->env[i].value);
			run->env[i].value = v;
			return 0;
		}
	if (run_grow(&run->env, run->nenv, &run->capenv, sizeof *run->env) < 0)
		return -1;
	struct kv kv = { strdup(key), strdup(value) };
	if (!kv.key || !kv.value) {
		free(kv.key);
		free(kv.value);
		return -1;
	}
	run->env[run->nenv++] = kv;
	return 0;
}

int run_add_steal(struct run *run, const char *step, double pct)
{
	if (run_grow(&run->steal, run->nsteal, &run->capsteal, sizeof *run->steal) < 0)
		return -1;
	struct steal *s = &run->steal[run->nsteal++];
	snprintf(s->step, sizeof s->step, "%s", step);
	s->pct = pct;
	return 0;
}

int run_add_counted(struct run *run, const struct server_count *c)
{
	if (run_grow(&run->counted, run->ncounted, &run->capcounted, sizeof *run->counted) < 0)
		return -1;
	run->counted[run->ncounted++] = *c;
	return 0;
}

int run_add_busy(struct run *run, const struct busy_step *b)
{
	if (run_grow(&run->busy, run->nbusy, &run->capbusy, sizeof *run->busy) < 0)
		return -1;
	run->busy[run->nbusy++] = *b;
	return 0;
}

int run_add_pauses(struct run *run, const struct pause_row *p)
{
	if (run_grow(&run->pauses, run->npauses, &run->cappauses, sizeof *run->pauses) < 0)
		return -1;
	run->pauses[run->npauses++] = *p;
	return 0;
}

const char *run_env(const struct run *run, const char *key)
{
	for (size_t i = 0; i < run->nenv; i++)
		if (!strcmp(run->env[i].key, key))
			return run->env[i].value;
	return "";
}

bool run_quick(const struct run *run)
{
	const char *q = run_env(run, "quick");
	return *q && strcmp(q, "0") && strcmp(q, "no");
}

bool run_idle_halts(const struct run *run)
{
	return strstr(run_env(run, "cpuidle"), "guest_halt_poll_ns 0") != NULL;
}

double median_of(const double *v, size_t n)
{
	if (!n)
		return NAN;
	double *copy = malloc(n * sizeof *copy);
	if (!copy)
		return NAN;
	memcpy(copy, v, n * sizeof *copy);
	struct stats s;
	stats_compute(copy, n, &s);
	free(copy);
	return s.p50;
}

struct figure run_row_figure(const struct run_row *row)
{
	const struct result_row *r = &row->r;
	struct figure f = { .rounds = row->rounds ? row->rounds : 1 };
	if (strcmp(r->kind, "throughput") == 0)
		f.value = r->mb_per_s, f.higher_is_better = true, f.unit = "MB/s";
	else if (strcmp(r->kind, "load") == 0)
		f.value = r->msgs_per_s, f.higher_is_better = true, f.unit = "greetings/s";
	else
		f.value = r->lat_us.p50, f.higher_is_better = false, f.unit = "µs";
	if (in_rounds(r) && f.rounds > 1) {
		f.lo = row->lo;
		f.hi = row->hi;
	} else {
		f.lo = f.hi = f.value;
		f.rounds = 1;
	}
	return f;
}

bool row_unverified(const struct result_row *r)
{
	return strstr(r->note, "UNVERIFIED") != NULL;
}

static bool same_point(const struct result_row *a, const struct result_row *b)
{
	return !strcmp(a->kind, b->kind) && !strcmp(a->transport, b->transport) &&
	       !strcmp(a->mode, b->mode) && !strcmp(a->pin, b->pin) && a->size == b->size &&
	       a->clients == b->clients && row_unverified(a) == row_unverified(b);
}

/* Order of throughput points: by what makes a point, then by position. */
static int by_point(const void *pa, const void *pb, void *arg)
{
	const struct run *run = arg;
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	const struct result_row *a = &run->raw[ia].r, *b = &run->raw[ib].r;
	int c;
	if ((c = strcmp(a->kind, b->kind)) || (c = strcmp(a->transport, b->transport)) ||
	    (c = strcmp(a->mode, b->mode)) ||
	    (c = strcmp(a->pin, b->pin)))
		return c;
	if (a->size != b->size)
		return a->size < b->size ? -1 : 1;
	if (a->clients != b->clients)
		return a->clients < b->clients ? -1 : 1;
	if (row_unverified(a) != row_unverified(b))
		return row_unverified(a) ? 1 : -1;
	return ia < ib ? -1 : ia > ib;
}

/* The scaling step's servers by turns (run->target: several runs of each
 * server at a few client counts) -> one row per server and count: the
 * median run's, with the runs' range, so that they are judged (compared)
 * like any row in rounds.  Its mode says "by turns": the sweep has rows of
 * the same server and count, measured once. */
static void group_turns(struct run *run)
{
	run->turns = calloc(run->ntarget ? run->ntarget : 1, sizeof *run->turns);
	if (!run->turns)
		return;
	for (size_t i = 0; i < run->ntarget; i++) {
		const struct result_row *a = &run->target[i].r;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = same_point(a, &run->target[j].r);
		if (seen || !(a->msgs_per_s > 0))
			continue;
		double v[64];
		size_t n = 0, first = i;
		for (size_t j = i; j < run->ntarget && n < 64; j++)
			if (same_point(a, &run->target[j].r) && run->target[j].r.msgs_per_s > 0)
				v[n++] = run->target[j].r.msgs_per_s;
		double med = median_of(v, n), lo = v[0], hi = v[0];
		for (size_t k = 1; k < n; k++) {
			lo = fmin(lo, v[k]);
			hi = fmax(hi, v[k]);
		}
		for (size_t j = i; j < run->ntarget; j++)
			if (same_point(a, &run->target[j].r) &&
			    run->target[j].r.msgs_per_s == med) {
				first = j;
				break;
			}
		char mode[64];
		snprintf(mode, sizeof mode, "%s-by-turns", a->mode);
		struct run_row *to = &run->turns[run->nturns];
		*to = run->target[first];
		to->r.kind = keep(run, "load");
		to->r.mode = keep(run, mode);
		if (!to->r.kind || !to->r.mode)
			continue;
		to->lo = lo;
		to->hi = hi;
		to->rounds = (unsigned)n;
		run->nturns++;
	}
}

/* The rounds of one point (throughput and latency) -> the round with the
 * median figure (MB/s, p50; nearest rank: with two rounds, the lower), and
 * the rounds' lowest and highest figure beside it as its interval.
 *
 * Why the range and not a bootstrap: a run has 3 to 5 rounds of a point,
 * and a bootstrap over so few values only reshuffles them (its interval
 * tends to the range itself, with a coin's noise on the ends).  The range
 * of n rounds holds the true median with a probability known without any
 * model: 1 - 2^(1-n), 75 % for 3 rounds, 94 % for 5.  Two points whose
 * ranges do not overlap are apart; where they overlap, no verdict.
 *
 * Every other row stays as it is; each point stays where its first round
 * was.  Sorting, not searching: n log n in the rows. */
void run_finish(struct run *run)
{
	if (run->finished)
		return;
	run->finished = true;
	size_t cap = run->nraw ? run->nraw : 1;
	run->rows = calloc(cap, sizeof *run->rows);
	size_t *idx = malloc(cap * sizeof *idx);
	size_t *pick = malloc(cap * sizeof *pick); /* raw index -> chosen round, or SIZE_MAX */
	double *mb = malloc(cap * sizeof *mb);
	if (!run->rows || !idx || !pick || !mb) {
		free(idx);
		free(pick);
		free(mb);
		return;
	}
	size_t ntp = 0;
	for (size_t i = 0; i < run->nraw; i++) {
		pick[i] = SIZE_MAX;
		if (in_rounds(&run->raw[i].r))
			idx[ntp++] = i;
	}
	qsort_r(idx, ntp, sizeof *idx, by_point, run);
	struct run_row *grouped = calloc(cap, sizeof *grouped);
	if (!grouped) {
		free(idx);
		free(pick);
		free(mb);
		return;
	}
	for (size_t g = 0; g < ntp;) {
		size_t end = g + 1;
		while (end < ntp && same_point(&run->raw[idx[g]].r, &run->raw[idx[end]].r))
			end++;
		size_t n = end - g;
		for (size_t k = 0; k < n; k++)
			mb[k] = round_figure(&run->raw[idx[g + k]].r);
		double med = median_of(mb, n), lo = mb[0], hi = mb[0];
		for (size_t k = 1; k < n; k++) {
			lo = fmin(lo, mb[k]);
			hi = fmax(hi, mb[k]);
		}
		/* idx[g] is the point's first round in reading order. */
		for (size_t k = 0; k < n; k++)
			if (round_figure(&run->raw[idx[g + k]].r) == med) {
				struct run_row *to = &grouped[idx[g]];
				*to = run->raw[idx[g + k]];
				to->lo = lo;
				to->hi = hi;
				to->rounds = (unsigned)n;
				pick[idx[g]] = idx[g];
				break;
			}
		g = end;
	}
	for (size_t i = 0; i < run->nraw; i++) {
		if (!in_rounds(&run->raw[i].r))
			run->rows[run->nrows++] = run->raw[i];
		else if (pick[i] != SIZE_MAX)
			run->rows[run->nrows++] = grouped[i];
	}
	free(grouped);
	free(idx);
	free(pick);
	free(mb);
	group_turns(run);
	/* The placements of the run, from the latency rows. */
	for (size_t i = 0; i < run->nrows; i++) {
		const char *p = run->rows[i].r.pin;
		int a, b;
		if (sscanf(p, "%d,%d", &a, &b) != 2)
			continue;
		if (a == b && !run->same[0])
			snprintf(run->same, sizeof run->same, "%s", p);
		if (a != b && !run->cross[0])
			snprintf(run->cross, sizeof run->cross, "%s", p);
	}
}

const struct run_row *run_find(const struct run *run, const char *kind, const char *t,
			       const char *mode, const char *pin, unsigned long size)
{
	for (size_t i = 0; i < run->nrows; i++) {
		const struct result_row *r = &run->rows[i].r;
		if (!strcmp(r->kind, kind) && (!*t || !strcmp(r->transport, t)) &&
		    (!*mode || !strcmp(r->mode, mode)) && (!*pin || !strcmp(r->pin, pin)) &&
		    (!size || r->size == size))
			return &run->rows[i];
	}
	return NULL;
}

const struct run_row *run_find_turns(const struct run *run, const char *t, const char *mode,
				     unsigned long clients)
{
	char grouped[64];
	snprintf(grouped, sizeof grouped, "%s-by-turns", mode);
	for (size_t i = 0; i < run->nturns; i++) {
		const struct result_row *r = &run->turns[i].r;
		if (!strcmp(r->transport, t) && !strcmp(r->mode, grouped) && r->clients == clients)
			return &run->turns[i];
	}
	return NULL;
}

const struct run_row *run_find_tp(const struct run *run, const char *t, const char *pin,
				  unsigned long size, bool unverified)
{
	for (size_t i = 0; i < run->nrows; i++) {
		const struct result_row *r = &run->rows[i].r;
		if (!strcmp(r->kind, "throughput") && !strcmp(r->transport, t) &&
		    !strcmp(r->pin, pin) && (!size || r->size == size) &&
		    row_unverified(r) == unverified)
			return &run->rows[i];
	}
	return NULL;
}

const char *placement_name(const char *pin, char *buf, size_t cap)
{
	int a, b;
	if (sscanf(pin, "%d,%d", &a, &b) != 2)
		snprintf(buf, cap, "unpinned");
	else if (a == b)
		snprintf(buf, cap, "one CPU (%d)", a);
	else
		snprintf(buf, cap, "two CPUs (%d, %d)", a, b);
	return buf;
}

const char *size_name(unsigned long size, char *buf, size_t cap)
{
	if (size >= 1048576 && size % 1048576 == 0)
		snprintf(buf, cap, "%lu MiB", size / 1048576);
	else if (size >= 1024 && size % 1024 == 0)
		snprintf(buf, cap, "%lu KiB", size / 1024);
	else if (size >= 1000)
		snprintf(buf, cap, "%lu,%03lu B", size / 1000, size % 1000);
	else
		snprintf(buf, cap, "%lu B", size);
	return buf;
}

size_t run_transports(const char **names, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; ipc_transports[i] && n < cap; i++)
		/* `make bench` runs the static bin/ipclab, which has no ZeroMQ
		 * transports (they are in ipclab-zmq): run_transports_of() adds
		 * them where a run has their rows. */
		if (strncmp(ipc_transports[i]->name, "zmq_", 4) != 0)
			names[n++] = ipc_transports[i]->name;
	return n;
}

size_t run_transports_of(const struct run *run, const char **names, size_t cap)
{
	static const char *const zmq_names[] = { "zmq_ipc", "zmq_tcp" };
	size_t n = run_transports(names, cap);
	for (size_t z = 0; z < 2 && n < cap; z++)
		for (size_t k = 0; k < run->nrows; k++)
			if (!strcmp(run->rows[k].r.transport, zmq_names[z])) {
				names[n++] = zmq_names[z];
				break;
			}
	return n;
}

size_t run_curve(const struct run *run, const char *t, const char *pin,
		 const struct run_row **pts, size_t cap)
{
	size_t n = 0;
	for (size_t k = 0; k < run->nrows && n < cap; k++) {
		const struct result_row *r = &run->rows[k].r;
		if (!strcmp(r->kind, "throughput") && !strcmp(r->transport, t) &&
		    !strcmp(r->pin, pin) && !row_unverified(r))
			pts[n++] = &run->rows[k];
	}
	for (size_t a = 1; a < n; a++) /* by size: a dozen points */
		for (size_t b = a; b > 0 && pts[b - 1]->r.size > pts[b]->r.size; b--) {
			const struct run_row *x = pts[b];
			pts[b] = pts[b - 1];
			pts[b - 1] = x;
		}
	return n;
}

bool run_bend(const struct run_row *const *pts, size_t n, size_t *peak, size_t *fall)
{
	if (n < 3)
		return false;
	/* The smallest size may itself have lost datagrams: the peak is
	 * sought among the points without loss (the first one if all lost). */
	*peak = 0;
	bool clean = !pts[0]->r.lost;
	for (size_t k = 1; k < n; k++)
		if (!pts[k]->r.lost && (!clean || pts[k]->r.mb_per_s > pts[*peak]->r.mb_per_s)) {
			*peak = k;
			clean = true;
		}
	*fall = 0;
	/* A fall beyond the noise: the whole of its rounds' range under 70 %
	 * of the lowest round at the peak (a single round: its figure). */
	for (size_t k = *peak + 1; k < n && !*fall; k++)
		if (pts[k]->hi < 0.7 * pts[*peak]->lo)
			*fall = k;
	return true;
}

/* ---- peers ------------------------------------------------------------ */

bool peer_round_split(const struct peer_round *pr)
{
	return pr->before > 2 * pr->after || pr->after > 2 * pr->before;
}

bool peer_is_bandwidth(const struct peer_round *pr)
{
	return !strncmp(pr->stat, "MB/s", 4);
}

static bool same_verdict(const struct peer_round *a, const struct peer_round *b)
{
	return !strcmp(a->tool, b->tool) && !strcmp(a->transport, b->transport) &&
	       !strcmp(a->pin, b->pin) && !strcmp(a->stat, b->stat) && a->size == b->size;
}

size_t run_peer_verdicts(const struct run *run, struct peer_verdict *out, size_t cap)
{
	size_t nv = 0;
	double *ratio = malloc((run->npeers + 1) * 7 * sizeof *ratio);
	if (!ratio)
		return 0;
	double *peer = ratio + run->npeers + 1, *ours = peer + run->npeers + 1;
	double *p50 = ours + run->npeers + 1, *mean = p50 + run->npeers + 1;
	double *level = mean + run->npeers + 1; /* two a round */

	for (size_t i = 0; i < run->npeers && nv < cap; i++) {
		bool seen = false;
		for (size_t k = 0; k < nv; k++)
			seen |= same_verdict(out[k].first, &run->peers[i]);
		if (seen)
			continue;
		struct peer_verdict *v = &out[nv++];
		memset(v, 0, sizeof *v);
		v->first = &run->peers[i];
		size_t n = 0, all = 0;
		for (size_t j = i; j < run->npeers; j++) {
			const struct peer_round *pr = &run->peers[j];
			if (!same_verdict(v->first, pr))
				continue;
			peer[all] = pr->peer;
			ours[all] = (pr->before + pr->after) / 2;
			p50[all] = pr->ours_p50;
			mean[all] = pr->ours_mean;
			all++;
			if (peer_round_split(pr)) {
				v->split++;
				continue;
			}
			level[2 * n] = pr->p50_before;
			level[2 * n + 1] = pr->p50_after;
			if (pr->peer > 0)
				ratio[n++] = (pr->before + pr->after) / 2 / pr->peer;
		}
		v->rounds = n;
		v->peer = median_of(peer, all);
		v->ours = median_of(ours, all);
		v->ours_p50 = median_of(p50, all);
		v->ours_mean = median_of(mean, all);
		v->judged = n > 0;
		if (!peer_is_bandwidth(v->first))
			stats_split_levels(level, 2 * n, &v->levels);
		v->ratio = v->lo = v->hi = NAN;
		if (n) {
			v->ratio = median_of(ratio, n);
			v->lo = v->hi = ratio[0];
			for (size_t k = 1; k < n; k++) {
				v->lo = fmin(v->lo, ratio[k]);
				v->hi = fmax(v->hi, ratio[k]);
			}
		}
	}
	free(ratio);
	return nv;
}

/* ---- what the reader left out, and the plots' samples -------------------- */

void run_problem(struct run *run, const char *fmt, ...)
{
	char line[640];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* A line of summary.md: no control character from a file gets in. */
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	char *copy;
	if (run_grow(&run->problems, run->nproblems, &run->capproblems, sizeof *run->problems) < 0 ||
	    !(copy = strdup(line)))
		return; /* out of memory: the line is lost, not the run */
	run->problems[run->nproblems++] = copy;
}

size_t run_problems(const struct run *run, const char *const **lines)
{
	*lines = (const char *const *)run->problems;
	return run->nproblems;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int run_add_samples(struct run *run, const char *where, const char *t, double *v, size_t n)
{
	if (run_grow(&run->samples, run->nsamples, &run->capsamples, sizeof *run->samples) < 0) {
		free(v);
		return -1;
	}
	struct run_samples *s = &run->samples[run->nsamples++];
	snprintf(s->where, sizeof s->where, "%s", where);
	snprintf(s->transport, sizeof s->transport, "%s", t);
	if (n)
		qsort(v, n, sizeof *v, by_value);
	s->v = v;
	s->n = n;
	return 0;
}

const struct run_samples *run_find_samples(const struct run *run, const char *where,
					   const char *t)
{
	for (size_t i = 0; i < run->nsamples; i++)
		if (!strcmp(run->samples[i].where, where) && !strcmp(run->samples[i].transport, t))
			return &run->samples[i];
	return NULL;
}

struct keyed {
	unsigned long key;
	size_t at;
};

static int by_key(const void *pa, const void *pb)
{
	const struct keyed *a = pa, *b = pb;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->at < b->at ? -1 : a->at > b->at;
}

size_t run_sorted(const struct run *run, bool (*keep)(const struct result_row *, const void *),
		  const void *arg, unsigned long (*key)(const struct result_row *),
		  const struct run_row ***out)
{
	struct keyed *k = malloc((run->nrows ? run->nrows : 1) * sizeof *k);
	*out = malloc((run->nrows ? run->nrows : 1) * sizeof **out);
	if (!k || !*out) {
		free(k);
		free(*out);
		*out = NULL;
		return 0;
	}
	size_t n = 0, m = 0;
	for (size_t i = 0; i < run->nrows; i++)
		if (keep(&run->rows[i].r, arg))
			k[n++] = (struct keyed){ key(&run->rows[i].r), i };
	qsort(k, n, sizeof *k, by_key);
	for (size_t i = 0; i < n; i++)
		if (!i || k[i].key != k[i - 1].key)
			(*out)[m++] = &run->rows[k[i].at];
	free(k);
	return m;
}
