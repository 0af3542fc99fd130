"""Backup and restore for real, on a throwaway database of the test server: back up, change rows and files, restore,
and everything is back as it was, the audit trail's hash chain included. The commands run as `make backup` and
`make restore` run them, in processes of their own."""

import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def uploaded_files(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def _server() -> dict:
    s = connection.settings_dict
    return {"host": s["HOST"] or None, "port": s["PORT"] or None, "user": s["USER"] or None,
            "password": s["PASSWORD"] or None}


def _admin(sql: str) -> None:
    with psycopg.connect(dbname="postgres", autocommit=True, **_server()) as conn:
        conn.execute(sql)


def _manager(name: str, var: Path):
    """`manage(*args)`: a command in a process of its own, on database `name`, with its files under `var`."""
    s = connection.settings_dict
    credentials = quote(s["USER"] or "", safe="") + (":" + quote(s["PASSWORD"], safe="") if s["PASSWORD"] else "")
    url = f"postgres://{credentials}@{quote(s['HOST'] or 'localhost', safe='')}:{s['PORT'] or 5432}/{name}"
    env = {
        "PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "taskforce.settings.test", "DATABASE_URL": url,
        "MEDIA_ROOT": str(var / "media"), "BACKUP_DIR": str(var / "backups"), "VAR_DIR": str(var),
    }

    def manage(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=300)
        assert not check or result.returncode == 0, result.stdout + result.stderr
        return result

    return manage


@pytest.fixture(scope="module")
def migrated_demo(tmp_path_factory):
    """A database migrated and loaded with the demo by the commands themselves, with its uploaded files, made once
    for the module: each test starts from a copy of its own."""
    name = f"tf_backup_{uuid.uuid4().hex[:10]}_template"
    var = tmp_path_factory.mktemp("backup-template")
    _admin(f'CREATE DATABASE "{name}"')
    try:
        manage = _manager(name, var)
        manage("migrate", "--noinput", "-v", "0")
        manage("load_demo", "--force")
        yield name, var / "media"
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def scratch(db, tmp_path, migrated_demo):
    """A migrated database of its own with the demo, its upload folder and backup folder, and `manage(*args)`."""
    template, media = migrated_demo
    name = f"tf_backup_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    if media.exists():
        shutil.copytree(media, tmp_path / "media")

    def sql(query: str):
        with psycopg.connect(dbname=name, autocommit=True, **_server()) as conn:
            cursor = conn.execute(query)
            return cursor.fetchall() if cursor.description else None

    try:
        yield type("Scratch", (), {"manage": staticmethod(_manager(name, tmp_path)), "sql": staticmethod(sql),
                                   "media": tmp_path / "media", "backups": tmp_path / "backups"})
    finally:
        for database in (name, f"{name}__restoring"):
            _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def test_a_restore_brings_back_the_rows_the_files_and_an_intact_audit_trail(scratch):
    (scratch.media / "papers").mkdir(parents=True, exist_ok=True)
    (scratch.media / "papers" / "agenda.pdf").write_bytes(b"%PDF-1.7 the circulated agenda")
    files_at_backup = uploaded_files(scratch.media)
    entries_before = scratch.sql("SELECT count(*) FROM taskforce_auditentry")[0][0]

    folder = Path(scratch.manage("backup").stdout.strip().splitlines()[-1])
    assert folder.parent == scratch.backups
    assert {path.name for path in folder.iterdir()} == {"database.dump", "media.tar.gz", "manifest.json"}
    assert (folder / "database.dump").read_bytes()[:5] == b"PGDMP"
    scratch.sql("UPDATE members_user SET first_name = 'Changed' WHERE username = 'cbsa'")
    scratch.sql("UPDATE members_user SET is_active = false WHERE username = 'atf'")
    (scratch.media / "papers" / "agenda.pdf").write_bytes(b"overwritten")
    (scratch.media / "papers" / "later.pdf").write_bytes(b"uploaded after the backup")
    assert scratch.sql("SELECT count(*) FROM taskforce_auditentry")[0][0] > entries_before

    restored = scratch.manage("restore", str(folder), "--yes")

    assert f"Restored the database and {len(files_at_backup)} uploaded files" in restored.stdout
    assert uploaded_files(scratch.media) == files_at_backup
    assert scratch.sql("SELECT first_name FROM members_user WHERE username = 'cbsa'") != [("Changed",)]
    assert scratch.sql("SELECT is_active FROM members_user WHERE username = 'atf'") == [(True,)]
    assert scratch.sql("SELECT count(*) FROM taskforce_auditentry")[0][0] == entries_before
    assert (scratch.media / "papers" / "agenda.pdf").read_bytes() == b"%PDF-1.7 the circulated agenda"
    assert not (scratch.media / "papers" / "later.pdf").exists()
    assert "The audit trail is intact" in scratch.manage("check_audit").stdout
    # The audit trail still refuses changes after a restore: its triggers came back with it.
    with pytest.raises(psycopg.Error):
        scratch.sql("DELETE FROM taskforce_auditentry")


def test_an_altered_backup_is_refused_and_the_database_left_alone(scratch):
    folder = Path(scratch.manage("backup").stdout.strip().splitlines()[-1])
    scratch.sql("UPDATE members_user SET first_name = 'Kept' WHERE username = 'cbsa'")
    with (folder / "database.dump").open("ab") as dump:
        dump.write(b"tampered")

    result = scratch.manage("restore", str(folder), "--yes", check=False)

    assert result.returncode == 1
    assert "has changed since the backup: not restoring" in result.stderr
    assert scratch.sql("SELECT first_name FROM members_user WHERE username = 'cbsa'") == [("Kept",)]
