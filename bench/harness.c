/*
 * harness.c - what the benchmarks share: the two processes and their
 * report pipe, blocking I/O loops, CPU pinning, usage, notes and progress.
 * See bench.h.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"
#include "rundir.h"

#define TAG_READY 'R'
#define TAG_END 'E'

/* The report: a tag byte, then (TAG_END) the struct, in one write. */
#define REPORT_MSG_LEN (1 + sizeof(struct bench_child_report))
_Static_assert(REPORT_MSG_LEN <= PIPE_BUF, "one atomic write");

int bench_usage_now(struct bench_usage *u, struct ipc_error *e)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "getrusage");
	u->cpu_us = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
		    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	u->ctxsw = (double)(ru.ru_nvcsw + ru.ru_nivcsw);
	return 0;
}

void *bench_alloc_pages(size_t n)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t align = page > 0 ? (size_t)page : 4096;

	if (n == 0 || n > SIZE_MAX - align)
		return NULL;
	return aligned_alloc(align, (n + align - 1) / align * align);
}

int bench_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int bench_read_exact(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == 0) {
			if (got == 0)
				return 0;
			errno = 0; /* end of stream in the middle of a message */
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
	return 1;
}

int bench_set_rcvtimeo(int fd, int ms, struct ipc_error *e)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "setsockopt SO_RCVTIMEO fd %d", fd);
	return 0;
}

int bench_fail_client_silent(struct ipc_error *e, const char *who, int ms)
{
	ipc_fail(e, IPC_TIMEOUT, 0, "%s: nothing from the benchmark's client for %d ms (the "
		 "receive timed out)", who, ms);
	return ipc_hint(e, "the client stopped: its own error says why; else run the "
			"benchmark again on a less busy machine");
}

/* errno for a failed transport call: its own, or EPIPE when the peer hung
 * up with no system error (a shared-memory peer's end of stream). */
static int conn_errno(const struct ipc_error *e)
{
	return e->sys_errno ? e->sys_errno : e->status == IPC_PROTOCOL ? EPIPE : EIO;
}

ssize_t bench_conn_read(struct ipc_conn *c, void *buf, size_t cap)
{
	struct ipc_error e;

	if (!c->t->opaque_fds)
		return read(c->rfd, buf, cap);
	for (;;) {
		ssize_t n = c->t->recv(c, buf, cap, &e);
		if (n >= 0)
			return n;
		if (n != IPC_WOULD_BLOCK) {
			errno = conn_errno(&e);
			return -1;
		}
		if (io_wait(c->rfd, POLLIN, -1, -1) == IO_ERROR)
			return -1;
	}
}

int bench_conn_write_all(struct ipc_conn *c, const void *buf, size_t len)
{
	const char *p = buf;
	struct ipc_error e;

	if (!c->t->opaque_fds)
		return bench_write_all(c->wfd, buf, len);
	while (len > 0) {
		ssize_t n = c->t->send(c, p, len, &e);
		if (n == IPC_WOULD_BLOCK) {
			if (io_wait(c->wfd, POLLOUT, -1, -1) == IO_ERROR)
				return -1;
			continue;
		}
		if (n < 0) {
			errno = conn_errno(&e);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int bench_conn_read_exact(struct ipc_conn *c, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	if (!c->t->opaque_fds)
		return bench_read_exact(c->rfd, buf, len);
	while (got < len) {
		ssize_t n = bench_conn_read(c, p + got, len - got);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == 0) {
			if (got == 0)
				return 0;
			errno = 0;
		}
		return -1;
	}
	return 1;
}

/* ---- CPU placement ---------------------------------------------------- */

int bench_pin(int cpu, struct ipc_error *e)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "sched_setaffinity to CPU %d", cpu);
	return 0;
}

