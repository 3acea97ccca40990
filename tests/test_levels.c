/*
 * test_levels.c - two levels in a run, and in the runs beside a peer.
 *
 * A machine can change speed for a while (its host's clock, a neighbour on
 * the same core): a run that meets the change sits on one level for part of
 * its time and on another for the rest, and a p50 or mean over the whole run
 * blends the two.  These tests feed made-up series with a known shape to
 * the level finder (stats.c) and to the end of a latency run (harness.c),
 * and check what the row's note says.
 */
#include "support.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "stats.h"

/* ---- stats_split_levels ------------------------------------------------- */

static void test_one_level(void **state)
{
	(void)state;
	/* Twenty points within 1 % of each other: one level. */
	double p[20];
	for (size_t i = 0; i < 20; i++)
		p[i] = 12.30 + 0.006 * (double)(i % 7);
	struct stats_levels l;
	assert_false(stats_split_levels(p, 20, &l));
	assert_false(l.two);
	assert_int_equal(l.points, 20);
	assert_true(l.step < STATS_LEVEL_STEP);
}

static void test_two_levels(void **state)
{
	(void)state;
	/* 14 points near 12.3, 6 near 13.9 (13 % higher), in any order. */
	double p[20];
	for (size_t i = 0; i < 20; i++)
		p[i] = i % 10 < 3 ? 13.9 + 0.01 * (double)i : 12.3 + 0.01 * (double)i;
	struct stats_levels l;
	assert_true(stats_split_levels(p, 20, &l));
	assert_int_equal(l.points, 20);
	assert_int_equal(l.n_high, 6);
	assert_true(l.low > 12.3 && l.low < 12.5);
	assert_true(l.high > 13.9 && l.high < 14.1);
	assert_true(l.step > 0.10);
}

static void test_lone_outlier_is_not_a_level(void **state)
{
	(void)state;
	/* One disturbed point far above the rest: not a second level. */
	double p[20];
	for (size_t i = 0; i < 20; i++)
		p[i] = 12.3;
	p[7] = 20.0;
	struct stats_levels l;
	assert_false(stats_split_levels(p, 20, &l));
	/* Two of four are enough on each side; one of four is not. */
	double q[4] = { 10, 10, 12, 12 }, r[4] = { 10, 10, 10, 12 };
	assert_true(stats_split_levels(q, 4, &l));
	assert_int_equal(l.n_high, 2);
	assert_false(stats_split_levels(r, 4, &l));
}

static void test_drift_is_one_level(void **state)
{
	(void)state;
	/* A slow climb of 20 % in even steps of 1 %: no step wide enough. */
	double p[20];
	for (size_t i = 0; i < 20; i++)
		p[i] = 10.0 * pow(1.01, (double)i);
	struct stats_levels l;
	assert_false(stats_split_levels(p, 20, &l));
}

static void test_step_threshold(void **state)
{
	(void)state;
	/* A step just under STATS_LEVEL_STEP is one level; just over, two. */
	double under[8], over[8];
	for (size_t i = 0; i < 8; i++) {
		under[i] = i < 4 ? 10.0 : 10.0 * (1 + STATS_LEVEL_STEP - 0.001);
		over[i] = i < 4 ? 10.0 : 10.0 * (1 + STATS_LEVEL_STEP + 0.001);
	}
	struct stats_levels l;
	assert_false(stats_split_levels(under, 8, &l));
	assert_true(stats_split_levels(over, 8, &l));
	/* Too few points to say anything. */
	double three[3] = { 1, 1, 9 };
	assert_false(stats_split_levels(three, 3, &l));
	assert_false(stats_split_levels(NULL, 0, &l));
}

/* ---- a series in time order --------------------------------------------- */

/* n samples: jittered round trips at `low`, the stretch [from, to) at `high`. */
static double *series(size_t n, double low, double high, size_t from, size_t to)
{
	double *s = malloc(n * sizeof *s);
	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		s[i] = (i >= from && i < to ? high : low) + 0.01 * (double)(i % 5);
	return s;
}

static void test_series_switch_mid_run(void **state)
{
	(void)state;
	/* The first 60 % at 13.7 µs, the rest at 12.2: as seen on a VM. */
	double *s = series(20000, 12.2, 13.7, 0, 12000);
	double first = s[0];
	struct stats_levels l;
	assert_true(stats_series_levels(s, 20000, &l));
	assert_int_equal(l.points, STATS_LEVEL_WINDOWS);
	assert_int_equal(l.n_high, 12);
	assert_true(fabs(l.low - 12.22) < 0.03);
	assert_true(fabs(l.high - 13.72) < 0.03);
	assert_true(s[0] == first); /* the series is left in time order */
	free(s);
}

