/*
 * test_findings.c - the findings and tables know their noise: every figure
 * that enters a comparison carries the range of its rounds, a ranking is
 * said only where the ranges are apart (else the group tied within the
 * noise), a Why only where a mechanism fits the direction of the claim, and
 * round trips that gather in several places are told by their modes.
 *
 * The runs are made up, so each expectation is computed here from the
 * rounds fed in, independently of analysis/: the median round, the
 * lowest and highest round, which transports overlap.
 */
#include "support.h"

#include <dirent.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis.h"
#include "layout.h"
#include "run.h"
#include "stats.h"

#define ENV struct test_env *env = *state

/* The line of `text` that contains `key` (a copy; free it), or NULL. */
static char *line_with(const char *text, const char *key)
{
	const char *at = strstr(text, key);
	if (!at)
		return NULL;
	const char *start = at, *end = strchr(at, '\n');
	while (start > text && start[-1] != '\n')
		start--;
	if (!end)
		end = at + strlen(at);
	return strndup(start, (size_t)(end - start));
}

static void add_lat(struct run *run, const char *t, const char *pin, double p50, const char *note)
{
	struct result_row r = {
		.kind = "latency", .transport = t, .mode = "greeting", .size = 16, .count = 1000,
		.clients = 1, .pin = pin, .note = note, .cpu_us_per_op = 3, .ctxsw_per_op = 2,
		.lat_us = { .min = p50 / 2, .p50 = p50, .p90 = p50 * 1.2, .p99 = p50 * 2,
			    .p999 = p50 * 3, .max = p50 * 4, .mean = p50 * 1.1 },
	};
	assert_int_equal(run_add_row(run, &r), 0);
}

static void add_tp(struct run *run, const char *t, unsigned long size, const char *pin, double mb,
		   bool unchecked)
{
	struct result_row r = { .kind = "throughput", .transport = t, .mode = "", .size = size,
				.count = 1000, .clients = 1, .pin = pin,
				.note = unchecked ? "UNVERIFIED" : "", .mb_per_s = mb };
	assert_int_equal(run_add_row(run, &r), 0);
}

/* ---- the rankings, re-derived from the rounds ------------------------------ */

#define NT 9
static const char *const TR[NT] = { "pipe", "fifo", "unix_stream", "unix_dgram", "tcp",
				    "udp", "socketpair", "mqueue", "shm" };

/* What the test knows of one transport: its rounds, and from them alone
 * the median (nearest rank), lowest and highest. */
struct truth {
	double v[5];
	size_t n;
	double med, lo, hi;
	bool two_level, present;
};

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void truth_finish(struct truth *t)
{
	double s[5];
	memcpy(s, t->v, t->n * sizeof *s);
	qsort(s, t->n, sizeof *s, cmp_d);
	t->med = s[(t->n + 1) / 2 - 1];
	t->lo = s[0];
	t->hi = s[t->n - 1];
}

static unsigned long lcg;
static double uniform(void)
{
	lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
	return (double)(lcg >> 11) / 9007199254740992.0;
}

/* The names in "a, b and c" (a copy of the list in buf), into out. */
static size_t split_names(char *buf, char **out, size_t cap)
{
	size_t n = 0;
	for (char *p = buf; p && *p && n < cap;) {
		char *comma = strstr(p, ", "), *and = strstr(p, " and ");
		char *cut = comma && (!and || comma < and) ? comma : and;
		if (cut)
			*cut = '\0';
		out[n++] = p;
		p = cut ? cut + (cut == comma ? 2 : 5) : NULL;
	}
	return n;
}

static bool named(char **names, size_t n, const char *t)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], t))
			return true;
	return false;
}

/* a better than b beyond the noise, from the test's own rounds. */
static bool truly_apart(const struct truth *a, const struct truth *b, bool higher)
{
	return higher ? a->lo > b->hi : a->hi < b->lo;
}

/* Check one ranking line against the truth: the groups it names are
 * exactly those whose ranges overlap the best's (the worst's), and the
 * ratio is the medians' with the interval the ranges allow. */