int bench_check_pins(const int pin[2], struct ipc_error *e)
{
	cpu_set_t allowed;

	if (sched_getaffinity(0, sizeof allowed, &allowed) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "sched_getaffinity");
	for (int i = 0; i < 2; i++) {
		if (pin[i] < 0)
			continue;
		if (pin[i] >= CPU_SETSIZE || !CPU_ISSET(pin[i], &allowed)) {
			char list[128] = "";
			size_t n = 0;
			for (int c = 0; c < CPU_SETSIZE && n + 8 < sizeof list; c++)
				if (CPU_ISSET(c, &allowed))
					n += (size_t)snprintf(list + n, sizeof list - n, "%s%d",
							      n ? "," : "", c);
			ipc_fail(e, IPC_USAGE, 0, "--pin: CPU %d is not available to this process",
				 pin[i]);
			return ipc_hint(e, "choose among CPUs %s", list);
		}
	}
	return 0;
}

/* ---- the two processes ------------------------------------------------ */

/* A private address for the benchmark's server: never the default one, where
 * a running `ipclab serve` may listen.  NULL: the transport's own (pipe). */
static const char *pair_address(const struct bench_opts *o, char *buf, size_t cap)
{
	const struct ipc_transport *t = o->t;

	switch (t->addressing) {
	case IPC_ADDR_INHERITED:
		return NULL;
	case IPC_ADDR_PORT:
		return "127.0.0.1:0"; /* any free port: runs never collide */
	case IPC_ADDR_MQ_NAME:
		snprintf(buf, cap, "/ipclab-%u-bench-%ld", (unsigned)getuid(), (long)getpid());
		return buf;
	case IPC_ADDR_PATH:
		break;
	}
	snprintf(buf, cap, "%s/bench-%ld.%s", o->ctx->rundir, (long)getpid(), t->name);
	return buf;
}

static void child_send_report(struct bench_pair *p, const struct bench_child_report *rep)
{
	char m[REPORT_MSG_LEN];

	m[0] = TAG_END;
	memcpy(m + 1, rep, sizeof *rep);
	/* Nothing to do if the parent is gone: it will see our exit. */
	if (bench_write_all(p->report_fd, m, sizeof m) < 0)
		_exit(IPC_SYSTEM);
}

void bench_report_error(struct bench_child_report *rep, const struct ipc_error *e)
{
	rep->status = e->status ? e->status : IPC_SYSTEM;
	rep->sys_errno = e->sys_errno;
	snprintf(rep->msg, sizeof rep->msg, "%s", e->msg);
}

void bench_child_ready(struct bench_pair *p)
{
	char tag = TAG_READY;
	if (bench_write_all(p->report_fd, &tag, 1) < 0)
		_exit(IPC_SYSTEM);
}

int bench_child_accept(struct ipc_server *s, struct ipc_conn *c, struct ipc_error *e)
{
	const struct ipc_transport *t = s->t;

	/* A datagram "accept" returns at once (there is nothing to wait for:
	 * the first datagram comes after READY), a stream one needs a client. */
	for (;;) {
		int r = t->accept(s, c, e);
		if (r == 0)
			break;
		if (r != IPC_WOULD_BLOCK)
			return -1;
		r = io_wait(s->fd, POLLIN, -1, BENCH_CHILD_TIMEOUT_MS);
		if (r == IO_TIMEOUT)
			return ipc_fail(e, IPC_TIMEOUT, 0, "%s server: no client within %d ms",
					t->name, BENCH_CHILD_TIMEOUT_MS);
		if (r < 0)
			return ipc_fail(e, IPC_SYSTEM, errno, "poll %s", s->addr.text);
	}
	/* Transports whose descriptors only signal (mqueue, shm) stay as
	 * they are: bench_conn_*() waits on them with poll(). */
	if (!t->opaque_fds &&
	    (io_set_nonblocking(c->rfd, false) < 0 || io_set_nonblocking(c->wfd, false) < 0)) {
		ipc_fail(e, IPC_SYSTEM, errno, "fcntl O_NONBLOCK off, %s server", t->name);
		t->close(c);
		return -1;
	}
	return 0;
}

