/*
 * test_framing.c - bytes and messages as the peer sees them:
 *
 * - a stream transport delivers every byte once, in order, however the two
 *   sides slice their writes and their reads: a quarter of a megabyte of
 *   requests (more than a ring, a pipe's or a queue's buffer) written in
 *   pieces of 1 byte to 200 kB, read back in pieces of 1 byte to 70 kB,
 *   compared byte for byte with the replies the protocol promises; a
 *   little more than one shm ring in each direction, so that the ring wraps;
 * - a datagram transport keeps each reply one message: a receive into a
 *   buffer too small says the datagram's real length (truncation seen, never
 *   a silent cut) and the next receive starts at the next reply; a reply
 *   comes from the server only, never from a stranger who writes to the
 *   client's address; Unix datagram replies to many requests sent at once
 *   all come, each once, in order;
 * - TCP and UDP reach the port that was asked for, in network byte order
 *   (a plain socket of the test's own connects to it).
 */
#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "conn.h"
#include "io.h"
#include "protocol.h"

#define ENV struct test_env *env = *state

extern const struct ipc_transport pipe_transport, fifo_transport, unix_stream_transport,
	unix_dgram_transport, tcp_transport, udp_transport, socketpair_transport,
	mqueue_transport, shm_transport;
extern const struct ipc_transport zmq_ipc_transport;

/* A small, fixed pseudo-random sequence: the same slices every run. */
static unsigned long long rng_state;
static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

/* Requests of every length from 1 to 255 bytes (ASCII, two- and four-byte
 * UTF-8 characters), some ended by "\r\n", a few empty; `want` gets the
 * replies the protocol promises.  Fills at least `min` bytes of requests. */
static void make_requests(char **req, size_t *req_len, char **want, size_t *want_len, size_t min)
{
	size_t rcap = min + 600, wcap = 2 * min + 1200;
	char *r = malloc(rcap), *w = malloc(wcap);
	size_t rl = 0, wl = 0;
	assert_non_null(r);
	assert_non_null(w);
	for (unsigned i = 0; rl < min; i++) {
		char name[GREET_NAME_MAX + 1];
		size_t len = 0, target = 1 + (i * 37) % GREET_NAME_MAX;
		if (i % 97 == 5)
			target = 0; /* an empty line: ERR */
		while (len < target) {
			unsigned k = rnd(20);
			if (k == 0 && len + 2 <= target) {
				memcpy(name + len, "\xc3\xa9", 2); /* é */
				len += 2;
			} else if (k == 1 && len + 4 <= target) {
				memcpy(name + len, "\xf0\x9f\x98\x80", 4);
				len += 4;
			} else {
				name[len++] = (char)('!' + rnd(94)); /* printable ASCII */
			}
		}
		memcpy(r + rl, name, len);
		rl += len;
		if (i % 3 == 1)
			r[rl++] = '\r';
		r[rl++] = '\n';
		if (len == 0) {
			memcpy(w + wl, "ERR empty name\n", 15);
			wl += 15;
		} else {
			memcpy(w + wl, "Hello, ", 7);
			memcpy(w + wl + 7, name, len);
			w[wl + 7 + len] = '\n';
			wl += 8 + len;
		}
		assert_true(rl + 300 < rcap && wl + 300 < wcap);
	}
	*req = r;
	*req_len = rl;
	*want = w;
	*want_len = wl;
}

/* Write all of req in random slices and read the replies in random
 * slices, at the same time (neither side may wait for the other to
 * finish), checking each piece against want where it lands. */
