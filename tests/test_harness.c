/*
 * test_harness.c - the harness's own checks (tests/support.c), seen from
 * outside: this program runs itself with a bug planted in one test, and
 * looks at what the run says and how it ends.
 *
 * - A test whose child starts a process and exits without stopping it (a
 *   double fork: the process is an orphan, no longer the test's child)
 *   fails, naming the process by pid and command, and the process is
 *   killed.  One that ends by itself soon after its parent is let go.
 * - A test that hangs fails at its deadline, by name, and the suite ends
 *   soon after instead of waiting for an outer time-out.
 */
#include "support.h"

#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ENV struct test_env *env = *state
#define PLANT "IPCLAB_HARNESS_PLANT"

/* ---- the planted bugs (run only as the inner suite) ---- */

/* A child that starts a grandchild named `comm`, living `life_ms` (0: until
 * killed), and exits at once without waiting for it. */
static void double_fork(const char *comm, int life_ms)
{
	fflush(NULL);
	pid_t middle = fork();
	assert_true(middle >= 0);
	if (middle == 0) {
		if (fork() == 0) {
			(void)prctl(PR_SET_NAME, comm);
			/* Its output is not the inner run's: the outer test
			 * reads that to its end. */
			for (int fd = 0; fd < 3; fd++)
				close(fd);
			if (life_ms > 0) {
				usleep((useconds_t)life_ms * 1000);
				_exit(0);
			}
			for (;;)
				pause();
		}
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(middle, &status, 0), middle);
}

static void plant_orphan(void **state)
{
	(void)state;
	double_fork("planted-orphan", 0);
}

static void plant_orphan_that_ends(void **state)
{
	(void)state;
	double_fork("brief-orphan", 200);
}

static void plant_hang(void **state)
{
	(void)state;
	for (;;)
		pause();
}

/* ---- the checks ---- */

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* This program again, with `plant` planted; its exit status, what it
 * printed (stdout then stderr) and the time it took. */
/* This program's own path, from argv[0] (set once, in main): not
 * /proc/self/exe, which under valgrind is valgrind's. */
static char self[PATH_MAX];

static int run_planted(struct test_env *env, const char *plant, const char *scale, char *out,
		       size_t cap, double *took)
{
	static char err[8192];
	const char *argv[] = { self, NULL };
	double start = now_s();
	setenv(PLANT, plant, 1);
	if (scale)
		setenv("IPCLAB_TEST_DEADLINE_SCALE", scale, 1);
	int status = test_run_argv(env, NULL, out, cap / 2, err, sizeof err, argv);
	unsetenv(PLANT);
	unsetenv("IPCLAB_TEST_DEADLINE_SCALE");
	*took = now_s() - start;
	strncat(out, err, cap - strlen(out) - 1);
	return status;
}

static void test_orphan_left_running_is_named(void **state)
{
	ENV;
	static char out[16384];
	double took;
	test_deadline(30, "runs a suite whose check waits its grace period for the orphan");
	int status = run_planted(env, "orphan", NULL, out, sizeof out, &took);
	if (status == 0 || !strstr(out, "left behind by plant_orphan: process pid ") ||
	    !strstr(out, "(planted-orphan)") || !strstr(out, "orphaned"))
		fail_msg("a test that left an orphan running passed or did not name it "
			 "(exit %d):\n%s", status, out);
	/* Named by pid, and killed. */
	const char *p = strstr(out, "process pid ") + strlen("process pid ");
	pid_t pid = (pid_t)atoi(p);
	assert_true(pid > 1);
	assert_true(kill(pid, 0) < 0 && errno == ESRCH);
}

static void test_orphan_that_ends_is_let_go(void **state)
{
	ENV;
	static char out[16384];
	double took;
	test_deadline(30, "runs a suite");
	int status = run_planted(env, "orphan-ends", NULL, out, sizeof out, &took);
	if (status != 0 || strstr(out, "left behind"))
		fail_msg("an orphan that ended by itself failed its test (exit %d):\n%s", status,
			 out);
}

static void test_hang_fails_by_name_at_its_deadline(void **state)
{
	ENV;
	static char out[16384];
	double took;
	/* The inner deadline is 10 s x 0.2, stretched up to 4 times by the
	 * machine's load: 8 s at most, and the run ends soon after. */
	test_deadline(40, "runs a suite that hangs until its 2-8 s deadline");
	int status = run_planted(env, "hang", "0.2", out, sizeof out, &took);
	if (status == 0 || !strstr(out, "plant_hang did not finish within its deadline"))
		fail_msg("a hanging test was not failed by name (exit %d):\n%s", status, out);
	if (took > test_scale_ms(20000) / 1000.0)
		fail_msg("the hanging suite took %.1f s to end", took);
}

int main(int argc, char **argv)
{
	(void)argc;
	if (!realpath(argv[0], self)) {
		fprintf(stderr, "test_harness: realpath %s: %s\n", argv[0], strerror(errno));
		return 2;
	}
	const char *plant = getenv(PLANT);
	if (plant) { /* the inner suite: one planted bug */
		const struct CMUnitTest orphan[] = { cmocka_unit_test(plant_orphan) };
		const struct CMUnitTest ends[] = { cmocka_unit_test(plant_orphan_that_ends) };
		const struct CMUnitTest hang[] = { cmocka_unit_test(plant_hang) };
		if (!strcmp(plant, "orphan"))
			return cmocka_run_group_tests_name("planted", orphan, NULL, NULL);
		if (!strcmp(plant, "orphan-ends"))
			return cmocka_run_group_tests_name("planted", ends, NULL, NULL);
		if (!strcmp(plant, "hang"))
			return cmocka_run_group_tests_name("planted", hang, NULL, NULL);
		fprintf(stderr, "test_harness: unknown %s=%s\n", PLANT, plant);
		return 64;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_orphan_left_running_is_named, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_orphan_that_ends_is_let_go, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_hang_fails_by_name_at_its_deadline,
						test_env_setup, test_env_teardown),
	};
	return cmocka_run_group_tests_name("harness", tests, NULL, NULL);
}
