/*
 * plan_netlab.c - `ipclab bench plan netlab DIR [--quick] [what is missing]`:
 * what `make netlab` measures under which link conditions, and how each
 * condition is applied, decided here for bench/netlab.sh to carry out.
 *
 * bench/netlab.sh builds the lab (two namespaces joined by a veth pair),
 * asks the kernel what it offers, and says here what it lacks:
 *
 *   --no-netem WHY     no tc netem: nftables drops and copies packets, and
 *   --queue nft|iptables    netdelay holds them back, fed by this queue rule;
 *   --no-queue WHY     no queue (or no netdelay): no delay, no reordering
 *   --no-nft WHY       no nftables either: only the clean link runs
 *
 * The output is one action a line, fields separated by tabs; FILE is
 * relative to DIR (analysis/layout.h):
 *
 *   say TEXT                       a progress line
 *   append FILE FIELD...           a line of FILE (conditions.tsv)
 *   condition NAME PROBLEMS HOW    a condition begins (its problems go to
 *                                  PROBLEMS); HOW: what applies it
 *   tc c|s ARG...                  `tc ARG...` in the client's (c) or the
 *                                  server's (s) namespace: netem
 *   nft c|s RULESET                `nft -f -` there, RULESET on its input
 *   netdelay DELAY_MS REORDER_PCT OUT LOG   netdelay, and the queue rule
 *   undo c|s ARG...                what the lines above did, undone once
 *                                  the condition is measured (or could not
 *                                  be applied): its errors do not matter
 *   greet T FILE                   `ipclab greet T`, its answer into FILE
 *   snmp CLIENT_FILE SERVER_FILE   each namespace's /proc/net/snmp
 *   step WHAT LIMIT OUT ARG...     `ipclab ARG...` in the client's
 *                                  namespace, its CSV into OUT, stopped
 *                                  after LIMIT seconds
 *   end                            netdelay stopped, the servers checked
 *   plot TEXT                      the end of the plots' subtitle
 *
 * A condition that cannot be applied is written to conditions.tsv as
 * "skipped: why" and has no other line.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/layout.h"
#include "ipc.h"
#include "plan.h"

/* What bench/netlab.sh's namespaces and runtime directory are called
 * (PREFIX-PID-client, PREFIX-PID-server, PREFIX-PID.XXXXXX; its veth ends:
 * iplPIDc, iplPIDs): everything a run makes carries its process id, so
 * that `plan netlab-stale` finds what a killed run left. */
#define NETLAB_PREFIX "ipclab-netlab"

/* The two hosts.  The addresses come from TEST-NET-2 (RFC 5737), which is
 * never routed: they exist only inside the two namespaces, which have no
 * other interface and no default route, so no packet can leave them.
 * Netfilter queue numbers are per namespace: no other run sees ours. */
#define ADDR_C "198.51.100.1"
#define ADDR_S "198.51.100.2"
#define SERVER ADDR_S ":7411"
#define NFT_TABLE "ipclab_netlab"
#define QUEUE "0"

/* The names of one run's lab: its namespaces and veth ends. */
struct lab {
	char ns_c[48], ns_s[48], dev_c[16], dev_s[16];
};

static void lab_of(long id, struct lab *l)
{
	snprintf(l->ns_c, sizeof l->ns_c, NETLAB_PREFIX "-%ld-client", id);
	snprintf(l->ns_s, sizeof l->ns_s, NETLAB_PREFIX "-%ld-server", id);
	snprintf(l->dev_c, sizeof l->dev_c, "ipl%ldc", id);
	snprintf(l->dev_s, sizeof l->dev_s, "ipl%lds", id);
}

/* The link conditions, in the order they run: loss %, delay ms,
 * duplicate %, reorder % (of the packets, sent at once past those held). */
