/*
 * bench_cli.c - `ipclab bench SUBCOMMAND`: the command line of the
 * in-process benchmarks (latency.c, throughput.c, connect.c), the
 * environment record and the summary of external timings.
 *
 * Results go to stdout in the common layout (report.h); warnings and
 * progress go to stderr, so `ipclab bench ... --format csv > x.csv` is clean.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "bench.h"
#include "busy.h"
#include "cli.h"
#include "copy.h"
#include "datadir.h"
#include "netlab.h"
#include "pauses.h"

static const char bench_usage[] =
	"usage: ipclab bench SUBCOMMAND [ARGS] [OPTIONS]\n"
	"\n"
	"`run` is the whole benchmark, as `make bench` runs it.  The others measure\n"
	"the transports in process: two processes (this one and a forked child)\n"
	"joined by one transport, blocking I/O in tight loops.\n"
	"\n"
	"subcommands:\n"
	"  run [--quick]             the whole job: demos, every benchmark, the plots\n"
	"  plot RESULTS_DIR          draw the plots of a run again\n"
	"  latency TRANSPORT...      round trips: percentiles, CPU and context switches\n"
	"  throughput TRANSPORT...   one-way stream, every byte verified: MB/s\n"
	"  connect TRANSPORT...      connection set-up: connect until the first byte\n"
	"  summarize --kind K --transport T   numbers on stdin -> one result row\n"
	"  netlab DIR                the table of a `make netlab` run (docs/NETLAB.md)\n"
	"  pingpong                  one cache line passed between two CPUs: the floor\n"
	"                            under every round trip\n"
	"  memcpy --size B           one CPU copying B-byte blocks: the ceiling over\n"
	"                            every throughput\n"
	"  pauses                    one CPU spinning on the clock: how often, and how\n"
	"                            long, the machine takes the CPU away\n"
	"  env                       the environment record alone\n"
	"  report DIR                a run directory (bench run) -> summary.md, all.csv,\n"
	"                            results.json, peers.csv and the plots' tables\n"
	"  compare RUN_A RUN_B       two runs row by row: faster, slower or no change\n"
	"                            beyond the noise\n"
	"  transports                what the scripts need to know of each transport\n"
	"  plan STEP DIR [--quick]   what a step of `run` measures, into which file\n"
	"  busy begin|end DIR STEP   what other processes and the host took of the\n"
	"                            run's CPUs during a step of `run`\n"
	"\n"
	"TRANSPORT is a name from `ipclab list` ({any}), or `all`.\n"
	"`ipclab bench SUBCOMMAND --help` describes each.\n"
	"Results go to stdout (--format text, csv, json or\n"
	"markdown; BENCHMARKS.md in the documentation lists the columns), warnings and\n"
	"progress to stderr.\n";

static const char latency_usage[] =
	"usage: ipclab bench latency TRANSPORT... [--size B] [--count N] [--warmup N]\n"
	"                            [--pin A,B] [--format F] [--samples FILE] [--progress]\n"
	"                            [--address ADDR] [--timeout MS] [--unconnected]\n"
	"                            [--wait block|spin] [--waits FILE]\n"
	"                            [--io read|uring] [--batch N]\n"
	"\n"
	"Ping-pong between this process (the client) and a forked child (the server)\n"
	"over TRANSPORT (or `all`: {any});\n"
	"each round trip is timed with CLOCK_MONOTONIC.\n"
	"Reports min, p50, p90, p99, p99.9, max, mean and stddev in microseconds, and\n"
	"per round trip the CPU time (user+sys) and context switches of both processes.\n"
	"\n"
	"  --size B       echo a payload of B bytes (K, M suffixes: x1024) instead of\n"
	"                 greeting requests; datagrams: at most the transport's limit\n"
	"                 ({dgram-limits})\n"
	"  --count N      timed round trips (default 10000)\n"
	"  --warmup N     untimed round trips first (default 1000)\n"
	"  --pin A,B      client on CPU A, server on CPU B (0,0: the same CPU); without\n"
	"                 it the run is marked UNPINNED and a warning is printed\n"
	"  --format F     text (default), csv, json, markdown\n"
	"  --samples FILE every sample in microseconds, one a line (one transport only)\n"
	"  --waits FILE   shm: per round trip, in the samples' order, how the client's\n"
	"                 and the server's waits ended (ready, spun, slept) and the CPU\n"
	"                 each ran on, one a line (one transport only)\n"
	"  --batch N      read the clock once per N round trips; each sample is that\n"
	"                 batch's mean (note BATCH-MEANS), the statistic of `bench\n"
	"                 pingpong`, free of the two clock readings a round trip\n"
	"                 timed alone carries (the reply checks are then inside it)\n"
	"  --progress     progress on stderr even when it is not a terminal\n"
	"  --address ADDR greet the server already running at ADDR (`ipclab serve`, in\n"
	"                 another network namespace or on another host) instead of\n"
	"                 forking one: greetings only, this client's CPU time only\n"
	"  --timeout MS   datagrams: how long to wait for a reply before sending again\n"
	"                 (default 1000); a stream with --address: before giving up\n"
	"                 (default 20000)\n"
	"  --wait block|spin  {spin}: block (default) on the doorbell, or spin\n"
	"                 on the ring (the row's transport reads <name>-spin)\n"
	"  --unconnected  datagrams ({datagram}):\n"
	"                 the client sends with sendto() to the server's address\n"
	"                 and reads with recvfrom(), as sockperf does, instead\n"
	"                 of connect() once, then send() and recv() (the row's\n"
	"                 transport reads <name>-unconnected)\n"
	"  --io IO        streams: how the client moves its bytes: read (default:\n"
	"                 write() then read()) or uring (the write and the read as two\n"
	"                 linked requests in one io_uring_enter(); the row's transport\n"
	"                 reads unix_stream-uring...)\n"
	"\n"
	"Without --size the server answers \"Hello, <name>\" with the product's own\n"
	"protocol code (the size column is then the request's bytes: 16 on streams,\n"
	"15 on datagrams).  Notes: UNPINNED; HIGH-SPREAD when p99 > 3 x p50;\n"
	"TWO-LEVEL levels=LOW/HIGHus high=P% when the run, cut into 20 stretches in\n"
	"time, sat at two speeds more than 5 % apart (P: its share at the higher);\n"
	"REMOTE with --address.  Datagrams: every send carries its own number; a round trip\n"
	"that times out is sent again and is not a sample.  With --address, or when\n"
	"anything went wrong, the note counts: sent=N lost=N (never answered: also the lost column,\n"
	"and the word LOSSY) resent=N dup=N (answered twice) reordered=N (after the\n"
	"reply to a later send) late=N (after its round trip was given up).\n";

static const char throughput_usage[] =
	"usage: ipclab bench throughput TRANSPORT... --size B [--total BYTES] [--pin A,B]\n"
	"                               [--format F] [--progress] [--no-verify]\n"
	"                               [--wait block|spin] [--copy RUNG]\n"
	"\n"
	"A one-way stream of B-byte messages from this process to a forked child,\n"
	"which verifies every byte (each message carries its sequence number) and\n"
	"acknowledges the end; the clock stops at that acknowledgement.  Reports\n"
	"MB/s (10^6 bytes/s), messages/s, CPU ms per MB and context switches per\n"
	"message, both processes together.\n"
	"\n"
	"  --size B       message size (K, M suffixes: x1024); byte streams: 1 B up to\n"
	"                 256 MiB; datagrams: 8 B up to the transport's limit\n"
	"  --total BYTES  bytes to send (default: B x 262144, at most 1 GiB: about\n"
	"                 0.2 to 1 s per run); rounded down to whole messages\n"
	"  --pin A,B      sender on CPU A, receiver on CPU B\n"
	"  --format F     text (default), csv, json, markdown\n"
	"  --progress     progress on stderr even when it is not a terminal\n"
	"  --no-verify    count the bytes but check none of them, as lmbench's bw_*\n"
	"                 do: the cost of the check is the difference (row noted\n"
	"                 UNVERIFIED; sequence numbers, and so losses, still counted)\n"
	"  --wait block|spin  {spin}: block (default) on the doorbell, or spin\n"
	"                 on the ring\n"
	"  --copy RUNG    how the bytes travel, from two copies of each to none (the\n"
	"                 row's transport reads pipe-vmsplice, tcp-zerocopy, ...;\n"
	"                 spinning: shm-inplace-spin):\n"
	"%s"
	"                 A rung applies where the transport fits (its descriptor a\n"
	"                 pipe or a TCP socket; peek and inplace: shm's ring, in a\n"
	"                 --size that divides its 1 MiB); with `all`, the others\n"
	"                 are skipped.\n"
	"                 Notes: TAGS-ONLY (the body went to /dev/null unseen: each\n"
	"                 message's 8-byte tag checked), NO-HUGE-PAGES, ZC-COPIED=P%%\n"
	"                 (MSG_ZEROCOPY sends the kernel copied after all: loopback\n"
	"                 does), ZC-MAPPED=P%% (received bytes mapped, not read)\n"
	"\n"
	"TRANSPORT: one or more of {any}, or `all`.\n"
	"\n"
	"UDP may drop datagrams: they are counted (lost=N) and the row is marked\n"
	"LOSSY; MB/s is then what arrived.  A corrupted, duplicated or reordered\n"
	"byte is an error (exit status 7), never a figure.\n";

/* throughput_usage with its one %s: the rungs, from the table in copy.c. */
static void print_throughput_usage(FILE *out)
{
	char rungs[1024] = "";
	size_t len = 0;

	for (int r = 0; r < COPY_RUNGS && len < sizeof rungs; r++)
		len += (size_t)snprintf(rungs + len, sizeof rungs - len,
					"                   %-14s %d cop%s: %s\n",
					copy_rungs[r].name, copy_rungs[r].copies,
					copy_rungs[r].copies == 1 ? "y" : "ies",
					copy_rungs[r].how);
	char text[8192];
	snprintf(text, sizeof text, throughput_usage, rungs);
	cli_help(out, text);
}

