#!/usr/bin/env bash
# The W3C's Nu Html Checker (vnu.jar, run with Java 17) that the HTML validity tests run over the portal's pages,
# under var/vnu/ (never committed, never served by the portal).
set -euo pipefail
cd "$(dirname "$0")/.."
VNU=vnu-jar@26.9.27
dest=var/vnu
stamp="$dest/.$(echo "$VNU" | md5sum | cut -c1-12)"
[ -f "$stamp" ] && exit 0
if ! command -v java >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends default-jre-headless >/dev/null
  else
    echo "The HTML checker needs Java: run 'sudo apt-get install default-jre-headless' once." >&2
    exit 1
  fi
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$VNU" >/dev/null && tar xzf vnu-jar-*.tgz)
rm -rf "$dest" && mkdir -p "$dest"
cp "$work/package/build/dist/vnu.jar" "$dest/vnu.jar"
touch "$stamp"
