# process.sh - layer 1, the whole process, timed by hyperfine (sourced by
# run.sh).  `ipclab greet T` runs against a server started once outside the
# timed loop; `ipclab demo T` includes starting and stopping its server;
# `true` is the floor: what fork+exec+wait alone costs hyperfine, and
# `ipclab list` is ipclab's own start-up without any IPC.
# Exports per command: hyperfine/NAME.{json,csv,md}; one row per command
# in the common layout: process.csv (mode = greet | demo | true | list).

# hf NAME TRANSPORT MODE COMMAND - time COMMAND, keep hyperfine's exports
# and append a row for it to process.csv.
hf() {
	local name=$1 transport=$2 mode=$3 cmd=$4 dir=$RESULTS_DIR/hyperfine
	say "process: hyperfine -N '$cmd' ($HF_RUNS runs)"
	run_logged "$dir/$name.log" hyperfine -N --style basic --warmup "$HF_WARMUP" \
		--runs "$HF_RUNS" --command-name "$name" --export-json "$dir/$name.json" \
		--export-csv "$dir/$name.csv" --export-markdown "$dir/$name.md" "$cmd" || {
		# hyperfine hides the command's own output: run it once to show why.
		# shellcheck disable=SC2086
		$cmd >/dev/null 2>"$dir/$name.once.log" || true
		sed 's/^/    /' "$dir/$name.once.log" >&2
		die "\`$cmd\` failed under hyperfine (its own message is above)"
	}
	jq -r '.results[0].times[]' "$dir/$name.json" |
		to_csv "$dir/$name.row.csv" "$IPCLAB" bench summarize --kind process \
			--transport "$transport" --unit s --format csv
	csv_set_column "$dir/$name.row.csv" mode "$mode"
	if [ ! -s "$RESULTS_DIR/process.csv" ]; then
		cp "$dir/$name.row.csv" "$RESULTS_DIR/process.csv"
	else
		csv_rows "$dir/$name.row.csv" >>"$RESULTS_DIR/process.csv"
	fi
	rm -f "$dir/$name.row.csv"
}

# greet_served T - start `ipclab serve T` (free port for tcp/udp, a path in
# $IPCLAB_DIR otherwise), time greetings against it, stop it.
greet_served() {
	local t=$1 log addr rc=0
	log=$RESULTS_DIR/hyperfine/serve-$t.log
	local args=(serve "$t")
	case "$t" in tcp | udp) args+=(--address 127.0.0.1:0) ;; esac
	start_bg "$log" "$IPCLAB" "${args[@]}"
	local pid=$BG_PID
	wait_for "$log" "$pid" 5 has_listening "$log" ||
		{ cat "$log" >&2; die "\`ipclab ${args[*]}\` did not start listening within 5 s"; }
	addr=$(listening_on "$log")
	hf "greet-$t" "$t" greet "$IPCLAB greet $t bench --address $addr"
	stop_bg "$pid" || rc=$?
	[ "$rc" -eq 0 ] || { cat "$log" >&2; die "\`ipclab ${args[*]}\` exited with status $rc"; }
}

process_layer() {
	local t
	mkdir -p "$RESULTS_DIR/hyperfine"
	rm -f "$RESULTS_DIR/process.csv"
	hf true none true true
	# ipclab's own start-up, no IPC: greet minus this is the transport's share.
	hf list none list "$IPCLAB list"
	for t in $SERVABLE; do
		greet_served "$t"
	done
	hf greet-pipe pipe greet "$IPCLAB greet pipe bench"
	for t in $TRANSPORTS; do
		hf "demo-$t" "$t" demo "$IPCLAB demo $t"
	done
}
