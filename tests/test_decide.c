/*
 * test_decide.c - the decision table at the top of summary.md
 * (analysis/decide.c): made-up runs whose best, runner-up and ties follow
 * from the figures and intervals given here.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "decide.h"
#include "run.h"

/* One throughput point at 64 KiB on two CPUs, a round per figure. */
static void stream(struct run *run, const char *t, const double *mb, const double *cpu,
		   size_t n, unsigned long lost)
{
	for (size_t i = 0; i < n; i++) {
		struct result_row r = { .kind = "throughput", .transport = t, .mode = "",
					.size = 65536, .count = 100, .clients = 1, .pin = "0,1",
					.lost = lost, .note = "" };
		r.mb_per_s = mb[i];
		r.cpu_ms_per_mb = cpu[i];
		assert_int_equal(run_add_row(run, &r), 0);
	}
}

static void greeting(struct run *run, const char *t, const char *pin, double p50)
{
	struct result_row r = { .kind = "latency", .transport = t, .mode = "greeting", .size = 16,
				.count = 100, .clients = 1, .pin = pin, .note = "" };
	r.lat_us.p50 = p50;
	assert_int_equal(run_add_row(run, &r), 0);
}

/* A load row of t's `mode` server at `clients`, added by `add`: the
 * scaling sweep's (run_add_row) or a run by turns (run_add_target_row). */
static void load_row(struct run *run, int (*add)(struct run *, const struct result_row *),
		     const char *t, const char *mode, unsigned long clients, double per_s)
{
	struct result_row r = { .kind = "load", .transport = t, .mode = mode, .size = 16,
				.count = 1000, .clients = clients, .pin = "none", .note = "" };
	r.msgs_per_s = per_s;
	r.lat_us.p50 = 50;
	assert_int_equal(add(run, &r), 0);
}

static void served(struct run *run, const char *t, const char *mode, unsigned long clients,
		   double per_s)
{
	load_row(run, run_add_row, t, mode, clients, per_s);
}

static const struct decision *question(const struct decision *d, size_t n, const char *prefix)
{
	for (size_t i = 0; i < n; i++)
		if (!strncmp(d[i].question, prefix, strlen(prefix)))
			return &d[i];
	fail_msg("no question '%s'", prefix);
	return NULL;
}

/* Bulk stream: shm's interval apart from tcp's: shm ahead.  CPU per MB:
 * the runner-up's interval overlaps the best's, a third's too, a fourth's
 * not: the three are tied, the fourth is not named.  A lossy transport
 * is no candidate. */
static void test_ahead_and_tied(void **state)
{
	(void)state;
	struct run *run = run_new();
	static const double shm_mb[] = { 5000, 5200, 5400 }, shm_cpu[] = { 0.30, 0.32, 0.34 };
	static const double tcp_mb[] = { 3000, 3100, 3200 }, tcp_cpu[] = { 0.33, 0.36, 0.38 };
	static const double uds_mb[] = { 2000, 2100, 2200 }, uds_cpu[] = { 0.33, 0.37, 0.40 };
	static const double fifo_mb[] = { 1000, 1100, 1200 }, fifo_cpu[] = { 0.50, 0.55, 0.60 };
	static const double udp_mb[] = { 9000, 9100, 9200 }, udp_cpu[] = { 0.01, 0.01, 0.01 };
	stream(run, "shm", shm_mb, shm_cpu, 3, 0);
	stream(run, "tcp", tcp_mb, tcp_cpu, 3, 0);
	stream(run, "unix_stream", uds_mb, uds_cpu, 3, 0);
	stream(run, "fifo", fifo_mb, fifo_cpu, 3, 0);
	stream(run, "udp", udp_mb, udp_cpu, 3, 7);
	run_finish(run);
	snprintf(run->cross, sizeof run->cross, "0,1");

	struct decision d[8];
	size_t n = decide(run, d, 8);
	const struct decision *bulk = question(d, n, "Bulk stream");
	assert_string_equal(bulk->best.name, "shm");
	assert_float_equal(bulk->best.f.value, 5200, 1e-9);
	assert_float_equal(bulk->best.f.lo, 5000, 1e-9);
	assert_float_equal(bulk->best.f.hi, 5400, 1e-9);
	assert_true(bulk->has_runner);
	assert_string_equal(bulk->runner.name, "tcp");
	assert_int_equal(bulk->verdict, DEC_AHEAD);

	const struct decision *cpu = question(d, n, "CPU per MB");
	assert_string_equal(cpu->best.name, "shm");
	assert_float_equal(cpu->best.f.lo, 0.30, 1e-12);
	assert_float_equal(cpu->best.f.hi, 0.34, 1e-12);
	assert_string_equal(cpu->runner.name, "tcp");
	assert_int_equal(cpu->verdict, DEC_TIED);
	assert_int_equal(cpu->ntied, 3);
	assert_string_equal(cpu->tied[0], "shm");
	assert_string_equal(cpu->tied[1], "tcp");
	assert_string_equal(cpu->tied[2], "unix_stream");

	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	decision_table(run, f);
	fclose(f);
	assert_non_null(strstr(text, "| shm: 5200 MB/s [5000, 5400], 3 rounds | tcp: 3100 MB/s "
				     "[3000, 3200], 3 rounds | shm ahead: the intervals are apart |"));
	assert_non_null(strstr(text, "tied within the noise: shm, tcp, unix_stream |"));
	assert_null(strstr(text, "udp"));
	free(text);
	run_free(run);
}

