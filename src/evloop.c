/*
 * evloop.c - one event loop API, three ways of waiting; see evloop.h.
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
 * as redis ae keeps aeApiState: the loop itself holds none of it.
 */
#include "evloop.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <unistd.h>

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

struct evloop;

/* One way of waiting. */
struct ev_api {
	int (*create)(struct evloop *l, struct ipc_error *e); /* fills l->apidata */
	void (*destroy)(void *apidata);
	/* Tell the kernel w[fd] changed (NULL: nothing kept in the kernel). */
	int (*sync)(struct evloop *l, int fd, struct ipc_error *e);
	int (*make_room)(void *apidata, int need); /* entries for `need` fds */
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

struct poll_state {
	struct pollfd *pfd;      /* rebuilt before every poll() */
	int cap;
};

struct epoll_state {
	int epfd;                /* the epoll instance */
	struct epoll_event *ev;  /* what epoll_wait() returns */
	int cap;
};

static const struct ev_api *api_of(enum ev_backend backend);

const char *evloop_backend_name(enum ev_backend backend)
{
	switch (backend) {
	case EV_SELECT:
		return "select";
	case EV_POLL:
		return "poll";
	case EV_EPOLL:
		return "epoll";
	}
	return "?";
}

int evloop_backend_parse(const char *name, enum ev_backend *backend)
{
	static const enum ev_backend all[] = { EV_SELECT, EV_POLL, EV_EPOLL };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		if (!strcmp(name, evloop_backend_name(all[i]))) {
			*backend = all[i];
			return 0;
		}
	}
	return -1;
}

