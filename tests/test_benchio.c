/*
 * test_benchio.c - the benchmarks' small helpers (bench/harness.c) seen
 * from outside: a read that must collect a whole message however the
 * kernel slices it, and the figures of a row from what was counted.
 *
 * A SOCK_SEQPACKET socket pair hands back one record per read(), so a
 * message sent as several records comes in as several short reads, every
 * time: the slicing is fixed, not left to timing.
 */
#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "bench.h"

static void send_records(int fd, const char *const *rec)
{
	for (; *rec; rec++)
		assert_int_equal(send(fd, *rec, strlen(*rec), 0), (ssize_t)strlen(*rec));
}

/* Whole messages out of records of any size; the end of the stream
 * before a message is 0, in its middle -1 with errno 0. */
static void test_read_exact_collects_slices(void **state)
{
	(void)state;
	static const struct {
		const char *rec[6];
		size_t want;      /* bytes asked for */
		int rc;           /* bench_read_exact's answer */
		const char *got;  /* what the buffer then holds */
	} c[] = {
		{ { "abcd", "efgh", "ij", NULL }, 10, 1, "abcdefghij" },
		{ { "a", "b", "c", "d", "e", NULL }, 5, 1, "abcde" },
		{ { "abcdefghij", NULL }, 10, 1, "abcdefghij" },
		/* A record longer than what is still wanted: only that much is
		 * taken (the rest of the record is dropped), not a byte more. */
		{ { "abc", "defghij", NULL }, 6, 1, "abcdef" },
		{ { "abc", NULL }, 5, -1, "abc" },
		{ { NULL }, 4, 0, "" },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		int sv[2];
		assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
		send_records(sv[0], c[i].rec);
		assert_int_equal(close(sv[0]), 0);
		/* The message lands in the middle of a larger buffer, whose
		 * edges must stay untouched. */
		char buf[64];
		memset(buf, '#', sizeof buf);
		errno = EAGAIN;
		int rc = bench_read_exact(sv[1], buf + 16, c[i].want);
		assert_int_equal(rc, c[i].rc);
		if (rc < 0)
			assert_int_equal(errno, 0);
		size_t n = strlen(c[i].got);
		if (memcmp(buf + 16, c[i].got, n))
			fail_msg("case %zu: '%.*s', not '%s'", i, (int)n, buf + 16, c[i].got);
		for (size_t k = 0; k < 16; k++)
			assert_int_equal(buf[k], '#');
		for (size_t k = 16 + n; k < sizeof buf; k++)
			assert_int_equal(buf[k], '#');
		assert_int_equal(close(sv[1]), 0);
	}
	/* Two messages back to back: each read takes its own. */
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	static const char *const two[] = { "12", "34", "56", "78", NULL };
	send_records(sv[0], two);
	assert_int_equal(close(sv[0]), 0);
	char a[4], b[4];
	assert_int_equal(bench_read_exact(sv[1], a, 4), 1);
	assert_int_equal(bench_read_exact(sv[1], b, 4), 1);
	assert_memory_equal(a, "1234", 4);
	assert_memory_equal(b, "5678", 4);
	assert_int_equal(bench_read_exact(sv[1], a, 4), 0);
	assert_int_equal(close(sv[1]), 0);
}

/* bench_write_all: every byte, in order, read back whole. */
static void test_write_all_then_read(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	char msg[3000], back[3000];
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (char)(i * 7 + 3);
	assert_int_equal(bench_write_all(sv[0], msg, sizeof msg), 0);
	assert_int_equal(bench_write_all(sv[0], msg, 0), 0);
	assert_int_equal(close(sv[0]), 0);
	assert_int_equal(bench_read_exact(sv[1], back, sizeof back), 1);
	assert_memory_equal(msg, back, sizeof msg);
	assert_int_equal(bench_read_exact(sv[1], back, 1), 0);
	assert_int_equal(close(sv[1]), 0);
}

/* MB/s is 10^6 bytes a second over the bytes and the time counted (not
 * MiB, not per ms); the cost per operation adds the server's usage to the
 * client's. */
