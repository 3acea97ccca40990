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

/* ---- serve ------------------------------------------------------------ */

static const char serve_usage[] =
	"usage: ipclab serve TRANSPORT [--address ADDR] [--mode MODE] [--max-clients N]\n"
	"                    [--idle-timeout MS] [--wait block|spin] [--trace]\n"
	"Serve greetings until SIGINT or SIGTERM; then remove the socket or FIFO\n"
	"that was created.  Prints `listening on ADDR` on stderr when ready.\n"
	"\n"
	"  --mode iterative    (default) one client at a time, from its connection\n"
	"                      to its end of stream; the others wait their turn.\n"
	"  --mode select|poll|epoll\n"
	"                      one process serves every connected client at once,\n"
	"                      waiting on all their descriptors with select(2),\n"
	"                      poll(2) or epoll(7).  select cannot watch descriptor\n"
	"                      numbers >= 1024 (FD_SETSIZE): a client beyond that\n"
	"                      is told \"ERR server busy ...\" and closed.\n"
	"  --mode uring|uring-sqpoll\n"
	"                      one thread, one io_uring (unix_stream, tcp): the\n"
	"                      kernel accepts, receives into buffers it picks, and\n"
	"                      sends, and reports each when done.  uring-sqpoll adds\n"
	"                      a kernel thread polling the ring, which keeps a CPU\n"
	"                      busy while clients are active.\n"
	"  --max-clients N     select/poll/epoll/uring: clients served at once (default\n"
	"                      4096); one more is told \"ERR server busy ...\".\n"
	"  --idle-timeout MS   a stream client that completes no request and takes\n"
	"                      no reply for MS milliseconds is disconnected (default\n"
	"                      10000): a silent or trickling client cannot hold the\n"
	"                      iterative server, nor memory in the others.\n"
	"  --wait block|spin   shm: sleep on an eventfd doorbell until the client\n"
	"                      writes (block, the default), or watch the ring in a\n"
	"                      bounded busy loop first (spin; iterative only).\n"
	"\n"
	"Which modes apply: every stream transport with a descriptor per client\n"
	"takes all four: unix_stream, tcp, and fifo (ipclab gives every FIFO client\n"
	"its own pair of FIFOs).  unix_dgram and udp are iterative only: one\n"
	"datagram socket already receives the requests of every client, so there\n"
	"is no per-client descriptor to multiplex (as with a single shared FIFO).\n"
	"mqueue and shm take all four too (a queue pair, or a ring with doorbells,\n"
	"per client).  The pipe and socketpair cannot be served: use `ipclab greet\n"
	"pipe NAME`.  The two uring modes take the socket transports: unix_stream,\n"
	"tcp.  zmq_ipc and zmq_tcp (ipclab-zmq) take the first four.\n";

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
		fputs(serve_usage, stdout);
		return 0;
	}
	if (argc - i != 1) {
		fputs(serve_usage, stderr);
		return IPC_USAGE;
	}
	const struct ipc_transport *t = cli_transport(argv[i]);
	if (!t)
		return IPC_USAGE;
	if (!t->servable) {
		fprintf(stderr, "ipclab serve %s: it has no name another process could open, "
				"only a forked child shares it; run `ipclab greet %s NAME`, which "
				"forks its own server\n", t->name, t->name);
		return IPC_USAGE;
	}
	if (serve_mode_check(t, o.mode, &e) < 0) {
		fprintf(stderr, "ipclab serve: %s\n", e.msg);
		return IPC_USAGE;
	}
	if (cli->ctx.wait == IPC_WAIT_SPIN && (!t->can_spin || o.mode != SERVE_ITERATIVE)) {
		fprintf(stderr, "ipclab serve: --wait spin %s\n", !t->can_spin
			? "applies to shm only: the other transports wait in the kernel"
			: "is for the iterative server: a multiplexed one spinning on one "
			  "client would keep the others waiting; leave out --wait");
		return IPC_USAGE;
	}
	if (o.max_clients > 0 && o.mode == SERVE_ITERATIVE) {
		fputs("ipclab serve: --max-clients applies to --mode select, poll or epoll: the "
		      "iterative server holds one client at a time anyway\n", stderr);
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
	ipc_step(&cli->ctx, t->name, "exit", "status %d", rc < 0 ? e.status : 0);
	return rc < 0 ? cli_report(&e) : 0;
}

