/*
 * report.c - the four writers of result rows: text, CSV, JSON, Markdown.
 *
 * One table of columns drives CSV, JSON and Markdown, so the three can never
 * disagree on a name or an order; the CSV header in report.h is that table.
 * Rows are written as they come (a long benchmark run shows each result as
 * soon as it is measured), so every writer keeps only a line of state.
 */
#include "report.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define COL_S(f) { #f, COL_STR, offsetof(struct result_row, f) },
#define COL_U(f) { #f, COL_ULONG, offsetof(struct result_row, f) },
#define COL_D(f) { #f, COL_DOUBLE, offsetof(struct result_row, f) },
#define COL_L(name, f) { #name, COL_DOUBLE, offsetof(struct result_row, lat_us.f) },
/* The contract with the scripts and the gnuplot files: see report.h. */
const struct report_column report_columns[] = { RESULT_COLUMNS(COL_S, COL_U, COL_D, COL_L) };
const size_t report_ncolumns = sizeof report_columns / sizeof report_columns[0];
#define columns report_columns
#define NCOLUMNS report_ncolumns

static const char *col_str(const struct result_row *row, const struct report_column *c)
{
	const char *s = *(const char *const *)((const char *)row + c->offset);
	return s ? s : "";
}

static unsigned long col_ulong(const struct result_row *row, const struct report_column *c)
{
	return *(const unsigned long *)((const char *)row + c->offset);
}

static double col_double(const struct result_row *row, const struct report_column *c)
{
	return *(const double *)((const char *)row + c->offset);
}

int report_parse_format(const char *name, enum report_format *format)
{
	static const struct {
		const char *name;
		enum report_format format;
	} names[] = {
		{ "text", REPORT_TEXT }, { "csv", REPORT_CSV },
		{ "json", REPORT_JSON }, { "markdown", REPORT_MARKDOWN }, { "md", REPORT_MARKDOWN },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(name, names[i].name)) {
			*format = names[i].format;
			return 0;
		}
	return -1;
}

/* ---- escaping ---------------------------------------------------------- */

void report_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch == '\r')
			fputs("\\r", f);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f); /* UTF-8 passes through: JSON text is UTF-8 */
	}
	fputc('"', f);
}

/* RFC 4180: quote a field holding a separator, a quote or a line break,
 * and double the quotes inside. */
void report_csv_field(FILE *f, const char *s)
{
	if (!s[strcspn(s, ",\"\r\n")]) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A table cell: '|' would end the cell, a newline the row. */
static void markdown_cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else
			fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
	}
}

/* %.3f: microseconds to the nanosecond, MB/s to the byte.  A value that is
 * not a number (never measured) is an empty CSV field and a JSON null. */
static void number(FILE *f, double v, const char *missing)
{
	if (isfinite(v))
		fprintf(f, "%.3f", v);
	else
		fputs(missing, f);
}

/* ---- the environment record ------------------------------------------ */

#define ENV_F_S(name, bytes) { #name, false, offsetof(struct env_record, name), bytes },
#define ENV_F_I(name) { #name, true, offsetof(struct env_record, name), 0 },
const struct env_field env_fields[] = { ENV_FIELDS(ENV_F_S, ENV_F_I) };
const size_t env_nfields = sizeof env_fields / sizeof env_fields[0];

void env_field_text(const struct env_record *env, const struct env_field *f, char *buf,
		    size_t cap)
{
	const char *at = (const char *)env + f->offset;
	if (f->is_number)
		snprintf(buf, cap, "%d", *(const int *)at);
	else
		snprintf(buf, cap, "%.*s", (int)f->bytes, at);
}

int env_field_set(struct env_record *env, const char *key, const char *value)
{
	for (size_t i = 0; i < env_nfields; i++) {
		const struct env_field *f = &env_fields[i];
		if (strcmp(f->name, key))
			continue;
		char *at = (char *)env + f->offset;
		if (!f->is_number) {
			snprintf(at, f->bytes, "%s", value);
			return 0;
		}
		char *end;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (end == value || *end || errno || v < INT_MIN || v > INT_MAX)
			return -1;
		*(int *)at = (int)v;
		return 0;
	}
	return -1;
}

