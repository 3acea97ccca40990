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
#include <sched.h>
#include <stdarg.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analysis/layout.h"
#include "plan.h" /* NETLAB_PREFIX, NETLAB_DEV */

#define ENV struct test_env *env = *state
#define OUT_CAP (1 << 18) /* a full run's peers plan: about 100 KiB */

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

/* Run 42's namespaces, as a command line's first fields. */
#define NS_C NETLAB_PREFIX "-42-client"
#define NS_S NETLAB_PREFIX "-42-server"
#define IN_C "ip\tnetns\texec\t" NS_C "\t"
#define IN_S "ip\tnetns\texec\t" NS_S "\t"
#define DEV_C NETLAB_DEV "42c"

/* The index of the first line of out that begins with prefix, after line
 * `from` (-1: none): what comes before what. */
static int line_at(const char *prefix, int from)
{
	int n = 0;
	size_t len = strlen(prefix);
	for (const char *p = out; *p; n++) {
		size_t l = strcspn(p, "\n");
		if (n > from && l >= len && !strncmp(p, prefix, len))
			return n;
		p += l + (p[l] == '\n');
	}
	return -1;
}

/* With netem every condition runs, applied by netem, 100 round trips each. */
static void test_netlab_netem(void **state)
{
	ENV;
	assert_int_equal(PLAN("netlab", "/tmp/run", "--id", "42", "--quick"), 0);
	HAS("say\timpairments: tc netem (the kernel has sch_netem)");
	HAS("append\tconditions.tsv\t# name\tloss_pct\tdelay_ms\tdup_pct\treorder_pct\thow");
	assert_int_equal(lines_with("condition\t", true), 7);
	assert_int_equal(lines_with("end", false), 7);
	assert_int_equal(lines_with("step\t", true), 21);  /* 3 steps x 7 conditions */
	assert_int_equal(lines_with("greet\t", true), 14);
	assert_int_equal(lines_with("save\t", true), 28); /* 2 namespaces, before and after */
	HAS("condition\tclean\tclean/problems.tsv\tnone");
	HAS("append\tconditions.tsv\tclean\t0\t0\t0\t0\tnone");
	/* netem on the client's end of the link (run 42's: ipl42c). */
	HAS("apply\t" IN_C "tc\tqdisc\tadd\tdev\t" DEV_C "\troot\tnetem\tloss\t30%");
	HAS("apply\t" IN_C "tc\tqdisc\tadd\tdev\t" DEV_C "\troot\tnetem\tdelay\t20ms");
	HAS("apply\t" IN_C "tc\tqdisc\tadd\tdev\t" DEV_C "\troot\tnetem\tdelay\t10ms\treorder\t25%\t50%");
	HAS("apply\t" IN_C "tc\tqdisc\tadd\tdev\t" DEV_C "\troot\tnetem\tduplicate\t10%");
	assert_int_equal(lines_with("apply\t", true), 6); /* every condition but the clean one */
	assert_int_equal(lines_with("undo\t" IN_C "tc\tqdisc\tdel\tdev\t" DEV_C "\troot", false), 6);
	assert_int_equal(lines_with("undo\t", true), 6);
	/* Applied before the condition's first measurement, undone after its
	 * last one, before its end. */
	int cond = line_at("condition\tloss1\t", -1), apply = line_at("apply\t", cond);
	int greet = line_at("greet\ttcp\tloss1/greet.txt\t", cond), load = line_at("step\ttcp load\t", cond);
	int undo = line_at("undo\t", cond), end = line_at("end", cond);
	assert_true(cond < apply && apply < greet && greet < load && load < undo && undo + 1 == end);
	HAS("append\tconditions.tsv\treorder\t0\t10\t0\t25\ttc netem on the client's end of the "
	    "link: netem delay 10ms reorder 25% 50%");
	assert_int_equal(lines_with("netdelay\t", true) + lines_with("apply\t" IN_S, true), 0);
	/* The counters of each namespace around the TCP round trips. */
	HAS("save\tloss10/snmp_client_before\t" IN_C "cat\t/proc/net/snmp");
	HAS("save\tloss10/snmp_server_after\t" IN_S "cat\t/proc/net/snmp");
	assert_true(line_at("save\tloss10/snmp_server_before\t", -1) <
		    line_at("step\ttcp latency\t180\tloss10/", -1));
	assert_true(line_at("step\ttcp latency\t180\tloss10/", -1) <
		    line_at("save\tloss10/snmp_client_after\t", -1));
	HAS("greet\tudp\tdup10/greet.txt\t" IN_C "@IPCLAB@\tgreet\tudp\tnetlab\t--address\t"
	    "198.51.100.2:7411");
	HAS("step\ttcp latency\t180\tclean/tcp_latency.csv\t" IN_C "@IPCLAB@\tbench\tlatency\ttcp\t"
	    "--address\t198.51.100.2:7411\t--count\t100\t--warmup\t0\t--timeout\t1000000\t--format\tcsv");
	/* A UDP reply is given up on after 100 ms plus twice the delay. */
	HAS("step\tudp latency\t180\tdelay20/udp_latency.csv\t" IN_C "@IPCLAB@\tbench\tlatency\tudp\t"
	    "--address\t198.51.100.2:7411\t--count\t100\t--warmup\t0\t--timeout\t140\t--format\tcsv");
	HAS("step\ttcp load\t180\tloss1/tcp_load.csv\t" IN_C "@IPCLAB@\tload\ttcp\t--address\t"
	    "198.51.100.2:7411\t--clients\t4\t--requests\t25\t--pipeline\t4\t--timeout\t1000000\t"
	    "--mode\tepoll\t--format\tcsv");
	HAS("plot\t100 round trips per point");
	/* netem makes the rest irrelevant. */
	assert_int_equal(PLAN("netlab", "/tmp/run", "--id", "42", "--quick", "--no-nft", "x",
			      "--no-queue-nft", "y", "--no-netdelay", "z"), 0);
	HAS("say\timpairments: tc netem (the kernel has sch_netem)");
	assert_int_equal(lines_with("apply\t" IN_C "tc\t", true), 6);
	/* A full run: 1,000 round trips, 200 greetings a client, 900 s a step. */
	assert_int_equal(PLAN("netlab", "/tmp/run", "--id", "42"), 0);
	HAS("step\tudp latency\t900\tclean/udp_latency.csv\t" IN_C "@IPCLAB@\tbench\tlatency\tudp\t"
	    "--address\t198.51.100.2:7411\t--count\t1000\t--warmup\t0\t--timeout\t100\t--format\tcsv");
	assert_int_equal(lines_with("step\ttcp load\t900\t", true), 7);
	assert_int_equal(lines_with("say\t  load tcp: 4 clients x 200 greetings, 4 in flight each",
				    false), 7);
}

