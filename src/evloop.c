/*
 * evloop.c - one event loop API, three ways of waiting; see evloop.h.
 * This file is the loop; each way of waiting is a backend file.
 *
 * The loop keeps one table, indexed by descriptor, of what each watched fd
 * wants and whom to call.  A backend only knows how to wait:
 *
 *   select  rebuilds two fd_sets from the table before every call (select()
 *           overwrites them) and scans 0..maxfd afterwards.  Cost per wait:
 *           O(highest fd), and no fd can be >= FD_SETSIZE (1024).
 *   poll    rebuilds an array of struct pollfd from the table before every
 *           call.  Cost per wait: O(watched fds), no limit on fd numbers.
 *   epoll   tells the kernel about each change once (epoll_ctl) and asks
 *           only for the ready fds.  Cost per wait: O(ready fds).
 *           Level-triggered: an fd stays ready until it is drained, exactly
 *           like select and poll, so the handlers are the same for all three.
 *
 * Every backend fills the same `fired` array; the handlers are called from
 * it afterwards, each only for the events its fd still wants: a handler may
 * unwatch (and close) another fd that was ready in the same round.  If that
 * descriptor number is reused at once (accept), the new owner may get one
 * spurious wake-up; handlers treat IPC_WOULD_BLOCK as "nothing yet" anyway.
 *
 * What a backend keeps of its own (poll's array, epoll's instance and event
 * array) lives behind l->apidata, reached only through its struct ev_api,
 * as redis ae keeps aeApiState: the loop itself holds none of it.  Each
 * backend is a file of its own (evloop_select.c, evloop_poll.c,
 * evloop_epoll.c) behind the interface in evloop_api.h.
 */
#include "evloop_api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The backends, indexed by enum ev_backend. */
static const struct ev_api *const backends[] = {
	[EV_SELECT] = &ev_select_api,
	[EV_POLL] = &ev_poll_api,
	[EV_EPOLL] = &ev_epoll_api,
};
#define NBACKENDS (sizeof backends / sizeof backends[0])

const char *evloop_backend_name(enum ev_backend backend)
{
	return (unsigned)backend < NBACKENDS ? backends[backend]->name : "?";
}

int evloop_backend_parse(const char *name, enum ev_backend *backend)
{
	for (size_t i = 0; i < NBACKENDS; i++) {
		if (!strcmp(name, backends[i]->name)) {
			*backend = (enum ev_backend)i;
			return 0;
		}
	}
	return -1;
}

struct evloop *evloop_new(enum ev_backend backend, int max_fds, struct ipc_error *e)
{
	if ((unsigned)backend >= NBACKENDS) {
		ipc_fail(e, IPC_USAGE, 0, "event loop: unknown backend %d", (int)backend);
		return NULL;
	}
	if (max_fds <= 0) {
		ipc_fail(e, IPC_USAGE, 0, "event loop: max_fds must be positive, not %d", max_fds);
		return NULL;
	}
	struct evloop *l = calloc(1, sizeof *l);
	if (!l) {
		ipc_fail(e, IPC_SYSTEM, ENOMEM, "event loop (%s)", evloop_backend_name(backend));
		return NULL;
	}
	l->backend = backend;
	l->api = backends[backend];
	l->max_fds = max_fds;
	l->maxfd = -1;
	if (l->api->create && l->api->create(l, e) < 0) {
		free(l);
		return NULL;
	}
	return l;
}

void evloop_free(struct evloop *l)
{
	if (!l)
		return;
	if (l->api->destroy)
		l->api->destroy(l->apidata);
	free(l->w);
	free(l->fired);
	free(l);
}

/* See evloop_api.h. */
void *evloop_grow(void *p, int *cap, int need, size_t size)
{
	if (need <= *cap)
		return p;
	int n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	char *q = realloc(p, (size_t)n * size);
	if (!q)
		return NULL;
	memset(q + (size_t)*cap * size, 0, (size_t)(n - *cap) * size);
	*cap = n;
	return q;
}

int evloop_watch(struct evloop *l, int fd, int events, ev_handler *handler, void *arg,
		 struct ipc_error *e)
{
	if (fd < 0)
		return ipc_fail(e, IPC_USAGE, EBADF, "event loop: cannot watch fd %d", fd);
	if (fd >= l->max_fds) {
		ipc_fail(e, IPC_SYSTEM, EMFILE, "%s: fd %d is beyond the %d descriptors this "
			 "loop was made for", evloop_backend_name(l->backend), fd, l->max_fds);
		return -1;
	}
	if (l->api->can_watch && l->api->can_watch(l, fd, e) < 0)
		return -1;
	if (!handler || (events & ~(EV_READ | EV_WRITE)))
		return ipc_fail(e, IPC_USAGE, EINVAL, "event loop: bad watch of fd %d", fd);
	struct ev_watch *table = evloop_grow(l->w, &l->w_cap, fd + 1, sizeof *l->w);
	if (!table)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "event loop: watch fd %d", fd);
	l->w = table;

	struct ev_watch *w = &l->w[fd];
	struct ev_watch before = *w;
	if (w->handler && w->mask == events) {
		/* No change the kernel must hear of: spare an epoll_ctl per call. */
		w->handler = handler;
		w->arg = arg;
		return 0;
	}
	if (!w->handler) {
		memset(w, 0, sizeof *w);
		l->count++;
	}
	w->handler = handler;
	w->arg = arg;
	w->mask = events;
	if (l->api->sync && l->api->sync(l, fd, e) < 0) {
		if (!before.handler)
			l->count--;
		*w = before;
		return -1;
	}
	if (fd > l->maxfd)
		l->maxfd = fd;
	return 0;
}

void evloop_unwatch(struct evloop *l, int fd)
{
	if (fd < 0 || fd >= l->w_cap || !l->w[fd].handler)
		return;
	struct ev_watch *w = &l->w[fd];
	w->handler = NULL;
	w->mask = 0;
	if (l->api->sync) {
		struct ipc_error ignored;
		l->api->sync(l, fd, &ignored); /* DEL cannot fail on an open fd */
	}
	memset(w, 0, sizeof *w);
	l->count--;
	while (l->maxfd >= 0 && !l->w[l->maxfd].handler)
		l->maxfd--;
}

int evloop_translate(int mask, bool in, bool out, bool trouble)
{
	int ev = (in ? EV_READ : 0) | (out ? EV_WRITE : 0);
	if (trouble)
		ev |= mask & EV_READ ? EV_READ : mask;
	return ev & mask;
}

/* Room for one entry per watched fd in the arrays the backend fills. */
static int make_room(struct evloop *l)
{
	int need = l->count > 0 ? l->count : 1;
	void *p;

	if (!(p = evloop_grow(l->fired, &l->fired_cap, need, sizeof *l->fired)))
		return -1;
	l->fired = p;
	return l->api->make_room ? l->api->make_room(l->apidata, need) : 0;
}

int evloop_run_once(struct evloop *l, int timeout_ms, struct ipc_error *e)
{
	if (make_room(l) < 0)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "event loop: %d descriptors", l->count);

	int n = l->api->wait(l, timeout_ms, e);
	if (n < 0)
		return -1;

	int called = 0;
	for (int i = 0; i < n; i++) {
		int fd = l->fired[i].fd;
		if (fd >= l->w_cap || !l->w[fd].handler)
			continue; /* unwatched by an earlier handler of this round */
		int ev = l->fired[i].events & l->w[fd].mask;
		if (!ev)
			continue;
		l->w[fd].handler(l, fd, ev, l->w[fd].arg);
		called++;
	}
	return called;
}
