#!/bin/bash
# test_lossy.sh - legitimate traffic is not harmed by the normaliser
# (issue 12): with netem on both directions of the client's path (loss
# 5%, 25% reordered, 2% duplicated, delay 10 ms with 5 ms jitter: tc netem
# on the client link when the kernel has sch_netem, else netem_nfq, its
# userspace stand-in, on the client's and the server's egress) and a
# server that advertises a small MSS (so a ClientHello or a request spans
# several segments that netem reorders), curl, openssl s_client,
# gtlsclient and dig complete every allowed request and none of the
# blocked ones. Counts are bounded; the whole test stays under two minutes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vetod.sh"
require_root
require_cmd curl openssl dig gtlsclient gtlsserver nginx unbound tc "$VETOD"
NETEM_NFQ=$HELPERS/netem_nfq

N_ALLOWED=${LOSSY_ALLOWED:-8} N_BLOCKED=${LOSSY_BLOCKED:-4}

topo_up || { not_ok "topology"; done_testing; }
demo_zone "$TMP/zone.conf"
start_unbound "$TMP/zone.conf" || { not_ok "unbound"; done_testing; }
make_ca "$TMP/pki" allowed.example bad.example share.example ||
	{ not_ok "test CA"; done_testing; }
CERT=$TMP/pki/server.pem KEY=$TMP/pki/server.key CA=$TMP/pki/ca.pem
mkdir -p "$TMP/www/u/123/a"
echo "blocked file" >"$TMP/www/u/123/a/file.html"
start_nginx "$CERT" "$KEY" || { not_ok "nginx"; done_testing; }
bg_start gtlsserver "$NS_S" gtlsserver -q -d "$TMP/www" "$S4" 443 "$KEY" "$CERT"
vetod_conf <<<"tls_ports = 443"
vetod_start || { not_ok "vetod starts"; done_testing; }
ok "vetod starts"

# the server advertises MSS 200: client requests span several segments
on_server ip route change default via "$FS4" advmss 200
on_server ip -6 route change default via "$FS6" advmss 200
NETEM="delay 10ms 5ms loss 5% duplicate 2% reorder 25% 50%"
# shellcheck disable=SC2086
if on_client tc qdisc add dev eth0 root netem $NETEM 2>/dev/null; then
	on_filter tc qdisc add dev c0 root netem $NETEM ||
		{ not_ok "netem on the client link"; done_testing; }
	ok "tc netem on the client link: $NETEM"
else
	# no sch_netem: the same impairment from NFQUEUE on both egresses
	for ns in "$NS_C" "$NS_S"; do
		for ipt in iptables ip6tables; do
			in_ns "$ns" "$ipt" -w -A OUTPUT -o eth0 -m mark ! --mark 0x6e6e \
			    -j NFQUEUE --queue-num 7
		done
	done
	bg_start netem_c "$NS_C" "$NETEM_NFQ" -q 7 -m 0x6e6e -l 5 -d 2 -r 25 \
		-D 10 -j 5 -s 12 -S "$TMP/netem_c.stats"
	bg_start netem_s "$NS_S" "$NETEM_NFQ" -q 7 -m 0x6e6e -l 5 -d 2 -r 25 \
		-D 10 -j 5 -s 34 -S "$TMP/netem_s.stats"
	if wait_for 5 grep -q ready "$TMP/netem_c.log" &&
		wait_for 5 grep -q ready "$TMP/netem_s.log"; then
		ok "netem_nfq on the client's and the server's egress (no sch_netem): loss 5%, dup 2%, reorder 25%, delay 10 ms +- 5 ms"
	else
		not_ok "netem_nfq starts"; diag "$(bg_log netem_c)" "$(bg_log netem_s)"
		done_testing
	fi
fi

mkdir -p "/etc/netns/$NS_C"
trap 'rm -rf "/etc/netns/$NS_C"; cleanup' EXIT
for n in allowed.example bad.example share.example; do
	echo "$S4 $n"
done >"/etc/netns/$NS_C/hosts"

# tally WHAT EXPECT N cmd...: run cmd N times; each run prints one word;
# ok when every run printed EXPECT.
tally() {
	local what=$1 want=$2 n=$3 i r bad=""
	shift 3
	for i in $(seq "$n"); do
		r=$("$@" 2>/dev/null)
		[ "$r" = "$want" ] || bad="$bad $i:${r:-nothing}"
	done
	is "$what ($n of $n)" "$bad" ""
}

