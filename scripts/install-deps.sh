#!/usr/bin/env bash
# Installs the Debian packages that building and testing tractiond need, and
# only those that are missing. Safe to run again; CI runs it on a clean machine.
#
#   libserialport-dev  serial transport (CLibSerialPort system library target)
#   libsqlite3-dev     treatment records (GRDB links the system SQLite)
#   spin               exhaustive model checking of the interlock table
#   graphviz           renders the interlock state diagram to SVG
#   socat, tmux        serial bridges and terminal checks in the system tests
#   pkg-config         lets SwiftPM find libserialport
#   systemd            systemd-analyze, systemd-sysusers, systemd-tmpfiles (unit checks)
#   systemd-container  systemd-nspawn: the system test boots a real systemd
set -euo pipefail

PACKAGES=(pkg-config libserialport-dev libsqlite3-dev spin graphviz socat tmux systemd systemd-container)

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
