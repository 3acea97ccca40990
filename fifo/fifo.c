/*
 * fifo.c - named pipes (FIFOs): a well-known server FIFO plus a pair per client.
 *
 * A FIFO is a pipe with a name: mkfifo() puts it in the file system, and any
 * process the permissions allow can open() it, related or not.  Like a pipe
 * it is one-way, and it knows nothing of connections: all writers' bytes land
 * in one buffer, and the reader cannot tell who wrote what.  So connections
 * are built on top, the classic way (TLPI ch. 44; APUE 15.5):
 *
 *   1. The server creates the well-known FIFO <dir>/fifo.server and reads it.
 *      Only connection notices travel there, never requests.
 *   2. A client creates its own pair of FIFOs in the same directory,
 *          <dir>/client-<id>.req   requests, client -> server
 *          <dir>/client-<id>.rep   replies,  server -> client
 *      opens them, and writes a connection notice to the server FIFO: one
 *      fixed-size record, '\n', the id, spaces (fifo.h).  The id is
 *      "<pid>-<random tag>", so one process can hold several connections;
 *      a bare "<pid>" is accepted too (handy from a shell).
 *   3. The server reads the notice, rebuilds both paths from the id alone
 *      (never from a path a client sent), opens them, checks that they are
 *      FIFOs it owns, and unlinks both names: the open descriptors keep the
 *      FIFOs alive, and nothing is left behind even if the client crashes.
 *   4. From then on the pair is a private byte stream, like a pipe: the
 *      client closing its request end is end-of-file for the server.
 *
 * Three rules of FIFOs shape the code below:
 *   - open(O_WRONLY | O_NONBLOCK) fails with ENXIO while nobody has the FIFO
 *     open for reading: that is how a client learns "no server", and how a
 *     server tells a stale FIFO from a live one.
 *   - read() returns 0 (end-of-file) whenever no writer is left, even
 *     before the first one came, and write() with no reader fails with
 *     EPIPE.  So the server keeps a writer on its own FIFO, and a client a
 *     reader on its own request FIFO.
 *   - A write() of at most PIPE_BUF bytes (4096 on Linux, 512 by POSIX) is
 *     atomic: the notices of concurrent clients never interleave.  All
 *     notices have one size, so one read() of that size takes one whole
 *     notice (TLPI 44.8): the server never holds half a notice.
 *
 *   server: mkfifo -> open (read, and a writer of its own) -> read notice ->
 *           open the client's pair -> unlink it -> read/write -> close -> unlink
 *   client: open server FIFO -> mkfifo pair -> open pair -> write notice ->
 *           write/read -> close -> unlink
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "fifo.h"
#include "io.h"
#include "ipc.h"
#include "steps.h"
#include "unixpath.h"

#define NAME "fifo"
#define ID_MAX FIFO_ID_MAX

/* The server's life cycle: a well-known FIFO for connection notices, and a
 * pair of FIFOs per client, found by the id in its notice. */
static const struct ipc_step_def fifo_steps[] = {
	{ 1, "unlink", NULL, "remove a FIFO left behind, if no server reads it",
	  "only when a crashed server left its FIFO" },
	{ 2, "mkfifo", "mknodat", "`mkfifo()` the well-known FIFO", NULL },
	{ 3, "open", "openat", "open it for reading", NULL },
	{ 4, "open", "openat",
	  "open it for writing too, so that `read()` never sees end of file between clients",
	  NULL },
	{ 5, "read", "read",
	  "read a client's connection notice (its id in a fixed record of 32 bytes, under "
	  "`PIPE_BUF` so it is never mixed with another)", NULL },
	{ 6, "open", "openat", "open that client's request FIFO", NULL },
	{ 7, "open", "openat", "open its reply FIFO", NULL },
	{ 8, "unlink", "unlink unlink",
	  "unlink the client's FIFOs: the open descriptors keep working", NULL },
	{ 9, "read", "read", "read the request", NULL },
	{ 10, "write", "write", "write the reply", NULL },
	{ 11, "close", "close close", "close the client's FIFOs", NULL },
	{ 12, "unlink", "unlink", "unlink the well-known FIFO", NULL },
	{ 13, "close", "close close", "close the well-known FIFO", NULL },
	{ 14, "exit", "exit_group", "exit", "when `ipclab serve` stops" },
};

