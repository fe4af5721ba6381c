#!/bin/bash
# test_dns.sh - DNS enforcement end to end (issue 5): real unbound in the
# server namespace, vetod on NFQUEUE in the filter namespace with the rules
# from `veto rules --iptables`, real dig in the client namespace.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vetod.sh"
require_root
require_cmd dig unbound "$VETOD"

topo_up || { not_ok "topology"; done_testing; }
demo_zone "$TMP/zone.conf"
start_unbound "$TMP/zone.conf" || { not_ok "unbound starts"; done_testing; }
vetod_conf
check "vetod -n accepts the configuration and the demo list" \
	on_filter "$VETOD" -n -c "$VCONF"
vetod_start || { not_ok "vetod starts"; done_testing; }
ok "vetod starts"

q() { on_client dig +time=2 +tries=1 "$@"; }
short() { q +short "$@" | tr '\n' ' ' | sed 's/ $//'; }

is "allowed name resolves (UDP, IPv4)" "$(short @"$S4" allowed.example A)" 203.0.113.80
is "blocked domain answered with the stop page (A)" "$(short @"$S4" bad.example A)" "$STOP4"
is "name below a blocked domain is blocked" "$(short @"$S4" www.bad.example A)" "$STOP4"
is "sibling of a blocked domain is not blocked" "$(short @"$S4" notbad.example A)" 203.0.113.67
is "blocked domain AAAA points at the IPv6 stop page" "$(short @"$S4" bad.example AAAA)" "$STOP6"
is "host entry blocks that name" "$(short @"$S4" exact.example A)" "$STOP4"
is "host entry does not block names below it" "$(short @"$S4" sub.exact.example A)" 203.0.113.69
is "url entry never blocks its host at DNS level" "$(short @"$S4" share.example A)" 203.0.113.2
is "canary is blocked" "$(short @"$S4" canary.hotline.example A)" "$STOP4"

out=$(q @"$S4" bad.example TXT)
if grep -q 'status: NOERROR' <<<"$out" && grep -q 'ANSWER: 0' <<<"$out" &&
	grep -q 'SOA' <<<"$out"; then
	ok "other types of a blocked name get NODATA with an SOA"
else
	not_ok "other types of a blocked name get NODATA with an SOA"; diag "$out"
fi
out=$(q @"$S4" bad.example TYPE65)
if grep -q 'status: NOERROR' <<<"$out" && grep -q 'ANSWER: 0' <<<"$out"; then
	ok "HTTPS (type 65) of a blocked name gets NODATA"
else
	not_ok "HTTPS (type 65) of a blocked name gets NODATA"; diag "$out"
fi

out=$(q @"$S4" BaD.ExAmPlE A)
if grep -q '^BaD.ExAmPlE\.[[:space:]].*IN[[:space:]]*A[[:space:]]*192.0.2.1' <<<"$out"; then
	ok "mixed-case question echoed byte for byte (0x20)"
else
	not_ok "mixed-case question echoed byte for byte (0x20)"; diag "$out"
fi
if grep -q 'flags: qr rd ra;' <<<"$out"; then
	ok "forged answer: qr rd ra set, aa and ad clear"
else
	not_ok "forged answer: qr rd ra set, aa and ad clear"; diag "$out"
fi

out=$(q @"$S4" bad.example A)
if grep -q 'EDE: 16 (Censored)' <<<"$out" && grep -q 'entry d1' <<<"$out" &&
	grep -q 'demo-hotline/demo' <<<"$out"; then
	ok "EDNS query: Extended DNS Error 16 naming the feed and entry"
else
	not_ok "EDNS query: Extended DNS Error 16 naming the feed and entry"; diag "$out"
fi
out=$(q +noedns @"$S4" bad.example A)
if ! grep -q 'OPT PSEUDOSECTION' <<<"$out" && grep -q "$STOP4" <<<"$out"; then
	ok "query without EDNS: answer without OPT"
else
	not_ok "query without EDNS: answer without OPT"; diag "$out"
fi

