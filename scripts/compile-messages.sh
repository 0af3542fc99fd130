#!/usr/bin/env bash
# Builds the compiled French catalogue (locale/fr/LC_MESSAGES/django.mo) from the committed .po file.
# Django's compilemessages needs GNU gettext's msgfmt; install it from Debian's packages when missing.
set -euo pipefail
PY=${1:-.venv/bin/python}
if ! command -v msgfmt >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null
  else
    echo "The French catalogue needs GNU gettext: run 'sudo apt-get install gettext' once." >&2
    exit 1
  fi
fi
"$PY" manage.py compilemessages --ignore=.venv --ignore=var --ignore=static -v0
