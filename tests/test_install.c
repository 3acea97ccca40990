/*
 * test_install.c - ipclab as an installed Unix tool: `--version` says which
 * build it is, the man page (docs/ipclab.1.md, its one source) lists the
 * same commands and options as `--help`, the bash completion knows every
 * command, and `ipclab bench run` / `bench plot` find their scripts beside
 * the program wherever it was installed.
 */
#include "support.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "version.h"

#define ENV struct test_env *env = *state
#define CAP 16384
#define MAN_SOURCE "docs/ipclab.1.md"
#define COMPLETION "completions/ipclab.bash"

/* The whole of a small file, NUL-terminated (free it). */
static char *slurp_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s: %s (tests run from the source tree)", path,
			 strerror(errno));
	char *buf = malloc(1 << 20);
	assert_non_null(buf);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	assert_false(ferror(f));
	assert_true(feof(f)); /* not cut */
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static int help_of(struct test_env *env, const char *a, const char *b, char *out)
{
	char err[CAP];
	return a && b ? test_run_cli(env, NULL, out, CAP, err, sizeof err, a, b, "--help", NULL)
	       : a    ? test_run_cli(env, NULL, out, CAP, err, sizeof err, a, "--help", NULL)
		      : test_run_cli(env, NULL, out, CAP, err, sizeof err, "--help", NULL);
}

/* The names listed under "heading:" in a usage text: the first word of each
 * line indented by exactly two spaces, up to the blank line. */
static size_t listed(const char *text, const char *heading, char names[][32], size_t max)
{
	const char *p = strstr(text, heading);
	size_t n = 0;

	assert_non_null(p);
	p = strchr(p, '\n') + 1;
	while (*p && *p != '\n') {
		if (p[0] == ' ' && p[1] == ' ' && p[2] != ' ') {
			size_t len = strcspn(p + 2, " \n");
			assert_true(len < 32 && n < max);
			memcpy(names[n], p + 2, len);
			names[n++][len] = '\0';
		}
		p = strchr(p, '\n');
		assert_non_null(p);
		p++;
	}
	assert_true(n > 0);
	return n;
}

static bool is_opt_char(char c)
{
	return islower((unsigned char)c) || isdigit((unsigned char)c) || c == '-';
}

/* Every long option in a --help text is in the man page; "-x, --long" there
 * is "`-x`, `--long`" here. */
static void check_options(const char *cmd, const char *help, const char *man)
{
	for (const char *p = strstr(help, "--"); p; p = strstr(p + 2, "--")) {
		if ((p > help && (isalnum((unsigned char)p[-1]) || p[-1] == '-')) ||
		    !islower((unsigned char)p[2]))
			continue;
		char opt[48], want[64];
		size_t len = 2;
		while (is_opt_char(p[len]) && len < sizeof opt - 1)
			len++;
		memcpy(opt, p, len);
		opt[len] = '\0';
		snprintf(want, sizeof want, "`%s`", opt);
		if (!strstr(man, want))
			fail_msg("`ipclab %s --help` lists %s; " MAN_SOURCE " does not", cmd, opt);
		if (p - help >= 4 && p[-4] == '-' && isalpha((unsigned char)p[-3]) && p[-2] == ',' &&
		    p[-1] == ' ') {
			snprintf(want, sizeof want, "`-%c`, `%s`", p[-3], opt);
			if (!strstr(man, want))
				fail_msg("`ipclab %s --help` has -%c, %s; " MAN_SOURCE " does not say %s",
					 cmd, p[-3], opt, want);
		}
	}
}

static void test_version(void **state)
{
	ENV;
	char out[CAP], err[CAP], want[256];

	assert_int_equal(test_run_cli(env, NULL, out, sizeof out, err, sizeof err, "--version",
				      NULL), 0);
	snprintf(want, sizeof want, "ipclab %s (git %s)\n", ipclab_version, ipclab_git_rev);
	assert_string_equal(out, want);
	assert_string_equal(err, "");
	/* The Makefile gave the version: a number, and a revision. */
	assert_true(isdigit((unsigned char)ipclab_version[0]));
	assert_true(ipclab_git_rev[0] != '\0');
}

