/*
 * shm_handover.c - step 4 of shm (recvmsg): the client's memory and room
 * doorbells, made and sent by the client, received and checked by the
 * server; and the client's connect(), which starts it.
 *
 * The client could be anyone of our user, and could lie.  What it sends is
 * one SCM_RIGHTS message: 8 bytes (magic, ring size) and three descriptors,
 * in this order:
 *
 *   memfd   the region: a regular file of exactly sizeof(struct
 *           shm_region) bytes, sealed against shrinking (memory that shrank
 *           under our mapping would kill the server with SIGBUS), not sealed
 *           against writing (we could not map it to write our replies);
 *   wake    the far end of the client's room bell (we drain it to wake a
 *           client waiting for room);
 *   arm     our own room bell (our wfd: unwritable while we wait for room).
 *
 * Both bells must be Unix datagram sockets: every call the server makes on
 * them says MSG_DONTWAIT itself, so a client that clears O_NONBLOCK on its
 * copies (the flag lives in the open file description both hold) cannot make
 * it wait.  Anything else is refused, as the client's fault.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "shm.h"
#include "unixpath.h"

/* ---- a connection's state ----------------------------------------------- */

struct shm_conn *shm_conn_new(void)
{
	struct shm_conn *m = calloc(1, sizeof *m);
	if (m) {
		m->sock = m->arm = m->wake = -1;
		m->waiting_mine = true; /* as the client's hand-over leaves it */
	}
	return m;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void shm_conn_free(struct shm_conn *m)
{
	if (!m)
		return;
	if (m->mem)
		munmap(m->mem, sizeof *m->mem);
	close_fd(&m->sock);
	close_fd(&m->arm);
	close_fd(&m->wake);
	free(m);
}

/* ---- client ------------------------------------------------------------- */

/* Step C1 - the memory: anonymous, sized, sealed, mapped. */
static int make_region(const struct ipc_ctx *ctx, struct shm_conn *m, int *memfd,
		       struct ipc_error *e)
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
	for (int i = 0; i < 2; i++) {
		atomic_store(&m->mem->ring[i].reader_waiting, 1);
		/* Where each side last waited: nowhere yet (CPU 0 is a CPU). */
		atomic_store(&m->mem->ring[i].producer_cpu, -1);
		atomic_store(&m->mem->ring[i].consumer_cpu, -1);
	}
	ipc_step(ctx, SHM_NAME, IPC_NO_STEP, "memfd_create", "fd %d, %zu bytes, sealed, mapped", *memfd,
		 sizeof *m->mem);
	return 0;
}

/* Steps C1 to C3: the memory, the two room bells, and one message that
 * carries the memfd, the far end of our bell and the whole of the server's. */
int shm_handover_send(const struct ipc_ctx *ctx, struct shm_conn *m, const char *to,
		      struct ipc_error *e)
{
	int memfd = -1, ours[2] = { -1, -1 }, theirs[2] = { -1, -1 }, rc = -1;

	if (make_region(ctx, m, &memfd, e) < 0)
		goto out;
	/* Step C2 - the room bells: ours (we keep [0], the server drains
	 * [1]) and the server's (it keeps [0], we drain [1]). */
	if (shm_bell_pair(ours) < 0 || shm_bell_pair(theirs) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "socketpair AF_UNIX, SOCK_DGRAM (shm room doorbell)");
		goto out;
	}
	ipc_step(ctx, SHM_NAME, IPC_NO_STEP, "socketpair", "room doorbells: ours fd %d (peer %d), the "
		 "server's fd %d (peer %d)", ours[0], ours[1], theirs[0], theirs[1]);
	/* Step C3 - hand over the memory and the server's bell ends at once. */
	uint32_t hello[2] = { SHM_MAGIC, SHM_RING };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * SHM_HANDOVER_FDS)];
	} ctl;
	memset(&ctl, 0, sizeof ctl);
	struct iovec iov = { .iov_base = hello, .iov_len = sizeof hello };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof ctl.buf };
	struct cmsghdr *h = CMSG_FIRSTHDR(&msg);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int) * SHM_HANDOVER_FDS);
	int fds[SHM_HANDOVER_FDS] = { memfd, ours[1], theirs[0] };
	memcpy(CMSG_DATA(h), fds, sizeof fds);
	ssize_t n;
	while ((n = sendmsg(m->sock, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof hello) {
		ipc_fail(e, IPC_SYSTEM, n < 0 ? errno : 0, "sendmsg SCM_RIGHTS to %s", to);
		goto out;
	}
	ipc_step(ctx, SHM_NAME, IPC_NO_STEP, "sendmsg", "fd %d to %s: memfd and 2 room doorbells "
		 "(SCM_RIGHTS)", m->sock, to);
	m->arm = ours[0];
	m->wake = theirs[1];
	ours[0] = theirs[1] = -1;
	rc = 0;
out: /* the mapping keeps the memory; the server holds its ends now */
	for (int i = 0; i < 2; i++) {
		if (ours[i] >= 0)
			close(ours[i]);
		if (theirs[i] >= 0)
			close(theirs[i]);
	}
	if (memfd >= 0)
		close(memfd);
	return rc;
}

/* The client's connect(): reach the rendezvous, then hand over (C1-C3).
 * Its side: ring[1] in, ring[0] out. */
int shm_connect(struct ipc_conn *c, const struct ipc_addr *a, struct ipc_error *e)
{
	struct sockaddr_un sun;
	socklen_t len = 0;
	int r;
	struct shm_conn *m = shm_conn_new();

	if (!m)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "shm connection state");
	if (unixpath_fill(&sun, &len, a->text, e) < 0)
		goto fail;
	/* Reach the rendezvous: socket(), connect(). */
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
	/* Steps C1 to C3 - the memory and the doorbells, made and sent. */
	if (shm_handover_send(c->ctx, m, a->text, e) < 0)
		goto fail;
	m->in = &m->mem->ring[1];
	m->out = &m->mem->ring[0];
	c->rfd = m->sock;
	c->wfd = m->arm;
	c->priv = m;
	snprintf(c->peer_text, sizeof c->peer_text, "%s", a->text);
	return 0;
fail:
	shm_conn_free(m);
	c->priv = NULL;
	return -1;
}

