/*
 * test_hostile_shm.c - a shm client that attacks the server, and what the
 * others must still get: each attack runs beside a well-behaved client that
 * must be answered within a deadline, and the server must then stop when
 * told.  The attacks: doorbells whose O_NONBLOCK the client clears (the
 * flag lives in the file description both share), connections that never
 * hand over their memory, a doorbell flood, hand-overs the server must
 * refuse (memory not sealed against shrinking, sealed against writing,
 * read-only, the wrong size or magic, the wrong descriptors), and many of
 * them at once.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../shm/shm.h"
#include "conn.h"
#include "io.h"

#define ENV struct test_env *env = *state

extern const struct ipc_transport shm_transport;

/* ---- helpers ----------------------------------------------------------- */

/* The server under attack, killed by the teardown if a failed check left
 * it running (a server that hangs must not outlive its test). */
static pid_t server_pid;

static int teardown(void **state)
{
	if (server_pid > 0) {
		kill(server_pid, SIGKILL);
		waitpid(server_pid, NULL, 0);
		server_pid = 0;
	}
	return test_env_teardown(state);
}

static void start(struct test_env *env, enum serve_mode mode, int idle_ms, struct ipc_server *s,
		  struct server_child *child)
{
	struct serve_opts o = { .stop_fd = -1, .idle_timeout_ms = idle_ms, .mode = mode };
	test_server_start_opts(env, &shm_transport, NULL, &o, s, child);
	server_pid = child->pid;
}

/* Tell the server to stop; it must be gone within ms (else killed, and the
 * test fails: a stopped server always stops). */
