/*
 * busyness.c - what others took of the CPUs a measurement ran on, from two
 * snapshots of /proc (busyness.h).
 */
#include "busyness.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the pure part: texts in, numbers out ---------------------------------- */

/* The next whole number at *p (spaces before it skipped); false when there
 * is none or it overflows. */
static bool next_ull(const char **p, unsigned long long *v)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	char *end;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return false;
	*p = end;
	return true;
}

int busy_parse_stat(const char *text, struct busy_snap *s)
{
	int n = 0;
	for (const char *line = text; line && *line;) {
		const char *eol = strchr(line, '\n');
		/* "cpuN": the aggregate "cpu " line is not one CPU. */
		if (!strncmp(line, "cpu", 3) && isdigit((unsigned char)line[3])) {
			const char *p = line + 3;
			unsigned long long id, f[8] = { 0 };
			if (!next_ull(&p, &id) || id >= BUSY_MAXCPU)
				return -1;
			/* user nice system idle iowait irq softirq steal: steal came
			 * with Linux 2.6.11; fewer fields leave it 0. */
			int k = 0;
			while (k < 8 && next_ull(&p, &f[k]))
				k++;
			if (k < 4)
				return -1;
			struct busy_cpu *c = &s->cpu[id];
			c->busy = f[0] + f[1] + f[2];
			c->idle = f[3] + f[4];
			c->irq = f[5] + f[6];
			c->steal = f[7];
			c->seen = true;
			n++;
		}
		line = eol ? eol + 1 : NULL;
	}
	return n;
}

int busy_parse_task(const char *text, struct busy_task *t)
{
	/* "PID (COMM) STATE PPID ..." - COMM is the part up to the last ')'. */
	char *end;
	errno = 0;
	long pid = strtol(text, &end, 10);
	const char *close = strrchr(text, ')');
	if (end == text || errno || pid <= 0 || !close)
		return -1;
	const char *p = close + 1;
	while (*p == ' ')
		p++;
	if (!isalpha((unsigned char)*p)) /* the state: R, S, D, Z, ... */
		return -1;
	p++;
	/* Fields 4 to 17 (ppid .. cstime); field 3 was the state. */
	unsigned long long f[14];
	for (int k = 0; k < 14; k++) {
		const char *q = p;
		while (*q == ' ')
			q++;
		/* pgrp, session and tty_nr are whole numbers; tpgid may be -1. */
		if (*q == '-') {
			f[k] = 0;
			q++;
		}
		if (!next_ull(&q, &f[k]))
			return -1;
		p = q;
	}
	t->pid = (pid_t)pid;
	t->ppid = (pid_t)f[0];
	t->kthread = (f[5] & BUSY_PF_KTHREAD) != 0;
	t->ticks = f[10] + f[11] + f[12] + f[13]; /* utime stime cutime cstime */
	return 0;
}

struct pid_at {
	pid_t pid;
	size_t at;
};

static int by_pid(const void *a, const void *b)
{
	pid_t x = ((const struct pid_at *)a)->pid, y = ((const struct pid_at *)b)->pid;
	return (x > y) - (x < y);
}

unsigned long long busy_tree_ticks(const struct busy_task *tasks, size_t n, pid_t root)
{
	/* Each task's parent found once (the list sorted by pid), then the
	 * tree marked by passes until nothing is added: as many passes as
	 * the tree is deep. */
	struct pid_at *byp = malloc((n ? n : 1) * sizeof *byp);
	long *parent = malloc((n ? n : 1) * sizeof *parent);
	bool *in = calloc(n ? n : 1, sizeof *in);
	unsigned long long sum = 0;
	if (!byp || !parent || !in)
		goto out;
	for (size_t i = 0; i < n; i++)
		byp[i] = (struct pid_at){ tasks[i].pid, i };
	qsort(byp, n, sizeof *byp, by_pid);
	for (size_t i = 0; i < n; i++) {
		struct pid_at key = { tasks[i].ppid, 0 };
		const struct pid_at *p = bsearch(&key, byp, n, sizeof *byp, by_pid);
		parent[i] = p ? (long)p->at : -1;
	}
	for (bool grew = true; grew;) {
		grew = false;
		for (size_t i = 0; i < n; i++) {
			if (in[i] || (tasks[i].pid != root && (parent[i] < 0 || !in[parent[i]])))
				continue;
			in[i] = grew = true;
			sum += tasks[i].ticks;
		}
	}
out:
	free(byp);
	free(parent);
	free(in);
	return sum;
}

static double pct(double part, unsigned long long whole)
{
	return whole ? 100.0 * part / (double)whole : 0;
}

/* b - a, or 0 when a counter went back (a CPU taken offline and back). */
static unsigned long long after(unsigned long long a, unsigned long long b)
{
	return b > a ? b - a : 0;
}

/* Sum the CPUs' deltas; the share of others from `taken` (their busy
 * ticks less what is accounted for). */