/* What the server keeps of its own (s->priv): a client whose notice was
 * read already, to be accepted by the next accept() ("" = none). */
struct fifo_server {
	char retry_id[ID_MAX];
};
#define FIFO_RETRY(s) (((struct fifo_server *)(s)->priv)->retry_id)

/* What a client's connection keeps of its own (c->priv; the server's side
 * of a connection has none): the names of its pair while they are its to
 * remove, and a reader of its own request FIFO. */
struct fifo_conn {
	int keepalive_fd;               /* see fifo_connect(); -1 */
	char own_path[2][IPC_PATH_MAX]; /* .req and .rep: removed by close() */
};

static void close_fd(const struct ipc_ctx *ctx, int step, int *fd)
{
	if (*fd < 0)
		return;
	if (close(*fd) < 0)
		ipc_step(ctx, NAME, step, "close", "fd %d: %s", *fd, strerror(errno));
	else
		ipc_step(ctx, NAME, step, "close", "fd %d", *fd);
	*fd = -1;
}

/* Is `path` still the very file open as `fd` (same device and inode)? */
static bool still_named(const char *path, int fd)
{
	struct stat ps, fs;
	return path[0] && fd >= 0 && lstat(path, &ps) == 0 && fstat(fd, &fs) == 0 &&
	       ps.st_dev == fs.st_dev && ps.st_ino == fs.st_ino;
}

/* "<directory of the server FIFO>/client-<id>.<suffix>": client and server
 * agree on the names with no configuration beyond the server's address. */
static int client_path(char *out, size_t cap, const char *server, const char *id,
		       const char *suffix)
{
	const char *slash = strrchr(server, '/');
	int dirlen = slash ? (int)(slash - server + 1) : 0;
	int n = snprintf(out, cap, "%.*sclient-%s.%s", dirlen, server, id, suffix);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* open() a FIFO the way every open here needs: O_NONBLOCK (never wait for
 * the other side), O_NOFOLLOW (a symlink is refused with ELOOP, so a planted
 * one cannot redirect us), O_CLOEXEC.  Narrated; -1 and e on error. */
static int open_fifo(const struct ipc_ctx *ctx, int step, const char *path, int mode,
		     const char *note, struct ipc_error *e)
{
	const char *how = mode == O_WRONLY ? "O_WRONLY" : "O_RDONLY";
	int fd = open(path, mode | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "open %s %s", path, how);
	ipc_step(ctx, NAME, step, "open", "%s %s -> fd %d%s", path, how, fd, note);
	return fd;
}

static void fifo_default_address(const struct ipc_ctx *ctx, char *out, size_t cap)
{
	snprintf(out, cap, "%s/fifo.server", ctx->rundir);
}

/* ---- server ---------------------------------------------------------- */

/* Step 1 - remove a FIFO left behind: an existing FIFO may be replaced
 * only when no server reads it any more (a crashed one's leftover);
 * anything that is not a FIFO is never deleted.  Step 2 - mkfifo(): give
 * the server a name. */
static int make_server_fifo(const struct ipc_ctx *ctx, const char *path, struct ipc_error *e)
{
	for (int attempt = 0;; attempt++) {
		if (mkfifo(path, 0600) == 0) {
			ipc_step(ctx, NAME, 2, "mkfifo", "%s (mode 0600)", path);
			return 0;
		}
		if (errno != EEXIST)
			return ipc_fail(e, IPC_SYSTEM, errno, "mkfifo %s", path);
		if (attempt > 0) {
			ipc_fail(e, IPC_IN_USE, EEXIST, "mkfifo %s", path);
			return ipc_hint(e, "another server took the path just now");
		}
		struct stat st;
		if (lstat(path, &st) < 0)
			return ipc_fail(e, IPC_SYSTEM, errno, "lstat %s", path);
		if (!S_ISFIFO(st.st_mode)) {
			ipc_fail(e, IPC_IN_USE, 0, "%s exists and is not a FIFO", path);
			return ipc_hint(e, "it was left untouched: remove it yourself");
		}
		/* Probe: opening for writing succeeds only if someone reads. */
		int fd = open(path, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			ipc_fail(e, IPC_IN_USE, 0, "server already listening on %s", path);
			return ipc_hint(e, "stop it first");
		}
		if (errno != ENXIO)
			return ipc_fail(e, IPC_SYSTEM, errno, "open %s", path);
		ipc_step(ctx, NAME, 1, "unlink", "%s (stale: no server reads it)", path);
		if (unlink(path) < 0 && errno != ENOENT)
			return ipc_fail(e, IPC_SYSTEM, errno, "unlink stale FIFO %s", path);
	}
}

static bool valid_id(const char *id, size_t len);

/* Is `path` a FIFO of ours that nobody has open for reading?  open() for
 * writing, non-blocking, fails with ENXIO exactly then. */
static bool unread_fifo(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0 || !S_ISFIFO(st.st_mode) || st.st_uid != geteuid())
		return false;
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return false;
	}
	return errno == ENXIO;
}

