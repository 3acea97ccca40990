/*
 * envinfo.c - the machine and the build a result was measured on.
 *
 * A figure without its machine is worthless: the same pipe round trip
 * takes 6 us or 12 us depending on whether both processes share a CPU,
 * and a "powersave" governor halves everything.  How an idle CPU waits
 * matters as much: in a VM whose idle driver halts at once, every wake-up
 * from another CPU is a trip through the hypervisor.  Every result file
 * starts with this record.  Whatever cannot be read says "unknown", never
 * fails.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "report.h"
#include "version.h"

#define UNKNOWN "unknown"

/* Copy src into dst (cap bytes), dropping control characters (a value
 * must stay on one line of a CSV comment) and trailing blanks. */
static void copy_clean(char *dst, size_t cap, const char *src)
{
	size_t n = 0;

	for (; *src && n + 1 < cap; src++)
		dst[n++] = iscntrl((unsigned char)*src) ? ' ' : *src;
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
	if (n == 0)
		snprintf(dst, cap, UNKNOWN);
}

/* The first line of a small /sys file, or "unknown". */
static void read_line(const char *path, char *out, size_t cap)
{
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f || !fgets(line, sizeof line, f))
		line[0] = '\0';
	if (f)
		fclose(f);
	copy_clean(out, cap, line);
}

/* How an idle CPU waits: "DRIVER/GOVERNOR" of cpuidle, and for the
 * haltpoll driver of a KVM guest its poll window.  With
 * guest_halt_poll_ns 0 an idle virtual CPU halts at once and each wake-up
 * from the other CPU goes through the host: a 1-byte pipe round trip
 * across CPUs took 44 to 58 us on the 2-vCPU VM of docs/BENCHMARKS.md,
 * and 4.7 us with 200000 ns of polling ("Idle CPUs" there). */
void env_cpuidle(const char *sysfs, char *out, size_t cap)
{
	char path[512], driver[48], governor[48], poll[32];

	snprintf(path, sizeof path, "%s/devices/system/cpu/cpuidle/current_driver", sysfs);
	read_line(path, driver, sizeof driver);
	snprintf(path, sizeof path, "%s/devices/system/cpu/cpuidle/current_governor", sysfs);
	read_line(path, governor, sizeof governor);
	if (!strcmp(governor, UNKNOWN)) { /* before Linux 5.7: read-only, "_ro" */
		snprintf(path, sizeof path, "%s/devices/system/cpu/cpuidle/current_governor_ro",
			 sysfs);
		read_line(path, governor, sizeof governor);
	}
	snprintf(path, sizeof path, "%s/module/haltpoll/parameters/guest_halt_poll_ns", sysfs);
	read_line(path, poll, sizeof poll);
	if (!strcmp(driver, UNKNOWN) && !strcmp(governor, UNKNOWN))
		snprintf(out, cap, UNKNOWN);
	else if (strcmp(driver, "haltpoll") || !strcmp(poll, UNKNOWN))
		snprintf(out, cap, "%s/%s", driver, governor);
	else
		snprintf(out, cap, "%s/%s, guest_halt_poll_ns %s", driver, governor, poll);
}

/* "model name : Intel(R) ..." from /proc/cpuinfo (x86); other
 * architectures name it differently, hence the fallbacks. */
static void cpu_model(char *out, size_t cap)
{
	static const char *const keys[] = { "model name", "Hardware", "Processor", "cpu model" };
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(out, cap, UNKNOWN);
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
			if (strncmp(line, keys[i], strlen(keys[i])) != 0)
				continue;
			const char *v = colon + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			copy_clean(out, cap, v);
			fclose(f);
			return;
		}
	}
	fclose(f);
}

static void smt_state(char *out, size_t cap)
{
	char v[16];
	read_line("/sys/devices/system/cpu/smt/active", v, sizeof v);
	snprintf(out, cap, "%s", !strcmp(v, "1") ? "on" : !strcmp(v, "0") ? "off" : UNKNOWN);
}

static void compiler(char *out, size_t cap)
{
#if defined(__clang__)
	snprintf(out, cap, "clang %s", __clang_version__);
#elif defined(__GNUC__)
	snprintf(out, cap, "gcc %s", __VERSION__);
#else
	snprintf(out, cap, "%s", UNKNOWN);
#endif
}

