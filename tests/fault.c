/* fault.c - the wrappers behind fault.h, linked only into test programs. */
#include "fault.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#define FAULT_RULES 64

struct rule {
	int used;        /* published last (release), read first (acquire) */
	pid_t owner;     /* the process that added it: FAULT_HERE / FAULT_CHILD */
	struct fault f;
	int seen;        /* matching calls since it was added */
	int fired;       /* calls it acted on */
};

/* Shared by the test process and every child it forks from now on. */
struct fault_state {
	int nrules;
	struct rule r[FAULT_RULES];
	int clock_on;
	long long clock_ns;
};

static struct fault_state *st;
/* Counted per process: a counter shared by a busy server and its clients
 * would bounce between CPUs on every call. */
static long calls[FAULT_NCALLS];

static const char *const names[FAULT_NCALLS] = {
	[FAULT_READ] = "read",       [FAULT_WRITE] = "write",     [FAULT_SEND] = "send",
	[FAULT_RECV] = "recv",       [FAULT_SENDTO] = "sendto",   [FAULT_RECVMSG] = "recvmsg",
	[FAULT_ACCEPT4] = "accept4", [FAULT_CONNECT] = "connect", [FAULT_SOCKET] = "socket",
	[FAULT_OPEN] = "open",       [FAULT_POLL] = "poll",       [FAULT_SELECT] = "select",
	[FAULT_EPOLL_WAIT] = "epoll_wait",
};

const char *fault_call_name(enum fault_call call)
{
	return (unsigned)call < FAULT_NCALLS ? names[call] : "?";
}

/* Mapped before main(): the wrappers never see a missing state. */
__attribute__((constructor)) static void fault_map(void)
{
	void *p = mmap(NULL, sizeof *st, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(99);
	st = p; /* zero-filled: no rule, clock off */
}

void fault_clear_rules(void)
{
	for (int i = 0; i < FAULT_RULES; i++)
		__atomic_store_n(&st->r[i].used, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&st->nrules, 0, __ATOMIC_RELEASE);
}

void fault_reset(void)
{
	fault_clear_rules();
	for (int i = 0; i < FAULT_NCALLS; i++)
		__atomic_store_n(&calls[i], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&st->clock_on, 0, __ATOMIC_RELEASE);
}

int fault_add(const struct fault *f)
{
	int id = st->nrules;
	if (id >= FAULT_RULES)
		fail_msg("fault_add: more than %d rules", FAULT_RULES);
	if ((unsigned)f->call >= FAULT_NCALLS)
		fail_msg("fault_add: no such call %d", (int)f->call);
	struct rule *r = &st->r[id];
	r->f = *f;
	r->owner = getpid();
	r->seen = r->fired = 0;
	__atomic_store_n(&r->used, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&st->nrules, id + 1, __ATOMIC_RELEASE);
	return id;
}

int fault_fired(int id)
{
	return id >= 0 && id < FAULT_RULES ? __atomic_load_n(&st->r[id].fired, __ATOMIC_ACQUIRE) : 0;
}

long fault_calls(enum fault_call call)
{
	return __atomic_load_n(&calls[call], __ATOMIC_ACQUIRE);
}

/* What a wrapper must do: fail with err, or move at most max bytes (0: no
 * limit).  Every rule in its window acts: hooks run in the order the rules
 * were added, the first errno wins, the smallest limit holds. */
struct action {
	int err;
	size_t max;
};

static struct action decide(enum fault_call call, int fd)
{
	struct action a = { 0, 0 };
	int n = __atomic_load_n(&st->nrules, __ATOMIC_ACQUIRE);
	pid_t me = 0;

	__atomic_add_fetch(&calls[call], 1, __ATOMIC_RELAXED);
	for (int i = 0; i < n; i++) {
		struct rule *r = &st->r[i];
		if (!__atomic_load_n(&r->used, __ATOMIC_ACQUIRE) || r->f.call != call)
			continue;
		if (r->f.fd && r->f.fd != fd)
			continue;
		if (r->f.where != FAULT_ANYWHERE) {
			if (!me)
				me = getpid();
			if ((r->f.where == FAULT_HERE) != (me == r->owner))
				continue;
		}
		int seen = __atomic_add_fetch(&r->seen, 1, __ATOMIC_ACQ_REL);
		int first = r->f.nth > 1 ? r->f.nth : 1;
		int times = r->f.times ? r->f.times : 1;
		if (seen < first || (times > 0 && seen >= first + times))
			continue;
		__atomic_add_fetch(&r->fired, 1, __ATOMIC_ACQ_REL);
		if (r->f.hook)
			r->f.hook(r->f.arg, fd);
		if (!a.err)
			a.err = r->f.err;
		if (r->f.max && (!a.max || r->f.max < a.max))
			a.max = r->f.max;
	}
	return a;
}

/* The errno to fail with, or 0 to go on (with a byte limit in *cap). */
static int apply(struct action a, size_t *cap)
{
	if (a.err)
		return a.err;
	if (cap && a.max && *cap > a.max)
		*cap = a.max;
	return 0;
}

#define FAIL_WITH(err) do { errno = (err); return -1; } while (0)

ssize_t __real_read(int fd, void *buf, size_t cap);
ssize_t __wrap_read(int fd, void *buf, size_t cap)
{
	int err = apply(decide(FAULT_READ, fd), &cap);
	if (err)
		FAIL_WITH(err);
	return __real_read(fd, buf, cap);
}

ssize_t __real_write(int fd, const void *buf, size_t len);
ssize_t __wrap_write(int fd, const void *buf, size_t len)
{
	int err = apply(decide(FAULT_WRITE, fd), &len);
	if (err)
		FAIL_WITH(err);
	return __real_write(fd, buf, len);
}

ssize_t __real_send(int fd, const void *buf, size_t len, int flags);
ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags)
{
	int err = apply(decide(FAULT_SEND, fd), &len);
	if (err)
		FAIL_WITH(err);
	return __real_send(fd, buf, len, flags);
}

