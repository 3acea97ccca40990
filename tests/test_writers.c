/*
 * test_writers.c - the four writers of result rows (src/report.c): every
 * column, read back by its name, holds the field it names, in CSV, JSON,
 * Markdown and the text tables; quoting and escaping survive what a note or
 * an environment field can hold; a figure never measured is an empty CSV
 * field and a JSON null; the environment's and the pauses' fields set and
 * read back.
 *
 * The expectations are written here field by field (name -> the value put
 * in that field of the row), not taken from the column table the writers
 * walk, so that two columns swapped in that table fail.
 */
#include "support.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* A row whose every number differs from every other, so that a column
 * that prints the wrong field shows. */
static struct result_row distinct_row(const char *kind)
{
	return (struct result_row){
		.kind = kind, .transport = "unix_dgram", .mode = "epoll", .size = 4097,
		.count = 12345, .clients = 77, .pin = "2,3",
		.lat_us = { .n = 12345, .min = 1.125, .p50 = 2.25, .p90 = 3.375, .p99 = 4.5,
			    .p999 = 5.625, .max = 6.75, .mean = 7.875, .stddev = 8.5 },
		.cpu_us_per_op = 9.625, .ctxsw_per_op = 10.75, .mb_per_s = 11.875,
		.msgs_per_s = 13012, .cpu_ms_per_mb = 14.125, .lost = 15, .errors = 16,
		.note = "LOSSY",
	};
}

/* Each column's name and the text of its field in `r` (%.3f for a
 * double, %lu for a count), written out by hand. */
struct named {
	const char *name;
	char text[64];
};

static size_t expected_columns(const struct result_row *r, struct named *out)
{
	size_t n = 0;
#define PUT(nm, fmt, v) \
	do { \
		out[n].name = nm; \
		snprintf(out[n].text, sizeof out[n].text, fmt, v); \
		n++; \
	} while (0)
#define S(nm, v) PUT(nm, "%s", v)
#define U(nm, v) PUT(nm, "%lu", v)
#define D(nm, v) PUT(nm, "%.3f", v)
	S("kind", r->kind);
	S("transport", r->transport);
	S("mode", r->mode);
	U("size", r->size);
	U("count", r->count);
	U("clients", r->clients);
	S("pin", r->pin);
	D("min_us", r->lat_us.min);
	D("p50_us", r->lat_us.p50);
	D("p90_us", r->lat_us.p90);
	D("p99_us", r->lat_us.p99);
	D("p999_us", r->lat_us.p999);
	D("max_us", r->lat_us.max);
	D("mean_us", r->lat_us.mean);
	D("stddev_us", r->lat_us.stddev);
	D("cpu_us_per_op", r->cpu_us_per_op);
	D("ctxsw_per_op", r->ctxsw_per_op);
	D("mb_per_s", r->mb_per_s);
	D("msgs_per_s", r->msgs_per_s);
	D("cpu_ms_per_mb", r->cpu_ms_per_mb);
	U("lost", r->lost);
	U("errors", r->errors);
	S("note", r->note);
#undef S
#undef U
#undef D
#undef PUT
	return n;
}

