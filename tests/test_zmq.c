/*
 * test_zmq.c - what only the ZeroMQ transports have.  The conformance suite
 * (test_transports) runs over them too; here:
 *   - many clients at once, one of them killed mid-request: the others are
 *     answered, and the server gives back every descriptor the dead one
 *     held once its idle timeout has passed;
 *   - a client that floods the server while it waits its turn is cut off
 *     at the inbox limit, and the server serves on;
 *   - raw ZeroMQ peers that do not follow our framing: a request split
 *     over several message parts is answered as their concatenation; a REQ
 *     socket's envelope reads as a control word and ends its stream; the
 *     server serves on;
 *   - --max-clients turns a client away with one line, then its end of
 *     stream;
 *   - the ipc:// path is in the private runtime directory, and is gone
 *     when the server stops;
 *   - bench latency, throughput and connect, and load, run over them.
 */
#include "support.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zmq.h>

#include "conn.h"
#include "io.h"
#include "protocol.h"

#define ENV struct test_env *env = *state

extern const struct ipc_transport zmq_ipc_transport, zmq_tcp_transport;

static int fds_of(pid_t pid)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
	return test_count_entries(dir);
}

/* Wait (up to 5 s, scaled) for the server to hold `want` descriptors. */
static int settle(pid_t pid, int want)
{
	int n = fds_of(pid);
	for (int i = 0; i < 500 && n != want; i++) {
		usleep((useconds_t)test_scale_ms(10) * 1000);
		n = fds_of(pid);
	}
	return n;
}

/* What the server holds once it is quiet: the same count 4 times, 10 ms apart. */
static int stable_fds(pid_t pid)
{
	int n = fds_of(pid), same = 0;
	for (int i = 0; i < 400 && same < 4; i++) {
		usleep((useconds_t)test_scale_ms(10) * 1000);
		int now = fds_of(pid);
		same = now == n ? same + 1 : 0;
		n = now;
	}
	return n;
}

static void greet_ok(struct ipc_conn *c, const char *name)
{
	char reply[GREET_REPLY_MAX + 1], want[GREET_REPLY_MAX + 1];
	size_t n = 0;
	struct ipc_error e;
	if (conn_greet(c, name, strlen(name), reply, sizeof reply - 1, &n, &e) != IPC_OK)
		fail_msg("greeting %s: %s", name, e.msg);
	reply[n] = '\0';
	snprintf(want, sizeof want, "Hello, %s\n", name);
	assert_string_equal(reply, want);
}

