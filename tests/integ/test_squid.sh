#!/bin/bash
# test_squid.sh - `veto check --squid` (issue 17): the external ACL helper
# protocol on its own (channel ids, OK/ERR, message and tag, CONNECT by
# host, plain requests by URL, Squid's %-escaping), then the real squid of
# Debian in a namespace with nginx behind it: a blocked URL and a blocked
# CONNECT host are denied, allowed ones are served. Bounded: a handful of
# requests, each with a timeout.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd squid nginx curl openssl "$VETO"

KEYS=$ROOT/tests/data/lists
PROXY=203.0.113.3

cat >"$TMP/list.json" <<-'EOF'
{"format": "veto-list/1", "feed": "test/squid", "serial": "1",
 "issued": "2026-01-01T00:00:00Z", "expires": "2036-01-01T00:00:00Z",
 "authority": {"name": "Squid test"},
 "categories": {"csam": {"label": "CSAM"}},
 "entries": [
  {"id": "d1", "type": "domain", "value": "blocked.example", "cat": "csam"},
  {"id": "u1", "type": "url", "value": "http://allowed.example/bad.html", "cat": "csam"}
 ]}
EOF
minisign -S -s "$KEYS/a.key" -m "$TMP/list.json" -t squid >/dev/null
HELPER="$VETO check --squid -l $TMP/list.json -k $KEYS/a.pub"

# --- the protocol ------------------------------------------------------------

out=$(printf '%s\n' '7 GET http://allowed.example/bad.html' \
    '8 GET http://allowed.example/good.html' '9 CONNECT blocked.example:443' \
    '10 CONNECT allowed.example:443' '11 GET http://www.blocked.example/' \
    'GET http://allowed.example/%252562ad.html' 'GET http://allowed.example/%2562ad.html' \
    '12 CONNECT allowed.example/bad.html' | $HELPER)
# Squid %-escapes each value once (a literal '%' as %25): decoded once,
# /%2562ad.html is /%62ad.html = /bad.html (RFC 3986: %62 is 'b'), while
# /%252562ad.html is /%2562ad.html, another page
is "answers in order, channel ids echoed, entry as message and tag" "$out" \
"7 OK message=\"veto: u1 (csam)\" tag=veto-csam
8 ERR
9 OK message=\"veto: d1 (csam)\" tag=veto-csam
10 ERR
11 OK message=\"veto: d1 (csam)\" tag=veto-csam
ERR
OK message=\"veto: u1 (csam)\" tag=veto-csam
12 ERR message=\"veto: not a usable URL\""
is "a CONNECT to a url entry's host is not blocked (only the URL is)" \
    "$(echo '1 CONNECT allowed.example:443' | $HELPER)" "1 ERR"
check_fails "a list with a bad signature is refused at start" \
    $VETO check --squid -l "$TMP/list.json" -k "$KEYS/b.pub" </dev/null

# --- the real squid ----------------------------------------------------------

_ns_add "$NS_S" || { not_ok "namespace"; done_testing; }
ip -n "$NS_S" addr add "$S4/32" dev lo
ip -n "$NS_S" addr add "$S6/128" dev lo nodad
ip -n "$NS_S" addr add "$PROXY/32" dev lo
make_ca "$TMP/ca" allowed.example blocked.example || { not_ok "test CA"; done_testing; }
start_nginx "$TMP/ca/server.pem" "$TMP/ca/server.key" || { not_ok "nginx starts"; done_testing; }
echo "bad page" >"$TMP/www/bad.html"
echo "good page" >"$TMP/www/good.html"

d=$TMP/squid
mkdir -p "$d"
chmod 0755 "$TMP/ca"
chmod 0644 "$TMP/ca/ca.pem" "$TMP/list.json" "$TMP/list.json.minisig"
printf '%s allowed.example blocked.example www.blocked.example\n' "$S4" >"$d/hosts"
mkdir -p "$d/errors"
echo 'blocked by the list: %o' >"$d/errors/ERR_VETO"
cat >"$d/squid.conf" <<-EOF
http_port $PROXY:3128
pid_filename $d/squid.pid
cache_log $d/cache.log
access_log none
cache_store_log none
cache deny all
coredump_dir $d
hosts_file $d/hosts
dns_nameservers 127.0.0.1
shutdown_lifetime 1 seconds
external_acl_type veto concurrency=10 children-max=1 children-startup=1 ttl=0 negative_ttl=0 %>rm %>ru $HELPER
acl veto_blocked external veto
acl SSL_ports port 443
acl CONNECT method CONNECT
error_directory $d/errors
deny_info ERR_VETO veto_blocked
http_access deny veto_blocked
http_access allow all
EOF
chown -R proxy "$d" 2>/dev/null
if ! squid -k parse -f "$d/squid.conf" >"$d/parse.log" 2>&1; then
	not_ok "squid accepts the configuration"
	diag "$(tail -20 "$d/parse.log")"
	done_testing
fi
bg_start squid "$NS_S" squid -N -f "$d/squid.conf"
if ! wait_for 20 listening "$NS_S" tcp 3128; then
	not_ok "squid starts"
	diag "$(bg_log squid | tail -20)" "$(tail -20 "$d/cache.log" 2>/dev/null)"
	done_testing
fi

via() {	# URL: the HTTP status through the proxy
	on_server curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
	    --cacert "$TMP/ca/ca.pem" -x "http://$PROXY:3128" "$1"
}

is "squid serves an allowed page" "$(via http://allowed.example/good.html)" 200
is "squid denies a blocked URL" "$(via http://allowed.example/bad.html)" 403
is "squid denies a name under a blocked domain" "$(via http://www.blocked.example/good.html)" 403
is "squid tunnels CONNECT to an allowed host" "$(via https://allowed.example/good.html)" 200
code=$(via https://blocked.example/good.html)
# curl reports the proxy's refusal of the CONNECT as 403 (or 000 when it
# gives up on the tunnel): either way nothing from the origin arrived
case $code in 403|000) ok "squid denies CONNECT to a blocked host" ;;
*) not_ok "squid denies CONNECT to a blocked host"; diag "got $code" ;; esac
check "the denial carries the entry (Squid's error page shows %o)" \
    sh -c "ip netns exec $NS_S curl -s --max-time 10 -x http://$PROXY:3128 http://allowed.example/bad.html | grep -q 'blocked by the list: veto: u1 (csam)'"

bg_stop squid
done_testing
