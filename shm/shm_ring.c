/*
 * shm_ring.c - steps 5 and 6 of shm, read and write: the ring used in
 * place (reserve and commit on the writer, peek and release on the
 * reader), the transport's send() and recv() as copies through those same
 * calls, and the two rules that keep a sleeper from sleeping through the
 * bytes (or the room) it waits for.
 *
 * A ring is single-producer, single-consumer.  The producer owns `head`,
 * the consumer `tail`, both only ever increasing (a position is the index
 * masked into the ring).  Bytes are written, then `head` published with a
 * release store; the consumer's acquire load of `head` then sees the bytes.
 * (x86 keeps stores in order and loads in order by itself: made relaxed,
 * these could only be broken by the compiler, which no test can see.)
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
 * fence between the store and the load on every side, each named below,
 * with what tests/test_wakeups.c shows of it on x86.
 *
 * What crosses between the CPUs per small message: the producer's line
 * (head, and the bytes beside it: shm.h), one way, and nothing else.
 *   - The producer does not fetch tail per send: it remembers the last tail
 *     it saw (m->tail_seen, which can only be behind) and looks again only
 *     when that says the ring is too full.
 *   - Each side keeps its own index (and the consumer its own flag) in its
 *     private state, never read back from the shared lines: a line the
 *     peer keeps reading may have moved to the peer's cache (some CPUs
 *     hand a line to the core that keeps asking for it), and reading it
 *     back would cost a crossing per message.  The peer cannot change
 *     them under us either.
 *   - The consumer does not store tail per small read: it counts them
 *     (m->unpublished) and stores tail once SHM_LAZY_TAIL bytes are taken,
 *     before it sleeps, waits for room, or closes, and before it spins
 *     for data if the producer may be short of room (wait_data()).  A
 *     producer short of room therefore lacks at most SHM_LAZY_TAIL bytes,
 *     and only while the consumer is away from the ring or spinning.
 *   - A spinning consumer stores reader_waiting = 0 once, and leaves it so
 *     while bytes keep coming; before it sleeps it raises it again (the
 *     fence below), which is the only look a sleeper relies on: a caller
 *     waits on rfd only after recv() said IPC_WOULD_BLOCK.
 *
 * The server trusts nothing in the shared memory: an index more than a ring
 * ahead is an error, positions are masked into the ring, the small copy is
 * used only when its stamp matches and its length is in bounds.
 */
#include <errno.h>
#include <string.h>

#include "shm.h"

#define SHM_CHUNK (256u << 10) /* indices move every this many bytes of a large copy:
				* a quarter of the ring (measured best: 64 KiB moved
				* about 0.41 of memcpy at 1 MiB across CPUs, 256 KiB 0.53) */
#define SHM_MASK ((uint64_t)SHM_RING - 1)
#define SHM_LAZY_TAIL 4096u /* small reads' bytes before their tail is stored */

/* ---- the reader's side ------------------------------------------------- */

/* Wait for bytes (step 5's first half): how many wait at *tail_out, 0 at
 * the end of the stream, IPC_WOULD_BLOCK, or -1. */
static ssize_t wait_data(struct ipc_conn *c, uint64_t *tail_out, uint64_t *head_out,
			 struct ipc_error *e)
{
	struct shm_conn *m = c->priv;
	struct shm_ring *r = m->in;
	uint64_t tail = m->tail_mine + m->unpublished;
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	const bool at_first_look = head != tail; /* counted below: shm_wait_count() */

