#!/usr/bin/env bash
# Runs every test: `swift test` (Swift Testing and XCTest), then each check in
# scripts/checks/ in name order, and ends with one summary line
# "tests: N passed, M failed" counting the Swift tests and the checks.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

swift build --build-tests || { echo "tests: 0 passed, 1 failed"; exit 1; }
mkdir -p .build
swift test --skip-build 2>&1 | tee .build/swift-test.log
swift_status=${PIPESTATUS[0]}

# Swift Testing's closing line: "Test run with N tests in M suites passed|failed ... [with K issues]".
summary="$(grep -E 'Test run with [0-9]+ tests' .build/swift-test.log | tail -1)"
swift_total="$(echo "$summary" | sed -nE 's/.*Test run with ([0-9]+) tests.*/\1/p')"
swift_failed="$(grep -cE '^✘ Test .* failed after' .build/swift-test.log || true)"
swift_total="${swift_total:-0}"
if [ "$swift_status" -ne 0 ] && [ "$swift_failed" -eq 0 ]; then swift_failed=1; fi
passed=$((swift_total - swift_failed))
failed=$swift_failed
[ "$swift_total" -gt 0 ] || { echo "no Swift test ran" >&2; failed=$((failed + 1)); }

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
