#!/bin/bash
# test_http.sh - plain-HTTP URL enforcement and the stop page (issue 6):
# nginx serves a shared host in the server namespace; vetod in the filter
# namespace; curl, a raw split-sending client and headless Chromium in the
# client namespace.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vetod.sh"
require_root
require_cmd curl nginx unbound "$VETOD"
RAW=$HELPERS/http_raw
ART=$BUILD/artifacts
mkdir -p "$ART"

topo_up || { not_ok "topology"; done_testing; }
demo_zone "$TMP/zone.conf"
start_unbound "$TMP/zone.conf" || { not_ok "unbound"; done_testing; }
mkdir -p "$TMP/www/u/123/a" "$TMP/www/u/1234"
echo "blocked file" >"$TMP/www/u/123/a/file.html"
echo "allowed neighbour" >"$TMP/www/u/1234/index.html"
echo "view page" >"$TMP/www/view"
start_nginx || { not_ok "nginx"; done_testing; }
vetod_conf
vetod_start || { not_ok "vetod starts"; done_testing; }
ok "vetod starts"

# get URL [curl args...]: "CODE LOCATION" with share.example -> the server
get() {
	local url=$1
	shift
	local addr=$S4
	[ "${1:-}" = -6 ] && { addr="[$S6]"; shift; }
	on_client curl -s -o "$TMP/body" -D "$TMP/headers" --max-time 5 \
	    --resolve share.example:80:"$addr" \
	    -w '%{http_code} %{redirect_url}' "$@" "$url" 2>/dev/null
}
hdr() { tr -d '\r' <"$TMP/headers" | grep -i "^$1:" | head -n 1 | sed 's/^[^:]*: *//'; }

