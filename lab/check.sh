#!/usr/bin/env bash
# check.sh - grade the lab exercises (`make lab-check`).
#
#   lab/check.sh [--solution | --dir DIR] [EXERCISE...]
#   lab/check.sh --table          the table of checks, in Markdown (the
#                                 handout's "How it is graded" is made of it)
#   lab/check.sh --compile-line   the compile command the grader uses
#
# Grades the student's files in lab/work/ (made by `make lab`), with
# --solution the reference solutions in lab/solution/, with --dir the
# files X.c in DIR.  Each exercise is built with the handout's compile line,
# then run against itself (its own client and server, under strace) and
# against reference peers: the reference solutions built with
# -DLAB_REFERENCE (they split what they write and read byte by byte, see
# lab.h) and lab/peer.c (a server that never answers, a crowd of waiting
# clients).  The checks, their points and what each checks are the table
# CHECKS below.  Every process runs under lab/reaper.c: a deadline, and none
# of its processes left behind, even one that called setsid().
#
# A failed check prints what was expected, what happened, and where to
# look (the TODO).  Prints points per check, per exercise and a total;
# exits 0 only if every exercise graded passed, 1 otherwise, 2 on a usage
# or set-up error.  No sleeps: a server is ready when it prints its
# address, and every wait has a deadline (LAB_DEADLINE seconds for a
# client, default 5; twice that for a server).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

LAB=lab
BUILD=${LAB_BUILD:-build/lab}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
DEADLINE=${LAB_DEADLINE:-5}
SERVER_DEADLINE=$((DEADLINE * 2))
CC=${CC:-cc}
# The handout's compile line (a test checks that the handout shows it).
CFLAGS_LAB="-std=gnu11 -Wall -Wextra -g -I$LAB"
ALL="pipe fifo unix_stream unix_dgram tcp udp"
SERVERS="fifo unix_stream unix_dgram tcp udp"

# The checks: id | exercises | points | title | what it checks.  The
# handout's grading section is this table (`check.sh --table`); @D@ and
# @SD@ stand for the client's and the server's deadline.
CHECKS=$(cat <<'EOF'
reply|all|3|replies, your pair|Your client against your server (for the pipe, your parent against your child): the exact bytes of the replies to `Ada` and `Zoë` (`Hello, Ada\n`: the newline counts), every client exiting with status 0.
server-calls|all|2|the server's system calls|Under `strace`, the server's steps (the child's, for the pipe) in the lecture's order: an ordered subsequence, other calls may come in between, but these must succeed, in this order, on the right descriptors.
client-calls|all|2|the client's system calls|The same for the client (the parent, for the pipe).
edges|all|2|names at the edges|A name of 255 bytes gets its greeting; one of 256 bytes gets `ERR name too long (max 255 bytes)\n`, never a name cut short (the FIFO client refuses it itself: a status other than 0); a name full of `%` directives and three random names (spaces, UTF-8, quotes) come back byte for byte.
ref-client|fifo unix_stream unix_dgram tcp udp|2|your server, the reference client|The reference client writes its request in three pieces (on a stream) and reads the reply one byte at a time, to end of file: a server that reads its request with one `read()`, or sends a byte after the `\n`, fails.
ref-server|fifo unix_stream unix_dgram tcp udp|2|your client, the reference server|The reference server writes its reply in three pieces, each once the client has read the one before: a client that reads its reply with one `read()` gets `H`.
several|fifo unix_stream unix_dgram tcp udp|2|several clients at once|Five of your clients wait together on your server, paused until all five have sent; each must get its own reply (a client that uses a fixed path of its own fails here).
backlog|unix_stream tcp|1|clients waiting in the backlog|While your server is busy with a client that says nothing, four more clients connect without blocking; then all five are served.
restart|tcp|1|a restart on the same port|Your server is started again at once on the port it just used (`LAB_PORT`), while its last connection waits in TIME_WAIT.
existing-path|fifo unix_stream unix_dgram|1|a path that is not yours|With a file already at the server's path, your server must refuse to start (a status other than 0) and leave the file alone: never a blind `unlink()` before `bind()` or `mkfifo()`.
silent-server|unix_dgram udp|2|a server that never answers|Your client must give up by itself within @D@ s: a status other than 0 and a line on stderr saying that no reply came (it mentions "reply" or "time").
leaks|all|2|no descriptor left open|No process (server, every client, parent, child) has a descriptor past stderr (2) open when it exits.
clean-exit|all|1|a clean end|The server (the parent, for the pipe) exits with status 0 before its deadline of @SD@ s, nothing is left in the exercise's directory, and no process it started is still running, not even one that called `setsid()`.
EOF
)
declare -A POINTS TITLE APPLIES
CHECK_IDS=()
while IFS='|' read -r id applies pts title what; do
	CHECK_IDS+=("$id"); POINTS[$id]=$pts; TITLE[$id]=$title
	[ "$applies" = all ] && applies=$ALL
	APPLIES[$id]=" $applies "
done <<<"$CHECKS"
applies() { [[ "${APPLIES[$1]}" == *" $2 "* ]]; }
exercise_points() { local t=0 id; for id in "${CHECK_IDS[@]}"; do applies "$id" "$1" && t=$((t + POINTS[$id])); done; echo $t; }
fill() { sed -e "s/@D@/$DEADLINE/g" -e "s/@SD@/$SERVER_DEADLINE/g"; }

print_table() {
	local all=0 x id per=""
	for x in $ALL; do per="$per${per:+, }$x $(exercise_points $x)"; all=$((all + $(exercise_points $x))); done
	echo "| check | points | exercises | what is checked |"
	echo "|---|---|---|---|"
	while IFS='|' read -r id applies pts title what; do
		[ "$applies" = all ] && applies="all six" || applies=$(echo "$applies" | sed 's/ /, /g')
		printf '| **%s** | %s | %s | %s |\n' "$title" "$pts" "$applies" "$what"
	done <<<"$CHECKS" | fill
	echo
	echo "Points per exercise: $per; $all in all. An exercise passes with all its points."
	echo "A client is stopped after $DEADLINE s and a server after $SERVER_DEADLINE s: a program that"
	echo "hangs fails, and nothing is ever passed after a time-out."
}

case "${1:-}" in
--table) print_table; exit 0 ;;
--compile-line) echo "cc $CFLAGS_LAB -o PROG lab/work/X.c"; exit 0 ;;
esac

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

