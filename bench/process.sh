# process.sh - layer 1, the whole process, timed by hyperfine (sourced by
# run.sh).  `ipclab greet T` runs against a server started once outside the
# timed loop; `ipclab demo T` includes starting and stopping its server;
# `true` is the floor: what fork+exec+wait alone costs hyperfine, and
# `ipclab list` is ipclab's own start-up without any IPC.  When a dynamically
# linked build is given ($IPCLAB_DYNAMIC), its `list` and `greet unix_stream`
# show what the dynamic loader adds to every start.
#
# Interleaved rounds: a VM's speed drifts by tens of percent within a
# minute, so timing all of `true` first and all of `greet` a minute later
# would compare two machines.  Instead every command runs HF_RUNS /
# HF_ROUNDS times per round, in one hyperfine call per round (the order
# rotated each round), and each command's samples are pooled over the
# rounds: every ratio compares commands timed side by side.
# Exports: hyperfine/round-K.{json,csv,md} (hyperfine's own, one per
# round) and one row per command in the common layout: process/NAME.csv
# (mode = true | list | greet | demo | list-dynamic | greet-dynamic).

# The timed commands: names, transports, modes and command lines, in order.
PROC_NAMES=() PROC_TRANSPORTS=() PROC_MODES=() PROC_CMDS=()
proc_add() {
	PROC_NAMES+=("$1") PROC_TRANSPORTS+=("$2") PROC_MODES+=("$3") PROC_CMDS+=("$4")
}

# serve_for_greet T - start `ipclab serve T` in the background (a free
# port for tcp/udp, a path in $IPCLAB_DIR otherwise) and leave its address
# in SERVED_ADDR and its pid in BG_PID.
serve_for_greet() {
	local t=$1 log=$RESULTS_DIR/hyperfine/serve-$1.log
	local args=(serve "$t")
	case "$t" in tcp | udp) args+=(--address 127.0.0.1:0) ;; esac
	start_bg "$log" "$IPCLAB" "${args[@]}"
	wait_for "$log" "$BG_PID" 5 has_listening "$log" ||
		{ cat "$log" >&2; die "\`ipclab ${args[*]}\` did not start listening within 5 s"; }
	SERVED_ADDR=$(listening_on "$log")
}

# why_failed - hyperfine hides the commands' own output: run each once to
# show which one fails, and why.
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

# hf_round K - one hyperfine call timing every command, starting with
# command number K modulo their count.
hf_round() {
	local k=$1 n=${#PROC_CMDS[@]} i j dir=$RESULTS_DIR/hyperfine args=()
	for ((j = 0; j < n; j++)); do
		i=$(((k + j) % n))
		args+=(--command-name "${PROC_NAMES[i]}" "${PROC_CMDS[i]}")
	done
	say "round $((k + 1))/$HF_ROUNDS, $n commands x $HF_RUNS_PER_ROUND runs"
	run_logged "$dir/round-$((k + 1)).log" hyperfine -N --style basic \
		--warmup "$HF_WARMUP" --runs "$HF_RUNS_PER_ROUND" \
		--export-json "$dir/round-$((k + 1)).json" --export-csv "$dir/round-$((k + 1)).csv" \
		--export-markdown "$dir/round-$((k + 1)).md" "${args[@]}" || why_failed
}

# pool I - command I's samples from every round, as one result row in
# process/NAME.csv.
pool() {
	local i=$1
	jq -r --arg name "${PROC_NAMES[i]}" '.results[] | select(.command == $name) | .times[]' \
		"$RESULTS_DIR"/hyperfine/round-*.json |
		to_csv "$RESULTS_DIR/process/${PROC_NAMES[i]}.csv" "$IPCLAB" bench summarize \
			--kind process --transport "${PROC_TRANSPORTS[i]}" --mode "${PROC_MODES[i]}" \
			--unit s --format csv
}

process_layer() {
	local t i rc pids=()
	mkdir -p "$RESULTS_DIR/hyperfine" "$RESULTS_DIR/process"
	rm -f "$RESULTS_DIR"/process/*.csv "$RESULTS_DIR"/hyperfine/round-*
	PROC_NAMES=() PROC_TRANSPORTS=() PROC_MODES=() PROC_CMDS=()

	proc_add true none true true
	# ipclab's own start-up, no IPC: greet minus this is the transport's share.
	proc_add list none list "$IPCLAB list"
	for t in $CONNECTED $DATAGRAMS; do
		serve_for_greet "$t"
		pids+=("$BG_PID")
		proc_add "greet-$t" "$t" greet "$IPCLAB greet $t bench --address $SERVED_ADDR"
		if [ "$t" = unix_stream ] && [ -x "${IPCLAB_DYNAMIC:-}" ]; then
			proc_add list-dynamic none list-dynamic "$IPCLAB_DYNAMIC list"
			proc_add greet-unix_stream-dynamic "$t" greet-dynamic \
				"$IPCLAB_DYNAMIC greet $t bench --address $SERVED_ADDR"
		fi
	done
	# The pipe has no server to leave running: its greet forks one.
	proc_add greet-pipe pipe greet "$IPCLAB greet pipe bench"
	for t in $TRANSPORTS; do
		proc_add "demo-$t" "$t" demo "$IPCLAB demo $t"
	done
	[ -x "${IPCLAB_DYNAMIC:-}" ] ||
		warn "no dynamically linked build (IPCLAB_DYNAMIC): the loader's cost is not measured"

	HF_RUNS_PER_ROUND=$(((HF_RUNS + HF_ROUNDS - 1) / HF_ROUNDS))
	for ((i = 0; i < HF_ROUNDS; i++)); do
		hf_round "$i"
	done
	for i in "${!PROC_NAMES[@]}"; do
		pool "$i"
	done

	for i in "${!pids[@]}"; do
		rc=0
		stop_bg "${pids[i]}" || rc=$?
		[ "$rc" -eq 0 ] || die "an \`ipclab serve\` timed by hyperfine exited with status $rc" \
			"(its log: $RESULTS_DIR/hyperfine/serve-*.log)"
	done
}
