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
# (bench/netdelay/) holds them back, fed by a netfilter queue rule.  A step
# that fails is recorded in its condition's problems.tsv and the run goes
# on; `ipclab bench netlab` decides the exit status (--strict: any failed
# row fails the run).  Everything it creates (namespaces, the veth pair,
# qdiscs, rules, servers, netdelay, the runtime directory) is removed at
# the end, on Ctrl-C and on any failure.
# Results: results/netlab-<UTC time>/ (results/netlab-latest: the newest).
set -euo pipefail
cd "$(dirname "$0")/.."
# lib.sh's helpers (quick, have, wait_for); netlab's own progress lines.
. bench/lib.sh
say()  { printf '[netlab %4ds] %s\n' "$((EPOCHSECONDS - T0))" "$*" >&2; }
warn() { printf 'netlab: warning: %s\n' "$*" >&2; }
die()  { printf 'netlab: error: %s\n' "$*" >&2; exit 1; }
T0=$EPOCHSECONDS

if [ "$(id -u)" -ne 0 ]; then
	echo "netlab: skipped: building the lab needs root (network namespaces, a veth" \
		"link, tc and nftables); run \`sudo make netlab\`. Nothing was changed." >&2
	exit 0
fi

STRICT=
[ "${1:-}" != --strict ] || STRICT=--strict
IPCLAB=${IPCLAB_BIN:-$PWD/bin/ipclab}
NETDELAY=${IPCLAB_NETDELAY:-$PWD/build/release/netdelay}
[ -x "$IPCLAB" ] || die "$IPCLAB is missing; build it first with \`make\`"
scripts/deps.sh --check netlab || die "the packages netlab needs are missing (see above)"

# The two hosts (namespaces), their link, addresses, rules and servers,
# named by this run's process id: `ipclab bench plan netlab-lab` (bench/
# plan_netlab.c, which finds a killed run's leftovers by these names).
ID=$$
LAB=$("$IPCLAB" bench plan netlab-lab "$ID") || die "\`ipclab bench plan netlab-lab\` failed"
eval "$LAB"
in_c() { ip netns exec "$NS_C" "$@"; }
in_s() { ip netns exec "$NS_S" "$@"; }

# ---- cleanup: whatever happens, nothing stays ------------------------------
declare -A SERVER_PID=()
CREATED_NS=()
IPCLAB_DIR='' NETDELAY_PID='' NETDELAY_LOG='' SKIP='' PROBLEMS=/dev/null
cleanup() {
	local rc=$? pid ns
	trap - EXIT INT TERM
	for pid in "${SERVER_PID[@]}" $NETDELAY_PID; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${SERVER_PID[@]}" $NETDELAY_PID; do
		wait "$pid" 2>/dev/null || true
	done
	for ns in "${CREATED_NS[@]}"; do
		# Anything still running in there was started by this run (a
		# client cut short).
		delete_ns "$ns" || warn "could not delete namespace $ns"
	done
	ip link delete "$DEV_C" 2>/dev/null || true # made, not yet moved
	[ -z "$IPCLAB_DIR" ] || rm -rf "$IPCLAB_DIR"
	if [ "$rc" -ne 0 ]; then
		printf 'netlab: FAILED (exit %d)%s; everything it had set up is removed\n' "$rc" \
			"${RUN:+, partial results in $RUN}" >&2
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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
remove_stale() {
	local what name stale
	stale=$("$IPCLAB" bench plan netlab-stale "$ID") || die "\`ipclab bench plan netlab-stale\` failed"
	while IFS=$'\t' read -r what name && [ -n "$what" ]; do
		[ "$what" = directory ] || say "removing $what $name, left by an earlier run that was killed"
		case $what in
		namespace) delete_ns "$name" || warn "could not delete stale namespace $name" ;;
		link) ip link delete "$name" || warn "could not delete stale link $name" ;;
		directory) rm -rf "$name" ;;
		esac
	done <<<"$stale"
}

