#!/bin/bash
# replay.sh - figures for issue 9 (printed, never asserted):
#   replay   `veto replay` speed (packets/s) on a large capture: real
#            traffic (dig over UDP and TCP, curl, openssl s_client, QUIC)
#            through vetod with the demo list, captured on the filter's
#            client-side interface, then grown to BENCH_COPIES copies with
#            new client ports and addresses (tests/bench/pcap_grow.c);
#   audit    `veto audit --all` wall time for a BENCH_AUDIT_ENTRIES-entry
#            list (made and signed here with minisign), vetod enforcing it,
#            unbound, nginx and gtlsserver answering.
# The machine is shared: compare within one run.
. "$(dirname "$0")/../integ/lib.sh"
. "$(dirname "$0")/../integ/vetod.sh"
require_root
require_cmd tcpdump dig curl openssl gtlsclient gtlsserver unbound nginx minisign "$VETOD"
PACKETS=${BENCH_PACKETS:-2000000}	# the grown capture, about
ENTRIES=${BENCH_AUDIT_ENTRIES:-10000}
GROW=$BUILD/tests/bench/pcap_grow

topo_up || { not_ok "topology"; done_testing; }
demo_zone "$TMP/zone.conf"
start_unbound "$TMP/zone.conf" || { not_ok "unbound"; done_testing; }
make_ca "$TMP/pki" allowed.example || { not_ok "test CA"; done_testing; }
CERT=$TMP/pki/server.pem KEY=$TMP/pki/server.key
start_nginx "$CERT" "$KEY" || { not_ok "nginx"; done_testing; }
bg_start gtlsserver "$NS_S" gtlsserver -q -d "$TMP/www" "$S4" 443 "$KEY" "$CERT"
vetod_conf
vetod_start || { not_ok "vetod"; done_testing; }

# --- a capture of mixed traffic --------------------------------------------
mkdir -p "/etc/netns/$NS_C"
trap 'rm -rf "/etc/netns/$NS_C"; cleanup' EXIT
for n in allowed.example bad.example; do echo "$S4 $n"; done >"/etc/netns/$NS_C/hosts"
bg_start tcpdump "$NS_F" tcpdump -i c0 -n -U -s 0 -w "$TMP/small.pcap"
wait_for 5 grep -q 'listening on' "$TMP/tcpdump.log" || { not_ok tcpdump; done_testing; }
for i in $(seq 20); do
	on_client dig +time=1 +tries=1 @"$S4" allowed.example bad.example www.bad.example >/dev/null
	on_client dig +tcp +time=1 +tries=1 @"$S4" exact.example >/dev/null
	on_client curl -s -o /dev/null --max-time 3 --resolve share.example:80:"$S4" \
	    http://share.example/index.html -o /dev/null http://share.example/u/123/x
	on_client curl -s -o /dev/null --max-time 3 --resolve allowed.example:80:"$S4" \
	    http://allowed.example/index.html
	echo | on_client timeout 3 openssl s_client -connect "$S4:443" \
	    -servername allowed.example >/dev/null 2>&1
	echo | on_client timeout 3 openssl s_client -connect "$S4:443" \
	    -servername bad.example >/dev/null 2>&1
done
for n in allowed.example bad.example; do
	on_client timeout 4 gtlsclient -q --exit-on-all-streams-close \
	    --handshake-timeout=2s "$n" 443 "https://$n/" >/dev/null 2>&1
done
sleep 1
bg_stop tcpdump INT
pk=$("$VETO" replay -c "$VCONF" --json "$TMP/small.pcap" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["packets"]["read"])')
COPIES=$(( (PACKETS + pk - 1) / pk ))
"$GROW" "$TMP/small.pcap" "$TMP/big.pcap" "$COPIES" || { not_ok "pcap_grow"; done_testing; }
diag "capture: $pk packets ($(stat -c %s "$TMP/small.pcap") bytes), grown x$COPIES to $(stat -c %s "$TMP/big.pcap") bytes"
for run in 1 2 3; do
	"$VETO" replay -c "$VCONF" --json "$TMP/big.pcap" >"$TMP/big.json"
	diag "$(python3 - "$TMP/big.json" <<'PY'

