/*
 * findings.c - summary.md: the Findings first, each computed from this
 * run's rows and stated with its mechanism in one plain sentence, then the
 * tables they come from.  No finding is fixed text: which transport is
 * fastest, by how much, where a curve bends, all come from the numbers.
 */
#include "findings_uring_zmq.h"
#include "ladder.h"
#include "run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXT 16

/* Why a transport is quick (or slow) for a small message. */
static const char *small_why(const char *t)
{
	static const struct {
		const char *t, *why;
	} why[] = {
		{ "pipe", "a pipe is the shortest path through the kernel: one buffer, no address, no protocol" },
		{ "fifo", "a FIFO is a pipe with a name: once both ends are open it takes the pipe's path" },
		{ "unix_stream", "a Unix stream socket skips the network stack but adds socket buffers, credentials and locking to each message" },
		{ "unix_dgram", "a Unix datagram is queued whole on the receiver's socket, with the sender's address attached" },
		{ "tcp", "every message goes down and up the whole TCP/IP stack on loopback: headers, acknowledgements, timers" },
		{ "udp", "every datagram goes down and up the IP stack on loopback and is matched to its socket by address and port" },
		{ "socketpair", "a socket pair is a Unix stream connection made at once: the same socket buffers, without a name or a listener" },
		{ "mqueue", "a message queue copies each message into the kernel whole and wakes the reader, like a pipe with message boundaries" },
		{ "shm", "shared memory copies no byte through the kernel: what is left is the wake-up, a system call on each side when the peer sleeps" },
		{ "shm-spin", "spinning on shared memory needs no system call at all: across two CPUs the round trip is a few cache-line transfers" },
		{ "pingpong", "one cache line moving between two cores: the floor under every round trip" },
	};
	for (size_t i = 0; i < sizeof why / sizeof why[0]; i++)
		if (!strcmp(why[i].t, t))
			return why[i].why;
	return "it takes its own path through the kernel";
}

/* Why a transport moves bulk data fast (or slowly). */
static const char *bulk_why(const char *t)
{
	static const struct {
		const char *t, *why;
	} why[] = {
		{ "pipe", "a pipe copies each message into a ring of 16 pages (64 KiB) and out again, and the writer sleeps whenever the ring is full" },
		{ "fifo", "a FIFO is a pipe: the same 64 KiB ring of pages, the same two copies" },
		{ "unix_stream", "a Unix stream socket copies the data into buffers of about 208 KiB, so the sender runs further ahead of the reader before it must wait" },
		{ "unix_dgram", "a Unix datagram is copied whole into the receiver's queue: one system call and one wake-up per message" },
		{ "tcp", "loopback TCP copies the data too, and cuts it into segments that each pass the TCP/IP stack and are acknowledged" },
		{ "udp", "each UDP datagram passes the IP stack alone, and is dropped when the receiver's buffer is full" },
		{ "socketpair", "a socket pair copies through the same socket buffers as a Unix stream socket" },
		{ "mqueue", "a message queue carries at most 4 KiB per message here and 10 messages at a time: one system call per 4 KiB on each side" },
		{ "shm", "shared memory copies each byte twice, into the 1 MiB ring and out of it, with no system call while both sides keep up" },
		{ "shm-spin", "spinning on shared memory copies each byte into the ring and out of it, on two CPUs at once, with no system call" },
	};
	for (size_t i = 0; i < sizeof why / sizeof why[0]; i++)
		if (!strcmp(why[i].t, t))
			return why[i].why;
	return "it takes its own path through the kernel";
}

