/*
 * support.h - what every test suite shares: a private runtime directory per
 * test (so tests never collide), servers in child processes, and running
 * bin/ipclab as a user would.
 */
#ifndef IPCLAB_TEST_SUPPORT_H
#define IPCLAB_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <cmocka.h>

#include "ipc.h"
#include "server.h"

struct test_env {
	char dir[IPC_PATH_MAX];  /* fresh 0700 directory, removed at teardown */
	struct ipc_ctx ctx;      /* rundir = dir, free ports, short timeouts */
	const struct ipc_transport *t; /* per-transport suites: the one under test */
	enum serve_mode mode;    /* how test_server_start() serves (default iterative) */
};

/* One case of a suite run per transport and server mode. */
struct test_case {
	const struct ipc_transport *t;
	enum serve_mode mode;
};

/* cmocka setup/teardown: *state becomes a struct test_env. Teardown fails
 * the test if anything was left in the directory. */
int test_env_setup(void **state);
/* The same, with *state holding the transport to test on entry. */
int test_env_setup_transport(void **state);
/* The same, with *state holding a const struct test_case on entry. */
int test_env_setup_case(void **state);
int test_env_teardown(void **state);

/* `ms` stretched for a slow run: ten times longer under valgrind (the
 * Makefile's `valgrind` target sets IPCLAB_VALGRIND=1), otherwise by the
 * machine's load average per CPU (1 to 4 times), as deadlines are. */
int test_scale_ms(int ms);

/* Number of entries in dir (without . and ..). */
int test_count_entries(const char *dir);

/* Listen on `address` (NULL = default inside env) and serve in a child, in
 * env->mode (idle_timeout_ms < 0: the default). */
void test_server_start(struct test_env *env, const struct ipc_transport *t,
		       const char *address, int idle_timeout_ms, struct ipc_server *s,
		       struct server_child *child);
/* The same with every option given (o->stop_fd is not used; o->log NULL
 * logs to stderr when $IPCLAB_TEST_LOG is set). */
void test_server_start_opts(struct test_env *env, const struct ipc_transport *t,
			    const char *address, const struct serve_opts *o,
			    struct ipc_server *s, struct server_child *child);
/* Stop the child and assert it exited 0. */
void test_server_stop(struct server_child *child);

/* Connect a client to s->addr and assert success. */
void test_connect(struct test_env *env, const struct ipc_transport *t,
		  const struct ipc_server *s, struct ipc_conn *c);

/* Run bin/ipclab (path from $IPCLAB_BIN, default bin/ipclab) with args
 * (NULL-terminated), stdin from `input` (NULL = /dev/null), environment
 * IPCLAB_DIR=env->dir.  Captures stdout and stderr (NUL-terminated, up to
 * cap-1 bytes each) and returns the exit status (128+sig if killed). */
int test_run_cli(struct test_env *env, const char *input, char *out, size_t out_cap,
		 char *err, size_t err_cap, const char *arg, ...);

/* The same for any program: argv[0] is its path. */
int test_run_argv(struct test_env *env, const char *input, char *out, size_t out_cap,
		  char *err, size_t err_cap, const char *const argv[]);

/* `bin/ipclab serve ARGS...` in the background, returned once it has said
 * "listening on ADDR" (addr holds ADDR; --trace lines before it are
 * skipped).  fd_limit > 0: the server runs
 * with that RLIMIT_NOFILE (`ulimit -n`). */
struct test_bg {
	pid_t pid;
	int err_fd;
	char addr[IPC_ADDR_MAX];
};
void test_bg_start(struct test_env *env, struct test_bg *bg, const char *const args[],
		   long fd_limit);
/* SIGTERM, then its exit status (128 + signal if killed) and the rest of
 * what it printed on stderr (an ASan build also fails on leaks). */
int test_bg_stop(struct test_bg *bg, char *rest, size_t cap);

/* ---- runs and their reports (the suites of analysis/) ----------------------- */

