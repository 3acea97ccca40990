/*
 * mqueue_peers.c - defences of the message-queue transport against peers
 * that crashed, died or lie, each named with the step it protects.
 *
 * A queue outlives its maker: nothing removes /ipclab-... when the process
 * that made it is killed.  And its name is predictable: anyone may create
 * it first.  So:
 *
 *   step 1   a server queue nobody holds the lock of is a crashed server's:
 *            the notices still in it name clients whose pairs would stay
 *            forever; each is removed if it is surely dead (below);
 *   step 2   the claim: the lock is taken after the O_EXCL create, so a
 *            second server could take the name in between; after locking,
 *            the name must still lead to our queue, or we did not get it;
 *            and a queue another user made is refused with its owner named;
 *   steps 5-7 a client's pair must be our user's; a client whose process
 *            ends is noticed at once (a pidfd beside its request queue),
 *            and is gone when the lock on its reply queue is free.
 *
 * "Surely dead": the queue is our user's, nobody holds the lock on the
 * reply queue (a client holds it from just after it creates the pair to
 * its close), and the process the id names does not exist.  A client that
 * is alive, even without its lock yet, is never swept.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clientid.h"
#include "mqueue.h"

/* "<server>.<id>.<suffix>"; listen() and connect() checked that it fits. */
void mq_pair_name(char *out, size_t cap, const char *server, const char *id, const char *suffix)
{
	int n = snprintf(out, cap, "%s.%s.%s", server, id, suffix);
	if (n < 0 || (size_t)n >= cap)
		out[0] = '\0';
}

/* Step 2 (and the last step, the unlink) - does `name` still lead to the
 * queue we hold as q? */
bool mq_name_is(const char *name, int q)
{
	struct stat a, b;
	mqd_t other = mq_open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (other < 0)
		return false;
	bool same = fstat(q, &a) == 0 && fstat((int)other, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino;
	mq_close(other);
	return same;
}

/* Step 2 (server) and C1 (client) - a queue of another user's: refused,
 * its owner named.  q < 0: we could not even open it (its mode keeps us
 * out); its owner shows in /dev/mqueue when that is mounted. */
int mq_refuse_owner(struct ipc_error *e, const char *name, int q)
{
	struct stat st;
	char path[NAME_MAX + 16];
	snprintf(path, sizeof path, "/dev/mqueue%s", name);
	if ((q >= 0 && fstat(q, &st) == 0) || (q < 0 && stat(path, &st) == 0))
		ipc_fail(e, IPC_IN_USE, 0, "%s exists and it belongs to uid %u, not to you (uid %u)",
			 name, (unsigned)st.st_uid, (unsigned)geteuid());
	else
		ipc_fail(e, IPC_IN_USE, 0, "%s exists and it belongs to another user (it will "
			 "not open for us)", name);
	return ipc_hint(e, "someone else made that queue: choose another --address");
}

static bool pid_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

/* Remove the pair of client `id` if that client is surely dead (see the top). */
static void sweep_pair(const struct ipc_ctx *ctx, const char *server, const char *id)
{
	char name[2][NAME_MAX + 2];
	const char *suffix[2] = { "rep", "req" };

	if (pid_alive((pid_t)strtol(id, NULL, 10)))
		return;
	for (int i = 0; i < 2; i++) {
		mq_pair_name(name[i], sizeof name[i], server, id, suffix[i]);
		mqd_t q = mq_open(name[i], O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (q < 0)
			continue;
		struct stat st;
		bool ours = fstat((int)q, &st) == 0 && st.st_uid == geteuid();
		bool free_lock = i > 0 || flock((int)q, LOCK_EX | LOCK_NB) == 0;
		mq_close(q);
		if (!ours || !free_lock)
			return; /* not ours, or its reader lives: leave both */
	}
	for (int i = 0; i < 2; i++)
		if (mq_unlink(name[i]) == 0)
			ipc_step(ctx, MQ_NAME, IPC_NO_STEP, "mq_unlink", "%s (a dead client's)", name[i]);
}

/* Step 1 - read the notices left in server queue q (a crashed server's,
 * or ours as we stop: `all` then removes every pair named, as those
 * clients wait for an answer that will not come) and sweep their pairs. */
void mq_sweep_notices(const struct ipc_ctx *ctx, const char *server, int q, bool all)
{
	char id[NOTICE_MSGSIZE + 1], name[NAME_MAX + 2];
	struct mq_attr a;
	ssize_t n;

	if (mq_getattr(q, &a) < 0 || a.mq_msgsize > NOTICE_MSGSIZE)
		return; /* not a queue of notices */
	while ((n = mq_receive(q, id, NOTICE_MSGSIZE, NULL)) >= 0 || errno == EINTR) {
		if (n < 0)
			continue;
		id[n] = '\0';
		if (!client_id_valid(id, (size_t)n, true))
			continue;
		if (!all) {
			sweep_pair(ctx, server, id);
			continue;
		}
		mq_pair_name(name, sizeof name, server, id, "req");
		mq_unlink(name);
		mq_pair_name(name, sizeof name, server, id, "rep");
		mq_unlink(name);
	}
}

/* Has the reader of the queue we write to closed it, or died?  Its lock
 * is free then. */
bool mq_reader_gone(int wq)
{
	if (flock(wq, LOCK_EX | LOCK_NB) < 0)
		return false;
	flock(wq, LOCK_UN);
	return true;
}

/* Steps 5-7 - watch the client's process beside its request queue: c->rfd
 * becomes an epoll instance, readable when a message waits or the process
 * ended.  A client already dead whose lock is free is refused. */
int mq_watch_client(const struct ipc_ctx *ctx, struct mq_conn *m, const char *id, int wq,
		    struct ipc_error *e)
{
	pid_t pid = (pid_t)strtol(id, NULL, 10);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (pidfd < 0) {
		if (errno == ESRCH && mq_reader_gone(wq))
			return ipc_fail(e, IPC_PROTOCOL, 0, "mqueue client %s died before we "
					"accepted it", id);
		return 0; /* another namespace, an old kernel: the idle time-out */
	}
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event in = { .events = EPOLLIN, .data.fd = m->rq };
	struct epoll_event end = { .events = EPOLLIN, .data.fd = pidfd };
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, m->rq, &in) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, pidfd, &end) < 0) {
		int err = errno;
		close(pidfd);
		if (ep >= 0)
			close(ep);
		return ipc_fail(e, IPC_SYSTEM, err, "epoll for mqueue client %s", id);
	}
	m->ep = ep;
	m->pidfd = pidfd;
	ipc_step(ctx, MQ_NAME, IPC_NO_STEP, "pidfd_open", "pid %ld -> fd %d, watched with mqd %d in epoll %d",
		 (long)pid, pidfd, m->rq, ep);
	return 0;
}

/* Did the client's process end, leaving the lock on its reply queue free?
 * Once its process ended it is no longer watched (a lock still held, by a
 * child that inherited the queue, is left to the idle time-out). */
bool mq_client_died(struct mq_conn *m, int wq)
{
	struct epoll_event ev;
	if (m->pidfd < 0)
		return false;
	int fd = m->pidfd;
	/* pidfd: readable once the process has ended. */
	struct epoll_event probe[2];
	int n = epoll_wait(m->ep, probe, 2, 0);
	bool ended = false;
	for (int i = 0; i < n; i++)
		ended = ended || probe[i].data.fd == fd;
	if (!ended)
		return false;
	epoll_ctl(m->ep, EPOLL_CTL_DEL, fd, &ev);
	close(fd);
	m->pidfd = -1;
	return mq_reader_gone(wq);
}