static void stop_within(struct server_child *child, int ms)
{
	int status;
	close(child->stop_fd);
	server_pid = 0;
	long long until = io_now_ms() + test_scale_ms(ms);
	while (waitpid(child->pid, &status, WNOHANG) == 0) {
		if (io_now_ms() > until) {
			kill(child->pid, SIGKILL);
			waitpid(child->pid, &status, 0);
			fail_msg("the server did not stop within %d ms of being told", ms);
		}
		usleep(5000);
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A good client is answered, within ms. */
static void greet_within(struct test_env *env, const struct ipc_server *s, const char *name,
			 int ms)
{
	struct ipc_conn c;
	struct ipc_error e = { 0 };
	char reply[300], want[300];
	size_t n = 0;
	long long t0 = io_now_ms();
	int saved = env->ctx.timeout_ms;

	env->ctx.timeout_ms = test_scale_ms(ms);
	ipc_conn_init(&c, &shm_transport, &env->ctx);
	int rc = shm_transport.connect(&c, &s->addr, &e);
	if (rc == 0)
		rc = conn_greet(&c, name, strlen(name), reply, sizeof reply - 1, &n, &e);
	env->ctx.timeout_ms = saved;
	if (rc != IPC_OK)
		fail_msg("good client %s not answered within %d ms: %s", name, ms, e.msg);
	reply[n] = '\0';
	snprintf(want, sizeof want, "Hello, %s\n", name);
	assert_string_equal(reply, want);
	shm_transport.close(&c);
	assert_true(io_now_ms() - t0 <= test_scale_ms(ms));
}

static int raw_connect(const struct ipc_server *s)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	memcpy(sun.sun_path, s->addr.text, strlen(s->addr.text) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	return fd;
}

/* Does the server hang up on fd within ms?  (Bell bytes it sent are read
 * past.) */
static bool closed_within(int fd, int ms)
{
	long long until = io_now_ms() + test_scale_ms(ms);
	char b[256];
	for (;;) {
		long long left = until - io_now_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (left <= 0 || poll(&p, 1, (int)left) != 1)
			return false;
		ssize_t n = recv(fd, b, sizeof b, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return true;
	}
}

/* What a hostile client keeps: every end of everything it handed over. */
struct hostile {
	int sock, memfd;
	int ours[2], theirs[2];
	struct shm_region *mem;
};

enum bad {
	GOOD, UNSEALED, WRITE_SEALED, READ_ONLY, SMALL, BAD_MAGIC, NO_FDS, ONE_FD, FOUR_FDS,
	EVENTFD_BELL, STREAM_BELL, BAD_KINDS
};

/* Hand over, as a client would, with one thing wrong (or none). */
static void hostile_handover(const struct ipc_server *s, struct hostile *h, enum bad bad)
{
	size_t size = sizeof(struct shm_region) - (bad == SMALL ? 4096 : 0);
	int seals = F_SEAL_SHRINK | F_SEAL_GROW;

	h->sock = raw_connect(s);
	h->memfd = memfd_create("hostile", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_true(h->memfd >= 0);
	assert_int_equal(ftruncate(h->memfd, (off_t)size), 0);
	h->mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, h->memfd, 0);
	assert_true(h->mem != MAP_FAILED);
	h->mem->magic = bad == BAD_MAGIC ? 0xdeadbeef : SHM_MAGIC;
	h->mem->ring_size = SHM_RING;
	h->mem->ring[0].reader_waiting = h->mem->ring[1].reader_waiting = 1;
	if (bad == WRITE_SEALED) { /* no writable mapping may exist then */
		munmap(h->mem, size);
		h->mem = NULL;
		seals |= F_SEAL_WRITE;
	}
	if (bad != UNSEALED)
		assert_int_equal(fcntl(h->memfd, F_ADD_SEALS, seals), 0);
	int type = bad == STREAM_BELL ? SOCK_STREAM : SOCK_DGRAM;
	assert_int_equal(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, h->ours), 0);
	assert_int_equal(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, h->theirs), 0);

	int fds[4] = { h->memfd, h->ours[1], h->theirs[0], h->theirs[1] }, nfds = 3;
	char proc[64];
	if (bad == READ_ONLY) {
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", h->memfd);
		fds[0] = open(proc, O_RDONLY | O_CLOEXEC);
		assert_true(fds[0] >= 0);
	}
	if (bad == EVENTFD_BELL)
		fds[1] = eventfd(0, EFD_CLOEXEC);
	if (bad == BAD_KINDS)
		fds[2] = open("/dev/null", O_RDWR | O_CLOEXEC);
	nfds = bad == NO_FDS ? 0 : bad == ONE_FD ? 1 : bad == FOUR_FDS ? 4 : 3;

	uint32_t hello[2] = { bad == BAD_MAGIC ? 0xdeadbeef : SHM_MAGIC, SHM_RING };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} ctl;
	memset(&ctl, 0, sizeof ctl);
	struct iovec iov = { .iov_base = hello, .iov_len = sizeof hello };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nfds) {
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	assert_int_equal(sendmsg(h->sock, &msg, MSG_NOSIGNAL), (ssize_t)sizeof hello);
	if (fds[0] != h->memfd)
		close(fds[0]);
	if (fds[1] != h->ours[1])
		close(fds[1]);
	if (fds[2] != h->theirs[0])
		close(fds[2]);
}

static void hostile_free(struct hostile *h)
{
	if (h->mem)
		munmap(h->mem, sizeof *h->mem);
	int *fds[] = { &h->sock, &h->memfd, &h->ours[0], &h->ours[1], &h->theirs[0], &h->theirs[1] };
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
}

static const enum serve_mode modes[] = { SERVE_ITERATIVE, SERVE_EPOLL };

/* ---- the attacks ------------------------------------------------------- */

/* The client clears O_NONBLOCK on every copy it kept of the descriptors it
 * handed over, says it waits for room, and sends a byte: the server, taking
 * the byte, wakes it through the client's room bell, whose flag is now
 * blocking.  The server must not wait there: the next client is answered,
 * and the server stops when told. */
