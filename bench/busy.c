/*
 * busy.c - `ipclab bench busy begin|end RUN_DIR STEP`: what other
 * processes, the kernel's threads and the host took of the run's CPUs
 * during one step of `make bench` (src/busyness.h says how it is counted).
 *
 * `begin` keeps a snapshot of /proc in the run directory; `end` takes
 * another, and adds the step's line to busy.tsv:
 *
 *   step  cpus  ticks  ours  others  kernel  steal
 *
 * ticks: the clock ticks of the run's CPUs over the step (every kind of
 * time, idle too); the others: the ticks of the run's own processes (the
 * root, by default the calling shell, and everything under it), of other
 * processes, of the kernel's threads, and stolen by the host.  The
 * report (analysis/) turns them into shares.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/layout.h"
#include "busy.h"
#include "busyness.h"
#include "cli.h"

static const char busy_usage[] =
	"usage: ipclab bench busy begin|end RUN_DIR STEP [--root PID]\n"
	"\n"
	"What others took of the run's CPUs during one step of `make bench`:\n"
	"`begin` keeps a snapshot of /proc/stat and of every process's CPU time\n"
	"(RUN_DIR/log/busy_begin.txt); `end` takes another and adds the step's line\n"
	"to RUN_DIR/busy.tsv: the step, the CPUs (those PID may use), their clock\n"
	"ticks over the step, and how many of them went to the run's own processes\n"
	"(PID and everything under it), to other processes, to the kernel's\n"
	"threads and to the host (steal).  `ipclab bench report` says, at the top\n"
	"of summary.md, when a step shared the machine.\n"
	"\n"
	"  --root PID   the run's first process (default: the caller, the parent\n"
	"               of this process)\n";

/* The CPUs root may run on (ours when root cannot be asked). */
static void run_cpus(pid_t root, bool *cpus)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	if (sched_getaffinity(root, sizeof set, &set) < 0 &&
	    sched_getaffinity(0, sizeof set, &set) < 0)
		for (int i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &set);
	for (int i = 0; i < BUSY_MAXCPU; i++)
		cpus[i] = i < CPU_SETSIZE && CPU_ISSET(i, &set);
}

static int path_in(char *buf, size_t cap, const char *dir, enum layout_kind kind)
{
	char rel[64];
	struct layout_file f = { .kind = kind };
	if (layout_path(rel, sizeof rel, &f) < 0)
		return -1;
	int n = snprintf(buf, cap, "%s/%s", dir, rel);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static int write_begin(const char *path, const char *step, const struct busy_snap *s,
		       struct ipc_error *e)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return ipc_fail(e, IPC_SYSTEM, errno, "create %s", path);
	fprintf(f, "step %s\nours %llu\nkernel %llu\n", step, s->ours, s->kernel);
	/* In /proc/stat's own order (user nice system idle iowait irq softirq
	 * steal), the sums in the first field of each: busy_parse_stat()
	 * reads it back. */
	for (int i = 0; i < BUSY_MAXCPU; i++)
		if (s->cpu[i].seen)
			fprintf(f, "cpu%d %llu 0 0 %llu 0 %llu 0 %llu\n", i, s->cpu[i].busy,
				s->cpu[i].idle, s->cpu[i].irq, s->cpu[i].steal);
	int bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return ipc_fail(e, IPC_SYSTEM, errno ? errno : EIO, "write %s", path);
	return 0;
}

static int read_begin(const char *path, const char *step, struct busy_snap *s,
		      struct ipc_error *e)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		ipc_fail(e, IPC_USAGE, errno, "open %s", path);
		return ipc_hint(e, "run `ipclab bench busy begin` for the step first");
	}
	char text[1 << 16];
	size_t len = fread(text, 1, sizeof text - 1, f);
	int bad = ferror(f);
	fclose(f);
	if (bad)
		return ipc_fail(e, IPC_SYSTEM, EIO, "read %s", path);
	text[len] = '\0';
	char name[256];
	memset(s, 0, sizeof *s);
	if (sscanf(text, "step %255s\nours %llu\nkernel %llu", name, &s->ours, &s->kernel) != 3 ||
	    busy_parse_stat(text, s) <= 0)
		return ipc_fail(e, IPC_USAGE, EINVAL, "read %s: not a snapshot of `ipclab bench "
				"busy begin`", path);
	if (strcmp(name, step)) {
		ipc_fail(e, IPC_USAGE, 0, "%s is the start of step %s, not of %s", path, name, step);
		return ipc_hint(e, "run `ipclab bench busy begin` for the step first");
	}
	return 0;
}

