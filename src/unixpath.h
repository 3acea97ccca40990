/*
 * unixpath.h - the helpers of the servers named by a path: unix_stream,
 * unix_dgram and shm's rendezvous socket (socket paths), and fifo (the lock).
 *
 * A Unix socket is named by a path in the file system.  bind() creates that
 * file and fails with EADDRINUSE while it exists, even when the server that
 * created it died long ago; close() never removes it.  So every server must
 * (1) make the path free before bind() and (2) unlink() it when it stops:
 * the lecture's first and next-to-last steps.  The helpers below do the work;
 * each transport calls them where the step happens in its own file and gives
 * them the step's number, which they narrate with.
 */
#ifndef IPCLAB_UNIXPATH_H
#define IPCLAB_UNIXPATH_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ipc.h"

/* Fill `sun` and `*len` (the length to give bind()/connect()) for `path`.
 * A path that does not fit in sun_path is refused with IPC_USAGE, never
 * truncated. */
int unixpath_fill(struct sockaddr_un *sun, socklen_t *len, const char *path,
		  struct ipc_error *e);

/*
 * Claiming a path is three steps: probe (is a server there?), unlink (a
 * stale file), bind.  Two servers doing them at once can interleave: one
 * binds, and before it listens the other probes, finds it "stale", unlinks
 * it and binds its own; the first then serves a name nobody can reach.  So
 * every server first takes a lock, "<path>.lock" with flock(LOCK_EX), and
 * holds it for its whole life: the three steps are one step for any other
 * ipclab server, a server that died released its lock with its last
 * descriptor, and the lock file is removed with the path when it stops.
 *
 * unixpath_lock(): 0 and s->lock_fd, or -1 (IPC_IN_USE: another server
 * holds it; a lock file that is not ours, or a symlink, is refused).
 */
int unixpath_lock(struct ipc_server *s, const char *path, struct ipc_error *e);

/* Remember which file we created at `path` (after bind() or mkfifo()), so
 * that unixpath_release() removes that file only. */
void unixpath_created(struct ipc_server *s, const char *path);

/* "Remove the socket" at the end of a server: with `remove`, unlink
 * s->addr.text if it is still the file we created (same device and inode:
 * another server may have taken the name since), narrated as step `step`,
 * and the lock file; then close the lock (any process).  The parent of a
 * forked server calls it with remove = false. */
void unixpath_release(struct ipc_server *s, bool remove, int step);
/* Close the lock of `path` (and with `remove`, unlink its file), alone: a
 * listen() that fails after unixpath_lock(). */
void unixpath_unlock(struct ipc_server *s, const char *path, bool remove);

/* The path to serve on: `address`, or the transport's default written into
 * path[IPC_ADDR_MAX]. */
const char *unixpath_address(const struct ipc_server *s, const char *address,
			     char path[IPC_ADDR_MAX]);

/* "Remove the socket if it already exists", safely: make `path` free for
 * bind() of a `sock_type` (SOCK_STREAM, SOCK_DGRAM) socket.  Nothing there
 * is fine (lstat); a socket nobody answers on (a connect() probe is
 * refused) is stale and removed (unlink); a live server, or a file that is
 * not a socket, is IPC_IN_USE.  Each call is narrated as step `step` of
 * s->t.  Call it with the lock held. */
int unixpath_clear_stale(const struct ipc_server *s, const char *path, int sock_type, int step,
			 struct ipc_error *e);

/* lock, fill `sun` and clear a stale socket (step `stale_step`) in one call,
 * for shm's rendezvous socket; *address_out points at the path in use.  On
 * error the lock is released.  (unix_stream and unix_dgram make these calls
 * one by one, each where its step is.) */
int unixpath_prepare(struct ipc_server *s, const char *address, int sock_type,
		     char path[IPC_ADDR_MAX], const char **address_out, struct sockaddr_un *sun,
		     socklen_t *len, int stale_step, struct ipc_error *e);

/* Report a failed bind() of `path` (errno `err`) with a hint; returns -1. */
int unixpath_bind_failed(struct ipc_error *e, int err, const char *path);

/* unlink() a path we created, narrating the result as step `step`; errors
 * are ignored (there is nothing better to do while closing). */
void unixpath_remove(const char *path, const struct ipc_ctx *ctx, const char *transport,
		     int step);

#endif
