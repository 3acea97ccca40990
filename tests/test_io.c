/*
 * test_io.c - the loops of src/io.c and src/conn.c, one behaviour at a time:
 * short writes, EINTR (scripted, and from a real signal installed without
 * SA_RESTART), EAGAIN, the error each failure maps to, deadlines measured on
 * a virtual clock, the replies a client must refuse, and how a peer that
 * resets or vanishes is reported.
 *
 * Faults come from the seam in tests/fault.h; connections are socketpairs
 * wrapped as a transport's ipc_conn, so each case runs in microseconds.
 */
#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conn.h"
#include "fault.h"
#include "io.h"
#include "protocol.h"

extern const struct ipc_transport unix_stream_transport, unix_dgram_transport, tcp_transport;

static int setup(void **state)
{
	fault_reset();
	return test_env_setup(state);
}

static int teardown(void **state)
{
	fault_reset();
	return test_env_teardown(state);
}

#define ENV struct test_env *env = *state

/* A connected pair: c is our side as a transport connection, *peer the
 * other end (a plain descriptor). */
static void pair(struct test_env *env, const struct ipc_transport *t, struct ipc_conn *c,
		 int *peer)
{
	int sv[2];
	int type = t->kind == IPC_STREAM ? SOCK_STREAM : SOCK_DGRAM;
	assert_int_equal(socketpair(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	ipc_conn_init(c, t, &env->ctx);
	c->rfd = c->wfd = sv[0];
	snprintf(c->peer_text, sizeof c->peer_text, "the peer");
	*peer = sv[1];
}

/* Read exactly len bytes from a non-blocking fd (waiting for them). */
static void read_exactly(int fd, char *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		assert_int_equal(io_wait(fd, POLLIN, -1, 2000), IO_READY);
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EAGAIN)
			continue;
		assert_true(n > 0);
		got += (size_t)n;
	}
}

/* ---- io_write / io_send ------------------------------------------------- */

/* The kernel takes one byte per call: every byte still goes, in order. */
static void test_write_short_counts(void **state)
{
	ENV;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	char msg[100], got[100];
	int peer;

	pair(env, &unix_stream_transport, &c, &peer);
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (char)('a' + i % 26);
	int w = fault_add(&(struct fault){ .call = FAULT_WRITE, .max = 1, .times = -1 });
	int s = fault_add(&(struct fault){ .call = FAULT_SEND, .max = 1, .times = -1 });
	assert_int_equal(io_write(c.wfd, msg, sizeof msg, "peer", &e), (ssize_t)sizeof msg);
	read_exactly(peer, got, sizeof got);
	assert_memory_equal(got, msg, sizeof msg);
	assert_int_equal(io_send(c.wfd, msg, sizeof msg, "peer", &e), (ssize_t)sizeof msg);
	read_exactly(peer, got, sizeof got);
	assert_memory_equal(got, msg, sizeof msg);
	assert_int_equal(fault_fired(w), 100);
	assert_int_equal(fault_fired(s), 100);
	close(peer);
	c.t->close(&c);
}

/* EINTR before anything moved: tried again, nothing lost or doubled. */
static void test_write_eintr_retried(void **state)
{
	ENV;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	char got[12] = { 0 };
	int peer;

	pair(env, &unix_stream_transport, &c, &peer);
	fault_add(&(struct fault){ .call = FAULT_WRITE, .nth = 2, .err = EINTR, .times = 2 });
	fault_add(&(struct fault){ .call = FAULT_WRITE, .max = 3, .times = -1 });
	assert_int_equal(io_write(c.wfd, "hello world", 11, "peer", &e), 11);
	fault_add(&(struct fault){ .call = FAULT_SEND, .err = EINTR });
	assert_int_equal(io_send(c.wfd, "x", 1, "peer", &e), 1);
	read_exactly(peer, got, 11);
	assert_string_equal(got, "hello world");
	read_exactly(peer, got, 1);
	assert_int_equal(got[0], 'x');
	struct pollfd p = { .fd = peer, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 0), 0); /* nothing doubled */
	close(peer);
	c.t->close(&c);
}

/* EAGAIN after part of the buffer went: the part is reported, not an error
 * and not "would block"; EAGAIN before anything: IPC_WOULD_BLOCK. */
