/*
 * test_rankings.c - the rankings a real run's findings state hold when
 * they are worked out again from that run's own rounds.
 *
 * The run is a run directory: IPCLAB_RUN_DIR when set (a full or quick run
 * of `make bench`: `IPCLAB_RUN_DIR=results/latest build/asan/tests/
 * test_rankings`), else the quick run kept in tests/fixtures/quick-run/in.
 * Its rows are read as they are in the files (one row per round); each
 * "Small messages" and "Bulk data" finding is then checked against a
 * grouping done here, without analysis/'s: per transport the median round
 * (the lower middle of an even count), the lowest and the highest round;
 * the best, and every transport whose rounds' range overlaps the best's
 * (tied with it); the same at the other end.  A row whose median round sat
 * on two levels, or one that lost datagrams, is left out as the finding
 * says it leaves it out.
 */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "run.h"

#define MAXR 64

struct point {
	const char *t;
	double v[MAXR];
	const char *note[MAXR];
	size_t n;
	double med, lo, hi;
	bool out; /* left out of the ranking */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void settle(struct point *p)
{
	double s[MAXR];
	memcpy(s, p->v, p->n * sizeof *s);
	qsort(s, p->n, sizeof *s, cmp_double);
	p->med = s[(p->n - 1) / 2];
	p->lo = s[0];
	p->hi = s[p->n - 1];
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i] == p->med && p->note[i] && strstr(p->note[i], "TWO-LEVEL"))
			p->out = true;
}

static bool overlap(const struct point *a, const struct point *b)
{
	return a->lo <= b->hi && b->lo <= a->hi;
}

/* The names between "): " and the verb, as a set: "a, b and c". */
static bool named(const char *list, const char *t)
{
	size_t n = strlen(t);
	for (const char *p = list; (p = strstr(p, t)); p += n) {
		bool start = p == list || p[-1] == ' ';
		bool end = p[n] == ',' || p[n] == ' ' || p[n] == '\0';
		if (start && end)
			return true;
	}
	return false;
}

static size_t count_names(const char *list)
{
	size_t n = 1;
	for (const char *p = list; *p; p++)
		n += *p == ',';
	return n + (strstr(list, " and ") != NULL);
}

/* The finding's line that starts with head, or NULL. */
static char *line_of(const char *text, const char *head)
{
	const char *p = strstr(text, head);
	if (!p)
		return NULL;
	size_t n = strcspn(p, "\n");
	char *line = malloc(n + 1);
	assert_non_null(line);
	memcpy(line, p, n);
	line[n] = '\0';
	return line;
}

/* The points of one ranking: rows of kind at pin (latency greetings, or
 * the bulk size: the largest each transport ran up to 64 KiB). */
static size_t gather(const struct run *run, bool bulk, const char *pin, struct point *pts)
{
	const char *T[32];
	size_t nt = run_transports(T, 32), np = 0;
	for (size_t i = 0; i < nt; i++) {
		struct point *p = &pts[np];
		memset(p, 0, sizeof *p);
		p->t = T[i];
		unsigned long size = 0;
		if (bulk) /* the largest checked size up to 64 KiB this transport ran */
			for (size_t k = 0; k < run->nraw; k++) {
				const struct result_row *r = &run->raw[k].r;
				if (!strcmp(r->kind, "throughput") && !strcmp(r->transport, T[i]) &&
				    !strcmp(r->pin, pin) && r->size <= 65536 && r->size > size &&
				    !strstr(r->note, "UNVERIFIED"))
					size = r->size;
			}
		bool lossy = false;
		for (size_t k = 0; k < run->nraw && p->n < MAXR; k++) {
			const struct result_row *r = &run->raw[k].r;
			if (strcmp(r->transport, T[i]) || strcmp(r->pin, pin))
				continue;
			if (bulk && !strcmp(r->kind, "throughput") && r->size == size &&
			    !strstr(r->note, "UNVERIFIED")) {
				p->note[p->n] = r->note;
				p->v[p->n++] = r->mb_per_s;
				lossy |= r->lost > 0;
			} else if (!bulk && !strcmp(r->kind, "latency") && !strcmp(r->mode, "greeting")) {
				p->note[p->n] = r->note;
				p->v[p->n++] = r->lat_us.p50;
			}
		}
		if (!p->n)
			continue;
		settle(p);
		if (bulk) {
			p->out = lossy; /* the bulk finding leaves out what lost data */
			for (size_t k = 0; k < p->n; k++) /* higher is better: negate */
				p->v[k] = -p->v[k];
			settle(p);
			p->out = lossy;
		}
		np++;
	}
	return np;
}