/* Without netem: nftables drops and copies, netdelay holds back, fed by
 * nftables' queue where it works, else by iptables'. */
static void test_netlab_nftables(void **state)
{
	ENV;
	assert_int_equal(PLAN("netlab", "/tmp/run", "--id", "42", "--quick", "--no-netem",
			      "no sch_netem", "--no-queue-nft", "no nft_queue"), 0);
	HAS("say\timpairments: nftables for loss and duplication; for delay and reordering: "
	    "netdelay, fed by iptables (no sch_netem)");
	assert_int_equal(lines_with("end", false), 7);
	assert_int_equal(lines_with("apply\t" IN_C "tc\t", true), 0);
	/* Dropped as they arrive at the server, copied as they leave the
	 * client, and each table deleted where it was made. */
	HAS("apply\t" IN_S "nft\ttable ip ipclab_netlab { chain in { type filter hook prerouting "
	    "priority 0; ip saddr 198.51.100.1 numgen random mod 100 < 1 drop; }; }");
	HAS("apply\t" IN_S "nft\ttable ip ipclab_netlab { chain in { type filter hook prerouting "
	    "priority 0; ip saddr 198.51.100.1 numgen random mod 100 < 30 drop; }; }");
	HAS("apply\t" IN_C "nft\ttable ip ipclab_netlab { chain out { type filter hook output "
	    "priority 0; ip daddr 198.51.100.2 numgen random mod 100 < 10 dup to 198.51.100.2 device "
	    "\"" DEV_C "\"; }; }");
	assert_int_equal(lines_with("undo\t" IN_S "nft\tdelete\ttable\tip\tipclab_netlab", false), 3);
	assert_int_equal(lines_with("undo\t" IN_C "nft\tdelete\ttable\tip\tipclab_netlab", false), 1);
	/* netdelay in the server's namespace, then the rule that feeds it; the
	 * rule is undone before `end` stops netdelay. */
	HAS("netdelay\treorder/netdelay.txt\treorder/netdelay.log\t" IN_S "@NETDELAY@\t--queue\t0\t"
	    "--delay\t10\t--reorder\t25");
	HAS("netdelay\tdelay20/netdelay.txt\tdelay20/netdelay.log\t" IN_S "@NETDELAY@\t--queue\t0\t"
	    "--delay\t20\t--reorder\t0");
	int cond = line_at("condition\treorder\t", -1), nd = line_at("netdelay\t", cond);
	assert_int_equal(line_at("apply\t" IN_S "iptables\t-t\traw\t-A\tPREROUTING\t", cond), nd + 1);
	assert_int_equal(line_at("undo\t" IN_S "iptables\t-t\traw\t-D\tPREROUTING\t", cond) + 1,
			 line_at("end", cond));
	assert_true(line_at("step\ttcp load\t", cond) < line_at("undo\t", cond));
	HAS("condition\treorder\treorder/problems.tsv\t(tc netem absent) netdelay, fed by an "
	    "iptables NFQUEUE rule at the server's prerouting: holds each packet 10 ms, but lets "
	    "25 % go at once, ahead of those held");
	HAS("condition\tloss10\tloss10/problems.tsv\t(tc netem absent) nftables, server's "
	    "prerouting: numgen random mod 100 < 10 drop");
	/* nftables' own queue first, where it works. */
	assert_int_equal(PLAN("netlab", "/tmp/run", "--id", "42", "--quick", "--no-netem", "a",
			      "--no-queue-iptables", "b"), 0);
	HAS("condition\tdelay20\tdelay20/problems.tsv\t(tc netem absent) netdelay, fed by an "
	    "nftables queue rule at the server's prerouting: holds each packet 20 ms");
	assert_int_equal(lines_with("apply\t" IN_S "nft\ttable ip ipclab_netlab_q { chain q { type "
				    "filter hook prerouting priority -300; ip saddr 198.51.100.1 queue "
				    "num 0 bypass; }; }", false), 2); /* delay20, reorder */
	assert_int_equal(lines_with("undo\t" IN_S "nft\tdelete\ttable\tip\tipclab_netlab_q", false), 2);
	assert_int_equal(lines_with("apply\t" IN_S "iptables", true), 0);
}

