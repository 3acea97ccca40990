/*
 * test_netlab.c - what `make netlab` counts and tabulates: the UDP client's
 * tally of every datagram (lost, duplicated, reordered, late), the latency
 * benchmark against a server that misbehaves on purpose, the table of a
 * hand-made run directory (failed rows included), `bench/netlab.sh`
 * without root, and netdelay: its hold queue, and the program itself
 * holding real packets in a private network namespace (as root).
 */
#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "io.h"
#include "netdelay/holdq.h"
#include "netlab.h"

#define ENV struct test_env *env = *state

extern const struct ipc_transport udp_transport, tcp_transport;

/* ---- the tally, by hand ------------------------------------------------ */

/* Sends the next datagram of the current round trip; `first`: it starts one. */
static void send_one(struct bench_dgram_tally *t, bool first)
{
	if (first)
		t->trip_first = t->sent;
	t->sent++;
}

static void test_tally_clean(void **state)
{
	(void)state;
	struct bench_dgram_tally t;
	assert_int_equal(bench_dgram_tally_init(&t, 16), 0);
	for (int i = 0; i < 10; i++) {
		send_one(&t, true);
		assert_int_equal(bench_dgram_tally_reply(&t, t.sent - 1), BENCH_REPLY_TRIP);
	}
	assert_int_equal(t.sent, 10);
	assert_int_equal(bench_dgram_tally_lost(&t), 0);
	assert_int_equal(t.dup + t.reordered + t.late, 0);
	bench_dgram_tally_free(&t);
}

static void test_tally_dup_late_reordered(void **state)
{
	(void)state;
	struct bench_dgram_tally t;
	assert_int_equal(bench_dgram_tally_init(&t, 64), 0);

	send_one(&t, true);                    /* 0, answered twice */
	assert_int_equal(bench_dgram_tally_reply(&t, 0), BENCH_REPLY_TRIP);
	send_one(&t, true);                    /* 1 */
	assert_int_equal(bench_dgram_tally_reply(&t, 0), BENCH_REPLY_DUP);
	assert_int_equal(bench_dgram_tally_reply(&t, 1), BENCH_REPLY_TRIP);

	send_one(&t, true);                    /* 2 times out ... */
	send_one(&t, false);                   /* ... 3 is its resend */
	assert_int_equal(bench_dgram_tally_reply(&t, 3), BENCH_REPLY_TRIP);
	send_one(&t, true);                    /* 4: meanwhile 2's reply arrives */
	assert_int_equal(bench_dgram_tally_reply(&t, 2), BENCH_REPLY_LATE);
	assert_int_equal(bench_dgram_tally_reply(&t, 4), BENCH_REPLY_TRIP);

	send_one(&t, true);                    /* 5 times out, 6 resent, 5 answers */
	send_one(&t, false);
	assert_int_equal(bench_dgram_tally_reply(&t, 5), BENCH_REPLY_TRIP);
	send_one(&t, true);                    /* 7: lost for good */
	assert_int_equal(bench_dgram_tally_reply(&t, 99), BENCH_REPLY_BOGUS);

	assert_int_equal(t.sent, 8);
	assert_int_equal(t.dup, 1);
	assert_int_equal(t.late, 1);
	assert_int_equal(t.reordered, 1);      /* 2 came after 3 */
	assert_int_equal(bench_dgram_tally_lost(&t), 2); /* 6 and 7 */
	assert_int_equal(t.replies, 6);
	bench_dgram_tally_free(&t);
}

/* ---- the latency benchmark against a server that misbehaves ------------- */

/* A UDP greeting server that drops every request whose number ends in 4 or
 * 9 and answers every other one twice.  An empty datagram stops it; it then
 * reports what it dropped and answered on `report`. */
static void rogue_server(int fd, int report)
{
	struct timeval tv = { .tv_sec = 5 };
	unsigned long dropped = 0, answered = 0;
	char in[64], out[80];

	io_set_nonblocking(fd, false);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof peer;
		ssize_t n = recvfrom(fd, in, sizeof in - 1, 0, (struct sockaddr *)&peer, &plen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		in[n] = '\0';
		unsigned long seq = strtoul(in + strlen("ipclab-"), NULL, 16);
		if (seq % 5 == 4) {
			dropped++;
			continue;
		}
		int len = snprintf(out, sizeof out, "Hello, %s\n", in);
		for (int k = 0; k < 2; k++)
			sendto(fd, out, (size_t)len, 0, (struct sockaddr *)&peer, plen);
		answered++;
	}
	unsigned long counts[2] = { dropped, answered };
	ssize_t w = write(report, counts, sizeof counts);
	_exit(w == (ssize_t)sizeof counts ? 0 : 1);
}

