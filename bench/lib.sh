# lib.sh - helpers shared by the `make bench` scripts (sourced, never run).
#
# Conventions: progress and errors go to stderr, results to files under
# $RESULTS_DIR; a failing step stops the run with one line saying what
# failed and where its output is.  Every background server is registered
# in SERVER_PIDS so that the EXIT trap of run.sh stops it, whatever failed.

IPCLAB=${IPCLAB:-${IPCLAB_BIN:-./bin/ipclab}}
declare -A SERVER_PIDS=() # the pids are its keys

# Seconds since the run started (run.sh exports BENCH_T0 for its helpers).
: "${BENCH_T0:=$EPOCHSECONDS}"
export BENCH_T0
# Progress lines on stderr: `ipclab bench plan say` (bench/plan_progress.c)
# prints them with the step run.sh sets (BENCH_STEP, "3/8 latency") and its
# estimate of the time left (BENCH_LEFT), and keeps the step in
# $BENCH_PROGRESS; the heartbeat, in the background, speaks when no line
# came for 8 s.  Stopped with the servers at the end of the run.
say() { "$IPCLAB" bench plan say "$@"; }
progress_heartbeat() { while sleep 2; do "$IPCLAB" bench plan say --heartbeat; done; }
# Warnings are kept (one line per cause) and printed together at the end
# of the run (run.sh); outside a run they go straight to stderr.
warn() {
	local line="bench: warning: $*"
	if [ -n "${BENCH_WARNINGS:-}" ]; then
		grep -qxF -- "$line" "$BENCH_WARNINGS" 2>/dev/null || printf '%s\n' "$line" >>"$BENCH_WARNINGS"
	else
		printf '%s\n' "$line" >&2
	fi
}
die()  { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

have() { command -v "$1" >/dev/null 2>&1; }

# quick: true when QUICK is set to anything but "" or 0.
quick() { [ -n "${QUICK:-}" ] && [ "$QUICK" != 0 ]; }

# run_logged LOG CMD... - run CMD with stdout and stderr in LOG.  On failure
# say which command failed, with its status and the end of its output.
run_logged() {
	local rc=0
	"${@:2}" >"$1" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		printf 'bench: error: `%s` exited with status %d; its output (%s) ends with:\n' \
			"${*:2}" "$rc" "$1" >&2
		tail -n 15 "$1" | sed 's/^/    /' >&2
	fi
	return "$rc"
}

# to_csv OUT CMD... - run an `ipclab bench ...` command that prints CSV,
# into OUT; its stderr (its own warnings: the results carry them as notes,
# and the summary lists them) goes to $BENCH_LOG.  On failure, the end of
# that log is shown.
to_csv() {
	local out=$1 rc=0 log=${BENCH_LOG:-/dev/stderr}
	shift
	"$@" >"$out.part" 2>>"$log" || rc=$?
	if [ "$rc" -ne 0 ]; then
		rm -f "$out.part"
		[ "$log" = /dev/stderr ] || tail -n 5 "$log" | sed 's/^/    /' >&2
		die "\`$*\` exited with status $rc (its messages are in $log)"
	fi
	mv "$out.part" "$out"
}

# ---- background servers ---------------------------------------------------

# start_bg LOG CMD... - start CMD in the background, output in LOG; the pid
# is left in BG_PID and registered for the cleanup trap.
start_bg() {
	"${@:2}" >"$1" 2>&1 </dev/null &
	BG_PID=$! SERVER_PIDS[$!]=1
}

# wait_for PID SECONDS CHECK... - wait until the command CHECK succeeds
# while PID is alive.  Fails (status 1) if PID dies or time runs out.
wait_for() {
	local pid=$1 tries
	for ((tries = $2 * 20; tries > 0; tries--)); do
		"${@:3}" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# stop_bg PID - SIGTERM, wait up to 3 s, then SIGKILL; reap it and forget
# it.  Returns the process's exit status (143 for a SIGTERM death).
stop_bg() {
	local pid=$1 rc=0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 60); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		warn "process $pid ignored SIGTERM for 3 s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || rc=$?
	unset "SERVER_PIDS[$pid]"
	return "$rc"
}

stop_all_bg() {
	local p
	for p in "${!SERVER_PIDS[@]}"; do stop_bg "$p" || true; done
}
# port_bound t|u PORT - something listens on that TCP or UDP port.
port_bound() { [ -n "$(ss -Hln"$1" "sport = :$2" 2>/dev/null)" ]; }

# on_exit FUNCTION - FUNCTION when the script ends, however it ends (its
# status: 130 after Ctrl-C, 143 after SIGTERM).
on_exit() {
	trap "$1" EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# fill FIELD... - FILLED: a plan's fields with its words for what only the
# run knows put in: @NAME@ is AT[NAME], such as @IPCLAB@ (the build
# measured), @ADDR:T@ and @PID:T@ (where the server T of a `serve` line
# listens, its process), or @EMPTY@: a field that is an empty argument,
# which a line of tab-separated fields cannot hold (redis' `--save ""`).
declare -A AT=([EMPTY]='')
# (The replacements are quoted: bash 5.2 reads an unquoted `&` in them as
# the text replaced.)
fill() {
	local k
	FILLED=("$@")
	for k in "${!AT[@]}"; do
		FILLED=("${FILLED[@]//"@$k@"/"${AT[$k]}"}")
	done
}

# follow < PLAN - carry out the lines of a plan (`ipclab bench plan`): say,
# warn, and KIND FIELD... by the function line_KIND (a dash in KIND is an
# underscore there), given the fields filled in (fill).
follow() {
	local f
	while IFS=$'\t' read -r -a f; do
		[ "${#f[@]}" -gt 0 ] || continue # an empty plan: one empty line
		fill "${f[@]}"
		case ${f[0]} in
		say) say "${f[1]}" ;;
		warn) warn "${f[1]}" ;;
		*) "line_${f[0]//-/_}" "${FILLED[@]:1}" </dev/null ;;
		esac
	done
}

