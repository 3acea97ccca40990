# inproc.sh - layers 2 and 3, measured inside ipclab (sourced by run.sh):
# round-trip latency with placement as an axis, throughput versus message
# size, and connection set-up.  One CSV per run under latency/,
# throughput/ and connect/; latency samples (µs, one per line) under
# samples/ for the CDF plot.

# pin_label 0,1 -> 0-1 (for file names); "none" stays.
pin_label() { printf '%s' "${1/,/-}"; }

latency_layer() {
	local t mode pin n=0 total args label
	mkdir -p "$RESULTS_DIR/latency" "$RESULTS_DIR/samples"
	total=$(($(wc -w <<<"$TRANSPORTS") * 2 * $(wc -w <<<"$PLACEMENTS")))
	for t in $TRANSPORTS; do
		for mode in greeting 64; do
			for pin in $PLACEMENTS; do
				n=$((n + 1))
				label=${t}_${mode}_$(pin_label "$pin")
				say "latency [$n/$total] $t, $([ "$mode" = greeting ] && echo greeting || echo "$mode B"), pin $pin, $LAT_COUNT round trips"
				args=(bench latency "$t" --count "$LAT_COUNT" --warmup "$LAT_WARMUP"
				      --format csv --samples "$RESULTS_DIR/samples/latency_$label.txt")
				[ "$mode" = greeting ] || args+=(--size "$mode")
				[ "$pin" = none ] || args+=(--pin "$pin")
				to_csv "$RESULTS_DIR/latency/$label.csv" "$IPCLAB" "${args[@]}"
			done
		done
	done
}

# The largest payload one datagram carries (udp/inet/udp.c UDP_MAX_PAYLOAD,
# unix_dgram/unix_dgram.c UD_MAX_MESSAGE); 0 for byte streams.
datagram_limit() {
	case "$1" in
	udp) echo 65507 ;;
	unix_dgram) echo 65536 ;;
	*) echo 0 ;;
	esac
}

# Bytes to send for one size: TP_MSGS messages, at least TP_MIN_TOTAL
# (small messages) and at most TP_MAX_TOTAL (large ones).
tp_total() {
	local total=$(($1 * TP_MSGS))
	[ "$total" -ge "$TP_MIN_TOTAL" ] || total=$TP_MIN_TOTAL
	[ "$total" -le "$TP_MAX_TOTAL" ] || total=$TP_MAX_TOTAL
	echo "$total"
}

# tp_sizes T - the message sizes of T's sweep: byte streams 64 B to 1 MiB,
# datagrams up to their limit.
tp_sizes() {
	local limit
	limit=$(datagram_limit "$1")
	if [ "$limit" -eq 0 ]; then echo "$TP_STREAM_SIZES"; else echo "$TP_DGRAM_SIZES $limit"; fi
}

# tp_placement_sizes T - TP_PLACEMENT_SIZES, cut to T's datagram limit.
tp_placement_sizes() {
	local limit size
	limit=$(datagram_limit "$1")
	for size in $TP_PLACEMENT_SIZES; do
		if [ "$limit" -gt 0 ] && [ "$size" -gt "$limit" ]; then size=$limit; fi
		printf '%s ' "$size"
	done
}

# tp_run T SIZE PIN FILE - one throughput run into FILE.
tp_run() {
	local pin_args=()
	[ "$3" = none ] || pin_args=(--pin "$3")
	to_csv "$4" "$IPCLAB" bench throughput "$1" --size "$2" --total "$(tp_total "$2")" \
		"${pin_args[@]}" --format csv
}

# tp_median OUT FILE... - copy the FILE with the median MB/s to OUT.
tp_median() {
	local out=$1 f
	shift
	f=$(for f in "$@"; do printf '%s %s\n' "$(csv_get "$f" mb_per_s)" "$f"; done |
		sort -g | awk '{ v[NR] = $2 } END { print v[int((NR + 1) / 2)] }')
	cp "$f" "$out"
}

# The sweep runs TP_ROUNDS times, every size of every transport once per
# round, so that a burst of noise on the VM (another guest, the host)
# spoils one round of a size and not its figure: throughput/T_SIZE.csv is
# the round with the median MB/s, and throughput/rounds/ keeps them all.
# The sweep runs at the main placement (client and server on different
# CPUs); TP_PLACEMENT_SIZES then run at the other placements too
# (throughput/T_SIZE_PIN.csv): on one CPU the data never leaves that CPU's
# caches, which moves a pipe's MB/s more than the transport does.
throughput_layer() {
	local t size n=0 count=0 round pin dir=$RESULTS_DIR/throughput other=() files label
	mkdir -p "$dir/rounds"
	for pin in $PLACEMENTS; do [ "$pin" = "$MAIN_PIN" ] || other+=("$pin"); done
	for t in $TRANSPORTS; do
		count=$((count + $(tp_sizes "$t" | wc -w) + ${#other[@]} * $(tp_placement_sizes "$t" | wc -w)))
	done
	count=$((count * TP_ROUNDS))
	for ((round = 1; round <= TP_ROUNDS; round++)); do
		for t in $TRANSPORTS; do
			for size in $(tp_sizes "$t"); do
				n=$((n + 1))
				say "throughput [$n/$count] round $round/$TP_ROUNDS, $t, $size B messages, $(($(tp_total "$size") >> 20)) MiB, pin $MAIN_PIN"
				tp_run "$t" "$size" "$MAIN_PIN" "$dir/rounds/${t}_$size.r$round.csv"
			done
			for pin in "${other[@]}"; do
				for size in $(tp_placement_sizes "$t"); do
					n=$((n + 1))
					label=${t}_${size}_$(pin_label "$pin")
					say "throughput [$n/$count] round $round/$TP_ROUNDS, $t, $size B messages, pin $pin"
					tp_run "$t" "$size" "$pin" "$dir/rounds/$label.r$round.csv"
				done
			done
		done
	done
	for t in $TRANSPORTS; do
		for size in $(tp_sizes "$t"); do
			files=("$dir/rounds/${t}_$size".r*.csv)
			tp_median "$dir/${t}_$size.csv" "${files[@]}"
		done
		for pin in "${other[@]}"; do
			for size in $(tp_placement_sizes "$t"); do
				label=${t}_${size}_$(pin_label "$pin")
				files=("$dir/rounds/$label".r*.csv)
				tp_median "$dir/$label.csv" "${files[@]}"
			done
		done
	done
}

connect_layer() {
	local t pin_args=()
	mkdir -p "$RESULTS_DIR/connect"
	[ "$MAIN_PIN" = none ] || pin_args=(--pin "$MAIN_PIN")
	for t in fifo unix_stream tcp; do
		say "connect: $t, $CONN_COUNT set-ups, pin $MAIN_PIN"
		to_csv "$RESULTS_DIR/connect/$t.csv" "$IPCLAB" bench connect "$t" \
			--count "$CONN_COUNT" "${pin_args[@]}" --format csv \
			--samples "$RESULTS_DIR/samples/connect_$t.txt"
	done
}
