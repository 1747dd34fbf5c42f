#!/usr/bin/env bash
# Exercises TractionSerial's libserialport code path without serial hardware
# (PLATFORM.md, "Serial ports"):
#   - socat makes a linked pair of ptys;
#   - inside a private mount namespace (unshare -m), one pty is bind-mounted
#     over a tty name that sysfs knows (default /dev/tty20), so that
#     libserialport's sp_get_port_by_name accepts it;
#   - a test-only LD_PRELOAD shim makes the four modem-control ioctls succeed
#     where the kernel answers ENOTTY, so that sp_open accepts a pty;
#   - SerialLoopbackProbe opens that name with the libserialport backend only
#     and the other pty with termios, and round-trips bytes and wire frames
#     both ways.
# The bind mount is invisible outside the namespace and ends with it.
#
# Needs root, unshare, mount, socat and a C compiler (the Swift toolchain's
# clang will do). If any is missing the
# check FAILS and says why: it never passes without having run.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/opt/swift/usr/bin"

TTY_NAME=${LIBSERIALPORT_CHECK_TTY:-tty20}
fail() { echo "libserialport-path: FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "needs root for unshare -m and mount --bind (run make test as root)"
for tool in unshare mount socat; do
    command -v "$tool" > /dev/null || fail "'$tool' is not installed (scripts/install-deps.sh installs socat)"
done
CC=${CC:-$(command -v clang || command -v cc || true)}
[ -n "$CC" ] || fail "no C compiler (clang or cc) to build the ioctl shim"
[ -e "/sys/class/tty/$TTY_NAME" ] || fail "/sys/class/tty/$TTY_NAME does not exist; set LIBSERIALPORT_CHECK_TTY to a tty sysfs knows"
[ -c "/dev/$TTY_NAME" ] || fail "/dev/$TTY_NAME is not a character device to bind over"

swift build --product SerialLoopbackProbe > /dev/null || fail "cannot build SerialLoopbackProbe"
probe="$(swift build --show-bin-path)/SerialLoopbackProbe"

work=$(mktemp -d)
socat_pid=""
cleanup() {
    [ -n "$socat_pid" ] && kill "$socat_pid" 2> /dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$CC" -shared -fPIC -O2 -Wall -Werror -o "$work/modem-control-shim.so" \
    Tests/TractionSerialTests/ModemControlShim/modem_control_shim.c -ldl || fail "cannot build the ioctl shim"

socat "pty,raw,echo=0,link=$work/port" "pty,raw,echo=0,link=$work/peer" 2> "$work/socat.log" &
socat_pid=$!
for _ in $(seq 50); do
    [ -e "$work/port" ] && [ -e "$work/peer" ] && break
    sleep 0.1
done
[ -e "$work/port" ] && [ -e "$work/peer" ] || fail "socat made no pty pair: $(cat "$work/socat.log")"
port_pty=$(readlink -f "$work/port")

# Inside the namespace: make mounts private, bind the pty over the tty name,
# and run the probe with the shim preloaded for it alone.
unshare -m bash -euo pipefail -c '
    mount --make-rprivate /
    mount --bind "$1" "/dev/$2"
    LD_PRELOAD="$3" "$4" "/dev/$2" "$5"
' libserialport-path "$port_pty" "$TTY_NAME" "$work/modem-control-shim.so" "$probe" "$work/peer" \
    || fail "round trip through libserialport on /dev/$TTY_NAME failed (see above)"
echo "libserialport-path: ok: libserialport round trip over /dev/$TTY_NAME (bind-mounted pty) in both directions"
