/*
 * drawback.c - `ipclab drawback`: the iterative server's weakness, shown.
 *
 * "While the server is servicing the current client, it cannot entertain a
 * new client."  A first client connects and says nothing; a second one
 * sends a name and waits, at most --timeout milliseconds.  The iterative
 * server sits with the silent client and the second one gives up; a
 * multiplexed server (select, poll, epoll) answers it at once.  A datagram
 * server has no connections, so a silent client holds nothing there.
 *
 * The silent client runs in a child process of its own, as it would in
 * the lecture: two programs, two users.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "conn.h"
#include "io.h"
#include "load.h"
#include "protocol.h"
#include "rundir.h"
#include "server.h"

#define DRAWBACK_WAIT_MS 2000
#define SECOND_NAME "second"

static const char drawback_usage[] =
	"usage: ipclab drawback [TRANSPORT] [--mode MODE] [--timeout MS]\n"
	"Show the drawback of the iterative server.  Start a server (default:\n"
	"unix_stream, --mode iterative), connect a first client that says nothing,\n"
	"then greet with a second client waiting at most MS milliseconds (default\n"
	"2000).  An iterative server is busy with the silent client and never\n"
	"answers the second; a multiplexed one (any other mode) answers at once.\n"
	"The server's idle timeout is set well above MS.\n"
	"\n"
	"  TRANSPORT           one of {drawback}\n"
	"  -m, --mode MODE     the server's mode: {modes}\n"
	"  -t, --timeout MS    how long the second client waits for its reply\n"
	"                      (--wait MS, the old spelling, is still taken)\n"
	"\n"
	"Exit status: 0 when the server behaved as its mode predicts (iterative\n"
	"stream server: blocked; multiplexed or datagram: served), 4 when a server\n"
	"expected to answer did not, 7 when an iterative server answered anyway.\n";

/* The silent client, in a child: connect, say so on `ready`, then hold the
 * connection until `hold` reaches end of file.  A failure is sent as text. */
