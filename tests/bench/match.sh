#!/bin/bash
# The matcher benchmark (issue 3, docs/design.md section 7). For synthetic lists
# of 100k, 1M and 10M domain entries (made here by bench_match, never
# committed): load time split into signature verification, parse and build;
# bytes per entry (matcher_bytes and RSS delta); peak RSS while loading;
# names per second on one core, uniform random (50% hits) and skewed (Zipf).
# In the same run unbound loads the same 1M names as local-zones: its time
# until it answers and its RSS are printed beside ours, with the ratios.
# Figures are printed, never asserted; the machine may be shared and noisy.
#
#   tests/bench/match.sh [--build DIR] [--sizes "100000 1000000"] [--no-unbound]
set -u
cd "$(dirname "$0")/../.."

build=build sizes="100000 1000000 10000000" unbound=1 unbound_size=1000000
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift ;;
	--sizes) sizes=$2; shift ;;
	--no-unbound) unbound=0 ;;
	*) echo "usage: $0 [--build DIR] [--sizes \"N ...\"] [--no-unbound]" >&2; exit 2 ;;
	esac
	shift
done
bin=$build/tests/bench/bench_match
[ -x "$bin" ] || { echo "match bench: $bin is not built (make bench)"; exit 1; }

tmp=$(mktemp -d /tmp/veto-bench-match.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# figure KEY LINE: the value of KEY=... in a "figures:" line
figure() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "n/a" }'; }

pub=
if command -v minisign >/dev/null; then
	if minisign -G -W -p "$tmp/k.pub" -s "$tmp/k.key" >/dev/null 2>&1; then
		pub=$tmp/k.pub
	fi
fi
[ -n "$pub" ] || echo "match bench: no minisign: the lists are not signed, verify is skipped"

echo "== matcher benchmark ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
for n in $sizes; do
	echo "-- $n domain entries"
	"$bin" gen "$n" "$tmp/l$n" | grep -v '^figures:' || { echo "generation failed"; continue; }
	keyarg=
	if [ -n "$pub" ]; then
		start=$(date +%s%N)
		minisign -S -s "$tmp/k.key" -m "$tmp/l$n.json" >/dev/null 2>&1 && keyarg=$pub
		signed=$(( ($(date +%s%N) - start) / 1000000 ))
		start=$(date +%s%N)
		minisign -Vq -p "$pub" -m "$tmp/l$n.json" >/dev/null 2>&1
		echo "minisign: sign $signed ms, verify $(( ($(date +%s%N) - start) / 1000000 )) ms (the minisign binary, for reference; $(du -m "$tmp/l$n.json" | cut -f1) MB)"
	fi
	out=$("$bin" load "$tmp/l$n" $keyarg) || { echo "$out"; echo "load failed"; continue; }
	grep -v '^figures:' <<<"$out"
	ours=$(grep '^figures:' <<<"$out")
	if [ "$unbound" = 1 ] && [ "$n" = "$unbound_size" ]; then
		if ! command -v unbound >/dev/null; then
			echo "unbound: not installed, comparison skipped"
		elif ub=$("$bin" unbound "$tmp/l$n"); then
			grep -v '^figures:' <<<"$ub"
			theirs=$(grep '^figures:' <<<"$ub")
			load=$(figure load_ms "$ours") uload=$(figure unbound_load_ms "$theirs")
			wload=$(figure load_wall_ms "$ours") uwload=$(figure unbound_load_wall_ms "$theirs")
			bpe=$(figure rss_bpe "$ours") ubpe=$(figure unbound_rss_bpe "$theirs")
			mbpe=$(figure matcher_bpe "$ours")
			echo "compared with unbound ($n names):"
			echo "  load (verify+parse+build; unbound: start until it answers): ours $load ms CPU ($wload wall), unbound $uload ms CPU ($uwload wall): $(ratio "$uload" "$load")x faster in CPU time, $(ratio "$uwload" "$wload")x in wall time (target >= 3x, about 1 s)"
			echo "  memory: ours $mbpe bytes/entry (matcher_bytes), $bpe (RSS delta); unbound $ubpe (RSS delta over an empty unbound): $(ratio "$ubpe" "$bpe")x less (target >= 5x, <= 48 bytes/entry)"
		else
			echo "$ub"
			echo "unbound: comparison failed"
		fi
	fi
	echo "  targets: load 1M in about 1 s, <= 48 bytes/entry, >= 5 M names/s random and >= 20 M names/s skewed per core; here: $(figure load_ms "$ours") ms CPU, $(figure matcher_bpe "$ours") bytes/entry, $(figure random_mps "$ours") and $(figure zipf_mps "$ours") M names/s"
	rm -f "$tmp/l$n".*
done