# The steps each program must make, in order (see lab/strace.awk), each
# with the TODO that makes it (@N).  server: the main process of `X server
# DIR 2`; client: of `X client ADDRESS NAME`.
declare -A SERVER CLIENT
SERVER[fifo]="mkfifo@1 open{O_RDONLY}=reader@2 open{O_WRONLY}=keep-alive_writer@3 read(reader) open=reply_FIFO@4 write(reply_FIFO) close(reply_FIFO)@5 read(reader) open=second_reply_FIFO@4 write(second_reply_FIFO) close(second_reply_FIFO)@5 unlink@7 exit"
CLIENT[fifo]="mkfifo@8 open{O_WRONLY}=server_FIFO@9 write(server_FIFO) close(server_FIFO)@10 open{O_RDONLY}=reply_FIFO@11 read(reply_FIFO) close(reply_FIFO)@12 unlink@12 exit"
SERVER[unix_stream]="socket=listening_socket@1 bind(listening_socket)@2 listen(listening_socket)@3 accept(listening_socket)=data_socket@4 read(data_socket) write(data_socket) close(data_socket)@5 accept(listening_socket)=second_data_socket@4 read(second_data_socket) write(second_data_socket) close(second_data_socket)@5 close(listening_socket)@6 unlink@7 exit"
CLIENT[unix_stream]="socket=socket@8 connect(socket)@9 write(socket) read(socket) close(socket)@10 exit"
SERVER[unix_dgram]="socket=socket@1 bind(socket)@2 recvfrom(socket)@3 sendto(socket)@4 recvfrom(socket)@3 sendto(socket)@4 close(socket)@5 unlink@5 exit"
CLIENT[unix_dgram]="socket=socket@6 bind(socket)@7 sendto(socket)@8 recvfrom(socket)@9 close(socket)@10 unlink@10 exit"
SERVER[tcp]="socket=listening_socket@1 setsockopt(listening_socket){SO_REUSEADDR}@2 bind(listening_socket)@2 listen(listening_socket)@3 accept(listening_socket)=data_socket@4 read(data_socket) write(data_socket) close(data_socket)@5 accept(listening_socket)=second_data_socket@4 read(second_data_socket) write(second_data_socket) close(second_data_socket)@5 close(listening_socket)@6 exit"
CLIENT[tcp]="socket=socket@7 connect(socket)@8 write(socket) read(socket) close(socket)@9 exit"
SERVER[udp]="socket=socket@1 bind(socket)@2 recvfrom(socket)@3 sendto(socket)@4 recvfrom(socket)@3 sendto(socket)@4 close(socket)@5 exit"
CLIENT[udp]="socket=socket@6 sendto(socket)@7 recvfrom(socket)@8 close(socket)@9 exit"
# The pipe: one program; main is the parent (the client), the child the server.
SERVER[pipe]="close(request_write_end)@6 close(reply_read_end)@6 read(request_read_end) write(reply_write_end) exit@7"
CLIENT[pipe]="pipe[request_read_end,request_write_end]@1 pipe[reply_read_end,reply_write_end]@1 fork=child_pid@2 close(request_read_end)@3 write(request_write_end) close(request_write_end)@4 read(reply_read_end) close(reply_read_end)@5 wait=child_pid@5 exit"

