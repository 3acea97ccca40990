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
 *   4. From then on the pair carries the greeting's bytes, a message per
 *      send().  A queue has no end of stream, so close() sends an empty
 *      message that says it.  Nor does a queue know its readers: each side
 *      holds a flock() on the queue it reads, so a writer that finds the
 *      queue full can tell "slow reader" (locked) from "gone" (the lock is
 *      free: closed or dead), where a FIFO would give EPIPE.  The server
 *      also watches the client's process (a pidfd): a client that dies is
 *      noticed at once, not at the idle time-out.
 *
 * This file is the server's life cycle, in the order of its steps.  The
 * client's side is mqueue_client.c; the messages (steps 9 and 10)
 * mqueue_msg.c; defences against crashed, dead and hostile peers (stale
 * queues and their clients' pairs, a name claimed twice, another user's
 * queue, a client that died) mqueue_peers.c; the kernel's limits, named in
 * every refusal with the way to raise them, mqueue_limits.c.
 *
 *   server: 1 stale queue removed -> 2 mq_open(O_CREAT|O_EXCL) -> 3 flock
 *           -> 4 mq_receive notice -> 5, 6 mq_open the pair -> 7 flock the
 *           request queue -> 8 mq_unlink the pair -> 9 mq_receive -> 10
 *           mq_send -> 11 empty message -> 12 mq_close -> 13 mq_unlink
 *           -> 14 exit
 *   client: C1 mq_open server queue -> C2 mq_open(O_CREAT|O_EXCL) pair ->
 *           C3 mq_send notice -> mq_send/mq_receive -> empty message ->
 *           close -> mq_unlink
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "ipc.h"
#include "clientid.h"
#include "mqueue.h"
#include "steps.h"

#define CLOSE_WAIT_MS 100   /* close(): how long the end-of-stream message may wait */

/* The server's life cycle, as `--trace` numbers it. */
static const struct ipc_step_def mq_steps[] = {
	{ 1, "mq_unlink", NULL, "remove a queue left behind, if no server holds it (its "
	  "clients' pairs too, if they are dead)", "only when a crashed server left one" },
	{ 2, "mq_open", NULL, "`mq_open(O_CREAT | O_EXCL)`: the well-known queue", NULL },
	{ 3, "flock", NULL, "`flock()` it: a client can tell a live server from a leftover",
	  NULL },
	{ 4, "mq_receive", NULL, "`mq_receive()` a client's connection notice", NULL },
	{ 5, "mq_open", NULL, "`mq_open()` the client's request queue", NULL },
	{ 6, "mq_open", NULL, "`mq_open()` the client's reply queue", NULL },
	{ 7, "flock", NULL, "`flock()` the request queue: the client can tell we still read it",
	  NULL },
	{ 8, "mq_unlink", NULL, "`mq_unlink()` the client's queues: the open descriptors keep "
	  "working", NULL },
	{ 9, "mq_receive", NULL, "`mq_receive()` the request", NULL },
	{ 10, "mq_send", NULL, "`mq_send()` the reply", NULL },
	{ 11, "mq_send", NULL, "`mq_send()` an empty message: the end of the stream", NULL },
	{ 12, "mq_close", NULL, "`mq_close()` the queues", NULL },
	{ 13, "mq_unlink", NULL, "`mq_unlink()` the well-known queue", NULL },
	{ 14, "exit", "exit_group", "exit", "when `ipclab serve` stops" },
};

/* A queue name is "/" and at most NAME_MAX characters, no other '/', with
 * room for the pair's ".<id>.req". */
int mq_check_name(const char *name, struct ipc_error *e)
{
	size_t n = strlen(name);
	if (n >= 2 && name[0] == '/' && !strchr(name + 1, '/') && n + ID_MAX + 5 <= NAME_MAX)
		return 0;
	ipc_fail(e, IPC_USAGE, 0, "mqueue: \"%s\" is not a queue name", name);
	return ipc_hint(e, "a name is '/' and up to %d more characters, no other '/'",
			NAME_MAX - ID_MAX - 6);
}

static void close_q(const struct ipc_ctx *ctx, int step, int *q)
{
	if (*q < 0)
		return;
	mq_close(*q);
	ipc_step(ctx, MQ_NAME, step, "mq_close", "mqd %d", *q);
	*q = -1;
}

void mq_unlink_name(const struct ipc_ctx *ctx, int step, const char *name)
{
	if (mq_unlink(name) == 0)
		ipc_step(ctx, MQ_NAME, step, "mq_unlink", "%s", name);
	else if (errno != ENOENT)
		ipc_step(ctx, MQ_NAME, step, "mq_unlink", "%s: %s", name, strerror(errno));
}

