#!/usr/bin/env bash
# WeasyPrint (the progress reports' PDF) draws text with Pango; install it and a font from Debian's packages when
# missing.
set -euo pipefail
missing=()
ldconfig -p | grep -q 'libpango-1\.0\.so\.0' || missing+=(libpango-1.0-0)
ldconfig -p | grep -q 'libpangoft2-1\.0\.so\.0' || missing+=(libpangoft2-1.0-0)
command -v fc-list >/dev/null && fc-list | grep -qi 'dejavu\|liberation' || missing+=(fonts-dejavu-core)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "The PDF reports need ${missing[*]}: run 'sudo apt-get install ${missing[*]}' once." >&2
  exit 1
fi
