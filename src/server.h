/*
 * server.h - the greeting server loops, and running a server in a child.
 *
 * The iterative server of the lecture: it serves one client at a time, from
 * accept() to the client's end of stream, then takes the next.  Datagram
 * transports have no connections: one loop answers every sender.
 *
 * The multiplexed server (server_mux.c) serves every connected client at
 * once from one process: it waits on all their descriptors with select(),
 * poll() or epoll (evloop.h) and serves whichever is ready.  It applies to
 * transports with a descriptor per client (unix_stream, tcp, and ipclab's
 * fifo, which gives every client its own FIFO pair).  A datagram server
 * already receives every client on its one socket, and a pipe has only one
 * client: neither has anything to multiplex.
 */
#ifndef IPCLAB_SERVER_H
#define IPCLAB_SERVER_H

#include <stdio.h>
#include <sys/types.h>

#include "ipc.h"

#define SERVE_IDLE_TIMEOUT_MS 10000 /* default: drop a silent stream client */
#define SERVE_MAX_CLIENTS 4096      /* default --max-clients of the multiplexed modes */

/* How a server waits for its clients.  The order matches ev_backend + 1. */
enum serve_mode { SERVE_ITERATIVE, SERVE_SELECT, SERVE_POLL, SERVE_EPOLL,
	/* One io_uring instead of readiness (server_uring.h); sqpoll: with a
	 * kernel thread polling the submission queue. */
	SERVE_URING, SERVE_URING_SQPOLL };

struct serve_opts {
	int stop_fd;          /* becomes readable (or hangs up) => stop serving */
	int idle_timeout_ms;  /* close a stream client silent this long; < 0 never */
	FILE *log;            /* one line per problem; NULL = quiet */
	enum serve_mode mode; /* default (0): iterative */
	int max_clients;      /* multiplexed modes: clients served at once; 0 = default */
};

const char *serve_mode_name(enum serve_mode mode);
/* "iterative", "select", "poll", "epoll" -> mode; -1 if unknown. */
int serve_mode_parse(const char *name, enum serve_mode *mode);
/* Can transport t be served in this mode?  0, or -1 and e (IPC_USAGE) saying
 * why not: multiplexing needs a descriptor per client. */
int serve_mode_check(const struct ipc_transport *t, enum serve_mode mode, struct ipc_error *e);

/* Serve in o->mode (src/serve.c, which holds the modes and the server in
 * a child): serve_iterative() or serve_mux(), after serve_mode_check(). */
int serve(struct ipc_server *s, const struct serve_opts *o, struct ipc_error *e);

/* Serve until stop_fd fires (returns 0), the listener is done (pipe: 0), or
 * a fatal error (-1 and e). */
int serve_iterative(struct ipc_server *s, const struct serve_opts *o, struct ipc_error *e);

/* The multiplexed server (o->mode select, poll or epoll), same contract;
 * serve() checks first that the transport can be multiplexed.
 * Every client has its own line buffer and a bounded queue of replies; a
 * client whose replies pile up is not read until it takes them.  A client
 * is closed when it has been idle for o->idle_timeout_ms: idle means no
 * complete request received and no reply byte taken (from our queue or
 * from the kernel's), so a client that trickles bytes but never finishes a
 * line goes too, and one that is still taking its replies, however slowly,
 * stays. */
int serve_mux(struct ipc_server *s, const struct serve_opts *o, struct ipc_error *e);

/* A server running in a forked child. */
struct server_child {
	pid_t pid;
	int stop_fd; /* our end of the stop pipe: closing it stops the child */
};

/* `s` is listening already (so errors surface in the caller and s->addr is
 * known).  Forks; the child serves (serve(): in o->mode) and removes what it
 * created; the parent keeps only what a client needs (s->addr).  o->stop_fd
 * is ignored: the child stops when server_stop() closes the pipe it is
 * given instead. */
int server_spawn(struct ipc_server *s, const struct serve_opts *o, struct server_child *child,
		 struct ipc_error *e);
/* Stop the child (if still running) and reap it.  Returns its exit status,
 * or -1 and e if it died of a signal or could not be reaped. */
int server_stop(struct server_child *child, struct ipc_error *e);

#endif
