#!/usr/bin/env bash
# Fetches the Government of Canada design system's built files (and htmx) into static/vendor/
# (never committed).
# `npm pack` downloads each package's tarball alone, without its build-time dependency tree.
set -euo pipefail
cd "$(dirname "$0")/.."

COMPONENTS=@gcds-core/components@1.3.1
SHORTCUTS=@gcds-core/css-shortcuts@1.2.0
FONTS=@gcds-core/fonts@1.1.1
# htmx: partial page updates (reorder, RSVP, comment) without full reloads.
HTMX=htmx.org@2.0.11
dest=static/vendor
stamp="$dest/.gcds-$(cat "$0" | md5sum | cut -c1-12)"
[ -f "$stamp" ] && exit 0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$COMPONENTS" "$SHORTCUTS" "$FONTS" "$HTMX" >/dev/null)
for tgz in "$work"/*.tgz; do
  name=$(basename "$tgz" .tgz)
  mkdir -p "$work/$name" && tar xzf "$tgz" -C "$work/$name"
done

rm -rf "$dest" && mkdir -p "$dest/gcds" "$dest/fonts" "$dest/shortcuts" "$dest/htmx"
cp -r "$work"/gcds-core-components-*/package/dist/gcds/. "$dest/gcds/"
cp "$work"/gcds-core-css-shortcuts-*/package/dist/gcds-css-shortcuts.min.css "$dest/shortcuts/"
cp -r "$work"/gcds-core-fonts-*/package/fonts/. "$dest/fonts/"
cp "$work"/htmx.org-*/package/dist/htmx.min.js "$dest/htmx/"

# Serve fonts from the portal itself: no request leaves for a font CDN (privacy, and the CSP).
for css in "$dest/gcds/gcds.css" "$dest/shortcuts/gcds-css-shortcuts.min.css"; do
  sed -i -E -e 's#@import url\("?https://fonts.googleapis.com[^)]*\);?##g' \
            -e 's#https://cdn.design-system.canada.ca/@gcds-core/fonts@[0-9.]*/#../fonts/#g' "$css"
  if grep -q "url(\"\?https://" "$css"; then
    echo "vendor-gcds: $css still loads something from the internet" >&2; exit 1
  fi
done
# The fonts' stylesheets ship with placeholders for their own folder ("path/to/file/", "<path-to-file>/"): the font
# files sit beside them. A placeholder left in a url() would break the production build's manifest.
for css in "$dest"/fonts/*/*.css; do sed -i -e 's#path/to/file/##g' -e 's#<path-to-file>/##g' "$css"; done
if grep -l -E 'url\([^)]*(path-to-file|path/to/file)' "$dest"/fonts/*/*.css "$dest"/gcds/*.css; then
  echo "vendor-gcds: a stylesheet above still names a placeholder path" >&2; exit 1
fi
touch "$stamp"
echo "Design system files in $dest"
