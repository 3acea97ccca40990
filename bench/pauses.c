/*
 * pauses.c - `ipclab bench pauses`: how often, and for how long, the CPU is
 * taken away from a program that never gives it up.
 *
 * One process, pinned to one CPU, does nothing but read CLOCK_MONOTONIC
 * (a vDSO call: no system call) in a tight loop for the length of the run.
 * Consecutive readings are normally a few tens of nanoseconds apart; a gap
 * longer than PAUSE_MIN_NS is time during which the loop did not run: an
 * interrupt, a preemption by another task (the run's context switches are
 * reported beside it), or, in a virtual machine, the hypervisor running
 * something else on the physical CPU.  The last kind is invisible from
 * inside the guest: no interrupt, no context switch, often no steal time,
 * only the clock jumping.  On a 2-vCPU VM it was about 1,300 pauses a
 * second of 30 to 40 us, some 5 % of the time.
 *
 * Any benchmark pinned to that CPU loses the same share: a round trip that
 * has a pause inside it is longer by the pause's length, so the tail of its
 * latency (p99 against p50) can come from the machine rather than from the
 * program.  This row says how much of a tail that can be.
 *
 * The loop allocates nothing and calls nothing but the clock: the pause
 * lengths go to an array allocated and touched (so that no page fault
 * lands inside the run) beforehand.
 */
#include "pauses.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "busyness.h"

void pauses_init(struct pauses *p, uint64_t threshold_ns, double *store, size_t cap)
{
	memset(p, 0, sizeof *p);
	p->threshold_ns = threshold_ns;
	p->len_us = store;
	p->cap = store ? cap : 0;
}

void pauses_scan(struct pauses *p, const uint64_t *t_ns, size_t n)
{
	for (size_t i = 1; i < n; i++)
		pauses_gap(p, t_ns[i] - t_ns[i - 1]);
}

void pauses_summarize(struct pauses *p, struct pauses_result *r)
{
	struct stats s;

	memset(r, 0, sizeof *r);
	r->cpu = -1;
	r->ctxsw = NAN;
	r->others_pct = r->steal_pct = NAN;
	r->seconds = (double)p->span_ns / 1e9;
	r->threshold_us = (double)p->threshold_ns / 1000.0;
	r->pauses = p->count;
	r->overflow = p->overflow;
	r->per_s = p->span_ns ? (double)p->count / r->seconds : 0;
	r->lost_pct = p->span_ns ? 100.0 * (double)p->lost_ns / (double)p->span_ns : 0;
	/* The readings outside the pauses: what one costs (the loop's step). */
	unsigned long long steps = p->gaps - p->count;
	r->clock_ns = steps ? (double)(p->span_ns - p->lost_ns) / (double)steps : NAN;
	if (p->count == 0) {
		r->min_us = r->p50_us = r->p90_us = r->p99_us = r->max_us = NAN;
		return;
	}
	stats_compute(p->len_us, p->stored, &s);
	/* No storage at all: the pauses were counted, not ranked. */
	r->p50_us = p->stored ? s.p50 : NAN;
	r->p90_us = p->stored ? s.p90 : NAN;
	r->p99_us = p->stored ? s.p99 : NAN;
	/* Exact over every pause, stored or not. */
	r->min_us = (double)p->min_ns / 1000.0;
	r->max_us = (double)p->max_ns / 1000.0;
}

int bench_pauses(int cpu, unsigned long ms, struct pauses_result *r, struct ipc_error *e)
{
	cpu_set_t saved;
	struct bench_usage u0, u1;
	struct pauses p;
	struct busy_snap *snap[2] = { NULL, NULL };
	int rc = -1;

	if (ms == 0 || ms > UINT64_MAX / 1000000)
		return ipc_fail(e, IPC_USAGE, 0, "a run of %lu ms cannot be timed", ms);
	if (cpu < 0) {
		cpu = sched_getcpu();
		if (cpu < 0)
			return ipc_fail(e, IPC_SYSTEM, errno, "sched_getcpu");
	}
	int pins[2] = { cpu, -1 };
	if (bench_check_pins(pins, e) < 0)
		return -1;
	/* Fewer than ms * 1e6 / PAUSE_MIN_NS pauses fit in the run. */
	uint64_t most = (uint64_t)ms * (1000000 / PAUSE_MIN_NS) + 1;
	size_t cap = most < PAUSES_CAP ? (size_t)most : PAUSES_CAP;
	double *store = malloc(cap * sizeof *store);
	if (!store)
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "memory for %zu pause lengths", cap);
	/* Touch every page now: a first write inside the run would fault. */
	memset(store, 0, cap * sizeof *store);
	snap[0] = calloc(1, sizeof *snap[0]);
	snap[1] = calloc(1, sizeof *snap[1]);
	if (sched_getaffinity(0, sizeof saved, &saved) < 0) {
		ipc_fail(e, IPC_SYSTEM, errno, "sched_getaffinity");
		goto out;
	}
	if (bench_pin(cpu, e) < 0)
		goto out;
	/* The CPU's times around the loop: who else had it (busyness.h).
	 * Not having them is no reason to give up the run. */
	struct ipc_error ignored = { 0 };
	bool have_stat = snap[0] && snap[1] && busy_read_stat("/proc", snap[0], &ignored) == 0;
	if (bench_usage_now(&u0, e) < 0)
		goto restore;

	pauses_init(&p, PAUSE_MIN_NS, store, cap);
	uint64_t prev = bench_now_ns();
	uint64_t end = prev + (uint64_t)ms * 1000000;
	for (;;) {
		uint64_t now = bench_now_ns();
		pauses_gap(&p, now - prev);
		prev = now;
		if (now >= end)
			break;
	}

	if (bench_usage_now(&u1, e) < 0)
		goto restore;
	have_stat = have_stat && busy_read_stat("/proc", snap[1], &ignored) == 0;
	pauses_summarize(&p, r);
	r->cpu = cpu;
	r->ctxsw = u1.ctxsw - u0.ctxsw;
	long hz = sysconf(_SC_CLK_TCK);
	if (have_stat && hz > 0) {
		/* The loop is the only task of ours on the CPU: its own time is
		 * ours, the rest of the CPU's busy time other tasks'. */
		struct busy_share b = busy_on_cpu(snap[0], snap[1], cpu,
						  (u1.cpu_us - u0.cpu_us) * (double)hz / 1e6);
		if (b.ticks) {
			r->others_pct = b.others_pct;
			r->steal_pct = b.steal_pct;
		}
	}
	rc = 0;
