#!/bin/bash
# test_rpz.sh - `veto export rpz` and vetod's rpz_file (issue 17) with the
# real resolvers of Debian: unbound (rpz: zonefile:), BIND 9
# (response-policy), Knot Resolver (policy.rpz, watching the file) and
# PowerDNS Recursor (rpzFile). Each answers only from a local zone (no
# recursion, no root hints, no forwarders) in one namespace. A signed
# list blocks a domain, a host and a url:
#   blocked names get the action (the domain, a name below it, the host);
#   names below the host, siblings and the url's host resolve;
#   a new list (vetod writing rpz_file on install) changes the answers
#   after each resolver's documented reload.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/resolvers.sh"
require_root
require_cmd dig minisign unbound named kresd pdns_recursor "$VETO" "$BUILD/vetod"

KEYS=$ROOT/tests/data/lists
R_UNBOUND=203.0.113.11 R_BIND=203.0.113.12 R_KRESD=203.0.113.13 R_PDNS=203.0.113.14

# make_list SERIAL FILE ENTRY...: a signed list (entries as JSON objects)
make_list() {
	local serial=$1 out=$2 e sep=""
	shift 2
	{
		printf '{"format": "veto-list/1", "feed": "test/rpz", "serial": "%s",\n' "$serial"
		printf ' "issued": "2026-01-01T00:00:00Z", "expires": "2036-01-01T00:00:00Z",\n'
		printf ' "authority": {"name": "RPZ test"},\n'
		printf ' "categories": {"csam": {"label": "CSAM"}, "test": {"label": "Canary"}},\n'
		printf ' "entries": ['
		for e in "$@"; do printf '%s\n  %s' "$sep" "$e"; sep=,; done
		printf ']}\n'
	} >"$out"
	minisign -S -s "$KEYS/a.key" -m "$out" -t "rpz test $serial" >/dev/null
}

make_list 2026120701 "$TMP/v1.json" \
    '{"id": "d1", "type": "domain", "value": "blocked.example", "cat": "csam"}' \
    '{"id": "h1", "type": "host", "value": "host.example", "cat": "csam"}' \
    '{"id": "u1", "type": "url", "value": "http://allowed.example/bad", "cat": "csam"}'
make_list 2026120702 "$TMP/v2.json" \
    '{"id": "d1", "type": "domain", "value": "blocked.example", "cat": "csam"}' \
    '{"id": "d2", "type": "domain", "value": "later.example", "cat": "test"}' \
    '{"id": "u1", "type": "url", "value": "http://allowed.example/bad", "cat": "csam"}'

# --- the zone --------------------------------------------------------------

zone=$TMP/zone/veto.rpz
mkdir -p "$TMP/zone"
check "export rpz writes the zone from a verified list" \
    "$VETO" export rpz -l "$TMP/v1.json" -k "$KEYS/a.pub" -o "$zone"
is "domain entry: name and *.name; host: name; url left out" \
    "$(grep -v '^[;$@]' "$zone" | cut -d' ' -f1-3 | tr '\n' '|')" \
    "blocked.example CNAME .|*.blocked.example CNAME .|host.example CNAME .|"
check "each record names feed, entry id and category" \
    grep -q '^\*\.blocked\.example CNAME \. ; feed=test/rpz id=d1 cat=csam$' "$zone"
check "SOA serial from the list's serial" \
    grep -q '^@ SOA localhost\. hostmaster\.localhost\. 2026120701 ' "$zone"
check_fails "a list whose signature does not verify is refused" \
    "$VETO" export rpz -l "$TMP/v1.json" -k "$KEYS/b.pub"
cp "$zone" "$TMP/zone.v1"
out=$("$VETO" export rpz -l "$TMP/v1.json" -k "$KEYS/a.pub" --action nodata --origin Policy.Example. 2>/dev/null)
check "nodata: CNAME *. under the chosen origin" \
    grep -qx '\$ORIGIN policy\.example\.' <<<"$out"
check "nodata action" grep -q '^blocked\.example CNAME \*\. ;' <<<"$out"
check_fails "stoppage without a stop page address is refused" \
    "$VETO" export rpz -l "$TMP/v1.json" -k "$KEYS/a.pub" --action stoppage
out=$("$VETO" export rpz -l "$TMP/v1.json" -k "$KEYS/a.pub" --action stoppage \
    --stop-ipv4 192.0.2.1 --stop-ipv6 2001:db8:ff::1 2>/dev/null)
check "stoppage: the stop page's A and AAAA as local data" \
    grep -q '^host\.example AAAA 2001:db8:ff::1 ;' <<<"$out"