# Where to look when a check fails: "EXERCISE:CHECK".
declare -A WHERE=(
[pipe:reply]="TODO 1 to 7: both pipes before fork(), each process closing the ends it does not use"
[pipe:edges]="TODO 3 and 4: the name goes down the request pipe whole, and closing its write end ends it"
[pipe:leaks]="TODO 3 and 5 (the parent), TODO 6 and 7 (the child): close every end you own"
[pipe:clean-exit]="TODO 5: waitpid() for the child; TODO 7: the child leaves with _exit(0); a process you start must end before your program does"
[fifo:reply]="TODO 1 to 12"
[fifo:ref-client]="TODO 4 and 5: open the client's reply FIFO, write all the reply, close it (the client reads to end of file)"
[fifo:ref-server]="TODO 11: the reply is read until its \"\\n\" (lab_read_reply), not with one read()"
[fifo:edges]="TODO 8 to 10: the request is one record with the whole name (strcpy into r.name), and the client refuses a name over 255 bytes itself"
[fifo:several]="TODO 8: one reply FIFO per client, named after its pid (reply_path())"
[fifo:existing-path]="TODO 1: mkfifo() fails with EEXIST: report it with lab_die(); never unlink() first"
[fifo:leaks]="TODO 5 and 6 (the server), TODO 10 and 12 (the client)"
[fifo:clean-exit]="TODO 6 and 7 (the server's FIFO), TODO 12 (the client's); the server's loop ends after COUNT requests"
[unix_stream:reply]="TODO 1 to 10"
[unix_stream:ref-client]="after TODO 4: read the request up to its \"\\n\" (lab_read_line), write all of the reply (lab_write_all); TODO 5: close the data socket, so that the client sees end of file"
[unix_stream:ref-server]="after TODO 9: read the reply up to its \"\\n\" (lab_read_reply), not with one read()"
[unix_stream:edges]="after TODO 4: the request is read by lab_read_line() and answered by lab_greeting(), and the client prints the reply as bytes (fwrite), never as a format"
[unix_stream:several]="TODO 4 and 5: one accept() and one close() per client"
[unix_stream:backlog]="TODO 3: listen(lfd, SOMAXCONN); a backlog of 0 or 1 turns waiting clients away"
[unix_stream:existing-path]="TODO 2: bind() fails with EADDRINUSE: report it with lab_die(); never unlink() first"
[unix_stream:leaks]="TODO 5 and 6 (the server), TODO 10 (the client)"
[unix_stream:clean-exit]="TODO 6 and 7: close the listening socket, then unlink() its path"
[unix_dgram:reply]="TODO 1 to 10"
[unix_dgram:ref-client]="TODO 3 and 4: recvfrom() one datagram with MSG_TRUNC, sendto() the n bytes of the reply to peer"
[unix_dgram:ref-server]="TODO 7 to 9: bind the client's own path, send the name, receive the reply"
[unix_dgram:edges]="TODO 3: MSG_TRUNC, so that got is the datagram's real length"
[unix_dgram:several]="TODO 7: each client binds a path of its own (client-PID.dgram)"
[unix_dgram:existing-path]="TODO 2: bind() fails with EADDRINUSE: report it with lab_die(); never unlink() first"
[unix_dgram:silent-server]="TODO 6: a receive time-out (SO_RCVTIMEO); TODO 9: on EAGAIN, say that no reply came"
[unix_dgram:leaks]="TODO 5 (the server), TODO 10 (the client)"
[unix_dgram:clean-exit]="TODO 5 (the server's path), TODO 10 (the client's own path)"
[tcp:reply]="TODO 1 to 9"
[tcp:ref-client]="after TODO 4: read the request up to its \"\\n\" (lab_read_line), write all of the reply (lab_write_all); TODO 5: close the connection"
[tcp:ref-server]="after TODO 8: read the reply up to its \"\\n\" (lab_read_reply), not with one read()"
[tcp:edges]="after TODO 4: the request is read by lab_read_line() and answered by lab_greeting(), and the client prints the reply as bytes (fwrite), never as a format"
[tcp:several]="TODO 4 and 5: one accept() and one close() per client"
[tcp:backlog]="TODO 3: listen(lfd, SOMAXCONN); a backlog of 0 or 1 turns waiting clients away"
[tcp:restart]="TODO 2: setsockopt(SO_REUSEADDR) before bind(); and the given lab_server_inet_address(), which reads LAB_PORT"
[tcp:leaks]="TODO 5 and 6 (the server), TODO 9 (the client)"
[tcp:clean-exit]="TODO 6; the server's loop ends after COUNT requests"
[udp:reply]="TODO 1 to 9"
[udp:ref-client]="TODO 3 and 4: recvfrom() one datagram with MSG_TRUNC, sendto() the n bytes of the reply to peer"
[udp:ref-server]="TODO 7 and 8: send the name, receive the reply"
[udp:edges]="TODO 3: MSG_TRUNC, so that got is the datagram's real length"
[udp:several]="TODO 3 and 4: reply to each request's own sender (peer, peer_len)"
[udp:silent-server]="TODO 6: a receive time-out (SO_RCVTIMEO); TODO 8: on EAGAIN, say that no reply came"
[udp:leaks]="TODO 5 (the server), TODO 9 (the client)"
[udp:clean-exit]="TODO 5; the server's loop ends after COUNT requests"
)
SOCKNAME_fifo=fifo.server SOCKNAME_unix_stream=unix_stream.sock SOCKNAME_unix_dgram=unix_dgram.sock

# ---- tools: the reaper, the peer, the reference peers -----------------------
TOOLS=$BUILD/tools
mkdir -p "$TOOLS"
tool() { # tool OUTPUT SOURCE [CFLAGS...]: build it if it is missing or older
	local out=$1 srcf=$2; shift 2
	if [ ! -x "$out" ] || [ "$srcf" -nt "$out" ] || [ $LAB/lab.h -nt "$out" ]; then
		$CC -std=gnu11 -O1 -Wall -I$LAB "$@" -o "$out" "$srcf" ||
			{ echo "check.sh: cannot build the grader's $out" >&2; exit 2; }
	fi
}
tool "$TOOLS/reaper" $LAB/reaper.c
tool "$TOOLS/peer" $LAB/peer.c
for x in $SERVERS; do tool "$TOOLS/ref-$x" $LAB/solution/$x.c -DLAB_REFERENCE; done
REAPER=$TOOLS/reaper
# Servers' directories are short paths (a Unix socket's path has 108 bytes).
RUNROOT=$(mktemp -d /tmp/lab-XXXXXX) || exit 2
trap 'rm -rf "$RUNROOT"' EXIT

