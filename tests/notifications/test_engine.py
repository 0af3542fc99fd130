"""The notification engine (notifications/engine.py) on PostgreSQL: reminders as rows recomputed by the services
that move what they remind of, the sweep that claims each due row once, deliveries that no path can send twice,
recovery of what a dead broker or worker left behind, retries, preferences and daily digests.

Meetings are scheduled through the meetings services; the clock is stopped (`clock`) and moved to each instant.
"""

import datetime
import smtplib
from collections import Counter

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from meetings import notifications as meeting_notices
from meetings import services as meeting_services
from meetings.models import Meeting
from notifications import engine as notifications
from notifications import selectors as notification_selectors
from notifications.models import (
    Delivery,
    DeliveryMode,
    Notification,
    NotificationKind,
    NotificationPreference,
    Reminder,
)
from tests.support.emails import (
    CBFTF_PEOPLE,
    BrokenReminder,
    assert_in_their_language,
    deliveries,
    emails_of,
    emails_to,
    notices_of,
    outbox,
    reads_french,
    recipients,
    reminders_of,
    sent_after_commit,
    subjects_to,
    sweep,
)

from .conftest import MEETING_START, MONDAY, ONE_DAY_BEFORE, RSVP_REMINDER, SEVEN_DAYS_BEFORE, TORONTO, UTC

MINUTE = datetime.timedelta(minutes=1)
EVERYONE_ONCE = Counter(dict.fromkeys(CBFTF_PEOPLE, 1))


@pytest.fixture
def meeting(clock, schedule_at) -> Meeting:
    """A CBFTF meeting two weeks ahead, every CBFTF agency invited (its invitations are left unsent)."""
    return schedule_at(MEETING_START)


def topic(meeting: Meeting) -> str:
    return meeting_notices.topic(meeting)


def reminder_emails(template: str = "meeting_reminder") -> list[mail.EmailMessage]:
    """The reminders sent, each in its reader's language (cbsa and rcmp read French)."""
    return emails_of(template)


# Reminders are rows, recomputed by the services ---------------------------------------------------------


def test_scheduling_a_meeting_sets_reminders_7_and_1_days_before_and_an_rsvp_reminder_3_days_before(meeting):
    assert reminders_of(topic(meeting)) == {"7d": SEVEN_DAYS_BEFORE, "rsvp": RSVP_REMINDER, "1d": ONE_DAY_BEFORE}


def test_the_bodys_reminder_days_replace_the_default_and_a_meetings_own_replace_the_bodys(
    clock, cbftf, schedule_at, secretariat
):
    cbftf.meeting_reminder_days = [2]
    cbftf.save()
    meeting = schedule_at(MEETING_START)
    assert reminders_of(topic(meeting)) == {"2d": ONE_DAY_BEFORE - datetime.timedelta(days=1), "rsvp": RSVP_REMINDER}

    meeting_services.meeting_update(actor=secretariat, meeting=meeting, reminder_days=[10, 5])

    assert reminders_of(topic(meeting)) == {
        "10d": datetime.datetime(2027, 1, 15, 15, tzinfo=UTC),
        "5d": datetime.datetime(2027, 1, 20, 15, tzinfo=UTC),
        "rsvp": RSVP_REMINDER,
    }
    assert set(reminders_of(topic(meeting), status=Reminder.Status.DROPPED)) == {"2d"}


def test_reminders_whose_time_has_already_passed_are_not_set(clock, schedule_at):
    meeting = schedule_at(datetime.datetime(2027, 1, 13, 10, tzinfo=TORONTO))  # two days ahead

    assert reminders_of(topic(meeting), status=None) == {"1d": datetime.datetime(2027, 1, 12, 15, tzinfo=UTC)}


# The sweep ------------------------------------------------------------------------------------------------


def test_nothing_is_sent_before_a_reminder_is_due(clock, meeting):
    clock.move_to(SEVEN_DAYS_BEFORE - MINUTE)

    result = sweep()

    assert result.processed == 0
    assert reminder_emails() == []


def test_the_sweep_sends_a_due_reminder_to_each_invitee_once_however_often_it_runs(clock, meeting):
    clock.move_to(SEVEN_DAYS_BEFORE)
    first = sweep()
    for _ in range(3):
        clock.shift(MINUTE)
        sweep()

    assert first.sent == 1
    assert recipients(reminder_emails()) == EVERYONE_ONCE
    assert reminders_of(topic(meeting), status=Reminder.Status.SENT) == {"7d": SEVEN_DAYS_BEFORE}