# ---- the lab ---------------------------------------------------------------
build_lab() {
	local err
	if ! err=$(ip netns add "$NS_C" 2>&1); then
		echo "netlab: skipped: cannot create a network namespace here ($err);" \
			"a container needs CAP_SYS_ADMIN and CAP_NET_ADMIN for it" >&2
		exit 0
	fi
	CREATED_NS+=("$NS_C")
	ip netns add "$NS_S"
	CREATED_NS+=("$NS_S")
	if ! err=$(ip link add "$DEV_C" type veth peer name "$DEV_S" 2>&1); then
		echo "netlab: skipped: this kernel cannot make a veth pair ($err)" >&2
		exit 0
	fi
	ip link set "$DEV_C" netns "$NS_C"
	ip link set "$DEV_S" netns "$NS_S"
	in_c ip addr add "$ADDR_C/24" dev "$DEV_C"
	in_s ip addr add "$ADDR_S/24" dev "$DEV_S"
	in_c ip link set lo up
	in_s ip link set lo up
	in_c ip link set "$DEV_C" up
	in_s ip link set "$DEV_S" up
}

# The rule that feeds netdelay's queue (netlab-lab's QUEUE_*): nftables'
# `queue` where the kernel has it (nft_queue), else iptables' NFQUEUE.
queue_rule() { # add|del
	if [ "$HAVE_QUEUE" = nft ] && [ "$1" = del ]; then
		in_s nft delete table ip "$QUEUE_TABLE"
	elif [ "$HAVE_QUEUE" = nft ]; then
		printf '%s\n' "$QUEUE_NFT" | in_s nft -f -
	else
		in_s iptables -t raw "$([ "$1" = add ] && echo -A || echo -D)" PREROUTING \
			"${QUEUE_IPTABLES[@]}"
	fi
}

# What the kernel offers, as options of `ipclab bench plan netlab` (what it
# lacks): netem; else nftables, and a queue for netdelay (HAVE_QUEUE: which).
HAVE_QUEUE='' PLAN_OPTS=()
probe_kernel() {
	local err
	if err=$(in_c tc qdisc add dev "$DEV_C" root netem delay 0ms 2>&1); then
		in_c tc qdisc del dev "$DEV_C" root
		return 0
	fi
	PLAN_OPTS+=(--no-netem "tc netem: ${err//$'\n'/ }")
	if ! have nft; then
		PLAN_OPTS+=(--no-nft "nft is not installed")
	elif err=$(in_c nft add table ip "$NFT_TABLE" 2>&1); then
		in_c nft delete table ip "$NFT_TABLE"
	else
		PLAN_OPTS+=(--no-nft "nftables: ${err//$'\n'/ }")
	fi
	if [ ! -x "$NETDELAY" ]; then
		PLAN_OPTS+=(--no-queue "$NETDELAY is missing (make $NETDELAY)")
		return 0
	fi
	for HAVE_QUEUE in nft iptables ''; do
		[ -n "$HAVE_QUEUE" ] || break
		have "$HAVE_QUEUE" || continue
		queue_rule add 2>/dev/null && queue_rule del 2>/dev/null && break
	done
	if [ -n "$HAVE_QUEUE" ]; then
		PLAN_OPTS+=(--queue "$HAVE_QUEUE")
	else
		PLAN_OPTS+=(--no-queue "neither nftables' queue nor iptables' NFQUEUE works here")
	fi
}

