/*
 * test_plan.c - what `ipclab bench plan` decides for the scripts of bench/
 * beyond the steps of `make bench`: the conditions, steps and file names
 * of `make netlab` for what the kernel offers (plan_netlab.c), what killed
 * netlab runs left behind, the time left of a run (plan_progress.c), and
 * the figure each peer tool printed (peer_figure.c); and the check that a
 * change to the scripts keeps a run's shape (scripts/same_run.sh).  Each
 * expectation is worked out here by hand from the input, against the
 * command's output.
 */
#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analysis/layout.h"

#define ENV struct test_env *env = *state
#define OUT_CAP (1 << 16)

static char out[OUT_CAP], err[4096];

/* `ipclab bench plan ARGS...` (NULL-terminated, at most 12): exit status. */
#define PLAN(...) test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "plan", \
			       __VA_ARGS__, NULL)

/* How many lines of out are exactly `line`, or (prefix) begin with it. */
static int lines_with(const char *line, bool prefix)
{
	int n = 0;
	size_t len = strlen(line);
	for (const char *p = out; *p;) {
		size_t l = strcspn(p, "\n");
		if (prefix ? l >= len && !strncmp(p, line, len) : l == len && !strncmp(p, line, len))
			n++;
		p += l + (p[l] == '\n');
	}
	return n;
}
#define HAS(line) assert_int_equal(lines_with(line, false), 1)

/* ---- netlab ---------------------------------------------------------------- */

/* With netem every condition runs, applied by netem, 100 round trips each. */
static void test_netlab_netem(void **state)
{
	ENV;
	assert_int_equal(PLAN("netlab", "/tmp/run", "--quick"), 0);
	HAS("say\timpairments: tc netem (the kernel has sch_netem)");
	HAS("append\tconditions.tsv\t# name\tloss_pct\tdelay_ms\tdup_pct\treorder_pct\thow");
	assert_int_equal(lines_with("condition\t", true), 7);
	assert_int_equal(lines_with("end", false), 7);
	assert_int_equal(lines_with("step\t", true), 21);  /* 3 steps x 7 conditions */
	assert_int_equal(lines_with("greet\t", true), 14);
	assert_int_equal(lines_with("snmp\t", true), 14);
	HAS("condition\tclean\tclean/problems.tsv\tnone");
	HAS("append\tconditions.tsv\tclean\t0\t0\t0\t0\tnone");
	HAS("netem\tloss\t30%");
	HAS("netem\tdelay\t20ms");
	HAS("netem\tdelay\t10ms\treorder\t25%\t50%");
	HAS("netem\tduplicate\t10%");
	HAS("append\tconditions.tsv\treorder\t0\t10\t0\t25\ttc netem on the client's end of the "
	    "link: netem delay 10ms reorder 25% 50%");
	assert_int_equal(lines_with("netdelay\t", true) + lines_with("drop\t", true) +
				 lines_with("dup\t", true), 0);
	HAS("snmp\tloss10/snmp_client_before\tloss10/snmp_server_before");
	HAS("greet\tudp\tdup10/greet.txt");
	HAS("step\ttcp latency\t180\tclean/tcp_latency.csv\tbench\tlatency\ttcp\t--address\t"
	    "@SERVER@\t--count\t100\t--warmup\t0\t--timeout\t1000000\t--format\tcsv");
	/* A UDP reply is given up on after 100 ms plus twice the delay. */
	HAS("step\tudp latency\t180\tdelay20/udp_latency.csv\tbench\tlatency\tudp\t--address\t"
	    "@SERVER@\t--count\t100\t--warmup\t0\t--timeout\t140\t--format\tcsv");
	HAS("step\ttcp load\t180\tloss1/tcp_load.csv\tload\ttcp\t--address\t@SERVER@\t--clients\t"
	    "4\t--requests\t25\t--pipeline\t4\t--timeout\t1000000\t--mode\tepoll\t--format\tcsv");
	HAS("plot\t100 round trips per point");
	/* netem makes the rest irrelevant. */
	assert_int_equal(PLAN("netlab", "/tmp/run", "--quick", "--no-nft", "x", "--no-queue", "y"), 0);
	HAS("say\timpairments: tc netem (the kernel has sch_netem)");
	/* A full run: 1,000 round trips, 200 greetings a client, 900 s a step. */
	assert_int_equal(PLAN("netlab", "/tmp/run"), 0);
	HAS("step\tudp latency\t900\tclean/udp_latency.csv\tbench\tlatency\tudp\t--address\t"
	    "@SERVER@\t--count\t1000\t--warmup\t0\t--timeout\t100\t--format\tcsv");
	assert_int_equal(lines_with("step\ttcp load\t900\t", true), 7);
	assert_int_equal(lines_with("say\t  load tcp: 4 clients x 200 greetings, 4 in flight each",
				    false), 7);
}