static void test_write_eagain(void **state)
{
	ENV;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	int peer;

	pair(env, &unix_stream_transport, &c, &peer);
	fault_add(&(struct fault){ .call = FAULT_SEND, .max = 4 });
	fault_add(&(struct fault){ .call = FAULT_SEND, .nth = 2, .err = EAGAIN });
	assert_int_equal(io_send(c.wfd, "0123456789", 10, "peer", &e), 4);
	fault_reset();
	fault_add(&(struct fault){ .call = FAULT_WRITE, .err = EWOULDBLOCK });
	assert_int_equal(io_write(c.wfd, "0123456789", 10, "peer", &e), IPC_WOULD_BLOCK);
	close(peer);
	c.t->close(&c);
}

/* Each failure maps to its status, and the message names the call, the
 * peer and the reason. */
static void test_write_errors_classified(void **state)
{
	ENV;
	struct {
		enum fault_call call;
		int err;
		int status;
		const char *text;
	} cases[] = {
		{ FAULT_WRITE, EPIPE, IPC_PROTOCOL, "write peer: " },
		{ FAULT_WRITE, ECONNRESET, IPC_PROTOCOL, "write peer: " },
		{ FAULT_WRITE, EIO, IPC_SYSTEM, "write peer: " },
		{ FAULT_SEND, EPIPE, IPC_PROTOCOL, "send peer: " },
		{ FAULT_SEND, ECONNRESET, IPC_PROTOCOL, "send peer: " },
		{ FAULT_SEND, ENOBUFS, IPC_SYSTEM, "send peer: " },
	};
	struct ipc_conn c;
	int peer;

	pair(env, &unix_stream_transport, &c, &peer);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ipc_error e = { 0 };
		fault_reset();
		fault_add(&(struct fault){ .call = cases[i].call, .err = cases[i].err });
		ssize_t n = cases[i].call == FAULT_WRITE ? io_write(c.wfd, "ab", 2, "peer", &e)
							 : io_send(c.wfd, "ab", 2, "peer", &e);
		assert_int_equal(n, -1);
		assert_int_equal(e.status, cases[i].status);
		assert_int_equal(e.sys_errno, cases[i].err);
		assert_non_null(strstr(e.msg, cases[i].text));
		assert_non_null(strstr(e.msg, strerror(cases[i].err)));
	}
	close(peer);
	c.t->close(&c);
}

/* A peer that is gone: send() gets EPIPE without a SIGPIPE, even with the
 * signal's default action (which would kill us). */
static void test_send_never_raises_sigpipe(void **state)
{
	ENV;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	int peer;

	pair(env, &unix_stream_transport, &c, &peer);
	close(peer);
	signal(SIGPIPE, SIG_DFL);
	ssize_t n = io_send(c.wfd, "ab", 2, "peer", &e);
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(n, -1);
	assert_int_equal(e.status, IPC_PROTOCOL);
	assert_int_equal(e.sys_errno, EPIPE);
	c.t->close(&c);
}

/* ---- io_read ------------------------------------------------------------ */

static void test_read_results(void **state)
{
	ENV;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	char buf[16];
	int peer;

	pair(env, &unix_stream_transport, &c, &peer);
	assert_int_equal(io_read(c.rfd, buf, sizeof buf, "peer", &e), IPC_WOULD_BLOCK);
	assert_int_equal(write(peer, "abc", 3), 3);
	fault_add(&(struct fault){ .call = FAULT_READ, .err = EINTR, .times = 3 });
	assert_int_equal(io_read(c.rfd, buf, sizeof buf, "peer", &e), 3);
	assert_memory_equal(buf, "abc", 3);
	fault_reset();
	fault_add(&(struct fault){ .call = FAULT_READ, .err = ECONNRESET });
	assert_int_equal(io_read(c.rfd, buf, sizeof buf, "peer", &e), -1);
	assert_int_equal(e.status, IPC_PROTOCOL);
	assert_non_null(strstr(e.msg, "read peer: "));
	assert_non_null(strstr(e.msg, strerror(ECONNRESET)));
	fault_add(&(struct fault){ .call = FAULT_READ, .err = EIO });
	assert_int_equal(io_read(c.rfd, buf, sizeof buf, "peer", &e), -1);
	assert_int_equal(e.status, IPC_SYSTEM);
	assert_int_equal(e.sys_errno, EIO);
	close(peer);
	assert_int_equal(io_read(c.rfd, buf, sizeof buf, "peer", &e), 0); /* end of stream */
	c.t->close(&c);
}

