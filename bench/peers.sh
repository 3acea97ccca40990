# peers.sh - the peer tools (perf bench, sockperf, qperf, lmbench), run as
# `ipclab bench plan peers` says (bench/plan.c: which tools, with which
# arguments, at which rounds and placements, each peer run between two runs
# of ipclab, the file names, the statistic each gives).  Sourced by run.sh;
# a `figure` line leaves the peer's figure in PEER_FIG (a number, or @FILE
# of its round trips) for the plan's next `round` lines.
declare -A PEER_FIG=()
PEER_PID='' PEER_DAEMONS=()

# peer-server LOG t|u ARG... - a server whose arguments hold @PORT@ (a free
# port, `ipclab bench plan free-port`, for the lines up to peer-stop);
# tried again on another port if it dies.  Leaves PEER_PID.
line_peer_server() {
	local log=$RESULTS_DIR/$1 proto=$2
	shift 2
	for _ in 1 2 3; do
		AT[PORT]=$("$IPCLAB" bench plan free-port "$proto") || die "no free port for a peer server"
		fill "$@"
		start_bg "$log" "${FILLED[@]}"
		if wait_for "$BG_PID" 5 port_bound "$proto" "${AT[PORT]}"; then
			PEER_PID=$BG_PID
			return 0
		fi
		stop_bg "$BG_PID" || true
	done
	cat "$log" >&2
	die "\`$*\` did not start listening (3 tries); its output is above"
}

# peer-run LOG ARG... - one run of a peer tool, its output in LOG.
line_peer_run() {
	run_logged "$RESULTS_DIR/$1" "${@:2}" || die "\`${*:2}\` failed (its output: $RESULTS_DIR/$1)"
}

# peer-daemon ARG... - how to stop a server that went into the background by
# itself (lmbench's): at the next peer-stop, or when the run ends.
line_peer_daemon() { PEER_DAEMONS+=("$(IFS=$'\t'; printf '%s' "$*")"); }

line_peer_stop() {
	local d cmd
	[ -z "$PEER_PID" ] || stop_bg "$PEER_PID" || true
	PEER_PID=''
	unset 'AT[PORT]' # the next server's @PORT@ is its own
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
