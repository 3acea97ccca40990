/*
 * plan_netlab.c - what `make netlab` builds, measures and under which link
 * conditions, decided here for bench/netlab.sh to carry out, in two plans:
 *
 *   ipclab bench plan netlab-lab PID    the lab of run PID: its runtime
 *       directory, two namespaces joined by a veth pair, the probes of
 *       what the kernel offers, the two servers
 *   ipclab bench plan netlab DIR --id PID [--quick] [what is missing]
 *       the conditions and their measurements, given what the probes found
 *       missing (each option is a probe's name, with its error):
 *
 *         --no-netem WHY        no tc netem: nftables drops and copies
 *         --no-nft WHY          packets, and netdelay holds them back, fed
 *         --no-queue-nft WHY    by a queue rule (nftables', else iptables'
 *         --no-queue-iptables WHY   NFQUEUE); without both rules or
 *         --no-netdelay WHY     netdelay itself: no delay, no reordering;
 *                               without nftables: only the clean link
 *
 * Both print one action a line, fields separated by tabs.  Every command
 * line is whole (`ip netns exec NS ...` where it runs in a namespace);
 * @IPCLAB@ and @NETDELAY@ are the programs the shell runs.  FILE is
 * relative to DIR (analysis/layout.h).  netlab-lab's lines:
 *
 *   rundir TEMPLATE            mktemp's template of the runtime directory
 *   namespace NAME             a namespace made (and deleted at the end)
 *   veth A B                   a veth pair made (A deleted at the end, if
 *                              still outside a namespace)
 *   do ARG...                  a command that must work
 *   probe NAME WHAT ARG...     a command that tells whether the kernel
 *                              offers NAME (WHAT: its name in the reason)
 *   server T ARG...            the server of T started (again if it dies)
 *
 * netlab's lines:
 *
 *   append FILE FIELD...       a line of FILE (conditions.tsv)
 *   condition NAME PROBLEMS HOW   a condition begins (its problems go to
 *                              PROBLEMS); HOW: what applies it
 *   apply ARG...               a command that applies it: if one fails, the
 *                              condition is not measured
 *   netdelay OUT LOG ARG...    netdelay started, its output in OUT and LOG
 *   greet T FILE ARG...        `ipclab greet`, its answer into FILE
 *   save FILE ARG...           a command's output into FILE (snmp counters)
 *   step WHAT LIMIT OUT ARG... `ipclab bench` or `ipclab load`, its CSV
 *                              into OUT, stopped after LIMIT seconds
 *   undo ARG...                what an `apply` or `probe` did, undone (its
 *                              errors do not matter: it may not have worked)
 *   end                        netdelay stopped, the servers checked
 *   plot TEXT                  the end of the plots' subtitle
 * and, in both, `say TEXT`, a progress line.
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
	snprintf(l->dev_c, sizeof l->dev_c, NETLAB_DEV "%ldc", id);
	snprintf(l->dev_s, sizeof l->dev_s, NETLAB_DEV "%lds", id);
}

/* The line KIND with a command run in namespace ns: "KIND\tip\tnetns\texec\tNS". */
static void in_ns(const char *kind, const char *ns)
{
	printf("%s\tip\tnetns\texec\t%s", kind, ns);
}

/* The queue rule that feeds netdelay (`apply`, `probe`), or what deletes it
 * (`undo`): nftables' `queue` where the kernel has it (nft_queue), else
 * iptables' NFQUEUE.  It hands the packets from the client to the queue as
 * they arrive at the server, before everything; `bypass`: while no program
 * holds the queue, packets pass (netdelay is started first, stopped last). */
