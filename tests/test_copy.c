/*
 * test_copy.c - the zero-copy ladder (`bench throughput --copy RUNG`,
 * bench/copy.c) and memcpy's ceiling: every rung delivers every byte in
 * order or fails, its receivers catch damage, MSG_ZEROCOPY's completions
 * are counted right, and a rung that does not fit is refused in words.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "copy.h"

#define ENV struct test_env *env = *state

static struct bench_opts opts(struct test_env *env, const struct ipc_transport *t, size_t size,
			      enum copy_rung rung)
{
	return (struct bench_opts){ .t = t, .ctx = &env->ctx, .size = size, .copy = rung,
				    .pin = { -1, -1 } };
}

/* Does the transport's descriptor fit the rung?  Asked of a run: the rung
 * refuses (IPC_USAGE) where it does not. */
static int run_rung(struct test_env *env, const struct ipc_transport *t, enum copy_rung rung,
		    size_t size, unsigned long long messages, int pin, struct bench_result *r,
		    struct ipc_error *e)
{
	struct bench_opts o = opts(env, t, size, rung);
	o.total = size * messages;
	o.pin[0] = o.pin[1] = -1;
	if (pin >= 0) { /* 0: one CPU; 1: two CPUs */
		o.pin[0] = 0;
		o.pin[1] = pin;
	}
	return bench_throughput(&o, r, e);
}

/* Every rung above rw, over every transport of the registry: where the
 * descriptor fits, every byte arrives (counted, and checked as far as the
 * rung lets the reader see it), on one CPU and on two, small and large;
 * where it does not, a refusal that says what the rung needs. */
static void test_rungs_deliver_or_refuse(void **state)
{
	ENV;
	static const size_t sizes[] = { 4096, 64 << 10, 1 << 20 };
	unsigned fits[COPY_RUNGS] = { 0 };

	test_deadline(90, "up to 54 runs of two processes under ASan: 7 s on a busy machine");

	for (int rung = COPY_VMSPLICE; rung < COPY_RUNGS; rung++) {
		const struct copy_rung_info *info = &copy_rungs[rung];
		for (size_t k = 0; ipc_transports[k]; k++) {
			const struct ipc_transport *t = ipc_transports[k];
			for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
				struct bench_result r;
				struct ipc_error e = { 0 };
				unsigned long long messages = sizes[s] == 1 << 20 ? 12 : 200;
				int pin = (int)(s % 2); /* sizes alternate one CPU, two CPUs */
				if (run_rung(env, t, (enum copy_rung)rung, sizes[s], messages, pin,
					     &r, &e) < 0) {
					if (e.status != IPC_USAGE)
						fail_msg("%s --copy %s --size %zu: %s", t->name,
							 info->name, sizes[s], e.msg);
					assert_true(strstr(e.msg, "needs a") ||
						    strstr(e.msg, "does not move its bytes") ||
						    strstr(e.msg, "datagram"));
					continue;
				}
				fits[rung]++;
				char want[64];
				snprintf(want, sizeof want, "%s-%s", t->name, info->name);
				assert_string_equal(r.row.transport, want);
				assert_int_equal(r.row.count, messages);
				assert_int_equal(r.row.lost, 0);
				assert_true(r.row.mb_per_s > 0);
				assert_true(r.row.cpu_ms_per_mb > 0);
				bool body_unseen = !info->seen;
				assert_int_equal(strstr(r.row.note, "TAGS-ONLY") != NULL, body_unseen);
				if (info->needs == COPY_TCP)
					assert_non_null(strstr(r.row.note, "ZC-COPIED="));
				assert_int_equal(strstr(r.row.note, "ZC-MAPPED=") != NULL,
						 rung == COPY_ZC);
			}
		}
	}
	/* The pipe and fifo transports move bytes through pipes, tcp through a
	 * TCP socket: each rung climbed by all three sizes of at least one. */
	for (int rung = COPY_VMSPLICE; rung < COPY_RUNGS; rung++)
		if (fits[rung] < 3)
			fail_msg("--copy %s ran over no transport at all three sizes",
				 copy_rungs[rung].name);
	assert_true(fits[COPY_VMSPLICE] >= 6); /* pipe and fifo */
}

