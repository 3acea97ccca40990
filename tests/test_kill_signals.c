/*
 * test_kill_signals.c - ipclab's processes under a storm of signals whose
 * handler is installed without SA_RESTART: each blocking call a side makes
 * (read, recvfrom, mq_receive, poll, accept, connect, sendmsg, waitpid, a
 * ZeroMQ send...) is interrupted with EINTR again and again, and only a
 * retry goes on.  Seen from outside: every reply comes back whole, byte for
 * byte; a benchmark counts every message and loses none; a load run
 * answers every request; the servers exit 0.
 *
 * The storm: a child process sends SIGUSR2 every 50 microseconds to the
 * test process and to each of its children (a server, a benchmark's peer,
 * the load workers).  The handler is set before they are forked, so they
 * inherit it (a fork keeps handlers).
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "conn.h"
#include "load.h"
#include "protocol.h"

static volatile sig_atomic_t interrupts;

static void on_usr2(int sig)
{
	(void)sig;
	interrupts++;
}

/* The handler, without SA_RESTART: an interrupted call fails with EINTR. */
static void catch_usr2(void)
{
	struct sigaction sa = { .sa_handler = on_usr2 };
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR2, &sa, NULL), 0);
}

/* A child that signals `target` and each of its children (read afresh
 * from /proc each round, with plain read(): the parent may have threads,
 * ZeroMQ's, so no malloc here) every 50 us until it is killed. */
static pid_t start_storm(pid_t target)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid != 0)
		return pid;
	char path[64], list[4096];
	pid_t self = getpid();
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)target, (int)target);
	for (;;) {
		if (kill(target, SIGUSR2) < 0)
			_exit(0);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, list, sizeof list - 1);
		if (fd >= 0)
			close(fd);
		for (ssize_t i = 0; i < n;) {
			long kid = 0;
			while (i < n && list[i] >= '0' && list[i] <= '9')
				kid = kid * 10 + (list[i++] - '0');
			while (i < n && (list[i] < '0' || list[i] > '9'))
				i++;
			if (kid > 0 && kid != (long)self)
				kill((pid_t)kid, SIGUSR2);
		}
		struct timespec gap = { .tv_nsec = 50 * 1000 };
		nanosleep(&gap, NULL);
	}
}

/* The storm is on before the first call (a fork is slow on a busy
 * machine: without this, a fast transport could finish unhurt). */
static pid_t storm_on(void)
{
	catch_usr2();
	interrupts = 0;
	pid_t storm = start_storm(getpid());
	while (interrupts == 0) {
		struct timespec tick = { .tv_nsec = 1000 * 1000 };
		nanosleep(&tick, NULL);
	}
	return storm;
}

