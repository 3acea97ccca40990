/*
 * protocol.h - the greeting protocol, written once for every transport.
 *
 * A request is a name: 1 to 255 bytes of valid UTF-8 without control
 * characters.  The reply is "Hello, <name>\n", or "ERR <reason>\n" for an
 * invalid name.  On byte streams a request ends with "\n" ("\r\n" accepted);
 * on datagrams one datagram holds one request.  See docs/PROTOCOL.md.
 *
 * Nothing here does I/O: the server loops (server.c, and later the event
 * loops) feed bytes in and write the replies out, so the framing rules live
 * in exactly one place.
 */
#ifndef IPCLAB_PROTOCOL_H
#define IPCLAB_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>

#define GREET_NAME_MAX 255
#define GREET_REPLY_MAX (sizeof "Hello, " - 1 + GREET_NAME_MAX + 1) /* 263 */
#define GREET_INBUF 4096  /* per-connection input buffer: the memory bound */
#define GREET_DGRAM_MAX 512 /* receive buffer for a request datagram */

enum greet_verdict {
	GREET_OK,
	GREET_EMPTY,
	GREET_TOO_LONG,
	GREET_BAD_UTF8,
	GREET_CONTROL,
};

/* Is `name` (len bytes, no terminator needed) a valid name? */
enum greet_verdict greet_check(const char *name, size_t len);
/* "empty name", "name too long (max 255 bytes)", ... */
const char *greet_reason(enum greet_verdict v);

/* Write the reply to `name` into out (cap >= GREET_REPLY_MAX); returns its
 * length.  Invalid names get "ERR <reason>\n". */
size_t greet_reply(const char *name, size_t len, char *out, size_t cap);

/* Answer one request datagram: `got` bytes of it are in msg, `real_len` is
 * its size on the wire (larger when the datagram was truncated). */
size_t greet_datagram(const char *msg, size_t got, size_t real_len, char *out, size_t cap);

/* Classify a reply line: 0 for Hello, 1 (IPC_ERR_REPLY) for ERR, 7
 * (IPC_PROTOCOL) for anything else. */
int greet_reply_status(const char *line, size_t len);

/*
 * One byte-stream connection's state.  Bytes go in through space() and
 * received(); answer() turns every complete line into its reply.  An
 * over-long line gets one ERR and the rest of it is dropped as it arrives,
 * so a client can never make the server hold more than GREET_INBUF bytes.
 */
struct greet_session {
	char in[GREET_INBUF];
	size_t start;      /* first unprocessed byte */
	size_t end;        /* one past the last received byte */
	bool discarding;   /* inside an over-long line: drop up to its '\n' */
	unsigned long answered;  /* replies produced, Hello and ERR */
	unsigned long refused;   /* of which ERR */
};

void greet_session_init(struct greet_session *s);
/* Where the next bytes should be read to, and how many fit (never 0). */
char *greet_session_space(struct greet_session *s, size_t *room);
void greet_session_received(struct greet_session *s, size_t n);
/* Append replies for complete requests to out while a whole reply still
 * fits; returns the bytes appended (0: nothing to answer yet). */
size_t greet_session_answer(struct greet_session *s, char *out, size_t cap);
/* Bytes of a request not finished yet (for "vanished mid-request" logs). */
size_t greet_session_partial(const struct greet_session *s);

#endif
