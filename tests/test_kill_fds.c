/*
 * test_kill_fds.c - a start that fails half-way gives back what it took.
 *
 * `ipclab load --workers N` makes two pipes before it forks (the workers'
 * starting line), and so does the pipe transport's server (requests,
 * replies).  When the second cannot be made (no descriptor left: EMFILE),
 * the call fails with a clear error and the first pipe's two ends are
 * closed, not leaked.  Seen from outside: the number of open
 * descriptors before and after the failed call, in a process whose
 * descriptor table is full but for three slots (one pipe fits, two do not).
 *
 * A server refused its address (another server lives there) gives back
 * what it opened to find that out: the probe of the FIFO, the socket, the
 * lock file.  Seen from outside: an error saying the address is in use,
 * the same number of open descriptors in the process before and after.
 */
#include "support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "load.h"

extern const struct ipc_transport pipe_transport, fifo_transport, unix_stream_transport, unix_dgram_transport,
	tcp_transport, udp_transport, mqueue_transport, shm_transport;

/* Open descriptors of this process (the directory's own one not counted). */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int n = 0;
	for (struct dirent *de; (de = readdir(d));)
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1;
}

/* In a child (its descriptor limit is lowered for good): 0 if load_run()
 * and the pipe server failed on their second pipe and left the count of
 * open descriptors as it was; else a status saying what went wrong, and a
 * line on stderr. */
static int second_pipe_fails(struct test_env *env)
{
	struct rlimit rl = { 64, 64 };
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 10;
	int fds[64], n = 0;
	while (n < 64) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			break;
		fds[n++] = fd;
	}
	if (n < 3 || errno != EMFILE)
		return 11;
	for (int k = 0; k < 3; k++)
		close(fds[--n]); /* three slots free: one pipe, not two */

	struct load_config cfg = {
		.t = &unix_stream_transport, .ctx = &env->ctx, .clients = 2, .requests = 1,
		.pipeline = 1, .workers = 2, .timeout_ms = 1000,
	};
	snprintf(cfg.addr.text, sizeof cfg.addr.text, "%s/nobody.sock", env->dir);
	cfg.addr.pipe_fd[0] = cfg.addr.pipe_fd[1] = -1;
	struct load_tally tally;
	double *lat = NULL;
	struct ipc_error e = { 0 };
	int before = open_fds();
	int rc = load_run(&cfg, &tally, &lat, &e);
	int after = open_fds();
	free(lat);
	if (rc == 0) {
		fprintf(stderr, "load_run succeeded with no room for its pipes\n");
		return 12;
	}
	if (!strstr(e.msg, "pipe")) {
		fprintf(stderr, "load_run failed, but not on its pipes: %s\n", e.msg);
		return 13;
	}
	if (after != before) {
		fprintf(stderr, "%d descriptors open before the failed load_run, %d after "
			"(%s)\n", before, after, e.msg);
		return 14;
	}

	/* The pipe transport's server: a pipe for requests, then one for
	 * replies, which does not fit. */
	struct ipc_server s;
	struct ipc_error pe = { 0 };
	ipc_server_init(&s, &pipe_transport, &env->ctx);
	before = open_fds();
	rc = pipe_transport.listen(&s, NULL, &pe);
	after = open_fds();
	if (rc == 0) {
		fprintf(stderr, "the pipe server started with no room for its second pipe\n");
		return 15;
	}
	if (after != before) {
		fprintf(stderr, "%d descriptors open before the pipe server's failed start, %d "
			"after (%s)\n", before, after, pe.msg);
		return 16;
	}
	return 0;
}

static void test_second_pipe_fails_first_given_back(void **state)
{
	struct test_env *env = *state;
	if (getenv("IPCLAB_VALGRIND"))
		skip(); /* valgrind keeps descriptors of its own near the limit */
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(second_pipe_fails(env));
	int st = 0;
	while (waitpid(pid, &st, 0) < 0)
		assert_int_equal(errno, EINTR);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) != 0)
		fail_msg("a start whose second pipe does not fit: status %d (see above)",
			 WEXITSTATUS(st));
}

static void test_refused_listen_gives_back(void **state)
{
	struct test_env *env = *state;
	const struct ipc_transport *ts[] = { &fifo_transport, &unix_stream_transport,
					     &unix_dgram_transport, &tcp_transport, &udp_transport,
					     &mqueue_transport, &shm_transport };
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
		struct ipc_server s, again;
		struct server_child child;
		struct ipc_error e = { 0 };
		test_server_start(env, ts[i], NULL, -1, &s, &child);
		int before = open_fds();
		ipc_server_init(&again, ts[i], &env->ctx);
		int rc = ts[i]->listen(&again, s.addr.text, &e);
		int after = open_fds();
		if (rc == 0)
			fail_msg("%s: a second server listens on %s", ts[i]->name, s.addr.text);
		if (e.status != IPC_IN_USE)
			fail_msg("%s: a second server on %s: status %d, not 'in use': %s",
				 ts[i]->name, s.addr.text, e.status, e.msg);
		if (after != before)
			fail_msg("%s: %d descriptors open before a refused listen on %s, %d after",
				 ts[i]->name, before, s.addr.text, after);
		test_server_stop(&child);
	}

	/* A FIFO someone reads, with no server's lock beside it: found by
	 * opening it for writing, a probe closed again. */
	char path[IPC_PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/read.fifo", env->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	int reader = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(reader >= 0);
	struct ipc_server s;
	struct ipc_error e = { 0 };
	ipc_server_init(&s, &fifo_transport, &env->ctx);
	int before = open_fds();
	int rc = fifo_transport.listen(&s, path, &e);
	int after = open_fds();
	close(reader);
	unlink(path);
	char lock[IPC_PATH_MAX + 24];
	snprintf(lock, sizeof lock, "%s.lock", path);
	unlink(lock);
	if (rc == 0)
		fail_msg("fifo: a server started on %s, which someone reads", path);
	assert_int_equal(e.status, IPC_IN_USE);
	if (after != before)
		fail_msg("fifo: %d descriptors open before a refused listen on a FIFO someone "
			 "reads, %d after", before, after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refused_listen_gives_back, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_second_pipe_fails_first_given_back,
						test_env_setup, test_env_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
