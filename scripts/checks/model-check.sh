#!/usr/bin/env bash
# Verifies the interlock transition table exhaustively with spin, and checks
# that the committed state diagram is the one the table generates.
#
# `interlock-model promela` writes a Promela model from the same table the
# safety kernel runs on (see Sources/InterlockModel/PromelaModel.swift for
# what the model asserts). This script compiles spin's verifier and runs
#   1. a safety search without never claims: assertions and invalid end states;
#   2. one search per LTL claim in the model, with acceptance cycles (-a).
# Any error, assertion or claim violation, or a truncated search fails it.
# The whole run takes about a second.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/opt/swift/usr/bin"

fail() { echo "model-check: $*" >&2; exit 1; }

for tool in spin gcc dot; do
    command -v "$tool" >/dev/null || fail "$tool is missing; run scripts/install-deps.sh"
done

build_log="$(mktemp)"
if ! swift build --product interlock-model > "$build_log" 2>&1; then
    cat "$build_log" >&2
    rm -f "$build_log"
    fail "interlock-model does not build"
fi
rm -f "$build_log"
model_tool="$(swift build --show-bin-path)/interlock-model"

# The diagram must match the table: regenerate it with
#   interlock-model dot > docs/interlock-states.dot && dot -Tsvg docs/interlock-states.dot -o docs/interlock-states.svg
if ! "$model_tool" dot | diff -u docs/interlock-states.dot - ; then
    fail "docs/interlock-states.dot differs from the transition table; regenerate it (see above)"
fi
# The rendering must be of the committed source (comments carry the Graphviz version; ignored).
[ -s docs/interlock-states.svg ] || fail "docs/interlock-states.svg is missing"
if ! diff <(dot -Tsvg docs/interlock-states.dot | grep -v '^<!--') <(grep -v '^<!--' docs/interlock-states.svg) >/dev/null; then
    fail "docs/interlock-states.svg is not the rendering of docs/interlock-states.dot; re-render it (see above)"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$model_tool" promela > "$work/interlock.pml"
cd "$work"

spin -a interlock.pml > spin.log 2>&1 || { cat spin.log >&2; fail "spin -a rejected the model"; }

# A search passes only when pan says "errors: 0" and reports nothing worse:
# pan prints a found violation as "pan:1: <what> (at depth N)".
check_search() {
    local log="$1"
    if ! grep -q "errors: 0" "$log" \
        || grep -qE "^pan:[0-9]+:|^pan: error|Search not completed|max search depth too small|VECTORSZ|out of memory" "$log"; then
        cat "$log" >&2
        fail "spin found a problem ($log)"
    fi
}

gcc -O2 -DNOCLAIM -o pan-safety pan.c
./pan-safety -m200000 > safety.log 2>&1 || true
check_search safety.log
echo "model-check: assertions and end states hold ($(grep -oE '[0-9]+ states, stored' safety.log))"

gcc -O2 -o pan-ltl pan.c
claims=$(grep -oE '^ltl [a-z_]+' interlock.pml | awk '{print $2}')
[ -n "$claims" ] || fail "the model has no LTL claims"
for claim in $claims; do
    ./pan-ltl -a -m200000 -N "$claim" > "ltl-$claim.log" 2>&1 || true
    check_search "ltl-$claim.log"
    echo "model-check: LTL $claim holds"
done
