"""`make bench`: generate the data, serve it with gunicorn on loopback, measure every endpoint against its
baselines with wrk, and write the results table to bench/results/.

    python -m bench.run --scale full        # the benchmark (see bench/README.md for how long it takes)
    python -m bench.run --scale tiny --smoke  # the harness end to end on tiny data, in CI

Every figure is a ratio to a baseline measured in the same run on the same machine: the machine is shared, so
absolute numbers say little. Nothing here asserts a timing; targets are reported as met or missed.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
import platform
import re
import resource
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
SETTINGS = "bench.settings"
# Fixed, loopback only: the data and tokens are throwaway.
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789abcdefghijklmnop"


@dataclass
class Options:
    scale: str
    seed: int
    database: str
    duration: int
    warmup: int
    connections: int
    workers: int
    reuse: bool
    smoke: bool
    memory_requests: int
    sweep_messages: int
    sweep_only: bool
    data_only: bool


@dataclass
class Measure:
    name: str
    requests: int = 0
    duration_s: float = 0.0
    errors: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    client_cpu: float = 0.0  # the load generator's CPU, as a share of one core over the run

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0


@dataclass
class Target:
    name: str
    measured: str
    ratio: float | None
    limit: str
    met: bool | None
    note: str = ""


@dataclass
class Run:
    options: Options
    measures: dict[str, Measure] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    plans: list[tuple[str, str, list[str]]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    profiles: list[tuple[str, list[str]]] = field(default_factory=list)


# Databases and the environment.


def database_urls(name: str) -> tuple[str, str]:
    """(the server's maintenance database, the benchmark's database), from DATABASE_URL's host and user."""
    base = urllib.parse.urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    return base._replace(path="/postgres").geturl(), base._replace(path=f"/{name}").geturl()


def environment(options: Options) -> dict[str, str]:
    _admin, url = database_urls(options.database)
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS, DATABASE_URL=url, SECRET_KEY=SECRET_KEY, LOG_LEVEL="WARNING",
        PORTAL_URL="http://127.0.0.1", VAR_DIR=str(ROOT / "var" / "bench"),
    )
    return env


def prepare_database(options: Options) -> bool:
    """Create and migrate the benchmark database; False when `--reuse` finds it already loaded."""
    import psycopg

    admin, _url = database_urls(options.database)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [options.database]).fetchone()
        if exists and options.reuse:
            return False
        if exists:
            conn.execute(f'DROP DATABASE "{options.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{options.database}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=environment(options), check=True
    )
    return True


# The server and the load generator.


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn on loopback with a fixed number of sync workers."""

    def __init__(self, options: Options, workers: int):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "taskforce.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--worker-class", "sync", "--timeout", "120", "--log-level", "warning"],
            cwd=ROOT, env=environment(options),
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=2)
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def worker_rss(self) -> list[int]:
        import psutil

        return [child.memory_info().rss for child in psutil.Process(self.process.pid).children()]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def wrk(url: str, *, headers: dict[str, str], seconds: int, connections: int) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(BENCH / "report.lua")]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(next(line for line in output.splitlines() if line.startswith("{")))
    result["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result


def probe(server: Server, path: str, headers: dict[str, str]) -> int:
    """The status of one request, before the load: a scenario that does not answer 200 (or 304) measures an
    error page, not the endpoint."""
    request = urllib.request.Request(server.base + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def measure(run: Run, server: Server, name: str, path: str, headers: dict[str, str]) -> Measure:
    options = run.options
    status = probe(server, path, headers)
    if status not in (200, 304):
        run.failures.append(f"{name}: {path} answered {status}")
    wrk(server.base + path, headers=headers, seconds=options.warmup, connections=options.connections)
    raw = wrk(server.base + path, headers=headers, seconds=options.duration, connections=options.connections)
    duration = raw["duration_us"] / 1e6
    result = Measure(
        name=name, requests=raw["requests"], duration_s=duration, errors=raw["errors"],
        p50_ms=raw["p50_us"] / 1000, p95_ms=raw["p95_us"] / 1000, p99_ms=raw["p99_us"] / 1000,
        client_cpu=raw["cpu_s"] / duration if duration else 0.0,
    )
    run.measures[name] = result
    print(f"  {name:38} {result.rps:8.1f} req/s  p95 {result.p95_ms:7.1f} ms  errors {result.errors}", flush=True)
    return result


# What is measured.


@dataclass
class Fixture:
    """The personas' credentials and the ids the scenarios ask for, made in the benchmark database."""

    tokens: dict[str, str]
    session: str
    feed_path: str
    member_bodies: str
    invitee_bodies: str
    all_bodies: str
    agenda_meeting: int
    month: tuple[str, str]
    page_size: int
    deep_cursor: str
    deep_after: int