static const char memcpy_usage[] =
	"usage: ipclab bench memcpy --size B [--total BYTES] [--pin A] [--format F]\n"
	"\n"
	"One process copying B-byte blocks from one buffer to another with memcpy(),\n"
	"--total bytes in all (default as throughput's), on CPU A: the bandwidth no\n"
	"transport that copies can pass, measured where the transports are.  The\n"
	"row reads as a throughput row whose transport is memcpy; both buffers stay\n"
	"in the cache up to its size, as a transport's do.\n";

static const char connect_usage[] =
	"usage: ipclab bench connect TRANSPORT... [--count N] [--warmup N] [--pin A,B]\n"
	"                            [--format F] [--samples FILE] [--progress]\n"
	"\n"
	"Connection set-up cost for the transports that have one:\n"
	"{connect} (`all` means those).\n"
	"The client's time from the start of connect until the first byte written\n"
	"by the freshly accepted server side arrives.\n"
	"The server closes first, then the client, so TCP's TIME_WAIT stays on the\n"
	"server's side and never uses up the client's ports.\n"
	"\n"
	"  --count N      timed connections (default 2000)\n"
	"  --warmup N     untimed connections first (default 100)\n"
	"  --pin A,B, --format F, --samples FILE, --progress: as for latency\n";

static const char summarize_usage[] =
	"usage: ipclab bench summarize --kind K --transport T [--mode M] [--size B]\n"
	"                              [--unit U] [--pin A,B] [--format F]\n"
	"\n"
	"Read numbers from stdin, one a line (blank lines and # comments skipped),\n"
	"and print them as one result row: the latency columns are their\n"
	"percentiles in microseconds.  For example, hyperfine's run times:\n"
	"  jq -r '.results[0].times[]' x.json | ipclab bench summarize --kind process \\\n"
	"      --transport tcp --unit s --format csv\n"
	"\n"
	"  --unit U       s (default), ms, us or ns: the unit of the input numbers\n"
	"  --mode M       the row's mode column (greet, demo, ...)\n"
	"  --pin A,B      only recorded in the row and the environment\n";

