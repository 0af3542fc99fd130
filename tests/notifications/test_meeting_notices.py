"""What the meeting cycle tells people (meetings/notifications.py), triggered through the real meetings services:
who gets what, one email per recipient, in their language and time zone, with a link to the meeting and a
calendar attachment their mail client can read, and never naming an agenda item they may not see.

The demo's French readers are cbsa and rcmp: their emails are wholly in French (locale/fr/LC_MESSAGES/django.po),
from the subject ("Invitation : ...", with French's space before the colon) and the greeting to the sentences of
each template and the footer, with the meeting's French title, French dates and links to the French pages. The
secretariat, atf, hsi and cbp read English. helpers.EMAILS holds what each template says in each language.
"""

import datetime
import email
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from meetings import notifications as meeting_notices
from meetings import reply_addresses
from meetings import services as meeting_services
from meetings.models import Meeting, Rsvp
from notifications.models import Delivery, Notification, NotificationKind
from tests.support.emails import (
    CBFTF_PEOPLE,
    FRENCH_READERS,
    assert_in_their_language,
    emails_of,
    emails_to,
    event_of,
    ics_of,
    notices_of,
    outbox,
    reads_french,
    recipients,
    sent_after_commit,
    subjects_to,
    sweep,
)

from .conftest import MEETING_START, RSVP_REMINDER, SEVEN_DAYS_BEFORE, TORONTO, UTC

MOU_ITEM = "CBSA–ATF MOU: status"
FRENCH_TITLE = "Réunion de travail du GTTAF"
ENGLISH_WHEN = "January 25, 2027, 10 a.m."
FRENCH_WHEN = "25 janvier 2027 à 10 h 00"


@pytest.fixture
def meeting(clock, schedule_at) -> Meeting:
    """A CBFTF meeting on January 25, 2027 at 10:00 in Ottawa, every agency invited, with a French title; the
    invitations are sent and then cleared from the outbox."""
    with sent_after_commit():
        scheduled = schedule_at(MEETING_START, title_fr=FRENCH_TITLE)
    mail.outbox.clear()
    return scheduled


@pytest.fixture
def circulated(meeting, add_item, secretariat, demo) -> Meeting:
    """The meeting's agenda circulated: a roundtable for everyone, then the MOU, restricted to CBSA and ATF."""
    add_item(meeting, "Roundtable")
    add_item(meeting, MOU_ITEM, restricted_to=[demo.agencies["CBSA"], demo.agencies["ATF"]])
    with sent_after_commit():
        meeting_services.agenda_circulate(actor=secretariat, meeting=meeting)
    return meeting


def page_of(meeting: Meeting, language: str) -> str:
    with translation.override(language):
        return f"http://127.0.0.1:8000{reverse('meeting-detail', args=[meeting.pk])}"


def only_email_to(user) -> mail.EmailMessage:
    [message] = emails_to(user)
    return message


def only_email_of(user, template: str) -> mail.EmailMessage:
    """The one email of this template the user got (recognised by its subject in their language)."""
    [message] = emails_of(template, emails_to(user))
    return message


def everyone_once(*usernames: str) -> dict[str, int]:
    return dict.fromkeys(usernames or CBFTF_PEOPLE, 1)


# Invitations -----------------------------------------------------------------------------------------------


def test_scheduling_a_meeting_sends_each_invitee_an_invitation_of_their_own(clock, schedule_at, demo):
    with sent_after_commit():
        schedule_at(MEETING_START)

    assert recipients() == everyone_once()
    assert {name for name in CBFTF_PEOPLE if reads_french(demo.users[name])} == set(FRENCH_READERS)
    for message in outbox():
        parsed = email.message_from_bytes(message.message().as_bytes())
        assert parsed.get_all("To") == message.to and parsed["Cc"] is None and parsed["Bcc"] is None
        # No French title: French readers get the English one in a French subject.
        french = "Invitation : CBFTF working meeting, " + FRENCH_WHEN
        english = "Invitation: CBFTF working meeting, " + ENGLISH_WHEN
        assert message.subject == (french if reads_french(message) else english)
        assert_in_their_language(message, "meeting_invitation")
    assert Notification.objects.filter(kind=NotificationKind.MEETING).count() == len(CBFTF_PEOPLE)


