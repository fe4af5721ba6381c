#!/bin/bash
# fetch.sh - issue 4's figures: fetching, verifying and installing a
# 1M-entry list from the local nginx over HTTPS, vetod's peak memory
# during the swap, and whether the packet thread kept answering while the
# new list was swapped in.
#
#   - two signed lists of BENCH_LIST_ENTRIES (default 1000000) domains
#     (serials 1 and 2, different names, bad.example in both) served by
#     nginx in the server namespace (a CA made here; ca_file);
#   - vetod in the filter namespace installs serial 1 at start-up;
#   - the peak of vetod's resident memory is reset (clear_refs 5), then,
#     while tests/bench/dns_pause sends a query every millisecond from the
#     client (blocked and allowed names in turn, through the queue),
#     `veto fetch` makes vetod fetch, verify and install serial 2;
#   - printed: the wall time of that `veto fetch`, vetod's own breakdown
#     (download / verify+parse+build+publish+commit), VmRSS before and
#     after and VmHWM (the peak during the swap), and the DNS answers'
#     latency and longest gap during the swap against a quiet baseline.
# Figures are printed, never asserted; the machine is shared.
. "$(dirname "$0")/../integ/lib.sh"
. "$(dirname "$0")/../integ/vetod.sh"
require_root
require_cmd minisign unbound nginx openssl dig
ENTRIES=${BENCH_LIST_ENTRIES:-1000000}
PAUSE=$BUILD/tests/bench/dns_pause
require_cmd "$PAUSE"

topo_up || { not_ok "topology"; done_testing; }
cat >"$TMP/zone.conf" <<-'EOF'
local-zone: "example." static
local-data: "allowed.example. 300 IN A 203.0.113.80"
local-data: "bad.example. 300 IN A 203.0.113.66"
EOF
start_unbound "$TMP/zone.conf" || { not_ok unbound; done_testing; }

# CA and server certificate for the server's address
d=$TMP/ca
mkdir -p "$d"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=veto bench CA" -keyout "$d/ca.key" -out "$d/ca.pem" >/dev/null 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$S4" \
    -keyout "$d/server.key" -out "$d/server.csr" >/dev/null 2>&1
openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
    -CAcreateserial -days 2 -out "$d/server.pem" \
    -extfile <(printf 'subjectAltName=IP:%s\n' "$S4") >/dev/null 2>&1

# two lists of $ENTRIES domains
mklist() {	# FILE SERIAL SEED
	awk -v n="$ENTRIES" -v serial="$2" -v seed="$3" 'BEGIN {
		printf "{\"format\":\"veto-list/1\",\"feed\":\"bench/fetch\",\"serial\":\"%s\",", serial;
		printf "\"issued\":\"2026-01-01T00:00:00Z\",\"expires\":\"2036-01-01T00:00:00Z\",";
		printf "\"authority\":{\"name\":\"Bench\"},";
		printf "\"categories\":{\"c\":{\"label\":\"bench\"}},\"entries\":[";
		printf "{\"id\":\"bad\",\"type\":\"domain\",\"value\":\"bad.example\",\"cat\":\"c\"}";
		srand(seed);
		for (i = 0; i < n - 1; i++)
			printf ",{\"id\":\"e%d\",\"type\":\"domain\",\"value\":\"n%x.s%d.list%d.example\",\"cat\":\"c\"}",
			    i, int(rand() * 2^31), i % 97, i % 13;
		printf "]}\n";
	}' >"$1"
}
mkdir -p "$TMP/www/feed" "$TMP/nginx"
minisign -G -W -p "$TMP/k.pub" -s "$TMP/k.key" >/dev/null 2>&1
for s in 1 2; do
	mklist "$TMP/list$s.json" $s $((6 + s))
	minisign -S -s "$TMP/k.key" -m "$TMP/list$s.json" -x "$TMP/list$s.json.minisig" \
	    -t bench >/dev/null
done
diag "lists: $ENTRIES entries, $(stat -c %s "$TMP/list1.json") bytes"
publish() {
	cp "$TMP/list$1.json" "$TMP/www/feed/.l" && mv "$TMP/www/feed/.l" "$TMP/www/feed/list.json"
	cp "$TMP/list$1.json.minisig" "$TMP/www/feed/.s" &&
	    mv "$TMP/www/feed/.s" "$TMP/www/feed/list.json.minisig"
}
publish 1

