/*
 * test_runmodel.c - the run model's queries (analysis/run.c) and the
 * findings built on them, checked against answers computed here from
 * made-up rounds: which round is a point's median, its lowest and highest
 * round, where each grouped row sits, what a curve's peak and fall are, a
 * peer's ratio over its paired rounds, which transports got slower across
 * CPUs, how a size or a placement is named.
 *
 * Many cases come from a small pseudo-random generator with a fixed seed,
 * so that the same rows are fed on every run and the expectation is
 * re-derived for each, never copied from today's output.
 */
#include "support.h"

#include <ctype.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis.h"
#include "findings_uring_zmq.h"
#include "results_json.h"
#include "run.h"
#include "stats.h"

static unsigned long long seed_state;

static void seed(unsigned long long s)
{
	seed_state = s;
}

static unsigned rnd(unsigned n)
{
	seed_state = seed_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((seed_state >> 33) % n);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank median (the lower of an even count's middle pair), with the
 * lowest and highest: computed here, not by stats.c. */
static void med_lo_hi(const double *v, size_t n, double *med, double *lo, double *hi)
{
	double s[16];
	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_d);
	*med = s[(n + 1) / 2 - 1];
	*lo = s[0];
	*hi = s[n - 1];
}

static char *findings_text(const struct run *run)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	run_findings(run, f);
	assert_int_equal(fclose(f), 0);
	return text;
}

/* ---- grouping the rounds ------------------------------------------------ */

/* One point of a made-up run: what tells it apart from every other. */
struct point {
	const char *kind, *transport, *mode, *pin;
	unsigned long size, clients;
	bool unverified;
	double v[5]; /* its rounds' figures (MB/s or p50 µs) */
	unsigned long id[5]; /* each round's count: which round was kept */
	size_t n;
	size_t seen_at; /* expected position among the grouped rows */
};

/* Point number k of 64: every attribute that makes a point, from k's bits. */
static void point_of(unsigned k, struct point *p)
{
	memset(p, 0, sizeof *p);
	bool tp = k & 1;
	p->kind = tp ? "throughput" : "latency";
	p->transport = k & 2 ? "tcp" : "pipe";
	p->pin = k & 4 ? "0,1" : "0,0";
	p->size = k & 8 ? 4096 : 64;
	p->clients = k & 16 ? 2 : 1;
	p->mode = tp ? "" : (k & 32 ? "echo" : "greeting");
	p->unverified = tp && (k & 32);
}

static void row_of(const struct point *p, size_t round, struct result_row *r)
{
	memset(r, 0, sizeof *r);
	r->kind = p->kind;
	r->transport = p->transport;
	r->mode = p->mode;
	r->pin = p->pin;
	r->size = p->size;
	r->clients = p->clients;
	r->count = p->id[round];
	r->note = p->unverified ? "UNVERIFIED" : "";
	if (!strcmp(p->kind, "throughput"))
		r->mb_per_s = p->v[round];
	else
		r->lat_us.p50 = p->v[round];
}

/* One row of the made-up input: a point's round, or (point < 0) a row
 * without rounds. */
struct slot {
	int point;
	size_t round;
	unsigned long id;
};

/* Every point's rounds come in any order, interleaved with other points'
 * and with rows that have no rounds (connect, load); the grouped run
 * has one row per point, where its first round was, carrying the whole of
 * its median round, with the lowest and highest round beside it. */
static void test_rounds_grouped(void **state)
{
	(void)state;
	seed(20261207);
	for (int trial = 0; trial < 40; trial++) {
		struct point pts[12];
		size_t np = 2 + rnd(11);
		unsigned used[64] = { 0 };
		struct slot order[80];
		size_t no = 0;
		unsigned long next_id = 1;
		for (size_t i = 0; i < np; i++) {
			unsigned k;
			do
				k = rnd(64);
			while (used[k]);
			used[k] = 1;
			point_of(k, &pts[i]);
			pts[i].n = 1 + rnd(5);
			double base = 10 + rnd(1000);
			unsigned perm[5] = { 0, 1, 2, 3, 4 };
			for (size_t a = 4; a > 0; a--) {
				size_t b = rnd((unsigned)a + 1);
				unsigned t = perm[a];
				perm[a] = perm[b];
				perm[b] = t;
			}
			for (size_t r = 0; r < pts[i].n; r++) {
				pts[i].v[r] = base * (1 + 0.07 * perm[r]); /* distinct rounds */
				pts[i].id[r] = next_id++;
				order[no++] = (struct slot){ .point = (int)i, .round = r };
			}
		}
		size_t nplain = rnd(4);
		for (size_t i = 0; i < nplain; i++) {
			order[no++] = (struct slot){ .point = -1, .id = next_id++ };
		}
		for (size_t a = no - 1; a > 0; a--) {
			size_t b = rnd((unsigned)a + 1);
			struct slot t = order[a];
			order[a] = order[b];
			order[b] = t;
		}

		struct run *run = run_new();
		assert_non_null(run);
		unsigned long expect_id[80]; /* the count of the row expected at each place */
		size_t nexpect = 0;
		bool first_seen[12] = { false };
		for (size_t i = 0; i < no; i++) {
			struct result_row r;
			if (order[i].point < 0) {
				memset(&r, 0, sizeof r);
				r.kind = "connect"; /* measured once: never grouped */
				r.transport = "pipe";
				r.mode = "";
				r.pin = "0,0";
				r.note = "";
				r.count = order[i].id;
				r.lat_us.p50 = 99;
				expect_id[nexpect++] = order[i].id;
			} else {
				struct point *p = &pts[order[i].point];
				row_of(p, order[i].round, &r);
				if (!first_seen[order[i].point]) {
					first_seen[order[i].point] = true;
					p->seen_at = nexpect;
					expect_id[nexpect++] = 0; /* the median round's, below */
				}
			}
			assert_int_equal(run_add_row(run, &r), 0);
		}
		for (size_t i = 0; i < np; i++) {
			double med, lo, hi;
			med_lo_hi(pts[i].v, pts[i].n, &med, &lo, &hi);
			for (size_t r = 0; r < pts[i].n; r++)
				if (pts[i].v[r] == med)
					expect_id[pts[i].seen_at] = pts[i].id[r];
		}
		run_finish(run);
		assert_int_equal(run->nrows, nexpect);
		for (size_t i = 0; i < nexpect; i++)
			assert_int_equal(run->rows[i].r.count, expect_id[i]);
		for (size_t i = 0; i < np; i++) {
			const struct run_row *g = &run->rows[pts[i].seen_at];
			double med, lo, hi;
			med_lo_hi(pts[i].v, pts[i].n, &med, &lo, &hi);
			assert_string_equal(g->r.kind, pts[i].kind);
			assert_string_equal(g->r.transport, pts[i].transport);
			assert_string_equal(g->r.pin, pts[i].pin);
			assert_int_equal(g->r.size, pts[i].size);
			assert_int_equal(g->r.clients, pts[i].clients);
			assert_int_equal(g->rounds, pts[i].n);
			assert_true(g->lo == lo);
			assert_true(g->hi == hi);
			struct figure f = run_row_figure(g);
			assert_true(f.value == med);
			assert_int_equal(f.rounds, pts[i].n);
			if (pts[i].n > 1) {
				assert_true(f.lo == lo);
				assert_true(f.hi == hi);
			} else {
				assert_true(f.lo == med && f.hi == med);
			}
			assert_true(f.higher_is_better == !strcmp(pts[i].kind, "throughput"));
			assert_string_equal(f.unit, strcmp(pts[i].kind, "throughput") ? "µs" : "MB/s");
		}
		for (size_t i = 0; i < nexpect; i++)
			if (!strcmp(run->rows[i].r.kind, "connect") || !strcmp(run->rows[i].r.kind, "load"))
				assert_int_equal(run->rows[i].rounds, 1);
		/* The raw rows stay as they were read, every round. */
		assert_int_equal(run->nraw, no);
		run_free(run);
	}
}

/* An even number of rounds: the lower of the middle pair is the median
 * round (nearest rank), for MB/s and for µs alike. */
static void test_even_rounds_lower_middle(void **state)
{
	(void)state;
	static const struct {
		const char *kind;
		double v[4];
		size_t n;
		double med;
	} cases[] = {
		{ "throughput", { 400, 100, 300, 200 }, 4, 200 },
		{ "throughput", { 7, 5 }, 2, 5 },
		{ "latency", { 9, 3, 5, 7 }, 4, 5 },
		{ "latency", { 2.5, 1.5 }, 2, 1.5 },
		{ "latency", { 8, 1, 4 }, 3, 4 },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct run *run = run_new();
		assert_non_null(run);
		for (size_t k = 0; k < cases[c].n; k++) {
			struct result_row r = { .kind = cases[c].kind, .transport = "fifo",
						.mode = "", .pin = "0,0", .note = "", .size = 64,
						.clients = 1, .count = 1 + k };
			if (!strcmp(cases[c].kind, "throughput"))
				r.mb_per_s = cases[c].v[k];
			else
				r.lat_us.p50 = cases[c].v[k];
			assert_int_equal(run_add_row(run, &r), 0);
		}
		run_finish(run);
		assert_int_equal(run->nrows, 1);
		assert_true(run_row_figure(&run->rows[0]).value == cases[c].med);
		double m = median_of(cases[c].v, cases[c].n);
		assert_true(m == cases[c].med);
		run_free(run);
	}
}

/* Each kind is judged by its own figure; the kinds measured in rounds
 * (throughput, latency, process) carry the rounds' range, the others none. */
