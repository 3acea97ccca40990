#!/usr/bin/env bash
# netlab.sh - `make netlab` (docs/NETLAB.md): TCP and UDP between two
# network namespaces joined by a veth pair, first over a clean link, then
# over one that loses, delays, reorders or duplicates packets.
#
#   bench/netlab.sh [--strict]   1,000 round trips per transport and condition
#   QUICK=1 bench/netlab.sh      100 of them, in about a minute (CI)
#
# Needs root (namespaces, links, packet filters); without it, it says so and
# exits 0 having done nothing.  Impairments: tc netem when the kernel has
# sch_netem; else nftables drops and copies packets, and netdelay
# (bench/netdelay/) holds them back, fed by a netfilter queue rule.  What
# the lab is called, how it is built and probed, the conditions and their
# commands are `ipclab bench plan netlab-lab` and `plan netlab`'s (bench/
# plan_netlab.c); this script runs them.  A step that fails is recorded in
# its condition's problems.tsv and the run goes on; `ipclab bench netlab`
# decides the exit status (--strict: any failed row fails the run).
# Everything it creates (namespaces, the veth pair, qdiscs, rules, servers,
# netdelay, the runtime directory) is removed at the end, on Ctrl-C and on
# any failure.  Results: results/netlab-<UTC time>/ (results/netlab-latest).
set -euo pipefail
cd "$(dirname "$0")/.."
# lib.sh's helpers (quick, wait_for, stop_bg, follow); netlab's own messages.
. bench/lib.sh
say()  { printf '[netlab %4ds] %s\n' "$((EPOCHSECONDS - T0))" "$*" >&2; }
warn() { printf 'netlab: warning: %s\n' "$*" >&2; }
die()  { printf 'netlab: error: %s\n' "$*" >&2; exit 1; }
skip() { printf 'netlab: skipped: %s\n' "$*" >&2; exit 0; }
T0=$EPOCHSECONDS

[ "$(id -u)" -eq 0 ] || skip "building the lab needs root (network namespaces, a veth" \
	"link, tc and nftables); run \`sudo make netlab\`. Nothing was changed."
STRICT=
[ "${1:-}" != --strict ] || STRICT=--strict
IPCLAB=${IPCLAB_BIN:-$PWD/bin/ipclab}
NETDELAY=${IPCLAB_NETDELAY:-$PWD/build/release/netdelay}
AT[IPCLAB]=$IPCLAB AT[NETDELAY]=$NETDELAY
[ -x "$IPCLAB" ] || die "$IPCLAB is missing; build it first with \`make\`"
scripts/deps.sh --check netlab || die "the packages netlab needs are missing (see above)"

# ---- cleanup: whatever happens, nothing stays ------------------------------
# The servers and netdelay are lib.sh's background processes (SERVER_PIDS).
declare -A SERVER_PID=() SERVE=()
MADE_NS=() MADE_LINK='' IPCLAB_DIR='' NETDELAY_PID='' SKIP='' PROBLEMS=/dev/null
cleanup() {
	local rc=$? ns
	trap - EXIT INT TERM
	stop_all_bg
	# Anything still running in there was started by this run (a client cut short).
	for ns in "${MADE_NS[@]}"; do delete_ns "$ns" || warn "could not delete namespace $ns"; done
	[ -z "$MADE_LINK" ] || ip link delete "$MADE_LINK" 2>/dev/null || true # not yet moved
	[ -z "$IPCLAB_DIR" ] || rm -rf "$IPCLAB_DIR"
	if [ "$rc" -ne 0 ]; then
		printf 'netlab: FAILED (exit %d)%s; everything it had set up is removed\n' "$rc" \
			"${RUN:+, partial results in $RUN}" >&2
	fi
	exit "$rc"
}
on_exit cleanup

