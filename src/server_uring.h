/*
 * server_uring.h - the greeting server over one io_uring (--mode uring).
 *
 * One thread, one ring.  Instead of asking "which descriptor is ready?"
 * (select, poll, epoll) and then making the read or write call itself, the
 * server hands the kernel the operations it wants done and collects their
 * results: one multishot accept on the listener, one multishot receive per
 * client into buffers the kernel picks from a ring we share with it, one
 * send per client while replies wait.  New requests are put in the
 * submission queue while the completions of a batch are handled, and all
 * of them go to the kernel in the one io_uring_enter() that also waits.
 *
 * It serves the socket transports (unix_stream, tcp): the ring accepts and
 * receives on sockets.  Same protocol, idle time-out, --max-clients and log
 * limits as the multiplexed modes (server.h).
 */
#ifndef IPCLAB_SERVER_URING_H
#define IPCLAB_SERVER_URING_H

#include <stdbool.h>

#include "server.h"

/* What each completion is, in the low bits of its user_data (the rest is
 * the client it belongs to, 8-byte aligned).  Public so that a test can
 * tell a send's completion from a receive's. */
enum uring_op {
	URING_OP_ACCEPT = 1,
	URING_OP_RECV = 2,
	URING_OP_SEND = 3,
	URING_OP_STOP = 4,
	URING_OP_CANCEL = 5,
};
#define URING_OP_MASK 7u

/* Can transport t be served by a ring?  0, or -1 and e (IPC_USAGE). */
int serve_uring_check(const struct ipc_transport *t, struct ipc_error *e);

/* Does this kernel (or sandbox) let us make a ring with the features the
 * server needs?  0, or -1 and e saying which and what to do. */
int serve_uring_probe(bool sqpoll, struct ipc_error *e);

/* The server loop, same contract as serve_mux(); o->mode is SERVE_URING
 * or SERVE_URING_SQPOLL (a kernel thread polls the submission queue). */
int serve_uring(struct ipc_server *s, const struct serve_opts *o, struct ipc_error *e);

#endif
