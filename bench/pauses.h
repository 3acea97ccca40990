/*
 * pauses.h - `ipclab bench pauses`: the time a CPU is taken away from a
 * program that never gives it up (pauses.c).
 *
 * The analysis is apart from the clock: a struct pauses is fed the gaps
 * between consecutive clock readings (pauses_gap(), from the spin loop, or
 * pauses_scan() over a series of timestamps, from a test) and summarised by
 * pauses_summarize().  Nothing in it allocates: the caller gives the
 * storage for the pause lengths.
 */
#ifndef IPCLAB_PAUSES_H
#define IPCLAB_PAUSES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ipc.h"
#include "report.h"
#include "stats.h"

/* A gap between two consecutive clock readings longer than this is a pause.
 * One reading costs about 30 ns here (the environment's timer_ns), and what
 * the loop itself may add is a cache or TLB miss, a tenth of a microsecond:
 * 5 us is over a hundred readings missed, so nothing of the program's own
 * comes near it.  It is also above most of the guest kernel's own interrupt
 * work (a timer tick: 1 to 3 us), yet well under the pauses looked for (a
 * hypervisor taking the vCPU away: tens of us).  A guest interrupt or
 * preemption that does last longer is counted too: the context switches of
 * the run are reported beside it for that reason. */
#define PAUSE_MIN_NS 5000ULL

/* At most this many pause lengths are kept for the percentiles (8 MiB of
 * doubles); later ones are still counted, timed and summed (overflow).
 * A pause lasts over PAUSE_MIN_NS, so a run of D ms holds fewer than
 * D * 1e6 / PAUSE_MIN_NS of them: the cap is only reached after 5 s. */
#define PAUSES_CAP (1UL << 20)

/* The run's length when --count is not given, in milliseconds. */
#define BENCH_PAUSES_MS 1000

struct pauses {
	uint64_t threshold_ns;     /* a gap longer than this is a pause */
	double *len_us;            /* the first `cap` pauses' lengths (caller's storage) */
	size_t cap;
	size_t stored;             /* lengths in len_us */
	unsigned long long count;  /* pauses seen, stored or not */
	unsigned long long overflow; /* pauses seen after len_us was full */
	uint64_t lost_ns;          /* the total length of every pause seen */
	uint64_t min_ns, max_ns;   /* of every pause seen (min: 0 when none) */
	unsigned long long gaps;   /* gaps fed: clock readings - 1 */
	uint64_t span_ns;          /* the time the gaps cover */
};

/* Start empty: lengths go to store[0..cap-1]. */
void pauses_init(struct pauses *p, uint64_t threshold_ns, double *store, size_t cap);

/* One gap between consecutive clock readings.  Inline and branch-light: it
 * runs between two readings of the spin loop. */
static inline void pauses_gap(struct pauses *p, uint64_t gap_ns)
{
	p->gaps++;
	p->span_ns += gap_ns;
	if (__builtin_expect(gap_ns <= p->threshold_ns, 1))
		return;
	if (p->stored < p->cap)
		p->len_us[p->stored++] = (double)gap_ns / 1000.0;
	else
		p->overflow++;
	if (p->count++ == 0 || gap_ns < p->min_ns)
		p->min_ns = gap_ns;
	if (gap_ns > p->max_ns)
		p->max_ns = gap_ns;
	p->lost_ns += gap_ns;
}

/* Feed the gaps of n timestamps in nanoseconds (never decreasing). */
void pauses_scan(struct pauses *p, const uint64_t *t_ns, size_t n);

/* What a run found: struct pauses_result (report.h, beside the other
 * result layouts). */

/* Summarise p into r (sorts p->len_us in place). */
void pauses_summarize(struct pauses *p, struct pauses_result *r);

/* Spin on CPU `cpu` (-1: the one this process is on when it starts) reading
 * CLOCK_MONOTONIC for `ms` milliseconds, and summarise.  The process's own
 * CPU placement is restored before returning.  0, or -1 and `e`. */
int bench_pauses(int cpu, unsigned long ms, struct pauses_result *r, struct ipc_error *e);

/* The result after the environment record, in any report format: CSV is a
 * header row (first column `kind`, value `pauses`) and one row. */
void pauses_write(FILE *out, enum report_format format, const struct env_record *env,
		  const struct pauses_result *r);

#endif
