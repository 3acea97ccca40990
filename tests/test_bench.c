/*
 * test_bench.c - the benchmark engine: statistics, result writers, the
 * environment record, the stream verifier, and a smoke run of every
 * benchmark on every transport.
 *
 * The smoke runs assert what a run must do (finish, count what it was
 * asked, order its percentiles, lose nothing on a reliable transport,
 * clean up its files), never how fast it was.
 */
#include "support.h"

#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "report.h"
#include "stats.h"

#define ENV struct test_env *env = *state

extern const struct ipc_transport pipe_transport, fifo_transport, unix_stream_transport,
	unix_dgram_transport, tcp_transport, udp_transport,
	socketpair_transport, mqueue_transport, shm_transport;

/* ---- statistics -------------------------------------------------------- */

static void test_stats_empty(void **state)
{
	(void)state;
	struct stats s;
	stats_compute(NULL, 0, &s);
	assert_int_equal(s.n, 0);
	assert_true(s.min == 0 && s.p50 == 0 && s.max == 0 && s.mean == 0 && s.stddev == 0);
	assert_false(stats_high_spread(&s));
}

static void test_stats_one(void **state)
{
	(void)state;
	double x[] = { 7.5 };
	struct stats s;
	stats_compute(x, 1, &s);
	assert_int_equal(s.n, 1);
	assert_true(s.min == 7.5 && s.p50 == 7.5 && s.p90 == 7.5 && s.p99 == 7.5);
	assert_true(s.p999 == 7.5 && s.max == 7.5 && s.mean == 7.5);
	assert_true(s.stddev == 0.0); /* n - 1 = 0: defined as 0 */
}

static void test_stats_two(void **state)
{
	(void)state;
	double x[] = { 2.0, 1.0 };
	struct stats s;
	stats_compute(x, 2, &s);
	assert_true(x[0] == 1.0 && x[1] == 2.0); /* sorted in place */
	assert_true(s.min == 1.0 && s.max == 2.0);
	assert_true(s.p50 == 1.0);  /* rank ceil(0.5 * 2) = 1 */
	assert_true(s.p90 == 2.0);  /* rank ceil(1.8) = 2 */
	assert_true(s.mean == 1.5);
	assert_true(fabs(s.stddev - sqrt(0.5)) < 1e-12);
}

static void test_stats_ties(void **state)
{
	(void)state;
	double x[] = { 5, 1, 5, 1, 5 };
	struct stats s;
	stats_compute(x, 5, &s);
	assert_true(s.min == 1 && s.max == 5);
	assert_true(s.p50 == 5);    /* sorted 1 1 5 5 5: rank ceil(2.5) = 3 */
	assert_true(stats_percentile(x, 5, 40) == 1); /* rank 2 */
	assert_true(stats_percentile(x, 5, 41) == 5); /* rank ceil(2.05) = 3 */
	assert_true(s.mean == 17.0 / 5);
}

/* 90% of 10 is exactly rank 9: a careless 0.9 * 10 rounds up to 10. */
static void test_stats_exact_ranks(void **state)
{
	(void)state;
	double x[10];
	for (int i = 0; i < 10; i++)
		x[i] = i + 1;
	struct stats s;
	stats_compute(x, 10, &s);
	assert_true(s.p50 == 5);
	assert_true(s.p90 == 9);
	assert_true(s.p99 == 10);
	assert_true(stats_percentile(x, 10, 100) == 10);
	assert_true(stats_percentile(x, 10, 0.001) == 1);
	assert_true(stats_percentile(x, 10, 30) == 3);
	assert_true(stats_percentile(x, 10, 70) == 7);
}

/* Nearest rank at awkward counts and fractions, against integer arithmetic:
 * p = P/10 percent of n samples is rank ceil(P * n / 1000).  4.4 % of 750 is
 * exactly 33, which a plain ceil(4.4 * 750 / 100) makes 34 (4.4 is not
 * exact in binary); 99.9 % of 1000 is 999, not 1000. */
static void test_stats_awkward_ranks(void **state)
{
	(void)state;
	static double x[1000];
	static const int tenths[] = { 1, 5, 10, 44, 125, 250, 333, 500, 667, 900, 990, 999, 1000 };

	for (int i = 0; i < 1000; i++)
		x[i] = i + 1; /* sorted: the value is the rank */
	assert_true(stats_percentile(x, 750, 4.4) == 33);
	for (size_t n = 1; n <= 1000; n++) {
		for (size_t k = 0; k < sizeof tenths / sizeof tenths[0]; k++) {
			size_t want = ((size_t)tenths[k] * n + 999) / 1000;
			if (want < 1)
				want = 1;
			double got = stats_percentile(x, n, tenths[k] / 10.0);
			if (got != (double)want)
				fail_msg("p%g of %zu samples: rank %g, not %zu", tenths[k] / 10.0, n, got,
					 want);
		}
	}
	struct stats st;
	double y[750];
	for (int i = 0; i < 750; i++)
		y[i] = 750 - i;
	stats_compute(y, 750, &st);
	assert_true(st.p50 == 375 && st.p90 == 675 && st.p99 == 743 && st.p999 == 750);
}

static void test_stats_thousand(void **state)
{
	(void)state;
	double x[1000];
	/* 1..1000 in a scrambled order (7 is coprime with 1000). */
	for (int i = 0; i < 1000; i++)
		x[i] = (double)((i * 7) % 1000 + 1);
	struct stats s;
	stats_compute(x, 1000, &s);
	for (int i = 0; i < 1000; i++)
		assert_true(x[i] == i + 1);
	assert_int_equal(s.n, 1000);
	assert_true(s.min == 1 && s.max == 1000);
	assert_true(s.p50 == 500 && s.p90 == 900 && s.p99 == 990 && s.p999 == 999);
	assert_true(s.mean == 500.5);
	/* The sample variance of 1..n is n(n+1)/12. */
	assert_true(fabs(s.stddev - sqrt(1000.0 * 1001.0 / 12.0)) < 1e-9);
}

static void test_stats_spread_rule(void **state)
{
	(void)state;
	struct stats s = { .n = 100, .p50 = 10, .p99 = 30 };
	assert_false(stats_high_spread(&s)); /* exactly 3x: not above */
	s.p99 = 30.001;
	assert_true(stats_high_spread(&s));
}

/* ---- a small JSON reader, for the writer tests ------------------------- */

/* Every scalar seen: its key, the index of the "rows" element it is
 * in (-1 outside), its depth, and its text (strings unescaped). */
struct jrec {
	int depth, elem;
	char key[32], val[256];
	bool is_string;
};
struct jdoc {
	const char *s;
	size_t i;
	struct jrec rec[128];
	int nrec, results;
	bool saw_env, saw_results;
};

static void jws(struct jdoc *d)
{
	while (d->s[d->i] == ' ' || d->s[d->i] == '\n' || d->s[d->i] == '\t' || d->s[d->i] == '\r')
		d->i++;
}

