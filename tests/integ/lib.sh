# shellcheck shell=bash
# tests/integ/lib.sh - the shared harness of the namespace tests.
#
#   . "$(dirname "$0")/lib.sh"     # sets up the cleanup trap, $TMP, names
#   topo_up                        # three namespaces, docs/design.md section 6
#   topo_up --router               # four: a router between filter and server
#   start_unbound "$zone"          # DNS in the server namespace
#   start_nginx                    # HTTP (and HTTPS) in the server namespace
#   apply_rules "$conf"            # veto rules --iptables, in the filter ns
#   check "dig answers" on_client dig +short @"$S4" a.example
#   done_testing
#
# Everything a test creates is named with this shell's pid ($$), so runs in
# parallel or after a crash never share anything: namespaces veto<pid>c,
# veto<pid>f, veto<pid>s and the temporary directory $TMP. The EXIT trap
# (also reached on errors, Ctrl-C and SIGTERM) stops every process started
# with bg_start (its whole process group), kills whatever is still running
# inside our namespaces, deletes them and removes $TMP. A test that wants its
# own trap should call cleanup from it.
#
# Output is TAP-like, one line per check: "ok - what", "not ok - what",
# "skip - what" (tests/run.sh counts them); details go to "# " lines.
#
# Traffic goes only to the documentation addresses below, inside our
# namespaces. Servers never recurse or forward.

set -u

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$LIB_DIR/../.." && pwd)
BUILD=${VETO_BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
VETO=$BUILD/veto
HELPERS=$BUILD/tests/integ

# Topology (docs/design.md section 6).
C4=198.51.100.2 C6=2001:db8:1::2
FC4=198.51.100.1 FC6=2001:db8:1::1
FS4=203.0.113.1 FS6=2001:db8:2::1
S4=203.0.113.2 S6=2001:db8:2::2
STOP4=192.0.2.1 STOP6=2001:db8:ff::1
# With topo_up --router: the filter--router link (the server link keeps
# FS4/FS6, now on the router, so the server's gateway is the same).
FR4=192.0.2.17 FR6=2001:db8:3::1
RF4=192.0.2.18 RF6=2001:db8:3::2

T_ID=veto$$
NS_C=${T_ID}c NS_F=${T_ID}f NS_S=${T_ID}s NS_R=${T_ID}r
T_ROUTER=0
TMP=$(mktemp -d "/tmp/veto-integ-$$.XXXXXX") || exit 1
chmod 0755 "$TMP"	# servers that switch user must read their files

T_PASS=0 T_FAIL=0 T_SKIP=0
_NS_MADE=()

# --- TAP ------------------------------------------------------------------

ok() { T_PASS=$((T_PASS + 1)); echo "ok - $*"; }
not_ok() { T_FAIL=$((T_FAIL + 1)); echo "not ok - $*"; }
skip() { T_SKIP=$((T_SKIP + 1)); echo "skip - $*"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# check "what" cmd...: ok when cmd exits 0; otherwise not ok, and its
# output (stdout and stderr) as diagnostics.
check() {
	local what=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc = 0 ]; then
		ok "$what"
	else
		not_ok "$what"
		diag "command: $* (exit $rc)" "$out"
	fi
	return $rc
}

# check_fails "what" cmd...: ok when cmd exits non-zero.
check_fails() {
	local what=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc != 0 ]; then
		ok "$what"
	else
		not_ok "$what"
		diag "command unexpectedly succeeded: $*" "$out"
	fi
	[ $rc != 0 ]
}

# is "what" GOT WANT: string equality.
is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "got:  '$2'" "want: '$3'"
		return 1
	fi
}

# cmp_num "what" A OP B: numeric comparison (OP: -eq -ne -lt -le -gt -ge).
cmp_num() {
	if [ "${2:-x}" "$3" "${4:-x}" ] 2>/dev/null; then
		ok "$1"
	else
		not_ok "$1"
		diag "failed: '${2:-}' $3 '${4:-}'"
		return 1
	fi
}

