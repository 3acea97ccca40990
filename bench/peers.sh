# peers.sh - the peer tools, run as `ipclab bench plan peers` says (bench/
# plan.c: which tools, rounds and placements, each peer run between two
# runs of ipclab, and the file names).  Sourced by run.sh; each `peer_TOOL`
# leaves the peer's figure in PEER_FIG (a number, or @FILE of its round
# trips) for the plan's next `round` lines.
#   perf bench sched pipe   pipe round trips, 4 bytes; prints the MEAN per loop
#   sockperf ping-pong      TCP and UDP, 14 bytes; --full-log keeps every
#                           round trip, summarised with our own statistics
#   qperf tcp_lat udp_lat   14 bytes; prints the MEAN one-way latency: doubled
#   lmbench (LMBENCH_BIN)   lat_* (µs) and bw_* (MB/s), not packaged in Debian 12
declare -A PEER_FIG=()

# figure TOOL <OUTPUT - the figure TOOL printed (bench/peer_figure.c).
figure() { "$IPCLAB" bench plan peer-figure "$1" || die "no $1 figure in its output (see $RESULTS_DIR/peers)"; }

# pin_cmd CPU - the taskset prefix for one side of a placement.
pin_cmd() { [ "$1" = none ] || printf 'taskset -c %s' "$1"; }

port_bound() { [ -n "$(ss -Hln"$1" "sport = :$2" 2>/dev/null)" ]; }

# start_peer_server LOG PROTO(t|u) CMD... - a server whose command line holds
# the word PORT (a free port, `ipclab bench plan free-port`); tried again on
# another port if it dies.
start_peer_server() {
	local log=$1 proto=$2 port w
	shift 2
	for _ in 1 2 3; do
		port=$("$IPCLAB" bench plan free-port "$proto") || die "no free port for a peer server"
		local cmd=()
		for w in "$@"; do [ "$w" = PORT ] && cmd+=("$port") || cmd+=("$w"); done
		start_bg "$log" "${cmd[@]}"
		if wait_for "$log" "$BG_PID" 5 port_bound "$proto" "$port"; then
			PEER_PORT=$port
			return 0
		fi
		stop_bg "$BG_PID" || true
	done
	cat "$log" >&2
	die "\`$*\` did not start listening (3 tries); its output is above"
}

# peer_perf PIN OUT
peer_perf() {
	# shellcheck disable=SC2046
	run_logged "$RESULTS_DIR/$2" $(pin_cmd "${1%,*}") perf bench sched pipe -l "$PERF_LOOPS" ||
		die "perf bench sched pipe failed"
	PEER_FIG[last]=$(figure perf <"$RESULTS_DIR/$2")
}

# peer_sockperf PROTO PIN LABEL ROUND RTT
peer_sockperf() {
	local proto=$1 pin=$2 dir=$RESULTS_DIR/peers flag=() rc=0 pid full=$RESULTS_DIR/peers/sockperf_$3.full.csv
	[ "$proto" = tcp ] && flag=(--tcp)
	# shellcheck disable=SC2046
	start_peer_server "$dir/sockperf_server_$3_$4.log" "${proto:0:1}" \
		$(pin_cmd "${pin#*,}") sockperf server "${flag[@]}" -i 127.0.0.1 -p PORT
	pid=$BG_PID
	# shellcheck disable=SC2046
	run_logged "$dir/sockperf_$3_$4.txt" $(pin_cmd "${pin%,*}") sockperf ping-pong "${flag[@]}" \
		-i 127.0.0.1 -p "$PEER_PORT" -t "$PEER_SECONDS" -m 14 --full-rtt --full-log "$full" || rc=$?
	stop_bg "$pid" || true
	[ "$rc" -eq 0 ] || die "sockperf ping-pong $proto failed"
	figure sockperf <"$full" >"$RESULTS_DIR/$5" # the round trips alone
	rm -f "$full"
	PEER_FIG[last]=@$5
}

