#!/bin/bash
# test_audit.sh - `veto audit` (issue 9) against the namespace topology:
# unbound, nginx (HTTP and HTTPS) and gtlsserver (QUIC) in the server
# namespace, vetod with the demo list in the filter namespace, the audit
# in the client namespace. A correctly configured filter scores 100%; a
# path broken on purpose (the TCP 53 rule removed, monitor mode) gives
# exactly the failures it should; a stopped target is inconclusive, never
# a success.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vetod.sh"
require_root
require_cmd unbound nginx gtlsserver openssl "$VETOD"

topo_up || { not_ok "topology"; done_testing; }
demo_zone "$TMP/zone.conf"
start_unbound "$TMP/zone.conf" || { not_ok "unbound"; done_testing; }
make_ca "$TMP/pki" allowed.example || { not_ok "test CA"; done_testing; }
CERT=$TMP/pki/server.pem KEY=$TMP/pki/server.key
start_nginx "$CERT" "$KEY" || { not_ok "nginx"; done_testing; }
bg_start gtlsserver "$NS_S" gtlsserver -q -d "$TMP/www" "$S4" 443 "$KEY" "$CERT"
wait_for 5 listening "$NS_S" udp 443 || { not_ok "gtlsserver"; done_testing; }
echo "allowed.example" >"$TMP/never-block.txt"
vetod_conf <<<"never_block_file = $TMP/never-block.txt"
vetod_start || { not_ok "vetod starts"; done_testing; }
ok "vetod starts"

audit() {	# OUT ARGS...: run the audit from the client namespace
	local out=$1
	shift
	on_client "$VETO" audit -c "$VCONF" --resolver "$S4" --target "$S4" \
	    --control allowed.example --timeout 1 --parallel 32 "$@" \
	    >"$TMP/$out" 2>"$TMP/$out.err"
	echo $?
}
failures() {	# the failure lines, "proto entry", sorted
	sed -n '/^failures:/,/^$/p' "$TMP/$1" | awk 'NF > 2 { print $1, $2 }' |
	    sort | tr '\n' ' ' | sed 's/ $//'
}

# --- a correct filter ------------------------------------------------------
rc=$(audit all.txt --all)
is "correct filter, --all: exit 0" "$rc" 0 || diag "$(cat "$TMP/all.txt" "$TMP/all.txt.err")"
grep -q '^result: PASS: \([0-9]*\) of \1 probes as expected, 0 failed, 0 inconclusive' \
    "$TMP/all.txt" && ok "correct filter: 100% as expected" ||
    { not_ok "correct filter: 100% as expected"; diag "$(tail -n 3 "$TMP/all.txt")"; }
grep -q '^controls: dns-udp passed, dns-tcp passed, http passed, tls passed, quic passed' \
    "$TMP/all.txt" && ok "every control passed" || not_ok "every control passed"
# every protocol x type row that must be blocked is at 100%
rows=$(awk '/^must be blocked/ { on = 1; next } /^$/ { on = 0 } on' "$TMP/all.txt")
is "rows: domain and host on five protocols, url on HTTP" \
    "$(awk '{ print $1 "/" $2 }' <<<"$rows" | tr '\n' ' ')" \
    "dns-udp/domain dns-udp/host dns-tcp/domain dns-tcp/host http/domain http/host http/url tls/domain tls/host quic/domain quic/host "
is "every row 100% effective" "$(awk '$7 != "100.0%"' <<<"$rows")" ""
is "the demo list's 9 entries probed" \
    "$(sed -n 's/^probed: \([0-9]*\) entries.*/\1/p' "$TMP/all.txt")" 9
grep -q 'feed default: demo-hotline/demo serial 2026010101' "$TMP/all.txt" &&
    ok "the feed serial is reported" || not_ok "the feed serial is reported"
grep -q 'url entries are enforceable on plain HTTP only' "$TMP/all.txt" &&
    ok "url entries: said to be enforceable on plain HTTP only" ||
    not_ok "url entries: said to be enforceable on plain HTTP only"
# over-blocking probes ran and passed (notbad.example, hotline.example,
# www.exact.example, share.example below HTTP, the never-block name)
pass_rows=$(awk '/^must pass/ { on = 1; next } /^$/ { on = 0 } on' "$TMP/all.txt")
cmp_num "must-pass probes ran" "$(awk '{ n += $2 } END { print n + 0 }' <<<"$pass_rows")" -ge 20
is "nothing that must pass was blocked" "$(awk '$4 != 0' <<<"$pass_rows")" ""

