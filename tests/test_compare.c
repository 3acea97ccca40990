/*
 * test_compare.c - `ipclab bench compare RUN_A RUN_B` (analysis/compare.c)
 * and results.json (analysis/results_json.c, findings_json.c).
 *
 * Runs are made up here, in memory or as run directories, with figures
 * whose verdict follows from the rule (intervals apart and a ratio beyond
 * the threshold): a run against itself, a known difference in each
 * direction, overlapping intervals, rows in one run only, directories that
 * hold no run.  Every expected figure is computed from the made-up rows.
 */
#include "support.h"

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis.h"
#include "compare.h"
#include "report.h"
#include "results_json.h"
#include "run.h"

#define ENV struct test_env *env = *state

#define HEADER "kind,transport,mode,size,count,clients,pin,min_us,p50_us,p90_us,p99_us," \
	"p999_us,max_us,mean_us,stddev_us,cpu_us_per_op,ctxsw_per_op,mb_per_s,msgs_per_s," \
	"cpu_ms_per_mb,lost,errors,note\n"
#define ENV_CSV "# quick: no\n# date: 2026-01-02T03:04:05Z\n# cpu_model: Test CPU\n" \
	"# cpus_online: 2\n# kernel: Linux 6.1\n# version: 0.1\n# git_rev: abc123\n" HEADER
#define LAT_ROW(t, P50) "latency," t ",greeting,16,100,1,\"0,0\",1.000," P50 ",90.000,100.000," \
	"110.000,120.000,30.000,1.000,3.000,2.000,0.000,0.000,0.000,0,0,\n"
#define TP_ROW(t, MB) "throughput," t ",,65536,100,1,\"0,1\",0,0,0,0,0,0,0,0,1.000,0.100," MB \
	",1000.000,0.500,0,0,\n"

/* ---- made-up runs ----------------------------------------------------- */

static void latency(struct run *run, const char *t, const char *pin, double p50)
{
	struct result_row r = { .kind = "latency", .transport = t, .mode = "greeting", .size = 16,
				.count = 100, .clients = 1, .pin = pin, .note = "" };
	r.lat_us.p50 = p50;
	r.lat_us.min = p50 / 2;
	r.lat_us.max = p50 * 2;
	r.msgs_per_s = 1e6 / p50;
	assert_int_equal(run_add_row(run, &r), 0);
}

/* One throughput point, one round per figure in mb[]. */
static void throughput(struct run *run, const char *t, unsigned long size, const double *mb,
		       size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct result_row r = { .kind = "throughput", .transport = t, .mode = "",
					.size = size, .count = 100, .clients = 1, .pin = "0,1",
					.note = "" };
		r.mb_per_s = mb[i];
		r.msgs_per_s = mb[i] * 1e6 / (double)size;
		assert_int_equal(run_add_row(run, &r), 0);
	}
}

static void load(struct run *run, const char *mode, unsigned long clients, double per_s)
{
	struct result_row r = { .kind = "load", .transport = "unix_stream", .mode = mode,
				.size = 16, .count = 1000, .clients = clients, .pin = "none",
				.note = "" };
	r.msgs_per_s = per_s;
	r.lat_us.p50 = 100;
	assert_int_equal(run_add_row(run, &r), 0);
}

static const struct compare_row *find(const struct compare *c, const char *kind, const char *t,
				      unsigned long size)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct run_row *r = c->rows[i].a ? c->rows[i].a : c->rows[i].b;
		if (!strcmp(r->r.kind, kind) && !strcmp(r->r.transport, t) &&
		    (!size || r->r.size == size))
			return &c->rows[i];
	}
	fail_msg("no compared row %s %s %lu", kind, t, size);
	return NULL;
}

/* A run against itself: no change for every row, and every row there. */
static void test_self(void **state)
{
	(void)state;
	struct run *run = run_new();
	static const double pipe[] = { 900, 1000, 1100 }, tcp[] = { 500, 520, 540 };
	latency(run, "pipe", "0,0", 12.5);
	latency(run, "tcp", "0,1", 30);
	throughput(run, "pipe", 65536, pipe, 3);
	throughput(run, "tcp", 65536, tcp, 3);
	load(run, "epoll", 50, 20000);
	run_finish(run);
	struct compare c;
	assert_int_equal(compare_runs(run, run, COMPARE_THRESHOLD, &c), 0);
	assert_int_equal(c.n, run->nrows);
	assert_int_equal(c.n, 5);
	for (size_t i = 0; i < c.n; i++) {
		assert_int_equal(c.rows[i].verdict, CMP_SAME);
		assert_float_equal(c.rows[i].ratio, 1.0, 1e-12);
	}
	compare_free(&c);
	run_free(run);
}

/* One whole-process command (hyperfine), one row per round. */
static void process_rounds(struct run *run, const char *mode, const double *p50_us, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct result_row r = { .kind = "process", .transport = "unix_stream", .mode = mode,
					.count = 100, .clients = 1, .pin = "none", .note = "" };
		r.lat_us.p50 = p50_us[i];
		r.lat_us.min = p50_us[i] / 2;
		r.lat_us.max = p50_us[i] * 2;
		assert_int_equal(run_add_row(run, &r), 0);
	}
}

/* Whole-process rows come in rounds too: grouped into their median round
 * with the rounds' range, so two runs of them are judged like latency. */