static void child_main(struct bench_pair *p, bench_child_fn *fn, void *arg)
{
	struct bench_child_report rep;
	struct ipc_error e;

	memset(&rep, 0, sizeof rep);
	if (bench_pin(p->o->pin[1], &e) < 0) {
		rep.status = e.status;
		snprintf(rep.msg, sizeof rep.msg, "%s", e.msg);
	} else {
		fn(p, &p->s, arg, &rep);
	}
	p->s.t->shutdown(&p->s, true);
	child_send_report(p, &rep);
	_exit(0);
}

/* Read the tag byte; TAG_END brings the report with it. */
static int read_report(struct bench_pair *p, int timeout_ms, char *tag,
		       struct bench_child_report *rep, struct ipc_error *e)
{
	struct bench_child_report got;

	int r = io_wait(p->report_fd, POLLIN, -1, timeout_ms);
	if (r == IO_TIMEOUT)
		return ipc_fail(e, IPC_TIMEOUT, 0, "the %s benchmark's child said nothing for %d ms",
				p->o->t->name, timeout_ms);
	if (r < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "poll the report pipe");
	r = bench_read_exact(p->report_fd, tag, 1);
	if (r == 1 && *tag == TAG_END)
		r = bench_read_exact(p->report_fd, &got, sizeof got);
	if (r != 1)
		return ipc_fail(e, IPC_SYSTEM, r < 0 ? errno : 0,
				"the %s benchmark's child died without a report", p->o->t->name);
	if (*tag == TAG_END && rep)
		*rep = got;
	return 0;
}

/* ---- an interrupted pair ---------------------------------------------- *
 *
 * Ctrl-C (SIGINT to the whole foreground group) or SIGTERM to the parent
 * must not leave the pair's socket or FIFO and its lock file in the
 * runtime directory, nor its queue, nor a child serving on.  While a pair
 * runs, the parent's handler does the clean-up itself with calls that are
 * safe in a signal handler only (kill, waitpid, unlink, mq_unlink, which
 * is one system call on Linux, sigaction, raise): SIGKILL to the child,
 * reap it, remove what the pair named, then die of the same signal, so
 * that the shell sees an interrupted command (status 130 for SIGINT, 143
 * for SIGTERM).  Removing is safe: the parent holds the path's lock for
 * the pair's whole life, so no other server can have taken the path.
 *
 * A handler has no argument: what it removes is in `guard`, the one pair
 * a process runs at a time, filled with both signals blocked and emptied
 * (and the old handlers put back) by finish() and abort(). */
static struct {
	volatile sig_atomic_t armed; /* the handlers are ours */
	volatile pid_t child;        /* > 0: kill and reap it */
	char path[IPC_ADDR_MAX];     /* "": none */
	char lock[IPC_ADDR_MAX + 8]; /* "": none (not held) */
	char queue[IPC_ADDR_MAX];    /* a message queue's name; "": none */
	struct sigaction old_int, old_term;
} guard;

static void on_interrupt(int sig)
{
	int saved = errno;
	if (guard.child > 0) {
		kill(guard.child, SIGKILL);
		while (waitpid(guard.child, NULL, 0) < 0 && errno == EINTR)
			;
		guard.child = 0;
	}
	if (guard.path[0])
		unlink(guard.path);
	if (guard.lock[0])
		unlink(guard.lock);
	if (guard.queue[0])
		mq_unlink(guard.queue);
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	errno = saved;
	raise(sig); /* delivered as the handler returns: the signal is blocked in it */
}

static void guard_block(sigset_t *old)
{
	sigset_t both;
	sigemptyset(&both);
	sigaddset(&both, SIGINT);
	sigaddset(&both, SIGTERM);
	sigprocmask(SIG_BLOCK, &both, old);
}

/* Install the handlers, the pair's names still empty. */
static void guard_arm(void)
{
	struct sigaction sa = { .sa_handler = on_interrupt };
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	guard.child = 0;
	guard.path[0] = guard.lock[0] = guard.queue[0] = '\0';
	if (sigaction(SIGINT, &sa, &guard.old_int) == 0 &&
	    sigaction(SIGTERM, &sa, &guard.old_term) == 0)
		guard.armed = 1;
}

