/* test_protocol.c - every validity rule of a name and its boundary, replies,
 * datagram handling and the byte-stream framing of greet_session. */
#include "support.h"

#include <string.h>

#include "protocol.h"

#define CHECK(str, verdict) assert_int_equal(greet_check(str, sizeof(str) - 1), verdict)

static void test_valid_names(void **state)
{
	(void)state;
	CHECK("Alice", GREET_OK);
	CHECK("a", GREET_OK);
	CHECK("Jean-Luc Picard", GREET_OK);         /* spaces and punctuation are fine */
	CHECK("Zo\xc3\xab", GREET_OK);              /* U+00EB, 2 bytes */
	CHECK("\xe6\x97\xa5\xe6\x9c\xac", GREET_OK);  /* CJK, 3 bytes each */
	CHECK("\xf0\x9f\x98\x80", GREET_OK);        /* U+1F600, 4 bytes */
	CHECK("\xc2\xa0", GREET_OK);                /* U+00A0, first non-control above C1 */
	CHECK("\xef\xbf\xbd", GREET_OK);            /* U+FFFD */
	CHECK("\xf4\x8f\xbf\xbf", GREET_OK);        /* U+10FFFF, the last code point */
	CHECK("~", GREET_OK);                       /* 0x7E, just below DEL */
}

static void test_empty(void **state)
{
	(void)state;
	assert_int_equal(greet_check("", 0), GREET_EMPTY);
}

static void test_length_boundary(void **state)
{
	(void)state;
	char name[300];
	memset(name, 'x', sizeof name);
	assert_int_equal(greet_check(name, 255), GREET_OK);
	assert_int_equal(greet_check(name, 256), GREET_TOO_LONG);
	assert_int_equal(greet_check(name, 300), GREET_TOO_LONG);

	/* Multi-byte characters at the limit: 253 ASCII + 2-byte char = 255 bytes. */
	memcpy(name + 253, "\xc3\xa9", 2);
	assert_int_equal(greet_check(name, 255), GREET_OK);
	/* ... and a 2-byte char straddling the limit makes 256 bytes: too long,
	 * and never cut in the middle of a character. */
	memset(name, 'x', sizeof name);
	memcpy(name + 254, "\xc3\xa9", 2);
	assert_int_equal(greet_check(name, 256), GREET_TOO_LONG);
	/* 4-byte char ending exactly at byte 255 */
	memset(name, 'x', sizeof name);
	memcpy(name + 251, "\xf0\x9f\x98\x80", 4);
	assert_int_equal(greet_check(name, 255), GREET_OK);
	/* Truncated 4-byte char at the end of a 255-byte name */
	assert_int_equal(greet_check(name, 254), GREET_BAD_UTF8);
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	CHECK("\x80", GREET_BAD_UTF8);              /* lone continuation byte */
	CHECK("a\xbf" "b", GREET_BAD_UTF8);
	CHECK("\xc3", GREET_BAD_UTF8);              /* truncated 2-byte */
	CHECK("\xe6\x97", GREET_BAD_UTF8);          /* truncated 3-byte */
	CHECK("\xc3\x28", GREET_BAD_UTF8);          /* bad continuation */
	CHECK("\xc0\xaf", GREET_BAD_UTF8);          /* overlong '/' */
	CHECK("\xc1\xbf", GREET_BAD_UTF8);          /* overlong */
	CHECK("\xe0\x80\xaf", GREET_BAD_UTF8);      /* overlong 3-byte '/' */
	CHECK("\xe0\x9f\xbf", GREET_BAD_UTF8);      /* overlong: U+07FF in 3 bytes */
	CHECK("\xe0\xa0\x80", GREET_OK);            /* U+0800, shortest 3-byte: valid */
	CHECK("\xf0\x80\x80\xaf", GREET_BAD_UTF8);  /* overlong 4-byte */
	CHECK("\xf0\x8f\xbf\xbf", GREET_BAD_UTF8);  /* overlong: U+FFFF in 4 bytes */
	CHECK("\xf0\x90\x80\x80", GREET_OK);        /* U+10000, shortest 4-byte: valid */
	CHECK("\xed\xa0\x80", GREET_BAD_UTF8);      /* U+D800 surrogate */
	CHECK("\xed\xbf\xbf", GREET_BAD_UTF8);      /* U+DFFF surrogate */
	CHECK("\xed\x9f\xbf", GREET_OK);            /* U+D7FF, just below */
	CHECK("\xf4\x90\x80\x80", GREET_BAD_UTF8);  /* U+110000 */
	CHECK("\xf5\x80\x80\x80", GREET_BAD_UTF8);
	CHECK("\xff", GREET_BAD_UTF8);
	CHECK("\xfe", GREET_BAD_UTF8);
}

