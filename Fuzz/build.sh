#!/usr/bin/env bash
# Builds the libFuzzer binary for the wire frame decoder into .build/fuzz/.
#
# One module per swiftc call, every call with the single flag
# -sanitize=fuzzer,address (PLATFORM.md: the two-flag SwiftPM form can silently
# drop the coverage instrumentation). TractionDevice and TractionWire are
# compiled as static libraries so that their `import` lines stay as they are.
# Prints the path of the binary on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

OUT=.build/fuzz
mkdir -p "$OUT"
# Up to date: nothing it is built from is newer than the binary.
if [ -x "$OUT/fuzz-frame-decoder" ] && [ -z "$(find Sources/TractionDevice Sources/TractionWire Fuzz/FuzzFrameDecoder.swift \
        Fuzz/build.sh -newer "$OUT/fuzz-frame-decoder" -print -quit)" ]; then
    echo "$OUT/fuzz-frame-decoder"
    exit 0
fi
FLAGS=(-sanitize=fuzzer,address -parse-as-library -O -wmo -g -swift-version 6)

module() {
    local name=$1
    swiftc "${FLAGS[@]}" -module-name "$name" -emit-library -static -emit-module \
        -emit-module-path "$OUT/$name.swiftmodule" -I "$OUT" \
        -o "$OUT/lib$name.a" Sources/"$name"/*.swift
}

module TractionDevice
module TractionWire
swiftc "${FLAGS[@]}" -use-ld=lld -I "$OUT" -L "$OUT" -lTractionWire -lTractionDevice -lm \
    -o "$OUT/fuzz-frame-decoder" Fuzz/FuzzFrameDecoder.swift >&2
echo "$OUT/fuzz-frame-decoder"
