/*
 * conn.h - whole-message helpers over any transport's connection.
 *
 * Transports move what the descriptor takes now (non-blocking); these loop
 * with io_wait() until a whole buffer is sent or a whole line is read, with
 * a deadline and a stop descriptor, so no caller ever blocks forever.
 */
#ifndef IPCLAB_CONN_H
#define IPCLAB_CONN_H

#include "ipc.h"

/* Send all `len` bytes (stream) or one message (datagram).  timeout_ms < 0
 * waits forever; stop_fd < 0 means none.  -1 on error, timeout or stop. */
int conn_send_all(struct ipc_conn *c, const void *buf, size_t len, int stop_fd,
		  int timeout_ms, struct ipc_error *e);

/* Stream: read one line ending in '\n' into buf (at most cap bytes) and
 * return its length including the '\n'.  The line must be the only thing in
 * flight (bytes after it are a protocol error).  -1 on error/timeout/EOF. */
ssize_t conn_recv_line(struct ipc_conn *c, char *buf, size_t cap, int timeout_ms,
		       struct ipc_error *e);

/* One greeting: send `name`, wait for the reply line (datagram transports
 * resend up to ctx->retries times).  Returns the reply status (IPC_OK for
 * Hello, IPC_ERR_REPLY for ERR) with the line in reply, or -1 and `e`. */
int conn_greet(struct ipc_conn *c, const char *name, size_t len, char *reply,
	       size_t cap, size_t *reply_len, struct ipc_error *e);

#endif
