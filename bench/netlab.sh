#!/usr/bin/env bash
# netlab.sh - `make netlab` (docs/NETLAB.md): TCP and UDP between two
# network namespaces joined by a veth pair, first over a clean link, then
# over one that loses, delays, reorders or duplicates packets.
#
#   bench/netlab.sh            1,000 round trips per transport and condition: 4 minutes
#   QUICK=1 bench/netlab.sh    100 of them, in under a minute (CI)
#
# Needs root (namespaces, links, packet filters); without it, it says so and
# exits 0 having done nothing.  Impairments come from the kernel: tc netem
# when the kernel has sch_netem, else nftables for loss and duplication;
# what the kernel cannot do is skipped with a line saying so.  Everything it
# creates (namespaces, the veth pair, qdiscs, nftables tables, servers, the
# runtime directory) is removed at the end, on Ctrl-C and on any failure.
# Results: results/netlab-<UTC time>/ (results/netlab-latest: the newest).
set -euo pipefail
cd "$(dirname "$0")/.."

say()  { printf '[netlab %4ds] %s\n' "$((EPOCHSECONDS - T0))" "$*" >&2; }
warn() { printf 'netlab: warning: %s\n' "$*" >&2; }
die()  { printf 'netlab: error: %s\n' "$*" >&2; exit 1; }
T0=$EPOCHSECONDS

if [ "$(id -u)" -ne 0 ]; then
	echo "netlab: skipped: building the lab needs root (network namespaces, a veth" \
		"link, tc and nftables); run \`sudo make netlab\`. Nothing was changed." >&2
	exit 0
fi

IPCLAB=${IPCLAB_BIN:-$PWD/bin/ipclab}
[ -x "$IPCLAB" ] || die "$IPCLAB is missing; build it first with \`make\`"
scripts/deps.sh --check netlab || die "the packages netlab needs are missing (see above)"

quick() { [ -n "${QUICK:-}" ] && [ "$QUICK" != 0 ]; }
if quick; then TRIPS=100 LOAD_REQUESTS=25; else TRIPS=1000 LOAD_REQUESTS=200; fi
LOAD_CLIENTS=4 LOAD_PIPELINE=4

# The two hosts.  The addresses come from TEST-NET-2 (RFC 5737), which is
# never routed: they exist only inside the two namespaces, which have no
# other interface and no default route, so no packet can leave them.
ID=$$
PREFIX=ipclab-netlab
NS_C=$PREFIX-$ID-client NS_S=$PREFIX-$ID-server
DEV_C=ipl${ID}c DEV_S=ipl${ID}s
ADDR_C=198.51.100.1 ADDR_S=198.51.100.2
PORT=7411
SERVER=$ADDR_S:$PORT
NFT_TABLE=ipclab_netlab
in_c() { ip netns exec "$NS_C" "$@"; }
in_s() { ip netns exec "$NS_S" "$@"; }

