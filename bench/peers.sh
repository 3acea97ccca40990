# peers.sh - the same round trips measured by other tools, in the same run
# and with the same CPU placement (sourced by run.sh).  lmbench, which
# issue 3 names, is not packaged in Debian 12; these Debian peers are:
#   perf bench sched pipe   pipe round trip, 4-byte messages; prints the
#                           MEAN time per loop, one loop = one round trip
#   sockperf ping-pong      TCP and UDP over loopback, 64-byte messages;
#                           --full-rtt --full-log keeps every round trip,
#                           summarised here with our own statistics
#   qperf tcp_lat udp_lat   TCP and UDP, 64-byte messages; prints the MEAN
#                           one-way latency, i.e. half the round trip: we
#                           double it
# Rows go to peers.csv in the common layout: kind "peer", mode = the tool,
# mean only (note MEAN-ONLY) where the tool gives nothing else.

PEER_SIZE=64

# pin_cmd CPU - the taskset prefix for one side of a placement.
pin_cmd() { [ "$1" = none ] || printf 'taskset -c %s' "$1"; }

# peer_row TRANSPORT TOOL SIZE COUNT PIN MEAN_US NOTE - one CSV row with only
# the mean filled in (empty fields: not measured).
peer_row() {
	local pin=$5
	[ "$pin" = none ] || pin="\"$pin\""
	printf 'peer,%s,%s,%s,%s,1,%s,,,,,,,%s,,,,,,,0,0,%s\n' "$1" "$2" "$3" "$4" "$pin" "$6" "$7" \
		>>"$RESULTS_DIR/peers.csv"
}

# free_port PROTO(t|u) - a loopback port nobody uses now (20000-32767,
# below Linux's ephemeral range so that no client socket takes it).
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 12768))
		[ -z "$(ss -Hln"$1" "sport = :$p" 2>/dev/null)" ] && { echo "$p"; return 0; }
	done
	die "no free $1 port found for a peer server"
}
port_bound() { [ -n "$(ss -Hln"$1" "sport = :$2" 2>/dev/null)" ]; }

