# summary.awk - the Markdown tables of summary.md, from all.tsv (the merged
# results, tab-separated: bench/csv.awk op=tsv).
#
#   awk -v order="pipe fifo ..." -v pin=0,1 -v same=0,0 [-v only=peers] -f bench/summary.awk \
#       all.tsv [peers/rounds.tsv]
#
# rounds.tsv (bench/peers.sh): one line per peer run, ipclab's twin runs
# around it and a statistic: tool, transport, size, pin, round, statistic
# (p50, mean, MB/s, MB/s-unverified), peer µs, ipclab µs, and SPLIT for a
# pair whose two ipclab twins disagreed by over 2x (left out of the median,
# counted apart).  lmbench's lat_* have a p50 and a mean line a run.
#
# Sections: whole process (with the greet / true ratios), latency by
# placement, throughput at chosen sizes, connection set-up, the peers (as
# ratios ours / theirs), scaling (kind "load"), and every row that carries
# a note (LOSSY, UNPINNED, HIGH-SPREAD...).  `only=peers` prints the peer
# table alone (peers.md).
BEGIN {
	FS = "\t"
	nt = split(order, T, " ")
	npl = split(same " " pin " none", PL, " ")
	if (PL[2] == PL[1])
		npl = split(same " none", PL, " ")
}
FILENAME ~ /rounds\.tsv$/ {
	k = $1 SUBSEP $2 SUBSEP $4 SUBSEP $6
	if ($9 == "SPLIT") {
		nsplit[k]++
		next
	}
	if ($7 + 0 > 0)
		RR[k, ++nrr[k]] = $8 / $7
	next
}
/^#/ { next }
$1 == "kind" {
	for (i = 1; i <= NF; i++)
		c[$i] = i
	next
}
{
	nrows++
	for (k in c)
		row[nrows, k] = $(c[k])
}
function f(r, k) { return row[r, k] }
function num(v, fmt) { return v == "" ? "–" : sprintf(fmt, v) }
function placement(p,    ab) {
	if (p == "none")
		return "unpinned"
	split(p, ab, ",")
	return ab[1] == ab[2] ? "same CPU (" ab[1] ")" : "CPUs " p
}
# The row index of the first row matching kind, transport, mode, pin and size
# ("" = any); 0 if none.
function find(kind, t, mode, p, size,    r) {
	for (r = 1; r <= nrows; r++)
		if (f(r, "kind") == kind && (t == "" || f(r, "transport") == t) &&
		    (mode == "" || f(r, "mode") == mode) && (p == "" || f(r, "pin") == p) &&
		    (size == "" || f(r, "size") == size))
			return r
	return 0
}

# p50 in µs of the process row of transport t and mode m; "" when absent.
function p50_of(t, m,    r) {
	r = find("process", t, m, "", "")
	return r ? f(r, "p50_us") + 0 : ""
}

function process_row(label, t, r, fl, ls) {
	printf "| %s | %s | %s | %.3f | %.3f | %.3f | %s | %s |\n", label, t, f(r, "count"),
		f(r, "p50_us") / 1000, f(r, "mean_us") / 1000, f(r, "p99_us") / 1000,
		(fl > 0 ? sprintf("%.2f", f(r, "p50_us") / fl) : "–"),
		(ls > 0 ? sprintf("%+.0f", f(r, "p50_us") - ls) : "–")
}

