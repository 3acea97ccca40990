#!/usr/bin/env bash
# check.sh - grade the lab exercises (`make lab-check`).
#
#   lab/check.sh [--solution | --dir DIR] [EXERCISE...]
#
# Grades the student's files in lab/work/ (made by `make lab`), with
# --solution the reference solutions in lab/solution/, with --dir the
# files X.c in DIR.  For each exercise:
# build it, run its server and clients under strace with a deadline on
# every process, and check
#   1. the exact bytes of every reply (and exit status 0), a name of 300
#      bytes included: it must get "ERR name too long", never a cut name;
#   2. the server's (or the child's) system calls, in the lecture's order;
#   3. the client's (or the parent's) system calls, in order;
#   4. no descriptor left open at exit, in any process;
#   5. nothing left in the exercise's runtime directory, and the server
#      exited 0 before its deadline.
# Checks 4 and 5 count only once check 1 passed: a program that does
# nothing leaks nothing.  Prints a score per exercise and PASSED or FAILED;
# exits 0 only if every exercise passed, 1 otherwise, 2 on a usage or
# set-up error.  No sleeps: a server is ready when it prints its address,
# and every wait has a deadline (LAB_DEADLINE seconds, default 5).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

LAB=lab
BUILD=${LAB_BUILD:-build/lab}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
DEADLINE=${LAB_DEADLINE:-5}
CC=${CC:-cc}
LABFLAGS="-std=gnu11 -Wall -Wextra -Werror -Wno-unused-variable -Wno-unused-but-set-variable
 -Wno-unused-parameter -Wno-unused-function -O1 -g -static -I$LAB"
ALL="pipe fifo unix_stream unix_dgram tcp udp"

src=$LAB/work; kind=work
case "${1:-}" in
--solution) src=$LAB/solution; kind=solution; shift ;;
--dir) [ $# -ge 2 ] || { echo "check.sh: --dir needs a directory" >&2; exit 2; }
	src=${2%/}; kind=other; shift 2 ;;
esac
exercises=${*:-$ALL}
for x in $exercises; do
	case " $ALL " in *" $x "*) ;; *) echo "check.sh: no exercise '$x' (one of: $ALL)" >&2; exit 2 ;; esac
done
command -v strace >/dev/null || { echo "check.sh: strace is missing: run scripts/deps.sh lab as root" >&2; exit 2; }
if [ ! -d "$src" ]; then
	echo "check.sh: no $src/: run \`make lab\` first to get the exercise files" >&2; exit 2
fi

# The steps each program must make, in order (see lab/strace.awk).
# server: main process of `X server DIR 2`; client: of `X client ADDR NAME`.
declare -A SERVER CLIENT
SERVER[fifo]="mkfifo open=R open=K read(R) open=W write(W) close(W) read(R) open=X write(X) close(X) unlink exit"
CLIENT[fifo]="mkfifo open=S write(S) close(S) open=R read(R) close(R) unlink exit"
SERVER[unix_stream]="socket=L bind(L) listen(L) accept(L)=C read(C) write(C) close(C) accept(L)=D read(D) write(D) close(D) close(L) unlink exit"
CLIENT[unix_stream]="socket=F connect(F) write(F) read(F) close(F) exit"
SERVER[unix_dgram]="socket=F bind(F) recvfrom(F) sendto(F) recvfrom(F) sendto(F) close(F) unlink exit"
CLIENT[unix_dgram]="socket=F bind(F) sendto(F) recvfrom(F) close(F) unlink exit"
SERVER[tcp]="socket=L setsockopt(L) bind(L) listen(L) accept(L)=C read(C) write(C) close(C) accept(L)=D read(D) write(D) close(D) close(L) exit"
CLIENT[tcp]="socket=F connect(F) write(F) read(F) close(F) exit"
SERVER[udp]="socket=F bind(F) recvfrom(F) sendto(F) recvfrom(F) sendto(F) close(F) exit"
CLIENT[udp]="socket=F sendto(F) recvfrom(F) close(F) exit"
# The pipe: one program; main is the parent (client), child the server.
PIPE_PARENT="pipe[Q0,Q1] pipe[P0,P1] fork=K close(Q0) write(Q1) close(Q1) read(P0) close(P0) wait=K exit"
PIPE_CHILD="close(Q1) close(P0) read(Q0) write(P1) exit"

