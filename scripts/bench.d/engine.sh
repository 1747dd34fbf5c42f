#!/usr/bin/env bash
# Engine benchmarks (engine issue, "Benchmarks"):
#  - allocations per tick: 0 (ordo-one/benchmark with its malloc interposer,
#    over the engine step plus the simulated table, at a steady hold);
#  - replay speed: a 30-minute program in <= 1 s;
#  - force tracking on every shipped program, disturbances included.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/opt/swift/usr/bin"
status=0

swift build -c release --product traction-enginebench || exit 1
"$(swift build -c release --show-bin-path)/traction-enginebench" --seeds "${BENCH_SEEDS:-3}" "$(pwd)" || status=1

echo "== allocations per tick (Benchmarks/, malloc interposer)"
out="$(cd Benchmarks && swift package benchmark --no-progress 2>&1)" || { echo "$out"; exit 1; }
echo "$out" | grep -v '^$' | sed -n '/^TickBenchmarks/,$p'
python3 - "$out" <<'PY' || status=1
import sys
text = sys.argv[1].splitlines()
name, worst, found = None, 0, 0
for line in text:
    if line and not line.startswith(("│", "╒", "╞", "├", "╘", "=")) and "Malloc" not in line:
        name = line.strip()
    if line.startswith("│ Malloc (total)"):
        cells = [c.strip() for c in line.strip("│").split("│")]
        p100 = int(cells[7].replace(",", ""))
        found += 1
        verdict = "MET" if p100 == 0 else "NOT MET"
        print(f"allocations per tick, {name}: worst sample {p100}; goal 0: {verdict}")
        worst = max(worst, p100)
if found == 0:
    print("allocations per tick: no malloc figures found in the benchmark output: NOT MET")
    sys.exit(1)
sys.exit(0 if worst == 0 else 1)
PY
exit $status
