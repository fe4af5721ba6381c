#!/bin/bash
# Capture real ClientHellos (TCP) and QUIC client Initials (UDP) from real
# clients on a private loopback, and write the client's bytes as .bin files
# into tests/data/tls and tests/data/quic. See the README in each directory.
#
#   tests/data/tls/capture.sh            (as root; needs unshare, tcpdump,
#                                         openssl, curl, chromium, gtlsclient,
#                                         gtlsserver, python3)
#
# Everything runs inside a fresh network namespace (unshare --net) whose
# loopback has an MTU of 1500, so TCP segments have the size they have on a
# real network and nothing leaves the namespace. Names are documentation
# names resolved to 127.0.0.1 by the clients themselves.
set -eu
cd "$(dirname "$0")/../../.."
root=$PWD

if [ "${1:-}" != --inside ]; then
	exec unshare --net --mount "$0" --inside
fi

tmp=$(mktemp -d /tmp/veto-capture-XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

ip link set lo mtu 1500 up
# gtlsclient sends "localhost" as SNI for a numeric host: give it a name.
printf '127.0.0.1 localhost ngtcp2.example.com\n' >"$tmp/hosts"
mount --bind "$tmp/hosts" /etc/hosts

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-subj /CN=capture.example -days 2 -keyout "$tmp/key.pem" \
	-out "$tmp/cert.pem" 2>/dev/null

tcpdump -i lo -U -s 0 -w "$tmp/cap.pcap" 'tcp port 8443 or udp port 8443' \
	2>"$tmp/tcpdump.log" &
pids+=($!)
sleep 1

openssl s_server -quiet -accept 127.0.0.1:8443 -cert "$tmp/cert.pem" \
	-key "$tmp/key.pem" -www >/dev/null 2>&1 &
pids+=($!)
gtlsserver -q 127.0.0.1 8443 "$tmp/key.pem" "$tmp/cert.pem" \
	>/dev/null 2>&1 &
pids+=($!)
sleep 1

# 1. openssl s_client (TLS 1.3, OpenSSL 3.0)
openssl s_client -servername openssl.example.com -connect 127.0.0.1:8443 \
	</dev/null >/dev/null 2>&1 || true
sleep 0.3
# 2. openssl s_client forced to TLS 1.2
openssl s_client -tls1_2 -servername tls12.example.com \
	-connect 127.0.0.1:8443 </dev/null >/dev/null 2>&1 || true
sleep 0.3
# 3. openssl s_client without SNI (an IP address as host: no server_name)
openssl s_client -noservername -connect 127.0.0.1:8443 \
	</dev/null >/dev/null 2>&1 || true
sleep 0.3
# 4. curl
curl -sk --max-time 5 --resolve curl.example.org:8443:127.0.0.1 \
	https://curl.example.org:8443/ >/dev/null 2>&1 || true
sleep 0.3
# 5. headless Chromium over TCP (post-quantum key share, GREASE, ECH GREASE)
chrome() {
	timeout 20 chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$(mktemp -d "$tmp/chrome-XXXXXX")" \
		--host-resolver-rules="MAP * 127.0.0.1" "$@" \
		>/dev/null 2>&1 || true
}
chrome --dump-dom https://chromium.example.net:8443/
sleep 0.3
# 6. headless Chromium over QUIC (forced): the ClientHello spans 2 Initials
chrome --enable-quic --origin-to-force-quic-on=chrome-quic.example.net:8443 \
	--dump-dom https://chrome-quic.example.net:8443/
sleep 0.3
# 7. ngtcp2 (GnuTLS) QUIC v1. The packaged libngtcp2 (0.12) predates
# RFC 9369: asked for 0x6b3343cf it sends that version with v1 packet types
# and keys, so there is no real v2 capture (the tests use RFC 9369's vector
# and packets they protect themselves).
timeout 10 gtlsclient -q --exit-on-all-streams-close \
	ngtcp2.example.com 8443 https://ngtcp2.example.com/ >/dev/null 2>&1 || true
sleep 1

kill "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
python3 "$root/tests/data/tls/pcap_extract.py" "$tmp/cap.pcap" \
	"$root/tests/data"