	if (m->eof)
		return 0;
	/* About to wait, and the ring empty: the producer lacks only the
	 * SHM_LAZY_TAIL bytes or fewer we took without saying so.  It learns
	 * of them now if it sleeps for room, else before we sleep.  (A
	 * producer that wants nearly the whole ring in one piece may so wait
	 * for our spin to end: a bounded pause, never a lost wake-up.) */
	if (head == tail && m->unpublished &&
	    (c->ctx->wait != IPC_WAIT_SPIN ||
	     atomic_load_explicit(&r->writer_waiting, memory_order_relaxed)))
		shm_ring_flush(m);
	if (head == tail && c->ctx->wait == IPC_WAIT_SPIN &&
	    !atomic_load_explicit(&r->closed, memory_order_acquire)) {
		/* Watching: the producer need not ring while we spin.  Stored
		 * only when raised: while bytes keep coming, the line stays
		 * clean in the producer's cache. */
		if (m->waiting_mine) {
			atomic_store_explicit(&r->reader_waiting, 0, memory_order_relaxed);
			m->waiting_mine = false;
		}
		if (!shm_spin_for_change(&r->head, head, &r->consumer_cpu, &r->producer_cpu,
					 &m->out->consumer_cpu)) {
			/* Going to sleep.  FENCE (data, consumer): orders our
			 * store of reader_waiting = 1 before our load of head
			 * just below; pairs with the producer's fence after
			 * its store of head in publish().  Not seen missing on
			 * x86: the seq_cst store is a locked instruction, a
			 * full barrier itself, and with both weakened the look
			 * again after the bell is cleared (a system call)
			 * still finds the bytes.  For CPUs that reorder more. */
			atomic_store_explicit(&r->reader_waiting, 1, memory_order_seq_cst);
			m->waiting_mine = true;
			atomic_thread_fence(memory_order_seq_cst);
		}
		head = atomic_load_explicit(&r->head, memory_order_acquire);
	}
	if (head == tail) {
		shm_ring_flush(m); /* about to sleep: the producer must know */
		/* About to sleep: raise the flag if spinning lowered it
		 * (above: already raised), clear the bell, then look again.
		 * Bytes published after this look ring after the clearing.
		 * (In block mode reader_waiting stays 1 from the start: the
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
			shm_wait_slept(m); /* the caller sleeps on the doorbell */
			return IPC_WOULD_BLOCK;
		}
	}
	uint64_t avail = head - tail;
	if (avail > SHM_RING)
		return ipc_fail(e, IPC_PROTOCOL, 0, "shm %s: the ring's indices are corrupt "
				"(%llu bytes ahead)", c->peer_text, (unsigned long long)avail);
	*tail_out = tail;
	*head_out = head;
	shm_wait_count(m, at_first_look, head);
	return (ssize_t)avail;
}

/* Hand the bytes before new_tail back to the producer, and wake it if it
 * sleeps for room. */
static void give_back(struct shm_conn *m, uint64_t new_tail)
{
	struct shm_ring *r = m->in;
	m->unpublished = 0;
	m->tail_mine = new_tail;
	atomic_store_explicit(&r->tail, new_tail, memory_order_release);
	/* FENCE (room, consumer): orders our store of tail above before our
	 * load of writer_waiting below; pairs with the producer's fence after
	 * its store of writer_waiting in wait_room().  Seen missing on x86:
	 * the store waits in the store buffer while the load runs ahead, and
	 * test_wakeups' room test stalls within a few thousand messages. */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&r->writer_waiting, memory_order_relaxed)) {
		atomic_store_explicit(&r->writer_waiting, 0, memory_order_relaxed);
		shm_room_wake(m->wake); /* its room bell writable again */
	}
}

void shm_ring_flush(struct shm_conn *m)
{
	if (m->unpublished)
		give_back(m, m->tail_mine + m->unpublished);
}

/* The bytes [tail, head) from the producer's line, if its stamp says they
 * are all there (a seqlock: the stamp read again after the bytes says the
 * producer did not rewrite them meanwhile).  n <= head - tail bytes into
 * buf; false: read the ring instead. */