/* Every continuation byte is checked, not only the first: each one of a
 * valid 2-, 3- or 4-byte sequence, replaced in turn by a byte just outside
 * the continuation range 0x80-0xBF (or an ASCII letter, or a lead byte),
 * makes the name invalid; 0x80 and 0xBF themselves are fine. */
static void test_every_continuation_byte(void **state)
{
	(void)state;
	static const char *const valid[] = {
		"\xc3\xab", "\xe6\x97\xa5", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xef\xbf\xbd",
		"\xf0\x9f\x98\x80", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xf3\xbf\xbf\xbf",
	};
	static const unsigned char outside[] = { 0x7f, 0xc0, 0x41, 0xe6, 0xff, 0x00 };

	for (size_t v = 0; v < sizeof valid / sizeof valid[0]; v++) {
		size_t len = strlen(valid[v]);
		char name[8];
		for (size_t at = 1; at < len; at++) {
			for (size_t k = 0; k < sizeof outside; k++) {
				memcpy(name, valid[v], len);
				name[at] = (char)outside[k];
				/* As the whole name, and followed by more text. */
				if (greet_check(name, len) != GREET_BAD_UTF8)
					fail_msg("sequence %zu, byte %zu = 0x%02x: accepted", v, at + 1,
						 outside[k]);
				name[len] = 'z';
				if (greet_check(name, len + 1) != GREET_BAD_UTF8)
					fail_msg("sequence %zu, byte %zu = 0x%02x, then 'z': accepted", v,
						 at + 1, outside[k]);
			}
			if (at == 1)
				continue; /* the second byte's range depends on the lead */
			for (unsigned b = 0x80; b <= 0xbf; b += 0x3f) {
				memcpy(name, valid[v], len);
				name[at] = (char)b;
				assert_int_equal(greet_check(name, len), GREET_OK);
			}
		}
	}
	/* A sequence cut short by the end of the name, at every length. */
	for (size_t v = 0; v < sizeof valid / sizeof valid[0]; v++)
		for (size_t len = 1; len < strlen(valid[v]); len++)
			assert_int_equal(greet_check(valid[v], len), GREET_BAD_UTF8);
}

static void test_control_characters(void **state)
{
	(void)state;
	assert_int_equal(greet_check("a\0b", 3), GREET_CONTROL); /* NUL */
	assert_int_equal(greet_check("\0", 1), GREET_CONTROL);
	CHECK("a\tb", GREET_CONTROL);
	CHECK("a\rb", GREET_CONTROL);                /* CR inside a name */
	CHECK("a\r", GREET_CONTROL);                 /* a second CR is not a line ending */
	CHECK("a\nb", GREET_CONTROL);
	CHECK("\x1b[31mred", GREET_CONTROL);         /* terminal escape */
	CHECK("\x1f", GREET_CONTROL);
	CHECK("\x7f", GREET_CONTROL);                /* DEL */
	CHECK("\xc2\x80", GREET_CONTROL);            /* U+0080, C1 */
	CHECK("\xc2\x9f", GREET_CONTROL);            /* U+009F, C1 */
	CHECK(" ", GREET_OK);                        /* space is not a control */
}

