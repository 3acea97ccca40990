/*
 * mqueue_client.c - the client's side of a message-queue connection: check
 * the server's queue (ours, and locked: a live server), create our pair,
 * lock the queue we read, and send the notice that names it.
 *
 *   C1 mq_open the server queue -> C2 mq_open(O_CREAT|O_EXCL) our pair,
 *   flock the reply queue -> C3 mq_send the notice
 *
 * The server takes it from there (mqueue.c, steps 4 to 8).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clientid.h"
#include "io.h"
#include "mqueue.h"

int mq_client_connect(struct ipc_conn *c, const struct ipc_addr *a, struct ipc_error *e)
{
	const char *server = a->text;
	char id[CLIENT_ID_MAX];

	if (mq_check_name(server, e) < 0)
		return -1;
	/* Step C1 - the server's queue: our own user's, and locked (no lock,
	 * no server). */
	mqd_t sq = mq_open(server, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (sq < 0) {
		if (errno == EACCES)
			return mq_refuse_owner(e, server, -1);
		ipc_fail(e, ipc_status_of_errno(errno), errno, "mq_open %s", server);
		return ipc_hint(e, "no server listening: start one with `ipclab serve mqueue`");
	}
	ipc_step(c->ctx, MQ_NAME, IPC_NO_STEP, "mq_open", "%s O_WRONLY -> mqd %d", server, (int)sq);
	struct stat st;
	if (fstat((int)sq, &st) < 0 || st.st_uid != geteuid()) {
		mq_refuse_owner(e, server, (int)sq);
		mq_close(sq);
		return -1;
	}
	if (flock((int)sq, LOCK_SH | LOCK_NB) == 0) {
		mq_close(sq);
		ipc_fail(e, IPC_NO_SERVER, 0, "mq_open %s: the queue is there but no server holds "
			 "it", server);
		return ipc_hint(e, "a crashed server's leftover: start one with `ipclab serve "
				"mqueue`, which replaces it");
	}

	struct mq_conn *m = mq_conn_state(c, MQ_MSGSIZE, e);
	if (!m) {
		mq_close(sq);
		return -1;
	}
	/* Step C2 - our pair, private to our user (0600, O_EXCL). */
	client_id_make(id, (unsigned)sq);
	struct mq_attr attr = mq_queue_attr(MQ_MAXMSG, MQ_MSGSIZE);
	m->msgsize = (size_t)attr.mq_msgsize;
	const char *suffix[2] = { "req", "rep" };
	int *fds[2] = { &c->wfd, &c->rfd };
	for (int i = 0; i < 2; i++) {
		mq_pair_name(m->own[i], sizeof m->own[i], server, id, suffix[i]);
		/* The reply queue O_RDWR: to put a rest back (see recv). */
		mqd_t q = mq_open(m->own[i], (i ? O_RDWR : O_WRONLY) | O_CREAT | O_EXCL |
				  O_NONBLOCK | O_CLOEXEC, 0600, &attr);
		if (q < 0) {
			int err = errno;
			ipc_fail(e, err == EEXIST ? IPC_IN_USE : IPC_SYSTEM, err, "mq_open %s",
				 m->own[i]);
			m->own[i][0] = '\0';
			mq_explain_limit(e, err, &attr);
			goto fail;
		}
		*fds[i] = (int)q;
		ipc_step(c->ctx, MQ_NAME, IPC_NO_STEP, "mq_open", "%s O_CREAT|O_EXCL, mode 0600, %ld messages "
			 "of %ld bytes -> mqd %d", m->own[i], attr.mq_maxmsg, attr.mq_msgsize,
			 (int)q);
	}
	m->rq = c->rfd;
	if (mq_lock_reader(c->ctx, c->rfd, m->own[1], false, e) < 0)
		goto fail;
	/* Step C3 - the notice: one message, so it never mixes with another's. */
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
	ipc_step(c->ctx, MQ_NAME, IPC_NO_STEP, "mq_send", "mqd %d: notice \"%s\"", (int)sq, id);
	mq_close(sq);
	snprintf(c->peer_text, sizeof c->peer_text, "%s", server);
	return 0;
fail:
	mq_close(sq);
	mq_close_conn(c);
	return -1;
}
