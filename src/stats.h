/*
 * stats.h - summary statistics of a sample of measurements.
 *
 * Percentiles use the nearest-rank definition: the p-th percentile of n
 * sorted samples is the value at rank ceil(p/100 * n) (1-based), so it is
 * always one of the measured values, and p100 is the maximum.
 */
#ifndef IPCLAB_STATS_H
#define IPCLAB_STATS_H

#include <stdbool.h>
#include <stddef.h>

struct stats {
	size_t n;
	double min, p50, p90, p99, p999, max;
	double mean, stddev; /* stddev: sample standard deviation (n - 1); 0 when n < 2 */
};

/* Sort `samples` in place and summarise them; n == 0 gives all zeros. */
void stats_compute(double *samples, size_t n, struct stats *out);
/* Nearest-rank percentile of already sorted samples (0 < p <= 100). */
double stats_percentile(const double *sorted, size_t n, double p);

/* The spread rule behind the "HIGH-SPREAD" note and warning: the 99th
 * percentile is more than STATS_SPREAD_FACTOR times the median, i.e. one
 * operation in a hundred takes over three times the typical one (scheduler
 * noise, migrations, interrupts: rerun pinned, on an idle machine). */
#define STATS_SPREAD_FACTOR 3.0
bool stats_high_spread(const struct stats *s);

/*
 * Two levels.  A run of round trips can sit at one speed for part of its
 * time and at another for the rest: the machine changed regime (its host's
 * clock, a neighbour on the same core), and the run's p50 and mean then
 * blend two regimes into a figure that neither had.  Runs of the same
 * measurement can likewise sit on two levels, each run on one.
 *
 * stats_split_levels() looks at points (a run's window medians, or the p50s
 * of several runs): sorted, they are split at the widest relative step
 * between neighbours.  Two levels when that step is at least
 * STATS_LEVEL_STEP and each side holds at least STATS_LEVEL_MIN_SHARE of the
 * points and at least two of them, so that one disturbed window or run is
 * not a level.  A slow drift has no wide step: one level.
 */
#define STATS_LEVEL_STEP 0.05
#define STATS_LEVEL_MIN_SHARE 0.10
/* stats_series_levels(): at most this many windows, of at least this many
 * samples each (a window's median must not be noise itself). */
#define STATS_LEVEL_WINDOWS 20
#define STATS_LEVEL_MIN_WINDOW 250

struct stats_levels {
	bool two;          /* two levels found */
	size_t points;     /* points looked at (windows, or runs) */
	size_t n_high;     /* of them, on the high level */
	double low, high;  /* each level: the median of its points */
	double step;       /* relative step between the two sides' nearest points */
};

/* Split `points` (sorted in place); returns out->two. */
bool stats_split_levels(double *points, size_t n, struct stats_levels *out);
/* The same over a time series cut into windows (their medians are the
 * points); `series` is left as it is.  Fewer than 4 windows' worth of
 * samples, or no memory: one level, out->points == 0. */
bool stats_series_levels(const double *series, size_t n, struct stats_levels *out);

/*
 * Modes.  A distribution of round trips can gather around two places or
 * more (shm across CPUs: near 3 µs and near 26 µs); its p50 then falls
 * between them, or on one, and describes neither.  stats_modes() finds
 * them in sorted samples: a histogram of log-spaced bins
 * (STATS_MODE_BINS_PER_DECADE to a factor of ten), smoothed by 1-2-1,
 * whose local maxima are the candidate modes; two neighbours are one mode
 * unless the lowest bin between them is under STATS_MODE_VALLEY of the
 * lower one's height.  Each mode owns the samples from the valley below it
 * to the valley above it: `at` is their median, `share` their part of all
 * samples.  Only modes holding STATS_MODE_MIN_SHARE of the samples count;
 * fewer than STATS_MODE_MIN_SAMPLES samples: no modes at all.
 */
#define STATS_MODE_BINS_PER_DECADE 20
#define STATS_MODE_VALLEY 0.5
#define STATS_MODE_MIN_SHARE 0.10
#define STATS_MODE_MIN_SAMPLES 200

struct stats_mode {
	double at;        /* the median of the mode's samples */
	double lo, hi;    /* its smallest and largest sample */
	double share;     /* of all samples, 0 to 1 */
};

/* Up to `cap` modes of sorted, positive samples, in increasing order of
 * `at`; returns how many (1 for a distribution with a single mode, 0 when
 * there are too few samples or none positive). */
size_t stats_modes(const double *sorted, size_t n, struct stats_mode *out, size_t cap);

#endif
