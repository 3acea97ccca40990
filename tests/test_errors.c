/*
 * test_errors.c - the error paths: no server, a live server on the path, a
 * stale socket, a file that is not ours to delete, a port in use, a UDP
 * server that never answers, an unsafe runtime directory.
 */
#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <mqueue.h>
#include <unistd.h>

#include "conn.h"
#include "io.h"
#include "rundir.h"

#define ENV struct test_env *env = *state

extern const struct ipc_transport pipe_transport, fifo_transport, unix_stream_transport,
	unix_dgram_transport, tcp_transport, udp_transport, mqueue_transport, shm_transport;

static const struct ipc_transport *const named[] = {
	&fifo_transport, &unix_stream_transport, &unix_dgram_transport, &mqueue_transport,
	&shm_transport,
};

static void default_path(struct test_env *env, const struct ipc_transport *t, char *out)
{
	t->default_address(&env->ctx, out, IPC_ADDR_MAX);
}

static void test_no_server(void **state)
{
	ENV;
	for (size_t i = 0; ipc_transports[i]; i++) {
		const struct ipc_transport *t = ipc_transports[i];
		struct ipc_conn c;
		struct ipc_addr a = { .pipe_fd = { -1, -1 } };
		struct ipc_error e = { 0 };
		char reply[300];
		size_t n;

		if (!t->servable)
			continue;
		if (t->addressing == IPC_ADDR_PORT) /* the discard port: nothing there */
			snprintf(a.text, sizeof a.text, "127.0.0.1:9");
		else
			default_path(env, t, a.text);
		ipc_conn_init(&c, t, &env->ctx);
		int rc = t->connect(&c, &a, &e);
		if (rc == 0) { /* connectionless: the refusal shows on the exchange */
			rc = conn_greet(&c, "x", 1, reply, sizeof reply, &n, &e);
			t->close(&c);
		}
		assert_int_equal(rc, -1);
		if (e.status != IPC_NO_SERVER)
			fail_msg("%s: status %d: %s", t->name, e.status, e.msg);
		/* One line naming the address, the reason and what to do. */
		assert_non_null(strstr(e.msg, a.text));
		assert_non_null(strstr(e.msg, "ipclab serve"));
		assert_null(strchr(e.msg, '\n'));
	}
}

static void test_second_server_refused(void **state)
{
	ENV;
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
		const struct ipc_transport *t = named[i];
		struct ipc_server s, s2;
		struct server_child child;
		struct ipc_error e = { 0 };

		test_server_start(env, t, NULL, -1, &s, &child);
		ipc_server_init(&s2, t, &env->ctx);
		assert_int_equal(t->listen(&s2, NULL, &e), -1);
		if (e.status != IPC_IN_USE)
			fail_msg("%s: status %d: %s", t->name, e.status, e.msg);
		/* The first server still works and its path is still there. */
		struct ipc_conn c;
		char reply[300];
		size_t n;
		test_connect(env, t, &s, &c);
		assert_int_equal(conn_greet(&c, "Gus", 3, reply, sizeof reply, &n, &e), IPC_OK);
		t->close(&c);
		test_server_stop(&child);
	}
}

/* A socket file whose server died without removing it is taken over. */
static void test_stale_socket_removed(void **state)
{
	ENV;
	const struct ipc_transport *ts[] = { &unix_stream_transport, &unix_dgram_transport };
	for (size_t i = 0; i < 2; i++) {
		const struct ipc_transport *t = ts[i];
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		default_path(env, t, sun.sun_path);
		int fd = socket(AF_UNIX, t->kind == IPC_STREAM ? SOCK_STREAM : SOCK_DGRAM, 0);
		assert_true(fd >= 0);
		assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
		close(fd); /* the file stays: a stale socket */

		struct ipc_server s;
		struct server_child child;
		struct ipc_conn c;
		struct ipc_error e = { 0 };
		char reply[300];
		size_t n;
		test_server_start(env, t, NULL, -1, &s, &child);
		test_connect(env, t, &s, &c);
		assert_int_equal(conn_greet(&c, "Hal", 3, reply, sizeof reply, &n, &e), IPC_OK);
		t->close(&c);
		test_server_stop(&child);
	}
	/* A stale FIFO (no reader) is taken over as well. */
	char path[IPC_ADDR_MAX];
	default_path(env, &fifo_transport, path);
	assert_int_equal(mkfifo(path, 0600), 0);
	struct ipc_server s;
	struct server_child child;
	test_server_start(env, &fifo_transport, NULL, -1, &s, &child);
	test_server_stop(&child);
}

