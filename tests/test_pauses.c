/*
 * test_pauses.c - `ipclab bench pauses` (bench/pauses.c): the analysis of
 * the gaps between clock readings on series made up here, where every
 * answer is known, the writers, and one short real run read back from its
 * CSV by column name.
 *
 * The real run asserts what any machine must give (a rate, a share between
 * 0 and 100, ordered percentiles), never how many pauses there were.
 */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pauses.h"

#define ENV struct test_env *env = *state

/* ---- the analysis ------------------------------------------------------- */

/* Readings 30 ns apart and nothing else: no pause, nothing lost. */
static void test_pauses_no_gap(void **state)
{
	(void)state;
	uint64_t t[1000];
	double store[16];
	struct pauses p;
	struct pauses_result r;

	for (size_t i = 0; i < 1000; i++)
		t[i] = 1000000 + 30 * i;
	pauses_init(&p, PAUSE_MIN_NS, store, 16);
	pauses_scan(&p, t, 1000);
	pauses_summarize(&p, &r);
	assert_int_equal(p.gaps, 999);
	assert_int_equal(p.span_ns, 999 * 30);
	assert_int_equal(r.pauses, 0);
	assert_int_equal(r.overflow, 0);
	assert_true(r.per_s == 0 && r.lost_pct == 0);
	assert_true(r.seconds == 999 * 30 / 1e9);
	assert_true(r.threshold_us == 5.0);
	assert_true(r.clock_ns == 30.0);
	/* No pause has a length: not measured, rather than 0. */
	assert_true(isnan(r.min_us) && isnan(r.p50_us) && isnan(r.p90_us));
	assert_true(isnan(r.p99_us) && isnan(r.max_us));
	assert_int_equal(r.cpu, -1);
	assert_true(isnan(r.ctxsw));
}

/* Fewer than two readings: no gap, no time, no division by zero. */
static void test_pauses_empty(void **state)
{
	(void)state;
	uint64_t t[1] = { 42 };
	struct pauses p;
	struct pauses_result r;

	pauses_init(&p, PAUSE_MIN_NS, NULL, 0);
	pauses_scan(&p, t, 0);
	pauses_scan(&p, t, 1);
	pauses_summarize(&p, &r);
	assert_int_equal(p.gaps, 0);
	assert_true(r.seconds == 0 && r.pauses == 0 && r.per_s == 0 && r.lost_pct == 0);
	assert_true(isnan(r.clock_ns) && isnan(r.p50_us));
}

/* Ten pauses of 10, 20 ... 100 us, out of order, among 50 ns steps, over
 * exactly 1 ms: every figure is known. */
static void test_pauses_known_gaps(void **state)
{
	(void)state;
	static const uint64_t pause_us[10] = { 70, 10, 100, 40, 20, 90, 30, 60, 80, 50 };
	size_t n = 0;
	uint64_t *t = malloc(10000 * sizeof *t), now = 5000000;
	double store[64];
	struct pauses p;
	struct pauses_result r;
	assert_non_null(t);

	/* 450 us of 50 ns steps (9000) + 550 us of pauses = 1 ms. */
	t[n++] = now;
	for (size_t i = 0; i < 9000; i++) {
		if (i % 900 == 450) {
			now += pause_us[i / 900] * 1000;
			t[n++] = now;
		}
		now += 50;
		t[n++] = now;
	}
	assert_int_equal(n, 9011);
	assert_int_equal(t[n - 1] - t[0], 1000000);

	pauses_init(&p, PAUSE_MIN_NS, store, 64);
	pauses_scan(&p, t, n);
	pauses_summarize(&p, &r);
	assert_int_equal(r.pauses, 10);
	assert_int_equal(p.stored, 10);
	assert_int_equal(r.overflow, 0);
	assert_int_equal(p.lost_ns, 550000);
	assert_true(r.seconds == 0.001);
	assert_true(fabs(r.per_s - 10000.0) < 1e-6);
	assert_true(fabs(r.lost_pct - 55.0) < 1e-9);
	assert_true(fabs(r.clock_ns - 50.0) < 1e-9);
	/* Nearest rank of 10: p50 the 5th, p90 the 9th, p99 the 10th. */
	assert_true(r.min_us == 10.0);
	assert_true(r.p50_us == 50.0);
	assert_true(r.p90_us == 90.0);
	assert_true(r.p99_us == 100.0);
	assert_true(r.max_us == 100.0);
	free(t);
}