/* What the kernel does at the size where a throughput curve bends. */
static const char *bend_why(unsigned long below, unsigned long above, const char *t)
{
	bool pipe = !strcmp(t, "pipe") || !strcmp(t, "fifo");
	if (pipe && above > 65536)
		return "a message larger than the pipe's 64 KiB cannot be written at once: the writer sleeps in the middle of every write until the reader makes room";
	if (pipe && below < 65536 && above >= 65536)
		return "a pipe holds 64 KiB: a message this large fills it, so the writer sleeps until the reader has emptied it, once per message";
	if (pipe && below <= 4096 && above > 4096)
		return "a pipe buffer slot is one 4 KiB page and only writes up to PIPE_BUF (4096 B) are atomic: a larger message spans several slots and wakes the reader more than once";
	if (!strcmp(t, "unix_dgram") && above > 4096)
		return "each datagram of more than a page needs its own large kernel buffer, and the receiver's queue (about 208 KiB) holds only a few of them, so the sender waits more often";
	if (pipe)
		return "a message of several pages keeps the reader waking while the writer still copies: the two sides take turns page by page instead of running side by side";
	if (above > 212992)
		return "a socket's default buffer is 208 KiB (net.core.wmem_default): a message larger than that cannot be queued whole, so the sender waits in the middle of every write";
	return "probably the CPU caches: past this size the data no longer stays in them between the write and the read";
}

static size_t transports(const char **names)
{
	return run_transports(names, MAXT);
}

static double ratio_or_nan(double a, double b)
{
	return b > 0 ? a / b : NAN;
}

/* Fastest and slowest greeting round trip at one placement. */
static void small_finding(const struct run *run, FILE *out, const char *pin)
{
	const char *T[MAXT];
	size_t nt = transports(T);
	const struct run_row *best = NULL, *worst = NULL;
	char pl[48];

	for (size_t i = 0; i < nt; i++) {
		const struct run_row *r = run_find(run, "latency", T[i], "greeting", pin, 0);
		if (!r || !(r->r.lat_us.p50 > 0))
			continue;
		if (!best || r->r.lat_us.p50 < best->r.lat_us.p50)
			best = r;
		if (!worst || r->r.lat_us.p50 > worst->r.lat_us.p50)
			worst = r;
	}
	if (!best || best == worst)
		return;
	fprintf(out, "- **Small messages, %s:** %s is fastest (greeting round trip %.1f µs, p50), "
		"%s slowest (%.1f µs, %.1f× as long).  Why: %s; %s.\n",
		placement_name(pin, pl, sizeof pl), best->r.transport, best->r.lat_us.p50,
		worst->r.transport, worst->r.lat_us.p50,
		worst->r.lat_us.p50 / best->r.lat_us.p50, small_why(best->r.transport),
		small_why(worst->r.transport));
}

/* The largest size every transport ran at one placement: 64 KiB, or a
 * datagram transport's limit below it. */
static const struct run_row *bulk_row(const struct run *run, const char *t, const char *pin)
{
	const struct run_row *pick = NULL;
	for (size_t i = 0; i < run->nrows; i++) {
		const struct result_row *r = &run->rows[i].r;
		if (strcmp(r->kind, "throughput") || strcmp(r->transport, t) || strcmp(r->pin, pin) ||
		    row_unverified(r) || r->size > 65536)
			continue;
		if (!pick || r->size > pick->r.size)
			pick = &run->rows[i];
	}
	return pick && pick->r.size >= 16384 ? pick : NULL;
}

