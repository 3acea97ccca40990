/*
 * test_replies.c - the queue of replies the multiplexed servers keep per
 * client (src/replies.c), driven the way their loops drive it: requests
 * fed to a session while a reply fits, replies queued, what waits handed
 * to something that takes only part of it at a time.  Seen from outside:
 * the bytes that come out, their order, and where the waiting bytes sit.
 */
#include "support.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io.h"
#include "replies.h"

/* Request i: a name of `len` bytes that says its number first, so that a
 * reply out of order or cut shows. */
static size_t request(char *out, size_t cap, int i, size_t len)
{
	int n = snprintf(out, cap, "%05d", i);
	assert_true(n > 0 && (size_t)n <= len && len + 1 < cap);
	memset(out + n, 'a' + i % 26, len - (size_t)n);
	out[len] = '\n';
	return len + 1;
}

struct stream {
	char *bytes;
	size_t len, cap;
};

static void append(struct stream *s, const char *p, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		s->bytes = realloc(s->bytes, s->cap);
		assert_non_null(s->bytes);
	}
	memcpy(s->bytes + s->len, p, n);
	s->len += n;
	s->bytes[s->len] = '\0';
}

/* Requests 0..n-1 of `len` bytes into `in`, their replies into `want`,
 * in order. */
static void requests(struct stream *in, struct stream *want, int n, size_t len)
{
	char req[GREET_REPLY_MAX + 8], rep[GREET_REPLY_MAX + 8];
	for (int i = 0; i < n; i++) {
		size_t r = request(req, sizeof req, i, len);
		append(in, req, r);
		append(want, rep, greet_reply(req, r - 1, rep, sizeof rep));
	}
}

/* Feed the session from `in` while one more reply fits, as the servers
 * read a client only then; returns how far `in` was taken. */
static size_t feed(struct greet_session *s, struct reply_queue *q, const char *in, size_t n,
		   size_t at)
{
	while (at < n && reply_queue_has_room(q)) {
		size_t room;
		char *space = greet_session_space(s, &room);
		size_t k = n - at < room ? n - at : room;
		memcpy(space, in + at, k);
		greet_session_received(s, k);
		at += k;
		reply_queue_answer(q, s, false);
	}
	return at;
}

/* Replies of 208 bytes handed to a sender that takes at most 100 bytes a
 * call, 300 requests sent at once (far more than the queue holds): every
 * reply comes out whole and in order, and the queue never holds more than
 * its capacity. */
static void test_reply_larger_than_one_send(void **state)
{
	(void)state;
	enum { N = 300, LEN = 200, TAKES = 100 };
	static struct greet_session s;
	static struct reply_queue q;
	struct stream in = { 0 }, out = { 0 }, want = { 0 };
	requests(&in, &want, N, LEN);
	assert_true(want.len > 4 * sizeof q.buf);

	greet_session_init(&s);
	memset(&q, 0, sizeof q);
	size_t at = 0;
	unsigned sends = 0;
	while (at < in.len || reply_queue_waiting(&q)) {
		at = feed(&s, &q, in.bytes, in.len, at);
		reply_queue_answer(&q, &s, false);
		assert_true(q.start <= q.end && q.end <= sizeof q.buf);
		size_t k = reply_queue_waiting(&q) < TAKES ? reply_queue_waiting(&q) : TAKES;
		assert_true(k > 0); /* progress: something waits whenever input is left */
		append(&out, q.buf + q.start, k);
		q.start += k;
		sends++;
	}
	assert_int_equal(out.len, want.len);
	assert_memory_equal(out.bytes, want.bytes, want.len);
	assert_true(sends >= want.len / TAKES);
	free(in.bytes);
	free(out.bytes);
	free(want.bytes);
}

/* While a send is in flight (pinned), what waits stays where it is and new
 * replies go after it; once free, it slides to the front and the room the
 * sends freed is used again. */