/* ---- server ------------------------------------------------------------- */

/* A Unix datagram socket, as a room bell must be. */
static bool is_bell(int fd)
{
	int type = 0, domain = 0;
	socklen_t l1 = sizeof type, l2 = sizeof domain;
	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l1) == 0 && type == SOCK_DGRAM &&
	       getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &l2) == 0 && domain == AF_UNIX;
}

/* The memfd is a region we can map to read and write, which cannot shrink
 * under us.  0, or -1 with e filled. */
static int check_memory(int memfd, struct ipc_error *e)
{
	struct stat st;
	int seals = fcntl(memfd, F_GET_SEALS);

	if (fstat(memfd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size != (off_t)sizeof(struct shm_region))
		return ipc_fail(e, IPC_PROTOCOL, 0, "shm client's memory is not a region of %zu "
				"bytes: refused", sizeof(struct shm_region));
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return ipc_fail(e, IPC_PROTOCOL, 0, "shm client's memory is not sealed against "
				"shrinking (F_SEAL_SHRINK): refused");
	if (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		return ipc_fail(e, IPC_PROTOCOL, 0, "shm client's memory is sealed against "
				"writing: refused");
	return 0;
}

int shm_handover_receive(const struct ipc_ctx *ctx, struct shm_conn *m, struct ipc_error *e)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * SHM_HANDOVER_FDS)];
	} ctl;
	uint32_t hello[2];
	struct iovec iov = { .iov_base = hello, .iov_len = sizeof hello };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof ctl.buf };
	int fds[SHM_HANDOVER_FDS], nfds = 0, sent = 0, rc = -1;
	ssize_t n;

	while ((n = recvmsg(m->sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT)) < 0 && errno == EINTR)
		;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return IPC_WOULD_BLOCK;
	if (n < 0)
		return ipc_fail(e, IPC_PROTOCOL, errno, "recvmsg (shm hand-over)");
	if (n == 0)
		return ipc_fail(e, IPC_PROTOCOL, 0, "shm client left before handing over its "
				"memory");
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&msg); h; h = CMSG_NXTHDR(&msg, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		int k = (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof fd);
			sent++;
			if (nfds < SHM_HANDOVER_FDS)
				fds[nfds++] = fd;
			else
				close(fd);
		}
	}
	if (n != (ssize_t)sizeof hello || (msg.msg_flags & MSG_CTRUNC) ||
	    sent != SHM_HANDOVER_FDS || hello[0] != SHM_MAGIC || hello[1] != SHM_RING) {
		ipc_fail(e, IPC_PROTOCOL, 0, "shm client's hand-over is not ours (%zd bytes, %d "
			 "descriptors): refused", n, sent);
		goto out;
	}
	if (check_memory(fds[0], e) < 0)
		goto out;
	for (int i = 1; i < SHM_HANDOVER_FDS; i++) {
		if (!is_bell(fds[i])) {
			ipc_fail(e, IPC_PROTOCOL, 0, "shm client's doorbell %d is not a Unix "
				 "datagram socket: refused", i);
			goto out;
		}
	}
	void *p = mmap(NULL, sizeof *m->mem, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	if (p == MAP_FAILED) {
		/* Out of memory is ours; anything else (a memfd opened read
		 * only, say) is what the client sent. */
		int err = errno;
		ipc_fail(e, err == ENOMEM ? IPC_SYSTEM : IPC_PROTOCOL, err,
			 "mmap the shm client's memory");
		goto out;
	}
	m->mem = p;
	m->wake = fds[1];
	m->arm = fds[2];
	fds[1] = fds[2] = -1;
	/* The smallest send buffer for our bell: two datagrams make it wait.
	 * (The client could enlarge it again: arming then fails, and it is
	 * refused.) */
	int zero = 0;
	(void)setsockopt(m->arm, SOL_SOCKET, SO_SNDBUF, &zero, sizeof zero);
	ipc_step(ctx, SHM_NAME, 4, "recvmsg", "fd %d: memfd %d (%zu bytes, sealed), room "
		 "doorbells %d %d; mmap", m->sock, fds[0], sizeof *m->mem, m->wake, m->arm);
	rc = 0;
out:
	for (int i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]); /* the mapping outlives the memfd */
	return rc;
}
