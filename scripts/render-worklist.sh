#!/usr/bin/env bash
# Renders the worklist page of SampleData with headless Chromium (Debian's `chromium` package) to a
# PNG, to check that the page displays in a real browser. Writes Docs/worklist.png.
# Usage: scripts/render-worklist.sh [radtriage binary]   (default .build/release/radtriage)
set -euo pipefail
cd "$(dirname "$0")/.."
radtriage=${1:-.build/release/radtriage}
command -v chromium >/dev/null || { sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq chromium; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$radtriage" run --studies SampleData --out "$out" --config Docs/radtriage.example.yaml --now 2026-11-23T10:00:00Z || [ $? -eq 1 ]
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,620 \
  --screenshot="$PWD/Docs/worklist.png" "file://$out/worklist.html" 2>/dev/null
echo "wrote Docs/worklist.png"
