#!/bin/bash
# mem.sh - vetod's own memory per list entry (issue 13): VmRSS above an
# empty vetod (a one-entry list) after start and after each of 3 swaps (a
# new serial of the same size, re-read from list_file), and VmHWM (the
# peak, swaps included), at BENCH_MEM_SIZES entries (default 100000
# 1000000). Figures printed, never asserted. Root: vetod binds a queue in
# a namespace of its own (no traffic).
. "$(dirname "$0")/../integ/lib.sh"
. "$(dirname "$0")/../integ/vetod.sh"
require_root
require_cmd minisign
SIZES=${BENCH_MEM_SIZES:-${BENCH_SIZES:-100000 1000000}}

_ns_add "$NS_F" || { not_ok "namespace"; done_testing; }
ip -n "$NS_F" addr add "$STOP4/32" dev lo	# the stop page listens there
ip -n "$NS_F" addr add "$STOP6/128" dev lo nodad
minisign -G -W -p "$TMP/k.pub" -s "$TMP/k.key" >/dev/null 2>&1

# make_list N SERIAL: a signed list of N domain entries at $TMP/list.json
make_list() {
	awk -v n="$1" -v serial="$2" 'BEGIN {
		printf "{\"format\":\"veto-list/1\",\"feed\":\"bench/feed\",";
		printf "\"serial\":\"%s\",\"issued\":\"2026-01-01T00:00:00Z\",", serial;
		printf "\"expires\":\"2036-01-01T00:00:00Z\",\"authority\":{\"name\":\"Bench\"},";
		printf "\"categories\":{\"c\":{\"label\":\"bench\"}},\"entries\":[";
		srand(serial);
		for (i = 0; i < n; i++)
			printf "%s{\"id\":\"e%d\",\"type\":\"domain\",\"value\":\"n%x.s%d.list%d.example\",\"cat\":\"c\"}",
			    i ? "," : "", i, int(rand() * 2^31), i % 97, i % 13;
		printf "]}\n";
	}' >"$TMP/new.json"
	minisign -S -s "$TMP/k.key" -m "$TMP/new.json" -x "$TMP/new.json.minisig" >/dev/null 2>&1
	mv "$TMP/new.json.minisig" "$TMP/list.json.minisig"
	mv "$TMP/new.json" "$TMP/list.json"
}

mem() { awk -v k="$1:" '$1 == k { print $2 }' /proc/"$(bg_pid vetod)"/status; }
# _loaded SERIAL: list SERIAL in force (true), or vetod gone (true too:
# the caller then sees no figure)
_loaded() { grep -q "list $1 of bench/feed" "$TMP/vetod.log" || ! bg_alive vetod; }

vetod_conf "$TMP/mem.conf" <<EOF
list_file = $TMP/list.json
list_key_file = $TMP/k.pub
list_feed = bench/feed
list_max_change = 1000000
EOF
sed -i "\|$DEMO_PUB|d; \|$DEMO_LIST|d; /demo-hotline/d" "$TMP/mem.conf"

# run N: start on N entries, 3 swaps; sets RSS0 (after start), RSS1..3, HWM
run() {
	local n=$1 s
	# a state of its own: the serials start again at 1
	sed -i "s|^state_dir = .*|state_dir = $TMP/state-$n|" "$TMP/mem.conf"
	make_list "$n" 1
	: >"$TMP/vetod.log"
	bg_start vetod "$NS_F" "$VETOD" -d -c "$TMP/mem.conf"
	wait_for 300 _loaded 1 ||
		{ diag "vetod did not load $n entries: $(tail -3 "$TMP/vetod.log")"; return 1; }
	grep -q "list 1 of bench/feed" "$TMP/vetod.log" || return 1
	sleep 5		# the parse's memory trimmed
	RSS[0]=$(mem VmRSS)
	for s in 2 3 4; do
		make_list "$n" "$s"
		wait_for 300 _loaded "$s" ||
			{ diag "swap to serial $s not seen"; return 1; }
		grep -q "list $s of bench/feed" "$TMP/vetod.log" || return 1
		sleep 5		# the old snapshot freed, memory trimmed
		RSS[$((s - 1))]=$(mem VmRSS)
	done
	HWM=$(mem VmHWM)
	bg_stop vetod
}

declare -a RSS
run 1 || { not_ok "an empty vetod"; done_testing; }
base=${RSS[0]}
diag "empty vetod (1 entry): VmRSS ${base} kB, VmHWM ${HWM} kB"
printf '%-10s %10s %10s %10s %10s %10s %14s %14s\n' entries "start" swap1 swap2 \
    swap3 VmHWM "B/entry start" "B/entry swap3"
for n in $SIZES; do
	if run "$n"; then
		printf '%-10s %10s %10s %10s %10s %10s %14.1f %14.1f\n' "$n" \
		    "${RSS[0]}" "${RSS[1]}" "${RSS[2]}" "${RSS[3]}" "$HWM" \
		    "$(awk -v a="${RSS[0]}" -v b="$base" -v n="$n" 'BEGIN { print (a - b) * 1024 / n }')" \
		    "$(awk -v a="${RSS[3]}" -v b="$base" -v n="$n" 'BEGIN { print (a - b) * 1024 / n }')"
		diag "$n entries: peak/steady $(awk -v h="$HWM" -v r="${RSS[3]}" -v b="$base" 'BEGIN { printf "%.2f", (h - b) / (r - b) }') (VmHWM above empty over VmRSS above empty after 3 swaps)"
	else
		not_ok "$n entries"
	fi
done
echo "(kB of vetod's own /proc status; B/entry: VmRSS above the empty vetod, per entry)"
ok "memory figures measured"
done_testing
