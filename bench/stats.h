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

#endif