static void check_ranking(const char *line, const struct truth *tr, bool higher,
			  const char *const words[4])
{
	size_t best = NT, worst = NT;
	for (size_t i = 0; i < NT; i++) {
		if (!tr[i].present || tr[i].two_level)
			continue;
		if (best == NT || (higher ? tr[i].med > tr[best].med : tr[i].med < tr[best].med))
			best = i;
		if (worst == NT || (higher ? tr[i].med < tr[worst].med : tr[i].med > tr[worst].med))
			worst = i;
	}
	assert_true(best < NT && worst < NT);
	/* A row on two levels is never ranked, and is said to be left out. */
	for (size_t i = 0; i < NT; i++)
		if (tr[i].present && tr[i].two_level) {
			const char *left = strstr(line, "Left out of the ranking");
			assert_non_null(left);
			assert_non_null(strstr(left, TR[i]));
		}
	const char *body = strstr(line, "in brackets): ");
	assert_non_null(body);
	body += strlen("in brackets): ");
	if (!strncmp(body, "all ", 4)) {
		assert_false(truly_apart(&tr[best], &tr[worst], higher));
		size_t ranked = 0;
		for (size_t i = 0; i < NT; i++)
			ranked += tr[i].present && !tr[i].two_level;
		char want[256];
		const char *fmt = higher ? "all %zu tied within the noise: from %.0f MB/s (%.0f–%.0f) "
					   "(%s) to %.0f MB/s (%.0f–%.0f) (%s), "
					 : "all %zu tied within the noise: from %.1f µs (%.1f–%.1f) "
					   "(%s) to %.1f µs (%.1f–%.1f) (%s), ";
		snprintf(want, sizeof want, fmt, ranked, tr[best].med, tr[best].lo, tr[best].hi, TR[best],
			 tr[worst].med, tr[worst].lo, tr[worst].hi, TR[worst]);
		if (!strstr(body, want))
			fail_msg("expected '%s' in: %s", want, line);
		return;
	}
	assert_true(truly_apart(&tr[best], &tr[worst], higher));
	/* The leading group. */
	const char *end_single = strstr(body, words[0]), *end_tied = strstr(body, words[1]);
	const char *end = end_single && (!end_tied || end_single < end_tied) ? end_single : end_tied;
	assert_non_null(end);
	char lead[512], *ln[NT];
	snprintf(lead, sizeof lead, "%.*s", (int)(end - body), body);
	size_t nl = split_names(lead, ln, NT);
	/* The trailing group: after "; " up to its words. */
	const char *semi = strstr(end, "; ");
	assert_non_null(semi);
	semi += 2;
	const char *te_single = strstr(semi, words[2]), *te_tied = strstr(semi, words[3]);
	const char *te = te_tied && (!te_single || te_tied < te_single) ? te_tied : te_single;
	assert_non_null(te);
	char tail[512], *tn[NT];
	snprintf(tail, sizeof tail, "%.*s", (int)(te - semi), semi);
	size_t nt = split_names(tail, tn, NT);
	for (size_t i = 0; i < NT; i++) {
		if (!tr[i].present || tr[i].two_level) {
			assert_false(named(ln, nl, TR[i]));
			assert_false(named(tn, nt, TR[i]));
			continue;
		}
		bool in_lead = i == best || !truly_apart(&tr[best], &tr[i], higher);
		bool in_tail = i == worst || !truly_apart(&tr[i], &tr[worst], higher);
		if (in_lead != named(ln, nl, TR[i]) || in_tail != named(tn, nt, TR[i]))
			fail_msg("%s: in the lead %d (said %d), in the tail %d (said %d): %s", TR[i],
				 in_lead, named(ln, nl, TR[i]), in_tail, named(tn, nt, TR[i]), line);
	}
	/* Each group's figures: the best of it to its last (by median). */
	const struct truth *order[NT];
	size_t no = 0;
	for (size_t i = 0; i < NT; i++)
		if (tr[i].present && !tr[i].two_level)
			order[no++] = &tr[i];
	for (size_t a = 1; a < no; a++) /* best first */
		for (size_t b = a; b > 0 && (higher ? order[b]->med > order[b - 1]->med
					      : order[b]->med < order[b - 1]->med); b--) {
			const struct truth *x = order[b];
			order[b] = order[b - 1];
			order[b - 1] = x;
		}
	const struct truth *lead_first = NULL, *lead_last = NULL, *tail_first = NULL;
	for (size_t k = 0; k < no; k++) {
		bool in_lead = k == 0 || !truly_apart(order[0], order[k], higher);
		bool in_tail = k == no - 1 || !truly_apart(order[k], order[no - 1], higher);
		if (in_lead)
			lead_last = order[k], lead_first = lead_first ? lead_first : order[k];
		if (in_tail && !tail_first)
			tail_first = order[k];
	}
	char fig[3][96];
	const struct truth *show[3] = { lead_first, lead_last, tail_first };
	for (size_t k = 0; k < 3; k++)
		snprintf(fig[k], sizeof fig[k], higher ? "%.0f MB/s (%.0f–%.0f)" : "%.1f µs (%.1f–%.1f)",
			 show[k]->med, show[k]->lo, show[k]->hi);
	char range[256];
	snprintf(range, sizeof range, "%s to %s; ", fig[0], fig[1]);
	if (nl > 1 && !strstr(line, range))
		fail_msg("expected the leading group's range '%s' in: %s", range, line);
	snprintf(range, sizeof range, "%s to %s:", fig[2], nt > 1 ? (snprintf(fig[1], sizeof fig[1],
			higher ? "%.0f MB/s (%.0f–%.0f)" : "%.1f µs (%.1f–%.1f)", order[no - 1]->med,
			order[no - 1]->lo, order[no - 1]->hi), fig[1]) : "");
	if (nt > 1 && !strstr(line, range))
		fail_msg("expected the trailing group's range '%s' in: %s", range, line);
	/* "is fastest" only for a leader apart from every other. */
	if (end == end_single) {
		assert_int_equal(nl, 1);
		for (size_t i = 0; i < NT; i++)
			if (i != best && tr[i].present && !tr[i].two_level)
				assert_true(truly_apart(&tr[best], &tr[i], higher));
	}
	/* The ratio of the ends and its interval. */
	const struct truth *big = higher ? &tr[best] : &tr[worst], *small = higher ? &tr[worst] : &tr[best];
	char want[96];
	snprintf(want, sizeof want, "%.1f× (%.1f–%.1f)", big->med / small->med, big->lo / small->hi,
		 big->hi / small->lo);
	if (!strstr(line, want))
		fail_msg("expected the ratio %s in: %s", want, line);
}

static void test_rankings_hold_against_rounds(void **state)
{
	(void)state;
	static const char *const small_words[4] = { " is fastest, ", " are tied for fastest within the noise, ",
						    " slowest, ", " tied for slowest, " };
	static const char *const bulk_words[4] = { " moves the most, ", " are tied for the most within the noise, ",
						   " the least, ", " tied for the least, " };
	size_t said_single = 0, said_tied = 0, said_all = 0;
	lcg = 24;
	for (int trial = 0; trial < 60; trial++) {
		struct truth lat[NT] = { 0 }, bulk[NT] = { 0 };
		size_t rounds = trial % 2 ? 3 : 5;
		double spread = trial % 3 == 0 ? 0.02 : trial % 3 == 1 ? 0.10 : 0.30;
		struct run *run = run_new();
		assert_non_null(run);
		for (size_t i = 0; i < NT; i++) {
			if (uniform() < 0.15)
				continue; /* not every transport in every run */
			lat[i].present = bulk[i].present = true;
			lat[i].two_level = uniform() < 0.1;
			/* Every fifth run, close figures: ties from end to end. */
			double width = trial % 5 == 4 ? 0.05 : 1;
			double base = 10 + 20 * width * uniform(), mb = 1000 + 9000 * width * uniform();
			for (size_t r = 0; r < rounds; r++) {
				lat[i].v[lat[i].n++] = base * (1 + spread * (uniform() - 0.5));
				bulk[i].v[bulk[i].n++] = mb * (1 + spread * (uniform() - 0.5));
			}
			truth_finish(&lat[i]);
			truth_finish(&bulk[i]);
		}
		/* By rounds, as a run writes them: every transport once a round. */
		for (size_t r = 0; r < rounds; r++)
			for (size_t i = 0; i < NT; i++)
				if (lat[i].present) {
					add_lat(run, TR[i], "0,0", lat[i].v[r],
						lat[i].two_level ? "TWO-LEVEL levels=1/2us high=50%" : "");
					add_tp(run, TR[i], 65536, "0,0", bulk[i].v[r], false);
				}
		run_finish(run);
		size_t ranked = 0;
		for (size_t i = 0; i < NT; i++)
			ranked += lat[i].present && !lat[i].two_level;
		char *text = test_findings_text(run, false);
		char *small = line_with(text, "**Small messages, one CPU (0)**");
		char *big = line_with(text, "**Bulk data, one CPU (0)**");
		if (ranked >= 2) {
			assert_non_null(small);
			check_ranking(small, lat, false, small_words);
			said_all += strstr(small, "within the noise: from") != NULL;
			said_tied += strstr(small, "tied for") != NULL;
			said_single += strstr(small, " is fastest, ") != NULL;
		} else {
			assert_null(small);
		}
		if (big) {
			/* Every row on two levels has its bulk row plain: all ranked. */
			for (size_t i = 0; i < NT; i++)
				bulk[i].two_level = false;
			check_ranking(big, bulk, true, bulk_words);
		}
		free(small);
		free(big);
		free(text);
		run_free(run);
	}
	/* The made-up runs cover every kind of sentence. */
	assert_true(said_single > 0);
	if (!said_tied)
		fail_msg("no tie in %zu single, %zu all", said_single, said_all);
	assert_true(said_all > 0);
}

