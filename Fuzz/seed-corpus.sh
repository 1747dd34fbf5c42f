#!/usr/bin/env bash
# Writes every worked example of docs/wire-protocol.md ("```hex example=NAME
# part=wire" blocks) into directory $1, one file per frame, as seeds for the
# fuzzer, plus all of them back to back.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1
mkdir -p "$dir"
awk -v dir="$dir" '
    /^```hex example=.* part=wire/ { split($2, kv, "="); name = kv[2]; hex = ""; inblock = 1; next }
    inblock && /^```/ { print hex > (dir "/" name ".hex"); inblock = 0; next }
    inblock { hex = hex " " $0 }
' docs/wire-protocol.md
for hexfile in "$dir"/*.hex; do
    # printf's \xHH escapes turn hex into bytes without xxd (not always installed).
    escaped=$(tr -s ' \n' ' ' < "$hexfile" | sed -E 's/ *([0-9a-fA-F]{2})/\\x\1/g; s/ //g')
    printf '%b' "$escaped" > "${hexfile%.hex}.bin"
    rm "$hexfile"
done
cat "$dir"/*.bin > "$dir/all-examples.bin"
