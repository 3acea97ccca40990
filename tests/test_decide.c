/*
 * test_decide.c - the decision table at the top of summary.md
 * (analysis/decide.c): made-up runs whose best, runner-up and ties follow
 * from the figures and intervals given here.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "decide.h"
#include "run.h"

/* One throughput point at 64 KiB on two CPUs, a round per figure. */
static void stream(struct run *run, const char *t, const double *mb, const double *cpu,
		   size_t n, unsigned long lost)
{
	for (size_t i = 0; i < n; i++) {
		struct result_row r = { .kind = "throughput", .transport = t, .mode = "",
					.size = 65536, .count = 100, .clients = 1, .pin = "0,1",
					.lost = lost, .note = "" };
		r.mb_per_s = mb[i];
		r.cpu_ms_per_mb = cpu[i];
		assert_int_equal(run_add_row(run, &r), 0);
	}
}

static void greeting(struct run *run, const char *t, const char *pin, double p50)
{
	struct result_row r = { .kind = "latency", .transport = t, .mode = "greeting", .size = 16,
				.count = 100, .clients = 1, .pin = pin, .note = "" };
	r.lat_us.p50 = p50;
	assert_int_equal(run_add_row(run, &r), 0);
}

static void served(struct run *run, const char *t, const char *mode, unsigned long clients,
		   double per_s)
{
	struct result_row r = { .kind = "load", .transport = t, .mode = mode, .size = 16,
				.count = 1000, .clients = clients, .pin = "none", .note = "" };
	r.msgs_per_s = per_s;
	r.lat_us.p50 = 50;
	assert_int_equal(run_add_row(run, &r), 0);
}

static const struct decision *question(const struct decision *d, size_t n, const char *prefix)
{
	for (size_t i = 0; i < n; i++)
		if (!strncmp(d[i].question, prefix, strlen(prefix)))
			return &d[i];
	fail_msg("no question '%s'", prefix);
	return NULL;
}

/* Bulk stream: shm's interval apart from tcp's: shm ahead.  CPU per MB:
 * the runner-up's interval overlaps the best's, a third's too, a fourth's
 * not: the three are tied, the fourth is not named.  A lossy transport
 * is no candidate. */
static void test_ahead_and_tied(void **state)
{
	(void)state;
	struct run *run = run_new();
	static const double shm_mb[] = { 5000, 5200, 5400 }, shm_cpu[] = { 0.30, 0.32, 0.34 };
	static const double tcp_mb[] = { 3000, 3100, 3200 }, tcp_cpu[] = { 0.33, 0.36, 0.38 };
	static const double uds_mb[] = { 2000, 2100, 2200 }, uds_cpu[] = { 0.33, 0.37, 0.40 };
	static const double fifo_mb[] = { 1000, 1100, 1200 }, fifo_cpu[] = { 0.50, 0.55, 0.60 };
	static const double udp_mb[] = { 9000, 9100, 9200 }, udp_cpu[] = { 0.01, 0.01, 0.01 };
	stream(run, "shm", shm_mb, shm_cpu, 3, 0);
	stream(run, "tcp", tcp_mb, tcp_cpu, 3, 0);
	stream(run, "unix_stream", uds_mb, uds_cpu, 3, 0);
	stream(run, "fifo", fifo_mb, fifo_cpu, 3, 0);
	stream(run, "udp", udp_mb, udp_cpu, 3, 7);
	run_finish(run);
	snprintf(run->cross, sizeof run->cross, "0,1");

	struct decision d[8];
	size_t n = decide(run, d, 8);
	const struct decision *bulk = question(d, n, "Bulk stream");
	assert_string_equal(bulk->best.name, "shm");
	assert_float_equal(bulk->best.f.value, 5200, 1e-9);
	assert_float_equal(bulk->best.f.lo, 5000, 1e-9);
	assert_float_equal(bulk->best.f.hi, 5400, 1e-9);
	assert_true(bulk->has_runner);
	assert_string_equal(bulk->runner.name, "tcp");
	assert_int_equal(bulk->verdict, DEC_AHEAD);

	const struct decision *cpu = question(d, n, "CPU per MB");
	assert_string_equal(cpu->best.name, "shm");
	assert_float_equal(cpu->best.f.lo, 0.30, 1e-12);
	assert_float_equal(cpu->best.f.hi, 0.34, 1e-12);
	assert_string_equal(cpu->runner.name, "tcp");
	assert_int_equal(cpu->verdict, DEC_TIED);
	assert_int_equal(cpu->ntied, 3);
	assert_string_equal(cpu->tied[0], "shm");
	assert_string_equal(cpu->tied[1], "tcp");
	assert_string_equal(cpu->tied[2], "unix_stream");

	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	decision_table(run, f);
	fclose(f);
	assert_non_null(strstr(text, "| shm: 5200 MB/s [5000, 5400], 3 rounds | tcp: 3100 MB/s "
				     "[3000, 3200], 3 rounds | shm ahead: the intervals are apart |"));
	assert_non_null(strstr(text, "tied within the noise: shm, tcp, unix_stream |"));
	assert_null(strstr(text, "udp"));
	free(text);
	run_free(run);
}

/* One round: the best and the runner-up by their figures, no verdict;
 * one candidate: no runner-up.  Many clients: the most clients measured,
 * redis (a peer, not a transport of ours) left out. */
static void test_one_round_and_alone(void **state)
{
	(void)state;
	struct run *run = run_new();
	greeting(run, "pipe", "0,0", 14.0);
	greeting(run, "fifo", "0,0", 14.2);
	greeting(run, "tcp", "0,0", 30.0);
	greeting(run, "tcp", "0,1", 40.0);
	served(run, "unix_stream", "epoll", 50, 90000);
	served(run, "unix_stream", "epoll", 1000, 40000);
	served(run, "unix_stream", "poll", 1000, 45000);
	served(run, "unix_stream", "redis", 1000, 99000);
	run_finish(run);
	snprintf(run->same, sizeof run->same, "0,0");
	snprintf(run->cross, sizeof run->cross, "0,1");

	struct decision d[8];
	size_t n = decide(run, d, 8);
	const struct decision *one = question(d, n, "Small request/reply, one CPU");
	assert_string_equal(one->best.name, "pipe");
	assert_string_equal(one->runner.name, "fifo");
	assert_int_equal(one->verdict, DEC_UNJUDGED);
	const struct decision *two = question(d, n, "Small request/reply, two CPUs");
	assert_string_equal(two->best.name, "tcp");
	assert_false(two->has_runner);
	assert_int_equal(two->verdict, DEC_ALONE);
	const struct decision *many = question(d, n, "Many clients (1000 at once)");
	assert_string_equal(many->best.name, "unix_stream, poll");
	assert_string_equal(many->runner.name, "unix_stream, epoll");

	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	decision_table(run, f);
	fclose(f);
	assert_non_null(strstr(text, "| pipe: 14.0 µs, one round | fifo: 14.2 µs, one round | "
				     "not judged: one round, no interval |"));
	assert_null(strstr(text, "redis"));
	free(text);
	run_free(run);
}

/* A run with nothing to decide writes no table. */
static void test_nothing_to_decide(void **state)
{
	(void)state;
	struct run *run = run_new();
	run_finish(run);
	struct decision d[8];
	assert_int_equal(decide(run, d, 8), 0);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	decision_table(run, f);
	fclose(f);
	assert_string_equal(text, "");
	free(text);
	run_free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ahead_and_tied),
		cmocka_unit_test(test_one_round_and_alone),
		cmocka_unit_test(test_nothing_to_decide),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
