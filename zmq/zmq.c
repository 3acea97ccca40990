/*
 * zmq.c - the greeting over ZeroMQ (libzmq): zmq_ipc (ipc://, a Unix
 * socket on a path) and zmq_tcp (tcp://, loopback by default).
 *
 * ZeroMQ moves messages, not bytes, between sockets of a pattern.  The
 * pattern chosen is ROUTER (server) / DEALER (clients):
 *   - REQ/REP would allow one request in flight per client and one client
 *     served at a time by a REP socket (it must answer before it reads the
 *     next request): no pipelining, and one slow client stalls the rest;
 *   - a ROUTER hears every client on one socket, tags each incoming message
 *     with the sender's routing id, and sends a reply back to the client
 *     whose id leads it; a DEALER sends and receives freely, so a client
 *     may pipeline.  A ROUTER never blocks on one client: with
 *     ZMQ_ROUTER_MANDATORY a reply to a client whose queue is full fails
 *     with EAGAIN (we wait for that client alone), and one to a client that
 *     has gone fails with EHOSTUNREACH (we drop it, the others go on).
 *
 * Framing: each one-part message carries a piece of the connection's byte
 * stream (ZeroMQ keeps messages whole and in order per client), so the
 * greeting keeps its newline framing and every server loop serves it
 * unchanged.  ZeroMQ shows neither a peer's connect nor its close to the
 * other side, so two control messages say them, each an empty part and a
 * word: [""]["connect"] (a client's first message: the server's accept()
 * sees a client as soon as it connects, silent or not) and [""]["close"]
 * (the end of the stream, either way).  A client that dies without saying
 * it is closed by the server's idle timeout.
 *
 * The server side turns the ROUTER's one stream of tagged messages into one
 * ipclab connection per client: a message from a routing id not seen yet
 * is a new connection for accept(), the others are appended to their
 * connection's inbox (at most ZQ_INBOX_MAX bytes: beyond that the client is
 * cut off).  Any receive or accept reads the ROUTER dry first.
 *
 * Readiness.  ZMQ_FD is not a readable-when-data descriptor: it signals
 * that the socket's state may have changed, edge-style, and only ZMQ_EVENTS
 * says whether a message waits.  The event loops want a level: "readable as
 * long as there is something to read".  So each side's descriptor is an
 * epoll instance (itself pollable) over ZMQ_FD and an eventfd we keep
 * readable exactly while we know something waits (ZMQ_EVENTS after every
 * call, or bytes kept in an inbox).  Bytes move through recv()/send()
 * only: the transport has opaque_fds.
 *
 * Fork: a ZeroMQ context is not inherited across fork() (its I/O threads
 * stay in the parent).  listen() therefore makes a plain listening socket
 * with the unix_stream or tcp transport's own code (path safety, locks,
 * loopback default), and the ROUTER is made in the process that serves, at
 * its first accept(): ZMQ_USE_FD hands it that socket.
 *
 *   server: socket -> bind -> listen (plain) | first accept: zmq_ctx_new ->
 *           zmq_socket(ROUTER) -> ZMQ_USE_FD -> zmq_bind -> zmq_msg_recv
 *           (id, data) ... zmq_send(id, reply) -> empty message -> zmq_close
 *   client: connect (probe) -> zmq_socket(DEALER) -> zmq_connect -> zmq_send
 *           / zmq_msg_recv -> empty message -> zmq_close
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <zmq.h>

#include "io.h"
#include "ipc.h"
#include "unixpath.h"

#define ZQ_INBOX_MAX (4 << 20)   /* bytes a client may be ahead of the server */
#define ZQ_PENDING_MAX 4096      /* clients waiting to be accepted */
#define ZQ_PUMP_BURST 256        /* messages read per pump */
#define ZQ_CLIENT_HWM 64         /* messages a client queues before send waits */
#define ZQ_LINGER_MS 1000        /* a closing client's last message may take this long */
#define ZQ_ID_MAX 255            /* ZeroMQ's limit on routing ids */
#define ZQ_BUCKETS 1024
#define ZQ_TCP_PORT "7415"

