/*
 * test_transports.c - one conformance suite, run against every transport,
 * and for the stream transports with a descriptor per client (fifo,
 * unix_stream, tcp) against every server mode: iterative, select, poll and
 * epoll.
 *
 * Each case starts a real server in a child process and talks to it through
 * the transport interface, exactly as `ipclab greet` does.
 */
#include "support.h"
#include "uring_skip.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conn.h"
#include "io.h"
#include "protocol.h"

#define ENV struct test_env *env = *state

/* Read exactly `lines` reply lines (stream) into buf; returns the bytes. */
static size_t read_lines(struct ipc_conn *c, char *buf, size_t cap, int lines)
{
	size_t got = 0;
	int seen = 0;
	struct ipc_error e = { 0 };
	while (seen < lines) {
		int r = io_wait(c->rfd, POLLIN, -1, 5000);
		if (r != IO_READY)
			fail_msg("waiting for reply %d of %d: %s", seen + 1, lines,
				 r == IO_TIMEOUT ? "timeout" : "poll failed");
		assert_true(got < cap);
		ssize_t n = c->t->recv(c, buf + got, cap - got, &e);
		if (n == IPC_WOULD_BLOCK)
			continue;
		if (n <= 0)
			fail_msg("reply %d of %d: %s", seen + 1, lines, n == 0 ? "end of stream" : e.msg);
		for (ssize_t i = 0; i < n; i++)
			seen += buf[got + (size_t)i] == '\n';
		got += (size_t)n;
	}
	return got;
}

/* Receive one datagram reply into buf (NUL-terminated); returns its length. */
static size_t read_datagram(struct ipc_conn *c, char *buf, size_t cap)
{
	struct ipc_error e = { 0 };
	for (;;) {
		if (io_wait(c->rfd, POLLIN, -1, 5000) != IO_READY)
			fail_msg("no datagram reply");
		ssize_t n = c->t->recv(c, buf, cap - 1, &e);
		if (n == IPC_WOULD_BLOCK)
			continue;
		if (n < 0)
			fail_msg("recv: %s", e.msg);
		assert_true((size_t)n < cap);
		buf[n] = '\0';
		return (size_t)n;
	}
}

static void send_bytes(struct ipc_conn *c, const void *buf, size_t len)
{
	struct ipc_error e = { 0 };
	if (conn_send_all(c, buf, len, -1, 5000, &e) < 0)
		fail_msg("send %zu bytes: %s", len, e.msg);
}

/* One request/reply with the driver's own client code. */
static void expect_reply(struct ipc_conn *c, const char *name, size_t len, const char *want)
{
	char reply[GREET_REPLY_MAX + 1];
	size_t n = 0;
	struct ipc_error e = { 0 };
	int st = conn_greet(c, name, len, reply, sizeof reply - 1, &n, &e);
	if (st < 0)
		fail_msg("greet: %s", e.msg);
	reply[n] = '\0';
	assert_string_equal(reply, want);
}

static void test_round_trip(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;

	test_server_start(env, env->t, NULL, -1, &s, &child);
	test_connect(env, env->t, &s, &c);
	expect_reply(&c, "Alice", 5, "Hello, Alice\n");
	expect_reply(&c, "Zo\xc3\xab", 4, "Hello, Zo\xc3\xab\n");
	env->t->close(&c);
	test_server_stop(&child);
}

static void test_thousand_requests_one_connection(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	char name[32], want[48];

	test_server_start(env, env->t, NULL, -1, &s, &child);
	test_connect(env, env->t, &s, &c);
	int n = getenv("IPCLAB_VALGRIND") ? 100 : 1000; /* ten times slower there */
	for (int i = 0; i < n; i++) {
		int len = snprintf(name, sizeof name, "client-%d", i);
		snprintf(want, sizeof want, "Hello, %s\n", name);
		expect_reply(&c, name, (size_t)len, want);
	}
	env->t->close(&c);
	test_server_stop(&child);
}