# start_peer_server LOG PROTO(t|u) CMD... - start a server whose command
# line contains the word PORT (replaced by a free port); retried on another
# port if it dies (port taken meanwhile).  Sets BG_PID and PEER_PORT.
start_peer_server() {
	local log=$1 proto=$2 port w
	shift 2
	for _ in 1 2 3; do
		port=$(free_port "$proto")
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

peer_perf_pipe() {
	local pin=$1 dir=$RESULTS_DIR/peers out mean
	if [ "$pin" != none ] && [ "${pin%,*}" != "${pin#*,}" ]; then
		say "peers: perf bench sched pipe, pin $pin: skipped (perf forks both ends itself and cannot put them on different CPUs)"
		return 0
	fi
	say "peers: perf bench sched pipe -l $PERF_LOOPS, pin $pin"
	out=$dir/perf_pipe_$(pin_label "$pin").txt
	# shellcheck disable=SC2046
	run_logged "$out" $(pin_cmd "${pin%,*}") perf bench sched pipe -l "$PERF_LOOPS" ||
		die "perf bench sched pipe failed"
	mean=$(awk '$2 == "usecs/op" { print $1 }' "$out")
	[ -n "$mean" ] || die "no 'usecs/op' line in $out: has perf's output changed?"
	peer_row pipe perf-sched-pipe 4 "$PERF_LOOPS" "$pin" "$mean" MEAN-ONLY
}

peer_sockperf() {
	local proto=$1 pin=$2 dir=$RESULTS_DIR/peers label port pid flag=() rc=0 pin_args=()
	[ "$proto" = tcp ] && flag=(--tcp)
	label=${proto}_$(pin_label "$pin")
	say "peers: sockperf ping-pong $proto, ${PEER_SECONDS}s, $PEER_SIZE B, pin $pin"
	# shellcheck disable=SC2046
	start_peer_server "$dir/sockperf_server_$label.log" "${proto:0:1}" \
		$(pin_cmd "${pin#*,}") sockperf server "${flag[@]}" -i 127.0.0.1 -p PORT
	pid=$BG_PID port=$PEER_PORT
	# shellcheck disable=SC2046
	run_logged "$dir/sockperf_$label.txt" $(pin_cmd "${pin%,*}") sockperf ping-pong \
		"${flag[@]}" -i 127.0.0.1 -p "$port" -t "$PEER_SECONDS" -m "$PEER_SIZE" \
		--full-rtt --full-log "$dir/sockperf_$label.full.csv" || rc=$?
	stop_bg "$pid" || true
	[ "$rc" -eq 0 ] || die "sockperf ping-pong $proto failed"
	# Full log lines: "packet, txTime(sec), rxTime(sec), rtt(usec)".
	awk -F', *' '/^[0-9]+,/ { print $4 }' "$dir/sockperf_$label.full.csv" \
		>"$RESULTS_DIR/samples/peer_sockperf_$label.txt"
	rm -f "$dir/sockperf_$label.full.csv"
	[ -s "$RESULTS_DIR/samples/peer_sockperf_$label.txt" ] ||
		die "sockperf $proto gave no round trips (see $dir/sockperf_$label.txt)"
	[ "$pin" = none ] || pin_args=(--pin "$pin")
	to_csv "$dir/sockperf_$label.csv" "$IPCLAB" bench summarize --kind peer \
		--transport "$proto" --size "$PEER_SIZE" --unit us "${pin_args[@]}" --format csv \
		<"$RESULTS_DIR/samples/peer_sockperf_$label.txt"
	csv_set_column "$dir/sockperf_$label.csv" mode sockperf
	csv_rows "$dir/sockperf_$label.csv" >>"$RESULTS_DIR/peers.csv"
	rm "$dir/sockperf_$label.csv" # its row is in peers.csv; merged once
}

peer_qperf() {
	local pin=$1 dir=$RESULTS_DIR/peers label port pid rc=0 test value
	label=$(pin_label "$pin")
	say "peers: qperf tcp_lat udp_lat, ${PEER_SECONDS}s each, $PEER_SIZE B, pin $pin"
	# shellcheck disable=SC2046
	start_peer_server "$dir/qperf_server_$label.log" t \
		$(pin_cmd "${pin#*,}") qperf --listen_port PORT
	pid=$BG_PID port=$PEER_PORT
	# shellcheck disable=SC2046
	run_logged "$dir/qperf_$label.txt" $(pin_cmd "${pin%,*}") qperf 127.0.0.1 \
		--listen_port "$port" -t "$PEER_SECONDS" -m "$PEER_SIZE" tcp_lat udp_lat || rc=$?
	stop_bg "$pid" || true
	[ "$rc" -eq 0 ] || die "qperf failed"
	# "tcp_lat:" then "    latency  =  13.4 us": one-way, so round trip = 2x.
	for test in tcp udp; do
		value=$(awk -v t="${test}_lat:" '
			$1 == t { on = 1; next } /^[^ ]/ { on = 0 }
			on && $1 == "latency" {
				u = $4 == "ns" ? 0.001 : $4 == "ms" ? 1000 : $4 == "sec" || $4 == "s" ? 1e6 : 1
				printf "%.3f\n", 2 * $3 * u; exit }' "$dir/qperf_$label.txt")
		[ -n "$value" ] || die "no ${test}_lat latency in $dir/qperf_$label.txt: has qperf's output changed?"
		peer_row "$test" qperf "$PEER_SIZE" 0 "$pin" "$value" MEAN-ONLY
	done
}

peers_layer() {
	local pin dir=$RESULTS_DIR/peers
	mkdir -p "$dir" "$RESULTS_DIR/samples"
	{ grep "^#" "$RESULTS_DIR/env.csv"; echo "$CSV_HEADER"; } >"$RESULTS_DIR/peers.csv"
	for pin in $PEER_PLACEMENTS; do
		if have perf; then peer_perf_pipe "$pin"
		else warn "perf not installed (Debian package linux-perf): perf bench sched pipe skipped"; fi
		if have sockperf && have ss; then peer_sockperf tcp "$pin"; peer_sockperf udp "$pin"
		else warn "sockperf or ss not installed (packages sockperf, iproute2): sockperf skipped"; fi
		if have qperf && have ss; then peer_qperf "$pin"
		else warn "qperf or ss not installed (packages qperf, iproute2): qperf skipped"; fi
	done
	say "peers: lmbench is not packaged in Debian 12: its targets (issue 3) are not checked here"
}
