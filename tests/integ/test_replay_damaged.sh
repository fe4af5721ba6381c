#!/bin/bash
# test_replay_damaged.sh - `veto replay` on a capture whose end is damaged
# (issue 17): the report covers the packets read up to the damage, with a
# warning, exit 1; the intact capture gives the same counts and exit 0.
# Captures are written here (python3), raw IP (LINKTYPE_RAW) and PPP.
# Needs no network and no root.
set -u
cd "$(dirname "$0")/../.."
veto=${VETO_BUILD:-build}/veto
command -v python3 >/dev/null || { echo "skip - python3 is not installed"; exit 0; }
tmp=$(mktemp -d /tmp/veto-replay-damaged.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fails=$((fails + 1)); }

# mkpcap FILE LINKTYPE: three DNS queries (allowed.example, bad.example,
# www.bad.example: one allowed, two blocked by the demo list)
mkpcap() {
	python3 - "$1" "$2" <<'PY'
import struct, sys
path, dlt = sys.argv[1], int(sys.argv[2])
def dns(name, qid):
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack(">HH", 1, 1)
def ip(payload, sport):
    udp = struct.pack(">HHHH", sport, 53, 8 + len(payload), 0) + payload
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                       bytes([198, 51, 100, 2]), bytes([203, 0, 113, 2])) + udp
with open(path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, dlt))
    for i, name in enumerate(["allowed.example", "bad.example", "www.bad.example"]):
        pkt = ip(dns(name, i + 1), 40000 + i)
        if dlt == 9:	# PPP: address, control, protocol 0x0021
            pkt = b"\xff\x03\x00\x21" + pkt
        f.write(struct.pack("<IIII", 1700000000 + i, 0, len(pkt), len(pkt)) + pkt)
PY
}
L="-l conf/demo/list.json -k conf/demo/demo.pub"

mkpcap "$tmp/ok.pcap" 101
out=$($veto replay $L "$tmp/ok.pcap" 2>&1); rc=$?
if [ $rc = 0 ] && grep -q '3 packets' <<<"$out" && ! grep -q 'warning: reading stopped' <<<"$out"; then
	ok "the intact capture: 3 packets, exit 0, no warning"
else
	notok "intact capture (exit $rc): $out"
fi

size=$(stat -c %s "$tmp/ok.pcap")
head -c $((size - 10)) "$tmp/ok.pcap" >"$tmp/cut.pcap"
out=$($veto replay $L "$tmp/cut.pcap" 2>"$tmp/err"); rc=$?
if [ $rc = 1 ] && grep -q '2 packets' <<<"$out" &&
    grep -q 'warning: reading stopped at an error after 2 packets (truncated dump file' <<<"$out" &&
    grep -q 'veto replay: warning: .*cut.pcap: truncated dump file' "$tmp/err"; then
	ok "a capture cut mid-record: the report of the 2 packets before it, a warning, exit 1"
else
	notok "cut capture (exit $rc): $out $(cat "$tmp/err")"
fi
json=$($veto replay $L --json "$tmp/cut.pcap" 2>/dev/null)
if python3 -c '
import json, sys
j = json.loads(sys.argv[1])
assert j["packets"]["read"] == 2, j["packets"]
assert "truncated" in j["damaged"], j.get("damaged")
' "$json"; then
	ok "--json: the counts read, and \"damaged\" saying why"
else
	notok "--json of the cut capture: $json"
fi

mkpcap "$tmp/ppp.pcap" 9
out=$($veto replay $L "$tmp/ppp.pcap" 2>&1); rc=$?
if [ $rc = 0 ] && grep -q '3 packets' <<<"$out" && grep -Eq 'dns +3 +1 +2' <<<"$(tr -s ' ' <<<"$out")"; then
	ok "a PPP capture is read: the same decisions"
else
	# the requests table's layout is not this test's business: the counts are
	if [ $rc = 0 ] && $veto replay $L --json "$tmp/ppp.pcap" | python3 -c '
import json, sys
j = json.load(sys.stdin)
d = j["requests"]["dns"]
assert d["allowed"] == 1 and d["blocked"] == 2, d'; then
		ok "a PPP capture is read: the same decisions"
	else
		notok "PPP capture (exit $rc): $out"
	fi
fi
[ $fails = 0 ]
