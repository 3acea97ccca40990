/*
 * ladder.c - the zero-copy ladder of a run (ladder.h): its table in
 * summary.md, its finding, and the plot's tables.
 *
 * A rung's figure is the median round at the sweep's two-CPU placement,
 * with the lowest and highest round beside it; the bottom rung (write and
 * read) is the sweep's own checked row at the same size and placement, and
 * memcpy, one CPU copying blocks of the same size, is the ceiling.  A ratio
 * between two figures carries the interval the rounds allow: from the
 * lowest over the other's highest to the highest over the other's lowest.
 *
 * A transport that can spin instead of sleeping on its doorbell (shm)
 * climbs its rungs twice: a group of rows sleeping (the bottom rung the
 * sweep's row, the others T-RUNG) and a group spinning (T-spin,
 * T-RUNG-spin, all measured by the ladder step).  Each group is rated
 * against its own bottom rung, so that spinning is compared with spinning.
 */
#include "ladder.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rungs.h"
#include "run.h"

#define MAXT 32

#define BIG 1048576UL

struct fig {
	double mb, lo, hi, cpu;
	double ctxsw; /* context switches per message, both sides */
	unsigned rounds;
	bool checked; /* the receiver checked every byte */
};

/* The placement the ladder ran at: the sweep's (two CPUs when there are). */
static const char *ladder_pin(const struct run *run)
{
	return run->cross[0] ? run->cross : run->same;
}

static bool fill(const struct run_row *r, struct fig *f)
{
	if (!r || !(r->r.mb_per_s > 0) || !isfinite(r->r.mb_per_s))
		return false;
	f->mb = r->r.mb_per_s;
	f->lo = r->lo > 0 ? r->lo : f->mb;
	f->hi = r->hi > 0 ? r->hi : f->mb;
	f->cpu = r->r.cpu_ms_per_mb;
	f->ctxsw = r->r.ctxsw_per_op;
	f->rounds = r->rounds ? r->rounds : 1;
	f->checked = !row_unverified(&r->r) && !strstr(r->r.note, "TAGS-ONLY");
	return true;
}

/* A transport's rungs, sleeping on its doorbell or both sides spinning. */
struct group {
	const char *t;
	bool spin;
};

/* Rung k of group g at `size`: false when the run has no such row. */
static bool rung_fig(const struct run *run, const struct group *g, int k, unsigned long size,
		     struct fig *f)
{
	const char *pin = ladder_pin(run);
	char name[64];
	if (k == COPY_RW && !g->spin)
		return fill(run_find_tp(run, g->t, pin, size, false), f);
	if (k == COPY_RW)
		snprintf(name, sizeof name, "%s-spin", g->t);
	else
		snprintf(name, sizeof name, "%s-%s%s", g->t, copy_rungs[k].name,
			 g->spin ? "-spin" : "");
	return fill(run_find(run, "throughput", name, "", pin, size), f);
}

/* What rung k asks of the program, and of its CPUs when it spins. */
static const char *asks(const struct group *g, int k, char *buf, size_t cap)
{
	if (!g->spin)
		return copy_rungs[k].asks;
	if (k == COPY_RW)
		return "two CPUs that never sleep";
	snprintf(buf, cap, "%s; and two CPUs that never sleep", copy_rungs[k].asks);
	return buf;
}

static bool memcpy_fig(const struct run *run, unsigned long size, struct fig *f)
{
	return fill(run_find(run, "throughput", "memcpy", "", "", size), f);
}

/* The groups with a rung of the ladder at 1 MiB: a transport sleeping, with
 * a rung above write and read; the same spinning, with any rung. */
static size_t ladder_groups(const struct run *run, struct group *out, size_t cap)
{
	const char *T[MAXT];
	size_t nt = run_transports(T, MAXT), n = 0;
	struct fig f;
	for (size_t i = 0; i < nt; i++)
		for (int spin = 0; spin < 2 && n < cap; spin++) {
			/* Only a transport that honours --wait spin has spinning
			 * rows (pipe-splice-spin is a rung of its own). */
			const struct ipc_transport *t = ipc_transport_find(T[i]);
			if (spin && !(t && t->can_spin))
				continue;
			struct group g = { T[i], spin };
			for (int k = spin ? COPY_RW : COPY_RW + 1; k < COPY_RUNGS; k++)
				if (rung_fig(run, &g, k, BIG, &f)) {
					out[n++] = g;
					break;
				}
		}
	return n;
}

