/*
 * test_clients.c - the idle-deadline list of the multiplexed servers
 * (src/clients.c), seen through what it hands back: which client is idle
 * when, in which order, and how long the loop may sleep.  Time is passed
 * in as plain numbers, so "the exact deadline" is exact on any machine.
 */
#include "support.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clients.h"

#define TIMEOUT 1000 /* ms: the idle timeout of every list here */

struct fake_client {
	int id;
	struct client_link link;
};

/* The owners the list hands back as expired at `now`, in that order, each
 * removed as a server closes it; returns how many. */
static int close_expired(struct client_list *l, long long now, int *ids, int cap)
{
	struct fake_client *c;
	int n = 0;
	while ((c = clients_expired(l, now))) {
		assert_true(n < cap);
		ids[n++] = c->id;
		clients_remove(l, &c->link);
	}
	return n;
}

static void add_all(struct client_list *l, struct fake_client *c, int n, long long first,
		    long long step)
{
	for (int i = 0; i < n; i++) {
		c[i].id = i;
		clients_add(l, &c[i].link, &c[i], first + i * step);
	}
}

/* Clients added at increasing times expire in the order they came, each
 * at its own deadline and not a millisecond before. */
static void test_order_of_arrival(void **state)
{
	struct client_list l;
	struct fake_client c[3];
	int ids[3];
	(void)state;

	clients_init(&l, TIMEOUT);
	assert_null(clients_expired(&l, 0));
	assert_int_equal(clients_next_deadline(&l), -1);
	add_all(&l, c, 3, 100, 10); /* deadlines 1100, 1110, 1120 */
	assert_int_equal(l.count, 3);
	assert_int_equal(clients_next_deadline(&l), 1100);
	assert_int_equal(close_expired(&l, 1099, ids, 3), 0);
	assert_int_equal(close_expired(&l, 1115, ids, 3), 2);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 1);
	assert_int_equal(clients_next_deadline(&l), 1120);
	assert_int_equal(l.count, 1);
	assert_int_equal(close_expired(&l, 5000, ids, 3), 1);
	assert_int_equal(ids[0], 2);
	assert_int_equal(l.count, 0);
	assert_null(clients_first(&l));
}

/* A client is idle at exactly its deadline: now == deadline closes it,
 * one millisecond earlier does not. */
static void test_expiry_at_exact_deadline(void **state)
{
	struct client_list l;
	struct fake_client c = { .id = 7 };
	(void)state;

	clients_init(&l, TIMEOUT);
	clients_add(&l, &c.link, &c, 500);
	assert_null(clients_expired(&l, 1499));
	assert_ptr_equal(clients_expired(&l, 1500), &c);
	/* Asking does not remove: the server decides. */
	assert_ptr_equal(clients_expired(&l, 1500), &c);
	assert_int_equal(l.count, 1);
	clients_remove(&l, &c.link);
	assert_null(clients_expired(&l, 1500));
}

/* Touching a client gives it a full timeout from then and puts it last:
 * the others, touched earlier, now expire before it. */
static void test_touch_moves_to_the_end(void **state)
{
	struct client_list l;
	struct fake_client c[3];
	int ids[3];
	(void)state;

	clients_init(&l, TIMEOUT);
	add_all(&l, c, 3, 0, 1); /* deadlines 1000, 1001, 1002 */
	clients_touch(&l, &c[0].link, 50);  /* 0: 1050, now last */
	assert_int_equal(clients_next_deadline(&l), 1001);
	clients_touch(&l, &c[2].link, 60);  /* 2: 1060, last; the middle moves too */
	clients_touch(&l, &c[2].link, 60);  /* touching the last again keeps it there */
	assert_int_equal(close_expired(&l, 1049, ids, 3), 1);
	assert_int_equal(ids[0], 1);
	assert_int_equal(close_expired(&l, 1050, ids, 3), 1);
	assert_int_equal(ids[0], 0);
	assert_int_equal(close_expired(&l, 1059, ids, 3), 0);
	assert_int_equal(close_expired(&l, 1060, ids, 3), 1);
	assert_int_equal(ids[0], 2);
}

/* Removing from the middle, the head and the tail leaves the rest linked
 * in order, and a removed client touched later (a closed client's late
 * completion) does not come back. */
