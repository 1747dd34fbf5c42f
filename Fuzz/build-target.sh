#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/Package.swift and prints the path of
# the one named.
#
#   Fuzz/build-target.sh FuzzProgram
#
# Release, with coverage instrumentation and AddressSanitizer for the Swift
# code given as the single flag -sanitize=fuzzer,address (PLATFORM.md: the
# two-flag form can silently drop the coverage instrumentation); the C and
# C++ code (libyaml, toml++) gets SwiftPM's fuzzer coverage. All targets are
# built together (they share every module but their own), in
# .build/fuzz-spm, apart from the ordinary build.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
product=$1
scratch=.build/fuzz-spm
build() {
    swift build --package-path Fuzz --scratch-path "$scratch" -c release \
        --sanitize fuzzer -Xswiftc -sanitize=fuzzer,address 2>&1
}
if ! output=$(build); then
    # SwiftPM keeps a stale build description when a source file of the
    # parent package is removed or a product added; rebuilt from scratch once.
    if grep -q -e "missing inputs" -e "No target named" <<<"$output"; then
        rm -f "$scratch/release.yaml" "$scratch/release/description.json"
        output=$(build) || { echo "$output" >&2; exit 1; }
    else
        echo "$output" >&2
        exit 1
    fi
fi
echo "$output" | tail -n 1 >&2
echo "$(swift build --package-path Fuzz --scratch-path "$scratch" -c release --show-bin-path)/$product"
