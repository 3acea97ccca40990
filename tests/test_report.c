/*
 * test_report.c - `ipclab bench report`: what it reads back, how it groups
 * and judges, and that every finding follows the numbers it is fed.
 *
 * The rows are made in memory (or written to a small run directory), so
 * each case knows the right answer: the median round, the peer ratio with a
 * split pair left out, the loss percentage, which transport is fastest.
 */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <ftw.h>
#include <unistd.h>

#include "analysis.h"
#include "findings_uring_zmq.h"
#include "reader.h"
#include "run.h"
#include "report.h"

#define ENV struct test_env *env = *state

/* The findings (or the whole summary) of a run, as one string (free it). */
static char *findings_of(const struct run *run, bool whole)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	if (whole)
		run_summary(run, f);
	else
		run_findings(run, f);
	assert_int_equal(fclose(f), 0);
	return text;
}

static void add_latency(struct run *run, const char *t, const char *pin, double p50,
			double cpu_us)
{
	struct result_row r = {
		.kind = "latency", .transport = t, .mode = "greeting", .size = 16, .count = 1000,
		.clients = 1, .pin = pin, .note = "", .cpu_us_per_op = cpu_us, .ctxsw_per_op = 2,
		.lat_us = { .min = p50 / 2, .p50 = p50, .p90 = p50 * 1.2, .p99 = p50 * 2,
			    .p999 = p50 * 3, .max = p50 * 4, .mean = p50 * 1.1 },
	};
	assert_int_equal(run_add_row(run, &r), 0);
}

static void add_throughput(struct run *run, const char *t, unsigned long size, const char *pin,
			   double mb, unsigned long sent, unsigned long lost)
{
	struct result_row r = {
		.kind = "throughput", .transport = t, .mode = "", .size = size, .count = sent,
		.clients = 1, .pin = pin, .note = lost ? "LOSSY" : "", .mb_per_s = mb, .lost = lost,
	};
	assert_int_equal(run_add_row(run, &r), 0);
}

/* A run where `fast` has the quickest small-message round trip on one CPU
 * and moves the most bulk data, and `slow` the opposite. */
static struct run *ranked_run(const char *fast, const char *slow)
{
	static const char *const all[] = { "pipe", "fifo", "unix_stream", "unix_dgram", "tcp", "udp" };
	struct run *run = run_new();
	assert_non_null(run);
	/* Three rounds of each row, 5 % either side of the median round: the
	 * three levels (4, 10, 20) are apart beyond the rounds' ranges. */
	static const double round_of[] = { 1.0, 0.95, 1.05 };
	for (size_t r = 0; r < 3; r++)
		for (size_t i = 0; i < 6; i++) {
			double p50 = (!strcmp(all[i], fast) ? 4 : !strcmp(all[i], slow) ? 20 : 10) *
				     round_of[r];
			add_latency(run, all[i], "0,0", p50, p50 * 1.5);
			add_latency(run, all[i], "0,1", p50 * 5, p50 * 2);
			add_throughput(run, all[i], 65536, "0,0", 100000 / p50, 1000, 0);
		}
	run_finish(run);
	return run;
}

static void test_findings_follow_the_data(void **state)
{
	(void)state;
	struct run *a = ranked_run("pipe", "tcp");
	struct run *b = ranked_run("tcp", "pipe");
	char *fa = findings_of(a, false), *fb = findings_of(b, false);

	assert_non_null(strstr(fa, "pipe is fastest, 4.0 µs (3.8–4.2); tcp slowest, 20.0 µs "
				   "(19.0–21.0): the slowest took 5.0× (4.5–5.5) as long as the fastest"));
	assert_non_null(strstr(fa, "pipe moves the most, 25000 MB/s (23810–26316); tcp the least, "
				   "5000 MB/s (4762–5263): the most is 5.0× (4.5–5.5) the least"));
	assert_non_null(strstr(fb, "tcp is fastest, 4.0 µs (3.8–4.2); pipe slowest, 20.0 µs"));
	assert_non_null(strstr(fb, "tcp moves the most"));
	/* The Why fits the direction: a Unix-domain transport ahead of one over
	 * IP is explained by the IP stack; the other way round, nothing. */
	assert_non_null(strstr(fa, "Why: the Unix-domain transports hand a message"));
	assert_null(strstr(fb, "Why: the Unix-domain"));
	assert_null(strstr(fb, "IP stack"));
	assert_string_not_equal(fa, fb);
	/* Placement: every transport here is 5x slower across CPUs; the
	 * interval: 5 * 0.95 / 1.05 to 5 * 1.05 / 0.95. */
	assert_non_null(strstr(fa, "longer for pipe ×5 (4.5–5.5), fifo ×5 (4.5–5.5)"));
	assert_null(strstr(fa, "shorter for"));
	free(fa);
	free(fb);
	run_free(a);
	run_free(b);
}

static void test_idle_cpus_finding(void **state)
{
	(void)state;
	struct run *run = ranked_run("pipe", "udp");
	char *plain = findings_of(run, false);
	assert_null(strstr(plain, "Idle CPUs halt"));
	assert_int_equal(run_set_env(run, "cpuidle", "haltpoll/haltpoll, guest_halt_poll_ns 0"), 0);
	char *halts = findings_of(run, false);
	assert_non_null(strstr(halts, "Idle CPUs halt on this machine"));
	assert_non_null(strstr(halts, "two-CPU figures measure that wake-up"));
	free(plain);
	free(halts);
	run_free(run);
}

/* The floor: a cache line between the two CPUs, and each round trip as a
 * multiple of it; no floor row, no finding. */
