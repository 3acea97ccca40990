/*
 * test_load.c - the load generator and the drawback demonstration.
 *
 * `ipclab load` runs against servers of every mode (iterative, select,
 * poll, epoll) and must see every reply right; against servers that answer
 * wrongly, close early, never answer, or are not there, it must say so and
 * exit non-zero instead of hanging.  `ipclab drawback` must show the
 * iterative server blocked by an idle client and the multiplexed ones not.
 * Behaviour only: no assertion depends on how fast anything is.
 */
#include "support.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"
#include "load.h"
#include "protocol.h"

#define ENV struct test_env *env = *state
#define OUT char out[8192], err[8192]

static const char *const stream_transports[] = { "unix_stream", "tcp" };
static const char *const modes[] = { "iterative", "select", "poll", "epoll" };

/* A server of `mode` in a child, listening at a free address in env. */
static void mode_server_start_max(struct test_env *env, const char *transport, const char *mode,
				  int max_clients, struct ipc_server *s, struct server_child *child)
{
	const struct ipc_transport *t = ipc_transport_find(transport);
	struct serve_opts o = { .stop_fd = -1, .idle_timeout_ms = SERVE_IDLE_TIMEOUT_MS,
				.log = getenv("IPCLAB_TEST_LOG") ? stderr : NULL,
				.max_clients = max_clients };
	struct ipc_error e = { 0 };

	assert_non_null(t);
	assert_int_equal(serve_mode_parse(mode, &o.mode), 0);
	ipc_server_init(s, t, &env->ctx);
	if (t->listen(s, NULL, &e) < 0)
		fail_msg("listen %s: %s", transport, e.msg);
	if (server_spawn(s, &o, child, &e) < 0)
		fail_msg("spawn %s %s: %s", transport, mode, e.msg);
}

static void mode_server_start(struct test_env *env, const char *transport, const char *mode,
			      struct ipc_server *s, struct server_child *child)
{
	mode_server_start_max(env, transport, mode, 0, s, child);
}

/* The CSV row of a load run: the fields we check. */
struct row {
	unsigned long count, clients, lost, errors;
	char mode[64];
};

static void parse_row(const char *csv, struct row *r)
{
	const char *line = strstr(csv, "\nload,");
	if (!line)
		fail_msg("no load row in:\n%s", csv);
	line++;
	char field[23][64];
	int n = 0;
	size_t k = 0;
	for (const char *p = line; *p && *p != '\n' && n < 23; p++) {
		if (*p == ',') {
			field[n++][k] = '\0';
			k = 0;
		} else if (k < sizeof field[0] - 1) {
			field[n][k++] = *p;
		}
	}
	if (n < 23)
		field[n++][k] = '\0';
	assert_int_equal(n, 23);
	r->count = strtoul(field[4], NULL, 10);
	r->clients = strtoul(field[5], NULL, 10);
	r->lost = strtoul(field[20], NULL, 10);
	r->errors = strtoul(field[21], NULL, 10);
	snprintf(r->mode, sizeof r->mode, "%s", field[2]);
}

/* `ipclab load` against s with all replies right, then check the row. */
static void load_all_right(struct test_env *env, const struct ipc_server *s, const char *mode,
			   const char *clients, const char *requests, const char *pipeline,
			   const char *workers)
{
	OUT;
	int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "load", s->t->name,
			      "--address", s->addr.text, "--clients", clients, "--requests",
			      requests, "--pipeline", pipeline, "--workers", workers, "--mode",
			      mode, "--format", "csv", "--timeout", "10000", NULL);
	if (rc != 0)
		fail_msg("load %s %s: exit %d: %s", s->t->name, mode, rc, err);
	struct row r;
	parse_row(out, &r);
	assert_int_equal(r.clients, strtoul(clients, NULL, 10));
	assert_int_equal(r.count, strtoul(clients, NULL, 10) * strtoul(requests, NULL, 10));
	assert_int_equal(r.errors, 0);
	assert_int_equal(r.lost, 0);
	assert_string_equal(r.mode, mode);
}

static void test_load_every_mode(void **state)
{
	ENV;
	for (size_t i = 0; i < 2; i++) {
		for (size_t m = 0; m < 4; m++) {
			struct ipc_server s;
			struct server_child child;
			mode_server_start(env, stream_transports[i], modes[m], &s, &child);
			load_all_right(env, &s, modes[m], "20", "25", "1", "1");
			test_server_stop(&child);
		}
	}
}

