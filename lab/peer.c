/*
 * peer.c - two peers the grader needs and the reference solutions are not
 * (`lab/check.sh` builds it; the other reference peers are the solutions
 * themselves, built with -DLAB_REFERENCE, see lab.h).
 *
 *   peer silent unix DIR SECONDS   a Unix datagram server at DIR/unix_dgram.sock
 *   peer silent udp SECONDS        a UDP server on 127.0.0.1, any free port
 *       print "listening on ADDRESS", then read requests and never answer
 *       (each request is counted on stdout: "request N bytes"); exits
 *       after SECONDS.  A client must give up with a time-out of its own.
 *
 *   peer queue unix PATH N | peer queue tcp HOST:PORT N
 *       connect one client that says nothing, so that an iterative server
 *       is busy with it; then N more clients, non-blocking: each must be let
 *       in to wait in the listening socket's backlog.  Then every client
 *       sends its name and must get its reply.  Exit 0 if all did; 1, with
 *       the reason on stdout, if not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

static int fail(const char *what)
{
	printf("peer: %s: %s\n", what, strerror(errno));
	return 2;
}

static socklen_t address(const char *kind, const char *where, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (strcmp(kind, "unix") == 0) {
		struct sockaddr_un *u = (struct sockaddr_un *)ss;
		u->sun_family = AF_UNIX;
		snprintf(u->sun_path, sizeof u->sun_path, "%s", where);
		return sizeof *u;
	}
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	char host[64];
	const char *colon = strrchr(where, ':');
	if (!colon || (size_t)(colon - where) >= sizeof host)
		return 0;
	memcpy(host, where, (size_t)(colon - where));
	host[colon - where] = '\0';
	in->sin_family = AF_INET;
	in->sin_port = htons((unsigned short)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
		return 0;
	return sizeof *in;
}

static int silent(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char where[200];
	int unix_kind = strcmp(argv[2], "unix") == 0;
	if (argc != (unix_kind ? 5 : 4))
		return 2;
	if (unix_kind)
		snprintf(where, sizeof where, "%s/unix_dgram.sock", argv[3]);
	else
		snprintf(where, sizeof where, "127.0.0.1:0");
	alarm((unsigned)atoi(argv[unix_kind ? 4 : 3]));
	len = address(argv[2], where, &ss);
	int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0)
		return fail("socket");
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		return fail("bind");
	if (!unix_kind) {
		len = sizeof ss;
		if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
			return fail("getsockname");
		snprintf(where, sizeof where, "127.0.0.1:%u",
			 ntohs(((struct sockaddr_in *)&ss)->sin_port));
	}
	printf("listening on %s\n", where);
	fflush(stdout);
	for (;;) {
		char buf[512];
		ssize_t n = recv(fd, buf, sizeof buf, MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail("recv");
		printf("request %zd bytes\n", n);
		fflush(stdout);
	}
}

/* Read one reply to end of file (2 s at most). */
static int reply_of(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 2000) <= 0)
			return -1;
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0 || (len += (size_t)n) >= cap - 1)
			break;
	}
	buf[len] = '\0';
	return (int)len;
}

static int queue(int argc, char **argv)
{
	struct sockaddr_storage ss;
	if (argc != 5)
		return 2;
	int n = atoi(argv[4]);
	socklen_t len = address(argv[2], argv[3], &ss);
	if (!len || n < 1 || n > 64)
		return 2;
	int idle = socket(ss.ss_family, SOCK_STREAM, 0), fds[64];
	if (idle < 0)
		return fail("socket");
	if (connect(idle, (struct sockaddr *)&ss, len) < 0)
		return fail("connect");
	int in = 0;
	for (int i = 0; i < n; i++) {
		fds[i] = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fds[i] < 0)
			return fail("socket");
		if (connect(fds[i], (struct sockaddr *)&ss, len) == 0)
			in++;
		else if (errno == EINPROGRESS) { /* TCP: let in once the handshake ends */
			struct pollfd p = { fds[i], POLLOUT, 0 };
			int err = 0;
			socklen_t el = sizeof err;
			if (poll(&p, 1, 500) == 1 &&
			    getsockopt(fds[i], SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0)
				in++;
		}
	}
	if (in < n) {
		printf("with the server busy with one client, only %d of %d more clients could "
		       "wait to be accepted\n", in, n);
		return 1;
	}
	/* Now everyone speaks; the server answers the idle client first. */
	char name[32], buf[300];
	if (write(idle, "idle\n", 5) != 5)
		return fail("write");
	for (int i = 0; i < n; i++) {
		int k = snprintf(name, sizeof name, "waiting%d\n", i + 1);
		if (write(fds[i], name, (size_t)k) != k)
			return fail("write");
	}
	if (reply_of(idle, buf, sizeof buf) < 0 || strcmp(buf, "Hello, idle\n") != 0) {
		printf("the busy client got no reply (\"%s\")\n", buf);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char want[64];
		snprintf(want, sizeof want, "Hello, waiting%d\n", i + 1);
		if (reply_of(fds[i], buf, sizeof buf) < 0 || strcmp(buf, want) != 0) {
			printf("waiting client %d got no reply\n", i + 1);
			return 1;
		}
		close(fds[i]);
	}
	close(idle);
	printf("ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "silent") == 0)
		return silent(argc, argv);
	if (argc >= 4 && strcmp(argv[1], "queue") == 0)
		return queue(argc, argv);
	fprintf(stderr, "usage: peer silent unix DIR SECONDS | peer silent udp SECONDS | "
			"peer queue unix|tcp ADDRESS N\n");
	return 2;
}
