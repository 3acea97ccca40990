/*
 * test_trace.c - one numbering per life cycle, everywhere a student meets
 * it.  Each transport declares its server's steps in its own file (steps.h);
 * against that one table this suite checks, for every transport of the
 * registry that declares one:
 *
 *   - the table itself: steps 1 .. n in order, each with calls and a why;
 *   - `ipclab demo T --trace`: every line tagged "[role pid]", every
 *     numbered line a step of the table with one of its calls, the steps
 *     first seen in increasing order, every step a demo always makes seen;
 *     and `ipclab serve T --trace` the same, ending with its exit step;
 *   - the transport's file: every step named `Step N` in a comment, first
 *     in increasing order, no number outside the table, and every
 *     ipc_step() with a number in a function whose comments name that step;
 *   - the reference trace lab/traces/T.trace: the server's system calls
 *     hold each step's calls, in the table's order;
 *   - the handout: the step table marked `<!-- steps: T -->` lists the same
 *     numbers and whys, its `--trace` column the same calls, and no step
 *     table of the handout goes unchecked.
 *
 * A transport that declares no table yet is named by a test of its own.
 * Run from the top of the source tree (as `make test` does).
 */
#include "support.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steps.h"

#define ENV struct test_env *env = *state
#define MAX_STEPS 32
#define HANDOUT "lab/handout.md"

/* Transports allowed, for a while, to have no step table yet: none now.
 * The test below fails for a transport without a table that is not listed
 * here, and for a listed one that has a table, so that this list only
 * shrinks. */
static const char *const pending[] = { NULL };

static bool is_pending(const char *name)
{
	for (size_t i = 0; pending[i]; i++)
		if (strcmp(pending[i], name) == 0)
			return true;
	return false;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		print_error("cannot open %s (run from the top of the source tree)\n", path);
		return NULL;
	}
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *more = realloc(buf, cap *= 2);
			if (!more)
				free(buf);
			buf = more;
		}
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* ---- the tables --------------------------------------------------------- */

static void test_tables(void **state)
{
	(void)state;
	int with_table = 0;
	for (size_t i = 0; ipc_transports[i]; i++) {
		const struct ipc_transport *t = ipc_transports[i];
		if (!t->steps)
			continue;
		with_table++;
		assert_non_null(t->source);
		assert_true(t->nsteps >= 1 && t->nsteps < MAX_STEPS);
		for (size_t k = 0; k < t->nsteps; k++) {
			const struct ipc_step_def *d = &t->steps[k];
			if (d->number != (int)k + 1)
				fail_msg("%s: step %zu of its table has number %d", t->name, k + 1,
					 d->number);
			assert_true(d->calls && d->calls[0]);
			assert_true(d->why && d->why[0]);
			assert_ptr_equal(ipc_step_find(t, d->number), d);
		}
	}
	assert_true(with_table >= 1);
	const struct ipc_transport *us = ipc_transport_find("unix_stream");
	assert_int_equal(ipc_step_number(us, "exit"), 12);
	assert_int_equal(ipc_step_number(us, "fork"), IPC_NO_STEP);
	assert_int_equal(ipc_step_number(ipc_transport_find("pipe"), "fork"), 2);
	assert_true(ipc_step_has_word("lstat connect unlink", "connect"));
	assert_false(ipc_step_has_word("lstat connect unlink", "conn"));
}

static void test_transports_without_a_table(void **state)
{
	(void)state;
	for (size_t i = 0; ipc_transports[i]; i++) {
		const struct ipc_transport *t = ipc_transports[i];
		if (t->steps && is_pending(t->name))
			fail_msg("%s declares its steps now: take it off the pending list", t->name);
		if (!t->steps && !is_pending(t->name))
			fail_msg("%s declares no step table (steps.h says how)", t->name);
	}
	for (size_t i = 0; pending[i]; i++)
		if (!ipc_transport_find(pending[i]))
			fail_msg("%s is on the pending list but not in the registry", pending[i]);
}

/* ---- `--trace` ------------------------------------------------------------ */

/* Lines of `--trace` against T's table: every line tagged "[role pid] T",
 * every numbered one a step of the table with one of its calls, on a
 * server's line (or the parent's fork of its server), the steps first seen
 * in increasing order.  seen[n]: step n was there.  `text` is cut up. */
