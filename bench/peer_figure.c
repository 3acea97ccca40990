/*
 * peer_figure.c - `ipclab bench plan peer-figure TOOL < OUTPUT`: the figure a
 * peer tool printed, read from its own output (bench/peers.sh runs the
 * tools; which statistic each gives is said in plan.c's peers step).
 *
 *   perf        `perf bench sched pipe`: the mean µs per round trip
 *               ("5.123 usecs/op")
 *   sockperf    `sockperf ping-pong --full-log` (packet, txTime, rxTime,
 *               rtt): every round trip's µs, one a line
 *   qperf-tcp, qperf-udp   `qperf ... tcp_lat udp_lat`: the mean ONE-WAY
 *               latency of that test, doubled to a round trip, in µs
 *   lmbench     lat_* or bw_*: the number before the unit on the last line
 *               that has one (µs or MB/s)
 *
 * Exit 0 with the figure on stdout, or IPC_PROTOCOL with one line on
 * stderr when the output holds none (has the tool's output changed?).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"
#include "plan.h"

#define FIELDS_MAX 16

/* Blank-separated fields of line (changed in place); their count. */
static int fields(char *line, char **f)
{
	int n = 0;
	for (char *save = NULL, *w = strtok_r(line, " \t\r\n", &save); w && n < FIELDS_MAX;
	     w = strtok_r(NULL, " \t\r\n", &save))
		f[n++] = w;
	return n;
}

/* "0.001" per unit of qperf's latency line, as a µs multiplier. */
static double us_per(const char *unit)
{
	if (!strcmp(unit, "ns"))
		return 0.001;
	if (!strcmp(unit, "ms"))
		return 1000;
	if (!strcmp(unit, "sec") || !strcmp(unit, "s"))
		return 1e6;
	return 1;
}

int plan_peer_figure(int argc, char **argv)
{
	const char *tool = argc == 2 ? argv[1] : "";
	enum { PERF, SOCKPERF, QPERF_TCP, QPERF_UDP, LMBENCH, NONE } k =
		!strcmp(tool, "perf")        ? PERF
		: !strcmp(tool, "sockperf")  ? SOCKPERF
		: !strcmp(tool, "qperf-tcp") ? QPERF_TCP
		: !strcmp(tool, "qperf-udp") ? QPERF_UDP
		: !strcmp(tool, "lmbench")   ? LMBENCH
					     : NONE;
	if (k == NONE) {
		fputs("usage: ipclab bench plan peer-figure perf|sockperf|qperf-tcp|qperf-udp|lmbench"
		      " < OUTPUT\n", stderr);
		return IPC_USAGE;
	}
	char *line = NULL, *f[FIELDS_MAX], figure[64] = "";
	size_t cap = 0;
	unsigned long found = 0;
	int in_test = 0;
	while (getline(&line, &cap, stdin) >= 0) {
		bool indented = line[0] == ' ';
		if (k == SOCKPERF) { /* "12, 1.000001, 1.000020, 9.500": the fourth */
			size_t d = strspn(line, "0123456789");
			char *rtt = line;
			for (int c = 0; c < 3 && rtt; c++)
				rtt = strchr(rtt + 1, ',');
			if (d && line[d] == ',' && rtt) {
				rtt += 1 + strspn(rtt + 1, " ");
				printf("%.*s\n", (int)strcspn(rtt, ", \t\r\n"), rtt);
				found++;
			}
			continue;
		}
		int n = fields(line, f);
		switch (k) {
		case PERF:
			if (n >= 2 && !strcmp(f[1], "usecs/op") && !found++)
				snprintf(figure, sizeof figure, "%s", f[0]);
			break;
		case SOCKPERF:
			break;
		case QPERF_TCP:
		case QPERF_UDP: /* "tcp_lat:", then "    latency  =  13.4 us" */
			if (n >= 1 && !indented)
				in_test = !strcmp(f[0], k == QPERF_TCP ? "tcp_lat:" : "udp_lat:");
			else if (in_test && n >= 4 && !strcmp(f[0], "latency") && !found++)
				snprintf(figure, sizeof figure, "%.3f", 2 * strtod(f[2], NULL) * us_per(f[3]));
			break;
		case LMBENCH:
			if (n >= 2 && (!strcmp(f[n - 1], "microseconds") || !strcmp(f[n - 1], "MB/sec"))) {
				snprintf(figure, sizeof figure, "%s", f[n - 2]);
				found++;
			}
			break;
		case NONE:
			break;
		}
	}
	free(line);
	if (!found) {
		fprintf(stderr, "ipclab bench plan peer-figure: no %s figure in its output: has %s's "
			"output changed?\n", tool, tool);
		return IPC_PROTOCOL;
	}
	if (k != SOCKPERF)
		printf("%s\n", figure);
	return ferror(stdout) || fflush(stdout) != 0 ? IPC_SYSTEM : 0;
}