# done_testing: summary line; exit status 1 if anything failed.
done_testing() {
	diag "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[ "$T_FAIL" = 0 ]
	exit $?
}

# --- requirements ---------------------------------------------------------

require_root() {
	if [ "$(id -u)" != 0 ]; then
		skip "$(basename "$0"): needs root (network namespaces)"
		exit 0
	fi
}

# require_cmd CMD...: skip the whole test when a tool is missing.
require_cmd() {
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1 && [ ! -x "$c" ]; then
			skip "$(basename "$0"): $c is not installed"
			exit 0
		fi
	done
}

# --- waiting --------------------------------------------------------------

# wait_for SECONDS cmd...: run cmd every 0.1 s until it succeeds; 1 on timeout.
wait_for() {
	local deadline=$(($(date +%s%N) / 1000000 + ${1%.*} * 1000))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ $(($(date +%s%N) / 1000000)) -ge $deadline ] && return 1
		sleep 0.1
	done
	return 0
}

# --- namespaces -----------------------------------------------------------

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
on_client() { ip netns exec "$NS_C" "$@"; }
on_filter() { ip netns exec "$NS_F" "$@"; }
on_server() { ip netns exec "$NS_S" "$@"; }
on_router() { ip netns exec "$NS_R" "$@"; }

_ns_add() {
	ip netns add "$1" || return 1
	_NS_MADE+=("$1")
	# no duplicate address detection: link-local addresses are usable at
	# once, so the first IPv6 packets are not lost to a tentative address
	ip netns exec "$1" sysctl -qw net.ipv6.conf.default.accept_dad=0 \
	    net.ipv6.conf.all.accept_dad=0 2>/dev/null
	ip -n "$1" link set lo up
}

# topo_up [--router]: client -- filter -- server, IPv4 and IPv6, forwarding
# on in the filter namespace, the stop-page addresses on the filter's
# loopback. Interfaces: client eth0 <-> filter c0; filter s0 <-> server eth0.
# With --router a fourth namespace routes between the filter and the server
# (filter s0 $FR4 <-> router f0 $RF4; router s0 $FS4 <-> server eth0), so a
# packet sent by the client with a TTL / hop limit of 2 passes the filter
# and dies at the router, one hop before the server, as a decoy does on a
# real network. Every address the tests use stays the same.
topo_up() {
	[ "${1:-}" = --router ] && T_ROUTER=1
	_ns_add "$NS_C" && _ns_add "$NS_F" && _ns_add "$NS_S" || return 1
	if [ $T_ROUTER = 1 ]; then
		_topo_router || return 1
	else
		ip -n "$NS_S" link add eth0 type veth peer name s0 netns "$NS_F" ||
			return 1
		ip -n "$NS_F" addr add "$FS4/24" dev s0
		ip -n "$NS_F" addr add "$FS6/64" dev s0 nodad
	fi
	ip -n "$NS_C" link add eth0 type veth peer name c0 netns "$NS_F" || return 1
	ip -n "$NS_C" addr add "$C4/24" dev eth0
	ip -n "$NS_C" addr add "$C6/64" dev eth0 nodad
	ip -n "$NS_F" addr add "$FC4/24" dev c0
	ip -n "$NS_F" addr add "$FC6/64" dev c0 nodad
	ip -n "$NS_F" addr add "$STOP4/32" dev lo
	ip -n "$NS_F" addr add "$STOP6/128" dev lo nodad
	ip -n "$NS_S" addr add "$S4/24" dev eth0
	ip -n "$NS_S" addr add "$S6/64" dev eth0 nodad
	local ns
	for ns in "$NS_C" "$NS_F" "$NS_S"; do
		ip -n "$ns" link set eth0 up 2>/dev/null
	done
	ip -n "$NS_F" link set c0 up
	ip -n "$NS_F" link set s0 up
	ip -n "$NS_C" route add default via "$FC4"
	ip -n "$NS_C" -6 route add default via "$FC6"
	ip -n "$NS_S" route add default via "$FS4"
	ip -n "$NS_S" -6 route add default via "$FS6"
	on_filter sysctl -qw net.ipv4.ip_forward=1 \
	    net.ipv6.conf.all.forwarding=1 || return 1
	wait_for 5 _link_up "$NS_C" eth0 && wait_for 5 _link_up "$NS_S" eth0 &&
	wait_for 5 _link_up "$NS_F" c0 && wait_for 5 _link_up "$NS_F" s0 ||
		return 1
	[ $T_ROUTER = 0 ] ||
		{ wait_for 5 _link_up "$NS_R" f0 && wait_for 5 _link_up "$NS_R" s0; }
}

