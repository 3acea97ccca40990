#!/usr/bin/env bash
# run.sh - the main job behind `make bench` (docs/BENCHMARKS.md).
#
#   bench/run.sh            full run, about 7 minutes on 2 cores
#   QUICK=1 bench/run.sh    every step with few iterations, under a minute (CI)
#
# Steps: the demos once (a sanity check), the whole-process layer
# (hyperfine), round-trip latency with pinning as an axis, throughput
# versus message size, connection set-up, the peer tools, the scaling run
# (bench/scaling.sh), then `ipclab bench report` (summary.md, all.csv,
# peers.csv, the plots' tables) and the plots.  This script only runs tools
# in order; every figure is computed by `ipclab bench report`.  Results go
# to results/<UTC timestamp>/; results/latest points at the newest full
# run, results/latest-quick at the newest quick one.  Progress on stderr;
# warnings, one per cause, at the end; any failure stops the run with a
# message and a non-zero exit status, and no server is left behind.
set -euo pipefail
# Results: $IPCLAB_RESULTS, else ./results where the run was started.
RESULTS_ROOT=$(realpath -m "${IPCLAB_RESULTS:-results}")
cd "$(dirname "$0")/.."

. bench/lib.sh
. bench/process.sh
. bench/inproc.sh
. bench/peers.sh

# IPCLAB_BIN: another build to measure (as for the tests), default bin/ipclab.
# IPCLAB_DYNAMIC: the same code linked against libc.so (make passes it),
# timed beside it to show what the dynamic loader costs at every start.
# LMBENCH_BIN: a directory with lmbench's lat_* and bw_* programs, to run
# them among the peers (bench/peers.sh); Debian 12 does not package it.
IPCLAB=${IPCLAB_BIN:-$PWD/bin/ipclab}
export IPCLAB # bench/scaling.sh measures the same build
[ -x "$IPCLAB" ] || die "$IPCLAB is missing; build it first with \`make\`"
for tool in hyperfine jq gnuplot taskset; do
	have "$tool" || die "$tool is not installed; a run needs these Debian packages: sudo apt-get install hyperfine jq gnuplot-nox (the peer tools are optional: ipclab(1), bench run)"
done

# ---- the size of the run --------------------------------------------------
if quick; then
	HF_RUNS=30 HF_ROUNDS=3 HF_WARMUP=3
	LAT_COUNT=2000 LAT_WARMUP=200 PAUSE_MS=200
	TP_MSGS=4096 TP_MIN_TOTAL=$((1 << 20)) TP_MAX_TOTAL=$((32 << 20)) TP_ROUNDS=1
	TP_STREAM_SIZES="64 1024 4096 16384 65536 262144 1048576"
	TP_DGRAM_SIZES="64 1024 4096 16384"
	TP_PLACEMENT_SIZES="65536"
	CONN_COUNT=200
	PEER_ROUNDS=1 PEER_ROUNDS_ONE_CPU=1 PEER_SECONDS=1 PEER_OURS_COUNT=1000 PERF_LOOPS=20000 LMB_ROUNDS=1
else
	HF_RUNS=1000 HF_ROUNDS=10 HF_WARMUP=10
	LAT_COUNT=50000 LAT_WARMUP=2000 PAUSE_MS=2000
	TP_MSGS=131072 TP_MIN_TOTAL=$((16 << 20)) TP_MAX_TOTAL=$((512 << 20)) TP_ROUNDS=3
	TP_STREAM_SIZES=$(for ((s = 64; s <= 1048576; s *= 2)); do printf '%d ' "$s"; done)
	TP_DGRAM_SIZES=$(for ((s = 64; s <= 32768; s *= 2)); do printf '%d ' "$s"; done)
	TP_PLACEMENT_SIZES="4096 65536"
	CONN_COUNT=5000
	PEER_ROUNDS=4 PEER_ROUNDS_ONE_CPU=10 PEER_SECONDS=1 PEER_OURS_COUNT=25000 PERF_LOOPS=50000 LMB_ROUNDS=2
fi
export QUICK=${QUICK:-}

