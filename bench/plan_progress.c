/*
 * plan_progress.c - `ipclab bench plan progress STEP DONE TOTAL ELAPSED
 * [--quick]`: where a `make bench` run stands, for the progress lines of
 * bench/run.sh.
 *
 * DONE of the TOTAL runs of STEP are done, ELAPSED seconds after the run
 * began.  Printed, for the shell to eval:
 *
 *   BENCH_STEP="3/8 latency"   the step, its place among the steps
 *   BENCH_LEFT=95              the seconds left ("" when there is no
 *                              estimate: in the last step, which is short)
 *
 * The time left is the plan for what remains (the seconds each step takes
 * on a quiet 2-CPU VM; a busy one took 2.5 times as long), scaled by how
 * this run has kept pace so far.
 *
 * `ipclab bench plan say TEXT...` prints a progress line with them, and
 * `say --heartbeat` one when no line came for 8 s (bench/lib.sh).
 *
 * `ipclab bench plan steps`: the steps of a run, in order, a line each:
 * NAME, whether what others took of the CPUs is counted during it (yes for
 * the steps that measure: busy.tsv), and what it says as it begins (the
 * steps with a plan of their own say more as they go).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ipc.h"
#include "plan.h"

static const struct {
	const char *name;
	long full, quick; /* seconds: a full run, a quick one */
	bool counted;
	const char *says;
} steps[] = {
	{ "demo", 2, 2, false, "every transport once" },
	{ "process", 150, 10, true, "" },
	{ "latency", 120, 15, true, "" },
	{ "throughput", 350, 10, true, "" },
	{ "connect", 6, 2, true, "" },
	{ "peers", 290, 10, true, "" },
	{ "scaling", 140, 15, true, "ipclab serve in every mode and redis-server under many clients" },
	{ "report", 5, 10, false, "summary.md, all.csv, peers.csv and the plots" },
};
#define NSTEPS (sizeof steps / sizeof steps[0])

static bool whole(const char *s, long *out)
{
	char *end;
	*out = strtol(s, &end, 10);
	return *s && !*end && *out >= 0;
}

int plan_progress(int argc, char **argv)
{
	const char *args[4];
	int nargs = 0;
	bool quick = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (nargs < 4)
			args[nargs++] = argv[i];
		else
			nargs = 5;
	}
	size_t step = NSTEPS;
	long done = 0, total = 0, elapsed = 0;
	if (nargs == 4)
		for (step = 0; step < NSTEPS && strcmp(steps[step].name, args[0]); step++)
			;
	if (nargs != 4 || step == NSTEPS || !whole(args[1], &done) || !whole(args[2], &total) ||
	    !whole(args[3], &elapsed) || total < 1 || done > total) {
		fputs("usage: ipclab bench plan progress STEP DONE TOTAL ELAPSED [--quick]\n"
		      "  STEP: demo, process, latency, throughput, connect, peers, scaling or\n"
		      "  report; DONE of its TOTAL runs done, ELAPSED seconds into the run\n", stderr);
		return IPC_USAGE;
	}
	long before = 0, after = 0;
	for (size_t i = 0; i < NSTEPS; i++) {
		long s = quick ? steps[i].quick : steps[i].full;
		if (i < step)
			before += s;
		else if (i > step)
			after += s;
	}
	long est = quick ? steps[step].quick : steps[step].full;
	long planned = before + est * done / total, pace = 100;
	/* The pace counts once a minute of the plan is done (20 s of a quick
	 * one): a 2-second step that took 0 s says nothing about the rest. */
	if (planned >= (quick ? 20 : 60))
		pace = 100 * elapsed / planned;
	printf("BENCH_STEP=\"%zu/%zu %s\"\nBENCH_LEFT=", step + 1, NSTEPS, steps[step].name);
	if (step + 1 < NSTEPS)
		printf("%ld", (after + est * (total - done) / total) * pace / 100);
	putchar('\n');
	return ferror(stdout) || fflush(stdout) != 0 ? IPC_SYSTEM : 0;
}

int plan_steps(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fputs("usage: ipclab bench plan steps\n", stderr);
		return IPC_USAGE;
	}
	for (size_t i = 0; i < NSTEPS; i++)
		printf("%s\t%s\t%s\n", steps[i].name, steps[i].counted ? "yes" : "no", steps[i].says);
	return ferror(stdout) || fflush(stdout) != 0 ? IPC_SYSTEM : 0;
}

/* ---- the progress lines ---------------------------------------------------- */

/* One line on stderr, "[bench 1:23, about 4 min left] step 3/8 latency:
 * TEXT", and the step and the time the run should end in $BENCH_PROGRESS
 * (when set), whose age the heartbeat watches. */
static int say_line(const char *step, const char *left, const char *text)
{
	long now = (long)time(NULL), t0 = now, l = -1;
	const char *t0s = getenv("BENCH_T0");
	if (t0s && *t0s)
		t0 = strtol(t0s, NULL, 10);
	if (left && *left)
		l = strtol(left, NULL, 10);
	char about[48] = "";
	if (l >= 100)
		snprintf(about, sizeof about, ", about %ld min left", (l + 30) / 60);
	else if (l >= 0)
		snprintf(about, sizeof about, ", about %ld s left", (l + 9) / 10 * 10);
	long t = now - t0;
	fprintf(stderr, "[bench %ld:%02ld%s] %s%s%s%s\n", t / 60, t % 60, about,
		step && *step ? "step " : "", step && *step ? step : "", step && *step ? ": " : "",
		text);
	const char *file = getenv("BENCH_PROGRESS");
	if (!file || !*file)
		return 0;
	FILE *f = fopen(file, "w");
	if (!f)
		return 0; /* the run may have just ended and removed it */
	fprintf(f, "%s\t%ld\t%s\n", step ? step : "", now + (l > 0 ? l : 0), l >= 0 ? "1" : "");
	return fclose(f) == 0 ? 0 : IPC_SYSTEM;
}

/* --heartbeat: when no line came for 8 s, say that the step goes on, the
 * time left counted down from the last estimate. */
static int heartbeat(void)
{
	const char *file = getenv("BENCH_PROGRESS");
	struct stat st;
	char line[256], left[32] = "";
	if (!file || !*file || stat(file, &st) < 0 || time(NULL) - st.st_mtime < 8)
		return 0;
	FILE *f = fopen(file, "r");
	if (!f)
		return 0;
	char *got = fgets(line, sizeof line, f);
	fclose(f);
	if (!got)
		return 0;
	line[strcspn(line, "\n")] = '\0';
	char *end = strchr(line, '\t'), *has = end ? strchr(end + 1, '\t') : NULL;
	if (!has)
		return 0;
	*end++ = '\0';
	*has++ = '\0';
	if (*has) {
		long l = strtol(end, NULL, 10) - (long)time(NULL);
		snprintf(left, sizeof left, "%ld", l > 0 ? l : 0);
	}
	return say_line(line, left, "still measuring");
}

int plan_say(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--heartbeat"))
		return heartbeat();
	char text[2048] = "";
	size_t n = 0;
	for (int i = 1; i < argc && n < sizeof text; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", i > 1 ? " " : "", argv[i]);
	return say_line(getenv("BENCH_STEP"), getenv("BENCH_LEFT"), text);
}