/* ---- a real signal, installed without SA_RESTART ------------------------ */

/* The handler is what the blocked call waits for: it makes the pipe
 * readable (or writable) itself, so the call is interrupted first (EINTR,
 * nothing moved yet), and only a retry can succeed.  No sleep involved. */
static int sig_fd = -1;       /* the pipe end the handler writes or drains */
static bool sig_drain;        /* drain sig_fd instead of writing to it */

static void on_alarm(int sig)
{
	char buf[4096];
	(void)sig;
	if (sig_drain) {
		while (read(sig_fd, buf, sizeof buf) > 0)
			;
	} else if (write(sig_fd, "z", 1) != 1) {
		_exit(98);
	}
}

static void arm_alarm(void)
{
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
	struct itimerval it = { .it_value = { .tv_usec = 20000 } };
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void disarm_alarm(void)
{
	struct itimerval off = { 0 };
	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_DFL);
}

static void test_blocking_read_interrupted(void **state)
{
	(void)state;
	struct ipc_error e = { 0 };
	int p[2];
	char c = 0;

	assert_int_equal(pipe(p), 0); /* blocking */
	sig_fd = p[1];
	sig_drain = false;
	long before = fault_calls(FAULT_READ);
	arm_alarm();
	ssize_t n = io_read(p[0], &c, 1, "pipe", &e);
	disarm_alarm();
	assert_int_equal(n, 1);
	assert_int_equal(c, 'z');
	assert_true(fault_calls(FAULT_READ) - before >= 2); /* it was interrupted */
	close(p[0]);
	close(p[1]);
}

static void test_blocking_write_interrupted(void **state)
{
	(void)state;
	struct ipc_error e = { 0 };
	static char fill[65536];
	int p[2];
	char got[8];

	assert_int_equal(pipe(p), 0);
	assert_true(fcntl(p[1], F_SETFL, O_NONBLOCK) == 0);
	while (write(p[1], fill, sizeof fill) > 0) /* full */
		;
	assert_true(fcntl(p[1], F_SETFL, 0) == 0); /* blocking again */
	assert_true(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0);
	sig_fd = p[0];
	sig_drain = true;
	long before = fault_calls(FAULT_WRITE);
	arm_alarm();
	ssize_t n = io_write(p[1], "written", 7, "pipe", &e);
	disarm_alarm();
	assert_int_equal(n, 7);
	assert_true(fault_calls(FAULT_WRITE) - before >= 2);
	assert_int_equal(read(p[0], got, sizeof got), 7);
	assert_memory_equal(got, "written", 7);
	close(p[0]);
	close(p[1]);
}

/* ---- io_wait, on the virtual clock -------------------------------------- */

static void advance_30(void *arg, int fd_unused)
{
	(void)fd_unused;
	(void)arg;
	fault_clock_advance(30);
}

static void advance_150(void *arg, int fd_unused)
{
	(void)arg, (void)fd_unused;
	fault_clock_advance(150);
}