static bool jstring(struct jdoc *d, char *out, size_t cap)
{
	size_t n = 0;
	if (d->s[d->i] != '"')
		return false;
	d->i++;
	for (;;) {
		unsigned char ch = (unsigned char)d->s[d->i++];
		if (ch == '"')
			break;
		if (ch < 0x20)
			return false; /* raw control characters are not allowed */
		if (ch == '\\') {
			char esc = d->s[d->i++];
			const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
			const char *k = strchr(from, esc);
			if (esc == 'u') {
				unsigned v;
				if (sscanf(d->s + d->i, "%4x", &v) != 1)
					return false;
				d->i += 4;
				ch = (unsigned char)v;
			} else if (esc && k) {
				ch = (unsigned char)to[k - from];
			} else {
				return false;
			}
		}
		if (n + 1 < cap)
			out[n++] = (char)ch;
	}
	out[n] = '\0';
	return true;
}

static bool jnumber(struct jdoc *d, char *out, size_t cap)
{
	size_t start = d->i;
	if (d->s[d->i] == '-')
		d->i++;
	if (d->s[d->i] == '0')
		d->i++;
	else if (isdigit((unsigned char)d->s[d->i]))
		while (isdigit((unsigned char)d->s[d->i]))
			d->i++;
	else
		return false;
	if (d->s[d->i] == '.') {
		d->i++;
		if (!isdigit((unsigned char)d->s[d->i]))
			return false;
		while (isdigit((unsigned char)d->s[d->i]))
			d->i++;
	}
	if (d->s[d->i] == 'e' || d->s[d->i] == 'E') {
		d->i++;
		if (d->s[d->i] == '+' || d->s[d->i] == '-')
			d->i++;
		if (!isdigit((unsigned char)d->s[d->i]))
			return false;
		while (isdigit((unsigned char)d->s[d->i]))
			d->i++;
	}
	snprintf(out, cap, "%.*s", (int)(d->i - start), d->s + start);
	return true;
}

static bool jvalue(struct jdoc *d, int depth, const char *key, int elem)
{
	jws(d);
	char c = d->s[d->i];
	if (c == '{' || c == '[') {
		bool obj = c == '{';
		d->i++;
		jws(d);
		if (d->s[d->i] == (obj ? '}' : ']')) {
			d->i++;
			return true;
		}
		for (int n = 0;; n++) {
			char k[32] = "";
			jws(d);
			if (obj) {
				if (!jstring(d, k, sizeof k))
					return false;
				jws(d);
				if (d->s[d->i++] != ':')
					return false;
				if (depth == 0 && !strcmp(k, "environment"))
					d->saw_env = true;
				if (depth == 0 && !strcmp(k, "rows"))
					d->saw_results = true;
			}
			bool results = !obj && depth == 1 && !strcmp(key, "rows");
			if (results)
				d->results = n + 1;
			if (!jvalue(d, depth + 1, obj ? k : key, results ? n : elem))
				return false;
			jws(d);
			if (d->s[d->i] == ',') {
				d->i++;
				continue;
			}
			return d->s[d->i++] == (obj ? '}' : ']');
		}
	}
	struct jrec *r = d->nrec < 128 ? &d->rec[d->nrec++] : &d->rec[127];
	r->depth = depth;
	r->elem = elem;
	snprintf(r->key, sizeof r->key, "%s", key);
	r->is_string = c == '"';
	if (c == '"')
		return jstring(d, r->val, sizeof r->val);
	for (const char *lit = "true\0false\0null\0"; *lit; lit += strlen(lit) + 1)
		if (!strncmp(d->s + d->i, lit, strlen(lit))) {
			d->i += strlen(lit);
			snprintf(r->val, sizeof r->val, "%s", lit);
			return true;
		}
	return jnumber(d, r->val, sizeof r->val);
}

/* Parse a whole document: valid JSON, nothing after it. */
static bool jparse(struct jdoc *d, const char *text)
{
	memset(d, 0, sizeof *d);
	d->s = text;
	if (!jvalue(d, 0, "", -1))
		return false;
	jws(d);
	return d->s[d->i] == '\0';
}

static const struct jrec *jfind(const struct jdoc *d, int elem, const char *key)
{
	for (int i = 0; i < d->nrec; i++)
		if (d->rec[i].elem == elem && !strcmp(d->rec[i].key, key))
			return &d->rec[i];
	return NULL;
}

/* ---- a CSV reader (RFC 4180 fields, one line per record) --------------- */

static int csv_split(const char *line, char fields[][128], int max)
{
	int n = 0;
	const char *p = line;
	for (;;) {
		size_t k = 0;
		char *f = fields[n];
		if (*p == '"') {
			for (p++; *p; p++) {
				if (*p == '"' && p[1] == '"')
					p++;
				else if (*p == '"')
					break;
				if (k + 1 < 128)
					f[k++] = *p;
			}
			if (*p == '"')
				p++;
		} else {
			while (*p && *p != ',' && *p != '\n')
				if (k + 1 < 128)
					f[k++] = *p++;
				else
					p++;
		}
		f[k] = '\0';
		n++;
		if (*p != ',' || n == max)
			return n;
		p++;
	}
}

/* ---- the writers -------------------------------------------------------- */

static const char csv_header[] =
	"kind,transport,mode,size,count,clients,pin,min_us,p50_us,p90_us,p99_us,"
	"p999_us,max_us,mean_us,stddev_us,cpu_us_per_op,ctxsw_per_op,mb_per_s,"
	"msgs_per_s,cpu_ms_per_mb,lost,errors,note";

static void sample_env(struct env_record *env)
{
	env_record_collect(env, "0,1", "/tmp");
	/* A value a naive writer would break: quotes, a comma, a backslash. */
	snprintf(env->cpu_model, sizeof env->cpu_model, "Chip \"X\", rev\\2 \xc3\xa9");
}

static void sample_rows(struct result_row rows[2])
{
	memset(rows, 0, 2 * sizeof rows[0]);
	rows[0] = (struct result_row){
		.kind = "latency", .transport = "unix_stream", .mode = "echo", .size = 1,
		.count = 10000, .clients = 1, .pin = "0,1",
		.lat_us = { .n = 10000, .min = 1.5, .p50 = 12.345, .p90 = 13, .p99 = 20.25,
			    .p999 = 30, .max = 99.125, .mean = 12.5, .stddev = 1.75 },
		.cpu_us_per_op = 9.5, .ctxsw_per_op = 2, .note = "",
	};
	rows[1] = (struct result_row){
		.kind = "throughput", .transport = "udp", .mode = "", .size = 65507,
		.count = 16384, .clients = 1, .pin = "none", .mb_per_s = 1234.5678,
		.msgs_per_s = 18845.25, .cpu_ms_per_mb = 0.5, .lost = 42,
		.note = "LOSSY lost=42, \"see log\"",
	};
}

