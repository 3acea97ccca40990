# latency_cdf.gp - the distribution of every round trip, one line per
# transport (greeting requests): left the CDF, right its tail (the fraction
# of round trips slower than x, log scale) where p99 and p99.9 live.
# Input: cdf_T.dat = value_us F tail (bench/plot.sh).
call 'plots/common.gp' ARG1 ARG2 ARG3 ARG4 ARG5

# ARG6, ARG7: the x range of the CDF panel (bench/plot.sh: fastest round
# trip to 3 x the slowest p99.9); the tail panel shows everything.
XMIN = ARG6 + 0
XMAX = ARG7 + 0
cdf(i) = sprintf("%s/cdf_%s.dat", DATA, tname(i))

set logscale x
set xlabel "round trip (µs, log scale)"
set format x "%g"
set grid xtics ytics lc rgb "#dddddd"

do for [fmt in "png svg"] {
	eval term(fmt, "latency_cdf", 1400, 650)
	set xrange [XMIN : XMAX]
	set xtics (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000)
	set multiplot layout 1, 2 title title(sprintf( \
		"Round-trip latency distribution (greeting requests), %s", placement(PIN)))
	set key bottom right
	set ylabel "fraction of round trips ≤ x"
	set yrange [0 : 1]
	set ytics 0.1
	unset logscale y
	set title "CDF"
	plot for [i = 1 : NT] cdf(i) using 1:2 with lines lw 2 \
		lc rgb color(i) title tname(i)
	set key top right
	set ylabel "fraction of round trips ≥ x (log scale)"
	set logscale y
	set yrange [* : 1]
	set ytics auto
	set format y "%g"
	set title "tail: 1 - CDF (p99 where a line crosses 0.01, p99.9 at 0.001)"
	set xrange [XMIN : *]
	set xtics auto
	plot for [i = 1 : NT] cdf(i) using 1:3 with lines lw 2 \
		lc rgb color(i) title tname(i), \
	     0.01 with lines dt 2 lc rgb "#888888" title "p99", \
	     0.001 with lines dt 3 lc rgb "#888888" title "p99.9"
	unset multiplot
	unset output
}
