#!/bin/bash
# test_tls.sh - TLS and QUIC server names (issue 7): real openssl s_server,
# nginx and gtlsserver in the server namespace, vetod in the filter
# namespace, openssl s_client, curl, gtlsclient and a split-sending client
# from the client namespace.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vetod.sh"
require_root
require_cmd openssl curl gtlsclient gtlsserver nginx "$VETOD"
SPLIT=$HELPERS/tls_split

topo_up || { not_ok "topology"; done_testing; }
make_ca "$TMP/pki" allowed.example bad.example www.bad.example notbad.example \
	exact.example sub.exact.example || { not_ok "test CA"; done_testing; }
CERT=$TMP/pki/server.pem KEY=$TMP/pki/server.key CA=$TMP/pki/ca.pem
start_nginx "$CERT" "$KEY" || { not_ok "nginx"; done_testing; }
start_s_server s_server "$S4:4433" "$CERT" "$KEY" || { not_ok "s_server"; done_testing; }
start_s_server s_server6 "[$S6]:4433" "$CERT" "$KEY"
mkdir -p "$TMP/www"
bg_start gtlsserver "$NS_S" gtlsserver -q -d "$TMP/www" "$S4" 443 "$KEY" "$CERT"
vetod_conf <<<"tls_ports = 443,4433"
vetod_start || { not_ok "vetod starts"; done_testing; }
ok "vetod starts"

# s_client NAME ADDR PORT: "established", or how it failed, and the time.
s_client() {
	local t0 out
	t0=$(date +%s%N)
	out=$(echo | on_client timeout 10 openssl s_client -brief -connect "$2:$3" \
	    -servername "$1" -CAfile "$CA" 2>&1)
	echo $(( ($(date +%s%N) - t0) / 1000000 )) >"$TMP/s_ms"
	if grep -q 'CONNECTION ESTABLISHED' <<<"$out"; then echo established
	elif grep -qiE 'reset|errno=104' <<<"$out"; then echo reset
	else echo "other: $(tail -n 2 <<<"$out" | tr '\n' ' ')"; fi
}

for fam in 4 6; do
	addr=$S4; [ $fam = 6 ] && addr="[$S6]"
	is "IPv$fam: allowed name, handshake completes" \
		"$(s_client allowed.example "$addr" 4433)" established
	r=$(s_client bad.example "$addr" 4433)
	is "IPv$fam: blocked name, connection reset" "$r" reset
	ms=$(cat "$TMP/s_ms")
	cmp_num "IPv$fam: the reset is prompt (${ms} ms)" "$ms" -lt 2000
	is "IPv$fam: name below a blocked domain reset" \
		"$(s_client www.bad.example "$addr" 4433)" reset
	is "IPv$fam: sibling not blocked" \
		"$(s_client notbad.example "$addr" 4433)" established
	is "IPv$fam: host entry blocked" "$(s_client exact.example "$addr" 4433)" reset
	is "IPv$fam: below a host entry allowed" \
		"$(s_client sub.exact.example "$addr" 4433)" established
done
is "mixed-case SNI is blocked" "$(s_client BAD.Example "$S4" 4433)" reset

curl_code() {
	on_client curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
	    --cacert "$CA" --resolve "$1:443:$2" "https://$1/" 2>/dev/null
}
is "curl, allowed name over HTTPS: 200" "$(curl_code allowed.example "$S4")" 200
is "curl, blocked name over HTTPS: no answer" "$(curl_code bad.example "$S4")" 000
is "curl over IPv6, allowed: 200" "$(curl_code allowed.example "[$S6]")" 200
is "curl over IPv6, blocked: no answer" "$(curl_code bad.example "[$S6]")" 000

# A real ClientHello for a blocked name, split around the server name.
on_client "$SPLIT" grab 9443 "$TMP/hello-bad.bin" >"$TMP/grab.log" 2>&1 &
grab=$!
wait_for 5 grep -q listening "$TMP/grab.log"
echo | on_client timeout 5 openssl s_client -connect 127.0.0.1:9443 \
	-servername www.bad.example >/dev/null 2>&1