/* One round: the best and the runner-up by their figures, no verdict;
 * one candidate: no runner-up.  Many clients: the most clients measured,
 * redis (a peer, not a transport of ours) left out. */
static void test_one_round_and_alone(void **state)
{
	(void)state;
	struct run *run = run_new();
	greeting(run, "pipe", "0,0", 14.0);
	greeting(run, "fifo", "0,0", 14.2);
	greeting(run, "tcp", "0,0", 30.0);
	greeting(run, "tcp", "0,1", 40.0);
	served(run, "unix_stream", "epoll", 50, 90000);
	served(run, "unix_stream", "epoll", 1000, 40000);
	served(run, "unix_stream", "poll", 1000, 45000);
	served(run, "unix_stream", "redis", 1000, 99000);
	run_finish(run);
	snprintf(run->same, sizeof run->same, "0,0");
	snprintf(run->cross, sizeof run->cross, "0,1");

	struct decision d[8];
	size_t n = decide(run, d, 8);
	const struct decision *one = question(d, n, "Small request/reply, one CPU");
	assert_string_equal(one->best.name, "pipe");
	assert_string_equal(one->runner.name, "fifo");
	assert_int_equal(one->verdict, DEC_UNJUDGED);
	const struct decision *two = question(d, n, "Small request/reply, two CPUs");
	assert_string_equal(two->best.name, "tcp");
	assert_false(two->has_runner);
	assert_int_equal(two->verdict, DEC_ALONE);
	const struct decision *many = question(d, n, "Many clients (1000 at once)");
	assert_string_equal(many->best.name, "unix_stream, poll");
	assert_string_equal(many->runner.name, "unix_stream, epoll");

	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	decision_table(run, f);
	fclose(f);
	assert_non_null(strstr(text, "| pipe: 14.0 µs, one round | fifo: 14.2 µs, one round | "
				     "not judged: one round, no interval |"));
	assert_null(strstr(text, "redis"));
	free(text);
	run_free(run);
}

/* A run with nothing to decide writes no table. */

/* ---- every question, re-derived from made-up rounds ----------------------- */

/* One candidate as this test sees it: its rounds, and from them alone the
 * median (nearest rank), lowest and highest. */
struct truth {
	const char *name;
	double v[3], cpu[3];
	size_t n;
	double med, lo, hi, cpu_med, cpu_lo, cpu_hi;
	bool higher;
};

static void truth_of(struct truth *t)
{
	double s[3];
	memcpy(s, t->v, t->n * sizeof *s);
	for (size_t a = 1; a < t->n; a++)
		for (size_t b = a; b > 0 && s[b - 1] > s[b]; b--) {
			double x = s[b];
			s[b] = s[b - 1];
			s[b - 1] = x;
		}
	t->med = s[(t->n + 1) / 2 - 1];
	t->lo = s[0];
	t->hi = s[t->n - 1];
	/* The median round is the first round (in the order given) with the
	 * median figure: its CPU figure is the row's. */
	t->cpu_lo = t->cpu_hi = t->cpu[0];
	bool found = false;
	for (size_t k = 0; k < t->n; k++) {
		if (t->v[k] == t->med && !found) {
			t->cpu_med = t->cpu[k];
			found = true;
		}
		t->cpu_lo = t->cpu[k] < t->cpu_lo ? t->cpu[k] : t->cpu_lo;
		t->cpu_hi = t->cpu[k] > t->cpu_hi ? t->cpu[k] : t->cpu_hi;
	}
}