/* shm's rungs with both sides spinning (--wait spin), as the ladder runs
 * them beside the sleeping ones: every byte arrives and is checked, on one
 * CPU and on two, at the sizes the ladder takes, and the row says it spun
 * (shm-spin, shm-peek-spin, shm-inplace-spin). */
static void test_ring_rungs_spinning(void **state)
{
	ENV;
	extern const struct ipc_transport shm_transport;
	static const size_t sizes[] = { 64 << 10, 1 << 20 };
	static const enum copy_rung rungs[] = { COPY_RW, COPY_PEEK, COPY_INPLACE };

	test_deadline(60, "12 runs of two processes, spinning, under ASan");
	env->ctx.wait = IPC_WAIT_SPIN;
	for (size_t k = 0; k < sizeof rungs / sizeof rungs[0]; k++)
		for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
			for (int pin = 0; pin < 2; pin++) {
				struct bench_result r;
				struct ipc_error e = { 0 };
				unsigned long long messages = sizes[s] == 1 << 20 ? 12 : 64;
				if (run_rung(env, &shm_transport, rungs[k], sizes[s], messages, pin, &r,
					     &e) < 0)
					fail_msg("shm --wait spin --copy %s --size %zu on %s: %s",
						 copy_rungs[rungs[k]].name, sizes[s],
						 pin ? "two CPUs" : "one CPU", e.msg);
				char want[64];
				snprintf(want, sizeof want, rungs[k] == COPY_RW ? "shm-spin" : "shm-%s-spin",
					 copy_rungs[rungs[k]].name);
				assert_string_equal(r.row.transport, want);
				assert_int_equal(r.row.count, messages);
				assert_int_equal(r.row.lost, 0);
				assert_true(r.row.mb_per_s > 0);
				assert_null(strstr(r.row.note, "TAGS-ONLY"));
				assert_null(strstr(r.row.note, "UNVERIFIED"));
			}
	env->ctx.wait = IPC_WAIT_BLOCK;
}

/* The ladder step of a quick run: shm's spinning rows (the bottom rung too)
 * at both sizes, each into a file of its own under ladder/, right after the
 * memcpy row they are held to; the sleeping rungs as before. */
static void test_plan_spinning_rows(void **state)
{
	ENV;
	static char plan[1 << 17], err[4096];
	int rc = test_run_cli(env, NULL, plan, sizeof plan, err, sizeof err, "bench", "plan",
			      "throughput", env->dir, "--quick", NULL);
	if (rc != 0)
		fail_msg("bench plan throughput: exit %d: %s", rc, err);
	static const char *const sizes[] = { "65536", "1048576" };
	int spin_rows = 0;
	for (const char *p = plan; (p = strstr(p, "\tladder/shm-")); p++) {
		const char *spin = strstr(p, "-spin_"), *end = strchr(p, '\n');
		spin_rows += spin && end && spin < end; /* splice-spin: not shm's */
	}
	assert_int_equal(spin_rows, 6); /* shm's rw, peek, inplace, at two sizes, one round */
	for (size_t k = 0; k < 2; k++) {
		char want[256];
		snprintf(want, sizeof want, "run\tladder/memcpy_%s_", sizes[k]);
		const char *mc = strstr(plan, want);
		assert_non_null(mc);
		snprintf(want, sizeof want, "\tbench\tthroughput\tshm\t--wait\tspin\t\t\t--size\t%s\t",
			 sizes[k]);
		const char *rw = strstr(mc, want);
		assert_non_null(rw);
		const char *line = rw;
		while (line > plan && line[-1] != '\n')
			line--;
		snprintf(want, sizeof want, "run\tladder/shm-spin_%s_", sizes[k]);
		assert_int_equal(strncmp(line, want, strlen(want)), 0);
		/* right after memcpy's line */
		assert_ptr_equal(strchr(mc, '\n') + 1, line);
		for (int rung = COPY_PEEK; rung <= COPY_INPLACE; rung++) {
			snprintf(want, sizeof want, "run\tladder/shm-%s-spin_%s_", copy_rungs[rung].name,
				 sizes[k]);
			const char *l = strstr(plan, want);
			assert_non_null(l);
			snprintf(want, sizeof want, "\tbench\tthroughput\tshm\t--wait\tspin\t--copy\t%s"
				 "\t--size\t%s\t", copy_rungs[rung].name, sizes[k]);
			assert_non_null(strstr(l, want));
			assert_true(strstr(l, want) < strchr(l, '\n'));
		}
		snprintf(want, sizeof want, "run\tladder/inplace_%s_", sizes[k]); /* sleeping */
		assert_non_null(strstr(plan, want));
	}
}

