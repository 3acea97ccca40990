/*
 * fifo_peers.c - the FIFO server's defences against crashed or hostile
 * peers, out of the way of its life cycle (fifo.c).  Each names the step it
 * protects.  A FIFO has no connections and anyone with the permissions may
 * write to it, so the server must survive: clients that died and left
 * their pairs behind, bytes that are no notice, and files planted where a
 * client's FIFO should be.  The notice record (fifo.h) is here too: its
 * leading '\n' is what lets the server find its step again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fifo_int.h"
#include "io.h"

/* ---- the notice record --------------------------------------------------- */

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
	if (end - 1 >= FIFO_ID_MAX || !client_id_valid(rec + 1, end - 1, false))
		return -1;
	memcpy(id, rec + 1, end - 1);
	id[end - 1] = '\0';
	return 0;
}

int fifo_notice_format(char rec[FIFO_NOTICE_SIZE], const char *id)
{
	size_t len = strnlen(id, FIFO_NOTICE_SIZE);

	if (len >= FIFO_NOTICE_SIZE || !client_id_valid(id, len, false))
		return -1;
	memset(rec, ' ', FIFO_NOTICE_SIZE);
	rec[0] = '\n';
	memcpy(rec + 1, id, len);
	return 0;
}

/* For tests and the fuzzer (fifo.h): a client found after stray bytes. */
bool fifo_server_has_pending(const struct ipc_server *s)
{
	return s->priv && FIFO_RETRY(s)[0];
}

/* ---- the defences, in the order of the steps they protect ---------------- */

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

/* Before step 3 (the server opens its FIFO): remove the pairs of FIFO clients
 * that died before any server took their notice (killed while they waited for
 * a server that then stopped, say).  A pair is removed only when all of this
 * proves it is an ipclab client's and dead: its names are client-<id>.req and
 * .rep with a valid id, next to our FIFO; both are FIFOs of our user that
 * nobody has open for reading (a live client holds a reader on each); and the
 * process of that <pid> is gone.  Anything else is left alone. */
void fifo_sweep_dead_pairs(const struct ipc_server *s, const char *server)
{
	char dir[IPC_ADDR_MAX], req[IPC_PATH_MAX], rep[IPC_PATH_MAX], id[CLIENT_ID_MAX];
	const char *slash = strrchr(server, '/');
	int n = slash ? snprintf(dir, sizeof dir, "%.*s", (int)(slash - server), server)
		      : snprintf(dir, sizeof dir, ".");
	DIR *d = n > 0 && (size_t)n < sizeof dir ? opendir(slash == server ? "/" : dir) : NULL;
	struct dirent *de;

	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < sizeof "client-x.req" - 1 || strncmp(de->d_name, "client-", 7) ||
		    strcmp(de->d_name + len - 4, ".req") || len - 11 >= CLIENT_ID_MAX)
			continue;
		memcpy(id, de->d_name + 7, len - 11);
		id[len - 11] = '\0';
		long pid = strtol(id, NULL, 10);
		if (!client_id_valid(id, len - 11, false) || pid <= 0 || kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH)
			continue;
		if (fifo_client_path(req, sizeof req, server, id, "req") < 0 ||
		    fifo_client_path(rep, sizeof rep, server, id, "rep") < 0 ||
		    !unread_fifo(req) || !unread_fifo(rep))
			continue;
		if (unlink(req) == 0 && unlink(rep) == 0)
			ipc_step(s->ctx, NAME, IPC_NO_STEP, "unlink", "%s and .rep: left by client %ld, which "
				 "is gone", req, pid);
	}
	if (d)
		closedir(d);
}

/* Step 5, out of step.  Anyone who can write the server's FIFO can also
 * write bytes that are no notice ("printf x > fifo.server"), and those shift
 * every later notice out of step with the server's reads.  A notice starts
 * with the only '\n' it holds, so the last '\n' of what was read is where
 * the next notice begins: the bytes before it are dropped (and reported),
 * and the rest of that notice, written in the same atomic write(), is
 * already in the FIFO: one more read takes it.  So the server is back in
 * step at once, and holds nothing between calls.  A client found that way
 * is kept in FIFO_RETRY(s), for the next accept(): this call reports the
 * stray bytes. */
int fifo_resync_notice(struct ipc_server *s, char *rec, size_t got, size_t stray,
		       struct ipc_error *e)
{
	const char *nl = stray < got ? rec + stray : NULL;
	if (nl) { /* a notice starts at nl: take the rest of it */
		ssize_t n;
		got -= stray;
		memmove(rec, nl, got);
		n = io_read(s->fd, rec + got, FIFO_NOTICE_SIZE - got, s->addr.text, e);
		if (n > 0)
			got += (size_t)n;
		char found[CLIENT_ID_MAX];
		if (fifo_notice_parse(rec, got, found) == 0) {
			memcpy(FIFO_RETRY(s), found, CLIENT_ID_MAX);
			ipc_step(s->ctx, NAME, 5, "read", "fd %d: notice from client %s, after "
				 "%zu stray bytes", s->fd, found, stray);
		} else {
			stray += got;
		}
	}
	return ipc_fail(e, IPC_PROTOCOL, 0, "%zu stray bytes on %s, not a connection notice: "
			"dropped", stray, s->addr.text);
}

/* Steps 6 and 7 (the server opens the client's request FIFO, then its
 * reply FIFO): open one FIFO of the client's pair, refusing anything else:
 * a symlink planted at client-<id>.rep must not make us write elsewhere.
 * Opening .rep for writing fails with ENXIO if the client already left. */
int fifo_open_client(const struct ipc_server *s, int step, const char *path, int mode,
		     struct ipc_error *e)
{
	const char *use = mode == O_WRONLY ? "write to" : "read from";
	struct stat st;
	int fd = fifo_open(s->ctx, step, path, mode, "", e);

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

/* After a failed step 7.  The client that sent a notice left before we opened its pair: nobody
 * reads its reply FIFO any more (the open for writing said ENXIO), and a
 * client opens that reader before it sends its notice.  Nobody will ever
 * remove the pair, so we do, but only FIFOs of ours at the very names the
 * notice gave: the request FIFO we hold open, and a reply FIFO that lstat()
 * shows is a FIFO of our user. */
void fifo_remove_dead_pair(const struct ipc_server *s, const char *req, int rfd,
			     const char *rep)
{
	struct stat st;

	if (fifo_still_named(req, rfd) && unlink(req) == 0)
		ipc_step(s->ctx, NAME, IPC_NO_STEP, "unlink", "%s (its client left)", req);
	if (lstat(rep, &st) == 0 && S_ISFIFO(st.st_mode) && st.st_uid == geteuid() &&
	    unlink(rep) == 0)
		ipc_step(s->ctx, NAME, IPC_NO_STEP, "unlink", "%s (its client left)", rep);
}

