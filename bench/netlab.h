/*
 * netlab.h - the table of a `make netlab` run (netlab_table.c): TCP and UDP
 * across a veth link, clean and impaired, one line per transport and link
 * condition.  bench/netlab.sh writes the run directory; `ipclab bench
 * netlab DIR` reads it back:
 *
 *   DIR/conditions.tsv   one condition a line, in the order they ran:
 *                        name, loss %, delay ms, duplicate %, reorder %,
 *                        how (what applied them, or "skipped: why"), tabs
 *   DIR/NAME/tcp_latency.csv, udp_latency.csv, tcp_load.csv
 *                        result rows in the common layout (report.h)
 *   DIR/NAME/snmp_{client,server}_{before,after}
 *                        /proc/net/snmp inside each namespace around the
 *                        TCP latency run: the kernel's retransmissions
 *   DIR/NAME/problems.tsv  what went wrong, a line each, first first:
 *                        what ("tcp latency", "udp latency", "tcp load",
 *                        "tcp server", "udp server", "netdelay", "link"),
 *                        a tab, one line of text; absent: nothing did
 *   DIR/NAME/netdelay.txt  netdelay's counts (arrived= held= ...), when it
 *                        delayed this condition's packets
 */
#ifndef IPCLAB_NETLAB_H
#define IPCLAB_NETLAB_H

#include <stdbool.h>
#include <stdio.h>

#include "ipc.h"

struct netlab_condition {
	char name[32];
	double loss_pct, delay_ms, dup_pct, reorder_pct;
	char how[256];
	bool skipped; /* how starts with "skipped" */
};

/* What one transport did under one condition. */
struct netlab_line {
	bool measured;             /* its latency row was found */
	unsigned long trips;       /* round trips timed (the count column) */
	unsigned long long sent;   /* requests sent: UDP every datagram, retries too */
	unsigned long long delivered; /* requests answered */
	unsigned long long retrans;   /* TCP: segments the kernels resent; UDP: the client */
	unsigned long long lost, dup, reordered, late;
	double p50_ms, p99_ms;
	double trips_per_s;
	double load_per_s;         /* `ipclab load` greetings/s; < 0: none */
	bool load_failed;          /* its load step failed */
	char problem[320];         /* the row's first problem; "": none */
	char more[160];            /* what went wrong after it: "tcp load, ..." */
};

/* What a report found: rows (condition x transport, skipped ones not
 * counted), those measured, those with a problem. */
struct netlab_outcome {
	int rows, measured, failed;
};

/* One line of conditions.tsv into c: 0, or -1 when it is malformed. */
int netlab_parse_condition(const char *line, struct netlab_condition *c);

/* `field` of `group` ("Tcp", "RetransSegs") in the text of /proc/net/snmp:
 * 0, or -1 when absent. */
int netlab_snmp_counter(const char *text, const char *group, const char *field,
			unsigned long long *out);

/* The words "sent=N lost=N resent=N dup=N reordered=N late=N" of a UDP
 * latency row's note into l (absent words leave l as it is). */
void netlab_parse_note(const char *note, struct netlab_line *l);

/* The latency row of DIR/COND/T_latency.csv (a CSV file in the common
 * layout, read through analysis/reader.c) into l (measured,
 * trips, sent = delivered = trips, lost, the note's counts, p50/p99, rate).
 * 0; 1 when the file does not exist; -1 with e when it is unreadable. */
int netlab_read_latency(const char *dir, const char *cond, const char *t, struct netlab_line *l,
			struct ipc_error *e);

/* One line of problems.tsv into l when it concerns `transport` (its first
 * word is the transport, or it names neither): the first one into problem,
 * what the later ones concern into more; "tcp load" sets load_failed. */
void netlab_note_problem(const char *line, const char *transport, struct netlab_line *l);

/* The whole report of run directory dirs[0] to `out` (a table, the
 * problems, the findings in words, then what was applied and how), and the
 * plot data to data_path (NULL: none); *how says what it found there.  With
 * more directories (runs of the same conditions), the findings also give
 * each figure's spread over all of them. */
int netlab_report(const char *const *dirs, int ndirs, bool markdown, FILE *out,
		  const char *data_path, struct netlab_outcome *how, struct ipc_error *e);

/* The exit status of `ipclab bench netlab`: 1 when no row was measured, or
 * with `strict` when any row failed; else 0. */
int netlab_exit_status(const struct netlab_outcome *how, bool strict);

#endif
