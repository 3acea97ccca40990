# lib.sh - helpers shared by the `make bench` scripts (sourced, never run).
#
# Conventions: progress and errors go to stderr, results to files under
# $RESULTS_DIR; a failing step stops the run with one line saying what
# failed and where its output is.  Every background server is registered
# in SERVER_PIDS so that the EXIT trap of run.sh stops it, whatever failed.

IPCLAB=${IPCLAB:-./bin/ipclab}
SERVER_PIDS=()
# The columns of every result file (bench/report.h).
CSV_HEADER=kind,transport,mode,size,count,clients,pin,min_us,p50_us,p90_us,p99_us,p999_us,max_us,mean_us,stddev_us,cpu_us_per_op,ctxsw_per_op,mb_per_s,msgs_per_s,cpu_ms_per_mb,lost,errors,note

# Seconds since the run started (run.sh exports BENCH_T0 for its helpers).
: "${BENCH_T0:=$EPOCHSECONDS}"
export BENCH_T0
say()  { printf '[bench %4ds] %s\n' "$((EPOCHSECONDS - BENCH_T0))" "$*" >&2; }
warn() { printf 'bench: warning: %s\n' "$*" >&2; }
die()  { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

have() { command -v "$1" >/dev/null 2>&1; }

# warn_idle ENV_CSV - warn when idle virtual CPUs halt at once (a KVM
# guest's haltpoll with no poll window): then every cross-CPU wake-up is a
# trip through the hypervisor, and the cross-CPU figures time it.  The
# machine's setting is recorded (cpuidle), never changed.
warn_idle() {
	case $(sed -n 's/^# cpuidle: //p' "$1") in
	*"guest_halt_poll_ns 0")
		warn "idle CPUs halt at once (haltpoll, guest_halt_poll_ns 0): a round trip" \
			"across CPUs times the hypervisor's wake-ups, 5 to 10 times a same-CPU" \
			"one (docs/BENCHMARKS.md, \"Idle CPUs\")" ;;
	esac
}

# quick: true when QUICK is set to anything but "" or 0.
quick() { [ -n "${QUICK:-}" ] && [ "$QUICK" != 0 ]; }

# run_logged LOG CMD... - run CMD with stdout and stderr in LOG.  On failure
# say which command failed, with its status and the end of its output.
run_logged() {
	local log=$1 rc=0
	shift
	"$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		printf 'bench: error: `%s` exited with status %d; its output (%s) ends with:\n' \
			"$*" "$rc" "$log" >&2
		tail -n 15 "$log" | sed 's/^/    /' >&2
	fi
	return "$rc"
}

# to_csv OUT CMD... - run an `ipclab bench ...` command that prints CSV,
# into OUT; its stderr (warnings, progress) passes through to ours.
to_csv() {
	local out=$1 rc=0
	shift
	"$@" >"$out.part" || rc=$?
	if [ "$rc" -ne 0 ]; then
		rm -f "$out.part"
		die "\`$*\` exited with status $rc (see its message above)"
	fi
	mv "$out.part" "$out"
}

# rundir_base - where to make a private directory for sockets and FIFOs:
# the first memory file system of $XDG_RUNTIME_DIR and /dev/shm, else
# $TMPDIR or /tmp (on a disk file system, mkfifo(), bind() and unlink() go
# through its journal, and the benchmarks would time that too).
rundir_base() {
	local d
	for d in "${XDG_RUNTIME_DIR:-}" /dev/shm; do
		if [ -n "$d" ] && [ -d "$d" ] && [ -w "$d" ] &&
			[ "$(stat -f -c %T "$d" 2>/dev/null)" = tmpfs ]; then
			echo "$d"
			return
		fi
	done
	echo "${TMPDIR:-/tmp}"
}

# ---- background servers ---------------------------------------------------

# start_bg LOG CMD... - start CMD in the background, output in LOG; the pid
# is left in BG_PID and registered for the cleanup trap.
start_bg() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 </dev/null &
	BG_PID=$!
	SERVER_PIDS+=("$BG_PID")
}

