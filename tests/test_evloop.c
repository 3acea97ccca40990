/*
 * test_evloop.c - the event loop on its own, once per backend (select, poll,
 * epoll), with pipes: readiness, write interest, unwatch, hang-ups,
 * timeouts, and the descriptors a backend must refuse.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <unistd.h>

#include "evloop.h"

/* What the handlers saw. */
struct seen {
	int calls;
	int fd;
	int events;
	void *arg;
	struct evloop *unwatch_in; /* record_and_unwatch: loop to unwatch `victim` in */
	int victim;
};

static void record(struct evloop *l, int fd, int events, void *arg)
{
	struct seen *s = arg;
	(void)l;
	s->calls++;
	s->fd = fd;
	s->events = events;
	s->arg = arg;
}

/* Records, then unwatches (and closes) another descriptor that was ready
 * in the same round: its handler must not be called. */
static void record_and_unwatch(struct evloop *l, int fd, int events, void *arg)
{
	struct seen *s = arg;
	record(l, fd, events, arg);
	if (s->victim >= 0) {
		evloop_unwatch(l, s->victim);
		close(s->victim);
		s->victim = -1;
	}
}

struct fixture {
	enum ev_backend backend;
	struct evloop *l;
	int p[2];       /* p[0] read end, p[1] write end, both non-blocking */
	struct seen seen;
};

static int setup(void **state)
{
	const enum ev_backend *b = *state;
	struct fixture *f = calloc(1, sizeof *f);
	struct ipc_error e;

	if (!f)
		return -1;
	f->backend = *b;
	f->l = evloop_new(f->backend, FD_SETSIZE + 64, &e);
	if (!f->l || pipe2(f->p, O_NONBLOCK | O_CLOEXEC) < 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	evloop_free(f->l);
	if (f->p[0] >= 0)
		close(f->p[0]);
	if (f->p[1] >= 0)
		close(f->p[1]);
	free(f);
	return 0;
}

static void watch_ok(struct fixture *f, int fd, int events, ev_handler *h, void *arg)
{
	struct ipc_error e = { 0 };
	if (evloop_watch(f->l, fd, events, h, arg, &e) < 0)
		fail_msg("%s: watch fd %d: %s", evloop_backend_name(f->backend), fd, e.msg);
}

static int run(struct fixture *f, int timeout_ms)
{
	struct ipc_error e = { 0 };
	int n = evloop_run_once(f->l, timeout_ms, &e);
	if (n < 0)
		fail_msg("%s: run_once: %s", evloop_backend_name(f->backend), e.msg);
	return n;
}

static void test_readable_pipe(void **state)
{
	struct fixture *f = *state;

	watch_ok(f, f->p[0], EV_READ, record, &f->seen);
	assert_int_equal(run(f, 0), 0); /* nothing written yet */
	assert_int_equal(f->seen.calls, 0);
	assert_int_equal(write(f->p[1], "x", 1), 1);
	assert_int_equal(run(f, 5000), 1);
	assert_int_equal(f->seen.calls, 1);
	assert_int_equal(f->seen.fd, f->p[0]);
	assert_int_equal(f->seen.events, EV_READ);
	assert_ptr_equal(f->seen.arg, &f->seen);
	/* Level-triggered: still unread, so ready again. */
	assert_int_equal(run(f, 5000), 1);
	assert_int_equal(f->seen.calls, 2);
}

static void test_timeout_returns_zero(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, 10), 0); /* nothing watched at all */
	watch_ok(f, f->p[0], EV_READ, record, &f->seen);
	assert_int_equal(run(f, 20), 0);
	assert_int_equal(f->seen.calls, 0);
}

