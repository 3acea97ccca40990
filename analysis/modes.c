/*
 * modes.c - a transport's modes, and what its waits did in each
 * (modes.h).  The modes come from stats_modes() over the samples the CDF
 * plot draws; a round trip belongs to the mode whose smallest and largest
 * samples bracket it (modes own disjoint stretches of the sorted samples).
 */
#include "modes.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const run_end_word[IPC_END_KINDS] = { "ready", "spun", "slept" };

int run_add_waits(struct run *run, const char *where, const char *t, struct run_trip_wait *trip,
		  size_t n)
{
	struct run_waits *w = (struct run_waits *)run_find_waits(run, where, t);
	if (!w) {
		if (run_grow(&run->waits, run->nwaits, &run->capwaits, sizeof *run->waits) < 0) {
			free(trip);
			return -1;
		}
		w = &run->waits[run->nwaits++];
		memset(w, 0, sizeof *w);
		snprintf(w->where, sizeof w->where, "%s", where);
		snprintf(w->transport, sizeof w->transport, "%s", t);
	}
	if (!w->trip) {
		w->trip = trip;
		w->n = n;
		return 0;
	}
	struct run_trip_wait *all = n ? realloc(w->trip, (w->n + n) * sizeof *all) : w->trip;
	if (!all) {
		free(trip);
		return -1;
	}
	if (n)
		memcpy(all + w->n, trip, n * sizeof *trip);
	free(trip);
	w->trip = all;
	w->n += n;
	return 0;
}

const struct run_waits *run_find_waits(const struct run *run, const char *where, const char *t)
{
	for (size_t i = 0; i < run->nwaits; i++)
		if (!strcmp(run->waits[i].where, where) && !strcmp(run->waits[i].transport, t))
			return &run->waits[i];
	return NULL;
}

void run_waits_free(struct run *run)
{
	for (size_t i = 0; i < run->nwaits; i++)
		free(run->waits[i].trip);
	free(run->waits);
	run->waits = NULL;
	run->nwaits = run->capwaits = 0;
}

/* The share of sorted v[0..n) above x. */
static double share_above(const double *v, size_t n, double x)
{
	size_t lo = 0, hi = n; /* the first index whose value is above x */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return n ? (double)(n - lo) / (double)n : 0;
}

size_t run_modes(const struct run *run, const char *where, const char *t, struct run_mode *out,
		 size_t cap)
{
	const struct run_samples *smp = run_find_samples(run, where, t);
	struct stats_mode m[RUN_MODES_MAX];
	if (!smp || cap == 0)
		return 0;
	size_t nm = stats_modes(smp->v, smp->n, m, cap < RUN_MODES_MAX ? cap : RUN_MODES_MAX);
	const struct run_waits *w = run_find_waits(run, where, t);
	for (size_t k = 0; k < nm; k++) {
		struct run_mode *o = &out[k];
		size_t side_n[2] = { 0, 0 }, side_end[2][IPC_END_KINDS], both = 0, same = 0;
		memset(o, 0, sizeof *o);
		memset(side_end, 0, sizeof side_end);
		o->m = m[k];
		o->y = share_above(smp->v, smp->n, m[k].at);
		o->same_cpu = NAN;
		for (size_t i = 0; w && i < w->n; i++) {
			const struct run_trip_wait *tw = &w->trip[i];
			if (tw->us < m[k].lo || tw->us > m[k].hi)
				continue;
			bool any = false;
			for (int s = 0; s < 2; s++)
				if (tw->end[s] >= 0 && tw->end[s] < IPC_END_KINDS) {
					side_n[s]++;
					side_end[s][tw->end[s]]++;
					any = true;
				}
			o->counted += any;
			if (tw->cpu[0] >= 0 && tw->cpu[1] >= 0) {
				both++;
				same += tw->cpu[0] == tw->cpu[1];
			}
		}
		for (int s = 0; s < 2; s++)
			for (int e = 0; e < IPC_END_KINDS; e++)
				o->end[s][e] = side_n[s] ? (double)side_end[s][e] / (double)side_n[s] : 0;
		if (both)
			o->same_cpu = (double)same / (double)both;
	}
	return nm;
}
