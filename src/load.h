/*
 * load.h - the load generator behind `ipclab load`.
 *
 * Many connections driven by one event loop (evloop.h, epoll backend): all
 * of them are connected first, then each sends its greetings with distinct
 * names ("c<conn>-r<req>"), keeping up to `pipeline` requests in flight, and
 * checks every reply byte for byte.  With several workers, each is a forked
 * process with its own loop and its own share of the connections; results
 * land in memory shared with the parent, which merges them.
 *
 * Only stream transports: a load generator measures how a server copes with
 * many connections, and datagram servers have none (one socket reads every
 * client).  The FIFO works too: each connection is a FIFO pair of its own.
 */
#ifndef IPCLAB_LOAD_H
#define IPCLAB_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "ipc.h"

#define LOAD_PIPELINE_MAX 4096

struct load_config {
	const struct ipc_transport *t;
	const struct ipc_ctx *ctx;   /* ctx->timeout_ms bounds each connect */
	struct ipc_addr addr;
	unsigned long clients;       /* concurrent connections, in all workers */
	unsigned long requests;      /* greetings per connection */
	unsigned long pipeline;      /* requests in flight per connection, >= 1 */
	unsigned long workers;       /* processes, >= 1 (1: run in this process) */
	int timeout_ms;              /* longest wait for one reply */
};

/* What went right and wrong; every request ends up in exactly one of
 * greetings (answered exactly) or unanswered. */
struct load_tally {
	unsigned long greetings;
	unsigned long unanswered;
	unsigned long refused;   /* connections that could not be made */
	unsigned long wrong;     /* replies other than "Hello, <that name>\n" */
	unsigned long closed;    /* connections the server ended early */
	unsigned long timeouts;  /* requests with no reply within timeout_ms */
	long long start_ns;      /* first request sent (CLOCK_MONOTONIC) */
	long long end_ns;        /* last reply or failure */
	int first_status;        /* ipc_status of the first failure, 0 if none */
	char first_error[IPC_ERR_MAX];
};

/* One process's share: connections [first, first + count).  Latencies in
 * microseconds are appended to lat (room for count * requests) and their
 * number is tally->greetings.  `ready`, when not NULL, is called once every
 * connection is made (or refused) and returns when requests may start:
 * the workers' starting line.  -1 and e only when nothing could be tried
 * (out of memory, no event loop); failures of the server are in the tally. */
int load_run_share(const struct load_config *cfg, unsigned long first, unsigned long count,
		   double *lat, struct load_tally *tally,
		   int (*ready)(void *arg), void *ready_arg, struct ipc_error *e);

/* The whole run: raise the descriptor limit if needed, fork the workers,
 * merge.  *lat receives a malloc'ed array of tally->greetings latencies
 * (free it).  -1 and e if the run could not be set up. */
int load_run(const struct load_config *cfg, struct load_tally *tally, double **lat,
	     struct ipc_error *e);

/* Descriptors each connection of `t` holds (FIFO: 3, sockets: 1). */
unsigned long load_fds_per_conn(const struct ipc_transport *t);

/* Make sure this process may open `need` descriptors: raise the soft
 * RLIMIT_NOFILE up to the hard limit, or explain why it cannot.  *limit
 * receives the soft limit in force. */
int load_raise_nofile(unsigned long need, unsigned long *limit, struct ipc_error *e);


#endif
