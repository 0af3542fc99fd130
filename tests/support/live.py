"""Real processes for the delivery tests: Celery workers, sweeps run as beat runs them, Redis, and an SMTP server on
loopback that keeps what it accepts. Every wait has a deadline; every process is stopped, with its whole process
group, when the test ends.
"""

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail in CI, where everything these tests need must be there."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(f"{reason}; set CI=1 to make this a failure")


def require_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        unavailable(f"Redis at {url} is unreachable: {exc}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], bool], *, seconds: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Still waiting after {seconds:.0f}s for {what}")
        time.sleep(every)


def database_url_of_this_test() -> str:
    """The URL of the database this test runs on (pytest-django's test database), for other processes."""
    s = connection.settings_dict
    credentials = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        credentials += ":" + quote(s["PASSWORD"], safe="")
    host = quote(s["HOST"] or "localhost", safe="")
    return f"postgres://{credentials}@{host}:{s['PORT'] or 5432}/{s['NAME']}"


def process_env(*, redis_url: str, smtp_port: int, queue: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.endswith("_FILE")}
    env.update(
        DJANGO_SETTINGS_MODULE="taskforce.settings.test",
        DATABASE_URL=database_url_of_this_test(),
        REDIS_URL=redis_url,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        EMAIL_RETRY_BASE_SECONDS="1",
        NOTIFY_TEST_QUEUE=queue,
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="INFO",
        **extra,
    )
    return env


class SmtpSink:
    """An SMTP server on 127.0.0.1 that keeps every message it accepts. After `refuse(seconds, at_least)` it
    answers every recipient "451 try later" for that long, and at least that many times; `delay` slows each
    acceptance (seconds)."""

    def __init__(self, *, delay: float = 0.0):
        self.delay = delay
        self.accepted: list[tuple[list[str], Message]] = []
        self.refused = 0
        self.refuse_until = 0.0
        self.refuse_at_least = 0
        self._lock = threading.Lock()

    def refuse(self, seconds: float, at_least: int = 0) -> None:
        self.refuse_until = time.monotonic() + seconds
        self.refuse_at_least = self.refused + at_least

    def count(self) -> int:
        with self._lock:
            return len(self.accepted)

    def messages(self) -> list[tuple[list[str], Message]]:
        with self._lock:
            return list(self.accepted)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if time.monotonic() < self.refuse_until or self.refused < self.refuse_at_least:
            self.refused += 1
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._lock:
            self.accepted.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def __enter__(self) -> "SmtpSink":
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()


class Processes:
    """Processes a test starts, each in a process group of its own and logged to a file, all stopped on exit."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.started: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        with open(self.folder / f"{name}.log", "ab") as log:
            process = subprocess.Popen(
                args, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.started.append((name, process))
        return process

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def worker(self, name: str, env: dict[str, str], *, concurrency: int = 2) -> subprocess.Popen:
        node = f"{env['NOTIFY_TEST_QUEUE']}-{name}-{uuid.uuid4().hex[:6]}@%h"
        args = [
            str(VENV_BIN / "celery"), "-A", "taskforce", "worker", "--pool", "prefork",
            "--concurrency", str(concurrency), "-Q", env["NOTIFY_TEST_QUEUE"], "-n", node,
            "--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel", "INFO",
        ]
        size = len(self.log(name))
        process = self.start(name, args, env)
        wait_until(
            lambda: " ready." in self.log(name)[size:] or process.poll() is not None,
            seconds=120, what=f"the Celery worker {name} to be ready",
        )
        assert process.poll() is None, f"The worker {name} exited:\n{self.log(name)[-3000:]}"
        return process

    def beat(self, name: str, env: dict[str, str], *, app: str = "taskforce") -> subprocess.Popen:
        """The real `celery beat` of `app` (the portal's, or one that only shortens its intervals), with its
        schedule file and pid file in the test's folder."""
        args = [
            str(VENV_BIN / "celery"), "-A", app, "beat", "--loglevel", "INFO",
            "--schedule", str(self.folder / f"{name}-schedule"), "--pidfile", str(self.folder / f"{name}.pid"),
        ]
        return self.start(name, args, env)

    def sweeper(self, name: str, env: dict[str, str], *args: str) -> subprocess.Popen:
        return self.start(name, [sys.executable, "-m", "tests.support.sweeper", *args], env)

    def sweep_once(self, env: dict[str, str], *args: str) -> str:
        """One sweep in a process of its own, waited for."""
        name = f"sweep-{uuid.uuid4().hex[:6]}"
        process = self.sweeper(name, env, "--once", *args)
        process.wait(timeout=120)
        assert process.returncode == 0, self.log(name)
        return self.log(name)

    def receiver(self, name: str, env: dict[str, str], *, lmtp: bool = False) -> int:
        """The portal's mail receiver (`manage.py receive_mail`) on a free port of loopback; its port once it listens."""
        port = free_port()
        args = [sys.executable, str(BASE_DIR / "manage.py"), "receive_mail", "--address", f"127.0.0.1:{port}"]
        process = self.start(name, [*args, "--lmtp"] if lmtp else args, env)
        wait_until(
            lambda: "Receiving mail" in self.log(name) or process.poll() is not None,
            seconds=60, what=f"the mail receiver {name} to listen",
        )
        assert process.poll() is None, f"The receiver {name} exited:\n{self.log(name)[-3000:]}"
        return port

    def redis_server(self, port: int) -> subprocess.Popen:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server is not installed")
        process = self.start(
            "redis",
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"],
            dict(os.environ),
        )
        wait_until(lambda: _pings(port), seconds=30, what=f"redis-server on port {port}")
        return process

    @staticmethod
    def kill(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        """Signal the process and everything it started (a worker's pool children), then reap it."""
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        process.wait(timeout=30)

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill(process)
            except ProcessLookupError:
                pass
        try:  # children left behind by a process that already exited
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def tails(self) -> str:
        def state(process: subprocess.Popen) -> str:
            return "running" if process.poll() is None else f"exited with {process.returncode}"

        return "\n".join(
            f"--- {name} ({state(process)}) ---\n{self.log(name)[-2000:]}" for name, process in self.started
        )

    def __enter__(self) -> "Processes":
        return self

    def __exit__(self, *exc) -> None:
        for _name, process in reversed(self.started):
            self.stop(process)


def _pings(port: int) -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1, socket_timeout=1).ping())
    except Exception:  # noqa: BLE001
        return False


def forget_queue(url: str, queue: str) -> None:
    """Remove what a test's queue left in a shared Redis (its own keys only)."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    for key in ("_kombu.binding.celery.pidbox", "_kombu.binding_permanent.celery.pidbox"):
        if client.type(key) == b"set":
            stale = [member for member in client.smembers(key) if queue.encode() in member]
            if stale:
                client.srem(key, *stale)