static void test_row_figures_table(void **state)
{
	(void)state;
	static const struct {
		unsigned long long bytes;
		uint64_t ns;
		double mb;
	} c[] = {
		{ 1000000, 1000000000ull, 1.0 },
		{ 1048576, 1000000000ull, 1.048576 },
		{ 5000000, 2500000000ull, 2.0 },
		{ 65536ull * 100000, 1000000000ull, 6553.6 },
		{ 1, 1, 1000.0 },
		{ 0, 1000, 0.0 },
		{ 999, 0, 0.0 },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
		assert_float_equal(bench_mb_per_s(c[i].bytes, c[i].ns), c[i].mb, 1e-9 * (1 + c[i].mb));
	static const struct {
		double c0, c1, s_cpu, w0, w1, s_w;
		unsigned long ops;
		double cpu, sw;
	} k[] = {
		{ 100, 400, 500, 10, 30, 20, 100, 8.0, 0.4 },
		{ 0, 50, 0, 0, 4, 0, 2, 25.0, 2.0 },
		{ 0, 0, 90, 0, 0, 6, 3, 30.0, 2.0 },
		{ 10, 20, 30, 1, 2, 3, 0, 40.0, 4.0 }, /* no operation: per one */
	};
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		struct bench_usage u0 = { .cpu_us = k[i].c0, .ctxsw = k[i].w0 };
		struct bench_usage u1 = { .cpu_us = k[i].c1, .ctxsw = k[i].w1 };
		struct bench_child_report server = { .cpu_us = k[i].s_cpu, .ctxsw = k[i].s_w };
		double cpu = -1, sw = -1;
		bench_cost(&u0, &u1, &server, k[i].ops, &cpu, &sw);
		assert_float_equal(cpu, k[i].cpu, 1e-12);
		assert_float_equal(sw, k[i].sw, 1e-12);
	}
}


/* The end of a latency run over made-up round trips (ns): each figure in
 * µs by nearest rank, computed here; the samples written in the order they
 * were measured; the notes a row earns (HIGH-SPREAD only above 3x p50;
 * UNPINNED only unpinned). */
static void test_finish_latency_figures(void **state)
{
	struct test_env *env = *state;
	static const struct {
		int pin0, pin1;
		unsigned long tail_ns; /* the slowest 2 % of the round trips */
		bool spread, unpinned;
	} c[] = {
		{ 0, 1, 6000, false, false },  /* p99 exactly 3x p50: not above */
		{ 0, 1, 6001, true, false },
		{ -1, -1, 2500, false, true },
		{ 2, 2, 60000, true, false },
	};
	for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
		enum { N = 100 };
		uint64_t ns[N];
		double us[N], want[N];
		/* 98 round trips of 1,020 to 2,960 ns in shuffled order (p50 2 µs), then the tail. */
		for (size_t i = 0; i < N; i++) {
			ns[i] = i < 98 ? 1020 + 20 * ((i * 37) % 98) : c[k].tail_ns;
			want[i] = (double)ns[i] / 1000;
		}
		double sorted[N];
		memcpy(sorted, want, sizeof sorted);
		for (size_t a = 1; a < N; a++)
			for (size_t b = a; b > 0 && sorted[b - 1] > sorted[b]; b--) {
				double t = sorted[b];
				sorted[b] = sorted[b - 1];
				sorted[b - 1] = t;
			}
		double sum = 0;
		for (size_t i = 0; i < N; i++)
			sum += want[i];
		char path[IPC_PATH_MAX + 16];
		snprintf(path, sizeof path, "%s/samples.txt", env->dir);
		struct bench_opts o = { .pin = { c[k].pin0, c[k].pin1 }, .samples_path = path };
		struct bench_result r;
		struct ipc_error e = { 0 };
		bench_result_init(&r, &o, "latency");
		assert_int_equal(bench_finish_latency(&r, &o, ns, us, N, &e), 0);
		const struct stats *s = &r.row.lat_us;
		assert_int_equal(s->n, N);
		/* Nearest rank: p50 the 50th, p90 the 90th, p99 the 99th value. */
		assert_float_equal(s->min, sorted[0], 1e-9);
		assert_float_equal(s->p50, sorted[49], 1e-9);
		assert_float_equal(s->p90, sorted[89], 1e-9);
		assert_float_equal(s->p99, sorted[98], 1e-9);
		assert_float_equal(s->p999, sorted[99], 1e-9);
		assert_float_equal(s->max, sorted[99], 1e-9);
		assert_float_equal(s->mean, sum / N, 1e-9);
		assert_true((strstr(r.note, "HIGH-SPREAD") != NULL) == c[k].spread);
		assert_true((strstr(r.note, "UNPINNED") != NULL) == c[k].unpinned);
		assert_null(strstr(r.note, "TWO-LEVEL")); /* too few to judge */
		char pin[24];
		if (c[k].pin0 < 0)
			snprintf(pin, sizeof pin, "none");
		else
			snprintf(pin, sizeof pin, "%d,%d", c[k].pin0, c[k].pin1);
		assert_string_equal(r.row.pin, pin);
		/* The samples file: every round trip in µs, in measurement order. */
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		for (size_t i = 0; i < N; i++) {
			double v;
			assert_int_equal(fscanf(f, "%lf", &v), 1);
			assert_float_equal(v, want[i], 1e-9);
		}
		double extra;
		assert_int_equal(fscanf(f, "%lf", &extra), EOF);
		assert_int_equal(fclose(f), 0);
		assert_int_equal(unlink(path), 0);
	}
}