static void test_row_figures_by_kind(void **state)
{
	(void)state;
	static const struct {
		const char *kind;
		double value;
		bool higher;
		const char *unit;
	} cases[] = {
		{ "throughput", 1234.5, true, "MB/s" },
		{ "load", 56789, true, "greetings/s" },
		{ "latency", 12.5, false, "µs" },
		{ "connect", 33.25, false, "µs" },
		{ "process", 812, false, "µs" },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct run_row row = { .rounds = 4, .lo = 1, .hi = 1e9 };
		row.r.kind = cases[c].kind;
		row.r.mb_per_s = 1234.5;
		row.r.msgs_per_s = 56789;
		/* The p50 is the figure of every µs kind; mean and min differ. */
		row.r.lat_us = (struct stats){ .p50 = cases[c].value, .mean = cases[c].value + 1,
					       .min = cases[c].value - 1 };
		struct figure f = run_row_figure(&row);
		assert_true(f.value == cases[c].value);
		assert_true(f.higher_is_better == cases[c].higher);
		assert_string_equal(f.unit, cases[c].unit);
		/* Measured in rounds: throughput, latency, whole commands, and
		 * the servers by turns (load); connect is measured once. */
		bool rounds = strcmp(cases[c].kind, "connect") != 0;
		assert_int_equal(f.rounds, rounds ? 4 : 1);
		assert_true(f.lo == (rounds ? 1 : cases[c].value));
		assert_true(f.hi == (rounds ? 1e9 : cases[c].value));
	}
}

/* The run's two placements are the first one-CPU and the first two-CPU
 * pin of its rows; an unpinned row is neither. */
static void test_placements_of_the_run(void **state)
{
	(void)state;
	static const struct {
		const char *pins[4];
		const char *same, *cross;
	} cases[] = {
		{ { "none", "2,3", "1,1", "0,0" }, "1,1", "2,3" },
		{ { "0,0", "none", NULL }, "0,0", "" },
		{ { "none", "0,1", "1,0", NULL }, "", "0,1" },
		{ { "none", NULL }, "", "" },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct run *run = run_new();
		assert_non_null(run);
		for (size_t k = 0; k < 4 && cases[c].pins[k]; k++) {
			struct result_row r = { .kind = "connect", .transport = "tcp", .mode = "",
						.pin = cases[c].pins[k], .note = "", .count = 1 };
			assert_int_equal(run_add_row(run, &r), 0);
		}
		run_finish(run);
		assert_string_equal(run->same, cases[c].same);
		assert_string_equal(run->cross, cases[c].cross);
		run_free(run);
	}
}

static void test_names_of_sizes_and_placements(void **state)
{
	(void)state;
	static const struct {
		unsigned long size;
		const char *name;
	} sizes[] = {
		{ 0, "0 B" }, { 16, "16 B" }, { 999, "999 B" }, { 1000, "1,000 B" },
		{ 1023, "1,023 B" }, { 1024, "1 KiB" }, { 1025, "1,025 B" },
		{ 4096, "4 KiB" }, { 65507, "65,507 B" }, { 65536, "64 KiB" },
		{ 1048576, "1 MiB" }, { 3145728, "3 MiB" }, { 1049600, "1025 KiB" },
		{ 100001, "100,001 B" },
	};
	char buf[32];
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		assert_string_equal(size_name(sizes[i].size, buf, sizeof buf), sizes[i].name);
	static const struct {
		const char *pin, *name;
	} pins[] = {
		{ "0,0", "one CPU (0)" }, { "3,3", "one CPU (3)" }, { "0,1", "two CPUs (0, 1)" },
		{ "2,0", "two CPUs (2, 0)" }, { "none", "unpinned" }, { "", "unpinned" },
		{ "5", "unpinned" },
	};
	for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++)
		assert_string_equal(placement_name(pins[i].pin, buf, sizeof buf), pins[i].name);
}

/* run_find and run_find_tp: each filter narrows, "" and 0 match any. */
static void test_find_filters(void **state)
{
	(void)state;
	struct run *run = run_new();
	assert_non_null(run);
	static const struct {
		const char *kind, *t, *mode, *pin, *note;
		unsigned long size;
	} rows[] = {
		{ "connect", "tcp", "", "0,0", "", 0 },               /* count 1 */
		{ "latency", "tcp", "echo", "0,0", "", 64 },          /* 2 */
		{ "latency", "tcp", "greeting", "0,1", "", 16 },      /* 3 */
		{ "latency", "tcp", "greeting", "0,0", "", 16 },      /* 4 */
		{ "latency", "udp", "greeting", "0,0", "", 16 },      /* 5 */
		{ "throughput", "pipe", "", "0,0", "UNVERIFIED", 4096 }, /* 6 */
		{ "throughput", "pipe", "", "0,0", "", 4096 },        /* 7 */
		{ "throughput", "pipe", "", "0,0", "", 65536 },       /* 8 */
		{ "throughput", "pipe", "", "0,1", "", 65536 },       /* 9 */
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct result_row r = { .kind = rows[i].kind, .transport = rows[i].t,
					.mode = rows[i].mode, .pin = rows[i].pin,
					.note = rows[i].note, .size = rows[i].size, .clients = 1,
					.count = i + 1, .mb_per_s = 1, .lat_us.p50 = 1 };
		assert_int_equal(run_add_row(run, &r), 0);
	}
	run_finish(run);
	static const struct {
		const char *kind, *t, *mode, *pin;
		unsigned long size, count; /* 0: none found */
	} q[] = {
		{ "latency", "tcp", "", "", 0, 2 },
		{ "latency", "tcp", "greeting", "", 0, 3 },
		{ "latency", "tcp", "greeting", "0,0", 0, 4 },
		{ "latency", "", "greeting", "0,0", 0, 4 },
		{ "latency", "udp", "", "", 0, 5 },
		{ "latency", "tcp", "", "", 16, 3 },
		{ "latency", "tcp", "echo", "0,1", 0, 0 },
		{ "latency", "pipe", "", "", 0, 0 },
		{ "connect", "", "", "", 0, 1 },
		{ "throughput", "pipe", "", "0,1", 0, 9 },
		{ "throughput", "pipe", "", "", 65536, 8 },
		{ "load", "", "", "", 0, 0 },
	};
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
		const struct run_row *r = run_find(run, q[i].kind, q[i].t, q[i].mode, q[i].pin,
						   q[i].size);
		if (!q[i].count)
			assert_null(r);
		else {
			assert_non_null(r);
			assert_int_equal(r->r.count, q[i].count);
		}
	}
	assert_int_equal(run_find_tp(run, "pipe", "0,0", 4096, true)->r.count, 6);
	assert_int_equal(run_find_tp(run, "pipe", "0,0", 4096, false)->r.count, 7);
	assert_int_equal(run_find_tp(run, "pipe", "0,0", 0, false)->r.count, 7);
	assert_int_equal(run_find_tp(run, "pipe", "0,1", 0, false)->r.count, 9);
	assert_null(run_find_tp(run, "pipe", "0,1", 0, true));
	assert_null(run_find_tp(run, "pipe", "0,0", 65536, true));
	assert_null(run_find_tp(run, "tcp", "0,0", 0, false));
	run_free(run);
}

/* ---- a throughput curve: its points, its peak, its fall ------------------ */

/* A curve of made-up points (sizes in any order, each with up to three
 * rounds), beside rows that are not on it; the points come back by size,
 * and the peak and the fall are found here by their definition (run.h):
 * the highest median MB/s without loss, the first larger size whose
 * highest round is under 70 % of the peak's lowest. */
static void test_curve_peak_and_fall(void **state)
{
	(void)state;
	seed(4242);
	static const unsigned long S[] = { 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576 };
	for (int trial = 0; trial < 60; trial++) {
		size_t n = 1 + rnd(8);
		unsigned long size[8];
		memcpy(size, S, sizeof size);
		for (size_t a = 7; a > 0; a--) { /* n sizes of the eight, in any order */
			size_t b = rnd((unsigned)a + 1);
			unsigned long t = size[a];
			size[a] = size[b];
			size[b] = t;
		}
		double v[8][3], med[8], lo[8], hi[8];
		bool lost[8];
		size_t rounds[8];
		struct run *run = run_new();
		assert_non_null(run);
		for (size_t i = 0; i < n; i++) {
			rounds[i] = 1 + rnd(3);
			lost[i] = i > 0 && rnd(5) == 0;
			double base = 100 + rnd(3000);
			for (size_t r = 0; r < rounds[i]; r++)
				v[i][r] = base * (1 + 0.1 * (double)rnd(4));
			for (size_t r = 0; r < rounds[i]; r++) {
				struct result_row row = { .kind = "throughput", .transport = "fifo",
							  .mode = "", .pin = "0,0", .note = "",
							  .size = size[i], .clients = 1, .count = 100,
							  .lost = lost[i] ? 3 : 0, .mb_per_s = v[i][r] };
				assert_int_equal(run_add_row(run, &row), 0);
				/* Not on the curve: another pin, unchecked, another transport. */
				row.pin = "0,1";
				row.mb_per_s = 1e6;
				assert_int_equal(run_add_row(run, &row), 0);
				row.pin = "0,0";
				row.note = "UNVERIFIED";
				assert_int_equal(run_add_row(run, &row), 0);
				row.note = "";
				row.transport = "pipe";
				assert_int_equal(run_add_row(run, &row), 0);
			}
		}
		run_finish(run);
		/* The points by size, here. */
		size_t by[8];
		for (size_t i = 0; i < n; i++)
			by[i] = i;
		for (size_t a = 1; a < n; a++)
			for (size_t b = a; b > 0 && size[by[b - 1]] > size[by[b]]; b--) {
				size_t t = by[b];
				by[b] = by[b - 1];
				by[b - 1] = t;
			}
		for (size_t i = 0; i < n; i++)
			med_lo_hi(v[by[i]], rounds[by[i]], &med[i], &lo[i], &hi[i]);

		const struct run_row *pts[16];
		size_t got = run_curve(run, "fifo", "0,0", pts, 16);
		assert_int_equal(got, n);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(pts[i]->r.size, size[by[i]]);
			assert_true(pts[i]->r.mb_per_s == med[i]);
			assert_true(pts[i]->lo == lo[i] && pts[i]->hi == hi[i]);
		}
		size_t peak = 99, fall = 99;
		if (n < 3) {
			assert_false(run_bend(pts, n, &peak, &fall));
			run_free(run);
			continue;
		}
		assert_true(run_bend(pts, n, &peak, &fall));
		size_t want_peak = SIZE_MAX;
		for (size_t i = 0; i < n; i++)
			if (!lost[by[i]] && (want_peak == SIZE_MAX || med[i] > med[want_peak]))
				want_peak = i;
		if (want_peak == SIZE_MAX)
			want_peak = 0;
		size_t want_fall = 0;
		for (size_t i = want_peak + 1; i < n && !want_fall; i++)
			if (hi[i] < 0.7 * lo[want_peak])
				want_fall = i;
		assert_int_equal(peak, want_peak);
		assert_int_equal(fall, want_fall);
		run_free(run);
	}
}

