/*
 * test_pair.c - the benchmarks' two processes (bench_pair_*() in
 * bench/harness.c) leave nothing in the runtime directory, however the
 * pair ends: finished, aborted with the child alive, the child dead
 * without cleaning up, or the child failing before it is ready.  Checked
 * for every transport named by a path (its socket or FIFO, and the
 * "<path>.lock" its server holds), from the directory's entries.  And
 * `ipclab bench latency` interrupted (Ctrl-C, SIGTERM) ends as
 * interrupted, leaving neither those files nor its child.
 */
#include "support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define ENV struct test_env *env = *state

extern const struct ipc_transport unix_stream_transport, unix_dgram_transport, fifo_transport,
	shm_transport;

static struct bench_opts opts(struct test_env *env)
{
	return (struct bench_opts){ .t = env->t, .ctx = &env->ctx, .count = 1,
				    .pin = { -1, -1 } };
}

/* Fail naming every entry left in the directory. */
static void assert_dir_empty(const struct test_env *env, const char *when)
{
	char names[512] = "";
	DIR *d = opendir(env->dir);
	struct dirent *de;
	int left = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		left++;
		strncat(names, " ", sizeof names - strlen(names) - 1);
		strncat(names, de->d_name, sizeof names - strlen(names) - 1);
	}
	closedir(d);
	if (left)
		fail_msg("%s %s: left behind:%s", env->t->name, when, names);
}

/* Start a pair whose child runs fn; while it runs, its path and lock
 * file exist (so that the checks after it have something to miss). */
static void start(struct test_env *env, const struct bench_opts *o, bench_child_fn *fn,
		  void *arg, struct bench_pair *p)
{
	struct ipc_error e;
	if (bench_pair_start(p, o, false, fn, arg, &e) < 0)
		fail_msg("%s: %s", env->t->name, e.msg);
	assert_true(test_count_entries(env->dir) >= 2);
}

/* The children: ready, then as the test needs. */
static void child_waits(struct bench_pair *p, struct ipc_server *s, void *arg,
			struct bench_child_report *rep)
{
	(void)s, (void)arg, (void)rep;
	bench_child_ready(p);
	for (;;)
		pause(); /* until abort()'s SIGKILL */
}

static void child_dies(struct bench_pair *p, struct ipc_server *s, void *arg,
		       struct bench_child_report *rep)
{
	(void)s, (void)arg, (void)rep;
	bench_child_ready(p);
	_exit(3); /* a crash: no shutdown(), no report */
}

/* arg: a pipe; the child finishes when the parent closes its write end. */
static void child_finishes(struct bench_pair *p, struct ipc_server *s, void *arg,
			   struct bench_child_report *rep)
{
	int *gate = arg;
	char byte;
	(void)s;
	close(gate[1]);
	bench_child_ready(p);
	while (read(gate[0], &byte, 1) < 0 && errno == EINTR)
		;
	rep->messages = 1;
}

static void child_fails_early(struct bench_pair *p, struct ipc_server *s, void *arg,
			      struct bench_child_report *rep)
{
	struct ipc_error e;
	(void)p, (void)s, (void)arg;
	ipc_fail(&e, IPC_SYSTEM, 0, "refused before ready");
	bench_report_error(rep, &e);
}

/* Aborted while the child serves: the child is killed, and its path and
 * lock file go with it. */
static void test_abort_leaves_nothing(void **state)
{
	ENV;
	struct bench_opts o = opts(env);
	struct bench_pair p;

	start(env, &o, child_waits, NULL, &p);
	bench_pair_abort(&p);
	assert_dir_empty(env, "after abort");
	/* The same address serves again at once: no lock holds it. */
	start(env, &o, child_waits, NULL, &p);
	bench_pair_abort(&p);
	assert_dir_empty(env, "after a second abort");
}

/* The child died without cleaning up: finish() reports it, and nothing of
 * the child's is left. */
static void test_dead_child_leaves_nothing(void **state)
{
	ENV;
	struct bench_opts o = opts(env);
	struct bench_pair p;
	struct bench_child_report rep;
	struct ipc_error e;

	start(env, &o, child_dies, NULL, &p);
	assert_int_equal(bench_pair_finish(&p, &rep, &e), -1);
	assert_non_null(strstr(e.msg, "without a report"));
	assert_dir_empty(env, "after the child died");
}

/* A clean finish: the child removed its own files, and the parent's hold
 * on the lock is given up (the suite checks no descriptor stays open). */
static void test_finish_leaves_nothing(void **state)
{
	ENV;
	struct bench_opts o = opts(env);
	struct bench_pair p;
	struct bench_child_report rep;
	struct ipc_error e;
	int gate[2];

	assert_int_equal(pipe2(gate, O_CLOEXEC), 0);
	start(env, &o, child_finishes, gate, &p);
	close(gate[1]); /* the child may finish */
	if (bench_pair_finish(&p, &rep, &e) < 0)
		fail_msg("%s: %s", env->t->name, e.msg);
	close(gate[0]);
	assert_int_equal(rep.messages, 1);
	assert_dir_empty(env, "after finish");
}

/* The child failed before it was ready: start() fails with its error and
 * leaves nothing. */
static void test_failed_start_leaves_nothing(void **state)
{
	ENV;
	struct bench_opts o = opts(env);
	struct bench_pair p;
	struct ipc_error e;

	assert_int_equal(bench_pair_start(&p, &o, false, child_fails_early, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "refused before ready"));
	assert_dir_empty(env, "after a failed start");
}