static void test_load_pipelined(void **state)
{
	ENV;
	for (size_t m = 0; m < 4; m++) {
		struct ipc_server s;
		struct server_child child;
		mode_server_start(env, "unix_stream", modes[m], &s, &child);
		load_all_right(env, &s, modes[m], "4", "50", "8", "1");
		/* More in flight than requests: the pipeline is clipped. */
		load_all_right(env, &s, modes[m], "3", "5", "8", "1");
		test_server_stop(&child);
	}
}

static void test_load_workers(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	mode_server_start(env, "tcp", "epoll", &s, &child);
	load_all_right(env, &s, "epoll", "9", "20", "2", "3");
	test_server_stop(&child);
}

/* Many connections at once, shared by two worker processes. */
static void test_load_many_clients(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	mode_server_start(env, "unix_stream", "epoll", &s, &child);
	load_all_right(env, &s, "epoll", "300", "10", "2", "2");
	test_server_stop(&child);
}

/* A server full up turns clients away with "ERR server busy": the load
 * generator counts them as wrong replies, and the others are served. */
static void test_load_turned_away(void **state)
{
	ENV;
	OUT;
	struct ipc_server s;
	struct server_child child;
	mode_server_start_max(env, "unix_stream", "poll", 4, &s, &child);
	int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "load", "unix_stream",
			      "--address", s.addr.text, "--clients", "10", "--requests", "5",
			      "--format", "csv", NULL);
	test_server_stop(&child);
	assert_int_equal(rc, IPC_PROTOCOL);
	struct row r;
	parse_row(out, &r);
	assert_int_equal(r.count, 4 * 5);
	assert_int_equal(r.errors, 6);
	assert_int_equal(r.lost, 6 * 5);
	assert_non_null(strstr(err, "ERR server busy"));
}

/* Over the FIFO every connection is a FIFO pair of its own. */
static void test_load_fifo(void **state)
{
	ENV;
	static const char *const fifo_modes[] = { "iterative", "epoll" };
	for (size_t m = 0; m < 2; m++) {
		struct ipc_server s;
		struct server_child child;
		mode_server_start(env, "fifo", fifo_modes[m], &s, &child);
		load_all_right(env, &s, fifo_modes[m], "10", "10", "2", "1");
		load_all_right(env, &s, fifo_modes[m], "4", "10", "1", "2");
		test_server_stop(&child);
	}
}

static void test_load_no_server(void **state)
{
	ENV;
	OUT;
	int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "load", "unix_stream",
			      "--clients", "5", "--requests", "3", NULL);
	assert_int_equal(rc, IPC_NO_SERVER);
	assert_non_null(strstr(err, "no connection could be made"));
	assert_non_null(strstr(err, "ipclab serve unix_stream"));
	assert_string_equal(out, "");
	rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "load", "tcp", "--address",
			  "127.0.0.1:9", "--clients", "3", NULL);
	assert_int_equal(rc, IPC_NO_SERVER);
	assert_non_null(strstr(err, "127.0.0.1:9"));
}

static void test_load_refusals(void **state)
{
	ENV;
	OUT;
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "load",
				      "unix_dgram", NULL), IPC_USAGE);
	assert_non_null(strstr(err, "datagram"));
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "load", "pipe",
				      NULL), IPC_USAGE);
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "load", "tcp",
				      "--clients", "0", NULL), IPC_USAGE);
	assert_non_null(strstr(err, "--clients"));
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "load", "tcp",
				      "--clients", "2", "--workers", "3", NULL), IPC_USAGE);
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "load", "tcp",
				      "--format", "yaml", NULL), IPC_USAGE);
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "load",
				      "--help", NULL), 0);
	assert_non_null(strstr(out, "--pipeline"));
}

/* More clients than the hard descriptor limit allows: a clear refusal. */
static void test_load_beyond_fd_limit(void **state)
{
	ENV;
	OUT;
	char cmd[512];
	const char *bin = getenv("IPCLAB_BIN") ? getenv("IPCLAB_BIN") : "bin/ipclab";
	snprintf(cmd, sizeof cmd, "ulimit -n 64 && exec %s load unix_stream --clients 200", bin);
	const char *const argv[] = { "/bin/sh", "-c", cmd, NULL };
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, argv),
			 IPC_USAGE);
	assert_non_null(strstr(err, "hard limit"));
	assert_non_null(strstr(err, "--workers"));
}