static void test_wait_deadlines(void **state)
{
	ENV;
	struct ipc_conn c;
	int peer, stop[2];

	pair(env, &unix_stream_transport, &c, &peer);
	fault_clock_start();
	assert_int_equal(io_wait(c.rfd, POLLIN, -1, 100), IO_TIMEOUT);
	assert_int_equal(fault_clock_ms(), 100);
	/* Interrupted after 30 ms: it waits the 70 left, not 100 again. */
	fault_add(&(struct fault){ .call = FAULT_POLL, .err = EINTR, .hook = advance_30 });
	assert_int_equal(io_wait(c.rfd, POLLIN, -1, 100), IO_TIMEOUT);
	assert_int_equal(fault_clock_ms(), 200);
	assert_int_equal(io_wait(c.rfd, POLLIN, -1, 0), IO_TIMEOUT);
	assert_int_equal(fault_clock_ms(), 200);
	/* Interrupted after the deadline has passed: time out, at once. */
	fault_add(&(struct fault){ .call = FAULT_POLL, .err = EINTR, .hook = advance_150 });
	assert_int_equal(io_wait(c.rfd, POLLIN, -1, 100), IO_TIMEOUT);
	assert_int_equal(fault_clock_ms(), 350);
	assert_int_equal(io_wait(c.wfd, POLLOUT, -1, 100), IO_READY);
	assert_int_equal(fault_clock_ms(), 350);
	assert_int_equal(write(peer, "x", 1), 1);
	assert_int_equal(io_wait(c.rfd, POLLIN, -1, 100), IO_READY);
	assert_int_equal(pipe(stop), 0);
	close(stop[1]); /* a hang-up: stop */
	assert_int_equal(io_wait(c.rfd, POLLIN, stop[0], 100), IO_STOPPED);
	close(stop[0]);
	fault_add(&(struct fault){ .call = FAULT_POLL, .err = ENOMEM });
	assert_int_equal(io_wait(c.rfd, POLLIN, -1, 100), IO_ERROR);
	assert_int_equal(errno, ENOMEM);
	close(peer);
	c.t->close(&c);
}

/* ---- conn_send_all / conn_recv_line -------------------------------------- */

static void test_send_all_waits_and_loops(void **state)
{
	ENV;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	char got[26];
	int peer;

	pair(env, &unix_stream_transport, &c, &peer);
	fault_add(&(struct fault){ .call = FAULT_SEND, .max = 5, .times = -1 });
	fault_add(&(struct fault){ .call = FAULT_SEND, .nth = 2, .err = EAGAIN, .times = 2 });
	assert_int_equal(conn_send_all(&c, "abcdefghijklmnopqrstuvwxyz", 26, -1, 1000, &e), 0);
	read_exactly(peer, got, 26);
	assert_memory_equal(got, "abcdefghijklmnopqrstuvwxyz", 26);
	struct pollfd p = { .fd = peer, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 0), 0); /* not a byte more */
	close(peer);
	c.t->close(&c);
}

/* A peer that never reads: the deadline, then the stop descriptor. */
static void test_send_all_deadline_and_stop(void **state)
{
	ENV;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	static char big[1 << 20];
	int peer, stop[2];

	pair(env, &unix_stream_transport, &c, &peer);
	fault_clock_start();
	assert_int_equal(conn_send_all(&c, big, sizeof big, -1, 250, &e), -1);
	assert_int_equal(e.status, IPC_TIMEOUT);
	assert_non_null(strstr(e.msg, "the peer"));
	assert_int_equal(fault_clock_ms(), 250);
	assert_int_equal(pipe(stop), 0);
	assert_int_equal(write(stop[1], "s", 1), 1);
	assert_int_equal(conn_send_all(&c, big, sizeof big, stop[0], -1, &e), -1);
	assert_int_equal(e.status, IPC_SYSTEM);
	assert_int_equal(e.sys_errno, EINTR);
	close(stop[0]);
	close(stop[1]);
	close(peer);
	c.t->close(&c);
}

static void test_recv_line_byte_by_byte(void **state)
{
	ENV;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	char buf[64];
	int peer;

	pair(env, &unix_stream_transport, &c, &peer);
	assert_int_equal(write(peer, "Hello, Ann\n", 11), 11);
	fault_add(&(struct fault){ .call = FAULT_READ, .max = 1, .times = -1 });
	fault_add(&(struct fault){ .call = FAULT_READ, .nth = 4, .err = EAGAIN });
	fault_add(&(struct fault){ .call = FAULT_READ, .nth = 6, .err = EINTR });
	assert_int_equal(conn_recv_line(&c, buf, sizeof buf, 1000, &e), 11);
	assert_memory_equal(buf, "Hello, Ann\n", 11);
	close(peer);
	c.t->close(&c);
}

static void test_recv_line_timeout(void **state)
{
	ENV;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	char buf[64];
	int peer;

	pair(env, &unix_stream_transport, &c, &peer);
	fault_clock_start();
	assert_int_equal(write(peer, "Hel", 3), 3);
	assert_int_equal(conn_recv_line(&c, buf, sizeof buf, 400, &e), -1);
	assert_int_equal(e.status, IPC_TIMEOUT);
	assert_int_equal(fault_clock_ms(), 400);
	close(peer);
	c.t->close(&c);
}