/* At start, remove the pairs of FIFO clients that died before any server
 * took their notice (killed while they waited for a server that then
 * stopped, say).  A pair is removed only when all of this proves it is an
 * ipclab client's and dead: its names are client-<id>.req and .rep with a
 * valid id, next to our FIFO; both are FIFOs of our user that nobody has
 * open for reading (a live client holds a reader on each); and the process
 * of that <pid> is gone.  Anything else is left alone. */
static void sweep_dead_pairs(const struct ipc_server *s, const char *server)
{
	char dir[IPC_ADDR_MAX], req[IPC_PATH_MAX], rep[IPC_PATH_MAX], id[ID_MAX];
	const char *slash = strrchr(server, '/');
	int n = slash ? snprintf(dir, sizeof dir, "%.*s", (int)(slash - server), server)
		      : snprintf(dir, sizeof dir, ".");
	DIR *d = n > 0 && (size_t)n < sizeof dir ? opendir(slash == server ? "/" : dir) : NULL;
	struct dirent *de;

	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < sizeof "client-x.req" - 1 || strncmp(de->d_name, "client-", 7) ||
		    strcmp(de->d_name + len - 4, ".req") || len - 11 >= ID_MAX)
			continue;
		memcpy(id, de->d_name + 7, len - 11);
		id[len - 11] = '\0';
		long pid = strtol(id, NULL, 10);
		if (!valid_id(id, len - 11) || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (client_path(req, sizeof req, server, id, "req") < 0 ||
		    client_path(rep, sizeof rep, server, id, "rep") < 0 ||
		    !unread_fifo(req) || !unread_fifo(rep))
			continue;
		if (unlink(req) == 0 && unlink(rep) == 0)
			ipc_step(s->ctx, NAME, IPC_NO_STEP, "unlink", "%s and .rep: left by client %ld, which "
				 "is gone", req, pid);
	}
	if (d)
		closedir(d);
}

static void fifo_shutdown(struct ipc_server *s, bool remove);

static int fifo_listen(struct ipc_server *s, const char *address, struct ipc_error *e)
{
	char path[IPC_ADDR_MAX], probe[IPC_PATH_MAX];

	if (!address) {
		fifo_default_address(s->ctx, path, sizeof path);
		address = path;
	}
	/* The clients' FIFOs go next to ours: their names must fit too. */
	if (strlen(address) >= sizeof s->addr.text ||
	    client_path(probe, sizeof probe, address, "2147483647-ffffffffffffffff", "req") < 0) {
		ipc_fail(e, IPC_USAGE, 0, "fifo path too long: %s", address);
		return ipc_hint(e, "client FIFO names next to it must fit in %d bytes",
				IPC_PATH_MAX - 1);
	}
	/* The same lock as a socket's (unixpath.h): probing and replacing a
	 * stale FIFO is then one step for any other ipclab server. */
	if (unixpath_lock(s, address, e) < 0)
		return -1;
	s->priv = calloc(1, sizeof(struct fifo_server));
	if (!s->priv) {
		unixpath_unlock(s, address, true);
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "fifo server state");
	}
	if (make_server_fifo(s->ctx, address, e) < 0) {
		unixpath_unlock(s, address, true);
		free(s->priv);
		s->priv = NULL;
		return -1;
	}
	snprintf(s->addr.text, sizeof s->addr.text, "%s", address);
	s->owns_path = true;

	/* Step 3 - open() it for reading.  O_NONBLOCK: without it, open()
	 * would wait for the first writer (the first client). */
	s->fd = open_fifo(s->ctx, 3, address, O_RDONLY, "", e);
	/* Step 4 - and for writing, though we never write.  read() returns
	 * end-of-file whenever the last writer closes: after each client's
	 * notice, poll() would report a hang-up forever.  With a writer of our
	 * own the FIFO always has one (TLPI 44.8). */
	if (s->fd >= 0)
		s->aux_fd = open_fifo(s->ctx, 4, address, O_WRONLY, " (our own writer: no EOF)", e);
	if (s->aux_fd < 0) {
		fifo_shutdown(s, true);
		return -1;
	}
	sweep_dead_pairs(s, address);
	return 0;
}

