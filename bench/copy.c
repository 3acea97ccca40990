/*
 * copy.c - the zero-copy ladder's rungs (copy.h).
 *
 * The pipe, bottom to top:
 *   rw           write() copies in, read() copies out
 *   vmsplice     vmsplice() lends the sender's pages to the pipe; read()
 *                copies them out: one copy
 *   splice       the same pages go on by splice() to /dev/null: no copy
 *   splice-huge  the sender's pages are transparent huge pages
 *   splice-spin  both sides non-blocking, retrying at once instead of sleeping
 * TCP:
 *   zerocopy-send  send(MSG_ZEROCOPY) pins the sender's pages; read() copies
 *   zerocopy       ... and the receiver maps the received pages
 *                  (TCP_ZEROCOPY_RECEIVE) instead of copying them
 * shm (its ring, used in place: ipc.h's struct ipc_inplace):
 *   peek           send() copies in; the reader checks every byte where it
 *                  lies in the ring (peek), then gives it back (release)
 *   inplace        the writer reserves a message's room in the ring, writes
 *                  there and commits; the reader as in peek.  A message must
 *                  not wrap around the ring's end: its size divides the ring
 *
 * A lent page must not change until the kernel has let go of it.  vmsplice
 * tells nothing, so the sender keeps enough buffers in turn that the pipe
 * cannot still hold the one it rewrites; MSG_ZEROCOPY reports each send's
 * release on the socket's error queue, which the sender reads before it
 * rewrites a buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "copy.h"
#include "io.h"

#ifndef SO_EE_ORIGIN_ZEROCOPY
#define SO_EE_ORIGIN_ZEROCOPY 5
#endif
#ifndef SO_EE_CODE_ZEROCOPY_COPIED
#define SO_EE_CODE_ZEROCOPY_COPIED 1
#endif

#define HUGE_PAGE (2UL << 20)   /* x86-64's transparent huge page */
#define ZC_BUFFERS 8            /* MSG_ZEROCOPY: buffers in flight at once */
#define ZC_RX_MAP (1UL << 20)   /* TCP_ZEROCOPY_RECEIVE: bytes mapped per call, at most */
#define WAIT_MS BENCH_CHILD_TIMEOUT_MS

/* The head of the kernel's struct tcp_zerocopy_receive (Linux 5.3 on):
 * glibc's copy of it stops before inq.  The kernel takes any length from
 * recv_skip_hint's end on, and fills what it is given. */
struct zc_receive {
	uint64_t address;        /* in: where the socket is mapped */
	uint32_t length;         /* in: bytes to map at most; out: bytes mapped */
	uint32_t recv_skip_hint; /* out: bytes before the next whole page, to read */
	uint32_t inq;            /* out: bytes still queued */
	int32_t err;             /* out: the socket's pending error */
};

/* In place: bytes checked before they are given back.  Measured at 1 MiB
 * on two CPUs: 64 KiB and 256 KiB alike, spinning or sleeping; a whole
 * message (1 MiB, the ring) leaves the writer nothing to do while the
 * reader checks, and sleeping, halved inplace (two wake-ups a message). */
#define RING_PIECE (256u << 10)
#define READ_PIECE (128u << 10) /* vmsplice's reader: bytes per read(), checked while
				 * they are in the cache (a 1 MiB read into a 1 MiB
				 * buffer has evicted its start before the check) */

bool bench_copy_own_receiver(enum copy_rung rung)
{
	return rung == COPY_VMSPLICE || rung == COPY_SPLICE || rung == COPY_SPLICE_HUGE ||
	       rung == COPY_SPLICE_SPIN || rung == COPY_ZC || rung == COPY_PEEK ||
	       rung == COPY_INPLACE;
}

bool bench_copy_own_sender(enum copy_rung rung)
{
	return rung != COPY_RW && rung != COPY_PEEK;
}

static long page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);
	return p > 0 ? p : 4096;
}

