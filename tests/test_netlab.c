/*
 * test_netlab.c - what `make netlab` counts and tabulates: the UDP client's
 * tally of every datagram (lost, duplicated, reordered, late), the latency
 * benchmark against a server that misbehaves on purpose, the table of a
 * hand-made run directory, and `bench/netlab.sh` without root.
 */
#include "support.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "io.h"
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
	int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "latency",
			      transport, "--address", bg.addr, "--count", "20", "--warmup", "0",
			      "--timeout", "500", "--format", "csv", NULL);
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
	assert_non_null(mem);
	assert_int_equal(netlab_report(run, false, mem, data, &e), 0);
	fclose(mem);
	/* TCP: everything delivered, 14 + 1 segments resent; UDP: its own count. */
	assert_non_null(strstr(out, "clean      tcp      100     100 (100.0%)        0      0"));
	assert_non_null(strstr(out, "loss10     tcp      100     100 (100.0%)       15      0"));
	assert_non_null(strstr(out, "loss10     udp      112      100 (89.3%)       12     12"
				    "      1      2      3"));
	assert_non_null(strstr(out, "0.030   400.000   25.000        -"));
	assert_non_null(strstr(out, "delay20    skipped: needs netem"));
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
	assert_int_equal(netlab_report(run, true, mem, NULL, &e), 0);
	fclose(mem);
	assert_non_null(strstr(out, "| loss10 | udp | 112 | 100 (89.3%) | 12 | 12 | 1 | 2 | 3 |"));
	assert_int_equal(netlab_report(clean, false, stdout, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "conditions.tsv"));

	const char *const files[] = { "clean/tcp_latency.csv", "clean/udp_latency.csv",
		"clean/tcp_load.csv", "clean/snmp_client_before", "clean/snmp_client_after",
		"clean/snmp_server_before", "clean/snmp_server_after", "loss10/tcp_latency.csv",
		"loss10/udp_latency.csv", "loss10/snmp_client_before", "loss10/snmp_client_after",
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
		cmocka_unit_test_setup_teardown(test_latency_counts_every_datagram, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_latency_address_tcp, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_latency_address_udp, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_latency_address_usage, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_table, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_netlab_without_root, test_env_setup,
						test_env_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
