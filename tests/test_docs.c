/*
 * test_docs.c - what ipclab says about itself agrees with the registry.
 *
 * Every list of transports or server modes a user reads (each --help, the
 * man page, README.md, the bash completion) is compared here, at run time,
 * with the properties of the transports in ipc_transports[] and with
 * serve_mode_check(), both ways: every transport a command takes is listed,
 * and every transport listed is taken.  The rules below say, in terms of
 * those properties, which transports each command takes; the commands are
 * run to show that they refuse exactly the others.  A transport or a mode
 * added to the registry is then either listed everywhere or named here.
 *
 * Also: no count of transports ("six" names only the classic six), the
 * errors for a missing or misspelt transport, greet's bounded stdin, the
 * old spellings of renamed options, and a few messages of advice.
 */
#include "support.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bench.h"
#include "protocol.h"

#define ENV struct test_env *env = *state
#define CAP 65536

/* ---- which transports each command takes, from the properties ---------- */

enum rule { R_ANY, R_SERVE, R_LOAD, R_CONNECT, R_SPIN, R_INHERITED, R_DGRAM };

static bool takes(enum rule r, const struct ipc_transport *t)
{
	switch (r) {
	case R_ANY:
		return true;
	case R_SERVE:
		return t->servable;
	case R_LOAD:
	case R_CONNECT:
		return t->servable && t->kind == IPC_STREAM;
	case R_SPIN:
		return t->can_spin;
	case R_INHERITED:
		return !t->servable;
	case R_DGRAM:
		return t->kind == IPC_DATAGRAM;
	}
	return false;
}

/* Can t's server run in mode m?  Asked of the server code itself. */
static bool serves_in(const struct ipc_transport *t, int m)
{
	struct ipc_error e;
	return t->servable && serve_mode_check(t, (enum serve_mode)m, &e) == 0;
}

static int mode_count(void)
{
	int m = 0;
	while (strcmp(serve_mode_name((enum serve_mode)m), "?"))
		m++;
	return m;
}

/* ---- text helpers --------------------------------------------------------- */

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
	assert_true(feof(f));
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* Is `word` in text[0..len) as a whole word? */
static bool has_word(const char *text, size_t len, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = text; p + wl <= text + len; p++) {
		if (strncmp(p, word, wl))
			continue;
		if ((p == text || !word_char(p[-1])) && (p + wl == text + len || !word_char(p[wl])))
			return true;
	}
	return false;
}

/* The text from `from` (included) to the next `to` after it. */
static void region(const char *what, const char *text, const char *from, const char *to,
		   const char **start, size_t *len)
{
	const char *a = strstr(text, from);
	if (!a)
		fail_msg("%s: no \"%s\" in:\n%s", what, from, text);
	const char *b = strstr(a + strlen(from), to);
	if (!b)
		fail_msg("%s: no \"%s\" after \"%s\"", what, to, from);
	*start = a;
	*len = (size_t)(b - a);
}

/* The transports named in the region are exactly those the rule takes. */
static void names_exactly(const char *what, const char *text, const char *from, const char *to,
			  enum rule r)
{
	const char *s;
	size_t len;
	region(what, text, from, to, &s, &len);
	for (size_t i = 0; ipc_transports[i]; i++) {
		const struct ipc_transport *t = ipc_transports[i];
		bool listed = has_word(s, len, t->name);
		if (listed && !takes(r, t))
			fail_msg("%s lists %s, which it does not take: %.*s", what, t->name, (int)len, s);
		if (!listed && takes(r, t))
			fail_msg("%s does not list %s: %.*s", what, t->name, (int)len, s);
	}
}

static int run(struct test_env *env, const char *input, char *out, char *err, ...)
{
	const char *argv[32] = { getenv("IPCLAB_BIN") ? getenv("IPCLAB_BIN") : "bin/ipclab" };
	va_list ap;
	va_start(ap, err);
	int n = 1;
	const char *a;
	while ((a = va_arg(ap, const char *)) && n < 31)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	return test_run_argv(env, input, out, CAP, err, CAP, argv);
}
#define RUN(...) run(env, NULL, out, err, __VA_ARGS__, NULL)

