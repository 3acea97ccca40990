/*
 * replies.h - a client's replies waiting for the socket, shared by the two
 * multiplexed servers (src/server_mux.c, src/server_uring.c).
 *
 * The replies sit in one fixed buffer, in request order: buf[start .. end)
 * waits, buf[0 .. start) was sent.  Before more replies are queued, what
 * waits slides to the front, so that the room freed by sends is used again;
 * the io_uring server's send in flight reads from where it is, so there
 * the slide waits until the send completes (`pinned`).  A reply is queued
 * only whole, and only while the largest one fits: with the session's own
 * bound on input, a client's memory stays bounded whatever it sends.
 */
#ifndef IPCLAB_REPLIES_H
#define IPCLAB_REPLIES_H

#include <stdbool.h>
#include <stddef.h>

#include "protocol.h"

#define REPLY_QUEUE_CAP (16 * GREET_REPLY_MAX) /* queued replies per client */

struct reply_queue {
	char buf[REPLY_QUEUE_CAP];
	size_t start, end; /* replies waiting: buf[start .. end) */
};

/* Slide what waits to the front (unless pinned), then queue the replies
 * to every complete request in s, as many as fit.  Returns the bytes
 * queued (0: no complete request, or no room). */
size_t reply_queue_answer(struct reply_queue *q, struct greet_session *s, bool pinned);

/* Bytes waiting to be sent. */
static inline size_t reply_queue_waiting(const struct reply_queue *q)
{
	return q->end - q->start;
}

/* Room for one more reply once what waits has slid: the client may be read. */
static inline bool reply_queue_has_room(const struct reply_queue *q)
{
	return sizeof q->buf - reply_queue_waiting(q) >= GREET_REPLY_MAX;
}

#endif
