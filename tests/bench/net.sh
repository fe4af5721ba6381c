#!/bin/bash
# net.sh - figures through the namespace topology of docs/design.md section 6,
# the same run comparing three set-ups of the filter namespace:
#   none        forwarding only, no queue rules
#   nfq_accept  the rules of `veto rules`, and a trivial program that
#               accepts every queued packet (tests/bench/nfq_accept.c)
#   vetod       the rules and vetod with a 1M-entry list (made here)
# and measuring from the client namespace:
#   DNS         dnsperf, allowed names (and blocked names under vetod):
#               queries/s, average and p99 latency
#   HTTP        ab: new connections per second (one request each)
#   TLS         openssl s_time -new: new TLS connections per second
#   bulk        iperf3 -p 443 (a queued port): one long TCP flow
# Figures are printed, never asserted. BENCH_SECONDS (default 8) sets the
# length of each run; the machine is shared: compare within one run.
. "$(dirname "$0")/../integ/lib.sh"
. "$(dirname "$0")/../integ/vetod.sh"
require_root
require_cmd dnsperf ab iperf3 openssl minisign unbound nginx
DUR=${BENCH_SECONDS:-8}
ENTRIES=${BENCH_LIST_ENTRIES:-1000000}
NFQ=$BUILD/tests/bench/nfq_accept

topo_up || { not_ok "topology"; done_testing; }

# --- the zone: 1000 allowed names and 1000 names under a blocked domain ---
{
	echo 'local-zone: "bench.example." static'
	echo 'local-zone: "bad.example." static'
	for i in $(seq 0 999); do
		echo "local-data: \"a$i.bench.example. 300 IN A 203.0.113.80\""
		echo "local-data: \"x$i.bad.example. 300 IN A 203.0.113.66\""
	done
} >"$TMP/zone.conf"
for i in $(seq 0 999); do echo "a$i.bench.example A"; done >"$TMP/q-allowed.txt"
for i in $(seq 0 999); do echo "x$i.bad.example A"; done >"$TMP/q-blocked.txt"
start_unbound "$TMP/zone.conf" || { not_ok "unbound"; done_testing; }
make_ca "$TMP/pki" bench.example >/dev/null
start_nginx || { not_ok nginx; done_testing; }
# TLS on 4433 (queued too: tls_ports below), so iperf3 can have 443
start_s_server s_server "$S4:4433" "$TMP/pki/server.pem" "$TMP/pki/server.key" ||
	{ not_ok s_server; done_testing; }
bg_start iperf3 "$NS_S" iperf3 -s -p 443
wait_for 5 listening "$NS_S" tcp 443

# --- a signed list of $ENTRIES domains (bad.example among them) -----------
t0=$(date +%s%N)
awk -v n="$ENTRIES" 'BEGIN {
	printf "{\"format\":\"veto-list/1\",\"feed\":\"bench/feed\",\"serial\":\"1\",";
	printf "\"issued\":\"2026-01-01T00:00:00Z\",\"expires\":\"2036-01-01T00:00:00Z\",";
	printf "\"authority\":{\"name\":\"Bench\"},";
	printf "\"categories\":{\"c\":{\"label\":\"bench\"}},\"entries\":[";
	printf "{\"id\":\"bad\",\"type\":\"domain\",\"value\":\"bad.example\",\"cat\":\"c\"}";
	srand(7);
	for (i = 0; i < n - 1; i++)
		printf ",{\"id\":\"e%d\",\"type\":\"domain\",\"value\":\"n%x.s%d.list%d.example\",\"cat\":\"c\"}",
		    i, int(rand() * 2^31), i % 97, i % 13;
	printf "]}\n";
}' >"$TMP/list.json"
minisign -G -W -p "$TMP/bench.pub" -s "$TMP/bench.key" >/dev/null 2>&1
minisign -S -s "$TMP/bench.key" -m "$TMP/list.json" >/dev/null 2>&1
diag "list of $ENTRIES entries made and signed in $(( ($(date +%s%N) - t0) / 1000000 )) ms ($(stat -c %s "$TMP/list.json") bytes)"

vetod_conf "$TMP/bench.conf" <<EOF
list_file = $TMP/list.json
list_key_file = $TMP/bench.pub
list_feed = bench/feed
list_max_change = 1000000
tls_ports = 443,4433
EOF
# vetod_conf wrote the demo feed keys first; the later lines win for
# single keys but list_key_file repeats: rewrite without the demo key.
sed -i "\|$DEMO_PUB|d; \|$DEMO_LIST|d; /demo-hotline/d" "$TMP/bench.conf"

# --- measurements ---------------------------------------------------------
declare -A R