# ---- helpers ----------------------------------------------------------------
LONG255=$(printf '%0255d' 0 | tr 0 x)
LONG256=$(printf '%0256d' 0 | tr 0 y)
FORMATS='100% sure: %s%n, %d \ é'   # a name that is no printf format
reply_for() { if [ "$(printf %s "$1" | wc -c)" -gt 255 ]; then echo "ERR name too long (max 255 bytes)"; else printf 'Hello, %s\n' "$1"; fi; }
timed_out() { [ "$1" -eq 124 ]; }
# Bytes as a student can read them: escapes for \n and control bytes, long
# runs of one byte counted ("Hello, {x × 255}\n"), at most 200 characters.
show() {
	if [ ! -s "$1" ]; then echo "nothing"; return; fi
	perl -0777 -ne 's/\\/\\\\/g; s/\n/\\n/g; s/\t/\\t/g;
		s/([\x00-\x08\x0b-\x1f\x7f])/sprintf("\\x%02x", ord $1)/ge;
		s/((.)\2{7,})/"{" . $2 . " \xc3\x97 " . length($1) . "}"/ge;
		$_ = substr($_, 0, 200) . "..." if length > 200; print "\"$_\""' "$1"
}
show_text() { printf '%s' "$1" >"$RUNROOT/show.tmp"; show "$RUNROOT/show.tmp"; }
first_lines() { [ -s "$1" ] && head -c 400 "$1" | head -n "${2:-2}" | paste -sd'|' - | sed 's/|/ | /g'; }
# Three random names: spaces, format directives, UTF-8; never "\n".
random_names() {
	perl -e 'srand($ARGV[0]); my @t = ("a".."z", "A".."Z", 0..9, " ", " ", "%s", "%n", "\\",
		"\x27", "\"", "-", "*", "\xc3\xa9", "\xc3\x9f", "\xe2\x86\x92", "\xf0\x9f\x98\x80", "\$HOME");
		for my $n (1..3) { my ($s, $max) = ("", 1 + int(rand(255)));
			while (1) { my $x = $t[int rand @t]; last if length($s) + length($x) > $max; $s .= $x; }
			$s = "r" if $s eq ""; print "$s\n" }' "$1"
}

score=0; total=0
# verdict ID OK|FAIL [EXPECTED [HAPPENED [WHERE [MORE]]]]
verdict() {
	local id=$1 pts=${POINTS[$1]}
	total=$((total + pts))
	if [ "$2" = OK ]; then
		score=$((score + pts)); printf '    ok    %-6s %s\n' "$pts/$pts" "${TITLE[$id]}"; return
	fi
	printf '    FAIL  %-6s %s\n' "0/$pts" "${TITLE[$id]}"
	[ -z "${3:-}" ] || printf '          expected: %s\n' "$3"
	[ -z "${4:-}" ] || printf '          happened: %s\n' "$4"
	[ -z "${5:-}" ] || printf '          look at:  %s\n' "$5"
	[ -z "${6:-}" ] || printf '%s\n' "$6" | sed 's/^/          /'
}
not_judged() { verdict "$1" FAIL "" "not judged until \"${TITLE[$2]}\" passes (a program that does nothing would pass it)"; }

