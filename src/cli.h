/* cli.h - the `ipclab` commands (main.c dispatches, each lives in its file). */
#ifndef IPCLAB_CLI_H
#define IPCLAB_CLI_H

#include <stdio.h>

#include "ipc.h"
#include "server.h"

#define CLI_TIMEOUT_MS 3000 /* default --timeout */
#define CLI_RETRIES 3       /* datagram sends before giving up */

/* --trace: who is speaking.  A process is the `role` it was given; a child
 * it forks afterwards is `child_role` (the demos fork their server). */
struct cli_trace {
	const char *role;        /* "server", "client", "parent" */
	const char *child_role;  /* what a forked child is: "server", "child" */
	pid_t role_pid;          /* the process the role was given to */
};

/* State shared by every command: set up once from the global options. */
struct cli {
	struct ipc_ctx ctx;
	char rundir[IPC_ADDR_MAX];
	struct cli_trace trace;
};

/* --trace: from now on this process is `role`, and a child it forks is
 * `child_role`.  Costs nothing without --trace. */
void cli_trace_role(struct cli *cli, const char *role, const char *child_role);
/* --trace: narrate the fork() of a server child (call just before
 * server_spawn()), and its waitpid() (just after server_stop()). */
void cli_trace_forking(struct cli *cli, const struct ipc_transport *t);
void cli_trace_reaped(struct cli *cli, const struct ipc_transport *t, pid_t pid, int status);

/* Print "ipclab: <msg>" to stderr and return e->status (the exit code). */
int cli_report(const struct ipc_error *e);
/* Look up a transport by name, or print the list of names and return NULL. */
const struct ipc_transport *cli_transport(const char *name);
/* Listen on `address` (NULL = default) after checking the runtime directory. */
int cli_listen(struct cli *cli, const struct ipc_transport *t, const char *address,
	       struct ipc_server *s, struct ipc_error *e);
/* Greet once over `t`: connect to `address` (NULL = default), or for the
 * pipe fork a server first.  Returns the status; the reply line in reply. */
int cli_greet_once(struct cli *cli, const struct ipc_transport *t, const char *address,
		   const char *name, size_t len, char *reply, size_t cap, struct ipc_error *e);
/* Spawn-greet-stop, the one place it is written: listen on t's default
 * address, fork a child to serve it, greet it once from this process, stop
 * and reap the child.  `demo` uses it for every transport, `greet` for the
 * pipe and the socket pair, which only a forked child can serve.  Same
 * results as cli_greet_once(); a server that exits non-zero after a good
 * greeting is an error. */
int cli_greet_own_server(struct cli *cli, const struct ipc_transport *t, const char *name,
			 size_t len, char *reply, size_t cap, struct ipc_error *e);

/* Options every command understands (each takes only those it documents). */
struct cli_opts {
	const char *address;
	const char *name;      /* demo --name */
	int idle_timeout_ms;   /* serve --idle-timeout */
	enum serve_mode mode;  /* serve --mode (default iterative) */
	bool mode_given;
	int max_clients;       /* serve --max-clients (0: not given) */
	bool help;
};
enum { OPT_ADDRESS = 1, OPT_NAME = 2, OPT_IDLE = 4, OPT_MODE = 8, OPT_MAX_CLIENTS = 16,
       OPT_WAIT = 32 };

/* getopt_long over argv (argv[0] is the command); `allowed` is a mask of
 * the OPT_ flags this command takes (--timeout, --trace, --help always).
 * Returns the index of the first operand, or -1 after printing the error. */
int cli_parse(struct cli *cli, int allowed, int argc, char **argv, struct cli_opts *o);

/* After getopt_long returned `ch` ':' (missing value) or '?' (unknown
 * option): print the one-line error for `ipclab CMD` and return -1.  The
 * option strings must start with ':' so that the two can be told apart. */
int cli_bad_option(const char *cmd, int ch, char **argv);

/* "12" -> 12 within [min, max]; -1 after printing what was wrong. */
int cli_parse_number(const char *cmd, const char *opt, const char *text, unsigned long min,
		     unsigned long max, unsigned long *out);

/* ---- what each command takes, from the registry (cli_lists.c) ---------- */
enum cli_use {
	CLI_USE_ANY,      /* greet, demo, bench latency and throughput */
	CLI_USE_SERVE,    /* serve: a server another process can reach */
	CLI_USE_LOAD,     /* load: a connection per client */
	CLI_USE_DRAWBACK, /* drawback */
	CLI_USE_CONNECT,  /* bench connect: a connection to set up */
	CLI_USE_SPIN,     /* --wait spin */
	CLI_USE_PATH,     /* --address is a path */
	CLI_USE_PORT,     /* --address is HOST:PORT */
	CLI_USE_MQ,       /* --address is a message queue name */
	CLI_USE_DGRAM,    /* one datagram per message */
	CLI_USE_INHERITED, /* no server to reach: greet forks its own */
	CLI_USE_COUNT
};
bool cli_takes(enum cli_use use, const struct ipc_transport *t);
const char *cli_use_name(enum cli_use use);
/* "serve", "load", ... (and the other commands' names) -> use; -1 if unknown. */
int cli_use_parse(const char *name, enum cli_use *use);
/* The names `use` takes, joined by sep, into buf; returns how many. */
size_t cli_names(enum cli_use use, const char *sep, char *buf, size_t cap);
/* Can t be served in this mode (serve_mode_check, and a server at all)? */
bool cli_serves_in(const struct ipc_transport *t, enum serve_mode mode);
/* The modes t can be served in (t NULL: every mode), joined by sep. */
size_t cli_modes(const struct ipc_transport *t, const char *sep, char *buf, size_t cap);
/* The names close to `typed` ("a or b"); returns how many. */
size_t cli_did_you_mean(const char *typed, enum cli_use use, char *buf, size_t cap);
/* Look a transport up for `ipclab CMD`; unknown: one line with "did you
 * mean" and the names CMD takes, and NULL. */
const struct ipc_transport *cli_transport_for(const char *cmd, enum cli_use use,
					      const char *name);
/* No transport named: one line with the names CMD takes; returns IPC_USAGE. */
int cli_missing_transport(const char *cmd, enum cli_use use);
/* Print a --help text, expanding {serve}, {load}, {modes}, {mode-table}...
 * from the registry and wrapping the lines that grew. */
void cli_help(FILE *f, const char *text);
/* `ipclab list --table`: what each command takes, as a Markdown table. */
void cli_list_table(FILE *f);

int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_serve(struct cli *cli, int argc, char **argv);
int cmd_greet(struct cli *cli, int argc, char **argv);
int cmd_demo(struct cli *cli, int argc, char **argv);
int cmd_bench(struct cli *cli, int argc, char **argv); /* bench/bench_cli.c */
int cmd_load(struct cli *cli, int argc, char **argv);  /* src/load.c */
int cmd_drawback(struct cli *cli, int argc, char **argv); /* src/drawback.c */
/* A command naming a ZeroMQ transport, given to a build without them, is
 * handed to ipclab-zmq beside it (src/zmq_handoff.c); returns otherwise. */
void zmq_handoff(int argc, char **argv);

#endif
