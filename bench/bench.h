/*
 * bench.h - the in-process benchmarks (`ipclab bench`) and what they share.
 *
 * Every benchmark runs two processes: the parent is the client (or the
 * sender) and a forked child the server (or the receiver), joined by one
 * transport set up through the transport interface exactly as the product
 * does it: listen in the parent, fork, the child accepts, the parent
 * connects.  After set-up both sides switch their descriptors to BLOCKING
 * mode and use plain read()/write() (send()/recv() for datagrams) in tight
 * loops, as lmbench's lat_* and bw_* do: no poll() per message, no
 * allocation, no stdio, no indirect call, so the harness adds nothing to the
 * system calls it measures.
 *
 * A third channel, the "report pipe", carries what the child has to say: one
 * READY byte once it has accepted (so no set-up cost leaks into the first
 * timed operation), then one struct bench_child_report at the end with its
 * own CPU time and context switches, measured around its part of the work.
 *
 * Callers must ignore SIGPIPE (the CLI and test_env_setup do); the children
 * inherit that.
 */
#ifndef IPCLAB_BENCH_H
#define IPCLAB_BENCH_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "ipc.h"
#include "report.h"
#include "rungs.h"

/* Defaults, documented in `ipclab bench ... --help`. */
#define BENCH_LATENCY_COUNT 10000
#define BENCH_LATENCY_WARMUP 1000
#define BENCH_CONNECT_COUNT 2000
#define BENCH_CONNECT_WARMUP 100
/* Throughput: --total defaults to size * BENCH_TPUT_MESSAGES bytes, at most
 * BENCH_TPUT_MAX_TOTAL: about 0.2 to 1 s per run on a 2-core VM from 64 B
 * (one system call per message dominates) to 1 MiB (copying dominates). */
#define BENCH_TPUT_MESSAGES 262144ULL
#define BENCH_TPUT_MAX_TOTAL (1ULL << 30)
/* A stream receiver reads up to max(size, this) at a time: as much as a
 * Unix socket's default send buffer (208 KiB) can hold, so that on one CPU
 * one read() takes all that the sender wrote before it blocked (64 KiB
 * reads cost bw_unix-like runs 8 %). */
#define BENCH_STREAM_READ 262144
#define BENCH_MAX_SIZE (256UL << 20) /* largest --size on a byte stream */
/* Datagram client: a reply missing this long counts as lost and is resent. */
#define BENCH_DGRAM_TIMEOUT_MS 1000
/* A child that says nothing for this long is declared stuck. */
#define BENCH_CHILD_TIMEOUT_MS 20000

struct bench_opts {
	const struct ipc_transport *t;
	const struct ipc_ctx *ctx;  /* rundir for paths; tracing is ignored */
	size_t size;                /* message bytes; latency: 0 = greeting requests */
	unsigned long count;        /* timed round trips / connections (at least 1) */
	unsigned long warmup;       /* untimed ones before them */
	unsigned long batch;        /* latency: round trips a sample (the clock read at
				     * each batch's ends, the sample the batch's mean,
				     * as `bench pingpong` does); 0 or 1: each alone */
	unsigned long long total;   /* throughput: bytes to send (0 = default) */
	int pin[2];                 /* CPU of the client (parent), the server (child); -1 none */
	bool progress;              /* progress lines on stderr */
	bool no_verify;             /* throughput: count bytes, check none (row noted) */
	enum copy_rung copy;       /* throughput: the rung of the zero-copy ladder */
	const char *samples_path;   /* latency, connect: every sample in us, one a line */
	const char *waits_path;     /* latency over a transport that counts its waits
				     * (shm): per round trip, how the client's and the
				     * server's waits ended and their CPUs, one a line */
	FILE *warn;                 /* warnings (unpinned, spread, loss); NULL: none */
	const char *address;        /* latency: greet a server already running there
				     * (`ipclab serve`, maybe on another host);
				     * NULL: fork our own */
	int dgram_timeout_ms;       /* latency: datagram resend wait, or with --address a
				     * stream's wait for a reply; 0: the default */
	bool unconnected;           /* latency, datagrams: sendto()/recvfrom() with the
				     * server's address on every message, as sockperf's
				     * client does, instead of a connected socket */
	bool io_uring;              /* latency, streams: the client's write and read
				     * through an io_uring (latency_uring.h) */
};

