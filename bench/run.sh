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
. bench/peers.sh

# IPCLAB_BIN: another build to measure (as for the tests), default bin/ipclab.
# IPCLAB_DYNAMIC: the same code linked against libc.so (make passes it),
# timed beside it to show what the dynamic loader costs at every start.
# LMBENCH_BIN: a directory with lmbench's lat_* and bw_* programs, to run
# them among the peers (bench/peers.sh); Debian 12 does not package it.
IPCLAB=${IPCLAB_BIN:-$PWD/bin/ipclab}
export IPCLAB # bench/scaling.sh measures the same build
# The plans' words for them (lib.sh's fill).
AT[IPCLAB]=$IPCLAB AT[DYNAMIC]=${IPCLAB_DYNAMIC:-} AT[LMBENCH]=${LMBENCH_BIN:-}
[ -x "$IPCLAB" ] || die "$IPCLAB is missing; build it first with \`make\`"
for tool in hyperfine jq gnuplot taskset; do
	have "$tool" || die "$tool is not installed; a run needs these Debian packages: sudo apt-get install hyperfine jq gnuplot-nox (the peer tools are optional: ipclab(1), bench run)"
done

# What to measure, at which sizes and placements, is `ipclab bench plan`'s
# to decide (bench/plan.c): the CPUs this process may use, the transports
# of the registry, the size of a quick or full run.
export QUICK=${QUICK:-}
QUICK_FLAG=$(quick && echo --quick || true)

# ---- the results directory and the cleanup trap ----------------------------
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS_DIR=$RESULTS_ROOT/$STAMP
mkdir -p "$RESULTS_DIR"
# Sockets and FIFOs live in a short private directory (Unix socket paths
# are limited to 107 bytes, and results/ may be deep in the tree), on a
# memory file system when there is one (`ipclab bench plan rundir` says
# which and why).  The environment record names the file system.
IPCLAB_DIR=$(mktemp -d "$("$IPCLAB" bench plan rundir)/ipclab-bench.XXXXXX")
export IPCLAB_DIR
IPCLAB_GIT_REV=$("$IPCLAB" --version | sed -n 's/.*(git \(.*\))$/\1/p')
export IPCLAB_GIT_REV
STEP=setup

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_all_bg
	line_peer_stop
	rm -rf "$IPCLAB_DIR"
	if [ "$rc" -ne 0 ]; then
		[ ! -s "$BENCH_WARNINGS" ] || cat "$BENCH_WARNINGS" >&2
		printf 'bench: FAILED during step "%s" (exit %d); partial results in %s\n' \
			"$STEP" "$rc" "$RESULTS_DIR" >&2
	fi
	exit "$rc"
}
on_exit cleanup

mkdir -p "$RESULTS_DIR/log"
export BENCH_WARNINGS=$RESULTS_DIR/log/warnings.txt
: >"$BENCH_WARNINGS"
export BENCH_PROGRESS=$RESULTS_DIR/log/progress.tsv
progress_heartbeat &
HEARTBEAT=$!
SERVER_PIDS[$HEARTBEAT]=1

# ---- progress -----------------------------------------------------------
# progress DONE TOTAL - DONE of this step's TOTAL runs are done: BENCH_STEP
# ("3/8 latency") and BENCH_LEFT (the seconds left) for say(), as `ipclab
# bench plan progress` estimates them (bench/plan_progress.c).
progress() {
	local now
	now=$("$IPCLAB" bench plan progress "$STEP" "$1" "$2" $((EPOCHSECONDS - BENCH_T0)) \
		$QUICK_FLAG) || die "\`ipclab bench plan progress $STEP\` failed"
	eval "$now"
	export BENCH_STEP BENCH_LEFT
}
begin_step() { STEP=$1; progress 0 1; }

