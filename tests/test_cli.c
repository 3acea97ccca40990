/*
 * test_cli.c - bin/ipclab run as a user would: its output, its exit codes,
 * and standard tools (nc, socat, a shell) as clients of its servers.
 */
#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ENV struct test_env *env = *state
#define OUT char out[8192], err[8192]
#define RUN(input, ...) test_run_cli(env, input, out, sizeof out, err, sizeof err, __VA_ARGS__, NULL)

/* `ipclab serve TRANSPORT [--address ADDRESS]` in the background. */
static void serve_start(struct test_env *env, struct test_bg *bg, const char *transport,
			const char *address)
{
	const char *args[] = { transport, address ? "--address" : NULL, address, NULL };
	test_bg_start(env, bg, args, 0);
}

/* Run a shell command line with IPCLAB_DIR set; return its stdout. */
static int shell(struct test_env *env, const char *cmd, char *out, size_t cap)
{
	char err[4096];
	const char *const argv[] = { "/bin/sh", "-c", cmd, NULL };
	int rc = test_run_argv(env, NULL, out, cap, err, sizeof err, argv);
	if (rc != 0)
		fprintf(stderr, "`%s` exited %d: %s\n", cmd, rc, err);
	return rc;
}

static void test_help_and_usage(void **state)
{
	ENV;
	OUT;
	assert_int_equal(RUN(NULL, "--help"), 0);
	assert_non_null(strstr(out, "exit status"));
	assert_int_equal(RUN(NULL, "serve", "--help"), 0);
	assert_non_null(strstr(out, "usage: ipclab serve"));
	assert_int_equal(RUN(NULL, "greet", "--help"), 0);
	assert_int_equal(RUN(NULL, "demo", "--help"), 0);
	assert_int_equal(RUN(NULL, "list", "--help"), 0);
	assert_int_equal(RUN(NULL, (const char *)NULL), 2);
	assert_int_equal(RUN(NULL, "frobnicate"), 2);
	assert_non_null(strstr(err, "unknown command 'frobnicate'"));
	assert_int_equal(RUN(NULL, "greet"), 2);
	assert_int_equal(RUN(NULL, "greet", "carrier-pigeon", "x"), 2);
	assert_non_null(strstr(err, "unknown transport 'carrier-pigeon'"));
	assert_non_null(strstr(err, "unix_dgram"));
	assert_int_equal(RUN(NULL, "greet", "tcp", "x", "--bogus"), 2);
	assert_int_equal(RUN(NULL, "greet", "tcp", "x", "--timeout", "soon"), 2);
	assert_int_equal(RUN(NULL, "greet", "tcp", "x", "--address"), 2);
	assert_int_equal(RUN(NULL, "demo", "--address", "1"), 2);
	assert_int_equal(RUN(NULL, "greet", "pipe", "two\nlines"), 2);
}

static void test_list(void **state)
{
	ENV;
	OUT;
	assert_int_equal(RUN(NULL, "list"), 0);
	int lines = 0;
	for (char *p = out; *p; p++)
		lines += *p == '\n';
	/* One line per transport of the registry, the six first. */
	size_t count = 0;
	while (ipc_transports[count])
		count++;
	assert_int_equal(lines, (int)count);
	assert_true(count >= 9);
	const char *names[] = { "pipe ", "fifo ", "unix_stream ", "unix_dgram ", "tcp ", "udp ",
				"socketpair ", "mqueue ", "shm " };
	for (size_t i = 0; i < sizeof names / sizeof names[0] && i < count; i++)
		assert_non_null(strstr(out, names[i]));
}

static void test_demo_all(void **state)
{
	ENV;
	OUT;
	assert_int_equal(RUN(NULL, "demo"), 0);
	/* Every transport of the registry greets, in its order. */
	char want[1024];
	size_t at = 0;
	for (size_t i = 0; ipc_transports[i]; i++)
		at += (size_t)snprintf(want + at, sizeof want - at, "[%s] Hello, world\n",
				       ipc_transports[i]->name);
	assert_string_equal(out, want);
	assert_int_equal(test_count_entries(env->dir), 0); /* nothing left behind */
	assert_int_equal(RUN(NULL, "demo", "udp", "fifo", "--name", "Zo\xc3\xab"), 0);
	assert_string_equal(out, "[udp] Hello, Zo\xc3\xab\n[fifo] Hello, Zo\xc3\xab\n");
	assert_int_equal(RUN(NULL, "demo", "--name", ""), 1);
	assert_non_null(strstr(out, "[pipe] FAILED"));
	assert_non_null(strstr(err, "ERR empty name") ? err : out);
	assert_int_equal(test_count_entries(env->dir), 0);
}

