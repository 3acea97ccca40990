/*
 * test_lifecycle.c - `ipclab serve` from start to stop, as a user sees it:
 *
 * - for the transports whose server lives outside the runtime directory or
 *   in a library (mqueue, shm, ZeroMQ): the server greets, answers ERR with
 *   exit status 1, refuses a second server on its address with exit
 *   status 5 and a line naming the address, and stops on SIGTERM with exit
 *   status 0, leaving no file and no queue;
 * - a server stopped while a client holds it in the middle of a request
 *   (an iterative server, whose idle time-out is a minute away) stops at
 *   once, with exit status 0, and leaves nothing.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "io.h"

#define ENV struct test_env *env = *state
#define OUT char out[8192], err[8192]
#define RUN(input, ...) test_run_cli(env, input, out, sizeof out, err, sizeof err, __VA_ARGS__, NULL)

extern const struct ipc_transport fifo_transport, unix_stream_transport, unix_dgram_transport,
	tcp_transport, udp_transport, mqueue_transport, shm_transport;
extern const struct ipc_transport zmq_ipc_transport;

static bool queue_exists(const char *name)
{
	mqd_t q = mq_open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (q == (mqd_t)-1)
		return false;
	mq_close(q);
	return true;
}

static void test_serve_greet_refuse_stop(void **state)
{
	ENV;
	OUT;
	const struct ipc_transport *t = env->t;
	struct test_bg bg;
	char rest[4096];

	test_deadline(30, "three runs of ipclab and a server under ASan");
	const char *args[] = { t->name, NULL };
	test_bg_start(env, &bg, args, 0);
	if (t->addressing == IPC_ADDR_MQ_NAME)
		assert_true(queue_exists(bg.addr));
	assert_int_equal(RUN(NULL, "greet", t->name, "Alice", "--address", bg.addr), 0);
	assert_string_equal(out, "Hello, Alice\n");
	assert_int_equal(RUN(NULL, "greet", t->name, "", "--address", bg.addr), 1);
	assert_string_equal(out, "ERR empty name\n");
	int rc = RUN(NULL, "serve", t->name, "--address", bg.addr);
	if (rc != IPC_IN_USE)
		fail_msg("%s: a second server on %s exited %d, not %d: %s", t->name, bg.addr, rc,
			 IPC_IN_USE, err);
	if (!strstr(err, bg.addr))
		fail_msg("%s: the refusal does not name %s: %s", t->name, bg.addr, err);
	/* The first server still serves. */
	assert_int_equal(RUN(NULL, "greet", t->name, "Bob", "--address", bg.addr), 0);
	assert_string_equal(out, "Hello, Bob\n");
	rc = test_bg_stop(&bg, rest, sizeof rest);
	if (rc != 0)
		fail_msg("%s: the server exited %d on SIGTERM: %s", t->name, rc, rest);
	if (test_count_entries(env->dir) != 0)
		fail_msg("%s: the stopped server left %d names in the runtime directory", t->name,
			 test_count_entries(env->dir));
	if (t->addressing == IPC_ADDR_MQ_NAME && queue_exists(bg.addr))
		fail_msg("%s: the stopped server left its queue %s", t->name, bg.addr);
}

/* A client sends half a request and waits; the server, iterative, waits
 * for the rest with a minute of idle time-out.  SIGTERM stops it at once. */
static void test_stop_while_a_client_holds_it(void **state)
{
	ENV;
	const struct ipc_transport *t = env->t;
	struct test_bg bg;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	char rest[4096];
	struct ipc_addr a;

	const char *args[] = { t->name, "--idle-timeout", "60000",
			       t->addressing == IPC_ADDR_PORT ? "--address" : NULL, "127.0.0.1:0",
			       NULL };
	test_bg_start(env, &bg, args, 0);
	memset(&a, 0, sizeof a);
	a.pipe_fd[0] = a.pipe_fd[1] = -1;
	snprintf(a.text, sizeof a.text, "%s", bg.addr);
	ipc_conn_init(&c, t, &env->ctx);
	if (t->connect(&c, &a, &e) < 0)
		fail_msg("%s: connect %s: %s", t->name, bg.addr, e.msg);
	if (conn_send_all(&c, "Ann", 3, -1, test_scale_ms(2000), &e) < 0)
		fail_msg("%s: send: %s", t->name, e.msg);
	/* Let the server take the client and its three bytes: a first
	 * greeting on a second client would wait behind this one, so wait a
	 * little instead (how long does not matter: the stop must work
	 * whether the server is reading or still accepting). */
	io_wait(-1, 0, -1, 200);
	long long start = io_now_ms();
	int rc = test_bg_stop(&bg, rest, sizeof rest);
	long long took = io_now_ms() - start;
	t->close(&c);
	if (rc != 0)
		fail_msg("%s: the server exited %d on SIGTERM: %s", t->name, rc, rest);
	if (took > test_scale_ms(5000))
		fail_msg("%s: the server took %lld ms to stop with a client holding it", t->name,
			 took);
	if (test_count_entries(env->dir) != 0)
		fail_msg("%s: the stopped server left %d names in the runtime directory", t->name,
			 test_count_entries(env->dir));
	if (t->addressing == IPC_ADDR_MQ_NAME && queue_exists(bg.addr))
		fail_msg("%s: the stopped server left its queue %s", t->name, bg.addr);
}

#define CASE(test, t) \
	cmocka_unit_test_prestate_setup_teardown(test, test_env_setup_transport, \
						 test_env_teardown, (void *)(t))

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_serve_greet_refuse_stop, &mqueue_transport),
		CASE(test_serve_greet_refuse_stop, &shm_transport),
		CASE(test_serve_greet_refuse_stop, &zmq_ipc_transport),
		CASE(test_stop_while_a_client_holds_it, &fifo_transport),
		CASE(test_stop_while_a_client_holds_it, &unix_stream_transport),
		CASE(test_stop_while_a_client_holds_it, &tcp_transport),
		CASE(test_stop_while_a_client_holds_it, &mqueue_transport),
		CASE(test_stop_while_a_client_holds_it, &shm_transport),
	};
	if (getenv("IPCLAB_TEST_FILTER"))
		cmocka_set_test_filter(getenv("IPCLAB_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