static bool take_small(const struct shm_ring *r, uint64_t tail, uint64_t head, void *buf,
		       size_t n)
{
	uint64_t words[SHM_SMALL / 8];
	uint64_t avail = head - tail;
	uint64_t stamp = atomic_load_explicit(&r->stamp, memory_order_acquire);
	uint64_t len = stamp & 0xff;

	if (stamp >> 8 != (head & (UINT64_MAX >> 8)) || len > SHM_SMALL || len < avail)
		return false;
	for (size_t i = 0; i < SHM_SMALL / 8; i++)
		words[i] = atomic_load_explicit(&r->small[i], memory_order_relaxed);
	/* FENCE (small, consumer): orders our loads of small[] above before
	 * our second load of stamp below; pairs with put_small()'s fence after
	 * its store of stamp = 0.  x86 keeps loads in order: only the compiler
	 * could move them, which no test sees. */
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(&r->stamp, memory_order_relaxed) != stamp)
		return false;
	memcpy(buf, (const unsigned char *)words + (len - avail), n);
	return true;
}

ssize_t shm_ring_peek(struct ipc_conn *c, size_t max, const void **at, struct ipc_error *e)
{
	struct shm_conn *m = c->priv;
	uint64_t tail, head;
	ssize_t avail = wait_data(c, &tail, &head, e);

	m->peeked = 0;
	if (avail <= 0)
		return avail;
	size_t pos = (size_t)(tail & SHM_MASK), n = SHM_RING - pos;
	if (n > (size_t)avail)
		n = (size_t)avail;
	if (n > max)
		n = max;
	*at = m->in->data + pos;
	m->peeked = n;
	return (ssize_t)n;
}

int shm_ring_release(struct ipc_conn *c, size_t len, struct ipc_error *e)
{
	struct shm_conn *m = c->priv;

	if (len > m->peeked)
		return ipc_fail(e, IPC_USAGE, 0, "shm %s: release of %zu bytes, %zu were peeked",
				c->peer_text, len, m->peeked);
	m->peeked -= len;
	if (len > 0)
		give_back(m, m->tail_mine + m->unpublished + len);
	return 0;
}

/* Step 5 - read: copy out what the ring holds, up to cap. */
ssize_t shm_ring_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e)
{
	struct shm_conn *m = c->priv;
	uint64_t tail, head;
	ssize_t avail = wait_data(c, &tail, &head, e);

	if (avail <= 0)
		return avail;
	size_t n = (size_t)avail < cap ? (size_t)avail : cap;
	if (avail <= SHM_SMALL && take_small(m->in, tail, head, buf, n)) {
		m->unpublished += (uint32_t)n; /* tail stored later: see the top */
		if (m->unpublished >= SHM_LAZY_TAIL)
			shm_ring_flush(m);
	} else {
		/* In pieces, each handed back at once: a producer waiting for
		 * room copies in while we copy out, on two CPUs at once. */
		m->peeked = 0;
		for (size_t done = 0; done < n;) {
			const void *at;
			size_t k = n - done < SHM_CHUNK ? n - done : SHM_CHUNK;
			ssize_t got = shm_ring_peek(c, k, &at, e); /* bytes wait: no waiting */
			if (got <= 0)
				return got < 0 ? got : ipc_fail(e, IPC_PROTOCOL, 0, "shm %s: bytes "
								 "vanished from the ring", c->peer_text);
			memcpy((char *)buf + done, at, (size_t)got);
			shm_ring_release(c, (size_t)got, e);
			done += (size_t)got;
		}
	}
	ipc_step(c->ctx, SHM_NAME, 5, "read", "%zu bytes from the ring", n);
	return (ssize_t)n;
}

/* ---- the writer's side ------------------------------------------------- */

/* Wait for room for `need` bytes (step 6's first half): the room there is,
 * IPC_WOULD_BLOCK, or -1. */