static void test_killed_client(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	enum { CLIENTS = 20 };
	struct ipc_conn c[CLIENTS];

	test_server_start(env, env->t, NULL, test_scale_ms(300), &s, &child);
	struct ipc_conn warm;
	test_connect(env, env->t, &s, &warm);
	greet_ok(&warm, "warm");
	env->t->close(&warm);
	int idle_fds = stable_fds(child.pid);

	/* A client in its own process: connected, half a request, killed. */
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t victim = fork();
	assert_true(victim >= 0);
	if (victim == 0) {
		struct ipc_conn v;
		struct ipc_error e;
		ipc_conn_init(&v, env->t, &env->ctx);
		if (env->t->connect(&v, &s.addr, &e) < 0 ||
		    conn_send_all(&v, "half a na", 9, -1, 2000, &e) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	char x;
	assert_int_equal(read(ready[0], &x, 1), 1);
	close(ready[0]);
	kill(victim, SIGKILL);
	int status;
	assert_int_equal(waitpid(victim, &status, 0), victim);

	/* A multiplexed server serves them all at once; an iterative one,
	 * after the dead client's idle timeout, one after the other. */
	bool together = env->mode != SERVE_ITERATIVE;
	for (int k = 0; k < CLIENTS; k++) {
		test_connect(env, env->t, &s, &c[k]);
		for (int round = 0; !together && round < 3; round++) {
			char name[32];
			snprintf(name, sizeof name, "c%d-%d", k, round);
			greet_ok(&c[k], name);
		}
		if (!together)
			env->t->close(&c[k]);
	}
	for (int round = 0; together && round < 3; round++)
		for (int k = 0; k < CLIENTS; k++) {
			char name[32];
			snprintf(name, sizeof name, "c%d-%d", k, round);
			greet_ok(&c[k], name);
		}
	for (int k = 0; together && k < CLIENTS; k++)
		env->t->close(&c[k]);
	/* The dead client's connection goes at its idle timeout. */
	assert_int_equal(settle(child.pid, idle_fds), idle_fds);
	test_server_stop(&child);
}

/* A client that floods while it waits its turn: the iterative server,
 * reading the ROUTER for the client it serves, keeps at most 4 MiB of the
 * other's bytes; past that it cuts it off.  (A multiplexed server reads the
 * flood as it comes and drops the endless line, as over a socket.) */
static void test_flood_is_cut_off(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn flood, c;
	struct ipc_error e;
	static char junk[64 * 1024];

	if (env->mode != SERVE_ITERATIVE)
		skip();
	memset(junk, 'x', sizeof junk); /* one endless line */
	test_server_start(env, env->t, NULL, -1, &s, &child);
	test_connect(env, env->t, &s, &c);
	greet_ok(&c, "first");
	test_connect(env, env->t, &s, &flood);
	/* 8 MiB: twice the limit. */
	for (int i = 0; i < 128; i++)
		if (conn_send_all(&flood, junk, sizeof junk, -1, test_scale_ms(5000), &e) < 0)
			break; /* the server stopped taking them: fine */
	greet_ok(&c, "still-served");
	env->t->close(&c);
	/* Its turn: the flooder hears the end of its stream. */
	char buf[512];
	long long deadline = io_now_ms() + test_scale_ms(5000);
	ssize_t n;
	while ((n = flood.t->recv(&flood, buf, sizeof buf, &e)) != 0) {
		if (n < 0 && n != IPC_WOULD_BLOCK)
			fail_msg("flooder: %s", e.msg);
		if (io_now_ms() > deadline)
			fail_msg("the flooding client was not cut off");
		if (n == IPC_WOULD_BLOCK)
			io_wait(flood.rfd, POLLIN, -1, 100);
	}
	env->t->close(&flood);
	test_server_stop(&child);
}

/* Receive one whole message (all its parts, concatenated) within 5 s. */
static int zrecv(void *sock, char *buf, size_t cap)
{
	zmq_pollitem_t it = { .socket = sock, .events = ZMQ_POLLIN };
	if (zmq_poll(&it, 1, test_scale_ms(5000)) != 1)
		return -1;
	size_t got = 0;
	int more = 1;
	while (more) {
		int n = zmq_recv(sock, buf + got, cap - got, 0);
		if (n < 0)
			return -1;
		got += (size_t)n < cap - got ? (size_t)n : cap - got;
		size_t ml = sizeof more;
		zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &ml);
	}
	return (int)got;
}

static void test_raw_peers(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	char ep[IPC_ADDR_MAX + 8], buf[256];
	int linger = 0;

	/* The raw DEALER never says close: an iterative server takes the next
	 * client at its idle timeout. */
	test_server_start(env, env->t, NULL, test_scale_ms(300), &s, &child);
	snprintf(ep, sizeof ep, "%s://%s", env->t == &zmq_ipc_transport ? "ipc" : "tcp",
		 s.addr.text);
	void *zctx = zmq_ctx_new();
	assert_non_null(zctx);
	/* A DEALER that splits its request over two parts, no notice first. */
	void *d = zmq_socket(zctx, ZMQ_DEALER);
	zmq_setsockopt(d, ZMQ_LINGER, &linger, sizeof linger);
	assert_int_equal(zmq_connect(d, ep), 0);
	assert_int_equal(zmq_send(d, "Ra", 2, ZMQ_SNDMORE), 2);
	assert_int_equal(zmq_send(d, "w\n", 2, 0), 2);
	int n = zrecv(d, buf, sizeof buf);
	assert_int_equal(n, 11);
	assert_memory_equal(buf, "Hello, Raw\n", 11);
	/* A REQ socket: its envelope [""][bytes] reads as a control word, not
	 * "connect": the end of its stream.  It gets the server's close. */
	void *r = zmq_socket(zctx, ZMQ_REQ);
	zmq_setsockopt(r, ZMQ_LINGER, &linger, sizeof linger);
	assert_int_equal(zmq_connect(r, ep), 0);
	assert_int_equal(zmq_send(r, "Req\n", 4, 0), 4);
	n = zrecv(r, buf, sizeof buf);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "close", 5);
	zmq_close(r);
	zmq_close(d);
	zmq_ctx_term(zctx);
	/* And the server serves on. */
	struct ipc_conn c;
	test_connect(env, env->t, &s, &c);
	greet_ok(&c, "after");
	env->t->close(&c);
	test_server_stop(&child);
}