/* A curve capped at `cap` points keeps the first ones it meets. */
static void test_curve_cap(void **state)
{
	(void)state;
	struct run *run = run_new();
	assert_non_null(run);
	for (unsigned long s = 1; s <= 6; s++) {
		struct result_row row = { .kind = "throughput", .transport = "tcp", .mode = "",
					  .pin = "0,0", .note = "", .size = s * 1000, .clients = 1,
					  .count = 1, .mb_per_s = (double)s };
		assert_int_equal(run_add_row(run, &row), 0);
	}
	run_finish(run);
	const struct run_row *pts[6];
	assert_int_equal(run_curve(run, "tcp", "0,0", pts, 4), 4);
	assert_int_equal(run_curve(run, "tcp", "0,0", pts, 6), 6);
	assert_int_equal(run_curve(run, "tcp", "0,1", pts, 6), 0);
	run_free(run);
}

/* ---- peers: a ratio over paired rounds -------------------------------- */

/* Rounds of several comparisons interleaved; each comparison's ratio is
 * the median over its rounds of ipclab's twins' mean over the peer's, its
 * range the lowest and highest such ratio, a round whose twins differ by
 * over 2x left out (split), a round whose peer figure is 0 not judged. */
static void test_peer_verdicts_from_rounds(void **state)
{
	(void)state;
	seed(777);
	static const char *const tools[] = { "sockperf", "qperf" };
	static const char *const stats[] = { "p50", "mean", "MB/s-unverified" };
	for (int trial = 0; trial < 30; trial++) {
		struct run *run = run_new();
		assert_non_null(run);
		size_t ng = 1 + rnd(4);
		struct {
			const char *tool, *stat;
			unsigned long size;
			double ratio[8], peer[8], ours[8], p50[8], mean[8];
			size_t n, all, split;
		} g[4];
		for (size_t i = 0; i < ng; i++) {
			g[i].tool = tools[i % 2];
			g[i].stat = stats[(i / 2 + trial) % 3];
			g[i].size = 16 << i;
			g[i].n = g[i].all = g[i].split = 0;
		}
		size_t rounds = 1 + rnd(6);
		for (size_t r = 0; r < rounds; r++)
			for (size_t i = 0; i < ng; i++) {
				struct peer_round pr = { .size = g[i].size, .round = (int)r + 1 };
				snprintf(pr.tool, sizeof pr.tool, "%s", g[i].tool);
				snprintf(pr.transport, sizeof pr.transport, "tcp");
				snprintf(pr.pin, sizeof pr.pin, "0,1");
				snprintf(pr.stat, sizeof pr.stat, "%s", g[i].stat);
				pr.peer = rnd(7) == 0 ? 0 : 5 + rnd(20);
				pr.before = 5 + rnd(20);
				pr.after = rnd(6) == 0 ? pr.before * 2.5 : pr.before * (1 + 0.05 * rnd(5));
				pr.ours_p50 = pr.before + 0.25 * rnd(4);
				pr.ours_mean = pr.after + 0.5 * rnd(4);
				pr.p50_before = pr.before;
				pr.p50_after = pr.after;
				assert_int_equal(run_add_peer_round(run, &pr), 0);
				g[i].peer[g[i].all] = pr.peer;
				g[i].ours[g[i].all] = (pr.before + pr.after) / 2;
				g[i].p50[g[i].all] = pr.ours_p50;
				g[i].mean[g[i].all] = pr.ours_mean;
				g[i].all++;
				if (pr.after > 2 * pr.before || pr.before > 2 * pr.after)
					g[i].split++;
				else if (pr.peer > 0)
					g[i].ratio[g[i].n++] = (pr.before + pr.after) / 2 / pr.peer;
			}
		run_finish(run);
		struct peer_verdict v[8];
		assert_int_equal(run_peer_verdicts(run, v, 8), ng);
		for (size_t i = 0; i < ng; i++) {
			assert_string_equal(v[i].first->tool, g[i].tool);
			assert_string_equal(v[i].first->stat, g[i].stat);
			assert_int_equal(v[i].first->size, g[i].size);
			assert_int_equal(v[i].rounds, g[i].n);
			assert_int_equal(v[i].split, g[i].split);
			assert_true(v[i].judged == (g[i].n > 0));
			double m, lo, hi;
			med_lo_hi(g[i].peer, g[i].all, &m, &lo, &hi);
			assert_true(v[i].peer == m);
			/* ipclab's figures: the medians over every round, split ones too. */
			med_lo_hi(g[i].ours, g[i].all, &m, &lo, &hi);
			assert_true(v[i].ours == m);
			med_lo_hi(g[i].p50, g[i].all, &m, &lo, &hi);
			assert_true(v[i].ours_p50 == m);
			med_lo_hi(g[i].mean, g[i].all, &m, &lo, &hi);
			assert_true(v[i].ours_mean == m);
			if (g[i].n) {
				med_lo_hi(g[i].ratio, g[i].n, &m, &lo, &hi);
				assert_true(fabs(v[i].ratio - m) < 1e-12);
				assert_true(fabs(v[i].lo - lo) < 1e-12);
				assert_true(fabs(v[i].hi - hi) < 1e-12);
			} else {
				assert_true(isnan(v[i].ratio));
			}
		}
		/* A cap smaller than the comparisons: that many. */
		if (ng > 1)
			assert_int_equal(run_peer_verdicts(run, v, 1), 1);
		run_free(run);
	}
}

static void test_peer_split_and_bandwidth(void **state)
{
	(void)state;
	static const struct {
		double before, after;
		bool split;
	} c[] = {
		{ 10, 20, false }, { 10, 20.001, true }, { 20, 10, false }, { 20.001, 10, true },
		{ 10, 10, false }, { 1, 100, true },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct peer_round pr = { .before = c[i].before, .after = c[i].after };
		assert_true(peer_round_split(&pr) == c[i].split);
	}
	static const struct {
		const char *stat;
		bool bw;
	} s[] = { { "MB/s", true }, { "MB/s-unverified", true }, { "p50", false },
		  { "mean", false }, { "MB", false } };
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
		struct peer_round pr = { 0 };
		snprintf(pr.stat, sizeof pr.stat, "%s", s[i].stat);
		assert_true(peer_is_bandwidth(&pr) == s[i].bw);
	}
}

/* ---- the environment, the transports, sorted tables ------------------- */

static void test_env_quick_and_idle(void **state)
{
	(void)state;
	struct run *run = run_new();
	assert_non_null(run);
	assert_string_equal(run_env(run, "kernel"), "");
	assert_false(run_quick(run));
	assert_int_equal(run_set_env(run, "kernel", "Linux 6.1"), 0);
	assert_int_equal(run_set_env(run, "not_a_field", "x"), 0);
	assert_string_equal(run_env(run, "not_a_field"), "");
	assert_string_equal(run_env(run, "kernel"), "Linux 6.1");
	assert_int_equal(run_set_env(run, "kernel", "Linux 6.2"), 0);
	assert_string_equal(run_env(run, "kernel"), "Linux 6.2");
	assert_int_equal(run->nenv, 1);
	static const struct {
		const char *v;
		bool quick;
	} q[] = { { "1", true }, { "yes", true }, { "0", false }, { "no", false }, { "", false } };
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
		assert_int_equal(run_set_env(run, "quick", q[i].v), 0);
		assert_true(run_quick(run) == q[i].quick);
	}
	static const struct {
		const char *v;
		bool halts;
	} h[] = { { "haltpoll/haltpoll, guest_halt_poll_ns 0", true },
		  { "haltpoll/haltpoll, guest_halt_poll_ns 200000", false },
		  { "intel_idle/menu", false } };
	for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
		assert_int_equal(run_set_env(run, "cpuidle", h[i].v), 0);
		assert_true(run_idle_halts(run) == h[i].halts);
	}
	run_free(run);
}

static void test_transports_of_the_run(void **state)
{
	(void)state;
	const char *names[32];
	size_t n = run_transports(names, 32), want = 0;
	for (size_t i = 0; ipc_transports[i]; i++)
		if (strncmp(ipc_transports[i]->name, "zmq_", 4)) {
			assert_true(want < n);
			assert_string_equal(names[want], ipc_transports[i]->name);
			want++;
		}
	assert_int_equal(n, want);
	assert_int_equal(run_transports(names, 3), 3);

	struct run *run = run_new();
	assert_non_null(run);
	struct result_row r = { .kind = "latency", .transport = "zmq_tcp", .mode = "greeting",
				.pin = "0,0", .note = "", .count = 1, .lat_us.p50 = 3 };
	assert_int_equal(run_add_row(run, &r), 0);
	run_finish(run);
	n = run_transports_of(run, names, 32);
	assert_int_equal(n, want + 1);
	assert_string_equal(names[want], "zmq_tcp");
	run_free(run);
}