# --- the resolvers ---------------------------------------------------------

_ns_add "$NS_S" || { not_ok "namespace"; done_testing; }
for a in $R_UNBOUND $R_BIND $R_KRESD $R_PDNS; do ip -n "$NS_S" addr add "$a/32" dev lo; done

cat >"$TMP/example.zone" <<-'EOF'
$TTL 60
$ORIGIN example.
@ SOA localhost. hostmaster.localhost. 1 3600 600 86400 60
@ NS localhost.
ok A 192.0.2.10
blocked A 192.0.2.11
www.blocked A 192.0.2.12
host A 192.0.2.13
x.host A 192.0.2.14
sib A 192.0.2.15
allowed A 192.0.2.16
later A 192.0.2.17
EOF

# vetod writes the zone resolvers load: v1 at start, v2 when installed
write_conf "$TMP/veto.conf" <<-EOF
queues = 0
state_dir = $TMP/state
list_file = $TMP/list.json
list_key_file = $KEYS/a.pub
list_feed = test/rpz
rpz_file = $zone
rpz_action = nxdomain
metrics_listen =
control_socket = $TMP/control.sock
report_dir = $TMP/reports
dns_action = nxdomain
EOF
cp "$TMP/v1.json" "$TMP/list.json"; cp "$TMP/v1.json.minisig" "$TMP/list.json.minisig"
rm -f "$zone"

kinds="unbound bind kresd pdns"
addr_of() { case $1 in unbound) echo $R_UNBOUND ;; bind) echo $R_BIND ;; kresd) echo $R_KRESD ;; pdns) echo $R_PDNS ;; esac; }

bg_start vetod "$NS_S" "$BUILD/vetod" -d -c "$TMP/veto.conf"
if ! wait_for 20 test -s "$zone"; then
	not_ok "vetod writes rpz_file at start"
	diag "$(bg_log vetod | tail -20)"
	done_testing
fi
ok "vetod writes rpz_file at start"
is "vetod's zone holds the same records as veto export" \
    "$(grep -v '^;' "$zone")" "$(grep -v '^;' "$TMP/zone.v1")"

for k in $kinds; do
	rpz_start "$k" "$NS_S" "$(addr_of "$k")" "$zone" "$TMP/example.zone" ||
		not_ok "$k starts with the zone"
done

for k in $kinds; do
	is "$k: blocked domain gets NXDOMAIN" "$(rpz_status "$k" blocked.example)" NXDOMAIN
	is "$k: a name below a blocked domain gets NXDOMAIN" "$(rpz_status "$k" www.blocked.example)" NXDOMAIN
	is "$k: blocked host gets NXDOMAIN" "$(rpz_status "$k" host.example)" NXDOMAIN
	is "$k: a name below a host entry resolves" "$(rpz_status "$k" x.host.example)" "NOERROR 192.0.2.14"
	is "$k: a sibling resolves" "$(rpz_status "$k" sib.example)" "NOERROR 192.0.2.15"
	is "$k: a url entry's host resolves" "$(rpz_status "$k" allowed.example)" "NOERROR 192.0.2.16"
	is "$k: a name not yet listed resolves" "$(rpz_status "$k" later.example)" "NOERROR 192.0.2.17"
done

# a new list: vetod installs it (list_file changed, reload), rewrites the zone
cp "$TMP/v2.json" "$TMP/list.json.new"; cp "$TMP/v2.json.minisig" "$TMP/list.json.minisig"
mv "$TMP/list.json.new" "$TMP/list.json"
kill -HUP "$(bg_pid vetod)"
if wait_for 20 grep -q ' 2026120702 ' "$zone"; then
	ok "vetod rewrites rpz_file when it installs a new list"
else
	not_ok "vetod rewrites rpz_file when it installs a new list"
	diag "$(bg_log vetod | tail -20)"
fi
for k in $kinds; do
	rpz_reload "$k" >"$TMP/reload-$k.log" 2>&1 || diag "$k reload: $(cat "$TMP/reload-$k.log")"
done
for k in $kinds; do
	# kresd reloads on its own when the file changes: allow it a moment
	wait_for 10 rpz_is "$k" later.example NXDOMAIN
	is "$k: after the reload a newly listed domain gets NXDOMAIN" "$(rpz_status "$k" later.example)" NXDOMAIN
	is "$k: after the reload the removed host resolves" "$(rpz_status "$k" host.example)" "NOERROR 192.0.2.13"
	is "$k: after the reload the kept domain is still blocked" "$(rpz_status "$k" www.blocked.example)" NXDOMAIN
done

done_testing