/* The man page and --help list the same commands and options. */
static void test_man_matches_help(void **state)
{
	ENV;
	char *man = slurp_file(MAN_SOURCE);
	char *help = malloc(CAP), *sub_help = malloc(CAP);
	char cmds[32][32], subs[32][32], want[96];
	assert_non_null(help);
	assert_non_null(sub_help);

	assert_int_equal(help_of(env, NULL, NULL, help), 0);
	check_options("", help, man);
	size_t ncmds = listed(help, "\ncommands:", cmds, 32);
	for (size_t i = 0; i < ncmds; i++) {
		snprintf(want, sizeof want, "**ipclab %s", cmds[i]);
		if (!strstr(man, want))
			fail_msg("`ipclab --help` lists %s; " MAN_SOURCE " has no %s**", cmds[i],
				 want);
		assert_int_equal(help_of(env, cmds[i], NULL, help), 0);
		check_options(cmds[i], help, man);
		if (strcmp(cmds[i], "bench"))
			continue;
		size_t nsubs = listed(help, "\nsubcommands:", subs, 32);
		for (size_t j = 0; j < nsubs; j++) {
			snprintf(want, sizeof want, "**ipclab bench %s", subs[j]);
			if (!strstr(man, want))
				fail_msg("`ipclab bench --help` lists %s; " MAN_SOURCE " has no %s**",
					 subs[j], want);
			assert_int_equal(help_of(env, "bench", subs[j], sub_help), 0);
			check_options(subs[j], sub_help, man);
		}
	}

	/* And the other way: every option the page documents exists.  The
	 * union of every --help text is rebuilt here, small as it is. */
	char *all = calloc(1, 32 * CAP);
	assert_non_null(all);
	assert_int_equal(help_of(env, NULL, NULL, help), 0);
	strcat(all, help);
	for (size_t i = 0; i < ncmds; i++) {
		assert_int_equal(help_of(env, cmds[i], NULL, help), 0);
		strcat(all, help);
	}
	size_t nsubs = listed(strstr(all, "usage: ipclab bench SUBCOMMAND"), "\nsubcommands:",
			      subs, 32);
	for (size_t j = 0; j < nsubs; j++) {
		assert_int_equal(help_of(env, "bench", subs[j], help), 0);
		strcat(all, help);
	}
	for (const char *p = strstr(man, "--"); p; p = strstr(p + 2, "--")) {
		if (p == man || (p[-1] != '`' && p[-1] != '\\') || !islower((unsigned char)p[2]))
			continue;
		char opt[48];
		size_t len = 2;
		while (is_opt_char(p[len]) && len < sizeof opt - 1)
			len++;
		memcpy(opt, p, len);
		opt[len] = '\0';
		const char *q = all;
		while ((q = strstr(q, opt)) && is_opt_char(q[len]))
			q += len; /* --mode is not found in --model */
		if (!q)
			fail_msg(MAN_SOURCE " documents %s; no `ipclab ... --help` has it", opt);
	}
	free(all);
	free(help);
	free(sub_help);
	free(man);
}

/* The words of the completion's `compgen -W "FIRST ..."` list, as
 * " FIRST ... " (so that " word " finds a whole word). */
static void word_list(const char *comp, const char *first, char *out, size_t cap)
{
	char key[64];
	snprintf(key, sizeof key, "compgen -W \"%s ", first);
	const char *p = strstr(comp, key);
	assert_non_null(p);
	p += strlen(key) - strlen(first) - 1;
	size_t len = strcspn(p, "\"");
	assert_true(len + 3 < cap);
	snprintf(out, cap, " %.*s ", (int)len, p);
}

/* The completion offers every command and bench subcommand. */
static void test_completion_knows_commands(void **state)
{
	ENV;
	char *comp = slurp_file(COMPLETION);
	char *help = malloc(CAP), names[32][32], word[40], words[512];
	assert_non_null(help);

	assert_int_equal(help_of(env, NULL, NULL, help), 0);
	size_t n = listed(help, "\ncommands:", names, 32);
	word_list(comp, "list", words, sizeof words);
	for (size_t i = 0; i < n; i++) {
		snprintf(word, sizeof word, " %s ", names[i]);
		if (!strstr(words, word))
			fail_msg(COMPLETION " does not offer the command %s", names[i]);
	}
	assert_int_equal(help_of(env, "bench", NULL, help), 0);
	n = listed(help, "\nsubcommands:", names, 32);
	word_list(comp, "run", words, sizeof words);
	for (size_t i = 0; i < n; i++) {
		snprintf(word, sizeof word, " %s ", names[i]);
		if (!strstr(words, word))
			fail_msg(COMPLETION " does not offer bench %s", names[i]);
	}
	free(help);
	free(comp);
}

