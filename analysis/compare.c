/*
 * compare.c - `ipclab bench compare RUN_A RUN_B`: every row of two runs
 * side by side, each pair judged against its noise (compare.h).
 *
 * The rule is the plainest one that never claims what the rounds cannot
 * show: two figures differ only when their intervals (over the rounds) do
 * not overlap and the ratio is further from 1 than the threshold.  The
 * ratio's interval is what the two intervals allow at the extremes:
 * [lo_B / hi_A, hi_B / lo_A].  A row with one round on either side has no
 * interval: its ratio is shown, its verdict is not given.
 */
#include "compare.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "busy_finding.h"
#include "results_json.h"

/* ---- matching and judging ------------------------------------------- */

static bool same_measurement(const struct result_row *a, const struct result_row *b)
{
	return !strcmp(a->kind, b->kind) && !strcmp(a->transport, b->transport) &&
	       !strcmp(a->mode, b->mode) && !strcmp(a->pin, b->pin) && a->size == b->size &&
	       a->clients == b->clients && row_unverified(a) == row_unverified(b);
}

static bool usable(const struct figure *f)
{
	return isfinite(f->value) && f->value > 0 && isfinite(f->lo) && isfinite(f->hi) &&
	       f->lo > 0 && f->lo <= f->value && f->value <= f->hi;
}

void compare_judge(struct compare_row *r, double threshold)
{
	const struct figure *fa = &r->fa, *fb = &r->fb;

	r->ratio = r->ratio_lo = r->ratio_hi = NAN;
	if (!usable(fa) || !usable(fb)) {
		r->verdict = CMP_UNJUDGED;
		r->why = "no usable figure";
		return;
	}
	r->ratio = fb->value / fa->value;
	if (fa->value == fb->value && fa->lo == fb->lo && fa->hi == fb->hi) {
		r->verdict = CMP_SAME;
		r->why = "identical figures";
		return;
	}
	if (fa->rounds < 2 || fb->rounds < 2) {
		r->verdict = CMP_UNJUDGED;
		r->why = fa->rounds < 2 && fb->rounds < 2 ? "one round in each run"
			 : fa->rounds < 2 ? "one round in A" : "one round in B";
		return;
	}
	r->ratio_lo = fb->lo / fa->hi;
	r->ratio_hi = fb->hi / fa->lo;
	if (fb->lo <= fa->hi && fa->lo <= fb->hi) {
		r->verdict = CMP_SAME;
		r->why = "intervals overlap";
		return;
	}
	if (fabs(r->ratio - 1) < threshold) {
		r->verdict = CMP_SAME;
		r->why = "apart, by less than the threshold";
		return;
	}
	bool b_higher = fb->value > fa->value;
	r->verdict = b_higher == fa->higher_is_better ? CMP_FASTER : CMP_SLOWER;
	r->why = "intervals apart";
}

static int add(struct compare *c, size_t *cap, const struct run_row *a, const struct run_row *b)
{
	if (run_grow(&c->rows, c->n, cap, sizeof *c->rows) < 0)
		return -1;
	struct compare_row *r = &c->rows[c->n++];
	memset(r, 0, sizeof *r);
	r->a = a;
	r->b = b;
	r->ratio = r->ratio_lo = r->ratio_hi = NAN;
	if (a)
		r->fa = run_row_figure(a);
	if (b)
		r->fb = run_row_figure(b);
	if (a && b) {
		compare_judge(r, c->threshold);
	} else {
		r->verdict = a ? CMP_ONLY_A : CMP_ONLY_B;
		r->why = a ? "not in B" : "not in A";
	}
	return 0;
}

