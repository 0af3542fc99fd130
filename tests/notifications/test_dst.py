"""Reminders around daylight-saving changes, on frozen clocks: each fires once, at the same local wall time as
the meeting, on the days before; weekly overdue notices and daily digests keep their local hour too.

2026: daylight saving time ends on Sunday November 1 in Ottawa (02:00 EDT becomes 01:00 EST, 06:00 UTC) and
begins on Sunday March 8 in New York (02:00 EST becomes 03:00 EDT, 07:00 UTC).
"""

import datetime
from collections import Counter

import pytest
import time_machine

from notifications import deadlines
from notifications import engine as notifications
from notifications.models import DeliveryMode, NotificationKind, NotificationPreference, Reminder
from taskforce import services as taskforce_services
from tests.support.emails import CBFTF_PEOPLE, emails_of, outbox, recipients, reminders_of, sent_after_commit, sweep

from .conftest import NEW_YORK, TORONTO, UTC

MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


CASES = {
    # The day after daylight saving time ends in Ottawa: 10:00 EST is 15:00 UTC; a week before, 10:00 EDT is 14:00.
    "toronto-autumn": dict(
        frozen_at=utc(2026, 10, 20, 12),
        start=datetime.datetime(2026, 11, 2, 10, tzinfo=TORONTO),
        change=utc(2026, 11, 1, 6),
        due={"7d": utc(2026, 10, 26, 14), "rsvp": utc(2026, 10, 30, 14), "1d": utc(2026, 11, 1, 15)},
    ),
    # The day after daylight saving time begins in New York: 10:00 EDT is 14:00 UTC; a week before, 10:00 EST is 15:00.
    "new-york-spring": dict(
        frozen_at=utc(2026, 2, 25, 12),
        start=datetime.datetime(2026, 3, 9, 10, tzinfo=NEW_YORK),
        change=utc(2026, 3, 8, 7),
        due={"7d": utc(2026, 3, 2, 15), "rsvp": utc(2026, 3, 6, 15), "1d": utc(2026, 3, 8, 14)},
    ),
}


def sweep_instants(first: datetime.datetime, last: datetime.datetime, dense: list[datetime.datetime]):
    """Every hour from `first` to `last`, and every five minutes in the two hours around each `dense` instant."""
    instants = set()
    moment = first
    while moment <= last:
        instants.add(moment)
        moment += HOUR
    for centre in dense:
        instants.update(centre + step * 5 * MINUTE for step in range(-12, 13))
    return sorted(i for i in instants if first <= i <= last)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_meeting_reminders_fire_once_at_the_meetings_wall_time_across_a_daylight_saving_change(case, schedule_at):
    with time_machine.travel(case["frozen_at"], tick=False) as clock:
        with sent_after_commit():
            meeting = schedule_at(case["start"])
        invitations = len(outbox())
        topic = f"meetings.meeting:{meeting.pk}"
        assert reminders_of(topic) == case["due"]

        sent_at: dict[datetime.datetime, int] = {}
        instants = sweep_instants(case["frozen_at"], case["start"], [*case["due"].values(), case["change"]])
        for instant in instants:
            clock.move_to(instant)
            before = len(outbox())
            sweep()
            if len(outbox()) > before:
                sent_at[instant] = len(outbox()) - before

    assert sent_at == dict.fromkeys(sorted(case["due"].values()), len(CBFTF_PEOPLE))
    processed = {r.label: r.processed_at for r in Reminder.objects.filter(topic=topic, status=Reminder.Status.SENT)}
    assert processed == case["due"]
    zone = case["start"].tzinfo
    assert {label: at.astimezone(zone).time() for label, at in processed.items()} == dict.fromkeys(
        case["due"], datetime.time(10)
    )
    reminders = outbox()[invitations:]
    assert recipients(emails_of("meeting_reminder", reminders)) == Counter(dict.fromkeys(CBFTF_PEOPLE, 2))
    assert recipients(emails_of("meeting_rsvp_reminder", reminders)) == Counter(CBFTF_PEOPLE)


def test_a_reminder_names_the_meetings_local_time_after_the_change(schedule_at, demo):
    case = CASES["toronto-autumn"]
    with time_machine.travel(case["due"]["1d"] - HOUR, tick=False) as clock:
        with sent_after_commit():
            schedule_at(case["start"])
        clock.move_to(case["due"]["1d"])
        first = len(outbox())
        sweep()

    english = [m for m in outbox()[first:] if m.to == [demo.users["atf"].email]]
    assert [m.subject for m in english] == ["Reminder: CBFTF working meeting, November 2, 2026, 10 a.m."]
    assert "When: November 2, 2026, 10 a.m. – noon (America/New_York)" in english[0].body


def test_weekly_overdue_notices_keep_their_local_hour_across_the_change(secretariat, demo):
    with time_machine.travel(utc(2026, 10, 20, 12), tick=False) as clock:
        milestone = taskforce_services.milestone_create(
            actor=secretariat, body=demo.bodies["CBFTF"], title_en="Tracing protocol signed",
            owner_agency=demo.agencies["RCMP"], due_start=datetime.date(2026, 10, 27),
        )
        topic = deadlines.milestone_topic(milestone)
        assert reminders_of(topic)["overdue:1"] == utc(2026, 10, 28, 13)  # 09:00 EDT
        clock.move_to(utc(2026, 10, 28, 13))
        sweep()

        assert reminders_of(topic) == {"overdue:2": utc(2026, 11, 4, 14)}  # 09:00 EST


def test_the_daily_digest_goes_out_at_7_local_on_both_sides_of_the_change(hsi):
    NotificationPreference.objects.create(user=hsi, kind=NotificationKind.MEETING, mode=DeliveryMode.DIGEST)
    sent_at = []
    hour = utc(2026, 10, 30, 0)
    with time_machine.travel(hour, tick=False) as clock:
        while hour < utc(2026, 11, 3, 0):
            clock.move_to(hour)
            with sent_after_commit():
                notifications.notify(
                    kind=NotificationKind.MEETING, event_key=f"test:{hour.isoformat()}", recipients=[hsi],
                    render=lambda user, hour=hour: notifications.Message(subject=f"Notice of {hour:%d %H}h", text=""),
                )
                if notifications.send_digests():
                    sent_at.append(hour)
            hour += HOUR

    # 07:00 in New York: 11:00 UTC while on daylight time, 12:00 UTC from November 1.
    assert sent_at == [utc(2026, 10, 30, 11), utc(2026, 10, 31, 11), utc(2026, 11, 1, 12), utc(2026, 11, 2, 12)]
    assert len(outbox()) == 4
