#!/bin/bash
# test_kernel.sh - the kernel mechanisms veto relies on, and the rule set of
# `veto rules --iptables`, in the namespace topology of docs/design.md section 6.
# This is the spike of the kernel work kept as a regression test: if a
# kernel, iptables or library update breaks one of these, this test says
# which.
#
# What the spike proved on this kernel (6.x, iptables 1.8.9 nf_tables
# backend, no nft queue expression, no CONFIG_NETFILTER_NETLINK_GLUE_CT):
#
#  - NFQUEUE with --queue-bypass and a queue opened with
#    NFQA_CFG_F_FAIL_OPEN: traffic flows through a reader; after kill -9 of
#    the reader, traffic keeps flowing (bypass: no listener = accept).
#  - NF_REPEAT with a packet mark: the packet runs through the base chain
#    again from its top; rules before the NFQUEUE rule see the mark, save it
#    into the connmark (CONNMARK --save-mark --nfmask/--ctmask mark_mask)
#    and RETURN or DROP. After ALLOW on the first data packet of a TCP flow
#    only the handshake and that packet were queued (3 of a 1 MiB
#    download); every later packet of the flow skipped the queue through
#    the connmark rule. After BLOCK, the client's retransmissions were
#    dropped in the kernel (the veto-blocked counter) and never queued.
#  - PASS (both mark bits) lets one packet through without deciding the
#    flow; later packets of the flow are still queued.
#  - NF_ACCEPT, fail-open and --queue-bypass all continue with the NEXT
#    hook: from the filter table, the rest of the filter FORWARD chain (the
#    operator's rules) was skipped; from mangle, filter FORWARD still saw
#    every packet. Hence the VETO chain lives in mangle.
#  - Raw IPv4 (IPPROTO_RAW) and IPv6 (IPPROTO_RAW on AF_INET6) sockets in
#    the filter namespace send packets with any source address (the
#    server's towards the client, the client's towards the server); they
#    arrive, and with SO_MARK = PASS the OUTPUT hook's VETO chain does not
#    queue them (without the mark it does).
#  - connbytes 0:N (original direction, packets) + ctdir ORIGINAL: exactly
#    N packets of an undecided flow are queued; the rule at N+1 (comment
#    veto-cap) counts one packet per flow that reached the cap.
#  - NFQA_CFG_F_GSO: GRO/GSO packets reach the reader whole (36 KB seen),
#    with NFQA_SKB_GSO; forwarded veth packets all carry
#    NFQA_SKB_CSUMNOTREADY (their TCP/UDP checksum is not filled in yet:
#    parsers must not reject them for a bad checksum).
#  - After priv_drop() to nobody keeping only CAP_NET_ADMIN, verdicts and
#    injections still work, setuid(0) fails, raw sockets cannot be opened.
#    Without CAP_NET_ADMIN every verdict fails with EPERM (nfnetlink checks
#    it per message), so CAP_NET_ADMIN is the one capability kept.
#  - A socket buffer overrun while the reader is stopped: with fail-open
#    the kernel accepts the packets it cannot deliver and skips their ids;
#    the reader counts the gap.
#
# What does not work here: the nft `queue` statement (the kernel has no
# CONFIG_NFT_QUEUE): `veto rules --nft` is only checked with `nft -c`, and
# the kernel refuses exactly its queue statements. Setting the connmark
# from a verdict (NFQA_CT) needs NETLINK_GLUE_CT, hence NF_REPEAT.
. "$(dirname "$0")/lib.sh"

require_root
require_cmd dig curl unbound nginx tcpdump iptables ip6tables \
    "$VETO" "$HELPERS/nfq_verdict" "$HELPERS/inject_send"

topo_up || { not_ok "topology"; done_testing; }
ok "topology: client, filter, server namespaces"

cat >"$TMP/zone" <<EOF
local-zone: "example." static
local-data: "a.example. A $S4"
local-data: "a.example. AAAA $S6"
EOF
check "unbound starts in the server namespace" start_unbound "$TMP/zone"
check "nginx starts in the server namespace" start_nginx
check "a test CA and a certificate for a.example" make_ca "$TMP/ca" a.example
check "openssl s_server on [$S6]:443" start_s_server tls "[$S6]:443" \
    "$TMP/ca/server.pem" "$TMP/ca/server.key"

# The configuration under test: the default one, a large cap so offload
# and the cap can be told apart, the OUTPUT hook for the injection checks.
write_conf "$TMP/veto.conf" <<EOF
connbytes_cap = 1000
chains = forward output
EOF

