/*
 * test_hardening.c - what a hostile or careless user can do to a server,
 * and the pitfalls of the classic demos: a client that trickles bytes to
 * the iterative server, garbage in the FIFO server's well-known FIFO, a
 * datagram client with many requests in flight, a reply path that became a
 * symlink, clients killed while they wait, runtime directories too long for
 * client paths, two servers claiming one stale path, a stopping server whose
 * path was taken over, `--timeout 0`, and log floods.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conn.h"
#include "inet_addr.h"
#include "fifo.h"
#include "io.h"
#include "protocol.h"

#define ENV struct test_env *env = *state

extern const struct ipc_transport fifo_transport, unix_stream_transport, unix_dgram_transport,
	tcp_transport, udp_transport;

/* One greeting on a fresh connection: its reply status (0 Hello). */
static int greet(struct test_env *env, const struct ipc_transport *t, const char *addr,
		 const char *name, char *reply, size_t cap, struct ipc_error *e)
{
	struct ipc_conn c;
	struct ipc_addr a = { .pipe_fd = { -1, -1 } };
	size_t n = 0;

	snprintf(a.text, sizeof a.text, "%s", addr);
	ipc_conn_init(&c, t, &env->ctx);
	int rc = t->connect(&c, &a, e);
	if (rc < 0)
		return -1;
	rc = conn_greet(&c, name, strlen(name), reply, cap - 1, &n, e);
	reply[rc < 0 ? 0 : n] = '\0';
	t->close(&c);
	return rc;
}

static void expect_hello(struct test_env *env, const struct ipc_transport *t, const char *addr,
			 const char *name)
{
	char reply[GREET_REPLY_MAX + 1], want[GREET_REPLY_MAX + 8];
	struct ipc_error e = { 0 };

	if (greet(env, t, addr, name, reply, sizeof reply, &e) != 0)
		fail_msg("%s greet %s: %s", t->name, name, e.msg);
	snprintf(want, sizeof want, "Hello, %s\n", name);
	assert_string_equal(reply, want);
}

/* ---- 1: the iterative server's idle timeout is per request ------------ */

/* A client that sends a byte every 25 ms and never a newline is dropped
 * at the idle timeout (120 ms) like a silent one, and the next client is
 * served: each byte must not restart the timer. */
static void test_trickler_dropped_by_iterative_server(void **state)
{
	ENV;
	static const struct ipc_transport *const ts[] = { &unix_stream_transport,
							   &tcp_transport, &fifo_transport };
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
		struct ipc_server s;
		struct server_child child;
		struct ipc_conn slow;
		char sink[64];
		struct ipc_error e;

		test_server_start(env, ts[i], NULL, 120, &s, &child);
		test_connect(env, ts[i], &s, &slow);
		long long start = io_now_ms();
		bool closed = false;
		while (!closed && io_now_ms() - start < 600) {
			struct ipc_error se;
			if (ts[i]->send(&slow, "t", 1, &se) < 0) {
				closed = true; /* the server closed its end */
				break;
			}
			if (io_wait(slow.rfd, POLLIN, -1, 25) == IO_READY)
				closed = ts[i]->recv(&slow, sink, sizeof sink, &e) == 0;
		}
		if (!closed)
			fail_msg("%s: a client trickling bytes held the iterative server for "
				 "%lld ms past a 120 ms idle timeout", ts[i]->name,
				 io_now_ms() - start);
		assert_true(io_now_ms() - start >= 100);
		ts[i]->close(&slow);
		expect_hello(env, ts[i], s.addr.text, "next");
		test_server_stop(&child);
	}
}

/* ---- 9: --timeout 0 ---------------------------------------------------- */

/* A client timeout of 0 could never be met: it is a usage error, said
 * before anything is tried, not a timeout against a live server. */
static void test_timeout_zero_refused(void **state)
{
	ENV;
	char out[512], err[1024];
	int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "greet", "unix_stream",
			      "Ann", "--timeout", "0", (char *)NULL);
	assert_int_equal(rc, IPC_USAGE);
	assert_non_null(strstr(err, "--timeout"));
	assert_non_null(strstr(err, "from 1"));
}