/* The refusals name what the rung needs and what it was given. */
static void test_refusals(void **state)
{
	ENV;
	struct bench_result r;
	struct ipc_error e = { 0 };
	struct bench_opts o;

	o = opts(env, ipc_transport_find("unix_stream"), 4096, COPY_VMSPLICE);
	o.total = 4096 * 4;
	assert_int_equal(bench_throughput(&o, &r, &e), -1);
	assert_int_equal(e.status, IPC_USAGE);
	assert_non_null(strstr(e.msg, "needs a pipe"));
	assert_non_null(strstr(e.msg, "socket"));

	o = opts(env, ipc_transport_find("pipe"), 4096, COPY_ZC);
	o.total = 4096 * 4;
	assert_int_equal(bench_throughput(&o, &r, &e), -1);
	assert_int_equal(e.status, IPC_USAGE);
	assert_non_null(strstr(e.msg, "needs a TCP socket"));
	assert_non_null(strstr(e.msg, "pipe"));

	o = opts(env, ipc_transport_find("pipe"), 1000, COPY_SPLICE);
	assert_int_equal(bench_throughput(&o, &r, &e), -1);
	assert_int_equal(e.status, IPC_USAGE);
	assert_non_null(strstr(e.msg, "pages"));

	o = opts(env, ipc_transport_find("shm"), 100000, COPY_INPLACE);
	assert_int_equal(bench_throughput(&o, &r, &e), -1);
	assert_int_equal(e.status, IPC_USAGE);
	assert_non_null(strstr(e.msg, "--size 100000 does not divide shm's 1048576-byte ring"));
	assert_non_null(strstr(e.msg, "wrap"));

	o = opts(env, ipc_transport_find("shm"), 2 << 20, COPY_PEEK);
	assert_int_equal(bench_throughput(&o, &r, &e), -1);
	assert_non_null(strstr(e.msg, "does not divide"));

	o = opts(env, ipc_transport_find("pipe"), 4096, COPY_INPLACE);
	assert_int_equal(bench_throughput(&o, &r, &e), -1);
	assert_int_equal(e.status, IPC_USAGE);
	assert_non_null(strstr(e.msg, "needs a ring both sides map (shm); pipe has none"));

	o = opts(env, ipc_transport_find("udp"), 4096, COPY_ZC_SEND);
	assert_int_equal(bench_throughput(&o, &r, &e), -1);
	assert_int_equal(e.status, IPC_USAGE);
	assert_non_null(strstr(e.msg, "does not move its bytes"));
	assert_int_equal(test_count_entries(env->dir), 0); /* nothing forked, nothing made */
}

/* The stream a sender writes: n messages of `size`, each tagged. */
static unsigned char *make_stream(const unsigned char *pattern, size_t size, size_t n)
{
	unsigned char *s = malloc(size * n);
	assert_non_null(s);
	for (size_t m = 0; m < n; m++) {
		memcpy(s + m * size, pattern, size);
		bench_stream_tag(s + m * size, size, m);
	}
	return s;
}