/* Is id[0 .. len) an id: 1-10 decimal digits, optionally '-' and 1-16
 * lowercase hex digits?  Nothing else can reach a path we build: no '/',
 * no '.', no NUL.  (The bytes need no terminator.) */
static bool valid_id(const char *id, size_t len)
{
	size_t digits = 0, tag = 0;

	while (digits < len && id[digits] >= '0' && id[digits] <= '9')
		digits++;
	if (digits == 0 || digits > 10)
		return false;
	if (digits == len)
		return true;
	if (id[digits] != '-')
		return false;
	for (size_t i = digits + 1; i < len; i++, tag++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return tag >= 1 && tag <= 16;
}

int fifo_notice_parse(const char *rec, size_t len, char id[FIFO_ID_MAX])
{
	size_t end = 1;

	if (len != FIFO_NOTICE_SIZE || rec[0] != '\n')
		return -1;
	while (end < len && rec[end] != ' ')
		end++;
	for (size_t i = end; i < len; i++)
		if (rec[i] != ' ')
			return -1;
	if (end - 1 >= FIFO_ID_MAX || !valid_id(rec + 1, end - 1))
		return -1;
	memcpy(id, rec + 1, end - 1);
	id[end - 1] = '\0';
	return 0;
}

int fifo_notice_format(char rec[FIFO_NOTICE_SIZE], const char *id)
{
	size_t len = strnlen(id, FIFO_NOTICE_SIZE);

	if (len >= FIFO_NOTICE_SIZE || !valid_id(id, len))
		return -1;
	memset(rec, ' ', FIFO_NOTICE_SIZE);
	rec[0] = '\n';
	memcpy(rec + 1, id, len);
	return 0;
}

bool fifo_server_has_pending(const struct ipc_server *s)
{
	return s->priv && FIFO_RETRY(s)[0];
}

/* Step 5 - read one notice: ONE read() of exactly one notice's size.  As
 * every client writes whole notices atomically, that read takes exactly one
 * of them, and the next stays in the FIFO, where poll() still sees it.
 *
 * Anyone who can write the FIFO can also write bytes that are no notice
 * ("printf x > fifo.server"), and those shift every later notice out of
 * step with our reads.  A notice starts with the only '\n' it holds, so the
 * last '\n' of what we read is where the next notice begins: the bytes
 * before it are dropped (and reported), and the rest of that notice, written
 * in the same atomic write(), is already in the FIFO: one more read takes
 * it.  So we are back in step at once, and hold nothing between calls.  A
 * client found that way is kept in FIFO_RETRY(s), for the next accept(): this
 * call reports the stray bytes. */
static int read_notice(struct ipc_server *s, char id[ID_MAX], struct ipc_error *e)
{
	char rec[FIFO_NOTICE_SIZE];
	ssize_t n = io_read(s->fd, rec, sizeof rec, s->addr.text, e);

	if (n < 0)
		return (int)n; /* IPC_WOULD_BLOCK, or an error */
	if (n == 0) /* impossible while we hold a writer */
		return ipc_fail(e, IPC_SYSTEM, 0, "read %s: unexpected end of file", s->addr.text);
	size_t got = (size_t)n;
	const char *nl = memrchr(rec, '\n', got);
	size_t stray = nl ? (size_t)(nl - rec) : got;

	if (stray == 0) {
		if (fifo_notice_parse(rec, got, id) < 0)
			return ipc_fail(e, IPC_PROTOCOL, 0, "malformed connection notice on %s "
					"(%zu bytes; expected '\\n', \"<pid>[-<hex tag>]\", spaces: "
					"%d bytes in all): dropped", s->addr.text, got,
					FIFO_NOTICE_SIZE);
		ipc_step(s->ctx, NAME, 5, "read", "fd %d: notice from client %s", s->fd, id);
		return 0;
	}
	if (nl) { /* a notice starts at nl: take the rest of it */
		got -= stray;
		memmove(rec, nl, got);
		n = io_read(s->fd, rec + got, sizeof rec - got, s->addr.text, e);
		if (n > 0)
			got += (size_t)n;
		char found[ID_MAX];
		if (fifo_notice_parse(rec, got, found) == 0) {
			memcpy(FIFO_RETRY(s), found, ID_MAX);
			ipc_step(s->ctx, NAME, 5, "read", "fd %d: notice from client %s, after "
				 "%zu stray bytes", s->fd, found, stray);
		} else {
			stray += got;
		}
	}
	return ipc_fail(e, IPC_PROTOCOL, 0, "%zu stray bytes on %s, not a connection notice: "
			"dropped", stray, s->addr.text);
}

/* Steps 6 and 7 - open one FIFO of the client's pair (Step 6 the request
 * FIFO, Step 7 the reply FIFO), refusing anything else:
 * a symlink planted at client-<id>.rep must not make us write elsewhere.
 * Opening .rep for writing fails with ENXIO if the client already left. */
static int open_client_fifo(const struct ipc_server *s, int step, const char *path, int mode,
			    struct ipc_error *e)
{
	const char *use = mode == O_WRONLY ? "write to" : "read from";
	struct stat st;
	int fd = open_fifo(s->ctx, step, path, mode, "", e);

	if (fd < 0) {
		if (e->sys_errno == ELOOP)
			return ipc_fail(e, IPC_PROTOCOL, 0, "%s is a symbolic link, not a FIFO "
					"we own: refusing to %s it", path, use);
		if (e->sys_errno == ENXIO || e->sys_errno == ENOENT) {
			e->status = IPC_PROTOCOL;
			return ipc_hint(e, "the client left before we accepted it");
		}
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "fstat %s", path);
	} else if (!S_ISFIFO(st.st_mode) || st.st_uid != geteuid()) {
		ipc_fail(e, IPC_PROTOCOL, 0, "%s is not a FIFO we own: refusing to %s it",
			 path, use);
	} else {
		return fd;
	}
	close(fd);
	return -1;
}

