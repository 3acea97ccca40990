/*
 * cli_lists.c - what each command takes, read from the registry.
 *
 * Every list of transports or server modes a user reads (the --help texts,
 * `ipclab list --for CMD` that the bash completion calls, the table in the
 * man page and README.md) is made here from the properties of each
 * `struct ipc_transport` and from serve_mode_check(), so that a transport
 * or a mode added to the registry shows up everywhere at once.  The
 * commands refuse a transport with the same predicate they list it by.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const use_names[] = {
	[CLI_USE_ANY] = "any",         [CLI_USE_SERVE] = "serve",
	[CLI_USE_LOAD] = "load",       [CLI_USE_DRAWBACK] = "drawback",
	[CLI_USE_CONNECT] = "connect", [CLI_USE_SPIN] = "spin",
	[CLI_USE_PATH] = "paths",      [CLI_USE_PORT] = "ports",
	[CLI_USE_MQ] = "mqnames",      [CLI_USE_DGRAM] = "datagram",
	[CLI_USE_INHERITED] = "inherited",
};
_Static_assert(sizeof use_names / sizeof use_names[0] == CLI_USE_COUNT, "use_names");

bool cli_takes(enum cli_use use, const struct ipc_transport *t)
{
	switch (use) {
	case CLI_USE_ANY:
		return true;
	case CLI_USE_SERVE:
	case CLI_USE_DRAWBACK: /* a datagram server shows it holds nothing */
		return t->servable;
	case CLI_USE_LOAD:
	case CLI_USE_CONNECT: /* a connection per client to open and time */
		return t->servable && t->kind == IPC_STREAM;
	case CLI_USE_SPIN:
		return t->can_spin;
	case CLI_USE_PATH:
		return t->servable && t->addressing == IPC_ADDR_PATH;
	case CLI_USE_PORT:
		return t->servable && t->addressing == IPC_ADDR_PORT;
	case CLI_USE_MQ:
		return t->servable && t->addressing == IPC_ADDR_MQ_NAME;
	case CLI_USE_DGRAM:
		return t->kind == IPC_DATAGRAM;
	case CLI_USE_INHERITED:
		return !t->servable;
	case CLI_USE_COUNT:
		break;
	}
	return false;
}

const char *cli_use_name(enum cli_use use)
{
	return (unsigned)use < CLI_USE_COUNT ? use_names[use] : "?";
}

int cli_use_parse(const char *name, enum cli_use *use)
{
	for (int u = 0; u < CLI_USE_COUNT; u++) {
		if (!strcmp(name, use_names[u])) {
			*use = (enum cli_use)u;
			return 0;
		}
	}
	/* The commands that take a transport, by their own names. */
	if (!strcmp(name, "greet") || !strcmp(name, "demo") || !strcmp(name, "latency") ||
	    !strcmp(name, "throughput")) {
		*use = CLI_USE_ANY;
		return 0;
	}
	return -1;
}

/* Append text to buf (always NUL-terminated, cut at cap). */
static void append(char *buf, size_t cap, size_t *len, const char *text)
{
	size_t n = strlen(text);
	if (*len + 1 >= cap)
		return;
	if (n > cap - 1 - *len)
		n = cap - 1 - *len;
	memcpy(buf + *len, text, n);
	*len += n;
	buf[*len] = '\0';
}

size_t cli_names(enum cli_use use, const char *sep, char *buf, size_t cap)
{
	size_t len = 0, n = 0;
	if (cap)
		buf[0] = '\0';
	for (size_t i = 0; ipc_transports[i]; i++) {
		if (!cli_takes(use, ipc_transports[i]))
			continue;
		if (n++)
			append(buf, cap, &len, sep);
		append(buf, cap, &len, ipc_transports[i]->name);
	}
	return n;
}

bool cli_serves_in(const struct ipc_transport *t, enum serve_mode mode)
{
	struct ipc_error e;
	return t->servable && serve_mode_check(t, mode, &e) == 0;
}

/* The modes serve_mode_name() knows, in order: it answers "?" past the last. */
static bool mode_exists(int m)
{
	return strcmp(serve_mode_name((enum serve_mode)m), "?") != 0;
}

