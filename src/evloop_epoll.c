/* evloop_epoll.c - the epoll backend of the event loop (evloop.h).
 *
 * Tells the kernel about each change once (epoll_ctl) and asks only for the
 * ready fds.  Cost per wait: O(ready fds).  Level-triggered: an fd stays
 * ready until it is drained, exactly like select and poll, so the handlers
 * are the same for all three.  Its state, the epoll instance and the event
 * array, lives behind l->apidata.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "evloop_api.h"

struct epoll_state {
	int epfd;                /* the epoll instance */
	struct epoll_event *ev;  /* what epoll_wait() returns */
	int cap;
};

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
	struct epoll_event *p = evloop_grow(st->ev, &st->cap, need, sizeof *st->ev);
	if (!p)
		return -1;
	st->ev = p;
	return 0;
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
		int ev = evloop_translate(l->w[fd].mask, re & EPOLLIN, re & EPOLLOUT,
				   re & (EPOLLERR | EPOLLHUP));
		if (ev)
			l->fired[n++] = (struct ev_fired){ fd, ev };
	}
	return n;
}

const struct ev_api ev_epoll_api = {
	.name = "epoll", .create = epoll_create_state, .destroy = epoll_destroy,
	.sync = epoll_sync, .make_room = epoll_make_room, .wait = wait_epoll,
};
