/*
 * test_trace.c - `--trace` as a student reads it: every line tagged with its
 * process and role, the server's steps numbered from the table in
 * src/steps.c, one sequence per transport.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steps.h"

#define ENV struct test_env *env = *state

/* Every transport has a sequence 1..n with no number missing. */
static void test_every_transport_has_a_sequence(void **state)
{
	(void)state;
	for (size_t i = 0; ipc_transports[i]; i++) {
		int count, max = 0;
		bool seen[32] = { false };
		const struct trace_step *s = trace_steps_of(ipc_transports[i]->name, &count);
		assert_non_null(s);
		for (int k = 0; k < count; k++) {
			assert_true(s[k].number >= 1 && s[k].number < 32);
			assert_non_null(s[k].lecture);
			seen[s[k].number] = true;
			if (s[k].number > max)
				max = s[k].number;
		}
		for (int n = 1; n <= max; n++)
			assert_true(seen[n]);
	}
}

static int number(const char *transport, const char *call, const char *detail, bool endpoint)
{
	const struct trace_step *s = trace_step_find(transport, call, detail, endpoint);
	return s ? s->number : 0;
}

static void test_lookups(void **state)
{
	(void)state;
	/* The lecture's twelve steps of a Unix stream server. */
	assert_int_equal(number("unix_stream", "lstat", "/d/s: free", false), 1);
	assert_int_equal(number("unix_stream", "unlink", "stale socket /d/s", false), 1);
	assert_int_equal(number("unix_stream", "socket", "AF_UNIX -> fd 3", false), 2);
	assert_int_equal(number("unix_stream", "bind", "fd 3 to /d/s", true), 4);
	assert_int_equal(number("unix_stream", "close", "fd 5", false), 9);  /* data socket */
	assert_int_equal(number("unix_stream", "close", "fd 3", true), 10);  /* connection socket */
	assert_int_equal(number("unix_stream", "unlink", "/d/s", false), 11);
	assert_int_equal(number("unix_stream", "exit", "status 0", false), 12);
	/* A datagram server has no listen and no accept. */
	assert_int_equal(number("unix_dgram", "listen", "fd 3", true), 0);
	assert_int_equal(number("unix_dgram", "accept", "none", true), 0);
	assert_int_equal(number("udp", "accept", "none", true), 0);
	/* The pipe's accept is inheriting its ends, not a system call. */
	const struct trace_step *s = trace_step_find("pipe", "accept", "read fd 3", false);
	assert_non_null(s);
	assert_string_equal(s->shown, "inherit");
	/* The FIFO's two opens of its own FIFO are two steps. */
	assert_int_equal(number("fifo", "open", "/d/fifo.server O_RDONLY -> fd 3", true), 3);
	assert_int_equal(number("fifo", "open", "/d/fifo.server O_WRONLY -> fd 4", true), 4);
	assert_int_equal(number("fifo", "close", "fd 7", false), 11);
	assert_int_equal(number("fifo", "close", "fd 3", true), 13);
	/* Step 3 of the Unix stream server has no system call of its own. */
	assert_non_null(trace_step_silent("unix_stream", 4));
	assert_null(trace_step_silent("tcp", 3));
}

/* In `ipclab demo T --trace`: which server step numbers appear, and is every
 * line tagged "[role pid]"? */
static void demo_steps(struct test_env *env, const char *transport, bool seen[32], char *err,
		       size_t cap)
{
	char out[1024];
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, cap, "demo", transport,
				      "--trace", NULL), 0);
	memset(seen, 0, 32 * sizeof seen[0]);
	for (char *line = strtok(err, "\n"); line; line = strtok(NULL, "\n")) {
		char role[16], name[32], rest[16];
		int pid, n;
		assert_int_equal(sscanf(line, "[%15[a-z] %d] %31s %15s", role, &pid, name, rest), 4);
		assert_true(pid > 0);
		assert_string_equal(name, transport);
		assert_true(!strcmp(role, "server") || !strcmp(role, "client") || !strcmp(role, "parent"));
		if (sscanf(rest, "%d", &n) == 1) {
			/* numbered: a server's step, or the parent's fork of a pipe */
			assert_true(!strcmp(role, "server") || strstr(line, " fork "));
			assert_true(n >= 1 && n < 32);
			seen[n] = true;
		} else {
			assert_true(strcmp(role, "server") != 0 || strstr(line, "accept") ||
				    strstr(line, "setsockopt"));
		}
	}
}

static void test_demo_traces(void **state)
{
	ENV;
	char err[16384];
	bool seen[32];

	demo_steps(env, "unix_stream", seen, err, sizeof err);
	for (int n = 1; n <= 11; n++) /* 12, exit, is `ipclab serve`'s */
		assert_true(seen[n]);
	demo_steps(env, "pipe", seen, err, sizeof err);
	for (int n = 1; n <= 6; n++)
		assert_true(seen[n]);
	demo_steps(env, "fifo", seen, err, sizeof err);
	for (int n = 2; n <= 13; n++) /* 1 only with a stale FIFO */
		assert_true(seen[n]);
	demo_steps(env, "unix_dgram", seen, err, sizeof err);
	for (int n = 1; n <= 7; n++)
		assert_true(seen[n]);
	demo_steps(env, "tcp", seen, err, sizeof err);
	for (int n = 1; n <= 9; n++)
		assert_true(seen[n]);
	demo_steps(env, "udp", seen, err, sizeof err);
	for (int n = 1; n <= 5; n++)
		assert_true(seen[n]);
}

/* The pipe's connect and accept are named for what they are, and the
 * demo's fork and waitpid are narrated by the parent. */
static void test_pipe_inherits(void **state)
{
	ENV;
	char out[1024], err[8192];
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "greet", "pipe",
				      "Ann", "--trace", NULL), 0);
	assert_string_equal(out, "Hello, Ann\n");
	assert_null(strstr(err, " connect "));
	assert_null(strstr(err, " accept "));
	assert_non_null(strstr(err, "] pipe           inherit   write fd"));  /* the client */
	assert_non_null(strstr(err, "] pipe         3 inherit   read fd"));    /* the server */
	assert_non_null(strstr(err, "] pipe         2 fork "));
	assert_non_null(strstr(err, "] pipe           waitpid   child "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_transport_has_a_sequence),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test_setup_teardown(test_demo_traces, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_pipe_inherits, test_env_setup, test_env_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
