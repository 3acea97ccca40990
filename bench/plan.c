/*
 * plan.c - `ipclab bench plan STEP DIR [--quick]`: what a run measures,
 * decided once, here, for bench/run.sh to carry out.
 *
 * The shell only runs things.  Which rows a step measures, how many round
 * trips, rounds and bytes, at which CPU placements, and the name of the file
 * each result goes to (analysis/layout.h, the names the reader opens) are
 * this file's.  The output is one line per action, fields separated by tabs:
 *
 *   say<TAB>TEXT                       a progress line
 *   warn<TAB>TEXT                      a warning, kept for the end of the run
 *   run<TAB>FILE<TAB>ARG...            `ipclab ARG...` with its CSV into DIR/FILE
 *   peer-run<TAB>LOG<TAB>ARG...        a peer tool's run, and the lines
 *                                      around it (bench/peers.sh; see the
 *                                      peer tools' runs below)
 *   round<TAB>...                      a line of peers/rounds.tsv (the peer's
 *                                      figure $KEY: what the last peer left)
 *
 * the whole-process step's own (hyperfine's rounds: see plan_process()),
 * and for STEP `start`, what the run says first (its CPUs) and `link NAME`,
 * the name of the link to the newest run.
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "analysis/layout.h"
#include "bench.h"
#include "copy.h"
#include "plan.h"
#include "server_uring.h"

/* The size of a run: a quick one checks every step in about a minute. */
struct sizing {
	unsigned hf_runs, hf_rounds, hf_warmup;
	unsigned long lat_count, lat_warmup, pause_ms;
	unsigned long tp_msgs, tp_min_total, tp_max_total;
	unsigned tp_rounds;
	unsigned long stream_sizes[32], dgram_sizes[32], placement_sizes[4];
	size_t nstream, ndgram, nplacement;
	unsigned long conn_count;
	unsigned peer_rounds, peer_rounds_one_cpu, peer_seconds, peer_ours_count, perf_loops,
		 lmb_rounds;
};

static void sizing_of(bool quick, struct sizing *s)
{
	memset(s, 0, sizeof *s);
	if (quick) {
		*s = (struct sizing){ 30, 3, 3, 2000, 200, 200, 4096, 1ul << 20, 32ul << 20, 1,
				      .stream_sizes = { 64, 1024, 4096, 16384, 65536, 262144, 1048576 },
				      .nstream = 7, .dgram_sizes = { 64, 1024, 4096, 16384 }, .ndgram = 4,
				      .placement_sizes = { 65536 }, .nplacement = 1, .conn_count = 200,
				      .peer_rounds = 1, .peer_rounds_one_cpu = 1, .peer_seconds = 1,
				      .peer_ours_count = 1000, .perf_loops = 20000, .lmb_rounds = 1 };
		return;
	}
	*s = (struct sizing){ 1000, 10, 10, 50000, 2000, 2000, 131072, 16ul << 20, 512ul << 20, 3,
			      .placement_sizes = { 4096, 65536 }, .nplacement = 2, .conn_count = 5000,
			      .peer_rounds = 4, .peer_rounds_one_cpu = 10, .peer_seconds = 1,
			      .peer_ours_count = 25000, .perf_loops = 50000, .lmb_rounds = 2 };
	for (unsigned long z = 64; z <= 1048576; z *= 2)
		s->stream_sizes[s->nstream++] = z;
	for (unsigned long z = 64; z <= 32768; z *= 2)
		s->dgram_sizes[s->ndgram++] = z;
}

/* The placements, as --pin CLIENT,SERVER: different CPUs, the same CPU,
 * and wherever the scheduler puts them, from the first two CPUs this
 * process may run on (a container may not own CPU 0). */
struct places {
	int cpu[2], ncpu;
	char main[16], same[16], all[3][16];
	size_t nall;
};

static int places_of(struct places *p)
{
	cpu_set_t set;
	memset(p, 0, sizeof *p);
	if (sched_getaffinity(0, sizeof set, &set) < 0)
		return -1;
	for (int c = 0; c < CPU_SETSIZE && p->ncpu < 2; c++)
		if (CPU_ISSET(c, &set))
			p->cpu[p->ncpu++] = c;
	if (!p->ncpu)
		return -1;
	int a = p->cpu[0], b = p->ncpu > 1 ? p->cpu[1] : a;
	snprintf(p->main, sizeof p->main, "%d,%d", a, b);
	snprintf(p->same, sizeof p->same, "%d,%d", a, a);
	snprintf(p->all[p->nall++], sizeof p->all[0], "%s", p->main);
	if (p->ncpu > 1)
		snprintf(p->all[p->nall++], sizeof p->all[0], "%s", p->same);
	snprintf(p->all[p->nall++], sizeof p->all[0], "none");
	return 0;
}

/* "on two CPUs (0, 1)", "on one CPU (0)", "unpinned". */
static const char *where(const char *pin, char *buf, size_t cap)
{
	int a, b;
	if (sscanf(pin, "%d,%d", &a, &b) != 2)
		snprintf(buf, cap, "unpinned");
	else if (a == b)
		snprintf(buf, cap, "on one CPU (%d)", a);
	else
		snprintf(buf, cap, "on two CPUs (%d, %d)", a, b);
	return buf;
}

static bool connected(const struct ipc_transport *t)
{
	return t->kind == IPC_STREAM && t->servable;
}

/* ---- the transports a run measures --------------------------------------- */

/* The registry's, and, in the static bin/ipclab, which cannot link libzmq,
 * the two ZeroMQ transports as well when ipclab-zmq is beside it: every
 * command that names one is handed to that program (src/zmq_handoff.c), so
 * the run measures them with the others.  Only what the plan reads of a
 * transport is filled in here. */
static const struct ipc_transport zmq_stand_ins[] = {
	{ .name = "zmq_ipc", .kind = IPC_STREAM, .servable = true },
	{ .name = "zmq_tcp", .kind = IPC_STREAM, .servable = true },
};
/* The transports of one plan, found once by cmd_bench_plan() and handed
 * to the step. */
struct tlist {
	const struct ipc_transport *t[32];
	size_t n;
};

static bool zmq_program_beside_us(void)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 16);
	if (n <= 0)
		return false;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash)
		return false;
	strcpy(slash + 1, "ipclab-zmq");
	return access(self, X_OK) == 0;
}

/* The transports a plan measures, into l; a warning when ZeroMQ is out. */
static void tlist_of(struct tlist *l, bool say_why)
{
	const size_t cap = sizeof l->t / sizeof l->t[0];
	bool have_zmq = false;
	l->n = 0;
	for (size_t i = 0; ipc_transports[i] && l->n + 2 < cap; i++) {
		l->t[l->n++] = ipc_transports[i];
		have_zmq |= !strncmp(ipc_transports[i]->name, "zmq_", 4);
	}
	if (!have_zmq && zmq_program_beside_us())
		for (size_t i = 0; i < 2; i++)
			l->t[l->n++] = &zmq_stand_ins[i];
	else if (!have_zmq && say_why)
		puts("warn\tipclab-zmq is not beside ipclab (build it with `make`; it needs "
		     "libzmq3-dev): the ZeroMQ transports were skipped");
}

/* io_uring may be refused (kernel.io_uring_disabled, a seccomp filter):
 * then its rows are left out, with the reason, and the rest runs. */
static bool uring_usable(void)
{
	struct ipc_error e = { 0 };
	if (serve_uring_probe(false, &e) == 0)
		return true;
	printf("warn\tio_uring is refused here (%s): its rows were skipped\n", e.msg);
	return false;
}