/* Without netem: nftables drops and copies, netdelay holds back. */
static void test_netlab_nftables(void **state)
{
	ENV;
	assert_int_equal(PLAN("netlab", "/tmp/run", "--quick", "--no-netem", "no sch_netem",
			      "--queue", "iptables"), 0);
	HAS("say\timpairments: nftables for loss and duplication; for delay and reordering: "
	    "netdelay, fed by iptables (no sch_netem)");
	assert_int_equal(lines_with("end", false), 7);
	assert_int_equal(lines_with("netem", true), 0);
	HAS("drop\t1");
	HAS("drop\t30");
	HAS("dup\t10");
	HAS("netdelay\t20\t0\tdelay20/netdelay.txt\tdelay20/netdelay.log");
	HAS("netdelay\t10\t25\treorder/netdelay.txt\treorder/netdelay.log");
	HAS("condition\treorder\treorder/problems.tsv\t(tc netem absent) netdelay, fed by an "
	    "iptables NFQUEUE rule at the server's prerouting: holds each packet 10 ms, but lets "
	    "25 % go at once, ahead of those held");
	HAS("condition\tloss10\tloss10/problems.tsv\t(tc netem absent) nftables, server's "
	    "prerouting: numgen random mod 100 < 10 drop");
	assert_int_equal(PLAN("netlab", "/tmp/run", "--quick", "--no-netem", "a", "--queue", "nft"),
			 0);
	HAS("condition\tdelay20\tdelay20/problems.tsv\t(tc netem absent) netdelay, fed by an "
	    "nftables queue rule at the server's prerouting: holds each packet 20 ms");
}

/* What cannot be applied is skipped, with why, and not measured. */
static void test_netlab_skipped(void **state)
{
	ENV;
	assert_int_equal(PLAN("netlab", "/tmp/run", "--quick", "--no-netem", "N", "--no-queue",
			      "Q"), 0);
	HAS("append\tconditions.tsv\tdelay20\t0\t20\t0\t0\tskipped: holding packets back (delay, "
	    "reordering) needs tc netem (N) or netdelay (Q)");
	assert_int_equal(lines_with("append\tconditions.tsv\treorder\t0\t10\t0\t25\tskipped: ",
				    true), 1);
	assert_int_equal(lines_with("end", false), 5);
	assert_int_equal(lines_with("step\t", true), 15);
	assert_int_equal(lines_with("netdelay", true), 0);
	assert_int_equal(lines_with("say\t  latency tcp", true), 5);

	assert_int_equal(PLAN("netlab", "/tmp/run", "--no-netem", "N", "--no-nft", "F"), 0);
	HAS("say\timpairments: none available (N; F): only the clean link runs");
	HAS("append\tconditions.tsv\tloss1\t1\t0\t0\t0\tskipped: no netem (N) and no nftables (F)");
	assert_int_equal(lines_with("end", false), 1);
	assert_int_equal(lines_with("condition\t", true), 7);
	assert_int_equal(lines_with("step\t", true), 3);
	assert_int_equal(lines_with("step\ttcp latency\t900\tclean/", true), 1);
}

static void test_netlab_usage(void **state)
{
	ENV;
	assert_int_equal(PLAN("netlab", "/tmp/run", "--queue", "pf"), IPC_USAGE);
	assert_non_null(strstr(err, "usage: ipclab bench plan netlab"));
	assert_int_equal(PLAN("netlab", "--quick"), IPC_USAGE);
	assert_int_equal(PLAN("netlab", "/tmp/run", "--no-netem"), IPC_USAGE);
	assert_int_equal(PLAN("netlab", "/tmp/run", "/tmp/other"), IPC_USAGE);
}

