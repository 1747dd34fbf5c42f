#!/usr/bin/env bash
# Long fuzzing run of the wire frame decoder (`make fuzz`).
#
#   FUZZ_SECONDS   run time (default 1800)
#   FUZZ_JOBS      parallel fuzzing processes (default 1; the machine has 2 cores)
#
# The corpus grows in .build/fuzz/corpus across runs; reproducers of any
# finding go to .build/fuzz/findings/. Replay one with
#   SWIFT_BACKTRACE=enable=no .build/fuzz/fuzz-frame-decoder FILE
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

binary=$(Fuzz/build.sh)
mkdir -p .build/fuzz/corpus .build/fuzz/findings
Fuzz/seed-corpus.sh .build/fuzz/seeds
SWIFT_BACKTRACE=enable=no exec "$binary" -max_total_time="${FUZZ_SECONDS:-1800}" \
    -jobs="${FUZZ_JOBS:-1}" -workers="${FUZZ_JOBS:-1}" -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix=.build/fuzz/findings/ .build/fuzz/corpus .build/fuzz/seeds
