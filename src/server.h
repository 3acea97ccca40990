/*
 * server.h - the greeting server loop, and running a server in a child.
 *
 * The iterative server of the lecture: it serves one client at a time, from
 * accept() to the client's end of stream, then takes the next.  Datagram
 * transports have no connections: one loop answers every sender.
 */
#ifndef IPCLAB_SERVER_H
#define IPCLAB_SERVER_H

#include <stdio.h>
#include <sys/types.h>

#include "ipc.h"

#define SERVE_IDLE_TIMEOUT_MS 10000 /* default: drop a silent stream client */

struct serve_opts {
	int stop_fd;          /* becomes readable (or hangs up) => stop serving */
	int idle_timeout_ms;  /* close a stream client silent this long; < 0 never */
	FILE *log;            /* one line per problem; NULL = quiet */
};

/* Serve until stop_fd fires (returns 0), the listener is done (pipe: 0), or
 * a fatal error (-1 and e). */
int serve_iterative(struct ipc_server *s, const struct serve_opts *o, struct ipc_error *e);

/* A server running in a forked child. */
struct server_child {
	pid_t pid;
	int stop_fd; /* our end of the stop pipe: closing it stops the child */
};

/* `s` is listening already (so errors surface in the caller and s->addr is
 * known).  Forks; the child serves and removes what it created; the parent
 * keeps only what a client needs (s->addr).  o->stop_fd is ignored: the
 * child stops when server_stop() closes the pipe it is given instead. */
int server_spawn(struct ipc_server *s, const struct serve_opts *o, struct server_child *child,
		 struct ipc_error *e);
/* Stop the child (if still running) and reap it.  Returns its exit status,
 * or -1 and e if it died of a signal or could not be reaped. */
int server_stop(struct server_child *child, struct ipc_error *e);

#endif