static bool keep_load(const struct result_row *r, const void *arg)
{
	return !strcmp(r->kind, "load") && !strcmp(r->transport, arg);
}

static unsigned long by_clients(const struct result_row *r)
{
	return r->clients;
}

/* Sorted by key, the first row of each key, only the rows kept. */
static void test_sorted_distinct(void **state)
{
	(void)state;
	struct run *run = run_new();
	assert_non_null(run);
	static const struct {
		const char *t;
		unsigned long clients, count;
	} rows[] = { { "tcp", 50, 1 }, { "tcp", 1, 2 }, { "udp", 10, 3 }, { "tcp", 10, 4 },
		     { "tcp", 1, 5 }, { "tcp", 500, 6 }, { "tcp", 50, 7 } };
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct result_row r = { .kind = "load", .transport = rows[i].t, .mode = "epoll",
					.pin = "none", .note = "", .clients = rows[i].clients,
					.count = rows[i].count, .msgs_per_s = 1 };
		assert_int_equal(run_add_row(run, &r), 0);
	}
	run_finish(run);
	const struct run_row **out;
	size_t n = run_sorted(run, keep_load, "tcp", by_clients, &out);
	static const unsigned long want_clients[] = { 1, 10, 50, 500 }, want_count[] = { 2, 4, 1, 6 };
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(out[i]->r.clients, want_clients[i]);
		assert_int_equal(out[i]->r.count, want_count[i]);
	}
	free(out);
	run_free(run);
}

/* ---- findings from these queries --------------------------------------- */

/* One CPU to two: each transport's ratio (p50 across over p50 on one, with
 * the interval its rounds allow) puts it among the longer, the shorter, or
 * those with no change beyond the noise; each is listed where it belongs,
 * with its ratio. */
static void test_placement_sorted_by_interval(void **state)
{
	(void)state;
	static const char *const T[] = { "pipe", "fifo", "unix_stream", "unix_dgram", "tcp", "udp" };
	seed(99);
	for (int trial = 0; trial < 25; trial++) {
		struct run *run = run_new();
		assert_non_null(run);
		double same[6][3], cross[6][3];
		size_t nr = trial % 5 == 4 ? 1 : 3;
		for (size_t i = 0; i < 6; i++) {
			double a = 5 + rnd(20), factor = 0.5 + 0.25 * rnd(6);
			for (size_t r = 0; r < nr; r++) {
				same[i][r] = a * (1 + 0.04 * rnd(4));
				cross[i][r] = a * factor * (1 + 0.04 * rnd(4));
			}
		}
		for (size_t r = 0; r < nr; r++)
			for (size_t i = 0; i < 6; i++) {
				struct result_row row = { .kind = "latency", .transport = T[i],
							  .mode = "greeting", .size = 16, .count = 100,
							  .clients = 1, .pin = "0,0", .note = "" };
				row.lat_us.p50 = same[i][r];
				assert_int_equal(run_add_row(run, &row), 0);
				row.pin = "0,1";
				row.lat_us.p50 = cross[i][r];
				assert_int_equal(run_add_row(run, &row), 0);
			}
		run_finish(run);
		char *text = findings_text(run);
		const char *line = strstr(text, "**Placement:**");
		assert_non_null(line);
		const char *end = strchr(line, '\n');
		const char *longer = strstr(line, " longer for "), *shorter = strstr(line, " shorter for ");
		const char *nochange = strstr(line, " no change beyond the noise for ");
		longer = longer && longer < end ? longer : NULL;
		shorter = shorter && shorter < end ? shorter : NULL;
		nochange = nochange && nochange < end ? nochange : NULL;
		for (size_t i = 0; i < 6; i++) {
			double am, alo, ahi, bm, blo, bhi;
			med_lo_hi(same[i], nr, &am, &alo, &ahi);
			med_lo_hi(cross[i], nr, &bm, &blo, &bhi);
			double r = bm / am, lo = blo / ahi, hi = bhi / alo;
			const char *want;
			char item[96];
			if (nr > 1) {
				want = lo > 1 ? longer : hi < 1 ? shorter : nochange;
				snprintf(item, sizeof item, " %s ×%.2g (%.2g–%.2g)", T[i], r, lo, hi);
			} else {
				want = r > 1 ? longer : r < 1 ? shorter : nochange;
				snprintf(item, sizeof item, " %s ×%.2g", T[i], r);
			}
			assert_non_null(want);
			const char *at = strstr(line, item);
			if (!at || at > end)
				fail_msg("%s not in the line: %.*s", item, (int)(end - line), line);
			/* In its own section: after its heading, before the next one. */
			assert_true(at > want);
			const char *heads[] = { longer, shorter, nochange };
			for (size_t h = 0; h < 3; h++)
				if (heads[h] && heads[h] > want)
					assert_true(at < heads[h]);
		}
		assert_true((strstr(line, "Why (the longer ones)") != NULL) == (longer != NULL));
		free(text);
		run_free(run);
	}
}

/* `ipclab greet` against `true`: the range of every transport's ratio but
 * the pipe's (which the greet command does not time alone), and true's own
 * p50 in ms. */
static void test_whole_command_range(void **state)
{
	(void)state;
	static const struct {
		const char *t;
		double p50;
	} greets[] = { { "pipe", 100 }, { "fifo", 900 }, { "unix_stream", 1500 }, { "tcp", 1200 },
		       { "mqueue", 1100 } };
	struct run *run = run_new();
	assert_non_null(run);
	struct result_row tr = { .kind = "process", .transport = "none", .mode = "true",
				 .pin = "", .note = "", .count = 10, .lat_us.p50 = 600 };
	assert_int_equal(run_add_row(run, &tr), 0);
	double lo = INFINITY, hi = 0;
	for (size_t i = 0; i < sizeof greets / sizeof greets[0]; i++) {
		struct result_row g = { .kind = "process", .transport = greets[i].t, .mode = "greet",
					.pin = "", .note = "", .count = 10,
					.lat_us.p50 = greets[i].p50 };
		assert_int_equal(run_add_row(run, &g), 0);
		if (strcmp(greets[i].t, "pipe")) {
			lo = fmin(lo, greets[i].p50 / 600);
			hi = fmax(hi, greets[i].p50 / 600);
		}
	}
	run_finish(run);
	char *text = findings_text(run);
	char want[160];
	snprintf(want, sizeof want, "takes %.2f to %.2f× as long as `true` (%.2f ms, p50)", lo, hi,
		 0.6);
	if (!strstr(text, want))
		fail_msg("no \"%s\" in:\n%s", want, text);
	free(text);
	run_free(run);

	/* No `true` row, or no greet row: no such finding. */
	run = run_new();
	assert_non_null(run);
	assert_int_equal(run_add_row(run, &tr), 0);
	run_finish(run);
	text = findings_text(run);
	assert_null(strstr(text, "A whole command"));
	free(text);
	run_free(run);
}

/* The CPU cost per round trip: the cheapest and the dearest transport by
 * CPU time, the fewest and most switches (which may be other transports),
 * at the one-CPU placement when there is one, else across CPUs. */
static void test_cost_by_placement(void **state)
{
	(void)state;
	static const char *const T[] = { "pipe", "fifo", "unix_stream", "tcp", "udp" };
	seed(31337);
	for (int trial = 0; trial < 20; trial++) {
		struct run *run = run_new();
		assert_non_null(run);
		bool has_same = trial % 4 != 3;
		double cpu[5], sw[5];
		for (size_t i = 0; i < 5; i++) {
			cpu[i] = 1 + rnd(40) * 0.5 + 0.01 * (double)i; /* distinct */
			sw[i] = 2 + 0.1 * rnd(30);
			struct result_row row = { .kind = "latency", .transport = T[i],
						  .mode = "greeting", .size = 16, .count = 100,
						  .clients = 1, .pin = "0,1", .note = "",
						  .cpu_us_per_op = cpu[i] * 10, .ctxsw_per_op = 50,
						  .lat_us.p50 = 10 };
			assert_int_equal(run_add_row(run, &row), 0);
			if (has_same) {
				row.pin = "0,0";
				row.cpu_us_per_op = cpu[i];
				row.ctxsw_per_op = sw[i];
				assert_int_equal(run_add_row(run, &row), 0);
			}
		}
		run_finish(run);
		size_t lo = 0, hi = 0;
		double swlo = sw[0], swhi = sw[0];
		for (size_t i = 1; i < 5; i++) {
			lo = cpu[i] < cpu[lo] ? i : lo;
			hi = cpu[i] > cpu[hi] ? i : hi;
			swlo = fmin(swlo, sw[i]);
			swhi = fmax(swhi, sw[i]);
		}
		double k = has_same ? 1 : 10;
		if (!has_same)
			swlo = swhi = 50;
		char want[200];
		snprintf(want, sizeof want, "**Cost per message (%s):** a greeting round trip took "
			 "%.1f µs of CPU time (%s) to %.1f µs (%s), both processes together, and "
			 "%.1f to %.1f context switches", has_same ? "one CPU (0)" : "two CPUs (0, 1)",
			 cpu[lo] * k, T[lo], cpu[hi] * k, T[hi], swlo, swhi);
		char *text = findings_text(run);
		if (!strstr(text, want))
			fail_msg("no \"%s\" in:\n%s", want, text);
		free(text);
		run_free(run);
	}
}


/* ---- results.json: valid JSON, and records that say what the text says ---- */

/* A strict JSON validator (RFC 8259): true when s is one value and
 * nothing after it. */
static bool jv_value(const char **s, int depth);

