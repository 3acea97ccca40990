/*
 * mqueue.c - POSIX message queues: a well-known server queue plus a pair per
 * client, the FIFO transport's design with queues instead of FIFOs.
 *
 * mq_open() names a queue of whole messages kept by the kernel (and shown in
 * /dev/mqueue when that file system is mounted).  A message is sent and
 * received whole, up to the queue's mq_msgsize, and at most mq_maxmsg wait
 * in a queue.  On Linux an mqd_t is a file descriptor, so poll(), select()
 * and epoll watch it like any other: readable while a message waits,
 * writable while there is room.  Connections are built on top as with FIFOs:
 *
 *   1. The server creates the queue /ipclab-<uid>-<dir> (mode 0600, O_EXCL)
 *      and holds an exclusive flock() on it: a client, or a second server,
 *      tells a live server from a crashed one's leftover by that lock.
 *      Only connection notices travel there.
 *   2. A client creates its pair, <server>.<id>.req (client -> server) and
 *      <server>.<id>.rep (server -> client), with id "<pid>-<random tag>",
 *      and sends the notice "<id>".
 *   3. The server rebuilds both names from the id alone, opens them, checks
 *      they are queues its own user owns, and mq_unlink()s both names: the
 *      open descriptors keep the queues, and nothing is left behind.
 *   4. From then on the pair carries a byte stream cut into messages.  A
 *      queue has no end of stream, so close() sends an empty message that
 *      says it.  Nor does a queue know its readers: each side holds a
 *      flock() on the queue it reads, so a writer that finds the queue full
 *      can tell "slow reader" (locked) from "gone" (the lock is free: closed
 *      or dead), where a FIFO would give EPIPE.  A peer that dies while we
 *      wait in poll() is noticed only by the idle timeout.
 *
 * A message larger than the reader's buffer cannot be received at all
 * (EMSGSIZE), so recv() receives into a buffer of the queue's message size
 * and puts what the caller had no room for back at the head of the queue
 * (priority 1, ahead of the peer's messages): the descriptor stays readable
 * and no byte waits where poll() cannot see it.
 *
 * The kernel limits queues (see mq_overview(7)): a queue may hold at most
 * fs.mqueue.msg_max messages of at most fs.mqueue.msgsize_max bytes, a
 * system at most fs.mqueue.queues_max queues, and one user's queues at most
 * RLIMIT_MSGQUEUE bytes (`ulimit -q`), about 41 KiB per queue here.  Every
 * refusal names the limit and how to raise it.
 *
 *   server: mq_open(O_CREAT|O_EXCL) -> flock -> mq_receive notice ->
 *           mq_open the pair -> mq_unlink it -> mq_receive/mq_send -> close
 *           -> mq_unlink
 *   client: mq_open server queue -> mq_open(O_CREAT|O_EXCL) pair -> mq_send
 *           notice -> mq_send/mq_receive -> empty message -> close -> mq_unlink
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "ipc.h"

#define NAME "mqueue"
#define ID_MAX 32           /* "<pid>-<tag>" and room */
#define MQ_MSGSIZE 4096     /* a page: big enough for any greeting, small enough */
#define MQ_MAXMSG 10        /* the default fs.mqueue.msg_max */
#define NOTICE_MSGSIZE 64   /* the server queue carries ids only */
#define CLOSE_WAIT_MS 100   /* close(): how long the end-of-stream message may wait */

/* What a connection keeps of its own (c->priv). */
struct mq_conn {
	char own[2][NAME_MAX + 2]; /* the names we created, removed by close() */
	char *msg;                 /* a received message ... */
	size_t msg_len, msg_off;   /* ... and the part not handed out yet */
	size_t msgsize;            /* the incoming queue's mq_msgsize */
	bool eof;                  /* the peer's empty message came */
};

static int lock_reader(const struct ipc_ctx *ctx, int q, const char *name, struct ipc_error *e);