/* What the decision must be: the best and the runner-up by the figure
 * (ties in the given order), ahead when their intervals are apart, tied
 * with every candidate of several rounds whose interval meets the best's,
 * unjudged when either of the two has one round. */
static void check_question(const struct decision *d, struct truth *c, size_t n, bool cpu)
{
	size_t order[16];
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	double val[16], lo[16], hi[16];
	for (size_t i = 0; i < n; i++) {
		val[i] = cpu ? c[i].cpu_med : c[i].med;
		lo[i] = cpu ? c[i].cpu_lo : c[i].lo;
		hi[i] = cpu ? c[i].cpu_hi : c[i].hi;
	}
	bool higher = !cpu && c[0].higher;
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0; b--) {
			size_t x = order[b - 1], y = order[b];
			if (!(higher ? val[y] > val[x] : val[y] < val[x]))
				break;
			order[b - 1] = y;
			order[b] = x;
		}
	size_t best = order[0];
	assert_string_equal(d->best.name, c[best].name);
	assert_true(d->best.f.value == val[best]);
	assert_int_equal(d->best.f.rounds, c[best].n);
	if (c[best].n > 1) {
		assert_true(d->best.f.lo == lo[best]);
		assert_true(d->best.f.hi == hi[best]);
	}
	if (n == 1) {
		assert_false(d->has_runner);
		assert_int_equal(d->verdict, DEC_ALONE);
		return;
	}
	size_t run2 = order[1];
	assert_true(d->has_runner);
	assert_string_equal(d->runner.name, c[run2].name);
	assert_true(d->runner.f.value == val[run2]);
	if (c[best].n < 2 || c[run2].n < 2) {
		assert_int_equal(d->verdict, DEC_UNJUDGED);
		return;
	}
	bool meet = lo[best] <= hi[run2] && lo[run2] <= hi[best];
	if (!meet) {
		assert_int_equal(d->verdict, DEC_AHEAD);
		return;
	}
	assert_int_equal(d->verdict, DEC_TIED);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j = order[i];
		if (c[j].n < 2 || !(lo[best] <= hi[j] && lo[j] <= hi[best]))
			continue;
		assert_true(k < d->ntied);
		assert_string_equal(d->tied[k], c[j].name);
		k++;
	}
	assert_int_equal(d->ntied, k);
}

static unsigned long long lcg = 1;
static unsigned rnd(unsigned n)
{
	lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((lcg >> 33) % n);
}

