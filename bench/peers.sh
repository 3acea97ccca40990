# peers.sh - the peer tools (perf bench, sockperf, qperf, lmbench), run as
# `ipclab bench plan peers` says (bench/plan.c: which tools, with which
# arguments, at which rounds and placements, each peer run between two runs
# of ipclab, the file names, the statistic each gives).  Sourced by run.sh;
# a `figure` line leaves the peer's figure in PEER_FIG (a number, or @FILE
# of its round trips) for the plan's next `round` lines.
declare -A PEER_FIG=()
PEER_PID='' PEER_PORT='' PEER_DAEMONS=()

port_bound() { [ -n "$(ss -Hln"$1" "sport = :$2" 2>/dev/null)" ]; }

# peer-server LOG t|u ARG... - a server whose arguments hold @PORT@ (a free
# port, `ipclab bench plan free-port`); tried again on another port if it
# dies.  Leaves PEER_PORT and PEER_PID.
line_peer_server() {
	local log=$RESULTS_DIR/$1 proto=$2 port
	shift 2
	for _ in 1 2 3; do
		port=$("$IPCLAB" bench plan free-port "$proto") || die "no free port for a peer server"
		start_bg "$log" "${@//@PORT@/$port}"
		if wait_for "$log" "$BG_PID" 5 port_bound "$proto" "$port"; then
			PEER_PORT=$port PEER_PID=$BG_PID
			return 0
		fi
		stop_bg "$BG_PID" || true
	done
	cat "$log" >&2
	die "\`$*\` did not start listening (3 tries); its output is above"
}

# peer-run LOG ARG... - one run of a peer tool, its output in LOG.
line_peer_run() {
	local cmd=("${@:2}")
	run_logged "$RESULTS_DIR/$1" "${cmd[@]//@PORT@/$PEER_PORT}" ||
		die "\`${cmd[*]}\` failed (its output: $RESULTS_DIR/$1)"
}

# peer-daemon ARG... - how to stop a server that went into the background by
# itself (lmbench's): at the next peer-stop, or when the run ends.
line_peer_daemon() { PEER_DAEMONS+=("$(IFS=$'\t'; printf '%s' "$*")"); }

line_peer_stop() {
	local d cmd
	[ -z "$PEER_PID" ] || stop_bg "$PEER_PID" || true
	PEER_PID=''
	for d in "${PEER_DAEMONS[@]}"; do
		IFS=$'\t' read -r -a cmd <<<"$d"
		"${cmd[@]}" >/dev/null 2>&1 || true
	done
	PEER_DAEMONS=()
}

# figure KEY TOOL FROM [INTO] - the figure TOOL printed in FROM (bench/
# peer_figure.c) into PEER_FIG[KEY]; with INTO, the round trips it lists go
# there, and PEER_FIG[KEY] is @INTO.
line_figure() {
	local from=$RESULTS_DIR/$3 why="no $2 figure in its output (see $RESULTS_DIR/$3)"
	if [ $# -eq 4 ]; then
		"$IPCLAB" bench plan peer-figure "$2" <"$from" >"$RESULTS_DIR/$4" || die "$why"
		PEER_FIG[$1]=@$4
	else
		PEER_FIG[$1]=$("$IPCLAB" bench plan peer-figure "$2" <"$from") || die "$why"
	fi
}
line_remove() { rm -f "$RESULTS_DIR/$1"; }

# round FIELD... - a line of peers/rounds.tsv; its 7th field $KEY is the
# figure PEER_FIG[KEY] ("$" alone: the last).
line_round() {
	local f=("$@") key=${7#\$}
	[ "${7:0:1}" != '$' ] || f[6]=${PEER_FIG[${key:-last}]}
	(IFS=$'\t'; printf '%s\n' "${f[*]}") >>"$RESULTS_DIR/peers/rounds.tsv"
}

step_peers() {
	mkdir -p "$RESULTS_DIR/peers/ipclab"
	rm -f "$RESULTS_DIR/peers/rounds.tsv"
	run_plan peers
}
