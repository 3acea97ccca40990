/*
 * rungs.c - the zero-copy ladder's rungs (rungs.h).
 */
#include "rungs.h"

#include <string.h>

const struct copy_rung_info copy_rungs[COPY_RUNGS] = {
	[COPY_RW] = { "rw", COPY_ANY, 2, 1, "write(), read()",
		"nothing" },
	[COPY_VMSPLICE] = { "vmsplice", COPY_PIPE, 1, 1, "vmsplice(), read()",
		"whole, page-aligned pages, left untouched until the pipe has passed them on, "
		"and a pipe made to hold a whole message (F_SETPIPE_SZ)" },
	[COPY_SPLICE] = { "splice", COPY_PIPE, 0, 0,
		"vmsplice(), splice() to /dev/null",
		"as vmsplice, and a reader that never looks at the bytes (only each "
		"message's tag is read)" },
	[COPY_SPLICE_HUGE] = { "splice-huge", COPY_PIPE, 0, 0,
		"vmsplice() from huge pages, splice()",
		"as splice, and buffers on transparent huge pages (madvise)" },
	[COPY_SPLICE_SPIN] = { "splice-spin", COPY_PIPE, 0, 0,
		"as splice-huge, non-blocking, spinning",
		"as splice-huge, and two CPUs that never sleep" },
	[COPY_ZC_SEND] = { "zerocopy-send", COPY_TCP, 1, 1,
		"send(MSG_ZEROCOPY), read()",
		"buffers left untouched until the error queue says the kernel is done "
		"with them" },
	[COPY_ZC] = { "zerocopy", COPY_TCP, 0, 1,
		"send(MSG_ZEROCOPY), TCP_ZEROCOPY_RECEIVE",
		"as zerocopy-send, and a reader that maps whole pages (the rest is read)" },
	[COPY_PEEK] = { "peek", COPY_RING, 1, 1,
		"send(); in the ring: peek, check, release",
		"a reader that uses the bytes where they lie, and gives them back only "
		"when done with them (the writer waits for that room)" },
	[COPY_INPLACE] = { "inplace", COPY_RING, 0, 1,
		"in the ring: reserve, write, commit; peek, check",
		"as peek, and a writer that builds each message in the ring itself, in a "
		"size that divides the ring; only what changes is written (here each "
		"message's tag: the body stays from the ring's first lap)" },
};

const char *copy_needs_text(enum copy_needs needs)
{
	switch (needs) {
	case COPY_PIPE:
		return "a pipe";
	case COPY_TCP:
		return "a TCP socket";
	case COPY_RING:
		return "a ring both sides map (shm)";
	default:
		return "any stream";
	}
}

int copy_rung_parse(const char *name, enum copy_rung *out)
{
	for (int i = 0; i < COPY_RUNGS; i++)
		if (!strcmp(name, copy_rungs[i].name)) {
			*out = (enum copy_rung)i;
			return 0;
		}
	return -1;
}