int compare_runs(const struct run *a, const struct run *b, double threshold, struct compare *c)
{
	size_t cap = 0;
	memset(c, 0, sizeof *c);
	c->threshold = threshold;
	bool *taken = calloc(b->nrows ? b->nrows : 1, sizeof *taken);
	if (!taken)
		return -1;
	/* Each row of A takes the first row of B that is the same
	 * measurement and not taken yet: a measurement repeated in a run is
	 * paired in order. */
	for (size_t i = 0; i < a->nrows; i++) {
		const struct run_row *match = NULL;
		for (size_t k = 0; k < b->nrows && !match; k++)
			if (!taken[k] && same_measurement(&a->rows[i].r, &b->rows[k].r)) {
				taken[k] = true;
				match = &b->rows[k];
			}
		if (add(c, &cap, &a->rows[i], match) < 0)
			goto fail;
	}
	for (size_t k = 0; k < b->nrows; k++)
		if (!taken[k] && add(c, &cap, NULL, &b->rows[k]) < 0)
			goto fail;
	free(taken);
	/* The servers by turns (several runs each): judged like any row in
	 * rounds, matched the same way. */
	taken = calloc(b->nturns ? b->nturns : 1, sizeof *taken);
	if (!taken)
		goto fail;
	for (size_t i = 0; i < a->nturns; i++) {
		const struct run_row *match = NULL;
		for (size_t k = 0; k < b->nturns && !match; k++)
			if (!taken[k] && same_measurement(&a->turns[i].r, &b->turns[k].r)) {
				taken[k] = true;
				match = &b->turns[k];
			}
		if (add(c, &cap, &a->turns[i], match) < 0)
			goto fail;
	}
	for (size_t k = 0; k < b->nturns; k++)
		if (!taken[k] && add(c, &cap, NULL, &b->turns[k]) < 0)
			goto fail;
	free(taken);
	return 0;
fail:
	free(taken);
	compare_free(c);
	return -1;
}

void compare_free(struct compare *c)
{
	free(c->rows);
	c->rows = NULL;
	c->n = 0;
}

const char *compare_verdict_name(enum compare_verdict v)
{
	static const char *const names[] = { "same", "faster", "slower", "unjudged", "only_a",
					     "only_b" };
	return names[v];
}

static const struct result_row *row_of(const struct compare_row *r)
{
	return r->a ? &r->a->r : &r->b->r;
}

static const struct figure *figure_of(const struct compare_row *r)
{
	return r->a ? &r->fa : &r->fb;
}

const char *compare_row_label(const struct compare_row *r, char *buf, size_t cap)
{
	const struct result_row *row = row_of(r);
	char size[32], place[64], clients[32] = "";
	if (!strcmp(row->kind, "load"))
		snprintf(clients, sizeof clients, " %lu clients", row->clients);
	snprintf(buf, cap, "%s %s%s%s%s%s%s %s%s", row->kind, row->transport, *row->mode ? " " : "",
		 row->mode, clients, row->size ? " " : "",
		 row->size ? size_name(row->size, size, sizeof size) : "",
		 placement_name(row->pin, place, sizeof place),
		 row_unverified(row) ? " unchecked" : "");
	return buf;
}

/* ---- the summary ----------------------------------------------------- */

#define MAX_KINDS 16

struct kind_summary {
	const char *kind, *unit;
	bool higher_is_better;
	size_t rows, counts[CMP_ONLY_B + 1], nratios;
	double log_sum; /* of the matched rows' ratios */
};

static size_t summarize(const struct compare *c, struct kind_summary *ks)
{
	size_t nk = 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct compare_row *r = &c->rows[i];
		const char *kind = row_of(r)->kind;
		size_t k = 0;
		while (k < nk && strcmp(ks[k].kind, kind))
			k++;
		if (k == nk) {
			if (nk == MAX_KINDS)
				continue;
			memset(&ks[nk], 0, sizeof ks[nk]);
			ks[nk].kind = kind;
			ks[nk].unit = figure_of(r)->unit;
			ks[nk].higher_is_better = figure_of(r)->higher_is_better;
			nk++;
		}
		ks[k].rows++;
		ks[k].counts[r->verdict]++;
		if (isfinite(r->ratio) && r->ratio > 0) {
			ks[k].log_sum += log(r->ratio);
			ks[k].nratios++;
		}
	}
	return nk;
}

