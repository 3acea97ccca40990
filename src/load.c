/* load.c - `ipclab load`: many concurrent clients, every reply checked. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"
#include "load.h"
#include "report.h"
#include "stats.h"

#define LOAD_WORKERS_MAX 64
#define LOAD_SAMPLES_MAX (1UL << 25) /* clients x requests: 256 MiB of latencies */

static const char load_usage[] =
	"usage: ipclab load TRANSPORT [--clients N] [--requests M] [--pipeline K]\n"
	"                   [--address ADDR] [--workers W] [--timeout MS]\n"
	"                   [--mode LABEL] [--format text|csv|json|markdown]\n"
	"Open N connections to a running server (default 10), all of them first,\n"
	"then send M greetings on each (default 100) with distinct names\n"
	"(\"c<conn>-r<req>\"), keeping up to K requests in flight per connection\n"
	"(default 1).  Every reply must be exactly \"Hello, <that name>\".  Reports\n"
	"greetings/s, the latency of each request (send to reply) p50 to max in\n"
	"microseconds, and the requests lost to errors or timeouts, as one row of\n"
	"the benchmark layout (kind \"load\").\n"
	"\n"
	"  -c, --clients N    concurrent connections (1 to 100000)\n"
	"  -n, --requests M   greetings per connection\n"
	"  -k, --pipeline K   requests in flight per connection (1 to 4096)\n"
	"  -a, --address ADDR the server's address, as its `listening on` line says\n"
	"                     (default: where `ipclab serve` listens by default)\n"
	"  -w, --workers W    processes sharing the connections, each with its own\n"
	"                     epoll loop (default 1)\n"
	"  -t, --timeout MS   longest wait for one connection or reply (default 3000)\n"
	"  -m, --mode LABEL   the server's mode, copied into the row (the generator\n"
	"                     cannot know it): {modes}; left\n"
	"                     out, the row's mode is empty\n"
	"  -f, --format F     text (default), csv, json or markdown\n"
	"\n"
	"TRANSPORT: a transport with a connection per client, one of\n"
	"{load}.\n"
	"A datagram server has no connections to load, and {inherited} have no\n"
	"server another process can reach: use `ipclab bench latency` for them.\n"
	"The descriptor limit is raised to the hard limit when N needs it.\n"
	"Exit status: 0 every reply right, 3 no server, 4 timeouts, 7 wrong replies\n"
	"or connections closed early, 2 usage.\n";

struct load_args {
	unsigned long clients, requests, pipeline, workers;
	const char *address, *mode;
	enum report_format format;
};

static int parse_args(struct cli *cli, int argc, char **argv, struct load_args *a, bool *help)
{
	static const struct option longs[] = {
		{ "clients", required_argument, NULL, 'c' },
		{ "requests", required_argument, NULL, 'n' },
		{ "pipeline", required_argument, NULL, 'k' },
		{ "workers", required_argument, NULL, 'w' },
		{ "address", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 't' },
		{ "mode", required_argument, NULL, 'm' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long ms;
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:n:k:w:a:t:m:f:h", longs, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (cli_parse_number("load", "--clients", optarg, 1, 100000, &a->clients) < 0)
				return -1;
			break;
		case 'n':
			if (cli_parse_number("load", "--requests", optarg, 1, 10000000, &a->requests) < 0)
				return -1;
			break;
		case 'k':
			if (cli_parse_number("load", "--pipeline", optarg, 1, LOAD_PIPELINE_MAX,
					     &a->pipeline) < 0)
				return -1;
			break;
		case 'w':
			if (cli_parse_number("load", "--workers", optarg, 1, LOAD_WORKERS_MAX,
					     &a->workers) < 0)
				return -1;
			break;
		case 'a':
			a->address = optarg;
			break;
		case 't':
			if (cli_parse_number("load", "--timeout", optarg, 1, INT_MAX, &ms) < 0)
				return -1;
			cli->ctx.timeout_ms = (int)ms;
			break;
		case 'm':
			if (!optarg[0] || strpbrk(optarg, ",\"\n")) {
				fprintf(stderr, "ipclab load: --mode wants a plain label such as "
						"epoll, not '%s'\n", optarg);
				return -1;
			}
			a->mode = optarg;
			break;
		case 'f':
			if (report_parse_format(optarg, &a->format) < 0) {
				fprintf(stderr, "ipclab load: --format is text, csv, json or markdown, "
						"not '%s'\n", optarg);
				return -1;
			}
			break;
		case 'h':
			*help = true;
			break;
		default:
			return cli_bad_option("load", ch, argv);
		}
	}
	return optind;
}

/* Which transports can be loaded, and sizes that make sense. */
static int check_transport(const struct ipc_transport *t, struct load_args *a)
{
	char names[512];
	cli_names(CLI_USE_LOAD, ", ", names, sizeof names);
	if (!cli_takes(CLI_USE_LOAD, t) && t->servable && t->kind == IPC_DATAGRAM) {
		fprintf(stderr, "ipclab load %s: a datagram server has no connections to load (one "
				"socket reads every client); measure it with `ipclab bench` instead\n",
			t->name);
		return -1;
	}
	if (!cli_takes(CLI_USE_LOAD, t)) {
		fprintf(stderr, "ipclab load %s: %s; load one of %s\n", t->name, t->servable
			? "its server has no connection per client to load"
			: "it joins one forked child to its parent, there is no server to load",
			names);
		return -1;
	}
	if (a->workers > a->clients) {
		fprintf(stderr, "ipclab load: %lu workers for %lu clients: some would have nothing "
				"to do; use at most --workers %lu\n", a->workers, a->clients,
			a->clients);
		return -1;
	}
	if (a->clients > LOAD_SAMPLES_MAX / a->requests) {
		fprintf(stderr, "ipclab load: %lu clients x %lu requests is more than %lu latencies "
				"to keep in memory; lower --requests\n", a->clients, a->requests,
			LOAD_SAMPLES_MAX);
		return -1;
	}
	return 0;
}

