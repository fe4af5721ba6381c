#!/bin/bash
# demo.sh - `make demo`: veto filtering a small network, start to finish.
#
# Builds three network namespaces (client, filter, server; documentation
# addresses only), starts unbound and nginx in the server namespace, vetod
# in the filter namespace with the bundled demo list (conf/demo, signed by
# the bundled DEMO-ONLY key), shows what a client sees for allowed and
# blocked names and URLs, prints vetod's counts, and tears everything down,
# also when interrupted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vetod.sh"

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
run() { printf '  $ %s\n' "$*"; "$@" 2>&1 | sed 's/^/    /'; }
client() { on_client "$@"; }

if [ "$(id -u)" != 0 ]; then
	echo "make demo needs root (network namespaces, NFQUEUE)" >&2
	exit 1
fi
say "veto demo: a client, a filter running vetod, and a server, in network namespaces"
echo "  client $C4  --  filter (vetod on NFQUEUE, stop page $STOP4)  --  server $S4"
echo "  The demo list (conf/demo/list.json) is signed with a DEMO-ONLY key."
topo_up || { echo "could not build the namespaces" >&2; exit 1; }
demo_zone "$TMP/zone.conf"
start_unbound "$TMP/zone.conf" >/dev/null || exit 1
mkdir -p "$TMP/www/u/123"
start_nginx >/dev/null || exit 1
echo "a page on the shared host" >"$TMP/www/index.html"
echo "a listed file" >"$TMP/www/u/123/file.html"
vetod_conf
vetod_start >/dev/null || { echo "vetod did not start:"; bg_log vetod; exit 1; }
grep -E 'installed|started' "$TMP/vetod.log" | sed 's/^/  vetod: /'

say "The rule set vetod asked for (veto rules --iptables), abridged:"
"$VETO" rules -c "$VCONF" --iptables | grep -E '^iptables .* -A VETO' | head -n 9 | cut -c1-150 | sed 's/^/  /'

say "DNS through the filter (dig from the client to unbound on the server)"
run client dig +short @"$S4" allowed.example A
echo "  (allowed: the real answer)"
run client dig +short @"$S4" www.bad.example A
echo "  (bad.example is listed as a domain: the answer points at the stop page)"
client dig @"$S4" bad.example A | grep -E 'status|EDE' | sed 's/^/    /'
run client dig +short +tcp @"$S4" exact.example AAAA
run client dig +short @"$S4" sub.exact.example A
echo "  (exact.example is a host entry: names below it are not blocked)"

say "Plain HTTP: one URL on a shared host is listed (http://share.example/u/123/)"
run client curl -s --resolve share.example:80:"$S4" http://share.example/index.html
run client curl -s -o /dev/null -w '%{http_code} -> %{redirect_url}\n' \
	--resolve share.example:80:"$S4" http://share.example/u/123/file.html
echo "  The stop page says who decided, on what basis, and how to appeal:"
client curl -s -L --resolve share.example:80:"$S4" http://share.example/u/123/file.html |
	sed -n 's/<[^>]*>//g; s/^[[:space:]]*//; /./p' | grep -E 'blocked|Demo Hotline|Category|basis|recorded' |
	head -n 8 | sed 's/^/    /'

say "HTTPS: the server name in the TLS ClientHello"
make_ca "$TMP/pki" allowed.example bad.example >/dev/null
start_s_server tls "$S4:443" "$TMP/pki/server.pem" "$TMP/pki/server.key" >/dev/null
for n in allowed.example bad.example; do
	printf '  $ openssl s_client -servername %s -connect %s:443\n' "$n" "$S4"
	r=$(echo | client timeout 5 openssl s_client -brief -servername "$n" \
	    -connect "$S4:443" 2>&1 | grep -E 'ESTABLISHED|reset|errno' | head -n 1)
	echo "    ${r:-no answer}"
done

say "What vetod counted (counts only: no addresses, no names)"
if "$VETO" stats --help >/dev/null 2>&1 && [ -S "$TMP/control.sock" ]; then
	on_filter "$VETO" stats -s "$TMP/control.sock" | sed 's/^/  /'
else
	kill -TERM "$(bg_pid vetod)" 2>/dev/null
	sleep 1
	grep -iE 'summary|blocked' "$TMP/vetod.log" | tail -n 5 | sed 's/^/  /'
fi

say "Fail-open: vetod is killed, the network keeps working"
bg_crash vetod
run client dig +short @"$S4" allowed.example A
say "Tearing everything down."