static int lines_of(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- --help ---------------------------------------------------------------- */

static void test_help_lists_from_registry(void **state)
{
	ENV;
	test_deadline(60, "about twenty --help texts under ASan: 2 s on a quiet machine");
	char *out = malloc(CAP), *err = malloc(CAP);
	assert_non_null(out);
	assert_non_null(err);

	assert_int_equal(RUN("--help"), 0);
	names_exactly("`ipclab --help`", out, "over each of", "commands:", R_ANY);
	for (size_t i = 0; ipc_transports[i]; i++)
		if (ipc_transports[i]->servable) {
			const char *s;
			size_t len;
			region("`ipclab --help` --address", out, "--address", "--timeout", &s, &len);
			if (!has_word(s, len, ipc_transports[i]->name))
				fail_msg("`ipclab --help` does not say what --address is for %s",
					 ipc_transports[i]->name);
		}

	assert_int_equal(RUN("serve", "--help"), 0);
	/* The mode table: one line per transport served, its modes exactly. */
	const char *table = strstr(out, "The modes each transport takes:\n");
	assert_non_null(table);
	table = strchr(table, '\n') + 1;
	for (size_t i = 0; ipc_transports[i]; i++) {
		const struct ipc_transport *t = ipc_transports[i];
		char key[48];
		snprintf(key, sizeof key, "\n  %s ", t->name);
		const char *line = strstr(table - 1, key);
		if (!t->servable) {
			if (line)
				fail_msg("`serve --help` lists modes for %s, which has no server", t->name);
			continue;
		}
		if (!line)
			fail_msg("`serve --help` has no line of modes for %s", t->name);
		line += strlen(key);
		size_t len = strcspn(line, "\n");
		for (int m = 0; m < mode_count(); m++) {
			const char *name = serve_mode_name((enum serve_mode)m);
			if (has_word(line, len, name) != serves_in(t, m))
				fail_msg("`serve --help` says %s %s --mode %s; the server says otherwise",
					 t->name, serves_in(t, m) ? "has no" : "takes", name);
		}
	}
	names_exactly("`serve --help` (no server)", out, "No other process can reach",
		      "use `ipclab greet", R_INHERITED);
	names_exactly("`serve --help` --wait", out, "--wait block|spin   for", "sleep", R_SPIN);
	for (int m = 0; m < mode_count(); m++) {
		const char *s;
		size_t len;
		region("`serve --help` --mode", out, "--mode MODE", "iterative (the default)", &s,
		       &len);
		if (!has_word(s, len, serve_mode_name((enum serve_mode)m)))
			fail_msg("`serve --help` does not name the mode %s",
				 serve_mode_name((enum serve_mode)m));
	}

	assert_int_equal(RUN("greet", "--help"), 0);
	names_exactly("`greet --help`", out, "TRANSPORT is one of", "These fork", R_ANY);
	names_exactly("`greet --help` (forks)", out, "These fork", "\n\n", R_INHERITED);
	assert_non_null(strstr(out, "--wait"));
	assert_int_equal(RUN("demo", "--help"), 0);
	names_exactly("`demo --help`", out, "default each of", "start a server", R_ANY);
	assert_int_equal(RUN("load", "--help"), 0);
	names_exactly("`load --help`", out, "TRANSPORT: a transport", "A datagram server",
		      R_LOAD);
	assert_int_equal(RUN("drawback", "--help"), 0);
	names_exactly("`drawback --help`", out, "TRANSPORT  ", "-m, --mode", R_SERVE);
	assert_int_equal(RUN("bench", "connect", "--help"), 0);
	names_exactly("`bench connect --help`", out, "that have one:", "(`all`", R_CONNECT);
	assert_int_equal(RUN("bench", "latency", "--help"), 0);
	names_exactly("`bench latency --help`", out, "`all`:", ";", R_ANY);
	names_exactly("`bench latency --help` --unconnected", out, "--unconnected  datagrams",
		      ":", R_DGRAM);
	names_exactly("`bench latency --help` --size", out, "the transport's limit",
		      "--count", R_DGRAM);
	assert_non_null(strstr(out, "[--wait block|spin]"));
	assert_int_equal(RUN("bench", "throughput", "--help"), 0);
	names_exactly("`bench throughput --help`", out, "TRANSPORT: one or more of", "`all`",
		      R_ANY);
	free(out);
	free(err);
}

/* The commands refuse exactly what their lists leave out. */
static void test_commands_take_what_they_list(void **state)
{
	ENV;
	test_deadline(120, "about fifty ipclab runs under ASan, some waiting 300 ms for no server: 6 s on a quiet machine");
	char *out = malloc(CAP), *err = malloc(CAP);
	test_deadline(40, "an ipclab run per transport, command and refused mode: about 90 "
		      "runs under ASan");
	assert_non_null(out);
	assert_non_null(err);

	for (size_t i = 0; ipc_transports[i]; i++) {
		const struct ipc_transport *t = ipc_transports[i];
		/* No server runs here: a transport load takes fails to connect
		 * (3), one it refuses is a usage error (2). */
		int rc = RUN("load", t->name, "--clients", "1", "--requests", "1", "--timeout", "300");
		if ((rc == IPC_USAGE) == takes(R_LOAD, t))
			fail_msg("`ipclab load %s` exited %d: %s", t->name, rc, err);
		if (!takes(R_CONNECT, t)) {
			assert_int_equal(RUN("bench", "connect", t->name, "--count", "1"), IPC_USAGE);
			assert_int_equal(lines_of(err), 1);
		}
		if (!takes(R_SERVE, t)) {
			assert_int_equal(RUN("serve", t->name), IPC_USAGE);
			assert_int_equal(RUN("drawback", t->name), IPC_USAGE);
		}
		for (int m = 0; m < mode_count(); m++)
			if (t->servable && !serves_in(t, m))
				assert_int_equal(RUN("serve", t->name, "--mode",
						     serve_mode_name((enum serve_mode)m)), IPC_USAGE);
		if (!takes(R_SPIN, t))
			assert_int_equal(RUN("greet", t->name, "x", "--wait", "spin"), IPC_USAGE);
	}
	/* `ipclab list --for` and `--modes` (what the completion asks). */
	static const struct {
		const char *cmd;
		enum rule r;
	} fors[] = { { "serve", R_SERVE }, { "load", R_LOAD }, { "connect", R_CONNECT },
		     { "drawback", R_SERVE }, { "greet", R_ANY }, { "spin", R_SPIN } };
	for (size_t k = 0; k < sizeof fors / sizeof fors[0]; k++) {
		assert_int_equal(RUN("list", "--for", fors[k].cmd), 0);
		int want = 0;
		for (size_t i = 0; ipc_transports[i]; i++) {
			char line[48];
			snprintf(line, sizeof line, "%s\n", ipc_transports[i]->name);
			bool listed = !strncmp(out, line, strlen(line)) ||
				      (strstr(out, line) && strstr(out, line)[-1] == '\n');
			if (listed != takes(fors[k].r, ipc_transports[i]))
				fail_msg("`ipclab list --for %s` %s %s", fors[k].cmd,
					 listed ? "lists" : "leaves out", ipc_transports[i]->name);
			want += listed;
		}
		assert_int_equal(lines_of(out), want);
	}
	free(out);
	free(err);
}

/* ---- errors for transports -------------------------------------------- */

static void test_missing_or_misspelt_transport(void **state)
{
	ENV;
	test_deadline(60, "ten ipclab runs under ASan: 1 s on a quiet machine");
	char *out = malloc(CAP), *err = malloc(CAP);
	assert_non_null(out);
	assert_non_null(err);

	static const struct {
		const char *cmd;
		enum rule r;
	} cmds[] = { { "serve", R_SERVE }, { "greet", R_ANY }, { "load", R_LOAD } };
	for (size_t k = 0; k < sizeof cmds / sizeof cmds[0]; k++) {
		assert_int_equal(RUN(cmds[k].cmd), IPC_USAGE);
		if (lines_of(err) != 1)
			fail_msg("`ipclab %s` with no transport: one line, not:\n%s", cmds[k].cmd, err);
		names_exactly(cmds[k].cmd, err, "which transport?", "\n", cmds[k].r);
		assert_string_equal(out, "");
	}
	assert_int_equal(RUN("bench", "latency"), IPC_USAGE);
	assert_int_equal(lines_of(err), 1);
	names_exactly("bench latency", err, "which transport?", "\n", R_ANY);

	assert_int_equal(RUN("greet", "unix_streem", "x"), IPC_USAGE);
	assert_int_equal(lines_of(err), 1);
	assert_non_null(strstr(err, "did you mean unix_stream?"));
	names_exactly("greet unix_streem", err, "(", "\n", R_ANY);
	assert_int_equal(RUN("serve", "tpc"), IPC_USAGE);
	assert_non_null(strstr(err, "did you mean tcp?"));
	names_exactly("serve tpc", err, "serve takes", "\n", R_SERVE);
	assert_int_equal(RUN("demo", "unix"), IPC_USAGE);
	assert_non_null(strstr(err, "did you mean unix_stream or unix_dgram?"));
	assert_int_equal(RUN("greet", "carrier-pigeon", "x"), IPC_USAGE);
	assert_null(strstr(err, "did you mean"));
	free(out);
	free(err);
}

/* ---- man page, README ---------------------------------------------------- */

static void test_tables_match_registry(void **state)
{
	ENV;
	test_deadline(30, "one ipclab run: well under a second");
	char *out = malloc(CAP), *err = malloc(CAP);
	char *man = slurp_file("docs/ipclab.1.md"), *readme = slurp_file("README.md");
	assert_non_null(out);
	assert_non_null(err);

	assert_int_equal(RUN("list", "--table"), 0);
	for (size_t i = 0; ipc_transports[i]; i++) {
		char row[48];
		snprintf(row, sizeof row, "\n| `%s` |", ipc_transports[i]->name);
		assert_non_null(strstr(out, row));
	}
	int count = 0;
	while (ipc_transports[count])
		count++;
	assert_int_equal(lines_of(out), 2 + count); /* the header, its rule, a row each */
	if (!strstr(man, out))
		fail_msg("docs/ipclab.1.md's table of what each command takes differs from "
			 "`ipclab list --table`; paste its output:\n%s", out);
	if (!strstr(readme, out))
		fail_msg("README.md's table of what each command takes differs from "
			 "`ipclab list --table`; paste its output:\n%s", out);

	/* The man page's TRANSPORTS section defines each transport, and only them. */
	const char *s;
	size_t len;
	region("ipclab.1.md TRANSPORTS", man, "\n# TRANSPORTS\n", "\nWhat each command takes",
	       &s, &len);
	for (size_t i = 0; ipc_transports[i]; i++) {
		char def[48];
		snprintf(def, sizeof def, "\n**%s**\n:", ipc_transports[i]->name);
		if (!memmem(s, len, def, strlen(def)))
			fail_msg("docs/ipclab.1.md: TRANSPORTS has no entry **%s**",
				 ipc_transports[i]->name);
	}
	for (const char *p = s; (p = memmem(p, len - (size_t)(p - s), "\n**", 3)); p += 3) {
		char name[48];
		size_t n = strcspn(p + 3, "*\n");
		snprintf(name, sizeof name, "%.*s", (int)(n < 47 ? n : 47), p + 3);
		if (!ipc_transport_find(name))
			fail_msg("docs/ipclab.1.md: TRANSPORTS describes '%s', not in the registry",
				 name);
	}

	/* README.md's big table: one row per transport, and no other. */
	region("README.md transports", readme, "\n| transport | addressing |", "\n\n", &s, &len);
	int rows = 0;
	for (const char *p = s; (p = memmem(p, len - (size_t)(p - s), "\n| `", 4)); p += 4) {
		char name[48];
		size_t n = strcspn(p + 4, "`");
		snprintf(name, sizeof name, "%.*s", (int)(n < 47 ? n : 47), p + 4);
		if (!ipc_transport_find(name))
			fail_msg("README.md's transport table has '%s', not in the registry", name);
		rows++;
	}
	if (rows != count)
		fail_msg("README.md's transport table has %d rows; the registry %d transports",
			 rows, count);
	free(man);
	free(readme);
	free(out);
	free(err);
}

/* README.md's Layout names every directory that holds a transport, and
 * only those on its line of transport directories. */
static void test_layout_names_transport_dirs(void **state)
{
	ENV;
	test_deadline(30, "one grep over the sources");
	char *out = malloc(CAP), *err = malloc(CAP), *readme = slurp_file("README.md");
	const char *argv[] = { "/bin/sh", "-c",
			       "grep -l '^const struct ipc_transport [a-z_0-9]* = {' */*.c | "
			       "sed 's|/.*||' | sort -u", NULL };
	assert_non_null(out);
	assert_non_null(err);
	assert_int_equal(test_run_argv(env, NULL, out, CAP, err, CAP, argv), 0);
	const char *line = strstr(readme, "\npipe/ ");
	assert_non_null(line);
	line++;
	size_t len = strcspn(line, "\n");
	int dirs = 0;
	for (char *d = strtok(out, "\n"); d; d = strtok(NULL, "\n")) {
		char want[64];
		snprintf(want, sizeof want, "%s/", d);
		if (!has_word(line, len, d) || !memmem(line, len, want, strlen(want)))
			fail_msg("README.md's Layout does not name %s, which holds a transport", want);
		dirs++;
	}
	int listed = 0;
	for (size_t i = 0; i < len; i++)
		listed += line[i] == '/';
	if (listed != dirs)
		fail_msg("README.md's Layout names %d transport directories; %d hold one: %.*s",
			 listed, dirs, (int)len, line);
	free(readme);
	free(out);
	free(err);
}

/* "six" names the classic six as such, never the number of transports. */
static void check_six(const char *what, const char *text)
{
	for (const char *p = text; (p = strcasestr(p, "six")); p += 3) {
		if ((p > text && isalpha((unsigned char)p[-1])) || isalpha((unsigned char)p[3]))
			continue;
		if (p - text >= 8 && !strncasecmp(p - 8, "classic", 7) && isspace((unsigned char)p[-1]))
			continue;
		const char *from = p - text > 60 ? p - 60 : text;
		fail_msg("%s says \"six\" of something else than the classic six: ...%.*s...", what,
			 (int)(p - from + 20), from);
	}
}

static void test_six_means_the_classic_six(void **state)
{
	ENV;
	test_deadline(90, "twenty --help texts under ASan: 2 s on a quiet machine");
	char *out = malloc(CAP), *err = malloc(CAP);
	static const char *const files[] = { "README.md", "docs/ipclab.1.md", "docs/ARCHITECTURE.md",
					     "docs/BENCHMARKS.md", "docs/MULTIPLEXING.md",
					     "docs/NETLAB.md", "docs/NEW_TRANSPORTS.md",
					     "docs/PROTOCOL.md" };
	static const char *const helps[][2] = {
		{ "--help", NULL }, { "list", "--help" }, { "serve", "--help" },
		{ "greet", "--help" }, { "demo", "--help" }, { "load", "--help" },
		{ "drawback", "--help" }, { "bench", "--help" },
	};
	assert_non_null(out);
	assert_non_null(err);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *text = slurp_file(files[i]);
		check_six(files[i], text);
		free(text);
	}
	for (size_t i = 0; i < sizeof helps / sizeof helps[0]; i++) {
		assert_int_equal(helps[i][1] ? RUN(helps[i][0], helps[i][1]) : RUN(helps[i][0]), 0);
		check_six(helps[i][0], out);
	}
	/* Every bench subcommand `ipclab bench --help` lists: the first word
	 * of each line indented by exactly two spaces under "subcommands:". */
	char subs[32][32];
	size_t nsubs = 0;
	assert_int_equal(RUN("bench", "--help"), 0);
	const char *p = strstr(out, "\nsubcommands:\n");
	assert_non_null(p);
	for (p = strchr(p + 1, '\n') + 1; *p && *p != '\n' && nsubs < 32; p = strchr(p, '\n') + 1) {
		if (p[0] == ' ' && p[1] == ' ' && p[2] != ' ') {
			size_t len = strcspn(p + 2, " \n");
			snprintf(subs[nsubs++], sizeof subs[0], "%.*s", (int)(len < 31 ? len : 31), p + 2);
		}
		if (!strchr(p, '\n'))
			break;
	}
	assert_true(nsubs > 5);
	for (size_t i = 0; i < nsubs; i++) {
		assert_int_equal(RUN("bench", subs[i], "--help"), 0);
		check_six(subs[i], out);
	}
	free(out);
	free(err);
}

