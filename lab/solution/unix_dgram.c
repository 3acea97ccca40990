/*
 * unix_dgram.c - exercise 4: a Unix datagram server and its client.
 *
 * No connection, so no listen() and no accept(): the server binds one
 * socket and every client's request arrives on it as one datagram, with the
 * sender's address beside it.  To be answered, a client must have an
 * address too, so it binds a path of its own.  On Linux, Unix datagrams are
 * reliable and ordered: a full receive queue makes the sender wait; nothing
 * is dropped.
 *
 *   ./unix_dgram server DIR COUNT     ./unix_dgram client DIR/unix_dgram.sock NAME
 */
#include "lab.h"

#include <sys/time.h>

static int run_server(const char *dir, int count)
{
	struct sockaddr_un addr;
	int fd = -1;

	lab_unix_address(&addr, dir, "unix_dgram.sock");

	/* TODO 1: create the socket: socket(AF_UNIX, SOCK_DGRAM, 0) into fd. */
	/* SOLUTION BEGIN */
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0)
		lab_die("socket");
	/* SOLUTION END */

	/* TODO 2: bind() fd to addr (and nothing else: no listen(), no accept()).
	 * As in exercise 3, if the path exists already, bind() fails with
	 * EADDRINUSE: report it, never unlink() a path you did not create. */
	/* SOLUTION BEGIN */
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
		lab_die("bind %s", addr.sun_path);
	/* SOLUTION END */

	lab_ready(addr.sun_path);
	for (int i = 0; i < count; i++) {
		struct sockaddr_un peer;
		socklen_t peer_len = sizeof peer;
		char name[LAB_NAME_MAX + 1], reply[LAB_REPLY_MAX + 1];
		ssize_t got = -1;

		/* TODO 3: receive one request with recvfrom() into name (at most
		 * LAB_NAME_MAX bytes) and got, with the sender's address in peer
		 * and peer_len.  Pass the flag MSG_TRUNC: got is then the
		 * datagram's real length even when it did not fit, and a name too
		 * long is answered with an error instead of being cut short. */
		/* SOLUTION BEGIN */
		got = recvfrom(fd, name, LAB_NAME_MAX, MSG_TRUNC, (struct sockaddr *)&peer,
			       &peer_len);
		if (got < 0)
			lab_die("recvfrom %s", addr.sun_path);
		/* SOLUTION END */
		if (got < 0) {
			errno = EBADMSG;
			lab_die("no request received");
		}

		size_t n = lab_greeting(reply, sizeof reply, name, (size_t)got);

		/* TODO 4: send the reply (n bytes) back to peer with sendto(). */
		/* SOLUTION BEGIN */
		if (sendto(fd, reply, n, 0, (struct sockaddr *)&peer, peer_len) != (ssize_t)n)
			lab_die("sendto %s", peer.sun_path);
		/* SOLUTION END */
	}

	/* TODO 5: close the socket and unlink() its path. */
	/* SOLUTION BEGIN */
	if (close(fd) < 0)
		lab_die("close");
	if (unlink(addr.sun_path) < 0)
		lab_die("unlink %s", addr.sun_path);
	/* SOLUTION END */
	return 0;
}

static int run_client(const char *server_path, const char *name)
{
	struct sockaddr_un server, own;
	struct timeval wait = { .tv_sec = 2 };
	char dir[sizeof server.sun_path], file[64], reply[LAB_REPLY_MAX + 1];
	int fd = -1;
	ssize_t got = -1;

	lab_dirname(dir, sizeof dir, server_path);
	lab_unix_address(&server, dir, strrchr(server_path, '/') ? strrchr(server_path, '/') + 1
								  : server_path);
	snprintf(file, sizeof file, "client-%d.dgram", (int)getpid());
	lab_unix_address(&own, dir, file);

	/* TODO 6: create the client's socket (AF_UNIX, SOCK_DGRAM) into fd, and
	 * give it a receive time-out of 2 s: setsockopt(SOL_SOCKET, SO_RCVTIMEO)
	 * with `wait`.  Nothing is lost on a Unix datagram socket, but a server
	 * may never answer: without a time-out, recvfrom() waits for ever. */
	/* SOLUTION BEGIN */
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0)
		lab_die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait) < 0)
		lab_die("setsockopt SO_RCVTIMEO");
	/* SOLUTION END */

	/* TODO 7: bind() fd to own: without an address of its own, the client
	 * could send but the server's reply would have nowhere to go. */
	/* SOLUTION BEGIN */
	if (bind(fd, (struct sockaddr *)&own, sizeof own) < 0)
		lab_die("bind %s", own.sun_path);
	/* SOLUTION END */

	/* TODO 8: send the name (strlen(name) bytes, no "\n") to server with
	 * sendto(): one datagram is one request. */
	/* SOLUTION BEGIN */
	if (sendto(fd, name, strlen(name), 0, (struct sockaddr *)&server, sizeof server) < 0)
		lab_die("sendto %s", server.sun_path);
	/* SOLUTION END */

	/* TODO 9: receive the reply with recvfrom() (or recv()) into reply and
	 * got.  When the time-out passes, it fails with EAGAIN: then say so
	 * plainly, e.g. lab_die("no reply from %s within 2 s", server_path). */
	/* SOLUTION BEGIN */
	got = recvfrom(fd, reply, sizeof reply, 0, NULL, NULL);
	if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		lab_die("no reply from %s within 2 s", server_path);
	if (got < 0)
		lab_die("recvfrom");
	/* SOLUTION END */
	if (got < 0) {
		errno = EBADMSG;
		lab_die("no reply received");
	}
	fwrite(reply, 1, (size_t)got, stdout);

	/* TODO 10: close fd and unlink() own.sun_path: it was ours. */
	/* SOLUTION BEGIN */
	if (close(fd) < 0)
		lab_die("close");
	if (unlink(own.sun_path) < 0)
		lab_die("unlink %s", own.sun_path);
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