/* What bench_latency refuses before it measures anything, each with a
 * usage error that names the option: a server elsewhere (--address) takes
 * no --size and no --pin on either side; no --count; a datagram larger
 * than the transport carries; a message over the largest size. */
static void test_latency_refusals_table(void **state)
{
	struct test_env *env = *state;
	static const struct {
		const char *t, *address;
		size_t size;
		int pin0, pin1;
		unsigned long count;
		const char *words;
	} c[] = {
		{ "tcp", "127.0.0.1:1", 0, 0, -1, 10, "--address with --pin" },
		{ "tcp", "127.0.0.1:1", 0, -1, 0, 10, "--address with --pin" },
		{ "tcp", "127.0.0.1:1", 0, 0, 1, 10, "--address with --pin" },
		{ "tcp", "127.0.0.1:1", 64, -1, -1, 10, "--address with --size" },
		{ "pipe", "x", 0, -1, -1, 10, "cannot be reached by address" },
		{ "tcp", NULL, 0, -1, -1, 0, "--count must be at least 1" },
		{ "udp", NULL, 65508, -1, -1, 10, "--size 65508" },
		{ "tcp", NULL, BENCH_MAX_SIZE + 1, -1, -1, 10, "at most" },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		const struct ipc_transport *t = ipc_transport_find(c[i].t);
		assert_non_null(t);
		struct bench_opts o = { .t = t, .ctx = &env->ctx, .address = c[i].address,
					.size = c[i].size, .pin = { c[i].pin0, c[i].pin1 },
					.count = c[i].count };
		struct bench_result r;
		struct ipc_error e = { 0 };
		assert_int_equal(bench_latency(&o, &r, &e), -1);
		if (e.status != IPC_USAGE || !strstr(e.msg, c[i].words))
			fail_msg("case %zu: status %d, '%s': not a usage error saying '%s'", i,
				 e.status, e.msg, c[i].words);
	}
}


/* `ipclab bench summarize`: times in any unit to µs, nearest-rank
 * figures, the rate from the mean, more than one buffer's worth of lines;
 * a line that is not one non-negative number is refused by its number. */