static double geomean(const struct kind_summary *k)
{
	return k->nratios ? exp(k->log_sum / (double)k->nratios) : NAN;
}

/* How many times faster (or slower) B is, >= 1, with its interval in the
 * same direction: hyperfine's "1.35 ± 0.13 times faster", as a range. */
static void factor(const struct compare_row *r, double *f, double *lo, double *hi)
{
	if (r->ratio > 1)
		*f = r->ratio, *lo = r->ratio_lo, *hi = r->ratio_hi;
	else
		*f = 1 / r->ratio, *lo = 1 / r->ratio_hi, *hi = 1 / r->ratio_lo;
}

/* The indices of the rows with verdict v (and the other of faster and
 * slower), largest ratio first; at most cap. */
static size_t largest(const struct compare *c, enum compare_verdict v, size_t *idx, size_t cap)
{
	size_t n = 0;
	for (; n < cap; n++) {
		size_t best = SIZE_MAX;
		for (size_t i = 0; i < c->n; i++) {
			const struct compare_row *r = &c->rows[i];
			bool seen = false;
			for (size_t k = 0; k < n; k++)
				seen = seen || idx[k] == i;
			bool want = v == CMP_UNJUDGED ? r->verdict == CMP_UNJUDGED && isfinite(r->ratio)
				    : r->verdict == CMP_FASTER || r->verdict == CMP_SLOWER;
			if (seen || !want)
				continue;
			if (best == SIZE_MAX ||
			    fabs(log(r->ratio)) > fabs(log(c->rows[best].ratio)))
				best = i;
		}
		if (best == SIZE_MAX)
			break;
		idx[n] = best;
	}
	return n;
}

/* ---- numbers as people read them ------------------------------------- */

static const char *num(double v, char *buf, size_t cap)
{
	if (!isfinite(v))
		snprintf(buf, cap, "-");
	else if (fabs(v) >= 1000)
		snprintf(buf, cap, "%.0f", v);
	else if (fabs(v) >= 100)
		snprintf(buf, cap, "%.1f", v);
	else
		snprintf(buf, cap, "%.2f", v);
	return buf;
}

/* "12.50 [12.10, 13.00] µs ×3" or "12.50 µs ×1" or "-". */
static const char *figure_text(const struct run_row *row, const struct figure *f, char *buf,
			       size_t cap)
{
	char v[32], lo[32], hi[32];
	if (!row)
		snprintf(buf, cap, "-");
	else if (f->rounds >= 2)
		snprintf(buf, cap, "%s [%s, %s] %s n=%u", num(f->value, v, sizeof v),
			 num(f->lo, lo, sizeof lo), num(f->hi, hi, sizeof hi), f->unit, f->rounds);
	else
		snprintf(buf, cap, "%s %s n=1", num(f->value, v, sizeof v), f->unit);
	return buf;
}

static const char *ratio_text(const struct compare_row *r, char *buf, size_t cap)
{
	if (!isfinite(r->ratio))
		snprintf(buf, cap, "-");
	else if (isfinite(r->ratio_lo))
		snprintf(buf, cap, "%.3f [%.3f, %.3f]", r->ratio, r->ratio_lo, r->ratio_hi);
	else
		snprintf(buf, cap, "%.3f", r->ratio);
	return buf;
}