static void queue_rule(const char *kind, const struct lab *l, bool nft, bool add)
{
	in_ns(kind, l->ns_s);
	if (nft && add)
		puts("\tnft\ttable ip " NFT_TABLE "_q { chain q { type filter hook prerouting priority "
		     "-300; ip saddr " ADDR_C " queue num " QUEUE " bypass; }; }");
	else if (nft)
		puts("\tnft\tdelete\ttable\tip\t" NFT_TABLE "_q");
	else
		printf("\tiptables\t-t\traw\t%s\tPREROUTING\t-s\t" ADDR_C "\t-j\tNFQUEUE\t--queue-num\t"
		       QUEUE "\t--queue-bypass\n", add ? "-A" : "-D");
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

/* What the kernel lacks (NULL: it has it), from the command line, and what
 * follows: which queue feeds netdelay (NULL: none, no_queue says why). */
struct netlab_kernel {
	const char *no_netem, *no_nft, *no_queue_nft, *no_queue_iptables, *no_netdelay;
	const char *queue, *no_queue;
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
		    "netdelay (%s)", k->no_netem, k->no_queue);
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

/* The impairments' lines of an applied condition (undo: false) in the order
 * the shell applies them, netdelay before the rule that feeds it; or (undo:
 * true) what undoes them once the condition is measured, the rules before
 * netdelay, which `end` stops.  Packets are dropped as they arrive, in the
 * server's namespace: a drop on the way out would fail the client's send()
 * with EPERM, which no real link does.  Copies are made as they leave the
 * client. */
static void impair_lines(const struct netlab_condition_plan *c, const struct netlab_kernel *k,
			 const struct lab *lab, bool undo)
{
	char out[256], log[256];
	const char *kind = undo ? "undo" : "apply";
	if (!c->loss && !c->delay && !c->dup && !c->reorder)
		return;
	if (!k->no_netem) {
		in_ns(kind, lab->ns_c);
		printf("\ttc\tqdisc\t%s\tdev\t%s\troot", undo ? "del" : "add", lab->dev_c);
		if (!undo)
			fputs("\tnetem", stdout);
		if (!undo && c->delay)
			printf("\tdelay\t%ums", c->delay);
		if (!undo && c->loss)
			printf("\tloss\t%u%%", c->loss);
		if (!undo && c->dup)
			printf("\tduplicate\t%u%%", c->dup);
		if (!undo && c->reorder)
			printf("\treorder\t%u%%\t50%%", c->reorder);
		putchar('\n');
		return;
	}
	if ((c->delay || c->reorder) && !undo)
		printf("netdelay\t%s\t%s\tip\tnetns\texec\t%s\t@NETDELAY@\t--queue\t" QUEUE "\t--delay\t"
		       "%u\t--reorder\t%u\n",
		       cond_file(out, sizeof out, LF_NETLAB_NETDELAY, c->name, NULL, NULL, NULL),
		       cond_file(log, sizeof log, LF_NETLAB_NETDELAY, c->name, NULL, NULL, "log"),
		       lab->ns_s, c->delay, c->reorder);
	if (c->delay || c->reorder)
		queue_rule(kind, lab, !strcmp(k->queue, "nft"), !undo);
	if (c->loss) {
		in_ns(kind, lab->ns_s);
		if (undo)
			puts("\tnft\tdelete\ttable\tip\t" NFT_TABLE);
		else
			printf("\tnft\ttable ip " NFT_TABLE " { chain in { type filter hook prerouting "
			       "priority 0; ip saddr " ADDR_C " numgen random mod 100 < %u drop; }; }\n",
			       c->loss);
	}
	if (c->dup) {
		in_ns(kind, lab->ns_c);
		if (undo)
			puts("\tnft\tdelete\ttable\tip\t" NFT_TABLE);
		else
			printf("\tnft\ttable ip " NFT_TABLE " { chain out { type filter hook output "
			       "priority 0; ip daddr " ADDR_S " numgen random mod 100 < %u dup to " ADDR_S
			       " device \"%s\"; }; }\n", c->dup, lab->dev_c);
	}
}

/* The measurements of one condition, in the client's namespace.  No
 * warm-up round trips: every request counts, from the first packet (its
 * address resolution included), so that sent and delivered add up.  The
 * TCP clients wait as long as the server does (1,000 s, plan netlab-lab):
 * a reply held up by TCP's back-off is late, not lost.  A UDP reply later
 * than 100 ms plus twice the delay is given up on, and the request sent
 * again. */
static void measure_lines(const struct netlab_condition_plan *c, const struct netlab_sizing *s,
			  const struct lab *l)
{
	const char *name = c->name;
	char a[256];
	unsigned wait_ms = 100 + 2 * c->delay;

	for (int t = 0; t < 2; t++) /* the greeting as a user sends it (UDP: 3 tries in 3 s) */
		printf("greet\t%s\t%s\tip\tnetns\texec\t%s\t@IPCLAB@\tgreet\t%s\tnetlab\t--address\t"
		       SERVER "\n", t ? "udp" : "tcp",
		       cond_file(a, sizeof a, LF_NETLAB_GREET, name, NULL, NULL, NULL), l->ns_c,
		       t ? "udp" : "tcp");
	/* Each namespace's counters around the TCP round trips. */
	for (int after = 0; after < 2; after++) {
		for (int side = 0; side < 2; side++)
			printf("save\t%s\tip\tnetns\texec\t%s\tcat\t/proc/net/snmp\n",
			       cond_file(a, sizeof a, LF_NETLAB_SNMP, name, NULL,
					 side ? "server" : "client", after ? "after" : "before"),
			       side ? l->ns_s : l->ns_c);
		if (after)
			break;
		printf("say\t  latency tcp: %u round trips\n", s->trips);
		printf("step\ttcp latency\t%u\t%s\tip\tnetns\texec\t%s\t@IPCLAB@\tbench\tlatency\ttcp\t"
		       "--address\t" SERVER "\t--count\t%u\t--warmup\t0\t--timeout\t1000000\t--format\t"
		       "csv\n", s->step_limit,
		       cond_file(a, sizeof a, LF_NETLAB_LATENCY, name, "tcp", NULL, NULL), l->ns_c,
		       s->trips);
	}
	printf("say\t  latency udp: %u round trips, resent after %u ms\n", s->trips, wait_ms);
	printf("step\tudp latency\t%u\t%s\tip\tnetns\texec\t%s\t@IPCLAB@\tbench\tlatency\tudp\t"
	       "--address\t" SERVER "\t--count\t%u\t--warmup\t0\t--timeout\t%u\t--format\tcsv\n",
	       s->step_limit, cond_file(a, sizeof a, LF_NETLAB_LATENCY, name, "udp", NULL, NULL),
	       l->ns_c, s->trips, wait_ms);
	printf("say\t  load tcp: %u clients x %u greetings, %u in flight each\n", s->load_clients,
	       s->load_requests, s->load_pipeline);
	printf("step\ttcp load\t%u\t%s\tip\tnetns\texec\t%s\t@IPCLAB@\tload\ttcp\t--address\t" SERVER
	       "\t--clients\t%u\t--requests\t%u\t--pipeline\t%u\t--timeout\t1000000\t--mode\tepoll\t"
	       "--format\tcsv\n", s->step_limit,
	       cond_file(a, sizeof a, LF_NETLAB_LOAD, name, "tcp", NULL, NULL), l->ns_c,
	       s->load_clients, s->load_requests, s->load_pipeline);
}

/* What the lab will use, said once at the start. */
static void say_impairments(const struct netlab_kernel *k)
{
	if (!k->no_netem)
		puts("say\timpairments: tc netem (the kernel has sch_netem)");
	else if (!k->no_nft)
		printf("say\timpairments: nftables for loss and duplication; for delay and "
		       "reordering: %s%s (%s)\n", k->queue ? "netdelay, fed by " : "",
		       k->queue ? k->queue : k->no_queue,
		       k->no_netem);
	else
		printf("say\timpairments: none available (%s; %s): only the clean link runs\n",
		       k->no_netem, k->no_nft);
}

/* Which queue feeds netdelay: nftables' where it works, else iptables'. */
static void choose_queue(struct netlab_kernel *k)
{
	k->queue = k->no_queue = NULL;
	if (!k->no_netem) /* with netem, nothing else is used */
		return;
	if (k->no_nft)
		return;
	if (k->no_netdelay)
		k->no_queue = k->no_netdelay;
	else if (!k->no_queue_nft)
		k->queue = "nft";
	else if (!k->no_queue_iptables)
		k->queue = "iptables";
	else
		k->no_queue = "neither nftables' queue nor iptables' NFQUEUE works here";
}

static const char plan_netlab_usage[] =
	"usage: ipclab bench plan netlab DIR --id PID [--quick] [--no-netem WHY]\n"
	"                 [--no-nft WHY] [--no-queue-nft WHY] [--no-queue-iptables WHY]\n"
	"                 [--no-netdelay WHY]\n"
	"\n"
	"What `make netlab` (bench/netlab.sh) measures under each link condition and\n"
	"how the condition is applied, given what the kernel lacks (the probes of\n"
	"`plan netlab-lab PID`), in the lab of run PID: one action a line, fields\n"
	"separated by tabs (bench/plan_netlab.c lists them).\n";

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
		const char **value = !strcmp(argv[i], "--id")		       ? &id
				     : !strcmp(argv[i], "--no-netem")	       ? &k.no_netem
				     : !strcmp(argv[i], "--no-nft")	       ? &k.no_nft
				     : !strcmp(argv[i], "--no-queue-nft")      ? &k.no_queue_nft
				     : !strcmp(argv[i], "--no-queue-iptables") ? &k.no_queue_iptables
				     : !strcmp(argv[i], "--no-netdelay")       ? &k.no_netdelay
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
	if (!dir || !pid_arg(id)) {
		fputs(plan_netlab_usage, stderr);
		return IPC_USAGE;
	}
	struct lab lab;
	lab_of(pid_arg(id), &lab);
	choose_queue(&k);
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
		impair_lines(c, &k, &lab, false);
		measure_lines(c, &s, &lab);
		impair_lines(c, &k, &lab, true);
		puts("end");
	}
	printf("plot\t%u round trips per point\n", s.trips);
	return ferror(stdout) || fflush(stdout) != 0 ? IPC_SYSTEM : 0;
}