int bench_copy_check_request(enum copy_rung rung, const struct ipc_transport *t,
			     size_t size, struct ipc_error *e)
{
	const struct copy_rung_info *r = &copy_rungs[rung];

	if (rung == COPY_RW)
		return 0;
	if (r->needs == COPY_RING) {
		if (!t->inplace)
			return ipc_fail(e, IPC_USAGE, 0, "--copy %s needs %s; %s has none: its bytes "
					"move through the kernel", r->name, copy_needs_text(r->needs),
					t->name);
		if (size == 0 || size > t->inplace->ring || t->inplace->ring % size) {
			ipc_fail(e, IPC_USAGE, 0, "--copy %s: --size %zu does not divide %s's "
				 "%zu-byte ring; a message written and checked in place must never "
				 "wrap around the ring's end", r->name, size, t->name,
				 t->inplace->ring);
			return ipc_hint(e, "use a power of two up to %zuK (--size 64K, --size 1M)",
					t->inplace->ring / 1024);
		}
		return 0;
	}
	if (t->kind != IPC_STREAM || t->opaque_fds)
		return ipc_fail(e, IPC_USAGE, 0, "--copy %s: %s does not move its bytes through "
				"%s descriptor", r->name, t->name, copy_needs_text(r->needs));
	if (r->needs == COPY_PIPE && (size % (size_t)page_size() || size > INT_MAX)) {
		ipc_fail(e, IPC_USAGE, 0, "--copy %s: --size %zu is not a whole number of "
			 "%ld-byte pages; vmsplice() lends the pipe whole pages", r->name, size,
			 page_size());
		return ipc_hint(e, "use --size %ldK or a multiple of it", page_size() / 1024);
	}
	return 0;
}

int bench_copy_check_fd(enum copy_rung rung, const char *name, int fd, struct ipc_error *e)
{
	const struct copy_rung_info *r = &copy_rungs[rung];
	struct stat st;
	int protocol = 0;
	socklen_t len = sizeof protocol;

	if (r->needs == COPY_ANY || r->needs == COPY_RING) /* the ring: checked by request */
		return 0;
	if (fstat(fd, &st) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "fstat the %s descriptor", name);
	if (r->needs == COPY_PIPE && S_ISFIFO(st.st_mode))
		return 0;
	if (r->needs == COPY_TCP && S_ISSOCK(st.st_mode) &&
	    getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) == 0 &&
	    protocol == IPPROTO_TCP)
		return 0;
	return ipc_fail(e, IPC_USAGE, 0, "--copy %s needs %s; %s's descriptor is a %s",
			r->name, copy_needs_text(r->needs), name,
			S_ISFIFO(st.st_mode) ? "pipe" : S_ISSOCK(st.st_mode) ? "socket"
										: "file");
}

/* ---- the pipe: vmsplice ------------------------------------------------ */

/* n bytes on transparent huge pages, or NULL with errno.  *base and *len
 * are what to munmap(). */
static unsigned char *alloc_huge(size_t n, void **base, size_t *len)
{
	size_t want = (n + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
	*len = want + HUGE_PAGE;
	*base = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*base == MAP_FAILED)
		return NULL;
	unsigned char *p = (unsigned char *)(((uintptr_t)*base + HUGE_PAGE - 1) &
					     ~(uintptr_t)(HUGE_PAGE - 1));
	if (madvise(p, want, MADV_HUGEPAGE) < 0) {
		int saved = errno;
		munmap(*base, *len);
		errno = saved;
		return NULL;
	}
	return p;
}

/* Did the kernel back [p, p+n) with huge pages?  Read from /proc/self/smaps:
 * madvise() asks, the kernel may still say no (fragmented memory). */
static bool on_huge_pages(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[256];
	bool inside = false, huge = false;

	if (!f)
		return false;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		unsigned long kb;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		else if (inside && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1) {
			huge = kb > 0;
			break;
		}
	}
	fclose(f);
	return huge;
}

static int set_nonblocking(int fd, bool on, struct ipc_error *e)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "fcntl(O_NONBLOCK) on the pipe");
	return 0;
}

/*
 * The pipe holds at most `cap` bytes of our pages (one page a slot, since
 * every buffer starts on a page and is whole pages).  Once message m is all
 * in the pipe, the pipe holds nothing older than the last cap bytes: every
 * message before m - ceil(cap/size) + 1 has been passed on.  With
 * ceil(cap/size) + 1 buffers in turn, the one rewritten next is always one
 * of those.
 */
