/*
 * io.h - the descriptor loops every transport shares.
 *
 * read() and write() may move fewer bytes than asked, and any blocking call
 * may be interrupted by a signal (EINTR).  These helpers retry EINTR, loop
 * over short writes and turn EAGAIN into IPC_WOULD_BLOCK, so that no
 * transport file repeats the loops and none forgets them.
 */
#ifndef IPCLAB_IO_H
#define IPCLAB_IO_H

#include <poll.h>
#include <stdbool.h>
#include <sys/types.h>

#include "ipc.h"

/* read() once, retrying EINTR.  Returns bytes (0 = end of stream),
 * IPC_WOULD_BLOCK, or -1 with `e` naming "read <who>". */
ssize_t io_read(int fd, void *buf, size_t cap, const char *who, struct ipc_error *e);

/* write() until all of `buf` is written or the descriptor would block.
 * Returns bytes written (short only on EAGAIN), IPC_WOULD_BLOCK when nothing
 * could be written, or -1.  EPIPE (reader gone) is IPC_PROTOCOL. */
ssize_t io_write(int fd, const void *buf, size_t len, const char *who, struct ipc_error *e);

/* The same over a socket, with send(MSG_NOSIGNAL): SIGPIPE is never raised. */
ssize_t io_send(int fd, const void *buf, size_t len, const char *who, struct ipc_error *e);

int io_set_nonblocking(int fd, bool on);

/* The one accept loop of every connection server (unix_stream, tcp, shm's
 * rendezvous): accept4() on s->fd, non-blocking and close-on-exec, retrying
 * EINTR and ECONNABORTED (a client that gave up while queued concerns the
 * next one in the queue not at all).  `peer` and `*len` may be NULL.  Returns
 * the new descriptor, IPC_WOULD_BLOCK when no client waits, or -1 with `e`
 * naming "accept4 <address>"; on EMFILE or ENFILE the client stays queued,
 * the hint says what to do and the server decides whether to wait or stop. */
int io_accept(const struct ipc_server *s, struct sockaddr *peer, socklen_t *len,
	      struct ipc_error *e);

/* Wait until `fd` is ready for `events` (POLLIN/POLLOUT) or `stop_fd`
 * (if >= 0) becomes readable.  timeout_ms < 0 waits forever.  EINTR is
 * retried with the time left. */
enum io_wait_result { IO_READY = 1, IO_TIMEOUT = 0, IO_STOPPED = -3, IO_ERROR = -1 };
int io_wait(int fd, short events, int stop_fd, int timeout_ms);

/* Milliseconds on CLOCK_MONOTONIC. */
long long io_now_ms(void);

#endif
