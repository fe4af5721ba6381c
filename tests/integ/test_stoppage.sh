#!/bin/bash
# test_stoppage.sh - the stop page server alone, on loopback, with curl and
# headless Chromium (issue 6). stopd (tests/integ/stopd.c) runs the same
# server code as vetod, fed the demo list (conf/demo/list.json).
#
# Covered: the injected 302 and 451 (stopd -b) and the page their URL
# leads to; a listed Host (a DNS answer); Accept-Language; the neutral page;
# hostile Host / path / query / Accept-Language never reflected; HEAD,
# /favicon.ico, POST; IPv6; reload (status 403, template, broken template
# kept out); the per-address connection limit; the counters; nothing about
# clients in the output; a screenshot per language in build/artifacts/.
# Loopback only, no root needed; every process started is stopped on exit.
set -u
cd "$(dirname "$0")/../.."
build=${VETO_BUILD:-build}
stopd=$build/tests/integ/stopd
art=build/artifacts

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
check() {	# check WHAT CMD...: ok if CMD succeeds
	local what=$1
	shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}
has() { grep -qF -- "$2" <<<"$1"; }
hasnot() { ! grep -qiF -- "$2" <<<"$1"; }

if [ ! -x "$stopd" ]; then
	echo "not ok - $stopd not built (make tests-build)"
	exit 1
fi
if [ ! -f conf/demo/list.json ]; then
	echo "skip - conf/demo/list.json (the demo list) is missing"
	exit 0
fi
command -v curl >/dev/null || { echo "skip - curl is not installed"; exit 0; }

tmp=$(mktemp -d /tmp/veto-stoppage.XXXXXX)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

v6=0
ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/' && v6=1

write_conf() {	# write_conf PORT [extra lines]
	{
		echo "list_file = conf/demo/list.json"
		echo "list_key_file = conf/demo/demo.pub"
		echo "list_feed = demo-hotline/demo"
		echo "stop_page_ipv4 = 192.0.2.1"
		echo "stop_page_listen = 127.0.0.1:$1"
		[ $v6 = 1 ] && echo "stop_page_listen = [::1]:$1"
		echo "stop_page_url = http://127.0.0.1:$1/"
		echo "stop_page_template = ${TEMPLATE:-conf/stoppage.html}"
		echo "operator_name = Example ISP"
		echo "operator_url = https://isp.example/"
		echo "operator_contact = help@isp.example"
		shift
		for l in "$@"; do echo "$l"; done
	} >"$tmp/veto.conf"
}

# Start stopd on a free port (a few tries).
start() {
	local try
	for try in 1 2 3 4 5; do
		port=$((20000 + (RANDOM % 20000)))
		write_conf "$port"
		"$stopd" -c "$tmp/veto.conf" >"$tmp/out" 2>"$tmp/err" &
		pid=$!
		for _ in $(seq 50); do
			grep -q '^ready' "$tmp/out" && return 0
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		wait "$pid" 2>/dev/null
		pid=""
	done
	return 1
}

if ! start; then
	notok "stopd starts: $(cat "$tmp/err")"
	exit 1
fi
ok "stopd serves on 127.0.0.1:$port$([ $v6 = 1 ] && echo " and [::1]:$port")"
base=http://127.0.0.1:$port

# Expected counters, kept as the requests are made.
n_query=0 n_host=0 n_unmatched=0 n_noref=0

get() {	# get [curl args...] URL: headers and body of one request
	curl -s -i --max-time 5 "$@" | tr -d '\r'
}
body_len() { sed '1,/^$/d' <<<"$1" | wc -c; }
header() { sed -n "s/^$2: //Ip" <<<"$1" | head -n1; }

# 1. The injected 302 and the page its Location leads to.
resp=$("$stopd" -c "$tmp/veto.conf" -b www.bad.example | tr -d '\r')
loc=$(header "$resp" Location)
check "302: status line" has "$resp" "HTTP/1.1 302 Found"
check "302: Location carries feed, entry and category only" \
	test "$loc" = "$base/?feed=demo-hotline%2Fdemo&entry=d1&cat=csam"