static void check_lines(const struct ipc_transport *t, char *text, bool seen[MAX_STEPS])
{
	int last_first = 0;
	char *save = NULL;

	memset(seen, 0, MAX_STEPS * sizeof seen[0]);
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char role[16], name[32], rest[16], call[32];
		int pid, n;
		if (line[0] != '[')
			continue; /* the server's own messages: "listening on ..." */
		if (sscanf(line, "[%15[a-z] %d] %31s %15s", role, &pid, name, rest) != 4)
			fail_msg("%s: an untagged line: %s", t->name, line);
		assert_true(pid > 0);
		assert_string_equal(name, t->name);
		assert_true(!strcmp(role, "server") || !strcmp(role, "client") ||
			    !strcmp(role, "parent"));
		if (sscanf(rest, "%d", &n) != 1)
			continue;
		if (sscanf(line, "[%*[a-z] %*d] %*s %*d %31s", call) != 1)
			fail_msg("%s: no call after the number: %s", t->name, line);
		assert_true(!strcmp(role, "server") || !strcmp(call, "fork"));
		const struct ipc_step_def *d = ipc_step_find(t, n);
		if (!d)
			fail_msg("%s: step %d is not in its table: %s", t->name, n, line);
		if (!ipc_step_has_word(d->calls, call))
			fail_msg("%s: step %d is \"%s\" in its table, the trace says %s", t->name,
				 n, d->calls, call);
		if (!seen[n]) {
			if (n < last_first)
				fail_msg("%s: step %d first seen after step %d", t->name, n,
					 last_first);
			last_first = n;
			seen[n] = true;
		}
	}
}

/* `ipclab demo T --trace`: every step a demo always makes is there. */
static void check_demo(struct test_env *env, const struct ipc_transport *t)
{
	static char err[32768];
	char out[1024];
	bool seen[MAX_STEPS];

	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "demo",
				      t->name, "--trace", NULL), 0);
	check_lines(t, err, seen);
	for (size_t k = 0; k < t->nsteps; k++)
		if (!t->steps[k].when && !seen[t->steps[k].number])
			fail_msg("%s: step %d (%s) missing from `ipclab demo %s --trace`", t->name,
				 t->steps[k].number, t->steps[k].calls, t->name);
}

static void test_demo_traces(void **state)
{
	ENV;
	test_deadline(60, "seven demos under --trace: 7 s on a machine with twenty processes "
		      "waiting for its two CPUs, well under 1 s on a quiet one");
	for (size_t i = 0; ipc_transports[i]; i++)
		if (ipc_transports[i]->steps)
			check_demo(env, ipc_transports[i]);
}

/* `ipclab serve T --trace`, one greeting, then stopped: the lines after
 * "listening on" follow the table, and the last is its exit step. */
static void test_serve_traces(void **state)
{
	ENV;
	static char rest[32768];
	char out[1024], err[4096];
	bool seen[MAX_STEPS];

	test_deadline(90, "six servers started, greeted and stopped under --trace: about 2 s on "
		      "a quiet machine, over 10 s on one with twenty processes waiting");

	for (size_t i = 0; ipc_transports[i]; i++) {
		const struct ipc_transport *t = ipc_transports[i];
		if (!t->steps || !t->servable)
			continue;
		struct test_bg bg;
		/* A port the kernel picks: the default one may be held by any
		 * other server on a shared machine. */
		const char *args[] = { t->name, "--trace",
				       t->addressing == IPC_ADDR_PORT ? "--address" : NULL,
				       "127.0.0.1:0", NULL };
		test_bg_start(env, &bg, args, 0);
		assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "greet",
					      t->name, "Ann", "--address", bg.addr, NULL), 0);
		assert_string_equal(out, "Hello, Ann\n");
		assert_int_equal(test_bg_stop(&bg, rest, sizeof rest), 0);
		int exit_step = ipc_step_number(t, "exit");
		char want[64];
		snprintf(want, sizeof want, " %d exit ", exit_step);
		if (exit_step == IPC_NO_STEP || !strstr(rest, want))
			fail_msg("%s: no \"%s\" line when `ipclab serve` stops:\n%s", t->name, want,
				 rest);
		check_lines(t, rest, seen);
		assert_true(seen[exit_step]);
	}
}

/* The pipe's connect and accept are named for what they are, and the
 * demo's fork and waitpid are narrated by the parent. */