# ---- cleanup: whatever happens, nothing stays ------------------------------
SERVER_PIDS=()
CREATED_NS=()
IPCLAB_DIR=
cleanup() {
	local rc=$? pid ns
	trap - EXIT INT TERM
	for pid in "${SERVER_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${SERVER_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	for ns in "${CREATED_NS[@]}"; do
		# Anything still running in there was started by this run (a
		# client cut short): a namespace lives as long as its processes.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null || true
		done
		# Each namespace holds its end of the link, its qdisc and its
		# nftables table: deleting it deletes them.  Said anyway, in
		# case a kernel keeps the namespace alive a little longer.
		ip netns exec "$ns" nft delete table ip "$NFT_TABLE" 2>/dev/null || true
		ip netns exec "$ns" tc qdisc del dev "$DEV_C" root 2>/dev/null || true
		ip netns exec "$ns" tc qdisc del dev "$DEV_S" root 2>/dev/null || true
		ip netns delete "$ns" 2>/dev/null || warn "could not delete namespace $ns"
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

# A run killed with SIGKILL cannot clean up: its namespaces (and a veth end
# not yet moved) carry its process id; remove those of runs that are gone.
remove_stale() {
	local ns pid dev p dir
	for ns in $(ip netns list 2>/dev/null | cut -d' ' -f1); do
		case "$ns" in "$PREFIX"-*-client | "$PREFIX"-*-server) ;; *) continue ;; esac
		pid=${ns#"$PREFIX"-}
		pid=${pid%-*}
		if [ "$pid" != "$ID" ] && ! kill -0 "$pid" 2>/dev/null; then
			say "removing namespace $ns, left by an earlier run that was killed"
			# Its servers are still in there, and keep it alive.
			for p in $(ip netns pids "$ns" 2>/dev/null); do
				kill -KILL "$p" 2>/dev/null || true
			done
			ip netns delete "$ns" || warn "could not delete stale namespace $ns"
		fi
	done
	for dir in "${TMPDIR:-/tmp}/$PREFIX"-*.*; do
		[ -d "$dir" ] || continue
		pid=${dir##*/"$PREFIX"-}
		pid=${pid%%.*}
		if [ "$pid" != "$ID" ] && ! kill -0 "$pid" 2>/dev/null; then
			rm -rf "$dir"
		fi
	done
	for dev in $(ip -o link show 2>/dev/null | sed -n 's/^[0-9]*: \(ipl[0-9]*[cs]\)@.*/\1/p'); do
		pid=${dev#ipl}
		pid=${pid%?}
		if [ "$pid" != "$ID" ] && ! kill -0 "$pid" 2>/dev/null; then
			say "removing link $dev, left by an earlier run that was killed"
			ip link delete "$dev" || warn "could not delete stale link $dev"
		fi
	done
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

# What the kernel offers: netem, else nftables, else nothing.
HAVE_NETEM=0 HAVE_NFT=0 NETEM_WHY='' NFT_WHY=''
probe_kernel() {
	local err
	if err=$(in_c tc qdisc add dev "$DEV_C" root netem delay 0ms 2>&1); then
		HAVE_NETEM=1
		in_c tc qdisc del dev "$DEV_C" root
	else
		NETEM_WHY="tc netem: ${err//$'\n'/ }"
	fi
	if ! command -v nft >/dev/null 2>&1; then
		NFT_WHY="nft is not installed"
	elif err=$(in_c nft add table ip "$NFT_TABLE" 2>&1); then
		HAVE_NFT=1
		in_c nft delete table ip "$NFT_TABLE"
	else
		NFT_WHY="nftables: ${err//$'\n'/ }"
	fi
	if [ "$HAVE_NETEM" = 1 ]; then
		say "impairments: tc netem (the kernel has sch_netem)"
	elif [ "$HAVE_NFT" = 1 ]; then
		say "impairments: nftables for loss and duplication ($NETEM_WHY)"
	else
		say "impairments: none available ($NETEM_WHY; $NFT_WHY): only the clean link runs"
	fi
}

start_servers() {
	local log
	for t in tcp udp; do
		log=$RUN/server_$t.log
		# `ip netns exec` execs the server: $! is the server itself.
		if [ "$t" = tcp ]; then
			ip netns exec "$NS_S" "$IPCLAB" serve tcp --address "$SERVER" --mode epoll \
				>"$log" 2>&1 </dev/null &
		else
			ip netns exec "$NS_S" "$IPCLAB" serve udp --address "$SERVER" >"$log" 2>&1 </dev/null &
		fi
		SERVER_PIDS+=("$!")
		for _ in $(seq 100); do
			grep -q '^listening on ' "$log" && break
			kill -0 "$!" 2>/dev/null || die "the $t server did not start: $(cat "$log")"
			sleep 0.05
		done
		grep -q '^listening on ' "$log" || die "the $t server is not listening after 5 s: $(cat "$log")"
	done
}

# impair NAME LOSS DELAY DUP REORDER - apply one condition to the packets
# from the client to the server, or say why not.  Sets HOW.  One direction
# only: the requests (and TCP's data segments) meet the bad link, the
# replies and TCP's acknowledgements come back clean, so a TCP sender's
# retransmission timer, which doubles with each loss of the same segment,
# does not turn a 30 % link into minutes of silence.
impair() {
	local loss=$2 delay=$3 dup=$4 reorder=$5 args=()
	HOW=none
	[ "$loss$delay$dup$reorder" != 0000 ] || return 0
	if [ "$HAVE_NETEM" = 1 ]; then
		[ "$delay" = 0 ] || args+=(delay "${delay}ms")
		[ "$loss" = 0 ] || args+=(loss "$loss%")
		[ "$dup" = 0 ] || args+=(duplicate "$dup%")
		[ "$reorder" = 0 ] || args+=(reorder "$reorder%" 50%)
		in_c tc qdisc add dev "$DEV_C" root netem "${args[@]}"
		HOW="tc netem on the client's end of the link: netem ${args[*]}"
		return 0
	fi
	if [ "$delay" != 0 ] || [ "$reorder" != 0 ]; then
		HOW="skipped: holding packets back (delay, reordering) needs tc netem, absent here ($NETEM_WHY); nftables only drops and copies"
		return 1
	fi
	if [ "$HAVE_NFT" != 1 ]; then
		HOW="skipped: no netem ($NETEM_WHY) and no nftables ($NFT_WHY)"
		return 1
	fi
	# Packets are dropped as they arrive, in the server's namespace: a
	# drop on the way out would fail the client's send() with EPERM, which
	# no real link does.  Copies are made as they leave the client.
	HOW="nftables (tc netem absent):"
	if [ "$loss" != 0 ]; then
		in_s nft -f - <<-EOF
		table ip $NFT_TABLE {
			chain in {
				type filter hook prerouting priority 0; policy accept;
				ip saddr $ADDR_C numgen random mod 100 < $loss drop
			}
		}
		EOF
		HOW+=" server's prerouting: numgen random mod 100 < $loss drop"
	fi
	if [ "$dup" != 0 ]; then
		in_c nft -f - <<-EOF
		table ip $NFT_TABLE {
			chain out {
				type filter hook output priority 0; policy accept;
				ip daddr $ADDR_S numgen random mod 100 < $dup dup to $ADDR_S device "$DEV_C"
			}
		}
		EOF
		HOW+=" client's output: numgen random mod 100 < $dup dup to the server"
	fi
}

unimpair() {
	if [ "$HAVE_NETEM" = 1 ]; then
		in_c tc qdisc del dev "$DEV_C" root 2>/dev/null || true
	fi
	if [ "$HAVE_NFT" = 1 ]; then
		in_c nft delete table ip "$NFT_TABLE" 2>/dev/null || true
		in_s nft delete table ip "$NFT_TABLE" 2>/dev/null || true
	fi
}

# run_step LOG CMD... - CMD's stdout into LOG; a failure stops the run.
run_step() {
	local out=$1 rc=0 cmd
	shift
	"$@" >"$out.part" 2>"$out.err" || rc=$?
	if [ "$rc" -ne 0 ]; then
		cmd="$*"
		# shellcheck disable=SC2016 # the backquotes are text
		printf 'netlab: error: `%s` exited with status %d:\n' \
			"${cmd/#in_c /ip netns exec $NS_C }" "$rc" >&2
		sed 's/^/    /' "$out.err" >&2
		exit 1
	fi
	mv "$out.part" "$out"
	# Unpinned and spread out is what a lossy link's round trips are: only
	# the other warnings (the datagrams' counts) are worth repeating.
	grep -v 'run unpinned\|high spread' "$out.err" | sed 's/^/    /' >&2 || true
	rm -f "$out.err"
}

# measure NAME LOSS DELAY DUP REORDER
measure() {
	local name=$1 delay=$3 dir=$RUN/$1 t wait_ms rc out
	mkdir -p "$dir"
	if ! impair "$@"; then
		say "$name: $HOW"
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" "$HOW" >>"$RUN/conditions.tsv"
		return 0
	fi
	say "$name: $HOW"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" "$HOW" >>"$RUN/conditions.tsv"
	# A UDP reply later than this is given up on, and the request resent.
	wait_ms=$((100 + 2 * delay))
	# No warm-up round trips: every request counts, from the first packet
	# (its address resolution included), so that sent and delivered add up.
	# The greeting as a user sends it: UDP may time out (3 tries in 3 s).
	for t in tcp udp; do
		rc=0
		out=$(in_c "$IPCLAB" greet "$t" "netlab" --address "$SERVER" 2>&1) || rc=$?
		printf '%s: %s (exit %d)\n' "$t" "$out" "$rc" >>"$dir/greet.txt"
		say "  greet $t: $out"
	done
	in_c cat /proc/net/snmp >"$dir/snmp_client_before"
	in_s cat /proc/net/snmp >"$dir/snmp_server_before"
	say "  latency tcp: $TRIPS round trips"
	run_step "$dir/tcp_latency.csv" in_c "$IPCLAB" bench latency tcp --address "$SERVER" \
		--count "$TRIPS" --warmup 0 --format csv
	in_c cat /proc/net/snmp >"$dir/snmp_client_after"
	in_s cat /proc/net/snmp >"$dir/snmp_server_after"
	say "  latency udp: $TRIPS round trips, resent after $wait_ms ms"
	run_step "$dir/udp_latency.csv" in_c "$IPCLAB" bench latency udp --address "$SERVER" \
		--count "$TRIPS" --warmup 0 --timeout "$wait_ms" --format csv
	say "  load tcp: $LOAD_CLIENTS clients x $LOAD_REQUESTS greetings, $LOAD_PIPELINE in flight each"
	run_step "$dir/tcp_load.csv" in_c "$IPCLAB" load tcp --address "$SERVER" \
		--clients "$LOAD_CLIENTS" --requests "$LOAD_REQUESTS" --pipeline "$LOAD_PIPELINE" \
		--timeout 60000 --mode epoll --format csv
	unimpair
}

# ---- the run -----------------------------------------------------------------
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RUN=$PWD/results/netlab-$STAMP
mkdir -p "$RUN"
IPCLAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/$PREFIX-$ID.XXXXXX")
export IPCLAB_DIR
IPCLAB_GIT_REV=$(git describe --always --dirty 2>/dev/null || echo unknown)
export IPCLAB_GIT_REV

say "results in $RUN ($(quick && echo quick || echo full) run)"
remove_stale
build_lab
say "lab: $NS_C ($ADDR_C, $DEV_C) <-> $NS_S ($ADDR_S, $DEV_S), servers on $SERVER"
probe_kernel
"$IPCLAB" bench env --format text >"$RUN/env.txt"
start_servers
printf '# name\tloss_pct\tdelay_ms\tdup_pct\treorder_pct\thow\n' >"$RUN/conditions.tsv"

#       name     loss delay dup reorder
measure clean    0    0     0   0
measure loss1    1    0     0   0
measure loss10   10   0     0   0
measure loss30   30   0     0   0
measure delay20  0    20    0   0
measure reorder  0    10    0   25
measure dup10    0    0     10  0

mkdir -p "$RUN/plots"
"$IPCLAB" bench netlab "$RUN" --data "$RUN/plots/netlab.dat" >"$RUN/table.txt" ||
	die "\`ipclab bench netlab $RUN\` failed"
"$IPCLAB" bench netlab "$RUN" --format markdown >"$RUN/table.md"
if command -v gnuplot >/dev/null 2>&1; then
	subtitle="$(uname -sr), ${STAMP%%T*}, $TRIPS round trips per point"
	gnuplot -c plots/netlab.gp "$RUN/plots/netlab.dat" "$RUN/plots" "$subtitle" ||
		die "gnuplot plots/netlab.gp failed (data in $RUN/plots/netlab.dat)"
else
	warn "gnuplot is not installed: no plots (data in $RUN/plots/netlab.dat)"
fi
ln -sfn "netlab-$STAMP" results/netlab-latest
cat "$RUN/table.txt"
say "done in $((EPOCHSECONDS - T0))s: $RUN (results/netlab-latest), plots/netlab.png"