def test_a_reminder_is_claimed_by_one_sweep_only(clock, meeting):
    clock.move_to(SEVEN_DAYS_BEFORE)
    reminder = Reminder.objects.get(topic=topic(meeting), label="7d")

    with sent_after_commit():
        first = notifications.process_reminder(reminder.pk, SEVEN_DAYS_BEFORE)
        second = notifications.process_reminder(reminder.pk, SEVEN_DAYS_BEFORE)

    assert (first, second) == (Reminder.Status.SENT, None)
    assert recipients(reminder_emails()) == EVERYONE_ONCE


def test_no_path_can_deliver_the_same_reminder_twice(clock, meeting):
    clock.move_to(SEVEN_DAYS_BEFORE)
    reminder = Reminder.objects.get(topic=topic(meeting), label="7d")
    sweep()
    made = Delivery.objects.filter(reminder=reminder).count()

    # Whatever sets the row pending again (a restored backup, a second engine), its deliveries already exist.
    Reminder.objects.filter(pk=reminder.pk).update(status=Reminder.Status.PENDING)
    sweep()
    first = Delivery.objects.filter(reminder=reminder).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(recipient=first.recipient, key=first.key, kind=first.kind, subject="again", body_text="")

    assert made == len(CBFTF_PEOPLE)
    assert Delivery.objects.filter(reminder=reminder).count() == made
    assert recipients(reminder_emails()) == EVERYONE_ONCE


def test_a_reminder_set_for_the_meetings_old_time_is_dropped_not_sent(clock, meeting):
    # The meeting moved by a write that did not recompute its reminders: they no longer match its time.
    later = datetime.timedelta(days=1)
    Meeting.objects.filter(pk=meeting.pk).update(start=meeting.start + later, end=meeting.end + later)
    clock.move_to(SEVEN_DAYS_BEFORE)

    result = sweep()

    assert (result.dropped, result.sent) == (1, 0)
    assert reminder_emails() == []
    assert set(reminders_of(topic(meeting), status=Reminder.Status.DROPPED)) == {"7d"}


def test_moving_a_meeting_drops_its_reminders_and_sets_new_ones_for_its_new_time(clock, meeting, secretariat):
    two_days = datetime.timedelta(days=2)

    meeting_services.meeting_update(
        actor=secretariat, meeting=meeting, start=meeting.start + two_days, end=meeting.end + two_days,
        reason="The room is taken",
    )

    assert reminders_of(topic(meeting), status=Reminder.Status.DROPPED) == {
        "7d": SEVEN_DAYS_BEFORE, "rsvp": RSVP_REMINDER, "1d": ONE_DAY_BEFORE,
    }
    assert reminders_of(topic(meeting)) == {
        "7d": SEVEN_DAYS_BEFORE + two_days, "rsvp": RSVP_REMINDER + two_days, "1d": ONE_DAY_BEFORE + two_days,
    }
    clock.move_to(SEVEN_DAYS_BEFORE)
    sweep()
    assert reminder_emails() == []
    clock.move_to(SEVEN_DAYS_BEFORE + two_days)
    sweep()
    assert recipients(reminder_emails()) == EVERYONE_ONCE
    english, french = "January 27, 2027, 10 a.m.", "27 janvier 2027 à 10 h 00"
    assert all((french if reads_french(m) else english) in m.subject for m in reminder_emails())


def test_a_meeting_moved_and_moved_back_is_reminded_at_its_first_time(clock, meeting, secretariat):
    two_days = datetime.timedelta(days=2)
    meeting_services.meeting_update(
        actor=secretariat, meeting=meeting, start=meeting.start + two_days, end=meeting.end + two_days, reason="Room",
    )

    meeting_services.meeting_update(
        actor=secretariat, meeting=meeting, start=MEETING_START, end=MEETING_START + datetime.timedelta(hours=2),
        reason="The room is free after all",
    )

    assert reminders_of(topic(meeting)) == {"7d": SEVEN_DAYS_BEFORE, "rsvp": RSVP_REMINDER, "1d": ONE_DAY_BEFORE}
    clock.move_to(SEVEN_DAYS_BEFORE)
    sweep()
    assert recipients(reminder_emails()) == EVERYONE_ONCE


