#!/usr/bin/env bash
# Bounded fuzzing of every target of Fuzz/targets.sh, part of `make test`:
# the wire frame decoder, program files, the configuration file and the
# control request path, each for its few seconds (60 s of fuzzing in all;
# building the targets the first time takes minutes, later only what
# changed).
#
# Fails when a fuzzer finds a crash or a broken invariant (see each target's
# source), and also when a run proves nothing: a binary without coverage
# instrumentation, or a run whose coverage stays far below a healthy one,
# fails instead of passing blind.
#   FUZZ_SMOKE_SECONDS   overrides every target's seconds
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/opt/swift/usr/bin"
source Fuzz/targets.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
for entry in "${FUZZ_TARGETS[@]}"; do
    read -r name build seeds asan smoke_seconds minimum_coverage <<<"$entry"
    seconds=${FUZZ_SMOKE_SECONDS:-$smoke_seconds}
    binary=$(fuzz_binary "$build")
    fuzz_seeds "$seeds" "$work/$name/seeds"
    mkdir -p "$work/$name/corpus" "$work/$name/artifacts"
    log="$work/$name/log"
    status=0
    ASAN_OPTIONS=$asan SWIFT_BACKTRACE=enable=no "$binary" -max_total_time="$seconds" -seed=1 -rss_limit_mb=2048 \
        -artifact_prefix="$work/$name/artifacts/" "$work/$name/corpus" "$work/$name/seeds" > "$log" 2>&1 || status=$?

    if [ "$status" -ne 0 ]; then
        tail -n 60 "$log" >&2
        mkdir -p ".build/fuzz/$name/findings"
        cp "$work/$name"/artifacts/* ".build/fuzz/$name/findings/" 2>/dev/null || true
        echo "fuzz-smoke: $name: FAIL: the fuzzer exited with $status; reproducer(s) in .build/fuzz/$name/findings/" >&2
        failed=1
        continue
    fi
    if grep -q "no interesting inputs" "$log"; then
        echo "fuzz-smoke: $name: FAIL: libFuzzer reports no coverage; the binary is not instrumented" >&2
        failed=1
        continue
    fi
    counters=$(sed -n 's/.*Loaded 1 modules *(\([0-9]*\) inline 8-bit counters.*/\1/p' "$log" | head -n1)
    coverage=$(grep -E '^#[0-9]+' "$log" | tail -n1 | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    executions=$(grep -E '^#[0-9]+' "$log" | tail -n1 | sed -n 's/^#\([0-9]*\).*/\1/p')
    if [ -z "$counters" ] || [ "$counters" -lt 1000 ]; then
        echo "fuzz-smoke: $name: FAIL: ${counters:-no} coverage counters loaded; instrumentation missing" >&2
        failed=1
        continue
    fi
    if [ -z "$coverage" ] || [ "$coverage" -lt "$minimum_coverage" ]; then
        echo "fuzz-smoke: $name: FAIL: coverage ${coverage:-unknown} below $minimum_coverage edges" >&2
        tail -n 20 "$log" >&2
        failed=1
        continue
    fi
    echo "fuzz-smoke: $name: ok: $executions inputs in ${seconds}s, $coverage edges of $counters counters, no findings"
done
exit "$failed"
