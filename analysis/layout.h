/*
 * layout.h - the names of the files in a run directory, in one place.
 *
 * `ipclab bench plan` (bench/plan.c) names the files a run writes with
 * these functions, and the reader (reader.c) opens them with the same ones:
 * a file's name is decided here and nowhere else.
 *
 *   env.csv env.txt steal.tsv          the machine; CPU time stolen per step
 *   latency/T_MODE_PIN[.rR].csv        one result row (MODE: greeting, echo),
 *                                      per round R where measured in rounds
 *   samples/latency_T_MODE_PIN[.rR].txt its round trips (µs), one a line
 *   samples/waits_T_MODE_PIN[.rR].txt  shm: per round trip (the same lines),
 *                                      how each side's wait ended, its CPU
 *   throughput/T_SIZE_PIN[_unchecked].rR.csv   one row per round
 *   connect/T.csv, samples/connect_T.txt
 *   process/NAME.csv                   hyperfine's runs of one command, pooled
 *   scaling/load_T_MODE_N.csv, scaling/redis_FAM_N.out, scaling/target/
 *   machine/pauses_cpuN.csv            the machine's own pauses on CPU N
 *   peers/rounds.tsv, peers/ipclab/    the peer tools' rounds and ipclab's twins
 *   ladder/RUNG_SIZE_PIN.rR.csv        the zero-copy ladder: one rung over every
 *                                      transport it fits, and memcpy's ceiling
 *
 * and those of a `make netlab` run (bench/netlab.h says what each holds):
 *   conditions.tsv, COND/T_latency.csv, COND/T_load.csv, COND/greet.txt,
 *   COND/snmp_SIDE_WHEN, COND/problems.tsv, COND/netdelay.{txt,log}
 *   busy.tsv, log/busy_begin.txt       per step, what other processes, the
 *                                      kernel's threads and the host took of
 *                                      the run's CPUs (`ipclab bench busy`)
 */
#ifndef IPCLAB_LAYOUT_H
#define IPCLAB_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

enum layout_kind {
	LF_ENV,               /* env.csv */
	LF_STEAL,             /* steal.tsv */
	LF_ROUNDS,            /* peers/rounds.tsv */
	LF_PAUSES,            /* machine/pauses_cpuN.csv (cpu) */
	LF_LATENCY,           /* latency/T_MODE_PIN[.rR].csv (transport, mode or NULL, pin, round) */
	LF_LATENCY_SAMPLES,   /* samples/latency_T_MODE_PIN[.rR].txt */
	LF_THROUGHPUT,        /* throughput/T_SIZE_PIN[_unchecked].rR.csv */
	LF_CONNECT,           /* connect/T.csv */
	LF_CONNECT_SAMPLES,   /* samples/connect_T.txt */
	LF_PEER_TWIN,         /* peers/ipclab/T_SIZE_PIN_rRTAG.csv (tag: a, b, ua...) */
	LF_PEER_BW_TWIN,      /* peers/ipclab/bw_T_PIN_rRTAG.csv */
	LF_LADDER,            /* ladder/RUNG_SIZE_PIN.rR.csv (transport: the rung, or memcpy) */
	/* what others took of the run's CPUs, per step (bench/busy.c) */
	LF_BUSY,              /* busy.tsv */
	LF_BUSY_BEGIN,        /* log/busy_begin.txt: the snapshot at a step's start */
	/* how shm's waits ended, per round trip (bench latency --waits) */
	LF_LATENCY_WAITS,     /* samples/waits_T_MODE_PIN[.rR].txt */
	/* netlab (condition: the link condition's name; every kind from here
	 * on lives in its condition's folder, layout.c) */
	LF_NETLAB_CONDITIONS, /* conditions.tsv */
	LF_NETLAB_LATENCY,    /* COND/T_latency.csv */
	LF_NETLAB_LOAD,       /* COND/T_load.csv */
	LF_NETLAB_GREET,      /* COND/greet.txt */
	LF_NETLAB_SNMP,       /* COND/snmp_SIDE_WHEN (mode: client, server; tag: before, after) */
	LF_NETLAB_PROBLEMS,   /* COND/problems.tsv */
	LF_NETLAB_NETDELAY,   /* COND/netdelay.txt (tag "log": netdelay.log) */
};

struct layout_file {
	enum layout_kind kind;
	const char *transport;
	const char *mode;     /* LF_LATENCY*: "greeting", "echo", or NULL (pingpong) */
	const char *pin;      /* "0,1", "0,0", "none" */
	const char *tag;      /* LF_PEER_*TWIN */
	unsigned long size;
	int round, cpu;
	bool unchecked;       /* LF_THROUGHPUT: --no-verify */
	const char *condition; /* LF_NETLAB_* */
};

/* The file's path relative to the run directory into buf; -1 when it does
 * not fit or a name holds a '/' (a name must not leave its folder). */
int layout_path(char *buf, size_t cap, const struct layout_file *f);

/* "0,1" -> "0-1" for file names; "none" stays. */
const char *layout_pin_label(const char *pin, char *buf, size_t cap);

/* The folders whose *.csv files hold result rows, in reading order. */
extern const char *const layout_row_dirs[];

#endif
