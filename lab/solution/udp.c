/*
 * udp.c - exercise 6: a UDP server and its client on the loopback address.
 *
 * The life cycle of exercise 4 with an IP address: socket, bind, then
 * recvfrom/sendto; no listen, no accept.  Unlike a Unix datagram socket, UDP
 * may drop a datagram (a full receive buffer drops it, and nobody tells the
 * sender); it has a checksum, so a corrupted datagram is discarded rather
 * than delivered.  The client needs no bind(): its first sendto() gives it
 * an ephemeral port, and that is where the reply comes back.
 *
 *   ./udp server DIR COUNT     ./udp client 127.0.0.1:PORT NAME
 */
#include "lab.h"

#include <sys/time.h>

static int run_server(const char *dir, int count)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof addr;
	char where[64];
	int fd = -1;

	lab_server_inet_address(&addr, where, sizeof where); /* 127.0.0.1, port 0 or $LAB_PORT */
	(void)dir;  /* nothing of UDP lives in the file system */

	/* TODO 1: create the socket: socket(AF_INET, SOCK_DGRAM, 0) into fd. */
	/* SOLUTION BEGIN */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		lab_die("socket");
	/* SOLUTION END */

	/* TODO 2: bind() fd to addr (port 0: the kernel picks a free port). */
	/* SOLUTION BEGIN */
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
		lab_die("bind %s", where);
	/* SOLUTION END */

	if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0)
		lab_die("getsockname");
	snprintf(where, sizeof where, "127.0.0.1:%u", ntohs(addr.sin_port));
	lab_ready(where);

	for (int i = 0; i < count; i++) {
		struct sockaddr_in peer;
		socklen_t peer_len = sizeof peer;
		char name[LAB_NAME_MAX + 1], reply[LAB_REPLY_MAX + 1];
		ssize_t got = -1;

		/* TODO 3: recvfrom() one request into name (at most LAB_NAME_MAX
		 * bytes) and got, the sender's address into peer and peer_len,
		 * with the flag MSG_TRUNC: got is then the datagram's real length,
		 * and a name too long is answered with an error, not cut short. */
		/* SOLUTION BEGIN */
		got = recvfrom(fd, name, LAB_NAME_MAX, MSG_TRUNC, (struct sockaddr *)&peer,
			       &peer_len);
		if (got < 0)
			lab_die("recvfrom");
		/* SOLUTION END */
		if (got < 0) {
			errno = EBADMSG;
			lab_die("no request received");
		}

		size_t n = lab_greeting(reply, sizeof reply, name, (size_t)got);

		/* TODO 4: sendto() the reply (n bytes) back to peer. */
		/* SOLUTION BEGIN */
		if (sendto(fd, reply, n, 0, (struct sockaddr *)&peer, peer_len) != (ssize_t)n)
			lab_die("sendto");
		/* SOLUTION END */
	}

	/* TODO 5: close the socket (nothing to unlink). */
	/* SOLUTION BEGIN */
	if (close(fd) < 0)
		lab_die("close");
	/* SOLUTION END */
	return 0;
}

static int run_client(const char *where, const char *name)
{
	struct sockaddr_in server;
	struct timeval wait = { .tv_sec = 2 };
	char reply[LAB_REPLY_MAX + 1];
	int fd = -1;
	ssize_t got = -1;

	lab_inet_address(&server, where);

	/* TODO 6: create the client's socket (AF_INET, SOCK_DGRAM) into fd, and
	 * give it a receive time-out of 2 s: setsockopt(SOL_SOCKET, SO_RCVTIMEO)
	 * with `wait`.  A lost datagram is never resent by UDP, and a server
	 * may never answer: without a time-out, recvfrom() waits for ever. */
	/* SOLUTION BEGIN */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		lab_die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait) < 0)
		lab_die("setsockopt SO_RCVTIMEO");
	/* SOLUTION END */

	/* TODO 7: sendto() the name (strlen(name) bytes) to server. */
	/* SOLUTION BEGIN */
	if (sendto(fd, name, strlen(name), 0, (struct sockaddr *)&server, sizeof server) < 0)
		lab_die("sendto %s", where);
	/* SOLUTION END */

	/* TODO 8: recvfrom() (or recv()) the reply into reply and got.  When
	 * the time-out passes, it fails with EAGAIN: then say so plainly, e.g.
	 * lab_die("no reply from %s within 2 s", where). */
	/* SOLUTION BEGIN */
	got = recvfrom(fd, reply, sizeof reply, 0, NULL, NULL);
	if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		lab_die("no reply from %s within 2 s", where);
	if (got < 0)
		lab_die("recvfrom %s", where);
	/* SOLUTION END */
	if (got < 0) {
		errno = EBADMSG;
		lab_die("no reply received");
	}
	fwrite(reply, 1, (size_t)got, stdout);

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
