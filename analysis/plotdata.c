/*
 * plotdata.c - the small whitespace-separated tables the gnuplot scripts (plots/) draw, and
 * meta.gp: what every plot writes under its title (machine, date,
 * revision, QUICK), the transports in order and the axis ranges, which
 * start where the data start.  A missing figure is NaN: gnuplot leaves it
 * out.
 */
#include "ladder.h"
#include "modes.h"
#include "run.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

#define MAXT 16

static FILE *open_table(const char *dir, const char *name, struct ipc_error *e)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		ipc_fail(e, IPC_SYSTEM, errno, "create %s", path);
	return f;
}

static int close_table(FILE *f, const char *dir, const char *name, struct ipc_error *e)
{
	int bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return ipc_fail(e, IPC_SYSTEM, errno ? errno : EIO, "write %s/%s", dir, name);
	return 0;
}

static void num(FILE *f, double v)
{
	if (isfinite(v) && v != 0)
		fprintf(f, " %.4g", v);
	else
		fputs(" NaN", f);
}

/* p50 p99 p999 of one latency row, or NaN NaN NaN. */
static void lat3(FILE *f, const struct run *run, const char *t, const char *mode, const char *pin)
{
	const struct run_row *r = *pin ? run_find(run, "latency", t, mode, pin, 0) : NULL;
	num(f, r ? r->r.lat_us.p50 : NAN);
	num(f, r ? r->r.lat_us.p99 : NAN);
	num(f, r ? r->r.lat_us.p999 : NAN);
}

/* Text for gnuplot's enhanced mode, inside double quotes. */
static void gp_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (strchr("_^@&~{}", *s))
			fputs("\\\\", f);
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
}

/* 1, 2, 5, 10, 20... at or below v. */
static double decade_floor(double v)
{
	if (!(v > 0))
		return 1;
	double d = pow(10, floor(log10(v)));
	return v >= 5 * d ? 5 * d : v >= 2 * d ? 2 * d : d;
}

static int latency_tables(const struct run *run, const char *dir, struct ipc_error *e,
			  double *ymin, double *ymax)
{
	const char *T[MAXT];
	size_t nt = run_transports_of(run, T, MAXT);
	FILE *f = open_table(dir, "latency.dat", e);
	if (!f)
		return -1;
	double lo = INFINITY;
	fputs("# i transport; one CPU: greeting p50 p99 p999, echo p50 p99 p999; two CPUs: "
	      "the same (µs)\n", f);
	for (size_t i = 0; i < nt; i++) {
		fprintf(f, "%zu %s", i + 1, T[i]);
		lat3(f, run, T[i], "greeting", run->same);
		lat3(f, run, T[i], "echo", run->same);
		lat3(f, run, T[i], "greeting", run->cross);
		lat3(f, run, T[i], "echo", run->cross);
		fputc('\n', f);
		for (size_t k = 0; k < run->nrows; k++) {
			const struct result_row *r = &run->rows[k].r;
			if (!strcmp(r->kind, "latency") && r->lat_us.p50 > 0 && strcmp(r->pin, "none")) {
				lo = fmin(lo, r->lat_us.p50);
				*ymax = fmax(*ymax, r->lat_us.p999);
			}
		}
	}
	if (close_table(f, dir, "latency.dat", e) < 0)
		return -1;
	*ymin = decade_floor(lo * 0.45); /* room under the smallest bar for its label */

	if (!(f = open_table(dir, "pinning.dat", e)))
		return -1;
	fputs("# i transport; greeting p50 p99: one CPU, two CPUs, unpinned (µs)\n", f);
	for (size_t i = 0; i < nt; i++) {
		const char *pins[3] = { run->same, run->cross, "none" };
		fprintf(f, "%zu %s", i + 1, T[i]);
		for (size_t j = 0; j < 3; j++) {
			const struct run_row *r =
				*pins[j] ? run_find(run, "latency", T[i], "greeting", pins[j], 0) : NULL;
			num(f, r ? r->r.lat_us.p50 : NAN);
			num(f, r ? r->r.lat_us.p99 : NAN);
		}
		fputc('\n', f);
	}
	return close_table(f, dir, "pinning.dat", e);
}