/* ---- the limits, read where the kernel shows them -------------------- */

static long read_limit(const char *what)
{
	char path[64], buf[32];
	long v = -1;

	snprintf(path, sizeof path, "/proc/sys/fs/mqueue/%s", what);
	FILE *f = fopen(path, "re");
	if (f) {
		if (fgets(buf, sizeof buf, f))
			v = strtol(buf, NULL, 10);
		fclose(f);
	}
	return v;
}

/* The attributes we ask for, within the system's limits for our user. */
static struct mq_attr queue_attr(long maxmsg, long msgsize)
{
	long max_msgs = read_limit("msg_max"), max_size = read_limit("msgsize_max");
	struct mq_attr a = { .mq_maxmsg = maxmsg, .mq_msgsize = msgsize };

	if (max_msgs > 0 && a.mq_maxmsg > max_msgs)
		a.mq_maxmsg = max_msgs;
	if (max_size > 0 && a.mq_msgsize > max_size)
		a.mq_msgsize = max_size;
	return a;
}

/* Append to e what the errno of a failed mq_open(O_CREAT) means here. */
static int explain_limit(struct ipc_error *e, int err, const struct mq_attr *a)
{
	struct rlimit rl;

	switch (err) {
	case EMFILE:
		if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
			return ipc_hint(e, "either this process is out of descriptors, or your "
					"queues would pass RLIMIT_MSGQUEUE (%llu bytes, `ulimit -q`; "
					"each queue here takes about %ld): close clients or raise it",
					(unsigned long long)rl.rlim_cur,
					a->mq_maxmsg * (a->mq_msgsize + 64));
		return ipc_hint(e, "out of descriptors: close clients or raise `ulimit -n`");
	case ENOSPC:
		return ipc_hint(e, "the system's queues are all taken (fs.mqueue.queues_max = %ld): "
				"remove stale ones from /dev/mqueue or raise it with sysctl",
				read_limit("queues_max"));
	case EINVAL:
		return ipc_hint(e, "%ld messages of %ld bytes pass fs.mqueue.msg_max (%ld) or "
				"msgsize_max (%ld)", a->mq_maxmsg, a->mq_msgsize,
				read_limit("msg_max"), read_limit("msgsize_max"));
	case ENOSYS:
		return ipc_hint(e, "this kernel has no POSIX message queues (CONFIG_POSIX_MQUEUE)");
	default:
		return -1;
	}
}

/* A queue name is "/" and at most NAME_MAX characters, no other '/'. */
static bool valid_name(const char *name)
{
	size_t n = strlen(name);
	return n >= 2 && n <= NAME_MAX && name[0] == '/' && !strchr(name + 1, '/');
}

/* "<server>.<id>.<suffix>"; listen() and connect() checked that it fits. */
static void pair_name(char *out, size_t cap, const char *server, const char *id,
		      const char *suffix)
{
	int n = snprintf(out, cap, "%s.%s.%s", server, id, suffix);
	if (n < 0 || (size_t)n >= cap)
		out[0] = '\0';
}

static void close_q(const struct ipc_ctx *ctx, int *q)
{
	if (*q < 0)
		return;
	mq_close(*q);
	ipc_step(ctx, NAME, 12, "mq_close", "mqd %d", *q);
	*q = -1;
}

static void unlink_q(const struct ipc_ctx *ctx, int step, const char *name)
{
	if (mq_unlink(name) == 0)
		ipc_step(ctx, NAME, step, "mq_unlink", "%s", name);
	else if (errno != ENOENT)
		ipc_step(ctx, NAME, step, "mq_unlink", "%s: %s", name, strerror(errno));
}

/* The basename of the runtime directory keeps the default queue of one
 * directory (a demo's, a test's) apart from another's. */
