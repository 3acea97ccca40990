#!/usr/bin/env bash
# scaling.sh RESULTS_DIR - how each server mode copes with many clients
# (docs/MULTIPLEXING.md).
#
# For every mode (iterative, select, poll, epoll) over unix_stream and tcp:
# start `ipclab serve T --mode M`, run `ipclab load` at 1, 2, 4, ... 1000
# concurrent clients, stop the server.  Reference in the same run: a private
# redis-server, measured with `redis-benchmark -t ping_inline` at the same
# client counts over a Unix socket and loopback TCP.
#
# Writes into RESULTS_DIR:
#   scaling.csv          the load rows, common layout (bench/report.h)
#   redis.csv            the redis rows, same layout (mode "redis")
#   scaling_summary.txt  epoll versus redis at 50 clients: the issue's target
#   scaling.png/.svg     greetings/s and p99 latency versus clients
#   scaling/             server logs and the tables behind the plot
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

MODES="iterative select poll epoll"
TRANSPORTS="unix_stream tcp"
if quick; then
	CLIENTS="1 50 1000"
	TOTAL=6000 MIN_PER_CLIENT=4
else
	CLIENTS="1 2 4 8 16 32 50 64 128 256 512 1000"
	TOTAL=50000 MIN_PER_CLIENT=20
fi
TARGET_CLIENTS=50 # the issue's comparison point with redis
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
logs=$out/scaling
mkdir -p "$logs"
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

csv=$out/scaling.csv
rm -f "$csv"
# load_point T M N [DEST] - one `ipclab load` row appended to DEST (default
# scaling.csv; the first row brings the environment lines and the header).
load_point() {
	local t=$1 m=$2 n=$3 dest=${4:-$csv} req rc=0 part=$logs/load.part
	local err=$logs/load_$1_$2_$3.err
	req=$(per_client "$n")
	timeout "$RUN_LIMIT_S" "$IPCLAB" load "$t" --address "$SRV_ADDR" --clients "$n" \
		--requests "$req" --mode "$m" --timeout "$LOAD_TIMEOUT_MS" --format csv \
		>"$part" 2>"$err" || rc=$?
	if [ "$rc" -eq 124 ]; then
		warn "$t $m, $n clients: stopped after ${RUN_LIMIT_S}s; point left out"
		return 0
	fi
	if ! grep -q '^load,' "$part"; then
		warn "$t $m, $n clients: no result (exit $rc): $(tail -n 1 "$err")"
		return 0
	fi
	[ "$rc" -eq 0 ] || warn "$t $m, $n clients: exit $rc: $(tail -n 1 "$err")"
	[ -s "$err" ] || rm -f "$err"
	if [ -s "$dest" ]; then csv_rows "$part" >>"$dest"; else cat "$part" >"$dest"; fi
	awk -v op=tsv -f bench/csv.awk "$part" | awk -F'\t' -v req="$req" '$1 == "load" {
		printf "    %-11s %-9s %5d clients x %6d: %9.0f greetings/s, p99 %10.1f us%s\n",
			$2, $3, $6, req, $19, $11, ($22 > 0 ? ", " $22 " errors" : "") }' >&2
}

for t in $TRANSPORTS; do
	for m in $MODES; do
		say "scaling: $t, $m server, clients: $CLIENTS"
		[ "$m" = iterative ] && say "scaling: (iterative: all clients connect first and are served one after the other; p99 grows with the clients)"
		start_server "$t" "$m"
		for n in $CLIENTS; do
			load_point "$t" "$m" "$n"
		done
		stop_bg "$SRV_PID" || warn "the $t $m server exited with status $? (log: $logs/serve_${t}_${m}.log)"
	done
done
[ -s "$csv" ] || die "no load point succeeded; see $logs/*.err"

# ---- the redis reference -----------------------------------------------------

redis_csv=$out/redis.csv
rm -f "$redis_csv"
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

# redis_point FAMILY(unix|tcp) N [DEST] - one redis-benchmark run, one row
# appended to DEST (default redis.csv).
redis_point() {
	local fam=$1 n=$2 dest=${3:-$redis_csv} total line rc=0 where
	total=$(( $(per_client "$n") * n ))
	if [ "$fam" = unix ]; then where=(-s "$REDIS_SOCK"); else where=(-h 127.0.0.1 -p "$REDIS_PORT"); fi
	line=$(timeout "$RUN_LIMIT_S" redis-benchmark -t ping_inline -c "$n" -n "$total" --csv \
		"${where[@]}" 2>>"$logs/redis-benchmark.err" | grep '^"PING_INLINE"') || rc=$?
	if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
		warn "redis-benchmark $fam, $n clients: no result (exit $rc; $logs/redis-benchmark.err)"
		return 0
	fi
	# "test","rps","avg","min","p50","p95","p99","max" (milliseconds) -> our
	# columns in microseconds; p90 and p99.9 are not measured (left empty).
	echo "$line" | tr -d '"' | awk -F, -v t="$([ "$fam" = unix ] && echo unix_stream || echo tcp)" \
		-v n="$n" -v total="$total" '{
		printf "load,%s,redis,0,%d,%d,none,%.3f,%.3f,,%.3f,,%.3f,%.3f,,,,,%.3f,,0,0,redis-benchmark ping_inline p95=%.0fus\n",
			t, total, n, $4 * 1000, $5 * 1000, $7 * 1000, $8 * 1000, $3 * 1000, $2, $6 * 1000 }' \
		>>"$dest"
	printf '    %-11s redis     %5d clients x %6d: %9.0f PING/s\n' "$fam" "$n" "$((total / n))" \
		"$(echo "$line" | tr -d '"' | cut -d, -f2)" >&2
}