/* ---- interrupted: Ctrl-C or SIGTERM in the middle of a benchmark ---------- */

/* Is a FIFO client's pair (client-PID-*) in dir? */
static bool has_client_pair(const char *dir)
{
	DIR *d = opendir(dir);
	bool found = false;
	assert_non_null(d);
	for (struct dirent *de; !found && (de = readdir(d));)
		found = strncmp(de->d_name, "client-", 7) == 0;
	closedir(d);
	return found;
}

/* `ipclab bench latency T` with more round trips than it gets through
 * before the signal, in a process group of its own (as a shell runs a command),
 * returned once its pair's path and lock file are there. */
static pid_t start_benchmark(struct test_env *env)
{
	const char *bin = getenv("IPCLAB_BIN") ? getenv("IPCLAB_BIN") : "bin/ipclab";
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		setenv("IPCLAB_DIR", env->dir, 1);
		/* A million round trips: seconds at the least, and its sample
		 * arrays (touched before the pair starts) 16 MB. */
		execl(bin, bin, "bench", "latency", env->t->name, "--count", "1000000",
		      "--warmup", "0", (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid); /* both sides, so that it holds before the kill */
	int waited_ms = 0, limit_ms = test_scale_ms(5000);
	while (test_count_entries(env->dir) < 2) {
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid)
			fail_msg("%s: the benchmark ended (status %d) before its pair started",
				 env->t->name, WIFEXITED(status) ? WEXITSTATUS(status)
								 : 128 + WTERMSIG(status));
		if (waited_ms >= limit_ms) {
			kill(-pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fail_msg("%s: the benchmark made no socket or FIFO and lock file in %d ms",
				 env->t->name, limit_ms);
		}
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
		waited_ms += 10;
	}
	/* Past the connection's set-up: a FIFO client's own pair of FIFOs is
	 * in the directory until the server joins and unlinks it, and an
	 * interrupt in that moment is not what these tests pin (see the
	 * interrupted-benchmark paragraph of docs/ipclab.1.md).  Wait a moment,
	 * then until no client pair is there. */
	for (int t = 0, pause_ms = test_scale_ms(200); t < pause_ms; t += 10)
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	while (has_client_pair(env->dir)) {
		if (waited_ms >= limit_ms) {
			kill(-pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fail_msg("%s: the client's pair was still in the directory after %d ms",
				 env->t->name, limit_ms);
		}
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
		waited_ms += 10;
	}
	return pid;
}

/* Its exit status as a shell gives it: 128 + the signal that ended it. */
static int status_of(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Ctrl-C: SIGINT to the benchmark's whole process group, the child that
 * serves included.  It ends as interrupted (130), its child is gone (the
 * suite checks that no process is left) and so are its path and lock
 * file. */
static void test_ctrl_c_leaves_nothing(void **state)
{
	ENV;
	pid_t pid = start_benchmark(env);
	assert_int_equal(kill(-pid, SIGINT), 0);
	assert_int_equal(status_of(pid), 128 + SIGINT);
	assert_dir_empty(env, "after Ctrl-C");
}

/* SIGTERM to the benchmark alone (`kill PID`): the child it forked is
 * stopped by it, not left serving, and nothing is left; status 143. */
static void test_sigterm_leaves_nothing(void **state)
{
	ENV;
	pid_t pid = start_benchmark(env);
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(status_of(pid), 128 + SIGTERM);
	assert_dir_empty(env, "after SIGTERM");
}

/* Between pairs the process's own handlers are back: a pair's handler is
 * there only while the pair runs. */
static void test_handlers_restored(void **state)
{
	ENV;
	struct bench_opts o = opts(env);
	struct bench_pair p;
	struct sigaction now;

	start(env, &o, child_waits, NULL, &p);
	assert_int_equal(sigaction(SIGINT, NULL, &now), 0);
	assert_true(now.sa_handler != SIG_DFL);
	bench_pair_abort(&p);
	assert_int_equal(sigaction(SIGINT, NULL, &now), 0);
	assert_true(now.sa_handler == SIG_DFL);
	assert_int_equal(sigaction(SIGTERM, NULL, &now), 0);
	assert_true(now.sa_handler == SIG_DFL);
	assert_dir_empty(env, "after abort");
}

#define EACH(test)                                                                        \
	cmocka_unit_test_prestate_setup_teardown(test, test_env_setup_transport,          \
						 test_env_teardown,                       \
						 (void *)&unix_stream_transport),         \
	cmocka_unit_test_prestate_setup_teardown(test, test_env_setup_transport,          \
						 test_env_teardown,                       \
						 (void *)&unix_dgram_transport),          \
	cmocka_unit_test_prestate_setup_teardown(test, test_env_setup_transport,          \
						 test_env_teardown, (void *)&fifo_transport), \
	cmocka_unit_test_prestate_setup_teardown(test, test_env_setup_transport,          \
						 test_env_teardown, (void *)&shm_transport)

int main(void)
{
	const struct CMUnitTest tests[] = {
		EACH(test_abort_leaves_nothing),
		EACH(test_dead_child_leaves_nothing),
		EACH(test_finish_leaves_nothing),
		EACH(test_failed_start_leaves_nothing),
		EACH(test_ctrl_c_leaves_nothing),
		EACH(test_sigterm_leaves_nothing),
		EACH(test_handlers_restored),
	};
	return cmocka_run_group_tests_name("pair", tests, NULL, NULL);
}