restore:
	if (sched_setaffinity(0, sizeof saved, &saved) < 0 && rc == 0)
		rc = ipc_fail(e, IPC_SYSTEM, errno, "sched_setaffinity back to the CPUs it had");
out:
	free(snap[0]);
	free(snap[1]);
	free(store);
	return rc;
}

/* ---- writing the result ------------------------------------------------ */

/* One value of the pauses layout (report.h): %.3f as the result rows have
 * it, whole numbers as such; a value never measured (NAN) is `missing`: an
 * empty CSV field, a JSON null. */
static void pcol_value(FILE *f, const struct pauses_result *r, const struct pauses_column *c,
		       const char *missing)
{
	double v = pauses_column_value(r, c);
	if (c->type == PC_COUNT)
		fprintf(f, "%llu", (unsigned long long)v);
	else if (!isfinite(v))
		fputs(missing, f);
	else
		fprintf(f, c->type == PC_NUM ? "%.3f" : "%.0f", v);
}

static void text_us(FILE *f, const char *label, double v)
{
	if (isfinite(v))
		fprintf(f, "  %s %.1f", label, v);
	else
		fprintf(f, "  %s -", label);
}

static void pauses_text(FILE *f, const struct pauses_result *r)
{
	fprintf(f, "\npauses on CPU %d over %.3f s (a pause: a gap over %.0f us between two "
		"clock readings)\n", r->cpu, r->seconds, r->threshold_us);
	fprintf(f, "  pauses       %llu, %.1f a second; %.2f %% of the time lost\n", r->pauses,
		r->per_s, r->lost_pct);
	fputs("  length (us)", f);
	text_us(f, "min", r->min_us);
	text_us(f, "p50", r->p50_us);
	text_us(f, "p90", r->p90_us);
	text_us(f, "p99", r->p99_us);
	text_us(f, "max", r->max_us);
	fputc('\n', f);
	if (r->overflow)
		fprintf(f, "  percentiles of the first %llu pauses only (%llu more were counted)\n",
			r->pauses - r->overflow, r->overflow);
	fprintf(f, "  clock        %.0f ns a reading; %.0f context switches during the run\n",
		isfinite(r->clock_ns) ? r->clock_ns : 0, isfinite(r->ctxsw) ? r->ctxsw : 0);
	if (isfinite(r->others_pct) && isfinite(r->steal_pct))
		fprintf(f, "  taken        %.1f %% of the time by other tasks, %.1f %% by the host "
			"(steal)\n", r->others_pct, r->steal_pct);
}

void pauses_write(FILE *out, enum report_format format, const struct env_record *env,
		  const struct pauses_result *r)
{
	const struct pauses_column *c = pauses_columns;
	size_t n = pauses_ncolumns;

	if (format == REPORT_JSON)
		fputs("{\n", out);
	report_env(out, format, env);
	switch (format) {
	case REPORT_TEXT:
		pauses_text(out, r);
		break;
	case REPORT_CSV:
		fputs("kind", out);
		for (size_t i = 0; i < n; i++)
			fprintf(out, ",%s", c[i].name);
		fputs("\npauses", out);
		for (size_t i = 0; i < n; i++) {
			fputc(',', out);
			pcol_value(out, r, &c[i], "");
		}
		fputc('\n', out);
		break;
	case REPORT_JSON:
		/* The one shape of every JSON document (report.h): one row. */
		fputs(",\n  \"rows\": [\n    {\"kind\": \"pauses\"", out);
		for (size_t i = 0; i < n; i++) {
			fprintf(out, ", \"%s\": ", c[i].name);
			pcol_value(out, r, &c[i], "null");
		}
		fputs("}\n  ]\n}\n", out);
		break;
	case REPORT_MARKDOWN:
		fputs("\n| kind |", out);
		for (size_t i = 0; i < n; i++)
			fprintf(out, " %s |", c[i].name);
		fputs("\n| --- |", out);
		for (size_t i = 0; i < n; i++)
			fputs(" ---: |", out);
		fputs("\n| pauses |", out);
		for (size_t i = 0; i < n; i++) {
			fputc(' ', out);
			pcol_value(out, r, &c[i], "");
			fputs(" |", out);
		}
		fputc('\n', out);
		break;
	}
	fflush(out);
}