NGX=$TMP/nginx
cat >"$NGX/nginx.conf" <<-EOF
daemon off;
worker_processes 1;
pid $NGX/nginx.pid;
error_log $NGX/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $NGX/body;
    proxy_temp_path $NGX/proxy;
    fastcgi_temp_path $NGX/fastcgi;
    uwsgi_temp_path $NGX/uwsgi;
    scgi_temp_path $NGX/scgi;
    default_type application/octet-stream;
    server {
        listen $S4:443 ssl;
        ssl_certificate $d/server.pem;
        ssl_certificate_key $d/server.key;
        root $TMP/www;
    }
}
EOF
bg_start nginx "$NS_S" nginx -e "$NGX/error.log" -p "$NGX" -c "$NGX/nginx.conf"
wait_for 10 listening "$NS_S" tcp 443 || { not_ok nginx; done_testing; }

write_conf "$VCONF" <<-EOF
queues = 0
state_dir = $TMP/state
ca_file = $d/ca.pem
list_url = https://$S4/feed/list.json
list_key_file = $TMP/k.pub
list_feed = bench/fetch
list_refresh = 3600
stop_page_ipv4 = $STOP4
stop_page_ipv6 = $STOP6
stop_page_template = $ROOT/conf/stoppage.html
control_socket = $TMP/control.sock
metrics_listen =
report_dir = $TMP/reports
EOF

t0=$(date +%s%N)
vetod_start || { not_ok "vetod starts"; done_testing; }
wait_for 120 grep -q 'installed list 1 of' "$TMP/vetod.log" ||
	{ not_ok "serial 1 installed at start-up"; diag "$(bg_log vetod)"; done_testing; }
diag "start-up (empty state) to serial 1 in force: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
diag "vetod: $(grep 'installed in' "$TMP/vetod.log" | sed 's/.*feed default: //')"
pid=$(bg_pid vetod)
[ "$(cat /proc/"$pid"/comm 2>/dev/null)" = vetod ] ||
	{ not_ok "vetod's pid"; done_testing; }
mem() { awk -v k="$1:" '$1 == k { print int($2 / 1024) " MiB" }' /proc/"$pid"/status; }

# a quiet baseline of the DNS loop
base=$(on_client "$PAUSE" "$S4" bad.example,allowed.example 5 1000)
diag "DNS through vetod, no swap (5 s):  $base"

# the swap
echo 5 >/proc/"$pid"/clear_refs	# reset VmHWM to the current RSS
rss0=$(mem VmRSS)
publish 2
rm -f "$TMP/ready"
bg_start pause "$NS_C" "$PAUSE" "$S4" bad.example,allowed.example 20 1000 "$TMP/ready"
wait_for 5 test -f "$TMP/ready"
sleep 1
t0=$(date +%s%N)
out=$("$VETO" fetch -c "$VCONF" 2>&1)
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
rss1=$(mem VmRSS)
hwm=$(mem VmHWM)
wait_for 30 sh -c "! kill -0 $(bg_pid pause) 2>/dev/null"
if [ $rc = 0 ] && grep -q 'installed list 2' <<<"$out"; then
	ok "serial 2 ($ENTRIES entries) fetched, verified and installed by vetod"
else
	not_ok "serial 2 installed"; diag "exit $rc" "$out"
fi
diag "veto fetch (through vetod): $ms ms wall"
diag "vetod: $(grep 'installed in' "$TMP/vetod.log" | tail -n 1 | sed 's/.*feed default: //')"
diag "vetod memory: VmRSS before the swap $rss0, after $rss1; peak during the swap (VmHWM) $hwm"
diag "DNS through vetod during the swap (20 s): $(bg_log pause)"
is "blocked name still answered with the stop page" \
	"$(on_client dig +short +time=2 +tries=1 @"$S4" bad.example A)" "$STOP4"

# the same swap by veto fetch without vetod, for comparison (no matcher)
vetod_stop
publish 1
rm -rf "$TMP/state"
t0=$(date +%s%N)
out=$(on_filter "$VETO" fetch -c "$VCONF" 2>&1)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if grep -q 'installed list 1' <<<"$out"; then
	ok "veto fetch without vetod installs serial 1"
	diag "veto fetch without vetod, empty state (fetch, verify, parse, commit; no matcher): $ms ms"
else
	not_ok "veto fetch without vetod installs serial 1"; diag "$out"
fi
done_testing
