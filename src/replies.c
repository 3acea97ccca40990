/*
 * replies.c - see replies.h.
 */
#include "replies.h"

#include <string.h>

size_t reply_queue_answer(struct reply_queue *q, struct greet_session *s, bool pinned)
{
	if (q->start > 0 && !pinned) {
		memmove(q->buf, q->buf + q->start, q->end - q->start);
		q->end -= q->start;
		q->start = 0;
	}
	size_t n = greet_session_answer(s, q->buf + q->end, sizeof q->buf - q->end);
	q->end += n;
	return n;
}