/* A pause is a gap LONGER than the threshold: at it, it is not one. */
static void test_pauses_threshold_edge(void **state)
{
	(void)state;
	static const uint64_t t[] = { 0, 30, 30 + 4999, 30 + 4999 + 5000, 30 + 4999 + 5000 + 5001,
				      30 + 4999 + 5000 + 5001 + 30 };
	double store[8];
	struct pauses p;
	struct pauses_result r;

	pauses_init(&p, PAUSE_MIN_NS, store, 8);
	pauses_scan(&p, t, sizeof t / sizeof t[0]);
	pauses_summarize(&p, &r);
	assert_int_equal(r.pauses, 1);
	assert_int_equal(p.lost_ns, 5001);
	assert_true(r.min_us == 5.001 && r.max_us == 5.001 && r.p50_us == 5.001);

	/* The threshold is the caller's: at 1 us, all three are pauses. */
	pauses_init(&p, 1000, store, 8);
	pauses_scan(&p, t, sizeof t / sizeof t[0]);
	pauses_summarize(&p, &r);
	assert_int_equal(r.pauses, 3);
	assert_true(r.threshold_us == 1.0);
	assert_true(r.min_us == 4.999 && r.p50_us == 5.0 && r.max_us == 5.001);
	/* Under the threshold, a gap of one's own counts toward the clock. */
	assert_true(r.clock_ns == 30.0);
}

/* Past the cap, pauses are counted, summed and timed, never written. */
static void test_pauses_overflow(void **state)
{
	(void)state;
	double store[6] = { -1, -1, -1, -1, -1, -1 };
	struct pauses p;
	struct pauses_result r;

	pauses_init(&p, PAUSE_MIN_NS, store, 4);
	for (uint64_t i = 1; i <= 10; i++) {
		pauses_gap(&p, 100);
		pauses_gap(&p, i == 10 ? 1000000 : i * 10000); /* the longest one last */
	}
	pauses_summarize(&p, &r);
	assert_int_equal(r.pauses, 10);
	assert_int_equal(p.stored, 4);
	assert_int_equal(r.overflow, 6);
	assert_true(store[4] == -1 && store[5] == -1); /* nothing past the cap */
	assert_int_equal(p.lost_ns, (1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9) * 10000ULL + 1000000);
	assert_int_equal(p.span_ns, p.lost_ns + 10 * 100);
	/* min and max over all ten; percentiles over the four kept. */
	assert_true(r.min_us == 10.0 && r.max_us == 1000.0);
	assert_true(r.p50_us == 20.0 && r.p99_us == 40.0);

	/* No storage at all: counted, not ranked. */
	pauses_init(&p, PAUSE_MIN_NS, NULL, 100);
	pauses_gap(&p, 30000);
	pauses_summarize(&p, &r);
	assert_int_equal(r.pauses, 1);
	assert_int_equal(r.overflow, 1);
	assert_true(r.min_us == 30.0 && r.max_us == 30.0 && isnan(r.p50_us));
}

/* ---- the writers ---------------------------------------------------------- */

