# latency.gp - round-trip latency per transport: p50 bars, p99 whiskers,
# p99.9 triangles; greeting requests and 64-byte echoes side by side.
# Input: latency_greeting.dat, latency_echo.dat (bench/plotdata.awk).
call 'plots/common.gp' ARG1 ARG2 ARG3 ARG4 ARG5

W = 0.36 # bar width; the two modes sit at i - W/2 and i + W/2
G = DATA . "/latency_greeting.dat"
E = DATA . "/latency_echo.dat"

set xrange [0.4 : NT + 0.6]
set xtics ()
do for [i = 1 : NT] { set xtics add (tname(i) i) }
set ylabel "round trip (µs, log scale)"
# Log scale: the tails (p99.9) are often 10 to 100 times the median.
set logscale y
set yrange [1 : *]
set format y "%g"
set ytics (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000)
set mytics 1
set boxwidth W
set key below center horizontal

do for [fmt in "png svg"] {
	eval term(fmt, "latency", 1200, 700)
	set title title(sprintf("Round-trip latency per transport, %s", placement(PIN)))
	plot G using ($1 - W/2):3 with boxes lc rgb "#4e79a7" title "p50, greeting (request and reply of the protocol)", \
	     E using ($1 + W/2):3 with boxes lc rgb "#f28e2b" title "p50, 64-byte echo", \
	     G using ($1 - W/2):3:(0):($4 - $3) @WHISKER title "p99", \
	     E using ($1 + W/2):3:(0):($4 - $3) @WHISKER notitle, \
	     G using ($1 - W/2):5 with points pt 9 ps 1.3 lc rgb "#c00000" title "p99.9", \
	     E using ($1 + W/2):5 with points pt 9 ps 1.3 lc rgb "#c00000" notitle, \
	     G using ($1 - W/2):3:(sprintf("%.1f", $3)) with labels offset 0, -0.8 font ",9" tc rgb "#ffffff" notitle, \
	     E using ($1 + W/2):3:(sprintf("%.1f", $3)) with labels offset 0, -0.8 font ",9" tc rgb "#ffffff" notitle
	unset output
}
