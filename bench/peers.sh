# peers.sh - the same round trips measured by other tools, in the same run
# and with the same CPU placement (sourced by run.sh).  These Debian peers:
#   perf bench sched pipe   pipe round trip, 4-byte messages; prints the
#                           MEAN time per loop, one loop = one round trip
#   sockperf ping-pong      TCP and UDP over loopback, 14-byte messages (its
#                           own default size); --full-rtt --full-log keeps
#                           every round trip, summarised here with our own
#                           statistics
#   qperf tcp_lat udp_lat   TCP and UDP, 14-byte messages; prints the MEAN
#                           one-way latency, i.e. half the round trip: we
#                           double it
# and lmbench, where a build of it is at hand (it is not packaged in Debian
# 12): see "lmbench" below.
# Each peer run is one line of peers/rounds.tsv (see "interleaved rounds"
# below): the peer's figure, or @FILE of its round trips, and ipclab's own
# runs just before and after it.  `ipclab bench report` pairs them up and
# judges, a mean against a mean (peers.csv, summary.md).

PEER_SIZE=14

# pin_cmd CPU - the taskset prefix for one side of a placement.
pin_cmd() { [ "$1" = none ] || printf 'taskset -c %s' "$1"; }

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

# ---- interleaved rounds ----------------------------------------------------
# The peers and ipclab run by turns: in each round, every peer test runs
# for PEER_SECONDS between two runs of ipclab's own round trips over the
# same transport, message size and placement, one just before it and one
# just after it.  The machine drifts (a VM's speed changes from one second
# to the next, and for seconds at a time it sits on a slower level): run
# on both sides of the peer, ipclab meets the machine as the peer did,
# whichever way it went.  Each round's pair is kept (peers/rounds.tsv), and
# the figure judged is the median of the rounds' ratios, which a round on
# another level cannot move; the report also says when ipclab's runs sat
# on two levels (bench/stats.h).  One CPU gets PEER_ROUNDS_ONE_CPU rounds:
# there every cost of a tool's loop is in series with the round trip, so
# that is where a harness that adds anything shows it.

# ours_measure TRANSPORT SIZE PIN ROUND a|b - one run of ipclab's echo
# round trips beside a peer's (a: before it, b: after it), into
# peers/ipclab/; its path relative to the run is left in OURS_FILE.
# A TRANSPORT of udp-unconnected is udp --unconnected (see peer_sockperf).
ours_measure() {
	local t=$1 size=$2 pin=$3 args
	OURS_FILE=peers/ipclab/${t}_${size}_$(pin_label "$pin")_r$4$5.csv
	args=(bench latency "${t%-unconnected}" --size "$size" --count "$PEER_OURS_COUNT"
	      --warmup "$LAT_WARMUP" --format csv)
	[ "$t" = "${t%-unconnected}" ] || args+=(--unconnected)
	mapfile -t -O "${#args[@]}" args < <(pin_args "$pin")
	to_csv "$RESULTS_DIR/$OURS_FILE" "$IPCLAB" "${args[@]}"
}

# round_line TOOL TRANSPORT SIZE PIN ROUND STAT PEER BEFORE AFTER - one line
# of peers/rounds.tsv: the peer's figure in STAT (a number, or @FILE of its
# round trips) and ipclab's runs around it.
round_line() {
	local IFS=$'\t'
	printf '%s\n' "$*" >>"$RESULTS_DIR/peers/rounds.tsv"
}

# ours_before TRANSPORT SIZE PIN ROUND / ours_after TOOL STATS PEER
# TRANSPORT SIZE PIN ROUND - a peer's run between two runs of ipclab, one
# just before it and one just after it.
declare -A OURS_BEFORE=()
ours_before() {
	ours_measure "$1" "$2" "$3" "$4" a
	OURS_BEFORE[$1]=$OURS_FILE
}
ours_after() {
	local before=${OURS_BEFORE[$4]:-} stat
	[ -n "$before" ] || die "ours_after $1: no ours_before $4 ran before the peer"
	unset "OURS_BEFORE[$4]"
	ours_measure "$4" "$5" "$6" "$7" b
	for stat in $2; do
		round_line "$1" "$4" "$5" "$6" "$7" "$stat" "$3" "$before" "$OURS_FILE"
	done
}