/* a / b with its interval. */
static void ratio(const struct fig *a, const struct fig *b, double *r, double *lo, double *hi)
{
	*r = a->mb / b->mb;
	*lo = a->lo / b->hi;
	*hi = a->hi / b->lo;
}

/* "1.52× that (1.41–1.60)", the interval left out after a single round. */
static void ratio_text(FILE *out, double r, double lo, double hi, unsigned rounds,
		       const char *fmt)
{
	fprintf(out, fmt, r);
	if (rounds > 1)
		fprintf(out, " (%.3g–%.3g)", lo, hi);
}

static const char *rung_name(int k)
{
	return k == COPY_RW ? "write and read" : copy_rungs[k].name;
}

static void mb_cell(FILE *out, const struct fig *f)
{
	if (f->rounds > 1)
		fprintf(out, " %.0f (%.0f–%.0f) |", f->mb, f->lo, f->hi);
	else
		fprintf(out, " %.0f |", f->mb);
}

void ladder_table(const struct run *run, FILE *out)
{
	struct group G[MAXT];
	size_t n = ladder_groups(run, G, MAXT);
	struct fig mc, f, rw, m64;
	char where[48], buf[512];

	if (n == 0)
		return;
	bool have_mc = memcpy_fig(run, BIG, &mc);
	fprintf(out, "\n## The zero-copy ladder\n\n"
		"Each rung takes a copy away from write() and read()'s two, and asks something of "
		"the program in return (last column); its cost is in CPU time per MB and in context "
		"switches per message, both sides together. Measured on %s; MB/s is the median round "
		"(lowest–highest "
		"where there were several rounds). memcpy: one CPU copying blocks of the same size, "
		"the ceiling. \"checks\": every byte checked by the receiver, or only each "
		"message's 8-byte tag (the body passed on unseen). \"spinning\": both sides "
		"watch the ring instead of sleeping on its doorbell (--wait spin); its "
		"× write/read is against write and read spinning too.\n\n",
		placement_name(ladder_pin(run), where, sizeof where));
	fputs("| transport | rung | copies | checks | 64 KiB MB/s | 1 MiB MB/s | × write/read "
	      "at 1 MiB | of memcpy at 1 MiB | CPU ms/MB at 1 MiB | switches a message at 1 MiB | "
	      "asks |\n"
	      "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|\n", out);
	if (have_mc) {
		fputs("| memcpy | one CPU | 1 | every byte |", out);
		if (memcpy_fig(run, 65536, &m64))
			mb_cell(out, &m64);
		else
			fputs(" – |", out);
		mb_cell(out, &mc);
		fprintf(out, " | 1 | %.3f | %.2f | |\n", mc.cpu, mc.ctxsw);
	}
	for (size_t i = 0; i < n; i++) {
		const struct group *g = &G[i];
		bool have_rw = rung_fig(run, g, COPY_RW, BIG, &rw);
		for (int k = 0; k < COPY_RUNGS; k++) {
			if (!rung_fig(run, g, k, BIG, &f))
				continue;
			fprintf(out, "| %s | %s%s | %d | %s |", g->t, copy_rungs[k].name,
				g->spin ? ", spinning" : "", copy_rungs[k].copies,
				f.checked ? "every byte" : "tags only");
			if (rung_fig(run, g, k, 65536, &m64))
				mb_cell(out, &m64);
			else
				fputs(" – |", out);
			mb_cell(out, &f);
			double r, lo, hi;
			if (have_rw && k != COPY_RW) {
				ratio(&f, &rw, &r, &lo, &hi);
				ratio_text(out, r, lo, hi, f.rounds, " %.3g");
				fputs(" |", out);
			} else {
				fputs(k == COPY_RW ? " 1 |" : " – |", out);
			}
			if (have_mc) {
				ratio(&f, &mc, &r, &lo, &hi);
				ratio_text(out, r, lo, hi, f.rounds, " %.3g");
				fputs(" |", out);
			} else {
				fputs(" – |", out);
			}
			fprintf(out, " %.3f | %.2f | %s |\n", f.cpu, f.ctxsw,
				asks(g, k, buf, sizeof buf));
		}
	}
	fputc('\n', out);
}

