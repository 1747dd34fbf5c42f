#!/usr/bin/env bash
# Bounded fuzzing of the wire frame decoder, part of `make test`.
#
# Fails when the fuzzer finds a crash or a broken invariant (see
# Fuzz/FuzzFrameDecoder.swift), and also when the run proves nothing: a binary
# without coverage instrumentation, or a run that never reaches the payload
# parsers, fails instead of passing blind.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/opt/swift/usr/bin"

SECONDS_TO_RUN=${FUZZ_SMOKE_SECONDS:-20}
# Far below what a healthy run reaches (about 700 edges within seconds), far
# above what an uninstrumented or CRC-blocked run shows.
MINIMUM_COVERAGE=${FUZZ_SMOKE_MINIMUM_COVERAGE:-400}

binary=$(Fuzz/build.sh)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
Fuzz/seed-corpus.sh "$work/seeds"
mkdir -p "$work/corpus" "$work/artifacts"

status=0
SWIFT_BACKTRACE=enable=no "$binary" -max_total_time="$SECONDS_TO_RUN" -seed=1 -rss_limit_mb=2048 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" "$work/seeds" > "$work/log" 2>&1 || status=$?

if [ "$status" -ne 0 ]; then
    tail -n 60 "$work/log" >&2
    mkdir -p .build/fuzz/findings
    cp "$work"/artifacts/* .build/fuzz/findings/ 2>/dev/null || true
    echo "fuzz-smoke: FAIL: the fuzzer exited with $status; reproducer(s) in .build/fuzz/findings/" >&2
    exit 1
fi
if grep -q "no interesting inputs" "$work/log"; then
    echo "fuzz-smoke: FAIL: libFuzzer reports no coverage; the binary is not instrumented" >&2
    exit 1
fi
counters=$(sed -n 's/.*Loaded 1 modules *(\([0-9]*\) inline 8-bit counters.*/\1/p' "$work/log" | head -n1)
coverage=$(grep -E '^#[0-9]+' "$work/log" | tail -n1 | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
executions=$(grep -E '^#[0-9]+' "$work/log" | tail -n1 | sed -n 's/^#\([0-9]*\).*/\1/p')
if [ -z "$counters" ] || [ "$counters" -lt 1000 ]; then
    echo "fuzz-smoke: FAIL: ${counters:-no} coverage counters loaded; instrumentation missing" >&2
    exit 1
fi
if [ -z "$coverage" ] || [ "$coverage" -lt "$MINIMUM_COVERAGE" ]; then
    echo "fuzz-smoke: FAIL: coverage ${coverage:-unknown} below $MINIMUM_COVERAGE edges" >&2
    tail -n 20 "$work/log" >&2
    exit 1
fi
echo "fuzz-smoke: ok: $executions inputs in ${SECONDS_TO_RUN}s, $coverage edges of $counters counters, no findings"