static void test_pipelined_requests(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	char want[64 * 32], got[64 * 32 + 1];
	size_t wlen = 0;

	test_server_start(env, env->t, NULL, -1, &s, &child);
	test_connect(env, env->t, &s, &c);
	if (env->t->kind == IPC_STREAM) {
		/* 64 requests in one write, then all the replies, in order. */
		char req[64 * 16];
		size_t rlen = 0;
		for (int i = 0; i < 64; i++) {
			rlen += (size_t)sprintf(req + rlen, "p%d%s", i, i % 2 ? "\r\n" : "\n");
			wlen += (size_t)sprintf(want + wlen, "Hello, p%d\n", i);
		}
		send_bytes(&c, req, rlen);
		size_t n = read_lines(&c, got, sizeof got - 1, 64);
		assert_int_equal(n, wlen);
		assert_memory_equal(got, want, wlen);
	} else {
		/* 16 datagrams sent before reading any reply. */
		for (int i = 0; i < 16; i++) {
			char req[16];
			int n = sprintf(req, "d%d", i);
			send_bytes(&c, req, (size_t)n);
		}
		for (int i = 0; i < 16; i++) {
			char w[32];
			sprintf(w, "Hello, d%d\n", i);
			read_datagram(&c, got, sizeof got);
			assert_string_equal(got, w);
		}
	}
	env->t->close(&c);
	test_server_stop(&child);
}

static void test_error_then_good_request(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;

	test_server_start(env, env->t, NULL, -1, &s, &child);
	test_connect(env, env->t, &s, &c);
	expect_reply(&c, "", 0, "ERR empty name\n");
	expect_reply(&c, "\xff\xfe", 2, "ERR name is not valid UTF-8\n");
	expect_reply(&c, "a\tb", 3, "ERR control character in name\n");
	expect_reply(&c, "a\0b", 3, "ERR control character in name\n");
	expect_reply(&c, "\x1b[2J", 4, "ERR control character in name\n");
	expect_reply(&c, "Bob", 3, "Hello, Bob\n");
	env->t->close(&c);
	test_server_stop(&child);
}

static void test_max_size_name(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	char name[300], want[300];

	test_server_start(env, env->t, NULL, -1, &s, &child);
	test_connect(env, env->t, &s, &c);
	memset(name, 'a', sizeof name);
	memcpy(name + 251, "\xf0\x9f\x98\x80", 4); /* 255 bytes ending in a 4-byte char */
	memcpy(want, "Hello, ", 7);
	memcpy(want + 7, name, 255);
	memcpy(want + 262, "\n", 2);
	expect_reply(&c, name, 255, want);
	memset(name, 'b', sizeof name);
	expect_reply(&c, name, 256, "ERR name too long (max 255 bytes)\n");
	expect_reply(&c, name, 255, "Hello, bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n");
	env->t->close(&c);
	test_server_stop(&child);
}

/* Stream: one over-long line (64 KiB, no newline for a while) gets one ERR,
 * the rest of it is dropped, and the connection goes on.  Datagram: a
 * datagram far over the limit is detected, never cut, and answered ERR. */
static void test_oversized_request(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	static char big[65536];
	char got[512];

	test_server_start(env, env->t, NULL, -1, &s, &child);
	test_connect(env, env->t, &s, &c);
	memset(big, 'x', sizeof big);
	if (env->t->kind == IPC_STREAM) {
		send_bytes(&c, big, sizeof big);
		send_bytes(&c, "\nCarol\n", 7);
		size_t n = read_lines(&c, got, sizeof got - 1, 2);
		got[n] = '\0';
		assert_string_equal(got, "ERR name too long (max 255 bytes)\nHello, Carol\n");
	} else {
		size_t len = env->t->max_message < 4000 ? env->t->max_message : 4000;
		send_bytes(&c, big, len);
		read_datagram(&c, got, sizeof got);
		assert_string_equal(got, "ERR name too long (max 255 bytes)\n");
		send_bytes(&c, big, 256);
		read_datagram(&c, got, sizeof got);
		assert_string_equal(got, "ERR name too long (max 255 bytes)\n");
		expect_reply(&c, "Carol", 5, "Hello, Carol\n");
	}
	env->t->close(&c);
	test_server_stop(&child);
}

/* A client that vanishes in the middle of a line costs the server nothing:
 * the next client is served (the pipe's server, which has only one client,
 * must end cleanly instead). */
