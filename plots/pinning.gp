# pinning.gp - round-trip latency by CPU placement: for each transport,
# client and server on one CPU, on two CPUs, and placed by the scheduler
# (greeting requests), p50 bars with p99 whiskers.  For small messages the
# placement moves latency more than the choice of transport does.
# Input: pinning.dat (`ipclab bench report`).
call 'plots/common.gp' ARG1 ARG2

F = DATA . "/pinning.dat"
W = 0.26

set xrange [0.4 : NT + 0.6]
set xtics ()
do for [i = 1 : NT] { set xtics add (tname(i) i) }
set ylabel "round trip (µs, log scale)"
set logscale y
set yrange [LAT_YMIN : *]
set format y "%g"
eval "set ytics " . LOGTICS
set mytics 1
set boxwidth W
set key below center horizontal font ",14"
set xtics rotate by -20 left

do for [fmt in "png svg"] {
	eval term(fmt, "pinning", 1500, 800)
	eval quick_mark
	set title title("Round-trip latency by CPU placement (greeting requests):\np50 bars, p99 whiskers")
	plot F using ($1 - W):3 with boxes lc rgb "#59a14f" title "client and server on " . SAME, \
	     F using 1:5 with boxes lc rgb "#4e79a7" title (strlen(CROSS) ? "on " . CROSS : ""), \
	     F using ($1 + W):7 with boxes lc rgb "#bab0ac" title "unpinned (placed by the scheduler)", \
	     F using ($1 - W):3:(0):($4 - $3) @WHISKER title "p99", \
	     F using 1:5:(0):($6 - $5) @WHISKER notitle, \
	     F using ($1 + W):7:(0):($8 - $7) @WHISKER notitle, \
	     F using ($1 - W):3:(sprintf("%.1f", $3)) with labels offset 0, -0.8 font ",11" tc rgb "#ffffff" notitle, \
	     F using 1:5:(sprintf("%.1f", $5)) with labels offset 0, -0.8 font ",11" tc rgb "#ffffff" notitle, \
	     F using ($1 + W):7:(sprintf("%.1f", $7)) with labels offset 0, -0.8 font ",11" notitle
	unset output
}
