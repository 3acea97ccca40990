/*
 * test_busy.c - a busy machine detected and said: what other processes,
 * the kernel's threads and the host took of the run's CPUs
 * (src/busyness.c, `ipclab bench busy`, analysis/busy_finding.c).
 *
 * The counting is fed made-up /proc texts and a made-up /proc tree, where
 * every answer is known; summary.md is written from runs built here, one
 * that shared its machine and one that did not; the command runs for real
 * and only what any machine must give is asserted (shares between 0 and
 * 100, a header, a line per step).
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis.h"
#include "busy_finding.h"
#include "busyness.h"
#include "reader.h"
#include "run.h"

#define ENV struct test_env *env = *state

/* Two snapshots live on the heap: each is 40 KiB. */
static struct busy_snap *snap_of(const char *stat, unsigned long long ours,
				 unsigned long long kernel)
{
	struct busy_snap *s = calloc(1, sizeof *s);
	assert_non_null(s);
	if (stat)
		assert_true(busy_parse_stat(stat, s) > 0);
	s->ours = ours;
	s->kernel = kernel;
	return s;
}

/* ---- /proc/stat ------------------------------------------------------------ */

static void test_parse_stat(void **state)
{
	(void)state;
	struct busy_snap *s = snap_of(NULL, 0, 0);
	/* The aggregate line and the others are skipped; cpu1 is missing (offline). */
	const char *text = "cpu  100 2 30 400 5 6 7 8 0 0\n"
			   "cpu0 10 1 20 300 4 5 6 7 0 0\n"
			   "cpu2 1000 0 500 0 0 0 0 250 40 0\n"
			   "intr 15953961 0 0 0\n"
			   "ctxt 123456\n"
			   "btime 1765000000\n";
	assert_int_equal(busy_parse_stat(text, s), 2);
	assert_true(s->cpu[0].seen && !s->cpu[1].seen && s->cpu[2].seen);
	assert_int_equal(s->cpu[0].busy, 10 + 1 + 20);
	assert_int_equal(s->cpu[0].idle, 300 + 4);
	assert_int_equal(s->cpu[0].irq, 5 + 6);
	assert_int_equal(s->cpu[0].steal, 7);
	/* Guest time is inside user: not counted twice. */
	assert_int_equal(s->cpu[2].busy, 1500);
	assert_int_equal(s->cpu[2].steal, 250);

	/* A kernel before steal (four fields): steal 0. */
	memset(s, 0, sizeof *s);
	assert_int_equal(busy_parse_stat("cpu0 1 2 3 4\n", s), 1);
	assert_int_equal(s->cpu[0].busy, 6);
	assert_int_equal(s->cpu[0].steal, 0);

	/* Malformed or out of range: refused, never half read. */
	assert_int_equal(busy_parse_stat("cpu0 1 2\n", s), -1);
	assert_int_equal(busy_parse_stat("cpu0 a b c d\n", s), -1);
	assert_int_equal(busy_parse_stat("cpu1024 1 2 3 4\n", s), -1);
	assert_int_equal(busy_parse_stat("cpu0 99999999999999999999999 0 0 0\n", s), -1);
	/* No CPU line at all. */
	assert_int_equal(busy_parse_stat("intr 1\n", s), 0);
	assert_int_equal(busy_parse_stat("", s), 0);
	free(s);
}

/* ---- /proc/PID/stat and the process tree ----------------------------------- */

static void test_parse_task(void **state)
{
	(void)state;
	struct busy_task t;
	/* The command's name holds a space and parentheses; tpgid is -1. */
	assert_int_equal(busy_parse_task("4242 (my (odd) cmd) S 4000 4242 4000 0 -1 4194304 98 0 "
					 "0 0 150 25 7 3 20 0 1 0 1202509 3133440 408\n", &t), 0);
	assert_int_equal(t.pid, 4242);
	assert_int_equal(t.ppid, 4000);
	assert_int_equal(t.ticks, 150 + 25 + 7 + 3);
	assert_false(t.kthread);
	/* A kernel thread: PF_KTHREAD among its flags. */
	assert_int_equal(busy_parse_task("15 (rcu_preempt) I 2 0 0 0 -1 2129984 0 0 0 0 0 311 0 0 "
					 "20 0 1 0 5 0 0\n", &t), 0);
	assert_true(t.kthread);
	assert_int_equal(t.ticks, 311);
	assert_int_equal(t.ppid, 2);

	assert_int_equal(busy_parse_task("", &t), -1);
	assert_int_equal(busy_parse_task("12 (cut short) S 1 2 3\n", &t), -1);
	assert_int_equal(busy_parse_task("12 no parentheses S 1 2 3 4 5 6 7 8 9 10 11 12 13 14\n",
					 &t), -1);
	assert_int_equal(busy_parse_task("x (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14\n", &t), -1);
}

