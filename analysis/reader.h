/*
 * reader.h - the one reader of a run directory (reader.c).
 *
 * Every file of a run is opened here, by the names of layout.h, beneath the
 * run directory's descriptor: no symbolic link is followed, nothing but a
 * regular file is read, and a path (from peers/rounds.tsv) that would leave
 * the directory is refused.  Each kind of file has a parser that works on
 * the bytes in memory, so that the fuzzers (fuzz/fuzz_report_*.c) feed it
 * directly.  A figure the reader cannot use (not a number, infinite, NaN,
 * negative, subnormal, absurdly large, zero where a measurement cannot be
 * zero), a row cut short, a repeated column, a NUL byte: the row or file is
 * left out and noted (run_problem), with the file and line named.
 */
#ifndef IPCLAB_READER_H
#define IPCLAB_READER_H

#include <stddef.h>

struct run;

enum reader_kind {
	RK_ENV,          /* env.csv: "# key: value" lines (and rows, if any) */
	RK_ROWS,         /* a result CSV: rows of the common layout */
	RK_TARGET_ROWS,  /* the same, for the scaling comparison */
	RK_PAUSES,       /* machine/pauses_cpuN.csv */
	RK_ROUNDS,       /* peers/rounds.tsv (its twins opened beneath dirfd) */
	RK_SAMPLES,      /* one figure a line; added as the CDF of `name` */
	RK_REDIS,        /* redis-benchmark --csv output (name: redis_FAM_N[_K].out) */
	RK_TARGET_REDIS,
	RK_STEAL,        /* steal.tsv */
	RK_COUNTED,      /* perf stat -x, of a server (scaling/counted/T_M_C.perf),
			    with the load's row beside it (.csv, opened beneath dirfd) */
	RK_BUSY,         /* busy.tsv (bench/busy.c) */
};

/* Parse one file's bytes (len of them; NUL bytes included) into run.
 * dirfd: the run directory, for the files rounds.tsv names (-1: none may be
 * opened).  0, or -1 for a lack of memory; whatever the bytes, nothing
 * else goes wrong: what cannot be used is noted in the run. */
int reader_parse(struct run *run, int dirfd, enum reader_kind kind, const char *name,
		 const char *buf, size_t len);

/* ---- one file of a `make netlab` run (bench/netlab_table.c) ---- */
struct layout_file;
struct ipc_error;
/* The whole of file f (layout.h) of run directory dir in *buf (NUL-
 * terminated past *len; free it), opened as every file of a run is.  0; 1
 * when it does not exist; -1 with e (refused, unreadable, no memory). */
int reader_file(const char *dir, const struct layout_file *f, char **buf, size_t *len,
		struct ipc_error *e);

/* The largest figure taken as a measurement: more is a broken file. */
#define READER_FIGURE_MAX 1e12

#endif
