/*
 * zmq_client.c - a ZeroMQ client's life cycle: a plain connect to see that
 * a server is there, a DEALER connected to it, the "connect" message that
 * makes the server accept it, bytes in and out, and the "close" message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "zmq_internal.h"

struct zq_client {
	void *sock;
	struct level ready;  /* ZMQ_FD, or a message partly read */
	zmq_msg_t held;      /* a message the caller took only part of */
	size_t held_off;
	bool holding;
	bool eof;
};

/* Every client of a process shares one context (and so one I/O thread):
 * made at the first connect(), ended with the last close().  A child
 * forked meanwhile starts its own: a context does not survive fork(). */
static struct {
	void *zctx;
	int users;
	pid_t pid;
} clients;

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
		/* interrupted, it can be restarted (and must: its threads run on) */
		while (zmq_ctx_term(clients.zctx) < 0 && zmq_errno() == EINTR)
			;
		clients.zctx = NULL;
	}
}

/* ZeroMQ connects in the background and retries for ever; a user wants
 * "no server" at once.  So try the address with a plain connect first. */
static int probe(const struct ipc_transport *t, const char *addr, const struct ipc_ctx *ctx,
		 struct ipc_error *e)
{
	struct ipc_conn c;
	struct ipc_ctx relay_ctx;
	struct zq_relay relay;
	ipc_conn_init(&c, zq_is_ipc(t) ? &unix_stream_transport : &tcp_transport,
		      zq_relay_ctx(&relay_ctx, &relay, ctx, t));
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

int zq_connect(struct ipc_conn *c, const struct ipc_addr *a, struct ipc_error *e)
{
	struct zq_client *zc = calloc(1, sizeof *zc);
	char ep[IPC_ADDR_MAX + 8];
	int fd, hwm = ZQ_CLIENT_HWM, linger = ZQ_LINGER_MS;
	size_t len = sizeof fd;

	if (!zc)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "%s client state", c->t->name);
	zc->ready.epfd = zc->ready.efd = -1;
	/* Is anyone there? */
	if (probe(c->t, a->text, c->ctx, e) < 0) {
		free(zc);
		return -1;
	}
	void *zctx = client_context(e);
	if (!zctx) {
		free(zc);
		return -1;
	}
	/* A DEALER: it sends and receives freely (a REQ could not
	 * pipeline), its sends wait when ZQ_CLIENT_HWM messages are queued,
	 * and for no longer than the client's time-out. */
	zq_endpoint(c->t, a->text, ep, sizeof ep);
	zc->sock = zmq_socket(zctx, ZMQ_DEALER);
	int timeout = c->ctx->timeout_ms > 0 ? c->ctx->timeout_ms : -1;
	if (!zc->sock || zmq_setsockopt(zc->sock, ZMQ_SNDHWM, &hwm, sizeof hwm) < 0 ||
	    zmq_setsockopt(zc->sock, ZMQ_LINGER, &linger, sizeof linger) < 0 ||
	    zmq_setsockopt(zc->sock, ZMQ_SNDTIMEO, &timeout, sizeof timeout) < 0) {
		ipc_fail(e, IPC_SYSTEM, 0, "zmq_socket DEALER: %s", zq_err());
		goto fail;
	}
	/* Connect; ZeroMQ does it in its I/O thread. */
	int r;
	while ((r = zmq_connect(zc->sock, ep)) < 0 && zmq_errno() == EINTR)
		; /* interrupted before it began (taking in ZeroMQ's commands) */
	if (r < 0) {
		ipc_fail(e, IPC_SYSTEM, 0, "zmq_connect %s: %s", ep, zq_err());
		goto fail;
	}
	ipc_step(c->ctx, c->t->name, IPC_NO_STEP, "zmq_connect", "DEALER to %s", ep);
	/* Say we are here: the server accepts us on this message. */
	if (zq_send_control(zc->sock, NULL, 0, "connect") < 0) {
		ipc_fail(e, IPC_SYSTEM, 0, "zmq_send %s (connect): %s", ep, zq_err());
		goto fail;
	}
	if (zq_level_open(&zc->ready, e) < 0)
		goto fail;
	if (zmq_getsockopt(zc->sock, ZMQ_FD, &fd, &len) < 0 ||
	    zq_level_watch(&zc->ready, fd, EPOLL_CTL_ADD) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "watch ZMQ_FD of %s", ep);
		goto fail;
	}
	c->rfd = c->wfd = zc->ready.epfd;
	c->priv = zc;
	snprintf(c->peer_text, sizeof c->peer_text, "%.*s", (int)sizeof c->peer_text - 1, ep);
	return 0;
fail:
	zq_level_close(&zc->ready);
	if (zc->sock)
		zmq_close(zc->sock);
	client_context_release();
	free(zc);
	return -1;
}

ssize_t zq_client_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e)
{
	struct zq_client *zc = c->priv;
	if (zc->eof)
		return 0;
	if (!zc->holding) {
		zmq_msg_init(&zc->held);
		if (zmq_msg_recv(&zc->held, zc->sock, ZMQ_DONTWAIT) < 0) {
			int err = zmq_errno();
			zmq_msg_close(&zc->held);
			zq_level_mark(&zc->ready, zq_readable(zc->sock));
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
			if (zq_read_control(zc->sock) != CTL_CONNECT) {
				zc->eof = true; /* the server closed us */
				zq_level_mark(&zc->ready, true);
				return 0;
			}
			zq_level_mark(&zc->ready, zq_readable(zc->sock));
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
	zq_level_mark(&zc->ready, zc->holding || zq_readable(zc->sock));
	return (ssize_t)n;
}

/* [bytes], as one message; its send waits at ZQ_CLIENT_HWM queued ones. */
ssize_t zq_client_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e)
{
	struct zq_client *zc = c->priv;
	/* Retried on EINTR here: the caller would wait for POLLOUT on an
	 * epoll descriptor, which never comes (it is only ever readable). */
	if (zq_send_part(zc->sock, buf, len, 0) < 0) {
		int err = zmq_errno();
		ipc_fail(e, err == EAGAIN ? IPC_TIMEOUT : IPC_SYSTEM, 0, "zmq_send %s: %s",
			 c->peer_text, zmq_strerror(err));
		return err == EAGAIN ? ipc_hint(e, "the server takes nothing") : -1;
	}
	zq_level_mark(&zc->ready, zc->holding || zq_readable(zc->sock));
	return (ssize_t)len;
}

/* [""]["close"] tells the server; the last client of the process ends the
 * context. */
void zq_client_close(struct ipc_conn *c)
{
	struct zq_client *zc = c->priv;
	zq_send_control(zc->sock, NULL, 0, "close");
	if (zc->holding)
		zmq_msg_close(&zc->held);
	ipc_step(c->ctx, c->t->name, IPC_NO_STEP, "zmq_close", "DEALER %s", c->peer_text);
	zmq_close(zc->sock);
	zq_level_close(&zc->ready);
	free(zc);
	client_context_release();
}