/* ---- 2: the FIFO server's well-known FIFO ----------------------------- */

/* Write `len` bytes to the server FIFO at once, as any local user could. */
static void fifo_write_raw(const char *path, const char *bytes, size_t len)
{
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, len), (ssize_t)len);
	close(fd);
}

/* Entries of dir whose names start with "client-": a client's leftovers. */
static int client_leftovers(const char *dir)
{
	char cmd[IPC_PATH_MAX + 64];
	snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -c '^client-' >/dev/null", dir);
	return system(cmd) == 0;
}

/* Connect a FIFO client (its notice is in the server FIFO once this returns). */
static void fifo_connect_to(struct test_env *env, const char *addr, struct ipc_conn *c)
{
	struct ipc_addr a = { .pipe_fd = { -1, -1 } };
	struct ipc_error e;
	snprintf(a.text, sizeof a.text, "%s", addr);
	ipc_conn_init(c, &fifo_transport, &env->ctx);
	if (fifo_transport.connect(c, &a, &e) < 0)
		fail_msg("connect %s: %s", addr, e.msg);
}

static void greet_on(struct ipc_conn *c, const char *name)
{
	char reply[GREET_REPLY_MAX + 1], want[GREET_REPLY_MAX + 8];
	struct ipc_error e;
	size_t n;
	if (conn_greet(c, name, strlen(name), reply, sizeof reply - 1, &n, &e) != 0)
		fail_msg("greet %s: %s", name, e.msg);
	reply[n] = '\0';
	snprintf(want, sizeof want, "Hello, %s\n", name);
	assert_string_equal(reply, want);
}

/* Bytes that are no notice, queued right before a client's notice (the
 * iterative server is busy with another client meanwhile), are dropped and
 * that client is served: the server is back in step at once. */
static void test_fifo_stray_bytes_then_client_served(void **state)
{
	ENV;
	static const char *const garbage[] = {
		"x",                       /* printf x > fifo.server */
		"hello there\n",           /* a line */
		"123\n",                   /* the notice of an older client: a bare line */
		"\n1234567890123456789012345678901234567890     ", /* over-long id */
		"\n12/../../etc/passwd            ", /* a path in the id */
		"\n12-ab/cd                       ", /* a path character in the tag */
		"\n42-abc                        /", /* ... or in the padding */
	};
	struct ipc_server s;
	struct server_child child;

	env->ctx.timeout_ms = 800;
	test_server_start(env, &fifo_transport, NULL, -1, &s, &child);
	for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
		struct ipc_conn busy, next;
		fifo_connect_to(env, s.addr.text, &busy);
		greet_on(&busy, "busy"); /* the iterative server is with it now */
		fifo_write_raw(s.addr.text, garbage[i], strlen(garbage[i]));
		fifo_connect_to(env, s.addr.text, &next);
		fifo_transport.close(&busy);
		greet_on(&next, "next");
		fifo_transport.close(&next);
	}
	/* And with nothing queued behind the stray bytes. */
	fifo_write_raw(s.addr.text, "x", 1);
	expect_hello(env, &fifo_transport, s.addr.text, "alone");
	test_server_stop(&child);
}

