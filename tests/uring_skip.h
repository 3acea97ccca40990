/*
 * uring_skip.h - the io_uring server modes run only where the kernel lets
 * a process make a ring.  Where it does not (io_uring_disabled, a seccomp
 * filter, an old kernel), a suite says so, with the reason, and leaves
 * those cases out instead of failing them.
 */
#ifndef IPCLAB_TEST_URING_SKIP_H
#define IPCLAB_TEST_URING_SKIP_H

#include <stdbool.h>
#include <stdio.h>

#include "server_uring.h"

static inline bool uring_mode_runs(enum serve_mode mode)
{
	struct ipc_error e;
	if (mode != SERVE_URING && mode != SERVE_URING_SQPOLL)
		return true;
	if (serve_uring_probe(mode == SERVE_URING_SQPOLL, &e) == 0)
		return true;
	printf("== --mode %s skipped: %s\n", serve_mode_name(mode), e.msg);
	fflush(stdout);
	return false;
}

#endif
