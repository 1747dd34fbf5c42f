#!/usr/bin/env bash
# Control socket benchmarks (issue 6, section 8), against the real daemon in
# simulation: status round trip p99 (<= 1 ms); 64 subscribers at 50 Hz during
# a session against none in the same run (lateness and overruns unchanged);
# RSS (<= 30 MB) and CPU (<= 3 % of a core at 250 Hz) during a session.
#
# The daemon measured is built as `make install` ships it: release, with the
# Swift runtime linked statically (its own scratch path, so the development
# build in .build is left alone). BENCH_DYNAMIC=1 measures the development
# build (Swift runtime as shared libraries) instead.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/opt/swift/usr/bin"

swift build -c release --product traction-controlbench || exit 1
bin="$(swift build -c release --show-bin-path)"
if [ "${BENCH_DYNAMIC:-0}" = 1 ]; then
    swift build -c release --product tractiond || exit 1
    daemon="$bin/tractiond"
    echo "daemon: $daemon (development build, Swift runtime as shared libraries)"
else
    swift build -c release --static-swift-stdlib --scratch-path .build/static --product tractiond || exit 1
    daemon="$(swift build -c release --static-swift-stdlib --scratch-path .build/static --show-bin-path)/tractiond"
    echo "daemon: $daemon (as installed: release, Swift runtime linked statically)"
fi
# --load: the lateness windows with the other core busy (see the bench's header).
"$bin/traction-controlbench" --daemon "$daemon" --programs "$(pwd)/Config/programs" --seconds "${BENCH_SECONDS:-10}" --load