static void test_latency_counts_every_datagram(void **state)
{
	ENV;
	struct ipc_server s;
	struct ipc_error e = { 0 };
	int rp[2];

	ipc_server_init(&s, &udp_transport, &env->ctx);
	assert_int_equal(udp_transport.listen(&s, "127.0.0.1:0", &e), 0);
	assert_int_equal(pipe(rp), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(rp[0]);
		rogue_server(s.fd, rp[1]);
	}
	close(rp[1]);
	udp_transport.shutdown(&s, false);

	struct bench_opts o = {
		.t = &udp_transport, .ctx = &env->ctx, .count = 30, .warmup = 0,
		.pin = { -1, -1 }, .address = s.addr.text, .dgram_timeout_ms = 60,
	};
	struct bench_result r;
	int rc = bench_latency(&o, &r, &e);
	struct ipc_conn stop;
	ipc_conn_init(&stop, &udp_transport, &env->ctx);
	assert_int_equal(udp_transport.connect(&stop, &s.addr, &e), 0);
	assert_int_equal(udp_transport.send(&stop, "", 0, &e), 0);
	udp_transport.close(&stop);
	unsigned long counts[2] = { 0, 0 };
	assert_int_equal(read(rp[0], counts, sizeof counts), (ssize_t)sizeof counts);
	close(rp[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(rc, 0);

	/* 30 round trips: each request numbered ...4 or ...9 was dropped and
	 * sent again under the next number; every answer came twice.  On a
	 * busy machine an answer may also come after the timeout: then it is
	 * late, and its round trip was sent again, and answered too. */
	struct netlab_line l = { 0 };
	netlab_parse_note(r.note, &l);
	assert_non_null(strstr(r.note, "REMOTE"));
	assert_true(counts[0] >= 6);           /* 4 9 14 19 24 29 ... */
	assert_true(counts[1] >= 30);
	assert_int_equal(l.sent, counts[0] + counts[1]);
	assert_int_equal(l.lost, counts[0]);
	assert_int_equal(r.row.lost, counts[0]);
	assert_int_equal(l.retrans, l.sent - 30);
	assert_int_equal(l.dup, counts[1]);     /* the second copy of every answer */
	assert_int_equal(l.late, counts[1] - 30);
	assert_true(l.reordered <= l.late);
	assert_int_equal(r.row.count, 30);
}

/* `ipclab bench latency --address` against `ipclab serve`, as netlab runs
 * it, and what --address does not allow. */
static void latency_address(struct test_env *env, const char *transport, const char *bad_opt,
			    const char *bad_value)
{
	char out[8192], err[8192], rest[4096];
	struct test_bg bg;
	const char *args[] = { transport, "--address", "127.0.0.1:0", NULL };

	test_bg_start(env, &bg, args, 0);
	/* UDP sends again after --timeout; TCP gives up after it. */
	const char *wait = strcmp(transport, "udp") ? "60000" : "500";
	int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "latency",
			      transport, "--address", bg.addr, "--count", "20", "--warmup", "0",
			      "--timeout", wait, "--format", "csv", NULL);
	if (rc != 0)
		fail_msg("bench latency %s --address %s: exit %d: %s", transport, bg.addr, rc, err);
	assert_non_null(strstr(out, "REMOTE"));
	if (!strcmp(transport, "udp")) /* every send accounted for, even on a clean link */
		assert_non_null(strstr(out, "sent=20 lost=0 resent=0 dup=0 reordered=0 late=0"));
	rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "latency",
			  transport, "--address", bg.addr, bad_opt, bad_value, NULL);
	assert_int_equal(rc, IPC_USAGE);
	assert_int_equal(test_bg_stop(&bg, rest, sizeof rest), 0);
}

static void test_latency_address_tcp(void **state)
{
	ENV;
	latency_address(env, "tcp", "--size", "64"); /* `ipclab serve` does not echo */
}

static void test_latency_address_udp(void **state)
{
	ENV;
	latency_address(env, "udp", "--pin", "0,0"); /* the server runs elsewhere */
}

static void test_latency_address_usage(void **state)
{
	ENV;
	char out[4096], err[4096];
	int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "throughput",
			      "tcp", "--size", "64", "--address", "127.0.0.1:1", NULL);
	assert_int_equal(rc, IPC_USAGE);
	assert_non_null(strstr(err, "does not apply here"));
	rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "latency", "udp",
			  "--timeout", "0", NULL);
	assert_int_equal(rc, IPC_USAGE);
	rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "latency", "pipe",
			  "--address", "x", NULL);
	assert_int_equal(rc, IPC_USAGE);
	assert_non_null(strstr(err, "cannot be reached by address"));
}

/* ---- the table's pieces ---------------------------------------------------- */

static const char snmp_text[] =
	"Ip: Forwarding DefaultTTL\nIp: 2 64\n"
	"Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails "
	"EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n"
	"Tcp: 1 200 120000 -1 3 1 0 0 1 500 480 17 0 0 0\n"
	"Udp: InDatagrams NoPorts\nUdp: 9 0\n";

static void test_snmp_counter(void **state)
{
	(void)state;
	unsigned long long v = 0;
	assert_int_equal(netlab_snmp_counter(snmp_text, "Tcp", "RetransSegs", &v), 0);
	assert_int_equal(v, 17);
	assert_int_equal(netlab_snmp_counter(snmp_text, "Udp", "InDatagrams", &v), 0);
	assert_int_equal(v, 9);
	assert_int_equal(netlab_snmp_counter(snmp_text, "Tcp", "NoSuch", &v), -1);
	assert_int_equal(netlab_snmp_counter(snmp_text, "Icmp", "InMsgs", &v), -1);
	assert_int_equal(netlab_snmp_counter("Tcp: A\n", "Tcp", "A", &v), -1);
}

static void test_parse_note_and_condition(void **state)
{
	(void)state;
	struct netlab_line l = { .sent = 5 };
	netlab_parse_note("LOSSY sent=120 lost=3 resent=4 dup=7 reordered=1 late=2 UNPINNED", &l);
	assert_int_equal(l.sent, 120);
	assert_int_equal(l.lost, 3);
	assert_int_equal(l.retrans, 4);
	assert_int_equal(l.dup, 7);
	assert_int_equal(l.reordered, 1);
	assert_int_equal(l.late, 2);
	struct netlab_line m = { .sent = 5 };
	netlab_parse_note("HIGH-SPREAD sent=x lost=", &m);
	assert_int_equal(m.sent, 5);

	struct netlab_condition c;
	assert_int_equal(netlab_parse_condition("loss10\t10\t0\t0\t0\tnftables drop\n", &c), 0);
	assert_string_equal(c.name, "loss10");
	assert_true(c.loss_pct == 10 && c.delay_ms == 0 && !c.skipped);
	assert_string_equal(c.how, "nftables drop");
	assert_int_equal(netlab_parse_condition("delay20\t0\t20\t0\t0\tskipped: no netem", &c), 0);
	assert_true(c.skipped && c.delay_ms == 20);
	assert_int_equal(netlab_parse_condition("x\t1\t2\t3\n", &c), -1);
	assert_int_equal(netlab_parse_condition("x\tten\t0\t0\t0\thow", &c), -1);
	assert_int_equal(netlab_parse_condition("\t1\t0\t0\t0\thow", &c), -1);
}

