"""The merged schedule: meetings, milestones, approval-step deadlines and action-item due dates in one format,
for the API's `/schedule/` and the calendar feeds.

The core cannot import the features, so each feature registers a source (in its AppConfig.ready) that lists
its entries for one reader, always starting from the visibility core. Deleted entries are remembered as
`Removal` rows (see `record_removal`) so that a client syncing with `updated_since` learns to delete them.
"""

from __future__ import annotations

import datetime
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Model, Q, QuerySet
from django.db.models.signals import pre_delete
from django.utils import timezone

from members.models import Agency, User

from . import conditional, ical, permissions
from .addresses import absolute_url
from .models import Body, Milestone, Removal
from .templatetags.portal import bilingual_plain

KINDS = ("meeting", "milestone", "approval_step", "action_item")

# Statuses an entry can have in the schedule.
SCHEDULED, DONE, CANCELLED, REMOVED = "scheduled", "done", "cancelled", "removed"

# `synced_at` lies this far before the answer, so a change committed while it was computed is never missed.
SYNC_OVERLAP = datetime.timedelta(minutes=1)
# Deadlines (milestones, approval steps) are reminded this many days before: by email (notifications/deadlines.py)
# and by the alarms of calendar entries.
DEADLINE_DAYS_BEFORE = (14, 3)
# The kind of notice (notifications.models.NotificationKind) a milestone's calendar alarms belong to: a member who
# turned deadline notices off gets no alarms either.
DEADLINE_ALARMS = "deadline"


@dataclass(frozen=True)
class Query:
    """What one reader asks for. `start`/`end` bound the entries' dates (inclusive); `bodies` limits them to
    some bodies; `public_only` keeps what is shared with the whole body (a body's public feed)."""

    start: datetime.date | None = None
    end: datetime.date | None = None
    bodies: frozenset[int] | None = None
    agency: Agency | None = None
    kinds: frozenset[str] = frozenset(KINDS)
    updated_since: datetime.datetime | None = None
    public_only: bool = False
    detail: bool = False  # the feeds' extra details: agenda summary, attendees, organizer


@dataclass
class Entry:
    kind: str
    id: int
    uid: str
    title: str
    body: str
    start: datetime.datetime | datetime.date | None
    end: datetime.datetime | datetime.date | None
    all_day: bool
    status: str
    updated_at: datetime.datetime
    sequence: int = 0
    agencies: list[str] = field(default_factory=list)
    url: str = ""
    location: str = ""
    virtual_link: str = ""
    description: str = ""
    organizer: ical.Attendee | None = None
    attendees: list[ical.Attendee] = field(default_factory=list)
    # Notification kind whose preference decides the calendar alarms, and the alarm offsets.
    alarm_kind: str = ""
    alarm_minutes: list[int] = field(default_factory=list)
    # Alarms counted back from the end (a due window is reminded against its last day).
    alarm_related_end: bool = False

    @property
    def sort_key(self) -> tuple:
        start = self.start
        if start is None:
            moment = self.updated_at
        elif isinstance(start, datetime.datetime):
            moment = start
        else:
            moment = datetime.datetime.combine(start, datetime.time.min, tzinfo=datetime.UTC)
        return (moment.astimezone(datetime.UTC).isoformat(), self.uid)

    def event(self, *, summary: str | None = None, alarms: bool = False) -> ical.CalendarEvent:
        """The entry as a calendar event: the one mapping used by the feeds and the invitations' .ics. `summary`
        replaces the title (a feed marks cancelled entries in it); `alarms`: with the entry's alarms."""
        description = self.description
        if self.url and self.url not in description:
            description = "\n\n".join(part for part in (description, self.url) if part)
        return ical.CalendarEvent(
            uid=self.uid,
            summary=self.title if summary is None else summary,
            sequence=self.sequence,
            start=self.start,
            end=self.end,
            description=description,
            location=", ".join(part for part in (self.location, self.virtual_link) if part),
            url=self.url,
            status="CANCELLED" if self.status == CANCELLED else "CONFIRMED",
            organizer_email=self.organizer.email if self.organizer else "",
            organizer_name=self.organizer.name if self.organizer else "",
            attendees=self.attendees,
            last_modified=self.updated_at,
            alarms_minutes_before=self.alarm_minutes if alarms and self.status == SCHEDULED else [],
            alarms_related_end=self.alarm_related_end,
        )


