"""The sweep in batches: a batch of due reminders is claimed in one statement and processed with the same number of
queries whatever it holds; each meeting reminder is rendered once per reader class (language, time zone, the agenda
items they may see) and yet every recipient's email is, byte for byte, the one rendered for them alone; emails are
sent a batch to an SMTP connection, one refused without holding up the others."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings import services as meeting_services
from meetings.models import Rsvp
from meetings.notifications import BEFORE, RSVP, MeetingReminder, RsvpReminder, topic
from members.models import User
from notifications import engine as notifications
from notifications.models import Delivery, Reminder
from tests.support.emails import BrokenReminder, emails_to, outbox, recipients, sent_after_commit
from tests.support.factories import MembershipFactory, UserFactory

from .conftest import CBFTF_AGENCIES, MEETING_START, RSVP_REMINDER, SEVEN_DAYS_BEFORE

MOU_ITEM = "CBSA–ATF MOU: status"
WEEK = datetime.timedelta(days=7)


@pytest.fixture
def named(demo, cbftf):
    """A DEA officer of the CBFTF invited by name (DEA is not invited as an agency), in Denver."""
    person = UserFactory(
        username="dea-named", first_name="Dana", last_name="Named", agency=demo.agencies["DEA"],
        time_zone="America/Denver", language="en",
    )
    MembershipFactory(body=cbftf, user=person, role="member")
    return person


def circulated_meeting(
    schedule_at, add_item, secretariat, demo, start, *, invite, people=(), restrict=("CBSA", "ATF"), title=""
):
    meeting = schedule_at(
        start, title_en=title or "CBFTF working meeting", title_fr=title or "Réunion de travail du GTTAF",
        invite=invite, invite_people=list(people),
    )
    add_item(meeting, "Roundtable")
    add_item(meeting, MOU_ITEM, restricted_to=[demo.agencies[a] for a in restrict])
    meeting_services.agenda_circulate(actor=secretariat, meeting=meeting)
    return meeting


@pytest.fixture
def mixed(clock, schedule_at, add_item, secretariat, demo, named, vancouver, rcmp, hsi):
    """A circulated meeting read in English and French, in four time zones, by agencies inside (CBSA, ATF) and
    outside (RCMP, HSI, CBP, DEA) its restricted item's restriction, with a named invitee, someone who answered
    and someone who declined."""
    meeting = circulated_meeting(
        schedule_at, add_item, secretariat, demo, MEETING_START, invite=("CBSA", "RCMP", "ATF", "HSI", "CBP"),
        people=[named],
    )
    meeting_services.rsvp_set(actor=hsi, meeting=meeting, response=Rsvp.Response.REMOTE)
    meeting_services.rsvp_set(actor=rcmp, meeting=meeting, response=Rsvp.Response.DECLINED)
    return meeting


@pytest.mark.parametrize(("handler", "kind", "label", "at"), [
    (MeetingReminder(), BEFORE, "7d", SEVEN_DAYS_BEFORE), (RsvpReminder(), RSVP, "rsvp", RSVP_REMINDER),
])
def test_each_recipient_gets_byte_for_byte_the_email_rendered_for_them_alone(
    mixed, clock, handler, kind, label, at, named, vancouver, cbsa, atf, hsi, rcmp
):
    clock.move_to(at)
    batch = Reminder.objects.get(kind=kind, topic=topic(mixed), label=label)
    alone = Reminder.objects.get(pk=batch.pk)

    handler.prepare([batch])
    people = handler.recipients(batch)
    messages = handler.render_all(batch, people)

    assert [p.pk for p in people] == [p.pk for p in handler.recipients(alone)]  # the same audience, unprepared
    assert {named.pk, vancouver.pk, cbsa.pk, atf.pk} <= {p.pk for p in people}
    assert rcmp.pk not in {p.pk for p in people}  # declined
    assert (hsi.pk in {p.pk for p in people}) == (kind == BEFORE)  # answered
    languages = {(p.language, p.time_zone) for p in people}
    assert {lang for lang, _ in languages} == {"en", "fr"} and len({zone for _, zone in languages}) >= 3
    for person in people:
        single = notifications.as_reader(person, lambda person=person: handler.render(alone, person))
        assert messages[person.pk] == single, person.username
    if kind == BEFORE:
        assert MOU_ITEM in messages[atf.pk].text and MOU_ITEM in messages[cbsa.pk].text
        for outsider in (named, vancouver, hsi):
            assert "MOU" not in messages[outsider.pk].text
        assert "PARTSTAT=ACCEPTED" in messages[hsi.pk].ics and "Dana Named" in messages[named.pk].ics


def test_a_batch_is_rendered_once_per_reader_class(mixed, clock, monkeypatch):
    from meetings import notifications as meeting_notifications

    calls = []
    shared = meeting_notifications._render_shared
    monkeypatch.setattr(meeting_notifications, "_render_shared", lambda *a, **k: calls.append(a[3]) or shared(*a, **k))
    clock.move_to(SEVEN_DAYS_BEFORE)
    batch = Reminder.objects.get(kind=BEFORE, topic=topic(mixed), label="7d")
    handler = MeetingReminder()
    handler.prepare([batch])
    people = handler.recipients(batch)

    handler.render_all(batch, people)

    classes = {(p.language, p.time_zone, any(p.agency.acronym == a for a in ("CBSA", "ATF"))) for p in people}
    assert len(calls) == len(classes) < len(people)


# Constant queries per batch ---------------------------------------------------------------------------------------


def test_the_sweep_takes_as_many_queries_for_a_batch_of_many_reminders_as_for_a_few(
    clock, schedule_at, add_item, secretariat, demo, named, vancouver, other_cbsa_member, hsi
):
    later = MEETING_START + 2 * WEEK
    few = [
        circulated_meeting(schedule_at, add_item, secretariat, demo, MEETING_START, invite=("CBSA", "ATF")),
        circulated_meeting(schedule_at, add_item, secretariat, demo, MEETING_START, invite=("RCMP", "HSI")),
    ]
    many = [
        circulated_meeting(schedule_at, add_item, secretariat, demo, later, invite=invite, people=people,
                           restrict=restrict)
        for invite, people, restrict in [
            (("CBSA", "RCMP", "ATF", "HSI", "CBP"), [named], ("CBSA", "ATF")),
            (("ATF",), [named], ("ATF",)),
            (("CBP", "HSI"), [], ("HSI",)),
            (("RCMP", "CBSA"), [], ("RCMP", "CBSA")),
            ((), [named], ("DEA",)),
            (("CBSA",), [], ("CBSA",)),
        ]
    ]
    meeting_services.rsvp_set(actor=hsi, meeting=many[2], response=Rsvp.Response.DECLINED)
    sweeps = {}
    for label, meetings, at in (("few", few, SEVEN_DAYS_BEFORE), ("many", many, SEVEN_DAYS_BEFORE + 2 * WEEK)):
        clock.move_to(at)
        Delivery.objects.update(status=Delivery.Status.SENT)  # the invitations: nothing for the sweep to re-queue
        with CaptureQueriesContext(connection) as queries:
            result = notifications.sweep(now=at)
        sent = Delivery.objects.filter(reminder__topic__in=[topic(m) for m in meetings], reminder__label="7d")
        sweeps[label] = (len(queries), result.sent, sent.values("recipient").distinct().count())
        # The other reminders of the first meetings (the rsvp and 1-day ones), out of the way of the second sweep.
        Reminder.objects.filter(status=Reminder.Status.PENDING, due_at__lt=at + WEEK).update(
            status=Reminder.Status.DROPPED
        )

    assert sweeps["few"][1] == 2 and sweeps["many"][1] == 6 and sweeps["many"][2] > sweeps["few"][2]
    assert sweeps["few"][0] == sweeps["many"][0], sweeps


def test_a_restricted_item_is_named_only_to_those_it_is_restricted_to_in_a_batch_of_many(
    clock, schedule_at, add_item, secretariat, demo, named
):
    restricted_to = {"Meeting A": ("CBSA", "ATF"), "Meeting B": ("RCMP",), "Meeting C": ("DEA",)}
    for title, restrict in restricted_to.items():
        circulated_meeting(schedule_at, add_item, secretariat, demo, MEETING_START, invite=CBFTF_AGENCIES,
                           people=[named], restrict=restrict, title=title)
    clock.move_to(SEVEN_DAYS_BEFORE)
    Delivery.objects.update(status=Delivery.Status.SENT)  # the invitations and agendas: out of the way
    mail.outbox.clear()

    with sent_after_commit():
        result = notifications.sweep(now=SEVEN_DAYS_BEFORE)

    assert result.sent == 3
    checked = 0
    for message in outbox():
        [title] = [t for t in restricted_to if t in message.subject]
        person = User.objects.select_related("agency").get(email=message.to[0])
        may_see = person.agency.acronym in restricted_to[title] or person.username == "secretariat"
        assert (MOU_ITEM in message.body) == may_see, (title, person.username)
        checked += 1
    assert checked == 3 * 7  # the six demo people and the named invitee, for each meeting


# Sending in batches -----------------------------------------------------------------------------------------------


def test_a_refused_email_in_a_batch_is_retried_alone_and_the_others_go_out(clock, mixed, refusing_server):
    clock.move_to(SEVEN_DAYS_BEFORE)
    Delivery.objects.update(status=Delivery.Status.SENT)  # the invitations and agendas: out of the way
    mail.outbox.clear()
    refusing_server(1)  # the first email of the batch

    with sent_after_commit():
        notifications.sweep(now=SEVEN_DAYS_BEFORE)

    sent = Delivery.objects.filter(reminder__label="7d", reminder__topic=topic(mixed))
    assert {d.status for d in sent} == {Delivery.Status.SENT}
    assert sorted(d.attempts for d in sent) == [1] * (len(sent) - 1) + [2]
    assert set(recipients().values()) == {1} and sum(recipients().values()) == len(sent)


def test_a_batch_task_run_twice_sends_each_email_once(clock, mixed, atf):
    from notifications.tasks import send_deliveries

    ids = list(Delivery.objects.filter(status=Delivery.Status.PENDING).values_list("pk", flat=True))
    mail.outbox.clear()
    send_deliveries.delay(ids)
    sent = len(outbox())
    send_deliveries.delay(ids)  # queued again: a redelivery, a second sweep

    assert len(outbox()) == sent == len(ids)
    assert len(emails_to(atf)) == Delivery.objects.filter(recipient=atf).count()
    assert set(Delivery.objects.filter(pk__in=ids).values_list("status", flat=True)) == {Delivery.Status.SENT}


def test_a_sweep_that_finds_a_batch_failing_processes_the_others_one_at_a_time(clock, mixed, monkeypatch):
    monkeypatch.setitem(notifications._handlers, "tests.broken", BrokenReminder())
    broken = Reminder.objects.create(
        kind="tests.broken", topic="tests.thing:1", label="0d", occurrence="x", due_at=SEVEN_DAYS_BEFORE
    )
    clock.move_to(SEVEN_DAYS_BEFORE)

    result = notifications.sweep(now=SEVEN_DAYS_BEFORE, batch=2)

    broken.refresh_from_db()
    assert (result.failed, result.sent, result.processed) == (1, 1, 1)
    assert broken.status == Reminder.Status.PENDING
    assert Reminder.objects.get(topic=topic(mixed), label="7d").status == Reminder.Status.SENT

