# tractiond: build, test, demo, benchmarks and fuzzing.
# Every target installs what is missing first (scripts/install-deps.sh), so a
# fresh Debian machine with the Swift toolchain needs nothing done by hand.

SWIFT ?= swift
export PATH := $(PATH):/opt/swift/usr/bin

.PHONY: all deps build test demo bench soak fuzz clean install install-build install-files

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

# Long soaks: the safety sweeps over their full grids (about an hour on 2 cores).
soak: deps
	@scripts/soak.sh

# Long fuzzing runs of every target of Fuzz/targets.sh, one after the other
# (the bounded smoke runs are part of `make test`).
fuzz: deps
	@scripts/fuzz.sh

# Installation (docs/deployment.md): `make install DESTDIR=/some/root` builds
# release binaries with the Swift standard library linked in (they need no
# toolchain on the target) and copies them with the systemd units, sysusers.d
# and tmpfiles.d files, the example udev rule and the shipped programs.
# `make install-files` copies what was built already, without building;
# with SWIFT_INSTALL_FLAGS= it takes the debug build (the system test does).
PREFIX ?= /usr
SYSCONFDIR ?= /etc
BINDIR = $(PREFIX)/bin
UNITDIR = $(PREFIX)/lib/systemd/system
SYSUSERSDIR = $(PREFIX)/lib/sysusers.d
TMPFILESDIR = $(PREFIX)/lib/tmpfiles.d
DATADIR = $(PREFIX)/share/tractiond
DOCDIR = $(PREFIX)/share/doc/tractiond
SWIFT_INSTALL_FLAGS ?= -c release --static-swift-stdlib
INSTALL_PRODUCTS = tractiond tractionctl tractionemu

install: deps install-build
	@$(MAKE) --no-print-directory install-files

install-build:
	for product in $(INSTALL_PRODUCTS); do $(SWIFT) build $(SWIFT_INSTALL_FLAGS) --product $$product || exit 1; done

install-files:
	@set -e; bin="$$($(SWIFT) build $(SWIFT_INSTALL_FLAGS) --show-bin-path)"; \
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(UNITDIR)" "$(DESTDIR)$(SYSUSERSDIR)" "$(DESTDIR)$(TMPFILESDIR)" \
	    "$(DESTDIR)$(DATADIR)/programs" "$(DESTDIR)$(DOCDIR)/examples" "$(DESTDIR)$(SYSCONFDIR)/tractiond"; \
	for product in $(INSTALL_PRODUCTS); do install -m 0755 "$$bin/$$product" "$(DESTDIR)$(BINDIR)/$$product"; done; \
	install -m 0644 systemd/tractiond.service systemd/tractiond@.service systemd/tractionemu.service "$(DESTDIR)$(UNITDIR)/"; \
	install -m 0644 systemd/sysusers.d/tractiond.conf "$(DESTDIR)$(SYSUSERSDIR)/tractiond.conf"; \
	install -m 0644 systemd/tmpfiles.d/tractiond.conf "$(DESTDIR)$(TMPFILESDIR)/tractiond.conf"; \
	install -m 0644 systemd/udev/70-traction-table.rules systemd/tractiond-emulator.conf "$(DESTDIR)$(DOCDIR)/examples/"; \
	install -m 0644 Config/programs/*.yaml "$(DESTDIR)$(DATADIR)/programs/"; \
	install -m 0644 docs/*.md "$(DESTDIR)$(DOCDIR)/"; \
	for example in Config/*.yaml Config/*.toml; do \
	    [ -e "$$example" ] || continue; \
	    install -m 0644 "$$example" "$(DESTDIR)$(DOCDIR)/examples/"; \
	    target="$(DESTDIR)$(SYSCONFDIR)/tractiond/$$(basename "$$example")"; \
	    [ -e "$$target" ] || install -m 0644 "$$example" "$$target"; \
	done; \
	echo "installed into $(DESTDIR)$(PREFIX) and $(DESTDIR)$(SYSCONFDIR)/tractiond"

clean:
	rm -rf .build .build-*