def test_cancelling_a_meeting_drops_its_reminders(clock, meeting, secretariat):
    meeting_services.meeting_cancel(actor=secretariat, meeting=meeting, reason="Postponed to the spring")

    assert reminders_of(topic(meeting)) == {}
    for instant in (SEVEN_DAYS_BEFORE, RSVP_REMINDER, ONE_DAY_BEFORE):
        clock.move_to(instant)
        sweep()
    assert reminder_emails() == [] and reminder_emails("meeting_rsvp_reminder") == []


def test_reminders_of_a_meeting_that_has_already_started_are_skipped(clock, meeting):
    clock.move_to(MEETING_START + 5 * MINUTE)  # beat was down for the whole fortnight

    result = sweep()

    assert (result.skipped, result.sent) == (3, 0)
    assert reminder_emails() == [] and reminder_emails("meeting_rsvp_reminder") == []
    assert set(reminders_of(topic(meeting), status=Reminder.Status.SKIPPED)) == {"7d", "rsvp", "1d"}


def test_after_the_sweep_was_down_what_fell_due_goes_out_on_the_next_sweep_once(clock, meeting):
    clock.move_to(ONE_DAY_BEFORE + 3 * 60 * MINUTE)  # beat down since before the first reminder

    result = sweep()
    clock.shift(MINUTE)
    again = sweep()

    assert (result.sent, again.processed) == (3, 0)
    assert recipients(reminder_emails()) == Counter(dict.fromkeys(CBFTF_PEOPLE, 2))  # the 7-day and 1-day ones
    assert recipients(reminder_emails("meeting_rsvp_reminder")) == EVERYONE_ONCE


def test_a_reminder_that_cannot_be_processed_does_not_hold_up_the_others(clock, meeting, monkeypatch):
    monkeypatch.setitem(notifications._handlers, "tests.broken", BrokenReminder())
    broken = Reminder.objects.create(
        kind="tests.broken", topic="tests.thing:1", label="0d", occurrence="x", due_at=SEVEN_DAYS_BEFORE - MINUTE
    )
    clock.move_to(SEVEN_DAYS_BEFORE)

    result = sweep()

    assert (result.failed, result.sent) == (1, 1)
    assert recipients(reminder_emails()) == EVERYONE_ONCE
    broken.refresh_from_db()
    assert broken.status == Reminder.Status.PENDING  # rolled back: tried again on the next sweep


def test_a_reminder_of_a_kind_nobody_handles_is_dropped(clock):
    orphan = Reminder.objects.create(kind="gone.feature", topic="gone:1", label="1d", occurrence="x", due_at=MONDAY)

    result = sweep()

    orphan.refresh_from_db()
    assert (result.dropped, orphan.status) == (1, Reminder.Status.DROPPED)


# After commit only, once only ---------------------------------------------------------------------------------


class Refused(Exception):
    pass


def test_emails_go_out_only_once_the_change_is_committed(clock, schedule_at):
    with sent_after_commit():
        schedule_at(MEETING_START)
        assert outbox() == []  # stored, not sent: the transaction has not committed

    assert recipients() == EVERYONE_ONCE


def test_a_change_rolled_back_sends_nothing_and_leaves_no_reminder(clock, schedule_at):
    with sent_after_commit():
        with pytest.raises(Refused), transaction.atomic():
            meeting = schedule_at(MEETING_START)
            raise Refused

    assert outbox() == []
    assert Delivery.objects.count() == 0
    assert reminders_of(topic(meeting), status=None) == {}


def test_the_send_task_run_twice_for_one_email_sends_it_once(clock, meeting, atf):
    from notifications.tasks import send_delivery

    delivery = Delivery.objects.get(recipient=atf)
    send_delivery.delay(delivery.pk)
    send_delivery.delay(delivery.pk)  # queued again: a redelivery, a second sweep

    assert len(emails_to(atf)) == 1


def test_the_send_task_is_acknowledged_only_once_it_has_run():
    from notifications.tasks import send_delivery
    from taskforce.celery import app

    # A worker killed mid-send leaves its message with the broker, to be delivered again (and then ignored by
    # the claim, or taken up by the sweep once the claim is stale).
    assert send_delivery.acks_late is True
    assert app.conf.task_reject_on_worker_lost is True


def test_beat_sweeps_every_minute_requeues_stranded_emails_every_10_seconds_and_sends_digests_every_hour():
    from celery.schedules import crontab

    from taskforce.celery import app

    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert schedule["notifications.tasks.sweep_reminders"] == 60.0
    assert schedule["notifications.tasks.requeue_deliveries"] == 10.0
    assert schedule["notifications.tasks.send_digests"] == crontab(minute=0)


