#!/usr/bin/env bash
# Control socket benchmarks (issue 6, section 8), against the real daemon in
# simulation: status round trip p99 (<= 1 ms); 64 subscribers at 50 Hz during
# a session against none in the same run (lateness and overruns unchanged);
# RSS (<= 30 MB) and CPU (<= 3 % of a core at 250 Hz) during a session.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/opt/swift/usr/bin"

swift build -c release --product tractiond || exit 1
swift build -c release --product traction-controlbench || exit 1
bin="$(swift build -c release --show-bin-path)"
# --load: the lateness windows with the other core busy (see the bench's header).
"$bin/traction-controlbench" --daemon "$bin/tractiond" --programs "$(pwd)/Config/programs" --seconds "${BENCH_SECONDS:-10}" --load
