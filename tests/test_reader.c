/*
 * test_reader.c - the one reader of a run directory (analysis/reader.c),
 * against what a run directory can hold: the files of a real quick run
 * (their report must not change), figures no measurement can give, rows cut
 * short, files that are not files, paths that leave the directory, and
 * many rows (the time must grow with them, not with their square).
 *
 * Every expectation is computed here from the made-up input, or is the
 * output main's code wrote from the same input (tests/fixtures/quick-run).
 */
#include "support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "pauses.h"
#include "reader.h"
#include "report.h"
#include "run.h"

#define ENV struct test_env *env = *state

#define HEADER "kind,transport,mode,size,count,clients,pin,min_us,p50_us,p90_us,p99_us," \
	"p999_us,max_us,mean_us,stddev_us,cpu_us_per_op,ctxsw_per_op,mb_per_s,msgs_per_s," \
	"cpu_ms_per_mb,lost,errors,note\n"
#define ENV_CSV "# quick: yes\n# date: 2026-01-02T03:04:05Z\n# cpu_model: Test CPU\n" \
	"# cpus_online: 2\n# kernel: Linux 6.1\n# git_rev: abc123\n" HEADER
/* A latency row with p50 = P50 (text), the rest plausible. */
#define LAT_ROW(t, P50) "latency," t ",greeting,16,100,1,\"0,0\",1.000," P50 ",9.000,10.000," \
	"11.000,12.000,8.000,1.000,3.000,2.000,0.000,0.000,0.000,0,0,\n"

static void write_file(const char *dir, const char *name, const char *text, size_t len)
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
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_text(const char *dir, const char *name, const char *text)
{
	write_file(dir, name, text, strlen(text));
}

/* Load dir, write its report; the summary as a string (free it). */
static char *report_of(const char *dir, struct run **keep)
{
	struct run *run = run_new();
	struct ipc_error e = { 0 };
	assert_non_null(run);
	if (run_load_dir(run, dir, &e) < 0)
		fail_msg("run_load_dir: %s", e.msg);
	char *warn_text = NULL;
	size_t wl = 0;
	FILE *warn = open_memstream(&warn_text, &wl);
	if (run_write(run, dir, warn, &e) < 0)
		fail_msg("run_write: %s", e.msg);
	fclose(warn);
	free(warn_text);
	char path[IPC_PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/summary.md", dir);
	if (keep)
		*keep = run;
	else
		run_free(run);
	return test_slurp_path(path);
}

/* Some problem line holds every one of the words. */
static bool problem_says(const struct run *run, const char *a, const char *b)
{
	const char *const *lines;
	size_t n = run_problems(run, &lines);
	for (size_t i = 0; i < n; i++)
		if (strstr(lines[i], a) && (!b || strstr(lines[i], b)))
			return true;
	return false;
}

static const struct run_row *find_lat(const struct run *run, const char *t)
{
	return run_find(run, "latency", t, "greeting", "0,0", 0);
}

/* ---- the report of a real quick run does not change ---------------------- */

/* Split a line into fields at blanks, commas and bars. */
static size_t fields_of(char *line, char **f, size_t cap)
{
	size_t n = 0;
	for (char *save = NULL, *w = strtok_r(line, " \t,|", &save); w && n < cap;
	     w = strtok_r(NULL, " \t,|", &save))
		f[n++] = w;
	return n;
}

/* expected and got, line by line and field by field. */
static void compare_file(const char *expected_path, const char *got_path, const char *name)
{
	char *want = test_slurp_path(expected_path), *got = test_slurp_path(got_path);
	char *ws = NULL, *gs = NULL;
	char *wl = strtok_r(want, "\n", &ws), *gl = strtok_r(got, "\n", &gs);
	unsigned long line = 0;
	for (; wl || gl; wl = strtok_r(NULL, "\n", &ws), gl = strtok_r(NULL, "\n", &gs)) {
		line++;
		if (!wl || !gl)
			fail_msg("%s: line %lu is %s", name, line, wl ? "missing" : "extra");
		char *wf[128], *gf[128];
		size_t nw = fields_of(wl, wf, 128), ng = fields_of(gl, gf, 128);
		for (size_t i = 0; i < nw || i < ng; i++)
			if (i >= nw || i >= ng || strcmp(wf[i], gf[i]))
				fail_msg("%s line %lu field %zu: expected '%s', got '%s'", name, line, i + 1,
					 i < nw ? wf[i] : "(none)", i < ng ? gf[i] : "(none)");
	}
	free(want);
	free(got);
}

static void test_quick_run_unchanged(void **state)
{
	ENV;
	char part[64], exp[4096], got[4096];
	test_copy_fixture(env->dir);
	struct run *run;
	free(report_of(env->dir, &run));
	const char *const *left;
	assert_int_equal(run_problems(run, &left), 0); /* a real run: nothing refused */
	run_free(run);
	static const char *const top[] = { "summary.md", "all.csv", "peers.csv" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(part, sizeof part, "expected/%s", top[i]);
		test_fixture_path(part, exp, sizeof exp);
		snprintf(got, sizeof got, "%s/%s", env->dir, top[i]);
		compare_file(exp, got, top[i]);
	}
	/* Every plot table, and no table more or less. */
	test_fixture_path("expected/plots/data", exp, sizeof exp);
	snprintf(got, sizeof got, "%s/plots/data", env->dir);
	int want = 0, have = test_count_entries(got);
	DIR *d = opendir(exp);
	assert_non_null(d);
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		char e2[8192], g2[8192];
		snprintf(e2, sizeof e2, "%s/%s", exp, de->d_name);
		snprintf(g2, sizeof g2, "%s/%s", got, de->d_name);
		compare_file(e2, g2, de->d_name);
		want++;
	}
	closedir(d);
	assert_int_equal(want, have);
	test_empty_dir(env->dir);
}