/* ---- the scripts found beside the program ------------------------------- */

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	size_t len = strlen(text);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ssize_t n;
	assert_true(in >= 0 && out >= 0);
	while ((n = read(in, buf, sizeof buf)) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	close(in);
	assert_int_equal(close(out), 0);
}

/* dir/rel, in a buffer of the caller's. */
#define PATH_OF(buf, dir, rel) (snprintf(buf, sizeof buf, "%s/%s", dir, rel), buf)

static void test_scripts_beside_program(void **state)
{
	ENV;
	const char *bin = getenv("IPCLAB_BIN") ? getenv("IPCLAB_BIN") : "bin/ipclab";
	static const char *const dirs[] = { "bin", "share", "share/ipclab", "share/ipclab/bench",
					    "other", "other/bench" };
	char p[PATH_MAX + 64], self[PATH_MAX], cwd[PATH_MAX], prog[PATH_MAX + 16];
	char out[CAP], err[CAP], want[3 * PATH_MAX];
	const char *stub = "printf '%s bin=%s quick=%s results=%s arg=%s\\n' "
			   "\"$(basename \"$(dirname \"$(dirname \"$0\")\")\")\" \"$IPCLAB_BIN\" "
			   "\"${QUICK:-}\" \"${IPCLAB_RESULTS:-}\" \"${1:-}\"\n";

	unsetenv("IPCLAB_DATA_DIR");
	unsetenv("QUICK");
	unsetenv("IPCLAB_RESULTS");
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		assert_int_equal(mkdir(PATH_OF(p, env->dir, dirs[i]), 0700), 0);
	/* An installed layout: PREFIX/bin/ipclab, PREFIX/share/ipclab/bench. */
	copy_file(bin, PATH_OF(prog, env->dir, "bin/ipclab"));
	write_file(PATH_OF(p, env->dir, "share/ipclab/bench/run.sh"), stub, 0644);
	write_file(PATH_OF(p, env->dir, "share/ipclab/bench/plot.sh"), stub, 0644);
	write_file(PATH_OF(p, env->dir, "other/bench/run.sh"), stub, 0644);
	assert_non_null(realpath(prog, self));
	assert_non_null(getcwd(cwd, sizeof cwd));

	/* The program measures itself; relative paths are made absolute
	 * before the scripts change directory. */
	const char *run_quick[] = { prog, "bench", "run", "--quick", "--results", "r", NULL };
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, run_quick), 0);
	snprintf(want, sizeof want, "ipclab bin=%s quick=1 results=%s/r arg=\n", self, cwd);
	assert_string_equal(out, want);

	const char *plot[] = { prog, "bench", "plot", "/some/run", NULL };
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, plot), 0);
	snprintf(want, sizeof want, "ipclab bin=%s quick= results= arg=/some/run\n", self);
	assert_string_equal(out, want);

	/* IPCLAB_DATA_DIR comes first, and must hold the scripts. */
	setenv("IPCLAB_DATA_DIR", PATH_OF(p, env->dir, "other"), 1);
	const char *run[] = { prog, "bench", "run", NULL };
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, run), 0);
	assert_non_null(strstr(out, "other bin="));
	setenv("IPCLAB_DATA_DIR", env->dir, 1);
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, run), 2);
	assert_non_null(strstr(err, "IPCLAB_DATA_DIR"));
	unsetenv("IPCLAB_DATA_DIR");

	/* No scripts anywhere: one line that says where it looked. */
	assert_int_equal(unlink(PATH_OF(p, env->dir, "share/ipclab/bench/run.sh")), 0);
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, run), 2);
	assert_non_null(strstr(err, "share/ipclab"));
	assert_non_null(strstr(err, "IPCLAB_DATA_DIR"));
	assert_non_null(strchr(err, '\n'));
	assert_int_equal(strchr(err, '\n')[1], '\0');

	/* Usage errors. */
	const char *extra[] = { prog, "bench", "run", "now", NULL };
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, extra), 2);
	const char *no_dir[] = { prog, "bench", "plot", NULL };
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, no_dir), 2);
	const char *bogus[] = { prog, "bench", "run", "--fast", NULL };
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, bogus), 2);
	assert_non_null(strstr(err, "--fast"));

	unlink(PATH_OF(p, env->dir, "share/ipclab/bench/plot.sh"));
	unlink(PATH_OF(p, env->dir, "other/bench/run.sh"));
	unlink(prog);
	for (size_t i = sizeof dirs / sizeof dirs[0]; i-- > 0;)
		assert_int_equal(rmdir(PATH_OF(p, env->dir, dirs[i])), 0);
}

