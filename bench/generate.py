"""The benchmark's data: a task force portal at realistic-large scale, the same rows for the same seed.

Rows go in with COPY (psycopg 3), ids chosen here, in one transaction, with the audit trail's triggers off
(`session_replication_role = replica`): the trail would otherwise record every generated row. `VACUUM ANALYZE`
closes the load. Each value
passes through its model field (`get_db_prep_save`), and a column not given takes the field's default, so
the rows are what the product itself would store.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import connection, models
from django.utils import timezone

from meetings.models import (
    AgendaItem,
    AgendaItemGroupObjectPermission,
    Invitation,
    Meeting,
    MeetingGroupObjectPermission,
    MeetingUserObjectPermission,
)
from members.models import Agency, User
from mou.models import Agreement, AgreementGroupObjectPermission, AgreementVersion
from taskforce import permissions
from taskforce.models import AgencyRole, Body, Membership, Reader, Visibility

# The first and last day meetings are spread over (ten years).
FIRST_DAY = datetime.date(2017, 1, 1)
LAST_DAY = datetime.date(2026, 12, 31)
# Agencies that take part in each body; the last OBSERVERS of them observe and are not invited.
AGENCIES_PER_BODY = 15
OBSERVERS = 2
ITEMS_RESTRICTED = 0.2
# A password no one can use: the benchmark signs in with tokens and prepared sessions.
UNUSABLE_PASSWORD = "!bench"


@dataclass(frozen=True)
class Scale:
    bodies: int
    agencies: int
    members: int
    meetings: int
    items: int
    agreements: int
    versions: int
    permissions: int


SCALES = {
    "full": Scale(12, 60, 5_000, 50_000, 500_000, 20_000, 100_000, 1_000_000),
    "medium": Scale(12, 60, 1_000, 5_000, 50_000, 2_000, 10_000, 100_000),
    "tiny": Scale(3, 20, 100, 300, 3_000, 40, 200, 6_000),
}

# The people the benchmark acts as (bench/personas.py gives them tokens).
SECRETARIAT = "bench-secretariat"
MEMBER = "bench-member"
INVITEE = "bench-invitee"


def _value(field: models.Field, row: dict, now: datetime.datetime):
    if field.attname in row:
        value = row[field.attname]
    elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        value = now
    elif field.has_default():
        value = field.get_default()
    elif field.null:
        value = None
    else:
        value = ""
    return field.get_db_prep_save(value, connection)


def copy_rows(model: type[models.Model], rows: Iterable[dict]) -> int:
    """COPY rows (dicts by attname) into the model's table; every other column takes the field's default."""
    fields = model._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    now = timezone.now()
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_value(f, row, now) for f in fields])
                count += 1
    return count


def _reset_sequences(tables: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE(MAX(id), 1)) FROM {table}", [table]
            )


def _permission(model: type[models.Model]) -> int:
    meta = model._meta
    return Permission.objects.get(codename=f"view_{meta.model_name}", content_type__app_label=meta.app_label).pk


class Generator:
    """Builds every table in dependency order; `counts` says what went in."""

    def __init__(self, scale: Scale, seed: int):
        self.scale = scale
        self.rng = random.Random(seed)
        self.counts: Counter[str] = Counter()

    def copy(self, model: type[models.Model], rows: Iterable[dict]) -> None:
        self.counts[model._meta.label] += copy_rows(model, rows)

    def run(self) -> Counter[str]:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("SET synchronous_commit = off")
        try:
            self.agencies()
            self.bodies()
            self.people()
            self.meetings()
            self.items()
            self.agreements()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = origin")
        tables = [m._meta.db_table for m in (
            Group, Agency, Body, AgencyRole, User, Membership, Meeting, Invitation, MeetingGroupObjectPermission,
            MeetingUserObjectPermission, AgendaItem, AgendaItemGroupObjectPermission, Agreement, AgreementVersion,
            AgreementGroupObjectPermission, Agreement.parties.through,
        )]
        _reset_sequences(tables)
        return self.counts

    # Who belongs where.

    def agencies(self) -> None:
        base = Group.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        n = self.scale.agencies
        self.agency_ids = list(range(1, n + 1))
        self.group_of = {a: base + a for a in self.agency_ids}
        self.copy(Group, ({"id": base + a, "name": f"agency:BA{a:03d}"} for a in self.agency_ids))
        self.copy(Agency, (
            {"id": a, "acronym": f"BA{a:03d}", "name_en": f"Bench agency {a}", "name_fr": f"Agence d'essai {a}",
             "country": "CA" if a % 2 else "US", "group_id": base + a}
            for a in self.agency_ids
        ))

    def bodies(self) -> None:
        self.body_ids = list(range(1, self.scale.bodies + 1))
        self.copy(Body, (
            {"id": b, "acronym": f"BB{b:02d}", "name_en": f"Bench body {b}", "name_fr": f"Organe d'essai {b}",
             "kind": "forum" if b == 1 else "task_force", "parent_id": None if b == 1 else 1,
             "meeting_reminder_days": [7, 1]}
            for b in self.body_ids
        ))
        per_body = min(AGENCIES_PER_BODY, self.scale.agencies)
        self.roles: dict[int, list[tuple[int, str]]] = {}
        rows, pk = [], 0
        for b in self.body_ids:
            chosen = self.rng.sample(self.agency_ids, per_body)
            roles = ["co_lead"] * 2 + ["member"] * (per_body - 2 - OBSERVERS) + ["observer"] * OBSERVERS
            self.roles[b] = list(zip(chosen, roles, strict=True))
            for agency, role in self.roles[b]:
                pk += 1
                rows.append({"id": pk, "body_id": b, "agency_id": agency, "role": role})
        self.copy(AgencyRole, rows)
        self.invited = {b: [a for a, role in roles if role != "observer"] for b, roles in self.roles.items()}

    def people(self) -> None:
        n = self.scale.members
        self.user_ids = list(range(1, n + 1))
        agency_of = {u: self.rng.choice(self.agency_ids) for u in self.user_ids}
        first = self.body_ids[0]
        # The named personas: an agency member invited through its agency, and an observer's member invited by name.
        member_agency = self.invited[first][2]
        observer_agency = next(a for a, role in self.roles[first] if role == "observer")
        names = {1: SECRETARIAT, 2: MEMBER, 3: INVITEE}
        agency_of[1], agency_of[2], agency_of[3] = self.invited[first][0], member_agency, observer_agency
        self.agency_of = agency_of
        self.copy(User, (
            {"id": u, "username": names.get(u, f"bench{u:05d}"), "password": UNUSABLE_PASSWORD,
             "first_name": f"First{u}", "last_name": f"Last{u}", "email": f"bench{u}@example.org",
             "agency_id": agency_of[u], "clearance": u % 3, "time_zone": "America/Toronto",
             "language": "fr" if u % 4 == 0 else "en"}
            for u in self.user_ids
        ))
        bodies_of_agency: dict[int, list[int]] = {}
        for b, roles in self.roles.items():
            for agency, _role in roles:
                bodies_of_agency.setdefault(agency, []).append(b)
        self.members_of: dict[int, list[int]] = {b: [] for b in self.body_ids}
        rows, pk = [], 0
        for u in self.user_ids:
            for b in bodies_of_agency.get(agency_of[u], []):
                pk += 1
                secretariat = u == 1 or (u <= 3 * len(self.body_ids) and u % len(self.body_ids) == b - 1 and u > 3)
                rows.append({"id": pk, "body_id": b, "user_id": u, "role": "secretariat" if secretariat else "member"})
                self.members_of[b].append(u)
        # The secretariat persona runs every body.
        for b in self.body_ids:
            if 1 not in self.members_of[b]:
                pk += 1
                rows.append({"id": pk, "body_id": b, "user_id": 1, "role": "secretariat"})
                self.members_of[b].append(1)
        self.copy(Membership, rows)

    # Meetings, their invitations and grants.

    def meetings(self) -> None:
        n, span = self.scale.meetings, (LAST_DAY - FIRST_DAY).days + 1
        now = timezone.now()
        view = _permission(Meeting)
        meetings, invitations, group_perms, user_perms = [], [], [], []
        self.meeting_body: list[int] = [0]
        self.meeting_start: list[datetime.datetime] = [now]
        first = self.body_ids[0]
        for m in range(1, n + 1):
            body = self.body_ids[(m - 1) % len(self.body_ids)]
            day = FIRST_DAY + datetime.timedelta(days=self.rng.randrange(span))
            start = datetime.datetime.combine(day, datetime.time(13 + self.rng.randrange(6)), tzinfo=datetime.UTC)
            past = start < now
            circulated = past or self.rng.random() < 0.5
            meetings.append({
                "id": m, "body_id": body, "title_en": f"Meeting {m} of body {body}", "title_fr": f"Réunion {m}",
                "start": start, "end": start + datetime.timedelta(hours=2), "time_zone": "America/Toronto",
                "host_agency_id": self.invited[body][0], "place": "Ottawa",
                "status": "cancelled" if self.rng.random() < 0.02 else "scheduled",
                "agenda_status": "final" if past else ("circulated" if circulated else "draft"),
                "agenda_circulated_at": start - datetime.timedelta(days=10) if circulated else None,
                "minutes_status": "approved" if past else "draft", "created_at": start - datetime.timedelta(days=30),
                "updated_at": min(start, now),
            })
            self.meeting_body.append(body)
            self.meeting_start.append(start)
            for agency in self.invited[body]:
                invitations.append({"meeting_id": m, "agency_id": agency})
                group_perms.append({"content_object_id": m, "group_id": self.group_of[agency], "permission_id": view})
            people = set(self.rng.sample(self.members_of[body], min(2, len(self.members_of[body]))))
            if body == first:
                people.add(3)
            for user in sorted(people):
                invitations.append({"meeting_id": m, "user_id": user})
                user_perms.append({"content_object_id": m, "user_id": user, "permission_id": view})
        self.copy(Meeting, meetings)
        self.copy(Invitation, ({"id": i, **row} for i, row in enumerate(invitations, 1)))
        self.copy(MeetingGroupObjectPermission, ({"id": i, **row} for i, row in enumerate(group_perms, 1)))
        self.copy(MeetingUserObjectPermission, ({"id": i, **row} for i, row in enumerate(user_perms, 1)))

    def items(self) -> None:
        n, meetings = self.scale.items, self.scale.meetings
        restricted = int(n * ITEMS_RESTRICTED)
        agreement_grants = int(self.scale.agreements * 0.2) * 2
        spent = sum(self.counts[f"meetings.Meeting{kind}ObjectPermission"] for kind in ("Group", "User"))
        # Grants per restricted item, so that every grant table together holds the scale's total.
        per_item = max(1.0, (self.scale.permissions - spent - agreement_grants) / max(restricted, 1))
        view = _permission(AgendaItem)
        items, perms = [], []
        restricted_ids = set(self.rng.sample(range(1, n + 1), restricted))
        for i in range(1, n + 1):
            meeting = (i - 1) % meetings + 1
            body = self.meeting_body[meeting]
            hidden = i in restricted_ids
            items.append({
                "id": i, "meeting_id": meeting, "position": (i - 1) // meetings + 1, "title_en": f"Item {i}",
                "title_fr": f"Point {i}", "description": f"Discussion of item {i}.", "minutes_allotted": 15,
                "presenter_agency_id": self.invited[body][0], "restricted": hidden,
            })
            if hidden:
                count = int(per_item) + (1 if self.rng.random() < per_item - int(per_item) else 0)
                for agency in self.rng.sample(self.invited[body], min(count, len(self.invited[body]))):
                    perms.append({"content_object_id": i, "group_id": self.group_of[agency], "permission_id": view})
        self.copy(AgendaItem, items)
        self.copy(AgendaItemGroupObjectPermission, ({"id": k, **row} for k, row in enumerate(perms, 1)))

    # Agreements, their versions and parties.

    def agreements(self) -> None:
        n = self.scale.agreements
        per = max(1, self.scale.versions // max(n, 1))
        view = _permission(Agreement)
        agreements, versions, parties, perms = [], [], [], []
        kinds = [k for k, _label in Agreement.Kind.choices]
        for a in range(1, n + 1):
            body = self.body_ids[(a - 1) % len(self.body_ids)]
            hidden = a % 5 == 0
            agreements.append({
                "id": a, "body_id": body, "kind": self.rng.choice(kinds), "short_name": f"AGR-{a}",
                "title_en": f"Agreement {a}", "title_fr": f"Entente {a}", "summary": "Information sharing.",
                "restricted": hidden, "classification": 0,
            })
            sides = self.rng.sample(self.invited[body], 2)
            for agency in sides:
                parties.append({"agreement_id": a, "agency_id": agency})
                if hidden:
                    perms.append({"content_object_id": a, "group_id": self.group_of[agency], "permission_id": view})
            authors = self.members_of[body]
            for number in range(1, per + 1):
                versions.append({
                    "agreement_id": a, "number": number, "text": f"Text of agreement {a}, version {number}.",
                    "author_id": self.rng.choice(authors),
                })
        self.copy(Agreement, agreements)
        self.copy(Agreement.parties.through, ({"id": i, **row} for i, row in enumerate(parties, 1)))
        self.copy(AgreementVersion, ({"id": i, **row} for i, row in enumerate(versions, 1)))
        self.copy(AgreementGroupObjectPermission, ({"id": i, **row} for i, row in enumerate(perms, 1)))


def generate(scale: Scale, seed: int) -> Counter[str]:
    """Load the benchmark data into the (migrated, empty) default database; returns rows per model."""
    counts = Generator(scale, seed).run()
    # COPY bypasses what keeps the visibility index in step: it is worked out from the rules once, as after a restore.
    permissions.rebuild()
    counts["taskforce.Visibility"] = Visibility.objects.count()
    counts["taskforce.Reader"] = Reader.objects.count()
    # As autovacuum leaves a table in service: statistics for the planner, and the visibility map that lets
    # the grant tables' unique (group, permission, object) indexes answer without reading the heap.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return counts


def counts() -> Counter[str]:
    """Rows per generated model in the database as it is (for a run that reuses loaded data)."""
    return Counter({model._meta.label: model.objects.count() for model in (
        Agency, Body, AgencyRole, User, Membership, Meeting, Invitation, MeetingGroupObjectPermission,
        MeetingUserObjectPermission, AgendaItem, AgendaItemGroupObjectPermission, Agreement, AgreementVersion,
        AgreementGroupObjectPermission,
    )})
