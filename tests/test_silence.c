/*
 * test_silence.c - a server that takes a request and never answers costs
 * its client the client's time-out, no less and not much more, and the
 * client says so: IPC_TIMEOUT (exit status 4) and a line naming the
 * address.
 *
 * The "server" is the transport's listen() in the test's own process,
 * which nobody serves: the request goes into its socket's backlog, its
 * FIFO, its queue or its ring, and stays there.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "io.h"
#include "protocol.h"

#define ENV struct test_env *env = *state
#define TIMEOUT_MS 400

extern const struct ipc_transport pipe_transport, fifo_transport, unix_stream_transport,
	unix_dgram_transport, tcp_transport, udp_transport, socketpair_transport,
	mqueue_transport, shm_transport;
extern const struct ipc_transport zmq_ipc_transport;

static void test_silent_server_costs_the_timeout(void **state)
{
	ENV;
	const struct ipc_transport *t = env->t;
	struct ipc_server s;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	char reply[GREET_REPLY_MAX + 1];
	size_t n = 0;

	env->ctx.timeout_ms = TIMEOUT_MS;
	ipc_server_init(&s, t, &env->ctx);
	if (t->listen(&s, NULL, &e) < 0)
		fail_msg("%s: listen: %s", t->name, e.msg);
	ipc_conn_init(&c, t, &env->ctx);
	if (t->connect(&c, &s.addr, &e) < 0)
		fail_msg("%s: connect: %s", t->name, e.msg);
	long long start = io_now_ms();
	int rc = conn_greet(&c, "Alice", 5, reply, sizeof reply - 1, &n, &e);
	long long took = io_now_ms() - start;
	if (rc >= 0)
		fail_msg("%s: a server that never answers answered (status %d)", t->name, rc);
	if (e.status != IPC_TIMEOUT)
		fail_msg("%s: status %d, not IPC_TIMEOUT (%d): %s", t->name, e.status, IPC_TIMEOUT,
			 e.msg);
	if (took < TIMEOUT_MS - 5)
		fail_msg("%s: gave up after %lld ms, before its time-out of %d ms", t->name, took,
			 TIMEOUT_MS);
	if (took > TIMEOUT_MS + test_scale_ms(3000))
		fail_msg("%s: gave up only after %lld ms (time-out %d ms)", t->name, took,
			 TIMEOUT_MS);
	t->close(&c);
	if (!t->servable) /* the client's ends were the listener's: closed now */
		s.addr.pipe_fd[0] = s.addr.pipe_fd[1] = -1;
	t->shutdown(&s, true);
}

/* The same through `ipclab greet`: exit status 4, one line on stderr that
 * names the address, nothing on stdout. */
static void test_silent_server_cli(void **state)
{
	ENV;
	const struct ipc_transport *t = env->t;
	struct ipc_server s;
	struct ipc_error e = { 0 };
	char out[256], err[1024];

	ipc_server_init(&s, t, &env->ctx);
	if (t->listen(&s, NULL, &e) < 0)
		fail_msg("%s: listen: %s", t->name, e.msg);
	long long start = io_now_ms();
	int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "greet", t->name,
			      "Alice", "--address", s.addr.text, "--timeout", "400", NULL);
	long long took = io_now_ms() - start;
	t->shutdown(&s, true);
	if (rc != IPC_TIMEOUT)
		fail_msg("%s: ipclab greet exited %d, not %d: %s", t->name, rc, IPC_TIMEOUT, err);
	assert_string_equal(out, "");
	if (!strstr(err, s.addr.text))
		fail_msg("%s: the error does not name %s: %s", t->name, s.addr.text, err);
	const char *nl = strchr(err, '\n');
	if (!nl || nl[1] != '\0')
		fail_msg("%s: not one line: %s", t->name, err);
	if (took < 395)
		fail_msg("%s: ipclab greet gave up after %lld ms, before its --timeout 400",
			 t->name, took);
}

#define CASE(test, t) \
	cmocka_unit_test_prestate_setup_teardown(test, test_env_setup_transport, \
						 test_env_teardown, (void *)(t))

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_silent_server_costs_the_timeout, &pipe_transport),
		CASE(test_silent_server_costs_the_timeout, &fifo_transport),
		CASE(test_silent_server_costs_the_timeout, &unix_stream_transport),
		CASE(test_silent_server_costs_the_timeout, &unix_dgram_transport),
		CASE(test_silent_server_costs_the_timeout, &tcp_transport),
		CASE(test_silent_server_costs_the_timeout, &udp_transport),
		CASE(test_silent_server_costs_the_timeout, &socketpair_transport),
		CASE(test_silent_server_costs_the_timeout, &mqueue_transport),
		CASE(test_silent_server_costs_the_timeout, &shm_transport),
		CASE(test_silent_server_costs_the_timeout, &zmq_ipc_transport),
		CASE(test_silent_server_cli, &fifo_transport),
		CASE(test_silent_server_cli, &unix_stream_transport),
		CASE(test_silent_server_cli, &unix_dgram_transport),
		CASE(test_silent_server_cli, &tcp_transport),
		CASE(test_silent_server_cli, &udp_transport),
		CASE(test_silent_server_cli, &mqueue_transport),
		CASE(test_silent_server_cli, &shm_transport),
	};
	if (getenv("IPCLAB_TEST_FILTER"))
		cmocka_set_test_filter(getenv("IPCLAB_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
