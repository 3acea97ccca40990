/*
 * summary.c - summary.md after its findings: the tables behind them, and
 * the files `ipclab bench report` writes (summary.md, all.csv, peers.csv,
 * the plots' tables).
 */
#include "busy_finding.h"
#include "ladder.h"
#include "run.h"
#include "results_json.h"
#include "decide.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAXT 16

static void cell(FILE *out, const char *fmt, double v)
{
	if (isfinite(v) && v != 0)
		fprintf(out, fmt, v);
	else
		fputs(" – |", out);
}

/* The rounds' range of a row's figure (run_row_figure) and their number:
 * " 12.40–12.71 (5) |", or " – (1) |" after a single round. */
static void range_cell(FILE *out, const struct run_row *r, const char *fmt)
{
	struct figure f = run_row_figure(r);
	if (f.rounds < 2) {
		fputs(" – (1) |", out);
		return;
	}
	fputc(' ', out);
	fprintf(out, fmt, f.lo);
	fputs("–", out);
	fprintf(out, fmt, f.hi);
	fprintf(out, " (%u) |", f.rounds);
}

static void latency_table(const struct run *run, FILE *out)
{
	const char *T[MAXT], *pins[3] = { run->same, run->cross, "none" };
	size_t nt = run_transports_of(run, T, MAXT);
	char pl[48];

	fputs("## Round-trip latency (µs, in process)\n\n"
	      "Two processes ping-pong, every round trip timed.  greeting: the protocol's "
	      "request and reply; echo: a payload of that many bytes sent back.  Each row "
	      "ran in rounds: p50, p99 and p99.9 are the median round's (by p50), and "
	      "\"rounds\" gives the lowest and highest p50 of the rounds and their number, "
	      "the interval any comparison of the row is judged by.\n\n"
	      "| transport | mode | bytes |", out);
	for (size_t j = 0; j < 3; j++)
		if (pins[j][0])
			fprintf(out, " %s p50 | rounds | p99 | p99.9 |",
				placement_name(pins[j], pl, sizeof pl));
	fputs("\n| --- | --- | ---: |", out);
	for (size_t j = 0; j < 3; j++)
		if (pins[j][0])
			fputs(" ---: | ---: | ---: | ---: |", out);
	fputc('\n', out);
	for (size_t i = 0; i < nt; i++)
		for (int m = 0; m < 2; m++) {
			const char *mode = m ? "echo" : "greeting";
			const struct run_row *any = run_find(run, "latency", T[i], mode, "", 0);
			if (!any)
				continue;
			fprintf(out, "| %s | %s | %lu |", T[i], mode, any->r.size);
			for (size_t j = 0; j < 3; j++) {
				if (!pins[j][0])
					continue;
				const struct run_row *r = run_find(run, "latency", T[i], mode, pins[j], 0);
				if (!r) {
					fputs(" – | – | – | – |", out);
					continue;
				}
				fprintf(out, " %.2f |", r->r.lat_us.p50);
				range_cell(out, r, "%.2f");
				fprintf(out, " %.2f | %.2f |", r->r.lat_us.p99, r->r.lat_us.p999);
			}
			fputc('\n', out);
		}
	fputc('\n', out);
}

/* The price of checking every byte: 1 - checked / unchecked, with the
 * interval the two rows' rounds allow (1 - c.hi / u.lo to 1 - c.lo / u.hi).
 * Only a price whose whole interval is above 0 is one; rounds that overlap
 * are noise, said with their interval.  One round each: no interval, the
 * figure as it came. */
static void price_cell(FILE *out, const struct run_row *c, const struct run_row *u)
{
	if (!c || !u || !(u->r.mb_per_s > 0)) {
		fputs(" – |", out);
		return;
	}
	struct figure fc = run_row_figure(c), fu = run_row_figure(u);
	double price = 100 * (1 - fc.value / fu.value);
	if (fc.rounds < 2 || fu.rounds < 2) {
		if (price > 0)
			fprintf(out, " %.0f %% (one round) |", price);
		else
			fputs(" none seen (one round) |", out);
		return;
	}
	double lo = 100 * (1 - fc.hi / fu.lo), hi = 100 * (1 - fc.lo / fu.hi);
	if (lo > 0)
		fprintf(out, " %.0f %% (%.0f–%.0f %%) |", price, lo, hi);
	else
		fprintf(out, " none beyond the noise (%.0f to %.0f %%) |", lo, hi);
}