static void test_questions_against_rounds(void **state)
{
	(void)state;
	const char *T[32];
	size_t nt = run_transports(T, 32);
	lcg = 2026;
	for (int trial = 0; trial < 80; trial++) {
		struct run *run = run_new();
		assert_non_null(run);
		struct truth lat[32], bulk[32], con[32], cpu[32];
		size_t nlat = 0, nbulk = 0, ncon = 0, ncpu = 0;
		for (size_t i = 0; i < nt; i++) {
			/* Greeting round trips on one CPU. */
			if (rnd(5)) {
				struct truth *t = &lat[nlat++];
				t->name = T[i];
				t->n = rnd(6) ? 3 : 1;
				t->higher = false;
				double base = 5 + rnd(40);
				for (size_t r = 0; r < t->n; r++) {
					t->v[r] = base + 0.001 * (double)i + (double)rnd(6);
					t->cpu[r] = 0;
					greeting(run, T[i], "0,0", t->v[r]);
				}
				truth_of(t);
			}
			/* Connection set-up: one row, no rounds. */
			if (rnd(3) == 0) {
				struct truth *t = &con[ncon++];
				t->name = T[i];
				t->n = 1;
				t->higher = false;
				t->v[0] = 20 + rnd(50) + 0.001 * (double)i;
				t->cpu[0] = 0;
				struct result_row r = { .kind = "connect", .transport = T[i],
							.mode = "", .size = 0, .count = 10,
							.clients = 1, .pin = "0,0", .note = "" };
				r.lat_us.p50 = t->v[0];
				assert_int_equal(run_add_row(run, &r), 0);
				truth_of(t);
			}
			/* A stream at 64 KiB on two CPUs, or none; lossy ones are no
			 * candidates; the sizes around it never are. */
			unsigned kind = rnd(6);
			if (kind == 0)
				continue;
			unsigned long lost = kind == 1 ? 5 : 0;
			struct truth t = { .name = T[i], .n = rnd(5) ? 3 : 1, .higher = true };
			double base = 100 + rnd(2000);
			for (size_t r = 0; r < t.n; r++) {
				t.v[r] = base + 0.001 * (double)i + 50.0 * rnd(6);
				t.cpu[r] = 0.1 + 0.01 * (double)rnd(50) + 0.0001 * (double)i;
			}
			/* Not the bulk row: a smaller, a larger, an unchecked, another pin. */
			double big[3] = { 1e6, 1e6, 1e6 };
			for (size_t r = 0; r < t.n; r++) {
				struct result_row row = { .kind = "throughput", .transport = T[i],
							  .mode = "", .size = 131072, .count = 100,
							  .clients = 1, .pin = "0,1", .note = "",
							  .mb_per_s = big[r], .cpu_ms_per_mb = 1e-6 };
				assert_int_equal(run_add_row(run, &row), 0);
				row.size = 16384;
				assert_int_equal(run_add_row(run, &row), 0);
				row.size = 65536;
				row.note = "UNVERIFIED";
				assert_int_equal(run_add_row(run, &row), 0);
				row.note = "";
				row.pin = "0,0";
				assert_int_equal(run_add_row(run, &row), 0);
			}
			stream(run, T[i], t.v, t.cpu, t.n, lost);
			truth_of(&t);
			if (!lost) {
				bulk[nbulk++] = t;
				cpu[ncpu++] = t;
			}
		}
		run_finish(run);
		struct decision d[8];
		size_t nd = decide(run, d, 8);
		if (nlat)
			check_question(question(d, nd, "Small request/reply, one CPU (0)"), lat, nlat,
				       false);
		if (nbulk)
			check_question(question(d, nd, "Bulk stream, two CPUs (0, 1)"), bulk, nbulk,
				       false);
		if (ncpu)
			check_question(question(d, nd, "CPU per MB, two CPUs (0, 1)"), cpu, ncpu, true);
		if (ncon)
			check_question(question(d, nd, "Connection set-up"), con, ncon, false);
		/* And only those questions, in the table's order. */
		size_t want = !!nlat + !!nbulk + !!ncpu + !!ncon;
		assert_int_equal(nd, want);
		run_free(run);
	}
}

/* Many clients: ipclab's servers at the most clients any of them served
 * (redis, the peer, never a candidate, even at more clients), one row
 * each, so no interval: the best and the runner-up, unjudged. */
static void test_many_clients_question(void **state)
{
	(void)state;
	struct run *run = run_new();
	assert_non_null(run);
	served(run, "unix_stream", "epoll", 100, 50000);
	served(run, "unix_stream", "poll", 100, 42000);
	served(run, "tcp", "epoll", 100, 61000);
	served(run, "tcp", "select", 50, 90000);
	served(run, "unix_stream", "redis", 500, 99000);
	served(run, "unix_stream", "redis", 100, 98000);
	served(run, "tcp", "iterative", 100, 0);
	run_finish(run);
	struct decision d[8];
	size_t nd = decide(run, d, 8);
	assert_int_equal(nd, 1);
	assert_string_equal(d[0].question, "Many clients (100 at once)");
	assert_string_equal(d[0].best.name, "tcp, epoll");
	assert_true(d[0].best.f.value == 61000);
	assert_string_equal(d[0].runner.name, "unix_stream, epoll");
	assert_int_equal(d[0].verdict, DEC_UNJUDGED);
	/* A cap of one question: one. */
	assert_int_equal(decide(run, d, 1), 1);
	run_free(run);
}

/* One run of a server by turns (the scaling step's target rows). */
static void by_turns(struct run *run, const char *t, const char *mode, unsigned long clients,
		     double per_s)
{
	load_row(run, run_add_target_row, t, mode, clients, per_s);
}

/* The sweep at 1000 clients, one run per server, and the servers run by
 * turns: epoll three times at 1000 (e1..e3), uring three times at 1000
 * (missing from the sweep), redis (never a candidate), and epoll at 50
 * (another count: it changes nothing at 1000). */
