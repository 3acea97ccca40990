/* support.c - see support.h. */
#include "support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"

int test_scale_ms(int ms)
{
	return getenv("IPCLAB_VALGRIND") ? 10 * ms : ms;
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

int test_env_teardown(void **state)
{
	struct test_env *env = *state;
	int left = test_count_entries(env->dir);
	if (left != 0) {
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
