/*
 * test_paths.c - the longest address each path transport takes, and one
 * byte more (test_edges does unix_stream and unix_dgram):
 *
 * - shm and zmq_ipc listen on a Unix socket: a path of sizeof sun_path
 *   bytes (no room for the NUL) is refused with a usage error that says
 *   how long it is and how long it may be, and leaves nothing; one byte
 *   shorter, a server listens there and greets;
 * - a FIFO server's path may be as long as an address (IPC_ADDR_MAX - 1
 *   bytes, while its clients' FIFOs next to it fit in a socket-sized path):
 *   one byte more is refused as too long; the longest one serves.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "conn.h"

#define ENV struct test_env *env = *state

extern const struct ipc_transport fifo_transport, shm_transport;
extern const struct ipc_transport zmq_ipc_transport;

/* "<dir>/ppp...p", len bytes in all. */
static void long_path(struct test_env *env, char *out, size_t len)
{
	size_t dl = strlen(env->dir);
	assert_true(len < IPC_ADDR_MAX && dl + 2 < len);
	memcpy(out, env->dir, dl);
	out[dl] = '/';
	memset(out + dl + 1, 'p', len - dl - 1);
	out[len] = '\0';
}

static void refused(struct test_env *env, const char *path, const char *says)
{
	const struct ipc_transport *t = env->t;
	struct ipc_server s;
	struct ipc_error e = { 0 };

	ipc_server_init(&s, t, &env->ctx);
	if (t->listen(&s, path, &e) == 0)
		fail_msg("%s: a path of %zu bytes was taken", t->name, strlen(path));
	if (e.status != IPC_USAGE)
		fail_msg("%s: a path of %zu bytes: status %d, not a usage error: %s", t->name,
			 strlen(path), e.status, e.msg);
	if (!strstr(e.msg, says))
		fail_msg("%s: the refusal does not say \"%s\": %s", t->name, says, e.msg);
	assert_int_equal(test_count_entries(env->dir), 0);
}

static void served(struct test_env *env, const char *path)
{
	const struct ipc_transport *t = env->t;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	char reply[64];
	size_t rlen = 0;

	test_server_start(env, t, path, -1, &s, &child);
	assert_string_equal(s.addr.text, path);
	test_connect(env, t, &s, &c);
	int st = conn_greet(&c, "edge", 4, reply, sizeof reply, &rlen, &e);
	if (st != IPC_OK)
		fail_msg("%s: greeting at a path of %zu bytes: %s", t->name, strlen(path), e.msg);
	assert_memory_equal(reply, "Hello, edge\n", 12);
	t->close(&c);
	test_server_stop(&child);
}

static void test_socket_path_limit(void **state)
{
	ENV;
	const size_t full = sizeof ((struct sockaddr_un *)0)->sun_path;
	char path[IPC_ADDR_MAX], says[64];

	long_path(env, path, full);
	snprintf(says, sizeof says, "1 to %zu bytes", full - 1);
	refused(env, path, says);
	long_path(env, path, full - 1);
	served(env, path);
}

static void test_fifo_path_limit(void **state)
{
	ENV;
	char path[IPC_ADDR_MAX + 1];

	long_path(env, path, IPC_ADDR_MAX - 1);
	served(env, path);
	memcpy(path, env->dir, strlen(env->dir));
	path[IPC_ADDR_MAX - 1] = 'p';
	path[IPC_ADDR_MAX] = '\0';
	refused(env, path, "fifo path too long");
}

#define CASE(test, t) \
	cmocka_unit_test_prestate_setup_teardown(test, test_env_setup_transport, \
						 test_env_teardown, (void *)(t))

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_socket_path_limit, &shm_transport),
		CASE(test_socket_path_limit, &zmq_ipc_transport),
		CASE(test_fifo_path_limit, &fifo_transport),
	};
	if (getenv("IPCLAB_TEST_FILTER"))
		cmocka_set_test_filter(getenv("IPCLAB_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
