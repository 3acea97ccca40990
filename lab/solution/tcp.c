/*
 * tcp.c - exercise 5: a TCP server and its client on the loopback address.
 *
 * The life cycle of exercise 3 with an IP address instead of a path: the
 * server binds 127.0.0.1 and port 0, which means "any free port"; the kernel
 * picks one and getsockname() tells which.  Nothing is created in the file
 * system, so there is nothing to unlink; a closed connection waits a while
 * in TIME_WAIT instead (see `ss -tan`).  Loopback traffic never leaves the
 * host, yet it runs through the whole TCP stack.
 *
 *   ./tcp server DIR COUNT     ./tcp client 127.0.0.1:PORT NAME
 */
#include "lab.h"

static int run_server(const char *dir, int count)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof addr;
	char where[64];
	int lfd = -1, on = 1;

	lab_server_inet_address(&addr, where, sizeof where); /* 127.0.0.1, port 0 or $LAB_PORT */
	(void)dir;  /* nothing of TCP lives in the file system */

	/* TODO 1: create the listening socket: socket(AF_INET, SOCK_STREAM, 0). */
	/* SOLUTION BEGIN */
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		lab_die("socket");
	/* SOLUTION END */

	/* TODO 2: set SO_REUSEADDR with setsockopt() (a restarted server can then
	 * bind its port while old connections sit in TIME_WAIT: the grader
	 * restarts your server on the port it just used), then bind() lfd to
	 * addr. */
	/* SOLUTION BEGIN */
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0)
		lab_die("setsockopt SO_REUSEADDR");
	if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0)
		lab_die("bind %s", where);
	/* SOLUTION END */

	/* TODO 3: listen() on lfd. */
	/* SOLUTION BEGIN */
	if (listen(lfd, SOMAXCONN) < 0)
		lab_die("listen");
	/* SOLUTION END */

	if (getsockname(lfd, (struct sockaddr *)&addr, &len) < 0)
		lab_die("getsockname");  /* which port did bind() pick? */
	snprintf(where, sizeof where, "127.0.0.1:%u", ntohs(addr.sin_port));
	lab_ready(where);

	for (int i = 0; i < count; i++) {
		char name[LAB_NAME_MAX + 2], reply[LAB_REPLY_MAX + 1];
		int cfd = -1;

		/* TODO 4: accept() the next connection into cfd. */
		/* SOLUTION BEGIN */
		cfd = accept(lfd, NULL, NULL);
		if (cfd < 0)
			lab_die("accept");
		/* SOLUTION END */

		size_t got = lab_read_line(cfd, name, sizeof name);   /* read() the request */
		size_t n = lab_greeting(reply, sizeof reply, name, got);
		lab_write_all(cfd, reply, n);                           /* write() the reply */

		/* TODO 5: close the connection's socket. */
		/* SOLUTION BEGIN */
		if (close(cfd) < 0)
			lab_die("close");
		/* SOLUTION END */
	}

	/* TODO 6: close the listening socket (nothing to unlink: no path). */
	/* SOLUTION BEGIN */
	if (close(lfd) < 0)
		lab_die("close");
	/* SOLUTION END */
	return 0;
}

static int run_client(const char *where, const char *name)
{
	struct sockaddr_in addr;
	char line[LAB_NAME_MAX + 2], reply[LAB_REPLY_MAX + 2];
	int fd = -1;

	lab_inet_address(&addr, where);

	/* TODO 7: create the client's socket (AF_INET, SOCK_STREAM); the kernel
	 * gives it an ephemeral port at connect(), no bind() needed. */
	/* SOLUTION BEGIN */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		lab_die("socket");
	/* SOLUTION END */

	/* TODO 8: connect() fd to addr. */
	/* SOLUTION BEGIN */
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
		lab_die("connect %s", where);
	/* SOLUTION END */

	int n = snprintf(line, sizeof line, "%s\n", name);
	lab_write_all(fd, line, (size_t)n);                       /* write() the request */
	size_t len = lab_read_reply(fd, reply, sizeof reply);     /* read() the reply */
	fwrite(reply, 1, len, stdout);

	/* TODO 9: close fd. */
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