static void jv_ws(const char **s)
{
	while (**s == ' ' || **s == '\n' || **s == '\t' || **s == '\r')
		(*s)++;
}

static bool jv_string(const char **s)
{
	if (**s != '"')
		return false;
	for ((*s)++; **s != '"'; (*s)++) {
		unsigned char c = (unsigned char)**s;
		if (c < 0x20)
			return false;
		if (c == '\\') {
			(*s)++;
			if (**s == 'u') {
				for (int k = 1; k <= 4; k++)
					if (!isxdigit((unsigned char)(*s)[k]))
						return false;
				*s += 4;
			} else if (!**s || !strchr("\"\\/bfnrt", **s)) {
				return false;
			}
		}
	}
	(*s)++;
	return true;
}

static bool jv_number(const char **s)
{
	const char *p = *s;
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (isdigit((unsigned char)*p))
			p++;
	else
		return false;
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	*s = p;
	return true;
}

static bool jv_value(const char **s, int depth)
{
	jv_ws(s);
	if (depth > 32)
		return false;
	if (**s == '{' || **s == '[') {
		char close = **s == '{' ? '}' : ']';
		bool obj = close == '}';
		(*s)++;
		jv_ws(s);
		if (**s == close) {
			(*s)++;
			return true;
		}
		for (;;) {
			jv_ws(s);
			if (obj) {
				if (!jv_string(s))
					return false;
				jv_ws(s);
				if (*(*s)++ != ':')
					return false;
			}
			if (!jv_value(s, depth + 1))
				return false;
			jv_ws(s);
			if (**s == ',') {
				(*s)++;
				continue;
			}
			return *(*s)++ == close;
		}
	}
	if (**s == '"')
		return jv_string(s);
	static const char *const lit[] = { "true", "false", "null" };
	for (size_t i = 0; i < 3; i++)
		if (!strncmp(*s, lit[i], strlen(lit[i]))) {
			*s += strlen(lit[i]);
			return true;
		}
	return jv_number(s);
}

static bool json_valid(const char *text)
{
	const char *s = text;
	if (!jv_value(&s, 0))
		return false;
	jv_ws(&s);
	return *s == '\0';
}

static void test_json_validator(void **state)
{
	(void)state;
	static const char *const good[] = { "{}", "[]", "{\"a\": [1, -2.5e3, true, null, \"x\\n\\u00e9\"]}",
					    " [ 0 , {\"b\" : {}} ] " };
	static const char *const bad[] = { "[, 1]", "[1,]", "{\"a\" 1}", "{a: 1}", "[01]", "[1.]",
					   "[nan]", "[\"\x01\"]", "[1] x", "{\"a\": 1,}", "[\"\\q\"]" };
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_true(json_valid(good[i]));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (json_valid(bad[i]))
			fail_msg("'%s' taken for JSON", bad[i]);
}

/* A run with something for most findings: rankings in rounds, a curve,
 * loss, peers, a whole command, many clients. */
static struct run *busy_run(void)
{
	static const char *const T[] = { "pipe", "fifo", "unix_stream", "unix_dgram", "tcp", "udp" };
	struct run *run = run_new();
	assert_non_null(run);
	assert_int_equal(run_set_env(run, "date", "2026-12-07T20:00:00Z"), 0);
	assert_int_equal(run_set_env(run, "cpus_online", "2"), 0);
	assert_int_equal(run_set_env(run, "cpu_model", "Test \"CPU\", rev 2"), 0);
	for (size_t r = 0; r < 3; r++)
		for (size_t i = 0; i < 6; i++) {
			double p50 = (5 + 3 * (double)i) * (1 + 0.02 * (double)r);
			struct result_row row = { .kind = "latency", .transport = T[i],
						  .mode = "greeting", .size = 16, .count = 1000,
						  .clients = 1, .pin = "0,0", .note = "",
						  .cpu_us_per_op = p50 / 2, .ctxsw_per_op = 2 };
			row.lat_us = (struct stats){ .min = p50 / 2, .p50 = p50, .p90 = p50,
						     .p99 = p50 * 1.5, .p999 = p50 * 2,
						     .max = p50 * 3, .mean = p50 };
			assert_int_equal(run_add_row(run, &row), 0);
			row.pin = "0,1";
			row.lat_us.p50 *= 2;
			row.lat_us.p90 = row.lat_us.p99 = row.lat_us.p999 = row.lat_us.max = row.lat_us.p50;
			assert_int_equal(run_add_row(run, &row), 0);
			static const unsigned long S[] = { 1024, 16384, 65536, 1048576 };
			for (size_t k = 0; k < 4; k++) {
				struct result_row tp = { .kind = "throughput", .transport = T[i],
							 .mode = "", .size = S[k], .count = 1000,
							 .clients = 1, .pin = "0,1", .note = "",
							 .mb_per_s = (1000 + 1500 * (double)i) *
								     (k == 3 ? 0.3 : 1 + (double)k) *
								     (1 + 0.01 * (double)r),
							 .cpu_ms_per_mb = 0.5 };
				if (!strcmp(T[i], "udp") && k == 1)
					tp.lost = 100, tp.note = "LOSSY";
				assert_int_equal(run_add_row(run, &tp), 0);
			}
		}
	struct result_row tr = { .kind = "process", .transport = "none", .mode = "true",
				 .pin = "", .note = "", .count = 10, .lat_us.p50 = 700 };
	assert_int_equal(run_add_row(run, &tr), 0);
	tr.transport = "tcp", tr.mode = "greet", tr.lat_us.p50 = 1500;
	assert_int_equal(run_add_row(run, &tr), 0);
	for (int k = 0; k < 3; k++) {
		struct peer_round pr = { .size = 16, .round = k + 1, .peer = 10 + k, .before = 11,
					 .after = 12, .ours_p50 = 11, .ours_mean = 11.5,
					 .p50_before = 11, .p50_after = 12 };
		snprintf(pr.tool, sizeof pr.tool, "sockperf");
		snprintf(pr.transport, sizeof pr.transport, "tcp");
		snprintf(pr.pin, sizeof pr.pin, "0,1");
		snprintf(pr.stat, sizeof pr.stat, "mean");
		assert_int_equal(run_add_peer_round(run, &pr), 0);
	}
	run_finish(run);
	return run;
}

/* The figures a finding states, scanned here: a number (digits, with ','
 * between thousands and '.' before decimals) that no word or number runs
 * into, then a space or not, then a unit. */
static size_t scan_figures(const char *text, char values[][32], size_t cap)
{
	static const char *const units[] = { "greetings/s", "MB/s", "µs", "ns", "ms", "%", "×",
					     "KiB", "MiB", "GiB" };
	size_t n = 0;
	for (const char *p = text; *p && n < cap; p++) {
		if (!isdigit((unsigned char)*p))
			continue;
		if (p > text && (isalnum((unsigned char)p[-1]) || strchr("_-.,", p[-1])))
			continue;
		char v[32];
		size_t k = 0;
		const char *q = p;
		while (isdigit((unsigned char)*q) ||
		       ((*q == ',' || *q == '.') && isdigit((unsigned char)q[1]))) {
			if (*q != ',' && k + 1 < sizeof v)
				v[k++] = *q;
			q++;
		}
		v[k] = '\0';
		const char *u = *q == ' ' ? q + 1 : q;
		for (size_t j = 0; j < sizeof units / sizeof units[0]; j++) {
			size_t ul = strlen(units[j]);
			if (strncmp(u, units[j], ul))
				continue;
			if (isalpha((unsigned char)units[j][0]) &&
			    (isalnum((unsigned char)u[ul]) || u[ul] == '_' || u[ul] == '-'))
				continue;
			snprintf(values[n++], 32, "%s", v);
			break;
		}
		p = q - 1;
	}
	return n;
}

/* results.json is valid JSON; its findings are one record per bullet of
 * the Findings, each with the bullet's figures in order and the transports
 * it names; its rows are the run's rows. */
