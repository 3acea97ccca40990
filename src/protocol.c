/* protocol.c - validation, replies and line framing; see protocol.h. */
#include "protocol.h"

#include <string.h>

#include "ipc.h"

/* Length of the UTF-8 sequence starting at s[0] (n bytes available), or 0
 * if it is not valid: overlong forms, surrogates (U+D800-DFFF), code points
 * above U+10FFFF and truncated sequences are all refused.  The code point is
 * stored in *cp. */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0];
	size_t need;
	unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		if (c == 0xE0)
			lo = 0xA0; /* would be overlong */
		if (c == 0xED)
			hi = 0x9F; /* would be a surrogate */
		c &= 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		if (c == 0xF0)
			lo = 0x90; /* would be overlong */
		if (c == 0xF4)
			hi = 0x8F; /* would pass U+10FFFF */
		c &= 0x07;
	} else {
		return 0; /* 0x80-0xC1: continuation or overlong lead; 0xF5+: out of range */
	}
	if (n < need + 1)
		return 0;
	for (size_t i = 1; i <= need; i++) {
		unsigned b = s[i];
		if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF))
			return 0;
		c = (c << 6) | (b & 0x3F);
	}
	*cp = c;
	return need + 1;
}

enum greet_verdict greet_check(const char *name, size_t len)
{
	const unsigned char *s = (const unsigned char *)name;

	if (len == 0)
		return GREET_EMPTY;
	if (len > GREET_NAME_MAX)
		return GREET_TOO_LONG;
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t k = utf8_decode(s + i, len - i, &cp);
		if (k == 0)
			return GREET_BAD_UTF8;
		/* C0 controls (NUL, TAB, CR, LF, ESC, ...), DEL and C1 controls:
		 * none belongs in a name, and each could corrupt a terminal or a
		 * line-based reply. */
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
			return GREET_CONTROL;
		i += k;
	}
	return GREET_OK;
}

const char *greet_reason(enum greet_verdict v)
{
	switch (v) {
	case GREET_OK:
		return "ok";
	case GREET_EMPTY:
		return "empty name";
	case GREET_TOO_LONG:
		return "name too long (max 255 bytes)";
	case GREET_BAD_UTF8:
		return "name is not valid UTF-8";
	case GREET_CONTROL:
		return "control character in name";
	}
	return "invalid name";
}

/* Append `src` to out at *at; callers guarantee the room. */
static void put(char *out, size_t *at, const char *src, size_t n)
{
	memcpy(out + *at, src, n);
	*at += n;
}

/* "ERR <reason>\n" */
static size_t refuse(enum greet_verdict v, char *out)
{
	const char *why = greet_reason(v);
	size_t at = 0;

	put(out, &at, "ERR ", 4);
	put(out, &at, why, strlen(why));
	out[at++] = '\n';
	return at;
}

size_t greet_reply(const char *name, size_t len, char *out, size_t cap)
{
	enum greet_verdict v = greet_check(name, len);
	size_t at = 0;

	if (cap < GREET_REPLY_MAX)
		return 0;
	if (v != GREET_OK)
		return refuse(v, out);
	put(out, &at, "Hello, ", 7);
	put(out, &at, name, len);
	out[at++] = '\n';
	return at;
}

size_t greet_datagram(const char *msg, size_t got, size_t real_len, char *out, size_t cap)
{
	if (cap < GREET_REPLY_MAX)
		return 0;
	if (real_len > got) /* truncated on receipt: never answer a cut name */
		return refuse(GREET_TOO_LONG, out);
	if (got > 0 && msg[got - 1] == '\n') {
		got--;
		if (got > 0 && msg[got - 1] == '\r')
			got--;
	}
	return greet_reply(msg, got, out, cap);
}

int greet_reply_status(const char *line, size_t len)
{
	if (len >= 8 && memcmp(line, "Hello, ", 7) == 0 && line[len - 1] == '\n')
		return IPC_OK;
	if (len >= 6 && memcmp(line, "ERR ", 4) == 0 && line[len - 1] == '\n')
		return IPC_ERR_REPLY;
	return IPC_PROTOCOL;
}

void greet_session_init(struct greet_session *s)
{
	memset(s, 0, sizeof *s);
}

char *greet_session_space(struct greet_session *s, size_t *room)
{
	if (s->start > 0) { /* slide the unfinished request to the front */
		memmove(s->in, s->in + s->start, s->end - s->start);
		s->end -= s->start;
		s->start = 0;
	}
	*room = sizeof s->in - s->end;
	return s->in + s->end;
}

void greet_session_received(struct greet_session *s, size_t n)
{
	s->end += n;
}

size_t greet_session_partial(const struct greet_session *s)
{
	return s->end - s->start;
}

size_t greet_session_answer(struct greet_session *s, char *out, size_t cap)
{
	size_t at = 0;

	while (s->start < s->end && cap - at >= GREET_REPLY_MAX) {
		char *line = s->in + s->start;
		size_t avail = s->end - s->start;
		char *nl = memchr(line, '\n', avail);

		if (s->discarding) { /* the tail of an over-long line */
			if (!nl) {
				s->start = s->end;
				break;
			}
			s->discarding = false;
			s->start += (size_t)(nl - line) + 1;
			continue;
		}
		if (!nl) {
			/* No end of line yet.  Wait for more, unless what we hold
			 * can no longer be a valid name (255 bytes + '\r'). */
			if (avail <= GREET_NAME_MAX + 1)
				break;
			at += refuse(GREET_TOO_LONG, out + at);
			s->refused++;
			s->answered++;
			s->discarding = true;
			s->start = s->end;
			break;
		}
		size_t len = (size_t)(nl - line);
		if (len > 0 && line[len - 1] == '\r')
			len--;
		size_t n = greet_reply(line, len, out + at, cap - at);
		if (out[at] == 'E')
			s->refused++;
		s->answered++;
		at += n;
		s->start += (size_t)(nl - line) + 1;
	}
	if (s->start == s->end)
		s->start = s->end = 0;
	return at;
}