peer_perf_pipe() {
	local pin=$1 round=$2 dir=$RESULTS_DIR/peers out mean
	out=$dir/perf_pipe_$(pin_label "$pin")_$round.txt
	# perf writes and reads an int: ipclab's runs echo 4 bytes too.
	ours_before pipe 4 "$pin" "$round"
	# shellcheck disable=SC2046
	run_logged "$out" $(pin_cmd "${pin%,*}") perf bench sched pipe -l "$PERF_LOOPS" ||
		die "perf bench sched pipe failed"
	mean=$(awk '$2 == "usecs/op" { print $1 }' "$out")
	[ -n "$mean" ] || die "no 'usecs/op' line in $out: has perf's output changed?"
	ours_after perf-sched-pipe mean "$mean" pipe 4 "$pin" "$round"
}

# sockperf's UDP client does not connect(): it names the server in every
# sendto() and reads with recvfrom(), and the kernel routes each datagram
# afresh.  ipclab's UDP client connects once (so does qperf's), which saves
# that work; like for like, sockperf is set against ipclab's client run
# --unconnected (the transport udp-unconnected in the tables), and qperf
# against the connected one, so the table shows both.
peer_sockperf() {
	local proto=$1 pin=$2 round=$3 dir=$RESULTS_DIR/peers label port pid flag=() rc=0 rtt ours
	[ "$proto" = tcp ] && flag=(--tcp)
	label=${proto}_$(pin_label "$pin")
	ours=$proto
	[ "$proto" = tcp ] || ours=$proto-unconnected
	ours_before "$ours" "$PEER_SIZE" "$pin" "$round"
	# shellcheck disable=SC2046
	start_peer_server "$dir/sockperf_server_${label}_$round.log" "${proto:0:1}" \
		$(pin_cmd "${pin#*,}") sockperf server "${flag[@]}" -i 127.0.0.1 -p PORT
	pid=$BG_PID port=$PEER_PORT
	# shellcheck disable=SC2046
	run_logged "$dir/sockperf_${label}_$round.txt" $(pin_cmd "${pin%,*}") sockperf ping-pong \
		"${flag[@]}" -i 127.0.0.1 -p "$port" -t "$PEER_SECONDS" -m "$PEER_SIZE" \
		--full-rtt --full-log "$dir/sockperf_$label.full.csv" || rc=$?
	stop_bg "$pid" || true
	[ "$rc" -eq 0 ] || die "sockperf ping-pong $proto failed"
	# Full log lines: "packet, txTime(sec), rxTime(sec), rtt(usec)": the
	# round trips alone, one a line.
	rtt=peers/sockperf_${label}_r$round.rtt
	awk -F', *' '/^[0-9]+,/ { print $4 }' "$dir/sockperf_$label.full.csv" >"$RESULTS_DIR/$rtt"
	rm -f "$dir/sockperf_$label.full.csv"
	[ -s "$RESULTS_DIR/$rtt" ] ||
		die "sockperf $proto gave no round trips (see $dir/sockperf_${label}_$round.txt)"
	ours_after sockperf "p50 mean" "@$rtt" "$ours" "$PEER_SIZE" "$pin" "$round"
}

