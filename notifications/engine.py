"""The notification engine: notices of what happened, reminders of what is coming, and their delivery.

- `notify()` is called by a service inside its transaction. Each recipient gets an in-portal
  notification and, per their preference, an email now, in the daily digest, or none. Every message
  is rendered for one recipient: their language, their time zone, only what they may see.
- Reminders are rows with a due instant. Services (re)compute them with `reminders_replace()` in the
  same transaction as the change that moves them. `sweep()` (Celery beat, every minute, or
  `manage.py send_due_reminders`) claims a batch of due rows in one statement, has each kind's handler
  read what the batch is about at once (`prepare`), checks that what each reminds of has not moved, and
  creates one notice and one delivery per recipient: a constant number of queries per batch.
- Deliveries are rows with a unique key, so no path can create the same email twice; they are sent by
  tasks of up to SEND_BATCH that claim each one just before sending it. Such a task holds the rest of its batch
  for a short LEASE that it renews as it goes: when its worker is killed, the hold runs out and `requeue_stranded`
  (every 10 seconds, and in each sweep) queues the rest again at once. The one email the worker was sending stays
  claimed until its claim is stale; if the SMTP server had already accepted it, that recipient gets it twice: the
  one duplicate the design accepts, documented in docs/features.md.

Features register reminder handlers (what a "meeting.before" reminder says, to whom) in their
AppConfig.ready(); the engine never imports them.
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as database
from django.db import transaction
from django.utils import timezone, translation

from members.models import User
from taskforce.dates import date_format
from taskforce.validators import one_line

from .models import Delivery, DeliveryMode, Notification, NotificationKind, NotificationPreference, Reminder

logger = logging.getLogger(__name__)

# A claim older than this is considered abandoned (its worker died) and is taken again.
STALE_CLAIM = datetime.timedelta(minutes=10)
# How long a batch task holds the deliveries it has yet to send; it renews the hold once a third of it has passed.
LEASE = datetime.timedelta(seconds=10)
# Reminders claimed and processed together: a meeting reminder goes to up to ~1,000 people, so a batch is up to
# ~25,000 messages held in memory and written in one statement per table.
SWEEP_BATCH = 25


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    url: str = ""
    html: str = ""
    ics: str = ""
    ics_method: str = ""

    def __post_init__(self) -> None:
        # A subject is one header line whatever the titles in it hold: a line break would make every send fail.
        object.__setattr__(self, "subject", one_line(self.subject))


class ReminderHandler(Protocol):
    notification_kind: str

    def is_current(self, reminder: Reminder) -> bool:
        """Whether what the reminder is about still matches the state it was computed for."""

    def is_too_late(self, reminder: Reminder, now: datetime.datetime) -> bool:
        """Whether sending now would be pointless (the meeting has already started)."""

    def recipients(self, reminder: Reminder) -> Iterable[User]:
        """Everyone to remind; each must be able to see what the reminder is about."""

    def render(self, reminder: Reminder, recipient: User) -> Message:
        """The message for one recipient (rendered in their language and time zone)."""

    # Optional: `follow_up(reminder, now) -> Due | None`, the next reminder once this one is sent
    # (weekly overdue notices until the deadline is met).
    # Optional: `prepare(reminders)`, called once per batch with its reminders of this kind, to read in bulk
    # what the other methods then use (topics, audiences, answers, what each recipient may see).
    # Optional: `render_all(reminder, recipients) -> {user pk: Message}`, every recipient's message at once (each
    # the same as `render` under `as_reader` gives); without it each is rendered on its own.


_handlers: dict[str, ReminderHandler] = {}


def register_reminder(kind: str, handler: ReminderHandler) -> None:
    _handlers[kind] = handler


# Rendering for one reader -----------------------------------------------------------------------


def _zone_of(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def as_reader(user: User, render: Callable[[], Message]) -> Message:
    """Render in the recipient's language and time zone."""
    with translation.override(user.language or settings.LANGUAGE_CODE), timezone.override(_zone_of(user)):
        return render()