static const struct netlab_condition_plan {
	const char *name;
	unsigned loss, delay, dup, reorder;
} conditions[] = {
	{ "clean", 0, 0, 0, 0 },    { "loss1", 1, 0, 0, 0 },    { "loss10", 10, 0, 0, 0 },
	{ "loss30", 30, 0, 0, 0 },  { "delay20", 0, 20, 0, 0 }, { "reorder", 0, 10, 0, 25 },
	{ "dup10", 0, 0, 10, 0 },
};

/* The size of a run.  step_limit: a client still running after this many
 * seconds is stopped and its row reported as failed (a 30 % link's worst
 * back-off stalls last tens of seconds; a step is minutes at most). */
struct netlab_sizing {
	unsigned trips, load_requests, load_clients, load_pipeline, step_limit;
};

/* What the kernel lacks (NULL: it has it), from the command line. */
struct netlab_kernel {
	const char *no_netem, *no_nft, *no_queue, *queue;
};

/* The file f of condition c, relative to DIR, into buf (static per call
 * site: the caller prints it at once). */
static const char *cond_file(char *buf, size_t cap, enum layout_kind kind, const char *c,
			     const char *t, const char *mode, const char *tag)
{
	struct layout_file f = { .kind = kind, .condition = c, .transport = t, .mode = mode,
				 .tag = tag };
	if (layout_path(buf, cap, &f) < 0)
		snprintf(buf, cap, "?"); /* the names above are ours: this cannot happen */
	return buf;
}

/* How condition c is applied, into how; false when it cannot be (how then
 * says "skipped: why").  Everything to the packets from the client to the
 * server: the requests (and TCP's data) meet the bad link, the replies and
 * acknowledgements come back clean, so that a TCP sender's retransmission
 * timer, which doubles with each loss of a segment, does not turn a 30 %
 * link into minutes of silence. */
static void add(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char *buf, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(buf); /* a text too long is cut, never overrun */
	va_list ap;
	va_start(ap, fmt);
	if (n + 1 < cap)
		vsnprintf(buf + n, cap - n, fmt, ap);
	va_end(ap);
}

static bool how_applied(const struct netlab_condition_plan *c, const struct netlab_kernel *k,
			char *how, size_t cap)
{
#define ADD(...) add(how, cap, __VA_ARGS__)
	how[0] = '\0';
	if (!c->loss && !c->delay && !c->dup && !c->reorder) {
		ADD("none");
		return true;
	}
	if (!k->no_netem) {
		ADD("tc netem on the client's end of the link: netem");
		if (c->delay)
			ADD(" delay %ums", c->delay);
		if (c->loss)
			ADD(" loss %u%%", c->loss);
		if (c->dup)
			ADD(" duplicate %u%%", c->dup);
		if (c->reorder)
			ADD(" reorder %u%% 50%%", c->reorder);
		return true;
	}
	if (k->no_nft) {
		ADD("skipped: no netem (%s) and no nftables (%s)", k->no_netem, k->no_nft);
		return false;
	}
	if ((c->delay || c->reorder) && !k->queue) {
		ADD("skipped: holding packets back (delay, reordering) needs tc netem (%s) or "
		    "netdelay (%s)", k->no_netem, k->no_queue ? k->no_queue : "no queue");
		return false;
	}
	/* Held back: by netdelay, in the server's namespace, before everything
	 * (impair_lines() says where packets are dropped and copied). */
	ADD("(tc netem absent)");
	if (c->delay || c->reorder) {
		ADD(" netdelay, fed by %s rule at the server's prerouting: holds each packet %u ms",
		    !strcmp(k->queue, "nft") ? "an nftables queue" : "an iptables NFQUEUE", c->delay);
		if (c->reorder)
			ADD(", but lets %u %% go at once, ahead of those held", c->reorder);
	}
	if (c->loss)
		ADD(" nftables, server's prerouting: numgen random mod 100 < %u drop", c->loss);
	if (c->dup)
		ADD(" nftables, client's output: numgen random mod 100 < %u dup to the server", c->dup);
#undef ADD
	return true;
}