size_t cli_modes(const struct ipc_transport *t, const char *sep, char *buf, size_t cap)
{
	size_t len = 0, n = 0;
	if (cap)
		buf[0] = '\0';
	for (int m = 0; mode_exists(m); m++) {
		if (t && !cli_serves_in(t, (enum serve_mode)m))
			continue;
		if (n++)
			append(buf, cap, &len, sep);
		append(buf, cap, &len, serve_mode_name((enum serve_mode)m));
	}
	return n;
}

/* ---- "did you mean" ------------------------------------------------------ */

/* Edits (insert, delete, replace, swap two neighbours) from a to b. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return 99;
	size_t d[65][65];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = d[i - 1][j - 1] + cost;
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

size_t cli_did_you_mean(const char *typed, enum cli_use use, char *buf, size_t cap)
{
	size_t best = 3, len = 0, n = 0, typed_len = strlen(typed);
	if (cap)
		buf[0] = '\0';
	/* The closest names within two edits; else the names it begins. */
	for (size_t i = 0; ipc_transports[i]; i++) {
		size_t d = distance(typed, ipc_transports[i]->name);
		if (cli_takes(use, ipc_transports[i]) && d < best)
			best = d;
	}
	for (size_t i = 0; ipc_transports[i]; i++) {
		const struct ipc_transport *t = ipc_transports[i];
		if (!cli_takes(use, t))
			continue;
		bool near = best < 3 ? distance(typed, t->name) == best
				     : typed_len >= 2 && !strncmp(typed, t->name, typed_len);
		if (!near)
			continue;
		if (n++)
			append(buf, cap, &len, " or ");
		append(buf, cap, &len, t->name);
	}
	return n;
}

const struct ipc_transport *cli_transport_for(const char *cmd, enum cli_use use, const char *name)
{
	const struct ipc_transport *t = ipc_transport_find(name);
	if (t)
		return t;
	char near[256], names[512];
	cli_names(use, ", ", names, sizeof names);
	fprintf(stderr, "ipclab%s%s: unknown transport '%s'", cmd ? " " : "", cmd ? cmd : "",
		name);
	if (cli_did_you_mean(name, use, near, sizeof near))
		fprintf(stderr, "; did you mean %s?", near);
	fprintf(stderr, " (%s%s: %s; `ipclab list` describes them)\n", cmd ? cmd : "one of",
		cmd ? " takes" : "", names);
	return NULL;
}

int cli_missing_transport(const char *cmd, enum cli_use use)
{
	char names[512];
	cli_names(use, ", ", names, sizeof names);
	fprintf(stderr, "ipclab %s: which transport? one of: %s (`ipclab %s --help`)\n", cmd,
		names, cmd);
	return IPC_USAGE;
}

/* ---- help texts ---------------------------------------------------------- */

/* One servable transport a line: its name and the modes it takes. */
static void mode_table(char *buf, size_t cap, size_t *len, const char *indent)
{
	char modes[256], line[400];
	size_t n = 0;
	for (size_t i = 0; ipc_transports[i]; i++) {
		const struct ipc_transport *t = ipc_transports[i];
		if (!t->servable)
			continue;
		cli_modes(t, " ", modes, sizeof modes);
		snprintf(line, sizeof line, "%s%-12s %s\n", n++ ? indent : "", t->name, modes);
		append(buf, cap, len, line);
	}
	/* The last line's newline is the template's own. */
	if (*len && buf[*len - 1] == '\n')
		buf[--*len] = '\0';
}

/* "unix_dgram 65536, udp 65507": the largest payload of each datagram transport. */
static void dgram_limits(char *buf, size_t cap, size_t *len)
{
	char one[64];
	size_t n = 0;
	for (size_t i = 0; ipc_transports[i]; i++) {
		const struct ipc_transport *t = ipc_transports[i];
		if (t->kind != IPC_DATAGRAM)
			continue;
		snprintf(one, sizeof one, "%s%s %zu", n++ ? ", " : "", t->name, t->max_message);
		append(buf, cap, len, one);
	}
}