/* ---- make install with spaces -------------------------------------------- */

/* `make install` and `make uninstall` with a space (and a quote) in DESTDIR
 * and PREFIX: every file lands under that very path, nothing is created in
 * the tree make runs in, and uninstall removes exactly what install put.
 * The tree is a copy of the files install reads, with the program already
 * built (make -o: not rebuilt). */
static void test_install_paths_with_spaces(void **state)
{
	ENV;
	const char *bin = getenv("IPCLAB_BIN") ? getenv("IPCLAB_BIN") : "bin/ipclab";
	char tree[PATH_MAX], out[CAP], err[CAP], p[PATH_MAX + 64];
	const char *copy = "set -e; mkdir -p \"$1/bin\" \"$1/docs\"; cp Makefile README.md \"$1\"; "
			   "cp -r bench plots completions \"$1\"; cp docs/*.md \"$1/docs\"; "
			   "cp \"$2\" \"$1/bin/ipclab\"; touch \"$1/docs/ipclab.1\"; "
			   "cd \"$1\"; ls -A >\"$1.before\"";
	const char *install = "cd \"$1\" && make -s -o bin/ipclab -o docs/ipclab.1 $2 "
			      "DESTDIR=\"$1/dest dir\" PREFIX=\"/pre fix's\"";

	snprintf(tree, sizeof tree, "%s/tree", env->dir);
	const char *cp_argv[] = { "/bin/sh", "-c", copy, "sh", tree, bin, NULL };
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, cp_argv), 0);

	const char *in_argv[] = { "/bin/sh", "-c", install, "sh", tree, "install", NULL };
	int rc = test_run_argv(env, NULL, out, sizeof out, err, sizeof err, in_argv);
	if (rc != 0)
		fail_msg("make install with spaces exited %d: %s", rc, err);
	static const char *const installed[] = {
		"bin/ipclab", "share/man/man1/ipclab.1", "share/bash-completion/completions/ipclab",
		"share/ipclab/bench/run.sh", "share/ipclab/bench/plot.sh",
		"share/ipclab/plots/common.gp", "share/doc/ipclab/README.md",
	};
	for (size_t i = 0; i < sizeof installed / sizeof installed[0]; i++) {
		snprintf(p, sizeof p, "%s/dest dir/pre fix's/%s", tree, installed[i]);
		if (access(p, R_OK) != 0)
			fail_msg("make install did not put %s under DESTDIR/PREFIX with spaces",
				 installed[i]);
	}
	/* Nothing new in the tree but the destination ("dest", "dir", "fix's"
	 * and "pre" would be the words of an unquoted path). */
	const char *same = "cd \"$1\" && ls -A | grep -vx 'dest dir' | diff \"$1.before\" -";
	const char *same_argv[] = { "/bin/sh", "-c", same, "sh", tree, NULL };
	rc = test_run_argv(env, NULL, out, sizeof out, err, sizeof err, same_argv);
	if (rc != 0)
		fail_msg("make install created files in the tree it ran in: %s", out);

	const char *un_argv[] = { "/bin/sh", "-c", install, "sh", tree, "uninstall", NULL };
	rc = test_run_argv(env, NULL, out, sizeof out, err, sizeof err, un_argv);
	if (rc != 0)
		fail_msg("make uninstall with spaces exited %d: %s", rc, err);
	const char *left = "find \"$1/dest dir\" ! -type d";
	const char *left_argv[] = { "/bin/sh", "-c", left, "sh", tree, NULL };
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, left_argv), 0);
	if (out[0])
		fail_msg("make uninstall left: %s", out);
	rc = test_run_argv(env, NULL, out, sizeof out, err, sizeof err, same_argv);
	if (rc != 0)
		fail_msg("make uninstall changed the tree it ran in: %s", out);

	const char *rm = "rm -rf \"$1\" \"$1.before\"";
	const char *rm_argv[] = { "/bin/sh", "-c", rm, "sh", tree, NULL };
	assert_int_equal(test_run_argv(env, NULL, out, sizeof out, err, sizeof err, rm_argv), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_version, test_env_setup, test_env_teardown),
		cmocka_unit_test_setup_teardown(test_man_matches_help, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_completion_knows_commands, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_scripts_beside_program, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_install_paths_with_spaces, test_env_setup,
						test_env_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
