"""Reminders of dated deadlines: milestones (notifications/deadlines.py), approval steps (mou/notifications.py) and
action items (meetings/notifications.py). Before the due date, on the day, then an overdue notice every week
until done, to the owner agency's members and the secretariat, and only to those who may see the deadline.

Deadline reminders go out at 09:00 in Ottawa on their day. The clock starts on Monday January 11, 2027.
"""

import datetime
from collections import Counter

import pytest
from django.core import mail

from meetings import notifications as meeting_notices
from meetings import services as meeting_services
from meetings.models import ActionItem
from mou import notifications as mou_notices
from mou import services as mou_services
from mou.models import Agreement
from notifications import deadlines
from notifications.models import Notification, NotificationKind, Reminder
from taskforce import services as taskforce_services
from taskforce.models import Milestone, season_window
from tests.support.emails import (
    assert_in_their_language,
    emails_to,
    notices_of,
    outbox,
    recipients,
    reminders_of,
    sent_after_commit,
    sweep,
)
from tests.support.scenario import RESTRICTED_TITLES, restricted_milestones

from .conftest import TORONTO, UTC

DUE = datetime.date(2027, 2, 15)
AT_NINE = {  # 09:00 in Ottawa (EST), in UTC
    "14d": datetime.datetime(2027, 2, 1, 14, tzinfo=UTC),
    "3d": datetime.datetime(2027, 2, 12, 14, tzinfo=UTC),
    "0d": datetime.datetime(2027, 2, 15, 14, tzinfo=UTC),
    "overdue:1": datetime.datetime(2027, 2, 16, 14, tzinfo=UTC),
}
WEEK = datetime.timedelta(days=7)
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def milestone_of(clock, secretariat, cbftf):
    """`milestone_of(owner, due=DUE, **fields)`: a CBFTF milestone created by the secretariat."""

    def create(owner, *, due: datetime.date = DUE, **fields) -> Milestone:
        fields = {"title_en": "Joint tracing protocol adopted", "title_fr": "Protocole conjoint adopté", **fields}
        fields.setdefault("due_start", due)
        fields.setdefault("due_end", due)
        return taskforce_services.milestone_create(actor=secretariat, body=cbftf, owner_agency=owner, **fields)

    return create


def sweep_through(*instants: datetime.datetime, clock) -> None:
    for instant in instants:
        clock.move_to(instant)
        sweep()


def subjects_to_username(name: str) -> list[str]:
    return [m.subject for m in outbox() if m.to[0].startswith(f"{name}@")]


# Milestones --------------------------------------------------------------------------------------------------


def test_a_milestone_is_reminded_14_and_3_days_before_on_the_day_and_the_day_after(milestone_of, demo):
    milestone = milestone_of(demo.agencies["RCMP"])

    assert reminders_of(deadlines.milestone_topic(milestone)) == AT_NINE


def test_each_milestone_reminder_goes_out_once_at_its_time_to_the_owner_agency_and_the_secretariat(
    milestone_of, demo, clock, vancouver
):
    milestone_of(demo.agencies["RCMP"])

    for label, instant in AT_NINE.items():
        clock.move_to(instant - datetime.timedelta(minutes=1))
        sweep()
        assert len(outbox()) == 3 * list(AT_NINE).index(label), f"sent before {label} was due"
        clock.move_to(instant)
        sweep()
        sweep()

    assert recipients() == Counter(secretariat=4, rcmp=4, **{"rcmp-bc": 4})
    assert subjects_to_username("secretariat") == [
        "Milestone is due in 14 days (February 15, 2027): Joint tracing protocol adopted",
        "Milestone is due in 3 days (February 15, 2027): Joint tracing protocol adopted",
        "Milestone is due today: Joint tracing protocol adopted",
        "Milestone is overdue (due February 15, 2027): Joint tracing protocol adopted",
    ]
    # The RCMP's French reader gets them in French, with the French title; its officer in British Columbia reads
    # English.
    assert subjects_to_username("rcmp") == [
        "Jalon à échéance dans 14 jours (15 février 2027) : Protocole conjoint adopté",
        "Jalon à échéance dans 3 jours (15 février 2027) : Protocole conjoint adopté",
        "Jalon à échéance aujourd'hui : Protocole conjoint adopté",
        "Jalon en retard (échéance : 15 février 2027) : Protocole conjoint adopté",
    ]
    for message in outbox():
        assert_in_their_language(message, "deadline")
    assert "Ouvrir dans le portail" in emails_to(demo.users["rcmp"])[0].body
    # Each reader is told the body and the owner by the acronyms they know them by.
    french, english = emails_to(demo.users["rcmp"])[0].body, emails_to(demo.users["secretariat"])[0].body
    assert "Groupe de travail transfrontalier Canada–États-Unis sur les armes à feu (GTTAF)" in french
    assert "Gendarmerie royale du Canada (GRC)" in french and "CBFTF" not in french
    assert "Canada–United States Cross Border Firearms Task Force (CBFTF)" in english
    assert "Royal Canadian Mounted Police (RCMP)" in english and "GTTAF" not in english


