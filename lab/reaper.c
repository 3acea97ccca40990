/*
 * reaper.c - run one command of the grader with a deadline, and leave none
 * of its processes behind (`lab/check.sh` builds and uses it).
 *
 *   reaper [-r REPORT] SECONDS COMMAND [ARG...]
 *
 * `timeout` kills a process group, but a program may leave its group: a
 * grandchild that calls setsid() starts a session of its own and would
 * outlive the grader.  So the reaper makes itself a child subreaper
 * (prctl PR_SET_CHILD_SUBREAPER): every descendant whose parent dies is
 * re-parented to it instead of to init, whatever session it moved to.
 * When COMMAND ends, or at the deadline, the reaper kills COMMAND's process
 * group and every process that descends from the reaper (found through
 * /proc/PID/stat), reaps them, and repeats until it has no child left.
 *
 * Each process still running after COMMAND ended on its own is named in
 * REPORT ("left PID COMM"): a program that leaves one behind is told so.
 * SIGTERM or SIGINT to the reaper ends it all the same way, at once.
 * Exit status: COMMAND's own, 128+N if a signal N ended it, 124 if the
 * deadline passed (or the reaper was told to stop), 125 if the reaper
 * itself failed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char last_state; /* the state letter parent_of() last read */

static pid_t parent_of(pid_t pid, char *comm, size_t cap)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *open = strchr(buf, '('), *close = strrchr(buf, ')');
	if (!open || !close || close < open)
		return -1;
	snprintf(comm, cap, "%.*s", (int)(close - open - 1), open + 1);
	int ppid;
	char state;
	if (sscanf(close + 1, " %c %d", &state, &ppid) != 2)
		return -1;
	last_state = state;
	return (pid_t)ppid;
}

/* Is `pid` a descendant of `root`?  Follows the parent links in /proc. */
static int descends_from(pid_t pid, pid_t root)
{
	char comm[64];
	for (int depth = 0; depth < 64 && pid > 1; depth++) {
		pid_t up = parent_of(pid, comm, sizeof comm);
		if (up == root)
			return 1;
		if (up <= 1)
			return 0;
		pid = up;
	}
	return 0;
}

/* Kill every descendant; returns how many were found.  Each is named in
 * `report` when it is not NULL. */
static int kill_descendants(pid_t self, FILE *report)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int found = 0;
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char *end, comm[64] = "?";
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 1 || pid == self || !descends_from((pid_t)pid, self))
			continue;
		parent_of((pid_t)pid, comm, sizeof comm);
		int zombie = last_state == 'Z'; /* exited, not yet reaped: not left running */
		if (kill((pid_t)pid, SIGKILL) == 0) {
			found++;
			if (report && !zombie)
				fprintf(report, "left %ld %s\n", pid, comm);
		}
	}
	closedir(d);
	return found;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *report_path = NULL;
	int argi = 1;
	if (argc > 2 && strcmp(argv[1], "-r") == 0) {
		report_path = argv[2];
		argi = 3;
	}
	if (argc - argi < 2) {
		fprintf(stderr, "usage: reaper [-r REPORT] SECONDS COMMAND [ARG...]\n");
		return 125;
	}
	double seconds = strtod(argv[argi], NULL);
	pid_t self = getpid();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("reaper: prctl PR_SET_CHILD_SUBREAPER");
		return 125;
	}
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigaddset(&chld, SIGTERM);
	sigaddset(&chld, SIGINT);
	sigprocmask(SIG_BLOCK, &chld, NULL);

	pid_t child = fork();
	if (child < 0) {
		perror("reaper: fork");
		return 125;
	}
	if (child == 0) {
		sigprocmask(SIG_UNBLOCK, &chld, NULL);
		setpgid(0, 0);
		execvp(argv[argi + 1], argv + argi + 1);
		fprintf(stderr, "reaper: %s: %s\n", argv[argi + 1], strerror(errno));
		_exit(127);
	}
	setpgid(child, child); /* also here: no race with the child's own call */

	int status = 0, done = 0, late = 0;
	double deadline = now() + seconds;
	while (!done) {
		pid_t w;
		while ((w = waitpid(-1, &status, WNOHANG)) > 0)
			if (w == child) {
				done = 1;
				break;
			}
		if (done)
			break;
		double left = deadline - now();
		if (left <= 0) {
			late = 1;
			break;
		}
		struct timespec ts = { (time_t)left, (long)((left - (double)(time_t)left) * 1e9) };
		int sig = sigtimedwait(&chld, NULL, &ts); /* a child changed state, or time is up */
		if (sig == SIGTERM || sig == SIGINT) {
			late = 1;
			break;
		}
	}

	/* Whatever is left: the group first, then every descendant, until
	 * none remains (a program that forks for ever is outrun: each round
	 * kills what exists, and orphans come back to us). */
	FILE *report = report_path ? fopen(report_path, "w") : NULL;
	for (int round = 0; round < 1000; round++) {
		int found = kill_descendants(self, round == 0 && !late ? report : NULL);
		if (round == 0)
			kill(-child, SIGKILL);
		pid_t w;
		while ((w = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		if (!found && w < 0 && errno == ECHILD)
			break;
		struct timespec pause = { 0, 2000000 };
		nanosleep(&pause, NULL);
	}
	if (report)
		fclose(report);
	if (late)
		return 124;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