/* cdf_WHERE_T.dat: value F, thinned to about 2000 points below p99 and
 * every point above it, from the samples the reader kept (sorted). */
static int cdf_table(const struct run *run, const char *dir, const char *where, const char *t,
		     double *xmin, double *xmax, struct ipc_error *e)
{
	char name[128];
	snprintf(name, sizeof name, "cdf_%s_%s.dat", where, t);
	FILE *out = open_table(dir, name, e);
	if (!out)
		return -1;
	fputs("# round trip (µs), fraction of round trips at most that\n", out);
	const struct run_samples *rs = run_find_samples(run, where, t);
	if (rs && rs->n) {
		const double *v = rs->v;
		size_t n = rs->n;
		size_t step = n / 2000 ? n / 2000 : 1;
		for (size_t i = 1; i <= n; i++)
			if (i % step == 0 || i == 1 || i >= 0.99 * (double)n)
				fprintf(out, "%.3f %.6f\n", v[i - 1], (double)i / (double)n);
		*xmin = fmin(*xmin, v[0]);
		*xmax = fmax(*xmax, stats_percentile(v, n, 99.9));
	}
	return close_table(out, dir, name, e);
}

/* cdf_modes_WHERE.dat: the marks of the CDF plot, one row per mode of
 * every transport with two or more (run_modes(), which the modes finding
 * prints too): where the mode sits (its median), the height of the line
 * there, the height of its transport's label, and the label (on the
 * transport's first row only, "" on the others).  One label per
 * transport, naming each mode's share and place, in a column at the
 * plot's right, from the top down, LABEL_STEP decades apart, in the order
 * of the transports' highest marks: labels never overlap each other or
 * the legend (at the bottom left); an arrow joins a label to each of its
 * marks.  *count: how many marks. */
#define LABEL_TOP 0.55
#define LABEL_STEP 0.2
struct marked {
	const char *t;
	struct run_mode m[RUN_MODES_MAX];
	size_t nm;
};

static int by_height(const void *a, const void *b)
{
	const struct marked *x = a, *y = b;
	return (x->m[0].y < y->m[0].y) - (x->m[0].y > y->m[0].y);
}

static int cdf_modes_table(const struct run *run, const char *dir, const char *where,
			   int *count, struct ipc_error *e)
{
	const char *T[MAXT];
	size_t nt = run_transports_of(run, T, MAXT), n = 0;
	struct marked marks[MAXT];
	char name[64];
	snprintf(name, sizeof name, "cdf_modes_%s.dat", where);
	FILE *f = open_table(dir, name, e);
	if (!f)
		return -1;
	*count = 0;
	for (size_t i = 0; i < nt; i++) {
		marks[n].t = T[i];
		marks[n].nm = run_modes(run, where, T[i], marks[n].m, RUN_MODES_MAX);
		if (marks[n].nm >= 2)
			n++;
	}
	qsort(marks, n, sizeof *marks, by_height);
	fputs("# a mode: transport, where it sits (µs, the median of its round trips), the "
	      "share of round trips slower than that (the line's height there), its "
	      "transport's label's height, the label (on the transport's first mode)\n", f);
	for (size_t j = 0; j < n; j++)
		for (size_t k = 0; k < marks[j].nm; k++) {
			const struct run_mode *m = &marks[j].m[k];
			fprintf(f, "%s %.4g %.4g %.4g \"", marks[j].t, m->m.at, m->y,
				LABEL_TOP * pow(10, -LABEL_STEP * (double)j));
			for (size_t q = 0; k == 0 && q < marks[j].nm; q++) {
				double at = marks[j].m[q].m.at;
				fprintf(f, "%s%s%.0f %% near ", q ? ", " : marks[j].t, q ? "" : ": ",
					100 * marks[j].m[q].m.share);
				fprintf(f, at >= 100 ? "%.0f µs" : "%.3g µs", at);
			}
			fputs("\"\n", f);
			(*count)++;
		}
	return close_table(f, dir, name, e);
}