/* ---- bash completion ------------------------------------------------------- */

/* What the completion offers after `ipclab WORDS... <TAB>`, as " a b c ". */
static void complete(struct test_env *env, char *out, char *err, const char *words)
{
	const char *bin = getenv("IPCLAB_BIN") ? getenv("IPCLAB_BIN") : "bin/ipclab";
	char script[1024];
	snprintf(script, sizeof script,
		 "source completions/ipclab.bash; COMP_WORDS=(\"$1\" %s); "
		 "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _ipclab; echo \" ${COMPREPLY[*]} \"",
		 words);
	const char *argv[] = { "/bin/bash", "-c", script, "bash", bin, NULL };
	assert_int_equal(test_run_argv(env, NULL, out, CAP, err, CAP, argv), 0);
}

static void offers_exactly(struct test_env *env, char *out, char *err, const char *words,
			   enum rule r, bool plus_all)
{
	complete(env, out, err, words);
	names_exactly(words, out, " ", "\n", r);
	if (plus_all != (strstr(out, " all ") != NULL))
		fail_msg("completion after `ipclab %s`: `all` %s", words,
			 plus_all ? "missing" : "offered");
}

static void test_completion_per_command(void **state)
{
	ENV;
	test_deadline(120, "twenty bash runs, each asking ipclab under ASan: 4 s on a quiet machine");
	char *out = malloc(CAP), *err = malloc(CAP), want[64];
	test_deadline(30, "a bash completion, each asking ipclab, per command and per servable "
		      "transport: about 20 under ASan");
	assert_non_null(out);
	assert_non_null(err);

	offers_exactly(env, out, err, "serve ''", R_SERVE, false);
	offers_exactly(env, out, err, "load ''", R_LOAD, false);
	offers_exactly(env, out, err, "greet ''", R_ANY, false);
	offers_exactly(env, out, err, "demo ''", R_ANY, false);
	offers_exactly(env, out, err, "drawback ''", R_SERVE, false);
	offers_exactly(env, out, err, "bench connect ''", R_CONNECT, true);
	offers_exactly(env, out, err, "bench latency tcp ''", R_ANY, true);
	/* The modes of the transport named, and all of them without one. */
	for (size_t i = 0; ipc_transports[i]; i++) {
		const struct ipc_transport *t = ipc_transports[i];
		char words[96];
		if (!t->servable)
			continue;
		snprintf(words, sizeof words, "serve %s --mode ''", t->name);
		complete(env, out, err, words);
		for (int m = 0; m < mode_count(); m++) {
			snprintf(want, sizeof want, " %s ", serve_mode_name((enum serve_mode)m));
			if ((strstr(out, want) != NULL) != serves_in(t, m))
				fail_msg("completion after `ipclab %s` offers:%s", words, out);
		}
	}
	complete(env, out, err, "serve --mode ''");
	for (int m = 0; m < mode_count(); m++) {
		snprintf(want, sizeof want, " %s ", serve_mode_name((enum serve_mode)m));
		assert_non_null(strstr(out, want));
	}
	complete(env, out, err, "serve shm --wait ''");
	assert_string_equal(out, " block spin \n");
	complete(env, out, err, "bench latency shm --wait ''");
	assert_string_equal(out, " block spin \n");
	complete(env, out, err, "drawback --timeout ''");
	assert_string_equal(out, "  \n");
	/* After the transport, no second one. */
	complete(env, out, err, "serve tcp ''");
	assert_string_equal(out, "  \n");
	free(out);
	free(err);
}

