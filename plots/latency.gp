# latency.gp - round-trip latency per transport, with client and server on
# one CPU (top) and on two CPUs (below), on the same axis: p50 bars for
# greeting requests and 64-byte echoes, p99 whiskers, p99.9 diamonds; on
# the two-CPU panel, dashed lines for the floor (bench pingpong, shm-spin).
# Input: latency.dat (`ipclab bench report`): i transport, then p50 p99
# p999 of greeting and echo on one CPU, then on two CPUs.
call 'plots/common.gp' ARG1 ARG2

W = 0.36 # bar width; the two modes sit at i - W/2 and i + W/2
F = DATA . "/latency.dat"

set xrange [0.4 : NT + 0.6]
set xtics ()
do for [i = 1 : NT] { set xtics add (tname(i) i) }
set xtics rotate by -20 left
set ylabel "round trip (µs, log scale)"
set logscale y
# Headroom over the highest p99.9 for the key, which sits there.
set yrange [LAT_YMIN : LAT_YMAX * 3]
set format y "%g"
eval "set ytics " . LOGTICS
set mytics 1
set boxwidth W

# panel(c): the columns of one placement start at c (3: one CPU, 9: two)
panel(c, first) = sprintf("plot F using ($1 - W/2):%d with boxes lc rgb '#4e79a7' title '%s', ", c, first ? "p50 greeting" : "") . \
	sprintf("F using ($1 + W/2):%d with boxes lc rgb '#f28e2b' title '%s', ", c + 3, first ? "p50 64-byte echo" : "") . \
	sprintf("F using ($1 - W/2):%d:(0):($%d - $%d) @WHISKER title '%s', ", c, c + 1, c, first ? "p99" : "") . \
	sprintf("F using ($1 + W/2):%d:(0):($%d - $%d) @WHISKER notitle, ", c + 3, c + 4, c + 3) . \
	sprintf("F using ($1 - W/2):%d with points pt 13 ps 1.1 lc rgb '#c00000' title '%s', ", c + 2, first ? "p99.9" : "") . \
	sprintf("F using ($1 + W/2):%d with points pt 13 ps 1.1 lc rgb '#c00000' notitle, ", c + 5) . \
	sprintf("F using ($1 - W/2):%d:(sprintf('%%.1f', $%d)) with labels offset 0, -0.7 font ',12' tc rgb '#ffffff' notitle, ", c, c) . \
	sprintf("F using ($1 + W/2):%d:(sprintf('%%.1f', $%d)) with labels offset 0, -0.7 font ',12' tc rgb '#ffffff' notitle", c + 3, c + 3)

do for [fmt in "png svg"] {
	eval term(fmt, "latency", 1400, strlen(CROSS) ? 1400 : 760)
	eval quick_mark
	set multiplot layout (strlen(CROSS) ? 2 : 1), 1 title title("Round-trip latency per transport: where the processes run matters\n(greeting: the protocol's request and reply; echo: 64 bytes sent back)")
	set key top center horizontal opaque box samplen 2 font ",14" maxrows 1 width 1
	set title "client and server on " . SAME
	eval panel(3, 1)
	if (strlen(CROSS)) {
		unset key
		set title "client and server on " . CROSS
		if (IDLE_HALTS) {
			set label 1 "idle CPUs halt on this machine:\nthese round trips mostly time\nthe other CPU waking up" at graph 0.03, graph 0.95 left front font ",14" tc rgb "#c00000"
		}
		# The floor: what a round trip across the CPUs costs with no
		# system call at all (dashed lines; absent when not measured).
		set style textbox opaque noborder
		if (PINGPONG_CROSS == PINGPONG_CROSS) {
			set arrow 2 from graph 0, first PINGPONG_CROSS to graph 1, first PINGPONG_CROSS nohead dt 2 lw 1.5 lc rgb "#333333" front
			set label 2 sprintf("one cache line passed back and forth: %.2f µs", PINGPONG_CROSS) at graph 0.98, first PINGPONG_CROSS right offset 0, 0.7 font ",13" tc rgb "#333333" boxed front
		}
		if (SPIN_CROSS == SPIN_CROSS) {
			set arrow 3 from graph 0, first SPIN_CROSS to graph 1, first SPIN_CROSS nohead dt 3 lw 1.5 lc rgb "#333333" front
			set label 3 sprintf("shm, both sides spinning: %.2f µs", SPIN_CROSS) at graph 0.98, first SPIN_CROSS right offset 0, 0.7 font ",13" tc rgb "#333333" boxed front
		}
		eval panel(9, 0)
		unset label 1
		unset label 2
		unset label 3
		unset arrow 2
		unset arrow 3
	}
	unset multiplot
	unset output
}