struct curve_of {
	const char *t, *pin, *mode;
};

static bool tp_point(const struct result_row *r, const void *arg)
{
	const struct curve_of *c = arg;
	return !strcmp(r->kind, "throughput") && !strcmp(r->transport, c->t) &&
	       !strcmp(r->pin, c->pin) && !row_unverified(r) && r->size > 0;
}

static bool load_point(const struct result_row *r, const void *arg)
{
	const struct curve_of *c = arg;
	return !strcmp(r->kind, "load") && !strcmp(r->transport, c->t) && !strcmp(r->mode, c->mode) &&
	       r->clients > 0 && r->msgs_per_s > 0;
}

static unsigned long size_key(const struct result_row *r)
{
	return r->size;
}

static unsigned long clients_key(const struct result_row *r)
{
	return r->clients;
}

/* throughput_T.dat: size, median MB/s, lowest, highest, % lost (checked
 * stream at the sweep's placement); bends.dat: the points a curve falls at. */
static int throughput_tables(const struct run *run, const char *dir, struct ipc_error *e)
{
	const char *T[MAXT];
	size_t nt = run_transports_of(run, T, MAXT);
	const char *pin = run->cross[0] ? run->cross : run->same;

	for (size_t i = 0; i < nt; i++) {
		char name[64];
		snprintf(name, sizeof name, "throughput_%s.dat", T[i]);
		FILE *f = open_table(dir, name, e);
		if (!f)
			return -1;
		fputs("# size median_mb_s lowest highest lost_pct\n", f);
		const struct run_row **pts;
		struct curve_of c = { T[i], pin, "" };
		size_t np = run_sorted(run, tp_point, &c, size_key, &pts);
		for (size_t k = 0; k < np; k++) { /* by size, ascending */
			const struct run_row *next = pts[k];
			fprintf(f, "%lu %.1f %.1f %.1f %.3f\n", next->r.size, next->r.mb_per_s, next->lo,
				next->hi, next->r.count ? 100.0 * next->r.lost / next->r.count : 0.0);
		}
		free(pts);
		if (close_table(f, dir, name, e) < 0)
			return -1;
	}
	/* bends.dat: size MB/s "label" where a curve falls, for the plot. */
	FILE *f = open_table(dir, "bends.dat", e);
	if (!f)
		return -1;
	fputs("# size mb_per_s label label_x: where a throughput curve falls under 70 % of its peak\n", f);
	for (size_t i = 0; i < nt; i++) {
		const struct run_row *pts[64];
		size_t n = run_curve(run, T[i], pin, pts, 64), peak, fall;
		if (run_bend(pts, n, &peak, &fall) && fall)
			/* The label's left end: right of the point, or far enough left
			 * of it to fit when the point is near the axis's end. */
			fprintf(f, "%lu %.1f \"%s: %.0f → %.0f MB/s\" %.0f\n", pts[fall]->r.size,
				pts[fall]->r.mb_per_s, T[i], pts[peak]->r.mb_per_s, pts[fall]->r.mb_per_s,
				pts[fall]->r.size >= 262144 ? pts[fall]->r.size / 9.0
							    : pts[fall]->r.size * 1.25);
	}
	if (close_table(f, dir, "bends.dat", e) < 0)
		return -1;
	return 0;
}

