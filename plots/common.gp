# common.gp - what every plot shares.  Each plots/*.gp is run as
#   gnuplot -c plots/NAME.gp DATA_DIR OUT_DIR
# (bench/plot.sh does it) and first runs
#   call 'plots/common.gp' ARG1 ARG2
# DATA_DIR/meta.gp (`ipclab bench report`) says what the run was: SUBTITLE
# (machine, date, git revision, QUICK), TRANSPORTS, the placements and the
# axis ranges, which start where the data start.
DATA = ARG1
OUT = ARG2
load DATA . "/meta.gp"
NT = words(TRANSPORTS)

# One colour, one marker and one dash per transport, the same in every
# plot: no two transports share a colour, and a line can be told from its
# neighbour by its marker even where colours look alike to some eyes.
# Twelve of each, so that transports added to the registry still get their
# own (a thirteenth would reuse the first).
COLORS = "#0072b2 #e69f00 #009e73 #cc79a7 #d55e00 #56b4e9 #000000 #999933 #882255 #332288 #44aa99 #aa4499"
POINTS = "7 5 9 11 13 15 4 6 8 10 12 14"
DASHES = "1 2 4 5 1 2 4 5 1 2 4 5"
wrap(i) = (i - 1) % 12 + 1
color(i) = word(COLORS, wrap(i))
point(i) = word(POINTS, wrap(i)) + 0
dash(i) = word(DASHES, wrap(i)) + 0
tname(i) = word(TRANSPORTS, i)

# eval term("png", "latency", 1200, 700) before each plot; the SVG is the
# same picture, for documents.  The text is 16 points, so that a figure
# shown at the width of a phone (the handout links each one full size)
# can still be read.
FONT = 16
term(fmt, name, w, h) = (fmt eq "png" ? \
	sprintf("set terminal pngcairo enhanced size %d,%d font 'DejaVu Sans,%d' background '#ffffff'", w, h, FONT) : \
	sprintf("set terminal svg enhanced size %d,%d font 'DejaVu Sans,%d' background '#ffffff'", w, h, FONT)) . \
	sprintf("; set output '%s/%s.%s'", OUT, name, fmt)
title(what) = sprintf("%s\n{/*0.8 %s}", what, SUBTITLE)
# A quick run says so in red across the plot, not only in its subtitle.
quick_mark = "if (QUICK) { set label 99 'QUICK RUN' at screen 0.006, screen 0.975 left tc rgb '#c00000' font ',18' front } else { unset label 99 }"

set encoding utf8
set border 3
set tics nomirror noenhanced
set grid ytics lc rgb "#dddddd"
set key top left noautotitle noenhanced
set style fill solid 0.85 border -1
# Whiskers are vectors with a flat head: `with yerrorbars` would draw a
# point at the bar's top as well.  Use: using X:P50:(0):(P99 - P50) WHISKER
WHISKER = "with vectors head size screen 0.008,90 lw 1.5 lc rgb '#222222'"
LOGTICS = "(0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000)"
