/* cli.c - what every command shares: options, tracing, listen, one greeting. */
#include "cli.h"

#include <ctype.h>
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
 * The process and its role come first; a server's step carries its number
 * in the transport's sequence (src/steps.c), the client's calls none. */
static int first_fd(const char *detail)
{
	const char *p = detail ? strstr(detail, "fd ") : NULL;
	return p && isdigit((unsigned char)p[3]) ? atoi(p + 3) : -1;
}

static bool is_endpoint(const struct cli_trace *t, int fd)
{
	for (int i = 0; i < t->n_endpoint; i++)
		if (t->endpoint[i] == fd)
			return true;
	return false;
}

/* The server's own descriptors: its socket, or the two it opens on its
 * well-known FIFO.  A close of one of them is a different step from the
 * close of a client's connection. */
static void note_endpoint(struct cli_trace *t, const char *call, const char *detail)
{
	const char *arrow = strstr(detail, "-> fd ");
	if (!arrow || (size_t)t->n_endpoint >= sizeof t->endpoint / sizeof t->endpoint[0])
		return;
	if (strcmp(call, "socket") == 0 || (strcmp(call, "open") == 0 && strstr(detail, "fifo.server")))
		t->endpoint[t->n_endpoint++] = atoi(arrow + 6);
}

static void trace_to_stderr(void *arg, const char *transport, const char *call,
			    const char *detail)
{
	struct cli_trace *t = arg;
	pid_t pid = getpid();
	const char *role = pid == t->role_pid ? t->role : t->child_role;
	const struct trace_step *s = NULL;
	const char *shown = call;
	char tag[48];

	snprintf(tag, sizeof tag, "[%s %d]", role, (int)pid);
	/* Numbered: the server's steps, and the parent's fork() of a pipe's
	 * server (its step 2); not the parent's closing of its copies. */
	if (strcmp(role, "server") == 0 || (strcmp(role, "parent") == 0 && !strcmp(call, "fork"))) {
		note_endpoint(t, call, detail);
		s = trace_step_find(transport, call, detail, is_endpoint(t, first_fd(detail)));
		const struct trace_step *silent = s ? trace_step_silent(transport, s->number) : NULL;
		if (silent) {
			const char *to = strstr(detail, " to ");
			fprintf(stderr, "%s %-11s %2d %-9s sockaddr_un.sun_path = %s: no system call\n",
				tag, transport, silent->number, silent->call, to ? to + 4 : "?");
		}
	}
	/* A pipe or a socket pair is never connected or accepted: its ends
	 * are inherited. */
	const struct ipc_transport *it = ipc_transport_find(transport);
	if (it && it->addressing == IPC_ADDR_INHERITED &&
	    (!strcmp(call, "connect") || !strcmp(call, "accept")))
		shown = "inherit";
	else if (s && s->shown)
		shown = s->shown;
	if (s)
		fprintf(stderr, "%s %-11s %2d %-9s %s\n", tag, transport, s->number, shown, detail);
	else
		fprintf(stderr, "%s %-11s    %-9s %s\n", tag, transport, shown, detail);
}

void cli_trace_role(struct cli *cli, const char *role, const char *child_role)
{
	cli->trace.role = role;
	cli->trace.child_role = child_role;
	cli->trace.role_pid = getpid();
	if (strcmp(role, "server") == 0)
		cli->trace.n_endpoint = 0; /* a new server: its descriptors are still to come */
}

void cli_trace_forking(struct cli *cli, const struct ipc_transport *t)
{
	cli_trace_role(cli, "parent", "server");
	ipc_step(&cli->ctx, t->name, "fork", "a child to serve; no exec: it runs this same "
		 "program from here, with copies of every descriptor");
}

