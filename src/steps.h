/*
 * steps.h - the server's steps, numbered as a course numbers them.
 *
 * `--trace` prints every step a transport narrates through ipc_step().  The
 * server's steps carry a number: for a Unix stream socket the twelve steps
 * of the classic lecture (1 remove a stale socket, 2 socket, 3 fill in the
 * name, 4 bind, 5 listen, 6 accept, 7 read, 8 write, 9 close the data
 * socket, 10 close the connection socket, 11 unlink, 12 exit); every other
 * transport has its own sequence, because its life cycle differs (a FIFO
 * has mkfifo and open, a datagram server has no listen and no accept, a
 * pipe is inherited across fork).  The table lives in steps.c; the handout
 * prints the same table.
 */
#ifndef IPCLAB_STEPS_H
#define IPCLAB_STEPS_H

#include <stdbool.h>

struct trace_step {
	const char *transport;
	const char *call;       /* as ipc_step() names it */
	const char *detail;     /* a substring the detail must hold, or NULL */
	int when;               /* STEP_ANY, or only on / off the server's endpoint */
	int number;             /* the step's number in this transport's sequence */
	const char *shown;      /* the name printed, when it is not `call` */
	const char *lecture;    /* what the step is, in the course's words */
};
enum { STEP_ANY, STEP_ENDPOINT, STEP_CONNECTION };

/* The server step that a narrated call is, or NULL when it is none (a
 * client's call, or a detail of ipclab's own).  `on_endpoint` tells whether
 * the descriptor in `detail` is the server's endpoint (its listening socket,
 * datagram socket or FIFO) rather than one client's connection. */
const struct trace_step *trace_step_find(const char *transport, const char *call,
					 const char *detail, bool on_endpoint);

/* A transport's server steps, in order: the first with number 1 .. n. */
const struct trace_step *trace_steps_of(const char *transport, int *count);

/* The step that has no system call (for unix_stream: 3, filling in the
 * sockaddr_un), printed just before `before_number`; NULL if none. */
const struct trace_step *trace_step_silent(const char *transport, int before_number);

#endif