/* ---- greet ------------------------------------------------------------ */

static const char greet_usage[] =
	"usage: ipclab greet TRANSPORT [NAME] [--address ADDR] [--timeout MS] [--trace]\n"
	"Send one name and print the server's reply.  Without NAME, read one line\n"
	"from stdin (asking for it on a terminal).  `greet pipe` forks its own\n"
	"server.  Exit status: 0 Hello, 1 ERR, 3 no server, 4 timeout (see --help).\n";

/* One line from stdin, without its line ending. */
static ssize_t read_name(char **line, size_t *cap)
{
	if (isatty(STDIN_FILENO)) {
		fputs("Your name: ", stderr);
		fflush(stderr);
	}
	ssize_t n = getline(line, cap, stdin);
	if (n < 0)
		return -1;
	if (n > 0 && (*line)[n - 1] == '\n')
		n--;
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	(*line)[n] = '\0';
	return n;
}

int cmd_greet(struct cli *cli, int argc, char **argv)
{
	struct cli_opts o;
	struct ipc_error e;
	char reply[GREET_REPLY_MAX + 1];
	char *name = NULL;
	size_t cap = 0;
	ssize_t len;
	int i = cli_parse(cli, OPT_ADDRESS | OPT_WAIT, argc, argv, &o);

	if (i < 0)
		return IPC_USAGE;
	if (o.help) {
		fputs(greet_usage, stdout);
		return 0;
	}
	if (argc - i < 1 || argc - i > 2) {
		fputs(greet_usage, stderr);
		return IPC_USAGE;
	}
	const struct ipc_transport *t = cli_transport(argv[i]);
	if (!t)
		return IPC_USAGE;
	if (cli->ctx.wait == IPC_WAIT_SPIN && !t->can_spin) {
		fputs("ipclab greet: --wait spin applies to shm only\n", stderr);
		return IPC_USAGE;
	}
	if (argc - i == 2) {
		name = strdup(argv[i + 1]);
		if (!name) {
			fputs("ipclab greet: out of memory\n", stderr);
			return IPC_SYSTEM;
		}
		len = (ssize_t)strlen(name);
	} else if ((len = read_name(&name, &cap)) < 0) {
		free(name);
		fputs("ipclab greet: no name given (stdin was empty)\n", stderr);
		return IPC_USAGE;
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
	"For each transport (default: all six): start a server, greet it with\n"
	"NAME (default \"world\"), print `[transport] Hello, NAME`, stop the server.\n"
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

/* Start a server in a child, greet it, stop it.  The pipe forks its own
 * server inside cli_greet_once(). */
static int demo_one(struct cli *cli, const struct ipc_transport *t, const char *name)
{
	struct ipc_error e;
	char reply[GREET_REPLY_MAX + 1];
	int status;

	if (t->servable) {
		struct ipc_server s;
		struct server_child child;
		struct serve_opts o = { .stop_fd = -1, .idle_timeout_ms = SERVE_IDLE_TIMEOUT_MS,
					.log = stderr };
		cli_trace_role(cli, "server", "server"); /* the endpoint is the server's */
		if (cli_listen(cli, t, NULL, &s, &e) < 0 ||
		    (cli_trace_forking(cli, t), server_spawn(&s, &o, &child, &e) < 0)) {
			status = -1;
		} else {
			cli_trace_role(cli, "client", "server");
			status = cli_greet_once(cli, t, s.addr.text, name, strlen(name), reply,
						sizeof reply, &e);
			struct ipc_error se;
			int rc = server_stop(&child, &se);
			cli_trace_reaped(cli, t, child.pid, rc);
			if (status == 0 && rc != 0) {
				status = -1;
				e = se;
				if (rc > 0)
					ipc_fail(&e, rc, 0, "%s server exited with status %d", t->name, rc);
			}
		}
	} else {
		status = cli_greet_once(cli, t, NULL, name, strlen(name), reply, sizeof reply, &e);
	}
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
		fputs(demo_usage, stdout);
		return 0;
	}
	for (int k = i; k < argc; k++)
		if (!cli_transport(argv[k]))
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