static void test_summarize_table(void **state)
{
	(void)state;
	/* 3000 times of 1..3000 ms: p50 the 1500th, p99 the 2970th. */
	char *text = NULL;
	size_t len = 0;
	FILE *w = open_memstream(&text, &len);
	assert_non_null(w);
	for (int i = 3000; i >= 1; i--)
		fprintf(w, i % 7 ? "%d\n" : "  %d \t\r\n", i);
	assert_int_equal(fclose(w), 0);
	FILE *in = fmemopen(text, len, "r");
	assert_non_null(in);
	struct bench_result r;
	struct ipc_error e = { 0 };
	assert_int_equal(bench_summarize(in, 1e-3, "process", "fifo", 16, "", NULL, &r, &e), 0);
	fclose(in);
	free(text);
	assert_int_equal(r.row.count, 3000);
	assert_string_equal(r.row.pin, "none");
	assert_float_equal(r.row.lat_us.min, 1000, 1e-6);
	assert_float_equal(r.row.lat_us.p50, 1500000, 1e-6);
	assert_float_equal(r.row.lat_us.p99, 2970000, 1e-6);
	assert_float_equal(r.row.lat_us.max, 3000000, 1e-6);
	assert_float_equal(r.row.lat_us.mean, 1500500, 1e-3);
	assert_float_equal(r.row.msgs_per_s, 1e6 / 1500500, 1e-12);
	assert_null(strstr(r.note, "HIGH-SPREAD")); /* p99 under 3x p50 */

	/* Spread: p99 over 3x p50 is noted. */
	const char spread[] = "1\n1\n1\n1\n1\n1\n1\n1\n1\n4\n";
	in = fmemopen((void *)spread, sizeof spread - 1, "r");
	assert_non_null(in);
	assert_int_equal(bench_summarize(in, 1, "process", "tcp", 0, NULL, NULL, &r, &e), 0);
	fclose(in);
	assert_non_null(strstr(r.note, "HIGH-SPREAD"));
	const char flat[] = "1\n1\n1\n1\n1\n1\n1\n1\n1\n3\n";
	in = fmemopen((void *)flat, sizeof flat - 1, "r");
	assert_non_null(in);
	assert_int_equal(bench_summarize(in, 1, "process", "tcp", 0, NULL, NULL, &r, &e), 0);
	fclose(in);
	assert_null(strstr(r.note, "HIGH-SPREAD"));

	static const struct {
		const char *text;
		unsigned long line;
	} bad[] = {
		{ "1\n-2\n", 2 }, { "1\n2\n3 4\n", 3 }, { "1e301\n", 1 }, { "nan\n", 1 },
		{ "# c\n\n5ms\n", 3 }, { "inf\n", 1 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		in = fmemopen((void *)bad[i].text, strlen(bad[i].text), "r");
		assert_non_null(in);
		int rc = bench_summarize(in, 1, "process", "tcp", 0, NULL, NULL, &r, &e);
		fclose(in);
		assert_int_equal(rc, -1);
		assert_int_equal(e.status, IPC_USAGE);
		char want[32];
		snprintf(want, sizeof want, "line %lu is not a time", bad[i].line);
		if (!strstr(e.msg, want))
			fail_msg("case %zu: '%s' does not say '%s'", i, e.msg, want);
	}
}

/* The value of CSV column `name` in the first row of `out` (the header
 * starts with "kind"; "# " lines skipped); fields split at commas outside
 * quotes, the quotes kept off. */
static void csv_value(const char *out, const char *name, char *val, size_t cap)
{
	char buf[16384];
	snprintf(buf, sizeof buf, "%s", out);
	char *rows[2] = { NULL, NULL };
	size_t nr = 0;
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l && nr < 2;
	     l = strtok_r(NULL, "\n", &save))
		if (l[0] != '#')
			rows[nr++] = l;
	assert_int_equal(nr, 2);
	char *head[40], *cell[40];
	size_t nh = 0, nc = 0;
	for (char *save = NULL, *t = strtok_r(rows[0], ",", &save); t && nh < 40;
	     t = strtok_r(NULL, ",", &save))
		head[nh++] = t;
	for (char *p = rows[1]; nc < 40;) {
		bool q = *p == '"';
		char *end = q ? strchr(p + 1, '"') + 1 : p;
		end = strchr(end, ',');
		cell[nc++] = p;
		if (!end)
			break;
		*end = '\0';
		p = end + 1;
	}
	val[0] = '\0';
	for (size_t i = 0; i < nh && i < nc; i++)
		if (!strcmp(head[i], name)) {
			char *v = cell[i];
			size_t l = strlen(v);
			if (l >= 2 && v[0] == '"') {
				v++;
				l -= 2;
			}
			snprintf(val, cap, "%.*s", (int)l, v);
			return;
		}
	fail_msg("no column %s", name);
}

/* The command line's units: --unit scales what summarize reads; --size
 * takes K, M, G as powers of 1024; --pin A,B puts the client on A, the
 * server on B, in that order. */