/* "1.35× faster [1.20, 1.52]", "~", "? one round in A", "only in A". */
static const char *verdict_text(const struct compare_row *r, char *buf, size_t cap)
{
	double f, lo, hi;
	switch (r->verdict) {
	case CMP_FASTER:
	case CMP_SLOWER:
		factor(r, &f, &lo, &hi);
		snprintf(buf, cap, "%.2f× %s [%.2f, %.2f]", f,
			 r->verdict == CMP_FASTER ? "faster" : "slower", lo, hi);
		break;
	case CMP_SAME:
		snprintf(buf, cap, "~ (%s)", r->why);
		break;
	case CMP_UNJUDGED:
		snprintf(buf, cap, "? %s", r->why);
		break;
	case CMP_ONLY_A:
		snprintf(buf, cap, "only in A");
		break;
	case CMP_ONLY_B:
		snprintf(buf, cap, "only in B");
		break;
	}
	return buf;
}

/* "quick run of 2026-12-07T13:51:29Z, git 9a6babb, Linux 6.1, 2 CPUs". */
static void describe_run(const struct run *run, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s run of %s, git %s, %s, %s CPUs", run_quick(run) ? "quick" : "full",
		 *run_env(run, "date") ? run_env(run, "date") : "an unknown date",
		 *run_env(run, "git_rev") ? run_env(run, "git_rev") : "unknown",
		 *run_env(run, "kernel") ? run_env(run, "kernel") : "an unknown kernel",
		 *run_env(run, "cpus_online") ? run_env(run, "cpus_online") : "?");
}

static const char explain[] =
	"Each figure: its value [the interval over its rounds] and n, the number of rounds. "
	"B/A: B's figure over A's, with the interval the two intervals allow. "
	"A change (faster, slower) is said only where the two intervals are apart and B/A "
	"is further than %.0f %% from 1; ~ is no change beyond the noise; ? marks a row "
	"with a single round on a side, whose noise is unknown: no verdict.";

/* ---- text and markdown ---------------------------------------------- */

/* "MB/s (up)": the unit, and whether higher is better.  Padded by bytes,
 * so "µs" (3 bytes, 2 columns) takes its space. */
static const char *unit_dir(const struct kind_summary *s, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s (%s)", s->unit, s->higher_is_better ? "up" : "down");
	return buf;
}

/* The steps of a run that shared the machine (busy.tsv, the threshold of
 * summary.md's warning): a change there may be the machine's, not the
 * code's, and the reader should know it before the verdicts. */
static void shared_steps(const struct run *run, const char *which, bool md, FILE *out)
{
	bool any = false;
	for (size_t i = 0; i < run->nbusy; i++) {
		const struct busy_step *b = &run->busy[i];
		if (!busy_step_shared(b))
			continue;
		fprintf(out, "%s%s %s (others %.1f %%, the host %.1f %%)",
			any ? "," : md ? "  - " : "   ", any ? "" : "shared the machine in", b->step,
			busy_others_pct(b), busy_steal_pct(b));
		any = true;
	}
	if (any)
		fprintf(out, ": %s's figures of %s may be the machine's, not the code's\n", which,
			"those steps");
}