static void test_wakeup_floor_finding(void **state)
{
	(void)state;
	struct run *bare = ranked_run("pipe", "tcp");
	char *none = findings_of(bare, false);
	assert_null(strstr(none, "The floor"));

	struct run *run = run_new();
	assert_non_null(run);
	add_latency(run, "pipe", "0,0", 5, 7);
	add_latency(run, "pipe", "0,1", 40, 9);
	add_latency(run, "unix_stream", "0,0", 6, 8);
	add_latency(run, "unix_stream", "0,1", 30, 9);
	add_latency(run, "shm-spin", "0,1", 1, 2);
	struct result_row floor = {
		.kind = "latency", .transport = "pingpong", .mode = "", .size = 64,
		.count = 1000000, .clients = 1, .pin = "0,1", .note = "BATCH-MEANS",
		.lat_us = { .min = 0.3, .p50 = 0.5, .p90 = 0.6, .p99 = 0.7, .p999 = 0.8,
			    .max = 1, .mean = 0.5 },
	};
	assert_int_equal(run_add_row(run, &floor), 0);
	run_finish(run);
	char *f = findings_of(run, false);
	assert_non_null(strstr(f, "The floor, two CPUs (0, 1):** one cache line"));
	assert_non_null(strstr(f, "takes 0.50 µs a round trip"));
	assert_non_null(strstr(f, "spinning, 1.00 µs (2.0×)"));
	assert_null(strstr(f, "timed as the ping-pong is"));
	/* unix_stream is the fastest that sleeps here: 30 µs, 60 floors */
	assert_non_null(strstr(f, "sleeps while it waits, unix_stream, 30.0 µs (60×)"));
	assert_null(strstr(f, "left out"));
	free(none);
	free(f);
	run_free(bare);
	run_free(run);

	/* With batch means beside it, the like-for-like ratio is given too. */
	run = run_new();
	assert_non_null(run);
	add_latency(run, "pipe", "0,1", 40, 9);
	add_latency(run, "shm-spin", "0,1", 1, 2);
	add_latency(run, "shm-spin-batch", "0,1", 0.8, 2);
	assert_int_equal(run_add_row(run, &floor), 0);
	run_finish(run);
	f = findings_of(run, false);
	assert_non_null(strstr(f, "spinning, 1.00 µs (2.0×), and timed as the ping-pong is (the "
				  "mean of batches of round trips, no clock read between them), "
				  "0.80 µs (1.6×)"));
	free(f);
	run_free(run);

	/* shm on two levels, its rounds 3 to 12 µs: left out of "quickest",
	 * and named there, since the tables show it quicker; fifo, on two
	 * levels too but slower than unix_stream, is not named. */
	run = run_new();
	assert_non_null(run);
	add_latency(run, "unix_stream", "0,1", 30, 9);
	const double shm_rounds[3] = { 3, 9, 12 };
	for (int k = 0; k < 3; k++) {
		struct result_row r = {
			.kind = "latency", .transport = "shm", .mode = "greeting", .size = 16,
			.count = 1000, .clients = 1, .pin = "0,1",
			.note = "TWO-LEVEL levels=3/25us high=40%", .cpu_us_per_op = 5,
			.ctxsw_per_op = 1,
			.lat_us = { .min = 1, .p50 = shm_rounds[k], .p90 = 25, .p99 = 30, .p999 = 40,
				    .max = 50, .mean = 12 },
		};
		assert_int_equal(run_add_row(run, &r), 0);
	}
	struct result_row slow = floor;
	slow.transport = "fifo";
	slow.mode = "greeting";
	slow.note = "TWO-LEVEL levels=40/60us high=30%";
	slow.lat_us.p50 = 45;
	assert_int_equal(run_add_row(run, &slow), 0);
	assert_int_equal(run_add_row(run, &floor), 0);
	run_finish(run);
	f = findings_of(run, false);
	assert_non_null(strstr(f, "sleeps while it waits, unix_stream, 30.0 µs (60×), one round "
				  "each: not ranked against the others; shm, 9.0 µs at its median round, is left out: its rounds sit on two levels "
				  "(3–12 µs)."));
	assert_null(strstr(f, "fifo, 45"));
	free(f);
	run_free(run);
}

/* A transport that lost data is never "the one that moves the most". */
static void test_bulk_leaves_out_lossy(void **state)
{
	(void)state;
	struct run *run = run_new();
	assert_non_null(run);
	add_throughput(run, "pipe", 65536, "0,1", 2000, 1000, 0);
	add_throughput(run, "unix_stream", 65536, "0,1", 3000, 1000, 0);
	add_throughput(run, "udp", 65507, "0,1", 9000, 1000, 600);
	run_finish(run);
	char *f = findings_of(run, false);
	/* One round each: the range, no ranking. */
	assert_non_null(strstr(f, "one round each, so no interval and no ranking: from "
				  "3000 MB/s (unix_stream) to 2000 MB/s (pipe)."));
	assert_null(strstr(f, "moves the most"));
	assert_non_null(strstr(f, "(udp is left out of this ranking: it lost datagrams"));
	free(f);
	run_free(run);
}

static void test_throughput_median_round(void **state)
{
	(void)state;
	struct run *run = run_new();
	assert_non_null(run);
	add_throughput(run, "pipe", 4096, "0,1", 100, 10, 0);
	add_throughput(run, "pipe", 4096, "0,1", 300, 10, 0);
	add_throughput(run, "pipe", 4096, "0,1", 200, 10, 0);
	add_throughput(run, "tcp", 4096, "0,1", 700, 10, 0); /* two rounds: nearest rank, the lower */
	add_throughput(run, "tcp", 4096, "0,1", 500, 10, 0);
	struct result_row unchecked = { .kind = "throughput", .transport = "pipe", .mode = "",
					.size = 4096, .pin = "0,1", .note = "UNVERIFIED",
					.mb_per_s = 900 };
	assert_int_equal(run_add_row(run, &unchecked), 0);
	run_finish(run);

	char *text = findings_of(run, true);
	assert_non_null(strstr(text, "| pipe | – | 200 |"));
	assert_non_null(strstr(text, "| tcp | – | 500 |"));
	free(text);
	run_free(run);
}

static void test_udp_loss_percentage(void **state)
{
	(void)state;
	struct run *run = run_new();
	assert_non_null(run);
	add_throughput(run, "udp", 1024, "0,1", 50, 1000, 50);
	add_throughput(run, "udp", 65507, "0,1", 50, 1000, 450);
	add_throughput(run, "unix_dgram", 1024, "0,1", 50, 2000, 0);
	run_finish(run);
	char *text = findings_of(run, false);
	assert_non_null(strstr(text, "**Loss, udp:** 25.00 % of the datagrams sent"));
	assert_non_null(strstr(text, "(500 of 2000, every placement; at most 45.0 %, with 65,507 B "
				     "messages on two CPUs (0, 1))"));
	assert_non_null(strstr(text, "**Loss, unix_dgram:** none of the 2000 datagrams"));
	free(text);
	run_free(run);
}

static void test_throughput_bend(void **state)
{
	(void)state;
	struct run *run = run_new();
	assert_non_null(run);
	static const unsigned long size[] = { 1024, 4096, 16384, 65536, 262144 };
	static const double pipe_mb[] = { 500, 1500, 3000, 2500, 900 };
	static const double tcp_mb[] = { 200, 600, 1200, 1500, 1600 };
	for (size_t i = 0; i < 5; i++) {
		add_throughput(run, "pipe", size[i], "0,1", pipe_mb[i], 10, 0);
		add_throughput(run, "tcp", size[i], "0,1", tcp_mb[i], 10, 0);
	}
	run_finish(run);
	char *text = findings_of(run, false);
	assert_non_null(strstr(text, "pipe peaks at 3000 MB/s with 16 KiB messages and falls to "
				     "900 MB/s at 256 KiB"));
	assert_non_null(strstr(text, "larger than the pipe's 64 KiB"));
	assert_non_null(strstr(text, "tcp rises from 200 MB/s (1 KiB) to 1600 MB/s (256 KiB)"));
	free(text);
	run_free(run);
}

static void add_round(struct run *run, const char *tool, const char *stat, double peer,
		      double before, double after)
{
	static int round;
	struct peer_round pr = { .size = 64, .round = ++round, .peer = peer, .before = before,
				 .after = after, .ours_p50 = before, .ours_mean = after,
				 .p50_before = before, .p50_after = after };
	snprintf(pr.tool, sizeof pr.tool, "%s", tool);
	snprintf(pr.transport, sizeof pr.transport, "tcp");
	snprintf(pr.pin, sizeof pr.pin, "0,0");
	snprintf(pr.stat, sizeof pr.stat, "%s", stat);
	assert_int_equal(run_add_peer_round(run, &pr), 0);
}

