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
 *   server (fifo_steps, this file, in order): mkfifo -> open (read, and a
 *           writer of its own) -> read notice -> open the client's pair ->
 *           unlink it -> read/write -> close -> unlink -> close
 *   client (fifo_client.c): open server FIFO -> mkfifo pair -> open pair ->
 *           write notice -> write/read -> close -> unlink
 *
 * The defences against crashed or hostile peers (pairs left by dead
 * clients, stray bytes among the notices, planted files) are in
 * fifo_peers.c, each named with the step it protects.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fifo_int.h"
#include "io.h"
#include "steps.h"
#include "unixpath.h"

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

void fifo_close_fd(const struct ipc_ctx *ctx, int step, int *fd)
{
	if (*fd < 0)
		return;
	if (close(*fd) < 0)
		ipc_step(ctx, NAME, step, "close", "fd %d: %s", *fd, strerror(errno));
	else
		ipc_step(ctx, NAME, step, "close", "fd %d", *fd);
	*fd = -1;
}

bool fifo_still_named(const char *path, int fd)
{
	struct stat ps, fs;
	return path[0] && fd >= 0 && lstat(path, &ps) == 0 && fstat(fd, &fs) == 0 &&
	       ps.st_dev == fs.st_dev && ps.st_ino == fs.st_ino;
}

/* "<directory of the server FIFO>/client-<id>.<suffix>": client and server
 * agree on the names with no configuration beyond the server's address. */
int fifo_client_path(char *out, size_t cap, const char *server, const char *id,
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
int fifo_open(const struct ipc_ctx *ctx, int step, const char *path, int mode, const char *note,
	      struct ipc_error *e)
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
	    fifo_client_path(probe, sizeof probe, address, "2147483647-ffffffffffffffff", "req") < 0) {
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
	s->fd = fifo_open(s->ctx, 3, address, O_RDONLY, "", e);
	/* Step 4 - and for writing, though we never write.  read() returns
	 * end-of-file whenever the last writer closes: after each client's
	 * notice, poll() would report a hang-up forever.  With a writer of our
	 * own the FIFO always has one (TLPI 44.8). */
	if (s->fd >= 0)
		s->aux_fd = fifo_open(s->ctx, 4, address, O_WRONLY, " (our own writer: no EOF)", e);
	if (s->aux_fd < 0) {
		fifo_shutdown(s, true);
		return -1;
	}
	/* Before clients come: pairs left by clients that died waiting
	 * (fifo_peers.c). */
	fifo_sweep_dead_pairs(s, address);
	return 0;
}

/* Step 5 - read one notice: ONE read() of exactly one notice's size.  As
 * every client writes whole notices atomically, that read takes exactly one
 * of them, and the next stays in the FIFO, where poll() still sees it.
 *
 * Anything else written to the FIFO (stray bytes, by mistake or on
 * purpose) is dropped and we resynchronise on the next notice:
 * fifo_resync_notice() in fifo_peers.c. */
static int read_notice(struct ipc_server *s, char id[CLIENT_ID_MAX], struct ipc_error *e)
{
	char rec[FIFO_NOTICE_SIZE];
	ssize_t n = io_read(s->fd, rec, sizeof rec, s->addr.text, e);

	if (n < 0)
		return (int)n; /* IPC_WOULD_BLOCK, or an error */
	if (n == 0) /* impossible while we hold a writer */
		return ipc_fail(e, IPC_SYSTEM, 0, "read %s: unexpected end of file", s->addr.text);
	size_t got = (size_t)n;
	const char *nl = memrchr(rec, '\n', got);
	size_t stray = nl ? (size_t)(nl - rec) : got; /* bytes before a notice */

	if (stray == 0) {
		if (fifo_notice_parse(rec, got, id) < 0)
			return ipc_fail(e, IPC_PROTOCOL, 0, "malformed connection notice on %s "
					"(%zu bytes; expected '\\n', \"<pid>[-<hex tag>]\", spaces: "
					"%d bytes in all): dropped", s->addr.text, got,
					FIFO_NOTICE_SIZE);
		ipc_step(s->ctx, NAME, 5, "read", "fd %d: notice from client %s", s->fd, id);
		return 0;
	}
	return fifo_resync_notice(s, rec, got, stray, e);
}

static int fifo_accept(struct ipc_server *s, struct ipc_conn *c, struct ipc_error *e)
{
	char req[IPC_PATH_MAX], rep[IPC_PATH_MAX], id[CLIENT_ID_MAX];

	/* Step 5 - a client's notice, or the one read already (see read_notice()). */
	if (FIFO_RETRY(s)[0]) {
		memcpy(id, FIFO_RETRY(s), CLIENT_ID_MAX);
		FIFO_RETRY(s)[0] = '\0';
	} else {
		int r = read_notice(s, id, e);
		if (r < 0)
			return r;
	}
	if (fifo_client_path(req, sizeof req, s->addr.text, id, "req") < 0 ||
	    fifo_client_path(rep, sizeof rep, s->addr.text, id, "rep") < 0)
		return ipc_fail(e, IPC_SYSTEM, 0, "client FIFO names next to %s too long",
				s->addr.text);

	/* Step 6 - open the client's request FIFO; Step 7 - its reply FIFO.
	 * Only FIFOs of ours, at the names the id gives (fifo_peers.c). */
	int rfd = fifo_open_client(s, 6, req, O_RDONLY, e);
	int wfd = rfd < 0 ? -1 : fifo_open_client(s, 7, rep, O_WRONLY, e);
	if (wfd < 0) {
		if (rfd >= 0 && e->sys_errno == ENXIO) /* the client left: its pair too */
			fifo_remove_dead_pair(s, req, rfd, rep);
		if (rfd >= 0)
			close(rfd);
		/* Out of descriptors: the notice is gone from the FIFO, so keep
		 * the id and accept that client on the next call. */
		if (e->sys_errno == EMFILE || e->sys_errno == ENFILE)
			memcpy(FIFO_RETRY(s), id, CLIENT_ID_MAX);
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

/* ---- both sides: read() and write() on the pair; fifo_connect() is in
 * fifo_client.c ---------------------------------------------------------- */

/* Step 9 - read() the request.  A client reads its reply through
 * fifo_client_read() (fifo_client.c), which tells "not yet" from end of
 * file. */
static ssize_t fifo_recv(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e)
{
	if (c->priv)
		return fifo_client_read(c, buf, cap, e);
	ssize_t n = io_read(c->rfd, buf, cap, c->peer_text, e);
	if (n >= 0)
		ipc_step(c->ctx, NAME, 9, "read", "fd %d: %zd bytes", c->rfd, n);
	return n;
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
 * client first removes the names it made (fifo_client.c). */
void fifo_close(struct ipc_conn *c)
{
	struct fifo_conn *fc = c->priv;

	if (fc)
		fifo_client_unlink_pair(c);
	fifo_close_fd(c->ctx, 11, &c->wfd);
	fifo_close_fd(c->ctx, 11, &c->rfd);
	if (fc) {
		fifo_close_fd(c->ctx, IPC_NO_STEP, &fc->keepalive_fd);
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
		if (s->fd < 0 || fifo_still_named(s->addr.text, s->fd)) {
			if (unlink(s->addr.text) == 0)
				ipc_step(s->ctx, NAME, 12, "unlink", "%s", s->addr.text);
			else
				ipc_step(s->ctx, NAME, 12, "unlink", "%s: %s", s->addr.text,
					 strerror(errno));
		}
		s->owns_path = false;
	}
	fifo_close_fd(s->ctx, 13, &s->fd);
	fifo_close_fd(s->ctx, 13, &s->aux_fd);
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