static void bulk_finding(const struct run *run, FILE *out, const char *pin)
{
	const char *T[MAXT];
	size_t nt = transports(T);
	const struct run_row *best = NULL, *worst = NULL;
	const char *lossy = NULL;
	char pl[48], s1[24], s2[24];

	for (size_t i = 0; i < nt; i++) {
		const struct run_row *r = bulk_row(run, T[i], pin);
		if (!r || !(r->r.mb_per_s > 0))
			continue;
		if (r->r.lost) { /* it did not deliver what it sent: no rank */
			lossy = T[i];
			continue;
		}
		if (!best || r->r.mb_per_s > best->r.mb_per_s)
			best = r;
		if (!worst || r->r.mb_per_s < worst->r.mb_per_s)
			worst = r;
	}
	if (!best || best == worst)
		return;
	fprintf(out, "- **Bulk data, %s:** %s moves the most (%.0f MB/s in %s messages), "
		"%s the least (%.0f MB/s in %s messages, %.1f× less).  Why: %s; %s.\n",
		placement_name(pin, pl, sizeof pl), best->r.transport, best->r.mb_per_s,
		size_name(best->r.size, s1, sizeof s1), worst->r.transport, worst->r.mb_per_s,
		size_name(worst->r.size, s2, sizeof s2), best->r.mb_per_s / worst->r.mb_per_s,
		bulk_why(best->r.transport), bulk_why(worst->r.transport));
	if (lossy)
		fprintf(out, "  (%s is left out of this ranking: it lost datagrams there, so its "
			"rate is not what it delivered.)\n", lossy);
}

static void placement_finding(const struct run *run, FILE *out)
{
	const char *T[MAXT];
	size_t nt = transports(T);
	const char *lo_t = NULL, *hi_t = NULL;
	double lo = 0, hi = 0;

	if (!run->same[0] || !run->cross[0])
		return;
	for (size_t i = 0; i < nt; i++) {
		const struct run_row *a = run_find(run, "latency", T[i], "greeting", run->same, 0);
		const struct run_row *b = run_find(run, "latency", T[i], "greeting", run->cross, 0);
		if (!a || !b)
			continue;
		double r = ratio_or_nan(b->r.lat_us.p50, a->r.lat_us.p50);
		if (!(r > 0))
			continue;
		if (!lo_t || r < lo) {
			lo = r;
			lo_t = T[i];
		}
		if (!hi_t || r > hi) {
			hi = r;
			hi_t = T[i];
		}
	}
	if (!lo_t)
		return;
	fprintf(out, "- **Placement:** moving client and server from one CPU to two multiplied "
		"the greeting round trip by %.1f (%s) to %.1f (%s)%s.  Why: on one CPU a "
		"blocking read hands the CPU straight to the other process; across CPUs the "
		"sleeping process must be woken on its own CPU by an interrupt from the other.\n",
		lo, lo_t, hi, hi_t, hi > 1.5 ? ": for small messages the placement matters more than "
		"the choice of transport" : "");
	if (run_idle_halts(run))
		fprintf(out, "- **Idle CPUs halt on this machine** (cpuidle: %s): an idle virtual "
			"CPU gives its time back to the hypervisor at once, and waking it costs "
			"tens of microseconds.  So the two-CPU figures measure that wake-up more "
			"than the transport; compare transports on one CPU.\n",
			run_env(run, "cpuidle"));
}

static void cost_finding(const struct run *run, FILE *out)
{
	const char *T[MAXT];
	size_t nt = transports(T);
	const struct run_row *lo = NULL, *hi = NULL;
	double sw_lo = INFINITY, sw_hi = 0;
	const char *pin = run->same[0] ? run->same : run->cross;
	char pl[48];

	for (size_t i = 0; i < nt; i++) {
		const struct run_row *r = run_find(run, "latency", T[i], "greeting", pin, 0);
		if (!r || !(r->r.cpu_us_per_op > 0))
			continue;
		if (!lo || r->r.cpu_us_per_op < lo->r.cpu_us_per_op)
			lo = r;
		if (!hi || r->r.cpu_us_per_op > hi->r.cpu_us_per_op)
			hi = r;
		sw_lo = fmin(sw_lo, r->r.ctxsw_per_op);
		sw_hi = fmax(sw_hi, r->r.ctxsw_per_op);
	}
	if (!lo)
		return;
	fprintf(out, "- **Cost per message (%s):** a greeting round trip took %.1f µs of CPU "
		"time (%s) to %.1f µs (%s), both processes together, and %.1f to %.1f context "
		"switches.  Why: each side blocks once per round trip waiting for the other, so "
		"two switches is the least a blocking round trip costs; the CPU time is the "
		"system calls and the wake-ups, not the greeting's few bytes.\n",
		placement_name(pin, pl, sizeof pl), lo->r.cpu_us_per_op, lo->r.transport,
		hi->r.cpu_us_per_op, hi->r.transport, sw_lo, sw_hi);
}

