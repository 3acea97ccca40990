# trace-normalize.awk - an `strace -f` log of `ipclab demo X` made stable.
#
# Each process's calls are kept in their own order: first the parent's (the
# demo, which creates the server's endpoint: "[parent]", forks, then acts
# as the client: "[parent, client]"), then the forked child's (the server): the two run
# at once, and how their lines interleave changes from run to run.  An
# unfinished call is put back together with its resumed half.  What differs
# between runs or machines becomes a placeholder: <pid>, <port>, <tag> (a
# client's random tag), $DIR (the demo's runtime directory), <len> (an
# address length, which follows the directory's), <addr> (a pointer), <ms>
# (the time left before a deadline), $RUNDIR (the runtime directory, given
# as -v rundir=PATH).  A thread's calls are left out (ZeroMQ's I/O
# threads: see the first rule).  Descriptors keep their numbers,
# shifted so that the first one the demo creates is 3 whatever the caller
# left open.
function fd(n) { return n - shift }
function replace_all(s, lit, rep,    out, i) {
	if (lit == "") return s
	out = ""
	while ((i = index(s, lit)) > 0) { out = out substr(s, 1, i - 1) rep; s = substr(s, i + length(lit)) }
	return out s
}
function fix(s,    pre, post, n, m) {
	s = replace_all(s, "\"" rundir "\"", "\"$RUNDIR\"")
	gsub(/"[^"]*\/demo-[A-Za-z0-9]+/, "\"$DIR", s)
	gsub(/client-[0-9]+-[0-9a-f]+/, "client-<pid>-<tag>", s)
	gsub(/sun_path=@"[0-9a-f]+"/, "sun_path=@\"<autobind>\"", s)   # a name the kernel chose
	gsub(/"\\n[0-9]+-[0-9a-f]+ +"/, "\"\\n<pid>-<tag>  ...\"", s)   # a FIFO notice: 32 bytes
	if (gsub(/"[0-9]+-[0-9a-f]+\\n"/, "\"<pid>-<tag>\\n\"", s))   # a FIFO client's notice
		sub(/, [0-9]+\) += [0-9]+$/, ", <n>) = <n>", s)
	gsub(/,  +/, ", ", s)
	gsub(/S_IFDIR\|0700, st_size=[0-9]+/, "S_IFDIR|0700, st_size=<size>", s)
	gsub(/htons\([0-9]+\)/, "htons(<port>)", s)
	gsub(/pid=[0-9]+, uid=[0-9]+, gid=[0-9]+/, "pid=<pid>, uid=<uid>, gid=<gid>", s)
	gsub(/parent_tid=\[[0-9]+\]/, "parent_tid=[<pid>]", s)   # a thread's id
	gsub(/0x[0-9a-f]+/, "<addr>", s)
	gsub(/\}, [0-9]+\)/, "}, <len>)", s)
	gsub(/\}, \[[0-9]+ => [0-9]+\]\)/, "}, [<len>])", s)
	gsub(/msg_namelen=[0-9]+ => [0-9]+/, "msg_namelen=<len>", s)   # a path with a pid in it
	gsub(/\}, \[[0-9]+\]\)/, "}, [<len>])", s)
	# descriptors: first argument, poll's fd=N, pipe2's [a, b], results
	if (match(s, /^[a-z0-9_]+\([0-9]+[,)]/)) {
		pre = substr(s, 1, index(s, "(")); n = substr(s, RSTART + length(pre), RLENGTH - length(pre) - 1)
		if (s !~ /^(wait4|kill|exit_group|exit)\(/)
			s = pre fd(n) substr(s, RSTART + RLENGTH - 1)
	}
	while (match(s, /fd=[0-9]+/)) {
		n = substr(s, RSTART + 3, RLENGTH - 3)
		s = substr(s, 1, RSTART - 1) "fd@" fd(n) substr(s, RSTART + RLENGTH)
	}
	gsub(/fd@/, "fd=", s)
	if (match(s, /^(pipe2|socketpair)\(\[?[^\[]*\[[0-9]+, [0-9]+\]/)) {
		m = s; sub(/^[^\[]*\[/, "", m); n = m; sub(/,.*/, "", n); sub(/^[0-9]+, /, "", m); sub(/\].*/, "", m)
		sub(/\[[0-9]+, [0-9]+\]/, "[" fd(n) ", " fd(m) "]", s)
	}
	if (s ~ /^(socket|accept4?|openat|open|epoll_create1|signalfd4)\(/ && match(s, / = [0-9]+$/))
		s = substr(s, 1, RSTART + 2) fd(substr(s, RSTART + 3))
	if (s ~ /^(wait4|kill)\(/) { sub(/\([0-9]+,/, "(<pid>,", s); sub(/ = [0-9]+$/, " = <pid>", s) }
	if (s ~ /^clone3?\(/) sub(/ = [0-9]+$/, " = <pid>", s)
	if (s ~ /^(poll|ppoll|epoll_wait)\(/) sub(/, [1-9][0-9]*\)/, ", <ms>)", s)
	sub(/<ms> +=/, "<ms>) =", s)
	gsub(/ +=  */, " = ", s)
	return s
}
# The log is read twice (trace.sh names it twice).  The first time, only
# to find the threads a process made (clone3 with CLONE_THREAD: ZeroMQ's I/O
# threads): their calls are left out, as their timing is theirs alone.
FNR == NR {
	p = $1
	if ($0 ~ /^[0-9]+ +clone3?\(.*CLONE_THREAD/) {
		if ($0 ~ /<unfinished \.\.\.>$/) making_thread[p] = 1
		else if (match($0, / = [0-9]+$/)) thread[substr($0, RSTART + 3)] = 1
	} else if (making_thread[p] && $0 ~ /^[0-9]+ +<\.\.\. clone3? resumed>/ && match($0, / = [0-9]+$/)) {
		thread[substr($0, RSTART + 3)] = 1
		making_thread[p] = 0
	}
	next
}
$1 in thread { next }
/^[0-9]+ +(---|\+\+\+)/ { next }
{
	pid = $1; rest = $0; sub(/^[0-9]+ +/, "", rest)
	if (!(pid in role)) { role[pid] = nroles++ == 0 ? "parent, client" : "child, server"; order[nroles] = pid }
	if (rest ~ /<unfinished \.\.\.>$/) { sub(/<unfinished \.\.\.>$/, "", rest); pending[pid] = rest; next }
	if (rest ~ /^<\.\.\. [a-z0-9_]+ resumed>/) {
		tail = substr(rest, index(rest, "resumed>") + 8)
		head = pending[pid]
		if (tail ~ /^[), ]/) sub(/ +$/, "", head)   # no space before ")" or ",", none doubled, where the halves meet
		rest = head tail; delete pending[pid]
	}
	if (!shift_known && rest ~ /^(socket|socketpair|pipe2|openat|mknodat)\(/) {
		# the first descriptor the demo creates is 3 in a clean start
		if (rest ~ /^pipe2/) { n = rest; sub(/^pipe2\(\[/, "", n); sub(/,.*/, "", n) }
		else if (rest ~ /^socketpair/) { n = rest; sub(/^[^[]*\[/, "", n); sub(/,.*/, "", n) }
		else if (rest ~ /^mknodat/) n = ""
		else { n = rest; sub(/.* = /, "", n) }
		if (n ~ /^[0-9]+$/) { shift = n - 3; shift_known = 1 }
	}
	# A FIFO server reads a connection notice one byte at a time, as many
	# reads as the client's id has digits: one line stands for them all.
	if (rest ~ /^read\([0-9]+, +"[^"]", 1\) += 1$/) {
		n = rest; sub(/,.*/, "", n)
		if (n == lastbyte[pid]) next
		lastbyte[pid] = n
		sub(/"[^"]"/, "\"<pid>-<tag>\\n\"", rest)
		sub(/ += 1$/, " = 1 (one byte at a time, up to the newline)", rest)
	} else lastbyte[pid] = ""
	line[pid, ++count[pid]] = rest
	# the demo's parent sets up the server's endpoint, forks, then is the client
	who[pid, count[pid]] = role[pid] == "child, server" ? role[pid] : forked[pid] ? "parent, client" : "parent"
	if (rest ~ /^(clone|clone3|fork|vfork)\(/) forked[pid] = 1
}
END {
	for (i = 1; i <= nroles; i++) {
		pid = order[i]
		for (j = 1; j <= count[pid]; j++)
			printf "[%s] %s\n", who[pid, j], fix(line[pid, j])
	}
}
