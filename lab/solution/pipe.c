/*
 * pipe.c - exercise 1: two anonymous pipes between a parent and its child.
 *
 * A pipe has no name: the only way to share one is to create it before
 * fork(), so that the child inherits its descriptors.  The parent is the
 * client, the child the server.  A pipe is one-way, so a request and its
 * reply need one pipe each:
 *
 *     parent  req[1] ---- request ---> req[0]  child
 *             rep[0] <--- reply ------ rep[1]
 *
 * The child reads the request up to its "\n", or to end of file if the
 * "\n" never comes; read() reports end of file only once EVERY descriptor
 * of the pipe's write end is closed, the child's own inherited copy
 * included.
 *
 *   ./pipe NAME
 */
#include "lab.h"

static void serve_child(int req[2], int rep[2]) __attribute__((noreturn));

int main(int argc, char **argv)
{
	int req[2] = { -1, -1 }, rep[2] = { -1, -1 };
	pid_t pid = -1;
	int status = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s NAME\n", argv[0]);
		return 2;
	}

	/* TODO 1: create both pipes with pipe(): req (parent to child) and rep
	 * (child to parent).  It must happen BEFORE fork(). */
	/* SOLUTION BEGIN */
	if (pipe(req) < 0 || pipe(rep) < 0)
		lab_die("pipe");
	/* SOLUTION END */

	/* TODO 2: fork().  In the child (fork() returned 0) call
	 * serve_child(req, rep); on failure call lab_die("fork"). */
	/* SOLUTION BEGIN */
	pid = fork();
	if (pid < 0)
		lab_die("fork");
	if (pid == 0)
		serve_child(req, rep);
	/* SOLUTION END */

	/* TODO 3: in the parent, close the ends the parent does not use: the
	 * read end of the request pipe and the write end of the reply pipe. */
	/* SOLUTION BEGIN */
	if (close(req[0]) < 0 || close(rep[1]) < 0)
		lab_die("parent: close unused ends");
	/* SOLUTION END */

	char line[LAB_NAME_MAX + 2], reply[LAB_REPLY_MAX + 2];
	int n = snprintf(line, sizeof line, "%s\n", argv[1]);
	lab_write_all(req[1], line, (size_t)n);                 /* write() the request */

	/* TODO 4: close the request pipe's write end: this is the end of file
	 * the child's read() is waiting for. */
	/* SOLUTION BEGIN */
	if (close(req[1]) < 0)
		lab_die("parent: close request pipe");
	/* SOLUTION END */

	size_t len = lab_read_reply(rep[0], reply, sizeof reply); /* read() the reply */
	fwrite(reply, 1, len, stdout);

	/* TODO 5: close the reply pipe's read end, then reap the child with
	 * waitpid() into status; it must have exited with status 0. */
	/* SOLUTION BEGIN */
	if (close(rep[0]) < 0)
		lab_die("parent: close reply pipe");
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			lab_die("waitpid %d", (int)pid);
	/* SOLUTION END */
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		errno = ECHILD;
		lab_die("the child server did not exit with status 0");
	}
	return 0;
}

/* The child: the server.  Never returns. */
static void serve_child(int req[2], int rep[2])
{
	char name[LAB_NAME_MAX + 2], reply[LAB_REPLY_MAX + 1];

	/* TODO 6: in the child, close the two ends it does not use: the write
	 * end of the request pipe and the read end of the reply pipe. */
	/* SOLUTION BEGIN */
	if (close(req[1]) < 0 || close(rep[0]) < 0)
		lab_die("child: close unused ends");
	/* SOLUTION END */

	size_t len = lab_read_line(req[0], name, sizeof name); /* read() up to "\n" */
	size_t n = lab_greeting(reply, sizeof reply, name, len);
	lab_write_all(rep[1], reply, n);                       /* write() the reply */

	/* TODO 7: close the child's two remaining ends, then leave with
	 * _exit(0): exit() would flush stdio buffers copied from the parent. */
	/* SOLUTION BEGIN */
	if (close(req[0]) < 0 || close(rep[1]) < 0)
		lab_die("child: close");
	_exit(0);
	/* SOLUTION END */
	_exit(1); /* reached only while TODO 7 is missing */
}