static void test_tree_ticks(void **state)
{
	(void)state;
	/* 100 is the run; 101, 102 its children, 103 a grandchild listed
	 * before its parent; 200 and 201 someone else's; 1 is init. */
	const struct busy_task tasks[] = {
		{ .pid = 103, .ppid = 102, .ticks = 5 },  { .pid = 1, .ppid = 0, .ticks = 1000 },
		{ .pid = 200, .ppid = 1, .ticks = 700 },  { .pid = 100, .ppid = 1, .ticks = 10 },
		{ .pid = 101, .ppid = 100, .ticks = 20 }, { .pid = 201, .ppid = 200, .ticks = 70 },
		{ .pid = 102, .ppid = 100, .ticks = 40 },
	};
	size_t n = sizeof tasks / sizeof tasks[0];
	assert_int_equal(busy_tree_ticks(tasks, n, 100), 10 + 20 + 40 + 5);
	assert_int_equal(busy_tree_ticks(tasks, n, 102), 40 + 5);
	assert_int_equal(busy_tree_ticks(tasks, n, 200), 770);
	assert_int_equal(busy_tree_ticks(tasks, n, 999), 0);
	assert_int_equal(busy_tree_ticks(tasks, 0, 100), 0);
}

/* ---- what others took between two snapshots -------------------------------- */

static void test_between(void **state)
{
	(void)state;
	/* Over the step: CPU 0 busy 80 ticks, idle 20; CPU 1 busy 50, idle
	 * 30, interrupts 10, stolen 10: 200 ticks in all, 130 busy.  Ours 60,
	 * the kernel's threads 5: other processes 65 (32.5 %), the host 10 (5 %). */
	struct busy_snap *a = snap_of("cpu0 1000 0 0 5000 0 0 0 0\n"
				      "cpu1 2000 0 0 6000 0 0 0 100\n", 300, 40);
	struct busy_snap *b = snap_of("cpu0 1070 0 10 5015 5 0 0 0\n"
				      "cpu1 2040 5 5 6030 0 4 6 110\n", 360, 45);
	bool both[BUSY_MAXCPU] = { [0] = true, [1] = true };
	struct busy_share s = busy_between(a, b, both);
	assert_int_equal(s.ncpu, 2);
	assert_int_equal(s.ticks, 200);
	assert_float_equal(s.ours, 60, 1e-9);
	assert_float_equal(s.kernel, 5, 1e-9);
	assert_float_equal(s.others, 65, 1e-9);
	assert_float_equal(s.steal, 10, 1e-9);
	assert_float_equal(s.ours_pct, 30, 1e-9);
	assert_float_equal(s.others_pct, 32.5, 1e-9);
	assert_float_equal(s.kernel_pct, 2.5, 1e-9);
	assert_float_equal(s.steal_pct, 5, 1e-9);
	assert_true(busy_shared(&s));

	/* Our own processes used all the busy time: nobody else ran, and a
	 * count that says more than the CPUs did is never a negative share. */
	b->ours = a->ours + 200;
	s = busy_between(a, b, both);
	assert_float_equal(s.others, 0, 1e-9);
	assert_float_equal(s.others_pct, 0, 1e-9);
	assert_true(busy_shared(&s)); /* the host's 5 % still counts */

	/* A CPU outside the run's set, or missing from a snapshot, is not counted. */
	bool cpu1[BUSY_MAXCPU] = { [1] = true, [7] = true };
	b->ours = a->ours;
	b->kernel = a->kernel;
	s = busy_between(a, b, cpu1);
	assert_int_equal(s.ncpu, 1);
	assert_int_equal(s.ticks, 100);
	assert_float_equal(s.others_pct, 50, 1e-9);
	assert_float_equal(s.steal_pct, 10, 1e-9);

	/* No time passed: no share, no division by zero. */
	s = busy_between(a, a, both);
	assert_int_equal(s.ticks, 0);
	assert_true(s.others_pct == 0 && s.steal_pct == 0 && s.ours_pct == 0);
	assert_false(busy_shared(&s));
	free(a);
	free(b);
}