static void throughput_table(const struct run *run, FILE *out)
{
	const char *T[MAXT];
	size_t nt = run_transports_of(run, T, MAXT);
	const char *pin = run->cross[0] ? run->cross : run->same;
	static const unsigned long S[] = { 64, 4096, 65536, 1048576 };
	char pl[48], s[24];

	if (!run_find(run, "throughput", "", "", pin, 0))
		return;
	fprintf(out, "## Throughput (MB/s = 10^6 bytes/s, one way, every byte checked)\n\n"
		"Sender and receiver on %s; each figure is the median of the rounds (the "
		"lowest and highest are in the plot, and for 64 KiB in the last columns, "
		"with the number of rounds).  Unchecked: the same stream, the "
		"receiver counting the bytes without comparing them (`--no-verify`); the "
		"difference is the price of the check, stated only where the rounds of the "
		"two do not overlap (its interval in brackets).\n\n"
		"| transport | 64 B | 4 KiB | 64 KiB | 1 MiB | largest datagram | peak (size) | "
		"64 KiB unchecked | price of the check | 64 KiB rounds | unchecked rounds |\n"
		"| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
		placement_name(pin, pl, sizeof pl));
	for (size_t i = 0; i < nt; i++) {
		if (!run_find_tp(run, T[i], pin, 0, false))
			continue;
		fprintf(out, "| %s |", T[i]);
		for (size_t k = 0; k < 4; k++) {
			const struct run_row *r = run_find_tp(run, T[i], pin, S[k], false);
			cell(out, " %.0f |", r ? r->r.mb_per_s : NAN);
		}
		const struct ipc_transport *tr = ipc_transport_find(T[i]);
		const struct run_row *lim = NULL, *peak = NULL;
		for (size_t k = 0; k < run->nrows; k++) {
			const struct run_row *r = &run->rows[k];
			if (strcmp(r->r.kind, "throughput") || strcmp(r->r.transport, T[i]) ||
			    strcmp(r->r.pin, pin) || row_unverified(&r->r))
				continue;
			if (tr && tr->max_message && r->r.size == tr->max_message)
				lim = r;
			if (!r->r.lost && (!peak || r->r.mb_per_s > peak->r.mb_per_s))
				peak = r;
		}
		if (lim && lim->r.lost && lim->r.count)
			fprintf(out, " %.0f (%s), %.1f %% lost |", lim->r.mb_per_s,
				size_name(lim->r.size, s, sizeof s), 100.0 * lim->r.lost / lim->r.count);
		else if (lim)
			fprintf(out, " %.0f (%s) |", lim->r.mb_per_s, size_name(lim->r.size, s, sizeof s));
		else
			fputs(" – |", out);
		if (peak)
			fprintf(out, " %.0f (%s) |", peak->r.mb_per_s, size_name(peak->r.size, s, sizeof s));
		else
			fputs(" – (every run lost data) |", out);
		/* 64 KiB, or the largest datagram below it (udp: 65,507 B). */
		unsigned long bulk = tr && tr->max_message && tr->max_message < 65536 ? tr->max_message
										    : 65536;
		const struct run_row *c = run_find_tp(run, T[i], pin, bulk, false);
		const struct run_row *u = run_find_tp(run, T[i], pin, bulk, true);
		cell(out, " %.0f |", u ? u->r.mb_per_s : NAN);
		price_cell(out, c, u);
		if (c)
			range_cell(out, c, "%.0f");
		else
			fputs(" – |", out);
		if (u)
			range_cell(out, u, "%.0f");
		else
			fputs(" – |", out);
		fputc('\n', out);
	}
	fputc('\n', out);

	/* The sizes that ran at every placement: a row per transport and size. */
	const char *pins[3] = { run->same, run->cross, "none" };
	bool head = false;
	for (size_t i = 0; i < nt; i++) {
		unsigned long done[8];
		size_t ndone = 0;
		for (size_t k = 0; k < run->nrows; k++) {
			const struct result_row *r = &run->rows[k].r;
			if (strcmp(r->kind, "throughput") || strcmp(r->transport, T[i]) ||
			    !strcmp(r->pin, pin) || row_unverified(r))
				continue;
			size_t d = 0;
			while (d < ndone && done[d] != r->size)
				d++;
			if (d < ndone || ndone == 8)
				continue;
			done[ndone++] = r->size;
			if (!head) {
				fputs("### Throughput by placement (MB/s)\n\n| transport | size |", out);
				for (size_t j = 0; j < 3; j++)
					if (pins[j][0])
						fprintf(out, " %s |", placement_name(pins[j], pl, sizeof pl));
				fputs("\n| --- | ---: |", out);
				for (size_t j = 0; j < 3; j++)
					if (pins[j][0])
						fputs(" ---: |", out);
				fputc('\n', out);
				head = true;
			}
			fprintf(out, "| %s | %s |", T[i], size_name(r->size, s, sizeof s));
			for (size_t j = 0; j < 3; j++) {
				if (!pins[j][0])
					continue;
				const struct run_row *x = run_find_tp(run, T[i], pins[j], r->size, false);
				cell(out, " %.0f |", x ? x->r.mb_per_s : NAN);
			}
			fputc('\n', out);
		}
	}
	if (head)
		fputc('\n', out);
}

