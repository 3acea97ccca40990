/*
 * test_uring.c - what only the io_uring server mode has: the ring's own
 * faults, and a kernel that refuses rings.
 *
 * The conformance suite (test_transports), the hostile clients of test_mux
 * and the client-side faults of test_faults run over --mode uring too.
 * Here:
 *   - every send the server hands the ring moves at most 1 byte, every
 *     receive at most 1 byte, and every third io_uring_enter() is
 *     interrupted before it submits anything (a signal): the replies of
 *     pipelining clients arrive whole and in order, nothing doubled.  The
 *     sizes are clamped in the submission queue entries themselves, so the
 *     kernel really does short sends and receives;
 *   - a process that may not make a ring (a seccomp filter answering EPERM,
 *     as a sandbox or kernel.io_uring_disabled does) gets one line naming
 *     io_uring_setup and what to do;
 *   - transports a ring cannot serve are refused with the reason.
 *
 * The server runs in a forked child: what its wrapped calls did is counted
 * in memory shared with this process.
 */
#include "support.h"
#include "uring_skip.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <liburing.h>

#include "conn.h"
#include "io.h"
#include "protocol.h"

#define ENV struct test_env *env = *state

extern const struct ipc_transport unix_stream_transport, tcp_transport, fifo_transport,
	udp_transport;

/* ---- the wrapped submission (linked with --wrap) ------------------------ */

struct ring_faults {
	int clamp;          /* sends and receives move at most 1 byte */
	int eintr_every;    /* every Nth io_uring_enter() is interrupted; 0: none */
	long calls, eintrs, sends, recvs;
};
static struct ring_faults *rf; /* shared with the server child */

int __real_io_uring_submit_and_wait_timeout(struct io_uring *ring, struct io_uring_cqe **cqe,
					    unsigned wait_nr, struct __kernel_timespec *ts,
					    sigset_t *sigmask);

int __wrap_io_uring_submit_and_wait_timeout(struct io_uring *ring, struct io_uring_cqe **cqe,
					    unsigned wait_nr, struct __kernel_timespec *ts,
					    sigset_t *sigmask)
{
	if (rf) {
		rf->calls++;
		if (rf->eintr_every && rf->calls % rf->eintr_every == 0) {
			rf->eintrs++;
			return -EINTR;
		}
		/* The entries queued since the last submission. */
		for (unsigned i = ring->sq.sqe_head; rf->clamp && i != ring->sq.sqe_tail; i++) {
			struct io_uring_sqe *sqe = &ring->sq.sqes[i & *ring->sq.kring_mask];
			if (sqe->opcode == IORING_OP_SEND && sqe->len > 1) {
				sqe->len = 1;
				rf->sends++;
			} else if (sqe->opcode == IORING_OP_RECV) {
				sqe->len = 1; /* from the provided buffer, 1 byte at a time */
				rf->recvs++;
			}
		}
	}
	return __real_io_uring_submit_and_wait_timeout(ring, cqe, wait_nr, ts, sigmask);
}

/* ---- the ring's faults ----------------------------------------------------- */

/* Read until `want` bytes came, or fail the test. */
static void read_exactly(struct ipc_conn *c, char *buf, size_t want)
{
	struct ipc_error e;
	size_t got = 0;
	while (got < want) {
		ssize_t n = c->t->recv(c, buf + got, want - got, &e);
		if (n == IPC_WOULD_BLOCK) {
			if (io_wait(c->rfd, POLLIN, -1, test_scale_ms(5000)) != IO_READY)
				fail_msg("no reply after %zu of %zu bytes", got, want);
			continue;
		}
		if (n <= 0)
			fail_msg("after %zu of %zu bytes: %s", got, want, n ? e.msg : "end of stream");
		got += (size_t)n;
	}
}

static void test_short_sends_receives_and_eintr(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	enum { CLIENTS = 3, REQUESTS = 20 };
	struct ipc_conn c[CLIENTS];

	rf->clamp = 1;
	rf->eintr_every = 3;
	test_server_start(env, env->t, NULL, -1, &s, &child);
	for (int k = 0; k < CLIENTS; k++)
		test_connect(env, env->t, &s, &c[k]);
	/* Every client sends all its requests at once, then reads. */
	char want[CLIENTS][REQUESTS * 32];
	size_t want_len[CLIENTS] = { 0 };
	for (int k = 0; k < CLIENTS; k++) {
		char req[REQUESTS * 32];
		size_t len = 0;
		for (int i = 0; i < REQUESTS; i++) {
			len += (size_t)snprintf(req + len, sizeof req - len, "c%d-r%d\n", k, i);
			want_len[k] += (size_t)snprintf(want[k] + want_len[k],
							sizeof want[k] - want_len[k],
							"Hello, c%d-r%d\n", k, i);
		}
		struct ipc_error e;
		if (conn_send_all(&c[k], req, len, -1, test_scale_ms(5000), &e) < 0)
			fail_msg("send: %s", e.msg);
	}
	for (int k = 0; k < CLIENTS; k++) {
		char got[REQUESTS * 32];
		read_exactly(&c[k], got, want_len[k]);
		assert_memory_equal(got, want[k], want_len[k]);
		/* Nothing doubled. */
		struct pollfd p = { .fd = c[k].rfd, .events = POLLIN };
		assert_int_equal(poll(&p, 1, test_scale_ms(50)), 0);
		env->t->close(&c[k]);
	}
	test_server_stop(&child);
	print_message("  %s: %ld sends cut to 1 byte, %ld multishot receives of 1 byte "
		      "each, %ld of %ld io_uring_enter interrupted\n", env->t->name, rf->sends,
		      rf->recvs, rf->eintrs, rf->calls);
	/* A send per reply byte (but the last of each send); one multishot
	 * receive per client, each completion 1 byte. */
	assert_true(rf->sends >= (long)want_len[0]);
	assert_true(rf->recvs >= CLIENTS);
	assert_true(rf->eintrs > 0);
}