extern const struct ipc_transport unix_stream_transport, tcp_transport;

/* ---- readiness: an epoll set that reads as a level --------------------- */

struct level {
	int epfd;   /* what the loops watch */
	int efd;    /* eventfd: readable while we know something waits */
	bool set;
};

static int level_open(struct level *l, struct ipc_error *e)
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

static int level_watch(struct level *l, int fd, int op)
{
	struct epoll_event ev = { .events = EPOLLIN };
	return epoll_ctl(l->epfd, op, fd, op == EPOLL_CTL_DEL ? NULL : &ev);
}

static void level_mark(struct level *l, bool on)
{
	uint64_t v = 1;
	if (on == l->set)
		return;
	if (on ? write(l->efd, &v, sizeof v) == sizeof v : read(l->efd, &v, sizeof v) == sizeof v)
		l->set = on;
}

static void level_close(struct level *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->efd >= 0)
		close(l->efd);
	l->epfd = l->efd = -1;
}

/* Does a message wait on this ZeroMQ socket?  (Also takes in the commands
 * that made ZMQ_FD readable.) */
static bool zsock_readable(void *sock)
{
	int events = 0;
	size_t len = sizeof events;
	return zmq_getsockopt(sock, ZMQ_EVENTS, &events, &len) == 0 && (events & ZMQ_POLLIN);
}

static const char *zerr(void)
{
	return zmq_strerror(zmq_errno());
}

/* ---- addresses ----------------------------------------------------------- */

static bool is_ipc(const struct ipc_transport *t)
{
	return t->addressing == IPC_ADDR_PATH;
}

static void zq_ipc_default_address(const struct ipc_ctx *ctx, char *out, size_t cap)
{
	snprintf(out, cap, "%s/zmq_ipc.sock", ctx->rundir);
}

static void zq_tcp_default_address(const struct ipc_ctx *ctx, char *out, size_t cap)
{
	snprintf(out, cap, "127.0.0.1:%s", ctx && ctx->any_port ? "0" : ZQ_TCP_PORT);
}

/* "ipc:///path" or "tcp://HOST:PORT" for our address text. */
static void endpoint(const struct ipc_transport *t, const char *addr, char *out, size_t cap)
{
	snprintf(out, cap, "%s://%s", is_ipc(t) ? "ipc" : "tcp", addr);
}

/* ---- server: one connection per routing id ------------------------------ */

struct zq_conn {
	struct zq_server *srv;
	unsigned char id[ZQ_ID_MAX];
	size_t id_len;
	char *inbox;
	size_t in_len, in_cap;
	bool eof;             /* the client sent its empty message */
	bool flooded;         /* it sent more than ZQ_INBOX_MAX unread bytes */
	bool accepted;
	unsigned long serial;
	struct level ready;   /* readable: inbox bytes, EOF (or the ROUTER stirred) */
	bool watches_router;  /* the ROUTER's readiness is in `ready` */
	int room_fd;          /* eventfd, writable unless the ROUTER refused us */
	bool blocked;
	struct zq_conn *hnext;              /* hash chain */
	struct zq_conn *qnext;              /* waiting to be accepted */
};

struct zq_server {
	const struct ipc_transport *under;  /* unix_stream or tcp: the plain listener */
	int lsock;                          /* its socket, until ZeroMQ owns it */
	void *zctx, *router;
	struct level router_ready;          /* ZMQ_FD (or lsock before the ROUTER) */
	struct level accept_ready;          /* s->fd: new clients, or the ROUTER stirred */
	struct zq_conn *bucket[ZQ_BUCKETS];
	struct zq_conn *pending_head, *pending_tail;
	int pending;
	int blocked;                        /* connections whose reply the ROUTER refused */
	int accepted;                       /* connections handed out by accept() */
	unsigned long serials;
	char endpoint[IPC_ADDR_MAX + 8];
};

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