static void test_pinned_then_slid(void **state)
{
	(void)state;
	static struct greet_session s;
	static struct reply_queue q;
	char req[64];
	greet_session_init(&s);
	memset(&q, 0, sizeof q);

	size_t room;
	char *space = greet_session_space(&s, &room);
	size_t n = request(req, sizeof req, 1, 10);
	memcpy(space, req, n);
	greet_session_received(&s, n);
	assert_int_equal(reply_queue_answer(&q, &s, false), strlen("Hello, 00001bbbbb\n"));
	assert_memory_equal(q.buf, "Hello, 00001bbbbb\n", q.end);
	assert_int_equal(q.start, 0);
	q.start = 7; /* "Hello, " sent, the rest in flight */
	const char *in_flight = q.buf + q.start;
	char before[64];
	memcpy(before, in_flight, q.end - q.start);
	size_t waited = q.end - q.start;

	space = greet_session_space(&s, &room);
	n = request(req, sizeof req, 2, 10);
	memcpy(space, req, n);
	greet_session_received(&s, n);
	size_t added = reply_queue_answer(&q, &s, true);
	assert_int_equal(added, strlen("Hello, 00002ccccc\n"));
	assert_int_equal(q.start, 7);
	assert_ptr_equal(q.buf + q.start, in_flight);
	assert_memory_equal(in_flight, before, waited);
	assert_memory_equal(q.buf + q.start + waited, "Hello, 00002ccccc\n", added);

	/* Free again: slid to the front, nothing lost, nothing to answer. */
	assert_int_equal(reply_queue_answer(&q, &s, false), 0);
	assert_int_equal(q.start, 0);
	assert_int_equal(q.end, waited + added);
	assert_memory_equal(q.buf, "00001bbbbb\nHello, 00002ccccc\n", q.end);
}

/* A real socket with small buffers and a reader that takes 64 bytes a
 * turn: the socket takes less than the queue holds (short writes and
 * "would block" are seen), and still every reply reaches the slow reader,
 * whole and in order. */
static void test_slow_reader_gets_every_reply(void **state)
{
	(void)state;
	enum { N = 2000, LEN = 100, READS = 64 };
	static struct greet_session s;
	static struct reply_queue q;
	struct stream in = { 0 }, got = { 0 }, want = { 0 };
	char buf[READS];
	requests(&in, &want, N, LEN);

	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	int size = 4096;
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size), 0);
	assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &size, sizeof size), 0);
	assert_int_equal(io_set_nonblocking(sv[0], true), 0);
	assert_int_equal(io_set_nonblocking(sv[1], true), 0);

	greet_session_init(&s);
	memset(&q, 0, sizeof q);
	size_t at = 0;
	unsigned held_back = 0;
	while (got.len < want.len) {
		at = feed(&s, &q, in.bytes, in.len, at);
		reply_queue_answer(&q, &s, false);
		if (reply_queue_waiting(&q)) {
			struct ipc_error e = { 0 };
			ssize_t w = io_send(sv[0], q.buf + q.start, reply_queue_waiting(&q), "test", &e);
			if (w < 0 && w != IPC_WOULD_BLOCK)
				fail_msg("send: %s", e.msg);
			if (w == IPC_WOULD_BLOCK || (size_t)w < reply_queue_waiting(&q))
				held_back++;
			if (w > 0)
				q.start += (size_t)w;
		}
		ssize_t r = read(sv[1], buf, sizeof buf);
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			fail_msg("read: %s", strerror(errno));
		if (r == 0)
			fail_msg("end of stream after %zu bytes of %zu", got.len, want.len);
		if (r > 0)
			append(&got, buf, (size_t)r);
	}
	assert_true(held_back > 0); /* the socket took less than what waited */
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.bytes, want.bytes, want.len);
	assert_int_equal(reply_queue_waiting(&q), 0);
	close(sv[0]);
	close(sv[1]);
	free(in.bytes);
	free(got.bytes);
	free(want.bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_larger_than_one_send),
		cmocka_unit_test(test_pinned_then_slid),
		cmocka_unit_test(test_slow_reader_gets_every_reply),
	};
	return cmocka_run_group_tests_name("replies", tests, NULL, NULL);
}