/* The file names of a netlab run, from analysis/layout.c. */
static void test_netlab_names(void **state)
{
	(void)state;
	char p[128];
	struct layout_file f = { .kind = LF_NETLAB_SNMP, .condition = "loss10", .mode = "server",
				 .tag = "after" };
	assert_int_equal(layout_path(p, sizeof p, &f), 0);
	assert_string_equal(p, "loss10/snmp_server_after");
	f = (struct layout_file){ .kind = LF_NETLAB_LOAD, .condition = "clean", .transport = "tcp" };
	assert_int_equal(layout_path(p, sizeof p, &f), 0);
	assert_string_equal(p, "clean/tcp_load.csv");
	f = (struct layout_file){ .kind = LF_NETLAB_NETDELAY, .condition = "reorder", .tag = "log" };
	assert_int_equal(layout_path(p, sizeof p, &f), 0);
	assert_string_equal(p, "reorder/netdelay.log");
	f = (struct layout_file){ .kind = LF_NETLAB_CONDITIONS };
	assert_int_equal(layout_path(p, sizeof p, &f), 0);
	assert_string_equal(p, "conditions.tsv");
	/* A condition names a folder inside the run: never "", "..", or a path. */
	const char *bad[] = { NULL, "", "..", "a/b" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		f = (struct layout_file){ .kind = LF_NETLAB_PROBLEMS, .condition = bad[i] };
		assert_int_equal(layout_path(p, sizeof p, &f), -1);
	}
}

/* A pid that no process has: a child that has exited and been reaped. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

static void test_netlab_stale(void **state)
{
	ENV;
	char tmp[600], dead[700], alive[700], other[700], line[800], self[24], gone[24];
	snprintf(tmp, sizeof tmp, "%s/tmp", env->dir);
	assert_int_equal(mkdir(tmp, 0700), 0);
	pid_t d = dead_pid();
	snprintf(gone, sizeof gone, "%d", (int)d);
	snprintf(self, sizeof self, "%d", (int)getpid());
	snprintf(dead, sizeof dead, "%s/ipclab-netlab-%d.Ab12Cd", tmp, (int)d);
	snprintf(alive, sizeof alive, "%s/ipclab-netlab-%d.Xy34Zw", tmp, (int)getppid());
	snprintf(other, sizeof other, "%s/ipclab-netlab-%d-client", tmp, (int)d);
	assert_int_equal(mkdir(dead, 0700), 0);
	assert_int_equal(mkdir(alive, 0700), 0);
	assert_int_equal(mkdir(other, 0700), 0);
	const char *saved = getenv("TMPDIR");
	char *keep = saved ? strdup(saved) : NULL;
	assert_int_equal(setenv("TMPDIR", tmp, 1), 0);
	int rc = PLAN("netlab-stale", self);
	keep ? setenv("TMPDIR", keep, 1) : unsetenv("TMPDIR");
	free(keep);
	assert_int_equal(rc, 0);
	snprintf(line, sizeof line, "directory\t%s", dead);
	HAS(line);
	assert_null(strstr(out, alive)); /* its run goes on */
	assert_null(strstr(out, other)); /* not a name mktemp gives */
	/* The run asking is never stale, even with its pid named in the dir. */
	assert_int_equal(setenv("TMPDIR", tmp, 1), 0);
	rc = PLAN("netlab-stale", gone);
	unsetenv("TMPDIR");
	if (saved)
		setenv("TMPDIR", saved, 1);
	assert_int_equal(rc, 0);
	assert_null(strstr(out, dead));
	assert_int_equal(PLAN("netlab-stale", "x"), IPC_USAGE);
	rmdir(dead);
	rmdir(alive);
	rmdir(other);
	rmdir(tmp);
}

/* ---- progress --------------------------------------------------------------- */

