/* io.c - EINTR, short reads and writes, and waiting; see io.h. */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

ssize_t io_read(int fd, void *buf, size_t cap, const char *who, struct ipc_error *e)
{
	for (;;) {
		ssize_t n = read(fd, buf, cap);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return IPC_WOULD_BLOCK;
		if (errno == ECONNRESET)
			return ipc_fail(e, IPC_PROTOCOL, errno, "read %s", who);
		return ipc_fail(e, IPC_SYSTEM, errno, "read %s", who);
	}
}

/* One loop for write() and send(): `sock` selects send(MSG_NOSIGNAL). */
static ssize_t write_loop(int fd, const void *buf, size_t len, bool sock,
			  const char *who, struct ipc_error *e)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = sock ? send(fd, p + done, len - done, MSG_NOSIGNAL)
				 : write(fd, p + done, len - done);
		if (n >= 0) {
			done += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return done ? (ssize_t)done : IPC_WOULD_BLOCK;
		const char *call = sock ? "send" : "write";
		if (errno == EPIPE || errno == ECONNRESET)
			return ipc_fail(e, IPC_PROTOCOL, errno, "%s %s", call, who);
		return ipc_fail(e, IPC_SYSTEM, errno, "%s %s", call, who);
	}
	return (ssize_t)done;
}

ssize_t io_write(int fd, const void *buf, size_t len, const char *who, struct ipc_error *e)
{
	return write_loop(fd, buf, len, false, who, e);
}

ssize_t io_send(int fd, const void *buf, size_t len, const char *who, struct ipc_error *e)
{
	return write_loop(fd, buf, len, true, who, e);
}

int io_set_nonblocking(int fd, bool on)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		return -1;
	flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, flags);
}

long long io_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int io_wait(int fd, short events, int stop_fd, int timeout_ms)
{
	long long deadline = timeout_ms >= 0 ? io_now_ms() + timeout_ms : -1;
	struct pollfd p[2] = {
		{ .fd = fd, .events = events },
		{ .fd = stop_fd, .events = POLLIN },
	};
	nfds_t n = stop_fd >= 0 ? 2 : 1;

	for (;;) {
		int left = -1;
		if (deadline >= 0) {
			long long ms = deadline - io_now_ms();
			left = ms > 0 ? (int)ms : 0;
		}
		int r = poll(p, n, left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return IO_ERROR;
		}
		if (r == 0)
			return IO_TIMEOUT;
		if (n == 2 && p[1].revents)
			return IO_STOPPED;
		/* POLLHUP/POLLERR count as ready: the next read or write reports them. */
		return IO_READY;
	}
}

int io_accept(const struct ipc_server *s, struct sockaddr *peer, socklen_t *len,
	      struct ipc_error *e)
{
	socklen_t cap = len ? *len : 0;
	for (;;) {
		if (len)
			*len = cap;
		int fd = accept4(s->fd, peer, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return IPC_WOULD_BLOCK;
		int err = errno;
		ipc_fail(e, IPC_SYSTEM, err, "accept4 %s", s->addr.text);
		if (err != EMFILE && err != ENFILE)
			return -1;
		unsigned per = s->t->fds_per_conn ? s->t->fds_per_conn : 1;
		return ipc_hint(e, "too many open descriptors (each %s client takes %u): close "
				"clients or raise the limit with `ulimit -n`", s->t->name, per);
	}
}
