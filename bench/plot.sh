#!/usr/bin/env bash
# plot.sh RESULTS_DIR - draw the plots of one run, PNG and SVG, into
# RESULTS_DIR/plots, from the tables `ipclab bench report` wrote into
# RESULTS_DIR/plots/data.  `make bench` runs it last; run it again by hand
# after editing plots/*.gp:
#   bench/plot.sh results/latest
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

dir=${1:?usage: bench/plot.sh RESULTS_DIR}
dir=${dir%/}
out=$dir/plots
[ -d "$dir" ] || die "$dir: no such directory; name a run directory, such as results/latest"
[ -f "$out/data/meta.gp" ] ||
	die "$dir holds no plot tables ($out/data/meta.gp): write them with \`$(basename "${IPCLAB_BIN:-ipclab}") bench report $dir\` first"
have gnuplot || die "gnuplot is not installed; on Debian: sudo apt-get install gnuplot-nox"

rm -f "$out/data/gnuplot.log"
for gp in latency latency_cdf pinning throughput ladder process scaling; do
	gnuplot -c "plots/$gp.gp" "$out/data" "$out" 2>>"$out/data/gnuplot.log" ||
		die "gnuplot plots/$gp.gp failed: $(tail -n 3 "$out/data/gnuplot.log")"
done
say "plots: $(cd "$out" && ls ./*.png | sed 's|^\./||' | tr '\n' ' ')"