static void test_cleared_nonblock_never_blocks(void **state)
{
	ENV;
	for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++) {
		struct ipc_server s;
		struct server_child child;
		struct hostile h;

		start(env, modes[k], 300, &s, &child);
		hostile_handover(&s, &h, GOOD);
		int fds[] = { h.sock, h.ours[0], h.ours[1], h.theirs[0], h.theirs[1] };
		for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
			assert_int_equal(fcntl(fds[i], F_SETFL, 0), 0);
		struct shm_ring *r = &h.mem->ring[0];
		atomic_store(&r->writer_waiting, 1);
		r->data[0] = 'x';
		atomic_store(&r->head, 1);
		assert_int_equal(send(h.sock, "!", 1, MSG_NOSIGNAL), 1);
		/* The iterative server serves the attacker first, until its
		 * idle time-out (300 ms). */
		greet_within(env, &s, "Patient", 2000);
		greet_within(env, &s, "Next", 1000);
		stop_within(&child, 2000);
		hostile_free(&h);
	}
}

/* Ten connections that never hand over their memory: the next client is
 * answered at once (not after ten hand-over deadlines), and the silent ones
 * are closed at their deadline. */
static void test_silent_handovers_stall_no_one(void **state)
{
	ENV;
	for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++) {
		struct ipc_server s;
		struct server_child child;
		int silent[10];

		start(env, modes[k], -1, &s, &child);
		for (int i = 0; i < 10; i++)
			silent[i] = raw_connect(&s);
		greet_within(env, &s, "Prompt", 700);
		for (int i = 0; i < 10; i++) {
			assert_true(closed_within(silent[i], 3000));
			close(silent[i]);
		}
		greet_within(env, &s, "After", 700);
		stop_within(&child, 2000);
	}
}

/* More clients connect at once than the pending list holds (64): none is
 * pushed out by the others, every one is answered. */
static void test_many_connect_at_once(void **state)
{
	ENV;
	enum { N = 100 };
	struct ipc_server s;
	struct server_child child;
	static struct ipc_conn c[N];

	start(env, SERVE_EPOLL, -1, &s, &child);
	for (int i = 0; i < N; i++)
		test_connect(env, &shm_transport, &s, &c[i]);
	for (int i = 0; i < N; i++) {
		char name[32], reply[64], want[64];
		size_t n = 0;
		struct ipc_error e = { 0 };
		snprintf(name, sizeof name, "Crowd-%d", i);
		if (conn_greet(&c[i], name, strlen(name), reply, sizeof reply - 1, &n, &e) != IPC_OK)
			fail_msg("client %d of %d not answered: %s", i, N, e.msg);
		reply[n] = '\0';
		snprintf(want, sizeof want, "Hello, %s\n", name);
		assert_string_equal(reply, want);
	}
	for (int i = 0; i < N; i++)
		shm_transport.close(&c[i]);
	stop_within(&child, 2000);
}

/* A client rings the data bell without pause (two flooder processes writing
 * bell bytes as fast as they can) and never sends a request.  Everyone else
 * is answered meanwhile, within a deadline each, and the flooders' socket
 * is closed at the idle time-out. */
static void test_doorbell_flood(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct ipc_conn c;
	pid_t flooder[2];

	start(env, SERVE_EPOLL, 500, &s, &child);
	test_connect(env, &shm_transport, &s, &c);
	io_set_nonblocking(c.rfd, false);
	for (int f = 0; f < 2; f++) {
		flooder[f] = fork();
		assert_true(flooder[f] >= 0);
		if (flooder[f] == 0) {
			static char bells[1 << 16];
			memset(bells, '!', sizeof bells);
			long long until = io_now_ms() + test_scale_ms(6000);
			while (io_now_ms() < until)
				if (send(c.rfd, bells, sizeof bells, MSG_NOSIGNAL) < 0)
					_exit(0); /* closed by the server: the idle time-out */
			_exit(1);
		}
	}
	for (int i = 0; i < 5; i++) {
		char name[32];
		snprintf(name, sizeof name, "Fair-%d", i);
		greet_within(env, &s, name, 1000);
	}
	for (int f = 0; f < 2; f++) {
		int status;
		assert_int_equal(waitpid(flooder[f], &status, 0), flooder[f]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0); /* closed before 6 s */
	}
	shm_transport.close(&c);
	stop_within(&child, 2000);
}

