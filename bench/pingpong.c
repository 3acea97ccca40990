/*
 * pingpong.c - `ipclab bench pingpong`: the physical limit of any round trip.
 *
 * Two processes (pinned with --pin A,B like every benchmark) share one cache
 * line of anonymous MAP_SHARED memory and pass a counter back and forth:
 * the parent stores an odd value and spins until it reads the next even
 * one, which the child stores as soon as it sees the odd.  No system call,
 * no copy, no wake-up: what is left is the coherence protocol moving one
 * line between two cores (or, pinned to one CPU, the scheduler handing the
 * CPU over, since a spinner yields there).  Every transport's round trip
 * can be read as a multiple of this row.
 *
 * One round trip is far shorter than a clock reading (tens of ns), so the
 * clock is read once per batch of PINGPONG_BATCH round trips and each
 * sample is that batch's mean.  The row's transport is "pingpong" and its
 * size the 64 bytes of a cache line.
 */
#include "bench.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PINGPONG_BATCH 1000
#define PINGPONG_SPINS 64 /* looks before yielding the CPU (one CPU: hand it over) */

struct line {
	_Alignas(64) _Atomic uint64_t value;
	char pad[64 - sizeof(uint64_t)];
};

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Wait until *v == want: spin, yielding now and then, so that two
 * processes on one CPU still make progress. */
static inline void await(struct line *l, uint64_t want)
{
	for (unsigned i = 1; atomic_load_explicit(&l->value, memory_order_acquire) != want; i++) {
		relax();
		if (i % PINGPONG_SPINS == 0)
			sched_yield();
	}
}

int bench_pingpong(const struct bench_opts *o, struct bench_result *r, struct ipc_error *e)
{
	unsigned long batches = (o->count + PINGPONG_BATCH - 1) / PINGPONG_BATCH;
	unsigned long warm = (o->warmup + PINGPONG_BATCH - 1) / PINGPONG_BATCH;
	uint64_t trips = (uint64_t)(batches + warm) * PINGPONG_BATCH;
	cpu_set_t saved;
	int rc = -1;

	bench_result_init(r, o, "latency");
	r->row.transport = "pingpong";
	if (bench_check_pins(o->pin, e) < 0)
		return -1;
	uint64_t *ns = calloc(batches, sizeof *ns);
	double *us = calloc(batches, sizeof *us);
	struct line *l = mmap(NULL, sizeof *l, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			      -1, 0);
	if (!ns || !us || l == MAP_FAILED) {
		ipc_fail(e, IPC_SYSTEM, l == MAP_FAILED ? errno : ENOMEM, "memory for the ping-pong");
		goto out;
	}
	atomic_store(&l->value, 0);
	pid_t pid = fork();
	if (pid < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "fork the ping-pong partner");
		goto out;
	}
	if (pid == 0) { /* the partner: answer every odd value with the next even */
		struct ipc_error ce;
		if (bench_pin(o->pin[1], &ce) < 0)
			_exit(IPC_SYSTEM);
		for (uint64_t v = 1; v < 2 * trips; v += 2) {
			await(l, v);
			atomic_store_explicit(&l->value, v + 1, memory_order_release);
		}
		_exit(0);
	}
	bool pinned = o->pin[0] >= 0 && sched_getaffinity(0, sizeof saved, &saved) == 0;
	if (pinned && bench_pin(o->pin[0], e) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out;
	}
	uint64_t v = 0;
	for (unsigned long b = 0; b < warm + batches; b++) {
		uint64_t t0 = bench_now_ns();
		for (int i = 0; i < PINGPONG_BATCH; i++) {
			atomic_store_explicit(&l->value, v + 1, memory_order_release);
			await(l, v + 2);
			v += 2;
		}
		if (b >= warm)
			ns[b - warm] = (bench_now_ns() - t0) / PINGPONG_BATCH;
	}
	if (pinned)
		sched_setaffinity(0, sizeof saved, &saved);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ipc_fail(e, IPC_SYSTEM, 0, "the ping-pong partner failed (status %d)", status);
		goto out;
	}
	r->row.size = sizeof *l;
	r->row.count = batches * PINGPONG_BATCH;
	bench_note(r, "BATCH-MEANS");
	rc = bench_finish_latency(r, o, ns, us, batches, e);
out:
	free(ns);
	free(us);
	if (l != MAP_FAILED && l)
		munmap(l, sizeof *l);
	return rc;
}