/* One ranking of the findings against the rounds. */
static void check_ranking(const struct run *run, const char *text, bool bulk, const char *pin)
{
	struct point pts[32], *c[32];
	size_t np = gather(run, bulk, pin, pts), n = 0;
	char where[48], head[96];
	placement_name(pin, where, sizeof where);
	snprintf(head, sizeof head, "- **%s, %s** (", bulk ? "Bulk data" : "Small messages", where);
	for (size_t i = 0; i < np; i++)
		if (!pts[i].out)
			c[n++] = &pts[i];
	char *line = line_of(text, head);
	if (n < 2) {
		free(line);
		return;
	}
	assert_non_null(line);
	/* best first: lowest p50, or highest MB/s (negated above) */
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0 && c[b]->med < c[b - 1]->med; b--) {
			struct point *t = c[b];
			c[b] = c[b - 1];
			c[b - 1] = t;
		}
	bool one_round = c[0]->n < 2 || c[n - 1]->n < 2;
	if (one_round) {
		assert_non_null(strstr(line, "no interval and no ranking"));
	} else if (overlap(c[0], c[n - 1])) {
		char all[64];
		snprintf(all, sizeof all, "all %zu tied within the noise", n);
		assert_non_null(strstr(line, all));
	} else {
		/* The best's group: every one whose range overlaps the best's. */
		const char *body = strstr(line, "): ") + 3;
		const char *verb = strstr(body, bulk ? " the most" : " fastest");
		assert_non_null(verb);
		char list[512];
		size_t len = (size_t)(verb - body);
		assert_true(len < sizeof list);
		memcpy(list, body, len);
		list[len] = '\0';
		size_t tied = 0;
		for (size_t i = 0; i < n; i++)
			if (i == 0 || overlap(c[0], c[i])) {
				tied++;
				if (!named(list, c[i]->t))
					fail_msg("%s: %s belongs to the best's group (%s)", head, c[i]->t,
						 list);
			}
		if (count_names(list) != tied)
			fail_msg("%s: the best's group names %zu, the rounds give %zu: %s", head,
				 count_names(list), tied, list);
		/* The other end, after the "; ". */
		const char *semi = strstr(verb, "; ");
		assert_non_null(semi);
		const char *tail = semi + 2;
		const char *tverb = strstr(tail, bulk ? " the least" : " slowest");
		assert_non_null(tverb);
		len = (size_t)(tverb - tail);
		assert_true(len < sizeof list);
		memcpy(list, tail, len);
		list[len] = '\0';
		tied = 0;
		for (size_t i = 0; i < n; i++)
			if (i == n - 1 || overlap(c[i], c[n - 1])) {
				tied++;
				if (!named(list, c[i]->t))
					fail_msg("%s: %s belongs to the other end's group (%s)", head,
						 c[i]->t, list);
			}
		if (count_names(list) != tied)
			fail_msg("%s: the other end's group names %zu, the rounds give %zu: %s",
				 head, count_names(list), tied, list);
	}
	/* What is left out is named as left out, and only that. */
	for (size_t i = 0; i < np; i++)
		if (pts[i].out && !bulk)
			assert_non_null(strstr(line, pts[i].t));
	free(line);
}

static void test_rankings_hold(void **state)
{
	(void)state;
	const char *dir = getenv("IPCLAB_RUN_DIR");
	char fixture[4096];
	test_fixture_path("in", fixture, sizeof fixture);
	if (!dir || !*dir)
		dir = fixture;
	struct run *run = run_new();
	assert_non_null(run);
	struct ipc_error e;
	if (run_load_dir(run, dir, &e) < 0)
		fail_msg("%s: %s", dir, e.msg);
	char *text = test_findings_text(run, false);
	const char *pins[3] = { run->same, run->cross, "none" };
	size_t checked = 0;
	for (int bulk = 0; bulk < 2; bulk++)
		for (size_t i = 0; i < 3; i++)
			if (pins[i][0]) {
				check_ranking(run, text, bulk, pins[i]);
				checked++;
			}
	assert_true(checked >= 4); /* one CPU and two, at least, of each */
	free(text);
	run_free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rankings_hold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
