#!/usr/bin/env bash
# docs/man/tractionctl.1 from tractionctl's own command definitions:
# swift-argument-parser's generate-manual plugin writes the page, then the
# plugin's generic EXIT STATUS section gets tractionctl's sysexits table
# (printed by `tractionctl exit-statuses --mdoc` from the same Swift table
# the program exits by).
#
#   scripts/man-page.sh           regenerate docs/man/tractionctl.1 (commit it)
#   scripts/man-page.sh --check   fail when the committed page is not current
#                                 (scripts/checks/man-page.sh; the .Dd date is ignored)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

committed=docs/man/tractionctl.1
generated="$(mktemp)"
trap 'rm -f "$generated"' EXIT

swift package plugin generate-manual --configuration debug --authors "the tractiond maintainers" >/dev/null
page=.build/plugins/GenerateManual/outputs/tractionctl/tractionctl.1
statuses="$(mktemp)"
trap 'rm -f "$generated" "$statuses"' EXIT
"$(swift build --show-bin-path)/tractionctl" exit-statuses --mdoc > "$statuses"

# Keep the standard sentence (.Ex -std) and list every status after it.
awk -v statuses="$statuses" '
    { print }
    /^\.Sh "EXIT STATUS"/ { in_exit = 1; next }
    in_exit && /^\.Ex -std/ {
        print "The statuses follow sysexits(3):"
        while ((getline line < statuses) > 0) print line
        in_exit = 0
    }
' "$page" > "$generated"

if [ "${1:-}" = "--check" ]; then
    if ! diff -u -I '^\.Dd ' "$committed" "$generated"; then
        echo "man-page: $committed is not current; run scripts/man-page.sh and commit the result" >&2
        exit 1
    fi
    echo "man-page: $committed is current"
else
    cp "$generated" "$committed"
    echo "wrote $committed"
fi