static void human(const struct compare *c, const struct run *a, const struct run *b,
		  const char *name_a, const char *name_b, bool md, FILE *out)
{
	struct kind_summary ks[MAX_KINDS];
	size_t nk = summarize(c, ks);
	char buf[512], label[256], fa[96], fb[96], ratio[96], verdict[128];

	describe_run(a, buf, sizeof buf);
	fprintf(out, md ? "# ipclab bench compare\n\n- A: `%s` (%s)\n" : "A: %s (%s)\n", name_a, buf);
	shared_steps(a, "A", md, out);
	describe_run(b, buf, sizeof buf);
	fprintf(out, md ? "- B: `%s` (%s)\n" : "B: %s (%s)\n", name_b, buf);
	shared_steps(b, "B", md, out);
	fputc('\n', out);
	fprintf(out, explain, c->threshold * 100);
	fputs(md ? "\n\n## Summary\n\n| kind | unit | rows | geometric mean of B/A | faster | "
		   "slower | ~ | ? | only in A | only in B |\n| --- | --- | ---: | ---: | ---: | "
		   "---: | ---: | ---: | ---: | ---: |\n"
		 : "\n\nSummary\n  kind        unit                 rows  geomean B/A  faster  slower"
		   "       ~       ?  only A  only B\n", out);
	for (size_t k = 0; k < nk; k++) {
		const struct kind_summary *s = &ks[k];
		char g[32], u[64];
		snprintf(g, sizeof g, isfinite(geomean(s)) ? "%.3f" : "-", geomean(s));
		if (md)
			fprintf(out, "| %s | %s (%s is better) | %zu | %s | %zu | %zu | %zu | %zu | "
				"%zu | %zu |\n", s->kind, s->unit, s->higher_is_better ? "higher"
				: "lower", s->rows, g, s->counts[CMP_FASTER], s->counts[CMP_SLOWER],
				s->counts[CMP_SAME], s->counts[CMP_UNJUDGED], s->counts[CMP_ONLY_A],
				s->counts[CMP_ONLY_B]);
		else
			fprintf(out, "  %-11s %-20s %5zu  %11s  %6zu  %6zu  %6zu  %6zu  %6zu  %6zu\n",
				s->kind, unit_dir(s, u, sizeof u), s->rows, g,
				s->counts[CMP_FASTER], s->counts[CMP_SLOWER], s->counts[CMP_SAME],
				s->counts[CMP_UNJUDGED], s->counts[CMP_ONLY_A], s->counts[CMP_ONLY_B]);
	}
	if (!md)
		fputs("  (up: higher is better; down: lower is better)\n", out);

	size_t idx[5];
	size_t nl = largest(c, CMP_FASTER, idx, 5);
	fputs(md ? "\n## Largest changes\n\n" : "\nLargest changes\n", out);
	if (!nl)
		fputs(md ? "None beyond the noise.\n" : "  none beyond the noise\n", out);
	for (size_t i = 0; i < nl; i++) {
		const struct compare_row *r = &c->rows[idx[i]];
		fprintf(out, md ? "- %s: %s → %s, %s\n" : "  %s: %s -> %s, %s\n",
			compare_row_label(r, label, sizeof label),
			figure_text(r->a, &r->fa, fa, sizeof fa), figure_text(r->b, &r->fb, fb, sizeof fb),
			verdict_text(r, verdict, sizeof verdict));
	}
	/* Rows of one round say nothing of their noise: their largest ratios
	 * are shown apart, as what a run with rounds would have to confirm. */
	size_t nu = largest(c, CMP_UNJUDGED, idx, 3);
	if (nu)
		fputs(md ? "\nNot judged (a single round on a side), the largest ratios:\n\n"
			 : "  not judged (a single round on a side), the largest ratios:\n", out);
	for (size_t i = 0; i < nu; i++) {
		const struct compare_row *r = &c->rows[idx[i]];
		fprintf(out, md ? "- %s: %s → %s, B/A %.3f\n" : "    %s: %s -> %s, B/A %.3f\n",
			compare_row_label(r, label, sizeof label),
			figure_text(r->a, &r->fa, fa, sizeof fa), figure_text(r->b, &r->fb, fb, sizeof fb),
			r->ratio);
	}

	fputs(md ? "\n## Rows\n\n| row | A | B | B/A | verdict |\n| --- | ---: | ---: | ---: | --- |\n"
		 : "\nRows\n", out);
	if (!md)
		fprintf(out, "  %-52s %-34s %-34s %-24s %s\n", "row", "A", "B", "B/A", "verdict");
	for (size_t i = 0; i < c->n; i++) {
		const struct compare_row *r = &c->rows[i];
		compare_row_label(r, label, sizeof label);
		figure_text(r->a, &r->fa, fa, sizeof fa);
		figure_text(r->b, &r->fb, fb, sizeof fb);
		ratio_text(r, ratio, sizeof ratio);
		verdict_text(r, verdict, sizeof verdict);
		if (md)
			fprintf(out, "| %s | %s | %s | %s | %s |\n", label, fa, fb, ratio, verdict);
		else
			fprintf(out, "  %-52s %-34s %-34s %-24s %s\n", label, fa, fb, ratio, verdict);
	}
}