def test_only_the_invited_agencies_hear_of_a_meeting(clock, schedule_at, rcmp, hsi, cbp):
    with sent_after_commit():
        schedule_at(MEETING_START, invite=("CBSA", "ATF"))

    assert recipients() == everyone_once("secretariat", "cbsa", "atf")
    assert notices_of(rcmp) == notices_of(hsi) == notices_of(cbp) == []


def test_a_french_reader_gets_the_french_title_a_french_date_and_the_french_page(clock, schedule_at, cbsa, rcmp, atf):
    with sent_after_commit():
        meeting = schedule_at(MEETING_START, title_fr=FRENCH_TITLE)

    for reader, first_name in ((cbsa, "Marc"), (rcmp, "Sophie")):
        message = only_email_to(reader)
        assert message.subject == f"Invitation : {FRENCH_TITLE}, {FRENCH_WHEN}"
        assert message.body.startswith(f"Bonjour {first_name},\n")
        assert "Nous vous invitons à cette réunion. L'invitation ci-jointe l'ajoute à votre calendrier." in message.body
        assert "Répondre (présence en personne, à distance, refus ou envoi d'un délégué)" in message.body
        assert page_of(meeting, "fr") in message.body
        assert "Vous recevez ce message en raison de votre rôle au sein du groupe de travail." in message.body
        assert "CBFTF working meeting" not in message.body and "You are invited" not in message.body
        assert_in_their_language(message, "meeting_invitation")
        assert str(event_of(message)["SUMMARY"]) == FRENCH_TITLE
    english = only_email_to(atf)
    assert english.subject == f"Invitation: CBFTF working meeting, {ENGLISH_WHEN}"
    assert english.body.startswith("Hello Dana,") and "You are invited to this meeting." in english.body
    assert page_of(meeting, "en") in english.body and FRENCH_TITLE not in english.body
    assert_in_their_language(english, "meeting_invitation")
    assert page_of(meeting, "en") != page_of(meeting, "fr")


def test_each_reader_reads_the_meetings_time_in_their_own_time_zone(clock, schedule_at, vancouver, cbsa, atf):
    with sent_after_commit():
        schedule_at(MEETING_START)

    # Ottawa and New York share the hour; British Columbia is three hours behind. (The French label's colon may
    # come with French's space before it or without.)
    french = only_email_to(cbsa).body
    assert re.search(r"^Date et heure\s?: 25 janvier 2027 à 10\xa0h\xa000 – 12\xa0h\xa000 \(America/Toronto\)$", french, re.MULTILINE)
    assert "When:" not in french and "America/New_York" not in french
    new_york = only_email_to(atf).body
    assert "When: January 25, 2027, 10 a.m. – noon (America/New_York)" in new_york
    assert "January 25, 2027, 10 a.m. – noon (America/Toronto)" in new_york
    pacific = only_email_to(vancouver)
    assert pacific.subject == "Invitation: CBFTF working meeting, January 25, 2027, 7 a.m."
    assert "When: January 25, 2027, 7 a.m. – 9 a.m. (America/Vancouver)" in pacific.body
    assert "January 25, 2027, 10 a.m. – noon (America/Toronto)" in pacific.body
    for reader in (cbsa, atf, vancouver):
        assert event_of(only_email_to(reader)).decoded("DTSTART") == datetime.datetime(2027, 1, 25, 15, tzinfo=UTC)


def test_a_french_reader_is_invited_to_a_meeting_on_the_first_of_the_month_for_the_1er(clock, schedule_at, cbsa, atf):
    with sent_after_commit():
        schedule_at(datetime.datetime(2027, 2, 1, 10, 0, tzinfo=TORONTO), title_fr=FRENCH_TITLE)

    french = only_email_to(cbsa)
    assert french.subject == f"Invitation : {FRENCH_TITLE}, 1er février 2027 à 10 h 00"
    assert re.search(r"^Date et heure\s?: 1er février 2027 à 10\xa0h\xa000 – 12\xa0h\xa000 \(America/Toronto\)$",
                     french.body, re.MULTILINE)
    assert only_email_to(atf).subject == "Invitation: CBFTF working meeting, February 1, 2027, 10 a.m."