/* Expand one {key} at the start of *p into buf; false if it is not one. */
static bool expand(const char **p, char *buf, size_t cap, size_t *len, const char *indent)
{
	const char *end = strchr(*p, '}');
	char key[32], list[1024];
	enum cli_use use;
	if (!end || (size_t)(end - *p) >= sizeof key)
		return false;
	memcpy(key, *p + 1, (size_t)(end - *p - 1));
	key[end - *p - 1] = '\0';
	if (!strcmp(key, "modes"))
		cli_modes(NULL, ", ", list, sizeof list);
	else if (!strcmp(key, "modes|"))
		cli_modes(NULL, "|", list, sizeof list);
	else if (!strcmp(key, "mode-table"))
		list[0] = '\0', mode_table(buf, cap, len, indent);
	else if (!strcmp(key, "dgram-limits"))
		list[0] = '\0', dgram_limits(buf, cap, len);
	else if (cli_use_parse(key, &use) == 0)
		cli_names(use, ", ", list, sizeof list);
	else
		return false;
	append(buf, cap, len, list);
	*p = end + 1;
	return true;
}

/* Where a wrapped line goes on: under the text of an option line
 * ("  --mode M    text"), else under the line's first character. */
static size_t continuation(const char *line)
{
	size_t lead = strspn(line, " ");
	if (lead > 0) {
		const char *gap = strstr(line + lead, "  ");
		if (gap && gap - line < 30 && gap[strspn(gap, " ")] != '\0')
			return (size_t)(gap - line) + strspn(gap, " ");
	}
	return lead;
}

#define HELP_WIDTH 79

static void put_wrapped(FILE *f, const char *line)
{
	size_t indent = continuation(line), len = strlen(line), col0 = 0;
	const char *p = line;
	while (len - (size_t)(p - line) + col0 > HELP_WIDTH) {
		size_t room = HELP_WIDTH - col0, cut = 0;
		for (size_t i = room; i > 0; i--)
			if (p[i] == ' ') {
				cut = i;
				break;
			}
		if (cut == 0 || (p == line && cut <= indent))
			break; /* one long word: leave it long */
		fprintf(f, "%.*s\n%*s", (int)cut, p, (int)indent, "");
		p += cut + 1;
		col0 = indent;
	}
	fputs(p, f);
}

void cli_help(FILE *f, const char *text)
{
	char buf[4096];
	const char *p = text;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p), len = 0;
		char indent[64];
		size_t lead = strspn(p, " ");
		snprintf(indent, sizeof indent, "%*s", (int)(lead < 60 ? lead : 60), "");
		buf[0] = '\0';
		bool expanded = false;
		for (const char *q = p; q < p + n;) {
			if (*q == '{' && expand(&q, buf, sizeof buf, &len, indent)) {
				expanded = true;
				continue;
			}
			char c[2] = { *q++, '\0' };
			append(buf, sizeof buf, &len, c);
		}
		/* Only a line that grew is wrapped: the others are as written. */
		if (expanded && !strchr(buf, '\n'))
			put_wrapped(f, buf);
		else
			fputs(buf, f);
		if (eol)
			fputc('\n', f);
		p += n + (eol != NULL);
	}
}

/* ---- ipclab list --------------------------------------------------------- */

/* The table of what each command takes, as Markdown (README.md and the man
 * page carry it; a test compares them with this output). */
void cli_list_table(FILE *f)
{
	char modes[256];
	fputs("| transport | kind | address | serve --mode | load | bench connect | --wait spin |\n"
	      "|---|---|---|---|---|---|---|\n", f);
	for (size_t i = 0; ipc_transports[i]; i++) {
		const struct ipc_transport *t = ipc_transports[i];
		static const char *const addressing[] = {
			[IPC_ADDR_PATH] = "a path", [IPC_ADDR_INHERITED] = "none (inherited)",
			[IPC_ADDR_PORT] = "HOST:PORT", [IPC_ADDR_MQ_NAME] = "a queue name",
		};
		const char *addr = (unsigned)t->addressing < sizeof addressing / sizeof addressing[0]
					   ? addressing[t->addressing] : "?";
		if (t->servable)
			cli_modes(t, ", ", modes, sizeof modes);
		else
			snprintf(modes, sizeof modes, "no server: `greet` forks one");
		fprintf(f, "| `%s` | %s | %s | %s | %s | %s | %s |\n", t->name,
			t->kind == IPC_STREAM ? "stream" : "datagram", addr, modes,
			cli_takes(CLI_USE_LOAD, t) ? "yes" : "no",
			cli_takes(CLI_USE_CONNECT, t) ? "yes" : "no",
			cli_takes(CLI_USE_SPIN, t) ? "yes" : "no");
	}
}