/* ---- a kernel that refuses rings ----------------------------------------- */

/* From here on, io_uring_setup fails with EPERM in this process. */
static int forbid_io_uring(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof f / sizeof f[0], .filter = f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static void test_refused_ring(void **state)
{
	ENV;
	int out[2];
	assert_int_equal(pipe(out), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The child: a sandbox without io_uring, a server asked for one. */
		close(out[0]);
		struct ipc_server s;
		struct ipc_error e = { 0 };
		struct serve_opts o = { .stop_fd = -1, .idle_timeout_ms = 1000,
					.mode = SERVE_URING };
		if (forbid_io_uring() < 0)
			_exit(90);
		ipc_server_init(&s, env->t, &env->ctx);
		if (env->t->listen(&s, NULL, &e) < 0)
			_exit(91);
		int rc = serve(&s, &o, &e);
		env->t->shutdown(&s, true);
		if (write(out[1], e.msg, strlen(e.msg)) < 0)
			_exit(92);
		_exit(rc < 0 ? e.status : 0);
	}
	close(out[1]);
	char msg[IPC_ERR_MAX + 1] = "";
	size_t got = 0;
	ssize_t n;
	while ((n = read(out[0], msg + got, sizeof msg - 1 - got)) > 0)
		got += (size_t)n;
	msg[got] = '\0';
	close(out[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 90)
		skip(); /* no seccomp here: nothing to pretend with */
	print_message("  %s\n", msg);
	assert_int_equal(WEXITSTATUS(status), IPC_SYSTEM);
	assert_non_null(strstr(msg, "io_uring_setup"));
	assert_non_null(strstr(msg, strerror(EPERM)));
	assert_non_null(strstr(msg, "kernel.io_uring_disabled"));
	assert_non_null(strstr(msg, "--mode epoll"));
	assert_null(strchr(msg, '\n'));
}

/* ---- what a ring cannot serve ---------------------------------------------- */

static void test_refused_transports(void **state)
{
	ENV;
	char out[256], err[1024];
	int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "serve", "fifo",
			      "--mode", "uring", NULL);
	assert_int_equal(rc, IPC_USAGE);
	assert_non_null(strstr(err, "fifo servers have no --mode uring"));
	rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "serve", "udp",
			  "--mode", "uring-sqpoll", NULL);
	assert_int_equal(rc, IPC_USAGE);
	assert_non_null(strstr(err, "no connections to accept"));
	rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "latency",
			  "udp", "--io", "uring", NULL);
	assert_int_equal(rc, IPC_USAGE);
	assert_non_null(strstr(err, "--io uring"));
}

static int setup_case(void **state)
{
	memset(rf, 0, sizeof *rf);
	return test_env_setup_case(state);
}

static int teardown_case(void **state)
{
	memset(rf, 0, sizeof *rf);
	return test_env_teardown(state);
}

#define CASE(test, tc) cmocka_unit_test_prestate_setup_teardown(test, setup_case, \
							       teardown_case, (void *)(tc))

int main(void)
{
	static const struct test_case us = { &unix_stream_transport, SERVE_URING };
	static const struct test_case tcp = { &tcp_transport, SERVE_URING };
	const struct CMUnitTest tests[] = {
		CASE(test_short_sends_receives_and_eintr, &us),
		CASE(test_short_sends_receives_and_eintr, &tcp),
		CASE(test_refused_ring, &us),
		CASE(test_refused_transports, &us),
	};

	signal(SIGPIPE, SIG_IGN);
	rf = mmap(NULL, sizeof *rf, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (getenv("IPCLAB_TEST_FILTER"))
		cmocka_set_test_filter(getenv("IPCLAB_TEST_FILTER"));
	if (!uring_mode_runs(SERVE_URING))
		return 0;
	return cmocka_run_group_tests_name("uring", tests, NULL, NULL);
}
