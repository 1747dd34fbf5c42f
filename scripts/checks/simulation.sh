#!/usr/bin/env bash
# The deterministic simulation of the whole daemon (issue 15, docs/simulation.md):
# SIM_SESSIONS seeded sessions (default 10 000) of the real service, control
# loop, engine and safety kernel, link model and plant on a virtual clock,
# on both cores, in a release build. Prints the sessions, simulated hours,
# invariant checks and throughput; fails on any broken invariant, printing
# the one command that replays each failing seed.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/opt/swift/usr/bin"

swift build -c release --product traction-sim >/dev/null || { echo "traction-sim did not build" >&2; exit 1; }
bin="$(swift build -c release --show-bin-path)"
"$bin/traction-sim" run --first "${SIM_FIRST_SEED:-1}" --count "${SIM_SESSIONS:-10000}" --jobs "${SIM_JOBS:-2}"