/* Where a transport's throughput curve (main placement, checked) peaks and
 * where it falls to under 70 % of that peak. */
static void bend_finding(const struct run *run, FILE *out, const char *pin)
{
	const char *T[MAXT];
	size_t nt = transports(T);
	bool any = false;

	for (size_t i = 0; i < nt; i++) {
		const struct run_row *pts[64];
		size_t n = run_curve(run, T[i], pin, pts, 64), peak, fall;
		if (!run_bend(pts, n, &peak, &fall))
			continue;
		char s1[24], s2[24];
		if (!any) {
			fprintf(out, "- **Where the throughput curves bend (%s):**\n",
				placement_name(pin, s1, sizeof s1));
			any = true;
		}
		size_t lossy = 0;
		for (size_t k = 0; k < n; k++)
			lossy += pts[k]->r.lost > 0;
		if (lossy * 2 > n) {
			fprintf(out, "  - %s lost datagrams at %zu of its %zu sizes, so its curve shows "
				"what arrived, not what the sender managed (see the loss below).\n",
				T[i], lossy, n);
		} else if (fall) {
			fprintf(out, "  - %s peaks at %.0f MB/s with %s messages and falls to %.0f MB/s at "
				"%s.  Why: %s.\n", T[i], pts[peak]->r.mb_per_s,
				size_name(pts[peak]->r.size, s1, sizeof s1), pts[fall]->r.mb_per_s,
				size_name(pts[fall]->r.size, s2, sizeof s2),
				bend_why(pts[fall - 1]->r.size, pts[fall]->r.size, T[i]));
		} else {
			fprintf(out, "  - %s rises from %.0f MB/s (%s) to %.0f MB/s (%s)%s.  Why: for "
				"small messages the fixed cost of a system call on each side "
				"dominates; for large ones, copying the bytes does.\n", T[i],
				pts[0]->r.mb_per_s, size_name(pts[0]->r.size, s1, sizeof s1),
				pts[peak]->r.mb_per_s, size_name(pts[peak]->r.size, s2, sizeof s2),
				peak + 1 == n ? ", its largest size" : " and stays within 70 % of that");
		}
	}
}

static void loss_finding(const struct run *run, FILE *out)
{
	const char *T[MAXT];
	size_t nt = transports(T);

	for (size_t i = 0; i < nt; i++) {
		const struct ipc_transport *tr = ipc_transport_find(T[i]);
		if (!tr || tr->kind != IPC_DATAGRAM)
			continue;
		unsigned long long sent = 0, lost = 0;
		const struct run_row *worst = NULL;
		for (size_t k = 0; k < run->nrows; k++) {
			const struct result_row *r = &run->rows[k].r;
			if (strcmp(r->kind, "throughput") || strcmp(r->transport, T[i]))
				continue;
			sent += r->count;
			lost += r->lost;
			if (r->count && (!worst || (double)r->lost / r->count >
						   (double)worst->r.lost / worst->r.count))
				worst = &run->rows[k];
		}
		if (!sent)
			continue;
		char s[24];
		if (lost)
			fprintf(out, "- **Loss, %s:** %.2f %% of the datagrams sent in the throughput "
				"runs were lost (%llu of %llu; at most %.1f %%, with %s messages).  "
				"Why: a full UDP receive buffer drops what arrives; the sender is "
				"never told.\n", T[i], 100.0 * lost / sent, lost, sent,
				100.0 * worst->r.lost / worst->r.count,
				size_name(worst->r.size, s, sizeof s));
		else
			fprintf(out, "- **Loss, %s:** none of the %llu datagrams sent was lost.  Why: "
				"%s.\n", T[i], sent, !strcmp(T[i], "udp")
				? "the receiver kept up this time; UDP itself would drop without a word"
				: "a full Unix datagram queue makes the sender wait instead of dropping");
	}
}