/* A megabyte of garbage costs no client more than the time to drop it. */
static void test_fifo_megabyte_of_garbage(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	char *junk = malloc(1 << 20);

	assert_non_null(junk);
	memset(junk, 'g', 1 << 20);
	junk[12345] = '\n'; /* a few newlines, so that resyncing is tried too */
	junk[777777] = '\n';
	env->ctx.timeout_ms = 800;
	test_server_start(env, &fifo_transport, NULL, -1, &s, &child);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(s.addr.text, O_WRONLY | O_CLOEXEC);
		size_t done = 0;
		while (fd >= 0 && done < (1u << 20)) {
			ssize_t n = write(fd, junk + done, (1u << 20) - done);
			if (n <= 0)
				_exit(1);
			done += (size_t)n;
		}
		_exit(fd >= 0 ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	free(junk);
	expect_hello(env, &fifo_transport, s.addr.text, "after");
	test_server_stop(&child);
}

/* The notice parser alone: a path character anywhere is refused. */
static void test_fifo_notice_rules(void **state)
{
	(void)state;
	char rec[FIFO_NOTICE_SIZE], id[FIFO_ID_MAX];

	assert_int_equal(fifo_notice_format(rec, "1234-abcdef01"), 0);
	assert_int_equal(fifo_notice_parse(rec, sizeof rec, id), 0);
	assert_string_equal(id, "1234-abcdef01");
	assert_int_equal(fifo_notice_parse(rec, sizeof rec - 1, id), -1);
	for (size_t at = 0; at < sizeof rec; at++) {
		static const char bad[] = { '/', '.', '\0', '\n', 'A', '-', 'g' };
		for (size_t k = 0; k < sizeof bad; k++) {
			char r[FIFO_NOTICE_SIZE];
			memcpy(r, rec, sizeof r);
			if (r[at] == bad[k])
				continue;
			r[at] = bad[k];
			if (fifo_notice_parse(r, sizeof r, id) == 0)
				fail_msg("notice with 0x%02x at byte %zu accepted as id \"%s\"",
					 (unsigned)bad[k], at, id);
		}
	}
	static const char *const ids[] = { "", "-", "1-", "-ab", "12345678901", "1-",
					   "1-12345678901234567", "1-AB", "1--a", "1-a-b" };
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		if (fifo_notice_format(rec, ids[i]) == 0)
			fail_msg("id \"%s\" accepted", ids[i]);
	static const char *const good[] = { "1", "1234567890", "1-0", "1-0123456789abcdef" };
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_int_equal(fifo_notice_format(rec, good[i]), 0);
		assert_int_equal(fifo_notice_parse(rec, sizeof rec, id), 0);
		assert_string_equal(id, good[i]);
	}
}

/* ---- 5: clients killed while they wait leave nothing behind ----------- */

/* A FIFO client killed after its notice, while the iterative server was
 * busy: when the server gets to its notice, it removes the dead pair. */
static void test_fifo_killed_client_leaves_nothing(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn busy;

	test_server_start(env, &fifo_transport, NULL, -1, &s, &child);
	fifo_connect_to(env, s.addr.text, &busy);
	greet_on(&busy, "busy");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ipc_conn c;
		fifo_connect_to(env, s.addr.text, &c);
		raise(SIGKILL); /* killed while waiting: no close(), no unlink() */
		_exit(1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_true(client_leftovers(env->dir)); /* its pair, for now */
	fifo_transport.close(&busy);
	/* Served after the dead client's notice: the server has handled it. */
	expect_hello(env, &fifo_transport, s.addr.text, "after");
	test_server_stop(&child);
	if (client_leftovers(env->dir))
		fail_msg("a killed FIFO client's pair was left in %s", env->dir);
}

/* A FIFO server starting next to the pair of a client that died before any
 * server took its notice removes that pair, and nothing else: not a live
 * process's pair, not a file that is no FIFO, not a name of another form. */
static void test_fifo_server_sweeps_dead_pairs(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	char path[IPC_ADDR_MAX + 64];

	pid_t dead = fork(); /* a pid that is surely gone once reaped */
	assert_true(dead >= 0);
	if (dead == 0)
		_exit(0);
	assert_int_equal(waitpid(dead, NULL, 0), dead);
	for (int k = 0; k < 2; k++) { /* dead pair, then a live one (ours) */
		for (int i = 0; i < 2; i++) {
			snprintf(path, sizeof path, "%s/client-%d-ab.%s", env->dir,
				 k == 0 ? (int)dead : (int)getpid(), i ? "rep" : "req");
			assert_int_equal(mkfifo(path, 0600), 0);
		}
	}
	snprintf(path, sizeof path, "%s/client-%d-cd.req", env->dir, (int)dead);
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)); /* a plain file */
	snprintf(path, sizeof path, "%s/client-%d-cd.rep", env->dir, (int)dead);
	assert_int_equal(mkfifo(path, 0600), 0);
	test_server_start(env, &fifo_transport, NULL, -1, &s, &child);
	test_server_stop(&child);
	int gone = 0, left = 0;
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/client-%d-ab.%s", env->dir, (int)dead,
			 i ? "rep" : "req");
		gone += unlink(path) < 0;
		snprintf(path, sizeof path, "%s/client-%d-ab.%s", env->dir, (int)getpid(),
			 i ? "rep" : "req");
		left += unlink(path) == 0;
		snprintf(path, sizeof path, "%s/client-%d-cd.%s", env->dir, (int)dead,
			 i ? "rep" : "req");
		left += unlink(path) == 0;
	}
	assert_int_equal(left, 4);  /* the live pair, and the pair with a plain file */
	assert_int_equal(gone, 2);  /* the dead client's pair */
}

