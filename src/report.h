/*
 * report.h - one layout for every result: in-process benchmarks, hyperfine
 * runs and the load generator all write rows of these columns, in text,
 * CSV, JSON or Markdown, so one script merges and plots them.
 *
 * CSV header (the column names every script uses):
 *   kind,transport,mode,size,count,clients,pin,min_us,p50_us,p90_us,p99_us,
 *   p999_us,max_us,mean_us,stddev_us,cpu_us_per_op,ctxsw_per_op,mb_per_s,
 *   msgs_per_s,cpu_ms_per_mb,lost,errors,note
 * JSON uses the same names as keys of each object in "rows", and carries
 * only the columns that apply to the row's kind (report_json_fields).
 *
 * Every file starts with the environment record (CSV: "# key: value"
 * comment lines, which gnuplot skips; JSON: an "environment" object;
 * Markdown/text: a short header).  Every JSON document of ipclab has one
 * shape: {"environment": {...}, "rows": [{"kind": ..., ...}, ...]}, with
 * members of its own after those where a command has more to say.
 *
 * This is what `ipclab load` and the benchmarks share (with stats.h and
 * envinfo.c); reading rows back is analysis/'s (analysis/reader.c).
 */
#ifndef IPCLAB_REPORT_H
#define IPCLAB_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "ipc.h"
#include "stats.h"

enum report_format { REPORT_TEXT, REPORT_CSV, REPORT_JSON, REPORT_MARKDOWN };

/* The machine and the build a result was measured on: its fields, once.
 * S(name, bytes) is a string, I(name) an int.  The struct, every writer
 * (CSV "# key: value" lines, JSON, Markdown, summary.md's Environment) and
 * the reader of env.csv all come from this one list, in this order. */
#define ENV_FIELDS(S, I) \
	S(date, 32)         /* ISO 8601, UTC */ \
	S(cpu_model, 128) \
	I(cpus_online) \
	S(smt, 16)          /* "on", "off", "unknown" */ \
	S(kernel, 128)      /* uname -sr */ \
	S(governor, 32)     /* cpu0 scaling governor, or "unknown" */ \
	S(cpuidle, 80)      /* how an idle CPU waits: driver/governor[, halt poll] */ \
	S(clocksource, 32)  /* tsc, kvm-clock, hpet... */ \
	I(timer_ns)         /* what one CLOCK_MONOTONIC reading costs (median) */ \
	S(version, 24)      /* ipclab's version (`ipclab --version`) */ \
	S(compiler, 64)     /* __VERSION__ */ \
	S(cflags, 256)      /* CPPFLAGS CFLAGS LDFLAGS bin/ipclab was built with */ \
	S(link, 16)         /* "static" or "dynamic" (Makefile's LINK) */ \
	S(git_rev, 48)      /* $IPCLAB_GIT_REV, or the build's, or "unknown" */ \
	S(pin, 32)          /* "0,1", "0,0" or "none" */ \
	S(rundir_fs, 24)    /* file system of the socket and FIFO directory */

#define ENV_STRUCT_S(name, bytes) char name[bytes];
#define ENV_STRUCT_I(name) int name;
struct env_record {
	ENV_FIELDS(ENV_STRUCT_S, ENV_STRUCT_I)
};
#undef ENV_STRUCT_S
#undef ENV_STRUCT_I

/* One field of the record, for code that walks them all. */
struct env_field {
	const char *name;
	bool is_number;
	size_t offset, bytes; /* bytes: 0 for an int */
};
extern const struct env_field env_fields[];
extern const size_t env_nfields;
/* A field's value as text (an int printed in decimal). */
void env_field_text(const struct env_record *env, const struct env_field *f, char *buf,
		    size_t cap);
/* Set the field named `key` from text; -1 for an unknown key or a number
 * that does not parse. */
int env_field_set(struct env_record *env, const char *key, const char *value);

/* One measurement.  Columns that do not apply stay 0 / "". */
struct result_row {
	const char *kind;      /* latency | throughput | connect | process | load */
	const char *transport;
	const char *mode;      /* server mode for load: iterative, select, poll, epoll */
	unsigned long size;    /* message bytes */
	unsigned long count;   /* round trips, messages or runs measured */
	unsigned long clients; /* load: concurrent clients; else 1 */
	const char *pin;       /* "0,1", "0,0", "none" */
	struct stats lat_us;   /* per operation, microseconds */
	double cpu_us_per_op;  /* user+sys of both sides */
	double ctxsw_per_op;   /* voluntary+involuntary, both sides */
	double mb_per_s;       /* 10^6 bytes per second */
	double msgs_per_s;     /* messages (or greetings) per second */
	double cpu_ms_per_mb;
	unsigned long lost;    /* datagrams lost (UDP) or requests unanswered */
	unsigned long errors;
	const char *note;      /* "" or words like "LOSSY", "UNPINNED", "HIGH-SPREAD" */
};

/* The columns of a result row, once: S a string, U an unsigned long, D a
 * double, L(name, field) a double of lat_us.  Every writer (CSV header and
 * rows, JSON keys, Markdown) and the reader (columns matched by name) walk
 * this list, so no writer can miss a column. */