# serve NAME LOG ARG... - `ipclab ARG...`, a server, left running (LOG in
# the run's directory), given 5 s to say where it listens ("listening on
# ADDR"); the plan's next lines name that address @ADDR:NAME@ and its
# process @PID:NAME@.  stop NAME stops it: it exits 0, or the run says so
# with a warning.
line_serve() {
	local log=$RESULTS_DIR/$2
	start_bg "$log" "$IPCLAB" "${@:3}"
	if ! wait_for "$BG_PID" 5 grep -qs '^listening on ' "$log"; then # -s: no log yet
		cat "$log" >&2
		die "\`ipclab ${*:3}\` did not say \"listening on\" within 5 s (its output is above)"
	fi
	AT[ADDR:$1]=$(sed -n 's/^listening on //p' "$log" | head -n 1)
	AT[PID:$1]=$BG_PID AT[LOG:$1]=$2
}
line_stop() {
	[ -n "${AT[PID:$1]:-}" ] || return 0 # it never started (a warning said so)
	stop_bg "${AT[PID:$1]}" ||
		warn "the $1 server exited with status $? (its log: $RESULTS_DIR/${AT[LOG:$1]})"
}

# ---- what others took -------------------------------------------------------
# Per step, what other processes, the kernel's threads and the host (steal)
# took of the run's CPUs: `ipclab bench busy` (bench/busy.c) counts it from
# /proc into $RESULTS_DIR/busy.tsv, and `ipclab bench report` says at the
# top of summary.md when a step shared the machine.
# A count that fails costs the step its line, not the run.
busy_failed() {
	warn "step $STEAL_STEP: what others took of the CPUs was not counted (\`ipclab bench busy\` failed)"
}
steal_begin() { STEAL_STEP=$1; "$IPCLAB" bench busy begin "$RESULTS_DIR" "$1" --root $$ || busy_failed; }
steal_end() { "$IPCLAB" bench busy end "$RESULTS_DIR" "$STEAL_STEP" --root $$ || busy_failed; }