# start_server tcp|udp (again, after it died: its log goes on), with the
# arguments netlab-lab gives (SERVE_tcp, SERVE_udp: why the TCP server waits
# so long for an idle client).  `ip netns exec` execs the server: $! is the
# server itself.
start_server() {
	local t=$1 log=$RUN/server_$1.log n
	local -n args=SERVE_$t
	n=$(grep -c '^listening on ' "$log" 2>/dev/null) || true
	ip netns exec "$NS_S" "$IPCLAB" "${args[@]}" >>"$log" 2>&1 </dev/null &
	SERVER_PID[$t]=$!
	wait_for "$log" "$!" 5 listening_more "$log" "${n:-0}" ||
		die "the $t server did not start listening within 5 s: $(tail -3 "$log")"
}
# listening_more LOG N - LOG says "listening on" more than N times (-s: the
# server may not have opened it yet).
listening_more() {
	local n
	n=$(grep -cs '^listening on ' "$1") || true
	[ "${n:-0}" -gt "$2" ]
}

# problem WHAT TEXT - one line of the condition's problems.tsv (netlab.h).
problem() {
	printf '%s\t%s\n' "$1" "${2//$'\n'/ }" >>"$PROBLEMS"
	say "  problem: $1: $2"
}

# A server that died during a condition: said there, and started again.
check_servers() {
	local t rc
	for t in tcp udp; do
		kill -0 "${SERVER_PID[$t]}" 2>/dev/null && continue
		rc=0
		wait "${SERVER_PID[$t]}" || rc=$?
		problem "$t server" "the $t server exited during this condition (status $rc$([ "$rc" -gt 128 ] && echo ", signal $((rc - 128))")); it was started again for the next one"
		start_server "$t"
	done
}

# The impairments the plan lists (bench/plan_netlab.c says which, how, and
# why one direction only), in the client's (c) or the server's (s)
# namespace; a failure leaves the condition unmeasured.
impair() {
	case $1 in
	netdelay) start_netdelay "${@:2}"; return ;;
	tc) in_"$2" tc "${@:3}" && return 0 ;;
	nft) printf '%s\n' "$3" | in_"$2" nft -f - && return 0 ;;
	esac
	problem link "the condition could not be applied: $HOW"
	return 1
}

# start_netdelay DELAY_MS REORDER_PCT OUT LOG - netdelay holding the client's
# packets in the server's namespace, then the rule that feeds it.  Not
# through in_s: `ip netns exec` must exec netdelay from this shell, so that
# $! is netdelay and its parent is this run.
start_netdelay() {
	local log=$RUN/$4
	NETDELAY_LOG=$log
	ip netns exec "$NS_S" "$NETDELAY" --queue "$QUEUE" --delay "$1" --reorder "$2" \
		>"$RUN/$3" 2>"$log" </dev/null &
	NETDELAY_PID=$!
	wait_for "$log" "$NETDELAY_PID" 5 grep -q '^netdelay: holding' "$log" && queue_rule add && return 0
	problem link "the condition could not be applied: netdelay did not start: $(tail -1 "$log")"
	kill -TERM "$NETDELAY_PID" 2>/dev/null
	wait "$NETDELAY_PID" 2>/dev/null
	NETDELAY_PID=''
	return 1
}

# After the rules (the plan's `undo` lines), netdelay, which lets go of all
# it still holds.
stop_netdelay() {
	local rc=0
	[ -n "$NETDELAY_PID" ] || return 0
	queue_rule del || problem link "could not remove the queue rule"
	if ! kill -TERM "$NETDELAY_PID" 2>/dev/null; then
		wait "$NETDELAY_PID" || rc=$?
		problem netdelay "netdelay exited during the row (status $rc): $(tail -1 "$NETDELAY_LOG")"
	else
		wait "$NETDELAY_PID" || problem netdelay "netdelay did not stop cleanly: $(tail -1 "$NETDELAY_LOG")"
	fi
	NETDELAY_PID=
}