# Preferences -------------------------------------------------------------------------------------


def modes_for(users: Iterable[User], kind: str) -> dict[int, str]:
    users = list(users)
    chosen = dict(
        NotificationPreference.objects.filter(user__in=users, kind=kind).values_list("user_id", "mode")
    )
    return {u.pk: chosen.get(u.pk, DeliveryMode.IMMEDIATELY) for u in users}


def _delivery_status(mode: str, *, mandatory: bool) -> str | None:
    if mandatory:
        return Delivery.Status.PENDING
    return {DeliveryMode.IMMEDIATELY: Delivery.Status.PENDING, DeliveryMode.DIGEST: Delivery.Status.HELD}.get(mode)


def email_statuses(users: Iterable[User], kind: str, *, mandatory: bool = False) -> dict[int, str | None]:
    """How `notify()` emails each of these people about an event of `kind`: the status of their delivery (pending:
    now; held: in their daily digest), or None when it reaches them in the portal alone (they turned these emails
    off, or have no address). For telling the sender how a message reached each one."""
    users = list(users)
    modes = modes_for(users, kind)
    return {u.pk: _delivery_status(modes[u.pk], mandatory=mandatory) if u.email else None for u in users}


# Notices -------------------------------------------------------------------------------------------


def notify(
    *,
    kind: str,
    event_key: str,
    recipients: Iterable[User],
    render: Callable[[User], Message] | None = None,
    render_all: Callable[[list[User]], dict[int, Message]] | None = None,
    mandatory: bool = False,
) -> int:
    """Tell each recipient, once per event, what happened. Call inside the service's transaction; the
    emails are queued after it commits. Returns how many people were told. Each message is `render(user)` in the
    recipient's language and zone, or taken from `render_all(recipients)` (by user pk), which renders them all at
    once (each in its reader's language and zone)."""
    recipients = [u for u in {u.pk: u for u in recipients}.values() if u.is_active]
    modes = modes_for(recipients, kind)
    if render_all is not None:
        messages = render_all(recipients) if recipients else {}
    else:
        messages = {user.pk: as_reader(user, lambda user=user: render(user)) for user in recipients}
    notices, deliveries = [], []
    for user in recipients:
        message = messages[user.pk]
        notices.append(_notice(user, event_key, kind, message))
        status = _delivery_status(modes[user.pk], mandatory=mandatory)
        if status is None or not user.email:
            continue
        deliveries.append(_delivery(user, f"event:{event_key}:{user.pk}", kind, message, status))
    _store_notices(notices)
    _store_and_queue(deliveries)
    return len(recipients)


def _notice(user: User, event_key: str, kind: str, message: Message) -> Notification:
    return Notification(
        user=user, event_key=event_key, kind=kind, title=message.subject[:300], body=message.text, url=message.url
    )


def _store_notices(notices: list[Notification]) -> None:
    # One insert for every recipient; the unique (user, event) key keeps a notice already there as it is.
    Notification.objects.bulk_create(notices, ignore_conflicts=True)


def _delivery(user: User, key: str, kind: str, message: Message, status: str, reminder=None) -> Delivery:
    return Delivery(
        recipient=user, key=key[:250], kind=kind, reminder=reminder, subject=message.subject[:300],
        body_text=message.text, body_html=message.html, ics=message.ics, ics_method=message.ics_method,
        status=status,
    )


def _store_and_queue(deliveries: list[Delivery]) -> None:
    # The unique key makes a second identical delivery a no-op, whichever path created it.
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    keys = [d.key for d in deliveries if d.status == Delivery.Status.PENDING]
    if keys:
        transaction.on_commit(lambda: queue_pending(keys=keys))


