#!/usr/bin/env bash
# test_lab.sh - the lab's checker, checked (`make lab-test`, CI):
#   - the reference solutions score 100 %;
#   - the skeletons made from them compile, score 0 % and finish in time;
#   - wrong programs (a solution with one mistake each) never pass, and a
#     program that hangs is a failure, never a pass.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
B=build/lab/test
rm -rf "$B"; mkdir -p "$B"
fails=0
bad() { echo "lab-test FAILED: $*"; fails=$((fails + 1)); }

echo "== the reference solutions score 100 %"
out=$(LAB_BUILD=$B bash lab/check.sh --solution); rc=$?
echo "$out" | grep -E '%  (PASSED|FAILED)$'
[ $rc -eq 0 ] || bad "check.sh --solution exited $rc"
[ "$(echo "$out" | grep -c ' 100%  PASSED$')" -eq 6 ] || bad "not every solution scored 100 %"

echo "== the untouched skeletons compile, score 0 % and never hang"
for x in pipe fifo unix_stream unix_dgram tcp udp; do
	cc -std=gnu11 -Wall -Wextra -Werror -Wno-unused-variable -Wno-unused-but-set-variable \
		-Wno-unused-parameter -Wno-unused-function -Ilab -fsyntax-only build/lab/skel/$x.c \
		|| bad "skeleton $x.c does not compile"
done
start=$(date +%s)
out=$(LAB_BUILD=$B timeout 120 bash lab/check.sh --dir build/lab/skel); rc=$?
echo "$out" | grep -E '%  (PASSED|FAILED)$'
echo "   ($(($(date +%s) - start)) s)"
[ $rc -eq 1 ] || bad "grading the skeletons exited $rc, not 1"
[ "$(echo "$out" | grep -c '   0%  FAILED$')" -eq 6 ] || bad "a skeleton scored above 0 %"

# mutant NAME EXERCISE SED-EXPRESSION: the solution with one mistake must fail.
mutant() {
	local d=$B/mutant-$1
	mkdir -p "$d"
	sed "$3" lab/solution/$2.c >"$d/$2.c"
	if cmp -s lab/solution/$2.c "$d/$2.c"; then bad "mutant $1: the edit changed nothing"; return; fi
	out=$(LAB_BUILD=$d/build timeout 60 bash lab/check.sh --dir "$d" "$2"); rc=$?
	line=$(echo "$out" | grep -E '%  (PASSED|FAILED)$')
	printf '   %-28s %s\n' "$1" "$line"
	[ $rc -eq 1 ] && echo "$line" | grep -q 'FAILED$' || bad "mutant $1 was not failed (exit $rc)"
	echo "$out" | grep '    FAIL' | head -n 2 | sed 's/^/      /'
}
echo "== wrong programs fail"
mutant child-keeps-write-end pipe 's/close(req\[1\]) < 0 || close(rep\[0\])/close(rep[0])/'
mutant child-keeps-end-hangs pipe 's/close(req\[1\]) < 0 || close(rep\[0\])/close(rep[0])/; s/"%s\\n", argv\[1\]/"%s", argv[1]/'
mutant no-waitpid pipe 's/while (waitpid(pid, &status, 0) < 0)/while (0)/'
mutant reply-without-newline unix_stream 's/lab_write_all(cfd, reply, n);/lab_write_all(cfd, reply, n - 1);/'
mutant data-socket-leaked unix_stream 's/if (close(cfd) < 0)/if (0)/'
mutant socket-not-unlinked unix_stream 's/if (unlink(addr.sun_path) < 0)/if (0)/'
mutant no-keepalive-writer fifo 's/keep = open(path, O_WRONLY);/keep = 0;/'
mutant client-fifo-left fifo 's/if (unlink(rpath) < 0)/if (0)/'
mutant dgram-client-unbound unix_dgram 's/if (bind(fd, (struct sockaddr \*)&own, sizeof own) < 0)/if (0)/'
mutant tcp-server-never-exits tcp 's/for (int i = 0; i < count; i++)/for (int i = 0; ; i++)/'
mutant dgram-name-cut-short unix_dgram 's/LAB_NAME_MAX, MSG_TRUNC,/LAB_NAME_MAX, 0,/'
mutant udp-reply-truncated udp 's/sendto(fd, reply, n, 0/sendto(fd, reply, n - 1, 0/; s/!= (ssize_t)n)/!= (ssize_t)n - 1)/'

if [ $fails -gt 0 ]; then echo "lab-test: $fails failure(s)"; exit 1; fi
echo "lab-test: all checks of the checker passed"
