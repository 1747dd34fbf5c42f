#!/usr/bin/env bash
# Runs every test: `swift test` (XCTest and Swift Testing), then each check in
# scripts/checks/ in name order. Stops at the first failure with its exit code.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

swift build --build-tests
swift test --skip-build 2>&1 | tee .build/swift-test.log
# `swift test` exits non-zero on failure; pipefail carries that through tee.

status=0
for check in scripts/checks/*.sh; do
    [ -e "$check" ] || continue
    echo "== check: $check"
    if ! bash "$check"; then
        echo "FAILED: $check" >&2
        status=1
    fi
done
exit $status