static void test_pipe_inherits(void **state)
{
	ENV;
	char out[1024], err[8192];
	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "greet", "pipe",
				      "Ann", "--trace", NULL), 0);
	assert_string_equal(out, "Hello, Ann\n");
	assert_null(strstr(err, " connect "));
	assert_null(strstr(err, " accept "));
	assert_non_null(strstr(err, "] pipe           inherit   write fd"));  /* the client */
	assert_non_null(strstr(err, "] pipe         3 inherit   read fd"));    /* the server */
	assert_non_null(strstr(err, "] pipe         2 fork "));
	assert_non_null(strstr(err, "] pipe           waitpid   child "));
	assert_non_null(strstr(err, "] pipe           close     fd")); /* the parent's copies */
}

/* ---- the comments ------------------------------------------------------- */

/* The step number of an ipc_step() call on this line, if its third
 * argument is a literal number; 0 otherwise. */
static int literal_step(const char *line)
{
	const char *p = strstr(line, "ipc_step(");
	if (!p)
		return 0;
	p += strlen("ipc_step(");
	for (int commas = 0; *p && commas < 2; p++)
		if (*p == ',')
			commas++;
	while (*p == ' ')
		p++;
	return isdigit((unsigned char)*p) ? atoi(p) : 0;
}

static void check_comments(const struct ipc_transport *t)
{
	char *text = slurp(t->source);
	assert_non_null(text);
	bool named[MAX_STEPS] = { false };      /* anywhere in the file */
	bool in_function[MAX_STEPS] = { false }; /* since the last function ended */
	int last_first = 0, lineno = 0;

	for (char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (line[0] == '}')
			memset(in_function, 0, sizeof in_function);
		for (const char *p = line; (p = strstr(p, "Step ")); p += 5) {
			if (!isdigit((unsigned char)p[5]))
				continue;
			int n = atoi(p + 5);
			if (n < 1 || (size_t)n > t->nsteps)
				fail_msg("%s:%d: \"Step %d\", but %s has steps 1 to %zu", t->source,
					 lineno, n, t->name, t->nsteps);
			if (!named[n] && n < last_first)
				fail_msg("%s:%d: Step %d first named after Step %d: the file "
					 "should follow the life cycle", t->source, lineno, n,
					 last_first);
			if (!named[n])
				last_first = n;
			named[n] = in_function[n] = true;
		}
		int n = literal_step(line);
		if (n && (n >= MAX_STEPS || !in_function[n]))
			fail_msg("%s:%d: ipc_step() of step %d with no \"Step %d\" comment in "
				 "its function", t->source, lineno, n, n);
	}
	for (size_t k = 1; k <= t->nsteps; k++)
		if (!named[k])
			fail_msg("%s: no comment names Step %zu (%s)", t->source, k,
				 t->steps[k - 1].calls);
	free(text);
}

static void test_comments(void **state)
{
	(void)state;
	for (size_t i = 0; ipc_transports[i]; i++)
		if (ipc_transports[i]->steps)
			check_comments(ipc_transports[i]);
}

/* ---- the reference traces ----------------------------------------------- */

/* The server's system calls in a reference trace, in order: the lines of
 * "[parent]" (before the fork: a demo's parent makes the endpoint) and of
 * "[child, server]". */
static void check_reference(const struct ipc_transport *t)
{
	char path[256];
	snprintf(path, sizeof path, "lab/traces/%s.trace", t->name);
	char *text = slurp(path);
	if (!text)
		fail_msg("%s: no reference trace %s (make trace UPDATE=1)", t->name, path);
	const char *pos = text;
	for (size_t k = 0; k < t->nsteps; k++) {
		const struct ipc_step_def *d = &t->steps[k];
		char calls[128];
		if (!d->syscalls)
			continue;
		snprintf(calls, sizeof calls, "%s", d->syscalls);
		for (char *sys = strtok(calls, " "); sys; sys = strtok(NULL, " ")) {
			char want[64];
			snprintf(want, sizeof want, "] %s(", sys);
			const char *hit = pos;
			for (;;) {
				hit = strstr(hit, want);
				if (!hit)
					fail_msg("%s: step %d (%s) not found in order in %s", t->name,
						 d->number, sys, path);
				const char *bol = hit;
				while (bol > text && bol[-1] != '\n')
					bol--;
				if (!strncmp(bol, "[parent] ", 9) || !strncmp(bol, "[child, server] ", 16))
					break;
				hit++;
			}
			pos = strchr(hit, '\n');
			if (!pos)
				pos = hit + strlen(hit);
		}
	}
	free(text);
}