/* The impairments' lines of an applied condition, in the order the shell
 * applies them (netdelay before the rules that drop and copy), and what
 * undoes them.  Packets are dropped as they arrive, in the server's
 * namespace: a drop on the way out would fail the client's send() with
 * EPERM, which no real link does.  Copies are made as they leave the
 * client. */
static void impair_lines(const struct netlab_condition_plan *c, const struct netlab_kernel *k,
			 const struct lab *lab)
{
	char out[256], log[256];
	if (!c->loss && !c->delay && !c->dup && !c->reorder)
		return;
	if (!k->no_netem) {
		printf("tc\tc\tqdisc\tadd\tdev\t%s\troot\tnetem", lab->dev_c);
		if (c->delay)
			printf("\tdelay\t%ums", c->delay);
		if (c->loss)
			printf("\tloss\t%u%%", c->loss);
		if (c->dup)
			printf("\tduplicate\t%u%%", c->dup);
		if (c->reorder)
			printf("\treorder\t%u%%\t50%%", c->reorder);
		printf("\nundo\tc\ttc\tqdisc\tdel\tdev\t%s\troot\n", lab->dev_c);
		return;
	}
	if (c->delay || c->reorder)
		printf("netdelay\t%u\t%u\t%s\t%s\n", c->delay, c->reorder,
		       cond_file(out, sizeof out, LF_NETLAB_NETDELAY, c->name, NULL, NULL, NULL),
		       cond_file(log, sizeof log, LF_NETLAB_NETDELAY, c->name, NULL, NULL, "log"));
	if (c->loss)
		printf("nft\ts\ttable ip " NFT_TABLE " { chain in { type filter hook prerouting "
		       "priority 0; ip saddr " ADDR_C " numgen random mod 100 < %u drop; }; }\n"
		       "undo\ts\tnft\tdelete\ttable\tip\t" NFT_TABLE "\n", c->loss);
	if (c->dup)
		printf("nft\tc\ttable ip " NFT_TABLE " { chain out { type filter hook output priority 0; "
		       "ip daddr " ADDR_S " numgen random mod 100 < %u dup to " ADDR_S " device \"%s\"; "
		       "}; }\nundo\tc\tnft\tdelete\ttable\tip\t" NFT_TABLE "\n", c->dup, lab->dev_c);
}

/* The measurements of one condition.  No warm-up round trips: every
 * request counts, from the first packet (its address resolution included),
 * so that sent and delivered add up.  The TCP clients wait as long as the
 * server does (1,000 s, bench/netlab.sh): a reply held up by TCP's back-off
 * is late, not lost.  A UDP reply later than 100 ms plus twice the delay is
 * given up on, and the request sent again. */