static int prepare_vmsplice(const struct bench_copy_plan *cp, int fd,
			    struct bench_copy_stats *st, struct ipc_error *e)
{
	const bool huge = cp->rung == COPY_SPLICE_HUGE || cp->rung == COPY_SPLICE_SPIN;
	const char *rung = copy_rungs[cp->rung].name;
	void *base = NULL;
	size_t base_len = 0;
	unsigned char *bufs;

	if (fcntl(fd, F_SETPIPE_SZ, (int)cp->size) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "--copy %s: make the pipe hold one %zu-byte message "
			 "(F_SETPIPE_SZ)", rung, cp->size);
		return ipc_hint(e, "an unprivileged user may not go past /proc/sys/fs/pipe-max-size; "
				"use a smaller --size");
	}
	int cap = fcntl(fd, F_GETPIPE_SZ);
	if (cap < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "F_GETPIPE_SZ");
	size_t nbuf = ((size_t)cap + cp->size - 1) / cp->size + 1;
	if (huge) {
		bufs = alloc_huge(nbuf * cp->size, &base, &base_len);
		if (!bufs)
			return ipc_fail(e, errno == EINVAL ? IPC_USAGE : IPC_SYSTEM, errno,
					"--copy %s: %zu bytes on transparent huge pages "
					"(madvise(MADV_HUGEPAGE))%s", rung, nbuf * cp->size,
					errno == EINVAL ? "; this kernel has no transparent huge "
					"pages" : "");
	} else if (!(bufs = bench_alloc_pages(nbuf * cp->size))) {
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "%zu buffers of %zu bytes", nbuf, cp->size);
	}
	for (size_t i = 0; i < nbuf; i++)
		memcpy(bufs + i * cp->size, cp->pattern, cp->size);
	st->huge = huge && on_huge_pages(bufs);
	st->bufs = bufs;
	st->nbuf = nbuf;
	st->lent = huge ? base : bufs; /* freed once the pipe holds none of them */
	st->lent_len = huge ? base_len : 0;
	return 0;
}

static int send_vmsplice(const struct bench_copy_plan *cp, int fd, struct bench_progress *pg,
			 struct bench_copy_stats *st, struct ipc_error *e)
{
	const bool spin = cp->rung == COPY_SPLICE_SPIN;

	if (spin && set_nonblocking(fd, true, e) < 0)
		return -1;
	for (unsigned long long m = 0; m < cp->messages; m++) {
		unsigned char *cur = st->bufs + (m % st->nbuf) * cp->size;
		struct iovec v = { cur, cp->size };
		bench_stream_tag(cur, cp->size, m);
		while (v.iov_len > 0) {
			ssize_t n = vmsplice(fd, &v, 1, spin ? SPLICE_F_NONBLOCK : 0);
			if (n < 0 && (errno == EINTR || (spin && errno == EAGAIN)))
				continue;
			if (n < 0)
				return ipc_fail(e, errno == EPIPE ? IPC_PROTOCOL : IPC_SYSTEM, errno,
						"vmsplice message %llu to the %s receiver", m,
						cp->name);
			v.iov_base = (unsigned char *)v.iov_base + n;
			v.iov_len -= (size_t)n;
		}
		if ((m & 255) == 0)
			bench_progress_tick(pg, m, cp->messages);
	}
	return spin ? set_nonblocking(fd, false, e) : 0;
}

void bench_copy_release(struct bench_copy_stats *st)
{
	if (st->lent_len)
		munmap(st->lent, st->lent_len);
	else
		free(st->lent);
	st->lent = NULL;
	st->lent_len = 0;
	st->bufs = NULL;
	st->nbuf = 0;
}

/* The reader of the splice rungs: each message's tag read (8 bytes), the
 * rest spliced to /dev/null. */
