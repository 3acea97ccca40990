/*
 * unixpath.h - what the two Unix-domain socket transports share.
 *
 * A Unix socket is named by a path in the file system.  bind() creates that
 * file and fails with EADDRINUSE while it exists, even when the server that
 * created it died long ago; close() never removes it.  So every server must
 * (1) make the path free before bind() and (2) unlink() it when it stops.
 */
#ifndef IPCLAB_UNIXPATH_H
#define IPCLAB_UNIXPATH_H

#include <sys/socket.h>
#include <sys/un.h>

#include "ipc.h"

/* Fill `sun` and `*len` (the length to give bind()/connect()) for `path`.
 * A path that does not fit in sun_path is refused with IPC_USAGE, never
 * truncated. */
int unixpath_fill(struct sockaddr_un *sun, socklen_t *len, const char *path,
		  struct ipc_error *e);

/* Make `path` free for bind() of a `sock_type` (SOCK_STREAM, SOCK_DGRAM)
 * socket: nothing there is fine; a socket nobody listens on (stale) is
 * removed; a live server, or a file that is not a socket, is IPC_IN_USE. */
int unixpath_claim(const char *path, int sock_type, const struct ipc_ctx *ctx,
		   const char *transport, struct ipc_error *e);

/* The part of listen() both Unix socket transports share: take `address`
 * (NULL = the transport's default, copied into path[IPC_ADDR_MAX]), fill
 * `sun` and make the path free with unixpath_claim().  *address_out points
 * at the path in use. */
int unixpath_prepare(const struct ipc_server *s, const char *address, int sock_type,
		     char path[IPC_ADDR_MAX], const char **address_out, struct sockaddr_un *sun,
		     socklen_t *len, struct ipc_error *e);

/* Report a failed bind() of `path` (errno `err`) with a hint; returns -1. */
int unixpath_bind_failed(struct ipc_error *e, int err, const char *path);

/* unlink() a path we created, narrating the result; errors are ignored
 * (there is nothing better to do while closing). */
void unixpath_remove(const char *path, const struct ipc_ctx *ctx, const char *transport);

#endif
