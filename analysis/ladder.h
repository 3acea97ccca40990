/*
 * ladder.h - the zero-copy ladder of a run (`bench throughput --copy`):
 * what summary.md and the plots say of it.
 */
#ifndef IPCLAB_LADDER_H
#define IPCLAB_LADDER_H

#include <stdio.h>

#include "ipc.h"

struct run;

/* "## The zero-copy ladder": every rung of every transport that climbed
 * one, at 64 KiB and 1 MiB, beside memcpy (shm's rungs twice: sleeping on
 * its doorbell, and spinning); nothing when the run has none. */
void ladder_table(const struct run *run, FILE *out);
/* One finding: per transport (and per way of waiting), each rung against
 * write and read waiting the same way, and the fastest rung that checks
 * every byte as a fraction of memcpy, with its price and CPU time. */
void ladder_finding(const struct run *run, FILE *out);
/* ladder.dat (a block per transport and way of waiting: rung, MB/s,
 * lowest, highest, checked, CPU ms per MB, copies) and ladder_meta.gp
 * (LADDER, LADDER_T, MEMCPY) into dir. */
int ladder_plot_data(const struct run *run, const char *dir, struct ipc_error *e);

#endif
