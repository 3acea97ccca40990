/*
 * shm.h - what the files of the shared-memory transport share (shm.c: the
 * server's life cycle; shm_handover.c: a connection's state, the client's
 * connect, the memory and doorbells handed over, and checked; shm_ring.c:
 * the rings, copied through or used in place; shm_wait.c: doorbells and spinning).  Not a public interface: the rest of ipclab sees only
 * `shm_transport` (and the hand-over fuzzer, fuzz/fuzz_handover.c).
 */
#ifndef IPCLAB_SHM_H
#define IPCLAB_SHM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ipc.h"

#define SHM_NAME "shm"
#define SHM_MAGIC 0x69706373u /* "ipcs" */
#define SHM_RING (1u << 20)   /* bytes per direction: a 1 MiB message fits */
#define SHM_CACHELINE 64
#define SHM_HANDOVER_FDS 3    /* the memfd, then the two room doorbells */

/* Bytes of a small message that travel in the producer's line itself. */
#define SHM_SMALL 48

/* One direction.  Each side writes its own lines only: the producer's
 * stores never evict the line the consumer writes, and the reverse.
 *
 * A small send (SHM_SMALL bytes or fewer) also puts its bytes in the
 * producer's line, beside `head`, stamped with where they end: the consumer
 * that sees head move finds the bytes in the line it just fetched, and
 * never reads the data line (which then stays in the producer's cache).  A
 * greeting's round trip so moves about two lines, one each way, as the
 * cache-line ping-pong does.  The ring's data stays the whole truth: the
 * small copy is only a shortcut, used when its stamp says it holds exactly
 * the bytes the consumer is about to read. */
struct shm_ring {
	/* The producer's line, written once a send. */
	_Alignas(SHM_CACHELINE) _Atomic uint64_t head; /* bytes ever written */
	_Atomic uint64_t stamp;           /* (end << 8) | n: `small` holds the n
					     bytes that end at position end;
					     0: none (being rewritten) */
	_Atomic uint64_t small[SHM_SMALL / 8];
	/* The producer's other line, seldom written. */
	_Alignas(SHM_CACHELINE) _Atomic uint32_t closed; /* the producer said all it will */
	_Atomic int32_t producer_cpu;     /* where the producer last waited; -1: never */
	/* The consumer's line. */
	_Alignas(SHM_CACHELINE) _Atomic uint64_t tail; /* bytes ever read */
	_Atomic uint32_t reader_waiting;  /* 1 unless the consumer is spinning on
					     head: then no bell is needed */
	_Atomic uint32_t writer_waiting;  /* the producer sleeps on "room" */
	_Atomic int32_t consumer_cpu;     /* where the consumer last waited; -1: never */
	_Alignas(SHM_CACHELINE) unsigned char data[SHM_RING];
};

struct shm_region {
	uint32_t magic, ring_size;
	struct shm_ring ring[2]; /* [0] client -> server, [1] server -> client */
};

/* One side of a connection. */
struct shm_conn {
	struct shm_region *mem;
	struct shm_ring *in, *out;
	int sock;  /* the rendezvous connection: data bell, the peer's liveness */
	int arm;   /* our room bell: made unwritable while we wait for room (wfd) */
	int wake;  /* the far end of the peer's room bell: drained to wake it */
	bool eof;
	uint64_t head_mine; /* out's head as we last stored it */
	uint64_t tail_mine; /* in's tail as we last stored it */
	bool waiting_mine;  /* in's reader_waiting as we last stored it */
	uint64_t tail_seen; /* out's tail when we last looked: room known without
			       fetching the consumer's line again */
	size_t reserved;    /* in-place write: bytes reserved, not yet committed */
	size_t peeked;      /* in-place read: bytes shown, not yet released */
	uint32_t unpublished; /* small reads taken, their tail not yet stored: told
				 before we wait, or once SHM_LAZY_TAIL of them */
	/* How this side's reads found their bytes (ipc.h's wait_tally), in
	 * private memory: counting costs no line crossing. */
	unsigned long long waits[IPC_END_KINDS];
	uint64_t head_counted;  /* in's head when a read was last counted */
	unsigned char deepest;  /* the read under way slept already (IPC_END_SLEPT), or not */
};

struct shm_conn *shm_conn_new(void);
void shm_conn_free(struct shm_conn *m);

/* shm_handover.c */
int shm_connect(struct ipc_conn *c, const struct ipc_addr *a, struct ipc_error *e);
/* Client, Step C1-C3: the memory and both room bells, made and sent over
 * the connected socket m->sock.  The ends the server keeps are closed here. */
int shm_handover_send(const struct ipc_ctx *ctx, struct shm_conn *m, const char *to,
		      struct ipc_error *e);
/* Server, Step 4: take a client's hand-over from m->sock without ever
 * waiting.  0: m's memory and bells are set; IPC_WOULD_BLOCK: nothing yet;
 * -1 (IPC_PROTOCOL unless the fault is ours): refused. */
int shm_handover_receive(const struct ipc_ctx *ctx, struct shm_conn *m, struct ipc_error *e);

/* shm_ring.c: the transport's recv() and send(), built on its in-place
 * calls (`shm_inplace`, ipc.h's struct ipc_inplace). */
ssize_t shm_ring_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e);
ssize_t shm_ring_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e);
ssize_t shm_ring_reserve(struct ipc_conn *c, size_t len, void **at, struct ipc_error *e);
int shm_ring_commit(struct ipc_conn *c, size_t len, struct ipc_error *e);
ssize_t shm_ring_peek(struct ipc_conn *c, size_t max, const void **at, struct ipc_error *e);
int shm_ring_release(struct ipc_conn *c, size_t len, struct ipc_error *e);
extern const struct ipc_inplace shm_inplace;
/* Store the tail of small reads not yet told (before a close, a wait). */
void shm_ring_flush(struct shm_conn *m);

/* shm_wait.c */
/* Count a read that found bytes up to `head`: once, by the most it waited
 * (slept before, else found at the first look or by looking again).  A
 * look at bytes already counted (the pieces of a large read) is not a
 * read of its own.  A counter and a compare: no system call, no line the
 * peer reads. */
static inline void shm_wait_count(struct shm_conn *m, bool at_first_look, uint64_t head)
{
	if (head == m->head_counted)
		return;
	m->head_counted = head;
	m->waits[m->deepest ? m->deepest : at_first_look ? IPC_END_READY : IPC_END_SPUN]++;
	m->deepest = 0;
}
/* The read under way found nothing: its caller sleeps on the doorbell. */
static inline void shm_wait_slept(struct shm_conn *m)
{
	m->deepest = IPC_END_SLEPT;
}
void shm_wait_tally(const struct ipc_conn *c, struct ipc_wait_tally *out);
bool shm_spin_for_change(const _Atomic uint64_t *word, uint64_t seen, _Atomic int32_t *my_cpu,
			 const _Atomic int32_t *peer_cpu, const _Atomic int32_t *peer_cpu2);
bool shm_data_bell_clear(const struct shm_conn *m, bool *more);
void shm_data_bell_ring(const struct shm_conn *m);
bool shm_peer_gone(const struct shm_conn *m);
int shm_room_arm(int fd);
void shm_room_wake(int fd);
int shm_bell_pair(int pair[2]);

#endif