static void process_table(const struct run *run, FILE *out)
{
	const struct run_row *tr = run_find(run, "process", "none", "true", "", 0);
	const struct run_row *ls = run_find(run, "process", "none", "list", "", 0);
	const char *T[MAXT];
	size_t nt = run_transports_of(run, T, MAXT);
	double floor = tr ? tr->r.lat_us.p50 : NAN;

	if (!tr && !ls)
		return;
	fputs("## Whole process (hyperfine -N, unpinned)\n\n"
	      "Wall-clock time of one command, fork + exec + exit included.  `greet` runs "
	      "against a server started once outside the timed loop (the pipe's greet forks "
	      "its server); `demo` starts and stops its own server; `true` does nothing: "
	      "the floor.  The commands ran by turns in every round; runs, p50, mean and "
	      "p99 are the median round's (by p50), and \"rounds\" gives the lowest and "
	      "highest p50 of the rounds and their number.\n\n"
	      "| command | transport | runs | p50 ms | rounds | mean ms | p99 ms | p50 / true |\n"
	      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n", out);
	static const char *const M[] = { "true", "list", "list-dynamic", "greet", "greet-dynamic",
					 "demo" };
	for (size_t m = 0; m < sizeof M / sizeof M[0]; m++)
		for (size_t i = 0; i <= nt; i++) {
			const struct run_row *x = run_find(run, "process", i < nt ? T[i] : "none", M[m], "", 0);
			if (!x)
				continue;
			const struct result_row *r = &x->r;
			fprintf(out, "| %s | %s | %lu | %.3f | %.3f–%.3f (%u) | %.3f | %.3f |", r->mode,
				strcmp(r->transport, "none") ? r->transport : "–", r->count,
				r->lat_us.p50 / 1000, x->lo / 1000, x->hi / 1000, x->rounds,
				r->lat_us.mean / 1000, r->lat_us.p99 / 1000);
			cell(out, " %.2f |", floor > 0 ? r->lat_us.p50 / floor : NAN);
			fputc('\n', out);
		}
	fputc('\n', out);
}

static void connect_table(const struct run *run, FILE *out)
{
	const char *T[MAXT];
	size_t nt = run_transports_of(run, T, MAXT);
	bool head = false;
	char pl[48];

	for (size_t i = 0; i < nt; i++) {
		const struct run_row *r = run_find(run, "connect", T[i], "", "", 0);
		if (!r)
			continue;
		if (!head)
			fprintf(out, "## Connection set-up (µs: connect + accept + first byte, or "
				"the FIFO open handshake; %s)\n\n| transport | count | p50 | p99 | "
				"mean |\n| --- | ---: | ---: | ---: | ---: |\n",
				placement_name(r->r.pin, pl, sizeof pl));
		head = true;
		fprintf(out, "| %s | %lu | %.2f | %.2f | %.2f |\n", T[i], r->r.count,
			r->r.lat_us.p50, r->r.lat_us.p99, r->r.lat_us.mean);
	}
	if (head)
		fputc('\n', out);
}

/* Peer comparisons whose ipclab runs sat on two levels, each named once
 * (sockperf's p50 and mean verdicts share their runs). */
static void levels_lines(const struct peer_verdict *v, size_t n, FILE *out)
{
	char pl[48];
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		const struct peer_round *f = v[i].first;
		bool seen = false;
		for (size_t k = 0; k < i; k++)
			seen |= v[k].levels.two && !strcmp(v[k].first->tool, f->tool) &&
				!strcmp(v[k].first->transport, f->transport) &&
				!strcmp(v[k].first->pin, f->pin) && v[k].first->size == f->size;
		if (!v[i].levels.two || seen)
			continue;
		if (!any)
			fputs("Runs on two levels (the p50 of every ipclab run beside the peer; the "
			      "machine changed speed for a while, and each ratio pairs runs that met "
			      "the same level):\n\n", out);
		any = true;
		const struct stats_levels *l = &v[i].levels;
		fprintf(out, "- %s, %s %lu B, %s: %zu runs at %.2f µs, %zu at %.2f µs (%.0f %% "
			"apart)\n", f->tool, f->transport, f->size,
			placement_name(f->pin, pl, sizeof pl), l->points - l->n_high, l->low,
			l->n_high, l->high, 100 * (l->high / l->low - 1));
	}
	if (any)
		fputc('\n', out);
}

