/* commands.c - `ipclab serve`, `ipclab greet` and `ipclab demo`. */
#include <dirent.h>
#include <stdint.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli.h"
#include "protocol.h"
#include "rundir.h"
#include "server.h"
#include "steps.h"

/* ---- serve ------------------------------------------------------------ */

static const char serve_usage[] =
	"usage: ipclab serve TRANSPORT [--address ADDR] [--mode MODE] [--max-clients N]\n"
	"                    [--idle-timeout MS] [--wait block|spin] [--trace]\n"
	"Serve greetings until SIGINT or SIGTERM; then remove the socket or FIFO\n"
	"that was created.  Prints `listening on ADDR` on stderr when ready.\n"
	"\n"
	"  -a, --address ADDR  where to listen: a path for {paths};\n"
	"                      HOST:PORT for {ports};\n"
	"                      a queue name /NAME for {mqnames}\n"
	"  --mode MODE         how the server waits for its clients, one of\n"
	"                      {modes}.\n"
	"                      iterative (the default): one client at a time, from\n"
	"                      its connection to its end of stream; the others wait\n"
	"                      their turn.  The others: one process serves every\n"
	"                      connected client at once, waiting on all their\n"
	"                      descriptors (select(2), poll(2), epoll(7)...).\n"
	"                      select cannot watch descriptor numbers >= 1024\n"
	"                      (FD_SETSIZE): a client beyond that is told\n"
	"                      \"ERR server busy ...\" and closed.\n"
	"                      uring: one io_uring (socket transports): the kernel\n"
	"                      accepts, receives into buffers it picks, and sends,\n"
	"                      and reports each when done; uring-sqpoll adds a\n"
	"                      kernel thread polling the ring, which keeps a CPU\n"
	"                      busy while clients are active.\n"
	"  --max-clients N     any mode but iterative: clients served at once\n"
	"                      (default 4096); one more is told \"ERR server busy\".\n"
	"  --idle-timeout MS   a stream client that completes no request and takes\n"
	"                      no reply for MS milliseconds is disconnected (default\n"
	"                      10000): a silent or trickling client cannot hold the\n"
	"                      iterative server, nor memory in the others.\n"
	"  --wait block|spin   for {spin}: sleep on a doorbell until the client\n"
	"                      writes (block, the default), or watch the ring in a\n"
	"                      bounded busy loop first (spin; iterative only).\n"
	"  --trace             narrate every system call on stderr\n"
	"\n"
	"The modes each transport takes:\n"
	"  {mode-table}\n"
	"A datagram server is iterative only: one socket already receives the\n"
	"requests of every client, so there is no per-client descriptor to\n"
	"multiplex.  No other process can reach a server of these:\n"
	"{inherited}; use `ipclab greet TRANSPORT NAME`, which forks its own.\n";

/* SIGINT and SIGTERM arrive as readable data on a signalfd: the server loop
 * polls it beside its sockets, so a signal can never slip in between a
 * check and a blocking call, and no global flag is needed. */
static int stop_signals_fd(struct ipc_error *e)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "sigprocmask");
	int fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (fd < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "signalfd");
	return fd;
}

int cmd_serve(struct cli *cli, int argc, char **argv)
{
	struct cli_opts o;
	struct ipc_error e;
	struct ipc_server s;
	int i = cli_parse(cli, OPT_ADDRESS | OPT_IDLE | OPT_MODE | OPT_MAX_CLIENTS | OPT_WAIT, argc,
			  argv, &o);

	if (i < 0)
		return IPC_USAGE;
	if (o.help) {
		cli_help(stdout, serve_usage);
		return 0;
	}
	if (argc - i == 0)
		return cli_missing_transport("serve", CLI_USE_SERVE);
	if (argc - i != 1) {
		fprintf(stderr, "ipclab serve: one transport only, not '%s' too; see `ipclab serve "
				"--help`\n", argv[i + 1]);
		return IPC_USAGE;
	}
	const struct ipc_transport *t = cli_transport_for("serve", CLI_USE_SERVE, argv[i]);
	if (!t)
		return IPC_USAGE;
	if (!cli_takes(CLI_USE_SERVE, t)) {
		fprintf(stderr, "ipclab serve %s: it has no name another process could open, "
				"only a forked child shares it; run `ipclab greet %s NAME`, which "
				"forks its own server\n", t->name, t->name);
		return IPC_USAGE;
	}
	if (serve_mode_check(t, o.mode, &e) < 0) {
		fprintf(stderr, "ipclab serve: %s\n", e.msg);
		return IPC_USAGE;
	}
	if (cli->ctx.wait == IPC_WAIT_SPIN && (!cli_takes(CLI_USE_SPIN, t) ||
					       o.mode != SERVE_ITERATIVE)) {
		char spin[256];
		cli_names(CLI_USE_SPIN, ", ", spin, sizeof spin);
		fprintf(stderr, "ipclab serve: --wait spin %s%s%s\n", !t->can_spin
			? "applies to " : "", !t->can_spin ? spin : "", !t->can_spin
			? " only: the other transports wait in the kernel"
			: "is for the iterative server: a multiplexed one spinning on one "
			  "client would keep the others waiting; leave out --wait");
		return IPC_USAGE;
	}
	if (o.max_clients > 0 && o.mode == SERVE_ITERATIVE) {
		fputs("ipclab serve: --max-clients applies to the modes that serve many clients at "
		      "once: the iterative server holds one client at a time anyway\n", stderr);
		return IPC_USAGE;
	}
	signal(SIGPIPE, SIG_IGN); /* a vanished client is an EPIPE, never a death */
	int stop_fd = stop_signals_fd(&e);
	if (stop_fd < 0)
		return cli_report(&e);
	if (cli_listen(cli, t, o.address, &s, &e) < 0) {
		if (e.status == IPC_IN_USE && o.address == NULL && !strstr(e.msg, "--address"))
			ipc_hint(&e, "or choose another address with --address");
		close(stop_fd);
		return cli_report(&e);
	}
	fprintf(stderr, "listening on %s\n", s.addr.text);
	struct serve_opts so = { .stop_fd = stop_fd, .idle_timeout_ms = o.idle_timeout_ms,
				 .log = stderr, .mode = o.mode, .max_clients = o.max_clients };
	int rc = serve(&s, &so, &e);
	t->shutdown(&s, true);
	close(stop_fd);
	/* The last step of every servable transport's table: exit. */
	ipc_step(&cli->ctx, t->name, ipc_step_number(t, "exit"), "exit", "status %d",
		 rc < 0 ? e.status : 0);
	return rc < 0 ? cli_report(&e) : 0;
}