static void test_client_vanishes_mid_line(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;

	test_server_start(env, env->t, NULL, -1, &s, &child);
	test_connect(env, env->t, &s, &c);
	send_bytes(&c, "Ali", 3);
	env->t->close(&c);
	if (env->t->servable) {
		for (int i = 0; i < 3; i++) {
			test_connect(env, env->t, &s, &c);
			expect_reply(&c, "Dave", 4, "Hello, Dave\n");
			env->t->close(&c);
		}
	}
	test_server_stop(&child);
}

/* A client that connects and leaves without a word.  Others are served as
 * usual; the pipe's server, whose one client is gone, ends by itself. */
static void test_client_leaves_silently(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;

	test_server_start(env, env->t, NULL, -1, &s, &child);
	if (env->t->servable) {
		/* While the server is busy with `c`, a second client comes and
		 * goes unheard: the server must notice, not wait for it. */
		struct ipc_conn gone;
		test_connect(env, env->t, &s, &c);
		expect_reply(&c, "Hal", 3, "Hello, Hal\n");
		test_connect(env, env->t, &s, &gone);
		env->t->close(&gone);
		env->t->close(&c);
		test_connect(env, env->t, &s, &c);
		expect_reply(&c, "Gail", 4, "Hello, Gail\n");
		env->t->close(&c);
		test_server_stop(&child);
		return;
	}
	test_connect(env, env->t, &s, &c);
	env->t->close(&c);
	int status = 0;
	pid_t r = 0;
	for (int i = 0; i < 300 && r == 0; i++) { /* up to 3 s, not a timing assertion */
		r = waitpid(child.pid, &status, WNOHANG);
		if (r == 0)
			usleep(10000);
	}
	assert_int_equal(r, child.pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(child.stop_fd);
}

/* A client that vanishes before reading its replies, with many requests in
 * flight: the server's writes fail (EPIPE, never SIGPIPE) and it goes on. */
static void test_client_vanishes_before_reply(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	char req[8192];

	if (!env->t->servable)
		skip(); /* one client only: covered by test_client_vanishes_mid_line */
	test_server_start(env, env->t, NULL, -1, &s, &child);
	for (int round = 0; round < 3; round++) {
		test_connect(env, env->t, &s, &c);
		size_t len = 0;
		while (len + 8 < sizeof req)
			len += (size_t)sprintf(req + len, "n%04zu\n", len % 10000);
		send_bytes(&c, req, env->t->kind == IPC_STREAM ? len : 5);
		env->t->close(&c);
	}
	test_connect(env, env->t, &s, &c);
	expect_reply(&c, "Erin", 4, "Hello, Erin\n");
	env->t->close(&c);
	test_server_stop(&child);
}

/* The iterative server serves one client at a time; a silent client is
 * dropped after the idle timeout so that the next one gets its turn.  A
 * multiplexed server serves the other client at once, and keeps the silent
 * one, which is served in turn when it speaks. */
static void test_silent_client_times_out(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn idle, c;

	if (env->t->kind != IPC_STREAM || !env->t->servable)
		skip(); /* datagram servers have no connections to hold */
	if (env->mode != SERVE_ITERATIVE) {
		/* Idle timeout 10 s, client timeout 2 s: Frank's greeting could
		 * not succeed if he had to wait for the silent client to go. */
		test_server_start(env, env->t, NULL, 10000, &s, &child);
		test_connect(env, env->t, &s, &idle);
		test_connect(env, env->t, &s, &c);
		expect_reply(&c, "Frank", 5, "Hello, Frank\n");
		/* Not dropped: no EOF, no reply.  (ZeroMQ's descriptor may read
		 * as ready when only its own state changed: then recv() says so.) */
		struct pollfd p = { .fd = idle.rfd, .events = POLLIN };
		if (poll(&p, 1, 0) != 0) {
			char sink[8];
			struct ipc_error e;
			assert_int_equal(env->t->recv(&idle, sink, sizeof sink, &e), IPC_WOULD_BLOCK);
		}
		expect_reply(&idle, "Gina", 4, "Hello, Gina\n");
		env->t->close(&c);
		env->t->close(&idle);
		test_server_stop(&child);
		return;
	}
	test_server_start(env, env->t, NULL, 300, &s, &child);
	test_connect(env, env->t, &s, &idle);
	test_connect(env, env->t, &s, &c);
	expect_reply(&c, "Frank", 5, "Hello, Frank\n");
	/* Served only after the idle client was dropped (after 300 ms, well
	 * before the client's own 2 s timeout): by now the server has closed
	 * the idle client's connection. */
	struct pollfd p = { .fd = idle.rfd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 0), 1);
	char sink[8];
	struct ipc_error e;
	assert_true(env->t->recv(&idle, sink, sizeof sink, &e) <= 0);
	env->t->close(&c);
	env->t->close(&idle);
	test_server_stop(&child);
}