/* One group's line of the finding: each rung against its group's write and
 * read, then the fastest that checks every byte against memcpy, with its
 * price.  False when the group has no bottom rung to rate against. */
static bool finding_line(const struct run *run, const struct group *g, bool have_mc,
			 const struct fig *mc, FILE *out, unsigned *rounds)
{
	struct fig rw, f;
	char buf[512];

	if (!rung_fig(run, g, COPY_RW, BIG, &rw))
		return false;
	*rounds = rw.rounds;
	fprintf(out, "  - %s%s: write and read %.0f MB/s", g->t,
		g->spin ? ", both sides spinning (--wait spin)" : "", rw.mb);
	/* The two fastest rungs that check every byte, and the fastest of
	 * all, by median; a lead inside the other's range is a tie. */
	int best = COPY_RW, second = -1, best_any = COPY_RW;
	struct fig fk[COPY_RUNGS];
	fk[COPY_RW] = rw;
	for (int k = COPY_RW + 1; k < COPY_RUNGS; k++) {
		if (!rung_fig(run, g, k, BIG, &f))
			continue;
		fk[k] = f;
		double r, lo, hi;
		ratio(&f, &rw, &r, &lo, &hi);
		fprintf(out, "; %s (%d cop%s%s) ", copy_rungs[k].name, copy_rungs[k].copies,
			copy_rungs[k].copies == 1 ? "y" : "ies", f.checked ? "" : ", tags only");
		if (f.rounds > 1 && lo <= 1 && hi >= 1)
			fprintf(out, "the same within the rounds (%.3g–%.3g×)", lo, hi);
		else
			ratio_text(out, r, lo, hi, f.rounds, "%.3g× that");
		if (f.checked && f.mb > fk[best].mb) {
			second = best;
			best = k;
		} else if (f.checked && (second < 0 || f.mb > fk[second].mb)) {
			second = k;
		}
		if (f.mb > fk[best_any].mb)
			best_any = k;
	}
	fputc('.', out);
	if (have_mc) {
		double r, lo, hi;
		ratio(&fk[best], mc, &r, &lo, &hi);
		if (second >= 0 && fk[best].rounds > 1 && fk[best].lo <= fk[second].hi)
			fprintf(out, " The fastest that check every byte, %s and %s, are tied "
				"within the rounds; %s reached", rung_name(best), rung_name(second),
				rung_name(best));
		else
			fprintf(out, " The %s that checks every byte, %s, reached",
				fk[best].rounds > 1 ? "fastest" : "highest in its one round",
				rung_name(best));
		ratio_text(out, r, lo, hi, fk[best].rounds, " %.3g of memcpy");
		if (best != COPY_RW || g->spin)
			fprintf(out, "; its price: %s", asks(g, best, buf, sizeof buf));
		fprintf(out, ". CPU time: %.3f ms per MB, both sides (memcpy %.3f), and %.2f "
			"context switches a message.", fk[best].cpu, mc->cpu, fk[best].ctxsw);
		if (best_any != best) {
			ratio(&fk[best_any], mc, &r, &lo, &hi);
			fprintf(out, " %s of all, %s reached",
				fk[best_any].rounds > 1 ? "Fastest" : "Highest", rung_name(best_any));
			ratio_text(out, r, lo, hi, fk[best_any].rounds, " %.3g of memcpy");
			fprintf(out, ", and asks %s.", asks(g, best_any, buf, sizeof buf));
		}
	}
	fputc('\n', out);
	return true;
}

