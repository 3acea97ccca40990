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
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum col_type { COL_STR, COL_ULONG, COL_DOUBLE };

struct column {
	const char *name;
	enum col_type type;
	size_t offset; /* in struct result_row */
};

#define STR(f) { #f, COL_STR, offsetof(struct result_row, f) }
#define ULONG(f) { #f, COL_ULONG, offsetof(struct result_row, f) }
#define DBL(f) { #f, COL_DOUBLE, offsetof(struct result_row, f) }
#define LAT(name, f) { name, COL_DOUBLE, offsetof(struct result_row, lat_us.f) }

/* The contract with the scripts and the gnuplot files: see report.h. */
static const struct column columns[] = {
	STR(kind), STR(transport), STR(mode), ULONG(size), ULONG(count), ULONG(clients),
	STR(pin), LAT("min_us", min), LAT("p50_us", p50), LAT("p90_us", p90),
	LAT("p99_us", p99), LAT("p999_us", p999), LAT("max_us", max), LAT("mean_us", mean),
	LAT("stddev_us", stddev), DBL(cpu_us_per_op), DBL(ctxsw_per_op), DBL(mb_per_s),
	DBL(msgs_per_s), DBL(cpu_ms_per_mb), ULONG(lost), ULONG(errors), STR(note),
};
#define NCOLUMNS (sizeof columns / sizeof columns[0])

static const char *col_str(const struct result_row *row, const struct column *c)
{
	const char *s = *(const char *const *)((const char *)row + c->offset);
	return s ? s : "";
}

static unsigned long col_ulong(const struct result_row *row, const struct column *c)
{
	return *(const unsigned long *)((const char *)row + c->offset);
}

static double col_double(const struct result_row *row, const struct column *c)
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

static void json_string(FILE *f, const char *s)
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

struct env_item {
	const char *key;
	char value[288];
	bool is_number;
};

#define ENV_ITEMS 16