static void measure_lines(const struct netlab_condition_plan *c, const struct netlab_sizing *s)
{
	const char *name = c->name;
	char a[256], b[256];
	unsigned wait_ms = 100 + 2 * c->delay;

	for (int t = 0; t < 2; t++) /* the greeting as a user sends it (UDP: 3 tries in 3 s) */
		printf("greet\t%s\t%s\n", t ? "udp" : "tcp",
		       cond_file(a, sizeof a, LF_NETLAB_GREET, name, NULL, NULL, NULL));
	printf("snmp\t%s\t%s\n", cond_file(a, sizeof a, LF_NETLAB_SNMP, name, NULL, "client", "before"),
	       cond_file(b, sizeof b, LF_NETLAB_SNMP, name, NULL, "server", "before"));
	printf("say\t  latency tcp: %u round trips\n", s->trips);
	printf("step\ttcp latency\t%u\t%s\tbench\tlatency\ttcp\t--address\t" SERVER "\t--count\t%u\t"
	       "--warmup\t0\t--timeout\t1000000\t--format\tcsv\n", s->step_limit,
	       cond_file(a, sizeof a, LF_NETLAB_LATENCY, name, "tcp", NULL, NULL), s->trips);
	printf("snmp\t%s\t%s\n", cond_file(a, sizeof a, LF_NETLAB_SNMP, name, NULL, "client", "after"),
	       cond_file(b, sizeof b, LF_NETLAB_SNMP, name, NULL, "server", "after"));
	printf("say\t  latency udp: %u round trips, resent after %u ms\n", s->trips, wait_ms);
	printf("step\tudp latency\t%u\t%s\tbench\tlatency\tudp\t--address\t" SERVER "\t--count\t%u\t"
	       "--warmup\t0\t--timeout\t%u\t--format\tcsv\n", s->step_limit,
	       cond_file(a, sizeof a, LF_NETLAB_LATENCY, name, "udp", NULL, NULL), s->trips, wait_ms);
	printf("say\t  load tcp: %u clients x %u greetings, %u in flight each\n", s->load_clients,
	       s->load_requests, s->load_pipeline);
	printf("step\ttcp load\t%u\t%s\tload\ttcp\t--address\t" SERVER "\t--clients\t%u\t--requests\t%u\t"
	       "--pipeline\t%u\t--timeout\t1000000\t--mode\tepoll\t--format\tcsv\n", s->step_limit,
	       cond_file(a, sizeof a, LF_NETLAB_LOAD, name, "tcp", NULL, NULL), s->load_clients,
	       s->load_requests, s->load_pipeline);
}

/* What the lab will use, said once at the start. */
static void say_impairments(const struct netlab_kernel *k)
{
	if (!k->no_netem)
		puts("say\timpairments: tc netem (the kernel has sch_netem)");
	else if (!k->no_nft)
		printf("say\timpairments: nftables for loss and duplication; for delay and "
		       "reordering: %s%s (%s)\n", k->queue ? "netdelay, fed by " : "",
		       k->queue ? k->queue : k->no_queue ? k->no_queue : "no queue", k->no_netem);
	else
		printf("say\timpairments: none available (%s; %s): only the clean link runs\n",
		       k->no_netem, k->no_nft);
}

static const char plan_netlab_usage[] =
	"usage: ipclab bench plan netlab DIR --id PID [--quick] [--no-netem WHY]\n"
	"                 [--no-nft WHY] [--queue nft|iptables | --no-queue WHY]\n"
	"\n"
	"What `make netlab` (bench/netlab.sh) measures under each link condition and\n"
	"how the condition is applied, given what the kernel lacks, in the lab of\n"
	"run PID (`plan netlab-lab PID`): one action a line, fields separated by\n"
	"tabs (bench/plan_netlab.c lists them).\n";

/* A process id: a whole number above 0, or 0. */
static long pid_arg(const char *s)
{
	char *end;
	long pid = s ? strtol(s, &end, 10) : 0;
	return s && *s && !*end && pid > 0 && pid <= INT_MAX ? pid : 0;
}