static struct busy_share share_of(const struct busy_snap *a, const struct busy_snap *b,
				  const bool *cpus, double ours, double kernel)
{
	struct busy_share s = { 0 };
	unsigned long long busy = 0, steal = 0;
	for (int i = 0; i < BUSY_MAXCPU; i++) {
		const struct busy_cpu *x = &a->cpu[i], *y = &b->cpu[i];
		if (!cpus[i] || !x->seen || !y->seen)
			continue;
		s.ncpu++;
		unsigned long long db = after(x->busy, y->busy), ds = after(x->steal, y->steal);
		busy += db;
		steal += ds;
		s.ticks += db + ds + after(x->idle, y->idle) + after(x->irq, y->irq);
	}
	double others = (double)busy - ours - kernel;
	s.ours = ours;
	s.kernel = kernel;
	s.others = others > 0 ? others : 0;
	s.steal = (double)steal;
	s.ours_pct = pct(s.ours, s.ticks);
	s.kernel_pct = pct(s.kernel, s.ticks);
	s.others_pct = pct(s.others, s.ticks);
	s.steal_pct = pct(s.steal, s.ticks);
	return s;
}

struct busy_share busy_between(const struct busy_snap *a, const struct busy_snap *b,
			       const bool *cpus)
{
	return share_of(a, b, cpus, (double)after(a->ours, b->ours),
			(double)after(a->kernel, b->kernel));
}

struct busy_share busy_on_cpu(const struct busy_snap *a, const struct busy_snap *b, int cpu,
			      double ours_ticks)
{
	bool one[BUSY_MAXCPU] = { false };
	if (cpu >= 0 && cpu < BUSY_MAXCPU)
		one[cpu] = true;
	return share_of(a, b, one, ours_ticks > 0 ? ours_ticks : 0, 0);
}

bool busy_shared(const struct busy_share *s)
{
	return s->others_pct >= BUSY_SHARED_PCT || s->steal_pct >= BUSY_SHARED_PCT;
}

const char *busy_cpu_list(const bool *cpus, char *buf, size_t cap)
{
	size_t used = 0;
	if (cap)
		buf[0] = '\0';
	for (int i = 0; i < BUSY_MAXCPU; i++) {
		if (!cpus[i])
			continue;
		int j = i;
		while (j + 1 < BUSY_MAXCPU && cpus[j + 1])
			j++;
		int n = j > i ? snprintf(buf + used, cap - used, "%s%d-%d", used ? "," : "", i, j)
			      : snprintf(buf + used, cap - used, "%s%d", used ? "," : "", i);
		if (n < 0 || (size_t)n >= cap - used) {
			buf[used] = '\0'; /* whole CPUs or ranges only */
			break;
		}
		used += (size_t)n;
		i = j;
	}
	return buf;
}

/* ---- reading /proc --------------------------------------------------------- */

/* The whole of a small file into a buffer grown as needed (free it);
 * NULL with errno set when it cannot be read. */
static char *slurp(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 8192, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (len + 1 == cap) {
			char *more = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;
			if (!more) {
				free(buf);
				buf = NULL;
				errno = EFBIG;
				break;
			}
			buf = more;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;
			free(buf);
			buf = NULL;
			errno = saved;
			break;
		}
		if (n == 0) {
			buf[len] = '\0';
			break;
		}
		len += (size_t)n;
	}
	int saved = errno;
	close(fd);
	errno = saved;
	return buf;
}

int busy_read_stat(const char *proc, struct busy_snap *s, struct ipc_error *e)
{
	char path[4096];

	memset(s, 0, sizeof *s);
	snprintf(path, sizeof path, "%s/stat", proc);
	char *text = slurp(path);
	if (!text)
		return ipc_fail(e, IPC_SYSTEM, errno, "read %s", path);
	int ncpu = busy_parse_stat(text, s);
	free(text);
	if (ncpu <= 0)
		return ipc_fail(e, IPC_SYSTEM, EINVAL, "read %s: no cpuN line the kernel's way",
				path);
	return 0;
}

int busy_snapshot(const char *proc, pid_t root, struct busy_snap *s, struct ipc_error *e)
{
	char path[4096];

	if (busy_read_stat(proc, s, e) < 0)
		return -1;

	DIR *d = opendir(proc);
	if (!d)
		return ipc_fail(e, IPC_SYSTEM, errno, "open the directory %s", proc);
	struct busy_task *tasks = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof path, "%s/%s/stat", proc, de->d_name);
		char *line = slurp(path);
		struct busy_task t;
		/* Gone since readdir(), or not readable: not counted. */
		if (!line)
			continue;
		int bad = busy_parse_task(line, &t);
		free(line);
		if (bad)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 512;
			struct busy_task *more = realloc(tasks, ncap * sizeof *tasks);
			if (!more) {
				free(tasks);
				closedir(d);
				return ipc_fail(e, IPC_SYSTEM, ENOMEM, "memory for the process list");
			}
			tasks = more;
			cap = ncap;
		}
		tasks[n++] = t;
	}
	closedir(d);
	s->ours = root > 0 ? busy_tree_ticks(tasks, n, root) : 0;
	for (size_t i = 0; i < n; i++)
		if (tasks[i].kthread)
			s->kernel += tasks[i].ticks;
	free(tasks);
	return 0;
}
