#!/usr/bin/env bash
# scaling.sh RESULTS_DIR - how each server mode copes with many clients
# (docs/MULTIPLEXING.md), as `ipclab bench plan scaling` lists it (bench/
# plan.c: modes, client counts, requests, every tool's arguments, the file
# names): `ipclab serve` in a mode under `ipclab load`, then a private
# redis-server under redis-benchmark at the same counts, then perf stat's
# count of the servers.  Results in RESULTS_DIR/scaling/, the servers' logs
# in RESULTS_DIR/log/scaling/.  A point that fails is left out with a
# warning.
set -euo pipefail
cd "$(dirname "$0")/.."
IPCLAB=${IPCLAB:-$PWD/bin/ipclab}
. bench/lib.sh

RESULTS_DIR=${1:?usage: bench/scaling.sh RESULTS_DIR}
mkdir -p "$RESULTS_DIR/log/scaling"
RESULTS_DIR=$(cd "$RESULTS_DIR" && pwd)
[ -x "$IPCLAB" ] || die "$IPCLAB is missing; build it first with \`make\`"

# 1000 connections need 1000 descriptors on each side: soft limit to hard
# (the plan says which points a lower limit will fail).
ulimit -S -n "$(ulimit -H -n)" 2>/dev/null || true
work=$(mktemp -d "$("$IPCLAB" bench plan rundir)/ipclab-scaling.XXXXXX")
export IPCLAB_DIR=$work
AT[WORK]=$work
# Our own copy: a `make` during the run must not swap the binary under us.
cp "$IPCLAB" "$work/ipclab"
IPCLAB=$work/ipclab
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_all_bg
	rm -rf "$work"
	exit "$rc"
}
on_exit cleanup

# The plan's lines, each by its function line_KIND (lib.sh's follow; the
# servers are lib.sh's serve and stop).

# load FILE ERR LIMIT LABEL ARG... - `ipclab ARG...`, stopped after LIMIT
# s, its row into FILE, its messages into ERR (kept if there are any).
line_load() {
	local dest=$RESULTS_DIR/$1 err=$RESULTS_DIR/$2 rc=0
	mkdir -p "${dest%/*}"
	timeout "$3" "$IPCLAB" "${@:5}" >"$dest.part" 2>"$err" || rc=$?
	if [ "$rc" -eq 124 ] || { [ "$rc" -ne 0 ] && ! grep -q '^load,' "$dest.part"; }; then
		rm -f "$dest.part"
		warn "$4: no result (exit $rc$([ "$rc" != 124 ] || echo ", stopped after ${3}s")): $(tail -n 1 "$err")"
		return 0
	fi
	[ "$rc" -eq 0 ] || warn "$4: exit $rc: $(tail -n 1 "$err")"
	[ -s "$err" ] || rm -f "$err"
	mv "$dest.part" "$dest"
}

# redis FILE ERR LIMIT LABEL ARG... - a redis-benchmark run (ARG...), its
# CSV into FILE, its messages added to ERR; none if redis did not start.
line_redis() {
	local dest=$RESULTS_DIR/$1 err=$RESULTS_DIR/$2 rc=0
	[ -n "${AT[PID:redis]:-}" ] || return 0
	timeout "$3" "${@:5}" >"$dest" 2>>"$err" || rc=$?
	if [ "$rc" -ne 0 ] || ! grep -q '^"PING_INLINE"' "$dest"; then
		rm -f "$dest"
		warn "$4: no result (exit $rc; $err)"
	fi
}

# redis-start LOG SOCKET ARG... - redis-server (ARG...) on a free port,
# @PORT@ (`ipclab bench plan free-port`, 3 tries), ready once it listens
# there and on SOCKET; then the server `redis` of lib.sh's stop line.
line_redis_start() {
	for _ in 1 2 3; do
		AT[PORT]=$("$IPCLAB" bench plan free-port t) || continue
		fill "${@:3}"
		start_bg "$RESULTS_DIR/$1" "${FILLED[@]}"
		if wait_for "$BG_PID" 5 redis_ready "$2"; then
			AT[PID:redis]=$BG_PID AT[LOG:redis]=$1
			say "redis reference, unix socket and 127.0.0.1:${AT[PORT]}"
			return 0
		fi
		stop_bg "$BG_PID" || true
	done
	warn "redis-server did not start (3 tries, log: $RESULTS_DIR/$1): reference skipped"
}
redis_ready() { [ -S "$1" ] && port_bound t "${AT[PORT]}"; }

# count FILE LOG CTL ACK ARG... - perf stat (ARG...) attached to a server,
# its events enabled now (no earlier: through the FIFO CTL, it answers
# "ack" on ACK once they are); uncount NAME disables them, stops the
# server NAME, and perf, whose process is gone, writes FILE.
PERF_PID='' PERF_LOG=''
line_count() {
	rm -f "$3" "$4"
	mkfifo "$3" "$4"
	mkdir -p "$(dirname "$RESULTS_DIR/$1")"
	PERF_LOG=$RESULTS_DIR/$2
	start_bg "$PERF_LOG" "${@:5}"
	PERF_PID=$BG_PID
	exec 8>"$3" 9<"$4"
	echo enable >&8
	read -r -t 10 -u 9 _ || warn "perf stat did not start counting (its log: $PERF_LOG)"
}
line_uncount() {
	echo disable >&8
	read -r -t 10 -u 9 _ || warn "perf stat did not stop counting (its log: $PERF_LOG)"
	exec 8>&- 9<&-
	line_stop "$1"
	wait_for "$PERF_PID" 5 false || true
	stop_bg "$PERF_PID" || true
}

"$IPCLAB" bench plan scaling "$RESULTS_DIR" $(quick && echo --quick) \
	>"$RESULTS_DIR/log/plan-scaling.tsv" || die "\`ipclab bench plan scaling\` failed"
follow <"$RESULTS_DIR/log/plan-scaling.tsv"
ls "$RESULTS_DIR"/scaling/load_*.csv >/dev/null 2>&1 || die "no load point succeeded; see $RESULTS_DIR/log/scaling/*.err"