static void test_note_problem(void **state)
{
	(void)state;
	struct netlab_line tcp = { 0 }, udp = { 0 };
	const char *const lines[] = {
		"tcp load\texited with status 7: the server closed it\n",
		"netdelay\tnetdelay exited during the row (status 1)\n",
		"udp latency\texited with status 4\n",
		"no tab here\n",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		netlab_note_problem(lines[i], "tcp", &tcp);
		netlab_note_problem(lines[i], "udp", &udp);
	}
	/* The first that concerns each row; one naming no transport, both. */
	assert_string_equal(tcp.problem, "tcp load: exited with status 7: the server closed it");
	assert_true(tcp.load_failed);
	assert_string_equal(udp.problem, "netdelay: netdelay exited during the row (status 1)");
	assert_string_equal(tcp.more, "netdelay");
	assert_string_equal(udp.more, "udp latency");
	assert_false(udp.load_failed);
}

/* ---- netdelay's hold queue ------------------------------------------------ */

static void test_holdq_order_and_bound(void **state)
{
	(void)state;
	struct holdq q;
	struct holdq_item it;
	uint64_t seq;

	assert_int_equal(holdq_init(&q, 3), 0);
	assert_int_equal(holdq_wait_ns(&q, 0), UINT64_MAX);
	assert_true(holdq_arrive(&q, 100, 0, 50, &seq));  /* due 50 */
	assert_true(holdq_arrive(&q, 101, 1, 10, &seq));  /* due 11: overtakes 100 */
	assert_true(holdq_arrive(&q, 102, 2, 9, &seq));   /* due 11 too: after 101 */
	assert_false(holdq_arrive(&q, 103, 3, 5, &seq));  /* full: goes at once */
	assert_int_equal(seq, 3);
	holdq_released(&q, seq);
	assert_false(holdq_arrive(&q, 104, 4, 0, &seq));  /* asked to go at once */
	holdq_released(&q, seq);
	assert_int_equal(holdq_wait_ns(&q, 5), 6);
	assert_false(holdq_pop_due(&q, 10, false, &it));  /* nothing due yet */
	assert_true(holdq_pop_due(&q, 11, false, &it));
	assert_int_equal(it.id, 101);
	holdq_released(&q, it.seq);
	assert_true(holdq_pop_due(&q, 11, false, &it));
	assert_int_equal(it.id, 102);
	holdq_released(&q, it.seq);
	assert_false(holdq_pop_due(&q, 11, false, &it));
	assert_true(holdq_pop_due(&q, 11, true, &it));    /* stopping: all go */
	assert_int_equal(it.id, 100);
	holdq_released(&q, it.seq);
	assert_false(holdq_pop_due(&q, 11, true, &it));
	assert_int_equal(q.st.arrived, 5);
	assert_int_equal(q.st.held, 3);
	assert_int_equal(q.st.full, 1);
	assert_int_equal(q.st.at_once, 1);
	assert_int_equal(q.st.released, 5);
	assert_int_equal(q.st.max_held, 3);
	/* 101, 102 and 100 left after 103 and 104, which came later. */
	assert_int_equal(q.st.out_of_order, 3);
	holdq_free(&q);
}

static void test_holdq_plan(void **state)
{
	(void)state;
	struct holdq_plan fixed = { .delay_ns = 20, .rng = 1 };
	struct holdq_plan jitter = { .delay_ns = 20, .jitter_ns = 5, .rng = 7 };
	struct holdq_plan all = { .delay_ns = 20, .reorder_pct = 100, .rng = 3 };
	struct holdq_plan some = { .delay_ns = 20, .reorder_pct = 25, .rng = 9 };
	int at_once = 0, low = 0, high = 0;

	for (int i = 0; i < 4000; i++) {
		assert_int_equal(holdq_plan_hold_ns(&fixed), 20);
		uint64_t j = holdq_plan_hold_ns(&jitter);
		assert_true(j >= 15 && j <= 25);
		low += j == 15;
		high += j == 25;
		assert_int_equal(holdq_plan_hold_ns(&all), 0);
		uint64_t h = holdq_plan_hold_ns(&some);
		assert_true(h == 0 || h == 20);
		at_once += h == 0;
	}
	assert_true(low > 0 && high > 0);     /* both ends of the jitter are drawn */
	assert_true(at_once > 800 && at_once < 1200); /* about 25 % of 4,000 */
}

/* ---- netdelay itself, on real packets -------------------------------------- */

/* netdelay of the same build as this test: build/FLAVOUR/netdelay beside
 * build/FLAVOUR/tests/test_netlab. */