/* Write the sample rows in `format` into a string (caller frees). */
static char *write_report(enum report_format format, int nrows)
{
	struct env_record env;
	struct result_row rows[2];
	struct report r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	sample_env(&env);
	sample_rows(rows);
	report_begin(&r, f, format, &env);
	for (int i = 0; i < nrows; i++)
		report_add(&r, &rows[i]);
	report_end(&r);
	assert_int_equal(r.rows, nrows);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_report_parse_format(void **state)
{
	(void)state;
	enum report_format f;
	assert_int_equal(report_parse_format("csv", &f), 0);
	assert_int_equal(f, REPORT_CSV);
	assert_int_equal(report_parse_format("json", &f), 0);
	assert_int_equal(f, REPORT_JSON);
	assert_int_equal(report_parse_format("markdown", &f), 0);
	assert_int_equal(f, REPORT_MARKDOWN);
	assert_int_equal(report_parse_format("text", &f), 0);
	assert_int_equal(f, REPORT_TEXT);
	assert_int_equal(report_parse_format("xml", &f), -1);
}

static void test_report_csv(void **state)
{
	(void)state;
	char *out = write_report(REPORT_CSV, 2);
	char fields[32][128];
	int rows = 0, comments = 0;
	bool header = false;

	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#') {
			comments++;
			assert_non_null(strstr(line, ": ")); /* "# key: value" */
			continue;
		}
		if (!header) {
			assert_string_equal(line, csv_header);
			header = true;
			continue;
		}
		int n = csv_split(line, fields, 32);
		assert_int_equal(n, 23);
		if (rows == 0) {
			assert_string_equal(fields[0], "latency");
			assert_string_equal(fields[1], "unix_stream");
			assert_string_equal(fields[6], "0,1"); /* quoted: it holds a comma */
			assert_true(strtod(fields[8], NULL) == 12.345);
			assert_true(strtod(fields[12], NULL) == 99.125);
		} else {
			assert_string_equal(fields[1], "udp");
			assert_int_equal(strtoul(fields[3], NULL, 10), 65507);
			assert_true(fabs(strtod(fields[17], NULL) - 1234.568) < 1e-9);
			assert_int_equal(strtoul(fields[20], NULL, 10), 42);
			assert_string_equal(fields[22], "LOSSY lost=42, \"see log\"");
		}
		rows++;
	}
	assert_true(header);
	assert_int_equal(rows, 2);
	assert_int_equal(comments, 16); /* every field of the environment */
	free(out);
}

static void test_report_json(void **state)
{
	(void)state;
	char *out = write_report(REPORT_JSON, 2);
	struct jdoc *d = malloc(sizeof *d);

	assert_non_null(d);
	if (!jparse(d, out))
		fail_msg("invalid JSON near offset %zu:\n%s", d->i, out);
	assert_true(d->saw_env && d->saw_results);
	assert_int_equal(d->results, 2);
	const struct jrec *r = jfind(d, -1, "cpu_model");
	assert_non_null(r);
	assert_string_equal(r->val, "Chip \"X\", rev\\2 \xc3\xa9");
	r = jfind(d, -1, "cpus_online");
	assert_non_null(r);
	assert_false(r->is_string);
	r = jfind(d, -1, "timer_ns");
	assert_non_null(r);
	assert_false(r->is_string);
	r = jfind(d, -1, "rundir_fs");
	assert_non_null(r);
	assert_true(r->is_string && r->val[0]);
	r = jfind(d, -1, "cpuidle");
	assert_non_null(r);
	assert_true(r->is_string && r->val[0]);
	r = jfind(d, 0, "p50_us");
	assert_non_null(r);
	assert_false(r->is_string);
	assert_true(strtod(r->val, NULL) == 12.345);
	r = jfind(d, 1, "note");
	assert_non_null(r);
	assert_string_equal(r->val, "LOSSY lost=42, \"see log\"");
	r = jfind(d, 1, "lost");
	assert_non_null(r);
	assert_string_equal(r->val, "42");
	/* Every CSV column is a key of every row it applies to, and of no
	 * other: no MB/s on a latency row, no percentiles on a throughput
	 * row, clients on a load row only. */
	char names[sizeof csv_header];
	memcpy(names, csv_header, sizeof csv_header);
	for (char *k = strtok(names, ","); k; k = strtok(NULL, ",")) {
		bool stream_only = !strcmp(k, "mb_per_s") || !strcmp(k, "cpu_ms_per_mb");
		char bounded[40];
		snprintf(bounded, sizeof bounded, ",%s,", k);
		bool timed_only = strstr(",min_us,p50_us,p90_us,p99_us,p999_us,max_us,mean_us,"
					 "stddev_us,", bounded) != NULL;
		bool load_only = !strcmp(k, "clients");
		if ((!jfind(d, 0, k)) != (stream_only || load_only))
			fail_msg("key %s %s the JSON latency row", k,
				 jfind(d, 0, k) ? "wrongly in" : "missing from");
		if ((!jfind(d, 1, k)) != (timed_only || load_only))
			fail_msg("key %s %s the JSON throughput row", k,
				 jfind(d, 1, k) ? "wrongly in" : "missing from");
	}
	free(d);
	free(out);

	/* No rows: still a valid document with an empty array. */
	out = write_report(REPORT_JSON, 0);
	d = malloc(sizeof *d);
	assert_non_null(d);
	assert_true(jparse(d, out));
	assert_true(d->saw_results);
	assert_int_equal(d->results, 0);
	free(d);
	free(out);
}

static void test_report_markdown(void **state)
{
	(void)state;
	char *out = write_report(REPORT_MARKDOWN, 2);
	int bullets = 0, table = 0;
	const char *row1 = NULL;

	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strncmp(line, "- **", 4))
			bullets++;
		if (line[0] == '|') {
			table++;
			if (table == 1) { /* the header names every column */
				char names[sizeof csv_header];
				memcpy(names, csv_header, sizeof csv_header);
				for (char *save, *k = strtok_r(names, ",", &save); k;
				     k = strtok_r(NULL, ",", &save)) {
					char cell[48];
					snprintf(cell, sizeof cell, "| %s |", k);
					assert_non_null(strstr(line, cell));
				}
			}
			if (table == 2)
				assert_non_null(strstr(line, "---"));
			if (table == 3)
				row1 = line;
		}
	}
	assert_int_equal(bullets, 16); /* every field of the environment */
	assert_int_equal(table, 4); /* header, separator, two rows */
	assert_non_null(row1);
	assert_non_null(strstr(row1, "| latency | unix_stream |"));
	assert_non_null(strstr(row1, "| 12.345 |"));
	free(out);
}

static void test_report_text(void **state)
{
	(void)state;
	char *out = write_report(REPORT_TEXT, 2);
	assert_non_null(strstr(out, "# ipclab results"));
	assert_non_null(strstr(out, "p50_us"));  /* the latency table */
	assert_non_null(strstr(out, "MB/s"));    /* the throughput table */
	assert_non_null(strstr(out, "12.345"));
	assert_non_null(strstr(out, "LOSSY lost=42"));
	free(out);
}

/* ---- the environment record --------------------------------------------- */

