"""`manage.py check_database`: `make test` runs it first, so an unreachable database is one clear line."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]


def check_database(database_url: str) -> subprocess.CompletedProcess:
    env = os.environ | {"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "taskforce.settings.test"}
    return subprocess.run(
        [sys.executable, "manage.py", "check_database", "--verbosity", "2"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )


def test_an_unreachable_database_is_one_line_naming_it_and_the_fix():
    result = check_database("postgres://postgres@127.0.0.1:1/nope")

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "nope on 127.0.0.1:1" in lines[0]
    assert "Start PostgreSQL or fix DATABASE_URL" in lines[0]
    assert result.stdout == ""


def test_a_reachable_database_passes():
    # The server this suite runs on, as a URL (a socket directory is percent-encoded as libpq's URIs do).
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{quote(db['HOST'] or '127.0.0.1', safe='')}:{db['PORT'] or 5432}/{db['NAME']}"

    result = check_database(url)

    assert result.returncode == 0, result.stderr
    assert f"Database {db['NAME']} on " in result.stdout
    assert "is reachable." in result.stdout
