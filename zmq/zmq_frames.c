/*
 * zmq_frames.c - the ZeroMQ transports' plumbing between libzmq and the
 * driver (zmq.c says why each piece is there):
 *
 *   - readiness as a level: an epoll set over ZMQ_FD and an eventfd that
 *     we keep readable while we know something waits;
 *   - the control messages, an empty part and a word ("connect", "close");
 *   - the server's routing: every message the ROUTER hears goes to the
 *     connection of its routing id, a routing id not seen yet making a new
 *     connection for accept().
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "zmq_internal.h"

/* ---- readiness: an epoll set that reads as a level --------------------- */

int zq_level_open(struct level *l, struct ipc_error *e)
{
	l->set = false;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->efd = l->epfd < 0 ? -1 : eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN };
	if (l->epfd < 0 || l->efd < 0 || epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->efd, &ev) < 0) {
		int err = errno;
		if (l->epfd >= 0)
			close(l->epfd);
		if (l->efd >= 0)
			close(l->efd);
		l->epfd = l->efd = -1;
		return ipc_fail(e, IPC_SYSTEM, err, "epoll and eventfd for ZeroMQ's readiness");
	}
	return 0;
}

int zq_level_watch(struct level *l, int fd, int op)
{
	struct epoll_event ev = { .events = EPOLLIN };
	return epoll_ctl(l->epfd, op, fd, op == EPOLL_CTL_DEL ? NULL : &ev);
}

void zq_level_mark(struct level *l, bool on)
{
	uint64_t v = 1;
	if (on == l->set)
		return;
	if (on ? write(l->efd, &v, sizeof v) == sizeof v : read(l->efd, &v, sizeof v) == sizeof v)
		l->set = on;
}

void zq_level_close(struct level *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->efd >= 0)
		close(l->efd);
	l->epfd = l->efd = -1;
}

/* Does a message wait on this ZeroMQ socket?  (Also takes in the commands
 * that made ZMQ_FD readable.) */
bool zq_readable(void *sock)
{
	int events = 0, r;
	size_t len = sizeof events;
	/* Interrupted, it would say "nothing", and a message that is there
	 * would wait unseen (ZMQ_FD's edge is taken). */
	while ((r = zmq_getsockopt(sock, ZMQ_EVENTS, &events, &len)) < 0 && zmq_errno() == EINTR)
		len = sizeof events;
	return r == 0 && (events & ZMQ_POLLIN);
}

const char *zq_err(void)
{
	return zmq_strerror(zmq_errno());
}

int zq_send_part(void *sock, const void *buf, size_t len, int flags)
{
	int r;
	while ((r = zmq_send(sock, buf, len, flags)) < 0 && zmq_errno() == EINTR)
		;
	return r;
}

int zq_recv_part(zmq_msg_t *msg, void *sock, int flags)
{
	int r;
	while ((r = zmq_msg_recv(msg, sock, flags)) < 0 && zmq_errno() == EINTR)
		;
	return r;
}

/* ---- the server's connections, one per routing id ------------------------ */

static unsigned hash_id(const unsigned char *id, size_t len)
{
	unsigned h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ id[i]) * 16777619u;
	return h % ZQ_BUCKETS;
}

static struct zq_conn *conn_find(struct zq_server *zs, const unsigned char *id, size_t len)
{
	for (struct zq_conn *c = zs->bucket[hash_id(id, len)]; c; c = c->hnext)
		if (c->id_len == len && memcmp(c->id, id, len) == 0)
			return c;
	return NULL;
}

void zq_conn_unhash(struct zq_server *zs, struct zq_conn *zc)
{
	struct zq_conn **p = &zs->bucket[hash_id(zc->id, zc->id_len)];
	while (*p && *p != zc)
		p = &(*p)->hnext;
	if (*p)
		*p = zc->hnext;
}

void zq_conn_free(struct zq_conn *zc)
{
	zq_level_close(&zc->ready);
	if (zc->room_fd >= 0)
		close(zc->room_fd);
	free(zc->inbox);
	free(zc);
}

/* A routing id not seen yet: a new connection, waiting for accept(). */
static struct zq_conn *conn_new(struct zq_server *zs, const unsigned char *id, size_t len)
{
	struct ipc_error e;
	struct zq_conn *zc = calloc(1, sizeof *zc);
	if (!zc)
		return NULL;
	zc->srv = zs;
	memcpy(zc->id, id, len);
	zc->id_len = len;
	zc->serial = ++zs->serials;
	zc->room_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (zc->room_fd < 0 || zq_level_open(&zc->ready, &e) < 0) {
		zq_conn_free(zc);
		return NULL;
	}
	unsigned h = hash_id(id, len);
	zc->hnext = zs->bucket[h];
	zs->bucket[h] = zc;
	*(zs->pending_tail ? &zs->pending_tail->qnext : &zs->pending_head) = zc;
	zs->pending_tail = zc;
	zs->pending++;
	zq_level_mark(&zs->accept_ready, true);
	return zc;
}

static void conn_take(struct zq_conn *zc, const void *data, size_t len)
{
	if (zc->flooded || len == 0)
		return;
	if (zc->in_len + len > ZQ_INBOX_MAX) {
		zc->flooded = true;
	} else {
		if (zc->in_len + len > zc->in_cap) {
			size_t cap = zc->in_cap ? zc->in_cap : 4096;
			while (cap < zc->in_len + len)
				cap *= 2;
			char *bigger = realloc(zc->inbox, cap);
			if (!bigger) {
				zc->flooded = true;
				goto mark;
			}
			zc->inbox = bigger;
			zc->in_cap = cap;
		}
		memcpy(zc->inbox + zc->in_len, data, len);
		zc->in_len += len;
	}
mark:
	zq_level_mark(&zc->ready, true);
}

