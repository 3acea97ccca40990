/*
 * report.h - one layout for every result: in-process benchmarks, hyperfine
 * runs and the load generator all write rows of these columns, in text,
 * CSV, JSON or Markdown, so one script merges and plots them.
 *
 * CSV header (the column names every script uses):
 *   kind,transport,mode,size,count,clients,pin,min_us,p50_us,p90_us,p99_us,
 *   p999_us,max_us,mean_us,stddev_us,cpu_us_per_op,ctxsw_per_op,mb_per_s,
 *   msgs_per_s,cpu_ms_per_mb,lost,errors,note
 * JSON uses the same names as keys of each object in "results".
 *
 * Every file starts with the environment record (CSV: "# key: value"
 * comment lines, which gnuplot skips; JSON: an "environment" object;
 * Markdown/text: a short header).
 */
#ifndef IPCLAB_REPORT_H
#define IPCLAB_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "ipc.h"
#include "stats.h"

enum report_format { REPORT_TEXT, REPORT_CSV, REPORT_JSON, REPORT_MARKDOWN };

/* The machine and the build a result was measured on. */
struct env_record {
	char date[32];        /* ISO 8601, UTC */
	char cpu_model[128];
	int cpus_online;
	char smt[16];         /* "on", "off", "unknown" */
	char kernel[128];     /* uname -sr */
	char governor[32];    /* cpu0 scaling governor, or "unknown" */
	char cpuidle[80];     /* how an idle CPU waits: cpuidle driver/governor[, halt poll] */
	char clocksource[32]; /* the kernel's clock source: tsc, kvm-clock, hpet... */
	int timer_ns;         /* what one CLOCK_MONOTONIC reading costs (median) */
	char compiler[64];    /* __VERSION__ */
	char version[24];     /* ipclab's version (`ipclab --version`) */
	char cflags[256];     /* CPPFLAGS CFLAGS LDFLAGS bin/ipclab was built with */
	char link[16];        /* "static" or "dynamic" (Makefile's LINK) */
	char git_rev[48];     /* $IPCLAB_GIT_REV, or the build's, or "unknown" */
	char pin[32];         /* "0,1", "0,0" or "none" */
	char rundir_fs[24];   /* file system of the socket and FIFO directory: tmpfs, ext4... */
};

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

/* ---- reading result files back (bench/aggregate.c) -------------------- */

/* Called for each "# key: value" line and for each data row; a row's
 * strings live until the callback returns.  Non-zero stops the reading. */
typedef int report_env_fn(void *arg, const char *key, const char *value);
typedef int report_row_fn(void *arg, const struct result_row *row);
/* Read a CSV result file written by report_add(): columns are matched by
 * name (an unknown column is skipped, a missing one stays empty), so files
 * from older or newer builds still read.  0; 1 when the file is not in the
 * common layout (no header starting with "kind"); -1 and `e` naming
 * `name` and the line on a malformed line or a callback's refusal. */
int report_read_csv(FILE *in, const char *name, report_env_fn *env_fn, report_row_fn *row_fn,
		    void *arg, struct ipc_error *e);
/* One CSV field, quoted as RFC 4180 needs: for tables beside the rows. */
void report_csv_field(FILE *f, const char *s);

#endif
