#!/bin/bash
# Run libFuzzer targets.
#   run.sh --seconds N BIN...   fuzz each target for N seconds, growing its
#                               corpus in tests/fuzz/corpus/NAME
#   run.sh --replay BIN...      run each target once over its corpus (CI)
set -u
cd "$(dirname "$0")/../.."
mode=fuzz seconds=60
case "${1:-}" in
--seconds) seconds=$2; shift 2 ;;
--replay) mode=replay; shift ;;
esac
rc=0 n=0
for bin in "$@"; do
	name=$(basename "$bin")
	corpus=tests/fuzz/corpus/${name#fuzz_}
	mkdir -p "$corpus" tests/fuzz/artifacts
	if [ $mode = replay ]; then
		files=$(find "$corpus" -type f | wc -l)
		if "$bin" -runs=0 "$corpus" >build/fuzz/"$name".log 2>&1; then
			echo "$name: replayed $files inputs, no crash"
		else
			echo "$name: FAILED on its corpus (see build/fuzz/$name.log)"
			tail -n 20 build/fuzz/"$name".log
			rc=1
		fi
	else
		# New inputs go to a scratch corpus in build/; the committed seeds
		# stay small (merge interesting ones back by hand with -merge=1).
		work=build/fuzz/work-${name#fuzz_}
		mkdir -p "$work"
		echo "$name: fuzzing for ${seconds}s"
		"$bin" -max_total_time="$seconds" -artifact_prefix=tests/fuzz/artifacts/ \
			-print_final_stats=1 "$work" "$corpus" 2>&1 | grep -E 'stat::number_of_executed_units|stat::new_units_added|ERROR|SUMMARY' || true
		[ "${PIPESTATUS[0]}" = 0 ] || rc=1
	fi
	n=$((n + 1))
done
echo "$n fuzz targets, $([ $rc = 0 ] && echo ok || echo FAILED)"
exit $rc
