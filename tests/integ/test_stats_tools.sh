#!/bin/bash
# `veto stats`, `veto status`, `veto reload` against a control-socket
# server with a made-up daemon behind it (tests/integ/ctl_fake): exit codes
# for monitoring, the table and --json, the socket found through -c CONF,
# and (root) the rule set's counters read from iptables in a namespace.
set -u
cd "$(dirname "$0")/../.."
build=${VETO_BUILD:-build}
veto=$build/veto
fake=$build/tests/integ/ctl_fake
tmp=$(mktemp -d /tmp/veto-stats-tools-XXXXXX)
ns=vetostats$$
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
check() {	# check WHAT CMD...: ok when CMD succeeds
	local what=$1; shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}

start_fake() {	# start_fake MODE
	[ -n "$pid" ] && kill "$pid" && wait "$pid" 2>/dev/null
	"$fake" "$tmp/control.sock" "$1" >"$tmp/fake.out" 2>&1 &
	pid=$!
	for _ in $(seq 50); do
		grep -q ready "$tmp/fake.out" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

status_rc() {	# status_rc MODE EXPECTED
	start_fake "$1" || { notok "ctl_fake $1 starts"; return; }
	"$veto" status -s "$tmp/control.sock" >"$tmp/status.out" 2>&1
	local rc=$?
	check "veto status exits $2 when $1 (got $rc)" [ $rc = "$2" ]
	check "veto status says $1" grep -q "^vetod: $1" "$tmp/status.out"
}

status_rc healthy 0
status_rc degraded 1
grep -q "feed default: list 2026112801 expired" "$tmp/status.out" &&
	ok "a degraded status gives the reason" || notok "a degraded status gives the reason"
status_rc unprotected 2
grep -q "no list is in force" "$tmp/status.out" &&
	ok "an unprotected status says no list is in force" ||
	notok "an unprotected status says no list is in force"

start_fake healthy
"$veto" stats -s "$tmp/control.sock" --no-rules >"$tmp/stats.out" 2>&1
check "veto stats exits 0" [ $? = 0 ]
check "veto stats prints blocks per category" \
	grep -Eq "^  default +csam +12 +0 +4 +0 +16$" "$tmp/stats.out"
check "veto stats prints the requests table" \
	grep -Eq "^  dns +9000 +12 +0 +0$" "$tmp/stats.out"
check "veto stats prints the lists" grep -q "2026112801" "$tmp/stats.out"
"$veto" stats -s "$tmp/control.sock" --json --no-rules >"$tmp/stats.json"
check "veto stats --json is JSON with the counts" python3 -c "
import json, sys
j = json.load(open('$tmp/stats.json'))
assert j['decisions']['tls']['blocked'] == 4
assert j['blocked'][0]['category'] == 'csam'
"
"$veto" status -s "$tmp/control.sock" --json >"$tmp/status.json"
check "veto status --json is JSON with the verdict" python3 -c "
import json
assert json.load(open('$tmp/status.json'))['verdict'] == 'healthy'
"

printf 'control_socket = %s\n' "$tmp/control.sock" >"$tmp/veto.conf"
"$veto" status -c "$tmp/veto.conf" >/dev/null 2>&1
check "veto status finds the socket through -c CONF" [ $? = 0 ]

out=$("$veto" reload -s "$tmp/control.sock" 2>&1)
rc=$?
check "veto reload exits 0 and says what happened" \
	[ $rc = 0 -a "$out" = "veto reload: configuration /etc/veto/veto.conf applied (1 feed, mode enforce)" ]

kill "$pid"; wait "$pid" 2>/dev/null; pid=""
"$veto" status -s "$tmp/control.sock" >/dev/null 2>&1
check "veto status exits 3 when vetod is not reachable" [ $? = 3 ]
"$veto" stats -s "$tmp/control.sock" >/dev/null 2>&1
check "veto stats exits 3 when vetod is not reachable" [ $? = 3 ]
"$veto" reload -s "$tmp/control.sock" >/dev/null 2>&1
check "veto reload exits 3 when vetod is not reachable" [ $? = 3 ]
"$veto" status --help | grep -q "3  unknown" &&
	ok "veto status --help documents the exit codes" ||
	notok "veto status --help documents the exit codes"

# The rule set's counters (root): a VETO chain in a namespace with counters
# set, read by `veto stats` run inside it.
if [ "$(id -u)" != 0 ] || ! ip netns add "$ns" 2>/dev/null; then
	echo "skip - rule counters (needs root and network namespaces)"
	exit 0
fi
ip netns exec "$ns" sh -c '
iptables -w -t mangle -N VETO
iptables -w -t mangle -A VETO -c 500 50000 -p udp --dport 53 -m comment --comment veto-dns -j NFQUEUE --queue-num 0 --queue-bypass
iptables -w -t mangle -A VETO -c 12000 1200000 -p tcp --dport 443 -m comment --comment veto-queue -j NFQUEUE --queue-num 0 --queue-bypass
iptables -w -t mangle -A VETO -c 7 700 -p tcp --dport 443 -m comment --comment veto-cap -j RETURN
' || notok "rule set in the namespace"
start_fake healthy
ip netns exec "$ns" "$veto" stats -s "$tmp/control.sock" >"$tmp/stats.out" 2>&1
check "veto stats reads connbytes-cap hits from iptables (root)" \
	grep -q "queued 12500 (vetod received 12345, unseen 155), connbytes cap hits 7" "$tmp/stats.out"
ip netns exec "$ns" "$veto" stats -s "$tmp/control.sock" --json >"$tmp/stats.json" 2>&1
check "veto stats --json carries the rule counters" python3 -c "
import json
assert json.load(open('$tmp/stats.json'))['rule_counters']['cap_hits'] == 7
"
