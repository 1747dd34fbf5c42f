#!/usr/bin/env bash
# make demo: builds, then runs a simulated treatment end to end.
#  1. tractiond --simulate plays the one-minute demo program in real time
#     against the table-and-patient model (every line says SIMULATED);
#  2. tractionctl replays the same program on a virtual clock with a
#     patient-switch press, and writes a chart of it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

swift build --product tractiond
swift build --product tractionctl
bin="$(swift build --show-bin-path)"
chart="$(pwd)/.build/demo-replay.svg"

echo
echo "== 1. A simulated session in real time (about one minute)"
state="$(pwd)/.build/demo-state"
mkdir -p "$state"
"$bin/tractiond" --simulate --program Config/programs/demo.yaml --weight 75 --patient DEMO-001 --status-interval 5 \
    --state-directory "$state" --program-directory Config/programs

echo
echo "== 2. The same program replayed on a virtual clock, patient switch pressed at 0:40"
"$bin/tractionctl" replay Config/programs/demo.yaml --weight 75 --faults 40s:patient-switch --chart "$chart"
echo
echo "Open the chart in a browser: $chart"
