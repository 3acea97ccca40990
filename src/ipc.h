/*
 * ipc.h - the one interface every transport implements.
 *
 * The greeting protocol (protocol.h) never touches a socket or a pipe: it is
 * written against this interface, in the spirit of Stevens' str_echo/dg_echo.
 * Each transport (one folder each: pipe/, fifo/, unix_stream/, unix_dgram/,
 * inet/ for tcp and udp, socketpair/, mqueue/, shm/; the registry in ipc.c
 * lists them) fills one `struct ipc_transport` with its system calls, in
 * life-cycle order, and declares its server's numbered steps (steps.h):
 *
 *   server:  listen()  -> accept() -> recv()/send() ... -> close() -> shutdown()
 *   client:  connect() -> send()/recv() ... -> close()
 *
 * Two kinds of transport exist:
 *   IPC_STREAM    a byte stream per client (pipe, FIFO pair, Unix stream, TCP);
 *                 accept() returns a new connection for each client.
 *   IPC_DATAGRAM  one message per request (Unix datagram, UDP); accept()
 *                 returns the server socket itself wrapped as a connection,
 *                 recv() remembers the sender and send() answers it.
 *
 * Errors are returned as text (the redis anet.c idea): every failing call
 * fills a `struct ipc_error` with one line naming the operation, the address
 * and strerror(), and a status that is also the CLI's exit code.
 */
#ifndef IPCLAB_IPC_H
#define IPCLAB_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Statuses.  The first ones double as `ipclab` exit codes (README.md, "Exit status"). */
enum ipc_status {
	IPC_OK = 0,
	IPC_ERR_REPLY = 1,  /* the server answered ERR <reason> */
	IPC_USAGE = 2,      /* bad command line */
	IPC_NO_SERVER = 3,  /* nothing listens at the address */
	IPC_TIMEOUT = 4,    /* no answer in time */
	IPC_IN_USE = 5,     /* address taken: live server, port in use, not a socket */
	IPC_SYSTEM = 6,     /* any other failed system call */
	IPC_PROTOCOL = 7,   /* the peer broke the protocol or hung up early */
	IPC_DONE = 100,     /* internal: a listener that will never accept again (pipe) */
};

/* recv()/send()/accept() return this when a non-blocking descriptor has
 * nothing to give yet; it is not an error. */
#define IPC_WOULD_BLOCK (-2)

#define IPC_ERR_MAX 512
#define IPC_ADDR_MAX 256
#define IPC_PATH_MAX 108 /* sizeof(sockaddr_un.sun_path) on Linux */

struct ipc_error {
	int status;     /* enum ipc_status */
	int sys_errno;  /* errno of the failed call, 0 if none */
	char msg[IPC_ERR_MAX];
};

/* Fill `e` with "<what>: <strerror(errnum)>" (strerror left out when errnum
 * is 0) and return -1, so that callers can write `return ipc_fail(...)`. */