static void peers_table(const struct run *run, FILE *out)
{
	struct peer_verdict v[64];
	size_t n = run_peer_verdicts(run, v, 64);
	char pl[48];

	fputs("## Peers (the same run, the same placement, the same statistic)\n\n", out);
	if (!n) {
		fputs("No peer tool ran (perf, sockperf and qperf are installed by `make "
		      "deps-bench`).\n\n", out);
		return;
	}
	fputs("Each peer run sits between two runs of ipclab over the same transport, "
	      "message size and placement, one just before and one just after it; their "
	      "mean is paired with the peer's figure, and the ratio to judge by is the "
	      "median of those pairs' ratios over the rounds (ipclab / peer: below 1, "
	      "ipclab is faster; for MB/s, above 1 it moves more).  A pair whose two "
	      "ipclab runs differ by over 2× (the scheduler moved one) is left out and "
	      "counted apart.  perf bench, qperf and lmbench's lat_* print a mean, so "
	      "ipclab's mean is set against it; sockperf keeps every round trip, so "
	      "both statistics are compared.\n\n"
	      "| peer | transport | bytes | placement | statistic | peer | ipclab p50 | "
	      "ipclab mean | ipclab / peer | lowest – highest | rounds |\n"
	      "| --- | --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n", out);
	for (size_t i = 0; i < n; i++) {
		const struct peer_round *f = v[i].first;
		bool bw = peer_is_bandwidth(f);
		fprintf(out, "| %s | %s | %lu | %s | %s | %.*f |", f->tool, f->transport, f->size,
			placement_name(f->pin, pl, sizeof pl), f->stat, bw ? 0 : 2, v[i].peer);
		if (bw)
			fprintf(out, " %.0f MB/s | – |", v[i].ours);
		else
			fprintf(out, " %.2f | %.2f |", v[i].ours_p50, v[i].ours_mean);
		if (v[i].judged)
			fprintf(out, " %.2f | %.2f – %.2f |", v[i].ratio, v[i].lo, v[i].hi);
		else
			fputs(" – | – |", out);
		if (v[i].split)
			fprintf(out, " %zu (+%zu split) |\n", v[i].rounds, v[i].split);
		else
			fprintf(out, " %zu |\n", v[i].rounds);
	}
	fputc('\n', out);
	levels_lines(v, n, out);
	fputs("The same figures as data: peers.csv.\n\n", out);
}

