/* support.c - see support.h. */
#include "support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <mqueue.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "io.h"

static double machine_load(void);

int test_scale_ms(int ms)
{
	return getenv("IPCLAB_VALGRIND") ? 10 * ms : (int)(ms * machine_load());
}

int test_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void trace_to_stderr(void *arg, const char *transport, int step, const char *call,
			    const char *detail)
{
	(void)arg;
	(void)step;
	fprintf(stderr, "[%s %d] %-9s %s\n", transport, (int)getpid(), call, detail);
}

int test_env_setup(void **state)
{
	struct test_env *env = calloc(1, sizeof *env);
	if (!env)
		return -1;
	strcpy(env->dir, "/tmp/ipclab-test-XXXXXX");
	if (!mkdtemp(env->dir)) {
		free(env);
		return -1;
	}
	env->ctx.rundir = env->dir;
	env->ctx.timeout_ms = test_scale_ms(2000);
	env->ctx.retries = 3;
	env->ctx.any_port = true;
	if (getenv("IPCLAB_TEST_TRACE")) /* every system call step, for debugging */
		env->ctx.trace = trace_to_stderr;
	signal(SIGPIPE, SIG_IGN);
	test_watch_rundir(env->dir);
	*state = env;
	return 0;
}

int test_env_setup_transport(void **state)
{
	const struct ipc_transport *t = *state;
	if (test_env_setup(state) < 0)
		return -1;
	((struct test_env *)*state)->t = t;
	return 0;
}

int test_env_setup_case(void **state)
{
	const struct test_case *tc = *state;
	if (test_env_setup(state) < 0)
		return -1;
	((struct test_env *)*state)->t = tc->t;
	((struct test_env *)*state)->mode = tc->mode;
	return 0;
}

static bool test_failed(void);

int test_env_teardown(void **state)
{
	struct test_env *env = *state;
	int left = test_count_entries(env->dir);
	if (left != 0 && test_failed()) {
		/* The test failed already: clean up without failing it twice. */
		left = 0;
		char cmd[IPC_PATH_MAX + 16];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", env->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", env->dir);
	} else if (left != 0) {
		DIR *d = opendir(env->dir);
		struct dirent *de;
		fprintf(stderr, "left behind in %s:", env->dir);
		while (d && (de = readdir(d)))
			fprintf(stderr, " %s", de->d_name);
		if (d)
			closedir(d);
		fputc('\n', stderr);
		/* Clean up anyway so one failure does not cascade. */
		char cmd[IPC_PATH_MAX + 16];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", env->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", env->dir);
	} else {
		rmdir(env->dir);
	}
	free(env);
	return left == 0 ? 0 : -1;
}

void test_server_start(struct test_env *env, const struct ipc_transport *t,
		       const char *address, int idle_timeout_ms, struct ipc_server *s,
		       struct server_child *child)
{
	struct serve_opts o = {
		.stop_fd = -1,
		.idle_timeout_ms = idle_timeout_ms < 0 ? SERVE_IDLE_TIMEOUT_MS : idle_timeout_ms,
		.mode = env->mode,
	};
	test_server_start_opts(env, t, address, &o, s, child);
}

void test_server_start_opts(struct test_env *env, const struct ipc_transport *t,
			    const char *address, const struct serve_opts *opts,
			    struct ipc_server *s, struct server_child *child)
{
	struct ipc_error e = { 0 };
	struct serve_opts o = *opts;
	if (!o.log && getenv("IPCLAB_TEST_LOG"))
		o.log = stderr;
	ipc_server_init(s, t, &env->ctx);
	int rc = t->listen(s, address, &e);
	if (rc < 0)
		fail_msg("listen %s: %s", t->name, e.msg);
	rc = server_spawn(s, &o, child, &e);
	if (rc < 0)
		fail_msg("spawn %s: %s", t->name, e.msg);
	/* A test signals child->pid: never 0 (its own process group). */
	if (child->pid <= 0)
		fail_msg("spawn %s: server pid %d", t->name, (int)child->pid);
}

