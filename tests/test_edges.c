/*
 * test_edges.c - behaviours at the edges, seen from outside the code:
 *
 * - a unix_dgram server whose reply cannot reach a client that is gone
 *   (the kernel says ECONNREFUSED, or ENOTCONN) writes one log line and
 *   goes on: no retry, no second line later, no stop, other clients
 *   served at once;
 * - a Unix socket path of exactly sizeof sun_path bytes (no room for the
 *   NUL) is refused with a clear error, by servers and clients of both
 *   Unix socket transports and by the command line; one byte shorter works.
 *
 * Faults come from the seam in tests/fault.h.
 */
#include "support.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conn.h"
#include "fault.h"
#include "io.h"

extern const struct ipc_transport unix_stream_transport, unix_dgram_transport;

#define ENV struct test_env *env = *state
#define IDLE_MS 300

static int setup(void **state)
{
	fault_reset();
	return test_env_setup(state);
}

static int teardown(void **state)
{
	fault_reset();
	return test_env_teardown(state);
}

/* The server's whole log (its lines go straight to the file). */
static void read_log(FILE *log, char *buf, size_t cap)
{
	rewind(log);
	size_t n = fread(buf, 1, cap - 1, log);
	buf[n] = '\0';
	fclose(log);
}

static int count_lines(const char *text)
{
	int n = 0;
	for (; *text; text++)
		n += *text == '\n';
	return n;
}

static void send_name(struct ipc_conn *c, const char *line)
{
	struct ipc_error e = { 0 };
	if (conn_send_all(c, line, strlen(line), -1, 2000, &e) < 0)
		fail_msg("send %s: %s", line, e.msg);
}

static void expect_line(struct ipc_conn *c, const char *want)
{
	char got[256];
	struct ipc_error e = { 0 };
	ssize_t n = conn_recv_line(c, got, sizeof got - 1, test_scale_ms(3000), &e);
	if (n < 0)
		fail_msg("waiting for '%s': %s", want, e.msg);
	got[n] = '\0';
	assert_string_equal(got, want);
}

static FILE *start_logged(struct test_env *env, struct ipc_server *s, struct server_child *child)
{
	FILE *log = tmpfile();
	assert_non_null(log);
	setvbuf(log, NULL, _IONBF, 0);
	struct serve_opts o = { .stop_fd = -1, .idle_timeout_ms = IDLE_MS, .log = log };
	test_server_start_opts(env, &unix_dgram_transport, NULL, &o, s, child);
	return log;
}

/* After the failed reply: the next client is served at once, the server
 * outlives two idle time-outs (a reply kept for a retry would be dropped
 * then, with a line of its own), still serves, and stops with status 0. */
static void still_serving(struct ipc_conn *b)
{
	expect_line(b, "Hello, Bob\n");
	usleep(2 * IDLE_MS * 1000);
	send_name(b, "Bob again\n");
	expect_line(b, "Hello, Bob again\n");
}

static void expect_one_line(const char *said, const char *errtext)
{
	print_message("  the server said: %s", said);
	if (count_lines(said) != 1 || !strstr(said, "reply not delivered") ||
	    !strstr(said, errtext))
		fail_msg("want one line 'reply not delivered ... %s', the server said:\n%s",
			 errtext, said);
}

/* A real gone client: it sends, then closes its socket before the server
 * reads (the server is stopped meanwhile), so the kernel refuses the reply
 * (ECONNREFUSED: its abstract name went with the socket). */
static void test_dgram_reply_to_closed_client(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn a, b;
	char said[4096];
	int status;

	FILE *log = start_logged(env, &s, &child);
	test_connect(env, &unix_dgram_transport, &s, &a);
	test_connect(env, &unix_dgram_transport, &s, &b);
	assert_int_equal(kill(child.pid, SIGSTOP), 0);
	assert_int_equal(waitpid(child.pid, &status, WUNTRACED), child.pid);
	assert_true(WIFSTOPPED(status));
	send_name(&a, "Alice\n");
	unix_dgram_transport.close(&a);
	send_name(&b, "Bob\n");
	assert_int_equal(kill(child.pid, SIGCONT), 0);
	still_serving(&b);
	unix_dgram_transport.close(&b);
	test_server_stop(&child);
	read_log(log, said, sizeof said);
	expect_one_line(said, strerror(ECONNREFUSED));
}

/* The same for each errno a gone peer can bring, scripted in the server:
 * the client that asked simply gets no reply (the server does not try
 * again), and the next one is served. */