static void stream_slices(struct test_env *env, size_t volume, unsigned long long seed)
{
	const struct ipc_transport *t = env->t;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	static const size_t wsizes[] = { 1, 2, 7, 47, 48, 49, 255, 256, 4095, 4096, 4097, 65536, 200000 };
	static const size_t rsizes[] = { 1, 3, 13, 47, 48, 49, 64, 263, 4095, 4096, 4097, 70000 };
	static char piece[70000];
	char *req, *want;
	size_t req_len, want_len, sent = 0, got = 0;

	rng_state = seed;
	make_requests(&req, &req_len, &want, &want_len, volume);
	test_server_start(env, t, NULL, -1, &s, &child);
	test_connect(env, t, &s, &c);
	long long deadline = io_now_ms() + test_scale_ms(20000);
	while (got < want_len) {
		bool moved = false;
		if (sent < req_len) {
			size_t n = wsizes[rnd(sizeof wsizes / sizeof wsizes[0])];
			if (n > req_len - sent)
				n = req_len - sent;
			ssize_t w = t->send(&c, req + sent, n, &e);
			if (w < 0 && w != IPC_WOULD_BLOCK)
				fail_msg("%s: send at byte %zu of %zu: %s", t->name, sent, req_len, e.msg);
			if (w > 0) {
				assert_true((size_t)w <= n);
				sent += (size_t)w;
				moved = true;
			}
		}
		size_t cap = rsizes[rnd(sizeof rsizes / sizeof rsizes[0])];
		ssize_t r = t->recv(&c, piece, cap, &e);
		if (r == 0)
			fail_msg("%s: end of stream after %zu of %zu reply bytes", t->name, got,
				 want_len);
		if (r < 0 && r != IPC_WOULD_BLOCK)
			fail_msg("%s: recv at byte %zu of %zu: %s", t->name, got, want_len, e.msg);
		if (r > 0) {
			if ((size_t)r > cap || got + (size_t)r > want_len)
				fail_msg("%s: recv of %zu gave %zd bytes at %zu of %zu", t->name, cap,
					 r, got, want_len);
			if (memcmp(piece, want + got, (size_t)r) != 0) {
				size_t at = 0;
				while (piece[at] == want[got + at])
					at++;
				fail_msg("%s: reply byte %zu is 0x%02x, expected 0x%02x (a piece of %zd "
					 "bytes read with room for %zu)", t->name, got + at,
					 (unsigned char)piece[at], (unsigned char)want[got + at], r, cap);
			}
			got += (size_t)r;
			moved = true;
		}
		if (moved)
			continue;
		if (io_now_ms() > deadline)
			fail_msg("%s: stalled: %zu of %zu request bytes sent, %zu of %zu reply bytes "
				 "read", t->name, sent, req_len, got, want_len);
		/* Nothing moved: wait for either side (briefly: ZeroMQ's
		 * descriptor only signals edges, and a look costs nothing). */
		struct pollfd p[2] = { { .fd = c.rfd, .events = POLLIN },
				       { .fd = c.wfd, .events = POLLOUT } };
		int np = sent < req_len ? 2 : 1;
		if (poll(p, (nfds_t)np, t->opaque_fds ? 10 : 200) < 0 && errno != EINTR)
			fail_msg("poll: %s", strerror(errno));
	}
	/* Nothing after the last reply. */
	ssize_t r = t->recv(&c, piece, sizeof piece, &e);
	assert_true(r == IPC_WOULD_BLOCK);
	t->close(&c);
	test_server_stop(&child);
	free(req);
	free(want);
}

static void test_stream_any_slices(void **state)
{
	ENV;
	test_deadline(60, "moves a quarter of a megabyte each way in small pieces under ASan");
	stream_slices(env, 256 * 1024, 0x9e3779b97f4a7c15ULL);
}

/* shm's ring is 1 MiB a direction: a little more than that, so that both
 * rings wrap around their end at least once. */
static void test_shm_ring_wraps(void **state)
{
	ENV;
	test_deadline(90, "moves 1.2 MB each way in small pieces under ASan");
	stream_slices(env, (1u << 20) + (1u << 18), 0x2545f4914f6cdd1dULL);
}

/* Spinning instead of sleeping (--wait spin): the same bytes, by the
 * other path of the waits. */
static void test_shm_spin_any_slices(void **state)
{
	ENV;
	test_deadline(60, "moves a quarter of a megabyte each way in small pieces under ASan, "
		      "both sides spinning on two CPUs");
	env->ctx.wait = IPC_WAIT_SPIN;
	stream_slices(env, 256 * 1024, 0x853c49e6748fea9bULL);
}

/* ---- datagrams ----------------------------------------------------- */

static void send_datagram(struct ipc_conn *c, const void *buf, size_t len)
{
	struct ipc_error e = { 0 };
	if (conn_send_all(c, buf, len, -1, 5000, &e) < 0)
		fail_msg("send %zu bytes: %s", len, e.msg);
}

/* One datagram into `cap` bytes: its real length. */
static ssize_t recv_datagram(struct ipc_conn *c, char *buf, size_t cap)
{
	struct ipc_error e = { 0 };
	for (;;) {
		if (io_wait(c->rfd, POLLIN, -1, test_scale_ms(5000)) != IO_READY)
			fail_msg("%s: no datagram", c->t->name);
		ssize_t n = c->t->recv(c, buf, cap, &e);
		if (n == IPC_WOULD_BLOCK)
			continue;
		if (n < 0)
			fail_msg("%s: recv: %s", c->t->name, e.msg);
		return n;
	}
}

/* Three requests sent before any reply is read; the first reply read into
 * 3 bytes says 13 (its real length) and gives "Hel"; the second, read
 * whole, is exactly the second reply, and the third read into exactly its
 * length is whole and not called truncated. */