def test_overdue_notices_repeat_every_week_until_the_milestone_is_done(milestone_of, demo, clock, secretariat):
    milestone = milestone_of(demo.agencies["RCMP"])
    sweep_through(*AT_NINE.values(), clock=clock)
    first_overdue = AT_NINE["overdue:1"]

    assert reminders_of(deadlines.milestone_topic(milestone)) == {"overdue:2": first_overdue + WEEK}
    sweep_through(first_overdue + WEEK, clock=clock)
    taskforce_services.milestone_update(actor=secretariat, milestone=milestone, status=Milestone.Status.DONE)
    sweep_through(first_overdue + 2 * WEEK, first_overdue + 3 * WEEK, clock=clock)

    overdue = [s for s in subjects_to_username("secretariat") if s.startswith("Milestone is overdue")]
    assert len(overdue) == 2
    assert reminders_of(deadlines.milestone_topic(milestone)) == {}


def test_after_a_pause_one_overdue_notice_goes_out_not_one_for_each_week_missed(milestone_of, demo, clock):
    milestone = milestone_of(demo.agencies["RCMP"])
    sweep_through(*AT_NINE.values(), clock=clock)
    mark = len(outbox())

    # Beat is down for three weeks and comes back at 10:00; it sweeps every minute from then on.
    back = AT_NINE["overdue:1"] + 3 * WEEK + HOUR
    sweep_through(back, back + datetime.timedelta(minutes=1), back + datetime.timedelta(minutes=2), clock=clock)

    assert recipients(outbox()[mark:]) == Counter(secretariat=1, rcmp=1)
    # Four weeks after the first overdue notice, at 09:00 in Ottawa: daylight saving time has begun since.
    assert reminders_of(deadlines.milestone_topic(milestone)) == {
        "overdue:5": datetime.datetime(2027, 3, 16, 13, tzinfo=UTC)
    }


def test_a_milestone_due_in_a_window_is_reminded_against_the_end_of_the_window(milestone_of, demo, clock):
    start, end = season_window("spring", 2027)
    milestone = milestone_of(demo.agencies["RCMP"], due_start=start, due_end=end, due_precision="season")

    assert end == datetime.date(2027, 6, 20)
    assert reminders_of(deadlines.milestone_topic(milestone)) == {  # 09:00 EDT
        "14d": datetime.datetime(2027, 6, 6, 13, tzinfo=UTC),
        "3d": datetime.datetime(2027, 6, 17, 13, tzinfo=UTC),
        "0d": datetime.datetime(2027, 6, 20, 13, tzinfo=UTC),
        "overdue:1": datetime.datetime(2027, 6, 21, 13, tzinfo=UTC),
    }
    sweep_through(datetime.datetime(2027, 6, 6, 13, tzinfo=UTC), clock=clock)
    [message] = [m for m in outbox() if m.to[0].startswith("secretariat@")]
    assert message.subject == "Milestone is due in 14 days (June 20, 2027): Joint tracing protocol adopted"
    assert "Due: Spring 2027" in message.body


def test_a_milestone_moved_to_another_date_is_reminded_for_the_new_date_only(
    milestone_of, demo, clock, secretariat
):
    milestone = milestone_of(demo.agencies["RCMP"])
    later = DUE + WEEK

    taskforce_services.milestone_update(actor=secretariat, milestone=milestone, due_start=later, due_end=later)

    assert reminders_of(deadlines.milestone_topic(milestone)) == {k: v + WEEK for k, v in AT_NINE.items()}
    sweep_through(AT_NINE["14d"], clock=clock)
    assert outbox() == []
    sweep_through(AT_NINE["14d"] + WEEK, clock=clock)
    assert "Milestone is due in 14 days (February 22, 2027): Joint tracing protocol adopted" in subjects_to_username(
        "secretariat"
    )


def test_a_milestone_reopened_after_being_done_is_reminded_again(milestone_of, demo, clock, secretariat):
    milestone = milestone_of(demo.agencies["RCMP"])
    taskforce_services.milestone_update(actor=secretariat, milestone=milestone, status=Milestone.Status.DONE)
    assert reminders_of(deadlines.milestone_topic(milestone)) == {}

    taskforce_services.milestone_update(actor=secretariat, milestone=milestone, status=Milestone.Status.IN_PROGRESS)

    assert reminders_of(deadlines.milestone_topic(milestone)) == AT_NINE
    sweep_through(AT_NINE["3d"], clock=clock)
    assert recipients() == Counter(secretariat=2, rcmp=2)  # the 14-day reminder, late, and the 3-day one