/* ---- the output -------------------------------------------------------- */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	fputs("say\t", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* run FILE ARG... (NULL-terminated); -1 when the file cannot be named. */
static int run(const struct layout_file *f, ...)
{
	char rel[512];
	if (layout_path(rel, sizeof rel, f) < 0)
		return -1;
	printf("run\t%s", rel);
	va_list ap;
	va_start(ap, f);
	for (const char *a; (a = va_arg(ap, const char *));)
		printf("\t%s", a);
	va_end(ap);
	putchar('\n');
	return 0;
}

/* The --pin pair for a placement, or two empty strings left out by the
 * reader of the plan ("none": no option). */
#define PIN_ARGS(pin) strcmp(pin, "none") ? "--pin" : "", strcmp(pin, "none") ? pin : ""

/* Latency in rounds: the round trips of a row cut into rounds, every row
 * once per round, so that a burst of noise spoils one round of a row and
 * not its figure, and the rounds' spread is the row's interval (the report
 * takes the median round; analysis/run.c).  The same round trips in all as
 * one long run, plus a short warm-up per round: the step takes about as
 * long as before. */
struct lat_rounds {
	unsigned rounds;
	char count[24], warm[24];
};

static void lat_rounds_of(const struct sizing *s, struct lat_rounds *lr)
{
	lr->rounds = s->tp_rounds > 1 ? 5 : 3; /* a full run (several throughput rounds): 5 */
	unsigned long warm = s->lat_warmup / lr->rounds;
	snprintf(lr->count, sizeof lr->count, "%lu", s->lat_count / lr->rounds);
	snprintf(lr->warm, sizeof lr->warm, "%lu", warm < 100 ? 100 : warm);
}

/* One round of one latency row: its CSV and its samples, named by round. */
static int lat_round(const struct lat_rounds *lr, const char *dir, const char *t, const char *file_t,
		     const char *mode, const char *pin, unsigned r, bool spin, const char *batch)
{
	char samples[4096], rel[512];
	struct layout_file f = { .kind = LF_LATENCY_SAMPLES, .transport = file_t, .mode = mode,
				 .pin = pin, .round = (int)r };
	if (layout_path(rel, sizeof rel, &f) < 0)
		return -1;
	snprintf(samples, sizeof samples, "%s/%s", dir, rel);
	/* shm: how each round trip's waits ended, beside its samples (not
	 * with --batch: a batch's mean has no single wait to note) */
	char waits[4096] = "";
	const struct ipc_transport *tr = ipc_transport_find(t);
	f.kind = LF_LATENCY_WAITS;
	if (!batch && tr && tr->wait_tally && layout_path(rel, sizeof rel, &f) == 0)
		snprintf(waits, sizeof waits, "%s/%s", dir, rel);
	f.kind = LF_LATENCY;
	bool echo = !strcmp(mode, "echo");
	return run(&f, "bench", "latency", t, "--count", lr->count, "--warmup", lr->warm,
		   "--format", "csv", "--samples", samples, echo ? "--size" : "", echo ? "64" : "",
		   spin ? "--wait" : "", spin ? "spin" : "", *waits ? "--waits" : "", waits,
		   batch ? "--batch" : "", batch ? batch : "", PIN_ARGS(pin), NULL);
}

/* The client's round trip through io_uring (--io uring: the write and the
 * read as two linked requests, one system call) beside the read/write rows
 * of the same transports, at the pinned placements, in the same rounds:
 * rows T-uring. */
static int plan_latency_uring(const struct lat_rounds *lr, const struct places *p)
{
	static const char *const T[] = { "unix_stream", "tcp", "pipe" };
	char name[48], w[48];
	int rc = 0;
	if (!uring_usable())
		return 0;
	for (unsigned r = 1; r <= lr->rounds; r++)
		for (size_t j = 0; j < p->nall; j++) {
			const char *pin = p->all[j];
			if (!strcmp(pin, "none"))
				continue;
			say("round %u/%u: unix_stream, tcp and pipe through io_uring (--io uring), %s",
			    r, lr->rounds, where(pin, w, sizeof w));
			for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
				snprintf(name, sizeof name, "%s-uring", T[i]);
				struct layout_file f = { .kind = LF_LATENCY, .transport = name,
							 .mode = "greeting", .pin = pin, .round = (int)r };
				rc |= run(&f, "bench", "latency", T[i], "--io", "uring", "--count",
					  lr->count, "--warmup", lr->warm, "--format", "csv", "--pin",
					  pin, NULL);
			}
		}
	return rc;
}

static int plan_latency(const struct sizing *s, const struct places *p, const char *dir,
			const struct tlist *l)
{
	char ms[24], cpu[16], w[48];
	const size_t nt = l->n;
	struct lat_rounds lr;
	int rc = 0;

	lat_rounds_of(s, &lr);
	snprintf(ms, sizeof ms, "%lu", s->pause_ms);
	say("the machine's own pauses on CPU %d%s%.0d, %lu ms each", p->cpu[0],
	    p->ncpu > 1 ? " and " : "", p->ncpu > 1 ? p->cpu[1] : 0, s->pause_ms);
	for (int i = 0; i < p->ncpu; i++) {
		snprintf(cpu, sizeof cpu, "%d", p->cpu[i]);
		struct layout_file f = { .kind = LF_PAUSES, .cpu = p->cpu[i] };
		rc |= run(&f, "bench", "pauses", "--pin", cpu, "--count", ms, "--format", "csv", NULL);
	}
	for (unsigned r = 1; r <= lr.rounds; r++)
		for (size_t i = 0; i < nt; i++) {
			const char *t = l->t[i]->name;
			say("[%zu/%zu] round %u/%u, %s: greeting and 64 B echo, %s round trips each, at "
			    "%zu placements", (r - 1) * nt + i + 1, lr.rounds * nt, r, lr.rounds, t,
			    lr.count, p->nall);
			for (int echo = 0; echo < 2; echo++)
				for (size_t j = 0; j < p->nall; j++)
					rc |= lat_round(&lr, dir, t, t, echo ? "echo" : "greeting",
							p->all[j], r, false, NULL);
		}
	/* Beside the transports: shm spinning instead of sleeping on its
	 * doorbell (in rounds too), and the floor under every round trip, one
	 * cache line passed between the two processes. */
	/* shm spinning is also timed as the ping-pong is, in batch means
	 * (--batch, rows shm-spin-batch): the same statistic as the floor's. */
	unsigned long count = strtoul(lr.count, NULL, 10);
	char batch[24];
	snprintf(batch, sizeof batch, "%lu", count >= 10000 ? 1000 : count >= 10 ? count / 10 : 1);
	for (size_t j = 0; j < p->nall; j++) {
		const char *pin = p->all[j];
		if (!strcmp(pin, "none"))
			continue;
		say("shm --wait spin (%u rounds, each trip timed and in batches of %s) and the "
		    "cache-line ping-pong, %s", lr.rounds, batch, where(pin, w, sizeof w));
		for (unsigned r = 1; r <= lr.rounds; r++) {
			rc |= lat_round(&lr, dir, "shm", "shm-spin", "greeting", pin, r, true, NULL);
			rc |= lat_round(&lr, dir, "shm", "shm-spin-batch", "greeting", pin, r, true,
					batch);
		}
		struct layout_file pp = { .kind = LF_LATENCY, .transport = "pingpong", .pin = pin };
		rc |= run(&pp, "bench", "pingpong", "--pin", pin, "--format", "csv", NULL);
	}
	rc |= plan_latency_uring(&lr, p);
	return rc;
}

/* Bytes to send for one size: tp_msgs messages, within the bounds. */
static unsigned long tp_total(const struct sizing *s, unsigned long size)
{
	unsigned long total = size * s->tp_msgs;
	if (total < s->tp_min_total)
		total = s->tp_min_total;
	if (total > s->tp_max_total)
		total = s->tp_max_total;
	return total;
}