# peer_qperf PIN LABEL ROUND - tcp_lat and udp_lat: PEER_FIG[tcp], [udp].
peer_qperf() {
	local pin=$1 out=$RESULTS_DIR/peers/qperf_$2_$3.txt pid rc=0 test
	# shellcheck disable=SC2046
	start_peer_server "$RESULTS_DIR/peers/qperf_server_$2_$3.log" t $(pin_cmd "${pin#*,}") \
		qperf --listen_port PORT
	pid=$BG_PID
	# shellcheck disable=SC2046
	run_logged "$out" $(pin_cmd "${pin%,*}") qperf 127.0.0.1 --listen_port "$PEER_PORT" \
		-t "$PEER_SECONDS" -m 14 tcp_lat udp_lat || rc=$?
	stop_bg "$pid" || true
	[ "$rc" -eq 0 ] || die "qperf failed"
	for test in tcp udp; do
		PEER_FIG[$test]=$(figure "qperf-$test" <"$out")
	done
}

# ---- lmbench -------------------------------------------------------------------
# lmbench forks both ends of lat_pipe, lat_fifo, lat_unix, bw_pipe and bw_unix
# and pins them by LMBENCH_SCHED ("CUSTOM_UNIQUE A B ": the trailing blank
# keeps its parser inside the string); its TCP and UDP servers start apart,
# pinned by taskset.  ENOUGH, LOOP_O and TIMING_O skip its calibration (up to
# 30 s a run on a VM; 0 overheads can only make lmbench slower, by < 0.1 %).
# lat_* run -W 100000 µs untimed first, as ours discards its warm-up round
# trips (a cold 0.2 s interval came out 5 to 25 % faster); bw_* run -W 0,
# as our throughput starts its clock at the first write.
LMB_ENV=(ENOUGH=200000 LOOP_O=0 TIMING_O=0)
lmb_server() { case "$1" in lat_tcp | lat_udp | bw_tcp) return 0 ;; esac; return 1; }
LMB_SERVERS=()
lmbench_stop_all() {
	local p
	for p in "${LMB_SERVERS[@]}"; do "$LMBENCH_BIN/$p" -S 127.0.0.1 >/dev/null 2>&1 || true; done
	LMB_SERVERS=()
}

# peer_lmbench PROGRAM PIN ROUND SIZE - one run, its server around it.
peer_lmbench() {
	local prog=$1 pin=$2 log placed=(env "${LMB_ENV[@]}") args=(-W 100000 -m "$4")
	log=$RESULTS_DIR/peers/lmbench_${prog}_${pin/,/-}_$3.txt
	[ "${prog#bw_}" = "$prog" ] || args=(-W 0 -m "$4")
	[ "$prog" != lat_pipe ] && [ "$prog" != lat_fifo ] || args=(-W 100000)
	if lmb_server "$prog"; then
		args+=(127.0.0.1)
		# shellcheck disable=SC2046
		run_logged "$RESULTS_DIR/peers/lmbench_${prog}_server.log" $(pin_cmd "${pin#*,}") \
			"$LMBENCH_BIN/$prog" -s || die "lmbench $prog -s (its server) failed: is its port taken?"
		LMB_SERVERS+=("$prog")
		[ "$pin" = none ] || placed+=(taskset -c "${pin%,*}")
	elif [ "$pin" != none ]; then
		placed+=(LMBENCH_SCHED="CUSTOM_UNIQUE ${pin%,*} ${pin#*,} ")
	fi
	run_logged "$log" timeout 120 "${placed[@]}" "$LMBENCH_BIN/$prog" -N 1 "${args[@]}" ||
		die "lmbench $prog failed (see $log)"
	lmbench_stop_all
	PEER_FIG[last]=$(figure lmbench <"$log")
}

peers_layer() {
	mkdir -p "$RESULTS_DIR/peers/ipclab"
	rm -f "$RESULTS_DIR/peers/rounds.tsv"
	run_plan peers
}
