/*
 * zmq.c - the greeting over ZeroMQ (libzmq): zmq_ipc (ipc://, a Unix
 * socket on a path) and zmq_tcp (tcp://, loopback by default); this file
 * holds the design and the calls the driver makes (zmq_internal.h lists
 * the other files).
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
 *           (id, data) ... zmq_send(id, reply) -> [""]["close"] -> zmq_close
 *   client: connect (probe) -> zmq_socket(DEALER) -> zmq_connect -> zmq_send
 *           / zmq_msg_recv -> [""]["close"] -> zmq_close
 *
 * The steps of the server's life cycle are numbered in zmq_ipc.c and
 * zmq_tcp.c (steps.h).  The plain socket's steps are made by unix_stream's
 * or tcp's own code, whose narration a relay renames and renumbers; the
 * others are narrated by the name of their call (zq_step), so that one
 * file serves both tables.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "steps.h"
#include "zmq_internal.h"

bool zq_is_ipc(const struct ipc_transport *t)
{
	return t->addressing == IPC_ADDR_PATH;
}

void zq_endpoint(const struct ipc_transport *t, const char *addr, char *out, size_t cap)
{
	snprintf(out, cap, "%s://%s", zq_is_ipc(t) ? "ipc" : "tcp", addr);
}

/* ---- narration ---------------------------------------------------------- */

void zq_step(const struct ipc_ctx *ctx, const struct ipc_transport *t, const char *call,
	     const char *fmt, ...)
{
	char detail[IPC_ERR_MAX];
	va_list ap;
	if (!ctx || !ctx->trace)
		return;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	ipc_step(ctx, t->name, ipc_step_number(t, call), call, "%s", detail);
}

/* A numbered step of the plain transport is the step of ours that makes
 * the same calls (its unlink of the socket file is our unlink, not the
 * stale socket's removal, whose calls include an unlink too); its other
 * lines keep no number. */
static void relay_step(void *arg, const char *transport, int step, const char *call,
		       const char *detail)
{
	const struct zq_relay *r = arg;
	/* The number is the plain transport's, whichever name its code gave
	 * (a shared helper names the transport it serves: ours). */
	const struct ipc_transport *from = zq_is_ipc(r->t) ? &unix_stream_transport : &tcp_transport;
	const struct ipc_step_def *d = step != IPC_NO_STEP ? ipc_step_find(from, step) : NULL;
	(void)transport;
	int ours = step == IPC_NO_STEP ? IPC_NO_STEP : ipc_step_number(r->t, call);
	for (size_t k = 0; d && k < r->t->nsteps; k++)
		if (!strcmp(r->t->steps[k].calls, d->calls))
			ours = r->t->steps[k].number;
	r->ctx->trace(r->ctx->trace_arg, r->t->name, ours, call, detail);
}

const struct ipc_ctx *zq_relay_ctx(struct ipc_ctx *copy, struct zq_relay *r,
				   const struct ipc_ctx *ctx, const struct ipc_transport *t)
{
	*copy = *ctx;
	if (ctx->trace) {
		r->ctx = ctx;
		r->t = t;
		copy->trace = relay_step;
		copy->trace_arg = r;
	}
	return copy;
}

/* ---- the driver's calls ------------------------------------------------- */

/* A client's descriptors are one epoll set (rfd == wfd); a server's
 * connection has its own readiness and its own eventfd for room. */
static bool is_client(const struct ipc_conn *c)
{
	return c->rfd >= 0 && c->rfd == c->wfd;
}

ssize_t zq_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e)
{
	return is_client(c) ? zq_client_recv(c, buf, cap, e) : zq_server_recv(c, buf, cap, e);
}

ssize_t zq_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e)
{
	if (len == 0)
		return 0; /* an empty message would read as a control message */
	return is_client(c) ? zq_client_send(c, buf, len, e) : zq_server_send(c, buf, len, e);
}

/* Close, with a control message that tells the peer. */
void zq_close(struct ipc_conn *c)
{
	if (!c->priv)
		return;
	if (c->rfd == c->wfd)
		zq_client_close(c);
	else
		zq_server_close(c);
	c->priv = NULL;
	c->rfd = c->wfd = -1;
}