# run_step WHAT LIMIT OUT ARG... - `ipclab ARG...` with its stdout into OUT,
# in the client's namespace, stopped after LIMIT seconds.  A failure is a
# problem of the row, and the run goes on.
run_step() {
	local what=$1 limit=$2 out=$RUN/$3 rc=0 first
	shift 3
	timeout -k 5 "$limit" ip netns exec "$NS_C" "$IPCLAB" "$@" >"$out.part" 2>"$out.err" || rc=$?
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

# greet T FILE - the greeting as a user sends it (UDP may time out).
greet() {
	local out rc=0
	out=$(in_c "$IPCLAB" greet "$1" "netlab" --address "$SERVER" 2>&1) || rc=$?
	printf '%s: %s (exit %d)\n' "$1" "$out" "$rc" >>"$RUN/$2"
	say "  greet $1: $out"
}

# ---- the run -----------------------------------------------------------------
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RUN=$PWD/results/netlab-$STAMP
mkdir -p "$RUN"
IPCLAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/$RUNDIR")
export IPCLAB_DIR
IPCLAB_GIT_REV=$(git describe --always --dirty 2>/dev/null || echo unknown)
export IPCLAB_GIT_REV

say "results in $RUN ($(quick && echo quick || echo full) run)"
remove_stale
build_lab
say "lab: $NS_C ($ADDR_C, $DEV_C) <-> $NS_S ($ADDR_S, $DEV_S), servers on $SERVER"
probe_kernel
"$IPCLAB" bench env --format text >"$RUN/env.txt"
start_server tcp
start_server udp

# The conditions and their steps, as `ipclab bench plan netlab` lists them
# (bench/plan_netlab.c); a condition that could not be applied is not
# measured (SKIP: its steps are passed over, not its undoing).
quick && PLAN_OPTS+=(--quick)
PLAN=$("$IPCLAB" bench plan netlab "$RUN" --id "$ID" "${PLAN_OPTS[@]}") ||
	die "\`ipclab bench plan netlab\` failed"
while IFS=$'\t' read -r -a f; do
	[ -z "$SKIP" ] || case ${f[0]} in condition | append | plot | undo | end) ;; *) continue ;; esac
	case ${f[0]} in
	say) say "${f[1]}" ;;
	append) (IFS=$'\t'; printf '%s\n' "${f[*]:2}") >>"$RUN/${f[1]}" ;;
	condition)
		SKIP='' PROBLEMS=$RUN/${f[2]} HOW=${f[3]}
		mkdir -p "${PROBLEMS%/*}"
		say "${f[1]}: $HOW" ;;
	tc | nft | netdelay) impair "${f[@]}" </dev/null || SKIP=1 ;;
	undo) in_"${f[1]}" "${f[@]:2}" </dev/null 2>/dev/null || true ;;
	greet) greet "${f[@]:1}" </dev/null ;;
	snmp)
		in_c cat /proc/net/snmp >"$RUN/${f[1]}"
		in_s cat /proc/net/snmp >"$RUN/${f[2]}" ;;
	step) run_step "${f[@]:1}" </dev/null ;;
	end) stop_netdelay; check_servers ;;
	plot) SUBTITLE="$(uname -sr), ${STAMP%%T*}, ${f[1]}" ;;
	esac
done <<<"$PLAN"

# The table, whatever happened; its exit status is the run's (netlab.h).
mkdir -p "$RUN/plots"
status=0
"$IPCLAB" bench netlab "$RUN" --data "$RUN/plots/netlab.dat" $STRICT >"$RUN/table.txt" ||
	status=$?
"$IPCLAB" bench netlab "$RUN" --format markdown >"$RUN/table.md" || true
if have gnuplot; then
	gnuplot -c plots/netlab.gp "$RUN/plots/netlab.dat" "$RUN/plots" "$SUBTITLE" ||
		warn "gnuplot plots/netlab.gp failed (data in $RUN/plots/netlab.dat)"
else
	warn "gnuplot is not installed: no plots (data in $RUN/plots/netlab.dat)"
fi
ln -sfn "netlab-$STAMP" results/netlab-latest
cat "$RUN/table.txt"
say "done in $((EPOCHSECONDS - T0))s: $RUN (results/netlab-latest), plots/netlab.png"
exit "$status"
