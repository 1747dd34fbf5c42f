#!/usr/bin/env bash
# Long soaks (`make soak`): the safety sweeps of `make test` over their full
# grids (traction-soak), in a release build. Each sweep prints its runs,
# checks, worst figures and throughput; any violation is printed with the
# `tractionctl replay` command that reproduces it, and the script exits 1.
# SOAK_ARGS passes options to traction-soak (e.g. SOAK_ARGS=--quick).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

swift build -c release --product traction-soak || exit 1
bin="$(swift build -c release --show-bin-path)"
# shellcheck disable=SC2086
status=0
/usr/bin/time -f "traction-soak: %e s wall, %M KiB peak RSS" "$bin/traction-soak" ${SOAK_ARGS:-} || status=1

# The simulation of the whole daemon: SIM_SOAK_SESSIONS seeded sessions
# (default 1 000 000; seeds after the 10 000 of `make test`).
swift build -c release --product traction-sim || exit 1
/usr/bin/time -f "traction-sim: %e s wall, %M KiB peak RSS" \
    "$bin/traction-sim" run --first 10001 --count "${SIM_SOAK_SESSIONS:-1000000}" --jobs "${SIM_JOBS:-2}" || status=1
exit $status