def test_a_restricted_milestone_is_reminded_only_to_those_it_is_shared_with(milestone_of, demo, clock):
    shared_with = [demo.agencies["CBSA"], demo.agencies["ATF"]]
    milestone_of(demo.agencies["CBSA"], title_en="CBSA–ATF exchange tested", restricted_to=shared_with)
    # Owned by an agency outside its own restriction: its members may not see it, so are not told of it.
    milestone_of(demo.agencies["RCMP"], title_en="CBSA–ATF secure line installed", restricted_to=shared_with)

    sweep_through(AT_NINE["14d"], clock=clock)

    assert recipients() == Counter(secretariat=2, cbsa=1)
    assert Notification.objects.filter(title__contains="CBSA–ATF", user__username__in=["rcmp", "hsi", "cbp"]).count() == 0


def test_the_demos_restricted_mou_milestones_never_reach_agencies_outside_the_mou(demo, clock):
    for milestone in restricted_milestones():
        deadlines.milestone_reminders_replace(milestone)
    due = Reminder.objects.filter(
        topic__in=[deadlines.milestone_topic(m) for m in restricted_milestones()], status=Reminder.Status.PENDING
    )
    assert due.count() == 2  # long overdue: the next weekly notice of each

    sweep_through(max(r.due_at for r in due), clock=clock)

    assert recipients() == Counter(secretariat=2, cbsa=2)
    for name in ("rcmp", "hsi", "cbp", "dea"):
        person = demo.users[name]
        told = [m.subject + m.body for m in outbox() if m.to == [person.email]]
        told += [n.title + n.body for n in notices_of(person)]
        assert not [title for title in RESTRICTED_TITLES if any(title in text for text in told)], name


# Approval steps ----------------------------------------------------------------------------------------------


@pytest.fixture
def arrangement(clock, secretariat, cbftf, demo) -> Agreement:
    """A CBSA–ATF arrangement every CBFTF member can see, with a first version."""
    return mou_services.agreement_create(
        actor=secretariat, body=cbftf, kind=Agreement.Kind.OTHER, short_name="Tracing arrangement",
        title_en="CBSA–ATF firearms tracing arrangement", parties=[demo.agencies["CBSA"], demo.agencies["ATF"]],
        text="The Participants trace seized firearms together.",
    )


def test_an_approval_step_is_reminded_to_its_owner_agency_and_the_secretariat(arrangement, secretariat, demo, clock):
    step = mou_services.step_add(
        actor=secretariat, agreement=arrangement, title_en="ATF review", owner_agency=demo.agencies["ATF"],
        target_date=DUE,
    )
    assert reminders_of(mou_notices.step_topic(step)) == AT_NINE

    sweep_through(*AT_NINE.values(), clock=clock)

    assert recipients() == Counter(secretariat=4, atf=4)
    assert subjects_to_username("atf") == [
        "Approval step is due in 14 days (February 15, 2027): ATF review (Tracing arrangement)",
        "Approval step is due in 3 days (February 15, 2027): ATF review (Tracing arrangement)",
        "Approval step is due today: ATF review (Tracing arrangement)",
        "Approval step is overdue (due February 15, 2027): ATF review (Tracing arrangement)",
    ]


def test_an_approved_step_is_no_longer_reminded(arrangement, secretariat, atf, demo, clock):
    step = mou_services.step_add(
        actor=secretariat, agreement=arrangement, title_en="ATF review", owner_agency=demo.agencies["ATF"],
        target_date=DUE,
    )
    mou_services.agreement_submit(actor=secretariat, agreement=arrangement)

    mou_services.step_act(actor=atf, step=step, outcome="approved")

    assert reminders_of(mou_notices.step_topic(step)) == {}
    sweep_through(*AT_NINE.values(), clock=clock)
    assert outbox() == []


def test_a_step_of_the_restricted_mou_never_reaches_an_agency_it_is_not_shared_with(secretariat, demo, clock):
    mou = Agreement.objects.get(body__acronym="CBFTF", short_name="CBSA–ATF MOU")
    for owner in ("CBSA", "RCMP"):
        mou_services.step_add(
            actor=secretariat, agreement=mou, title_en=f"{owner} legal review", owner_agency=demo.agencies[owner],
            target_date=DUE,
        )

    sweep_through(AT_NINE["14d"], clock=clock)

    assert recipients() == Counter(secretariat=2, cbsa=1)
    assert notices_of(demo.users["rcmp"]) == []