/* ---- CSV and JSON ---------------------------------------------------- */

static void csv_num(FILE *out, double v)
{
	if (isfinite(v))
		fprintf(out, ",%.6g", v);
	else
		fputc(',', out);
}

static void csv_figure(FILE *out, const struct run_row *row, const struct figure *f)
{
	if (!row) {
		fputs(",,,,", out);
		return;
	}
	csv_num(out, f->value);
	csv_num(out, f->lo);
	csv_num(out, f->hi);
	fprintf(out, ",%u", f->rounds);
}

static void csv(const struct compare *c, FILE *out)
{
	fputs("kind,transport,mode,size,clients,pin,unchecked,unit,higher_is_better,a_value,a_lo,"
	      "a_hi,a_rounds,b_value,b_lo,b_hi,b_rounds,ratio,ratio_lo,ratio_hi,verdict,why\n", out);
	for (size_t i = 0; i < c->n; i++) {
		const struct compare_row *r = &c->rows[i];
		const struct result_row *row = row_of(r);
		const struct figure *f = figure_of(r);
		report_csv_field(out, row->kind);
		fputc(',', out);
		report_csv_field(out, row->transport);
		fputc(',', out);
		report_csv_field(out, row->mode);
		fprintf(out, ",%lu,%lu,", row->size, row->clients);
		report_csv_field(out, row->pin);
		fprintf(out, ",%s,", row_unverified(row) ? "yes" : "no");
		report_csv_field(out, f->unit);
		fprintf(out, ",%s", f->higher_is_better ? "yes" : "no");
		csv_figure(out, r->a, &r->fa);
		csv_figure(out, r->b, &r->fb);
		csv_num(out, r->ratio);
		csv_num(out, r->ratio_lo);
		csv_num(out, r->ratio_hi);
		fprintf(out, ",%s,", compare_verdict_name(r->verdict));
		report_csv_field(out, r->why);
		fputc('\n', out);
	}
}

static void json_num(FILE *out, double v)
{
	if (isfinite(v))
		fprintf(out, "%.6g", v);
	else
		fputs("null", out);
}

static void json_figure(FILE *out, const char *name, const struct figure *f)
{
	fprintf(out, ", \"%s\": {\"value\": ", name);
	json_num(out, f->value);
	fputs(", \"lo\": ", out);
	json_num(out, f->lo);
	fputs(", \"hi\": ", out);
	json_num(out, f->hi);
	fprintf(out, ", \"rounds\": %u}", f->rounds);
}