static void test_peer_verdicts(void **state)
{
	(void)state;
	struct run *run = ranked_run("pipe", "tcp");
	/* Ratios 0.9, 1.0, 1.2 (median 1.0) and one split pair (10 vs 30). */
	add_round(run, "qperf", "mean", 10, 9, 9);
	add_round(run, "qperf", "mean", 10, 12, 12);
	add_round(run, "qperf", "mean", 10, 10, 10);
	add_round(run, "qperf", "mean", 10, 10, 30);
	char *text = findings_of(run, true);
	assert_non_null(strstr(text, "| qperf | tcp | 64 | one CPU (0) | mean | 10.00 |"));
	assert_non_null(strstr(text, "| 1.00 | 0.90 – 1.20 | 3 (+1 split) |"));
	assert_non_null(strstr(text, "1.00 to 1.00× over 1 comparison, furthest qperf tcp on "
				     "one CPU (0) (1.000×)"));
	assert_non_null(strstr(text, "The peer tools agree with ipclab within 2 %"));
	/* Its runs' p50s, the split pair left out: 9, 9, 10, 10 and 12, 12. */
	assert_non_null(strstr(text, "- qperf, tcp 64 B, one CPU (0): 4 runs at 9.00 µs, 2 at "
				     "12.00 µs (33 % apart)"));
	free(text);
	run_free(run);
}

/* Means judged against means; a mean 5 % off is not "agree"; runs of
 * ipclab on two levels are named with both levels. */
static void test_peer_levels_and_means(void **state)
{
	(void)state;
	struct run *run = ranked_run("pipe", "tcp");
	/* Four rounds at 12.3 µs, two at 13.9: the peer followed each time. */
	double lv[6] = { 12.3, 12.31, 13.9, 12.29, 13.92, 12.3 };
	for (size_t i = 0; i < 6; i++)
		add_round(run, "perf-sched-pipe", "mean", lv[i] / 1.05, lv[i], lv[i]);
	char *text = findings_of(run, true);
	assert_non_null(strstr(text, "What the peer tools say"));
	assert_null(strstr(text, "agree with ipclab"));
	assert_non_null(strstr(text, "1.05 to 1.05× over 1 comparison"));
	assert_non_null(strstr(text, "Runs on two levels"));
	assert_non_null(strstr(text, "- perf-sched-pipe, tcp 64 B, one CPU (0): 8 runs at 12.30 µs, "
				     "4 at 13.90 µs (13 % apart)"));
	free(text);
	run_free(run);
}

/* The machine's pauses on the one-CPU placement's CPU, set against the
 * pipe round trips there: what a pause predicts and what the samples saw. */
static void test_pause_finding(void **state)
{
	(void)state;
	struct run *run = ranked_run("pipe", "tcp");
	char *text = findings_of(run, false);
	assert_null(strstr(text, "machine's"));
	free(text);

	/* CPU 1 is not the one-CPU placement's: not a finding. */
	struct pause_row other = { .cpu = 1, .per_s = 500, .lost_pct = 2, .p50_us = 30 };
	assert_int_equal(run_add_pauses(run, &other), 0);
	text = findings_of(run, false);
	assert_null(strstr(text, "machine's"));
	free(text);

	/* 1,000 pauses a second of 40 µs, 4.2 % of the time; a 12.5 µs round
	 * trip whose mean (13.3) stands 6.4 % above it: the pauses explain it. */
	struct pause_row p = { .cpu = 0, .per_s = 1000, .lost_pct = 4.2, .p50_us = 40,
			       .ctxsw = 1, .have_trips = true, .trip_p50_us = 12.5,
			       .trip_mean_us = 13.3, .slow_over_us = 20, .slow_share = 0.0125 };
	assert_int_equal(run_add_pauses(run, &p), 0);
	text = findings_of(run, false);
	assert_non_null(strstr(text, "**The one-CPU tail is the machine's.** In a loop that only "
				     "read the clock, CPU 0 lost 4.2 % of its time to pauses, 1000 a "
				     "second of 40.0 µs (median; `ipclab bench pauses`); 1 switch to "
				     "other tasks came in the count."));
	assert_non_null(strstr(text, "The pipe round trips on that CPU: p50 12.5 µs, mean 6.4 % "
				     "above it, and 1.2 % of them took over 20 µs longer than the p50."));
	free(text);
	run_free(run);

	/* A mean far above what the pauses take: not the machine's alone. */
	run = ranked_run("pipe", "tcp");
	p.trip_mean_us = 20;
	assert_int_equal(run_add_pauses(run, &p), 0);
	text = findings_of(run, false);
	assert_non_null(strstr(text, "**The machine pauses, and the one-CPU tail is longer than "
				     "its pauses explain.**"));
	free(text);
	run_free(run);

	/* A CPU that never paused says so. */
	run = ranked_run("pipe", "tcp");
	struct pause_row calm = { .cpu = 0 };
	assert_int_equal(run_add_pauses(run, &calm), 0);
	text = findings_of(run, false);
	assert_non_null(strstr(text, "**CPU 0 never paused**"));
	free(text);
	run_free(run);
}

/* The reader takes back what the writer wrote, field by field. */
static void test_csv_round_trip(void **state)
{
	(void)state;
	struct env_record envr = { .cpus_online = 2 };
	snprintf(envr.cpu_model, sizeof envr.cpu_model, "Some CPU, rev \"2\"");
	struct result_row row = {
		.kind = "latency", .transport = "unix_stream", .mode = "echo", .size = 64,
		.count = 5, .clients = 1, .pin = "0,1", .note = "HIGH-SPREAD, odd \"note\"",
		.lat_us = { .p50 = 1.5, .p999 = 9.25, .mean = NAN }, .mb_per_s = 12.5, .lost = 3,
	};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct report rep;
	report_begin(&rep, f, REPORT_CSV, &envr);
	report_add(&rep, &row);
	report_end(&rep);
	assert_int_equal(fclose(f), 0);

	struct run *run = run_new();
	assert_int_equal(reader_parse(run, -1, RK_ENV, "memory", text, len), 0);
	run_finish(run);
	char *sum = findings_of(run, true);
	assert_non_null(strstr(sum, "- cpu_model: Some CPU, rev \"2\""));
	assert_non_null(strstr(sum, "| unix_stream | echo | 64 | 1.50 | – (1) | 0.00 | 9.25 |"));
	free(sum);
	run_free(run);

	/* Not a result file: no header starting with "kind". */
	static const char other[] = "\"test\",\"rps\"\n\"PING_INLINE\",\"5\"\n";
	run = run_new();
	assert_int_equal(reader_parse(run, -1, RK_ROWS, "redis", other, sizeof other - 1), 0);
	const char *const *left;
	assert_int_equal(run_problems(run, &left), 1);
	assert_non_null(strstr(left[0], "not a result file"));
	assert_int_equal(run->nraw, 0);
	run_free(run);
	free(text);
}

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[IPC_PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

#define HEADER "kind,transport,mode,size,count,clients,pin,min_us,p50_us,p90_us,p99_us," \
	"p999_us,max_us,mean_us,stddev_us,cpu_us_per_op,ctxsw_per_op,mb_per_s,msgs_per_s," \
	"cpu_ms_per_mb,lost,errors,note\n"

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	return ftw->level == 0 ? 0 : remove(path);
}