static int receive_splice(const struct bench_copy_plan *cp, int fd, struct bench_stream_check *v,
			  struct ipc_error *e)
{
	const bool spin = cp->rung == COPY_SPLICE_SPIN;
	const size_t tag = cp->size < 8 ? cp->size : 8;
	const unsigned long long total = cp->messages * cp->size;
	unsigned char got[8];
	int rc = -1;
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (null < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "open /dev/null");
	if (spin && set_nonblocking(fd, true, e) < 0)
		goto out;
	while (v->offset < total) {
		ssize_t n;
		if (v->p < tag && cp->verify) { /* the tag: read, 8 bytes at most */
			n = read(fd, got, tag - v->p);
			if (n > 0 && bench_stream_check(v, got, (size_t)n, e) < 0)
				goto out;
		} else {                        /* the body: passed on, never seen */
			size_t want = cp->size - v->p;
			if (want > total - v->offset)
				want = (size_t)(total - v->offset);
			n = splice(fd, NULL, null, NULL, want,
				   SPLICE_F_MOVE | (spin ? SPLICE_F_NONBLOCK : 0));
			if (n > 0)
				bench_stream_skip(v, (size_t)n);
		}
		if (n < 0 && (errno == EINTR || (spin && errno == EAGAIN)))
			continue;
		if (n <= 0) {
			ipc_fail(e, n < 0 ? IPC_SYSTEM : IPC_PROTOCOL, n < 0 ? errno : 0,
				 "%s receiver: splice after %llu of %llu bytes%s", cp->name, v->offset,
				 total, n < 0 ? "" : ": the sender hung up");
			goto out;
		}
	}
	rc = spin ? set_nonblocking(fd, false, e) : 0;
out:
	close(null);
	return rc;
}

/* The reader of vmsplice: read() in pieces of READ_PIECE into one buffer,
 * each checked at once, while the bytes just copied are still in the
 * cache. */
static int receive_read(const struct bench_copy_plan *cp, int fd, struct bench_stream_check *v,
			struct ipc_error *e)
{
	const unsigned long long total = cp->messages * cp->size;
	unsigned char *buf = bench_alloc_pages(READ_PIECE);
	int rc = -1;

	if (!buf)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "%u bytes for the receive buffer", READ_PIECE);
	while (v->offset < total) {
		size_t want = total - v->offset < READ_PIECE ? (size_t)(total - v->offset)
							     : READ_PIECE;
		ssize_t n = read(fd, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ipc_fail(e, n < 0 ? IPC_SYSTEM : IPC_PROTOCOL, n < 0 ? errno : 0,
				 "%s receiver: read after %llu of %llu bytes%s", cp->name, v->offset,
				 total, n < 0 ? "" : ": the sender hung up");
			goto out;
		}
		if (!cp->verify)
			bench_stream_skip(v, (size_t)n);
		else if (bench_stream_check(v, buf, (size_t)n, e) < 0)
			goto out;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

/* ---- TCP: MSG_ZEROCOPY -------------------------------------------------- */

int bench_zc_complete(struct bench_zc_done *d, uint32_t lo, uint32_t hi)
{
	if (hi - lo > UINT32_MAX / 2 || lo - d->done > UINT32_MAX / 2)
		return -1; /* backwards, or ids already done */
	if (lo != d->done) {
		if (d->n_ahead == BENCH_ZC_AHEAD)
			return -1;
		d->ahead_lo[d->n_ahead] = lo;
		d->ahead_hi[d->n_ahead++] = hi;
		return 0;
	}
	d->done = hi + 1;
	for (unsigned i = 0; i < d->n_ahead;) { /* a gap closed: take what waited */
		if (d->ahead_lo[i] == d->done) {
			d->done = d->ahead_hi[i] + 1;
			d->ahead_lo[i] = d->ahead_lo[--d->n_ahead];
			d->ahead_hi[i] = d->ahead_hi[d->n_ahead];
			i = 0;
		} else {
			i++;
		}
	}
	return 0;
}

/* Read every completion waiting on the error queue; with `block`, wait
 * first until one comes. */
static int reap_completions(int fd, bool block, struct bench_zc_done *d,
			    struct bench_copy_stats *st, struct ipc_error *e)
{
	if (block) {
		struct pollfd pfd = { .fd = fd, .events = 0 }; /* POLLERR is always reported */
		int r;
		while ((r = poll(&pfd, 1, WAIT_MS)) < 0 && errno == EINTR)
			;
		if (r < 0)
			return ipc_fail(e, IPC_SYSTEM, errno, "poll the error queue for MSG_ZEROCOPY "
					"completions");
		if (r == 0)
			return ipc_fail(e, IPC_TIMEOUT, 0, "no MSG_ZEROCOPY completion in %d ms",
					WAIT_MS);
	}
	for (;;) {
		char control[CMSG_SPACE(sizeof(struct sock_extended_err)) + 64];
		struct msghdr msg = { .msg_control = control, .msg_controllen = sizeof control };
		if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return ipc_fail(e, IPC_SYSTEM, errno, "recvmsg(MSG_ERRQUEUE)");
		}
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (!((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) ||
			      (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR)))
				continue;
			struct sock_extended_err se;
			memcpy(&se, CMSG_DATA(cm), sizeof se);
			if (se.ee_origin != SO_EE_ORIGIN_ZEROCOPY)
				return ipc_fail(e, IPC_SYSTEM, (int)se.ee_errno, "the TCP socket's "
						"error queue");
			if (bench_zc_complete(d, se.ee_info, se.ee_data) < 0)
				return ipc_fail(e, IPC_PROTOCOL, 0, "MSG_ZEROCOPY completion %u-%u "
						"does not fit the sends so far (done below %u)",
						se.ee_info, se.ee_data, d->done);
			unsigned long long k = (unsigned long long)(se.ee_data - se.ee_info) + 1;
			st->zc_sends += k;
			if (se.ee_code & SO_EE_CODE_ZEROCOPY_COPIED)
				st->zc_copied += k;
		}
	}
}

