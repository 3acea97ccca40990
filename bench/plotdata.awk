# plotdata.awk - cut all.tsv (bench/csv.awk op=tsv of all.csv) into the
# small whitespace-separated tables the plots/*.gp scripts read.
#
#   awk -v out=DIR -v pin=0,1 -v same=0,0 -v order="pipe fifo ..." -f bench/plotdata.awk all.tsv
#
# pin: the placement of the main latency plot; same: the same-CPU one.
#
# Writes to DIR (missing figures are NaN, which gnuplot leaves out):
#   latency_greeting.dat, latency_echo.dat (mode greeting, mode echo = --size)
#       i transport p50 p99 p999 (µs; placement `pin`)
#   pinning.dat
#       i transport then p50 p99 for the same CPU, different CPUs, unpinned
#       (greeting round trips)
#   throughput_T.dat (one per transport)
#       size mb_per_s msgs_per_s lost (sorted by size; placement `pin` only)
#   process.dat
#       i transport greet_p50 greet_p90 greet_p99 demo_p50 demo_p90 demo_p99 (ms)
#   floor.dat
#       p50 p90 p99 (ms) of `true`, then of `ipclab list`, then of `ipclab
#       list` linked dynamically
BEGIN {
	FS = "\t"
	n = split(order, T, " ")
	other = pin == same ? "" : pin # no different-CPU runs on one CPU
}
/^#/ { next }
$1 == "kind" {
	for (i = 1; i <= NF; i++)
		c[$i] = i
	next
}
function v(name) { return $(c[name]) == "" ? "NaN" : $(c[name]) }
function ms(name) { return $(c[name]) == "" ? "NaN" : $(c[name]) / 1000 }
function key(a, b, d) { return a SUBSEP b SUBSEP d }
$1 == "latency" {
	k = key($(c["transport"]), $(c["mode"]), $(c["pin"]))
	p50[k] = v("p50_us"); p99[k] = v("p99_us"); p999[k] = v("p999_us")
	next
}
$1 == "throughput" {
	if ($(c["pin"]) != pin)
		next # the placement checks: in the summary's table, not the plot
	t = $(c["transport"])
	tp[t, ++tpn[t]] = $(c["size"]) " " v("mb_per_s") " " v("msgs_per_s") " " v("lost")
	next
}
$1 == "process" {
	k = $(c["transport"]) SUBSEP $(c["mode"])
	pr[k] = ms("p50_us") " " ms("p90_us") " " ms("p99_us")
	next
}
function get(arr, k) { return (k in arr) ? arr[k] : "NaN" }
function lat_table(mode, file,    i, k) {
	print "# i transport p50_us p99_us p999_us (" mode ", pin " pin ")" > file
	for (i = 1; i <= n; i++) {
		k = key(T[i], mode, pin)
		print i, T[i], get(p50, k), get(p99, k), get(p999, k) > file
	}
	close(file)
}
END {
	lat_table("greeting", out "/latency_greeting.dat")
	lat_table("echo", out "/latency_echo.dat")

	f = out "/pinning.dat"
	print "# i transport p50/p99 same CPU, p50/p99 different CPUs, p50/p99 unpinned (µs)" > f
	for (i = 1; i <= n; i++) {
		a = key(T[i], "greeting", same)
		b = key(T[i], "greeting", other)
		u = key(T[i], "greeting", "none")
		print i, T[i], get(p50, a), get(p99, a), get(p50, b), get(p99, b), \
			get(p50, u), get(p99, u) > f
	}
	close(f)

	for (i = 1; i <= n; i++) {
		f = out "/throughput_" T[i] ".dat"
		print "# size mb_per_s msgs_per_s lost" > f
		close(f)
		cmd = "sort -n >> " f
		for (j = 1; j <= tpn[T[i]]; j++)
			print tp[T[i], j] | cmd
		close(cmd)
	}

	f = out "/process.dat"
	print "# i transport greet p50 p90 p99, demo p50 p90 p99 (ms)" > f
	for (i = 1; i <= n; i++) {
		g = get(pr, T[i] SUBSEP "greet")
		d = get(pr, T[i] SUBSEP "demo")
		if (g == "NaN") g = "NaN NaN NaN"
		if (d == "NaN") d = "NaN NaN NaN"
		print i, T[i], g, d > f
	}
	close(f)
	f = out "/floor.dat"
	g = get(pr, "none" SUBSEP "true")
	d = get(pr, "none" SUBSEP "list")
	l = get(pr, "none" SUBSEP "list-dynamic")
	print "# p50 p90 p99 (ms) of true, of ipclab list, of ipclab list linked dynamically" > f
	print (g == "NaN" ? "NaN NaN NaN" : g), (d == "NaN" ? "NaN NaN NaN" : d),
		(l == "NaN" ? "NaN NaN NaN" : l) > f
	close(f)
}