@dataclass(frozen=True)
class Addressee:
    """Someone without an account who is emailed all the same (a meeting's guest): `key` names them in delivery keys
    ("guest:12"); their messages are rendered in `language` and `time_zone`."""

    key: str
    address: str
    language: str
    time_zone: str


def notify_addresses(
    *, kind: str, event_key: str, addressees: Iterable[Addressee], render: Callable[[Addressee], Message], body_id: int,
) -> int:
    """`notify()` for people without an account: an email each, once per event (the same unique key), queued after the
    transaction commits and sent, retried and listed when it fails as any other (for the secretariat of `body_id`).
    They have no notices in the portal and no preferences: the email is the only way they are told."""
    deliveries = []
    for person in {a.key: a for a in addressees}.values():
        with translation.override(person.language or settings.LANGUAGE_CODE), \
                timezone.override(_zone_named(person.time_zone)):
            message = render(person)
        deliveries.append(Delivery(
            address=person.address, body_id=body_id, key=f"event:{event_key}:{person.key}"[:250], kind=kind,
            subject=message.subject[:300], body_text=message.text, body_html=message.html, ics=message.ics,
            ics_method=message.ics_method, status=Delivery.Status.PENDING,
        ))
    _store_and_queue(deliveries)
    return len(deliveries)


