#!/usr/bin/env bash
# handout.sh - render the lab handout into one self-contained HTML page
# (`make handout`): build/handout/handout.html, with the style sheet and the
# plots embedded.
#
#   lab/handout.sh [PLOTS-DIR]
#
# The plots are the reference run's SVGs in lab/figures/ (which run is named
# in lab/figures/RUN), or those of PLOTS-DIR, e.g. results/latest/plots
# (`make handout PLOTS=results/latest`).
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/handout
plots=${1:-lab/figures}
[ -d "$plots/plots" ] && plots=$plots/plots   # results/latest -> its plots/
rm -rf "$out"; mkdir -p "$out/figures"
for f in latency throughput process; do
	if [ ! -f "$plots/$f.svg" ]; then
		echo "handout.sh: no $plots/$f.svg (run \`make bench\` first, or leave out PLOTS)" >&2
		exit 1
	fi
	cp "$plots/$f.svg" "$out/figures/"
done
# Which run the plots come from, in their captions; the reference run is
# also described in its own section, whichever plots are shown.
reference=$(cat lab/figures/RUN)
if [ "$plots" = lab/figures ]; then
	run="reference run: $reference"
else
	env=$(ls "$plots"/../env.txt 2>/dev/null | head -n1 || true)
	run="your run in $plots${env:+, $(sed -n 's/^# ipclab results, //p' "$env")}"
fi
# Links out of lab/ go one level deeper: the page lives in build/handout/.
# The sentences about figures: the reference run's section always says
# whose figures it gives; with a run of your own, that run's summary.md
# (written by `make bench` from the same results as its plots) comes first,
# as "Your run", so that no sentence under your plots is another run's.
if [ "$plots" = lab/figures ]; then
	note="These are the figures of the plots above."
	: >"$out/your-run.md"
else
	note="These are *not* the figures of the plots above, which are [your run's](#your-run): they are the reference run's, kept to compare with."
	summary=$(ls "$plots"/../summary.md 2>/dev/null | head -n1 || true)
	{
		echo "## Your run {#your-run}"
		echo
		if [ -n "$summary" ]; then
			echo "The plots above are from $run. Its own summary follows, written by \`make bench\` from the same results (\`${summary#"$PWD"/}\`):"
			echo
			sed -e 's/^#/###/' "$summary"
		else
			echo "The plots above are from $run, which has no \`summary.md\` beside them: read its figures on the plots themselves."
		fi
	} >"$out/your-run.md"
fi
# The parts made from the code are renewed first (lab/handout_sections.pl).
perl lab/handout_sections.pl --print lab/handout.md |
sed -e "s|PLOT_RUN|${run//|/\\|}|g" -e "s|REFERENCE_RUN|${reference//|/\\|}|g" \
	-e "s|REFERENCE_NOTE|${note//|/\\|}|" -e 's|](\.\./|](../../|g' -e 's|](quiz/|](../../lab/quiz/|g' |
	sed -e "/^YOUR_RUN_SECTION\$/{r $out/your-run.md" -e 'd}' >"$out/handout.md"
(cd "$out" && pandoc handout.md --lua-filter ../../lab/handout.lua --standalone --self-contained --toc --toc-depth=2 \
	--css ../../lab/handout.css --metadata pagetitle="IPC lab" -o handout.html)
echo "handout: $out/handout.html ($(du -k "$out/handout.html" | cut -f1) KiB; plots from $plots)"
