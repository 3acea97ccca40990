/*
 * mqueue.h - what the files of the message-queue transport share (mqueue.c:
 * the server's life cycle; mqueue_client.c: the client's; mqueue_msg.c: the
 * messages; mqueue_peers.c: defences against crashed, dead and
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
#define MQ_MSGSIZE 4096     /* a page: big enough for any greeting, small enough */
#define MQ_MAXMSG 10        /* the default fs.mqueue.msg_max */

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

/* mqueue.c: what the client's side shares with the server's */
int mq_check_name(const char *name, struct ipc_error *e);
struct mq_conn *mq_conn_state(struct ipc_conn *c, size_t msgsize, struct ipc_error *e);
int mq_lock_reader(const struct ipc_ctx *ctx, int q, const char *name, bool server,
		   struct ipc_error *e);
void mq_unlink_name(const struct ipc_ctx *ctx, int step, const char *name);
void mq_close_conn(struct ipc_conn *c);

/* mqueue_client.c */
int mq_client_connect(struct ipc_conn *c, const struct ipc_addr *a, struct ipc_error *e);

/* mqueue_msg.c: Step 9 and Step 10 */
ssize_t mq_msg_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e);
ssize_t mq_msg_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e);

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