/* ---- 3, 4, 5, 6, 10: the Unix datagram server -------------------------- */

/* A datagram socket bound to `path` ("" = unbound), non-blocking. */
static int dgram_socket(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	if (path[0]) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
		assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	}
	return fd;
}

static void dgram_send_to(int fd, const char *server, const char *msg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", server);
	for (;;) {
		ssize_t n = sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sun, sizeof sun);
		if (n == (ssize_t)strlen(msg))
			return;
		assert_true(n < 0 && errno == EAGAIN); /* the server's queue is full: wait */
		assert_int_equal(io_wait(fd, POLLOUT, -1, 1000), IO_READY);
	}
}

/* The next datagram on fd within ms, as text ("" if none came). */
static void dgram_recv(int fd, char *buf, size_t cap, int ms)
{
	buf[0] = '\0';
	if (io_wait(fd, POLLIN, -1, ms) != IO_READY)
		return;
	ssize_t n = recv(fd, buf, cap - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
}

/* 64 requests in flight from one client bound to a path and not connected
 * (as socat's clients are): more than its receive queue takes from us
 * (net.unix.max_dgram_qlen, 10 by default).  Every reply arrives, in order. */
static void test_dgram_replies_wait_for_a_full_client(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	char me[IPC_ADDR_MAX], name[32], got[GREET_REPLY_MAX + 1], want[64];

	snprintf(me, sizeof me, "%s/me.sock", env->dir);
	test_server_start(env, &unix_dgram_transport, NULL, -1, &s, &child);
	int fd = dgram_socket(me);
	for (int i = 0; i < 64; i++) {
		snprintf(name, sizeof name, "n%d", i);
		dgram_send_to(fd, s.addr.text, name);
	}
	int arrived = 0;
	for (int i = 0; i < 64; i++, arrived++) {
		dgram_recv(fd, got, sizeof got, 500);
		if (!got[0])
			break;
		snprintf(want, sizeof want, "Hello, n%d\n", i);
		assert_string_equal(got, want);
	}
	close(fd);
	unlink(me);
	test_server_stop(&child);
	if (arrived != 64)
		fail_msg("%d of 64 replies arrived", arrived);
}

/* A client bound to a path that became a symlink to another socket gets no
 * reply there: the server never follows the link. */
static void test_dgram_reply_path_symlink_not_followed(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	char me[IPC_ADDR_MAX], victim[IPC_ADDR_MAX], got[GREET_REPLY_MAX + 1];

	snprintf(me, sizeof me, "%s/me.sock", env->dir);
	snprintf(victim, sizeof victim, "%s/victim.sock", env->dir);
	test_server_start(env, &unix_dgram_transport, NULL, -1, &s, &child);
	int fd = dgram_socket(me), vfd = dgram_socket(victim);
	dgram_send_to(fd, s.addr.text, "Ann");
	dgram_recv(fd, got, sizeof got, 1000);
	assert_string_equal(got, "Hello, Ann\n");
	/* Our path now names the victim; our socket still sends as "me.sock". */
	assert_int_equal(unlink(me), 0);
	assert_int_equal(symlink(victim, me), 0);
	dgram_send_to(fd, s.addr.text, "Bob");
	expect_hello(env, &unix_dgram_transport, s.addr.text, "after"); /* Bob was handled */
	dgram_recv(vfd, got, sizeof got, 0);
	close(fd);
	close(vfd);
	unlink(me);
	unlink(victim);
	test_server_stop(&child);
	if (got[0])
		fail_msg("the reply followed the symlink to another socket: \"%s\"", got);
}

/* A datagram client killed while it waits for its reply leaves nothing in
 * the runtime directory. */
static void test_dgram_killed_client_leaves_nothing(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;

	test_server_start(env, &unix_dgram_transport, NULL, -1, &s, &child);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ipc_conn c;
		struct ipc_error e;
		struct ipc_addr a = { .pipe_fd = { -1, -1 } };
		snprintf(a.text, sizeof a.text, "%s", s.addr.text);
		ipc_conn_init(&c, &unix_dgram_transport, &env->ctx);
		if (unix_dgram_transport.connect(&c, &a, &e) == 0)
			(void)unix_dgram_transport.send(&c, "Kim", 3, &e);
		raise(SIGKILL);
		_exit(1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	expect_hello(env, &unix_dgram_transport, s.addr.text, "after");
	bool left = client_leftovers(env->dir);
	test_server_stop(&child);
	if (left)
		fail_msg("a killed unix_dgram client left its socket file in %s", env->dir);
}

/* A runtime directory of 88 bytes: the server's path fits in sun_path, and
 * a client can reach it (its own address must not need a longer path). */
static void test_dgram_long_runtime_dir(void **state)
{
	ENV;
	char deep[IPC_PATH_MAX];
	struct ipc_server s;
	struct server_child child;

	int n = snprintf(deep, sizeof deep, "%s/", env->dir);
	memset(deep + n, 'd', 88 - (size_t)n);
	deep[88] = '\0';
	assert_int_equal(mkdir(deep, 0700), 0);
	env->ctx.rundir = deep;
	test_server_start(env, &unix_dgram_transport, NULL, -1, &s, &child);
	char reply[GREET_REPLY_MAX + 1];
	struct ipc_error e = { 0 };
	int rc = greet(env, &unix_dgram_transport, s.addr.text, "Deb", reply, sizeof reply, &e);
	test_server_stop(&child);
	env->ctx.rundir = env->dir;
	assert_int_equal(rmdir(deep), 0);
	if (rc != 0)
		fail_msg("server at %s (%zu bytes) unreachable: %s", s.addr.text,
			 strlen(s.addr.text), e.msg);
	assert_string_equal(reply, "Hello, Deb\n");
}

/* 2,000 datagrams from an unbound sender (no address to answer) are a few
 * log lines, not 2,000. */
static void test_log_flood_summarized(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	char logbuf[1 << 16];
	FILE *log = tmpfile();

	assert_non_null(log);
	struct serve_opts o = { .stop_fd = -1, .idle_timeout_ms = 5000, .log = log };
	test_server_start_opts(env, &unix_dgram_transport, NULL, &o, &s, &child);
	int fd = dgram_socket("");
	for (int i = 0; i < 2000; i++)
		dgram_send_to(fd, s.addr.text, "nobody");
	close(fd);
	expect_hello(env, &unix_dgram_transport, s.addr.text, "after"); /* all handled */
	test_server_stop(&child);
	rewind(log);
	size_t n = fread(logbuf, 1, sizeof logbuf - 1, log);
	logbuf[n] = '\0';
	fclose(log);
	int lines = 0;
	for (const char *p = logbuf; (p = strchr(p, '\n')); p++)
		lines++;
	if (lines > 10)
		fail_msg("2,000 bad datagrams wrote %d log lines%s", lines,
			 n == sizeof logbuf - 1 ? " or more" : "");
	assert_true(lines >= 1);       /* said, though */
	assert_non_null(strstr(logbuf, "more times")); /* and counted */
}

/* ---- 7, 8: claiming a path, and giving it back ------------------------- */

/* A Unix socket file bound (not listening) at path, by this process. */
static int bound_socket(const char *path, int type)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	return fd;
}

static ino_t inode_of(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 ? st.st_ino : 0;
}

/* A server that has bound its path but not yet listened looks stale to a
 * probe.  While it holds the path's lock, a second server must not take
 * the path from it: it is refused and the first one's socket stays. */
static void test_second_server_waits_for_the_claim(void **state)
{
	ENV;
	static const struct ipc_transport *const ts[] = { &unix_stream_transport,
							   &unix_dgram_transport };
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
		char path[IPC_ADDR_MAX], lock[IPC_ADDR_MAX + 8];
		struct ipc_server s;
		struct ipc_error e = { 0 };

		ts[i]->default_address(&env->ctx, path, sizeof path);
		snprintf(lock, sizeof lock, "%s.lock", path);
		/* The first server, caught between bind() and listen(). */
		int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		assert_true(lfd >= 0);
		assert_int_equal(flock(lfd, LOCK_EX), 0);
		/* Its socket file looks stale to a probe: a stream socket not
		 * listening yet, or (the datagram case) a file whose socket is
		 * gone, as both servers see it before either binds. */
		int fd = bound_socket(path, ts[i] == &unix_dgram_transport ? SOCK_DGRAM
									    : SOCK_STREAM);
		if (ts[i] == &unix_dgram_transport) {
			close(fd);
			fd = -1;
		}
		ino_t before = inode_of(path);
		ipc_server_init(&s, ts[i], &env->ctx);
		int rc = ts[i]->listen(&s, NULL, &e);
		if (rc == 0)
			ts[i]->shutdown(&s, true);
		ino_t after = inode_of(path);
		if (fd >= 0)
			close(fd);
		unlink(path);
		close(lfd);
		unlink(lock);
		if (rc == 0 || after != before)
			fail_msg("%s: a second server took the path of one still starting", ts[i]->name);
		assert_int_equal(e.status, IPC_IN_USE);
	}
}

