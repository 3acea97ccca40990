/*
 * shm.c - shared memory: a pair of byte rings per client, no kernel copy.
 *
 * Every other transport asks the kernel to carry each byte: write() copies
 * it into a kernel buffer, read() copies it out, and the reader is woken by
 * the scheduler.  Here client and server map the same memory and copy the
 * bytes themselves, each into or out of a ring; the kernel is needed only to
 * set up, and to wake a side that chose to sleep.
 *
 *   rendezvous   A Unix stream socket at <rundir>/shm.sock.  Memory has no
 *                name a stranger could connect to, so the client creates it
 *                (memfd_create), sealed against shrinking, and hands it to
 *                the server with the room doorbells in one SCM_RIGHTS
 *                message.  The socket then stays open as the data doorbell
 *                (below), and its end of stream is how each side learns that
 *                the other died, even in mid-message.
 *   rings        Two single-producer single-consumer rings (client->server,
 *                server->client) of SHM_RING bytes.  The producer owns
 *                `head`, the consumer `tail`, both only ever increasing; C11
 *                atomics order them: bytes are copied, then head published
 *                with release; the consumer loads it with acquire.
 *   doorbells    "Data" (the consumer sleeps until bytes come): one byte on
 *                the socket, so that one descriptor says "bytes may wait"
 *                and "the peer is gone" alike.  "Room" (the producer sleeps
 *                until the consumer frees some): an eventfd per ring.  A
 *                producer about to sleep raises its flag in the ring, then
 *                looks once more; the consumer, after moving its index,
 *                rings only if it sees the flag (a sequentially consistent
 *                fence on both sides: one of them must see the other).  The
 *                consumer's flag is down only while it spins (--wait spin):
 *                the driver may poll() rfd without calling recv() first, so
 *                a consumer that is not watching the ring must be rung.
 *   descriptors  rfd is the socket: readable when the data bell rang or the
 *                peer is gone.  wfd is our room eventfd, made "full" (its
 *                counter at the maximum: not writable) while we wait and
 *                reset by the consumer: POLLOUT means room.  poll(), select()
 *                and epoll watch both like any socket's, so every server
 *                mode works.  (An epoll instance holding an eventfd and the
 *                socket would do as rfd, but a multiplexing server would
 *                then nest epoll in epoll; one socket is simpler.)
 *
 * `--wait spin` (ctx->wait) makes a side that finds its ring empty (or
 * full) watch the peer's index instead of going to sleep at once: a bare
 * busy loop for up to SPIN_NS while the peer runs on another CPU, then
 * sched_yield() for up to YIELD_NS, then the doorbell after all.  When the
 * peer last ran on OUR CPU it cannot move while we spin, so we yield from
 * the first look: on one CPU, spinning hands over the time slice instead of
 * burning it.
 *
 * The server trusts nothing in the shared memory: indices are checked
 * (never more than a ring apart), positions masked into the ring, the size
 * checked against the seals, and a client that dies holding the ring is an
 * end of stream on its socket.
 *
 *   server: socket -> bind -> listen -> accept -> recvmsg (memfd + 2
 *           eventfds) -> mmap -> ring I/O -> close -> unlink
 *   client: memfd_create -> ftruncate -> seal -> mmap -> eventfd x2 ->
 *           socket -> connect -> sendmsg (SCM_RIGHTS) -> ring I/O -> close
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "ipc.h"
#include "unixpath.h"

#define NAME "shm"
#define SHM_MAGIC 0x69706373u /* "ipcs" */
#define SHM_RING (1u << 20)   /* bytes per direction: a 1 MiB message fits */
#define SHM_CACHELINE 64
#define SPIN_NS 50000LL       /* busy loop while the peer is on another CPU */
#define YIELD_NS 1000000LL    /* then sched_yield(), then the doorbell */
#define HANDOVER_MS 1000      /* accept: how long the client may take to send */
#define ROOM_ARMED 0xfffffffffffffffeULL /* an eventfd at this count is not writable */
#define SHM_CHUNK (256u << 10) /* indices move every this many bytes of a large copy:
				* a quarter of the ring (measured best: 64 KiB moved
				* about 0.41 of memcpy at 1 MiB across CPUs, 256 KiB 0.53) */

