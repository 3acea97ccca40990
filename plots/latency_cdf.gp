# latency_cdf.gp - the distribution of every greeting round trip, one line
# per transport: on one CPU (left) and on two CPUs (right), the same log
# axis, from the fastest round trip to three times the slowest p99.9.
# Input: cdf_same_T.dat, cdf_cross_T.dat = value_us F (`ipclab bench report`).
call 'plots/common.gp' ARG1 ARG2

cdf(where, i) = sprintf("%s/cdf_%s_%s.dat", DATA, where, tname(i))

set logscale x
set xlabel "round trip (µs, log scale)"
set format x "%g"
set grid xtics ytics lc rgb "#dddddd"
set xrange [CDF_XMIN : CDF_XMAX]
eval "set xtics " . LOGTICS
set ylabel "fraction of round trips ≤ x"
set yrange [0 : 1]
set ytics 0.1
set key bottom right

do for [fmt in "png svg"] {
	eval term(fmt, "latency_cdf", 1400, 650)
	eval quick_mark
	set multiplot layout 1, (strlen(CROSS) ? 2 : 1) title title("How round trips spread (greeting requests): a line further left is faster, a flatter top a longer tail")
	set title "client and server on " . SAME
	plot for [i = 1 : NT] cdf("same", i) using 1:2 with lines lw 2 lc rgb color(i) title tname(i), \
	     0.5 with lines dt 3 lc rgb "#888888" title "p50", \
	     0.99 with lines dt 2 lc rgb "#888888" title "p99"
	if (strlen(CROSS)) {
		set title "client and server on " . CROSS
		plot for [i = 1 : NT] cdf("cross", i) using 1:2 with lines lw 2 lc rgb color(i) notitle, \
		     0.5 with lines dt 3 lc rgb "#888888" notitle, \
		     0.99 with lines dt 2 lc rgb "#888888" notitle
	}
	unset multiplot
	unset output
}
