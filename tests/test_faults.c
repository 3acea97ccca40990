/*
 * test_faults.c - the greeting over every transport and server mode while
 * system calls misbehave, one fault at every step in turn.
 *
 * For each call the code makes (read, write, send, sendto, recvmsg, accept4,
 * connect, socket, open, poll, select, epoll_wait) and each fault that call
 * can really meet (a 1-byte short count, EINTR, EAGAIN, ECONNRESET/EPIPE,
 * EMFILE, ...), the fault is put on the 1st such call of a session, then on
 * the 2nd, and so on until the session makes no more such calls.  Faults are
 * injected in the server (a forked child) or in the client (this process).
 * Each session greets three times (twice pipelined on streams) and must
 * end one of two ways:
 *   - transient faults (short counts, EINTR, EAGAIN, EMFILE on accept):
 *     every reply right, none lost, none doubled;
 *   - fatal ones (a reset, EMFILE for the client): a clear one-line error
 *     with the documented status.
 * Either way no descriptor is left open, in the client (/proc/self/fd) or
 * in the server (/proc/<pid>/fd), and the server then serves a clean session
 * as if nothing had happened, and exits 0 when stopped.
 */
#include "support.h"
#include "uring_skip.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "fault.h"
#include "io.h"
#include "protocol.h"

#define ENV struct test_env *env = *state
#define MAX_STEPS 24

extern const struct ipc_transport pipe_transport, fifo_transport, unix_stream_transport,
	unix_dgram_transport, tcp_transport, udp_transport;

/* One kind of fault on one call. */
struct plan {
	enum fault_call call;
	int err;       /* or */
	size_t max;    /* a short count */
	bool fatal;    /* the session may end in an error (a clear one) */
};

static int fds_of(pid_t pid)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
	return test_count_entries(dir);
}

/* The scheduler's state of a process: 'S' asleep, 'R' running or ready
 * to, ...; '?' if it cannot be read. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return '?';
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *paren = strrchr(buf, ')'); /* after the command's name */
	return paren && paren[1] == ' ' ? paren[2] : '?';
}

/* What the server holds once it has nothing more to do.  A count that
 * stands still is not enough on a busy machine, where the server may not
 * run for a while: it must also be asleep, back in its wait after all that
 * woke it (a client's close wakes it at once), at two looks in a row with
 * the same count.  Up to 10 s. */
static int server_fds_idle(pid_t pid)
{
	long long until = io_now_ms() + 10000;
	int n = fds_of(pid), same = 0;
	while (same < 2 && io_now_ms() < until) {
		usleep(5000);
		int now = fds_of(pid);
		same = now == n && proc_state(pid) == 'S' ? same + 1 : 0;
		n = now;
	}
	return n;
}

/* Wait (up to 10 s) until a server just started is asleep in its wait for
 * clients.  A rule for its accept() added before then may come too late:
 * on a busy machine the server can be stopped between the wrapper's look
 * at the rules and the call itself, and then take the client unfaulted. */
static void server_waiting(pid_t pid)
{
	long long until = io_now_ms() + 10000;
	while (proc_state(pid) != 'S')
		if (io_now_ms() > until)
			fail_msg("the server (pid %d) is not waiting for clients after 10 s",
				 (int)pid);
		else
			usleep(2000);
}

/* The server closes a client when it sees it leave, which may take a turn
 * of its loop, and longer on a busy machine: wait (up to 10 s) for its
 * descriptors to come back to `want`. */
static int server_fds_settle(pid_t pid, int want)
{
	long long until = io_now_ms() + 10000;
	int n = fds_of(pid);
	while (n != want && io_now_ms() < until) {
		usleep(5000);
		n = fds_of(pid);
	}
	return n;
}

