#!/bin/sh
# mutate.sh - how many planted bugs do the tests catch?  (`make mutate`)
#
#   sh scripts/mutate.sh [-n MAX] [-f PER_FOLDER] [-s SEED] [-t "SUITES"] [-o REPORT]
#                        [-l FILE:LINE,...] [-b] FILE_OR_FOLDER...
#
# Lists the mutants of the C files given (scripts/mutate.awk: comparisons
# flipped at their boundary, && and ||, + and -, constants, true and false,
# dropped statements, swapped arguments), picks MAX of them (default 20;
# 0: all) spread by SEED (default 1) -- with -f, at most PER_FOLDER from
# each folder, so that a sample scores every folder -- and for each one: copies the change
# into a scratch copy of the tree (the working tree is never touched), builds
# the sanitized test programs there, and runs the suites that use the
# mutated file (or SUITES) under the harness's per-test deadlines, stopping
# at the first failure.  A mutant that does not compile is stillborn and not
# counted.  The lab grader (lab/: reaper.c, peer.c, strace.awk, mkskel.awk)
# is judged by `make lab-test` instead of the suites.
#
# A suite that kills a mutant is then run once on the unmutated tree (the
# first time it kills one): if it fails there too, its kills are not
# counted ("unjudged").  -b runs every suite unmutated first instead, as a
# whole `make test` would (slower: a sample of a few mutants costs a run of
# every suite).  Prints each mutant's fate, the survivors as file:line, and the
# score per folder (killed / counted); the same in REPORT (default
# build/mutate/report.txt).  Exit status 0 (a survivor is a finding, not an
# error); 2 if the unmutated suites fail (with -b: nothing could be judged).
#
# The scratch copy is ${TMPDIR:-/tmp}/ipclab-mutate.XXXXXX, removed at the
# end (MUTATE_KEEP=1 keeps it).  -l keeps only the mutants at the places
# listed (file:line, comma-separated): a survivor checked again, say with
# more suites.  Needs sh, awk, make, cc, cmocka: no python.
set -u

max=20 per_folder=0 seed=1 suites="" report=build/mutate/report.txt only="" baseline=0
while getopts n:f:s:t:o:l:b opt; do
	case $opt in
	n) max=$OPTARG ;;
	f) per_folder=$OPTARG ;;
	s) seed=$OPTARG ;;
	t) suites=$OPTARG ;;
	o) report=$OPTARG ;;
	l) only=$OPTARG ;;
	b) baseline=1 ;;
	*) echo "usage: $0 [-n MAX] [-f PER_FOLDER] [-s SEED] [-t SUITES] [-o REPORT]" \
		"[-l FILE:LINE,...] [-b] FILE_OR_FOLDER..." >&2
	   exit 64 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -eq 0 ]; then
	echo "mutate: name a file or folder to mutate, e.g. make mutate MUTATE=src/lograte.c" >&2
	exit 64
fi
top=$(pwd)
[ -f Makefile ] && [ -d tests ] || { echo "mutate: run it from the top of the tree" >&2; exit 64; }

# The C files named, or under the folders named (tests and fuzzers excluded).
files=""
for arg in "$@"; do
	arg=${arg%/}
	if [ "$arg" = lab ]; then # the grader's own code, not the solutions it grades
		files="$files lab/mkskel.awk lab/peer.c lab/reaper.c lab/strace.awk"
	elif [ -d "$arg" ]; then
		files="$files $(find "$arg" -name '*.c' ! -path '*/tests/*' ! -path 'tests/*' \
			! -path '*/fuzz/*' ! -path 'fuzz/*' ! -path 'build/*' ! -path 'lab/*' | sort |
			tr '\n' ' ')"
	elif [ -f "$arg" ]; then
		files="$files $arg"
	else
		echo "mutate: $arg: no such file or folder" >&2
		exit 64
	fi
done