static void stop_storm(pid_t pid)
{
	int st;
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

/* A name of 1 to GREET_NAME_MAX bytes, its length moving with the round;
 * every third one starts with a two-byte UTF-8 letter. */
static size_t make_name(char *name, int round)
{
	static const char alphabet[] = "abcXYZ019 -_.";
	size_t len = 1 + (size_t)(round * 37) % GREET_NAME_MAX;
	for (size_t i = 0; i < len; i++)
		name[i] = alphabet[(i + (size_t)round) % (sizeof alphabet - 1)];
	if (round % 3 == 0 && len >= 2)
		memcpy(name, "\xc3\xa9", 2);
	return len;
}

static void test_round_trips_under_signals(void **state)
{
	struct test_env *env = *state;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	char name[GREET_NAME_MAX + 1], want[GREET_REPLY_MAX + 1], reply[GREET_REPLY_MAX + 1];
	const int rounds = getenv("IPCLAB_VALGRIND") ? 100 : 1000;

	test_deadline(40, "a thousand round trips, each side interrupted thousands of times");
	catch_usr2(); /* before the fork: the server has it too */
	test_server_start(env, env->t, NULL, -1, &s, &child);
	pid_t storm = storm_on();
	test_connect(env, env->t, &s, &c);
	for (int i = 0; i < rounds; i++) {
		size_t len = make_name(name, i);
		name[len] = '\0';
		int wlen = snprintf(want, sizeof want, "Hello, %s\n", name);
		struct ipc_error e = { 0 };
		size_t n = 0;
		if (conn_greet(&c, name, len, reply, sizeof reply - 1, &n, &e) < 0) {
			stop_storm(storm);
			fail_msg("%s round trip %d (name of %zu bytes), after %d signals: %s",
				 env->t->name, i, len, (int)interrupts, e.msg);
		}
		if (n != (size_t)wlen || memcmp(reply, want, n) != 0) {
			stop_storm(storm);
			fail_msg("%s round trip %d: a reply of %zu bytes, %d expected",
				 env->t->name, i, n, wlen);
		}
	}
	stop_storm(storm);
	env->t->close(&c);
	test_server_stop(&child);
	signal(SIGUSR2, SIG_IGN);
}

static struct bench_opts small_bench(struct test_env *env, size_t size, unsigned long count)
{
	return (struct bench_opts){ .t = env->t, .ctx = &env->ctx, .size = size,
				    .count = count, .warmup = 3, .pin = { -1, -1 } };
}

/* A latency run (echo) and a throughput run, each peer under the storm:
 * every message counted, none lost (UDP may lose on a busy machine). */
static void test_bench_under_signals(void **state)
{
	struct test_env *env = *state;
	bool dgram = env->t->kind == IPC_DATAGRAM;
	bool may_lose = !strcmp(env->t->name, "udp");
	struct bench_result r;
	struct ipc_error e = { 0 };

	test_deadline(40, "two benchmark runs, each side interrupted thousands of times");
	pid_t storm = storm_on();
	struct bench_opts o = small_bench(env, 100, 300);
	if (bench_latency(&o, &r, &e) < 0) {
		stop_storm(storm);
		fail_msg("%s latency under signals (%d of them): %s", env->t->name,
			 (int)interrupts, e.msg);
	}
	assert_int_equal(r.row.count, 300);
	assert_int_equal(r.row.lat_us.n, 300);
	if (!may_lose)
		assert_int_equal(r.row.lost, 0);

	size_t size = dgram ? 1000 : 4096;
	o = small_bench(env, size, 0);
	o.total = size * 300ULL;
	if (bench_throughput(&o, &r, &e) < 0) {
		stop_storm(storm);
		fail_msg("%s throughput under signals (%d of them): %s", env->t->name,
			 (int)interrupts, e.msg);
	}
	stop_storm(storm);
	signal(SIGUSR2, SIG_IGN);
	assert_int_equal(r.row.count, 300);
	if (!may_lose)
		assert_int_equal(r.row.lost, 0);
	assert_true(r.row.mb_per_s > 0);
}

/* `ipclab load` with two workers (forked: they are stormed too), against a
 * server under the storm: every request answered exactly.  (Stream and
 * message transports: a datagram server has no connections to load.) */
static void test_load_under_signals(void **state)
{
	struct test_env *env = *state;
	struct ipc_server s;
	struct server_child child;
	struct ipc_error e = { 0 };

	test_deadline(40, "a load run, every process interrupted thousands of times");
	catch_usr2();
	test_server_start(env, env->t, NULL, -1, &s, &child);
	pid_t storm = storm_on();
	struct load_config cfg = { .t = env->t, .ctx = &env->ctx, .addr = s.addr, .clients = 4,
				   .requests = 50, .pipeline = 2, .workers = 2,
				   .timeout_ms = 5000 };
	struct load_tally tally;
	double *lat = NULL;
	int rc = load_run(&cfg, &tally, &lat, &e);
	stop_storm(storm);
	free(lat);
	if (rc < 0)
		fail_msg("%s load under signals: %s", env->t->name, e.msg);
	if (tally.greetings != 200)
		fail_msg("%s load under signals: %lu of 200 greetings (%lu unanswered, %lu "
			 "wrong, %lu closed, %lu refused): %s", env->t->name, tally.greetings,
			 tally.unanswered, tally.wrong, tally.closed, tally.refused,
			 tally.first_error);
	test_server_stop(&child);
	signal(SIGUSR2, SIG_IGN);
}

extern const struct ipc_transport pipe_transport, fifo_transport, unix_stream_transport,
	unix_dgram_transport, tcp_transport, udp_transport, socketpair_transport,
	mqueue_transport, shm_transport, zmq_ipc_transport, zmq_tcp_transport;

int main(void)
{
	static const struct test_case cases[] = {
		{ &pipe_transport, SERVE_ITERATIVE },
		{ &fifo_transport, SERVE_ITERATIVE },
		{ &unix_stream_transport, SERVE_ITERATIVE },
		{ &unix_dgram_transport, SERVE_ITERATIVE },
		{ &tcp_transport, SERVE_ITERATIVE },
		{ &udp_transport, SERVE_ITERATIVE },
		{ &socketpair_transport, SERVE_ITERATIVE },
		{ &mqueue_transport, SERVE_ITERATIVE },
		{ &shm_transport, SERVE_ITERATIVE },
		{ &zmq_ipc_transport, SERVE_ITERATIVE },
		{ &zmq_tcp_transport, SERVE_ITERATIVE },
		{ &unix_stream_transport, SERVE_EPOLL },
		{ &fifo_transport, SERVE_POLL },
		{ &mqueue_transport, SERVE_SELECT },
		{ &shm_transport, SERVE_EPOLL },
	};
	/* The benchmarks' peers and the load run: one case per transport
	 * (ZeroMQ is measured by the same loops over its own sockets). */
	static const struct test_case bench_cases[] = {
		{ &pipe_transport, SERVE_ITERATIVE },
		{ &fifo_transport, SERVE_ITERATIVE },
		{ &unix_stream_transport, SERVE_ITERATIVE },
		{ &unix_dgram_transport, SERVE_ITERATIVE },
		{ &tcp_transport, SERVE_ITERATIVE },
		{ &udp_transport, SERVE_ITERATIVE },
		{ &socketpair_transport, SERVE_ITERATIVE },
		{ &mqueue_transport, SERVE_ITERATIVE },
		{ &shm_transport, SERVE_ITERATIVE },
	};
	static const struct test_case load_cases[] = {
		{ &unix_stream_transport, SERVE_EPOLL },
		{ &fifo_transport, SERVE_POLL },
		{ &tcp_transport, SERVE_POLL },
		{ &mqueue_transport, SERVE_SELECT },
		{ &shm_transport, SERVE_EPOLL },
	};
	enum { NR = sizeof cases / sizeof cases[0], NB = sizeof bench_cases / sizeof bench_cases[0],
	       NL = sizeof load_cases / sizeof load_cases[0], N = NR + NB + NL };
	static char names[N][80];
	struct CMUnitTest tests[N];
	for (size_t i = 0; i < N; i++) {
		const struct test_case *tc = i < NR ? &cases[i] : i < NR + NB ? &bench_cases[i - NR]
					    : &load_cases[i - NR - NB];
		const char *what = i < NR ? "round_trips_under_signals"
				 : i < NR + NB ? "bench_under_signals" : "load_under_signals";
		snprintf(names[i], sizeof names[i], "%s: %s%s%s", what, tc->t->name,
			 tc->mode == SERVE_ITERATIVE ? "" : " --mode ",
			 tc->mode == SERVE_ITERATIVE ? "" : serve_mode_name(tc->mode));
		tests[i] = (struct CMUnitTest){ names[i],
			i < NR ? test_round_trips_under_signals
			       : i < NR + NB ? test_bench_under_signals : test_load_under_signals,
			test_env_setup_case, test_env_teardown, (void *)tc };
	}
	if (getenv("IPCLAB_TEST_FILTER")) /* e.g. "*zmq_tcp" while debugging */
		cmocka_set_test_filter(getenv("IPCLAB_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