static void test_progress(void **state)
{
	ENV;
	/* Quick: 12 s planned before latency (demo 2, process 10), latency 15,
	 * 47 after it.  3 of 10 runs: 16 s planned, under 20: no pace yet,
	 * 47 + 15 * 7 / 10 = 57 s left. */
	assert_int_equal(PLAN("progress", "latency", "3", "10", "40", "--quick"), 0);
	assert_string_equal(out, "BENCH_STEP=\"3/8 latency\"\nBENCH_LEFT=57\n");
	/* Full, throughput half done: 272 + 175 = 447 s planned, 894 s taken:
	 * pace 200 %, (441 + 175) * 2 = 1232 s left. */
	assert_int_equal(PLAN("progress", "throughput", "5", "10", "894"), 0);
	assert_string_equal(out, "BENCH_STEP=\"4/8 throughput\"\nBENCH_LEFT=1232\n");
	/* The last step has no estimate. */
	assert_int_equal(PLAN("progress", "report", "0", "1", "400"), 0);
	assert_string_equal(out, "BENCH_STEP=\"8/8 report\"\nBENCH_LEFT=\n");
	assert_int_equal(PLAN("progress", "lunch", "0", "1", "0"), IPC_USAGE);
	assert_int_equal(PLAN("progress", "demo", "2", "1", "0"), IPC_USAGE);
	assert_int_equal(PLAN("progress", "demo", "0", "0", "0"), IPC_USAGE);
	assert_int_equal(PLAN("progress", "demo", "0", "1"), IPC_USAGE);
}

/* say: the line, with the time since BENCH_T0 and the time left rounded
 * (to the minute from 100 s, else up to tens of seconds), and the step and
 * the end of the run in $BENCH_PROGRESS for the heartbeat. */
static void test_say(void **state)
{
	ENV;
	char t0[32], file[600], text[256];
	long now = (long)time(NULL);
	snprintf(t0, sizeof t0, "%ld", now - 75);
	snprintf(file, sizeof file, "%s/progress.tsv", env->dir);
	setenv("BENCH_T0", t0, 1);
	setenv("BENCH_STEP", "3/8 latency", 1);
	setenv("BENCH_LEFT", "240", 1);
	setenv("BENCH_PROGRESS", file, 1);
	assert_int_equal(PLAN("say", "hello", "there"), 0);
	assert_true(!strncmp(err, "[bench 1:15, ", 13) || !strncmp(err, "[bench 1:16, ", 13));
	assert_non_null(strstr(err, ", about 4 min left] step 3/8 latency: hello there\n"));
	assert_string_equal(out, "");
	FILE *f = fopen(file, "r");
	assert_non_null(f);
	long end = 0;
	assert_int_equal(fscanf(f, "3/8 latency\t%ld\t1\n", &end), 1);
	fclose(f);
	assert_true(end >= now + 240 && end <= now + 242);
	setenv("BENCH_LEFT", "41", 1);
	assert_int_equal(PLAN("say", "x"), 0);
	assert_non_null(strstr(err, ", about 50 s left] step 3/8 latency: x\n"));
	setenv("BENCH_LEFT", "", 1);
	setenv("BENCH_STEP", "", 1);
	assert_int_equal(PLAN("say", "done"), 0);
	assert_non_null(strstr(err, "] done\n"));
	assert_null(strstr(err, "about"));
	assert_null(strstr(err, "step"));

	/* The heartbeat: silent while the last line is under 8 s old ... */
	f = fopen(file, "w");
	assert_non_null(f);
	fprintf(f, "4/8 throughput\t%ld\t1\n", now + 600);
	fclose(f);
	assert_int_equal(PLAN("say", "--heartbeat"), 0);
	assert_string_equal(err, "");
	/* ... then the step goes on, the time left counted down. */
	struct timeval old[2] = { { now - 10, 0 }, { now - 10, 0 } };
	assert_int_equal(utimes(file, old), 0);
	assert_int_equal(PLAN("say", "--heartbeat"), 0);
	snprintf(text, sizeof text, ", about 10 min left] step 4/8 throughput: still measuring\n");
	assert_non_null(strstr(err, text));
	unsetenv("BENCH_T0");
	unsetenv("BENCH_STEP");
	unsetenv("BENCH_LEFT");
	unsetenv("BENCH_PROGRESS");
	assert_int_equal(unlink(file), 0);
}

static bool on_tmpfs(const char *dir)
{
	struct statfs fs;
	return statfs(dir, &fs) == 0 && fs.f_type == 0x01021994 && access(dir, W_OK | X_OK) == 0;
}

