/*
 * test_wakeups.c - lost wake-ups, tested instead of hoped against.
 *
 * A side that finds nothing to read (or no room to write) goes to sleep on
 * a doorbell; the other side must ring it.  If it does not (a flag not
 * raised before the sleep, a fence missing between a store and a load) the
 * sleeper sleeps until its peer's idle time-out, or for ever.  Here two
 * processes, pinned to two CPUs when there are two, run long interleaved
 * round trips of every size (one byte to more than a ring) through shm, in
 * block and spin modes, and through mqueue; each side pauses now and then
 * so that the other's spin gives up and it sleeps.  Every round trip has a
 * deadline far below the idle time-out: a missed doorbell fails the test,
 * naming the round trip, instead of stalling it.
 */
#include "support.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io.h"

#define ENV struct test_env *env = *state
#define ROUND_TRIP_MS 2000 /* the idle time-out is 10 s */
#define ECHO_BUF (4u << 20)

extern const struct ipc_transport shm_transport, mqueue_transport;

static void pin(int cpu)
{
	cpu_set_t set;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof set, &set);
}

/* Wait until the connection can read (or write, when `out`), up to
 * `until`.  False when the time is up. */
static bool wait_for(const struct ipc_conn *c, bool out, long long until)
{
	struct pollfd p[2] = { { .fd = c->rfd, .events = POLLIN },
			       { .fd = c->wfd, .events = POLLOUT } };
	long long left = until - io_now_ms();
	if (left <= 0)
		return false;
	int r = poll(p, out ? 2 : 1, (int)left);
	return r > 0 || (r < 0 && errno == EINTR);
}

/* The echo: every byte back, reading only while its buffer has room. */
static void echo(struct ipc_conn *c)
{
	static char buf[ECHO_BUF];
	size_t start = 0, end = 0;
	struct ipc_error e;
	unsigned turns = 0;

	for (;;) {
		bool moved = false;
		if (end < sizeof buf) {
			ssize_t n = c->t->recv(c, buf + end, sizeof buf - end, &e);
			if (n == 0 && start == end)
				return;
			if (n > 0) {
				end += (size_t)n;
				moved = true;
				if (++turns % 37 == 0)
					usleep(3000); /* let the peer's spin give up */
			} else if (n < 0 && n != IPC_WOULD_BLOCK) {
				_exit(2);
			}
		}
		if (start < end) {
			ssize_t n = c->t->send(c, buf + start, end - start, &e);
			if (n > 0) {
				start += (size_t)n;
				moved = true;
			} else if (n != IPC_WOULD_BLOCK) {
				_exit(3);
			}
			if (start == end)
				start = end = 0;
		}
		if (!moved && !wait_for(c, start < end, io_now_ms() + 30000))
			_exit(4);
	}
}

/* One round trip: all of out sent, and the same bytes back, by `until`. */
static bool round_trip(struct ipc_conn *c, const char *out, char *in, size_t len,
		       long long until)
{
	size_t sent = 0, got = 0;
	struct ipc_error e = { 0 };

	while (got < len) {
		bool moved = false;
		if (sent < len) {
			ssize_t n = c->t->send(c, out + sent, len - sent, &e);
			if (n > 0) {
				sent += (size_t)n;
				moved = true;
			} else if (n != IPC_WOULD_BLOCK) {
				fail_msg("send: %s", e.msg);
			}
		}
		ssize_t n = c->t->recv(c, in + got, len - got, &e);
		if (n > 0) {
			got += (size_t)n;
			moved = true;
		} else if (n == 0 || n != IPC_WOULD_BLOCK) {
			fail_msg("recv: %s", n == 0 ? "end of stream" : e.msg);
		}
		if (!moved && !wait_for(c, sent < len, until))
			return false;
	}
	assert_memory_equal(in, out, len);
	return true;
}