# A source lists its entries for one reader; given `rows` (its own rows, already built for this answer), from those.
Source = Callable[..., Iterable[Entry]]
# The rows a source builds its entries from, as a queryset (and any related values its entries show, as
# annotations): what the schedule's version is computed from, in the database, without building any entry.
Rows = Callable[[User, Query], tuple[QuerySet, dict | None]]
_sources: dict[str, Source] = {}
_rows: dict[str, Rows] = {}


def register(kind: str, source: Source, rows: Rows) -> None:
    _sources[kind] = source
    _rows[kind] = rows


def overlaps(query: Query, start: str, end: str) -> Q:
    """A filter for rows whose [start, end] date range meets the query's window (fields name dates)."""
    condition = Q()
    if query.start is not None:
        condition &= Q(**{f"{end}__gte": query.start})
    if query.end is not None:
        condition &= Q(**{f"{start}__lte": query.end})
    return condition


def rows(actor: User, query: Query) -> dict[str, tuple[QuerySet, dict | None]]:
    """Each source's rows for the reader, built once for both the version and the entries of one answer."""
    return {kind: rows_of(actor, query) for kind, rows_of in _rows.items() if kind in query.kinds}


def entries(actor: User, query: Query, built: dict | None = None) -> list[Entry]:
    """The reader's entries, time-ordered; with `updated_since`, only what changed, plus what was removed.
    `built`: the sources' rows from `rows()`, when the caller already has them."""
    found: list[Entry] = []
    for kind, source in _sources.items():
        if kind in query.kinds:
            found.extend(source(actor, query, rows=built[kind][0] if built else None))
    if query.updated_since is not None:
        found = [entry for entry in found if entry.updated_at > query.updated_since]
        found.extend(removals(actor, query))
    found.sort(key=lambda entry: entry.sort_key)
    return found


@dataclass
class Version:
    parts: list[str]
    newest: datetime.datetime | None
    # The sources' rows, when they had to be built to compile the fingerprints (the entries reuse them).
    built: dict | None = None


# The fingerprints' compiled statements, by everything they depend on (the reader as the visibility core reads
# them, the query, the reader's time zone for the window's midnights): building and compiling four scoped
# querysets costs more than running them. A statement reads the rows, grants and memberships as they are each
# time it runs, so nothing kept here goes stale.
_statements: OrderedDict[tuple, list[tuple[str, conditional.Statement]]] = OrderedDict()
_statements_lock = threading.Lock()
STATEMENTS_KEPT = 2048


def _reader(actor: User, query: Query) -> tuple:
    agency = actor.agency if User.agency.is_cached(actor) else None
    return (
        actor.pk, actor.is_active, actor.is_superuser, actor.agency_id, agency.group_id if agency else None,
        actor.clearance, query, timezone.get_current_timezone_name(),
    )


def version(actor: User, query: Query) -> Version:
    """What the reader's schedule for `query` is made of, cheaply: per source, one aggregate over the rows its
    entries come from (each row's own columns and the related values it shows), never the entries themselves.
    Any change to an entry shown, one appearing or one leaving changes it. For an ETag. The feeds' detailed
    entries (agenda, answers) show more than these rows: feeds fingerprint entries."""
    if query.detail:
        raise ValueError("The detailed entries of the feeds are fingerprinted from the entries themselves.")
    key = _reader(actor, query)
    with _statements_lock:
        statements = _statements.get(key)
        if statements is not None:
            _statements.move_to_end(key)
    built = None
    if statements is None:
        built = rows(actor, query)
        statements = [(kind, conditional.fingerprint_statement(found, extra)) for kind, (found, extra) in built.items()]
        if query.updated_since is not None:
            statements.append(("removed", conditional.fingerprint_statement(_removal_rows(actor, query))))
        with _statements_lock:
            _statements[key] = statements
            while len(_statements) > STATEMENTS_KEPT:
                _statements.popitem(last=False)
    parts, newest = [], []
    for kind, statement in statements:
        digest, _count, changed = conditional.run_fingerprint(statement)
        parts.append(f"{kind}={digest}")
        if kind != "removed":
            newest.append(changed)
    return Version(parts, max((moment for moment in newest if moment is not None), default=None), built)


