/*
 * fuzz_handover.c - libFuzzer target: the shm server taking a client's
 * hand-over (shm/shm_handover.c), and then its ring (shm/shm_ring.c), as a
 * hostile client would shape them.
 *
 * The input says what the "client" sends over a socket pair: the first two
 * bytes choose the memory (sealed against shrinking or not, against growing
 * or writing, opened read-only, the right size or not) and how many
 * descriptors of which kinds go with it (the memfd, Unix datagram or stream
 * sockets, an eventfd, /dev/null: 0 to 5 of them); the next eight are XORed
 * into the magic and ring size.  If the server takes the hand-over, the rest
 * is a list of moves: scribble an index or a flag of either ring, write
 * bytes into the ring, or have the server recv() or send().  What is
 * checked: the server never crashes, never waits (libFuzzer's -timeout),
 * never returns more bytes than asked, refuses everything but the one
 * right shape, and leaks nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../shm/shm.h"
#include "ipc.h"

extern const struct ipc_transport shm_transport;

static struct ipc_ctx ctx = { .rundir = "/tmp", .timeout_ms = 100 };

/* A descriptor of kind k (0 the memfd itself, 1 our end of a datagram
 * pair, 2 of a stream pair, 3 an eventfd, else /dev/null); `extra` keeps
 * the other ends to close later. */
static int make_fd(int k, int memfd, int *extra)
{
	int pair[2];
	switch (k) {
	case 0:
		return dup(memfd);
	case 1:
	case 2:
		if (socketpair(AF_UNIX, (k == 1 ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0,
			       pair) < 0)
			return -1;
		*extra = pair[1];
		return pair[0];
	case 3:
		return eventfd(0, EFD_CLOEXEC);
	default:
		return open("/dev/null", O_RDWR | O_CLOEXEC);
	}
}

static uint64_t take64(const uint8_t **p, size_t *left)
{
	uint64_t v = 0;
	size_t n = *left < 8 ? *left : 8;
	memcpy(&v, *p, n);
	*p += n;
	*left -= n;
	return v;
}

static void moves(struct shm_conn *m, const uint8_t *p, size_t left)
{
	struct ipc_conn c;
	struct ipc_error e;
	char buf[512];

	ipc_conn_init(&c, &shm_transport, &ctx);
	m->in = &m->mem->ring[0];
	m->out = &m->mem->ring[1];
	c.rfd = m->sock;
	c.wfd = m->arm;
	c.priv = m;
	snprintf(c.peer_text, sizeof c.peer_text, "fuzz");
	for (int steps = 0; left > 0 && steps < 64; steps++) {
		uint8_t op = *p++;
		left--;
		uint64_t v = take64(&p, &left);
		struct shm_ring *r = &m->mem->ring[op & 1];
		ssize_t n;
		switch ((op >> 1) % 7) {
		case 0: atomic_store(&r->head, v); break;
		case 1: atomic_store(&r->tail, v); break;
		case 2: atomic_store(&r->writer_waiting, (uint32_t)v); break;
		case 3: atomic_store(&r->reader_waiting, (uint32_t)v); break;
		case 4: /* bytes into the ring the server reads */
			memcpy(m->mem->ring[0].data + (v % SHM_RING) / 2, &v, sizeof v);
			break;
		case 5:
			n = shm_transport.recv(&c, buf, 1 + v % sizeof buf, &e);
			if (n > (ssize_t)sizeof buf || n < IPC_WOULD_BLOCK)
				abort();
			break;
		default:
			memset(buf, 'r', sizeof buf);
			n = shm_transport.send(&c, buf, 1 + v % sizeof buf, &e);
			if (n > (ssize_t)sizeof buf || n < IPC_WOULD_BLOCK)
				abort();
			break;
		}
	}
	shm_transport.close(&c); /* frees m */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 10)
		return 0;
	uint8_t mem_shape = data[0], fd_shape = data[1];
	const uint8_t *p = data + 2;
	size_t left = size - 2;
	uint32_t hello[2] = { SHM_MAGIC, SHM_RING };
	hello[0] ^= (uint32_t)take64(&p, &left);
	hello[1] ^= (mem_shape & 0x80) ? 1u : 0u;

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	size_t want = sizeof(struct shm_region) - (mem_shape & 0x10 ? 4096 : 0);
	int memfd = memfd_create("fuzz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (memfd < 0 || ftruncate(memfd, (off_t)want) < 0)
		abort();
	int seals = (mem_shape & 1 ? F_SEAL_SHRINK : 0) | (mem_shape & 2 ? F_SEAL_GROW : 0) |
		    (mem_shape & 4 ? F_SEAL_WRITE : 0);
	if (seals)
		(void)fcntl(memfd, F_ADD_SEALS, seals);
	int first = memfd;
	char proc[64];
	if (mem_shape & 8) { /* read-only */
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", memfd);
		first = open(proc, O_RDONLY | O_CLOEXEC);
	}

	/* How many descriptors (0-5) and of which kinds: the right shape is
	 * 3 of kinds 0, 1, 1. */
	int nfds = (fd_shape >> 6) + ((fd_shape & 0x20) ? 2 : 0);
	if (nfds > 5)
		nfds = 5;
	int fds[5], extra[5];
	for (int i = 0; i < 5; i++)
		fds[i] = extra[i] = -1;
	for (int i = 0; i < nfds; i++) {
		int kind = i == 0 ? ((fd_shape & 1) ? 1 : 0) : 1 + ((fd_shape >> (2 * i - 1)) & 3);
		fds[i] = i == 0 && kind == 0 ? dup(first) : make_fd(kind, memfd, &extra[i]);
	}
	if (first != memfd)
		close(first);

	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 5)];
	} ctl;
	memset(&ctl, 0, sizeof ctl);
	struct iovec iov = { .iov_base = hello, .iov_len = sizeof hello };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int good = 0;
	for (int i = 0; i < nfds; i++)
		good += fds[i] >= 0;
	if (good == nfds && nfds > 0) {
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		struct cmsghdr *h = CMSG_FIRSTHDR(&msg);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(h), fds, sizeof(int) * (size_t)nfds);
	}
	if (sendmsg(sv[0], &msg, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		abort();
	for (int i = 0; i < 5; i++)
		if (fds[i] >= 0)
			close(fds[i]);

	struct shm_conn *m = shm_conn_new();
	struct ipc_error e;
	if (!m)
		abort();
	m->sock = sv[1];
	int r = shm_handover_receive(&ctx, m, &e);
	bool right = (mem_shape & 0x1d) == 1 && !(mem_shape & 0x80) && hello[0] == SHM_MAGIC &&
		     nfds == 3 && !(fd_shape & 1) && ((fd_shape >> 1) & 3) == 0 &&
		     ((fd_shape >> 3) & 3) == 0;
	if (r == IPC_WOULD_BLOCK || (r == 0) != right) {
		fprintf(stderr, "hand-over %s (shape %02x %02x): %s\n", r == 0 ? "taken" : "refused",
			mem_shape, fd_shape, r < 0 ? e.msg : "");
		abort();
	}
	if (r == 0) {
		/* The fuzzer is the client: a few bytes in its ring first. */
		moves(m, p, left);
	} else {
		shm_conn_free(m);
	}
	close(sv[0]);
	close(memfd);
	for (int i = 0; i < 5; i++)
		if (extra[i] >= 0)
			close(extra[i]);
	return 0;
}
