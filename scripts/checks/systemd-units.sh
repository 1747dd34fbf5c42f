#!/usr/bin/env bash
# Checks the files in systemd/ as installed by `make install-files` into a
# scratch root:
#   - `systemd-analyze verify` prints nothing on stderr (it exits 0 even on
#     parse errors, so stderr is what counts) for tractiond.service, an
#     instance of tractiond@.service, tractionemu.service, and tractiond.service
#     with the emulator drop-in;
#   - `systemd-analyze security --offline=yes` rates tractiond.service and the
#     template's instance at 2.0 or less (the figure is printed);
#   - systemd-sysusers and systemd-tmpfiles accept their files and create the
#     users, groups and directories.
# Needs the debug binaries (scripts/test.sh builds them first; built here if
# missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/opt/swift/usr/bin"

# The exposure score systemd-analyze gives; lower is better, 10 is worst.
readonly MAX_EXPOSURE=2.0

for tool in systemd-analyze systemd-sysusers systemd-tmpfiles; do
    command -v "$tool" >/dev/null || { echo "systemd-units: $tool is missing (scripts/install-deps.sh)" >&2; exit 1; }
done

bin="$(swift build --show-bin-path)"
for product in tractiond tractionctl tractionemu; do
    [ -x "$bin/$product" ] || swift build --product "$product" >/dev/null
done

root="$(mktemp -d /tmp/tractiond-units.XXXXXX)"
trap 'rm -rf "$root"' EXIT
make -s install-files DESTDIR="$root" SWIFT_INSTALL_FLAGS= >/dev/null
# verify resolves every dependency (sysinit.target, basic.target, ...) inside
# --root, so the distribution's own units go there too, without replacing ours.
cp -rn /usr/lib/systemd/system/. "$root/usr/lib/systemd/system/"
# tractionemu.service runs /bin/sh for its start-up wait; verify checks that
# every command exists under --root.
ln -s usr/bin "$root/bin"
cp "$(readlink -f /bin/sh)" "$root/usr/bin/sh"

failures=0
fail() { echo "systemd-units: FAIL: $*" >&2; failures=$((failures + 1)); }

verify() {
    local unit="$1" errors
    if ! errors="$(systemd-analyze verify --root="$root" "$unit" 2>&1 >/dev/null)"; then
        fail "systemd-analyze verify $unit exited non-zero: $errors"
    elif [ -n "$errors" ]; then
        fail "systemd-analyze verify $unit wrote to stderr:"$'\n'"$errors"
    else
        echo "systemd-units: verify $unit: clean"
    fi
}

exposure() {
    local unit="$1" line score
    line="$(systemd-analyze security --offline=yes --root="$root" "$unit" 2>&1 | grep 'Overall exposure level' || true)"
    score="$(sed -nE 's/.*Overall exposure level for [^:]+: ([0-9]+\.[0-9]+).*/\1/p' <<<"$line")"
    if [ -z "$score" ]; then
        fail "no exposure figure from systemd-analyze security for $unit"
        return
    fi
    if awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }'; then
        echo "systemd-units: security $unit: exposure $score (limit $MAX_EXPOSURE)"
    else
        fail "security $unit: exposure $score is above $MAX_EXPOSURE"
    fi
}

verify tractiond.service
verify tractiond@table1.service
verify tractionemu.service
exposure tractiond.service
exposure tractiond@table1.service

# The daemon as the emulator drop-in changes it (the system test runs it so).
mkdir -p "$root/etc/systemd/system/tractiond.service.d"
cp systemd/tractiond-emulator.conf "$root/etc/systemd/system/tractiond.service.d/emulator.conf"
verify tractiond.service
exposure tractiond.service
rm -r "$root/etc/systemd/system/tractiond.service.d"

# sysusers.d and tmpfiles.d: accepted, and they create what the units use.
if ! out="$(systemd-sysusers --root="$root" 2>&1)"; then
    fail "systemd-sysusers: $out"
elif grep -vE '^Creating (user|group) ' <<<"$out" | grep -q .; then
    fail "systemd-sysusers complained: $out"
fi
for group in traction traction-view traction-clinic traction-tech traction-admin; do
    grep -q "^$group:" "$root/etc/group" || fail "sysusers.d did not create group $group"
done
grep -q '^tractiond:' "$root/etc/passwd" || fail "sysusers.d did not create user tractiond"
if ! out="$(systemd-tmpfiles --root="$root" --create tractiond.conf 2>&1)" || [ -n "$out" ]; then
    fail "systemd-tmpfiles: $out"
fi
[ -d "$root/etc/tractiond/programs" ] || fail "tmpfiles.d did not create /etc/tractiond/programs"
state_mode="$(stat -c %a "$root/var/lib/tractiond" 2>/dev/null || echo missing)"
[ "$state_mode" = 700 ] || fail "tmpfiles.d: /var/lib/tractiond is $state_mode, expected 700"

# The udev rule: every line is a comment or a rule naming traction-table.
if grep -vE '^(#|$)' systemd/udev/70-traction-table.rules | grep -vq 'SYMLINK+="traction-table"'; then
    fail "udev rule: a rule line does not create /dev/traction-table"
fi

if [ "$failures" -gt 0 ]; then
    echo "systemd-units: $failures failure(s)" >&2
    exit 1
fi
echo "systemd-units: all checks passed"
