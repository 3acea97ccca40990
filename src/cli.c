/* cli.c - what every command shares: options, tracing, listen, one greeting. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "rundir.h"
#include "server.h"
#include "steps.h"

/* --trace: one line per system call step, on stderr so stdout stays clean:
 *
 *   [server 4712] unix_stream  6 accept4   fd 3 -> fd 5 (...)
 *   [client 4711] unix_stream    connect   fd 3 to /run/user/1000/ipclab/...
 *
 * The process and its role come first; a server's step carries the number
 * the transport gave it (its step table, steps.h), a client's call none:
 * recv() and send() are the same functions on both sides, and pass the
 * server's number, which only the server's lines show. */
static void trace_to_stderr(void *arg, const char *transport, int step, const char *call,
			    const char *detail)
{
	struct cli_trace *t = arg;
	pid_t pid = getpid();
	const char *role = pid == t->role_pid ? t->role : t->child_role;
	char tag[48];

	snprintf(tag, sizeof tag, "[%s %d]", role, (int)pid);
	/* Numbered: the server's steps, and the fork() of a pipe's server,
	 * which the parent makes (its step 2); not the parent's closing of its
	 * copies of the server's descriptors. */
	if (step != IPC_NO_STEP && (!strcmp(role, "server") || !strcmp(call, "fork")))
		fprintf(stderr, "%s %-11s %2d %-9s %s\n", tag, transport, step, call, detail);
	else
		fprintf(stderr, "%s %-11s    %-9s %s\n", tag, transport, call, detail);
}

void cli_trace_role(struct cli *cli, const char *role, const char *child_role)
{
	cli->trace.role = role;
	cli->trace.child_role = child_role;
	cli->trace.role_pid = getpid();
}

void cli_trace_forking(struct cli *cli, const struct ipc_transport *t)
{
	cli_trace_role(cli, "parent", "server");
	/* A step of the pipe's and the socket pair's (their step 2), none of
	 * the named transports'. */
	ipc_step(&cli->ctx, t->name, ipc_step_number(t, "fork"), "fork",
		 "a child to serve; no exec: it runs this same program from here, with copies "
		 "of every descriptor");
}

void cli_trace_reaped(struct cli *cli, const struct ipc_transport *t, pid_t pid, int status)
{
	cli_trace_role(cli, "parent", "server");
	if (status >= 0)
		ipc_step(&cli->ctx, t->name, IPC_NO_STEP, "waitpid", "child %d exited with status %d",
			 (int)pid, status);
	else
		ipc_step(&cli->ctx, t->name, IPC_NO_STEP, "waitpid", "child %d: failed or killed",
			 (int)pid);
}

int cli_parse_number(const char *cmd, const char *opt, const char *text, unsigned long min,
		     unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || *end || end == text || text[0] == '-' || v < min || v > max) {
		fprintf(stderr, "ipclab %s: %s wants a whole number from %lu to %lu, not '%s'\n",
			cmd, opt, min, max, text);
		return -1;
	}
	*out = (unsigned long)v;
	return 0;
}

