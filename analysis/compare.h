/*
 * compare.h - `ipclab bench compare RUN_A RUN_B`: two runs side by side.
 *
 * The rows of two run directories (each read by run_load_dir) are matched
 * by what makes a measurement (kind, transport, mode, size, clients,
 * placement, checked or not).  Each matched pair is judged by the figure
 * of the row (run_row_figure: value and interval over the rounds): B's
 * figure over A's is the ratio, with the interval the two intervals allow.
 * A change is said only where the intervals are apart and the ratio is
 * further from 1 than the threshold; otherwise the row is "no change
 * beyond the noise" (~).  Where either side has a single round its noise
 * is unknown, and the row says so instead of a verdict.
 */
#ifndef IPCLAB_COMPARE_H
#define IPCLAB_COMPARE_H

#include <stdio.h>

#include "report.h"
#include "run.h"

enum compare_verdict {
	CMP_SAME,       /* no change beyond the noise */
	CMP_FASTER,     /* B better than A: intervals apart */
	CMP_SLOWER,     /* B worse than A: intervals apart */
	CMP_UNJUDGED,   /* one round on a side (or no usable figure): no verdict */
	CMP_ONLY_A,     /* the row is in run A only */
	CMP_ONLY_B,     /* the row is in run B only */
};

struct compare_row {
	const struct run_row *a, *b;    /* NULL: not in that run */
	struct figure fa, fb;
	double ratio, ratio_lo, ratio_hi; /* B / A; the interval only when judged */
	enum compare_verdict verdict;
	const char *why;                /* one short phrase: how the verdict came */
};

struct compare {
	struct compare_row *rows;
	size_t n;
	double threshold; /* a change under this fraction of the figure is noise */
};

/* The default threshold: 2 % (a change under it is not said). */
#define COMPARE_THRESHOLD 0.02

/* Match the rows of a and b (both finished runs) and judge each pair.
 * -1 when memory runs out. */
int compare_runs(const struct run *a, const struct run *b, double threshold, struct compare *c);
void compare_free(struct compare *c);
/* The verdict of one pair whose figures fa and fb are set (ratio, its
 * interval, verdict and why). */
void compare_judge(struct compare_row *r, double threshold);

/* "faster", "slower", "same", "unjudged", "only_a", "only_b". */
const char *compare_verdict_name(enum compare_verdict v);

/* One row's label: "throughput pipe 64 KiB two CPUs (0, 1)". */
const char *compare_row_label(const struct compare_row *r, char *buf, size_t cap);

/* The whole comparison in one format: a summary (per kind: how many rows,
 * the geometric mean of B/A, the verdicts; the largest changes), then
 * every row.  name_a and name_b are the directories as given. */
void compare_write(const struct compare *c, const struct run *a, const struct run *b,
		   const char *name_a, const char *name_b, enum report_format format, FILE *out);

#endif