static void mq_default_address(const struct ipc_ctx *ctx, char *out, size_t cap)
{
	const char *dir = ctx->rundir ? ctx->rundir : "";
	const char *base = strrchr(dir, '/');
	base = base ? base + 1 : dir;
	snprintf(out, cap, "/ipclab-%u-%.*s", (unsigned)geteuid(), 64, *base ? base : "default");
}

/* ---- server ---------------------------------------------------------- */

/* Step 1 - create the well-known queue.  An existing one is a live
 * server's if someone holds its lock; else it is a crashed server's
 * leftover, removed if our own user made it. */
static int make_server_queue(struct ipc_server *s, const char *name, struct ipc_error *e)
{
	struct mq_attr a = queue_attr(MQ_MAXMSG, NOTICE_MSGSIZE);

	for (int attempt = 0;; attempt++) {
		mqd_t q = mq_open(name, O_RDONLY | O_CREAT | O_EXCL | O_NONBLOCK | O_CLOEXEC,
				  0600, &a);
		if (q >= 0) {
			ipc_step(s->ctx, NAME, 2, "mq_open", "%s O_CREAT|O_EXCL, mode 0600, %ld "
				 "messages of %ld bytes -> mqd %d", name, a.mq_maxmsg,
				 a.mq_msgsize, (int)q);
			return (int)q;
		}
		int err = errno;
		if (err != EEXIST || attempt > 0) {
			ipc_fail(e, err == EEXIST ? IPC_IN_USE : IPC_SYSTEM, err, "mq_open %s", name);
			return explain_limit(e, err, &a);
		}
		q = mq_open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (q < 0)
			return ipc_fail(e, IPC_IN_USE, errno, "mq_open existing %s", name);
		struct stat st;
		bool ours = fstat((int)q, &st) == 0 && st.st_uid == geteuid();
		bool live = flock((int)q, LOCK_EX | LOCK_NB) < 0;
		mq_close(q);
		if (live) {
			ipc_fail(e, IPC_IN_USE, 0, "server already listening on %s", name);
			return ipc_hint(e, "stop it first");
		}
		if (!ours) {
			ipc_fail(e, IPC_IN_USE, 0, "%s exists and belongs to another user", name);
			return ipc_hint(e, "choose another --address");
		}
		ipc_step(s->ctx, NAME, 1, "mq_unlink", "%s (stale: no server holds it)", name);
		if (mq_unlink(name) < 0 && errno != ENOENT)
			return ipc_fail(e, IPC_SYSTEM, errno, "mq_unlink stale queue %s", name);
	}
}

static int mq_listen(struct ipc_server *s, const char *address, struct ipc_error *e)
{
	char name[IPC_ADDR_MAX];

	if (!address) {
		mq_default_address(s->ctx, name, sizeof name);
		address = name;
	}
	/* The pair's names add ".<id>.req" to ours. */
	if (!valid_name(address) || strlen(address) + ID_MAX + 5 > NAME_MAX) {
		ipc_fail(e, IPC_USAGE, 0, "mqueue: \"%s\" is not a queue name", address);
		return ipc_hint(e, "a name is '/' and up to %d more characters, no other '/'",
				NAME_MAX - ID_MAX - 6);
	}
	int q = make_server_queue(s, address, e);
	if (q < 0)
		return -1;
	/* Step 2 - the lock that says "a server lives here", held until exit. */
	if (flock(q, LOCK_EX | LOCK_NB) < 0) {
		int err = errno;
		mq_close(q);
		mq_unlink(address);
		return ipc_fail(e, IPC_IN_USE, err, "flock %s", address);
	}
	ipc_step(s->ctx, NAME, 3, "flock", "mqd %d LOCK_EX: a live server", q);
	s->fd = q;
	s->owns_path = true;
	snprintf(s->addr.text, sizeof s->addr.text, "%s", address);
	return 0;
}