static void test_write_interest(void **state)
{
	struct fixture *f = *state;
	char buf[4096];

	/* Interest 0: registered, waits for nothing. */
	watch_ok(f, f->p[1], 0, record, &f->seen);
	assert_int_equal(run(f, 20), 0);
	/* An empty pipe is writable. */
	watch_ok(f, f->p[1], EV_WRITE, record, &f->seen);
	assert_int_equal(run(f, 5000), 1);
	assert_int_equal(f->seen.fd, f->p[1]);
	assert_int_equal(f->seen.events, EV_WRITE);
	/* A full pipe is not ... */
	memset(buf, 'x', sizeof buf);
	while (write(f->p[1], buf, sizeof buf) > 0)
		;
	assert_int_equal(errno, EAGAIN);
	f->seen.calls = 0;
	assert_int_equal(run(f, 20), 0);
	/* ... until the reader takes enough. */
	while (read(f->p[0], buf, sizeof buf) > 0)
		;
	assert_int_equal(run(f, 5000), 1);
	assert_int_equal(f->seen.events, EV_WRITE);
	/* Both interests on one fd: only what is ready is reported. */
	watch_ok(f, f->p[0], EV_READ | EV_WRITE, record, &f->seen);
	watch_ok(f, f->p[1], 0, record, &f->seen);
	assert_int_equal(write(f->p[1], "y", 1), 1);
	assert_int_equal(run(f, 5000), 1);
	assert_int_equal(f->seen.fd, f->p[0]);
	assert_int_equal(f->seen.events, EV_READ);
}

static void test_unwatch(void **state)
{
	struct fixture *f = *state;

	watch_ok(f, f->p[0], EV_READ, record, &f->seen);
	assert_int_equal(write(f->p[1], "x", 1), 1);
	evloop_unwatch(f->l, f->p[0]);
	evloop_unwatch(f->l, f->p[0]); /* twice is harmless */
	assert_int_equal(run(f, 20), 0);
	assert_int_equal(f->seen.calls, 0);
	/* And it can be watched again. */
	watch_ok(f, f->p[0], EV_READ, record, &f->seen);
	assert_int_equal(run(f, 5000), 1);
}

/* A hang-up wakes the handler with what the fd waits for, so that its next
 * read (end of file) or write (EPIPE) finds out. */
static void test_hangup(void **state)
{
	struct fixture *f = *state;
	struct seen w = { 0 };
	int q[2];

	watch_ok(f, f->p[0], EV_READ, record, &f->seen);
	close(f->p[1]);
	f->p[1] = -1;
	assert_int_equal(run(f, 5000), 1);
	assert_int_equal(f->seen.events, EV_READ);

	assert_int_equal(pipe2(q, O_NONBLOCK | O_CLOEXEC), 0);
	char buf[4096] = { 0 };
	while (write(q[1], buf, sizeof buf) > 0)
		; /* full: only the hang-up can make it "ready" */
	watch_ok(f, q[1], EV_WRITE, record, &w);
	close(q[0]);
	evloop_unwatch(f->l, f->p[0]);
	assert_int_equal(run(f, 5000), 1);
	assert_int_equal(w.fd, q[1]);
	assert_int_equal(w.events, EV_WRITE);
	evloop_unwatch(f->l, q[1]);
	close(q[1]);
}

/* A handler that unwatches another ready fd: that fd's handler is skipped. */
static void test_unwatch_from_handler(void **state)
{
	struct fixture *f = *state;
	struct seen a = { .victim = -1 }, b = { .victim = -1 };
	int q[2];

	assert_int_equal(pipe2(q, O_NONBLOCK | O_CLOEXEC), 0);
	a.victim = q[0];
	b.victim = f->p[0];
	watch_ok(f, f->p[0], EV_READ, record_and_unwatch, &a);
	watch_ok(f, q[0], EV_READ, record_and_unwatch, &b);
	assert_int_equal(write(f->p[1], "x", 1), 1);
	assert_int_equal(write(q[1], "x", 1), 1);
	assert_int_equal(run(f, 5000), 1);
	assert_int_equal(a.calls + b.calls, 1);
	if (b.calls) { /* q[0] went first and closed p[0] */
		f->p[0] = -1;
		evloop_unwatch(f->l, q[0]);
		close(q[0]);
	}
	close(q[1]);
}

