#!/usr/bin/env bash
# The serial link's benchmarks (issue 5): decoder throughput on one core and
# command-to-telemetry latency over a pty to tractionemu. Each figure is
# printed beside its goal; exits non-zero when one is missed.
# BENCH_SECONDS sets the latency run's length (default 10 s).
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/opt/swift/usr/bin"
swift build -c release --product traction-linkbench || exit 1
swift build -c release --product tractionemu || exit 1
bin="$(swift build -c release --show-bin-path)"
# The decoder figure is measured on one thread, hence one core.
exec "$bin/traction-linkbench" --seconds "${BENCH_SECONDS:-10}"
