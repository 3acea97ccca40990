#!/usr/bin/env bash
# trace.sh - the real system calls of each transport's demo (`make trace`).
#
#   lab/trace.sh [--update] [TRANSPORT...]
#
# Without TRANSPORT: each transport that has a reference in lab/traces/.
# Runs `ipclab demo X` under `strace -f`, keeps the calls of IPC and I/O,
# makes the log stable (lab/trace-normalize.awk: placeholders for pids,
# ports, tags, the runtime directory, times) and writes build/trace/X.trace.
# Then compares it with the reference in lab/traces/X.trace; --update
# rewrites the reference instead.  The comparison ignores only what the
# kernel's timing decides: how often a non-blocking call found nothing yet
# (EAGAIN, EINPROGRESS), the poll()/epoll_wait() calls that waited for it,
# and whether a read() saw end of file (or a reset, ECONNRESET) before the
# stop signal arrived.
# Exits 1 if a trace differs from its reference.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
update=0
[ "${1:-}" = --update ] && { update=1; shift; }
# Default: every transport with a reference (a new one: name it, with --update).
transports=${*:-$(for f in lab/traces/*.trace; do basename "$f" .trace; done)}
out=build/trace
mkdir -p "$out"
calls=%network,read,write,close,pipe2,mknodat,openat,unlink,unlinkat,newfstatat,mkdir,rmdir
calls=$calls,poll,ppoll,epoll_create1,epoll_ctl,epoll_wait,clone,clone3,wait4,kill,exit_group
# ZeroMQ's transports: the socket calls of the two processes and their
# threads' creation only.  Its dynamically linked program (ipclab-zmq)
# loads libraries wherever this machine keeps them, and its own threads
# wake each other through eventfds as their timing decides.
zmq_calls=%network,unlink,clone,clone3,wait4,kill,exit_group

# Runs "$@" with no descriptor open past stderr: what the caller happened to
# leave open (a CI runner's, a shell's, make's jobserver) would otherwise
# shift every descriptor number in the trace.
without_inherited_fds() {
	(
		for fd in /proc/"$BASHPID"/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
		done
		exec "$@"
	)
}

# What must match: everything but the kernel's timing.
stable() {
	grep -v -e '= -1 EAGAIN' -e '= -1 EINPROGRESS' -e '= -1 ECONNRESET' -e '^\[[^]]*\] read([0-9]*, "", [0-9]*) = 0$' -e '^\[[^]]*\] \(poll\|ppoll\|epoll_wait\)(' \
		-e 'getsockopt([0-9]*, SOL_SOCKET, SO_ERROR' "$1"
}

# A runtime directory of our own: its path becomes $RUNDIR in the traces.
rundir=$(mktemp -d "${TMPDIR:-/tmp}/ipclab-trace.XXXXXX") || exit 2
trap 'rm -rf "$rundir"' EXIT
differ=""
for t in $transports; do
	raw=$out/$t.raw
	rm -rf "$rundir/ipclab"; mkdir -m 0700 "$rundir/ipclab" || exit 2
	case $t in zmq_*) traced=$zmq_calls ;; *) traced=$calls ;; esac
	if ! IPCLAB_DIR=$rundir/ipclab without_inherited_fds timeout 20 strace -f -qq -s 64 -o "$raw" -e trace="$traced" \
		./bin/ipclab demo "$t" </dev/null >/dev/null; then
		echo "trace.sh: ipclab demo $t failed under strace (see $raw)" >&2
		differ="$differ $t"; continue
	fi
	awk -v rundir="$rundir/ipclab" -f lab/trace-normalize.awk "$raw" "$raw" >"$out/$t.trace"
	if [ $update = 1 ]; then
		cp "$out/$t.trace" "lab/traces/$t.trace"
		echo "updated  lab/traces/$t.trace ($(wc -l <"$out/$t.trace") calls)"
	elif [ ! -f "lab/traces/$t.trace" ]; then
		echo "trace.sh: no reference lab/traces/$t.trace (make trace UPDATE=1)" >&2
		differ="$differ $t"
	elif diff -u <(stable "lab/traces/$t.trace") <(stable "$out/$t.trace") >"$out/$t.diff"; then
		echo "same     $out/$t.trace ($(wc -l <"$out/$t.trace") calls) as lab/traces/$t.trace"
	else
		echo "DIFFERS  $out/$t.trace from lab/traces/$t.trace:"
		sed 's/^/    /' "$out/$t.diff" | head -n 40
		differ="$differ $t"
	fi
done
[ -z "$differ" ] || { echo "traces that differ or failed:$differ"; exit 1; }