/* One direction.  Each index sits on its own cache line, so the producer's
 * stores never evict the line the consumer writes, and the reverse. */
struct shm_ring {
	_Alignas(SHM_CACHELINE) _Atomic uint64_t head; /* bytes ever written */
	_Atomic uint32_t closed;          /* the producer said all it will */
	_Atomic int32_t producer_cpu;     /* where the producer last waited */
	_Alignas(SHM_CACHELINE) _Atomic uint64_t tail; /* bytes ever read */
	_Atomic uint32_t reader_waiting;  /* 1 unless the consumer is spinning on
					     head: then no bell is needed.  On
					     the consumer's line: its stores
					     never take the head line away */
	_Atomic uint32_t writer_waiting;  /* the producer sleeps on "room" */
	_Atomic int32_t consumer_cpu;     /* where the consumer last waited */
	_Alignas(SHM_CACHELINE) unsigned char data[SHM_RING];
};

struct shm_region {
	uint32_t magic, ring_size;
	struct shm_ring ring[2]; /* [0] client -> server, [1] server -> client */
};

/* The room doorbells, in the order they travel. */
enum { BELL_ROOM_C2S, BELL_ROOM_S2C, BELLS };

struct shm_conn {
	struct shm_region *mem;
	struct shm_ring *in, *out;
	int sock;        /* the rendezvous connection: data bell, peer's liveness */
	int bell[BELLS];
	int room_out, room_in; /* indices into bell[] */
	bool eof;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static struct shm_conn *conn_new(void)
{
	struct shm_conn *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->sock = -1;
	for (int i = 0; i < BELLS; i++)
		m->bell[i] = -1;
	return m;
}

static void conn_free(struct shm_conn *m)
{
	if (!m)
		return;
	if (m->mem)
		munmap(m->mem, sizeof *m->mem);
	close_fd(&m->sock);
	for (int i = 0; i < BELLS; i++)
		close_fd(&m->bell[i]);
	free(m);
}

static void shm_default_address(const struct ipc_ctx *ctx, char *out, size_t cap)
{
	snprintf(out, cap, "%s/shm.sock", ctx->rundir);
}

/* rfd: the socket, readable when the data bell rang or the peer left;
 * wfd: our room bell. */
static void set_fds(struct ipc_conn *c, struct shm_conn *m)
{
	c->rfd = m->sock;
	c->wfd = m->bell[m->room_out];
	c->priv = m;
}

/* ---- server ---------------------------------------------------------- */

static int shm_listen(struct ipc_server *s, const char *address, struct ipc_error *e)
{
	char path[IPC_ADDR_MAX];
	struct sockaddr_un sun;
	socklen_t len = 0;

	/* Step 0 - the rendezvous path, freed as for any Unix socket. */
	if (unixpath_prepare(s, address, SOCK_STREAM, path, &address, &sun, &len, 1, e) < 0)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "socket AF_UNIX, SOCK_STREAM (shm rendezvous)");
		unixpath_unlock(s, address, true);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, len) < 0) {
		int err = errno;
		close(fd);
		unixpath_unlock(s, address, true);
		return unixpath_bind_failed(e, err, address);
	}
	unixpath_created(s, address);
	if (listen(fd, SOMAXCONN) < 0) {
		int err = errno;
		close(fd);
		unixpath_remove(address, s->ctx, NAME, IPC_NO_STEP);
		unixpath_unlock(s, address, true);
		return ipc_fail(e, IPC_SYSTEM, err, "listen %s", address);
	}
	ipc_step(s->ctx, NAME, 2, "listen", "fd %d on %s: the rendezvous", fd, address);
	s->fd = fd;
	s->owns_path = true;
	snprintf(s->addr.text, sizeof s->addr.text, "%s", address);
	return 0;
}