static const char report_usage[] =
	"usage: ipclab bench report DIR\n"
	"\n"
	"Read the run directory DIR that `ipclab bench run` (or `make bench`) left\n"
	"(env.csv, the result rows of every step, samples/, peers/rounds.tsv,\n"
	"scaling/) and write into it:\n"
	"  summary.md     findings first, then the tables they come from\n"
	"  all.csv        every measurement, one row each (throughput: the median\n"
	"                 of its rounds), plain CSV\n"
	"  results.json   the environment, every row with its figure and interval,\n"
	"                 and the findings as records\n"
	"  peers.csv      the comparisons with the peer tools, as data\n"
	"  plots/data/    the tables plots/*.gp draw, and meta.gp\n"
	"Warnings about the results, one line per cause, go to stderr.\n";

static const char compare_usage[] =
	"usage: ipclab bench compare RUN_A RUN_B [--format F]\n"
	"\n"
	"Two run directories (of `make bench`, two commits, kernels or machines) row\n"
	"by row.  Rows are matched by kind, transport, mode, size, clients,\n"
	"placement and checked or not.  Each row is judged by its figure (MB/s,\n"
	"greetings/s, or the p50 in µs) and the interval over its rounds; B/A is B's\n"
	"figure over A's, with the interval the two intervals allow.  The verdict:\n"
	"  faster, slower  the two intervals are apart and B/A is more than 2 %\n"
	"                  from 1 (\"1.35× faster [1.20, 1.52]\": how many times, and\n"
	"                  the range the intervals allow)\n"
	"  ~               no change beyond the noise: the intervals overlap\n"
	"  ?               a side has a single round, so its noise is unknown: the\n"
	"                  ratio is shown, no verdict is given\n"
	"  only in A or B  the row is in one run only\n"
	"The servers run by turns in the scaling step (several runs each at a few\n"
	"client counts) are rows of their own, mode MODE-by-turns, judged over their\n"
	"runs.  First the steps in which either run shared the machine (busy.tsv:\n"
	"a change there may be the machine's); then a summary: per kind, the rows,\n"
	"the geometric mean of B/A and how many of each verdict; then the largest\n"
	"changes; then every row.\n"
	"\n"
	"  --format F     text (default), markdown, csv (the rows) or json\n"
	"\n"
	"Exit status: 0 compared (whatever the verdicts), 2 a bad command line or a\n"
	"directory that holds no run, 6 a directory that cannot be read.\n";

static const char transports_usage[] =
	"usage: ipclab bench transports\n"
	"One line per transport: name, stream or datagram, the largest message one\n"
	"datagram carries (0 for a stream), and whether a client connects (yes/no).\n";

static const char pingpong_usage[] =
	"usage: ipclab bench pingpong [--count N] [--warmup N] [--pin A,B] [--format F]\n"
	"\n"
	"Two processes share one cache line and pass a counter back and forth,\n"
	"spinning (and yielding now and then, so that one CPU works too): no system\n"
	"call, no copy, no wake-up, only the line moving between the cores.  The\n"
	"clock is read once per 1000 round trips; each sample is such a batch's mean\n"
	"(note BATCH-MEANS).  --count: round trips (default 1000000), --warmup\n"
	"(default 100000).  A latency row whose transport is `pingpong`.\n";

static const char pauses_usage[] =
	"usage: ipclab bench pauses [--pin CPU] [--duration MS] [--format F]\n"
	"\n"
	"One process, pinned to one CPU, reads CLOCK_MONOTONIC in a tight loop (no\n"
	"system call) for MS milliseconds.  A gap between two readings longer than\n"
	"5 us is a pause: time the CPU was taken away, by an interrupt, another task\n"
	"or, in a virtual machine, the hypervisor, which the guest sees nowhere else.\n"
	"Reports the pauses, their rate, the share of the time lost, and their\n"
	"length in microseconds (min, p50, p90, p99, max; nearest rank).  Any\n"
	"benchmark pinned to that CPU loses the same time: this is the part of a\n"
	"latency tail that belongs to the machine.\n"
	"\n"
	"  --pin CPU      the CPU to measure (one number; default: the CPU it starts on)\n"
	"  --duration MS  the length of the run in milliseconds (default 1000);\n"
	"                 --count MS, the old spelling, is still taken\n"
	"  --format F     text (default), csv, json, markdown\n"
	"\n"
	"CSV: the environment record, then a header and one row: kind (`pauses`),\n"
	"cpu, seconds, threshold_us, pauses, pauses_per_s, lost_pct, min_us, p50_us,\n"
	"p90_us, p99_us, max_us, clock_ns (one reading outside the pauses), ctxsw\n"
	"(context switches during the run: the guest's own preemptions) and overflow\n"
	"(pauses past the first 1048576: counted, left out of the percentiles).\n"
	"Without a pause the length columns are empty.\n";

static const char env_usage[] =
	"usage: ipclab bench env [--format F]\n"
	"Print the environment record (machine, kernel, compiler, revision, date).\n";

static const char netlab_usage[] =
	"usage: ipclab bench netlab DIR [DIR...] [--format text|markdown] [--data FILE]\n"
	"                           [--strict]\n"
	"\n"
	"The table of a `make netlab` run (bench/netlab.sh, docs/NETLAB.md): for every\n"
	"link condition in DIR/conditions.tsv and each of TCP and UDP, the round trips\n"
	"delivered, retransmitted, lost, duplicated and reordered, and the latency.\n"
	"TCP's retransmissions come from the kernel's counters (DIR/COND/snmp_*),\n"
	"UDP's from the client's own count (the note of DIR/COND/udp_latency.csv).\n"
	"\n"
	"A row whose steps failed is in the table with what they did deliver, and\n"
	"its first problem is listed below it.  With several run directories, the\n"
	"table is the first one's, and the findings give each figure's spread\n"
	"over them all.\n"
	"\n"
	"  --data FILE    also write the plot data (one line per loss rate) to FILE\n"
	"  --format F     text (default) or markdown\n"
	"  --strict       exit 1 when any row failed (without it: only when no row\n"
	"                 could be measured at all)\n";

