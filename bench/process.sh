# process.sh - the whole process, timed by hyperfine (sourced by run.sh), on
# the commands `ipclab bench plan process` lists (bench/plan.c says why each).
#
# Interleaved rounds: a VM's speed drifts by tens of percent within a
# minute, so every command runs HF_RUNS / HF_ROUNDS times per round, in one
# hyperfine call per round (the order rotated each round), and each
# command gets one row per round: the report takes the median round and
# the rounds' range as its interval, and every ratio compares commands
# timed side by side.  Exports: hyperfine/round-K.{json,csv,md}
# and one row per command and round, process/NAME.rK.csv.

# serve_for_greet T - `ipclab serve T` left running: SERVED_ADDR, BG_PID.
serve_for_greet() {
	local log=$RESULTS_DIR/hyperfine/serve-$1.log args=(serve "$1")
	case "$1" in tcp | udp | zmq_tcp) args+=(--address 127.0.0.1:0) ;; esac
	start_bg "$log" "$IPCLAB" "${args[@]}"
	wait_for "$log" "$BG_PID" 5 has_listening "$log" ||
		{ cat "$log" >&2; die "\`ipclab ${args[*]}\` did not start listening within 5 s"; }
	SERVED_ADDR=$(listening_on "$log")
}

# why_failed - hyperfine hides the commands' own output: run each once.
why_failed() {
	local i log=$RESULTS_DIR/hyperfine/once.log
	for i in "${!PROC_CMDS[@]}"; do
		# shellcheck disable=SC2086
		${PROC_CMDS[i]} >/dev/null 2>"$log" && continue
		sed 's/^/    /' "$log" >&2
		die "\`${PROC_CMDS[i]}\` failed (its own message is above)"
	done
	die "hyperfine failed, though every command succeeds when run alone (see $RESULTS_DIR/hyperfine/)"
}

process_layer() {
	local i j k n rc f cmd pids=() per dir=$RESULTS_DIR/hyperfine args
	mkdir -p "$dir" "$RESULTS_DIR/process"
	rm -f "$RESULTS_DIR"/process/*.csv "$dir"/round-*
	PROC_NAMES=() PROC_TRANSPORTS=() PROC_MODES=() PROC_CMDS=()
	"$IPCLAB" bench plan process "$RESULTS_DIR" >"$RESULTS_DIR/log/plan-process.tsv" ||
		die "\`ipclab bench plan process\` failed"
	while IFS=$'\t' read -r -a f; do
		case ${f[0]} in
		warn) warn "${f[1]}" ;;
		serve) serve_for_greet "${f[1]}"; pids+=("$BG_PID") ;;
		cmd)
			cmd=${f[4]//@IPCLAB@/$IPCLAB} cmd=${cmd//@DYNAMIC@/${IPCLAB_DYNAMIC:-}}
			PROC_NAMES+=("${f[1]}") PROC_TRANSPORTS+=("${f[2]}") PROC_MODES+=("${f[3]}")
			PROC_CMDS+=("${cmd//@ADDR@/${SERVED_ADDR:-}}") ;;
		esac
	done <"$RESULTS_DIR/log/plan-process.tsv"
	n=${#PROC_CMDS[@]} per=$(((HF_RUNS + HF_ROUNDS - 1) / HF_ROUNDS))
	for ((k = 0; k < HF_ROUNDS; k++)); do
		args=()
		for ((j = 0; j < n; j++)); do
			i=$(((k + j) % n))
			args+=(--command-name "${PROC_NAMES[i]}" "${PROC_CMDS[i]}")
		done
		say "round $((k + 1))/$HF_ROUNDS, $n commands x $per runs"
		run_logged "$dir/round-$((k + 1)).log" hyperfine -N --style basic --warmup "$HF_WARMUP" \
			--runs "$per" --export-json "$dir/round-$((k + 1)).json" \
			--export-csv "$dir/round-$((k + 1)).csv" --export-markdown "$dir/round-$((k + 1)).md" \
			"${args[@]}" || why_failed
	done
	# One row per command and round (process/NAME.rK.csv): the report
	# takes the median round, and the rounds' range as its interval.
	for i in "${!PROC_NAMES[@]}"; do
		for ((k = 1; k <= HF_ROUNDS; k++)); do
			jq -r --arg name "${PROC_NAMES[i]}" \
				'.results[] | select(.command == $name) | .times[]' "$dir/round-$k.json" |
				to_csv "$RESULTS_DIR/process/${PROC_NAMES[i]}.r$k.csv" "$IPCLAB" bench \
					summarize --kind process --transport "${PROC_TRANSPORTS[i]}" \
					--mode "${PROC_MODES[i]}" --unit s --format csv
		done
	done
	for i in "${!pids[@]}"; do
		rc=0
		stop_bg "${pids[i]}" || rc=$?
		[ "$rc" -eq 0 ] || die "an \`ipclab serve\` timed by hyperfine exited with status $rc" \
			"(its log: $RESULTS_DIR/hyperfine/serve-*.log)"
	done
}