check "302: no-store, close" bash -c '[[ "$1" == *"Cache-Control: no-store"* && "$1" == *"Connection: close"* ]]' _ "$resp"
check "302: Content-Length is the body" test "$(header "$resp" Content-Length)" = "$(body_len "$resp")"
check "302: nothing of the request" hasnot "$resp" "www.bad.example"

page=$(get "$loc")
n_query=$((n_query + 1))
check "redirect page: 451" has "$page" "HTTP/1.1 451 Unavailable For Legal Reasons"
for h in 'Link: <https://isp.example/>; rel="blocked-by"' \
	'Referrer-Policy: no-referrer' 'Cache-Control: no-store' \
	"Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'" \
	'X-Content-Type-Options: nosniff' 'Content-Type: text/html; charset=utf-8'; do
	check "redirect page: header $h" has "$page" "$h"
done
check "redirect page: no cookie" hasnot "$page" "Set-Cookie"
check "redirect page: names the authority" has "$page" '<a href="https://hotline.example/">Demo Hotline</a>'
check "redirect page: category" has "$page" "<dd>Child sexual abuse material</dd>"
check "redirect page: legal basis" has "$page" "<dd>Demo legal basis (Art. 0 Example Code)</dd>"
check "redirect page: reference" has "$page" "<code>d1</code>"
check "redirect page: not the provider's decision" has "$page" \
	"This decision was made by <strong>Demo Hotline</strong>, not by your provider <strong>Example ISP</strong>."
check "redirect page: appeal link" has "$page" 'href="https://hotline.example/appeal"'
check "redirect page: operator contact" has "$page" 'href="mailto:help@isp.example"'
check "redirect page: visit not recorded" has "$page" "Your visit to this page was not recorded."
check "redirect page: no script, no external resource" \
	bash -c '! grep -qiE "<script|src=\"(https?:)?//|<link|@import|url\\(" <<<"$1"' _ "$page"

# 2. A listed Host (the DNS answer pointed here), any path; languages.
page=$(get -H "Host: cdn.mixed.example" "$base/some/where?x=1")
n_host=$((n_host + 1))
check "Host cdn.mixed.example: malware category, no entry id (not enumerable by Host)" \
	bash -c '[[ "$1" == *"<dd>Malware distribution</dd>"* && "$1" != *"<code>"* ]]' _ "$page"
check "Host page: the path is not echoed" hasnot "$page" "some/where"
page=$(get -H "Host: X.Bad.Example." -H "Accept-Language: nl-BE,nl;q=0.9,en;q=0.8" "$base/")
n_host=$((n_host + 1))
check "Accept-Language nl-BE: Dutch label" has "$page" "<dd>Seksueel kindermisbruikmateriaal</dd>"
check "Accept-Language nl-BE: Dutch authority and sentences" \
	bash -c '[[ "$1" == *"Demo Meldpunt"* && "$1" == *"Deze website is geblokkeerd"* && "$1" == *"Content-Language: nl"* ]]' _ "$page"
page=$(get -H "Host: bad.example" -H "Accept-Language: de-DE,de;q=0.9,nl;q=0.2" "$base/")
n_host=$((n_host + 1))
check "Accept-Language de, nl;q=0.2: the list has no German, Dutch next" has "$page" "Seksueel kindermisbruikmateriaal"
page=$(get -H "Host: bad.example" -H "Accept-Language: fr, *;q=0.5" "$base/")
n_host=$((n_host + 1))
check "Accept-Language fr, *: English fallback" has "$page" "<dd>Child sexual abuse material</dd>"
page=$(get -H "Host: canary.hotline.example" "$base/")
n_host=$((n_host + 1))
check "canary: says the filter works" has "$page" "seeing this page shows that the filter works"

