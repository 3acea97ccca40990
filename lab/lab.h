/*
 * lab.h - the helpers every lab exercise may use.  They are not part of
 * the exercises: the system calls of each life cycle are yours to write in
 * the exercise files; reading a line, writing it all and reporting an error
 * are done here once.
 *
 * Every exercise program is run the same way:
 *
 *   ./PROG server DIR COUNT   create the endpoint in DIR, print
 *                             "listening on ADDRESS" on stdout, answer COUNT
 *                             requests, clean up and exit 0
 *   ./PROG client ADDRESS NAME   send NAME, print the reply on stdout
 *   ./pipe NAME               (the pipe: one process forks its own server)
 *
 * The protocol is ipclab's greeting: the request is a name (on a byte
 * stream, followed by "\n"), the reply is "Hello, NAME\n".
 */
#ifndef LAB_H
#define LAB_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* program_invocation_short_name */
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef LAB_REFERENCE
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <time.h>
#endif

#define LAB_NAME_MAX 255                 /* bytes in a name */
#define LAB_REPLY_MAX (7 + LAB_NAME_MAX + 1) /* "Hello, " NAME "\n" */

/* Print "PROG: WHAT: strerror(errno)" on stderr and exit 1. */
__attribute__((noreturn, format(printf, 1, 2)))
static inline void lab_die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	fputs(program_invocation_short_name, stderr);
	fputs(": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", err ? strerror(err) : "failed");
	exit(1);
}

#ifdef LAB_REFERENCE
/* The grader's reference peers are the reference solutions built with
 * -DLAB_REFERENCE.  They are the awkward peers a real network gives you:
 * they write a line in three pieces, each only once the other side has
 * read the one before, and they read one byte per read().  A program that
 * writes or reads once, and hopes, fails against them. */
static inline void lab_pause_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}
/* Wait (at most 300 ms) until the bytes written to fd have been read. */
static inline void lab_wait_read(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int queued = 0, inet = getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
			       ss.ss_family == AF_INET;
	for (int i = 0; i < 300; i++) {
		/* a Unix socket counts the bytes its peer has not read yet, a
		 * pipe or FIFO the bytes in its buffer; TCP only what is not
		 * yet acknowledged, so it gets a pause as well */
		if (ioctl(fd, SIOCOUTQ, &queued) < 0 && ioctl(fd, FIONREAD, &queued) < 0)
			break;
		if (queued == 0)
			break;
		lab_pause_ms(1);
	}
	if (inet)
		lab_pause_ms(60);
}
#define LAB_READ_STEP(cap) ((cap) > 0 ? 1 : 0)
#else
#define LAB_READ_STEP(cap) (cap)
#endif

/* write() until all `len` bytes are out: a stream may take fewer. */
static inline void lab_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
#ifdef LAB_REFERENCE
	/* A line (it ends in "\n") goes in three pieces; a record whole. */
	if (len >= 3 && p[len - 1] == '\n') {
		size_t cut[2] = { 1, (len - 1) / 2 };
		for (int i = 0; i < 2; i++) {
			lab_write_all(fd, p, cut[i]);
			lab_wait_read(fd);
			p += cut[i];
			len -= cut[i];
		}
	}
#endif
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			lab_die("write fd %d", fd);
		p += n;
		len -= (size_t)n;
	}
}

/* read() from a byte stream until "\n" or end of file; returns the length
 * of the name (without "\n"), and the name is NUL-terminated.  A line that
 * does not fit in `cap` is not read further: the result is then
 * LAB_NAME_MAX + 1, which lab_greeting() answers with an error.  One request
 * per connection, so reading past the "\n" cannot happen. */
static inline size_t lab_read_line(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	for (;;) {
		if (len + 1 >= cap) {
			buf[0] = '\0';
			return LAB_NAME_MAX + 1; /* too long: never cut it short */
		}
		ssize_t n = read(fd, buf + len, LAB_READ_STEP(cap - 1 - len));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			lab_die("read fd %d", fd);
		if (n == 0)
			break; /* end of file: the writer closed */
		len += (size_t)n;
		if (buf[len - 1] == '\n') {
			len--;
			break;
		}
	}
	buf[len] = '\0';
	return len;
}

