#!/usr/bin/env bash
# The benchmark's load generator: wrk from the distribution, installed when missing and we may install it.
set -euo pipefail
command -v wrk >/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
else
  echo "The benchmark needs wrk (Debian/Ubuntu: sudo apt-get install wrk; macOS: brew install wrk)." >&2
  exit 1
fi
