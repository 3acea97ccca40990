# strace.awk - read one `strace -f -o LOG` log and judge a lab program by it.
#
#   awk -v main="PATTERN" -v child="PATTERN" -f strace.awk LOG LOG
#
# (the log is read twice: once to learn which process forked which.)
# Prints one line per verdict, for check.sh:
#   order main|child ok
#   order main|child missing STEP after CALL   (the first step not found)
#   leak PID FD...                             (descriptors open at exit)
#   exit PID STATUS
#   alive PID                                  (no exit in the log: still running)
#   setsid PID                                 (left its process group's session)
# "main" is the first process in the log, "child" the first it forked.
#
# A PATTERN is a list of steps that must appear, in this order, among the
# process's SUCCESSFUL system calls, other calls in between allowed (an
# ordered subsequence).  A step is NAME[|NAME...] followed by optional
#   {TEXT}  the call, as strace wrote it, must contain TEXT (e.g. O_WRONLY)
#   (V)     the call's first argument (a descriptor, a pid) must be V
#   [V,W]   the call's first argument is an array of two (pipe2's fds)
#   =V      the call's result must be V
#   @N      the TODO that makes this step (ignored here; check.sh names it)
# V and W are words that name values (listener, child_pid): the first use
# binds, later uses must match; the child's pattern may use the names bound
# by main's.  A few short
# names stand for families: read, write, accept, open, mkfifo, unlink,
# fork, wait, exit, recvfrom, sendto.
BEGIN {
	alias["read"] = "read|recv|recvfrom|recvmsg|readv"
	alias["write"] = "write|send|sendto|sendmsg|writev"
	alias["recvfrom"] = "recvfrom|recvmsg|recv|read"
	alias["sendto"] = "sendto|sendmsg|send|write"
	alias["accept"] = "accept|accept4"
	alias["open"] = "open|openat"
	alias["mkfifo"] = "mknod|mknodat"
	alias["unlink"] = "unlink|unlinkat"
	alias["fork"] = "clone|clone3|fork|vfork"
	alias["wait"] = "wait4|waitid|waitpid"
	alias["exit"] = "exit_group|exit"
	alias["pipe"] = "pipe|pipe2"
	alias["close"] = "close"
	# calls whose result is a new descriptor
	split("socket accept accept4 open openat creat dup dup2 dup3 epoll_create " \
	      "epoll_create1 eventfd eventfd2 signalfd signalfd4 timerfd_create " \
	      "memfd_create inotify_init inotify_init1 pidfd_open", l, " ")
	for (i in l) newfd[l[i]] = 1
}