/* ---- figures no measurement gives ------------------------------------------ */

/* The fast row of a run is made bad: it must not win, and must be named. */
static void bad_p50(struct test_env *env, const char *p50, const char *why)
{
	char text[2048];
	write_text(env->dir, "env.csv", ENV_CSV);
	write_text(env->dir, "latency/tcp.csv", HEADER LAT_ROW("tcp", "9.000"));
	snprintf(text, sizeof text, HEADER LAT_ROW("pipe", "%s"), p50);
	write_text(env->dir, "latency/pipe.csv", text);
	struct run *run;
	char *sum = report_of(env->dir, &run);
	if (find_lat(run, "pipe"))
		fail_msg("a p50 of '%s' was taken as a figure", p50);
	assert_non_null(find_lat(run, "tcp"));
	if (!problem_says(run, "latency/pipe.csv line 2", why))
		fail_msg("p50 '%s': no problem line naming the row and '%s'", p50, why);
	assert_non_null(strstr(sum, "## Left out"));
	assert_non_null(strstr(sum, "latency/pipe.csv line 2"));
	assert_null(strstr(sum, "pipe is fastest"));
	free(sum);
	run_free(run);
	test_empty_dir(env->dir);
}

static void test_unusable_figures(void **state)
{
	ENV;
	bad_p50(env, "inf", "infinite");
	bad_p50(env, "1e300", "too large");
	bad_p50(env, "4.9e-324", "subnormal");
	bad_p50(env, "-5", "negative");
	bad_p50(env, "0", "p50 is 0");
	bad_p50(env, "nan", "NaN");
	bad_p50(env, "", "p50 is 0 or missing");
	bad_p50(env, "0x10", "not a number");
}

/* A negative throughput made "price of the check 158 %". */
static void test_negative_throughput(void **state)
{
	ENV;
	write_text(env->dir, "env.csv", ENV_CSV);
	write_text(env->dir, "throughput/pipe_65536_0-1.r1.csv", HEADER
		   "throughput,pipe,,65536,100,1,\"0,1\",,,,,,,,,,,-1000.000,,,0,0,\n");
	write_text(env->dir, "throughput/pipe_65536_0-1_unchecked.r1.csv", HEADER
		   "throughput,pipe,,65536,100,1,\"0,1\",,,,,,,,,,,1724.000,,,0,0,UNVERIFIED\n");
	struct run *run;
	char *sum = report_of(env->dir, &run);
	assert_true(problem_says(run, "throughput/pipe_65536_0-1.r1.csv line 2", "negative"));
	assert_null(strstr(sum, "158 %"));
	assert_null(run_find_tp(run, "pipe", "0,1", 65536, false));
	free(sum);
	run_free(run);
	test_empty_dir(env->dir);
}

static void test_truncated_row_and_repeated_column(void **state)
{
	ENV;
	write_text(env->dir, "env.csv", ENV_CSV);
	write_text(env->dir, "latency/tcp.csv", HEADER LAT_ROW("tcp", "9.000"));
	/* A row cut in the middle of a figure. */
	write_text(env->dir, "latency/pipe.csv", HEADER "latency,pipe,greeting,16,100,1,\"0,0\",1.0,5.");
	/* Two p50_us columns: the last copy used to win. */
	write_text(env->dir, "latency/fifo.csv",
		   "kind,transport,mode,size,count,clients,pin,p50_us,p50_us,note\n"
		   "latency,fifo,greeting,16,100,1,\"0,0\",50.0,1.0,\n");
	struct run *run;
	free(report_of(env->dir, &run));
	assert_null(find_lat(run, "pipe"));
	assert_null(find_lat(run, "fifo"));
	assert_non_null(find_lat(run, "tcp"));
	assert_true(problem_says(run, "latency/pipe.csv line 2", "cut short"));
	assert_true(problem_says(run, "latency/fifo.csv", "p50_us appears twice"));
	run_free(run);
	test_empty_dir(env->dir);
}

/* "A full run on , CPUs": an empty or garbage env.csv is said, not printed. */
static void test_env_unusable(void **state)
{
	ENV;
	static const char *const envs[] = { "", "\x01\x02garbage,,,\n# cpus_online: lots\n" };
	for (size_t i = 0; i < 2; i++) {
		write_text(env->dir, "env.csv", envs[i]);
		write_text(env->dir, "latency/tcp.csv", HEADER LAT_ROW("tcp", "9.000"));
		struct run *run;
		char *sum = report_of(env->dir, &run);
		assert_null(strstr(sum, " on , "));
		assert_null(strstr(sum, ",  CPUs"));
		assert_non_null(strstr(sum, "on an unknown machine"));
		assert_true(problem_says(run, "env.csv", "unknown"));
		free(sum);
		run_free(run);
		test_empty_dir(env->dir);
	}
}