def fixture(options: Options) -> Fixture:
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from accounts import authentication
    from accounts import services as account_services
    from bench import generate
    from meetings.models import Meeting
    from members.models import User
    from taskforce import permissions
    from taskforce.models import Membership

    names = (generate.SECRETARIAT, generate.MEMBER, generate.INVITEE)
    users = {name: User.objects.get(username=name) for name in names}
    tokens = {
        name: account_services.api_token_create(actor=user, name="benchmark", expires_in_days=30)[1]
        for name, user in users.items()
    }
    member = users[generate.MEMBER]
    client = Client()
    client.force_login(member)
    feed = account_services.calendar_feed_regenerate(actor=member)

    def bodies(user: User) -> str:
        ids = Membership.objects.filter(user=user).order_by("body_id").values_list("body_id", flat=True)
        return ",".join(map(str, ids))

    # An agenda the member may read, the next circulated one if there is one.
    readable = permissions.scope(member, Meeting.objects.filter(agenda_status__in=["circulated", "final"]))
    upcoming = readable.filter(start__gte=timezone.now()).order_by("start", "pk").values_list("pk", flat=True)
    agenda = upcoming.first() or readable.order_by("-start", "-pk").values_list("pk", flat=True).first()
    # Page 1,000 of the secretariat's meeting list (ordered by id): the cursor after the 999 pages before it.
    visible = Meeting.objects.count()
    page_size = max(1, min(50, visible // 1000))
    depth = min(999 * page_size, visible - page_size)
    after = Meeting.objects.order_by("pk").values_list("pk", flat=True)[depth - 1] if depth > 0 else 0
    cursor = base64.b64encode(urllib.parse.urlencode({"p": str(after)}).encode("ascii")).decode("ascii")
    first = datetime.date.today().replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return Fixture(
        tokens=tokens, session=client.cookies[settings.SESSION_COOKIE_NAME].value,
        feed_path=f"/feeds/{authentication.feed_secret(feed)}.ics", member_bodies=bodies(member),
        invitee_bodies=bodies(users[generate.INVITEE]), all_bodies=bodies(users[generate.SECRETARIAT]),
        agenda_meeting=agenda, month=(first.isoformat(), last.isoformat()), page_size=page_size,
        deep_cursor=cursor, deep_after=after,
    )


def scenarios(run: Run, server: Server, fx: Fixture) -> None:
    from bench import generate

    def token(name: str) -> dict[str, str]:
        return {"Authorization": f"Token {fx.tokens[name]}"}

    start, end = fx.month
    window = f"from={start}&to={end}"
    print("Schedule, one month, a member of an agency", flush=True)
    measure(run, server, "schedule/member", f"/api/v1/schedule/?{window}", token(generate.MEMBER))
    measure(run, server, "schedule/L1", f"/bench/l1/meetings?bodies={fx.member_bodies}&{window}", {})
    measure(run, server, "schedule/L0", f"/bench/l0/meetings?bodies={fx.member_bodies}&{window}", {})
    measure(run, server, "schedule/invitee", f"/api/v1/schedule/?{window}", token(generate.INVITEE))
    measure(run, server, "schedule/secretariat", f"/api/v1/schedule/?{window}", token(generate.SECRETARIAT))
    print("Meeting list, first page", flush=True)
    measure(run, server, "meetings/member", "/api/v1/meetings/", token(generate.MEMBER))
    measure(run, server, "meetings/L1", f"/bench/l1/meetings?bodies={fx.member_bodies}&limit=50&after=0", {})
    measure(run, server, "meetings/L0", f"/bench/l0/meetings?bodies={fx.member_bodies}&limit=50&after=0", {})
    measure(run, server, "meetings/invitee", "/api/v1/meetings/", token(generate.INVITEE))
    measure(run, server, "meetings/secretariat", "/api/v1/meetings/", token(generate.SECRETARIAT))
    print("Agenda page (HTML)", flush=True)
    from django.conf import settings

    cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={fx.session}"}
    measure(run, server, "agenda/member", f"/en/meetings/{fx.agenda_meeting}/", cookie)
    measure(run, server, "agenda/L1", f"/bench/l1/items?meeting={fx.agenda_meeting}", {})
    measure(run, server, "agenda/L0", f"/bench/l0/items?meeting={fx.agenda_meeting}", {})
    print("Calendar feed of a member", flush=True)
    measure(run, server, "feed/member", fx.feed_path, {})
    since = (datetime.date.today() - datetime.timedelta(days=90)).isoformat()
    measure(run, server, "feed/L1", f"/bench/l1/meetings?bodies={fx.member_bodies}&from={since}", {})
    measure(run, server, "feed/L0", f"/bench/l0/meetings?bodies={fx.member_bodies}&from={since}", {})
    print("Conditional requests and cursor pagination", flush=True)
    etag = urllib.request.urlopen(urllib.request.Request(
        f"{server.base}/api/v1/schedule/?{window}", headers=token(generate.MEMBER))).headers["ETag"]
    measure(run, server, "schedule/member 304", f"/api/v1/schedule/?{window}",
            {**token(generate.MEMBER), "If-None-Match": etag})
    size = fx.page_size
    measure(run, server, "meetings/page 1", f"/api/v1/meetings/?page_size={size}", token(generate.SECRETARIAT))
    measure(run, server, "meetings/page 1000", f"/api/v1/meetings/?page_size={size}&cursor={fx.deep_cursor}",
            token(generate.SECRETARIAT))


# Where a worker spends its time under load: py-spy samples the one gunicorn worker while wrk keeps it busy.

# Each sample goes to the part of the deepest frame on its stack that belongs to one (the code the worker was in).
PROFILED_PARTS = (
    ("database: sending, waiting, reading rows (psycopg)", "psycopg/"),
    ("building and compiling SQL (Django)",
     "django/db/models/sql/|django/db/models/expressions.py|django/db/models/lookups.py"),
    ("querysets and model instances (Django ORM)", "django/db/"),
    ("serializing (DRF)", "rest_framework/"),
    ("templates", "django/template/"),
    ("the visibility core", "taskforce/permissions.py"),
    ("the portal's own code", "taskforce/|meetings/|mou/|members/|accounts/"),
)


def profile(run: Run, options: Options, fx: Fixture) -> None:
    """py-spy on the single worker during load on the member-scoped endpoints; the share of samples under each
    part (a sample counts for every part on its stack) and the functions most often on top."""
    import psutil

    from bench import generate

    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        run.notes.append("py-spy is not installed: no profile")
        return
    token = {"Authorization": f"Token {fx.tokens[generate.MEMBER]}"}
    start, end = fx.month
    server = Server(options, workers=1)
    try:
        worker = psutil.Process(server.process.pid).children()[0].pid
        seconds = 3 if options.smoke else 15
        for name, path in (("schedule/member", f"/api/v1/schedule/?from={start}&to={end}"),
                           ("meetings/member", "/api/v1/meetings/")):
            load = subprocess.Popen(
                ["wrk", "-t1", "-c2", f"-d{seconds + 2}s", "-H", f"Authorization: {token['Authorization']}",
                 server.base + path], stdout=subprocess.DEVNULL,
            )
            raw = RESULTS / "raw" / f"profile-{name.replace('/', '-')}.txt"
            raw.parent.mkdir(parents=True, exist_ok=True)
            sampled = subprocess.run(
                [spy, "record", "--pid", str(worker), "--duration", str(seconds), "--rate", "200", "--format", "raw",
                 "--output", str(raw), "--nonblocking"], capture_output=True, text=True,
            )
            load.wait()
            if sampled.returncode != 0 or not raw.exists():
                run.notes.append(f"py-spy could not sample the worker: {sampled.stderr.strip()[:200]}")
                return
            run.profiles.append((name, _profile_summary(raw.read_text(errors="replace"))))
    finally:
        server.stop()


def _profile_summary(collapsed: str) -> list[str]:
    parts: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not (stack and count.isdigit()):
            continue
        total += int(count)
        frames = stack.split(";")[::-1]
        part = next((label for frame in frames for label, pattern in PROFILED_PARTS if re.search(pattern, frame)),
                    "other (Python, Django's request handling, middleware)")
        parts[part] += int(count)
    return [f"{total:,} samples"] + [f"{label} {count / (total or 1):.0%}" for label, count in parts.most_common()]


def _requests(url: str, headers: dict[str, str], count: int) -> int:
    """`count` GETs one after the other; returns how many did not answer 200."""
    failed = 0
    for _ in range(count):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as response:
                response.read()
                failed += response.status != 200
        except OSError:
            failed += 1
    return failed


def memory(run: Run, options: Options, fx: Fixture) -> tuple[int, int]:
    """One worker's RSS after a tenth of `--memory-requests` and after all of them: the member's list of bodies,
    a scoped, conditional API list cheap enough for 10,000 requests one after the other in a few minutes."""
    from bench import generate

    server = Server(options, workers=1)
    try:
        url = f"{server.base}/api/v1/bodies/"
        headers = {"Authorization": f"Token {fx.tokens[generate.MEMBER]}"}
        first = options.memory_requests // 10
        failed = _requests(url, headers, first)
        after_first = max(server.worker_rss())
        failed += _requests(url, headers, options.memory_requests - first)
        after_all = max(server.worker_rss())
    finally:
        server.stop()
    if failed:
        run.notes.append(f"Memory run: {failed} requests did not answer 200.")
    return after_first, after_all


# Query plans.

SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")
WATCHED = re.compile(r"meetings_meeting$|objectpermission$")


def plans(run: Run, fx: Fixture) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the member's scoped queries; a sequential scan over the meeting or a
    permission table is a finding, unless the table is a few pages (the tiny scale's, an unused grant table)."""
    from bench import generate
    from meetings.models import AgendaItem, Meeting
    from meetings.schedule import _window
    from members.models import User
    from taskforce import permissions
    from taskforce.schedule import Query

    start, end = (datetime.date.fromisoformat(d) for d in fx.month)
    for persona in (generate.MEMBER, generate.INVITEE):
        user = User.objects.get(username=persona)
        queries = {
            f"schedule window ({persona})": permissions.scope(user, Meeting.objects.all()).filter(
                _window(Query(start=start, end=end))),
            f"meeting list page ({persona})": permissions.scope(user, Meeting.objects.all()).order_by("pk")[:50],
            f"agenda items ({persona})": permissions.scope(
                user, AgendaItem.objects.filter(meeting_id=fx.agenda_meeting)),
        }
        for name, queryset in queries.items():
            text = queryset.explain(analyze=True, buffers=True)
            scans = sorted({t for t in SEQ_SCAN.findall(text) if WATCHED.search(t) and not _small(t)})
            run.plans.append((name, text, scans))


def _small(table: str) -> bool:
    """A table of a few pages (such as a grant table nobody uses yet) is best read whole: not a finding."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT relpages FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    return row is not None and row[0] < 10


# The reminder sweep.


class _Undone(Exception):
    """Raised to roll a measured change back."""


def _timed_and_undone(change) -> float:
    from django.db import transaction

    started = time.perf_counter()
    try:
        with transaction.atomic():
            change()
            elapsed = time.perf_counter() - started
            raise _Undone
    except _Undone:
        return elapsed


def index_maintenance(run: Run) -> None:
    """What keeping the visibility index in step costs, each change made and rolled back: an agency granted on the
    meeting with the most invitees, an agenda item restricted, a member added to the body with the most meetings."""
    from django.db.models import Count

    from meetings.models import AgendaItem, Meeting
    from members.models import Agency, User
    from taskforce import permissions
    from taskforce.models import Body, Membership

    meeting = Meeting.objects.order_by("-start").first()
    invitees = permissions.readers(meeting, shared=True).count()
    granted = set(permissions.granted_agencies(meeting).values_list("pk", flat=True))
    agency = Agency.objects.exclude(pk__in=granted).order_by("pk").first() or Agency.objects.first()
    item = AgendaItem.objects.filter(meeting=meeting).first()
    body = Body.objects.annotate(n=Count("meetings")).order_by("-n").first()
    meetings = Meeting.objects.filter(body=body).count()

    def restrict() -> None:
        AgendaItem.objects.filter(pk=item.pk).update(restricted=True)
        permissions.changed(AgendaItem, [item.pk])

    def add_member() -> None:
        person = User.objects.create(username="bench-newcomer", agency=agency)
        Membership.objects.create(body=body, user=person, role=Membership.Role.MEMBER)

    for name, change in (
        (f"granting an agency on a meeting of {invitees:,} invitees", lambda: permissions.grant(meeting, [agency])),
        ("restricting an agenda item (and what hangs from it)", restrict),
        (f"adding a member to a body with {meetings:,} meetings", add_member),
    ):
        seconds = _timed_and_undone(change)
        run.targets.append(Target(f"Index maintenance: {name}", f"{seconds * 1000:.0f} ms", None, "< 1 s", seconds < 1))


def sweep(run: Run, options: Options) -> None:
    """The product's sweep over due meeting reminders whose messages total at least `--sweep-messages` (100,000 at
    full scale: the next upcoming meetings' "before" reminders, each to its ~1,000 invitees), measured whole: claims,
    rendering, notices and deliveries stored, and the send tasks published to the broker as production does (Redis
    when REDIS_URL is set; the queued tasks are purged afterwards, so nothing is sent)."""
    from celery.signals import after_task_publish
    from django.db import connection
    from django.utils import timezone

    from meetings.models import Meeting
    from meetings.notifications import BEFORE, MeetingReminder, topic
    from notifications import engine as notifications
    from notifications.models import Delivery, Notification, Reminder

    now = timezone.now()
    # A label of this run's own: a run on reused data adds reminders beside those a previous run sent.
    label = f"bench-{now:%Y%m%d%H%M%S}"
    # Those of an interrupted run are not swept with this one's.
    Reminder.objects.filter(label__startswith="bench-", status=Reminder.Status.PENDING).update(
        status=Reminder.Status.DROPPED
    )
    handler = MeetingReminder()
    upcoming = Meeting.objects.filter(start__gt=now, status=Meeting.Status.SCHEDULED).order_by("start", "pk")
    chosen: list[Reminder] = []
    expected = 0
    print(f"  choosing meetings whose reminders total {options.sweep_messages:,} messages", flush=True)
    for offset in range(0, upcoming.count(), 20):
        candidates = [
            Reminder(kind=BEFORE, topic=topic(m), label=label, occurrence=m.start.astimezone(datetime.UTC).isoformat(),
                     due_at=now - datetime.timedelta(minutes=1))
            for m in upcoming[offset:offset + 20]
        ]
        handler.prepare(candidates)
        for reminder in candidates:
            if expected >= options.sweep_messages:
                break
            chosen.append(notifications._fresh(reminder))
            expected += len([u for u in handler.recipients(reminder) if u.is_active])
        if expected >= options.sweep_messages:
            break
    Reminder.objects.bulk_create(chosen)

    statements: list[tuple[str, float]] = []

    def count(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            # The start only: a batch's inserts are tens of megabytes.
            statements.append((sql[:60], time.perf_counter() - began))

    published: list[str] = []

    def publishing(sender=None, **_kwargs):
        published.append(sender)

    print(f"  sweeping {len(chosen)} reminders ({expected:,} messages)", flush=True)
    after_task_publish.connect(publishing)
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        result = notifications.sweep(now=now)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    after_task_publish.disconnect(publishing)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    purged = _purge_queued_tasks()
    made = Delivery.objects.filter(reminder__label=label)
    told = Notification.objects.filter(event_key__contains=f":{label}:")
    notices, deliveries = told.count(), made.count()
    # And their rows: a later run's sweep would otherwise find those deliveries stranded and queue them again.
    made.delete()
    told.delete()
    # Queries of each full batch: from one claim to the next (the last batch is followed by the re-queue).
    claims = [i for i, (sql, _) in enumerate(statements) if sql.startswith("UPDATE taskforce_reminder SET status")]
    requeue = next(
        (i for i, (sql, _) in enumerate(statements) if sql.startswith("UPDATE taskforce_delivery SET status")),
        len(statements),
    )
    per_batch = sorted({b - a for a, b in zip(claims, [*claims[1:], requeue], strict=False)})
    batches = -(-result.processed // notifications.SWEEP_BATCH)
    in_database = sum(seconds for _, seconds in statements)
    slowest: dict[str, float] = {}
    for sql, seconds in statements:
        kind = " ".join(sql.split()[:4])
        slowest[kind] = slowest.get(kind, 0.0) + seconds
    run.timings.update(
        sweep_reminders=result.processed, sweep_cpu_s=cpu, sweep_wall_s=wall, sweep_queries=len(statements),
        sweep_notifications=notices, sweep_deliveries=deliveries, sweep_tasks_published=len(published),
        sweep_tasks_purged=purged,
        sweep_statements_s=in_database,
    )
    top = sorted(slowest.items(), key=lambda kv: -kv[1])[:4]
    run.notes.append(
        f"Reminder sweep: {in_database:.1f} s of its {wall:.1f} s wall waiting on its statements (the rest: its CPU, "
        f"the COPY of the rows and the commits); most: " + "; ".join(f"`{k}…` {v:.1f} s" for k, v in top) + "."
    )
    run.targets.append(Target(
        f"Reminder sweep over {options.sweep_messages:,} due reminder messages (measured as {result.processed} "
        f"due meeting reminders to {notices:,} recipients: one notice and one email each): under a minute of CPU",
        f"{cpu:.1f} s CPU ({wall:.1f} s wall) for {notices:,} notices and {deliveries:,} deliveries; "
        f"{len(statements)} queries in {batches} batches of up to {notifications.SWEEP_BATCH} reminders "
        f"({', '.join(map(str, per_batch))} per batch); {len(published):,} send tasks published, "
        f"{purged:,} purged from the broker afterwards",
        cpu / 60, "≤ 1 × 60 s", cpu <= 60 and notices >= options.sweep_messages,
    ))


def _purge_queued_tasks() -> int:
    """Take the send tasks the sweep published off the broker: the benchmark sends no email."""
    from taskforce.celery import app

    with app.connection_for_write() as conn:
        return app.control.purge(connection=conn) or 0


# The targets.


# Why a target is missed, from profiling (bench/README.md, "What the benchmark found").
PER_REQUEST = (
    "work L1 does not do, measured by the profile below: Django building and compiling each query's SQL and the "
    "ORM making model instances (together about 40 % of a worker's time), DRF serialising them, token or session "
    "authentication and the middleware; the visibility core itself is about 1 % (one indexed subquery per "
    "queryset), and the database a quarter to a third"
)
SCHEDULE_304 = (
    "a matching request still authenticates its token and runs one aggregate per source (four), while the full "
    "answer adds listing and serialising the entries"
)


def ratio_targets(run: Run) -> None:
    m = run.measures

    def add(name: str, value: float, bound: float, *, at_least: bool, measured: str, note: str = "") -> None:
        met = value >= bound if at_least else value <= bound
        run.targets.append(Target(name, measured, value, f"{'≥' if at_least else '≤'} {bound:g}", met, note))

    for endpoint, label in (("schedule", "Schedule, one month"), ("meetings", "Meeting list"),
                            ("agenda", "Agenda page (HTML)"), ("feed", "Calendar feed")):
        product, l1, l0 = m[f"{endpoint}/member"], m[f"{endpoint}/L1"], m[f"{endpoint}/L0"]
        if product.errors or l1.errors:
            run.notes.append(f"{label}: {product.errors} errors (product), {l1.errors} (L1).")
        add(f"{label}, member: throughput vs L1", _div(product.rps, l1.rps), 0.5, at_least=True,
            measured=f"{product.rps:.1f} vs {l1.rps:.1f} req/s (L0 {l0.rps:.1f})", note=PER_REQUEST)
        add(f"{label}, member: p95 vs L1", _div(product.p95_ms, l1.p95_ms), 2, at_least=False,
            measured=f"{product.p95_ms:.1f} vs {l1.p95_ms:.1f} ms (L0 {l0.p95_ms:.1f})", note=PER_REQUEST)
    for endpoint, label in (("schedule", "Schedule"), ("meetings", "Meeting list")):
        for persona, who in (("member", "agency grants"), ("invitee", "grants by name")):
            product, secretariat = m[f"{endpoint}/{persona}"], m[f"{endpoint}/secretariat"]
            add(f"{label}, {who} vs secretariat: p95", _div(product.p95_ms, secretariat.p95_ms), 1.5, at_least=False,
                measured=f"{product.p95_ms:.1f} vs {secretariat.p95_ms:.1f} ms")
    full, matched = m["schedule/member"], m["schedule/member 304"]
    add("Conditional request (ETag matches) vs full response: throughput", _div(matched.rps, full.rps), 3,
        at_least=True, measured=f"{matched.rps:.1f} vs {full.rps:.1f} req/s", note=SCHEDULE_304)
    first, deep = m["meetings/page 1"], m["meetings/page 1000"]
    add("Cursor pagination: page 1,000 vs page 1, p95", _div(deep.p95_ms, first.p95_ms), 1.2, at_least=False,
        measured=f"{deep.p95_ms:.1f} vs {first.p95_ms:.1f} ms")


def _div(a: float, b: float) -> float:
    return a / b if b else float("inf")


# The report.


def machine() -> list[tuple[str, str]]:
    import psutil
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()
    return [
        ("CPU", f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), shared"),
        ("RAM", f"{psutil.virtual_memory().total / 2**30:.1f} GiB"),
        ("System", platform.platform()),
        ("PostgreSQL", postgres),
        ("Python", platform.python_version()),
        ("Load generator", (wrk_version or ["wrk"])[0].strip()),
    ]


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def report(run: Run, elapsed: float) -> Path:
    options = run.options
    stamp = datetime.datetime.now(datetime.UTC)
    host = re.sub(r"[^a-z0-9]+", "-", socket.gethostname().lower())[:20].strip("-") or "machine"
    lines = [
        f"# Benchmark, {stamp:%Y-%m-%d %H:%M} UTC, scale `{options.scale}`",
        "",
        f"Command: `python -m bench.run {' '.join(sys.argv[1:])}` ({elapsed / 60:.1f} minutes in all; "
        f"data generated in {run.timings.get('generate_s', 0):.0f} s).",
        "",
        "| machine | |", "|---|---|", *(f"| {k} | {v} |" for k, v in machine()),
        "",
        f"Server: gunicorn, {options.workers} sync workers, on 127.0.0.1; wrk, 1 thread, {options.connections} "
        f"connections, {options.warmup} s warm-up then {options.duration} s per measurement.",
        "",
        "## Targets",
        "",
        "| target | measured | ratio | bound | result |",
        "|---|---|---|---|---|",
    ]
    for t in run.targets:
        result = "—" if t.met is None else ("met" if t.met else "**missed**")
        lines.append(f"| {t.name} | {t.measured} | {_cell(t.ratio)} | {t.limit} | {result} |")
    if run.failures:
        lines += ["", "**The harness failed:**", "", *(f"- {f}" for f in run.failures)]
    causes: dict[str, list[str]] = {}
    for t in run.targets:
        if t.note and t.met is False:
            causes.setdefault(t.note, []).append(t.name)
    if causes or run.notes:
        lines += ["", "Causes of the missed targets:", ""]
        lines += [f"- {'; '.join(names)}: {note}." for note, names in causes.items()] + [f"- {n}" for n in run.notes]
    lines += [
        "", "## Measurements", "",
        "| endpoint | req/s | p50 ms | p95 ms | p99 ms | errors | wrk CPU (of one core) |",
        "|---|---|---|---|---|---|---|",
        *(f"| {m.name} | {m.rps:.1f} | {m.p50_ms:.1f} | {m.p95_ms:.1f} | {m.p99_ms:.1f} | {m.errors} | "
          f"{m.client_cpu:.0%} |" for m in run.measures.values()),
        "", "## Where one worker spends its time (py-spy, sampled under load)", "",
        *(f"- {name}: {'; '.join(lines)}" for name, lines in run.profiles),
        "", "## Query plans (EXPLAIN ANALYZE, BUFFERS)", "",
        "| query | sequential scans over meetings or permissions |", "|---|---|",
        *(f"| {name} | {', '.join(scans) or 'none'} |" for name, _text, scans in run.plans),
        "", "## Data", "",
        "| model | rows |", "|---|---|",
        *(f"| {label} | {count:,} |" for label, count in sorted(run.counts.items())),
        "",
    ]
    RESULTS.mkdir(exist_ok=True)
    name = f"{stamp:%Y-%m-%d}-{host}-{options.scale}" + ("-sweep" if options.sweep_only else "")
    path = RESULTS / f"{name}.md"
    path.write_text("\n".join(lines))
    if not options.sweep_only:  # a run of the sweep alone leaves the full run's files as they are
        (RESULTS / f"{name}-plans.txt").write_text(
            "\n\n".join(f"== {title}\n{text}" for title, text, _scans in run.plans) + "\n"
        )
    return path


README_START = "<!-- latest results: written by bench/run.py -->"
README_END = "<!-- end of latest results -->"


def quote_in_readme(path: Path) -> None:
    """Quote a full-scale run's results (everything but the query-plan and data details) in bench/README.md."""
    readme = BENCH / "README.md"
    text = readme.read_text()
    if README_START not in text or README_END not in text:
        return
    results = path.read_text().split("\n## Query plans", 1)[0].strip()
    results = results.replace("\n# Benchmark", "\n### Benchmark").replace("\n## ", "\n#### ")
    results = re.sub(r"^# ", "### ", results)
    source = f"From [`results/{path.name}`](results/{path.name}); plans in `results/{path.stem}-plans.txt`."
    before, rest = text.split(README_START, 1)
    after = rest.split(README_END, 1)[1]
    readme.write_text(f"{before}{README_START}\n{source}\n\n{results}\n{README_END}{after}")


def parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["full", "medium", "tiny"], default="full")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--database", default="tf_bench_data")
    parser.add_argument("--duration", type=int, default=10, help="Seconds per measurement.")
    parser.add_argument("--warmup", type=int, default=3, help="Seconds of warm-up before each measurement.")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="Keep the data already loaded in --database.")
    parser.add_argument("--smoke", action="store_true", help="One-second measurements: checks the harness, not speed.")
    parser.add_argument("--memory-requests", type=int, default=10_000)
    parser.add_argument("--sweep-messages", type=int, default=100_000,
                        help="Reminder messages (recipients of due meeting reminders) the sweep sends.")
    parser.add_argument("--sweep-only", action="store_true", help="Measure the reminder sweep only.")
    parser.add_argument("--data-only", action="store_true", help="Generate the data, then stop.")
    args = parser.parse_args(argv)
    if args.smoke:
        args.duration, args.warmup, args.connections, args.memory_requests, args.sweep_messages = 1, 1, 2, 100, 50
    return Options(**{k.replace("-", "_"): v for k, v in vars(args).items()})


def main(argv: list[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed (Debian: apt-get install wrk).")
    began = time.perf_counter()
    run = Run(options)
    fresh = prepare_database(options)
    os.environ.update(environment(options))
    # Static files are not served from here, but WhiteNoise warns when the directory is missing.
    (ROOT / "var" / "bench" / "staticfiles").mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from bench import generate

    if fresh:
        print(f"Generating scale {options.scale} (seed {options.seed})...", flush=True)
        started = time.perf_counter()
        run.counts = dict(generate.generate(generate.SCALES[options.scale], options.seed))
        run.timings["generate_s"] = time.perf_counter() - started
        print(f"  {sum(run.counts.values()):,} rows in {run.timings['generate_s']:.0f} s", flush=True)
    else:
        run.counts = generate.counts()
    if options.data_only:
        return 0
    if options.sweep_only:
        print("Reminder sweep", flush=True)
        sweep(run, options)
        path = report(run, time.perf_counter() - began)
        print(path.read_text())
        return 1 if run.failures else 0
    fx = fixture(options)
    server = Server(options, workers=options.workers)
    try:
        scenarios(run, server, fx)
    finally:
        server.stop()
    ratio_targets(run)
    print("Memory of one worker", flush=True)
    small, large = memory(run, options, fx)
    growth = large / small
    first = options.memory_requests // 10
    run.targets.append(Target(
        f"Worker RSS after {options.memory_requests:,} requests vs after {first:,}",
        f"{large / 2**20:.1f} vs {small / 2**20:.1f} MiB", growth, "≤ 1.1", growth <= 1.1,
    ))
    print("Profile of one worker under load", flush=True)
    profile(run, options, fx)
    print("Query plans", flush=True)
    plans(run, fx)
    scans = sorted({s for _name, _text, found in run.plans for s in found})
    run.targets.append(Target(
        "Scoped queries: no sequential scan over the meeting or permission tables",
        ", ".join(scans) or "none", None, "none", not scans,
    ))
    print("Visibility index maintenance", flush=True)
    index_maintenance(run)
    if options.smoke:
        from taskforce import permissions

        differences = permissions.check()
        run.targets.append(Target(
            "Visibility index agrees with the rules on generated data", f"{len(differences)} difference(s)", None,
            "0", not differences,
        ))
        run.failures += [f"visibility index: {difference}" for difference in differences[:20]]
    print("Reminder sweep", flush=True)
    sweep(run, options)
    path = report(run, time.perf_counter() - began)
    print(path.read_text())
    print(f"Written to {path.relative_to(ROOT)}")
    if options.scale == "full" and not options.smoke:
        quote_in_readme(path)
    for failure in run.failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main())
