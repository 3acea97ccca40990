/* version.h - what this ipclab is, and how it was built (src/version.c). */
#ifndef IPCLAB_VERSION_H
#define IPCLAB_VERSION_H

extern const char ipclab_version[];     /* "0.1" (the Makefile's VERSION) */
extern const char ipclab_git_rev[];     /* `git describe --always --dirty`, or "unknown" */
extern const char ipclab_build_flags[]; /* CPPFLAGS CFLAGS LDFLAGS it was built with */
extern const char ipclab_link[];        /* "static" or "dynamic" (the Makefile's LINK) */

#endif
