/*
 * evloop.h - a small event loop with one API and a backend per mechanism
 * (select, poll, epoll): the redis `ae` idea.  The server logic above it is
 * written once; only the way of waiting changes.
 *
 *   struct evloop *l = evloop_new(EV_EPOLL, 1024, &e);
 *   evloop_watch(l, listen_fd, EV_READ, on_accept, server, &e);
 *   while (running) evloop_run_once(l, timeout_ms, &e);
 */
#ifndef IPCLAB_EVLOOP_H
#define IPCLAB_EVLOOP_H

#include "ipc.h"

enum ev_backend { EV_SELECT, EV_POLL, EV_EPOLL };

#define EV_READ 1
#define EV_WRITE 2

struct evloop;

/* Called with the events that are ready (EV_READ, EV_WRITE; a hang-up or
 * error shows as EV_READ so that the next read reports it, or as EV_WRITE
 * when the fd waits only for writing).  Only events the fd still waits for
 * are passed; a handler may unwatch or close other fds. */
typedef void ev_handler(struct evloop *l, int fd, int events, void *arg);

/* max_fds: descriptors numbered below this can be watched (select also
 * refuses any fd >= FD_SETSIZE). */
struct evloop *evloop_new(enum ev_backend backend, int max_fds, struct ipc_error *e);
void evloop_free(struct evloop *l);

/* Watch `fd` for `events` (replaces any earlier interest; 0 = keep the fd
 * registered but wait for nothing).  -1 and e if the backend refuses. */
int evloop_watch(struct evloop *l, int fd, int events, ev_handler *handler, void *arg,
		 struct ipc_error *e);
/* Forget `fd` (call before closing it). */
void evloop_unwatch(struct evloop *l, int fd);

/* Wait up to timeout_ms (< 0: forever) and call the handlers of every ready
 * fd once.  Returns the number of handlers called, or -1 and e.  EINTR
 * returns 0. */
int evloop_run_once(struct evloop *l, int timeout_ms, struct ipc_error *e);

const char *evloop_backend_name(enum ev_backend backend);
/* "select", "poll", "epoll" -> backend; -1 if unknown. */
int evloop_backend_parse(const char *name, enum ev_backend *backend);

#endif
