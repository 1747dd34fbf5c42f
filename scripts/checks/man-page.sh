#!/usr/bin/env bash
# The committed tractionctl man page matches the command definitions.
set -euo pipefail
exec "$(dirname "$0")/../man-page.sh" --check