static void scaling_table(const struct run *run, FILE *out)
{
	unsigned long cl[32];
	size_t ncl = 0;
	for (size_t k = 0; k < run->nrows; k++) {
		const struct result_row *r = &run->rows[k].r;
		if (strcmp(r->kind, "load"))
			continue;
		size_t j = 0;
		while (j < ncl && cl[j] != r->clients)
			j++;
		if (j == ncl && ncl < 32) {
			size_t at = ncl++;
			while (at > 0 && cl[at - 1] > r->clients) {
				cl[at] = cl[at - 1];
				at--;
			}
			cl[at] = r->clients;
		}
	}
	if (!ncl)
		return;
	fputs("## Many clients (thousand requests per second, by concurrent clients)\n\n"
	      "`ipclab serve` in each mode under `ipclab load`; redis: redis-server answering "
	      "redis-benchmark's PINGs at the same counts.\n\n| transport | server |", out);
	for (size_t j = 0; j < ncl; j++)
		fprintf(out, " %lu |", cl[j]);
	fputs("\n| --- | --- |", out);
	for (size_t j = 0; j < ncl; j++)
		fputs(" ---: |", out);
	fputc('\n', out);
	static const char *const T[] = { "unix_stream", "tcp" };
	static const char *const M[] = { "iterative", "select", "poll", "epoll", "redis" };
	for (size_t t = 0; t < 2; t++)
		for (size_t m = 0; m < 5; m++) {
			if (!run_find(run, "load", T[t], M[m], "", 0))
				continue;
			fprintf(out, "| %s | %s |", T[t], M[m]);
			for (size_t j = 0; j < ncl; j++) {
				const struct run_row *r = NULL;
				for (size_t k = 0; k < run->nrows && !r; k++) {
					const struct result_row *x = &run->rows[k].r;
					if (!strcmp(x->kind, "load") && !strcmp(x->transport, T[t]) &&
					    !strcmp(x->mode, M[m]) && x->clients == cl[j])
						r = &run->rows[k];
				}
				cell(out, " %.1f |", r ? r->r.msgs_per_s / 1000 : NAN);
			}
			fputc('\n', out);
		}
	fputc('\n', out);
}

/* A note worth a reader's attention: not UNPINNED on a run left unpinned
 * on purpose, not UNVERIFIED asked for. */
static bool flagged(const struct result_row *r, char *buf, size_t cap)
{
	char *w, *save = NULL;
	size_t len = 0;
	char copy[256];
	snprintf(copy, sizeof copy, "%s", r->note);
	buf[0] = '\0';
	for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if ((!strcmp(w, "UNPINNED") && !strcmp(r->pin, "none")) || !strcmp(w, "UNVERIFIED") ||
		    w[0] < 'A' || w[0] > 'Z')
			continue;
		len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%s", len ? " " : "", w);
	}
	return buf[0] != '\0';
}

static void flagged_table(const struct run *run, FILE *out)
{
	static const char *const causes[] = { "HIGH-SPREAD", "TWO-LEVEL", "LOSSY", "UNPINNED" };
	static const char *const kinds[] = { "process", "latency", "throughput", "connect", "load" };
	char note[256];
	bool head = false;

	for (size_t c = 0; c < sizeof causes / sizeof causes[0]; c++)
		for (size_t k = 0; k < 5; k++) {
			size_t n = 0, all = 0;
			char which[512] = "";
			size_t len = 0;
			for (size_t i = 0; i < run->nrows; i++) {
				const struct result_row *r = &run->rows[i].r;
				if (strcmp(r->kind, kinds[k]))
					continue;
				all++;
				if (!flagged(r, note, sizeof note) || !strstr(note, causes[c]))
					continue;
				if (n++ < 6 && len < sizeof which)
					len += (size_t)snprintf(which + len, sizeof which - len, "%s%s %s%s%s",
								len ? ", " : "", r->transport, r->mode,
								*r->mode ? " " : "", r->pin);
			}
			if (!n)
				continue;
			if (!head)
				fputs("## Flagged results\n\nHIGH-SPREAD: p99 over 3× p50 (one operation in "
				      "a hundred took three times the typical one: the machine's own "
				      "pauses, or other work on it); TWO-LEVEL: the run spent part of its time at one speed "
				      "and part at another, so its p50 and mean mix two regimes (the note "
				      "in all.csv gives both levels and the share of the run at the higher "
				      "one); LOSSY: datagrams lost (MB/s counts what arrived).  Each "
				      "row of all.csv carries its own note.\n\n| note | kind | results | "
				      "for example |\n| --- | --- | ---: | --- |\n", out);
			head = true;
			fprintf(out, "| %s | %s | %zu of %zu | %s%s |\n", causes[c], kinds[k], n, all,
				which, n > 6 ? ", ..." : "");
		}
	if (head)
		fputc('\n', out);
}