/* What cannot be applied is skipped, with why, and not measured. */
static void test_netlab_skipped(void **state)
{
	ENV;
	/* No queue rule works: delay and reordering cannot be held back. */
	assert_int_equal(PLAN("netlab", "/tmp/run", "--id", "42", "--quick", "--no-netem", "N",
			      "--no-queue-nft", "Q1", "--no-queue-iptables", "Q2"), 0);
	HAS("append\tconditions.tsv\tdelay20\t0\t20\t0\t0\tskipped: holding packets back (delay, "
	    "reordering) needs tc netem (N) or netdelay (neither nftables' queue nor iptables' "
	    "NFQUEUE works here)");
	assert_int_equal(lines_with("append\tconditions.tsv\treorder\t0\t10\t0\t25\tskipped: ",
				    true), 1);
	assert_int_equal(lines_with("end", false), 5);
	assert_int_equal(lines_with("step\t", true), 15);
	assert_int_equal(lines_with("netdelay", true), 0);
	assert_int_equal(lines_with("say\t  latency tcp", true), 5);
	/* netdelay is missing: the same, and why. */
	assert_int_equal(PLAN("netlab", "/tmp/run", "--id", "42", "--quick", "--no-netem", "N",
			      "--no-netdelay", "D"), 0);
	HAS("say\timpairments: nftables for loss and duplication; for delay and reordering: D (N)");
	HAS("append\tconditions.tsv\treorder\t0\t10\t0\t25\tskipped: holding packets back (delay, "
	    "reordering) needs tc netem (N) or netdelay (D)");
	assert_int_equal(lines_with("end", false), 5);

	assert_int_equal(PLAN("netlab", "/tmp/run", "--id", "42", "--no-netem", "N", "--no-nft", "F"), 0);
	HAS("say\timpairments: none available (N; F): only the clean link runs");
	HAS("append\tconditions.tsv\tloss1\t1\t0\t0\t0\tskipped: no netem (N) and no nftables (F)");
	assert_int_equal(lines_with("end", false), 1);
	assert_int_equal(lines_with("condition\t", true), 7);
	assert_int_equal(lines_with("step\t", true), 3);
	assert_int_equal(lines_with("step\ttcp latency\t900\tclean/", true), 1);
	assert_int_equal(lines_with("apply\t", true) + lines_with("undo\t", true), 0);
}

static void test_netlab_usage(void **state)
{
	ENV;
	assert_int_equal(PLAN("netlab", "/tmp/run", "--id", "42", "--queue", "nft"), IPC_USAGE);
	assert_non_null(strstr(err, "usage: ipclab bench plan netlab"));
	assert_int_equal(PLAN("netlab", "--quick"), IPC_USAGE);
	assert_int_equal(PLAN("netlab", "/tmp/run", "--quick"), IPC_USAGE); /* no --id */
	assert_int_equal(PLAN("netlab", "/tmp/run", "--id", "0"), IPC_USAGE);
	assert_int_equal(PLAN("netlab", "/tmp/run", "--id", "4x"), IPC_USAGE);
	assert_int_equal(PLAN("netlab", "/tmp/run", "--id", "42", "--no-netem"), IPC_USAGE);
	assert_int_equal(PLAN("netlab", "/tmp/run", "--id", "42", "/tmp/other"), IPC_USAGE);
}

/* The lab of run 42: its runtime directory, hosts and link, the probes of
 * what the kernel offers (each undone at once), its servers. */