/* The client that sent a notice left before we opened its pair: nobody
 * reads its reply FIFO any more (the open for writing said ENXIO), and a
 * client opens that reader before it sends its notice.  Nobody will ever
 * remove the pair, so we do, but only FIFOs of ours at the very names the
 * notice gave: the request FIFO we hold open, and a reply FIFO that lstat()
 * shows is a FIFO of our user. */
static void remove_dead_pair(const struct ipc_server *s, const char *req, int rfd,
			     const char *rep)
{
	struct stat st;

	if (still_named(req, rfd) && unlink(req) == 0)
		ipc_step(s->ctx, NAME, IPC_NO_STEP, "unlink", "%s (its client left)", req);
	if (lstat(rep, &st) == 0 && S_ISFIFO(st.st_mode) && st.st_uid == geteuid() &&
	    unlink(rep) == 0)
		ipc_step(s->ctx, NAME, IPC_NO_STEP, "unlink", "%s (its client left)", rep);
}

static int fifo_accept(struct ipc_server *s, struct ipc_conn *c, struct ipc_error *e)
{
	char req[IPC_PATH_MAX], rep[IPC_PATH_MAX], id[ID_MAX];

	if (FIFO_RETRY(s)[0]) { /* its notice was read already (see read_notice()) */
		memcpy(id, FIFO_RETRY(s), ID_MAX);
		FIFO_RETRY(s)[0] = '\0';
	} else {
		int r = read_notice(s, id, e);
		if (r < 0)
			return r;
	}
	if (client_path(req, sizeof req, s->addr.text, id, "req") < 0 ||
	    client_path(rep, sizeof rep, s->addr.text, id, "rep") < 0)
		return ipc_fail(e, IPC_SYSTEM, 0, "client FIFO names next to %s too long",
				s->addr.text);

	int rfd = open_client_fifo(s, 6, req, O_RDONLY, e);
	int wfd = rfd < 0 ? -1 : open_client_fifo(s, 7, rep, O_WRONLY, e);
	if (wfd < 0) {
		if (rfd >= 0 && e->sys_errno == ENXIO)
			remove_dead_pair(s, req, rfd, rep);
		if (rfd >= 0)
			close(rfd);
		/* Out of descriptors: the notice is gone from the FIFO, so keep
		 * the id and accept that client on the next call. */
		if (e->sys_errno == EMFILE || e->sys_errno == ENFILE)
			memcpy(FIFO_RETRY(s), id, ID_MAX);
		return -1;
	}

	/* Step 8 - unlink() both names at once.  An open FIFO outlives its
	 * name, like any file; from now on no one else can open this pair. */
	const char *paths[] = { req, rep };
	for (int i = 0; i < 2; i++) {
		if (unlink(paths[i]) == 0)
			ipc_step(s->ctx, NAME, 8, "unlink", "%s (still open: fd %d)", paths[i],
				 i == 0 ? rfd : wfd);
		else /* the client will try again when it closes */
			ipc_step(s->ctx, NAME, 8, "unlink", "%s: %s", paths[i], strerror(errno));
	}

	ipc_conn_init(c, s->t, s->ctx);
	c->rfd = rfd;
	c->wfd = wfd;
	snprintf(c->peer_text, sizeof c->peer_text, "fifo client %s", id);
	return 0;
}

