# mkskel.awk - turn a lab solution into the student's skeleton.
#
# Every block between "/* SOLUTION BEGIN */" and "/* SOLUTION END */" is
# dropped; everything else is copied unchanged, so the TODO text above each
# block is the same line in both files and cannot drift from the code.
# Refuses (exit 1) a solution whose markers do not pair up, whose block has
# no "TODO N:" comment above it, or whose TODOs are not numbered 1, 2, 3, ...
/\/\* SOLUTION BEGIN \*\//	{
	if (inside) fail("SOLUTION BEGIN inside a block")
	if (!pending) fail("a block without a TODO comment above it")
	inside = 1
	next
}
/\/\* SOLUTION END \*\//	{
	if (!inside) fail("SOLUTION END without BEGIN")
	inside = 0; pending = 0; count++
	next
}
inside	{ next }
/TODO [0-9]+:/	{
	match($0, /TODO [0-9]+:/)
	n = substr($0, RSTART + 5, RLENGTH - 6) + 0
	if (pending) fail("TODO " pending " has no block")
	if (n != count + 1) fail("TODO " n " where TODO " count + 1 " was expected")
	pending = n
}
{ print }
END {
	if (failed) exit 1
	if (inside) fail("SOLUTION BEGIN never ended")
	if (pending) fail("TODO " pending " has no block")
	if (count == 0) fail("no TODO blocks")
}
function fail(why) {
	printf "%s:%d: %s\n", FILENAME, FNR, why > "/dev/stderr"
	failed = 1
	exit 1
}