static void test_findings_records_follow_text(void **state)
{
	(void)state;
	struct run *run = busy_run();
	char *json = NULL, *md = NULL;
	size_t jl = 0, ml = 0;
	FILE *f = open_memstream(&json, &jl);
	assert_non_null(f);
	results_json_write(run, f);
	assert_int_equal(fclose(f), 0);
	if (!json_valid(json))
		fail_msg("results.json is not valid JSON:\n%s", json);
	f = open_memstream(&md, &ml);
	assert_non_null(f);
	run_findings(run, f);
	assert_int_equal(fclose(f), 0);

	/* The bullets, continuation lines joined. */
	char *bullet[64];
	size_t nb = 0;
	for (char *save = NULL, *line = strtok_r(md, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "- ", 2) && nb < 64) {
			bullet[nb++] = strdup(line + 2);
		} else if (!strncmp(line, "  ", 2) && nb) {
			char *more;
			assert_true(asprintf(&more, "%s %s", bullet[nb - 1], line + 2) >= 0);
			free(bullet[nb - 1]);
			bullet[nb - 1] = more;
		}
	}
	assert_true(nb >= 6);
	const char *fs = strstr(json, "\"findings\": [");
	assert_non_null(fs);
	const char *rec = fs;
	const char *T[32];
	size_t nt = run_transports(T, 32);
	for (size_t b = 0; b < nb; b++) {
		const char *next = strstr(rec + 1, "\n    {\"kind\": ");
		if (!next) {
			fail_msg("no record for finding %zu: %s", b, bullet[b]);
			return;
		}
		rec = next;
		const char *end = strstr(rec + 1, "\n    {\"kind\": ");
		size_t rl = end ? (size_t)(end - rec) : strlen(rec);
		char *r = strndup(rec, rl);
		assert_non_null(r);
		/* The figures, in order. */
		char want[64][32];
		size_t nw = scan_figures(bullet[b], want, 64);
		const char *fig = strstr(r, "\"figures\": [");
		assert_non_null(fig);
		const char *at = fig;
		for (size_t k = 0; k < nw; k++) {
			char v[96];
			snprintf(v, sizeof v, "{\"value\": %.31s, \"unit\": ", want[k]);
			const char *next = strstr(at, v);
			if (!next)
				fail_msg("finding %zu: figure %s missing or out of order in\n%s\nfrom: %s",
					 b, want[k], r, bullet[b]);
			at = next + 1;
		}
		size_t got = 0;
		for (const char *p = fig; (p = strstr(p, "{\"value\": ")); p++)
			got++;
		if (got != nw)
			fail_msg("finding %zu: %zu figures, the text states %zu: %s", b, got, nw,
				 bullet[b]);
		/* The subjects: each transport named as a word, once. */
		const char *sub = strstr(r, "\"subjects\": [");
		assert_non_null(sub);
		const char *sub_end = strchr(sub, ']');
		for (size_t i = 0; i < nt; i++) {
			size_t len = strlen(T[i]);
			bool named = false;
			for (const char *p = strstr(bullet[b], T[i]); p && !named; p = strstr(p + 1, T[i]))
				named = !(p > bullet[b] && (isalnum((unsigned char)p[-1]) ||
							    p[-1] == '_' || p[-1] == '-')) &&
					!(isalnum((unsigned char)p[len]) || p[len] == '_' ||
					  p[len] == '-');
			char q[40];
			snprintf(q, sizeof q, "\"%s\"", T[i]);
			const char *in = strstr(sub, q);
			bool listed = in && in < sub_end;
			if (named != listed)
				fail_msg("finding %zu: %s %s but %s in the subjects: %s", b, T[i],
					 named ? "named" : "not named", listed ? "listed" : "not",
					 bullet[b]);
		}
		/* Why: the text after "Why: ", or null. */
		const char *why = strstr(bullet[b], "Why: ");
		assert_true((strstr(r, "\"why\": null") != NULL) == (why == NULL));
		free(r);
		free(bullet[b]);
	}
	assert_null(strstr(rec + 1, "\n    {\"kind\": "));
	/* One row object per grouped row. */
	size_t rows = 0;
	for (const char *p = json; (p = strstr(p, "\"figure\": {\"value\": ")); p++)
		rows++;
	assert_int_equal(rows, run->nrows);
	free(json);
	free(md);
	run_free(run);

	/* An empty run: still one valid document. */
	run = run_new();
	assert_non_null(run);
	run_finish(run);
	f = open_memstream(&json, &jl);
	assert_non_null(f);
	results_json_write(run, f);
	assert_int_equal(fclose(f), 0);
	if (!json_valid(json))
		fail_msg("results.json of an empty run is not valid JSON:\n%s", json);
	free(json);
	run_free(run);
}


/* Two intervals that touch (one's highest round is the other's lowest)
 * overlap: tied, not ranked; a hair apart, ranked, the ratio with the
 * interval its ends allow, for µs (lower is better) and MB/s (higher). */
static void test_touching_is_tied(void **state)
{
	(void)state;
	static const struct {
		double b_lo;  /* the second transport's lowest round */
		bool apart;
	} c[] = { { 12.0, false }, { 12.1, true }, { 11.9, false } };
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct run *run = run_new();
		assert_non_null(run);
		const double pipe[3] = { 10, 11, 12 }, fifo[3] = { c[i].b_lo, 13, 14 };
		for (size_t r = 0; r < 3; r++) {
			struct result_row row = { .kind = "latency", .transport = "pipe",
						  .mode = "greeting", .size = 16, .count = 100,
						  .clients = 1, .pin = "0,0", .note = "" };
			row.lat_us.p50 = pipe[r];
			assert_int_equal(run_add_row(run, &row), 0);
			row.transport = "fifo";
			row.lat_us.p50 = fifo[r];
			assert_int_equal(run_add_row(run, &row), 0);
			/* The same figures as MB/s: fifo now the better one. */
			struct result_row tp = { .kind = "throughput", .transport = "pipe", .mode = "",
						 .size = 65536, .count = 100, .clients = 1,
						 .pin = "0,1", .note = "", .mb_per_s = pipe[r] * 10 };
			assert_int_equal(run_add_row(run, &tp), 0);
			tp.transport = "fifo";
			tp.mb_per_s = fifo[r] * 10;
			assert_int_equal(run_add_row(run, &tp), 0);
		}
		run_finish(run);
		char *text = findings_text(run);
		const char *small = strstr(text, "**Small messages, one CPU (0)**");
		const char *bulk = strstr(text, "**Bulk data, two CPUs (0, 1)**");
		assert_non_null(small);
		assert_non_null(bulk);
		char want[160];
		if (!c[i].apart) {
			snprintf(want, sizeof want, "all 2 tied within the noise: from 11.0 µs "
				 "(10.0–12.0) (pipe) to 13.0 µs (%.1f–14.0) (fifo)", c[i].b_lo);
			if (!strstr(small, want))
				fail_msg("case %zu: no '%s' in\n%s", i, want, text);
			assert_true(strstr(bulk, "all 2 tied within the noise: from 130 MB/s") != NULL);
			assert_null(strstr(text, "is fastest"));
			assert_null(strstr(text, "moves the most"));
		} else {
			snprintf(want, sizeof want, "pipe is fastest, 11.0 µs (10.0–12.0); fifo "
				 "slowest, 13.0 µs (%.1f–14.0): the slowest took %.1f× (%.1f–%.1f) "
				 "as long as the fastest", c[i].b_lo, 13.0 / 11, c[i].b_lo / 12,
				 14.0 / 10);
			if (!strstr(small, want))
				fail_msg("case %zu: no '%s' in\n%s", i, want, text);
			snprintf(want, sizeof want, "fifo moves the most, 130 MB/s (%.0f–140); pipe "
				 "the least, 110 MB/s (100–120): the most is %.1f× (%.1f–%.1f) the "
				 "least", c[i].b_lo * 10, 13.0 / 11, c[i].b_lo * 10 / 120, 140.0 / 100);
			if (!strstr(bulk, want))
				fail_msg("case %zu: no '%s' in\n%s", i, want, text);
		}
		free(text);
		run_free(run);
	}
}


/* ---- the plots' tables ---------------------------------------------------- */

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	return ftw->level == 0 ? 0 : remove(path);
}

/* The line of file dir/name whose first field is key, after that field;
 * "" when none. */
static void line_of(const char *dir, const char *name, const char *key, char *out, size_t cap)
{
	char path[IPC_PATH_MAX + 128], line[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("no %s", path);
	out[0] = '\0';
	size_t kl = strlen(key);
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, key, kl) && (line[kl] == ' ' || line[kl] == '\n')) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, cap, "%s", line + kl + (line[kl] == ' '));
			break;
		}
	fclose(f);
}

/* Every column of the latency, pinning, process, floor and scaling tables
 * holds the figure its header comment names, in its unit (µs, or ms for
 * whole commands); a figure not measured is NaN; the client counts in
 * increasing order. */
