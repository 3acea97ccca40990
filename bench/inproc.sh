# inproc.sh - the steps measured inside ipclab (sourced by run.sh): round-
# trip latency with placement as an axis, throughput versus message size,
# and connection set-up.  Each run leaves its result row in a CSV file of
# its own (latency/, throughput/, connect/) and, for latency, every round
# trip in samples/.  `ipclab bench report` reads them all.

# pin_label 0,1 -> 0-1 (for file names); "none" stays.
pin_label() { printf '%s' "${1/,/-}"; }
# pin_args PIN - the --pin option for a placement, nothing for "none".
pin_args() { [ "$1" = none ] || printf -- '--pin\n%s\n' "$1"; }

# machine_pauses - the machine's own pauses on each CPU the placements use
# (`ipclab bench pauses`: a loop that only reads the clock), just before
# the round trips that meet them; the summary sets the one-CPU tail
# against them.
machine_pauses() {
	local cpu
	mkdir -p "$RESULTS_DIR/machine"
	say "the machine's own pauses on CPU ${CPU_IDS[*]:0:2}, $PAUSE_MS ms each"
	for cpu in "${CPU_IDS[@]:0:2}"; do
		to_csv "$RESULTS_DIR/machine/pauses_cpu$cpu.csv" "$IPCLAB" bench pauses --pin "$cpu" \
			--count "$PAUSE_MS" --format csv
	done
}

latency_layer() {
	local t mode pin n=0 total args label
	mkdir -p "$RESULTS_DIR/latency" "$RESULTS_DIR/samples"
	machine_pauses
	total=$(wc -w <<<"$TRANSPORTS")
	for t in $TRANSPORTS; do
		n=$((n + 1))
		say "[$n/$total] $t: greeting and 64 B echo, $LAT_COUNT round trips each at pin" $PLACEMENTS
		for mode in greeting 64; do
			for pin in $PLACEMENTS; do
				label=${t}_${mode}_$(pin_label "$pin")
				[ "$mode" = greeting ] || label=${t}_echo_$(pin_label "$pin")
				args=(bench latency "$t" --count "$LAT_COUNT" --warmup "$LAT_WARMUP"
				      --format csv --samples "$RESULTS_DIR/samples/latency_$label.txt")
				[ "$mode" = greeting ] || args+=(--size "$mode")
				mapfile -t -O "${#args[@]}" args < <(pin_args "$pin")
				to_csv "$RESULTS_DIR/latency/$label.csv" "$IPCLAB" "${args[@]}"
			done
		done
	done
	spin_rows
}

# Beside the transports: shm spinning instead of sleeping on its doorbell
# (transport shm-spin), and the floor under every round trip, one cache
# line passed between the two processes (transport pingpong).
spin_rows() {
	local pin label
	for pin in $PLACEMENTS; do
		[ "$pin" = none ] && continue
		label=$(pin_label "$pin")
		say "latency: shm --wait spin and the cache-line ping-pong, pin $pin"
		to_csv "$RESULTS_DIR/latency/shm-spin_greeting_$label.csv" "$IPCLAB" bench latency shm \
			--wait spin --pin "$pin" --count "$LAT_COUNT" --warmup "$LAT_WARMUP" --format csv \
			--samples "$RESULTS_DIR/samples/latency_shm-spin_greeting_$label.txt"
		to_csv "$RESULTS_DIR/latency/pingpong_$label.csv" "$IPCLAB" bench pingpong \
			--pin "$pin" --format csv
	done
}

# The largest payload one datagram carries, 0 for byte streams (the
# registry's figure: `ipclab bench transports`).
datagram_limit() { awk -v t="$1" '$1 == t { print $3 }' <<<"$TRANSPORT_FACTS"; }

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

# tp_cut T SIZE... - the sizes, each cut to T's datagram limit.
tp_cut() {
	local limit size t=$1
	shift
	limit=$(datagram_limit "$t")
	for size in "$@"; do
		if [ "$limit" -gt 0 ] && [ "$size" -gt "$limit" ]; then size=$limit; fi
		printf '%s ' "$size"
	done
}

# tp_run T SIZE PIN FILE [--no-verify] - one throughput run into FILE.
tp_run() {
	local args=(bench throughput "$1" --size "$2" --total "$(tp_total "$2")" --format csv "${@:5}")
	mapfile -t -O "${#args[@]}" args < <(pin_args "$3")
	to_csv "$4" "$IPCLAB" "${args[@]}"
}

# The sweep runs TP_ROUNDS times, every size of every transport once per
# round, so that a burst of noise on the VM (another guest, the host)
# spoils one round of a size and not its figure: `ipclab bench report`
# takes the median round and draws the others as a band.  The sweep runs at
# the main placement; TP_PLACEMENT_SIZES then run at the other placements
# too.  At 64 KiB an unchecked run (--no-verify) beside the checked one
# prices the check of every byte.
throughput_layer() {
	local t size n=0 count round pin dir=$RESULTS_DIR/throughput other=()
	mkdir -p "$dir"
	for pin in $PLACEMENTS; do [ "$pin" = "$MAIN_PIN" ] || other+=("$pin"); done
	count=$((TP_ROUNDS * $(wc -w <<<"$TRANSPORTS")))
	for ((round = 1; round <= TP_ROUNDS; round++)); do
		for t in $TRANSPORTS; do
			n=$((n + 1))
			say "[$n/$count] round $round/$TP_ROUNDS, $t: $(tp_sizes "$t" | wc -w) sizes at pin $MAIN_PIN, 64 KiB unchecked${other[*]:+, $TP_PLACEMENT_SIZES B at pin ${other[*]}}"
			for size in $(tp_sizes "$t"); do
				tp_run "$t" "$size" "$MAIN_PIN" "$dir/${t}_${size}_$(pin_label "$MAIN_PIN").r$round.csv"
			done
			size=$(tp_cut "$t" 65536)
			size=${size% }
			tp_run "$t" "$size" "$MAIN_PIN" \
				"$dir/${t}_${size}_$(pin_label "$MAIN_PIN")_unchecked.r$round.csv" --no-verify
			for pin in "${other[@]}"; do
				for size in $(tp_cut "$t" $TP_PLACEMENT_SIZES); do
					tp_run "$t" "$size" "$pin" "$dir/${t}_${size}_$(pin_label "$pin").r$round.csv"
				done
			done
		done
	done
}

connect_layer() {
	local t
	mkdir -p "$RESULTS_DIR/connect"
	for t in $CONNECTED; do
		say "$t, $CONN_COUNT set-ups, pin $MAIN_PIN"
		to_csv "$RESULTS_DIR/connect/$t.csv" "$IPCLAB" bench connect "$t" \
			--count "$CONN_COUNT" --pin "$MAIN_PIN" --format csv \
			--samples "$RESULTS_DIR/samples/connect_$t.txt"
	done
}
