"""Migrations never run twice at once: `migrate` waits for the advisory lock another migrate holds."""

import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from ops.management.commands.migrate import MIGRATION_LOCK
from tests.support.live import database_url_of_this_test

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def waits_for_lock(observer, key: int, process: subprocess.Popen) -> bool:
    """PostgreSQL shows the migrate process queued behind the advisory lock (a request not granted) while it runs."""
    key &= 0xFFFFFFFFFFFFFFFF
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        queued = observer.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 1 AND pid <> pg_backend_pid()",
            [key >> 32, key & 0xFFFFFFFF],
        ).fetchone()[0]
        if queued:
            return process.poll() is None
        time.sleep(0.1)
    return False


def test_migrate_waits_while_another_migrate_holds_the_lock(db):
    s = connection.settings_dict
    holder = psycopg.connect(host=s["HOST"] or None, port=s["PORT"] or None, user=s["USER"] or None,
                             password=s["PASSWORD"] or None, dbname=s["NAME"], autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "taskforce.settings.test",
           "DATABASE_URL": database_url_of_this_test()}
    migrate = subprocess.Popen([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        waiting = waits_for_lock(holder, MIGRATION_LOCK, migrate)
    finally:
        holder.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])
        holder.close()
    output, _ = migrate.communicate(timeout=120)

    assert waiting, output
    assert migrate.returncode == 0, output
    assert "No migrations to apply." in output