/* The texts above quote the defaults: keep them in step. */
_Static_assert(BENCH_LATENCY_COUNT == 10000 && BENCH_LATENCY_WARMUP == 1000 &&
	       BENCH_CHILD_TIMEOUT_MS == 20000, "latency_usage");
_Static_assert(BENCH_PAUSES_MS == 1000 && PAUSE_MIN_NS == 5000 && PAUSES_CAP == 1048576,
	       "pauses_usage");
_Static_assert(BENCH_CONNECT_COUNT == 2000 && BENCH_CONNECT_WARMUP == 100, "connect_usage");
_Static_assert(BENCH_TPUT_MESSAGES == 262144 && BENCH_TPUT_MAX_TOTAL == 1ULL << 30 &&
	       BENCH_MAX_SIZE == 256UL << 20, "throughput_usage");

enum {
	O_SIZE = 1 << 0, O_COUNT = 1 << 1, O_WARMUP = 1 << 2, O_PIN = 1 << 3,
	O_SAMPLES = 1 << 4, O_TOTAL = 1 << 5, O_PROGRESS = 1 << 6, O_KIND = 1 << 7,
	O_TRANSPORT = 1 << 8, O_UNIT = 1 << 9, O_FORMAT = 1 << 10, O_NO_VERIFY = 1 << 11,
	O_ADDRESS = 1 << 12, O_TIMEOUT = 1 << 13, O_DATA = 1 << 14, O_MODE = 1 << 15,
	O_WAIT = 1 << 16, O_UNCONNECTED = 1 << 17, O_DURATION = 1 << 18, O_STRICT = 1 << 19,
	O_COPY = 1 << 20, O_IO = 1 << 21, O_WAITS = 1 << 22, O_BATCH = 1 << 23,
};

struct bench_cli {
	const char *sub;
	struct bench_opts b;
	enum report_format format;
	bool size_set, warmup_set, help;
	const char *kind, *transport, *mode;
	double unit_s;
	char pin_text[24];
	const char *rundir; /* where sockets and FIFOs are made (env record) */
	const char *data_path; /* netlab --data */
	bool strict;           /* netlab --strict */
	enum ipc_wait wait;      /* --wait: shm's block or spin */
};

static int usage_error(const struct bench_cli *bc, const char *fmt, const char *arg)
{
	fprintf(stderr, "ipclab bench %s: ", bc->sub);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "; see `ipclab bench %s --help`\n", bc->sub);
	return -1;
}

/* A count: digits only, 0 to ULONG_MAX. */
static int parse_count(const struct bench_cli *bc, const char *opt, const char *text,
		       unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || v > ULONG_MAX)
		return usage_error(bc, opt, text);
	*out = (unsigned long)v;
	return 0;
}

/* Bytes, with an optional K, M or G suffix (powers of 1024; "KiB" too). */
static int parse_bytes(const struct bench_cli *bc, const char *opt, const char *text,
		       unsigned long long *out)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = { { "", 0 }, { "k", 10 }, { "kib", 10 }, { "m", 20 }, { "mib", 20 },
		      { "g", 30 }, { "gib", 30 }, { "b", 0 } };
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || end == text || text[0] == '-')
		return usage_error(bc, opt, text);
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcasecmp(end, units[i].suffix))
			continue;
		if (v > (ULLONG_MAX >> units[i].shift))
			return usage_error(bc, opt, text);
		*out = v << units[i].shift;
		return 0;
	}
	return usage_error(bc, opt, text);
}

static int parse_pin(struct bench_cli *bc, const char *text)
{
	int a, b, len = 0;
	/* One process on one CPU: --pin CPU, and A,B would mean nothing. */
	if (!strcmp(bc->sub, "pauses") || !strcmp(bc->sub, "memcpy")) {
		if (sscanf(text, "%d%n", &a, &len) != 1 || text[len] || a < 0 ||
		    !isdigit((unsigned char)text[0]))
			return usage_error(bc, "--pin wants one CPU number here, not '%s'", text);
		bc->b.pin[0] = a;
		snprintf(bc->pin_text, sizeof bc->pin_text, "%d", a);
		return 0;
	}
	if (sscanf(text, "%d,%d%n", &a, &b, &len) != 2 || text[len] || a < 0 || b < 0)
		return usage_error(bc, "--pin wants two CPU numbers, A,B (0,0 = the same "
				   "CPU), not '%s'", text);
	bc->b.pin[0] = a;
	bc->b.pin[1] = b;
	snprintf(bc->pin_text, sizeof bc->pin_text, "%d,%d", a, b);
	return 0;
}

static int parse_unit(struct bench_cli *bc, const char *text)
{
	static const struct {
		const char *name;
		double seconds;
	} units[] = { { "s", 1 }, { "ms", 1e-3 }, { "us", 1e-6 }, { "ns", 1e-9 } };
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (!strcmp(text, units[i].name)) {
			bc->unit_s = units[i].seconds;
			return 0;
		}
	return usage_error(bc, "--unit wants s, ms, us or ns, not '%s'", text);
}

/* getopt_long over argv (argv[0] is the subcommand): the first operand's
 * index, or -1 after printing the error. */