/* read() a reply from a byte stream until "\n" or end of file, the "\n"
 * kept: the client prints exactly the bytes the server sent.  (The
 * reference client reads on to end of file: a byte after the "\n" is
 * then printed too, and a server that never closes is seen to hang.) */
static inline size_t lab_read_reply(int fd, char *buf, size_t cap)
{
	size_t len = 0;
#ifdef LAB_REFERENCE
	while (len < cap) {
#else
	while (len < cap && (len == 0 || buf[len - 1] != '\n')) {
#endif
		ssize_t n = read(fd, buf + len, LAB_READ_STEP(cap - len));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			lab_die("read fd %d", fd);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return len;
}

/* The reply to `name` of `len` bytes: "Hello, NAME\n", or an error line
 * for a name longer than LAB_NAME_MAX (a datagram received with MSG_TRUNC
 * reports its real length).  Returns the reply's length. */
static inline size_t lab_greeting(char *out, size_t cap, const char *name, size_t len)
{
	int n = len > LAB_NAME_MAX
		? snprintf(out, cap, "ERR name too long (max %d bytes)\n", LAB_NAME_MAX)
		: snprintf(out, cap, "Hello, %.*s\n", (int)len, name);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* DIR/FILE into a sockaddr_un (and into `path`), or die if it cannot fit
 * in sun_path (108 bytes on Linux, the NUL included). */
static inline void lab_unix_address(struct sockaddr_un *a, const char *dir, const char *file)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	if ((size_t)snprintf(a->sun_path, sizeof a->sun_path, "%s/%s", dir, file) >=
	    sizeof a->sun_path) {
		errno = ENAMETOOLONG;
		lab_die("socket path %s/%s", dir, file);
	}
}

/* "127.0.0.1:PORT" into a sockaddr_in, or die. */
static inline void lab_inet_address(struct sockaddr_in *a, const char *text)
{
	char host[64];
	const char *colon = strrchr(text, ':');
	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	if (!colon || (size_t)(colon - text) >= sizeof host) {
		errno = EINVAL;
		lab_die("address %s (want HOST:PORT)", text);
	}
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end || port > 65535 || inet_pton(AF_INET, host, &a->sin_addr) != 1) {
		errno = EINVAL;
		lab_die("address %s (want HOST:PORT)", text);
	}
	a->sin_port = htons((unsigned short)port);
}

/* The server's address for TCP and UDP: 127.0.0.1 and port 0 (the kernel
 * picks a free port), or the port in the environment variable LAB_PORT
 * (the grader restarts a server on the port it had).  The address as text
 * goes into `text`, for error messages. */
static inline void lab_server_inet_address(struct sockaddr_in *a, char *text, size_t cap)
{
	const char *port = getenv("LAB_PORT");
	snprintf(text, cap, "127.0.0.1:%s", port && *port ? port : "0");
	lab_inet_address(a, text);
}

/* Tell whoever started the server where it can be reached. */
static inline void lab_ready(const char *address)
{
	printf("listening on %s\n", address);
	fflush(stdout);
}

/* The server's COUNT argument: a whole number from 1 to 1000. */
static inline int lab_count(const char *text)
{
	char *end;
	long n = strtol(text, &end, 10);
	if (*end || n < 1 || n > 1000) {
		errno = EINVAL;
		lab_die("COUNT '%s' (want 1 to 1000)", text);
	}
	return (int)n;
}

/* The directory part of a path, into `out`. */
static inline void lab_dirname(char *out, size_t cap, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 1;
	if (n >= cap) {
		errno = ENAMETOOLONG;
		lab_die("path %s", path);
	}
	memcpy(out, slash ? path : ".", n);
	out[n] = '\0';
}

static inline int lab_usage(void)
{
	fprintf(stderr, "usage: %s server DIR COUNT | %s client ADDRESS NAME\n",
		program_invocation_short_name, program_invocation_short_name);
	return 2;
}

#endif