void cli_trace_reaped(struct cli *cli, const struct ipc_transport *t, pid_t pid, int status)
{
	cli_trace_role(cli, "parent", "server");
	if (status >= 0)
		ipc_step(&cli->ctx, t->name, "waitpid", "child %d exited with status %d",
			 (int)pid, status);
	else
		ipc_step(&cli->ctx, t->name, "waitpid", "child %d: failed or killed", (int)pid);
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
				fprintf(stderr, "ipclab %s: --mode wants iterative, select, poll, "
					"epoll, uring or uring-sqpoll, not '%s'\n", cmd, optarg);
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

int cli_greet_once(struct cli *cli, const struct ipc_transport *t, const char *address,
		   const char *name, size_t len, char *reply, size_t cap, struct ipc_error *e)
{
	struct ipc_server s;
	struct server_child child = { .pid = -1, .stop_fd = -1 };
	struct ipc_addr addr = { .pipe_fd = { -1, -1 } };
	struct ipc_conn c;
	size_t reply_len = 0;
	int status;

	if (rundir_ensure(cli->ctx.rundir, e) < 0)
		return -1;
	if (!t->servable) {
		/* A pipe joins related processes only: fork our own server. */
		cli_trace_role(cli, "server", "server"); /* the endpoint is the server's */
		if (cli_listen(cli, t, NULL, &s, e) < 0)
			return -1;
		struct serve_opts o = { .stop_fd = -1, .idle_timeout_ms = SERVE_IDLE_TIMEOUT_MS,
					.log = stderr };
		cli_trace_forking(cli, t);
		if (server_spawn(&s, &o, &child, e) < 0) {
			t->shutdown(&s, true);
			return -1;
		}
		cli_trace_role(cli, "client", "server");
		addr = s.addr;
	} else if (address) {
		if (snprintf(addr.text, sizeof addr.text, "%s", address) >= (int)sizeof addr.text)
			return ipc_fail(e, IPC_USAGE, 0, "address too long (max %zu bytes)",
					sizeof addr.text - 1);
	} else {
		t->default_address(&cli->ctx, addr.text, sizeof addr.text);
	}

	ipc_conn_init(&c, t, &cli->ctx);
	status = t->connect(&c, &addr, e);
	if (status == 0) {
		status = conn_greet(&c, name, len, reply, cap - 1, &reply_len, e);
		reply[reply_len] = '\0';
		t->close(&c);
	} else if (e->status == IPC_NO_SERVER && !strstr(e->msg, "ipclab serve")) {
		ipc_hint(e, "start one with `ipclab serve %s%s%s`", t->name,
			 address ? " --address " : "", address ? address : "");
	}
	if (child.pid > 0) {
		struct ipc_error se;
		int rc = server_stop(&child, &se);
		cli_trace_reaped(cli, t, child.pid, rc);
		if (rc != 0 && status >= 0) {
			*e = se;
			if (rc > 0)
				ipc_fail(e, rc, 0, "the forked %s server exited with status %d",
					 t->name, rc);
			return -1;
		}
	}
	return status;
}

int cli_report(const struct ipc_error *e)
{
	fprintf(stderr, "ipclab: %s\n", e->msg);
	return e->status ? e->status : IPC_SYSTEM;
}

const struct ipc_transport *cli_transport(const char *name)
{
	const struct ipc_transport *t = ipc_transport_find(name);
	if (t)
		return t;
	fprintf(stderr, "ipclab: unknown transport '%s'; choose one of:", name);
	for (size_t i = 0; ipc_transports[i]; i++)
		fprintf(stderr, " %s", ipc_transports[i]->name);
	fputs(" (`ipclab list` describes them)\n", stderr);
	return NULL;
}

int cmd_list(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	if (argc > 1) {
		fputs(strcmp(argv[1], "--help") && strcmp(argv[1], "-h")
			      ? "ipclab list: takes no arguments\n"
			      : "usage: ipclab list\nOne line for each transport: name, kind, summary.\n",
		      stderr);
		return strcmp(argv[1], "--help") && strcmp(argv[1], "-h") ? IPC_USAGE : 0;
	}
	for (size_t i = 0; ipc_transports[i]; i++) {
		const struct ipc_transport *t = ipc_transports[i];
		printf("%-12s %-9s %s\n", t->name, t->kind == IPC_STREAM ? "stream" : "datagram",
		       t->summary);
	}
	return 0;
}
