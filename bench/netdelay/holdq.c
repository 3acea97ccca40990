/*
 * holdq.c - netdelay's held packets: a binary min-heap on (due time,
 * arrival), fixed capacity.  See holdq.h.
 */
#include "holdq.h"

#include <errno.h>
#include <stdlib.h>

int holdq_init(struct holdq *q, size_t cap)
{
	*q = (struct holdq){ .cap = cap };
	q->v = calloc(cap ? cap : 1, sizeof *q->v);
	if (!q->v) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void holdq_free(struct holdq *q)
{
	free(q->v);
	q->v = NULL;
	q->n = q->cap = 0;
}

static uint64_t next_random(struct holdq_plan *p)
{
	/* xorshift64* (Vigna): plenty for choosing delays. */
	p->rng ^= p->rng >> 12;
	p->rng ^= p->rng << 25;
	p->rng ^= p->rng >> 27;
	return p->rng * 0x2545F4914F6CDD1DULL;
}

uint64_t holdq_plan_hold_ns(struct holdq_plan *p)
{
	if (p->rng == 0)
		p->rng = 0x9E3779B97F4A7C15ULL;
	if (p->reorder_pct && next_random(p) % 100 < p->reorder_pct)
		return 0;
	if (p->jitter_ns == 0)
		return p->delay_ns;
	uint64_t span = 2 * p->jitter_ns + 1;
	uint64_t draw = next_random(p) % span; /* 0 .. 2 * jitter */
	return p->delay_ns + draw > p->jitter_ns ? p->delay_ns + draw - p->jitter_ns : 0;
}

static bool before(const struct holdq_item *a, const struct holdq_item *b)
{
	return a->due_ns != b->due_ns ? a->due_ns < b->due_ns : a->seq < b->seq;
}

static void swap(struct holdq_item *a, struct holdq_item *b)
{
	struct holdq_item t = *a;
	*a = *b;
	*b = t;
}

bool holdq_arrive(struct holdq *q, uint32_t id, uint64_t now_ns, uint64_t hold_ns,
		  uint64_t *seq)
{
	*seq = q->next_seq++;
	q->st.arrived++;
	if (hold_ns == 0) {
		q->st.at_once++;
		return false;
	}
	if (q->n == q->cap) {
		q->st.full++;
		return false;
	}
	size_t i = q->n++;
	q->v[i] = (struct holdq_item){ .due_ns = now_ns + hold_ns, .seq = *seq, .id = id };
	while (i > 0 && before(&q->v[i], &q->v[(i - 1) / 2])) {
		swap(&q->v[i], &q->v[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	q->st.held++;
	if (q->n > q->st.max_held)
		q->st.max_held = q->n;
	return true;
}

void holdq_released(struct holdq *q, uint64_t seq)
{
	q->st.released++;
	if (seq + 1 < q->newest_released)
		q->st.out_of_order++;
	else
		q->newest_released = seq + 1;
}

bool holdq_pop_due(struct holdq *q, uint64_t now_ns, bool all, struct holdq_item *out)
{
	if (q->n == 0 || (!all && q->v[0].due_ns > now_ns))
		return false;
	*out = q->v[0];
	q->v[0] = q->v[--q->n];
	for (size_t i = 0;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < q->n && before(&q->v[l], &q->v[m]))
			m = l;
		if (r < q->n && before(&q->v[r], &q->v[m]))
			m = r;
		if (m == i)
			break;
		swap(&q->v[i], &q->v[m]);
		i = m;
	}
	return true;
}

uint64_t holdq_wait_ns(const struct holdq *q, uint64_t now_ns)
{
	if (q->n == 0)
		return UINT64_MAX;
	return q->v[0].due_ns > now_ns ? q->v[0].due_ns - now_ns : 0;
}