/* Hold the lock that says "someone reads this queue" (see the top). */
int mq_lock_reader(const struct ipc_ctx *ctx, int q, const char *name, bool server,
		   struct ipc_error *e)
{
	if (flock(q, LOCK_EX | LOCK_NB) < 0)
		return ipc_fail(e, server ? IPC_PROTOCOL : IPC_SYSTEM, errno, "flock %s", name);
	ipc_step(ctx, MQ_NAME, server ? 7 : IPC_NO_STEP, "flock", "mqd %d LOCK_EX: we read it", q);
	return 0;
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

/* Step 1 and Step 2 - create the well-known queue.  An existing one is a live
 * server's if someone holds its lock; else it is a crashed server's
 * leftover: its notices swept (mqueue_peers.c), then removed, if our own
 * user made it. */
static int make_server_queue(struct ipc_server *s, const char *name, struct ipc_error *e)
{
	struct mq_attr a = mq_queue_attr(MQ_MAXMSG, NOTICE_MSGSIZE);

	for (int attempt = 0;; attempt++) {
		mqd_t q = mq_open(name, O_RDONLY | O_CREAT | O_EXCL | O_NONBLOCK | O_CLOEXEC,
				  0600, &a);
		if (q >= 0) {
			ipc_step(s->ctx, MQ_NAME, 2, "mq_open", "%s O_CREAT|O_EXCL, mode 0600, %ld "
				 "messages of %ld bytes -> mqd %d", name, a.mq_maxmsg,
				 a.mq_msgsize, (int)q);
			return (int)q;
		}
		int err = errno;
		if (err != EEXIST || attempt > 0) {
			ipc_fail(e, err == EEXIST ? IPC_IN_USE : IPC_SYSTEM, err, "mq_open %s", name);
			return mq_explain_limit(e, err, &a);
		}
		q = mq_open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (q < 0)
			return errno == EACCES ? mq_refuse_owner(e, name, -1)
			       : ipc_fail(e, IPC_IN_USE, errno, "mq_open existing %s", name);
		struct stat st;
		if (fstat((int)q, &st) < 0 || st.st_uid != geteuid()) {
			mq_refuse_owner(e, name, (int)q);
			mq_close(q);
			return -1;
		}
		if (flock((int)q, LOCK_EX | LOCK_NB) < 0) {
			mq_close(q);
			ipc_fail(e, IPC_IN_USE, 0, "server already listening on %s", name);
			return ipc_hint(e, "stop it first");
		}
		/* Step 1 - a crashed server's: its clients' pairs, then it. */
		mq_sweep_notices(s->ctx, name, (int)q, false);
		ipc_step(s->ctx, MQ_NAME, 1, "mq_unlink", "%s (stale: no server holds it)", name);
		int rc = mq_unlink(name);
		err = errno;
		mq_close(q);
		if (rc < 0 && err != ENOENT)
			return ipc_fail(e, IPC_SYSTEM, err, "mq_unlink stale queue %s", name);
	}
}

static int mq_listen(struct ipc_server *s, const char *address, struct ipc_error *e)
{
	char name[IPC_ADDR_MAX];

	if (!address) {
		mq_default_address(s->ctx, name, sizeof name);
		address = name;
	}
	if (mq_check_name(address, e) < 0)
		return -1;
	int q = make_server_queue(s, address, e);
	if (q < 0)
		return -1;
	/* Step 3 - the lock that says "a server lives here", held until
	 * exit; then the name must still be our queue (mqueue_peers.c). */
	if (flock(q, LOCK_EX | LOCK_NB) < 0 || !mq_name_is(address, q)) {
		mq_close(q);
		ipc_fail(e, IPC_IN_USE, 0, "mq_open %s: another server claimed the name while "
			 "this one created it", address);
		return ipc_hint(e, "one of you is enough: stop the other first");
	}
	ipc_step(s->ctx, MQ_NAME, 3, "flock", "mqd %d LOCK_EX: a live server", q);
	s->fd = q;
	s->owns_path = true;
	snprintf(s->addr.text, sizeof s->addr.text, "%s", address);
	return 0;
}

struct mq_conn *mq_conn_state(struct ipc_conn *c, size_t msgsize, struct ipc_error *e)
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
	m->rq = m->ep = m->pidfd = -1;
	c->priv = m;
	return m;
}

/* Open one queue of a client's pair (steps five and six, below), refusing
 * one another user made. */
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
	ipc_step(s->ctx, MQ_NAME, mode == O_WRONLY ? 6 : 5, "mq_open", "%s -> mqd %d", name,
		 (int)q);
	return (int)q;
}

/* Step 4 - one notice; then the client's pair, opened, locked, unlinked
 * (the steps named below).  A client's fault (its queues gone, not ours, locked by it)
 * refuses that client and removes its pair. */