function process_section(    i, r, fl, ls, m, lo, hi, ratio, worst, ld, gd) {
	fl = p50_of("none", "true")
	ls = p50_of("none", "list")
	if (fl == "" && ls == "")
		return
	print "## Whole process (hyperfine -N)\n"
	print "Wall-clock time of one command, fork + exec + exit included; `greet` runs"
	print "against a server started once outside the timed loop (the pipe has none:"
	print "its greet forks the server), `demo` starts and stops its own server, `true`"
	print "is the floor: a process that does nothing.  Every command ran in each of"
	print "the interleaved rounds, so the ratios compare commands timed side by side."
	print "Last column: p50 minus `ipclab list`'s (the same build's), i.e. ipclab's"
	print "start-up taken out.\n"
	print "| command | transport | runs | p50 ms | mean ms | p99 ms | p50 / true | − list µs |"
	print "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	if ((r = find("process", "none", "true", "", "")))
		process_row("true", "–", r, fl, "")
	if ((r = find("process", "none", "list", "", "")))
		process_row("ipclab list (start-up, no IPC)", "–", r, fl, "")
	if ((r = find("process", "none", "list-dynamic", "", "")))
		process_row("ipclab list, linked dynamically", "–", r, fl, ls)
	lo = 1e9; hi = 0
	for (m = 1; m <= 2; m++)
		for (i = 1; i <= nt; i++) {
			r = find("process", T[i], m == 1 ? "greet" : "demo", "", "")
			if (!r)
				continue
			process_row(m == 1 ? "greet" : "demo", T[i], r, fl, ls)
			# The target is about a running server: the pipe forks one.
			if (m == 1 && T[i] != "pipe" && fl > 0) {
				ratio = f(r, "p50_us") / fl
				if (ratio < lo) lo = ratio
				if (ratio > hi) { hi = ratio; worst = T[i] }
			}
			if (m == 1 && (r = find("process", T[i], "greet-dynamic", "", "")))
				process_row("greet, linked dynamically", T[i], r, fl,
					p50_of("none", "list-dynamic"))
		}
	if (hi > 0)
		printf "\n`ipclab greet` against a running server / `true` (p50): %.2f to %.2f, " \
			"highest %s (target: within 1.25): %s.\n", lo, hi, worst,
			(hi <= 1.25 ? "met" : "NOT met")
	ld = p50_of("none", "list-dynamic")
	gd = p50_of("unix_stream", "greet-dynamic")
	if (ld != "" && ls > 0)
		printf "The dynamic loader adds %.0f µs to every start (`ipclab list`, dynamic " \
			"minus static)%s.\n", ld - ls,
			(gd != "" && fl > 0 ? sprintf("; linked dynamically, `greet unix_stream` / " \
			"`true` is %.2f", gd / fl) : "")
	print ""
}

function latency_section(    i, j, m, r, mode, line, hdr, sep) {
	print "## Round-trip latency (µs, in process)\n"
	print "Two processes ping-pong; every round trip timed.  greeting = the"
	print "protocol's request and reply; echo = a payload of that many bytes echoed.\n"
	hdr = "| transport | mode | bytes |"
	sep = "| --- | --- | ---: |"
	for (j = 1; j <= npl; j++) {
		hdr = hdr " " placement(PL[j]) " p50 | p99 | p99.9 |"
		sep = sep " ---: | ---: | ---: |"
	}
	print hdr "\n" sep
	for (i = 1; i <= nt; i++)
		for (m = 1; m <= 2; m++) {
			mode = m == 1 ? "greeting" : "echo"
			r = find("latency", T[i], mode, "", "")
			if (!r)
				continue
			line = "| " T[i] " | " mode " | " f(r, "size") " |"
			for (j = 1; j <= npl; j++) {
				r = find("latency", T[i], mode, PL[j], "")
				line = line (r ? sprintf(" %.2f | %.2f | %.2f |", f(r, "p50_us"), \
					f(r, "p99_us"), f(r, "p999_us")) : " – | – | – |")
			}
			print line
		}
	print ""
}

function throughput_section(    i, r, s, n, S, line, best, bests, lim, limsize, j, any) {
	print "## Throughput (MB/s = 10^6 bytes/s, one way, every byte verified)\n"
	print "Client and server on " placement(pin) "; for each size, the round with"
	print "the median MB/s (the full run sweeps three times, the quick run once).\n"
	n = split("64 4096 65536 1048576", S, " ")
	print "| transport | 64 B | 4 KiB | 64 KiB | 1 MiB | largest datagram | peak (size) |"
	print "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	for (i = 1; i <= nt; i++) {
		if (!find("throughput", T[i], "", pin, ""))
			continue
		line = "| " T[i] " |"
		for (s = 1; s <= n; s++) {
			r = find("throughput", T[i], "", pin, S[s])
			line = line (r ? sprintf(" %.0f%s |", f(r, "mb_per_s"), \
				f(r, "lost") + 0 > 0 ? " (lost " f(r, "lost") ")" : "") : " – |")
		}
		best = 0; bests = ""; lim = 0; limsize = 0
		for (r = 1; r <= nrows; r++)
			if (f(r, "kind") == "throughput" && f(r, "transport") == T[i] && f(r, "pin") == pin) {
				if (f(r, "mb_per_s") + 0 > best && f(r, "lost") + 0 == 0) {
					best = f(r, "mb_per_s") + 0; bests = f(r, "size")
				}
				if (T[i] ~ /dgram|udp/ && f(r, "size") + 0 > limsize) {
					lim = r
					limsize = f(r, "size") + 0
				}
			}
		line = line (lim ? sprintf(" %.0f (%s B)%s |", f(lim, "mb_per_s"), f(lim, "size"),
			(f(lim, "lost") + 0 > 0 ? " (lost " f(lim, "lost") ")" : "")) : " – |")
		print line (bests == "" ? " – (every run lossy) |" : sprintf(" %.0f (%s B) |", best, bests))
	}
	print ""
	throughput_placement_section()
}

