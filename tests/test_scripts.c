/*
 * test_scripts.c - the arithmetic of `make bench`'s scripts, on known input.
 *
 * The summary's ratios (greet / true, the per-round peer ratios and their
 * median, the throughput tables by placement), the choice of the median
 * throughput round, and the stolen-time reading come from awk and bash in
 * bench/.  The quick run in CI shows that they run; these cases show that
 * what they print is right, from small hand-made result tables.  The tests
 * run from the source tree's top (as `make test` does), or from
 * $IPCLAB_SRC.
 */
#include "support.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ENV struct test_env *env = *state
#define AWK "/usr/bin/awk"
#define BASH "/bin/bash"

static char out[32768], err[8192];

/* The source tree, where bench/ is. */
static const char *src_dir(void)
{
	const char *d = getenv("IPCLAB_SRC");
	return d && *d ? d : ".";
}

static void src_path(char *buf, size_t cap, const char *rel)
{
	int n = snprintf(buf, cap, "%s/%s", src_dir(), rel);
	assert_true(n > 0 && (size_t)n < cap);
	if (access(buf, R_OK) != 0)
		fail_msg("%s is not readable: run the tests from the source tree's top, "
			 "or set IPCLAB_SRC", buf);
}

/* Write text to env->dir/name; the path is left in path. */
static void write_file(struct test_env *env, const char *name, const char *text,
		       char *path, size_t cap)
{
	int n = snprintf(path, cap, "%s/%s", env->dir, name);
	assert_true(n > 0 && (size_t)n < cap);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* awk -v order=... -v pin=0,1 -v same=0,0 [-v only=ONLY] -f summary.awk FILES */
static void summary(struct test_env *env, const char *order, const char *only,
		    const char *file1, const char *file2)
{
	char prog[IPC_PATH_MAX], ord[256], onl[64];
	src_path(prog, sizeof prog, "bench/summary.awk");
	snprintf(ord, sizeof ord, "order=%s", order);
	snprintf(onl, sizeof onl, "only=%s", only ? only : "");
	const char *argv[] = { AWK, "-v", ord, "-v", "pin=0,1", "-v", "same=0,0", "-v", onl,
			       "-f", prog, file1, file2, NULL };
	int rc = test_run_argv(env, NULL, out, sizeof out, err, sizeof err, argv);
	if (rc != 0 || err[0])
		fail_msg("summary.awk: status %d, stderr: %s", rc, err);
}

static void assert_has(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("missing line:\n%s\nin:\n%s", want, text);
}

/* ---- the whole-process section ------------------------------------------ */

static const char process_tsv[] =
	"kind\ttransport\tmode\tsize\tcount\tpin\tp50_us\tmean_us\tp99_us\n"
	"process\tnone\ttrue\t0\t1000\tnone\t1000\t1000\t2000\n"
	"process\tnone\tlist\t0\t1000\tnone\t800\t800\t1600\n"
	"process\tnone\tlist-dynamic\t0\t1000\tnone\t1100\t1100\t2200\n"
	"process\tpipe\tgreet\t0\t1000\tnone\t2000\t2000\t4000\n"
	"process\tunix_stream\tgreet\t0\t1000\tnone\t1100\t1100\t2200\n"
	"process\tunix_stream\tgreet-dynamic\t0\t1000\tnone\t1400\t1400\t2800\n"
	"process\ttcp\tgreet\t0\t1000\tnone\t1300\t1300\t2600\n";

static void test_process_ratios(void **state)
{
	ENV;
	char all[IPC_PATH_MAX];
	write_file(env, "all.tsv", process_tsv, all, sizeof all);
	summary(env, "pipe unix_stream tcp", NULL, all, NULL);
	assert_has(out, "| true | – | 1000 | 1.000 | 1.000 | 2.000 | 1.00 | – |");
	assert_has(out, "| greet | unix_stream | 1000 | 1.100 | 1.100 | 2.200 | 1.10 | +300 |");
	/* The dynamic build's start-up is taken from its own `list`. */
	assert_has(out, "| greet, linked dynamically | unix_stream | 1000 | 1.400 | 1.400 | "
			"2.800 | 1.40 | +300 |");
	/* The pipe forks its server: not in the target's range, which the
	 * slowest greet against a running server sets. */
	assert_has(out, "| greet | pipe | 1000 | 2.000 | 2.000 | 4.000 | 2.00 | +1200 |");
	assert_has(out, "(p50): 1.10 to 1.30, highest tcp (target: within 1.25): NOT met.");
	assert_has(out, "The dynamic loader adds 300 µs to every start");
	assert_has(out, "`greet unix_stream` / `true` is 1.40.");
	unlink(all);
}

static void test_process_target_met(void **state)
{
	ENV;
	char all[IPC_PATH_MAX];
	write_file(env, "all.tsv",
		   "kind\ttransport\tmode\tsize\tcount\tpin\tp50_us\tmean_us\tp99_us\n"
		   "process\tnone\ttrue\t0\t10\tnone\t1000\t1000\t1000\n"
		   "process\tudp\tgreet\t0\t10\tnone\t1250\t1250\t1250\n",
		   all, sizeof all);
	summary(env, "udp", NULL, all, NULL);
	assert_has(out, "(p50): 1.25 to 1.25, highest udp (target: within 1.25): met.");
	assert_null(strstr(out, "dynamic loader")); /* no dynamic build measured */
	unlink(all);
}

/* ---- the peers: pooled ratio and median of the per-round ratios ---------- */

static const char peers_tsv[] =
	"kind\ttransport\tmode\tsize\tcount\tpin\tp50_us\tmean_us\tnote\n"
	"peer\ttcp\tsockperf\t64\t9000\t0,0\t10\t10.5\t\n"
	"peer\ttcp\tqperf\t64\t0\t0,0\t\t20\tMEAN-ONLY\n"
	"peer\ttcp\tipclab\t64\t60000\t0,0\t11\t22\t\n"
	"peer\tudp\tsockperf\t64\t9000\tnone\t8\t8\t\n"
	"peer\tudp\tqperf\t64\t0\t0,1\t\t10\tMEAN-ONLY\n"
	"peer\tudp\tipclab\t64\t40000\t0,1\t12\t12.5\t\n"
	"latency\tudp\techo\t64\t50000\tnone\t6\t7\t\n";

/* tool transport size pin round statistic peer ipclab */
static const char rounds_tsv[] =
	"sockperf\ttcp\t64\t0,0\t1\tp50\t10\t10\n"  /* 1.0 */
	"sockperf\ttcp\t64\t0,0\t2\tp50\t10\t12\n"  /* 1.2 */
	"sockperf\ttcp\t64\t0,0\t3\tp50\t10\t9\n"   /* 0.9 */
	"qperf\ttcp\t64\t0,0\t1\tmean\t20\t20\n"    /* 1.0 */
	"qperf\ttcp\t64\t0,0\t2\tmean\t20\t22\n"    /* 1.1 */
	"qperf\tudp\t64\t0,1\t1\tmean\t10\t12\n"    /* 1.2 */
	"qperf\tudp\t64\t0,1\t2\tmean\t10\t13\n";   /* 1.3 */

/* The peers table (only=peers) of these all.tsv and rounds.tsv texts
 * (rounds NULL: none) into `out`; the files are removed again. */
static void peers_summary(struct test_env *env, const char *order, const char *all_text,
			  const char *rounds_text)
{
	char all[IPC_PATH_MAX], rounds[IPC_PATH_MAX];
	write_file(env, "all.tsv", all_text, all, sizeof all);
	if (rounds_text)
		write_file(env, "rounds.tsv", rounds_text, rounds, sizeof rounds);
	summary(env, order, "peers", all, rounds_text ? rounds : NULL);
	unlink(all);
	if (rounds_text)
		unlink(rounds);
}

static void test_peer_round_median(void **state)
{
	ENV;
	peers_summary(env, "tcp udp", peers_tsv, rounds_tsv);
	/* The pooled twin row gives the pooled ratio; the rounds, the median:
	 * odd count, the middle one; even count, the mean of the two. */
	assert_has(out, "| sockperf | tcp | same CPU (0) | p50 | 10.00 | 11.00 | 1.10 | 3 | 1.00 | "
			"0.90 – 1.20 |");
	assert_has(out, "| qperf | tcp | same CPU (0) | mean | 20.00 | 22.00 | 1.10 | 2 | 1.05 | "
			"1.00 – 1.10 |");
	/* No twin runs: ipclab's figure is the latency layer's, no rounds. */
	assert_has(out, "| sockperf | udp | unpinned | p50 | 8.00 | 6.00 | 0.75 | 0 | – | – |");
	assert_has(out, "| qperf | udp | CPUs 0,1 | mean | 10.00 | 12.50 | 1.25 | 2 | 1.25 | "
			"1.20 – 1.30 |");
	/* The verdict counts only rows with rounds.  qperf tcp's lowest round
	 * is 1.00, not above 1: only qperf udp was faster in every round. */
	assert_has(out, "at least as fast): 1 of 3.  Slower than the peer in every round: "
			"qperf udp CPUs 0,1.");
	/* ipclab's own twin rows are not peers. */
	assert_null(strstr(out, "| ipclab |"));
}

/* lmbench: its one figure (a loop's mean) against ipclab's p50, within 5 %,
 * and against ipclab's mean beside it; its bandwidth against ipclab's, at
 * least as much, checking every byte (the target) and checking none. */
static const char lmbench_tsv[] =
	"kind\ttransport\tmode\tsize\tcount\tpin\tp50_us\tmean_us\tmb_per_s\tnote\n"
	"peer\tpipe\tlmbench-lat_pipe\t1\t0\t0,0\t\t4\t\tLMBENCH\n"
	"peer\tpipe\tipclab\t1\t40000\t0,0\t4.1\t4.4\t\t\n"
	"peer\ttcp\tlmbench-lat_tcp\t1\t0\t0,1\t\t20\t\tLMBENCH\n"
	"peer\ttcp\tipclab\t1\t40000\t0,1\t22\t23\t\t\n"
	"peer\tpipe\tlmbench-bw_pipe\t65536\t0\t0,0\t\t\t5000\tLMBENCH\n"
	"peer\tpipe\tipclab\t65536\t0\t0,0\t\t\t4600\t\n"
	"peer\tpipe\tipclab-unverified\t65536\t0\t0,0\t\t\t5100\tUNVERIFIED\n"
	"peer\ttcp\tlmbench-bw_tcp\t65536\t0\t0,1\t\t\t4000\tLMBENCH\n"
	"peer\ttcp\tipclab\t65536\t0\t0,1\t\t\t4400\t\n"
	"peer\tfifo\tlmbench-lat_fifo\t1\t0\tnone\t\t40\t\tLMBENCH\n"
	"peer\tfifo\tipclab\t1\t40000\tnone\t41\t41\t\t\n";

static const char lmbench_rounds_tsv[] =
	"lmbench-lat_pipe\tpipe\t1\t0,0\t1\tp50\t4\t4.2\n"         /* 1.05 */
	"lmbench-lat_pipe\tpipe\t1\t0,0\t1\tmean\t4\t4.4\n"        /* 1.10 */
	"lmbench-lat_tcp\ttcp\t1\t0,1\t1\tp50\t20\t22\n"           /* 1.10 */
	"lmbench-lat_tcp\ttcp\t1\t0,1\t1\tmean\t20\t20.2\n"        /* 1.01 */
	"lmbench-bw_pipe\tpipe\t65536\t0,0\t1\tMB/s-unverified\t5000\t5100\n" /* 1.02 */
	"lmbench-bw_pipe\tpipe\t65536\t0,0\t1\tMB/s\t5000\t4600\n" /* 0.92 */
	"lmbench-bw_tcp\ttcp\t65536\t0,1\t1\tMB/s\t4000\t4400\n"   /* 1.10 */
	"lmbench-lat_fifo\tfifo\t1\tnone\t1\tp50\t40\t24\tSPLIT\n"; /* not judged */

static void test_peer_lmbench(void **state)
{
	ENV;
	peers_summary(env, "pipe fifo tcp", lmbench_tsv, lmbench_rounds_tsv);
	assert_has(out, "| lmbench-lat_pipe | pipe | same CPU (0) | p50 : its mean | 4.00 | 4.10 | "
			"1.02 | 1 | 1.05 | 1.05 – 1.05 |");
	assert_has(out, "| lmbench-lat_tcp | tcp | CPUs 0,1 | p50 : its mean | 20.00 | 22.00 | "
			"1.10 | 1 | 1.10 | 1.10 – 1.10 |");
	/* Bandwidth rows have a table of their own, in MB/s. */
	assert_has(out, "| lmbench-bw_pipe | pipe | same CPU (0) | 5000 | 4600 | 0.92 | 1 | 0.92 | "
			"0.92 – 0.92 | 5100 | 1.02 |\n");
	/* No unchecked runs: no figure, no verdict on them. */
	assert_has(out, "| lmbench-bw_tcp | tcp | CPUs 0,1 | 4000 | 4400 | 1.10 | 1 | 1.10 | "
			"1.10 – 1.10 | – | – |\n");
	/* lat_*: p50 and mean against lmbench's mean, side by side. */
	assert_has(out, "| lmbench-lat_pipe | pipe | same CPU (0) | 1.050 | 1.100 | 1 | "
			"1.10 – 1.10 |\n");
	assert_has(out, "| lmbench-lat_tcp | tcp | CPUs 0,1 | 1.100 | 1.010 | 1 | 1.01 – 1.01 |\n");
	assert_has(out, "| lmbench-lat_fifo | fifo | unpinned | – | – | 0 | – |\n");
	assert_null(strstr(out, "| lmbench-bw_pipe | pipe | same CPU (0) | p50"));
	/* A pair whose twins split is out of the median: with no other pair,
	 * its row has no median and is named apart, neither met nor missed. */
	assert_has(out, "| lmbench-lat_fifo | fifo | unpinned | p50 : its mean | 40.00 | 41.00 | "
			"1.02 | 0 (+1 split) | – | – |");
	/* 1.05 is within 5 %, 1.10 is not; 1.10 MB/s is at least, 0.92 is not. */
	assert_has(out, "within 5 % of lat_* (ratio <= 1.05): 1 of 2 met, missed: lmbench-lat_tcp "
			"tcp CPUs 0,1 (1.100) (mean against its mean: 1 of 2, over 1.05: "
			"lmbench-lat_pipe same CPU (0) (1.100)); bandwidth at 64 KiB at least bw_*'s "
			"(ratio >= 1): 1 of 2 met, missed: lmbench-bw_pipe same CPU (0) (0.920) (like "
			"for like, ipclab checking no byte either: 1 of 1); not judged (every pair "
			"split): lmbench-lat_fifo fifo unpinned.");
	assert_null(strstr(out, "is not\npackaged")); /* lmbench ran */
}

/* Without lmbench rows, the summary says its targets were not checked. */
static void test_peer_no_lmbench(void **state)
{
	ENV;
	peers_summary(env, "tcp udp", peers_tsv, NULL);
	assert_has(out, "so its targets are not checked here");
	assert_null(strstr(out, "lmbench targets"));
	assert_null(strstr(out, "Bandwidth at 64 KiB"));
}

/* ---- throughput: the main placement, then the placement table ----------- */

static void test_throughput_placement(void **state)
{
	ENV;
	char all[IPC_PATH_MAX];
	write_file(env, "all.tsv",
		   "kind\ttransport\tmode\tsize\tcount\tpin\tmb_per_s\tlost\n"
		   "throughput\tpipe\t\t4096\t1\t0,1\t2400\t0\n"
		   "throughput\tpipe\t\t65536\t1\t0,0\t3500\t0\n"
		   "throughput\tpipe\t\t65536\t1\t0,1\t2000\t0\n"
		   "throughput\tpipe\t\t65536\t1\tnone\t2500\t0\n"
		   "throughput\tudp\t\t65507\t1\t0,1\t5000\t0\n"
		   "throughput\tudp\t\t65507\t1\t0,0\t300\t7\n",
		   all, sizeof all);
	summary(env, "pipe udp", NULL, all, NULL);
	/* Main table: CPUs 0,1 only, whatever order the rows came in. */
	assert_has(out, "| pipe | – | 2400 | 2000 | – | – | 2400 (4096 B) |");
	assert_has(out, "| udp | – | – | – | – | 5000 (65507 B) | 5000 (65507 B) |");
	/* Placement table: only sizes that ran off the main placement. */
	assert_has(out, "| transport | bytes | same CPU (0) | CPUs 0,1 | unpinned |");
	assert_has(out, "| pipe | 65536 | 3500 | 2000 | 2500 |");
	assert_has(out, "| udp | 65507 | 300 (lost 7) | 5000 | – |");
	assert_null(strstr(out, "| pipe | 4096 |"));
	unlink(all);
}

/* ---- bash helpers: median round, stolen time ---------------------------- */

/* Run a bash snippet with bench/lib.sh, inproc.sh, report.sh and peers.sh sourced, from
 * the source tree (the helpers name bench/csv.awk relatively). */
static int bash_snippet(struct test_env *env, const char *snippet)
{
	char script[4096];
	int n = snprintf(script, sizeof script,
			 "set -eu; cd '%s'; . bench/lib.sh; . bench/inproc.sh; . bench/report.sh; "
			 ". bench/peers.sh; %s",
			 src_dir(),
			 snippet);
	assert_true(n > 0 && (size_t)n < sizeof script);
	const char *argv[] = { BASH, "-c", script, NULL };
	return test_run_argv(env, NULL, out, sizeof out, err, sizeof err, argv);
}

/* bash_snippet with a printf-style snippet, which must succeed. */
__attribute__((format(printf, 2, 3)))
static void bash_ok(struct test_env *env, const char *fmt, ...)
{
	char snippet[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(snippet, sizeof snippet, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof snippet);
	int rc = bash_snippet(env, snippet);
	if (rc != 0)
		fail_msg("status %d: %s", rc, err);
}

static void test_throughput_median_round(void **state)
{
	ENV;
	char a[IPC_PATH_MAX], b[IPC_PATH_MAX], c[IPC_PATH_MAX], med[IPC_PATH_MAX];
	/* The pin holds a comma, so the CSV quotes it: columns must still line up. */
	const char *head = "# date: 2026-11-22T00:00:00Z\n"
			   "kind,transport,mode,size,pin,mb_per_s,lost,note\n";
	char text[512];
	snprintf(text, sizeof text, "%sthroughput,pipe,,65536,\"0,1\",950.5,0,\"a, b\"\n", head);
	write_file(env, "r1.csv", text, a, sizeof a);
	snprintf(text, sizeof text, "%sthroughput,pipe,,65536,\"0,1\",1800.25,0,\n", head);
	write_file(env, "r2.csv", text, b, sizeof b);
	snprintf(text, sizeof text, "%sthroughput,pipe,,65536,\"0,1\",99.75,0,\n", head);
	write_file(env, "r3.csv", text, c, sizeof c);
	int n = snprintf(med, sizeof med, "%s/median.csv", env->dir);
	assert_true(n > 0 && (size_t)n < sizeof med);

	bash_ok(env, "csv_get '%s' mb_per_s; tp_median '%s' '%s' '%s' '%s'", a, med, a, b, c);
	assert_string_equal(out, "950.5\n");
	/* 99.75 < 950.5 < 1800.25, compared as numbers, not as text. */
	bash_ok(env, "cmp -s '%s' '%s' && echo same", med, a);
	assert_string_equal(out, "same\n");
	unlink(a);
	unlink(b);
	unlink(c);
	unlink(med);
}

/* all.csv holds each measurement once: a throughput row and its copy in
 * throughput/rounds/ (the median round) are one measurement, and a file in
 * another layout (hyperfine's exports) is no result at all.  A step that
 * left no file (no latency/ here) does not hide the files after it. */
static void test_merge_once(void **state)
{
	ENV;
	const char *row = "throughput,pipe,,65536,512,1,\"0,1\",0,0,0,0,0,0,0,0,1.0,0.1,"
			  "1800.250,27000.0,0.5,0,0,";
	const char *conn = "connect,tcp,,0,200,1,\"0,1\",40,58,70,132,150,200,60,9,0,0,0,0,0,0,0,";
	/* bench/scaling.sh's rows: found by name, after the steps' own files. */
	const char *scaling = "scaling,tcp,epoll,16,6000,50,none,0,300,0,400,0,0,0,0,0,0,0,"
			      "199142,0,0,0,";
	bash_ok(env,
			 "RESULTS_DIR='%s/run'; r=$RESULTS_DIR; tp=$r/throughput;"
			 "mkdir -p \"$tp/rounds\" \"$r/hyperfine\";"
			 "echo '# date: 2026-11-22T00:00:00Z' >\"$r/env.csv\";"
			 "printf '# date: x\\n%%s\\n%%s\\n' \"$CSV_HEADER\" '%s' >\"$tp/pipe_65536.csv\";"
			 "cp \"$tp/pipe_65536.csv\" \"$tp/rounds/pipe_65536.r1.csv\";"
			 "mkdir \"$r/connect\"; printf '%%s\\n%%s\\n' \"$CSV_HEADER\" '%s' >\"$r/connect/tcp.csv\";"
			 "touch -d '1 minute ago' \"$r/connect/tcp.csv\";"
			 "printf '%%s\\n%%s\\n' \"$CSV_HEADER\" '%s' >\"$r/scaling.csv\";"
			 "printf 'command,mean\\ntrue,0.0005\\n' >\"$r/hyperfine/round-1.csv\";"
			 "merge_results 2>/dev/null; csv_rows \"$r/all.csv\"; rm -r \"$r\"",
			 env->dir, row, conn, scaling);
	char want[1024];
	/* The steps' files in the order measured in, then the others. */
	snprintf(want, sizeof want, "%s\n%s\n%s\n", conn, row, scaling);
	assert_string_equal(out, want);
}

/* peer_row: the columns named, in the common layout's order, quoted where
 * CSV needs it; the others empty, clients 1, lost and errors 0. */
static void test_peer_row(void **state)
{
	ENV;
	bash_ok(env,
			 "RESULTS_DIR='%s'; peer_row transport=tcp mode=qperf size=64 count=0 "
			 "pin=0,1 mean_us=12.5 'note=MEAN-ONLY, \"x\"'; peer_row transport=pipe "
			 "mode=lmbench-bw_pipe size=65536 pin=none mb_per_s=5000 note=LMBENCH; "
			 "cat \"$RESULTS_DIR/peers.csv\"; rm \"$RESULTS_DIR/peers.csv\"",
			 env->dir);
	assert_string_equal(out, "peer,tcp,qperf,64,0,1,\"0,1\",,,,,,,12.5,,,,,,,0,0,"
				 "\"MEAN-ONLY, \"\"x\"\"\"\n"
				 "peer,pipe,lmbench-bw_pipe,65536,,1,none,,,,,,,,,,,5000,,,0,0,LMBENCH\n");
}

/* A stand-in for lmbench's programs (by the name it is called by) and for
 * ipclab ("fake"): each call is logged to $CALLS; lmbench prints a figure the
 * way it does, on stderr; ipclab's odd calls write samples of median 12 (or
 * 4000 MB/s), its even calls median 14 (or 4200 MB/s), 41 for fifo. */
static const char fake_tools[] =
	"#!/bin/sh\n"
	"name=${0##*/}\n"
	"if [ \"$name\" = fake ]; then\n"
	"  v=; case \" $* \" in *' --no-verify '*) v=' --no-verify';; esac\n"
	"  echo \"ipclab $2 $3$v\" >>\"$CALLS\"\n"
	"  n=$(($(cat \"$CALLS.n\" 2>/dev/null || echo 0) + 1)); echo $n >\"$CALLS.n\"\n"
	"  if [ \"$2\" = latency ]; then\n"
	"    odd='11\\n13\\n12\\n' even='13\\n15\\n14\\n'; [ \"$3\" = fifo ] && even='40\\n42\\n41\\n'\n"
	"    while [ $# -gt 1 ]; do [ \"$1\" = --samples ] && if [ $((n % 2)) = 1 ]; then "
	"printf \"$odd\"; else printf \"$even\"; fi >\"$2\"; shift; done\n"
	"    printf 'kind,p50_us\\nlatency,12\\n'\n"
	"  else printf 'kind,mb_per_s\\nthroughput,%s\\n' $((n % 2 ? 4000 : 4200)); fi\n"
	"  exit 0\n"
	"fi\n"
	"echo \"lmbench $name $*\" >>\"$CALLS\"\n"
	"case $1 in -s|-S) exit 0;; esac\n"
	"case $name in lat_*) echo 'x latency: 10.0 microseconds' >&2;;\n"
	"  *) echo 'x bandwidth: 5000.00 MB/sec' >&2;; esac\n";

/* peer_lmbench: every program between two ipclab twins of the same
 * transport, one before and one after (bw_*: a checking and an unchecked
 * one each side); each such pair one line of rounds.tsv, with the mean of
 * the twins' p50s and a line with their means (lat_*), or MB/s, checked and
 * unchecked (bw_*), and SPLIT when one twin's figure is over twice the
 * other's (fifo's here). */
static void test_peer_lmbench_order(void **state)
{
	ENV;
	char fake[IPC_PATH_MAX];
	write_file(env, "fake", fake_tools, fake, sizeof fake);
	bash_ok(env,
			 "d='%s'; chmod +x \"$d/fake\"; mkdir \"$d/lmb\"; for p in lat_pipe lat_fifo "
			 "lat_unix lat_tcp lat_udp bw_pipe bw_unix bw_tcp; do ln -s ../fake "
			 "\"$d/lmb/$p\"; done; export CALLS=$d/calls; RESULTS_DIR=$d/r; mkdir -p "
			 "\"$RESULTS_DIR/peers\" \"$RESULTS_DIR/samples\"; LMBENCH_BIN=$d/lmb "
			 "IPCLAB=$d/fake LAT_WARMUP=1 PEER_TWIN_COUNT=3 LMB_WARMUP_US=7 TP_MSGS=1 "
			 "TP_MIN_TOTAL=65536 TP_MAX_TOTAL=65536; have_lmbench; peer_lmbench 0,0 1; peer_lmbench none 2; "
			 "cat \"$CALLS\"; echo; cat \"$RESULTS_DIR/peers/rounds.tsv\"; "
			 "cat \"$RESULTS_DIR/peers/lmbench-lat_unix_0-0.means\" "
			 "\"$RESULTS_DIR/peers/ipclab-bw_tcp_none.mbps\" "
			 "\"$RESULTS_DIR/peers/ipclab-unverified-bw_pipe_0-0.mbps\"; "
			 "wc -l <\"$RESULTS_DIR/samples/peer_ipclab_pipe_1_0-0.txt\"; "
			 "rm -r \"$RESULTS_DIR\" \"$d/lmb\" \"$d/fake\" \"$CALLS\" \"$CALLS.n\"",
			 env->dir);
	const char *calls =
		"ipclab latency pipe\nlmbench lat_pipe -N 1 -W 7\nipclab latency pipe\n"
		"ipclab latency fifo\nlmbench lat_fifo -N 1 -W 7\nipclab latency fifo\n"
		"ipclab latency unix_stream\nlmbench lat_unix -N 1 -W 7 -m 1\n"
		"ipclab latency unix_stream\n"
		"ipclab latency tcp\nlmbench lat_tcp -s\nlmbench lat_tcp -N 1 -W 7 -m 1 "
		"127.0.0.1\nlmbench lat_tcp -S 127.0.0.1\nipclab latency tcp\n"
		"ipclab latency udp\nlmbench lat_udp -s\nlmbench lat_udp -N 1 -W 7 -m 4 "
		"127.0.0.1\nlmbench lat_udp -S 127.0.0.1\nipclab latency udp\n"
		"ipclab throughput pipe\nipclab throughput pipe --no-verify\n"
		"lmbench bw_pipe -N 1 -W 0 -m 65536\n"
		"ipclab throughput pipe --no-verify\nipclab throughput pipe\n"
		"ipclab throughput unix_stream\nipclab throughput unix_stream --no-verify\n"
		"lmbench bw_unix -N 1 -W 0 -m 65536\n"
		"ipclab throughput unix_stream --no-verify\nipclab throughput unix_stream\n"
		"ipclab throughput tcp\nipclab throughput tcp --no-verify\nlmbench bw_tcp -s\n"
		"lmbench bw_tcp -N 1 -W 0 -m 65536 127.0.0.1\nlmbench bw_tcp -S 127.0.0.1\n"
		"ipclab throughput tcp --no-verify\nipclab throughput tcp\n";
	const char *rounds[][2] = { { "0,0", "1" }, { "none", "2" } };
	char want[8192];
	size_t len = (size_t)snprintf(want, sizeof want, "%s%s\n", calls, calls);
	for (int r = 0; r < 2; r++) {
		const char *p = rounds[r][0], *k = rounds[r][1];
		len += (size_t)snprintf(want + len, sizeof want - len,
			"lmbench-lat_pipe\tpipe\t1\t%s\t%s\tp50\t10.0\t13.000\n"
			"lmbench-lat_pipe\tpipe\t1\t%s\t%s\tmean\t10.0\t13.000\n"
			"lmbench-lat_fifo\tfifo\t1\t%s\t%s\tp50\t10.0\t26.500\tSPLIT\n"
			"lmbench-lat_fifo\tfifo\t1\t%s\t%s\tmean\t10.0\t26.500\tSPLIT\n"
			"lmbench-lat_unix\tunix_stream\t1\t%s\t%s\tp50\t10.0\t13.000\n"
			"lmbench-lat_unix\tunix_stream\t1\t%s\t%s\tmean\t10.0\t13.000\n"
			"lmbench-lat_tcp\ttcp\t1\t%s\t%s\tp50\t10.0\t13.000\n"
			"lmbench-lat_tcp\ttcp\t1\t%s\t%s\tmean\t10.0\t13.000\n"
			"lmbench-lat_udp\tudp\t4\t%s\t%s\tp50\t10.0\t13.000\n"
			"lmbench-lat_udp\tudp\t4\t%s\t%s\tmean\t10.0\t13.000\n",
			p, k, p, k, p, k, p, k, p, k, p, k, p, k, p, k, p, k, p, k);
		const char *bw[][2] = { { "pipe", "pipe" }, { "unix", "unix_stream" }, { "tcp", "tcp" } };
		for (int b = 0; b < 3; b++)
			len += (size_t)snprintf(want + len, sizeof want - len,
				"lmbench-bw_%s\t%s\t65536\t%s\t%s\tMB/s-unverified\t5000.00\t4100.000\n"
				"lmbench-bw_%s\t%s\t65536\t%s\t%s\tMB/s\t5000.00\t4100.000\n",
				bw[b][0], bw[b][1], p, k, bw[b][0], bw[b][1], p, k);
	}
	/* The figures kept by placement; both twins' samples pooled. */
	snprintf(want + len, sizeof want - len, "10.0\n4100.000\n4100.000\n6\n");
	assert_string_equal(out, want);
}

/* twin_before, then twin: the pair's ipclab figure is the mean of the two
 * twins' STAT (here their means, 12 and 14); a twin with no twin_before for
 * its transport is an error, not a pair with half a figure. */
static void test_twin_pair(void **state)
{
	ENV;
	char fake[IPC_PATH_MAX];
	write_file(env, "fake", fake_tools, fake, sizeof fake);
	bash_ok(env,
		"d='%s'; chmod +x \"$d/fake\"; export CALLS=$d/calls; RESULTS_DIR=$d/r; mkdir -p "
		"\"$RESULTS_DIR/peers\" \"$RESULTS_DIR/samples\"; IPCLAB=$d/fake LAT_WARMUP=1 "
		"PEER_TWIN_COUNT=3; twin_before pipe 4 0,0; twin perf-sched-pipe mean 4.5 pipe 4 "
		"0,0 1; cat \"$RESULTS_DIR/peers/rounds.tsv\"; if (twin qperf mean 9 udp 64 0,0 1) "
		"2>\"$d/err\"; then echo wrong; fi; grep -c 'no twin_before udp' \"$d/err\"; "
		"rm -r \"$RESULTS_DIR\" \"$d/fake\" \"$d/err\" \"$CALLS\" \"$CALLS.n\"",
		env->dir);
	assert_string_equal(out, "perf-sched-pipe\tpipe\t4\t0,0\t1\tmean\t4.5\t13.000\n1\n");
}

/* warn_idle: a KVM guest whose idle CPUs halt at once is named, with what
 * it does to cross-CPU figures; a poll window or another driver is not. */
static void test_warn_idle(void **state)
{
	ENV;
	char env_csv[IPC_PATH_MAX];
	const char *cases[][2] = {
		{ "haltpoll/haltpoll, guest_halt_poll_ns 0", "1" },
		{ "haltpoll/haltpoll, guest_halt_poll_ns 200000", "0" },
		{ "intel_idle/menu", "0" },
		{ "unknown", "0" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[256];
		snprintf(text, sizeof text, "# date: 2026-12-01T00:00:00Z\n# cpuidle: %s\n"
			 "# clocksource: tsc\n", cases[i][0]);
		write_file(env, "env.csv", text, env_csv, sizeof env_csv);
		bash_ok(env, "warn_idle '%s' 2>&1 | grep -c \"guest_halt_poll_ns 0).*hypervisor\" "
			"|| true; rm '%s'", env_csv, env_csv);
		char want[4];
		snprintf(want, sizeof want, "%s\n", cases[i][1]); /* grep -c: lines warned */
		if (strcmp(out, want))
			fail_msg("cpuidle '%s': %s warning lines, %s wanted", cases[i][0], out,
				 cases[i][1]);
	}
}

static void test_cpu_ticks(void **state)
{
	ENV;
	int rc = bash_snippet(env, "cpu_ticks");
	if (rc != 0)
		fail_msg("status %d: %s", rc, err);
	unsigned long long steal, total;
	char extra;
	assert_int_equal(sscanf(out, "%llu %llu %c", &steal, &total, &extra), 2);
	assert_true(total > 0);
	assert_true(steal <= total);
}

/* Every case gets a fresh private directory for its tables. */
#define CASE(f) cmocka_unit_test_setup_teardown(f, test_env_setup, test_env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_process_ratios),         CASE(test_process_target_met),
		CASE(test_peer_round_median),      CASE(test_peer_lmbench),
		CASE(test_peer_lmbench_order),     CASE(test_twin_pair),
		CASE(test_peer_no_lmbench),        CASE(test_throughput_placement),
		CASE(test_throughput_median_round), CASE(test_merge_once),
		CASE(test_peer_row),               CASE(test_warn_idle),
		CASE(test_cpu_ticks),
	};
	return cmocka_run_group_tests_name("bench scripts: summary, medians, steal", tests, NULL,
					   NULL);
}
