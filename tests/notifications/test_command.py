"""`python manage.py send_due_reminders`: one sweep, run synchronously, on the same code path as beat's, then
the emails it made sent through the configured backend (Django's in-memory outbox here)."""

import datetime
import io
from collections import Counter

from django.core.management import call_command

from meetings import notifications as meeting_notices
from notifications.models import Delivery, Reminder
from tests.support.emails import (
    CBFTF_PEOPLE,
    assert_in_their_language,
    deliveries,
    emails_of,
    outbox,
    recipients,
    reminders_of,
)

from .conftest import MEETING_START, SEVEN_DAYS_BEFORE


def send_due_reminders(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("send_due_reminders", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def reminder_deliveries() -> list[Delivery]:
    return deliveries(reminder__isnull=False)


def test_it_sends_what_is_due_once_to_each_recipient(clock, schedule_at):
    meeting = schedule_at(MEETING_START, invite=("CBSA", "ATF"))
    Delivery.objects.all().delete()  # the invitations; only the reminder is looked at here
    clock.move_to(SEVEN_DAYS_BEFORE)

    out, err = send_due_reminders()
    again, _ = send_due_reminders()

    assert out == "Reminders: 1 sent, 0 dropped, 0 skipped; emails: 3 sent, 0 failed.\n" and err == ""
    assert again == "Reminders: 0 sent, 0 dropped, 0 skipped; emails: 0 sent, 0 failed.\n"
    assert recipients() == Counter(secretariat=1, cbsa=1, atf=1)
    assert emails_of("meeting_reminder") == outbox()  # cbsa's in French, the others' in English
    for message in outbox():
        assert_in_their_language(message, "meeting_reminder")
    assert reminders_of(meeting_notices.topic(meeting), status=Reminder.Status.SENT) == {"7d": SEVEN_DAYS_BEFORE}
    assert {d.status for d in reminder_deliveries()} == {Delivery.Status.SENT}


def test_nothing_is_sent_before_it_is_due(clock, schedule_at):
    schedule_at(MEETING_START)
    Delivery.objects.all().delete()
    clock.move_to(SEVEN_DAYS_BEFORE - datetime.timedelta(minutes=1))

    out, _err = send_due_reminders()

    assert out.startswith("Reminders: 0 sent") and outbox() == []


def test_with_no_send_it_leaves_the_emails_to_the_workers(clock, schedule_at):
    schedule_at(MEETING_START)
    Delivery.objects.all().delete()
    clock.move_to(SEVEN_DAYS_BEFORE)

    out, _err = send_due_reminders("--no-send")

    assert out == "Reminders: 1 sent, 0 dropped, 0 skipped; emails: 0 sent, 0 failed.\n"
    assert outbox() == []
    assert [d.status for d in reminder_deliveries()] == [Delivery.Status.PENDING] * len(CBFTF_PEOPLE)


def test_it_reports_a_refused_email_and_keeps_it_for_a_retry(clock, schedule_at, refusing_server):
    schedule_at(MEETING_START, invite=("CBSA", "ATF"))
    Delivery.objects.all().delete()
    clock.move_to(SEVEN_DAYS_BEFORE)
    refusing_server(1)

    out, err = send_due_reminders()
    clock.shift(datetime.timedelta(minutes=1))
    retry, _ = send_due_reminders()

    assert out.endswith("emails: 2 sent, 1 failed.\n")
    assert "not sent" in err and "try later" in err
    assert retry.endswith("emails: 1 sent, 0 failed.\n")
    assert recipients() == Counter(secretariat=1, cbsa=1, atf=1)
    assert {d.status for d in reminder_deliveries()} == {Delivery.Status.SENT}


def test_it_sends_the_emails_a_dead_broker_left_waiting(clock, schedule_at):
    schedule_at(MEETING_START, invite=("CBSA",))  # the invitations are stored, never queued
    clock.shift(datetime.timedelta(seconds=30))

    out, _err = send_due_reminders()

    assert out == "Reminders: 0 sent, 0 dropped, 0 skipped; emails: 2 sent, 0 failed.\n"
    assert recipients() == Counter(secretariat=1, cbsa=1)
    assert emails_of("meeting_invitation") == outbox()
    for message in outbox():
        assert_in_their_language(message, "meeting_invitation")
