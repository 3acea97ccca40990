/*
 * latency_uring.h - `ipclab bench latency --io uring`: the client's round
 * trip through an io_uring instead of write() and read().
 *
 * The request's write and the reply's read go to the kernel as two linked
 * submission queue entries, in one io_uring_enter() that also waits for
 * both: one system call per round trip instead of two.  What that saves,
 * and what the ring costs instead, is the measurement.
 */
#ifndef IPCLAB_BENCH_LATENCY_URING_H
#define IPCLAB_BENCH_LATENCY_URING_H

#include <stddef.h>

#include "ipc.h"

struct bench_uring;

/* Can the client of transport t move its bytes through a ring?  0, or -1
 * and e (IPC_USAGE): a stream whose descriptors carry the bytes. */
int bench_uring_check(const struct ipc_transport *t, struct ipc_error *e);
/* A ring for the connection's two descriptors (switched to blocking:
 * the ring waits, not us).  NULL and e if io_uring is refused. */
struct bench_uring *bench_uring_new(int rfd, int wfd, struct ipc_error *e);
/* Write req (len bytes), then read exactly reply_len bytes into got.
 * 0, or -1 and e (the peer hung up: IPC_PROTOCOL). */
int bench_uring_trip(struct bench_uring *u, const void *req, size_t len, void *got,
		     size_t reply_len, struct ipc_error *e);
/* Let a read wait at most ms (a server at --address that never answers):
 * then bench_uring_trip() fails with IPC_TIMEOUT.  The ring ignores
 * SO_RCVTIMEO, so without this such a read would wait for ever. */
void bench_uring_set_read_timeout(struct bench_uring *u, int ms);
void bench_uring_free(struct bench_uring *u);

#endif