static int prepare_zerocopy(const struct bench_copy_plan *cp, int fd,
			    struct bench_copy_stats *st, struct ipc_error *e)
{
	int one = 1;
	unsigned char *bufs = bench_alloc_pages(ZC_BUFFERS * cp->size);

	if (!bufs)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "%d buffers of %zu bytes", ZC_BUFFERS,
				cp->size);
	st->lent = st->bufs = bufs; /* freed once the kernel holds none of their pages */
	st->lent_len = 0;
	st->nbuf = ZC_BUFFERS;
	for (size_t i = 0; i < ZC_BUFFERS; i++)
		memcpy(bufs + i * cp->size, cp->pattern, cp->size);
	if (setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof one) < 0) {
		ipc_fail(e, IPC_USAGE, errno, "--copy %s: setsockopt(SO_ZEROCOPY) on the TCP "
			 "socket", copy_rungs[cp->rung].name);
		return ipc_hint(e, "MSG_ZEROCOPY needs Linux 4.14 or later");
	}
	return 0;
}

static int send_zerocopy(const struct bench_copy_plan *cp, int fd, struct bench_progress *pg,
			 struct bench_copy_stats *st, struct ipc_error *e)
{
	struct bench_zc_done d = { 0 };
	uint32_t next_id = 0, last_id[ZC_BUFFERS];
	bool in_flight[ZC_BUFFERS] = { false };
	unsigned char *bufs = st->bufs;
	int rc = -1;

	for (unsigned long long m = 0; m < cp->messages; m++) {
		size_t k = m % ZC_BUFFERS;
		unsigned char *cur = bufs + k * cp->size;
		/* The kernel may still hold this buffer's pages: wait for its sends. */
		while (in_flight[k] && last_id[k] - d.done < UINT32_MAX / 2)
			if (reap_completions(fd, true, &d, st, e) < 0)
				goto out;
		bench_stream_tag(cur, cp->size, m);
		for (size_t off = 0; off < cp->size;) {
			ssize_t n = send(fd, cur + off, cp->size - off, MSG_ZEROCOPY | MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == ENOBUFS) { /* too many pages pinned: reap, retry */
				if (reap_completions(fd, true, &d, st, e) < 0)
					goto out;
				continue;
			}
			if (n < 0) {
				ipc_fail(e, errno == EPIPE ? IPC_PROTOCOL : IPC_SYSTEM, errno,
					 "send(MSG_ZEROCOPY) message %llu to the %s receiver", m,
					 cp->name);
				goto out;
			}
			off += (size_t)n;
			last_id[k] = next_id++;
		}
		in_flight[k] = true;
		if (reap_completions(fd, false, &d, st, e) < 0)
			goto out;
		if ((m & 255) == 0)
			bench_progress_tick(pg, m, cp->messages);
	}
	while (d.done != next_id) /* every page given back before the buffers go */
		if (reap_completions(fd, true, &d, st, e) < 0)
			goto out;
	rc = 0;
out:
	return rc;
}