peer_qperf() {
	local pin=$1 round=$2 dir=$RESULTS_DIR/peers label out port pid rc=0 test value
	label=$(pin_label "$pin")
	out=$dir/qperf_${label}_$round.txt
	for test in tcp udp; do ours_before "$test" "$PEER_SIZE" "$pin" "$round"; done
	# shellcheck disable=SC2046
	start_peer_server "$dir/qperf_server_${label}_$round.log" t \
		$(pin_cmd "${pin#*,}") qperf --listen_port PORT
	pid=$BG_PID port=$PEER_PORT
	# shellcheck disable=SC2046
	run_logged "$out" $(pin_cmd "${pin%,*}") qperf 127.0.0.1 \
		--listen_port "$port" -t "$PEER_SECONDS" -m "$PEER_SIZE" tcp_lat udp_lat || rc=$?
	stop_bg "$pid" || true
	[ "$rc" -eq 0 ] || die "qperf failed"
	# "tcp_lat:" then "    latency  =  13.4 us": one-way, so round trip = 2x.
	for test in tcp udp; do
		value=$(awk -v t="${test}_lat:" '
			$1 == t { on = 1; next } /^[^ ]/ { on = 0 }
			on && $1 == "latency" {
				u = $4 == "ns" ? 0.001 : $4 == "ms" ? 1000 : $4 == "sec" || $4 == "s" ? 1e6 : 1
				printf "%.3f\n", 2 * $3 * u; exit }' "$out")
		[ -n "$value" ] || die "no ${test}_lat latency in $out: has qperf's output changed?"
		ours_after qperf mean "$value" "$test" "$PEER_SIZE" "$pin" "$round"
	done
}

# ---- lmbench ------------------------------------------------------------------
# lmbench is the classic reference for these figures, and Debian 12 does
# not package it.  Given a build of it, LMBENCH_BIN=DIR (the directory of its
# lat_* and bw_* programs) runs it in the same rounds and placements, each
# run between two runs of ipclab, as the other peers:
#   lat_pipe, lat_fifo, lat_unix, lat_tcp (1-byte messages) and lat_udp (4
#   bytes, its sequence number) print one figure: the mean round trip of a
#   timed loop (the median of -N repetitions: 1 here, the rounds repeat),
#   judged against ipclab's mean.  lat_unix and bw_unix talk over a
#   socketpair() between the two forked ends, so ipclab's socketpair
#   transport is their counterpart (not unix_stream, which has a path and
#   an accept()).
#   bw_pipe, bw_unix and bw_tcp at 64 KiB print MB/s, with MB = 10^6 bytes
#   as ours.  They do not check the data; ours checks every byte.
# Placement: lmbench forks the two ends of lat_pipe, lat_fifo, lat_unix,
# bw_pipe and bw_unix itself and pins them by LMBENCH_SCHED ("CUSTOM_UNIQUE
# A B ": the parent end on A, the forked one on B; the trailing blank keeps
# its parser inside the string); its TCP and UDP servers are started apart,
# pinned by taskset.  ENOUGH, LOOP_O and TIMING_O skip its calibration,
# which takes up to 30 s a run on a VM: ENOUGH is the shortest timed
# interval (µs; lat_pipe, lat_fifo and lat_udp keep their own 1 s, and
# lat_tcp, bw_pipe and bw_unix 2 s, and it times again whenever an interval
# falls outside its bounds, so a round takes 10 to 45 s),
# and 0 overheads leave a few ns of loop in each of its round trips, which
# can only make lmbench look slower, by under 0.1 %.
LMB_LAT="pipe:lat_pipe:1 fifo:lat_fifo:1 socketpair:lat_unix:1 tcp:lat_tcp:1 udp:lat_udp:4"
LMB_BW="pipe:bw_pipe socketpair:bw_unix tcp:bw_tcp"
LMB_BW_SIZE=65536
LMB_ENV=(ENOUGH=200000 LOOP_O=0 TIMING_O=0)
# lat_* run -W (µs) untimed before they time, as ipclab's latency runs
# discard LAT_WARMUP round trips: here the first 2,000 or so round trips
# across CPUs (50 ms) take 24 to 30 µs and the rest 40, so a 0.2 s timed
# interval that starts cold comes out 5 to 25 % faster (lat_unix, six runs
# by turns: 1.07 to 1.25 times faster than ipclab with -W 0; 0.94 to 1.02,
# one outlier aside, with -W 100000).  bw_* run with -W 0, as ipclab's
# throughput starts its clock at the first write.
LMB_WARMUP_US=100000

# lmbench_bin PROGRAM - the path of one lmbench program, or nothing.
lmbench_bin() {
	[ -n "${LMBENCH_BIN:-}" ] && [ -x "$LMBENCH_BIN/$1" ] && echo "$LMBENCH_BIN/$1"
}
# lmbench_programs - the names of the programs LMB_LAT and LMB_BW run.
lmbench_programs() {
	local e p
	for e in $LMB_LAT $LMB_BW; do
		p=${e#*:}
		printf '%s\n' "${p%%:*}"
	done
}
have_lmbench() {
	local p
	for p in $(lmbench_programs); do [ -n "$(lmbench_bin "$p")" ] || return 1; done
}

# lmbench_has_server PROGRAM - true for the programs whose server runs apart.
lmbench_has_server() { case "$1" in lat_tcp | lat_udp | bw_tcp) return 0 ;; esac; return 1; }

# lmbench_run LOG PIN PROGRAM ARGS... - one lmbench client run, placed as
# PIN says; its figure (µs or MB/s: the number before the unit on its last
# line) on stdout.  lmbench writes to stderr only.
lmbench_run() {
	local log=$1 pin=$2 prog=$3 value
	shift 3
	local placed=(env "${LMB_ENV[@]}")
	if [ "$pin" = none ]; then
		:
	elif lmbench_has_server "$prog"; then # a client; its server was pinned apart
		placed+=(taskset -c "${pin%,*}")
	else # both ends forked by lmbench itself
		placed+=(LMBENCH_SCHED="CUSTOM_UNIQUE ${pin%,*} ${pin#*,} ")
	fi
	run_logged "$log" timeout 120 "${placed[@]}" "$(lmbench_bin "$prog")" -N 1 "$@" ||
		die "lmbench $prog failed (see $log)"
	value=$(awk '/ microseconds$/ { v = $(NF - 1) } / MB\/sec$/ { v = $(NF - 1) }
		END { if (v != "") print v }' "$log")
	[ -n "$value" ] || die "no figure in lmbench's $prog output ($log)"
	echo "$value"
}

# lmbench_server PROGRAM PIN start|stop - lmbench's TCP and UDP servers fork
# into the background and are stopped by the same program's -S.
LMB_SERVERS=()
lmbench_server() {
	local prog=$1 pin=$2 dir=$RESULTS_DIR/peers bin
	bin=$(lmbench_bin "$prog")
	if [ "$3" = start ]; then
		# shellcheck disable=SC2046
		run_logged "$dir/lmbench_${prog}_server.log" $(pin_cmd "${pin#*,}") "$bin" -s ||
			die "lmbench $prog -s (its server) failed: is its port taken?"
		LMB_SERVERS+=("$prog") # it bound its port before it returned
	else
		"$bin" -S 127.0.0.1 >/dev/null 2>&1 || warn "lmbench $prog -S 127.0.0.1 failed"
		local kept=() p
		for p in "${LMB_SERVERS[@]}"; do [ "$p" = "$prog" ] || kept+=("$p"); done
		LMB_SERVERS=("${kept[@]}")
	fi
}
# For the cleanup trap: every lmbench server still running.
lmbench_stop_all() {
	local p
	for p in "${LMB_SERVERS[@]}"; do lmbench_server "$p" none stop; done
}

# lmbench_once PIN ROUND PROGRAM SIZE - one run of an lmbench program with
# SIZE-byte messages (lat_pipe and lat_fifo have 1 byte, fixed), its server
# started before and stopped after when it has one; the figure is left in
# LMB_VALUE (not printed: the server list must outlive this call).
lmbench_once() {
	local pin=$1 round=$2 prog=$3 warmup=$LMB_WARMUP_US args server=
	[ "${prog#bw_}" = "$prog" ] || warmup=0 # ipclab's throughput has no warm-up either
	args=(-W "$warmup" -m "$4")
	[ "$prog" != lat_pipe ] && [ "$prog" != lat_fifo ] || args=(-W "$warmup")
	if lmbench_has_server "$prog"; then
		server=1
		args+=(127.0.0.1)
		lmbench_server "$prog" "$pin" start
	fi
	LMB_VALUE=$(lmbench_run "$RESULTS_DIR/peers/lmbench_${prog}_$(pin_label "$pin")_$round.txt" \
		"$pin" "$prog" "${args[@]}")
	[ -z "$server" ] || lmbench_server "$prog" "$pin" stop
}

# bw_measure TRANSPORT PIN ROUND TAG [--no-verify] - ipclab's throughput
# beside a bw_* run: the same transport, message size and placement, and as
# many bytes as the throughput step sends at that size; the file (relative
# to the run) in BW_FILE.  --no-verify: the receiver counts the bytes and
# checks none, as bw_* do: like for like.
bw_measure() {
	BW_FILE=peers/ipclab/bw_${1}_$(pin_label "$2")_r$3$4.csv
	tp_run "$1" "$LMB_BW_SIZE" "$2" "$RESULTS_DIR/$BW_FILE" "${@:5}"
}

# peer_lmbench PIN ROUND - every lmbench program once, between two ipclab
# runs: of PEER_OURS_COUNT round trips for lat_* (its figure is a mean:
# judged against ipclab's mean), and for bw_* of two throughput runs each
# side, one checking every byte and one checking none.
peer_lmbench() {
	local pin=$1 round=$2 e t prog size checked unchecked
	for e in $LMB_LAT; do
		t=${e%%:*} prog=${e#*:} size=${prog#*:} prog=${prog%:*}
		ours_before "$t" "$size" "$pin" "$round"
		lmbench_once "$pin" "$round" "$prog" "$size"
		ours_after "lmbench-$prog" mean "$LMB_VALUE" "$t" "$size" "$pin" "$round"
	done
	for e in $LMB_BW; do
		t=${e%%:*} prog=${e#*:}
		# Checked, unchecked, bw_*, unchecked, checked: both around it.
		bw_measure "$t" "$pin" "$round" a; checked=$BW_FILE
		bw_measure "$t" "$pin" "$round" ua --no-verify; unchecked=$BW_FILE
		lmbench_once "$pin" "$round" "$prog" "$LMB_BW_SIZE"
		bw_measure "$t" "$pin" "$round" ub --no-verify
		round_line "lmbench-$prog" "$t" "$LMB_BW_SIZE" "$pin" "$round" MB/s-unverified \
			"$LMB_VALUE" "$unchecked" "$BW_FILE"
		bw_measure "$t" "$pin" "$round" b
		round_line "lmbench-$prog" "$t" "$LMB_BW_SIZE" "$pin" "$round" MB/s \
			"$LMB_VALUE" "$checked" "$BW_FILE"
	done
}

peers_layer() {
	local pin round rounds dir=$RESULTS_DIR/peers perf_ok lmb n=0 total
	mkdir -p "$dir/ipclab"
	rm -f "$dir/rounds.tsv"
	have perf || warn "perf is not installed (Debian package linux-perf): perf bench sched pipe was skipped"
	if ! have sockperf || ! have ss; then
		warn "sockperf or ss is not installed (packages sockperf, iproute2): sockperf was skipped"
	fi
	if ! have qperf || ! have ss; then
		warn "qperf or ss is not installed (packages qperf, iproute2): qperf was skipped"
	fi
	lmb=
	if have_lmbench; then
		lmb=1
	elif [ -n "${LMBENCH_BIN:-}" ]; then
		die "LMBENCH_BIN=$LMBENCH_BIN lacks one of lmbench's $(lmbench_programs | paste -sd ' ')"
	fi
	# rounds_at PIN - how many rounds a placement gets.
	rounds_at() {
		if [[ $1 == *,* ]] && [ "${1%,*}" = "${1#*,}" ]; then echo "$PEER_ROUNDS_ONE_CPU"; else echo "$PEER_ROUNDS"; fi
	}
	total=0
	for pin in $PEER_PLACEMENTS; do total=$((total + $(rounds_at "$pin"))); done
	for pin in $PEER_PLACEMENTS; do
		# perf forks both ends itself: it cannot put them on different CPUs.
		perf_ok=
		if have perf && { [ "$pin" = none ] || [ "${pin%,*}" = "${pin#*,}" ]; }; then perf_ok=1; fi
		rounds=$(rounds_at "$pin")
		for ((round = 1; round <= rounds; round++)); do
			n=$((n + 1))
			say "[$n/$total] pin $pin, round $round/$rounds:$([ -n "$perf_ok" ] && echo " perf bench sched pipe,")" \
				"sockperf, qperf$([ -n "$lmb" ] && [ "$round" -le "$LMB_ROUNDS" ] && echo ", lmbench")," \
				"each between two ipclab runs"
			[ -z "$perf_ok" ] || peer_perf_pipe "$pin" "$round"
			if have sockperf && have ss; then
				peer_sockperf tcp "$pin" "$round"
				peer_sockperf udp "$pin" "$round"
			fi
			if have qperf && have ss; then peer_qperf "$pin" "$round"; fi
			# lmbench takes 10 to 45 s a round: it runs in the first LMB_ROUNDS.
			if [ -n "$lmb" ] && [ "$round" -le "$LMB_ROUNDS" ]; then peer_lmbench "$pin" "$round"; fi
		done
	done
}