static void test_max_clients(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn a, b;
	struct ipc_error e;
	char line[128];
	struct serve_opts o = { .stop_fd = -1, .idle_timeout_ms = SERVE_IDLE_TIMEOUT_MS,
				.mode = SERVE_EPOLL, .max_clients = 1 };

	test_server_start_opts(env, env->t, NULL, &o, &s, &child);
	test_connect(env, env->t, &s, &a);
	greet_ok(&a, "first");
	test_connect(env, env->t, &s, &b);
	int n = conn_recv_line(&b, line, sizeof line, test_scale_ms(5000), &e);
	assert_true(n > 0);
	line[n] = '\0';
	assert_non_null(strstr(line, "ERR server busy"));
	env->t->close(&b);
	greet_ok(&a, "still");
	env->t->close(&a);
	test_server_stop(&child);
}

static void test_path_private_and_removed(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct stat st;

	if (env->t != &zmq_ipc_transport)
		skip();
	test_server_start(env, env->t, NULL, -1, &s, &child);
	assert_int_equal(strncmp(s.addr.text, env->ctx.rundir, strlen(env->ctx.rundir)), 0);
	assert_int_equal(stat(s.addr.text, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	test_server_stop(&child);
	assert_int_equal(stat(s.addr.text, &st), -1);
	assert_int_equal(errno, ENOENT);
}

/* The driver's benchmarks and load generator over ZeroMQ, small: each
 * finishes, every reply checked, and writes its row. */
static void test_bench_and_load(void **state)
{
	ENV;
	static char out[16384], err[16384];
	const char *t = env->t->name;

	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "latency", t, "--count", "200", "--warmup", "10", "--format",
				      "csv", NULL), 0);
	assert_non_null(strstr(out, "\nlatency,"));
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "throughput", t, "--size", "64K", "--total", "4M", "--format",
				      "csv", NULL), 0);
	assert_non_null(strstr(out, "\nthroughput,"));
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "connect", t, "--count", "20", "--warmup", "2", "--format",
				      "csv", NULL), 0);
	assert_non_null(strstr(out, "\nconnect,"));

	struct ipc_server s;
	struct server_child child;
	test_server_start(env, env->t, NULL, -1, &s, &child);
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "load", t,
				      "--address", s.addr.text, "--clients", "8", "--requests", "50",
				      "--pipeline", "4", "--format", "csv", NULL), 0);
	assert_non_null(strstr(out, "\nload,"));
	test_server_stop(&child);
}

#define CASE(test, tc) cmocka_unit_test_prestate_setup_teardown(test, test_env_setup_case, \
							       test_env_teardown, (void *)(tc))

int main(void)
{
	static const struct test_case cases[] = {
		{ &zmq_ipc_transport, SERVE_EPOLL },
		{ &zmq_tcp_transport, SERVE_ITERATIVE },
	};
	int failed = 0;

	signal(SIGPIPE, SIG_IGN);
	if (getenv("IPCLAB_TEST_FILTER"))
		cmocka_set_test_filter(getenv("IPCLAB_TEST_FILTER"));
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct test_case *tc = &cases[i];
		const struct CMUnitTest tests[] = {
			CASE(test_killed_client, tc),
			CASE(test_flood_is_cut_off, tc),
			CASE(test_raw_peers, tc),
			CASE(test_max_clients, tc),
			CASE(test_path_private_and_removed, tc),
			CASE(test_bench_and_load, tc),
		};
		printf("== %s --mode %s\n", tc->t->name, serve_mode_name(tc->mode));
		fflush(stdout);
		failed += cmocka_run_group_tests_name("zmq", tests, NULL, NULL);
	}
	return failed ? 1 : 0;
}