/* Block until `fd` has something to read (or its end). */
static int wait_readable(int fd, const char *name, struct ipc_error *e)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r;
	while ((r = poll(&pfd, 1, WAIT_MS)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "%s receiver: poll", name);
	if (r == 0)
		return ipc_fail(e, IPC_TIMEOUT, 0, "%s receiver: nothing for %d ms", name, WAIT_MS);
	return 0;
}

/* TCP_ZEROCOPY_RECEIVE: the kernel maps the whole pages at the head of the
 * receive queue into our mapping of the socket and says how many bytes
 * before the next page boundary it could not map (recv_skip_hint); those
 * we read. */
static int receive_zerocopy(const struct bench_copy_plan *cp, int fd, struct bench_stream_check *v,
			    struct bench_copy_stats *st, struct ipc_error *e)
{
	const unsigned long long total = cp->messages * cp->size;
	size_t cap = (size_t)page_size() * 16;
	unsigned char *buf = bench_alloc_pages(cap);
	void *map = mmap(NULL, ZC_RX_MAP, PROT_READ, MAP_SHARED, fd, 0);
	int rc = -1;

	if (!buf) {
		ipc_fail(e, IPC_SYSTEM, ENOMEM, "%zu bytes for the receive buffer", cap);
		goto out;
	}
	if (map == MAP_FAILED) {
		ipc_fail(e, IPC_USAGE, errno, "--copy zerocopy: mmap() the TCP socket");
		ipc_hint(e, "TCP_ZEROCOPY_RECEIVE needs Linux 4.18 or later");
		goto out;
	}
	while (v->offset < total) {
		struct zc_receive z;
		socklen_t zlen = sizeof z;
		memset(&z, 0, sizeof z);
		z.address = (uintptr_t)map;
		z.length = ZC_RX_MAP;
		if (getsockopt(fd, IPPROTO_TCP, TCP_ZEROCOPY_RECEIVE, &z, &zlen) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			ipc_fail(e, IPC_SYSTEM, errno, "%s receiver: getsockopt(TCP_ZEROCOPY_RECEIVE) "
				 "after %llu of %llu bytes", cp->name, v->offset, total);
			goto out;
		}
		if (z.length > 0) {
			if (!cp->verify)
				bench_stream_skip(v, z.length);
			else if (bench_stream_check(v, map, z.length, e) < 0)
				goto out;
			st->mapped += z.length;
			madvise(map, z.length, MADV_DONTNEED); /* give the pages back */
		}
		size_t skip = z.recv_skip_hint;
		if (z.length == 0 && skip == 0) {
			if (z.inq > 0)
				skip = z.inq < cap ? z.inq : cap; /* nothing whole to map */
			else if (wait_readable(fd, cp->name, e) < 0)
				goto out;
			else if (z.inq == 0)
				skip = 1; /* readable with nothing queued: the end, or an error */
		}
		while (skip > 0) {
			ssize_t n = read(fd, buf, skip < cap ? skip : cap);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				ipc_fail(e, n < 0 ? IPC_SYSTEM : IPC_PROTOCOL, n < 0 ? errno : 0,
					 "%s receiver: read after %llu of %llu bytes%s", cp->name,
					 v->offset, total, n < 0 ? "" : ": the sender hung up");
				goto out;
			}
			if (!cp->verify)
				bench_stream_skip(v, (size_t)n);
			else if (bench_stream_check(v, buf, (size_t)n, e) < 0)
				goto out;
			skip -= (size_t)n < skip ? (size_t)n : skip;
		}
	}
	rc = 0;
out:
	if (map != MAP_FAILED)
		munmap(map, ZC_RX_MAP);
	free(buf);
	return rc;
}

/* ---- shm: the ring in place -------------------------------------------- */

/* Wait for the ring's descriptor (rfd for bytes, wfd for room), as long as
 * a benchmark's child may take. */
static int ring_wait(struct ipc_conn *c, int fd, short events, const char *what,
		     struct ipc_error *e)
{
	int r = io_wait(fd, events, -1, WAIT_MS);
	if (r == IO_TIMEOUT)
		return ipc_fail(e, IPC_TIMEOUT, 0, "%s: no %s for %d ms", c->peer_text, what, WAIT_MS);
	if (r == IO_ERROR)
		return ipc_fail(e, IPC_SYSTEM, errno, "poll %s", c->peer_text);
	return 0;
}