/* The range of the judged round-trip ratios of one statistic. */
static size_t peer_range(const struct peer_verdict *v, size_t n, bool mean,
			 const struct peer_verdict **lo, const struct peer_verdict **hi)
{
	size_t judged = 0;
	*lo = *hi = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!v[i].judged || peer_is_bandwidth(v[i].first) ||
		    (strcmp(v[i].first->stat, "mean") == 0) != mean)
			continue;
		judged++;
		if (!*lo || v[i].ratio < (*lo)->ratio)
			*lo = &v[i];
		if (!*hi || v[i].ratio > (*hi)->ratio)
			*hi = &v[i];
	}
	return judged;
}

/* Means within this factor either way: the peers agree. */
#define PEER_CLOSE 1.02

static void peer_finding(const struct run *run, FILE *out)
{
	struct peer_verdict v[64];
	size_t n = run_peer_verdicts(run, v, 64);
	const struct peer_verdict *lo, *hi, *mlo, *mhi;
	size_t bw = 0, bw_ok = 0;
	char pl[48];

	for (size_t i = 0; i < n; i++)
		if (v[i].judged && !strcmp(v[i].first->stat, "MB/s-unverified")) {
			bw++;
			bw_ok += v[i].ratio >= 1.0;
		}
	size_t np = peer_range(v, n, false, &lo, &hi);
	size_t nm = peer_range(v, n, true, &mlo, &mhi);
	if (nm) {
		/* Judged on means: perf bench, lmbench and qperf print nothing else. */
		const struct peer_verdict *far = mhi->ratio - 1 > 1 - mlo->ratio ? mhi : mlo;
		bool close = mlo->ratio >= 1 / PEER_CLOSE && mhi->ratio <= PEER_CLOSE;
		fprintf(out, "- **%s** (ipclab's mean round trip / the peer's, at the same "
			"placement in this run, median of the paired rounds; below 1, ipclab is "
			"faster): %.2f to %.2f× over %zu comparison%s, furthest %s %s on %s (%.3f×).",
			close ? "The peer tools agree with ipclab within 2 %"
			      : "What the peer tools say", mlo->ratio, mhi->ratio, nm,
			nm > 1 ? "s" : "", far->first->tool, far->first->transport,
			placement_name(far->first->pin, pl, sizeof pl), far->ratio);
		if (np)
			fprintf(out, "  Medians, where the peer keeps every round trip: %.2f to "
				"%.2f× over %zu.", lo->ratio, hi->ratio, np);
		fprintf(out, "  Why: every tool times the same system calls on the same "
			"machine, and a mean carries the machine's own pauses as much in one "
			"tool as in another%s.\n", close ? "" : "; where they differ, the machine "
			"changed speed between the paired runs, or the tools do different work "
			"per round trip");
	} else if (np) {
		fprintf(out, "- **What the peer tools say** (ipclab's p50 / the peer's, median of "
			"the paired rounds): %.2f to %.2f× over %zu comparisons.\n", lo->ratio,
			hi->ratio, np);
	}
	if (bw)
		fprintf(out, "- **Bandwidth against lmbench:** ipclab's unchecked stream moves at "
			"least as much as bw_* in %zu of %zu cases (median of rounds, like for "
			"like); the checked figure, the headline elsewhere, pays for reading every "
			"byte again.\n", bw_ok, bw);
}