/* "<1-10 digits>-<1-16 lowercase hex digits>", NUL-terminated. */
static bool valid_id(const char *id, size_t len)
{
	size_t digits = strspn(id, "0123456789");
	return digits >= 1 && digits <= 10 && digits < len && id[digits] == '-' &&
	       len - digits - 1 >= 1 && len - digits - 1 <= 16 &&
	       strspn(id + digits + 1, "0123456789abcdef") == len - digits - 1;
}

static struct mq_conn *conn_state(struct ipc_conn *c, size_t msgsize, struct ipc_error *e)
{
	struct mq_conn *m = calloc(1, sizeof *m);
	char *buf = m ? malloc(msgsize) : NULL;

	if (!buf) {
		free(m);
		ipc_fail(e, IPC_SYSTEM, ENOMEM, "mqueue: a buffer of %zu bytes", msgsize);
		return NULL;
	}
	m->msg = buf;
	m->msgsize = msgsize;
	c->priv = m;
	return m;
}

/* Open one queue of a client's pair, refusing one another user made. */
static int open_client_queue(struct ipc_server *s, const char *name, int mode,
			     struct ipc_error *e)
{
	mqd_t q = mq_open(name, mode | O_NONBLOCK | O_CLOEXEC);
	struct stat st;

	if (q < 0) {
		ipc_fail(e, errno == ENOENT ? IPC_PROTOCOL : IPC_SYSTEM, errno, "mq_open %s", name);
		return errno == ENOENT ? ipc_hint(e, "the client left before we accepted it") : -1;
	}
	if (fstat((int)q, &st) < 0 || st.st_uid != geteuid()) {
		mq_close(q);
		return ipc_fail(e, IPC_PROTOCOL, 0, "%s is not a queue of ours: refused", name);
	}
	ipc_step(s->ctx, NAME, mode == O_WRONLY ? 6 : 5, "mq_open", "%s -> mqd %d", name, (int)q);
	return (int)q;
}

/* Step 3 - one notice, then the client's pair. */
static int mq_accept(struct ipc_server *s, struct ipc_conn *c, struct ipc_error *e)
{
	char id[NOTICE_MSGSIZE + 1], req[NAME_MAX + 2], rep[NAME_MAX + 2];
	ssize_t n;

	while ((n = mq_receive(s->fd, id, NOTICE_MSGSIZE, NULL)) < 0 && errno == EINTR)
		;
	if (n < 0) {
		if (errno == EAGAIN)
			return IPC_WOULD_BLOCK;
		return ipc_fail(e, IPC_SYSTEM, errno, "mq_receive %s", s->addr.text);
	}
	id[n] = '\0';
	if (n >= ID_MAX || !valid_id(id, (size_t)n))
		return ipc_fail(e, IPC_PROTOCOL, 0, "malformed connection notice on %s (%zd bytes; "
				"expected \"<pid>-<hex tag>\"): dropped", s->addr.text, n);
	ipc_step(s->ctx, NAME, 4, "mq_receive", "mqd %d: notice from client %s", s->fd, id);
	pair_name(req, sizeof req, s->addr.text, id, "req");
	pair_name(rep, sizeof rep, s->addr.text, id, "rep");

	int rq = open_client_queue(s, req, O_RDWR, e); /* RDWR: to put a rest back */
	int wq = rq < 0 ? -1 : open_client_queue(s, rep, O_WRONLY, e);
	struct mq_attr a;
	if (wq >= 0 && mq_getattr(rq, &a) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "mq_getattr %s", req);
		mq_close(wq);
		wq = -1;
	}
	if (wq >= 0 && lock_reader(s->ctx, rq, req, e) < 0) {
		mq_close(wq);
		wq = -1;
	}
	if (wq < 0) {
		if (rq >= 0)
			mq_close(rq);
		return -1;
	}
	/* Step 4 - unlink both: from now on no one else can open them. */
	unlink_q(s->ctx, 8, req);
	unlink_q(s->ctx, 8, rep);

	ipc_conn_init(c, s->t, s->ctx);
	if (!conn_state(c, (size_t)a.mq_msgsize, e)) {
		mq_close(rq);
		mq_close(wq);
		return -1;
	}
	c->rfd = rq;
	c->wfd = wq;
	snprintf(c->peer_text, sizeof c->peer_text, "mqueue client %s", id);
	return 0;
}