/* Is fd an eventfd?  Its /proc link names the anonymous inode. */
static bool is_eventfd(int fd)
{
	char link[64], what[32];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, what, sizeof what - 1);
	if (n < 0)
		return false;
	what[n] = '\0';
	return strcmp(what, "anon_inode:[eventfd]") == 0;
}

/* Step 2 - take the memory and the doorbells, and check all of them: the
 * client could be anyone of our user, and could lie. */
static int receive_region(struct ipc_server *s, struct shm_conn *m, struct ipc_error *e)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * (BELLS + 1))];
	} ctl;
	uint32_t hello[2];
	struct iovec iov = { .iov_base = hello, .iov_len = sizeof hello };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof ctl.buf };
	int fds[BELLS + 1], nfds = 0, memfd = -1, rc = -1;
	ssize_t n;

	if (io_wait(m->sock, POLLIN, -1, HANDOVER_MS) != IO_READY)
		return ipc_fail(e, IPC_PROTOCOL, 0, "shm client sent no memory within %d ms",
				HANDOVER_MS);
	while ((n = recvmsg(m->sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return ipc_fail(e, IPC_PROTOCOL, errno, "recvmsg (shm hand-over)");
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&msg); h; h = CMSG_NXTHDR(&msg, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		int k = (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof fd);
			if (nfds < BELLS + 1)
				fds[nfds++] = fd;
			else
				close(fd);
		}
	}
	if (n != (ssize_t)sizeof hello || (msg.msg_flags & MSG_CTRUNC) || nfds != BELLS + 1 ||
	    hello[0] != SHM_MAGIC || hello[1] != SHM_RING) {
		ipc_fail(e, IPC_PROTOCOL, 0, "shm client's hand-over is not ours (%zd bytes, %d "
			 "descriptors): refused", n, nfds);
		goto out;
	}
	memfd = fds[0];
	struct stat st;
	int seals = fcntl(memfd, F_GET_SEALS);
	if (fstat(memfd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != sizeof *m->mem ||
	    seals < 0 || !(seals & F_SEAL_SHRINK)) {
		/* Unsealed memory could shrink under us: SIGBUS. */
		ipc_fail(e, IPC_PROTOCOL, 0, "shm client's memory is not a sealed region of %zu "
			 "bytes: refused", sizeof *m->mem);
		goto out;
	}
	for (int i = 0; i < BELLS; i++) {
		if (!is_eventfd(fds[1 + i])) {
			ipc_fail(e, IPC_PROTOCOL, 0, "shm client's doorbell %d is not an eventfd: "
				 "refused", i);
			goto out;
		}
	}
	void *p = mmap(NULL, sizeof *m->mem, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (p == MAP_FAILED) {
		ipc_fail(e, IPC_SYSTEM, errno, "mmap the shm client's memory");
		goto out;
	}
	m->mem = p;
	for (int i = 0; i < BELLS; i++) {
		m->bell[i] = fds[1 + i];
		fds[1 + i] = -1;
		if (io_set_nonblocking(m->bell[i], true) < 0) {
			ipc_fail(e, IPC_SYSTEM, errno, "fcntl O_NONBLOCK (shm doorbell)");
			goto out;
		}
	}
	ipc_step(s->ctx, NAME, 4, "recvmsg", "fd %d: memfd %d (%zu bytes, sealed), eventfds %d %d; "
		 "mmap", m->sock, memfd, sizeof *m->mem, m->bell[0], m->bell[1]);
	rc = 0;
out:
	for (int i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]); /* the mapping outlives the memfd */
	return rc;
}

static int shm_accept(struct ipc_server *s, struct ipc_conn *c, struct ipc_error *e)
{
	int fd;

	/* Step 1 - accept the rendezvous connection. */
	for (;;) {
		fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0)
			break;
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return IPC_WOULD_BLOCK;
		ipc_fail(e, IPC_SYSTEM, errno, "accept4 %s", s->addr.text);
		if (errno == EMFILE || errno == ENFILE)
			return ipc_hint(e, "too many open descriptors (a shm client takes 3): "
					"close clients or raise `ulimit -n`");
		return -1;
	}
	ipc_step(s->ctx, NAME, 3, "accept", "fd %d -> fd %d: a client's rendezvous", s->fd, fd);
	struct shm_conn *m = conn_new();
	if (!m) {
		close(fd);
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "shm client state");
	}
	m->sock = fd;
	ipc_conn_init(c, s->t, s->ctx);
	if (receive_region(s, m, e) < 0)
		goto fail;
	m->in = &m->mem->ring[0];
	m->out = &m->mem->ring[1];
	m->room_out = BELL_ROOM_S2C;
	m->room_in = BELL_ROOM_C2S;
	set_fds(c, m);
	struct ucred cred;
	socklen_t clen = sizeof cred;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0)
		snprintf(c->peer_text, sizeof c->peer_text, "shm client pid %ld", (long)cred.pid);
	else
		snprintf(c->peer_text, sizeof c->peer_text, "shm client fd %d", fd);
	ipc_step(s->ctx, NAME, IPC_NO_STEP, "ready", "%s: rfd %d (socket), wfd %d (room eventfd)",
		 c->peer_text, c->rfd, c->wfd);
	return 0;