/* ---- client ---------------------------------------------------------- */

static void fifo_close(struct ipc_conn *c);

static int fifo_connect(struct ipc_conn *c, const struct ipc_addr *a, struct ipc_error *e)
{
	const char *server = a->text, *suffix[2] = { "req", "rep" };
	struct fifo_conn *fc;
	char *req, *rep;
	char id[ID_MAX], notice[FIFO_NOTICE_SIZE];
	unsigned tag;
	struct stat st;
	ssize_t n;

	/* A notice must arrive in one piece (see the top of the file). */
	_Static_assert(sizeof notice <= PIPE_BUF, "a notice must fit in PIPE_BUF");

	/* The client, first: open() the server's FIFO for writing.  Non-blocking, so
	 * that with no server reading it we fail at once (ENXIO). */
	int sfd = open_fifo(c->ctx, IPC_NO_STEP, server, O_WRONLY, "", e);
	if (sfd < 0) {
		e->status = ipc_status_of_errno(e->sys_errno);
		if (e->status == IPC_NO_SERVER)
			return ipc_hint(e, "no server listening: start one with `ipclab serve fifo`");
		return -1;
	}
	if (fstat(sfd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		close_fd(c->ctx, IPC_NO_STEP, &sfd);
		ipc_fail(e, IPC_NO_SERVER, 0, "%s is not a FIFO", server);
		return ipc_hint(e, "is the --address right? start a server with `ipclab serve fifo`");
	}
	if (!(fc = calloc(1, sizeof *fc))) {
		close_fd(c->ctx, IPC_NO_STEP, &sfd);
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "fifo connection to %s", server);
	}
	fc->keepalive_fd = -1;
	c->priv = fc;
	req = fc->own_path[0];
	rep = fc->own_path[1];

	/* Then mkfifo() our pair next to it; close() removes what we made.
	 * The random tag lets one process open several connections, and keeps
	 * a new pair from ever taking an old one's name. */
	if (getrandom(&tag, sizeof tag, 0) != (ssize_t)sizeof tag)
		tag = (unsigned)sfd ^ (unsigned)time(NULL);
	snprintf(id, sizeof id, "%d-%08x", (int)getpid(), tag);
	for (int i = 0; i < 2; i++) {
		if (client_path(fc->own_path[i], IPC_PATH_MAX, server, id, suffix[i]) < 0) {
			fc->own_path[i][0] = '\0';
			ipc_fail(e, IPC_USAGE, 0, "fifo path too long: %s", server);
			goto fail;
		}
		if (mkfifo(fc->own_path[i], 0600) < 0) {
			int err = errno;
			ipc_fail(e, err == EEXIST ? IPC_IN_USE : IPC_SYSTEM, err, "mkfifo %s",
				 fc->own_path[i]);
			fc->own_path[i][0] = '\0'; /* not ours: never remove it */
			if (err == EEXIST)
				ipc_hint(e, "the leftover of a crashed client: remove it");
			goto fail;
		}
		ipc_step(c->ctx, NAME, IPC_NO_STEP, "mkfifo", "%s (mode 0600)", fc->own_path[i]);
	}

	/* Open our reply FIFO for reading first: the server's
	 * non-blocking open for writing needs a reader to be there. */
	if ((c->rfd = open_fifo(c->ctx, IPC_NO_STEP, rep, O_RDONLY, "", e)) < 0)
		goto fail;
	/* Then our request FIFO: a reader of our own, then our writer.  A
	 * non-blocking open for writing needs a reader (else ENXIO), and a
	 * request written before the server opens its end would fail with
	 * EPIPE.  The keep-alive reader never reads; it lives until close(). */
	if ((fc->keepalive_fd = open_fifo(c->ctx, IPC_NO_STEP, req, O_RDONLY,
					  " (keep-alive reader)", e)) < 0 ||
	    (c->wfd = open_fifo(c->ctx, IPC_NO_STEP, req, O_WRONLY, "", e)) < 0)
		goto fail;

	/* Last, the notice, in ONE write() of far less than PIPE_BUF bytes:
	 * atomic, all or nothing, so it never mixes with another client's.  A
	 * full server FIFO (a server not keeping up) means: wait for room. */
	int len = (int)sizeof notice;
	if (fifo_notice_format(notice, id) < 0) {
		ipc_fail(e, IPC_SYSTEM, 0, "connection notice for id %s", id);
		goto fail;
	}
	while ((n = io_write(sfd, notice, (size_t)len, server, e)) == IPC_WOULD_BLOCK) {
		if (io_wait(sfd, POLLOUT, -1, c->ctx->timeout_ms) != IO_READY) {
			ipc_fail(e, IPC_TIMEOUT, 0, "write notice to %s: FIFO full", server);
			goto fail;
		}
	}
	if (n < 0) {
		if (e->sys_errno == EPIPE) { /* the server left since we opened it */
			e->status = IPC_NO_SERVER;
			ipc_hint(e, "the server stopped: start one with `ipclab serve fifo`");
		}
		goto fail;
	}
	if (n != len) { /* cannot happen: pipe(7) makes it all or nothing */
		ipc_fail(e, IPC_SYSTEM, 0, "write notice to %s: %zd of %d bytes written", server,
			 n, len);
		goto fail;
	}
	ipc_step(c->ctx, NAME, IPC_NO_STEP, "write", "fd %d: notice \"\\n%s\" and spaces (%d bytes)", sfd,
		 id, len);
	close_fd(c->ctx, IPC_NO_STEP, &sfd); /* one notice per connection */

	snprintf(c->peer_text, sizeof c->peer_text, "%s", server);
	return 0;
fail:
	close_fd(c->ctx, IPC_NO_STEP, &sfd);
	fifo_close(c);
	return -1;
}