/* ---- client ---------------------------------------------------------- */

static void mq_close_conn(struct ipc_conn *c);

static int mq_connect(struct ipc_conn *c, const struct ipc_addr *a, struct ipc_error *e)
{
	const char *server = a->text;
	char id[ID_MAX];
	unsigned tag;

	if (!valid_name(server) || strlen(server) + ID_MAX + 5 > NAME_MAX) {
		ipc_fail(e, IPC_USAGE, 0, "mqueue: \"%s\" is not a queue name", server);
		return ipc_hint(e, "a name is '/' and up to %d more characters, no other '/'",
				NAME_MAX - ID_MAX - 6);
	}
	/* Step 1 - the server's queue, and its lock: no lock, no server. */
	mqd_t sq = mq_open(server, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (sq < 0) {
		ipc_fail(e, ipc_status_of_errno(errno), errno, "mq_open %s", server);
		return ipc_hint(e, "no server listening: start one with `ipclab serve mqueue`");
	}
	ipc_step(c->ctx, NAME, IPC_NO_STEP, "mq_open", "%s O_WRONLY -> mqd %d", server, (int)sq);
	if (flock((int)sq, LOCK_SH | LOCK_NB) == 0) {
		mq_close(sq);
		ipc_fail(e, IPC_NO_SERVER, 0, "mq_open %s: the queue is there but no server holds "
			 "it", server);
		return ipc_hint(e, "a crashed server's leftover: start one with `ipclab serve "
				"mqueue`, which replaces it");
	}

	struct mq_conn *m = conn_state(c, MQ_MSGSIZE, e);
	if (!m) {
		mq_close(sq);
		return -1;
	}
	/* Step 2 - our pair, private to our user (0600, O_EXCL). */
	if (getrandom(&tag, sizeof tag, 0) != (ssize_t)sizeof tag)
		tag = (unsigned)time(NULL) ^ (unsigned)getpid();
	snprintf(id, sizeof id, "%d-%08x", (int)getpid(), tag);
	struct mq_attr attr = queue_attr(MQ_MAXMSG, MQ_MSGSIZE);
	m->msgsize = (size_t)attr.mq_msgsize;
	const char *suffix[2] = { "req", "rep" };
	int *fds[2] = { &c->wfd, &c->rfd };
	for (int i = 0; i < 2; i++) {
		pair_name(m->own[i], sizeof m->own[i], server, id, suffix[i]);
		/* The reply queue O_RDWR: to put a rest back (see the top). */
		mqd_t q = mq_open(m->own[i], (i ? O_RDWR : O_WRONLY) | O_CREAT | O_EXCL |
				  O_NONBLOCK | O_CLOEXEC, 0600, &attr);
		if (q < 0) {
			int err = errno;
			ipc_fail(e, err == EEXIST ? IPC_IN_USE : IPC_SYSTEM, err, "mq_open %s",
				 m->own[i]);
			m->own[i][0] = '\0';
			explain_limit(e, err, &attr);
			goto fail;
		}
		*fds[i] = (int)q;
		ipc_step(c->ctx, NAME, IPC_NO_STEP, "mq_open", "%s O_CREAT|O_EXCL, mode 0600, %ld messages "
			 "of %ld bytes -> mqd %d", m->own[i], attr.mq_maxmsg, attr.mq_msgsize,
			 (int)q);
	}
	if (lock_reader(c->ctx, c->rfd, m->own[1], e) < 0)
		goto fail;
	/* Step 3 - the notice: one message, so it never mixes with another's. */
	size_t len = strlen(id);
	while (mq_send(sq, id, len, 0) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			ipc_fail(e, IPC_SYSTEM, errno, "mq_send notice to %s", server);
			goto fail;
		}
		if (io_wait((int)sq, POLLOUT, -1, c->ctx->timeout_ms) != IO_READY) {
			ipc_fail(e, IPC_TIMEOUT, 0, "mq_send notice to %s: the queue stays full",
				 server);
			ipc_hint(e, "the server does not keep up: try again later");
			goto fail;
		}
	}
	ipc_step(c->ctx, NAME, IPC_NO_STEP, "mq_send", "mqd %d: notice \"%s\"", (int)sq, id);
	mq_close(sq);
	snprintf(c->peer_text, sizeof c->peer_text, "%s", server);
	return 0;
fail:
	mq_close(sq);
	mq_close_conn(c);
	return -1;
}

