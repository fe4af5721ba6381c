#!/bin/sh
# Re-sign the demo list after editing it (DEMO ONLY: the demo secret key in
# this directory is public; never use it for a real list).
#   conf/demo/sign.sh [LIST.json]     default conf/demo/list.json
set -eu
dir=$(dirname "$0")
list=${1:-$dir/list.json}
minisign -S -s "$dir/demo.key" -m "$list" -x "$list.minisig" \
	-c "veto DEMO list signature (DEMO ONLY)" \
	-t "DEMO ONLY $(basename "$list") signed $(date -u +%Y-%m-%dT%H:%M:%SZ)" >/dev/null
echo "signed $list -> $list.minisig"