static void test_process_rounds(void **state)
{
	(void)state;
	static const double a[] = { 2100, 1900, 2500, 2000 }, same[] = { 2050, 2300, 1950, 2200 },
			    slow[] = { 4100, 3900, 4500, 4000 };
	struct run *ra = run_new(), *rb = run_new(), *rc = run_new();
	process_rounds(ra, "greet", a, 4);
	process_rounds(rb, "greet", same, 4);
	process_rounds(rc, "greet", slow, 4);
	run_finish(ra);
	run_finish(rb);
	run_finish(rc);
	assert_int_equal(ra->nrows, 1);
	struct figure f = run_row_figure(&ra->rows[0]);
	assert_int_equal(f.rounds, 4);
	assert_float_equal(f.value, 2000, 1e-9); /* nearest rank: the lower middle */
	assert_float_equal(f.lo, 1900, 1e-9);
	assert_float_equal(f.hi, 2500, 1e-9);
	assert_false(f.higher_is_better);
	struct compare c;
	assert_int_equal(compare_runs(ra, rb, COMPARE_THRESHOLD, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.rows[0].verdict, CMP_SAME);
	compare_free(&c);
	assert_int_equal(compare_runs(ra, rc, COMPARE_THRESHOLD, &c), 0);
	assert_int_equal(c.rows[0].verdict, CMP_SLOWER);
	assert_float_equal(c.rows[0].ratio, 4000.0 / 2000, 1e-9);
	assert_float_equal(c.rows[0].ratio_lo, 3900.0 / 2500, 1e-9);
	assert_float_equal(c.rows[0].ratio_hi, 4500.0 / 1900, 1e-9);
	compare_free(&c);
	run_free(ra);
	run_free(rb);
	run_free(rc);
}

/* B twice as fast as A in MB/s (intervals apart): faster, with the ratio
 * and its interval from the rounds; A against B: slower. */
static void test_known_difference(void **state)
{
	(void)state;
	struct run *a = run_new(), *b = run_new();
	static const double slow[] = { 100, 110, 105 }, fast[] = { 200, 210, 205 };
	throughput(a, "pipe", 65536, slow, 3);
	throughput(b, "pipe", 65536, fast, 3);
	run_finish(a);
	run_finish(b);
	struct compare c;
	assert_int_equal(compare_runs(a, b, COMPARE_THRESHOLD, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.rows[0].verdict, CMP_FASTER);
	assert_float_equal(c.rows[0].ratio, 205.0 / 105.0, 1e-9);
	assert_float_equal(c.rows[0].ratio_lo, 200.0 / 110.0, 1e-9);
	assert_float_equal(c.rows[0].ratio_hi, 210.0 / 100.0, 1e-9);
	compare_free(&c);
	assert_int_equal(compare_runs(b, a, COMPARE_THRESHOLD, &c), 0);
	assert_int_equal(c.rows[0].verdict, CMP_SLOWER);
	assert_true(c.rows[0].ratio < 1);
	compare_free(&c);
	run_free(a);
	run_free(b);
}

/* Lower is better (µs): a larger B is slower, a smaller one faster. */
static void test_direction_lower_is_better(void **state)
{
	(void)state;
	struct compare_row r = {
		.fa = { 10, 9, 11, 5, false, "µs" },
		.fb = { 20, 19, 21, 5, false, "µs" },
	};
	compare_judge(&r, COMPARE_THRESHOLD);
	assert_int_equal(r.verdict, CMP_SLOWER);
	assert_float_equal(r.ratio, 2.0, 1e-12);
	struct figure t = r.fa;
	r.fa = r.fb;
	r.fb = t;
	compare_judge(&r, COMPARE_THRESHOLD);
	assert_int_equal(r.verdict, CMP_FASTER);
	assert_float_equal(r.ratio, 0.5, 1e-12);
}

/* Intervals that overlap: no change, however far apart the medians; apart
 * but by less than the threshold: no change either. */
static void test_overlap_is_no_change(void **state)
{
	(void)state;
	struct run *a = run_new(), *b = run_new();
	static const double a1[] = { 100, 120, 140 }, b1[] = { 139, 150, 160 };
	static const double a2[] = { 1000, 1001, 1002 }, b2[] = { 1010, 1011, 1012 };
	throughput(a, "pipe", 65536, a1, 3);
	throughput(b, "pipe", 65536, b1, 3);
	throughput(a, "tcp", 65536, a2, 3);
	throughput(b, "tcp", 65536, b2, 3);
	run_finish(a);
	run_finish(b);
	struct compare c;
	assert_int_equal(compare_runs(a, b, COMPARE_THRESHOLD, &c), 0);
	const struct compare_row *r = find(&c, "throughput", "pipe", 0);
	assert_int_equal(r->verdict, CMP_SAME);
	assert_string_equal(r->why, "intervals overlap");
	assert_float_equal(r->ratio, 150.0 / 120.0, 1e-9);
	r = find(&c, "throughput", "tcp", 0);
	assert_int_equal(r->verdict, CMP_SAME);
	assert_string_equal(r->why, "apart, by less than the threshold");
	compare_free(&c);
	run_free(a);
	run_free(b);
}

/* One round on a side: the ratio is given, no verdict is claimed. */
static void test_one_round_unjudged(void **state)
{
	(void)state;
	struct run *a = run_new(), *b = run_new();
	latency(a, "pipe", "0,0", 10);
	latency(b, "pipe", "0,0", 40);
	static const double one[] = { 100 }, three[] = { 300, 310, 320 };
	throughput(a, "tcp", 65536, one, 1);
	throughput(b, "tcp", 65536, three, 3);
	run_finish(a);
	run_finish(b);
	struct compare c;
	assert_int_equal(compare_runs(a, b, COMPARE_THRESHOLD, &c), 0);
	const struct compare_row *r = find(&c, "latency", "pipe", 0);
	assert_int_equal(r->verdict, CMP_UNJUDGED);
	assert_string_equal(r->why, "one round in each run");
	assert_float_equal(r->ratio, 4.0, 1e-12);
	assert_true(isnan(r->ratio_lo));
	r = find(&c, "throughput", "tcp", 0);
	assert_int_equal(r->verdict, CMP_UNJUDGED);
	assert_string_equal(r->why, "one round in A");

	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	compare_write(&c, a, b, "runA", "runB", REPORT_TEXT, f);
	fclose(f);
	assert_non_null(strstr(text, "? one round in each run"));
	/* Not among the changes: apart, as ratios a run with rounds must confirm. */
	char *largest = strstr(text, "Largest changes\n  none beyond the noise\n"
				     "  not judged (a single round on a side), the largest ratios:\n");
	assert_non_null(largest);
	assert_non_null(strstr(largest, "latency pipe greeting 16 B one CPU (0): 10.00 µs n=1 -> "
					"40.00 µs n=1, B/A 4.000\n"));
	assert_null(strstr(text, "× faster"));
	assert_null(strstr(text, "× slower"));
	free(text);
	compare_free(&c);
	run_free(a);
	run_free(b);
}

/* A row in one run only is listed as such, never dropped. */
static void test_disjoint_rows(void **state)
{
	(void)state;
	struct run *a = run_new(), *b = run_new();
	latency(a, "pipe", "0,0", 10);
	latency(a, "fifo", "0,0", 11);
	latency(b, "pipe", "0,0", 10);
	latency(b, "mqueue", "0,0", 13);
	run_finish(a);
	run_finish(b);
	struct compare c;
	assert_int_equal(compare_runs(a, b, COMPARE_THRESHOLD, &c), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(find(&c, "latency", "pipe", 0)->verdict, CMP_SAME);
	assert_int_equal(find(&c, "latency", "fifo", 0)->verdict, CMP_ONLY_A);
	assert_int_equal(find(&c, "latency", "mqueue", 0)->verdict, CMP_ONLY_B);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	compare_write(&c, a, b, "runA", "runB", REPORT_CSV, f);
	fclose(f);
	assert_non_null(strstr(text, "\nlatency,fifo,greeting,16,1,\"0,0\",no,µs,no,11,11,11,1,,,,,"
				     ",,,only_a,not in B\n"));
	assert_non_null(strstr(text, ",only_b,not in A\n"));
	free(text);
	compare_free(&c);
	run_free(a);
	run_free(b);
}

/* The summary: the geometric mean of the ratios per kind and the largest
 * change first; every format names every row. */
static void test_summary_and_formats(void **state)
{
	(void)state;
	struct run *a = run_new(), *b = run_new();
	static const double a1[] = { 100, 101, 102 }, b1[] = { 400, 404, 408 }; /* ×4 */
	static const double a2[] = { 100, 101, 102 }, b2[] = { 200, 202, 204 }; /* ×2 */
	throughput(a, "pipe", 65536, a1, 3);
	throughput(b, "pipe", 65536, b1, 3);
	throughput(a, "tcp", 65536, a2, 3);
	throughput(b, "tcp", 65536, b2, 3);
	run_set_env(a, "git_rev", "aaa111");
	run_set_env(b, "git_rev", "bbb222");
	run_finish(a);
	run_finish(b);
	struct compare c;
	assert_int_equal(compare_runs(a, b, COMPARE_THRESHOLD, &c), 0);
	char *text = NULL;
	size_t len = 0;

	FILE *f = open_memstream(&text, &len);
	compare_write(&c, a, b, "runA", "runB", REPORT_TEXT, f);
	fclose(f);
	/* sqrt(4 * 2) = 2.828 */
	assert_non_null(strstr(text, "throughput  MB/s (up)                2        2.828       2"));
	assert_non_null(strstr(text, "git aaa111"));
	assert_non_null(strstr(text, "git bbb222"));
	char *largest = strstr(text, "Largest changes");
	assert_non_null(largest);
	char *pipe = strstr(largest, "throughput pipe"), *tcp = strstr(largest, "throughput tcp");
	assert_true(pipe && tcp && pipe < tcp);
	assert_non_null(strstr(largest, "4.00× faster [3.92, 4.08]"));
	free(text);

	f = open_memstream(&text, &len);
	compare_write(&c, a, b, "runA", "runB", REPORT_MARKDOWN, f);
	fclose(f);
	assert_non_null(strstr(text, "| row | A | B | B/A | verdict |"));
	assert_non_null(strstr(text, "| throughput | MB/s (higher is better) | 2 | 2.828 | 2 | 0 |"));
	free(text);

	f = open_memstream(&text, &len);
	compare_write(&c, a, b, "runA", "runB", REPORT_JSON, f);
	fclose(f);
	static const char head[] = "{\n  \"environment\": {\n    \"a\": {";
	assert_int_equal(strncmp(text, head, strlen(head)), 0);
	assert_non_null(strstr(text, "\"git_rev\": \"aaa111\""));
	assert_non_null(strstr(text, "\"geomean_ratio\": 2.82843"));
	assert_non_null(strstr(text, "\n  \"rows\": [\n    {\"kind\": \"throughput\", "
				     "\"transport\": \"pipe\""));
	assert_non_null(strstr(text, "\"verdict\": \"faster\""));
	free(text);
	compare_free(&c);
	run_free(a);
	run_free(b);
}

/* ---- the command -------------------------------------------------------- */

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[8192];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	for (char *slash = strchr(path + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*slash = '/';
	}
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	return ftw->level == 0 ? 0 : remove(path);
}

static void empty_dir(const char *dir)
{
	assert_int_equal(nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* A run directory under env: env.csv, two latency rows, a throughput point
 * of three rounds whose MB/s are mb[0..2]. */
static void make_run(const char *dir, const char *name, const char *const mb[3])
{
	char sub[4096], file[64];
	snprintf(sub, sizeof sub, "%s/%s", dir, name);
	assert_int_equal(mkdir(sub, 0700), 0);
	write_text(sub, "env.csv", ENV_CSV);
	write_text(sub, "latency/pipe_greeting_0-0.csv", HEADER LAT_ROW("pipe", "8.000"));
	write_text(sub, "latency/tcp_greeting_0-0.csv", HEADER LAT_ROW("tcp", "20.000"));
	for (int r = 0; r < 3; r++) {
		char row[512];
		snprintf(row, sizeof row, HEADER TP_ROW("pipe", "%s"), mb[r]);
		snprintf(file, sizeof file, "throughput/pipe_65536_0-1.r%d.csv", r + 1);
		write_text(sub, file, row);
	}
}

static void test_cli(void **state)
{
	ENV;
	char out[16384], err[4096], a[4096], b[4096];
	static const char *const slow[3] = { "1000.000", "1100.000", "1050.000" };
	static const char *const fast[3] = { "3000.000", "3100.000", "3050.000" };
	make_run(env->dir, "a", slow);
	make_run(env->dir, "b", fast);
	snprintf(a, sizeof a, "%s/a", env->dir);
	snprintf(b, sizeof b, "%s/b", env->dir);

	/* A run against itself: no change anywhere. */
	int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "compare", a, a,
			      "--format", "csv", NULL);
	if (rc != 0)
		fail_msg("exit %d: %s", rc, err);
	int rows = 0;
	for (char *line = strchr(out, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
		rows++;
		assert_non_null(strstr(line, ",same,"));
	}
	assert_int_equal(rows, 3);

	/* B three times A's MB/s: faster, the latency rows identical. */
	rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "compare", a, b,
			  NULL);
	if (rc != 0)
		fail_msg("exit %d: %s", rc, err);
	assert_non_null(strstr(out, "throughput pipe 64 KiB"));
	assert_non_null(strstr(out, "2.90× faster"));

	/* Bad directories: one clear line each, a documented status. */
	rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "compare", a,
			  "/nonexistent/run", NULL);
	assert_int_equal(rc, IPC_SYSTEM);
	assert_non_null(strstr(err, "/nonexistent/run"));
	assert_non_null(strstr(err, "is /nonexistent/run the directory of a `make bench` run?"));
	assert_string_equal(out, "");
	char emptyd[4096];
	snprintf(emptyd, sizeof emptyd, "%s/empty", env->dir);
	assert_int_equal(mkdir(emptyd, 0700), 0);
	rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "compare", emptyd,
			  b, NULL);
	assert_int_equal(rc, IPC_USAGE);
	assert_non_null(strstr(err, "holds no usable result rows"));
	rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "compare", a, NULL);
	assert_int_equal(rc, IPC_USAGE);
	assert_non_null(strstr(err, "two run directories"));
	rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "compare", "--help",
			  NULL);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "Exit status"));
	char threshold[48]; /* the help states the threshold the code applies */
	snprintf(threshold, sizeof threshold, "B/A is more than %.0f %%", COMPARE_THRESHOLD * 100);
	assert_non_null(strstr(out, threshold));
	empty_dir(env->dir);
}