def _zone_named(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


# Deliveries are queued this many to a task, sent over one SMTP connection: publishing one task per email would
# itself take tens of seconds for a sweep of 100,000.
SEND_BATCH = 100
SEND_TASK = "notifications.tasks.send_deliveries"


def queue_pending(
    *, keys: list[str] | None = None, ids: list[int] | None = None, reminders: list[int] | None = None
) -> None:
    """Queue the pending deliveries among those named (by key, by id, or those of these reminders)."""
    send_deliveries = current_app.tasks[SEND_TASK]  # by name: the tasks call this engine, not the other way

    pending = Delivery.objects.filter(status=Delivery.Status.PENDING)
    if reminders is not None:
        pending = pending.filter(reminder_id__in=reminders)
    elif keys is not None:
        pending = pending.filter(key__in=keys)
    else:
        pending = pending.filter(pk__in=ids or [])
    found = list(pending.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(found), SEND_BATCH):
        try:
            send_deliveries.delay(found[start:start + SEND_BATCH])
        except Exception:  # the broker is down: the next sweep re-queues what is still pending
            logger.warning("could not queue %s deliveries; the sweep will retry", len(found) - start, exc_info=True)
            return


# Reminders -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    label: str
    at: datetime.datetime


def reminders_replace(*, kind: str, topic: str, occurrence: str, due: Iterable[Due], now=None) -> None:
    """Make the pending reminders of `topic` exactly `due`, for the topic as it is now (`occurrence`).

    Pending reminders computed for another occurrence are dropped (the meeting moved); reminders
    whose instant has already passed are not created. Call in the transaction that changed the topic.
    """
    now = now or timezone.now()
    Reminder.objects.filter(kind=kind, topic=topic, status=Reminder.Status.PENDING).exclude(
        occurrence=occurrence
    ).update(status=Reminder.Status.DROPPED, processed_at=now)
    wanted = {d.label: d.at for d in due if d.at > now}
    Reminder.objects.filter(kind=kind, topic=topic, occurrence=occurrence, status=Reminder.Status.PENDING).exclude(
        label__in=list(wanted)
    ).update(status=Reminder.Status.DROPPED, processed_at=now)
    # Back at an occurrence it had before (a meeting moved back, a milestone reopened): the reminders
    # dropped then are due again; one already sent is not sent twice.
    for label, at in wanted.items():
        Reminder.objects.filter(
            kind=kind, topic=topic, occurrence=occurrence, label=label, status=Reminder.Status.DROPPED
        ).update(status=Reminder.Status.PENDING, due_at=at, claimed_at=None, processed_at=None)
    # The occurrence fixes each label's instant, so an existing row (pending or done) is already right.
    Reminder.objects.bulk_create(
        [
            Reminder(kind=kind, topic=topic, label=label, occurrence=occurrence, due_at=at)
            for label, at in wanted.items()
        ],
        ignore_conflicts=True,
    )


def reminders_drop(*, topic: str, kind: str | None = None) -> None:
    pending = Reminder.objects.filter(topic=topic, status=Reminder.Status.PENDING)
    if kind:
        pending = pending.filter(kind=kind)
    pending.update(status=Reminder.Status.DROPPED, processed_at=timezone.now())


def _claim_batch(
    now: datetime.datetime, size: int, *, skip: Iterable[int] = (), pk: int | None = None
) -> list[Reminder]:
    """Claim up to `size` due reminders in one statement, oldest first; rows another sweep holds are skipped."""
    table = Reminder._meta.db_table
    conditions, params = ["status = %s", "due_at <= %s"], [Reminder.Status.PENDING, now]
    if pk is not None:
        conditions, params = ["status = %s", "id = %s"], [Reminder.Status.PENDING, pk]
    skip = list(skip)
    if skip:
        conditions.append("NOT (id = ANY(%s))")
        params.append(skip)
    columns = ", ".join(f.column for f in Reminder._meta.concrete_fields)
    sql = (
        f"UPDATE {table} SET status = %s, claimed_at = %s WHERE id IN ("
        f"SELECT id FROM {table} WHERE {' AND '.join(conditions)} ORDER BY due_at, id LIMIT %s "
        f"FOR UPDATE SKIP LOCKED) RETURNING {columns}"
    )
    with database.cursor() as cursor:
        cursor.execute(sql, [Reminder.Status.CLAIMED, now, *params, size])
        rows = cursor.fetchall()
    names = [f.attname for f in Reminder._meta.concrete_fields]
    claimed = [Reminder(**dict(zip(names, row, strict=True))) for row in rows]
    return sorted(claimed, key=lambda r: (r.due_at, r.pk))


def _fresh(reminder: Reminder) -> Reminder:
    """The same row without what a handler prepared on it."""
    return Reminder(**{f.attname: getattr(reminder, f.attname) for f in Reminder._meta.concrete_fields})


def _process(reminders: list[Reminder], now: datetime.datetime) -> dict[int, str]:
    """Turn claimed reminders into notices and deliveries: a constant number of queries for the whole batch
    (per kind of reminder in it), whatever the number of reminders and recipients. Returns each one's outcome."""
    by_kind: dict[str, list[Reminder]] = {}
    for reminder in reminders:
        by_kind.setdefault(reminder.kind, []).append(reminder)
    for kind, group in by_kind.items():
        prepare = getattr(_handlers.get(kind), "prepare", None)
        if prepare is not None:
            prepare(group)
    outcomes: dict[int, str] = {}
    live: list[tuple[Reminder, ReminderHandler, list[User]]] = []
    for reminder in reminders:
        handler = _handlers.get(reminder.kind)
        if handler is None or not handler.is_current(reminder):
            outcomes[reminder.pk] = Reminder.Status.DROPPED
        elif handler.is_too_late(reminder, now):
            outcomes[reminder.pk] = Reminder.Status.SKIPPED
        else:
            live.append((reminder, handler, [u for u in handler.recipients(reminder) if u.is_active]))
            outcomes[reminder.pk] = Reminder.Status.SENT
    # Preferences: one query per kind of notice.
    people: dict[str, dict[int, User]] = {}
    for _, handler, recipients in live:
        people.setdefault(handler.notification_kind, {}).update((u.pk, u) for u in recipients)
    modes = {kind: modes_for(users.values(), kind) for kind, users in people.items()}
    notices, deliveries, follow_ups = [], [], []
    created = timezone.now()
    for reminder, handler, recipients in live:
        render_all = getattr(handler, "render_all", None)
        if render_all is not None:
            messages = render_all(reminder, recipients)
        else:
            messages = {
                u.pk: as_reader(u, lambda u=u: handler.render(reminder, u)) for u in recipients  # noqa: B023
            }
        kind = handler.notification_kind
        chosen = modes[kind] if recipients else {}
        prefix = f"reminder:{reminder.kind}:{reminder.topic}:{reminder.label}:{reminder.occurrence}:"
        for user in recipients:
            message, key = messages[user.id], f"{prefix}{user.id}"
            # In the portal's list whatever the email preference, as notices are.
            notices.append((user.id, kind, key[:200], message.subject[:300], message.text, message.url, created))
            status = _delivery_status(chosen[user.id], mandatory=False)
            if status is None or not user.email:
                continue
            deliveries.append((
                user.id, key[:250], kind, reminder.pk, message.subject[:300], message.text, message.html,
                message.ics, message.ics_method, status, 0, "", created,
            ))
        follow_up = getattr(handler, "follow_up", None)
        upcoming = follow_up(reminder, now) if follow_up else None
        if upcoming is not None:
            follow_ups.append(Reminder(kind=reminder.kind, topic=reminder.topic, label=upcoming.label,
                                       occurrence=reminder.occurrence, due_at=upcoming.at))
    # Unique keys (a person's notice of an event, a delivery's key) make a second insert of the same a no-op.
    if notices:
        _insert(Notification, ["user_id", "kind", "event_key", "title", "body", "url", "created_at"], notices)
    if deliveries:
        _insert(Delivery, [
            "recipient_id", "key", "kind", "reminder_id", "subject", "body_text", "body_html", "ics", "ics_method",
            "status", "attempts", "last_error", "created_at",
        ], deliveries)
        sent = [reminder.pk for reminder, _, _ in live]
        transaction.on_commit(lambda: queue_pending(reminders=sent))
    for status in {*outcomes.values()}:
        Reminder.objects.filter(pk__in=[pk for pk, s in outcomes.items() if s == status]).update(
            status=status, processed_at=now
        )
    if follow_ups:
        Reminder.objects.bulk_create(follow_ups, ignore_conflicts=True)
    return outcomes


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Insert many rows in two statements whatever their number: copied into a temporary table of the session, then
    moved into the model's table, a row that would repeat a unique key left out (as `ignore_conflicts` does)."""
    table = model._meta.db_table
    staging = f"staging_{table}"
    names = ", ".join(columns)
    with database.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} AS SELECT {names} FROM {table} WITH NO DATA")
        with cursor.cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"WITH moved AS (DELETE FROM {staging} RETURNING {names}) "
            f"INSERT INTO {table} ({names}) SELECT {names} FROM moved ON CONFLICT DO NOTHING"
        )