static void test_netlab_lab(void **state)
{
	ENV;
	assert_int_equal(PLAN("netlab-lab", "42"), 0);
	assert_string_equal(out,
		"rundir\t" NETLAB_PREFIX "-42.XXXXXX\n"
		"namespace\t" NS_C "\nnamespace\t" NS_S "\n"
		"veth\t" DEV_C "\t" NETLAB_DEV "42s\n"
		"do\tip\tlink\tset\t" DEV_C "\tnetns\t" NS_C "\n"
		"do\tip\tlink\tset\t" NETLAB_DEV "42s\tnetns\t" NS_S "\n"
		"do\t" IN_C "ip\taddr\tadd\t198.51.100.1/24\tdev\t" DEV_C "\n"
		"do\t" IN_S "ip\taddr\tadd\t198.51.100.2/24\tdev\t" NETLAB_DEV "42s\n"
		"do\t" IN_C "ip\tlink\tset\tlo\tup\n"
		"do\t" IN_S "ip\tlink\tset\tlo\tup\n"
		"do\t" IN_C "ip\tlink\tset\t" DEV_C "\tup\n"
		"do\t" IN_S "ip\tlink\tset\t" NETLAB_DEV "42s\tup\n"
		"say\tlab: " NS_C " (198.51.100.1, " DEV_C ") <-> " NS_S " (198.51.100.2, "
		NETLAB_DEV "42s), servers on 198.51.100.2:7411\n"
		"probe\tnetem\ttc netem\t" IN_C "tc\tqdisc\tadd\tdev\t" DEV_C "\troot\tnetem\tdelay\t0ms\n"
		"undo\t" IN_C "tc\tqdisc\tdel\tdev\t" DEV_C "\troot\n"
		"probe\tnft\tnftables\t" IN_C "nft\tadd\ttable\tip\tipclab_netlab\n"
		"undo\t" IN_C "nft\tdelete\ttable\tip\tipclab_netlab\n"
		"probe\tqueue-nft\tnftables' queue\t" IN_S "nft\ttable ip ipclab_netlab_q { chain q { "
		"type filter hook prerouting priority -300; ip saddr 198.51.100.1 queue num 0 "
		"bypass; }; }\n"
		"undo\t" IN_S "nft\tdelete\ttable\tip\tipclab_netlab_q\n"
		"probe\tqueue-iptables\tiptables' NFQUEUE\t" IN_S "iptables\t-t\traw\t-A\tPREROUTING\t"
		"-s\t198.51.100.1\t-j\tNFQUEUE\t--queue-num\t0\t--queue-bypass\n"
		"undo\t" IN_S "iptables\t-t\traw\t-D\tPREROUTING\t-s\t198.51.100.1\t-j\tNFQUEUE\t"
		"--queue-num\t0\t--queue-bypass\n"
		"server\ttcp\t" IN_S "@IPCLAB@\tserve\ttcp\t--address\t198.51.100.2:7411\t--mode\tepoll\t"
		"--idle-timeout\t1000000\n"
		"server\tudp\t" IN_S "@IPCLAB@\tserve\tudp\t--address\t198.51.100.2:7411\n");
	/* The names netlab-stale looks for: a veth end's name fits IFNAMSIZ
	 * (15 characters) with the largest pid Linux gives (2^22). */
	assert_int_equal(PLAN("netlab-lab", "4194304"), 0);
	HAS("veth\t" NETLAB_DEV "4194304c\t" NETLAB_DEV "4194304s");
	assert_true(strlen(NETLAB_DEV "4194304c") <= 15);
	assert_int_equal(PLAN("netlab-lab"), IPC_USAGE);
	assert_int_equal(PLAN("netlab-lab", "-1"), IPC_USAGE);
	assert_int_equal(PLAN("netlab-lab", "42", "43"), IPC_USAGE);
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
	snprintf(dead, sizeof dead, "%s/" NETLAB_PREFIX "-%d.Ab12Cd", tmp, (int)d);
	snprintf(alive, sizeof alive, "%s/" NETLAB_PREFIX "-%d.Xy34Zw", tmp, (int)getppid());
	snprintf(other, sizeof other, "%s/" NETLAB_PREFIX "-%d-client", tmp, (int)d);
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
	snprintf(line, sizeof line, "stale-directory\t%s", dead);
	HAS(line);
	assert_null(strstr(out, alive)); /* its run goes on */
	assert_null(strstr(out, other)); /* not a name mktemp gives */
	assert_int_equal(lines_with("say\t", true), 0); /* a directory goes quietly */
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

/* steps: a run's steps in order, whether each is counted in busy.tsv, what
 * each says first; the same steps, in the same places, as progress's. */
static void test_steps(void **state)
{
	ENV;
	static const char want[] =
		"demo\tno\tevery transport once\n"
		"process\tyes\t\n"
		"latency\tyes\t\n"
		"throughput\tyes\t\n"
		"connect\tyes\t\n"
		"peers\tyes\t\n"
		"scaling\tyes\tipclab serve in every mode and redis-server under many clients\n"
		"report\tno\tsummary.md, all.csv, peers.csv and the plots\n";
	assert_int_equal(PLAN("steps"), 0);
	assert_string_equal(out, want);
	const char *names[] = { "demo", "process", "latency", "throughput", "connect", "peers",
				"scaling", "report" };
	for (int i = 0; i < 8; i++) {
		char step[64];
		assert_int_equal(PLAN("progress", names[i], "0", "1", "0"), 0);
		snprintf(step, sizeof step, "BENCH_STEP=\"%d/8 %s\"\n", i + 1, names[i]);
		assert_int_equal(strncmp(out, step, strlen(step)), 0);
	}
	assert_int_equal(PLAN("steps", "extra"), IPC_USAGE);
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

/* ---- the plan's lines, one by one ----------------------------------------- */

#define MAX_LINES 4096
static char copy[OUT_CAP];
static char *lines[MAX_LINES];

/* out cut into its lines (a copy); their count. */
static int cut_lines(void)
{
	int n = 0;
	memcpy(copy, out, sizeof copy);
	for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l && n < MAX_LINES;
	     l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	return n;
}

/* The index of the first of the n lines that begins with prefix, from
 * from on; -1 when none does. */
static int find_line(int n, int from, const char *prefix)
{
	for (int i = from; i < n; i++)
		if (!strncmp(lines[i], prefix, strlen(prefix)))
			return i;
	return -1;
}

/* ---- the whole process (hyperfine) ------------------------------------------- */

/* Each of the rounds of a process plan: hyperfine's options, and every
 * command once, in the order of the `once` lines rotated by one a round
 * (round k starts with the k-th), named as in the `pool` lines, each pool
 * line the row of that command. */
static void check_rounds(unsigned rounds, unsigned warmup, unsigned runs)
{
	static char want[4096];
	const char *cmd[128], *name[128];
	int n = cut_lines(), ncmd = 0, npool = 0;
	for (int i = 0; i < n && ncmd < 128; i++)
		if (!strncmp(lines[i], "once\t", 5))
			cmd[ncmd++] = lines[i] + 5;
	/* A pool line per command and round, the rounds of a command in
	 * order: its row of round k from hyperfine's export of round k. */
	for (int i = 0; i < n && npool < 128 * 16; i++)
		if (!strncmp(lines[i], "pool\t", 5)) {
			char *f[5] = { 0 }, *save = NULL;
			f[0] = strtok_r(lines[i], "\t", &save);
			for (int k = 1; k < 5; k++)
				f[k] = strtok_r(NULL, "\t", &save);
			assert_non_null(f[3]);
			unsigned k = (unsigned)(npool % (int)rounds) + 1;
			if (k == 1)
				name[npool / (int)rounds] = f[2];
			else
				assert_string_equal(f[2], name[npool / (int)rounds]);
			snprintf(want, sizeof want, "process/%s.r%u.csv", f[2], k);
			assert_string_equal(f[1], want);
			snprintf(want, sizeof want, "hyperfine/round-%u.json", k);
			assert_string_equal(f[3], want);
			npool++;
		}
	assert_int_equal(npool % (int)rounds, 0);
	assert_int_equal(ncmd, npool / (int)rounds);
	assert_true(ncmd >= 10); /* true, list, greet-pipe, 3+ greets, a demo each */
	assert_int_equal(lines_with("hyperfine\t", true), (int)rounds);
	for (unsigned k = 0; k < rounds; k++) {
		int len = snprintf(want, sizeof want,
				   "hyperfine\thyperfine/round-%u.log\t-N\t--style\tbasic\t--warmup\t%u\t"
				   "--runs\t%u\t--export-json\t/tmp/run/hyperfine/round-%u.json\t"
				   "--export-csv\t/tmp/run/hyperfine/round-%u.csv\t--export-markdown\t"
				   "/tmp/run/hyperfine/round-%u.md", k + 1, warmup, runs, k + 1, k + 1, k + 1);
		int at = find_line(n, 0, want);
		assert_true(at > 0);
		/* said just before it */
		char say[96];
		snprintf(say, sizeof say, "say\tround %u/%u, %d commands x %u runs", k + 1, rounds, ncmd,
			 runs);
		assert_string_equal(lines[at - 1], say);
		char *save = NULL, *f[3];
		const char *rest = lines[at] + len;
		for (int j = 0; j < ncmd; j++) {
			int i = (int)((k + (unsigned)j) % (unsigned)ncmd);
			for (int q = 0; q < 3; q++) {
				f[q] = strtok_r(j || q ? NULL : (char *)rest, "\t", &save);
				assert_non_null(f[q]);
			}
			assert_string_equal(f[0], "--command-name");
			assert_string_equal(f[1], name[i]);
			assert_string_equal(f[2], cmd[i]);
		}
		assert_null(strtok_r(NULL, "\t", &save));
	}
}

/* The servers start before the command lines name their addresses, and stop
 * after the last round. */
static void check_process_order(void)
{
	int n = cut_lines(), last_serve = -1;
	for (int i = 0; i < n; i++)
		if (!strncmp(lines[i], "serve\t", 6))
			last_serve = i;
	int once = find_line(n, 0, "once\t"), hf = find_line(n, 0, "hyperfine\t");
	int pool = find_line(n, 0, "pool\t"), stop = find_line(n, 0, "stop\t");
	assert_true(last_serve >= 0 && last_serve < once && once < hf && hf < pool && pool < stop);
	assert_int_equal(find_line(n, stop, "hyperfine\t"), -1);
	assert_int_equal(lines_with("stop\t", true), lines_with("serve\t", true));
}

static void test_process_plan(void **state)
{
	ENV;
	char *keep = getenv("IPCLAB_DYNAMIC") ? strdup(getenv("IPCLAB_DYNAMIC")) : NULL;
	unsetenv("IPCLAB_DYNAMIC");
	assert_int_equal(PLAN("process", "/tmp/run", "--quick"), 0);
	/* No dynamically linked build: said first, its commands left out. */
	static const char no_dyn[] = "warn\tno dynamically linked build (IPCLAB_DYNAMIC): ";
	assert_int_equal(strncmp(out, no_dyn, sizeof no_dyn - 1), 0);
	assert_int_equal(lines_with("once\t@DYNAMIC@", true), 0);
	/* The servers the greetings go to: TCP and UDP on a port the kernel
	 * picks; none for the pipe, whose greet forks its own. */
	HAS("serve\ttcp\thyperfine/serve-tcp.log\tserve\ttcp\t--address\t127.0.0.1:0");
	HAS("serve\tudp\thyperfine/serve-udp.log\tserve\tudp\t--address\t127.0.0.1:0");
	HAS("serve\tunix_stream\thyperfine/serve-unix_stream.log\tserve\tunix_stream");
	assert_int_equal(lines_with("serve\tpipe\t", true), 0);
	HAS("stop\ttcp");
	HAS("once\ttrue");
	HAS("once\t@IPCLAB@ list");
	HAS("once\t@IPCLAB@ greet tcp bench --address @ADDR:tcp@");
	HAS("once\t@IPCLAB@ greet pipe bench");
	HAS("once\t@IPCLAB@ demo shm");
	HAS("pool\tprocess/greet-udp.r1.csv\tgreet-udp\thyperfine/round-1.json\tbench\tsummarize\t"
	    "--kind\tprocess\t--transport\tudp\t--mode\tgreet\t--unit\ts\t--format\tcsv");
	HAS("pool\tprocess/true.r3.csv\ttrue\thyperfine/round-3.json\tbench\tsummarize\t"
	    "--kind\tprocess\t--transport\tnone\t--mode\ttrue\t--unit\ts\t--format\tcsv");
	check_process_order();
	/* A quick run: 30 runs in 3 rounds, 3 warm-ups each. */
	check_rounds(3, 3, 10);
	/* A full run: 1,000 in 10 rounds, 10 warm-ups each. */
	assert_int_equal(PLAN("process", "/tmp/run"), 0);
	check_rounds(10, 10, 100);

	/* With a dynamically linked build: its list and its greet, right
	 * after the static build's greet over unix_stream. */
	setenv("IPCLAB_DYNAMIC", "/bin/true", 1);
	int rc = PLAN("process", "/tmp/run", "--quick");
	keep ? setenv("IPCLAB_DYNAMIC", keep, 1) : unsetenv("IPCLAB_DYNAMIC");
	free(keep);
	assert_int_equal(rc, 0);
	assert_null(strstr(out, "warn\t"));
	assert_non_null(strstr(out, "\nonce\t@IPCLAB@ greet unix_stream bench --address "
				    "@ADDR:unix_stream@\nonce\t@DYNAMIC@ list\nonce\t@DYNAMIC@ greet "
				    "unix_stream bench --address @ADDR:unix_stream@\n"));
	HAS("pool\tprocess/greet-unix_stream-dynamic.r2.csv\tgreet-unix_stream-dynamic\t"
	    "hyperfine/round-2.json\tbench\tsummarize\t--kind\tprocess\t--transport\tunix_stream\t"
	    "--mode\tgreet-dynamic\t--unit\ts\t--format\tcsv");
	HAS("pool\tprocess/list-dynamic.r1.csv\tlist-dynamic\thyperfine/round-1.json\tbench\t"
	    "summarize\t--kind\tprocess\t--transport\tnone\t--mode\tlist-dynamic\t--unit\ts\t"
	    "--format\tcsv");
	check_process_order();
	check_rounds(3, 3, 10);
}

/* ---- the peer tools' runs ----------------------------------------------------- */

/* An executable that does nothing, at dir/name. */
static void stub(const char *dir, const char *name)
{
	char path[700];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\nexit 0\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0755), 0);
}