# redis_start - a private redis-server; sets REDIS_PID (empty: no redis).
REDIS_PID=
redis_start() {
	if ! have redis-server || ! have redis-benchmark; then
		warn "redis-server or redis-benchmark is not installed (Debian packages redis-server and redis-tools): the redis reference is skipped"
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
			say "scaling: redis reference, $(redis-server --version | awk '{ sub(/^v=/, "", $3); print $3 }'), unix socket and 127.0.0.1:$REDIS_PORT"
			return 0
		fi
		stop_bg "$BG_PID" || true
	done
	tail -n 5 "$logs/redis-server.log" >&2
	warn "redis-server did not start (3 tries, log above): reference skipped"
}

redis_start
if [ -n "$REDIS_PID" ]; then
	{
		sed -n '/^#/p' "$csv"
		echo "# reference: redis-benchmark -t ping_inline -c CLIENTS -n COUNT --csv (-s SOCKET | -p PORT)"
		csv_header "$csv"
	} >"$redis_csv"
	for fam in unix tcp; do
		for n in $CLIENTS; do
			redis_point "$fam" "$n"
		done
	done
fi

# ---- the target: epoll at 50 clients versus redis ------------------------------
# The machine may be busy with other work, and a single run of each can be
# off by a factor of two: the comparison alternates the two servers,
# TARGET_REPS times each, and compares the medians.

TARGET_REPS=3
# rate FILE TRANSPORT MODE CLIENTS - msgs_per_s of the rows that match, one a line.
rate() {
	[ -s "$1" ] || return 0
	awk -v op=tsv -f bench/csv.awk "$1" | awk -F'\t' -v t="$2" -v m="$3" -v n="$4" \
		'$1 == "load" && $2 == t && $3 == m && $6 == n { print $19 }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
summary=$out/scaling_summary.txt
target=$logs/target
mkdir -p "$target"
rm -f "$target"/*.rows
{
	echo "epoll server versus redis-server at $TARGET_CLIENTS clients, same socket family"
	echo "(issue 4 target: greetings/s >= redis PING/s, i.e. ratio >= 1)"
} >"$summary"
if [ -n "$REDIS_PID" ]; then
	say "scaling: target check, epoll and redis alternately, $TARGET_REPS runs each at $TARGET_CLIENTS clients"
	for t in $TRANSPORTS; do
		fam=$([ "$t" = tcp ] && echo tcp || echo unix)
		start_server "$t" epoll
		for _ in $(seq "$TARGET_REPS"); do
			load_point "$t" epoll "$TARGET_CLIENTS" "$target/ours_$t.rows"
			redis_point "$fam" "$TARGET_CLIENTS" "$target/redis_$t.rows"
		done
		stop_bg "$SRV_PID" || warn "the $t epoll server exited with status $?"
		ours=$(rate "$target/ours_$t.rows" "$t" epoll "$TARGET_CLIENTS" | median)
		theirs=$(rate "$target/redis_$t.rows" "$t" redis "$TARGET_CLIENTS" | median)
		if [ -n "$ours" ] && [ -n "$theirs" ]; then
			awk -v t="$t" -v a="$ours" -v b="$theirs" -v k="$TARGET_REPS" 'BEGIN {
				printf "%-11s epoll %.0f greetings/s, redis %.0f PING/s (medians of %d): ratio %.2f, %s\n",
					t, a, b, k, a / b, (a >= b ? "target met" : "target NOT met") }'
		else
			echo "$t: no comparison (epoll: ${ours:-no result}, redis: ${theirs:-no result})"
		fi >>"$summary"
	done
	stop_bg "$REDIS_PID" || true
	REDIS_PID=
else
	echo "no redis-server: no comparison" >>"$summary"
fi
rm -f "$logs/load.part"
sed 's/^/    /' "$summary" >&2

# ---- the plot --------------------------------------------------------------------

if ! have gnuplot; then
	warn "gnuplot is not installed: scaling.png not drawn (run \`make deps-bench\`)"
	exit 0
fi
data=$logs/data
mkdir -p "$data"
rm -f "$data"/*.dat
# One table per line of the plot: clients, greetings/s, p99 (us), max (us).
tables=("$csv")
[ -s "$redis_csv" ] && tables+=("$redis_csv")
awk -v op=tsv -f bench/csv.awk "${tables[@]}" |
	awk -F'\t' -v dir="$data" '$1 == "load" && $19 > 0 {
		f = dir "/" $2 "_" $3 ".dat"
		printf "%s %s %s %s\n", $6, $19, $11, $13 >> f
	}'
env_value() { sed -n "s/^# $1: //p" "$csv" | head -n 1; }
date=$(env_value date)
subtitle="$(env_value cpu_model), $(env_value cpus_online) CPUs, $(env_value kernel), ${date%%T*}"
subtitle=$(printf "%s" "$subtitle" | sed 's/[_^@&~{}]/\\&/g')
gnuplot -c plots/scaling.gp "$data" "$out" "$subtitle" "$TOTAL" ||
	die "gnuplot plots/scaling.gp failed (tables in $data)"
say "scaling: $out/scaling.png, $out/scaling.svg, $summary"
