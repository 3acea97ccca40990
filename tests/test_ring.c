/*
 * test_ring.c - shm's ring used in place (reserve/commit, peek/release,
 * shm/shm_ring.c) and the small message that travels in the producer's
 * line: bytes arrive whole and in order whichever calls write and read
 * them, misuse is refused in words, a client that scribbles on the small
 * copy costs the server nothing, and long runs of round trips (spinning
 * and sleeping, with pauses that put the server to sleep) lose no wake-up.
 */
#include "support.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../shm/shm.h"
#include "conn.h"

#define ENV struct test_env *env = *state

extern const struct ipc_transport shm_transport;

/* Both ends of one connection in this process: the client c, the server's
 * side sc, and the listening server s. */
struct pair {
	struct ipc_server s;
	struct ipc_conn c, sc;
};

static void pair_open(struct test_env *env, struct pair *p)
{
	struct ipc_error e = { 0 };

	ipc_server_init(&p->s, &shm_transport, &env->ctx);
	if (shm_transport.listen(&p->s, NULL, &e) < 0)
		fail_msg("listen: %s", e.msg);
	ipc_conn_init(&p->c, &shm_transport, &env->ctx);
	if (shm_transport.connect(&p->c, &p->s.addr, &e) < 0)
		fail_msg("connect: %s", e.msg);
	ipc_conn_init(&p->sc, &shm_transport, &env->ctx);
	for (int i = 0;; i++) {
		int r = shm_transport.accept(&p->s, &p->sc, &e);
		if (r == 0)
			break;
		if (r != IPC_WOULD_BLOCK || i == 200)
			fail_msg("accept: %s", r == IPC_WOULD_BLOCK ? "no hand-over in 2 s" : e.msg);
		struct pollfd pfd = { .fd = p->s.fd, .events = POLLIN };
		poll(&pfd, 1, 10);
	}
}

static void pair_close(struct pair *p)
{
	shm_transport.close(&p->c);
	shm_transport.close(&p->sc);
	shm_transport.shutdown(&p->s, true);
}

/* The stream's byte at position i: no two nearby positions alike. */
static unsigned char byte_at(uint64_t i)
{
	return (unsigned char)(i * 131 + (i >> 9) * 7 + 1);
}

static void fill(unsigned char *p, uint64_t from, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = byte_at(from + i);
}

static void check(const unsigned char *p, uint64_t from, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != byte_at(from + i))
			fail_msg("byte %llu: 0x%02x where 0x%02x was written",
				 (unsigned long long)(from + i), p[i], byte_at(from + i));
}

/* The writer mixes send() and reserve/commit, small (up to the 48 bytes
 * that travel beside head) and large pieces; the reader mixes recv() and
 * peek/release.  Five times round the ring: every byte arrives, in order. */