/* `ipclab bench plan netlab-lab PID`: the lab of run PID, built, probed
 * and served (the lines above).  Each probe is undone at once: it only
 * asks whether the kernel can (tc netem; nftables; each queue rule).
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
	printf("rundir\t" NETLAB_PREFIX "-%ld.XXXXXX\n", id);
	printf("namespace\t%s\nnamespace\t%s\n", l.ns_c, l.ns_s);
	printf("veth\t%s\t%s\n", l.dev_c, l.dev_s);
	printf("do\tip\tlink\tset\t%s\tnetns\t%s\n", l.dev_c, l.ns_c);
	printf("do\tip\tlink\tset\t%s\tnetns\t%s\n", l.dev_s, l.ns_s);
	in_ns("do", l.ns_c);
	printf("\tip\taddr\tadd\t" ADDR_C "/24\tdev\t%s\n", l.dev_c);
	in_ns("do", l.ns_s);
	printf("\tip\taddr\tadd\t" ADDR_S "/24\tdev\t%s\n", l.dev_s);
	for (int side = 0; side < 2; side++) {
		in_ns("do", side ? l.ns_s : l.ns_c);
		puts("\tip\tlink\tset\tlo\tup");
	}
	for (int side = 0; side < 2; side++) {
		in_ns("do", side ? l.ns_s : l.ns_c);
		printf("\tip\tlink\tset\t%s\tup\n", side ? l.dev_s : l.dev_c);
	}
	printf("say\tlab: %s (" ADDR_C ", %s) <-> %s (" ADDR_S ", %s), servers on " SERVER "\n",
	       l.ns_c, l.dev_c, l.ns_s, l.dev_s);
	in_ns("probe\tnetem\ttc netem", l.ns_c);
	printf("\ttc\tqdisc\tadd\tdev\t%s\troot\tnetem\tdelay\t0ms\n", l.dev_c);
	in_ns("undo", l.ns_c);
	printf("\ttc\tqdisc\tdel\tdev\t%s\troot\n", l.dev_c);
	in_ns("probe\tnft\tnftables", l.ns_c);
	puts("\tnft\tadd\ttable\tip\t" NFT_TABLE);
	in_ns("undo", l.ns_c);
	puts("\tnft\tdelete\ttable\tip\t" NFT_TABLE);
	queue_rule("probe\tqueue-nft\tnftables' queue", &l, true, true);
	queue_rule("undo", &l, true, false);
	queue_rule("probe\tqueue-iptables\tiptables' NFQUEUE", &l, false, true);
	queue_rule("undo", &l, false, false);
	in_ns("server\ttcp", l.ns_s);
	puts("\t@IPCLAB@\tserve\ttcp\t--address\t" SERVER "\t--mode\tepoll\t--idle-timeout\t1000000");
	in_ns("server\tudp", l.ns_s);
	puts("\t@IPCLAB@\tserve\tudp\t--address\t" SERVER);
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
 * gone, as "stale-WHAT<TAB>PATH" (with dir in front when whole), said
 * first when it is a namespace or a link. */
