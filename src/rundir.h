/*
 * rundir.h - the private per-user directory that holds socket and FIFO paths.
 *
 * $IPCLAB_DIR, else $XDG_RUNTIME_DIR/ipclab, else /tmp/ipclab-<uid>.  It is
 * created with mode 0700 and, created or found, must be a real directory (not
 * a symlink) owned by us and closed to others; anything else is refused,
 * because a path another user controls could redirect our sockets.
 */
#ifndef IPCLAB_RUNDIR_H
#define IPCLAB_RUNDIR_H

#include <stddef.h>

#include "ipc.h"

/* Choose the directory from the environment (nothing is created). */
int rundir_choose(char *out, size_t cap, struct ipc_error *e);
/* Create `dir` if missing and check that it is private to us. */
int rundir_ensure(const char *dir, struct ipc_error *e);

#endif
