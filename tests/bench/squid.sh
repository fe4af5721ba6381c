#!/bin/bash
# The Squid helper benchmark (issue 17): `veto check --squid` answering N
# request lines (default 1M; channel ids, half GET by URL, half CONNECT by
# host, half of each blocked) against a signed list of 100k domain and
# 10k url entries, as Squid would send them with concurrency. Prints
# requests per second on one core (the helper is single-threaded; Squid
# runs several with children-max). Figures are printed, never asserted.
#
#   tests/bench/squid.sh [--requests N]     (BENCH_SQUID_REQUESTS=N too)
set -u
cd "$(dirname "$0")/../.."
veto=${VETO_BUILD:-build}/veto
n=${BENCH_SQUID_REQUESTS:-1000000}
[ "${1:-}" = --requests ] && n=$2
[ -x "$veto" ] || { echo "squid bench: $veto is not built"; exit 1; }
command -v minisign >/dev/null || { echo "squid bench: minisign missing"; exit 0; }
tmp=$(mktemp -d /tmp/veto-bench-squid.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

minisign -G -W -p "$tmp/k.pub" -s "$tmp/k.key" >/dev/null 2>&1
awk 'BEGIN {
	printf "{\"format\": \"veto-list/1\", \"feed\": \"bench/squid\", \"serial\": \"1\",\n"
	printf " \"issued\": \"2026-01-01T00:00:00Z\", \"expires\": \"2036-01-01T00:00:00Z\",\n"
	printf " \"authority\": {\"name\": \"Bench\"}, \"categories\": {\"csam\": {\"label\": \"C\"}},\n \"entries\": [\n"
	for (i = 0; i < 100000; i++)
		printf "%s{\"id\": \"d%d\", \"type\": \"domain\", \"value\": \"b%d.example\", \"cat\": \"csam\"}\n", i ? "," : "", i, i
	for (i = 0; i < 10000; i++)
		printf ",{\"id\": \"u%d\", \"type\": \"url\", \"value\": \"http://site%d.example/page/%d\", \"cat\": \"csam\"}\n", i, i, i
	printf "]}\n"
}' >"$tmp/list.json"
minisign -S -s "$tmp/k.key" -m "$tmp/list.json" -t bench >/dev/null
awk -v n="$n" 'BEGIN {
	for (i = 0; i < n; i++) {
		j = i % 10000
		if (i % 4 == 0) printf "%d CONNECT b%d.example:443\n", i % 50, j
		else if (i % 4 == 1) printf "%d CONNECT ok%d.example:443\n", i % 50, j
		else if (i % 4 == 2) printf "%d GET http://site%d.example/page/%d?x=1\n", i % 50, j, j
		else printf "%d GET http://site%d.example/other/%d\n", i % 50, j, j
	}
}' >"$tmp/requests"

# the list's load alone, then the same plus the requests
t0=$(date +%s%N)
"$veto" check --squid -l "$tmp/list.json" -k "$tmp/k.pub" </dev/null >/dev/null
t1=$(date +%s%N)
"$veto" check --squid -l "$tmp/list.json" -k "$tmp/k.pub" <"$tmp/requests" >"$tmp/answers"
t2=$(date +%s%N)
load_ms=$(((t1 - t0) / 1000000))
run_ns=$(((t2 - t1) - (t1 - t0)))
[ $run_ns -gt 0 ] || run_ns=1
echo "requests: $n ($(grep -c ' OK ' "$tmp/answers") blocked, $(grep -c ' ERR$' "$tmp/answers") allowed)"
echo "list: 110000 entries, load $load_ms ms"
awk -v n="$n" -v ns="$run_ns" 'BEGIN { printf "squid helper: %.0f requests/s (%.2f us per request, one process)\n", n / (ns / 1e9), ns / 1e3 / n }'
