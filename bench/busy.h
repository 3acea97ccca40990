/*
 * busy.h - `ipclab bench busy begin|end RUN_DIR STEP [--root PID]`: what
 * others took of the run's CPUs during one step (busy.c).
 */
#ifndef IPCLAB_BENCH_BUSY_H
#define IPCLAB_BENCH_BUSY_H

/* argv[0] is "busy"; the exit status. */
int cmd_bench_busy(int argc, char **argv);

#endif