static int append_row(const char *path, const char *step, const char *cpus,
		      const struct busy_snap *a, const struct busy_snap *b, const bool *mask,
		      struct ipc_error *e)
{
	struct busy_share s = busy_between(a, b, mask);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (fd < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "open %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int err = errno;
		close(fd);
		return ipc_fail(e, IPC_SYSTEM, err, "fstat %s", path);
	}
	FILE *f = fdopen(fd, "a");
	if (!f) {
		int err = errno;
		close(fd);
		return ipc_fail(e, IPC_SYSTEM, err, "fdopen %s", path);
	}
	if (st.st_size == 0)
		fputs("step\tcpus\tticks\tours\tothers\tkernel\tsteal\n", f);
	fprintf(f, "%s\t%s\t%llu\t%.0f\t%.0f\t%.0f\t%.0f\n", step, cpus, s.ticks, s.ours,
		s.others, s.kernel, s.steal);
	int bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return ipc_fail(e, IPC_SYSTEM, errno ? errno : EIO, "write %s", path);
	return 0;
}

int cmd_bench_busy(int argc, char **argv)
{
	struct ipc_error e = { 0 };
	pid_t root = getppid();

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(busy_usage, stdout);
		return 0;
	}
	if (argc == 6 && !strcmp(argv[4], "--root")) {
		char *end;
		errno = 0;
		long v = strtol(argv[5], &end, 10);
		if (errno || *end || v <= 0 || (pid_t)v != v) {
			fprintf(stderr, "ipclab bench busy: --root takes a process id, not '%s'\n",
				argv[5]);
			return IPC_USAGE;
		}
		root = (pid_t)v;
		argc = 4;
	}
	if (argc != 4 || (strcmp(argv[1], "begin") && strcmp(argv[1], "end")) || !*argv[3] ||
	    strchr(argv[3], '\t') || strchr(argv[3], '\n') || strchr(argv[3], ' ')) {
		fputs(busy_usage, stderr);
		return IPC_USAGE;
	}
	const char *dir = argv[2], *step = argv[3];
	char begin[4096], rows[4096];
	if (path_in(begin, sizeof begin, dir, LF_BUSY_BEGIN) < 0 ||
	    path_in(rows, sizeof rows, dir, LF_BUSY) < 0) {
		fprintf(stderr, "ipclab bench busy: the run directory's path is too long: %s\n", dir);
		return IPC_USAGE;
	}
	struct busy_snap *now = malloc(sizeof *now), *then = malloc(sizeof *then);
	int rc = -1;
	if (!now || !then) {
		ipc_fail(&e, IPC_SYSTEM, ENOMEM, "memory for two snapshots of /proc");
		goto out;
	}
	if (busy_snapshot("/proc", root, now, &e) < 0)
		goto out;
	if (!strcmp(argv[1], "begin")) {
		rc = write_begin(begin, step, now, &e);
		goto out;
	}
	if (read_begin(begin, step, then, &e) < 0)
		goto out;
	bool mask[BUSY_MAXCPU];
	char list[256];
	run_cpus(root, mask);
	busy_cpu_list(mask, list, sizeof list);
	rc = append_row(rows, step, list, then, now, mask, &e);
	if (rc == 0 && unlink(begin) < 0)
		rc = ipc_fail(&e, IPC_SYSTEM, errno, "unlink %s", begin);
out:
	free(now);
	free(then);
	return rc < 0 ? cli_report(&e) : 0;
}