/* ---- both sides: read() and write() on the pair ---------------------- */

/* Step 9 - read() the request (and the client its reply).
 *
 * Until the server opens our reply FIFO, that FIFO has never had a writer,
 * and read() then returns 0 at once: not end-of-file, just "not yet".  The
 * server unlinks our pair when it joins, so while the name is still there, 0
 * means wait.  (poll() does not report a hang-up on a FIFO that never had a
 * writer, so waiting with poll() is right.) */
static ssize_t fifo_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e)
{
	for (;;) {
		/* Look before reading: a 0 read while the name was still there
		 * means "not yet", even if the server joined just after. */
		struct fifo_conn *fc = c->priv; /* NULL: the server's side */
		char *rep = fc ? fc->own_path[1] : NULL;
		bool waiting = rep && still_named(rep, c->rfd);
		if (rep && !waiting) /* joined: stop looking */
			rep[0] = '\0';
		ssize_t n = io_read(c->rfd, buf, cap, c->peer_text, e);
		if (n != 0 || !waiting) {
			if (n >= 0)
				ipc_step(c->ctx, NAME, 9, "read", "fd %d: %zd bytes", c->rfd, n);
			return n;
		}
		int flags = fcntl(c->rfd, F_GETFL);
		if (flags < 0)
			return ipc_fail(e, IPC_SYSTEM, errno, "fcntl %s", rep);
		if (flags & O_NONBLOCK)
			return IPC_WOULD_BLOCK;
		/* Blocking mode: block like read() would on a socket. */
		if (io_wait(c->rfd, POLLIN, -1, -1) == IO_ERROR)
			return ipc_fail(e, IPC_SYSTEM, errno, "poll %s", rep);
	}
}