# The suites that use a file: those that name one of its external
# functions or objects (a transport's ipc_transport), or include its header.
suites_for() {
	f=$1
	syms=$(awk '/^[A-Za-z]/ && !/^static/ && !/^(struct|enum|union|typedef)[^(]*$/ {
			line = $0; sub(/\(.*/, "", line); sub(/[ \t]*[=;].*/, "", line)
			n = split(line, w, /[ *]+/)
			if (n && w[n] ~ /^[a-z_][a-z0-9_]*$/) print w[n] }' "$f" | sort -u)
	hdr=$(basename "${f%.c}").h
	# A transport is also reached through the registry (ipc_transports).
	grep -q '^const struct ipc_transport [a-z_]* = ' "$f" && syms="$syms ipc_transports"
	{ grep -lF "#include \"$hdr\"" tests/test_*.c
	  [ -z "$syms" ] || grep -lw $(for x in $syms; do printf -- '-e %s ' "$x"; done) tests/test_*.c
	} 2>/dev/null | sed 's|^tests/||; s|\.c$||' | sort -u | tr '\n' ' '
}
# A file no suite names (a transport's inner file, reached through its
# ipc_transport) is judged by the suites of the other files in its folder.
suites_for_file() {
	case $1 in lab/*) echo lab-test; return ;; esac
	s=$(suites_for "$1")
	if [ -z "$s" ]; then
		for g in "$(dirname "$1")"/*.c; do
			[ "$g" = "$1" ] || suites_for "$g"
		done | tr ' ' '\n' | sort -u | grep . | tr '\n' ' '
	else
		echo "$s"
	fi
}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/ipclab-mutate.XXXXXX") || exit 1
cleanup() { [ "${MUTATE_KEEP:-}" = 1 ] || rm -rf "$scratch"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
tree=$scratch/tree
mkdir -p "$tree" "$scratch/pristine" "$(dirname "$report")"
# What git tracks, as it is in the working tree now (uncommitted edits too).
if [ -e .git ]; then
	git ls-files -z | xargs -0 cp -P --parents -t "$tree" 2>/dev/null
	git ls-files -z --others --exclude-standard | xargs -0 -r cp -P --parents -t "$tree" 2>/dev/null
else
	tar --exclude=./build --exclude=./bin -cf - . | tar -C "$tree" -xf -
fi

# Mutants, then a sample spread by the seed.
awk -f scripts/mutate.awk $files >"$scratch/all"
if [ -n "$only" ]; then
	awk -F"$(printf '\037')" -v only=",$only," 'index(only, "," $1 ":" $2 ",")' \
		"$scratch/all" >"$scratch/only" && mv "$scratch/only" "$scratch/all"
fi
total=$(wc -l <"$scratch/all")
[ "$max" -gt 0 ] || max=$total
# Shuffled by the seed; with -f, the first PER_FOLDER of each folder kept.
awk -v seed="$seed" 'BEGIN { srand(seed) } { printf "%.8f %s\n", rand(), $0 }' \
	"$scratch/all" | sort -k1,1 | cut -d' ' -f2- |
	awk -F"$(printf '\037')" -v k="$per_folder" '{ d = $1; sub(/\/[^\/]*$/, "", d) }
		k == 0 || ++seen[d] <= k' | head -n "$max" |
	sort -t"$(printf '\037')" -k1,1 -k2,2n >"$scratch/picked"
picked=$(wc -l <"$scratch/picked")

# Mutants that change a type (a swapped pointer argument) must not compile.
mk() {
	set -- $(for a in "$@"; do case $a in build/asan/tests/lab-test*) ;; *) echo "$a" ;; esac; done)
	make -C "$tree" --no-print-directory WERROR= \
		CPPFLAGS="-Werror=incompatible-pointer-types -Werror=int-conversion" "$@" </dev/null
}
# Each suite in a session of its own: a mutant that makes a test signal
# process group 0 (a fork's parent and child swapped) stops that suite, not
# this script or the time-out that ends the suite.
# The slowest suites run last: a mutant most suites kill costs little.
slow="test_bench test_load test_trace test_docs test_install test_netlab"
# Each suite's program is linked just before it runs: the suites after the
# one that kills a mutant are never linked for it (a change in src/ relinks
# every test program that is built).
run_suites() { # $1: the suites; prints the first that fails, and its first failed test;
	       # status 1 if one fails, 2 if one does not build
	for s in $(for x in $1; do case " $slow " in *" $x "*) ;; *) echo "$x" ;; esac; done) \
		 $(for x in $slow; do case " $1 " in *" $x "*) echo "$x" ;; esac; done); do
		if [ "$s" != lab-test ] && ! mk "build/asan/tests/$s" >"$scratch/build.log" 2>&1; then
			echo "$s (does not build)"
			return 2
		fi
		if [ "$s" = lab-test ]; then
			if ! (cd "$tree" && timeout -k 10 1200 setsid -w make --no-print-directory lab-test \
				</dev/null >"$scratch/run.log" 2>&1); then
				why=$(grep -m1 -E '^lab-test FAILED: ' "$scratch/run.log" | sed 's/^lab-test FAILED: //')
				echo "lab-test${why:+ ($why)}"
				return 1
			fi
			continue
		fi
		if ! (cd "$tree" && IPCLAB_BIN="$tree/build/asan/bin/ipclab" \
			ASAN_OPTIONS=detect_leaks=1 timeout -k 10 900 setsid -w "build/asan/tests/$s" \
			</dev/null >"$scratch/run.log" 2>&1); then
			why=$(grep -m1 -E '^\[  (FAILED|ERROR)   ?\] [a-z]' "$scratch/run.log" |
				sed 's/^\[[^]]*\] //')
			echo "$s${why:+ ($why)}"
			return 1
		fi
	done
	return 0
}

: >"$report.tmp"
say() { printf '%s\n' "$*"; printf '%s\n' "$*" >>"$report.tmp"; }
say "mutate: $total mutants in$files; $picked picked (seed $seed)"

# The suites must pass unmutated, or no mutant can be judged.
for f in $(cut -d"$(printf '\037')" -f1 "$scratch/picked" | sort -u); do
	s=${suites:-$(suites_for_file "$f")}
	[ -n "$s" ] || s=$(cd tests && ls test_*.c | sed 's/\.c$//' | tr '\n' ' ')
	echo "$f $s" >>"$scratch/suites"
done
all_suites=$(cut -d' ' -f2- "$scratch/suites" | tr ' ' '\n' | sort -u | tr '\n' ' ')
say "building the scratch copy$([ $baseline = 1 ] && echo " and running its suites unmutated"): $all_suites"
# (the test programs' objects; each program is linked when it first runs)
if ! mk build/asan/bin/ipclab $(for s in $all_suites; do echo "build/asan/tests/$s.o"; done) \
	>"$scratch/build.log" 2>&1; then
	tail -20 "$scratch/build.log" >&2
	echo "mutate: the unmutated tree does not build" >&2
	exit 2
fi
verified="" broken=""
if [ $baseline = 1 ]; then
	if failed=$(run_suites "$all_suites"); then :; else
		say "mutate: $failed fails without any mutant: fix that first"
		grep -E -A3 'ERROR|FAILED|left|deadline' "$scratch/run.log" | head -40 >&2
		mv "$report.tmp" "$report"
		exit 2
	fi
	verified=" $all_suites "
fi
# check_unmutated SUITE: 0 if SUITE passes on the unmutated tree (each
# suite run once, the first time it kills a mutant; the tree is pristine
# when this is called).
check_unmutated() {
	case "$verified" in *" $1 "*) return 0 ;; esac
	case "$broken" in *" $1 "*) return 1 ;; esac
	if mk build/asan/bin/ipclab >"$scratch/build.log" 2>&1 && run_suites "$1" >/dev/null; then
		verified="$verified $1 "; return 0
	fi
	broken="$broken $1 "
	say "mutate: $1 fails without any mutant: its kills are not counted"
	return 1
}

n=0
SEP=$(printf '\037')
while IFS="$SEP" read -r file line op col len repl orig; do
	n=$((n + 1))
	where="$file:$line"
	desc="$op \`$orig\` -> \`$repl\`"
	[ -f "$scratch/pristine/$file" ] || { mkdir -p "$scratch/pristine/$(dirname "$file")"
		cp "$tree/$file" "$scratch/pristine/$file"; }
	R=$repl awk -v L="$line" -v C="$col" -v N="$len" \
		'FNR == L { $0 = substr($0, 1, C - 1) ENVIRON["R"] substr($0, C + N) } { print }' \
		"$scratch/pristine/$file" >"$tree/$file"
	s=$(awk -v f="$file" '$1 == f { $1 = ""; print; exit }' "$scratch/suites")
	start=$(date +%s)
	if ! mk build/asan/bin/ipclab >"$scratch/build.log" 2>&1; then
		fate=stillborn
	else
		by=$(run_suites "$s")
		case $? in
		0) fate=SURVIVED ;;
		1) fate="killed by $by" ;;
		*) fate=stillborn ;;
		esac
	fi
	cp "$scratch/pristine/$file" "$tree/$file"
	case $fate in "killed by "*)
		killer=${fate#killed by }; killer=${killer%% *}
		check_unmutated "$killer" || fate="unjudged ($killer fails unmutated)" ;;
	esac
	say "[$n/$picked] $where: $desc: $fate ($(( $(date +%s) - start )) s)"
	printf '%s\n' "$file$SEP$line$SEP$fate$SEP$desc" >>"$scratch/fates"
done <"$scratch/picked"

say ""
say "survivors (file:line):"
awk -F"$SEP" '$3 == "SURVIVED" { print "  " $1 ":" $2 ": " $4 }' "$scratch/fates" |
	tee -a "$report.tmp"
say ""
say "score per folder (killed / counted; stillborn not counted):"
awk -F"$SEP" '{ d = $1; sub(/\/[^\/]*$/, "", d)
		if ($3 == "stillborn") { born[d] += 0; still[d]++; next }
		if ($3 ~ /^unjudged/) { counted[d] += 0; killed[d] += 0; next }
		counted[d]++; if ($3 != "SURVIVED") killed[d]++ }
	END { for (d in counted) printf "  %-14s %3d / %3d  %3.0f %%  (%d stillborn)\n", d,
		killed[d], counted[d], counted[d] ? 100 * killed[d] / counted[d] : 0, still[d] }' \
	"$scratch/fates" | sort | tee -a "$report.tmp"
mv "$report.tmp" "$report"
echo "report: $report"