# judge NAME OUT ERR STATUS WHO: 0 if WHO printed NAME's reply and exited 0;
# else HAPPENED says what it did.
judge() {
	local name=$1 out=$2 err=$3 st=$4 who=$5
	reply_for "$name" >"$out.want"
	if timed_out "$st"; then HAPPENED="$who was still running after $DEADLINE s and was stopped; it had printed $(show "$out")"
	elif [ "$st" -ne 0 ]; then HAPPENED="$who exited with status $st, having printed $(show "$out")"
	elif cmp -s "$out.want" "$out"; then return 0
	else HAPPENED="$who printed $(show "$out")"; fi
	[ -s "$err" ] && HAPPENED="$HAPPENED; its stderr: $(first_lines "$err")"
	return 1
}
# A step of a pattern, in words: "listen() on the listening socket (TODO 3)".
render_step() {
	local s=$1 todo="" name text="" arg="" ret="" arr=""
	case $s in *@*) todo=" (TODO ${s##*@})"; s=${s%@*} ;; esac
	case $s in *\{*) text=${s#*\{}; text=" with ${text%%\}*}"; s=${s%%\{*}${s#*\}} ;; esac
	name=${s%%[([=]*}
	case $s in *\(*) arg=${s#*(}; arg=" on the ${arg%%)*}" ;; esac
	case $s in *\[*) arr=${s#*[}; arr=${arr%%]*}; arr=" giving the ${arr%,*} and the ${arr#*,}" ;; esac
	case $s in *=*) ret=" giving the ${s#*=}" ;; esac
	echo "a successful ${name//|/ or }()$text$arg$arr$ret$todo" | tr _ ' '
}
# order_check ID VERDICTS ROLE PATTERN LOG
order_check() {
	local line rest step after
	line=$(grep "^order $3 " "$2" | head -n1)
	case "$line" in
	"order $3 ok") verdict "$1" OK ;;
	"") verdict "$1" FAIL "the steps $(echo "$4" | wc -w) of the life cycle" "no trace of this process (see ${5#"$PWD"/})" ;;
	*)	rest=${line#order $3 missing }; step=${rest%% after *}; after=${rest#* after }
		local when="after $after"
		[ "$after" = "(start)" ] && when="as the first step"
		verdict "$1" FAIL "$(render_step "$step"), $when" \
			"no such call $when: it is missing, failed, came too early or was made on another descriptor" \
			"$(case $step in *@*) echo "TODO ${step##*@}" ;; *) echo "the given code around it: keep it" ;; esac); \`strace -f\` shows what the grader saw: ${5#"$PWD"/}" ;;
	esac
}
# leak_check ROLE=VERDICTS...: every process's descriptors at exit.
leak_check() {
	local arg role f leaks=""
	for arg in "$@"; do
		role=${arg%%=*}; f=${arg#*=}
		[ -f "$f" ] || continue
		while read -r _ pid fds; do
			leaks="$leaks${leaks:+; }$role (pid $pid): descriptor(s) ${fds// /, }"
		done < <(grep '^leak ' "$f")
	done
	if [ -z "$leaks" ]; then verdict leaks OK
	else verdict leaks FAIL "every descriptor past 2 closed before exit, in every process" "still open at exit: $leaks" "${WHERE[$x:leaks]}"; fi
}
# The processes a run left running, from the reaper's reports.
leftovers() { cat "$@" 2>/dev/null | sed -n 's/^left \([0-9]*\) \(.*\)/pid \1 (\2)/p' | paste -sd, - | sed 's/,/, /g'; }

# start_server DIR TAG CMD...: start CMD under the reaper and read its
# address.  Sets SPID (the reaper), SFD, ADDR, or WHY (no address).
start_server() {
	local dir=$1 tag=$2 line="" st; shift 2
	exec {SFD}< <(cd "$dir" && exec "$REAPER" -r "$LOGS/$tag.server.left" "$SERVER_DEADLINE" "$@" 2>"$LOGS/$tag.server.err")
	SPID=$!
	ADDR=""; WHY=""
	read -r -t "$DEADLINE" -u "$SFD" line; st=$?
	if [ "${line#listening on }" != "$line" ]; then ADDR=${line#listening on }
	elif [ $st -gt 128 ]; then WHY="the server printed no 'listening on ADDRESS' within $DEADLINE s"
	else WHY="the server ended without printing 'listening on ADDRESS'"; fi
}
# finish_server: wait for the server (stopped at once if it has no
# address); SST is its status.
finish_server() {
	[ -n "$ADDR" ] || kill "$SPID" 2>/dev/null
	wait "$SPID"; SST=$?
	exec {SFD}<&-
}
# client TAG CMD...: run a client under the reaper; CST is its status.
client() {
	local tag=$1; shift
	"$REAPER" -r "$LOGS/$tag.left" "$DEADLINE" "$@" >"$LOGS/$tag.out" 2>"$LOGS/$tag.err"; CST=$?
}
# settled COMM PID...: each client started under a PID (a shell, then the
# reaper) has ended, or is asleep (waiting for the paused server) with
# every process it runs.  COMM is the client program's name.  One perl
# reads /proc for all of them: a busy machine forks slowly.
settled() {
	perl -e 'my $comm = shift;
		sub slurp { open(my $f, "<", $_[0]) or return ""; local $/; my $s = <$f>; $s // "" }
		for my $root (@ARGV) {
			next unless -d "/proc/$root";
			my ($found, @q) = (0, $root);
			while (@q) {
				my $p = shift @q;
				my $stat = slurp("/proc/$p/stat") or next;
				my ($st) = $stat =~ /\) (\S)/;
				exit 1 unless $st eq "S" || $st eq "Z";
				chomp(my $c = slurp("/proc/$p/comm"));
				$found = 1 if $c eq $comm;
				push @q, split " ", slurp("/proc/$p/task/$p/children");
			}
			exit 1 unless $found || !-d "/proc/$root";
		}
		exit 0' "$@"
}
# exit_of_main VERDICTS: the traced program's own exit status, if it exited
# (strace itself waits for every process it traces, a stray one included).
exit_of_main() { awk '$1 == "main" { m = $2 } $1 == "exit" { e[$2] = $3 } END { if (m in e && e[m] ~ /^[0-9]+$/) print e[m] }' "$1"; }
server_said() { # the server's stderr, when it has something to say
	[ -s "$LOGS/$1.server.err" ] && echo "the server's stderr: $(first_lines "$LOGS/$1.server.err" 3)"
}

# ---- the pipe -----------------------------------------------------------------
grade_pipe() {
	local bin=$1 st ok
	(cd "$LOGS" && "$REAPER" -r "$LOGS/pair.left" "$DEADLINE" strace -f -o "$LOGS/pair.log" -- "$bin" 'Zoë' \
		>"$LOGS/pair.out" 2>"$LOGS/pair.err"); st=$?
	awk -v main="${CLIENT[pipe]}" -v child="${SERVER[pipe]}" -f $LAB/strace.awk \
		"$LOGS/pair.log" "$LOGS/pair.log" >"$LOGS/pair.verdicts" 2>/dev/null
	# A process left running keeps strace waiting: judge by the parent's exit.
	local main_st
	main_st=$(exit_of_main "$LOGS/pair.verdicts")
	timed_out $st && [ -n "$main_st" ] && st=$main_st
	if judge 'Zoë' "$LOGS/pair.out" "$LOGS/pair.err" "$st" "./pipe Zoë"; then verdict reply OK; ok=1
	else verdict reply FAIL "$(show "$LOGS/pair.out.want") and status 0" "$HAPPENED" "${WHERE[pipe:reply]}"; ok=0; fi
	order_check server-calls "$LOGS/pair.verdicts" child "${SERVER[pipe]}" "$LOGS/pair.log"
	order_check client-calls "$LOGS/pair.verdicts" main "${CLIENT[pipe]}" "$LOGS/pair.log"
	# names at the edges, untraced
	local bad="" n=0 name
	while IFS= read -r name; do
		n=$((n + 1))
		client "edge$n" "$bin" "$name"
		judge "$name" "$LOGS/edge$n.out" "$LOGS/edge$n.err" "$CST" "./pipe NAME" ||
			{ bad="for the name $(show_text "$name") ($(printf %s "$name" | wc -c) bytes), $HAPPENED"; break; }
	done < <(printf '%s\n' "$LONG255" "$LONG256" "$FORMATS"; random_names "$SEED")
	if [ -z "$bad" ]; then verdict edges OK
	else verdict edges FAIL "the greeting for 255 bytes, ERR for 256, each random name back whole (random names from seed $SEED: LAB_SEED=$SEED repeats them)" "$bad" "${WHERE[pipe:edges]}"; fi
	if [ $ok = 1 ]; then
		leak_check "parent and child=$LOGS/pair.verdicts"
		local left alive
		left=$(leftovers "$LOGS"/*.left)
		alive=$(awk '$1 == "alive" { print "pid " $2 }' "$LOGS/pair.verdicts" | paste -sd, -)
		if [ -n "$left$alive" ]; then
			verdict clean-exit FAIL "every process ./pipe starts has ended when ./pipe exits" \
				"still running after ./pipe exited, then killed by the grader: ${left:-$alive}$(grep -q '^setsid' "$LOGS/pair.verdicts" && echo "; one called setsid() to leave the process group")" \
				"${WHERE[pipe:clean-exit]}"
		else verdict clean-exit OK; fi
	else
		not_judged leaks reply; not_judged clean-exit reply
	fi
}

# ---- the five servers ---------------------------------------------------------------
grade_server() {
	local x=$1 bin=$2 ref=$3 i ok=1 why="" names=('Ada' 'Zoë')
	local sock_var=SOCKNAME_$x
	local sock=${!sock_var:-}
	local D=$RUNROOT/$x
	mkdir -p "$D"/{pair,refc,refs,edge,many,queue,restart,exist,silent}

	# 1. the pair, under strace: replies, calls, descriptors, clean end
	start_server "$D/pair" pair strace -f -o "$LOGS/server.log" -- "$bin" server "$D/pair" 2
	for i in 0 1; do
		if [ -z "$ADDR" ]; then ok=0; why=$WHY; break; fi
		client "client$i" strace -f -o "$LOGS/client$i.log" -- "$bin" client "$ADDR" "${names[$i]}"
		if ! judge "${names[$i]}" "$LOGS/client$i.out" "$LOGS/client$i.err" "$CST" "client $((i + 1))"; then
			ok=0; why=$HAPPENED; break
		fi
	done
	finish_server; local sst=$SST
	if [ $ok = 1 ]; then verdict reply OK
	else verdict reply FAIL "\"Hello, Ada\\n\" and \"Hello, Zoë\\n\", each client exiting with status 0" "$why" "${WHERE[$x:reply]}" "$(server_said pair)"; fi
	for f in server client0 client1; do
		[ -f "$LOGS/$f.log" ] || : >"$LOGS/$f.log"
		awk -v main="$([ $f = server ] && echo "${SERVER[$x]}" || echo "${CLIENT[$x]}")" \
			-f $LAB/strace.awk "$LOGS/$f.log" "$LOGS/$f.log" >"$LOGS/$f.verdicts" 2>/dev/null
	done
	local main_st
	main_st=$(exit_of_main "$LOGS/server.verdicts")
	timed_out $sst && [ -n "$main_st" ] && sst=$main_st
	order_check server-calls "$LOGS/server.verdicts" main "${SERVER[$x]}" "$LOGS/server.log"
	order_check client-calls "$LOGS/client0.verdicts" main "${CLIENT[$x]}" "$LOGS/client0.log"
	local pair_ok=$ok

	# 2. names at the edges: your client and your server
	local -a edge=("$LONG255" "$LONG256" "$FORMATS")
	local name bad="" n
	while IFS= read -r name; do edge+=("$name"); done < <(random_names "$SEED")
	local count=${#edge[@]}
	[ $x = fifo ] && count=$((count - 1))   # the FIFO client refuses 256 bytes itself
	start_server "$D/edge" edge "$bin" server "$D/edge" $count
	for n in "${!edge[@]}"; do
		name=${edge[$n]}
		if [ -z "$ADDR" ]; then bad=$WHY; break; fi
		client "edge$n" "$bin" client "$ADDR" "$name"
		if [ $x = fifo ] && [ $n = 1 ]; then
			if timed_out $CST || [ $CST -eq 0 ] || [ ! -s "$LOGS/edge$n.err" ] || [ -s "$LOGS/edge$n.out" ]; then
				bad="the client, given a name of 256 bytes, exited with status $CST, printed $(show "$LOGS/edge$n.out") and said $(show "$LOGS/edge$n.err") (it must refuse it: an error on stderr, a status other than 0)"; break
			fi
			continue
		fi
		judge "$name" "$LOGS/edge$n.out" "$LOGS/edge$n.err" "$CST" "the client" ||
			{ bad="for the name $(show_text "$name") ($(printf %s "$name" | wc -c) bytes), $HAPPENED"; break; }
	done
	finish_server
	if [ -z "$bad" ]; then verdict edges OK
	else verdict edges FAIL "the greeting for 255 bytes, ERR for 256, each random name back whole (random names from seed $SEED: LAB_SEED=$SEED repeats them)" "$bad" "${WHERE[$x:edges]}" "$(server_said edge)"; fi

	# 3. your server, the reference client (it writes in pieces, reads byte by byte)
	local refc_ok=0 port=""
	start_server "$D/refc" refc "$bin" server "$D/refc" 1
	if [ -z "$ADDR" ]; then bad=$WHY
	else
		port=${ADDR##*:}
		client refc "$ref" client "$ADDR" "Grace Hopper"
		judge "Grace Hopper" "$LOGS/refc.out" "$LOGS/refc.err" "$CST" "the reference client" && refc_ok=1 || bad=$HAPPENED
	fi
	finish_server
	if [ $refc_ok = 1 ]; then verdict ref-client OK
	else verdict ref-client FAIL "$(show_text "Hello, Grace Hopper
"), then end of file" "$bad" "${WHERE[$x:ref-client]}" "$(server_said refc)"; fi

	# 4. restart on the same port (TCP): the last connection is in TIME_WAIT
	if applies restart $x; then
		if [ $refc_ok = 1 ] && [ -n "$port" ]; then
			LAB_PORT=$port start_server "$D/restart" restart "$bin" server "$D/restart" 1
			bad=""
			if [ -z "$ADDR" ]; then bad="$WHY$( [ -s "$LOGS/restart.server.err" ] && echo ": $(first_lines "$LOGS/restart.server.err")")"
			elif [ "${ADDR##*:}" != "$port" ]; then bad="it listened on $ADDR, not on port $port (LAB_PORT=$port)"
			else
				client restart "$ref" client "$ADDR" "again"
				judge again "$LOGS/restart.out" "$LOGS/restart.err" "$CST" "the reference client" || bad=$HAPPENED
			fi
			finish_server
			if [ -z "$bad" ]; then verdict restart OK
			else verdict restart FAIL "your server listening again on port $port and serving" "$bad" "${WHERE[$x:restart]}"; fi
		else not_judged restart ref-client; fi
	fi

	# 5. your client, the reference server (it writes its reply in pieces)
	local refs_ok=0
	start_server "$D/refs" refs "$ref" server "$D/refs" 1
	if [ -z "$ADDR" ]; then bad="the reference server did not start: $WHY $(first_lines "$LOGS/refs.server.err")"
	else
		client refs "$bin" client "$ADDR" "Linus"
		judge Linus "$LOGS/refs.out" "$LOGS/refs.err" "$CST" "your client" && refs_ok=1 || bad=$HAPPENED
	fi
	finish_server
	if [ $refs_ok = 1 ]; then verdict ref-server OK
	else verdict ref-server FAIL "\"Hello, Linus\\n\" printed, status 0" "$bad" "${WHERE[$x:ref-server]}"; fi

	# 6. several clients at once, on a server paused until all have sent
	bad=""
	start_server "$D/many" many "$bin" server "$D/many" 5
	if [ -z "$ADDR" ]; then bad=$WHY
	else
		local spid_child cpids=() k settled
		spid_child=$(cat /proc/$SPID/task/$SPID/children 2>/dev/null | awk '{ print $1 }')
		[ -n "$spid_child" ] && kill -STOP "$spid_child"
		for k in 1 2 3 4 5; do
			{ client "many$k" "$bin" client "$ADDR" "client$k"; echo $CST >"$LOGS/many$k.st"; } &
			cpids+=($!)
		done
		# Settled: every process of every client is asleep (waiting for
		# the paused server) or gone; polled, with the client's deadline.
		for ((k = 0; k < DEADLINE * 50; k++)); do
			settled "${bin##*/}" "${cpids[@]}" && break
			sleep 0.02
		done
		[ -n "${LAB_DEBUG:-}" ] && echo "settle rounds $k" >&2
		[ -n "$spid_child" ] && kill -CONT "$spid_child"
		wait "${cpids[@]}" 2>/dev/null
		for k in 1 2 3 4 5; do
			judge "client$k" "$LOGS/many$k.out" "$LOGS/many$k.err" "$(cat "$LOGS/many$k.st" 2>/dev/null || echo 1)" "client $k of 5" ||
				{ bad=$HAPPENED; break; }
		done
	fi
	finish_server
	if [ -z "$bad" ]; then verdict several OK
	else verdict several FAIL "each of 5 clients started together gets its own reply" "$bad" "${WHERE[$x:several]}" "$(server_said many)"; fi

	# 7. the backlog (stream sockets)
	if applies backlog $x; then
		bad=""
		start_server "$D/queue" queue "$bin" server "$D/queue" 5
		if [ -z "$ADDR" ]; then bad=$WHY
		else
			client queue "$TOOLS/peer" queue "$([ $x = tcp ] && echo tcp || echo unix)" "$ADDR" 4
			[ $CST -eq 0 ] || bad="$(head -n1 "$LOGS/queue.out")$(timed_out $CST && echo " (stopped after $DEADLINE s)")"
		fi
		finish_server
		if [ -z "$bad" ]; then verdict backlog OK
		else verdict backlog FAIL "4 clients let in to wait while the server is busy, then all 5 served" "$bad" "${WHERE[$x:backlog]}" "$(server_said queue)"; fi
	fi

	# 8. a path that is not yours
	if applies existing-path $x; then
		if [ $pair_ok = 1 ] || [ $refc_ok = 1 ]; then
			bad=""
			echo "not yours" >"$D/exist/$sock"
			start_server "$D/exist" exist "$bin" server "$D/exist" 1
			[ -z "$ADDR" ] || bad="your server started (listening on $ADDR) over the file already there"
			finish_server
			if [ -z "$bad" ]; then
				if [ "$(cat "$D/exist/$sock" 2>/dev/null)" != "not yours" ]; then bad="the file that was at $sock is gone or changed: your server removed it"
				elif [ "$SST" -eq 0 ]; then bad="your server exited with status 0 without serving"; fi
			fi
			if [ -z "$bad" ]; then verdict existing-path OK
			else verdict existing-path FAIL "with a file already at DIR/$sock: an error, a status other than 0, the file untouched" "$bad" "${WHERE[$x:existing-path]}"; fi
		else not_judged existing-path reply; fi
	fi

	# 9. a server that never answers (datagram clients)
	if applies silent-server $x; then
		if [ $refs_ok = 1 ]; then
			bad=""
			if [ $x = udp ]; then start_server "$D/silent" silent "$TOOLS/peer" silent udp "$SERVER_DEADLINE"
			else start_server "$D/silent" silent "$TOOLS/peer" silent unix "$D/silent" "$SERVER_DEADLINE"; fi
			client silent "$bin" client "$ADDR" "Anybody"
			local got=""
			kill "$SPID" 2>/dev/null
			got=$(cat <&"$SFD" 2>/dev/null | grep -c '^request')
			finish_server
			if timed_out $CST; then bad="your client was still waiting after $DEADLINE s and was stopped"
			elif [ "$got" = 0 ]; then bad="the server got no request (status $CST$( [ -s "$LOGS/silent.err" ] && echo ", stderr: $(first_lines "$LOGS/silent.err")"))"
			elif [ $CST -eq 0 ]; then bad="your client exited with status 0 without a reply"
			elif ! grep -qiE 'repl|time' "$LOGS/silent.err"; then bad="your client exited with status $CST and said $(show "$LOGS/silent.err")"; fi
			if [ -z "$bad" ]; then verdict silent-server OK
			else verdict silent-server FAIL "your client gives up within $DEADLINE s: a status other than 0 and a line saying no reply came" "$bad" "${WHERE[$x:silent-server]}"; fi
		else not_judged silent-server ref-server; fi
	fi

	# 10, 11. descriptors and a clean end, judged on the pair's run
	if [ $pair_ok = 1 ]; then
		leak_check "server=$LOGS/server.verdicts" "client 1=$LOGS/client0.verdicts" "client 2=$LOGS/client1.verdicts"
		local left_files left
		left=$(ls -A "$D/pair")
		local procs
		procs=$(leftovers "$LOGS"/*.left)
		[ -n "$procs" ] || procs=$(awk '$1 == "alive" { print "pid " $2 }' "$LOGS"/server.verdicts "$LOGS"/client[01].verdicts | paste -sd, -)
		if timed_out "$sst"; then
			verdict clean-exit FAIL "the server exits with status 0 after its COUNT (2) requests" "it was still running after $SERVER_DEADLINE s and was stopped" "${WHERE[$x:clean-exit]}"
		elif [ "$sst" -ne 0 ]; then
			verdict clean-exit FAIL "the server exits with status 0 after its COUNT (2) requests" "it exited with status $sst" "${WHERE[$x:clean-exit]}" "$(server_said pair)"
		elif [ -n "$left" ]; then
			verdict clean-exit FAIL "nothing left in the server's directory" "left there: $(echo $left)" "${WHERE[$x:clean-exit]}"
		elif [ -n "$procs" ]; then
			verdict clean-exit FAIL "no process left running" "still running after your program exited, then killed by the grader: $procs" "${WHERE[$x:clean-exit]}"
		else verdict clean-exit OK; fi
	else
		not_judged leaks reply; not_judged clean-exit reply
	fi
}

# ---- main -------------------------------------------------------------------------------
SEED=${LAB_SEED:-$((RANDOM * 32768 + RANDOM))}
mkdir -p "$BUILD/$kind"
failed="" passed=0 all_score=0 all_total=0
case $kind in
work) what="your exercises" ;; solution) what="the reference solutions" ;; *) what="the exercises" ;;
esac
printf 'Grading %s in %s/ (random names: LAB_SEED=%s)\n' "$what" "$src" "$SEED"
for x in $exercises; do
	score=0; total=0
	bin=$BUILD/$kind/$x
	LOGS=$BUILD/$kind/$x.run
	rm -rf "$LOGS"; mkdir -p "$LOGS"
	echo "== $x"
	compile="$CC $CFLAGS_LAB -o ${bin#"$PWD"/} $src/$x.c"
	if ! $compile 2>"$LOGS/cc.err"; then
		printf '    FAIL  does not compile; the grader ran, as the handout does:\n          %s\n' "$compile"
		sed 's/^/          /' "$LOGS/cc.err" | head -n 20
		total=$(exercise_points $x)
	else
		if grep -q 'warning:' "$LOGS/cc.err"; then
			echo "    (compiler warnings, not counted, but read them: $compile)"
			grep 'warning:' "$LOGS/cc.err" | head -n 5 | sed 's/^/          /'
		fi
		if [ $x = pipe ]; then grade_pipe "$bin"; else grade_server "$x" "$bin" "$TOOLS/ref-$x"; fi
	fi
	all_score=$((all_score + score)); all_total=$((all_total + total))
	if [ "$score" -eq "$total" ]; then res=PASSED; passed=$((passed + 1)); else res=FAILED; failed="$failed $x"; fi
	printf '%-12s %3d/%-3d points %3d%%  %s\n' "$x" "$score" "$total" "$((100 * score / total))" "$res"
done
n=$(echo $exercises | wc -w)
printf 'total        %3d/%-3d points %3d%%\n' "$all_score" "$all_total" "$((100 * all_score / all_total))"
if [ -n "$failed" ]; then echo "FAILED:$failed"; exit 1; fi
if [ "$n" -eq 1 ]; then echo "$exercises PASSED"; else echo "all $n exercises PASSED"; fi