static void test_datagram_truncation_seen(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	char buf[600];

	test_server_start(env, env->t, NULL, -1, &s, &child);
	test_connect(env, env->t, &s, &c);
	send_datagram(&c, "Alice", 5);
	send_datagram(&c, "Bob", 3);
	send_datagram(&c, "Carol", 5);
	memset(buf, 0, sizeof buf);
	assert_int_equal(recv_datagram(&c, buf, 3), 13);
	assert_memory_equal(buf, "Hel", 3);
	assert_int_equal(buf[3], 0); /* nothing written past the room given */
	ssize_t n = recv_datagram(&c, buf, sizeof buf);
	assert_int_equal(n, 11);
	assert_memory_equal(buf, "Hello, Bob\n", 11);
	n = recv_datagram(&c, buf, 13);
	assert_int_equal(n, 13);
	assert_memory_equal(buf, "Hello, Carol\n", 13);
	env->t->close(&c);
	test_server_stop(&child);
}

/* Unix datagrams are reliable: 300 requests sent before any reply is
 * read (the client's receive queue holds a few; the server keeps the rest
 * waiting for room) are all answered, each once, in the order asked. */
static void test_unix_dgram_every_reply_in_order(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	char buf[600], want[64];

	test_deadline(30, "300 round trips through a full queue under ASan");
	test_server_start(env, &unix_dgram_transport, NULL, -1, &s, &child);
	test_connect(env, &unix_dgram_transport, &s, &c);
	int sent = 0, got = 0;
	struct ipc_error e = { 0 };
	while (got < 300) {
		if (sent < 300) {
			char name[16];
			int len = snprintf(name, sizeof name, "n%d", sent);
			ssize_t n = c.t->send(&c, name, (size_t)len, &e);
			if (n == len)
				sent++;
			else if (n != IPC_WOULD_BLOCK)
				fail_msg("send %s: %s", name, e.msg);
			if (sent < 300 && n != IPC_WOULD_BLOCK)
				continue;
		}
		ssize_t n = c.t->recv(&c, buf, sizeof buf - 1, &e);
		if (n == IPC_WOULD_BLOCK) {
			struct pollfd p[2] = { { .fd = c.rfd, .events = POLLIN },
					       { .fd = c.wfd, .events = POLLOUT } };
			if (poll(p, sent < 300 ? 2 : 1, test_scale_ms(5000)) == 0)
				fail_msg("unix_dgram: %d replies of %d requests, then nothing", got,
					 sent);
			continue;
		}
		if (n < 0)
			fail_msg("recv: %s", e.msg);
		buf[n] = '\0';
		snprintf(want, sizeof want, "Hello, n%d\n", got);
		if (strcmp(buf, want) != 0)
			fail_msg("unix_dgram: reply %d is \"%s\", expected \"%s\"", got, buf, want);
		got++;
	}
	assert_true(c.t->recv(&c, buf, sizeof buf, &e) == IPC_WOULD_BLOCK);
	c.t->close(&c);
	test_server_stop(&child);
}

/* A stranger's datagram to the client's own address, an ERR that looks
 * like a reply, sent before the request: the client takes its reply from
 * its server only (the kernel drops the stranger's, or refuses it). */