# wait_for LOG PID SECONDS CHECK... - wait until the command CHECK succeeds
# while PID is alive.  Fails (status 1) if PID dies or time runs out.
wait_for() {
	local log=$1 pid=$2 limit=$3 tries
	shift 3
	tries=$((limit * 20))
	while [ "$tries" -gt 0 ]; do
		"$@" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
		tries=$((tries - 1))
	done
	return 1
}

# stop_bg PID - SIGTERM, wait up to 3 s, then SIGKILL; reap it and forget
# it.  Returns the process's exit status (143 for a SIGTERM death).
stop_bg() {
	local pid=$1 rc=0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 60); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		warn "process $pid ignored SIGTERM for 3 s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || rc=$?
	local kept=() p
	for p in "${SERVER_PIDS[@]}"; do
		[ "$p" = "$pid" ] || kept+=("$p")
	done
	SERVER_PIDS=("${kept[@]}")
	return "$rc"
}

stop_all_bg() {
	local p
	for p in "${SERVER_PIDS[@]}"; do
		stop_bg "$p" || true
	done
}

# listening_on LOG - the address an `ipclab serve` printed ("listening on ADDR").
listening_on() { sed -n 's/^listening on //p' "$1" | head -n 1; }
has_listening() { grep -q '^listening on ' "$1"; }

# ---- stolen time ------------------------------------------------------------
# In a VM the hypervisor may run other guests on our CPUs: /proc/stat counts
# that as "steal".  A step that lost more than a few percent of its CPU time
# measured a slower, noisier machine than the others, so every step's share
# is recorded (steal.tsv) and reported in the summary.

# cpu_ticks - "steal total" over all CPUs, in clock ticks, from /proc/stat.
cpu_ticks() {
	awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9 && i <= NF; i++) t += $i
		print (NF >= 9 ? $9 : 0), t; exit }' /proc/stat
}

# steal_begin STEP / steal_end - time one step's stolen share into
# $RESULTS_DIR/steal.tsv (step, steal ticks, all ticks, percent), warning
# when it exceeds STEAL_WARN_PCT.
STEAL_WARN_PCT=5
steal_begin() { STEAL_STEP=$1; STEAL_T0=$(cpu_ticks); }
steal_end() {
	local s0 t0 s1 t1 pct
	read -r s0 t0 <<<"$STEAL_T0"
	read -r s1 t1 <<<"$(cpu_ticks)"
	[ "$t1" -gt "$t0" ] || return 0
	pct=$(awk -v s=$((s1 - s0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.1f", 100 * s / t }')
	printf '%s\t%d\t%d\t%s\n' "$STEAL_STEP" $((s1 - s0)) $((t1 - t0)) "$pct" >>"$RESULTS_DIR/steal.tsv"
	if awk -v p="$pct" -v w="$STEAL_WARN_PCT" 'BEGIN { exit !(p > w) }'; then
		warn "step $STEAL_STEP: the hypervisor took $pct % of the CPU time (steal): its figures come from a slower, noisier machine; compare them with care or run again"
	fi
}

# ---- CSV --------------------------------------------------------------------

# csv_rows FILE... - the data rows of result CSV files: no "# key: value"
# environment lines, no header.
csv_rows() { awk -F, '/^#/ || $1 == "kind" { next } NF { print }' "$@"; }

# csv_get FILE COLUMN - COLUMN (by name) of the first data row of FILE.
csv_get() {
	awk -v op=tsv -f bench/csv.awk "$1" | awk -F'\t' -v col="$2" '
		/^#/ { next }
		$1 == "kind" { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
		c { print $c; exit }'
}

# csv_header FILE - the header line of a result CSV file.
csv_header() { awk -F, '$1 == "kind" { print; exit }' "$1"; }

# csv_set_column FILE COLUMN VALUE - overwrite one column (by name) of every
# data row.  Used to label rows `ipclab bench summarize` wrote (mode, pin).
# Fields are re-quoted as needed (bench/csv.awk).
csv_set_column() {
	awk -v op=set -v col="$2" -v value="$3" -f bench/csv.awk "$1" >"$1.part"
	mv "$1.part" "$1"
}
