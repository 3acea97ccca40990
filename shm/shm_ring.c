/*
 * shm_ring.c - steps 5 and 6 of shm, read and write: copying out of the
 * ring and into it, and the two rules that keep a sleeper from sleeping
 * through the bytes (or the room) it waits for.
 *
 * A ring is single-producer, single-consumer.  The producer owns `head`,
 * the consumer `tail`, both only ever increasing (a position is the index
 * masked into the ring).  Bytes are copied, then `head` published with a
 * release store; the consumer's acquire load of `head` then sees the bytes.
 *
 * Sleeping is a race between two sides that each store one word and then
 * load the other's ("Dekker"):
 *
 *   data   consumer: raise reader_waiting, look at head, sleep if empty.
 *          producer: publish head, look at reader_waiting, ring if raised.
 *   room   producer: raise writer_waiting, look at tail, sleep if full.
 *          consumer: publish tail, look at writer_waiting, wake if raised.
 *
 * Each side needs its store to be seen before its own load: without it (a
 * store buffer lets the load pass the store, on x86 too) both can miss the
 * other and the sleeper is never woken.  Hence one sequentially consistent
 * fence between the store and the load on every side, each named below.
 *
 * The server trusts nothing in the shared memory: an index more than a ring
 * ahead is an error, positions are masked into the ring.
 */
#include <errno.h>
#include <string.h>

#include "shm.h"

#define SHM_CHUNK (256u << 10) /* indices move every this many bytes of a large copy:
				* a quarter of the ring (measured best: 64 KiB moved
				* about 0.41 of memcpy at 1 MiB across CPUs, 256 KiB 0.53) */

/* Step 5 - read: copy out what the ring holds, up to cap. */
ssize_t shm_ring_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e)
{
	struct shm_conn *m = c->priv;
	struct shm_ring *r = m->in;
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	if (m->eof)
		return 0;
	if (head == tail && c->ctx->wait == IPC_WAIT_SPIN &&
	    !atomic_load_explicit(&r->closed, memory_order_acquire)) {
		/* Watching: the producer need not ring while we spin. */
		atomic_store_explicit(&r->reader_waiting, 0, memory_order_relaxed);
		if (shm_spin_for_change(&r->head, head, &r->consumer_cpu, &r->producer_cpu)) {
			/* Bytes came: this store needs no order, the look that
			 * matters is the one before a sleep, made through
			 * recv() again. */
			atomic_store_explicit(&r->reader_waiting, 1, memory_order_relaxed);
		} else {
			/* Going to sleep.  FENCE (data, consumer): orders our
			 * store of reader_waiting = 1 before our load of head
			 * just below; pairs with the producer's fence after
			 * its store of head in shm_ring_send(). */
			atomic_store_explicit(&r->reader_waiting, 1, memory_order_seq_cst);
			atomic_thread_fence(memory_order_seq_cst);
		}
		head = atomic_load_explicit(&r->head, memory_order_acquire);
	}
	if (head == tail) {
		/* About to sleep: clear the bell, then look again.  Bytes
		 * published after this look ring after the clearing.  (In
		 * block mode reader_waiting stays 1 from the start: the
		 * producer always rings.) */
		bool more, gone = shm_data_bell_clear(m, &more);
		/* The peer's last bytes came before its "closed" or its exit. */
		head = atomic_load_explicit(&r->head, memory_order_acquire);
		if (head == tail) {
			if (gone || atomic_load_explicit(&r->closed, memory_order_acquire)) {
				m->eof = true;
				ipc_step(c->ctx, SHM_NAME, IPC_NO_STEP, "read", "end of stream (%s)", c->peer_text);
				return 0;
			}
			return IPC_WOULD_BLOCK;
		}
	}
	uint64_t avail = head - tail;
	if (avail > SHM_RING)
		return ipc_fail(e, IPC_PROTOCOL, 0, "shm %s: the ring's indices are corrupt "
				"(%llu bytes ahead)", c->peer_text, (unsigned long long)avail);
	size_t n = avail < cap ? (size_t)avail : cap;
	/* In chunks, each handed back at once: a producer waiting for room
	 * copies in while we copy out, on two CPUs at the same time. */
	for (size_t done = 0; done < n;) {
		size_t k = n - done < SHM_CHUNK ? n - done : SHM_CHUNK;
		size_t at = (size_t)((tail + done) & (SHM_RING - 1)), first = SHM_RING - at;
		if (first > k)
			first = k;
		memcpy((char *)buf + done, r->data + at, first);
		memcpy((char *)buf + done + first, r->data, k - first);
		done += k;
		atomic_store_explicit(&r->tail, tail + done, memory_order_release);
		/* FENCE (room, consumer): orders our store of tail above
		 * before our load of writer_waiting below; pairs with the
		 * producer's fence after its store of writer_waiting. */
		atomic_thread_fence(memory_order_seq_cst);
		if (atomic_load_explicit(&r->writer_waiting, memory_order_relaxed)) {
			atomic_store_explicit(&r->writer_waiting, 0, memory_order_relaxed);
			shm_room_wake(m->wake); /* its room bell writable again */
		}
	}
	ipc_step(c->ctx, SHM_NAME, 5, "read", "%zu bytes from the ring", n);
	return (ssize_t)n;
}