@transaction.atomic
def process_reminder(reminder_id: int, now: datetime.datetime) -> str | None:
    """Claim one due reminder and turn it into deliveries, all or nothing."""
    claimed = _claim_batch(now, 1, pk=reminder_id)
    return _process(claimed, now)[reminder_id] if claimed else None


@dataclass
class SweepResult:
    processed: int = 0
    sent: int = 0
    dropped: int = 0
    skipped: int = 0
    requeued: int = 0
    failed: int = 0


def sweep(*, now: datetime.datetime | None = None, batch: int = SWEEP_BATCH) -> SweepResult:
    """One pass: every due reminder, claimed a batch at a time (in one statement) and processed in one transaction
    of constant queries per batch; then re-queue the deliveries that were stranded.

    When a batch raises, it is done again one reminder at a time, each in a savepoint: the ones that fail stay
    pending for the next sweep without holding up the others."""
    now = now or timezone.now()
    result = SweepResult()
    failed: set[int] = set()
    while True:
        with transaction.atomic():
            claimed = _claim_batch(now, batch, skip=failed)
            if not claimed:
                break
            try:
                with transaction.atomic():
                    outcomes = _process(claimed, now)
            except Exception:
                logger.warning("a batch of %s reminders failed; processing them one at a time", len(claimed),
                               exc_info=True)
                outcomes = {}
                for reminder in claimed:
                    try:
                        with transaction.atomic():
                            outcomes.update(_process([_fresh(reminder)], now))
                    except Exception:
                        logger.exception("reminder %s could not be processed; the next sweep retries it", reminder.pk)
                        failed.add(reminder.pk)
                        result.failed += 1
                if failed:
                    # Pending again once this transaction commits: tried again by the next sweep.
                    Reminder.objects.filter(pk__in=failed, status=Reminder.Status.CLAIMED).update(
                        status=Reminder.Status.PENDING, claimed_at=None
                    )
        for outcome in outcomes.values():
            result.processed += 1
            setattr(result, outcome, getattr(result, outcome) + 1)
        if len(claimed) < batch:
            break
    result.requeued = requeue_stranded(now)
    return result


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long a delivery waits after its `attempts`-th failed try: exponential backoff."""
    return datetime.timedelta(seconds=settings.EMAIL_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def requeue_stranded(now: datetime.datetime) -> int:
    """Deliveries left pending (the rest of a batch whose worker died, the broker down at commit, a retry lost with
    the broker's queue) or stuck sending (the worker died while sending it)."""
    stuck = Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
    stuck.update(status=Delivery.Status.PENDING, claimed_at=None)
    # The rest of a batch whose task stopped renewing its hold: at once, the hold let go (a later pass treats them
    # as any pending delivery, so they are not queued again every pass while they wait in the queue).
    with database.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Delivery._meta.db_table} SET leased_until = NULL WHERE id IN ("
            f"SELECT id FROM {Delivery._meta.db_table} WHERE status = %s AND leased_until < %s LIMIT 5000 "
            f"FOR UPDATE SKIP LOCKED) RETURNING id",
            [Delivery.Status.PENDING, now],
        )
        lapsed = [pk for (pk,) in cursor.fetchall()]
    grace = datetime.timedelta(minutes=1)
    pending = Delivery.objects.filter(
        status=Delivery.Status.PENDING, created_at__lt=now - grace, leased_until__isnull=True
    ).exclude(pk__in=lapsed).values_list("pk", "attempts", "claimed_at")[:5000]
    # One that failed waits for its retry (claimed_at is when it was last tried): re-queued only once
    # that retry is overdue, so the sweep does not undo the backoff.
    stranded = lapsed + [
        pk for pk, attempts, tried_at in pending
        if tried_at is None or tried_at + retry_delay(attempts) + grace < now
    ]
    if stranded:
        queue_pending(ids=stranded)
    return len(stranded)