static void run(struct test_env *env, const struct ipc_transport *t, enum ipc_wait wait,
		size_t largest, int rounds)
{
	static const size_t sizes[] = { 1, 13, 100, 4096, 70000 };
	struct ipc_server s;
	struct ipc_conn c, peer;
	struct ipc_error e = { 0 };
	char *out = malloc(largest), *in = malloc(largest);

	assert_non_null(out);
	assert_non_null(in);
	test_deadline(60, "hundreds of round trips of up to 3 MiB, each with its own 2 s "
		      "deadline; 3 s on a quiet machine");
	for (size_t i = 0; i < largest; i++)
		out[i] = (char)(i * 7 + i / 251);
	env->ctx.wait = wait;
	ipc_server_init(&s, t, &env->ctx);
	assert_int_equal(t->listen(&s, NULL, &e), 0);
	fflush(NULL);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) { /* the echo: the server's side */
		int r;
		pin(1);
		ipc_conn_init(&peer, t, &env->ctx);
		long long until = io_now_ms() + test_scale_ms(5000);
		while ((r = t->accept(&s, &peer, &e)) == IPC_WOULD_BLOCK && io_now_ms() < until)
			io_wait(s.fd, POLLIN, -1, 100);
		free(out); /* the echo needs neither; a leak checker would count them */
		free(in);
		if (r < 0)
			_exit(5);
		echo(&peer);
		t->close(&peer);
		t->shutdown(&s, true);
		_exit(0);
	}
	pin(0);
	test_connect(env, t, &s, &c);
	t->shutdown(&s, false);
	for (int i = 0; i < rounds; i++) {
		size_t len = i % 6 == 5 ? largest - (size_t)i : sizes[i % 6 % 5];
		if (i % 23 == 0)
			usleep(3000); /* the echo's spin gives up: it sleeps */
		if (!round_trip(&c, out, in, len, io_now_ms() + test_scale_ms(ROUND_TRIP_MS))) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
			fail_msg("%s (%s): round trip %d of %zu bytes stalled for %d ms: a "
				 "doorbell was missed", t->name, wait == IPC_WAIT_SPIN ? "spin" :
				 "block", i, len, ROUND_TRIP_MS);
		}
	}
	t->close(&c);
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(out);
	free(in);
	env->ctx.wait = IPC_WAIT_BLOCK;
}

/* ---- room freed by a consumer's last read --------------------------------
 *
 * The room doorbell's race, made to happen thousands of times.  The client
 * sends messages of nearly a ring's size, back to back, and says on a
 * side pipe when each has been sent in full; the echo's side reads message
 * i in slices and then reads nothing more until the client says message
 * i+1 is sent.  Message i+1 fits only in the room message i leaves (all but
 * a few bytes of it: a reader away from the ring may owe the writer the
 * room of its last few small reads), so the client is (nearly) always
 * waiting for room when the echo's last slice, of at least 4 KiB, frees
 * the last of it, and that slice is the only one that can wake it:
 * if the consumer's store of tail and its load of writer_waiting are not
 * ordered (a fence removed), or the producer's store of writer_waiting and
 * its load of tail, both can miss the other, and the client sleeps while
 * the echo waits for it.  The echo waits a random few microseconds before
 * its last slice, so that the slice lands at every point of the client's
 * way to sleep.  Each message has its deadline. */
#define RING_BYTES (1u << 20) /* the ring's size per direction */
#define MSG_BYTES (RING_BYTES - 64)
#define LAST_SLICE 4096
#define ROOM_ROUNDS 8000 /* a removed fence stalled one between the 760th and the 5260th
			   * (busy 2-CPU x86 machine) */
#define ROOM_ROUNDS_VALGRIND 300 /* the copies run some 50 times slower */

static unsigned next_random(unsigned *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void busy_wait_ns(long ns)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < ns);
}

/* The echo's side: message i read in slices, checked, then the wait for
 * the client's word that message i+1 is sent.  Exit 0, or the step that
 * failed. */
static void room_consumer(struct ipc_conn *c, int said, char *buf, int rounds)
{
	struct ipc_error e;
	unsigned x = 2463534242u;
	for (int i = 0; i < rounds; i++) {
		char word;
		/* Longer than the client's: on a stall, the client names it. */
		long long until = io_now_ms() + 3 * test_scale_ms(ROUND_TRIP_MS);
		/* Message i is sent in full (it is in the ring, or read). */
		if (io_wait(said, POLLIN, -1, (int)(until - io_now_ms())) != IO_READY ||
		    read(said, &word, 1) != 1)
			_exit(6);
		size_t got = 0;
		while (got < MSG_BYTES) {
			size_t left = MSG_BYTES - got;
			size_t slice = 1 + next_random(&x) % (RING_BYTES / 3);
			if (slice + LAST_SLICE > left) {
				slice = left;
				busy_wait_ns((long)(next_random(&x) % 40000));
			}
			ssize_t n = c->t->recv(c, buf + got, slice, &e);
			if (n > 0)
				got += (size_t)n;
			else if (n != IPC_WOULD_BLOCK)
				_exit(7);
			else if (!wait_for(c, false, until))
				_exit(8);
		}
		for (size_t k = 0; k < MSG_BYTES; k += 4093)
			if (buf[k] != (char)(i + k))
				_exit(9);
	}
}