/* ---- both sides: a byte stream in messages --------------------------- */

/* Hold the lock that says "someone reads this queue" (see the top). */
static int lock_reader(const struct ipc_ctx *ctx, int q, const char *name, struct ipc_error *e)
{
	if (flock(q, LOCK_EX | LOCK_NB) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "flock %s", name);
	ipc_step(ctx, NAME, 7, "flock", "mqd %d LOCK_EX: we read it", q);
	return 0;
}

/* Has the reader of the queue we write to closed it, or died?  Its lock
 * is free then. */
static bool reader_gone(int wq)
{
	if (flock(wq, LOCK_EX | LOCK_NB) < 0)
		return false;
	flock(wq, LOCK_UN);
	return true;
}

static ssize_t hand_out(struct mq_conn *m, void *buf, size_t cap)
{
	size_t n = m->msg_len - m->msg_off;
	if (n > cap)
		n = cap;
	memcpy(buf, m->msg + m->msg_off, n);
	m->msg_off += n;
	return (ssize_t)n;
}

static ssize_t mq_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e)
{
	struct mq_conn *m = c->priv;
	ssize_t n;

	if (m->msg_off < m->msg_len) /* a rest the queue had no room for */
		return hand_out(m, buf, cap);
	if (m->eof || cap == 0)
		return 0;
	bool direct = cap >= m->msgsize;
	while ((n = mq_receive(c->rfd, direct ? buf : m->msg, m->msgsize, NULL)) < 0 &&
	       errno == EINTR)
		;
	if (n < 0) {
		if (errno == EAGAIN)
			return IPC_WOULD_BLOCK;
		return ipc_fail(e, IPC_SYSTEM, errno, "mq_receive %s", c->peer_text);
	}
	ipc_step(c->ctx, NAME, 9, "mq_receive", "mqd %d: %zd bytes", c->rfd, n);
	if (n == 0) { /* the peer's close() */
		m->eof = true;
		return 0;
	}
	if (direct)
		return n;
	m->msg_len = (size_t)n;
	m->msg_off = 0;
	ssize_t given = hand_out(m, buf, cap);
	/* Put the rest back at the head of the queue, where poll() sees it.
	 * A full queue (the peer took the slot) is readable anyway. */
	if (m->msg_off < m->msg_len &&
	    mq_send(c->rfd, m->msg + m->msg_off, m->msg_len - m->msg_off, 1) == 0)
		m->msg_off = m->msg_len;
	return given;
}

/* As much as the queue takes now, one message of up to msgsize at a time. */
static ssize_t mq_send_bytes(struct ipc_conn *c, const void *buf, size_t len,
			     struct ipc_error *e)
{
	struct mq_conn *m = c->priv;
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		size_t n = len - done < m->msgsize ? len - done : m->msgsize;
		if (mq_send(c->wfd, p + done, n, 0) == 0) {
			done += n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			if (done == 0 && reader_gone(c->wfd))
				return ipc_fail(e, IPC_PROTOCOL, EPIPE, "mq_send %s: the reader "
						"closed its queue", c->peer_text);
			break;
		}
		if (errno == EMSGSIZE && m->msgsize > 1) { /* a peer's smaller queue */
			m->msgsize /= 2;
			continue;
		}
		return ipc_fail(e, IPC_SYSTEM, errno, "mq_send %s", c->peer_text);
	}
	if (done)
		ipc_step(c->ctx, NAME, 10, "mq_send", "mqd %d: %zu bytes", c->wfd, done);
	return done ? (ssize_t)done : IPC_WOULD_BLOCK;
}

