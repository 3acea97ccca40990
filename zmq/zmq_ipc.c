/*
 * zmq_ipc.c - ZeroMQ over ipc://, a Unix socket on a path: the server's
 * life cycle as `--trace` numbers it, and the transport's entry in the
 * registry.  Where each step is made:
 *
 *   Step 1 - lstat, connect, unlink: a stale socket removed, by
 *            unix_stream's code (zq_listen, zmq_server.c)
 *   Step 2 - socket, Step 3 - its name, Step 4 - bind, Step 5 - listen:
 *            unix_stream's code too, its path safety and lock kept
 *   Step 6 - zmq_bind: the ROUTER takes that socket (ZMQ_USE_FD) at the
 *            first accept, in the process that serves (start)
 *   Step 7 - accept: a routing id's first message (zq_accept)
 *   Step 8 - zmq_msg_recv, Step 9 - zmq_send: the bytes (zq_server_recv,
 *            zq_server_send)
 *   Step 10 - close: [""]["close"] to the client (zq_server_close)
 *   Step 11 - zmq_close: the ROUTER and its context (zq_shutdown)
 *   Step 12 - unlink: the socket file, by unix_stream's code
 *   Step 13 - exit (src/commands.c)
 *
 * The system calls of steps 7 to 11 are made by ZeroMQ's own threads, or
 * on descriptors of its own, which the reference trace leaves out
 * (lab/trace.sh): it keeps the calls of the processes, not of ZeroMQ's
 * threads, whose timing is theirs.
 */
#include <stdio.h>

#include "steps.h"
#include "zmq_internal.h"

static const struct ipc_step_def zq_ipc_steps[] = {
	{ 1, "lstat connect unlink", NULL,
	  "remove the socket if it exists, but only if it is a socket and nothing answers on it",
	  NULL },
	{ 2, "socket", "socket", "create a plain Unix stream socket", NULL },
	{ 3, "(name)", NULL, "fill in its name (`struct sockaddr_un`): no system call", NULL },
	{ 4, "bind", "bind", "`bind()` the socket to its name: this creates the socket file",
	  NULL },
	{ 5, "listen", "listen", "`listen()`: the kernel queues connecting clients", NULL },
	{ 6, "zmq_bind", "clone3",
	  "in the process that serves, a ZeroMQ context (its threads) and a ROUTER socket that "
	  "takes over the listening socket (`ZMQ_USE_FD`)", NULL },
	{ 7, "accept", NULL,
	  "a routing id not seen before, whose first message is [\"\"][\"connect\"]: a new "
	  "client", NULL },
	{ 8, "zmq_msg_recv", NULL, "receive the request: [routing id][bytes]", NULL },
	{ 9, "zmq_send", NULL, "send the reply: [routing id][bytes]", NULL },
	{ 10, "close", NULL, "tell the client with [routing id][\"\"][\"close\"], and forget it",
	  NULL },
	{ 11, "zmq_close", NULL, "close the ROUTER and end the context", NULL },
	{ 12, "unlink", "unlink", "remove the socket file", NULL },
	{ 13, "exit", "exit_group", "exit", "when `ipclab serve` stops" },
};

static void zq_ipc_default_address(const struct ipc_ctx *ctx, char *out, size_t cap)
{
	snprintf(out, cap, "%s/zmq_ipc.sock", ctx->rundir);
}

const struct ipc_transport zmq_ipc_transport = {
	.name = "zmq_ipc",
	.summary = "ZeroMQ over ipc:// (a Unix socket on a path): ROUTER server, DEALER clients",
	.kind = IPC_STREAM,
	.servable = true,
	.addressing = IPC_ADDR_PATH,
	.fds_per_conn = 9, /* counted (test_edges): a context per client holds its I/O
			    * thread's and reaper's epoll and mailboxes, the socket's
			    * mailbox, our readiness epoll and eventfd, the connection */
	.opaque_fds = true,
	IPC_STEPS(zq_ipc_steps),
	.default_address = zq_ipc_default_address,
	.listen = zq_listen,
	.accept = zq_accept,
	.connect = zq_connect,
	.recv = zq_recv,
	.send = zq_send,
	.close = zq_close,
	.shutdown = zq_shutdown,
};