/* What the pair made, once it is listening (signals blocked). */
static void guard_names(const struct ipc_server *s)
{
	switch (s->t->addressing) {
	case IPC_ADDR_PATH:
		snprintf(guard.path, sizeof guard.path, "%s", s->addr.text);
		if (s->lock_fd >= 0)
			snprintf(guard.lock, sizeof guard.lock, "%s.lock", s->addr.text);
		break;
	case IPC_ADDR_MQ_NAME:
		snprintf(guard.queue, sizeof guard.queue, "%s", s->addr.text);
		break;
	case IPC_ADDR_INHERITED:
	case IPC_ADDR_PORT:
		break;
	}
}

/* The pair is over (its files removed, or the child's to remove): the
 * old handlers again.  A signal held back meanwhile comes after this. */
static void guard_disarm(void)
{
	sigset_t old;
	if (!guard.armed)
		return;
	guard_block(&old);
	guard.armed = 0;
	guard.child = 0;
	guard.path[0] = guard.lock[0] = guard.queue[0] = '\0';
	sigaction(SIGINT, &guard.old_int, NULL);
	sigaction(SIGTERM, &guard.old_term, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* The child serves until the parent stops it: the handlers the process had
 * before the pair (the parent's, not ours), and its signal mask. */
static void guard_child(const sigset_t *old)
{
	guard.armed = 0;
	guard.child = 0;
	guard.path[0] = guard.lock[0] = guard.queue[0] = '\0';
	sigaction(SIGINT, &guard.old_int, NULL);
	sigaction(SIGTERM, &guard.old_term, NULL);
	sigprocmask(SIG_SETMASK, old, NULL);
}

int bench_pair_start(struct bench_pair *p, const struct bench_opts *o, bool connect,
		     bench_child_fn *fn, void *arg, struct ipc_error *e)
{
	const struct ipc_transport *t = o->t;
	char path[IPC_ADDR_MAX];
	int rp[2];

	memset(p, 0, sizeof *p);
	p->o = o;
	p->pid = -1;
	p->report_fd = -1;
	p->lock_fd = -1;
	ipc_conn_init(&p->c, t, o->ctx);
	signal(SIGPIPE, SIG_IGN); /* a vanished peer is EPIPE, never a death */
	if (bench_check_pins(o->pin, e) < 0)
		return -1;
	if (o->ctx->rundir && rundir_ensure(o->ctx->rundir, e) < 0)
		return -1;
	ipc_server_init(&p->s, t, o->ctx);
	/* SIGINT and SIGTERM wait from before the path exists until the
	 * handler knows it and the child (see `guard`). */
	sigset_t held;
	guard_block(&held);
	guard_arm();
	if (t->listen(&p->s, pair_address(o, path, sizeof path), e) < 0) {
		guard_disarm();
		sigprocmask(SIG_SETMASK, &held, NULL);
		return -1;
	}
	guard_names(&p->s);
	if (pipe2(rp, O_CLOEXEC) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "pipe for the benchmark's report");
		t->shutdown(&p->s, true);
		guard_disarm();
		sigprocmask(SIG_SETMASK, &held, NULL);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "fork the %s benchmark's server", t->name);
		close(rp[0]);
		close(rp[1]);
		t->shutdown(&p->s, true);
		guard_disarm();
		sigprocmask(SIG_SETMASK, &held, NULL);
		return -1;
	}
	if (pid == 0) {
		guard_child(&held);
		close(rp[0]);
		p->report_fd = rp[1];
		p->pid = 0;
		child_main(p, fn, arg);
	}
	guard.child = pid;
	sigprocmask(SIG_SETMASK, &held, NULL);
	close(rp[1]);
	p->report_fd = rp[0];
	p->pid = pid;
	/* A child that dies before its shutdown() leaves the path and its
	 * lock file; only a holder of the lock may remove that file, so the
	 * parent keeps a hold of its own (the same open file: the child's
	 * lock stays the one lock) for abort() to remove them with. */
	if (p->s.lock_fd >= 0 && (p->lock_fd = fcntl(p->s.lock_fd, F_DUPFD_CLOEXEC, 0)) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "dup the lock of %s", p->s.addr.text);
		goto fail; /* abort() removes the path under the lock we still hold */
	}
	t->shutdown(&p->s, false); /* the child serves; we keep the address */

	if (connect) {
		if (t->connect(&p->c, &p->s.addr, e) < 0)
			goto fail;
		p->connected = true;
		if (!t->opaque_fds && (io_set_nonblocking(p->c.rfd, false) < 0 ||
				       io_set_nonblocking(p->c.wfd, false) < 0)) {
			ipc_fail(e, IPC_SYSTEM, errno, "fcntl O_NONBLOCK off, %s client", t->name);
			goto fail;
		}
	}
	if (o->pin[0] >= 0) {
		if (sched_getaffinity(0, sizeof p->affinity, &p->affinity) < 0) {
			ipc_fail(e, IPC_SYSTEM, errno, "sched_getaffinity");
			goto fail;
		}
		if (bench_pin(o->pin[0], e) < 0)
			goto fail;
		p->pinned = true;
	}
	char tag;
	struct bench_child_report rep;
	if (read_report(p, BENCH_CHILD_TIMEOUT_MS, &tag, &rep, e) < 0)
		goto fail;
	if (tag != TAG_READY) { /* the child failed before it was ready */
		ipc_fail(e, rep.status ? rep.status : IPC_SYSTEM, 0, "%s", rep.msg);
		goto fail;
	}
	return 0;
fail:
	bench_pair_abort(p);
	return -1;
}

