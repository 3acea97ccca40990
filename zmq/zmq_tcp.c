/*
 * zmq_tcp.c - ZeroMQ over tcp:// (loopback by default): the server's life
 * cycle as `--trace` numbers it, and the transport's entry in the
 * registry.  Where each step is made:
 *
 *   Step 1 - socket, Step 2 - setsockopt, Step 3 - bind, Step 4 - listen:
 *            by tcp's code (zq_listen, zmq_server.c), its loopback default
 *            kept
 *   Step 5 - zmq_bind: the ROUTER takes that socket (ZMQ_USE_FD) at the
 *            first accept, in the process that serves (start)
 *   Step 6 - accept: a routing id's first message (zq_accept)
 *   Step 7 - zmq_msg_recv, Step 8 - zmq_send: the bytes (zq_server_recv,
 *            zq_server_send)
 *   Step 9 - close: [""]["close"] to the client (zq_server_close)
 *   Step 10 - zmq_close: the ROUTER, its socket and its context
 *            (zq_shutdown); nothing to unlink
 *   Step 11 - exit (src/commands.c)
 *
 * As for zmq_ipc, the system calls of steps 6 to 10 are ZeroMQ's threads'
 * or on its own descriptors, which the reference trace leaves out.
 */
#include <stdio.h>

#include "steps.h"
#include "zmq_internal.h"

static const struct ipc_step_def zq_tcp_steps[] = {
	{ 1, "socket", "socket", "create a plain TCP socket", NULL },
	{ 2, "setsockopt", "setsockopt",
	  "`SO_REUSEADDR`: a restarted server can bind its port while old connections sit in "
	  "TIME_WAIT", NULL },
	{ 3, "bind", "bind", "`bind()` an address and a port (0: any free port)", NULL },
	{ 4, "listen", "listen", "`listen()`", NULL },
	{ 5, "zmq_bind", "clone3",
	  "in the process that serves, a ZeroMQ context (its threads) and a ROUTER socket that "
	  "takes over the listening socket (`ZMQ_USE_FD`)", NULL },
	{ 6, "accept", NULL,
	  "a routing id not seen before, whose first message is [\"\"][\"connect\"]: a new "
	  "client", NULL },
	{ 7, "zmq_msg_recv", NULL, "receive the request: [routing id][bytes]", NULL },
	{ 8, "zmq_send", NULL, "send the reply: [routing id][bytes]", NULL },
	{ 9, "close", NULL, "tell the client with [routing id][\"\"][\"close\"], and forget it",
	  NULL },
	{ 10, "zmq_close", NULL,
	  "close the ROUTER, which closes the listening socket, and end the context", NULL },
	{ 11, "exit", "exit_group", "exit", "when `ipclab serve` stops" },
};

static void zq_tcp_default_address(const struct ipc_ctx *ctx, char *out, size_t cap)
{
	snprintf(out, cap, "127.0.0.1:%s", ctx && ctx->any_port ? "0" : ZQ_TCP_PORT);
}

const struct ipc_transport zmq_tcp_transport = {
	.name = "zmq_tcp",
	.summary = "ZeroMQ over tcp:// (loopback by default): ROUTER server, DEALER clients",
	.kind = IPC_STREAM,
	.servable = true,
	.addressing = IPC_ADDR_PORT,
	.fds_per_conn = 9, /* counted (test_edges): a context per client holds its I/O
			    * thread's and reaper's epoll and mailboxes, the socket's
			    * mailbox, our readiness epoll and eventfd, the connection */
	.opaque_fds = true,
	IPC_STEPS(zq_tcp_steps),
	.default_address = zq_tcp_default_address,
	.listen = zq_listen,
	.accept = zq_accept,
	.connect = zq_connect,
	.recv = zq_recv,
	.send = zq_send,
	.close = zq_close,
	.shutdown = zq_shutdown,
};