# The sizes that also ran at the other placements: one column per placement.
function throughput_placement_section(    i, j, k, n, S, r, v, line, hdr, sep) {
	hdr = "| transport | bytes |"
	sep = "| --- | ---: |"
	for (j = 1; j <= npl; j++) {
		hdr = hdr " " placement(PL[j]) " |"
		sep = sep " ---: |"
	}
	for (i = 1; i <= nt; i++) {
		# This transport's sizes measured off the main placement, sorted.
		n = 0
		for (r = 1; r <= nrows; r++) {
			if (f(r, "kind") != "throughput" || f(r, "transport") != T[i] || f(r, "pin") == pin)
				continue
			v = f(r, "size") + 0
			for (k = 1; k <= n && S[k] != v; k++)
				;
			if (k <= n)
				continue
			for (k = n; k >= 1 && S[k] > v; k--)
				S[k + 1] = S[k]
			S[k + 1] = v
			n++
		}
		for (k = 1; k <= n; k++) {
			if (hdr != "") {
				print "### Throughput by placement (MB/s)\n"
				print "On one CPU the data stays in that CPU's caches; across CPUs every"
				print "byte crosses between them.\n"
				print hdr "\n" sep
				hdr = ""
			}
			line = "| " T[i] " | " S[k] " |"
			for (j = 1; j <= npl; j++) {
				r = find("throughput", T[i], "", PL[j], S[k])
				line = line (r ? sprintf(" %.0f%s |", f(r, "mb_per_s"), \
					(f(r, "lost") + 0 > 0 ? " (lost " f(r, "lost") ")" : "")) : " – |")
			}
			print line
		}
	}
	if (hdr == "")
		print ""
}

function connect_section(    i, r, any) {
	for (i = 1; i <= nt; i++)
		if (find("connect", T[i], "", "", ""))
			any = 1
	if (!any)
		return
	print "## Connection set-up (µs: connect + accept, or the FIFO open handshake)\n"
	print "| transport | count | p50 | p99 | mean |"
	print "| --- | ---: | ---: | ---: | ---: |"
	for (i = 1; i <= nt; i++)
		if ((r = find("connect", T[i], "", "", "")))
			printf "| %s | %s | %.2f | %.2f | %.2f |\n", T[i], f(r, "count"),
				f(r, "p50_us"), f(r, "p99_us"), f(r, "mean_us")
	print ""
}

# The median of the per-round ratios of key k ("" when there are none);
# their lowest and highest are left in RMIN and RMAX.
function round_median(k,    n, i, j, v, a) {
	n = nrr[k] + 0
	if (!n)
		return ""
	for (i = 1; i <= n; i++) {
		v = RR[k, i]
		for (j = i - 1; j >= 1 && a[j] > v; j--)
			a[j + 1] = a[j]
		a[j + 1] = v
	}
	RMIN = a[1]
	RMAX = a[n]
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}

# A peer row of bandwidth (bw_*: MB/s) rather than of round trips.
function is_bw(r) { return f(r, "mb_per_s") + 0 > 0 }
function is_lmbench(r) { return f(r, "mode") ~ /^lmbench-/ }
# ipclab's own rows among the peers' (its twins' pooled figures).
function is_ipclab(r) { return f(r, "mode") ~ /^ipclab(-unverified)?$/ }
# The key of a peer row's round ratios in RR, for statistic stat.
function rkey(r, stat) {
	return f(r, "mode") SUBSEP f(r, "transport") SUBSEP f(r, "pin") SUBSEP stat
}

# The rounds column: the pairs in the median, and the split ones left out.
function rounds_of(k) { return nrr[k] + 0 (nsplit[k] ? " (+" nsplit[k] " split)" : "") }

# A row that has only split pairs is not judged: named in UNJUDGED.
function unjudged(what) { UNJUDGED = UNJUDGED (UNJUDGED == "" ? "" : ", ") what }

