/*
 * fifo_int.h - what the FIFO transport's files share (fifo.c: the server's
 * life cycle and both sides' reads, writes and closes; fifo_client.c: the
 * client's connect; fifo_peers.c: the defences against dead or hostile
 * peers).  fifo.h is the part its tests and fuzzer see.
 */
#ifndef IPCLAB_FIFO_INT_H
#define IPCLAB_FIFO_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "clientid.h"
#include "fifo.h"
#include "ipc.h"

#define NAME "fifo"

/* What the server keeps of its own (s->priv): a client whose notice was
 * read already, to be accepted by the next accept() ("" = none). */
struct fifo_server {
	char retry_id[CLIENT_ID_MAX];
};
#define FIFO_RETRY(s) (((struct fifo_server *)(s)->priv)->retry_id)

/* What a client's connection keeps of its own (c->priv; the server's side
 * of a connection has none): the names of its pair while they are its to
 * remove, and a reader of its own request FIFO. */
struct fifo_conn {
	int keepalive_fd;               /* see fifo_connect(); -1 */
	char own_path[2][IPC_PATH_MAX]; /* .req and .rep: removed by close() */
};

/* ---- fifo.c ---- */

/* close(*fd) if open, narrated as step `step` (IPC_NO_STEP: none); *fd = -1. */
void fifo_close_fd(const struct ipc_ctx *ctx, int step, int *fd);
/* Is `path` still the very file open as `fd` (same device and inode)? */
bool fifo_still_named(const char *path, int fd);
/* "<directory of the server FIFO>/client-<id>.<suffix>"; -1 if too long. */
int fifo_client_path(char *out, size_t cap, const char *server, const char *id,
		     const char *suffix);
/* open() a FIFO with O_NONBLOCK, O_NOFOLLOW, O_CLOEXEC, narrated as step
 * `step`; the descriptor, or -1 and e. */
int fifo_open(const struct ipc_ctx *ctx, int step, const char *path, int mode, const char *note,
	      struct ipc_error *e);
void fifo_close(struct ipc_conn *c);

/* ---- fifo_client.c ---- */

int fifo_connect(struct ipc_conn *c, const struct ipc_addr *a, struct ipc_error *e);
/* The client's side of recv() and of close(). */
ssize_t fifo_client_read(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e);
void fifo_client_unlink_pair(struct ipc_conn *c);

/* ---- fifo_peers.c: the defences, each named with the step it protects ---- */

/* Before step 3: remove the pairs of clients that died waiting. */
void fifo_sweep_dead_pairs(const struct ipc_server *s, const char *server);
/* Step 5 after stray bytes: `rec` (got bytes, stray of them before the last
 * '\n') is resynchronised on the next notice; always -1 and e. */
int fifo_resync_notice(struct ipc_server *s, char *rec, size_t got, size_t stray,
		       struct ipc_error *e);
/* Steps 6 and 7: open one FIFO of the client's pair, refusing one that is
 * not a FIFO of ours. */
int fifo_open_client(const struct ipc_server *s, int step, const char *path, int mode,
		     struct ipc_error *e);
/* After a failed step 7: the pair of a client that left. */
void fifo_remove_dead_pair(const struct ipc_server *s, const char *req, int rfd,
			   const char *rep);

#endif