static void test_shm_room_after_last_read(void **state)
{
	ENV;
	const struct ipc_transport *t = &shm_transport;
	struct ipc_server s;
	struct ipc_conn c, peer;
	struct ipc_error e = { 0 };
	int said[2];
	char *msg = malloc(RING_BYTES);
	int rounds = getenv("IPCLAB_VALGRIND") ? ROOM_ROUNDS_VALGRIND : ROOM_ROUNDS;

	assert_non_null(msg);
	test_deadline(60, "thousands of 1 MiB messages each way, each with its own 2 s "
		      "deadline; 5 s on a quiet machine");
	assert_int_equal(pipe(said), 0);
	env->ctx.wait = IPC_WAIT_BLOCK;
	ipc_server_init(&s, t, &env->ctx);
	assert_int_equal(t->listen(&s, NULL, &e), 0);
	fflush(NULL);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int r;
		pin(1);
		close(said[1]);
		ipc_conn_init(&peer, t, &env->ctx);
		long long until = io_now_ms() + test_scale_ms(5000);
		while ((r = t->accept(&s, &peer, &e)) == IPC_WOULD_BLOCK && io_now_ms() < until)
			io_wait(s.fd, POLLIN, -1, 100);
		if (r < 0)
			_exit(5);
		room_consumer(&peer, said[0], msg, rounds);
		free(msg);
		close(said[0]);
		t->close(&peer);
		t->shutdown(&s, true);
		_exit(0);
	}
	close(said[0]);
	pin(0);
	test_connect(env, t, &s, &c);
	t->shutdown(&s, false);
	for (int i = 0; i < rounds; i++) {
		long long until = io_now_ms() + test_scale_ms(ROUND_TRIP_MS);
		for (size_t k = 0; k < MSG_BYTES; k += 4093)
			msg[k] = (char)(i + k);
		size_t sent = 0;
		while (sent < MSG_BYTES) {
			ssize_t n = t->send(&c, msg + sent, MSG_BYTES - sent, &e);
			if (n > 0) {
				sent += (size_t)n;
			} else if (n != IPC_WOULD_BLOCK) {
				/* Refusing an honest consumer's peer is a failure
				 * too: "its room doorbell cannot be made to wait"
				 * came when arming the bell raced the consumer's
				 * draining of it, once in a few thousand messages. */
				kill(child, SIGKILL);
				waitpid(child, NULL, 0);
				fail_msg("shm (block): message %d, %zu bytes sent: send: %s", i, sent,
					 e.msg);
			} else if (!wait_for(&c, true, until)) {
				kill(child, SIGKILL);
				waitpid(child, NULL, 0);
				fail_msg("shm (block): message %d of 1 MiB - 64 bytes stalled with %zu bytes sent "
					 "for %d ms: the room doorbell was missed (the reader freed "
					 "the room and waits)", i, sent, ROUND_TRIP_MS);
			}
		}
		assert_int_equal(write(said[1], "s", 1), 1);
	}
	close(said[1]);
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	t->close(&c);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(msg);
}

static void test_shm_block(void **state)
{
	ENV;
	run(env, &shm_transport, IPC_WAIT_BLOCK, 3u << 20, 600);
}

static void test_shm_spin(void **state)
{
	ENV;
	run(env, &shm_transport, IPC_WAIT_SPIN, 3u << 20, 600);
}

static void test_mqueue_block(void **state)
{
	ENV;
	run(env, &mqueue_transport, IPC_WAIT_BLOCK, 200000, 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_shm_block, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_shm_spin, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_mqueue_block, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_shm_room_after_last_read, test_env_setup,
						test_env_teardown),
	};
	if (getenv("IPCLAB_TEST_FILTER")) /* e.g. "test_shm_room*" while debugging */
		cmocka_set_test_filter(getenv("IPCLAB_TEST_FILTER"));
	return cmocka_run_group_tests_name("wake-ups", tests, NULL, NULL);
}