int bench_pair_poll_report(struct bench_pair *p, int timeout_ms, struct ipc_error *e)
{
	struct pollfd pfd = { .fd = p->report_fd, .events = POLLIN };
	int r;

	while ((r = poll(&pfd, 1, timeout_ms)) < 0)
		if (errno != EINTR)
			return ipc_fail(e, IPC_SYSTEM, errno, "poll the report pipe");
	return r > 0;
}

/* Back where the parent ran before: the next benchmark (and the next
 * check of --pin) must see every CPU again. */
static void unpin(struct bench_pair *p)
{
	if (p->pinned && sched_setaffinity(0, sizeof p->affinity, &p->affinity) == 0)
		p->pinned = false;
}

static int reap(struct bench_pair *p, struct ipc_error *e)
{
	int status;

	if (p->pid <= 0)
		return 0;
	while (waitpid(p->pid, &status, 0) < 0)
		if (errno != EINTR)
			return ipc_fail(e, IPC_SYSTEM, errno, "waitpid %d", (int)p->pid);
	p->pid = -1;
	guard.child = 0; /* reaped: nothing for the handler to kill */
	if (WIFSIGNALED(status))
		return ipc_fail(e, IPC_SYSTEM, 0, "the benchmark's server died of signal %d (%s)",
				WTERMSIG(status), strsignal(WTERMSIG(status)));
	if (WEXITSTATUS(status) != 0)
		return ipc_fail(e, WEXITSTATUS(status), 0,
				"the benchmark's server exited with status %d", WEXITSTATUS(status));
	return 0;
}

/* Give up the parent's hold on the path's lock; unless the child stopped
 * cleanly (it removed its own path and lock file), remove them first. */
static void drop_lock(struct bench_pair *p, bool child_clean)
{
	if (child_clean) {
		if (p->lock_fd >= 0)
			close(p->lock_fd);
		p->lock_fd = -1;
		return;
	}
	if (p->lock_fd >= 0) {
		p->s.lock_fd = p->lock_fd;
		p->lock_fd = -1;
	}
	p->o->t->shutdown(&p->s, true);
}

int bench_pair_finish(struct bench_pair *p, struct bench_child_report *rep,
		      struct ipc_error *e)
{
	char tag = 0;

