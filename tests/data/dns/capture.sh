#!/bin/bash
# Capture the DNS packet fixtures in tests/data/dns/*.hex (see README).
#
# Two namespaces joined by a veth pair, documentation addresses only:
#   client 198.51.100.2/24 2001:db8:1::2/64  --  server 198.51.100.53/24
#   2001:db8:1::53/64 running unbound with local data only (local-zone "."
#   refuse beside the test zone; no root hints are used, no forwarders).
# Checksum offload is switched off on both ends (ethtool) so the captured
# UDP/TCP checksums are the real ones. For every query, tcpdump on the
# client's end writes a pcap, which becomes one .hex file: comment lines
# (the dig command, tcpdump's summary of each packet) and one line of hex per
# IP packet.
#
#   tests/data/dns/capture.sh [OUTDIR]    (root; needs unbound, dig, tcpdump,
#                                          ethtool)
set -eu
cd "$(dirname "$0")"
out=${1:-.}
tag=vcap$$
nc=${tag}c ns=${tag}s
tmp=$(mktemp -d /tmp/veto-capture.XXXXXX)
upid=""

cleanup() {
	[ -n "$upid" ] && kill "$upid" 2>/dev/null && wait "$upid" 2>/dev/null
	ip netns del "$nc" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$nc"
ip netns add "$ns"
ip link add c0 netns "$nc" type veth peer name s0 netns "$ns"
ip -n "$nc" link set lo up
ip -n "$ns" link set lo up
ip -n "$nc" addr add 198.51.100.2/24 dev c0
ip -n "$ns" addr add 198.51.100.53/24 dev s0
ip -n "$nc" addr add 2001:db8:1::2/64 dev c0 nodad
ip -n "$ns" addr add 2001:db8:1::53/64 dev s0 nodad
ip netns exec "$nc" ethtool -K c0 tx off >/dev/null
ip netns exec "$ns" ethtool -K s0 tx off >/dev/null
ip -n "$nc" link set c0 up
ip -n "$ns" link set s0 up

cat >"$tmp/unbound.conf" <<EOF
server:
	interface: 198.51.100.53
	interface: 2001:db8:1::53
	port: 53
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$tmp"
	pidfile: ""
	use-syslog: no
	logfile: ""
	verbosity: 0
	access-control: 198.51.100.0/24 allow
	access-control: 2001:db8:1::/64 allow
	module-config: "iterator"
	minimal-responses: yes
	edns-buffer-size: 1232
	local-zone: "." refuse
	local-zone: "example." static
	local-data: "example. 3600 IN SOA ns.example. hostmaster.example. 1 3600 600 86400 60"
	local-data: "www.example. 300 IN A 192.0.2.80"
	local-data: "www.example. 300 IN AAAA 2001:db8::80"
	local-data: 'www.example. 300 IN TXT "veto fixture"'
	local-data: "www.example. 300 IN HTTPS 1 . alpn=h2"
remote-control:
	control-enable: no
EOF
unbound-checkconf "$tmp/unbound.conf" >/dev/null
ip netns exec "$ns" unbound -c "$tmp/unbound.conf" &
upid=$!
sleep 1

# capture NAME DIG-ARGS...: one query, one .hex file.
capture() {
	local name=$1 tpid
	shift
	# tcpdump drops to its own user unless -Z root (our tmp is 0700);
	# --immediate-mode so that nothing waits in the ring at the kill.
	ip netns exec "$nc" tcpdump -Z root --immediate-mode -i c0 -s 0 \
	    -w "$tmp/$name.pcap" 'port 53' 2>/dev/null &
	tpid=$!
	sleep 1
	ip netns exec "$nc" dig +tries=1 +time=3 "$@" >"$tmp/$name.dig" || true
	sleep 1
	kill "$tpid"
	wait "$tpid" 2>/dev/null || true
	{
		echo "# $name: dig $*"
		echo "# answer: $(grep -o 'status: [A-Z]*' "$tmp/$name.dig" | head -n1)"
		tcpdump -r "$tmp/$name.pcap" -nn -x 2>/dev/null | awk '
			/^[0-9]/ { if (hex != "") print hex; hex = ""
				   sub(/^[0-9:.]+ /, ""); print "# " $0; next }
			/^\t0x/ { for (i = 2; i <= NF; i++) hex = hex $i }
			END { if (hex != "") print hex }'
	} >"$out/$name.hex"
	echo "$name: $(grep -vc '^#' "$out/$name.hex") packets"
}

S4=@198.51.100.53 S6=@2001:db8:1::53
capture udp4_a_edns      $S4 WwW.eXaMpLe A
capture udp4_a_noedns    $S4 www.EXAMPLE A +noedns
capture udp4_a_dnssec    $S4 www.example A +dnssec +nocookie +bufsize=4096
capture udp6_aaaa        $S6 wWw.Example AAAA
capture udp4_txt         $S4 www.example TXT +nocookie
capture udp6_https       $S6 www.example HTTPS +noedns
capture udp4_refused     $S4 Blocked.Nowhere A
capture tcp4_a           $S4 www.example A +tcp
capture tcp6_aaaa_noedns $S6 WWW.example AAAA +tcp +noedns
