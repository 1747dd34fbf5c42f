#!/usr/bin/env bash
# Benchmarks. Each prints its figure beside its goal; the script exits non-zero
# when a goal is not met, after running all of them.
# Set BENCH_SECONDS to shorten or lengthen the timed runs (default 10 s).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
seconds="${BENCH_SECONDS:-10}"
status=0

swift build -c release --product traction-loopbench || exit 1
bin="$(swift build -c release --show-bin-path)"

echo "== control loop lateness (ARCHITECTURE: absolute deadlines, SCHED_FIFO, mlockall)"
"$bin/traction-loopbench" --rate 250 --seconds "$seconds" || status=1
"$bin/traction-loopbench" --rate 250 --seconds "$seconds" --load || status=1
"$bin/traction-loopbench" --rate 1000 --seconds "$seconds" --load || status=1

for bench in scripts/bench.d/*.sh; do
    [ -e "$bench" ] || continue
    echo "== $bench"
    bash "$bench" || status=1
done
exit $status