static void test_cli_units_and_pins(void **state)
{
	struct test_env *env = *state;
	static char out[16384], err[4096];
	char val[64];
	static const struct {
		const char *unit, *p50;
	} units[] = { { "s", "2000000.000" }, { "ms", "2000.000" }, { "us", "2.000" },
		      { "ns", "0.002" } };
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		int rc = test_run_cli(env, "1\n2\n3\n", out, sizeof out, err, sizeof err, "bench",
				      "summarize", "--kind", "process", "--transport", "tcp",
				      "--unit", units[i].unit, "--format", "csv", NULL);
		if (rc)
			fail_msg("--unit %s: exit %d: %s", units[i].unit, rc, err);
		csv_value(out, "p50_us", val, sizeof val);
		assert_string_equal(val, units[i].p50);
		csv_value(out, "count", val, sizeof val);
		assert_string_equal(val, "3");
	}
	static const struct {
		const char *size, *bytes;
	} sizes[] = { { "2k", "2048" }, { "1KiB", "1024" }, { "3000", "3000" }, { "1m", "1048576" } };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "throughput", "pipe", "--size", sizes[i].size, "--total", "4M",
				      "--format", "csv", NULL);
		if (rc)
			fail_msg("--size %s: exit %d: %s", sizes[i].size, rc, err);
		csv_value(out, "size", val, sizeof val);
		assert_string_equal(val, sizes[i].bytes);
	}
	int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "latency", "pipe",
			      "--count", "20", "--warmup", "0", "--pin", "1,0", "--format", "csv",
			      NULL);
	if (rc)
		fail_msg("--pin 1,0: exit %d: %s", rc, err);
	csv_value(out, "pin", val, sizeof val);
	assert_string_equal(val, "1,0");
	static const char *const bad[] = { "1", "1,", "-1,0", "0,1,2", "a,b", "0;1" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "latency",
				  "pipe", "--pin", bad[i], NULL);
		assert_int_equal(rc, IPC_USAGE);
		assert_non_null(strstr(err, "--pin wants two CPU numbers"));
	}
	static const char *const bad_size[] = { "2q", "-1", "k", "1.5k" };
	for (size_t i = 0; i < sizeof bad_size / sizeof bad_size[0]; i++) {
		rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "throughput",
				  "pipe", "--size", bad_size[i], NULL);
		assert_int_equal(rc, IPC_USAGE);
		assert_non_null(strstr(err, bad_size[i]));
	}
}

/* ---- a greeting server played by the test (UDP, on loopback) ------------ */

struct fake_udp {
	int fd;
	size_t extra;          /* bytes added after the right reply */
	unsigned drop;         /* requests left unanswered first */
	bool twice;            /* every answer sent twice */
	atomic_int stop;
};

static void *fake_udp_serve(void *arg)
{
	struct fake_udp *f = arg;
	while (!atomic_load(&f->stop)) {
		char req[256], reply[512];
		struct sockaddr_storage from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(f->fd, req, sizeof req, 0, (struct sockaddr *)&from, &fl);
		if (n <= 0)
			continue; /* the receive time-out: look at stop again */
		if (f->drop) {
			f->drop--;
			continue;
		}
		int len = snprintf(reply, sizeof reply, "Hello, %.*s\n", (int)n, req);
		memset(reply + len, 'x', f->extra);
		/* A reply the kernel refuses is a lost datagram: the client resends. */
		for (int k = 0; k < 1 + f->twice; k++)
			(void)sendto(f->fd, reply, (size_t)len + f->extra, 0, (struct sockaddr *)&from,
				     fl);
	}
	return NULL;
}

/* A server elsewhere (--address) that answers each greeting right is
 * measured; one whose replies carry bytes past the greeting's end is a
 * protocol error, even though the greeting inside them is right. */