/* One pinned CPU and the loop's own time on it (`bench pauses`). */
static void test_on_cpu(void **state)
{
	(void)state;
	/* CPU 1 over 100 ticks: 97 busy, of which the loop 33.5: other tasks
	 * 63.5 %; 3 stolen. */
	struct busy_snap *a = snap_of("cpu0 0 0 0 0 0 0 0 0\ncpu1 500 0 0 10 0 0 0 0\n", 0, 0);
	struct busy_snap *b = snap_of("cpu0 90 0 0 10 0 0 0 0\ncpu1 590 0 7 10 0 0 0 3\n", 0, 0);
	struct busy_share s = busy_on_cpu(a, b, 1, 33.5);
	assert_int_equal(s.ncpu, 1);
	assert_int_equal(s.ticks, 100);
	assert_float_equal(s.others_pct, 63.5, 1e-9);
	assert_float_equal(s.steal_pct, 3, 1e-9);
	/* A CPU out of range counts nothing. */
	s = busy_on_cpu(a, b, -1, 0);
	assert_int_equal(s.ncpu, 0);
	s = busy_on_cpu(a, b, BUSY_MAXCPU, 0);
	assert_int_equal(s.ncpu, 0);
	free(a);
	free(b);
}

/* The threshold, on both sides of it. */
static void test_threshold(void **state)
{
	(void)state;
	struct busy_share s = { .others_pct = BUSY_SHARED_PCT - 0.01, .steal_pct = 4.99 };
	assert_false(busy_shared(&s));
	s.others_pct = BUSY_SHARED_PCT;
	assert_true(busy_shared(&s));
	s.others_pct = 0;
	s.steal_pct = BUSY_SHARED_PCT;
	assert_true(busy_shared(&s));
}

static void test_cpu_list(void **state)
{
	(void)state;
	bool cpus[BUSY_MAXCPU] = { [0] = true, [1] = true, [2] = true, [3] = true, [6] = true,
				   [8] = true, [9] = true };
	char buf[64];
	assert_string_equal(busy_cpu_list(cpus, buf, sizeof buf), "0-3,6,8-9");
	bool none[BUSY_MAXCPU] = { false };
	assert_string_equal(busy_cpu_list(none, buf, sizeof buf), "");
	/* Too small a buffer: cut between CPUs, never in the middle of one. */
	assert_string_equal(busy_cpu_list(cpus, buf, 6), "0-3,6");
	assert_string_equal(busy_cpu_list(cpus, buf, 5), "0-3");
}

/* ---- a made-up /proc tree ---------------------------------------------------- */