static void test_plot_columns(void **state)
{
	struct test_env *env = *state;
	struct run *run = run_new();
	assert_non_null(run);
	static const struct {
		const char *t, *mode, *pin;
		double p50, p99, p999;
	} lat[] = {
		{ "pipe", "greeting", "0,0", 1.5, 3.25, 7.125 },
		{ "pipe", "echo", "0,0", 2.5, 4.75, 9.5 },
		{ "pipe", "greeting", "0,1", 11.5, 13.25, 17.5 },
		{ "fifo", "echo", "0,1", 21.5, 23.25, 27.5 },
		{ "fifo", "greeting", "none", 31.5, 33.25, 37.5 },
	};
	for (size_t i = 0; i < sizeof lat / sizeof lat[0]; i++) {
		struct result_row r = { .kind = "latency", .transport = lat[i].t, .mode = lat[i].mode,
					.size = 16, .count = 10, .clients = 1, .pin = lat[i].pin,
					.note = "" };
		r.lat_us = (struct stats){ .min = 1, .p50 = lat[i].p50, .p90 = lat[i].p50,
					   .p99 = lat[i].p99, .p999 = lat[i].p999, .max = 99 };
		assert_int_equal(run_add_row(run, &r), 0);
	}
	static const struct {
		const char *t, *mode;
		double p50, p90, p99;
	} proc[] = {
		{ "tcp", "greet", 1250, 1500, 2750 }, { "tcp", "demo", 4500, 5250, 8000 },
		{ "none", "true", 625, 700, 900 }, { "none", "list-dynamic", 1875, 2000, 2100 },
	};
	for (size_t i = 0; i < sizeof proc / sizeof proc[0]; i++) {
		struct result_row r = { .kind = "process", .transport = proc[i].t, .mode = proc[i].mode,
					.count = 10, .clients = 1, .pin = "none", .note = "" };
		r.lat_us = (struct stats){ .min = 1, .p50 = proc[i].p50, .p90 = proc[i].p90,
					   .p99 = proc[i].p99, .p999 = proc[i].p99, .max = proc[i].p99 };
		assert_int_equal(run_add_row(run, &r), 0);
	}
	static const struct {
		unsigned long clients;
		double per_s, p99, max;
	} load[] = { { 100, 30000, 250, 900 }, { 1, 8000, 25, 60 }, { 10, 21000, 60, 300 } };
	for (size_t i = 0; i < 3; i++) {
		struct result_row r = { .kind = "load", .transport = "unix_stream", .mode = "epoll",
					.count = 1000, .clients = load[i].clients, .pin = "none",
					.note = "", .msgs_per_s = load[i].per_s };
		r.lat_us = (struct stats){ .p50 = 10, .p99 = load[i].p99, .max = load[i].max };
		assert_int_equal(run_add_row(run, &r), 0);
	}
	run_finish(run);
	struct ipc_error e = { 0 };
	if (run_plot_data(run, env->dir, &e) < 0)
		fail_msg("run_plot_data: %s", e.msg);
	char got[512], want[512];
	/* Each transport's line is numbered by its place in the registry. */
	const char *T[32];
	size_t nt = run_transports(T, 32), i_tcp = 0, i_pipe = 0, i_fifo = 0;
	for (size_t i = 0; i < nt; i++) {
		i_tcp = strcmp(T[i], "tcp") ? i_tcp : i + 1;
		i_pipe = strcmp(T[i], "pipe") ? i_pipe : i + 1;
		i_fifo = strcmp(T[i], "fifo") ? i_fifo : i + 1;
	}
	char key[24];
	/* latency.dat: i T; one CPU greeting p50 p99 p999, echo the same; two CPUs the same. */
	snprintf(key, sizeof key, "%zu", i_pipe);
	line_of(env->dir, "latency.dat", key, got, sizeof got);
	snprintf(want, sizeof want, "pipe %.4g %.4g %.4g %.4g %.4g %.4g %.4g %.4g %.4g NaN NaN NaN",
		 1.5, 3.25, 7.125, 2.5, 4.75, 9.5, 11.5, 13.25, 17.5);
	assert_string_equal(got, want);
	snprintf(key, sizeof key, "%zu", i_fifo);
	line_of(env->dir, "latency.dat", key, got, sizeof got);
	snprintf(want, sizeof want, "fifo NaN NaN NaN NaN NaN NaN NaN NaN NaN %.4g %.4g %.4g", 21.5,
		 23.25, 27.5);
	assert_string_equal(got, want);
	/* pinning.dat: greeting p50 p99 on one CPU, two CPUs, unpinned. */
	snprintf(key, sizeof key, "%zu", i_pipe);
	line_of(env->dir, "pinning.dat", key, got, sizeof got);
	snprintf(want, sizeof want, "pipe %.4g %.4g %.4g %.4g NaN NaN", 1.5, 3.25, 11.5, 13.25);
	assert_string_equal(got, want);
	snprintf(key, sizeof key, "%zu", i_fifo);
	line_of(env->dir, "pinning.dat", key, got, sizeof got);
	snprintf(want, sizeof want, "fifo NaN NaN NaN NaN %.4g %.4g", 31.5, 33.25);
	assert_string_equal(got, want);
	/* process.dat: greet p50 p90 p99, demo p50 p90 p99, in ms. */
	snprintf(key, sizeof key, "%zu", i_tcp);
	line_of(env->dir, "process.dat", key, got, sizeof got);
	snprintf(want, sizeof want, "tcp %.4g %.4g %.4g %.4g %.4g %.4g", 1.25, 1.5, 2.75, 4.5, 5.25,
		 8.0);
	assert_string_equal(got, want);
	/* floor.dat: true, list, list-dynamic p50 in ms. */
	char path[IPC_PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/floor.dat", env->dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[256] = "";
	while (fgets(line, sizeof line, f) && line[0] == '#')
		;
	fclose(f);
	snprintf(want, sizeof want, " %.4g NaN %.4g\n", 0.625, 1.875);
	assert_string_equal(line, want);
	/* scaling: by clients, requests/s, p99, max. */
	static const char *const rows[] = { "1", "10", "100" };
	static const size_t at[] = { 1, 2, 0 };
	for (size_t i = 0; i < 3; i++) {
		line_of(env->dir, "scaling_unix_stream_epoll.dat", rows[i], got, sizeof got);
		snprintf(want, sizeof want, "%.1f %.4g %.4g", load[at[i]].per_s, load[at[i]].p99,
			 load[at[i]].max);
		assert_string_equal(got, want);
	}
	snprintf(path, sizeof path, "%s/scaling_unix_stream_epoll.dat", env->dir);
	f = fopen(path, "r");
	assert_non_null(f);
	unsigned long last = 0, c;
	while (fgets(line, sizeof line, f))
		if (line[0] != '#') {
			assert_int_equal(sscanf(line, "%lu", &c), 1);
			assert_true(c > last);
			last = c;
		}
	fclose(f);
	/* meta.gp: the floor in ms, the placements by name, a log axis for
	 * 8,000 to 30,000 requests/s (under a decade: no). */
	line_of(env->dir, "meta.gp", "FLOOR_MS", got, sizeof got);
	assert_string_equal(got, "= 0.6250");
	line_of(env->dir, "meta.gp", "DYNAMIC_MS", got, sizeof got);
	assert_string_equal(got, "= 1.8750");
	line_of(env->dir, "meta.gp", "START_MS", got, sizeof got);
	assert_string_equal(got, "= NaN");
	line_of(env->dir, "meta.gp", "SAME", got, sizeof got);
	assert_string_equal(got, "= \"one CPU (0)\"");
	line_of(env->dir, "meta.gp", "CROSS", got, sizeof got);
	assert_string_equal(got, "= \"two CPUs (0, 1)\"");
	line_of(env->dir, "meta.gp", "SCALING_LOG", got, sizeof got);
	assert_string_equal(got, "= 0");
	run_free(run);
	assert_int_equal(nftw(env->dir, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}


/* io_uring against epoll, ZeroMQ against its socket: a ratio, with the
 * interval the two intervals allow, only where they are apart (touching
 * ones overlap), "tied" where they overlap, and no verdict for a single
 * round; a over b, not b over a. */
static void test_versus_table(void **state)
{
	(void)state;
	static const struct {
		double av, alo, ahi;
		unsigned ar;
		double bv, blo, bhi;
		unsigned br;
		const char *want;
	} c[] = {
		{ 300, 290, 310, 3, 100, 90, 110, 3, "3.00× (2.64–3.44) epoll's 100 (90–110 over 3 rounds)" },
		{ 100, 90, 110, 3, 300, 290, 310, 3, "0.33× (0.29–0.38) epoll's 300 (290–310 over 3 rounds)" },
		{ 120, 110, 130, 3, 100, 90, 110, 3,
		  "tied with epoll's 100 (90–110 over 3 rounds) (the intervals overlap)" },
		{ 100, 90, 110, 3, 120, 110, 130, 3,
		  "tied with epoll's 120 (110–130 over 3 rounds) (the intervals overlap)" },
		{ 120, 110.5, 130, 3, 100, 90, 110, 3, "1.20× (1.00–1.44) epoll's 100 (90–110 over 3 rounds)" },
		{ 200, 200, 200, 1, 100, 90, 110, 3,
		  "2.00× epoll's 100 (90–110 over 3 rounds) (a single round: no interval, so no "
		  "verdict)" },
		{ 200, 190, 210, 3, 100, 100, 100, 1,
		  "2.00× epoll's 100 (a single round: no interval, so no verdict)" },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct figure a = { c[i].av, c[i].alo, c[i].ahi, c[i].ar, true, "greetings/s" };
		struct figure b = { c[i].bv, c[i].blo, c[i].bhi, c[i].br, true, "greetings/s" };
		char buf[256];
		uring_zmq_versus(&a, &b, "epoll's", buf, sizeof buf);
		if (strcmp(buf, c[i].want))
			fail_msg("case %zu: '%s', not '%s'", i, buf, c[i].want);
	}
	/* µs figures carry one decimal. */
	struct figure a = { 12.5, 12, 13, 3, false, "µs" }, b = { 25, 24.5, 25.5, 3, false, "µs" };
	char buf[256];
	uring_zmq_versus(&a, &b, "the socket's", buf, sizeof buf);
	assert_string_equal(buf, "0.50× (0.47–0.53) the socket's 25.0 (24.5–25.5 over 3 rounds)");
}

/* Where a throughput curve falls, the Why that fits the sizes on either
 * side of the fall and the transport, or none: a pipe's 4 KiB slots only
 * from a message of at most a page to a larger one, its 64 KiB only when
 * the larger reaches it, a socket's 208 KiB buffer only past it, nothing
 * for shared memory. */
static void test_bend_why_by_sizes(void **state)
{
	(void)state;
	static const struct {
		const char *t;
		unsigned long below, above;
		const char *why; /* NULL: no Why */
	} c[] = {
		{ "pipe", 2048, 8192, "only writes up to PIPE_BUF (4096 B) are atomic" },
		{ "fifo", 4096, 8192, "only writes up to PIPE_BUF (4096 B) are atomic" },
		{ "pipe", 4097, 8192, "keeps the reader waking while the writer still copies" },
		{ "pipe", 16384, 65536, "a pipe holds 64 KiB: a message this large fills it" },
		{ "pipe", 32768, 65537, "cannot be written at once" },
		{ "fifo", 65536, 131072, "cannot be written at once" },
		{ "unix_dgram", 1024, 8192, "each datagram of more than a page" },
		{ "unix_dgram", 1024, 4096, NULL },
		{ "tcp", 65536, 262144, "a socket's default buffer is 208 KiB" },
		{ "unix_stream", 65536, 212993, "a socket's default buffer is 208 KiB" },
		{ "socketpair", 65536, 212992, NULL },
		{ "udp", 16384, 65507, NULL },
		{ "shm", 65536, 1048576, NULL },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct run *run = run_new();
		assert_non_null(run);
		/* 64 B at 100 MB/s, the size below the fall at its peak, the one
		 * above at half of it: one round each. */
		const unsigned long size[3] = { 64, c[i].below, c[i].above };
		const double mb[3] = { 100, 1000, 500 };
		for (size_t k = 0; k < 3; k++) {
			struct result_row r = { .kind = "throughput", .transport = c[i].t, .mode = "",
						.size = size[k], .count = 100, .clients = 1,
						.pin = "0,1", .note = "", .mb_per_s = mb[k] };
			assert_int_equal(run_add_row(run, &r), 0);
		}
		run_finish(run);
		char *text = findings_text(run);
		char head[64];
		snprintf(head, sizeof head, "  - %s peaks at 1000 MB/s", c[i].t);
		const char *line = strstr(text, head);
		if (!line)
			fail_msg("case %zu: no '%s' in\n%s", i, head, text);
		const char *end = strchr(line, '\n');
		const char *why = strstr(line, "Why: ");
		bool has = why && why < end;
		if (!c[i].why) {
			if (has)
				fail_msg("case %zu: a Why where none fits: %.*s", i, (int)(end - line),
					 line);
		} else {
			const char *at = strstr(line, c[i].why);
			if (!has || !at || at > end)
				fail_msg("case %zu: not '%s': %.*s", i, c[i].why, (int)(end - line), line);
		}
		free(text);
		run_free(run);
	}
}

/* A quick run says how many rounds each kind had: the most of any row. */
static void test_quick_run_rounds(void **state)
{
	(void)state;
	static const struct {
		size_t lat, tp;
		const char *want;
	} c[] = {
		{ 3, 5, "3 rounds of latency and 5 of throughput" },
		{ 1, 2, "1 round of latency and 2 of throughput" },
		{ 2, 1, "2 rounds of latency and 1 of throughput" },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct run *run = run_new();
		assert_non_null(run);
		assert_int_equal(run_set_env(run, "quick", "1"), 0);
		for (size_t r = 0; r < c[i].lat; r++) {
			struct result_row row = { .kind = "latency", .transport = "pipe",
						  .mode = "greeting", .size = 16, .count = 10,
						  .clients = 1, .pin = "0,0", .note = "" };
			row.lat_us.p50 = 10 + (double)r;
			assert_int_equal(run_add_row(run, &row), 0);
			row.transport = "fifo"; /* fewer rounds: not the most */
			if (r == 0)
				assert_int_equal(run_add_row(run, &row), 0);
		}
		for (size_t r = 0; r < c[i].tp; r++) {
			struct result_row row = { .kind = "throughput", .transport = "tcp", .mode = "",
						  .size = 65536, .count = 10, .clients = 1,
						  .pin = "0,1", .note = "", .mb_per_s = 100 + (double)r };
			assert_int_equal(run_add_row(run, &row), 0);
		}
		run_finish(run);
		char *text = findings_text(run);
		if (!strstr(text, c[i].want))
			fail_msg("case %zu: no '%s' in\n%s", i, c[i].want, text);
		free(text);
		run_free(run);
	}
}

/* Loss: per datagram transport, the share lost over every throughput row
 * (all sizes and placements), the worst row named by its size and
 * placement; none lost said as such; a stream's rows never counted. */
static void test_loss_over_rows(void **state)
{
	(void)state;
	struct run *run = run_new();
	assert_non_null(run);
	static const struct {
		const char *t, *pin;
		unsigned long size, count, lost;
	} rows[] = {
		{ "udp", "0,1", 1024, 100, 10 }, { "udp", "0,0", 65507, 200, 50 },
		{ "udp", "0,1", 4096, 100, 0 }, { "udp", "0,0", 16, 400, 60 },
		{ "unix_dgram", "0,1", 1024, 300, 0 }, { "tcp", "0,1", 1024, 100, 40 },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct result_row r = { .kind = "throughput", .transport = rows[i].t, .mode = "",
					.size = rows[i].size, .count = rows[i].count, .clients = 1,
					.pin = rows[i].pin, .note = "", .mb_per_s = 10,
					.lost = rows[i].lost };
		assert_int_equal(run_add_row(run, &r), 0);
	}
	run_finish(run);
	char *text = findings_text(run);
	/* udp: 120 of 800, 15 %; the worst 50 of 200 at 65,507 B on one CPU. */
	char want[256];
	snprintf(want, sizeof want, "**Loss, udp:** %.2f %% of the datagrams sent in the throughput "
		 "runs were lost (120 of 800, every placement; at most %.1f %%, with 65,507 B "
		 "messages on one CPU (0))", 100.0 * 120 / 800, 100.0 * 50 / 200);
	if (!strstr(text, want))
		fail_msg("no '%s' in\n%s", want, text);
	assert_non_null(strstr(text, "**Loss, unix_dgram:** none of the 300 datagrams sent was lost"));
	assert_null(strstr(text, "**Loss, tcp"));
	free(text);
	run_free(run);
}

/* The peer tools, judged on means: the range of the ratios, the furthest
 * from 1 named (by its distance, whichever side), and "agree" only when
 * every ratio is within 2 % either way. */
static void test_peer_agreement(void **state)
{
	(void)state;
	static const struct {
		double r1, r2; /* two comparisons' ipclab / peer */
		bool agree;
		const char *far_tool;
		double far;
	} c[] = {
		{ 0.99, 1.015, true, "qperf", 1.015 },
		{ 0.985, 1.019, true, "qperf", 1.019 },
		{ 0.97, 1.01, false, "sockperf", 0.97 },
		{ 0.90, 1.05, false, "sockperf", 0.90 },
		{ 0.97, 1.20, false, "qperf", 1.20 },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct run *run = run_new();
		assert_non_null(run);
		const char *tool[2] = { "sockperf", "qperf" };
		const double ratio[2] = { c[i].r1, c[i].r2 };
		for (int k = 0; k < 2; k++) {
			struct peer_round pr = { .size = 16, .round = 1, .peer = 10,
						 .before = 10 * ratio[k], .after = 10 * ratio[k],
						 .ours_p50 = 9, .ours_mean = 10 * ratio[k],
						 .p50_before = 9, .p50_after = 9 };
			snprintf(pr.tool, sizeof pr.tool, "%s", tool[k]);
			snprintf(pr.transport, sizeof pr.transport, "tcp");
			snprintf(pr.pin, sizeof pr.pin, "0,1");
			snprintf(pr.stat, sizeof pr.stat, "mean");
			assert_int_equal(run_add_peer_round(run, &pr), 0);
		}
		run_finish(run);
		char *text = findings_text(run);
		const char *head = c[i].agree ? "**The peer tools agree with ipclab within 2 %**"
					      : "**What the peer tools say**";
		if (!strstr(text, head))
			fail_msg("case %zu: no '%s' in\n%s", i, head, text);
		char want[200];
		snprintf(want, sizeof want, "%.2f to %.2f× over 2 comparisons, furthest %s tcp on two "
			 "CPUs (0, 1) (%.3f×)", c[i].r1, c[i].r2, c[i].far_tool, c[i].far);
		if (!strstr(text, want))
			fail_msg("case %zu: no '%s' in\n%s", i, want, text);
		free(text);
		run_free(run);
	}
}

/* A comparison whose rounds all split but the last: ipclab's mean is still
 * the median of every round's mean, and the one pair left is the ratio. */
static void test_peer_all_split_but_last(void **state)
{
	(void)state;
	struct run *run = run_new();
	assert_non_null(run);
	static const struct {
		double before, after, mean, p50b;
	} r[] = { { 10, 30, 1, 0.5 }, { 30, 10, 5, 0.5 }, { 10, 11, 10, 0.5 } };
	for (int k = 0; k < 3; k++) {
		struct peer_round pr = { .size = 16, .round = k + 1, .peer = 10, .before = r[k].before,
					 .after = r[k].after, .ours_p50 = r[k].before,
					 .ours_mean = r[k].mean, .p50_before = r[k].p50b,
					 .p50_after = r[k].p50b };
		snprintf(pr.tool, sizeof pr.tool, "sockperf");
		snprintf(pr.transport, sizeof pr.transport, "tcp");
		snprintf(pr.pin, sizeof pr.pin, "0,1");
		snprintf(pr.stat, sizeof pr.stat, "mean");
		assert_int_equal(run_add_peer_round(run, &pr), 0);
	}
	run_finish(run);
	struct peer_verdict v[2];
	assert_int_equal(run_peer_verdicts(run, v, 2), 1);
	assert_int_equal(v[0].split, 2);
	assert_int_equal(v[0].rounds, 1);
	assert_true(v[0].ours_mean == 5);  /* of 1, 5, 10 */
	assert_true(v[0].ours_p50 == 10);  /* of 10, 30, 10 */
	assert_float_equal(v[0].ratio, 10.5 / 10, 1e-12);
	run_free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rounds_grouped),
		cmocka_unit_test(test_even_rounds_lower_middle),
		cmocka_unit_test(test_row_figures_by_kind),
		cmocka_unit_test(test_placements_of_the_run),
		cmocka_unit_test(test_names_of_sizes_and_placements),
		cmocka_unit_test(test_find_filters),
		cmocka_unit_test(test_curve_peak_and_fall),
		cmocka_unit_test(test_curve_cap),
		cmocka_unit_test(test_peer_verdicts_from_rounds),
		cmocka_unit_test(test_peer_split_and_bandwidth),
		cmocka_unit_test(test_peer_all_split_but_last),
		cmocka_unit_test(test_env_quick_and_idle),
		cmocka_unit_test(test_transports_of_the_run),
		cmocka_unit_test(test_sorted_distinct),
		cmocka_unit_test(test_placement_sorted_by_interval),
		cmocka_unit_test(test_whole_command_range),
		cmocka_unit_test(test_cost_by_placement),
		cmocka_unit_test(test_touching_is_tied),
		cmocka_unit_test(test_versus_table),
		cmocka_unit_test(test_bend_why_by_sizes),
		cmocka_unit_test(test_quick_run_rounds),
		cmocka_unit_test(test_loss_over_rows),
		cmocka_unit_test(test_peer_agreement),
		cmocka_unit_test(test_json_validator),
		cmocka_unit_test_setup_teardown(test_plot_columns, test_env_setup, test_env_teardown),
		cmocka_unit_test(test_findings_records_follow_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