/* Read `lines` reply lines on a stream into buf; -1 and e on error. */
static ssize_t read_lines(struct ipc_conn *c, char *buf, size_t cap, int lines,
			  struct ipc_error *e)
{
	size_t got = 0;
	int seen = 0;
	while (seen < lines) {
		if (got == cap)
			return ipc_fail(e, IPC_PROTOCOL, 0, "more than %zu bytes of replies", cap);
		ssize_t n = c->t->recv(c, buf + got, cap - got, e);
		if (n == IPC_WOULD_BLOCK) {
			int r = io_wait(c->rfd, POLLIN, -1, c->ctx->timeout_ms);
			if (r == IO_TIMEOUT)
				return ipc_fail(e, IPC_TIMEOUT, 0, "read %s: no reply", c->peer_text);
			if (r != IO_READY)
				return ipc_fail(e, IPC_SYSTEM, errno, "poll %s", c->peer_text);
			continue;
		}
		if (n < 0)
			return -1;
		if (n == 0)
			return ipc_fail(e, IPC_PROTOCOL, 0, "read %s: end of stream", c->peer_text);
		for (ssize_t i = 0; i < n; i++)
			seen += buf[got + (size_t)i] == '\n';
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* One greeting; a wrong reply fails the test at once (never a fault's
 * acceptable outcome), an error is returned. */
static int greet(struct ipc_conn *c, const char *name, struct ipc_error *e)
{
	char reply[GREET_REPLY_MAX + 1], want[GREET_REPLY_MAX + 1];
	size_t n = 0;
	int st = conn_greet(c, name, strlen(name), reply, sizeof reply - 1, &n, e);
	if (st < 0)
		return -1;
	reply[n] = '\0';
	snprintf(want, sizeof want, "Hello, %s\n", name);
	if (st != IPC_OK || strcmp(reply, want))
		fail_msg("greeting %s: got '%s'", name, reply);
	return 0;
}

/* Nothing more to read: no reply was doubled. */
static void expect_nothing_pending(struct ipc_conn *c, const char *when)
{
	struct pollfd p = { .fd = c->rfd, .events = POLLIN };
	char extra[64];
	struct ipc_error e;
	if (poll(&p, 1, 0) == 1 && (p.revents & POLLIN)) {
		ssize_t n = c->t->recv(c, extra, sizeof extra, &e);
		if (n > 0)
			fail_msg("%s: %zd more bytes than replies: '%.*s'", when, n, (int)n, extra);
	}
}

/* A session: connect, greet, two pipelined requests (one more greeting on
 * datagrams), greet, close.  0, or -1 and e when a call failed for good. */
static int session(struct test_env *env, const struct ipc_server *s, int round,
		   struct ipc_error *e)
{
	const struct ipc_transport *t = env->t;
	struct ipc_conn c;
	char name[32];
	int rc = -1;

	long sends = fault_calls(FAULT_SEND) + fault_calls(FAULT_SENDTO);
	ipc_conn_init(&c, t, &env->ctx);
	if (t->connect(&c, &s->addr, e) < 0)
		return -1;
	snprintf(name, sizeof name, "first-%d", round);
	if (greet(&c, name, e) < 0)
		goto out;
	if (t->kind == IPC_STREAM) {
		char req[64], got[2 * GREET_REPLY_MAX], want[128];
		int len = snprintf(req, sizeof req, "p%d-1\np%d-2\r\n", round, round);
		snprintf(want, sizeof want, "Hello, p%d-1\nHello, p%d-2\n", round, round);
		if (conn_send_all(&c, req, (size_t)len, -1, env->ctx.timeout_ms, e) < 0)
			goto out;
		ssize_t n = read_lines(&c, got, sizeof got, 2, e);
		if (n < 0)
			goto out;
		if ((size_t)n != strlen(want) || memcmp(got, want, (size_t)n))
			fail_msg("pipelined: got '%.*s'", (int)n, got);
	} else {
		snprintf(name, sizeof name, "second-%d", round);
		if (greet(&c, name, e) < 0)
			goto out;
	}
	snprintf(name, sizeof name, "last-%d", round);
	if (greet(&c, name, e) < 0)
		goto out;
	/* A resent datagram may be answered twice (UDP's duplicates): the
	 * client skips the late one; only a stream must have nothing more. */
	sends = fault_calls(FAULT_SEND) + fault_calls(FAULT_SENDTO) - sends;
	if (t->kind == IPC_STREAM || sends == 3)
		expect_nothing_pending(&c, name);
	rc = 0;
out:
	t->close(&c);
	return rc;
}

/* What an error must look like: one line, a documented status, the reason. */
static void check_error(const struct test_env *env, const struct plan *p, bool in_server,
			const struct ipc_error *e, const char *where)
{
	if (e->status < IPC_ERR_REPLY || e->status > IPC_PROTOCOL || !e->msg[0] ||
	    strchr(e->msg, '\n'))
		fail_msg("%s: unclear error (status %d): '%s'", where, e->status, e->msg);
	if (!p->fatal)
		fail_msg("%s: a passing fault ended the session: %s", where, e->msg);
	if (in_server) {
		/* The server dropped us: a stream client sees it hang up. */
		if (env->t->kind == IPC_STREAM && e->status != IPC_PROTOCOL)
			fail_msg("%s: status %d, not %d (peer hung up): %s", where, e->status,
				 IPC_PROTOCOL, e->msg);
		return;
	}
	/* Our own call failed: the message says why. */
	if (!strstr(e->msg, strerror(p->err)))
		fail_msg("%s: the reason (%s) is missing: %s", where, strerror(p->err), e->msg);
	if (p->err == ECONNRESET && env->t->kind == IPC_STREAM && e->status != IPC_PROTOCOL)
		fail_msg("%s: a reset is status %d, not %d: %s", where, IPC_PROTOCOL, e->status,
			 e->msg);
}

static void start(struct test_env *env, struct ipc_server *s, struct server_child *child)
{
	test_server_start(env, env->t, NULL, -1, s, child);
}

/* Each plan, at every step, in the server (in_server) or in this client. */
static void run_plans(struct test_env *env, const struct plan *plans, size_t n, bool in_server)
{
	struct ipc_server s;
	struct server_child child;
	struct ipc_error e;
	bool one_client = !env->t->servable; /* the pipe: a server per session */
	int round = 0, server_fds = 0, tried = 0;
	long long t0 = io_now_ms();

	/* A lost datagram reply costs one try: a third of this.  (A reply that
	 * is only late is skipped by the client when it comes.) */
	env->ctx.timeout_ms = test_scale_ms(env->t->kind == IPC_DATAGRAM && in_server &&
					    plans[0].call == FAULT_SENDTO ? 300 : 600);
	if (!one_client) {
		start(env, &s, &child);
		if (session(env, &s, round++, &e) < 0) /* warm-up: the loop is set up */
			fail_msg("warm-up: %s", e.msg);
		server_fds = server_fds_idle(child.pid);
	}
	for (size_t i = 0; i < n; i++) {
		const struct plan *p = &plans[i];
		for (int step = 1; step <= MAX_STEPS; step++) {
			char where[160];
			/* A FIFO's connection notice is one write() of far less
			 * than PIPE_BUF bytes, and the first read() of the server:
			 * the kernel moves it whole (pipe(7)), so a short count
			 * on it cannot happen, and is not injected. */
			if (p->max && env->t == &fifo_transport && step == 1 &&
			    p->call == (in_server ? FAULT_READ : FAULT_WRITE))
				continue;
			snprintf(where, sizeof where, "%s %s%s, %s %s %s #%d", env->t->name,
				 env->mode ? "--mode " : "", env->mode ? serve_mode_name(env->mode) : "",
				 in_server ? "server" : "client", fault_call_name(p->call),
				 p->err ? strerror(p->err) : "1 byte", step);
			int client_fds = fds_of(getpid());
			if (one_client)
				start(env, &s, &child);
			int id = fault_add(&(struct fault){
				.call = p->call, .nth = step, .err = p->err, .max = p->max,
				.where = in_server ? FAULT_CHILD : FAULT_HERE });
			int rc = session(env, &s, round++, &e);
			int fired = fault_fired(id);
			fault_clear_rules();
			if (rc < 0)
				check_error(env, p, in_server, &e, where);
			if (one_client)
				test_server_stop(&child);
			if (fds_of(getpid()) != client_fds)
				fail_msg("%s: the client leaked %d descriptors", where,
					 fds_of(getpid()) - client_fds);
			if (!one_client) {
				/* The server goes on as before: a clean session, and
				 * no descriptor of the faulty one left. */
				if (session(env, &s, round++, &e) < 0)
					fail_msg("%s: the next session failed: %s", where, e.msg);
				int now = server_fds_settle(child.pid, server_fds);
				if (now != server_fds)
					fail_msg("%s: the server holds %d descriptors, %d before", where,
						 now, server_fds);
			}
			tried += fired > 0;
			if (!fired)
				break;
		}
	}
	if (!one_client)
		test_server_stop(&child);
	print_message("  %s%s%s: %d faults injected in the %s (%lld ms)\n", env->t->name,
		      env->mode ? " --mode " : "", env->mode ? serve_mode_name(env->mode) : "",
		      tried, in_server ? "server" : "client", io_now_ms() - t0);
}

/* ---- the plans ------------------------------------------------------------ */

#define TRANSIENT(c, ...) { .call = (c), __VA_ARGS__ }
#define FATAL(c, e) { .call = (c), .err = (e), .fatal = true }

/* Calls on the connection, each side. */
static const struct plan stream_reads[] = {
	TRANSIENT(FAULT_READ, .max = 1),   TRANSIENT(FAULT_READ, .err = EINTR),
	TRANSIENT(FAULT_READ, .err = EAGAIN), FATAL(FAULT_READ, ECONNRESET),
};
static const struct plan stream_writes[] = {
	TRANSIENT(FAULT_WRITE, .max = 1),  TRANSIENT(FAULT_WRITE, .err = EINTR),
	TRANSIENT(FAULT_WRITE, .err = EAGAIN), FATAL(FAULT_WRITE, EPIPE),
	TRANSIENT(FAULT_SEND, .max = 1),   TRANSIENT(FAULT_SEND, .err = EINTR),
	TRANSIENT(FAULT_SEND, .err = EAGAIN), FATAL(FAULT_SEND, ECONNRESET),
};
static const struct plan dgram_io[] = {
	TRANSIENT(FAULT_RECVMSG, .err = EINTR), TRANSIENT(FAULT_RECVMSG, .err = EAGAIN),
	TRANSIENT(FAULT_SENDTO, .err = EINTR),  TRANSIENT(FAULT_SENDTO, .err = EAGAIN),
};
/* The server's datagram calls: a failed receive is logged and the datagram
 * read again; a failed reply is lost, and the client's next try gets one. */
static const struct plan dgram_server_reads[] = {
	TRANSIENT(FAULT_RECVMSG, .err = EINTR), TRANSIENT(FAULT_RECVMSG, .err = EAGAIN),
	TRANSIENT(FAULT_RECVMSG, .err = ENOBUFS),
};
static const struct plan dgram_server_writes[] = {
	TRANSIENT(FAULT_SENDTO, .err = EINTR),  TRANSIENT(FAULT_SENDTO, .err = EAGAIN),
	TRANSIENT(FAULT_SENDTO, .err = ENOBUFS),
};
static const struct plan dgram_client_fatal[] = {
	FATAL(FAULT_RECVMSG, ENOMEM), FATAL(FAULT_SENDTO, ENOBUFS),
};
/* Waiting: every wait may be interrupted. */
static const struct plan waits[] = {
	TRANSIENT(FAULT_POLL, .err = EINTR), TRANSIENT(FAULT_SELECT, .err = EINTR),
	TRANSIENT(FAULT_EPOLL_WAIT, .err = EINTR),
};
/* The server taking a client in. */
static const struct plan accepting[] = {
	TRANSIENT(FAULT_ACCEPT4, .err = EINTR), TRANSIENT(FAULT_ACCEPT4, .err = EAGAIN),
	TRANSIENT(FAULT_ACCEPT4, .err = ECONNABORTED), TRANSIENT(FAULT_ACCEPT4, .err = EMFILE),
	TRANSIENT(FAULT_OPEN, .err = EMFILE), TRANSIENT(FAULT_OPEN, .err = ENFILE),
};
/* The client getting there. */
static const struct plan connecting[] = {
	TRANSIENT(FAULT_CONNECT, .err = EINTR), FATAL(FAULT_SOCKET, EMFILE),
	FATAL(FAULT_OPEN, EMFILE),
};

/* ---- the tests: *state holds a struct test_case ---------------------------- */

#define RUN(plans, in_server) run_plans(env, plans, sizeof plans / sizeof plans[0], in_server)

static void test_server_reads(void **state)
{
	ENV;
	if (env->t->kind == IPC_STREAM)
		RUN(stream_reads, true);
	else
		RUN(dgram_server_reads, true);
}

static void test_server_writes(void **state)
{
	ENV;
	if (env->t->kind == IPC_STREAM)
		RUN(stream_writes, true);
	else
		RUN(dgram_server_writes, true);
}

static void test_client_reads(void **state)
{
	ENV;
	if (env->t->kind == IPC_STREAM)
		RUN(stream_reads, false);
	else
		RUN(dgram_io, false);
}

static void test_client_writes(void **state)
{
	ENV;
	if (env->t->kind == IPC_STREAM)
		RUN(stream_writes, false);
	else
		RUN(dgram_client_fatal, false);
}

static void test_wait_faults(void **state)
{
	ENV;
	run_plans(env, waits, sizeof waits / sizeof waits[0], true);
	run_plans(env, waits, sizeof waits / sizeof waits[0], false);
}

static void test_accept_faults(void **state)
{
	ENV;
	run_plans(env, accepting, sizeof accepting / sizeof accepting[0], true);
}

static void test_connect_faults(void **state)
{
	ENV;
	run_plans(env, connecting, sizeof connecting / sizeof connecting[0], false);
}

/* Out of descriptors for good: the server waits between tries instead of
 * spinning on the client that stays queued, and serves it once accept()
 * works again.  Counted, not timed against a budget: the server rests
 * PAUSE_MS between tries, so over E ms it can make at most E / PAUSE_MS + 1
 * of them however slow or busy the machine is (a busy machine makes fewer,
 * never more), while a spinning loop makes thousands. */
#define PAUSE_MS 100 /* the servers' rest after EMFILE (server.c, server_mux.c) */
static void test_emfile_does_not_spin(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	enum fault_call call = env->t == &fifo_transport ? FAULT_OPEN : FAULT_ACCEPT4;

	if (!env->t->servable || env->t->kind != IPC_STREAM)
		skip();
	if (env->mode == SERVE_URING)
		skip(); /* the ring accepts: test_uring runs out of descriptors for real */
	start(env, &s, &child);
	server_waiting(child.pid);
	long long t0 = io_now_ms(); /* no try can come before the rule */
	int id = fault_add(&(struct fault){ .call = call, .err = EMFILE, .times = -1,
					    .where = FAULT_CHILD });
	ipc_conn_init(&c, env->t, &env->ctx);
	assert_int_equal(env->t->connect(&c, &s.addr, &e), 0);
	assert_int_equal(conn_send_all(&c, "Queued\n", 7, -1, env->ctx.timeout_ms, &e), 0);
	/* Let it fail a few times: three tries are two rests at least.  (The
	 * test's deadline ends a server that never tries.) */
	while (fault_fired(id) < 3)
		usleep(5000);
	/* Still queued: nothing came back while accept() failed. */
	assert_int_equal(io_wait(c.rfd, POLLIN, -1, 0), IO_TIMEOUT);
	int tries = fault_fired(id);
	long long elapsed = io_now_ms() - t0; /* read after the count: an upper bound */
	fault_clear_rules();
	print_message("  %s --mode %s: %d tries in %lld ms without descriptors\n", env->t->name,
		      serve_mode_name(env->mode), tries, elapsed);
	/* At most one try per rest, and the first: one more for the ms clocks'
	 * rounding of each rest (99.x ms). */
	if (tries > elapsed / (PAUSE_MS - 1) + 2)
		fail_msg("%d tries in %lld ms: more than one per %d ms rest", tries, elapsed,
			 PAUSE_MS);
	char got[64];
	assert_int_equal(conn_recv_line(&c, got, sizeof got, env->ctx.timeout_ms, &e), 14);
	assert_memory_equal(got, "Hello, Queued\n", 14);
	env->t->close(&c);
	test_server_stop(&child);
}

/* A client that gave up while it was queued (ECONNABORTED) is no failure
 * of the server's: it takes the next client at once, and says nothing. */
static void test_aborted_client_is_quiet(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_error e = { 0 };
	char said[4096] = "";

	if ((env->t != &unix_stream_transport && env->t != &tcp_transport) ||
	    env->mode == SERVE_URING)
		skip(); /* the ones that accept4() (the ring accepts by itself) */
	FILE *log = tmpfile();
	assert_non_null(log);
	setvbuf(log, NULL, _IONBF, 0); /* the child's lines go straight to the file */
	struct serve_opts o = { .stop_fd = -1, .idle_timeout_ms = SERVE_IDLE_TIMEOUT_MS,
				.mode = env->mode, .log = log };
	test_server_start_opts(env, env->t, NULL, &o, &s, &child);
	server_waiting(child.pid);
	int id = fault_add(&(struct fault){ .call = FAULT_ACCEPT4, .err = ECONNABORTED,
					    .where = FAULT_CHILD });
	if (session(env, &s, 0, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(fault_fired(id), 1);
	test_server_stop(&child);
	rewind(log);
	size_t n = fread(said, 1, sizeof said - 1, log);
	said[n] = '\0';
	fclose(log);
	if (n)
		fail_msg("the server said: %s", said);
}

static int setup(void **state)
{
	fault_reset();
	return test_env_setup_case(state);
}

static int teardown(void **state)
{
	fault_reset();
	return test_env_teardown(state);
}

#define CASE(test, tc) cmocka_unit_test_prestate_setup_teardown(test, setup, teardown, (void *)(tc))

static int run_case(const struct test_case *tc)
{
	const struct CMUnitTest tests[] = {
		CASE(test_server_reads, tc),     CASE(test_server_writes, tc),
		CASE(test_client_reads, tc),     CASE(test_client_writes, tc),
		CASE(test_wait_faults, tc),      CASE(test_accept_faults, tc),
		CASE(test_connect_faults, tc),   CASE(test_emfile_does_not_spin, tc),
		CASE(test_aborted_client_is_quiet, tc),
	};
	char title[96];
	snprintf(title, sizeof title, "faults: %s%s%s", tc->t->name,
		 tc->mode == SERVE_ITERATIVE ? "" : " --mode ",
		 tc->mode == SERVE_ITERATIVE ? "" : serve_mode_name(tc->mode));
	printf("== %s\n", title);
	fflush(stdout);
	return cmocka_run_group_tests_name(title, tests, NULL, NULL);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ &pipe_transport, SERVE_ITERATIVE },
		{ &fifo_transport, SERVE_ITERATIVE },
		{ &unix_stream_transport, SERVE_ITERATIVE },
		{ &unix_dgram_transport, SERVE_ITERATIVE },
		{ &tcp_transport, SERVE_ITERATIVE },
		{ &udp_transport, SERVE_ITERATIVE },
		{ &unix_stream_transport, SERVE_SELECT },
		{ &unix_stream_transport, SERVE_POLL },
		{ &unix_stream_transport, SERVE_EPOLL },
		{ &tcp_transport, SERVE_SELECT },
		{ &tcp_transport, SERVE_POLL },
		{ &tcp_transport, SERVE_EPOLL },
		{ &fifo_transport, SERVE_SELECT },
		{ &fifo_transport, SERVE_POLL },
		{ &fifo_transport, SERVE_EPOLL },
		/* The ring makes the server's accept, receive and send itself:
		 * the faults scripted there fire in the clients only (the
		 * ring's own faults: test_uring). */
		{ &unix_stream_transport, SERVE_URING },
		{ &tcp_transport, SERVE_URING },
	};
	int failed = 0;

	signal(SIGPIPE, SIG_IGN);
	if (getenv("IPCLAB_TEST_FILTER"))
		cmocka_set_test_filter(getenv("IPCLAB_TEST_FILTER"));
	/* Under valgrind, ten times slower: every transport, and one
	 * multiplexed mode of each (they share all but the wait). */
	bool light = getenv("IPCLAB_VALGRIND") != NULL;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if ((!light || cases[i].mode == SERVE_ITERATIVE || cases[i].mode == SERVE_EPOLL) &&
		    uring_mode_runs(cases[i].mode))
			failed += run_case(&cases[i]);
	return failed ? 1 : 0;
}