static void netdelay_path(char *buf, size_t cap)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	assert_true(n > 0);
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	assert_non_null(slash);
	*slash = '\0';
	int len = snprintf(buf, cap, "%s/../netdelay", self);
	assert_true(len > 0 && (size_t)len < cap); /* a path cut short would name another file */
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *sbin(const char *name, char *buf, size_t cap)
{
	const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(buf, cap, "%s/%s", dirs[i], name);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

static int home_ns = -1; /* the test's own namespace, while it is in a private one */

/* A network namespace of our own, with loopback up, and UDP to `port`
 * handed to netfilter queue 0 (nftables' queue, else iptables' NFQUEUE).
 * false (with the reason) when this machine cannot: not root, no
 * namespaces, no queue. */
static bool private_queue(struct test_env *env, int *home, unsigned port, const char **why)
{
	char out[1024], err[1024], rule[512], nft[64], ipt[64], portstr[16];

	*why = "needs root";
	if (geteuid() != 0)
		return false;
	*home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(*home >= 0);
	*why = "cannot make a network namespace here";
	if (unshare(CLONE_NEWNET) < 0) {
		close(*home);
		return false;
	}
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
	snprintf(rule, sizeof rule, "table ip t { chain c { type filter hook output priority -300; "
		 "udp dport %u queue num 0 bypass; }; }\n", port);
	snprintf(portstr, sizeof portstr, "%u", port);
	const char *nft_argv[] = { sbin("nft", nft, sizeof nft), "-f", "-", NULL };
	const char *ipt_argv[] = { sbin("iptables", ipt, sizeof ipt), "-t", "raw", "-A", "OUTPUT",
				   "-p", "udp", "--dport", portstr, "-j", "NFQUEUE",
				   "--queue-num", "0", "--queue-bypass", NULL };
	home_ns = *home;
	if (nft_argv[0] && test_run_argv(env, rule, out, sizeof out, err, sizeof err, nft_argv) == 0)
		return true;
	if (ipt_argv[0] && test_run_argv(env, NULL, out, sizeof out, err, sizeof err, ipt_argv) == 0)
		return true;
	home_ns = -1;
	*why = "neither nftables' queue nor iptables' NFQUEUE works here";
	assert_int_equal(setns(*home, CLONE_NEWNET), 0);
	close(*home);
	return false;
}

/* Back to the test's own namespace; the private one goes with its last
 * user (a netdelay still running exits with this process, its parent). */
static void leave_queue(int home)
{
	assert_int_equal(setns(home, CLONE_NEWNET), 0);
	close(home);
	home_ns = -1;
}

/* A test that failed in its private namespace: back home before the next. */
static int netdelay_teardown(void **state)
{
	if (home_ns >= 0) {
		if (setns(home_ns, CLONE_NEWNET) < 0)
			return -1;
		close(home_ns);
		home_ns = -1;
	}
	return test_env_teardown(state);
}

struct netdelay_run {
	pid_t pid;
	int out, err; /* its stdout and stderr */
};

/* Waits up to ms for fd to be readable; reads what is there into buf
 * (appending at *len).  0 at end of file, 1 with more, -1 on time-out. */
static int read_some(int fd, char *buf, size_t cap, size_t *len, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, test_scale_ms(ms)) <= 0)
		return -1;
	ssize_t n = read(fd, buf + *len, cap - 1 - *len);
	if (n < 0)
		return -1;
	*len += (size_t)n;
	buf[*len] = '\0';
	return n > 0;
}