# Pinning, as `--pin CLIENT_CPU,SERVER_CPU`: different CPUs, the same CPU,
# and wherever the scheduler puts them.  The CPUs are the first two this
# process may run on (a container may not own CPU 0); with one CPU there is
# no "different" case.
mapfile -t CPU_IDS < <(awk '/^Cpus_allowed_list:/ {
	n = split($2, r, ",")
	for (i = 1; i <= n; i++) {
		if (split(r[i], ab, "-") == 1) ab[2] = ab[1]
		for (c = ab[1]; c <= ab[2]; c++) print c
	}
}' /proc/self/status)
CPUS=${#CPU_IDS[@]}
[ "$CPUS" -ge 1 ] || die "cannot read the CPUs this process may use (/proc/self/status)"
if [ "$CPUS" -ge 2 ]; then
	MAIN_PIN=${CPU_IDS[0]},${CPU_IDS[1]}
	PLACEMENTS="$MAIN_PIN ${CPU_IDS[0]},${CPU_IDS[0]} none"
else
	warn "only one CPU available: the two-CPU placement was skipped"
	MAIN_PIN=${CPU_IDS[0]},${CPU_IDS[0]}
	PLACEMENTS="$MAIN_PIN none"
fi
SAME_PIN=${CPU_IDS[0]},${CPU_IDS[0]}
# The peer tools take seconds per run: the quick run checks them at one
# placement (the same CPU, the one perf bench can do too).
if quick; then PEER_PLACEMENTS=$SAME_PIN; else PEER_PLACEMENTS=$PLACEMENTS; fi

# What the scripts need to know of each transport, from the registry:
# name, stream|datagram, largest datagram, connected (yes|no).
TRANSPORT_FACTS=$("$IPCLAB" bench transports) || die "\`$IPCLAB bench transports\` failed"
TRANSPORTS=$(awk '{ print $1 }' <<<"$TRANSPORT_FACTS")
CONNECTED=$(awk '$4 == "yes" { print $1 }' <<<"$TRANSPORT_FACTS")
DATAGRAMS=$(awk '$2 == "datagram" { print $1 }' <<<"$TRANSPORT_FACTS")
[ -n "$TRANSPORTS" ] || die "\`$IPCLAB bench transports\` printed no transport"

# ---- the results directory and the cleanup trap ----------------------------
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS_DIR=$RESULTS_ROOT/$STAMP
mkdir -p "$RESULTS_DIR"
# Sockets and FIFOs live in a short private directory (Unix socket paths
# are limited to 107 bytes, and results/ may be deep in the tree), on a
# memory file system when there is one: on a disk file system a FIFO's
# mkfifo() and unlink() and a socket's bind() go through the journal, and
# every whole-process greet would time that too.  $XDG_RUNTIME_DIR is where
# a user's own servers put them (tmpfs on a desktop), else /dev/shm, else
# $TMPDIR or /tmp (rundir_base, bench/lib.sh).  The environment record
# names the file system.
IPCLAB_DIR=$(mktemp -d "$(rundir_base)/ipclab-bench.XXXXXX")
export IPCLAB_DIR
IPCLAB_GIT_REV=$("$IPCLAB" --version | sed -n 's/.*(git \(.*\))$/\1/p')
export IPCLAB_GIT_REV
STEP=setup

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_all_bg
	lmbench_stop_all
	rm -rf "$IPCLAB_DIR"
	if [ "$rc" -ne 0 ]; then
		[ ! -s "$BENCH_WARNINGS" ] || cat "$BENCH_WARNINGS" >&2
		printf 'bench: FAILED during step "%s" (exit %d); partial results in %s\n' \
			"$STEP" "$rc" "$RESULTS_DIR" >&2
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$RESULTS_DIR/log"
export BENCH_WARNINGS=$RESULTS_DIR/log/warnings.txt
: >"$BENCH_WARNINGS"

# ---- progress -----------------------------------------------------------
# The steps and the seconds each takes on a quiet 2-CPU VM (full run, quick
# run; a busy one took 2.5 times as long): the time left is their sum for
# the steps to come, scaled by how this run has kept pace so far.
STEPS=(demo process latency throughput connect peers scaling report)
declare -A STEP_S=([demo]=2 [process]=150 [latency]=120 [throughput]=350 [connect]=6
	[peers]=290 [scaling]=140 [report]=5)
declare -A QUICK_S=([demo]=2 [process]=10 [latency]=15 [throughput]=10 [connect]=2
	[peers]=10 [scaling]=15 [report]=10)
DONE_S=0 SPENT_S=0
begin_step() {
	local i s left=0 pace
	STEP=$1
	for i in "${!STEPS[@]}"; do [ "${STEPS[i]}" = "$1" ] && BENCH_STEP="$((i + 1))/${#STEPS[@]} $1"; done
	for s in "${STEPS[@]}"; do
		[ "$left" -gt 0 ] || [ "$s" = "$1" ] || continue
		left=$((left + $(quick && echo "${QUICK_S[$s]}" || echo "${STEP_S[$s]}") ))
	done
	SPENT_S=$((EPOCHSECONDS - BENCH_T0))
	# The pace counts once a minute of the plan is done: a 2-second step
	# that took 0 s says nothing about the rest (it made "0 min left").
	pace=100
	[ "$DONE_S" -lt 60 ] || pace=$((100 * SPENT_S / DONE_S))
	export BENCH_STEP BENCH_LEFT=$((left * pace / 100))
	STEP_T0=$EPOCHSECONDS
}
end_step() { DONE_S=$((DONE_S + $(quick && echo "${QUICK_S[$STEP]}" || echo "${STEP_S[$STEP]}"))); }

say "results in $RESULTS_DIR ($(quick && echo quick || echo full) run, $CPUS CPUs)"
{
	printf '# quick: %s\n' "$(quick && echo yes || echo no)"
	"$IPCLAB" bench env --format csv
} >"$RESULTS_DIR/env.csv" || die "\`ipclab bench env\` failed"
"$IPCLAB" bench env --format text >"$RESULTS_DIR/env.txt"

begin_step demo
say "every transport once"
run_logged "$RESULTS_DIR/log/demo.txt" "$IPCLAB" demo || die "the demos failed: fix them before benchmarking"
end_step

# Each measuring step, with the share of CPU time the hypervisor took; the
# tools' own messages go to log/STEP.txt.
for step in process latency throughput connect peers; do
	begin_step "$step"
	export BENCH_LOG=$RESULTS_DIR/log/$step.txt
	steal_begin "$step"
	"${step}_layer"
	steal_end
	end_step
done

begin_step scaling
say "ipclab serve in every mode and redis-server under many clients"
export BENCH_LOG=$RESULTS_DIR/log/scaling.txt
steal_begin scaling
bench/scaling.sh "$RESULTS_DIR" 2>>"$BENCH_LOG" || {
	tail -n 5 "$BENCH_LOG" | sed 's/^/    /' >&2
	die "bench/scaling.sh failed (exit $?; its messages: $BENCH_LOG)"
}
steal_end
end_step

begin_step report
say "summary.md, all.csv, peers.csv and the plots"
"$IPCLAB" bench report "$RESULTS_DIR" 2>>"$BENCH_WARNINGS" ||
	die "\`ipclab bench report $RESULTS_DIR\` failed: $(tail -n 1 "$BENCH_WARNINGS")"
bash bench/plot.sh "$RESULTS_DIR"
end_step

# A quick run never moves results/latest off the last full run.
LINK=$RESULTS_ROOT/latest
quick && LINK=$RESULTS_ROOT/latest-quick
ln -sfn "$STAMP" "$LINK"
STEP=finished
BENCH_STEP= BENCH_LEFT=
if [ -s "$BENCH_WARNINGS" ]; then
	printf '%s\n' "$(wc -l <"$BENCH_WARNINGS") warning(s), one line per cause:" >&2
	cat "$BENCH_WARNINGS" >&2
fi
say "done in $(((EPOCHSECONDS - BENCH_T0) / 60)) min $(((EPOCHSECONDS - BENCH_T0) % 60)) s: $RESULTS_DIR/summary.md ($LINK), $(du -sh "$RESULTS_DIR" | cut -f1)"