static void json(const struct compare *c, const struct run *a, const struct run *b,
		 const char *name_a, const char *name_b, FILE *out)
{
	struct kind_summary ks[MAX_KINDS];
	size_t nk = summarize(c, ks);

	fputs("{\n  \"environment\": {\n    \"a\": ", out);
	results_env_json(a, out, "    ");
	fputs(",\n    \"b\": ", out);
	results_env_json(b, out, "    ");
	fputs("\n  },\n  \"runs\": {\"a\": ", out);
	report_json_string(out, name_a);
	fputs(", \"b\": ", out);
	report_json_string(out, name_b);
	fprintf(out, "},\n  \"threshold\": %.4g,\n  \"summary\": [", c->threshold);
	for (size_t k = 0; k < nk; k++) {
		const struct kind_summary *s = &ks[k];
		fprintf(out, "%s\n    {\"kind\": ", k ? "," : "");
		report_json_string(out, s->kind);
		fputs(", \"unit\": ", out);
		report_json_string(out, s->unit);
		fprintf(out, ", \"higher_is_better\": %s, \"rows\": %zu, \"geomean_ratio\": ",
			s->higher_is_better ? "true" : "false", s->rows);
		json_num(out, geomean(s));
		fprintf(out, ", \"faster\": %zu, \"slower\": %zu, \"same\": %zu, \"unjudged\": %zu, "
			"\"only_a\": %zu, \"only_b\": %zu}", s->counts[CMP_FASTER],
			s->counts[CMP_SLOWER], s->counts[CMP_SAME], s->counts[CMP_UNJUDGED],
			s->counts[CMP_ONLY_A], s->counts[CMP_ONLY_B]);
	}
	fputs(nk ? "\n  ],\n  \"rows\": [" : "],\n  \"rows\": [", out);
	for (size_t i = 0; i < c->n; i++) {
		const struct compare_row *r = &c->rows[i];
		const struct result_row *row = row_of(r);
		const struct figure *f = figure_of(r);
		fprintf(out, "%s\n    {\"kind\": ", i ? "," : "");
		report_json_string(out, row->kind);
		fputs(", \"transport\": ", out);
		report_json_string(out, row->transport);
		if (*row->mode) {
			fputs(", \"mode\": ", out);
			report_json_string(out, row->mode);
		}
		fprintf(out, ", \"size\": %lu", row->size);
		if (!strcmp(row->kind, "load"))
			fprintf(out, ", \"clients\": %lu", row->clients);
		fputs(", \"pin\": ", out);
		report_json_string(out, row->pin);
		fprintf(out, ", \"unchecked\": %s, \"unit\": ", row_unverified(row) ? "true" : "false");
		report_json_string(out, f->unit);
		fprintf(out, ", \"higher_is_better\": %s", f->higher_is_better ? "true" : "false");
		if (r->a)
			json_figure(out, "a", &r->fa);
		if (r->b)
			json_figure(out, "b", &r->fb);
		if (isfinite(r->ratio)) {
			fputs(", \"ratio\": ", out);
			json_num(out, r->ratio);
		}
		if (isfinite(r->ratio_lo)) {
			fputs(", \"ratio_lo\": ", out);
			json_num(out, r->ratio_lo);
			fputs(", \"ratio_hi\": ", out);
			json_num(out, r->ratio_hi);
		}
		fprintf(out, ", \"verdict\": \"%s\", \"why\": ", compare_verdict_name(r->verdict));
		report_json_string(out, r->why);
		fputc('}', out);
	}
	fputs(c->n ? "\n  ]\n}\n" : "]\n}\n", out);
}

void compare_write(const struct compare *c, const struct run *a, const struct run *b,
		   const char *name_a, const char *name_b, enum report_format format, FILE *out)
{
	switch (format) {
	case REPORT_TEXT:
		human(c, a, b, name_a, name_b, false, out);
		break;
	case REPORT_MARKDOWN:
		human(c, a, b, name_a, name_b, true, out);
		break;
	case REPORT_CSV:
		csv(c, out);
		break;
	case REPORT_JSON:
		json(c, a, b, name_a, name_b, out);
		break;
	}
	fflush(out);
}

int run_compare_dirs(const char *dir_a, const char *dir_b, enum report_format format,
		     FILE *out, struct ipc_error *e)
{
	struct run *a = run_new(), *b = run_new();
	struct compare c;
	int rc = -1;

	if (!a || !b)
		ipc_fail(e, IPC_SYSTEM, ENOMEM, "read %s and %s", dir_a, dir_b);
	else if (run_load_dir(a, dir_a, e) == 0 && run_load_dir(b, dir_b, e) == 0) {
		if (compare_runs(a, b, COMPARE_THRESHOLD, &c) < 0) {
			ipc_fail(e, IPC_SYSTEM, ENOMEM, "compare %s and %s", dir_a, dir_b);
		} else {
			compare_write(&c, a, b, dir_a, dir_b, format, out);
			compare_free(&c);
			rc = 0;
		}
	}
	run_free(a);
	run_free(b);
	return rc;
}