/* netdelay ARGS..., returned once it holds the queue (it says so). */
static void netdelay_start(struct netdelay_run *r, const char *const args[])
{
	char path[PATH_MAX], err[1024] = "";
	const char *argv[16] = { path };
	int po[2], pe[2];
	size_t len = 0, n = 1;

	netdelay_path(path, sizeof path);
	for (; args[n - 1] && n < 15; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	assert_int_equal(pipe2(po, O_CLOEXEC), 0);
	assert_int_equal(pipe2(pe, O_CLOEXEC), 0);
	r->pid = fork();
	assert_true(r->pid >= 0);
	if (r->pid == 0) {
		dup2(po[1], STDOUT_FILENO);
		dup2(pe[1], STDERR_FILENO);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	r->out = po[0];
	r->err = pe[0];
	while (!strstr(err, "netdelay: holding queue 0"))
		if (read_some(r->err, err, sizeof err, &len, 10000) <= 0)
			fail_msg("netdelay did not start: %s", err);
}

/* SIGTERM, then its exit status and counts line. */
static int netdelay_stop(struct netdelay_run *r, char *counts, size_t cap)
{
	size_t len = 0;
	int status = -1;

	counts[0] = '\0';
	assert_int_equal(kill(r->pid, SIGTERM), 0);
	while (read_some(r->out, counts, cap, &len, 10000) > 0)
		;
	assert_int_equal(waitpid(r->pid, &status, 0), r->pid);
	close(r->out);
	close(r->err);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A receiver on 127.0.0.1:port (in the namespace of the moment) and a
 * sender connected to it. */
static void udp_pair(unsigned port, int *rx, int *tx)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	*rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	*tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(*rx >= 0 && *tx >= 0);
	assert_int_equal(bind(*rx, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(connect(*tx, (struct sockaddr *)&a, sizeof a), 0);
}

#define NPKT 20

/* Sends n datagrams (their number as text), 1 ms apart; sent_ms[i]. */
static void send_numbered(int tx, int n, uint64_t *sent_ms)
{
	for (int i = 0; i < n; i++) {
		char b[16];
		int len = snprintf(b, sizeof b, "%d", i);
		sent_ms[i] = mono_ms();
		assert_int_equal(send(tx, b, (size_t)len, 0), len);
		usleep(1000);
	}
}

/* Receives n datagrams within ms: order[k] is the k-th number received,
 * got_ms[number] when; the count received. */
static int receive_numbered(int rx, int n, int ms, int *order, uint64_t *got_ms)
{
	uint64_t end = mono_ms() + (uint64_t)test_scale_ms(ms);
	int k = 0;
	while (k < n && mono_ms() < end) {
		struct pollfd p = { .fd = rx, .events = POLLIN };
		if (poll(&p, 1, (int)(end - mono_ms())) <= 0)
			break;
		char b[16] = "";
		ssize_t len = recv(rx, b, sizeof b - 1, 0);
		assert_true(len > 0);
		int i = atoi(b);
		assert_true(i >= 0 && i < n);
		order[k++] = i;
		got_ms[i] = mono_ms();
	}
	return k;
}

/* It holds every packet at least the time asked, and loses none. */
static void test_netdelay_delays(void **state)
{
	ENV;
	int home, rx, tx, order[NPKT];
	uint64_t sent[NPKT], got[NPKT];
	const char *why;
	char counts[512];

	if (!private_queue(env, &home, 40000, &why)) {
		fprintf(stderr, "    skipped: %s\n", why);
		skip();
	}
	struct netdelay_run r;
	const char *args[] = { "--queue", "0", "--delay", "150", NULL };
	netdelay_start(&r, args);
	udp_pair(40000, &rx, &tx);

	send_numbered(tx, NPKT, sent);
	assert_int_equal(receive_numbered(rx, NPKT, 10000, order, got), NPKT);
	for (int i = 0; i < NPKT; i++) {
		assert_true(got[i] >= sent[i] + 150);          /* never early */
		assert_true(got[i] < sent[i] + 150 + (uint64_t)test_scale_ms(5000));
	}
	assert_int_equal(netdelay_stop(&r, counts, sizeof counts), 0);
	/* A fixed delay keeps the order (as netdelay released them). */
	assert_non_null(strstr(counts, "arrived=20 held=20 at_once=0 full=0 released=20 "
				       "out_of_order=0"));
	close(rx);
	close(tx);
	leave_queue(home);
}

/* With --reorder, some packets overtake those held; still none is lost. */
static void test_netdelay_reorders(void **state)
{
	ENV;
	int home, rx, tx, order[NPKT];
	uint64_t sent[NPKT], got[NPKT];
	const char *why;
	char counts[512];

	if (!private_queue(env, &home, 40001, &why)) {
		fprintf(stderr, "    skipped: %s\n", why);
		skip();
	}
	struct netdelay_run r;
	const char *args[] = { "--queue", "0", "--delay", "1000", "--reorder", "50", "--seed", "42",
			       NULL };
	netdelay_start(&r, args);
	udp_pair(40001, &rx, &tx);

	send_numbered(tx, NPKT, sent);
	assert_int_equal(receive_numbered(rx, NPKT, 10000, order, got), NPKT);
	int overtaken = 0, newest = -1, early = 0;
	for (int k = 0; k < NPKT; k++) {
		if (order[k] < newest)
			overtaken++;
		else
			newest = order[k];
		early += got[order[k]] < sent[order[k]] + 1000;
	}
	assert_true(overtaken > 0);
	assert_true(early > 0 && early < NPKT);
	assert_int_equal(netdelay_stop(&r, counts, sizeof counts), 0);
	assert_non_null(strstr(counts, "arrived=20 "));
	assert_non_null(strstr(counts, " released=20 "));
	assert_null(strstr(counts, " out_of_order=0 "));
	close(rx);
	close(tx);
	leave_queue(home);
}

/* Told to stop while it holds packets for 30 s: they all go, at once. */
static void test_netdelay_stop_releases(void **state)
{
	ENV;
	int home, rx, tx, order[NPKT];
	uint64_t sent[NPKT], got[NPKT];
	const char *why;
	char counts[512];

	if (!private_queue(env, &home, 40002, &why)) {
		fprintf(stderr, "    skipped: %s\n", why);
		skip();
	}
	struct netdelay_run r;
	const char *args[] = { "--queue", "0", "--delay", "30000", NULL };
	netdelay_start(&r, args);
	udp_pair(40002, &rx, &tx);

	send_numbered(tx, 10, sent);
	assert_int_equal(receive_numbered(rx, 10, 300, order, got), 0); /* held */
	uint64_t stop = mono_ms();
	assert_int_equal(netdelay_stop(&r, counts, sizeof counts), 0);
	assert_int_equal(receive_numbered(rx, 10, 5000, order, got), 10);
	for (int i = 0; i < 10; i++)
		assert_true(got[i] < stop + (uint64_t)test_scale_ms(5000)); /* not 30 s */
	assert_non_null(strstr(counts, "arrived=10 held=10 at_once=0 full=0 released=10 "));
	close(rx);
	close(tx);
	leave_queue(home);
}

/* Its parent goes away: it stops by itself. */
static void test_netdelay_parent_dies(void **state)
{
	ENV;
	int home, po[2];
	const char *why;

	if (!private_queue(env, &home, 40003, &why)) {
		fprintf(stderr, "    skipped: %s\n", why);
		skip();
	}
	assert_int_equal(pipe2(po, O_CLOEXEC), 0);
	pid_t middle = fork();
	assert_true(middle >= 0);
	if (middle == 0) {
		/* Starts netdelay, waits until it holds the queue, leaves. */
		struct netdelay_run r;
		const char *args[] = { "--queue", "0", "--delay", "1000", NULL };
		netdelay_start(&r, args);
		_exit(write(po[1], &r.pid, sizeof r.pid) == (ssize_t)sizeof r.pid ? 0 : 1);
	}
	close(po[1]);
	pid_t nd = 0;
	assert_int_equal(read(po[0], &nd, sizeof nd), (ssize_t)sizeof nd);
	close(po[0]);
	int status;
	assert_int_equal(waitpid(middle, &status, 0), middle);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(nd > 0);
	/* netdelay is an orphan now: reparented to init, or to this test
	 * when the harness makes it a subreaper (then it is ours to reap). */
	uint64_t end = mono_ms() + (uint64_t)test_scale_ms(8000);
	bool gone = false;
	while (!gone && mono_ms() < end) {
		pid_t w = waitpid(nd, &status, WNOHANG);
		gone = w == nd || (w < 0 && errno == ECHILD && kill(nd, 0) < 0 && errno == ESRCH);
		if (!gone)
			usleep(10000);
	}
	assert_true(gone);
	leave_queue(home);
}

static void test_netdelay_usage(void **state)
{
	ENV;
	char path[PATH_MAX], out[4096], err[4096];
	netdelay_path(path, sizeof path);
	const char *none[] = { path, NULL };
	const char *bad[] = { path, "--queue", "0", "--delay", "soon", NULL };
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, none), 2);
	assert_non_null(strstr(err, "--queue and --delay are required"));
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, bad), 2);
	assert_non_null(strstr(err, "--delay soon: expected a whole number"));
}