int ipc_fail(struct ipc_error *e, int status, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Append "; <hint>" to an error already filled: what the user should do.
 * Returns -1 too, so that `ipc_fail(...); return ipc_hint(...);` reads well. */
int ipc_hint(struct ipc_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Map a connect()/open() errno to a status: ENOENT, ECONNREFUSED, ENXIO ->
 * IPC_NO_SERVER; ETIMEDOUT -> IPC_TIMEOUT; else IPC_SYSTEM. */
int ipc_status_of_errno(int errnum);

/*
 * The trace seam.  Every transport narrates each call of its life cycle
 * through ipc_step(); with no tracer installed it costs one branch.  The
 * `--trace` mode and the lab handout hang off this one hook.  `step` is the
 * number of the server's step the call is, from the transport's own table
 * (steps.h), or IPC_NO_STEP for a client's call or a detail of ipclab's own.
 */
#define IPC_NO_STEP 0
typedef void ipc_trace_fn(void *arg, const char *transport, int step, const char *call,
			  const char *detail);

/* How a side of a shared-memory connection waits for the other: asleep on
 * a doorbell descriptor, or spinning on the ring (yielding the CPU). */
enum ipc_wait { IPC_WAIT_BLOCK, IPC_WAIT_SPIN };

struct ipc_ctx {
	const char *rundir;   /* private per-user directory for paths */
	int timeout_ms;       /* clients: longest wait for a connection or reply */
	int retries;          /* datagram clients: sends before giving up */
	bool any_port;        /* demos, tests: default TCP/UDP addresses use port 0 */
	ipc_trace_fn *trace;  /* NULL: silent */
	void *trace_arg;
	enum ipc_wait wait;   /* shm: how a side waits for its peer (--wait) */
};

void ipc_step(const struct ipc_ctx *ctx, const char *transport, int step, const char *call,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Where a server can be reached.  For every transport but the pipe this is
 * text a user can type: a path, or HOST:PORT.  A pipe has no name; its
 * "address" is the pair of descriptors its client end inherits. */
struct ipc_addr {
	char text[IPC_ADDR_MAX];
	int pipe_fd[2]; /* pipe only: [0] client reads replies, [1] client writes requests */
};

struct ipc_transport;
struct ipc_step_def; /* steps.h */

struct ipc_server {
	const struct ipc_transport *t;
	const struct ipc_ctx *ctx;
	int fd;          /* what a multiplexer watches: listening socket, server FIFO,
			    datagram socket, or the pipe's request end */
	int aux_fd;      /* fifo: a writer of our own, so the FIFO never reports EOF;
			    pipe: the reply end; -1 otherwise */
	struct ipc_addr addr; /* where clients reach us (the real port, never 0) */
	bool owns_path;  /* addr.text is a file we created and must remove */
	int lock_fd;     /* unix sockets, fifo: "<path>.lock", flock()ed for our life */
	dev_t path_dev;  /* the file we created at addr.text: removed at the end */
	ino_t path_ino;  /* only if it is still that very file */
	void *priv;      /* the transport's own state, opaque to everyone else */
};

struct ipc_conn {
	const struct ipc_transport *t;
	const struct ipc_ctx *ctx;
	int rfd;         /* read requests/replies from here ... */
	int wfd;         /* ... and write to here (same as rfd for sockets) */
	bool borrowed;   /* datagram server side: the fds belong to the server */
	struct sockaddr_storage peer; /* datagram: last sender / our server */
	socklen_t peer_len;
	char peer_text[IPC_ADDR_MAX]; /* who is at the other end, for messages */
	void *priv;      /* the transport's own state, opaque to everyone else */
};

enum ipc_kind { IPC_STREAM, IPC_DATAGRAM };

/* What an address is, for callers that must choose one of their own (a
 * benchmark's private server) without knowing transports by name. */
enum ipc_addressing {
	IPC_ADDR_PATH,      /* a file in the runtime directory */
	IPC_ADDR_INHERITED, /* none: descriptors inherited over fork (pipe, socketpair) */
	IPC_ADDR_PORT,      /* HOST:PORT */
	IPC_ADDR_MQ_NAME,   /* a POSIX message queue name, "/..." */
};

/*
 * In place: a stream transport whose bytes sit in memory both sides map (a
 * ring of `ring` bytes) may let a program write its message there and read
 * it there, instead of copying it in with send() and out with recv().
 *   writer: reserve(len) -> *at holds room for len bytes in one piece; fill
 *           it; commit(len) publishes them (the peer may read them now)
 *   reader: peek(max) -> *at shows up to max waiting bytes in one piece;
 *           look at them; release(n) gives the first n back to the writer
 * A piece never wraps around the ring's end, so a program that moves whole
 * messages in place uses a size that divides `ring`.  reserve() and peek()
 * wait as send() and recv() do: IPC_WOULD_BLOCK when they would, and then
 * rfd/wfd say when to try again.  peek() returns 0 at the end of the stream.
 * Mixing in-place calls with send()/recv() on one side is allowed between
 * a commit and the next reserve (or a release and the next peek).
 */
struct ipc_inplace {
	size_t ring;
	ssize_t (*reserve)(struct ipc_conn *c, size_t len, void **at, struct ipc_error *e);
	int (*commit)(struct ipc_conn *c, size_t len, struct ipc_error *e);
	ssize_t (*peek)(struct ipc_conn *c, size_t max, const void **at, struct ipc_error *e);
	int (*release)(struct ipc_conn *c, size_t len, struct ipc_error *e);
};

/* How a side's reads found their bytes, for a transport that can tell
 * (shm: `wait_tally` below).  Each read that found new bytes is counted
 * once, by the most it had to wait for them. */
enum ipc_wait_end {
	IPC_END_READY, /* the bytes were there at the first look */
	IPC_END_SPUN,  /* found by looking again before sleeping: while spinning
			  (--wait spin), or on the look after clearing the doorbell */
	IPC_END_SLEPT, /* a look said IPC_WOULD_BLOCK first: the caller slept on rfd */
	IPC_END_KINDS
};
struct ipc_wait_tally {
	unsigned long long n[IPC_END_KINDS];
};

struct ipc_transport {
	const char *name;      /* as typed on the command line: "unix_stream" */
	const char *summary;   /* one line for `ipclab list` */
	enum ipc_kind kind;
	bool servable;         /* false for the pipe: only a forked child can be its server */
	size_t max_message;    /* datagram: largest payload one send() carries; 0 = stream */
	enum ipc_addressing addressing;
	unsigned fds_per_conn; /* descriptors one client holds (load's limit); 0 means 1 */
	bool can_spin;         /* honours ctx->wait: --wait spin (shm) */
	bool opaque_fds;       /* rfd/wfd only tell readiness: bytes move through recv()
				  and send() alone, never read()/write() (mqueue, shm) */
	/* NULL, or writing and reading in the transport's own memory (shm). */
	const struct ipc_inplace *inplace;
	/* NULL, or this side's reads so far, by how their waits ended: a few
	 * counters, read without a system call (shm). */
	void (*wait_tally)(const struct ipc_conn *c, struct ipc_wait_tally *out);

	/* The server's life cycle, steps 1 .. nsteps in order, declared in the
	 * transport's own file (`source`, its __FILE__); set all three with
	 * IPC_STEPS(table) from steps.h.  NULL while a transport has none. */
	const struct ipc_step_def *steps;
	size_t nsteps;
	const char *source;

	/* Write the default address ("<rundir>/unix_stream.sock", "127.0.0.1:7411"). */
	void (*default_address)(const struct ipc_ctx *ctx, char *out, size_t cap);

	/* Server: create the endpoint at `address` (NULL = default) and fill s->addr.
	 * The returned s->fd is non-blocking. */
	int (*listen)(struct ipc_server *s, const char *address, struct ipc_error *e);
	/* Server: take the next client.  0 and `c` filled; IPC_WOULD_BLOCK when
	 * none is waiting; -1 on error (e->status IPC_DONE: never again). */
	int (*accept)(struct ipc_server *s, struct ipc_conn *c, struct ipc_error *e);
	/* Client: reach the server at `a`.  c's fds are non-blocking. */
	int (*connect)(struct ipc_conn *c, const struct ipc_addr *a, struct ipc_error *e);

	/* Stream: read up to `cap` bytes, 0 at end of stream.
	 * Datagram: receive one message and return its REAL length, which is
	 * larger than `cap` when it was truncated; the server side remembers the
	 * sender in c->peer.  Both: IPC_WOULD_BLOCK, or -1 on error. */
	ssize_t (*recv)(struct ipc_conn *c, void *buf, size_t cap, struct ipc_error *e);
	/* Stream: write as much as the descriptor takes now (short only when it
	 * would block).  Datagram: send `len` bytes as one message to the peer.
	 * Returns the bytes written, IPC_WOULD_BLOCK, or -1 on error.  Never
	 * raises SIGPIPE. */
	ssize_t (*send)(struct ipc_conn *c, const void *buf, size_t len, struct ipc_error *e);
	/* Close this side and remove the files it created. */
	void (*close)(struct ipc_conn *c);
	/* Close the server; with `remove`, also remove the path it created.
	 * (A parent that forked the server calls it with remove = false.) */
	void (*shutdown)(struct ipc_server *s, bool remove);
};

/* The registry: the only place that knows the list of transports. */
extern const struct ipc_transport *const ipc_transports[];
const struct ipc_transport *ipc_transport_find(const char *name);

/* Zero a server or connection so that every fd reads -1. */
void ipc_server_init(struct ipc_server *s, const struct ipc_transport *t,
		     const struct ipc_ctx *ctx);
void ipc_conn_init(struct ipc_conn *c, const struct ipc_transport *t,
		   const struct ipc_ctx *ctx);

#endif