def test_every_task_beat_starts_is_a_registered_task():
    from taskforce.celery import app

    app.loader.import_default_modules()  # what a worker imports at start (the autodiscovered tasks modules)
    names = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert names and names <= set(app.tasks), names - set(app.tasks)
    for name in names:
        assert app.tasks[name].name == name and callable(app.tasks[name].run)


# Deliveries left behind, retries, failures ---------------------------------------------------------------


def test_an_email_left_pending_while_the_broker_was_down_is_sent_by_a_later_sweep(clock, meeting):
    # The invitations were stored, but queueing them after commit never happened.
    assert {d.status for d in deliveries()} == {Delivery.Status.PENDING}

    clock.shift(30 * datetime.timedelta(seconds=1))
    sweep()
    assert outbox() == []  # a fresh one is left to the task queued with it
    clock.shift(2 * MINUTE)
    result = sweep()

    assert result.requeued == len(CBFTF_PEOPLE)
    assert recipients(outbox()) == EVERYONE_ONCE
    assert {d.status for d in deliveries()} == {Delivery.Status.SENT}


def test_an_email_stuck_sending_after_its_worker_died_is_sent_again_once_its_claim_is_stale(clock, meeting, atf):
    stuck = Delivery.objects.get(recipient=atf)
    notifications.claim_delivery(stuck.pk)  # and the worker is killed before sending
    Delivery.objects.exclude(pk=stuck.pk).update(status=Delivery.Status.SENT)

    clock.shift(5 * MINUTE)
    sweep()
    assert outbox() == []
    clock.shift(6 * MINUTE)
    sweep()

    stuck.refresh_from_db()
    assert stuck.status == Delivery.Status.SENT
    assert len(emails_to(atf)) == 1


def test_the_rest_of_a_batch_whose_worker_died_is_queued_again_as_soon_as_its_hold_runs_out(clock, meeting, atf):
    from notifications.tasks import requeue_deliveries

    batch = [d.pk for d in deliveries()]
    first = Delivery.objects.get(pk=batch[0])
    assert notifications.hold_deliveries(batch) == batch  # a batch task took them,
    notifications.claim_delivery(first.pk)  # claimed the first and was killed while sending it

    clock.shift(notifications.LEASE - datetime.timedelta(seconds=1))
    with sent_after_commit():
        assert requeue_deliveries.delay().get() == 0  # the task may still be alive
    assert outbox() == []
    clock.shift(datetime.timedelta(seconds=2))
    with sent_after_commit():
        assert requeue_deliveries.delay().get() == len(batch) - 1
    with sent_after_commit():
        assert requeue_deliveries.delay().get() == 0  # queued once, not again on every pass

    assert recipients(outbox()) == EVERYONE_ONCE - Counter([first.recipient.username])
    statuses = dict(Delivery.objects.values_list("pk", "status"))
    assert statuses.pop(first.pk) == Delivery.Status.SENDING  # left to its stale claim: it may have gone out
    assert set(statuses.values()) == {Delivery.Status.SENT}


def test_a_duplicate_batch_task_sends_nothing_twice(clock, meeting):
    from notifications.tasks import send_deliveries

    batch = [d.pk for d in deliveries()]
    send_deliveries.delay(batch)
    send_deliveries.delay(list(reversed(batch)))  # queued again: the sweep, a redelivery

    assert recipients(outbox()) == EVERYONE_ONCE


def test_a_batch_queued_under_the_tasks_former_name_before_an_upgrade_is_still_sent(clock, meeting):
    from taskforce.celery import app

    app.loader.import_default_modules()
    batch = [d.pk for d in deliveries()]
    app.tasks["taskforce.tasks.send_deliveries"].delay(batch)  # as a message left in the queue by the release before

    assert recipients(outbox()) == EVERYONE_ONCE
    assert {"taskforce.tasks.send_delivery", "taskforce.tasks.sweep_reminders", "taskforce.tasks.requeue_deliveries",
            "taskforce.tasks.send_digests"} <= set(app.tasks)


def test_a_refused_email_is_retried_and_sent_once(clock, schedule_at, refusing_server, atf):
    refusing_server(2)

    with sent_after_commit():
        schedule_at(MEETING_START, invite=("ATF",))

    [delivery] = deliveries(recipient=atf)
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 3)
    assert len(emails_to(atf)) == 1


