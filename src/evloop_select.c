/* evloop_select.c - the select() backend of the event loop (evloop.h).
 *
 * Rebuilds two fd_sets from the loop's table before every call (select()
 * overwrites them) and scans 0..maxfd afterwards.  Cost per wait: O(highest
 * fd), and no fd can be >= FD_SETSIZE (1024).  It keeps no state of its own.
 */
#include <errno.h>
#include <sys/select.h>

#include "evloop_api.h"

/* FD_SET(fd) with fd >= FD_SETSIZE writes past the end of the fd_set:
 * select() can only ever watch the first 1024 descriptor numbers. */
static int select_can_watch(const struct evloop *l, int fd, struct ipc_error *e)
{
	(void)l;
	if (fd < FD_SETSIZE)
		return 0;
	ipc_fail(e, IPC_SYSTEM, 0, "select cannot watch fd %d: it is >= FD_SETSIZE (%d)", fd,
		 FD_SETSIZE);
	return ipc_hint(e, "poll and epoll have no such limit");
}

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

const struct ev_api ev_select_api = {
	.name = "select", .can_watch = select_can_watch, .wait = wait_select,
};