static ssize_t wait_room(struct ipc_conn *c, size_t need, struct ipc_error *e)
{
	struct shm_conn *m = c->priv;
	struct shm_ring *r = m->out;
	uint64_t head = m->head_mine;
	uint64_t tail = m->tail_seen;

	/* What we remember of tail is behind, never ahead: when it leaves
	 * room enough, there is. */
	if (head - tail > SHM_RING || SHM_RING - (head - tail) < need) {
		shm_ring_flush(m); /* we may wait: our own reads told first */
		tail = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (head - tail <= SHM_RING && SHM_RING - (head - tail) < need &&
		    c->ctx->wait == IPC_WAIT_SPIN)
			while (head - tail <= SHM_RING && SHM_RING - (head - tail) < need &&
			       shm_spin_for_change(&r->tail, tail, &r->producer_cpu,
						   &r->consumer_cpu, &m->in->producer_cpu))
				tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	}
	if (head - tail <= SHM_RING && SHM_RING - (head - tail) < need) {
		/* Full: make our room bell unwritable, raise the flag, look
		 * again.  If room came meanwhile the flag stays up: the
		 * consumer, moving tail past what we write next, rings it
		 * down and makes our bell writable again. */
		int armed = shm_room_arm(m->arm);
		if (armed < 0) {
			/* A consumer still answering our last wait (it saw the
			 * flag we left up, and takes our datagrams off as we
			 * send them) ends after one bounded drain and leaves
			 * the flag down: look at tail, then arm once more.
			 * Only a bell whose send buffer was enlarged stays
			 * writable twice. */
			tail = atomic_load_explicit(&r->tail, memory_order_acquire);
			if (head - tail > SHM_RING || SHM_RING - (head - tail) >= need)
				goto room;
			armed = shm_room_arm(m->arm);
		}
		if (armed < 0)
			return ipc_fail(e, IPC_PROTOCOL, 0, "shm %s: its room doorbell cannot be "
					"made to wait (send buffer enlarged?): refused", c->peer_text);
		atomic_store_explicit(&r->writer_waiting, 1, memory_order_seq_cst);
		/* FENCE (room, producer): orders our store of writer_waiting
		 * above before our load of tail below; pairs with the
		 * consumer's fence after its store of tail in give_back().
		 * On x86 the seq_cst store is a full barrier itself, so this
		 * fence alone is not seen missing; with the store made
		 * relaxed too, test_wakeups' room test stalls in some runs
		 * (one in two here: the window is a few nanoseconds). */
		atomic_thread_fence(memory_order_seq_cst);
		tail = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (head - tail <= SHM_RING && SHM_RING - (head - tail) < need) {
			if (shm_peer_gone(m))
				return ipc_fail(e, IPC_PROTOCOL, EPIPE, "write shm %s", c->peer_text);
			return IPC_WOULD_BLOCK;
		}
	}
room:
	if (head - tail > SHM_RING)
		return ipc_fail(e, IPC_PROTOCOL, 0, "shm %s: the ring's indices are corrupt",
				c->peer_text);
	m->tail_seen = tail;
	if (atomic_load_explicit(&m->in->closed, memory_order_relaxed))
		return ipc_fail(e, IPC_PROTOCOL, EPIPE, "write shm %s: the peer closed",
				c->peer_text);
	return (ssize_t)(SHM_RING - (size_t)(head - tail));
}

/* Put n <= SHM_SMALL bytes, the last ones before new_head, in the
 * producer's line beside head (a seqlock: the stamp cleared first, so that
 * a reader who copies while we write sees a stamp that changed). */
static void put_small(struct shm_ring *r, uint64_t new_head, const void *src, size_t n)
{
	uint64_t words[SHM_SMALL / 8];

	memcpy(words, src, n);
	memset((unsigned char *)words + n, 0, sizeof words - n);
	atomic_store_explicit(&r->stamp, 0, memory_order_relaxed);
	/* FENCE (small, producer): orders our store of stamp = 0 above before
	 * our stores of small[] below; pairs with take_small()'s fence before
	 * its second load of stamp.  x86 keeps stores in order: only the
	 * compiler could move them, which no test sees. */
	atomic_thread_fence(memory_order_release);
	for (size_t i = 0; i < SHM_SMALL / 8; i++)
		atomic_store_explicit(&r->small[i], words[i], memory_order_relaxed);
	atomic_store_explicit(&r->stamp, (new_head << 8) | n, memory_order_release);
}