# Removals ---------------------------------------------------------------------------------------------------

_removal_kinds: dict[type[Model], str] = {}


def record_removals_of(model: type[Model], kind: str) -> None:
    """Remember deletions of `model` rows as removed schedule entries. A pre_delete receiver, because Django
    sends it before deleting anything, while the visibility index still says who could see the row, which the
    removal keeps; this is bookkeeping for sync, like an audit log, not a business rule."""
    _removal_kinds[model] = kind
    pre_delete.connect(_record_removal, sender=model, dispatch_uid=f"schedule-removal-{kind}")


def _record_removal(sender, instance, **kwargs) -> None:
    kind = _removal_kinds[sender]
    audience = permissions.audience(instance)
    Removal.objects.create(
        kind=kind,
        object_id=instance.pk,
        body_id=audience.body_id,
        restricted=audience.restricted,
        principals=audience.principals,
        level=audience.level,
    )


def _removal_rows(actor: User, query: Query) -> QuerySet:
    rows = permissions.scope_removals(actor, Removal.objects.filter(removed_at__gt=query.updated_since))
    rows = rows.filter(kind__in=query.kinds)
    if query.bodies is not None:
        rows = rows.filter(body_id__in=query.bodies)
    if query.public_only:
        rows = rows.filter(restricted=False)
    return rows


def removals(actor: User, query: Query) -> list[Entry]:
    rows = _removal_rows(actor, query)
    acronyms = dict(permissions.scope(actor, Body.objects.all()).values_list("pk", "acronym"))
    return [
        Entry(
            kind=row.kind, id=row.object_id, uid=ical.uid(row.kind, row.object_id), title="",
            body=acronyms.get(row.body_id, ""), start=None, end=None, all_day=False, status=REMOVED,
            updated_at=row.removed_at,
        )
        for row in rows
    ]



# The core's own source: milestones --------------------------------------------------------------------------


def milestone_rows(actor: User, query: Query) -> tuple[QuerySet, None]:
    rows = permissions.scope(actor, Milestone.objects.all())
    rows = rows.filter(overlaps(query, "due_start", "due_end"))
    if query.bodies is not None:
        rows = rows.filter(body_id__in=query.bodies)
    if query.agency is not None:
        rows = rows.filter(owner_agency=query.agency)
    if query.public_only:
        rows = rows.filter(restricted=False)
    if query.updated_since is not None:
        rows = rows.filter(updated_at__gt=query.updated_since)
    return rows, None


def milestone_entries(actor: User, query: Query, rows: QuerySet | None = None) -> list[Entry]:
    from django.urls import reverse

    rows = (milestone_rows(actor, query)[0] if rows is None else rows).select_related("body", "owner_agency")
    status = {Milestone.Status.DONE: DONE, Milestone.Status.CANCELLED: CANCELLED}
    return [
        Entry(
            kind="milestone", id=m.pk, uid=ical.uid("milestone", m.pk), title=m.title, body=m.body.acronym,
            # A due window ("Spring 2022") is an all-day event over the whole window.
            start=m.due_start, end=m.due_end + datetime.timedelta(days=1), all_day=True,
            status=status.get(m.status, SCHEDULED), updated_at=m.updated_at, agencies=[m.owner_agency.acronym],
            url=absolute_url(reverse("milestone-detail", args=[m.pk])),
            # In the reader's language, or the English marked "translation pending", as the milestone's page says it.
            description=bilingual_plain(m, "description"),
            alarm_kind=DEADLINE_ALARMS, alarm_minutes=[n * 24 * 60 for n in DEADLINE_DAYS_BEFORE],
            alarm_related_end=True,
        )
        for m in rows
    ]