static unsigned long cut(const struct ipc_transport *t, unsigned long size)
{
	return t->max_message && size > t->max_message ? t->max_message : size;
}

static int tp_run(const struct sizing *s, const char *t, unsigned long size, const char *pin,
		  int round, bool unchecked)
{
	char sz[24], total[24];
	snprintf(sz, sizeof sz, "%lu", size);
	snprintf(total, sizeof total, "%lu", tp_total(s, size));
	struct layout_file f = { .kind = LF_THROUGHPUT, .transport = t, .size = size, .pin = pin,
				 .round = round, .unchecked = unchecked };
	return run(&f, "bench", "throughput", t, "--size", sz, "--total", total, "--format", "csv",
		   unchecked ? "--no-verify" : "", PIN_ARGS(pin), NULL);
}

/* The zero-copy ladder, one round: each rung above rw over every transport
 * it fits (`all`: the CLI skips the others), and memcpy's ceiling on the
 * first CPU, at 64 KiB and 1 MiB, two CPUs.  The bottom rung is the sweep's
 * own row at the same size and placement.  A transport that can spin
 * instead of sleeping on its doorbell (shm) climbs its rungs a second time
 * with --wait spin, the bottom rung included (rows T-spin, T-RUNG-spin), so
 * that the report compares spinning with spinning and sleeping with
 * sleeping; they run right after memcpy, the figure they are held to. */
static const unsigned long ladder_sizes[] = { 65536, 1048576 };

static int plan_ladder_spin(const char *sz, const char *total, const struct places *p,
			    unsigned long size, unsigned r, const struct tlist *l)
{
	char name[64];
	int rc = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct ipc_transport *t = l->t[i];
		if (!t->can_spin || t->kind != IPC_STREAM)
			continue;
		for (int rung = COPY_RW; rung < COPY_RUNGS; rung++) {
			if (rung != COPY_RW && !(copy_rungs[rung].needs == COPY_RING && t->inplace))
				continue;
			const char *rn = copy_rungs[rung].name;
			snprintf(name, sizeof name, rung == COPY_RW ? "%s-spin" : "%s-%s-spin",
				 t->name, rn);
			struct layout_file f = { .kind = LF_LADDER, .transport = name, .size = size,
						 .pin = p->main, .round = (int)r };
			rc |= run(&f, "bench", "throughput", t->name, "--wait", "spin",
				  rung == COPY_RW ? "" : "--copy", rung == COPY_RW ? "" : rn,
				  "--size", sz, "--total", total, "--format", "csv",
				  PIN_ARGS(p->main), NULL);
		}
	}
	return rc;
}

static int plan_ladder(const struct sizing *s, const struct places *p, unsigned r,
		       const struct tlist *l)
{
	char sz[24], total[24], cpu[16], w[48];
	int rc = 0;

	say("the zero-copy ladder, round %u/%u: %d rungs (shm's also spinning) and memcpy at "
	    "64 KiB and 1 MiB, %s", r, s->tp_rounds, COPY_RUNGS - 1, where(p->main, w, sizeof w));
	snprintf(cpu, sizeof cpu, "%d", p->cpu[0]);
	for (size_t k = 0; k < sizeof ladder_sizes / sizeof ladder_sizes[0]; k++) {
		snprintf(sz, sizeof sz, "%lu", ladder_sizes[k]);
		snprintf(total, sizeof total, "%lu", tp_total(s, ladder_sizes[k]));
		struct layout_file m = { .kind = LF_LADDER, .transport = "memcpy",
					 .size = ladder_sizes[k], .pin = cpu, .round = (int)r };
		rc |= run(&m, "bench", "memcpy", "--size", sz, "--total", total, "--pin", cpu,
			  "--format", "csv", NULL);
		rc |= plan_ladder_spin(sz, total, p, ladder_sizes[k], r, l);
		for (int rung = COPY_RW + 1; rung < COPY_RUNGS; rung++) {
			const char *name = copy_rungs[rung].name;
			struct layout_file f = { .kind = LF_LADDER, .transport = name,
						 .size = ladder_sizes[k], .pin = p->main, .round = (int)r };
			rc |= run(&f, "bench", "throughput", "all", "--copy", name, "--size", sz,
				  "--total", total, "--format", "csv", PIN_ARGS(p->main), NULL);
		}
	}
	return rc;
}

/* Every size of every transport once per round, so that a burst of noise
 * spoils one round of a size and not its figure (the report takes the
 * median round).  The sweep runs at the main placement; the placement sizes
 * at the others too; at 64 KiB an unchecked run prices the check. */
static int plan_throughput(const struct sizing *s, const struct places *p, const struct tlist *l)
{
	const size_t nt = l->n;
	char w[48], others[64] = "";
	int rc = 0, n = 0;

	for (size_t k = 0; k < s->nplacement && p->nall > 1; k++)
		snprintf(others + strlen(others), sizeof others - strlen(others), "%s%lu KiB",
			 k ? " and " : ", and ", s->placement_sizes[k] / 1024);
	if (p->nall > 1)
		snprintf(others + strlen(others), sizeof others - strlen(others), " at the others");

	for (unsigned r = 1; r <= s->tp_rounds; r++)
		for (size_t i = 0; i < nt; i++) {
			const struct ipc_transport *t = l->t[i];
			size_t nsizes = t->max_message ? s->ndgram + 1 : s->nstream;
			say("[%d/%zu] round %u/%u, %s: %zu sizes %s, 64 KiB unchecked%s", ++n,
			    s->tp_rounds * nt, r, s->tp_rounds, t->name, nsizes,
			    where(p->main, w, sizeof w), others);
			if (t->max_message) {
				for (size_t k = 0; k < s->ndgram; k++)
					rc |= tp_run(s, t->name, s->dgram_sizes[k], p->main, (int)r, false);
				rc |= tp_run(s, t->name, t->max_message, p->main, (int)r, false);
			} else {
				for (size_t k = 0; k < s->nstream; k++)
					rc |= tp_run(s, t->name, s->stream_sizes[k], p->main, (int)r, false);
			}
			rc |= tp_run(s, t->name, cut(t, 65536), p->main, (int)r, true);
			for (size_t j = 0; j < p->nall; j++) {
				if (!strcmp(p->all[j], p->main))
					continue;
				for (size_t k = 0; k < s->nplacement; k++)
					rc |= tp_run(s, t->name, cut(t, s->placement_sizes[k]), p->all[j],
						     (int)r, false);
			}
			if (i + 1 == nt)
				rc |= plan_ladder(s, p, r, l);
		}
	return rc;
}

static int plan_connect(const struct sizing *s, const struct places *p, const char *dir,
			const struct tlist *l)
{
	char count[24], samples[4096], rel[512], w[48];
	int rc = 0;
	snprintf(count, sizeof count, "%lu", s->conn_count);
	for (size_t i = 0; i < l->n; i++) {
		const struct ipc_transport *t = l->t[i];
		if (!connected(t))
			continue;
		say("%s, %lu set-ups, %s", t->name, s->conn_count, where(p->main, w, sizeof w));
		struct layout_file f = { .kind = LF_CONNECT_SAMPLES, .transport = t->name };
		if (layout_path(rel, sizeof rel, &f) < 0)
			return -1;
		snprintf(samples, sizeof samples, "%s/%s", dir, rel);
		f.kind = LF_CONNECT;
		rc |= run(&f, "bench", "connect", t->name, "--count", count, "--pin", p->main,
			  "--format", "csv", "--samples", samples, NULL);
	}
	return rc;
}

/* ---- the peers ------------------------------------------------------------ */

