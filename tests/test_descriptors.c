/*
 * test_descriptors.c - what a transport does with descriptors and names,
 * seen from the process that holds them:
 *
 * - every descriptor it opens (listen, connect, accept) is close-on-exec,
 *   so that no program ipclab starts inherits a connection;
 * - the ones it hands out (the server's s->fd, a connection's rfd and wfd)
 *   are non-blocking, as ipc.h promises: the driver waits with poll()
 *   (an epoll instance, only ever watched, excepted);
 * - closing a connection gives back every descriptor it opened (and its
 *   rfd and wfd read -1 after), and shutting the server down gives back
 *   the rest;
 * - a client that closes before any server took it removes the names it
 *   made (FIFOs, queues) itself; the server's shutdown removes its own
 *   (socket or FIFO, lock file, queue), so the runtime directory is empty.
 *
 * Server and client live in the test's own process here (no fork): each
 * call's descriptors are the ones that appear across it.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "mqueue/mqueue.h"

#define ENV struct test_env *env = *state
#define MAX_FD 1024

extern const struct ipc_transport pipe_transport, fifo_transport, unix_stream_transport,
	unix_dgram_transport, tcp_transport, udp_transport, socketpair_transport,
	mqueue_transport, shm_transport;
extern const struct ipc_transport zmq_ipc_transport;

struct fds {
	bool open[MAX_FD];
};

static void snap(struct fds *f)
{
	for (int fd = 0; fd < MAX_FD; fd++)
		f->open[fd] = fcntl(fd, F_GETFD) != -1;
}

static void describe_fd(int fd, char *out, size_t cap)
{
	char link[64];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, out, cap - 1);
	out[n > 0 ? n : 0] = '\0';
}

/* Every descriptor open now and not in `before` is close-on-exec; returns
 * how many there are. */
static int new_fds_cloexec(const char *t, const char *step, const struct fds *before)
{
	int n = 0;
	for (int fd = 0; fd < MAX_FD; fd++) {
		int flags = fcntl(fd, F_GETFD);
		if (flags == -1 || before->open[fd])
			continue;
		n++;
		if (!(flags & FD_CLOEXEC)) {
			char what[256];
			describe_fd(fd, what, sizeof what);
			fail_msg("%s: %s opened fd %d (%s) without close-on-exec", t, step, fd, what);
		}
	}
	return n;
}

/* Every descriptor open in `then` is open now, and no other (ZeroMQ's
 * I/O thread closes its side of a connection a moment later: up to two
 * seconds are allowed for that). */
static void same_fds(const char *t, const char *step, const struct fds *then)
{
	long long until = io_now_ms() + test_scale_ms(2000);
	for (;;) {
		int extra = -1, missing = -1;
		for (int fd = 0; fd < MAX_FD; fd++) {
			bool open = fcntl(fd, F_GETFD) != -1;
			if (open && !then->open[fd] && extra < 0)
				extra = fd;
			if (!open && then->open[fd] && missing < 0)
				missing = fd;
		}
		if (missing >= 0)
			fail_msg("%s: %s closed fd %d, which it did not open", t, step, missing);
		if (extra < 0)
			return;
		if (io_now_ms() > until) {
			char what[256];
			describe_fd(extra, what, sizeof what);
			fail_msg("%s: after %s, fd %d (%s) is still open", t, step, extra, what);
		}
		io_wait(-1, 0, -1, 10);
	}
}

/* A closed connection's descriptors read -1, so that a caller that looks
 * at them again (poll, close) never touches a descriptor reused since,
 * or its standard input. */
static void closed(const char *t, const char *which, const struct ipc_conn *c)
{
	if (c->rfd != -1 || c->wfd != -1)
		fail_msg("%s: %s closed, its rfd reads %d and its wfd %d, not -1", t, which, c->rfd,
			 c->wfd);
}

/* A descriptor handed out is non-blocking, unless it is an epoll instance
 * (shm's listener, mqueue's and ZeroMQ's readiness), which is only ever
 * watched, never read or written. */
static void nonblocking(const char *t, const char *which, int fd)
{
	char what[256];
	int fl = fcntl(fd, F_GETFL);
	if (fl == -1)
		fail_msg("%s: %s (fd %d) is not open: %s", t, which, fd, strerror(errno));
	describe_fd(fd, what, sizeof what);
	if (!(fl & O_NONBLOCK) && strcmp(what, "anon_inode:[eventpoll]") != 0)
		fail_msg("%s: %s (fd %d, %s) is blocking", t, which, fd, what);
}

/* TCP: Nagle's algorithm off on a connection's socket, both sides (the
 * greeting is one small segment a round trip). */
static void nodelay(const char *which, int fd)
{
	int on = 0;
	socklen_t len = sizeof on;
	assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len), 0);
	if (!on)
		fail_msg("tcp: %s (fd %d) has Nagle's algorithm on (no TCP_NODELAY)", which, fd);
}

