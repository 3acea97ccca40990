# throughput.gp - one-way throughput versus message size, one line per
# transport (the median of the rounds), the band around it from the lowest
# to the highest round; both axes logarithmic.  Dashed lines mark the sizes
# where the kernel changes behaviour: PIPE_BUF and the page (4 KiB), the
# pipe's capacity (64 KiB), the largest UDP payload (65,507 B) and a
# socket's default buffer (208 KiB); labelled circles mark where a curve
# falls; crosses mark runs that lost datagrams (their MB/s counts only
# what arrived).
# Input: throughput_T.dat = size median lowest highest lost_pct, bends.dat
# (`ipclab bench report`).
call 'plots/common.gp' ARG1 ARG2

tp(i) = sprintf("%s/throughput_%s.dat", DATA, tname(i))
B = DATA . "/bends.dat"

set logscale xy
set xrange [40 : 1.6e6]
set xtics ("64 B" 64, "256 B" 256, "1 KiB" 1024, "4 KiB" 4096, "16 KiB" 16384, \
	"64 KiB" 65536, "256 KiB" 262144, "1 MiB" 1048576)
set xlabel "message size (bytes, log scale)"
set ylabel "throughput (MB/s = 10^6 bytes/s, log scale)"
set yrange [TP_YMIN : *]
set format y "%g"
set grid xtics ytics lc rgb "#dddddd"
set key bottom right box opaque

set arrow 1 from 4096, graph 0 to 4096, graph 1 nohead dt 2 lc rgb "#555555"
set label 1 "PIPE\\_BUF, one page: 4 KiB " at 4096, graph 0.98 right font ",13"
set arrow 2 from 65536, graph 0 to 65536, graph 1 nohead dt 2 lc rgb "#555555"
set label 2 " pipe capacity: 64 KiB" at 65536, graph 0.98 left font ",13"
set arrow 3 from 65507, graph 0 to 65507, graph 1 nohead dt 3 lc rgb "#d55e00"
set label 3 "largest UDP payload: 65,507 B " at 65507, graph 0.93 right font ",13" tc rgb "#d55e00"
set arrow 4 from 212992, graph 0 to 212992, graph 1 nohead dt 4 lc rgb "#555555"
set label 4 " socket buffer: 208 KiB" at 212992, graph 0.93 left font ",13"

do for [fmt in "png svg"] {
	eval term(fmt, "throughput", 1300, 780)
	eval quick_mark
	set title title(sprintf("One-way throughput versus message size, every byte checked, %s: median of the rounds, band = lowest to highest", SWEEP))
	set style fill transparent solid 0.18 noborder
	plot for [i = 1 : NT] tp(i) using 1:3:4 with filledcurves lc rgb color(i) notitle, \
	     for [i = 1 : NT] tp(i) using 1:2 with linespoints lw 2 pt 7 ps 0.7 \
		lc rgb color(i) title tname(i), \
	     for [i = 1 : NT] tp(i) using 1:($5 > 0 ? $2 : NaN) with points pt 2 ps 2 lw 2 \
		lc rgb "#000000" title (i == 1 ? "datagrams lost (MB/s of what arrived)" : ""), \
	     B using 1:2 with points pt 6 ps 2.5 lw 2 lc rgb "#c00000" title "where a curve falls", \
	     B using 4:2:3 with labels offset 0, -1.2 left font ",13" tc rgb "#c00000" noenhanced notitle
	unset output
}
