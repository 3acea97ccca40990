/* latency_uring.c - see latency_uring.h. */
#include "latency_uring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <liburing.h>

#include "io.h"

#define TRIP_WRITE 1
#define TRIP_READ 2
#define TRIP_TIMEOUT 3

struct bench_uring {
	struct io_uring ring;
	int rfd, wfd;
	int read_timeout_ms;          /* > 0: a linked timeout on every read */
	struct __kernel_timespec ts;  /* its length, read by the kernel at submission */
};

int bench_uring_check(const struct ipc_transport *t, struct ipc_error *e)
{
	if (t->kind == IPC_STREAM && !t->opaque_fds)
		return 0;
	ipc_fail(e, IPC_USAGE, 0, "--io uring: %s's bytes do not move through read() and "
		 "write() on its descriptors", t->name);
	return ipc_hint(e, "use a stream transport: pipe, fifo, unix_stream, tcp or socketpair");
}

struct bench_uring *bench_uring_new(int rfd, int wfd, struct ipc_error *e)
{
	struct bench_uring *u = calloc(1, sizeof *u);
	if (!u) {
		ipc_fail(e, IPC_SYSTEM, ENOMEM, "io_uring client state");
		return NULL;
	}
	/* Four entries: the write and the read of one round trip, and the
	 * read's timeout (--address). */
	int r = io_uring_queue_init(4, &u->ring, 0);
	if (r < 0) {
		ipc_fail(e, IPC_SYSTEM, -r, "io_uring_setup");
		if (r == -ENOSYS || r == -EPERM || r == -EACCES)
			ipc_hint(e, "this kernel or sandbox refuses io_uring (see the sysctl "
				 "kernel.io_uring_disabled, or a seccomp filter): leave out --io uring");
		free(u);
		return NULL;
	}
	/* A non-blocking descriptor would make the ring's read fail with
	 * EAGAIN instead of waiting for the reply. */
	if (io_set_nonblocking(rfd, false) < 0 || io_set_nonblocking(wfd, false) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "fcntl the client's descriptors");
		io_uring_queue_exit(&u->ring);
		free(u);
		return NULL;
	}
	u->rfd = rfd;
	u->wfd = wfd;
	return u;
}

void bench_uring_set_read_timeout(struct bench_uring *u, int ms)
{
	u->read_timeout_ms = ms;
	u->ts.tv_sec = ms / 1000;
	u->ts.tv_nsec = (long long)(ms % 1000) * 1000000;
}

/* Queue one operation, and a read's timeout if it has one; returns the
 * completions to wait for.  The ring has room for all of a round trip. */
static unsigned prep(struct bench_uring *u, bool write, void *buf, size_t len, bool link)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	bool timed = !write && u->read_timeout_ms > 0;
	if (write)
		io_uring_prep_write(sqe, u->wfd, buf, (unsigned)len, (__u64)-1);
	else
		io_uring_prep_read(sqe, u->rfd, buf, (unsigned)len, (__u64)-1);
	if (link || timed)
		sqe->flags |= IOSQE_IO_LINK; /* the read starts once the write is done */
	io_uring_sqe_set_data64(sqe, write ? TRIP_WRITE : TRIP_READ);
	if (!timed)
		return 1;
	/* Its clock starts when the read does; the read is cancelled at the end. */
	sqe = io_uring_get_sqe(&u->ring);
	io_uring_prep_link_timeout(sqe, &u->ts, 0);
	io_uring_sqe_set_data64(sqe, TRIP_TIMEOUT);
	return 2;
}

int bench_uring_trip(struct bench_uring *u, const void *req, size_t len, void *got,
		     size_t reply_len, struct ipc_error *e)
{
	size_t sent = 0, recvd = 0;
	/* The write and the read in one io_uring_enter(); a short count
	 * (rare: a reply in pieces) breaks the link, and the rest goes
	 * round again. */
	unsigned pending = prep(u, true, (void *)req, len, true);
	pending += prep(u, false, got, reply_len, false);
	while (sent < len || recvd < reply_len) {
		int r = io_uring_submit_and_wait(&u->ring, pending);
		if (r < 0 && r != -EINTR)
			return ipc_fail(e, IPC_SYSTEM, -r, "io_uring_enter");
		struct io_uring_cqe *cqe;
		while (pending && io_uring_peek_cqe(&u->ring, &cqe) == 0) {
			int res = cqe->res;
			__u64 what = io_uring_cqe_get_data64(cqe);
			bool is_write = what == TRIP_WRITE;
			io_uring_cqe_seen(&u->ring, cqe);
			pending--;
			if (what == TRIP_TIMEOUT) {
				if (res == -ETIME)
					return ipc_fail(e, IPC_TIMEOUT, 0, "read through io_uring: "
							"no reply within %d ms", u->read_timeout_ms);
				continue; /* the read ended first */
			}
			if (res == -ECANCELED || res == -EINTR || res == -EAGAIN)
				continue; /* after a short write: queued again below */
			if (res < 0)
				return ipc_fail(e, res == -EPIPE || res == -ECONNRESET ? IPC_PROTOCOL
						: IPC_SYSTEM, -res, "%s through io_uring",
						is_write ? "write" : "read");
			if (!is_write && res == 0)
				return ipc_fail(e, IPC_PROTOCOL, 0, "read through io_uring: the "
						"server hung up");
			*(is_write ? &sent : &recvd) += (size_t)res;
		}
		if (pending)
			continue;
		if (sent < len)
			pending += prep(u, true, (char *)req + sent, len - sent, false);
		else if (recvd < reply_len)
			pending += prep(u, false, (char *)got + recvd, reply_len - recvd, false);
	}
	return 0;
}

void bench_uring_free(struct bench_uring *u)
{
	if (!u)
		return;
	io_uring_queue_exit(&u->ring);
	free(u);
}