static void test_replies(void **state)
{
	(void)state;
	char out[GREET_REPLY_MAX];
	size_t n = greet_reply("Alice", 5, out, sizeof out);
	assert_int_equal(n, 13);
	assert_memory_equal(out, "Hello, Alice\n", 13);

	n = greet_reply("", 0, out, sizeof out);
	assert_memory_equal(out, "ERR empty name\n", n);
	n = greet_reply("\xff", 1, out, sizeof out);
	assert_memory_equal(out, "ERR name is not valid UTF-8\n", n);
	n = greet_reply("a\tb", 3, out, sizeof out);
	assert_memory_equal(out, "ERR control character in name\n", n);

	char name[255];
	memset(name, 'n', sizeof name);
	n = greet_reply(name, 255, out, sizeof out);
	assert_int_equal(n, GREET_REPLY_MAX); /* the largest reply fits exactly */
	assert_int_equal(out[n - 1], '\n');
	n = greet_reply(name, 255, out, sizeof out - 1);
	assert_int_equal(n, 0); /* refuses a buffer that could not hold every reply */

	assert_int_equal(greet_reply_status("Hello, x\n", 9), IPC_OK);
	assert_int_equal(greet_reply_status("ERR empty name\n", 15), IPC_ERR_REPLY);
	assert_int_equal(greet_reply_status("Hello, x", 8), IPC_PROTOCOL);
	assert_int_equal(greet_reply_status("Howdy\n", 6), IPC_PROTOCOL);
}

static void test_datagram(void **state)
{
	(void)state;
	char out[GREET_REPLY_MAX];
	size_t n = greet_datagram("Bob", 3, 3, out, sizeof out);
	assert_memory_equal(out, "Hello, Bob\n", n);
	n = greet_datagram("Bob\n", 4, 4, out, sizeof out);      /* trailing \n allowed */
	assert_memory_equal(out, "Hello, Bob\n", n);
	n = greet_datagram("Bob\r\n", 5, 5, out, sizeof out);    /* \r\n accepted */
	assert_memory_equal(out, "Hello, Bob\n", n);
	n = greet_datagram("Bob\n\n", 5, 5, out, sizeof out);    /* only one ending */
	assert_memory_equal(out, "ERR control character in name\n", n);
	n = greet_datagram("\n", 1, 1, out, sizeof out);
	assert_memory_equal(out, "ERR empty name\n", n);
	/* A truncated datagram is refused even if the part received is valid. */
	n = greet_datagram("Bob", 3, 70000, out, sizeof out);
	assert_memory_equal(out, "ERR name too long (max 255 bytes)\n", n);
}

/* Feed `in` to a fresh session in chunks of `chunk` bytes and collect every
 * reply into out. */
static size_t feed(struct greet_session *s, const char *in, size_t len, size_t chunk,
		   char *out, size_t cap)
{
	size_t at = 0;
	for (size_t i = 0; i < len;) {
		size_t room;
		char *space = greet_session_space(s, &room);
		assert_true(room > 0);
		size_t n = len - i < chunk ? len - i : chunk;
		if (n > room)
			n = room;
		memcpy(space, in + i, n);
		greet_session_received(s, n);
		i += n;
		size_t got;
		while ((got = greet_session_answer(s, out + at, cap - at)) > 0)
			at += got;
	}
	return at;
}

static void test_session_lines(void **state)
{
	(void)state;
	static const char in[] = "Alice\nBob\r\n\nCarol\n";
	static const char want[] = "Hello, Alice\nHello, Bob\nERR empty name\nHello, Carol\n";
	char out[4096];
	for (size_t chunk = 1; chunk <= sizeof in; chunk++) { /* every split point */
		struct greet_session s;
		greet_session_init(&s);
		size_t n = feed(&s, in, sizeof in - 1, chunk, out, sizeof out);
		assert_int_equal(n, sizeof want - 1);
		assert_memory_equal(out, want, n);
		assert_int_equal(s.answered, 4);
		assert_int_equal(s.refused, 1);
		assert_int_equal(greet_session_partial(&s), 0);
	}
}