# Sending ------------------------------------------------------------------------------------------


def claim_delivery(delivery_id: int) -> Delivery | None:
    """Claim one delivery just before sending it, by one conditional update: None when it is not pending (sent,
    or claimed by another task), so a duplicate task sends nothing twice."""
    claimed = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SENDING, claimed_at=timezone.now(), leased_until=None
    )
    return Delivery.objects.select_related("recipient").get(pk=delivery_id) if claimed else None


def hold_deliveries(delivery_ids: list[int]) -> list[int]:
    """Hold the pending ones among these deliveries for LEASE (again), in one statement; returns them in order.
    A hold is no claim: another task may still claim and send one of them, never the same one twice."""
    with database.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Delivery._meta.db_table} SET leased_until = %s WHERE id = ANY(%s) AND status = %s RETURNING id",
            [timezone.now() + LEASE, list(delivery_ids), Delivery.Status.PENDING],
        )
        return sorted(pk for (pk,) in cursor.fetchall())


def build_email(delivery: Delivery, connection=None) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        # Deliveries stored before subjects were kept on one line send too.
        subject=one_line(delivery.subject),
        body=delivery.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.to],  # one recipient per message: nobody sees who else was told
        connection=connection,
        headers={"X-Portal-Delivery": delivery.key[:200]},
    )
    if delivery.body_html:
        email.attach_alternative(delivery.body_html, "text/html")
    if delivery.ics:
        method = delivery.ics_method or "REQUEST"
        # Django adds the charset parameter itself; naming it here too would repeat it in the header.
        email.attach("invite.ics", delivery.ics, f"text/calendar; method={method}")
    return email


