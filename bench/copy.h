/*
 * copy.h - the zero-copy ladder: `ipclab bench throughput --copy RUNG`.
 *
 * write() copies the sender's bytes into the kernel and read() copies them
 * out again: two copies of every byte, the bottom rung.  Each rung above
 * takes a copy away and asks something of the program in return (whole
 * pages, buffers left alone until the kernel lets go of them, huge pages, a
 * CPU that never sleeps).  Whether a transport can climb a rung is decided
 * by its descriptor, never by its name: the pipe rungs need a pipe, the TCP
 * rungs a TCP socket; the ring rungs a transport that offers its ring in
 * place (ipc.h's struct ipc_inplace: shm).
 *
 * Every rung still counts every byte.  A receiver that sees the bytes checks
 * all of them, as the bottom rung does; one that never sees them (splice to
 * /dev/null) reads each message's 8-byte tag and says so in the row
 * (TAGS-ONLY): order and loss are checked, the body is not.
 */
#ifndef IPCLAB_COPY_H
#define IPCLAB_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench.h"

/* What both sides of a rung share. */
struct bench_copy_plan {
	enum copy_rung rung;
	const char *name;              /* the transport, for messages */
	size_t size;                   /* message bytes */
	unsigned long long messages;
	const unsigned char *pattern;  /* the body every message shares */
	bool verify;                   /* false with --no-verify */
};

/* What a rung saw, for the row's notes. */
struct bench_copy_stats {
	unsigned long long zc_sends;   /* MSG_ZEROCOPY sends completed ... */
	unsigned long long zc_copied;  /* ... of which the kernel copied anyway */
	unsigned long long mapped;     /* TCP_ZEROCOPY_RECEIVE: bytes mapped, not copied */
	bool huge;                     /* the sender's buffers sat on huge pages */
	/* The sender's buffers, which the kernel may hold pages of until the
	 * receiver has passed them all on: freed by bench_copy_release(). */
	void *lent;
	size_t lent_len;               /* > 0: lent is an mmap() of this length */
	unsigned char *bufs;           /* the sender's buffers, nbuf of size bytes, */
	size_t nbuf;                   /* each filled with the pattern */
};

/* Refuse a rung the request cannot climb (datagrams, sizes the rung cannot
 * carry), before anything is forked: IPC_USAGE with the reason. */
int bench_copy_check_request(enum copy_rung rung, const struct ipc_transport *t,
			     size_t size, struct ipc_error *e);

/* Refuse a rung whose descriptor is of the wrong kind: IPC_USAGE naming
 * what the descriptor is and what the rung needs. */
int bench_copy_check_fd(enum copy_rung rung, const char *name, int fd, struct ipc_error *e);

/* The sender's set-up, before the clock starts: its buffers allocated and
 * filled with the pattern (every page touched), the descriptor made ready
 * (F_SETPIPE_SZ, SO_ZEROCOPY).  memcpy's ceiling writes its buffers before
 * its clock starts too, so neither side pays page faults in the timed
 * window.  0, or -1 with e set; bench_copy_release() frees what it took. */
int bench_copy_prepare(const struct bench_copy_plan *cp, int fd, struct bench_copy_stats *st,
		       struct ipc_error *e);

/* The sender: messages 0 .. messages-1 of the pattern, each tagged, down
 * `fd` by the rung's means.  0, or -1 with `e`. */
int bench_copy_send(const struct bench_copy_plan *cp, int fd, struct bench_progress *pg,
		    struct bench_copy_stats *st, struct ipc_error *e);

/* Free the sender's buffers.  Call it only once the kernel holds none of
 * their pages: after the receiver's acknowledgement, or once the pair is
 * gone (both ends of the pipe or socket closed). */
void bench_copy_release(struct bench_copy_stats *st);

/* The receiver of a rung that reads otherwise than read(): everything the
 * sender sent, counted into v->offset and checked as far as the rung lets
 * it.  0, or -1 with `e`. */
int bench_copy_receive(const struct bench_copy_plan *cp, int fd, struct bench_stream_check *v,
		       struct bench_copy_stats *st, struct ipc_error *e);

/* Does the receiver of this rung read otherwise than read()? */
bool bench_copy_own_receiver(enum copy_rung rung);
/* Does the sender of this rung write otherwise than write()? */
bool bench_copy_own_sender(enum copy_rung rung);

/* The rungs of a ring used in place (copy_rungs[rung].needs == COPY_RING),
 * through the connection's transport's struct ipc_inplace: the sender
 * (inplace: messages written in the ring) and the receiver (peek, inplace:
 * every byte checked in the ring, unless cp->verify is false).  0, or -1
 * with `e`. */
int bench_copy_send_ring(const struct bench_copy_plan *cp, struct ipc_conn *c,
			 struct bench_progress *pg, struct ipc_error *e);
int bench_copy_receive_ring(const struct bench_copy_plan *cp, struct ipc_conn *c,
			    struct bench_stream_check *v, struct ipc_error *e);

/* MSG_ZEROCOPY's completions: every send() that queued bytes gets the next
 * 32-bit id; the kernel later reports ranges [lo, hi] of ids whose pages it
 * no longer holds, usually in order, not always.  `done` counts the ids
 * finished from 0 with no gap; ranges that arrive ahead of a gap wait in
 * `ahead` until the gap closes. */
#define BENCH_ZC_AHEAD 64
struct bench_zc_done {
	uint32_t done;
	unsigned n_ahead;
	uint32_t ahead_lo[BENCH_ZC_AHEAD], ahead_hi[BENCH_ZC_AHEAD];
};
/* Record the range [lo, hi]; 0, or -1 when it overlaps ids already done or
 * too many ranges wait ahead of a gap. */
int bench_zc_complete(struct bench_zc_done *d, uint32_t lo, uint32_t hi);

/* `ipclab bench memcpy`: one CPU copying size-byte blocks from one buffer to
 * another, the ceiling every rung is held against. */
int bench_memcpy(const struct bench_opts *o, struct bench_result *r, struct ipc_error *e);

#endif
