/*
 * evloop_api.h - what the event loop (evloop.c) and its backends share:
 * the loop's table of watched descriptors and the one interface a backend
 * implements (struct ev_api), as redis keeps aeApiState behind ae.c.  Only
 * evloop.c and the evloop_<backend>.c files include it; everyone else uses
 * evloop.h.
 */
#ifndef IPCLAB_EVLOOP_API_H
#define IPCLAB_EVLOOP_API_H

#include <stdbool.h>
#include <stddef.h>

#include "evloop.h"

struct ev_watch {
	ev_handler *handler; /* NULL: not watched */
	void *arg;
	int mask;            /* EV_READ | EV_WRITE, or 0 */
	bool in_kernel;      /* epoll: registered with epoll_ctl */
};

struct ev_fired {
	int fd;
	int events;
};

/* One way of waiting.  Every hook but `wait` may be NULL. */
struct ev_api {
	const char *name;                                     /* "select", ... */
	int (*create)(struct evloop *l, struct ipc_error *e); /* fills l->apidata */
	void (*destroy)(void *apidata);
	/* Can this backend watch `fd` at all?  0, or -1 and e. */
	int (*can_watch)(const struct evloop *l, int fd, struct ipc_error *e);
	/* Tell the kernel w[fd] changed (NULL: nothing kept in the kernel). */
	int (*sync)(struct evloop *l, int fd, struct ipc_error *e);
	int (*make_room)(void *apidata, int need); /* entries for `need` fds */
	/* Wait, fill l->fired, return how many entries (or -1 and e; EINTR: 0). */
	int (*wait)(struct evloop *l, int timeout_ms, struct ipc_error *e);
};

struct evloop {
	enum ev_backend backend;
	const struct ev_api *api;
	void *apidata;           /* the backend's own state, NULL for select */
	int max_fds;
	struct ev_watch *w;      /* w[fd] for fd < w_cap; grown on demand */
	int w_cap;
	int maxfd;               /* highest watched fd, -1 if none */
	int count;               /* watched fds */
	struct ev_fired *fired;  /* room for `count` entries */
	int fired_cap;
};

/* The backends, one file each: evloop_select.c, evloop_poll.c, evloop_epoll.c. */
extern const struct ev_api ev_select_api, ev_poll_api, ev_epoll_api;

/* `p` (an array of *cap elements of `size` bytes) with room for `need`;
 * new elements are zeroed.  NULL when out of memory (p is still valid). */
void *evloop_grow(void *p, int *cap, int need, size_t size);

/* The events to hand a handler whose fd waits for `mask`: what is ready,
 * and a hang-up or error reported as what the fd waits for, so that its
 * handler's next read (or write) meets it instead of ignoring the wake-up. */
int evloop_translate(int mask, bool in, bool out, bool trouble);

#endif