/* What the reader refused: said before any finding, so that a reader knows
 * which findings are missing and why. */
static void left_out(const struct run *run, FILE *out)
{
	const char *const *lines;
	size_t n = run_problems(run, &lines);
	if (!n)
		return;
	fprintf(out, "## Left out\n\n%zu file%s, row%s or figure%s of this run could not be used "
		"and %s left out; the findings and tables that needed %s are missing:\n\n", n,
		n > 1 ? "s" : "", n > 1 ? "s" : "", n > 1 ? "s" : "", n > 1 ? "are" : "is",
		n > 1 ? "them" : "it");
	for (size_t i = 0; i < n && i < 50; i++) {
		fputs("- ", out);
		for (const char *p = lines[i]; *p; p++) { /* shown as written, not as markdown */
			if (strchr("\\`*_|[]<>#", *p))
				fputc('\\', out);
			fputc(*p, out);
		}
		fputc('\n', out);
	}
	if (n > 50)
		fprintf(out, "- ... and %zu more\n", n - 50);
	fputc('\n', out);
}

void run_summary(const struct run *run, FILE *out)
{
	const char *date = run_env(run, "date");
	if (run->env_bad) {
		fprintf(out, "# ipclab benchmarks%s%s\n\n", *date ? ", " : "", date);
		fprintf(out, "%s run (`make bench%s`) on an unknown machine: its environment "
			"record (env.csv) is missing or unusable (see Left out).\n\n",
			run_quick(run) ? "A quick" : "A full", run_quick(run) ? " QUICK=1" : "");
	} else {
		fprintf(out, "# ipclab benchmarks, %s\n\n", date);
		fprintf(out, "%s run (`make bench%s`) on %s, %s CPUs, %s; git %s.\n\n",
			run_quick(run) ? "A quick" : "A full", run_quick(run) ? " QUICK=1" : "",
			run_env(run, "cpu_model"), run_env(run, "cpus_online"),
			run_env(run, "kernel"), run_env(run, "git_rev"));
	}
	/* A run that shared its machine says so first (busy_finding.c). */
	busy_summary_warning(run, out);
	/* The decision table: which transport, per question (decide.c). */
	decision_table(run, out);

	left_out(run, out);
	run_findings(run, out);
	latency_table(run, out);
	throughput_table(run, out);
	ladder_table(run, out);
	process_table(run, out);
	connect_table(run, out);
	peers_table(run, out);
	scaling_table(run, out);
	flagged_table(run, out);
	fputs("## Environment\n\n", out);
	for (size_t i = 0; i < env_nfields; i++) {
		const char *v = run_env(run, env_fields[i].name);
		if (strcmp(env_fields[i].name, "pin") && *v)
			fprintf(out, "- %s: %s\n", env_fields[i].name, v);
	}
	fputs("- placement: per row (the pin column: \"0,1\" client on CPU 0 and server on "
	      "CPU 1, \"none\" left to the scheduler)\n", out);
	if (run->nsteal) {
		fputs("- CPU time taken by the hypervisor (steal), per step:", out);
		for (size_t i = 0; i < run->nsteal; i++)
			fprintf(out, "%s %s %.1f %%%s", i ? "," : "", run->steal[i].step,
				run->steal[i].pct, run->steal[i].pct > 5 ? " (high: noisier figures)" : "");
		fputc('\n', out);
	}
	busy_environment(run, out); /* what others took, per step */
	fputs("\n## Files\n\n"
	      "- all.csv: every measurement, one row each (throughput: the median round; "
	      "every round is in throughput/)\n"
	      "- peers.csv: the comparisons with the peer tools, as data\n"
	      "- samples/: every timed round trip (µs), one a line\n"
	      "- plots/: latency.png, latency_cdf.png, pinning.png, throughput.png, "
	      "ladder.png, process.png, scaling.png (and .svg); their tables in plots/data/\n"
	      "- ladder/: every round of the zero-copy ladder's rungs and of memcpy\n"
	      "- log/: what each tool printed\n", out);
}