dns_run() {	# SETUP KIND QUERYFILE
	local out p99
	out=$(on_client dnsperf -s "$S4" -d "$3" -l "$DUR" -c 8 -q 64 -v 2>&1)
	R[$1,$2,qps]=$(awk '/Queries per second:/ { print $4 }' <<<"$out")
	R[$1,$2,avg]=$(awk '/Average Latency \(s\):/ { printf "%.3f", $4 * 1000 }' <<<"$out")
	p99=$(awk '$1 == ">" && NF >= 5 { print $NF }' <<<"$out" | sort -g |
	    awk '{ v[NR] = $1 } END { if (NR) printf "%.3f", v[int(NR * 0.99)] * 1000 }')
	R[$1,$2,p99]=$p99
	R[$1,$2,lost]=$(awk '/Queries lost:/ { print $3 }' <<<"$out")
}

http_run() {	# SETUP
	local out
	out=$(on_client ab -q -n 100000 -t "$DUR" -c 32 "http://$S4/index.html" 2>&1)
	R[$1,http]=$(awk '/Requests per second:/ { print $4 }' <<<"$out")
}

tls_run() {	# SETUP
	local out
	out=$(on_client openssl s_time -connect "$S4:4433" -new -time "$DUR" 2>&1)
	R[$1,tls]=$(awk '/connections in [0-9.]+ real seconds/ {
		for (i = 1; i <= NF; i++) if ($i == "connections") n = $(i-1);
		for (i = 1; i <= NF; i++) if ($i == "real") t = $(i-1);
		if (t > 0) printf "%.0f", n / t }' <<<"$out")
}

