# process.gp - whole-process times from hyperfine: `ipclab greet T` against
# a running server and `ipclab demo T` (which starts and stops its server),
# p50 bars with p99 whiskers (the statistics summary.md's table gives),
# beside three reference lines: `true` (/bin/true, a program linked against
# libc.so that does nothing: fork + exec + the dynamic loader + exit),
# ipclab's own start-up (`ipclab list`: a static PIE, no loader, so it may
# sit below `true`), and that start-up linked against libc.so (the
# difference is the dynamic loader's cost).  The label over each greet bar
# is its ratio to `true`.
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
set key below center vertical maxrows 6 font ",14"

do for [fmt in "png svg"] {
	eval term(fmt, "process", 1400, 900)
	eval quick_mark
	set xtics rotate by 30 right
	set title title("Whole-process time per command (hyperfine -N), unpinned:\nstarting a process costs far more than one round trip")
	plot F using ($1 - W/2):3 with boxes lc rgb "#4e79a7" title "ipclab greet T NAME (server already running), p50", \
	     F using ($1 + W/2):6 with boxes lc rgb "#f28e2b" title "ipclab demo T (starts and stops its server), p50", \
	     F using ($1 - W/2):3:(0):($5 - $3) @WHISKER title "p99 (whisker top)", \
	     F using ($1 + W/2):6:(0):($8 - $6) @WHISKER notitle, \
	     F using ($1 - W/2):5:(sprintf("%.2f×", $3 / FLOOR)) with labels offset 0, 0.8 font ",13" notitle, \
	     F using ($1 - W/2):3:(sprintf("%.3f", $3)) with labels offset 0, -0.8 font ",13" tc rgb "#ffffff" notitle, \
	     F using ($1 + W/2):6:(sprintf("%.3f", $6)) with labels offset 0, -0.8 font ",13" tc rgb "#ffffff" notitle, \
	     (isnum(FLOOR) ? FLOOR : -1) with lines dt 2 lw 2 lc rgb "#c00000" \
		title (isnum(FLOOR) ? sprintf("true: %.3f ms, p50 (/bin/true, linked against libc.so: fork, exec, loader, exit; × over a bar: p50 / this)", FLOOR) : ""), \
	     (isnum(START) ? START : -1) with lines dt 3 lw 2 lc rgb "#555555" \
		title (isnum(START) ? sprintf("ipclab list: %.3f ms, p50 (ipclab's start-up alone: static, no loader, no IPC)", START) : ""), \
	     (isnum(DYNAMIC) ? DYNAMIC : -1) with lines dt 4 lw 2 lc rgb "#9c755f" \
		title (isnum(DYNAMIC) ? sprintf("ipclab list linked dynamically: %.3f ms, p50", DYNAMIC) : "")
	unset output
}