static char *written(enum report_format format, const struct pauses_result *r)
{
	struct env_record env;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	memset(&env, 0, sizeof env);
	snprintf(env.date, sizeof env.date, "2026-01-02T03:04:05Z");
	snprintf(env.pin, sizeof env.pin, "1");
	pauses_write(f, format, &env, r);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_pauses_write(void **state)
{
	(void)state;
	struct pauses_result r = {
		.cpu = 1, .seconds = 1.0, .threshold_us = 5, .pauses = 1349, .per_s = 1349,
		.lost_pct = 4.94, .min_us = 5.5, .p50_us = 33, .p90_us = 37.25, .p99_us = 41,
		.max_us = 120.125, .clock_ns = 30, .ctxsw = 0, .overflow = 0,
		.others_pct = 2.5, .steal_pct = 0.125,
	};
	char *s = written(REPORT_CSV, &r);
	assert_non_null(strstr(s, "# date: 2026-01-02T03:04:05Z\n"));
	assert_non_null(strstr(s, "\nkind,cpu,seconds,threshold_us,pauses,pauses_per_s,lost_pct,"
				  "min_us,p50_us,p90_us,p99_us,max_us,clock_ns,ctxsw,overflow,"
				  "others_pct,steal_pct\n"
				  "pauses,1,1.000,5.000,1349,1349.000,4.940,5.500,33.000,37.250,"
				  "41.000,120.125,30.000,0,0,2.500,0.125\n"));
	free(s);

	s = written(REPORT_JSON, &r);
	assert_int_equal(strncmp(s, "{\n  \"environment\": {", 20), 0);
	assert_non_null(strstr(s, "\n  },\n  \"rows\": [\n    {\"kind\": \"pauses\", \"cpu\": 1, "));
	assert_non_null(strstr(s, "\"p99_us\": 41.000, "));
	assert_non_null(strstr(s, "\"overflow\": 0, \"others_pct\": 2.500, \"steal_pct\": 0.125}\n  ]\n}\n"));
	free(s);

	s = written(REPORT_MARKDOWN, &r);
	assert_non_null(strstr(s, "\n| kind | cpu | seconds |"));
	assert_non_null(strstr(s, "\n| pauses | 1 | 1.000 | 5.000 | 1349 |"));
	free(s);

	s = written(REPORT_TEXT, &r);
	assert_non_null(strstr(s, "pauses on CPU 1 over 1.000 s"));
	assert_non_null(strstr(s, "1349, 1349.0 a second; 4.94 % of the time lost"));
	assert_non_null(strstr(s, "p99 41.0"));
	assert_non_null(strstr(s, "taken        2.5 % of the time by other tasks, 0.1 % by the "
				  "host (steal)"));
	/* Text only: no CSV, JSON or Markdown after it. */
	assert_null(strstr(s, "kind,cpu"));
	assert_null(strstr(s, "\"cpu\""));
	assert_null(strstr(s, "| kind |"));
	free(s);

	/* No pause: the lengths are not measured, not zero. */
	r.pauses = 0;
	r.per_s = r.lost_pct = 0;
	r.min_us = r.p50_us = r.p90_us = r.p99_us = r.max_us = NAN;
	r.others_pct = r.steal_pct = NAN; /* not measured: empty, and no line of text */
	s = written(REPORT_CSV, &r);
	assert_non_null(strstr(s, "\npauses,1,1.000,5.000,0,0.000,0.000,,,,,,30.000,0,0,,\n"));
	free(s);
	s = written(REPORT_JSON, &r);
	assert_non_null(strstr(s, "\"min_us\": null, "));
	free(s);
	s = written(REPORT_TEXT, &r);
	assert_non_null(strstr(s, "min -  p50 -"));
	assert_null(strstr(s, "taken "));
	free(s);
}

/* ---- the command ---------------------------------------------------------- */

#define MAX_COLS 32

/* The value of column `name` in the first data row of a CSV text whose
 * header starts with "kind", or NULL.  Splits `csv` in place. */
struct csv_row {
	char *name[MAX_COLS], *value[MAX_COLS];
	size_t n;
};

static void csv_read(char *csv, struct csv_row *row)
{
	char *line, *save = NULL, *header = NULL, *data = NULL;
	for (line = strtok_r(csv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (!header)
			header = line;
		else if (!data)
			data = line;
	}
	assert_non_null(header);
	assert_non_null(data);
	assert_int_equal(strncmp(header, "kind,", 5), 0);
	row->n = 0;
	/* strsep: empty fields are fields. */
	for (char *f; (f = strsep(&header, ",")) && row->n < MAX_COLS;)
		row->name[row->n++] = f;
	size_t i = 0;
	for (char *f; (f = strsep(&data, ",")) && i < MAX_COLS;)
		row->value[i++] = f;
	assert_int_equal(i, row->n);
}

static const char *csv_get(const struct csv_row *row, const char *name)
{
	for (size_t i = 0; i < row->n; i++)
		if (!strcmp(row->name[i], name))
			return row->value[i];
	fail_msg("no column %s", name);
	return NULL;
}

static double csv_num(const struct csv_row *row, const char *name)
{
	const char *v = csv_get(row, name);
	char *end;
	double d = strtod(v, &end);
	if (end == v || *end)
		fail_msg("column %s: '%s' is not a number", name, v);
	return d;
}

static void test_cli_pauses_csv(void **state)
{
	ENV;
	char out[8192], err[4096];
	struct csv_row row;

	int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "pauses",
			      "--count", "50", "--format", "csv", NULL);
	if (rc != 0)
		fail_msg("exit %d: %s", rc, err);
	assert_non_null(strstr(out, "# clocksource: "));
	csv_read(out, &row);
	assert_string_equal(csv_get(&row, "kind"), "pauses");
	double cpu = csv_num(&row, "cpu");
	assert_true(cpu >= 0);
	assert_true(csv_num(&row, "seconds") >= 0.050); /* it ran at least 50 ms */
	assert_true(csv_num(&row, "threshold_us") == 5.0);
	double pauses = csv_num(&row, "pauses");
	double rate = csv_num(&row, "pauses_per_s"), lost = csv_num(&row, "lost_pct");
	assert_true(pauses >= 0 && rate >= 0);
	assert_true(lost >= 0 && lost <= 100);
	assert_true(csv_num(&row, "overflow") == 0);
	assert_true(csv_num(&row, "clock_ns") > 0);
	assert_true(csv_num(&row, "ctxsw") >= 0);
	/* Who else had the CPU: shares, whatever they are here. */
	double others = csv_num(&row, "others_pct"), steal = csv_num(&row, "steal_pct");
	assert_true(others >= 0 && others <= 100 && steal >= 0 && steal <= 100);
	if (pauses > 0) {
		double min = csv_num(&row, "min_us"), p50 = csv_num(&row, "p50_us");
		double p90 = csv_num(&row, "p90_us"), p99 = csv_num(&row, "p99_us");
		double max = csv_num(&row, "max_us");
		assert_true(min > 5.0);
		assert_true(min <= p50 && p50 <= p90 && p90 <= p99 && p99 <= max);
		assert_true(lost > 0);
	} else {
		assert_string_equal(csv_get(&row, "p50_us"), "");
		assert_true(rate == 0 && lost == 0);
	}

	/* --pin names the CPU, which the row and the record repeat. */
	char pin[16], want[32];
	snprintf(pin, sizeof pin, "%.0f", cpu);
	rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "pauses",
			  "--pin", pin, "--count", "20", "--format", "csv", NULL);
	if (rc != 0)
		fail_msg("exit %d: %s", rc, err);
	snprintf(want, sizeof want, "# pin: %s\n", pin);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof want, "\npauses,%s,", pin);
	assert_non_null(strstr(out, want));

	rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "pauses",
			  "--count", "20", "--format", "json", NULL);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\"rows\": [\n    {\"kind\": \"pauses\", "));
}

