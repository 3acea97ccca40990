/* evloop_poll.c - the poll() backend of the event loop (evloop.h).
 *
 * Rebuilds an array of struct pollfd from the loop's table before every
 * call.  Cost per wait: O(watched fds), no limit on fd numbers.  Its state,
 * the array, lives behind l->apidata.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "evloop_api.h"

struct poll_state {
	struct pollfd *pfd;      /* rebuilt before every poll() */
	int cap;
};

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
	struct pollfd *p = evloop_grow(st->pfd, &st->cap, need, sizeof *st->pfd);
	if (!p)
		return -1;
	st->pfd = p;
	return 0;
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
		int ev = evloop_translate(l->w[fd].mask, re & POLLIN, re & POLLOUT,
				   re & (POLLERR | POLLHUP | POLLNVAL));
		if (ev)
			l->fired[n++] = (struct ev_fired){ fd, ev };
	}
	return n;
}

const struct ev_api ev_poll_api = {
	.name = "poll", .create = poll_create, .destroy = poll_destroy,
	.make_room = poll_make_room, .wait = wait_poll,
};