/* A program on $PATH (or, for lmbench, in $LMBENCH_BIN). */
static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];
	if (!path)
		return false;
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");
		if (snprintf(buf, sizeof buf, "%.*s/%s", (int)n, n ? p : ".", prog) < (int)sizeof buf &&
		    access(buf, X_OK) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

/* lmbench, as Debian 12 does not package it: LMBENCH_BIN=DIR names a build.
 * transport:program:message bytes; bw_* at 64 KiB (MB/s, checking nothing). */
static const char *const lmb_lat[][3] = { { "pipe", "lat_pipe", "1" }, { "fifo", "lat_fifo", "1" },
					  { "socketpair", "lat_unix", "1" }, { "tcp", "lat_tcp", "1" },
					  { "udp", "lat_udp", "4" } };
static const char *const lmb_bw[][2] = { { "pipe", "bw_pipe" }, { "socketpair", "bw_unix" },
					 { "tcp", "bw_tcp" } };

/* 1: every program there; 0: LMBENCH_BIN unset; -1: one is missing. */
static int have_lmbench(void)
{
	const char *dir = getenv("LMBENCH_BIN");
	char path[4096];
	if (!dir || !*dir)
		return 0;
	for (size_t i = 0; i < 8; i++) {
		const char *prog = i < 5 ? lmb_lat[i][1] : lmb_bw[i - 5][1];
		snprintf(path, sizeof path, "%s/%s", dir, prog);
		if (access(path, X_OK) != 0) {
			fprintf(stderr, "ipclab bench plan: LMBENCH_BIN=%s lacks %s, one of lmbench's "
				"lat_pipe lat_fifo lat_unix lat_tcp lat_udp bw_pipe bw_unix bw_tcp\n",
				dir, prog);
			return -1;
		}
	}
	return 1;
}

struct peer_ctx {
	const struct sizing *s;
	const char *pin;
	char label[16];
	int round;
};

/* ipclab's round trips beside a peer (tag a: before it, b: after it):
 * transport udp-unconnected is udp --unconnected, as sockperf's client. */
static int twin(const struct peer_ctx *c, const char *t, unsigned long size, const char *tag,
		char *rel, size_t cap)
{
	char sz[24], count[24], warm[24], tr[32];
	struct layout_file f = { .kind = LF_PEER_TWIN, .transport = t, .size = size, .pin = c->pin,
				 .round = c->round, .tag = tag };
	if (layout_path(rel, cap, &f) < 0)
		return -1;
	snprintf(sz, sizeof sz, "%lu", size);
	snprintf(count, sizeof count, "%u", c->s->peer_ours_count);
	snprintf(warm, sizeof warm, "%lu", c->s->lat_warmup);
	snprintf(tr, sizeof tr, "%s", t);
	char *dash = strstr(tr, "-unconnected");
	if (dash)
		*dash = '\0';
	return run(&f, "bench", "latency", tr, "--size", sz, "--count", count, "--warmup", warm,
		   "--format", "csv", dash ? "--unconnected" : "", PIN_ARGS(c->pin), NULL);
}

/* One line of peers/rounds.tsv: the peer's figure is FIG (a number or
 * @FILE, or $KEY: what the last `peer` line left under KEY). */
static void round_line(const struct peer_ctx *c, const char *tool, const char *t,
		       unsigned long size, const char *stat, const char *fig, const char *a,
		       const char *b)
{
	printf("round\t%s\t%s\t%lu\t%s\t%d\t%s\t%s\t%s\t%s\n", tool, t, size, c->pin, c->round, stat,
	       fig, a, b);
}

/* ---- the peer tools' runs: what bench/peers.sh carries out --------------
 *
 *   peer-server LOG t|u ARG...   a server on a free TCP or UDP port, @PORT@
 *                                in its arguments; its output in LOG
 *   peer-run LOG ARG...          a run, its output in LOG (@PORT@: the
 *                                server's; @LMBENCH@: LMBENCH_BIN)
 *   peer-daemon ARG...           the command that stops a server that went
 *                                into the background by itself
 *   peer-stop                    the servers stopped
 *   figure KEY TOOL FROM [INTO]  the figure TOOL printed in FROM (`plan
 *                                peer-figure`) kept under KEY for the next
 *                                `round` lines; with INTO, the round trips
 *                                written there, one a line
 *   remove FILE                  a tool's raw output, once its figure is kept
 *
 * Each tool's statistic:
 *   perf bench sched pipe   pipe round trips, 4 bytes; prints the MEAN per loop
 *   sockperf ping-pong      TCP and UDP, 14 bytes; --full-log keeps every
 *                           round trip, summarised with our own statistics
 *   qperf tcp_lat udp_lat   14 bytes; prints the MEAN one-way latency: doubled
 *   lmbench (LMBENCH_BIN)   lat_* (µs) and bw_* (MB/s) */

/* taskset's fields pinning one side (the client's or the server's) of a
 * placement; none when it is unpinned. */
static void taskset_fields(const char *pin, bool server)
{
	int a = -1, b = -1;
	if (sscanf(pin, "%d,%d", &a, &b) == 2)
		printf("\ttaskset\t-c\t%d", server ? b : a);
}

/* perf forks both ends itself, on the client's CPU. */
static void perf_lines(const struct sizing *s, const char *pin, const char *out)
{
	printf("peer-run\t%s", out);
	taskset_fields(pin, false);
	printf("\tperf\tbench\tsched\tpipe\t-l\t%u\n", s->perf_loops);
	printf("figure\tlast\tperf\t%s\n", out);
}

/* sockperf over proto (tcp, udp) at the placement pin (label: its name in
 * files), its round trips into rtt. */
static void sockperf_lines(const struct sizing *s, const char *dir, const char *proto,
			   const char *pin, const char *label, unsigned r, const char *rtt)
{
	const char *tcp = !strcmp(proto, "tcp") ? "\t--tcp" : "";
	printf("peer-server\tpeers/sockperf_server_%s_%s_%u.log\t%c", proto, label, r, proto[0]);
	taskset_fields(pin, true);
	printf("\tsockperf\tserver%s\t-i\t127.0.0.1\t-p\t@PORT@\n", tcp);
	printf("peer-run\tpeers/sockperf_%s_%s_%u.txt", proto, label, r);
	taskset_fields(pin, false);
	printf("\tsockperf\tping-pong%s\t-i\t127.0.0.1\t-p\t@PORT@\t-t\t%u\t-m\t14\t--full-rtt\t"
	       "--full-log\t%s/peers/sockperf_%s_%s.full.csv\n", tcp, s->peer_seconds, dir, proto,
	       label);
	puts("peer-stop");
	printf("figure\tlast\tsockperf\tpeers/sockperf_%s_%s.full.csv\t%s\n", proto, label, rtt);
	printf("remove\tpeers/sockperf_%s_%s.full.csv\n", proto, label);
}

/* qperf's tcp_lat and udp_lat in one run: figures tcp and udp. */
static void qperf_lines(const struct sizing *s, const char *pin, const char *label, unsigned r)
{
	printf("peer-server\tpeers/qperf_server_%s_%u.log\tt", label, r);
	taskset_fields(pin, true);
	puts("\tqperf\t--listen_port\t@PORT@");
	printf("peer-run\tpeers/qperf_%s_%u.txt", label, r);
	taskset_fields(pin, false);
	printf("\tqperf\t127.0.0.1\t--listen_port\t@PORT@\t-t\t%u\t-m\t14\ttcp_lat\tudp_lat\n",
	       s->peer_seconds);
	puts("peer-stop");
	printf("figure\ttcp\tqperf-tcp\tpeers/qperf_%s_%u.txt\n", label, r);
	printf("figure\tudp\tqperf-udp\tpeers/qperf_%s_%u.txt\n", label, r);
}

/* One run of lmbench's prog.  It forks both ends of lat_pipe, lat_fifo,
 * lat_unix, bw_pipe and bw_unix and pins them by LMBENCH_SCHED
 * ("CUSTOM_UNIQUE A B ": the trailing blank keeps its parser inside the
 * string); its TCP and UDP servers start apart (`-s`: they go into the
 * background; `-S` stops them), pinned by taskset.  ENOUGH, LOOP_O and
 * TIMING_O skip its calibration (up to 30 s a run on a VM; 0 overheads can
 * only make lmbench slower, by < 0.1 %).  lat_* run -W 100000 µs untimed
 * first, as ours discards its warm-up round trips (a cold 0.2 s interval
 * came out 5 to 25 % faster); bw_* run -W 0, as our throughput starts its
 * clock at the first write.  lat_pipe and lat_fifo take no size. */
static void lmbench_lines(const char *prog, const char *pin, const char *label, unsigned r,
			  const char *size)
{
	bool server = !strcmp(prog, "lat_tcp") || !strcmp(prog, "lat_udp") || !strcmp(prog, "bw_tcp");
	bool sized = strcmp(prog, "lat_pipe") && strcmp(prog, "lat_fifo");
	int a = -1, b = -1;
	bool pinned = sscanf(pin, "%d,%d", &a, &b) == 2;
	if (server) {
		printf("peer-run\tpeers/lmbench_%s_server.log", prog);
		taskset_fields(pin, true);
		printf("\t@LMBENCH@/%s\t-s\n", prog);
		printf("peer-daemon\t@LMBENCH@/%s\t-S\t127.0.0.1\n", prog);
	}
	printf("peer-run\tpeers/lmbench_%s_%s_%u.txt\ttimeout\t120\tenv\tENOUGH=200000\tLOOP_O=0\t"
	       "TIMING_O=0", prog, label, r);
	if (pinned && server)
		printf("\ttaskset\t-c\t%d", a);
	else if (pinned)
		printf("\tLMBENCH_SCHED=CUSTOM_UNIQUE %d %d ", a, b);
	printf("\t@LMBENCH@/%s\t-N\t1\t-W\t%s", prog, strncmp(prog, "bw_", 3) ? "100000" : "0");
	if (sized)
		printf("\t-m\t%s", size);
	puts(server ? "\t127.0.0.1" : "");
	puts("peer-stop");
	printf("figure\tlast\tlmbench\tpeers/lmbench_%s_%s_%u.txt\n", prog, label, r);
}

static int plan_peers(const struct sizing *s, const struct places *p, const char *dir)
{
	bool perf = on_path("perf"), ss = on_path("ss");
	bool sockperf = ss && on_path("sockperf"), qperf = ss && on_path("qperf");
	int lmb = have_lmbench(), rc = 0;
	if (lmb < 0)
		return -2;
	if (!perf)
		puts("warn\tperf is not installed (Debian package linux-perf): perf bench sched pipe "
		     "was skipped");
	if (!sockperf)
		puts("warn\tsockperf or ss is not installed (packages sockperf, iproute2): sockperf "
		     "was skipped");
	if (!qperf)
		puts("warn\tqperf or ss is not installed (packages qperf, iproute2): qperf was skipped");
	bool quick = s->hf_rounds < 10;
	const char *pins[3];
	size_t np = 0;
	if (quick)
		pins[np++] = p->same;
	else
		for (size_t j = 0; j < p->nall; j++)
			pins[np++] = p->all[j];
	int total = 0, n = 0;
	for (size_t j = 0; j < np; j++) {
		int a, b;
		bool one = sscanf(pins[j], "%d,%d", &a, &b) == 2 && a == b;
		total += (int)(one ? s->peer_rounds_one_cpu : s->peer_rounds);
	}
	char A[512], B[512], A2[512], B2[512], out[512], rtt[512], w[48];
	for (size_t j = 0; j < np; j++) {
		int a = -1, b = -2;
		bool pinned = sscanf(pins[j], "%d,%d", &a, &b) == 2;
		unsigned rounds = pinned && a == b ? s->peer_rounds_one_cpu : s->peer_rounds;
		/* perf forks both ends itself: it cannot put them on two CPUs. */
		bool perf_ok = perf && (!pinned || a == b);
		for (unsigned r = 1; r <= rounds; r++) {
			struct peer_ctx c = { s, pins[j], "", (int)r };
			layout_pin_label(pins[j], c.label, sizeof c.label);
			bool lmb_now = lmb && r <= s->lmb_rounds;
			say("[%d/%d] round %u/%u %s: %s%s%s%s, each between two ipclab runs", ++n, total,
			    r, rounds, where(pins[j], w, sizeof w), perf_ok ? "perf bench sched pipe, " : "",
			    sockperf ? "sockperf, " : "", qperf ? "qperf" : "", lmb_now ? ", lmbench" : "");
			if (perf_ok) {
				snprintf(out, sizeof out, "peers/perf_pipe_%s_%u.txt", c.label, r);
				rc |= twin(&c, "pipe", 4, "a", A, sizeof A);
				perf_lines(s, pins[j], out);
				rc |= twin(&c, "pipe", 4, "b", B, sizeof B);
				round_line(&c, "perf-sched-pipe", "pipe", 4, "mean", "$", A, B);
			}
			/* sockperf's UDP client does not connect(): like for like, it is set
			 * against ipclab's client run --unconnected (udp-unconnected). */
			for (int k = 0; sockperf && k < 2; k++) {
				const char *proto = k ? "udp" : "tcp", *ours = k ? "udp-unconnected" : "tcp";
				snprintf(rtt, sizeof rtt, "peers/sockperf_%s_%s_r%u.rtt", proto, c.label, r);
				rc |= twin(&c, ours, 14, "a", A, sizeof A);
				sockperf_lines(s, dir, proto, pins[j], c.label, r, rtt);
				rc |= twin(&c, ours, 14, "b", B, sizeof B);
				round_line(&c, "sockperf", ours, 14, "p50", "$", A, B);
				round_line(&c, "sockperf", ours, 14, "mean", "$", A, B);
			}
			if (qperf) {
				/* Tags of their own: sockperf's TCP twins have the same name. */
				rc |= twin(&c, "tcp", 14, "qa", A, sizeof A);
				rc |= twin(&c, "udp", 14, "qa", A2, sizeof A2);
				qperf_lines(s, pins[j], c.label, r);
				rc |= twin(&c, "tcp", 14, "qb", B, sizeof B);
				round_line(&c, "qperf", "tcp", 14, "mean", "$tcp", A, B);
				rc |= twin(&c, "udp", 14, "qb", B2, sizeof B2);
				round_line(&c, "qperf", "udp", 14, "mean", "$udp", A2, B2);
			}
			for (size_t k = 0; lmb_now && k < 5; k++) {
				char tool[40];
				unsigned long size = strtoul(lmb_lat[k][2], NULL, 10);
				rc |= twin(&c, lmb_lat[k][0], size, "a", A, sizeof A);
				lmbench_lines(lmb_lat[k][1], pins[j], c.label, r, lmb_lat[k][2]);
				rc |= twin(&c, lmb_lat[k][0], size, "b", B, sizeof B);
				snprintf(tool, sizeof tool, "lmbench-%s", lmb_lat[k][1]);
				round_line(&c, tool, lmb_lat[k][0], size, "mean", "$", A, B);
			}
			/* bw_*: checked, unchecked, bw_*, unchecked, checked: both kinds
			 * around it (lmbench checks nothing). */
			for (size_t k = 0; lmb_now && k < 3; k++) {
				const char *t = lmb_bw[k][0], *tags[4] = { "a", "ua", "ub", "b" };
				char rel[4][512], tool[40];
				for (int q = 0; q < 4; q++) {
					struct layout_file f = { .kind = LF_PEER_BW_TWIN, .transport = t,
								 .pin = pins[j], .round = (int)r,
								 .tag = tags[q] };
					if (layout_path(rel[q], sizeof rel[q], &f) < 0)
						return -1;
				}
				struct layout_file f = { .kind = LF_PEER_BW_TWIN, .transport = t,
							 .pin = pins[j], .round = (int)r };
				char sz[24], tot[24];
				snprintf(sz, sizeof sz, "65536");
				snprintf(tot, sizeof tot, "%lu", tp_total(s, 65536));
				snprintf(tool, sizeof tool, "lmbench-%s", lmb_bw[k][1]);
				for (int q = 0; q < 4; q++) {
					f.tag = tags[q];
					rc |= run(&f, "bench", "throughput", t, "--size", sz, "--total", tot,
						  "--format", "csv", q == 1 || q == 2 ? "--no-verify" : "",
						  PIN_ARGS(pins[j]), NULL);
					if (q == 1)
						lmbench_lines(lmb_bw[k][1], pins[j], c.label, r, "65536");
					if (q == 2)
						round_line(&c, tool, t, 65536, "MB/s-unverified", "$", rel[1],
							   rel[2]);
				}
				round_line(&c, tool, t, 65536, "MB/s", "$", rel[0], rel[3]);
			}
		}
	}
	return rc;
}

/* ---- the whole process (bench/process.sh, hyperfine) --------------------- */

/* One command hyperfine times: its name (its rows: process/NAME.rK.csv), the
 * transport and mode of that row, and its command line. */
struct proc_cmd {
	char name[64], transport[32], mode[24], line[192];
};

static void add_cmd(struct proc_cmd *c, size_t *n, const char *name, const char *transport,
		    const char *mode, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void add_cmd(struct proc_cmd *c, size_t *n, const char *name, const char *transport,
		    const char *mode, const char *fmt, ...)
{
	va_list ap;
	c += (*n)++;
	snprintf(c->name, sizeof c->name, "%s", name);
	snprintf(c->transport, sizeof c->transport, "%s", transport);
	snprintf(c->mode, sizeof c->mode, "%s", mode);
	va_start(ap, fmt);
	vsnprintf(c->line, sizeof c->line, fmt, ap);
	va_end(ap);
}

/* The commands hyperfine times: `true` (what fork+exec+wait alone costs),
 * `ipclab list` (ipclab's start without IPC), `greet T` against a server
 * left running (the pipe's greet forks its own), `demo T` (server started and
 * stopped inside), and with a dynamically linked build, its list and
 * greet unix_stream (what the loader adds).  In the command lines @IPCLAB@,
 * @DYNAMIC@ and @ADDR:T@ (where the server of T listens, once its `serve`
 * line has started it) are the shell's to fill.  The servers are started
 * in the order of the commands (TCP and UDP, and ZeroMQ over TCP, on a
 * loopback port the kernel picks) and stopped after the last round. */
static size_t process_cmds(const struct tlist *l, bool have_dyn, struct proc_cmd *c,
			   const char **served, size_t *nserved)
{
	size_t n = 0;
	char name[64];
	*nserved = 0;
	add_cmd(c, &n, "true", "none", "true", "true");
	add_cmd(c, &n, "list", "none", "list", "@IPCLAB@ list");
	for (int pass = 0; pass < 2; pass++) /* the connected transports, then datagrams */
		for (size_t i = 0; i < l->n; i++) {
			const struct ipc_transport *t = l->t[i];
			if (pass ? t->kind != IPC_DATAGRAM : !connected(t))
				continue;
			bool inet = !strcmp(t->name, "tcp") || !strcmp(t->name, "udp") ||
				    !strcmp(t->name, "zmq_tcp");
			printf("serve\t%s\thyperfine/serve-%s.log\tserve\t%s%s\n", t->name, t->name,
			       t->name, inet ? "\t--address\t127.0.0.1:0" : "");
			served[(*nserved)++] = t->name;
			snprintf(name, sizeof name, "greet-%s", t->name);
			add_cmd(c, &n, name, t->name, "greet", "@IPCLAB@ greet %s bench --address @ADDR:%s@",
				 t->name, t->name);
			if (!strcmp(t->name, "unix_stream") && have_dyn) {
				add_cmd(c, &n, "list-dynamic", "none", "list-dynamic", "@DYNAMIC@ list");
				add_cmd(c, &n, "greet-unix_stream-dynamic", "unix_stream", "greet-dynamic",
					 "@DYNAMIC@ greet unix_stream bench --address @ADDR:unix_stream@");
			}
		}
	add_cmd(c, &n, "greet-pipe", "pipe", "greet", "@IPCLAB@ greet pipe bench");
	for (size_t i = 0; i < l->n; i++) {
		snprintf(name, sizeof name, "demo-%s", l->t[i]->name);
		add_cmd(c, &n, name, l->t[i]->name, "demo", "@IPCLAB@ demo %s", l->t[i]->name);
	}
	return n;
}

/* Interleaved rounds: a VM's speed drifts by tens of percent within a
 * minute, so every command runs hf_runs / hf_rounds times per round, in one
 * hyperfine call per round, the order rotated by one each round (round k
 * starts with command k), and each command's samples are pooled over the
 * rounds (`pool`: its times in every round's JSON, summarised into its
 * row): every ratio compares commands timed side by side.  Lines:
 *
 *   serve T LOG ARG...      `ipclab ARG...` left running, its log in LOG
 *   once COMMAND            a command line, run alone when hyperfine fails
 *                           (hyperfine hides the commands' own output)
 *   hyperfine LOG ARG...    one round: `hyperfine ARG...`, its output in LOG
 *   pool FILE NAME JSON ARG...  command NAME's times in round JSON into
 *                           `ipclab ARG...`, that round's row into FILE
 *   stop T                  T's server stopped (it must exit 0) */
static int plan_process(const struct sizing *s, const char *dir, const struct tlist *l)
{
	const char *dyn = getenv("IPCLAB_DYNAMIC");
	bool have_dyn = dyn && *dyn && access(dyn, X_OK) == 0;
	struct proc_cmd c[80];
	const char *served[32];
	size_t nserved;
	unsigned per = (s->hf_runs + s->hf_rounds - 1) / s->hf_rounds;
	static const char *const exports[][2] = { { "json", "json" }, { "csv", "csv" },
						  { "markdown", "md" } };

	if (!have_dyn)
		puts("warn\tno dynamically linked build (IPCLAB_DYNAMIC): the loader's cost is not "
		     "measured");
	if (2 * l->n + 6 > sizeof c / sizeof c[0]) /* two commands a transport, and a few */
		return -1;
	size_t n = process_cmds(l, have_dyn, c, served, &nserved);
	for (size_t i = 0; i < n; i++)
		printf("once\t%s\n", c[i].line);
	for (unsigned k = 0; k < s->hf_rounds; k++) {
		say("round %u/%u, %zu commands x %u runs", k + 1, s->hf_rounds, n, per);
		printf("hyperfine\thyperfine/round-%u.log\t-N\t--style\tbasic\t--warmup\t%u\t--runs\t%u",
		       k + 1, s->hf_warmup, per);
		for (int e = 0; e < 3; e++)
			printf("\t--export-%s\t%s/hyperfine/round-%u.%s", exports[e][0], dir, k + 1,
			       exports[e][1]);
		for (size_t j = 0; j < n; j++) {
			const struct proc_cmd *x = &c[(k + j) % n];
			printf("\t--command-name\t%s\t%s", x->name, x->line);
		}
		putchar('\n');
	}
	/* One row per command and round: the report takes the median round
	 * and the rounds' range as the command's interval. */
	for (size_t i = 0; i < n; i++)
		for (unsigned k = 1; k <= s->hf_rounds; k++)
			printf("pool\tprocess/%s.r%u.csv\t%s\thyperfine/round-%u.json\tbench\tsummarize"
			       "\t--kind\tprocess\t--transport\t%s\t--mode\t%s\t--unit\ts\t--format\tcsv\n",
			       c[i].name, k, c[i].name, k, c[i].transport, c[i].mode);
	for (size_t i = 0; i < nserved; i++)
		printf("stop\t%s\n", served[i]);
	return 0;
}

/* ---- many clients (bench/scaling.sh) -------------------------------------
 *
 * Its lines, besides say and warn (FILE, LOG and ERR relative to DIR; @WORK@
 * is the script's private directory, @PORT@ redis' port, @EMPTY@ an empty
 * argument, @ADDR:NAME@ and @PID:NAME@ where the server NAME listens and its
 * process: bench/lib.sh's fill):
 *
 *   serve NAME LOG ARG...          `ipclab ARG...`, a server, left running
 *   load FILE ERR LIMIT LABEL ARG...   `ipclab ARG...` (a load), stopped after
 *                                  LIMIT s, its row into FILE, its messages
 *                                  into ERR; LABEL: the point, in a warning
 *   stop NAME                      that server stopped
 *   redis-start LOG SOCKET ARG...  redis-server (ARG...), ready once it
 *                                  listens on @PORT@ and SOCKET
 *   redis FILE ERR LIMIT LABEL ARG...  a redis-benchmark run, its CSV into FILE
 *   stop redis                     redis-server stopped
 *   count FILE LOG CTL ACK ARG...  perf stat (ARG...) attached to a server,
 *                                  its count into FILE, its events enabled
 *                                  through the FIFOs CTL and ACK
 *   uncount NAME                   perf's events disabled, the server NAME
 *                                  stopped, and perf with it */

/* Per request: an iterative server keeps the last clients waiting. */
#define SCALING_REQUEST_MS 60000
/* Per run of a tool, whatever happens. */
#define SCALING_RUN_LIMIT_S 180

static void scaling_serve(const char *t, const char *m)
{
	printf("serve\t%s_%s\tlog/scaling/serve_%s_%s.log\tserve\t%s\t--mode\t%s%s\n", t, m, t, m, t,
	       m, !strcmp(t, "tcp") ? "\t--address\t127.0.0.1:0" : "");
}

/* One `ipclab load` point against the server of t in mode m, into file. */
static void scaling_load(const char *t, const char *m, unsigned long clients,
			 unsigned long requests, const char *file)
{
	say("%s, %s server, %lu client%s", t, m, clients, clients == 1 ? "" : "s");
	printf("load\t%s\tlog/scaling/load_%s_%s_%lu.err\t%d\tscaling %s %s, %lu clients\tload\t%s\t"
	       "--address\t@ADDR:%s_%s@\t--clients\t%lu\t--requests\t%lu\t--mode\t%s\t--timeout\t%d\t"
	       "--format\tcsv\n", file, t, m, clients, SCALING_RUN_LIMIT_S, t, m, clients, t, t, m,
	       clients, requests, m, SCALING_REQUEST_MS);
}

/* One redis-benchmark run over the family fam (unix: its socket; tcp). */
static void scaling_redis(const char *fam, unsigned long clients, unsigned long total,
			  const char *file)
{
	printf("redis\t%s\tlog/scaling/redis-benchmark.err\t%d\tredis-benchmark %s, %lu clients\t"
	       "redis-benchmark\t-t\tping_inline\t-c\t%lu\t-n\t%lu\t--csv\t%s\n", file,
	       SCALING_RUN_LIMIT_S, fam, clients, clients, total,
	       !strcmp(fam, "unix") ? "-s\t@WORK@/redis.sock" : "-h\t127.0.0.1\t-p\t@PORT@");
}

/* A private redis-server on a free port and a 0700 socket in @WORK@,
 * nothing saved to disk (`--save ""`: no snapshots; no append-only
 * file), enough clients for the largest point. */
static void scaling_redis_start(void)
{
	puts("redis-start\tlog/scaling/redis-server.log\t@WORK@/redis.sock\tredis-server\t--port\t"
	     "@PORT@\t--bind\t127.0.0.1\t--unixsocket\t@WORK@/redis.sock\t--unixsocketperm\t700\t"
	     "--save\t@EMPTY@\t--appendonly\tno\t--dir\t@WORK@\t--maxclients\t4096\t--daemonize\tno");
}

/* perf stat attached to the server of t in mode m around one load: the
 * server's system calls, context switches and CPU time.  -D -1: its
 * events start disabled, until the shell enables them through --control. */
static void scaling_count(const char *dir, const char *t, const char *m, unsigned long clients,
			  unsigned long requests)
{
	char file[128], data[128];
	snprintf(file, sizeof file, "scaling/counted/%s_%s_%lu.perf", t, m, clients);
	snprintf(data, sizeof data, "scaling/counted/%s_%s_%lu.csv", t, m, clients);
	scaling_serve(t, m);
	printf("count\t%s\tlog/scaling/perf.log\t@WORK@/perf.ctl\t@WORK@/perf.ack\tperf\tstat\t-x,\t"
	       "-o\t%s/%s\t-D\t-1\t--control\tfifo:@WORK@/perf.ctl,@WORK@/perf.ack\t-e\t"
	       "raw_syscalls:sys_enter,context-switches,task-clock\t-p\t@PID:%s_%s@\n", file, dir,
	       file, t, m);
	scaling_load(t, m, clients, requests, data);
	printf("uncount\t%s_%s\n", t, m);
}

/* Epoll, uring and redis by turns at 1, 50 and 1000 clients, ROUNDS runs
 * each, every server started afresh for its run (scaling/target/).  Then
 * the counted runs (scaling/counted/T_M_C.csv and .perf): perf stat
 * attached to the server, enabled just before the load and disabled just
 * after it, counts what the server did for it. */
static void plan_scaling_turns(const char *dir, bool quick, bool uring, unsigned long total,
			       unsigned long min_each)
{
	static const unsigned long at[] = { 1, 50, 1000 };
	static const char *const T[] = { "unix_stream", "tcp" }, *const fam[] = { "unix", "tcp" };
	const char *M[3] = { "epoll", "uring", NULL };
	bool redis = on_path("redis-server") && on_path("redis-benchmark");
	int rounds = quick ? 2 : 3;
	char file[128];
	if (!uring)
		M[1] = NULL;
#define REQ(n) (total / (n) >= min_each ? total / (n) : min_each)
	say("epoll, %s%s by turns, %d runs each at 1, 50 and 1000 clients", uring ? "uring, " : "",
	    redis ? "redis" : "", rounds);
	for (size_t t = 0; t < 2; t++)
		for (size_t j = 0; j < sizeof at / sizeof at[0]; j++)
			for (int k = 1; k <= rounds; k++) {
				for (size_t m = 0; M[m]; m++) {
					snprintf(file, sizeof file, "scaling/target/ours_%s_%s_%lu_%d.csv",
						 T[t], M[m], at[j], k);
					scaling_serve(T[t], M[m]);
					scaling_load(T[t], M[m], at[j], REQ(at[j]), file);
					printf("stop\t%s_%s\n", T[t], M[m]);
				}
				snprintf(file, sizeof file, "scaling/target/redis_%s_%lu_%d.out", fam[t],
					 at[j], k);
				if (redis)
					scaling_redis(fam[t], at[j], REQ(at[j]) * at[j], file);
			}
	if (!on_path("perf")) {
		puts("warn\tperf is not installed (Debian package linux-perf): the servers' system "
		     "calls per request were not counted");
		return;
	}
	say("the epoll%s servers' system calls, context switches and CPU time (perf stat), at "
	    "50 and 1000 clients", uring ? " and uring" : "");
	for (size_t t = 0; t < 2; t++)
		for (size_t j = 1; j < sizeof at / sizeof at[0]; j++)
			for (size_t m = 0; M[m]; m++)
				scaling_count(dir, T[t], M[m], at[j], REQ(at[j]));
#undef REQ
}

/* Every server mode over unix_stream and tcp under `ipclab load` at growing
 * client counts, each point about the same number of greetings in all
 * (spread over the clients, at least a few each), so that an iterative
 * server, which serves connections one after the other, takes no longer at
 * 1000 clients than at 1.  Then redis-server under redis-benchmark at the
 * same counts; then epoll, uring and redis by turns at 1, 50 and 1000
 * clients (a single run of each can be off by a factor of two on a busy
 * machine: the rounds give each figure its interval); then, with perf, the
 * epoll and uring servers' system calls, context switches and CPU time
 * counted during one more load at 50 and 1000 clients. */
static int plan_scaling(const char *dir, bool quick)
{
	static const unsigned long full[] = { 1, 2, 4, 8, 16, 32, 50, 64, 128, 256, 512, 1000 };
	static const unsigned long brief[] = { 1, 50, 1000 };
	static const char *const T[] = { "unix_stream", "tcp" }, *const fam[] = { "unix", "tcp" };
	static const char *const M[] = { "iterative", "select", "poll", "epoll", "uring" };
	const unsigned long *cl = quick ? brief : full;
	size_t ncl = quick ? 3 : 12;
	unsigned long total = quick ? 6000 : 50000, min_each = quick ? 4 : 20;
	char list[128] = "", file[128];
	/* 1000 connections need 1000 descriptors on each side, and a few:
	 * bench/scaling.sh raises the soft limit to the hard one before it
	 * asks; the points above what is left will fail. */
	struct rlimit nofile;
	long most = (long)cl[ncl - 1];
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY &&
	    (long)nofile.rlim_cur < most + 100)
		printf("warn\tonly %ld descriptors allowed (ulimit -Hn): points above about %ld clients "
		       "will fail\n", (long)nofile.rlim_cur, (long)nofile.rlim_cur - 100);
	bool uring = uring_usable();
	for (size_t j = 0; j < ncl; j++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%lu", j ? " " : "", cl[j]);
#define REQ(n) (total / (n) >= min_each ? total / (n) : min_each)
	for (size_t t = 0; t < 2; t++)
		for (size_t m = 0; m < sizeof M / sizeof M[0]; m++) {
			if (!uring && !strcmp(M[m], "uring"))
				continue;
			say("%s, %s server, clients: %s", T[t], M[m], list);
			scaling_serve(T[t], M[m]);
			for (size_t j = 0; j < ncl; j++) {
				snprintf(file, sizeof file, "scaling/load_%s_%s_%lu.csv", T[t], M[m], cl[j]);
				scaling_load(T[t], M[m], cl[j], REQ(cl[j]), file);
			}
			printf("stop\t%s_%s\n", T[t], M[m]);
		}
	if (!on_path("redis-server") || !on_path("redis-benchmark")) {
		puts("warn\tredis-server or redis-benchmark is not installed (Debian packages "
		     "redis-server and redis-tools): the redis reference was skipped");
	} else {
		scaling_redis_start();
		for (size_t f = 0; f < 2; f++)
			for (size_t j = 0; j < ncl; j++) {
				snprintf(file, sizeof file, "scaling/redis_%s_%lu.out", fam[f], cl[j]);
				scaling_redis(fam[f], cl[j], REQ(cl[j]) * cl[j], file);
			}
	}
	plan_scaling_turns(dir, quick, uring, total, min_each);
	if (on_path("redis-server") && on_path("redis-benchmark"))
		puts("stop\tredis");
#undef REQ
	return 0;
}

/* What a run says first: where its results go, its size, the CPUs its
 * placements use (two at most; one: the two-CPU placement is left out,
 * and the run says so). */
static void plan_start(const struct places *p, const char *dir, bool quick)
{
	say("results in %s (%s run, %d CPU%s)", dir, quick ? "quick" : "full", p->ncpu,
	    p->ncpu > 1 ? "s" : "");
	if (p->ncpu < 2)
		puts("warn\tonly one CPU available: the two-CPU placement was skipped");
	/* The link to the newest run, in the results' folder: a quick run
	 * never moves `latest` off the last full run. */
	printf("link\t%s\n", quick ? "latest-quick" : "latest");
}

static const char plan_usage[] =
	"usage: ipclab bench plan STEP DIR [--quick]\n"
	"\n"
	"What one step of `ipclab bench run` measures, and where each result goes\n"
	"(bench/run.sh carries it out): STEP is process, latency, throughput,\n"
	"connect, peers, scaling or start (netlab, netlab-lab, steps, progress\n"
	"and peer-figure: see bench/plan_netlab.c, plan_progress.c, peer_figure.c).\n"
	"One line per action, fields separated by tabs: `say TEXT`,\n"
	"`warn TEXT`, `run FILE ARG...` (FILE relative to DIR), `peer-run LOG ARG...`\n"
	"and the lines around it (bench/peers.sh runs them), `round ...` (a line of\n"
	"peers/rounds.tsv, its figure $KEY from the peer run before it), `hyperfine\n"
	"LOG ARG...` and the lines around it (bench/process.sh).\n";

int cmd_bench_plan(int argc, char **argv)
{
	bool quick = false;
	const char *step = NULL, *dir = NULL;
	/* Their own files and command lines: plan_netlab.c, plan_progress.c,
	 * plan_machine.c, peer_figure.c. */
	if (argc > 1 && !strcmp(argv[1], "netlab"))
		return plan_netlab(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "netlab-stale"))
		return plan_netlab_stale(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "netlab-lab"))
		return plan_netlab_lab(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "progress"))
		return plan_progress(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "rundir"))
		return plan_rundir(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "free-port"))
		return plan_free_port(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "say"))
		return plan_say(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "steps"))
		return plan_steps(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "peer-figure"))
		return plan_peer_figure(argc - 1, argv + 1);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(plan_usage, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (!step)
			step = argv[i];
		else if (!dir)
			dir = argv[i];
		else
			step = NULL, i = argc;
	}
	if (!step || !dir) {
		fputs(plan_usage, stderr);
		return IPC_USAGE;
	}
	struct sizing s;
	struct places p;
	sizing_of(quick, &s);
	struct tlist l;
	tlist_of(&l, strcmp(step, "start") && strcmp(step, "process") && strcmp(step, "scaling") &&
			     strcmp(step, "peers"));
	if (places_of(&p) < 0) {
		fprintf(stderr, "ipclab bench plan: sched_getaffinity: %s; cannot tell the CPUs "
			"this process may use\n", strerror(errno));
		return IPC_SYSTEM;
	}
	int rc = 0;
	if (!strcmp(step, "latency"))
		rc = plan_latency(&s, &p, dir, &l);
	else if (!strcmp(step, "throughput"))
		rc = plan_throughput(&s, &p, &l);
	else if (!strcmp(step, "connect"))
		rc = plan_connect(&s, &p, dir, &l);
	else if (!strcmp(step, "peers"))
		rc = plan_peers(&s, &p, dir);
	else if (!strcmp(step, "scaling"))
		rc = plan_scaling(dir, quick);
	else if (!strcmp(step, "process"))
		rc = plan_process(&s, dir, &l);
	else if (!strcmp(step, "start"))
		plan_start(&p, dir, quick);
	else {
		fprintf(stderr, "ipclab bench plan: unknown step '%s' (latency, throughput, "
			"connect, peers, scaling, process, start)\n", step);
		return IPC_USAGE;
	}
	if (rc == -2)
		return IPC_USAGE;
	if (rc) {
		fprintf(stderr, "ipclab bench plan: a file name does not fit (is DIR too long?)\n");
		return IPC_SYSTEM;
	}
	return ferror(stdout) || fflush(stdout) != 0 ? IPC_SYSTEM : 0;
}