static void process_finding(const struct run *run, FILE *out)
{
	const struct run_row *tr = run_find(run, "process", "none", "true", "", 0);
	const char *T[MAXT];
	size_t nt = transports(T);
	double lo = INFINITY, hi = 0;

	if (!tr || !(tr->r.lat_us.p50 > 0))
		return;
	for (size_t i = 0; i < nt; i++) {
		const struct run_row *g = run_find(run, "process", T[i], "greet", "", 0);
		if (!g || !strcmp(T[i], "pipe"))
			continue;
		lo = fmin(lo, g->r.lat_us.p50 / tr->r.lat_us.p50);
		hi = fmax(hi, g->r.lat_us.p50 / tr->r.lat_us.p50);
	}
	if (hi == 0)
		return;
	fprintf(out, "- **A whole command:** `ipclab greet` against a running server takes %.2f "
		"to %.2f× as long as `true` (%.2f ms, p50).  Why: starting a process (fork, exec, "
		"exit) costs hundreds of microseconds, the round trip a few.\n", lo, hi,
		tr->r.lat_us.p50 / 1000);
}

static void scaling_finding(const struct run *run, FILE *out)
{
	static const char *const T[] = { "unix_stream", "tcp" };
	for (size_t i = 0; i < 2; i++) {
		double ours[16], theirs[16];
		size_t no = 0, nr = 0;
		unsigned long clients = 0;
		for (size_t k = 0; k < run->ntarget; k++) {
			const struct result_row *r = &run->target[k].r;
			if (strcmp(r->transport, T[i]) || r->clients != 50 ||
			    (strcmp(r->mode, "redis") && strcmp(r->mode, "epoll")))
				continue; /* the other modes and counts: findings_uring_zmq.c */
			clients = r->clients;
			if (!strcmp(r->mode, "redis") && nr < 16)
				theirs[nr++] = r->msgs_per_s;
			else if (no < 16)
				ours[no++] = r->msgs_per_s;
		}
		if (!no || !nr)
			continue;
		double a = median_of(ours, no), b = median_of(theirs, nr);
		fprintf(out, "- **Many clients, %s:** at %lu clients the epoll server answered "
			"%.0f greetings/s, %.2f× redis-server's %.0f PINGs/s (medians of %zu runs "
			"by turns).  Why: both are one thread around one epoll_wait(); the rest is "
			"the work per request.\n", T[i], clients, a, a / b, b, no);
	}
}

/* The floor under every round trip across CPUs: a cache line passed back
 * and forth by two spinning processes (`ipclab bench pingpong`), then shared
 * memory spinning, then the kernel's transports, each as a multiple of it. */
static void wakeup_finding(const struct run *run, FILE *out)
{
	const char *pin = run->cross;
	const struct run_row *floor = pin[0] ? run_find(run, "latency", "pingpong", "", pin, 0)
					      : NULL;
	const struct run_row *spin = floor ? run_find(run, "latency", "shm-spin", "greeting",
						      pin, 0) : NULL;
	const char *T[MAXT];
	size_t nt = transports(T);
	const struct run_row *fast = NULL;
	char pl[48];

	if (!floor || !(floor->r.lat_us.p50 > 0))
		return;
	for (size_t i = 0; i < nt; i++) { /* the fastest transport that sleeps */
		const struct run_row *r = run_find(run, "latency", T[i], "greeting", pin, 0);
		if (r && r->r.lat_us.p50 > 0 && (!fast || r->r.lat_us.p50 < fast->r.lat_us.p50))
			fast = r;
	}
	fprintf(out, "- **The floor, %s:** one cache line passed back and forth between the "
		"two CPUs takes %.2f µs a round trip", placement_name(pin, pl, sizeof pl),
		floor->r.lat_us.p50);
	if (spin && spin->r.lat_us.p50 > 0)
		fprintf(out, "; shared memory with both sides spinning, %.2f µs (%.1f×)",
			spin->r.lat_us.p50, spin->r.lat_us.p50 / floor->r.lat_us.p50);
	if (fast)
		fprintf(out, "; the fastest transport that sleeps while it waits, %s, %.1f µs "
			"(%.0f×)", fast->r.transport, fast->r.lat_us.p50,
			fast->r.lat_us.p50 / floor->r.lat_us.p50);
	fputs(".  Why: copying a few bytes costs next to nothing; a process that sleeps "
	      "must be woken by the kernel on its CPU, and that wake-up is what the other "
	      "transports' round trips measure.\n", out);
}

