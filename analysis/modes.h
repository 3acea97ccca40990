/*
 * modes.h - where a transport's round trips gather (its modes), and for a
 * transport that counts how its waits end (shm), what those waits did in
 * each mode.  One computation, which the modes finding (findings.c) and
 * the marks of the CDF plot (plotdata.c) both print.
 */
#ifndef IPCLAB_MODES_H
#define IPCLAB_MODES_H

#include "ipc.h"
#include "run.h"

/* One round trip of a row whose waits were counted (samples/waits_*,
 * `ipclab bench latency --waits`): its time, and per side ([0] the
 * client's wait for the reply, [1] the server's for the request) how the
 * wait ended (enum ipc_wait_end; -1: not counted) and the CPU (-1: unknown). */
struct run_trip_wait {
	double us;
	signed char end[2];
	short cpu[2];
};

struct run_waits {
	char where[8];        /* "same", "cross", as run_samples */
	char transport[32];
	struct run_trip_wait *trip;
	size_t n;
};

/* Take ownership of `trip` (n round trips), added to those of the same
 * placement and transport (one file per round).  0, or -1 (no memory;
 * trip freed). */
int run_add_waits(struct run *run, const char *where, const char *t, struct run_trip_wait *trip,
		  size_t n);
const struct run_waits *run_find_waits(const struct run *run, const char *where, const char *t);
void run_waits_free(struct run *run);

/* The words of the waits files, by enum ipc_wait_end. */
extern const char *const run_end_word[IPC_END_KINDS];

/* A mode of one transport's greeting round trips at one placement. */
struct run_mode {
	struct stats_mode m;
	double y;           /* the share of all round trips slower than m.at: the
			       height of the CDF plot's line at m.at */
	size_t counted;     /* its round trips whose waits were counted (0: none) */
	double end[2][IPC_END_KINDS]; /* of those, per side, the share per end
					 (of the round trips that side counted) */
	double same_cpu;    /* of those with both CPUs known, the share with client
			       and server on one CPU; NAN when none */
};

#define RUN_MODES_MAX 4

/* The modes of transport t's round trips at "same" or "cross" (the CDF's
 * samples), in increasing order; how many (fewer than 2: the distribution
 * has one mode, or too few samples). */
size_t run_modes(const struct run *run, const char *where, const char *t, struct run_mode *out,
		 size_t cap);

#endif
