# tractiond: build, test, demo, benchmarks and fuzzing.
# Every target installs what is missing first (scripts/install-deps.sh), so a
# fresh Debian machine with the Swift toolchain needs nothing done by hand.

SWIFT ?= swift
export PATH := $(PATH):/opt/swift/usr/bin

.PHONY: all deps build test demo bench fuzz clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

# Unit, property, scenario and system tests, then the checks in scripts/checks/
# (model checking, fuzz smoke run, shipped programs). Keep under ~15 min on 2 cores.
test: deps
	@scripts/test.sh

# Builds everything and runs a simulated treatment end to end.
demo: deps
	@scripts/demo.sh

# Long-running measurements; each prints its figure beside its goal.
bench: deps
	@scripts/bench.sh

# Long fuzzing runs (the bounded smoke run is part of `make test`).
fuzz: deps
	@scripts/fuzz.sh

clean:
	rm -rf .build .build-*