static void test_greet_pipe(void **state)
{
	ENV;
	OUT;
	assert_int_equal(RUN(NULL, "greet", "pipe", "Alice"), 0);
	assert_string_equal(out, "Hello, Alice\n");
	assert_int_equal(RUN("Bob\n", "greet", "pipe"), 0); /* name from stdin */
	assert_string_equal(out, "Hello, Bob\n");
	assert_int_equal(RUN("Carol\r\n", "greet", "pipe"), 0);
	assert_string_equal(out, "Hello, Carol\n");
	assert_int_equal(RUN("", "greet", "pipe"), 2);
	assert_int_equal(RUN(NULL, "greet", "pipe", ""), 1);
	assert_string_equal(out, "ERR empty name\n");
	assert_int_equal(RUN(NULL, "greet", "pipe", "\x1b[1m"), 1);
	assert_string_equal(out, "ERR control character in name\n");
	assert_int_equal(RUN(NULL, "serve", "pipe"), 2);
	assert_non_null(strstr(err, "greet pipe"));
}

static void test_no_server_exit_code(void **state)
{
	ENV;
	OUT;
	static const char *const ts[] = { "fifo", "unix_stream", "unix_dgram" };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(RUN(NULL, "greet", ts[i], "x"), 3);
		assert_non_null(strstr(err, "ipclab serve"));
		assert_non_null(strstr(err, env->dir));
		assert_string_equal(out, "");
	}
	assert_int_equal(RUN(NULL, "greet", "tcp", "x", "--address", "127.0.0.1:9"), 3);
	assert_non_null(strstr(err, "127.0.0.1:9"));
	assert_int_equal(RUN(NULL, "greet", "udp", "x", "--address", "127.0.0.1:9"), 3);
	assert_int_equal(RUN(NULL, "greet", "tcp", "x", "--address", "nowhere:port"), 2);
}

/* `serve` for each servable transport: greet it with the CLI, stop it with
 * SIGTERM, and check it removed what it created. */
/* A TCP server that takes the request in part and resets the connection:
 * `ipclab greet` exits 7 (the peer broke the protocol or hung up early),
 * and says what happened. */
static void test_reset_exit_code(void **state)
{
	ENV;
	OUT;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sin;
	char addr[64];
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	snprintf(addr, sizeof addr, "127.0.0.1:%u", ntohs(sin.sin_port));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = accept(lfd, NULL, NULL);
		char buf[2];
		struct linger l = { .l_onoff = 1, .l_linger = 0 };
		if (fd < 0 || read(fd, buf, 2) != 2 ||
		    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l) < 0)
			_exit(1);
		close(fd); /* with unread bytes and no linger: a reset */
		_exit(0);
	}
	close(lfd);
	assert_int_equal(RUN(NULL, "greet", "tcp", "Anna", "--address", addr), 7);
	assert_non_null(strstr(err, addr));
	assert_non_null(strstr(err, "Connection reset by peer"));
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_serve_and_greet(void **state)
{
	ENV;
	OUT;
	static const char *const ts[] = { "fifo", "unix_stream", "unix_dgram", "tcp", "udp" };
	for (size_t i = 0; i < 5; i++) {
		struct test_bg bg;
		int inet = !strcmp(ts[i], "tcp") || !strcmp(ts[i], "udp");
		serve_start(env, &bg, ts[i], inet ? "127.0.0.1:0" : NULL);
		assert_int_equal(RUN(NULL, "greet", ts[i], "Alice", "--address", bg.addr), 0);
		assert_string_equal(out, "Hello, Alice\n");
		assert_int_equal(RUN(NULL, "greet", ts[i], "", "--address", bg.addr), 1);
		assert_string_equal(out, "ERR empty name\n");
		/* A second server on the same address is refused, exit 5. */
		assert_int_equal(RUN(NULL, "serve", ts[i], "--address", bg.addr), 5);
		assert_non_null(strstr(err, bg.addr));
		char rest[4096];
		assert_int_equal(test_bg_stop(&bg, rest, sizeof rest), 0);
		assert_int_equal(test_count_entries(env->dir), 0);
	}
}

