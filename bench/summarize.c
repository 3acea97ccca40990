/*
 * summarize.c - `ipclab bench summarize`: timings measured elsewhere (say,
 * hyperfine's per-run times) turned into one row of the common layout, with
 * the same statistics code as the in-process benchmarks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

int bench_summarize(FILE *in, double unit_s, const char *kind, const char *transport,
		    unsigned long size, const char *pin, FILE *warn, struct bench_result *r,
		    struct ipc_error *e)
{
	struct bench_opts none = { .pin = { -1, -1 } };
	double *us = NULL;
	size_t n = 0, cap = 0;
	unsigned long line_no = 0;
	char line[256];

	bench_result_init(r, &none, kind);
	r->row.transport = transport;
	r->row.size = size;
	snprintf(r->pin, sizeof r->pin, "%s", pin && *pin ? pin : "none");
	while (fgets(line, sizeof line, in)) {
		line_no++;
		char *p = line, *end;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\n' || *p == '\0' || *p == '#')
			continue;
		errno = 0;
		double v = strtod(p, &end);
		while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
			end++;
		if (end == p || *end || errno || !(v >= 0) || v > 1e300) {
			free(us);
			p[strcspn(p, "\r\n")] = '\0';
			ipc_fail(e, IPC_USAGE, 0, "summarize: line %lu is not a time: '%.40s'",
				 line_no, p);
			return ipc_hint(e, "give one non-negative number a line");
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			double *bigger = realloc(us, ncap * sizeof *us);
			if (!bigger) {
				free(us);
				return ipc_fail(e, IPC_SYSTEM, ENOMEM, "summarize: %zu numbers", ncap);
			}
			us = bigger;
			cap = ncap;
		}
		us[n++] = v * unit_s * 1e6;
	}
	if (ferror(in)) {
		free(us);
		return ipc_fail(e, IPC_SYSTEM, errno, "summarize: read stdin");
	}
	if (n == 0) {
		free(us);
		ipc_fail(e, IPC_USAGE, 0, "summarize: no numbers on stdin");
		return ipc_hint(e, "pipe the times in, one a line "
				"(e.g. jq -r '.results[0].times[]' hyperfine.json)");
	}
	stats_compute(us, n, &r->row.lat_us);
	free(us);
	r->row.count = n;
	r->row.msgs_per_s = r->row.lat_us.mean > 0 ? 1e6 / r->row.lat_us.mean : 0;
	if (stats_high_spread(&r->row.lat_us)) {
		bench_note(r, "HIGH-SPREAD");
		bench_warn(warn, "%s %s: high spread, p99 %.3f us > %.0f x p50 %.3f us", kind,
			   transport, r->row.lat_us.p99, STATS_SPREAD_FACTOR, r->row.lat_us.p50);
	}
	return 0;
}