# The router namespace of topo_up --router: the filter reaches the server
# networks through it, the router reaches the client networks through the
# filter.
_topo_router() {
	_ns_add "$NS_R" || return 1
	ip -n "$NS_R" link add f0 type veth peer name s0 netns "$NS_F" &&
	ip -n "$NS_S" link add eth0 type veth peer name s0 netns "$NS_R" ||
		return 1
	ip -n "$NS_F" addr add "$FR4/29" dev s0
	ip -n "$NS_F" addr add "$FR6/64" dev s0 nodad
	ip -n "$NS_R" addr add "$RF4/29" dev f0
	ip -n "$NS_R" addr add "$RF6/64" dev f0 nodad
	ip -n "$NS_R" addr add "$FS4/24" dev s0
	ip -n "$NS_R" addr add "$FS6/64" dev s0 nodad
	ip -n "$NS_R" link set f0 up
	ip -n "$NS_R" link set s0 up
	ip -n "$NS_F" link set s0 up
	ip -n "$NS_F" route add 203.0.113.0/24 via "$RF4"
	ip -n "$NS_F" -6 route add 2001:db8:2::/64 via "$RF6"
	ip -n "$NS_R" route add 198.51.100.0/24 via "$FR4"
	ip -n "$NS_R" -6 route add 2001:db8:1::/64 via "$FR6"
	ip -n "$NS_R" route add "$STOP4/32" via "$FR4"
	ip -n "$NS_R" -6 route add "$STOP6/128" via "$FR6"
	on_router sysctl -qw net.ipv4.ip_forward=1 \
	    net.ipv6.conf.all.forwarding=1
}

_link_up() { ip -n "$1" link show "$2" 2>/dev/null | grep -q 'state UP'; }

# --- background processes -------------------------------------------------

# bg_start NAME NS cmd...: run cmd in namespace NS (NS "-": the host) as the
# leader of its own process group, output in $TMP/NAME.log, pid in
# $TMP/NAME.pid. Returns at once; use wait_for to know it is ready.
bg_start() {
	local name=$1 ns=$2
	shift 2
	if [ "$ns" = - ]; then
		setsid "$@" >"$TMP/$name.log" 2>&1 &
	else
		setsid ip netns exec "$ns" "$@" >"$TMP/$name.log" 2>&1 &
	fi
	echo $! >"$TMP/$name.pid"
	echo "$name" >>"$TMP/bg.list"
}

bg_pid() { cat "$TMP/$1.pid" 2>/dev/null; }

