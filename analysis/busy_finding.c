/*
 * busy_finding.c - summary.md on a run that shared its machine
 * (busy_finding.h).  The figures come from busy.tsv (per step: what other
 * processes, the kernel's threads and the host took of the run's CPUs)
 * and from the pauses census's own count of who had its CPU.
 */
#include "busy_finding.h"

#include <string.h>

#include "busyness.h"

double busy_others_pct(const struct busy_step *b)
{
	return b->ticks ? 100.0 * (double)b->others / (double)b->ticks : 0;
}

double busy_steal_pct(const struct busy_step *b)
{
	return b->ticks ? 100.0 * (double)b->steal / (double)b->ticks : 0;
}

static double kernel_pct(const struct busy_step *b)
{
	return b->ticks ? 100.0 * (double)b->kernel / (double)b->ticks : 0;
}

bool busy_step_shared(const struct busy_step *b)
{
	struct busy_share s = { .others_pct = busy_others_pct(b), .steal_pct = busy_steal_pct(b) };
	return busy_shared(&s);
}

const struct busy_step *busy_step_of(const struct run *run, const char *step)
{
	for (size_t i = 0; i < run->nbusy; i++)
		if (!strcmp(run->busy[i].step, step))
			return &run->busy[i];
	return NULL;
}

static size_t shared_steps(const struct run *run)
{
	size_t n = 0;
	for (size_t i = 0; i < run->nbusy; i++)
		n += busy_step_shared(&run->busy[i]);
	return n;
}

void busy_summary_warning(const struct run *run, FILE *out)
{
	size_t n = shared_steps(run);
	if (!n)
		return;
	fprintf(out, "**This run shared the machine: its findings are provisional.** Other "
		"processes or the host (steal) took %.0f %% or more of the run's CPUs (%s) during "
		"%s:", BUSY_SHARED_PCT, run->busy[0].cpus,
		n > 1 ? "these steps" : "this step");
	size_t k = 0;
	for (size_t i = 0; i < run->nbusy; i++) {
		const struct busy_step *b = &run->busy[i];
		if (!busy_step_shared(b))
			continue;
		fprintf(out, "%s %s (other processes %.1f %%, the host %.1f %%)",
			k++ ? ";" : "", b->step, busy_others_pct(b), busy_steal_pct(b));
	}
	fputs(".  Its figures come from a slower, noisier machine than this one alone: a "
	      "ranking, a ratio or a comparison with `true` or a peer tool may come out "
	      "otherwise on a quiet machine.  Run `make bench` again while nothing else runs "
	      "before relying on them.\n\n", out);
}

void busy_environment(const struct run *run, FILE *out)
{
	if (!run->nbusy)
		return;
	fprintf(out, "- CPU time others took of the run's CPUs (%s), per step:", run->busy[0].cpus);
	for (size_t i = 0; i < run->nbusy; i++) {
		const struct busy_step *b = &run->busy[i];
		fprintf(out, "%s %s: other processes %.1f %%, the kernel's threads %.1f %%, the "
			"host %.1f %%%s", i ? ";" : "", b->step, busy_others_pct(b), kernel_pct(b),
			busy_steal_pct(b), busy_step_shared(b) ? " (shared)" : "");
	}
	fputc('\n', out);
}

void busy_stderr_warning(const struct run *run, FILE *warn)
{
	const struct busy_step *most = NULL;
	size_t n = shared_steps(run);
	if (!n)
		return;
	for (size_t i = 0; i < run->nbusy; i++)
		if (!most || busy_others_pct(&run->busy[i]) + busy_steal_pct(&run->busy[i]) >
				     busy_others_pct(most) + busy_steal_pct(most))
			most = &run->busy[i];
	fprintf(warn, "bench: warning: the run shared the machine in %zu step%s (the most: %s, "
		"other processes %.1f %% and the host %.1f %% of its CPUs): its findings are "
		"provisional (summary.md, top)\n", n, n > 1 ? "s" : "", most->step,
		busy_others_pct(most), busy_steal_pct(most));
}

void busy_step_note(const struct run *run, const char *step, FILE *out)
{
	const struct busy_step *b = busy_step_of(run, step);
	if (!b || !busy_step_shared(b))
		return;
	/* Only under a finding the run has. */
	if (!strcmp(step, "peers") ? !run->npeers
				   : !run_find(run, "process", "none", "true", "", 0))
		return;
	fprintf(out, "  - *Provisional:* measured while other processes took %.1f %% of the "
		"CPUs and the host %.1f %% (step %s); on a quiet machine this comparison may come "
		"out otherwise.\n", busy_others_pct(b), busy_steal_pct(b), step);
}

/* What a pause does to whatever runs, whoever caused it. */
static const char stretch[] =
	"a pause lands in whatever runs and stretches it, so a mean stands about the share "
	"of time lost above the p50, in every tool alike, perf's and lmbench's as much as "
	"ipclab's.\n";

void busy_pause_why(const struct pause_row *p, FILE *out)
{
	if (!p->have_busy) {
		/* Only the switches are known: other tasks ran when there were any. */
		if (p->ctxsw)
			fprintf(out, "  Why: a pause is time the loop did not run: other tasks had "
				"the CPU for some of it (they came in %lu time%s), the host perhaps "
				"for the rest (this run did not record how much each took); %s",
				p->ctxsw, p->ctxsw > 1 ? "s" : "", stretch);
		else
			fprintf(out, "  Why: no other task came in (no switch), so the host took the "
				"virtual CPU away and gave it back, and the guest sees no interrupt "
				"and no switch; %s", stretch);
		return;
	}
	double unseen = p->lost_pct - p->others_pct - p->steal_pct;
	if (unseen < 0)
		unseen = 0;
	fprintf(out, "  Who had the CPU meanwhile: other tasks %.1f %% of the time (they came "
		"in %lu time%s), the host %.1f %% (steal)", p->others_pct, p->ctxsw,
		p->ctxsw == 1 ? "" : "s", p->steal_pct);
	/* Both shares are counted in clock ticks (10 ms): a point is noise. */
	if (unseen >= 1)
		fprintf(out, "; the other %.1f %% went unseen: the host running something else "
			"without counting it as steal, or the guest's own interrupts", unseen);
	fputc('.', out);
	if (p->others_pct >= 1 && p->others_pct >= p->steal_pct && p->others_pct >= unseen)
		fprintf(out, "  Why: other programs ran on this CPU while it was measured: the "
			"machine was shared, and its findings are provisional; %s", stretch);
	else if (p->steal_pct >= 1 && p->steal_pct >= unseen)
		fprintf(out, "  Why: the host ran something else on the physical CPU and counted "
			"it as stolen; %s", stretch);
	else
		fprintf(out, "  Why: the host takes the virtual CPU away and gives it back, and "
			"the guest sees no interrupt and no steal time; %s", stretch);
}
