/* unixpath.c - socket paths for the Unix-socket servers; see unixpath.h. */
#include "unixpath.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int unixpath_fill(struct sockaddr_un *sun, socklen_t *len, const char *path,
		  struct ipc_error *e)
{
	size_t n = strlen(path);

	/* sun_path is a fixed array (108 bytes on Linux) and needs room for
	 * the terminating NUL.  A longer path cannot be a socket name at all. */
	if (n == 0 || n >= sizeof sun->sun_path) {
		ipc_fail(e, IPC_USAGE, 0, "socket path \"%s\" is %zu bytes; a Unix socket path "
			 "must be 1 to %zu bytes", path, n, sizeof sun->sun_path - 1);
		return ipc_hint(e, "choose a shorter path with --address, or a shorter IPCLAB_DIR");
	}
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, n + 1);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return 0;
}

/* Is a server bound to the socket file `path`?  Ask the kernel the only way
 * it answers: connect() to it.  Returns 1 live, 0 stale, -1 error. */
static int probe(const char *path, int sock_type, const struct ipc_ctx *ctx,
		 const char *transport, int step, struct ipc_error *e)
{
	struct sockaddr_un sun;
	socklen_t len = 0;
	int r;

	if (unixpath_fill(&sun, &len, path, e) < 0)
		return -1;
	/* Non-blocking, so that a server with a full backlog cannot hang us. */
	int fd = socket(AF_UNIX, sock_type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "socket AF_UNIX (probe of %s)", path);
	do
		r = connect(fd, (struct sockaddr *)&sun, len);
	while (r < 0 && errno == EINTR);
	int err = r < 0 ? errno : 0;
	close(fd); /* a stream server sees this probe as a client that hung up */

	switch (err) {
	case 0:
	case EAGAIN:      /* stream: backlog full, so somebody is listening */
	case EPROTOTYPE:  /* a live socket of the other type */
		ipc_step(ctx, transport, step, "connect", "probe %s: answered, a server is there", path);
		return 1;
	case ECONNREFUSED: /* the file is there, no socket is bound to it */
		ipc_step(ctx, transport, step, "connect", "probe %s: refused, stale socket", path);
		return 0;
	case ENOENT:       /* removed since lstat(): just as good */
		return 0;
	default:
		return ipc_fail(e, IPC_SYSTEM, err, "connect %s (probe)", path);
	}
}

int unixpath_clear_stale(const struct ipc_server *s, const char *path, int sock_type, int step,
			 struct ipc_error *e)
{
	const struct ipc_ctx *ctx = s->ctx;
	const char *transport = s->t->name;
	struct stat st;

	/* lstat(), not stat(): a symlink is not ours to follow or remove. */
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT) {
			ipc_step(ctx, transport, step, "lstat", "%s: free", path);
			return 0;
		}
		return ipc_fail(e, IPC_SYSTEM, errno, "lstat %s", path);
	}
	if (!S_ISSOCK(st.st_mode)) {
		/* Somebody's file, maybe a typo in --address: never delete it. */
		ipc_fail(e, IPC_IN_USE, 0, "%s exists and is not a socket: refusing to remove it",
			 path);
		return ipc_hint(e, "choose another path with --address");
	}
	ipc_step(ctx, transport, step, "lstat", "%s: a socket file", path);

	int live = probe(path, sock_type, ctx, transport, step, e);
	if (live < 0)
		return -1;
	if (live) {
		ipc_fail(e, IPC_IN_USE, 0, "server already listening on %s", path);
		return ipc_hint(e, "stop it first, or choose another path with --address");
	}
	/* Stale: left behind by a server that died without unlink().  No
	 * other ipclab server can be between its bind() and listen() on this
	 * path: we hold the path's lock (unixpath_lock()). */
	if (unlink(path) < 0 && errno != ENOENT)
		return ipc_fail(e, IPC_SYSTEM, errno, "unlink stale socket %s", path);
	ipc_step(ctx, transport, step, "unlink", "stale socket %s", path);
	return 0;
}

