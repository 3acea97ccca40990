# process.gp - whole-process times from hyperfine: `ipclab greet T` against
# a running server and `ipclab demo T` (which starts and stops its server),
# p50 bars with p90 whiskers, against the floor of `true` (fork + exec +
# wait of a process that does nothing), ipclab's own start-up (`ipclab
# list`), and that start-up linked against libc.so (the dynamic loader's
# cost).  The label over each greet bar is its ratio to `true`.
# Input: process.dat and floor.dat (`ipclab bench report`), times in ms.
call 'plots/common.gp' ARG1 ARG2

F = DATA . "/process.dat"
# meta.gp: FLOOR_MS (`true`), START_MS (`ipclab list`), DYNAMIC_MS (the
# same, linked dynamically); NaN when the run lacks one.
FLOOR = FLOOR_MS
START = START_MS
DYNAMIC = DYNAMIC_MS
isnum(x) = x == x
W = 0.36

set xrange [0.4 : NT + 0.6]
set xtics ()
do for [i = 1 : NT] { set xtics add (tname(i) i) }
set ylabel "wall-clock time per command (ms)"
set yrange [0 : *]
set boxwidth W
set key below center horizontal maxcols 2

do for [fmt in "png svg"] {
	eval term(fmt, "process", 1200, 700)
	eval quick_mark
	set title title("Whole-process time per command (hyperfine -N), unpinned: starting a process costs far more than one round trip")
	plot F using ($1 - W/2):3 with boxes lc rgb "#4e79a7" title "ipclab greet T NAME (server already running), p50", \
	     F using ($1 + W/2):6 with boxes lc rgb "#f28e2b" title "ipclab demo T (starts and stops its server), p50", \
	     F using ($1 - W/2):3:(0):($4 - $3) @WHISKER title "p90", \
	     F using ($1 + W/2):6:(0):($7 - $6) @WHISKER notitle, \
	     F using ($1 - W/2):4:(sprintf("%.2f× true", $3 / FLOOR)) with labels offset 0, 0.8 font ",10" notitle, \
	     F using ($1 - W/2):3:(sprintf("%.3f", $3)) with labels offset 0, -0.8 font ",9" tc rgb "#ffffff" notitle, \
	     F using ($1 + W/2):6:(sprintf("%.3f", $6)) with labels offset 0, -0.8 font ",9" tc rgb "#ffffff" notitle, \
	     (isnum(FLOOR) ? FLOOR : -1) with lines dt 2 lw 2 lc rgb "#c00000" \
		title (isnum(FLOOR) ? sprintf("true: %.3f ms, p50 (the fork+exec floor)", FLOOR) : ""), \
	     (isnum(START) ? START : -1) with lines dt 3 lw 2 lc rgb "#555555" \
		title (isnum(START) ? sprintf("ipclab list: %.3f ms, p50 (start-up, no IPC)", START) : ""), \
	     (isnum(DYNAMIC) ? DYNAMIC : -1) with lines dt 4 lw 2 lc rgb "#9c755f" \
		title (isnum(DYNAMIC) ? sprintf("ipclab list linked dynamically: %.3f ms, p50", DYNAMIC) : "")
	unset output
}
