/*
 * unix_stream.c - exercise 3: a Unix stream socket server and its client.
 *
 * The server is the iterative server of the lecture: one connection socket
 * (the listening one) that only takes connections, and one data socket per
 * client, returned by accept().  Fill in the numbered TODOs with the system
 * calls of the life cycle; everything else is given.
 *
 *   ./unix_stream server DIR COUNT     ./unix_stream client DIR/unix_stream.sock NAME
 */
#include "lab.h"

static int run_server(const char *dir, int count)
{
	struct sockaddr_un addr;
	int lfd = -1; /* the connection socket: takes connections, never data */

	lab_unix_address(&addr, dir, "unix_stream.sock");

	/* TODO 1: create the connection socket with socket(AF_UNIX, SOCK_STREAM, 0)
	 * into lfd; on failure call lab_die("socket"). */
	/* SOLUTION BEGIN */
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0)
		lab_die("socket");
	/* SOLUTION END */

	/* TODO 2: name it: bind() lfd to addr.  If the path exists already, bind()
	 * fails with EADDRINUSE: report it, never unlink() a path you did not
	 * create (a live server may own it). */
	/* SOLUTION BEGIN */
	if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0)
		lab_die("bind %s", addr.sun_path);
	/* SOLUTION END */

	/* TODO 3: make it a listening socket with listen(); from now on the
	 * kernel completes connect()s into its backlog, before any accept(). */
	/* SOLUTION BEGIN */
	if (listen(lfd, SOMAXCONN) < 0)
		lab_die("listen %s", addr.sun_path);
	/* SOLUTION END */

	lab_ready(addr.sun_path);
	for (int i = 0; i < count; i++) {
		char name[LAB_NAME_MAX + 2], reply[LAB_REPLY_MAX + 1];
		int cfd = -1; /* the data socket of this one client */

		/* TODO 4: take the next client from the backlog with accept(lfd, ...)
		 * into cfd (you need not know its address: pass NULL, NULL). */
		/* SOLUTION BEGIN */
		cfd = accept(lfd, NULL, NULL);
		if (cfd < 0)
			lab_die("accept");
		/* SOLUTION END */

		size_t len = lab_read_line(cfd, name, sizeof name);   /* read() the request */
		size_t n = lab_greeting(reply, sizeof reply, name, len);
		lab_write_all(cfd, reply, n);                           /* write() the reply */

		/* TODO 5: close the data socket: this client is done. */
		/* SOLUTION BEGIN */
		if (close(cfd) < 0)
			lab_die("close data socket");
		/* SOLUTION END */
	}

	/* TODO 6: close the connection socket. */
	/* SOLUTION BEGIN */
	if (close(lfd) < 0)
		lab_die("close connection socket");
	/* SOLUTION END */

	/* TODO 7: remove the socket's name from the file system with unlink():
	 * closing the socket does not. */
	/* SOLUTION BEGIN */
	if (unlink(addr.sun_path) < 0)
		lab_die("unlink %s", addr.sun_path);
	/* SOLUTION END */
	return 0;
}

static int run_client(const char *path, const char *name)
{
	struct sockaddr_un addr;
	char reply[LAB_REPLY_MAX + 2];
	int fd = -1;

	if (strlen(path) >= sizeof addr.sun_path) {
		errno = ENAMETOOLONG;
		lab_die("socket path %s", path);
	}
	memset(&addr, 0, sizeof addr);
	addr.sun_family = AF_UNIX;
	strcpy(addr.sun_path, path);

	/* TODO 8: create the client's socket (AF_UNIX, SOCK_STREAM) into fd.  It
	 * needs no bind(): the server never has to find the client by name. */
	/* SOLUTION BEGIN */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		lab_die("socket");
	/* SOLUTION END */

	/* TODO 9: connect() fd to addr. */
	/* SOLUTION BEGIN */
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
		lab_die("connect %s", path);
	/* SOLUTION END */

	char line[LAB_NAME_MAX + 2];
	int n = snprintf(line, sizeof line, "%s\n", name);
	lab_write_all(fd, line, (size_t)n);                       /* write() the request */
	size_t len = lab_read_reply(fd, reply, sizeof reply);     /* read() the reply */
	fwrite(reply, 1, len, stdout);

	/* TODO 10: close the socket. */
	/* SOLUTION BEGIN */
	if (close(fd) < 0)
		lab_die("close");
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
