"""A database made before notifications, credentials and the audit trail left the core upgrades in place.

The fixture is a real database of that release (`pg_dump` of the demo loaded by it, with notices, emails, a
preference, an API token and a calendar feed); `migrate` with today's code must keep every row, give the moved
models' content types to their new apps under the same ids, keep the audit trail's chain intact and its triggers
recording under the new names, and the old token must still open the API."""

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DUMP = Path(__file__).with_name("fixtures") / "database-before-apps-split.sql.gz"
# The token the fixture's cbsa holds (created by that release, never expiring): kept in the database as its digest.
OLD_TOKEN = "tfp_Tdew_IvQ83xop4Ofj2kXcyffwS_TDMZAKucFUlDme0c"
MOVED = {
    "taskforce_notification": "notifications.notification",
    "taskforce_notificationpreference": "notifications.notificationpreference",
    "taskforce_reminder": "notifications.reminder",
    "taskforce_delivery": "notifications.delivery",
    "taskforce_apitoken": "accounts.apitoken",
    "taskforce_calendarfeed": "accounts.calendarfeed",
    "taskforce_auditentry": "audit.auditentry",
}


def _connect(dbname: str) -> psycopg.Connection:
    s = settings.DATABASES["default"]
    return psycopg.connect(host=s["HOST"] or None, port=s["PORT"] or None, user=s["USER"] or None,
                           password=s["PASSWORD"] or None, dbname=dbname, autocommit=True)