void test_server_stop(struct server_child *child)
{
	struct ipc_error e = { 0 };
	int rc = server_stop(child, &e);
	if (rc != 0)
		fail_msg("server exit %d: %s", rc, rc < 0 ? e.msg : "");
}

void test_connect(struct test_env *env, const struct ipc_transport *t,
		  const struct ipc_server *s, struct ipc_conn *c)
{
	struct ipc_error e = { 0 };
	ipc_conn_init(c, t, &env->ctx);
	if (t->connect(c, &s->addr, &e) < 0)
		fail_msg("connect %s %s: %s", t->name, s->addr.text, e.msg);
}

/* Read all of fd into buf (NUL-terminated, extra bytes dropped). */
static void slurp(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	char sink[4096];
	for (;;) {
		char *dst = got + 1 < cap ? buf + got : sink;
		size_t room = got + 1 < cap ? cap - 1 - got : sizeof sink;
		ssize_t n = read(fd, dst, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (dst == buf + got)
			got += (size_t)n;
	}
	if (cap)
		buf[got] = '\0';
}

int test_run_cli(struct test_env *env, const char *input, char *out, size_t out_cap,
		 char *err, size_t err_cap, const char *arg, ...)
{
	const char *argv[32];
	int n = 0;
	const char *bin = getenv("IPCLAB_BIN");
	va_list ap;
	argv[n++] = bin ? bin : "bin/ipclab";
	va_start(ap, arg);
	for (const char *a = arg; a && n < 31; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	return test_run_argv(env, input, out, out_cap, err, err_cap, argv);
}

int test_run_argv(struct test_env *env, const char *input, char *out, size_t out_cap,
		  char *err, size_t err_cap, const char *const argv[])
{
	int in[2], o[2], e[2];
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(o), 0);
	assert_int_equal(pipe(e), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(o[1], 1);
		dup2(e[1], 2);
		for (int fd = 3; fd < 64; fd++)
			close(fd);
		setenv("IPCLAB_DIR", env->dir, 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(o[1]);
	close(e[1]);
	if (input) {
		size_t len = strlen(input);
		ssize_t w = write(in[1], input, len);
		assert_int_equal(w, (ssize_t)len);
	}
	close(in[1]);
	/* Drain stderr after stdout: outputs here are small (under a pipe's
	 * capacity), so the child never blocks on the one we read second. */
	slurp(o[0], out, out_cap);
	slurp(e[0], err, err_cap);
	close(o[0]);
	close(e[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- `ipclab serve` in the background ---------------------------------- */

void test_bg_start(struct test_env *env, struct test_bg *bg, const char *const args[],
		   long fd_limit)
{
	const char *bin = getenv("IPCLAB_BIN") ? getenv("IPCLAB_BIN") : "bin/ipclab";
	const char *argv[16] = { bin, "serve" };
	int e[2], n = 2;
	char line[IPC_ADDR_MAX + 16];
	size_t got = 0;

	for (int i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	assert_int_equal(pipe(e), 0);
	fflush(NULL);
	bg->pid = fork();
	assert_true(bg->pid >= 0);
	if (bg->pid == 0) {
		dup2(e[1], 2);
		close(e[0]);
		close(e[1]);
		setenv("IPCLAB_DIR", env->dir, 1);
		struct rlimit rl = { (rlim_t)fd_limit, (rlim_t)fd_limit };
		if (fd_limit > 0 && (getrlimit(RLIMIT_NOFILE, &rl) < 0 ||
				     (rl.rlim_cur = (rlim_t)fd_limit, setrlimit(RLIMIT_NOFILE, &rl) < 0)))
			_exit(126);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(e[1]);
	bg->err_fd = e[0];
	while (got < sizeof line - 1) {
		if (io_wait(bg->err_fd, POLLIN, -1, test_scale_ms(5000)) != IO_READY)
			fail_msg("ipclab serve did not say it was listening");
		ssize_t r = read(bg->err_fd, line + got, 1);
		if (r <= 0)
			fail_msg("ipclab serve exited before listening");
		if (line[got] == '\n' && line[0] == '[') { /* a --trace line: skip it */
			got = 0;
			continue;
		}
		if (line[got] == '\n')
			break;
		got++;
	}
	line[got] = '\0';
	if (strncmp(line, "listening on ", 13))
		fail_msg("ipclab serve said '%s'", line);
	if (strlen(line + 13) >= sizeof bg->addr)
		fail_msg("address too long: %s", line + 13);
	memcpy(bg->addr, line + 13, strlen(line + 13) + 1);
}

/* SIGTERM; its exit status (an ASan build also fails on leaks). */
int test_bg_stop(struct test_bg *bg, char *rest, size_t cap)
{
	int status;
	kill(bg->pid, SIGTERM);
	while (waitpid(bg->pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	size_t got = 0;
	ssize_t n;
	while (got + 1 < cap && (n = read(bg->err_fd, rest + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	rest[got] = '\0';
	close(bg->err_fd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- the harness: a deadline and a resource check around every test ---- */

/* After a deadline has passed, how long the test's cleanup may take before
 * the whole suite is ended (the test could not be stopped by the alarm). */
#define GRACE_S 20
/* Descriptors below this are watched for leaks. */
#define FD_WATCH 1024
#define MQUEUE_MAGIC_FS 0x19800202

static struct {
	const struct CMUnitTest *tests; /* the suite's, as cmocka runs them */
	size_t count, next;
	const struct CMUnitTest *cur;   /* the one running */
	pid_t main_tid;
	volatile sig_atomic_t expired;  /* its deadline passed */
	bool returned;                  /* its test function returned */
	int limit_s;                    /* its deadline, seconds (unscaled) */
	const char *why;                /* why longer than TEST_DEADLINE_S */
	struct timespec start;
	unsigned char fds_before[FD_WATCH / 8];
	struct { int fd; char target[128]; } kept[16]; /* open before it, below FD_KEPT */
	int nkept;
	char rundir[IPC_PATH_MAX];      /* queues named after it are the test's */
	int mq_listing;                 /* 0 unknown, 1 /dev/mqueue, 2 private mount, -1 none */
	const char *filter;             /* run only the tests whose names match */
	double load;                    /* machine_load() when the test began */
	pid_t reaper;                   /* our parent, the suite's subreaper (0: none) */
} H;

/* ---- runs and their reports -------------------------------------------- */

char *test_findings_text(const struct run *run, bool whole)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	if (whole)
		run_summary(run, f);
	else
		run_findings(run, f);
	assert_int_equal(fclose(f), 0);
	return text;
}

char *test_slurp_path(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("open %s: %s", path, strerror(errno));
	char *text = NULL;
	size_t cap = 0, len = 0;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = (len + 4096 + 1) * 2;
			text = realloc(text, cap);
			assert_non_null(text);
		}
		size_t got = fread(text + len, 1, 4096, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		fail_msg("read %s: %s", path, strerror(errno));
	text[len] = '\0';
	fclose(f);
	return text;
}

static int remove_below(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	return ftw->level == 0 ? 0 : remove(path);
}

void test_empty_dir(const char *dir)
{
	if (nftw(dir, remove_below, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fail_msg("empty %s: %s", dir, strerror(errno));
}

const char *test_fixture_path(const char *part, char *buf, size_t cap)
{
	const char *src = getenv("IPCLAB_SOURCE_DIR");
	snprintf(buf, cap, "%s%stests/fixtures/quick-run/%s", src && *src ? src : "",
		 src && *src ? "/" : "", part);
	return buf;
}

/* nftw() has no argument for its callback: the two ends of the copy. */
static const char *copy_from, *copy_to;

static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return -1;
	}
	char buf[65536];
	ssize_t got;
	int rc = 0;
	while ((got = read(in, buf, sizeof buf)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		struct ipc_error e = { 0 };
		if (io_write(out, buf, (size_t)got, to, &e) != got) {
			rc = -1;
			break;
		}
	}
	close(in);
	return close(out) < 0 ? -1 : rc;
}

static int copy_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	char to[IPC_PATH_MAX * 2];
	snprintf(to, sizeof to, "%s%s", copy_to, path + strlen(copy_from));
	if (flag == FTW_D)
		return mkdir(to, 0700) < 0 && errno != EEXIST ? -1 : 0;
	if (flag != FTW_F || !S_ISREG(st->st_mode)) {
		errno = EINVAL; /* a link or a special file: not what a run holds */
		return -1;
	}
	return copy_file(path, to);
}

void test_copy_fixture(const char *to)
{
	char in[IPC_PATH_MAX];
	test_fixture_path("in", in, sizeof in);
	copy_from = in;
	copy_to = to;
	if (nftw(in, copy_one, 16, FTW_PHYS) != 0)
		fail_msg("copy %s to %s: %s (run the tests from the source tree, or set "
			 "IPCLAB_SOURCE_DIR)", in, to, strerror(errno));
}

void test_set_filter(const char *pattern)
{
	H.filter = pattern;
}

void test_watch_rundir(const char *dir)
{
	snprintf(H.rundir, sizeof H.rundir, "%s", dir ? dir : "");
}

/* How busy the machine is: runnable tasks per CPU over the last minute,
 * between 1 and 4.  A deadline is stretched by it, so that it holds when
 * other jobs share the CPUs, and a hang still fails within a minute. */
static double machine_load(void)
{
	double load = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf", &load) != 1)
			load = 0;
		fclose(f);
	}
	load = cpus > 0 ? load / (double)cpus : 1;
	return load < 1 ? 1 : load > 4 ? 4 : load;
}

static double deadline_scale(void)
{
	double k = getenv("IPCLAB_VALGRIND") ? 10 : H.load;
	const char *s = getenv("IPCLAB_TEST_DEADLINE_SCALE");
	if (s && atof(s) > 0)
		k *= atof(s);
	return k;
}

static double elapsed_s(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC_RAW, &now); /* not the virtual clock of tests/fault.h */
	return (double)(now.tv_sec - H.start.tv_sec) + (now.tv_nsec - H.start.tv_nsec) / 1e9;
}

/* One SIGALRM `seconds` from now (0: none). */
static void arm_alarm(double seconds)
{
	struct itimerval it = { 0 };
	if (seconds > 0) {
		if (seconds < 0.001)
			seconds = 0.001;
		it.it_value.tv_sec = (time_t)seconds;
		it.it_value.tv_usec = (suseconds_t)((seconds - (double)it.it_value.tv_sec) * 1e6);
	}
	if (setitimer(ITIMER_REAL, &it, NULL) < 0) {
		perror("harness: setitimer");
		abort();
	}
}

void test_deadline(int seconds, const char *why)
{
	H.limit_s = seconds;
	H.why = why;
	if (!H.expired)
		arm_alarm(seconds * deadline_scale() - elapsed_s());
}

/* The deadline passed.  On the main thread, cmocka's fail() longjmps out
 * of the test (as its own handler does for SIGSEGV): the test fails with
 * its name and the suite goes on.  SA_NODEFER keeps the signal unblocked
 * after that jump.  Another thread hands the signal to the main one. */
static void on_deadline(int sig)
{
	if ((pid_t)syscall(SYS_gettid) != H.main_tid) {
		syscall(SYS_tgkill, getpid(), H.main_tid, sig);
		return;
	}
	const char *name = H.cur ? H.cur->name : "(between tests)";
	if (H.expired || !H.cur) {
		char msg[512];
		int n = snprintf(msg, sizeof msg,
				 "[  FAILED  ] %s: still running %d s after its deadline; "
				 "ending the suite\n", name, GRACE_S);
		if (n > 0 && write(2, msg, (size_t)n) < 0)
			_exit(124);
		_exit(124);
	}
	H.expired = 1;
	arm_alarm(GRACE_S);
	print_error("ERROR: %s did not finish within its deadline of %.0f s (%d s, x%.1f for "
		    "the machine's load%s)%s%s%s: stopped there (a hang, a lost wake-up, or a "
		    "wait with no time-out?)\n",
		    name, H.limit_s * deadline_scale(), H.limit_s, deadline_scale(),
		    getenv("IPCLAB_VALGRIND") ? " under valgrind" : "", H.why ? " (" : "",
		    H.why ? H.why : "", H.why ? ")" : "");
	fail();
}

/* ---- what a test leaves behind ---- */

static bool fd_link(int fd, char *target, size_t cap)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, target, cap - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return true;
}

static void snapshot_fds(unsigned char *set)
{
	memset(set, 0, FD_WATCH / 8);
	for (int fd = 0; fd < FD_WATCH; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			set[fd / 8] |= (unsigned char)(1u << (fd % 8));
}

/* Descriptors open before the test (the suite's own, standard input
 * among them): what each is, to check that the test left them alone. */
#define FD_KEPT 64
static void note_kept_fds(void)
{
	H.nkept = 0;
	for (int fd = 0; fd < FD_KEPT && H.nkept < 16; fd++)
		if (H.fds_before[fd / 8] & (1u << (fd % 8)) &&
		    fd_link(fd, H.kept[H.nkept].target, sizeof H.kept[H.nkept].target))
			H.kept[H.nkept++].fd = fd;
}

/* One of those closed, or made something else, by the test (a -1 taken for
 * a descriptor is 0 or 1 after a slip, and closing it closes stdin). */
static int check_kept_fds(const char *name, bool quiet)
{
	int found = 0;
	for (int i = 0; i < H.nkept; i++) {
		char now[128];
		bool open = fcntl(H.kept[i].fd, F_GETFD) >= 0 &&
			    fd_link(H.kept[i].fd, now, sizeof now);
		if (open && !strcmp(now, H.kept[i].target))
			continue;
		fprintf(stderr, "%s %s: descriptor %d (%s), open before the test, %s\n",
			quiet ? "after the failure of" : "changed by", name, H.kept[i].fd,
			H.kept[i].target, open ? "now points elsewhere" : "was closed");
		found++;
	}
	return found;
}

/* Descriptors opened since setup and still open (closed here): memfds and
 * eventfds of shared memory, and any other (a socket, a pipe, a file). */
static int check_fds(const char *name, bool quiet)
{
	int found = 0;
	for (int fd = 0; fd < FD_WATCH; fd++) {
		char target[256];
		if (H.fds_before[fd / 8] & (1u << (fd % 8)))
			continue;
		if (fcntl(fd, F_GETFD) < 0 || !fd_link(fd, target, sizeof target))
			continue;
		fprintf(stderr, "%s %s: descriptor %d (%s)%s\n", quiet ? "after the failure of" :
			"left open by", name, fd, target, quiet ? ", closed" : "");
		close(fd);
		found++;
	}
	return found;
}

/* Children of every thread of process `of` ("self": this one), but
 * `except`.  (This process's orphaned grandchildren go to the reaper, its
 * parent: see run_under_reaper().) */
static int list_children_of(const char *of, pid_t except, pid_t *out, int cap)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%s/task", of);
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[64 + sizeof de->d_name + 16];
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s/children", dir, de->d_name);
		FILE *f = fopen(path, "r");
		long pid;
		while (f && n < cap && fscanf(f, "%ld", &pid) == 1)
			if ((pid_t)pid != except)
				out[n++] = (pid_t)pid;
		if (f)
			fclose(f);
	}
	closedir(d);
	return n;
}

static int list_children(pid_t *out, int cap)
{
	return list_children_of("self", 0, out, cap);
}

static void describe_process(pid_t pid, char *out, size_t cap)
{
	char path[64], buf[512] = "";
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	char *open = strchr(buf, '('), *close_ = strrchr(buf, ')');
	if (!open || !close_ || close_ < open) {
		snprintf(out, cap, "pid %d", (int)pid);
		return;
	}
	char state = close_[1] == ' ' ? close_[2] : '?';
	snprintf(out, cap, "pid %d (%.*s), %s", (int)pid, (int)(close_ - open - 1), open + 1,
		 state == 'Z' ? "exited but not reaped" : "still running");
}

/* Every child left: named, killed and reaped. */
static int check_processes(const char *name, bool quiet)
{
	int found = 0;
	for (int round = 0; round < 20; round++) {
		pid_t kids[256];
		int n = list_children(kids, 256);
		if (n == 0)
			break;
		for (int i = 0; i < n; i++) {
			char what[400];
			describe_process(kids[i], what, sizeof what);
			fprintf(stderr, "%s %s: process %s%s\n", quiet ? "after the failure of" :
				"left behind by", name, what, quiet ? ", killed" : "");
			kill(kids[i], SIGKILL);
			while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
				;
			found++;
		}
	}
	return found;
}

/* A process's state letter from /proc (0: it is gone). */
static char process_state(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	char *close_ = strrchr(buf, ')');
	return close_ && close_[1] == ' ' ? close_[2] : 0;
}

static bool process_ended(pid_t pid)
{
	char st = process_state(pid);
	return st == 0 || st == 'Z' || st == 'X';
}

/* The reaper's children but this suite, still running. */
static int list_orphans(pid_t *out, int cap)
{
	char of[32];
	int n, running = 0;
	if (!H.reaper || getppid() != H.reaper)
		return 0;
	snprintf(of, sizeof of, "%d", (int)H.reaper);
	n = list_children_of(of, getpid(), out, cap);
	for (int i = 0; i < n; i++)
		if (!process_ended(out[i]))
			out[running++] = out[i];
	return running;
}

/* Processes that the test's processes started and left running when they
 * exited (orphans: the reaper's now, see run_under_reaper()).  The test
 * could not wait for them, so they get ORPHAN_GRACE_MS (stretched like
 * deadlines) to finish, say after their parent was stopped; then each is
 * named and killed (the reaper reaps it). */
#define ORPHAN_GRACE_MS 2000
static int check_orphans(const char *name, bool quiet)
{
	pid_t kids[256];
	double until = elapsed_s() + ORPHAN_GRACE_MS * deadline_scale() / 1000;
	int n;
	while ((n = list_orphans(kids, 256)) > 0 && !quiet && elapsed_s() < until)
		usleep(20000);
	for (int i = 0; i < n; i++) {
		char what[400];
		describe_process(kids[i], what, sizeof what);
		fprintf(stderr, "%s %s: process %s, orphaned (its parent exited without "
			"stopping it)%s\n", quiet ? "after the failure of" : "left behind by", name,
			what, quiet ? ", killed" : "");
		kill(kids[i], SIGKILL);
	}
	/* Gone once the reaper has reaped them. */
	double killed_until = elapsed_s() + 5;
	while (n > 0 && list_orphans(kids, 256) > 0 && elapsed_s() < killed_until)
		usleep(10000);
	return n;
}

/* Names in the mqueue file system that contain `needle`, one per line
 * into out.  Returns the count, or -1 if queues cannot be listed here. */
static int scan_queue_dir(const char *dir, const char *needle, char *out, size_t cap)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	size_t used = 0;
	if (!d)
		return -1;
	out[0] = '\0';
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strstr(de->d_name, needle))
			continue;
		int w = snprintf(out + used, cap - used, "%s\n", de->d_name);
		if (w > 0 && (size_t)w < cap - used)
			used += (size_t)w;
		n++;
	}
	closedir(d);
	return n;
}

static bool is_mqueue_fs(const char *dir)
{
	struct statfs sf;
	return statfs(dir, &sf) == 0 && (unsigned long)sf.f_type == MQUEUE_MAGIC_FS;
}

/* Without /dev/mqueue, a child in its own mount namespace mounts the
 * mqueue file system privately (over /tmp, in its view only) and lists it:
 * nothing changes for anyone else, and the mount ends with the child. */
static int list_queues_private(const char *needle, char *out, size_t cap)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		char names[8192];
		int n = -1;
		if (unshare(CLONE_NEWNS) == 0 &&
		    /* A change of propagation ignores source and type: named
		     * anyway, as valgrind checks them as strings. */
		    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == 0 &&
		    mount("mqueue", "/tmp", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0)
			n = scan_queue_dir("/tmp", needle, names, sizeof names);
		if (n >= 0 && write(p[1], names, strlen(names)) < 0)
			_exit(2);
		_exit(n < 0 ? 1 : 0);
	}
	close(p[1]);
	slurp(p[0], out, cap);
	close(p[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	int n = 0;
	for (const char *c = out; *c; c++)
		n += *c == '\n';
	return n;
}

/* POSIX queues named after the test's runtime directory (unlinked here).
 * Other suites' queues, run beside this one, are never judged. */
static int check_queues(const char *name, bool quiet)
{
	const char *base = strrchr(H.rundir, '/');
	char names[8192];
	int n = -1;
	base = base ? base + 1 : H.rundir;
	if (!*base)
		return 0;
	if (H.mq_listing >= 0 && is_mqueue_fs("/dev/mqueue")) {
		n = scan_queue_dir("/dev/mqueue", base, names, sizeof names);
		H.mq_listing = 1;
	} else if (H.mq_listing == 0 || H.mq_listing == 2) {
		n = geteuid() == 0 ? list_queues_private(base, names, sizeof names) : -1;
		if (n < 0) {
			fprintf(stderr, "note: POSIX queues are not checked after tests here (no "
				"/dev/mqueue, and no private mount of it as this user)\n");
			H.mq_listing = -1;
		} else {
			H.mq_listing = 2;
		}
	}
	if (n <= 0)
		return 0;
	for (char *line = names, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		char qname[NAME_MAX + 2];
		*nl = '\0';
		snprintf(qname, sizeof qname, "/%.*s", NAME_MAX, line);
		fprintf(stderr, "%s %s: POSIX queue %s%s\n", quiet ? "after the failure of" :
			"left behind by", name, qname, quiet ? ", removed" : "");
		mq_unlink(qname);
	}
	return n;
}

/* ---- the wrappers cmocka runs ---- */

static int wrap_setup(void **state)
{
	if (H.next >= H.count)
		return -1;
	H.cur = &H.tests[H.next++];
	H.expired = 0;
	H.returned = false;
	H.limit_s = TEST_DEADLINE_S;
	H.why = NULL;
	H.rundir[0] = '\0';
	snapshot_fds(H.fds_before);
	note_kept_fds();
	H.load = machine_load();
	clock_gettime(CLOCK_MONOTONIC_RAW, &H.start);
	arm_alarm(TEST_DEADLINE_S * deadline_scale());
	return H.cur->setup_func ? H.cur->setup_func(state) : 0;
}

static void wrap_test(void **state)
{
	H.cur->test_func(state);
	H.returned = true;
}

/* The running test failed (an assertion, or its deadline). */
static bool test_failed(void)
{
	return H.cur && (!H.returned || H.expired);
}

static int wrap_teardown(void **state)
{
	/* After a failure, what the test could not clean up is cleaned here
	 * without failing it twice: its processes first, so that a server it
	 * left cannot hold files its teardown removes. */
	bool quiet = test_failed();
	int left = quiet ? check_processes(H.cur->name, true) + check_orphans(H.cur->name, true) : 0;
	int rc = H.cur->teardown_func ? H.cur->teardown_func(state) : 0;
	left += check_processes(H.cur->name, quiet);
	left += check_orphans(H.cur->name, quiet) + check_fds(H.cur->name, quiet) +
		check_kept_fds(H.cur->name, quiet) + check_queues(H.cur->name, quiet);
	arm_alarm(0);
	if (getenv("IPCLAB_TEST_TIMES"))
		fprintf(stderr, "[ TIME     ] %s %.2f s\n", H.cur->name, elapsed_s());
	H.cur = NULL;
	H.expired = 0;
	return rc != 0 || (left && !quiet) ? -1 : 0;
}

/* ---- the reaper ---- */

static volatile sig_atomic_t reaper_suite; /* in the reaper: the suite's pid */

static void pass_signal(int sig)
{
	if (reaper_suite > 0)
		kill((pid_t)reaper_suite, sig);
}

/* The suite runs as the only child of a reaper: its parent process, made a
 * child subreaper (prctl(2) PR_SET_CHILD_SUBREAPER), to which the kernel
 * hands every process that a test's processes leave running when they
 * exit (instead of to init).  The reaper reaps them as init would, so that
 * a test may still let an orphan go; each test's check (check_orphans())
 * lists the ones still running.  The reaper passes on the signals that end
 * a run, names and kills what still runs when the suite has ended, and
 * ends as the suite did. */
static void run_under_reaper(void)
{
	static bool started;
	static const int passed[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	if (started)
		return;
	started = true;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		fprintf(stderr, "note: processes left by the tests' children are not checked here "
			"(prctl PR_SET_CHILD_SUBREAPER: %s)\n", strerror(errno));
		return;
	}
	pid_t reaper = getpid();
	fflush(NULL);
	pid_t suite = fork();
	if (suite < 0) {
		fprintf(stderr, "note: processes left by the tests' children are not checked here "
			"(fork: %s)\n", strerror(errno));
		(void)prctl(PR_SET_CHILD_SUBREAPER, 0);
		return;
	}
	if (suite == 0) {
		H.reaper = reaper;
		return;
	}
	reaper_suite = suite;
	struct sigaction sa = { .sa_handler = pass_signal };
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof passed / sizeof passed[0]; i++)
		sigaction(passed[i], &sa, NULL);
	int status = 0, left = 0;
	for (;;) {
		int st;
		pid_t w = wait(&st);
		if (w == suite) {
			status = st;
			break;
		}
		if (w < 0 && errno != EINTR) {
			status = 1 << 8;
			break;
		}
	}
	pid_t kids[256];
	int n = list_children_of("self", 0, kids, 256);
	for (int i = 0; i < n; i++) {
		char what[400];
		if (process_ended(kids[i]))
			continue;
		describe_process(kids[i], what, sizeof what);
		fprintf(stderr, "left behind when the suite ended: process %s, killed\n", what);
		kill(kids[i], SIGKILL);
		left++;
	}
	while (wait(NULL) > 0 || errno == EINTR)
		;
	if (WIFSIGNALED(status)) {
		sigset_t one;
		signal(WTERMSIG(status), SIG_DFL);
		sigemptyset(&one);
		sigaddset(&one, WTERMSIG(status));
		sigprocmask(SIG_UNBLOCK, &one, NULL);
		kill(getpid(), WTERMSIG(status));
	}
	_exit(WIFEXITED(status) && WEXITSTATUS(status) != 0 ? WEXITSTATUS(status) :
	      WIFEXITED(status) ? (left ? 1 : 0) : 1);
}

#undef cmocka_run_group_tests_name
int test_run_group(const char *group_name, const struct CMUnitTest *tests, size_t count,
		   CMFixtureFunction group_setup, CMFixtureFunction group_teardown)
{
	run_under_reaper();
	struct CMUnitTest *wrapped = calloc(count ? count : 1, sizeof *wrapped);
	struct CMUnitTest *kept = calloc(count ? count : 1, sizeof *kept);
	size_t n = 0;
	if (!wrapped || !kept) {
		perror("harness: calloc");
		exit(1);
	}
	/* cmocka runs the entries that have a name and a function, in order. */
	for (size_t i = 0; i < count; i++) {
		if (!tests[i].name || !tests[i].test_func ||
		    (H.filter && fnmatch(H.filter, tests[i].name, 0) != 0))
			continue;
		kept[n] = tests[i];
		wrapped[n] = tests[i];
		wrapped[n].test_func = wrap_test;
		wrapped[n].setup_func = wrap_setup;
		wrapped[n].teardown_func = wrap_teardown;
		n++;
	}
	H.tests = kept;
	H.count = n;
	H.next = 0;
	H.main_tid = (pid_t)syscall(SYS_gettid);
	struct sigaction sa = { .sa_handler = on_deadline, .sa_flags = SA_NODEFER | SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	int failed = _cmocka_run_group_tests(group_name, wrapped, n, group_setup, group_teardown);
	arm_alarm(0);
	signal(SIGALRM, SIG_DFL);
	H.tests = NULL;
	H.count = 0;
	free(wrapped);
	free(kept);
	return failed;
}
