#!/bin/bash
# test_replay.sh - `veto replay` (issue 9) against the live daemon: real
# clients (dig over UDP and TCP, curl, openssl s_client, gtlsclient over
# QUIC) talk through vetod with the demo list while tcpdump captures on the
# filter's client-side interface; the capture replayed with `veto replay
# -c CONF` must give exactly the decisions vetod made for that traffic
# (protocol, action and entry of each, counted from vetod -v, which logs
# one line per decision and never a name or address) and exactly the
# per-entry blocks the test knows it caused.
#
# The per-entry counts are also compared with the report vetod writes when
# it stops (report_min_count = 1: exact).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vetod.sh"
require_root
require_cmd tcpdump dig curl openssl gtlsclient gtlsserver unbound nginx "$VETOD"

topo_up || { not_ok "topology"; done_testing; }
demo_zone "$TMP/zone.conf"
start_unbound "$TMP/zone.conf" || { not_ok "unbound"; done_testing; }
make_ca "$TMP/pki" allowed.example share.example || { not_ok "test CA"; done_testing; }
CERT=$TMP/pki/server.pem KEY=$TMP/pki/server.key
start_nginx "$CERT" "$KEY" || { not_ok "nginx"; done_testing; }
bg_start gtlsserver "$NS_S" gtlsserver -q -d "$TMP/www" "$S4" 443 "$KEY" "$CERT"
vetod_conf <<<"report_min_count = 1"
VETOD_ARGS=-v vetod_start || { not_ok "vetod starts"; done_testing; }
ok "vetod starts (-v: one log line per decision)"

bg_start tcpdump "$NS_F" tcpdump -i c0 -n -U -s 0 -w "$TMP/cap.pcap"
wait_for 5 grep -q 'listening on' "$TMP/tcpdump.log" ||
	{ not_ok "tcpdump starts"; diag "$(bg_log tcpdump)"; done_testing; }

mkdir -p "/etc/netns/$NS_C"
trap 'rm -rf "/etc/netns/$NS_C"; cleanup' EXIT
for n in allowed.example bad.example; do echo "$S4 $n"; done >"/etc/netns/$NS_C/hosts"

q() { on_client dig +time=2 +tries=1 "$@" >/dev/null 2>&1; }
get() { on_client curl -s -o /dev/null --max-time 5 --resolve "$1:80:$S4" "${@:2}"; }
hello() { echo | on_client timeout 5 openssl s_client -connect "$S4:443" \
	-servername "$1" >/dev/null 2>&1; }
quic() { on_client timeout 6 gtlsclient -q --exit-on-all-streams-close \
	--handshake-timeout=2s "$1" 443 "https://$1/" >/dev/null 2>&1; }

# DNS: 4 allowed, 5 blocked (d1 x2, h1 x2, t1)
q @"$S4" allowed.example
q @"$S4" bad.example
q @"$S4" www.bad.example AAAA
q @"$S4" notbad.example
q +tcp @"$S4" exact.example
q +tcp @"$S4" allowed.example
q @"$S6" exact.example
q @"$S6" sub.exact.example
q @"$S4" canary.hotline.example
# HTTP: allowed.example (allowed), share.example: /index.html allowed,
# /u/123/x blocked (u1), and two requests on one connection: / allowed,
# then /view?id=42 blocked (u2)
get allowed.example http://allowed.example/
get share.example http://share.example/index.html
get share.example http://share.example/u/123/x
get share.example http://share.example/ -o /dev/null http://share.example/view?id=42
# TLS: allowed, blocked (d1), the canary (t1)
hello allowed.example
hello www.bad.example
hello canary.hotline.example
# QUIC: allowed, blocked (d1, its Initials retransmitted)
quic allowed.example
quic bad.example
sleep 1
bg_stop tcpdump INT

# --- vetod's decisions ---------------------------------------------------
grep -o 'queue [0-9]*: [a-z]* [a-z-]*\( entry [^ ]*\)\?' "$TMP/vetod.log" |
    awk '{ print $3, $4, ($6 == "" ? "-" : $6) }' | sort | uniq -c |
    sed 's/^ *//' >"$TMP/daemon.txt"
cmp_num "vetod logged its decisions" "$(wc -l <"$TMP/daemon.txt")" -ge 8 ||
    diag "$(cat "$TMP/vetod.log")"

# --- the replay ----------------------------------------------------------
"$VETO" replay -c "$VCONF" --decisions "$TMP/cap.pcap" >"$TMP/replay.txt" 2>"$TMP/replay.err"
is "veto replay exits 0" "$?" 0 || diag "$(cat "$TMP/replay.err")"
decisions() { awk '/^(dns|http|tls|quic) (allowed|blocked|malformed|unknown-name) / {
	print $1, $2, $3 }' "$@"; }
decisions "$TMP/replay.txt" | sort |
    uniq -c | sed 's/^ *//' >"$TMP/replayed.txt"
if diff "$TMP/daemon.txt" "$TMP/replayed.txt" >"$TMP/diff.txt"; then
	ok "replay: exactly vetod's decisions (protocol, action, entry)"
else
	not_ok "replay: exactly vetod's decisions (protocol, action, entry)"
	diag "daemon < > replay" "$(cat "$TMP/diff.txt")"
fi
diag "decisions:" "$(cat "$TMP/replayed.txt")"