/* ---- greet ------------------------------------------------------------ */

static const char greet_usage[] =
	"usage: ipclab greet TRANSPORT [NAME] [--address ADDR] [--timeout MS]\n"
	"                    [--wait block|spin] [--trace]\n"
	"Send one name and print the server's reply.  Without NAME, read one line\n"
	"from stdin (asking for it on a terminal; at most 255 bytes, as a name).\n"
	"TRANSPORT is one of {any}.\n"
	"These fork their own server: {inherited}.\n"
	"\n"
	"  -a, --address ADDR  the server's address (default: where `ipclab serve`\n"
	"                      listens by default): a path for {paths};\n"
	"                      HOST:PORT for {ports};\n"
	"                      a queue name /NAME for {mqnames}\n"
	"  -t, --timeout MS    longest wait for the server or its reply (default 3000)\n"
	"  --wait block|spin   for {spin}: sleep on a doorbell (block, the default) or\n"
	"                      watch the ring first (spin)\n"
	"  --trace             narrate every system call on stderr\n"
	"\n"
	"Exit status: 0 Hello, 1 ERR, 2 usage, 3 no server, 4 timeout (see\n"
	"`ipclab --help`).\n";

/* One line from stdin, without its line ending, into line[GREET_NAME_MAX + 2].
 * Read a byte at a time, so that nothing past the line is taken from a
 * shared stdin, and never more than a name can hold: stdin may be
 * /dev/zero.  Returns the length, or -1 after printing why there is none. */
