/*
 * netdelay.c - delay and reorder packets in user space, for `make netlab`
 * on kernels without tc netem (docs/NETLAB.md).
 *
 *   netdelay --queue N --delay MS [--jitter MS] [--reorder PCT] [--limit N] [--seed N]
 *
 * A packet filter rule (nftables `queue`, or iptables `NFQUEUE`) hands each
 * packet to netfilter queue N.  The kernel keeps the packet and tells us its
 * id; the packet goes on only when we give our verdict, and verdicts may
 * come in any order.  So we hold the id until its time is up (MS, plus or
 * minus the jitter), then accept it; with --reorder, that share of the
 * packets is accepted at once and overtakes those still held.
 *
 * What it promises:
 *  - Bounded memory: at most --limit packets held (default 1024); one more
 *    is let through at once and counted (fail open: a full queue adds no
 *    loss the experiment did not ask for, and the count says it happened).
 *    The kernel's queue is told the same limit plus a margin, and to let
 *    packets through rather than drop them when it is full.
 *  - Nothing held is lost: on SIGTERM, SIGINT or SIGHUP, or when its parent
 *    exits (PR_SET_PDEATHSIG), it accepts every packet it holds, then those
 *    still waiting to be read, then unbinds and exits 0.
 *  - It says what it did: "netdelay: holding queue N ..." on stderr once
 *    bound (the caller waits for it), and one line of counts on stdout at
 *    the end: arrived= held= at_once= full= released= out_of_order=
 *    max_held= unread_lost= verdict_errors=.
 *
 * Exit status: 0 after a clean stop; 1 when the queue cannot be bound or a
 * system call fails; 2 for a usage error.
 */
/* netinet/in.h (through arpa/inet.h) before linux/netfilter.h, whose
 * linux/in.h would otherwise define the same structures again. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libnetfilter_queue/libnetfilter_queue.h>

#include "holdq.h"

#define KERNEL_QUEUE_MARGIN 64          /* the kernel's queue: our limit plus this */
#define RCVBUF_BYTES (8u << 20)         /* room for a burst of packet notices */

static const char usage[] =
	"usage: netdelay --queue N --delay MS [--jitter MS] [--reorder PCT] [--limit N]\n"
	"                [--seed N]\n"
	"Hold every packet of netfilter queue N for MS milliseconds (plus or minus\n"
	"up to --jitter MS, uniformly), then let it go.  --reorder PCT lets that\n"
	"share of packets go at once, ahead of those held.  At most --limit packets\n"
	"(default 1024) are held; one more goes at once and is counted.  Stops on\n"
	"SIGTERM, SIGINT, SIGHUP or when its parent exits, letting every held\n"
	"packet go first; then prints its counts on stdout.\n";

struct netdelay {
	struct holdq q;
	struct holdq_plan plan;
	struct nfq_q_handle *qh;
	uint64_t verdict_errors, unread_lost;
	int error; /* errno of the first failed verdict */
};

