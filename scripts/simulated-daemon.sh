#!/usr/bin/env bash
# A simulated tractiond whose control socket you can reach as yourself, for
# trying tractionctl (README, "For a clinician"):
#
#   scripts/simulated-daemon.sh [DIR]      # default DIR: /tmp/tractiond-$USER
#
# Writes DIR/tractiond.yaml (socket DIR/run/control.sock, the shipped
# programs, state in DIR/state; a simulated daemon puts the socket in your
# primary group by itself), prints the line to export
# TRACTION_SOCKET, then runs the daemon in the foreground. Ctrl-C stops it;
# any tension is released first. TRACTIOND=/path/to/tractiond runs another build.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

dir="${1:-/tmp/tractiond-$(id -un)}"
if [ -z "${TRACTIOND:-}" ]; then
    swift build --product tractiond >&2
    swift build --product tractionctl >&2
    TRACTIOND="$(swift build --show-bin-path)/tractiond"
fi
mkdir -p "$dir/state"
# The daemon refuses a socket directory others may write to.
chmod 755 "$dir"
cat > "$dir/tractiond.yaml" <<YAML
socket:
  path: $dir/run/control.sock
programs:
  directories: [$(pwd)/Config/programs]
state:
  directory: $dir/state
YAML

echo "In another terminal:  export TRACTION_SOCKET=$dir/run/control.sock" >&2
exec "$TRACTIOND" --simulate --no-realtime --config "$dir/tractiond.yaml"