int plan_netlab(int argc, char **argv)
{
	struct netlab_kernel k = { 0 };
	const char *dir = NULL, *id = NULL;
	bool quick = false;
	for (int i = 1; i < argc; i++) {
		const char **value = !strcmp(argv[i], "--id")	      ? &id
				     : !strcmp(argv[i], "--no-netem") ? &k.no_netem
				     : !strcmp(argv[i], "--no-nft") ? &k.no_nft
				     : !strcmp(argv[i], "--no-queue") ? &k.no_queue
				     : !strcmp(argv[i], "--queue")    ? &k.queue
								      : NULL;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(plan_netlab_usage, stdout);
			return 0;
		}
		if (value && i + 1 < argc)
			*value = argv[++i];
		else if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (!value && !dir && argv[i][0] != '-')
			dir = argv[i];
		else
			dir = NULL, i = argc;
	}
	if (!dir || !pid_arg(id) ||
	    (k.queue && strcmp(k.queue, "nft") && strcmp(k.queue, "iptables"))) {
		fputs(plan_netlab_usage, stderr);
		return IPC_USAGE;
	}
	struct lab lab;
	lab_of(pid_arg(id), &lab);
	if (!k.no_netem) /* with netem, nothing else is used */
		k.no_nft = k.no_queue = k.queue = NULL;
	if (k.no_nft)
		k.queue = NULL;
	const struct netlab_sizing s = quick ? (struct netlab_sizing){ 100, 25, 4, 4, 180 }
					     : (struct netlab_sizing){ 1000, 200, 4, 4, 900 };
	char file[256], how[512];
	say_impairments(&k);
	printf("append\t%s\t# name\tloss_pct\tdelay_ms\tdup_pct\treorder_pct\thow\n",
	       cond_file(file, sizeof file, LF_NETLAB_CONDITIONS, NULL, NULL, NULL, NULL));
	for (size_t i = 0; i < sizeof conditions / sizeof conditions[0]; i++) {
		const struct netlab_condition_plan *c = &conditions[i];
		bool applied = how_applied(c, &k, how, sizeof how);
		printf("condition\t%s\t%s\t%s\n", c->name,
		       cond_file(file, sizeof file, LF_NETLAB_PROBLEMS, c->name, NULL, NULL, NULL), how);
		printf("append\t%s\t%s\t%u\t%u\t%u\t%u\t%s\n",
		       cond_file(file, sizeof file, LF_NETLAB_CONDITIONS, NULL, NULL, NULL, NULL),
		       c->name, c->loss, c->delay, c->dup, c->reorder, how);
		if (!applied)
			continue;
		impair_lines(c, &k, &lab);
		measure_lines(c, &s);
		puts("end");
	}
	printf("plot\t%u round trips per point\n", s.trips);
	return ferror(stdout) || fflush(stdout) != 0 ? IPC_SYSTEM : 0;
}

/* `ipclab bench plan netlab-lab PID`: the names and commands of the lab of
 * run PID, as NAME=VALUE lines for bench/netlab.sh to eval (plain words,
 * and one rule in single quotes):
 *
 *   NS_C NS_S          the client's and the server's namespaces
 *   DEV_C DEV_S        their ends of the veth link
 *   ADDR_C ADDR_S      their addresses; SERVER: where the servers listen
 *   NFT_TABLE          the table of the rules that drop and copy packets
 *   QUEUE QUEUE_TABLE  the netfilter queue netdelay reads, the table of the
 *   QUEUE_NFT          nftables rule that feeds it, that rule, and
 *   QUEUE_IPTABLES     iptables' NFQUEUE rule where nftables has no queue
 *   RUNDIR             mktemp's template of the runtime directory
 *   SERVE_tcp SERVE_udp   the servers' `ipclab` arguments (arrays)
 *
 * The queue rule hands the packets from the client to the queue as they
 * arrive at the server, before everything; `bypass`: while no program
 * holds the queue, packets pass (netdelay is started first, stopped last).
 *
 * The TCP server's idle time-out is 1,000 s, not the default 10 s: a
 * connection whose segment is lost again and again waits out TCP's doubling
 * back-off (0.2, 0.4 ... 120 s) in silence, and the server cannot tell that
 * silence from an idle client.  TCP itself gives up on a connection after
 * about 924 s of unanswered retransmissions (tcp_retries2 = 15), so 1,000 s
 * never cuts off a connection TCP still holds. */