def send_claimed(delivery: Delivery, connection=None) -> None:
    """Send one claimed delivery (over `connection`, or one of its own); raises on SMTP failure after putting it
    back to pending."""
    try:
        if connection is None:
            with get_connection(timeout=settings.EMAIL_TIMEOUT) as own:
                build_email(delivery, own).send()
        else:
            connection.open()  # kept open for the next email of the batch (a no-op once it is)
            build_email(delivery, connection).send()
    except Exception as exc:
        # Back to pending; claimed_at stays, as the time of this try, for the sweep to respect the backoff.
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.PENDING, attempts=delivery.attempts + 1, last_error=str(exc)[:2000]
        )
        raise
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENT, sent_at=timezone.now(), attempts=delivery.attempts + 1, last_error=""
    )


def mark_failed(delivery_id: int, error: str) -> None:
    """Kept, with its error, for the secretariat to see: never dropped silently."""
    Delivery.objects.filter(pk=delivery_id).exclude(status=Delivery.Status.SENT).update(
        status=Delivery.Status.FAILED, last_error=error[:2000], claimed_at=None
    )


# Digests -----------------------------------------------------------------------------------------


def send_digests(*, now: datetime.datetime | None = None, hour: int = 7) -> int:
    """Bundle each member's held notices into one daily email, at `hour` in their own time zone."""
    now = now or timezone.now()
    waiting = User.objects.filter(deliveries__status=Delivery.Status.HELD).distinct()
    sent = 0
    for user in waiting:
        if now.astimezone(_zone_of(user)).hour == hour:
            sent += _digest_for(user.pk, now)
    return sent


@transaction.atomic
def _digest_for(user_id: int, now: datetime.datetime) -> int:
    from django.template.loader import render_to_string
    from django.utils.translation import gettext

    # One run at a time per member (two beats may both fire at the hour).
    user = User.objects.select_for_update().get(pk=user_id)
    local_day = now.astimezone(_zone_of(user)).date()
    key = f"digest:{user.pk}:{local_day.isoformat()}"
    if Delivery.objects.filter(key=key).exists():
        return 0  # today's digest is out: what was held since waits for tomorrow's
    items = list(Delivery.objects.filter(recipient=user, status=Delivery.Status.HELD).order_by("created_at", "pk"))
    if not items:
        return 0

    def render() -> Message:
        subject = gettext("Your task force digest for %(day)s") % {"day": date_format(local_day, "DATE_FORMAT")}
        text = render_to_string("emails/digest.txt", {"user": user, "items": items, "day": local_day})
        return Message(subject=subject, text=text)

    message = as_reader(user, render)
    digest = _delivery(user, key, NotificationKind.MEETING, message, Delivery.Status.PENDING)
    Delivery.objects.filter(pk__in=[d.pk for d in items]).update(status=Delivery.Status.DIGESTED, sent_at=now)
    _store_and_queue([digest])
    return 1



def mark_sent_between(began: datetime.datetime, ended: datetime.datetime, moment: datetime.datetime) -> None:
    """The demo's story: the emails written between `began` and `ended` went out at `moment` (nobody is emailed today
    about a meeting circulated weeks ago in the story)."""
    written = Delivery.objects.filter(created_at__range=(began, ended))
    written.filter(status=Delivery.Status.PENDING).update(status=Delivery.Status.SENT, sent_at=moment)
    written.filter(status=Delivery.Status.HELD).update(status=Delivery.Status.DIGESTED, sent_at=moment)
