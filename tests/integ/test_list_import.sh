#!/bin/bash
# test_list_import.sh - `veto list import`, `veto list diff` and the summary
# `veto list confirm` prints (issue 17): each format, each refused line
# named with its file and line, the output signed by the stock minisign and
# accepted by `veto list verify`, stable ids, diff counts and exit codes.
# Needs no network and no root.
set -u
cd "$(dirname "$0")/../.."
build=${VETO_BUILD:-build}
veto=$build/veto
commit=$build/tests/integ/list_commit
command -v minisign >/dev/null || { echo "skip - minisign is not installed"; exit 0; }
[ -x "$veto" ] && [ -x "$commit" ] || { echo "not ok - $veto or $commit not built"; exit 1; }
tmp=$(mktemp -d /tmp/veto-list-import.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fails=$((fails + 1)); }

# expect RC NEEDLE WHAT -- CMD...: exit code and a line of the output
expect() {
	local want_rc=$1 needle=$2 what=$3 out rc
	shift 4
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want_rc" ] && grep -qF -- "$needle" <<<"$out"; then
		ok "$what"
	else
		notok "$what (exit $rc, want $want_rc and \`$needle'): $(head -c 800 <<<"$out")"
	fi
}
entries() { "$veto" list show "$1" 2>/dev/null | sed -n 's/^entries *//p'; }

minisign -G -W -p "$tmp/k.pub" -s "$tmp/k.key" >/dev/null
I="$veto list import --feed test/import --authority Hotline"

# --- hosts -----------------------------------------------------------------
cat >"$tmp/hosts" <<'EOF'
# a hosts file
127.0.0.1 localhost
::1 ip6-localhost ip6-loopback
0.0.0.0 Ads.Example tracker.example # two names
0.0.0.0 co.uk
0.0.0.0 ads.example
EOF
expect 1 "$tmp/hosts:5: \`co.uk': a public suffix" "hosts: a public suffix is refused with file and line" -- \
    $I --format hosts --serial 1 "$tmp/hosts"
[ ! -e "$tmp/none.json" ]
expect 1 "nothing written" "hosts: a refused line writes nothing" -- \
    $I --format hosts --serial 1 -o "$tmp/none.json" "$tmp/hosts"
[ -e "$tmp/none.json" ] && notok "no output file after a refusal" || ok "no output file after a refusal"
expect 0 "2 entries (0 domain, 2 host, 0 url)" "hosts --skip-bad: host entries, localhost names skipped, duplicate dropped" -- \
    $I --format hosts --serial 1 --skip-bad -o "$tmp/hosts.json" "$tmp/hosts"

# --- domains ---------------------------------------------------------------
printf 'bad.example\n*.Evil.Example.\n\n# comment\ncom\nx..y\nxn--bcher-kva.example\nbücher.example\n' >"$tmp/domains"
out=$($I --format domains --serial 2 "$tmp/domains" 2>&1)
grep -qF "$tmp/domains:5: \`com': a top-level domain" <<<"$out" &&
grep -qF "$tmp/domains:6: \`x..y': not a valid name" <<<"$out" &&
    ok "domains: every refused line named" || notok "domains: refused lines: $out"
$I --format domains --serial 2 --skip-bad "$tmp/domains" >"$tmp/domains.json" 2>/dev/null
expect 0 "3: 3 domain, 0 host, 0 url" "domains: *.name and name are one entry; an IDN and its punycode are one" -- \
    "$veto" list show "$tmp/domains.json"

# --- never-block -------------------------------------------------------------
printf 'www.example.net\n' >"$tmp/never"
printf 'example.net\nother.example\n' >"$tmp/nb"
expect 1 "$tmp/nb:1: \`example.net': it would block never-block name www.example.net" \
    "a parent of a never-block name is refused" -- \
    $I --format domains --serial 3 --never-block "$tmp/never" "$tmp/nb"
expect 0 '"value": "example.net"' "its legitimate twin without the never-block file passes" -- \
    $I --format domains --serial 3 "$tmp/nb"

# --- rpz -------------------------------------------------------------------
cat >"$tmp/zone.rpz" <<'EOF'
$TTL 60
$ORIGIN rpz.example.
@ SOA localhost. hostmaster.localhost. 1 3600 600 86400 60
@ NS localhost.
bad.example CNAME .            ; the name
*.bad.example CNAME .          ; and below: one domain entry
host.example 300 IN CNAME *.
local.example A 192.0.2.1
              AAAA 2001:db8::1
abs.example.rpz.example. CNAME .
ok.example CNAME rpz-passthru.
32.2.2.0.192.rpz-ip CNAME .
EOF
out=$($I --format rpz --serial 4 "$tmp/zone.rpz" 2>&1)
grep -qF "$tmp/zone.rpz:11: \`ok.example': rpz-passthru. is an allow rule" <<<"$out" &&
grep -qF "$tmp/zone.rpz:12: \`32.2.2.0.192.rpz-ip': not a name trigger" <<<"$out" &&
    ok "rpz: passthru and IP triggers refused with their lines" || notok "rpz refusals: $out"
$I --format rpz --serial 4 --skip-bad -o "$tmp/rpz.json" "$tmp/zone.rpz" 2>/dev/null
expect 0 "4: 1 domain, 3 host, 0 url" "rpz: name + *.name is a domain entry, others host entries" -- \
    "$veto" list show "$tmp/rpz.json"
# the round trip: vetod's own zone imported again gives the same entries
minisign -S -s "$tmp/k.key" -m "$tmp/rpz.json" -t t >/dev/null
"$veto" export rpz -l "$tmp/rpz.json" -k "$tmp/k.pub" -o "$tmp/again.rpz" 2>/dev/null
$I --format rpz --serial 4 -o "$tmp/again.json" "$tmp/again.rpz" 2>/dev/null
expect 0 "0 added, 0 removed, 0 changed" "export rpz, then import rpz: the same entries, the same ids" -- \
    "$veto" list diff "$tmp/rpz.json" "$tmp/again.json"

