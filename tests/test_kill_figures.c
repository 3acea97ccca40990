/*
 * test_kill_figures.c - a measured row's figures agree with one another and
 * with the wall clock around the run, in the units their names give.
 *
 * The test times each benchmark call itself (CLOCK_MONOTONIC around it):
 * the run's own elapsed time lies within that, and the sum of its samples
 * within the run.  So, for `count` operations measured:
 *   count / wall  <=  msgs/s  <=  10^6 / mean_us   (latency, one at a time)
 *   mean_us * count  <=  wall in microseconds
 *   msgs/s * mean_us  =  10^6                       (connect: per connection)
 *   MB/s = msgs/s * size / 10^6, and MB/s >= bytes / 10^6 / wall  (throughput)
 *   cpu_us/op * count  <=  (client + server) CPU time, at most 2 * wall
 * A figure in the wrong unit (ms for us, 2^20 for 10^6, ns for s) is off by
 * a factor of a thousand or so and breaks one of these.
 */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench.h"

extern const struct ipc_transport unix_stream_transport, unix_dgram_transport;

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static struct bench_opts opts(struct test_env *env, const struct ipc_transport *t, size_t size,
			      unsigned long count)
{
	return (struct bench_opts){ .t = t, .ctx = &env->ctx, .size = size, .count = count,
				    .warmup = 3, .pin = { -1, -1 } };
}

/* The CPU time of the two sides fits in the wall time twice over (two
 * processes), and is not negative. */
static void assert_cpu_fits(const struct result_row *row, unsigned long ops, double wall_us)
{
	if (!(row->cpu_us_per_op >= 0 && row->cpu_us_per_op * (double)ops <= 2.05 * wall_us + 1e4))
		fail_msg("%s %s: %.3f us of CPU per op, %lu ops, in %.0f us of wall time",
			 row->kind, row->transport, row->cpu_us_per_op, ops, wall_us);
}

static void latency_agrees(struct test_env *env, const struct ipc_transport *t, size_t size)
{
	struct bench_result r;
	struct ipc_error e = { 0 };
	struct bench_opts o = opts(env, t, size, 200);
	double t0 = now_us();
	if (bench_latency(&o, &r, &e) < 0)
		fail_msg("%s latency: %s", t->name, e.msg);
	double wall = now_us() - t0;
	const struct stats *s = &r.row.lat_us;
	assert_int_equal(s->n, 200);
	if (!(s->mean > 0 && s->mean * 200 <= wall))
		fail_msg("%s: a mean of %.3f us over 200 round trips, in %.0f us in all", t->name,
			 s->mean, wall);
	double lo = 200 / (wall / 1e6), hi = 1e6 / s->mean;
	if (!(r.row.msgs_per_s >= lo * 0.999 && r.row.msgs_per_s <= hi * 1.001))
		fail_msg("%s: %.1f round trips/s, not between %.1f (200 in %.0f us) and %.1f "
			 "(one per mean of %.3f us)", t->name, r.row.msgs_per_s, lo, wall, hi,
			 s->mean);
	assert_cpu_fits(&r.row, 200, wall);
}

static void test_latency_figures(void **state)
{
	struct test_env *env = *state;
	latency_agrees(env, &unix_stream_transport, 0);
	latency_agrees(env, &unix_stream_transport, 1000);
	latency_agrees(env, &unix_dgram_transport, 100);
}

static void test_connect_figures(void **state)
{
	struct test_env *env = *state;
	struct bench_result r;
	struct ipc_error e = { 0 };
	struct bench_opts o = opts(env, &unix_stream_transport, 0, 50);
	double t0 = now_us();
	if (bench_connect(&o, &r, &e) < 0)
		fail_msg("connect: %s", e.msg);
	double wall = now_us() - t0;
	const struct stats *s = &r.row.lat_us;
	assert_int_equal(s->n, 50);
	assert_true(s->mean > 0 && s->mean * 50 <= wall);
	/* connections per second: one per mean connection time */
	if (fabs(r.row.msgs_per_s * s->mean / 1e6 - 1) > 1e-6)
		fail_msg("connect: %.3f connections/s and a mean of %.3f us: the product is "
			 "not 10^6", r.row.msgs_per_s, s->mean);
	assert_cpu_fits(&r.row, 50, wall);
}

static void throughput_agrees(struct test_env *env, const struct ipc_transport *t, size_t size)
{
	struct bench_result r;
	struct ipc_error e = { 0 };
	struct bench_opts o = opts(env, t, size, 0);
	o.total = size * 400ULL;
	double t0 = now_us();
	if (bench_throughput(&o, &r, &e) < 0)
		fail_msg("%s throughput: %s", t->name, e.msg);
	double wall = now_us() - t0;
	assert_int_equal(r.row.count, 400);
	assert_int_equal(r.row.lost, 0);
	double bytes = (double)size * 400;
	/* MB/s: 10^6 bytes a second, the same run as msgs/s */
	if (fabs(r.row.mb_per_s - r.row.msgs_per_s * (double)size / 1e6) >
	    1e-6 * r.row.mb_per_s + 1e-9)
		fail_msg("%s: %.6f MB/s but %.3f messages/s of %zu bytes", t->name, r.row.mb_per_s,
			 r.row.msgs_per_s, size);
	if (!(r.row.mb_per_s >= bytes / 1e6 / (wall / 1e6) * 0.999))
		fail_msg("%s: %.3f MB/s, slower than %.0f bytes in %.0f us of wall time", t->name,
			 r.row.mb_per_s, bytes, wall);
	/* CPU per megabyte: the CPU time of both sides, at most twice the wall */
	if (!(r.row.cpu_ms_per_mb >= 0 &&
	      r.row.cpu_ms_per_mb * (bytes / 1e6) * 1e3 <= 2.05 * wall + 1e4))
		fail_msg("%s: %.3f ms of CPU per MB for %.0f bytes, in %.0f us of wall time",
			 t->name, r.row.cpu_ms_per_mb, bytes, wall);
}

static void test_throughput_figures(void **state)
{
	struct test_env *env = *state;
	throughput_agrees(env, &unix_stream_transport, 4096);
	throughput_agrees(env, &unix_stream_transport, 100000);
	throughput_agrees(env, &unix_dgram_transport, 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_latency_figures, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_connect_figures, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_throughput_figures, test_env_setup,
						test_env_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