/* ---- results.json --------------------------------------------------------- */

/* The report's results.json: the environment, each row with its figure
 * and interval and only the columns of its kind, the findings as records
 * that say what summary.md says. */
static void test_results_json(void **state)
{
	(void)state;
	struct run *run = run_new();
	static const double pipe[] = { 900, 1000, 1100 }, tcp[] = { 500, 520, 540 };
	run_set_env(run, "version", "0.1");
	run_set_env(run, "cpus_online", "2");
	latency(run, "pipe", "0,0", 12.5);
	latency(run, "tcp", "0,0", 30);
	throughput(run, "pipe", 65536, pipe, 3);
	throughput(run, "tcp", 65536, tcp, 3);
	run_finish(run);

	char *text = NULL, *md = NULL;
	size_t len = 0, mdlen = 0;
	FILE *f = open_memstream(&text, &len);
	results_json_write(run, f);
	fclose(f);
	f = open_memstream(&md, &mdlen);
	run_findings(run, f);
	fclose(f);

	static const char head[] = "{\n  \"environment\": {\n    \"quick\": false,";
	assert_int_equal(strncmp(text, head, strlen(head)), 0);
	assert_non_null(strstr(text, "\"version\": \"0.1\""));
	assert_non_null(strstr(text, "\"cpus_online\": 2,"));
	assert_non_null(strstr(text, "\"timer_ns\": null")); /* never read: not 0 */
	/* The throughput row: its median round, the range, three rounds. */
	const char *tp = strstr(text, "{\"kind\": \"throughput\", \"transport\": \"pipe\"");
	assert_non_null(tp);
	const char *end = strchr(tp, '\n');
	char row[2048];
	snprintf(row, sizeof row, "%.*s", (int)(end - tp), tp);
	assert_non_null(strstr(row, "\"figure\": {\"value\": 1000.000, \"lo\": 900.000, "
				    "\"hi\": 1100.000, \"rounds\": 3, \"unit\": \"MB/s\", "
				    "\"higher_is_better\": true}"));
	assert_null(strstr(row, "p50_us"));
	/* A latency row has no MB/s. */
	const char *lat = strstr(text, "{\"kind\": \"latency\", \"transport\": \"pipe\"");
	assert_non_null(lat);
	end = strchr(lat, '\n');
	snprintf(row, sizeof row, "%.*s", (int)(end - lat), lat);
	assert_null(strstr(row, "mb_per_s"));
	assert_non_null(strstr(row, "\"p50_us\": 12.500"));
	/* The findings: one record per finding of summary.md, the figures it
	 * states among its figures, the transports it names as subjects. */
	assert_non_null(strstr(md, "pipe"));
	const char *fs = strstr(text, "\"findings\": [");
	assert_non_null(fs);
	size_t bullets = 0, records = 0;
	for (const char *p = md; (p = strstr(p, "\n- **")); p++)
		bullets++;
	for (const char *p = fs; (p = strstr(p, "{\"kind\": ")); p++)
		records++;
	assert_true(bullets > 0);
	assert_int_equal(records, bullets);
	const char *small = strstr(fs, "{\"kind\": \"small messages\"");
	assert_non_null(small);
	end = strchr(small, '\n');
	snprintf(row, sizeof row, "%.*s", (int)(end ? end - small : (long)strlen(small)), small);
	assert_non_null(strstr(row, "\"subjects\": [\"pipe\", \"tcp\"]"));
	assert_non_null(strstr(row, "{\"value\": 12.5, \"unit\": \"µs\"}"));
	assert_non_null(strstr(row, "{\"value\": 30.0, \"unit\": \"µs\"}"));
	free(text);
	free(md);
	run_free(run);
}