# The peer tables: round trips, then bandwidth (lmbench only), and the
# verdict lines.  Every ratio is ipclab / peer.
function peers_section(    r, o, stat, theirs, ours, any, k, med, n, good, slower, lmb,
			   bw, lat_n, lat_ok, lat_miss, what, u) {
	for (r = 1; r <= nrows; r++)
		if (f(r, "kind") == "peer" && is_lmbench(r))
			lmb = 1
	print "## Peers, same run, same placement\n"
	if (lmb) {
		print "lmbench (LMBENCH_BIN): lat_pipe, lat_fifo, lat_unix, lat_tcp (1-byte"
		print "messages), lat_udp (4 bytes) print one figure a run, the mean round trip"
		print "of a timed loop; issue 3's target sets ipclab's p50 against it (within"
		print "5 %).  bw_pipe, bw_unix, bw_tcp: MB/s at 64 KiB messages (target: at"
		print "least as much).  The Debian"
	} else {
		print "lmbench (lat_pipe, lat_unix, lat_tcp, bw_*), which issue 3 names, is not"
		print "packaged in Debian 12, so its targets are not checked here (LMBENCH_BIN=DIR,"
		print "a build of it, runs it among these).  The Debian"
	}
	print "peers: `perf bench sched pipe` (4-byte pipe round trips, mean only),"
	print "`sockperf ping-pong --full-rtt` (64 B; every round trip logged and"
	print "summarised with our statistics), `qperf tcp_lat udp_lat` (64 B; mean"
	print "one-way latency, doubled here to a round trip).  ipclab's figure is its"
	print "echo of the same size at the same placement, run just before and just"
	print "after each peer run (its twins), in interleaved rounds, samples pooled."
	print "ratio < 1: ipclab is faster.  The last column pairs each peer run with"
	print "the mean of its two twins and takes the median of those ratios: the"
	print "figure to judge by, since the machine's speed (and, on one CPU, its"
	print "latency mode) changes between runs.  A pair whose two twins differ by"
	print "over 2x (split: the scheduler ran one on one CPU and the other on two)"
	print "is left out of the median and counted apart.\n"
	print "| peer | transport | placement | statistic | peer µs | ipclab µs | ipclab / peer | rounds | median of round ratios | lowest – highest |"
	print "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	for (r = 1; r <= nrows; r++) {
		if (f(r, "kind") != "peer" || is_ipclab(r))
			continue
		if (is_bw(r)) {
			bw = 1
			continue
		}
		any = 1
		# lmbench's one figure is a mean; ipclab's side is its p50.
		stat = is_lmbench(r) || f(r, "p50_us") != "" ? "p50" : "mean"
		theirs = is_lmbench(r) ? f(r, "mean_us") : f(r, stat "_us")
		# ipclab's twin runs; a run without them: the latency layer's echo.
		o = find("peer", f(r, "transport"), "ipclab", f(r, "pin"), f(r, "size"))
		if (!o)
			o = find("latency", f(r, "transport"), "echo", f(r, "pin"), "")
		ours = o ? f(o, stat "_us") : ""
		k = rkey(r, stat)
		med = round_median(k)
		printf "| %s | %s | %s | %s | %.2f | %s | %s | %s | %s | %s |\n", f(r, "mode"),
			f(r, "transport"), placement(f(r, "pin")),
			(is_lmbench(r) ? "p50 : its mean" : stat), theirs, num(ours, "%.2f"),
			(ours != "" && theirs + 0 > 0 ? sprintf("%.2f", ours / theirs) : "–"),
			rounds_of(k), num(med, "%.2f"), (med == "" ? "–" : sprintf("%.2f – %.2f", RMIN, RMAX))
		what = f(r, "mode") " " f(r, "transport") " " placement(f(r, "pin"))
		if (med == "") {
			if (nsplit[k])
				unjudged(what)
			continue
		}
		if (is_lmbench(r)) {
			lat_n++
			if (med <= 1.05)
				lat_ok++
			else
				lat_miss = lat_miss (lat_miss == "" ? "" : ", ") what sprintf(" (%.3f)", med)
		}
		n++
		if (med <= 1)
			good++
		if (RMIN > 1)
			slower = slower (slower == "" ? "" : ", ") what
	}
	if (!any)
		print "| (no peer tool ran) | | | | | | | | | |"
	print ""
	if (n) {
		printf "Median of round ratios at most 1 (ipclab at least as fast): %d of %d.  ", good, n
		printf "Slower than the peer in every round: %s.\n\n", (slower == "" ? "none" : slower)
	}
	if (lmb && lat_n)
		lmbench_means_table()
	if (bw)
		bw_table()
	if (lmb) {
		printf "lmbench targets (issue 3), by the median of round ratios: round-trip p50 "
		printf "within 5 %% of lat_* (ratio <= 1.05): %d of %d met%s", lat_ok, lat_n,
			(lat_miss == "" ? "" : ", missed: " lat_miss)
		if (LM_N)
			printf " (mean against its mean: %d of %d%s)", LM_OK, LM_N,
				(LM_MISS == "" ? "" : ", over 1.05: " LM_MISS)
		printf "; "
		printf "bandwidth at 64 KiB at least bw_*'s (ratio >= 1): %d of %d met%s",
			BWOK["MB/s"], BWN["MB/s"], (BWMISS["MB/s"] == "" ? "" : ", missed: " BWMISS["MB/s"])
		u = "MB/s-unverified"
		if (BWN[u])
			printf " (like for like, ipclab checking no byte either: %d of %d%s)", BWOK[u],
				BWN[u], (BWMISS[u] == "" ? "" : ", under 1: " BWMISS[u])
		printf "%s.\n\n", (UNJUDGED == "" ? "" : "; not judged (every pair split): " UNJUDGED)
	}
}