static void test_env_record(void **state)
{
	(void)state;
	struct env_record env;

	unsetenv("IPCLAB_GIT_REV");
	env_record_collect(&env, NULL, NULL);
	const char *fields[] = { env.date,     env.cpu_model, env.smt,  env.kernel,
				 env.governor, env.cpuidle, env.clocksource, env.compiler,
				 env.cflags,   env.link,     env.git_rev, env.pin,      env.rundir_fs };
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		assert_true(fields[i][0] != '\0');
		for (const char *p = fields[i]; *p; p++)
			assert_false(iscntrl((unsigned char)*p)); /* one line each */
	}
	assert_true(env.cpus_online >= 1);
	/* A reading was timed (-1: the clock could not be read); what it
	 * costs depends on the machine, and is only recorded. */
	assert_true(env.timer_ns >= 0);
	assert_string_equal(env.pin, "none");
	assert_int_equal(strlen(env.date), 20); /* 2025-01-31T12:34:56Z */
	assert_true(env.date[4] == '-' && env.date[10] == 'T' && env.date[19] == 'Z');
	assert_true(!strcmp(env.smt, "on") || !strcmp(env.smt, "off") ||
		    !strcmp(env.smt, "unknown"));
	assert_non_null(strstr(env.kernel, "Linux"));
	/* The tests' build is not the Makefile's release one: no LINK given. */
	assert_true(!strcmp(env.link, "static") || !strcmp(env.link, "dynamic") ||
		    !strcmp(env.link, "unknown"));

	assert_string_equal(env.rundir_fs, "unknown");

	setenv("IPCLAB_GIT_REV", "abc1234-dirty", 1);
	env_record_collect(&env, "0,0", "/proc/self");
	assert_string_equal(env.git_rev, "abc1234-dirty");
	assert_string_equal(env.pin, "0,0");
	assert_string_equal(env.rundir_fs, "proc");
	/* A run directory not made yet: the file system it would be made on. */
	env_record_collect(&env, "0,0", "/proc/no/such/dir");
	assert_string_equal(env.rundir_fs, "proc");
	unsetenv("IPCLAB_GIT_REV");
}

/* Write `text` to dir/rel, making the directories on the way. */
static void put_sys(const char *dir, const char *rel, const char *text)
{
	char path[IPC_PATH_MAX + 128];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		fail_msg("write %s: %s", path, strerror(errno));
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag;
	return ftw->level == 0 ? 0 : remove(path);
}

/* How idle CPUs wait, read from a made-up sysfs tree: a KVM guest's
 * haltpoll with its poll window, a machine's driver and governor, the
 * read-only governor file of kernels before 5.7, and nothing at all. */
static void test_env_cpuidle(void **state)
{
	ENV;
	/* Each step writes one file (none for the first), then reads. */
	static const struct {
		const char *file, *text, *want;
	} steps[] = {
		{ NULL, NULL, "unknown" },
		{ "devices/system/cpu/cpuidle/current_driver", "intel_idle\n", "intel_idle/unknown" },
		{ "devices/system/cpu/cpuidle/current_governor_ro", "menu\n", "intel_idle/menu" },
		{ "devices/system/cpu/cpuidle/current_governor", "teo\n", "intel_idle/teo" },
		/* A poll window means something for the haltpoll driver only. */
		{ "module/haltpoll/parameters/guest_halt_poll_ns", "0\n", "intel_idle/teo" },
		{ "devices/system/cpu/cpuidle/current_driver", "haltpoll\n", "haltpoll/teo, "
		  "guest_halt_poll_ns 0" },
	};
	char out[80];

	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		if (steps[i].file)
			put_sys(env->dir, steps[i].file, steps[i].text);
		env_cpuidle(env->dir, out, sizeof out);
		assert_string_equal(out, steps[i].want);
	}
	assert_int_equal(nftw(env->dir, remove_one, 8, FTW_DEPTH | FTW_PHYS), 0);
}

/* ---- the stream verifier ------------------------------------------------- */

#define MSG 13
#define NMSG 40

/* NMSG messages of MSG bytes, as the sender writes them. */
static void make_stream(unsigned char *pattern, unsigned char *stream)
{
	bench_pattern_fill(pattern, MSG);
	for (int m = 0; m < NMSG; m++) {
		memcpy(stream + m * MSG, pattern, MSG);
		bench_stream_tag(stream + m * MSG, MSG, (uint64_t)m);
	}
}

static int check_all(const unsigned char *pattern, size_t size, const unsigned char *data,
		     size_t len, size_t chunk, struct ipc_error *e)
{
	struct bench_stream_check v;
	bench_stream_check_init(&v, pattern, size, "test");
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		if (bench_stream_check(&v, data + off, n, e) < 0)
			return -1;
	}
	return 0;
}

static void test_stream_check_accepts_any_chunking(void **state)
{
	(void)state;
	unsigned char pattern[MSG], stream[NMSG * MSG];
	struct ipc_error e = { 0 };

	make_stream(pattern, stream);
	for (size_t chunk = 1; chunk <= sizeof stream; chunk += 7)
		if (check_all(pattern, MSG, stream, sizeof stream, chunk, &e) < 0)
			fail_msg("chunks of %zu: %s", chunk, e.msg);
}

static void test_stream_check_catches_damage(void **state)
{
	(void)state;
	unsigned char pattern[MSG], stream[NMSG * MSG], bad[(NMSG + 1) * MSG];
	struct ipc_error e = { 0 };

	make_stream(pattern, stream);
	/* One byte lost. */
	memcpy(bad, stream, 100);
	memcpy(bad + 100, stream + 101, sizeof stream - 101);
	assert_int_equal(check_all(pattern, MSG, bad, sizeof stream - 1, 64, &e), -1);
	assert_int_equal(e.status, IPC_PROTOCOL);
	assert_non_null(strstr(e.msg, "byte 100"));
	/* A whole message lost: the bodies still match, the tags do not. */
	memcpy(bad, stream, 5 * MSG);
	memcpy(bad + 5 * MSG, stream + 6 * MSG, sizeof stream - 6 * MSG);
	assert_int_equal(check_all(pattern, MSG, bad, sizeof stream - MSG, 64, &e), -1);
	/* A message duplicated. */
	memcpy(bad, stream, 6 * MSG);
	memcpy(bad + 6 * MSG, stream + 5 * MSG, sizeof stream - 5 * MSG);
	assert_int_equal(check_all(pattern, MSG, bad, sizeof stream + MSG, 64, &e), -1);
	/* Two messages swapped. */
	memcpy(bad, stream, sizeof stream);
	memcpy(bad + 7 * MSG, stream + 8 * MSG, MSG);
	memcpy(bad + 8 * MSG, stream + 7 * MSG, MSG);
	assert_int_equal(check_all(pattern, MSG, bad, sizeof stream, 64, &e), -1);
	/* One bit flipped in a body. */
	memcpy(bad, stream, sizeof stream);
	bad[300] ^= 0x10;
	assert_int_equal(check_all(pattern, MSG, bad, sizeof stream, 64, &e), -1);
	assert_non_null(strstr(e.msg, "byte 300"));

	/* One-byte messages: each byte is a tag, and a lost one shows too. */
	unsigned char one[1], tiny[256];
	bench_pattern_fill(one, 1);
	for (int m = 0; m < 256; m++) {
		tiny[m] = one[0];
		bench_stream_tag(&tiny[m], 1, (uint64_t)m);
	}
	assert_int_equal(check_all(one, 1, tiny, 256, 10, &e), 0);
	memmove(tiny + 50, tiny + 51, 205);
	assert_int_equal(check_all(one, 1, tiny, 255, 10, &e), -1);
}

