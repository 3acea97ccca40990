/*
 * main.c - `ipclab`: one command line for every transport.
 *
 *   ipclab list
 *   ipclab serve TRANSPORT [--address ADDR]
 *   ipclab greet TRANSPORT [NAME] [--address ADDR]
 *   ipclab demo [TRANSPORT...]
 *   ipclab load, drawback, bench ... (each in its own file)
 *
 * Exit codes are the ipc_status values (ipc.h; the table is in README.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rundir.h"
#include "version.h"

static const char usage[] =
	"usage: ipclab COMMAND [ARGS] [OPTIONS]\n"
	"\n"
	"The greeting protocol (send a name, get \"Hello, <name>\") over each of\n"
	"{any}.\n"
	"\n"
	"commands:\n"
	"  list                          the transports, one line each\n"
	"  serve TRANSPORT               serve until SIGINT/SIGTERM\n"
	"  greet TRANSPORT [NAME]        send one name (read from stdin if absent)\n"
	"  demo [TRANSPORT...]           start a server, greet it, stop it (default: all)\n"
	"  bench SUBCOMMAND              benchmarks: run (the whole job, with plots),\n"
	"                                latency, throughput, ... (`ipclab bench --help`)\n"
	"  load TRANSPORT                many concurrent clients against a running server\n"
	"  drawback [TRANSPORT]          the iterative server's drawback, shown\n"
	"\n"
	"options (every command; `ipclab COMMAND --help` for its own):\n"
	"  -a, --address ADDR   a path for {paths};\n"
	"                       HOST:PORT for {ports};\n"
	"                       a queue name /NAME for {mqnames}\n"
	"  -t, --timeout MS     longest wait for a server (default 3000, at least 1)\n"
	"      --trace          narrate every system call on stderr\n"
	"  -h, --help           this text\n"
	"      --version        the version and the git revision it was built from\n"
	"\n"
	"Paths live in $IPCLAB_DIR, else $XDG_RUNTIME_DIR/ipclab, else\n"
	"/tmp/ipclab-<uid> (created with mode 0700).  TCP and UDP use\n"
	"127.0.0.1:7411 unless --address says otherwise.\n"
	"\n"
	"exit status:\n"
	"  0 greeted  1 the server answered ERR  2 usage  3 no server\n"
	"  4 timeout  5 address in use  6 system error  7 protocol error\n";

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(struct cli *, int, char **);
	} commands[] = {
		{ "list", cmd_list },
		{ "serve", cmd_serve },
		{ "greet", cmd_greet },
		{ "demo", cmd_demo },
		{ "bench", cmd_bench },
		{ "load", cmd_load },
		{ "drawback", cmd_drawback },
	};
	struct cli cli = {
		.ctx = { .timeout_ms = CLI_TIMEOUT_MS, .retries = CLI_RETRIES },
	};
	struct ipc_error e;

	zmq_handoff(argc, argv);
	if (argc < 2) {
		cli_help(stderr, usage);
		return IPC_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		cli_help(stdout, usage);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("ipclab %s (git %s)\n", ipclab_version, ipclab_git_rev);
		return ferror(stdout) || fflush(stdout) != 0 ? IPC_SYSTEM : 0;
	}
	if (rundir_choose(cli.rundir, sizeof cli.rundir, &e) < 0)
		return cli_report(&e);
	cli.ctx.rundir = cli.rundir;
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(&cli, argc - 1, argv + 1);
	fprintf(stderr, "ipclab: unknown command '%s'; try `ipclab --help`\n", argv[1]);
	return IPC_USAGE;
}