# run_plan STEP - carry out `ipclab bench plan STEP` (kept in log/): its
# `run` lines here, the others by process.sh (hyperfine) and peers.sh (the
# peer tools, peers/rounds.tsv).
run_plan() {
	local plan=$RESULTS_DIR/log/plan-$1.tsv
	"$IPCLAB" bench plan "$1" "$RESULTS_DIR" $QUICK_FLAG >"$plan" || die "\`ipclab bench plan $1\` failed"
	RUNS_DONE=0 RUNS_TOTAL=$(grep -c "^run" "$plan" || true)
	mkdir -p "$RESULTS_DIR/samples"
	follow <"$plan"
}
# run FILE ARG... - `ipclab ARG...`, its CSV into FILE; one more of the
# step's runs done.
line_run() {
	mkdir -p "$RESULTS_DIR/${1%/*}"
	to_csv "$RESULTS_DIR/$1" "$IPCLAB" "${@:2}"
	RUNS_DONE=$((RUNS_DONE + 1))
	progress "$RUNS_DONE" "$RUNS_TOTAL"
}
# What the run says first (where its results go, its size, its CPUs) and
# the link to it once it is done, results/latest or latest-quick.
line_link() { LINK=$RESULTS_ROOT/$1; }
START=$("$IPCLAB" bench plan start "$RESULTS_DIR" $QUICK_FLAG) || die "\`ipclab bench plan start\` failed"
follow <<<"$START"
{
	printf '# quick: %s\n' "$(quick && echo yes || echo no)"
	"$IPCLAB" bench env --format csv
} >"$RESULTS_DIR/env.csv" || die "\`ipclab bench env\` failed"
"$IPCLAB" bench env --format text >"$RESULTS_DIR/env.txt"

# ---- the steps ---------------------------------------------------------------
# In the order `ipclab bench plan steps` gives (bench/plan_progress.c, beside
# each step's time estimate): NAME, whether what others took of the CPUs is
# counted during it, and what it says first.  Each is the function
# step_NAME (process.sh, peers.sh, here); the tools' own messages go to
# log/NAME.txt.
step_demo() {
	run_logged "$BENCH_LOG" "$IPCLAB" demo || die "the demos failed: fix them before benchmarking"
}
step_latency() { run_plan latency; }
step_throughput() { run_plan throughput; }
step_connect() { run_plan connect; }
# Its progress lines on the terminal as every step's, and in its log.
step_scaling() {
	bench/scaling.sh "$RESULTS_DIR" 2> >(tee -a "$BENCH_LOG" >&2) ||
		die "bench/scaling.sh failed (exit $?; its messages: $BENCH_LOG)"
}
step_report() {
	"$IPCLAB" bench report "$RESULTS_DIR" 2>>"$BENCH_WARNINGS" ||
		die "\`ipclab bench report $RESULTS_DIR\` failed: $(tail -n 1 "$BENCH_WARNINGS")"
	bash bench/plot.sh "$RESULTS_DIR"
}
STEPS=$("$IPCLAB" bench plan steps) || die "\`ipclab bench plan steps\` failed"
while IFS=$'\t' read -r step counted text; do
	begin_step "$step"
	[ -z "$text" ] || say "$text"
	export BENCH_LOG=$RESULTS_DIR/log/$step.txt
	[ "$counted" = no ] || steal_begin "$step"
	"step_$step" </dev/null
	[ "$counted" = no ] || steal_end
done <<<"$STEPS"

ln -sfn "$STAMP" "$LINK"
STEP=finished
stop_bg "$HEARTBEAT" || true
rm -f "$BENCH_PROGRESS"
unset BENCH_PROGRESS
BENCH_STEP= BENCH_LEFT=
if [ -s "$BENCH_WARNINGS" ]; then
	printf '%s\n' "$(wc -l <"$BENCH_WARNINGS") warning(s), one line per cause:" >&2
	cat "$BENCH_WARNINGS" >&2
fi
say "done in $(((EPOCHSECONDS - BENCH_T0) / 60)) min $(((EPOCHSECONDS - BENCH_T0) % 60)) s: $RESULTS_DIR/summary.md ($LINK), $(du -sh "$RESULTS_DIR" | cut -f1)"