	unpin(p);
	if (p->connected) {
		p->o->t->close(&p->c);
		p->connected = false;
	}
	memset(rep, 0, sizeof *rep);
	if (read_report(p, BENCH_CHILD_TIMEOUT_MS, &tag, rep, e) < 0 || tag != TAG_END) {
		if (tag)
			ipc_fail(e, IPC_SYSTEM, 0, "the benchmark's child sent no report");
		bench_pair_abort(p);
		return -1;
	}
	close(p->report_fd);
	p->report_fd = -1;
	int reaped = reap(p, e);
	drop_lock(p, reaped == 0); /* a clean child removed its own files */
	guard_disarm();
	if (reaped < 0)
		return -1;
	if (rep->status) {
		ipc_fail(e, rep->status, 0, "%s", rep->msg); /* strerror is in it already */
		e->sys_errno = rep->sys_errno;
		return -1;
	}
	return 0;
}

void bench_pair_abort(struct bench_pair *p)
{
	struct ipc_error ignored;

	unpin(p);
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		reap(p, &ignored);
	}
	if (p->connected) {
		p->o->t->close(&p->c);
		p->connected = false;
	}
	if (p->report_fd >= 0) {
		close(p->report_fd);
		p->report_fd = -1;
	}
	/* A killed child removed nothing: its socket or FIFO path goes now,
	 * and the lock file with it (under the parent's hold of the lock). */
	drop_lock(p, false);
	guard_disarm();
}

/* ---- results ---------------------------------------------------------- */

void bench_result_init(struct bench_result *r, const struct bench_opts *o, const char *kind)
{
	memset(r, 0, sizeof *r);
	if (o->pin[0] >= 0 || o->pin[1] >= 0)
		snprintf(r->pin, sizeof r->pin, "%d,%d", o->pin[0], o->pin[1]);
	else
		snprintf(r->pin, sizeof r->pin, "none");
	r->row.kind = kind;
	r->row.transport = o->t ? o->t->name : "";
	if (o->t && o->t->can_spin && o->ctx && o->ctx->wait == IPC_WAIT_SPIN) {
		snprintf(r->transport, sizeof r->transport, "%s-spin", o->t->name);
		r->row.transport = r->transport;
	}
	if (o->t && o->io_uring) {
		snprintf(r->transport, sizeof r->transport, "%s-uring", o->t->name);
		r->row.transport = r->transport;
	}
	if (o->t && o->unconnected) {
		snprintf(r->transport, sizeof r->transport, "%s-unconnected", o->t->name);
		r->row.transport = r->transport;
	}
	r->row.mode = r->mode;
	r->row.size = o->size;
	r->row.clients = 1;
	r->row.pin = r->pin;
	r->row.note = r->note;
}

void bench_warn(FILE *warn, const char *fmt, ...)
{
	va_list ap;

	if (!warn)
		return;
	fputs("ipclab bench: warning: ", warn);
	va_start(ap, fmt);
	vfprintf(warn, fmt, ap);
	va_end(ap);
	fputc('\n', warn);
}

void bench_note(struct bench_result *r, const char *word)
{
	size_t n = strlen(r->note);
	snprintf(r->note + n, sizeof r->note - n, "%s%s", n ? " " : "", word);
}

static int write_samples(const char *path, const double *us, size_t n, struct ipc_error *e)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return ipc_fail(e, IPC_SYSTEM, errno, "open %s for the samples", path);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%.3f\n", us[i]);
	int bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return ipc_fail(e, IPC_SYSTEM, errno, "write %s", path);
	return 0;
}

