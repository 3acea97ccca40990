#!/usr/bin/env bash
# fifo_atomic.sh SIZE - two writers, one FIFO, records of SIZE bytes.
#
# Writer A writes 256 records of SIZE 'a's, writer B 256 records of SIZE
# 'b's, each record with one write() (dd bs=SIZE), both at once; one reader
# copies the FIFO to a file.  Then count the records that hold both letters:
# a write of at most PIPE_BUF bytes (4096 on Linux) is never mixed with
# another writer's, a larger one may be.
set -euo pipefail
size=${1:?usage: fifo_atomic.sh SIZE (bytes per record, e.g. 4096 or 65536)}
count=256
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkfifo "$dir/fifo"
# a slow reader (small reads) keeps the FIFO nearly full, so writers must wait
dd if="$dir/fifo" of="$dir/out" bs=512 status=none &
reader=$!
exec 3>"$dir/fifo"  # hold the FIFO open: neither writer sees a missing reader
writer() { head -c $((size * count)) /dev/zero | tr '\0' "$1" |
	dd of="$dir/fifo" bs="$size" iflag=fullblock status=none; }
writer a & wa=$!
writer b & wb=$!
wait $wa $wb
exec 3>&-
wait $reader
mixed=$(fold -w "$size" "$dir/out" | grep -c 'a.*b\|b.*a' || true)
echo "2 writers x $count records of $size bytes: $mixed records mixed"
