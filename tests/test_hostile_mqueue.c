/*
 * test_hostile_mqueue.c - the message-queue server against crashes, races
 * and other users: two servers started on one name at once, a server and
 * its clients killed, a name another user made first, clients killed
 * mid-connection, clients that lock their own request queue; and what a
 * connection leaves behind, and the order of bytes read in small slices.
 * Queues are looked for by name (mq_open), as /dev/mqueue may not be
 * mounted.
 */
#include "support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <limits.h>
#include "conn.h"
#include "io.h"

#define ENV struct test_env *env = *state

extern const struct ipc_transport mqueue_transport;

static bool queue_exists(const char *name)
{
	mqd_t q = mq_open(name, O_RDONLY | O_NONBLOCK);
	if (q >= 0) {
		mq_close(q);
		return true;
	}
	return errno != ENOENT;
}

static void greet_within(struct test_env *env, const char *addr, const char *name, int ms)
{
	struct ipc_conn c;
	struct ipc_addr a = { .pipe_fd = { -1, -1 } };
	struct ipc_error e = { 0 };
	char reply[300], want[300];
	size_t n = 0;
	long long t0 = io_now_ms();

	snprintf(a.text, sizeof a.text, "%s", addr);
	ipc_conn_init(&c, &mqueue_transport, &env->ctx);
	int rc = mqueue_transport.connect(&c, &a, &e);
	if (rc == 0)
		rc = conn_greet(&c, name, strlen(name), reply, sizeof reply - 1, &n, &e);
	if (rc != IPC_OK)
		fail_msg("client %s not answered: %s", name, e.msg);
	reply[n] = '\0';
	snprintf(want, sizeof want, "Hello, %s\n", name);
	assert_string_equal(reply, want);
	mqueue_transport.close(&c);
	if (io_now_ms() - t0 > test_scale_ms(ms))
		fail_msg("client %s answered after %lld ms (limit %d)", name, io_now_ms() - t0, ms);
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

/* A client of `server` that does everything but close: its pair's names
 * go to `names` (req, rep), then it waits to be killed. */
static pid_t client_child(struct test_env *env, const char *server, char names[2][NAME_MAX + 2])
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ipc_conn c;
		struct ipc_addr a = { .pipe_fd = { -1, -1 } };
		struct ipc_error e;
		snprintf(a.text, sizeof a.text, "%s", server);
		ipc_conn_init(&c, &mqueue_transport, &env->ctx);
		if (mqueue_transport.connect(&c, &a, &e) < 0)
			_exit(1);
		char (*own)[NAME_MAX + 2] = c.priv; /* struct mq_conn begins with its names */
		if (write(p[1], own, 2 * sizeof own[0]) != (ssize_t)(2 * sizeof own[0]))
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], names, sizeof(char[2][NAME_MAX + 2])),
			 (ssize_t)sizeof(char[2][NAME_MAX + 2]));
	close(p[0]);
	return pid;
}

