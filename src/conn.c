/* conn.c - see conn.h. */
#include "conn.h"

#include <errno.h>
#include <string.h>

#include "io.h"
#include "protocol.h"

/* Time left until deadline (ms); -1 means no deadline. */
static int time_left(long long deadline)
{
	if (deadline < 0)
		return -1;
	long long left = deadline - io_now_ms();
	return left > 0 ? (int)left : 0;
}

/* Wait on `fd` and translate the outcome into an error when not ready. */
static int wait_or_fail(struct ipc_conn *c, int fd, short events, int stop_fd,
			long long deadline, struct ipc_error *e)
{
	switch (io_wait(fd, events, stop_fd, time_left(deadline))) {
	case IO_READY:
		return 0;
	case IO_TIMEOUT:
		return ipc_fail(e, IPC_TIMEOUT, 0, "%s %s: no answer in time",
				events == POLLOUT ? "write to" : "read from", c->peer_text);
	case IO_STOPPED:
		return ipc_fail(e, IPC_SYSTEM, EINTR, "waiting for %s", c->peer_text);
	default:
		return ipc_fail(e, IPC_SYSTEM, errno, "poll %s", c->peer_text);
	}
}

int conn_send_all(struct ipc_conn *c, const void *buf, size_t len, int stop_fd,
		  int timeout_ms, struct ipc_error *e)
{
	long long deadline = timeout_ms >= 0 ? io_now_ms() + timeout_ms : -1;
	const char *p = buf;
	size_t done = 0;

	do {
		ssize_t n = c->t->send(c, p + done, len - done, e);
		if (n < 0 && n != IPC_WOULD_BLOCK)
			return -1;
		if (n > 0)
			done += (size_t)n;
		if (done < len && wait_or_fail(c, c->wfd, POLLOUT, stop_fd, deadline, e) < 0)
			return -1;
	} while (done < len);
	return 0;
}

ssize_t conn_recv_line(struct ipc_conn *c, char *buf, size_t cap, int timeout_ms,
		       struct ipc_error *e)
{
	long long deadline = timeout_ms >= 0 ? io_now_ms() + timeout_ms : -1;
	size_t got = 0;

	for (;;) {
		ssize_t n = c->t->recv(c, buf + got, cap - got, e);
		if (n == IPC_WOULD_BLOCK) {
			if (wait_or_fail(c, c->rfd, POLLIN, -1, deadline, e) < 0)
				return -1;
			continue;
		}
		if (n < 0)
			return -1;
		if (n == 0)
			return ipc_fail(e, IPC_PROTOCOL, 0, "read %s: connection closed before the reply",
					c->peer_text);
		got += (size_t)n;
		char *nl = memchr(buf, '\n', got);
		if (nl) {
			if ((size_t)(nl - buf) + 1 != got)
				return ipc_fail(e, IPC_PROTOCOL, 0,
						"read %s: more than one reply line", c->peer_text);
			return (ssize_t)got;
		}
		if (got == cap)
			return ipc_fail(e, IPC_PROTOCOL, 0,
					"read %s: reply line longer than %zu bytes",
					c->peer_text, cap);
	}
}

/* Datagram: send, wait a share of the timeout, resend; a lost request or
 * reply (UDP) costs one try, not the whole call.  A resent request may be
 * answered twice: a greeting for another name is a late answer to an
 * earlier request, and is skipped. */
static ssize_t greet_datagram_exchange(struct ipc_conn *c, const char *name, size_t len,
				       char *reply, size_t cap, struct ipc_error *e)
{
	int tries = c->ctx->retries > 0 ? c->ctx->retries : 1;
	int per_try = c->ctx->timeout_ms / tries;

	for (int i = 0; i < tries; i++) {
		long long deadline = io_now_ms() + per_try;
		if (conn_send_all(c, name, len, -1, per_try, e) < 0)
			return -1;
		for (;;) {
			int r = io_wait(c->rfd, POLLIN, -1, time_left(deadline));
			if (r == IO_TIMEOUT)
				break;
			if (r < 0)
				return ipc_fail(e, IPC_SYSTEM, errno, "poll %s", c->peer_text);
			ssize_t n = c->t->recv(c, reply, cap, e);
			if (n == IPC_WOULD_BLOCK)
				continue;
			if (n < 0)
				return -1;
			if ((size_t)n > cap)
				return ipc_fail(e, IPC_PROTOCOL, 0,
						"recv %s: reply of %zd bytes is larger than any greeting",
						c->peer_text, n);
			const char *nl = memchr(reply, '\n', (size_t)n);
			if (nl && nl + 1 != reply + n)
				return ipc_fail(e, IPC_PROTOCOL, 0,
						"recv %s: more than one reply line in one datagram",
						c->peer_text);
			/* A late answer to an earlier request (ours, resent, or
			 * the one before) greets another name: not ours, wait on. */
			if (nl && n >= 8 && memcmp(reply, "Hello, ", 7) == 0 &&
			    ((size_t)n != len + 8 || memcmp(reply + 7, name, len) != 0))
				continue;
			return n;
		}
	}
	ipc_fail(e, IPC_TIMEOUT, 0, "no reply from %s %s after %d tries in %d ms", c->t->name,
		 c->peer_text, tries, c->ctx->timeout_ms);
	return ipc_hint(e, "is a server running? start one with `ipclab serve %s`", c->t->name);
}

int conn_greet(struct ipc_conn *c, const char *name, size_t len, char *reply,
	       size_t cap, size_t *reply_len, struct ipc_error *e)
{
	ssize_t n;

	/* No greeting is longer than GREET_REPLY_MAX: a longer reply is the
	 * peer's fault, however large the caller's buffer. */
	if (cap > GREET_REPLY_MAX)
		cap = GREET_REPLY_MAX;
	if (c->t->kind == IPC_DATAGRAM) {
		n = greet_datagram_exchange(c, name, len, reply, cap, e);
	} else {
		/* One request = the name and its '\n', sent in one piece. */
		char line[GREET_INBUF];
		if (len + 1 > sizeof line)
			return ipc_fail(e, IPC_USAGE, 0, "name of %zu bytes is too long to send",
					len);
		memcpy(line, name, len);
		line[len] = '\n';
		if (conn_send_all(c, line, len + 1, -1, c->ctx->timeout_ms, e) < 0)
			return -1;
		n = conn_recv_line(c, reply, cap, c->ctx->timeout_ms, e);
	}
	if (n < 0)
		return -1;
	*reply_len = (size_t)n;
	int status = greet_reply_status(reply, (size_t)n);
	if (status == IPC_PROTOCOL)
		return ipc_fail(e, IPC_PROTOCOL, 0, "%s %s: reply is neither Hello nor ERR",
				c->t->name, c->peer_text);
	return status;
}