/* Accept the client that connected (the hand-over may still be on its way). */
static void accept_one(struct test_env *env, struct ipc_server *s, struct ipc_conn *sc)
{
	const struct ipc_transport *t = env->t;
	struct ipc_error e = { 0 };
	long long deadline = io_now_ms() + test_scale_ms(3000);
	for (;;) {
		int r = t->accept(s, sc, &e);
		if (r == 0)
			return;
		if (r != IPC_WOULD_BLOCK)
			fail_msg("%s: accept: %s", t->name, e.msg);
		if (io_now_ms() > deadline)
			fail_msg("%s: accept: no client after 3 s", t->name);
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		poll(&p, 1, 50);
	}
}

static void test_descriptors_flags_and_given_back(void **state)
{
	ENV;
	const struct ipc_transport *t = env->t;
	struct ipc_server s;
	struct ipc_conn c, sc;
	struct ipc_error e = { 0 };
	struct fds base, listening, connected;

	snap(&base);
	ipc_server_init(&s, t, &env->ctx);
	if (t->listen(&s, NULL, &e) < 0)
		fail_msg("%s: listen: %s", t->name, e.msg);
	assert_true(new_fds_cloexec(t->name, "listen", &base) > 0);
	nonblocking(t->name, "the server's fd", s.fd);
	if (!t->servable) {
		/* The pipe and the pair: the parent drops the server's ends
		 * (the forked child's) and keeps the client's to connect. */
		t->shutdown(&s, false);
	}
	snap(&listening);

	ipc_conn_init(&c, t, &env->ctx);
	if (t->connect(&c, &s.addr, &e) < 0)
		fail_msg("%s: connect: %s", t->name, e.msg);
	new_fds_cloexec(t->name, "connect", &listening);
	nonblocking(t->name, "the client's rfd", c.rfd);
	nonblocking(t->name, "the client's wfd", c.wfd);
	snap(&connected);

	if (!t->servable) {
		t->close(&c);
		closed(t->name, "the client", &c);
		same_fds(t->name, "the client's close", &base);
		return;
	}
	/* Two clients in turn: ZeroMQ's server starts its ROUTER (its own
	 * descriptors, kept to the end) at the first accept; from the second
	 * on, a connection closed gives back what it took. */
	for (int round = 0; round < 2; round++) {
		if (round == 1) {
			snap(&listening);
			ipc_conn_init(&c, t, &env->ctx);
			if (t->connect(&c, &s.addr, &e) < 0)
				fail_msg("%s: connect: %s", t->name, e.msg);
			new_fds_cloexec(t->name, "connect", &listening);
			snap(&connected);
		}
		accept_one(env, &s, &sc);
		new_fds_cloexec(t->name, "accept", &connected);
		nonblocking(t->name, "the server connection's rfd", sc.rfd);
		nonblocking(t->name, "the server connection's wfd", sc.wfd);
		if (t == &tcp_transport) {
			nodelay("the client's socket", c.wfd);
			nodelay("the server connection's socket", sc.wfd);
		}
		t->close(&sc);
		closed(t->name, "the server connection", &sc);
		if (round == 1)
			same_fds(t->name, "the server connection's close", &connected);
		t->close(&c);
		closed(t->name, "the client", &c);
		if (round == 1)
			same_fds(t->name, "the client's close", &listening);
	}
	t->shutdown(&s, true);
	same_fds(t->name, "shutdown", &base);
}

/* TCP: a server restarted on its port at once gets it, though its last
 * connection, which it closed first, waits out TIME_WAIT on that port. */
static void test_tcp_port_back_at_once(void **state)
{
	ENV;
	const struct ipc_transport *t = &tcp_transport;
	struct ipc_server s;
	struct ipc_conn c, sc;
	struct ipc_error e = { 0 };
	char address[IPC_ADDR_MAX];

	ipc_server_init(&s, t, &env->ctx);
	if (t->listen(&s, "127.0.0.1:0", &e) < 0)
		fail_msg("tcp: listen: %s", e.msg);
	snprintf(address, sizeof address, "%s", s.addr.text);
	ipc_conn_init(&c, t, &env->ctx);
	if (t->connect(&c, &s.addr, &e) < 0)
		fail_msg("tcp: connect: %s", e.msg);
	env->t = t;
	accept_one(env, &s, &sc);
	t->close(&sc); /* the server's side closes first: its end waits in TIME_WAIT */
	struct pollfd p = { .fd = c.rfd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, test_scale_ms(3000)), 1); /* the client sees the FIN */
	t->close(&c);
	t->shutdown(&s, true);

	ipc_server_init(&s, t, &env->ctx);
	if (t->listen(&s, address, &e) < 0)
		fail_msg("tcp: a server restarted on %s at once: %s", address, e.msg);
	assert_string_equal(s.addr.text, address);
	t->shutdown(&s, true);
}

