/*
 * version.c - the version, revision and build flags, for `ipclab --version`
 * and for the environment record at the head of every result file.
 *
 * The Makefile compiles this one file with -D flags, and recompiles it
 * whenever they change (a commit, other CFLAGS), so the program never
 * reports a build it is not.  Built without them, it says "unknown".
 */
#include "version.h"

#ifndef IPCLAB_VERSION
#define IPCLAB_VERSION "unknown"
#endif
#ifndef IPCLAB_GIT_REV
#define IPCLAB_GIT_REV "unknown"
#endif
#ifndef IPCLAB_CFLAGS
#define IPCLAB_CFLAGS "unknown"
#endif
#ifndef IPCLAB_LINK
#define IPCLAB_LINK "unknown"
#endif

const char ipclab_version[] = IPCLAB_VERSION;
const char ipclab_git_rev[] = IPCLAB_GIT_REV;
const char ipclab_build_flags[] = IPCLAB_CFLAGS;
const char ipclab_link[] = IPCLAB_LINK;