static void test_datagram_reply_only_from_server(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	struct sockaddr_storage me;
	socklen_t me_len = sizeof me;
	char reply[GREET_REPLY_MAX + 1];
	size_t n = 0;

	test_server_start(env, env->t, NULL, -1, &s, &child);
	test_connect(env, env->t, &s, &c);
	assert_int_equal(getsockname(c.rfd, (struct sockaddr *)&me, &me_len), 0);
	int fd = socket(me.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	for (int i = 0; i < 3; i++) /* refused (EPERM) by a connected Unix socket: fine */
		(void)sendto(fd, "ERR forged\n", 11, MSG_DONTWAIT | MSG_NOSIGNAL,
			     (struct sockaddr *)&me, me_len);
	close(fd);
	int st = conn_greet(&c, "Frank", 5, reply, sizeof reply - 1, &n, &e);
	if (st < 0)
		fail_msg("%s: greet: %s", env->t->name, e.msg);
	reply[n] = '\0';
	assert_string_equal(reply, "Hello, Frank\n");
	assert_int_equal(st, IPC_OK);
	env->t->close(&c);
	test_server_stop(&child);
}

/* ---- ports ---------------------------------------------------------- */

/* A port nobody uses now (bound and let go: a race only with other
 * programs taking ports at random, which the listen below would report). */
static unsigned free_port(int type)
{
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sin;
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

/* The server listens on the port it was given, as the kernel numbers it;
 * its address says that port; a socket of our own, which knows nothing of
 * ipclab, gets the greeting there. */
static void test_inet_port_on_the_wire(void **state)
{
	ENV;
	const struct ipc_transport *t = env->t;
	int type = t->kind == IPC_STREAM ? SOCK_STREAM : SOCK_DGRAM;
	struct ipc_server s;
	struct server_child child;
	char address[64], want[64], buf[64];
	unsigned port = 0;

	/* A port whose two bytes differ, so that a swap shows. */
	for (int i = 0; i < 20 && (port >> 8) == (port & 0xff); i++)
		port = free_port(type);
	snprintf(address, sizeof address, "127.0.0.1:%u", port);
	test_server_start(env, t, address, -1, &s, &child);
	snprintf(want, sizeof want, "127.0.0.1:%u", port);
	assert_string_equal(s.addr.text, want);

	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct timeval tv = { .tv_sec = 5 };
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0)
		fail_msg("%s: connect to port %u: %s", t->name, port, strerror(errno));
	assert_int_equal(send(fd, "Eve\n", type == SOCK_STREAM ? 4 : 3, MSG_NOSIGNAL),
			 type == SOCK_STREAM ? 4 : 3);
	size_t got = 0;
	while (got < 11) {
		ssize_t n = recv(fd, buf + got, sizeof buf - got, 0);
		if (n <= 0)
			fail_msg("%s: no reply on port %u (%s)", t->name, port,
				 n == 0 ? "end of stream" : strerror(errno));
		got += (size_t)n;
	}
	assert_int_equal(got, 11);
	assert_memory_equal(buf, "Hello, Eve\n", 11);
	close(fd);
	test_server_stop(&child);
}

#define CASE(test, t) \
	cmocka_unit_test_prestate_setup_teardown(test, test_env_setup_case, test_env_teardown, \
						 (void *)(t))

int main(void)
{
	static const struct test_case streams[] = {
		{ &pipe_transport, SERVE_ITERATIVE },
		{ &fifo_transport, SERVE_ITERATIVE },
		{ &unix_stream_transport, SERVE_ITERATIVE },
		{ &tcp_transport, SERVE_ITERATIVE },
		{ &socketpair_transport, SERVE_ITERATIVE },
		{ &mqueue_transport, SERVE_ITERATIVE },
		{ &shm_transport, SERVE_ITERATIVE },
		{ &mqueue_transport, SERVE_EPOLL },
		{ &shm_transport, SERVE_POLL },
		{ &fifo_transport, SERVE_SELECT },
		{ &zmq_ipc_transport, SERVE_ITERATIVE },
		{ &zmq_ipc_transport, SERVE_EPOLL },
	};
	static const struct test_case shm_block = { &shm_transport, SERVE_ITERATIVE };
	static const struct test_case shm_mux = { &shm_transport, SERVE_EPOLL };
	static const struct test_case dgram[] = {
		{ &unix_dgram_transport, SERVE_ITERATIVE },
		{ &udp_transport, SERVE_ITERATIVE },
	};
	static const struct test_case inet[] = {
		{ &tcp_transport, SERVE_ITERATIVE },
		{ &udp_transport, SERVE_ITERATIVE },
	};
	const struct CMUnitTest tests[] = {
		CASE(test_stream_any_slices, &streams[0]),
		CASE(test_stream_any_slices, &streams[1]),
		CASE(test_stream_any_slices, &streams[2]),
		CASE(test_stream_any_slices, &streams[3]),
		CASE(test_stream_any_slices, &streams[4]),
		CASE(test_stream_any_slices, &streams[5]),
		CASE(test_stream_any_slices, &streams[6]),
		CASE(test_stream_any_slices, &streams[7]),
		CASE(test_stream_any_slices, &streams[8]),
		CASE(test_stream_any_slices, &streams[9]),
		CASE(test_shm_ring_wraps, &shm_block),
		CASE(test_shm_ring_wraps, &shm_mux),
		CASE(test_shm_spin_any_slices, &shm_block),
		CASE(test_datagram_truncation_seen, &dgram[0]),
		CASE(test_datagram_truncation_seen, &dgram[1]),
		CASE(test_unix_dgram_every_reply_in_order, &dgram[0]),
		CASE(test_datagram_reply_only_from_server, &dgram[0]),
		CASE(test_datagram_reply_only_from_server, &dgram[1]),
		CASE(test_inet_port_on_the_wire, &inet[0]),
		CASE(test_inet_port_on_the_wire, &inet[1]),
		/* Last: a ZeroMQ failure leaves libzmq's threads behind, which
		 * the harness's clean-up makes abort the suite. */
		CASE(test_stream_any_slices, &streams[10]),
		CASE(test_stream_any_slices, &streams[11]),
	};
	if (getenv("IPCLAB_TEST_FILTER"))
		cmocka_set_test_filter(getenv("IPCLAB_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
