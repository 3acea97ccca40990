/*
 * datadir.c - `ipclab bench run` and `ipclab bench plot`: the shell scripts
 * behind `make bench`, run by the program itself, so that an installed
 * ipclab can measure itself and draw the plots anywhere.
 *
 * The scripts are found relative to the program, never at a path fixed at
 * build time: `make install DESTDIR=/tmp/x` puts them in
 * /tmp/x/usr/share/ipclab, which is where /tmp/x/usr/bin/ipclab looks
 * (../share/ipclab), and a package that moves both keeps them together.
 */
#include "datadir.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char run_usage[] =
	"usage: ipclab bench run [--quick] [--results DIR]\n"
	"\n"
	"The whole benchmark, as `make bench` runs it in the source tree: the demos,\n"
	"whole-process timings (hyperfine), latency, throughput, connection set-up,\n"
	"the peer tools, the scaling run, then a summary and the plots.  This ipclab\n"
	"is the program measured.  A full run took 13 minutes on a quiet 2-vCPU\n"
	"virtual machine and left 33 MB; its last line says how long and how much.\n"
	"\n"
	"  --quick          every step with few iterations (0:43 to 2:02 on 2 vCPUs,\n"
	"                   quiet to busy)\n"
	"  --results DIR    where each run's directory goes (default $IPCLAB_RESULTS,\n"
	"                   else ./results); DIR/latest is the newest full run,\n"
	"                   DIR/latest-quick the newest quick one\n"
	"\n"
	"It needs bash and the Debian packages hyperfine, jq and gnuplot-nox; the\n"
	"peer tools are measured when installed (see ipclab(1)).\n"
	"The scripts are read from $IPCLAB_DATA_DIR, else ../share/ipclab beside\n"
	"this program, else the source tree it was built in.\n";

static const char plot_usage[] =
	"usage: ipclab bench plot RESULTS_DIR\n"
	"\n"
	"Draw the plots of one run again, PNG and SVG, into RESULTS_DIR/plots\n"
	"(after editing the gnuplot scripts, say): ipclab bench plot results/latest\n";

/* Does dir hold the scripts? */
static int has_scripts(const char *dir)
{
	char path[PATH_MAX];
	return snprintf(path, sizeof path, "%s/bench/run.sh", dir) < (int)sizeof path &&
	       access(path, R_OK) == 0;
}

/* This program's own path, symlinks resolved. */
static int self_path(char *out, size_t cap, struct ipc_error *e)
{
	ssize_t n = readlink("/proc/self/exe", out, cap - 1);
	if (n < 0)
		return ipc_fail(e, IPC_SYSTEM, errno, "readlink /proc/self/exe");
	if ((size_t)n == cap - 1)
		return ipc_fail(e, IPC_SYSTEM, 0, "readlink /proc/self/exe: path too long");
	out[n] = '\0';
	return 0;
}

int datadir_find(char *out, size_t cap, struct ipc_error *e)
{
	const char *env = getenv("IPCLAB_DATA_DIR");
	char self[PATH_MAX], installed[PATH_MAX + 32], tree[PATH_MAX + 8];

	if (env && *env) {
		if (!has_scripts(env))
			return ipc_fail(e, IPC_USAGE, 0, "IPCLAB_DATA_DIR=%s holds no bench/run.sh; "
					"point it at the directory holding bench/ and plots/", env);
		if (snprintf(out, cap, "%s", env) >= (int)cap)
			return ipc_fail(e, IPC_USAGE, 0, "IPCLAB_DATA_DIR is too long");
		return 0;
	}
	if (self_path(self, sizeof self, e) < 0)
		return -1;
	char *slash = strrchr(self, '/');
	if (slash)
		*slash = '\0'; /* the directory of the program */
	snprintf(installed, sizeof installed, "%s/../share/ipclab", self);
	snprintf(tree, sizeof tree, "%s/..", self);
	const char *found = has_scripts(installed) ? installed : has_scripts(tree) ? tree : NULL;
	if (!found)
		return ipc_fail(e, IPC_USAGE, 0, "no bench/run.sh in %s or %s; reinstall ipclab, "
				"or set IPCLAB_DATA_DIR to the directory holding bench/ and plots/",
				installed, tree);
	if (!realpath(found, out) || strlen(out) >= cap) /* realpath: out is PATH_MAX */
		return ipc_fail(e, IPC_SYSTEM, errno, "realpath %s", found);
	return 0;
}

/* A path made absolute against the current directory: the scripts change
 * to their own directory first. */
static int absolute(const char *cmd, const char *path, char *out, size_t cap)
{
	char cwd[PATH_MAX];
	int n;

	if (path[0] == '/') {
		n = snprintf(out, cap, "%s", path);
	} else if (!getcwd(cwd, sizeof cwd)) {
		fprintf(stderr, "ipclab bench %s: getcwd: %s; give an absolute path\n", cmd,
			strerror(errno));
		return -1;
	} else {
		n = snprintf(out, cap, "%s/%s", cwd, path);
	}
	if (n < 0 || n >= (int)cap) {
		fprintf(stderr, "ipclab bench %s: path too long: %s\n", cmd, path);
		return -1;
	}
	return 0;
}

int cmd_bench_script(struct cli *cli, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "results", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	const bool run = !strcmp(cmd, "run");
	const char *usage = run ? run_usage : plot_usage;
	char data[PATH_MAX], self[PATH_MAX], script[PATH_MAX + 16], target[PATH_MAX] = "";
	struct ipc_error e;
	bool quick = false;
	int ch;

	(void)cli;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, run ? ":h" : "+:h", longs, NULL)) != -1) {
		if (ch == 'h') {
			fputs(usage, stdout);
			return 0;
		} else if (run && ch == 'q') {
			quick = true;
		} else if (run && ch == 'r') {
			if (absolute(cmd, optarg, target, sizeof target) < 0)
				return IPC_USAGE;
		} else {
			fprintf(stderr, "ipclab bench %s: %s %s; see `ipclab bench %s --help`\n", cmd,
				ch == ':' ? "a value is missing after" : "unknown option",
				argv[optind - 1], cmd);
			return IPC_USAGE;
		}
	}
	if (run ? optind != argc : optind != argc - 1) {
		fprintf(stderr, "ipclab bench %s: %s; see `ipclab bench %s --help`\n", cmd,
			run ? "takes no operands" : "which run? name its directory", cmd);
		return IPC_USAGE;
	}
	if (!run && absolute(cmd, argv[optind], target, sizeof target) < 0)
		return IPC_USAGE;
	if (datadir_find(data, sizeof data, &e) < 0 || self_path(self, sizeof self, &e) < 0)
		return cli_report(&e);

	/* The scripts measure $IPCLAB_BIN: this very program. */
	if (setenv("IPCLAB_BIN", self, 1) != 0 || (quick && setenv("QUICK", "1", 1) != 0) ||
	    (run && target[0] && setenv("IPCLAB_RESULTS", target, 1) != 0)) {
		fprintf(stderr, "ipclab bench %s: setenv: %s\n", cmd, strerror(errno));
		return IPC_SYSTEM;
	}
	snprintf(script, sizeof script, "%s/bench/%s.sh", data, run ? "run" : "plot");
	char *args[] = { "bash", script, run ? NULL : target, NULL };
	fflush(NULL);
	execvp("bash", args);
	fprintf(stderr, "ipclab bench %s: cannot run bash %s: %s; is bash installed?\n", cmd,
		script, strerror(errno));
	return IPC_SYSTEM;
}
