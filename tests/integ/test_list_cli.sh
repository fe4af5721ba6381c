#!/bin/bash
# test_list_cli.sh - `veto list verify|show|confirm` against keys made and
# lists signed by the stock minisign binary (issue 2's interop tests).
# Prints ok / not ok / skip lines. Needs no network and no root; writes only
# in a temporary directory, removed on exit.
set -u
cd "$(dirname "$0")/../.."
build=${VETO_BUILD:-build}
veto=$build/veto
commit=$build/tests/integ/list_commit

if ! command -v minisign >/dev/null; then
	echo "skip - minisign is not installed (apt-get install minisign)"
	exit 0
fi
if [ ! -x "$veto" ] || [ ! -x "$commit" ]; then
	echo "not ok - $veto or $commit not built (make tests-build)"
	exit 1
fi

tmp=$(mktemp -d /tmp/veto-list-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

n=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }

# expect RC NEEDLE WHAT -- CMD...: run CMD, check its exit code and that its
# output (stdout and stderr) contains NEEDLE.
expect() {
	local want_rc=$1 needle=$2 what=$3 out rc
	shift 4
	out=$("$@" 2>&1)
	rc=$?
	n=$((n + 1))
	if [ "$rc" = "$want_rc" ] && grep -qF -- "$needle" <<<"$out"; then
		ok "$what"
	else
		notok "$what (exit $rc, want $want_rc and \`$needle'): $(head -c 600 <<<"$out")"
	fi
}

minisign -G -W -p "$tmp/a.pub" -s "$tmp/a.key" >/dev/null
minisign -G -W -p "$tmp/b.pub" -s "$tmp/b.key" >/dev/null
aline=$(sed -n 2p "$tmp/a.pub")

# mklist FILE SERIAL [EXPIRES] [NGEN] [EXTRA ENTRIES] [FEED]
mklist() {
	local f=$1 serial=$2 expires=${3:-2036-01-01T00:00:00Z} ngen=${4:-3}
	local extra=${5:-} feed=${6:-test/cli} i sep=""
	{
		printf '{\n "format": "veto-list/1",\n "feed": "%s",\n' "$feed"
		printf ' "serial": "%s",\n "issued": "2026-01-01T00:00:00Z",\n' "$serial"
		printf ' "expires": "%s",\n' "$expires"
		printf ' "authority": {"name": "CLI Hotline", "appeal_url": "https://hotline.example/appeal"},\n'
		printf ' "categories": {"csam": {"label": {"en": "CSAM", "nl": "Kindermisbruik"}}, "test": {"label": "Canary"}},\n'
		printf ' "entries": [\n'
		for ((i = 0; i < ngen; i++)); do
			printf '%s  {"id": "g%d", "type": "domain", "value": "bad%d.example", "cat": "csam"}' "$sep" $i $i
			sep=$',\n'
		done
		printf '%s  {"id": "u1", "type": "url", "value": "http://share.example/u/1/", "cat": "csam"}' "$sep"
		printf ',\n  {"id": "u2", "type": "url", "value": "https://share.example/v?x=1", "cat": "csam"}'
		printf ',\n  {"id": "t1", "type": "domain", "value": "canary.hotline.example", "cat": "test"}'
		[ -n "$extra" ] && printf ',\n  %s' "$extra"
		printf '\n ]\n}\n'
	} >"$f"
}
sign() {	# FILE [KEY] [extra minisign args]
	local f=$1 key=${2:-$tmp/a.key}
	shift 2 2>/dev/null || shift
	minisign -S -s "$key" -m "$f" -x "$f.minisig" -t "cli test $(basename "$f")" "$@" >/dev/null
}

V="$veto list verify -k $tmp/a.pub"

# --- the good list ------------------------------------------------------------
mklist "$tmp/good.json" 10
sign "$tmp/good.json"
expect 0 "ok: feed test/cli serial 10, 6 entries" "a list signed by minisign verifies" -- \
	$V "$tmp/good.json"
expect 0 "trusted comment: cli test good.json" "verify prints the trusted comment" -- \
	$V "$tmp/good.json"
expect 0 "ok: feed test/cli" "KEY given as its base64 line" -- \
	"$veto" list verify -k "$aline" "$tmp/good.json"
expect 0 "ok:" "the configured feed matches (-f)" -- \
	$V -f test/cli "$tmp/good.json"
cp "$tmp/good.json.minisig" "$tmp/elsewhere.sig"
expect 0 "ok:" "-s names the signature file" -- \
	$V -s "$tmp/elsewhere.sig" "$tmp/good.json"

# --- forgeries and damage -----------------------------------------------------
cp "$tmp/good.json" "$tmp/changed.json"
sed -i 's/bad1.example/bad1.exampla/' "$tmp/changed.json"
cp "$tmp/good.json.minisig" "$tmp/changed.json.minisig"
expect 1 "signature does not match the list" "a one-byte change is refused" -- \
	$V "$tmp/changed.json"

