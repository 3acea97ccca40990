/*
 * steps.h - a server's life cycle, numbered as a course numbers it.
 *
 * Each transport declares its server's steps in its own file: number, the
 * calls `--trace` shows for it, what strace records, and one line of why.
 * For a Unix stream socket these are the twelve steps of the classic lecture
 * (1 remove a stale socket, 2 socket, 3 fill in the name, 4 bind, 5 listen,
 * 6 accept, 7 read, 8 write, 9 close the data socket, 10 close the
 * connection socket, 11 unlink, 12 exit); every other transport has its own
 * sequence, because its life cycle differs (a FIFO has mkfifo and open, a
 * datagram server has no listen and no accept, a pipe is inherited across
 * fork).  That one table is what `--trace` numbers, what the handout's step
 * tables and the reference traces (lab/traces) show, and what the comments
 * `Step N` in the transport's file name; tests/test_trace.c keeps all of
 * them in agreement with it.
 *
 * How to adopt it in a transport (unix_stream/unix_stream.c is the model):
 *
 *  1. In the transport's file, list the server's steps in order, 1 .. n:
 *
 *         static const struct ipc_step_def us_steps[] = {
 *             { 1, "lstat connect unlink", "newfstatat",
 *               "remove the socket if it exists, only if nobody answers on it" },
 *             { 2, "socket", "socket", "create the socket" },
 *             ...
 *         };
 *
 *     and add IPC_STEPS(us_steps) to its `struct ipc_transport`.
 *
 *  2. Narrate each step where it happens with its number, and name it in a
 *     comment beside the call:
 *
 *         // Step 4 - bind(): ...
 *         ipc_step(s->ctx, NAME, 4, "bind", "fd %d to %s", fd, address);
 *
 *     A call that is no server step (a client's, or a detail of ipclab's
 *     own such as TCP_NODELAY) passes IPC_NO_STEP.  A function both sides
 *     share (recv, send) passes the server's number: `--trace` prints
 *     numbers for the server's lines only.
 *
 *  3. A step done by a shared helper gets its number from the caller, whose
 *     comment names the step (unixpath_clear_stale(..., 1, e) is step 1 of
 *     unix_stream).  A step done in shared code that knows no transport
 *     (fork in src/serve.c, exit in src/commands.c) is found by its call
 *     with ipc_step_number(t, "fork"); the transport's file says so with a
 *     `Step N` comment at the point where it hands over.
 *
 *  4. Keep the file in the order of its steps, `Step N` comments first
 *     appearing in increasing N.  Then `make trace UPDATE=1` rewrites the
 *     reference traces, and the handout's table for the transport (marked
 *     `<!-- steps: NAME -->`) must list the same steps; run test_trace.
 */
#ifndef IPCLAB_STEPS_H
#define IPCLAB_STEPS_H

#include <stddef.h>

#include "ipc.h"

struct ipc_step_def {
	int number;           /* 1 .. n, in the order of the life cycle */
	const char *calls;    /* the names `--trace` prints for it, separated by
				 spaces; "(name)" for a step with no system call */
	const char *syscalls; /* what strace records for it in a demo's server, in
				 order, separated by spaces; NULL if nothing it
				 records every time (a step that may not happen) */
	const char *why;      /* what the step is, in the course's words */
	const char *when;     /* NULL: every `ipclab demo` narrates it; else when
				 it happens ("only when a FIFO was left behind") */
};

/* In a `struct ipc_transport` initializer: the table, its size, and the
 * file that declares it (where test_trace looks for the `Step N` comments). */
#define IPC_STEPS(table) \
	.steps = (table), .nsteps = sizeof(table) / sizeof((table)[0]), .source = __FILE__

/* The step of `t` whose calls include `call` ("exit", "fork"), for shared
 * code that does a step of a transport it does not know; IPC_NO_STEP if `t`
 * has no such step. */
int ipc_step_number(const struct ipc_transport *t, const char *call);

/* Step `number` of `t`, or NULL. */
const struct ipc_step_def *ipc_step_find(const struct ipc_transport *t, int number);

/* Does the space-separated list `list` hold the word `word`? */
int ipc_step_has_word(const char *list, const char *word);

#endif
