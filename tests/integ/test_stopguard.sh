#!/bin/bash
# test_stopguard.sh - who may reach the stop page, and for how long
# (issue 14). stopd (the stop page code of vetod) in one namespace, its
# clients on the same loopback with documentation addresses:
#   2001:db8:1::1-16   an attacker: 16 addresses of one /64
#   2001:db8:7::1      a filtered client of another network
#   198.51.100.9       an address outside stop_page_allow
# Covered, each with its legitimate twin:
#   - stop_page_allow: an outside address is refused (connection closed,
#     nothing served); the allowed client gets the page; with the default
#     (`private') a public address is refused and 127.0.0.1 served;
#   - the whole-connection deadline: connections trickling one header byte
#     every 500 ms are cut after STOP_DEADLINE (5 s), not held;
#   - slot exhaustion: 16 addresses x 16 trickling connections from one
#     /64 (STOP_CONN_MAX = 256 before the per-network limit) while the
#     other client still gets its page;
#   - the Host page never shows an entry id; a redirect's checked id does.
# Bounded: at most 256 connections, 8 seconds each.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd curl
STOPD=$BUILD/tests/integ/stopd
SLOW=$HELPERS/slowloris
NS=${T_ID}p
[ -x "$STOPD" ] && [ -x "$SLOW" ] || { not_ok "helpers built (make tests-build)"; done_testing; }

_ns_add "$NS" || { not_ok "namespace"; done_testing; }
for i in $(seq 1 16); do
	ip -n "$NS" addr add "2001:db8:1::$i/64" dev lo nodad
done
ip -n "$NS" addr add 2001:db8:7::1/64 dev lo nodad
ip -n "$NS" addr add 2001:db8:ff::1/128 dev lo nodad
ip -n "$NS" addr add 198.51.100.9/32 dev lo
ip -n "$NS" addr add 192.0.2.1/32 dev lo

conf() {	# conf FILE [extra lines]
	local f=$1
	shift
	{
		echo "list_file = $ROOT/conf/demo/list.json"
		echo "list_key_file = $ROOT/conf/demo/demo.pub"
		echo "list_feed = demo-hotline/demo"
		echo "stop_page_ipv4 = 192.0.2.1"
		echo "stop_page_ipv6 = 2001:db8:ff::1"
		echo "stop_page_listen = 192.0.2.1:80"
		echo "stop_page_listen = [2001:db8:ff::1]:80"
		echo "stop_page_listen = 127.0.0.1:80"
		echo "stop_page_template = $ROOT/conf/stoppage.html"
		echo "operator_name = Test ISP"
		for l in "$@"; do echo "$l"; done
	} >"$f"
}

start_stopd() {	# start_stopd CONF
	bg_start stopd "$NS" "$STOPD" -c "$1"
	wait_for 5 grep -q '^ready' "$TMP/stopd.log"
}

code() {	# code SRC URL [curl args]: the HTTP status, 000 if none
	local src=$1 url=$2
	shift 2
	in_ns "$NS" curl -s -g -o /dev/null -w '%{http_code}' --max-time 3 \
	    --interface "$src" -H "Host: bad.example" "$@" "$url"
}

# --- 1. stop_page_allow ----------------------------------------------------
conf "$TMP/allow.conf" "stop_page_allow = 2001:db8:1::/64, 2001:db8:7::/64, 127.0.0.0/8"
start_stopd "$TMP/allow.conf" || { not_ok "stopd starts"; diag "$(bg_log stopd)"; done_testing; }
is "allowed client (2001:db8:7::1) gets the page" "$(code 2001:db8:7::1 'http://[2001:db8:ff::1]/')" 451
is "address outside stop_page_allow (198.51.100.9) is refused" "$(code 198.51.100.9 http://192.0.2.1/)" 000
is "twin: 127.0.0.1, in stop_page_allow, is served" \
	"$(code 127.0.0.1 http://127.0.0.1/)" 451

# --- 2. no entry id on a page reached by Host alone ----------------------
page=$(in_ns "$NS" curl -s -g --max-time 3 --interface 2001:db8:7::1 \
	-H "Host: cdn.mixed.example" 'http://[2001:db8:ff::1]/')
check "Host page: category shown" grep -q "Malware distribution" <<<"$page"
check_fails "Host page: no entry id (h2) to enumerate" grep -q "<code>" <<<"$page"
page=$(in_ns "$NS" curl -s -g --max-time 3 --interface 2001:db8:7::1 \
	'http://[2001:db8:ff::1]/?feed=demo-hotline%2Fdemo&entry=h2&cat=malware')
check "twin: the redirect's own entry id is shown once checked" grep -q "<code>h2</code>" <<<"$page"

# --- 3. the whole-connection deadline -------------------------------------
t0=$(date +%s%N)
out=$(in_ns "$NS" "$SLOW" 2001:db8:ff::1 80 9 4 2001:db8:7::1)
diag "4 trickling connections, 9 s: $out"
check "trickling connections are all cut (open=0, cut=4)" \
	bash -c '[[ "$1" == *"connected=4 "* && "$1" == *" cut=4 open=0 "* ]]' _ "$out"
held=${out##*max_held_ms=}
cmp_num "... after the 5 s deadline, not before (max held ${held} ms >= 4500)" "$held" -ge 4500
cmp_num "... and not much after (<= 7000 ms; inactivity alone would be 10 s per byte)" "$held" -le 7000

# --- 4. slot exhaustion from one /64 ---------------------------------------
srcs=$(for i in $(seq 1 16); do printf '2001:db8:1::%s ' "$i"; done)
# shellcheck disable=SC2086
in_ns "$NS" "$SLOW" 2001:db8:ff::1 80 4 16 $srcs >"$TMP/slow.out" &
slow=$!
sleep 1.5
during=$(code 2001:db8:7::1 'http://[2001:db8:ff::1]/')
also=$(code 2001:db8:1::3 'http://[2001:db8:ff::1]/')
wait $slow
out=$(cat "$TMP/slow.out")
diag "256 trickling connections from one /64, 4 s: $out"
is "while 16 addresses of one /64 trickle 256 connections, another client gets the page" "$during" 451
is "... and the attacking /64 gets nothing more" "$also" 000
open=$(sed -n 's/.* open=\([0-9]*\).*/\1/p' <<<"$out")
cmp_num "... it holds at most 16 connections (per-network limit)" "$open" -le 16
bg_stop stopd

# --- 5. the default: private networks only --------------------------------
conf "$TMP/default.conf"
start_stopd "$TMP/default.conf" || { not_ok "stopd starts (default)"; done_testing; }
is "default stop_page_allow: a public address (198.51.100.9) is refused" "$(code 198.51.100.9 http://192.0.2.1/)" 000
is "default stop_page_allow: loopback is served" "$(code 127.0.0.1 http://127.0.0.1/)" 451
bg_stop stopd
check_fails "nothing about clients in stopd's output" \
	grep -qE '2001:db8:(1|7)::|198\.51\.100\.9|127\.0\.0\.1' "$TMP/stopd.log"
done_testing