/* One round each: a range of figures, no ranking and no ratio. */
static void test_one_round_ranks_nothing(void **state)
{
	(void)state;
	struct run *run = run_new();
	add_lat(run, "pipe", "0,0", 10, "");
	add_lat(run, "tcp", "0,0", 30, "");
	run_finish(run);
	char *text = test_findings_text(run, false);
	char *line = line_with(text, "Small messages");
	assert_non_null(line);
	assert_non_null(strstr(line, "one round each, so no interval and no ranking: from 10.0 µs "
				     "(pipe) to 30.0 µs (tcp)."));
	assert_null(strstr(line, "fastest"));
	assert_null(strstr(line, "×"));
	free(line);
	free(text);
	run_free(run);
}

/* ---- a Why that fits, or none ---------------------------------------------- */

static void rounds3(struct run *run, const char *t, const char *pin, double p50)
{
	add_lat(run, t, pin, p50, "");
	add_lat(run, t, pin, p50 * 0.99, "");
	add_lat(run, t, pin, p50 * 1.01, "");
}

/* socketpair and unix_stream run the same socket code: when one comes out
 * slower, no mechanism of either explains it, so no Why. */
static void test_socketpair_slower_has_no_why(void **state)
{
	(void)state;
	struct run *run = run_new();
	rounds3(run, "unix_stream", "0,0", 22.0);
	rounds3(run, "socketpair", "0,0", 26.8);
	run_finish(run);
	char *text = test_findings_text(run, false);
	char *line = line_with(text, "Small messages");
	assert_non_null(line);
	assert_non_null(strstr(line, "unix_stream is fastest, 22.0 µs (21.8–22.2); socketpair "
				     "slowest, 26.8 µs (26.5–27.1)"));
	assert_null(strstr(line, "Why"));
	assert_null(strstr(text, "without a name or a listener"));
	free(line);
	free(text);
	run_free(run);
}

/* The IP stack explains a Unix-domain transport ahead of loopback IP, and
 * only in that direction. */
static void test_ip_why_only_in_its_direction(void **state)
{
	(void)state;
	struct run *a = run_new(), *b = run_new();
	rounds3(a, "pipe", "0,0", 10);
	rounds3(a, "udp", "0,0", 20);
	rounds3(b, "pipe", "0,0", 20);
	rounds3(b, "udp", "0,0", 10);
	run_finish(a);
	run_finish(b);
	char *ta = test_findings_text(a, false), *tb = test_findings_text(b, false);
	char *la = line_with(ta, "Small messages"), *lb = line_with(tb, "Small messages");
	assert_non_null(la);
	assert_non_null(lb);
	assert_non_null(strstr(la, "Why: the Unix-domain transports hand a message"));
	assert_null(strstr(lb, "Why"));
	free(la);
	free(lb);
	free(ta);
	free(tb);
	run_free(a);
	run_free(b);
}

static void curve(struct run *run, const char *t, const char *pin, const unsigned long *size,
		  const double *mb, size_t n)
{
	for (size_t r = 0; r < 3; r++)
		for (size_t k = 0; k < n; k++)
			add_tp(run, t, size[k], pin, mb[k] * (r == 0 ? 1 : r == 1 ? 0.98 : 1.02), false);
}

/* shm's bytes never touch a socket buffer: its fall at 1 MiB gets no
 * socket's Why (unix_stream's does, beside it). */
static void test_shm_fall_has_no_socket_why(void **state)
{
	(void)state;
	static const unsigned long S[] = { 65536, 262144, 1048576 };
	static const double shm[] = { 19493, 19000, 12000 }, us[] = { 6000, 6500, 3000 };
	struct run *run = run_new();
	curve(run, "shm", "0,1", S, shm, 3);
	curve(run, "unix_stream", "0,1", S, us, 3);
	run_finish(run);
	char *text = test_findings_text(run, false);
	char *s = line_with(text, "  - shm peaks"), *u = line_with(text, "  - unix_stream peaks");
	assert_non_null(s);
	assert_non_null(u);
	assert_non_null(strstr(s, "shm peaks at 19493 MB/s (19103–19883) with 64 KiB messages and "
				  "falls to 12000 MB/s (11760–12240) at 1 MiB."));
	assert_null(strstr(s, "Why"));
	assert_null(strstr(s, "socket"));
	assert_non_null(strstr(u, "Why: a socket's default buffer is 208 KiB"));
	free(s);
	free(u);
	free(text);
	run_free(run);
}

/* A fall inside the noise is no fall: the 1 MiB rounds reach above 70 %
 * of the peak's lowest round. */
static void test_bend_needs_a_fall_beyond_the_noise(void **state)
{
	(void)state;
	static const unsigned long S[] = { 4096, 65536, 1048576 };
	struct run *run = run_new();
	static const double peak[] = { 900, 1000, 1000 }, low[] = { 800, 600, 600 };
	for (size_t r = 0; r < 3; r++) {
		add_tp(run, "tcp", S[0], "0,1", 500, false);
		add_tp(run, "tcp", S[1], "0,1", peak[r], false);
		add_tp(run, "tcp", S[2], "0,1", low[r], false); /* median 600, highest 800 */
	}
	run_finish(run);
	const struct run_row *pts[8];
	size_t n = run_curve(run, "tcp", "0,1", pts, 8), p, f;
	assert_int_equal(n, 3);
	assert_true(run_bend(pts, n, &p, &f));
	assert_int_equal(p, 1);
	assert_int_equal(f, 0); /* 800 is not under 0.7 * 900 */
	run_free(run);
}

