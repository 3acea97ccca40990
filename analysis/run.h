/*
 * run.h - the inside of a run in memory, shared by run.c (the model and its
 * queries), reader.c (the one reader of a run directory), findings.c and
 * summary.c (summary.md) and plotdata.c (the plots' tables).
 */
#ifndef IPCLAB_RUN_H
#define IPCLAB_RUN_H

#include "analysis.h"
#include "stats.h"

/* A row, and for a row measured in rounds (throughput, latency, process)
 * the spread of its rounds. */
struct run_waits; /* modes.h */

struct run_row {
	struct result_row r;
	double lo, hi;      /* in rounds: lowest and highest figure (MB/s, p50) of the rounds */
	unsigned rounds;    /* in rounds: how many rounds; else 1 */
};

struct kv { /* one field of the environment record, or "quick" */
	char *key, *value;
};

struct steal {
	char step[64];
	double pct;
};

/* The round trips of one greeting row, sorted, for the CDF plot: where is
 * "same" (one CPU) or "cross" (two CPUs). */
struct run_samples {
	char where[8];
	char transport[32];
	double *v;
	size_t n;
};

/* What a server did during one load (scaling/counted/): perf stat's counts
 * of the server process between the load's start and end, beside the
 * load's own row.  NAN where perf could not count an event. */
struct server_count {
	char transport[16], mode[16];
	unsigned long clients, greetings;
	double syscalls, ctxsw, task_ms;
};

struct run {
	struct run_row *raw;   /* as read: every throughput round */
	size_t nraw, capraw;
	struct run_row *rows;  /* grouped: one row per measurement */
	size_t nrows;
	struct run_row *target; /* scaling: epoll and redis by turns */
	size_t ntarget, captarget;
	struct run_row *turns;  /* the same grouped, one row per server and client
				 * count: the median run, the runs' range (kind
				 * "load", mode "MODE-by-turns"; run_finish) */
	size_t nturns;
	struct peer_round *peers;
	size_t npeers, cappeers;
	struct kv *env;
	size_t nenv, capenv;
	struct server_count *counted; /* scaling: the servers' counted loads */
	size_t ncounted, capcounted;
	struct steal *steal;
	size_t nsteal, capsteal;
	struct pause_row *pauses;
	size_t npauses, cappauses;
	struct busy_step *busy; /* busy.tsv: what others took, per step */
	size_t nbusy, capbusy;
	char **strs;           /* every string the rows point to */
	size_t nstrs, capstrs;
	struct run_samples *samples;
	size_t nsamples, capsamples;
	struct run_waits *waits; /* how shm's waits ended, per round trip (modes.h) */
	size_t nwaits, capwaits;
	char **problems;       /* what the reader refused or flagged, one line each */
	size_t nproblems, capproblems;
	bool env_bad;          /* env.csv missing, empty or unusable */
	char same[16], cross[16]; /* the placements: one CPU "a,a", two CPUs "a,b" */
	bool finished;
};

/* The one figure a grouped row is judged by (compared, ranked, put in the
 * decision table), with its interval over the run's rounds: throughput
 * MB/s (higher is better), load greetings/s (higher), latency, connect and
 * process p50 µs (lower).  lo == hi == value and rounds == 1 where the run
 * has a single round of the row: no interval, so no verdict beyond it. */
struct figure {
	double value, lo, hi;
	unsigned rounds;
	bool higher_is_better;
	const char *unit; /* "MB/s", "greetings/s", "µs" */
};
struct figure run_row_figure(const struct run_row *row);

int run_add_counted(struct run *run, const struct server_count *c);

/* "" when the key is absent. */
const char *run_env(const struct run *run, const char *key);
bool run_quick(const struct run *run);
/* Idle CPUs halt at once (a KVM guest's haltpoll with no poll window). */
bool run_idle_halts(const struct run *run);

/* The grouped row matching kind, transport, mode ("" any), pin ("" any),
 * size (0 any), checked or not (throughput --no-verify); NULL if none. */
const struct run_row *run_find(const struct run *run, const char *kind, const char *t,
			       const char *mode, const char *pin, unsigned long size);
const struct run_row *run_find_tp(const struct run *run, const char *t, const char *pin,
				  unsigned long size, bool unverified);
/* The runs by turns of server `mode` ("epoll", "uring", "redis") over t at
 * `clients` clients, grouped (run->turns: the median run, the runs' range
 * in lo and hi, their count in rounds); NULL when the run has none. */
const struct run_row *run_find_turns(const struct run *run, const char *t, const char *mode,
				     unsigned long clients);
bool row_unverified(const struct result_row *r);

/* "one CPU (0)", "two CPUs (0, 1)", "unpinned". */
const char *placement_name(const char *pin, char *buf, size_t cap);
/* 4096 -> "4 KiB", 65507 -> "65,507 B". */
const char *size_name(unsigned long size, char *buf, size_t cap);

/* The transports in the registry's order (ipc_transports), the ZeroMQ
 * ones left out. */
size_t run_transports(const char **names, size_t cap);
/* The same, and after them the ZeroMQ transports of which the run has rows
 * (measured through ipclab-zmq): the tables and plots that show them. */
size_t run_transports_of(const struct run *run, const char **names, size_t cap);

/* The checked throughput curve of t at pin, by size; at most cap points. */
size_t run_curve(const struct run *run, const char *t, const char *pin,
		 const struct run_row **pts, size_t cap);
/* Where a curve peaks (the highest MB/s without loss) and the first larger
 * size whose rounds all fall under 70 % of the peak's lowest round (0: it
 * never does).  False for a curve of under three points. */
bool run_bend(const struct run_row *const *pts, size_t n, size_t *peak, size_t *fall);

/* Peer verdicts: the rounds of one tool, transport, size, placement and
 * statistic grouped. */
struct peer_verdict {
	const struct peer_round *first;
	size_t rounds, split;
	double peer, ours, ours_p50, ours_mean; /* medians over the rounds */
	double ratio, lo, hi;  /* ipclab / peer: median of the round ratios, range */
	bool judged;
	/* Latency: the p50s of ipclab's runs over the rounds (two a round),
	 * on one level or two (stats.h).  The ratios stay paired by round, so
	 * a level the machine took for a while is met by the peer too. */
	struct stats_levels levels;
};
size_t run_peer_verdicts(const struct run *run, struct peer_verdict *out, size_t cap);
/* A pair whose two twins differ by over 2x describes neither. */
bool peer_round_split(const struct peer_round *pr);
bool peer_is_bandwidth(const struct peer_round *pr);

/* Tables for gnuplot (plotdata.c). */
int run_plot_data(const struct run *run, const char *datadir, struct ipc_error *e);

/* The samples of the CDF plot for transport t at "same" or "cross"; NULL
 * when the run has none. */
const struct run_samples *run_find_samples(const struct run *run, const char *where,
					   const char *t);
/* Take ownership of v (n values, sorted here). */
int run_add_samples(struct run *run, const char *where, const char *t, double *v, size_t n);

/* The grouped rows that `keep` accepts, sorted by `key` (ties in row
 * order), distinct keys only (the first row of each): *out (free it).  n
 * log n, for the tables that go by size or by clients. */
size_t run_sorted(const struct run *run, bool (*keep)(const struct result_row *, const void *),
		  const void *arg, unsigned long (*key)(const struct result_row *),
		  const struct run_row ***out);

/* Make room for one more element of size `size` in *v (n used, *cap). */
int run_grow(void *v, size_t n, size_t *cap, size_t size);

/* Nearest-rank median of n values (copied; the input stays as it is). */
double median_of(const double *v, size_t n);

#endif