/* ---- smoke runs of each benchmark on each transport -------------------- */

static struct bench_opts opts(struct test_env *env, size_t size, unsigned long count)
{
	return (struct bench_opts){ .t = env->t, .ctx = &env->ctx, .size = size,
				    .count = count, .warmup = 3, .pin = { -1, -1 } };
}

static void assert_ordered(const struct stats *s, unsigned long count)
{
	assert_int_equal(s->n, count);
	assert_true(s->min > 0);
	assert_true(s->min <= s->p50 && s->p50 <= s->p90 && s->p90 <= s->p99);
	assert_true(s->p99 <= s->p999 && s->p999 <= s->max);
	assert_true(s->min <= s->mean && s->mean <= s->max);
}

static bool may_lose(const struct ipc_transport *t)
{
	return t == &udp_transport;
}

static void test_latency_greeting(void **state)
{
	ENV;
	struct bench_opts o = opts(env, 0, 50);
	struct bench_result r;
	struct ipc_error e = { 0 };
	char *warnings = NULL;
	size_t wlen = 0;

	o.warn = open_memstream(&warnings, &wlen);
	assert_non_null(o.warn);
	if (bench_latency(&o, &r, &e) < 0)
		fail_msg("%s: %s", env->t->name, e.msg);
	fclose(o.warn);
	assert_non_null(strstr(warnings, "unpinned")); /* said, not only noted */
	free(warnings);
	assert_string_equal(r.row.kind, "latency");
	assert_string_equal(r.row.transport, env->t->name);
	assert_string_equal(r.row.mode, "greeting");
	assert_int_equal(r.row.count, 50);
	assert_int_equal(r.row.size, env->t->kind == IPC_STREAM ? 16 : 15);
	assert_ordered(&r.row.lat_us, 50);
	assert_true(r.row.cpu_us_per_op >= 0 && r.row.ctxsw_per_op >= 0);
	assert_true(r.row.msgs_per_s > 0);
	assert_string_equal(r.row.pin, "none");
	assert_non_null(strstr(r.row.note, "UNPINNED"));
	if (!may_lose(env->t))
		assert_int_equal(r.row.lost, 0);
}

/* Several payload sizes, up to a datagram's limit; the last run pinned
 * (CPU 0 exists everywhere) and with its samples written out. */
static void test_latency_echo(void **state)
{
	ENV;
	size_t big = env->t->kind == IPC_DATAGRAM ? env->t->max_message : 300000;
	size_t sizes[] = { 1, 7, 8, 1000, big };
	char path[IPC_PATH_MAX + 16];
	struct bench_result r;
	struct ipc_error e = { 0 };

	snprintf(path, sizeof path, "%s/samples.txt", env->dir);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct bench_opts o = opts(env, sizes[i], 20);
		bool last = i + 1 == sizeof sizes / sizeof sizes[0];
		if (last) {
			o.pin[0] = o.pin[1] = 0;
			o.samples_path = path;
		}
		if (bench_latency(&o, &r, &e) < 0)
			fail_msg("%s --size %zu: %s", env->t->name, sizes[i], e.msg);
		assert_string_equal(r.row.mode, "echo");
		assert_int_equal(r.row.size, sizes[i]);
		assert_ordered(&r.row.lat_us, 20);
		if (!may_lose(env->t))
			assert_int_equal(r.row.lost, 0);
	}
	assert_string_equal(r.row.pin, "0,0");
	assert_null(strstr(r.row.note, "UNPINNED"));

	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[64];
	int lines = 0;
	while (fgets(line, sizeof line, f)) {
		char *end;
		double v = strtod(line, &end);
		assert_true(end != line && *end == '\n' && v > 0);
		lines++;
	}
	fclose(f);
	assert_int_equal(lines, 20);
	unlink(path);
}

static void test_latency_refusals(void **state)
{
	ENV;
	struct bench_result r;
	struct ipc_error e = { 0 };
	struct bench_opts o = opts(env, env->t->kind == IPC_DATAGRAM ? env->t->max_message + 1
								     : BENCH_MAX_SIZE + 1, 10);

	assert_int_equal(bench_latency(&o, &r, &e), -1);
	assert_int_equal(e.status, IPC_USAGE);
	if (env->t->kind == IPC_DATAGRAM)
		assert_non_null(strstr(e.msg, env->t->name));
	o = opts(env, 1, 0);
	assert_int_equal(bench_latency(&o, &r, &e), -1);
	assert_int_equal(e.status, IPC_USAGE);
	o = opts(env, 1, 5);
	o.pin[0] = 0;
	o.pin[1] = CPU_SETSIZE + 1;
	assert_int_equal(bench_latency(&o, &r, &e), -1);
	assert_int_equal(e.status, IPC_USAGE);
	assert_non_null(strstr(e.msg, "--pin"));
}

/* --unconnected: a datagram socket's client names the server in every
 * sendto(); the round trips work as before, under their own name.  Any
 * other transport refuses it. */
static void test_latency_unconnected(void **state)
{
	ENV;
	struct bench_result r;
	struct ipc_error e = { 0 };
	bool sock_dgram = env->t->kind == IPC_DATAGRAM && !env->t->opaque_fds;
	char want[64];

	for (size_t size = 0; size <= 14; size += 14) {
		struct bench_opts o = opts(env, size, 50);
		o.unconnected = true;
		int rc = bench_latency(&o, &r, &e);
		if (!sock_dgram) {
			assert_int_equal(rc, -1);
			assert_int_equal(e.status, IPC_USAGE);
			assert_non_null(strstr(e.msg, "--unconnected"));
			return;
		}
		if (rc < 0)
			fail_msg("%s --unconnected: %s", env->t->name, e.msg);
		snprintf(want, sizeof want, "%s-unconnected", env->t->name);
		assert_string_equal(r.row.transport, want);
		assert_int_equal(r.row.count, 50);
		assert_ordered(&r.row.lat_us, 50);
		if (!may_lose(env->t))
			assert_int_equal(r.row.lost, 0);
	}
}

