#!/usr/bin/env bash
# Runs every test: `swift test` (Swift Testing and XCTest), then each check in
# scripts/checks/ in name order, and ends with one summary line
# "tests: N passed, M failed" counting the Swift tests and the checks.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

swift build --build-tests || { echo "tests: 0 passed, 1 failed"; exit 1; }
mkdir -p .build

# Swift Testing's closing line: "Test run with N tests in M suites passed|failed ... [with K issues]".
# Runs `swift test` with the given selection; adds to swift_total and swift_failed.
swift_total=0
swift_failed=0
swift_status=0
run_swift_tests() {
    local log="$1"
    shift
    swift test --skip-build "$@" 2>&1 | tee "$log"
    local status=${PIPESTATUS[0]}
    local summary total failed
    summary="$(grep -E 'Test run with [0-9]+ tests' "$log" | tail -1)"
    total="$(echo "$summary" | sed -nE 's/.*Test run with ([0-9]+) tests.*/\1/p')"
    failed="$(grep -cE '^✘ Test .* failed after' "$log" || true)"
    total="${total:-0}"
    if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
    [ "$total" -gt 0 ] || { echo "no Swift test ran in: swift test $*" >&2; failed=$((failed + 1)); }
    swift_total=$((swift_total + total))
    swift_failed=$((swift_failed + failed))
    [ "$status" -eq 0 ] || swift_status=$status
}

# The safety sweeps (Tests/TractionReplayTests/SafetySweepTests.swift) keep
# both cores busy for a couple of minutes; they run on their own, after the
# tests that drive real daemons in real time, so that they never starve a
# control loop under test into overruns.
# The telemetry-rate matrix (TelemetryRateMatrixTests) judges a link's timing
# to the millisecond over a pty; it runs alone as well, so that what it
# measures is the link and not the other tests' load on two cores.
run_swift_tests .build/swift-test.log --skip SafetySweepTests --skip TelemetryRateMatrixTests
run_swift_tests .build/swift-rates.log --filter TelemetryRateMatrixTests
run_swift_tests .build/swift-sweeps.log --filter SafetySweepTests
passed=$((swift_total - swift_failed))
failed=$swift_failed

for check in scripts/checks/*.sh; do
    [ -e "$check" ] || continue
    echo "== check: $check"
    if bash "$check"; then
        passed=$((passed + 1))
    else
        echo "FAILED: $check" >&2
        failed=$((failed + 1))
    fi
done

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$swift_status" -eq 0 ]
