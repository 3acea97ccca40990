/*
 * shm_wait.c - how a side of a shm connection waits for the other (steps 5
 * and 6, read and write, when the ring is empty or full): the doorbells,
 * and the bounded spin of `--wait spin`.
 *
 * Doorbells.  "Data" (a consumer sleeps until bytes come) is one byte on the
 * rendezvous socket: one descriptor then says "bytes may wait" and "the peer
 * is gone" alike.  "Room" (a producer sleeps until the consumer frees some)
 * is a Unix datagram socket pair per direction: the producer watches its own
 * end for POLLOUT, and makes it unwritable by sending into the pair until
 * the kernel says it is full (a datagram socket stays unwritable while the
 * bytes it sent sit unread in its peer's queue); the consumer wakes it by
 * reading them off the far end.
 *
 * The server never waits on a descriptor the client shares.  O_NONBLOCK
 * belongs to the open file description, which a client holding a copy can
 * clear; so every call here on such a descriptor says MSG_DONTWAIT itself,
 * and each does a bounded amount of work: a client ringing without pause
 * gets no more of the server than any other.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>

#include "shm.h"

#define SPIN_NS 50000LL       /* busy loop while the peer is on another CPU */
#define YIELD_NS 1000000LL    /* then sched_yield(), then the doorbell */
#define BELL_DRAIN_READS 16   /* data bell: reads of BELL_BUF per look, at most */
#define BELL_BUF 4096
#define ROOM_ARM_SENDS 64     /* datagrams that must make a room bell unwritable */
#define ROOM_WAKE_READS 64    /* room bell: datagrams taken per wake-up, at most */

/* ---- the data bell: the rendezvous socket ------------------------------ */

/* Take bell bytes off the socket, a bounded number.  True if the peer is
 * gone (end of stream, or the connection broken); *more says that bytes
 * may remain (the peer rang faster than we read: the socket stays readable
 * and the caller comes back, after its other clients). */
bool shm_data_bell_clear(const struct shm_conn *m, bool *more)
{
	char b[BELL_BUF];
	*more = false;
	for (int i = 0; i < BELL_DRAIN_READS; i++) {
		ssize_t n = recv(m->sock, b, sizeof b, MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n == 0)
			return true;
		if (errno == EINTR)
			continue;
		return errno != EAGAIN && errno != EWOULDBLOCK;
	}
	*more = true;
	return false;
}

/* Ring: one byte, never waited for (a full socket buffer already holds
 * bells enough). */
void shm_data_bell_ring(const struct shm_conn *m)
{
	while (send(m->sock, "!", 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/* Is the peer gone?  Bell bytes may wait first: peek past them. */
bool shm_peer_gone(const struct shm_conn *m)
{
	char b;
	ssize_t n = recv(m->sock, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* ---- the room bells: a datagram socket pair per direction ------------- */

/* A fresh room bell: pair[0] the producer keeps (its wfd), pair[1] the
 * consumer drains.  The smallest send buffer: two datagrams fill it. */
int shm_bell_pair(int pair[2])
{
	int zero = 0;
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) < 0)
		return -1;
	(void)setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &zero, sizeof zero);
	return 0;
}

/* Make our room bell unwritable: datagrams into the pair until poll() no
 * longer says POLLOUT.  0: armed (or the peer is gone, which the caller
 * learns from the rendezvous socket); -1: it stays writable after
 * ROOM_ARM_SENDS datagrams (someone enlarged its send buffer). */
int shm_room_arm(int fd)
{
	for (int i = 0; i < ROOM_ARM_SENDS; i++) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int r = poll(&p, 1, 0);
		if (r == 0 || (r == 1 && !(p.revents & POLLOUT)))
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (send(fd, "r", 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EINTR)
			return 0; /* EAGAIN: full; anything else: the peer is gone */
	}
	return -1;
}

/* Wake a producer asleep on its room bell: take its datagrams (a bounded
 * number) off our end of its pair. */
void shm_room_wake(int fd)
{
	char b[16];
	for (int i = 0; i < ROOM_WAKE_READS; i++)
		if (recv(fd, b, sizeof b, MSG_DONTWAIT) < 0 && errno != EINTR)
			return;
}

/* ---- how the reads' waits ended ----------------------------------------- */

/* The counts shm_wait_count() (shm.h) keeps, for `ipclab bench latency
 * --waits`: which reads found their bytes at once, which by looking again,
 * which only after sleeping on the doorbell. */
void shm_wait_tally(const struct ipc_conn *c, struct ipc_wait_tally *out)
{
	const struct shm_conn *m = c->priv;
	for (int k = 0; k < IPC_END_KINDS; k++)
		out->n[k] = m ? m->waits[k] : 0;
}

/* ---- --wait spin ------------------------------------------------------- */

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Watch *word until it differs from `seen`, for a bounded time: a bare busy
 * loop for up to SPIN_NS while the peer runs on another CPU, then
 * sched_yield() for up to YIELD_NS; the caller then rings or sleeps after
 * all.  When the peer last waited on OUR CPU it cannot move while we spin,
 * so we yield from the first look: on one CPU, spinning hands over the time
 * slice instead of burning it.  `my_cpu` is published for the peer;
 * `peer_cpu` and `peer_cpu2` say where it last waited, in this ring and in
 * the other (-1: it never has).  True if the word moved. */
bool shm_spin_for_change(const _Atomic uint64_t *word, uint64_t seen, _Atomic int32_t *my_cpu,
			 const _Atomic int32_t *peer_cpu, const _Atomic int32_t *peer_cpu2)
{
	int cpu = sched_getcpu();
	/* Stored only when it changed: our line stays clean in the peer's cache. */
	if (atomic_load_explicit(my_cpu, memory_order_relaxed) != cpu)
		atomic_store_explicit(my_cpu, cpu, memory_order_relaxed);
	bool same_cpu = cpu >= 0 && (atomic_load_explicit(peer_cpu, memory_order_relaxed) == cpu ||
				     atomic_load_explicit(peer_cpu2, memory_order_relaxed) == cpu);
	/* The clock is read only after a first round of looks: a reading
	 * costs about as much as a line crossing between two cores, and most
	 * waits end before it would have returned.  On our own CPU the peer
	 * cannot move while we look: yield from the start. */
	long long start = 0, busy_until = 0;

	for (unsigned i = 0;; i++) {
		if (atomic_load_explicit(word, memory_order_acquire) != seen)
			return true;
		if ((i & 63) != 63 && !same_cpu) {
			cpu_relax();
			continue;
		}
		long long t = now_ns();
		if (start == 0) {
			start = t;
			busy_until = same_cpu ? t : t + SPIN_NS;
		}
		if (t >= start + SPIN_NS + YIELD_NS)
			return false;
		if (t >= busy_until)
			sched_yield();
	}
}