/* Empty the test's directory (the teardown checks that nothing is left). */
static void empty_dir(const char *dir)
{
	assert_int_equal(nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* A whole run directory: the files the scripts leave, and what the report
 * writes from them. */
static void test_report_dir(void **state)
{
	ENV;
	char sub[IPC_PATH_MAX + 32];
	static const char *const dirs[] = { "latency", "peers", "peers/ipclab", "scaling", "samples",
					    "machine" };
	for (size_t i = 0; i < 6; i++) {
		snprintf(sub, sizeof sub, "%s/%s", env->dir, dirs[i]);
		assert_int_equal(mkdir(sub, 0700), 0);
	}
	write_text(env->dir, "env.csv", "# quick: yes\n# date: 2026-01-02T03:04:05Z\n"
		   "# cpu_model: Test CPU\n# git_rev: abc123\n" HEADER);
	write_text(env->dir, "latency/pipe.csv", HEADER
		   "latency,pipe,greeting,16,10,1,\"0,0\",,5.000,,,,,,,,,,,,0,0,\n");
	write_text(env->dir, "latency/tcp.csv", HEADER
		   "latency,tcp,greeting,16,10,1,\"0,0\",,9.000,,,,,,,,,,,,0,0,\n");
	write_text(env->dir, "peers/ipclab/a.csv", HEADER
		   "latency,tcp,echo,64,10,1,\"0,0\",,8.000,,,,,11.000,,,,,,,0,0,\n");
	write_text(env->dir, "peers/ipclab/b.csv", HEADER
		   "latency,tcp,echo,64,10,1,\"0,0\",,8.000,,,,,9.000,,,,,,,0,0,\n");
	write_text(env->dir, "peers/sockperf.rtt", "9\n10\n11\n");
	write_text(env->dir, "peers/rounds.tsv",
		   "qperf\ttcp\t64\t0,0\t1\tmean\t8\tpeers/ipclab/a.csv\tpeers/ipclab/b.csv\n"
		   "sockperf\ttcp\t64\t0,0\t1\tp50\t@peers/sockperf.rtt\tpeers/ipclab/a.csv\tpeers/ipclab/b.csv\n");
	/* The machine's pauses on CPU 0 (as `ipclab bench pauses --format csv`
	 * writes them), and the pipe echo's round trips there: 100 samples,
	 * 3 of them over p50 + half a pause (10 + 20). */
	write_text(env->dir, "machine/pauses_cpu0.csv", "# date: 2026-01-02T03:04:05Z\n"
		   "kind,cpu,seconds,threshold_us,pauses,pauses_per_s,lost_pct,min_us,p50_us,"
		   "p90_us,p99_us,max_us,clock_ns,ctxsw,overflow\n"
		   "pauses,0,1.000,5.000,2000,2000.000,8.000,6.000,40.000,45.000,60.000,90.000,"
		   "27.000,0,0\n");
	char samples[1024] = "";
	for (int i = 0; i < 100; i++)
		strcat(samples, i < 3 ? "55\n" : i < 10 ? "25\n" : "10\n");
	write_text(env->dir, "samples/latency_pipe_echo_0-0.txt", samples);
	write_text(env->dir, "scaling/redis_unix_50.out", "\"test\",\"rps\"\n"
		   "\"PING_INLINE\",\"40000.00\",\"1.000\",\"0.100\",\"0.900\",\"1.500\",\"2.000\",\"5.000\"\n");

	struct run *run = run_new();
	struct ipc_error e = { 0 };
	if (run_load_dir(run, env->dir, &e) < 0)
		fail_msg("run_load_dir: %s", e.msg);
	char *null_warn = NULL;
	size_t wl = 0;
	FILE *warn = open_memstream(&null_warn, &wl);
	if (run_write(run, env->dir, warn, &e) < 0)
		fail_msg("run_write: %s", e.msg);
	fclose(warn);
	free(null_warn);
	run_free(run);

	char path[IPC_PATH_MAX + 64], buf[16384];
	snprintf(path, sizeof path, "%s/summary.md", env->dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	/* Findings come first, then the tables. */
	char *findings = strstr(buf, "## Findings"), *tables = strstr(buf, "## Round-trip latency");
	assert_non_null(findings);
	assert_non_null(tables);
	assert_true(findings < tables);
	assert_non_null(strstr(buf, "A quick run (`make bench QUICK=1`)"));
	assert_non_null(strstr(buf, "one round each, so no interval and no ranking: from 5.0 µs "
				    "(pipe) to"));
	/* qperf's mean (8) against the twins' means (11 and 9: 10): 1.25. */
	assert_non_null(strstr(buf, "| qperf | tcp | 64 | one CPU (0) | mean | 8.00 | 8.00 | 10.00 | 1.25 |"));
	/* sockperf's p50 of 9, 10, 11 against the twins' p50 of 8: 0.80. */
	assert_non_null(strstr(buf, "| sockperf | tcp | 64 | one CPU (0) | p50 | 10.00 | 8.00 | 10.00 | 0.80 |"));
	assert_non_null(strstr(buf, "| unix_stream | redis | 40.0 |"));
	/* Mean of the samples: (3 * 55 + 7 * 25 + 90 * 10) / 100 = 12.4; 2,000
	 * pauses a second predict one in 40 round trips. */
	assert_non_null(strstr(buf, "CPU 0 lost 8.0 % of its time to pauses, 2000 a second of "
				    "40.0 µs (median; `ipclab bench pauses`)."));
	assert_non_null(strstr(buf, "The pipe round trips on that CPU: p50 10.0 µs, mean 24.0 % "
				    "above it, and 3.0 % of them took over 20 µs longer than the p50."));

	snprintf(path, sizeof path, "%s/plots/data/meta.gp", env->dir);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "QUICK = 1"));
	assert_non_null(strstr(buf, "QUICK RUN"));
	assert_non_null(strstr(buf, "git abc123"));
	/* The registry's transports, the classic six first. */
	assert_non_null(strstr(buf, "TRANSPORTS = \"pipe fifo unix\\_stream unix\\_dgram tcp udp") ||
			strstr(buf, "TRANSPORTS = \"pipe fifo unix_stream unix_dgram tcp udp"));
	snprintf(path, sizeof path, "%s/all.csv", env->dir);
	assert_int_equal(access(path, R_OK), 0);
	snprintf(path, sizeof path, "%s/peers.csv", env->dir);
	assert_int_equal(access(path, R_OK), 0);
	empty_dir(env->dir);
}

static void test_report_dir_missing(void **state)
{
	ENV;
	struct run *run = run_new();
	struct ipc_error e = { 0 };
	assert_int_equal(run_load_dir(run, env->dir, &e), -1);
	assert_non_null(strstr(e.msg, "no usable result rows"));
	assert_non_null(strstr(e.msg, "env.csv"));
	run_free(run);
}

/* ---- each column prints the statistic its header names ------------------ */

/* The cell under header `col` in the row of table `head` (a line starting
 * with it) whose first cell is `first`; "" when absent.  The columns are
 * found by the header's words, not by position. */
static void cell_of(const char *text, const char *head, const char *first, const char *col,
		    char *out, size_t cap)
{
	out[0] = '\0';
	const char *h = strstr(text, head);
	assert_non_null(h);
	char line[2048];
	size_t n = strcspn(h, "\n");
	snprintf(line, sizeof line, "%.*s", (int)n, h);
	int want = -1, k = 0;
	for (char *save = NULL, *c = strtok_r(line, "|", &save); c; c = strtok_r(NULL, "|", &save), k++) {
		while (*c == ' ')
			c++;
		size_t l = strlen(c);
		while (l && c[l - 1] == ' ')
			c[--l] = '\0';
		if (!strcmp(c, col) && want < 0)
			want = k;
	}
	if (want < 0)
		fail_msg("no column '%s' in '%s'", col, head);
	char pat[128];
	snprintf(pat, sizeof pat, "\n| %s |", first);
	const char *r = strstr(h, pat);
	if (!r)
		return;
	n = strcspn(r + 1, "\n");
	snprintf(line, sizeof line, "%.*s", (int)n, r + 1);
	k = 0;
	for (char *save = NULL, *c = strtok_r(line, "|", &save); c; c = strtok_r(NULL, "|", &save), k++)
		if (k == want) {
			while (*c == ' ')
				c++;
			snprintf(out, cap, "%s", c);
			size_t l = strlen(out);
			while (l && out[l - 1] == ' ')
				out[--l] = '\0';
		}
}

static void expect_cell(const char *text, const char *head, const char *first, const char *col,
			double want, int decimals)
{
	char got[64], exp[64];
	cell_of(text, head, first, col, got, sizeof got);
	snprintf(exp, sizeof exp, "%.*f", decimals, want);
	if (strcmp(got, exp))
		fail_msg("%s, row %s, column %s: '%s', expected %s", head, first, col, got, exp);
}

static void test_columns_print_their_statistic(void **state)
{
	(void)state;
	struct run *run = run_new();
	/* Every statistic a value of its own. */
	struct result_row lat = {
		.kind = "latency", .transport = "pipe", .mode = "greeting", .size = 16, .count = 100,
		.clients = 1, .pin = "0,0", .note = "",
		.lat_us = { .min = 1, .p50 = 3.25, .p90 = 5, .p99 = 7.5, .p999 = 11.75, .max = 20,
			    .mean = 4.125 },
	};
	assert_int_equal(run_add_row(run, &lat), 0);
	struct result_row con = lat;
	con.kind = "connect", con.transport = "fifo", con.mode = "", con.pin = "0,1";
	con.lat_us = (struct stats){ .min = 1, .p50 = 2.5, .p90 = 4, .p99 = 9.5, .p999 = 10, .max = 12,
				     .mean = 4.25 };
	assert_int_equal(run_add_row(run, &con), 0);
	struct result_row tru = { .kind = "process", .transport = "none", .mode = "true", .count = 30,
				  .clients = 1, .pin = "none", .note = "",
				  .lat_us = { .min = 500, .p50 = 1000, .p90 = 1500, .p99 = 2500,
					      .p999 = 2500, .max = 2500, .mean = 1250 } };
	struct result_row dem = tru;
	dem.transport = "tcp", dem.mode = "demo";
	dem.lat_us = (struct stats){ .min = 1000, .p50 = 2000, .p90 = 4000, .p99 = 5000,
				     .p999 = 5000, .max = 5000, .mean = 3000 };
	assert_int_equal(run_add_row(run, &tru), 0);
	assert_int_equal(run_add_row(run, &dem), 0);
	add_throughput(run, "tcp", 65536, "0,1", 1500, 100, 0);
	add_throughput(run, "tcp", 4096, "0,1", 700, 100, 0);
	struct result_row unv = { .kind = "throughput", .transport = "tcp", .mode = "", .size = 65536,
				  .count = 100, .clients = 1, .pin = "0,1", .note = "UNVERIFIED",
				  .mb_per_s = 2000 };
	assert_int_equal(run_add_row(run, &unv), 0);
	run_finish(run);
	char *sum = findings_of(run, true);

	const char *lt = "| transport | mode | bytes |";
	expect_cell(sum, lt, "pipe", "one CPU (0) p50", 3.25, 2);
	expect_cell(sum, lt, "pipe", "p99", 7.5, 2);
	expect_cell(sum, lt, "pipe", "p99.9", 11.75, 2);
	const char *ct = "| transport | count | p50 | p99 | mean |";
	expect_cell(sum, ct, "fifo", "p50", 2.5, 2);
	expect_cell(sum, ct, "fifo", "p99", 9.5, 2);
	expect_cell(sum, ct, "fifo", "mean", 4.25, 2);
	const char *pt = "| command | transport | runs |";
	expect_cell(sum, pt, "demo", "p50 ms", 2.0, 3);
	expect_cell(sum, pt, "demo", "mean ms", 3.0, 3);
	expect_cell(sum, pt, "demo", "p99 ms", 5.0, 3);
	expect_cell(sum, pt, "demo", "p50 / true", 2.0, 2);
	const char *tt = "| transport | 64 B | 4 KiB |";
	expect_cell(sum, tt, "tcp", "4 KiB", 700, 0);
	expect_cell(sum, tt, "tcp", "64 KiB", 1500, 0);
	expect_cell(sum, tt, "tcp", "64 KiB unchecked", 2000, 0);
	/* The price of the check: 1 - 1500 / 2000. */
	char price[64];
	cell_of(sum, tt, "tcp", "price of the check", price, sizeof price);
	assert_string_equal(price, "25 % (one round)");
	free(sum);
	run_free(run);
}

/* One line of a plot table: the fields after the first that equals key. */
static void dat_line(const char *dir, const char *name, const char *key, char *out, size_t cap)
{
	char path[IPC_PATH_MAX + 128], line[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	out[0] = '\0';
	size_t kl = strlen(key);
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, key, kl) && line[kl] == ' ') {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, cap, "%s", line + kl + 1);
		}
	fclose(f);
}

