#!/usr/bin/env bash
# The meeting package converts Office papers (Word, Excel, PowerPoint) to PDF with LibreOffice in headless mode;
# install Debian's packages without a desktop (the -nogui builds) when missing.
set -euo pipefail
packages=(libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui)
command -v soffice >/dev/null && dpkg -s "${packages[@]}" >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
else
  echo "The meeting package needs LibreOffice: run 'sudo apt-get install ${packages[*]}' once." >&2
  exit 1
fi
