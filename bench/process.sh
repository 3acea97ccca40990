# process.sh - the whole process, timed by hyperfine (sourced by run.sh), as
# `ipclab bench plan process` lists it (bench/plan.c: the commands and why
# each, hyperfine's interleaved rounds and their order, the files).
# Exports: hyperfine/round-K.{json,csv,md} and one row per command and
# round, process/NAME.rK.csv (the report takes the median round).
# (Its servers: lib.sh's serve and stop lines.)
ONCE=()
line_once() { ONCE+=("$1"); }

# hyperfine LOG ARG... - one round.  hyperfine hides the commands' own
# output: when it fails, each command is run once alone to show why.
line_hyperfine() {
	local c log=$RESULTS_DIR/hyperfine/once.log
	run_logged "$RESULTS_DIR/$1" hyperfine "${@:2}" && return 0
	for c in "${ONCE[@]}"; do
		# shellcheck disable=SC2086
		$c >/dev/null 2>"$log" && continue
		sed 's/^/    /' "$log" >&2
		die "\`$c\` failed (its own message is above)"
	done
	die "hyperfine failed, though every command succeeds when run alone (see $RESULTS_DIR/hyperfine/)"
}

# pool FILE NAME JSON ARG... - command NAME's times in one round, its row.
line_pool() {
	jq -r --arg name "$2" '.results[] | select(.command == $name) | .times[]' \
		"$RESULTS_DIR/$3" | to_csv "$RESULTS_DIR/$1" "$IPCLAB" "${@:4}"
}

step_process() {
	mkdir -p "$RESULTS_DIR/hyperfine" "$RESULTS_DIR/process"
	rm -f "$RESULTS_DIR"/process/*.csv "$RESULTS_DIR"/hyperfine/round-*
	run_plan process
}
