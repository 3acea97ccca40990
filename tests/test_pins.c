/*
 * test_pins.c - behaviours at the edges of the transports, seen from
 * outside (the command line, the bytes, the errors a caller gets), that
 * planted bugs (`make mutate`) showed no other test pinned down:
 *
 * - mqueue: the longest queue name the error's hint allows is served and
 *   greeted; one character more is refused with that hint.
 * - mqueue: a server whose well-known queue would pass RLIMIT_MSGQUEUE is
 *   refused with that reason and the limit's value (not a later error).
 * - fifo: a client gone between its notice and the server's open of its
 *   reply FIFO has its pair removed, and the trace says so for each FIFO.
 * - unix_dgram: a request from a sender with no address gets no reply,
 *   and the server's log line says why (no address to answer; bind one).
 * - udp: a client's datagram too large for UDP is refused as too large,
 *   saying the limit (not taken for "no server").
 * - results: every report format's header carries every field of the
 *   environment record (the machine a figure was measured on).
 */
#include "support.h"
#include "io.h"
#include "mqueue/mqueue.h"
#include "report.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define ENV struct test_env *env = *state

extern const struct ipc_transport udp_transport, mqueue_transport, fifo_transport,
	unix_dgram_transport;

/* "/" and `len` - 1 more characters, made from the test's directory name
 * (queues are global: others' suites run beside this one). */
static void queue_name(const struct test_env *env, char *out, size_t len)
{
	const char *base = strrchr(env->dir, '/') + 1;
	size_t blen = strlen(base);
	out[0] = '/';
	for (size_t i = 1; i < len; i++)
		out[i] = i - 1 < blen ? base[i - 1] : 'q';
	out[len] = '\0';
}

static void test_mqueue_longest_name(void **state)
{
	ENV;
	char name[NAME_MAX + 2], out[4096], err[4096], rest[8192];
	char hint[64];
	test_deadline(20, "a server and a client of bin/ipclab under ASan");
	/* What the refusal says the limit is. */
	queue_name(env, name, 250);
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "serve",
				      "mqueue", "--address", name, NULL), 2);
	assert_non_null(strstr(err, "is not a queue name"));
	const char *up = strstr(err, "up to ");
	assert_non_null(up);
	int more = atoi(up + strlen("up to "));
	assert_true(more > 8 && more < NAME_MAX);
	snprintf(hint, sizeof hint, "up to %d more characters", more);
	assert_non_null(strstr(err, hint));

	/* One more than that: refused, saying so. */
	queue_name(env, name, (size_t)more + 2);
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "serve",
				      "mqueue", "--address", name, NULL), 2);
	assert_non_null(strstr(err, hint));

	/* The shortest: "/" and one character (checked alone: a queue of
	 * so short a name would be every run's on this machine). */
	struct ipc_error e = { 0 };
	assert_int_equal(mq_check_name("/q", &e), 0);
	assert_int_equal(mq_check_name("/", &e), -1);
	assert_non_null(strstr(e.msg, "is not a queue name"));

	/* Exactly that: served and greeted. */
	queue_name(env, name, (size_t)more + 1);
	struct test_bg bg;
	const char *args[] = { "mqueue", "--address", name, NULL };
	test_bg_start(env, &bg, args, 0);
	int status = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "greet", "mqueue",
				  "--address", name, "longest", NULL);
	int stopped = test_bg_stop(&bg, rest, sizeof rest);
	if (status != 0)
		fail_msg("greet over a queue named with %d characters after '/': exit %d: %s", more,
			 status, err);
	assert_non_null(strstr(out, "Hello, longest"));
	assert_int_equal(stopped, 0);
}

static void test_mqueue_server_past_its_limit(void **state)
{
	ENV;
	const struct ipc_transport *t = &mqueue_transport;
	struct ipc_server s;
	struct ipc_error e = { 0 };
	struct rlimit old, low;

	ipc_server_init(&s, t, &env->ctx);
	assert_int_equal(getrlimit(RLIMIT_MSGQUEUE, &old), 0);
	low = old;
	low.rlim_cur = 1024; /* less than one queue of ours */
	assert_int_equal(setrlimit(RLIMIT_MSGQUEUE, &low), 0);
	int rc = t->listen(&s, NULL, &e);
	assert_int_equal(setrlimit(RLIMIT_MSGQUEUE, &old), 0);
	if (rc == 0)
		t->shutdown(&s, true);
	assert_int_equal(rc, -1);
	if (e.sys_errno != EMFILE || !strstr(e.msg, "RLIMIT_MSGQUEUE (1024 bytes"))
		fail_msg("a server queue past RLIMIT_MSGQUEUE: errno %d: %s", e.sys_errno, e.msg);
}

/* The trace, as `--trace` would print it: one line per step. */
struct trace_log {
	char text[16384];
	size_t used;
};

static void record_step(void *arg, const char *transport, int step, const char *call,
			const char *detail)
{
	struct trace_log *log = arg;
	int n = snprintf(log->text + log->used, sizeof log->text - log->used, "%s %d %s %s\n",
			 transport, step, call, detail);
	if (n > 0 && (size_t)n < sizeof log->text - log->used)
		log->used += (size_t)n;
}