/* ---- the rule, case by case ---------------------------------------------- */

/* The verdict by compare.h's rule, written here: no usable figure (not
 * positive, not finite, or outside its interval), unjudged; identical,
 * same; one round on a side, unjudged; intervals that meet or overlap,
 * same; apart by under the threshold, same; else faster where B is better
 * in the figure's direction. */
static enum compare_verdict rule(const struct figure *a, const struct figure *b, double th)
{
	const struct figure *f[2] = { a, b };
	for (int i = 0; i < 2; i++)
		if (!(f[i]->value > 0) || !isfinite(f[i]->value) || !(f[i]->lo > 0) ||
		    !isfinite(f[i]->hi) || f[i]->lo > f[i]->value || f[i]->value > f[i]->hi)
			return CMP_UNJUDGED;
	if (a->value == b->value && a->lo == b->lo && a->hi == b->hi)
		return CMP_SAME;
	if (a->rounds < 2 || b->rounds < 2)
		return CMP_UNJUDGED;
	bool b_above = b->lo > a->hi, b_below = b->hi < a->lo;
	if (!b_above && !b_below)
		return CMP_SAME;
	if (fabs(b->value / a->value - 1) < th)
		return CMP_SAME;
	return b_above == a->higher_is_better ? CMP_FASTER : CMP_SLOWER;
}

