/*
 * test_kill_signals.c - every transport, client and server, under a storm of
 * signals whose handler is installed without SA_RESTART: each blocking call
 * either side makes (read, recvfrom, mq_receive, poll, accept, connect,
 * sendmsg, a ZeroMQ receive...) is interrupted with EINTR again and again,
 * and only a retry goes on.  Seen from outside: every reply comes back
 * whole, byte for byte, and both sides end cleanly (the server exits 0).
 *
 * The storm: a child process sends SIGUSR2 to the test process and to the
 * server child every 50 microseconds.  The handler is set before
 * the server is forked, so the server inherits it (a fork keeps handlers).
 */
#include "support.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
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

/* A child that signals a and b every 50 us until it is killed. */
static pid_t start_storm(pid_t a, pid_t b)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct timespec gap = { .tv_nsec = 50 * 1000 };
		for (;;) {
			if (kill(a, SIGUSR2) < 0 || kill(b, SIGUSR2) < 0)
				_exit(0);
			nanosleep(&gap, NULL);
		}
	}
	return pid;
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

	test_deadline(40, "a few hundred round trips, each side interrupted thousands of times");
	catch_usr2();
	interrupts = 0;
	test_server_start(env, env->t, NULL, -1, &s, &child);
	pid_t storm = start_storm(getpid(), child.pid);
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
	/* The storm reached us: the calls above were interrupted, not spared. */
	assert_true(interrupts > 0);
	env->t->close(&c);
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
	enum { N = sizeof cases / sizeof cases[0] };
	static char names[N][64];
	struct CMUnitTest tests[N];
	for (size_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "round_trips_under_signals: %s%s%s",
			 cases[i].t->name, cases[i].mode == SERVE_ITERATIVE ? "" : " --mode ",
			 cases[i].mode == SERVE_ITERATIVE ? "" : serve_mode_name(cases[i].mode));
		tests[i] = (struct CMUnitTest){ names[i], test_round_trips_under_signals,
			test_env_setup_case, test_env_teardown, (void *)&cases[i] };
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