/* ---- a whole run directory ------------------------------------------------- */

#define HEADER "kind,transport,mode,size,count,clients,pin,min_us,p50_us,p90_us,p99_us," \
	"p999_us,max_us,mean_us,stddev_us,cpu_us_per_op,ctxsw_per_op,mb_per_s,msgs_per_s," \
	"cpu_ms_per_mb,lost,errors,note\n"

static void put_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void snmp_with(const char *dir, const char *name, int retrans)
{
	char text[512];
	snprintf(text, sizeof text, "Tcp: RetransSegs InSegs\nTcp: %d 9\n", retrans);
	put_file(dir, name, text);
}

static void test_table(void **state)
{
	ENV;
	char run[512], clean[600], lossy[600], data[600], out[8192];
	snprintf(run, sizeof run, "%s/run", env->dir);
	snprintf(clean, sizeof clean, "%s/clean", run);
	snprintf(lossy, sizeof lossy, "%s/loss10", run);
	snprintf(data, sizeof data, "%s/netlab.dat", run);
	assert_int_equal(mkdir(run, 0700), 0);
	assert_int_equal(mkdir(clean, 0700), 0);
	assert_int_equal(mkdir(lossy, 0700), 0);
	put_file(run, "conditions.tsv", "# name\tloss\tdelay\tdup\treorder\thow\n"
		 "clean\t0\t0\t0\t0\tnone\n"
		 "loss10\t10\t0\t0\t0\tnftables: numgen random mod 100 < 10 drop\n"
		 "delay20\t0\t20\t0\t0\tskipped: needs netem\n");
	put_file(clean, "tcp_latency.csv", "# date: x\n" HEADER
		 "latency,tcp,greeting,16,100,1,none,1,20,30,40,50,60,25,5,3,2,0,40000,0,0,0,"
		 "REMOTE UNPINNED\n");
	put_file(clean, "udp_latency.csv", HEADER
		 "latency,udp,greeting,15,100,1,none,1,19,30,41,50,60,25,5,3,2,0,50000,0,0,0,"
		 "\"REMOTE sent=100 lost=0 resent=0 dup=0 reordered=0 late=0\"\n");
	put_file(clean, "tcp_load.csv", HEADER
		 "load,tcp,epoll,0,100,4,none,1,2,3,4,5,6,7,8,9,1,0,120000,0,0,0,\n");
	snmp_with(clean, "snmp_client_before", 5);
	snmp_with(clean, "snmp_client_after", 5);
	snmp_with(clean, "snmp_server_before", 2);
	snmp_with(clean, "snmp_server_after", 2);
	put_file(lossy, "tcp_latency.csv", HEADER
		 "latency,tcp,greeting,16,100,1,none,1,30,300,400000,500000,600000,25,5,3,2,0,40,"
		 "0,0,0,REMOTE\n");
	put_file(lossy, "udp_latency.csv", HEADER
		 "latency,udp,greeting,15,100,1,none,1,21,30,410,500,600,25,5,3,2,0,50,0,12,0,"
		 "REMOTE LOSSY sent=112 lost=12 resent=12 dup=1 reordered=2 late=3\n");
	snmp_with(lossy, "snmp_client_before", 5);
	snmp_with(lossy, "snmp_client_after", 19);
	snmp_with(lossy, "snmp_server_before", 2);
	snmp_with(lossy, "snmp_server_after", 3);

	FILE *mem = fmemopen(out, sizeof out, "w");
	struct ipc_error e = { 0 };
	struct netlab_outcome how;
	const char *runs[] = { run, run }, *cleans[] = { clean };
	assert_non_null(mem);
	assert_int_equal(netlab_report(runs, 1, false, mem, data, &how, &e), 0);
	fclose(mem);
	assert_int_equal(how.rows, 4);
	assert_int_equal(how.measured, 4);
	assert_int_equal(how.failed, 0);
	assert_int_equal(netlab_exit_status(&how, true), 0);
	assert_null(strstr(out, "problems"));
	/* In words: what TCP paid beside the clean link, what UDP lost. */
	assert_non_null(strstr(out, "loss10   TCP delivered 100 of 100 requests, and paid for it "
				    "with 15 segments\n"));
	assert_non_null(strstr(out, "resent, a p99 of 400.000 ms (clean: 0.040)"));
	assert_non_null(strstr(out, "UDP lost 12 of 112 datagrams (10.7%), got 1"));
	/* TCP: everything delivered, 14 + 1 segments resent; UDP: its own count. */
	assert_non_null(strstr(out, "clean      tcp      100     100 (100.0%)        0      0"));
	assert_non_null(strstr(out, "loss10     tcp      100     100 (100.0%)       15      0"));
	assert_non_null(strstr(out, "loss10     udp      112      100 (89.3%)       12     12"
				    "      1      2      3"));
	assert_non_null(strstr(out, "0.030   400.000   25.000        -"));
	assert_non_null(strstr(out, "  delay20  skipped: needs netem"));
	assert_null(strstr(out, "delay20    tcp"));

	char text[1024] = "";
	FILE *f = fopen(data, "r");
	assert_non_null(f);
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	assert_non_null(strstr(text, "\n0 0.020 0.040 0.025 0.019 0.041 0.020 1.0000 1.0000\n"));
	assert_non_null(strstr(text, "\n10 0.030 400.000 25.000 0.021 0.410 20.000 1.0000 0.8929\n"));

	/* Markdown, and a directory that is not a run. */
	mem = fmemopen(out, sizeof out, "w");
	assert_int_equal(netlab_report(runs, 1, true, mem, NULL, &how, &e), 0);
	fclose(mem);
	assert_non_null(strstr(out, "| loss10 | udp | 112 | 100 (89.3%) | 12 | 12 | 1 | 2 | 3 |"));
	assert_int_equal(netlab_report(cleans, 1, false, stdout, NULL, &how, &e), -1);
	assert_non_null(strstr(e.msg, "conditions.tsv"));

	/* Two runs: the findings give each figure's spread (a second run of
	 * loss10 only, with other figures). */
	char run2[600], lossy2[700];
	snprintf(run2, sizeof run2, "%s/run2", env->dir);
	snprintf(lossy2, sizeof lossy2, "%s/loss10", run2);
	assert_int_equal(mkdir(run2, 0700), 0);
	assert_int_equal(mkdir(lossy2, 0700), 0);
	put_file(run2, "conditions.tsv", "loss10\t10\t0\t0\t0\tnftables\n");
	put_file(lossy2, "tcp_latency.csv", HEADER
		 "latency,tcp,greeting,16,100,1,none,1,30,300,250000,500000,600000,25,5,3,2,0,50,"
		 "0,0,0,REMOTE\n");
	put_file(lossy2, "udp_latency.csv", HEADER
		 "latency,udp,greeting,15,100,1,none,1,21,30,410,500,600,25,5,3,2,0,50,0,8,0,"
		 "REMOTE LOSSY sent=108 lost=8 resent=8 dup=0 reordered=0 late=0\n");
	snmp_with(lossy2, "snmp_client_before", 0);
	snmp_with(lossy2, "snmp_client_after", 9);
	snmp_with(lossy2, "snmp_server_before", 0);
	snmp_with(lossy2, "snmp_server_after", 0);
	const char *both[] = { run, run2 };
	mem = fmemopen(out, sizeof out, "w");
	assert_int_equal(netlab_report(both, 2, true, mem, NULL, &how, &e), 0);
	fclose(mem);
	assert_non_null(strstr(out, "Over 2 runs: TCP resent 9 to 15 segments, p99 250.000 to "
				    "400.000 ms, 20.000 to 25.000 ms per request; UDP lost 7.4 to "
				    "10.7% of its datagrams, p99 0.410 ms, 20.000 ms per request.\n"));
	assert_null(strstr(out, "Over 1 runs")); /* clean: in one run only */
	const char *const files2[] = { "loss10/tcp_latency.csv", "loss10/udp_latency.csv",
		"loss10/snmp_client_before", "loss10/snmp_client_after",
		"loss10/snmp_server_before", "loss10/snmp_server_after", "conditions.tsv" };
	for (size_t i = 0; i < sizeof files2 / sizeof files2[0]; i++) {
		char path2[800];
		snprintf(path2, sizeof path2, "%s/%s", run2, files2[i]);
		assert_int_equal(unlink(path2), 0);
	}
	assert_int_equal(rmdir(lossy2), 0);
	assert_int_equal(rmdir(run2), 0);

	/* A row that failed: UDP's latency never finished, TCP's load did not
	 * either; both are in the table with what they measured, the run's
	 * exit status is 0 unless strict. */
	char path[700];
	snprintf(path, sizeof path, "%s/udp_latency.csv", lossy);
	assert_int_equal(unlink(path), 0);
	put_file(lossy, "problems.tsv", "udp latency\texited with status 4: no reply in time\n"
		 "tcp load\texited with status 7: connection 2: the server closed it\n"
		 "udp server\tthe udp server exited during this condition (status 137)\n");
	mem = fmemopen(out, sizeof out, "w");
	assert_int_equal(netlab_report(runs, 1, false, mem, NULL, &how, &e), 0);
	fclose(mem);
	assert_int_equal(how.measured, 3);
	assert_int_equal(how.failed, 2);
	assert_int_equal(netlab_exit_status(&how, false), 0);
	assert_int_equal(netlab_exit_status(&how, true), 1);
	assert_non_null(strstr(out, "loss10     udp  failed, see below\n"));
	assert_non_null(strstr(out, "  25.000   failed\n")); /* TCP: latency kept, load failed */
	assert_non_null(strstr(out, "problems (the run went on"));
	assert_non_null(strstr(out, "  loss10   tcp tcp load: exited with status 7: connection 2:"));
	assert_non_null(strstr(out, "  loss10   udp udp latency: exited with status 4: no reply"));
	mem = fmemopen(out, sizeof out, "w"); /* Markdown: one line each, unwrapped */
	assert_int_equal(netlab_report(runs, 1, true, mem, NULL, &how, &e), 0);
	fclose(mem);
	assert_non_null(strstr(out, "- loss10 udp: udp latency: exited with status 4: no reply in "
				    "time (then: udp server; see its problems.tsv)\n"));
	assert_non_null(strstr(out, "| loss10 | udp | failed, see below |"));
	assert_non_null(strstr(out, "UDP's row failed"));
	snprintf(path, sizeof path, "%s/problems.tsv", lossy);
	assert_int_equal(unlink(path), 0);
	struct netlab_outcome none = { .rows = 4 };
	assert_int_equal(netlab_exit_status(&none, false), 1); /* nothing measured */

	const char *const files[] = { "clean/tcp_latency.csv", "clean/udp_latency.csv",
		"clean/tcp_load.csv", "clean/snmp_client_before", "clean/snmp_client_after",
		"clean/snmp_server_before", "clean/snmp_server_after", "loss10/tcp_latency.csv",
		"loss10/snmp_client_before", "loss10/snmp_client_after",
		"loss10/snmp_server_before", "loss10/snmp_server_after", "conditions.tsv",
		"netlab.dat" };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[700];
		snprintf(path, sizeof path, "%s/%s", run, files[i]);
		assert_int_equal(unlink(path), 0);
	}
	assert_int_equal(rmdir(clean), 0);
	assert_int_equal(rmdir(lossy), 0);
	assert_int_equal(rmdir(run), 0);
}