static void put(const char *dir, const char *rel, const char *text)
{
	char path[IPC_PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
	*slash = '/';
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void rm_tree(const char *dir)
{
	char cmd[IPC_PATH_MAX + 32];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'/proc", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_snapshot_tree(void **state)
{
	ENV;
	char proc[IPC_PATH_MAX + 8];
	snprintf(proc, sizeof proc, "%s/proc", env->dir);
	struct busy_snap *s = snap_of(NULL, 0, 0);
	struct ipc_error e = { 0 };

	/* No stat file: an error naming it. */
	assert_int_equal(mkdir(proc, 0700), 0);
	assert_int_equal(busy_snapshot(proc, 10, s, &e), -1);
	assert_non_null(strstr(e.msg, "/proc/stat"));

	put(env->dir, "proc/stat", "cpu  5 0 0 5 0 0 0 0\ncpu0 5 0 0 5 0 0 0 0\n");
	/* The run (10) and its child (11); someone else (20); a kernel thread
	 * (30); a directory that is not a process, and a process whose stat
	 * is unreadable text (gone, in effect). */
	put(env->dir, "proc/10/stat", "10 (bash) S 1 10 10 0 -1 0 0 0 0 0 3 1 50 10 20 0\n");
	put(env->dir, "proc/11/stat", "11 (ipclab) R 10 10 10 0 -1 0 0 0 0 0 30 6 0 0 20 0\n");
	put(env->dir, "proc/20/stat", "20 (cc1) R 1 20 20 0 -1 0 0 0 0 0 400 40 0 0 20 0\n");
	put(env->dir, "proc/30/stat", "30 (kworker/0:1) I 2 0 0 0 -1 2129984 0 0 0 0 0 9 0 0 "
		"20 0\n");
	put(env->dir, "proc/self/stat", "not a process\n");
	put(env->dir, "proc/40/stat", "garbage\n");
	assert_int_equal(busy_snapshot(proc, 10, s, &e), 0);
	assert_true(s->cpu[0].seen);
	assert_int_equal(s->cpu[0].busy, 5);
	assert_int_equal(s->ours, 3 + 1 + 50 + 10 + 30 + 6);
	assert_int_equal(s->kernel, 9);
	/* No root: ours is nothing. */
	assert_int_equal(busy_snapshot(proc, 0, s, &e), 0);
	assert_int_equal(s->ours, 0);
	assert_int_equal(s->kernel, 9);
	/* A stat without CPU lines is not the kernel's. */
	put(env->dir, "proc/stat", "intr 0\n");
	assert_int_equal(busy_snapshot(proc, 10, s, &e), -1);
	assert_non_null(strstr(e.msg, "no cpuN line"));
	rm_tree(env->dir);
	free(s);
}

/* ---- busy.tsv through the reader ---------------------------------------------- */

static struct run *read_busy(const char *text)
{
	struct run *run = run_new();
	assert_non_null(run);
	assert_int_equal(reader_parse(run, -1, RK_BUSY, "busy.tsv", text, strlen(text)), 0);
	return run;
}

static void test_reader(void **state)
{
	(void)state;
	struct run *run = read_busy("step\tcpus\tticks\tours\tothers\tkernel\tsteal\n"
				    "latency\t0-1\t2000\t900\t1000\t20\t0\n"
				    "peers\t0-1\t1000\t950\t10\t5\t60\n"
				    "bad\t0-1\t100\t10\t200\t0\t0\n"
				    "short\t0-1\t100\n"
				    "zero\t0-1\t0\t0\t0\t0\t0\n"
				    "odd\tcpu zero\t10\t0\t0\t0\t0\n");
	assert_int_equal(run->nbusy, 2);
	assert_string_equal(run->busy[0].step, "latency");
	assert_string_equal(run->busy[0].cpus, "0-1");
	assert_float_equal(busy_others_pct(&run->busy[0]), 50, 1e-9);
	assert_float_equal(busy_steal_pct(&run->busy[1]), 6, 1e-9);
	assert_true(busy_step_shared(&run->busy[0]));
	assert_true(busy_step_shared(&run->busy[1]));
	/* The steal goes to the steps' steal shares as steal.tsv's did. */
	assert_int_equal(run->nsteal, 2);
	assert_float_equal(run->steal[1].pct, 6, 1e-9);
	/* Four lines left out, each said. */
	const char *const *lines;
	assert_int_equal(run_problems(run, &lines), 4);
	assert_non_null(strstr(lines[0], "busy.tsv line 4"));
	run_free(run);

	/* Without its header the file is not read at all. */
	run = read_busy("latency\t0-1\t2000\t900\t1000\t20\t0\n");
	assert_int_equal(run->nbusy, 0);
	assert_int_equal(run_problems(run, &lines), 1);
	assert_non_null(strstr(lines[0], "no header"));
	run_free(run);
}

static char *read_text(const char *dir, const char *rel)
{
	char path[IPC_PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 1 << 20;
	char *buf = calloc(1, cap);
	assert_non_null(buf);
	size_t n = fread(buf, 1, cap - 1, f);
	assert_true(n < cap - 1); /* the whole file */
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* ---- summary.md ---------------------------------------------------------------- */

static void add_row(struct run *run, const char *kind, const char *t, const char *mode,
		    const char *pin, double p50)
{
	struct result_row r = {
		.kind = kind, .transport = t, .mode = mode, .size = 16, .count = 1000,
		.clients = 1, .pin = pin, .note = "", .cpu_us_per_op = 3, .ctxsw_per_op = 2,
		.lat_us = { .min = p50 / 2, .p50 = p50, .p90 = p50 * 1.2, .p99 = p50 * 2,
			    .p999 = p50 * 3, .max = p50 * 4, .mean = p50 * 1.1 },
	};
	assert_int_equal(run_add_row(run, &r), 0);
}

/* A small run: latency at one and two CPUs, `true` and greet as whole
 * commands; busy.tsv's steps as given (others, steal in ticks of 1000). */
static struct run *made_run(const unsigned long *others, const unsigned long *steal)
{
	static const char *const steps[] = { "process", "latency", "peers" };
	struct run *run = run_new();
	assert_non_null(run);
	assert_int_equal(run_set_env(run, "date", "2026-01-02T03:04:05Z"), 0);
	assert_int_equal(run_set_env(run, "quick", "yes"), 0);
	add_row(run, "latency", "pipe", "greeting", "0,0", 10);
	add_row(run, "latency", "tcp", "greeting", "0,0", 20);
	add_row(run, "latency", "pipe", "greeting", "0,1", 30);
	add_row(run, "process", "none", "true", "none", 500);
	add_row(run, "process", "tcp", "greet", "none", 800);
	add_row(run, "process", "unix_stream", "greet", "none", 700);
	for (size_t i = 0; i < 3; i++) {
		struct busy_step b = { .ticks = 1000, .ours = 500, .others = others[i],
				       .kernel = 10, .steal = steal[i] };
		snprintf(b.step, sizeof b.step, "%s", steps[i]);
		snprintf(b.cpus, sizeof b.cpus, "0-1");
		assert_int_equal(run_add_busy(run, &b), 0);
	}
	run_finish(run);
	return run;
}

static char *summary_of(const struct run *run)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	run_summary(run, f);
	assert_int_equal(fclose(f), 0);
	return text;
}

static void test_summary_warning(void **state)
{
	(void)state;
	/* The process step shared the machine with other processes (41.3 %),
	 * the peers step with the host (7.5 %); latency was quiet (1.2 %). */
	const unsigned long others[3] = { 413, 12, 0 }, steal[3] = { 0, 0, 75 };
	struct run *run = made_run(others, steal);
	char *s = summary_of(run);
	const char *warning = strstr(s, "**This run shared the machine: its findings are "
					"provisional.**");
	assert_non_null(warning);
	/* At the top: before the findings and every table. */
	assert_true(warning < strstr(s, "## Findings"));
	assert_non_null(strstr(warning, "Other processes or the host (steal) took 5 % or more of "
					"the run's CPUs (0-1) during these steps: process (other "
					"processes 41.3 %, the host 0.0 %); peers (other processes "
					"0.0 %, the host 7.5 %)."));
	/* The quiet step is not named among the shared ones. */
	const char *end = strstr(warning, "\n\n");
	assert_non_null(end);
	const char *lat = strstr(warning, "latency");
	assert_true(!lat || lat > end);
	/* The comparison with `true` carries the note. */
	assert_non_null(strstr(s, "as long as `true`"));
	assert_non_null(strstr(s, "  - *Provisional:* measured while other processes took 41.3 % "
				  "of the CPUs and the host 0.0 % (step process)"));
	/* Every step's shares in the Environment. */
	assert_non_null(strstr(s, "- CPU time others took of the run's CPUs (0-1), per step: "
				  "process: other processes 41.3 %, the kernel's threads 1.0 %, "
				  "the host 0.0 % (shared); latency: other processes 1.2 %"));
	free(s);

	/* And one line on stderr at the end of the run. */
	char *w = NULL;
	size_t wl = 0;
	FILE *f = open_memstream(&w, &wl);
	busy_stderr_warning(run, f);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(w, "bench: warning: the run shared the machine in 2 steps (the most: "
			       "process, other processes 41.3 % and the host 0.0 % of its CPUs): "
			       "its findings are provisional (summary.md, top)\n");
	free(w);
	run_free(run);
}

static void test_summary_quiet(void **state)
{
	(void)state;
	/* 4.9 % and 4.9 %: under the threshold on both counts. */
	const unsigned long others[3] = { 49, 10, 0 }, steal[3] = { 0, 49, 3 };
	struct run *run = made_run(others, steal);
	char *s = summary_of(run);
	assert_null(strstr(s, "shared the machine"));
	assert_null(strstr(s, "provisional"));
	assert_null(strstr(s, "Provisional"));
	/* The figures are still there, for whoever looks. */
	assert_non_null(strstr(s, "process: other processes 4.9 %, the kernel's threads 1.0 %, "
				  "the host 0.0 %; latency"));
	assert_null(strstr(s, "(shared)"));
	char *w = NULL;
	size_t wl = 0;
	FILE *f = open_memstream(&w, &wl);
	busy_stderr_warning(run, f);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(w, "");
	free(w);
	free(s);
	run_free(run);

	/* A run that did not record it (older runs) says nothing of it. */
	run = run_new();
	add_row(run, "latency", "pipe", "greeting", "0,0", 10);
	run_finish(run);
	s = summary_of(run);
	assert_null(strstr(s, "shared the machine"));
	assert_null(strstr(s, "CPU time others took"));
	free(s);
	run_free(run);
}

/* The same through a run directory: the fixture's quick run (which has no
 * busy.tsv), then with a quiet busy.tsv, then with a shared one, each read
 * and written as `ipclab bench report` does. */
static char *report_in(const char *dir, char **warnings)
{
	struct run *run = run_new();
	struct ipc_error e = { 0 };
	assert_non_null(run);
	if (run_load_dir(run, dir, &e) < 0)
		fail_msg("run_load_dir: %s", e.msg);
	size_t wl = 0;
	FILE *warn = open_memstream(warnings, &wl);
	assert_non_null(warn);
	if (run_write(run, dir, warn, &e) < 0)
		fail_msg("run_write: %s", e.msg);
	assert_int_equal(fclose(warn), 0);
	run_free(run);
	return read_text(dir, "summary.md");
}

static void test_run_directory(void **state)
{
	ENV;
	test_deadline(60, "three reports of a whole quick run under ASan");
	const char *src = getenv("IPCLAB_SOURCE_DIR");
	char dir[IPC_PATH_MAX + 8], cmd[3 * IPC_PATH_MAX];
	snprintf(dir, sizeof dir, "%s/run", env->dir);
	snprintf(cmd, sizeof cmd, "cp -r '%s%stests/fixtures/quick-run/in' '%s'", src ? src : "",
		 src ? "/" : "", dir);
	if (system(cmd) != 0)
		fail_msg("%s failed (run the tests from the source tree, or set "
			 "IPCLAB_SOURCE_DIR)", cmd);

	char *warn, *s = report_in(dir, &warn);
	assert_non_null(s);
	assert_null(strstr(s, "shared the machine"));
	assert_null(strstr(s, "CPU time others took"));
	assert_null(strstr(warn, "shared the machine"));
	free(s);
	free(warn);

	char path[IPC_PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/busy.tsv", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("step\tcpus\tticks\tours\tothers\tkernel\tsteal\n"
	      "process\t0-1\t10000\t9000\t200\t100\t0\n"
	      "latency\t0-1\t20000\t15000\t400\t100\t20\n", f);
	assert_int_equal(fclose(f), 0);
	s = report_in(dir, &warn);
	assert_null(strstr(s, "shared the machine"));
	assert_null(strstr(s, "Provisional"));
	assert_non_null(strstr(s, "- CPU time others took of the run's CPUs (0-1), per step: "
				  "process: other processes 2.0 %, the kernel's threads 1.0 %, the "
				  "host 0.0 %; latency: other processes 2.0 %, the kernel's threads "
				  "0.5 %, the host 0.1 %\n"));
	assert_null(strstr(warn, "shared the machine"));
	free(s);
	free(warn);

	/* The latency step shared it: 63.1 % taken by other processes. */
	f = fopen(path, "a");
	assert_non_null(f);
	fputs("throughput\t0-1\t20000\t7000\t12620\t100\t0\n", f);
	assert_int_equal(fclose(f), 0);
	s = report_in(dir, &warn);
	const char *top = strstr(s, "**This run shared the machine: its findings are "
				    "provisional.**");
	assert_non_null(top);
	assert_true(top < strstr(s, "## Findings"));
	assert_non_null(strstr(top, "during this step: throughput (other processes 63.1 %, the "
				    "host 0.0 %)."));
	assert_non_null(strstr(warn, "bench: warning: the run shared the machine in 1 step "
				     "(the most: throughput, other processes 63.1 %"));
	free(s);
	free(warn);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- the pauses finding: other tasks or the host -------------------------------- */

static char *why_of(const struct pause_row *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	busy_pause_why(p, f);
	assert_int_equal(fclose(f), 0);
	return text;
}

static void test_pause_why(void **state)
{
	(void)state;
	/* The case seen on a shared machine: 66.5 % lost, other tasks had the
	 * CPU 63.2 % of the time, no steal. */
	struct pause_row p = { .cpu = 0, .per_s = 1708, .lost_pct = 66.5, .p50_us = 9.9,
			       .ctxsw = 127, .have_busy = true, .others_pct = 63.2,
			       .steal_pct = 0 };
	char *s = why_of(&p);
	assert_non_null(strstr(s, "Who had the CPU meanwhile: other tasks 63.2 % of the time "
				  "(they came in 127 times), the host 0.0 % (steal); the other "
				  "3.3 % went unseen"));
	assert_non_null(strstr(s, "Why: other programs ran on this CPU while it was measured"));
	assert_null(strstr(s, "host takes"));
	assert_null(strstr(s, "stolen"));
	free(s);

	/* The host counted its time as steal. */
	p = (struct pause_row){ .cpu = 0, .lost_pct = 30, .have_busy = true, .others_pct = 0.5,
				.steal_pct = 29.8 };
	s = why_of(&p);
	assert_non_null(strstr(s, "Why: the host ran something else on the physical CPU and "
				  "counted it as stolen"));
	assert_null(strstr(s, "went unseen")); /* 0.0 left: nothing to say */
	assert_null(strstr(s, "other programs ran"));
	free(s);

	/* Nobody seen: the host, unseen. */
	p = (struct pause_row){ .cpu = 0, .lost_pct = 5, .have_busy = true, .others_pct = 0.2,
				.steal_pct = 0 };
	s = why_of(&p);
	assert_non_null(strstr(s, "the other 4.8 % went unseen"));
	assert_non_null(strstr(s, "Why: the host takes the virtual CPU away and gives it back"));
	free(s);

	/* An older run: only the switches are known.  With switches, never
	 * the host alone. */
	p = (struct pause_row){ .cpu = 0, .lost_pct = 63.1, .ctxsw = 104 };
	s = why_of(&p);
	assert_non_null(strstr(s, "other tasks had the CPU for some of it (they came in 104 "
				  "times)"));
	assert_null(strstr(s, "host takes"));
	free(s);
	p.ctxsw = 0;
	s = why_of(&p);
	assert_non_null(strstr(s, "no other task came in (no switch), so the host took the "
				  "virtual CPU away"));
	free(s);
}

/* Through the whole finding: the pause row of the one-CPU placement's CPU. */
static void test_pause_finding_in_summary(void **state)
{
	(void)state;
	const unsigned long quiet[3] = { 0, 0, 0 };
	struct run *run = made_run(quiet, quiet);
	struct pause_row p = { .cpu = 0, .per_s = 1708, .lost_pct = 66.5, .p50_us = 9.9,
			       .ctxsw = 127, .have_busy = true, .others_pct = 63.2,
			       .steal_pct = 0 };
	assert_int_equal(run_add_pauses(run, &p), 0);
	char *s = summary_of(run);
	const char *f = strstr(s, "CPU 0 lost 66.5 % of its time to pauses");
	assert_non_null(f);
	const char *eol = strchr(f, '\n');
	const char *why = strstr(f, "Why: other programs ran on this CPU");
	assert_true(why && why < eol);
	assert_null(strstr(s, "host takes"));
	free(s);
	run_free(run);
}

/* The pauses layout carries both shares, and the reader takes them back;
 * a file without them leaves them unmeasured. */
static void test_pauses_columns(void **state)
{
	(void)state;
	const char *text = "kind,cpu,seconds,threshold_us,pauses,pauses_per_s,lost_pct,min_us,"
			   "p50_us,p90_us,p99_us,max_us,clock_ns,ctxsw,overflow,others_pct,"
			   "steal_pct\n"
			   "pauses,1,1.004,5.000,1339,1334.051,65.862,5.040,11.312,49.995,"
			   "9862.859,24093.815,27.796,130,0,62.937,0.000\n";
	struct run *run = run_new();
	assert_int_equal(reader_parse(run, -1, RK_PAUSES, "machine/pauses_cpu1.csv", text,
				      strlen(text)), 0);
	assert_int_equal(run->npauses, 1);
	assert_true(run->pauses[0].have_busy);
	assert_float_equal(run->pauses[0].others_pct, 62.937, 1e-9);
	assert_float_equal(run->pauses[0].steal_pct, 0, 1e-9);
	run_free(run);

	const char *old = "kind,cpu,seconds,threshold_us,pauses,pauses_per_s,lost_pct,min_us,"
			  "p50_us,p90_us,p99_us,max_us,clock_ns,ctxsw,overflow\n"
			  "pauses,0,1.000,5.000,2000,2000.000,8.000,6.000,40.000,45.000,60.000,"
			  "90.000,27.000,0,0\n";
	run = run_new();
	assert_int_equal(reader_parse(run, -1, RK_PAUSES, "machine/pauses_cpu0.csv", old,
				      strlen(old)), 0);
	assert_int_equal(run->npauses, 1);
	assert_false(run->pauses[0].have_busy);
	run_free(run);
}

/* ---- the command ------------------------------------------------------------------ */

static void test_cli_busy(void **state)
{
	ENV;
	char out[4096], err[4096], log[IPC_PATH_MAX + 16];
	snprintf(log, sizeof log, "%s/log", env->dir);
	assert_int_equal(mkdir(log, 0700), 0);

	/* An end without its begin: a usage error that says what to do. */
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "busy", "end", env->dir, "latency", NULL), IPC_USAGE);
	assert_non_null(strstr(err, "busy_begin.txt"));
	assert_non_null(strstr(err, "ipclab bench busy begin"));

	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "busy", "begin", env->dir, "latency", NULL), 0);
	/* The begin of another step does not end this one. */
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "busy", "end", env->dir, "peers", NULL), IPC_USAGE);
	assert_non_null(strstr(err, "the start of step latency, not of peers"));
	/* 0.2 s spent, so that some clock ticks pass. */
	usleep(200 * 1000);
	char root[24];
	snprintf(root, sizeof root, "%d", (int)getpid());
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "busy", "end", env->dir, "latency", "--root", root, NULL), 0);
	assert_string_equal(out, "");

	char *tsv = read_text(env->dir, "busy.tsv");
	assert_non_null(tsv);
	/* The snapshot is gone once used. */
	assert_null(read_text(env->dir, "log/busy_begin.txt"));
	struct run *run = read_busy(tsv);
	const char *const *lines;
	assert_int_equal(run_problems(run, &lines), 0);
	assert_int_equal(run->nbusy, 1);
	const struct busy_step *b = &run->busy[0];
	assert_string_equal(b->step, "latency");
	assert_true(b->ticks > 0);
	assert_true(busy_others_pct(b) >= 0 && busy_others_pct(b) <= 100);
	run_free(run);
	free(tsv);

	/* Usage errors. */
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "busy", "middle", env->dir, "latency", NULL), IPC_USAGE);
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "busy", "begin", env->dir, "a step", NULL), IPC_USAGE);
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "busy", "begin", env->dir, "x", "--root", "zero", NULL),
			 IPC_USAGE);
	assert_non_null(strstr(err, "--root takes a process id"));
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "bench",
				      "busy", "--help", NULL), 0);
	assert_non_null(strstr(out, "usage: ipclab bench busy begin|end RUN_DIR STEP"));

	snprintf(log, sizeof log, "%s/busy.tsv", env->dir);
	assert_int_equal(unlink(log), 0);
	snprintf(log, sizeof log, "%s/log", env->dir);
	assert_int_equal(rmdir(log), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_parse_task),
		cmocka_unit_test(test_tree_ticks),
		cmocka_unit_test(test_between),
		cmocka_unit_test(test_on_cpu),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_cpu_list),
		cmocka_unit_test_setup_teardown(test_snapshot_tree, test_env_setup,
						test_env_teardown),
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_summary_warning),
		cmocka_unit_test(test_summary_quiet),
		cmocka_unit_test_setup_teardown(test_run_directory, test_env_setup,
						test_env_teardown),
		cmocka_unit_test(test_pause_why),
		cmocka_unit_test(test_pause_finding_in_summary),
		cmocka_unit_test(test_pauses_columns),
		cmocka_unit_test_setup_teardown(test_cli_busy, test_env_setup, test_env_teardown),
	};
	return cmocka_run_group_tests_name("busy", tests, NULL, NULL);
}