# --- what the test knows it caused ---------------------------------------
blocked() { awk -v p="$1" -v e="$2" '$2 == p && $3 == "blocked" && $4 == e { print $1 }' \
	"$TMP/replayed.txt"; }
is "DNS blocked by d1: bad.example, www.bad.example" "$(blocked dns d1)" 2
is "DNS blocked by h1: exact.example over TCP and UDP" "$(blocked dns h1)" 2
is "DNS blocked by t1: the canary" "$(blocked dns t1)" 1
is "HTTP blocked by u1" "$(blocked http u1)" 1
# the second request on a kept-alive connection is reset; curl then sends
# it again on a new connection, where it is the first request: 2
is "HTTP blocked by u2: on the kept-alive connection and curl's retry" "$(blocked http u2)" 2
is "TLS blocked by d1" "$(blocked tls d1)" 1
is "TLS blocked by t1" "$(blocked tls t1)" 1
is "QUIC blocked by d1 once, retransmitted Initials not counted" "$(blocked quic d1)" 1
is "HTTP allowed: 3 requests (one per connection, plus the first of the pair)" \
    "$(awk '$2 == "http" && $3 == "allowed" { print $1 }' "$TMP/replayed.txt")" 3
is "QUIC allowed once" "$(awk '$2 == "quic" && $3 == "allowed" { print $1 }' "$TMP/replayed.txt")" 1
grep -q '^http blocked u1 share.example/u/123/x$' "$TMP/replay.txt" &&
    ok "--decisions: the matched URL" || not_ok "--decisions: the matched URL"

# --- the report without --decisions: counts only, no names -----------------
"$VETO" replay -c "$VCONF" "$TMP/cap.pcap" >"$TMP/counts.txt" 2>&1
if grep -qE 'allowed\.example|share\.example|198\.51\.100|203\.0\.113|2001:db8' "$TMP/counts.txt"; then
	not_ok "the count report holds no name and no address"
	diag "$(cat "$TMP/counts.txt")"
else
	ok "the count report holds no name and no address"
fi
grep -qE '^  demo-hotline/demo +csam +d1 +domain +2 +0 +1 +1 +4$' "$TMP/counts.txt" &&
    ok "per-entry table: d1 2 dns, 1 tls, 1 quic" ||
    { not_ok "per-entry table: d1 2 dns, 1 tls, 1 quic"; diag "$(cat "$TMP/counts.txt")"; }
grep -q '^time: .* packets/s$' "$TMP/counts.txt" && ok "speed reported" ||
    not_ok "speed reported"

"$VETO" replay -l "$DEMO_LIST" -k "$DEMO_PUB" --json "$TMP/cap.pcap" >"$TMP/r.json" 2>&1
python3 - "$TMP/r.json" "$TMP/replayed.txt" >"$TMP/json.err" 2>&1 <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
want = {}
for line in open(sys.argv[2]):
    n, p, a, e = line.split()
    if a == "blocked":
        want[(p, e)] = int(n)
got = {}
for e in j["entries"]:
    for p in ("dns", "http", "tls", "quic"):
        if e["blocked"][p]:
            got[(p, e["id"])] = e["blocked"][p]
assert got == want, (got, want)
assert j["packets"]["inspected"] > 0 and j["packets_per_second"] > 0
EOF
is "-l LIST -k KEY --json: the same per-entry counts" "$?" 0 || diag "$(cat "$TMP/json.err")"

# the capture read from standard input
"$VETO" replay -c "$VCONF" --decisions - <"$TMP/cap.pcap" 2>/dev/null |
    decisions | sort | uniq -c |
    sed 's/^ *//' >"$TMP/stdin.txt"
is "a capture on standard input: the same decisions" "$(diff "$TMP/replayed.txt" "$TMP/stdin.txt")" ""

# --- the daemon's own report (report_min_count = 1: exact counts) ----------
vetod_stop
python3 - "$TMP/replayed.txt" "$TMP"/reports/report-*.json >"$TMP/report.err" 2>&1 <<'EOF2'
import json, sys
want = {}
for line in open(sys.argv[1]):
    n, p, a, e = line.split()
    if a == "blocked":
        want[(p, e)] = want.get((p, e), 0) + int(n)
got = {}
for path in sys.argv[2:]:
    for feed in json.load(open(path))["feeds"]:
        for cat in feed["categories"]:
            for e in cat["entries"]:
                for p in ("dns", "http", "tls", "quic"):
                    if e[p]:
                        got[(p, e["id"])] = got.get((p, e["id"]), 0) + e[p]
assert got == want, ("report", got, "replay", want)
EOF2
is "replay: the same per-entry counts as vetod's report (report_min_count = 1)" "$?" 0 ||
    diag "$(cat "$TMP/report.err")"

# --- live: -i on the client-side interface, count only -------------------
on_filter "$VETO" replay -c "$VCONF" -i c0 --duration 4 --json >"$TMP/live.json" 2>"$TMP/live.err" &
live=$!
sleep 1
q @"$S4" bad.example
q @"$S4" allowed.example
wait $live
is "-i: exits after --duration" "$?" 0 || diag "$(cat "$TMP/live.err")"
is "-i: counted the blocked and the allowed query" \
    "$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); d=j["requests"]["dns"]; print(d["blocked"], d["allowed"])' "$TMP/live.json" 2>&1)" "1 1"
check_fails "-i refuses --decisions" "$VETO" replay -c "$VCONF" -i c0 --decisions
vetod_stop
done_testing