dig4() { on_client dig +short +time=2 +tries=1 @"$S4" a.example "$@"; }
dig6() { on_client dig +short +time=2 +tries=1 @"$S6" a.example AAAA "$@"; }
# get URL [SECONDS [CURL ARGS...]]: "status bytes"
get() {
	local url=$1 t=${2:-5}
	shift $(($# < 2 ? $# : 2))
	on_client curl -sS -m "$t" -o /dev/null -w '%{http_code} %{size_download}' "$@" "$url"
}

# start_reader NAME ARGS...: nfq_verdict in the filter namespace.
start_reader() {
	local name=$1
	shift
	rm -f "$TMP/$name.stats"
	bg_start "$name" "$NS_F" "$HELPERS/nfq_verdict" -s "$TMP/$name.stats" "$@"
	wait_for 5 test -s "$TMP/$name.stats" || {
		diag "$name did not start:" "$(bg_log "$name")"
		return 1
	}
}
st() { stat_of "$TMP/$1.stats" "$2"; }
# stop_reader NAME: SIGTERM; it must exit 0 (a sanitizer report would not).
stop_reader() {
	local rc
	bg_stop "$1"
	rc=$?
	is "$1 reader exits cleanly on SIGTERM" "$rc" 0 || diag "$(bg_log "$1")"
}

# --- the rule set ---------------------------------------------------------
check "veto rules --iptables applies" apply_rules "$TMP/veto.conf"
n1=$(veto_rule_count)
check "veto rules --iptables applies a second time" apply_rules "$TMP/veto.conf"
is "applying twice does not duplicate rules" "$(veto_rule_count)" "$n1"
cmp_num "rules installed for IPv4 and IPv6" "$n1" -ge 30
# An operator rule after ours: the packets we let through must reach it.
on_filter iptables -w -A FORWARD -p tcp --dport 80 -m comment --comment operator
on_filter ip6tables -w -A FORWARD -p tcp --dport 80 -m comment --comment operator

# --- bypass with nobody listening -----------------------------------------
is "no reader, --queue-bypass: dig answers" "$(dig4)" "$S4"
o0=$(rule_packets operator filter)
is "no reader, --queue-bypass: curl works" "$(get "http://$S4/")" "200 15"
cmp_num "bypassed packets still reach the operator's filter FORWARD rules" \
    $(($(rule_packets operator filter) - o0)) -ge 3

# --- ALLOW: the flow leaves the queue --------------------------------------
start_reader allow -d allow -e pass
is "reader (allow): dig over IPv4 answers" "$(dig4)" "$S4"
is "reader (allow): dig over IPv6 answers" "$(dig6)" "$S6"
p0=$(st allow packets) a0=$(rule_packets veto-allowed) o0=$(rule_packets operator filter)
is "reader (allow): 1 MiB over HTTP/IPv4" "$(get "http://$S4/big.bin")" "200 1048576"
p1=$(st allow packets) a1=$(rule_packets veto-allowed) o1=$(rule_packets operator filter)
cmp_num "allow: at most 4 packets of the flow were queued ($((p1 - p0)))" $((p1 - p0)) -le 4
cmp_num "allow: the rest skipped the queue by connmark ($((a1 - a0)))" $((a1 - a0)) -ge 20
cmp_num "allow: the operator's filter FORWARD rule saw the flow" $((o1 - o0)) -ge $((p1 - p0))
p0=$(st allow packets) a0=$(rule_packets -6 veto-allowed)
is "reader (allow): 1 MiB over HTTP/IPv6" "$(get "http://[$S6]/big.bin")" "200 1048576"
p1=$(st allow packets) a1=$(rule_packets -6 veto-allowed)
cmp_num "allow (IPv6): at most 4 packets queued ($((p1 - p0)))" $((p1 - p0)) -le 4
cmp_num "allow (IPv6): the rest skipped the queue ($((a1 - a0)))" $((a1 - a0)) -ge 20
p0=$(st allow packets)
check "reader (allow): HTTPS over IPv6 (TLS port, openssl s_server)" \
    on_client curl -sS -m 5 -o /dev/null --cacert "$TMP/ca/ca.pem" \
    --resolve "a.example:443:[$S6]" https://a.example/
cmp_num "allow (TLS): the ClientHello decided the flow ($(($(st allow packets) - p0)) queued)" \
    $(($(st allow packets) - p0)) -le 4
is "allow: no id gaps, no verdict errors" "$(st allow gaps) $(st allow errors)" "0 0"
is "allow: /proc id_sequence matches the packets read" \
    "$(queue_proc 0 id_sequence)" "$(st allow packets)"
stop_reader allow

# --- BLOCK: retransmissions die in the kernel --------------------------------
start_reader block -d block -e pass
b0=$(rule_packets veto-blocked)
check_fails "reader (block): curl gets nothing" get "http://$S4/" 3
b1=$(rule_packets veto-blocked)
is "block: the request was queued once" "$(st block data)" 1
cmp_num "block: retransmissions dropped in the kernel ($((b1 - b0)))" $((b1 - b0)) -ge 1
stop_reader block

# --- PASS: one packet at a time, the flow stays undecided -----------------
start_reader pass -d pass -e pass
a0=$(rule_packets veto-allowed)
is "reader (pass): 1 MiB over HTTP" "$(get "http://$S4/big.bin")" "200 1048576"
cmp_num "pass: the flow stays queued ($(st pass packets) packets)" "$(st pass packets)" -ge 10
is "pass: no connmark was set" "$(rule_packets veto-allowed)" "$a0"
if command -v iperf3 >/dev/null; then
	# An upload (2 MB to port 443, a queued port) makes the client's TCP send TSO packets.
	bg_start iperf "$NS_S" iperf3 -s -1 -B "$S4" -p 443
	wait_for 5 listening "$NS_S" tcp 443 &&
	    on_client iperf3 -c "$S4" -p 443 -n 2M >/dev/null 2>&1
	cmp_num "gso: a GSO packet reached the reader whole ($(st pass max_len) bytes)" \
	    "$(st pass max_len)" -gt 1500
	cmp_num "gso: NFQA_SKB_GSO reported ($(st pass gso) packets)" "$(st pass gso)" -ge 1
	bg_stop iperf
else
	skip "iperf3 is not installed: GSO not checked"
fi

# --- injection: spoofed sources, PASS socket mark ---------------------------
bg_start tdc "$NS_C" tcpdump -lni eth0 -c 2 "udp and port 40000"
bg_start tds "$NS_S" tcpdump -lni eth0 -c 2 "udp and port 53 and src port 40001"
wait_for 5 grep -q "listening on" "$TMP/tdc.log" &&
    wait_for 5 grep -q "listening on" "$TMP/tds.log"
q0=$(st pass packets)
check "inject IPv4, source = server, to the client" \
    on_filter "$HELPERS/inject_send" "$S4" "$C4" 53 40000 veto-inject-4
check "inject IPv6, source = server, to the client" \
    on_filter "$HELPERS/inject_send" "$S6" "$C6" 53 40000 veto-inject-6
check "inject IPv4, source = client, to the server (after dropping to nobody)" \
    on_filter "$HELPERS/inject_send" -u nobody "$C4" "$S4" 40001 53 veto-q4
check "inject IPv6, source = client, to the server" \
    on_filter "$HELPERS/inject_send" "$C6" "$S6" 40001 53 veto-q6
check "the client received both injected packets" \
    wait_for 5 grep -q "2 packets captured" "$TMP/tdc.log"
check "the server received both injected packets" \
    wait_for 5 grep -q "2 packets captured" "$TMP/tds.log"
is "injected packets with the PASS mark were not queued" "$(st pass packets)" "$q0"
on_filter "$HELPERS/inject_send" -m 0 "$C4" "$S4" 40001 53 unmarked >/dev/null
wait_for 3 test "$(st pass packets)" != "$q0"
is "an injected packet without the mark is queued (OUTPUT hook)" \
    "$(st pass packets)" $((q0 + 1))
stop_reader pass

# --- privileges: dropped to nobody, verdicts still work ---------------------
start_reader priv -d pass -e pass -u nobody
grep -q '^privs uid=65534 gid=65534 caps=cap_net_admin=ep$' "$TMP/priv.stats" &&
    ok "priv: uid 65534, caps cap_net_admin=ep" ||
    not_ok "priv: uid 65534, caps cap_net_admin=ep ($(grep privs "$TMP/priv.stats"))"
is "priv: cannot regain root, cannot open raw sockets" \
    "$(st priv regain_root) $(st priv raw_socket)" "0 0"
is "priv: verdicts work after the drop (dig)" "$(dig4)" "$S4"
is "priv: verdicts work after the drop (curl)" "$(get "http://$S4/")" "200 15"
is "priv: no verdict errors" "$(st priv errors)" 0

# --- kill -9: bypass keeps the network up -----------------------------------
bg_crash priv && ok "kill -9 of the reader" || not_ok "kill -9 of the reader"
is "after kill -9: dig still answers" "$(dig4)" "$S4"
is "after kill -9: curl still works" "$(get "http://$S4/")" "200 15"

# --- socket overrun: fail-open accepts, the reader counts the gap ----------
start_reader gap -d pass -e pass -r 1024
kill -STOP "$(bg_pid gap)"
for i in 1 2 3 4 5 6 7 8; do dig4 +time=1 >/dev/null; done
answered=$(dig4 +time=1)
kill -CONT "$(bg_pid gap)"
is "overrun: fail-open answered while the reader was stopped" "$answered" "$S4"
dig4 >/dev/null
wait_for 3 test "$(st gap gaps)" != 0
cmp_num "overrun: the reader counted skipped packet ids ($(st gap gaps))" \
    "$(st gap gaps)" -ge 1
stop_reader gap

# --- the cap -------------------------------------------------------------------
write_conf "$TMP/cap.conf" <<<"connbytes_cap = 5"
check "veto rules (cap 5) applies over the previous set" apply_rules "$TMP/cap.conf"
start_reader cap -d pass -e pass
c0=$(rule_packets veto-cap)
# the request written in 12 segments (TCP_NODELAY, 50 ms apart): the flow's
# 6th client packet is certainly one of them, whatever the client's ACKs do
printf 'GET /big.bin HTTP/1.1\r\nHost: cap.example\r\nConnection: close\r\n\r\n' |
    on_client "$HELPERS/http_raw" "$S4" 80 4 8 12 16 20 24 28 32 36 40 44 >"$TMP/cap.out"
is "cap: the request in 12 segments is answered" "$(head -n 1 "$TMP/cap.out")" \
    "HTTP/1.1 200 OK"
is "cap: exactly 5 packets of the undecided flow were queued" "$(st cap packets)" 5
is "cap: veto-cap counted the flow once" $(($(rule_packets veto-cap) - c0)) 1
stop_reader cap

# --- several queues --------------------------------------------------------
write_conf "$TMP/multi.conf" <<<"queues = 2-3"
check "veto rules (queues 2-3) applies" apply_rules "$TMP/multi.conf"
grep -q -- "--queue-balance 2:3 --queue-bypass" "$TMP/rules.sh" &&
    ok "queues 2-3: --queue-balance 2:3 --queue-bypass" ||
    not_ok "queues 2-3: --queue-balance 2:3 --queue-bypass"
start_reader q2 -q 2 -d pass -e pass
start_reader q3 -q 3 -d pass -e pass
is "queues 2-3: dig answers" "$(dig4)" "$S4"
is "queues 2-3: curl works" "$(get "http://$S4/")" "200 15"
cmp_num "queues 2-3: the readers saw the packets" \
    $(($(st q2 packets) + $(st q3 packets))) -ge 4
stop_reader q2
stop_reader q3

# --- fail_open = no: a dead reader stops the traffic ------------------------
write_conf "$TMP/closed.conf" <<<"fail_open = no"
check "veto rules (fail_open = no) applies" apply_rules "$TMP/closed.conf"
grep -q -- "--queue-bypass" "$TMP/rules.sh" &&
    not_ok "fail_open = no: no --queue-bypass" ||
    ok "fail_open = no: no --queue-bypass"
check_fails "fail_open = no, no reader: dig gets no answer" \
    on_client dig +time=1 +tries=1 @"$S4" a.example

# --- removal -------------------------------------------------------------------
check "veto rules --remove runs" remove_rules "$TMP/closed.conf"
check "veto rules --remove runs again (nothing left)" remove_rules "$TMP/closed.conf"
is "no veto rule left (iptables-save, ip6tables-save)" "$(veto_rule_count)" 0
is "without rules: dig answers" "$(dig4)" "$S4"

# --- nft form ------------------------------------------------------------------
if command -v nft >/dev/null; then
	"$VETO" rules -c "$TMP/veto.conf" --nft >"$TMP/veto.nft"
	sed -E 's/queue num [0-9-]+( bypass)?/accept/' "$TMP/veto.nft" >"$TMP/noqueue.nft"
	check "nft ruleset (queue statements aside) passes nft -c" \
	    on_filter nft -c -f "$TMP/noqueue.nft"
	on_filter nft -c -f "$TMP/veto.nft" >"$TMP/nft.err" 2>&1
	errs=$(grep -c "Error:" "$TMP/nft.err")
	queues=$(grep -c "queue num" "$TMP/veto.nft")
	is "nft -c refuses only the queue statements (no CONFIG_NFT_QUEUE here)" \
	    "$errs $(grep -A1 Error: "$TMP/nft.err" | grep -c 'queue num')" \
	    "$queues $queues"
else
	skip "nft is not installed: --nft output not checked"
fi

done_testing