static void test_remove_anywhere(void **state)
{
	struct client_list l;
	struct fake_client c[5];
	int ids[5];
	(void)state;

	clients_init(&l, TIMEOUT);
	add_all(&l, c, 5, 0, 10); /* deadlines 1000 .. 1040 */
	clients_remove(&l, &c[2].link); /* the middle */
	clients_remove(&l, &c[0].link); /* the head */
	clients_remove(&l, &c[4].link); /* the tail */
	clients_remove(&l, &c[4].link); /* twice: nothing more */
	assert_int_equal(l.count, 2);
	clients_touch(&l, &c[2].link, 500);
	assert_int_equal(l.count, 2);
	assert_ptr_equal(clients_first(&l), &c[1]);
	assert_int_equal(close_expired(&l, 99999, ids, 5), 2);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 3);
	/* Emptied by removals, the list takes new clients as a fresh one. */
	clients_add(&l, &c[0].link, &c[0], 2000);
	assert_ptr_equal(clients_first(&l), &c[0]);
	assert_int_equal(clients_next_deadline(&l), 3000);
}

/* With no idle timeout (< 0) nobody is ever idle and the loop has no
 * timer for clients, however old they are. */
static void test_no_idle_timeout(void **state)
{
	struct client_list l;
	struct fake_client c[2];
	(void)state;

	clients_init(&l, -1);
	add_all(&l, c, 2, 0, 0);
	clients_touch(&l, &c[0].link, 10);
	assert_null(clients_expired(&l, 1LL << 40));
	assert_int_equal(clients_next_deadline(&l), -1);
	assert_int_equal(clients_wait_ms(&l, 0, 0, -1), -1);
	assert_int_equal(l.count, 2);
	assert_ptr_equal(clients_first(&l), &c[0]); /* still there to be closed */
}

/* Many clients, touched in a scrambled order: they expire exactly in the
 * order of their last touch, and each at its own deadline. */
static void test_many_clients(void **state)
{
	enum { N = 10000 };
	struct client_list l;
	struct fake_client *c = calloc(N, sizeof *c);
	int *order = calloc(N, sizeof *order);
	(void)state;
	assert_non_null(c);
	assert_non_null(order);

	clients_init(&l, TIMEOUT);
	add_all(&l, c, N, 0, 0);
	/* Touch i at time 10 + k, where k runs over the clients in the order
	 * 7919 * k mod N (7919 is prime and does not divide N: a permutation). */
	for (int k = 0; k < N; k++) {
		int i = (int)((7919LL * k) % N);
		order[k] = i;
		clients_touch(&l, &c[i].link, 10 + k);
	}
	assert_int_equal(l.count, N);
	assert_null(clients_expired(&l, 10 + TIMEOUT - 1));
	for (int k = 0; k < N; k++) {
		long long deadline = 10 + k + TIMEOUT;
		assert_int_equal(clients_next_deadline(&l), deadline);
		struct fake_client *first = clients_expired(&l, deadline);
		assert_non_null(first);
		assert_int_equal(first->id, order[k]);
		clients_remove(&l, &first->link);
		if (k + 1 < N)
			assert_null(clients_expired(&l, deadline));
	}
	assert_int_equal(l.count, 0);
	assert_null(clients_first(&l));
	free(order);
	free(c);
}

/* At its deadline a client is spared only while replies wait and the
 * kernel holds fewer of its bytes than at the last look; a spared client
 * gets a new deadline and goes last; progress seen starts the looks
 * afresh. */