is "blocked over TCP" "$(short +tcp @"$S4" bad.example A)" "$STOP4"
is "allowed over TCP" "$(short +tcp @"$S4" allowed.example A)" 203.0.113.80
is "blocked over IPv6 transport" "$(short @"$S6" bad.example A)" "$STOP4"
is "allowed over IPv6 transport" "$(short @"$S6" allowed.example AAAA)" 2001:db8:2::80
is "blocked over TCP and IPv6" "$(short +tcp @"$S6" www.bad.example AAAA)" "$STOP6"
out=$(q +tcp +keepopen @"$S4" allowed.example A bad.example A allowed.example TXT)
if grep -q '203.0.113.80' <<<"$out" && grep -q "$STOP4" <<<"$out"; then
	ok "several queries on one TCP connection: allowed answered, blocked forged"
else
	not_ok "several queries on one TCP connection"; diag "$out"
fi

# One client port for every query (a forwarder does this): the forged answer
# to the first blocked query must not make the next queries from that port
# look like replies that skip the queue.
fixed=""
for n in bad.example allowed.example www.bad.example exact.example bad.example; do
	fixed="$fixed $(short -b "$C4#40053" @"$S4" "$n" A)"
done
is "one client port: every query still checked (blocked, allowed, blocked...)" \
	"$fixed" " $STOP4 203.0.113.80 $STOP4 $STOP4 $STOP4"

# nxdomain and refused, through a reload (SIGHUP)
vetod_conf <<<"dns_action = nxdomain"
vetod_reload || diag "no reload line: $(bg_log vetod | tail -n 3)"
out=$(q @"$S4" bad.example A)
if grep -q 'status: NXDOMAIN' <<<"$out" && grep -q 'EDE: 16' <<<"$out"; then
	ok "dns_action = nxdomain (after SIGHUP)"
else
	not_ok "dns_action = nxdomain (after SIGHUP)"; diag "$out"
fi
vetod_conf <<<"dns_action = refused"
vetod_reload
out=$(q @"$S4" bad.example A)
if grep -q 'status: REFUSED' <<<"$out"; then
	ok "dns_action = refused"
else
	not_ok "dns_action = refused"; diag "$out"
fi

# a bad configuration is refused and the running one stays
echo "dns_action = sideways" >>"$VCONF"
vetod_reload
if grep -q 'reload failed' "$TMP/vetod.log" &&
	grep -q 'status: REFUSED' <<<"$(q @"$S4" bad.example A)"; then
	ok "a bad configuration is refused on reload; the running one stays"
else
	not_ok "a bad configuration is refused on reload"; diag "$(bg_log vetod | tail -n 5)"
fi

vetod_conf <<<"mode = monitor"
vetod_reload
is "monitor mode lets blocked names resolve" "$(short @"$S4" bad.example A)" 203.0.113.66

# fail-open: kill -9 while queries run; allowed names keep resolving
vetod_conf
vetod_reload
is "enforcing again after reload" "$(short @"$S4" bad.example A)" "$STOP4"
bg_crash vetod
fails=0
for i in $(seq 20); do
	[ "$(short @"$S4" allowed.example A)" = 203.0.113.80 ] || fails=$((fails + 1))
done
is "vetod killed (-9): allowed names keep resolving (queue bypass)" "$fails" 0
is "vetod killed: blocked names resolve too (fail-open)" "$(short @"$S4" bad.example A)" 203.0.113.66
t0=$(date +%s%N)
bg_start vetod "$NS_F" "$VETOD" -d -c "$VCONF"
back=""
for i in $(seq 50); do
	if [ "$(on_client dig +time=1 +tries=1 +short @"$S4" bad.example A)" = "$STOP4" ]; then
		back=$(( ($(date +%s%N) - t0) / 1000000 ))
		break
	fi
	sleep 0.02
done
if [ -n "$back" ] && [ "$back" -le 1000 ]; then
	ok "after a restart enforcement is back within a second (${back} ms)"
else
	not_ok "after a restart enforcement is back within a second (${back:-never} ms)"
fi
done_testing