# Run a command with a deadline: timeout puts it in its own process group
# and kills the whole group (strace and the traced program) when it expires.
# Status 124 (or 137 after the KILL) means the deadline passed.
deadline() { timeout -k 1 "$1" "${@:2}"; }
# The reply a name must get (without its "\n"): a name over 255 bytes is
# answered with an error, never cut short.
LONG=$(printf '%0300d' 0 | tr 0 x)
reply_for() { if [ ${#1} -gt 255 ]; then echo "ERR name too long (max 255 bytes)"; else echo "Hello, $1"; fi; }
traced() { local log=$1; shift; strace -f -o "$log" -- "$@"; }

score=0; total=0
verdict() { # verdict OK|FAIL TEXT
	total=$((total + 1))
	if [ "$1" = OK ]; then score=$((score + 1)); printf '    ok    %s\n' "$2"
	else printf '    FAIL  %s\n' "$2"; fi
}
order_check() { # order_check WHAT VERDICTS-FILE ROLE
	local line
	line=$(grep "^order $3 " "$2" | head -n1)
	case "$line" in
	"order $3 ok") verdict OK "$1 system calls in order" ;;
	"") verdict FAIL "$1 system calls: no trace" ;;
	*) local rest=${line#order $3 missing }
	   verdict FAIL "$1 system calls: no successful ${rest%% after *} after ${rest#* after } (expected, in order: $4)" ;;
	esac
}
leak_check() { # leak_check VERDICT-FILES...
	local leaks
	leaks=$(cat "$@" | grep '^leak ' | sed 's/^leak /pid /' | paste -sd';' -)
	if [ -z "$leaks" ]; then verdict OK "no descriptor left open at exit"
	else verdict FAIL "descriptors open at exit: $leaks (close what you open)"; fi
}
expect_reply() { # expect_reply NAME OUTFILE STATUS WHAT
	local want reply
	reply=$(reply_for "$1")
	want=$(printf '%s\n' "$reply" | od -An -c | tr -s ' \n' ' ' | cut -c1-100)
	if [ "$3" -ge 124 ] && [ "$3" -ne 126 ] && [ "$3" -ne 127 ]; then
		echo "timed out after ${DEADLINE}s"; return 1
	fi
	if [ "$3" -ne 0 ]; then echo "$4 exited with status $3"; return 1; fi
	if ! printf '%s\n' "$reply" | cmp -s - "$2"; then
		echo "$4 printed$(od -An -c "$2" | tr -s ' \n' ' ' | cut -c1-100) instead of$want"
		return 1
	fi
}

grade_pipe() { # grade_pipe BIN DIR
	local bin=$1 dir=$2 st why
	( cd "$dir" && deadline "$DEADLINE" strace -f -o trace.log -- "$bin" 'Zoë' >out 2>err ); st=$?
	awk -v main="$PIPE_PARENT" -v child="$PIPE_CHILD" -f $LAB/strace.awk \
		"$dir/trace.log" "$dir/trace.log" >"$dir/verdicts" 2>/dev/null
	if why=$(expect_reply 'Zoë' "$dir/out" "$st" "./pipe"); then
		verdict OK "reply bytes exact: Hello, Zoë\\n"; replied=1
	else
		verdict FAIL "reply: $why$(head -c 200 "$dir/err" | sed 's/^/; stderr: /' | head -n1)"
		replied=0
	fi
	order_check "child (server)" "$dir/verdicts" child "$PIPE_CHILD"
	order_check "parent (client)" "$dir/verdicts" main "$PIPE_PARENT"
	if [ $replied = 1 ]; then leak_check "$dir/verdicts"
	else verdict FAIL "descriptors: not judged until the reply is right"; fi
}

grade_server() { # grade_server EXERCISE BIN DIR
	local x=$1 bin=$2 dir=$3 fd spid line addr st sst why i ok=1
	local -a names=('Ada' 'Zoë')
	# A FIFO client refuses a name too long itself; the others send it.
	[ "$x" = fifo ] || names+=("$LONG")
	mkdir -p "$dir/run"
	exec {fd}< <(cd "$dir" && exec timeout -k 1 $((DEADLINE * 2)) \
		strace -f -o server.log -- "$bin" server "$PWD/run" ${#names[@]} 2>server.err)
	spid=$!
	addr=""; line=""
	read -r -t "$DEADLINE" -u "$fd" line; st=$?
	if [ "${line#listening on }" != "$line" ]; then
		addr=${line#listening on }
	elif [ $st -gt 128 ]; then
		noaddr="the server printed no 'listening on ADDRESS' within ${DEADLINE}s"
	else
		noaddr="the server ended without printing 'listening on ADDRESS'$(head -n1 "$dir/server.err" 2>/dev/null | sed 's/^/: /')"
	fi
	for i in "${!names[@]}"; do
		if [ -z "$addr" ]; then ok=0; why=$noaddr; break; fi
		( cd "$dir" && deadline "$DEADLINE" strace -f -o "client$i.log" -- \
			"$bin" client "$addr" "${names[$i]}" >"out$i" 2>"err$i" ); st=$?
		if ! why=$(expect_reply "${names[$i]}" "$dir/out$i" "$st" "client $i"); then
			why="$why$(head -n1 "$dir/err$i" | sed 's/^/; stderr: /')"
			ok=0; break
		fi
	done
	[ -n "$addr" ] || kill "$spid" 2>/dev/null
	wait "$spid"; sst=$?
	exec {fd}<&-
	if [ $ok = 1 ]; then verdict OK "reply bytes exact for 'Ada', 'Zoë'$([ ${#names[@]} -gt 2 ] && echo " and a name of 300 bytes (an error)")"
	else verdict FAIL "reply: $why"; fi
	for f in server client0; do
		[ -f "$dir/$f.log" ] || : >"$dir/$f.log"
		awk -v main="$([ $f = server ] && echo "${SERVER[$x]}" || echo "${CLIENT[$x]}")" \
			-f $LAB/strace.awk "$dir/$f.log" "$dir/$f.log" >"$dir/$f.verdicts" 2>/dev/null
	done
	order_check server "$dir/server.verdicts" main "${SERVER[$x]}"
	order_check client "$dir/client0.verdicts" main "${CLIENT[$x]}"
	if [ $ok = 1 ]; then
		for f in "$dir"/client[1-9].log; do
			awk -f $LAB/strace.awk "$f" "$f" >"${f%.log}.verdicts"
		done
		leak_check "$dir"/*.verdicts
		local left
		left=$(ls -A "$dir/run")
		if [ "$sst" -ge 124 ] && [ "$sst" -ne 126 ] && [ "$sst" -ne 127 ]; then
			verdict FAIL "server still running after $((DEADLINE * 2))s (it must exit after COUNT requests)"
		elif [ "$sst" -ne 0 ]; then
			verdict FAIL "server exited with status $sst$(head -n1 "$dir/server.err" | sed 's/^/: /')"
		elif [ -n "$left" ]; then
			verdict FAIL "left in the runtime directory: $(echo $left)"
		else
			verdict OK "server exited 0 and left the runtime directory empty"
		fi
	else
		verdict FAIL "descriptors: not judged until the replies are right"
		verdict FAIL "exit and clean-up: not judged until the replies are right"
	fi
}

mkdir -p "$BUILD/$kind"
failed=""
case $kind in
work) what="your exercises" ;; solution) what="the reference solutions" ;; *) what="the exercises" ;;
esac
printf 'Grading %s in %s/\n' "$what" "$src"
for x in $exercises; do
	score=0; total=0
	bin=$BUILD/$kind/$x
	dir=$BUILD/$kind/$x.run
	rm -rf "$dir"; mkdir -p "$dir"
	echo "== $x"
	if ! $CC $LABFLAGS -o "$bin" "$src/$x.c" 2>"$dir/cc.err"; then
		sed 's/^/    /' "$dir/cc.err" | head -n 20
		total=$([ $x = pipe ] && echo 4 || echo 5)
		printf '    FAIL  does not compile\n'
	elif [ $x = pipe ]; then
		grade_pipe "$bin" "$dir"
	else
		grade_server "$x" "$bin" "$dir"
	fi
	pct=$((100 * score / total))
	if [ "$score" -eq "$total" ]; then res=PASSED; else res=FAILED; failed="$failed $x"; fi
	printf '%-12s %d/%d  %3d%%  %s\n' "$x" "$score" "$total" "$pct" "$res"
done
if [ -n "$failed" ]; then echo "FAILED:$failed"; exit 1; fi
echo "all exercises PASSED"
