#!/usr/bin/env bash
# test_lab.sh - the lab's grader, graded (`make lab-test`, CI):
#   - the reference solutions score 100 %, the skeletons 0 % and finish in
#     time, and every skeleton is its solution minus the solution blocks
#     (no marker, no solution line left);
#   - each wrong program (a solution with one student mistake) is failed by
#     the check written for that mistake, with a message that names a TODO;
#   - right programs written another way (a warning, say) still pass;
#   - no process of a graded program outlives the grader;
#   - the handout's grading section is the grader's table, and its compile
#     line the grader's;
#   - the quiz grades a file of answers.
# Wrong programs are graded two at a time (LAB_TEST_JOBS); each prints the
# first lines the grader said to it.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
B=build/lab/test
rm -rf "$B"; mkdir -p "$B"
fails=0
bad() { echo "lab-test FAILED: $*"; fails=$((fails + 1)); }
JOBS=${LAB_TEST_JOBS:-2}

echo "== the reference solutions score 100 %"
out=$(LAB_BUILD=$B bash lab/check.sh --solution); rc=$?
echo "$out" | grep -E 'points .*(PASSED|FAILED)$'
[ $rc -eq 0 ] || { bad "check.sh --solution exited $rc"; echo "$out" | grep -A4 '    FAIL'; }
[ "$(echo "$out" | grep -c ' 100%  PASSED$')" -eq 6 ] || bad "not every solution scored 100 %"
echo "$out" | grep -q '^all 6 exercises PASSED$' || bad "the last line is not 'all 6 exercises PASSED'"

echo "== the skeletons: the solutions minus their blocks, compile, score 0 %, never hang"
for x in pipe fifo unix_stream unix_dgram tcp udp; do
	s=build/lab/skel/$x.c
	grep -n 'SOLUTION' "$s" && bad "skeleton $x.c still has a SOLUTION marker"
	# the same skeleton made another way: every block dropped, nothing else
	sed '/\/\* SOLUTION BEGIN \*\//,/\/\* SOLUTION END \*\//d' lab/solution/$x.c | cmp -s - "$s" ||
		bad "skeleton $x.c is not its solution minus the SOLUTION blocks"
	# no line of a block survives, unless the same line is also outside the blocks
	awk '/SOLUTION BEGIN/ { on = 1; next } /SOLUTION END/ { on = 0; next }
		{ gsub(/^[ \t]+/, "") } on && length($0) > 12 { inside[$0] = 1; next } { outside[$0] = 1 }
		END { for (l in inside) if (!(l in outside)) print l }' lab/solution/$x.c |
		while IFS= read -r line; do
			sed 's/^[ \t]*//' "$s" | grep -qxF -- "$line" && bad "skeleton $x.c contains the solution line: $line"
		done
	cc -std=gnu11 -Wall -Wextra -Werror -Wno-unused-variable -Wno-unused-but-set-variable \
		-Wno-unused-parameter -Wno-unused-function -Ilab -fsyntax-only "$s" \
		|| bad "skeleton $x.c does not compile"
done
start=$(date +%s)
out=$(LAB_BUILD=$B timeout 300 bash lab/check.sh --dir build/lab/skel); rc=$?
echo "$out" | grep -E 'points .*(PASSED|FAILED)$'
echo "   ($(($(date +%s) - start)) s)"
[ $rc -eq 1 ] || bad "grading the skeletons exited $rc, not 1"
[ "$(echo "$out" | grep -c '   0%  FAILED$')" -eq 6 ] || bad "a skeleton scored above 0 %"