/* ---- names ---------------------------------------------------------- */

static bool queue_exists(const char *name)
{
	mqd_t q = mq_open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (q == (mqd_t)-1) {
		if (errno != ENOENT)
			fail_msg("mq_open %s: %s", name, strerror(errno));
		return false;
	}
	mq_close(q);
	return true;
}

/* A client accepted and closed, on both sides, leaves nothing; one that
 * connects and leaves before the server takes it removes what it made
 * itself; the server's shutdown leaves an empty directory and no queue. */
static void test_names_removed_by_their_maker(void **state)
{
	ENV;
	const struct ipc_transport *t = env->t;
	struct ipc_server s;
	struct ipc_conn c, sc;
	struct ipc_error e = { 0 };
	char queues[2][NAME_MAX + 2] = { "", "" };

	ipc_server_init(&s, t, &env->ctx);
	if (t->listen(&s, NULL, &e) < 0)
		fail_msg("%s: listen: %s", t->name, e.msg);
	int listening = test_count_entries(env->dir);
	if (t->addressing == IPC_ADDR_MQ_NAME)
		assert_true(queue_exists(s.addr.text));

	/* Connected, accepted, both sides closed. */
	ipc_conn_init(&c, t, &env->ctx);
	if (t->connect(&c, &s.addr, &e) < 0)
		fail_msg("%s: connect: %s", t->name, e.msg);
	if (t == &mqueue_transport) {
		const struct mq_conn *m = c.priv;
		memcpy(queues, m->own, sizeof queues);
	}
	accept_one(env, &s, &sc);
	t->close(&sc);
	t->close(&c);
	assert_int_equal(test_count_entries(env->dir), listening);
	if (t == &mqueue_transport)
		for (int i = 0; i < 2; i++)
			if (queue_exists(queues[i]))
				fail_msg("mqueue: the client's queue %s outlived both closes", queues[i]);

	/* Then one connected, never accepted, closed: only the client can
	 * have removed what it made. */
	ipc_conn_init(&c, t, &env->ctx);
	if (t->connect(&c, &s.addr, &e) < 0)
		fail_msg("%s: connect: %s", t->name, e.msg);
	if (t == &mqueue_transport) {
		const struct mq_conn *m = c.priv;
		memcpy(queues, m->own, sizeof queues);
		assert_true(queue_exists(queues[0]) && queue_exists(queues[1]));
	}
	t->close(&c);
	assert_int_equal(test_count_entries(env->dir), listening);
	if (t == &mqueue_transport)
		for (int i = 0; i < 2; i++)
			if (queue_exists(queues[i]))
				fail_msg("mqueue: the client's queue %s outlived its close()", queues[i]);

	char server_name[IPC_ADDR_MAX];
	snprintf(server_name, sizeof server_name, "%s", s.addr.text);
	t->shutdown(&s, true);
	if (test_count_entries(env->dir) != 0)
		fail_msg("%s: shutdown left %d names in the runtime directory", t->name,
			 test_count_entries(env->dir));
	if (t->addressing == IPC_ADDR_MQ_NAME && queue_exists(server_name))
		fail_msg("mqueue: the server's queue %s outlived its shutdown", server_name);
}

#define CASE(test, t) \
	cmocka_unit_test_prestate_setup_teardown(test, test_env_setup_transport, \
						 test_env_teardown, (void *)(t))

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_descriptors_flags_and_given_back, &pipe_transport),
		CASE(test_descriptors_flags_and_given_back, &fifo_transport),
		CASE(test_descriptors_flags_and_given_back, &unix_stream_transport),
		CASE(test_descriptors_flags_and_given_back, &unix_dgram_transport),
		CASE(test_descriptors_flags_and_given_back, &tcp_transport),
		CASE(test_descriptors_flags_and_given_back, &udp_transport),
		CASE(test_descriptors_flags_and_given_back, &socketpair_transport),
		CASE(test_descriptors_flags_and_given_back, &mqueue_transport),
		CASE(test_descriptors_flags_and_given_back, &shm_transport),
		CASE(test_descriptors_flags_and_given_back, &zmq_ipc_transport),
		CASE(test_tcp_port_back_at_once, &tcp_transport),
		CASE(test_names_removed_by_their_maker, &fifo_transport),
		CASE(test_names_removed_by_their_maker, &unix_stream_transport),
		CASE(test_names_removed_by_their_maker, &unix_dgram_transport),
		CASE(test_names_removed_by_their_maker, &mqueue_transport),
		CASE(test_names_removed_by_their_maker, &shm_transport),
		CASE(test_names_removed_by_their_maker, &zmq_ipc_transport),
	};
	if (getenv("IPCLAB_TEST_FILTER"))
		cmocka_set_test_filter(getenv("IPCLAB_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