/* Each message written in the ring, a piece at a time (the whole message,
 * or RING_PIECE bytes of a larger one: the reader checks one piece while
 * we write the next), each reserved, written and committed.  The size
 * divides the ring (a power of two), so every piece is whole and each
 * message always lies at the same places: its body is written on the
 * ring's first lap, and after that only its tag, as every rung's sender
 * rewrites only the tag of a buffer it reuses. */
int bench_copy_send_ring(const struct bench_copy_plan *cp, struct ipc_conn *c,
			 struct bench_progress *pg, struct ipc_error *e)
{
	const struct ipc_inplace *ip = c->t->inplace;
	const size_t piece = cp->size < RING_PIECE ? cp->size : RING_PIECE;
	unsigned long long written = 0;

	if (!ip)
		return ipc_fail(e, IPC_USAGE, 0, "--copy %s: %s has no ring to write in",
				copy_rungs[cp->rung].name, cp->name);
	for (unsigned long long m = 0; m < cp->messages; m++) {
		for (size_t off = 0; off < cp->size; off += piece) {
			void *at;
			ssize_t n;
			while ((n = ip->reserve(c, piece, &at, e)) == IPC_WOULD_BLOCK)
				if (ring_wait(c, c->wfd, POLLOUT, "room in the ring", e) < 0)
					return -1;
			if (n < 0)
				return -1;
			if (written < ip->ring) { /* the first lap: the body too */
				memcpy(at, cp->pattern + off, piece);
				written += piece;
			}
			if (off == 0)
				bench_stream_tag(at, cp->size, m);
			if (ip->commit(c, piece, e) < 0)
				return -1;
		}
		if ((m & 255) == 0)
			bench_progress_tick(pg, m, cp->messages);
	}
	return 0;
}

/* Every byte checked where it lies in the ring, a piece at a time, each
 * given back once checked. */
int bench_copy_receive_ring(const struct bench_copy_plan *cp, struct ipc_conn *c,
			    struct bench_stream_check *v, struct ipc_error *e)
{
	const struct ipc_inplace *ip = c->t->inplace;
	const unsigned long long total = cp->messages * cp->size;

	if (!ip)
		return ipc_fail(e, IPC_USAGE, 0, "--copy %s: %s has no ring to read in",
				copy_rungs[cp->rung].name, cp->name);
	while (v->offset < total) {
		const void *at;
		size_t want = total - v->offset < RING_PIECE ? (size_t)(total - v->offset)
							     : RING_PIECE;
		ssize_t n = ip->peek(c, want, &at, e);
		if (n == IPC_WOULD_BLOCK) {
			if (ring_wait(c, c->rfd, POLLIN, "bytes in the ring", e) < 0)
				return -1;
			continue;
		}
		if (n < 0)
			return -1;
		if (n == 0)
			return ipc_fail(e, IPC_PROTOCOL, 0, "%s receiver: end of stream after %llu of "
					"%llu bytes: the sender hung up", cp->name, v->offset, total);
		if (!cp->verify)
			bench_stream_skip(v, (size_t)n);
		else if (bench_stream_check(v, at, (size_t)n, e) < 0)
			return -1;
		if (ip->release(c, (size_t)n, e) < 0)
			return -1;
	}
	return 0;
}

/* ---- the two entry points ----------------------------------------------- */

int bench_copy_prepare(const struct bench_copy_plan *cp, int fd, struct bench_copy_stats *st,
		       struct ipc_error *e)
{
	switch (cp->rung) {
	case COPY_VMSPLICE:
	case COPY_SPLICE:
	case COPY_SPLICE_HUGE:
	case COPY_SPLICE_SPIN:
		return prepare_vmsplice(cp, fd, st, e);
	case COPY_ZC_SEND:
	case COPY_ZC:
		return prepare_zerocopy(cp, fd, st, e);
	default:
		return 0;
	}
}

