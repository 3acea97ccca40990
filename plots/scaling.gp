# scaling.gp - serving many clients: one column of panels per transport
# (unix_stream, tcp): requests per second, the p99 latency of one request
# and the longest (max) versus concurrent clients, one line per server mode
# and redis-server (PING) as the reference on the same axes.  The throughput
# axis is logarithmic when the figures span more than a decade.
# Input: scaling_T_M.dat = clients requests/s p99_us max_us (`ipclab bench report`).
call 'plots/common.gp' ARG1 ARG2

MODES = "iterative select poll epoll uring redis"
MCOLORS = "#d55e00 #e69f00 #0072b2 #009e73 #cc79a7 #000000"
MPOINT = "7 5 9 11 13 4"
ST = "unix_stream tcp"
NM = words(MODES) - 1 # the server modes; redis is the last word
f(t, m) = sprintf("%s/scaling_%s_%s.dat", DATA, t, m)
mlabel(m) = m eq "redis" ? "redis-server, PING (reference)" : sprintf("ipclab serve --mode %s", m)

set logscale x 2
set xrange [0.8 : 1300]
set xtics ("1" 1, "4" 4, "16" 16, "50" 50, "256" 256, "1000" 1000)
set xlabel "concurrent clients (all connected first)" font ",14"
set grid xtics ytics lc rgb "#e4e4e4"

# Three rows: requests per second, the p99 of one request, and the
# longest wait of any request (max).  Send-to-reply p99 hides the
# iterative server's drawback: a client waits for its turn before its
# first request is even read, and few of its requests pay that wait; the
# max shows it.
do for [fmt in "png svg"] {
	eval term(fmt, "scaling", 1400, 1500)
	eval quick_mark
	set multiplot layout 3, 2 title title("Serving many clients: ipclab's server modes against redis-server")
	do for [row = 1 : 3] {
		do for [ti = 1 : 2] {
			t = word(ST, ti)
			col = row + 1 # 2: requests/s, 3: p99_us, 4: max_us
			if (row == 1) {
				set title sprintf("%s: requests per second", t) noenhanced
				set ylabel "thousand requests/s" . (SCALING_LOG ? " (log)" : "")
				if (SCALING_LOG) { set logscale y; set yrange [* : *]; set format y "%g" } else { unset logscale y; set yrange [0 : *]; set format y "%.0f" }
				scale = 1000.0
			} else {
				set title sprintf(row == 2 ? "%s: p99 of one request (send to reply)" \
					: "%s: longest wait (max): the iterative queue", t) noenhanced
				set ylabel (row == 2 ? "p99 (ms, log)" : "max (ms, log)")
				set logscale y
				set yrange [* : *]
				set format y "%g"
				scale = 1000.0
			}
			if (row == 2 && ti == 1) { set key top left box opaque font ",12" } else { unset key }
			plot for [mi = 1 : NM] f(t, word(MODES, mi)) using 1:(column(col) / scale) \
				with linespoints lw 2.5 pt (word(MPOINT, mi) + 0) ps 1.4 \
				lc rgb word(MCOLORS, mi) title mlabel(word(MODES, mi)), \
			     f(t, "redis") using 1:(column(col) / scale) with linespoints lw 2 dt 2 \
				pt 4 ps 1.4 lc rgb "#000000" title mlabel("redis")
		}
	}
	unset multiplot
	unset output
}
