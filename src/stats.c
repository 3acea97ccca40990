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

/* Bins of the log histogram: bin k covers [min * 10^(k/B), min * 10^((k+1)/B)). */
static size_t mode_bin(double v, double min)
{
	return (size_t)floor(log10(v / min) * STATS_MODE_BINS_PER_DECADE + 1e-9);
}

size_t stats_modes(const double *sorted, size_t n, struct stats_mode *out, size_t cap)
{
	size_t first = 0;
	while (first < n && !(sorted[first] > 0))
		first++;
	if (n - first < STATS_MODE_MIN_SAMPLES || cap == 0)
		return 0;
	const double *v = sorted + first;
	size_t m = n - first;
	double min = v[0];
	size_t nb = mode_bin(v[m - 1], min) + 1;
	size_t *count = calloc(nb, sizeof *count);
	double *smooth = calloc(nb, sizeof *smooth);
	size_t *peak = calloc(nb, sizeof *peak), *cut = calloc(nb + 1, sizeof *cut);
	size_t found = 0;
	if (!count || !smooth || !peak || !cut)
		goto out;
	for (size_t i = 0; i < m; i++) {
		size_t b = mode_bin(v[i], min);
		count[b < nb ? b : nb - 1]++;
	}
	for (size_t b = 0; b < nb; b++)
		smooth[b] = (2.0 * count[b] + (b ? count[b - 1] : 0) + (b + 1 < nb ? count[b + 1] : 0)) / 4;
	/* Local maxima (a plateau counts once, at its first bin). */
	size_t np = 0;
	for (size_t b = 0; b < nb; b++) {
		double left = b ? smooth[b - 1] : 0, right = 0;
		size_t e = b;
		while (e + 1 < nb && smooth[e + 1] == smooth[b])
			e++;
		right = e + 1 < nb ? smooth[e + 1] : 0;
		if (smooth[b] > 0 && smooth[b] > left && smooth[b] > right)
			peak[np++] = b;
		b = e;
	}
	/* Merge neighbours without a deep enough valley between them. */
	size_t k = 0;
	for (size_t i = 1; i < np; i++) {
		double valley = INFINITY;
		for (size_t b = peak[k] + 1; b < peak[i]; b++)
			valley = fmin(valley, smooth[b]);
		double lower = fmin(smooth[peak[k]], smooth[peak[i]]);
		if (valley < STATS_MODE_VALLEY * lower)
			peak[++k] = peak[i];
		else if (smooth[peak[i]] > smooth[peak[k]])
			peak[k] = peak[i];
	}
	np = np ? k + 1 : 0;
	/* Each mode's bins: from the lowest bin of the valley below to the
	 * one above. */
	cut[0] = 0;
	for (size_t i = 1; i < np; i++) {
		size_t low = peak[i - 1] + 1;
		for (size_t b = low; b < peak[i]; b++)
			if (smooth[b] < smooth[low])
				low = b;
		cut[i] = low;
	}
	cut[np] = nb;
	size_t at = 0;
	for (size_t i = 0; i < np; i++) {
		size_t start = at;
		while (at < m && mode_bin(v[at], min) < cut[i + 1])
			at++;
		if (i + 1 == np)
			at = m;
		size_t own = at - start;
		double share = (double)own / (double)m;
		if (!own || share < STATS_MODE_MIN_SHARE || found == cap)
			continue;
		out[found++] = (struct stats_mode){ .at = sorted_median(v + start, own),
						    .lo = v[start], .hi = v[at - 1], .share = share };
	}
out:
	free(count);
	free(smooth);
	free(peak);
	free(cut);
	return found;
}