/* ---- greet's stdin ---------------------------------------------------------- */

/* `greet` reads at most one name from stdin, whatever stdin is. */
static void test_greet_stdin_bounded(void **state)
{
	ENV;
	test_deadline(120, "up to 20 s for /dev/zero if unbounded, then six greetings under ASan");
	char *out = malloc(CAP), *err = malloc(CAP);
	const char *bin = getenv("IPCLAB_BIN") ? getenv("IPCLAB_BIN") : "bin/ipclab";
	assert_non_null(out);
	assert_non_null(err);

	/* /dev/zero never ends: 20 s would read gigabytes without a bound. */
	static const struct {
		const char *redirect, *says;
	} cases[] = {
		{ "</dev/zero", "longer than 255 bytes" },
		{ "</", "read stdin: Is a directory" },
		{ "<&-", "read stdin: Bad file descriptor" },
		{ "</dev/null", "stdin was empty" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char cmd[128];
		snprintf(cmd, sizeof cmd, "exec \"$0\" greet pipe %s", cases[i].redirect);
		const char *argv[] = { "/usr/bin/timeout", "-s", "KILL", "20", "/bin/sh", "-c", cmd,
				       bin, NULL };
		int rc = test_run_argv(env, NULL, out, CAP, err, CAP, argv);
		if (rc != IPC_USAGE || !strstr(err, cases[i].says) || lines_of(err) != 1)
			fail_msg("greet pipe %s: exit %d, \"%s\" (wanted 2 and \"%s\")",
				 cases[i].redirect, rc, err, cases[i].says);
		assert_string_equal(out, "");
	}
	/* The longest name passes; one byte more does not; the rest of stdin
	 * after the line is left unread. */
	char name[GREET_NAME_MAX + 3];
	memset(name, 'a', GREET_NAME_MAX);
	memcpy(name + GREET_NAME_MAX, "\n", 2);
	assert_int_equal(run(env, name, out, err, "greet", "pipe", NULL), 0);
	assert_int_equal(strlen(out), strlen("Hello, \n") + GREET_NAME_MAX);
	memcpy(name + GREET_NAME_MAX, "a\n", 3);
	assert_int_equal(run(env, name, out, err, "greet", "pipe", NULL), IPC_USAGE);
	assert_non_null(strstr(err, "longer than 255 bytes"));
	const char *argv[] = { "/bin/sh", "-c", "printf 'Al\\r\\nBo\\n' | { \"$0\" greet pipe; cat; }",
			       bin, NULL };
	assert_int_equal(test_run_argv(env, NULL, out, CAP, err, CAP, argv), 0);
	assert_string_equal(out, "Hello, Al\nBo\n");
	free(out);
	free(err);
}

/* ---- renamed options ------------------------------------------------------ */

static void test_one_meaning_per_option(void **state)
{
	ENV;
	test_deadline(90, "two drawback demonstrations and two 20 ms pauses runs under ASan: 3 s on a quiet machine");
	char *out = malloc(CAP), *err = malloc(CAP);
	assert_non_null(out);
	assert_non_null(err);

	/* drawback: --timeout MS; the old --wait MS still works, block|spin
	 * there is explained. */
	assert_int_equal(RUN("drawback", "unix_stream", "--mode", "epoll", "--timeout", "2000"), 0);
	assert_int_equal(RUN("drawback", "unix_stream", "--mode", "epoll", "--wait", "2000"), 0);
	assert_int_equal(RUN("drawback", "--wait", "spin"), IPC_USAGE);
	assert_non_null(strstr(err, "--timeout MS"));
	assert_int_equal(RUN("drawback", "--help"), 0);
	assert_non_null(strstr(out, "--timeout MS"));
	assert_null(strstr(out, "[--wait"));
	/* pauses: --duration MS; --count MS still taken. */
	assert_int_equal(RUN("bench", "pauses", "--duration", "20", "--format", "csv"), 0);
	assert_int_equal(RUN("bench", "pauses", "--count", "20", "--format", "csv"), 0);
	assert_int_equal(RUN("bench", "pauses", "--duration", "0"), IPC_USAGE);
	assert_int_equal(RUN("bench", "pauses", "--help"), 0);
	assert_non_null(strstr(out, "[--duration MS]"));
	/* --wait is block|spin wherever it is shown in a usage line. */
	static const char *const with_wait[][2] = { { "serve", NULL }, { "greet", NULL },
						    { "bench", "latency" },
						    { "bench", "throughput" } };
	for (size_t i = 0; i < sizeof with_wait / sizeof with_wait[0]; i++) {
		int rc = with_wait[i][1] ? RUN(with_wait[i][0], with_wait[i][1], "--help")
					 : RUN(with_wait[i][0], "--help");
		assert_int_equal(rc, 0);
		assert_non_null(strstr(out, "--wait block|spin"));
	}
	free(out);
	free(err);
}

/* ---- advice ------------------------------------------------------------------ */

/* A high spread on a pinned run does not advise pinning. */
static void test_spread_advice_fits_the_run(void **state)
{
	(void)state;
	for (int pinned = 0; pinned < 2; pinned++) {
		struct bench_opts o = { .pin = { pinned ? 0 : -1, pinned ? 1 : -1 } };
		struct bench_result r;
		struct ipc_error e;
		uint64_t ns[100];
		double us[100];
		char *text = NULL;
		size_t len = 0;
		for (int i = 0; i < 100; i++)
			ns[i] = i < 90 ? 10000 : 500000; /* p99 fifty times p50 */
		o.warn = open_memstream(&text, &len);
		assert_non_null(o.warn);
		bench_result_init(&r, &o, "latency");
		assert_int_equal(bench_finish_latency(&r, &o, ns, us, 100, &e), 0);
		fclose(o.warn);
		assert_non_null(strstr(r.note, "HIGH-SPREAD"));
		if (pinned && strstr(text, "pin the processes"))
			fail_msg("a pinned run is told to pin: %s", text);
		if (!pinned && !strstr(text, "--pin A,B"))
			fail_msg("an unpinned run is not told how to pin: %s", text);
		free(text);
	}
}

/* bench plot on a directory that does not exist says so. */
static void test_plot_names_a_missing_directory(void **state)
{
	ENV;
	test_deadline(30, "one bash script that stops at once");
	char *out = malloc(CAP), *err = malloc(CAP);
	assert_non_null(out);
	assert_non_null(err);
	const char *argv[] = { "/bin/bash", "bench/plot.sh", "/nonexistent/run", NULL };
	assert_int_equal(test_run_argv(env, NULL, out, CAP, err, CAP, argv), 1);
	assert_non_null(strstr(err, "/nonexistent/run: no such directory"));
	assert_null(strstr(err, "bench report"));
	free(out);
	free(err);
}

/* load prints no "unknown" mode and a measured cpu_us/op. */
static void test_load_row_says_what_it_knows(void **state)
{
	ENV;
	test_deadline(60, "a server and 400 greetings under ASan: 1 s on a quiet machine");
	char *out = malloc(CAP), *err = malloc(CAP);
	struct test_bg bg;
	const char *args[] = { "unix_stream", "--mode", "epoll", NULL };
	assert_non_null(out);
	assert_non_null(err);
	test_bg_start(env, &bg, args, 0);
	assert_int_equal(RUN("load", "unix_stream", "--address", bg.addr, "--clients", "2",
			     "--requests", "200", "--format", "csv"), 0);
	char rest[4096];
	assert_int_equal(test_bg_stop(&bg, rest, sizeof rest), 0);
	/* The header, then the row: find cpu_us_per_op and mode by name. */
	const char *head = strstr(out, "kind,");
	assert_non_null(head);
	const char *row = strchr(head, '\n') + 1;
	assert_null(strstr(row, "unknown"));
	int col = 0, cpu_col = -1, mode_col = -1;
	for (const char *p = head; *p != '\n'; col++) {
		size_t n = strcspn(p, ",\n");
		if (n == strlen("cpu_us_per_op") && !strncmp(p, "cpu_us_per_op", n))
			cpu_col = col;
		if (n == 4 && !strncmp(p, "mode", 4))
			mode_col = col;
		p += n + (p[n] == ',');
	}
	assert_true(cpu_col >= 0 && mode_col >= 0);
	const char *p = row;
	for (col = 0; col < cpu_col; col++)
		p = strchr(p, ',') + 1;
	assert_true(strtod(p, NULL) > 0);
	p = row;
	for (col = 0; col < mode_col; col++)
		p = strchr(p, ',') + 1;
	assert_int_equal(*p, ','); /* the mode left empty, not "unknown" */
	assert_non_null(strstr(row, "cpu=clients"));
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_help_lists_from_registry, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_commands_take_what_they_list, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_missing_or_misspelt_transport, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_tables_match_registry, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_layout_names_transport_dirs, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_six_means_the_classic_six, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_completion_per_command, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_greet_stdin_bounded, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_one_meaning_per_option, test_env_setup,
						test_env_teardown),
		cmocka_unit_test(test_spread_advice_fits_the_run),
		cmocka_unit_test_setup_teardown(test_plot_names_a_missing_directory, test_env_setup,
						test_env_teardown),
		cmocka_unit_test_setup_teardown(test_load_row_says_what_it_knows, test_env_setup,
						test_env_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