on_client "$VETO" audit -c "$VCONF" --resolver "$S4" --target "$S4" \
    --control allowed.example --timeout 1 --all --json >"$TMP/all.json" 2>&1
if python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["result"]=="pass" and j["failed"]==0 and j["must_block"]["quic"]["domain"]["blocked"]==3, j' "$TMP/all.json" 2>"$TMP/json.err"; then
	ok "--json: the same result"
else
	not_ok "--json: the same result"; diag "$(cat "$TMP/json.err")"
fi

rc=$(audit canaries.txt)
is "default (canaries only): exit 0" "$rc" 0
is "default: the 2 canaries probed" \
    "$(sed -n 's/^probed: \([0-9]*\) entries (the canaries).*/\1/p' "$TMP/canaries.txt")" 2

rc=$(audit sample.txt --sample 3 --seed 7)
is "--sample 3: exit 0" "$rc" 0
is "--sample 3: 3 entries probed" \
    "$(sed -n 's/^probed: \([0-9]*\) entries.*/\1/p' "$TMP/sample.txt")" 3

# --- the TCP 53 rule removed: exactly the DNS-over-TCP probes fail ---------
on_filter iptables -w -t mangle -D VETO -p tcp --dport 53 -m comment \
    --comment veto-dns -j NFQUEUE --queue-num 0 --queue-bypass ||
    not_ok "remove the TCP 53 rule"
rc=$(audit notcp.txt --all)
is "TCP 53 rule removed: exit 1" "$rc" 1
is "TCP 53 rule removed: exactly dns-tcp of every name entry fails" \
    "$(failures notcp.txt)" "dns-tcp d1 dns-tcp d2 dns-tcp h1 dns-tcp h2 dns-tcp t1"
grep -q '^result: FAIL' "$TMP/notcp.txt" && ok "TCP 53 rule removed: FAIL" ||
    not_ok "TCP 53 rule removed: FAIL"
apply_rules "$VCONF" || not_ok "rules restored"
rc=$(audit again.txt)
is "rules restored: exit 0" "$rc" 0

# --- monitor mode: everything that must be blocked passes ----------------
vetod_stop
sed -i '/^mode =/d' "$VCONF"
echo "mode = monitor" >>"$VCONF"
vetod_start || not_ok "vetod restarts in monitor mode"
rc=$(audit monitor.txt --all)
is "monitor mode: exit 1" "$rc" 1
n=$(sed -n '/^failures:/,/^$/p' "$TMP/monitor.txt" | grep -c 'passed, must be blocked')
is "monitor mode: every must-be-blocked probe fails (5 x 5 names + 4 urls)" "$n" 29
is "monitor mode: nothing over-blocked" \
    "$(grep -c 'blocked, must pass' "$TMP/monitor.txt")" 0
vetod_stop
sed -i '/^mode =/d' "$VCONF"
vetod_start || not_ok "vetod restarts"

# --- the target stopped: inconclusive, never success ---------------------
bg_stop nginx
bg_stop gtlsserver
rc=$(audit stopped.txt --all)
is "target stopped: exit 3 (inconclusive)" "$rc" 3
grep -q '^result: INCONCLUSIVE' "$TMP/stopped.txt" && ok "target stopped: INCONCLUSIVE" ||
    { not_ok "target stopped: INCONCLUSIVE"; diag "$(cat "$TMP/stopped.txt")"; }
grep -q '^controls: dns-udp passed, dns-tcp passed, http FAILED, tls FAILED, quic FAILED' \
    "$TMP/stopped.txt" && ok "target stopped: the HTTP, TLS and QUIC controls fail" ||
    not_ok "target stopped: the HTTP, TLS and QUIC controls fail"
is "target stopped: no failure claimed" "$(failures stopped.txt)" ""
is "target stopped: DNS still conclusive and 100%" \
    "$(awk '/^must be blocked/ { on = 1; next } /^$/ { on = 0 } on && /^dns/ && ($5 != 0 || $6 != 0)' "$TMP/stopped.txt")" ""

done_testing
