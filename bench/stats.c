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