/* Publish head, and ring the data bell if the consumer may sleep. */
static void publish(struct shm_conn *m, uint64_t new_head)
{
	struct shm_ring *r = m->out;
	m->head_mine = new_head;
	atomic_store_explicit(&r->head, new_head, memory_order_release);
	/* FENCE (data, producer): orders our store of head above before our
	 * load of reader_waiting below; pairs with the consumer's fence after
	 * its store of reader_waiting in wait_data().  Not seen missing on
	 * x86: in block mode reader_waiting stays 1 (we always ring), and a
	 * spinning consumer looks at head again after clearing its bell (a
	 * system call), by when our store has long left the store buffer.
	 * For CPUs that reorder more. */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&r->reader_waiting, memory_order_relaxed))
		shm_data_bell_ring(m);
}

ssize_t shm_ring_reserve(struct ipc_conn *c, size_t len, void **at, struct ipc_error *e)
{
	struct shm_conn *m = c->priv;
	struct shm_ring *r = m->out;
	size_t pos = (size_t)(m->head_mine & SHM_MASK);

	m->reserved = 0;
	if (len == 0 || len > SHM_RING - pos)
		return ipc_fail(e, IPC_USAGE, 0, "shm %s: %zu bytes in one piece at ring position "
				"%zu would cross the end of the %u-byte ring", c->peer_text, len, pos,
				SHM_RING);
	ssize_t room = wait_room(c, len, e);
	if (room < 0)
		return room;
	*at = r->data + pos;
	m->reserved = len;
	return (ssize_t)len;
}

/* Publish the len reserved bytes (a small piece travels with head too). */
static int commit(struct ipc_conn *c, size_t len, struct ipc_error *e)
{
	struct shm_conn *m = c->priv;
	struct shm_ring *r = m->out;
	uint64_t head = m->head_mine;

	if (len > m->reserved)
		return ipc_fail(e, IPC_USAGE, 0, "shm %s: commit of %zu bytes, %zu were reserved",
				c->peer_text, len, m->reserved);
	m->reserved = 0; /* what was reserved past len is given up */
	if (len == 0)
		return 0;
	if (len <= SHM_SMALL) /* in one piece: reserve() gives no other */
		put_small(r, head + len, r->data + (head & SHM_MASK), len);
	publish(m, head + len);
	return 0;
}

int shm_ring_commit(struct ipc_conn *c, size_t len, struct ipc_error *e)
{
	if (commit(c, len, e) < 0)
		return -1;
	ipc_step(c->ctx, SHM_NAME, 6, "write", "%zu bytes written in place", len);
	return 0;
}

/* Step 6 - write: copy in as much as the ring has room for, a piece at a
 * time, each reserved, copied into and committed at once: the consumer
 * starts copying out while we still copy in. */
ssize_t shm_ring_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e)
{
	struct shm_conn *m = c->priv;

	if (len == 0)
		return 0;
	ssize_t room = wait_room(c, 1, e);
	if (room < 0)
		return room;
	size_t n = len < (size_t)room ? len : (size_t)room;
	size_t done = 0;
	while (done < n) {
		size_t pos = (size_t)(m->head_mine & SHM_MASK);
		size_t k = n - done < SHM_CHUNK ? n - done : SHM_CHUNK;
		if (k > SHM_RING - pos)
			k = SHM_RING - pos; /* to the ring's end; the rest from its start */
		void *at;
		ssize_t got = shm_ring_reserve(c, k, &at, e); /* the room is there: no wait */
		if (got < 0 && done > 0)
			break; /* what is published stays sent; the error comes next time */
		if (got < 0)
			return got;
		memcpy(at, (const char *)buf + done, k);
		if (commit(c, k, e) < 0)
			return -1;
		done += k;
	}
	ipc_step(c->ctx, SHM_NAME, 6, "write", "%zu bytes into the ring", done);
	return (ssize_t)done;
}

const struct ipc_inplace shm_inplace = {
	.ring = SHM_RING,
	.reserve = shm_ring_reserve,
	.commit = shm_ring_commit,
	.peek = shm_ring_peek,
	.release = shm_ring_release,
};
