# throughput.gp - one-way throughput versus message size, one small panel
# per transport (small multiples): the transport's median of the rounds in
# its colour, the band around it from the lowest to the highest round, and
# every other transport as a thin grey line behind it, so that each curve
# can be read on its own and still be compared.  Both axes logarithmic,
# the same in every panel.  Dashed lines mark the sizes where the kernel
# changes behaviour: PIPE_BUF and the page (4 KiB), the pipe's capacity
# and the largest UDP payload (64 KiB), a socket's default buffer
# (208 KiB); a circle marks where the curve falls, crosses mark runs that
# lost datagrams (their MB/s counts only what arrived).
# Input: throughput_T.dat = size median lowest highest lost_pct, bends.dat
# (`ipclab bench report`).
call 'plots/common.gp' ARG1 ARG2

tp(i) = sprintf("%s/throughput_%s.dat", DATA, tname(i))
B = DATA . "/bends.dat"
COLS = 3
ROWS = int((NT + COLS - 1) / COLS)
# A bend belongs to the panel whose transport names its label ("pipe: ...").
mine(label, i) = strstrt(label, tname(i) . ":") == 1

set logscale xy
set xrange [40 : 1.6e6]
set xtics ("64" 64, "1K" 1024, "4K" 4096, "64K" 65536, "1M" 1048576) font ",14"
set ytics font ",14"
set yrange [TP_YMIN : *]
set format y "%g"
set grid xtics ytics lc rgb "#e4e4e4"
unset key
set arrow 1 from 4096, graph 0 to 4096, graph 1 nohead dt 2 lc rgb "#777777"
set arrow 2 from 65536, graph 0 to 65536, graph 1 nohead dt 2 lc rgb "#777777"
set arrow 3 from 212992, graph 0 to 212992, graph 1 nohead dt 4 lc rgb "#777777"

do for [fmt in "png svg"] {
	eval term(fmt, "throughput", 1400, 420 * ROWS + 220)
	eval quick_mark
	set multiplot layout ROWS, COLS title title(sprintf("One-way throughput (MB/s = 10^6 bytes/s) versus message size (bytes), every byte checked,\n%s; median of the rounds, band: lowest to highest; grey: the other transports\ndashed: 4 KiB (PIPE\\_BUF, a page), 64 KiB (pipe capacity, largest UDP payload), 208 KiB (socket buffer)", SWEEP)) \
		margins 0.07, 0.98, 0.06, 0.86 spacing 0.06, 0.09
	do for [i = 1 : NT] {
		set title tname(i) noenhanced font ",16" tc rgb color(i)
		set style fill transparent solid 0.25 noborder
		plot for [j = 1 : NT] tp(j) using 1:2 with lines lw 1 lc rgb "#c8c8c8", \
		     tp(i) using 1:3:4 with filledcurves lc rgb color(i), \
		     tp(i) using 1:2 with linespoints lw 3 pt point(i) ps 1.2 lc rgb color(i), \
		     tp(i) using 1:($5 > 0 ? $2 : NaN) with points pt 2 ps 2.2 lw 2.5 lc rgb "#000000", \
		     B using 1:(mine(strcol(3), i) ? $2 : NaN) with points pt 6 ps 2.6 lw 2.5 lc rgb "#c00000"
	}
	unset multiplot
	unset output
}