/* A path that is not a socket (or FIFO) is never deleted. */
static void test_foreign_file_untouched(void **state)
{
	ENV;
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
		const struct ipc_transport *t = named[i];
		char path[IPC_ADDR_MAX];
		struct ipc_server s;
		struct ipc_error e = { 0 };
		struct stat st;

		if (t->addressing != IPC_ADDR_PATH)
			continue; /* a queue name is not a file here */
		default_path(env, t, path);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "precious\n", 9), 9);
		close(fd);
		ipc_server_init(&s, t, &env->ctx);
		assert_int_equal(t->listen(&s, NULL, &e), -1);
		if (e.status != IPC_IN_USE)
			fail_msg("%s: status %d: %s", t->name, e.status, e.msg);
		assert_non_null(strstr(e.msg, path));
		assert_int_equal(stat(path, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		assert_int_equal(st.st_size, 9);
		unlink(path);

		/* A symlink is not followed and not removed either. */
		assert_int_equal(symlink("/etc/passwd", path), 0);
		assert_int_equal(t->listen(&s, NULL, &e), -1);
		assert_int_equal(lstat(path, &st), 0);
		assert_true(S_ISLNK(st.st_mode));
		unlink(path);
	}
}

static void test_port_in_use(void **state)
{
	ENV;
	const struct ipc_transport *ts[] = { &tcp_transport, &udp_transport };
	for (size_t i = 0; i < 2; i++) {
		const struct ipc_transport *t = ts[i];
		int type = t->kind == IPC_STREAM ? SOCK_STREAM : SOCK_DGRAM;
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t len = sizeof sin;
		int fd = socket(AF_INET, type, 0);
		assert_true(fd >= 0);
		assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
		if (type == SOCK_STREAM)
			assert_int_equal(listen(fd, 1), 0);
		assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);

		char addr[64];
		snprintf(addr, sizeof addr, "127.0.0.1:%u", ntohs(sin.sin_port));
		struct ipc_server s;
		struct ipc_error e = { 0 };
		ipc_server_init(&s, t, &env->ctx);
		assert_int_equal(t->listen(&s, addr, &e), -1);
		if (e.status != IPC_IN_USE)
			fail_msg("%s: status %d: %s", t->name, e.status, e.msg);
		assert_non_null(strstr(e.msg, addr));
		assert_non_null(strstr(e.msg, "--address"));
		close(fd);
	}
}

/* A UDP socket that receives but never answers: the client resends
 * ctx->retries times, then fails with IPC_TIMEOUT. */
static void test_udp_silent_server_times_out(void **state)
{
	ENV;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);

	struct ipc_addr a = { .pipe_fd = { -1, -1 } };
	snprintf(a.text, sizeof a.text, "127.0.0.1:%u", ntohs(sin.sin_port));
	env->ctx.timeout_ms = 600;
	env->ctx.retries = 3;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	char reply[300];
	size_t n;
	ipc_conn_init(&c, &udp_transport, &env->ctx);
	assert_int_equal(udp_transport.connect(&c, &a, &e), 0);
	long long t0 = io_now_ms();
	assert_int_equal(conn_greet(&c, "Ida", 3, reply, sizeof reply, &n, &e), -1);
	long long took = io_now_ms() - t0;
	udp_transport.close(&c);
	assert_int_equal(e.status, IPC_TIMEOUT);
	assert_non_null(strstr(e.msg, "3 tries"));
	assert_true(took >= 550); /* never gives up early; that it takes no more than its
				     budget is test_io's, on a virtual clock */
	/* The request was sent three times. */
	int got = 0;
	char buf[64];
	while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) == 3)
		got++;
	assert_int_equal(got, 3);
	close(fd);
}

/* A message queue left by a crashed server (nobody holds its lock): a
 * client is told there is no server, and a new server replaces it. */
