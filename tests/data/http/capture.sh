#!/bin/bash
# capture.sh - record what real clients send, for the HTTP parser's tests.
#
# Starts nginx on 127.0.0.1 (a port from the PID, a temporary prefix),
# records the loopback traffic with tcpdump while curl, wget and headless
# chromium make requests, and writes the client-to-server bytes of each
# connection as CLIENT-N.http next to this script (N counts the client's
# connections).
# Only loopback is used. Run as root from anywhere; needs nginx-light,
# tcpdump, curl and python3; wget and chromium are used when installed.
# KEEP=1 keeps the temporary directory (pcaps, nginx logs).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
port=$((20000 + $$ % 20000))
tmp=$(mktemp -d /tmp/veto-capture.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT

chmod 0755 "$tmp"	# nginx workers run as nobody
mkdir -p "$tmp/html" "$tmp/logs"
echo '<html><body>hello</body></html>' >"$tmp/html/index.html"
cat >"$tmp/nginx.conf" <<CONF
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $tmp/body;
	server {
		listen 127.0.0.1:$port;
		root $tmp/html;
		location / { try_files \$uri /index.html; }
		location /up { return 200 "ok\n"; }
	}
}
CONF
nginx -p "$tmp" -c "$tmp/nginx.conf" -g 'daemon off;' &
pids+=($!)
sleep 0.5

record() {	# $1 name, rest: the client command
	local name=$1
	shift
	if ! command -v "$1" >/dev/null; then
		echo "capture: $1 not installed, $name skipped" >&2
		return
	fi
	tcpdump -i lo -U --immediate-mode -s 0 -w "$tmp/$name.pcap" "tcp port $port" \
		2>"$tmp/$name.tcpdump" &
	local td=$! i
	for i in $(seq 50); do	# it takes a while to start listening
		grep -q listening "$tmp/$name.tcpdump" && break
		sleep 0.1
	done
	sleep 0.2
	"$@" >/dev/null 2>&1 || true
	sleep 0.5
	kill "$td"
	wait "$td" 2>/dev/null || true
	python3 "$here/pcap2req.py" "$tmp/$name.pcap" "$port" "$here" "$name"
}

h=www.example.test
res=(--resolve "$h:$port:127.0.0.1")
record curl-get curl -s "${res[@]}" "http://$h:$port/path/page.html?q=1&r=two"
record curl-keepalive curl -s "${res[@]}" "http://$h:$port/first" "http://$h:$port/second?x=1"
record curl-post curl -s "${res[@]}" -d 'name=value&other=2' "http://$h:$port/up/form"
record curl-chunked sh -c "printf 'chunk one\nchunk two\n' | curl -s ${res[*]} -T - http://$h:$port/up/stream"
record curl-proxy curl -s -x "http://127.0.0.1:$port" "http://blocked.example.test/u/123/?id=7"
record curl-http10 curl -s -0 "${res[@]}" "http://$h:$port/old"
record wget wget -q -O /dev/null "http://127.0.0.1:$port/wget/file.txt?v=1"
record chromium chromium --headless --no-sandbox --disable-gpu \
	--no-first-run --user-data-dir="$tmp/chromium" \
	--host-resolver-rules="MAP $h 127.0.0.1" --dump-dom "http://$h:$port/chromium/"
ls -l "$here"/*.http