static void test_session_partial(void **state)
{
	(void)state;
	struct greet_session s;
	char out[512];
	greet_session_init(&s);
	assert_int_equal(feed(&s, "Ali", 3, 3, out, sizeof out), 0);
	assert_int_equal(greet_session_partial(&s), 3);
	assert_int_equal(feed(&s, "ce\n", 3, 3, out, sizeof out), 13);
	assert_memory_equal(out, "Hello, Alice\n", 13);
}

static void test_session_max_and_overlong(void **state)
{
	(void)state;
	struct greet_session s;
	char in[2048], out[4096];
	size_t at = 0;

	/* 255 bytes + \r\n: the largest valid request */
	memset(in, 'm', 255);
	memcpy(in + 255, "\r\n", 2);
	at = 257;
	/* an over-long line of 1000 bytes, then a good one */
	memset(in + at, 'x', 1000);
	at += 1000;
	memcpy(in + at, "\nDan\n", 5);
	at += 5;
	for (size_t chunk = 1; chunk < 600; chunk += 37) {
		greet_session_init(&s);
		size_t n = feed(&s, in, at, chunk, out, sizeof out);
		assert_int_equal(n, GREET_REPLY_MAX + 34 + 11);
		assert_memory_equal(out, "Hello, mmm", 10);
		assert_memory_equal(out + GREET_REPLY_MAX, "ERR name too long (max 255 bytes)\n", 34);
		assert_memory_equal(out + GREET_REPLY_MAX + 34, "Hello, Dan\n", 11);
		assert_int_equal(s.refused, 1);
	}
	/* 256 bytes + \n: one byte over */
	greet_session_init(&s);
	memset(in, 'y', 256);
	in[256] = '\n';
	size_t n = feed(&s, in, 257, 257, out, sizeof out);
	assert_memory_equal(out, "ERR name too long (max 255 bytes)\n", n);
}

static void test_session_bounded_memory(void **state)
{
	(void)state;
	/* 1 MiB without a newline: one ERR, the buffer never grows, and the
	 * next line is answered. */
	struct greet_session s;
	char chunk[4096], out[1024];
	size_t replies = 0;
	greet_session_init(&s);
	memset(chunk, 'z', sizeof chunk);
	for (int i = 0; i < 256; i++) {
		size_t room;
		char *space = greet_session_space(&s, &room);
		assert_true(room > 0 && room <= GREET_INBUF);
		size_t n = room < sizeof chunk ? room : sizeof chunk;
		memcpy(space, chunk, n);
		greet_session_received(&s, n);
		replies += greet_session_answer(&s, out, sizeof out) > 0;
		assert_true(greet_session_partial(&s) <= GREET_INBUF);
	}
	assert_int_equal(replies, 1);
	size_t n = feed(&s, "zz\nEve\n", 7, 7, out, sizeof out);
	assert_memory_equal(out, "Hello, Eve\n", n);
}

static void test_session_output_backpressure(void **state)
{
	(void)state;
	/* Many pipelined requests and a small output buffer: answer() stops when
	 * the next reply might not fit, and resumes where it stopped. */
	struct greet_session s;
	char out[GREET_REPLY_MAX * 2];
	size_t room;
	greet_session_init(&s);
	char *space = greet_session_space(&s, &room);
	size_t len = 0;
	for (int i = 0; i < 100; i++)
		len += (size_t)sprintf(space + len, "n%d\n", i);
	greet_session_received(&s, len);
	int lines = 0;
	size_t n;
	while ((n = greet_session_answer(&s, out, sizeof out)) > 0)
		for (size_t k = 0; k < n; k++)
			lines += out[k] == '\n';
	assert_int_equal(lines, 100);
	assert_int_equal(s.answered, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_names),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_length_boundary),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_every_continuation_byte),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_datagram),
		cmocka_unit_test(test_session_lines),
		cmocka_unit_test(test_session_partial),
		cmocka_unit_test(test_session_max_and_overlong),
		cmocka_unit_test(test_session_bounded_memory),
		cmocka_unit_test(test_session_output_backpressure),
	};
	return cmocka_run_group_tests_name("protocol", tests, NULL, NULL);
}