/* A server whose path was removed and re-created by someone else leaves the
 * new file alone when it stops: it removes only the file it created. */
static void test_stopping_server_spares_a_new_file(void **state)
{
	ENV;
	static const struct ipc_transport *const ts[] = { &unix_stream_transport,
							   &unix_dgram_transport, &fifo_transport };
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
		struct ipc_server s;
		struct server_child child;
		char path[IPC_ADDR_MAX];

		test_server_start(env, ts[i], NULL, -1, &s, &child);
		snprintf(path, sizeof path, "%s", s.addr.text);
		assert_int_equal(unlink(path), 0);
		int fd = -1;
		if (ts[i] == &fifo_transport)
			assert_int_equal(mkfifo(path, 0600), 0);
		else
			fd = bound_socket(path, SOCK_STREAM);
		ino_t mine = inode_of(path);
		test_server_stop(&child);
		ino_t after = inode_of(path);
		if (fd >= 0)
			close(fd);
		unlink(path);
		if (after != mine)
			fail_msg("%s: the stopping server removed a file it did not create",
				 ts[i]->name);
	}
}

/* A symlink at the socket path, to a stale socket: refused, and both the
 * link and the socket it names are left in place. */
static void test_symlink_to_stale_socket_left_alone(void **state)
{
	ENV;
	static const struct ipc_transport *const ts[] = { &unix_stream_transport,
							   &unix_dgram_transport };
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
		char path[IPC_ADDR_MAX], target[IPC_ADDR_MAX];
		struct ipc_server s;
		struct ipc_error e = { 0 };

		ts[i]->default_address(&env->ctx, path, sizeof path);
		snprintf(target, sizeof target, "%s/stale.sock", env->dir);
		close(bound_socket(target, ts[i] == &unix_stream_transport ? SOCK_STREAM
									   : SOCK_DGRAM));
		assert_int_equal(symlink(target, path), 0);
		ipc_server_init(&s, ts[i], &env->ctx);
		int rc = ts[i]->listen(&s, NULL, &e);
		if (rc == 0)
			ts[i]->shutdown(&s, true);
		struct stat st;
		bool link_kept = lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
		bool target_kept = lstat(target, &st) == 0 && S_ISSOCK(st.st_mode);
		unlink(path);
		unlink(target);
		assert_int_equal(rc, -1);
		assert_int_equal(e.status, IPC_IN_USE);
		assert_true(link_kept);
		assert_true(target_kept);
	}
}