static pid_t start_idle_client(struct cli *cli, const struct ipc_transport *t,
			       const struct ipc_addr *addr, int server_stop_fd, int *hold_fd,
			       char *why, size_t why_cap)
{
	int ready[2], hold[2];

	if (pipe(ready) < 0) {
		snprintf(why, why_cap, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe(hold) < 0) {
		snprintf(why, why_cap, "pipe: %s", strerror(errno));
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, why_cap, "fork the idle client: %s", strerror(errno));
		close(ready[0]);
		close(ready[1]);
		close(hold[0]);
		close(hold[1]);
		return -1;
	}
	if (pid == 0) {
		struct ipc_conn c;
		struct ipc_error e;
		close(server_stop_fd); /* only the parent may stop the server */
		close(ready[0]);
		close(hold[1]);
		ipc_conn_init(&c, t, &cli->ctx);
		if (t->connect(&c, addr, &e) < 0) {
			ssize_t n = write(ready[1], e.msg, strlen(e.msg));
			_exit(n < 0 ? IPC_SYSTEM : e.status);
		}
		if (write(ready[1], "y", 1) != 1)
			_exit(IPC_SYSTEM);
		close(ready[1]);
		char b;
		while (read(hold[0], &b, 1) < 0 && errno == EINTR)
			; /* end of file: the demonstration is over */
		t->close(&c);
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	*hold_fd = hold[1];
	ssize_t n;
	do
		n = read(ready[0], why, why_cap - 1);
	while (n < 0 && errno == EINTR);
	close(ready[0]);
	why[n > 0 ? n : 0] = '\0';
	if (n == 1 && why[0] == 'y')
		return pid;
	if (n <= 0)
		snprintf(why, why_cap, "the idle client died before connecting");
	close(hold[1]);
	waitpid(pid, NULL, 0);
	return -1;
}

struct second_result {
	int status;        /* conn_greet's: 0 served, -1 failed (e) */
	double ms;         /* from sending the name to the reply or giving up */
	struct ipc_error e;
};

static void greet_second(struct cli *cli, const struct ipc_transport *t,
			 const struct ipc_addr *addr, int wait_ms, struct second_result *r)
{
	struct ipc_conn c;
	char reply[GREET_REPLY_MAX + 1];
	size_t len = 0;

	ipc_conn_init(&c, t, &cli->ctx);
	if (t->connect(&c, addr, &r->e) < 0) {
		r->status = -1;
		return;
	}
	struct ipc_ctx ctx = cli->ctx;
	ctx.timeout_ms = wait_ms;
	ctx.retries = 1; /* datagram: one send, the whole wait for its reply */
	c.ctx = &ctx;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	r->status = conn_greet(&c, SECOND_NAME, strlen(SECOND_NAME), reply, sizeof reply - 1,
			       &len, &r->e);
	clock_gettime(CLOCK_MONOTONIC, &b);
	r->ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	if (r->status == IPC_OK && (len != sizeof "Hello, " SECOND_NAME "\n" - 1 ||
				    memcmp(reply, "Hello, " SECOND_NAME "\n", len))) {
		r->status = ipc_fail(&r->e, IPC_PROTOCOL, 0, "the second client got '%.*s'",
				     (int)(len ? len - 1 : 0), reply);
	}
	c.ctx = &cli->ctx;
	t->close(&c);
}

/* Print what happened; return 0 when it is what the mode predicts. */
static int tell(const struct ipc_transport *t, enum serve_mode mode, int wait_ms,
		const struct second_result *r)
{
	const char *m = serve_mode_name(mode);
	bool expect_block = mode == SERVE_ITERATIVE && t->kind == IPC_STREAM;
	bool served = r->status == IPC_OK;
	bool gave_up = r->status < 0 && r->e.status == IPC_TIMEOUT;

	if (!served && !gave_up) {
		fprintf(stderr, "ipclab drawback: the second client failed: %s\n", r->e.msg);
		return r->e.status ? r->e.status : IPC_SYSTEM;
	}
	if (gave_up)
		printf("%s: second client waited %d ms and gave up: the server is busy with an "
		       "idle client\n", m, wait_ms);
	else if (t->kind == IPC_DATAGRAM)
		printf("%s: second client served at once: a datagram server has no connections, "
		       "an idle client holds nothing\n", m);
	else
		printf("%s: second client served at once while an idle client is connected\n", m);
	/* The time on a line of its own: the line above never changes. */
	if (served)
		printf("(%s over %s: reply after %.1f ms)\n", m, t->name, r->ms);
	else
		printf("(%s over %s: no reply within %d ms)\n", m, t->name, wait_ms);
	if (expect_block && served) {
		fprintf(stderr, "ipclab drawback: an iterative %s server should not answer a "
				"second client while the first is connected\n", t->name);
		return IPC_PROTOCOL;
	}
	if (!expect_block && gave_up) {
		fprintf(stderr, "ipclab drawback: a %s %s server should have answered at once\n",
			m, t->name);
		return IPC_TIMEOUT;
	}
	return 0;
}

static int parse_args(int argc, char **argv, const char **mode, unsigned long *wait_ms,
		      bool *help)
{
	static const struct option longs[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		/* The old spelling: --wait is block|spin everywhere else. */
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":m:t:h", longs, NULL)) != -1) {
		switch (ch) {
		case 'm':
			*mode = optarg;
			break;
		case 'w':
			if (!strcmp(optarg, "block") || !strcmp(optarg, "spin")) {
				fprintf(stderr, "ipclab drawback: --wait %s is how a shared-memory "
						"side waits (serve, greet, bench); the second client's "
						"wait here is --timeout MS\n", optarg);
				return -1;
			}
			/* --wait MS: the old spelling of --timeout MS. */
			if (cli_parse_number("drawback", "--wait", optarg, 1, 600000, wait_ms) < 0)
				return -1;
			break;
		case 't':
			if (cli_parse_number("drawback", "--timeout", optarg, 1, 600000, wait_ms) < 0)
				return -1;
			break;
		case 'h':
			*help = true;
			break;
		default:
			return cli_bad_option("drawback", ch, argv);
		}
	}
	return optind;
}