/* ---- replies a client must refuse ---------------------------------------- */

/* Greet over a stream whose peer has already written `reply` (and closed
 * when `hang_up`); returns the status with the error in e. */
static int greet_against(struct test_env *env, const char *reply, size_t len, bool hang_up,
			 struct ipc_error *e, char *out)
{
	struct ipc_conn c;
	char buf[1024];
	size_t n = 0;
	int peer;

	pair(env, &unix_stream_transport, &c, &peer);
	if (len)
		assert_int_equal(write(peer, reply, len), (ssize_t)len);
	if (hang_up)
		shutdown(peer, SHUT_WR);
	int st = conn_greet(&c, "Ann", 3, buf, sizeof buf, &n, e);
	if (out && st >= 0) {
		memcpy(out, buf, n);
		out[n] = '\0';
	}
	close(peer);
	c.t->close(&c);
	return st;
}

static void test_stream_replies_refused(void **state)
{
	ENV;
	char long_line[400], out[1024];
	const char *msgs[5];
	struct ipc_error e = { 0 };

	memcpy(long_line, "Hello, ", 7);
	memset(long_line + 7, 'a', sizeof long_line - 7);
	long_line[sizeof long_line - 1] = '\n';

	/* Well-formed first. */
	assert_int_equal(greet_against(env, "Hello, Ann\n", 11, false, &e, out), IPC_OK);
	assert_string_equal(out, "Hello, Ann\n");
	assert_int_equal(greet_against(env, "ERR empty name\n", 15, false, &e, out), IPC_ERR_REPLY);

	struct {
		const char *reply;
		size_t len;
		bool hang_up;
		const char *why;
	} bad[] = {
		{ "Hello, Ann\nHello, Ann\n", 22, false, "more than one reply line" },
		{ long_line, sizeof long_line, false, "longer than 263 bytes" },      /* with '\n' */
		{ long_line, sizeof long_line - 1, true, "longer than 263 bytes" },   /* without */
		{ "Hello, Ann", 10, true, "closed before the reply" },
		{ "Howdy, Ann\n", 11, false, "neither Hello nor ERR" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(greet_against(env, bad[i].reply, bad[i].len, bad[i].hang_up, &e,
					       NULL), -1);
		if (e.status != IPC_PROTOCOL || !strstr(e.msg, bad[i].why))
			fail_msg("reply %zu: status %d, '%s'", i, e.status, e.msg);
		msgs[i] = bad[i].why;
	}
	(void)msgs;
	/* A line just as long as the longest greeting is fine. */
	char longest[GREET_REPLY_MAX];
	memcpy(longest, "Hello, ", 7);
	memset(longest + 7, 'b', GREET_NAME_MAX);
	longest[GREET_REPLY_MAX - 1] = '\n';
	assert_int_equal(greet_against(env, longest, sizeof longest, false, &e, out), IPC_OK);
}

/* A datagram peer that answers with whatever `reply` is. */
static int dgram_greet_against(struct test_env *env, const char *reply, size_t len,
			       struct ipc_error *e)
{
	struct ipc_conn c;
	char buf[1024], req[64];
	size_t n = 0;
	int peer;

	pair(env, &unix_dgram_transport, &c, &peer);
	assert_int_equal(send(peer, reply, len, 0), (ssize_t)len); /* there before we ask */
	int st = conn_greet(&c, "Ann", 3, buf, sizeof buf, &n, e);
	(void)!read(peer, req, sizeof req);
	close(peer);
	c.t->close(&c);
	return st;
}

static void test_datagram_replies_refused(void **state)
{
	ENV;
	static char big[2000];
	struct ipc_error e = { 0 };

	assert_int_equal(dgram_greet_against(env, "Hello, Ann\n", 11, &e), IPC_OK);
	memcpy(big, "Hello, ", 7);
	memset(big + 7, 'a', sizeof big - 7);
	big[sizeof big - 1] = '\n';
	for (size_t len = 300; len <= sizeof big; len += sizeof big - 300) {
		memmove(big + len - 1, "\n", 1);
		assert_int_equal(dgram_greet_against(env, big, len, &e), -1);
		assert_int_equal(e.status, IPC_PROTOCOL);
		assert_non_null(strstr(e.msg, "larger than any greeting"));
	}
	assert_int_equal(dgram_greet_against(env, "Hello, A\nHello, A\n", 18, &e), -1);
	assert_int_equal(e.status, IPC_PROTOCOL);
	assert_non_null(strstr(e.msg, "more than one reply line"));
	assert_int_equal(dgram_greet_against(env, "Hello, Ann", 10, &e), -1);
	assert_int_equal(e.status, IPC_PROTOCOL);
	assert_non_null(strstr(e.msg, "neither Hello nor ERR"));
}

/* ---- the datagram retry budget, on the virtual clock --------------------- */

static void test_datagram_timeout_is_the_whole_budget(void **state)
{
	ENV;
	const int budgets[][2] = { { 300, 3 }, { 1000, 3 }, { 500, 1 }, { 90, 4 } };

	for (size_t i = 0; i < sizeof budgets / sizeof budgets[0]; i++) {
		struct ipc_conn c;
		struct ipc_error e = { 0 };
		char buf[300], req[64];
		size_t n;
		int peer, sends = 0;

		fault_reset();
		env->ctx.timeout_ms = budgets[i][0];
		env->ctx.retries = budgets[i][1];
		pair(env, &unix_dgram_transport, &c, &peer); /* a peer that never answers */
		fault_clock_start();
		assert_int_equal(conn_greet(&c, "Ann", 3, buf, sizeof buf, &n, &e), -1);
		long long took = fault_clock_ms();
		assert_int_equal(e.status, IPC_TIMEOUT);
		while (recv(peer, req, sizeof req, MSG_DONTWAIT) == 3)
			sends++;
		if (sends != budgets[i][1] || took > budgets[i][0] ||
		    took < budgets[i][0] - budgets[i][1])
			fail_msg("--timeout %d, %d tries: %d sent, gave up after %lld ms",
				 budgets[i][0], budgets[i][1], sends, took);
		char tries[32];
		snprintf(tries, sizeof tries, "after %d tries", budgets[i][1]);
		assert_non_null(strstr(e.msg, tries));
		close(peer);
		c.t->close(&c);
	}
}

/* A reply that comes during the second try is taken. */
static void answer_now(void *arg, int fd_unused)
{
	(void)fd_unused;
	int peer = *(int *)arg;
	char req[64];
	while (recv(peer, req, sizeof req, MSG_DONTWAIT) > 0)
		;
	assert_int_equal(send(peer, "Hello, Ann\n", 11, 0), 11);
}

static void test_datagram_second_try_answered(void **state)
{
	ENV;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	char buf[300];
	size_t n = 0;
	int peer;

	env->ctx.timeout_ms = 300;
	env->ctx.retries = 3;
	pair(env, &unix_dgram_transport, &c, &peer);
	fault_clock_start();
	/* The second send's hook plays the server that finally answers. */
	fault_add(&(struct fault){ .call = FAULT_SENDTO, .nth = 2, .hook = answer_now,
				   .arg = &peer });
	assert_int_equal(conn_greet(&c, "Ann", 3, buf, sizeof buf, &n, &e), IPC_OK);
	assert_int_equal(n, 11);
	assert_int_equal(fault_clock_ms(), 100);
	assert_int_equal(fault_calls(FAULT_SENDTO), 2);
	close(peer);
	c.t->close(&c);
}

/* A late reply to an earlier request is waiting when we ask: it greets
 * another name, so it is skipped, and ours is taken. */
static void test_datagram_stale_reply_skipped(void **state)
{
	ENV;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	char buf[300];
	size_t n = 0;
	int peer;

	pair(env, &unix_dgram_transport, &c, &peer);
	assert_int_equal(send(peer, "Hello, Bob\n", 11, 0), 11);
	assert_int_equal(send(peer, "Hello, Ann\n", 11, 0), 11);
	assert_int_equal(conn_greet(&c, "Ann", 3, buf, sizeof buf, &n, &e), IPC_OK);
	assert_int_equal(n, 11);
	assert_memory_equal(buf, "Hello, Ann\n", 11);
	close(peer);
	c.t->close(&c);
}

/* ---- error classification ------------------------------------------------ */

/* A TCP server that resets the connection once the request is in: the
 * client's read fails with ECONNRESET, which is status 7 (protocol). */
struct reset_server {
	int listen_fd;
};

static void reset_now(void *arg, int fd_unused)
{
	(void)fd_unused;
	struct reset_server *r = arg;
	int fd = accept(r->listen_fd, NULL, NULL);
	assert_true(fd >= 0);
	char buf[8];
	assert_true(read(fd, buf, 2) == 2); /* mid-request */
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l), 0);
	close(fd); /* RST */
}