bulk_run() {	# SETUP
	local out
	out=$(on_client iperf3 -c "$S4" -p 443 -t "$DUR" -f m 2>&1)
	R[$1,bulk]=$(awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") print $(i-1) }' <<<"$out" | tail -n 1)
}

# BENCH_NET_ONLY=dns|http|tls|bulk runs one kind only (profiling)
measure() {	# SETUP
	local only=${BENCH_NET_ONLY:-all}
	if [ "$only" = all ] || [ "$only" = dns ]; then
		dns_run "$1" allowed "$TMP/q-allowed.txt"
		[ "$1" = vetod ] && dns_run "$1" blocked "$TMP/q-blocked.txt"
	fi
	[ "$only" = all ] || [ "$only" = http ] && http_run "$1"
	[ "$only" = all ] || [ "$only" = tls ] && tls_run "$1"
	[ "$only" = all ] || [ "$only" = bulk ] && bulk_run "$1"
	return 0
}

measure none

apply_rules "$TMP/bench.conf" || { not_ok "rules"; done_testing; }
bg_start nfq "$NS_F" "$NFQ" 0
sleep 0.5
measure nfq_accept
bg_stop nfq

t0=$(date +%s%N)
bg_start vetod "$NS_F" "$VETOD" -d -c "$TMP/bench.conf"
if ! wait_for 120 _vetod_started; then
	not_ok "vetod starts with the big list"; diag "$(bg_log vetod)"; done_testing
fi
diag "vetod started with $ENTRIES entries in $(( ($(date +%s%N) - t0) / 1000000 )) ms (verify + parse + build + publish)"
diag "vetod resident memory: $(awk '/VmRSS/ { print $2, $3 }' /proc/"$(bg_pid vetod)"/status)"
# BENCH_PERF=1: where vetod's time goes on allowed DNS queries (perf)
if [ "${BENCH_PERF:-0}" = 1 ] && command -v perf >/dev/null; then
	perf record -F 2999 -g -p "$(bg_pid vetod)" -o "$TMP/perf.data" \
	    -- sleep "$DUR" >/dev/null 2>&1 &
	perf_pid=$!
	dns_run perf allowed "$TMP/q-allowed.txt"
	wait $perf_pid
	diag "perf: vetod on allowed DNS queries (${R[perf,allowed,qps]:-} q/s), self time by symbol:"
	perf report -i "$TMP/perf.data" --no-children --stdio --sort dso,sym \
	    -g none 2>/dev/null | grep -E '^ +[0-9.]+%' | head -25 | sed 's/^/  /'
fi
measure vetod

# Many cores (BENCH_QUEUES=0 skips): the same vetod on queues 0-1
# (--queue-balance), then with --queue-cpu-fanout (the queue picked by
# the CPU that handles the packet instead of a flow hash).
measure_q() { dns_run "$1" allowed "$TMP/q-allowed.txt"; tls_run "$1"; }
if [ "${BENCH_QUEUES:-1}" = 1 ]; then
	bg_stop vetod
	sed 's/^queues = 0$/queues = 0-1/' "$TMP/bench.conf" >"$TMP/bench2.conf"
	apply_rules "$TMP/bench2.conf" || not_ok "rules with two queues"
	bg_start vetod "$NS_F" "$VETOD" -d -c "$TMP/bench2.conf"
	if wait_for 120 _vetod_started; then
		measure_q vetod2
		sed 's/--queue-balance 0:1/& --queue-cpu-fanout/' "$TMP/rules.sh" \
		    >"$TMP/rules-fanout.sh"
		on_filter sh -e "$TMP/rules-fanout.sh" && measure_q fanout
	else
		not_ok "vetod starts on two queues"; diag "$(bg_log vetod)"
	fi
	# one queue again in the same run, for the ratio
	bg_stop vetod
	apply_rules "$TMP/bench.conf"
	bg_start vetod "$NS_F" "$VETOD" -d -c "$TMP/bench.conf"
	wait_for 120 _vetod_started && measure_q vetod1
fi

pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f%%", 100 * a / b; else print "-" }'; }
printf '\n%-34s %12s %12s %12s %10s\n' "" none nfq_accept vetod "vetod/nfq"
printf '%-34s %12s %12s %12s %10s\n' "DNS allowed, queries/s" "${R[none,allowed,qps]:-}" \
	"${R[nfq_accept,allowed,qps]:-}" "${R[vetod,allowed,qps]:-}" \
	"$(pct "${R[vetod,allowed,qps]:-}" "${R[nfq_accept,allowed,qps]:-}")"
printf '%-34s %12s %12s %12s\n' "DNS allowed, avg latency ms" "${R[none,allowed,avg]:-}" \
	"${R[nfq_accept,allowed,avg]:-}" "${R[vetod,allowed,avg]:-}"
printf '%-34s %12s %12s %12s\n' "DNS allowed, p99 latency ms" "${R[none,allowed,p99]:-}" \
	"${R[nfq_accept,allowed,p99]:-}" "${R[vetod,allowed,p99]:-}"
printf '%-34s %12s %12s %12s %10s\n' "DNS blocked (forged), queries/s" "" "" \
	"${R[vetod,blocked,qps]:-}" "$(pct "${R[vetod,blocked,qps]:-}" "${R[nfq_accept,allowed,qps]:-}")"
printf '%-34s %12s %12s %12s\n' "DNS blocked, avg / p99 ms" "" "" \
	"${R[vetod,blocked,avg]:-} / ${R[vetod,blocked,p99]:-}"
printf '%-34s %12s %12s %12s %10s\n' "HTTP new connections/s (ab)" "${R[none,http]:-}" \
	"${R[nfq_accept,http]:-}" "${R[vetod,http]:-}" "$(pct "${R[vetod,http]:-}" "${R[nfq_accept,http]:-}")"
printf '%-34s %12s %12s %12s %10s\n' "TLS new connections/s (s_time)" "${R[none,tls]:-}" \
	"${R[nfq_accept,tls]:-}" "${R[vetod,tls]:-}" "$(pct "${R[vetod,tls]:-}" "${R[nfq_accept,tls]:-}")"
printf '%-34s %12s %12s %12s %10s\n' "bulk TCP :443 Mbit/s (iperf3)" "${R[none,bulk]:-}" \
	"${R[nfq_accept,bulk]:-}" "${R[vetod,bulk]:-}" "$(pct "${R[vetod,bulk]:-}" "${R[none,bulk]:-}") of none"
if [ "${BENCH_QUEUES:-1}" = 1 ]; then
	printf '\n%-34s %12s %12s %12s %10s\n' "vetod on $(nproc) cores" "1 queue" \
	    "2 queues" "2, fanout" "2q/1q"
	printf '%-34s %12s %12s %12s %10s\n' "DNS allowed, queries/s" \
	    "${R[vetod1,allowed,qps]:-}" "${R[vetod2,allowed,qps]:-}" \
	    "${R[fanout,allowed,qps]:-}" \
	    "$(pct "${R[vetod2,allowed,qps]:-}" "${R[vetod1,allowed,qps]:-}")"
	printf '%-34s %12s %12s %12s %10s\n' "TLS new connections/s (s_time)" \
	    "${R[vetod1,tls]:-}" "${R[vetod2,tls]:-}" "${R[fanout,tls]:-}" \
	    "$(pct "${R[vetod2,tls]:-}" "${R[vetod1,tls]:-}")"
fi
printf '(dnsperf: %ss, 8 clients, 64 outstanding; lost queries: none %s, nfq %s, vetod %s/%s)\n' \
	"$DUR" "${R[none,allowed,lost]:-}" "${R[nfq_accept,allowed,lost]:-}" \
	"${R[vetod,allowed,lost]:-}" "${R[vetod,blocked,lost]:-}"
ok "network figures measured"
done_testing