/* The same for an int option (INT_MAX at most). */
static int parse_int(const char *cmd, const char *opt, const char *text, unsigned long min,
		     int *out)
{
	unsigned long v;
	if (cli_parse_number(cmd, opt, text, min, INT_MAX, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

int cli_bad_option(const char *cmd, int ch, char **argv)
{
	if (ch == ':')
		fprintf(stderr, "ipclab %s: %s needs a value\n", cmd, argv[optind - 1]);
	else
		fprintf(stderr, "ipclab %s: unknown option '%s'; see `ipclab %s --help`\n", cmd,
			argv[optind - 1], cmd);
	return -1;
}

int cli_parse(struct cli *cli, int allowed, int argc, char **argv, struct cli_opts *o)
{
	enum { LONG_TRACE = 256, LONG_IDLE, LONG_MODE, LONG_MAX_CLIENTS, LONG_WAIT };
	static const struct option longs[] = {
		{ "address", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 't' },
		{ "name", required_argument, NULL, 'n' },
		{ "idle-timeout", required_argument, NULL, LONG_IDLE },
		{ "mode", required_argument, NULL, LONG_MODE },
		{ "max-clients", required_argument, NULL, LONG_MAX_CLIENTS },
		{ "trace", no_argument, NULL, LONG_TRACE },
		{ "wait", required_argument, NULL, LONG_WAIT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	int ch;

	memset(o, 0, sizeof *o);
	o->idle_timeout_ms = SERVE_IDLE_TIMEOUT_MS;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":a:t:n:h", longs, NULL)) != -1) {
		int need = ch == 'a' ? OPT_ADDRESS : ch == 'n' ? OPT_NAME : ch == LONG_IDLE ? OPT_IDLE
			 : ch == LONG_MODE ? OPT_MODE : ch == LONG_MAX_CLIENTS ? OPT_MAX_CLIENTS
			 : ch == LONG_WAIT ? OPT_WAIT : 0;
		if (need && !(allowed & need)) {
			fprintf(stderr, "ipclab %s: %s does not apply here; see `ipclab %s --help`\n",
				cmd, argv[optind - 1], cmd);
			return -1;
		}
		switch (ch) {
		case 'a':
			o->address = optarg;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 't':
			/* 0 would mean "give up before the server could answer":
			 * every greeting would fail with a timeout, so it is
			 * refused as a usage error instead. */
			if (parse_int(cmd, "--timeout", optarg, 1, &cli->ctx.timeout_ms) < 0)
				return -1;
			break;
		case LONG_IDLE:
			if (parse_int(cmd, "--idle-timeout", optarg, 0, &o->idle_timeout_ms) < 0)
				return -1;
			break;
		case LONG_MODE:
			if (serve_mode_parse(optarg, &o->mode) < 0) {
				char modes[256];
				cli_modes(NULL, ", ", modes, sizeof modes);
				char *last = strrchr(modes, ',');
				if (last) { /* "a, b, c" -> "a, b or c" */
					memmove(last + 3, last + 1, strlen(last + 1) + 1);
					memcpy(last, " or", 3);
				}
				fprintf(stderr, "ipclab %s: --mode wants %s, not '%s'\n", cmd, modes,
					optarg);
				return -1;
			}
			o->mode_given = true;
			break;
		case LONG_MAX_CLIENTS:
			if (parse_int(cmd, "--max-clients", optarg, 1, &o->max_clients) < 0)
				return -1;
			break;
		case LONG_TRACE:
			cli->ctx.trace = trace_to_stderr;
			cli->ctx.trace_arg = &cli->trace;
			cli_trace_role(cli, strcmp(cmd, "serve") ? "client" : "server", "child");
			break;
		case LONG_WAIT:
			if (!strcmp(optarg, "block")) {
				cli->ctx.wait = IPC_WAIT_BLOCK;
			} else if (!strcmp(optarg, "spin")) {
				cli->ctx.wait = IPC_WAIT_SPIN;
			} else {
				fprintf(stderr, "ipclab %s: --wait wants block or spin, not '%s'\n",
					cmd, optarg);
				return -1;
			}
			break;
		case 'h':
			o->help = true;
			break;
		default:
			return cli_bad_option(cmd, ch, argv);
		}
	}
	return optind;
}

int cli_listen(struct cli *cli, const struct ipc_transport *t, const char *address,
	       struct ipc_server *s, struct ipc_error *e)
{
	if (rundir_ensure(cli->ctx.rundir, e) < 0)
		return -1;
	ipc_server_init(s, t, &cli->ctx);
	return t->listen(s, address, e);
}

/* Connect to `addr`, greet once, close: the client's side of every greet. */
static int greet_at(struct cli *cli, const struct ipc_transport *t, const struct ipc_addr *addr,
		    const char *address, const char *name, size_t len, char *reply, size_t cap,
		    struct ipc_error *e)
{
	struct ipc_conn c;
	size_t reply_len = 0;

	ipc_conn_init(&c, t, &cli->ctx);
	int status = t->connect(&c, addr, e);
	if (status == 0) {
		status = conn_greet(&c, name, len, reply, cap - 1, &reply_len, e);
		reply[reply_len] = '\0';
		t->close(&c);
	} else if (e->status == IPC_NO_SERVER && !strstr(e->msg, "ipclab serve")) {
		ipc_hint(e, "start one with `ipclab serve %s%s%s`", t->name,
			 address ? " --address " : "", address ? address : "");
	}
	return status;
}

int cli_greet_own_server(struct cli *cli, const struct ipc_transport *t, const char *name,
			 size_t len, char *reply, size_t cap, struct ipc_error *e)
{
	struct ipc_server s;
	struct server_child child;
	struct serve_opts o = { .stop_fd = -1, .idle_timeout_ms = SERVE_IDLE_TIMEOUT_MS,
				.log = stderr };

	/* Spawn: the endpoint is made here, so that an error shows at once,
	 * and is the server's; then a child serves it. */
	cli_trace_role(cli, "server", "server");
	if (cli_listen(cli, t, NULL, &s, e) < 0)
		return -1;
	cli_trace_forking(cli, t);
	if (server_spawn(&s, &o, &child, e) < 0) {
		t->shutdown(&s, true);
		return -1;
	}
	/* Greet: this process is the client now. */
	cli_trace_role(cli, "client", "server");
	int status = greet_at(cli, t, &s.addr, NULL, name, len, reply, cap, e);
	/* Stop: a failure of the server counts only if the greeting worked. */
	struct ipc_error se;
	int rc = server_stop(&child, &se);
	cli_trace_reaped(cli, t, child.pid, rc);
	if (rc != 0 && status >= 0) {
		*e = se;
		if (rc > 0)
			ipc_fail(e, rc, 0, "the forked %s server exited with status %d", t->name, rc);
		return -1;
	}
	return status;
}

int cli_greet_once(struct cli *cli, const struct ipc_transport *t, const char *address,
		   const char *name, size_t len, char *reply, size_t cap, struct ipc_error *e)
{
	struct ipc_addr addr = { .pipe_fd = { -1, -1 } };

	if (rundir_ensure(cli->ctx.rundir, e) < 0)
		return -1;
	/* A pipe joins related processes only: fork our own server. */
	if (!t->servable)
		return cli_greet_own_server(cli, t, name, len, reply, cap, e);
	if (address) {
		if (snprintf(addr.text, sizeof addr.text, "%s", address) >= (int)sizeof addr.text)
			return ipc_fail(e, IPC_USAGE, 0, "address too long (max %zu bytes)",
					sizeof addr.text - 1);
	} else {
		t->default_address(&cli->ctx, addr.text, sizeof addr.text);
	}
	return greet_at(cli, t, &addr, address, name, len, reply, cap, e);
}

int cli_report(const struct ipc_error *e)
{
	fprintf(stderr, "ipclab: %s\n", e->msg);
	return e->status ? e->status : IPC_SYSTEM;
}

const struct ipc_transport *cli_transport(const char *name)
{
	return cli_transport_for(NULL, CLI_USE_ANY, name);
}

static const char list_usage[] =
	"usage: ipclab list [--for COMMAND | --modes [TRANSPORT] | --table]\n"
	"One line for each transport: name, kind, summary.\n"
	"\n"
	"  --for COMMAND     only the names COMMAND takes, one a line: serve, load,\n"
	"                    drawback, connect (bench connect), spin (--wait spin),\n"
	"                    greet, demo, latency, throughput (the bash completion\n"
	"                    asks this)\n"
	"  --modes [T]       the server modes, one a line: those `serve T --mode`\n"
	"                    takes, or all of them ({modes})\n"
	"  --table           what each command takes, per transport, as a Markdown table\n";

int cmd_list(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		cli_help(stdout, list_usage);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--table")) {
		cli_list_table(stdout);
		return ferror(stdout) || fflush(stdout) ? IPC_SYSTEM : 0;
	}
	if ((argc == 2 || argc == 3) && !strcmp(argv[1], "--modes")) {
		const struct ipc_transport *t = argc == 3 ? cli_transport_for("list", CLI_USE_ANY,
									     argv[2]) : NULL;
		char modes[256];
		if (argc == 3 && !t)
			return IPC_USAGE;
		if (cli_modes(t, "\n", modes, sizeof modes))
			puts(modes);
		return ferror(stdout) || fflush(stdout) ? IPC_SYSTEM : 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "--for")) {
		enum cli_use use;
		if (argc != 3 || cli_use_parse(argv[2], &use) < 0) {
			fprintf(stderr, "ipclab list: --for wants a command: serve, load, drawback, "
					"connect, spin, greet, demo, latency or throughput%s%s%s\n",
				argc == 3 ? ", not '" : "", argc == 3 ? argv[2] : "",
				argc == 3 ? "'" : "");
			return IPC_USAGE;
		}
		char names[1024];
		if (cli_names(use, "\n", names, sizeof names))
			puts(names);
		return ferror(stdout) || fflush(stdout) ? IPC_SYSTEM : 0;
	}
	if (argc > 1) {
		fprintf(stderr, "ipclab list: unknown option '%s'; see `ipclab list --help`\n",
			argv[1]);
		return IPC_USAGE;
	}
	for (size_t i = 0; ipc_transports[i]; i++) {
		const struct ipc_transport *t = ipc_transports[i];
		printf("%-12s %-9s %s\n", t->name, t->kind == IPC_STREAM ? "stream" : "datagram",
		       t->summary);
	}
	return 0;
}
