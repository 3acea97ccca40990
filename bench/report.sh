# report.sh - merge every result CSV of a run into all.csv and write
# summary.md and peers.md (sourced by run.sh).

# The result files in a fixed order: ours first, then whatever else the run
# left in the common layout (bench/scaling.sh's), sorted by name.  Files
# whose header is not ours (hyperfine's exports, redis-benchmark's CSV) are
# not results in the common layout and are left out, and so are the
# throughput rounds: each reported throughput row is already a copy of its
# median round (throughput/rounds/ keeps them all).
result_files() {
	local f h
	{
		echo "$RESULTS_DIR/process.csv"
		# oldest first: the order they were measured in
		ls -rt "$RESULTS_DIR"/latency/*.csv "$RESULTS_DIR"/throughput/*.csv \
			"$RESULTS_DIR"/connect/*.csv 2>/dev/null || true # a step may have none
		echo "$RESULTS_DIR/peers.csv"
		find "$RESULTS_DIR" -name '*.csv' ! -path "$RESULTS_DIR/hyperfine/*" \
			! -path "$RESULTS_DIR/plots/*" ! -path "$RESULTS_DIR/throughput/rounds/*" | sort
	} | awk '!seen[$0]++' | while read -r f; do
		case "$f" in "$RESULTS_DIR/all.csv" | "$RESULTS_DIR/env.csv") continue ;; esac
		[ -f "$f" ] || continue
		h=$(csv_header "$f")
		if [ "$h" = "$CSV_HEADER" ]; then
			echo "$f"
		elif [ "${h%%,*}" = kind ]; then
			warn "$f: its header differs from the common layout; left out of all.csv"
		fi
	done
}

merge_results() {
	local all=$RESULTS_DIR/all.csv files n
	mapfile -t files < <(result_files)
	[ "${#files[@]}" -gt 0 ] || die "no result file in $RESULTS_DIR"
	{
		grep '^#' "$RESULTS_DIR/env.csv"
		echo "# pin: per row (the pin column); \"none\" = placed by the scheduler"
		if grep -q ',LMBENCH$' "$RESULTS_DIR/peers.csv" 2>/dev/null; then
			echo "# peers: perf bench, sockperf, qperf and lmbench (LMBENCH_BIN=${LMBENCH_BIN:-})"
		else
			echo "# peers: lmbench is not packaged in Debian 12 (LMBENCH_BIN unset); perf bench, sockperf and qperf ran"
		fi
		echo "$CSV_HEADER"
		csv_rows "${files[@]}"
	} | awk '!/^# pin: none$/' >"$all"
	n=$(csv_rows "$all" | wc -l)
	say "merge: $n rows from ${#files[@]} files into all.csv"
}

write_summary() {
	local tsv=$RESULTS_DIR/all.tsv order p rounds=()
	# The peers' per-round pairs, when the peers ran.
	[ ! -s "$RESULTS_DIR/peers/rounds.tsv" ] || rounds=("$RESULTS_DIR/peers/rounds.tsv")
	awk -v op=tsv -f bench/csv.awk "$RESULTS_DIR/all.csv" >"$tsv"
	order=$(tr "\n" " " <<<"$TRANSPORTS")
	awk -v order="$order" -v pin="$MAIN_PIN" -v same="$SAME_PIN" -v only=peers -f bench/summary.awk "$tsv" "${rounds[@]}" \
		>"$RESULTS_DIR/peers.md"
	{
		printf '# ipclab benchmarks, %s\n\n' "$(sed -n 's/^# date: //p' "$RESULTS_DIR/env.csv")"
		printf '%s run (`make bench%s`), git %s.  Every figure with its command and\n' \
			"$(quick && echo Quick || echo Full)" "$(quick && echo ' QUICK=1')" "$IPCLAB_GIT_REV"
		printf 'environment: all.csv (one row per measurement), the per-step CSV files,\n'
		printf 'hyperfine/ (JSON, CSV, Markdown exports), samples/ (every round trip, µs).\n\n'
		printf '## Environment\n\n```\n'
		cat "$RESULTS_DIR/env.txt"
		printf '```\n\n'
		if [ -s "$RESULTS_DIR/steal.tsv" ]; then
			printf 'CPU time the hypervisor took from this VM (steal), per step: %s.\n' \
				"$(awk -F'\t' -v w="$STEAL_WARN_PCT" '{ printf "%s%s %s %%%s", (NR > 1 ? ", " : ""),
					$1, $4, ($4 > w ? " (HIGH: figures from a slower, noisier machine)" : "") }' \
					"$RESULTS_DIR/steal.tsv")"
			printf 'Above %s %%, compare that step only within itself, or run again.\n\n' "$STEAL_WARN_PCT"
		fi
		awk -v order="$order" -v pin="$MAIN_PIN" -v same="$SAME_PIN" -f bench/summary.awk "$tsv" "${rounds[@]}"
		printf '## Plots\n\n'
		for p in latency latency_cdf pinning throughput process; do
			printf -- '- plots/%s.png (and .svg)\n' "$p"
		done
		ls "$RESULTS_DIR"/plots/*.png 2>/dev/null | sed 's|.*/||' |
			grep -v -E '^(latency|latency_cdf|pinning|throughput|process)\.png$' |
			sed 's|^|- plots/|' || true
	} >"$RESULTS_DIR/summary.md"
	say "summary: $RESULTS_DIR/summary.md"
}
