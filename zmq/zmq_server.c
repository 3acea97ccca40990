/*
 * zmq_server.c - the ZeroMQ server's life cycle, in its order: the plain
 * listening socket, the ROUTER on it, one connection per client, bytes in
 * and out, the close of a connection and of the server.  Each call is
 * narrated as the step of the transport's table that names it (zmq_ipc.c,
 * zmq_tcp.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "zmq_internal.h"

/* socket, bind, listen: with the plain transport's code, its path safety
 * and locks (ipc://), its loopback default (tcp://).  The ROUTER comes at
 * the first accept(), in the process that serves: a ZeroMQ context does
 * not survive the fork() of `ipclab demo` or of a forking server. */
int zq_listen(struct ipc_server *s, const char *address, struct ipc_error *e)
{
	const struct ipc_transport *t = s->t;
	const struct ipc_ctx *ctx = s->ctx;
	struct zq_server *zs = calloc(1, sizeof *zs);
	char fallback[IPC_ADDR_MAX];
	struct ipc_ctx relay_ctx;
	struct zq_relay relay;

	if (!zs)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "%s server state", t->name);
	zs->under = zq_is_ipc(t) ? &unix_stream_transport : &tcp_transport;
	if (!address) {
		t->default_address(s->ctx, fallback, sizeof fallback);
		address = fallback;
	}
	s->ctx = zq_relay_ctx(&relay_ctx, &relay, ctx, t);
	int rc = zs->under->listen(s, address, e);
	s->ctx = ctx;
	if (rc < 0) {
		free(zs);
		return -1;
	}
	zs->lsock = s->fd;
	zq_endpoint(t, s->addr.text, zs->endpoint, sizeof zs->endpoint);
	/* Until the ROUTER exists, a connecting client makes the listening
	 * socket readable: that wakes the server, whose accept() makes it. */
	if (zq_level_open(&zs->router_ready, e) < 0)
		goto fail;
	if (zq_level_open(&zs->accept_ready, e) < 0)
		goto fail;
	if (zq_level_watch(&zs->router_ready, zs->lsock, EPOLL_CTL_ADD) < 0 ||
	    zq_level_watch(&zs->accept_ready, zs->router_ready.epfd, EPOLL_CTL_ADD) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "epoll_ctl %s", s->addr.text);
		goto fail;
	}
	s->fd = zs->accept_ready.epfd;
	s->priv = zs;
	return 0;
fail:
	zq_level_close(&zs->router_ready);
	zq_level_close(&zs->accept_ready);
	s->fd = zs->lsock;
	s->ctx = zq_relay_ctx(&relay_ctx, &relay, ctx, t);
	zs->under->shutdown(s, true);
	s->ctx = ctx;
	free(zs);
	return -1;
}

/* Once, in the process that serves: the ROUTER, on our socket. */
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
		return ipc_fail(e, IPC_SYSTEM, 0, "zmq_socket ROUTER: %s", zq_err());
	/* The socket stays non-blocking, as ZeroMQ's own listeners are. */
	int r;
	while ((r = zmq_bind(zs->router, zs->endpoint)) < 0 && zmq_errno() == EINTR)
		; /* interrupted before it began (taking in ZeroMQ's commands) */
	if (r < 0)
		return ipc_fail(e, IPC_SYSTEM, 0, "zmq_bind %s: %s", zs->endpoint, zq_err());
	zq_step(s->ctx, s->t, "zmq_bind", "ROUTER on %s (fd %d): ZeroMQ's I/O thread accepts "
		"from now on", zs->endpoint, zs->lsock);
	if (zmq_getsockopt(zs->router, ZMQ_FD, &fd, &len) < 0)
		return ipc_fail(e, IPC_SYSTEM, 0, "zmq_getsockopt ZMQ_FD: %s", zq_err());
	zq_level_watch(&zs->router_ready, zs->lsock, EPOLL_CTL_DEL);
	zs->lsock = -1; /* ZeroMQ's now: zmq_close() closes it */
	if (zq_level_watch(&zs->router_ready, fd, EPOLL_CTL_ADD) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "epoll_ctl ZMQ_FD");
	return 0;
}