/* ---- text: an aligned table for people ------------------------------- */

enum family { FAM_NONE, FAM_LATENCY, FAM_LOAD, FAM_THROUGHPUT };

static enum family family_of(const char *kind)
{
	if (kind && !strcmp(kind, "throughput"))
		return FAM_THROUGHPUT;
	if (kind && !strcmp(kind, "load"))
		return FAM_LOAD;
	return FAM_LATENCY;
}

/* Each family shows the columns that mean something for it; a new header
 * is printed whenever the family changes. */
static void text_header(FILE *f, enum family fam)
{
	fputc('\n', f);
	if (fam == FAM_THROUGHPUT)
		fprintf(f, "%-10s %-11s %8s %9s %-4s %10s %11s %9s %8s %7s %s\n", "kind",
			"transport", "size", "count", "pin", "MB/s", "msgs/s", "cpu_ms/MB",
			"ctxsw/op", "lost", "note");
	else if (fam == FAM_LOAD)
		fprintf(f, "%-10s %-11s %-9s %7s %6s %9s %-4s %9s %9s %9s %9s %9s %11s %9s %7s %6s %s\n",
			"kind", "transport", "mode", "clients", "size", "count", "pin", "p50_us",
			"p90_us", "p99_us", "p99.9_us", "max_us", "msgs/s", "cpu_us/op", "lost",
			"errors", "note");
	else
		fprintf(f, "%-10s %-11s %8s %9s %-4s %9s %9s %9s %9s %9s %9s %9s %9s %9s %8s %7s %s\n",
			"kind", "transport", "size", "count", "pin", "min_us", "p50_us", "p90_us",
			"p99_us", "p99.9_us", "max_us", "mean_us", "stddev_us", "cpu_us/op",
			"ctxsw/op", "lost", "note");
}

static void text_row(struct report *r, const struct result_row *row)
{
	FILE *f = r->out;
	enum family fam = family_of(row->kind);
	const struct stats *s = &row->lat_us;
	const char *pin = row->pin ? row->pin : "";
	const char *note = row->note ? row->note : "";

	if (fam != (enum family)r->text_family) {
		text_header(f, fam);
		r->text_family = (int)fam;
	}
	if (fam == FAM_THROUGHPUT)
		fprintf(f, "%-10s %-11s %8lu %9lu %-4s %10.1f %11.0f %9.3f %8.3f %7lu %s\n",
			row->kind, row->transport, row->size, row->count, pin, row->mb_per_s,
			row->msgs_per_s, row->cpu_ms_per_mb, row->ctxsw_per_op, row->lost, note);
	else if (fam == FAM_LOAD)
		fprintf(f, "%-10s %-11s %-9s %7lu %6lu %9lu %-4s %9.3f %9.3f %9.3f %9.3f %9.3f "
			"%11.0f %9.3f %7lu %6lu %s\n",
			row->kind, row->transport, row->mode ? row->mode : "", row->clients,
			row->size, row->count, pin, s->p50, s->p90, s->p99, s->p999, s->max,
			row->msgs_per_s, row->cpu_us_per_op, row->lost, row->errors, note);
	else
		fprintf(f, "%-10s %-11s %8lu %9lu %-4s %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f "
			"%9.3f %9.3f %8.3f %7lu %s\n",
			row->kind ? row->kind : "", row->transport ? row->transport : "",
			row->size, row->count, pin, s->min, s->p50, s->p90, s->p99, s->p999,
			s->max, s->mean, s->stddev, row->cpu_us_per_op, row->ctxsw_per_op,
			row->lost, note);
}