# 3. Nothing matches: the neutral page, still naming the operator.
page=$(get -H "Host: www.example" "$base/")
n_unmatched=$((n_unmatched + 1))
check "neutral page for an unlisted Host" bash -c '[[ "$1" == *"Filter notice page"* && "$1" == *"operated by <strong>Example ISP</strong>"* ]]' _ "$page"
check "neutral page: not about the Host" hasnot "$page" "www.example"
page=$(get "$base/?feed=demo-hotline%2Fdemo&entry=d1&cat=nope")
n_unmatched=$((n_unmatched + 1))
check "an unknown category in the query: neutral page" has "$page" "Filter notice page"
page=$(get "$base/?feed=demo-hotline%2Fdemo&entry=zz&cat=malware")
n_query=$((n_query + 1)) n_noref=$((n_noref + 1))
check "an unknown entry id: category shown, no reference" \
	bash -c '[[ "$1" == *"Malware distribution"* && "$1" != *"<code>"* ]]' _ "$page"

# 4. Hostile input is never reflected.
xss='"><script>alert(1)</script><img src=x onerror=alert(2)>'
enc=$(printf '%s' "$xss" | od -An -tx1 | tr -d ' \n' | sed 's/../%&/g')
all=""
all+=$'\n'$(get -H "Host: $xss" "$base/$enc?feed=$enc&entry=$enc&cat=$enc")
n_unmatched=$((n_unmatched + 1))
all+=$'\n'$(get -H "Host: bad.example" "$base/?feed=demo-hotline%2Fdemo&entry=$enc&cat=csam")
n_query=$((n_query + 1)) n_noref=$((n_noref + 1))
all+=$'\n'$(get -H "Host: bad.example" -H "Accept-Language: $xss, nl;q=0.1" "$base/")
n_host=$((n_host + 1))
all+=$'\n'$(get -H "Host: bad.example" -H "Referer: http://x/$xss" -A "$xss" "$base/")
n_host=$((n_host + 1))
check "hostile Host/path/query/headers: no <script>, <img, onerror" \
	bash -c '! grep -qiE "<script|&lt;script|<img|onerror|alert\\(" <<<"$1"' _ "$all"
check "hostile requests still got pages" test "$(grep -c '^HTTP/1.1 451' <<<"$all")" = 4

# 5. HEAD, favicon, POST, IPv6.
head=$(curl -s -I --max-time 5 -H "Host: bad.example" "$base/" | tr -d '\r')
n_host=$((n_host + 1))
getb=$(get -H "Host: bad.example" "$base/")
n_host=$((n_host + 1))
check "HEAD: 451, Content-Length of the GET body" \
	test "$(header "$head" Content-Length)" = "$(body_len "$getb")"
check "HEAD: no body" test "$(sed '1,/^$/d' <<<"$head" | wc -c)" = 0
fav=$(get -H "Host: bad.example" "$base/favicon.ico")
check "/favicon.ico: 404" has "$fav" "HTTP/1.1 404 Not Found"
post=$(get -H "Host: bad.example" --data-binary "user=x&pass=y" "$base/login")
n_host=$((n_host + 1))
check "POST: the page, body unread" bash -c '[[ "$1" == *"HTTP/1.1 451"* && "$1" != *"pass=y"* ]]' _ "$post"
if [ $v6 = 1 ]; then
	page=$(get -g -H "Host: bad.example" "http://[::1]:$port/")
	n_host=$((n_host + 1))
	check "IPv6 listener" has "$page" "<dd>Child sexual abuse material</dd>"
else
	echo "skip - IPv6 listener (no ::1 on lo)"
fi

# 6. The per-address connection limit: idle connections beyond it are
# refused, and the server is back once they go.
fds=()
for i in $(seq 20); do
	exec {fd}<>/dev/tcp/127.0.0.1/$port && fds+=("$fd")
done
sleep 0.3
limited=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -H "Host: bad.example" "$base/")
for fd in "${fds[@]}"; do exec {fd}>&-; done
sleep 0.3
after=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -H "Host: bad.example" "$base/")
n_host=$((n_host + 1))
check "more than 16 idle connections from one address: refused ($limited), then served ($after)" \
	test "$limited" = 000 -a "$after" = 451