/* rundir: the first memory file system of $XDG_RUNTIME_DIR and /dev/shm,
 * else $TMPDIR. */
static void test_rundir(void **state)
{
	ENV;
	const char *saved = getenv("TMPDIR"), *xdg = env->dir;
	char *keep = saved ? strdup(saved) : NULL, want[600];
	setenv("TMPDIR", "/tmp/ipclab-test-elsewhere", 1);
	for (int i = 0; i < 2; i++, xdg = "/nonexistent/ipclab") {
		setenv("XDG_RUNTIME_DIR", xdg, 1);
		int rc = PLAN("rundir");
		snprintf(want, sizeof want, "%s\n", on_tmpfs(xdg)	     ? xdg
						    : on_tmpfs("/dev/shm") ? "/dev/shm"
									   : "/tmp/ipclab-test-elsewhere");
		assert_int_equal(rc, 0);
		assert_string_equal(out, want);
	}
	unsetenv("XDG_RUNTIME_DIR");
	keep ? setenv("TMPDIR", keep, 1) : unsetenv("TMPDIR");
	free(keep);
	assert_int_equal(PLAN("rundir", "extra"), IPC_USAGE);
}

/* cpu-ticks: "STEAL TOTAL", then a step's line of steal.tsv since then. */
static void test_cpu_ticks(void **state)
{
	ENV;
	unsigned long long s0, t0, s1, t1;
	char step[32];
	assert_int_equal(PLAN("cpu-ticks"), 0);
	assert_int_equal(sscanf(out, "%llu %llu", &s0, &t0), 2);
	assert_true(t0 > 0 && s0 <= t0);
	assert_int_equal(PLAN("cpu-ticks", "latency", "0", "0"), 0);
	assert_int_equal(sscanf(out, "%31[^\t]\t%llu\t%llu\n", step, &s1, &t1), 3);
	assert_string_equal(step, "latency");
	assert_true(s1 >= s0 && t1 >= t0); /* since boot, so at least as many */
	/* Since a later count than now: none, never a negative. */
	assert_int_equal(PLAN("cpu-ticks", "x", "99999999999999", "99999999999999"), 0);
	assert_string_equal(out, "x\t0\t0\n");
	assert_int_equal(PLAN("cpu-ticks", "latency"), IPC_USAGE);
}