is "allowed page on the shared host" "$(get http://share.example/index.html)" "200 "
r=$(get http://share.example/u/123/a/file.html)
is "blocked URL: 302 to the stop page with feed, entry and category" "$r" \
	"302 http://$STOP4/?feed=demo-hotline%2Fdemo&entry=u1&cat=csam"
is "302: Cache-Control no-store" "$(hdr Cache-Control)" no-store
is "302: Connection close" "$(hdr Connection)" close
is "sibling path not blocked (/u/1234/ vs entry /u/123/)" \
	"$(get http://share.example/u/1234/)" "200 "
is "url entry with a query: that query blocked" \
	"$(get 'http://share.example/view?id=42' | cut -c1-3)" 302
is "url entry with a query: another query allowed" \
	"$(get 'http://share.example/view?id=43')" "200 "
is "blocked URL written with percent-encoding and dot segments" \
	"$(get 'http://share.example/u/x/../%31%323/a/file.html' --path-as-is | cut -c1-3)" 302
is "blocked URL over IPv6" \
	"$(get http://share.example/u/123/a/file.html -6 -g | cut -c1-3)" 302
is "allowed page over IPv6" "$(get http://share.example/index.html -6 -g)" "200 "

# following the redirect: the stop page names the authority
code=$(get http://share.example/u/123/a/file.html -L)
if [ "${code%% *}" = 451 ] && grep -q 'Demo Hotline' "$TMP/body" &&
	grep -q 'Child sexual abuse material' "$TMP/body"; then
	ok "following the redirect: 451 stop page naming the authority and category"
else
	not_ok "following the redirect: stop page"; diag "$code" "$(head -c 400 "$TMP/body")"
fi
is "stop page: Referrer-Policy no-referrer" "$(hdr Referrer-Policy)" no-referrer
if ! grep -qi 'set-cookie' "$TMP/headers" && ! grep -qi '<script' "$TMP/body"; then
	ok "stop page: no cookies, no scripts"
else
	not_ok "stop page: no cookies, no scripts"
fi
on_client curl -s -H 'Accept-Language: nl-BE,nl;q=0.9,en;q=0.5' \
	"http://$STOP4/?feed=demo-hotline%2Fdemo&entry=u1&cat=csam" >"$TMP/nl.html"
check "stop page in Dutch for Accept-Language nl" \
	grep -q 'Seksueel kindermisbruikmateriaal' "$TMP/nl.html"

# request forms and Host spellings, raw
raw() {	# ADDR REQUEST-PRINTF [CUTS...]
	local addr=$1 req=$2
	shift 2
	# shellcheck disable=SC2059
	printf "$req" | on_client "$RAW" "$addr" 80 "$@" | tr '\n' '|'
}
blocked_302='HTTP/1.1 302 Found|closed|'
is "Host in odd case with spaces and a trailing dot" \
	"$(raw "$S4" 'GET /u/123/a/file.html HTTP/1.1\r\nhOsT:   SHARE.Example.  \r\n\r\n')" "$blocked_302"
is "Host with a tab and the default port" \
	"$(raw "$S4" 'GET /u/123/a/file.html HTTP/1.1\r\nHost:\tshare.example:80\r\n\r\n')" "$blocked_302"
is "absolute-form target wins over Host" \
	"$(raw "$S4" 'GET http://share.example/u/123/a/file.html HTTP/1.1\r\nHost: other.example\r\n\r\n')" "$blocked_302"
req='GET /u/123/a/file.html HTTP/1.1\r\nHost: share.example\r\nUser-Agent: raw\r\n\r\n'
bad=""
for cuts in "5" "20" "30" "40 45" "3 10 17 24 31 38 45 52" "60"; do
	# shellcheck disable=SC2086
	r=$(raw "$S4" "$req" $cuts)
	[ "$r" = "$blocked_302" ] || bad="$bad [$cuts]:$r"
done
is "request split over several TCP segments is blocked" "$bad" ""
is "allowed request split over segments is served" \
	"$(raw "$S4" 'GET /index.html HTTP/1.1\r\nHost: share.example\r\n\r\n' 10 30)" \
	'HTTP/1.1 200 OK|timeout|'
is "pipelined: allowed request served, blocked second request reset" \
	"$(raw "$S4" 'GET /index.html HTTP/1.1\r\nHost: share.example\r\n\r\nGET /u/123/a/file.html HTTP/1.1\r\nHost: share.example\r\n\r\n' 49)" \
	'HTTP/1.1 200 OK|reset|'
is "IPv6, raw request blocked" \
	"$(raw "$S6" 'GET /u/123/a/file.html HTTP/1.1\r\nHost: share.example\r\n\r\n')" "$blocked_302"

# a name blocked at DNS leads to the stop page with the right category
mkdir -p "/etc/netns/$NS_C"
trap 'rm -rf "/etc/netns/$NS_C"; cleanup' EXIT
echo "nameserver $S4" >"/etc/netns/$NS_C/resolv.conf"
echo "127.0.0.1 localhost" >"/etc/netns/$NS_C/hosts"
code=$(on_client curl -s -o "$TMP/body" -w '%{http_code}' --max-time 5 http://www.bad.example/some/page)
if [ "$code" = 451 ] && grep -q 'Demo Hotline' "$TMP/body" &&
	grep -q 'Child sexual abuse material' "$TMP/body"; then
	ok "blocked name resolved through vetod's answer: curl gets the stop page"
else
	not_ok "DNS-blocked name leads to the stop page"; diag "$code" "$(head -c 300 "$TMP/body")"
fi

# stop page safety: nothing of the request is reflected
on_client curl -s -H 'Host: <script>alert(1)</script>.example' \
	"http://$STOP4/?feed=%3Cscript%3E&entry=%22%3E%3Cimg%20src=x%3E&cat=csam" >"$TMP/evil.html"
if ! grep -q '<script>alert' "$TMP/evil.html" && ! grep -q '<img src=x' "$TMP/evil.html" &&
	[ -s "$TMP/evil.html" ]; then
	ok "hostile Host and query are not reflected"
else
	not_ok "hostile Host and query are not reflected"; diag "$(head -c 300 "$TMP/evil.html")"
fi

# 451 mode
vetod_conf <<<"http_action = 451"
vetod_reload
code=$(get http://share.example/u/123/a/file.html)
link=$(hdr Link)
if [ "${code%% *}" = 451 ] && [ "$link" = '<https://isp.example/>; rel="blocked-by"' ] &&
	grep -q 'Demo Hotline' "$TMP/body"; then
	ok "http_action = 451: 451 with Link rel=blocked-by (operator) and the authority in the body"
else
	not_ok "http_action = 451"; diag "$code" "$link" "$(head -c 300 "$TMP/body")"
fi

# a real browser
if command -v chromium >/dev/null 2>&1; then
	prof=$TMP/chromium
	mkdir -p "$prof"
	copts=(--headless --no-sandbox --disable-gpu --no-first-run
	    --disable-background-networking --disable-component-update
	    --disable-sync --user-data-dir="$prof"
	    --host-resolver-rules="MAP share.example $S4"
	    --window-size=1024,900)
	vetod_conf
	vetod_reload
	on_client timeout 60 chromium "${copts[@]}" --dump-dom \
	    http://share.example/u/123/a/file.html >"$TMP/dom.html" 2>"$TMP/chromium.log"
	on_client timeout 60 chromium "${copts[@]}" --screenshot="$ART/stoppage.png" \
	    http://share.example/u/123/a/file.html >/dev/null 2>>"$TMP/chromium.log"
	if grep -q 'Demo Hotline' "$TMP/dom.html" && grep -q 'not recorded' "$TMP/dom.html"; then
		ok "Chromium follows the redirect to the stop page (DOM names the authority)"
	else
		not_ok "Chromium shows the stop page"; diag "$(head -c 400 "$TMP/dom.html")" "$(tail -n 5 "$TMP/chromium.log")"
	fi
	check "Chromium screenshot saved ($ART/stoppage.png)" test -s "$ART/stoppage.png"
else
	skip "chromium not installed"
fi
done_testing