@pytest.fixture
def old_database():
    """A scratch database holding the fixture, dropped afterwards."""
    s = settings.DATABASES["default"]
    name = f"upgrade_{os.getpid()}"
    with _connect("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "PGPASSWORD": s["PASSWORD"] or ""}
    restore = subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", s["HOST"] or "127.0.0.1", "-p", str(s["PORT"] or 5432),
         "-U", s["USER"] or "postgres", "-d", name],
        input=gzip.decompress(DUMP.read_bytes()), capture_output=True, env=env, timeout=120,
    )
    assert restore.returncode == 0, restore.stderr.decode()[-2000:]
    url = f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"
    try:
        yield name, url
    finally:
        with _connect("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "taskforce.settings.test", "DATABASE_URL": url}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def _rows(name: str) -> dict:
    with _connect(name) as db:
        counts = {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in MOVED}
        types = dict(db.execute(
            "SELECT app_label || '.' || model, id FROM django_content_type WHERE model = ANY(%s)",
            [[label.split(".")[1] for label in MOVED.values()]],
        ).fetchall())
        head = db.execute("SELECT hash FROM taskforce_auditentry ORDER BY id DESC LIMIT 1").fetchone()[0]
    return {"counts": counts, "types": types, "head": head}


READ_WITH_TODAYS_MODELS = """
import json
from django.test import Client
from accounts.models import ApiToken, CalendarFeed
from audit.models import AuditEntry
from notifications.models import Delivery, Notification, NotificationPreference, Reminder
from members.models import User

counts = {m._meta.db_table: m.objects.count()
          for m in (Notification, NotificationPreference, Reminder, Delivery, ApiToken, CalendarFeed, AuditEntry)}
api = Client().get("/api/v1/milestones/", HTTP_AUTHORIZATION="Token OLD_TOKEN")
rcmp = User.objects.get(username="rcmp")
from audit import selectors as audit_selectors, views as audit_views
token = ApiToken.objects.get()
history = audit_selectors.audit_filter(audit_selectors.audit_log(actor=User.objects.get(username="admin")),
                                       object_ref=("accounts.apitoken", token.pk))
print(json.dumps({
    "token_history": sorted({(e.object_type, e.action) for e in history}),
    "old_kind_name": audit_views._kind_name("taskforce.apitoken"),
    "counts": counts,
    "api": api.status_code,
    "cbsa_unread": Notification.objects.filter(user__username="cbsa", read_at__isnull=True).count(),
    "rcmp_modes": dict(NotificationPreference.objects.filter(user=rcmp).values_list("kind", "mode")),
    "rcmp_feed": CalendarFeed.objects.filter(user=rcmp).exists(),
    "token_entries": list(AuditEntry.objects.filter(object_type="members.user", action="token_new_address")
                          .values_list("details__token", flat=True)),
}))
""".replace("OLD_TOKEN", OLD_TOKEN)


def test_a_database_of_the_release_before_upgrades_in_place(old_database):
    name, url = old_database
    before = _rows(name)
    assert before["counts"]["taskforce_notification"] > 0 and before["counts"]["taskforce_apitoken"] == 1
    assert set(before["types"]) == {f"taskforce.{label.split('.')[1]}" for label in MOVED.values()}

    migrated = _manage(url, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    for step in ("accounts.0001_initial", "audit.0001_initial", "notifications.0001_initial",
                 "taskforce.0012_models_move_to_their_apps"):
        assert f"Applying {step}... OK" in migrated.stdout

    after = _rows(name)
    # Every row kept, in the same tables.
    assert after["counts"] == before["counts"]
    # The content types follow the models under their old ids (permissions and the index point at those ids).
    assert after["types"] == {label: before["types"][f"taskforce.{label.split('.')[1]}"] for label in MOVED.values()}

    read = _manage(url, "shell", "-c", READ_WITH_TODAYS_MODELS)
    assert read.returncode == 0, read.stderr
    seen = json.loads(read.stdout.strip().splitlines()[-1])
    assert seen["counts"] == before["counts"]
    assert seen["api"] == 200, "the API token made before the upgrade no longer opens the API"
    assert seen["cbsa_unread"] == 0  # cbsa had read everything before the upgrade
    assert seen["rcmp_modes"] == {"agenda": "digest", "deadline": "off"}
    assert seen["rcmp_feed"] is True
    assert seen["token_entries"] == ["Schedule sync"]  # the old token's use was recorded by today's code
    # An object's history holds its entries from before the move and after, and names its kind as today.
    assert seen["token_history"] == [
        ["accounts.apitoken", "update"], ["taskforce.apitoken", "create"], ["taskforce.apitoken", "update"],
    ]
    assert seen["old_kind_name"] == "API token"

    # The audit trail: the old chain still verifies and new entries extend it (the token's use, above).
    audit = _manage(url, "check_audit")
    assert audit.returncode == 0 and "intact" in audit.stdout, audit.stdout + audit.stderr
    assert _rows(name)["head"] != before["head"]
    with _connect(name) as db:
        labels = {row[0] for row in db.execute(
            "SELECT DISTINCT object_type FROM taskforce_auditentry WHERE id > (SELECT max(id) - 5 FROM taskforce_auditentry)"
        ).fetchall()}
        triggers = dict(db.execute(
            "SELECT c.relname, split_part(encode(t.tgargs, 'escape'), '\\000', 1) FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = 'taskforce_audit' AND c.relname = ANY(%s)",
            [list(MOVED)],
        ).fetchall())
    assert "accounts.apitoken" in labels  # last_used_at written through the trigger, under the new name
    assert triggers == {table: label for table, label in MOVED.items() if table != "taskforce_auditentry"}

    visibility = _manage(url, "check_visibility")
    assert visibility.returncode == 0, visibility.stdout + visibility.stderr


def test_the_move_can_be_reversed_and_the_content_types_go_back_under_their_ids(old_database):
    name, url = old_database
    before = _rows(name)
    assert _manage(url, "migrate", "--noinput").returncode == 0

    for step in (("taskforce", "0011_milestone_description_fr"), ("accounts", "zero"), ("audit", "zero"),
                 ("notifications", "zero")):
        back = _manage(url, "migrate", *step, "--noinput")
        assert back.returncode == 0, back.stdout + back.stderr

    after = _rows(name)
    assert after["types"] == before["types"]  # taskforce.* again, the same ids
    assert after["counts"] == before["counts"]