# The wrong programs: NAME EXERCISE CHECK PERL-SUBSTITUTION.  The solution,
# edited by the substitution (perl -0pe: it may span lines), must fail CHECK
# with a message that names a TODO.
MUTANTS=$(cat <<'EOF'
child-keeps-write-end|pipe|server-calls|s/close\(req\[1\]\) < 0 \|\| close\(rep\[0\]\)/close(rep[0])/
child-keeps-end-hangs|pipe|reply|s/close\(req\[1\]\) < 0 \|\| close\(rep\[0\]\)/close(rep[0])/; s/"%s\\n", argv\[1\]/"%s", argv[1]/
no-waitpid|pipe|client-calls|s/while \(waitpid\(pid, &status, 0\) < 0\)/while (0)/
parent-leaks-fd-3|pipe|leaks|s/if \(close\(req\[0\]\) < 0 \|\| close\(rep\[1\]\) < 0\)/if (close(rep[1]) < 0)/
child-leaks-its-ends|pipe|leaks|s/\tif \(close\(req\[0\]\) < 0 \|\| close\(rep\[1\]\) < 0\)\n\t\tlab_die\("child: close"\);\n//
grandchild-setsid|pipe|clean-exit|s/(\t_exit\(0\);\n\t\/\* SOLUTION END)/\tif (fork() == 0) { setsid(); sleep(30); _exit(0); }\n$1/
no-keepalive-writer|fifo|server-calls|s/keep = open\(path, O_WRONLY\);/keep = 0;/
fifo-one-open-rdwr|fifo|server-calls|s/rfd = open\(path, O_RDONLY\);/rfd = open(path, O_RDWR);/; s/keep = open\(path, O_WRONLY\);/keep = dup(rfd);/
fifo-server-keeps-its-fifo|fifo|leaks|s/if \(close\(keep\) < 0 \|\| close\(rfd\) < 0\)/if (0)/
fifo-client-keeps-reply-fifo|fifo|leaks|s/if \(close\(rfd\) < 0\)\n\t\tlab_die\("close %s", rpath\);\n//
client-fifo-left|fifo|clean-exit|s/if \(unlink\(rpath\) < 0\)/if (0)/
fifo-fixed-reply-path|fifo|several|s/"%s\/client-%d.fifo", dir, \(int\)pid/"%s\/client.fifo", dir/
fifo-blind-unlink|fifo|existing-path|s/(\tif \(mkfifo\(path, 0600\) < 0\))/\tunlink(path);\n$1/
fifo-client-reads-once|fifo|ref-server|s/size_t len = lab_read_reply\(rfd, reply, sizeof reply\);/ssize_t len = read(rfd, reply, sizeof reply); if (len < 0) len = 0;/
fifo-client-long-name|fifo|edges|s/if \(strlen\(name\) > LAB_NAME_MAX\) \{/if (0) {/; s/strcpy\(r.name, name\);/snprintf(r.name, sizeof r.name, "%s", name);/
reply-fifo-never-closed|fifo|ref-client|s/if \(close\(wfd\) < 0\)/if (0)/
reply-without-newline|unix_stream|reply|s/lab_write_all\(cfd, reply, n\);/lab_write_all(cfd, reply, n - 1);/
data-socket-leaked|unix_stream|leaks|s/if \(close\(cfd\) < 0\)/if (0)/
listener-leaks-fd-3|unix_stream|leaks|s/if \(close\(lfd\) < 0\)/if (0)/
client-leaks-fd-3|unix_stream|leaks|s/if \(close\(fd\) < 0\)/if (0)/
socket-not-unlinked|unix_stream|clean-exit|s/if \(unlink\(addr.sun_path\) < 0\)/if (0)/
blind-unlink-before-bind|unix_stream|existing-path|s/(\tif \(bind\(lfd)/\tunlink(addr.sun_path);\n$1/
unlink-if-socket|unix_stream|existing-path|s/(\tif \(bind\(lfd)/\tstruct stat st;\n\tif (lstat(addr.sun_path, &st) == 0 && S_ISSOCK(st.st_mode))\n\t\tunlink(addr.sun_path);\n$1/
backlog-of-one|unix_stream|backlog|s/listen\(lfd, SOMAXCONN\)/listen(lfd, 1)/
server-reads-once|unix_stream|ref-client|s/size_t len = lab_read_line\(cfd, name, sizeof name\);/ssize_t got = read(cfd, name, sizeof name - 1); size_t len = got > 0 ? (size_t)got - (name[got - 1] == '\\n') : 0; name[len] = '\\0';/
client-reads-once|unix_stream|ref-server|s/size_t len = lab_read_reply\(fd, reply, sizeof reply\);/ssize_t len = read(fd, reply, sizeof reply); if (len < 0) len = 0;/
reply-with-its-nul|unix_stream|ref-client|s/lab_write_all\(cfd, reply, n\);/lab_write_all(cfd, reply, n + 1);/
client-prints-with-printf|unix_stream|edges|s/fwrite\(reply, 1, len, stdout\);/reply[len] = '\\0'; printf(reply);/
server-small-name-buffer|unix_stream|edges|s/size_t len = lab_read_line\(cfd, name, sizeof name\);/size_t len = lab_read_line(cfd, name, 64);/
dgram-client-unbound|unix_dgram|reply|s/if \(bind\(fd, \(struct sockaddr \*\)&own, sizeof own\) < 0\)/if (0)/
dgram-name-cut-short|unix_dgram|edges|s/LAB_NAME_MAX, MSG_TRUNC,/LAB_NAME_MAX, 0,/
dgram-client-fixed-path|unix_dgram|several|s/"client-%d.dgram", \(int\)getpid\(\)/"client.dgram"/
dgram-client-no-timeout|unix_dgram|silent-server|s/if \(setsockopt\(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait\) < 0\)/if (0)/
dgram-timeout-unexplained|unix_dgram|silent-server|s/lab_die\("no reply from %s within 2 s", server_path\);/lab_die("recvfrom");/
dgram-blind-unlink|unix_dgram|existing-path|s/(\tif \(bind\(fd, \(struct sockaddr \*\)&addr)/\tunlink(addr.sun_path);\n$1/
tcp-server-never-exits|tcp|clean-exit|s/for \(int i = 0; i < count; i\+\+\)/for (int i = 0; ; i++)/
no-reuseaddr|tcp|restart|s/if \(setsockopt\(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on\) < 0\)/if (0)/
keepalive-not-reuseaddr|tcp|server-calls|s/SO_REUSEADDR, &on/SO_KEEPALIVE, &on/
port-0-always|tcp|restart|s/lab_server_inet_address\(&addr, where, sizeof where\);/lab_inet_address(&addr, "127.0.0.1:0"); snprintf(where, sizeof where, "127.0.0.1:0");/
tcp-backlog-zero|tcp|backlog|s/listen\(lfd, SOMAXCONN\)/listen(lfd, 0)/
tcp-client-reads-once|tcp|ref-server|s/size_t len = lab_read_reply\(fd, reply, sizeof reply\);/ssize_t len = read(fd, reply, sizeof reply); if (len < 0) len = 0;/
tcp-client-leaks-fd-3|tcp|leaks|s/(lab_read_reply\(fd, reply, sizeof reply\);.*?)if \(close\(fd\) < 0\)/$1if (0)/s
udp-reply-truncated|udp|reply|s/sendto\(fd, reply, n, 0/sendto(fd, reply, n - 1, 0/; s/!= \(ssize_t\)n\)/!= (ssize_t)n - 1)/
udp-no-msg-trunc|udp|edges|s/LAB_NAME_MAX, MSG_TRUNC,/LAB_NAME_MAX, 0,/
udp-client-small-buffer|udp|edges|s/got = recvfrom\(fd, reply, sizeof reply, 0, NULL, NULL\);/got = recvfrom(fd, reply, 64, 0, NULL, NULL);/
udp-client-no-timeout|udp|silent-server|s/if \(setsockopt\(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait\) < 0\)/if (0)/
udp-server-leaks-fd-3|udp|leaks|s/(\t\/\* TODO 5.*?)if \(close\(fd\) < 0\)/$1if (0)/s
EOF
)
# Right programs written another way: they must still score 100 %.
RIGHT=$(cat <<'EOF'
udp-sign-compare|udp|s/!= \(ssize_t\)n\)/!= n)/g
pipe-unused-status|pipe|s/int status = 0;/int status = 0, unused;/
EOF
)

# grade_variant DIR EXERCISE SUBSTITUTION: writes DIR/out and DIR/rc.
grade_variant() {
	local d=$1 x=$2 subst=$3
	mkdir -p "$d"
	perl -0pe "$subst" lab/solution/$x.c >"$d/$x.c"
	if cmp -s lab/solution/$x.c "$d/$x.c"; then echo "the edit changed nothing" >"$d/out"; echo 99 >"$d/rc"; return; fi
	LAB_BUILD=$d/build timeout 180 bash lab/check.sh --dir "$d" "$x" >"$d/out" 2>&1; echo $? >"$d/rc"
}
run_all() { # run_all LIST PREFIX: grade every variant, JOBS at a time
	local name x check subst n=0
	while IFS='|' read -r name x check subst; do
		[ -n "$name" ] || continue
		[ -n "$subst" ] || subst=$check   # RIGHT has no CHECK column
		grade_variant "$B/$2-$name" "$x" "$subst" &
		n=$((n + 1))
		[ $((n % JOBS)) -ne 0 ] || wait
	done <<<"$1"
	wait
}

echo "== wrong programs are failed by the check made for them, naming a TODO"
start=$(date +%s)
run_all "$MUTANTS" mutant
while IFS='|' read -r name x check subst; do
	d=$B/mutant-$name
	rc=$(cat "$d/rc"); out=$(cat "$d/out")
	title=$(sed -n '/^CHECKS=/,/^EOF/p' lab/check.sh | grep "^$check|" | cut -d'|' -f4)
	line=$(echo "$out" | grep -E 'points .*(PASSED|FAILED)$')
	printf '   %-26s %-12s %s\n' "$name" "[$check]" "$line"
	block=$(echo "$out" | awk -v t="$title" '$0 ~ "^    FAIL  0/[0-9]+ +" t "$" { on = 1; print; next }
		on && /^          / { print; next } { on = 0 }')
	if [ "$rc" -ne 1 ]; then bad "wrong program $name ($x) was not failed (exit $rc)"; echo "$out" | tail -n 5
	elif [ -z "$block" ]; then bad "wrong program $name ($x): the check \"$title\" did not fail it"; echo "$out" | grep -A3 '    FAIL' | head -n 8
	elif ! echo "$block" | grep -q 'look at: .*TODO'; then bad "wrong program $name: the message names no TODO"; echo "$block"
	else echo "$block" | head -n 4 | sed 's/^/      /'; fi
done <<<"$MUTANTS"
echo "   ($(($(date +%s) - start)) s)"

echo "== a program that does not compile: the compiler's error, with the grader's compile line"
d=$B/does-not-compile
mkdir -p "$d"
sed 's/lab_die("listen");/lab_die("listen")/' lab/solution/tcp.c >"$d/tcp.c"
out=$(LAB_BUILD=$d/build timeout 60 bash lab/check.sh --dir "$d" tcp); rc=$?
echo "$out" | sed -n '/does not compile/,/error:/p' | head -n 3 | sed 's/^/   /'
[ $rc -eq 1 ] || bad "a program that does not compile: exit $rc, not 1"
echo "$out" | grep -qF "$(bash lab/check.sh --compile-line | sed 's/ -o PROG.*//')" || bad "a compile error came without the compile line"
echo "$out" | grep -q 'error:' || bad "the compiler's error was not shown"
echo "$out" | grep -q '^tcp  *0/20 ' || bad "a program that does not compile scored above 0"

echo "== right programs written another way still pass"
run_all "$RIGHT" right
while IFS='|' read -r name x subst; do
	d=$B/right-$name
	line=$(grep -E 'points .*(PASSED|FAILED)$' "$d/out")
	printf '   %-26s %s\n' "$name" "$line"
	[ "$(cat "$d/rc")" -eq 0 ] || { bad "right program $name was failed"; grep -A3 '    FAIL' "$d/out" | head; }
done <<<"$RIGHT"

echo "== no graded process outlives the grader"
left=$(pgrep -af "$PWD/$B/" || true)
[ -z "$left" ] || bad "processes of graded programs still running: $left"

echo "== the handout's grading section is the grader's table; its compile line is the grader's"
if perl lab/handout_sections.pl --check lab/handout.md; then echo "   ok"; else bad "lab/handout.md's generated sections are stale: run \`make handout-sections\`"; fi
want=$(bash lab/check.sh --compile-line | sed 's/PROG/[^ ]*/; s/lab\/work\/X.c/lab\/work\/[a-z_]*\.c/')
grep -qE "^\\\$ $want\$" lab/handout.md || bad "the handout shows no compile line like the grader's: $(bash lab/check.sh --compile-line)"

echo "== the handout's table of exercises gives each its number of TODOs"
for x in pipe fifo unix_stream unix_dgram tcp udp; do
	n=$(grep -c 'TODO [0-9]*:' lab/solution/$x.c)
	grep -qE '^\| [0-9]\. `'"$x"'\.c` \| [a-z]+ \| '"$n"' \|' lab/handout.md ||
		bad "the handout's table of exercises does not give $x.c its $n TODOs"
done

echo "== the quiz grades a file of answers"
perl lab/quiz.pl --key >"$B/key.txt" || bad "quiz.pl --key failed"
perl lab/quiz.pl --answers "$B/key.txt" >"$B/quiz-all.out"; rc=$?
tail -n 1 "$B/quiz-all.out"
[ $rc -eq 0 ] && grep -q '^score: \([0-9]*\)/\1 ' "$B/quiz-all.out" || bad "the answer key does not score full marks"
# every answer moved to a wrong choice: 0 points, and each wrong answer's feedback shown
perl -pe 's/^(\S+)\s+(\S+)$/$1 . " " . ($2 eq "a" ? "b" : "a")/e' "$B/key.txt" >"$B/wrong.txt"
perl lab/quiz.pl --answers "$B/wrong.txt" >"$B/quiz-wrong.out"; rc=$?
tail -n 1 "$B/quiz-wrong.out"
[ $rc -eq 1 ] || bad "a wrong set of answers was not failed (exit $rc)"
[ "$(grep -c '^  feedback: ' "$B/quiz-wrong.out")" -ge "$(wc -l <"$B/key.txt")" ] || bad "a wrong answer came without its feedback"

if [ $fails -gt 0 ]; then echo "lab-test: $fails failure(s)"; exit 1; fi
echo "lab-test: all checks of the grader passed"
