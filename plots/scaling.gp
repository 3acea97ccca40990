# scaling.gp - throughput, p99 and worst latency versus concurrent clients,
# one line per server mode and transport, redis-server (PING) as reference.
#   gnuplot -c plots/scaling.gp DATA_DIR OUT_DIR SUBTITLE TOTAL
# DATA_DIR holds <transport>_<mode>.dat tables (clients, greetings/s, p99 us,
# max us) written by bench/scaling.sh; a missing table is left out.
DATA = ARG1
OUT = ARG2
SUBTITLE = ARG3
TOTAL = ARG4

MODES = "iterative select poll epoll redis"
# Colour per mode (colour-blind safe); redis in black.
MCOLORS = "#d55e00 #e69f00 #0072b2 #009e73 #000000"
TRANSPORTS = "unix_stream tcp"
# unix_stream: solid, filled points; tcp: dashed, open points.
TDASH = "1 2"
TPOINT = "7 6"
RPOINT = "5 4" # redis: squares

file(t, m) = sprintf("%s/%s_%s.dat", DATA, t, m)
have(f) = system(sprintf("[ -s '%s' ] && echo 1 || echo 0", f)) eq "1"
label(t, m) = m eq "redis" ? sprintf("redis PING, %s", t eq "tcp" ? "tcp" : "unix socket") : \
	sprintf("%s, %s", m, t)

# One "plot" clause per table that exists, for each panel.
clause(f, ycol, ti, mi, t, m) = sprintf("'%s' using 1:(%s) with linespoints lw 2 dt %s pt %s ps 1.1 lc rgb '%s' title '%s'", \
	f, ycol, word(TDASH, ti), m eq "redis" ? word(RPOINT, ti) : word(TPOINT, ti), \
	word(MCOLORS, mi), label(t, m))
tput = ""
p99 = ""
worst = ""
do for [ti = 1 : words(TRANSPORTS)] {
	do for [mi = 1 : words(MODES)] {
		t = word(TRANSPORTS, ti)
		m = word(MODES, mi)
		f = file(t, m)
		if (have(f)) {
			sep = strlen(tput) ? ", " : ""
			tput = tput . sep . clause(f, "$2 / 1000", ti, mi, t, m)
			p99 = p99 . sep . clause(f, "$3 / 1000", ti, mi, t, m)
			worst = worst . sep . clause(f, "$4 / 1000", ti, mi, t, m)
		}
	}
}
if (!strlen(tput)) { print "scaling.gp: no table in ", DATA; exit status 1 }

set encoding utf8
set border 3
set tics nomirror
set grid xtics ytics lc rgb "#e4e4e4"
set logscale x 2
set xrange [0.8 : 1300]
set xtics ("1" 1, "2" 2, "4" 4, "8" 8, "16" 16, "32" 32, "50" 50, "128" 128, "256" 256, "512" 512, "1000" 1000)
set xlabel "concurrent clients (all connected first)"
set key noenhanced

NOTE = sprintf("Each point: about %s requests in all, spread over the clients;\n", TOTAL) . \
	"every reply checked.  All clients connect first, then send.\n\n" . \
	"iterative: one connection at a time, the others wait in the\n" . \
	"kernel's queue.  Only the first request of each client waits,\n" . \
	"so p99 may stay low while the slowest wait grows to the whole\n" . \
	"run: the drawback, measured.\n\n" . \
	"redis: redis-benchmark -t ping_inline at the same client counts,\n" . \
	"against a private redis-server (Unix socket and loopback TCP)."

do for [fmt in "png svg"] {
	if (fmt eq "png") {
		set terminal pngcairo enhanced size 1500,1100 font "DejaVu Sans,11" background "#ffffff"
	} else {
		set terminal svg enhanced size 1500,1100 font "DejaVu Sans,11" background "#ffffff"
	}
	set output sprintf("%s/scaling.%s", OUT, fmt)
	set multiplot layout 2,2 title sprintf("Serving many clients: ipclab server modes and redis-server\n{/*0.8 %s}", SUBTITLE)

	set title "Throughput"
	set ylabel "thousand greetings (redis: PINGs) per second"
	unset logscale y
	set yrange [0 : *]
	set format y "%.0f"
	# The key and the note fill the fourth cell: a column per transport.
	set key at screen 0.56, 0.44 left top vertical maxrows 5 Left reverse box samplen 3 width 1 spacing 1.2 font ",10"
	set label 1 NOTE at screen 0.56, 0.30 left front font ",10" noenhanced
	eval "plot " . tput
	unset label 1

	set title "p99 latency of one request (send to reply)"
	set ylabel "p99 (ms, log scale)"
	set logscale y 10
	set yrange [* : *]
	set format y "%g"
	unset key
	eval "plot " . p99

	set title "Slowest request (max)"
	set ylabel "max (ms, log scale)"
	eval "plot " . worst

	unset multiplot
	unset output
}
