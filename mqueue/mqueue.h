/*
 * mqueue.h - what the files of the message-queue transport share (mqueue.c:
 * the life cycle; mqueue_peers.c: defences against crashed, dead and
 * hostile peers; mqueue_limits.c: the kernel's limits, named in errors).
 * Not a public interface: the rest of ipclab sees only `mqueue_transport`.
 */
#ifndef IPCLAB_MQUEUE_H
#define IPCLAB_MQUEUE_H

#include <limits.h>
#include <mqueue.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "ipc.h"

#define MQ_NAME "mqueue"
#define ID_MAX 32           /* an id (clientid.h: CLIENT_ID_MAX) and room */
#define NOTICE_MSGSIZE 64   /* the server queue carries ids only */

/* What a connection keeps of its own (c->priv). */
struct mq_conn {
	char own[2][NAME_MAX + 2]; /* the names we created, removed by close() */
	char *msg;                 /* a received message ... */
	size_t msg_len, msg_off;   /* ... and the part not handed out yet */
	size_t msgsize;            /* the incoming queue's mq_msgsize */
	bool eof;                  /* the peer's empty message came */
	int rq;                    /* the queue we read (c->rfd, unless ... */
	int ep;                    /* ... the server watches it and the client's
				      process together: then c->rfd is this epoll) */
	int pidfd;                 /* server: the client's process, or -1 */
};

/* mqueue_limits.c */
struct mq_attr mq_queue_attr(long maxmsg, long msgsize);
int mq_explain_limit(struct ipc_error *e, int err, const struct mq_attr *a);

/* mqueue_peers.c */
void mq_pair_name(char *out, size_t cap, const char *server, const char *id,
		  const char *suffix);
bool mq_name_is(const char *name, int q);
int mq_refuse_owner(struct ipc_error *e, const char *name, int q);
void mq_sweep_notices(const struct ipc_ctx *ctx, const char *server, int q, bool all);
bool mq_reader_gone(int wq);
int mq_watch_client(const struct ipc_ctx *ctx, struct mq_conn *m, const char *id,
		    int wq, struct ipc_error *e);
bool mq_client_died(struct mq_conn *m, int wq);

#endif