static int have(const char *tool)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

/* Standard tools are clients too: the protocol is plain lines. */
static void test_standard_tools_as_clients(void **state)
{
	ENV;
	char out[4096], cmd[1024];
	test_deadline(30, "a dozen shell pipelines with nc and socat: 3.5 s on a quiet machine");
	if (!have("nc") || !have("socat"))
		fail_msg("nc and socat are needed (make deps installs them)");
	struct test_bg bg;

	serve_start(env, &bg, "unix_stream", NULL);
	snprintf(cmd, sizeof cmd, "printf 'Ann\\nBen\\n' | nc -N -U '%s'", bg.addr);
	assert_int_equal(shell(env, cmd, out, sizeof out), 0);
	assert_string_equal(out, "Hello, Ann\nHello, Ben\n");
	snprintf(cmd, sizeof cmd, "echo Cat | socat - UNIX-CONNECT:'%s'", bg.addr);
	assert_int_equal(shell(env, cmd, out, sizeof out), 0);
	assert_string_equal(out, "Hello, Cat\n");
	char rest[4096];
	assert_int_equal(test_bg_stop(&bg, rest, sizeof rest), 0);

	serve_start(env, &bg, "unix_dgram", NULL);
	snprintf(cmd, sizeof cmd,
		 "echo Dan | socat -t 1 - UNIX-SENDTO:'%s',bind='%s/socat-client.sock'; "
		 "rm -f '%s/socat-client.sock'", bg.addr, env->dir, env->dir);
	assert_int_equal(shell(env, cmd, out, sizeof out), 0);
	assert_string_equal(out, "Hello, Dan\n");
	assert_int_equal(test_bg_stop(&bg, rest, sizeof rest), 0);

	serve_start(env, &bg, "tcp", "127.0.0.1:0");
	char *colon = strrchr(bg.addr, ':');
	snprintf(cmd, sizeof cmd, "printf 'Eve\\r\\n' | nc -N 127.0.0.1 %s", colon + 1);
	assert_int_equal(shell(env, cmd, out, sizeof out), 0);
	assert_string_equal(out, "Hello, Eve\n");
	snprintf(cmd, sizeof cmd, "echo Fay | socat - TCP:%s", bg.addr);
	assert_int_equal(shell(env, cmd, out, sizeof out), 0);
	assert_string_equal(out, "Hello, Fay\n");
	assert_int_equal(test_bg_stop(&bg, rest, sizeof rest), 0);

	serve_start(env, &bg, "udp", "127.0.0.1:0");
	colon = strrchr(bg.addr, ':');
	snprintf(cmd, sizeof cmd, "echo Gil | nc -u -w 1 127.0.0.1 %s", colon + 1);
	assert_int_equal(shell(env, cmd, out, sizeof out), 0);
	assert_string_equal(out, "Hello, Gil\n");
	snprintf(cmd, sizeof cmd, "echo Hal | socat -t 1 - UDP:%s", bg.addr);
	assert_int_equal(shell(env, cmd, out, sizeof out), 0);
	assert_string_equal(out, "Hello, Hal\n");
	assert_int_equal(test_bg_stop(&bg, rest, sizeof rest), 0);

	/* A shell is a FIFO client (Linux: opening a FIFO read-write never blocks). */
	serve_start(env, &bg, "fifo", NULL);
	snprintf(cmd, sizeof cmd,
		 "d='%s'; mkfifo -m 600 \"$d/client-$$.req\" \"$d/client-$$.rep\" && "
		 "exec 3<>\"$d/client-$$.req\" 4<>\"$d/client-$$.rep\" && "
		 "printf '\\n%%-31s' $$ > '%s' && echo Ivy >&3 && head -n 1 <&4",
		 env->dir, bg.addr);
	assert_int_equal(shell(env, cmd, out, sizeof out), 0);
	assert_string_equal(out, "Hello, Ivy\n");
	assert_int_equal(test_bg_stop(&bg, rest, sizeof rest), 0);
	assert_int_equal(test_count_entries(env->dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_help_and_usage, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_list, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_demo_all, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_greet_pipe, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_no_server_exit_code, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_reset_exit_code, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_serve_and_greet, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_standard_tools_as_clients, test_env_setup,
						test_env_teardown),
	};
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