static int by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* What one clock_gettime(CLOCK_MONOTONIC) costs, in ns: the median gap
 * between back-to-back readings.  Every round trip is timed by two of
 * them, so this is the harness's own share of a latency sample.  With the
 * "tsc" clock source it is a few tens of ns (no system call); with "hpet"
 * or "acpi_pm" it is a system call and can reach a microsecond. */
static int timer_cost_ns(void)
{
	enum { READINGS = 1001 };
	uint64_t gap[READINGS];
	struct timespec a, b;

	if (clock_gettime(CLOCK_MONOTONIC, &a) != 0)
		return -1;
	for (int i = 0; i < READINGS; i++) {
		if (clock_gettime(CLOCK_MONOTONIC, &b) != 0)
			return -1;
		gap[i] = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000u +
			 (uint64_t)b.tv_nsec - (uint64_t)a.tv_nsec;
		a = b;
	}
	qsort(gap, READINGS, sizeof gap[0], by_value);
	return gap[READINGS / 2] > INT32_MAX ? -1 : (int)gap[READINGS / 2];
}

/* The file system that holds dir, or the nearest existing directory above
 * it (the run directory is made only when a server needs it).  It matters
 * to the FIFO and to connection set-up: on a disk file system mkfifo(),
 * bind() and unlink() go through its journal, on tmpfs they stay in memory. */
static void fs_type(const char *dir, char *out, size_t cap)
{
	static const struct {
		long magic;
		const char *name;
	} known[] = {
		{ 0x01021994, "tmpfs" },  { 0x858458f6, "ramfs" },   { 0xef53, "ext4" },
		{ 0x58465342, "xfs" },    { 0x9123683e, "btrfs" },   { 0x2fc12fc1, "zfs" },
		{ 0x794c7630, "overlayfs" }, { 0x6969, "nfs" },      { 0x9fa0, "proc" },
		{ 0x65735546, "fuse" },   { 0xf2f52010, "f2fs" },
	};
	char path[4096];
	struct statfs sf;

	snprintf(out, cap, UNKNOWN);
	if (!dir || !*dir || snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
		return;
	while (statfs(path, &sf) != 0) {
		char *slash = strrchr(path, '/');
		if (!slash)
			return;
		if (slash == path)
			slash[1] = '\0'; /* up to "/", which exists */
		else
			*slash = '\0';
	}
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if ((long)sf.f_type == known[i].magic) {
			snprintf(out, cap, "%s", known[i].name);
			return;
		}
	snprintf(out, cap, "0x%lx", (unsigned long)sf.f_type);
}

void env_record_collect(struct env_record *env, const char *pin, const char *rundir)
{
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;

	memset(env, 0, sizeof *env);
	if (now != (time_t)-1 && gmtime_r(&now, &tm))
		strftime(env->date, sizeof env->date, "%Y-%m-%dT%H:%M:%SZ", &tm);
	else
		snprintf(env->date, sizeof env->date, UNKNOWN);

	cpu_model(env->cpu_model, sizeof env->cpu_model);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	env->cpus_online = cpus > 0 ? (int)cpus : 0;
	smt_state(env->smt, sizeof env->smt);

	if (uname(&u) == 0) {
		char k[2 * sizeof u.release + 2]; /* cut to fit by copy_clean() */
		snprintf(k, sizeof k, "%s %s", u.sysname, u.release);
		copy_clean(env->kernel, sizeof env->kernel, k);
	} else {
		snprintf(env->kernel, sizeof env->kernel, UNKNOWN);
	}
	read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", env->governor,
		  sizeof env->governor);
	env_cpuidle("/sys", env->cpuidle, sizeof env->cpuidle);
	read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		  env->clocksource, sizeof env->clocksource);
	env->timer_ns = timer_cost_ns();
	compiler(env->compiler, sizeof env->compiler);
	/* What src/version.c was compiled with, the flags of this very build. */
	copy_clean(env->version, sizeof env->version, ipclab_version);
	copy_clean(env->cflags, sizeof env->cflags, *ipclab_build_flags ? ipclab_build_flags
									 : "(none)");
	copy_clean(env->link, sizeof env->link, ipclab_link);
	/* The environment wins, for a script that knows better (a test). */
	const char *rev = getenv("IPCLAB_GIT_REV");
	if (!rev || !*rev)
		rev = ipclab_git_rev;
	copy_clean(env->git_rev, sizeof env->git_rev, rev ? rev : "");
	copy_clean(env->pin, sizeof env->pin, pin && *pin ? pin : "none");
	fs_type(rundir, env->rundir_fs, sizeof env->rundir_fs);
}
