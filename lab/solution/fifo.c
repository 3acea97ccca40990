/*
 * fifo.c - exercise 2: a FIFO server and its clients.
 *
 * A FIFO is a pipe with a name in the file system.  The name is all that
 * lives on disk (ls -l shows a "p" and size 0); the bytes go through a
 * kernel buffer, as in a pipe.  Every client writes to the server's one
 * well-known FIFO, so a request must be a record the kernel will not mix
 * with another client's: a write() of at most PIPE_BUF (4096) bytes to a
 * FIFO is atomic.  The reply goes back through a FIFO the client creates.
 *
 *   ./fifo server DIR COUNT     ./fifo client DIR/fifo.server NAME
 */
#include "lab.h"

#include <limits.h>

/* One request: fixed size, well under PIPE_BUF, so one write() puts it in
 * the FIFO whole and one read() takes it out whole. */
struct request {
	pid_t pid;                     /* the reply goes to DIR/client-PID.fifo */
	char name[LAB_NAME_MAX + 1];   /* NUL-terminated */
};
_Static_assert(sizeof(struct request) <= PIPE_BUF, "a request must be atomic");

static void reply_path(char *out, size_t cap, const char *dir, pid_t pid)
{
	if ((size_t)snprintf(out, cap, "%s/client-%d.fifo", dir, (int)pid) >= cap) {
		errno = ENAMETOOLONG;
		lab_die("reply FIFO path in %s", dir);
	}
}

static int run_server(const char *dir, int count)
{
	char path[PATH_MAX];
	int rfd = -1, keep = -1; /* we read requests from rfd; keep is our own writer */

	if ((size_t)snprintf(path, sizeof path, "%s/fifo.server", dir) >= sizeof path) {
		errno = ENAMETOOLONG;
		lab_die("FIFO path in %s", dir);
	}

	/* TODO 1: create the server's FIFO at path with mkfifo(), mode 0600.  If
	 * the path exists already, mkfifo() fails with EEXIST: report it, never
	 * unlink() a path you did not create (another server may read it). */
	/* SOLUTION BEGIN */
	if (mkfifo(path, 0600) < 0)
		lab_die("mkfifo %s", path);
	/* SOLUTION END */
	lab_ready(path);

	/* TODO 2: open() it for reading into rfd.  This blocks until a client
	 * opens it for writing. */
	/* SOLUTION BEGIN */
	rfd = open(path, O_RDONLY);
	if (rfd < 0)
		lab_die("open %s for reading", path);
	/* SOLUTION END */

	/* TODO 3: open() it for writing too, into keep.  While any writer is
	 * open, read() waits for the next client instead of returning 0 (end
	 * of file) each time the previous client closes. */
	/* SOLUTION BEGIN */
	keep = open(path, O_WRONLY);
	if (keep < 0)
		lab_die("open %s for writing", path);
	/* SOLUTION END */

	for (int i = 0; i < count; i++) {
		struct request r;
		char rpath[PATH_MAX], reply[LAB_REPLY_MAX + 1];
		int wfd = -1;

		ssize_t got = read(rfd, &r, sizeof r);   /* one read() = one whole record */
		if (got < 0)
			lab_die("read %s", path);
		if (got != (ssize_t)sizeof r) {
			errno = EPROTO;
			lab_die("read %s: %zd bytes, not one request", path, got);
		}
		r.name[LAB_NAME_MAX] = '\0';
		reply_path(rpath, sizeof rpath, dir, r.pid);

		/* TODO 4: open() the client's reply FIFO rpath for writing into wfd. */
		/* SOLUTION BEGIN */
		wfd = open(rpath, O_WRONLY | O_NOFOLLOW);
		if (wfd < 0)
			lab_die("open %s", rpath);
		/* SOLUTION END */

		size_t n = lab_greeting(reply, sizeof reply, r.name, strlen(r.name));
		lab_write_all(wfd, reply, n);                  /* write() the reply */

		/* TODO 5: close wfd: the client's read() then sees end of file. */
		/* SOLUTION BEGIN */
		if (close(wfd) < 0)
			lab_die("close %s", rpath);
		/* SOLUTION END */
	}

	/* TODO 6: close both descriptors of the server's FIFO. */
	/* SOLUTION BEGIN */
	if (close(keep) < 0 || close(rfd) < 0)
		lab_die("close %s", path);
	/* SOLUTION END */

	/* TODO 7: remove the FIFO's name with unlink(). */
	/* SOLUTION BEGIN */
	if (unlink(path) < 0)
		lab_die("unlink %s", path);
	/* SOLUTION END */
	return 0;
}

static int run_client(const char *server_path, const char *name)
{
	struct request r;
	char dir[PATH_MAX], rpath[PATH_MAX], reply[LAB_REPLY_MAX + 2];
	int sfd = -1, rfd = -1;

	memset(&r, 0, sizeof r);
	r.pid = getpid();
	if (strlen(name) > LAB_NAME_MAX) {
		errno = EMSGSIZE;
		lab_die("name of %zu bytes", strlen(name));
	}
	strcpy(r.name, name);
	lab_dirname(dir, sizeof dir, server_path);
	reply_path(rpath, sizeof rpath, dir, r.pid);

	/* TODO 8: create the reply FIFO rpath with mkfifo(), mode 0600, BEFORE
	 * sending the request: the server opens it as soon as it reads it. */
	/* SOLUTION BEGIN */
	if (mkfifo(rpath, 0600) < 0)
		lab_die("mkfifo %s", rpath);
	/* SOLUTION END */

	/* TODO 9: open() the server's FIFO for writing into sfd. */
	/* SOLUTION BEGIN */
	sfd = open(server_path, O_WRONLY);
	if (sfd < 0)
		lab_die("open %s", server_path);
	/* SOLUTION END */

	lab_write_all(sfd, &r, sizeof r);                 /* one write(): atomic */

	/* TODO 10: close sfd. */
	/* SOLUTION BEGIN */
	if (close(sfd) < 0)
		lab_die("close %s", server_path);
	/* SOLUTION END */

	/* TODO 11: open() the reply FIFO for reading into rfd (this waits for
	 * the server to open it for writing). */
	/* SOLUTION BEGIN */
	rfd = open(rpath, O_RDONLY);
	if (rfd < 0)
		lab_die("open %s", rpath);
	/* SOLUTION END */

	size_t len = lab_read_reply(rfd, reply, sizeof reply); /* read() the reply */
	fwrite(reply, 1, len, stdout);

	/* TODO 12: close rfd and unlink() the reply FIFO: it was ours. */
	/* SOLUTION BEGIN */
	if (close(rfd) < 0)
		lab_die("close %s", rpath);
	if (unlink(rpath) < 0)
		lab_die("unlink %s", rpath);
	/* SOLUTION END */
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "server") == 0)
		return run_server(argv[2], lab_count(argv[3]));
	if (argc == 4 && strcmp(argv[1], "client") == 0)
		return run_client(argv[2], argv[3]);
	return lab_usage();
}