static int lock_name(char *out, size_t cap, const char *path)
{
	int n = snprintf(out, cap, "%s.lock", path);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

int unixpath_lock(struct ipc_server *s, const char *path, struct ipc_error *e)
{
	char lock[IPC_ADDR_MAX + 8];
	struct stat fs, ps;

	if (lock_name(lock, sizeof lock, path) < 0)
		return ipc_fail(e, IPC_USAGE, 0, "path too long: %s", path);
	for (;;) {
		/* O_NOFOLLOW: a symlink planted at the lock's name is refused. */
		int fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
		if (fd < 0) {
			ipc_fail(e, errno == ELOOP ? IPC_IN_USE : IPC_SYSTEM, errno, "open %s", lock);
			return ipc_hint(e, "it must be a plain file of yours: remove it, or choose "
					"another path with --address");
		}
		if (fstat(fd, &fs) < 0 || !S_ISREG(fs.st_mode) || fs.st_uid != geteuid()) {
			close(fd);
			ipc_fail(e, IPC_IN_USE, 0, "%s is not a lock file of ours", lock);
			return ipc_hint(e, "remove it, or choose another path with --address");
		}
		int r;
		do
			r = flock(fd, LOCK_EX | LOCK_NB);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			int err = errno;
			close(fd);
			if (err == EWOULDBLOCK) {
				ipc_fail(e, IPC_IN_USE, 0, "another server holds %s: it is starting "
					 "or listening on %s", lock, path);
				return ipc_hint(e, "stop it first, or choose another path with --address");
			}
			return ipc_fail(e, IPC_SYSTEM, err, "flock %s", lock);
		}
		/* The server before us unlinks the lock file as it stops, while
		 * holding it: the file we locked must still be the one named. */
		if (lstat(lock, &ps) == 0 && ps.st_dev == fs.st_dev && ps.st_ino == fs.st_ino) {
			/* Out of the way of the low descriptor numbers: a server's
			 * socket is fd 3 with or without its lock, as the traces a
			 * student follows show.  (Where the limit is below 101 it
			 * stays where it is.) */
			int high = fcntl(fd, F_DUPFD_CLOEXEC, 100);
			if (high >= 0) {
				close(fd);
				fd = high;
			}
			s->lock_fd = fd;
			return 0;
		}
		close(fd);
	}
}

void unixpath_created(struct ipc_server *s, const char *path)
{
	struct stat st;
	if (lstat(path, &st) == 0) {
		s->path_dev = st.st_dev;
		s->path_ino = st.st_ino;
	}
}

/* Remove `path` if it is the file (dev, ino); narrated. */
static void remove_if_same(const struct ipc_server *s, const char *path, dev_t dev, ino_t ino,
			   int step)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		ipc_step(s->ctx, s->t->name, step, "unlink", "%s: already gone", path);
		return;
	}
	if (st.st_dev != dev || st.st_ino != ino) {
		ipc_step(s->ctx, s->t->name, step, "unlink", "%s: not ours any more, left alone",
			 path);
		return;
	}
	unixpath_remove(path, s->ctx, s->t->name, step);
}

void unixpath_unlock(struct ipc_server *s, const char *path, bool remove)
{
	struct stat st;
	char lock[IPC_ADDR_MAX + 8];

	if (s->lock_fd < 0)
		return;
	/* Unlink the lock file while we still hold it (see unixpath_lock()).
	 * Not narrated: the lock is ipclab's, no step of the lecture's. */
	struct stat ls;
	if (remove && fstat(s->lock_fd, &st) == 0 && lock_name(lock, sizeof lock, path) == 0 &&
	    lstat(lock, &ls) == 0 && ls.st_dev == st.st_dev && ls.st_ino == st.st_ino)
		unlink(lock);
	close(s->lock_fd);
	s->lock_fd = -1;
}

void unixpath_release(struct ipc_server *s, bool remove, int step)
{
	if (remove && s->owns_path) {
		remove_if_same(s, s->addr.text, s->path_dev, s->path_ino, step);
		s->owns_path = false;
	}
	unixpath_unlock(s, s->addr.text, remove);
}

const char *unixpath_address(const struct ipc_server *s, const char *address,
			     char path[IPC_ADDR_MAX])
{
	if (address)
		return address;
	s->t->default_address(s->ctx, path, IPC_ADDR_MAX);
	return path;
}

int unixpath_prepare(struct ipc_server *s, const char *address, int sock_type,
		     char path[IPC_ADDR_MAX], const char **address_out, struct sockaddr_un *sun,
		     socklen_t *len, int stale_step, struct ipc_error *e)
{
	address = unixpath_address(s, address, path);
	*address_out = address;
	if (unixpath_fill(sun, len, address, e) < 0 || unixpath_lock(s, address, e) < 0)
		return -1;
	if (unixpath_clear_stale(s, address, sock_type, stale_step, e) < 0) {
		unixpath_unlock(s, address, true);
		return -1;
	}
	return 0;
}

int unixpath_bind_failed(struct ipc_error *e, int err, const char *path)
{
	ipc_fail(e, err == EADDRINUSE ? IPC_IN_USE : IPC_SYSTEM, err, "bind %s", path);
	return ipc_hint(e, err == EADDRINUSE
			? "another server took the path just now: choose another with --address"
			: "check that the directory exists and is writable");
}

void unixpath_remove(const char *path, const struct ipc_ctx *ctx, const char *transport,
		     int step)
{
	if (unlink(path) == 0)
		ipc_step(ctx, transport, step, "unlink", "%s", path);
	else if (errno != ENOENT)
		ipc_step(ctx, transport, step, "unlink", "%s failed: %s", path, strerror(errno));
	else
		ipc_step(ctx, transport, step, "unlink", "%s: already gone", path);
}