/* A child writes `len` bytes of `data` to fd and exits. */
static pid_t write_in_child(int fd, int other, const unsigned char *data, size_t len)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(other);
		int rc = bench_write_all(fd, data, len) < 0;
		close(fd);
		_exit(rc);
	}
	close(fd);
	return pid;
}

/* The splice reader never sees a message's body, but it reads each tag:
 * a message lost or two swapped fail the run; an intact stream passes and
 * is counted to the byte. */
static void test_splice_reader_checks_tags(void **state)
{
	(void)state;
	enum { SIZE = 8192, N = 16 };
	unsigned char *pattern = malloc(SIZE);
	assert_non_null(pattern);
	bench_pattern_fill(pattern, SIZE);
	unsigned char *good = make_stream(pattern, SIZE, N);
	unsigned char *swapped = make_stream(pattern, SIZE, N);
	memcpy(swapped + 5 * SIZE, good + 6 * SIZE, 8); /* message 6's tag where 5's was */

	const unsigned char *streams[] = { good, swapped };
	for (int i = 0; i < 2; i++) {
		int p[2];
		assert_int_equal(pipe(p), 0);
		pid_t pid = write_in_child(p[1], p[0], streams[i], (size_t)SIZE * N);
		struct bench_copy_plan cp = { .rung = COPY_SPLICE, .name = "pipe",
					      .size = SIZE, .messages = N, .pattern = pattern,
					      .verify = true };
		struct bench_stream_check v;
		struct bench_copy_stats st = { 0 };
		struct ipc_error e = { 0 };
		bench_stream_check_init(&v, pattern, SIZE, "pipe");
		int rc = bench_copy_receive(&cp, p[0], &v, &st, &e);
		close(p[0]);
		waitpid(pid, NULL, 0);
		if (i == 0) {
			if (rc < 0)
				fail_msg("intact stream refused: %s", e.msg);
			assert_int_equal(v.offset, (unsigned long long)SIZE * N);
		} else {
			assert_int_equal(rc, -1);
			assert_int_equal(e.status, IPC_PROTOCOL);
			assert_non_null(strstr(e.msg, "message 5"));
		}
	}
	free(good);
	free(swapped);
	free(pattern);
}

/* The TCP_ZEROCOPY_RECEIVE reader checks the bytes in the pages it maps
 * and in what it reads: one flipped bit anywhere fails the run. */
static void test_zerocopy_reader_checks_bytes(void **state)
{
	(void)state;
	enum { SIZE = 1 << 16, N = 32 };
	unsigned char *pattern = malloc(SIZE);
	assert_non_null(pattern);
	bench_pattern_fill(pattern, SIZE);
	unsigned char *good = make_stream(pattern, SIZE, N);
	unsigned char *flipped = make_stream(pattern, SIZE, N);
	flipped[20 * SIZE + 12345] ^= 0x04;

	const unsigned char *streams[] = { good, flipped };
	for (int i = 0; i < 2; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t alen = sizeof a;
		int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(ls >= 0);
		assert_int_equal(bind(ls, (struct sockaddr *)&a, alen), 0);
		assert_int_equal(listen(ls, 1), 0);
		assert_int_equal(getsockname(ls, (struct sockaddr *)&a, &alen), 0);
		int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_int_equal(connect(c, (struct sockaddr *)&a, alen), 0);
		int s = accept(ls, NULL, NULL);
		assert_true(s >= 0);
		close(ls);
		pid_t pid = write_in_child(c, s, streams[i], (size_t)SIZE * N);
		struct bench_copy_plan cp = { .rung = COPY_ZC, .name = "tcp", .size = SIZE,
					      .messages = N, .pattern = pattern, .verify = true };
		struct bench_stream_check v;
		struct bench_copy_stats st = { 0 };
		struct ipc_error e = { 0 };
		bench_stream_check_init(&v, pattern, SIZE, "tcp");
		int rc = bench_copy_receive(&cp, s, &v, &st, &e);
		close(s);
		waitpid(pid, NULL, 0);
		if (i == 0) {
			if (rc < 0)
				fail_msg("intact stream refused: %s", e.msg);
			assert_int_equal(v.offset, (unsigned long long)SIZE * N);
		} else {
			assert_int_equal(rc, -1);
			assert_int_equal(e.status, IPC_PROTOCOL);
			char where[32];
			snprintf(where, sizeof where, "byte %d", 20 * SIZE + 12345);
			assert_non_null(strstr(e.msg, where));
		}
	}
	free(good);
	free(flipped);
	free(pattern);
}