static char *write_rows(enum report_format format, const struct result_row *rows, size_t n,
			bool with_env)
{
	struct env_record env;
	memset(&env, 0, sizeof env);
	snprintf(env.kernel, sizeof env.kernel, "Linux 6.1");
	env.cpus_online = 2;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	struct report r;
	report_begin(&r, f, format, with_env ? &env : NULL);
	for (size_t i = 0; i < n; i++)
		report_add(&r, &rows[i]);
	report_end(&r);
	assert_int_equal(r.rows, n);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* RFC 4180 fields of one line. */
static size_t csv_fields(const char *line, char fields[][128], size_t max)
{
	size_t n = 0;
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

/* CSV, read by the header's names: every column holds its own field. */
static void test_csv_columns_by_name(void **state)
{
	(void)state;
	static const char *const kinds[] = { "latency", "throughput", "load" };
	for (size_t k = 0; k < 3; k++) {
		struct result_row row = distinct_row(kinds[k]);
		char *out = write_rows(REPORT_CSV, &row, 1, false);
		char *nl = strchr(out, '\n');
		assert_non_null(nl);
		*nl = '\0';
		char head[32][128], vals[32][128];
		size_t nh = csv_fields(out, head, 32), nv = csv_fields(nl + 1, vals, 32);
		struct named want[32];
		size_t nw = expected_columns(&row, want);
		assert_int_equal(nh, nw);
		assert_int_equal(nv, nw);
		for (size_t i = 0; i < nw; i++) {
			size_t at = nh;
			for (size_t h = 0; h < nh; h++)
				if (!strcmp(head[h], want[i].name))
					at = h;
			if (at == nh)
				fail_msg("CSV: no column %s", want[i].name);
			if (strcmp(vals[at], want[i].text))
				fail_msg("CSV %s: %s, not %s", want[i].name, vals[at], want[i].text);
		}
		free(out);
	}
}

/* JSON: every key that applies holds its own field (a string quoted, a
 * number bare). */
static void test_json_columns_by_name(void **state)
{
	(void)state;
	static const char *const kinds[] = { "latency", "throughput", "load" };
	for (size_t k = 0; k < 3; k++) {
		struct result_row row = distinct_row(kinds[k]);
		char *out = write_rows(REPORT_JSON, &row, 1, true);
		struct named want[32];
		size_t nw = expected_columns(&row, want);
		bool thr = k == 1, load = k == 2;
		for (size_t i = 0; i < nw; i++) {
			const char *nm = want[i].name;
			bool applies = true;
			if (!strcmp(nm, "mb_per_s") || !strcmp(nm, "cpu_ms_per_mb"))
				applies = thr;
			else if (strstr(nm, "_us") && strcmp(nm, "cpu_us_per_op"))
				applies = !thr;
			else if (!strcmp(nm, "clients"))
				applies = load;
			char key[48], pair[128];
			snprintf(key, sizeof key, "\"%s\":", nm);
			bool str = !strcmp(nm, "kind") || !strcmp(nm, "transport") ||
				   !strcmp(nm, "mode") || !strcmp(nm, "pin") || !strcmp(nm, "note");
			snprintf(pair, sizeof pair, str ? "\"%s\": \"%s\"" : "\"%s\": %s", nm,
				 want[i].text);
			if (!applies) {
				if (strstr(out, key))
					fail_msg("JSON %s row has %s", kinds[k], nm);
				continue;
			}
			if (!strstr(out, pair))
				fail_msg("JSON %s row: no %s in\n%s", kinds[k], pair, out);
		}
		/* The environment, then the rows, one document. */
		const char *e = strstr(out, "\"environment\": {"), *r = strstr(out, "\"rows\": [");
		assert_non_null(e);
		assert_non_null(r);
		assert_true(e < r);
		assert_non_null(strstr(out, "\"kernel\": \"Linux 6.1\""));
		assert_non_null(strstr(out, "\"cpus_online\": 2"));
		free(out);
	}
	/* Two rows are separated by one comma; no environment is null. */
	struct result_row two[2] = { distinct_row("latency"), distinct_row("load") };
	char *out = write_rows(REPORT_JSON, two, 2, false);
	assert_non_null(strstr(out, "\"environment\": null"));
	assert_non_null(strstr(out, "},\n    {"));
	size_t opens = 0;
	for (const char *p = out; (p = strstr(p, "    {\"kind\"")); p++)
		opens++;
	assert_int_equal(opens, 2);
	assert_non_null(strstr(out, "\n  ]\n}\n"));
	free(out);
}

/* Markdown: the header's cells name the columns, the row's cells hold the
 * fields, in the same places. */
static void test_markdown_columns_by_name(void **state)
{
	(void)state;
	struct result_row row = distinct_row("latency");
	row.note = "a|b";
	char *out = write_rows(REPORT_MARKDOWN, &row, 1, false);
	char *lines[8];
	size_t nl = 0;
	for (char *save = NULL, *l = strtok_r(out, "\n", &save); l && nl < 8; l = strtok_r(NULL, "\n", &save))
		if (l[0] == '|')
			lines[nl++] = l;
	assert_int_equal(nl, 3);
	/* Cells split at " | " (the row's '|' in the note is escaped "\|"). */
	char *head[32], *cell[32];
	size_t nh = 0, nc = 0;
	for (char *save = NULL, *c = strtok_r(lines[0], "|", &save); c; c = strtok_r(NULL, "|", &save))
		if (strspn(c, " ") != strlen(c))
			head[nh++] = c;
	char *p = lines[2] + 1;
	while (*p && nc < 32) {
		char *end = p;
		while (*end && !(*end == '|' && end[-1] != '\\'))
			end++;
		if (!*end)
			break;
		*end = '\0';
		cell[nc++] = p;
		p = end + 1;
	}
	struct named want[32];
	size_t nw = expected_columns(&row, want);
	snprintf(want[nw - 1].text, sizeof want[0].text, "a\\|b");
	assert_int_equal(nh, nw);
	assert_int_equal(nc, nw);
	for (size_t i = 0; i < nw; i++) {
		char h[64], c[64];
		snprintf(h, sizeof h, " %s ", want[i].name);
		snprintf(c, sizeof c, " %s ", want[i].text);
		assert_string_equal(head[i], h);
		if (strcmp(cell[i], c))
			fail_msg("markdown %s: '%s', not '%s'", want[i].name, cell[i], c);
	}
	free(out);
}

/* The text tables: under each header, the field it names (the text's own
 * precision), for each family of rows; a new header when the family
 * changes, none when it does not. */
static void test_text_columns_by_header(void **state)
{
	(void)state;
	struct result_row rows[5] = { distinct_row("latency"), distinct_row("connect"),
				      distinct_row("throughput"), distinct_row("load"),
				      distinct_row("latency") };
	char *out = write_rows(REPORT_TEXT, rows, 5, false);
	struct {
		const char *label;
		char text[24];
	} map[] = {
		{ "size", "4097" }, { "count", "12345" }, { "pin", "2,3" }, { "mode", "epoll" },
		{ "clients", "77" }, { "min_us", "1.125" }, { "p50_us", "2.250" },
		{ "p90_us", "3.375" }, { "p99_us", "4.500" }, { "p99.9_us", "5.625" },
		{ "max_us", "6.750" }, { "mean_us", "7.875" }, { "stddev_us", "8.500" },
		{ "cpu_us/op", "9.625" }, { "ctxsw/op", "10.750" }, { "MB/s", "11.9" },
		{ "msgs/s", "13012" }, { "cpu_ms/MB", "14.125" }, { "lost", "15" },
		{ "errors", "16" }, { "note", "LOSSY" }, { "transport", "unix_dgram" },
	};
	char *lines[32];
	size_t nl = 0;
	for (char *save = NULL, *l = strtok_r(out, "\n", &save); l && nl < 32; l = strtok_r(NULL, "\n", &save))
		lines[nl++] = l;
	/* No environment: headers and rows only; four headers (latency and
	 * connect share one). */
	size_t headers = 0;
	static const char *const kind_of_row[] = { "latency", "connect", "throughput", "load",
						   "latency" };
	size_t row = 0;
	char *head[24];
	size_t nh = 0;
	for (size_t i = 0; i < nl; i++) {
		char *tok[24];
		size_t nt = 0;
		for (char *save = NULL, *t = strtok_r(lines[i], " ", &save); t && nt < 24;
		     t = strtok_r(NULL, " ", &save))
			tok[nt++] = t;
		if (!nt)
			continue;
		if (!strcmp(tok[0], "kind")) {
			headers++;
			memcpy(head, tok, nt * sizeof *tok);
			nh = nt;
			continue;
		}
		assert_true(row < 5);
		assert_int_equal(nt, nh);
		assert_string_equal(tok[0], kind_of_row[row]);
		for (size_t h = 1; h < nh; h++) {
			size_t m;
			for (m = 0; m < sizeof map / sizeof map[0]; m++)
				if (!strcmp(map[m].label, head[h]))
					break;
			if (m == sizeof map / sizeof map[0])
				fail_msg("text: a column %s this test does not know", head[h]);
			if (strcmp(tok[h], map[m].text))
				fail_msg("text %s row, column %s: %s, not %s", kind_of_row[row],
					 head[h], tok[h], map[m].text);
		}
		row++;
	}
	assert_int_equal(row, 5);
	assert_int_equal(headers, 4);
	free(out);
}

/* A figure never measured (NaN, infinite): an empty CSV field, a JSON
 * null, an empty Markdown cell; never "nan". */
static void test_unmeasured_figures(void **state)
{
	(void)state;
	struct result_row row = distinct_row("latency");
	row.lat_us.p99 = NAN;
	row.cpu_us_per_op = INFINITY;
	char *csv = write_rows(REPORT_CSV, &row, 1, false);
	char *json = write_rows(REPORT_JSON, &row, 1, false);
	char *md = write_rows(REPORT_MARKDOWN, &row, 1, false);
	assert_null(strstr(csv, "nan"));
	assert_null(strstr(csv, "inf"));
	assert_non_null(strstr(csv, ",3.375,,5.625,"));
	assert_non_null(strstr(csv, ",8.500,,10.750,"));
	assert_non_null(strstr(json, "\"p99_us\": null"));
	assert_non_null(strstr(json, "\"cpu_us_per_op\": null"));
	assert_non_null(strstr(md, "| 3.375 |  | 5.625 |"));
	free(csv);
	free(json);
	free(md);
}

/* Quoting: what a note can hold comes back whole from each format. */
static void test_quoting_table(void **state)
{
	(void)state;
	static const struct {
		const char *in, *csv, *json;
	} c[] = {
		{ "plain", "plain", "\"plain\"" },
		{ "", "", "\"\"" },
		{ "a,b", "\"a,b\"", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"", "\"say \\\"hi\\\"\"" },
		{ "\"", "\"\"\"\"", "\"\\\"\"" },
		{ "two\nlines", "\"two\nlines\"", "\"two\\nlines\"" },
		{ "cr\r", "\"cr\r\"", "\"cr\\r\"" },
		{ "tab\there", "tab\there", "\"tab\\there\"" },
		{ "back\\slash", "back\\slash", "\"back\\\\slash\"" },
		{ "bell\a", "bell\a", "\"bell\\u0007\"" },
		{ "del\x7f", "del\x7f", "\"del\\u007f\"" },
		{ "\x1f", "\x1f", "\"\\u001f\"" },
		{ "caf\xc3\xa9", "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
		{ "semi;colon", "semi;colon", "\"semi;colon\"" },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		assert_non_null(f);
		report_csv_field(f, c[i].in);
		assert_int_equal(fclose(f), 0);
		if (strcmp(buf, c[i].csv))
			fail_msg("CSV of case %zu: [%s], not [%s]", i, buf, c[i].csv);
		free(buf);
		f = open_memstream(&buf, &len);
		assert_non_null(f);
		report_json_string(f, c[i].in);
		assert_int_equal(fclose(f), 0);
		if (strcmp(buf, c[i].json))
			fail_msg("JSON of case %zu: [%s], not [%s]", i, buf, c[i].json);
		free(buf);
	}
	/* Markdown: a '|' escaped, a line break a space. */
	struct result_row row = distinct_row("latency");
	row.note = "x|y\nz\rw";
	char *md = write_rows(REPORT_MARKDOWN, &row, 1, false);
	assert_non_null(strstr(md, "| x\\|y z w |\n"));
	free(md);
}

static void test_parse_format_names(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int rc;
		enum report_format f;
	} c[] = {
		{ "text", 0, REPORT_TEXT }, { "csv", 0, REPORT_CSV }, { "json", 0, REPORT_JSON },
		{ "markdown", 0, REPORT_MARKDOWN }, { "md", 0, REPORT_MARKDOWN },
		{ "CSV", -1, REPORT_TEXT }, { "", -1, REPORT_TEXT }, { "jsonl", -1, REPORT_TEXT },
		{ "tex", -1, REPORT_TEXT },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		enum report_format f = (enum report_format)99;
		assert_int_equal(report_parse_format(c[i].name, &f), c[i].rc);
		if (!c[i].rc)
			assert_int_equal(f, c[i].f);
		else
			assert_int_equal(f, 99);
	}
}

/* The environment's fields: set by name and read back; a number that does
 * not parse or fit is refused and leaves the field as it was. */
static void test_env_fields_set_and_read(void **state)
{
	(void)state;
	struct env_record env;
	memset(&env, 0, sizeof env);
	char buf[300];
	for (size_t i = 0; i < env_nfields; i++) {
		const struct env_field *f = &env_fields[i];
		char v[32];
		if (f->is_number)
			snprintf(v, sizeof v, "%d", -(int)i * 1000 - 7);
		else
			snprintf(v, sizeof v, "v%zu %s", i, f->name);
		assert_int_equal(env_field_set(&env, f->name, v), 0);
	}
	for (size_t i = 0; i < env_nfields; i++) {
		const struct env_field *f = &env_fields[i];
		char v[32];
		if (f->is_number)
			snprintf(v, sizeof v, "%d", -(int)i * 1000 - 7);
		else
			snprintf(v, sizeof v, "v%zu %s", i, f->name);
		env_field_text(&env, f, buf, sizeof buf);
		assert_string_equal(buf, v);
	}
	/* Named fields land in their own member. */
	assert_int_equal(env_field_set(&env, "kernel", "Linux 9"), 0);
	assert_string_equal(env.kernel, "Linux 9");
	assert_int_equal(env_field_set(&env, "timer_ns", "25"), 0);
	assert_int_equal(env.timer_ns, 25);
	assert_int_equal(env_field_set(&env, "cpus_online", "2147483647"), 0);
	assert_int_equal(env.cpus_online, INT_MAX);
	static const char *const bad[] = { "", "12x", "x", "2147483648", "-2147483649",
					   "99999999999999999999", "1.5", " " };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(env_field_set(&env, "cpus_online", bad[i]), -1);
		assert_int_equal(env.cpus_online, INT_MAX);
	}
	assert_int_equal(env_field_set(&env, "cpus_online", "-2147483648"), 0);
	assert_int_equal(env.cpus_online, INT_MIN);
	assert_int_equal(env_field_set(&env, "no_such", "1"), -1);
	/* A string longer than its field is cut to fit, NUL included. */
	char longv[400];
	memset(longv, 'k', sizeof longv - 1);
	longv[sizeof longv - 1] = '\0';
	assert_int_equal(env_field_set(&env, "smt", longv), 0);
	assert_int_equal(strlen(env.smt), sizeof env.smt - 1);
	/* The environment comes out under every name, CSV and Markdown. */
	char *csv = write_rows(REPORT_CSV, NULL, 0, true);
	char *md = write_rows(REPORT_MARKDOWN, NULL, 0, true);
	for (size_t i = 0; i < env_nfields; i++) {
		char want[64];
		snprintf(want, sizeof want, "# %s: ", env_fields[i].name);
		assert_non_null(strstr(csv, want));
		snprintf(want, sizeof want, "- **%s**: ", env_fields[i].name);
		assert_non_null(strstr(md, want));
	}
	assert_non_null(strstr(csv, "# kernel: Linux 6.1\n"));
	assert_non_null(strstr(csv, "# cpus_online: 2\n"));
	free(csv);
	free(md);
}

/* The pauses columns: each set and read back as a double; an int or a
 * count refuses a negative, a fraction, or a value that does not fit. */
static void test_pauses_columns_set(void **state)
{
	(void)state;
	for (size_t i = 0; i < pauses_ncolumns; i++) {
		const struct pauses_column *c = &pauses_columns[i];
		struct pauses_result r;
		memset(&r, 0, sizeof r);
		double good = 1000 + (double)i;
		assert_int_equal(pauses_column_set(&r, c, good), 0);
		assert_true(pauses_column_value(&r, c) == good);
		/* Only that column changed. */
		for (size_t k = 0; k < pauses_ncolumns; k++)
			if (k != i)
				assert_true(pauses_column_value(&r, &pauses_columns[k]) == 0);
		if (c->type == PC_INT || c->type == PC_COUNT) {
			assert_int_equal(pauses_column_set(&r, c, -1), -1);
			assert_int_equal(pauses_column_set(&r, c, 2.5), -1);
			assert_int_equal(pauses_column_set(&r, c, NAN), -1);
			assert_int_equal(pauses_column_set(&r, c, 0), 0);
			assert_true(pauses_column_value(&r, c) == 0);
		} else {
			assert_int_equal(pauses_column_set(&r, c, 2.5), 0);
			assert_true(pauses_column_value(&r, c) == 2.5);
		}
		if (c->type == PC_INT) {
			assert_int_equal(pauses_column_set(&r, c, (double)INT_MAX), 0);
			assert_int_equal(pauses_column_set(&r, c, (double)INT_MAX + 1), -1);
		}
		if (c->type == PC_COUNT) {
			assert_int_equal(pauses_column_set(&r, c, 1e17), 0);
			assert_true(pauses_column_value(&r, c) == 1e17);
			assert_int_equal(pauses_column_set(&r, c, 1e18), -1);
		}
	}
	/* The fields by name. */
	static const struct {
		const char *name;
		size_t offset;
	} by_name[] = {
		{ "cpu", offsetof(struct pauses_result, cpu) },
		{ "pauses", offsetof(struct pauses_result, pauses) },
		{ "pauses_per_s", offsetof(struct pauses_result, per_s) },
		{ "lost_pct", offsetof(struct pauses_result, lost_pct) },
		{ "p50_us", offsetof(struct pauses_result, p50_us) },
		{ "p90_us", offsetof(struct pauses_result, p90_us) },
		{ "p99_us", offsetof(struct pauses_result, p99_us) },
		{ "min_us", offsetof(struct pauses_result, min_us) },
		{ "max_us", offsetof(struct pauses_result, max_us) },
		{ "overflow", offsetof(struct pauses_result, overflow) },
		{ "others_pct", offsetof(struct pauses_result, others_pct) },
		{ "steal_pct", offsetof(struct pauses_result, steal_pct) },
		{ "ctxsw", offsetof(struct pauses_result, ctxsw) },
		{ "clock_ns", offsetof(struct pauses_result, clock_ns) },
		{ "seconds", offsetof(struct pauses_result, seconds) },
		{ "threshold_us", offsetof(struct pauses_result, threshold_us) },
	};
	assert_int_equal(pauses_ncolumns, sizeof by_name / sizeof by_name[0]);
	for (size_t i = 0; i < sizeof by_name / sizeof by_name[0]; i++) {
		size_t k;
		for (k = 0; k < pauses_ncolumns; k++)
			if (!strcmp(pauses_columns[k].name, by_name[i].name))
				break;
		assert_true(k < pauses_ncolumns);
		assert_int_equal(pauses_columns[k].offset, by_name[i].offset);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_columns_by_name),
		cmocka_unit_test(test_json_columns_by_name),
		cmocka_unit_test(test_markdown_columns_by_name),
		cmocka_unit_test(test_text_columns_by_header),
		cmocka_unit_test(test_unmeasured_figures),
		cmocka_unit_test(test_quoting_table),
		cmocka_unit_test(test_parse_format_names),
		cmocka_unit_test(test_env_fields_set_and_read),
		cmocka_unit_test(test_pauses_columns_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