#define RESULT_COLUMNS(S, U, D, L) \
	S(kind) S(transport) S(mode) U(size) U(count) U(clients) S(pin) \
	L(min_us, min) L(p50_us, p50) L(p90_us, p90) L(p99_us, p99) L(p999_us, p999) \
	L(max_us, max) L(mean_us, mean) L(stddev_us, stddev) \
	D(cpu_us_per_op) D(ctxsw_per_op) D(mb_per_s) D(msgs_per_s) D(cpu_ms_per_mb) \
	U(lost) U(errors) S(note)

enum col_type { COL_STR, COL_ULONG, COL_DOUBLE };
struct report_column {
	const char *name;
	enum col_type type;
	size_t offset; /* in struct result_row */
};
extern const struct report_column report_columns[];
extern const size_t report_ncolumns;

struct report {
	FILE *out;
	enum report_format format;
	unsigned long rows;
	int text_family;  /* text: which table header was printed last */
};

/* "text", "csv", "json", "markdown" (or "md") -> format; -1 if unknown. */
int report_parse_format(const char *name, enum report_format *format);
/* Fill the environment record from /proc, /sys, uname and the build;
 * rundir (NULL: unknown) is where the sockets and FIFOs are made. */
void env_record_collect(struct env_record *env, const char *pin, const char *rundir);
/* The cpuidle field from the sysfs tree at `sysfs` ("/sys"; a test's copy):
 * "DRIVER/GOVERNOR", with ", guest_halt_poll_ns N" for haltpoll, or
 * "unknown". */
void env_cpuidle(const char *sysfs, char *out, size_t cap);

/* env NULL: CSV without the "# key: value" lines (plain CSV, for a file
 * whose environment is kept beside it: a run's all.csv); text and
 * Markdown without the header.  JSON always has its environment. */
void report_begin(struct report *r, FILE *out, enum report_format format,
		  const struct env_record *env);
void report_add(struct report *r, const struct result_row *row);
/* The environment record alone, as report_begin() starts a file with it,
 * for a writer of other columns than a result row's (`ipclab bench pauses`):
 * text, the "# " header lines; CSV, the "# key: value" lines; Markdown, the
 * list; JSON, the member `  "environment": {...}` without a comma or the
 * braces of the document around it. */
void report_env(FILE *out, enum report_format format, const struct env_record *env);
/* JSON: close the document.  Every writer flushes `out`; check ferror(). */
void report_end(struct report *r);

/* What `ipclab bench pauses` found on one CPU (bench/pauses.c measures it,
 * analysis/ reads it back from machine/pauses_cpuN.csv). */
struct pauses_result {
	int cpu;                  /* -1: unknown (an analysis alone) */
	double seconds;           /* the time covered */
	double threshold_us;
	unsigned long long pauses;
	unsigned long long overflow; /* pauses left out of the percentiles */
	double per_s;             /* pauses a second */
	double lost_pct;          /* share of the time inside pauses, 0 to 100 */
	/* Pause lengths in us: min and max of all of them, the percentiles
	 * (nearest rank) of the first PAUSES_CAP; NAN when there was none. */
	double min_us, p50_us, p90_us, p99_us, max_us;
	double clock_ns;          /* mean gap outside the pauses: one reading's cost */
	double ctxsw;             /* context switches during the run; NAN: not measured */
	/* Of the run's time on its CPU, the share other tasks had it and the
	 * share the host took (steal), 0 to 100, from /proc/stat around the
	 * run less the loop's own CPU time (src/busyness.h); NAN: not measured. */
	double others_pct, steal_pct;
};

/* Its columns after `kind` (value "pauses"), in the order of every format:
 * I(column, field) an int, W a whole number kept in a double, C a count, N
 * a number written %.3f. */
#define PAUSES_COLUMNS(I, W, C, N) \
	I(cpu, cpu) N(seconds, seconds) N(threshold_us, threshold_us) C(pauses, pauses) \
	N(pauses_per_s, per_s) N(lost_pct, lost_pct) N(min_us, min_us) N(p50_us, p50_us) \
	N(p90_us, p90_us) N(p99_us, p99_us) N(max_us, max_us) N(clock_ns, clock_ns) \
	W(ctxsw, ctxsw) C(overflow, overflow) \
	N(others_pct, others_pct) N(steal_pct, steal_pct)

enum pauses_col_type { PC_INT, PC_WHOLE, PC_COUNT, PC_NUM };
struct pauses_column {
	const char *name;
	enum pauses_col_type type;
	size_t offset; /* in struct pauses_result */
};
extern const struct pauses_column pauses_columns[];
extern const size_t pauses_ncolumns;
/* One column's value as a double (a count converted). */
double pauses_column_value(const struct pauses_result *r, const struct pauses_column *c);
/* Set one column from a double; -1 when it does not fit the field. */
int pauses_column_set(struct pauses_result *r, const struct pauses_column *c, double v);

/* One CSV field, quoted as RFC 4180 needs: for tables beside the rows. */
void report_csv_field(FILE *f, const char *s);

/* One JSON string, quoted and escaped (UTF-8 passes through). */
void report_json_string(FILE *f, const char *s);
/* The members of one row's JSON object, without its braces: the columns
 * that apply to the row's kind (no MB/s on a latency row, no percentiles
 * on a throughput row, clients on a load row only). */
void report_json_fields(FILE *f, const struct result_row *row);

#endif