static void conn_unhash(struct zq_server *zs, struct zq_conn *zc)
{
	struct zq_conn **p = &zs->bucket[hash_id(zc->id, zc->id_len)];
	while (*p && *p != zc)
		p = &(*p)->hnext;
	if (*p)
		*p = zc->hnext;
}

static void conn_free(struct zq_conn *zc)
{
	level_close(&zc->ready);
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
	if (zc->room_fd < 0 || level_open(&zc->ready, &e) < 0) {
		conn_free(zc);
		return NULL;
	}
	unsigned h = hash_id(id, len);
	zc->hnext = zs->bucket[h];
	zs->bucket[h] = zc;
	*(zs->pending_tail ? &zs->pending_tail->qnext : &zs->pending_head) = zc;
	zs->pending_tail = zc;
	zs->pending++;
	level_mark(&zs->accept_ready, true);
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
	level_mark(&zc->ready, true);
}

/* Is another part of this message waiting? */
static bool zmq_msg_more_after(void *sock)
{
	int more = 0;
	size_t len = sizeof more;
	return zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &len) == 0 && more;
}

enum control { CTL_CONNECT, CTL_CLOSE, CTL_OTHER };

/* After an empty part: the control word, then anything else is dropped.
 * "connect" announces a stream; "close", or any other word (a peer that
 * does not speak our framing), ends it. */