static int mq_accept(struct ipc_server *s, struct ipc_conn *c, struct ipc_error *e)
{
	char id[NOTICE_MSGSIZE + 1], req[NAME_MAX + 2], rep[NAME_MAX + 2];
	struct mq_attr a;
	ssize_t n;

	/* Step 4 - the notice. */
	while ((n = mq_receive(s->fd, id, NOTICE_MSGSIZE, NULL)) < 0 && errno == EINTR)
		;
	if (n < 0) {
		if (errno == EAGAIN)
			return IPC_WOULD_BLOCK;
		return ipc_fail(e, IPC_SYSTEM, errno, "mq_receive %s", s->addr.text);
	}
	id[n] = '\0';
	if (!client_id_valid(id, (size_t)n, true))
		return ipc_fail(e, IPC_PROTOCOL, 0, "malformed connection notice on %s (%zd bytes; "
				"expected \"<pid>-<hex tag>\"): dropped", s->addr.text, n);
	ipc_step(s->ctx, MQ_NAME, 4, "mq_receive", "mqd %d: notice from client %s", s->fd, id);
	mq_pair_name(req, sizeof req, s->addr.text, id, "req");
	mq_pair_name(rep, sizeof rep, s->addr.text, id, "rep");

	/* Step 5 and Step 6 - the pair; RDWR: to put a rest back (see recv). */
	int rq = open_client_queue(s, req, O_RDWR, e);
	int wq = rq < 0 ? -1 : open_client_queue(s, rep, O_WRONLY, e);
	if (wq >= 0 && mq_getattr(rq, &a) < 0)
		ipc_fail(e, IPC_SYSTEM, errno, "mq_getattr %s", req);
	/* Step 7 - our lock on the request queue. */
	else if (wq >= 0 && mq_lock_reader(s->ctx, rq, req, true, e) == 0 &&
		 mq_conn_state(c, (size_t)a.mq_msgsize, e)) {
		struct mq_conn *m = c->priv;
		m->rq = rq;
		if (mq_watch_client(s->ctx, m, id, wq, e) == 0) {
			/* Step 8 - unlink both: from now on no one else can open them. */
			mq_unlink_name(s->ctx, 8, req);
			mq_unlink_name(s->ctx, 8, rep);
			c->t = s->t;
			c->ctx = s->ctx;
			c->rfd = m->ep >= 0 ? m->ep : rq;
			c->wfd = wq;
			snprintf(c->peer_text, sizeof c->peer_text, "mqueue client %s", id);
			return 0;
		}
		free(m->msg);
		free(m);
		c->priv = NULL;
	}
	if (rq >= 0)
		mq_close(rq);
	if (wq >= 0)
		mq_close(wq);
	if (e->status == IPC_PROTOCOL) { /* the client's fault: its names go too */
		mq_unlink_name(s->ctx, IPC_NO_STEP, req);
		mq_unlink_name(s->ctx, IPC_NO_STEP, rep);
	}
	return -1;
}

/* Step 9 (mq_receive) and Step 10 (mq_send) move the greeting's messages:
 * mqueue_msg.c.  The client's side of the life cycle: mqueue_client.c. */

/* Step 11 and Step 12 - the end of stream a queue does not have: one empty
 * message, waited for a little if the peer's queue is full; the queues
 * closed; then our names go, unless the server removed them already. */
void mq_close_conn(struct ipc_conn *c)
{
	struct mq_conn *m = c->priv;

	if (c->wfd >= 0) {
		io_set_nonblocking(c->wfd, true); /* a caller may have made it blocking */
		long long until = io_now_ms() + CLOSE_WAIT_MS;
		while (mq_send(c->wfd, "", 0, 0) < 0 &&
		       (errno == EINTR || (errno == EAGAIN && io_now_ms() < until &&
					   io_wait(c->wfd, POLLOUT, -1, CLOSE_WAIT_MS) == IO_READY)))
			;
		ipc_step(c->ctx, MQ_NAME, 11, "mq_send", "mqd %d: end of stream (empty message)", c->wfd);
	}
	close_q(c->ctx, 12, &c->wfd);
	if (m && m->rq >= 0) {
		/* Unlock, then empty the queue: a writer waiting for room
		 * wakes up, finds the lock free and knows we are gone. */
		flock(m->rq, LOCK_UN);
		io_set_nonblocking(m->rq, true);
		while (mq_receive(m->rq, m->msg, m->msgsize, NULL) >= 0 || errno == EINTR)
			;
		close_q(c->ctx, 12, &m->rq);
	}
	if (m) {
		if (m->pidfd >= 0)
			close(m->pidfd);
		if (m->ep >= 0)
			close(m->ep);
		for (int i = 0; i < 2; i++)
			if (m->own[i][0])
				mq_unlink_name(c->ctx, IPC_NO_STEP, m->own[i]);
		free(m->msg);
		free(m);
		c->priv = NULL;
	}
	c->rfd = -1;
}

/* Step 13 - remove the server queue's name (if it is still ours), and the
 * pairs of clients whose notices were never read (they wait for an answer
 * that will not come; their names would outlive them), then close it. */
static void mq_shutdown(struct ipc_server *s, bool remove)
{
	if (remove && s->owns_path) {
		if (mq_name_is(s->addr.text, s->fd))
			mq_unlink_name(s->ctx, 13, s->addr.text);
		mq_sweep_notices(s->ctx, s->addr.text, s->fd, true);
		s->owns_path = false;
	}
	close_q(s->ctx, 12, &s->fd); /* (Step 14, exit, is the caller's: src/commands.c.) */
}

const struct ipc_transport mqueue_transport = {
	.name = MQ_NAME,
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
	.connect = mq_client_connect,
	.recv = mq_msg_recv,
	.send = mq_msg_send,
	.close = mq_close_conn,
	.shutdown = mq_shutdown,
	IPC_STEPS(mq_steps),
};