/* ---- writing --------------------------------------------------------- */

static FILE *create(const char *dir, const char *name, char *path, size_t cap,
		    struct ipc_error *e)
{
	snprintf(path, cap, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		ipc_fail(e, IPC_SYSTEM, errno, "create %s", path);
	return f;
}

static int close_checked(FILE *f, const char *path, struct ipc_error *e)
{
	int bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return ipc_fail(e, IPC_SYSTEM, errno ? errno : EIO, "write %s", path);
	return 0;
}

static void peers_csv(const struct run *run, FILE *f)
{
	struct peer_verdict v[64];
	size_t n = run_peer_verdicts(run, v, 64);
	fputs("peer,transport,size,pin,statistic,peer_value,ipclab_value,ipclab_p50_us,"
	      "ipclab_mean_us,ratio_median,ratio_lowest,ratio_highest,rounds,split,"
	      "ipclab_levels\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct peer_round *p = v[i].first;
		report_csv_field(f, p->tool);
		fprintf(f, ",%s,%lu,", p->transport, p->size);
		report_csv_field(f, p->pin);
		fprintf(f, ",%s,%.3f,%.3f,%.3f,%.3f,", p->stat, v[i].peer, v[i].ours, v[i].ours_p50,
			v[i].ours_mean);
		if (v[i].judged)
			fprintf(f, "%.3f,%.3f,%.3f", v[i].ratio, v[i].lo, v[i].hi);
		else
			fputs(",,", f);
		fprintf(f, ",%zu,%zu,", v[i].rounds, v[i].split);
		/* Two levels: "low/high" in µs, and how many of the runs were high. */
		if (v[i].levels.two)
			fprintf(f, "%.3f/%.3f high %zu of %zu", v[i].levels.low, v[i].levels.high,
				v[i].levels.n_high, v[i].levels.points);
		fputc('\n', f);
	}
}

/* ---- all.csv's interval columns ----------------------------------------- */

/* The columns after a result row's, in a block of their own: which column
 * holds the row's figure (run_row_figure: p50_us, mb_per_s or msgs_per_s),
 * the lowest and highest figure of its rounds, and how many rounds (1: no
 * interval, lo and hi are the figure). */
static const char interval_header[] = "judged_by,lo,hi,rounds";

static void interval_fields(FILE *f, const struct run_row *row)
{
	struct figure fg = run_row_figure(row);
	const char *col = !strcmp(fg.unit, "MB/s")	  ? "mb_per_s"
			  : !strcmp(fg.unit, "greetings/s") ? "msgs_per_s"
							    : "p50_us";
	fprintf(f, ",%s,%.3f,%.3f,%u", col, fg.lo, fg.hi, fg.rounds);
}

/* The rows as report.c writes them (the one CSV writer), each line
 * followed by its row's interval columns. */
static int all_csv(const struct run *run, FILE *f)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (!mem)
		return -1;
	struct report rep;
	report_begin(&rep, mem, REPORT_CSV, NULL); /* plain CSV: the environment is in env.csv */
	for (size_t i = 0; i < run->nrows; i++)
		report_add(&rep, &run->rows[i].r);
	report_end(&rep);
	if (fclose(mem) != 0 || !text) {
		free(text);
		return -1;
	}
	size_t row = 0;
	bool header = false;
	for (char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		fwrite(line, 1, len, f);
		if (line[0] != '#' && !header) {
			fprintf(f, ",%s", interval_header);
			header = true;
		} else if (line[0] != '#' && row < run->nrows) {
			interval_fields(f, &run->rows[row++]);
		}
		fputc('\n', f);
		line += len + (line[len] == '\n');
	}
	free(text);
	return 0;
}

