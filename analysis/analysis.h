/*
 * analysis.h - `ipclab bench report DIR`: one run directory of `make bench`
 * read back into memory, and everything a reader gets from it.
 *
 * bench/ measures; every step leaves result rows (src/report.h) and raw
 * files (samples, the peers' round log, redis-benchmark's output) under the
 * names of layout.h.  This folder reads them (reader.c, the only code that
 * opens a file of a run directory), groups the rows (kind, transport, mode,
 * size, placement, round) into a run model (run.c), takes medians and
 * ratios with the one statistics module (src/stats.c, nearest rank), and
 * writes summary.md (decide.c, findings.c, summary.c), all.csv,
 * results.json (results_json.c, findings_json.c), peers.csv and the
 * tables that the gnuplot scripts (plots/) draw (plotdata.c).  Two runs
 * side by side: compare.c.
 *
 * A run can also be built in memory (run_add_row, run_add_peer_round,
 * run_set_env): the tests feed it rows and read the findings back.
 */
#ifndef IPCLAB_ANALYSIS_H
#define IPCLAB_ANALYSIS_H

#include <stdbool.h>
#include <stdio.h>

#include "ipc.h"
#include "report.h"

/* One round of a peer tool against ipclab: the peer's figure and the mean
 * of ipclab's two runs around it (its twins, before and after). */
struct peer_round {
	char tool[40];      /* sockperf, qperf, perf-sched-pipe, lmbench-bw_pipe... */
	char transport[16];
	char pin[16];
	char stat[24];      /* p50, mean (µs); MB/s, MB/s-unverified */
	unsigned long size;
	int round;
	double peer;        /* the peer's figure in `stat` */
	double before, after; /* ipclab's twins in `stat` */
	double ours_p50, ours_mean; /* latency pairs: both statistics of the twins */
	double p50_before, p50_after; /* latency pairs: each twin's p50 (its level) */
};

/* The machine's own pauses on one CPU (`ipclab bench pauses`), and what
 * the one-CPU pipe echo on that CPU saw of them (its samples). */
struct pause_row {
	int cpu;
	double per_s, lost_pct, p50_us; /* pauses a second, share of time, length */
	unsigned long ctxsw;            /* other tasks' switches during the census */
	/* Of the census's time on the CPU: the share other tasks had it, the
	 * share the host took (steal); have_busy false: not measured. */
	bool have_busy;
	double others_pct, steal_pct;
	/* The pipe echo's round trips on this CPU alone, when its samples are
	 * in the run: their p50 and mean, and the share that took more than
	 * slow_over_us (half a typical pause) longer than the p50. */
	bool have_trips;
	double trip_p50_us, trip_mean_us, slow_over_us, slow_share;
};

struct run;

struct run *run_new(void);
void run_free(struct run *run);

/* Building a run: rows are copied (strings too). */
int run_add_row(struct run *run, const struct result_row *row);
int run_add_peer_round(struct run *run, const struct peer_round *pr);
int run_set_env(struct run *run, const char *key, const char *value);
/* Rows of the scaling comparison (epoll against redis, taken by turns). */
int run_add_target_row(struct run *run, const struct result_row *row);
/* Every step's share of CPU time taken by the hypervisor (steal.tsv). */
int run_add_steal(struct run *run, const char *step, double pct);
int run_add_pauses(struct run *run, const struct pause_row *p);
/* What others took of the run's CPUs during one step (busy.tsv): the
 * CPUs' clock ticks and how many went to the run's own processes, other
 * processes, the kernel's threads and the host (bench/busy.c). */
struct busy_step {
	char step[64];
	char cpus[32];
	unsigned long ticks, ours, others, kernel, steal;
};
int run_add_busy(struct run *run, const struct busy_step *b);
/* Group the rows: throughput rounds -> their median round, with the
 * lowest and highest beside it.  Called once, after the last add. */
void run_finish(struct run *run);

/* Read a run directory (as `make bench` leaves it) into `run`.  Only
 * regular files inside it are opened (no symbolic link is followed, no
 * FIFO or device read); a file, row or figure the reader cannot use is left
 * out and said (run_problems), never taken as a figure.  -1 and `e` when the
 * directory itself cannot be read or holds no usable row. */
int run_load_dir(struct run *run, const char *dir, struct ipc_error *e);
/* What the reader left out, one line each ("latency/x.csv line 3: ..."). */
size_t run_problems(const struct run *run, const char *const **lines);
/* Note one (printf-like); for the reader and for a test. */
void run_problem(struct run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The Findings section of summary.md, computed from the rows. */
void run_findings(const struct run *run, FILE *out);
/* The whole summary.md. */
void run_summary(const struct run *run, FILE *out);
/* Write summary.md, all.csv, results.json, peers.csv and plots/data/ into dir; the
 * warnings (one line per cause) go to `warn`. */
int run_write(const struct run *run, const char *dir, FILE *warn, struct ipc_error *e);

/* `ipclab bench compare DIR_A DIR_B`: read both runs and write their
 * comparison (compare.c) in `format`; -1 and `e` when a directory cannot
 * be read or holds no run. */
int run_compare_dirs(const char *dir_a, const char *dir_b, enum report_format format,
		     FILE *out, struct ipc_error *e);

#endif
