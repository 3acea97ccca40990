#!/usr/bin/env bash
# plot.sh RESULTS_DIR - draw the plots of one run, PNG and SVG, into
# RESULTS_DIR/plots (tables for them in RESULTS_DIR/plots/data).
# `make bench` runs it last; run it again by hand after editing plots/*.gp:
#   bench/plot.sh results/latest
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

dir=${1:?usage: bench/plot.sh RESULTS_DIR}
dir=${dir%/}
[ -f "$dir/all.csv" ] || die "$dir/all.csv not found: run \`make bench\` first"
have gnuplot || die "gnuplot is not installed; run \`make deps-bench\` (as root)"
out=$dir/plots
data=$out/data
mkdir -p "$data"

env_value() { sed -n "s/^# $1: //p" "$dir/all.csv" | head -n 1; }
# Transports in the registry order (ipclab list).
order="pipe fifo unix_stream unix_dgram tcp udp"
[ -x bin/ipclab ] && order=$(bin/ipclab list | awk '{ printf "%s ", $1 }')

date=$(env_value date)
# Escaped for gnuplot's enhanced text, where _ ^ @ & ~ { } are markup.
subtitle="$(env_value cpu_model), $(env_value cpus_online) CPUs, $(env_value kernel), ${date%%T*}"
subtitle=$(printf "%s" "$subtitle" | sed 's/[_^@&~{}]/\\&/g')

awk -v op=tsv -f bench/csv.awk "$dir/all.csv" >"$data/all.tsv"
# The placements of the run (column 7 is the pin): the main plots use two
# different CPUs when the run had them, else the same CPU.
read -r pin same < <(awk -F'\t' '$1 == "latency" && $7 != "none" {
	split($7, p, ",")
	if (p[1] != p[2] && !other) other = $7
	if (p[1] == p[2] && !same) same = $7
} END { print (other ? other : same), same }' "$data/all.tsv")
[ -n "$pin" ] || die "no pinned latency rows in $dir/all.csv: nothing to plot"
awk -v out="$data" -v pin="$pin" -v same="$same" -v order="$order" -f bench/plotdata.awk "$data/all.tsv"

# Latency CDF tables: value, F = i/n, tail = (n-i+1)/n; thinned to about
# 2000 points below the 99th percentile, every point above it.
for t in $order; do
	f=$dir/samples/latency_${t}_greeting_${pin/,/-}.txt
	if [ ! -s "$f" ]; then
		warn "no samples for $t ($f): left out of the CDF"
		echo "# no samples" >"$data/cdf_$t.dat"
		continue
	fi
	sort -g "$f" | awk '{ v[NR] = $1 } END {
		step = int(NR / 2000); if (step < 1) step = 1
		for (i = 1; i <= NR; i++)
			if (i % step == 0 || i == 1 || i >= 0.99 * NR)
				printf "%s %.6f %.8f\n", v[i], i / NR, (NR - i + 1) / NR
	}' >"$data/cdf_$t.dat"
done

# The CDF panel's x range: from the fastest round trip to three times the
# slowest p99.9, so that one outlier does not squeeze the curves.
cdf_range=$(awk 'FNR == 1 { seen = 0 } /^#/ { next }
	(min == "" || $1 < min) { min = $1 }
	!seen && $2 >= 0.999 { seen = 1; if ($1 > p) p = $1 }
	END { printf "%g %g", (min ? min / 1.2 : 1), (p ? p * 3 : 1000) }' "$data"/cdf_*.dat)

for gp in latency latency_cdf throughput process pinning; do
	# shellcheck disable=SC2086
	gnuplot -c "plots/$gp.gp" "$data" "$out" "$subtitle" "$pin" "$order" $cdf_range ||
		die "gnuplot plots/$gp.gp failed (tables in $data)"
done
say "plots: $(cd "$out" && ls ./*.png | sed 's|^\./||' | tr '\n' ' ')"
