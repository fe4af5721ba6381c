#!/bin/bash
# reorder.sh - what the in-order-only TCP stream of issue 12 costs a client
# on a reordering link. vetod accepts a data segment of an undecided flow
# only at the next expected sequence number (include/engine/flow.h, THE
# INVARIANT): a segment that arrives ahead of a missing one is dropped and
# the sender sends it again. With a server MSS of 200 (a ClientHello or a
# request spans several segments) and netem_nfq on the client's and the
# server's egress (25% of packets sent at once, overtaking the others,
# which are delayed 10 +- 5 ms; no loss), the time of REORDER_N
# sequential HTTPS and HTTP requests of allowed names is measured, on the
# clean link and on the reordering link. Run it with VETO_BUILD pointing at
# a build of the code before and after to compare. Printed, not asserted.
. "$(dirname "$0")/../integ/lib.sh"
. "$(dirname "$0")/../integ/vetod.sh"
require_root
require_cmd curl nginx "$VETOD"
N=${REORDER_N:-30}
NETEM_NFQ=${NETEM_NFQ:-$HELPERS/netem_nfq}

topo_up || { not_ok "topology"; done_testing; }
make_ca "$TMP/pki" allowed.example >/dev/null
CA=$TMP/pki/ca.pem
start_nginx "$TMP/pki/server.pem" "$TMP/pki/server.key" ||
	{ not_ok nginx; done_testing; }
vetod_conf <<<"tls_ports = 443"
vetod_start || { not_ok "vetod starts"; done_testing; }
on_server ip route change default via "$FS4" advmss 200

# run WHAT: N requests of each kind; prints the mean and worst ms
run() {
	local proto t0 t1 ms sum max fails
	for proto in https http; do
		sum=0 max=0 fails=0
		for i in $(seq "$N"); do
			t0=$(date +%s%N)
			code=$(on_client curl -s -o /dev/null -w '%{http_code}' \
			    --max-time 20 --cacert "$CA" \
			    --resolve "allowed.example:443:$S4" \
			    --resolve "allowed.example:80:$S4" \
			    "$proto://allowed.example/?$i")
			t1=$(date +%s%N)
			[ "$code" = 200 ] || fails=$((fails + 1))
			ms=$(( (t1 - t0) / 1000000 ))
			sum=$((sum + ms))
			[ "$ms" -gt "$max" ] && max=$ms
		done
		printf '%-10s %-5s %3d requests: mean %4d ms, worst %5d ms, failed %d\n' \
		    "$1" "$proto" "$N" $((sum / N)) "$max" "$fails"
	done
}

run clean
for ns in "$NS_C" "$NS_S"; do
	in_ns "$ns" iptables -w -A OUTPUT -o eth0 -m mark ! --mark 0x6e6e \
	    -j NFQUEUE --queue-num 7
done
bg_start netem_c "$NS_C" "$NETEM_NFQ" -q 7 -m 0x6e6e -l 0 -d 0 -r 25 \
	-D 10 -j 5 -s 12 -S "$TMP/netem_c.stats"
bg_start netem_s "$NS_S" "$NETEM_NFQ" -q 7 -m 0x6e6e -l 0 -d 0 -r 25 \
	-D 10 -j 5 -s 34 -S "$TMP/netem_s.stats"
wait_for 5 grep -q ready "$TMP/netem_c.log" &&
	wait_for 5 grep -q ready "$TMP/netem_s.log" ||
	{ not_ok "netem_nfq"; done_testing; }
run reorder
"$VETO" stats -c "$VCONF" 2>/dev/null | grep -E 'tcp_drop_ahead|offloaded' |
	sed 's/^/vetod: /'
done_testing