/* One warning per cause, for the end of a run's stderr. */
static void warnings(const struct run *run, FILE *warn)
{
	static const char *const causes[] = { "HIGH-SPREAD", "TWO-LEVEL", "LOSSY", "UNPINNED" };
	static const char *const what[] = {
		"p99 over 3× p50 (the machine's own pauses, or other work on it)",
		"two speeds in one run (the machine changed regime mid-run)",
		"datagrams lost (UDP drops when the receiver falls behind)",
		"not pinned although a placement was asked for",
	};
	char note[256];
	for (size_t c = 0; c < sizeof causes / sizeof causes[0]; c++) {
		size_t n = 0;
		for (size_t k = 0; k < run->nrows; k++)
			if (flagged(&run->rows[k].r, note, sizeof note) && strstr(note, causes[c]))
				n++;
		if (n)
			fprintf(warn, "bench: warning: %zu result%s %s: %s (summary.md, Flagged results)\n",
				n, n > 1 ? "s" : "", causes[c], what[c]);
	}
	for (size_t i = 0; i < run->nsteal; i++)
		if (run->steal[i].pct > 5)
			fprintf(warn, "bench: warning: step %s: the hypervisor took %.1f %% of the CPU "
				"time: its figures come from a slower, noisier machine\n",
				run->steal[i].step, run->steal[i].pct);
	busy_stderr_warning(run, warn); /* the run shared its machine */
	const char *const *lines;
	size_t nleft = run_problems(run, &lines);
	if (nleft)
		fprintf(warn, "bench: warning: %zu file%s, row%s or figure%s of the run left out, "
			"the first: %s (summary.md, Left out)\n", nleft, nleft > 1 ? "s" : "",
			nleft > 1 ? "s" : "", nleft > 1 ? "s" : "", lines[0]);
	if (run_idle_halts(run))
		fprintf(warn, "bench: warning: idle CPUs halt at once (%s): two-CPU round trips "
			"time the wake-up more than the transport (summary.md, Findings)\n",
			run_env(run, "cpuidle"));
}

int run_write(const struct run *run, const char *dir, FILE *warn, struct ipc_error *e)
{
	char path[4096];
	FILE *f;

	if (!(f = create(dir, "summary.md", path, sizeof path, e)))
		return -1;
	run_summary(run, f);
	if (close_checked(f, path, e) < 0)
		return -1;

	/* Plain CSV: the environment is in env.csv and results.json. */
	if (!(f = create(dir, "all.csv", path, sizeof path, e)))
		return -1;
	if (all_csv(run, f) < 0) {
		fclose(f);
		return ipc_fail(e, IPC_SYSTEM, ENOMEM, "write %s", path);
	}
	if (close_checked(f, path, e) < 0)
		return -1;

	/* results.json: the environment, every row with its interval, the
	 * findings as records (results_json.c). */
	if (!(f = create(dir, "results.json", path, sizeof path, e)))
		return -1;
	results_json_write(run, f);
	if (close_checked(f, path, e) < 0)
		return -1;

	if (!(f = create(dir, "peers.csv", path, sizeof path, e)))
		return -1;
	peers_csv(run, f);
	if (close_checked(f, path, e) < 0)
		return -1;

	char data[4096];
	snprintf(data, sizeof data, "%s/plots", dir);
	if (mkdir(data, 0777) < 0 && errno != EEXIST)
		return ipc_fail(e, IPC_SYSTEM, errno, "mkdir %s", data);
	snprintf(data, sizeof data, "%s/plots/data", dir);
	if (mkdir(data, 0777) < 0 && errno != EEXIST)
		return ipc_fail(e, IPC_SYSTEM, errno, "mkdir %s", data);
	if (run_plot_data(run, data, e) < 0)
		return -1;
	if (warn)
		warnings(run, warn);
	return 0;
}