static void test_judge_table(void **state)
{
	(void)state;
	static const struct {
		double av, alo, ahi, bv, blo, bhi;
		unsigned ar, br;
		bool higher;
		enum compare_verdict want;
		const char *why;
	} c[] = {
		/* Touching ends are not apart. */
		{ 100, 90, 110, 120, 110, 130, 3, 3, true, CMP_SAME, "intervals overlap" },
		{ 100, 90, 110, 120, 110.001, 130, 3, 3, true, CMP_FASTER, "intervals apart" },
		{ 100, 90, 110, 80, 70, 90, 3, 3, true, CMP_SAME, "intervals overlap" },
		{ 100, 90, 110, 80, 70, 89.99, 3, 3, true, CMP_SLOWER, "intervals apart" },
		/* µs: lower is better, so a lower B is faster. */
		{ 100, 90, 110, 80, 70, 89.99, 3, 3, false, CMP_FASTER, "intervals apart" },
		{ 100, 90, 110, 120, 111, 130, 3, 3, false, CMP_SLOWER, "intervals apart" },
		/* B inside A, A inside B: overlap. */
		{ 100, 50, 150, 101, 99, 102, 5, 5, true, CMP_SAME, "intervals overlap" },
		{ 101, 99, 102, 100, 50, 150, 5, 5, true, CMP_SAME, "intervals overlap" },
		/* Apart but within the threshold (2 %), either side; beyond it, a change. */
		{ 1000, 999, 1001, 1019, 1018, 1020, 3, 3, true, CMP_SAME,
		  "apart, by less than the threshold" },
		{ 1000, 999, 1001, 981, 980, 982, 3, 3, true, CMP_SAME,
		  "apart, by less than the threshold" },
		{ 1000, 999, 1001, 1025, 1024, 1026, 3, 3, true, CMP_FASTER, "intervals apart" },
		{ 1000, 999, 1001, 975, 974, 976, 3, 3, false, CMP_FASTER, "intervals apart" },
		/* One round: no verdict, each side named. */
		{ 10, 10, 10, 40, 40, 40, 1, 1, false, CMP_UNJUDGED, "one round in each run" },
		{ 10, 10, 10, 40, 39, 41, 1, 3, false, CMP_UNJUDGED, "one round in A" },
		{ 10, 9, 11, 40, 40, 40, 3, 1, false, CMP_UNJUDGED, "one round in B" },
		/* The same figures: same, even of one round. */
		{ 10, 10, 10, 10, 10, 10, 1, 1, false, CMP_SAME, "identical figures" },
		{ 10, 9, 11, 10, 9, 11, 3, 3, true, CMP_SAME, "identical figures" },
		/* Not a figure: zero, negative, a median outside its range. */
		{ 0, 0, 0, 10, 9, 11, 3, 3, true, CMP_UNJUDGED, "no usable figure" },
		{ 10, 9, 11, -5, -6, -4, 3, 3, true, CMP_UNJUDGED, "no usable figure" },
		{ 10, 11, 12, 20, 19, 21, 3, 3, true, CMP_UNJUDGED, "no usable figure" },
		{ 10, 9, 11, 20, 19, 19.5, 3, 3, true, CMP_UNJUDGED, "no usable figure" },
		{ 10, 9, 11, 20, 0, 21, 3, 3, true, CMP_UNJUDGED, "no usable figure" },
		{ 10, 9, INFINITY, 20, 19, 21, 3, 3, true, CMP_UNJUDGED, "no usable figure" },
		{ NAN, 9, 11, 20, 19, 21, 3, 3, true, CMP_UNJUDGED, "no usable figure" },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct compare_row r = {
			.fa = { c[i].av, c[i].alo, c[i].ahi, c[i].ar, c[i].higher, "x" },
			.fb = { c[i].bv, c[i].blo, c[i].bhi, c[i].br, c[i].higher, "x" },
		};
		assert_int_equal(rule(&r.fa, &r.fb, COMPARE_THRESHOLD), c[i].want);
		compare_judge(&r, COMPARE_THRESHOLD);
		if (r.verdict != c[i].want || strcmp(r.why, c[i].why))
			fail_msg("case %zu: %s (%s), not %s (%s)", i, compare_verdict_name(r.verdict),
				 r.why, compare_verdict_name(c[i].want), c[i].why);
		if (c[i].want == CMP_UNJUDGED && !strcmp(c[i].why, "no usable figure")) {
			assert_true(isnan(r.ratio));
			continue;
		}
		assert_float_equal(r.ratio, c[i].bv / c[i].av, 1e-12);
		if (c[i].ar > 1 && c[i].br > 1 && strcmp(c[i].why, "identical figures")) {
			assert_float_equal(r.ratio_lo, c[i].blo / c[i].ahi, 1e-12);
			assert_float_equal(r.ratio_hi, c[i].bhi / c[i].alo, 1e-12);
		} else {
			assert_true(isnan(r.ratio_lo) && isnan(r.ratio_hi));
		}
	}
	static const char *const names[] = { "same", "faster", "slower", "unjudged", "only_a",
					     "only_b" };
	for (int v = CMP_SAME; v <= CMP_ONLY_B; v++)
		assert_string_equal(compare_verdict_name((enum compare_verdict)v), names[v]);
}