/* MSG_ZEROCOPY's completion ranges: in order, ahead of a gap (kept until
 * the gap closes), and ranges that cannot be (backwards, done twice, more
 * waiting than there is room for) refused. */
static void test_zc_completions(void **state)
{
	(void)state;
	struct bench_zc_done d = { 0 };

	assert_int_equal(bench_zc_complete(&d, 0, 0), 0);
	assert_int_equal(d.done, 1);
	assert_int_equal(bench_zc_complete(&d, 1, 4), 0);
	assert_int_equal(d.done, 5);
	assert_int_equal(bench_zc_complete(&d, 8, 9), 0);  /* ahead: 5..7 missing */
	assert_int_equal(d.done, 5);
	assert_int_equal(bench_zc_complete(&d, 10, 10), 0);
	assert_int_equal(d.done, 5);
	assert_int_equal(bench_zc_complete(&d, 5, 7), 0);  /* the gap closes */
	assert_int_equal(d.done, 11);
	assert_int_equal(d.n_ahead, 0);
	assert_int_equal(bench_zc_complete(&d, 3, 12), -1); /* 3..10 were done */
	assert_int_equal(bench_zc_complete(&d, 12, 11), -1); /* backwards */
	assert_int_equal(d.done, 11);

	d = (struct bench_zc_done){ .done = UINT32_MAX - 1 }; /* ids wrap */
	assert_int_equal(bench_zc_complete(&d, UINT32_MAX - 1, 1), 0);
	assert_int_equal(d.done, 2);

	d = (struct bench_zc_done){ 0 };
	for (uint32_t i = 0; i < BENCH_ZC_AHEAD; i++)
		assert_int_equal(bench_zc_complete(&d, 2 + 2 * i, 2 + 2 * i), 0);
	assert_int_equal(bench_zc_complete(&d, 1000, 1000), -1); /* no room left */
}

/* memcpy's ceiling: one CPU, every block copied, the row a throughput row
 * whose transport is memcpy. */
static void test_memcpy_row(void **state)
{
	ENV;
	struct bench_result r;
	struct ipc_error e = { 0 };
	struct bench_opts o = opts(env, NULL, 64 << 10, COPY_RW);

	o.total = 64ULL << 20;
	o.pin[0] = 0;
	if (bench_memcpy(&o, &r, &e) < 0)
		fail_msg("memcpy: %s", e.msg);
	assert_string_equal(r.row.kind, "throughput");
	assert_string_equal(r.row.transport, "memcpy");
	assert_string_equal(r.row.pin, "0");
	assert_int_equal(r.row.count, 1024);
	assert_true(r.row.mb_per_s > 0);
	o.size = 0;
	assert_int_equal(bench_memcpy(&o, &r, &e), -1);
	assert_int_equal(e.status, IPC_USAGE);
}

/* The command line: --help lists every rung of the table, a wrong rung is
 * a usage error naming them all, and `all` runs only where the rung fits. */
