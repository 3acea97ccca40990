/*
 * test_bench_timeout.c - `ipclab bench latency --address` against a server that
 * never answers, seen from outside: the exit status (4, timeout) and one
 * error line that names the transport, the address, how long it waited
 * and what to do, never "Resource temporarily unavailable" (strerror of
 * the EAGAIN with which a receive time-out ends).
 *
 * The silent servers are sockets of this process: a stream listener that
 * never accepts (the kernel completes the connection and holds the
 * request) and a datagram socket that never reads.  Through an io_uring
 * (--io uring), such a read once waited for ever.
 */
#include "support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "server_uring.h"

#define ENV struct test_env *env = *state

/* A socket on 127.0.0.1, port picked by the kernel; addr gets "IP:PORT". */
static int silent_inet(int type, char *addr, size_t cap)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(addr, cap, "127.0.0.1:%u", (unsigned)ntohs(sin.sin_port));
	return fd;
}

/* The one line of stderr that starts with `head`; fails if there is none
 * or more than one. */
static void error_line(const char *err, const char *head, char *line, size_t cap)
{
	const char *at = strstr(err, head);
	if (!at)
		fail_msg("no line starting \"%s\" in:\n%s", head, err);
	assert_null(strstr(at + 1, head));
	size_t n = strcspn(at, "\n");
	assert_true(n < cap);
	memcpy(line, at, n);
	line[n] = '\0';
}

static void assert_says(const char *line, const char *what)
{
	if (!strstr(line, what))
		fail_msg("\"%s\" missing from: %s", what, line);
}

/* A stream server that takes the request and never replies: after
 * --timeout, exit 4 and one line with the address, the wait, the fix. */
static void stream_never_answers(struct test_env *env, const char *transport,
				 const char *addr, const char *io)
{
	char out[4096], err[4096], line[1024], head[64];

	int st = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "latency",
			      transport, "--address", addr, "--timeout", "300", "--count", "1",
			      "--warmup", "0", "--io", io, NULL);
	assert_int_equal(st, IPC_TIMEOUT);
	assert_null(strstr(err, "temporarily unavailable"));
	snprintf(head, sizeof head, "ipclab: latency %s: ", transport);
	error_line(err, head, line, sizeof line);
	assert_says(line, "no reply from the server at ");
	assert_says(line, addr);
	assert_says(line, "within 300 ms");
	assert_says(line, "timed out");
	assert_says(line, "--timeout");
	assert_says(line, "ipclab serve ");
}

static void test_tcp_server_never_answers(void **state)
{
	ENV;
	char addr[64];
	int fd = silent_inet(SOCK_STREAM, addr, sizeof addr);

	stream_never_answers(env, "tcp", addr, "read");
	close(fd);
}

/* The same through an io_uring (--io uring), whose read no SO_RCVTIMEO
 * ends: the wait is the ring's own. */
static void test_tcp_server_never_answers_uring(void **state)
{
	ENV;
	char addr[64];
	struct ipc_error e;

	if (serve_uring_probe(false, &e) < 0) {
		print_message("  skipped: %s\n", e.msg);
		skip();
	}
	int fd = silent_inet(SOCK_STREAM, addr, sizeof addr);
	stream_never_answers(env, "tcp", addr, "uring");
	close(fd);
}

static void test_unix_stream_server_never_answers(void **state)
{
	ENV;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_true((size_t)snprintf(sun.sun_path, sizeof sun.sun_path, "%s/silent.sock",
				     env->dir) < sizeof sun.sun_path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	assert_int_equal(listen(fd, 8), 0);
	stream_never_answers(env, "unix_stream", sun.sun_path, "read");
	close(fd);
	assert_int_equal(unlink(sun.sun_path), 0);
}

/* A datagram server that never reads: the client resends for at least
 * 10 s by design (a lossy link must not end a run), then exit 4 and one
 * line with the address, the tries and their wait, the fix. */
static void test_udp_server_never_answers(void **state)
{
	ENV;
	char addr[64], out[4096], err[4096], line[1024];
	int fd = silent_inet(SOCK_DGRAM, addr, sizeof addr);

	test_deadline(40, "the datagram client resends for 10 s before it gives up");
	int st = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "latency",
			      "udp", "--address", addr, "--timeout", "1000", "--count", "1",
			      "--warmup", "0", NULL);
	close(fd);
	assert_int_equal(st, IPC_TIMEOUT);
	assert_null(strstr(err, "temporarily unavailable"));
	error_line(err, "ipclab: latency udp: ", line, sizeof line);
	assert_says(line, "no reply from the server at ");
	assert_says(line, addr);
	assert_says(line, "in 10 tries of 1000 ms each");
	assert_says(line, "--timeout");
	assert_says(line, "ipclab serve udp");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tcp_server_never_answers, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_server_never_answers_uring,
						test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_unix_stream_server_never_answers,
						test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_udp_server_never_answers, test_env_setup,
						test_env_teardown),
	};
	return cmocka_run_group_tests_name("bench timeout", tests, NULL, NULL);
}