cp "$tmp/good.json" "$tmp/tc.json"
sed 's/^trusted comment: .*/trusted comment: cli test altered/' "$tmp/good.json.minisig" >"$tmp/tc.json.minisig"
expect 1 "trusted comment was altered" "a changed trusted comment is refused" -- \
	$V "$tmp/tc.json"

cp "$tmp/good.json" "$tmp/other.json"
sign "$tmp/other.json" "$tmp/b.key"
bid=$(sed -n '1s/.* //p' "$tmp/b.pub")
expect 1 "signature by key id $bid, which is not among the trusted keys" \
	"a signature by another key is refused" -- $V "$tmp/other.json"
expect 0 "ok:" "a key ring of two keys: the key id picks the key" -- \
	$V -k "$tmp/b.pub" "$tmp/other.json"

cp "$tmp/good.json" "$tmp/legacy.json"
sign "$tmp/legacy.json" "$tmp/a.key" -l
expect 1 "legacy (non-prehashed) signature refused" "a legacy signature is refused" -- \
	$V "$tmp/legacy.json"
expect 0 "ok:" "a legacy signature is accepted with --legacy" -- \
	$V --legacy "$tmp/legacy.json"

cp "$tmp/good.json" "$tmp/trunc.json"
head -c 150 "$tmp/good.json.minisig" >"$tmp/trunc.json.minisig"
expect 1 "truncated signature file" "a truncated signature file is refused" -- \
	$V "$tmp/trunc.json"
: >"$tmp/trunc.json.minisig"
expect 1 "truncated signature file" "an empty signature file is refused" -- \
	$V "$tmp/trunc.json"
expect 1 "open" "a missing signature file is refused" -- \
	$V -s "$tmp/nonexistent.minisig" "$tmp/good.json"

# --- trust rules -----------------------------------------------------------
mklist "$tmp/expired.json" 10 2026-02-01T00:00:00Z
sign "$tmp/expired.json"
expect 1 "expired" "an expired list exits 1 and says expired" -- \
	$V "$tmp/expired.json"

expect 1 "is not the configured feed \"test/other\"" "a wrong feed is refused" -- \
	$V -f test/other "$tmp/good.json"

mklist "$tmp/tld.json" 10 "" 3 '{"id": "x1", "type": "domain", "value": "com", "cat": "csam"}'
sign "$tmp/tld.json"
expect 1 'entry 6 (id "x1"): domain "com" is a top-level domain' "a TLD entry is refused" -- \
	$V "$tmp/tld.json"

mklist "$tmp/psl.json" 10 "" 3 '{"id": "x2", "type": "domain", "value": "co.uk", "cat": "csam"}'
sign "$tmp/psl.json"
expect 1 'domain "co.uk" is a public suffix' "a public-suffix entry is refused" -- \
	$V "$tmp/psl.json"

printf '# never block these\nwww.nb.example\nkeep.example\n' >"$tmp/never"
mklist "$tmp/nb.json" 10 "" 3 '{"id": "p", "type": "domain", "value": "nb.example", "cat": "csam"},
  {"id": "q", "type": "host", "value": "keep.example", "cat": "csam"}'
sign "$tmp/nb.json"
expect 1 'entry 6 (id "p"): domain "nb.example" would block never-block name "www.nb.example"' \
	"a never-block hit (parent) is refused" -- $V --never-block "$tmp/never" "$tmp/nb.json"
expect 1 'entry 7 (id "q"): host "keep.example" would block never-block name "keep.example"' \
	"a never-block hit (equal) is refused, every bad entry named" -- \
	$V --never-block "$tmp/never" "$tmp/nb.json"
expect 0 "ok:" "without the never-block file the same list passes" -- \
	$V "$tmp/nb.json"

# --- state: rollback, unchanged, held, confirm ------------------------------------
mkdir -m 0700 "$tmp/state"
cat >"$tmp/veto.conf" <<EOF
state_dir = $tmp/state
stop_page_ipv4 = 192.0.2.1
list_file = $tmp/good.json
list_key_file = $tmp/a.pub
list_feed = test/cli
list_max_change = 50
EOF
out=$("$commit" -c "$tmp/veto.conf" "$tmp/good.json" 2>&1)
n=$((n + 1))
if [ $? = 0 ] && grep -q '^install' <<<"$out" && [ -f "$tmp/state/feeds/default/list-10.json" ]; then
	ok "serial 10 installed in the state directory"
else
	notok "serial 10 installed in the state directory: $out"
fi
expect 0 "unchanged" "the same list again is unchanged (--state STATE_DIR)" -- \
	$V --state "$tmp/state" "$tmp/good.json"
expect 0 "unchanged" "--state also takes the feed's own directory" -- \
	$V --state "$tmp/state/feeds/default" "$tmp/good.json"

expect 1 "--state $tmp/nostate: No such file or directory" \
	"--state of a missing directory is an error" -- \
	$V --state "$tmp/nostate" "$tmp/good.json"

mklist "$tmp/s9.json" 9
sign "$tmp/s9.json"
expect 1 "serial 9 is lower than the last accepted serial 10: rollback refused" \
	"a rolled-back serial is refused" -- $V --state "$tmp/state" "$tmp/s9.json"