/* Many made-up pairs: compare_judge agrees with the rule written above. */
static void test_judge_against_rule(void **state)
{
	(void)state;
	unsigned long long x = 12345;
	for (int i = 0; i < 4000; i++) {
		double v[6];
		for (int k = 0; k < 6; k++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			v[k] = 95 + (double)((x >> 33) % 110) / 10.0; /* 95.0 .. 105.9 */
		}
		/* Each side's interval around its value. */
		double alo = fmin(v[0], v[1]), ahi = fmax(v[0], v[1]);
		double blo = fmin(v[3], v[4]), bhi = fmax(v[3], v[4]);
		double av = alo + (ahi - alo) * ((x >> 20) % 3) / 2;
		double bv = blo + (bhi - blo) * ((x >> 24) % 3) / 2;
		struct compare_row r = {
			.fa = { av, alo, ahi, 1 + (unsigned)((x >> 28) % 4), (x >> 40) & 1, "x" },
			.fb = { bv, blo, bhi, 1 + (unsigned)((x >> 30) % 4), (x >> 40) & 1, "x" },
		};
		double th = (x >> 44) % 2 ? COMPARE_THRESHOLD : 0.05;
		enum compare_verdict want = rule(&r.fa, &r.fb, th);
		compare_judge(&r, th);
		if (r.verdict != want)
			fail_msg("A %g [%g, %g] n=%u, B %g [%g, %g] n=%u, threshold %g: %s, not %s",
				 av, alo, ahi, r.fa.rounds, bv, blo, bhi, r.fb.rounds, th,
				 compare_verdict_name(r.verdict), compare_verdict_name(want));
	}
}

/* Rows are paired by everything that makes a measurement: a row that
 * differs from A's in one of them only is not its pair. */
