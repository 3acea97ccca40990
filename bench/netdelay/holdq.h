/*
 * holdq.h - the packets netdelay holds (netdelay.c), as a min-heap on the
 * time each one is due to leave, of fixed capacity: memory is bounded, and a
 * packet that finds it full is let through at once and counted.
 *
 * Each packet gets an arrival number; one released while a later arrival
 * has already left was overtaken (out of order).  The counts say what the
 * program did, so that a row of the netlab table can say it too.
 */
#ifndef IPCLAB_HOLDQ_H
#define IPCLAB_HOLDQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct holdq_item {
	uint64_t due_ns;  /* CLOCK_MONOTONIC time it leaves */
	uint64_t seq;     /* arrival number, from 0 */
	uint32_t id;      /* the kernel's packet id */
};

struct holdq_stats {
	uint64_t arrived;      /* every packet handed to us */
	uint64_t held;         /* kept back for a while */
	uint64_t at_once;      /* let through at once, by choice (reordering) */
	uint64_t full;         /* let through at once: the heap was full */
	uint64_t released;     /* let through, held or not */
	uint64_t out_of_order; /* released after a later arrival */
	size_t max_held;       /* the most held at one time */
};

struct holdq {
	struct holdq_item *v;
	size_t n, cap;
	uint64_t next_seq;
	uint64_t newest_released; /* highest seq released + 1; 0: none yet */
	struct holdq_stats st;
};

/* How each packet is delayed: `delay_ns` plus a uniform draw in
 * [-jitter_ns, +jitter_ns] (never below 0); `reorder_pct` of them skip the
 * delay and overtake the ones held (netem's reordering). */
struct holdq_plan {
	uint64_t delay_ns, jitter_ns;
	unsigned reorder_pct;
	uint64_t rng; /* state of a xorshift64* generator; never 0 */
};

int holdq_init(struct holdq *q, size_t cap); /* 0, or -1 (ENOMEM) */
void holdq_free(struct holdq *q);

/* How long to hold the next packet under plan p: 0 means let it go now. */
uint64_t holdq_plan_hold_ns(struct holdq_plan *p);

/* A packet arrived at now_ns, to be held hold_ns.  Returns true when it is
 * held; false when it must be let through now (hold_ns 0, or the heap is
 * full): the caller then releases it and calls holdq_released(). *seq gets
 * its arrival number either way. */
bool holdq_arrive(struct holdq *q, uint32_t id, uint64_t now_ns, uint64_t hold_ns,
		  uint64_t *seq);

/* Takes the earliest held packet out if it is due at now_ns (or any, when
 * `all`): true and *out; false when none is.  The caller releases it and
 * calls holdq_released(). */
bool holdq_pop_due(struct holdq *q, uint64_t now_ns, bool all, struct holdq_item *out);

/* A packet was let through (held or not): counts it, and whether a later
 * arrival left before it. */
void holdq_released(struct holdq *q, uint64_t seq);

/* Nanoseconds until the earliest held packet is due (0 if it is);
 * UINT64_MAX when none is held. */
uint64_t holdq_wait_ns(const struct holdq *q, uint64_t now_ns);

#endif