/* The first two CPUs this process may use (b = a when there is one). */
static int first_cpus(int *a, int *b)
{
	cpu_set_t set;
	int n = 0;
	assert_int_equal(sched_getaffinity(0, sizeof set, &set), 0);
	for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
		if (CPU_ISSET(c, &set))
			*(n++ ? b : a) = c;
	if (n == 1)
		*b = *a;
	return n;
}

/* HAS() for a line built with printf's format. */
static void has_f(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void has_f(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (lines_with(line, false) != 1)
		fail_msg("not once in the plan: %s", line);
}

/* With every peer tool on $PATH and lmbench in $LMBENCH_BIN (stand-ins
 * that do nothing: only their names are looked at): each tool's command
 * line, its files and where its figure is read. */
static void test_peers_plan(void **state)
{
	ENV;
	char bin[600], lmb[600];
	const char *tools[] = { "perf", "sockperf", "qperf", "ss" };
	const char *progs[] = { "lat_pipe", "lat_fifo", "lat_unix", "lat_tcp",
				"lat_udp",  "bw_pipe",  "bw_unix",  "bw_tcp" };
	snprintf(bin, sizeof bin, "%s/bin", env->dir);
	snprintf(lmb, sizeof lmb, "%s/lmbench", env->dir);
	assert_int_equal(mkdir(bin, 0700), 0);
	assert_int_equal(mkdir(lmb, 0700), 0);
	for (size_t i = 0; i < 4; i++)
		stub(bin, tools[i]);
	for (size_t i = 0; i < 8; i++)
		stub(lmb, progs[i]);
	/* Both plans first, then $PATH back, whatever the checks find. */
	static char full[OUT_CAP];
	char *path = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	setenv("PATH", bin, 1);
	setenv("LMBENCH_BIN", lmb, 1);
	int rc_full = PLAN("peers", "/tmp/run");
	memcpy(full, out, sizeof full);
	int rc = PLAN("peers", "/tmp/run", "--quick");
	setenv("PATH", path, 1);
	free(path);
	unsetenv("LMBENCH_BIN");
	int a, b, ncpu = first_cpus(&a, &b);

	/* A quick run: one round, both ends on one CPU (a). */
	assert_int_equal(rc, 0);
	assert_int_equal(lines_with("warn\t", true), 0);
	has_f("peer-run\tpeers/perf_pipe_%d-%d_1.txt\ttaskset\t-c\t%d\tperf\tbench\tsched\tpipe\t-l\t"
	      "20000", a, a, a);
	has_f("figure\tlast\tperf\tpeers/perf_pipe_%d-%d_1.txt", a, a);
	has_f("peer-server\tpeers/sockperf_server_tcp_%d-%d_1.log\tt\ttaskset\t-c\t%d\tsockperf\t"
	      "server\t--tcp\t-i\t127.0.0.1\t-p\t@PORT@", a, a, a);
	has_f("peer-run\tpeers/sockperf_tcp_%d-%d_1.txt\ttaskset\t-c\t%d\tsockperf\tping-pong\t--tcp\t"
	      "-i\t127.0.0.1\t-p\t@PORT@\t-t\t1\t-m\t14\t--full-rtt\t--full-log\t"
	      "/tmp/run/peers/sockperf_tcp_%d-%d.full.csv", a, a, a, a, a);
	has_f("figure\tlast\tsockperf\tpeers/sockperf_tcp_%d-%d.full.csv\tpeers/sockperf_tcp_%d-%d_r1.rtt",
	      a, a, a, a);
	has_f("remove\tpeers/sockperf_tcp_%d-%d.full.csv", a, a);
	has_f("peer-server\tpeers/sockperf_server_udp_%d-%d_1.log\tu\ttaskset\t-c\t%d\tsockperf\t"
	      "server\t-i\t127.0.0.1\t-p\t@PORT@", a, a, a);
	has_f("peer-server\tpeers/qperf_server_%d-%d_1.log\tt\ttaskset\t-c\t%d\tqperf\t--listen_port\t"
	      "@PORT@", a, a, a);
	has_f("peer-run\tpeers/qperf_%d-%d_1.txt\ttaskset\t-c\t%d\tqperf\t127.0.0.1\t--listen_port\t"
	      "@PORT@\t-t\t1\t-m\t14\ttcp_lat\tudp_lat", a, a, a);
	has_f("figure\ttcp\tqperf-tcp\tpeers/qperf_%d-%d_1.txt", a, a);
	has_f("figure\tudp\tqperf-udp\tpeers/qperf_%d-%d_1.txt", a, a);
	/* lmbench: its own pinning where it forks both ends, taskset for the
	 * client of its TCP and UDP servers, which start apart and are
	 * stopped by -S; no size for lat_pipe and lat_fifo. */
	has_f("peer-run\tpeers/lmbench_lat_pipe_%d-%d_1.txt\ttimeout\t120\tenv\tENOUGH=200000\t"
	      "LOOP_O=0\tTIMING_O=0\tLMBENCH_SCHED=CUSTOM_UNIQUE %d %d \t@LMBENCH@/lat_pipe\t-N\t1\t-W\t"
	      "100000", a, a, a, a);
	has_f("peer-run\tpeers/lmbench_lat_unix_%d-%d_1.txt\ttimeout\t120\tenv\tENOUGH=200000\t"
	      "LOOP_O=0\tTIMING_O=0\tLMBENCH_SCHED=CUSTOM_UNIQUE %d %d \t@LMBENCH@/lat_unix\t-N\t1\t-W\t"
	      "100000\t-m\t1", a, a, a, a);
	has_f("peer-run\tpeers/lmbench_lat_tcp_server.log\ttaskset\t-c\t%d\t@LMBENCH@/lat_tcp\t-s", a);
	HAS("peer-daemon\t@LMBENCH@/lat_tcp\t-S\t127.0.0.1");
	has_f("peer-run\tpeers/lmbench_lat_udp_%d-%d_1.txt\ttimeout\t120\tenv\tENOUGH=200000\t"
	      "LOOP_O=0\tTIMING_O=0\ttaskset\t-c\t%d\t@LMBENCH@/lat_udp\t-N\t1\t-W\t100000\t-m\t4\t"
	      "127.0.0.1", a, a, a);
	has_f("peer-run\tpeers/lmbench_bw_unix_%d-%d_1.txt\ttimeout\t120\tenv\tENOUGH=200000\t"
	      "LOOP_O=0\tTIMING_O=0\tLMBENCH_SCHED=CUSTOM_UNIQUE %d %d \t@LMBENCH@/bw_unix\t-N\t1\t-W\t0\t"
	      "-m\t65536", a, a, a, a);
	has_f("peer-run\tpeers/lmbench_bw_tcp_%d-%d_1.txt\ttimeout\t120\tenv\tENOUGH=200000\t"
	      "LOOP_O=0\tTIMING_O=0\ttaskset\t-c\t%d\t@LMBENCH@/bw_tcp\t-N\t1\t-W\t0\t-m\t65536\t"
	      "127.0.0.1", a, a, a);
	assert_int_equal(lines_with("peer-daemon\t", true), 3); /* lat_tcp, lat_udp, bw_tcp */
	/* Servers stopped after each run: sockperf twice, qperf, lmbench's 8. */
	assert_int_equal(lines_with("peer-stop", false), 11);
	assert_int_equal(lines_with("figure\t", true), 13);
	/* Each peer run between ipclab's two (its rows a and b), its figure
	 * read before the second. */
	int n = cut_lines();
	char want[128];
	snprintf(want, sizeof want, "peer-run\tpeers/perf_pipe_%d-%d_1.txt", a, a);
	int at = find_line(n, 0, want);
	assert_true(at > 0 && at + 2 < n);
	snprintf(want, sizeof want, "run\tpeers/ipclab/pipe_4_%d-%d_r1a.csv\t", a, a);
	assert_int_equal(strncmp(lines[at - 1], want, strlen(want)), 0);
	assert_int_equal(strncmp(lines[at + 1], "figure\tlast\tperf\t", 17), 0);
	snprintf(want, sizeof want, "run\tpeers/ipclab/pipe_4_%d-%d_r1b.csv\t", a, a);
	assert_int_equal(strncmp(lines[at + 2], want, strlen(want)), 0);
	snprintf(want, sizeof want, "peer-run\tpeers/sockperf_udp_%d-%d_1.txt", a, a);
	at = find_line(n, 0, want);
	assert_true(at > 0 && at + 4 < n);
	assert_string_equal(lines[at + 1], "peer-stop");
	assert_int_equal(strncmp(lines[at + 2], "figure\tlast\tsockperf\t", 21), 0);
	assert_int_equal(strncmp(lines[at + 3], "remove\t", 7), 0);
	snprintf(want, sizeof want, "run\tpeers/ipclab/udp-unconnected_14_%d-%d_r1b.csv\t", a, a);
	assert_int_equal(strncmp(lines[at + 4], want, strlen(want)), 0);

	/* A full run: every placement; on two CPUs the server's end on the
	 * second; unpinned, no taskset and no LMBENCH_SCHED; lmbench in the
	 * first two rounds only; perf not across two CPUs (it forks both ends
	 * itself). */
	memcpy(out, full, sizeof out);
	assert_int_equal(rc_full, 0);
	has_f("peer-run\tpeers/perf_pipe_none_4.txt\tperf\tbench\tsched\tpipe\t-l\t50000");
	has_f("peer-run\tpeers/lmbench_lat_pipe_none_2.txt\ttimeout\t120\tenv\tENOUGH=200000\t"
	      "LOOP_O=0\tTIMING_O=0\t@LMBENCH@/lat_pipe\t-N\t1\t-W\t100000");
	assert_int_equal(lines_with("peer-run\tpeers/lmbench_lat_pipe_none_3.txt", true), 0);
	has_f("peer-run\tpeers/qperf_none_1.txt\tqperf\t127.0.0.1\t--listen_port\t@PORT@\t-t\t1\t-m\t14\t"
	      "tcp_lat\tudp_lat");
	has_f("peer-run\tpeers/perf_pipe_%d-%d_10.txt\ttaskset\t-c\t%d\tperf\tbench\tsched\tpipe\t-l\t"
	      "50000", a, a, a);
	/* 10 rounds on one CPU, 4 unpinned; none across two CPUs */
	assert_int_equal(lines_with("peer-run\tpeers/perf_pipe_", true), 14);
	if (ncpu == 2) {
		has_f("peer-server\tpeers/sockperf_server_tcp_%d-%d_4.log\tt\ttaskset\t-c\t%d\tsockperf\t"
		      "server\t--tcp\t-i\t127.0.0.1\t-p\t@PORT@", a, b, b);
		has_f("peer-run\tpeers/sockperf_tcp_%d-%d_4.txt\ttaskset\t-c\t%d\tsockperf\tping-pong\t"
		      "--tcp\t-i\t127.0.0.1\t-p\t@PORT@\t-t\t1\t-m\t14\t--full-rtt\t--full-log\t"
		      "/tmp/run/peers/sockperf_tcp_%d-%d.full.csv", a, b, a, a, b);
		has_f("peer-run\tpeers/lmbench_lat_fifo_%d-%d_1.txt\ttimeout\t120\tenv\tENOUGH=200000\t"
		      "LOOP_O=0\tTIMING_O=0\tLMBENCH_SCHED=CUSTOM_UNIQUE %d %d \t@LMBENCH@/lat_fifo\t-N\t1\t"
		      "-W\t100000", a, b, a, b);
		has_f("peer-run\tpeers/lmbench_bw_tcp_%d-%d_2.txt\ttimeout\t120\tenv\tENOUGH=200000\t"
		      "LOOP_O=0\tTIMING_O=0\ttaskset\t-c\t%d\t@LMBENCH@/bw_tcp\t-N\t1\t-W\t0\t-m\t65536\t"
		      "127.0.0.1", a, b, a);
		/* lmbench's server on the second CPU, each time it starts */
		snprintf(want, sizeof want, "peer-run\tpeers/lmbench_bw_tcp_server.log\ttaskset\t-c\t%d\t"
			 "@LMBENCH@/bw_tcp\t-s", b);
		assert_int_equal(lines_with(want, false), 2);
	}
	char p[700];
	for (size_t i = 0; i < 8; i++) {
		snprintf(p, sizeof p, "%s/%s", lmb, progs[i]);
		unlink(p);
	}
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s/%s", bin, tools[i]);
		unlink(p);
	}
	rmdir(lmb);
	rmdir(bin);
}