int bench_copy_send(const struct bench_copy_plan *cp, int fd, struct bench_progress *pg,
		    struct bench_copy_stats *st, struct ipc_error *e)
{
	if (!st->bufs && bench_copy_own_sender(cp->rung) &&
	    copy_rungs[cp->rung].needs != COPY_RING)
		return ipc_fail(e, IPC_USAGE, 0, "--copy %s: the sender was not prepared "
				"(bench_copy_prepare)", copy_rungs[cp->rung].name);
	switch (cp->rung) {
	case COPY_VMSPLICE:
	case COPY_SPLICE:
	case COPY_SPLICE_HUGE:
	case COPY_SPLICE_SPIN:
		return send_vmsplice(cp, fd, pg, st, e);
	case COPY_ZC_SEND:
	case COPY_ZC:
		return send_zerocopy(cp, fd, pg, st, e);
	default:
		return ipc_fail(e, IPC_USAGE, 0, "--copy %s has no sender of its own",
				copy_rungs[cp->rung].name);
	}
}

int bench_copy_receive(const struct bench_copy_plan *cp, int fd, struct bench_stream_check *v,
		       struct bench_copy_stats *st, struct ipc_error *e)
{
	if (cp->rung == COPY_ZC)
		return receive_zerocopy(cp, fd, v, st, e);
	if (cp->rung == COPY_VMSPLICE)
		return receive_read(cp, fd, v, e);
	if (bench_copy_own_receiver(cp->rung))
		return receive_splice(cp, fd, v, e);
	return ipc_fail(e, IPC_USAGE, 0, "--copy %s has no receiver of its own",
			copy_rungs[cp->rung].name);
}

/* ---- the ceiling: memcpy ------------------------------------------------ */

int bench_memcpy(const struct bench_opts *o, struct bench_result *r, struct ipc_error *e)
{
	struct bench_usage u0, u1;
	unsigned long long total = o->total ? o->total : o->size * BENCH_TPUT_MESSAGES;
	int rc = -1;

	bench_result_init(r, o, "throughput");
	r->row.transport = "memcpy";
	if (o->pin[0] >= 0) /* one process, one CPU */
		snprintf(r->pin, sizeof r->pin, "%d", o->pin[0]);
	if (o->size == 0)
		return ipc_fail(e, IPC_USAGE, 0, "memcpy needs --size");
	if (total > BENCH_TPUT_MAX_TOTAL && !o->total)
		total = BENCH_TPUT_MAX_TOTAL;
	unsigned long long n = total / o->size ? total / o->size : 1;
	unsigned char *src = bench_alloc_pages(o->size), *dst = bench_alloc_pages(o->size);
	if (!src || !dst) {
		ipc_fail(e, IPC_SYSTEM, ENOMEM, "two buffers of %zu bytes", o->size);
		goto out;
	}
	bench_pattern_fill(src, o->size);
	memset(dst, 0, o->size);
	if (bench_pin(o->pin[0], e) < 0 || bench_usage_now(&u0, e) < 0)
		goto out;
	uint64_t t0 = bench_now_ns();
	for (unsigned long long m = 0; m < n; m++) {
		src[0] = (unsigned char)m; /* each copy differs, so none can be skipped */
		memcpy(dst, src, o->size);
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
	uint64_t t1 = bench_now_ns();
	if (bench_usage_now(&u1, e) < 0)
		goto out;
	if (dst[0] != (unsigned char)(n - 1) || memcmp(dst + 1, src + 1, o->size - 1)) {
		ipc_fail(e, IPC_PROTOCOL, 0, "memcpy: the last copy differs from its source");
		goto out;
	}
	double s = (double)(t1 - t0) / 1e9, mb = (double)(n * o->size) / 1e6;
	double cpu = u1.cpu_us - u0.cpu_us;
	r->row.count = n;
	r->row.mb_per_s = s > 0 ? mb / s : 0;
	r->row.msgs_per_s = s > 0 ? (double)n / s : 0;
	r->row.cpu_ms_per_mb = mb > 0 ? cpu / 1000.0 / mb : 0;
	r->row.cpu_us_per_op = cpu / (double)n;
	r->row.ctxsw_per_op = (u1.ctxsw - u0.ctxsw) / (double)n;
	if (o->pin[0] < 0)
		bench_note(r, "UNPINNED");
	rc = 0;
out:
	free(src);
	free(dst);
	return rc;
}
