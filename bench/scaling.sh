#!/usr/bin/env bash
# scaling.sh RESULTS_DIR - how each server mode copes with many clients
# (docs/MULTIPLEXING.md).
#
# For every mode (iterative, select, poll, epoll, uring) over unix_stream and tcp:
# start `ipclab serve T --mode M`, run `ipclab load` at 1, 2, 4, ... 1000
# concurrent clients, stop the server.  Reference in the same run: a private
# redis-server, measured with `redis-benchmark -t ping_inline` at the same
# client counts over a Unix socket and loopback TCP.
#
# Writes into RESULTS_DIR/scaling/ (read by `ipclab bench report`):
#   load_T_M_N.csv       one `ipclab load` result row per point
#   redis_FAM_N.out      redis-benchmark's own CSV output per point
#   target/              epoll and redis at 50 clients, by turns
# and the servers' logs into RESULTS_DIR/log/scaling/.
#
# QUICK=1: three client counts and few requests (under 20 s).  Every point
# sends about the same number of greetings in all (TOTAL), spread over the
# clients, so an iterative server, which serves the connections one after
# the other, takes no longer at 1000 clients than at 1: it is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
IPCLAB=${IPCLAB:-$PWD/bin/ipclab}
. bench/lib.sh

out=${1:?usage: bench/scaling.sh RESULTS_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -x "$IPCLAB" ] || die "$IPCLAB is missing; build it first with \`make\`"

MODES="iterative select poll epoll uring"
TRANSPORTS="unix_stream tcp"
if quick; then
	CLIENTS="1 50 1000"
	TOTAL=6000 MIN_PER_CLIENT=4
else
	CLIENTS="1 2 4 8 16 32 50 64 128 256 512 1000"
	TOTAL=50000 MIN_PER_CLIENT=20
fi
TARGET_CLIENTS=50 # the comparison point with redis
TARGET_REPS=3
LOAD_TIMEOUT_MS=60000 # per request: an iterative server keeps the last clients waiting
RUN_LIMIT_S=180       # per load run, whatever happens

# 1000 connections need 1000 descriptors on each side: soft limit to hard.
ulimit -S -n "$(ulimit -H -n)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 1100 ]; then
	warn "only $(ulimit -n) descriptors allowed (ulimit -Hn): points above about $(( $(ulimit -n) - 100 )) clients will fail"
fi

work=$(mktemp -d "$(rundir_base)/ipclab-scaling.XXXXXX")
export IPCLAB_DIR=$work
# Our own copy: a `make` during the run must not swap the binary under us.
cp "$IPCLAB" "$work/ipclab"
IPCLAB=$work/ipclab
logs=$out/log/scaling
mkdir -p "$logs" "$out/scaling/target"
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_all_bg
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

per_client() { # CLIENTS -> requests per connection
	local m=$((TOTAL / $1))
	[ "$m" -ge "$MIN_PER_CLIENT" ] || m=$MIN_PER_CLIENT
	echo "$m"
}

# ---- ipclab servers ----------------------------------------------------------

# start_server T M - `ipclab serve` in the background; sets SRV_PID, SRV_ADDR.
start_server() {
	local t=$1 m=$2 log=$logs/serve_$1_$2.log
	local addr=()
	[ "$t" = tcp ] && addr=(--address 127.0.0.1:0)
	start_bg "$log" "$IPCLAB" serve "$t" --mode "$m" "${addr[@]}"
	if ! wait_for "$log" "$BG_PID" 5 has_listening "$log"; then
		cat "$log" >&2
		die "\`ipclab serve $t --mode $m\` did not say \"listening on\" (its output is above)"
	fi
	SRV_PID=$BG_PID
	SRV_ADDR=$(listening_on "$log")
}

# load_point T M N [FILE] - one `ipclab load` row into FILE (default
# scaling/load_T_M_N.csv).  A point that fails is left out, with a warning.
load_point() {
	local t=$1 m=$2 n=$3 dest=${4:-$out/scaling/load_$1_$2_$3.csv} req rc=0
	local err=$logs/load_$1_$2_$3.err
	req=$(per_client "$n")
	timeout "$RUN_LIMIT_S" "$IPCLAB" load "$t" --address "$SRV_ADDR" --clients "$n" \
		--requests "$req" --mode "$m" --timeout "$LOAD_TIMEOUT_MS" --format csv \
		>"$dest.part" 2>"$err" || rc=$?
	if [ "$rc" -eq 124 ]; then
		rm -f "$dest.part"
		warn "scaling $t $m, $n clients: stopped after ${RUN_LIMIT_S}s; point left out"
		return 0
	fi
	if [ "$rc" -ne 0 ] && ! grep -q '^load,' "$dest.part"; then
		rm -f "$dest.part"
		warn "scaling $t $m, $n clients: no result (exit $rc): $(tail -n 1 "$err")"
		return 0
	fi
	[ "$rc" -eq 0 ] || warn "scaling $t $m, $n clients: exit $rc: $(tail -n 1 "$err")"
	[ -s "$err" ] || rm -f "$err"
	mv "$dest.part" "$dest"
}