/* What a benchmark hands back: one result row and the storage it points to. */
struct bench_result {
	struct result_row row;
	char pin[24];
	char note[160];
	char mode[16];
	char transport[32]; /* "shm-spin": the transport and how it waited */
};

/* The benchmarks.  0 and `r` filled, or -1 with `e` (IPC_USAGE for a
 * request the transport cannot do, IPC_PROTOCOL for a verification
 * failure).  Warnings (unpinned, high spread, loss) go to o->warn. */
int bench_latency(const struct bench_opts *o, struct bench_result *r, struct ipc_error *e);
int bench_throughput(const struct bench_opts *o, struct bench_result *r, struct ipc_error *e);
int bench_connect(const struct bench_opts *o, struct bench_result *r, struct ipc_error *e);
/* `ipclab bench plan STEP DIR [--quick]`: what a step of a run measures,
 * and the file each result goes to (plan.c). */
int cmd_bench_plan(int argc, char **argv);
/* pingpong.c: one cache line between two pinned processes; o->t unused. */
int bench_pingpong(const struct bench_opts *o, struct bench_result *r, struct ipc_error *e);

/* Datagram round trips counted exactly (latency.c).  Every datagram the
 * client sends carries its own sequence number, which the reply echoes, so
 * each reply says which send it answers: a second reply to one send is a
 * duplicate, a reply arriving after the reply to a later send is reordered,
 * a reply arriving after its round trip was given up is late, and a send
 * never answered (after a final wait) is lost. */
struct bench_dgram_tally {
	unsigned char *answered;        /* one bit per sequence number */
	unsigned long long cap;         /* sequence numbers the bitmap holds */
	unsigned long long sent;        /* datagrams sent: the next sequence number */
	unsigned long long trip_first;  /* the first send of the current round trip */
	unsigned long long replies;     /* distinct sends answered */
	unsigned long long max_seen;    /* the newest send answered so far */
	unsigned long long resent, dup, reordered, late;
};
enum bench_reply { BENCH_REPLY_TRIP, BENCH_REPLY_DUP, BENCH_REPLY_LATE, BENCH_REPLY_BOGUS };

/* Room for `cap` sequence numbers; 0, or -1 (out of memory). */
int bench_dgram_tally_init(struct bench_dgram_tally *t, unsigned long long cap);
void bench_dgram_tally_free(struct bench_dgram_tally *t);

/* Count one reply to send `seq`: BENCH_REPLY_TRIP when it answers a send
 * of the current round trip (which it completes), DUP or LATE when it is to
 * be dropped, BOGUS for a number never sent.  A few instructions: it runs
 * inside the timed round trip. */
static inline enum bench_reply bench_dgram_tally_reply(struct bench_dgram_tally *t,
						       unsigned long long seq)
{
	if (seq >= t->sent)
		return BENCH_REPLY_BOGUS;
	unsigned char bit = (unsigned char)(1u << (seq & 7));
	if (t->answered[seq >> 3] & bit) {
		t->dup++;
		return BENCH_REPLY_DUP;
	}
	t->answered[seq >> 3] |= bit;
	if (t->replies++ && seq < t->max_seen)
		t->reordered++;
	else
		t->max_seen = seq;
	if (seq >= t->trip_first)
		return BENCH_REPLY_TRIP;
	t->late++;
	return BENCH_REPLY_LATE;
}

/* Sends never answered. */
static inline unsigned long long bench_dgram_tally_lost(const struct bench_dgram_tally *t)
{
	return t->sent - t->replies;
}

/* summarize.c: turn numbers from `in` (one a line, each `unit_s` seconds:
 * 1, 1e-3, 1e-6, 1e-9) into a latency row of kind/transport/size.  -1 and
 * `e` on a line that is not a number, or no numbers at all. */
int bench_summarize(FILE *in, double unit_s, const char *kind, const char *transport,
		    unsigned long size, const char *pin, FILE *warn, struct bench_result *r,
		    struct ipc_error *e);

/* ---- what a throughput message carries (throughput.c) ----------------- */

