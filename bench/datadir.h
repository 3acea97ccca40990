/* datadir.h - where ipclab finds the scripts it runs (src/datadir.c). */
#ifndef IPCLAB_DATADIR_H
#define IPCLAB_DATADIR_H

#include <stddef.h>

#include "cli.h"

/* The directory holding bench/ and plots/: $IPCLAB_DATA_DIR, else
 * ../share/ipclab beside this program (an installed ipclab), else the
 * directory above it (bin/ipclab in the source tree).  0, or -1 with e. */
int datadir_find(char *out, size_t cap, struct ipc_error *e);

/* `ipclab bench run` and `ipclab bench plot` (argv[0] is "run" or "plot"). */
int cmd_bench_script(struct cli *cli, int argc, char **argv);

#endif