/* free-port: a port in 20000-32767 that can be bound on loopback. */
static void test_free_port(void **state)
{
	ENV;
	for (int k = 0; k < 2; k++) {
		assert_int_equal(PLAN("free-port", k ? "u" : "t"), 0);
		int port = atoi(out);
		assert_true(port >= 20000 && port <= 32767);
		int fd = socket(AF_INET, k ? SOCK_DGRAM : SOCK_STREAM, 0);
		assert_true(fd >= 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
		close(fd);
	}
	assert_int_equal(PLAN("free-port", "sctp"), IPC_USAGE);
}

/* ---- the peers' figures -------------------------------------------------------- */

static int figure(struct test_env *env, const char *tool, const char *input)
{
	return test_run_cli(env, input, out, sizeof out, err, sizeof err, "bench", "plan",
			    "peer-figure", tool, NULL);
}

static void test_peer_figures(void **state)
{
	ENV;
	assert_int_equal(figure(env, "perf", "# Running 'sched/pipe' benchmark:\n"
				"# Executed 20000 pipe operations between two processes\n\n"
				"     Total time: 0.290 [sec]\n\n      14.542050 usecs/op\n"
				"          68766 ops/sec\n"), 0);
	assert_string_equal(out, "14.542050\n");
	assert_int_equal(figure(env, "sockperf", "------------------------------\n"
				"packet, txTime(sec), rxTime(sec), rtt(usec)\n"
				"0, 1.000001000, 1.000021500, 20.500\n"
				"1,1.000030,1.000040,10.125\n"
				" 2, 1.0, 1.0, 99\n"), 0);
	assert_string_equal(out, "20.500\n10.125\n");
	static const char qperf[] = "tcp_lat:\n    latency  =  14.1 us\nudp_lat:\n"
				    "    latency  =  2.5 ms\n";
	assert_int_equal(figure(env, "qperf-tcp", qperf), 0);
	assert_string_equal(out, "28.200\n"); /* one way, doubled */
	assert_int_equal(figure(env, "qperf-udp", qperf), 0);
	assert_string_equal(out, "5000.000\n");
	assert_int_equal(figure(env, "lmbench", "Pipe latency: 9.1234 microseconds\n"
				"AF_UNIX sock stream latency: 7.5 microseconds\n"), 0);
	assert_string_equal(out, "7.5\n");
	assert_int_equal(figure(env, "lmbench", "Pipe bandwidth: 3210.55 MB/sec\n"), 0);
	assert_string_equal(out, "3210.55\n");
	/* No figure: said, and a failure. */
	assert_int_equal(figure(env, "perf", "perf: command not found\n"), IPC_PROTOCOL);
	assert_non_null(strstr(err, "no perf figure"));
	assert_int_equal(figure(env, "qperf-udp", "tcp_lat:\n    latency  =  14.1 us\n"),
			 IPC_PROTOCOL);
	assert_int_equal(figure(env, "sockperf", "packet, txTime(sec)\n"), IPC_PROTOCOL);
	assert_int_equal(figure(env, "iperf", ""), IPC_USAGE);
}

/* ---- scripts/same_run.sh: a run's shape before and after a change ---- */

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

#define CONNECT_ROW(T, P50) "kind,transport,mode,size,count,clients,pin,min_us,p50_us,p90_us," \
	"p99_us,p999_us,max_us,mean_us,stddev_us,cpu_us_per_op,ctxsw_per_op,mb_per_s,msgs_per_s," \
	"cpu_ms_per_mb,lost,errors,note\nconnect," T ",,1,200,1,\"0,1\",70.023," P50 ",90.742," \
	"118.645,184.621,184.621,76.494,12.665,95.790,3.010,0.000,13072.982,0.000,0,0,\n"

static void test_same_run(void **state)
{
	ENV;
	char a[600], b[600], fa[700], fb[700], extra[700];
	const char *same[] = { "/bin/bash", "scripts/same_run.sh", a, b, NULL };
	snprintf(a, sizeof a, "%s/a", env->dir);
	snprintf(b, sizeof b, "%s/b", env->dir);
	snprintf(fa, sizeof fa, "%s/tcp.csv", a);
	snprintf(fb, sizeof fb, "%s/tcp.csv", b);
	snprintf(extra, sizeof extra, "%s/extra.csv", b);
	assert_int_equal(mkdir(a, 0700), 0);
	assert_int_equal(mkdir(b, 0700), 0);
	put(fa, "# date: 2026-01-01T00:00:00Z\n" CONNECT_ROW("tcp", "71.928"));
	/* Another date, another figure: the same shape. */
	put(fb, "# date: 2026-02-02T00:00:00Z\n" CONNECT_ROW("tcp", "99.5"));
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, same), 0);
	assert_non_null(strstr(out, "same shape"));
	/* A field that is not a figure changed: a row that is not the same. */
	put(fb, "# date: 2026-02-02T00:00:00Z\n" CONNECT_ROW("udp", "71.928"));
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, same), 1);
	assert_non_null(strstr(out, "./tcp.csv: rows or fields differ"));
	/* A key missing from the header. */
	put(fb, CONNECT_ROW("tcp", "71.928"));
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, same), 1);
	/* A file only one run has. */
	put(fb, "# date: 2026-02-02T00:00:00Z\n" CONNECT_ROW("tcp", "71.928"));
	put(extra, "x\n");
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, same), 1);
	assert_non_null(strstr(out, "the files differ"));
	assert_non_null(strstr(out, "> ./extra.csv"));
	unlink(extra);
	unlink(fa);
	unlink(fb);
	rmdir(a);
	rmdir(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_netlab_netem, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_netlab_nftables, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_netlab_skipped, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_netlab_usage, test_env_setup, test_env_teardown),
		cmocka_unit_test(test_netlab_names),
		cmocka_unit_test_setup_teardown(test_netlab_stale, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_progress, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_say, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_rundir, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_cpu_ticks, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_free_port, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_peer_figures, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_same_run, test_env_setup, test_env_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
