#!/usr/bin/env bash
# same_run.sh BEFORE AFTER - do two runs of `make bench` (or of `make
# netlab`), taken before and after a change to the scripts, hold the same
# files with the same rows?  The figures differ from run to run; what may
# not differ is the shape of a run:
#
#   - the files (every path beneath the run directory, logs included);
#   - each CSV file and plot table (*.csv, *.dat, *.tsv, *.gp): its
#     "# key:" lines (keys only), its number of rows and of fields in each,
#     and field by field every field that is not a figure (a figure is
#     a number, "nan" or "-", and may differ; the flags and note columns
#     say what was seen and may differ too);
#   - summary.md and the netlab tables: the same lines once every number
#     is masked (a line whose words differ is shown, as a ranking may
#     change with the noise: read them).
#
# Exit 0 when the shapes match, 1 otherwise (each difference on stdout).
#   scripts/same_run.sh /tmp/before/20261207T170512Z results/latest-quick
set -euo pipefail
[ $# -eq 2 ] && [ -d "$1" ] && [ -d "$2" ] || {
	echo "usage: scripts/same_run.sh BEFORE_RUN_DIR AFTER_RUN_DIR" >&2
	exit 2
}
A=$1 B=$2 bad=0
files() { (cd "$1" && find . -path ./log/progress.tsv -prune -o -print | LC_ALL=C sort); }
if ! d=$(diff <(files "$A") <(files "$B")); then
	echo "the files differ (< only before, > only after):"
	printf '%s\n' "$d" | grep '^[<>]'
	bad=1
fi

# shape FILE - one line per line of a table: "# key", or the fields with
# every figure (and the flags and note columns) replaced by '#'.
shape() {
	local fs=' '
	case $1 in *.csv) fs=, ;; *.tsv) fs='\t' ;; esac
	awk -F"$fs" '
		/^# *[a-z_]+:/ { sub(/:.*/, ""); print; next }
		/^kind,/ { for (i = 1; i <= NF; i++) if ($i == "note" || $i == "flags") from = i }
		from { NF = from - 1 }
		{
			out = ""
			for (i = 1; i <= NF; i++) {
				f = $i
				if (f ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?%?$/ ||
				    f ~ /^(-?nan|NaN|-?inf|-)$/)
					f = "#"
				out = out (i > 1 ? "|" : "") f
			}
			print out
		}' "$1"
}
while IFS= read -r f; do
	case $f in
	./samples/* | ./peers/*.rtt | ./hyperfine/* | ./log/*) continue ;; # figures only, or tools' own
	*.csv | *.dat | *.tsv | *.gp) ;;
	*) continue ;;
	esac
	[ -f "$B/$f" ] || continue
	if ! d=$(diff <(shape "$A/$f") <(shape "$B/$f")); then
		case $f in
		# Rows that follow the figures: which curves bend, which peer
		# rounds split (no ratio), the build's name in the subtitle.
		./plots/data/bends.dat | ./peers.csv | ./plots/data/meta.gp)
			echo "$f: differs as its figures do (read it):" ;;
		*)
			echo "$f: rows or fields differ:"
			bad=1 ;;
		esac
		printf '%s\n' "$d" | head -n 8
	fi
done < <(files "$A")

# The prose: its words, every number masked (the text is wrapped to the
# width of the figures in it).
mask() { sed -E 's/[0-9]+([.,][0-9]+)*/N/g' "$1" | tr -s ' \n' '\n\n'; }
for f in summary.md table.md table.txt; do
	[ -f "$A/$f" ] && [ -f "$B/$f" ] || continue
	if ! d=$(diff <(mask "$A/$f") <(mask "$B/$f")); then
		echo "$f: $(printf '%s\n' "$d" | grep -c '^[<>]') words differ beyond the numbers (read them):"
		printf '%s\n' "$d" | head -n 20
	fi
done
[ "$bad" = 0 ] && echo "same shape: $A and $B"
exit "$bad"