static void text_begin(FILE *f, const struct env_record *env)
{
	fprintf(f, "# ipclab results, %s\n", env->date);
	fprintf(f, "# cpu: %s; %d online, SMT %s; governor %s; clock %s, %d ns a reading\n",
		env->cpu_model, env->cpus_online, env->smt, env->governor, env->clocksource,
		env->timer_ns);
	fprintf(f, "# idle: %s\n", env->cpuidle);
	fprintf(f, "# kernel: %s; compiler: %s; cflags: %s; link: %s; version: %s; git: %s; pin: %s\n",
		env->kernel, env->compiler, env->cflags, env->link, env->version, env->git_rev,
		env->pin);
	fprintf(f, "# sockets and FIFOs on: %s\n", env->rundir_fs);
}

/* ---- the machine-readable writers ------------------------------------- */

static void csv_row(FILE *f, const struct result_row *row)
{
	for (size_t i = 0; i < NCOLUMNS; i++) {
		const struct report_column *c = &columns[i];
		if (i)
			fputc(',', f);
		if (c->type == COL_STR)
			report_csv_field(f, col_str(row, c));
		else if (c->type == COL_ULONG)
			fprintf(f, "%lu", col_ulong(row, c));
		else
			number(f, col_double(row, c), "");
	}
	fputc('\n', f);
}

/* Which columns mean something for which kind of row: a JSON row carries
 * only those (a latency row has no MB/s, a throughput row no percentiles).
 * A column not listed here applies to every row. */
static bool column_applies(const struct report_column *c, const char *kind)
{
	static const char *const stream_only[] = { "mb_per_s", "cpu_ms_per_mb" };
	static const char *const timed_only[] = { "min_us", "p50_us", "p90_us", "p99_us",
						  "p999_us", "max_us", "mean_us", "stddev_us" };
	bool stream = kind && !strcmp(kind, "throughput");
	for (size_t i = 0; i < sizeof stream_only / sizeof stream_only[0]; i++)
		if (!strcmp(c->name, stream_only[i]))
			return stream;
	for (size_t i = 0; i < sizeof timed_only / sizeof timed_only[0]; i++)
		if (!strcmp(c->name, timed_only[i]))
			return !stream;
	if (!strcmp(c->name, "clients"))
		return kind && !strcmp(kind, "load");
	return true;
}

void report_json_fields(FILE *f, const struct result_row *row)
{
	bool first = true;
	for (size_t i = 0; i < NCOLUMNS; i++) {
		const struct report_column *c = &columns[i];
		if (!column_applies(c, row->kind))
			continue;
		fprintf(f, "%s\"%s\": ", first ? "" : ", ", c->name);
		first = false;
		if (c->type == COL_STR)
			report_json_string(f, col_str(row, c));
		else if (c->type == COL_ULONG)
			fprintf(f, "%lu", col_ulong(row, c));
		else
			number(f, col_double(row, c), "null");
	}
}

static void json_row(FILE *f, const struct result_row *row)
{
	fputs("    {", f);
	report_json_fields(f, row);
	fputc('}', f);
}

static void markdown_row(FILE *f, const struct result_row *row)
{
	fputc('|', f);
	for (size_t i = 0; i < NCOLUMNS; i++) {
		const struct report_column *c = &columns[i];
		fputc(' ', f);
		if (c->type == COL_STR)
			markdown_cell(f, col_str(row, c));
		else if (c->type == COL_ULONG)
			fprintf(f, "%lu", col_ulong(row, c));
		else
			number(f, col_double(row, c), "");
		fputs(" |", f);
	}
	fputc('\n', f);
}

static void markdown_header(FILE *f)
{
	fputs("\n|", f);
	for (size_t i = 0; i < NCOLUMNS; i++)
		fprintf(f, " %s |", columns[i].name);
	fputs("\n|", f);
	for (size_t i = 0; i < NCOLUMNS; i++)
		fputs(columns[i].type == COL_STR ? " --- |" : " ---: |", f);
	fputc('\n', f);
}