static void test_inplace_and_copies_in_order(void **state)
{
	ENV;
	const struct ipc_inplace *ip = shm_transport.inplace;
	const uint64_t total = 5ull * SHM_RING + 12345;
	static unsigned char buf[SHM_RING];
	uint64_t wrote = 0, read = 0;
	unsigned seed = 31;
	struct pair p;
	struct ipc_error e = { 0 };

	test_deadline(60, "five MiB through the ring in small pieces, under ASan");
	assert_non_null(ip);
	assert_int_equal(ip->ring, SHM_RING);
	pair_open(env, &p);
	while (read < total) {
		/* The writer, a burst of 1 to 8 pieces (one at a time: the
		 * reader finds a small one beside head), until the ring is full
		 * or all is written. */
		int burst = 1 + rand_r(&seed) % 8;
		for (int k = 0; k < burst && wrote < total; k++) {
			unsigned r = (unsigned)rand_r(&seed);
			size_t len = r % 4 == 0 ? 1 + r % 200000 : 1 + r % 60;
			if (len > total - wrote)
				len = (size_t)(total - wrote);
			void *at;
			ssize_t n;
			if (r & 8) {
				n = ip->reserve(&p.c, len, &at, &e);
				if (n < 0 && n != IPC_WOULD_BLOCK) { /* it would cross the ring's end */
					assert_int_equal(e.status, IPC_USAGE);
					assert_non_null(strstr(e.msg, "cross the end"));
					len = SHM_RING - (size_t)(wrote % SHM_RING);
					n = ip->reserve(&p.c, len, &at, &e);
				}
				if (n == IPC_WOULD_BLOCK)
					break;
				assert_int_equal(n, (ssize_t)len);
				fill(at, wrote, len);
				assert_int_equal(ip->commit(&p.c, len, &e), 0);
			} else {
				fill(buf, wrote, len);
				n = shm_transport.send(&p.c, buf, len, &e);
				if (n == IPC_WOULD_BLOCK)
					break;
				assert_true(n > 0 && (size_t)n <= len);
				len = (size_t)n;
			}
			wrote += len;
		}
		/* The reader, until the ring is empty. */
		for (;;) {
			unsigned r = (unsigned)rand_r(&seed);
			size_t cap = r % 3 == 0 ? 1 + r % 300000 : 1 + r % 70;
			ssize_t n;
			if (r & 16) {
				const void *at;
				n = ip->peek(&p.sc, cap, &at, &e);
				if (n == IPC_WOULD_BLOCK)
					break;
				assert_true(n > 0 && (size_t)n <= cap);
				check(at, read, (size_t)n);
				size_t give = r & 32 ? (size_t)n : (size_t)n / 2 + 1; /* some, or all */
				assert_int_equal(ip->release(&p.sc, give, &e), 0);
				n = (ssize_t)give;
			} else {
				n = shm_transport.recv(&p.sc, buf, cap, &e);
				if (n == IPC_WOULD_BLOCK)
					break;
				assert_true(n > 0 && (size_t)n <= cap);
				check(buf, read, (size_t)n);
			}
			read += (uint64_t)n;
		}
		assert_true(read <= wrote);
	}
	assert_int_equal(read, total);
	/* The writer closes: the reader's peek says end of stream. */
	shm_transport.close(&p.c);
	const void *at;
	assert_int_equal(ip->peek(&p.sc, 100, &at, &e), 0);
	shm_transport.close(&p.sc);
	shm_transport.shutdown(&p.s, true);
}

/* Misuse of the in-place calls is refused, and says what was wrong. */
static void test_inplace_refusals(void **state)
{
	ENV;
	const struct ipc_inplace *ip = shm_transport.inplace;
	struct pair p;
	struct ipc_error e = { 0 };
	void *at;
	const void *cat;

	pair_open(env, &p);
	assert_int_equal(ip->reserve(&p.c, SHM_RING + 1, &at, &e), -1);
	assert_int_equal(e.status, IPC_USAGE);
	assert_non_null(strstr(e.msg, "cross the end"));
	assert_int_equal(ip->reserve(&p.c, 100, &at, &e), 100);
	assert_int_equal(ip->commit(&p.c, 101, &e), -1);
	assert_int_equal(e.status, IPC_USAGE);
	assert_non_null(strstr(e.msg, "100 were reserved"));
	memset(at, 'x', 100);
	assert_int_equal(ip->reserve(&p.c, 100, &at, &e), 100);
	memset(at, 'y', 100);
	assert_int_equal(ip->commit(&p.c, 60, &e), 0); /* the rest given up */
	/* 100 bytes further on, a piece that would cross the ring's end. */
	assert_int_equal(ip->reserve(&p.c, SHM_RING - 60 + 1, &at, &e), -1);
	assert_non_null(strstr(e.msg, "cross the end"));

	assert_int_equal(ip->peek(&p.sc, 1000, &cat, &e), 60); /* committed only */
	assert_int_equal(ip->release(&p.sc, 61, &e), -1);
	assert_int_equal(e.status, IPC_USAGE);
	assert_non_null(strstr(e.msg, "60 were peeked"));
	assert_memory_equal(cat, "yyyyyyyyyy", 10);
	assert_int_equal(ip->release(&p.sc, 60, &e), 0);
	assert_int_equal(ip->peek(&p.sc, 1000, &cat, &e), IPC_WOULD_BLOCK);
	pair_close(&p);
}

/* A client scribbles on the small copy beside head: a length past the
 * line, or a stamp for another position.  The server reads the ring's
 * bytes instead, answers, and serves the next client. */