/* The band of a throughput point runs from its lowest round to its
 * highest, around the median round; the loss column is a percentage. */
static void test_plot_band_and_loss(void **state)
{
	ENV;
	struct run *run = run_new();
	/* Four rounds: median (nearest rank, the lower of the middle two) 200. */
	static const double rounds[] = { 400, 100, 300, 200 };
	for (size_t k = 0; k < 4; k++)
		add_throughput(run, "pipe", 65536, "0,1", rounds[k], 1000, 0);
	/* 25 of 200 datagrams lost: 12.5 %. */
	add_throughput(run, "udp", 1024, "0,1", 50, 200, 25);
	run_finish(run);
	struct ipc_error e = { 0 };
	assert_int_equal(run_plot_data(run, env->dir, &e), 0);
	char got[256];
	dat_line(env->dir, "throughput_pipe.dat", "65536", got, sizeof got);
	assert_string_equal(got, "200.0 100.0 400.0 0.000");
	dat_line(env->dir, "throughput_udp.dat", "1024", got, sizeof got);
	assert_string_equal(got, "50.0 50.0 50.0 12.500");
	run_free(run);
	empty_dir(env->dir);
}

/* The whole of a small file, NUL-terminated (free it). */
static char *file_text(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *buf = calloc(1, 1 << 16);
	assert_non_null(buf);
	size_t n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The plots' tables have a ZeroMQ transport where the run has its rows,
 * and only then (the static bin/ipclab's registry has none). */
static void test_plot_tables_zmq(void **state)
{
	ENV;
	struct run *run = run_new();
	assert_non_null(run);
	add_latency(run, "unix_stream", "0,0", 10, 20);
	add_latency(run, "zmq_ipc", "0,0", 25, 50);
	add_throughput(run, "zmq_ipc", 65536, "0,1", 100, 1000, 0);
	run_finish(run);
	struct ipc_error e = { 0 };
	assert_int_equal(run_plot_data(run, env->dir, &e), 0);
	char got[256];
	dat_line(env->dir, "throughput_zmq_ipc.dat", "65536", got, sizeof got);
	assert_string_equal(got, "100.0 100.0 100.0 0.000");
	char path[IPC_PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/throughput_zmq_tcp.dat", env->dir);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof path, "%s/meta.gp", env->dir);
	char *meta = file_text(path);
	assert_true(strstr(meta, "shm zmq\\_ipc\"") || strstr(meta, "shm zmq_ipc\""));
	free(meta);
	snprintf(path, sizeof path, "%s/latency.dat", env->dir);
	char *lat = file_text(path);
	assert_non_null(strstr(lat, " zmq_ipc 25"));
	assert_null(strstr(lat, "zmq_tcp"));
	free(lat);
	run_free(run);
	empty_dir(env->dir);
}

/* The CPU-cost finding names the cheapest transport and the dearest, by
 * their CPU time, whatever their order in the registry. */
static void test_cost_finding_names_cheapest(void **state)
{
	(void)state;
	struct run *run = run_new();
	static const char *const t[] = { "pipe", "fifo", "unix_stream", "tcp" };
	static const double cpu[] = { 5, 2.5, 7, 9.25 };
	for (size_t i = 0; i < 4; i++)
		add_latency(run, t[i], "0,0", 10 + (double)i, cpu[i]);
	run_finish(run);
	char *f = findings_of(run, false);
	const char *cost = strstr(f, "Cost per message");
	assert_non_null(cost);
	assert_non_null(strstr(cost, "2.5 µs of CPU time (fifo) to 9.2 µs (tcp)"));
	free(f);
	run_free(run);
}

/* ---- io_uring and ZeroMQ (findings_uring_zmq.c) ---------------------------- */

static void add_turn(struct run *run, const char *t, const char *mode, unsigned long clients,
		     double per_s)
{
	struct result_row r = { .kind = "load", .transport = t, .mode = mode, .clients = clients,
				.count = 1000, .pin = "none", .note = "", .msgs_per_s = per_s };
	assert_int_equal(run_add_target_row(run, &r), 0);
}

/* Three rounds by turns of epoll, uring and redis at 50 clients over
 * unix_stream: uring's runs at 30000-32000, epoll's as given. */
static struct run *turns_run(double e1, double e2, double e3)
{
	struct run *run = run_new();
	assert_non_null(run);
	const double u[3] = { 30000, 31000, 32000 }, e[3] = { e1, e2, e3 };
	for (int k = 0; k < 3; k++) {
		add_turn(run, "unix_stream", "uring", 50, u[k]);
		add_turn(run, "unix_stream", "epoll", 50, e[k]);
		add_turn(run, "unix_stream", "redis", 50, 10000 + 100 * k);
	}
	add_latency(run, "pipe", "0,0", 5, 5);
	run_finish(run);
	return run;
}

static void test_uring_findings_tie_and_apart(void **state)
{
	(void)state;
	struct run *apart = turns_run(10000, 11000, 12000), *tied = turns_run(29000, 31500, 33000);
	char *fa = findings_of(apart, false), *ft = findings_of(tied, false);

	assert_non_null(strstr(fa, "at 50 clients, uring 31000 greetings/s (30000–32000 over 3 "
				   "rounds), 2.82× (2.50–3.20) epoll's 11000 (10000–12000 over 3 rounds)"));
	assert_non_null(strstr(fa, "3.07× (2.94–3.20) redis-server's PINGs/s 10100"));
	assert_non_null(strstr(ft, "tied with epoll's 31500 (29000–33000 over 3 rounds) (the "
				   "intervals overlap)"));
	assert_null(strstr(ft, "× epoll's"));
	/* The older finding keeps to epoll at 50 clients: uring's runs are not
	 * taken for epoll's. */
	assert_non_null(strstr(fa, "the epoll server answered 11000 greetings/s"));
	free(fa);
	free(ft);
	run_free(apart);
	run_free(tied);
}

static void test_uring_versus_single_round(void **state)
{
	(void)state;
	struct figure a = { 30, 30, 30, 1, false, "µs" }, b = { 20, 18, 22, 3, false, "µs" };
	char buf[256];
	assert_string_equal(uring_zmq_versus(&a, &b, "tcp's", buf, sizeof buf),
			    "1.50× tcp's 20.0 (18.0–22.0 over 3 rounds) (a single round: no "
			    "interval, so no verdict)");
	a = (struct figure){ 30, 29, 31, 3, false, "µs" };
	/* Apart: the ratio with the interval the two intervals allow,
	 * 29/22 to 31/18. */
	assert_string_equal(uring_zmq_versus(&a, &b, "tcp's", buf, sizeof buf),
			    "1.50× (1.32–1.72) tcp's 20.0 (18.0–22.0 over 3 rounds)");
	a.lo = 21;
	assert_non_null(strstr(uring_zmq_versus(&a, &b, "tcp's", buf, sizeof buf), "tied with"));
}

/* perf's counts: the figures per greeting, and a Why that follows them. */
static void test_uring_counted_finding(void **state)
{
	(void)state;
	struct run *run = run_new();
	assert_non_null(run);
	struct server_count e = { "tcp", "epoll", 50, 1000, 2000, 100, 5.0 };
	struct server_count u = { "tcp", "uring", 50, 1000, 500, 400, 5.0 };
	assert_int_equal(run_add_counted(run, &e), 0);
	assert_int_equal(run_add_counted(run, &u), 0);
	add_latency(run, "pipe", "0,0", 5, 5);
	run_finish(run);
	char *f = findings_of(run, false);
	assert_non_null(strstr(f, "epoll 2.00 system calls, 0.10 context switches and 5.0 µs of "
				  "CPU; uring 0.50 system calls, 0.40 context switches and 5.0 µs"));
	assert_non_null(strstr(f, "4.0× fewer system calls"));
	assert_non_null(strstr(f, "yet its CPU per greeting was no lower"));
	assert_non_null(strstr(f, "woken 4.0× as often"));
	free(f);
	run->counted[1].task_ms = 2.0; /* now the ring's CPU is lower */
	f = findings_of(run, false);
	assert_non_null(strstr(f, "its CPU per greeting was lower by more than a tenth"));
	free(f);
	/* epoll next to never woken (1 switch in 10,000 greetings): no ratio
	 * of the two, the counts themselves. */
	run->counted[0].greetings = 10000;
	run->counted[0].syscalls = 20000;
	run->counted[0].ctxsw = 1;
	f = findings_of(run, false);
	assert_null(strstr(f, "× as often"));
	assert_non_null(strstr(f, "woken 0.40 times a greeting and epoll's almost never (0.0001)"));
	free(f);
	run_free(run);
}

/* `greet` against `true`, by the rounds' ranges: inside the noise it is
 * "the same", outside it a ratio with the interval the ranges allow. */
static void test_process_finding_rounds(void **state)
{
	(void)state;
	struct run *run = run_new();
	assert_non_null(run);
	static const struct {
		const char *t, *mode;
		double p50[3];
	} rows[] = {
		{ "none", "true", { 2000, 1800, 2400 } },
		{ "fifo", "greet", { 2100, 1900, 2300 } },  /* overlaps true */
		{ "tcp", "greet", { 5000, 4800, 5600 } },   /* apart */
		{ "pipe", "greet", { 9000, 9000, 9000 } },  /* forks its server: left out */
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		for (int k = 0; k < 3; k++) {
			struct result_row r = { .kind = "process", .transport = rows[i].t,
						.mode = rows[i].mode, .count = 100, .clients = 1,
						.pin = "none", .note = "" };
			r.lat_us.p50 = rows[i].p50[k];
			r.lat_us.mean = rows[i].p50[k];
			assert_int_equal(run_add_row(run, &r), 0);
		}
	add_latency(run, "pipe", "0,0", 5, 5);
	run_finish(run);
	char *f = findings_of(run, false);
	/* true: median 2000 of 1800-2400; fifo 2100; tcp 5000 of 4800-5600:
	 * 5000/2000 = 2.50, 4800/2400 = 2.00, 5600/1800 = 3.11. */
	assert_non_null(strstr(f, "takes 1.05 to 2.50× as long as `true` (2.00 ms, p50 of the "
				  "median of 3 rounds, 1.80–2.40 ms); the same as `true` within the "
				  "rounds' noise for fifo; apart from it: tcp ×2.50 (2.00–3.11)."));
	assert_null(strstr(f, "pipe ×"));
	free(f);
	run_free(run);
}

/* ZeroMQ against its sockets: per message (latency) and per byte
 * (throughput rounds, grouped into their median with an interval). */
static void test_zmq_findings(void **state)
{
	(void)state;
	struct run *run = run_new();
	assert_non_null(run);
	add_latency(run, "unix_stream", "0,0", 10, 20);
	add_latency(run, "zmq_ipc", "0,0", 25, 50);
	for (int k = 0; k < 3; k++) {
		add_throughput(run, "unix_stream", 65536, "0,1", 200 + 10 * k, 1000, 0);
		add_throughput(run, "zmq_ipc", 65536, "0,1", 100 + 10 * k, 1000, 0);
		add_throughput(run, "tcp", 1048576, "0,1", 300 + 50 * k, 1000, 0);
		add_throughput(run, "zmq_tcp", 1048576, "0,1", 320 + 50 * k, 1000, 0);
	}
	add_latency(run, "tcp", "0,1", 40, 20);
	run_finish(run);
	char *f = findings_of(run, false);
	assert_non_null(strstr(f, "zmq_ipc 25.0 µs, 2.50× unix_stream's 10.0 (a single round"));
	assert_non_null(strstr(f, "with 50.0 against 20.0 µs of CPU a round trip"));
	assert_non_null(strstr(f, "zmq_ipc in 64 KiB messages 110 MB/s (100–120 over 3 rounds), "
				  "0.52× (0.45–0.60) unix_stream's 210 (200–220 over 3 rounds)"));
	assert_non_null(strstr(f, "zmq_tcp in 1 MiB messages 370 MB/s (320–420 over 3 rounds), "
				  "tied with tcp's 350"));
	free(f);
	run_free(run);
}

/* scaling/counted/: perf's counts read beside the load's row. */
static void test_counted_read_back(void **state)
{
	ENV;
	char sub[IPC_PATH_MAX + 32];
	static const char *const dirs[] = { "latency", "scaling", "scaling/counted" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(sub, sizeof sub, "%s/%s", env->dir, dirs[i]);
		assert_int_equal(mkdir(sub, 0700), 0);
	}
	write_text(env->dir, "env.csv", "# date: 2026-01-02T03:04:05Z\n# cpu_model: Test CPU\n"
		   "# kernel: Linux 6\n# cpus_online: 2\n" HEADER);
	write_text(env->dir, "latency/pipe.csv", HEADER
		   "latency,pipe,greeting,16,10,1,\"0,0\",,5.000,,,,,,,,,,,,0,0,\n");
	write_text(env->dir, "scaling/counted/tcp_uring_50.perf", "# started on today\n\n"
		   "1333,,raw_syscalls:sys_enter,46771709,100.00,28.500,K/sec\n"
		   "650,,context-switches,46771709,100.00,13.897,K/sec\n"
		   "46.77,msec,task-clock,46771709,100.00,0.046,CPUs utilized\n");
	write_text(env->dir, "scaling/counted/tcp_uring_50.csv", HEADER
		   "load,tcp,uring,0,6000,50,none,389.219,586.825,4564.107,26731.835,51205.662,"
		   "51219.248,2793.940,6050.441,9.557,0.000,0.000,17838.568,0.000,0,0,cpu=clients\n");
	write_text(env->dir, "scaling/counted/tcp_epoll_50.perf",
		   "<not counted>,,raw_syscalls:sys_enter,0,100.00,,\n");
	/* no tcp_epoll_50.csv: said, and left out */
	struct run *run = run_new();
	struct ipc_error e = { 0 };
	if (run_load_dir(run, env->dir, &e) < 0)
		fail_msg("run_load_dir: %s", e.msg);
	assert_int_equal(run->ncounted, 1);
	assert_string_equal(run->counted[0].transport, "tcp");
	assert_string_equal(run->counted[0].mode, "uring");
	assert_int_equal(run->counted[0].clients, 50);
	assert_int_equal(run->counted[0].greetings, 6000);
	assert_true(run->counted[0].syscalls == 1333);
	assert_true(run->counted[0].ctxsw == 650);
	assert_true(fabs(run->counted[0].task_ms - 46.77) < 1e-9);
	const char *const *lines;
	size_t n = run_problems(run, &lines);
	bool said = false;
	for (size_t i = 0; i < n; i++)
		said |= strstr(lines[i], "tcp_epoll_50.csv is missing") != NULL;
	assert_true(said);
	run_free(run);
	empty_dir(env->dir);
}


/* The throughput table, read by its headers: each size's median round,
 * the peak among the sizes without loss, the largest datagram with its
 * loss, the unchecked figure, the price of the check only where the
 * rounds' interval of it lies above 0, and each row's rounds' range. */
static void test_throughput_table_by_header(void **state)
{
	(void)state;
	struct run *run = run_new();
	assert_non_null(run);
	static const double pc[] = { 1200, 1000, 1100 }, pu[] = { 2200, 2000, 2100 };
	static const double tc[] = { 1000, 1200, 1100 }, tu[] = { 1300, 1150, 1250 };
	for (size_t k = 0; k < 3; k++) {
		add_throughput(run, "pipe", 65536, "0,1", pc[k], 100, 0);
		struct result_row u = { .kind = "throughput", .transport = "pipe", .mode = "",
					.size = 65536, .count = 100, .clients = 1, .pin = "0,1",
					.note = "UNVERIFIED", .mb_per_s = pu[k] };
		assert_int_equal(run_add_row(run, &u), 0);
		add_throughput(run, "tcp", 65536, "0,1", tc[k], 100, 0);
		u.transport = "tcp";
		u.mb_per_s = tu[k];
		assert_int_equal(run_add_row(run, &u), 0);
	}
	add_throughput(run, "pipe", 64, "0,1", 50, 100, 0);
	add_throughput(run, "pipe", 4096, "0,1", 800, 100, 0);
	add_throughput(run, "pipe", 1048576, "0,1", 1150, 100, 3); /* lost: no peak */
	add_throughput(run, "pipe", 1048576, "0,0", 9999, 100, 0); /* another placement */
	add_throughput(run, "udp", 1024, "0,1", 300, 100, 0);
	add_throughput(run, "udp", 65507, "0,1", 700, 200, 50);
	run_finish(run);
	char *sum = findings_of(run, true);
	const char *tt = "| transport | 64 B | 4 KiB |";
	char got[128], want[128];
	static const struct {
		const char *t, *col, *want;
	} cells[] = {
		{ "pipe", "64 B", "50" }, { "pipe", "4 KiB", "800" }, { "pipe", "64 KiB", "1100" },
		{ "pipe", "1 MiB", "1150" }, { "pipe", "peak (size)", "1100 (64 KiB)" },
		{ "pipe", "largest datagram", "–" }, { "pipe", "64 KiB unchecked", "2100" },
		{ "pipe", "64 KiB rounds", "1000–1200 (3)" },
		{ "pipe", "unchecked rounds", "2000–2200 (3)" },
		{ "tcp", "64 B", "–" }, { "tcp", "64 KiB", "1100" }, { "tcp", "64 KiB unchecked", "1250" },
		{ "udp", "largest datagram", "700 (65,507 B), 25.0 % lost" },
		{ "udp", "peak (size)", "300 (1 KiB)" }, { "udp", "64 KiB", "–" },
		{ "udp", "price of the check", "–" }, { "udp", "64 KiB rounds", "– (1)" },
	};
	for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
		cell_of(sum, tt, cells[i].t, cells[i].col, got, sizeof got);
		if (strcmp(got, cells[i].want))
			fail_msg("%s, %s: '%s', not '%s'", cells[i].t, cells[i].col, got, cells[i].want);
	}
	/* pipe: 1 - 1100/2100, between 1 - 1200/2000 and 1 - 1000/2200. */
	snprintf(want, sizeof want, "%.0f %% (%.0f–%.0f %%)", 100 * (1 - 1100.0 / 2100),
		 100 * (1 - 1200.0 / 2000), 100 * (1 - 1000.0 / 2200));
	cell_of(sum, tt, "pipe", "price of the check", got, sizeof got);
	assert_string_equal(got, want);
	/* tcp: the rounds overlap, the interval reaches below 0. */
	snprintf(want, sizeof want, "none beyond the noise (%.0f to %.0f %%)",
		 100 * (1 - 1200.0 / 1150), 100 * (1 - 1000.0 / 1300));
	cell_of(sum, tt, "tcp", "price of the check", got, sizeof got);
	assert_string_equal(got, want);
	/* The sizes run at another placement: a column per placement, one CPU first. */
	assert_non_null(strstr(sum, "| transport | size | one CPU (0) | two CPUs (0, 1) | unpinned |\n"));
	assert_non_null(strstr(sum, "\n| pipe | 1 MiB | 9999 | 1150 | – |\n"));
	free(sum);
	run_free(run);
}

/* Many clients: a column per client count, in increasing order whatever
 * the rows' order, thousands of requests a second, "–" where a server did
 * not run at that count; the servers in their fixed order. */
static void test_scaling_table_by_header(void **state)
{
	(void)state;
	struct run *run = run_new();
	assert_non_null(run);
	static const struct {
		const char *t, *mode;
		unsigned long clients;
		double per_s;
	} rows[] = {
		{ "tcp", "epoll", 100, 52500 }, { "unix_stream", "epoll", 10, 41000 },
		{ "unix_stream", "poll", 100, 38250 }, { "unix_stream", "epoll", 1, 9000 },
		{ "unix_stream", "redis", 100, 61500 }, { "unix_stream", "epoll", 100, 47750 },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct result_row r = { .kind = "load", .transport = rows[i].t, .mode = rows[i].mode,
					.size = 16, .count = 1000, .clients = rows[i].clients,
					.pin = "none", .note = "", .msgs_per_s = rows[i].per_s,
					.lat_us.p50 = 10 };
		assert_int_equal(run_add_row(run, &r), 0);
	}
	run_finish(run);
	char *sum = findings_of(run, true);
	const char *head = strstr(sum, "| transport | server | 1 | 10 | 100 |\n");
	assert_non_null(head);
	const char *order[] = { "| unix_stream | poll | – | – | 38.2 |",
				"| unix_stream | epoll | 9.0 | 41.0 | 47.8 |",
				"| unix_stream | redis | – | – | 61.5 |",
				"| tcp | epoll | – | – | 52.5 |" };
	const char *last = head;
	for (size_t i = 0; i < 4; i++) {
		const char *at = strstr(head, order[i]);
		if (!at)
			fail_msg("no '%s' in\n%s", order[i], head);
		assert_true(at > last);
		last = at;
	}
	free(sum);
	run_free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_throughput_table_by_header),
		cmocka_unit_test(test_scaling_table_by_header),
		cmocka_unit_test(test_findings_follow_the_data),
		cmocka_unit_test(test_idle_cpus_finding),
		cmocka_unit_test(test_wakeup_floor_finding),
		cmocka_unit_test(test_bulk_leaves_out_lossy),
		cmocka_unit_test(test_throughput_median_round),
		cmocka_unit_test(test_udp_loss_percentage),
		cmocka_unit_test(test_throughput_bend),
		cmocka_unit_test(test_peer_verdicts),
		cmocka_unit_test(test_peer_levels_and_means),
		cmocka_unit_test(test_pause_finding),
		cmocka_unit_test(test_csv_round_trip),
		cmocka_unit_test(test_columns_print_their_statistic),
		cmocka_unit_test_setup_teardown(test_plot_band_and_loss, test_env_setup,
						test_env_teardown),
		cmocka_unit_test(test_cost_finding_names_cheapest),
		cmocka_unit_test_setup_teardown(test_plot_tables_zmq, test_env_setup, test_env_teardown),
		cmocka_unit_test(test_uring_findings_tie_and_apart),
		cmocka_unit_test(test_uring_versus_single_round),
		cmocka_unit_test(test_uring_counted_finding),
		cmocka_unit_test(test_process_finding_rounds),
		cmocka_unit_test(test_zmq_findings),
		cmocka_unit_test_setup_teardown(test_counted_read_back, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_report_dir, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_report_dir_missing, test_env_setup,
						test_env_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