/* shm faster across CPUs: "shorter", and the wake-up Why is said of the
 * longer ones only. */
static void test_shm_faster_across_cpus(void **state)
{
	(void)state;
	struct run *run = run_new();
	rounds3(run, "pipe", "0,0", 5);
	rounds3(run, "pipe", "0,1", 25);
	rounds3(run, "shm", "0,0", 20);
	rounds3(run, "shm", "0,1", 10);
	rounds3(run, "tcp", "0,0", 10);
	add_lat(run, "tcp", "0,1", 9, "");
	add_lat(run, "tcp", "0,1", 10, "");
	add_lat(run, "tcp", "0,1", 11.5, "");
	rounds3(run, "udp", "0,0", 10);
	add_lat(run, "udp", "0,1", 30, "TWO-LEVEL levels=20/40us high=50%");
	run_finish(run);
	char *text = test_findings_text(run, false);
	char *line = line_with(text, "**Placement:**");
	assert_non_null(line);
	char *longer = strstr(line, "longer for "), *shorter = strstr(line, "shorter for ");
	char *same = strstr(line, "no change beyond the noise for ");
	assert_non_null(longer);
	assert_non_null(shorter);
	assert_non_null(same);
	assert_true(longer < shorter && shorter < same);
	/* pipe 25 / 5; shm 10 / 20 with 9.9/20.2 to 10.1/19.8; tcp's rounds
	 * 9 to 11.5 against 9.9 to 10.1 hold 1. */
	assert_non_null(strstr(longer, "longer for pipe ×5 (4.9–5.1);"));
	assert_non_null(strstr(shorter, "shorter for shm ×0.5 (0.49–0.51);"));
	assert_non_null(strstr(same, "no change beyond the noise for tcp ×1 (0.89–1.2)."));
	assert_non_null(strstr(line, "(p50 across CPUs over p50 on one, interval from the rounds' "
				     "ranges):"));
	assert_non_null(strstr(line, "Why (the longer ones)"));
	/* A row on two levels gives no ratio: named, left out. */
	assert_non_null(strstr(line, "Left out, a run on two levels at either placement "
				     "(TWO-LEVEL): udp."));
	assert_null(strstr(line, "udp ×"));
	free(line);
	free(text);
	run_free(run);
}

/* ---- modes ---------------------------------------------------------------- */

/* 35 % near 3 µs, 39 % near 26, 26 % near 80: three clusters of evenly
 * spaced values, whose medians (nearest rank) are 2.999, 25.99, 79.95. */
static double *three_modes(size_t *n)
{
	double *v = malloc(1000 * sizeof *v);
	size_t k = 0;
	for (int i = 0; i < 350; i++)
		v[k++] = 3.0 + 0.001 * (i - 175);
	for (int i = 0; i < 390; i++)
		v[k++] = 26.0 + 0.01 * (i - 195);
	for (int i = 0; i < 260; i++)
		v[k++] = 80.0 + 0.05 * (i - 130);
	*n = k;
	qsort(v, k, sizeof *v, cmp_d);
	return v;
}

static void test_stats_modes(void **state)
{
	(void)state;
	size_t n;
	double *v = three_modes(&n);
	struct stats_mode m[4];
	assert_int_equal(stats_modes(v, n, m, 4), 3);
	assert_float_equal(m[0].at, 2.999, 1e-9);
	assert_float_equal(m[0].share, 0.35, 1e-9);
	assert_float_equal(m[0].lo, 2.825, 1e-9);
	assert_float_equal(m[0].hi, 3.174, 1e-9);
	assert_float_equal(m[1].at, 25.99, 1e-9);
	assert_float_equal(m[1].share, 0.39, 1e-9);
	assert_float_equal(m[2].at, 79.95, 1e-9);
	assert_float_equal(m[2].share, 0.26, 1e-9);
	/* Room for two: the first two, in order. */
	assert_int_equal(stats_modes(v, n, m, 2), 2);
	assert_float_equal(m[1].at, 25.99, 1e-9);
	/* Too few samples: none. */
	assert_int_equal(stats_modes(v, STATS_MODE_MIN_SAMPLES - 1, m, 4), 0);
	free(v);

	/* One hump (a triangle around 10 µs, 1 % steps): one mode, all of it. */
	double one[1000];
	for (int i = 0; i < 1000; i++)
		one[i] = 10 * (1 + 0.3 * ((i % 2 ? 1 : -1) * (double)(i / 2) / 500) *
				       ((double)(i / 2) / 500));
	qsort(one, 1000, sizeof *one, cmp_d);
	assert_int_equal(stats_modes(one, 1000, m, 4), 1);
	assert_float_equal(m[0].share, 1.0, 1e-9);

	/* A small cluster (5 %) is not a mode: one mode, 95 % of them. */
	double *w = malloc(1000 * sizeof *w);
	for (int i = 0; i < 950; i++)
		w[i] = 10 + 0.001 * i;
	for (int i = 950; i < 1000; i++)
		w[i] = 500 + 0.01 * i;
	assert_int_equal(stats_modes(w, 1000, m, 4), 1);
	assert_float_equal(m[0].share, 0.95, 1e-9);
	free(w);
}

/* The finding names each mode and its share, and where the p50 sits. */
static void test_modes_finding(void **state)
{
	(void)state;
	struct run *run = run_new();
	rounds3(run, "shm", "0,0", 10);
	rounds3(run, "shm", "0,1", 25.99);
	rounds3(run, "pipe", "0,1", 30);
	run_finish(run);
	size_t n;
	double *v = three_modes(&n);
	assert_int_equal(run_add_samples(run, "cross", "shm", v, n), 0);
	char *text = test_findings_text(run, false);
	char *line = line_with(text, "**Round trips in modes, two CPUs (0, 1)**");
	if (!line)
		fail_msg("%s", text);
	if (!strstr(line, "shm near 3 µs (35 %), 26 µs (39 %) and 80 µs (26 %); the p50 "
			  "of all, 25.5 µs, sits in the mode near 26 µs and says nothing of "
			  "the 61 % elsewhere;"))
		fail_msg("%s", line);
	assert_null(strstr(line, "pipe"));
	char *rank = line_with(text, "Small messages, two CPUs");
	assert_non_null(rank);
	assert_non_null(strstr(rank, "shm's round trips gather in 3 modes (below)"));
	free(rank);
	free(line);
	free(text);
	run_free(run);
}

