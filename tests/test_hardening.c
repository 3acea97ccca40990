/*
 * test_hardening.c - what a hostile or careless user can do to a server,
 * and the pitfalls of the classic demos: a client that trickles bytes to
 * the iterative server, garbage in the FIFO server's well-known FIFO, a
 * datagram client with many requests in flight, a reply path that became a
 * symlink, clients killed while they wait, runtime directories too long for
 * client paths, two servers claiming one stale path, a stopping server whose
 * path was taken over, `--timeout 0`, and log floods.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conn.h"
#include "io.h"
#include "protocol.h"

#define ENV struct test_env *env = *state

extern const struct ipc_transport fifo_transport, unix_stream_transport, unix_dgram_transport,
	tcp_transport, udp_transport;

/* One greeting on a fresh connection: its reply status (0 Hello). */
static int greet(struct test_env *env, const struct ipc_transport *t, const char *addr,
		 const char *name, char *reply, size_t cap, struct ipc_error *e)
{
	struct ipc_conn c;
	struct ipc_addr a = { .pipe_fd = { -1, -1 } };
	size_t n = 0;

	snprintf(a.text, sizeof a.text, "%s", addr);
	ipc_conn_init(&c, t, &env->ctx);
	int rc = t->connect(&c, &a, e);
	if (rc < 0)
		return -1;
	rc = conn_greet(&c, name, strlen(name), reply, cap - 1, &n, e);
	reply[rc < 0 ? 0 : n] = '\0';
	t->close(&c);
	return rc;
}

static void expect_hello(struct test_env *env, const struct ipc_transport *t, const char *addr,
			 const char *name)
{
	char reply[GREET_REPLY_MAX + 1], want[GREET_REPLY_MAX + 8];
	struct ipc_error e = { 0 };

	if (greet(env, t, addr, name, reply, sizeof reply, &e) != 0)
		fail_msg("%s greet %s: %s", t->name, name, e.msg);
	snprintf(want, sizeof want, "Hello, %s\n", name);
	assert_string_equal(reply, want);
}

/* ---- 1: the iterative server's idle timeout is per request ------------ */

/* A client that sends a byte every 40 ms and never a newline is dropped
 * at the idle timeout (200 ms) like a silent one, and the next client is
 * served: each byte must not restart the timer. */
static void test_trickler_dropped_by_iterative_server(void **state)
{
	ENV;
	static const struct ipc_transport *const ts[] = { &unix_stream_transport,
							   &tcp_transport, &fifo_transport };
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
		struct ipc_server s;
		struct server_child child;
		struct ipc_conn slow;
		char sink[64];
		struct ipc_error e;

		test_server_start(env, ts[i], NULL, 200, &s, &child);
		test_connect(env, ts[i], &s, &slow);
		long long start = io_now_ms();
		bool closed = false;
		while (!closed && io_now_ms() - start < 700) {
			struct ipc_error se;
			if (ts[i]->send(&slow, "t", 1, &se) < 0) {
				closed = true; /* the server closed its end */
				break;
			}
			if (io_wait(slow.rfd, POLLIN, -1, 40) == IO_READY)
				closed = ts[i]->recv(&slow, sink, sizeof sink, &e) == 0;
		}
		if (!closed)
			fail_msg("%s: a client trickling bytes held the iterative server for "
				 "%lld ms past a 200 ms idle timeout", ts[i]->name,
				 io_now_ms() - start);
		assert_true(io_now_ms() - start >= 150);
		ts[i]->close(&slow);
		expect_hello(env, ts[i], s.addr.text, "next");
		test_server_stop(&child);
	}
}

/* ---- 9: --timeout 0 ---------------------------------------------------- */

/* A client timeout of 0 could never be met: it is a usage error, said
 * before anything is tried, not a timeout against a live server. */
static void test_timeout_zero_refused(void **state)
{
	ENV;
	char out[512], err[1024];
	int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "greet", "unix_stream",
			      "Ann", "--timeout", "0", (char *)NULL);
	assert_int_equal(rc, IPC_USAGE);
	assert_non_null(strstr(err, "--timeout"));
	assert_non_null(strstr(err, "from 1"));
}

/* ---- also: messages ------------------------------------------------------ */

/* A second server on the default path says what to do once, not twice. */
static void test_in_use_hint_said_once(void **state)
{
	ENV;
	struct test_bg bg;
	char out[512], err[1024];
	static const char *const args[] = { "unix_stream", NULL };

	test_bg_start(env, &bg, args, 0);
	int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "serve", "unix_stream",
			      (char *)NULL);
	char rest[1024];
	assert_int_equal(test_bg_stop(&bg, rest, sizeof rest), 0);
	assert_int_equal(rc, IPC_IN_USE);
	const char *first = strstr(err, "--address");
	assert_non_null(first);
	if (strstr(first + 1, "--address"))
		fail_msg("the hint repeats itself: %s", err);
}

/* A forked server's log is a stdio stream: its lines must reach the file
 * even when it is fully buffered, though the child ends with _exit(). */
static void test_forked_server_log_flushed(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	char logbuf[4096] = "";
	FILE *log = tmpfile();

	assert_non_null(log);
	assert_int_equal(setvbuf(log, NULL, _IOFBF, 1 << 16), 0);
	struct serve_opts o = { .stop_fd = -1, .idle_timeout_ms = 5000, .log = log };
	test_server_start_opts(env, &unix_stream_transport, NULL, &o, &s, &child);
	test_connect(env, &unix_stream_transport, &s, &c);
	struct ipc_error e;
	assert_int_equal(conn_send_all(&c, "half a name", 11, -1, 1000, &e), 0);
	unix_stream_transport.close(&c); /* leaves in the middle of a request */
	/* Greeted once more: the server has handled the leaver by then. */
	expect_hello(env, &unix_stream_transport, s.addr.text, "after");
	test_server_stop(&child);
	rewind(log);
	size_t n = fread(logbuf, 1, sizeof logbuf - 1, log);
	logbuf[n] = '\0';
	fclose(log);
	if (!strstr(logbuf, "in the middle of a request"))
		fail_msg("the child's log line was lost: \"%s\"", logbuf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_trickler_dropped_by_iterative_server,
						test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_timeout_zero_refused, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_in_use_hint_said_once, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_forked_server_log_flushed, test_env_setup,
						test_env_teardown),
	};
	return cmocka_run_group_tests_name("hardening", tests, NULL, NULL);
}
