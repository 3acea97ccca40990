/*
 * mqueue_msg.c - Step 9 and Step 10 of mqueue: the messages themselves.
 *
 * A queue carries whole messages: mq_send() puts one of up to the queue's
 * mq_msgsize bytes, mq_receive() takes the oldest of the highest priority,
 * whole, or fails (EMSGSIZE) when the buffer is smaller than mq_msgsize;
 * never part of one.  A greeting request or reply is one message.  The
 * interface above us (ipc.h) moves bytes, so:
 *
 *   send   one message per mq_msgsize bytes of what the caller gives (a
 *          greeting: one), as many as the queue has room for now;
 *   recv   one message per call.  When the caller's buffer is smaller than
 *          the message, the message is taken whole into our own buffer and
 *          handed out in parts; the part not handed out goes back at the
 *          head of the queue (the highest priority there is, ahead of any
 *          message the peer sends), where poll() sees it, or stays with us
 *          if the peer filled the queue meanwhile.  So bytes come out in
 *          the order they went in, however the reader slices them.
 *
 * An empty message is the end of the stream (a queue has none: see
 * mqueue.c, step 11).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "mqueue.h"

static ssize_t hand_out(struct mq_conn *m, void *buf, size_t cap)
{
	size_t n = m->msg_len - m->msg_off;
	if (n > cap)
		n = cap;
	memcpy(buf, m->msg + m->msg_off, n);
	m->msg_off += n;
	return (ssize_t)n;
}

/* Step 9 - one message, or what the caller has room for.  A message larger
 * than the buffer cannot be received at all (EMSGSIZE), so it is received
 * whole into m->msg, and the part the caller had no room for goes back at
 * the head of the queue (the highest priority: ahead of every message the
 * peer sends), where poll() sees it. */
ssize_t mq_msg_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e)
{
	struct mq_conn *m = c->priv;
	ssize_t n;

	if (m->msg_off < m->msg_len) /* a rest the queue had no room for */
		return hand_out(m, buf, cap);
	if (m->eof || cap == 0)
		return 0;
	bool direct = cap >= m->msgsize;
	while ((n = mq_receive(m->rq, direct ? buf : m->msg, m->msgsize, NULL)) < 0 &&
	       errno == EINTR)
		;
	if (n < 0) {
		if (errno != EAGAIN)
			return ipc_fail(e, IPC_SYSTEM, errno, "mq_receive %s", c->peer_text);
		if (!mq_client_died(m, c->wfd))
			return IPC_WOULD_BLOCK;
		ipc_step(c->ctx, MQ_NAME, 9, "mq_receive", "mqd %d: end of stream (%s died)", m->rq,
			 c->peer_text);
		n = 0;
	} else {
		ipc_step(c->ctx, MQ_NAME, 9, "mq_receive", "mqd %d: a message of %zd bytes", m->rq, n);
	}
	if (n == 0) { /* the peer's close(), or its death */
		m->eof = true;
		return 0;
	}
	if (direct)
		return n;
	m->msg_len = (size_t)n;
	m->msg_off = 0;
	ssize_t given = hand_out(m, buf, cap);
	/* A full queue (the peer took the slot) is readable anyway. */
	long top = sysconf(_SC_MQ_PRIO_MAX) - 1;
	if (m->msg_off < m->msg_len &&
	    mq_send(m->rq, m->msg + m->msg_off, m->msg_len - m->msg_off,
		    top > 0 ? (unsigned)top : 1) == 0)
		m->msg_off = m->msg_len;
	return given;
}

/* Step 10 - as much as the queue takes now, one message of up to msgsize
 * at a time. */
ssize_t mq_msg_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e)
{
	struct mq_conn *m = c->priv;
	const char *p = buf;
	size_t done = 0;
	int messages = 0;

	while (done < len) {
		size_t n = len - done < m->msgsize ? len - done : m->msgsize;
		if (mq_send(c->wfd, p + done, n, 0) == 0) {
			done += n;
			messages++;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			/* Full, and no reader holds the queue's lock: the reader
			 * is gone -- unless the server has not taken this client
			 * yet.  A client's request queue keeps its name until
			 * the server accepts (it locks the queue, then unlinks
			 * the name), so while the name is there, a full queue
			 * only means "wait", and the lock is not even probed (a
			 * probe could take it from under the server's accept). */
			if (done == 0 && !(m->own[0][0] && mq_name_is(m->own[0], c->wfd)) &&
			    mq_reader_gone(c->wfd))
				return ipc_fail(e, IPC_PROTOCOL, EPIPE, "mq_send %s: the reader "
						"closed its queue", c->peer_text);
			break;
		}
		if (errno == EMSGSIZE && m->msgsize > 1) { /* a peer's smaller queue */
			m->msgsize /= 2;
			continue;
		}
		return ipc_fail(e, IPC_SYSTEM, errno, "mq_send %s", c->peer_text);
	}
	if (done)
		ipc_step(c->ctx, MQ_NAME, 10, "mq_send", "mqd %d: %d message%s, %zu bytes", c->wfd,
			 messages, messages > 1 ? "s" : "", done);
	return done ? (ssize_t)done : IPC_WOULD_BLOCK;
}