static void test_throughput(void **state)
{
	ENV;
	bool dgram = env->t->kind == IPC_DATAGRAM;
	size_t sizes[] = { dgram ? 8 : 1, 100, 4096, dgram ? env->t->max_message : 1 << 20 };
	struct bench_result r;
	struct ipc_error e = { 0 };

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct bench_opts o = opts(env, sizes[i], 0);
		/* A few hundred messages (a 1-byte stream: 3000 bytes). */
		o.total = sizes[i] == 1 ? 3000 : sizes[i] * 300ULL;
		if (sizes[i] == 4096)
			o.pin[0] = o.pin[1] = 0;
		if (bench_throughput(&o, &r, &e) < 0)
			fail_msg("%s --size %zu: %s", env->t->name, sizes[i], e.msg);
		assert_string_equal(r.row.kind, "throughput");
		assert_int_equal(r.row.size, sizes[i]);
		assert_int_equal(r.row.count, o.total / sizes[i]);
		assert_true(r.row.msgs_per_s > 0);
		assert_true(r.row.cpu_ms_per_mb >= 0 && r.row.ctxsw_per_op >= 0);
		if (may_lose(env->t)) {
			assert_true(r.row.lost < r.row.count);
			if (r.row.lost)
				assert_non_null(strstr(r.row.note, "LOSSY"));
		} else {
			assert_int_equal(r.row.lost, 0);
			assert_null(strstr(r.row.note, "LOSSY"));
		}
		assert_true(r.row.mb_per_s > 0);
	}
}

/* --no-verify: every byte still counted (a stream acknowledged short is an
 * error), none compared; the row says so, and a checked row does not. */
static void test_throughput_unverified(void **state)
{
	ENV;
	struct bench_result r;
	struct ipc_error e = { 0 };
	struct bench_opts o = opts(env, 4096, 0);

	o.total = 4096 * 300ULL;
	o.no_verify = true;
	if (bench_throughput(&o, &r, &e) < 0)
		fail_msg("%s --no-verify: %s", env->t->name, e.msg);
	assert_int_equal(r.row.count, 300);
	assert_true(r.row.mb_per_s > 0);
	assert_non_null(strstr(r.row.note, "UNVERIFIED"));
	if (!may_lose(env->t))
		assert_int_equal(r.row.lost, 0);
	o.no_verify = false;
	if (bench_throughput(&o, &r, &e) < 0)
		fail_msg("%s: %s", env->t->name, e.msg);
	assert_null(strstr(r.row.note, "UNVERIFIED"));
}

static void test_throughput_refusals(void **state)
{
	ENV;
	struct bench_result r;
	struct ipc_error e = { 0 };
	struct bench_opts o = opts(env, 0, 0);

	assert_int_equal(bench_throughput(&o, &r, &e), -1); /* no size */
	assert_int_equal(e.status, IPC_USAGE);
	if (env->t->kind != IPC_DATAGRAM)
		return;
	o = opts(env, env->t->max_message + 1, 0);
	assert_int_equal(bench_throughput(&o, &r, &e), -1);
	assert_int_equal(e.status, IPC_USAGE);
	char limit[32];
	snprintf(limit, sizeof limit, "%zu", env->t->max_message);
	assert_non_null(strstr(e.msg, limit)); /* the message names the limit */
	o = opts(env, 7, 0); /* no room for the sequence number */
	assert_int_equal(bench_throughput(&o, &r, &e), -1);
	assert_int_equal(e.status, IPC_USAGE);
}

static void test_connect_setup(void **state)
{
	ENV;
	struct bench_opts o = opts(env, 0, 30);
	struct bench_result r;
	struct ipc_error e = { 0 };

	if (env->t->kind != IPC_STREAM || !env->t->servable) {
		assert_int_equal(bench_connect(&o, &r, &e), -1);
		assert_int_equal(e.status, IPC_USAGE);
		assert_non_null(strstr(e.msg, "no connection"));
		return;
	}
	if (bench_connect(&o, &r, &e) < 0)
		fail_msg("%s: %s", env->t->name, e.msg);
	assert_string_equal(r.row.kind, "connect");
	assert_int_equal(r.row.count, 30);
	assert_ordered(&r.row.lat_us, 30);
	assert_true(r.row.cpu_us_per_op > 0);
}

/* ---- summarize ------------------------------------------------------------ */

static void test_summarize(void **state)
{
	(void)state;
	const char input[] = "# hyperfine times\n0.004\n 0.001\n\n0.003\n0.002\r\n";
	FILE *in = fmemopen((void *)input, sizeof input - 1, "r");
	struct bench_result r;
	struct ipc_error e = { 0 };

	assert_non_null(in);
	assert_int_equal(bench_summarize(in, 1.0, "process", "tcp", 5, "0,1", NULL, &r, &e), 0);
	fclose(in);
	assert_string_equal(r.row.kind, "process");
	assert_string_equal(r.row.transport, "tcp");
	assert_string_equal(r.row.pin, "0,1");
	assert_int_equal(r.row.size, 5);
	assert_int_equal(r.row.count, 4);
	assert_true(fabs(r.row.lat_us.min - 1000) < 1e-9);
	assert_true(fabs(r.row.lat_us.p50 - 2000) < 1e-9);
	assert_true(fabs(r.row.lat_us.max - 4000) < 1e-9);
	assert_true(fabs(r.row.lat_us.mean - 2500) < 1e-9);

	const char bad[] = "1\n2\nfast\n";
	in = fmemopen((void *)bad, sizeof bad - 1, "r");
	assert_int_equal(bench_summarize(in, 1e-3, "process", "tcp", 0, NULL, NULL, &r, &e), -1);
	fclose(in);
	assert_int_equal(e.status, IPC_USAGE);
	assert_non_null(strstr(e.msg, "line 3"));

	in = fmemopen((void *)"\n", 1, "r");
	assert_int_equal(bench_summarize(in, 1, "process", "tcp", 0, NULL, NULL, &r, &e), -1);
	fclose(in);
	assert_int_equal(e.status, IPC_USAGE);
}

/* ---- the command line ------------------------------------------------------ */

static void test_cli_latency_csv(void **state)
{
	ENV;
	static char out[16384], err[4096];
	int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "latency",
			      "pipe", "--count", "30", "--warmup", "2", "--size", "64",
			      "--format", "csv", NULL);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(err, "unpinned")); /* the warning, on stderr */
	int rows = 0;
	bool header = false;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#')
			continue;
		if (!header) {
			assert_string_equal(line, csv_header);
			header = true;
			continue;
		}
		char fields[32][128];
		assert_int_equal(csv_split(line, fields, 32), 23);
		assert_string_equal(fields[0], "latency");
		assert_string_equal(fields[1], "pipe");
		assert_string_equal(fields[3], "64");
		assert_string_equal(fields[4], "30");
		assert_non_null(strstr(fields[22], "UNPINNED"));
		rows++;
	}
	assert_int_equal(rows, 1);
}

static void test_cli_env_json(void **state)
{
	ENV;
	static char out[8192], err[1024];
	int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "env",
			      "--format", "json", NULL);
	assert_int_equal(rc, 0);
	struct jdoc *d = malloc(sizeof *d);
	assert_non_null(d);
	assert_true(jparse(d, out));
	assert_true(d->saw_env && d->saw_results);
	assert_int_equal(d->results, 0);
	assert_non_null(jfind(d, -1, "kernel"));
	free(d);
}