static void test_tcp_reset_mid_request(void **state)
{
	ENV;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sin;
	struct reset_server r = { socket(AF_INET, SOCK_STREAM, 0) };
	struct ipc_addr a = { .pipe_fd = { -1, -1 } };
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	char buf[300];
	size_t n;

	assert_true(r.listen_fd >= 0);
	assert_int_equal(bind(r.listen_fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(r.listen_fd, 1), 0);
	assert_int_equal(getsockname(r.listen_fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(a.text, sizeof a.text, "127.0.0.1:%u", ntohs(sin.sin_port));
	ipc_conn_init(&c, &tcp_transport, &env->ctx);
	assert_int_equal(tcp_transport.connect(&c, &a, &e), 0);
	/* The server acts just before our first read of the reply. */
	fault_add(&(struct fault){ .call = FAULT_READ, .fd = c.rfd, .hook = reset_now, .arg = &r });
	assert_int_equal(conn_greet(&c, "Anna", 4, buf, sizeof buf, &n, &e), -1);
	assert_int_equal(e.status, IPC_PROTOCOL);
	assert_int_equal(e.sys_errno, ECONNRESET);
	assert_non_null(strstr(e.msg, a.text));
	assert_non_null(strstr(e.msg, strerror(ECONNRESET)));
	tcp_transport.close(&c);
	close(r.listen_fd);
}

/* A unix_dgram server that goes away between our connect() and our send():
 * status 3, no server, with what to do. */
static void vanish(void *arg, int fd_unused)
{
	(void)fd_unused;
	int *fd = arg;
	close(*fd);
	*fd = -1;
}

static void test_unix_dgram_server_vanishes(void **state)
{
	ENV;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ipc_addr a = { .pipe_fd = { -1, -1 } };
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	char buf[300];
	size_t n;

	unix_dgram_transport.default_address(&env->ctx, a.text, sizeof a.text);
	assert_true(strlen(a.text) < sizeof sun.sun_path);
	memcpy(sun.sun_path, a.text, strlen(a.text) + 1);
	int server = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(server >= 0);
	assert_int_equal(bind(server, (struct sockaddr *)&sun, sizeof sun), 0);
	ipc_conn_init(&c, &unix_dgram_transport, &env->ctx);
	assert_int_equal(unix_dgram_transport.connect(&c, &a, &e), 0);
	fault_add(&(struct fault){ .call = FAULT_SENDTO, .hook = vanish, .arg = &server });
	assert_int_equal(conn_greet(&c, "Ann", 3, buf, sizeof buf, &n, &e), -1);
	assert_int_equal(server, -1);
	if (e.status != IPC_NO_SERVER)
		fail_msg("status %d: %s", e.status, e.msg);
	assert_non_null(strstr(e.msg, a.text));
	assert_non_null(strstr(e.msg, "ipclab serve unix_dgram"));
	unix_dgram_transport.close(&c);
	unlink(sun.sun_path);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_write_short_counts),
		T(test_write_eintr_retried),
		T(test_write_eagain),
		T(test_write_errors_classified),
		T(test_send_never_raises_sigpipe),
		T(test_read_results),
		T(test_blocking_read_interrupted),
		T(test_blocking_write_interrupted),
		T(test_wait_deadlines),
		T(test_send_all_waits_and_loops),
		T(test_send_all_deadline_and_stop),
		T(test_recv_line_byte_by_byte),
		T(test_recv_line_timeout),
		T(test_stream_replies_refused),
		T(test_datagram_replies_refused),
		T(test_datagram_timeout_is_the_whole_budget),
		T(test_datagram_second_try_answered),
		T(test_datagram_stale_reply_skipped),
		T(test_tcp_reset_mid_request),
		T(test_unix_dgram_server_vanishes),
	};
	return cmocka_run_group_tests_name("io and conn", tests, NULL, NULL);
}