/* One look at a flooded doorbell takes a bounded share: with far more bell
 * bytes waiting than one look reads, recv() says "nothing yet" and leaves
 * the rest for the next turn (the socket stays readable), instead of
 * reading for as long as the client keeps ringing. */
static void test_one_look_is_bounded(void **state)
{
	ENV;
	struct ipc_server s;
	struct ipc_conn client, server;
	struct ipc_error e = { 0 };
	static char bells[1 << 16];
	char buf[64];
	size_t rung = 0;

	ipc_server_init(&s, &shm_transport, &env->ctx);
	assert_int_equal(shm_transport.listen(&s, NULL, &e), 0);
	test_connect(env, &shm_transport, &s, &client);
	ipc_conn_init(&server, &shm_transport, &env->ctx);
	assert_int_equal(shm_transport.accept(&s, &server, &e), 0);
	memset(bells, '!', sizeof bells);
	for (ssize_t n; (n = send(client.rfd, bells, sizeof bells, MSG_DONTWAIT)) > 0;)
		rung += (size_t)n;
	assert_true(rung > 128 * 1024);
	assert_int_equal(shm_transport.recv(&server, buf, sizeof buf, &e), IPC_WOULD_BLOCK);
	int left = 0;
	assert_int_equal(ioctl(server.rfd, FIONREAD, &left), 0);
	assert_true(left > 0);
	shm_transport.close(&server);
	shm_transport.close(&client);
	shm_transport.shutdown(&s, true);
}

/* Every kind of bad hand-over is refused (the server hangs up on it), and
 * counts as that client's fault: fifty memfds sealed against writing (which
 * mmap refuses) do not rest the listener, and the next client is answered
 * at once. */
static void test_bad_handovers_refused(void **state)
{
	ENV;
	test_deadline(30, "two servers, 22 bad hand-overs and 100 more, each refusal awaited");
	static const enum bad kinds[] = { UNSEALED, WRITE_SEALED, READ_ONLY, SMALL, BAD_MAGIC,
					  NO_FDS, ONE_FD, FOUR_FDS, EVENTFD_BELL, STREAM_BELL,
					  BAD_KINDS };
	for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++) {
		struct ipc_server s;
		struct server_child child;
		struct hostile h;

		start(env, modes[k], -1, &s, &child);
		for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
			hostile_handover(&s, &h, kinds[i]);
			if (!closed_within(h.sock, 1000))
				fail_msg("bad hand-over %zu (mode %s) was not refused", i,
					 serve_mode_name(modes[k]));
			hostile_free(&h);
		}
		struct hostile many[50];
		for (int i = 0; i < 50; i++)
			hostile_handover(&s, &many[i], WRITE_SEALED);
		greet_within(env, &s, "Unhurt", 1000);
		for (int i = 0; i < 50; i++)
			hostile_free(&many[i]);
		stop_within(&child, 2000);
	}
}

/* A well-formed hand-over is taken: the same helper, nothing wrong. */
static void test_good_raw_handover_served(void **state)
{
	ENV;
	struct ipc_server s;
	struct server_child child;
	struct hostile h;

	start(env, SERVE_EPOLL, -1, &s, &child);
	hostile_handover(&s, &h, GOOD);
	assert_false(closed_within(h.sock, 300));
	hostile_free(&h);
	greet_within(env, &s, "Fine", 1000);
	stop_within(&child, 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cleared_nonblock_never_blocks, test_env_setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_silent_handovers_stall_no_one, test_env_setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_many_connect_at_once, test_env_setup, teardown),
		cmocka_unit_test_setup_teardown(test_doorbell_flood, test_env_setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_one_look_is_bounded, test_env_setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_handovers_refused, test_env_setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_good_raw_handover_served, test_env_setup,
						teardown),
	};
	return cmocka_run_group_tests_name("hostile shm clients", tests, NULL, NULL);
}
