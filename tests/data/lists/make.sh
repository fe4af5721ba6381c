#!/bin/sh
# Regenerate the minisign fixtures of the unit tests with the stock minisign
# tool (Debian package minisign). TEST KEYS ONLY: the secret keys are
# committed on purpose and have no password.
#   tests/data/lists/make.sh          (keeps existing keys)
#   tests/data/lists/make.sh --keys   (new key pairs too)
set -eu
cd "$(dirname "$0")"
if [ "${1:-}" = --keys ] || [ ! -f a.key ]; then
	rm -f a.key a.pub b.key b.pub
	minisign -G -W -p a.pub -s a.key >/dev/null
	minisign -G -W -p b.pub -s b.key >/dev/null
fi
printf 'hello, veto\n' >hello.txt
minisign -S -s a.key -m hello.txt -x hello.txt.minisig -t "hello comment" >/dev/null
minisign -S -s b.key -m hello.txt -x hello.txt.b.minisig -t "hello comment" >/dev/null
minisign -S -l -s a.key -m hello.txt -x hello.txt.legacy.minisig -t "legacy" >/dev/null
minisign -S -s a.key -m unit.json -x unit.json.minisig -t "unit list" >/dev/null
echo "fixtures signed"