static int process_tables(const struct run *run, const char *dir, struct ipc_error *e)
{
	const char *T[MAXT];
	size_t nt = run_transports_of(run, T, MAXT);
	FILE *f = open_table(dir, "process.dat", e);
	if (!f)
		return -1;
	fputs("# i transport; greet p50 p90 p99, demo p50 p90 p99 (ms)\n", f);
	for (size_t i = 0; i < nt; i++) {
		fprintf(f, "%zu %s", i + 1, T[i]);
		for (int m = 0; m < 2; m++) {
			const struct run_row *r = run_find(run, "process", T[i], m ? "demo" : "greet", "", 0);
			num(f, r ? r->r.lat_us.p50 / 1000 : NAN);
			num(f, r ? r->r.lat_us.p90 / 1000 : NAN);
			num(f, r ? r->r.lat_us.p99 / 1000 : NAN);
		}
		fputc('\n', f);
	}
	if (close_table(f, dir, "process.dat", e) < 0)
		return -1;
	if (!(f = open_table(dir, "floor.dat", e)))
		return -1;
	fputs("# p50 (ms) of true, ipclab list, ipclab list linked dynamically\n", f);
	static const char *const M[] = { "true", "list", "list-dynamic" };
	for (size_t m = 0; m < 3; m++) {
		const struct run_row *r = run_find(run, "process", "none", M[m], "", 0);
		num(f, r ? r->r.lat_us.p50 / 1000 : NAN);
	}
	fputc('\n', f);
	return close_table(f, dir, "floor.dat", e);
}

/* scaling_T_M.dat: clients, requests/s, p99 µs, max µs. */
static int scaling_tables(const struct run *run, const char *dir, struct ipc_error *e,
			  double *lo, double *hi)
{
	static const char *const T[] = { "unix_stream", "tcp" };
	static const char *const M[] = { "iterative", "select", "poll", "epoll", "uring", "redis" };
	for (size_t t = 0; t < 2; t++)
		for (size_t m = 0; m < sizeof M / sizeof M[0]; m++) {
			char name[64];
			snprintf(name, sizeof name, "scaling_%s_%s.dat", T[t], M[m]);
			FILE *f = open_table(dir, name, e);
			if (!f)
				return -1;
			fputs("# clients requests_per_s p99_us max_us\n", f);
			const struct run_row **pts;
			struct curve_of c = { T[t], "", M[m] };
			size_t np = run_sorted(run, load_point, &c, clients_key, &pts);
			for (size_t k = 0; k < np; k++) {
				const struct run_row *next = pts[k];
				*lo = fmin(*lo, next->r.msgs_per_s);
				*hi = fmax(*hi, next->r.msgs_per_s);
				fprintf(f, "%lu %.1f", next->r.clients, next->r.msgs_per_s);
				num(f, next->r.lat_us.p99);
				num(f, next->r.lat_us.max);
				fputc('\n', f);
			}
			free(pts);
			if (close_table(f, dir, name, e) < 0)
				return -1;
		}
	return 0;
}

