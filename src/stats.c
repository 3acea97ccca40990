/* stats.c - nearest-rank percentiles, mean and standard deviation; see stats.h. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/*
 * rank = ceil(p/100 * n), 1-based.  p * n is formed first and divided by
 * 100 after, so that exact cases stay exact (90 * 10 / 100 = 9, whereas
 * 0.9 * 10 = 9.000000000000002 would round up to rank 10).  The small
 * relative slack absorbs what is left of binary fractions such as 99.9.
 */
static size_t nearest_rank(size_t n, double p)
{
	double x = p * (double)n / 100.0;
	double r = ceil(x - 1e-9 * (x > 1.0 ? x : 1.0));

	if (r < 1.0)
		return 1;
	if (r > (double)n)
		return n;
	return (size_t)r;
}

double stats_percentile(const double *sorted, size_t n, double p)
{
	if (n == 0)
		return 0.0;
	return sorted[nearest_rank(n, p) - 1];
}

void stats_compute(double *samples, size_t n, struct stats *out)
{
	memset(out, 0, sizeof *out);
	if (n == 0)
		return;
	qsort(samples, n, sizeof *samples, cmp_double);
	out->n = n;
	out->min = samples[0];
	out->max = samples[n - 1];
	out->p50 = stats_percentile(samples, n, 50);
	out->p90 = stats_percentile(samples, n, 90);
	out->p99 = stats_percentile(samples, n, 99);
	out->p999 = stats_percentile(samples, n, 99.9);

	/* Two passes: the mean first, then squared deviations from it, which
	 * loses far less precision than sum(x^2) - n * mean^2. */
	double sum = 0.0;
	for (size_t i = 0; i < n; i++)
		sum += samples[i];
	out->mean = sum / (double)n;
	if (n > 1) {
		double sq = 0.0;
		for (size_t i = 0; i < n; i++) {
			double d = samples[i] - out->mean;
			sq += d * d;
		}
		out->stddev = sqrt(sq / (double)(n - 1));
	}
}

bool stats_high_spread(const struct stats *s)
{
	return s->n > 0 && s->p99 > STATS_SPREAD_FACTOR * s->p50;
}

/* The median of sorted values (the lower one of an even count's middle
 * pair, as the nearest-rank p50). */
static double sorted_median(const double *v, size_t n)
{
	return stats_percentile(v, n, 50);
}

bool stats_split_levels(double *points, size_t n, struct stats_levels *out)
{
	memset(out, 0, sizeof *out);
	out->points = n;
	if (n < 4)
		return false;
	qsort(points, n, sizeof *points, cmp_double);
	size_t min_side = (size_t)ceil(STATS_LEVEL_MIN_SHARE * (double)n);
	if (min_side < 2)
		min_side = 2;
	size_t cut = 0;
	double widest = 0.0;
	for (size_t i = min_side; i + min_side <= n; i++) {
		if (points[i - 1] <= 0.0)
			continue;
		double step = points[i] / points[i - 1] - 1.0;
		if (step > widest) {
			widest = step;
			cut = i;
		}
	}
	out->step = widest;
	if (cut == 0 || widest < STATS_LEVEL_STEP)
		return false;
	out->two = true;
	out->n_high = n - cut;
	out->low = sorted_median(points, cut);
	out->high = sorted_median(points + cut, n - cut);
	return true;
}

bool stats_series_levels(const double *series, size_t n, struct stats_levels *out)
{
	memset(out, 0, sizeof *out);
	size_t windows = n / STATS_LEVEL_MIN_WINDOW;
	if (windows > STATS_LEVEL_WINDOWS)
		windows = STATS_LEVEL_WINDOWS;
	if (windows < 4)
		return false;
	size_t width = n / windows; /* the last few samples (< windows) sit out */
	double *scratch = malloc(width * sizeof *scratch);
	double points[STATS_LEVEL_WINDOWS];
	if (!scratch)
		return false;
	for (size_t w = 0; w < windows; w++) {
		memcpy(scratch, series + w * width, width * sizeof *scratch);
		qsort(scratch, width, sizeof *scratch, cmp_double);
		points[w] = sorted_median(scratch, width);
	}
	free(scratch);
	return stats_split_levels(points, windows, out);
}
