/*
 * test_shm.c - what only the shared-memory transport has: spinning instead
 * of sleeping, a client that dies holding its ring, and a hand-over that is
 * not what it claims.  The conformance suite (test_transports.c) covers the
 * protocol over shm like over every other transport.
 */
#include "support.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../shm/shm.h"
#include "conn.h"
#include "io.h"

#define ENV struct test_env *env = *state

extern const struct ipc_transport shm_transport;

static void greet_ok(struct ipc_conn *c, const char *name, const char *want)
{
	char reply[300];
	size_t n = 0;
	struct ipc_error e = { 0 };
	int st = conn_greet(c, name, strlen(name), reply, sizeof reply - 1, &n, &e);
	if (st != IPC_OK)
		fail_msg("greet %s: %s", name, st < 0 ? e.msg : "ERR");
	reply[n] = '\0';
	assert_string_equal(reply, want);
}

/* --wait spin on both sides: the same answers, and the server, which
 * spins in recv() between requests, still stops when told to. */
static void test_spin_round_trips(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	char name[32], want[48];

	env->ctx.wait = IPC_WAIT_SPIN;
	test_server_start(env, &shm_transport, NULL, -1, &s, &child);
	test_connect(env, &shm_transport, &s, &c);
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof name, "spinner-%d", i);
		snprintf(want, sizeof want, "Hello, %s\n", name);
		greet_ok(&c, name, want);
	}
	shm_transport.close(&c);
	test_server_stop(&child);
}

/* A client process dies (no close(), so no "closed" flag in the ring) in
 * the middle of a request: the server sees its socket end, drops the
 * half line and serves the next client. */
static void test_client_dies_mid_message(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;

	test_server_start(env, &shm_transport, NULL, -1, &s, &child);
	for (int sig = 0; sig < 2; sig++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct ipc_conn d;
			struct ipc_error e;
			ipc_conn_init(&d, &shm_transport, &env->ctx);
			if (shm_transport.connect(&d, &s.addr, &e) < 0 ||
			    conn_send_all(&d, "Ali", 3, -1, 2000, &e) < 0)
				_exit(1);
			if (sig)
				raise(SIGKILL);
			_exit(0);
		}
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(sig ? WIFSIGNALED(status) : WIFEXITED(status) && !WEXITSTATUS(status));
		test_connect(env, &shm_transport, &s, &c);
		greet_ok(&c, "Bea", "Hello, Bea\n");
		shm_transport.close(&c);
	}
	test_server_stop(&child);
}

static int count_fds(pid_t pid)
{
	char path[64];
	int n = 0;
	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	assert_non_null(d);
	for (struct dirent *de; (de = readdir(d));)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* A peer that closes its rendezvous socket (and nothing else: no "closed"
 * in the ring, its memory still mapped) is gone: the server lets go of the
 * connection at once, not at its 10 s idle time-out. */
static void test_closed_socket_seen_at_once(void **state)
{
	ENV;
	static const enum serve_mode modes[] = { SERVE_ITERATIVE, SERVE_EPOLL };
	for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++) {
		struct ipc_server s;
		struct server_child child;
		struct ipc_conn c;
		struct serve_opts o = { .stop_fd = -1, .idle_timeout_ms = 10000, .mode = modes[k] };

		test_server_start_opts(env, &shm_transport, NULL, &o, &s, &child);
		usleep(50000);
		int idle_fds = count_fds(child.pid);
		test_connect(env, &shm_transport, &s, &c);
		greet_ok(&c, "Brief", "Hello, Brief\n");
		assert_true(count_fds(child.pid) > idle_fds);
		close(c.rfd); /* the socket alone */
		long long until = io_now_ms() + test_scale_ms(1000);
		while (count_fds(child.pid) > idle_fds) {
			if (io_now_ms() > until)
				fail_msg("mode %s: the connection still held 1 s after its socket "
					 "closed", serve_mode_name(modes[k]));
			usleep(10000);
		}
		((struct shm_conn *)c.priv)->sock = -1; /* closed already */
		shm_transport.close(&c);
		test_server_stop(&child);
	}
}

/* A "client" that connects to the rendezvous and sends bytes but no memory
 * is refused; the server goes on. */
static void test_forged_handover(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	test_server_start(env, &shm_transport, NULL, -1, &s, &child);
	assert_true(strlen(s.addr.text) < sizeof sun.sun_path);
	memcpy(sun.sun_path, s.addr.text, strlen(s.addr.text) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	assert_int_equal(write(fd, "12345678", 8), 8);
	/* The server hangs up on us ... */
	char b;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_int_equal(read(fd, &b, 1), 0);
	close(fd);
	/* ... and serves the next one. */
	test_connect(env, &shm_transport, &s, &c);
	greet_ok(&c, "Cy", "Hello, Cy\n");
	shm_transport.close(&c);
	test_server_stop(&child);
}

/* Nothing is left in the runtime directory once the server stops. */
static void test_nothing_left_behind(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;

	test_server_start(env, &shm_transport, NULL, -1, &s, &child);
	test_connect(env, &shm_transport, &s, &c);
	greet_ok(&c, "Di", "Hello, Di\n");
	shm_transport.close(&c);
	test_server_stop(&child);
	assert_int_equal(test_count_entries(env->dir), 0);
}

/* The floor under every round trip: a latency row of its own. */
static void test_bench_pingpong(void **state)
{
	ENV;
	char out[4096], err[4096];
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "pingpong", "--count", "20000", "--warmup", "1000",
				      "--format", "csv", NULL), 0);
	assert_non_null(strstr(out, "\nlatency,pingpong,,64,20000,"));
	assert_non_null(strstr(out, "BATCH-MEANS"));
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "pingpong", "shm", NULL), 2);
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "serve",
				      "unix_stream", "--wait", "spin", NULL), 2);
	assert_non_null(strstr(err, "shm only"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_spin_round_trips, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_client_dies_mid_message, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_closed_socket_seen_at_once, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_forged_handover, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_nothing_left_behind, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_bench_pingpong, test_env_setup,
						test_env_teardown),
	};
	return cmocka_run_group_tests_name("shm", tests, NULL, NULL);
}