static void kill_wait(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ---- item: two servers, one name ---------------------------------------- */

/* The first server is held (by strace) between its O_EXCL create and its
 * flock; a second server, seeing an unlocked queue, takes the name.  Only
 * one may say "listening on": the first must give up when its lock comes,
 * and the second's queue must survive the first's exit. */
static void test_two_servers_one_name(void **state)
{
	ENV;
	char name[64], err[4096] = "";
	int p[2];
	const char *bin = getenv("IPCLAB_BIN") ? getenv("IPCLAB_BIN") : "bin/ipclab";

	if (system("command -v strace >/dev/null 2>&1") != 0)
		skip();
	test_deadline(30, "two servers under ASan, one of them traced by strace and held "
		      "1.5 s at its flock");
	snprintf(name, sizeof name, "/ipclab-claim-%d", (int)getpid());
	mq_unlink(name);
	assert_int_equal(pipe(p), 0);
	pid_t first = fork();
	assert_true(first >= 0);
	if (first == 0) {
		dup2(p[1], 2);
		close(p[0]);
		setenv("IPCLAB_DIR", env->dir, 1);
		execlp("strace", "strace", "-f", "-o", "/dev/null", "-e", "trace=flock", "-e",
		       "inject=flock:delay_enter=1500000:when=1", bin, "serve", "mqueue",
		       "--address", name, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	long long until = io_now_ms() + test_scale_ms(5000);
	while (!queue_exists(name)) {
		if (io_now_ms() > until) {
			kill_wait(first);
			fail_msg("the first server never created %s", name);
		}
		usleep(2000);
	}
	struct test_bg second;
	const char *args[] = { "mqueue", "--address", name, NULL };
	test_bg_start(env, &second, args, 0);
	int status;
	until = io_now_ms() + test_scale_ms(8000);
	while (waitpid(first, &status, WNOHANG) == 0) {
		if (io_now_ms() > until) {
			kill_wait(first);
			test_bg_stop(&second, err, sizeof err);
			fail_msg("the first server kept running beside the second");
		}
		usleep(5000);
	}
	ssize_t n = read(p[0], err, sizeof err - 1);
	err[n > 0 ? n : 0] = '\0';
	close(p[0]);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 0);
	assert_null(strstr(err, "listening on"));
	assert_non_null(strstr(err, "another server claimed"));
	greet_within(env, name, "Second", 2000);
	assert_int_equal(test_bg_stop(&second, err, sizeof err), 0);
	assert_false(queue_exists(name));
}

/* ---- item: nothing leaks after SIGKILL ---------------------------------- */

/* A server and one of its waiting clients are killed; another client
 * waiting on the same server lives on.  The next server on that name reads
 * the dead server's notices: the dead client's pair goes, the live one's
 * stays (its owner still holds it). */
static void test_killed_server_and_clients_swept(void **state)
{
	ENV;
	char name[64], dead[2][NAME_MAX + 2], live[2][NAME_MAX + 2];
	struct ipc_server s;
	struct ipc_error e = { 0 };
	struct server_child child;

	snprintf(name, sizeof name, "/ipclab-swept-%d", (int)getpid());
	mq_unlink(name);
	pid_t old = fork();
	assert_true(old >= 0);
	if (old == 0) { /* a server that never accepts */
		ipc_server_init(&s, &mqueue_transport, &env->ctx);
		if (mqueue_transport.listen(&s, name, &e) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	long long until = io_now_ms() + test_scale_ms(5000);
	while (!queue_exists(name) && io_now_ms() < until)
		usleep(2000);
	usleep(100000); /* its lock follows its create */
	pid_t victim = client_child(env, name, dead);
	pid_t survivor = client_child(env, name, live);
	kill_wait(old);
	kill_wait(victim);
	for (int i = 0; i < 2; i++)
		assert_true(queue_exists(dead[i]));

	test_server_start(env, &mqueue_transport, name, -1, &s, &child);
	for (int i = 0; i < 2; i++) {
		if (queue_exists(dead[i]))
			fail_msg("%s of a killed client is left after the next server started",
				 dead[i]);
		assert_true(queue_exists(live[i]));
	}
	greet_within(env, name, "Fresh", 2000);
	kill_wait(survivor);
	test_server_stop(&child);
	for (int i = 0; i < 2; i++)
		mq_unlink(live[i]);
	assert_false(queue_exists(name));
}

/* ---- item: another user's name ------------------------------------------ */

/* A queue of the server's name made first by another user (uid 65534):
 * the server refuses it naming its owner, and a client will not send its
 * notice there.  Needs root, to be another user for a moment. */
static void test_squatted_name_refused(void **state)
{
	ENV;
	char name[64];
	struct ipc_server s;
	struct ipc_conn c;
	struct ipc_addr a = { .pipe_fd = { -1, -1 } };
	struct ipc_error e = { 0 };

	if (geteuid() != 0)
		skip();
	snprintf(name, sizeof name, "/ipclab-squat-%d", (int)getpid());
	mq_unlink(name);
	pid_t squatter = fork();
	assert_true(squatter >= 0);
	if (squatter == 0) {
		struct mq_attr at = { .mq_maxmsg = 4, .mq_msgsize = 64 };
		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(1);
		mqd_t q = mq_open(name, O_RDONLY | O_CREAT | O_EXCL, 0600, &at);
		_exit(q < 0 ? 2 : 0);
	}
	int status;
	assert_int_equal(waitpid(squatter, &status, 0), squatter);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	ipc_server_init(&s, &mqueue_transport, &env->ctx);
	assert_int_equal(mqueue_transport.listen(&s, name, &e), -1);
	assert_non_null(strstr(e.msg, "belongs to uid 65534"));
	snprintf(a.text, sizeof a.text, "%s", name);
	ipc_conn_init(&c, &mqueue_transport, &env->ctx);
	assert_int_equal(mqueue_transport.connect(&c, &a, &e), -1);
	assert_non_null(strstr(e.msg, "belongs to uid 65534"));
	assert_int_equal(mq_unlink(name), 0);
}

/* ---- item: dead clients noticed at once --------------------------------- */

/* A client is killed after one greeting; the server, with a 10 s idle
 * time-out, must let go of its queues (its descriptors) within a second. */
static void test_dead_client_noticed_at_once(void **state)
{
	ENV;
	static const enum serve_mode modes[] = { SERVE_ITERATIVE, SERVE_EPOLL };
	/* The server watches its clients through pidfd_open(2); where that
	 * call is missing (an old kernel, or valgrind 3.19, which does not
	 * know it) a dead client is noticed at the idle time-out instead, as
	 * documented: nothing to check here. */
	int probe = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (probe < 0 && errno == ENOSYS) {
		print_message("  pidfd_open(2) is not available here: skipped\n");
		skip();
	}
	if (probe >= 0)
		close(probe);
	for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++) {
		struct ipc_server s;
		struct server_child child;
		struct serve_opts o = { .stop_fd = -1, .idle_timeout_ms = 10000, .mode = modes[k] };

		test_server_start_opts(env, &mqueue_transport, NULL, &o, &s, &child);
		usleep(50000);
		int idle_fds = count_fds(child.pid);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct ipc_conn c;
			struct ipc_error e;
			char reply[64];
			size_t n;
			ipc_conn_init(&c, &mqueue_transport, &env->ctx);
			if (mqueue_transport.connect(&c, &s.addr, &e) < 0 ||
			    conn_greet(&c, "Doomed", 6, reply, sizeof reply, &n, &e) != IPC_OK)
				_exit(1);
			raise(SIGKILL);
		}
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		long long until = io_now_ms() + test_scale_ms(1000);
		while (count_fds(child.pid) > idle_fds) {
			if (io_now_ms() > until)
				fail_msg("mode %s: the killed client's queues still held after 1 s",
					 serve_mode_name(modes[k]));
			usleep(10000);
		}
		test_server_stop(&child);
	}
}

/* ---- item: a client's fault does not rest the listener ------------------ */

/* Twenty clients lock their own request queue before the server can (the
 * lock the server takes to say "we read it"): each is refused, its pair
 * removed, and the next client is answered at once. */
static void test_locked_request_queue_refused(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct serve_opts o = { .stop_fd = -1, .idle_timeout_ms = -1, .mode = SERVE_EPOLL };
	char names[20][2][IPC_ADDR_MAX + 48];
	mqd_t held[20][2];
	struct mq_attr at = { .mq_maxmsg = 4, .mq_msgsize = 128 };

	test_server_start_opts(env, &mqueue_transport, NULL, &o, &s, &child);
	mqd_t sq = mq_open(s.addr.text, O_WRONLY | O_NONBLOCK);
	assert_true(sq >= 0);
	for (int i = 0; i < 20; i++) {
		char id[32];
		snprintf(id, sizeof id, "%d-%x", (int)getpid(), 0x100 + i);
		snprintf(names[i][0], sizeof names[i][0], "%s.%s.req", s.addr.text, id);
		snprintf(names[i][1], sizeof names[i][1], "%s.%s.rep", s.addr.text, id);
		for (int j = 0; j < 2; j++) {
			held[i][j] = mq_open(names[i][j], O_RDWR | O_CREAT | O_EXCL | O_NONBLOCK,
					     0600, &at);
			assert_true(held[i][j] >= 0);
		}
		assert_int_equal(flock((int)held[i][0], LOCK_EX), 0);
		/* The notice queue holds ten: wait for room as a client does. */
		while (mq_send(sq, id, strlen(id), 0) < 0) {
			assert_int_equal(errno, EAGAIN);
			if (io_wait((int)sq, POLLOUT, -1, test_scale_ms(2000)) != IO_READY)
				fail_msg("the server took no notice for 2 s (client %d)", i);
		}
	}
	mq_close(sq);
	greet_within(env, s.addr.text, "Unhurt", 1000);
	for (int i = 0; i < 20; i++)
		for (int j = 0; j < 2; j++) {
			if (queue_exists(names[i][j]))
				fail_msg("%s of a refused client is left", names[i][j]);
			mq_close(held[i][j]);
		}
	test_server_stop(&child);
}

/* ---- what a connection leaves, and the order of its bytes --------------- */

struct seen {
	char names[8][NAME_MAX + 2];
	int n;
};

/* A tracer that keeps every queue name a client creates. */
static void keep_names(void *arg, const char *transport, int step, const char *call,
		       const char *detail)
{
	struct seen *s = arg;
	(void)transport, (void)step;
	if (strcmp(call, "mq_open") || !strstr(detail, "O_CREAT") || s->n == 8)
		return;
	size_t len = strcspn(detail, " ");
	if (len < sizeof s->names[0]) {
		memcpy(s->names[s->n], detail, len);
		s->names[s->n++][len] = '\0';
	}
}

/* After a connection closes, none of its queues is left (and the server's
 * goes when it stops), whoever closes first. */
static void test_closed_connection_leaves_no_queue(void **state)
{
	ENV;
	for (int way = 0; way < 2; way++) {
		struct ipc_server s;
		struct server_child child;
		struct seen seen = { .n = 0 };
		struct serve_opts o = { .stop_fd = -1, .idle_timeout_ms = way ? 200 : -1,
					.mode = SERVE_EPOLL };

		test_server_start_opts(env, &mqueue_transport, NULL, &o, &s, &child);
		env->ctx.trace = keep_names;
		env->ctx.trace_arg = &seen;
		struct ipc_conn c;
		char reply[64];
		size_t n;
		struct ipc_error e;
		test_connect(env, &mqueue_transport, &s, &c);
		env->ctx.trace = NULL;
		assert_int_equal(conn_greet(&c, "Tidy", 4, reply, sizeof reply, &n, &e), IPC_OK);
		assert_int_equal(seen.n, 2);
		if (way) /* the server closes first: the idle time-out */
			usleep((useconds_t)test_scale_ms(400) * 1000);
		mqueue_transport.close(&c);
		for (int i = 0; i < seen.n; i++)
			if (queue_exists(seen.names[i]))
				fail_msg("%s left after the connection closed", seen.names[i]);
		test_server_stop(&child);
		assert_false(queue_exists(s.addr.text));
	}
}

/* Bytes come out in the order they went in, however the reader slices
 * them: the rest of a message read in part stays ahead of a message that
 * arrives later. */
static void test_sliced_reads_keep_order(void **state)
{
	ENV;
	struct ipc_server s;
	struct ipc_conn client, server;
	struct ipc_error e = { 0 };
	char sent[300], got[300];
	size_t have = 0;

	for (size_t i = 0; i < sizeof sent; i++)
		sent[i] = (char)('a' + i % 26 + (i >= 200 ? -32 : 0));
	ipc_server_init(&s, &mqueue_transport, &env->ctx);
	assert_int_equal(mqueue_transport.listen(&s, NULL, &e), 0);
	test_connect(env, &mqueue_transport, &s, &client);
	ipc_conn_init(&server, &mqueue_transport, &env->ctx);
	assert_int_equal(mqueue_transport.accept(&s, &server, &e), 0);
	/* Two messages: 200 bytes, then 100 once the first is read in part. */
	assert_int_equal(mqueue_transport.send(&client, sent, 200, &e), 200);
	ssize_t n = mqueue_transport.recv(&server, got, 7, &e);
	assert_int_equal(n, 7);
	have = 7;
	assert_int_equal(mqueue_transport.send(&client, sent + 200, 100, &e), 100);
	while (have < sizeof got) {
		n = mqueue_transport.recv(&server, got + have, 7, &e);
		assert_true(n > 0);
		have += (size_t)n;
	}
	assert_memory_equal(got, sent, sizeof sent);
	mqueue_transport.close(&server);
	mqueue_transport.close(&client);
	mqueue_transport.shutdown(&s, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_two_servers_one_name, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_killed_server_and_clients_swept, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_squatted_name_refused, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_dead_client_noticed_at_once, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_locked_request_queue_refused, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_closed_connection_leaves_no_queue,
						test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_sliced_reads_keep_order, test_env_setup,
						test_env_teardown),
	};
	return cmocka_run_group_tests_name("hostile mqueue clients", tests, NULL, NULL);
}