# One call: its pid, name, first argument, result; unfinished calls are
# put back together with their "resumed" half.
function parse(line,    pid, rest, name, args) {
	pid = line; sub(/ .*/, "", pid)
	rest = line; sub(/^[0-9]+ +/, "", rest)
	P = pid; N = ""; A = ""; R = ""; ARR0 = ""; ARR1 = ""; RAW = ""
	if (rest ~ /^<\.\.\. [a-z0-9_]+ resumed>/) {
		name = rest; sub(/^<\.\.\. /, "", name); sub(/ resumed>.*/, "", name)
		if (!(pid in pending))
			return 0
		rest = pending[pid] substr(rest, index(rest, "resumed>") + 8)
		delete pending[pid]
	} else if (rest ~ /<unfinished \.\.\.>$/) {
		sub(/ *<unfinished \.\.\.>$/, "", rest)
		pending[pid] = rest
		return 0
	}
	if (rest !~ /^[a-z0-9_]+\(/)
		return 0
	RAW = rest
	N = rest; sub(/\(.*/, "", N)
	args = substr(rest, length(N) + 2)
	if (args ~ /^\[[0-9]+, [0-9]+\]/) {
		ARR0 = args; sub(/^\[/, "", ARR0); sub(/,.*/, "", ARR0)
		ARR1 = args; sub(/^\[[0-9]+, /, "", ARR1); sub(/\].*/, "", ARR1)
	}
	A = args; sub(/[,)].*/, "", A)
	R = rest; sub(/.*\) += /, "", R); sub(/ .*/, "", R)
	return 1
}

# Pass 1: who forked whom, and at which line.
NR == FNR {
	if (!first) { first = $1 }
	if (parse($0) && N ~ /^(clone|clone3|fork|vfork)$/ && R ~ /^[0-9]+$/) {
		parent[R] = P
		if (!firstchild && P == first)
			firstchild = R
	}
	next
}

# Pass 2: each process's successful calls and open descriptors.
FNR == 1 { for (c in parent) forkline[c] = -1 }
{
	if ($0 ~ /^[0-9]+ +\+\+\+ (exited with|killed by)/) {
		pid = $1
		st = $0; sub(/.*\+\+\+ (exited with|killed by) /, "", st); sub(/ .*/, "", st)
		exitst[pid] = st
		dead[pid] = 1
		leaks = ""
		for (k in fds)
			if (index(k, pid SUBSEP) == 1) {
				split(k, kk, SUBSEP)
				if (kk[2] + 0 > 2) leaks = leaks " " kk[2]
			}
		if (leaks != "") print "leak " pid leaks
		next
	}
	if (!($1 in seen)) { seen[$1] = 1; order_seen[++nseen] = $1 }
	if (!parse($0))
		next
	if (R ~ /^-1/ || (R == "?" && N !~ /^exit/))
		next                       # failed, or cut short by a kill: not a step
	if (N ~ /^(clone|clone3|fork|vfork)$/ && (R in parent))
		for (k in fds)             # the child inherits every open descriptor
			if (index(k, P SUBSEP) == 1) {
				split(k, kk, SUBSEP)
				fds[R, kk[2]] = 1
			}
	if (N in newfd && R ~ /^[0-9]+$/) fds[P, R] = 1
	if ((N == "pipe" || N == "pipe2" || N == "socketpair") && ARR0 != "") {
		fds[P, ARR0] = 1; fds[P, ARR1] = 1
	}
	if (N == "close") delete fds[P, A]
	if (N == "fcntl" && $0 ~ /F_DUPFD/ && R ~ /^[0-9]+$/) fds[P, R] = 1
	if (N == "setsid") print "setsid " P
	n = ++ncalls[P]
	cname[P, n] = N; carg[P, n] = A; cret[P, n] = R; craw[P, n] = RAW
	carr0[P, n] = ARR0; carr1[P, n] = ARR1
}

# Does value `v` fit the variable `var`?  Binds it on first use.
function fits(var, v) {
	if (var == "") return 1
	if (var in bound) return bound[var] == v
	bound[var] = v
	return 1
}

function match_pattern(role, pid, pattern,    steps, ns, s, i, step, names, argv, retv, arr, a0, a1, ok, last, j, save, text) {
	ns = split(pattern, steps, " ")
	i = 1; last = "(start)"
	for (s = 1; s <= ns; s++) {
		step = steps[s]
		argv = ""; retv = ""; a0 = ""; a1 = ""; text = ""
		sub(/@[0-9]+$/, "", step)
		if (step ~ /\{/) { text = step; sub(/^[^{]*\{/, "", text); sub(/\}.*/, "", text)
			sub(/\{[^}]*\}/, "", step) }
		names = step; sub(/[(\[=].*/, "", names)
		if (step ~ /\(/) { argv = step; sub(/^[^(]*\(/, "", argv); sub(/\).*/, "", argv) }
		if (step ~ /\[/) { arr = step; sub(/^[^\[]*\[/, "", arr); sub(/\].*/, "", arr)
			a0 = arr; sub(/,.*/, "", a0); a1 = arr; sub(/.*,/, "", a1) }
		if (step ~ /=/) { retv = step; sub(/.*=/, "", retv) }
		nn = split(names, alts, "|"); re = ""
		for (j = 1; j <= nn; j++)
			re = re (re == "" ? "" : "|") (alts[j] in alias ? alias[alts[j]] : alts[j])
		re = "^(" re ")$"
		ok = 0
		for (; i <= ncalls[pid]; i++) {
			if (cname[pid, i] !~ re) continue
			if (text != "" && index(craw[pid, i], text) == 0) continue
			for (v in bound) save[v] = bound[v]
			if (fits(argv, carg[pid, i]) && fits(retv, cret[pid, i]) &&
			    fits(a0, carr0[pid, i]) && fits(a1, carr1[pid, i])) {
				ok = 1; last = cname[pid, i] "(" carg[pid, i] ")"
				i++
				break
			}
			for (v in bound) if (!(v in save)) delete bound[v]
		}
		if (!ok) {
			print "order " role " missing " steps[s] " after " last
			return
		}
	}
	print "order " role " ok"
}

END {
	if (main != "") match_pattern("main", first, main)
	if (child != "") {
		if (firstchild == "") print "order child missing fork after (start)"
		else match_pattern("child", firstchild, child)
	}
	for (p in exitst) print "exit " p " " exitst[p]
	for (k = 1; k <= nseen; k++) if (!(order_seen[k] in dead)) print "alive " order_seen[k]
	if (firstchild != "") print "child " firstchild
	print "main " first
}