def test_an_email_the_server_keeps_refusing_is_kept_as_failed_for_the_secretariat_to_see(
    clock, schedule_at, refusing_server, atf, secretariat, settings
):
    refusing_server(100)

    with sent_after_commit():
        schedule_at(MEETING_START, invite=("ATF",))

    [delivery] = deliveries(recipient=atf)
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == settings.EMAIL_MAX_RETRIES + 1
    assert "try later" in delivery.last_error
    assert outbox() == []
    assert delivery in notification_selectors.delivery_list(actor=secretariat)


def test_an_email_queued_again_does_not_start_its_count_of_tries_again(
    clock, meeting, refusing_server, atf, settings
):
    # Refused on every try its task had; then queued again by the sweep (the retry was lost with the broker).
    Delivery.objects.exclude(recipient=atf).update(status=Delivery.Status.SENT)
    Delivery.objects.filter(recipient=atf).update(attempts=settings.EMAIL_MAX_RETRIES, last_error="451 try later")
    refusing_server(100)
    clock.shift(datetime.timedelta(hours=1))

    sweep()

    [delivery] = deliveries(recipient=atf)
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, settings.EMAIL_MAX_RETRIES + 1)


def test_the_sweep_leaves_a_refused_email_to_its_retry_until_that_retry_is_overdue(
    clock, meeting, refusing_server, atf, settings
):
    settings.EMAIL_RETRY_BASE_SECONDS = 30
    Delivery.objects.exclude(recipient=atf).update(status=Delivery.Status.SENT)
    clock.shift(5 * MINUTE)
    refusing_server(1)
    delivery = notifications.claim_delivery(Delivery.objects.get(recipient=atf).pk)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        notifications.send_claimed(delivery)  # its task now retries in 30 seconds

    clock.shift(datetime.timedelta(seconds=85))
    early = sweep()
    clock.shift(datetime.timedelta(seconds=10))  # the retry is a minute late: lost with the broker's queue
    late = sweep()

    assert (early.requeued, late.requeued) == (0, 1)
    assert len(emails_to(atf)) == 1


# Preferences -------------------------------------------------------------------------------------------------


def prefer(user, kind: str, mode: str) -> None:
    NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"mode": mode})


def test_every_kind_of_notice_is_emailed_immediately_by_default(clock, schedule_at):
    with sent_after_commit():
        schedule_at(MEETING_START)

    assert recipients() == EVERYONE_ONCE
    assert NotificationPreference.objects.count() == 0


def test_a_member_who_turned_a_kind_off_gets_no_email_of_it_but_sees_it_in_the_portal(
    clock, schedule_at, cbp, hsi
):
    prefer(cbp, NotificationKind.MEETING, DeliveryMode.OFF)

    with sent_after_commit():
        schedule_at(MEETING_START)

    assert emails_to(cbp) == []
    assert recipients() == EVERYONE_ONCE - Counter(cbp=1)
    [notice] = notices_of(cbp)
    assert [notice.title] == subjects_to(hsi)  # what another English reader in New York was emailed
    assert notice.title.startswith("Invitation: CBFTF working meeting")


def test_a_member_who_turned_reminders_off_still_finds_them_in_the_portal(clock, meeting, cbp):
    prefer(cbp, NotificationKind.MEETING_REMINDER, DeliveryMode.OFF)
    clock.move_to(SEVEN_DAYS_BEFORE)

    sweep()

    assert [m.to for m in reminder_emails() if m.to == [cbp.email]] == []
    assert recipients(reminder_emails()) == EVERYONE_ONCE - Counter(cbp=1)
    [notice] = notices_of(cbp, NotificationKind.MEETING_REMINDER)
    assert notice.title.startswith("Reminder: CBFTF working meeting") and notice.read_at is None