static ssize_t read_name(char *line)
{
	size_t n = 0;
	if (isatty(STDIN_FILENO)) {
		fputs("Your name: ", stderr);
		fflush(stderr);
	}
	for (;;) {
		char c;
		ssize_t got = read(STDIN_FILENO, &c, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			fprintf(stderr, "ipclab greet: read stdin: %s; give the name as an argument: "
					"`ipclab greet TRANSPORT NAME`\n", strerror(errno));
			return -1;
		}
		if (got == 0 && n == 0) {
			fputs("ipclab greet: no name given (stdin was empty); give one as an argument "
			      "or on stdin\n", stderr);
			return -1;
		}
		if (got == 0 || c == '\n')
			break;
		/* One byte beyond the longest name, for a '\r' before the '\n'. */
		if (n == GREET_NAME_MAX + 1) {
			fprintf(stderr, "ipclab greet: the name on stdin is longer than %d bytes, the "
					"most a name can hold\n", GREET_NAME_MAX);
			return -1;
		}
		line[n++] = c;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	if (n > GREET_NAME_MAX) {
		fprintf(stderr, "ipclab greet: the name on stdin is longer than %d bytes, the most "
				"a name can hold\n", GREET_NAME_MAX);
		return -1;
	}
	line[n] = '\0';
	return (ssize_t)n;
}

int cmd_greet(struct cli *cli, int argc, char **argv)
{
	struct cli_opts o;
	struct ipc_error e;
	char reply[GREET_REPLY_MAX + 1];
	char *name = NULL;
	ssize_t len;
	int i = cli_parse(cli, OPT_ADDRESS | OPT_WAIT, argc, argv, &o);

	if (i < 0)
		return IPC_USAGE;
	if (o.help) {
		cli_help(stdout, greet_usage);
		return 0;
	}
	if (argc - i < 1)
		return cli_missing_transport("greet", CLI_USE_ANY);
	if (argc - i > 2) {
		fprintf(stderr, "ipclab greet: one transport and one name, not '%s' too (quote a "
				"name with spaces); see `ipclab greet --help`\n", argv[i + 2]);
		return IPC_USAGE;
	}
	const struct ipc_transport *t = cli_transport_for("greet", CLI_USE_ANY, argv[i]);
	if (!t)
		return IPC_USAGE;
	if (cli->ctx.wait == IPC_WAIT_SPIN && !cli_takes(CLI_USE_SPIN, t)) {
		char spin[256];
		cli_names(CLI_USE_SPIN, ", ", spin, sizeof spin);
		fprintf(stderr, "ipclab greet: --wait spin applies to %s only\n", spin);
		return IPC_USAGE;
	}
	if (argc - i == 2) {
		name = strdup(argv[i + 1]);
		if (!name) {
			fputs("ipclab greet: out of memory\n", stderr);
			return IPC_SYSTEM;
		}
		len = (ssize_t)strlen(name);
	} else {
		name = malloc(GREET_NAME_MAX + 2);
		if (!name) {
			fputs("ipclab greet: out of memory\n", stderr);
			return IPC_SYSTEM;
		}
		if ((len = read_name(name)) < 0) {
			free(name);
			return IPC_USAGE;
		}
	}
	if (memchr(name, '\n', (size_t)len)) {
		free(name);
		fputs("ipclab greet: a name cannot contain a newline: it ends the request\n", stderr);
		return IPC_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	int status = cli_greet_once(cli, t, o.address, name, (size_t)len, reply, sizeof reply, &e);
	free(name);
	if (status < 0)
		return cli_report(&e);
	fputs(reply, stdout);
	return status;
}

/* ---- demo ------------------------------------------------------------- */

static const char demo_usage[] =
	"usage: ipclab demo [TRANSPORT...] [--name NAME] [--timeout MS] [--trace]\n"
	"For each TRANSPORT, default each of {any}:\n"
	"start a server, greet it with NAME (default \"world\"), print\n"
	"`[transport] Hello, NAME`, stop the server.\n"
	"Everything runs in a fresh directory inside the runtime directory, removed\n"
	"afterwards; TCP and UDP use free ports.  Exits non-zero if any failed.\n";

/* Remove the demo directory; files left in it are a bug worth reporting. */
static int remove_demo_dir(const char *dir)
{
	if (rmdir(dir) == 0)
		return 0;
	int err = errno;
	fprintf(stderr, "ipclab demo: rmdir %s: %s", dir, strerror(err));
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *de;
		fputs("; left behind:", stderr);
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				fprintf(stderr, " %s", de->d_name);
		closedir(d);
	}
	fputc('\n', stderr);
	return -1;
}

/* Start a server in a child, greet it, stop it. */
static int demo_one(struct cli *cli, const struct ipc_transport *t, const char *name)
{
	struct ipc_error e;
	char reply[GREET_REPLY_MAX + 1];
	int status = cli_greet_own_server(cli, t, name, strlen(name), reply, sizeof reply, &e);

	if (status == 0) {
		printf("[%s] %s", t->name, reply);
		return 0;
	}
	printf("[%s] FAILED\n", t->name);
	return status < 0 ? cli_report(&e) : status;
}

int cmd_demo(struct cli *cli, int argc, char **argv)
{
	struct cli_opts o;
	struct ipc_error e;
	char dir[IPC_ADDR_MAX];
	int i = cli_parse(cli, OPT_NAME, argc, argv, &o);
	int first_failure = 0;

	if (i < 0)
		return IPC_USAGE;
	if (o.help) {
		cli_help(stdout, demo_usage);
		return 0;
	}
	for (int k = i; k < argc; k++)
		if (!cli_transport_for("demo", CLI_USE_ANY, argv[k]))
			return IPC_USAGE;
	if (rundir_ensure(cli->rundir, &e) < 0)
		return cli_report(&e);
	if (snprintf(dir, sizeof dir, "%s/demo-XXXXXX", cli->rundir) >= (int)sizeof dir ||
	    !mkdtemp(dir)) {
		fprintf(stderr, "ipclab demo: mkdtemp in %s: %s\n", cli->rundir, strerror(errno));
		return IPC_SYSTEM;
	}
	cli->ctx.rundir = dir;
	cli->ctx.any_port = true;
	signal(SIGPIPE, SIG_IGN);

	const char *name = o.name ? o.name : "world";
	size_t count = i == argc ? SIZE_MAX : (size_t)(argc - i);
	for (size_t k = 0; k < count; k++) {
		const struct ipc_transport *t =
			i == argc ? ipc_transports[k] : ipc_transport_find(argv[i + (int)k]);
		if (!t)
			break; /* end of the registry */
		int rc = demo_one(cli, t, name);
		if (rc && !first_failure)
			first_failure = rc;
		fflush(stdout);
	}
	if (remove_demo_dir(dir) < 0 && !first_failure)
		first_failure = IPC_SYSTEM;
	return first_failure;
}