# --- csv -------------------------------------------------------------------
cat >"$tmp/list.csv" <<'EOF'
ID,Category,Value,Type
c1,csam,bad.example,domain
c2,csam,"http://share.example/u/1?a=""b""",url
c3,malware,host.example,
c4,csam,github.io,domain
c5,csam,http://page.example/x,
c1,csam,dup.example,host
c6,csam,x.example,mailbox
EOF
out=$($I --format csv --serial 5 "$tmp/list.csv" 2>&1)
grep -qF "$tmp/list.csv:5: \`github.io': a public suffix" <<<"$out" &&
grep -qF "$tmp/list.csv:8: \`mailbox': type is domain, host or url" <<<"$out" &&
grep -qF "id \`c1' is used by" <<<"$out" &&
    ok "csv: guardrail, bad type and a repeated id refused" || notok "csv refusals: $out"
$I --format csv --serial 5 --skip-bad -o "$tmp/csv.json" "$tmp/list.csv" 2>/dev/null
expect 0 "4: 2 domain, 0 host, 2 url" "csv: columns by header name, type from the value when empty" -- \
    "$veto" list show "$tmp/csv.json"
expect 0 '"id": "c3", "type": "domain", "value": "host.example", "cat": "malware"' \
    "csv: ids and categories kept" -- cat "$tmp/csv.json"
expect 1 "names no value column" "csv: a header without a value column is refused" -- \
    $I --format csv --serial 5 <(printf 'a,b\n1,2\n')

# --- signed and verified as vetod would --------------------------------------
minisign -S -s "$tmp/k.key" -m "$tmp/csv.json" -t import >/dev/null
expect 0 "ok: feed test/import serial 5, 4 entries" "the imported list, signed by minisign, passes veto list verify" -- \
    "$veto" list verify -k "$tmp/k.pub" -f test/import "$tmp/csv.json"

# --- ids are stable ----------------------------------------------------------
$I --format hosts --serial 6 --skip-bad -o "$tmp/hosts2.json" "$tmp/hosts" 2>/dev/null
expect 0 "0 added, 0 removed, 0 changed" "the same input imported again: the same ids (diff exit 0)" -- \
    "$veto" list diff "$tmp/hosts.json" "$tmp/hosts2.json"

# --- diff --------------------------------------------------------------------
cp "$tmp/list.csv" "$tmp/new.csv"
sed -i -e '/^c5,/d' -e 's/^c3,malware,host.example,/c3,csam,host.example,host/' "$tmp/new.csv"
printf 'c7,test,new.example,domain\nc8,test,new2.example,domain\n' >>"$tmp/new.csv"
$I --format csv --serial 6 --skip-bad -o "$tmp/new.json" "$tmp/new.csv" 2>/dev/null
out=$("$veto" list diff "$tmp/csv.json" "$tmp/new.json")
rc=$?
[ $rc = 1 ] && grep -q '^by id        2 added, 1 removed, 1 changed$' <<<"$out" &&
grep -q '^entry count  4 -> 5: +25% (compared with list_max_change)$' <<<"$out" &&
grep -q '^  test                        0          2$' <<<"$out" &&
grep -q '^~ c3 domain host.example malware -> host host.example csam$' <<<"$out" &&
grep -q '^- c5 url page.example/x csam$' <<<"$out" &&
    ok "diff: added, removed, changed by id, per category, percent as the guardrail" ||
    notok "diff (exit $rc): $out"
minisign -S -s "$tmp/k.key" -m "$tmp/new.json" -t new >/dev/null
expect 2 "hosts.json.minisig: open" "diff -k refuses a list without a signature" -- \
    "$veto" list diff -k "$tmp/k.pub" "$tmp/csv.json" "$tmp/hosts.json"
cp "$tmp/csv.json.minisig" "$tmp/hosts.json.minisig"
expect 2 "hosts.json.minisig: signature does not match" "diff -k refuses a signature over other bytes" -- \
    "$veto" list diff -k "$tmp/k.pub" "$tmp/csv.json" "$tmp/hosts.json"
expect 1 "2 added" "diff -k with both signatures valid" -- \
    "$veto" list diff -k "$tmp/k.pub" "$tmp/csv.json" "$tmp/new.json"

# --- confirm prints the summary first -------------------------------------------
mkdir -m 0700 "$tmp/state"
cat >"$tmp/veto.conf" <<EOF
state_dir = $tmp/state
stop_page_ipv4 = 192.0.2.1
list_file = $tmp/csv.json
list_key_file = $tmp/k.pub
list_feed = test/import
list_max_change = 10
control_socket = $tmp/none.sock
EOF
"$commit" -c "$tmp/veto.conf" "$tmp/csv.json" >/dev/null 2>&1
out=$("$commit" -c "$tmp/veto.conf" "$tmp/new.json" 2>&1)
grep -q '^held' <<<"$out" && ok "a 25% change is held at list_max_change 10" || notok "held: $out"
out=$("$veto" list confirm -c "$tmp/veto.conf" 6 2>&1)
rc=$?
[ $rc = 0 ] && grep -q '^feed default: held list 6 against the list in force:$' <<<"$out" &&
grep -q '^by id        2 added, 1 removed, 1 changed$' <<<"$out" &&
grep -q 'serial 6 is now the last good list' <<<"$out" &&
    ok "veto list confirm prints the diff summary, then installs" || notok "confirm (exit $rc): $out"

[ $fails = 0 ]
