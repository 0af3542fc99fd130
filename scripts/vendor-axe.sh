#!/usr/bin/env bash
# The accessibility checker the browser tests run in each page (axe-core), under var/axe/ (never committed,
# never served by the portal).
set -euo pipefail
cd "$(dirname "$0")/.."
AXE=axe-core@4.14.1
dest=var/axe
stamp="$dest/.$(echo "$AXE" | md5sum | cut -c1-12)"
[ -f "$stamp" ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$AXE" >/dev/null && tar xzf axe-core-*.tgz)
rm -rf "$dest" && mkdir -p "$dest"
cp "$work/package/axe.min.js" "$dest/axe.min.js"
touch "$stamp"