int plan_netlab_lab(int argc, char **argv)
{
	long id = argc == 2 ? pid_arg(argv[1]) : 0;
	if (!id) {
		fputs("usage: ipclab bench plan netlab-lab PID\n", stderr);
		return IPC_USAGE;
	}
	struct lab l;
	lab_of(id, &l);
	printf("NS_C=%s\nNS_S=%s\nDEV_C=%s\nDEV_S=%s\n", l.ns_c, l.ns_s, l.dev_c, l.dev_s);
	printf("ADDR_C=" ADDR_C "\nADDR_S=" ADDR_S "\nSERVER=" SERVER "\nNFT_TABLE=" NFT_TABLE "\n");
	printf("QUEUE=" QUEUE "\nQUEUE_TABLE=" NFT_TABLE "_q\n");
	printf("QUEUE_NFT='table ip " NFT_TABLE "_q { chain q { type filter hook prerouting priority "
	       "-300; ip saddr " ADDR_C " queue num " QUEUE " bypass; }; }'\n");
	printf("QUEUE_IPTABLES=(-s " ADDR_C " -j NFQUEUE --queue-num " QUEUE " --queue-bypass)\n");
	printf("RUNDIR=" NETLAB_PREFIX "-%ld.XXXXXX\n", id);
	printf("SERVE_tcp=(serve tcp --address " SERVER " --mode epoll --idle-timeout 1000000)\n");
	printf("SERVE_udp=(serve udp --address " SERVER ")\n");
	return ferror(stdout) || fflush(stdout) != 0 ? IPC_SYSTEM : 0;
}

/* ---- what earlier runs left --------------------------------------------- */

/* The process id in name after prefix ("ipclab-netlab-1234-client": 1234),
 * when the rest is one of the tails (NULL: a '.' and anything, as mktemp
 * makes them); 0 when not ours. */
static long pid_in(const char *name, const char *prefix, const char *const *tails)
{
	size_t n = strlen(prefix);
	if (strncmp(name, prefix, n) || name[n] < '1' || name[n] > '9')
		return 0;
	char *end;
	long pid = strtol(name + n, &end, 10);
	for (size_t i = 0; tails && tails[i]; i++)
		if (!strcmp(end, tails[i]))
			return pid;
	return !tails && *end == '.' ? pid : 0; /* mktemp's PREFIX-PID.XXXXXX */
}

/* Whether process pid is gone (kill(2) with no signal: ESRCH). */
static bool gone(long pid, long self)
{
	return pid > 0 && pid != self && pid <= INT_MAX && kill((pid_t)pid, 0) < 0 &&
	       errno == ESRCH;
}

/* Every entry of folder dir whose name passes pid_in() and whose process is
 * gone, as "WHAT<TAB>PATH" (with dir in front when whole). */
static void stale_in(const char *dir, const char *what, const char *prefix,
		     const char *const *tails, bool whole, long self)
{
	DIR *d = opendir(dir);
	if (!d)
		return; /* no such folder: nothing of ours there */
	for (struct dirent *de; (de = readdir(d));)
		if (gone(pid_in(de->d_name, prefix, tails), self))
			printf("%s\t%s%s%s\n", what, whole ? dir : "", whole ? "/" : "", de->d_name);
	closedir(d);
}

/* `ipclab bench plan netlab-stale PID`: what runs of bench/netlab.sh that
 * were killed (SIGKILL: no clean-up) left behind, a line each: their
 * namespaces, a veth end not yet moved into one, their runtime directory.
 * Each carries the process id of its run (bench/netlab.sh names them);
 * those of a run still going, and of PID (this run), are left alone. */
int plan_netlab_stale(int argc, char **argv)
{
	char *end;
	long self = argc == 2 ? strtol(argv[1], &end, 10) : 0;
	if (argc != 2 || *end || self <= 0) {
		fputs("usage: ipclab bench plan netlab-stale PID\n", stderr);
		return IPC_USAGE;
	}
	static const char *const ns_tails[] = { "-client", "-server", NULL };
	static const char *const dev_tails[] = { "c", "s", NULL };
	const char *tmp = getenv("TMPDIR");
	stale_in("/run/netns", "namespace", NETLAB_PREFIX "-", ns_tails, false, self);
	stale_in("/sys/class/net", "link", "ipl", dev_tails, false, self);
	stale_in(tmp && *tmp ? tmp : "/tmp", "directory", NETLAB_PREFIX "-", NULL, true, self);
	return ferror(stdout) || fflush(stdout) != 0 ? IPC_SYSTEM : 0;
}