wait $grab
read -r off len < <("$SPLIT" sni "$TMP/hello-bad.bin")
if [ -z "${off:-}" ]; then
	not_ok "captured a ClientHello with a server name"
else
	bad_cuts=""
	for cut in $(seq $((off - 4)) $((off + len + 4))); do
		r=$(on_client "$SPLIT" send "$S4" 4433 "$TMP/hello-bad.bin" "$cut")
		[ "$r" = reset ] || bad_cuts="$bad_cuts $cut:$r"
	done
	is "ClientHello split in two at every offset around the name: reset" "$bad_cuts" ""
	bad_cuts=""
	for cut in $((off - 1)) $((off + 3)) $((off + len - 1)); do
		r=$(on_client "$SPLIT" send "$S4" 4433 "$TMP/hello-bad.bin" \
		    $((cut - 30)) "$cut" $((cut + 2)))
		[ "$r" = reset ] || bad_cuts="$bad_cuts $cut:$r"
	done
	is "ClientHello split in four pieces around the name: reset" "$bad_cuts" ""
	for rl in 7 64 300; do
		is "ClientHello re-framed into ${rl}-byte records: reset" \
			"$(on_client "$SPLIT" send -r "$rl" "$S4" 4433 "$TMP/hello-bad.bin" 20 200)" reset
	done
fi
on_client "$SPLIT" grab 9444 "$TMP/hello-ok.bin" >"$TMP/grab2.log" 2>&1 &
grab=$!
wait_for 5 grep -q listening "$TMP/grab2.log"
echo | on_client timeout 5 openssl s_client -connect 127.0.0.1:9444 \
	-servername allowed.example >/dev/null 2>&1
wait $grab
read -r off len < <("$SPLIT" sni "$TMP/hello-ok.bin")
is "allowed ClientHello split at the name: the server answers" \
	"$(on_client "$SPLIT" send "$S4" 4433 "$TMP/hello-ok.bin" $((off + 2)))" data
is "allowed ClientHello in 16-byte records: the server answers" \
	"$(on_client "$SPLIT" send -r 16 "$S4" 4433 "$TMP/hello-ok.bin" 50)" data

# Flow offload: a 1 MiB download over an allowed TLS flow queues only its
# first packets.
before=$(queue_proc 0 id_sequence)
code=$(on_client curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
	--cacert "$CA" --resolve allowed.example:443:"$S4" https://allowed.example/big.bin)
after=$(queue_proc 0 id_sequence)
is "1 MiB download over HTTPS through the filter" "$code" 200
cmp_num "after the decision no packet of the flow reaches vetod ($((after - before)) queued)" \
	$((after - before)) -le 8

# QUIC: gtlsclient against gtlsserver. gtlsclient sends a name in SNI only
# when its HOST argument is a DNS name: resolve the test names through
# /etc/netns/NS/hosts, which `ip netns exec` mounts over /etc/hosts.
mkdir -p "/etc/netns/$NS_C"
trap 'rm -rf "/etc/netns/$NS_C"; cleanup' EXIT
for n in allowed.example bad.example www.bad.example notbad.example; do
	echo "$S4 $n"
done >"/etc/netns/$NS_C/hosts"
quic_get() {	# NAME: "ok" when the page arrived
	local d=$TMP/q-$1-$RANDOM
	mkdir -p "$d"
	on_client timeout 10 gtlsclient -q --exit-on-all-streams-close \
	    --handshake-timeout=3s --download="$d" "$1" 443 \
	    "https://$1/index.html" >/dev/null 2>&1
	[ -s "$d/index.html" ] && echo ok || echo failed
}
if wait_for 5 listening "$NS_S" udp 443; then
	is "QUIC: allowed name completes its handshake" "$(quic_get allowed.example)" ok
	is "QUIC: blocked name does not" "$(quic_get bad.example)" failed
	is "QUIC: name below a blocked domain does not" "$(quic_get www.bad.example)" failed
	is "QUIC: sibling of a blocked domain does" "$(quic_get notbad.example)" ok
else
	not_ok "gtlsserver listens"; diag "$(bg_log gtlsserver)"
fi
done_testing
