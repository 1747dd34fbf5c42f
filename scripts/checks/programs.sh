#!/usr/bin/env bash
# Validates every shipped treatment program with the built tractionctl, as one
# library (no duplicate names), then plans each for a typical patient so a
# program that cannot be shown never ships, and checks that every broken
# fixture is refused. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/opt/swift/usr/bin"

swift build --product tractionctl >/dev/null
bin="$(swift build --show-bin-path)/tractionctl"

shopt -s nullglob
programs=(Config/programs/*.yaml Config/programs/*.yml)
if [ "${#programs[@]}" -eq 0 ]; then
    echo "programs.sh: no programs in Config/programs" >&2
    exit 1
fi

"$bin" programs validate "${programs[@]}"
# Also against the simulated table's narrower axes, as `make demo` and replay play them.
"$bin" programs validate --table simulated "${programs[@]}" >/dev/null

for program in "${programs[@]}"; do
    region="$(sed -n 's/^region:[[:space:]]*\([a-z]*\).*/\1/p' "$program")"
    "$bin" programs show "$program" --weight 75 --region "$region" >/dev/null
done
# And the broken fixtures must each be refused as invalid data (EX_DATAERR).
broken=0
for fixture in Tests/TractionTherapyTests/Fixtures/invalid/*.yaml; do
    status=0
    "$bin" programs validate "$fixture" >/dev/null 2>&1 || status=$?
    if [ "$status" -ne 65 ]; then
        echo "programs.sh: $fixture exited $status, expected 65" >&2
        exit 1
    fi
    broken=$((broken + 1))
done
echo "programs.sh: ${#programs[@]} shipped programs valid, $broken broken fixtures refused"