/* A garbage sockperf log: the peer round is left out and said. */
static void test_garbage_peer_log(void **state)
{
	ENV;
	write_text(env->dir, "env.csv", ENV_CSV);
	write_text(env->dir, "latency/tcp.csv", HEADER LAT_ROW("tcp", "9.000"));
	write_text(env->dir, "peers/ipclab/a.csv", HEADER LAT_ROW("tcp", "8.000"));
	write_text(env->dir, "peers/ipclab/b.csv", HEADER LAT_ROW("tcp", "8.000"));
	write_text(env->dir, "peers/x.rtt", "9\n10\nsockperf: ERROR: garbage\n11\n");
	write_text(env->dir, "peers/rounds.tsv",
		   "sockperf\ttcp\t16\t0,0\t1\tp50\t@peers/x.rtt\tpeers/ipclab/a.csv\tpeers/ipclab/b.csv\n"
		   "qperf\ttcp\t16\t0,0\t1\tmean\tinf\tpeers/ipclab/a.csv\tpeers/ipclab/b.csv\n"
		   "qperf\ttcp\t16\t0,0\t1\tmean\t8\tpeers/ipclab/a.csv\n");
	struct run *run;
	char *sum = report_of(env->dir, &run);
	assert_int_equal(run->npeers, 0);
	assert_true(problem_says(run, "peers/x.rtt line 3", "not a number"));
	assert_true(problem_says(run, "peers/rounds.tsv line 2", "infinite"));
	assert_true(problem_says(run, "peers/rounds.tsv line 3", "9 tab-separated"));
	assert_null(strstr(sum, "| sockperf |"));
	free(sum);
	run_free(run);
	test_empty_dir(env->dir);
}

/* ---- files that are not files, paths that leave ------------------------- */