struct run;
/* A run's findings (whole: the whole summary.md) as one string (free it). */
char *test_findings_text(const struct run *run, bool whole);
/* A whole file as one NUL-terminated string (free it); the test fails,
 * naming the path, when it cannot be read. */
char *test_slurp_path(const char *path);
/* Remove everything below dir and keep dir (a test's directory, which the
 * teardown checks is empty). */
void test_empty_dir(const char *dir);
/* The quick run kept for the tests, tests/fixtures/quick-run/<part> ("in",
 * "expected/summary.md", ...), under $IPCLAB_SOURCE_DIR when set: buf. */
const char *test_fixture_path(const char *part, char *buf, size_t cap);
/* Copy the fixture's run directory (its in/) to `to`, created if absent;
 * the test fails, naming what, when a file cannot be copied. */
void test_copy_fixture(const char *to);

/* ---- the harness: a deadline and a resource check around every test -------
 *
 * Every suite's cmocka_run_group_tests[_name]() goes through
 * test_run_group() (the two macros are redefined below), which runs the
 * group with cmocka as before (its lines and summary unchanged) but wraps
 * each test:
 *
 * - Deadline.  A test that has not finished TEST_DEADLINE_S seconds after
 *   its setup began fails there and then, with its name and the time it
 *   had, and the suite goes on with the next test; a test that cannot be
 *   stopped that way (stuck with the alarm signal blocked) ends the whole
 *   suite a grace period later, still naming the test.  A test that needs
 *   longer says so with test_deadline().  Stretched by how busy the
 *   machine is when the test begins (the load average per CPU, 1 to 4
 *   times, so that a hang still fails within a minute), ten times under
 *   valgrind instead, and by $IPCLAB_TEST_DEADLINE_SCALE (a number) if set.
 * - Resources.  After the test's own teardown: every process the test
 *   started (its children) must be gone and reaped, and so must every
 *   process those started and left running when they exited (the suite
 *   runs as the only child of a reaper, a child subreaper to which such
 *   orphans go; a few seconds' grace, then each is named by pid and
 *   command); no descriptor opened
 *   during the test (a memfd, an eventfd, a socket, a pipe, a file) may
 *   still be open; no POSIX message queue named after the
 *   test's runtime directory may be left (read from /dev/mqueue, or from a
 *   private mount of the mqueue file system when /dev/mqueue is not
 *   mounted and the suite runs as root).  What is found is named, then
 *   killed, reaped, closed or unlinked, and the test fails.
 *
 * $IPCLAB_TEST_TIMES=1 prints each test's wall time after it. */
#define TEST_DEADLINE_S 10

int test_run_group(const char *group_name, const struct CMUnitTest *tests, size_t count,
		   CMFixtureFunction group_setup, CMFixtureFunction group_teardown);
#undef cmocka_run_group_tests
#define cmocka_run_group_tests(group_tests, group_setup, group_teardown) \
	test_run_group(#group_tests, group_tests, sizeof(group_tests) / sizeof((group_tests)[0]), \
		       group_setup, group_teardown)
#undef cmocka_run_group_tests_name
#define cmocka_run_group_tests_name(group_name, group_tests, group_setup, group_teardown) \
	test_run_group(group_name, group_tests, sizeof(group_tests) / sizeof((group_tests)[0]), \
		       group_setup, group_teardown)

/* cmocka's test filter, applied by test_run_group() (same wildcards). */
void test_set_filter(const char *pattern);
#undef cmocka_set_test_filter
#define cmocka_set_test_filter(pattern) test_set_filter(pattern)

/* The running test needs `seconds` in all (from its start), for the reason
 * given (shown if it still runs out). */
void test_deadline(int seconds, const char *why);

/* The runtime directory whose POSIX queues the resource check judges
 * (test_env_setup() sets it; NULL: none). */
void test_watch_rundir(const char *dir);

#endif
