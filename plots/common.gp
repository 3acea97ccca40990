# common.gp - what every plot shares.  Each plots/*.gp is run as
#   gnuplot -c plots/NAME.gp DATA_DIR OUT_DIR SUBTITLE PIN "TRANSPORTS"
# (bench/plot.sh does it) and first runs
#   call 'plots/common.gp' ARG1 ARG2 ARG3 ARG4 ARG5
# (`load` would not pass the arguments on).
DATA = ARG1
OUT = ARG2
SUBTITLE = ARG3
PIN = ARG4
TRANSPORTS = ARG5
NT = words(TRANSPORTS)

# One colour per transport, the same in every plot (colour-blind safe).
COLORS = "#0072b2 #e69f00 #009e73 #cc79a7 #d55e00 #56b4e9 #999999 #000000"
color(i) = word(COLORS, i)
tname(i) = word(TRANSPORTS, i)
# "A,B" (client CPU, server CPU) or "none" in words.
cpu_a(p) = p[1 : strstrt(p, ",") - 1]
cpu_b(p) = p[strstrt(p, ",") + 1 :]
placement(p) = p eq "none" ? "unpinned" : cpu_a(p) eq cpu_b(p) ? \
	sprintf("client and server on CPU %s", cpu_a(p)) : \
	sprintf("client on CPU %s, server on CPU %s", cpu_a(p), cpu_b(p))

# eval term("png", "latency", 1200, 700) before each plot; the SVG is the
# same picture, for documents.
term(fmt, name, w, h) = (fmt eq "png" ? \
	sprintf("set terminal pngcairo enhanced size %d,%d font 'DejaVu Sans,11' background '#ffffff'", w, h) : \
	sprintf("set terminal svg enhanced size %d,%d font 'DejaVu Sans,11' background '#ffffff'", w, h)) . \
	sprintf("; set output '%s/%s.%s'", OUT, name, fmt)
title(what) = sprintf("%s\n{/*0.8 %s}", what, SUBTITLE)

set encoding utf8
set border 3
set tics nomirror noenhanced
set grid ytics lc rgb "#dddddd"
set key top left noautotitle noenhanced
set style fill solid 0.85 border -1
# Whiskers are vectors with a flat head: `with yerrorbars` would draw a
# point at the bar's top as well.  Use: using X:P50:(0):(P99 - P50) WHISKER
WHISKER = "with vectors head size screen 0.01,90 lw 1.5 lc rgb '#222222'"
