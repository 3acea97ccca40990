/*
 * decide.h - the decision table at the top of summary.md (decide.c): for
 * the engineer who must choose, per question (small request/reply on one
 * CPU, across CPUs, bulk stream, connection set-up, CPU per MB, many
 * clients), the best transport with its figure and interval, the
 * runner-up, and the group tied with the best within the noise.
 */
#ifndef IPCLAB_DECIDE_H
#define IPCLAB_DECIDE_H

#include <stdio.h>

#include "run.h"

#define DECIDE_MAX_TIED 16

enum decide_verdict {
	DEC_ALONE,    /* one candidate: nothing to rank it against */
	DEC_AHEAD,    /* the best's interval is apart from the runner-up's */
	DEC_TIED,     /* the runner-up's interval overlaps the best's */
	DEC_UNJUDGED, /* the best or the runner-up has a single round */
};

struct decide_pick {
	char name[64];          /* "pipe", or "unix_stream, epoll" for many clients */
	struct figure f;
	const struct run_row *row;
};

struct decision {
	char question[96];      /* "Small request/reply, one CPU (0)" */
	const char *measure;    /* "greeting round trip, p50" */
	struct decide_pick best, runner;
	bool has_runner;
	enum decide_verdict verdict;
	size_t ntied;           /* DEC_TIED: the candidates whose interval overlaps the best's */
	char tied[DECIDE_MAX_TIED][64];
};

/* Every question the run can answer, in the table's order; at most cap. */
size_t decide(const struct run *run, struct decision *out, size_t cap);

/* The Markdown section: "## Which transport" and its table (nothing when
 * the run answers no question). */
void decision_table(const struct run *run, FILE *out);

#endif
