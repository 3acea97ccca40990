#!/bin/sh
# run.sh SECONDS TARGET... - run each libFuzzer target SECONDS seconds and
# print one line per target: executions and crashes.  Exits 1 if any crashed.
#
# Each target starts from its committed seed corpus (fuzz/corpus/<target>)
# plus what earlier runs found (build/fuzz/corpus/<target>, where new inputs
# go, so the committed seeds never change).  A crash leaves its input in
# build/fuzz/crash-*; replay it with `build/fuzz/<target> <file>`.
set -u
seconds=$1
shift
out=build/fuzz
status=0
for t in "$@"; do
	mkdir -p "$out/corpus/$t"
	log="$out/$t.log"
	"$out/$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
		-artifact_prefix="$out/" "$out/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	crashes=0
	if [ "$rc" -ne 0 ]; then
		crashes=1
		status=1
	fi
	printf 'fuzz %-14s %12s executions in %s s, %d crashes%s\n' "$t" "${execs:-?}" \
		"$seconds" "$crashes" "$([ "$crashes" -eq 0 ] || echo " (see $log)")"
done
exit $status