/* ---- the tables and all.csv ---------------------------------------------- */

/* The price of the check: a percentage only where checked and unchecked
 * rounds are apart. */
static void test_price_beyond_the_noise(void **state)
{
	(void)state;
	struct run *run = run_new();
	static const double fifo_c[] = { 3537, 6251, 8109 }, fifo_u[] = { 2058, 2376, 4490 };
	static const double ud_c[] = { 1612, 3909, 10605 }, ud_u[] = { 4255, 7890, 14346 };
	static const double pipe_c[] = { 100, 105, 110 }, pipe_u[] = { 200, 210, 220 };
	for (size_t r = 0; r < 3; r++) {
		add_tp(run, "fifo", 65536, "0,1", fifo_c[r], false);
		add_tp(run, "fifo", 65536, "0,1", fifo_u[r], true);
		add_tp(run, "unix_dgram", 65536, "0,1", ud_c[r], false);
		add_tp(run, "unix_dgram", 65536, "0,1", ud_u[r], true);
		add_tp(run, "pipe", 65536, "0,1", pipe_c[r], false);
		add_tp(run, "pipe", 65536, "0,1", pipe_u[r], true);
	}
	/* Two rounds are enough for an interval. */
	for (size_t r = 0; r < 2; r++) {
		add_tp(run, "tcp", 65536, "0,1", pipe_c[2 * r], false);
		add_tp(run, "tcp", 65536, "0,1", pipe_u[2 * r], true);
	}
	run_finish(run);
	char *text = test_findings_text(run, true);
	char *pipe = line_with(text, "| pipe | – | – | 105 |");
	char *fifo = line_with(text, "| fifo | – | – | 6251 |");
	char *ud = line_with(text, "| unix_dgram | – | – | 3909 |");
	assert_non_null(pipe);
	assert_non_null(fifo);
	assert_non_null(ud);
	/* 1 - 105/210; 1 - 110/200 to 1 - 100/220. */
	assert_non_null(strstr(pipe, "| 210 | 50 % (45–55 %) | 100–110 (3) | 200–220 (3) |"));
	assert_non_null(strstr(fifo, "| none beyond the noise (-294 to 21 %) |"));
	/* tcp: 1 - 100/200; 1 - 110/200 to 1 - 100/220. */
	char *tcp = line_with(text, "| tcp | – | – | 100 |");
	assert_non_null(tcp);
	assert_non_null(strstr(tcp, "| 200 | 50 % (45–55 %) | 100–110 (2) | 200–220 (2) |"));
	free(tcp);
	assert_non_null(strstr(ud, "| none beyond the noise (-149 to 89 %) |"));
	free(pipe);
	free(fifo);
	free(ud);
	free(text);
	run_free(run);
}

/* The latency table: the rounds' range and number beside each p50, and
 * the median round's own p99. */
static void test_latency_table_ranges(void **state)
{
	(void)state;
	struct run *run = run_new();
	add_lat(run, "pipe", "0,0", 10.5, "");
	add_lat(run, "pipe", "0,0", 9.5, "");
	add_lat(run, "pipe", "0,0", 10, "");
	add_lat(run, "tcp", "0,0", 20, "");
	run_finish(run);
	char *text = test_findings_text(run, true);
	assert_non_null(strstr(text, "| pipe | greeting | 16 | 10.00 | 9.50–10.50 (3) | 20.00 | 30.00 |"));
	assert_non_null(strstr(text, "| tcp | greeting | 16 | 20.00 | – (1) | 40.00 | 60.00 |"));
	free(text);
	run_free(run);
}

/* run_row_figure: latency rows grouped into the median round, with the
 * rounds' range; a row of one round has no interval. */
static void test_latency_figure_interval(void **state)
{
	(void)state;
	struct run *run = run_new();
	add_lat(run, "pipe", "0,1", 12, "");
	add_lat(run, "pipe", "0,1", 30, "HIGH-SPREAD");
	add_lat(run, "pipe", "0,1", 11, "");
	add_lat(run, "pipe", "0,1", 14, "");
	add_lat(run, "pipe", "0,1", 13, "");
	add_lat(run, "fifo", "0,1", 12, "");
	struct result_row conn = { .kind = "connect", .transport = "tcp", .mode = "", .size = 0,
				   .count = 100, .clients = 1, .pin = "0,1", .note = "",
				   .lat_us = { .p50 = 40, .p99 = 50 } };
	assert_int_equal(run_add_row(run, &conn), 0);
	run_finish(run);
	assert_int_equal(run->nrows, 3);
	const struct run_row *p = run_find(run, "latency", "pipe", "greeting", "0,1", 0);
	struct figure f = run_row_figure(p);
	assert_float_equal(f.value, 13, 1e-9);
	assert_float_equal(p->r.lat_us.p99, 26, 1e-9); /* the median round's own */
	assert_float_equal(f.lo, 11, 1e-9);
	assert_float_equal(f.hi, 30, 1e-9);
	assert_int_equal(f.rounds, 5);
	assert_false(f.higher_is_better);
	assert_string_equal(f.unit, "µs");
	f = run_row_figure(run_find(run, "latency", "fifo", "", "", 0));
	assert_int_equal(f.rounds, 1);
	assert_float_equal(f.lo, 12, 1e-9);
	assert_float_equal(f.hi, 12, 1e-9);
	f = run_row_figure(run_find(run, "connect", "tcp", "", "", 0));
	assert_int_equal(f.rounds, 1);
	assert_float_equal(f.lo, 40, 1e-9);
	assert_float_equal(f.hi, 40, 1e-9);
	run_free(run);
}

/* all.csv: after each row's columns, which column it is judged by and its
 * interval, read back by column name. */