# delete_ns NS - a namespace, killing first what runs in it: a namespace
# lives as long as its processes.  It holds its end of the link, its qdisc
# and its rules: deleting it deletes them.
delete_ns() {
	local pid
	for pid in $(ip netns pids "$1" 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	ip netns delete "$1" 2>/dev/null
}

# A run killed with SIGKILL cannot clean up: what it left (its namespaces,
# a veth end not yet moved, its runtime directory) carries its process id,
# and `ipclab bench plan netlab-stale` lists those of runs that are gone.
line_stale_namespace() { delete_ns "$1" || warn "could not delete stale namespace $1"; }
line_stale_link() { ip link delete "$1" || warn "could not delete stale link $1"; }
line_stale_directory() { rm -rf "$1"; }

# ---- the lab: `plan netlab-lab`'s lines -----------------------------------
line_rundir() { IPCLAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/$1"); export IPCLAB_DIR; }
line_namespace() {
	local err
	err=$(ip netns add "$1" 2>&1) || skip "cannot create a network namespace here ($err);" \
		"a container needs CAP_SYS_ADMIN and CAP_NET_ADMIN for it"
	MADE_NS+=("$1")
}
line_veth() {
	local err
	err=$(ip link add "$1" type veth peer name "$2" 2>&1) ||
		skip "this kernel cannot make a veth pair ($err)"
	MADE_LINK=$1
}
line_do() { "$@" || die "\`$*\` failed"; }
line_undo() { "$@" 2>/dev/null || true; }

# probe NAME WHAT ARG... - what the kernel lacks, told to `plan netlab` as
# --no-NAME "WHAT: its error" (the plan's next line undoes it).
PLAN_OPTS=()
line_probe() {
	local err
	err=$("${@:3}" 2>&1) || PLAN_OPTS+=("--no-$1" "$2: ${err//$'\n'/ }")
}

# server T ARG... - the server of T (again, after it died: its log goes
# on).  `ip netns exec` execs the server: $! is the server itself.
line_server() {
	local log=$RUN/server_$1.log n
	SERVE[$1]=$(IFS=$'\t'; printf '%s' "${*:2}")
	local -a cmd
	IFS=$'\t' read -r -a cmd <<<"${SERVE[$1]}"
	n=$(grep -cs '^listening on ' "$log") || true
	"${cmd[@]}" >>"$log" 2>&1 </dev/null &
	SERVER_PID[$1]=$! SERVER_PIDS[$!]=1
	wait_for "$!" 5 listening_more "$log" "${n:-0}" ||
		die "the $1 server did not start listening within 5 s: $(tail -3 "$log")"
}
# listening_more LOG N - LOG says "listening on" more than N times (-s:
# the server may not have opened it yet).
listening_more() { local n; n=$(grep -cs '^listening on ' "$1") || true; [ "${n:-0}" -gt "$2" ]; }

# ---- the conditions: `plan netlab`'s lines --------------------------------
# problem WHAT TEXT - one line of the condition's problems.tsv (netlab.h).
problem() {
	printf '%s\t%s\n' "$1" "${2//$'\n'/ }" >>"$PROBLEMS"
	say "  problem: $1: $2"
}
# A condition that could not be applied is not measured (SKIP): its
# measurements are passed over, not its undoing.
measuring() { [ -z "$SKIP" ]; }

line_append() { (IFS=$'\t'; printf '%s\n' "${*:2}") >>"$RUN/$1"; }
line_condition() {
	SKIP='' PROBLEMS=$RUN/$2 HOW=$3
	mkdir -p "${PROBLEMS%/*}"
	say "$1: $HOW"
}
line_apply() {
	measuring || return 0
	"$@" || { problem link "the condition could not be applied: $HOW"; SKIP=1; }
}

# netdelay OUT LOG ARG... - netdelay holding the client's packets in the
# server's namespace (the next line adds the rule that feeds it).
NETDELAY_LOG=''
line_netdelay() {
	measuring || return 0
	NETDELAY_LOG=$RUN/$2
	"${@:3}" >"$RUN/$1" 2>"$NETDELAY_LOG" </dev/null &
	NETDELAY_PID=$! SERVER_PIDS[$!]=1
	wait_for "$NETDELAY_PID" 5 grep -q '^netdelay: holding' "$NETDELAY_LOG" &&
		return 0
	problem link "the condition could not be applied: netdelay did not start: $(tail -1 "$NETDELAY_LOG")"
	stop_bg "$NETDELAY_PID" || true
	NETDELAY_PID='' SKIP=1
}

# end - after the rules (the plan's `undo` lines), netdelay, which lets go
# of all it still holds; then a server that died during the condition is
# said, and started again for the next one.
line_end() {
	local rc=0 t
	if [ -n "$NETDELAY_PID" ] && ! kill -0 "$NETDELAY_PID" 2>/dev/null; then
		stop_bg "$NETDELAY_PID" || rc=$? # reaps it: its status
		problem netdelay "netdelay exited during the row (status $rc): $(tail -1 "$NETDELAY_LOG")"
	elif [ -n "$NETDELAY_PID" ]; then
		stop_bg "$NETDELAY_PID" ||
			problem netdelay "netdelay did not stop cleanly: $(tail -1 "$NETDELAY_LOG")"
	fi
	NETDELAY_PID=''
	for t in tcp udp; do
		kill -0 "${SERVER_PID[$t]}" 2>/dev/null && continue
		rc=0
		stop_bg "${SERVER_PID[$t]}" || rc=$?
		problem "$t server" "the $t server exited during this condition (status $rc$([ "$rc" -gt 128 ] && echo ", signal $((rc - 128))")); it was started again for the next one"
		line_server "$t" "${SERVE[$t]}"
	done
}

# step WHAT LIMIT OUT ARG... - ARG... (an `ipclab`, in the client's
# namespace) with its stdout into OUT, stopped after LIMIT seconds.  A
# failure is a problem of the row, and the run goes on.
line_step() {
	local what=$1 limit=$2 out=$RUN/$3 rc=0 first
	measuring || return 0
	timeout -k 5 "$limit" "${@:4}" >"$out.part" 2>"$out.err" || rc=$?
	if [ "$rc" -ne 0 ]; then
		first=$(grep -v -m1 'warning:' "$out.err") || first=$(head -1 "$out.err")
		[ "$rc" -ne 124 ] || first="still running after $limit s: stopped; $first"
		problem "$what" "exited with status $rc: $first"
		return 0
	fi
	mv "$out.part" "$out"
	# Unpinned and spread out is what a lossy link's round trips are: only
	# the other warnings (the datagrams' counts) are worth repeating.
	grep -v 'run unpinned\|high spread' "$out.err" | sed 's/^/    /' >&2 || true
	rm -f "$out.err"
}

# greet T FILE ARG... - the greeting as a user sends it (UDP may time out).
line_greet() {
	local out rc=0
	measuring || return 0
	out=$("${@:3}" 2>&1) || rc=$?
	printf '%s: %s (exit %d)\n' "$1" "$out" "$rc" >>"$RUN/$2"
	say "  greet $1: $out"
}
line_save() { measuring || return 0; "${@:2}" >"$RUN/$1"; }
line_plot() { SUBTITLE="$(uname -sr), ${STAMP%%T*}, $1"; }

# ---- the run -----------------------------------------------------------------
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RUN=$PWD/results/netlab-$STAMP
mkdir -p "$RUN"
IPCLAB_GIT_REV=$(git describe --always --dirty 2>/dev/null || echo unknown)
export IPCLAB_GIT_REV

say "results in $RUN ($(quick && echo quick || echo full) run)"
STALE=$("$IPCLAB" bench plan netlab-stale $$) || die "\`ipclab bench plan netlab-stale\` failed"
follow <<<"$STALE"
LAB=$("$IPCLAB" bench plan netlab-lab $$) || die "\`ipclab bench plan netlab-lab\` failed"
follow <<<"$LAB"
[ -x "$NETDELAY" ] || PLAN_OPTS+=(--no-netdelay "$NETDELAY is missing (make $NETDELAY)")
"$IPCLAB" bench env --format text >"$RUN/env.txt"

quick && PLAN_OPTS+=(--quick)
PLAN=$("$IPCLAB" bench plan netlab "$RUN" --id $$ "${PLAN_OPTS[@]}") ||
	die "\`ipclab bench plan netlab\` failed"
follow <<<"$PLAN"

# The table, whatever happened; its exit status is the run's (netlab.h).
mkdir -p "$RUN/plots"
status=0
"$IPCLAB" bench netlab "$RUN" --data "$RUN/plots/netlab.dat" $STRICT >"$RUN/table.txt" ||
	status=$?
"$IPCLAB" bench netlab "$RUN" --format markdown >"$RUN/table.md" || true
gnuplot -c plots/netlab.gp "$RUN/plots/netlab.dat" "$RUN/plots" "$SUBTITLE" ||
	warn "gnuplot plots/netlab.gp failed (data in $RUN/plots/netlab.dat)"
ln -sfn "netlab-$STAMP" results/netlab-latest
cat "$RUN/table.txt"
say "done in $((EPOCHSECONDS - T0))s: $RUN (results/netlab-latest), plots/netlab.png"
exit "$status"