/* Server, silent client, second client, and everything stopped again. */
static int demonstrate(struct cli *cli, const struct ipc_transport *t, enum serve_mode mode,
		       int wait_ms)
{
	struct ipc_server s;
	struct server_child child;
	struct second_result r = { .status = -1 };
	struct ipc_error e;
	char why[IPC_ERR_MAX];
	int hold = -1, rc;

	/* The server must not drop the silent client before the second one
	 * gives up, or the iterative server would look multiplexed. */
	struct serve_opts o = { .stop_fd = -1, .idle_timeout_ms = 2 * wait_ms + 1000,
				.log = stderr, .mode = mode };
	if (cli_listen(cli, t, NULL, &s, &e) < 0)
		return cli_report(&e);
	if (server_spawn(&s, &o, &child, &e) < 0) {
		t->shutdown(&s, true);
		return cli_report(&e);
	}
	pid_t idle = start_idle_client(cli, t, &s.addr, child.stop_fd, &hold, why, sizeof why);
	if (idle < 0) {
		fprintf(stderr, "ipclab drawback: the idle client could not connect: %s\n", why);
		rc = IPC_NO_SERVER;
	} else {
		greet_second(cli, t, &s.addr, wait_ms, &r);
		rc = tell(t, mode, wait_ms, &r);
	}
	/* Stop the server before the silent client leaves: an iterative one
	 * would otherwise go on to answer the second client, gone by now. */
	int src = server_stop(&child, &e);
	if (idle > 0) {
		close(hold);
		waitpid(idle, NULL, 0);
	}
	if (src != 0 && rc == 0) {
		if (src < 0)
			return cli_report(&e);
		fprintf(stderr, "ipclab drawback: the %s server exited with status %d\n", t->name,
			src);
		rc = src;
	}
	return rc;
}

int cmd_drawback(struct cli *cli, int argc, char **argv)
{
	const char *mode_name = "iterative";
	unsigned long wait_ms = DRAWBACK_WAIT_MS;
	enum serve_mode mode;
	struct ipc_error e;
	char dir[IPC_ADDR_MAX];
	bool help = false;
	int i = parse_args(argc, argv, &mode_name, &wait_ms, &help);

	if (i < 0)
		return IPC_USAGE;
	if (help) {
		cli_help(stdout, drawback_usage);
		return 0;
	}
	if (argc - i > 1) {
		fprintf(stderr, "ipclab drawback: one transport only, not '%s' too; see `ipclab "
				"drawback --help`\n", argv[i + 1]);
		return IPC_USAGE;
	}
	const struct ipc_transport *t = cli_transport_for("drawback", CLI_USE_DRAWBACK,
							  i < argc ? argv[i] : "unix_stream");
	if (!t)
		return IPC_USAGE;
	if (serve_mode_parse(mode_name, &mode) < 0) {
		char modes[256];
		cli_modes(NULL, ", ", modes, sizeof modes);
		fprintf(stderr, "ipclab drawback: --mode is one of %s, not '%s'\n", modes,
			mode_name);
		return IPC_USAGE;
	}
	if (!cli_takes(CLI_USE_DRAWBACK, t)) {
		char names[512];
		cli_names(CLI_USE_DRAWBACK, ", ", names, sizeof names);
		fprintf(stderr, "ipclab drawback %s: its server has exactly one client, the forked "
				"child: there is no second one to keep waiting; try one of %s\n",
			t->name, names);
		return IPC_USAGE;
	}
	if (serve_mode_check(t, mode, &e) < 0)
		return cli_report(&e);

	/* A private directory (removed afterwards) and a free port. */
	if (rundir_ensure(cli->rundir, &e) < 0)
		return cli_report(&e);
	if (snprintf(dir, sizeof dir, "%s/drawback-XXXXXX", cli->rundir) >= (int)sizeof dir ||
	    !mkdtemp(dir)) {
		fprintf(stderr, "ipclab drawback: mkdtemp in %s: %s\n", cli->rundir, strerror(errno));
		return IPC_SYSTEM;
	}
	cli->ctx.rundir = dir;
	cli->ctx.any_port = true;
	signal(SIGPIPE, SIG_IGN);

	int rc = demonstrate(cli, t, mode, (int)wait_ms);
	if (rmdir(dir) < 0) {
		fprintf(stderr, "ipclab drawback: rmdir %s: %s\n", dir, strerror(errno));
		if (rc == 0)
			rc = IPC_SYSTEM;
	}
	return rc;
}