http_get() {	# URL: "page" when nginx served the file, else the code
	local code
	code=$(on_client curl -s -o "$TMP/body" -w '%{http_code}' --max-time 15 \
	    --resolve share.example:80:"$S4" --resolve allowed.example:80:"$S4" \
	    --resolve bad.example:80:"$S4" "$1")
	if [ "$code" = 200 ] && grep -q 'veto test page\|blocked file' "$TMP/body"; then
		echo page
	else
		echo "$code"
	fi
}
https_get() {	# NAME: "page" or the code
	local code
	code=$(on_client curl -s -o "$TMP/body" -w '%{http_code}' --max-time 15 \
	    --cacert "$CA" --resolve "$1:443:$S4" "https://$1/")
	if [ "$code" = 200 ] && grep -q 'veto test page' "$TMP/body"; then
		echo page
	else
		echo "$code"
	fi
}
s_client() {	# NAME: "established" or "failed"
	local out
	out=$(echo | on_client timeout 15 openssl s_client -brief \
	    -connect "$S4:443" -servername "$1" -CAfile "$CA" 2>&1)
	grep -q 'CONNECTION ESTABLISHED' <<<"$out" && echo established || echo failed
}
quic_get() {	# NAME: "ok" when the page arrived
	local d=$TMP/q-$RANDOM
	mkdir -p "$d"
	# 10 s: on a 5% loss link a few doubling PTOs can pass 5 s under load
	on_client timeout 20 gtlsclient -q --exit-on-all-streams-close \
	    --handshake-timeout=10s --download="$d" "$1" 443 \
	    "https://$1/index.html" >/dev/null 2>&1
	[ -s "$d/index.html" ] && echo ok || echo failed
}
dig_a() {	# NAME [+tcp]: the first address
	on_client dig +time=2 +tries=3 +short ${2:-} @"$S4" "$1" A | grep -v "^;;" | head -n 1
}

t0=$(date +%s)
tally "HTTP, allowed page through the lossy link" page "$N_ALLOWED" \
	http_get http://share.example/index.html
tally "HTTP, blocked URL never served" 302 "$N_BLOCKED" \
	http_get http://share.example/u/123/a/file.html
tally "HTTP, blocked domain never served" 302 "$N_BLOCKED" \
	http_get http://bad.example/index.html
tally "HTTPS (curl), allowed name" page "$N_ALLOWED" https_get allowed.example
tally "HTTPS (curl), blocked name fails" 000 "$N_BLOCKED" https_get bad.example
tally "openssl s_client, allowed name" established "$N_ALLOWED" s_client allowed.example
tally "openssl s_client, blocked name" failed "$N_BLOCKED" s_client bad.example
if wait_for 5 listening "$NS_S" udp 443; then
	tally "QUIC (gtlsclient), allowed name" ok "$N_BLOCKED" quic_get allowed.example
	tally "QUIC (gtlsclient), blocked name" failed 2 quic_get bad.example
else
	not_ok "gtlsserver listens"
fi
tally "dig over UDP, allowed name" 203.0.113.80 "$N_ALLOWED" dig_a allowed.example
tally "dig over UDP, blocked name gets the stop page" "$STOP4" "$N_BLOCKED" dig_a bad.example
tally "dig over TCP, allowed name" 203.0.113.80 "$N_BLOCKED" dig_a allowed.example +tcp
tally "dig over TCP, blocked name gets the stop page" "$STOP4" "$N_BLOCKED" dig_a bad.example +tcp
diag "lossy phase took $(( $(date +%s) - t0 )) s"
if bg_alive netem_c; then
	bg_stop netem_c; bg_stop netem_s
	lost=$(( $(stat_of "$TMP/netem_c.stats" lost) + $(stat_of "$TMP/netem_s.stats" lost) ))
	reord=$(( $(stat_of "$TMP/netem_c.stats" reordered) + $(stat_of "$TMP/netem_s.stats" reordered) ))
	diag "netem_nfq: client $(tr '\n' ' ' <"$TMP/netem_c.stats")" \
	    "netem_nfq: server $(tr '\n' ' ' <"$TMP/netem_s.stats")"
	cmp_num "the impairment really happened ($lost lost, $reord reordered)" \
		$((lost > 0 && reord > 0)) -eq 1
fi
done_testing
