#!/usr/bin/env bash
# scaling.sh RESULTS_DIR - how each server mode copes with many clients
# (docs/MULTIPLEXING.md), as `ipclab bench plan scaling` lists it (bench/
# plan.c: modes, client counts, requests, file names): `ipclab serve` in a
# mode under `ipclab load`, then a private redis-server under
# redis-benchmark at the same counts.  Results in RESULTS_DIR/scaling/, the
# servers' logs in RESULTS_DIR/log/scaling/.  A point that fails is left
# out with a warning.
set -euo pipefail
cd "$(dirname "$0")/.."
IPCLAB=${IPCLAB:-$PWD/bin/ipclab}
. bench/lib.sh

out=${1:?usage: bench/scaling.sh RESULTS_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -x "$IPCLAB" ] || die "$IPCLAB is missing; build it first with \`make\`"
LOAD_TIMEOUT_MS=60000 # per request: an iterative server keeps the last clients waiting
RUN_LIMIT_S=180       # per run, whatever happens

# 1000 connections need 1000 descriptors on each side: soft limit to hard
# (the plan says which points a lower limit will fail).
ulimit -S -n "$(ulimit -H -n)" 2>/dev/null || true
work=$(mktemp -d "$("$IPCLAB" bench plan rundir)/ipclab-scaling.XXXXXX")
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

# The plan's lines, each by its function line_KIND (lib.sh's follow).

# serve T M - `ipclab serve` in the background: SRV_PID, SRV_ADDR.
line_serve() {
	local addr=()
	[ "$1" = tcp ] && addr=(--address 127.0.0.1:0)
	serve_bg "$logs/serve_$1_$2.log" serve "$1" --mode "$2" "${addr[@]}"
	SRV_PID=$BG_PID SRV_ADDR=$SERVED_ADDR SRV_NAME="$1 $2"
}
line_stop() { stop_bg "$SRV_PID" || warn "the $SRV_NAME server exited with status $?"; }

# load T M CLIENTS REQUESTS FILE - one `ipclab load` row.
line_load() {
	local dest=$out/$5 err=$logs/load_$1_$2_$3.err rc=0
	say "$1, $2 server, $3 client$([ "$3" = 1 ] || echo s)"
	timeout "$RUN_LIMIT_S" "$IPCLAB" load "$1" --address "$SRV_ADDR" --clients "$3" --requests "$4" \
		--mode "$2" --timeout "$LOAD_TIMEOUT_MS" --format csv >"$dest.part" 2>"$err" || rc=$?
	if [ "$rc" -eq 124 ] || { [ "$rc" -ne 0 ] && ! grep -q '^load,' "$dest.part"; }; then
		rm -f "$dest.part"
		warn "scaling $1 $2, $3 clients: no result (exit $rc$([ "$rc" != 124 ] || echo ", stopped after ${RUN_LIMIT_S}s")): $(tail -n 1 "$err")"
		return 0
	fi
	[ "$rc" -eq 0 ] || warn "scaling $1 $2, $3 clients: exit $rc: $(tail -n 1 "$err")"
	[ -s "$err" ] || rm -f "$err"
	mv "$dest.part" "$dest"
}

# redis FAMILY(unix|tcp) CLIENTS TOTAL FILE - one redis-benchmark run.
line_redis() {
	local where=(-h 127.0.0.1 -p "$REDIS_PORT") rc=0
	[ -n "$REDIS_PID" ] || return 0
	[ "$1" = tcp ] || where=(-s "$work/redis.sock")
	timeout "$RUN_LIMIT_S" redis-benchmark -t ping_inline -c "$2" -n "$3" --csv "${where[@]}" \
		>"$out/$4" 2>>"$logs/redis-benchmark.err" || rc=$?
	if [ "$rc" -ne 0 ] || ! grep -q '^"PING_INLINE"' "$out/$4"; then
		rm -f "$out/$4"
		warn "redis-benchmark $1, $2 clients: no result (exit $rc; $logs/redis-benchmark.err)"
	fi
}

# redis_start - a private redis-server on a free port (`ipclab bench plan
# free-port`, 3 tries): REDIS_PID,
# or empty and a warning.  Nothing saved to disk, a 0700 socket in $work.
REDIS_PID=
line_redis_start() {
	for _ in 1 2 3; do
		REDIS_PORT=$("$IPCLAB" bench plan free-port t) || continue
		start_bg "$logs/redis-server.log" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 \
			--unixsocket "$work/redis.sock" --unixsocketperm 700 --save "" --appendonly no \
			--dir "$work" --maxclients 4096 --daemonize no
		if wait_for "$logs/redis-server.log" "$BG_PID" 5 redis_ready; then
			REDIS_PID=$BG_PID
			say "redis reference, unix socket and 127.0.0.1:$REDIS_PORT"
			return 0
		fi
		stop_bg "$BG_PID" || true
	done
	warn "redis-server did not start (3 tries, log: $logs/redis-server.log): reference skipped"
}
redis_ready() { [ -S "$work/redis.sock" ] && [ -n "$(ss -Hltn "sport = :$REDIS_PORT" 2>/dev/null)" ]; }
line_redis_stop() {
	[ -z "$REDIS_PID" ] || stop_bg "$REDIS_PID" || true
	REDIS_PID=
}

# count FILE - perf stat attached to the server, its events enabled now
# (no earlier: --control answers "ack" once they are); uncount disables
# them, stops the server, and perf, whose process is gone, writes FILE.
PERF_PID=
line_count() {
	local ctl=$work/perf.ctl ack=$work/perf.ack
	rm -f "$ctl" "$ack"
	mkfifo "$ctl" "$ack"
	mkdir -p "$(dirname "$out/$1")"
	start_bg "$logs/perf.log" perf stat -x, -o "$out/$1" -D -1 --control "fifo:$ctl,$ack" \
		-e raw_syscalls:sys_enter,context-switches,task-clock -p "$SRV_PID"
	PERF_PID=$BG_PID
	exec 8>"$ctl" 9<"$ack"
	echo enable >&8
	read -r -t 10 -u 9 _ || warn "perf stat did not start counting (its log: $logs/perf.log)"
}
line_uncount() {
	echo disable >&8
	read -r -t 10 -u 9 _ || warn "perf stat did not stop counting (its log: $logs/perf.log)"
	exec 8>&- 9<&-
	stop_bg "$SRV_PID" || warn "the $SRV_NAME server exited with status $?"
	wait_for "$logs/perf.log" "$PERF_PID" 5 false || true
	stop_bg "$PERF_PID" || true
}

"$IPCLAB" bench plan scaling "$out" $(quick && echo --quick) >"$out/log/plan-scaling.tsv" ||
	die "\`ipclab bench plan scaling\` failed"
follow "$out/log/plan-scaling.tsv"
ls "$out"/scaling/load_*.csv >/dev/null 2>&1 || die "no load point succeeded; see $logs/*.err"