/* CPU time (user + system) of this process and its reaped children (the
 * workers), in microseconds: the load generator's side only. */
static double clients_cpu_us(void)
{
	struct rusage self, kids;
	if (getrusage(RUSAGE_SELF, &self) < 0 || getrusage(RUSAGE_CHILDREN, &kids) < 0)
		return 0;
	const struct timeval *tv[] = { &self.ru_utime, &self.ru_stime, &kids.ru_utime,
				       &kids.ru_stime };
	double us = 0;
	for (size_t i = 0; i < sizeof tv / sizeof tv[0]; i++)
		us += (double)tv[i]->tv_sec * 1e6 + (double)tv[i]->tv_usec;
	return us;
}

static void print_row(const struct load_args *a, const struct ipc_transport *t,
		      const struct ipc_ctx *ctx, const struct load_tally *tl, double *lat,
		      double cpu_us)
{
	struct env_record env;
	struct report r;
	char note[160] = "";
	unsigned long errors = tl->refused + tl->wrong + tl->closed + tl->timeouts;
	double secs = (double)(tl->end_ns - tl->start_ns) / 1e9;

	/* cpu_us/op is the clients' time alone: the server is another
	 * program, whose CPU this one cannot see. */
	if (errors)
		snprintf(note, sizeof note, "cpu=clients refused=%lu wrong=%lu closed=%lu "
			 "timeouts=%lu", tl->refused, tl->wrong, tl->closed, tl->timeouts);
	else
		snprintf(note, sizeof note, "cpu=clients");
	struct result_row row = {
		.kind = "load",
		.transport = t->name,
		.mode = a->mode,
		.count = tl->greetings,
		.clients = a->clients,
		.pin = "none",
		.msgs_per_s = secs > 0 ? (double)tl->greetings / secs : 0,
		.cpu_us_per_op = tl->greetings ? cpu_us / (double)tl->greetings : 0,
		.lost = tl->unanswered,
		.errors = errors,
		.note = note,
	};
	stats_compute(lat, tl->greetings, &row.lat_us);
	env_record_collect(&env, "none", ctx->rundir);
	report_begin(&r, stdout, a->format, &env);
	report_add(&r, &row);
	report_end(&r);
	fflush(stdout);
}

int cmd_load(struct cli *cli, int argc, char **argv)
{
	struct load_args a = { .clients = 10, .requests = 100, .pipeline = 1, .workers = 1,
			       .mode = "", .format = REPORT_TEXT };
	struct load_config cfg = { .addr = { .pipe_fd = { -1, -1 } } };
	struct load_tally tl;
	struct ipc_error e;
	double *lat = NULL;
	bool help = false;
	int i = parse_args(cli, argc, argv, &a, &help);

	if (i < 0)
		return IPC_USAGE;
	if (help) {
		cli_help(stdout, load_usage);
		return 0;
	}
	if (argc - i == 0)
		return cli_missing_transport("load", CLI_USE_LOAD);
	if (argc - i != 1) {
		fprintf(stderr, "ipclab load: one transport only, not '%s' too; see `ipclab load "
				"--help`\n", argv[i + 1]);
		return IPC_USAGE;
	}
	const struct ipc_transport *t = cli_transport_for("load", CLI_USE_LOAD, argv[i]);
	if (!t || check_transport(t, &a) < 0)
		return IPC_USAGE;
	if (a.address) {
		if (snprintf(cfg.addr.text, sizeof cfg.addr.text, "%s", a.address) >=
		    (int)sizeof cfg.addr.text) {
			fprintf(stderr, "ipclab load: address too long (max %zu bytes)\n",
				sizeof cfg.addr.text - 1);
			return IPC_USAGE;
		}
	} else {
		t->default_address(&cli->ctx, cfg.addr.text, sizeof cfg.addr.text);
	}
	cfg.t = t;
	cfg.ctx = &cli->ctx;
	cfg.clients = a.clients;
	cfg.requests = a.requests;
	cfg.pipeline = a.pipeline < a.requests ? a.pipeline : a.requests;
	cfg.workers = a.workers;
	cfg.timeout_ms = cli->ctx.timeout_ms;

	signal(SIGPIPE, SIG_IGN); /* a FIFO whose server left: EPIPE, not death */
	double cpu0 = clients_cpu_us();
	if (load_run(&cfg, &tl, &lat, &e) < 0)
		return cli_report(&e);
	if (tl.refused == a.clients) {
		free(lat);
		fprintf(stderr, "ipclab load: no connection could be made to %s: %s\n",
			cfg.addr.text, tl.first_error);
		return tl.first_status ? tl.first_status : IPC_NO_SERVER;
	}
	print_row(&a, t, &cli->ctx, &tl, lat, clients_cpu_us() - cpu0);
	free(lat);
	if (!tl.first_status)
		return 0;
	fprintf(stderr, "ipclab load: %lu of %lu greetings unanswered (%lu connections refused, "
			"%lu wrong replies, %lu connections closed early, %lu requests timed out); "
			"first problem: %s\n",
		tl.unanswered, a.clients * a.requests, tl.refused, tl.wrong, tl.closed, tl.timeouts,
		tl.first_error);
	return tl.first_status;
}