/* ---- the start of a run ------------------------------------------------------ */

/* What a run says first: where its results go, its size, the CPUs its
 * placements use (two at most); on one CPU, that the two-CPU placement
 * is left out. */
static void test_start(void **state)
{
	ENV;
	cpu_set_t keep, one;
	char line[128];
	assert_int_equal(sched_getaffinity(0, sizeof keep, &keep), 0);
	int n = CPU_COUNT(&keep) > 2 ? 2 : CPU_COUNT(&keep);
	assert_int_equal(PLAN("start", "/tmp/run", "--quick"), 0);
	snprintf(line, sizeof line, "say\tresults in /tmp/run (quick run, %d CPU%s)", n,
		 n > 1 ? "s" : "");
	HAS(line);
	assert_int_equal(lines_with("warn\t", true), n < 2);
	HAS("link\tlatest-quick"); /* a quick run leaves `latest` to the last full one */
	CPU_ZERO(&one);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &keep)) {
			CPU_SET(c, &one);
			break;
		}
	assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0); /* the child inherits it */
	int rc = PLAN("start", "/tmp/run");
	assert_int_equal(sched_setaffinity(0, sizeof keep, &keep), 0);
	assert_int_equal(rc, 0);
	HAS("say\tresults in /tmp/run (full run, 1 CPU)");
	HAS("warn\tonly one CPU available: the two-CPU placement was skipped");
	HAS("link\tlatest");
	assert_int_equal(PLAN("start"), IPC_USAGE);
}