static void test_all_csv_interval_columns(void **state)
{
	ENV;
	struct run *run = run_new();
	assert_int_equal(run_set_env(run, "date", "2026-01-02T03:04:05Z"), 0);
	add_lat(run, "pipe", "0,0", 10, "");
	add_lat(run, "pipe", "0,0", 12, "");
	add_lat(run, "pipe", "0,0", 9, "");
	add_tp(run, "tcp", 4096, "0,1", 300, false);
	add_tp(run, "tcp", 4096, "0,1", 100, false);
	add_tp(run, "tcp", 4096, "0,1", 200, false);
	struct result_row load = { .kind = "load", .transport = "tcp", .mode = "epoll", .size = 16,
				   .count = 1000, .clients = 50, .pin = "none", .note = "",
				   .msgs_per_s = 5000, .lat_us = { .p50 = 100 } };
	assert_int_equal(run_add_row(run, &load), 0);
	run_finish(run);
	struct ipc_error e = { 0 };
	if (run_write(run, env->dir, NULL, &e) < 0)
		fail_msg("run_write: %s", e.msg);
	run_free(run);
	char path[IPC_PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/all.csv", env->dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[4096];
	int col[5] = { -1, -1, -1, -1, -1 }; /* transport, judged_by, lo, hi, rounds */
	static const char *const want[5] = { "transport", "judged_by", "lo", "hi", "rounds" };
	size_t rows = 0;
	bool header = false;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = '\0';
		char *field[64], *save = NULL;
		int nf = 0;
		for (char *w = strtok_r(line, ",", &save); w && nf < 64; w = strtok_r(NULL, ",", &save))
			field[nf++] = w;
		if (!header) {
			for (int i = 0; i < nf; i++)
				for (int k = 0; k < 5; k++)
					if (!strcmp(field[i], want[k]))
						col[k] = i;
			for (int k = 0; k < 5; k++)
				assert_true(col[k] >= 0);
			header = true;
			continue;
		}
		rows++;
		/* strtok_r skips empty fields: the note is empty here, and the
		 * interval block comes last, so count from the end. */
		const char *t = field[1], *by = field[nf - 4];
		double lo = atof(field[nf - 3]), hi = atof(field[nf - 2]);
		int rounds = atoi(field[nf - 1]);
		if (!strcmp(t, "pipe")) {
			assert_string_equal(by, "p50_us");
			assert_float_equal(lo, 9, 1e-9);
			assert_float_equal(hi, 12, 1e-9);
			assert_int_equal(rounds, 3);
		} else if (!strcmp(by, "mb_per_s")) {
			assert_string_equal(t, "tcp");
			assert_float_equal(lo, 100, 1e-9);
			assert_float_equal(hi, 300, 1e-9);
			assert_int_equal(rounds, 3);
		} else {
			assert_string_equal(by, "msgs_per_s");
			assert_float_equal(lo, 5000, 1e-9);
			assert_float_equal(hi, 5000, 1e-9);
			assert_int_equal(rounds, 1);
		}
	}
	fclose(f);
	assert_true(header);
	assert_int_equal(rows, 3);
	test_empty_dir(env->dir);
}

/* A latency row's files per round, and the samples of every round read
 * as one (the CDF's). */
static void test_round_files(void **state)
{
	ENV;
	char rel[512];
	struct layout_file lf = { .kind = LF_LATENCY, .transport = "pipe", .mode = "greeting",
				  .pin = "0,1", .round = 2 };
	assert_int_equal(layout_path(rel, sizeof rel, &lf), 0);
	assert_string_equal(rel, "latency/pipe_greeting_0-1.r2.csv");
	lf.kind = LF_LATENCY_SAMPLES;
	assert_int_equal(layout_path(rel, sizeof rel, &lf), 0);
	assert_string_equal(rel, "samples/latency_pipe_greeting_0-1.r2.txt");
	lf.round = 0;
	assert_int_equal(layout_path(rel, sizeof rel, &lf), 0);
	assert_string_equal(rel, "samples/latency_pipe_greeting_0-1.txt");

	/* A run directory: two placements, three rounds of samples. */
	char path[IPC_PATH_MAX + 640];
	static const char *const dirs[] = { "latency", "samples" };
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/%s", env->dir, dirs[i]);
		assert_int_equal(mkdir(path, 0700), 0);
	}
	snprintf(path, sizeof path, "%s/env.csv", env->dir);
	FILE *f = fopen(path, "w");
	fputs("# date: 2026-01-02T03:04:05Z\n# cpu_model: Test\n# cpus_online: 2\n"
	      "# kernel: Linux\n", f);
	fclose(f);
	for (int r = 1; r <= 3; r++)
		for (int cross = 0; cross < 2; cross++) {
			const char *pin = cross ? "0,1" : "0,0";
			struct layout_file rf = { .kind = LF_LATENCY, .transport = "pipe",
						  .mode = "greeting", .pin = pin, .round = r };
			assert_int_equal(layout_path(rel, sizeof rel, &rf), 0);
			snprintf(path, sizeof path, "%s/%s", env->dir, rel);
			f = fopen(path, "w");
			assert_non_null(f);
			fprintf(f, "kind,transport,mode,size,count,clients,pin,p50_us,note\n"
				   "latency,pipe,greeting,16,%d,1,\"%s\",%d,\n", r, pin, 10 * r);
			fclose(f);
			rf.kind = LF_LATENCY_SAMPLES;
			assert_int_equal(layout_path(rel, sizeof rel, &rf), 0);
			snprintf(path, sizeof path, "%s/%s", env->dir, rel);
			f = fopen(path, "w");
			for (int k = 0; k < r; k++)
				fprintf(f, "%d.5\n", 10 * r + k);
			fclose(f);
		}
	struct run *run = run_new();
	struct ipc_error e = { 0 };
	if (run_load_dir(run, env->dir, &e) < 0)
		fail_msg("run_load_dir: %s", e.msg);
	const struct run_samples *s = run_find_samples(run, "cross", "pipe");
	assert_non_null(s);
	assert_int_equal(s->n, 6); /* 1 + 2 + 3 */
	assert_float_equal(s->v[0], 10.5, 1e-9);
	assert_float_equal(s->v[5], 32.5, 1e-9);
	const struct run_row *row = run_find(run, "latency", "pipe", "greeting", "0,1", 0);
	assert_non_null(row);
	assert_int_equal(row->rounds, 3);
	assert_float_equal(row->r.lat_us.p50, 20, 1e-9);
	run_free(run);
	test_empty_dir(env->dir);
}

/* lmbench's bandwidth against ipclab's unchecked stream: every verdict
 * counted, the first as much as the last. */