static void test_fifo_symlink_and_escape(void **state)
{
	ENV;
	char path[8192], outside[4096];
	/* A reader that blocks on the FIFO fails at the harness's deadline. */
	write_text(env->dir, "env.csv", ENV_CSV);
	write_text(env->dir, "latency/tcp.csv", HEADER LAT_ROW("tcp", "9.000"));
	snprintf(path, sizeof path, "%s/latency/fifo.csv", env->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(path, sizeof path, "%s/latency/zero.csv", env->dir);
	assert_int_equal(symlink("/dev/zero", path), 0);
	/* A file outside the run, reached by "..", by an absolute path and by a
	 * symbolic link to a directory. */
	write_text(env->dir, "other/outside.csv", HEADER LAT_ROW("tcp", "8.000"));
	snprintf(outside, sizeof outside, "%s/other", env->dir);
	snprintf(path, sizeof path, "%s/run", env->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	char run_dir[4096];
	snprintf(run_dir, sizeof run_dir, "%s/run", env->dir);
	write_text(run_dir, "env.csv", ENV_CSV);
	write_text(run_dir, "latency/tcp.csv", HEADER LAT_ROW("tcp", "9.000"));
	snprintf(path, sizeof path, "%s/peers", run_dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/peers/link", run_dir);
	assert_int_equal(symlink(outside, path), 0);
	char rounds[16384];
	snprintf(rounds, sizeof rounds,
		 "qperf\ttcp\t16\t0,0\t1\tmean\t8\t../other/outside.csv\t../other/outside.csv\n"
		 "qperf\ttcp\t16\t0,0\t1\tmean\t8\t%s/outside.csv\t%s/outside.csv\n"
		 "qperf\ttcp\t16\t0,0\t1\tmean\t8\tpeers/link/outside.csv\tpeers/link/outside.csv\n",
		 outside, outside);
	write_text(run_dir, "peers/rounds.tsv", rounds);

	struct run *run;
	free(report_of(env->dir, &run));
	assert_true(problem_says(run, "latency/fifo.csv", "not a regular file"));
	assert_true(problem_says(run, "latency/zero.csv", "symbolic link"));
	assert_non_null(find_lat(run, "tcp"));
	run_free(run);
	free(report_of(run_dir, &run));
	assert_int_equal(run->npeers, 0);
	assert_true(problem_says(run, "../other/outside.csv", "leave the run directory"));
	assert_true(problem_says(run, "/other/outside.csv", "leave the run directory"));
	assert_true(problem_says(run, "peers/link/outside.csv", "not a directory") ||
		    problem_says(run, "peers/link/outside.csv", "symbolic link"));
	run_free(run);
	test_empty_dir(env->dir);
}

static void test_nul_byte(void **state)
{
	ENV;
	static const char text[] = HEADER "latency,pi\0pe,greeting,16,100,1,\"0,0\",1,5,9,10,11,12,8,"
				   "1,3,2,0,0,0,0,0,\n";
	write_text(env->dir, "env.csv", ENV_CSV);
	write_text(env->dir, "latency/tcp.csv", HEADER LAT_ROW("tcp", "9.000"));
	write_file(env->dir, "latency/pipe.csv", text, sizeof text - 1);
	struct run *run;
	free(report_of(env->dir, &run));
	assert_true(problem_says(run, "latency/pipe.csv line 2", "NUL byte"));
	assert_false(problem_says(run, "over 4096 bytes", NULL));
	run_free(run);
	test_empty_dir(env->dir);
}

/* ---- time linear in rows ---------------------------------------------------- */

static double seconds_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 10^5 throughput rows of distinct sizes took over 100 s in a release build
 * (a scan of every row for each one); in order of n log n they take a few
 * seconds under sanitizers.  The bound (60 s) is far from both. */
static void test_many_rows(void **state)
{
	ENV;
	enum { N = 100000 };
	test_deadline(90, "10^5 rows read, grouped and written, under sanitizers on a busy machine");
	size_t cap = (size_t)N * 96 + 4096, len = 0;
	char *text = malloc(cap);
	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len, HEADER);
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"throughput,pipe,,%d,100,1,\"0,1\",,,,,,,,,,,%d.5,,,0,0,\n",
					64 + i, 1000 + i % 977);
	struct run *run = run_new();
	double t0 = seconds_now();
	assert_int_equal(reader_parse(run, -1, RK_ROWS, "throughput/many.csv", text, len), 0);
	free(text);
	run_finish(run);
	assert_int_equal(run->nrows, N);
	char data[IPC_PATH_MAX + 16];
	snprintf(data, sizeof data, "%s", env->dir);
	struct ipc_error e = { 0 };
	assert_int_equal(run_plot_data(run, data, &e), 0);
	char *sum = NULL;
	size_t sl = 0;
	FILE *f = open_memstream(&sum, &sl);
	run_summary(run, f);
	fclose(f);
	free(sum);
	double took = seconds_now() - t0;
	if (took > 60)
		fail_msg("%d rows took %.1f s", N, took);
	run_free(run);
	test_empty_dir(env->dir);
}

/* ---- every writer and its reader: every field, by column name ------------- */

static void test_rows_round_trip(void **state)
{
	(void)state;
	struct env_record envr;
	memset(&envr, 0, sizeof envr);
	for (size_t i = 0; i < env_nfields; i++) {
		char v[64];
		snprintf(v, sizeof v, env_fields[i].is_number ? "%zu" : "value %zu", i + 3);
		assert_int_equal(env_field_set(&envr, env_fields[i].name, v), 0);
	}
	/* Each column a value of its own: 1000 + its index, 0.25 past it. */
	struct result_row row = { .kind = "latency", .transport = "unix_stream", .mode = "m,\"q\"",
				  .pin = "0,1", .note = "HIGH-SPREAD" };
	for (size_t k = 0; k < report_ncolumns; k++) {
		void *at = (char *)&row + report_columns[k].offset;
		if (report_columns[k].type == COL_ULONG)
			*(unsigned long *)at = 1000 + k;
		else if (report_columns[k].type == COL_DOUBLE)
			*(double *)at = 1000.25 + (double)k;
	}
	row.lost = 3; /* at most the count */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct report rep;
	report_begin(&rep, f, REPORT_CSV, &envr);
	report_add(&rep, &row);
	report_end(&rep);
	assert_int_equal(fclose(f), 0);

	/* Columns reversed: the reader must match them by name. */
	char *lines[64];
	size_t nl = 0;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && nl < 64;
	     l = strtok_r(NULL, "\n", &save))
		lines[nl++] = l;
	assert_true(nl >= 2);
	char *out = NULL;
	size_t ol = 0;
	f = open_memstream(&out, &ol);
	for (size_t i = 0; i + 2 < nl; i++) /* the environment lines */
		fprintf(f, "%s\n", lines[i]);
	for (int which = 0; which < 2; which++) {
		char *line = lines[nl - 2 + which], *field[64];
		int n = 0;
		/* Split at commas outside quotes. */
		for (char *p = line, *start = line; ; p++) {
			static bool quoted;
			if (p == line)
				quoted = false;
			if (*p == '"')
				quoted = !quoted;
			if ((*p == ',' && !quoted) || !*p) {
				bool end = !*p;
				*p = '\0';
				field[n++] = start;
				start = p + 1;
				if (end)
					break;
			}
		}
		assert_int_equal((size_t)n, report_ncolumns);
		/* "kind" first (it tells a result file), the rest reversed. */
		fprintf(f, "%s", field[0]);
		for (int i = n - 1; i >= 1; i--)
			fprintf(f, ",%s", field[i]);
		fputc('\n', f);
	}
	assert_int_equal(fclose(f), 0);

	struct run *run = run_new();
	assert_int_equal(reader_parse(run, -1, RK_ENV, "memory", out, ol), 0);
	assert_int_equal(run->nraw, 1);
	const struct result_row *r = &run->raw[0].r;
	for (size_t k = 0; k < report_ncolumns; k++) {
		const void *a = (const char *)r + report_columns[k].offset;
		const void *b = (const char *)&row + report_columns[k].offset;
		if (report_columns[k].type == COL_STR)
			assert_string_equal(*(const char *const *)a, *(const char *const *)b);
		else if (report_columns[k].type == COL_ULONG)
			assert_int_equal(*(const unsigned long *)a, *(const unsigned long *)b);
		else
			assert_float_equal(*(const double *)a, *(const double *)b, 1e-9);
	}
	/* The environment: every field, the version among them. */
	for (size_t i = 0; i < env_nfields; i++) {
		char want[300];
		env_field_text(&envr, &env_fields[i], want, sizeof want);
		assert_string_equal(run_env(run, env_fields[i].name), want);
	}
	run_free(run);
	free(out);
	free(text);
}