static void stale_in(const char *dir, const char *what, const char *prefix,
		     const char *const *tails, bool whole, long self)
{
	DIR *d = opendir(dir);
	if (!d)
		return; /* no such folder: nothing of ours there */
	for (struct dirent *de; (de = readdir(d));)
		if (!gone(pid_in(de->d_name, prefix, tails), self))
			continue;
		else if (whole)
			printf("stale-%s\t%s/%s\n", what, dir, de->d_name);
		else
			printf("say\tremoving %s %s, left by an earlier run that was killed\n"
			       "stale-%s\t%s\n", what, de->d_name, what, de->d_name);
	closedir(d);
}

/* `ipclab bench plan netlab-stale PID`: what runs of bench/netlab.sh that
 * were killed (SIGKILL: no clean-up) left behind, a line each (stale-WHAT
 * NAME, for bench/netlab.sh to remove): their namespaces, a veth end not
 * yet moved into one, their runtime directory.
 * Each carries the process id of its run (`plan netlab-lab` names them);
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
	stale_in("/sys/class/net", "link", NETLAB_DEV, dev_tails, false, self);
	stale_in(tmp && *tmp ? tmp : "/tmp", "directory", NETLAB_PREFIX "-", NULL, true, self);
	return ferror(stdout) || fflush(stdout) != 0 ? IPC_SYSTEM : 0;
}