static void test_reference_traces(void **state)
{
	(void)state;
	for (size_t i = 0; ipc_transports[i]; i++)
		if (ipc_transports[i]->steps)
			check_reference(ipc_transports[i]);
}

/* ---- the handout ------------------------------------------------------ */

/* The next '|' after p that is not escaped ("\|" inside code), or NULL. */
static const char *next_bar(const char *p)
{
	do
		p = strchr(p + 1, '|');
	while (p && p[-1] == '\\');
	return p;
}

/* Cell `col` (0-based) of a Markdown table row "| a | b |", trimmed. */
static bool cell(const char *row, int col, char *out, size_t cap)
{
	const char *p = row[0] == '|' ? row : NULL;
	for (int c = 0; p && c < col; c++)
		p = next_bar(p);
	const char *end = p ? next_bar(p) : NULL;
	if (!end)
		return false;
	p++;
	while (*p == ' ')
		p++;
	size_t n = (size_t)(end - p);
	while (n && p[n - 1] == ' ')
		n--;
	snprintf(out, cap, "%.*s", (int)n, p);
	return true;
}

static void check_handout_table(const struct ipc_transport *t, char *rows)
{
	size_t k = 0;
	/* rows: the header, the separator, then one row per step */
	char *line = rows;
	for (int skip = 0; skip < 2 && line; skip++) {
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	for (; line && line[0] == '|'; k++) {
		char *next = strchr(line, '\n');
		char row[2048], num[16], why[512], trace[512];
		snprintf(row, sizeof row, "%.*s", next ? (int)(next - line) : (int)strlen(line),
			 line);
		if (!cell(row, 0, num, sizeof num) || !cell(row, 1, why, sizeof why) ||
		    !cell(row, 3, trace, sizeof trace))
			fail_msg("handout, %s: a row without five cells: %s", t->name, row);
		if (k >= t->nsteps)
			fail_msg("handout, %s: more rows than its %zu steps: %s", t->name, t->nsteps,
				 row);
		const struct ipc_step_def *d = &t->steps[k];
		if (atoi(num) != d->number)
			fail_msg("handout, %s: row %zu is step %s, the table's is %d", t->name, k + 1,
				 num, d->number);
		if (strcmp(why, d->why) != 0)
			fail_msg("handout, %s, step %d: \"%s\", the table says \"%s\"", t->name,
				 d->number, why, d->why);
		/* `--trace` column: "`N call ...`", or "none" for a step with
		 * no line of its own */
		int n;
		char call[32];
		if (sscanf(trace, "`%d %31s", &n, call) == 2) {
			if (n != d->number || !ipc_step_has_word(d->calls, call))
				fail_msg("handout, %s, step %d: --trace column \"%s\", the table's "
					 "calls are \"%s\"", t->name, d->number, trace, d->calls);
		}
		line = next ? next + 1 : NULL;
	}
	if (k != t->nsteps)
		fail_msg("handout, %s: %zu rows for %zu steps", t->name, k, t->nsteps);
}

static void test_handout_tables(void **state)
{
	(void)state;
	char *text = slurp(HANDOUT);
	assert_non_null(text);
	int tables = 0;
	/* Every step table of the handout is marked with its transport. */
	for (char *p = text; (p = strstr(p, "\n| # | step |")); p++) {
		char *mark = p;
		int blank = 0;
		while (mark > text && blank < 2) { /* the line before, past one blank */
			mark--;
			if (*mark == '\n')
				blank++;
		}
		char name[32];
		const char *m = strstr(mark, "<!-- steps: ");
		if (!m || m > p || sscanf(m, "<!-- steps: %31[a-z_] -->", name) != 1)
			fail_msg("%s: a step table without <!-- steps: NAME --> before it: %.60s",
				 HANDOUT, p + 1);
		const struct ipc_transport *t = ipc_transport_find(name);
		if (!t || !t->steps)
			fail_msg("%s: <!-- steps: %s -->: no transport with a step table", HANDOUT,
				 name);
		check_handout_table(t, p + 1);
		tables++;
	}
	assert_true(tables >= 1);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_transports_without_a_table),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_reference_traces),
		cmocka_unit_test(test_handout_tables),
		cmocka_unit_test_setup_teardown(test_demo_traces, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_serve_traces, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_pipe_inherits, test_env_setup, test_env_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
