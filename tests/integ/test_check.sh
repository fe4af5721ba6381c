#!/bin/bash
# test_check.sh - `veto check` as a helper process (issue 13): in stdin
# mode each line is answered as soon as it is read, so a program can keep
# the pipe open and wait for the answer; piped input in bulk gets the same
# answers in order. No root, no network.
set -u
cd "$(dirname "$0")/../.."
build=${VETO_BUILD:-build}
veto=$build/veto
list=conf/demo/list.json
tmp=$(mktemp -d /tmp/veto-check.XXXXXX)
chk_pid=
trap 'rm -rf "$tmp"; [ -n "$chk_pid" ] && kill "$chk_pid" 2>/dev/null' EXIT
fails=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fails=$((fails + 1)); }
is() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1"; echo "# got '$2', want '$3'"; fi; }

is "names on the command line" "$("$veto" check -l "$list" bad.example \
    allowed.example | tr '\n' '|')" "block d1 csam bad.example|allow allowed.example|"

# A program that writes one line and waits for its answer, the pipe open.
coproc CHK { exec "$veto" check -l "$list"; }
# bash unsets CHK and CHK_PID when the coprocess ends: keep copies
chk_pid=$CHK_PID chk_in=${CHK[1]} chk_out=${CHK[0]}
echo bad.example >&"$chk_in"
ans=; read -t 5 -r ans <&"$chk_out"
is "first line answered while the pipe stays open" "$ans" "block d1 csam bad.example"
echo "  allowed.example  " >&"$chk_in"
ans=; read -t 5 -r ans <&"$chk_out"
is "second line answered, trimmed" "$ans" "allow allowed.example"
echo "http://share.example/u/123/x" >&"$chk_in"
ans=; read -t 5 -r ans <&"$chk_out"
case $ans in
block\ *) ok "a URL line answered (${ans%% http*})" ;;
*) notok "a URL line answered"; echo "# got '$ans'" ;;
esac
exec {chk_in}>&-
wait "$chk_pid"
is "exit 0 when stdin closes" "$?" 0
chk_pid=

# Bulk: 20000 lines piped at once, answers in order; a last line without
# a newline and a line longer than the read buffer are answered too.
for i in $(seq 10000); do echo "h$i.example"; echo "x$i.bad.example"; done >"$tmp/in"
head -c 100000 /dev/zero | tr '\0' a >>"$tmp/in"
printf '\nwww.bad.example' >>"$tmp/in"
"$veto" check -l "$list" <"$tmp/in" >"$tmp/out"
is "bulk: one answer per line" "$(wc -l <"$tmp/out")" 20002
is "bulk: answers in order" "$(sed -n '1p;2p;19999p;20000p' "$tmp/out" | cut -c1-26 | tr '\n' '|')" \
    "allow h1.example|block d1 csam x1.bad.examp|allow h10000.example|block d1 csam x10000.bad.e|"
is "bulk: the long line answered" "$(sed -n 20001p "$tmp/out" | cut -c1-12)" "allow aaaaaa"
is "bulk: the last line without a newline" "$(tail -n 1 "$tmp/out")" \
    "block d1 csam www.bad.example"
[ $fails = 0 ]
