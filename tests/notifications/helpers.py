"""Reading what the notification engine sent, as its recipients (and their mail clients) would."""

import datetime
import smtplib
from collections import Counter
from contextlib import contextmanager

from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import TestCase
from icalendar import Calendar

from members.models import User
from taskforce import notifications
from taskforce.models import Delivery, Notification, Reminder

CBFTF_PEOPLE = ("secretariat", "cbsa", "rcmp", "atf", "hsi", "cbp")


@contextmanager
def sent_after_commit():
    """Run what the block queues after commit (the sends), as a real commit would."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield


def sweep(now: datetime.datetime | None = None) -> notifications.SweepResult:
    """One sweep, as beat runs it, with the emails it queues sent."""
    with sent_after_commit():
        return notifications.sweep(now=now)


def outbox() -> list[mail.EmailMessage]:
    """Every email sent, each checked to go to one person on their own (no shared To, Cc or Bcc)."""
    for message in mail.outbox:
        assert len(message.to) == 1 and not message.cc and not message.bcc, message.recipients()
    return list(mail.outbox)


def emails_to(user: User) -> list[mail.EmailMessage]:
    return [message for message in outbox() if message.to == [user.email]]


def recipients(messages: list[mail.EmailMessage] | None = None) -> Counter:
    """How many emails each person got, by username."""
    by_address = {u.email: u.username for u in User.objects.all()}
    return Counter(by_address[message.to[0]] for message in (outbox() if messages is None else messages))


def subjects_to(user: User) -> list[str]:
    return [message.subject for message in emails_to(user)]


def ics_of(message: mail.EmailMessage) -> tuple[str, str, Calendar]:
    """The calendar attached to an email: (raw text, content type, parsed)."""
    [(_name, content, mimetype)] = [a for a in message.attachments if a[2].startswith("text/calendar")]
    return content, mimetype, Calendar.from_ical(content)


def event_of(message: mail.EmailMessage):
    _raw, _type, calendar = ics_of(message)
    [event] = calendar.walk("VEVENT")
    return event


def notices_of(user: User, kind: str | None = None) -> list[Notification]:
    notices = Notification.objects.filter(user=user).order_by("created_at", "pk")
    return list(notices.filter(kind=kind) if kind else notices)


def reminders_of(topic: str, *, status: str | None = Reminder.Status.PENDING) -> dict[str, datetime.datetime]:
    """label -> due instant (UTC) of a topic's reminders in one status."""
    rows = Reminder.objects.filter(topic=topic)
    if status:
        rows = rows.filter(status=status)
    return {r.label: r.due_at.astimezone(datetime.UTC) for r in rows}


def deliveries(**filters) -> list[Delivery]:
    return list(Delivery.objects.filter(**filters).select_related("recipient").order_by("pk"))


class RefusingBackend(EmailBackend):
    """An SMTP server that answers "451 try later" to the next `refusals` messages, then accepts them (into
    Django's outbox)."""

    refusals = 0

    def send_messages(self, messages):
        if RefusingBackend.refusals:
            RefusingBackend.refusals -= 1
            raise smtplib.SMTPRecipientsRefused({m.to[0]: (451, b"4.3.0 try later") for m in messages})
        return super().send_messages(messages)
