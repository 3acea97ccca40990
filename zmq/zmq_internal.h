/*
 * zmq_internal.h - what the files of the ZeroMQ transports share (zmq.c
 * says how they fit together).
 *
 *   zmq.c          the design, the driver's calls (recv, send, close), the
 *                  narration under ZeroMQ's step numbers
 *   zmq_frames.c   readiness as a level, the control messages, the ROUTER's
 *                  messages routed to one connection per client
 *   zmq_server.c   the server's life cycle: listen, the ROUTER, accept,
 *                  receive, send, close, shut down
 *   zmq_client.c   a client's: the probe, the DEALER, receive, send, close
 *   zmq_ipc.c, zmq_tcp.c   each transport's steps and its table entry
 */
#ifndef IPCLAB_ZMQ_INTERNAL_H
#define IPCLAB_ZMQ_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <zmq.h>

#include "ipc.h"

#define ZQ_INBOX_MAX (4 << 20)   /* bytes a client may be ahead of the server */
#define ZQ_PENDING_MAX 4096      /* clients waiting to be accepted */
#define ZQ_PUMP_BURST 256        /* messages read per pump */
#define ZQ_CLIENT_HWM 64         /* messages a client queues before send waits */
#define ZQ_LINGER_MS 1000        /* a closing client's last message may take this long */
#define ZQ_ID_MAX 255            /* ZeroMQ's limit on routing ids */
#define ZQ_BUCKETS 1024
#define ZQ_TCP_PORT "7415"

extern const struct ipc_transport unix_stream_transport, tcp_transport;

/* ---- readiness: an epoll set that reads as a level (zmq_frames.c) ------- */

struct level {
	int epfd;   /* what the loops watch */
	int efd;    /* eventfd: readable while we know something waits */
	bool set;
};

int zq_level_open(struct level *l, struct ipc_error *e);
int zq_level_watch(struct level *l, int fd, int op);
void zq_level_mark(struct level *l, bool on);
void zq_level_close(struct level *l);
/* Does a message wait on this ZeroMQ socket?  (Also takes in the commands
 * that made ZMQ_FD readable.) */
bool zq_readable(void *sock);
const char *zq_err(void);
/* zmq_send() and zmq_msg_recv(), again while a signal interrupts them:
 * ZeroMQ takes in its pending commands first, even with ZMQ_DONTWAIT, and
 * that wait fails with EINTR before any part moved.  Within a message of
 * several parts, giving up there would cut the message in two. */
int zq_send_part(void *sock, const void *buf, size_t len, int flags);
int zq_recv_part(zmq_msg_t *msg, void *sock, int flags);

/* ---- the control messages (zmq_frames.c) -------------------------------- */

enum control { CTL_CONNECT, CTL_CLOSE, CTL_OTHER };

/* After an empty part: the control word ("connect", "close", or another
 * word: a peer that does not speak our framing); the rest is dropped. */
enum control zq_read_control(void *sock);
/* [id][""][word] from the server (id NULL: [""][word] from a client). */
int zq_send_control(void *sock, const void *id, size_t id_len, const char *word);

/* ---- the server's connections (zmq_frames.c, zmq_server.c) --------------- */

struct zq_conn {
	struct zq_server *srv;
	unsigned char id[ZQ_ID_MAX];
	size_t id_len;
	char *inbox;
	size_t in_len, in_cap;
	bool eof;             /* the client sent its empty message */
	bool flooded;         /* it sent more than ZQ_INBOX_MAX unread bytes */
	bool accepted;
	unsigned long serial;
	struct level ready;   /* readable: inbox bytes, EOF (or the ROUTER stirred) */
	bool watches_router;  /* the ROUTER's readiness is in `ready` */
	int room_fd;          /* eventfd, writable unless the ROUTER refused us */
	bool blocked;
	struct zq_conn *hnext;              /* hash chain */
	struct zq_conn *qnext;              /* waiting to be accepted */
};

struct zq_server {
	const struct ipc_transport *under;  /* unix_stream or tcp: the plain listener */
	int lsock;                          /* its socket, until ZeroMQ owns it */
	void *zctx, *router;
	struct level router_ready;          /* ZMQ_FD (or lsock before the ROUTER) */
	struct level accept_ready;          /* s->fd: new clients, or the ROUTER stirred */
	struct zq_conn *bucket[ZQ_BUCKETS];
	struct zq_conn *pending_head, *pending_tail;
	int pending;
	int blocked;                        /* connections whose reply the ROUTER refused */
	int accepted;                       /* connections handed out by accept() */
	unsigned long serials;
	char endpoint[IPC_ADDR_MAX + 8];
};

void zq_conn_unhash(struct zq_server *zs, struct zq_conn *zc);
void zq_conn_free(struct zq_conn *zc);
/* Read the ROUTER until `until` has bytes (NULL: until it is dry). */
void zq_pump(struct zq_server *zs, const struct zq_conn *until);
/* While exactly one connection is out, it watches the ROUTER too. */
void zq_solo_watch(struct zq_server *zs);

/* ---- the two sides (zmq_server.c, zmq_client.c) -------------------------- */

int zq_listen(struct ipc_server *s, const char *address, struct ipc_error *e);
int zq_accept(struct ipc_server *s, struct ipc_conn *c, struct ipc_error *e);
void zq_shutdown(struct ipc_server *s, bool remove);
ssize_t zq_server_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e);
ssize_t zq_server_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e);
void zq_server_close(struct ipc_conn *c);

int zq_connect(struct ipc_conn *c, const struct ipc_addr *a, struct ipc_error *e);
ssize_t zq_client_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e);
ssize_t zq_client_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e);
void zq_client_close(struct ipc_conn *c);

/* ---- the driver's side (zmq.c) ------------------------------------------- */

bool zq_is_ipc(const struct ipc_transport *t);
/* "ipc:///path" or "tcp://HOST:PORT" for our address text. */
void zq_endpoint(const struct ipc_transport *t, const char *addr, char *out, size_t cap);
/* Narrate `call` as the step of t's table that names it (none: no number). */
void zq_step(const struct ipc_ctx *ctx, const struct ipc_transport *t, const char *call,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The plain transport's code (unix_stream's or tcp's listen, shutdown,
 * connect) narrated under ZeroMQ's name and step numbers: a copy of ctx
 * whose tracer renames and renumbers, in *copy (r: its state). */
struct zq_relay {
	const struct ipc_ctx *ctx;
	const struct ipc_transport *t;
};
const struct ipc_ctx *zq_relay_ctx(struct ipc_ctx *copy, struct zq_relay *r,
				   const struct ipc_ctx *ctx, const struct ipc_transport *t);

ssize_t zq_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e);
ssize_t zq_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e);
void zq_close(struct ipc_conn *c);

#endif
