/* steps.c - the table of the servers' steps (see steps.h). */
#include "steps.h"

#include <stddef.h>
#include <string.h>

/* One row per narrated call that is a server step, each transport's rows
 * in the order of its life cycle.  `detail` tells apart the calls of the
 * same name: the stale-socket probe from the server's own unlink, the
 * FIFO's two opens of its own FIFO. */
static const struct trace_step steps[] = {
	{ "pipe", "pipe2", NULL, STEP_ANY, 1, NULL, "create both pipes, before fork()" },
	{ "pipe", "fork", NULL, STEP_ANY, 2, NULL, "fork(): the child inherits all four ends" },
	{ "pipe", "close", "the parent's", STEP_ANY, 3, NULL,
	  "close the ends the child does not use" },
	{ "pipe", "accept", NULL, STEP_ANY, 3, "inherit",
	  "no accept(): the child already holds its ends, inherited across fork()" },
	{ "pipe", "read", NULL, STEP_ANY, 4, NULL, "read() the request" },
	{ "pipe", "write", NULL, STEP_ANY, 5, NULL, "write() the reply" },
	{ "pipe", "close", NULL, STEP_ANY, 6, NULL, "close the child's ends" },

	{ "fifo", "unlink", "stale", STEP_ANY, 1, NULL,
	  "remove a FIFO left behind, if no server reads it" },
	{ "fifo", "mkfifo", "fifo.server", STEP_ANY, 2, NULL, "mkfifo(): the well-known FIFO" },
	{ "fifo", "open", "O_RDONLY", STEP_ENDPOINT, 3, NULL, "open() it for reading" },
	{ "fifo", "open", "O_WRONLY", STEP_ENDPOINT, 4, NULL,
	  "open() it for writing too: no end of file between clients" },
	{ "fifo", "read", "notice", STEP_ANY, 5, NULL, "read() a client's connection notice" },
	{ "fifo", "open", ".req", STEP_CONNECTION, 6, NULL,
	  "open() the client's request FIFO" },
	{ "fifo", "open", ".rep", STEP_CONNECTION, 7, NULL, "open() the client's reply FIFO" },
	{ "fifo", "unlink", "still open", STEP_ANY, 8, NULL,
	  "unlink() the client's FIFOs: the open descriptors keep working" },
	{ "fifo", "read", NULL, STEP_ANY, 9, NULL, "read() the request" },
	{ "fifo", "write", NULL, STEP_ANY, 10, NULL, "write() the reply" },
	{ "fifo", "close", NULL, STEP_CONNECTION, 11, NULL, "close() the client's FIFOs" },
	{ "fifo", "unlink", "fifo.server", STEP_ANY, 12, NULL, "unlink() the well-known FIFO" },
	{ "fifo", "close", NULL, STEP_ENDPOINT, 13, NULL, "close() the well-known FIFO" },
	{ "fifo", "exit", NULL, STEP_ANY, 14, NULL, "exit" },

	{ "unix_stream", "lstat", NULL, STEP_ANY, 1, NULL,
	  "remove the socket if it exists: is there a file?" },
	{ "unix_stream", "connect", "probe", STEP_ANY, 1, NULL,
	  "... and does a server answer on it?" },
	{ "unix_stream", "unlink", "stale", STEP_ANY, 1, NULL, "... only then remove it" },
	{ "unix_stream", "socket", NULL, STEP_ANY, 2, NULL, "create the socket: socket()" },
	{ "unix_stream", "(name)", NULL, STEP_ANY, 3, NULL,
	  "fill in the name (struct sockaddr_un): no system call" },
	{ "unix_stream", "bind", NULL, STEP_ANY, 4, NULL, "bind() the socket to its name" },
	{ "unix_stream", "listen", NULL, STEP_ANY, 5, NULL, "listen()" },
	{ "unix_stream", "accept4", NULL, STEP_ANY, 6, NULL, "accept()" },
	{ "unix_stream", "read", NULL, STEP_ANY, 7, NULL, "read() the request" },
	{ "unix_stream", "send", NULL, STEP_ANY, 8, NULL, "write() the reply" },
	{ "unix_stream", "close", NULL, STEP_CONNECTION, 9, NULL, "close the data socket" },
	{ "unix_stream", "close", NULL, STEP_ENDPOINT, 10, NULL,
	  "close the connection socket" },
	{ "unix_stream", "unlink", NULL, STEP_ANY, 11, NULL, "remove the socket: unlink()" },
	{ "unix_stream", "exit", NULL, STEP_ANY, 12, NULL, "exit" },

	{ "unix_dgram", "lstat", NULL, STEP_ANY, 1, NULL,
	  "remove the socket if it exists: is there a file?" },
	{ "unix_dgram", "connect", "probe", STEP_ANY, 1, NULL,
	  "... and does a server answer on it?" },
	{ "unix_dgram", "unlink", "stale", STEP_ANY, 1, NULL, "... only then remove it" },
	{ "unix_dgram", "socket", NULL, STEP_ANY, 2, NULL, "socket(AF_UNIX, SOCK_DGRAM)" },
	{ "unix_dgram", "bind", NULL, STEP_ANY, 3, NULL, "bind() (no listen, no accept)" },
	{ "unix_dgram", "recvfrom", NULL, STEP_ANY, 4, NULL,
	  "recvfrom(): one request, and who sent it" },
	{ "unix_dgram", "sendto", NULL, STEP_ANY, 5, NULL, "sendto() the sender's address" },
	{ "unix_dgram", "close", NULL, STEP_ANY, 6, NULL, "close the socket" },
	{ "unix_dgram", "unlink", NULL, STEP_ANY, 7, NULL, "remove the socket: unlink()" },
	{ "unix_dgram", "exit", NULL, STEP_ANY, 8, NULL, "exit" },

	{ "tcp", "socket", NULL, STEP_ANY, 1, NULL, "socket(AF_INET, SOCK_STREAM)" },
	{ "tcp", "setsockopt", "SO_REUSEADDR", STEP_ANY, 2, NULL,
	  "SO_REUSEADDR: rebind despite TIME_WAIT" },
	{ "tcp", "bind", NULL, STEP_ANY, 3, NULL, "bind() an address and port" },
	{ "tcp", "listen", NULL, STEP_ANY, 4, NULL, "listen()" },
	{ "tcp", "accept4", NULL, STEP_ANY, 5, NULL, "accept()" },
	{ "tcp", "read", NULL, STEP_ANY, 6, NULL, "read() the request" },
	{ "tcp", "send", NULL, STEP_ANY, 7, NULL, "write() the reply" },
	{ "tcp", "close", "listening", STEP_ANY, 9, NULL, "close the listening socket" },
	{ "tcp", "close", NULL, STEP_ANY, 8, NULL, "close the connection's socket" },
	{ "tcp", "exit", NULL, STEP_ANY, 10, NULL, "exit" },

	{ "udp", "socket", NULL, STEP_ANY, 1, NULL, "socket(AF_INET, SOCK_DGRAM)" },
	{ "udp", "bind", NULL, STEP_ANY, 2, NULL, "bind() (no listen, no accept)" },
	{ "udp", "recvmsg", NULL, STEP_ANY, 3, NULL, "recvfrom(): one request, and who sent it" },
	{ "udp", "sendto", NULL, STEP_ANY, 4, NULL, "sendto() the sender's address" },
	{ "udp", "close", NULL, STEP_ANY, 5, NULL, "close the socket" },
	{ "udp", "exit", NULL, STEP_ANY, 6, NULL, "exit" },

	{ "socketpair", "socketpair", NULL, STEP_ANY, 1, NULL,
	  "socketpair(): two connected sockets, before fork()" },
	{ "socketpair", "fork", NULL, STEP_ANY, 2, NULL, "fork(): the child inherits both ends" },
	{ "socketpair", "close", "the parent's", STEP_ANY, 3, NULL,
	  "close the end the child does not use" },
	{ "socketpair", "accept", NULL, STEP_ANY, 3, "inherit",
	  "no accept(): the child already holds its end, inherited across fork()" },
	{ "socketpair", "read", NULL, STEP_ANY, 4, NULL, "read() the request" },
	{ "socketpair", "send", NULL, STEP_ANY, 5, NULL, "send() the reply" },
	{ "socketpair", "close", NULL, STEP_ANY, 6, NULL, "close the child's end" },

	{ "mqueue", "mq_unlink", "stale", STEP_ANY, 1, NULL,
	  "remove a queue left behind, if no server holds it" },
	{ "mqueue", "mq_open", "O_CREAT", STEP_ANY, 2, NULL,
	  "mq_open(O_CREAT | O_EXCL): the well-known queue" },
	{ "mqueue", "flock", "live server", STEP_ANY, 3, NULL,
	  "flock() it: a client can tell a live server from a leftover" },
	{ "mqueue", "mq_receive", "notice", STEP_ANY, 4, NULL,
	  "mq_receive() a client's connection notice" },
	{ "mqueue", "mq_open", ".req", STEP_ANY, 5, NULL, "mq_open() the client's request queue" },
	{ "mqueue", "mq_open", ".rep", STEP_ANY, 6, NULL, "mq_open() the client's reply queue" },
	{ "mqueue", "flock", "we read it", STEP_ANY, 7, NULL,
	  "flock() the request queue: the client can tell we still read it" },
	{ "mqueue", "mq_unlink", ".re", STEP_ANY, 8, NULL,
	  "mq_unlink() the client's queues: the open descriptors keep working" },
	{ "mqueue", "mq_receive", "bytes", STEP_ANY, 9, NULL, "mq_receive() the request" },
	{ "mqueue", "mq_send", "bytes", STEP_ANY, 10, NULL, "mq_send() the reply" },
	{ "mqueue", "mq_send", "end of stream", STEP_ANY, 11, NULL,
	  "mq_send() an empty message: the end of the stream" },
	{ "mqueue", "mq_close", NULL, STEP_ANY, 12, NULL, "mq_close() the queues" },
	{ "mqueue", "mq_unlink", NULL, STEP_ANY, 13, NULL, "mq_unlink() the well-known queue" },
	{ "mqueue", "exit", NULL, STEP_ANY, 14, NULL, "exit" },

	{ "shm", "lstat", NULL, STEP_ANY, 1, NULL,
	  "remove a rendezvous socket left behind: is there a file?" },
	{ "shm", "connect", "probe", STEP_ANY, 1, NULL, "... and does a server answer on it?" },
	{ "shm", "unlink", "stale", STEP_ANY, 1, NULL, "... only then remove it" },
	{ "shm", "listen", NULL, STEP_ANY, 2, NULL,
	  "socket(), bind(), listen(): the rendezvous socket" },
	{ "shm", "accept", NULL, STEP_ANY, 3, NULL, "accept() a client's rendezvous connection" },
	{ "shm", "recvmsg", NULL, STEP_ANY, 4, NULL,
	  "recvmsg(): the client's memory and doorbells (SCM_RIGHTS); mmap() it" },
	{ "shm", "read", "from the ring", STEP_ANY, 5, NULL, "copy the request out of the ring" },
	{ "shm", "write", NULL, STEP_ANY, 6, NULL, "copy the reply into the ring" },
	{ "shm", "close", "ring", STEP_ANY, 7, NULL,
	  "munmap() the ring, close() the client's socket and doorbells" },
	{ "shm", "close", NULL, STEP_ANY, 8, NULL, "close() the rendezvous socket" },
	{ "shm", "unlink", NULL, STEP_ANY, 9, NULL, "unlink() the rendezvous path" },
	{ "shm", "exit", NULL, STEP_ANY, 10, NULL, "exit" },

	/* ZeroMQ (zmq/zmq.c): the plain socket's own steps are narrated under
	 * unix_stream or tcp; these are ZeroMQ's, in both flavours. */
#define ZMQ_STEPS(T) \
	{ T, "listen", NULL, STEP_ANY, 1, NULL, \
	  "socket(), bind(), listen(): a plain listening socket, before any fork()" }, \
	{ T, "zmq_bind", NULL, STEP_ANY, 2, NULL, \
	  "in the serving process: a ROUTER socket, handed that socket (ZMQ_USE_FD)" }, \
	{ T, "accept", NULL, STEP_ANY, 3, NULL, \
	  "a routing id's first message (its connect notice): a new client" }, \
	{ T, "zmq_msg_recv", NULL, STEP_ANY, 4, NULL, "receive [routing id][request]" }, \
	{ T, "zmq_send", NULL, STEP_ANY, 5, NULL, "send [routing id][reply]" }, \
	{ T, "close", NULL, STEP_ANY, 6, NULL, \
	  "send [routing id][\"\"][close]: the end of the client's stream" }, \
	{ T, "zmq_close", NULL, STEP_ANY, 7, NULL, "zmq_close() the ROUTER; unlink() its path" }
	ZMQ_STEPS("zmq_ipc"),
	ZMQ_STEPS("zmq_tcp"),
#undef ZMQ_STEPS
};
#define NSTEPS (sizeof steps / sizeof steps[0])

const struct trace_step *trace_step_find(const char *transport, const char *call,
					 const char *detail, bool on_endpoint)
{
	for (size_t i = 0; i < NSTEPS; i++) {
		const struct trace_step *s = &steps[i];
		if (strcmp(s->transport, transport) || strcmp(s->call, call))
			continue;
		if (s->detail && (!detail || !strstr(detail, s->detail)))
			continue;
		if ((s->when == STEP_ENDPOINT && !on_endpoint) ||
		    (s->when == STEP_CONNECTION && on_endpoint))
			continue;
		return s;
	}
	return NULL;
}

const struct trace_step *trace_steps_of(const char *transport, int *count)
{
	const struct trace_step *first = NULL;
	*count = 0;
	for (size_t i = 0; i < NSTEPS; i++)
		if (strcmp(steps[i].transport, transport) == 0) {
			if (!first)
				first = &steps[i];
			++*count;
		}
	return first;
}

const struct trace_step *trace_step_silent(const char *transport, int before_number)
{
	for (size_t i = 0; i < NSTEPS; i++)
		if (steps[i].call[0] == '(' && strcmp(steps[i].transport, transport) == 0 &&
		    steps[i].number == before_number - 1)
			return &steps[i];
	return NULL;
}