# bg_alive NAME: is it still running?
bg_alive() {
	local pid
	pid=$(bg_pid "$1") && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# bg_stop NAME [SIGNAL]: signal the process group (default TERM), wait up
# to 3 s, then KILL. Returns the process's exit status when known.
bg_stop() {
	local pid sig=${2:-TERM} i
	pid=$(bg_pid "$1") || return 0
	[ -n "$pid" ] || return 0
	kill -"$sig" -- -"$pid" 2>/dev/null || kill -"$sig" "$pid" 2>/dev/null
	for i in $(seq 30); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- -"$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	local rc=$?
	rm -f "$TMP/$1.pid"
	return $rc
}

# bg_crash NAME: kill -9 the process alone (a crash: no cleanup of its
# own), wait until it is gone. Call it directly, not inside $(...) or
# check: only the shell that started it can reap it.
bg_crash() {
	local pid
	pid=$(bg_pid "$1") || return 1
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$TMP/$1.pid"
	! kill -0 "$pid" 2>/dev/null
}

bg_log() { cat "$TMP/$1.log" 2>/dev/null; }

# --- servers --------------------------------------------------------------

# listening NS PROTO PORT: is something listening there (PROTO tcp/udp)?
listening() {
	local flag=-Hltn
	[ "$2" = udp ] && flag=-Hlun
	[ -n "$(in_ns "$1" ss $flag "sport = :$3" 2>/dev/null)" ]
}

# start_unbound FILE: unbound on $S4/$S6 port 53 in the server namespace,
# answering only from FILE, which holds unbound `local-zone:` and
# `local-data:` lines. Everything else is refused: no recursion, no root
# hints, no forwarders. Runs as root from $TMP/unbound (chroot "").
start_unbound() {
	local dir=$TMP/unbound
	mkdir -p "$dir"
	cat >"$dir/unbound.conf" <<-EOF
	server:
	    interface: $S4
	    interface: $S6
	    port: 53
	    do-daemonize: no
	    chroot: ""
	    username: ""
	    directory: "$dir"
	    pidfile: "$dir/unbound.pid"
	    use-syslog: no
	    logfile: ""
	    verbosity: 0
	    num-threads: 1
	    access-control: 0.0.0.0/0 allow
	    access-control: ::/0 allow
	    do-not-query-localhost: yes
	    root-hints: ""
	    local-zone: "." refuse
	EOF
	sed 's/^/    /' "$1" >>"$dir/unbound.conf"
	cat >>"$dir/unbound.conf" <<-EOF
	remote-control:
	    control-enable: no
	EOF
	unbound-checkconf "$dir/unbound.conf" >"$TMP/unbound-check.log" 2>&1 || {
		diag "unbound-checkconf failed:" "$(cat "$TMP/unbound-check.log")"
		return 1
	}
	bg_start unbound "$NS_S" unbound -d -c "$dir/unbound.conf"
	wait_for 10 listening "$NS_S" udp 53 || {
		diag "unbound did not start:" "$(bg_log unbound)"
		return 1
	}
}

# make_ca DIR NAME...: a test CA (DIR/ca.pem) and a server certificate for
# the names (DIR/server.pem, DIR/server.key, first NAME as CN, all as SAN).
make_ca() {
	local dir=$1 san="" n
	shift
	mkdir -p "$dir"
	for n in "$@"; do san="$san${san:+,}DNS:$n"; done
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -days 2 -subj "/CN=veto test CA" -keyout "$dir/ca.key" \
	    -out "$dir/ca.pem" >/dev/null 2>&1 &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/CN=$1" -keyout "$dir/server.key" -out "$dir/server.csr" \
	    >/dev/null 2>&1 &&
	openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" \
	    -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
	    -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san") \
	    -out "$dir/server.pem" >/dev/null 2>&1
}

# start_nginx [CERT KEY]: nginx in the server namespace serving $TMP/www on
# $S4:80 and [$S6]:80, and on port 443 with CERT/KEY when given. $TMP/www
# holds index.html ("veto test page") and big.bin (1 MiB).
start_nginx() {
	local dir=$TMP/nginx www=$TMP/www tls=""
	mkdir -p "$dir" "$www"
	echo "veto test page" >"$www/index.html"
	[ -f "$www/big.bin" ] ||
		head -c 1048576 /dev/zero >"$www/big.bin"
	if [ $# -ge 2 ]; then
		tls="listen $S4:443 ssl; listen [$S6]:443 ssl;
		ssl_certificate $1; ssl_certificate_key $2;"
	fi
	cat >"$dir/nginx.conf" <<-EOF
	daemon off;
	worker_processes 1;
	pid $dir/nginx.pid;
	error_log $dir/error.log;
	events { worker_connections 128; }
	http {
	    access_log off;
	    client_body_temp_path $dir/body;
	    proxy_temp_path $dir/proxy;
	    fastcgi_temp_path $dir/fastcgi;
	    uwsgi_temp_path $dir/uwsgi;
	    scgi_temp_path $dir/scgi;
	    default_type application/octet-stream;
	    server {
	        listen $S4:80;
	        listen [$S6]:80;
	        $tls
	        server_name _;
	        root $www;
	    }
	}
	EOF
	bg_start nginx "$NS_S" nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf"
	wait_for 10 listening "$NS_S" tcp 80 || {
		diag "nginx did not start:" "$(bg_log nginx)" "$(cat "$dir/error.log" 2>/dev/null)"
		return 1
	}
}

# start_s_server NAME ADDR:PORT CERT KEY [ARGS...]: openssl s_server (-www)
# in the server namespace; ADDR may be [v6].
start_s_server() {
	local name=$1 accept=$2 cert=$3 key=$4
	shift 4
	bg_start "$name" "$NS_S" openssl s_server -quiet -www -accept "$accept" \
	    -cert "$cert" -key "$key" "$@"
	wait_for 10 listening "$NS_S" tcp "${accept##*:}" || {
		diag "s_server did not start:" "$(bg_log "$name")"
		return 1
	}
}

# --- configuration and rules ----------------------------------------------

# write_conf FILE [key = value lines on stdin]: a veto.conf for tests
# (user root, no feeds unless given).
write_conf() {
	{ echo "user = root"; cat; } >"$1"
}

# apply_rules CONF: install `veto rules --iptables` in the filter namespace.
apply_rules() {
	"$VETO" rules -c "$1" --iptables >"$TMP/rules.sh" || return 1
	on_filter sh -e "$TMP/rules.sh"
}

# remove_rules CONF: take them out again.
remove_rules() {
	"$VETO" rules -c "$1" --iptables --remove >"$TMP/rules-remove.sh" ||
		return 1
	on_filter sh -e "$TMP/rules-remove.sh"
}

# rule_packets [-6] COMMENT [TABLE]: packet counter of the rule(s) in the
# filter namespace whose comment is COMMENT (summed), e.g. veto-cap.
rule_packets() {
	local ipt=iptables
	[ "$1" = -6 ] && { ipt=ip6tables; shift; }
	on_filter "$ipt" -w -t "${2:-mangle}" -L -v -x -n 2>/dev/null |
	    awk -v c="/* $1 */" 'index($0, c) { n += $1 } END { print n + 0 }'
}

# veto_rule_count: how many rules mention veto in the filter namespace
# (iptables and ip6tables, every table): 0 after removal.
veto_rule_count() {
	{ on_filter iptables-save; on_filter ip6tables-save; } 2>/dev/null |
	    grep -ci veto
}

# queue_proc NUM FIELD: a field of /proc/net/netfilter/nfnetlink_queue in
# the filter namespace (total, dropped, user_dropped, id_sequence).
queue_proc() {
	local col
	case $2 in
	total) col=3 ;; dropped) col=6 ;; user_dropped) col=7 ;;
	id_sequence) col=8 ;; *) return 1 ;;
	esac
	on_filter cat /proc/net/netfilter/nfnetlink_queue 2>/dev/null |
	    awk -v q="$1" -v c="$col" '$1 == q { print $c }'
}

# stat_of FILE KEY: the value of "KEY N" in a counters file.
stat_of() { awk -v k="$2" '$1 == k { print $2 }' "$1" 2>/dev/null; }

# --- cleanup --------------------------------------------------------------

cleanup() {
	local name ns pids
	trap - EXIT INT TERM
	if [ -f "$TMP/bg.list" ]; then
		while read -r name; do
			bg_stop "$name" TERM >/dev/null 2>&1
		done <"$TMP/bg.list"
	fi
	for ns in "${_NS_MADE[@]}"; do
		# Anything left inside our own namespaces was started by us.
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	[ "${VETO_KEEP_TMP:-0}" = 1 ] && echo "# kept $TMP" || rm -rf "$TMP"
}

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