static void test_cli_copy(void **state)
{
	ENV;
	static char out[16384], err[8192];

	int rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "throughput",
			      "--help", NULL);
	assert_int_equal(rc, 0);
	for (int r = 0; r < COPY_RUNGS; r++)
		if (!strstr(out, copy_rungs[r].name))
			fail_msg("--help does not name --copy %s", copy_rungs[r].name);
	rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "throughput",
			  "pipe", "--size", "4K", "--copy", "nosuch", NULL);
	assert_int_equal(rc, IPC_USAGE);
	for (int r = 0; r < COPY_RUNGS; r++)
		assert_non_null(strstr(err, copy_rungs[r].name));
	rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "throughput",
			  "all", "--size", "4K", "--total", "64K", "--copy", "vmsplice",
			  "--format", "csv", NULL);
	if (rc != 0)
		fail_msg("all --copy vmsplice: exit %d: %s", rc, err);
	assert_non_null(strstr(out, "pipe-vmsplice,"));
	assert_null(strstr(out, "tcp-vmsplice"));
	assert_non_null(strstr(err, "--copy vmsplice needs a pipe: skipped "));
	assert_non_null(strstr(err, "tcp"));
	assert_null(strstr(err, "pipe,")); /* pipe ran: it is not among the skipped */
	rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "throughput",
			  "tcp", "--size", "4K", "--total", "64K", "--copy", "vmsplice", NULL);
	assert_int_equal(rc, IPC_USAGE); /* named, not `all`: an error */
	rc = test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "memcpy",
			  "--size", "4K", "--total", "1M", "--pin", "0", "--format", "csv", NULL);
	if (rc != 0)
		fail_msg("bench memcpy: exit %d: %s", rc, err);
	assert_non_null(strstr(out, "throughput,memcpy,"));
}

/* The in-place reader checks every byte where it lies in shm's ring: a
 * message whose tag is another's, or a byte changed in a body, fails the
 * run and says where; an intact stream passes, counted to the byte. */
static void test_ring_reader_checks_bytes(void **state)
{
	ENV;
	extern const struct ipc_transport shm_transport;
	const struct ipc_inplace *ip = shm_transport.inplace;
	enum { SIZE = 4096, N = 6 };
	unsigned char *pattern = bench_alloc_pages(SIZE);
	assert_non_null(pattern);
	bench_pattern_fill(pattern, SIZE);

	for (int damage = 0; damage < 3; damage++) { /* none, a tag, a body byte */
		struct ipc_server s;
		struct ipc_conn c, sc;
		struct ipc_error e = { 0 };
		ipc_server_init(&s, &shm_transport, &env->ctx);
		assert_int_equal(shm_transport.listen(&s, NULL, &e), 0);
		ipc_conn_init(&c, &shm_transport, &env->ctx);
		assert_int_equal(shm_transport.connect(&c, &s.addr, &e), 0);
		ipc_conn_init(&sc, &shm_transport, &env->ctx);
		int r = IPC_WOULD_BLOCK;
		for (int i = 0; i < 200 && r == IPC_WOULD_BLOCK; i++)
			if ((r = shm_transport.accept(&s, &sc, &e)) == IPC_WOULD_BLOCK)
				usleep(10000);
		assert_int_equal(r, 0);
		for (uint64_t m = 0; m < N; m++) { /* N messages, written in place */
			void *at;
			assert_int_equal(ip->reserve(&c, SIZE, &at, &e), SIZE);
			memcpy(at, pattern, SIZE);
			bench_stream_tag(at, SIZE, damage == 1 && m == 3 ? 4 : m);
			if (damage == 2 && m == 2)
				((unsigned char *)at)[1000] ^= 1;
			assert_int_equal(ip->commit(&c, SIZE, &e), 0);
		}
		struct bench_copy_plan cp = { .rung = COPY_INPLACE, .name = "shm", .size = SIZE,
					      .messages = N, .pattern = pattern, .verify = true };
		struct bench_stream_check v;
		bench_stream_check_init(&v, pattern, SIZE, "shm");
		int rc = bench_copy_receive_ring(&cp, &sc, &v, &e);
		if (damage == 0) {
			if (rc < 0)
				fail_msg("intact stream refused: %s", e.msg);
			assert_int_equal(v.offset, (unsigned long long)N * SIZE);
		} else {
			assert_int_equal(rc, -1);
			assert_int_equal(e.status, IPC_PROTOCOL);
			assert_non_null(strstr(e.msg, damage == 1 ? "message 3, byte 0"
								 : "message 2, byte 1000"));
		}
		shm_transport.close(&c);
		shm_transport.close(&sc);
		shm_transport.shutdown(&s, true);
	}
	free(pattern);
}

