/*
 * lograte.h - a server's log without floods.
 *
 * A client can make a server log at will: 20,000 datagrams from an unbound
 * sender would be 20,000 lines on stderr.  So the first event of a kind is
 * written at once, and the next ones of that kind in the same second are
 * only counted; when the second is over, one line says how many there were
 * and shows the last one.  Kinds are told apart by their `what` text, which
 * must be a string constant.
 */
#ifndef IPCLAB_LOGRATE_H
#define IPCLAB_LOGRATE_H

#include <stdio.h>

#include "ipc.h"

#define LOGRATE_WINDOW_MS 1000
#define LOGRATE_KINDS 8

struct lograte {
	FILE *log;        /* NULL: quiet */
	char prefix[96];  /* "ipclab serve unix_dgram" */
	struct lograte_kind {
		const char *what;        /* NULL: a free slot */
		long long window_end;    /* events until then are counted, not written */
		unsigned long held;      /* events counted in this window */
		char last[IPC_ERR_MAX];  /* the last one's detail */
	} kind[LOGRATE_KINDS];
};

void lograte_init(struct lograte *r, FILE *log, const char *prefix);
/* Log "<prefix>: <what>[: <detail>]", or count it (see above). */
void lograte_say(struct lograte *r, const char *what, const char *detail);
/* Write the summaries of windows that ended by `now` (all of them if
 * now < 0, as a server does when it stops). */
void lograte_flush(struct lograte *r, long long now);
/* Milliseconds from `now` until a summary is due; -1 if none is. */
int lograte_due_ms(const struct lograte *r, long long now);
/* Smaller of two timeouts where -1 means "none". */
int lograte_min_timeout(int a, int b);

#endif