static void test_mqueue_stale_queue(void **state)
{
	ENV;
	const struct ipc_transport *t = &mqueue_transport;
	char name[IPC_ADDR_MAX];
	struct ipc_conn c;
	struct ipc_addr a = { .pipe_fd = { -1, -1 } };
	struct ipc_error e = { 0 };
	struct ipc_server s;
	struct server_child child;

	default_path(env, t, name);
	struct mq_attr attr = { .mq_maxmsg = 4, .mq_msgsize = 64 };
	mqd_t q = mq_open(name, O_RDONLY | O_CREAT | O_EXCL, 0600, &attr);
	assert_true(q >= 0);
	mq_close(q);
	snprintf(a.text, sizeof a.text, "%s", name);
	ipc_conn_init(&c, t, &env->ctx);
	assert_int_equal(t->connect(&c, &a, &e), -1);
	assert_int_equal(e.status, IPC_NO_SERVER);
	assert_non_null(strstr(e.msg, "no server holds it"));
	test_server_start(env, t, NULL, -1, &s, &child);
	test_connect(env, t, &s, &c);
	char reply[300];
	size_t n;
	assert_int_equal(conn_greet(&c, "Ida", 3, reply, sizeof reply, &n, &e), IPC_OK);
	t->close(&c);
	test_server_stop(&child);
	assert_int_equal(mq_unlink(name), -1); /* the server removed it */
	assert_int_equal(errno, ENOENT);
}

/* Past RLIMIT_MSGQUEUE a client's queues cannot be made: the error names
 * the limit and its value. */
static void test_mqueue_limit_explained(void **state)
{
	ENV;
	const struct ipc_transport *t = &mqueue_transport;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	struct rlimit old, low;

	test_server_start(env, t, NULL, -1, &s, &child);
	assert_int_equal(getrlimit(RLIMIT_MSGQUEUE, &old), 0);
	low = old;
	low.rlim_cur = 1024; /* less than one queue of ours */
	assert_int_equal(setrlimit(RLIMIT_MSGQUEUE, &low), 0);
	ipc_conn_init(&c, t, &env->ctx);
	int rc = t->connect(&c, &s.addr, &e);
	assert_int_equal(setrlimit(RLIMIT_MSGQUEUE, &old), 0);
	assert_int_equal(rc, -1);
	assert_int_equal(e.sys_errno, EMFILE);
	assert_non_null(strstr(e.msg, "RLIMIT_MSGQUEUE (1024 bytes"));
	assert_null(strchr(e.msg, '\n'));
	test_server_stop(&child);
}

static void test_unsafe_runtime_dir(void **state)
{
	ENV;
	char dir[IPC_PATH_MAX + 8], link[IPC_PATH_MAX + 8];
	struct ipc_error e = { 0 };

	snprintf(dir, sizeof dir, "%s/open", env->dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(rundir_ensure(dir, &e), -1);
	assert_int_equal(e.status, IPC_IN_USE);
	assert_non_null(strstr(e.msg, "chmod 700"));
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(rundir_ensure(dir, &e), 0);

	snprintf(link, sizeof link, "%s/link", env->dir);
	assert_int_equal(symlink(dir, link), 0);
	assert_int_equal(rundir_ensure(link, &e), -1);
	assert_non_null(strstr(e.msg, "symlink"));
	unlink(link);
	rmdir(dir);

	/* A fresh one is created private. */
	struct stat st;
	assert_int_equal(rundir_ensure(dir, &e), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	rmdir(dir);
}

static void test_path_too_long(void **state)
{
	ENV;
	char path[200];
	memset(path, 'p', sizeof path);
	path[0] = '/';
	path[sizeof path - 1] = '\0';
	for (size_t i = 0; i < 2; i++) {
		const struct ipc_transport *t = i ? &unix_dgram_transport : &unix_stream_transport;
		struct ipc_server s;
		struct ipc_error e = { 0 };
		ipc_server_init(&s, t, &env->ctx);
		assert_int_equal(t->listen(&s, path, &e), -1);
		assert_int_equal(e.status, IPC_USAGE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_server, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_second_server_refused, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_stale_socket_removed, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_foreign_file_untouched, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_port_in_use, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_udp_silent_server_times_out, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_unsafe_runtime_dir, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_path_too_long, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_mqueue_stale_queue, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_mqueue_limit_explained, test_env_setup,
						test_env_teardown),
	};
	return cmocka_run_group_tests_name("errors", tests, NULL, NULL);
}