static enum control read_control(void *sock)
{
	zmq_msg_t word;
	enum control what = CTL_OTHER;
	for (int k = 0; zmq_msg_more_after(sock); k++) {
		zmq_msg_init(&word);
		if (zmq_msg_recv(&word, sock, ZMQ_DONTWAIT) < 0) {
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
static int send_control(void *sock, const void *id, size_t id_len, const char *word)
{
	if (id && zmq_send(sock, id, id_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
		return -1;
	if (zmq_send(sock, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
		return -1;
	return zmq_send(sock, word, strlen(word), ZMQ_DONTWAIT) < 0 ? -1 : 0;
}

/* Read the ROUTER (ZQ_PUMP_BURST messages at most), every message to its
 * connection, until `until` has bytes (NULL: until it is dry).  Reading no
 * further than needed leaves the rest in ZeroMQ's queues, whose limits hold
 * a fast sender back.  Clients we could not write to may try again. */
static void pump(struct zq_server *zs, const struct zq_conn *until)
{
	zmq_msg_t id, part;
	int n = 0;

	if (!zs->router)
		return;
	for (; n < ZQ_PUMP_BURST && !(until && (until->in_len || until->eof)); n++) {
		/* Step 5: a message is [routing id][data...] */
		zmq_msg_init(&id);
		if (zmq_msg_recv(&id, zs->router, ZMQ_DONTWAIT) < 0) {
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
			if (zmq_msg_recv(&part, zs->router, ZMQ_DONTWAIT) < 0) {
				zmq_msg_close(&part);
				break;
			}
			bool is_control = k == 0 && zmq_msg_size(&part) == 0;
			enum control ctl = is_control ? read_control(zs->router) : CTL_CONNECT;
			bool closing = is_control && ctl != CTL_CONNECT;
			if (!zc && valid && ctl != CTL_CLOSE && zs->pending < ZQ_PENDING_MAX)
				zc = conn_new(zs, zmq_msg_data(&id), idlen);
			if (zc && closing) {
				zc->eof = true;
				level_mark(&zc->ready, true);
			} else if (zc && !is_control) {
				conn_take(zc, zmq_msg_data(&part), zmq_msg_size(&part));
			}
			zmq_msg_close(&part);
			if (is_control)
				break;
		}
		zmq_msg_close(&id);
	}
	level_mark(&zs->router_ready, zsock_readable(zs->router));
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
	if (level_watch(&zc->ready, zc->srv->router_ready.epfd,
			on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL) == 0)
		zc->watches_router = on;
}

static void solo_watch(struct zq_server *zs)
{
	for (unsigned b = 0; b < ZQ_BUCKETS; b++)
		for (struct zq_conn *c = zs->bucket[b]; c; c = c->hnext)
			if (c->accepted)
				watch_router(c, zs->accepted == 1);
}

/* ---- server life cycle --------------------------------------------------- */

static int zq_listen(struct ipc_server *s, const char *address, struct ipc_error *e)
{
	const struct ipc_transport *t = s->t;
	struct zq_server *zs = calloc(1, sizeof *zs);
	char fallback[IPC_ADDR_MAX];

	if (!zs)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "%s server state", t->name);
	zs->under = is_ipc(t) ? &unix_stream_transport : &tcp_transport;
	if (!address) {
		t->default_address(s->ctx, fallback, sizeof fallback);
		address = fallback;
	}
	/* Steps 1-3: socket, bind, listen, with the plain transport's code:
	 * its path safety and locks (ipc://), its loopback default (tcp://). */
	if (zs->under->listen(s, address, e) < 0) {
		free(zs);
		return -1;
	}
	zs->lsock = s->fd;
	endpoint(t, s->addr.text, zs->endpoint, sizeof zs->endpoint);
	/* Until the ROUTER exists, a connecting client makes the listening
	 * socket readable: that wakes the server, whose accept() makes it. */
	if (level_open(&zs->router_ready, e) < 0)
		goto fail;
	if (level_open(&zs->accept_ready, e) < 0)
		goto fail;
	if (level_watch(&zs->router_ready, zs->lsock, EPOLL_CTL_ADD) < 0 ||
	    level_watch(&zs->accept_ready, zs->router_ready.epfd, EPOLL_CTL_ADD) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "epoll_ctl %s", s->addr.text);
		goto fail;
	}
	s->fd = zs->accept_ready.epfd;
	s->priv = zs;
	ipc_step(s->ctx, t->name, IPC_NO_STEP, "listen", "%s, fd %d (ZeroMQ takes it at the first accept)",
		 zs->endpoint, zs->lsock);
	return 0;
fail:
	level_close(&zs->router_ready);
	level_close(&zs->accept_ready);
	s->fd = zs->lsock;
	zs->under->shutdown(s, true);
	free(zs);
	return -1;
}

/* Step 4, once, in the process that serves: the ROUTER, on our socket. */
static int start(struct ipc_server *s, struct zq_server *zs, struct ipc_error *e)
{
	int one = 1, zero = 0, fd;
	size_t len = sizeof fd;
	int64_t maxmsg = ZQ_INBOX_MAX;

	zs->zctx = zmq_ctx_new();
	if (!zs->zctx)
		return ipc_fail(e, IPC_SYSTEM, errno, "zmq_ctx_new");
	zs->router = zmq_socket(zs->zctx, ZMQ_ROUTER);
	if (!zs->router ||
	    zmq_setsockopt(zs->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one) < 0 ||
	    zmq_setsockopt(zs->router, ZMQ_LINGER, &zero, sizeof zero) < 0 ||
	    zmq_setsockopt(zs->router, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) < 0 ||
	    zmq_setsockopt(zs->router, ZMQ_USE_FD, &zs->lsock, sizeof zs->lsock) < 0)
		return ipc_fail(e, IPC_SYSTEM, 0, "zmq_socket ROUTER: %s", zerr());
	/* The socket stays non-blocking, as ZeroMQ's own listeners are. */
	if (zmq_bind(zs->router, zs->endpoint) < 0)
		return ipc_fail(e, IPC_SYSTEM, 0, "zmq_bind %s: %s", zs->endpoint, zerr());
	ipc_step(s->ctx, s->t->name, IPC_NO_STEP, "zmq_bind", "ROUTER on %s (fd %d)", zs->endpoint,
		 zs->lsock);
	if (zmq_getsockopt(zs->router, ZMQ_FD, &fd, &len) < 0)
		return ipc_fail(e, IPC_SYSTEM, 0, "zmq_getsockopt ZMQ_FD: %s", zerr());
	level_watch(&zs->router_ready, zs->lsock, EPOLL_CTL_DEL);
	zs->lsock = -1; /* ZeroMQ's now: zmq_close() closes it */
	if (level_watch(&zs->router_ready, fd, EPOLL_CTL_ADD) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "epoll_ctl ZMQ_FD");
	return 0;
}

static int zq_accept(struct ipc_server *s, struct ipc_conn *c, struct ipc_error *e)
{
	struct zq_server *zs = s->priv;

	if (!zs->router && start(s, zs, e) < 0)
		return -1;
	pump(zs, NULL);
	struct zq_conn *zc = zs->pending_head;
	if (!zc) {
		level_mark(&zs->accept_ready, false);
		return IPC_WOULD_BLOCK;
	}
	zs->pending_head = zc->qnext;
	if (!zs->pending_head)
		zs->pending_tail = NULL;
	zs->pending--;
	zc->qnext = NULL;
	zc->accepted = true;
	zs->accepted++;
	if (zs->accepted <= 2)
		solo_watch(zs); /* 1: this one watches; 2: the first one stops */
	if (!zs->pending_head)
		level_mark(&zs->accept_ready, false);
	ipc_conn_init(c, s->t, s->ctx);
	c->rfd = zc->ready.epfd;
	c->wfd = zc->room_fd;
	c->priv = zc;
	snprintf(c->peer_text, sizeof c->peer_text, "%s client %lu", s->t->name, zc->serial);
	ipc_step(s->ctx, s->t->name, IPC_NO_STEP, "accept", "routing id of %zu bytes -> %s", zc->id_len,
		 c->peer_text);
	return 0;
}

static void zq_shutdown(struct ipc_server *s, bool remove)
{
	struct zq_server *zs = s->priv;
	if (!zs)
		return;
	for (unsigned b = 0; b < ZQ_BUCKETS; b++)
		while (zs->bucket[b]) {
			struct zq_conn *c = zs->bucket[b];
			zs->bucket[b] = c->hnext;
			if (!c->accepted)
				conn_free(c); /* accepted ones are their ipc_conn's */
			else
				c->srv = NULL;
		}
	if (zs->router) {
		ipc_step(s->ctx, s->t->name, IPC_NO_STEP, "zmq_close", "ROUTER %s", zs->endpoint);
		zmq_close(zs->router);
	}
	if (zs->zctx)
		zmq_ctx_term(zs->zctx);
	level_close(&zs->router_ready);
	level_close(&zs->accept_ready);
	/* The path and the lock, as the plain transport made them. */
	s->fd = zs->lsock;
	zs->under->shutdown(s, remove);
	s->priv = NULL;
	free(zs);
}

/* ---- client: a DEALER, one process-wide context -------------------------- */

/* Every client of a process shares one context (and so one I/O thread):
 * made at the first connect(), ended with the last close().  A child
 * forked meanwhile starts its own: a context does not survive fork(). */
static struct {
	void *zctx;
	int users;
	pid_t pid;
} clients;

struct zq_client {
	void *sock;
	struct level ready;  /* ZMQ_FD, or a message partly read */
	zmq_msg_t held;      /* a message the caller took only part of */
	size_t held_off;
	bool holding;
	bool eof;
};

static void *client_context(struct ipc_error *e)
{
	if (clients.users > 0 && clients.pid != getpid()) {
		clients.zctx = NULL; /* the parent's: not ours to use or end */
		clients.users = 0;
	}
	if (!clients.zctx) {
		clients.zctx = zmq_ctx_new();
		if (!clients.zctx) {
			ipc_fail(e, IPC_SYSTEM, errno, "zmq_ctx_new");
			return NULL;
		}
		clients.pid = getpid();
	}
	clients.users++;
	return clients.zctx;
}

static void client_context_release(void)
{
	if (--clients.users == 0) {
		zmq_ctx_term(clients.zctx);
		clients.zctx = NULL;
	}
}

/* ZeroMQ connects in the background and retries for ever; a user wants
 * "no server" at once.  So try the address with a plain connect first. */
static int probe(const struct ipc_transport *t, const char *addr, const struct ipc_ctx *ctx,
		 struct ipc_error *e)
{
	struct ipc_conn c;
	ipc_conn_init(&c, is_ipc(t) ? &unix_stream_transport : &tcp_transport, ctx);
	struct ipc_addr a = { .pipe_fd = { -1, -1 } };
	struct ipc_error pe;
	snprintf(a.text, sizeof a.text, "%s", addr);
	if (c.t->connect(&c, &a, &pe) < 0) {
		ipc_fail(e, pe.status, pe.sys_errno, "connect %s", addr);
		if (pe.status == IPC_NO_SERVER)
			return ipc_hint(e, "no server listening: start one with `ipclab serve %s`",
					t->name);
		return -1;
	}
	c.t->close(&c);
	return 0;
}

static int zq_connect(struct ipc_conn *c, const struct ipc_addr *a, struct ipc_error *e)
{
	struct zq_client *zc = calloc(1, sizeof *zc);
	char ep[IPC_ADDR_MAX + 8];
	int fd, hwm = ZQ_CLIENT_HWM, linger = ZQ_LINGER_MS;
	size_t len = sizeof fd;

	if (!zc)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "%s client state", c->t->name);
	zc->ready.epfd = zc->ready.efd = -1;
	/* Step 1: is anyone there? */
	if (probe(c->t, a->text, c->ctx, e) < 0) {
		free(zc);
		return -1;
	}
	void *zctx = client_context(e);
	if (!zctx) {
		free(zc);
		return -1;
	}
	/* Step 2: a DEALER: it sends and receives freely (a REQ could not
	 * pipeline), its sends wait when ZQ_CLIENT_HWM messages are queued,
	 * and for no longer than the client's time-out. */
	endpoint(c->t, a->text, ep, sizeof ep);
	zc->sock = zmq_socket(zctx, ZMQ_DEALER);
	int timeout = c->ctx->timeout_ms > 0 ? c->ctx->timeout_ms : -1;
	if (!zc->sock || zmq_setsockopt(zc->sock, ZMQ_SNDHWM, &hwm, sizeof hwm) < 0 ||
	    zmq_setsockopt(zc->sock, ZMQ_LINGER, &linger, sizeof linger) < 0 ||
	    zmq_setsockopt(zc->sock, ZMQ_SNDTIMEO, &timeout, sizeof timeout) < 0) {
		ipc_fail(e, IPC_SYSTEM, 0, "zmq_socket DEALER: %s", zerr());
		goto fail;
	}
	/* Step 3: connect; ZeroMQ does it in its I/O thread. */
	if (zmq_connect(zc->sock, ep) < 0) {
		ipc_fail(e, IPC_SYSTEM, 0, "zmq_connect %s: %s", ep, zerr());
		goto fail;
	}
	ipc_step(c->ctx, c->t->name, IPC_NO_STEP, "zmq_connect", "DEALER to %s", ep);
	/* Step 4: say we are here: the server accepts us on this message. */
	if (send_control(zc->sock, NULL, 0, "connect") < 0) {
		ipc_fail(e, IPC_SYSTEM, 0, "zmq_send %s (connect): %s", ep, zerr());
		goto fail;
	}
	if (level_open(&zc->ready, e) < 0)
		goto fail;
	if (zmq_getsockopt(zc->sock, ZMQ_FD, &fd, &len) < 0 ||
	    level_watch(&zc->ready, fd, EPOLL_CTL_ADD) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "watch ZMQ_FD of %s", ep);
		goto fail;
	}
	c->rfd = c->wfd = zc->ready.epfd;
	c->priv = zc;
	snprintf(c->peer_text, sizeof c->peer_text, "%.*s", (int)sizeof c->peer_text - 1, ep);
	return 0;
fail:
	level_close(&zc->ready);
	if (zc->sock)
		zmq_close(zc->sock);
	client_context_release();
	free(zc);
	return -1;
}

/* ---- moving bytes ------------------------------------------------------------ */

static ssize_t server_recv(struct ipc_conn *c, struct zq_conn *zc, void *buf, size_t cap,
			   struct ipc_error *e)
{
	if (zc->srv && zc->in_len == 0 && !zc->eof)
		pump(zc->srv, zc);
	if (zc->flooded)
		return ipc_fail(e, IPC_PROTOCOL, 0, "%s sent more than %d bytes ahead of the "
				"server", c->peer_text, ZQ_INBOX_MAX);
	if (zc->in_len == 0) {
		level_mark(&zc->ready, zc->eof);
		return zc->eof ? 0 : IPC_WOULD_BLOCK;
	}
	size_t n = zc->in_len < cap ? zc->in_len : cap;
	ipc_step(c->ctx, c->t->name, IPC_NO_STEP, "zmq_msg_recv", "%zu bytes from %s", n, c->peer_text);
	memcpy(buf, zc->inbox, n);
	memmove(zc->inbox, zc->inbox + n, zc->in_len - n);
	zc->in_len -= n;
	level_mark(&zc->ready, zc->in_len > 0 || zc->eof);
	return (ssize_t)n;
}

static ssize_t client_recv(struct ipc_conn *c, struct zq_client *zc, void *buf, size_t cap,
			   struct ipc_error *e)
{
	if (zc->eof)
		return 0;
	if (!zc->holding) {
		zmq_msg_init(&zc->held);
		if (zmq_msg_recv(&zc->held, zc->sock, ZMQ_DONTWAIT) < 0) {
			int err = zmq_errno();
			zmq_msg_close(&zc->held);
			level_mark(&zc->ready, zsock_readable(zc->sock));
			if (err == EAGAIN || err == EINTR)
				return IPC_WOULD_BLOCK;
			return ipc_fail(e, IPC_SYSTEM, 0, "zmq_msg_recv %s: %s", c->peer_text,
					zmq_strerror(err));
		}
		zc->holding = true;
		zc->held_off = 0;
		if (zmq_msg_size(&zc->held) == 0) {
			zmq_msg_close(&zc->held);
			zc->holding = false;
			if (read_control(zc->sock) != CTL_CONNECT) {
				zc->eof = true; /* the server closed us */
				level_mark(&zc->ready, true);
				return 0;
			}
			level_mark(&zc->ready, zsock_readable(zc->sock));
			return IPC_WOULD_BLOCK;
		}
	}
	size_t left = zmq_msg_size(&zc->held) - zc->held_off;
	size_t n = left < cap ? left : cap;
	memcpy(buf, (char *)zmq_msg_data(&zc->held) + zc->held_off, n);
	zc->held_off += n;
	if (zc->held_off == zmq_msg_size(&zc->held)) {
		zmq_msg_close(&zc->held);
		zc->holding = false;
	}
	level_mark(&zc->ready, zc->holding || zsock_readable(zc->sock));
	return (ssize_t)n;
}

/* Step 5: receive.  Whether the caller is the server or a client is told
 * by the connection's state. */
static ssize_t zq_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e)
{
	if (c->rfd >= 0 && c->rfd == c->wfd)
		return client_recv(c, c->priv, buf, cap, e);
	return server_recv(c, c->priv, buf, cap, e);
}

/* Step 6: send.  The server sends [routing id][bytes]; a client [bytes]. */
static ssize_t zq_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e)
{
	if (len == 0)
		return 0; /* an empty message would read as a control message */
	if (c->rfd >= 0 && c->rfd == c->wfd) {
		struct zq_client *zc = c->priv;
		if (zmq_send(zc->sock, buf, len, 0) < 0) {
			int err = zmq_errno();
			if (err == EINTR)
				return IPC_WOULD_BLOCK;
			ipc_fail(e, err == EAGAIN ? IPC_TIMEOUT : IPC_SYSTEM, 0, "zmq_send %s: %s",
				 c->peer_text, zmq_strerror(err));
			return err == EAGAIN ? ipc_hint(e, "the server takes nothing") : -1;
		}
		level_mark(&zc->ready, zc->holding || zsock_readable(zc->sock));
		return (ssize_t)len;
	}
	struct zq_conn *zc = c->priv;
	if (!zc->srv)
		return ipc_fail(e, IPC_PROTOCOL, 0, "%s: the server stopped", c->peer_text);
	void *router = zc->srv->router;
	if (zmq_send(router, zc->id, zc->id_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
		int err = zmq_errno();
		if (err == EAGAIN) {
			/* This client's queue is full: wait until the ROUTER
			 * stirs (pump() makes room_fd writable again). */
			uint64_t full = UINT64_MAX - 1;
			if (!zc->blocked && write(zc->room_fd, &full, sizeof full) == sizeof full) {
				zc->blocked = true;
				zc->srv->blocked++;
			}
			return IPC_WOULD_BLOCK;
		}
		return ipc_fail(e, IPC_PROTOCOL, 0, "zmq_send to %s: %s", c->peer_text,
				err == EHOSTUNREACH ? "the client is gone" : zmq_strerror(err));
	}
	if (zmq_send(router, buf, len, ZMQ_DONTWAIT) < 0)
		return ipc_fail(e, IPC_SYSTEM, 0, "zmq_send to %s: %s", c->peer_text, zerr());
	ipc_step(c->ctx, c->t->name, IPC_NO_STEP, "zmq_send", "%zu bytes to %s", len, c->peer_text);
	return (ssize_t)len;
}

/* Step 7: close, with an empty message that tells the peer. */
static void zq_close(struct ipc_conn *c)
{
	if (!c->priv)
		return;
	if (c->rfd == c->wfd) {
		struct zq_client *zc = c->priv;
		send_control(zc->sock, NULL, 0, "close");
		if (zc->holding)
			zmq_msg_close(&zc->held);
		ipc_step(c->ctx, c->t->name, IPC_NO_STEP, "zmq_close", "DEALER %s", c->peer_text);
		zmq_close(zc->sock);
		level_close(&zc->ready);
		free(zc);
		client_context_release();
	} else {
		struct zq_conn *zc = c->priv;
		struct zq_server *zs = zc->srv;
		if (zs) {
			zs->blocked -= zc->blocked;
			send_control(zs->router, zc->id, zc->id_len, "close");
			conn_unhash(zs, zc);
			if (--zs->accepted == 1)
				solo_watch(zs);
		}
		ipc_step(c->ctx, c->t->name, IPC_NO_STEP, "close", "%s", c->peer_text);
		conn_free(zc);
	}
	c->priv = NULL;
	c->rfd = c->wfd = -1;
}

const struct ipc_transport zmq_ipc_transport = {
	.name = "zmq_ipc",
	.summary = "ZeroMQ over ipc:// (a Unix socket on a path): ROUTER server, DEALER clients",
	.kind = IPC_STREAM,
	.servable = true,
	.addressing = IPC_ADDR_PATH,
	.fds_per_conn = 9, /* counted (test_edges): a context per client holds its I/O
			    * thread's and reaper's epoll and mailboxes, the socket's
			    * mailbox, our readiness epoll and eventfd, the connection */
	.opaque_fds = true,
	.default_address = zq_ipc_default_address,
	.listen = zq_listen,
	.accept = zq_accept,
	.connect = zq_connect,
	.recv = zq_recv,
	.send = zq_send,
	.close = zq_close,
	.shutdown = zq_shutdown,
};

const struct ipc_transport zmq_tcp_transport = {
	.name = "zmq_tcp",
	.summary = "ZeroMQ over tcp:// (loopback by default): ROUTER server, DEALER clients",
	.kind = IPC_STREAM,
	.servable = true,
	.addressing = IPC_ADDR_PORT,
	.fds_per_conn = 9, /* counted (test_edges): a context per client holds its I/O
			    * thread's and reaper's epoll and mailboxes, the socket's
			    * mailbox, our readiness epoll and eventfd, the connection */
	.opaque_fds = true,
	.default_address = zq_tcp_default_address,
	.listen = zq_listen,
	.accept = zq_accept,
	.connect = zq_connect,
	.recv = zq_recv,
	.send = zq_send,
	.close = zq_close,
	.shutdown = zq_shutdown,
};