fail:
	conn_free(m);
	c->priv = NULL;
	return -1;
}

/* ---- client ---------------------------------------------------------- */

/* Step 1 - the memory: anonymous, sized, sealed, mapped. */
static int make_region(struct ipc_conn *c, struct shm_conn *m, int *memfd, struct ipc_error *e)
{
	*memfd = memfd_create("ipclab-shm", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (*memfd < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "memfd_create");
	if (ftruncate(*memfd, sizeof *m->mem) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "ftruncate memfd to %zu bytes", sizeof *m->mem);
	if (fcntl(*memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "fcntl F_ADD_SEALS memfd");
	void *p = mmap(NULL, sizeof *m->mem, PROT_READ | PROT_WRITE, MAP_SHARED, *memfd, 0);
	if (p == MAP_FAILED)
		return ipc_fail(e, IPC_SYSTEM, errno, "mmap %zu bytes", sizeof *m->mem);
	m->mem = p; /* fresh memory reads as zeros: indices 0 */
	m->mem->magic = SHM_MAGIC;
	m->mem->ring_size = SHM_RING;
	/* Neither side has looked at its ring yet: the first bytes must ring
	 * the bell, or a multiplexed server would never read them. */
	for (int i = 0; i < 2; i++)
		atomic_store(&m->mem->ring[i].reader_waiting, 1);
	for (int i = 0; i < BELLS; i++) {
		m->bell[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (m->bell[i] < 0)
			return ipc_fail(e, IPC_SYSTEM, errno, "eventfd");
	}
	ipc_step(c->ctx, NAME, IPC_NO_STEP, "memfd_create", "fd %d, %zu bytes, sealed, mapped; eventfds "
		 "%d %d", *memfd, sizeof *m->mem, m->bell[0], m->bell[1]);
	return 0;
}

static int shm_connect(struct ipc_conn *c, const struct ipc_addr *a, struct ipc_error *e)
{
	struct sockaddr_un sun;
	socklen_t len = 0;
	int memfd = -1, r;
	struct shm_conn *m = conn_new();

	if (!m)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "shm connection state");
	if (unixpath_fill(&sun, &len, a->text, e) < 0 || make_region(c, m, &memfd, e) < 0)
		goto fail;
	/* Step 2 - reach the rendezvous. */
	m->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->sock < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "socket AF_UNIX, SOCK_STREAM (shm rendezvous)");
		goto fail;
	}
	do
		r = connect(m->sock, (struct sockaddr *)&sun, len);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		int err = errno;
		ipc_fail(e, ipc_status_of_errno(err), err, "connect %s", a->text);
		if (e->status == IPC_NO_SERVER)
			ipc_hint(e, "no server listening: start one with `ipclab serve shm`");
		goto fail;
	}
	/* Step 3 - hand over the memory and the four doorbells at once. */
	uint32_t hello[2] = { SHM_MAGIC, SHM_RING };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * (BELLS + 1))];
	} ctl;
	memset(&ctl, 0, sizeof ctl);
	struct iovec iov = { .iov_base = hello, .iov_len = sizeof hello };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof ctl.buf };
	struct cmsghdr *h = CMSG_FIRSTHDR(&msg);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int) * (BELLS + 1));
	int fds[BELLS + 1] = { memfd, m->bell[0], m->bell[1] };
	memcpy(CMSG_DATA(h), fds, sizeof fds);
	ssize_t n;
	while ((n = sendmsg(m->sock, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof hello) {
		ipc_fail(e, IPC_SYSTEM, n < 0 ? errno : 0, "sendmsg SCM_RIGHTS to %s", a->text);
		goto fail;
	}
	ipc_step(c->ctx, NAME, IPC_NO_STEP, "sendmsg", "fd %d to %s: memfd and 2 eventfds (SCM_RIGHTS)",
		 m->sock, a->text);
	close(memfd); /* the mapping keeps the memory */
	memfd = -1;
	m->in = &m->mem->ring[1];
	m->out = &m->mem->ring[0];
	m->room_out = BELL_ROOM_C2S;
	m->room_in = BELL_ROOM_S2C;
	set_fds(c, m);
	snprintf(c->peer_text, sizeof c->peer_text, "%s", a->text);
	return 0;
fail:
	if (memfd >= 0)
		close(memfd);
	conn_free(m);
	c->priv = NULL;
	return -1;
}

/* ---- waiting ----------------------------------------------------------- */

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* --wait spin: watch *word until it differs from `seen`, for a bounded
 * time (see the top).  `my_cpu` is published for the peer, `peer_cpu` says
 * where it last waited.  True if the word moved. */
static bool spin_for_change(const _Atomic uint64_t *word, uint64_t seen, _Atomic int32_t *my_cpu,
			    const _Atomic int32_t *peer_cpu)
{
	int cpu = sched_getcpu();
	atomic_store_explicit(my_cpu, cpu, memory_order_relaxed);
	bool same_cpu = cpu >= 0 && atomic_load_explicit(peer_cpu, memory_order_relaxed) == cpu;
	long long start = now_ns(), busy_until = same_cpu ? start : start + SPIN_NS;

	for (unsigned i = 0;; i++) {
		if (atomic_load_explicit(word, memory_order_acquire) != seen)
			return true;
		if ((i & 63) != 63) {
			cpu_relax();
			continue;
		}
		long long t = now_ns();
		if (t >= start + SPIN_NS + YIELD_NS)
			return false;
		if (t >= busy_until)
			sched_yield();
	}
}

/* Take every data bell byte off the socket.  True if the peer is gone:
 * end of stream, or the connection broken. */
static bool drain_socket(const struct shm_conn *m)
{
	char b[64];
	for (;;) {
		ssize_t n = recv(m->sock, b, sizeof b, MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n == 0)
			return true;
		if (errno == EINTR)
			continue;
		return errno != EAGAIN && errno != EWOULDBLOCK;
	}
}

/* The data bell: one byte, never waited for (a full socket buffer
 * already holds bells enough). */
static void ring_socket(const struct shm_conn *m)
{
	while (send(m->sock, "!", 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/* Is the peer gone?  Bell bytes may wait first: peek past them. */
static bool peer_gone(const struct shm_conn *m)
{
	char b;
	ssize_t n = recv(m->sock, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

static void drain_bell(int fd)
{
	uint64_t v;
	while (read(fd, &v, sizeof v) < 0 && errno == EINTR)
		;
}

/* ---- both sides: copy into the ring, copy out of it -------------------- */

static ssize_t shm_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e)
{
	struct shm_conn *m = c->priv;
	struct shm_ring *r = m->in;
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	if (m->eof)
		return 0;
	if (head == tail && c->ctx->wait == IPC_WAIT_SPIN &&
	    !atomic_load_explicit(&r->closed, memory_order_acquire)) {
		/* Watching: the producer need not ring while we spin.  Then
		 * the flag goes up again and we look once more (see the top). */
		atomic_store_explicit(&r->reader_waiting, 0, memory_order_relaxed);
		if (spin_for_change(&r->head, head, &r->consumer_cpu, &r->producer_cpu)) {
			/* Bytes came: no need to order this store before a
			 * look, the look that matters is the one before sleep,
			 * which every caller makes through recv() again. */
			atomic_store_explicit(&r->reader_waiting, 1, memory_order_relaxed);
		} else {
			atomic_store_explicit(&r->reader_waiting, 1, memory_order_seq_cst);
			atomic_thread_fence(memory_order_seq_cst);
		}
		head = atomic_load_explicit(&r->head, memory_order_acquire);
	}
	if (head == tail) {
		/* About to sleep: clear the bell, then look again.  Bytes
		 * published after this look ring after the clearing. */
		bool gone = drain_socket(m);
		/* The peer's last bytes came before its "closed" or its exit. */
		head = atomic_load_explicit(&r->head, memory_order_acquire);
		if (head == tail) {
			if (gone || atomic_load_explicit(&r->closed, memory_order_acquire)) {
				m->eof = true;
				ipc_step(c->ctx, NAME, IPC_NO_STEP, "read", "end of stream (%s)", c->peer_text);
				return 0;
			}
			return IPC_WOULD_BLOCK;
		}
	}
	uint64_t avail = head - tail;
	if (avail > SHM_RING)
		return ipc_fail(e, IPC_PROTOCOL, 0, "shm %s: the ring's indices are corrupt "
				"(%llu bytes ahead)", c->peer_text, (unsigned long long)avail);
	size_t n = avail < cap ? (size_t)avail : cap;
	/* In chunks, each handed back at once: a producer waiting for room
	 * copies in while we copy out, on two CPUs at the same time. */
	for (size_t done = 0; done < n;) {
		size_t k = n - done < SHM_CHUNK ? n - done : SHM_CHUNK;
		size_t at = (size_t)((tail + done) & (SHM_RING - 1)), first = SHM_RING - at;
		if (first > k)
			first = k;
		memcpy((char *)buf + done, r->data + at, first);
		memcpy((char *)buf + done + first, r->data, k - first);
		done += k;
		atomic_store_explicit(&r->tail, tail + done, memory_order_release);
		/* Room again: wake a producer that sleeps on it. */
		atomic_thread_fence(memory_order_seq_cst);
		if (atomic_load_explicit(&r->writer_waiting, memory_order_relaxed)) {
			atomic_store_explicit(&r->writer_waiting, 0, memory_order_relaxed);
			drain_bell(m->bell[m->room_in]); /* count 0: writable again */
		}
	}
	ipc_step(c->ctx, NAME, 5, "read", "%zu bytes from the ring", n);
	return (ssize_t)n;
}

static ssize_t shm_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e)
{
	struct shm_conn *m = c->priv;
	struct shm_ring *r = m->out;
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (len == 0)
		return 0;
	if (head - tail >= SHM_RING && c->ctx->wait == IPC_WAIT_SPIN &&
	    spin_for_change(&r->tail, tail, &r->producer_cpu, &r->consumer_cpu))
		tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (head - tail >= SHM_RING) {
		/* Full: make our room bell unwritable, raise the flag, look again. */
		int bell = m->bell[m->room_out];
		uint64_t armed = ROOM_ARMED;
		drain_bell(bell);
		while (write(bell, &armed, sizeof armed) < 0 && errno == EINTR)
			;
		atomic_store_explicit(&r->writer_waiting, 1, memory_order_seq_cst);
		atomic_thread_fence(memory_order_seq_cst);
		tail = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (head - tail >= SHM_RING) {
			if (peer_gone(m))
				return ipc_fail(e, IPC_PROTOCOL, EPIPE, "write shm %s", c->peer_text);
			return IPC_WOULD_BLOCK;
		}
		atomic_store_explicit(&r->writer_waiting, 0, memory_order_relaxed);
		drain_bell(bell); /* never leave it unwritable while we do not wait */
	}
	if (head - tail > SHM_RING)
		return ipc_fail(e, IPC_PROTOCOL, 0, "shm %s: the ring's indices are corrupt",
				c->peer_text);
	if (atomic_load_explicit(&m->in->closed, memory_order_relaxed))
		return ipc_fail(e, IPC_PROTOCOL, EPIPE, "write shm %s: the peer closed",
				c->peer_text);
	size_t room = SHM_RING - (size_t)(head - tail);
	size_t n = len < room ? len : room;
	/* In chunks, each published at once: the consumer starts copying out
	 * while we still copy in. */
	for (size_t done = 0; done < n;) {
		size_t k = n - done < SHM_CHUNK ? n - done : SHM_CHUNK;
		size_t at = (size_t)((head + done) & (SHM_RING - 1)), first = SHM_RING - at;
		if (first > k)
			first = k;
		memcpy(r->data + at, (const char *)buf + done, first);
		memcpy(r->data, (const char *)buf + done + first, k - first);
		done += k;
		atomic_store_explicit(&r->head, head + done, memory_order_release);
		/* Data: wake a consumer that sleeps on it. */
		atomic_thread_fence(memory_order_seq_cst);
		if (atomic_load_explicit(&r->reader_waiting, memory_order_relaxed))
			ring_socket(m);
	}
	ipc_step(c->ctx, NAME, 6, "write", "%zu bytes into the ring", n);
	return (ssize_t)n;
}

/* Say "no more" in the ring (the peer reads its end of stream after the
 * last byte), wake the peer whichever way it sleeps, and let go. */
static void shm_close(struct ipc_conn *c)
{
	struct shm_conn *m = c->priv;

	if (m) {
		/* Closing the socket wakes a peer asleep on it. */
		atomic_store_explicit(&m->out->closed, 1, memory_order_release);
		drain_bell(m->bell[m->room_in]);
		conn_free(m);
		c->priv = NULL;
	}
	if (c->rfd >= 0)
		ipc_step(c->ctx, NAME, 7, "close", "fd %d and the ring unmapped", c->rfd);
	c->rfd = c->wfd = -1;
}

static void shm_shutdown(struct ipc_server *s, bool remove)
{
	if (s->fd >= 0) {
		close(s->fd);
		ipc_step(s->ctx, NAME, 8, "close", "fd %d", s->fd);
		s->fd = -1;
	}
	unixpath_release(s, remove, 9); /* the path, if still ours, and its lock */
}

const struct ipc_transport shm_transport = {
	.name = NAME,
	.summary = "shared memory: a pair of rings per client (memfd handed over a Unix socket), "
		   "doorbells or --wait spin",
	.kind = IPC_STREAM,
	.servable = true,
	.max_message = 0,
	.addressing = IPC_ADDR_PATH,
	.fds_per_conn = 3, /* the socket, two eventfds */
	.opaque_fds = true,
	.can_spin = true,
	.default_address = shm_default_address,
	.listen = shm_listen,
	.accept = shm_accept,
	.connect = shm_connect,
	.recv = shm_recv,
	.send = shm_send,
	.close = shm_close,
	.shutdown = shm_shutdown,
};