/* A share "P%" after `key` in a row's note, or -1. */
static double note_share(const struct run_row *r, const char *key)
{
	const char *at = r ? strstr(r->r.note, key) : NULL;
	double v;
	return at && sscanf(at + strlen(key), "%lf", &v) == 1 ? v : -1;
}

/*
 * MSG_ZEROCOPY against write and read at every size the run has both: where
 * it cost more and where it paid, and the share of its sends the kernel
 * copied anyway; then what mapping the received pages gave.
 */
static void zerocopy_line(const struct run *run, const struct group *g, FILE *out)
{
	const char *pin = ladder_pin(run);
	char name[64], sz[32];
	int costs = 0, pays = 0, ties = 0;
	unsigned long last_cost = 0, first_pay = 0;
	bool order = true; /* every size that paid is above every size that cost more */
	const struct run_row *zc_big = NULL;

	snprintf(name, sizeof name, "%s-%s", g->t, copy_rungs[COPY_ZC_SEND].name);
	for (unsigned long size = 4096; size <= BIG; size *= 2) {
		struct fig zc, rw;
		const struct run_row *row = run_find(run, "throughput", name, "", pin, size);
		if (!fill(row, &zc) || !fill(run_find_tp(run, g->t, pin, size, false), &rw))
			continue;
		double r, lo, hi;
		ratio(&zc, &rw, &r, &lo, &hi);
		fprintf(out, "%s%.2g× at %s", costs + pays + ties ? ", " : "  - MSG_ZEROCOPY "
			"(zerocopy-send against write and read): ", r, size_name(size, sz, sizeof sz));
		if (zc.rounds > 1)
			fprintf(out, " (%.2g–%.2g)", lo, hi);
		if (zc.rounds > 1 ? hi < 1 : r < 1) {
			costs++;
			last_cost = size;
			order = order && !first_pay;
		} else if (zc.rounds > 1 ? lo > 1 : r > 1) {
			pays++;
			if (!first_pay)
				first_pay = size;
		} else {
			ties++;
		}
		zc_big = row;
	}
	if (!zc_big)
		return;
	if (pays == 0 && ties == 0)
		fputs(": it cost more at every size measured", out);
	else if (costs == 0 && ties == 0)
		fputs(": it paid at every size measured", out);
	else if (order && costs && pays && !ties)
		fprintf(out, ": it cost more up to %s and paid from %s on",
			size_name(last_cost, name, sizeof name), size_name(first_pay, sz, sizeof sz));
	else
		fputs(": no size measured divides where it costs more from where it pays", out);
	double copied = note_share(zc_big, "ZC-COPIED=");
	if (copied >= 0)
		fprintf(out, ". The kernel copied %.0f %% of its sends anyway (ZC-COPIED)%s", copied,
			copied >= 50 ? ": a receiver on the same machine cannot hold the sender's "
			"pages, so over loopback the sender pays for the notifications and "
			"saves no copy; only bytes that leave through a network card can be "
			"spared theirs" : "");
	snprintf(name, sizeof name, "%s-%s", g->t, copy_rungs[COPY_ZC].name);
	const struct run_row *rx = run_find(run, "throughput", name, "", pin, BIG);
	double mapped = note_share(rx, "ZC-MAPPED=");
	struct fig zr, rw;
	if (mapped >= 0 && fill(rx, &zr) && fill(run_find_tp(run, g->t, pin, BIG, false), &rw))
		fprintf(out, ". The receiver mapped %.0f %% of the bytes instead of reading them "
			"(TCP_ZEROCOPY_RECEIVE), at %.2g× write and read's speed at 1 MiB: %s",
			mapped, zr.mb / rw.mb, zr.mb < rw.mb ? "mapping and unmapping each page "
			"cost more than copying it" : "a page mapped cost less than a page copied");
	fputs(".\n", out);
}