/* The docs name every rung of the table: the guide's table in `code`, the
 * man page in bold. */
static void test_docs_name_every_rung(void **state)
{
	(void)state;
	static const char *const docs[][2] = { { "docs/BENCHMARKS.md", "| `%s` |" },
						{ "docs/ipclab.1.md", "**%s**" } };
	for (size_t d = 0; d < 2; d++) {
		FILE *f = fopen(docs[d][0], "r");
		if (!f)
			fail_msg("open %s (run from the source tree)", docs[d][0]);
		static char text[1 << 18];
		size_t n = fread(text, 1, sizeof text - 1, f);
		text[n] = '\0';
		fclose(f);
		for (int r = 0; r < COPY_RUNGS; r++) {
			char want[64];
			snprintf(want, sizeof want, docs[d][1], copy_rungs[r].name);
			if (!strstr(text, want))
				fail_msg("%s does not name --copy %s (as %s)", docs[d][0],
					 copy_rungs[r].name, want);
		}
	}
}

/* The sender's set-up is done before the clock: after bench_copy_prepare()
 * the pipe holds a whole message, every buffer already holds the pattern
 * (its pages touched), and a sender that was not prepared is refused. */
static void test_prepare_before_the_clock(void **state)
{
	(void)state;
	test_deadline(10, "one pipe, a few MiB of buffers");
	const size_t size = 256u << 10;
	unsigned char *pattern = bench_alloc_pages(size);
	assert_non_null(pattern);
	bench_pattern_fill(pattern, size);
	struct bench_copy_plan cp = { .rung = COPY_VMSPLICE, .name = "pipe", .size = size,
				      .messages = 4, .pattern = pattern, .verify = true };
	struct bench_copy_stats st = { 0 };
	struct ipc_error e;
	int fds[2];
	assert_int_equal(pipe(fds), 0);

	assert_int_equal(bench_copy_send(&cp, fds[1], NULL, &st, &e), -1);
	assert_int_equal(e.status, IPC_USAGE);
	assert_non_null(strstr(e.msg, "not prepared"));

	assert_int_equal(bench_copy_prepare(&cp, fds[1], &st, &e), 0);
	assert_true(fcntl(fds[1], F_GETPIPE_SZ) >= (int)size);
	assert_true(st.nbuf >= 2); /* one in the pipe, one being rewritten */
	for (size_t i = 0; i < st.nbuf; i++)
		assert_memory_equal(st.bufs + i * size, pattern, size);
	bench_copy_release(&st);
	assert_null(st.bufs);
	assert_int_equal(st.nbuf, 0);
	close(fds[0]);
	close(fds[1]);
	free(pattern);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rungs_deliver_or_refuse, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_refusals, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_ring_rungs_spinning, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_plan_spinning_rows, test_env_setup,
						test_env_teardown),
		cmocka_unit_test(test_splice_reader_checks_tags),
		cmocka_unit_test(test_zerocopy_reader_checks_bytes),
		cmocka_unit_test(test_zc_completions),
		cmocka_unit_test_setup_teardown(test_ring_reader_checks_bytes, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_memcpy_row, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_cli_copy, test_env_setup, test_env_teardown),
		cmocka_unit_test(test_docs_name_every_rung),
		cmocka_unit_test(test_prepare_before_the_clock),
	};
	return cmocka_run_group_tests_name("copy", tests, NULL, NULL);
}