# lmbench's lat_* figure is a mean: beside the judged p50, ipclab's mean
# against it.  Counts in LM_N, LM_OK (ratio <= 1.05), LM_MISS.
function lmbench_means_table(    r, k, med, p50) {
	print "lmbench's figure is a mean, the target's statistic is ipclab's p50.  Where"
	print "round trips have a fast tail (Unix sockets across CPUs on a VM), the mean"
	print "lies below the p50 whatever the tool, so ipclab's mean against lmbench's"
	print "shows what the harness adds, and p50 against mean what the statistic does.\n"
	print "| peer | transport | placement | p50 : its mean (target) | mean : its mean | rounds | lowest – highest (means) |"
	print "| --- | --- | --- | ---: | ---: | ---: | ---: |"
	for (r = 1; r <= nrows; r++) {
		if (f(r, "kind") != "peer" || !is_lmbench(r) || is_bw(r))
			continue
		p50 = round_median(rkey(r, "p50"))
		k = rkey(r, "mean")
		med = round_median(k)
		printf "| %s | %s | %s | %s | %s | %s | %s |\n", f(r, "mode"), f(r, "transport"),
			placement(f(r, "pin")), num(p50, "%.3f"), num(med, "%.3f"), rounds_of(k),
			(med == "" ? "–" : sprintf("%.2f – %.2f", RMIN, RMAX))
		if (med == "")
			continue
		LM_N++
		if (med <= 1.05)
			LM_OK++
		else
			LM_MISS = LM_MISS (LM_MISS == "" ? "" : ", ") f(r, "mode") " " \
				placement(f(r, "pin")) sprintf(" (%.3f)", med)
	}
	print ""
}

# bw_count(r, stat) - count row r's median round ratio for statistic stat
# (MB/s: checked, MB/s-unverified) into BWN, BWOK (at least 1) and BWMISS,
# by stat; returns the median, or "" when no pair was judged.
function bw_count(r, stat,    k, med, what) {
	k = rkey(r, stat)
	med = round_median(k)
	what = f(r, "mode") " " placement(f(r, "pin"))
	if (med == "") {
		if (nsplit[k] && stat == "MB/s")
			unjudged(what)
		return ""
	}
	BWN[stat]++
	if (med >= 1)
		BWOK[stat]++
	else
		BWMISS[stat] = BWMISS[stat] (BWMISS[stat] == "" ? "" : ", ") what sprintf(" (%.3f)", med)
	return med
}