/* ---- the control messages ------------------------------------------------ */

/* Is another part of this message waiting? */
static bool zmq_msg_more_after(void *sock)
{
	int more = 0;
	size_t len = sizeof more;
	return zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &len) == 0 && more;
}

/* After an empty part: the control word, then anything else is dropped.
 * "connect" announces a stream; "close", or any other word (a peer that
 * does not speak our framing), ends it. */
enum control zq_read_control(void *sock)
{
	zmq_msg_t word;
	enum control what = CTL_OTHER;
	for (int k = 0; zmq_msg_more_after(sock); k++) {
		zmq_msg_init(&word);
		if (zq_recv_part(&word, sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&word);
			break;
		}
		size_t n = zmq_msg_size(&word);
		const char *w = zmq_msg_data(&word);
		if (k == 0 && n == 7 && !memcmp(w, "connect", 7))
			what = CTL_CONNECT;
		else if (k == 0 && n == 5 && !memcmp(w, "close", 5))
			what = CTL_CLOSE;
		zmq_msg_close(&word);
	}
	return what;
}

/* Send a control word: [id][""][word] from the server, [""][word] from a
 * client. */
int zq_send_control(void *sock, const void *id, size_t id_len, const char *word)
{
	if (id && zq_send_part(sock, id, id_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
		return -1;
	if (zq_send_part(sock, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
		return -1;
	return zq_send_part(sock, word, strlen(word), ZMQ_DONTWAIT) < 0 ? -1 : 0;
}

/* ---- the ROUTER's messages to their connections -------------------------- */

/* Read the ROUTER (ZQ_PUMP_BURST messages at most), every message to its
 * connection, until `until` has bytes (NULL: until it is dry).  Reading no
 * further than needed leaves the rest in ZeroMQ's queues, whose limits hold
 * a fast sender back.  Clients we could not write to may try again. */
void zq_pump(struct zq_server *zs, const struct zq_conn *until)
{
	zmq_msg_t id, part;
	int n = 0;

	if (!zs->router)
		return;
	for (; n < ZQ_PUMP_BURST && !(until && (until->in_len || until->eof)); n++) {
		/* A message is [routing id][data...] */
		zmq_msg_init(&id);
		if (zq_recv_part(&id, zs->router, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&id);
			break;
		}
		/* A routing id not seen yet is a new connection, unless its
		 * message is a close: a client that says goodbye after we
		 * closed it is no new client.  (A stranger's other words make
		 * one, closed at once: it is told so.) */
		size_t idlen = zmq_msg_size(&id);
		bool valid = idlen > 0 && idlen <= ZQ_ID_MAX;
		struct zq_conn *zc = valid ? conn_find(zs, zmq_msg_data(&id), idlen) : NULL;
		/* The parts after the id: bytes (several parts: the same bytes
		 * as their concatenation), or an empty part and a control word. */
		for (int k = 0; zmq_msg_more_after(zs->router); k++) {
			zmq_msg_init(&part);
			if (zq_recv_part(&part, zs->router, ZMQ_DONTWAIT) < 0) {
				zmq_msg_close(&part);
				break;
			}
			bool is_control = k == 0 && zmq_msg_size(&part) == 0;
			enum control ctl = is_control ? zq_read_control(zs->router) : CTL_CONNECT;
			bool closing = is_control && ctl != CTL_CONNECT;
			if (!zc && valid && ctl != CTL_CLOSE && zs->pending < ZQ_PENDING_MAX)
				zc = conn_new(zs, zmq_msg_data(&id), idlen);
			if (zc && closing) {
				zc->eof = true;
				zq_level_mark(&zc->ready, true);
			} else if (zc && !is_control) {
				conn_take(zc, zmq_msg_data(&part), zmq_msg_size(&part));
			}
			zmq_msg_close(&part);
			if (is_control)
				break;
		}
		zmq_msg_close(&id);
	}
	zq_level_mark(&zs->router_ready, zq_readable(zs->router));
	/* Replies refused for a full queue: the ROUTER may take them now (a
	 * message came, or the ROUTER stirred: a peer took some, or left). */
	for (unsigned b = 0; (n > 0 || !until) && zs->blocked > 0 && b < ZQ_BUCKETS; b++)
		for (struct zq_conn *c = zs->bucket[b]; c; c = c->hnext)
			if (c->blocked) {
				uint64_t v;
				if (read(c->room_fd, &v, sizeof v) == sizeof v) {
					c->blocked = false;
					zs->blocked--;
				}
			}
}

/*
 * Who reads the ROUTER?  Any accept() or receive pumps it, but someone must
 * be woken when it stirs.  A multiplexed server always watches the listener
 * (s->fd), which includes the ROUTER's readiness, so its clients need not:
 * a client's descriptor then turns readable only for its own bytes, not for
 * everyone's.  An iterative server waits on its one client alone: so while
 * exactly one connection is out, that connection watches the ROUTER too.
 */
static void watch_router(struct zq_conn *zc, bool on)
{
	if (zc->watches_router == on)
		return;
	if (zq_level_watch(&zc->ready, zc->srv->router_ready.epfd,
			on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL) == 0)
		zc->watches_router = on;
}

void zq_solo_watch(struct zq_server *zs)
{
	for (unsigned b = 0; b < ZQ_BUCKETS; b++)
		for (struct zq_conn *c = zs->bucket[b]; c; c = c->hnext)
			if (c->accepted)
				watch_router(c, zs->accepted == 1);
}