static int parse_options(struct bench_cli *bc, int allowed, int argc, char **argv)
{
	enum { L_SAMPLES = 256, L_TOTAL, L_PROGRESS, L_KIND, L_TRANSPORT, L_UNIT, L_WARMUP,
	       L_NO_VERIFY, L_ADDRESS, L_TIMEOUT, L_DATA, L_MODE, L_WAIT, L_UNCONNECTED,
	       L_DURATION, L_STRICT, L_COPY, L_IO, L_WAITS, L_BATCH };
	static const struct option longs[] = {
		{ "size", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, L_WARMUP },
		{ "pin", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "samples", required_argument, NULL, L_SAMPLES },
		{ "waits", required_argument, NULL, L_WAITS },
		{ "batch", required_argument, NULL, L_BATCH },
		{ "total", required_argument, NULL, L_TOTAL },
		{ "progress", no_argument, NULL, L_PROGRESS },
		{ "no-verify", no_argument, NULL, L_NO_VERIFY },
		{ "address", required_argument, NULL, L_ADDRESS },
		{ "timeout", required_argument, NULL, L_TIMEOUT },
		{ "data", required_argument, NULL, L_DATA },
		{ "strict", no_argument, NULL, L_STRICT },
		{ "wait", required_argument, NULL, L_WAIT },
		{ "unconnected", no_argument, NULL, L_UNCONNECTED },
		{ "duration", required_argument, NULL, L_DURATION },
		{ "copy", required_argument, NULL, L_COPY },
		{ "io", required_argument, NULL, L_IO },
		{ "kind", required_argument, NULL, L_KIND },
		{ "transport", required_argument, NULL, L_TRANSPORT },
		{ "unit", required_argument, NULL, L_UNIT },
		{ "mode", required_argument, NULL, L_MODE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, li;
	unsigned long long bytes;

	optind = 1;
	opterr = 0;
	/* li: the long option found (-1 for a short one), to name it. */
	while ((li = -1, ch = getopt_long(argc, argv, ":s:n:p:f:h", longs, &li)) != -1) {
		int need = ch == 's' ? O_SIZE : ch == 'n' ? O_COUNT : ch == L_WARMUP ? O_WARMUP
			 : ch == 'p' ? O_PIN : ch == 'f' ? O_FORMAT : ch == L_SAMPLES ? O_SAMPLES
			 : ch == L_TOTAL ? O_TOTAL : ch == L_PROGRESS ? O_PROGRESS
			 : ch == L_KIND ? O_KIND : ch == L_TRANSPORT ? O_TRANSPORT
			 : ch == L_UNIT ? O_UNIT : ch == L_NO_VERIFY ? O_NO_VERIFY
			 : ch == L_ADDRESS ? O_ADDRESS : ch == L_TIMEOUT ? O_TIMEOUT
			 : ch == L_DATA ? O_DATA : ch == L_MODE ? O_MODE
			 : ch == L_WAIT ? O_WAIT : ch == L_UNCONNECTED ? O_UNCONNECTED
			 : ch == L_DURATION ? O_DURATION : ch == L_STRICT ? O_STRICT
			 : ch == L_COPY ? O_COPY : ch == L_IO ? O_IO : ch == L_WAITS ? O_WAITS
			 : ch == L_BATCH ? O_BATCH : 0;
		if (need && !(allowed & need)) {
			/* Not argv[optind - 1]: after "--warmup 3" that is the "3". */
			char name[32];
			if (li >= 0)
				snprintf(name, sizeof name, "--%s", longs[li].name);
			else
				snprintf(name, sizeof name, "-%c", ch);
			return usage_error(bc, "%s does not apply here", name);
		}
		switch (ch) {
		case 's':
			if (parse_bytes(bc, "--size wants a number of bytes, not '%s'", optarg,
					&bytes) < 0)
				return -1;
			if (bytes == 0 || bytes > BENCH_MAX_SIZE)
				return usage_error(bc, "--size must be 1 byte to 256 MiB, not '%s'",
						   optarg);
			bc->b.size = (size_t)bytes;
			bc->size_set = true;
			break;
		case 'n':
			if (parse_count(bc, "--count wants a number, not '%s'", optarg,
					&bc->b.count) < 0)
				return -1;
			if (bc->b.count == 0)
				return usage_error(bc, "--count must be at least 1, not '%s'", optarg);
			break;
		case L_DURATION: /* pauses: milliseconds, kept where --count was */
			if (parse_count(bc, "--duration wants milliseconds, not '%s'", optarg,
					&bc->b.count) < 0)
				return -1;
			if (bc->b.count == 0)
				return usage_error(bc, "--duration must be at least 1 ms, not '%s'",
						   optarg);
			break;
		case L_WARMUP:
			if (parse_count(bc, "--warmup wants a number, not '%s'", optarg,
					&bc->b.warmup) < 0)
				return -1;
			bc->warmup_set = true;
			break;
		case 'p':
			if (parse_pin(bc, optarg) < 0)
				return -1;
			break;
		case 'f':
			if (report_parse_format(optarg, &bc->format) < 0)
				return usage_error(bc, "--format wants text, csv, json or markdown, "
						   "not '%s'", optarg);
			break;
		case L_SAMPLES:
			bc->b.samples_path = optarg;
			break;
		case L_WAITS:
			bc->b.waits_path = optarg;
			break;
		case L_BATCH:
			if (parse_count(bc, "--batch wants a number, not '%s'", optarg,
					&bc->b.batch) < 0)
				return -1;
			if (bc->b.batch == 0)
				return usage_error(bc, "--batch must be at least 1, not '%s'", optarg);
			break;
		case L_TOTAL:
			if (parse_bytes(bc, "--total wants a number of bytes, not '%s'", optarg,
					&bc->b.total) < 0)
				return -1;
			if (bc->b.total == 0)
				return usage_error(bc, "--total must be at least 1 byte, not '%s'",
						   optarg);
			break;
		case L_PROGRESS:
			bc->b.progress = true;
			break;
		case L_NO_VERIFY:
			bc->b.no_verify = true;
			break;
		case L_UNCONNECTED:
			bc->b.unconnected = true;
			break;
		case L_IO:
			if (strcmp(optarg, "read") && strcmp(optarg, "uring"))
				return usage_error(bc, "--io wants read or uring, not '%s'", optarg);
			bc->b.io_uring = !strcmp(optarg, "uring");
			break;
		case L_COPY:
			if (copy_rung_parse(optarg, &bc->b.copy) < 0) {
				char rungs[160] = "";
				for (int r = 0; r < COPY_RUNGS; r++)
					snprintf(rungs + strlen(rungs), sizeof rungs - strlen(rungs),
						 "%s%s", r ? ", " : "", copy_rungs[r].name);
				fprintf(stderr, "ipclab bench %s: --copy wants one of %s, not '%s'; "
					"see `ipclab bench %s --help`\n", bc->sub, rungs, optarg,
					bc->sub);
				return -1;
			}
			break;
		case L_ADDRESS:
			bc->b.address = optarg;
			break;
		case L_TIMEOUT: {
			unsigned long ms;
			if (parse_count(bc, "--timeout wants milliseconds, not '%s'", optarg, &ms) < 0)
				return -1;
			if (ms == 0 || ms > INT_MAX)
				return usage_error(bc, "--timeout must be 1 to 2147483647 ms, not '%s'",
						   optarg);
			bc->b.dgram_timeout_ms = (int)ms;
			break;
		}
		case L_DATA:
			bc->data_path = optarg;
			break;
		case L_STRICT:
			bc->strict = true;
			break;
		case L_WAIT:
			if (strcmp(optarg, "block") && strcmp(optarg, "spin"))
				return usage_error(bc, "--wait wants block or spin, not '%s'", optarg);
			bc->wait = strcmp(optarg, "spin") ? IPC_WAIT_BLOCK : IPC_WAIT_SPIN;
			break;
		case L_KIND:
			bc->kind = optarg;
			break;
		case L_TRANSPORT:
			bc->transport = optarg;
			break;
		case L_MODE:
			bc->mode = optarg;
			break;
		case L_UNIT:
			if (parse_unit(bc, optarg) < 0)
				return -1;
			break;
		case 'h':
			bc->help = true;
			break;
		case ':':
			return usage_error(bc, "%s needs a value", argv[optind - 1]);
		default:
			return usage_error(bc, "unknown option '%s'", argv[optind - 1]);
		}
	}
	return optind;
}

/* ---- running the benchmarks ------------------------------------------ */

typedef int bench_fn(const struct bench_opts *, struct bench_result *, struct ipc_error *);

static bool has_connection(const struct ipc_transport *t)
{
	return cli_takes(CLI_USE_CONNECT, t);
}

/* Each operand is a transport or `all`; rows are printed as they come. */
static int run_transports(struct cli *cli, struct bench_cli *bc, bench_fn *fn,
			  int first, int argc, char **argv)
{
	const struct ipc_transport *list[16];
	bool from_all[16];
	size_t n = 0;
	bool connect = !strcmp(bc->sub, "connect");

	for (int i = first; i < argc; i++) {
		for (size_t k = 0; !strcmp(argv[i], "all") && ipc_transports[k]; k++)
			if (n < 16 && (!connect || has_connection(ipc_transports[k]))) {
				from_all[n] = true;
				list[n++] = ipc_transports[k];
			}
		if (!strcmp(argv[i], "all"))
			continue;
		char cmd[32];
		snprintf(cmd, sizeof cmd, "bench %s", bc->sub);
		const struct ipc_transport *t = cli_transport_for(cmd, connect ? CLI_USE_CONNECT
									    : CLI_USE_ANY, argv[i]);
		if (!t)
			return IPC_USAGE;
		if (connect && !has_connection(t)) {
			fprintf(stderr, "ipclab bench connect %s: %s\n", t->name,
				t->servable ? "a datagram transport has no connection to set up: "
					      "every message stands alone"
					    : "a pipe has no connection to set up: it exists before "
					      "fork(), and its cost is the pipe() call");
			return IPC_USAGE;
		}
		if (n < 16) {
			from_all[n] = false;
			list[n++] = t;
		}
	}
	if (n == 0) {
		char names[512];
		cli_names(connect ? CLI_USE_CONNECT : CLI_USE_ANY, ", ", names, sizeof names);
		fprintf(stderr, "ipclab bench %s: which transport? one or more of %s, or `all`\n",
			bc->sub, names);
		return IPC_USAGE;
	}
	if (bc->b.samples_path && n > 1) {
		usage_error(bc, "%s", "--samples takes one transport at a time");
		return IPC_USAGE;
	}
	if (bc->b.waits_path && n > 1) {
		usage_error(bc, "%s", "--waits takes one transport at a time");
		return IPC_USAGE;
	}

	struct env_record env;
	struct report rep;
	int status = 0;
	char skipped[512] = "";
	cli->ctx.wait = bc->wait;
	bc->b.ctx = &cli->ctx;
	env_record_collect(&env, bc->pin_text, bc->rundir);
	report_begin(&rep, stdout, bc->format, &env);
	for (size_t i = 0; i < n && status == 0; i++) {
		struct bench_result r;
		struct ipc_error e = { 0 };
		bc->b.t = list[i];
		if (fn(&bc->b, &r, &e) == 0)
			report_add(&rep, &r.row);
		else if (from_all[i] && bc->b.copy != COPY_RW && e.status == IPC_USAGE &&
			 !(copy_rungs[bc->b.copy].needs == COPY_RING && list[i]->inplace))
			/* `all` with a rung: only the transports whose descriptor
			 * fits (a ring's transport refusing a size says why) */
			snprintf(skipped + strlen(skipped), sizeof skipped - strlen(skipped), "%s%s",
				 skipped[0] ? ", " : "", list[i]->name);
		else
			status = cli_report(&e);
	}
	report_end(&rep);
	if (skipped[0])
		fprintf(stderr, "ipclab bench %s: --copy %s needs %s: skipped %s\n", bc->sub,
			copy_rungs[bc->b.copy].name, copy_needs_text(copy_rungs[bc->b.copy].needs),
			skipped);
	if (ferror(stdout) || fflush(stdout) != 0) {
		fprintf(stderr, "ipclab bench: write the results to stdout: %s\n", strerror(errno));
		return status ? status : IPC_SYSTEM;
	}
	return status;
}

static int run_summarize(struct bench_cli *bc, int first, int argc)
{
	struct bench_result r;
	struct ipc_error e = { 0 };
	struct env_record env;
	struct report rep;

	if (first != argc || !bc->kind || !bc->transport) {
		usage_error(bc, "%s", "give --kind and --transport, and the numbers on stdin");
		return IPC_USAGE;
	}
	if (bench_summarize(stdin, bc->unit_s, bc->kind, bc->transport, bc->b.size,
			    bc->pin_text, stderr, &r, &e) < 0)
		return cli_report(&e);
	if (bc->mode)
		snprintf(r.mode, sizeof r.mode, "%s", bc->mode);
	env_record_collect(&env, bc->pin_text, bc->rundir);
	report_begin(&rep, stdout, bc->format, &env);
	report_add(&rep, &r.row);
	report_end(&rep);
	if (ferror(stdout) || fflush(stdout) != 0) {
		fprintf(stderr, "ipclab bench: write the results to stdout: %s\n", strerror(errno));
		return IPC_SYSTEM;
	}
	return 0;
}

static int run_report(struct bench_cli *bc, int first, int argc, char **argv)
{
	struct ipc_error e = { 0 };

	if (first + 1 != argc) {
		usage_error(bc, "%s", "name one run directory, e.g. results/latest");
		return IPC_USAGE;
	}
	struct run *run = run_new();
	if (!run) {
		fprintf(stderr, "ipclab bench report: out of memory\n");
		return IPC_SYSTEM;
	}
	int rc = run_load_dir(run, argv[first], &e) < 0 || run_write(run, argv[first], stderr, &e) < 0
		 ? cli_report(&e) : 0;
	run_free(run);
	return rc;
}

static int run_compare(struct bench_cli *bc, int first, int argc, char **argv)
{
	struct ipc_error e = { 0 };

	if (first + 2 != argc) {
		usage_error(bc, "%s", "name two run directories, e.g. results/latest results/new");
		return IPC_USAGE;
	}
	if (run_compare_dirs(argv[first], argv[first + 1], bc->format, stdout, &e) < 0)
		return cli_report(&e);
	if (ferror(stdout) || fflush(stdout) != 0) {
		fprintf(stderr, "ipclab bench compare: write to stdout: %s\n", strerror(errno));
		return IPC_SYSTEM;
	}
	return 0;
}

static int run_list(struct bench_cli *bc, int first, int argc)
{
	if (first != argc) {
		usage_error(bc, "%s", "takes no operands");
		return IPC_USAGE;
	}
	for (size_t i = 0; ipc_transports[i]; i++) {
		const struct ipc_transport *t = ipc_transports[i];
		printf("%s %s %zu %s\n", t->name, t->kind == IPC_STREAM ? "stream" : "datagram",
		       t->max_message, has_connection(t) ? "yes" : "no");
	}
	return ferror(stdout) || fflush(stdout) != 0 ? IPC_SYSTEM : 0;
}

static int run_env(struct bench_cli *bc, int first, int argc)
{
	struct env_record env;
	struct report rep;

	if (first != argc) {
		usage_error(bc, "%s", "takes no operands");
		return IPC_USAGE;
	}
	env_record_collect(&env, bc->pin_text, bc->rundir);
	/* Alone, the record describes a whole run: each result names its own
	 * placement, so "none" here would be untrue of the pinned ones. */
	if (!strcmp(bc->pin_text, "none"))
		snprintf(env.pin, sizeof env.pin, "per result");
	report_begin(&rep, stdout, bc->format, &env);
	report_end(&rep);
	return ferror(stdout) || fflush(stdout) != 0 ? IPC_SYSTEM : 0;
}

/* A row of the machine alone, no transport: pingpong, memcpy. */
static int run_machine(struct cli *cli, struct bench_cli *bc, int first, int argc, bench_fn *fn)
{
	struct bench_result r;
	struct ipc_error e = { 0 };
	struct env_record env;
	struct report rep;
	int status = 0;

	if (first != argc) {
		usage_error(bc, "%s", "takes no transport: it measures the hardware alone");
		return IPC_USAGE;
	}
	bc->b.ctx = &cli->ctx;
	env_record_collect(&env, bc->pin_text, bc->rundir);
	report_begin(&rep, stdout, bc->format, &env);
	if (fn(&bc->b, &r, &e) < 0)
		status = cli_report(&e);
	else
		report_add(&rep, &r.row);
	report_end(&rep);
	if (ferror(stdout) || fflush(stdout) != 0)
		return status ? status : IPC_SYSTEM;
	return status;
}

/* One CPU, no transport, a table of its own (pauses.h). */
static int run_pauses(struct bench_cli *bc, int first, int argc)
{
	struct pauses_result r;
	struct ipc_error e = { 0 };
	struct env_record env;
	char pin[24];

	if (first != argc) {
		usage_error(bc, "%s", "takes no operands: it measures the CPU alone");
		return IPC_USAGE;
	}
	/* --duration (or the old --count) is milliseconds here. */
	unsigned long ms = bc->b.count ? bc->b.count : BENCH_PAUSES_MS;
	if (bench_pauses(bc->b.pin[0], ms, &r, &e) < 0)
		return cli_report(&e);
	/* The loop never blocks: every switch is another task preempting it,
	 * and its time is among the pauses without being the machine's. */
	if (r.ctxsw > 0 && isfinite(r.others_pct))
		bench_warn(stderr, "other tasks had CPU %d for %.1f %% of the run (%.0f context "
			   "switches): that much of the pauses is theirs, not the machine's", r.cpu,
			   r.others_pct, r.ctxsw);
	else if (r.ctxsw > 0)
		bench_warn(stderr, "%.0f context switches on CPU %d during the run: some pauses "
			   "are other tasks' time, not the machine's", r.ctxsw, r.cpu);
	snprintf(pin, sizeof pin, "%d", r.cpu);
	env_record_collect(&env, pin, bc->rundir);
	pauses_write(stdout, bc->format, &env, &r);
	if (ferror(stdout) || fflush(stdout) != 0) {
		fprintf(stderr, "ipclab bench: write the results to stdout: %s\n", strerror(errno));
		return IPC_SYSTEM;
	}
	return 0;
}

static int run_netlab(struct bench_cli *bc, int first, int argc, char **argv)
{
	struct ipc_error e = { 0 };

	if (first >= argc) {
		usage_error(bc, "%s", "name a run directory");
		return IPC_USAGE;
	}
	if (bc->format != REPORT_TEXT && bc->format != REPORT_MARKDOWN) {
		usage_error(bc, "%s", "--format is text or markdown here");
		return IPC_USAGE;
	}
	struct netlab_outcome how;
	if (netlab_report((const char *const *)argv + first, argc - first,
			  bc->format == REPORT_MARKDOWN, stdout, bc->data_path, &how, &e) < 0)
		return cli_report(&e);
	if (ferror(stdout) || fflush(stdout) != 0) {
		fprintf(stderr, "ipclab bench: write the table to stdout: %s\n", strerror(errno));
		return IPC_SYSTEM;
	}
	return netlab_exit_status(&how, bc->strict);
}

int cmd_bench(struct cli *cli, int argc, char **argv)
{
	static const struct {
		const char *name;
		const char *usage;
		int allowed;
		bench_fn *fn;
	} subs[] = {
		{ "latency", latency_usage,
		  O_SIZE | O_COUNT | O_WARMUP | O_PIN | O_FORMAT | O_SAMPLES | O_PROGRESS |
		  O_ADDRESS | O_TIMEOUT | O_WAIT | O_UNCONNECTED | O_IO | O_WAITS | O_BATCH,
		  bench_latency },
		{ "throughput", throughput_usage,
		  O_SIZE | O_TOTAL | O_PIN | O_FORMAT | O_PROGRESS | O_NO_VERIFY | O_WAIT |
		  O_COPY, bench_throughput },
		{ "connect", connect_usage,
		  O_COUNT | O_WARMUP | O_PIN | O_FORMAT | O_SAMPLES | O_PROGRESS, bench_connect },
		{ "summarize", summarize_usage, O_KIND | O_TRANSPORT | O_SIZE | O_UNIT | O_PIN |
		  O_FORMAT | O_MODE, NULL },
		{ "env", env_usage, O_FORMAT | O_PIN, NULL },
		{ "pingpong", pingpong_usage, O_COUNT | O_WARMUP | O_PIN | O_FORMAT | O_SAMPLES,
		  bench_pingpong },
		/* --count MS: the old spelling of --duration, still taken. */
		{ "pauses", pauses_usage, O_DURATION | O_COUNT | O_PIN | O_FORMAT, NULL },
		{ "memcpy", memcpy_usage, O_SIZE | O_TOTAL | O_PIN | O_FORMAT, NULL },
		{ "netlab", netlab_usage, O_FORMAT | O_DATA | O_STRICT, NULL },
		{ "report", report_usage, 0, NULL },
		{ "compare", compare_usage, O_FORMAT, NULL },
		{ "transports", transports_usage, 0, NULL },
	};

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		cli_help(argc < 2 ? stderr : stdout, bench_usage);
		return argc < 2 ? IPC_USAGE : 0;
	}
	if (!strcmp(argv[1], "run") || !strcmp(argv[1], "plot"))
		return cmd_bench_script(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "plan"))
		return cmd_bench_plan(argc - 1, argv + 1);
	if (!strcmp(argv[1], "busy"))
		return cmd_bench_busy(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		if (strcmp(argv[1], subs[i].name))
			continue;
		struct bench_cli bc = {
			.sub = subs[i].name,
			.format = REPORT_TEXT,
			.unit_s = 1,
			.pin_text = "none",
			.rundir = cli->ctx.rundir,
			.b = { .pin = { -1, -1 }, .progress = isatty(STDERR_FILENO),
			       .warn = stderr },
		};
		int first = parse_options(&bc, subs[i].allowed, argc - 1, argv + 1);
		if (first < 0)
			return IPC_USAGE;
		if (bc.help) {
			if (subs[i].usage == throughput_usage)
				print_throughput_usage(stdout);
			else
				cli_help(stdout, subs[i].usage);
			return 0;
		}
		first += 1; /* back to indices of argv */
		signal(SIGPIPE, SIG_IGN);
		if (!strcmp(bc.sub, "summarize"))
			return run_summarize(&bc, first, argc);
		if (!strcmp(bc.sub, "env"))
			return run_env(&bc, first, argc);
		if (!strcmp(bc.sub, "netlab"))
			return run_netlab(&bc, first, argc, argv);
		if (!strcmp(bc.sub, "report"))
			return run_report(&bc, first, argc, argv);
		if (!strcmp(bc.sub, "compare"))
			return run_compare(&bc, first, argc, argv);
		if (!strcmp(bc.sub, "transports"))
			return run_list(&bc, first, argc);
		if (!strcmp(bc.sub, "pingpong")) {
			if (!bc.b.count)
				bc.b.count = 1000000;
			if (!bc.warmup_set)
				bc.b.warmup = 100000;
			return run_machine(cli, &bc, first, argc, bench_pingpong);
		}
		if (!strcmp(bc.sub, "memcpy")) {
			if (!bc.size_set) {
				usage_error(&bc, "%s", "--size is required");
				return IPC_USAGE;
			}
			return run_machine(cli, &bc, first, argc, bench_memcpy);
		}
		if (!strcmp(bc.sub, "pauses"))
			return run_pauses(&bc, first, argc);
		if (!strcmp(bc.sub, "throughput") && !bc.size_set) {
			usage_error(&bc, "%s", "--size is required");
			return IPC_USAGE;
		}
		if (!bc.b.count)
			bc.b.count = !strcmp(bc.sub, "connect") ? BENCH_CONNECT_COUNT
								 : BENCH_LATENCY_COUNT;
		if (!bc.warmup_set)
			bc.b.warmup = !strcmp(bc.sub, "connect") ? BENCH_CONNECT_WARMUP
								  : BENCH_LATENCY_WARMUP;
		return run_transports(cli, &bc, subs[i].fn, first, argc, argv);
	}
	fprintf(stderr, "ipclab bench: unknown subcommand '%s'; try `ipclab bench --help`\n",
		argv[1]);
	return IPC_USAGE;
}