static void test_small_copy_hostile(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	char reply[300];

	test_server_start(env, &shm_transport, NULL, -1, &s, &child);
	for (int k = 0; k < 3; k++) {
		test_connect(env, &shm_transport, &s, &c);
		struct shm_conn *m = c.priv;
		struct shm_ring *r = m->out;
		const char *line = "Mallory\n";
		uint64_t head = atomic_load(&r->head);
		memcpy(r->data + (head & (SHM_RING - 1)), line, 8);
		uint64_t stamps[3] = { ((head + 8) << 8) | 200,          /* past the line */
				       ((head + 9) << 8) | 8,            /* another end */
				       ((head + 8) << 8) | 4 };          /* too short */
		atomic_store(&r->stamp, stamps[k]);
		for (int i = 0; i < SHM_SMALL / 8; i++)
			atomic_store(&r->small[i], 0x2121212121212121ull); /* "!!!!!!!!" */
		atomic_store(&r->head, head + 8);
		assert_int_equal(send(m->sock, "!", 1, MSG_NOSIGNAL), 1); /* the data bell */
		struct ipc_error e = { 0 };
		ssize_t n = conn_recv_line(&c, reply, sizeof reply - 1, 3000, &e);
		if (n < 0)
			fail_msg("stamp %d: %s", k, e.msg);
		reply[n] = '\0';
		assert_string_equal(reply, "Hello, Mallory\n");
		shm_transport.close(&c);
	}
	test_connect(env, &shm_transport, &s, &c);
	size_t n = 0;
	struct ipc_error e = { 0 };
	assert_int_equal(conn_greet(&c, "Next", 4, reply, sizeof reply - 1, &n, &e), IPC_OK);
	reply[n] = '\0';
	assert_string_equal(reply, "Hello, Next\n");
	shm_transport.close(&c);
	test_server_stop(&child);
}

/* Round trips with names from 1 to 255 bytes (requests and replies on both
 * sides of the 48 bytes that travel beside head), around the ring several
 * times; now and then the client pauses long enough for a spinning server
 * to go to sleep, and the request must wake it. */
static void round_trips(struct test_env *env, enum ipc_wait server_wait,
			enum ipc_wait client_wait, int trips)
{
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	char name[256], want[300], reply[300];

	env->ctx.wait = server_wait;
	test_server_start(env, &shm_transport, NULL, -1, &s, &child);
	env->ctx.wait = client_wait;
	test_connect(env, &shm_transport, &s, &c);
	for (int i = 0; i < trips; i++) {
		size_t len = 1 + (size_t)(i * 37) % 255;
		for (size_t k = 0; k < len; k++)
			name[k] = (char)('a' + (i + (int)k) % 26);
		name[len] = '\0';
		snprintf(want, sizeof want, "Hello, %s\n", name);
		if (i % 97 == 96) { /* past the spin (about 1 ms): the server sleeps */
			struct timespec ts = { 0, 3 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		size_t n = 0;
		struct ipc_error e = { 0 };
		int st = conn_greet(&c, name, len, reply, sizeof reply - 1, &n, &e);
		if (st != IPC_OK)
			fail_msg("round trip %d (%zu bytes): %s", i, len, st < 0 ? e.msg : "ERR");
		reply[n] = '\0';
		if (strcmp(reply, want))
			fail_msg("round trip %d: '%s' where '%s' was due", i, reply, want);
	}
	shm_transport.close(&c);
	test_server_stop(&child);
}

static void test_round_trips_spin(void **state)
{
	ENV;
	test_deadline(90, "4000 round trips spinning on a busy machine, some through sleep");
	round_trips(env, IPC_WAIT_SPIN, IPC_WAIT_SPIN, 4000);
}

static void test_round_trips_block(void **state)
{
	ENV;
	test_deadline(90, "4000 round trips through the doorbells");
	round_trips(env, IPC_WAIT_BLOCK, IPC_WAIT_BLOCK, 4000);
}

static void test_round_trips_mixed(void **state)
{
	ENV;
	test_deadline(90, "2000 round trips each way of mixing a spinner and a sleeper");
	round_trips(env, IPC_WAIT_SPIN, IPC_WAIT_BLOCK, 2000);
	round_trips(env, IPC_WAIT_BLOCK, IPC_WAIT_SPIN, 2000);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inplace_and_copies_in_order, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_inplace_refusals, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_small_copy_hostile, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_round_trips_spin, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_round_trips_block, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_round_trips_mixed, test_env_setup,
						test_env_teardown),
	};
	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