for t in $TRANSPORTS; do
	for m in $MODES; do
		say "scaling: $t, $m server, clients: $CLIENTS"
		start_server "$t" "$m"
		for n in $CLIENTS; do
			load_point "$t" "$m" "$n"
		done
		stop_bg "$SRV_PID" || warn "the $t $m server exited with status $? (log: $logs/serve_${t}_${m}.log)"
	done
done
ls "$out"/scaling/load_*.csv >/dev/null 2>&1 || die "no load point succeeded; see $logs/*.err"

# ---- the redis reference -----------------------------------------------------

# A loopback port nobody listens on (redis refuses port 0).
pick_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 12768))
		[ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ] && { echo "$p"; return 0; }
	done
	return 1
}
redis_ready() { [ -S "$1" ] && [ -n "$(ss -Hltn "sport = :$2" 2>/dev/null)" ]; }

# redis_point FAMILY(unix|tcp) N [FILE] - one redis-benchmark run, its CSV
# output into FILE (default scaling/redis_FAMILY_N.out).
redis_point() {
	local fam=$1 n=$2 dest=${3:-$out/scaling/redis_$1_$2.out} total rc=0 where
	total=$(( $(per_client "$n") * n ))
	if [ "$fam" = unix ]; then where=(-s "$REDIS_SOCK"); else where=(-h 127.0.0.1 -p "$REDIS_PORT"); fi
	timeout "$RUN_LIMIT_S" redis-benchmark -t ping_inline -c "$n" -n "$total" --csv \
		"${where[@]}" >"$dest" 2>>"$logs/redis-benchmark.err" || rc=$?
	if [ "$rc" -ne 0 ] || ! grep -q '^"PING_INLINE"' "$dest"; then
		rm -f "$dest"
		warn "redis-benchmark $fam, $n clients: no result (exit $rc; $logs/redis-benchmark.err)"
	fi
}

# redis_start - a private redis-server; sets REDIS_PID (empty: no redis).
REDIS_PID=
redis_start() {
	if ! have redis-server || ! have redis-benchmark; then
		warn "redis-server or redis-benchmark is not installed (Debian packages redis-server and redis-tools): the redis reference was skipped"
		return 0
	fi
	REDIS_SOCK=$work/redis.sock
	# A port free a moment ago may be taken meanwhile: three tries.
	for _ in 1 2 3; do
		REDIS_PORT=$(pick_port) || { warn "no free port for redis: reference skipped"; return 0; }
		# Nothing saved to disk, only loopback and a 0700 socket, in our directory.
		start_bg "$logs/redis-server.log" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 \
			--unixsocket "$REDIS_SOCK" --unixsocketperm 700 --save "" --appendonly no \
			--dir "$work" --maxclients 4096 --daemonize no
		if wait_for "$logs/redis-server.log" "$BG_PID" 5 redis_ready "$REDIS_SOCK" "$REDIS_PORT"; then
			REDIS_PID=$BG_PID
			say "scaling: redis reference, unix socket and 127.0.0.1:$REDIS_PORT"
			return 0
		fi
		stop_bg "$BG_PID" || true
	done
	warn "redis-server did not start (3 tries, log: $logs/redis-server.log): reference skipped"
}

redis_start
if [ -n "$REDIS_PID" ]; then
	for fam in unix tcp; do
		for n in $CLIENTS; do
			redis_point "$fam" "$n"
		done
	done
	# The comparison point: a single run of each can be off by a factor of
	# two on a busy machine, so the two servers take TARGET_REPS turns each
	# (`ipclab bench report` compares the medians).
	say "scaling: epoll and redis by turns, $TARGET_REPS runs each at $TARGET_CLIENTS clients"
	for t in $TRANSPORTS; do
		fam=$([ "$t" = tcp ] && echo tcp || echo unix)
		start_server "$t" epoll
		for k in $(seq "$TARGET_REPS"); do
			load_point "$t" epoll "$TARGET_CLIENTS" "$out/scaling/target/ours_${t}_$k.csv"
			redis_point "$fam" "$TARGET_CLIENTS" "$out/scaling/target/redis_${fam}_${TARGET_CLIENTS}_$k.out"
		done
		stop_bg "$SRV_PID" || warn "the $t epoll server exited with status $?"
	done
	stop_bg "$REDIS_PID" || true
	REDIS_PID=
fi
