"""The notification engine: notices of what happened, reminders of what is coming, and their delivery.

- `notify()` is called by a service inside its transaction. Each recipient gets an in-portal
  notification and, per their preference, an email now, in the daily digest, or none. Every message
  is rendered for one recipient: their language, their time zone, only what they may see.
- Reminders are rows with a due instant. Services (re)compute them with `reminders_replace()` in the
  same transaction as the change that moves them. `sweep()` (Celery beat, every minute, or
  `manage.py send_due_reminders`) claims each due row with a conditional update that must touch one
  row, checks that what it reminds of has not moved, and creates one delivery per recipient.
- Deliveries are rows with a unique key, so no path can create the same email twice; each is sent by a
  task that claims it the same way. A delivery whose sending was interrupted (worker killed) is
  re-queued by the sweep once its claim is stale; if the SMTP server had already accepted it, that
  recipient gets it twice: the one duplicate the design accepts, documented in the README.

Features register reminder handlers (what a "meeting.before" reminder says, to whom) in their
AppConfig.ready(); the core never imports them.
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone, translation

from members.models import User

from .models import Delivery, DeliveryMode, Notification, NotificationKind, NotificationPreference, Reminder

logger = logging.getLogger(__name__)

# A claim older than this is considered abandoned (its worker died) and is taken again.
STALE_CLAIM = datetime.timedelta(minutes=10)
SWEEP_BATCH = 200


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    url: str = ""
    html: str = ""
    ics: str = ""
    ics_method: str = ""


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


def absolute_url(path: str) -> str:
    return f"{settings.PORTAL_URL.rstrip('/')}{path}" if path.startswith("/") else path


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


# Notices -------------------------------------------------------------------------------------------


def notify(
    *,
    kind: str,
    event_key: str,
    recipients: Iterable[User],
    render: Callable[[User], Message],
    mandatory: bool = False,
) -> int:
    """Tell each recipient, once per event, what happened. Call inside the service's transaction; the
    emails are queued after it commits. Returns how many people were told."""
    recipients = [u for u in {u.pk: u for u in recipients}.values() if u.is_active]
    modes = modes_for(recipients, kind)
    notices, deliveries = [], []
    for user in recipients:
        message = as_reader(user, lambda user=user: render(user))
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


def queue_pending(*, keys: list[str] | None = None, ids: list[int] | None = None) -> None:
    from .tasks import send_delivery

    pending = Delivery.objects.filter(status=Delivery.Status.PENDING)
    pending = pending.filter(key__in=keys) if keys is not None else pending.filter(pk__in=ids or [])
    for delivery_id in pending.values_list("pk", flat=True):
        try:
            send_delivery.delay(delivery_id)
        except Exception:  # the broker is down: the next sweep re-queues what is still pending
            logger.warning("could not queue delivery %s; the sweep will retry", delivery_id, exc_info=True)
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


def _claim(reminder_id: int, now: datetime.datetime) -> bool:
    return (
        Reminder.objects.filter(pk=reminder_id, status=Reminder.Status.PENDING).update(
            status=Reminder.Status.CLAIMED, claimed_at=now
        )
        == 1
    )


def _finish(reminder: Reminder, status: str, now: datetime.datetime) -> None:
    Reminder.objects.filter(pk=reminder.pk).update(status=status, processed_at=now)


@transaction.atomic
def process_reminder(reminder_id: int, now: datetime.datetime) -> str | None:
    """Claim one due reminder and turn it into deliveries, all or nothing."""
    if not _claim(reminder_id, now):
        return None
    reminder = Reminder.objects.get(pk=reminder_id)
    handler = _handlers.get(reminder.kind)
    if handler is None or not handler.is_current(reminder):
        _finish(reminder, Reminder.Status.DROPPED, now)
        return Reminder.Status.DROPPED
    if handler.is_too_late(reminder, now):
        _finish(reminder, Reminder.Status.SKIPPED, now)
        return Reminder.Status.SKIPPED
    recipients = [u for u in handler.recipients(reminder) if u.is_active]
    modes = modes_for(recipients, handler.notification_kind)
    notices, deliveries = [], []
    for user in recipients:
        message = as_reader(user, lambda user=user: handler.render(reminder, user))
        key = f"reminder:{reminder.kind}:{reminder.topic}:{reminder.label}:{reminder.occurrence}:{user.pk}"
        # In the portal's list whatever the email preference, as notices are.
        notices.append(_notice(user, key[:200], handler.notification_kind, message))
        status = _delivery_status(modes[user.pk], mandatory=False)
        if status is None or not user.email:
            continue
        deliveries.append(_delivery(user, key, handler.notification_kind, message, status, reminder))
    _store_notices(notices)
    _store_and_queue(deliveries)
    _finish(reminder, Reminder.Status.SENT, now)
    follow_up = getattr(handler, "follow_up", None)
    upcoming = follow_up(reminder, now) if follow_up else None
    if upcoming is not None:
        Reminder.objects.bulk_create(
            [Reminder(kind=reminder.kind, topic=reminder.topic, label=upcoming.label, occurrence=reminder.occurrence,
                      due_at=upcoming.at)],
            ignore_conflicts=True,
        )
    return Reminder.Status.SENT


@dataclass
class SweepResult:
    processed: int = 0
    sent: int = 0
    dropped: int = 0
    skipped: int = 0
    requeued: int = 0
    failed: int = 0


def sweep(*, now: datetime.datetime | None = None, batch: int = SWEEP_BATCH) -> SweepResult:
    """One pass: every due reminder, in batches of constant queries, then re-queue what was stranded."""
    now = now or timezone.now()
    result = SweepResult()
    failed: set[int] = set()
    while True:
        due = list(
            Reminder.objects.filter(status=Reminder.Status.PENDING, due_at__lte=now)
            .exclude(pk__in=failed)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[:batch]
        )
        for reminder_id in due:
            try:
                outcome = process_reminder(reminder_id, now)
            except Exception:
                # Rolled back and still pending: tried again next sweep, without holding up the others.
                logger.exception("reminder %s could not be processed; the next sweep retries it", reminder_id)
                failed.add(reminder_id)
                result.failed += 1
                continue
            if outcome is None:
                continue
            result.processed += 1
            setattr(result, outcome, getattr(result, outcome) + 1)
        if len(due) < batch:
            break
    result.requeued = requeue_stranded(now)
    return result


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long a delivery waits after its `attempts`-th failed try: exponential backoff."""
    return datetime.timedelta(seconds=settings.EMAIL_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def requeue_stranded(now: datetime.datetime) -> int:
    """Deliveries left pending (the broker was down at commit, or a retry was lost with the broker's
    queue) or stuck sending (the worker died)."""
    stuck = Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
    stuck.update(status=Delivery.Status.PENDING, claimed_at=None)
    grace = datetime.timedelta(minutes=1)
    pending = Delivery.objects.filter(status=Delivery.Status.PENDING, created_at__lt=now - grace).values_list(
        "pk", "attempts", "claimed_at"
    )[:5000]
    # One that failed waits for its retry (claimed_at is when it was last tried): re-queued only once
    # that retry is overdue, so the sweep does not undo the backoff.
    stranded = [
        pk for pk, attempts, tried_at in pending
        if tried_at is None or tried_at + retry_delay(attempts) + grace < now
    ]
    if stranded:
        queue_pending(ids=stranded)
    return len(stranded)


# Sending ------------------------------------------------------------------------------------------


def claim_delivery(delivery_id: int) -> Delivery | None:
    now = timezone.now()
    claimed = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SENDING, claimed_at=now
    )
    return Delivery.objects.select_related("recipient").get(pk=delivery_id) if claimed == 1 else None


def build_email(delivery: Delivery, connection=None) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=delivery.subject,
        body=delivery.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.recipient.email],  # one recipient per message: nobody sees who else was told
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


def send_claimed(delivery: Delivery) -> None:
    """Send one claimed delivery; raises on SMTP failure after putting it back to pending."""
    try:
        with get_connection(timeout=settings.EMAIL_TIMEOUT) as connection:
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
        subject = gettext("Your task force digest for %(day)s") % {"day": local_day.isoformat()}
        text = render_to_string("emails/digest.txt", {"user": user, "items": items, "day": local_day})
        return Message(subject=subject, text=text)

    message = as_reader(user, render)
    digest = _delivery(user, key, NotificationKind.MEETING, message, Delivery.Status.PENDING)
    Delivery.objects.filter(pk__in=[d.pk for d in items]).update(status=Delivery.Status.DIGESTED, sent_at=now)
    _store_and_queue([digest])
    return 1