/* ---- found by fuzzing -------------------------------------------------- */

/* An IPv6 address with a scope ("%2": an interface) prints with it, so that
 * "listening on ..." names the address really in use. */
static void test_ipv6_scope_kept(void **state)
{
	(void)state;
	struct sockaddr_storage ss;
	socklen_t len;
	struct ipc_error e;
	char text[IPC_ADDR_MAX];

	assert_int_equal(inet_address_parse(NULL, "[::%1]:7411", SOCK_STREAM, &ss, &len, &e), 0);
	inet_address_format(&ss, text, sizeof text);
	assert_string_equal(text, "[::%1]:7411");
}

/* ---- also: messages ------------------------------------------------------ */

/* A second server on the default path says what to do once, not twice. */
static void test_in_use_hint_said_once(void **state)
{
	ENV;
	struct test_bg bg;
	char out[512], err[1024];
	static const char *const args[] = { "unix_stream", NULL };

	test_bg_start(env, &bg, args, 0);
	int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "serve", "unix_stream",
			      (char *)NULL);
	char rest[1024];
	assert_int_equal(test_bg_stop(&bg, rest, sizeof rest), 0);
	assert_int_equal(rc, IPC_IN_USE);
	const char *first = strstr(err, "--address");
	assert_non_null(first);
	if (strstr(first + 1, "--address"))
		fail_msg("the hint repeats itself: %s", err);
}

