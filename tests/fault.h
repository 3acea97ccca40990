/*
 * fault.h - scripted system-call faults, for test programs only.
 *
 * The test binaries that include this seam are linked with
 * `-Wl,--wrap=read,--wrap=write,...` (see the Makefile): every call the
 * project's objects make to one of the calls below goes to a wrapper in
 * fault.c, which either passes it on untouched or does what a rule says:
 *
 *   fault_add(&(struct fault){ .call = FAULT_WRITE, .nth = 3, .max = 1 });
 *       the 3rd write() from now moves at most 1 byte
 *   fault_add(&(struct fault){ .call = FAULT_READ, .err = EINTR });
 *       the next read() fails with EINTR, having read nothing
 *   fault_add(&(struct fault){ .call = FAULT_ACCEPT4, .err = EMFILE,
 *                              .where = FAULT_CHILD });
 *       the next accept4() in a forked child (a server) fails with EMFILE
 *
 * The rules and counters live in one shared anonymous mapping, so a rule
 * added by the test process reaches a server child that is already running,
 * and what the child's faults did (fault_fired) is seen by the test.
 * Rules compose: every rule whose window holds a call acts on it (the first
 * errno wins, the smallest byte limit holds, every hook runs).
 * fault_reset() forgets everything: each test starts from a clean slate.
 * With no rule, every wrapper is the plain call.
 */
#ifndef IPCLAB_TEST_FAULT_H
#define IPCLAB_TEST_FAULT_H

#include <stdbool.h>
#include <stddef.h>

enum fault_call {
	FAULT_READ, FAULT_WRITE, FAULT_SEND, FAULT_RECV, FAULT_SENDTO, FAULT_RECVMSG,
	FAULT_ACCEPT4, FAULT_CONNECT, FAULT_SOCKET, FAULT_OPEN,
	FAULT_POLL, FAULT_SELECT, FAULT_EPOLL_WAIT,
	FAULT_NCALLS
};

/* Which processes a rule applies to: the one that added it, or any process
 * forked from it (a server child), or both. */
enum fault_where { FAULT_ANYWHERE, FAULT_HERE, FAULT_CHILD };

struct fault {
	enum fault_call call;
	int nth;          /* act on the nth matching call from now on (0 or 1: the next) */
	int times;        /* ... and on this many calls in a row (0: one; -1: all) */
	int fd;           /* only calls on this descriptor (0: any) */
	enum fault_where where;
	/* What to do, one of: */
	int err;          /* fail with this errno without making the call (connect:
			     EINTR is returned after the call, as POSIX has it: the
			     connection goes on in the background) */
	size_t max;       /* read/write/send/recv: move at most this many bytes */
	void (*hook)(void *arg, int fd); /* call this (with the call's descriptor, or
					    -1), then make the call as usual */
	void *arg;
};

/* Add a rule; returns its number (for fault_fired), or fails the test. */
int fault_add(const struct fault *f);
/* How many times rule `id` acted, in every process. */
int fault_fired(int id);
/* Calls of this kind this process made since the last reset. */
long fault_calls(enum fault_call call);
/* Forget every rule and counter (and stop the virtual clock). */
void fault_reset(void);
/* Drop the rules, keep counting. */
void fault_clear_rules(void);

/* The name of a call, for messages: "read", "accept4", ... */
const char *fault_call_name(enum fault_call call);

/*
 * A virtual CLOCK_MONOTONIC, for tests of deadlines: while it runs,
 * clock_gettime(CLOCK_MONOTONIC) returns virtual time, and a poll() whose
 * descriptors are not ready returns 0 at once after moving the clock on by
 * its whole timeout (a timeout of -1 still waits for real).  A test of a
 * deadline then takes no time, and measures exactly what the code asked for.
 */
void fault_clock_start(void);
long long fault_clock_ms(void); /* virtual milliseconds since fault_clock_start() */
void fault_clock_advance(int ms); /* time passes (say, in a hook) */

#endif
