"""The French catalogue is complete: every interface string translated, nothing fuzzy, placeholders intact, and
nothing in the code that the catalogue does not know."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(CATALOGUE))


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue):
    live = [entry for entry in catalogue if not entry.obsolete]
    assert live, "the French catalogue is empty"
    assert [e.msgid for e in live if not e.translated()] == []
    assert [e.msgid for e in live if "fuzzy" in e.flags] == []
    assert not catalogue.metadata_is_fuzzy


def test_translations_keep_every_placeholder(catalogue):
    for entry in catalogue:
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        texts = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in texts:
            found = sorted(PLACEHOLDER.findall(text))
            # A singular French form may say "one" in words instead of the number.
            if entry.msgid_plural:
                found, wanted_here = set(found), set(wanted) - {"%(count)s", "%(count)d"}
                assert wanted_here <= found, entry.msgid
            else:
                assert found == wanted, entry.msgid


def test_the_catalogue_knows_every_string_in_the_code(tmp_path, catalogue):
    """Extract the strings afresh from a copy of the sources: none may be missing from the catalogue."""
    base = Path(settings.BASE_DIR)
    # The project's own apps (whatever their number), the templates and the catalogue itself.
    apps = [name for name in settings.INSTALLED_APPS if "." not in name and (base / name).is_dir()]
    for name in (*apps, "templates", "locale"):
        shutil.copytree(base / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(base / "manage.py", tmp_path / "manage.py")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete", "-v0"],
        cwd=tmp_path,
        check=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "taskforce.settings.test", "DATABASE_URL": "postgres://x@127.0.0.1/x"},
    )
    fresh = polib.pofile(str(tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    known = {(e.msgctxt, e.msgid) for e in catalogue}
    missing = sorted(e.msgid for e in fresh if (e.msgctxt, e.msgid) not in known)
    assert missing == [], "run `make makemessages` and translate the new strings"


def test_the_compiled_catalogue_is_used():
    with translation.override("fr"):
        assert translation.gettext("Meetings and agendas") == "Réunions et ordres du jour"
