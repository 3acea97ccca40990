/*
 * busy_finding.h - what summary.md says of a run that shared its machine:
 * the warning at its top, the line of its Environment, the note under a
 * finding that compares with `true` or with a peer tool, and who took the
 * time the pauses finding counts (busy_finding.c).
 */
#ifndef IPCLAB_BUSY_FINDING_H
#define IPCLAB_BUSY_FINDING_H

#include <stdbool.h>
#include <stdio.h>

#include "run.h"

/* Shares of a step's CPU time, 0 to 100. */
double busy_others_pct(const struct busy_step *b);
double busy_steal_pct(const struct busy_step *b);
/* Did the step share the machine (BUSY_SHARED_PCT, src/busyness.h)? */
bool busy_step_shared(const struct busy_step *b);
/* The step's record; NULL when the run has none. */
const struct busy_step *busy_step_of(const struct run *run, const char *step);

/* At the top of summary.md: nothing when no step shared the machine, else
 * a paragraph naming each step that did, with the shares of other
 * processes and of the host, and saying the findings are provisional. */
void busy_summary_warning(const struct run *run, FILE *out);
/* A line of the Environment list: every step's shares (nothing when the
 * run did not record them). */
void busy_environment(const struct run *run, FILE *out);
/* The same for stderr at the end of a run: one warning line, or none. */
void busy_stderr_warning(const struct run *run, FILE *warn);

/* Under the finding of `step` ("process": greet against `true`, "peers":
 * the peer tools): a note that it was measured on a shared machine, when
 * that step shared it and the run has that finding's rows. */
void busy_step_note(const struct run *run, const char *step, FILE *out);

/* The pauses finding's tail: of the time lost, what other tasks had and
 * what the host took, and the Why that fits. */
void busy_pause_why(const struct pause_row *p, FILE *out);

#endif
