# ladder.gp - the zero-copy ladder: for each transport that climbed it, one
# panel of horizontal bars, a rung a bar from write and read (two copies)
# at the bottom to no copy at the top, at 1 MiB messages; the whisker runs
# from the lowest round to the highest.  A solid bar checked every byte; a
# hatched one saw only each message's tag.  The dashed line is memcpy on
# one CPU, measured in the same run: the ceiling for anything that copies.
# Each rung is labelled with the copies of each byte the CPU makes on it.
# A transport that can spin instead of sleeping on its doorbell (shm) has a
# second panel, its rungs with both sides spinning.
# Input: ladder.dat (a block per panel: rung_number rung MB/s lowest
# highest checked cpu_ms_per_mb copies) and ladder_meta.gp (`ipclab bench
# report`: LADDER, a word a panel, T or T-spin; LADDER_T, its transport;
# LADDER_XMIN and LADDER_XMAX, the axis, from the slowest round to past the
# fastest or memcpy, room left for its figure).
call 'plots/common.gp' ARG1 ARG2
load DATA . "/ladder_meta.gp"
L = DATA . "/ladder.dat"
NL = words(LADDER)
if (!exists("LADDER_T")) LADDER_T = LADDER
# "shm-spin": the panel of shm's rungs with both sides spinning.
spinning(w) = strstrt(w, "-spin") > 0
panel_title(i) = spinning(word(LADDER, i)) ? word(LADDER_T, i) . ", both sides spinning (--wait spin)" : word(LADDER_T, i)
# The colour of a transport is its colour in every other plot.
tcolor(name) = sum [i = 1 : NT] (tname(i) eq name ? i : 0)

if (NL == 0) {
	# A run without the ladder: a plot that says so, not an empty frame.
	do for [fmt in "png svg"] {
		eval term(fmt, "ladder", 1000, 300)
		unset border; unset tics
		set label 1 "This run measured no rung of the zero-copy ladder." at graph 0.5, graph 0.5 center
		plot [0:1] [0:1] -1 notitle
		unset output
	}
	exit
}

set logscale x
set xrange [LADDER_XMIN : LADDER_XMAX]
set xtics font ",14"
set format x "%g"
set grid xtics lc rgb "#e4e4e4"
unset key
set offsets 0, 0, 0.6, 0.6
# A figure stays legible where it crosses memcpy's line: the line is drawn
# behind, and each figure's box is opaque.
set style textbox opaque noborder
if (MEMCPY == MEMCPY) {
	set arrow 1 from MEMCPY, graph 0 to MEMCPY, graph 1 nohead dt 2 lw 2 lc rgb "#444444" back
	set label 1 sprintf("memcpy %.0f", MEMCPY) at MEMCPY, graph 1.02 center font ",13" front
}

do for [fmt in "png svg"] {
	# Margins and the space between panels in pixels, made fractions of a
	# canvas that grows with the panels (a fixed fraction would eat the
	# panels of a tall one).
	H = 330 * NL + 230
	eval term(fmt, "ladder", 1200, H)
	eval quick_mark
	set multiplot layout NL, 1 title title(sprintf("The zero-copy ladder: MB/s (10^6 bytes/s) at 1 MiB messages, %s\nmedian of the rounds, whisker: lowest to highest round\nsolid: every byte checked; hatched: only each message's tag; dashed: memcpy on one CPU", SWEEP)) \
		margins 0.25, 0.96, 80.0 / H, 1 - 190.0 / H spacing 0, 130.0 / H
	do for [i = 1 : NL] {
		c = color(tcolor(word(LADDER_T, i)))
		set title panel_title(i) noenhanced font ",16" tc rgb c
		set xlabel (i == NL ? "MB/s" : "")
		# A bar runs from the axis to the median, one row a rung present.
		plot L index (i - 1) using (LADDER_XMIN):0:(LADDER_XMIN):($6 > 0.5 ? $3 : NaN):($0 - 0.35):($0 + 0.35):ytic(sprintf("%s, %d cop%s", strcol(2), $8, $8 == 1 ? "y" : "ies")) \
			with boxxyerror lc rgb c fs solid 0.85 border, \
		     L index (i - 1) using (LADDER_XMIN):0:(LADDER_XMIN):($6 > 0.5 ? NaN : $3):($0 - 0.35):($0 + 0.35) \
			with boxxyerror lc rgb c fs pattern 2 border, \
		     L index (i - 1) using 3:0:4:5 with xerrorbars pt -1 lw 1.5 lc rgb "#222222", \
		     L index (i - 1) using 5:0:(sprintf(" %.0f", $3)) with labels left offset 0.5, 0 boxed font ",13"
	}
	unset multiplot
	unset output
}