void ladder_finding(const struct run *run, FILE *out)
{
	struct group G[MAXT];
	size_t n = ladder_groups(run, G, MAXT);
	struct fig mc;
	char where[48];
	unsigned rounds = 1;

	if (n == 0)
		return;
	bool have_mc = memcpy_fig(run, BIG, &mc);
	fprintf(out, "- **The zero-copy ladder, 1 MiB messages, %s:**",
		placement_name(ladder_pin(run), where, sizeof where));
	if (have_mc)
		fprintf(out, " memcpy on one CPU copied %.0f MB/s, the ceiling.", mc.mb);
	fputc('\n', out);
	for (size_t i = 0; i < n; i++)
		if (finding_line(run, &G[i], have_mc, &mc, out, &rounds) && !G[i].spin)
			zerocopy_line(run, &G[i], out);
	if (rounds <= 1)
		fputs("  - One round per rung: no interval, so the order above may be noise; a "
		      "full run takes three.\n", out);
}

int ladder_plot_data(const struct run *run, const char *dir, struct ipc_error *e)
{
	struct group G[MAXT];
	size_t n = ladder_groups(run, G, MAXT);
	char path[4096];
	struct fig f, mc;

	snprintf(path, sizeof path, "%s/ladder.dat", dir);
	FILE *out = fopen(path, "w");
	if (!out)
		return ipc_fail(e, IPC_SYSTEM, errno, "create %s", path);
	/* One block per group (gnuplot's `index`), bottom rung first. */
	fputs("# rung_number rung median_mb_s lowest highest checked cpu_ms_per_mb copies "
	      "(1 MiB messages)\n", out);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "# %s%s\n", G[i].t, G[i].spin ? "-spin" : "");
		for (int k = 0; k < COPY_RUNGS; k++)
			if (rung_fig(run, &G[i], k, BIG, &f))
				fprintf(out, "%d \"%s\" %.1f %.1f %.1f %d %.4f %d\n", k,
					copy_rungs[k].name, f.mb, f.lo, f.hi, f.checked, f.cpu,
					copy_rungs[k].copies);
		fputs("\n\n", out);
	}
	int bad = ferror(out);
	if (fclose(out) != 0 || bad)
		return ipc_fail(e, IPC_SYSTEM, errno ? errno : EIO, "write %s", path);

	snprintf(path, sizeof path, "%s/ladder_meta.gp", dir);
	out = fopen(path, "w");
	if (!out)
		return ipc_fail(e, IPC_SYSTEM, errno, "create %s", path);
	/* LADDER: a panel a group (T, or T-spin for the spinning rungs);
	 * LADDER_T: each panel's transport, for its colour. */
	fputs("# ladder_meta.gp - what the ladder plot needs (ipclab bench report)\n", out);
	fputs("LADDER = \"", out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s%s", i ? " " : "", G[i].t, G[i].spin ? "-spin" : "");
	fputs("\"\nLADDER_T = \"", out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? " " : "", G[i].t);
	fputs("\"\n", out);
	double low = INFINITY, high = 0;
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < COPY_RUNGS; k++)
			if (rung_fig(run, &G[i], k, BIG, &f)) {
				low = fmin(low, f.lo);
				high = fmax(high, f.hi);
			}
	if (memcpy_fig(run, BIG, &mc))
		high = fmax(high, mc.hi);
	/* The axis starts a decade boundary under the slowest round, and
	 * ends far enough past the fastest (or memcpy) for its figure. */
	fprintf(out, "LADDER_XMIN = %g\n", isfinite(low) && low > 0 ?
		pow(10, floor(log10(low * 0.8))) : 10.0);
	fprintf(out, "LADDER_XMAX = %g\n", high > 0 ? high * 3 : 1e5);
	if (memcpy_fig(run, BIG, &mc))
		fprintf(out, "MEMCPY = %.1f\nMEMCPY_LO = %.1f\nMEMCPY_HI = %.1f\n", mc.mb, mc.lo,
			mc.hi);
	else
		fputs("MEMCPY = NaN\nMEMCPY_LO = NaN\nMEMCPY_HI = NaN\n", out);
	bad = ferror(out);
	if (fclose(out) != 0 || bad)
		return ipc_fail(e, IPC_SYSTEM, errno ? errno : EIO, "write %s", path);
	return 0;
}