def test_a_member_on_the_digest_gets_one_email_a_day_at_7_in_their_own_time_zone(
    clock, schedule_at, add_item, secretariat, hsi
):
    prefer(hsi, NotificationKind.MEETING, DeliveryMode.DIGEST)
    prefer(hsi, NotificationKind.AGENDA, DeliveryMode.DIGEST)
    with sent_after_commit():
        meeting = schedule_at(MEETING_START)
        add_item(meeting, "Roundtable")
        meeting_services.agenda_circulate(actor=secretariat, meeting=meeting)
    assert emails_to(hsi) == []
    held = deliveries(recipient=hsi)

    with sent_after_commit():
        six_in_new_york = notifications.send_digests(now=datetime.datetime(2027, 1, 12, 11, tzinfo=UTC))
        seven_in_new_york = notifications.send_digests(now=datetime.datetime(2027, 1, 12, 12, tzinfo=UTC))
        later_that_hour = notifications.send_digests(now=datetime.datetime(2027, 1, 12, 12, 30, tzinfo=UTC))

    assert (six_in_new_york, seven_in_new_york, later_that_hour) == (0, 1, 0)
    [digest] = emails_to(hsi)
    assert digest.subject == "Your task force digest for January 12, 2027"
    assert "2 notices since your last digest" in digest.body
    for item in held:
        assert f"* {item.subject}" in digest.body
    assert {d.status for d in deliveries(pk__in=[d.pk for d in held])} == {Delivery.Status.DIGESTED}
    assert len(notices_of(hsi)) == 2  # the portal's list had them all along


def test_a_french_readers_digest_is_in_french_and_lists_what_they_were_told_in_french(clock, schedule_at, cbsa):
    prefer(cbsa, NotificationKind.MEETING, DeliveryMode.DIGEST)

    with sent_after_commit():
        schedule_at(MEETING_START)
        notifications.send_digests(now=datetime.datetime(2027, 1, 12, 12, tzinfo=UTC))  # 07:00 in Ottawa

    [digest] = emails_to(cbsa)
    assert digest.subject == "Votre résumé quotidien du groupe de travail du 12 janvier 2027"
    assert_in_their_language(digest, "digest")
    assert "Un avis depuis votre dernier résumé :" in digest.body
    assert "* Invitation : CBFTF working meeting, 25 janvier 2027 à 10 h 00" in digest.body


def test_what_is_held_after_the_days_digest_waits_for_the_next_days(clock, schedule_at, secretariat, hsi):
    prefer(hsi, NotificationKind.MEETING, DeliveryMode.DIGEST)
    seven_in_new_york = datetime.datetime(2027, 1, 12, 12, tzinfo=UTC)
    with sent_after_commit():
        first = schedule_at(MEETING_START, title_en="First meeting")
        notifications.send_digests(now=seven_in_new_york)
        # A second run in the same hour (a second beat) after a new notice was held.
        second = schedule_at(MEETING_START + datetime.timedelta(days=1), title_en="Second meeting")
        again = notifications.send_digests(now=seven_in_new_york + 20 * MINUTE)
        next_day = notifications.send_digests(now=seven_in_new_york + datetime.timedelta(days=1))

    assert (again, next_day) == (0, 1)
    today, tomorrow = emails_to(hsi)
    assert first.title_en in today.body and second.title_en not in today.body
    assert second.title_en in tomorrow.body and first.title_en not in tomorrow.body


@pytest.mark.parametrize("mandatory", [True, False])
def test_the_secretariat_can_make_meeting_changes_reach_members_who_turned_them_off(
    clock, cbftf, schedule_at, add_item, secretariat, cbp, mandatory
):
    cbftf.meeting_changes_mandatory = mandatory
    cbftf.save()
    prefer(cbp, NotificationKind.MEETING, DeliveryMode.OFF)
    prefer(cbp, NotificationKind.AGENDA, DeliveryMode.OFF)

    with sent_after_commit():
        meeting = schedule_at(MEETING_START)
        add_item(meeting, "Roundtable")
        meeting_services.agenda_circulate(actor=secretariat, meeting=meeting)
        meeting_services.meeting_update(
            actor=secretariat, meeting=meeting, start=MEETING_START + MINUTE * 60, end=MEETING_START + MINUTE * 180,
            reason="Later start",
        )
        meeting_services.meeting_cancel(actor=secretariat, meeting=meeting, reason="Postponed")

    told = [subject.split(":")[0] for subject in subjects_to(cbp)]
    assert told == (["Invitation", "Moved", "Cancelled"] if mandatory else [])
    assert len(notices_of(cbp)) == 4  # the circulated agenda too, in the portal only


def test_a_member_without_an_email_address_still_finds_notices_in_the_portal(clock, schedule_at, cbp):
    cbp.email = ""
    cbp.save()

    with sent_after_commit():
        schedule_at(MEETING_START)

    assert recipients() == EVERYONE_ONCE - Counter(cbp=1)
    assert Notification.objects.filter(user=cbp).count() == 1