/* The soft limit goes up to the hard one when needed, never beyond. */
static void test_raise_nofile(void **state)
{
	(void)state;
	if (getenv("IPCLAB_VALGRIND"))
		skip(); /* valgrind keeps descriptors of its own below the hard limit */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { .rlim_cur = 40, .rlim_max = 100 };
		struct ipc_error e = { 0 };
		unsigned long limit = 0;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			_exit(10);
		if (load_raise_nofile(30, &limit, &e) < 0 || limit != 40)
			_exit(11);
		if (load_raise_nofile(90, &limit, &e) < 0 || limit != 100)
			_exit(12);
		if (load_raise_nofile(500, &limit, &e) == 0 || e.status != IPC_USAGE ||
		    !strstr(e.msg, "500"))
			_exit(13);
		_exit(0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- the engine against servers that misbehave ------------------------ */

enum fake { FAKE_WRONG, FAKE_CLOSE };

/* A one-connection unix_stream server in a child: it reads one request and
 * answers wrongly, or closes at once. */
static pid_t fake_server(struct test_env *env, enum fake how, struct ipc_server *s)
{
	const struct ipc_transport *t = ipc_transport_find("unix_stream");
	struct ipc_error e = { 0 };

	ipc_server_init(s, t, &env->ctx);
	if (t->listen(s, NULL, &e) < 0)
		fail_msg("listen: %s", e.msg);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ipc_conn c;
		char buf[256];
		if (io_wait(s->fd, POLLIN, -1, 5000) != IO_READY || t->accept(s, &c, &e) < 0)
			_exit(1);
		if (how == FAKE_WRONG) {
			while (io_wait(c.rfd, POLLIN, -1, 5000) == IO_READY &&
			       t->recv(&c, buf, sizeof buf, &e) == IPC_WOULD_BLOCK)
				;
			static const char wrong[] = "Hello, somebody else\n";
			if (t->send(&c, wrong, sizeof wrong - 1, &e) != sizeof wrong - 1)
				_exit(2);
			io_wait(c.rfd, POLLIN, -1, 5000); /* until the client leaves */
		}
		t->close(&c);
		t->shutdown(s, true);
		_exit(0);
	}
	t->shutdown(s, false);
	return pid;
}

static void run_engine(struct test_env *env, const struct ipc_server *s, unsigned long clients,
		       unsigned long requests, int timeout_ms, struct load_tally *tally)
{
	struct load_config cfg = {
		.t = s->t, .ctx = &env->ctx, .addr = s->addr, .clients = clients,
		.requests = requests, .pipeline = 2, .workers = 1, .timeout_ms = timeout_ms,
	};
	struct ipc_error e = { 0 };
	double *lat = calloc(clients * requests, sizeof *lat);
	assert_non_null(lat);
	if (load_run_share(&cfg, 0, clients, lat, tally, NULL, NULL, &e) < 0)
		fail_msg("load_run_share: %s", e.msg);
	free(lat);
	/* Every request is accounted for, one way or the other. */
	assert_int_equal(tally->greetings + tally->unanswered, clients * requests);
}

static void reap(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_engine_wrong_reply(void **state)
{
	ENV;
	struct ipc_server s;
	struct load_tally tally;
	pid_t pid = fake_server(env, FAKE_WRONG, &s);
	run_engine(env, &s, 1, 5, 5000, &tally);
	reap(pid);
	assert_int_equal(tally.wrong, 1);
	assert_int_equal(tally.greetings, 0);
	assert_int_equal(tally.first_status, IPC_PROTOCOL);
	assert_non_null(strstr(tally.first_error, "somebody else"));
	assert_non_null(strstr(tally.first_error, "c0-r0"));
}

static void test_engine_closed_early(void **state)
{
	ENV;
	struct ipc_server s;
	struct load_tally tally;
	pid_t pid = fake_server(env, FAKE_CLOSE, &s);
	run_engine(env, &s, 1, 5, 5000, &tally);
	reap(pid);
	assert_int_equal(tally.closed, 1);
	assert_int_equal(tally.unanswered, 5);
	assert_true(tally.first_status == IPC_PROTOCOL || tally.first_status == IPC_SYSTEM);
}

/* A server that listens but never accepts: connections complete from the
 * backlog, and every request in flight times out instead of hanging. */
static void test_engine_timeout(void **state)
{
	ENV;
	const struct ipc_transport *t = ipc_transport_find("tcp");
	struct ipc_server s;
	struct ipc_error e = { 0 };
	struct load_tally tally;

	ipc_server_init(&s, t, &env->ctx);
	if (t->listen(&s, NULL, &e) < 0)
		fail_msg("listen: %s", e.msg);
	run_engine(env, &s, 4, 10, 200, &tally);
	t->shutdown(&s, true);
	assert_int_equal(tally.refused, 0);
	assert_int_equal(tally.timeouts, 4 * 2); /* the pipeline of each connection */
	assert_int_equal(tally.unanswered, 4 * 10);
	assert_int_equal(tally.first_status, IPC_TIMEOUT);
	assert_non_null(strstr(tally.first_error, "--timeout"));
}

/* The CLI's view of the same: a row with the losses, and exit status 4. */
static void test_load_timeout_cli(void **state)
{
	ENV;
	OUT;
	const struct ipc_transport *t = ipc_transport_find("unix_stream");
	struct ipc_server s;
	struct ipc_error e = { 0 };

	ipc_server_init(&s, t, &env->ctx);
	if (t->listen(&s, NULL, &e) < 0)
		fail_msg("listen: %s", e.msg);
	int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "load", "unix_stream",
			      "--clients", "3", "--requests", "4", "--timeout", "200", "--format",
			      "csv", NULL);
	t->shutdown(&s, true);
	assert_int_equal(rc, IPC_TIMEOUT);
	struct row r;
	parse_row(out, &r);
	assert_int_equal(r.count, 0);
	assert_int_equal(r.lost, 12);
	assert_int_equal(r.errors, 3);
	assert_non_null(strstr(err, "timed out"));
}

/* ---- the drawback demonstration ---------------------------------------- */

static void test_drawback_iterative_blocks(void **state)
{
	ENV;
	OUT;
	static const char *const ts[] = { "unix_stream", "tcp", "fifo" };
	for (size_t i = 0; i < 3; i++) {
		int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "drawback", ts[i],
				      "--wait", "300", NULL);
		if (rc != 0)
			fail_msg("drawback %s: exit %d: %s%s", ts[i], rc, out, err);
		assert_non_null(strstr(out, "iterative: second client waited 300 ms and gave up"));
		assert_int_equal(test_count_entries(env->dir), 0);
	}
	/* The default is the lecture's case: unix_stream, iterative. */
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "drawback",
				      "--wait", "200", NULL), 0);
	assert_non_null(strstr(out, "over unix_stream"));
	assert_non_null(strstr(out, "gave up"));
}