/* A forked server's log is a stdio stream: its lines must reach the file
 * even when it is fully buffered, though the child ends with _exit(). */
static void test_forked_server_log_flushed(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	char logbuf[4096] = "";
	FILE *log = tmpfile();

	assert_non_null(log);
	assert_int_equal(setvbuf(log, NULL, _IOFBF, 1 << 16), 0);
	struct serve_opts o = { .stop_fd = -1, .idle_timeout_ms = 5000, .log = log };
	test_server_start_opts(env, &unix_stream_transport, NULL, &o, &s, &child);
	test_connect(env, &unix_stream_transport, &s, &c);
	struct ipc_error e;
	assert_int_equal(conn_send_all(&c, "half a name", 11, -1, 1000, &e), 0);
	unix_stream_transport.close(&c); /* leaves in the middle of a request */
	/* Greeted once more: the server has handled the leaver by then. */
	expect_hello(env, &unix_stream_transport, s.addr.text, "after");
	test_server_stop(&child);
	rewind(log);
	size_t n = fread(logbuf, 1, sizeof logbuf - 1, log);
	logbuf[n] = '\0';
	fclose(log);
	if (!strstr(logbuf, "in the middle of a request"))
		fail_msg("the child's log line was lost: \"%s\"", logbuf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_trickler_dropped_by_iterative_server,
						test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_timeout_zero_refused, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_fifo_stray_bytes_then_client_served,
						test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_fifo_megabyte_of_garbage, test_env_setup,
						test_env_teardown),
		cmocka_unit_test(test_fifo_notice_rules),
		cmocka_unit_test_setup_teardown(test_fifo_killed_client_leaves_nothing,
						test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_fifo_server_sweeps_dead_pairs, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_dgram_replies_wait_for_a_full_client,
						test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_dgram_reply_path_symlink_not_followed,
						test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_dgram_killed_client_leaves_nothing,
						test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_dgram_long_runtime_dir, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_log_flood_summarized, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_second_server_waits_for_the_claim,
						test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_stopping_server_spares_a_new_file,
						test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_symlink_to_stale_socket_left_alone,
						test_env_setup, test_env_teardown),
		cmocka_unit_test(test_ipv6_scope_kept),
		cmocka_unit_test_setup_teardown(test_in_use_hint_said_once, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_forked_server_log_flushed, test_env_setup,
						test_env_teardown),
	};
	if (getenv("IPCLAB_TEST_FILTER")) /* e.g. "test_fifo_*" while debugging */
		cmocka_set_test_filter(getenv("IPCLAB_TEST_FILTER"));
	return cmocka_run_group_tests_name("hardening", tests, NULL, NULL);
}