mklist "$tmp/s11.json" 11 "" 20
sign "$tmp/s11.json"
expect 1 "held: the entry count changed by 284% (from 6 to 23)" \
	"a change of entry count beyond list_max_change is held" -- \
	$V --state "$tmp/state" "$tmp/s11.json"
expect 0 "ok:" "with --max-change 300 it would be installed" -- \
	$V --state "$tmp/state" --max-change 300 "$tmp/s11.json"
out=$("$commit" -c "$tmp/veto.conf" "$tmp/s11.json" 2>&1)
n=$((n + 1))
if grep -q '^held' <<<"$out" && [ -f "$tmp/state/feeds/default/held/11.json" ] &&
	grep -q '^serial 10$' "$tmp/state/feeds/default/state"; then
	ok "the held list is kept aside, serial 10 stays in force"
else
	notok "the held list is kept aside: $out"
fi
expect 1 "no feed of $tmp/veto.conf holds a list with serial 12" \
	"confirm of a serial nobody holds fails" -- \
	"$veto" list confirm -c "$tmp/veto.conf" 12
expect 0 "feed default: serial 11 is now the last good list" "veto list confirm installs the held list" -- \
	"$veto" list confirm -c "$tmp/veto.conf" 11
n=$((n + 1))
if grep -q '^serial 11$' "$tmp/state/feeds/default/state" &&
	[ ! -e "$tmp/state/feeds/default/held/11.json" ] &&
	[ "$(stat -c %a "$tmp/state")" = 700 ]; then
	ok "after confirm: serial 11 recorded, held copy gone, state dir 0700"
else
	notok "after confirm: $(cat "$tmp/state/feeds/default/state")"
fi
expect 0 "unchanged" "the confirmed list is now unchanged" -- \
	$V --state "$tmp/state" "$tmp/s11.json"
expect 1 "rollback refused" "and serial 10 is now a rollback" -- \
	$V --state "$tmp/state" "$tmp/good.json"

# --- show ---------------------------------------------------------------------
expect 0 "serial       11" "show prints the serial" -- "$veto" list show "$tmp/s11.json"
expect 0 "entries      23: 21 domain, 0 host, 2 url" "show prints counts per type" -- \
	"$veto" list show "$tmp/s11.json"
expect 0 "2 url entries can only be enforced on plain HTTP" \
	"show says how many url entries only plain HTTP can enforce" -- \
	"$veto" list show "$tmp/s11.json"
expect 0 "canaries     1" "show counts canaries" -- "$veto" list show "$tmp/s11.json"
expect 0 "of these, 1 is written https://" "show counts https:// url entries" -- \
	"$veto" list show "$tmp/s11.json"
expect 0 "appeal     https://hotline.example/appeal" "show prints the authority" -- \
	"$veto" list show "$tmp/s11.json"
expect 1 "is not valid UTF-8" "show refuses a list that does not parse" -- \
	"$veto" list show <(printf '{"x": "\377"}')
expect 0 "signature    NOT VERIFIED" "show without -k says nothing was verified" -- \
	"$veto" list show "$tmp/s11.json"
expect 0 "signature    valid, key" "show -k verifies the minisign signature" -- \
	"$veto" list show -k "$tmp/a.pub" "$tmp/s11.json"
sed 's/CLI Hotline/CLI Hotl1ne/' "$tmp/s11.json" >"$tmp/show-forged.json"
cp "$tmp/s11.json.minisig" "$tmp/show-forged.json.minisig"
expect 1 "signature does not match" "show -k refuses a list changed after signing" -- \
	"$veto" list show -k "$tmp/a.pub" "$tmp/show-forged.json"
expect 1 "signature" "show -k refuses a list signed by another key" -- \
	"$veto" list show -k "$tmp/b.pub" "$tmp/s11.json"

# --- the demo feed --------------------------------------------------------------
expect 0 "ok: feed demo-hotline/demo" "the demo list verifies with the demo key" -- \
	"$veto" list verify -k conf/demo/demo.pub -f demo-hotline/demo conf/demo/list.json

# --- usage ----------------------------------------------------------------------
expect 2 "at least one -k KEY" "verify without a key is a usage error" -- \
	"$veto" list verify "$tmp/good.json"
for sub in verify show confirm; do
	expect 0 "usage: veto list $sub" "veto list $sub --help" -- "$veto" list $sub --help
done
help=$("$veto" list verify --help)
n=$((n + 1))
missing=""
for o in --key --feed --sig --state --never-block --max-change --legacy --help; do
	grep -q -- "$o" <<<"$help" || missing="$missing $o"
done
[ -z "$missing" ] && ok "verify --help describes every option" ||
	notok "verify --help lacks$missing"
expect 0 "--feed NAME" "confirm --help describes --feed" -- "$veto" list confirm --help
expect 2 "usage: veto list" "an unknown list command is a usage error" -- \
	"$veto" list frobnicate
