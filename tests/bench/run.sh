#!/bin/bash
# tests/bench/run.sh - `make bench`: every benchmark, figures printed (never
# asserted). The machine may be shared and noisy: compare figures of one run
# (ratios hold, absolute times do not).
#   tests/bench/run.sh --build DIR [--only NAME]
#   BENCH_SECONDS=N   length of each timed network run (default 8)
#   BENCH_QUICK=1     smaller lists and shorter runs (a smoke test)
set -u
cd "$(dirname "$0")/../.."
build=build only=""
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift ;;
	--only) only=$2; shift ;;
	*) echo "usage: $0 --build DIR [--only NAME]" >&2; exit 2 ;;
	esac
	shift
done
export VETO_BUILD=$build
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	export BENCH_SECONDS=${BENCH_SECONDS:-3} BENCH_LIST_ENTRIES=${BENCH_LIST_ENTRIES:-100000}
	export BENCH_SIZES=${BENCH_SIZES:-100000}
fi

section() { printf '\n==== %s ====\n' "$1"; }
want() { [ -z "$only" ] || [ "$only" = "$1" ]; }

run_bin() {	# NAME BINARY ARGS...
	local name=$1 bin=$2
	shift 2
	want "$name" || return 0
	section "$name"
	if [ -x "$bin" ]; then
		"$bin" "$@"
	else
		echo "$bin not built"
	fi
}

run_script() {	# NAME SCRIPT
	want "$1" || return 0
	section "$1"
	if [ -f "$2" ]; then
		bash "$2" 2>&1 | grep -vE '^(ok|not ok|skip) - ' | sed 's/^# //'
	else
		echo "$2 not there"
	fi
}

echo "veto benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(uname -r)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
run_script matcher tests/bench/match.sh
run_bin list "$build/tests/bench/bench_list"
run_bin inspect "$build/tests/bench/bench_inspect"
run_bin tls_quic "$build/tests/bench/bench_tls_quic"
run_bin stats "$build/tests/bench/bench_stats"
run_bin flow "$build/tests/bench/bench_flow"
run_bin sandbox "$build/tests/bench/bench_sandbox"
run_script fetch tests/bench/fetch.sh
run_script replay tests/bench/replay.sh
run_script stoppage tests/bench/stoppage.sh
run_script rpz tests/bench/rpz.sh
run_script squid tests/bench/squid.sh
(export LOAD_COMPARE=1; run_script load tests/integ/test_load.sh)
run_script memory tests/bench/mem.sh
run_script net tests/bench/net.sh
run_script reorder tests/bench/reorder.sh
