# scaling.gp - serving many clients: one row of panels per transport
# (unix_stream, tcp), requests per second (left) and the p99 latency of one
# request (right) versus concurrent clients, one line per server mode and
# redis-server (PING) as the reference on the same axes.  The throughput
# axis is logarithmic when the figures span more than a decade.
# Input: scaling_T_M.dat = clients requests/s p99_us max_us (`ipclab bench report`).
call 'plots/common.gp' ARG1 ARG2

MODES = "iterative select poll epoll uring redis"
MCOLORS = "#d55e00 #e69f00 #0072b2 #009e73 #cc79a7 #000000"
MPOINT = "7 5 9 11 13 4"
ST = "unix_stream tcp"
f(t, m) = sprintf("%s/scaling_%s_%s.dat", DATA, t, m)
mlabel(m) = m eq "redis" ? "redis-server, PING (reference)" : sprintf("ipclab serve --mode %s", m)

set logscale x 2
set xrange [0.8 : 1300]
set xtics ("1" 1, "2" 2, "4" 4, "8" 8, "16" 16, "32" 32, "50" 50, "128" 128, "256" 256, "512" 512, "1000" 1000)
set xlabel "concurrent clients (all connected first)"
set grid xtics ytics lc rgb "#e4e4e4"

do for [fmt in "png svg"] {
	eval term(fmt, "scaling", 1500, 1100)
	eval quick_mark
	set multiplot layout 2, 2 title title("Serving many clients: ipclab's server modes against redis-server")
	do for [ti = 1 : 2] {
		t = word(ST, ti)
		set title sprintf("%s: requests per second", t) noenhanced
		set ylabel "thousand requests per second" . (SCALING_LOG ? " (log scale)" : "")
		if (SCALING_LOG) { set logscale y; set yrange [* : *]; set format y "%g" } else { unset logscale y; set yrange [0 : *]; set format y "%.0f" }
		unset key
		plot for [mi = 1 : 5] f(t, word(MODES, mi)) using 1:($2 / 1000) with linespoints lw 2 \
			pt (word(MPOINT, mi) + 0) ps 1.1 lc rgb word(MCOLORS, mi) notitle, \
		     f(t, "redis") using 1:($2 / 1000) with linespoints lw 2 dt 2 pt 4 ps 1.1 \
			lc rgb "#000000" notitle
		set title sprintf("%s: p99 latency of one request (send to reply)", t) noenhanced
		set ylabel "p99 (ms, log scale)"
		set logscale y
		set yrange [* : *]
		set format y "%g"
		# The key sits where p99 is empty: few clients, long waits.
		if (ti == 1) { set key top left box opaque font ",10" } else { unset key }
		plot for [mi = 1 : 5] f(t, word(MODES, mi)) using 1:($3 / 1000) with linespoints lw 2 \
			pt (word(MPOINT, mi) + 0) ps 1.1 lc rgb word(MCOLORS, mi) title mlabel(word(MODES, mi)), \
		     f(t, "redis") using 1:($3 / 1000) with linespoints lw 2 dt 2 pt 4 ps 1.1 \
			lc rgb "#000000" title mlabel("redis")
	}
	unset multiplot
	unset output
}
