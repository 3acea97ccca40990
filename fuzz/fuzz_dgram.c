/*
 * fuzz_dgram.c - libFuzzer target: the datagram request path, from what
 * recv() returned to the reply (greet_datagram(), src/protocol.c).
 *
 * The first two input bytes say how much of the datagram the receive buffer
 * took (a datagram larger than the buffer is cut, and recv() reports its
 * real length); the rest is the datagram.  The reply must be exactly what
 * the rules say: a cut datagram is "too long", never answered with a cut
 * name; otherwise one trailing "\n" or "\r\n" is dropped and the name is
 * judged by greet_reply().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[GREET_REPLY_MAX], want[GREET_REPLY_MAX];

	if (size < 2)
		return 0;
	size_t cap = ((size_t)data[0] << 8 | data[1]) % (GREET_DGRAM_MAX + 1);
	const char *msg = (const char *)data + 2;
	size_t real = size - 2, got = real < cap ? real : cap;

	size_t n = greet_datagram(msg, got, real, out, sizeof out);
	size_t w;
	if (real > got) {
		static const char long_name[GREET_NAME_MAX + 1]; /* any name this long */
		w = greet_reply(long_name, sizeof long_name, want, sizeof want);
	} else {
		size_t len = got;
		if (len && msg[len - 1] == '\n' && (--len, len && msg[len - 1] == '\r'))
			len--;
		w = greet_reply(msg, len, want, sizeof want);
	}
	if (n == 0 || n != w || memcmp(out, want, n) != 0 || out[n - 1] != '\n' ||
	    greet_reply_status(out, n) > 1)
		abort();
	return 0;
}