static void fail(const char *what)
{
	fprintf(stderr, "netdelay: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		fail("clock_gettime(CLOCK_MONOTONIC)");
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void accept_packet(struct netdelay *nd, uint32_t id, uint64_t seq)
{
	if (nfq_set_verdict(nd->qh, id, NF_ACCEPT, 0, NULL) < 0) {
		if (!nd->verdict_errors++)
			nd->error = errno;
		return;
	}
	holdq_released(&nd->q, seq);
}

/* A packet arrived: hold it, or let it through now. */
static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa,
		     void *data)
{
	struct netdelay *nd = data;
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
	uint64_t seq;

	(void)qh;
	(void)msg;
	if (!ph)
		return 0;
	uint32_t id = ntohl(ph->packet_id);
	if (!holdq_arrive(&nd->q, id, now_ns(), holdq_plan_hold_ns(&nd->plan), &seq))
		accept_packet(nd, id, seq);
	return 0;
}

/* Accept the held packets that are due (all of them when `all`). */
static void release_due(struct netdelay *nd, bool all)
{
	struct holdq_item it;
	uint64_t t = now_ns();

	while (holdq_pop_due(&nd->q, t, all, &it))
		accept_packet(nd, it.id, it.seq);
}

/* Read every packet notice waiting on the socket, without blocking. */
static void read_notices(struct netdelay *nd, struct nfq_handle *h, char *buf, size_t cap)
{
	for (;;) {
		ssize_t n = recv(nfq_fd(h), buf, cap, MSG_DONTWAIT);
		if (n > 0) {
			nfq_handle_packet(h, buf, (int)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			/* The socket overflowed: notices were dropped, and
			 * their packets wait in the kernel until we unbind. */
			nd->unread_lost++;
			continue;
		}
		if (n < 0 && errno != EAGAIN)
			fail("recv from the netfilter queue");
		return;
	}
}

static long parse_num(const char *opt, const char *text, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < min || v > max) {
		fprintf(stderr, "netdelay: %s %s: expected a whole number from %ld to %ld\n%s",
			opt, text, min, max, usage);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "queue", required_argument, NULL, 'q' },
		{ "delay", required_argument, NULL, 'd' },
		{ "jitter", required_argument, NULL, 'j' },
		{ "reorder", required_argument, NULL, 'r' },
		{ "limit", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct netdelay nd = { .plan.rng = (uint64_t)getpid() * 2654435761u ^ (uint64_t)time(NULL) };
	long queue = -1, delay_ms = -1, limit = 1024;
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'q': queue = parse_num("--queue", optarg, 0, 65535); break;
		case 'd': delay_ms = parse_num("--delay", optarg, 0, 60000); break;
		case 'j': nd.plan.jitter_ns = (uint64_t)parse_num("--jitter", optarg, 0, 60000) * 1000000u; break;
		case 'r': nd.plan.reorder_pct = (unsigned)parse_num("--reorder", optarg, 0, 100); break;
		case 'l': limit = parse_num("--limit", optarg, 1, 1 << 20); break;
		case 's': nd.plan.rng = (uint64_t)parse_num("--seed", optarg, 1, LONG_MAX); break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind != argc || queue < 0 || delay_ms < 0) {
		fprintf(stderr, "netdelay: --queue and --delay are required\n%s", usage);
		return 2;
	}
	nd.plan.delay_ns = (uint64_t)delay_ms * 1000000u;

	/* Stop signals arrive on a descriptor polled with the queue's: none
	 * can slip in between a check and the wait.  The parent's exit sends
	 * SIGTERM too; if it is gone already, stop now. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &stop, NULL) < 0)
		fail("sigprocmask");
	int sfd = signalfd(-1, &stop, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		fail("signalfd");
	/* A reader of our counts that is gone must not kill us before we let
	 * the held packets go: a failed write is reported by the exit status. */
	signal(SIGPIPE, SIG_IGN);
	pid_t parent = getppid();
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
		fail("prctl(PR_SET_PDEATHSIG)");
	if (getppid() != parent)
		return 0;

	if (holdq_init(&nd.q, (size_t)limit) < 0)
		fail("allocate the held packets");
	struct nfq_handle *h = nfq_open();
	if (!h)
		fail("open a netfilter queue socket (needs CAP_NET_ADMIN)");
	nd.qh = nfq_create_queue(h, (uint16_t)queue, on_packet, &nd);
	if (!nd.qh) {
		fprintf(stderr, "netdelay: bind netfilter queue %ld: %s (another program holds it, "
			"or the kernel lacks nfnetlink_queue)\n", queue, strerror(errno));
		return 1;
	}
	/* Only the packet's id is needed, not its bytes. */
	if (nfq_set_mode(nd.qh, NFQNL_COPY_META, 0) < 0)
		fail("set the queue's copy mode");
	if (nfq_set_queue_maxlen(nd.qh, (uint32_t)limit + KERNEL_QUEUE_MARGIN) < 0)
		fail("set the queue's length");
	if (nfq_set_queue_flags(nd.qh, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN) < 0)
		fail("set the queue to fail open");
	nfnl_rcvbufsiz(nfq_nfnlh(h), RCVBUF_BYTES);
	fprintf(stderr, "netdelay: holding queue %ld: %ld ms, jitter %" PRIu64 " ms, "
		"%u%% at once, at most %ld held\n", queue, delay_ms, nd.plan.jitter_ns / 1000000u,
		nd.plan.reorder_pct, limit);

	static char buf[65536] __attribute__((aligned));
	for (;;) {
		release_due(&nd, false);
		uint64_t wait = holdq_wait_ns(&nd.q, now_ns());
		struct timespec ts = { .tv_sec = (time_t)(wait / 1000000000u),
				       .tv_nsec = (long)(wait % 1000000000u) };
		struct pollfd pfd[2] = { { .fd = nfq_fd(h), .events = POLLIN },
					 { .fd = sfd, .events = POLLIN } };
		int r = ppoll(pfd, 2, wait == UINT64_MAX ? NULL : &ts, NULL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail("ppoll");
		if (pfd[1].revents)
			break;
		if (pfd[0].revents)
			read_notices(&nd, h, buf, sizeof buf);
	}

	/* Stopping: everything held goes, then anything not yet read. */
	release_due(&nd, true);
	read_notices(&nd, h, buf, sizeof buf);
	release_due(&nd, true);
	nfq_destroy_queue(nd.qh);
	nfq_close(h);
	const struct holdq_stats *st = &nd.q.st;
	printf("arrived=%" PRIu64 " held=%" PRIu64 " at_once=%" PRIu64 " full=%" PRIu64
	       " released=%" PRIu64 " out_of_order=%" PRIu64 " max_held=%zu unread_lost=%" PRIu64
	       " verdict_errors=%" PRIu64 "\n", st->arrived, st->held, st->at_once, st->full,
	       st->released, st->out_of_order, st->max_held, nd.unread_lost, nd.verdict_errors);
	if (nd.verdict_errors)
		fprintf(stderr, "netdelay: %" PRIu64 " verdicts failed, the first with: %s\n",
			nd.verdict_errors, strerror(nd.error));
	holdq_free(&nd.q);
	close(sfd);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