static void test_series_spikes_are_not_levels(void **state)
{
	(void)state;
	/* One sample in fifty is 4x slower (the machine's pauses): every
	 * window's median is still the typical round trip. */
	double *s = series(20000, 12.3, 12.3, 0, 0);
	for (size_t i = 0; i < 20000; i += 50)
		s[i] = 50.0;
	struct stats_levels l;
	assert_false(stats_series_levels(s, 20000, &l));
	assert_int_equal(l.points, STATS_LEVEL_WINDOWS);
	free(s);
}

static void test_series_too_short(void **state)
{
	(void)state;
	/* Under four windows of STATS_LEVEL_MIN_WINDOW: not judged. */
	size_t n = 4 * STATS_LEVEL_MIN_WINDOW - 1;
	double *s = series(n, 10, 20, 0, n / 2);
	struct stats_levels l;
	assert_false(stats_series_levels(s, n, &l));
	assert_int_equal(l.points, 0);
	free(s);
	/* Exactly four windows: judged. */
	n = 4 * STATS_LEVEL_MIN_WINDOW;
	s = series(n, 10, 20, 0, n / 2);
	assert_true(stats_series_levels(s, n, &l));
	assert_int_equal(l.points, 4);
	assert_int_equal(l.n_high, 2);
	free(s);
}

/* ---- the latency row's note ------------------------------------------- */

/* The end of a latency run over made-up round trips (ns): the row. */
static void finish(const uint64_t *ns_in, size_t n, struct bench_result *r, char *warned,
		   size_t cap)
{
	struct bench_opts o = { .pin = { 0, 0 } };
	struct ipc_error e = { 0 };
	uint64_t *ns = malloc(n * sizeof *ns);
	double *us = malloc(n * sizeof *us);
	assert_non_null(ns);
	assert_non_null(us);
	memcpy(ns, ns_in, n * sizeof *ns);
	FILE *w = fmemopen(warned, cap, "w");
	assert_non_null(w);
	o.warn = w;
	bench_result_init(r, &o, "latency");
	assert_int_equal(bench_finish_latency(r, &o, ns, us, n, &e), 0);
	fclose(w);
	free(ns);
	free(us);
}

static void test_note_names_both_levels(void **state)
{
	(void)state;
	size_t n = 10000;
	uint64_t *ns = malloc(n * sizeof *ns);
	assert_non_null(ns);
	/* 30 % of the run (the middle) at 6,200 ns, the rest at 4,900. */
	for (size_t i = 0; i < n; i++)
		ns[i] = i >= 3500 && i < 6500 ? 6200 : 4900;
	struct bench_result r;
	char warned[1024] = "";
	finish(ns, n, &r, warned, sizeof warned);
	assert_non_null(strstr(r.note, "TWO-LEVEL"));
	assert_non_null(strstr(r.note, "levels=4.900/6.200us"));
	assert_non_null(strstr(r.note, "high=30%"));
	assert_non_null(strstr(warned, "two levels, 70 % of it at 4.900 us and 30 % at 6.200 us"));
	/* The figures still cover the whole run: the note is what warns. */
	assert_true(fabs(r.row.lat_us.p50 - 4.9) < 1e-9);
	assert_true(fabs(r.row.lat_us.mean - (0.7 * 4.9 + 0.3 * 6.2)) < 1e-9);

	/* The same round trips on one level: no note, no warning. */
	for (size_t i = 0; i < n; i++)
		ns[i] = 4900 + (i % 3) * 10;
	warned[0] = '\0';
	finish(ns, n, &r, warned, sizeof warned);
	assert_null(strstr(r.note, "TWO-LEVEL"));
	assert_null(strstr(warned, "two levels"));
	free(ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_level),
		cmocka_unit_test(test_two_levels),
		cmocka_unit_test(test_lone_outlier_is_not_a_level),
		cmocka_unit_test(test_drift_is_one_level),
		cmocka_unit_test(test_step_threshold),
		cmocka_unit_test(test_series_switch_mid_run),
		cmocka_unit_test(test_series_spikes_are_not_levels),
		cmocka_unit_test(test_series_too_short),
		cmocka_unit_test(test_note_names_both_levels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