/* ---- many clients ------------------------------------------------------------ */

/* Under 1,100 descriptors (the 1000-client points and a few), the scaling
 * plan says which points will fail; at 1,100 it says nothing. */
static void test_scaling_nofile(void **state)
{
	ENV;
	if (getenv("IPCLAB_VALGRIND"))
		skip(); /* valgrind keeps descriptors of its own: not the limits meant here */
	struct rlimit keep, low;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &keep), 0);
	low = keep;
	low.rlim_cur = 500;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	int rc = PLAN("scaling", "/tmp/run", "--quick");
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &keep), 0);
	assert_int_equal(rc, 0);
	HAS("warn\tonly 500 descriptors allowed (ulimit -Hn): points above about 400 clients will "
	    "fail");
	if (keep.rlim_max != RLIM_INFINITY && keep.rlim_max < 1100)
		return; /* cannot go up to 1,100 here */
	low.rlim_cur = 1100;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	rc = PLAN("scaling", "/tmp/run", "--quick");
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &keep), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(lines_with("warn\tonly ", true), 0);
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

/* ---- bench/lib.sh: how a plan's lines reach the commands ---------------- */

/* follow carries out each line by its function line_KIND, given its fields
 * with the run's words put in: @NAME@ is AT[NAME] (a value with `&` in it
 * as it is), @EMPTY@ an empty argument (redis-server's `--save ""`), and a
 * word the run does not know yet stays as it is (peers.sh fills @PORT@
 * once it has a port). */
