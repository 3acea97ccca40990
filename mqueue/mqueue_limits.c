/*
 * mqueue_limits.c - the kernel's limits on message queues (mq_overview(7)):
 * what a queue asks for, kept within them, and what a refusal means, named
 * in the error with the way to raise it.  Used at steps 2 (the server's
 * queue) and C2 (a client's pair).
 *
 * A queue may hold at most fs.mqueue.msg_max messages of at most
 * fs.mqueue.msgsize_max bytes, a system at most fs.mqueue.queues_max
 * queues, and one user's queues at most RLIMIT_MSGQUEUE bytes (`ulimit -q`),
 * about 41 KiB per queue here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "mqueue.h"

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
struct mq_attr mq_queue_attr(long maxmsg, long msgsize)
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
int mq_explain_limit(struct ipc_error *e, int err, const struct mq_attr *a)
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

