/*
 * busyness.h - how much of the CPUs a measurement ran on was taken by
 * others: other processes, kernel threads, and the host (steal).
 *
 * A benchmark measured on a shared machine gives figures of a slower,
 * noisier one.  Two snapshots, one before and one after, tell by how much:
 *
 *   - /proc/stat: every CPU's time, in clock ticks, split into user, nice,
 *     system, idle, iowait, irq, softirq and steal (the time the host ran
 *     something else while this virtual CPU was ready to run);
 *   - /proc/PID/stat of every process: the CPU time of the measurement's
 *     own processes (a root process and everything under it, the children
 *     it has already waited for included: its cutime and cstime), and of
 *     the kernel's threads (PF_KTHREAD in their flags).
 *
 * What the CPUs spent in user, nice and system mode over the interval,
 * minus what our processes and the kernel's threads used, is what other
 * processes took.  Interrupt time (irq, softirq) is left out of all three:
 * it serves whichever task's packets or disk, often ours (loopback).
 *
 * The parsing and the arithmetic are pure functions over texts and
 * numbers, so that a test feeds made-up /proc texts; busy_snapshot() reads
 * the real ones under a /proc root the caller names.
 */
#ifndef IPCLAB_BUSYNESS_H
#define IPCLAB_BUSYNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "ipc.h"

/* The highest CPU number counted, plus one (CPU_SETSIZE). */
#define BUSY_MAXCPU 1024

/* A step shared the machine when other processes took at least this share
 * of its CPUs' time, or the host at least this much (steal), in percent.
 * An idle Debian system's daemons and kernel threads take about 1 % of a
 * CPU; 5 % of two CPUs is a tenth of one CPU kept busy by someone else for
 * the whole step: a pinned round trip then meets a time slice of another
 * task (milliseconds, against microseconds for the round trip) every few
 * hundred milliseconds, enough to move a tail and a mean. */
#define BUSY_SHARED_PCT 5.0

/* One CPU's line of /proc/stat, in clock ticks (USER_HZ). */
struct busy_cpu {
	unsigned long long busy;  /* user + nice + system (guest time is inside user) */
	unsigned long long idle;  /* idle + iowait */
	unsigned long long irq;   /* irq + softirq */
	unsigned long long steal;
	bool seen;
};

/* The CPUs' times and the CPU time of two sets of processes at one moment,
 * in clock ticks. */
struct busy_snap {
	struct busy_cpu cpu[BUSY_MAXCPU];
	unsigned long long ours;   /* the root and everything under it */
	unsigned long long kernel; /* the kernel's threads */
};

/* One line of /proc/PID/stat: the fields used here. */
struct busy_task {
	pid_t pid, ppid;
	bool kthread;             /* a kernel thread (flags: PF_KTHREAD) */
	unsigned long long ticks; /* utime + stime + cutime + cstime */
};
/* The kernel's flag of its own threads (include/linux/sched.h). */
#define BUSY_PF_KTHREAD 0x00200000ULL

/* What others took of a set of CPUs between two snapshots. */
struct busy_share {
	unsigned ncpu;              /* CPUs counted */
	unsigned long long ticks;   /* all their time: busy, idle, interrupts, steal */
	double ours, others, kernel, steal;                 /* ticks */
	double ours_pct, others_pct, kernel_pct, steal_pct; /* of `ticks`, 0 to 100 */
};

/* The cpuN lines of a /proc/stat text into s->cpu[] (seen set for each);
 * the other lines are skipped.  The number of CPU lines read, or -1 when a
 * cpuN line is malformed or N is over BUSY_MAXCPU - 1. */
int busy_parse_stat(const char *text, struct busy_snap *s);

/* A /proc/PID/stat text (the command's name, in parentheses, may hold
 * spaces and parentheses itself).  0, or -1 when it is malformed. */
int busy_parse_task(const char *text, struct busy_task *t);

/* The ticks of `root` and of every task under it (by ppid), over n tasks
 * in any order; 0 when root is not among them. */
unsigned long long busy_tree_ticks(const struct busy_task *tasks, size_t n, pid_t root);

/* What others took of the CPUs with cpus[i] true (i < BUSY_MAXCPU) between
 * a and b.  Other processes: the CPUs' busy ticks minus `ours` and `kernel`
 * (b's minus a's; never below 0).  A CPU missing from either snapshot is
 * not counted; shares are 0 when no time passed. */
struct busy_share busy_between(const struct busy_snap *a, const struct busy_snap *b,
			       const bool *cpus);

/* The same for one CPU, with our CPU time on it given in ticks (a pinned
 * process's own user + system time) and no kernel threads apart. */
struct busy_share busy_on_cpu(const struct busy_snap *a, const struct busy_snap *b, int cpu,
			      double ours_ticks);

/* Does a step with this share count as run on a shared machine? */
bool busy_shared(const struct busy_share *s);

/* Read PROC/stat and every PROC/PID/stat (proc: "/proc", or a copied tree
 * in a test): the CPUs' times, and the ticks of root's tree (root <= 0:
 * none) and of the kernel's threads (only those alive at each snapshot:
 * a kernel thread is reaped by no one).  A process that ends while it is
 * read is skipped.  0, or -1 and `e` when PROC/stat cannot be read. */
int busy_snapshot(const char *proc, pid_t root, struct busy_snap *s, struct ipc_error *e);

/* PROC/stat alone (s->ours and s->kernel 0).  0, or -1 and `e`. */
int busy_read_stat(const char *proc, struct busy_snap *s, struct ipc_error *e);

/* "0-3,6" for the CPUs with cpus[i] true, into buf. */
const char *busy_cpu_list(const bool *cpus, char *buf, size_t cap);

#endif
