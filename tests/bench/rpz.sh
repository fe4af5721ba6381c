#!/bin/bash
# The RPZ benchmark (issue 17): a signed list of N domain entries (default
# 1M; made here, never committed) exported by `veto export rpz`: the zone's
# size and its write time; then, in the same run, each resolver of Debian
# (unbound, BIND 9, Knot Resolver, PowerDNS Recursor) started alone on that
# zone in a namespace: the time from its start until it answers NXDOMAIN
# for the last name of the zone, and its VmRSS then (and with a one-entry
# zone, for the baseline). The probed names exist in the resolvers' local
# zone, so NXDOMAIN means the policy zone is in force (BIND and PowerDNS
# answer while they load it). Figures are printed, never asserted.
#
#   tests/bench/rpz.sh [--entries N] [--only KIND]   (BENCH_RPZ_ENTRIES=N too)
set -u
. "$(dirname "$0")/../integ/lib.sh"
. "$(dirname "$0")/../integ/resolvers.sh"
require_root
require_cmd minisign dig "$VETO"

n=${BENCH_RPZ_ENTRIES:-1000000}
export RPZ_WAIT=900	# a resolver may take minutes to load a big zone
kinds="unbound bind kresd pdns"
while [ $# -gt 0 ]; do
	case $1 in
	--entries) n=$2; shift ;;
	--only) kinds=$2; shift ;;
	*) echo "usage: $0 [--entries N] [--only KIND]" >&2; exit 2 ;;
	esac
	shift
done

minisign -G -W -p "$TMP/k.pub" -s "$TMP/k.key" >/dev/null 2>&1

# make_list N FILE: N domain entries d<i>.bench<i%97>.example, signed
make_list() {
	awk -v n="$1" 'BEGIN {
		printf "{\"format\": \"veto-list/1\", \"feed\": \"bench/rpz\", \"serial\": \"2026120701\",\n"
		printf " \"issued\": \"2026-01-01T00:00:00Z\", \"expires\": \"2036-01-01T00:00:00Z\",\n"
		printf " \"authority\": {\"name\": \"Bench\"}, \"categories\": {\"csam\": {\"label\": \"C\"}},\n"
		printf " \"entries\": [\n"
		for (i = 0; i < n; i++)
			printf "%s{\"id\": \"e%d\", \"type\": \"domain\", \"value\": \"d%d.bench%d.example\", \"cat\": \"csam\"}\n",
			    i ? "," : "", i, i, i % 97
		printf "]}\n"
	}' >"$2"
	minisign -S -s "$TMP/k.key" -m "$2" -t bench >/dev/null
}

make_list "$n" "$TMP/big.json"
make_list 1 "$TMP/small.json"
last=d$((n - 1)).bench$(((n - 1) % 97)).example

t0=$(date +%s%N)
"$VETO" export rpz -l "$TMP/big.json" -k "$TMP/k.pub" -o "$TMP/big.rpz" 2>"$TMP/export.log"
t1=$(date +%s%N)
"$VETO" export rpz -l "$TMP/small.json" -k "$TMP/k.pub" -o "$TMP/small.rpz" 2>/dev/null
write_ms=$(sed -n 's/.* bytes in \([0-9]*\) ms.*/\1/p' "$TMP/export.log")
size=$(stat -c %s "$TMP/big.rpz")
records=$(grep -vc '^[;$@]' "$TMP/big.rpz")
echo "# list: $n domain entries, $(stat -c %s "$TMP/big.json") bytes"
echo "# veto export rpz: $(cat "$TMP/export.log")"
printf '# zone: %s records, %d bytes (%.1f MB), write %s ms; whole command (verify, parse, build, write) %d ms\n' \
    "$records" "$size" "$(awk -v s="$size" 'BEGIN { print s / 1e6 }')" "$write_ms" $(((t1 - t0) / 1000000))

_ns_add "$NS_S" || exit 1
ip -n "$NS_S" addr add 203.0.113.20/32 dev lo

cat >"$TMP/example.zone" <<-'EOF'
$TTL 60
$ORIGIN example.
@ SOA localhost. hostmaster.localhost. 1 3600 600 86400 60
@ NS localhost.
ok A 192.0.2.10
EOF
# the probed names exist here: without the RPZ they resolve (NOERROR), so
# an NXDOMAIN can only come from the policy zone being in force
printf '%s A 192.0.2.11\n' d0.bench0 "${last%.example}" >>"$TMP/example.zone"

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# run KIND ZONE NAME: start alone, time until NAME is NXDOMAIN, RSS then
run() {
	local kind=$1 zone=$2 name=$3 start end pid rss
	start=$(date +%s%N)
	if ! rpz_start "$kind" "$NS_S" 203.0.113.20 "$zone" "$TMP/example.zone" >"$TMP/start.log" 2>&1 ||
	    ! wait_for "$RPZ_WAIT" rpz_is "$kind" "$name" NXDOMAIN; then
		echo "$kind: did not load $zone: $(tail -3 "$TMP/start.log") $(bg_log "rpz-$kind" | tail -3)" >&2
		bg_stop "rpz-$kind"
		echo "- -"
		return
	fi
	end=$(date +%s%N)
	pid=$(rpz_pid "$kind")
	rss=$(rss_kb "$pid")
	bg_stop "rpz-$kind"
	rm -rf "$(_rpz_dir "$kind")"
	echo "$(((end - start) / 1000000)) $rss"
}

printf '# %-8s %14s %12s %16s\n' resolver "load time ms" "VmRSS MB" "VmRSS 1-entry MB"
for k in $kinds; do
	command -v "$(case $k in bind) echo named ;; pdns) echo pdns_recursor ;; *) echo "$k" ;; esac)" >/dev/null ||
		{ echo "# $k: not installed"; continue; }
	read -r small_ms small_rss <<<"$(run "$k" "$TMP/small.rpz" d0.bench0.example)"
	read -r ms rss <<<"$(run "$k" "$TMP/big.rpz" "$last")"
	printf '# %-8s %14s %12s %16s\n' "$k" "$ms" \
	    "$(awk -v r="$rss" 'BEGIN { if (r == "-") print "-"; else printf "%.0f", r / 1024 }')" \
	    "$(awk -v r="$small_rss" 'BEGIN { if (r == "-") print "-"; else printf "%.0f", r / 1024 }')"
done
cleanup