static void test_cli_summarize(void **state)
{
	ENV;
	static char out[8192], err[1024];
	int rc = test_run_cli(env, "3\n1\n2\n", out, sizeof out, err, sizeof err, "bench",
			      "summarize", "--kind", "process", "--transport", "fifo", "--unit",
			      "ms", "--format", "markdown", NULL);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "| process | fifo |"));
	assert_non_null(strstr(out, "| 2000.000 |")); /* p50 in us */

	/* --mode labels the row (the scripts' greet, demo, true...). */
	rc = test_run_cli(env, "1\n", out, sizeof out, err, sizeof err, "bench", "summarize",
			  "--kind", "process", "--transport", "tcp", "--mode", "greet", "--format",
			  "csv", NULL);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\nprocess,tcp,greet,"));

	/* The registry's facts, as the scripts read them. */
	rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "transports", NULL);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "pipe stream 0 no\n"));
	assert_non_null(strstr(out, "udp datagram 65507 no\n"));
	assert_non_null(strstr(out, "tcp stream 0 yes\n"));
}

static void test_cli_usage_errors(void **state)
{
	ENV;
	static char out[8192], err[4096];
	const char *const cases[][8] = {
		{ "bench", "latency", "nosuch", NULL },
		{ "bench", "latency", "udp", "--size", "70000", NULL },
		{ "bench", "latency", "pipe", "--pin", "0", NULL },
		{ "bench", "latency", "pipe", "--count", "0", NULL },
		{ "bench", "latency", "pipe", "--format", "xml", NULL },
		{ "bench", "latency", NULL },
		{ "bench", "connect", "udp", NULL },
		{ "bench", "connect", "pipe", NULL },
		{ "bench", "throughput", "pipe", NULL },
		{ "bench", "throughput", "pipe", "--size", "1Q", NULL },
		{ "bench", "latency", "pipe", "--no-verify", NULL }, /* throughput's alone */
		{ "bench", "summarize", "--kind", "process", NULL },
		{ "bench", "frobnicate", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *argv[10] = { getenv("IPCLAB_BIN") ? getenv("IPCLAB_BIN") : "bin/ipclab" };
		for (int k = 0; cases[i][k]; k++)
			argv[k + 1] = cases[i][k];
		int rc = test_run_argv(env, NULL, out, sizeof out, err, sizeof err, argv);
		if (rc != IPC_USAGE)
			fail_msg("case %zu (%s %s): exit %d, stderr: %s", i, cases[i][1],
				 cases[i][2] ? cases[i][2] : "", rc, err);
		assert_true(strlen(err) > 0);
	}
	int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "latency",
			      "--help", NULL);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "--count N"));
	assert_non_null(strstr(out, "10000"));
}

/* `bench plan`: the run measures the ZeroMQ transports beside the others,
 * the round trip through io_uring on one and two CPUs, epoll, uring and
 * redis by turns at 1, 50 and 1000 clients, and perf's count of each server
 * around one load. */
static void test_cli_plan_uring_zmq(void **state)
{
	ENV;
	static char out[1 << 18], err[4096];
	const char *bin = getenv("IPCLAB_BIN") ? getenv("IPCLAB_BIN") : "bin/ipclab";

	const char *lat[] = { bin, "bench", "plan", "latency", env->dir, "--quick", NULL };
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, lat), 0);
	assert_non_null(strstr(out, "run\tlatency/zmq_ipc_greeting_"));
	assert_non_null(strstr(out, "run\tlatency/zmq_tcp_echo_"));
	bool uring = strstr(out, "warn\tio_uring is refused here") == NULL;
	if (uring) {
		/* unix_stream, tcp and pipe through the ring, at one CPU (a-a)
		 * and, where there are two, at two (a-b), once in each of the
		 * quick run's three latency rounds */
		int same = 0, cross = 0, a, b;
		for (const char *m = out; (m = strstr(m, "run\tlatency/unix_stream-uring_greeting_")); m++) {
			assert_int_equal(sscanf(m, "run\tlatency/unix_stream-uring_greeting_%d-%d", &a, &b), 2);
			assert_non_null(strstr(m, "\tbench\tlatency\tunix_stream\t--io\turing\t"));
			same += a == b;
			cross += a != b;
		}
		assert_int_equal(same, 3);
		assert_true(cross == 0 || cross == 3);
		assert_non_null(strstr(out, "run\tlatency/tcp-uring_greeting_"));
		assert_non_null(strstr(out, "run\tlatency/pipe-uring_greeting_"));
	}

	const char *tp[] = { bin, "bench", "plan", "throughput", env->dir, "--quick", NULL };
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, tp), 0);
	assert_non_null(strstr(out, "run\tthroughput/zmq_ipc_65536_"));
	assert_non_null(strstr(out, "run\tthroughput/zmq_tcp_1048576_"));

	/* Each server afresh for its run, the load's every argument, the
	 * server stopped: a line each. */
	const char *sc[] = { bin, "bench", "plan", "scaling", env->dir, "--quick", NULL };
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, sc), 0);
	assert_non_null(strstr(out, "serve\ttcp_epoll\tlog/scaling/serve_tcp_epoll.log\tserve\ttcp\t"
				    "--mode\tepoll\t--address\t127.0.0.1:0\n"
				    "say\ttcp, epoll server, 1000 clients\n"
				    "load\tscaling/target/ours_tcp_epoll_1000_2.csv\t"
				    "log/scaling/load_tcp_epoll_1000.err\t180\tscaling tcp epoll, 1000 "
				    "clients\tload\ttcp\t--address\t@ADDR:tcp_epoll@\t--clients\t1000\t"
				    "--requests\t6\t--mode\tepoll\t--timeout\t60000\t--format\tcsv\n"
				    "stop\ttcp_epoll\n"));
	assert_non_null(strstr(out, "\tscaling/target/ours_unix_stream_epoll_1_1.csv\t"));
	/* A unix socket's server has no --address: it says where it listens. */
	assert_non_null(strstr(out, "serve\tunix_stream_poll\tlog/scaling/serve_unix_stream_poll.log"
				    "\tserve\tunix_stream\t--mode\tpoll\n"));
	if (uring)
		assert_non_null(strstr(out, "\nload\tscaling/target/ours_unix_stream_uring_50_1.csv\t"
					    "log/scaling/load_unix_stream_uring_50.err\t180\tscaling "
					    "unix_stream uring, 50 clients\tload\tunix_stream\t--address\t"
					    "@ADDR:unix_stream_uring@\t--clients\t50\t--requests\t120\t"));
	/* redis: nothing saved to disk (an empty --save, which a line of tabs
	 * cannot hold: @EMPTY@), its port and socket the shell's; a benchmark
	 * run each family and count, as many greetings as ours. */
	if (strstr(out, "redis-start\t")) {
		assert_non_null(strstr(out, "redis-start\tlog/scaling/redis-server.log\t@WORK@/redis.sock\t"
					    "redis-server\t--port\t@PORT@\t--bind\t127.0.0.1\t--unixsocket\t"
					    "@WORK@/redis.sock\t--unixsocketperm\t700\t--save\t@EMPTY@\t"
					    "--appendonly\tno\t--dir\t@WORK@\t--maxclients\t4096\t"
					    "--daemonize\tno\n"));
		assert_non_null(strstr(out, "redis\tscaling/redis_unix_50.out\tlog/scaling/"
					    "redis-benchmark.err\t180\tredis-benchmark unix, 50 clients\t"
					    "redis-benchmark\t-t\tping_inline\t-c\t50\t-n\t6000\t--csv\t-s\t"
					    "@WORK@/redis.sock\n"));
		assert_non_null(strstr(out, "redis\tscaling/target/redis_tcp_1000_2.out\t"
					    "log/scaling/redis-benchmark.err\t180\tredis-benchmark tcp, "
					    "1000 clients\tredis-benchmark\t-t\tping_inline\t-c\t1000\t-n\t"
					    "6000\t--csv\t-h\t127.0.0.1\t-p\t@PORT@\n"));
		/* stopped once, after its last run */
		const char *stop = strstr(out, "\nstop\tredis\n");
		assert_non_null(stop);
		assert_null(strstr(stop, "\nredis\t"));
		assert_null(strstr(stop + 1, "\nstop\tredis\n"));
	} else {
		assert_non_null(strstr(out, "warn\tredis-server or redis-benchmark is not installed"));
	}
	/* perf attached to the server (@PID:NAME@) around one load, its count
	 * into the run's directory. */
	const char *count = strstr(out, "count\tscaling/counted/tcp_epoll_1000.perf\t");
	if (count) {
		char line[1024];
		snprintf(line, sizeof line, "count\tscaling/counted/tcp_epoll_1000.perf\tlog/scaling/"
			 "perf.log\t@WORK@/perf.ctl\t@WORK@/perf.ack\tperf\tstat\t-x,\t-o\t%s/scaling/"
			 "counted/tcp_epoll_1000.perf\t-D\t-1\t--control\tfifo:@WORK@/perf.ctl,"
			 "@WORK@/perf.ack\t-e\traw_syscalls:sys_enter,context-switches,task-clock\t-p\t"
			 "@PID:tcp_epoll@\n", env->dir);
		assert_non_null(strstr(out, line));
		/* the next load is the counted one, and perf stops right after it */
		const char *load = strstr(count, "\nload\t"), *eol = load ? strchr(load + 1, '\n') : NULL;
		assert_non_null(eol);
		assert_true(!strncmp(load, "\nload\tscaling/counted/tcp_epoll_1000.csv\t", 41));
		assert_true(!strncmp(eol, "\nuncount\ttcp_epoll\n", 19));
	} else {
		assert_non_null(strstr(out, "warn\tperf is not installed"));
	}
}

