#!/bin/sh
# deps.sh [--check] GROUP... - the Debian packages a job needs.
#   build  liburing-dev (the io_uring server mode and client) and libzmq3-dev
#          (the ZeroMQ transports, in bin/ipclab-zmq): what `make` needs
#   test   cmocka (unit tests), netcat-openbsd and socat (tests that use
#          standard tools as clients); libnetfilter-queue-dev (test_netlab
#          builds and runs netdelay); strace (test_hostile_mqueue holds one
#          server at a system call to race another); the build group's
#          libraries
#   bench  hyperfine, gnuplot, jq (reads hyperfine's JSON), and the peer tools
#          the benchmarks compare with: perf (linux-perf), sockperf, qperf;
#          iproute2 (ss: is a peer server listening yet?); redis-server and
#          redis-tools (the reference of the scaling benchmark)
#   valgrind  valgrind (`make valgrind`)
#   netlab iproute2 (ip, tc, ss), nftables, gnuplot-nox (`make netlab`);
#          libnetfilter-queue-dev and iptables (netdelay, its delay and
#          reordering where the kernel has no tc netem)
#   lab    strace (`make lab-check`, `make trace`), pandoc (`make handout`),
#          chromium (the handout's browser test), socat and iproute2 (ss, nstat:
#          the experiments the handout runs)
#   fuzz   clang, whose compiler runtime holds libFuzzer (`make fuzz`)
#   doc    pandoc (the man page, built from docs/ipclab.1.md)
# Without --check (`make deps`): name the missing packages, then install
# them (as root; otherwise print the command to run).
# With --check (every other target): install nothing; name what is missing
# and how to install it, and fail.
set -eu

check=""
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
packages=""
for group in "$@"; do
	case "$group" in
	build) packages="$packages liburing-dev libzmq3-dev" ;;
	test)  packages="$packages libcmocka-dev netcat-openbsd socat libnetfilter-queue-dev strace liburing-dev libzmq3-dev" ;;
	bench) packages="$packages liburing-dev libzmq3-dev hyperfine gnuplot-nox jq linux-perf sockperf qperf iproute2 redis-server redis-tools" ;;
	valgrind) packages="$packages valgrind" ;;
	netlab) packages="$packages iproute2 nftables gnuplot-nox libnetfilter-queue-dev iptables" ;;
	lab)   packages="$packages strace pandoc chromium socat iproute2" ;;
	fuzz)  packages="$packages clang" ;;
	doc)   packages="$packages pandoc" ;;
	*) echo "deps.sh: unknown group '$group' (build, test, bench, valgrind, netlab, lab, fuzz, doc)" >&2; exit 2 ;;
	esac
done

if ! command -v dpkg-query >/dev/null; then
	# Not Debian: the names may differ; the build says what it lacks.
	[ -n "$check" ] && exit 0
	echo "deps.sh: no dpkg-query: install the equivalents of:$packages" >&2
	exit 1
fi
missing=""
for p in $packages; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ -n "$check" ]; then
	# This job's packages only: `make deps` would add every other job's.
	echo "missing Debian packages:$missing; install them with: sudo apt-get install$missing" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "missing Debian packages:$missing; install them with: sudo apt-get install$missing" >&2
	exit 1
fi
echo "deps.sh: installing these Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps.sh: installed:$missing" >&2
