# throughput.gp - one-way throughput versus message size, one line per
# transport, both axes logarithmic.  Dashed lines mark the sizes where the
# kernel changes behaviour: PIPE_BUF (writes up to it are atomic), the
# default pipe capacity, and the largest UDP payload.  Crosses mark runs
# that lost datagrams (their MB/s counts only what arrived).
# Input: throughput_T.dat = size mb_per_s msgs_per_s lost (bench/plotdata.awk).
call 'plots/common.gp' ARG1 ARG2 ARG3 ARG4 ARG5

tp(i) = sprintf("%s/throughput_%s.dat", DATA, tname(i))

set logscale xy
set xrange [40 : 1.6e6]
set xtics ("64 B" 64, "256 B" 256, "1 KiB" 1024, "4 KiB" 4096, "16 KiB" 16384, \
	"64 KiB" 65536, "256 KiB" 262144, "1 MiB" 1048576)
set xlabel "message size (bytes, log scale)"
set ylabel "throughput (MB/s = 10^6 bytes/s, log scale)"
set format y "%g"
set grid xtics ytics lc rgb "#dddddd"
set key bottom right

set arrow 1 from 4096, graph 0 to 4096, graph 1 nohead dt 2 lc rgb "#555555"
set label 1 "PIPE\\_BUF 4096 " at 4096, graph 0.97 right font ",9"
set arrow 2 from 65536, graph 0 to 65536, graph 1 nohead dt 2 lc rgb "#555555"
set label 2 " pipe capacity 64 KiB" at 65536, graph 0.97 left font ",9"
set arrow 3 from 65507, graph 0 to 65507, graph 1 nohead dt 3 lc rgb "#d55e00"
set label 3 "UDP payload limit 65507 " at 65507, graph 0.03 right font ",9" tc rgb "#d55e00"

do for [fmt in "png svg"] {
	eval term(fmt, "throughput", 1200, 750)
	set title title(sprintf("One-way throughput versus message size, %s", placement(PIN)))
	plot for [i = 1 : NT] tp(i) using 1:2 with linespoints lw 2 pt 7 ps 0.8 \
		lc rgb color(i) title tname(i), \
	     for [i = 1 : NT] tp(i) using 1:($4 > 0 ? $2 : NaN) with points pt 2 ps 2.5 lw 2 \
		lc rgb "#000000" title (i == 1 ? "lost datagrams (LOSSY)" : "")
	unset output
}