# The bandwidth table (lmbench's bw_*): ipclab checking every byte, and
# checking none (--no-verify) as bw_* do.
function bw_table(    r, o, u, theirs, ours, unv, med, umed) {
	print "Bandwidth at 64 KiB messages (MB/s = 10^6 bytes/s; ratio > 1: ipclab moves"
	print "more).  ipclab checks every byte, bw_* none; each bw_* run sits between"
	print "ipclab runs that check (the target's figure) and runs that do not (like"
	print "for like): their difference is the price of the check.\n"
	print "| peer | transport | placement | peer MB/s | ipclab MB/s | ipclab / peer | rounds | median of round ratios | lowest – highest | unchecked MB/s | unchecked: median of round ratios |"
	print "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	for (r = 1; r <= nrows; r++) {
		if (f(r, "kind") != "peer" || is_ipclab(r) || !is_bw(r))
			continue
		theirs = f(r, "mb_per_s")
		o = find("peer", f(r, "transport"), "ipclab", f(r, "pin"), f(r, "size"))
		u = find("peer", f(r, "transport"), "ipclab-unverified", f(r, "pin"), f(r, "size"))
		ours = o ? f(o, "mb_per_s") : ""
		unv = u ? f(u, "mb_per_s") : ""
		umed = bw_count(r, "MB/s-unverified")
		med = bw_count(r, "MB/s") # last: RMIN and RMAX are the checked pairs'
		printf "| %s | %s | %s | %.0f | %s | %s | %s | %s | %s | %s | %s |\n", f(r, "mode"),
			f(r, "transport"), placement(f(r, "pin")), theirs, num(ours, "%.0f"),
			(ours != "" ? sprintf("%.2f", ours / theirs) : "–"), rounds_of(rkey(r, "MB/s")),
			num(med, "%.2f"), (med == "" ? "–" : sprintf("%.2f – %.2f", RMIN, RMAX)),
			num(unv, "%.0f"), num(umed, "%.2f")
	}
	print ""
}

function load_section(    r, i, j, k, n, cl, key, keys, nk, v, tm, line, hdr, sep) {
	n = 0
	nk = 0
	for (r = 1; r <= nrows; r++) {
		if (f(r, "kind") != "load")
			continue
		v = f(r, "clients") + 0
		if (!(v in seen)) {
			seen[v] = 1
			cl[++n] = v
		}
		key = f(r, "transport") " " f(r, "mode")
		if (!(key in kseen)) {
			kseen[key] = 1
			keys[++nk] = key
		}
		rate[key, v] = f(r, "msgs_per_s")
	}
	if (!n)
		return
	for (i = 2; i <= n; i++) # insertion sort: a dozen client counts
		for (j = i; j > 1 && cl[j - 1] > cl[j]; j--) {
			v = cl[j]; cl[j] = cl[j - 1]; cl[j - 1] = v
		}
	print "## Scaling (bench/scaling.sh: requests per second, in thousands, by clients)\n"
	print "Server modes under concurrent `ipclab load` clients; `redis` is redis-server"
	print "answering redis-benchmark PINGs.  Latencies: scaling.csv, scaling.png.\n"
	hdr = "| transport | mode |"
	sep = "| --- | --- |"
	for (i = 1; i <= n; i++) {
		hdr = hdr " " cl[i] " |"
		sep = sep " ---: |"
	}
	print hdr "\n" sep
	for (k = 1; k <= nk; k++) {
		split(keys[k], tm, " ")
		line = "| " tm[1] " | " tm[2] " |"
		for (i = 1; i <= n; i++)
			line = line (((keys[k], cl[i]) in rate) ? sprintf(" %.1f |", rate[keys[k], cl[i]] / 1000) : " – |")
		print line
	}
	print ""
}

# Rows with a warning word (LOSSY, HIGH-SPREAD...).  UNPINNED alone on an
# unpinned row is the placement asked for, not a problem: left out.
function notes_section(    r, any, note) {
	for (r = 1; r <= nrows; r++) {
		note = f(r, "note")
		if (f(r, "pin") == "none")
			sub(/^UNPINNED */, "", note)
		if (note !~ /(^| )[A-Z][A-Z-]+[A-Z]( |=|$)/ || f(r, "kind") == "peer")
			continue
		if (!any++) {
			print "## Flagged rows\n"
			print "HIGH-SPREAD: p99 > 3 x p50; LOSSY: datagrams lost (MB/s counts what"
			print "arrived).  UNPINNED alone, on the unpinned runs, is not listed.\n"
			print "| kind | transport | mode | size | pin | note |"
			print "| --- | --- | --- | ---: | --- | --- |"
		}
		printf "| %s | %s | %s | %s | %s | %s |\n", f(r, "kind"), f(r, "transport"),
			f(r, "mode"), f(r, "size"), f(r, "pin"), f(r, "note")
	}
	if (any)
		print ""
}

END {
	if (only == "peers") {
		peers_section()
		exit
	}
	process_section()
	latency_section()
	throughput_section()
	connect_section()
	peers_section()
	load_section()
	notes_section()
}