ssize_t __real_recv(int fd, void *buf, size_t cap, int flags);
ssize_t __wrap_recv(int fd, void *buf, size_t cap, int flags)
{
	int err = apply(decide(FAULT_RECV, fd), &cap);
	if (err)
		FAIL_WITH(err);
	return __real_recv(fd, buf, cap, flags);
}

/* Datagrams move whole or not at all: no short counts, only errors. */
ssize_t __real_sendto(int fd, const void *buf, size_t len, int flags,
		      const struct sockaddr *to, socklen_t tolen);
ssize_t __wrap_sendto(int fd, const void *buf, size_t len, int flags,
		      const struct sockaddr *to, socklen_t tolen)
{
	int err = apply(decide(FAULT_SENDTO, fd), NULL);
	if (err)
		FAIL_WITH(err);
	return __real_sendto(fd, buf, len, flags, to, tolen);
}

ssize_t __real_recvmsg(int fd, struct msghdr *m, int flags);
ssize_t __wrap_recvmsg(int fd, struct msghdr *m, int flags)
{
	int err = apply(decide(FAULT_RECVMSG, fd), NULL);
	if (err)
		FAIL_WITH(err);
	return __real_recvmsg(fd, m, flags);
}

int __real_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags);
int __wrap_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	int err = apply(decide(FAULT_ACCEPT4, fd), NULL);
	if (err)
		FAIL_WITH(err);
	return __real_accept4(fd, sa, len, flags);
}

int __real_connect(int fd, const struct sockaddr *sa, socklen_t len);
int __wrap_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	int err = apply(decide(FAULT_CONNECT, fd), NULL);
	if (err == EINTR) {
		/* Interrupted while the connection is being made: it goes on. */
		int r = __real_connect(fd, sa, len);
		if (r < 0 && errno != EINPROGRESS)
			return r;
		FAIL_WITH(EINTR);
	}
	if (err)
		FAIL_WITH(err);
	return __real_connect(fd, sa, len);
}

int __real_socket(int domain, int type, int protocol);
int __wrap_socket(int domain, int type, int protocol)
{
	int err = apply(decide(FAULT_SOCKET, -1), NULL);
	if (err)
		FAIL_WITH(err);
	return __real_socket(domain, type, protocol);
}

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	int err = apply(decide(FAULT_OPEN, -1), NULL);
	if (err)
		FAIL_WITH(err);
	return __real_open(path, flags, mode);
}

int __real_poll(struct pollfd *p, nfds_t n, int timeout);
int __wrap_poll(struct pollfd *p, nfds_t n, int timeout)
{
	int err = apply(decide(FAULT_POLL, n ? p[0].fd : -1), NULL);
	if (err)
		FAIL_WITH(err);
	if (!__atomic_load_n(&st->clock_on, __ATOMIC_ACQUIRE) || timeout < 0)
		return __real_poll(p, n, timeout);
	int r = __real_poll(p, n, 0);
	if (r == 0) /* nothing ready: the whole timeout passes, virtually */
		__atomic_add_fetch(&st->clock_ns, (long long)timeout * 1000000, __ATOMIC_ACQ_REL);
	return r;
}

int __real_select(int n, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv);
int __wrap_select(int n, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
	int err = apply(decide(FAULT_SELECT, -1), NULL);
	if (err)
		FAIL_WITH(err);
	return __real_select(n, rd, wr, ex, tv);
}

int __real_epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout);
int __wrap_epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	int err = apply(decide(FAULT_EPOLL_WAIT, epfd), NULL);
	if (err)
		FAIL_WITH(err);
	return __real_epoll_wait(epfd, ev, max, timeout);
}

/* ---- the virtual clock ------------------------------------------------- */

void fault_clock_start(void)
{
	__atomic_store_n(&st->clock_ns, 1000000000LL, __ATOMIC_RELEASE); /* not 0: a real-looking time */
	__atomic_store_n(&st->clock_on, 1, __ATOMIC_RELEASE);
}

long long fault_clock_ms(void)
{
	return (__atomic_load_n(&st->clock_ns, __ATOMIC_ACQUIRE) - 1000000000LL) / 1000000;
}

void fault_clock_advance(int ms)
{
	__atomic_add_fetch(&st->clock_ns, (long long)ms * 1000000, __ATOMIC_ACQ_REL);
}

int __real_clock_gettime(clockid_t id, struct timespec *ts);
int __wrap_clock_gettime(clockid_t id, struct timespec *ts)
{
	if (id != CLOCK_MONOTONIC || !__atomic_load_n(&st->clock_on, __ATOMIC_ACQUIRE))
		return __real_clock_gettime(id, ts);
	long long ns = __atomic_load_n(&st->clock_ns, __ATOMIC_ACQUIRE);
	ts->tv_sec = (time_t)(ns / 1000000000);
	ts->tv_nsec = (long)(ns % 1000000000);
	return 0;
}