static void test_matching_keys(void **state)
{
	(void)state;
	static const struct {
		const char *what, *kind, *t, *mode, *pin, *note;
		unsigned long size, clients;
	} differ[] = {
		{ "kind", "connect", "tcp", "greeting", "0,0", "", 16, 1 },
		{ "transport", "latency", "udp", "greeting", "0,0", "", 16, 1 },
		{ "mode", "latency", "tcp", "echo", "0,0", "", 16, 1 },
		{ "pin", "latency", "tcp", "greeting", "0,1", "", 16, 1 },
		{ "size", "latency", "tcp", "greeting", "0,0", "", 64, 1 },
		{ "clients", "latency", "tcp", "greeting", "0,0", "", 16, 2 },
		{ "checked", "latency", "tcp", "greeting", "0,0", "UNVERIFIED", 16, 1 },
	};
	for (size_t i = 0; i < sizeof differ / sizeof differ[0]; i++) {
		struct run *a = run_new(), *b = run_new();
		assert_non_null(a);
		assert_non_null(b);
		struct result_row r = { .kind = "latency", .transport = "tcp", .mode = "greeting",
					.pin = "0,0", .note = "", .size = 16, .clients = 1,
					.count = 10, .lat_us.p50 = 10 };
		assert_int_equal(run_add_row(a, &r), 0);
		r.kind = differ[i].kind;
		r.transport = differ[i].t;
		r.mode = differ[i].mode;
		r.pin = differ[i].pin;
		r.note = differ[i].note;
		r.size = differ[i].size;
		r.clients = differ[i].clients;
		assert_int_equal(run_add_row(b, &r), 0);
		run_finish(a);
		run_finish(b);
		struct compare c;
		assert_int_equal(compare_runs(a, b, COMPARE_THRESHOLD, &c), 0);
		if (c.n != 2)
			fail_msg("a row that differs in its %s was paired", differ[i].what);
		assert_int_equal(c.rows[0].verdict, CMP_ONLY_A);
		assert_string_equal(c.rows[0].why, "not in B");
		assert_ptr_equal(c.rows[0].a, &a->rows[0]);
		assert_null(c.rows[0].b);
		assert_int_equal(c.rows[1].verdict, CMP_ONLY_B);
		assert_string_equal(c.rows[1].why, "not in A");
		assert_null(c.rows[1].a);
		assert_ptr_equal(c.rows[1].b, &b->rows[0]);
		assert_true(isnan(c.rows[0].ratio) && isnan(c.rows[1].ratio));
		compare_free(&c);
		run_free(a);
		run_free(b);
	}
	/* A measurement repeated (connect rows, no rounds): paired in order,
	 * the extra one of B alone. */
	struct run *a = run_new(), *b = run_new();
	for (int k = 0; k < 3; k++) {
		struct result_row r = { .kind = "connect", .transport = "tcp", .mode = "",
					.pin = "0,0", .note = "", .size = 0, .clients = 1,
					.count = 10, .lat_us.p50 = 10 + k };
		if (k < 2)
			assert_int_equal(run_add_row(a, &r), 0);
		r.lat_us.p50 = 20 + k;
		assert_int_equal(run_add_row(b, &r), 0);
	}
	run_finish(a);
	run_finish(b);
	struct compare c;
	assert_int_equal(compare_runs(a, b, COMPARE_THRESHOLD, &c), 0);
	assert_int_equal(c.n, 3);
	assert_float_equal(c.rows[0].ratio, 20.0 / 10, 1e-12);
	assert_float_equal(c.rows[1].ratio, 21.0 / 11, 1e-12);
	assert_int_equal(c.rows[2].verdict, CMP_ONLY_B);
	assert_true(c.rows[2].b->r.lat_us.p50 == 22);
	compare_free(&c);
	run_free(a);
	run_free(b);
}

/* The CSV, read by its header's names: each row's figures, ratio and
 * verdict in their own columns; the summary's geometric mean per kind
 * over the matched rows only; the largest changes largest first. */