/* The whole suite, bound to one `struct test_case` (a transport and a mode). */
#define CASE(test, tc) \
	cmocka_unit_test_prestate_setup_teardown(test, test_env_setup_case, test_env_teardown, \
						 (void *)(tc))

static int run_case(const struct test_case *tc)
{
	const struct CMUnitTest tests[] = {
		CASE(test_round_trip, tc),
		CASE(test_thousand_requests_one_connection, tc),
		CASE(test_pipelined_requests, tc),
		CASE(test_error_then_good_request, tc),
		CASE(test_max_size_name, tc),
		CASE(test_oversized_request, tc),
		CASE(test_client_vanishes_mid_line, tc),
		CASE(test_client_leaves_silently, tc),
		CASE(test_client_vanishes_before_reply, tc),
		CASE(test_silent_client_times_out, tc),
	};
	char title[96];

	snprintf(title, sizeof title, "conformance: %s%s%s", tc->t->name,
		 tc->mode == SERVE_ITERATIVE ? "" : " --mode ",
		 tc->mode == SERVE_ITERATIVE ? "" : serve_mode_name(tc->mode));
	printf("== %s\n", title); /* cmocka 1.1 does not print group names */
	fflush(stdout);
	return cmocka_run_group_tests_name(title, tests, NULL, NULL);
}

extern const struct ipc_transport pipe_transport, fifo_transport, unix_stream_transport,
	unix_dgram_transport, tcp_transport, udp_transport, socketpair_transport, mqueue_transport, shm_transport;
extern const struct ipc_transport zmq_ipc_transport, zmq_tcp_transport;

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
		/* Every multiplexed mode, over every transport that takes one. */
		{ &unix_stream_transport, SERVE_SELECT },
		{ &unix_stream_transport, SERVE_POLL },
		{ &unix_stream_transport, SERVE_EPOLL },
		{ &tcp_transport, SERVE_SELECT },
		{ &tcp_transport, SERVE_POLL },
		{ &tcp_transport, SERVE_EPOLL },
		{ &fifo_transport, SERVE_SELECT },
		{ &fifo_transport, SERVE_POLL },
		{ &fifo_transport, SERVE_EPOLL },
		{ &mqueue_transport, SERVE_SELECT },
		{ &mqueue_transport, SERVE_POLL },
		{ &mqueue_transport, SERVE_EPOLL },
		{ &shm_transport, SERVE_SELECT },
		{ &shm_transport, SERVE_POLL },
		{ &shm_transport, SERVE_EPOLL },
		/* One io_uring: the socket transports. */
		{ &unix_stream_transport, SERVE_URING },
		{ &tcp_transport, SERVE_URING },
		{ &unix_stream_transport, SERVE_URING_SQPOLL },
		/* ZeroMQ: the server loops, unchanged, over a ROUTER. */
		{ &zmq_ipc_transport, SERVE_ITERATIVE },
		{ &zmq_tcp_transport, SERVE_ITERATIVE },
		{ &zmq_ipc_transport, SERVE_EPOLL },
		{ &zmq_tcp_transport, SERVE_POLL },
	};
	int failed = 0;

	if (getenv("IPCLAB_TEST_FILTER")) /* e.g. "test_round_trip" while debugging */
		cmocka_set_test_filter(getenv("IPCLAB_TEST_FILTER"));
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (uring_mode_runs(cases[i].mode))
			failed += run_case(&cases[i]);
	return failed ? 1 : 0;
}