/* The run's files are read as every run's are (analysis/reader.c): a link
 * is not followed, and a condition cannot name a folder outside the run. */
static void test_table_reads_beneath_the_run(void **state)
{
	ENV;
	char run[512], real[600], link_to[600], out[4096];
	struct ipc_error e = { 0 };
	struct netlab_outcome how;
	const char *runs[] = { run };
	snprintf(run, sizeof run, "%s/run", env->dir);
	snprintf(real, sizeof real, "%s/elsewhere.tsv", env->dir);
	snprintf(link_to, sizeof link_to, "%s/conditions.tsv", run);
	assert_int_equal(mkdir(run, 0700), 0);
	put_file(env->dir, "elsewhere.tsv", "clean\t0\t0\t0\t0\tnone\n");
	assert_int_equal(symlink(real, link_to), 0);
	FILE *mem = fmemopen(out, sizeof out, "w");
	assert_non_null(mem);
	assert_int_equal(netlab_report(runs, 1, false, mem, NULL, &how, &e), -1);
	assert_non_null(strstr(e.msg, "conditions.tsv is a symbolic link (not followed)"));
	assert_int_equal(unlink(link_to), 0);

	put_file(run, "conditions.tsv", "..\t0\t0\t0\t0\tnone\n");
	e = (struct ipc_error){ 0 };
	assert_int_equal(netlab_report(runs, 1, false, mem, NULL, &how, &e), -1);
	assert_non_null(strstr(e.msg, "would leave its folder"));
	put_file(run, "conditions.tsv", "# nothing\n");
	assert_int_equal(netlab_report(runs, 1, false, mem, NULL, &how, &e), -1);
	assert_non_null(strstr(e.msg, "conditions.tsv: no condition"));
	fclose(mem);
	assert_int_equal(unlink(link_to), 0);
	assert_int_equal(rmdir(run), 0);
	assert_int_equal(unlink(real), 0);
}

