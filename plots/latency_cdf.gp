# latency_cdf.gp - the tail of every greeting round trip, one line per
# transport: the share of round trips slower than x (the complementary
# CDF, 1 - F), both axes logarithmic, so that p99 and p99.9 sit on their
# own decades instead of being squashed under 1.  One CPU (top) and two
# CPUs (below) share the x axis, from the fastest round trip to three
# times the slowest p99.9.  Each transport has its colour, marker and dash
# (common.gp), so that nine lines stay apart.  The x axis is labelled
# at 1, 2 and 5 of each decade over a few decades, at the decades alone
# over more, so that its labels stay apart at any span.
# A transport whose round trips gather in two places or more has each
# mode marked: an open circle where the mode sits on its line, and one
# label per transport ("shm: 72 % near 2.29 µs, 17 % near 23.8 µs": each
# mode's share of the round trips, and their median), right-aligned in a
# column at the right edge, on an opaque box, away from the legend, with
# an arrow to each of its circles.  The marks are the modes finding's own
# figures (`ipclab bench report` computes both at once).
# Input: cdf_same_T.dat, cdf_cross_T.dat = value_us F; cdf_modes_same.dat,
# cdf_modes_cross.dat = transport at_us height label_height "label"
# (`ipclab bench report`).
call 'plots/common.gp' ARG1 ARG2

cdf(where, i) = sprintf("%s/cdf_%s_%s.dat", DATA, where, tname(i))
# 1 - F; the slowest round trip itself (1 - F = 0) has no place on a log axis.
tail(f) = 1 - f > 1e-9 ? 1 - f : NaN
# Markers: one where the tail crosses each half decade (1/3, 1/10, 1/30...),
# shifted a little per transport so that they do not sit on each other.
# The rows are evenly spaced in F, so a marker every N rows would crowd
# them all at the top.
level(f, i) = 1 - f > 1e-9 ? floor(-log10(1 - f) * 2 + (i - 1.0) / NT) : -1
prev = 0
mark(f, i) = (m = (level(f, i) != level(prev, i) && level(f, i) > 0) ? tail(f) : NaN, prev = f, m)

# The marks, as more curves of a panel's plot command (none: nothing).
# The labels end at the right edge and grow leftwards, over an opaque
# box: the legend takes the bottom left, the lines' fast part the top left.
LABEL_X = CDF_XMAX / 1.15
set style textbox opaque noborder margins 0.5, 0.5
modes(where) = sprintf("'%s/cdf_modes_%s.dat'", DATA, where)
marks(where, n) = n > 0 ? \
	sprintf(", %s using 2:3 with points pt 6 ps 2.4 lw 2 lc rgb '#222222' notitle", modes(where)) . \
	sprintf(", %s using (LABEL_X):4:($2 - LABEL_X):($3 - $4) with vectors head filled size screen 0.008,20 lw 1 lc rgb '#777777' notitle", modes(where)) . \
	sprintf(", %s using (LABEL_X):4:5 with labels right boxed font ',13' noenhanced tc rgb '#222222' notitle", modes(where)) : ""
# Data written by an older report has no marks.
if (!exists("CDF_MODES_SAME")) { CDF_MODES_SAME = 0 }
if (!exists("CDF_MODES_CROSS")) { CDF_MODES_CROSS = 0 }
MARKS_SAME = marks("same", CDF_MODES_SAME)
MARKS_CROSS = marks("cross", CDF_MODES_CROSS)

set logscale xy
set xlabel "round trip (µs, log scale)"
set format x "%g"
set format y "%g"
set grid xtics ytics lc rgb "#dddddd"
set xrange [CDF_XMIN : CDF_XMAX]
# The x labels, built for the run's span so that they never run together:
# up to 3.5 decades a label at 1, 2 and 5 of each; beyond, a label at each
# power of ten only, with unlabelled small tics at 2 to 9 between.  A label
# is a plain number up to 100000 and 1e6, 1e7 ... past it, so that it
# stays short whatever the span.
XSPAN = log10(CDF_XMAX / CDF_XMIN)
XSTEPS = XSPAN <= 3.5 ? "1 2 5" : "1"
tic_label(m, e) = e >= 6 ? sprintf("%de%d", m, e) : sprintf("%g", m * 10.0 ** e)
XTICS = ""
do for [e = int(floor(log10(CDF_XMIN))) : int(ceil(log10(CDF_XMAX)))] {
	do for [m = 1 : 9] {
		v = m * 10.0 ** e
		labelled = strstrt(" " . XSTEPS . " ", sprintf(" %d ", m)) > 0
		if (v >= CDF_XMIN * 0.999 && v <= CDF_XMAX * 1.001) {
			XTICS = XTICS . (strlen(XTICS) ? ", " : "") . \
				(labelled ? sprintf("\"%s\" %g 0", tic_label(m, e), v) : sprintf("\"\" %g 1", v))
		}
	}
}
eval "set xtics (" . XTICS . ")"
set ylabel "share of round trips slower than x"
set yrange [* : 1.2]
set ytics ("1" 1, "0.5 (p50)" 0.5, "0.1 (p90)" 0.1, "0.01 (p99)" 0.01, "0.001 (p99.9)" 0.001, "0.0001" 0.0001)
set key inside bottom left vertical font ",14" box opaque

do for [fmt in "png svg"] {
	eval term(fmt, "latency_cdf", 1400, strlen(CROSS) ? 1400 : 760)
	eval quick_mark
	set multiplot layout (strlen(CROSS) ? 2 : 1), 1 title title("The tail of the round trips (greeting requests): a line further left is faster,\na line that falls later has a longer tail")
	set title "client and server on " . SAME
	plot for [i = 1 : NT] cdf("same", i) using 1:(tail($2)) with lines lw 2 dt dash(i) \
		lc rgb color(i) notitle, \
	     for [i = 1 : NT] cdf("same", i) using 1:(prev = (column(0) == 0 ? 0 : prev), mark($2, i)) \
		with points pt point(i) ps 1.6 lw 1.5 lc rgb color(i) notitle, \
	     for [i = 1 : NT] NaN with linespoints lw 2 dt dash(i) pt point(i) ps 1.6 \
		lc rgb color(i) title tname(i) @MARKS_SAME
	if (strlen(CROSS)) {
		set title "client and server on " . CROSS
		unset key
		plot for [i = 1 : NT] cdf("cross", i) using 1:(tail($2)) with lines lw 2 dt dash(i) \
			lc rgb color(i) notitle, \
		     for [i = 1 : NT] cdf("cross", i) using 1:(prev = (column(0) == 0 ? 0 : prev), mark($2, i)) \
			with points pt point(i) ps 1.6 lw 1.5 lc rgb color(i) notitle @MARKS_CROSS
		set key
	}
	unset multiplot
	unset output
}