/* Step 6 - write: copy in as much as the ring has room for. */
ssize_t shm_ring_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e)
{
	struct shm_conn *m = c->priv;
	struct shm_ring *r = m->out;
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (len == 0)
		return 0;
	if (head - tail >= SHM_RING && c->ctx->wait == IPC_WAIT_SPIN &&
	    shm_spin_for_change(&r->tail, tail, &r->producer_cpu, &r->consumer_cpu))
		tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (head - tail >= SHM_RING) {
		/* Full: make our room bell unwritable, raise the flag, look
		 * again.  If room came meanwhile the flag stays up: the
		 * consumer, moving tail past what we write next, rings it
		 * down and makes our bell writable again. */
		if (shm_room_arm(m->arm) < 0)
			return ipc_fail(e, IPC_PROTOCOL, 0, "shm %s: its room doorbell cannot be "
					"made to wait (send buffer enlarged?): refused", c->peer_text);
		atomic_store_explicit(&r->writer_waiting, 1, memory_order_seq_cst);
		/* FENCE (room, producer): orders our store of writer_waiting
		 * above before our load of tail below; pairs with the
		 * consumer's fence after its store of tail. */
		atomic_thread_fence(memory_order_seq_cst);
		tail = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (head - tail >= SHM_RING) {
			if (shm_peer_gone(m))
				return ipc_fail(e, IPC_PROTOCOL, EPIPE, "write shm %s", c->peer_text);
			return IPC_WOULD_BLOCK;
		}
	}
	if (head - tail > SHM_RING)
		return ipc_fail(e, IPC_PROTOCOL, 0, "shm %s: the ring's indices are corrupt",
				c->peer_text);
	if (atomic_load_explicit(&m->in->closed, memory_order_relaxed))
		return ipc_fail(e, IPC_PROTOCOL, EPIPE, "write shm %s: the peer closed",
				c->peer_text);
	size_t room = SHM_RING - (size_t)(head - tail);
	size_t n = len < room ? len : room;
	/* In chunks, each published at once: the consumer starts copying out
	 * while we still copy in. */
	for (size_t done = 0; done < n;) {
		size_t k = n - done < SHM_CHUNK ? n - done : SHM_CHUNK;
		size_t at = (size_t)((head + done) & (SHM_RING - 1)), first = SHM_RING - at;
		if (first > k)
			first = k;
		memcpy(r->data + at, (const char *)buf + done, first);
		memcpy(r->data, (const char *)buf + done + first, k - first);
		done += k;
		atomic_store_explicit(&r->head, head + done, memory_order_release);
		/* FENCE (data, producer): orders our store of head above
		 * before our load of reader_waiting below; pairs with the
		 * consumer's fence after its store of reader_waiting. */
		atomic_thread_fence(memory_order_seq_cst);
		if (atomic_load_explicit(&r->reader_waiting, memory_order_relaxed))
			shm_data_bell_ring(m);
	}
	ipc_step(c->ctx, SHM_NAME, 6, "write", "%zu bytes into the ring", n);
	return (ssize_t)n;
}