/* What no backend can watch, and what only select cannot. */
static void test_refused_descriptors(void **state)
{
	struct fixture *f = *state;
	struct ipc_error e = { 0 };

	assert_int_equal(evloop_watch(f->l, -1, EV_READ, record, &f->seen, &e), -1);
	assert_int_equal(evloop_watch(f->l, FD_SETSIZE + 64, EV_READ, record, &f->seen, &e), -1);
	assert_non_null(strstr(e.msg, "beyond"));

	/* The same pipe as descriptor number FD_SETSIZE (1024). */
	int high = dup3(f->p[0], FD_SETSIZE, O_CLOEXEC);
	if (high < 0)
		fail_msg("dup3 to fd %d: %s (RLIMIT_NOFILE too low?)", FD_SETSIZE, strerror(errno));
	memset(&e, 0, sizeof e);
	int r = evloop_watch(f->l, high, EV_READ, record, &f->seen, &e);
	if (f->backend == EV_SELECT) {
		assert_int_equal(r, -1);
		assert_non_null(strstr(e.msg, "FD_SETSIZE"));
		/* The loop still works for the fds it has. */
		watch_ok(f, f->p[0], EV_READ, record, &f->seen);
		assert_int_equal(write(f->p[1], "x", 1), 1);
		assert_int_equal(run(f, 5000), 1);
		assert_int_equal(f->seen.fd, f->p[0]);
	} else {
		assert_int_equal(r, 0);
		assert_int_equal(write(f->p[1], "x", 1), 1);
		assert_int_equal(run(f, 5000), 1);
		assert_int_equal(f->seen.fd, high);
		evloop_unwatch(f->l, high);
	}
	close(high);

	/* epoll cannot watch a regular file (select and poll call it ready). */
	if (f->backend == EV_EPOLL) {
		char path[] = "/tmp/ipclab-evloop-XXXXXX";
		int reg = mkstemp(path);
		assert_true(reg >= 0);
		unlink(path);
		assert_int_equal(evloop_watch(f->l, reg, EV_READ, record, &f->seen, &e), -1);
		assert_non_null(strstr(e.msg, "epoll_ctl"));
		close(reg);
	}
}

static void test_backend_names(void **state)
{
	enum ev_backend b;
	(void)state;
	assert_int_equal(evloop_backend_parse("select", &b), 0);
	assert_int_equal(b, EV_SELECT);
	assert_int_equal(evloop_backend_parse("poll", &b), 0);
	assert_int_equal(b, EV_POLL);
	assert_int_equal(evloop_backend_parse("epoll", &b), 0);
	assert_int_equal(b, EV_EPOLL);
	assert_int_equal(evloop_backend_parse("kqueue", &b), -1);
	assert_string_equal(evloop_backend_name(EV_EPOLL), "epoll");

	struct ipc_error e = { 0 };
	assert_null(evloop_new(EV_POLL, 0, &e));
	assert_non_null(strstr(e.msg, "max_fds"));
}

#define EV_CASE(test, b) \
	cmocka_unit_test_prestate_setup_teardown(test, setup, teardown, (void *)(b))

static int run_backend(const enum ev_backend *b)
{
	const struct CMUnitTest tests[] = {
		EV_CASE(test_readable_pipe, b),
		EV_CASE(test_timeout_returns_zero, b),
		EV_CASE(test_write_interest, b),
		EV_CASE(test_unwatch, b),
		EV_CASE(test_hangup, b),
		EV_CASE(test_unwatch_from_handler, b),
		EV_CASE(test_refused_descriptors, b),
	};
	printf("== evloop: %s\n", evloop_backend_name(*b));
	fflush(stdout);
	return cmocka_run_group_tests_name("evloop", tests, NULL, NULL);
}

int main(void)
{
	static const enum ev_backend backends[] = { EV_SELECT, EV_POLL, EV_EPOLL };
	const struct CMUnitTest common[] = { cmocka_unit_test(test_backend_names) };
	struct rlimit rl;
	int failed = 0;

	/* Room for descriptor number FD_SETSIZE. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
		failed += run_backend(&backends[i]);
	failed += cmocka_run_group_tests_name("evloop names", common, NULL, NULL);
	return failed ? 1 : 0;
}
