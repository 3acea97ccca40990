/*
 * findings_uring_zmq.h - summary.md's findings on the io_uring server and
 * round trip and on ZeroMQ against the sockets it runs on.
 */
#ifndef IPCLAB_FINDINGS_URING_ZMQ_H
#define IPCLAB_FINDINGS_URING_ZMQ_H

#include <stdio.h>

#include "run.h"

/* The io_uring server against epoll and redis-server (the rounds by turns
 * of the scaling step), what each server did per greeting (perf's counts),
 * the client's round trip through the ring against read/write, and
 * ZeroMQ's price per message and per byte.  Each one only where the run
 * has its rows; a ratio only where the two intervals are apart. */
void uring_zmq_findings(const struct run *run, FILE *out);

/* "1.52× epoll's 20,000 (19,000–21,000, 3 runs)", "tied with ...": a
 * against b, as the rule for every comparison has it (exposed for the
 * tests). */
const char *uring_zmq_versus(const struct figure *a, const struct figure *b, const char *whose,
			     char *buf, size_t cap);

#endif