/* Step 10 - write() the reply.  With no reader left, write() fails with
 * EPIPE (SIGPIPE is ignored by the driver) and io_write() reports
 * IPC_PROTOCOL: the peer hung up. */
static ssize_t fifo_send(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e)
{
	ssize_t n = io_write(c->wfd, buf, len, c->peer_text, e);
	if (n >= 0)
		ipc_step(c->ctx, NAME, 10, "write", "fd %d: %zd bytes", c->wfd, n);
	return n;
}

/* Step 11 - close the client's FIFOs: the peer's read() returns 0.  A
 * client also removes the names we
 * created, unless the server did already, or they now name another
 * connection's FIFOs (a later connection of this same process). */
static void fifo_close(struct ipc_conn *c)
{
	struct fifo_conn *fc = c->priv;
	int owner[2] = { c->wfd >= 0 ? c->wfd : fc ? fc->keepalive_fd : -1, c->rfd };

	for (int i = 0; fc && i < 2; i++) {
		char *path = fc->own_path[i];
		if (!path[0])
			continue;
		if (owner[i] < 0 || still_named(path, owner[i])) {
			if (unlink(path) == 0)
				ipc_step(c->ctx, NAME, IPC_NO_STEP, "unlink", "%s", path);
			else if (errno != ENOENT)
				ipc_step(c->ctx, NAME, IPC_NO_STEP, "unlink", "%s: %s", path,
					 strerror(errno));
		}
		path[0] = '\0';
	}
	close_fd(c->ctx, 11, &c->wfd);
	close_fd(c->ctx, 11, &c->rfd);
	if (fc) {
		close_fd(c->ctx, IPC_NO_STEP, &fc->keepalive_fd);
		free(fc);
		c->priv = NULL;
	}
}

/* Step 12 - unlink() the server FIFO, if it is still ours: clients then
 * get ENOENT, "no server", at once.  Step 13 - close it.  Step 14, exit,
 * is the caller's (src/commands.c: cmd_serve). */
static void fifo_shutdown(struct ipc_server *s, bool remove)
{
	if (remove && s->owns_path) {
		if (s->fd < 0 || still_named(s->addr.text, s->fd)) {
			if (unlink(s->addr.text) == 0)
				ipc_step(s->ctx, NAME, 12, "unlink", "%s", s->addr.text);
			else
				ipc_step(s->ctx, NAME, 12, "unlink", "%s: %s", s->addr.text,
					 strerror(errno));
		}
		s->owns_path = false;
	}
	close_fd(s->ctx, 13, &s->fd);
	close_fd(s->ctx, 13, &s->aux_fd);
	unixpath_unlock(s, s->addr.text, remove);
	free(s->priv);
	s->priv = NULL;
}

const struct ipc_transport fifo_transport = {
	.name = NAME,
	.summary = "named pipes (FIFOs) in the runtime directory: a well-known server FIFO "
		   "plus a pair per client",
	.kind = IPC_STREAM,
	.servable = true,
	.max_message = 0,
	.fds_per_conn = 3, /* its reply end, its request end, a keep-alive reader */
	.default_address = fifo_default_address,
	.listen = fifo_listen,
	.accept = fifo_accept,
	.connect = fifo_connect,
	.recv = fifo_recv,
	.send = fifo_send,
	.close = fifo_close,
	.shutdown = fifo_shutdown,
	IPC_STEPS(fifo_steps),
};