struct evloop *evloop_new(enum ev_backend backend, int max_fds, struct ipc_error *e)
{
	if (backend != EV_SELECT && backend != EV_POLL && backend != EV_EPOLL) {
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
	l->api = api_of(backend);
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

/* `p` (an array of *cap elements of `size` bytes) with room for `need`;
 * new elements are zeroed.  NULL when out of memory (p is still valid). */
static void *grow(void *p, int *cap, int need, size_t size)
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

/* epoll: bring the kernel's interest list in line with w[fd].  An fd that
 * waits for nothing leaves the kernel's list, so that a hang-up on it (which
 * epoll reports whatever was asked) cannot wake the loop over and over. */
static int epoll_sync(struct evloop *l, int fd, struct ipc_error *e)
{
	struct epoll_state *st = l->apidata;
	struct ev_watch *w = &l->w[fd];
	struct epoll_event ev = { .data.fd = fd };
	int op;

	if (w->mask & EV_READ)
		ev.events |= EPOLLIN;
	if (w->mask & EV_WRITE)
		ev.events |= EPOLLOUT;
	if (w->mask == 0 || !w->handler)
		op = w->in_kernel ? EPOLL_CTL_DEL : -1;
	else
		op = w->in_kernel ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (op < 0)
		return 0;
	if (epoll_ctl(st->epfd, op, fd, &ev) < 0) {
		int err = errno;
		/* DEL of an fd already closed by mistake: nothing left to undo. */
		if (op == EPOLL_CTL_DEL && (err == EBADF || err == ENOENT)) {
			w->in_kernel = false;
			return 0;
		}
		ipc_fail(e, IPC_SYSTEM, err, "epoll_ctl %s fd %d",
			 op == EPOLL_CTL_ADD ? "ADD" : op == EPOLL_CTL_MOD ? "MOD" : "DEL", fd);
		if (err == EPERM)
			ipc_hint(e, "epoll cannot watch regular files or directories");
		return -1;
	}
	w->in_kernel = op != EPOLL_CTL_DEL;
	return 0;
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
	/* FD_SET(fd) with fd >= FD_SETSIZE writes past the end of the fd_set:
	 * select() can only ever watch the first 1024 descriptor numbers. */
	if (l->backend == EV_SELECT && fd >= FD_SETSIZE) {
		ipc_fail(e, IPC_SYSTEM, 0, "select cannot watch fd %d: it is >= FD_SETSIZE (%d)",
			 fd, FD_SETSIZE);
		return ipc_hint(e, "poll and epoll have no such limit");
	}
	if (!handler || (events & ~(EV_READ | EV_WRITE)))
		return ipc_fail(e, IPC_USAGE, EINVAL, "event loop: bad watch of fd %d", fd);
	struct ev_watch *table = grow(l->w, &l->w_cap, fd + 1, sizeof *l->w);
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

/* ---- the three ways of waiting: each fills l->fired, returns its length */

static int wait_select(struct evloop *l, int timeout_ms, struct ipc_error *e)
{
	fd_set rd, wr;
	struct timeval tv, *tvp = NULL;
	int n = 0;

	FD_ZERO(&rd);
	FD_ZERO(&wr);
	for (int fd = 0; fd <= l->maxfd; fd++) { /* only watched fds: never -1 */
		if (l->w[fd].mask & EV_READ)
			FD_SET(fd, &rd);
		if (l->w[fd].mask & EV_WRITE)
			FD_SET(fd, &wr);
	}
	if (timeout_ms >= 0) {
		tv.tv_sec = timeout_ms / 1000;
		tv.tv_usec = (timeout_ms % 1000) * 1000;
		tvp = &tv;
	}
	int r = select(l->maxfd + 1, &rd, &wr, NULL, tvp);
	if (r < 0)
		return errno == EINTR ? 0 : ipc_fail(e, IPC_SYSTEM, errno, "select");
	for (int fd = 0; fd <= l->maxfd && n < r; fd++) {
		int ev = (FD_ISSET(fd, &rd) ? EV_READ : 0) | (FD_ISSET(fd, &wr) ? EV_WRITE : 0);
		if (ev)
			l->fired[n++] = (struct ev_fired){ fd, ev };
	}
	return n;
}

/* A hang-up or error is reported as what the fd waits for, so that its
 * handler's next read (or write) meets it instead of ignoring the wake-up. */
static int translate(int mask, bool in, bool out, bool trouble)
{
	int ev = (in ? EV_READ : 0) | (out ? EV_WRITE : 0);
	if (trouble)
		ev |= mask & EV_READ ? EV_READ : mask;
	return ev & mask;
}

static int wait_poll(struct evloop *l, int timeout_ms, struct ipc_error *e)
{
	struct poll_state *st = l->apidata;
	nfds_t k = 0;
	int n = 0;

	for (int fd = 0; fd <= l->maxfd; fd++) {
		int m = l->w[fd].mask;
		if (!m)
			continue; /* waits for nothing: not even hang-ups */
		st->pfd[k++] = (struct pollfd){
			.fd = fd,
			.events = (short)((m & EV_READ ? POLLIN : 0) | (m & EV_WRITE ? POLLOUT : 0)),
		};
	}
	int r = poll(st->pfd, k, timeout_ms < 0 ? -1 : timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : ipc_fail(e, IPC_SYSTEM, errno, "poll");
	for (nfds_t i = 0; i < k && n < r; i++) {
		short re = st->pfd[i].revents;
		if (!re)
			continue;
		int fd = st->pfd[i].fd;
		int ev = translate(l->w[fd].mask, re & POLLIN, re & POLLOUT,
				   re & (POLLERR | POLLHUP | POLLNVAL));
		if (ev)
			l->fired[n++] = (struct ev_fired){ fd, ev };
	}
	return n;
}

static int wait_epoll(struct evloop *l, int timeout_ms, struct ipc_error *e)
{
	struct epoll_state *st = l->apidata;
	int n = 0;
	int r = epoll_wait(st->epfd, st->ev, l->count > 0 ? l->count : 1,
			   timeout_ms < 0 ? -1 : timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : ipc_fail(e, IPC_SYSTEM, errno, "epoll_wait");
	for (int i = 0; i < r; i++) {
		int fd = st->ev[i].data.fd;
		unsigned re = st->ev[i].events;
		int ev = translate(l->w[fd].mask, re & EPOLLIN, re & EPOLLOUT,
				   re & (EPOLLERR | EPOLLHUP));
		if (ev)
			l->fired[n++] = (struct ev_fired){ fd, ev };
	}
	return n;
}

/* Room for one entry per watched fd in the arrays the backend fills. */
static int make_room(struct evloop *l)
{
	int need = l->count > 0 ? l->count : 1;
	void *p;

	if (!(p = grow(l->fired, &l->fired_cap, need, sizeof *l->fired)))
		return -1;
	l->fired = p;
	return l->api->make_room ? l->api->make_room(l->apidata, need) : 0;
}

/* ---- each backend's own state ------------------------------------------ */

static int poll_create(struct evloop *l, struct ipc_error *e)
{
	l->apidata = calloc(1, sizeof(struct poll_state));
	return l->apidata ? 0 : ipc_fail(e, IPC_SYSTEM, ENOMEM, "event loop (poll)");
}

static void poll_destroy(void *apidata)
{
	struct poll_state *st = apidata;
	if (st)
		free(st->pfd);
	free(st);
}

static int poll_make_room(void *apidata, int need)
{
	struct poll_state *st = apidata;
	struct pollfd *p = grow(st->pfd, &st->cap, need, sizeof *st->pfd);
	if (!p)
		return -1;
	st->pfd = p;
	return 0;
}

static int epoll_create_state(struct evloop *l, struct ipc_error *e)
{
	struct epoll_state *st = calloc(1, sizeof *st);
	if (!st)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "event loop (epoll)");
	st->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (st->epfd < 0) {
		free(st);
		return ipc_fail(e, IPC_SYSTEM, errno, "epoll_create1");
	}
	l->apidata = st;
	return 0;
}

static void epoll_destroy(void *apidata)
{
	struct epoll_state *st = apidata;
	if (!st)
		return;
	close(st->epfd);
	free(st->ev);
	free(st);
}

static int epoll_make_room(void *apidata, int need)
{
	struct epoll_state *st = apidata;
	struct epoll_event *p = grow(st->ev, &st->cap, need, sizeof *st->ev);
	if (!p)
		return -1;
	st->ev = p;
	return 0;
}

static const struct ev_api select_api = { .wait = wait_select };
static const struct ev_api poll_api = {
	.create = poll_create, .destroy = poll_destroy, .make_room = poll_make_room,
	.wait = wait_poll,
};
static const struct ev_api epoll_api = {
	.create = epoll_create_state, .destroy = epoll_destroy, .sync = epoll_sync,
	.make_room = epoll_make_room, .wait = wait_epoll,
};

static const struct ev_api *api_of(enum ev_backend backend)
{
	return backend == EV_SELECT ? &select_api : backend == EV_POLL ? &poll_api : &epoll_api;
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