static void test_fifo_gone_client_pair_removed_and_said(void **state)
{
	ENV;
	const struct ipc_transport *t = &fifo_transport;
	static struct trace_log log;
	struct ipc_server s;
	struct ipc_conn c;
	struct ipc_error e = { 0 };

	log.used = 0;
	log.text[0] = '\0';
	env->ctx.trace = record_step;
	env->ctx.trace_arg = &log;
	ipc_server_init(&s, t, &env->ctx);
	assert_int_equal(t->listen(&s, NULL, &e), 0);
	int before = test_count_entries(env->dir);
	fflush(NULL);
	pid_t client = fork();
	assert_true(client >= 0);
	if (client == 0) { /* connects (its notice sent), then dies */
		ipc_conn_init(&c, t, &env->ctx);
		_exit(t->connect(&c, &s.addr, &e) == 0 ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(client, &status, 0), client);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(test_count_entries(env->dir), before + 2); /* its pair */
	ipc_conn_init(&c, t, &env->ctx);
	int rc = t->accept(&s, &c, &e);
	if (rc == 0)
		t->close(&c);
	int after = test_count_entries(env->dir);
	t->shutdown(&s, true);
	env->ctx.trace = NULL;
	assert_int_equal(rc, -1);
	assert_int_equal(after, before);
	if (!strstr(log.text, ".req (its client left)") || !strstr(log.text, ".rep (its client left)"))
		fail_msg("the trace does not say that both FIFOs of the gone client were "
			 "removed:\n%s", log.text);
}

static void test_dgram_unbound_sender_told_why(void **state)
{
	ENV;
	const struct ipc_transport *t = &unix_dgram_transport;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn b;
	struct ipc_error e = { 0 };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char said[4096], reply[64];
	FILE *log = tmpfile();

	assert_non_null(log);
	setvbuf(log, NULL, _IONBF, 0);
	struct serve_opts o = { .stop_fd = -1, .idle_timeout_ms = -1, .log = log };
	test_server_start_opts(env, t, NULL, &o, &s, &child);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_true(strlen(s.addr.text) < sizeof sun.sun_path);
	memcpy(sun.sun_path, s.addr.text, strlen(s.addr.text) + 1);
	assert_int_equal(sendto(fd, "Eve\n", 4, 0, (struct sockaddr *)&sun, sizeof sun), 4);
	close(fd);
	/* A bound client after it: answered, so the first was handled. */
	test_connect(env, t, &s, &b);
	assert_int_equal(t->send(&b, "Bob\n", 4, &e), 4);
	ssize_t n;
	while ((n = t->recv(&b, reply, sizeof reply - 1, &e)) == IPC_WOULD_BLOCK)
		io_wait(b.rfd, POLLIN, -1, 100);
	assert_true(n > 0);
	reply[n] = '\0';
	assert_string_equal(reply, "Hello, Bob\n");
	t->close(&b);
	test_server_stop(&child);
	rewind(log);
	size_t got = fread(said, 1, sizeof said - 1, log);
	said[got] = '\0';
	fclose(log);
	if (!strstr(said, "has no address") || !strstr(said, "bind()"))
		fail_msg("the log does not say that the sender had no address to answer, nor "
			 "to bind one:\n%s", said);
}

static void test_udp_oversized_datagram_refused(void **state)
{
	ENV;
	const struct ipc_transport *t = &udp_transport;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	size_t too_big = t->max_message + 1;
	char *buf = calloc(1, too_big), limit[32];

	assert_non_null(buf);
	test_server_start(env, t, NULL, -1, &s, &child);
	test_connect(env, t, &s, &c);
	ssize_t n = t->send(&c, buf, too_big, &e);
	t->close(&c);
	test_server_stop(&child);
	free(buf);
	assert_true(n < 0 && n != IPC_WOULD_BLOCK);
	if (e.status != IPC_USAGE || e.sys_errno != EMSGSIZE)
		fail_msg("a %zu-byte datagram: status %d, errno %d: %s (wanted a usage error, "
			 "EMSGSIZE)", too_big, e.status, e.sys_errno, e.msg);
	snprintf(limit, sizeof limit, "at most %zu bytes", t->max_message);
	assert_non_null(strstr(e.msg, limit));
}

static void test_report_headers_carry_every_environment_field(void **state)
{
	(void)state;
	static const enum report_format formats[] = { REPORT_TEXT, REPORT_CSV, REPORT_JSON,
						      REPORT_MARKDOWN };
	static const char *const names[] = { "text", "csv", "json", "markdown" };
	struct env_record env;
	memset(&env, 0, sizeof env);
	/* A value of its own for each field. */
	for (size_t i = 0; i < env_nfields; i++) {
		char v[48];
		if (env_fields[i].is_number)
			snprintf(v, sizeof v, "%zu", 7100 + i * 37);
		else
			snprintf(v, sizeof v, "v%zu-%.10s", i, env_fields[i].name);
		assert_int_equal(env_field_set(&env, env_fields[i].name, v), 0);
	}
	for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++) {
		char *buf = NULL;
		size_t len = 0;
		struct report r;
		FILE *f = open_memstream(&buf, &len);
		assert_non_null(f);
		report_begin(&r, f, formats[k], &env);
		report_end(&r);
		assert_int_equal(fclose(f), 0);
		for (size_t i = 0; i < env_nfields; i++) {
			char v[64];
			env_field_text(&env, &env_fields[i], v, sizeof v);
			if (!strstr(buf, v))
				fail_msg("the %s report's header lacks the environment's %s (%s):\n%s",
					 names[k], env_fields[i].name, v, buf);
		}
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mqueue_longest_name, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_mqueue_server_past_its_limit, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_fifo_gone_client_pair_removed_and_said,
						test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_dgram_unbound_sender_told_why, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_udp_oversized_datagram_refused, test_env_setup,
						test_env_teardown),
		cmocka_unit_test(test_report_headers_carry_every_environment_field),
	};
	return cmocka_run_group_tests_name("pins", tests, NULL, NULL);
}
