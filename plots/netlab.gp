# netlab.gp - TCP against UDP across a lossy link (`make netlab`): round-trip
# latency and the share of requests answered, versus the packet loss rate.
#   gnuplot -c plots/netlab.gp DATA_FILE OUT_DIR SUBTITLE
# DATA_FILE is written by `ipclab bench netlab DIR --data FILE`, one line per
# loss rate: loss_pct, then for tcp and for udp p50_ms p99_ms ms_per_request,
# then tcp_delivered udp_delivered (fractions).  ms_per_request is the run's
# time over its requests: every wait, retransmission and resend included.
DATA = ARG1
OUT = ARG2
SUBTITLE = ARG3

# The transports' colours of the other plots: tcp, udp.
TCP = "#d55e00"
UDP = "#56b4e9"

term(fmt, w, h) = (fmt eq "png" ? \
	sprintf("set terminal pngcairo enhanced size %d,%d font 'DejaVu Sans,11' background '#ffffff'", w, h) : \
	sprintf("set terminal svg enhanced size %d,%d font 'DejaVu Sans,11' background '#ffffff'", w, h)) . \
	sprintf("; set output '%s/netlab.%s'", OUT, fmt)

set encoding utf8
set border 3
set tics nomirror
set grid xtics ytics lc rgb "#dddddd"
set key top left noenhanced
# Loss 0 % sits on a log axis at 0.3 %, labelled "0".
lx(p) = p > 0 ? p : 0.3
set logscale x
set xrange [0.25 : 45]
set xtics ("0" 0.3, "1" 1, "3" 3, "10" 10, "30" 30)
set xlabel "packets lost on the way from client to server (%)"

do for [fmt in "png svg"] {
	eval term(fmt, 1300, 560)
	set multiplot layout 1,2 title sprintf("TCP against UDP across a lossy link\n{/*0.8 %s}", SUBTITLE)

	set title "Time per request: mean with every wait (solid), p99 of round trips (dashed)"
	set logscale y
	set key top left Left reverse
	set ylabel "milliseconds (log scale)"
	set format y "%g"
	plot DATA using (lx($1)):4 with linespoints lw 2 pt 7 lc rgb TCP title "tcp, mean per request", \
	     DATA using (lx($1)):3 with linespoints lw 2 dt 2 pt 6 lc rgb TCP title "tcp p99", \
	     DATA using (lx($1)):7 with linespoints lw 2 pt 5 lc rgb UDP title "udp, mean per request (resends after a timeout)", \
	     DATA using (lx($1)):6 with linespoints lw 2 dt 2 pt 4 lc rgb UDP title "udp p99 (answered tries)"

	set title "Requests answered, of those sent"
	unset logscale y
	set yrange [0 : 1.05]
	set ylabel "delivered fraction"
	set format y "%.1f"
	set key bottom left Left reverse
	set samples 200
	plot DATA using (lx($1)):8 with linespoints lw 2 pt 7 lc rgb TCP title "tcp (the kernel resends)", \
	     DATA using (lx($1)):9 with linespoints lw 2 pt 5 lc rgb UDP title "udp (each datagram once)", \
	     [0.3 : 45] 1 - x / 100 with lines dt 3 lw 1.5 lc rgb "#555555" \
		title "1 - loss"
	unset multiplot
	unset output
	set autoscale y
}