static size_t env_items(const struct env_record *env, struct env_item *items)
{
	char cpus[16], timer[16];
	snprintf(cpus, sizeof cpus, "%d", env->cpus_online);
	snprintf(timer, sizeof timer, "%d", env->timer_ns);
	const struct {
		const char *key;
		const char *value;
		bool is_number;
	} all[] = {
		{ "date", env->date, false },         { "cpu_model", env->cpu_model, false },
		{ "cpus_online", cpus, true },        { "smt", env->smt, false },
		{ "kernel", env->kernel, false },     { "governor", env->governor, false },
		{ "cpuidle", env->cpuidle, false },
		{ "clocksource", env->clocksource, false }, { "timer_ns", timer, true },
		{ "version", env->version, false },
		{ "compiler", env->compiler, false }, { "cflags", env->cflags, false },
		{ "link", env->link, false },         { "git_rev", env->git_rev, false },
		{ "pin", env->pin, false },           { "rundir_fs", env->rundir_fs, false },
	};
	_Static_assert(sizeof all / sizeof all[0] == ENV_ITEMS, "ENV_ITEMS is out of date");

	for (size_t i = 0; i < ENV_ITEMS; i++) {
		items[i].key = all[i].key;
		items[i].is_number = all[i].is_number;
		snprintf(items[i].value, sizeof items[0].value, "%s", all[i].value);
	}
	return ENV_ITEMS;
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
		const struct column *c = &columns[i];
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

static void json_row(FILE *f, const struct result_row *row)
{
	fputs("    {", f);
	for (size_t i = 0; i < NCOLUMNS; i++) {
		const struct column *c = &columns[i];
		fprintf(f, "%s\"%s\": ", i ? ", " : "", c->name);
		if (c->type == COL_STR)
			json_string(f, col_str(row, c));
		else if (c->type == COL_ULONG)
			fprintf(f, "%lu", col_ulong(row, c));
		else
			number(f, col_double(row, c), "null");
	}
	fputc('}', f);
}

static void markdown_row(FILE *f, const struct result_row *row)
{
	fputc('|', f);
	for (size_t i = 0; i < NCOLUMNS; i++) {
		const struct column *c = &columns[i];
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
	struct env_item items[ENV_ITEMS];
	size_t n = env_items(env, items);

	switch (format) {
	case REPORT_TEXT:
		text_begin(out, env);
		break;
	case REPORT_CSV:
		/* "# key: value" lines: gnuplot and most CSV readers skip them
		 * (pandas: comment='#'). */
		for (size_t i = 0; i < n; i++)
			fprintf(out, "# %s: %s\n", items[i].key, items[i].value);
		break;
	case REPORT_JSON:
		fputs("  \"environment\": {", out);
		for (size_t i = 0; i < n; i++) {
			fprintf(out, "%s\n    \"%s\": ", i ? "," : "", items[i].key);
			if (items[i].is_number)
				fputs(items[i].value, out);
			else
				json_string(out, items[i].value);
		}
		fputs("\n  }", out);
		break;
	case REPORT_MARKDOWN:
		fputs("Environment:\n\n", out);
		for (size_t i = 0; i < n; i++) {
			fprintf(out, "- **%s**: ", items[i].key);
			markdown_cell(out, items[i].value);
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
	report_env(out, format, env);
	if (format == REPORT_CSV) {
		for (size_t i = 0; i < NCOLUMNS; i++)
			fprintf(out, "%s%s", i ? "," : "", columns[i].name);
		fputc('\n', out);
	} else if (format == REPORT_JSON) {
		fputs(",\n  \"results\": [", out);
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

/* ---- the reader ------------------------------------------------------- */

#define READ_MAX_FIELDS 64
#define READ_LINE_MAX 4096

/* Split one CSV line in place into at most READ_MAX_FIELDS fields (quotes
 * removed, doubled quotes undone); the number of fields, or -1 for an
 * unterminated quote. */
static int csv_split(char *line, char **field)
{
	int n = 0;
	char *r = line, *w = line;

	for (;;) {
		if (n == READ_MAX_FIELDS)
			return n;
		field[n++] = w;
		if (*r == '"') {
			r++;
			for (;;) {
				if (!*r)
					return -1;
				if (*r == '"' && r[1] == '"') {
					*w++ = '"';
					r += 2;
				} else if (*r == '"') {
					r++;
					break;
				} else {
					*w++ = *r++;
				}
			}
		}
		while (*r && *r != ',')
			*w++ = *r++;
		if (!*r) {
			*w = '\0';
			return n;
		}
		*w++ = '\0';
		r++;
		w = r;
	}
}

/* Store one text field into the column c of row; strings point into text. */
static int set_column(struct result_row *row, const struct column *c, char *text)
{
	char *end;
	void *at = (char *)row + c->offset;

	if (c->type == COL_STR) {
		*(const char **)at = text;
		return 0;
	}
	if (!*text) {
		if (c->type == COL_ULONG)
			*(unsigned long *)at = 0;
		else
			*(double *)at = NAN;
		return 0;
	}
	errno = 0;
	if (c->type == COL_ULONG) {
		unsigned long v = strtoul(text, &end, 10);
		if (*end || errno || *text == '-')
			return -1;
		*(unsigned long *)at = v;
	} else {
		double v = strtod(text, &end);
		if (*end || errno)
			return -1;
		*(double *)at = v;
	}
	return 0;
}

int report_read_csv(FILE *in, const char *name, report_env_fn *env_fn, report_row_fn *row_fn,
		    void *arg, struct ipc_error *e)
{
	char line[READ_LINE_MAX];
	char *field[READ_MAX_FIELDS];
	const struct column *map[READ_MAX_FIELDS];
	int nmap = -1;
	unsigned long line_no = 0;

	while (fgets(line, sizeof line, in)) {
		line_no++;
		size_t len = strcspn(line, "\r\n");
		if (!line[len] && !feof(in))
			return ipc_fail(e, IPC_PROTOCOL, 0, "read %s: line %lu is over %d bytes",
					name, line_no, READ_LINE_MAX);
		line[len] = '\0';
		if (!len)
			continue;
		if (line[0] == '#') {
			char *colon = strstr(line, ": ");
			if (env_fn && colon && nmap < 0) {
				*colon = '\0';
				if (env_fn(arg, line + 1 + strspn(line + 1, " "), colon + 2))
					return ipc_fail(e, IPC_PROTOCOL, 0, "read %s: line %lu refused",
							name, line_no);
			}
			continue;
		}
		int n = csv_split(line, field);
		if (n < 0)
			return ipc_fail(e, IPC_PROTOCOL, 0, "read %s: line %lu: a quote is not closed",
					name, line_no);
		if (nmap < 0) {
			if (strcmp(field[0], "kind"))
				return 1; /* not a result file (hyperfine's, redis-benchmark's) */
			for (int i = 0; i < n; i++) {
				map[i] = NULL;
				for (size_t k = 0; k < NCOLUMNS; k++)
					if (!strcmp(field[i], columns[k].name))
						map[i] = &columns[k];
			}
			nmap = n;
			continue;
		}
		struct result_row row;
		memset(&row, 0, sizeof row);
		for (size_t k = 0; k < NCOLUMNS; k++)
			if (columns[k].type == COL_DOUBLE)
				*(double *)((char *)&row + columns[k].offset) = NAN;
			else if (columns[k].type == COL_STR)
				*(const char **)((char *)&row + columns[k].offset) = "";
		for (int i = 0; i < n && i < nmap; i++)
			if (map[i] && set_column(&row, map[i], field[i]) < 0)
				return ipc_fail(e, IPC_PROTOCOL, 0,
						"read %s: line %lu: column %s is not a number: '%.40s'",
						name, line_no, map[i]->name, field[i]);
		if (row_fn(arg, &row))
			return ipc_fail(e, IPC_PROTOCOL, ENOMEM, "read %s: line %lu", name, line_no);
	}
	if (ferror(in))
		return ipc_fail(e, IPC_SYSTEM, errno, "read %s", name);
	return nmap < 0 ? 1 : 0;
}