static void test_bandwidth_peer_count(void **state)
{
	(void)state;
	struct run *run = run_new();
	rounds3(run, "pipe", "0,1", 10);
	struct peer_round a = { .tool = "lmbench-bw_pipe", .transport = "pipe", .pin = "0,1",
				.stat = "MB/s-unverified", .size = 65536, .round = 1, .peer = 1000,
				.before = 1200, .after = 1100 };
	struct peer_round b = a;
	snprintf(b.tool, sizeof b.tool, "lmbench-bw_unix");
	snprintf(b.transport, sizeof b.transport, "socketpair");
	b.before = b.after = 900;
	assert_int_equal(run_add_peer_round(run, &a), 0);
	assert_int_equal(run_add_peer_round(run, &b), 0);
	run_finish(run);
	char *text = test_findings_text(run, false);
	assert_non_null(strstr(text, "ipclab's unchecked stream moves at least as much as bw_* in 1 "
				     "of 2 cases"));
	/* Bandwidth verdicts are no round-trip comparison. */
	assert_null(strstr(text, "What the peer tools say"));
	assert_null(strstr(text, "The peer tools agree"));
	free(text);
	run_free(run);
}

static void add_target(struct run *run, const char *t, const char *mode, double per_s)
{
	struct result_row r = { .kind = "load", .transport = t, .mode = mode, .size = 16,
				.count = 1000, .clients = 50, .pin = "none", .note = "",
				.msgs_per_s = per_s, .lat_us = { .p50 = 100 } };
	assert_int_equal(run_add_target_row(run, &r), 0);
}

/* epoll against redis by turns: a ratio with its interval where the runs
 * are apart, "tied" where they overlap, nothing without both. */
static void test_scaling_finding_intervals(void **state)
{
	(void)state;
	struct run *run = run_new();
	static const double ep[] = { 40000, 50000, 45000 }, rd[] = { 20000, 21000, 22000 };
	static const double tcp_ep[] = { 30000, 31000, 32000 };
	for (size_t k = 0; k < 3; k++) {
		add_target(run, "unix_stream", "epoll", ep[k]);
		add_target(run, "unix_stream", "redis", rd[k]);
		add_target(run, "tcp", "epoll", tcp_ep[k]); /* no redis beside it */
	}
	rounds3(run, "pipe", "0,0", 10);
	run_finish(run);
	char *text = test_findings_text(run, false);
	char *line = line_with(text, "**Many clients, unix_stream:**");
	assert_non_null(line);
	assert_non_null(strstr(line, "the epoll server answered 45000 greetings/s (median; "
				     "40000–50000) and redis-server 21000 PINGs/s (20000–22000): "
				     "2.14× redis (1.82–2.50)."));
	assert_null(strstr(text, "Many clients, tcp"));
	free(line);
	free(text);
	run_free(run);

	run = run_new();
	static const double close_rd[] = { 39000, 44000, 52000 };
	for (size_t k = 0; k < 3; k++) {
		add_target(run, "tcp", "epoll", ep[k]);
		add_target(run, "tcp", "redis", close_rd[k]);
	}
	run_finish(run);
	text = test_findings_text(run, false);
	assert_non_null(strstr(text, "redis-server 44000 PINGs/s (39000–52000): tied within the "
				     "noise (1.02×, the runs overlap)."));
	free(text);
	run_free(run);

	/* One run of epoll: no interval, however far apart the figures. */
	run = run_new();
	add_target(run, "tcp", "epoll", 90000);
	for (size_t k = 0; k < 3; k++)
		add_target(run, "tcp", "redis", rd[k]);
	run_finish(run);
	text = test_findings_text(run, false);
	assert_non_null(strstr(text, "4.29× redis, with no interval (a single run of one of them)."));
	free(text);
	run_free(run);

	/* One run of redis: the same. */
	run = run_new();
	for (size_t k = 0; k < 3; k++)
		add_target(run, "tcp", "epoll", ep[k]);
	add_target(run, "tcp", "redis", 10000);
	run_finish(run);
	text = test_findings_text(run, false);
	assert_non_null(strstr(text, "4.50× redis, with no interval (a single run of one of them)."));
	free(text);
	run_free(run);
}

/* The flagged rows: counted per cause and kind against all of that kind,
 * named, and said once per cause at the end of the run's output. */
static void test_flagged_rows_and_warnings(void **state)
{
	ENV;
	struct run *run = run_new();
	assert_int_equal(run_set_env(run, "date", "2026-01-02T03:04:05Z"), 0);
	add_lat(run, "pipe", "0,0", 10, "HIGH-SPREAD");
	add_lat(run, "fifo", "0,1", 10, "TWO-LEVEL levels=8/12us high=40%");
	add_lat(run, "tcp", "none", 10, "UNPINNED");     /* asked for: no flag */
	add_lat(run, "udp", "0,0", 10, "UNPINNED HIGH-SPREAD"); /* pinned, yet not */
	struct result_row lossy = { .kind = "throughput", .transport = "udp", .mode = "",
				    .size = 1024, .count = 100, .clients = 1, .pin = "0,1",
				    .note = "LOSSY", .mb_per_s = 50, .lost = 10 };
	assert_int_equal(run_add_row(run, &lossy), 0);
	add_tp(run, "udp", 1024, "0,1", 60, true); /* UNVERIFIED asked for: no flag */
	assert_int_equal(run_add_steal(run, "latency", 5.5), 0);
	assert_int_equal(run_add_steal(run, "throughput", 5.0), 0); /* not over 5 % */
	run_finish(run);
	char *text = test_findings_text(run, true);
	assert_non_null(strstr(text, "| HIGH-SPREAD | latency | 2 of 4 | pipe greeting 0,0, udp "
				     "greeting 0,0 |"));
	assert_non_null(strstr(text, "| TWO-LEVEL | latency | 1 of 4 | fifo greeting 0,1 |"));
	assert_non_null(strstr(text, "| LOSSY | throughput | 1 of 2 | udp 0,1 |"));
	assert_non_null(strstr(text, "| UNPINNED | latency | 1 of 4 | udp greeting 0,0 |"));
	assert_null(strstr(text, "UNVERIFIED |"));
	free(text);

	char *warn = NULL;
	size_t wl = 0;
	FILE *w = open_memstream(&warn, &wl);
	struct ipc_error e = { 0 };
	if (run_write(run, env->dir, w, &e) < 0)
		fail_msg("run_write: %s", e.msg);
	fclose(w);
	assert_non_null(strstr(warn, "bench: warning: 2 results HIGH-SPREAD: p99 over 3× p50"));
	assert_non_null(strstr(warn, "bench: warning: 1 result TWO-LEVEL: two speeds in one run"));
	assert_non_null(strstr(warn, "bench: warning: 1 result LOSSY:"));
	assert_non_null(strstr(warn, "bench: warning: 1 result UNPINNED:"));
	assert_non_null(strstr(warn, "bench: warning: step latency: the hypervisor took 5.5 %"));
	assert_null(strstr(warn, "step throughput"));
	free(warn);
	run_free(run);
	test_empty_dir(env->dir);
}