static void reply_fails_with(struct test_env *env, int err)
{
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn a, b;
	struct ipc_error e = { 0 };
	char said[4096], got[64];

	FILE *log = start_logged(env, &s, &child);
	test_connect(env, &unix_dgram_transport, &s, &a);
	test_connect(env, &unix_dgram_transport, &s, &b);
	int id = fault_add(&(struct fault){ .call = FAULT_SENDTO, .err = err,
					    .where = FAULT_CHILD });
	send_name(&a, "Alice\n");
	assert_int_equal(conn_recv_line(&a, got, sizeof got, 2 * IDLE_MS, &e), -1);
	assert_int_equal(fault_fired(id), 1);
	send_name(&b, "Bob\n");
	still_serving(&b);
	assert_int_equal(io_wait(a.rfd, POLLIN, -1, 0), IO_TIMEOUT); /* never sent later */
	unix_dgram_transport.close(&a);
	unix_dgram_transport.close(&b);
	test_server_stop(&child);
	read_log(log, said, sizeof said);
	expect_one_line(said, strerror(err));
}

static void test_dgram_reply_econnrefused(void **state)
{
	ENV;
	reply_fails_with(env, ECONNREFUSED);
}

static void test_dgram_reply_enotconn(void **state)
{
	ENV;
	reply_fails_with(env, ENOTCONN);
}

/* ---- paths as long as sun_path ------------------------------------------ */

/* env->dir/ppp...p, `len` bytes in all. */
static void long_path(struct test_env *env, char *out, size_t len)
{
	size_t dl = strlen(env->dir);
	assert_true(len < IPC_ADDR_MAX && dl + 2 < len);
	memcpy(out, env->dir, dl);
	out[dl] = '/';
	memset(out + dl + 1, 'p', len - dl - 1);
	out[len] = '\0';
}

static void path_limit(struct test_env *env, const struct ipc_transport *t)
{
	const size_t full = sizeof ((struct sockaddr_un *)0)->sun_path;
	char path[IPC_ADDR_MAX];
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	char want[64], reply[64];
	size_t rlen;

	/* sizeof sun_path bytes: no room for the NUL.  Refused, saying why,
	 * and nothing is left in the directory (teardown checks). */
	long_path(env, path, full);
	ipc_server_init(&s, t, &env->ctx);
	assert_int_equal(t->listen(&s, path, &e), -1);
	print_message("  %s, %zu bytes: %s\n", t->name, full, e.msg);
	assert_int_equal(e.status, IPC_USAGE);
	snprintf(want, sizeof want, "is %zu bytes", full);
	assert_non_null(strstr(e.msg, want));
	snprintf(want, sizeof want, "1 to %zu bytes", full - 1);
	assert_non_null(strstr(e.msg, want));
	/* A client given that address is refused the same way. */
	struct ipc_addr a = { .pipe_fd = { -1, -1 } };
	memcpy(a.text, path, full + 1);
	ipc_conn_init(&c, t, &env->ctx);
	memset(&e, 0, sizeof e);
	assert_int_equal(t->connect(&c, &a, &e), -1);
	assert_int_equal(e.status, IPC_USAGE);
	assert_non_null(strstr(e.msg, want));

	/* One byte shorter: a server listens there and greets. */
	long_path(env, path, full - 1);
	test_server_start(env, t, path, -1, &s, &child);
	assert_string_equal(s.addr.text, path);
	test_connect(env, t, &s, &c);
	assert_int_equal(conn_greet(&c, "edge", 4, reply, sizeof reply, &rlen, &e), IPC_OK);
	assert_memory_equal(reply, "Hello, edge\n", 12);
	t->close(&c);
	test_server_stop(&child);
}

static void test_unix_stream_path_limit(void **state)
{
	ENV;
	path_limit(env, &unix_stream_transport);
}

static void test_unix_dgram_path_limit(void **state)
{
	ENV;
	path_limit(env, &unix_dgram_transport);
}

/* The command line says it in one line and exits with the usage status. */
static void test_cli_path_limit(void **state)
{
	ENV;
	char path[IPC_ADDR_MAX], out[4096], err[4096];
	const size_t full = sizeof ((struct sockaddr_un *)0)->sun_path;

	long_path(env, path, full);
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "serve",
				      "unix_stream", "--address", path, NULL),
			 IPC_USAGE);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "1 to 107 bytes"));
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "greet",
				      "unix_dgram", "x", "--address", path, NULL),
			 IPC_USAGE);
	assert_non_null(strstr(err, "1 to 107 bytes"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dgram_reply_to_closed_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dgram_reply_econnrefused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dgram_reply_enotconn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_stream_path_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_dgram_path_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli_path_limit, setup, teardown),
	};
	return cmocka_run_group_tests_name("edges", tests, NULL, NULL);
}