/* The body every message shares: `size` pseudo-random bytes. */
void bench_pattern_fill(unsigned char *pattern, size_t size);
/* Byte streams: write message m's tag over the first min(8, size) bytes of
 * `msg` (which holds the pattern): a hash of m, so that a lost, duplicated
 * or reordered chunk of any length mismatches. */
void bench_stream_tag(unsigned char *msg, size_t size, uint64_t m);

/* The receiving end of a byte stream: where it stands, and the check of
 * every byte against what the sender wrote at that offset. */
struct bench_stream_check {
	const unsigned char *pattern;
	size_t size;              /* message size */
	const char *name;         /* transport, for messages */
	unsigned long long m;     /* current message */
	unsigned long long offset; /* bytes checked so far */
	size_t p;                 /* position inside message m */
	unsigned char tag[8];     /* message m's tag */
};
void bench_stream_check_init(struct bench_stream_check *v, const unsigned char *pattern,
			     size_t size, const char *name);
/* 0, or -1 and IPC_PROTOCOL naming the first wrong byte. */
int bench_stream_check(struct bench_stream_check *v, const void *buf, size_t n,
		       struct ipc_error *e);
/* Count n bytes as received without checking them (a receiver that never
 * sees them, or --no-verify): the position moves on as if checked. */
void bench_stream_skip(struct bench_stream_check *v, size_t n);

/* ---- shared by the benchmark files (harness.c) ----------------------- */

/* n bytes (rounded up to whole pages) at a page boundary, or NULL: the
 * kernel copies to and from page-aligned buffers faster (a 64 KiB pipe
 * stream on one CPU: 4,700 MB/s with malloc()'s alignment, 4,900 with
 * pages).  Free with free(). */
void *bench_alloc_pages(size_t n);

/* Nanoseconds on CLOCK_MONOTONIC (a vDSO call: no system call). */
static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time (user + system) and context switches (voluntary + involuntary)
 * of this process so far. */
struct bench_usage {
	double cpu_us;
	double ctxsw;
};
int bench_usage_now(struct bench_usage *u, struct ipc_error *e);

/* The figures of a row, from what was counted: MB/s is 10^6 bytes a second
 * (0 when no time passed); the cost per operation counts both processes,
 * the client's usage between u0 and u1 and the server's (the child's report). */
double bench_mb_per_s(unsigned long long bytes, uint64_t elapsed_ns);
struct bench_child_report;
void bench_cost(const struct bench_usage *u0, const struct bench_usage *u1,
		const struct bench_child_report *server, unsigned long ops, double *cpu_us_per_op,
		double *ctxsw_per_op);

/* What the child reports at the end, in one write() (< PIPE_BUF: atomic). */
struct bench_child_report {
	int status;              /* 0, or an ipc_status */
	int sys_errno;
	double cpu_us;           /* the child's usage over its measured part */
	double ctxsw;
	unsigned long long messages; /* received (throughput), answered (latency) */
	unsigned long long bytes;
	unsigned long long lost;     /* datagram throughput: sequence numbers missing */
	unsigned long long mapped;   /* throughput --copy zerocopy: bytes mapped, not copied */
	char msg[IPC_ERR_MAX];
};

struct bench_pair;
/* The child's side: serve on `s` (listening, not yet accepted) and fill
 * `rep`.  Call bench_child_ready() once ready for the first operation. */
typedef void bench_child_fn(struct bench_pair *p, struct ipc_server *s, void *arg,
			    struct bench_child_report *rep);

struct bench_pair {
	const struct bench_opts *o;
	struct ipc_server s;     /* parent: only s.addr is left after the fork */
	struct ipc_conn c;       /* parent's connection (when `connect` was asked) */
	bool connected;
	pid_t pid;
	int report_fd;           /* parent: read end; child: write end */
	cpu_set_t affinity;      /* parent: where it ran before pinning itself */
	bool pinned;
	int lock_fd;             /* parent: its hold on the path's lock (-1: none), so
				  * that abort() can remove the lock file of a child
				  * that was killed or died */
};

/* Listen on a private address (never the default one a running
 * `ipclab serve` may hold), fork the child running fn, and in the parent
 * connect (if `connect`), switch to blocking mode, pin to o->pin[0] and wait
 * for the child's READY.  The child is pinned to o->pin[1].  The parent's
 * own placement is restored by finish() and abort(). */