static void test_csv_by_name_and_summary(void **state)
{
	(void)state;
	struct run *a = run_new(), *b = run_new();
	/* Ratios B/A: pipe 3 (faster), tcp 0.5 (slower; |log 3| > |log 0.5|,
	 * so pipe's change comes first), fifo about 1 (same), udp in A only. */
	static const double pa[] = { 100, 110, 105 }, pb[] = { 300, 330, 315 };
	static const double ta[] = { 400, 410, 405 }, tb[] = { 200, 205, 202.5 };
	static const double fa[] = { 50, 60, 55 }, fb[] = { 52, 62, 57 };
	static const double ua[] = { 10, 11, 12 };
	throughput(a, "pipe", 65536, pa, 3);
	throughput(b, "pipe", 65536, pb, 3);
	throughput(a, "tcp", 65536, ta, 3);
	throughput(b, "tcp", 65536, tb, 3);
	throughput(a, "fifo", 65536, fa, 3);
	throughput(b, "fifo", 65536, fb, 3);
	throughput(a, "udp", 65536, ua, 3);
	latency(a, "pipe", "0,0", 10);
	latency(b, "pipe", "0,0", 30);
	run_finish(a);
	run_finish(b);
	struct compare c;
	assert_int_equal(compare_runs(a, b, COMPARE_THRESHOLD, &c), 0);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	compare_write(&c, a, b, "A", "B", REPORT_CSV, f);
	assert_int_equal(fclose(f), 0);

	char *save = NULL, *line = strtok_r(text, "\n", &save);
	char *names[32];
	size_t nn = 0;
	for (char *s2 = NULL, *t = strtok_r(line, ",", &s2); t; t = strtok_r(NULL, ",", &s2))
		names[nn++] = t;
	assert_int_equal(nn, 22);
	struct {
		const char *t, *verdict;
		double a_value, a_lo, a_hi, b_value, ratio;
	} want[] = {
		{ "pipe", "faster", 105, 100, 110, 315, 3 },
		{ "tcp", "slower", 405, 400, 410, 202.5, 0.5 },
		{ "fifo", "same", 55, 50, 60, 57, 57.0 / 55 },
		{ "udp", "only_a", 11, 10, 12, NAN, NAN },
	};
	size_t seen = 0;
	while ((line = strtok_r(NULL, "\n", &save))) {
		/* No field of these rows holds a comma but pin, which is "0,1" quoted. */
		char *field[32];
		size_t nf = 0;
		for (char *p = line; nf < 32;) {
			field[nf++] = p;
			char *comma = p;
			if (*p == '"')
				comma = strchr(p + 1, '"') + 1;
			comma = strchr(comma, ',');
			if (!comma)
				break;
			*comma = '\0';
			p = comma + 1;
		}
		assert_int_equal(nf, nn);
		const char *kind = NULL, *t = NULL, *verdict = NULL;
		double av = NAN, alo = NAN, ahi = NAN, bv = NAN, ratio = NAN;
		for (size_t k = 0; k < nn; k++) {
			double d = *field[k] ? strtod(field[k], NULL) : NAN;
			if (!strcmp(names[k], "kind"))
				kind = field[k];
			else if (!strcmp(names[k], "transport"))
				t = field[k];
			else if (!strcmp(names[k], "verdict"))
				verdict = field[k];
			else if (!strcmp(names[k], "a_value"))
				av = d;
			else if (!strcmp(names[k], "a_lo"))
				alo = d;
			else if (!strcmp(names[k], "a_hi"))
				ahi = d;
			else if (!strcmp(names[k], "b_value"))
				bv = d;
			else if (!strcmp(names[k], "ratio"))
				ratio = d;
			else if (!strcmp(names[k], "pin"))
				assert_true(!strcmp(field[k], "\"0,1\"") || !strcmp(field[k], "\"0,0\""));
		}
		if (strcmp(kind, "throughput"))
			continue;
		for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
			if (strcmp(want[w].t, t))
				continue;
			seen++;
			assert_string_equal(verdict, want[w].verdict);
			assert_float_equal(av, want[w].a_value, 1e-6);
			assert_float_equal(alo, want[w].a_lo, 1e-6);
			assert_float_equal(ahi, want[w].a_hi, 1e-6);
			if (isnan(want[w].b_value)) {
				assert_true(isnan(bv) && isnan(ratio));
			} else {
				assert_float_equal(bv, want[w].b_value, 1e-6);
				assert_float_equal(ratio, want[w].ratio, 1e-5);
			}
		}
	}
	assert_int_equal(seen, 4);
	free(text);

	f = open_memstream(&text, &len);
	compare_write(&c, a, b, "A", "B", REPORT_JSON, f);
	assert_int_equal(fclose(f), 0);
	/* Geometric mean of the throughput rows matched: (3 * 0.5 * 57/55)^(1/3). */
	char g[64];
	snprintf(g, sizeof g, "\"geomean_ratio\": %.6g", cbrt(3 * 0.5 * 57.0 / 55));
	assert_non_null(strstr(text, g));
	assert_non_null(strstr(text, "\"kind\": \"throughput\", \"unit\": \"MB/s\", "
				     "\"higher_is_better\": true, \"rows\": 4"));
	assert_non_null(strstr(text, "\"faster\": 1, \"slower\": 1, \"same\": 1, \"unjudged\": 0, "
				     "\"only_a\": 1, \"only_b\": 0}"));
	assert_non_null(strstr(text, "\"kind\": \"latency\", \"unit\": \"µs\", "
				     "\"higher_is_better\": false, \"rows\": 1"));
	free(text);

	f = open_memstream(&text, &len);
	compare_write(&c, a, b, "A", "B", REPORT_TEXT, f);
	assert_int_equal(fclose(f), 0);
	const char *big = strstr(text, "Largest changes\n");
	assert_non_null(big);
	const char *p3 = strstr(big, "throughput pipe"), *p2 = strstr(big, "throughput tcp");
	assert_true(p3 && p2 && p3 < p2);
	/* Each as a factor >= 1 in its direction, with its interval. */
	char want3[64], want2[64];
	snprintf(want3, sizeof want3, "3.00× faster [%.2f, %.2f]", 300.0 / 110, 330.0 / 100);
	snprintf(want2, sizeof want2, "2.00× slower [%.2f, %.2f]", 400.0 / 205, 410.0 / 200);
	assert_non_null(strstr(big, want3));
	assert_non_null(strstr(big, want2));
	free(text);
	compare_free(&c);
	run_free(a);
	run_free(b);
}

/* A row's label names everything that makes the measurement: kind,
 * transport, mode, clients (load), size (when it has one), placement,
 * and "unchecked". */
static void test_row_labels(void **state)
{
	(void)state;
	static const struct {
		const char *kind, *t, *mode, *pin, *note;
		unsigned long size, clients;
		const char *label;
	} c[] = {
		{ "latency", "pipe", "greeting", "0,0", "", 16, 1,
		  "latency pipe greeting 16 B one CPU (0)" },
		{ "throughput", "tcp", "", "0,1", "UNVERIFIED", 65536, 1,
		  "throughput tcp 64 KiB two CPUs (0, 1) unchecked" },
		{ "throughput", "udp", "", "0,1", "", 65507, 1, "throughput udp 65,507 B two CPUs (0, 1)" },
		{ "load", "unix_stream", "epoll", "none", "", 16, 50,
		  "load unix_stream epoll 50 clients 16 B unpinned" },
		{ "connect", "fifo", "", "2,3", "", 0, 1, "connect fifo two CPUs (2, 3)" },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct run_row row = { .rounds = 1 };
		row.r = (struct result_row){ .kind = c[i].kind, .transport = c[i].t, .mode = c[i].mode,
					     .pin = c[i].pin, .note = c[i].note, .size = c[i].size,
					     .clients = c[i].clients };
		struct compare_row r = { .a = i % 2 ? &row : NULL, .b = i % 2 ? NULL : &row };
		char buf[256];
		assert_string_equal(compare_row_label(&r, buf, sizeof buf), c[i].label);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_process_rounds),
		cmocka_unit_test(test_known_difference),
		cmocka_unit_test(test_direction_lower_is_better),
		cmocka_unit_test(test_overlap_is_no_change),
		cmocka_unit_test(test_one_round_unjudged),
		cmocka_unit_test(test_disjoint_rows),
		cmocka_unit_test(test_summary_and_formats),
		cmocka_unit_test_setup_teardown(test_cli, test_env_setup, test_env_teardown),
		cmocka_unit_test(test_results_json),
		cmocka_unit_test(test_judge_table),
		cmocka_unit_test(test_judge_against_rule),
		cmocka_unit_test(test_matching_keys),
		cmocka_unit_test(test_csv_by_name_and_summary),
		cmocka_unit_test(test_row_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
