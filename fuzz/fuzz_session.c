/*
 * fuzz_session.c - libFuzzer target: line framing and the request parser of
 * every byte-stream server (struct greet_session, src/protocol.c).
 *
 * The input is a byte stream as a client could send it; its first byte
 * chooses how it is cut into reads (1 to 256 bytes each), because framing
 * bugs hide at read boundaries.  The bytes are fed the way serve_iterative
 * and serve_mux feed them, and every reply produced is compared with a
 * model that needs no buffer: split the whole input at '\n' and answer each
 * line with greet_reply(); an unfinished last line longer than any name gets
 * the one "too long" error.  Any difference aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

#define MODEL_CAP (1 << 20)

static size_t model(const uint8_t *in, size_t n, char *out, size_t cap)
{
	size_t at = 0, start = 0;

	for (size_t i = 0; i <= n && at + GREET_REPLY_MAX <= cap; i++) {
		if (i < n && in[i] != '\n')
			continue;
		size_t len = i - start;
		const char *line = (const char *)in + start;
		if (i == n) { /* unfinished: answered only once it cannot be a name */
			if (len > GREET_NAME_MAX + 1)
				at += greet_reply(line, GREET_NAME_MAX + 1, out + at, cap - at);
			break;
		}
		if (len > 0 && line[len - 1] == '\r')
			len--;
		at += greet_reply(line, len, out + at, cap - at);
		start = i + 1;
	}
	return at;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct greet_session s;
	static char got[MODEL_CAP], want[MODEL_CAP];
	char out[3 * GREET_REPLY_MAX];

	if (size < 1 || size > 64 * 1024)
		return 0;
	unsigned step = data[0] + 1u;
	data++, size--;

	greet_session_init(&s);
	size_t at = 0;
	for (size_t fed = 0; fed < size;) {
		size_t room, n;
		char *space = greet_session_space(&s, &room);
		if (room == 0)
			abort(); /* the session promises room for at least one byte */
		n = size - fed < step ? size - fed : step;
		if (n > room)
			n = room;
		memcpy(space, data + fed, n);
		greet_session_received(&s, n);
		fed += n;
		while ((n = greet_session_answer(&s, out, sizeof out)) > 0) {
			if (at + n > sizeof got)
				return 0;
			memcpy(got + at, out, n);
			at += n;
		}
	}
	size_t wlen = model(data, size, want, sizeof want);
	if (wlen != at || memcmp(got, want, at) != 0)
		abort();
	/* Every reply is one line: "Hello, <name>\n" or "ERR <reason>\n". */
	for (size_t i = 0; i < at;) {
		const char *nl = memchr(got + i, '\n', at - i);
		if (!nl || greet_reply_status(got + i, (size_t)(nl - got - i) + 1) > 1)
			abort();
		i = (size_t)(nl - got) + 1;
	}
	if (greet_session_partial(&s) > GREET_INBUF)
		abort();
	return 0;
}