static void test_follow(void **state)
{
	ENV;
	char plan[600];
	snprintf(plan, sizeof plan, "%s/plan.tsv", env->dir);
	put(plan, "args\tredis-server\t--save\t@EMPTY@\t--dir\t@WORK@/x\n"
		  "args\t@ADDR:tcp_epoll@\t-p\t@PORT@\n"
		  "two-words\t@EMPTY@\t@EMPTY@\n");
	const char *script =
		". bench/lib.sh; AT[WORK]=/w AT[ADDR:tcp_epoll]='127.0.0.1:5&6';"
		"line_args() { printf '[%s]' \"$@\"; echo; };"
		"line_two_words() { echo \"$# arguments\"; };"
		"follow <\"$1\"";
	const char *argv[] = { "/bin/bash", "-c", script, "bash", plan, NULL };
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, argv), 0);
	assert_string_equal(out, "[redis-server][--save][][--dir][/w/x]\n"
				 "[127.0.0.1:5&6][-p][@PORT@]\n"
				 "2 arguments\n");
	unlink(plan);
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
		cmocka_unit_test_setup_teardown(test_netlab_lab, test_env_setup, test_env_teardown),
		cmocka_unit_test(test_netlab_names),
		cmocka_unit_test_setup_teardown(test_netlab_stale, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_progress, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_steps, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_say, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_rundir, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_free_port, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_peer_figures, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_process_plan, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_peers_plan, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_start, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_scaling_nofile, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_follow, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_same_run, test_env_setup, test_env_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
