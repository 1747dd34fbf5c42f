# The fuzzing targets and how each runs; sourced by scripts/fuzz.sh and
# scripts/checks/fuzz-smoke.sh. One line per target:
#   NAME  BUILD  SEEDS  ASAN_OPTIONS  SMOKE_SECONDS  MINIMUM_COVERAGE
# BUILD is how to get the binary (`frame` for Fuzz/build.sh, otherwise the
# product of Fuzz/Package.swift). SEEDS is the committed seed corpus (or
# `frame-examples`: written from docs/wire-protocol.md). MINIMUM_COVERAGE is
# far below what a healthy run reaches within seconds and far above what an
# uninstrumented binary shows.
#
# Leak detection is off for two targets, and why:
# - configuration: TOMLKit leaks a few dozen bytes at every parse (its
#   TOMLTable(string:) error buffer and its `keys` array), a third party's;
# - control-request: the daemon under test lives across inputs (its session
#   records and alarm list grow by design), which the per-input leak check
#   would take for leaks and, with ASan's bookkeeping, slow tenfold.
FUZZ_TARGETS=(
    "frame-decoder        frame               frame-examples               detect_leaks=1 10 400"
    "program              FuzzProgram         Fuzz/Corpus/program          detect_leaks=1 15 2000"
    "configuration        FuzzConfiguration   Fuzz/Corpus/configuration    detect_leaks=0 15 3000"
    "control-request      FuzzControlRequest  Fuzz/Corpus/control-request  detect_leaks=0 20 4500"
)

# Prints the binary of BUILD on stdout (building it when needed).
fuzz_binary() {
    if [ "$1" = frame ]; then Fuzz/build.sh; else Fuzz/build-target.sh "$1"; fi
}

# Writes the seeds of SEEDS into directory $2.
fuzz_seeds() {
    mkdir -p "$2"
    if [ "$1" = frame-examples ]; then Fuzz/seed-corpus.sh "$2"; else cp "$1"/* "$2"/; fi
}