def test_a_step_of_the_mou_reaches_a_french_reader_naming_the_mou_as_they_know_it(secretariat, cbsa, demo, clock):
    mou = Agreement.objects.get(body__acronym="CBFTF", short_name="CBSA–ATF MOU")
    mou_services.step_add(
        actor=secretariat, agreement=mou, title_en="CBSA legal review", title_fr="Examen juridique de l'ASFC",
        owner_agency=demo.agencies["CBSA"], target_date=DUE,
    )

    sweep_through(AT_NINE["14d"], clock=clock)

    [french] = emails_to(cbsa)
    [english] = emails_to(secretariat)
    assert french.subject.endswith(": Examen juridique de l'ASFC (PE ASFC–ATF)"), french.subject
    assert "CBSA–ATF MOU" not in french.subject + french.body
    assert english.subject.endswith(": CBSA legal review (CBSA–ATF MOU)"), english.subject
    assert "PE ASFC–ATF" not in english.subject + english.body


# Action items -----------------------------------------------------------------------------------------------


@pytest.fixture
def held(clock, schedule_at):
    """A CBFTF meeting held last Friday (its invitations sent long ago)."""
    with sent_after_commit():
        meeting = schedule_at(datetime.datetime(2027, 1, 8, 10, tzinfo=TORONTO))
    mail.outbox.clear()
    return meeting


ACTION_AT_NINE = {label: AT_NINE[label] for label in ("3d", "0d", "overdue:1")}


def test_an_action_item_reminds_its_owner_before_on_the_day_and_weekly_when_overdue(held, secretariat, atf, clock):
    action = meeting_services.action_item_record(
        actor=secretariat, meeting=held, text="Send the tracing request template", owner_agency=atf.agency,
        owner=atf, due_date=DUE,
    )
    assert reminders_of(meeting_notices.action_topic(action)) == ACTION_AT_NINE

    sweep_through(*ACTION_AT_NINE.values(), AT_NINE["overdue:1"] + WEEK, clock=clock)

    assert recipients() == Counter(atf=4)
    assert subjects_to_username("atf") == [
        "Action item is due in 3 days (February 15, 2027): Send the tracing request template",
        "Action item is due today: Send the tracing request template",
        "Action item is overdue (due February 15, 2027): Send the tracing request template",
        "Action item is overdue (due February 15, 2027): Send the tracing request template",
    ]


def test_an_action_item_reaches_a_french_reader_in_french(held, secretariat, rcmp, clock):
    meeting_services.action_item_record(
        actor=secretariat, meeting=held, text="Nommer un point de contact", owner_agency=rcmp.agency, owner=rcmp,
        due_date=DUE,
    )

    sweep_through(AT_NINE["3d"], clock=clock)

    [message] = emails_to(rcmp)
    assert message.subject == "Mesure de suivi à échéance dans 3 jours (15 février 2027) : Nommer un point de contact"
    assert_in_their_language(message, "action_item_due")
    assert "Marquer comme terminée dans le registre" in message.body and "Réunion d'origine" in message.body


def test_a_done_action_item_is_no_longer_reminded(held, secretariat, atf, clock):
    action = meeting_services.action_item_record(
        actor=secretariat, meeting=held, text="Send the template", owner_agency=atf.agency, owner=atf, due_date=DUE,
    )

    meeting_services.action_item_set_status(actor=atf, action=action, status=ActionItem.Status.DONE)

    assert reminders_of(meeting_notices.action_topic(action)) == {}
    sweep_through(*ACTION_AT_NINE.values(), clock=clock)
    assert outbox() == []


def test_an_action_item_of_an_agency_reminds_its_members_and_the_secretariat(held, secretariat, demo, clock):
    meeting_services.action_item_record(
        actor=secretariat, meeting=held, text="Name a point of contact", owner_agency=demo.agencies["HSI"],
        due_date=DUE,
    )

    sweep_through(AT_NINE["3d"], clock=clock)

    assert recipients() == Counter(secretariat=1, hsi=1)


def test_an_action_item_from_a_restricted_agenda_item_is_not_reminded_to_agencies_that_cannot_see_it(
    held, add_item, secretariat, demo, clock
):
    item = add_item(held, "CBSA–ATF MOU: status", restricted_to=[demo.agencies["CBSA"], demo.agencies["ATF"]])
    for owner in ("ATF", "HSI"):
        meeting_services.action_item_record(
            actor=secretariat, meeting=held, text=f"{owner}: comment on the MOU draft", item=item,
            owner_agency=demo.agencies[owner], due_date=DUE,
        )

    sweep_through(AT_NINE["3d"], clock=clock)

    assert recipients() == Counter(secretariat=2, atf=1)
    assert notices_of(demo.users["hsi"], NotificationKind.ACTION_ITEM) == []


def test_the_calendar_alarms_of_deadlines_follow_the_deadline_notices_choice():
    """The core names the kind of notice a milestone's calendar alarms belong to as plain text (it knows no
    notification model): it must be the deadline notices' kind, which members turn on and off."""
    from notifications.models import NotificationKind
    from taskforce.schedule import DEADLINE_ALARMS

    assert DEADLINE_ALARMS == NotificationKind.DEADLINE