/* ---- bench/netlab.sh without root --------------------------------------- */

static bool can_run(const char *path)
{
	return access(path, X_OK) == 0;
}

static void test_netlab_without_root(void **state)
{
	ENV;
	char out[4096], err[4096];
	const char *unshare = can_run("/usr/bin/unshare") ? "/usr/bin/unshare" : "/bin/unshare";
	/* As root: a new user namespace with no mapping makes this process
	 * "nobody" with no privilege over the host's network; as anyone else
	 * the script runs as it is. */
	const char *as_root[] = { unshare, "--user", "/bin/bash", "bench/netlab.sh", NULL };
	const char *as_user[] = { "/bin/bash", "bench/netlab.sh", NULL };
	const char *const *argv = geteuid() == 0 ? as_root : as_user;

	if (geteuid() == 0 && !can_run(unshare))
		skip();
	int rc = test_run_argv(env, NULL, out, sizeof out, err, sizeof err, argv);
	if (geteuid() == 0 && rc != 0 && strstr(err, "unshare"))
		skip(); /* user namespaces are switched off here */
	assert_int_equal(rc, 0);
	assert_non_null(strstr(err, "netlab: skipped: building the lab needs root"));
	assert_non_null(strstr(err, "sudo make netlab"));
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tally_clean),
		cmocka_unit_test(test_tally_dup_late_reordered),
		cmocka_unit_test(test_snmp_counter),
		cmocka_unit_test(test_parse_note_and_condition),
		cmocka_unit_test(test_note_problem),
		cmocka_unit_test(test_holdq_order_and_bound),
		cmocka_unit_test(test_holdq_plan),
		cmocka_unit_test_setup_teardown(test_latency_counts_every_datagram, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_latency_address_tcp, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_latency_address_udp, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_latency_address_usage, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_table, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_table_reads_beneath_the_run, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_netlab_without_root, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_netdelay_usage, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_netdelay_delays, test_env_setup,
						netdelay_teardown),
		cmocka_unit_test_setup_teardown(test_netdelay_reorders, test_env_setup,
						netdelay_teardown),
		cmocka_unit_test_setup_teardown(test_netdelay_stop_releases, test_env_setup,
						netdelay_teardown),
		cmocka_unit_test_setup_teardown(test_netdelay_parent_dies, test_env_setup,
						netdelay_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