static void test_spare_slow_reader(void **state)
{
	struct client_list l;
	struct fake_client a = { .id = 0 }, b = { .id = 1 };
	(void)state;

	clients_init(&l, TIMEOUT);
	clients_add(&l, &a.link, &a, 0);
	clients_add(&l, &b.link, &b, 10);
	/* First look: 500 bytes held, none seen before: taking. */
	assert_true(clients_spare_slow(&l, &a.link, false, 500, 1000));
	assert_int_equal(clients_next_deadline(&l), 1010);     /* b first now */
	assert_ptr_equal(clients_expired(&l, 1010), &b);
	clients_remove(&l, &b.link);
	assert_int_equal(clients_next_deadline(&l), 2000);     /* a's new deadline */
	/* Fewer bytes held: still taking. */
	assert_true(clients_spare_slow(&l, &a.link, false, 400, 2000));
	/* The same number: it took nothing since. */
	assert_false(clients_spare_slow(&l, &a.link, true, 400, 3000));
	/* The kernel holds nothing and none of ours wait: idle, not slow. */
	clients_touch(&l, &a.link, 3000);
	assert_false(clients_spare_slow(&l, &a.link, false, 0, 4000));
	/* Ours wait but the kernel cannot tell: not seen taking. */
	clients_touch(&l, &a.link, 4000);
	assert_false(clients_spare_slow(&l, &a.link, true, -1, 5000));
	/* A touch forgets the last look: the same backlog counts as taking
	 * once more (progress was seen in between). */
	clients_touch(&l, &a.link, 5000);
	assert_true(clients_spare_slow(&l, &a.link, true, 300, 6000));
	assert_false(clients_spare_slow(&l, &a.link, true, 300, 7000));
	clients_touch(&l, &a.link, 7000);
	assert_true(clients_spare_slow(&l, &a.link, true, 300, 8000));
	assert_int_equal(clients_next_deadline(&l), 9000);
}

/* The loop sleeps until the first of: the earliest idle deadline, the end
 * of a listener's pause, a log summary; never negative, -1 with none. */
static void test_wait(void **state)
{
	struct client_list l;
	struct fake_client c = { .id = 0 };
	(void)state;

	clients_init(&l, TIMEOUT);
	assert_int_equal(clients_wait_ms(&l, 100, 0, -1), -1);
	assert_int_equal(clients_wait_ms(&l, 100, 350, -1), 250);
	assert_int_equal(clients_wait_ms(&l, 100, 0, 40), 40);
	clients_add(&l, &c.link, &c, 0);                         /* deadline 1000 */
	assert_int_equal(clients_wait_ms(&l, 100, 0, -1), 900);
	assert_int_equal(clients_wait_ms(&l, 100, 600, -1), 500);
	assert_int_equal(clients_wait_ms(&l, 100, 2000, 950), 900);
	assert_int_equal(clients_wait_ms(&l, 100, 2000, 20), 20);
	assert_int_equal(clients_wait_ms(&l, 1000, 0, -1), 0);   /* due now */
	assert_int_equal(clients_wait_ms(&l, 5000, 0, -1), 0);   /* overdue */
}

/* The kernel's count of unread reply bytes, as the servers read it: some
 * while a reply waits unread, none once it is read (a Unix socket counts
 * the memory its buffers take, not bytes); on a pipe or FIFO, the bytes. */
static void test_kernel_backlog(void **state)
{
	int sv[2], p[2];
	char buf[64];
	(void)state;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(clients_kernel_backlog(sv[0]), 0);
	assert_int_equal(write(sv[0], "Hello, you\n", 11), 11);
	assert_true(clients_kernel_backlog(sv[0]) > 0);
	assert_int_equal(read(sv[1], buf, sizeof buf), 11);
	assert_int_equal(clients_kernel_backlog(sv[0]), 0);
	close(sv[0]);
	close(sv[1]);

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "Hello, you\n", 11), 11);
	assert_int_equal(clients_kernel_backlog(p[1]), 11);
	assert_int_equal(read(p[0], buf, 5), 5);
	assert_int_equal(clients_kernel_backlog(p[1]), 6);
	close(p[0]);
	close(p[1]);
	assert_int_equal(clients_kernel_backlog(p[1]), -1); /* no descriptor: cannot tell */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_of_arrival),
		cmocka_unit_test(test_expiry_at_exact_deadline),
		cmocka_unit_test(test_touch_moves_to_the_end),
		cmocka_unit_test(test_remove_anywhere),
		cmocka_unit_test(test_no_idle_timeout),
		cmocka_unit_test(test_many_clients),
		cmocka_unit_test(test_spare_slow_reader),
		cmocka_unit_test(test_wait),
		cmocka_unit_test(test_kernel_backlog),
	};
	return cmocka_run_group_tests_name("clients", tests, NULL, NULL);
}