/* A client is a routing id whose first message the ROUTER heard. */
int zq_accept(struct ipc_server *s, struct ipc_conn *c, struct ipc_error *e)
{
	struct zq_server *zs = s->priv;

	if (!zs->router && start(s, zs, e) < 0)
		return -1;
	zq_pump(zs, NULL);
	struct zq_conn *zc = zs->pending_head;
	if (!zc) {
		zq_level_mark(&zs->accept_ready, false);
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
		zq_solo_watch(zs); /* 1: this one watches; 2: the first one stops */
	if (!zs->pending_head)
		zq_level_mark(&zs->accept_ready, false);
	ipc_conn_init(c, s->t, s->ctx);
	c->rfd = zc->ready.epfd;
	c->wfd = zc->room_fd;
	c->priv = zc;
	snprintf(c->peer_text, sizeof c->peer_text, "%s client %lu", s->t->name, zc->serial);
	zq_step(s->ctx, s->t, "accept", "routing id of %zu bytes -> %s", zc->id_len, c->peer_text);
	return 0;
}

/* The bytes of the client's messages, from its inbox. */
ssize_t zq_server_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e)
{
	struct zq_conn *zc = c->priv;
	if (zc->srv && zc->in_len == 0 && !zc->eof)
		zq_pump(zc->srv, zc);
	if (zc->flooded)
		return ipc_fail(e, IPC_PROTOCOL, 0, "%s sent more than %d bytes ahead of the "
				"server", c->peer_text, ZQ_INBOX_MAX);
	if (zc->in_len == 0) {
		zq_level_mark(&zc->ready, zc->eof);
		return zc->eof ? 0 : IPC_WOULD_BLOCK;
	}
	size_t n = zc->in_len < cap ? zc->in_len : cap;
	zq_step(c->ctx, c->t, "zmq_msg_recv", "%zu bytes from %s", n, c->peer_text);
	memcpy(buf, zc->inbox, n);
	memmove(zc->inbox, zc->inbox + n, zc->in_len - n);
	zc->in_len -= n;
	zq_level_mark(&zc->ready, zc->in_len > 0 || zc->eof);
	return (ssize_t)n;
}

/* [routing id][bytes]: the ROUTER sends the bytes to that client. */
ssize_t zq_server_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e)
{
	struct zq_conn *zc = c->priv;
	if (!zc->srv)
		return ipc_fail(e, IPC_PROTOCOL, 0, "%s: the server stopped", c->peer_text);
	void *router = zc->srv->router;
	if (zq_send_part(router, zc->id, zc->id_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
		int err = zmq_errno();
		zq_level_mark(&zc->srv->router_ready, zq_readable(router)); /* see below */
		if (err == EAGAIN) {
			/* This client's queue is full: wait until the ROUTER
			 * stirs (zq_pump() makes room_fd writable again). */
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
	int sent = zq_send_part(router, buf, len, ZMQ_DONTWAIT);
	int err = sent < 0 ? zmq_errno() : 0; /* before zq_readable() changes it */
	/* A zmq_send() handles the ROUTER's pending commands, and with them
	 * may take the edge ZMQ_FD would have given for messages that came
	 * meanwhile: look at ZMQ_EVENTS now, or those messages wait, unseen,
	 * until the client's idle time-out. */
	zq_level_mark(&zc->srv->router_ready, zq_readable(router));
	if (sent < 0)
		return ipc_fail(e, IPC_SYSTEM, 0, "zmq_send to %s: %s", c->peer_text,
				zmq_strerror(err));
	zq_step(c->ctx, c->t, "zmq_send", "%zu bytes to %s", len, c->peer_text);
	return (ssize_t)len;
}

/* [routing id][""]["close"] tells the client; its descriptors go. */
void zq_server_close(struct ipc_conn *c)
{
	struct zq_conn *zc = c->priv;
	struct zq_server *zs = zc->srv;
	if (zs) {
		zs->blocked -= zc->blocked;
		zq_send_control(zs->router, zc->id, zc->id_len, "close");
		zq_conn_unhash(zs, zc);
		if (--zs->accepted == 1)
			zq_solo_watch(zs);
	}
	zq_step(c->ctx, c->t, "close", "%s: [\"\"][\"close\"] sent, its descriptors closed",
		c->peer_text);
	zq_conn_free(zc);
}

/* The ROUTER and its context, then the path and the lock as the plain
 * transport made them. */
void zq_shutdown(struct ipc_server *s, bool remove)
{
	struct zq_server *zs = s->priv;
	const struct ipc_ctx *ctx = s->ctx;
	struct ipc_ctx relay_ctx;
	struct zq_relay relay;
	if (!zs)
		return;
	for (unsigned b = 0; b < ZQ_BUCKETS; b++)
		while (zs->bucket[b]) {
			struct zq_conn *c = zs->bucket[b];
			zs->bucket[b] = c->hnext;
			if (!c->accepted)
				zq_conn_free(c); /* accepted ones are their ipc_conn's */
			else
				c->srv = NULL;
		}
	if (zs->router) {
		zq_step(ctx, s->t, "zmq_close", "ROUTER %s, and its context: ZeroMQ's threads end",
			zs->endpoint);
		zmq_close(zs->router);
	}
	if (zs->zctx) /* interrupted, it can be restarted (and must) */
		while (zmq_ctx_term(zs->zctx) < 0 && zmq_errno() == EINTR)
			;
	zq_level_close(&zs->router_ready);
	zq_level_close(&zs->accept_ready);
	s->fd = zs->lsock;
	s->ctx = zq_relay_ctx(&relay_ctx, &relay, ctx, s->t);
	zs->under->shutdown(s, remove);
	s->ctx = ctx;
	s->priv = NULL;
	free(zs);
}
