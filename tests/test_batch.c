/*
 * test_batch.c - `ipclab bench latency --batch N`, seen from outside: the
 * clock read once per N round trips, each sample a batch's mean (the
 * statistic of `bench pingpong`), in a row of its own (T-batch, note
 * BATCH-MEANS) that still counts every round trip; and the requests a
 * batch cannot serve refused in one line with exit status 2.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ENV struct test_env *env = *state

/* Lines in a file. */
static int lines_of(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, c;
	assert_non_null(f);
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* 1200 round trips in batches of 100: 12 samples, each a mean in µs; the
 * row counts the 1200 round trips and says how it was timed. */
static void test_batch_row(void **state)
{
	ENV;
	test_deadline(30, "two short latency runs under ASan");
	char out[8192], err[8192], samples[512];
	snprintf(samples, sizeof samples, "%s/samples.txt", env->dir);

	int st = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "latency",
			      "unix_stream", "--count", "1200", "--warmup", "50", "--batch",
			      "100", "--samples", samples, "--format", "csv", NULL);
	if (st != 0)
		fail_msg("exit %d: %s", st, err);
	const char *row = strstr(out, "\nlatency,unix_stream-batch,greeting,");
	if (!row)
		fail_msg("no unix_stream-batch row in:\n%s", out);
	assert_non_null(strstr(row, ",1200,")); /* every round trip counted */
	assert_non_null(strstr(row, "BATCH-MEANS"));
	assert_int_equal(lines_of(samples), 12);
	FILE *f = fopen(samples, "r");
	assert_non_null(f);
	double us;
	while (fscanf(f, "%lf", &us) == 1)
		assert_true(us > 0 && us < 1e6);
	fclose(f);

	/* Without --batch: the row keeps its name and times each trip alone. */
	st = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "latency",
			  "unix_stream", "--count", "300", "--warmup", "10", "--samples", samples,
			  "--format", "csv", NULL);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "\nlatency,unix_stream,greeting,"));
	assert_null(strstr(out, "BATCH-MEANS"));
	assert_int_equal(lines_of(samples), 300);
	assert_int_equal(unlink(samples), 0); /* the runtime directory is left empty */
}

/* What a batch cannot serve is refused, one line each, exit 2. */
static void test_batch_refusals(void **state)
{
	ENV;
	test_deadline(20, "four refusals, no round trip");
	char out[4096], err[4096];
	static const struct {
		const char *transport, *extra, *extra_arg, *count, *batch, *says;
	} cases[] = {
		{ "udp", NULL, NULL, "100", "10", "datagram transport" },
		{ "shm", "--waits", "/dev/null", "100", "10", "--waits notes each round trip" },
		{ "pipe", NULL, NULL, "50", "100", "holds no whole batch" },
		{ "pipe", NULL, NULL, "50", "0", "--batch must be at least 1" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int st = cases[i].extra
			? test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				       "latency", cases[i].transport, "--count", cases[i].count,
				       "--batch", cases[i].batch, cases[i].extra, cases[i].extra_arg,
				       NULL)
			: test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				       "latency", cases[i].transport, "--count", cases[i].count,
				       "--batch", cases[i].batch, NULL);
		if (st != IPC_USAGE || !strstr(err, cases[i].says))
			fail_msg("%s --batch %s: exit %d, stderr:\n%s", cases[i].transport,
				 cases[i].batch, st, err);
	}
	/* --batch belongs to latency alone. */
	int st = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "throughput",
			      "pipe", "--batch", "10", NULL);
	assert_int_equal(st, IPC_USAGE);
	assert_non_null(strstr(err, "--batch does not apply here"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batch_row, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_batch_refusals, test_env_setup,
						test_env_teardown),
	};
	return cmocka_run_group_tests_name("batch", tests, NULL, NULL);
}