int bench_finish_latency(struct bench_result *r, const struct bench_opts *o, uint64_t *ns,
			 double *us, size_t n, struct ipc_error *e)
{
	for (size_t i = 0; i < n; i++)
		us[i] = (double)ns[i] / 1000.0;
	/* In measurement order, before stats_compute() sorts them. */
	if (o->samples_path && write_samples(o->samples_path, us, n, e) < 0)
		return -1;
	struct stats_levels lv;
	bool two = stats_series_levels(us, n, &lv);
	stats_compute(us, n, &r->row.lat_us);
	if (two) {
		/* The figures below blend two regimes: say which, and how much
		 * of the run each took (windows are equal shares of it). */
		char words[96];
		unsigned high_pct = (unsigned)(100 * lv.n_high / lv.points);
		bench_note(r, "TWO-LEVEL");
		snprintf(words, sizeof words, "levels=%.3f/%.3fus high=%u%%", lv.low, lv.high,
			 high_pct);
		bench_note(r, words);
		bench_warn(o->warn, "%s %s: the run sat on two levels, %u %% of it at %.3f us "
			   "and %u %% at %.3f us (medians of %zu stretches in time): the machine "
			   "changed speed mid-run, and p50 and mean mix both; run it again",
			   r->row.kind, r->row.transport, 100 - high_pct, lv.low, high_pct, lv.high,
			   lv.points);
	}
	if (!strcmp(r->pin, "none")) {
		bench_note(r, "UNPINNED");
		bench_warn(o->warn, "%s %s run unpinned: the scheduler places "
			"and moves both processes; use --pin A,B for comparable figures",
			r->row.kind, r->row.transport);
	}
	if (stats_high_spread(&r->row.lat_us)) {
		bench_note(r, "HIGH-SPREAD");
		bool pinned = strcmp(r->pin, "none") != 0;
		bench_warn(o->warn, "%s %s: high spread, p99 %.3f us > %.0f x "
			"p50 %.3f us; %s", r->row.kind, r->row.transport, r->row.lat_us.p99,
			STATS_SPREAD_FACTOR, r->row.lat_us.p50, pinned
			? "quiet the machine (`ipclab bench pauses` measures its own pauses)"
			: "pin the processes (--pin A,B) and quiet the machine");
	}
	return 0;
}

/* ---- progress --------------------------------------------------------- */

#define PROGRESS_EVERY_NS 500000000u

void bench_progress_start(struct bench_progress *pg, const struct bench_opts *o,
			  const char *fmt, ...)
{
	va_list ap;

	memset(pg, 0, sizeof *pg);
	pg->on = o->progress;
	if (!pg->on)
		return;
	pg->tty = isatty(STDERR_FILENO);
	va_start(ap, fmt);
	vsnprintf(pg->what, sizeof pg->what, fmt, ap);
	va_end(ap);
	pg->next_ns = bench_now_ns() + PROGRESS_EVERY_NS;
	fprintf(stderr, pg->tty ? "\r\033[K%s: starting" : "%s: starting\n", pg->what);
}

void bench_progress_tick(struct bench_progress *pg, unsigned long long done,
			 unsigned long long total)
{
	if (!pg->on)
		return;
	uint64_t now = bench_now_ns();
	if (now < pg->next_ns)
		return;
	pg->next_ns = now + PROGRESS_EVERY_NS;
	fprintf(stderr, pg->tty ? "\r\033[K%s: %llu/%llu (%llu%%)" : "%s: %llu/%llu (%llu%%)\n",
		pg->what, done, total, total ? done * 100 / total : 100);
}

void bench_progress_end(struct bench_progress *pg)
{
	if (pg->on)
		fprintf(stderr, pg->tty ? "\r\033[K%s: done\n" : "%s: done\n", pg->what);
}

double bench_mb_per_s(unsigned long long bytes, uint64_t elapsed_ns)
{
	return elapsed_ns ? (double)bytes / 1e6 / ((double)elapsed_ns / 1e9) : 0;
}

void bench_cost(const struct bench_usage *u0, const struct bench_usage *u1,
		const struct bench_child_report *server, unsigned long ops, double *cpu_us_per_op,
		double *ctxsw_per_op)
{
	double n = ops ? (double)ops : 1;
	*cpu_us_per_op = (u1->cpu_us - u0->cpu_us + server->cpu_us) / n;
	*ctxsw_per_op = (u1->ctxsw - u0->ctxsw + server->ctxsw) / n;
}