# 7. Reload: status 403, a new template; a broken one is kept out.
write_conf "$port" "stop_page_status = 403"
kill -HUP "$pid"
for _ in $(seq 30); do grep -q '^reloaded' "$tmp/out" && break; sleep 0.1; done
page=$(get -H "Host: bad.example" "$base/")
n_host=$((n_host + 1))
check "reload: stop_page_status = 403" bash -c '[[ "$1" == *"HTTP/1.1 403 Forbidden"* && "$1" != *"Link:"* ]]' _ "$page"
printf '<p>{{t.heading}}: {{category}}</p>\n' >"$tmp/t.html"
TEMPLATE=$tmp/t.html write_conf "$port"
kill -HUP "$pid"
for _ in $(seq 30); do [ "$(grep -c '^reloaded' "$tmp/out")" = 2 ] && break; sleep 0.1; done
page=$(get -H "Host: bad.example" "$base/")
n_host=$((n_host + 1))
check "reload: the operator's template" has "$page" "<p>This website has been blocked: Child sexual abuse material</p>"
printf '<p>{{nope}}</p>\n' >"$tmp/t.html"
kill -HUP "$pid"
for _ in $(seq 30); do grep -q 'reload failed' "$tmp/err" && break; sleep 0.1; done
page=$(get -H "Host: bad.example" "$base/")
n_host=$((n_host + 1))
check "reload: a broken template is refused, the last one stays" \
	bash -c '[[ "$2" == *"unknown placeholder {{nope}}"* && "$1" == *"<p>This website has been blocked:"* ]]' _ "$page" "$(cat "$tmp/err")"
write_conf "$port"
kill -HUP "$pid"
for _ in $(seq 30); do [ "$(grep -c '^reloaded' "$tmp/out")" = 3 ] && break; sleep 0.1; done

# 8. Chromium: a screenshot per language for people to look at, and the
# text as the browser sees it.
if command -v chromium >/dev/null; then
	mkdir -p "$art"
	shot() {	# shot NAME LANG URL
		local prof
		prof=$(mktemp -d "$tmp/chromium.XXXXXX")
		timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
			--disable-background-networking --disable-component-update \
			--disable-sync --user-data-dir="$prof" --accept-lang="$2" \
			--window-size=1024,900 --screenshot="$art/$1.png" "$3" \
			>/dev/null 2>&1
		timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
			--disable-background-networking --disable-component-update \
			--disable-sync --user-data-dir="$prof" --accept-lang="$2" \
			--dump-dom "$3" 2>/dev/null
	}
	dom=$(shot stoppage-en en-US "$loc")
	n_query=$((n_query + 2))
	check "chromium: page text (en)" bash -c '[[ "$1" == *"This website has been blocked"* && "$1" == *"Demo Hotline"* && "$1" == *"Child sexual abuse material"* ]]' _ "$dom"
	check "chromium: screenshot $art/stoppage-en.png" test -s "$art/stoppage-en.png"
	dom=$(shot stoppage-nl nl "$loc")
	n_query=$((n_query + 2))
	check "chromium: page text (nl)" bash -c '[[ "$1" == *"Deze website is geblokkeerd"* && "$1" == *"Seksueel kindermisbruikmateriaal"* ]]' _ "$dom"
	dom=$(shot stoppage-neutral en-US "$base/")
	n_unmatched=$((n_unmatched + 2))
	check "chromium: neutral page text" has "$dom" "Filter notice page"
else
	echo "skip - chromium is not installed: no screenshot"
fi

# 9. Counters at exit; nothing about clients anywhere in the output.
kill "$pid"
wait "$pid" 2>/dev/null
pid=""
counts=$(grep '^pages=' "$tmp/out")
want="by_query=$n_query by_host=$n_host unmatched=$n_unmatched no_reference=$n_noref"
check "counters: $want" bash -c '[[ "$1" == *"$2" ]]' _ "$counts" "$want"
check "counters: per category" grep -q '^cat demo-hotline/demo/malware=' "$tmp/out"
check "no client address or request detail in the server's output" \
	bash -c '! grep -qE "127\\.0\\.0\\.1|::1|bad\\.example|script|Mozilla|curl" "$1" "$2"' _ "$tmp/out" "$tmp/err"