/* The end of stream a queue does not have: one empty message, waited for a
 * little if the peer's queue is full.  Then our names go, unless the server
 * removed them already. */
static void mq_close_conn(struct ipc_conn *c)
{
	struct mq_conn *m = c->priv;

	if (c->wfd >= 0) {
		io_set_nonblocking(c->wfd, true); /* a caller may have made it blocking */
		long long until = io_now_ms() + CLOSE_WAIT_MS;
		while (mq_send(c->wfd, "", 0, 0) < 0 &&
		       (errno == EINTR || (errno == EAGAIN && io_now_ms() < until &&
					   io_wait(c->wfd, POLLOUT, -1, CLOSE_WAIT_MS) == IO_READY)))
			;
		ipc_step(c->ctx, NAME, 11, "mq_send", "mqd %d: end of stream (empty message)", c->wfd);
	}
	close_q(c->ctx, &c->wfd);
	if (c->rfd >= 0 && m) {
		/* Unlock, then empty the queue: a writer waiting for room
		 * wakes up, finds the lock free and knows we are gone. */
		flock(c->rfd, LOCK_UN);
		io_set_nonblocking(c->rfd, true);
		while (mq_receive(c->rfd, m->msg, m->msgsize, NULL) >= 0 || errno == EINTR)
			;
	}
	close_q(c->ctx, &c->rfd);
	if (m) {
		for (int i = 0; i < 2; i++)
			if (m->own[i][0])
				unlink_q(c->ctx, IPC_NO_STEP, m->own[i]);
		free(m->msg);
		free(m);
		c->priv = NULL;
	}
}

/* Last step - remove the server queue's name, and the pairs of clients
 * whose notices were never read (they wait for an answer that will not
 * come; their names would outlive them), then close it. */
static void mq_shutdown(struct ipc_server *s, bool remove)
{
	if (remove && s->owns_path) {
		unlink_q(s->ctx, 13, s->addr.text);
		char id[NOTICE_MSGSIZE + 1], name[NAME_MAX + 2];
		ssize_t n;
		while ((n = mq_receive(s->fd, id, NOTICE_MSGSIZE, NULL)) >= 0 || errno == EINTR) {
			if (n < 0)
				continue;
			id[n] = '\0';
			if (n < ID_MAX && valid_id(id, (size_t)n)) {
				pair_name(name, sizeof name, s->addr.text, id, "req");
				unlink_q(s->ctx, IPC_NO_STEP, name);
				pair_name(name, sizeof name, s->addr.text, id, "rep");
				unlink_q(s->ctx, IPC_NO_STEP, name);
			}
		}
		s->owns_path = false;
	}
	if (s->fd >= 0) {
		mq_close(s->fd);
		ipc_step(s->ctx, NAME, 12, "mq_close", "mqd %d", s->fd);
		s->fd = -1;
	}
}

const struct ipc_transport mqueue_transport = {
	.name = NAME,
	.summary = "POSIX message queues: a well-known server queue plus a pair per client",
	.kind = IPC_STREAM,
	.servable = true,
	.max_message = 0,
	.addressing = IPC_ADDR_MQ_NAME,
	.fds_per_conn = 2,
	.opaque_fds = true,
	.default_address = mq_default_address,
	.listen = mq_listen,
	.accept = mq_accept,
	.connect = mq_connect,
	.recv = mq_recv,
	.send = mq_send_bytes,
	.close = mq_close_conn,
	.shutdown = mq_shutdown,
};
