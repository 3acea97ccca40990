#!/bin/sh
# mutate.sh - how many planted bugs do the tests catch?  (`make mutate`)
#
#   sh scripts/mutate.sh [-n MAX] [-s SEED] [-t "SUITES"] [-o REPORT] FILE_OR_FOLDER...
#
# Lists the mutants of the C files given (scripts/mutate.awk: comparisons
# flipped at their boundary, && and ||, + and -, constants, true and false,
# dropped statements, swapped arguments), picks MAX of them (default 20;
# 0: all) spread by SEED (default 1), and for each one: copies the change
# into a scratch copy of the tree (the working tree is never touched), builds
# the sanitized test programs there, and runs the suites that use the
# mutated file (or SUITES) under the harness's per-test deadlines, stopping
# at the first failure.  A mutant that does not compile is stillborn and not
# counted.  Prints each mutant's fate, the survivors as file:line, and the
# score per folder (killed / counted); the same in REPORT (default
# build/mutate/report.txt).  Exit status 0 (a survivor is a finding, not an
# error); 2 if the unmutated suites fail (nothing could be judged).
#
# The scratch copy is ${TMPDIR:-/tmp}/ipclab-mutate.XXXXXX, removed at the
# end (MUTATE_KEEP=1 keeps it).  Needs sh, awk, make, cc, cmocka: no python.
set -u

max=20 seed=1 suites="" report=build/mutate/report.txt
while getopts n:s:t:o: opt; do
	case $opt in
	n) max=$OPTARG ;;
	s) seed=$OPTARG ;;
	t) suites=$OPTARG ;;
	o) report=$OPTARG ;;
	*) echo "usage: $0 [-n MAX] [-s SEED] [-t SUITES] [-o REPORT] FILE_OR_FOLDER..." >&2
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
	if [ -d "$arg" ]; then
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
	for t in tests/test_*.c; do
		if grep -q "#include \"$hdr\"" "$t" 2>/dev/null; then
			basename "${t%.c}"; continue
		fi
		for s in $syms; do
			if grep -qw "$s" "$t"; then basename "${t%.c}"; break; fi
		done
	done | sort -u | tr '\n' ' '
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
total=$(wc -l <"$scratch/all")
if [ "$max" -gt 0 ] && [ "$total" -gt "$max" ]; then
	awk -v seed="$seed" 'BEGIN { srand(seed) } { printf "%.8f %s\n", rand(), $0 }' \
		"$scratch/all" | sort -k1,1 | head -n "$max" | cut -d' ' -f2- |
		sort -t"$(printf '\037')" -k1,1 -k2,2n >"$scratch/picked"
else
	cp "$scratch/all" "$scratch/picked"
fi
picked=$(wc -l <"$scratch/picked")

# Mutants that change a type (a swapped pointer argument) must not compile.
mk() {
	make -C "$tree" --no-print-directory WERROR= \
		CPPFLAGS="-Werror=incompatible-pointer-types -Werror=int-conversion" "$@" </dev/null
}
run_suites() { # $1: the suites; prints the first that fails, and its first failed test
	for s in $1; do
		if ! (cd "$tree" && IPCLAB_BIN="$tree/build/asan/bin/ipclab" \
			ASAN_OPTIONS=detect_leaks=1 timeout -k 10 900 "build/asan/tests/$s" \
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
say() { echo "$*"; echo "$*" >>"$report.tmp"; }
say "mutate: $total mutants in$files; $picked picked (seed $seed)"

# The suites must pass unmutated, or no mutant can be judged.
for f in $files; do
	s=${suites:-$(suites_for "$f")}
	[ -n "$s" ] || s=$(cd tests && ls test_*.c | sed 's/\.c$//' | tr '\n' ' ')
	echo "$f $s" >>"$scratch/suites"
done
all_suites=$(cut -d' ' -f2- "$scratch/suites" | tr ' ' '\n' | sort -u | tr '\n' ' ')
say "building the scratch copy and running its suites unmutated: $all_suites"
if ! mk build/asan/bin/ipclab $(for s in $all_suites; do echo "build/asan/tests/$s"; done) \
	>"$scratch/build.log" 2>&1; then
	tail -20 "$scratch/build.log" >&2
	echo "mutate: the unmutated tree does not build" >&2
	exit 2
fi
if failed=$(run_suites "$all_suites"); then :; else
	say "mutate: $failed fails without any mutant: fix that first"
	tail -30 "$scratch/run.log" >&2
	mv "$report.tmp" "$report"
	exit 2
fi

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
	if ! mk build/asan/bin/ipclab $(for t in $s; do echo "build/asan/tests/$t"; done) \
		>"$scratch/build.log" 2>&1; then
		fate=stillborn
	elif by=$(run_suites "$s"); then
		fate=SURVIVED
	else
		fate="killed by $by"
	fi
	cp "$scratch/pristine/$file" "$tree/$file"
	say "[$n/$picked] $where: $desc: $fate ($(( $(date +%s) - start )) s)"
	echo "$file$SEP$line$SEP$fate$SEP$desc" >>"$scratch/fates"
done <"$scratch/picked"

say ""
say "survivors (file:line):"
awk -F"$SEP" '$3 == "SURVIVED" { print "  " $1 ":" $2 ": " $4 }' "$scratch/fates" |
	tee -a "$report.tmp"
say ""
say "score per folder (killed / counted; stillborn not counted):"
awk -F"$SEP" '{ d = $1; sub(/\/[^\/]*$/, "", d)
		if ($3 == "stillborn") { born[d] += 0; still[d]++; next }
		counted[d]++; if ($3 != "SURVIVED") killed[d]++ }
	END { for (d in counted) printf "  %-14s %3d / %3d  %3.0f %%  (%d stillborn)\n", d,
		killed[d], counted[d], 100 * killed[d] / counted[d], still[d] }' \
	"$scratch/fates" | sort | tee -a "$report.tmp"
mv "$report.tmp" "$report"
echo "report: $report"