static void test_cli_pauses_usage(void **state)
{
	ENV;
	char out[8192], err[4096];

	/* One CPU: a pair is refused, with the reason. */
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "pauses", "--pin", "0,1", NULL), IPC_USAGE);
	assert_non_null(strstr(err, "--pin wants one CPU number here, not '0,1'"));
	assert_string_equal(out, "");
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "pauses", "--pin", "-1", NULL), IPC_USAGE);
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "pauses", "--pin", "4095", NULL), IPC_USAGE);
	assert_non_null(strstr(err, "not available"));
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "pauses", "--count", "0", NULL), IPC_USAGE);
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "pauses", "--count", "1s", NULL), IPC_USAGE);
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "pauses", "--warmup", "3", NULL), IPC_USAGE);
	assert_non_null(strstr(err, "--warmup does not apply here"));
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "pauses", "tcp", NULL), IPC_USAGE);
	assert_non_null(strstr(err, "takes no operands"));
	/* Each error is one line. */
	assert_non_null(strchr(err, '\n'));
	assert_string_equal(strchr(err, '\n'), "\n");

	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "pauses", "--help", NULL), 0);
	assert_non_null(strstr(out, "--count MS"));
	assert_non_null(strstr(out, "milliseconds (default 1000)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pauses_no_gap),
		cmocka_unit_test(test_pauses_empty),
		cmocka_unit_test(test_pauses_known_gaps),
		cmocka_unit_test(test_pauses_threshold_edge),
		cmocka_unit_test(test_pauses_overflow),
		cmocka_unit_test(test_pauses_write),
		cmocka_unit_test_setup_teardown(test_cli_pauses_csv, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_cli_pauses_usage, test_env_setup,
						test_env_teardown),
	};
	return cmocka_run_group_tests_name("pauses", tests, NULL, NULL);
}
