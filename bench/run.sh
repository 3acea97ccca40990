#!/usr/bin/env bash
# run.sh - the main job behind `make bench` (docs/BENCHMARKS.md).
#
#   bench/run.sh            full run, about 7 minutes on 2 cores
#   QUICK=1 bench/run.sh    every step with few iterations, under a minute (CI)
#
# Steps: the demos once (a sanity check), the whole-process layer
# (hyperfine), round-trip latency with pinning as an axis, throughput
# versus message size, connection set-up, the peer tools, the scaling run
# (bench/scaling.sh, when present), then one merged all.csv, summary.md and
# the plots.  Results go to results/<UTC timestamp>/, with results/latest
# pointing at the newest run.  Progress on stderr; any failure stops the
# run with a message and a non-zero exit status, and no server is left
# behind.
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
. bench/process.sh
. bench/inproc.sh
. bench/peers.sh
. bench/report.sh

# IPCLAB_BIN: another build to measure (as for the tests), default bin/ipclab.
# IPCLAB_DYNAMIC: the same code linked against libc.so (make passes it),
# timed beside it to show what the dynamic loader costs at every start.
# LMBENCH_BIN: a directory with lmbench's lat_* and bw_* programs, to run
# them among the peers (bench/peers.sh); Debian 12 does not package it.
IPCLAB=${IPCLAB_BIN:-$PWD/bin/ipclab}
export IPCLAB # bench/scaling.sh measures the same build
[ -x "$IPCLAB" ] || die "$IPCLAB is missing; build it first with \`make\`"
for tool in hyperfine jq gnuplot taskset; do
	have "$tool" || die "$tool is not installed; run \`make deps-bench\` (as root)"
done

# ---- the size of the run --------------------------------------------------
if quick; then
	HF_RUNS=30 HF_ROUNDS=3 HF_WARMUP=3
	LAT_COUNT=2000 LAT_WARMUP=200
	TP_MSGS=4096 TP_MIN_TOTAL=$((1 << 20)) TP_MAX_TOTAL=$((32 << 20)) TP_ROUNDS=1
	TP_STREAM_SIZES="64 1024 4096 16384 65536 262144 1048576"
	TP_DGRAM_SIZES="64 1024 4096 16384"
	TP_PLACEMENT_SIZES="65536"
	CONN_COUNT=200
	PEER_ROUNDS=1 PEER_SECONDS=1 PEER_TWIN_COUNT=1000 PERF_LOOPS=20000 LMB_ROUNDS=1
else
	HF_RUNS=1000 HF_ROUNDS=10 HF_WARMUP=10
	LAT_COUNT=50000 LAT_WARMUP=2000
	TP_MSGS=131072 TP_MIN_TOTAL=$((16 << 20)) TP_MAX_TOTAL=$((512 << 20)) TP_ROUNDS=3
	TP_STREAM_SIZES=$(for ((s = 64; s <= 1048576; s *= 2)); do printf '%d ' "$s"; done)
	TP_DGRAM_SIZES=$(for ((s = 64; s <= 32768; s *= 2)); do printf '%d ' "$s"; done)
	TP_PLACEMENT_SIZES="4096 65536"
	CONN_COUNT=5000
	PEER_ROUNDS=4 PEER_SECONDS=1 PEER_TWIN_COUNT=10000 PERF_LOOPS=50000 LMB_ROUNDS=2
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
	warn "only one CPU available: the different-CPU placement is skipped"
	MAIN_PIN=${CPU_IDS[0]},${CPU_IDS[0]}
	PLACEMENTS="$MAIN_PIN none"
fi
SAME_PIN=${CPU_IDS[0]},${CPU_IDS[0]}
# The peer tools take seconds per run: the quick run checks them at one
# placement (the same CPU, the one perf bench can do too).
if quick; then PEER_PLACEMENTS=$SAME_PIN; else PEER_PLACEMENTS=$PLACEMENTS; fi

TRANSPORTS=$("$IPCLAB" list | awk '{ print $1 }')
SERVABLE="fifo unix_stream unix_dgram tcp udp"
[ -n "$TRANSPORTS" ] || die "\`$IPCLAB list\` printed no transport"

# ---- the results directory and the cleanup trap ----------------------------
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS_DIR=$PWD/results/$STAMP
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
IPCLAB_GIT_REV=$(git describe --always --dirty 2>/dev/null || echo unknown)
export IPCLAB_GIT_REV
STEP=setup

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_all_bg
	lmbench_stop_all
	rm -rf "$IPCLAB_DIR"
	if [ "$rc" -ne 0 ]; then
		printf 'bench: FAILED during step "%s" (exit %d); partial results in %s\n' \
			"$STEP" "$rc" "$RESULTS_DIR" >&2
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "results in $RESULTS_DIR ($(quick && echo quick || echo full) run, $CPUS CPUs)"
"$IPCLAB" bench env --format text >"$RESULTS_DIR/env.txt" ||
	die "\`ipclab bench env\` failed"
"$IPCLAB" bench env --format csv >"$RESULTS_DIR/env.csv"
warn_idle "$RESULTS_DIR/env.csv"

STEP=demo
say "demo: every transport once"
run_logged "$RESULTS_DIR/demo.txt" "$IPCLAB" demo || die "the demos failed: fix them before benchmarking"
sed 's/^/    /' "$RESULTS_DIR/demo.txt" >&2

# Each measuring step, with the share of CPU time the hypervisor took.
for STEP in process latency throughput connect peers; do
	steal_begin "$STEP"
	"${STEP}_layer"
	steal_end
done

STEP=scaling
if [ -x bench/scaling.sh ]; then
	say "scaling: bench/scaling.sh"
	steal_begin scaling
	bench/scaling.sh "$RESULTS_DIR" || die "bench/scaling.sh failed (exit $?)"
	steal_end
else
	say "scaling: bench/scaling.sh not present, skipped"
fi

STEP=merge;   merge_results
STEP=plots;   say "plots"; bash bench/plot.sh "$RESULTS_DIR"
STEP=summary; write_summary

ln -sfn "$STAMP" results/latest
STEP=finished
say "done in $((EPOCHSECONDS - BENCH_T0))s: $RESULTS_DIR/summary.md (results/latest)"
