#!/bin/bash
# test_doh_canary.sh - doh_canary = yes (issue 17): vetod answers NXDOMAIN
# for use-application-dns.net (what Firefox asks before it turns on its own
# DNS over HTTPS), over UDP and TCP, whatever dns_action says, counted as
# detail doh_canary; with doh_canary = no (the default) the resolver's own
# answer passes, and a name beside it is never touched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vetod.sh"
require_root
require_cmd dig unbound "$VETOD"

topo_up || { not_ok "topology"; done_testing; }
demo_zone "$TMP/zone.conf"
cat >>"$TMP/zone.conf" <<-'EOF2'
local-zone: "use-application-dns.net." static
local-data: "use-application-dns.net. 300 IN A 203.0.113.90"
local-data: "www.use-application-dns.net. 300 IN A 203.0.113.91"
EOF2
start_unbound "$TMP/zone.conf" || { not_ok "unbound starts"; done_testing; }

q() { on_client dig +time=2 +tries=1 @"$S4" "$@"; }
status() { q "$@" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }
short() { q +short "$@" | tr '\n' ' ' | sed 's/ $//'; }

# the legitimate twin first: off by default, the resolver answers
vetod_conf
vetod_start || { not_ok "vetod starts"; done_testing; }
is "doh_canary off (default): the resolver's answer passes" \
    "$(short use-application-dns.net A)" 203.0.113.90
vetod_stop

vetod_conf <<-EOF2
doh_canary = yes
EOF2
vetod_start || { not_ok "vetod starts with doh_canary = yes"; done_testing; }
is "doh_canary: NXDOMAIN over UDP (dns_action is stoppage)" "$(status use-application-dns.net A)" NXDOMAIN
is "doh_canary: any case, a final dot" "$(status USE-Application-DNS.net. AAAA)" NXDOMAIN
is "doh_canary: NXDOMAIN over TCP" "$(status +tcp use-application-dns.net A)" NXDOMAIN
is "a name below the canary is not the canary" "$(short www.use-application-dns.net A)" 203.0.113.91
is "a listed name still gets dns_action (stop page)" "$(short bad.example A)" "$STOP4"
is "an allowed name still resolves" "$(short allowed.example A)" 203.0.113.80
out=$(q use-application-dns.net A)
if grep -q 'EDE' <<<"$out"; then
	not_ok "the canary's answer names no list entry (no EDE)"; diag "$out"
else
	ok "the canary's answer names no list entry (no EDE)"
fi
n=$("$VETO" stats -s "$TMP/control.sock" --json 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["details"].get("doh_canary"))')
is "counted: every canary query (four)" "$n" 4
vetod_stop
done_testing