int bench_pair_start(struct bench_pair *p, const struct bench_opts *o, bool connect,
		     bench_child_fn *fn, void *arg, struct ipc_error *e);
/* Child: accept one client on `s` into `c` and switch it to blocking. */
int bench_child_accept(struct ipc_server *s, struct ipc_conn *c, struct ipc_error *e);
/* Child: tell the parent to start. */
void bench_child_ready(struct bench_pair *p);
/* Child: put an error into the report. */
void bench_report_error(struct bench_child_report *rep, const struct ipc_error *e);
/* Parent: wait up to timeout_ms for the child's report: 1 ready, 0 not yet,
 * -1 error (the child died without one). */
int bench_pair_poll_report(struct bench_pair *p, int timeout_ms, struct ipc_error *e);
/* Parent: close the connection (the child sees end of stream), read the
 * child's report and reap it.  0, or -1 with `e` (the child's own error
 * when it reported one). */
int bench_pair_finish(struct bench_pair *p, struct bench_child_report *rep,
		      struct ipc_error *e);
/* Parent, on an error: kill the child, reap it, remove what it created. */
void bench_pair_abort(struct bench_pair *p);

/* Blocking loops over one descriptor: EINTR retried, short transfers
 * continued.  0 on success; -1 with errno (read_exact: 0 bytes read
 * before the end of stream sets errno to 0). */
int bench_write_all(int fd, const void *buf, size_t len);
int bench_read_exact(int fd, void *buf, size_t len);

/* The same over a connection.  Transports whose descriptors only tell
 * readiness (t->opaque_fds: mqueue, shm) move their bytes through the
 * transport's recv()/send(), waiting on the descriptor (or spinning, per
 * ctx->wait) only when one would block; the others use read()/write() as
 * above, so their figures are unchanged.  bench_conn_read() is read()'s
 * contract: bytes, 0 at the end of the stream, -1 and errno. */
ssize_t bench_conn_read(struct ipc_conn *c, void *buf, size_t cap);
int bench_conn_write_all(struct ipc_conn *c, const void *buf, size_t len);
int bench_conn_read_exact(struct ipc_conn *c, void *buf, size_t len);

/* Give a datagram socket a receive timeout (SO_RCVTIMEO). */
int bench_set_rcvtimeo(int fd, int ms, struct ipc_error *e);
/* A child's receive that such a timeout ended (EAGAIN): the benchmark's
 * client sent nothing for `ms`.  Fills `e` with one line saying so (`who`
 * is the child, "udp server"), not strerror(EAGAIN); returns -1. */
int bench_fail_client_silent(struct ipc_error *e, const char *who, int ms);

/* Pin the calling process to `cpu` (nothing when cpu < 0). */
int bench_pin(int cpu, struct ipc_error *e);
/* Check that both CPUs exist: IPC_USAGE naming the range otherwise. */
int bench_check_pins(const int pin[2], struct ipc_error *e);

/* "0,1" or "none" into r->pin, and start r->row with the fields every
 * benchmark shares. */
void bench_result_init(struct bench_result *r, const struct bench_opts *o, const char *kind);
/* "ipclab bench: warning: ..." on o->warn, if any. */
void bench_warn(FILE *warn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append a word to r->note ("UNPINNED", "HIGH-SPREAD", "LOSSY lost=3"). */
void bench_note(struct bench_result *r, const char *word);
/* Samples (ns) -> row latency stats in us; writes o->samples_path first.
 * Adds the UNPINNED / HIGH-SPREAD notes and their warnings. */
int bench_finish_latency(struct bench_result *r, const struct bench_opts *o, uint64_t *ns,
			 double *us, size_t n, struct ipc_error *e);

/* Progress on stderr, only when o->progress: "latency tcp 64 B: 5000/10000",
 * at most twice a second (a rewritten line on a terminal, plain lines in a
 * log).  Callers tick between timed operations, every few thousand. */
struct bench_progress {
	bool on, tty;
	char what[96];
	uint64_t next_ns;
};
void bench_progress_start(struct bench_progress *pg, const struct bench_opts *o,
			  const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void bench_progress_tick(struct bench_progress *pg, unsigned long long done,
			 unsigned long long total);
void bench_progress_end(struct bench_progress *pg);

#endif