static struct run *turns_and_sweep(double e1, double e2, double e3)
{
	struct run *run = run_new();
	assert_non_null(run);
	served(run, "unix_stream", "epoll", 1000, 40000);
	served(run, "unix_stream", "poll", 1000, 45000);
	served(run, "unix_stream", "select", 1000, 30000);
	served(run, "unix_stream", "epoll", 50, 90000);
	const double e[3] = { e1, e2, e3 }, u[3] = { 56000, 58000, 57000 };
	for (int k = 0; k < 3; k++) {
		by_turns(run, "unix_stream", "epoll", 1000, e[k]);
		by_turns(run, "unix_stream", "uring", 1000, u[k]);
		by_turns(run, "unix_stream", "redis", 1000, 99000 + k);
		by_turns(run, "unix_stream", "epoll", 50, 1000 + k);
	}
	run_finish(run);
	return run;
}

/* Many clients from the runs by turns where the run has them: epoll's
 * figure is the median of its runs with their range (not the sweep's one
 * run), uring's too though the sweep lacks it, poll and select keep the
 * sweep's single run; so the best and the runner-up are judged by their
 * intervals: apart, then overlapping (tied, the single-run ones not
 * named). */
static void test_many_clients_by_turns(void **state)
{
	(void)state;
	struct run *run = turns_and_sweep(50000, 54000, 52000);
	struct decision d[8];
	size_t nd = decide(run, d, 8);
	assert_int_equal(nd, 1);
	assert_string_equal(d[0].question, "Many clients (1000 at once)");
	assert_string_equal(d[0].best.name, "unix_stream, uring");
	assert_true(d[0].best.f.value == 57000 && d[0].best.f.lo == 56000 &&
		    d[0].best.f.hi == 58000);
	assert_int_equal(d[0].best.f.rounds, 3);
	assert_string_equal(d[0].runner.name, "unix_stream, epoll");
	assert_true(d[0].runner.f.value == 52000 && d[0].runner.f.lo == 50000 &&
		    d[0].runner.f.hi == 54000);
	assert_int_equal(d[0].runner.f.rounds, 3);
	assert_int_equal(d[0].verdict, DEC_AHEAD);

	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	decision_table(run, f);
	fclose(f);
	assert_non_null(strstr(text, "| unix_stream, uring: 57000 greetings/s [56000, 58000], 3 "
				     "rounds | unix_stream, epoll: 52000 greetings/s [50000, 54000], "
				     "3 rounds | unix_stream, uring ahead: the intervals are apart |"));
	assert_null(strstr(text, "redis"));
	free(text);
	run_free(run);

	/* epoll's runs reach uring's: tied, and poll (one run) is not named. */
	run = turns_and_sweep(50000, 56500, 55000);
	nd = decide(run, d, 8);
	assert_int_equal(nd, 1);
	assert_string_equal(d[0].best.name, "unix_stream, uring");
	assert_string_equal(d[0].runner.name, "unix_stream, epoll");
	assert_int_equal(d[0].verdict, DEC_TIED);
	assert_int_equal(d[0].ntied, 2);
	assert_string_equal(d[0].tied[0], "unix_stream, uring");
	assert_string_equal(d[0].tied[1], "unix_stream, epoll");
	run_free(run);

	/* No runs by turns at the sweep's count: the sweep's rows, as before. */
	run = run_new();
	assert_non_null(run);
	served(run, "unix_stream", "epoll", 1000, 40000);
	served(run, "unix_stream", "poll", 1000, 45000);
	for (int k = 0; k < 3; k++)
		by_turns(run, "unix_stream", "epoll", 50, 1000 + k);
	run_finish(run);
	nd = decide(run, d, 8);
	assert_int_equal(nd, 1);
	assert_string_equal(d[0].question, "Many clients (1000 at once)");
	assert_string_equal(d[0].best.name, "unix_stream, poll");
	assert_string_equal(d[0].runner.name, "unix_stream, epoll");
	assert_true(d[0].runner.f.value == 40000);
	assert_int_equal(d[0].verdict, DEC_UNJUDGED);
	run_free(run);
}

static void test_nothing_to_decide(void **state)
{
	(void)state;
	struct run *run = run_new();
	run_finish(run);
	struct decision d[8];
	assert_int_equal(decide(run, d, 8), 0);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	decision_table(run, f);
	fclose(f);
	assert_string_equal(text, "");
	free(text);
	run_free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ahead_and_tied),
		cmocka_unit_test(test_one_round_and_alone),
		cmocka_unit_test(test_nothing_to_decide),
		cmocka_unit_test(test_questions_against_rounds),
		cmocka_unit_test(test_many_clients_question),
		cmocka_unit_test(test_many_clients_by_turns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