int run_plot_data(const struct run *run, const char *dir, struct ipc_error *e)
{
	const char *T[MAXT];
	size_t nt = run_transports_of(run, T, MAXT);
	double ymin = 1, ymax = 10, cdf_lo = INFINITY, cdf_hi = 0, sc_lo = INFINITY, sc_hi = 0;

	if (latency_tables(run, dir, e, &ymin, &ymax) < 0 || throughput_tables(run, dir, e) < 0 ||
	    process_tables(run, dir, e) < 0 || scaling_tables(run, dir, e, &sc_lo, &sc_hi) < 0 ||
	    ladder_plot_data(run, dir, e) < 0)
		return -1;
	for (size_t i = 0; i < nt; i++)
		if (cdf_table(run, dir, "same", T[i], &cdf_lo, &cdf_hi, e) < 0 ||
		    cdf_table(run, dir, "cross", T[i], &cdf_lo, &cdf_hi, e) < 0)
			return -1;
	int modes_same = 0, modes_cross = 0; /* the CDF plot's marks */
	if (cdf_modes_table(run, dir, "same", &modes_same, e) < 0 ||
	    cdf_modes_table(run, dir, "cross", &modes_cross, e) < 0)
		return -1;

	FILE *f = open_table(dir, "meta.gp", e);
	if (!f)
		return -1;
	const char *date = run_env(run, "date");
	fputs("# meta.gp - what every plot of this run shares (ipclab bench report)\n", f);
	fputs("SUBTITLE = \"", f);
	if (run_quick(run))
		fputs("QUICK RUN (few iterations: rough figures) - ", f);
	gp_text(f, run_env(run, "cpu_model"));
	fprintf(f, ", %s CPUs, ", run_env(run, "cpus_online"));
	gp_text(f, run_env(run, "kernel"));
	fprintf(f, ", %.10s, git ", date);
	gp_text(f, run_env(run, "git_rev"));
	fputs("\"\n", f);
	fprintf(f, "QUICK = %d\n", run_quick(run));
	fputs("TRANSPORTS = \"", f);
	for (size_t i = 0; i < nt; i++)
		fprintf(f, "%s%s", i ? " " : "", T[i]);
	fputs("\"\n", f);
	char pl[48], pl2[48];
	fprintf(f, "SAME = \"%s\"\nCROSS = \"%s\"\n", placement_name(run->same, pl, sizeof pl),
		run->cross[0] ? placement_name(run->cross, pl2, sizeof pl2) : "");
	fprintf(f, "SWEEP = \"%s\"\n",
		placement_name(run->cross[0] ? run->cross : run->same, pl, sizeof pl));
	fprintf(f, "LAT_YMIN = %g\nLAT_YMAX = %g\n", ymin, ymax * 1.6);
	/* The floor under the two-CPU bars: one cache line passed between the
	 * processes, and shm with both sides spinning (NaN: not measured). */
	const struct run_row *pp = run->cross[0] ? run_find(run, "latency", "pingpong", "",
							     run->cross, 0) : NULL;
	const struct run_row *sp = run->cross[0] ? run_find(run, "latency", "shm-spin", "greeting",
							     run->cross, 0) : NULL;
	if (pp && pp->r.lat_us.p50 > 0)
		fprintf(f, "PINGPONG_CROSS = %g\n", pp->r.lat_us.p50);
	else
		fputs("PINGPONG_CROSS = NaN\n", f);
	if (sp && sp->r.lat_us.p50 > 0)
		fprintf(f, "SPIN_CROSS = %g\n", sp->r.lat_us.p50);
	else
		fputs("SPIN_CROSS = NaN\n", f);
	fprintf(f, "CDF_XMIN = %g\nCDF_XMAX = %g\n", isfinite(cdf_lo) ? decade_floor(cdf_lo) : 1,
		cdf_hi > 0 ? cdf_hi * 3 : 1000);
	fprintf(f, "CDF_MODES_SAME = %d\nCDF_MODES_CROSS = %d\n", modes_same, modes_cross);
	/* A log axis only where the figures span more than a decade. */
	fprintf(f, "SCALING_LOG = %d\n", sc_hi > 10 * sc_lo);
	fprintf(f, "IDLE_HALTS = %d\n", run_idle_halts(run));
	double tlo = INFINITY;
	for (size_t k = 0; k < run->nrows; k++)
		if (!strcmp(run->rows[k].r.kind, "throughput") && run->rows[k].lo > 0)
			tlo = fmin(tlo, run->rows[k].lo);
	static const char *const PM[] = { "true", "list", "list-dynamic" };
	static const char *const PV[] = { "FLOOR_MS", "START_MS", "DYNAMIC_MS" };
	for (size_t m = 0; m < 3; m++) {
		const struct run_row *r = run_find(run, "process", "none", PM[m], "", 0);
		if (r && r->r.lat_us.p50 > 0)
			fprintf(f, "%s = %.4f\n", PV[m], r->r.lat_us.p50 / 1000);
		else
			fprintf(f, "%s = NaN\n", PV[m]);
	}
	fprintf(f, "TP_YMIN = %g\n", isfinite(tlo) ? decade_floor(tlo * 0.8) : 1);
	return close_table(f, dir, "meta.gp", e);
}