/* Every plot table that cannot be written fails the report, naming the
 * table: tried for each table a real quick run's report writes (the
 * fixture's), with a directory standing where the file should go. */
static void test_plot_table_write_errors(void **state)
{
	ENV;
	char in[IPC_PATH_MAX], expected[IPC_PATH_MAX];
	test_fixture_path("in", in, sizeof in);
	test_fixture_path("expected/plots/data", expected, sizeof expected);
	struct run *run = run_new();
	struct ipc_error e = { 0 };
	if (run_load_dir(run, in, &e) < 0)
		fail_msg("run_load_dir %s: %s (run from the source tree, or set IPCLAB_SOURCE_DIR)",
			 in, e.msg);
	DIR *d = opendir(expected);
	assert_non_null(d);
	size_t tried = 0;
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		char blocker[IPC_PATH_MAX + 512];
		snprintf(blocker, sizeof blocker, "%s/%s", env->dir, de->d_name);
		assert_int_equal(mkdir(blocker, 0700), 0);
		memset(&e, 0, sizeof e);
		if (run_plot_data(run, env->dir, &e) != -1)
			fail_msg("%s: a table that cannot be written, yet no failure", de->d_name);
		if (!strstr(e.msg, de->d_name))
			fail_msg("%s: the failure does not name it: %s", de->d_name, e.msg);
		test_empty_dir(env->dir);
		tried++;
	}
	closedir(d);
	assert_true(tried > 10);
	run_free(run);
}

/* The plan measures latency in rounds: every row of the step once a round
 * (its files named by round), the round trips of one long run cut among
 * them; pauses and the ping-pong once. */
static void plan_rounds(struct test_env *env, bool quick, unsigned rounds, unsigned long count)
{
	static char out[1 << 20];
	char err[4096];
	int rc = quick ? test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "plan",
				      "latency", env->dir, "--quick", NULL)
		       : test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench", "plan",
				      "latency", env->dir, NULL);
	if (rc != 0)
		fail_msg("bench plan latency: %d: %s", rc, err);
	char want_count[48];
	snprintf(want_count, sizeof want_count, "\t--count\t%lu\t", count);
	size_t per_round[6] = { 0 }, pingpong = 0, once = 0;
	char *save = NULL;
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "run\tlatency/", 12))
			continue;
		char *dot = strstr(line, ".r");
		if (strstr(line, "pingpong")) {
			pingpong++;
			continue;
		}
		if (!dot) {
			once++;
			continue;
		}
		unsigned r = (unsigned)atoi(dot + 2);
		assert_true(r >= 1 && r <= rounds);
		per_round[r]++;
		assert_non_null(strstr(line, want_count));
		/* Its samples named by the same round (the client's round trip
		 * through io_uring, rows T-uring, keeps none: not in the CDF). */
		if (strstr(line, "-uring"))
			continue;
		char samples[64];
		snprintf(samples, sizeof samples, ".r%u.txt", r);
		assert_non_null(strstr(line, samples));
	}
	assert_int_equal(once, 0);
	assert_true(pingpong >= 1);
	assert_true(per_round[1] > 0);
	for (unsigned r = 2; r <= rounds; r++)
		assert_int_equal(per_round[r], per_round[1]);
	assert_int_equal(per_round[rounds < 5 ? rounds + 1 : 5], rounds < 5 ? 0 : per_round[1]);
}

static void test_plan_latency_rounds(void **state)
{
	ENV;
	plan_rounds(env, true, 3, 2000 / 3);
	plan_rounds(env, false, 5, 50000 / 5);
}

/* What the reader left out heads the summary, a list closed by a blank
 * line before the findings. */
static void test_left_out_list(void **state)
{
	(void)state;
	struct run *run = run_new();
	rounds3(run, "pipe", "0,0", 10);
	run_problem(run, "latency/x.csv line 2: p50 is 0: row left out");
	run_finish(run);
	char *text = test_findings_text(run, true);
	assert_non_null(strstr(text, "## Left out\n\n1 file, row or figure of this run could not "
				     "be used and is left out; the findings and tables that needed "
				     "it are missing:\n\n- latency/x.csv line 2: p50 is 0: row left "
				     "out\n\n## Findings"));
	free(text);
	run_free(run);
}

/* A summary that cannot be written whole is a failure, not a short file:
 * summary.md is a link to /dev/full, whose writes fail at the flush. */
static void test_report_write_failure(void **state)
{
	ENV;
	if (access("/dev/full", W_OK) != 0)
		skip();
	char path[IPC_PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/summary.md", env->dir);
	assert_int_equal(symlink("/dev/full", path), 0);
	struct run *run = run_new();
	rounds3(run, "pipe", "0,0", 10);
	run_finish(run);
	struct ipc_error e = { 0 };
	assert_int_equal(run_write(run, env->dir, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "summary.md"));
	run_free(run);
	test_empty_dir(env->dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rankings_hold_against_rounds),
		cmocka_unit_test(test_one_round_ranks_nothing),
		cmocka_unit_test(test_socketpair_slower_has_no_why),
		cmocka_unit_test(test_ip_why_only_in_its_direction),
		cmocka_unit_test(test_shm_fall_has_no_socket_why),
		cmocka_unit_test(test_bend_needs_a_fall_beyond_the_noise),
		cmocka_unit_test(test_shm_faster_across_cpus),
		cmocka_unit_test(test_stats_modes),
		cmocka_unit_test(test_modes_finding),
		cmocka_unit_test(test_price_beyond_the_noise),
		cmocka_unit_test(test_bandwidth_peer_count),
		cmocka_unit_test(test_scaling_finding_intervals),
		cmocka_unit_test_setup_teardown(test_flagged_rows_and_warnings, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_plot_table_write_errors, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_plan_latency_rounds, test_env_setup,
						test_env_teardown),
		cmocka_unit_test(test_left_out_list),
		cmocka_unit_test_setup_teardown(test_report_write_failure, test_env_setup,
						test_env_teardown),
		cmocka_unit_test(test_latency_table_ranges),
		cmocka_unit_test(test_latency_figure_interval),
		cmocka_unit_test_setup_teardown(test_all_csv_interval_columns, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_round_files, test_env_setup, test_env_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
