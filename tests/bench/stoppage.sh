#!/bin/bash
# stoppage.sh - requests per second the stop page serves, on loopback: stopd
# (the same server code as vetod, STOP_THREADS threads per listener) fed the
# demo list, loaded by tests/bench/stop_load (a new connection per request,
# as blocked users arrive). Bounded: DURATION seconds (default 5) and at
# most 1,000,000 requests per run. Figures are printed, never asserted.
#   tests/bench/stoppage.sh [--build DIR] [--seconds N] [--clients N]
set -u
cd "$(dirname "$0")/../.."
build=${VETO_BUILD:-build} seconds=5 clients=2
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift ;;
	--seconds) seconds=$2; shift ;;
	--clients) clients=$2; shift ;;
	*) echo "usage: $0 [--build DIR] [--seconds N] [--clients N]" >&2; exit 2 ;;
	esac
	shift
done
stopd=$build/tests/integ/stopd
load=$build/tests/bench/stop_load
for b in "$stopd" "$load"; do
	[ -x "$b" ] || { echo "stoppage bench: $b not built (make tests-build)"; exit 1; }
done
[ -f conf/demo/list.json ] || { echo "stoppage bench: conf/demo/list.json missing"; exit 1; }

tmp=$(mktemp -d /tmp/veto-stopbench.XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

for try in 1 2 3 4 5; do
	port=$((20000 + (RANDOM % 20000)))
	cat >"$tmp/veto.conf" <<-EOF
	list_file = conf/demo/list.json
	list_key_file = conf/demo/demo.pub
	list_feed = demo-hotline/demo
	stop_page_ipv4 = 192.0.2.1
	stop_page_listen = 127.0.0.1:$port
	stop_page_url = http://127.0.0.1:$port/
	stop_page_template = conf/stoppage.html
	operator_name = Example ISP
	operator_url = https://isp.example/
	operator_contact = help@isp.example
	EOF
	"$stopd" -c "$tmp/veto.conf" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 50); do
		grep -q '^ready' "$tmp/out" && break 2
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
	pid=""
done
[ -n "$pid" ] || { echo "stoppage bench: stopd did not start: $(cat "$tmp/err")"; exit 1; }

run() {	# run WHAT stop_load-args...
	local what=$1 out
	shift
	out=$("$load" -p "$port" -t "$clients" -d "$seconds" -n 1000000 "$@")
	echo "stoppage: $what: $out"
}
echo "stoppage: $(nproc) CPUs, $clients client threads, ${seconds}s per run, new connection per request"
run "redirect (?feed&entry&cat, entry index)" -u "/?feed=demo-hotline%2Fdemo&entry=d1&cat=csam"
run "DNS-redirected Host (match_name)" -H "x.bad.example"
run "neutral page (no match)" -H "www.example"
curl -s -H "Host: x.bad.example" "http://127.0.0.1:$port/" >"$tmp/page.html"
kill "$pid"
wait "$pid" 2>/dev/null
pid=""
grep '^pages=' "$tmp/out" | sed 's/^/stoppage: server counted /'

# The redirect's entry id is checked through an index built on the first
# redirect visit after a policy swap: its cost on a list of 1M entries.
big=$tmp/big.json
{
	printf '{"format": "veto-list/1", "feed": "big/bench", "serial": "1",'
	printf ' "issued": "2026-01-01T00:00:00Z", "expires": "2036-01-01T00:00:00Z",'
	printf ' "authority": {"name": "Bench"}, "categories": {"x": {"label": "X"}},'
	printf ' "entries": [\n'
	seq 0 999999 | awk '{ printf "%s{\"id\": \"e%d\", \"type\": \"domain\", \"value\": \"n%d.example\", \"cat\": \"x\"}\n", (NR > 1 ? "," : ""), $1, $1 }'
	printf ']}\n'
} >"$big"
sed -e "s|^list_file = .*|list_file = $big|" -e 's|^list_feed = .*|list_feed = big/bench|' \
	"$tmp/veto.conf" >"$tmp/big.conf"
start_ms=$(date +%s%N)
"$stopd" -c "$tmp/big.conf" >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 600); do
	grep -q '^ready' "$tmp/out" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if grep -q '^ready' "$tmp/out"; then
	ready_ms=$(( ($(date +%s%N) - start_ms) / 1000000 ))
	url="http://127.0.0.1:$port/?feed=big%2Fbench&entry=e777777&cat=x"
	first=$(curl -s -o "$tmp/p1" -w '%{time_total}' "$url")
	second=$(curl -s -o "$tmp/p2" -w '%{time_total}' "$url")
	grep -q '<code>e777777</code>' "$tmp/p1" && found=found || found=NOT-FOUND
	echo "stoppage: 1M-entry list: stopd ready in ${ready_ms} ms (parse + matcher);" \
		"first redirect page ${first}s (builds the entry index, entry $found), next ${second}s;" \
		"stopd RSS $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
	kill "$pid"
	wait "$pid" 2>/dev/null
else
	echo "stoppage: 1M-entry list: stopd did not start: $(head -c 300 "$tmp/err")"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
fi
pid=""

# The same page as a static file from nginx (2 workers, access log off),
# in the same run: what a plain web server does with new connections here.
if command -v nginx >/dev/null; then
	nport=$((port + 1))
	mkdir -p "$tmp/nginx/logs" "$tmp/www"
	cp "$tmp/page.html" "$tmp/www/index.html"
	chmod 0755 "$tmp" "$tmp/www"	# nginx workers run as nobody
	chmod 0644 "$tmp/www/index.html"
	cat >"$tmp/nginx/nginx.conf" <<-EOF
	daemon off;
	worker_processes 2;
	pid $tmp/nginx/nginx.pid;
	error_log $tmp/nginx/logs/error.log;
	events { worker_connections 1024; }
	http {
		access_log off;
		server {
			listen 127.0.0.1:$nport;
			root $tmp/www;
			keepalive_timeout 0;
		}
	}
	EOF
	nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" &
	pid=$!
	for _ in $(seq 50); do
		curl -s -o /dev/null "http://127.0.0.1:$nport/" && break
		sleep 0.1
	done
	out=$("$load" -p "$nport" -t "$clients" -d "$seconds" -n 1000000 -s 200 -H x.bad.example)
	echo "stoppage: baseline, nginx static file of the same page ($(wc -c <"$tmp/page.html") bytes): $out"
	kill "$pid"
	wait "$pid" 2>/dev/null
	pid=""
fi