/* all.csv is plain CSV: its header first, no comment line; the
 * environment it was read with is in results.json, every field of it with
 * its value (version too, which all.csv once left empty). */
static void test_all_csv_environment(void **state)
{
	ENV;
	struct env_record envr;
	memset(&envr, 0, sizeof envr);
	for (size_t i = 0; i < env_nfields; i++) {
		char v[64];
		snprintf(v, sizeof v, env_fields[i].is_number ? "%zu" : "v%zu", i + 2);
		assert_int_equal(env_field_set(&envr, env_fields[i].name, v), 0);
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct report rep;
	report_begin(&rep, f, REPORT_CSV, &envr);
	report_end(&rep);
	fclose(f);
	write_text(env->dir, "env.csv", text);
	free(text);
	write_text(env->dir, "latency/tcp.csv", HEADER LAT_ROW("tcp", "9.000"));
	free(report_of(env->dir, NULL));
	char path[IPC_PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/all.csv", env->dir);
	char *all = test_slurp_path(path);
	/* The row's columns, then the interval's (judged_by,lo,hi,rounds). */
	assert_int_equal(strncmp(all, HEADER, strlen(HEADER) - 1), 0);
	assert_int_equal(strncmp(all + strlen(HEADER) - 1, ",judged_by,lo,hi,rounds\n", 24), 0);
	assert_null(strstr(all, "\n#"));
	assert_non_null(strstr(all, "\nlatency,tcp,greeting,"));
	free(all);
	snprintf(path, sizeof path, "%s/results.json", env->dir);
	char *json = test_slurp_path(path);
	for (size_t i = 0; i < env_nfields; i++) {
		char want[400], v[300];
		env_field_text(&envr, &env_fields[i], v, sizeof v);
		snprintf(want, sizeof want, env_fields[i].is_number ? "\"%s\": %s" : "\"%s\": \"%s\"",
			 env_fields[i].name, v);
		if (!strstr(json, want))
			fail_msg("results.json lacks '%s'", want);
	}
	free(json);
	test_empty_dir(env->dir);
}

/* The pauses layout: what `ipclab bench pauses` writes, the reader takes. */
static void test_pauses_round_trip(void **state)
{
	(void)state;
	struct pauses_result r = { .cpu = 3, .seconds = 1.5, .threshold_us = 5, .pauses = 1234,
				   .overflow = 7, .per_s = 822.667, .lost_pct = 12.5, .min_us = 6,
				   .p50_us = 41.25, .p90_us = 50, .p99_us = 60, .max_us = 90,
				   .clock_ns = 27, .ctxsw = 55 };
	struct env_record envr = { .cpus_online = 2 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	pauses_write(f, REPORT_CSV, &envr, &r);
	fclose(f);
	struct run *run = run_new();
	assert_int_equal(reader_parse(run, -1, RK_PAUSES, "machine/pauses_cpu3.csv", text, len), 0);
	assert_int_equal(run->npauses, 1);
	assert_int_equal(run->pauses[0].cpu, 3);
	assert_float_equal(run->pauses[0].per_s, 822.667, 1e-9);
	assert_float_equal(run->pauses[0].lost_pct, 12.5, 1e-9);
	assert_float_equal(run->pauses[0].p50_us, 41.25, 1e-9);
	assert_int_equal(run->pauses[0].ctxsw, 55);
	run_free(run);
	free(text);
}

/* ---- the layers: src/ below analysis/ below bench/ ------------------------ */

/* Whether any .c or .h file of folder `dir` includes a header named in
 * `banned` (by folder, "bench/", or by a bare name of that folder's). */
static void check_includes(const char *dir, const char *const *banned)
{
	char root[4096], path[8192];
	const char *src = getenv("IPCLAB_SOURCE_DIR");
	snprintf(root, sizeof root, "%s%s%s", src ? src : "", src ? "/" : "", dir);
	DIR *d = opendir(root);
	if (!d)
		fail_msg("open %s: %s (run the tests from the source tree)", root, strerror(errno));
	for (struct dirent *de; (de = readdir(d));) {
		size_t n = strlen(de->d_name);
		if (n < 3 || (strcmp(de->d_name + n - 2, ".c") && strcmp(de->d_name + n - 2, ".h")))
			continue;
		snprintf(path, sizeof path, "%s/%s", root, de->d_name);
		char *text = test_slurp_path(path);
		for (const char *p = strstr(text, "#include \""); p; p = strstr(p + 1, "#include \""))
			for (size_t b = 0; banned[b]; b++)
				if (!strncmp(p + 10, banned[b], strlen(banned[b])))
					fail_msg("%s/%s includes \"%.*s\": %s/ may not reach %s", dir, de->d_name,
						 (int)strcspn(p + 10, "\""), p + 10, dir, banned[b]);
		free(text);
	}
	closedir(d);
}

static void test_layers(void **state)
{
	(void)state;
	static const char *const above_src[] = { "bench/", "analysis/", "bench.h\"", "pauses.h\"",
						 "netlab.h\"", "datadir.h\"", "analysis.h\"",
						 "run.h\"", "reader.h\"", "layout.h\"", NULL };
	static const char *const above_analysis[] = { "bench/", "bench.h\"", "pauses.h\"",
						      "netlab.h\"", "datadir.h\"", NULL };
	check_includes("src", above_src);
	check_includes("analysis", above_analysis);
}


/* ---- one file's bytes, rule by rule (reader_parse, no directory) ----------- */

/* The rows and problems of one result CSV given as text. */
static struct run *parse_text(const char *text)
{
	struct run *run = run_new();
	assert_non_null(run);
	assert_int_equal(reader_parse(run, -1, RK_ROWS, "t.csv", text, strlen(text)), 0);
	return run;
}

/* Every rule a row or a figure must meet: a row that breaks one is left
 * out and the problem names the file, the line and why; a row that meets
 * them all is read. */
static void test_row_rules_table(void **state)
{
	(void)state;
	static const char head[] = "kind,transport,size,count,lost,errors,min_us,p50_us,p90_us,"
				   "p99_us,max_us,mb_per_s,msgs_per_s,note\n";
	static const struct {
		const char *row, *why; /* why NULL: read */
	} c[] = {
		{ "latency,pipe,16,100,0,0,1,2,3,4,5,,,", NULL },
		{ "latency,pipe,16,100,0,0,,2,,,,,,", NULL },         /* missing: not measured */
		{ "latency,pipe,16,100,0,0,1,2,0,4,5,,,", NULL },     /* a 0 percentile is skipped */
		{ "latency,pipe,16,100,0,0,2,2,2,2,2,,,", NULL },     /* equal is not down */
		{ "latency,pipe,16,100,0,0,3,2,3,4,5,,,", "percentiles go down" },
		{ "latency,pipe,16,100,0,0,1,3,2,4,5,,,", "percentiles go down" },
		{ "latency,pipe,16,100,0,0,1,2,3,4,3.5,,,", "percentiles go down" },
		{ "latency,pipe,16,100,0,0,1,0,3,4,5,,,", "p50 is 0 or missing" },
		{ "latency,pipe,16,100,0,0,1,,3,4,5,,,", "p50 is 0 or missing" },
		{ "latency,pipe,16,0,0,0,1,2,3,4,5,,,", "count is 0" },
		{ "latency,,16,100,0,0,1,2,3,4,5,,,", "no transport" },
		{ "latenzy,pipe,16,100,0,0,1,2,3,4,5,,,", "unknown kind" },
		{ "connect,pipe,0,100,0,0,1,2,3,4,5,,,", NULL },
		{ "process,pipe,0,100,0,0,1,2,3,4,5,,,", NULL },
		{ "throughput,pipe,4096,100,0,0,,,,,,10.5,,", NULL },
		{ "throughput,pipe,0,100,0,0,,,,,,10.5,,", "size 0" },
		{ "throughput,pipe,4096,100,0,0,,,,,,0,,", "MB/s is 0 or missing" },
		{ "throughput,pipe,4096,100,0,0,,,,,,,,", "MB/s is 0 or missing" },
		{ "throughput,udp,4096,100,100,0,,,,,,0,,", NULL },   /* all lost: a row */
		{ "throughput,udp,4096,100,101,0,,,,,,1,,", "more lost than sent" },
		{ "throughput,udp,4096,100,100,0,,,,,,1,,", NULL },
		{ "load,tcp,16,100,0,0,,2,,,,,500,", NULL },
		{ "load,tcp,16,100,0,0,,2,,,,,0,", "requests/s is 0 or missing" },
		{ "load,tcp,16,100,0,3,,2,,,,,0,", NULL },            /* errors said */
		{ "load,tcp,16,100,2,0,,2,,,,,0,", NULL },            /* lost said */
		/* Figures. */
		{ "latency,pipe,16,100,0,0,1,2,3,4,abc,,,", "max_us is not a number" },
		{ "latency,pipe,16,100,0,0,1,2,3,4,5x,,,", "max_us is not a number" },
		{ "latency,pipe,16,100,0,0,1,2,3,4,0x5,,,", "max_us is not a number" },
		{ "latency,pipe,16,100,0,0,1,2,3,4,1p3,,,", "max_us is not a number" },
		{ "latency,pipe,16,100,0,0,1,2,3,4,inf,,,", "max_us is infinite" },
		{ "latency,pipe,16,100,0,0,1,2,3,4,1e999,,,", "max_us is infinite" },
		{ "latency,pipe,16,100,0,0,1,2,3,4,nan,,,", "max_us is NaN" },
		{ "latency,pipe,16,100,0,0,1,2,3,4,-5,,,", "max_us is negative" },
		{ "latency,pipe,16,100,0,0,1,2,3,4,1e-310,,,", "max_us is subnormal" },
		{ "latency,pipe,16,100,0,0,1,2,3,4,1e13,,,", "max_us is too large" },
		{ "latency,pipe,16,100,0,0,1,2,3,4,1e12,,,", NULL },
		{ "latency,pipe,16,100,0,0,0.5,2,3,4,5,,,", NULL },
		{ "latency,pipe,16,100.0,0,0,1,2,3,4,5,,,", "count is not a whole number" },
		{ "latency,pipe,16,1e2,0,0,1,2,3,4,5,,,", "count is not a whole number" },
		{ "latency,pipe,16,100.5,0,0,1,2,3,4,5,,,", "count is not a whole number" },
		{ "latency,pipe,16,-1,0,0,1,2,3,4,5,,,", "count is negative" },
		{ "latency,pipe,16,x,0,0,1,2,3,4,5,,,", "count is not a number" },
		/* Fields. */
		{ "latency,pipe,16,100,0,0,1,2,3,4,5,,", "has 13 fields, its header 14" },
		{ "latency,pipe,16,100,0,0,1,2,3,4,5,,,,", "has 15 fields, its header 14" },
		{ "latency,\"pipe,16,100,0,0,1,2,3,4,5,,,", "a quote is not closed: row left out" },
		{ "latency,\"pi\"\"pe\",16,100,0,0,1,2,3,4,5,,,", NULL },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		char text[512];
		snprintf(text, sizeof text, "%s%s\n", head, c[i].row);
		struct run *run = parse_text(text);
		const char *const *lines;
		size_t np = run_problems(run, &lines);
		if (!c[i].why) {
			if (run->nraw != 1 || np)
				fail_msg("case %zu (%s) left out: %s", i, c[i].row, np ? lines[0] : "");
		} else {
			if (run->nraw != 0)
				fail_msg("case %zu (%s) read, not left out for %s", i, c[i].row, c[i].why);
			assert_int_equal(np, 1);
			if (!strstr(lines[0], c[i].why) || !strstr(lines[0], "t.csv line 2"))
				fail_msg("case %zu: \"%s\" does not say \"t.csv line 2\" and \"%s\"", i,
					 lines[0], c[i].why);
		}
		run_free(run);
	}
}

/* Columns after "kind" are found by name in any order, unknown ones passed over, a
 * missing one left unmeasured; quotes and CRLF line ends are undone; only
 * env.csv's comment lines before the header set the environment. */
static void test_columns_by_name_any_order(void **state)
{
	(void)state;
	const char *text =
		"# kernel: Linux 6.1\r\n"
		"kind,note,extra,p99_us,transport,count,p50_us,pin,mb_per_s,size,mode,cpu_us_per_op,"
		"p90_us,clients,lost,errors,min_us,max_us,mean_us,stddev_us,p999_us,ctxsw_per_op,"
		"msgs_per_s,cpu_ms_per_mb\r\n"
		"\r\n"
		"latency,\"a, \"\"b\"\"\",zzz,4.5,unix_stream,321,2.25,\"0,1\",,64,echo,7.5,3.5,1,2,3,"
		"1.25,9.5,2.75,0.5,8.5,2.5,1000,\r\n"
		"# kernel: Linux 9\r\n";
	struct run *run = run_new();
	assert_non_null(run);
	assert_int_equal(reader_parse(run, -1, RK_ENV, "env.csv", text, strlen(text)), 0);
	const char *const *lines;
	size_t np = run_problems(run, &lines);
	if (np)
		fail_msg("%s", lines[0]);
	assert_int_equal(run->nraw, 1);
	const struct result_row *r = &run->raw[0].r;
	assert_string_equal(r->kind, "latency");
	assert_string_equal(r->transport, "unix_stream");
	assert_string_equal(r->mode, "echo");
	assert_string_equal(r->pin, "0,1");
	assert_string_equal(r->note, "a, \"b\"");
	assert_int_equal(r->size, 64);
	assert_int_equal(r->count, 321);
	assert_int_equal(r->clients, 1);
	assert_int_equal(r->lost, 2);
	assert_int_equal(r->errors, 3);
	assert_true(r->lat_us.min == 1.25);
	assert_true(r->lat_us.p50 == 2.25);
	assert_true(r->lat_us.p90 == 3.5);
	assert_true(r->lat_us.p99 == 4.5);
	assert_true(r->lat_us.p999 == 8.5);
	assert_true(r->lat_us.max == 9.5);
	assert_true(r->lat_us.mean == 2.75);
	assert_true(r->lat_us.stddev == 0.5);
	assert_true(r->cpu_us_per_op == 7.5);
	assert_true(r->ctxsw_per_op == 2.5);
	assert_true(r->msgs_per_s == 1000);
	assert_true(isnan(r->mb_per_s));
	assert_true(isnan(r->cpu_ms_per_mb));
	/* The comment before the header, not the one after the rows. */
	assert_string_equal(run_env(run, "kernel"), "Linux 6.1");
	run_free(run);

	/* A file without the header is not ours; a header alone has no row. */
	run = parse_text("latency,pipe,16,100\n");
	assert_int_equal(run->nraw, 0);
	np = run_problems(run, &lines);
	assert_int_equal(np, 1);
	assert_non_null(strstr(lines[0], "no header starting with \"kind\""));
	run_free(run);
	run = parse_text("");
	np = run_problems(run, &lines);
	assert_int_equal(np, 1);
	assert_non_null(strstr(lines[0], "no header and no row"));
	run_free(run);
	/* A target file's rows go to the scaling comparison, not the rows. */
	run = run_new();
	assert_non_null(run);
	const char *load = "kind,transport,mode,clients,count,p50_us,msgs_per_s\n"
			   "load,unix_stream,epoll,50,100,20,31000\n";
	assert_int_equal(reader_parse(run, -1, RK_TARGET_ROWS, "t.csv", load, strlen(load)), 0);
	assert_int_equal(run->nraw, 0);
	assert_int_equal(run->ntarget, 1);
	assert_true(run->target[0].r.msgs_per_s == 31000);
	assert_int_equal(run->target[0].r.clients, 50);
	run_free(run);
}

/* redis-benchmark's CSV (rps, avg, min, p50, p95, p99, max; ms) becomes a
 * load row in requests/s and µs, its family and clients from the file's
 * name; steal.tsv's ticks become a percentage of each step. */
static void test_redis_and_steal_rules(void **state)
{
	(void)state;
	const char *csv = "\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\","
			  "\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\"\n"
			  "\"PING_INLINE\",\"41234.5\",\"1.125\",\"0.250\",\"1.000\",\"2.500\",\"3.750\","
			  "\"9.875\"\n";
	static const struct {
		const char *name, *t;
		unsigned long clients;
		bool target;
	} c[] = {
		{ "scaling/redis_unix_50.out", "unix_stream", 50, false },
		{ "scaling/redis_tcp_1000.out", "tcp", 1000, false },
		{ "scaling/target/redis_tcp_50_2.out", "tcp", 50, true },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct run *run = run_new();
		assert_non_null(run);
		assert_int_equal(reader_parse(run, -1, c[i].target ? RK_TARGET_REDIS : RK_REDIS,
					      c[i].name, csv, strlen(csv)), 0);
		assert_int_equal(run->nraw, c[i].target ? 0 : 1);
		assert_int_equal(run->ntarget, c[i].target ? 1 : 0);
		const struct result_row *r = c[i].target ? &run->target[0].r : &run->raw[0].r;
		assert_string_equal(r->kind, "load");
		assert_string_equal(r->mode, "redis");
		assert_string_equal(r->transport, c[i].t);
		assert_int_equal(r->clients, c[i].clients);
		assert_true(r->msgs_per_s == 41234.5);
		assert_float_equal(r->lat_us.mean, 1125, 1e-9);
		assert_float_equal(r->lat_us.min, 250, 1e-9);
		assert_float_equal(r->lat_us.p50, 1000, 1e-9);
		assert_float_equal(r->lat_us.p99, 3750, 1e-9);
		assert_float_equal(r->lat_us.max, 9875, 1e-9);
		run_free(run);
	}
	/* A figure of 0 or not a number, or a row cut short: left out, said. */
	static const char *const bad[] = {
		"\"PING_INLINE\",\"0\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\"\n",
		"\"PING_INLINE\",\"x\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\"\n",
		"\"PING_INLINE\",\"5\",\"1\",\"1\",\"1\",\"1\",\"1\"\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct run *run = run_new();
		assert_non_null(run);
		assert_int_equal(reader_parse(run, -1, RK_REDIS, "scaling/redis_unix_50.out", bad[i],
					      strlen(bad[i])), 0);
		assert_int_equal(run->nraw, 0);
		const char *const *lines;
		assert_int_equal(run_problems(run, &lines), 1);
		assert_non_null(strstr(lines[0], "scaling/redis_unix_50.out line 1"));
		run_free(run);
	}
	/* A name that is not a point of ours: nothing read, nothing said. */
	struct run *run = run_new();
	assert_non_null(run);
	assert_int_equal(reader_parse(run, -1, RK_REDIS, "scaling/redis_unix_0.out", csv,
				      strlen(csv)), 0);
	assert_int_equal(run->nraw, 0);
	run_free(run);

	const char *steal = "latency\t5\t200\n\nthroughput\t0\t100\npeers\t7\t5\nbad\t1\t0\n"
			    "x\ty\t3\n";
	run = run_new();
	assert_non_null(run);
	assert_int_equal(reader_parse(run, -1, RK_STEAL, "steal.tsv", steal, strlen(steal)), 0);
	assert_int_equal(run->nsteal, 2);
	assert_string_equal(run->steal[0].step, "latency");
	assert_float_equal(run->steal[0].pct, 2.5, 1e-12);
	assert_string_equal(run->steal[1].step, "throughput");
	assert_float_equal(run->steal[1].pct, 0, 0);
	const char *const *lines;
	assert_int_equal(run_problems(run, &lines), 3);
	assert_non_null(strstr(lines[0], "steal.tsv line 4"));
	assert_non_null(strstr(lines[1], "steal.tsv line 5"));
	assert_non_null(strstr(lines[2], "steal.tsv line 6"));
	run_free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_quick_run_unchanged, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_unusable_figures, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_negative_throughput, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_truncated_row_and_repeated_column, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_env_unusable, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_garbage_peer_log, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_fifo_symlink_and_escape, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_nul_byte, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_many_rows, test_env_setup, test_env_teardown),
		cmocka_unit_test(test_rows_round_trip),
		cmocka_unit_test(test_row_rules_table),
		cmocka_unit_test(test_columns_by_name_any_order),
		cmocka_unit_test(test_redis_and_steal_rules),
		cmocka_unit_test_setup_teardown(test_all_csv_environment, test_env_setup,
						test_env_teardown),
		cmocka_unit_test(test_pauses_round_trip),
		cmocka_unit_test(test_layers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
