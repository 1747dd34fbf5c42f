#!/usr/bin/env bash
# Long fuzzing runs (`make fuzz`): every target of Fuzz/targets.sh, one at a
# time (the machine has 2 cores), each for at least 10^7 executions or
# FUZZ_SECONDS, whichever comes first, and a line of figures per target.
#
#   FUZZ_RUNS      executions per target (default 10000000)
#   FUZZ_SECONDS   the most seconds per target (default 900: the slower
#                  targets do not reach 10^7 in it; docs/performance.md)
#   FUZZ_ONLY      a space-separated subset of the names (default: all)
#
# The corpus of each target grows in .build/fuzz/NAME/corpus across runs;
# reproducers of any finding go to .build/fuzz/NAME/findings/. Replay one with
#   SWIFT_BACKTRACE=enable=no BINARY FILE
# (the binary's path is printed before the target's run).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
source Fuzz/targets.sh

runs=${FUZZ_RUNS:-10000000}
seconds=${FUZZ_SECONDS:-900}
selected=${FUZZ_ONLY:-}
status=0
summary=()
for entry in "${FUZZ_TARGETS[@]}"; do
    read -r name build seeds asan _ _ <<<"$entry"
    if [ -n "$selected" ] && [[ " $selected " != *" $name "* ]]; then continue; fi
    binary=$(fuzz_binary "$build")
    echo "== fuzz $name: $binary, up to $runs executions or $seconds s" >&2
    work=.build/fuzz/$name
    rm -rf "$work/seeds"
    mkdir -p "$work/corpus" "$work/findings"
    fuzz_seeds "$seeds" "$work/seeds"
    log="$work/last-run.log"
    result=0
    ASAN_OPTIONS=$asan SWIFT_BACKTRACE=enable=no "$binary" -runs="$runs" -max_total_time="$seconds" \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/findings/" \
        "$work/corpus" "$work/seeds" > "$log" 2>&1 || result=$?
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
    elapsed=$(grep -E '^Done [0-9]+ runs in' "$log" | tail -n1 | sed -n 's/.* in \([0-9]*\) second.*/\1/p')
    coverage=$(grep -E '^#[0-9]+' "$log" | tail -n1 | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    line="$name: ${executions:-?} executions in ${elapsed:-?} s (${rate:-?} exec/s), coverage ${coverage:-?} edges"
    if [ "$result" -ne 0 ]; then
        tail -n 40 "$log" >&2
        line="$line; FINDING (exit $result), reproducer(s) in $work/findings/"
        status=1
    fi
    echo "$line" >&2
    summary+=("$line")
done
printf 'fuzz: %s\n' "${summary[@]}"
exit "$status"