def test_a_french_reader_s_invitation_names_the_task_force_gttaf_and_an_english_reader_s_cbftf(
    clock, schedule_at, cbsa, atf
):
    with sent_after_commit():
        schedule_at(MEETING_START, title_fr=FRENCH_TITLE)

    french, english = only_email_to(cbsa), only_email_to(atf)
    assert french.subject == f"Invitation : {FRENCH_TITLE}, {FRENCH_WHEN}"  # the title says GTTAF too
    assert f"Réunion : {FRENCH_TITLE} (GTTAF)" in french.body
    assert "CBFTF" not in french.subject + french.body
    # The calendar invitation comes from the task force's secretariat, named as its reader knows it.
    assert event_of(french)["ORGANIZER"].params["CN"] == "Secrétariat du GTTAF"
    assert "Meeting: CBFTF working meeting (CBFTF)" in english.body and "GTTAF" not in english.body
    assert event_of(english)["ORGANIZER"].params["CN"] == "CBFTF secretariat"


def test_the_invitation_carries_a_calendar_request_a_mail_client_can_read(clock, schedule_at, atf):
    with sent_after_commit():
        meeting = schedule_at(MEETING_START, invite=("ATF",), place="U.S. Embassy, Ottawa")

    message = only_email_to(atf)
    raw, content_type, calendar = ics_of(message)
    event = event_of(message)
    assert content_type == "text/calendar; method=REQUEST"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"meeting-{meeting.pk}@127.0.0.1"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (
        datetime.datetime(2027, 1, 25, 15, tzinfo=UTC), datetime.datetime(2027, 1, 25, 17, tzinfo=UTC),
    )
    # The organizer is the secretariat at this invitee's own reply address, where their calendar's answer counts.
    assert str(event["ORGANIZER"]) == f"mailto:{reply_addresses.for_member(meeting.pk, atf.pk)}"
    assert str(event["ATTENDEE"]) == f"mailto:{atf.email}"
    assert event["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"
    assert str(event["LOCATION"]) == "U.S. Embassy, Ottawa"
    assert "\r\n" in raw and "\n" not in raw.replace("\r\n", "")  # RFC 5545 lines end in CRLF
    [part] = [p for p in message.message().walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    assert [name for name, _value in part.get_params()].count("charset") == 1


def test_rescheduling_tells_invitees_with_the_same_uid_and_a_higher_sequence(
    clock, schedule_at, secretariat, atf, cbsa
):
    with sent_after_commit():
        meeting = schedule_at(MEETING_START)
    first = event_of(only_email_to(atf))
    with sent_after_commit():
        meeting_services.meeting_update(
            actor=secretariat, meeting=meeting, start=MEETING_START + datetime.timedelta(hours=1),
            end=MEETING_START + datetime.timedelta(hours=3), reason="The minister's visit runs late",
        )

    moved = only_email_of(atf, "meeting_changed")
    assert moved.subject == "Moved: CBFTF working meeting, now January 25, 2027, 11 a.m."
    assert "Reason: The minister's visit runs late" in moved.body
    french = only_email_of(cbsa, "meeting_changed")
    assert french.subject == "Changement de date : CBFTF working meeting, désormais 25 janvier 2027 à 11 h 00"
    assert "Cette réunion a été déplacée. L'invitation ci-jointe met à jour votre calendrier." in french.body
    assert re.search(r"^Motif\s?: The minister's visit runs late$", french.body, re.MULTILINE)
    event = event_of(moved)
    assert str(ics_of(moved)[2]["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == str(first["UID"])
    assert int(event["SEQUENCE"]) > int(first["SEQUENCE"])
    assert event.decoded("DTSTART") == datetime.datetime(2027, 1, 25, 16, tzinfo=UTC)
    assert recipients(emails_of("meeting_changed")) == everyone_once()
    for message in emails_of("meeting_changed"):
        assert_in_their_language(message, "meeting_changed")


def test_cancelling_sends_a_calendar_cancellation_with_the_same_uid(clock, schedule_at, secretariat, atf, rcmp):
    with sent_after_commit():
        meeting = schedule_at(MEETING_START)
    invitation = event_of(only_email_to(atf))
    with sent_after_commit():
        meeting_services.meeting_cancel(actor=secretariat, meeting=meeting, reason="Postponed to the spring")

    cancelled = only_email_of(atf, "meeting_cancelled")
    assert cancelled.subject == f"Cancelled: CBFTF working meeting, {ENGLISH_WHEN}"
    assert "Reason: Postponed to the spring" in cancelled.body
    french = only_email_of(rcmp, "meeting_cancelled")
    assert french.subject == f"Réunion annulée : CBFTF working meeting, {FRENCH_WHEN}"
    assert "Cette réunion est annulée. L'avis ci-joint la retire de votre calendrier." in french.body
    assert re.search(r"^Motif\s?: Postponed to the spring$", french.body, re.MULTILINE)
    assert str(ics_of(french)[2]["METHOD"]) == "CANCEL"
    _raw, content_type, calendar = ics_of(cancelled)
    event = event_of(cancelled)
    assert (content_type, str(calendar["METHOD"]), str(event["STATUS"])) == (
        "text/calendar; method=CANCEL", "CANCEL", "CANCELLED",
    )
    assert str(event["UID"]) == str(invitation["UID"])
    assert int(event["SEQUENCE"]) > int(invitation["SEQUENCE"])
    assert str(event["ORGANIZER"]) == str(invitation["ORGANIZER"]) and str(event["ATTENDEE"]) == f"mailto:{atf.email}"
    assert recipients(emails_of("meeting_cancelled")) == everyone_once()
    for message in emails_of("meeting_cancelled"):
        assert_in_their_language(message, "meeting_cancelled")


def test_a_title_stored_with_a_line_break_still_sends_on_one_subject_line(clock, schedule_at, secretariat, atf):
    with sent_after_commit():
        meeting = schedule_at(MEETING_START)
    # Stored before titles were kept on one line (the services refuse it now).
    Meeting.objects.filter(pk=meeting.pk).update(title_en="CBFTF working\r\nmeeting\u2028(moved)")
    mail.outbox.clear()
    with sent_after_commit():
        meeting_services.meeting_cancel(actor=secretariat, meeting=meeting, reason="Postponed to the spring")

    cancelled = only_email_of(atf, "meeting_cancelled")
    assert cancelled.subject == f"Cancelled: CBFTF working meeting (moved), {ENGLISH_WHEN}"
    assert cancelled.message()["Subject"] == cancelled.subject
    assert recipients(emails_of("meeting_cancelled")) == everyone_once()
    sends = Delivery.objects.filter(key__startswith=f"event:meeting:{meeting.pk}:cancelled:")
    assert sends.exists() and not sends.exclude(status=Delivery.Status.SENT).exists()


def test_an_email_queued_with_a_line_break_in_its_subject_still_sends(atf):
    from notifications import engine as notifications

    delivery = Delivery.objects.create(
        recipient=atf, key="event:queued-before:1", kind=NotificationKind.MEETING, subject="Invitation: Old\ntitle",
        body_text="Hello", status=Delivery.Status.SENDING,
    )
    notifications.send_claimed(delivery)

    assert subjects_to(atf) == ["Invitation: Old title"]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT


def test_an_agency_invited_later_gets_its_invitation_and_the_others_hear_nothing_new(
    clock, schedule_at, secretariat, demo, hsi
):
    with sent_after_commit():
        meeting = schedule_at(MEETING_START, invite=("CBSA", "ATF"))
    mail.outbox.clear()

    with sent_after_commit():
        meeting_services.meeting_update(
            actor=secretariat, meeting=meeting,
            invite_agencies=[demo.agencies["CBSA"], demo.agencies["ATF"], demo.agencies["HSI"]],
        )

    assert recipients() == everyone_once("hsi")
    assert subjects_to(hsi) == [f"Invitation: CBFTF working meeting, {ENGLISH_WHEN}"]


# The agenda and the minutes ----------------------------------------------------------------------------------


def test_a_draft_agenda_tells_nobody(meeting, add_item, demo):
    with sent_after_commit():
        add_item(meeting, "Roundtable")
        add_item(meeting, MOU_ITEM, restricted_to=[demo.agencies["CBSA"], demo.agencies["ATF"]])

    assert outbox() == []
    assert Notification.objects.filter(kind=NotificationKind.AGENDA).count() == 0


def test_circulating_the_agenda_names_the_restricted_item_only_to_the_agencies_it_is_restricted_to(
    circulated, demo
):
    assert recipients() == everyone_once()
    for name in CBFTF_PEOPLE:
        reader = demo.users[name]
        [message] = emails_to(reader)
        [notice] = notices_of(reader, NotificationKind.AGENDA)
        assert message.subject == (
            f"Ordre du jour diffusé : {FRENCH_TITLE}, {FRENCH_WHEN}" if name in FRENCH_READERS
            else f"Agenda circulated: CBFTF working meeting, {ENGLISH_WHEN}"
        )
        assert_in_their_language(message, "agenda_circulated")
        assert "Roundtable" in message.body and notice.body == message.body
        if name in ("cbsa", "atf", "secretariat"):
            assert MOU_ITEM in message.body
        else:
            assert "MOU" not in message.body + message.subject + notice.title + notice.body, name


def test_a_change_after_circulation_is_told_only_to_those_who_may_see_the_changed_item(
    circulated, secretariat, demo
):
    mou = circulated.items.get(title_en=MOU_ITEM)
    roundtable = circulated.items.get(title_en="Roundtable")
    mail.outbox.clear()

    with sent_after_commit():
        meeting_services.agenda_item_update(
            actor=secretariat, item=mou, version=mou.version, title_en=f"{MOU_ITEM} and next steps"
        )
    told_of_mou = recipients()
    mail.outbox.clear()
    with sent_after_commit():
        meeting_services.agenda_item_update(
            actor=secretariat, item=roundtable, version=roundtable.version, minutes_allotted=30
        )

    assert told_of_mou == everyone_once("cbsa", "atf", "secretariat")
    assert recipients() == everyone_once()
    for name in ("rcmp", "hsi", "cbp"):
        [message] = emails_to(demo.users[name])
        assert message.subject == (
            f"Ordre du jour modifié : {FRENCH_TITLE}" if name == "rcmp" else "Agenda changed: CBFTF working meeting"
        )
        assert_in_their_language(message, "agenda_changed")
        assert "Roundtable (30 minutes)" in message.body and "MOU" not in message.body
    french = only_email_to(demo.users["cbsa"]).body
    assert "L'ordre du jour diffusé a été modifié." in french and "\nOrdre du jour" in french
    assert f"{MOU_ITEM} and next steps" in only_email_to(demo.users["atf"]).body


def test_approved_minutes_are_told_to_each_invitee(clock, schedule_at, secretariat, atf, rcmp):
    held = schedule_at(datetime.datetime(2027, 1, 8, 10, tzinfo=TORONTO))  # last Friday
    mail.outbox.clear()

    with sent_after_commit():
        meeting_services.minutes_approve(actor=secretariat, meeting=held)

    assert recipients() == everyone_once()
    assert subjects_to(atf) == ["Minutes approved: CBFTF working meeting"]
    assert subjects_to(rcmp) == ["Procès-verbal approuvé : CBFTF working meeting"]
    assert "Le procès-verbal de cette réunion est approuvé." in only_email_to(rcmp).body
    for message in outbox():
        assert_in_their_language(message, "minutes_approved")


# Reminders -----------------------------------------------------------------------------------------------------


def test_a_reminder_before_the_meeting_goes_to_invitees_who_have_not_declined(
    meeting, clock, rcmp, cbsa, hsi, other_cbsa_member
):
    meeting_services.rsvp_set(actor=rcmp, meeting=meeting, response=Rsvp.Response.DECLINED)
    meeting_services.rsvp_set(
        actor=cbsa, meeting=meeting, response=Rsvp.Response.DELEGATE, delegate=other_cbsa_member
    )
    meeting_services.rsvp_set(actor=hsi, meeting=meeting, response=Rsvp.Response.REMOTE)
    clock.move_to(SEVEN_DAYS_BEFORE)

    sweep()

    assert recipients() == everyone_once("secretariat", "atf", "hsi", "cbp", "cbsa2")
    for message in outbox():
        assert_in_their_language(message, "meeting_reminder")  # cbsa's delegate reads English
    reminder = only_email_to(hsi)
    assert reminder.subject == f"Reminder: CBFTF working meeting, {ENGLISH_WHEN}"
    assert event_of(reminder)["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert str(ics_of(reminder)[2]["METHOD"]) == "REQUEST"


def test_the_rsvp_reminder_goes_only_to_invitees_who_have_not_answered(meeting, clock, rcmp, atf, cbsa):
    meeting_services.rsvp_set(actor=rcmp, meeting=meeting, response=Rsvp.Response.DECLINED)
    meeting_services.rsvp_set(actor=atf, meeting=meeting, response=Rsvp.Response.IN_PERSON)
    clock.move_to(RSVP_REMINDER)

    sweep()

    asked = emails_of("meeting_rsvp_reminder")
    assert recipients(asked) == everyone_once("secretariat", "cbsa", "hsi", "cbp")
    for message in asked:
        assert_in_their_language(message, "meeting_rsvp_reminder")
    french = only_email_of(cbsa, "meeting_rsvp_reminder")
    assert french.subject == f"Veuillez répondre : {FRENCH_TITLE}, {FRENCH_WHEN}"
    assert (
        "Vous n'avez pas encore répondu à cette invitation. Veuillez indiquer au secrétariat si vous assisterez à la "
        "réunion." in french.body
    )


def test_a_reminder_shows_the_circulated_agenda_as_each_reader_may_see_it(circulated, clock, atf, rcmp, cbsa):
    mail.outbox.clear()
    clock.move_to(SEVEN_DAYS_BEFORE)

    sweep()

    assert MOU_ITEM in only_email_to(atf).body and "Roundtable" in only_email_to(atf).body
    assert "MOU" not in only_email_to(rcmp).body and "Roundtable" in only_email_to(rcmp).body
    french = only_email_to(cbsa)
    assert french.subject == f"Rappel : {FRENCH_TITLE}, {FRENCH_WHEN}" and MOU_ITEM in french.body
    assert "Rappel de cette réunion à venir." in french.body
    assert re.search(r"^Ordre du jour\s?:\n1\. Roundtable\b.*\n2\. " + re.escape(MOU_ITEM), french.body, re.MULTILINE)
    for message in outbox():
        assert_in_their_language(message, "meeting_reminder")


# Told to many at once ---------------------------------------------------------------------------------------
# An invitation, a move, a cancellation and a circulated agenda are rendered once per reader class (language, time
# zone, the items they may see) and then made each reader's own: the text each gets is what rendering it for them
# alone gives, and the work does not grow with the number of readers.

NOTICE_TEMPLATES = (
    ("emails/meeting_invitation.txt", "REQUEST"),
    ("emails/meeting_changed.txt", "REQUEST"),
    ("emails/meeting_cancelled.txt", "CANCEL"),
    ("emails/agenda_circulated.txt", ""),
)


@pytest.mark.parametrize(("template", "method"), NOTICE_TEMPLATES)
def test_a_notice_told_to_many_at_once_reads_as_it_would_told_to_each_alone(
    four_items, vancouver, clock, atf, cbsa, hsi, template, method
):
    from notifications import engine

    meeting = Meeting.objects.select_related("body").get(pk=four_items.pk)
    meeting_services.rsvp_set(actor=atf, meeting=meeting, response=Rsvp.Response.DECLINED)
    meeting_services.rsvp_set(actor=hsi, meeting=meeting, response=Rsvp.Response.REMOTE)
    people = meeting_notices.audience(meeting)
    assert {vancouver, atf, cbsa, hsi} <= set(people)

    def subject() -> str:
        return f"{translation.get_language()}: {meeting.title}"

    context = {"package_url": meeting_notices.package_url(meeting)} if "invitation" in template else {}
    together = meeting_notices._render_each(template, subject, meeting, method=method, **context)(people)
    for person in people:
        alone = engine.as_reader(person, lambda person=person: meeting_notices._render(
            template, subject(), meeting, person, method=method, **context
        ))
        assert together[person.pk] == alone, person.username
    # Each reads their own: the restricted item, their language, their answer, their reply address.
    if "agenda" in template:
        assert MOU_ITEM in together[cbsa.pk].text and MOU_ITEM not in together[hsi.pk].text
        assert "Threat picture" in together[hsi.pk].text
    assert together[cbsa.pk].subject.startswith("fr:") and together[hsi.pk].subject.startswith("en:")
    if method:
        assert "PARTSTAT=DECLINED" in together[atf.pk].ics.replace("\r\n ", "")
        assert reply_addresses.for_member(meeting.pk, hsi.pk) in together[hsi.pk].ics.replace("\r\n ", "")


def test_telling_an_agenda_to_more_readers_reads_nothing_more(
    four_items, secretariat, demo, cbftf, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.support.factories import MembershipFactory, UserFactory

    meeting = Meeting.objects.select_related("body").get(pk=four_items.pk)

    def queries_to_tell() -> int:
        Notification.objects.filter(event_key=f"meeting:{meeting.pk}:circulated").delete()
        Delivery.objects.filter(key__startswith=f"event:meeting:{meeting.pk}:circulated:").delete()
        with CaptureQueriesContext(connection) as captured:
            meeting_notices.agenda_circulated(meeting)
        return len(captured)

    few = queries_to_tell()
    for n, acronym in enumerate(["CBSA", "ATF", "HSI", "CBP", "RCMP"] * 4):
        person = UserFactory(username=f"reader{n}", agency=demo.agencies[acronym], language=("en", "fr")[n % 2])
        MembershipFactory(body=cbftf, user=person, role="member")
    assert queries_to_tell() == few
    assert Notification.objects.filter(event_key=f"meeting:{meeting.pk}:circulated").count() >= 25


# Changes, each told only where it touches what the reader may see -------------------------------------------


@pytest.fixture
def four_items(meeting, add_item, secretariat, demo) -> Meeting:
    """The meeting's agenda circulated: Opening, the MOU (CBSA and ATF only), Threat picture, Next steps."""
    for title in ("Opening", MOU_ITEM, "Threat picture", "Next steps"):
        restricted = [demo.agencies["CBSA"], demo.agencies["ATF"]] if title == MOU_ITEM else None
        add_item(meeting, title, restricted_to=restricted)
    with sent_after_commit():
        meeting_services.agenda_circulate(actor=secretariat, meeting=meeting)
    mail.outbox.clear()
    Notification.objects.all().delete()
    return meeting


def test_a_paper_above_a_readers_clearance_is_not_told_to_them(four_items, secretariat, hsi, cbp, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from meetings.demo import tiny_pdf
    from members.models import Classification

    default = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**default, "OPTIONS": {**default.get("OPTIONS", {}), "location": str(tmp_path)}},
    }
    threat = four_items.items.get(title_en="Threat picture")
    with sent_after_commit():
        meeting_services.paper_upload(
            actor=secretariat, item=threat, title="Seizure figures",
            upload=SimpleUploadedFile("figures.pdf", tiny_pdf("Figures")), classification=Classification.PROTECTED_B,
        )

    # HSI and CBP are cleared to Protected A.
    assert emails_to(hsi) == emails_to(cbp) == []
    assert notices_of(hsi, NotificationKind.AGENDA) == notices_of(cbp, NotificationKind.AGENDA) == []
    assert recipients() == everyone_once("secretariat", "cbsa", "atf", "rcmp")


def _after_the_reordering(clock) -> None:
    """The agenda left alone long enough for the reordering to be told, and the sweep that tells it."""
    clock.shift(meeting_notices.REORDER_QUIET + datetime.timedelta(seconds=1))
    sweep()


def test_a_move_past_a_hidden_item_only_is_not_told_to_those_who_do_not_see_it(four_items, secretariat, hsi, clock):
    threat = four_items.items.get(title_en="Threat picture")

    with sent_after_commit():
        meeting_services.agenda_item_move(actor=secretariat, item=threat, position=2)
    _after_the_reordering(clock)

    assert emails_to(hsi) == [] and notices_of(hsi, NotificationKind.AGENDA) == []
    assert recipients() == everyone_once("secretariat", "cbsa", "atf")


def test_a_move_is_told_in_each_readers_own_numbering(four_items, secretariat, hsi, atf, clock):
    opening = four_items.items.get(title_en="Opening")

    with sent_after_commit():
        meeting_services.agenda_item_move(actor=secretariat, item=opening, position=3)
    _after_the_reordering(clock)

    told_hsi, told_atf = only_email_to(hsi).body, only_email_to(atf).body
    assert "Moved: Opening (now item 2)" in told_hsi and "3" not in told_hsi.split("Moved: ")[1].splitlines()[0]
    assert re.search(r"^1\. Threat picture.*\n2\. Opening.*\n3\. Next steps", told_hsi, re.MULTILINE)
    assert "Moved: Opening (now item 3)" in told_atf


def test_a_reminder_numbers_the_agenda_as_the_readers_agenda_page_does(four_items, secretariat, clock, hsi, atf):
    from meetings import selectors as meeting_selectors

    meeting_services.agenda_item_withdraw(actor=secretariat, item=four_items.items.get(title_en="Threat picture"))
    mail.outbox.clear()
    clock.move_to(SEVEN_DAYS_BEFORE)

    sweep()

    for reader in (hsi, atf):
        on_the_page = {
            item.title_en: item.number for item in meeting_selectors.agenda_items(actor=reader, meeting=four_items)
        }
        body = only_email_of(reader, "meeting_reminder").body
        assert f"\n{on_the_page['Next steps']}. Next steps" in body and "Threat picture" not in body
    assert "\n3. Next steps" in only_email_of(hsi, "meeting_reminder").body
    assert "\n4. Next steps" in only_email_of(atf, "meeting_reminder").body


def test_moves_made_together_reach_each_reader_as_one_notice_once_the_agenda_is_left_alone(
    four_items, secretariat, hsi, atf, clock
):
    items = {item.title_en: item for item in four_items.items.all()}
    with sent_after_commit():
        meeting_services.agenda_item_move(actor=secretariat, item=items["Next steps"], position=1)
        clock.shift(datetime.timedelta(minutes=2))
        meeting_services.agenda_item_move(actor=secretariat, item=items["Opening"], position=1)
        clock.shift(datetime.timedelta(minutes=2))
        # Past the MOU item only: not a change for those who do not see it.
        meeting_services.agenda_item_move(actor=secretariat, item=items["Threat picture"], position=3)

    # Nothing while the secretariat is still at it: three minutes after the first move, one after the last.
    clock.shift(datetime.timedelta(minutes=1))
    sweep()
    assert outbox() == [] and Notification.objects.filter(kind=NotificationKind.AGENDA).count() == 0

    _after_the_reordering(clock)
    assert recipients() == everyone_once()
    told_hsi, told_atf = only_email_to(hsi), only_email_to(atf)
    assert told_hsi.subject == told_atf.subject == "Agenda reordered: CBFTF working meeting"
    # Each reader is told of the moves in their own numbering, of the items they may see only.
    assert re.search(r"^1\. Opening.*\n2\. Next steps.*\n3\. Threat picture", told_hsi.body, re.MULTILINE)
    assert "Moved: Opening (now item 1)" in told_hsi.body and "Moved: Next steps (now item 2)" in told_hsi.body
    assert "Moved: Threat picture" not in told_hsi.body and MOU_ITEM not in told_hsi.body
    assert "Moved: Threat picture (now item 3)" in told_atf.body and "Moved: Next steps (now item 2)" in told_atf.body
    assert len(notices_of(hsi, NotificationKind.AGENDA)) == 1

    # Told once: a later sweep sends nothing more, and a later move starts a notice of its own.
    mail.outbox.clear()
    sweep()
    assert outbox() == []
    with sent_after_commit():
        meeting_services.agenda_item_move(actor=secretariat, item=items["Opening"], position=4)
    _after_the_reordering(clock)
    assert "Moved: Opening (now item 3)" in only_email_to(hsi).body
    assert "Threat picture (now" not in only_email_to(hsi).body


def test_a_reordering_is_not_told_for_a_meeting_cancelled_meanwhile(four_items, secretariat, clock):
    opening = four_items.items.get(title_en="Opening")
    with sent_after_commit():
        meeting_services.agenda_item_move(actor=secretariat, item=opening, position=2)
        meeting_services.meeting_cancel(actor=secretariat, meeting=four_items, reason="Postponed.")
    mail.outbox.clear()

    _after_the_reordering(clock)

    assert not [m for m in outbox() if "reordered" in m.subject]