static void test_drawback_multiplexed_serves(void **state)
{
	ENV;
	OUT;
	for (size_t i = 0; i < 2; i++) {
		for (size_t m = 1; m < 4; m++) {
			/* Generous: "at once" is checked as "within 10 s". */
			int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "drawback",
					      stream_transports[i], "--mode", modes[m], "--wait",
					      "10000", NULL);
			if (rc != 0)
				fail_msg("drawback %s --mode %s: exit %d: %s%s",
					 stream_transports[i], modes[m], rc, out, err);
			char want[128];
			snprintf(want, sizeof want, "%s: second client served at once", modes[m]);
			assert_non_null(strstr(out, want));
		}
	}
}

static void test_drawback_datagram_and_usage(void **state)
{
	ENV;
	OUT;
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "drawback",
				      "unix_dgram", "--wait", "10000", NULL), 0);
	assert_non_null(strstr(out, "no connections"));
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "drawback",
				      "pipe", NULL), IPC_USAGE);
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "drawback",
				      "--mode", "kqueue", NULL), IPC_USAGE);
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "drawback",
				      "udp", "--mode", "epoll", NULL), IPC_USAGE);
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "drawback",
				      "--wait", "soon", NULL), IPC_USAGE);
	assert_int_equal(test_count_entries(env->dir), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_env_setup, test_env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_load_every_mode),
		T(test_load_pipelined),
		T(test_load_workers),
		T(test_load_many_clients),
		T(test_load_turned_away),
		T(test_load_fifo),
		T(test_load_no_server),
		T(test_load_refusals),
		T(test_load_beyond_fd_limit),
		T(test_raise_nofile),
		T(test_engine_wrong_reply),
		T(test_engine_closed_early),
		T(test_engine_timeout),
		T(test_load_timeout_cli),
		T(test_drawback_iterative_blocks),
		T(test_drawback_multiplexed_serves),
		T(test_drawback_datagram_and_usage),
	};
	return cmocka_run_group_tests_name("load", tests, NULL, NULL);
}