#define PER_TRANSPORT(test, name) \
	cmocka_unit_test_prestate_setup_teardown(test, test_env_setup_transport, \
						 test_env_teardown, (void *)&name)
#define FOR_TRANSPORT(name)                                                        \
	PER_TRANSPORT(test_latency_greeting, name), PER_TRANSPORT(test_latency_echo, name), \
	PER_TRANSPORT(test_latency_refusals, name), PER_TRANSPORT(test_throughput, name),   \
	PER_TRANSPORT(test_latency_unconnected, name),                                     \
	PER_TRANSPORT(test_throughput_unverified, name),                                   \
	PER_TRANSPORT(test_throughput_refusals, name), PER_TRANSPORT(test_connect_setup, name)

/* A row's figures from what was counted, against the arithmetic done here:
 * MB is 10^6 bytes (not 2^20), and the cost of a round trip counts the
 * server's CPU time and switches beside the client's. */
static void test_row_figures(void **state)
{
	(void)state;
	assert_float_equal(bench_mb_per_s(3000000, 1500000000ull), 2.0, 1e-12);
	assert_float_equal(bench_mb_per_s(1048576, 1000000000ull), 1.048576, 1e-12);
	assert_float_equal(bench_mb_per_s(123456789, 0), 0, 0);
	struct bench_usage u0 = { .cpu_us = 100, .ctxsw = 10 }, u1 = { .cpu_us = 400, .ctxsw = 30 };
	struct bench_child_report server = { .cpu_us = 500, .ctxsw = 20 };
	double cpu, sw;
	bench_cost(&u0, &u1, &server, 100, &cpu, &sw);
	assert_float_equal(cpu, (300.0 + 500.0) / 100, 1e-12); /* client 300 + server 500 */
	assert_float_equal(sw, (20.0 + 20.0) / 100, 1e-12);
}

int main(void)
{
	const struct CMUnitTest core[] = {
		cmocka_unit_test(test_stats_empty),
		cmocka_unit_test(test_stats_one),
		cmocka_unit_test(test_stats_two),
		cmocka_unit_test(test_stats_ties),
		cmocka_unit_test(test_stats_exact_ranks),
		cmocka_unit_test(test_stats_awkward_ranks),
		cmocka_unit_test(test_stats_thousand),
		cmocka_unit_test(test_stats_spread_rule),
		cmocka_unit_test(test_report_parse_format),
		cmocka_unit_test(test_report_csv),
		cmocka_unit_test(test_report_json),
		cmocka_unit_test(test_report_markdown),
		cmocka_unit_test(test_report_text),
		cmocka_unit_test(test_env_record),
		cmocka_unit_test_setup_teardown(test_env_cpuidle, test_env_setup, test_env_teardown),
		cmocka_unit_test(test_stream_check_accepts_any_chunking),
		cmocka_unit_test(test_stream_check_catches_damage),
		cmocka_unit_test(test_summarize),
		cmocka_unit_test(test_row_figures),
		cmocka_unit_test_setup_teardown(test_cli_latency_csv, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_cli_env_json, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_cli_summarize, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_cli_usage_errors, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_cli_plan_uring_zmq, test_env_setup,
						test_env_teardown),
	};
	const struct CMUnitTest pipe_tests[] = { FOR_TRANSPORT(pipe_transport) };
	const struct CMUnitTest fifo_tests[] = { FOR_TRANSPORT(fifo_transport) };
	const struct CMUnitTest unix_stream_tests[] = { FOR_TRANSPORT(unix_stream_transport) };
	const struct CMUnitTest unix_dgram_tests[] = { FOR_TRANSPORT(unix_dgram_transport) };
	const struct CMUnitTest tcp_tests[] = { FOR_TRANSPORT(tcp_transport) };
	const struct CMUnitTest udp_tests[] = { FOR_TRANSPORT(udp_transport) };
	const struct CMUnitTest socketpair_tests[] = { FOR_TRANSPORT(socketpair_transport) };
	const struct CMUnitTest mqueue_tests[] = { FOR_TRANSPORT(mqueue_transport) };
	const struct CMUnitTest shm_tests[] = { FOR_TRANSPORT(shm_transport) };
	int failed = 0;

	failed += cmocka_run_group_tests_name("bench: stats, writers, env, cli", core, NULL, NULL);
	failed += cmocka_run_group_tests_name("bench: pipe", pipe_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("bench: fifo", fifo_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("bench: unix_stream", unix_stream_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("bench: unix_dgram", unix_dgram_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("bench: tcp", tcp_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("bench: udp", udp_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("bench: socketpair", socketpair_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("bench: mqueue", mqueue_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("bench: shm", shm_tests, NULL, NULL);
	return failed ? 1 : 0;
}
