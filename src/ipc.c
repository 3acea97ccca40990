/* ipc.c - errors as text, the trace seam, and the transport registry. */
#include "ipc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ipc_fail(struct ipc_error *e, int status, int errnum, const char *fmt, ...)
{
	if (!e)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	if (errnum && n >= 0 && (size_t)n < sizeof e->msg)
		snprintf(e->msg + n, sizeof e->msg - (size_t)n, ": %s", strerror(errnum));
	e->status = status;
	e->sys_errno = errnum;
	return -1;
}

int ipc_hint(struct ipc_error *e, const char *fmt, ...)
{
	if (!e)
		return -1;
	size_t n = strlen(e->msg);
	if (n + 2 >= sizeof e->msg)
		return -1;
	memcpy(e->msg + n, "; ", 2);
	n += 2;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg + n, sizeof e->msg - n, fmt, ap);
	va_end(ap);
	return -1;
}

int ipc_status_of_errno(int errnum)
{
	switch (errnum) {
	case ENOENT:
	case ECONNREFUSED:
	case ENXIO:
		return IPC_NO_SERVER;
	case ETIMEDOUT:
		return IPC_TIMEOUT;
	default:
		return IPC_SYSTEM;
	}
}

void ipc_step(const struct ipc_ctx *ctx, const char *transport, int step, const char *call,
	      const char *fmt, ...)
{
	if (!ctx || !ctx->trace)
		return;
	char detail[IPC_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	ctx->trace(ctx->trace_arg, transport, step, call, detail);
}

void ipc_server_init(struct ipc_server *s, const struct ipc_transport *t,
		     const struct ipc_ctx *ctx)
{
	memset(s, 0, sizeof *s);
	s->t = t;
	s->ctx = ctx;
	s->fd = s->aux_fd = s->lock_fd = -1;
	s->addr.pipe_fd[0] = s->addr.pipe_fd[1] = -1;
}

void ipc_conn_init(struct ipc_conn *c, const struct ipc_transport *t,
		   const struct ipc_ctx *ctx)
{
	memset(c, 0, sizeof *c);
	c->t = t;
	c->ctx = ctx;
	c->rfd = c->wfd = -1;
}

extern const struct ipc_transport pipe_transport, fifo_transport,
	unix_stream_transport, unix_dgram_transport, tcp_transport, udp_transport,
	socketpair_transport, mqueue_transport, shm_transport;
extern const struct ipc_transport zmq_ipc_transport __attribute__((weak)),
	zmq_tcp_transport __attribute__((weak));

/* In the order a course teaches them: related processes first, then names
 * in the file system, then the network. */
const struct ipc_transport *const ipc_transports[] = {
	&pipe_transport, &fifo_transport, &unix_stream_transport,
	&unix_dgram_transport, &tcp_transport, &udp_transport,
	/* Beyond the six: the pipe's sibling, then System V's successors. */
	&socketpair_transport, &mqueue_transport, &shm_transport,
	/* ZeroMQ, in the builds linked with libzmq (bin/ipclab-zmq, the tests):
	 * weak references, which are NULL, and so end the list here, in the
	 * static bin/ipclab, where libzmq cannot be linked (zmq/README.md). */
	&zmq_ipc_transport, &zmq_tcp_transport, NULL,
};

const struct ipc_transport *ipc_transport_find(const char *name)
{
	for (size_t i = 0; ipc_transports[i]; i++)
		if (strcmp(ipc_transports[i]->name, name) == 0)
			return ipc_transports[i];
	return NULL;
}