static void test_remote_udp_reply_length(void **state)
{
	struct test_env *env = *state;
	for (size_t extra = 0; extra <= 3; extra += 3) {
		struct fake_udp f = { .extra = extra };
		f.fd = socket(AF_INET, SOCK_DGRAM, 0);
		assert_true(f.fd >= 0);
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		assert_int_equal(bind(f.fd, (struct sockaddr *)&a, sizeof a), 0);
		socklen_t al = sizeof a;
		assert_int_equal(getsockname(f.fd, (struct sockaddr *)&a, &al), 0);
		struct timeval tv = { .tv_usec = 50000 };
		assert_int_equal(setsockopt(f.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
		pthread_t th;
		assert_int_equal(pthread_create(&th, NULL, fake_udp_serve, &f), 0);

		char addr[64];
		snprintf(addr, sizeof addr, "127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
		struct bench_opts o = { .t = ipc_transport_find("udp"), .ctx = &env->ctx,
					.address = addr, .count = 5, .warmup = 0,
					.pin = { -1, -1 } };
		assert_non_null(o.t);
		struct bench_result r;
		struct ipc_error e = { 0 };
		int rc = bench_latency(&o, &r, &e);
		atomic_store(&f.stop, 1);
		assert_int_equal(pthread_join(th, NULL), 0);
		assert_int_equal(close(f.fd), 0);
		if (!extra) {
			if (rc != 0)
				fail_msg("against a right server: %s", e.msg);
			assert_int_equal(r.row.count, 5);
			assert_int_equal(r.row.lost, 0);
			assert_true(r.row.lat_us.p50 > 0);
		} else {
			assert_int_equal(rc, -1);
			assert_int_equal(e.status, IPC_PROTOCOL);
			if (!strstr(e.msg, "not the reply to any request"))
				fail_msg("'%s'", e.msg);
		}
	}
}

/* Requests the server leaves unanswered are sent again after the wait;
 * past twice the round trips planned, the record of sends answered grows,
 * and every send is accounted for: answered, lost, or answered twice. */
static void test_remote_udp_resends(void **state)
{
	struct test_env *env = *state;
	static const struct {
		unsigned long count;
		unsigned drop;
		bool twice;
	} c[] = { { 1, 2, false }, { 1, 5, false }, { 3, 7, false }, { 4, 5, true } };
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct fake_udp f = { .drop = c[i].drop, .twice = c[i].twice };
		f.fd = socket(AF_INET, SOCK_DGRAM, 0);
		assert_true(f.fd >= 0);
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		assert_int_equal(bind(f.fd, (struct sockaddr *)&a, sizeof a), 0);
		socklen_t al = sizeof a;
		assert_int_equal(getsockname(f.fd, (struct sockaddr *)&a, &al), 0);
		struct timeval tv = { .tv_usec = 20000 };
		assert_int_equal(setsockopt(f.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
		pthread_t th;
		assert_int_equal(pthread_create(&th, NULL, fake_udp_serve, &f), 0);
		char addr[64];
		snprintf(addr, sizeof addr, "127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
		struct bench_opts o = { .t = ipc_transport_find("udp"), .ctx = &env->ctx,
					.address = addr, .count = c[i].count, .warmup = 0,
					.pin = { -1, -1 }, .dgram_timeout_ms = 30 };
		assert_non_null(o.t);
		struct bench_result r;
		struct ipc_error e = { 0 };
		int rc = bench_latency(&o, &r, &e);
		atomic_store(&f.stop, 1);
		assert_int_equal(pthread_join(th, NULL), 0);
		assert_int_equal(close(f.fd), 0);
		if (rc != 0)
			fail_msg("case %zu: %s", i, e.msg);
		assert_int_equal(r.row.count, c[i].count);
		/* The dropped sends are the lost ones, each resent. */
		assert_int_equal(r.row.lost, c[i].drop);
		char words[96];
		/* Each answer twice: every second copy a duplicate, none taken for
		 * late, even those of sends made before the tally grew. */
		snprintf(words, sizeof words, "sent=%lu lost=%u resent=%u dup=%lu reordered=0 late=0",
			 c[i].count + c[i].drop, c[i].drop, c[i].drop, c[i].twice ? c[i].count : 0);
		if (!strstr(r.note, words))
			fail_msg("case %zu: '%s' has no '%s'", i, r.note, words);
	}
}

/* A datagram stream, every byte checked: the receiver compares each
 * datagram past its sequence number with the pattern, and a run of
 * undamaged datagrams passes (unix_dgram waits instead of dropping, so
 * nothing is lost; udp may lose, never damage). */
static void test_cli_datagram_stream_checked(void **state)
{
	struct test_env *env = *state;
	static char out[16384], err[4096];
	static const struct {
		const char *t, *size;
	} c[] = { { "unix_dgram", "1000" }, { "unix_dgram", "9" }, { "udp", "1024" } };
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "throughput", c[i].t, "--size", c[i].size, "--total", "64k",
				      "--format", "csv", NULL);
		if (rc)
			fail_msg("%s --size %s: exit %d: %s", c[i].t, c[i].size, rc, err);
		char val[64];
		csv_value(out, "size", val, sizeof val);
		assert_string_equal(val, c[i].size);
		csv_value(out, "note", val, sizeof val);
		assert_null(strstr(val, "UNVERIFIED"));
		if (!strcmp(c[i].t, "unix_dgram")) {
			csv_value(out, "lost", val, sizeof val);
			assert_string_equal(val, "0");
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_exact_collects_slices),
		cmocka_unit_test(test_write_all_then_read),
		cmocka_unit_test(test_row_figures_table),
		cmocka_unit_test(test_summarize_table),
		cmocka_unit_test_setup_teardown(test_finish_latency_figures, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_latency_refusals_table, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_cli_units_and_pins, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_remote_udp_reply_length, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_remote_udp_resends, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_cli_datagram_stream_checked, test_env_setup,
						test_env_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