import json, sys
j = json.load(open(sys.argv[1]))
r = j["requests"]
n = sum(v["requests"] for v in r.values())
print("replay: %d packets (%d inspected), %d requests decided, %.2f s, %.0f packets/s" % (
    j["packets"]["read"], j["packets"]["inspected"], n, j["seconds"], j["packets_per_second"]))
PY
)"
done
rm -f "$TMP/big.pcap"
vetod_stop

# --- audit of a 10k-entry list ---------------------------------------------
awk -v n="$ENTRIES" 'BEGIN {
	printf "{\"format\":\"veto-list/1\",\"feed\":\"bench/audit\",\"serial\":\"1\",";
	printf "\"issued\":\"2026-01-01T00:00:00Z\",\"expires\":\"2036-01-01T00:00:00Z\",";
	printf "\"authority\":{\"name\":\"Bench\"},";
	printf "\"categories\":{\"c\":{\"label\":\"bench\"},\"test\":{\"label\":\"canary\"}},\"entries\":[";
	printf "{\"id\":\"t1\",\"type\":\"domain\",\"value\":\"canary.list.example\",\"cat\":\"test\"}";
	for (i = 1; i < n; i++) {
		if (i % 10 == 0)
			printf ",{\"id\":\"u%d\",\"type\":\"url\",\"value\":\"http://www%d.list.example/p/%d/\",\"cat\":\"c\"}", i, i % 50, i;
		else if (i % 10 == 1)
			printf ",{\"id\":\"h%d\",\"type\":\"host\",\"value\":\"h%d.s%d.list.example\",\"cat\":\"c\"}", i, i, i % 31;
		else
			printf ",{\"id\":\"d%d\",\"type\":\"domain\",\"value\":\"n%d.s%d.list.example\",\"cat\":\"c\"}", i, i, i % 31;
	}
	printf "]}\n";
}' >"$TMP/audit.json"
minisign -G -W -p "$TMP/bench.pub" -s "$TMP/bench.key" >/dev/null 2>&1 &&
minisign -S -s "$TMP/bench.key" -m "$TMP/audit.json" -x "$TMP/audit.json.minisig" >/dev/null 2>&1 ||
	{ not_ok "minisign"; done_testing; }
cat >"$TMP/audit.conf" <<EOC
user = root
queues = 0
list_file = $TMP/audit.json
list_key_file = $TMP/bench.pub
list_feed = bench/audit
state_dir = $TMP/astate
stop_page_ipv4 = $STOP4
stop_page_ipv6 = $STOP6
stop_page_template = $ROOT/conf/stoppage.html
control_socket = $TMP/acontrol.sock
metrics_listen =
EOC
vetod_start "$TMP/audit.conf" || { not_ok "vetod with the audit list"; done_testing; }
# Between runs the filter's conntrack still holds the previous run's flows
# (2 minutes for UDP and closed TCP), with their decisions: a probe reusing
# one of those 5-tuples would get the old decision. The audit takes its
# source ports in turn within a run; between runs we wait.
first=1
for par in 32 100; do
	[ $first = 1 ] || sleep 125
	first=0
	t0=$(date +%s%N)
	on_client "$VETO" audit -c "$TMP/audit.conf" --resolver "$S4" --target "$S4" \
	    --control allowed.example --all --timeout 1 --parallel $par >"$TMP/audit.txt" 2>&1
	rc=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	diag "audit --all, $ENTRIES entries, --timeout 1 --parallel $par: $ms ms, exit $rc: $(grep '^result:' "$TMP/audit.txt")"
	diag "$(sed -n '/^failures:/,/^$/p' "$TMP/audit.txt" | head -n 5)"
done
vetod_stop
ok "figures printed"
done_testing