void report_env(FILE *out, enum report_format format, const struct env_record *env)
{
	char value[288];

	switch (format) {
	case REPORT_TEXT:
		text_begin(out, env);
		break;
	case REPORT_CSV:
		/* "# key: value" lines: gnuplot and most CSV readers skip them
		 * (pandas: comment='#'). */
		for (size_t i = 0; i < env_nfields; i++) {
			env_field_text(env, &env_fields[i], value, sizeof value);
			fprintf(out, "# %s: %s\n", env_fields[i].name, value);
		}
		break;
	case REPORT_JSON:
		fputs("  \"environment\": {", out);
		for (size_t i = 0; i < env_nfields; i++) {
			env_field_text(env, &env_fields[i], value, sizeof value);
			fprintf(out, "%s\n    \"%s\": ", i ? "," : "", env_fields[i].name);
			if (env_fields[i].is_number)
				fputs(value, out);
			else
				report_json_string(out, value);
		}
		fputs("\n  }", out);
		break;
	case REPORT_MARKDOWN:
		fputs("Environment:\n\n", out);
		for (size_t i = 0; i < env_nfields; i++) {
			env_field_text(env, &env_fields[i], value, sizeof value);
			fprintf(out, "- **%s**: ", env_fields[i].name);
			markdown_cell(out, value);
			fputc('\n', out);
		}
		break;
	}
}

void report_begin(struct report *r, FILE *out, enum report_format format,
		  const struct env_record *env)
{
	r->out = out;
	r->format = format;
	r->rows = 0;
	r->text_family = FAM_NONE;
	if (format == REPORT_JSON)
		fputs("{\n", out);
	if (env)
		report_env(out, format, env);
	else if (format == REPORT_JSON)
		fputs("  \"environment\": null", out);
	if (format == REPORT_CSV) {
		for (size_t i = 0; i < NCOLUMNS; i++)
			fprintf(out, "%s%s", i ? "," : "", columns[i].name);
		fputc('\n', out);
	} else if (format == REPORT_JSON) {
		fputs(",\n  \"rows\": [", out);
	}
}

void report_add(struct report *r, const struct result_row *row)
{
	switch (r->format) {
	case REPORT_TEXT:
		text_row(r, row);
		break;
	case REPORT_CSV:
		csv_row(r->out, row);
		break;
	case REPORT_JSON:
		fputs(r->rows ? ",\n" : "\n", r->out);
		json_row(r->out, row);
		break;
	case REPORT_MARKDOWN:
		if (r->rows == 0)
			markdown_header(r->out);
		markdown_row(r->out, row);
		break;
	}
	r->rows++;
	fflush(r->out); /* a long run shows each result as soon as it exists */
}

void report_end(struct report *r)
{
	if (r->format == REPORT_JSON)
		fputs(r->rows ? "\n  ]\n}\n" : "]\n}\n", r->out);
	fflush(r->out);
}

/* ---- the pauses layout ------------------------------------------------ */

#define PC_I(name, f) { #name, PC_INT, offsetof(struct pauses_result, f) },
#define PC_W(name, f) { #name, PC_WHOLE, offsetof(struct pauses_result, f) },
#define PC_C(name, f) { #name, PC_COUNT, offsetof(struct pauses_result, f) },
#define PC_N(name, f) { #name, PC_NUM, offsetof(struct pauses_result, f) },
const struct pauses_column pauses_columns[] = { PAUSES_COLUMNS(PC_I, PC_W, PC_C, PC_N) };
const size_t pauses_ncolumns = sizeof pauses_columns / sizeof pauses_columns[0];

double pauses_column_value(const struct pauses_result *r, const struct pauses_column *c)
{
	const char *at = (const char *)r + c->offset;
	if (c->type == PC_INT)
		return *(const int *)at;
	if (c->type == PC_COUNT)
		return (double)*(const unsigned long long *)at;
	return *(const double *)at;
}

int pauses_column_set(struct pauses_result *r, const struct pauses_column *c, double v)
{
	char *at = (char *)r + c->offset;
	if (c->type == PC_INT) {
		if (!(v >= 0 && v <= INT_MAX) || v != floor(v))
			return -1;
		*(int *)at = (int)v;
	} else if (c->type == PC_COUNT) {
		if (!(v >= 0 && v < 1e18) || v != floor(v))
			return -1;
		*(unsigned long long *)at = (unsigned long long)v;
	} else {
		*(double *)at = v;
	}
	return 0;
}