/* The machine's own pauses on the one-CPU placement's CPU, and the pipe
 * round trips they lengthened there: the tail that belongs to the
 * machine, not to the transport or to the harness. */
static void pause_finding(const struct run *run, FILE *out)
{
	int cpu = run->same[0] ? atoi(run->same) : -1;
	const struct pause_row *p = NULL;
	for (size_t i = 0; i < run->npauses; i++)
		if (run->pauses[i].cpu == cpu)
			p = &run->pauses[i];
	if (!p)
		return;
	if (!(p->per_s > 0)) {
		fprintf(out, "- **CPU %d never paused** for over 5 µs while a loop read the clock "
			"(`ipclab bench pauses`): a one-CPU tail here comes from the kernel or the "
			"transport, not from the machine.\n", cpu);
		return;
	}
	/* A pause stretches whatever it lands in: on average every interval
	 * by the share of time lost, while the typical one (the p50) meets
	 * none.  So the mean should stand about that share above the p50;
	 * much more than that, and something else lengthens the round trips. */
	double excess = p->have_trips && p->trip_p50_us > 0
				? 100 * (p->trip_mean_us / p->trip_p50_us - 1) : 0;
	bool explained = excess <= 1.5 * p->lost_pct + 1;
	fprintf(out, "- **%s** In a loop that only read the clock, CPU %d lost %.1f %% of its time to pauses, %.0f a second of %.1f µs "
		"(median; `ipclab bench pauses`)", explained ? "The one-CPU tail is the machine's."
		: "The machine pauses, and the one-CPU tail is longer than its pauses explain.",
		cpu, p->lost_pct, p->per_s, p->p50_us);
	if (p->ctxsw)
		fprintf(out, "; %lu switch%s to other tasks came in the count", p->ctxsw,
			p->ctxsw > 1 ? "es" : "");
	fputc('.', out);
	if (p->have_trips && p->trip_p50_us > 0)
		fprintf(out, "  The pipe round trips on that CPU: p50 %.1f µs, mean %.1f %% above "
			"it, and %.1f %% of them took over %.0f µs longer than the p50.",
			p->trip_p50_us, excess, 100 * p->slow_share, p->slow_over_us);
	fputs("  Why: the host takes the virtual CPU away and gives it back, and the guest "
	      "sees no interrupt and no steal time; a pause lands in whatever runs and "
	      "stretches it, so a mean stands about the share of time lost above the p50, in "
	      "every tool alike, perf's and lmbench's as much as ipclab's.\n", out);
}

void run_findings(const struct run *run, FILE *out)
{
	fputs("## Findings\n\n", out);
	if (run_quick(run))
		fputs("*A quick run: few iterations, one round: the figures are rough.*\n\n", out);
	const char *pins[3] = { run->same, run->cross, "none" };
	for (size_t i = 0; i < 3; i++)
		if (pins[i][0])
			small_finding(run, out, pins[i]);
	placement_finding(run, out);
	wakeup_finding(run, out);
	pause_finding(run, out);
	for (size_t i = 0; i < 3; i++)
		if (pins[i][0])
			bulk_finding(run, out, pins[i]);
	bend_finding(run, out, run->cross[0] ? run->cross : run->same);
	cost_finding(run, out);
	ladder_finding(run, out);
	loss_finding(run, out);
	peer_finding(run, out);
	process_finding(run, out);
	scaling_finding(run, out);

	/* io_uring and ZeroMQ (findings_uring_zmq.c). */
	uring_zmq_findings(run, out);

	fputc('\n', out);
}
