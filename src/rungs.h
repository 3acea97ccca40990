/*
 * rungs.h - the zero-copy ladder's rungs: what `ipclab bench throughput
 * --copy RUNG` measures (bench/copy.c) and what the report says of each
 * (analysis/ladder.c), named once.
 *
 * write() copies the sender's bytes into the kernel and read() copies them
 * out: two copies of every byte, the bottom rung.  Each rung above takes a
 * copy away and asks something of the program in return.
 */
#ifndef IPCLAB_RUNGS_H
#define IPCLAB_RUNGS_H

enum copy_rung {
	COPY_RW,           /* write(), read(): two copies (every transport) */
	COPY_VMSPLICE,     /* pipe: vmsplice() in, read() out: one copy */
	COPY_SPLICE,       /* pipe: vmsplice() in, splice() to /dev/null: none */
	COPY_SPLICE_HUGE,  /* the same from transparent huge pages */
	COPY_SPLICE_SPIN,  /* the same, non-blocking, both sides spinning */
	COPY_ZC_SEND,      /* tcp: send(MSG_ZEROCOPY), read() */
	COPY_ZC,           /* tcp: send(MSG_ZEROCOPY), TCP_ZEROCOPY_RECEIVE */
	COPY_PEEK,         /* shm: send() copies in, the reader checks in the ring */
	COPY_INPLACE,      /* shm: written in the ring, checked in the ring */
	COPY_RUNGS
};

/* What the transport must be for a rung to apply: its descriptor a pipe
 * or a TCP socket, or its bytes in a ring both sides map (ipc.h's struct
 * ipc_inplace: shm). */
enum copy_needs { COPY_ANY, COPY_PIPE, COPY_TCP, COPY_RING };

struct copy_rung_info {
	const char *name;     /* after --copy, and in the row's transport: pipe-vmsplice */
	enum copy_needs needs;
	int copies;           /* copies of each byte the CPU makes */
	int seen;             /* 1: the receiver sees (and checks) every byte;
				 0: only each message's tag (the body goes by unseen) */
	const char *how;      /* the system calls on each side */
	const char *asks;     /* what it asks of the program */
};

/* The rungs, bottom first, indexed by enum copy_rung. */
extern const struct copy_rung_info copy_rungs[COPY_RUNGS];

/* "a pipe", "a TCP socket", "a ring both sides map (shm)": for messages. */
const char *copy_needs_text(enum copy_needs needs);

/* "vmsplice" -> COPY_VMSPLICE; -1 for a name that is no rung. */
int copy_rung_parse(const char *name, enum copy_rung *out);

#endif
