"""Reminders the secretariat aims: from the meeting page (or the API), a reminder sent now to the invitees who have not
answered, or to the people ticked, with a message of the secretariat's own in English and French. Each person gets it
once, in their language, even when the button is pressed twice (one press after the other, or both at the same
instant); the meeting page keeps the log, and the secretariat's messages page lists every message sent. A meeting
also carries its own text for its scheduled reminders, in each reader's language."""

import datetime
import re
import threading
import uuid
from collections import Counter

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import strip_tags
from icalendar import Calendar

from meetings import notifications as meeting_notices
from meetings import services
from meetings.models import Guest, Meeting, Rsvp, SentReminder
from notifications import engine
from notifications.models import Delivery, DeliveryMode, Notification, NotificationKind, NotificationPreference
from taskforce import ical, permissions
from taskforce.celery import app as celery_app
from tests.notifications import conftest as notification_fixtures
from tests.support.emails import outbox, sent_after_commit
from tests.support.live import REDIS_URL, Processes, SmtpSink, forget_queue, process_env, require_redis, wait_until
from tests.support.scenario import page, page_fr, text_of

from .conftest import local_time
from .test_api import body, error_fields, token_client

# The notification tests' fixtures: Celery in-process, the demo's own reminders and emails set aside.
eager_celery = notification_fixtures.eager_celery
engine_at_rest = notification_fixtures.engine_at_rest

API = "/api/v1"
HX = {"HX-Request": "true"}
NOTE_EN = "Please confirm by Friday: the embassy needs the list of names for security."
NOTE_FR = "Veuillez confirmer d'ici vendredi : l'ambassade doit recevoir la liste des noms pour la sécurité."
# How the reminder's subject starts, in each language (the body's acronym is the French one in French).
SUBJECT = {"en": "Reminder from the CBFTF secretariat: ", "fr": "Rappel du secrétariat du GTTAF : "}
UNANSWERED = {"en": "You have not answered this invitation yet.", "fr": "Vous n'avez pas encore répondu à cette invitation."}
FRENCH = ("cbsa", "rcmp")


def key() -> str:
    return uuid.uuid4().hex


def language(username: str) -> str:
    return "fr" if username in FRENCH else "en"


@pytest.fixture
def briefing(schedule, secretariat, demo) -> Meeting:
    """A CBFTF meeting in ten days, with CBSA, ATF and HSI invited: the secretariat (of CBSA) has answered, ATF has
    declined; CBSA's member (who reads French) and HSI's (English) have not answered."""
    meeting = schedule(days=10, invite=("CBSA", "ATF", "HSI"), title_en="Firearms tracing briefing",
                       title_fr="Breffage sur le traçage des armes", place="U.S. Embassy, 490 Sussex Drive")
    services.rsvp_set(actor=secretariat, meeting=meeting, response=Rsvp.Response.IN_PERSON)
    services.rsvp_set(actor=demo.users["atf"], meeting=meeting, response=Rsvp.Response.DECLINED)
    return meeting


def invite_guest(secretariat, meeting, *, name="Jordan Lee", email="host@state.example.gov", language="en"):
    return services.guest_invite(
        actor=secretariat, meeting=meeting, name=name, email=email, language=language, organisation="U.S. Embassy"
    )


def remind(secretariat, meeting, **fields) -> services.Reminded:
    """The service, with its emails sent as a commit would send them."""
    fields = {"audience": "unanswered", "key": key(), **fields}
    with sent_after_commit():
        return services.meeting_remind(actor=secretariat, meeting=meeting, **fields)


def reminders_to(messages=None) -> Counter:
    """How many reminders each address got."""
    messages = outbox() if messages is None else messages
    return Counter(m.to[0] for m in messages if m.subject.startswith(tuple(SUBJECT.values())))


def form_key(response) -> str:
    return re.search(r'name="key" value="([A-Za-z0-9_-]+)"', response.content.decode()).group(1)


def nothing_sent() -> bool:
    """No reminder recorded, emailed or noticed (the invitations sent when the meeting was scheduled aside)."""
    return not SentReminder.objects.exists() and not Delivery.objects.filter(key__contains=":reminded:").exists() \
        and not Notification.objects.filter(event_key__contains=":reminded:").exists()


def calendar_of(message) -> tuple[str, dict]:
    (content,) = [attachment[1] for attachment in message.attachments if attachment[0] == "invite.ics"]
    calendar = Calendar.from_ical(content)
    (event,) = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), event


# The secretariat's double click, through real workers and a real mail server ----------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_secretariat_reminds_the_two_invitees_who_have_not_answered_once_each_in_their_language_even_on_a_double_click(
    demo, secretariat, client_for, tmp_path
):
    """Done when: the secretariat reminds the two invitees who have not answered, with a note, and each gets one
    email in their language. The button is pressed twice (one press after the other), then another reminder is sent
    by two presses at the same instant: a real Celery worker sends to a real SMTP server on loopback."""
    require_redis(REDIS_URL)
    start = local_time(10)
    meeting = services.meeting_schedule(
        actor=secretariat, body=demo.bodies["CBFTF"], title_en="Firearms tracing briefing",
        title_fr="Breffage sur le traçage des armes", start=start, end=start + datetime.timedelta(hours=2),
        time_zone="America/Toronto", invite_agencies=[demo.agencies[a] for a in ("CBSA", "ATF", "HSI")],
    )
    services.rsvp_set(actor=secretariat, meeting=meeting, response=Rsvp.Response.IN_PERSON)
    services.rsvp_set(actor=demo.users["atf"], meeting=meeting, response=Rsvp.Response.DECLINED)
    cbsa, hsi = demo.users["cbsa"], demo.users["hsi"]
    url = page("meeting-remind", meeting.pk)
    queue = f"remind-test-{uuid.uuid4().hex[:12]}"
    eager, default_queue = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue

    def press(client, data, outcomes, gate=None):
        if gate is not None:
            gate.wait(timeout=30)
        try:
            outcomes.append(client.post(url, data, headers=HX))
        finally:
            connection.close()  # each thread's own connection to the test database

    with SmtpSink() as smtp, Processes(tmp_path) as processes:
        env = process_env(redis_url=REDIS_URL, smtp_port=smtp.port, queue=queue)
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = False, queue
        try:
            processes.worker("worker", env, concurrency=2)
            # One press after the other, with the key of the form as drawn.
            client = client_for(secretariat)
            first_key = form_key(client.get(page("meeting-detail", meeting.pk)))
            data = {"audience": "unanswered", "message_en": NOTE_EN, "message_fr": NOTE_FR, "key": first_key}
            first, second = client.post(url, data, headers=HX), client.post(url, data, headers=HX)
            wait_until(lambda: smtp.count() >= 2, seconds=120, what=f"the reminders\n{processes.tails()}")

            # Another reminder (a new form), to CBSA's member alone, pressed twice at the same instant.
            second_key = form_key(second)
            gate, outcomes = threading.Barrier(2), []
            data = {"audience": "chosen", "people": [cbsa.pk], "message_en": "Second note.",
                    "message_fr": "Deuxième note.", "key": second_key}
            presses = [threading.Thread(target=press, args=(client_for(secretariat), data, outcomes, gate))
                       for _ in range(2)]
            for thread in presses:
                thread.start()
            for thread in presses:
                thread.join(timeout=60)
            wait_until(lambda: smtp.count() >= 3 and not Delivery.objects.filter(
                status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]).exists(),
                seconds=120, what=f"the second reminder\n{processes.tails()}")
            # Anything more would have been sent by now: the worker had nothing else queued.
            processes.sweep_once(env)
        finally:
            celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = eager, default_queue
            forget_queue(REDIS_URL, queue)
        messages = smtp.messages()

    # One email each per reminder, in their language.
    assert Counter(envelope[0] for envelope, _m in messages) == Counter({cbsa.email: 2, hsi.email: 1})
    by_note = {}
    for envelope, message in messages:
        text = message.get_body(("plain",)).get_content()
        reader = "fr" if envelope == [cbsa.email] else "en"
        assert message["Subject"].strip().startswith(SUBJECT[reader]), message["Subject"]
        note = next(n for n in (NOTE_EN, NOTE_FR, "Second note.", "Deuxième note.") if n in text)
        by_note.setdefault(note, []).append(envelope[0])
        assert UNANSWERED[reader] in text
        [calendar] = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
        assert calendar.get_param("method") == "REQUEST"
    assert by_note == {NOTE_FR: [cbsa.email], NOTE_EN: [hsi.email], "Deuxième note.": [cbsa.email]}
    # Each press answered where the secretariat is: sent, then already sent (nothing more).
    assert [r.status_code for r in (first, second, *outcomes)] == [200] * 4
    assert "Reminder sent to 2 people." in text_of(first)
    assert "This reminder was already sent" in text_of(second) and "to 2 people: nothing more was sent." in text_of(second)
    said = [text_of(r) for r in outcomes]
    assert sorted("Reminder sent to 1 person." in text for text in said) == [False, True]
    assert sorted("This reminder was already sent" in text for text in said) == [False, True]
    assert form_key(second) != first_key

    # The log: two reminders, the first to the two who had not answered.
    logged = list(SentReminder.objects.filter(meeting=meeting).order_by("sent_at"))
    assert [(r.key, r.recipient_count) for r in logged] == [(first_key, 2), (second_key, 1)]
    assert {r.person.username for r in logged[0].recipients.all()} == {"cbsa", "hsi"}


# Who is reminded ------------------------------------------------------------------------------------------------


def test_the_invitees_who_have_not_answered_are_reminded_and_those_who_answered_are_not(
    briefing, secretariat, demo
):
    hsi, atf, cbsa = demo.users["hsi"], demo.users["atf"], demo.users["cbsa"]
    services.rsvp_set(actor=hsi, meeting=briefing, response=Rsvp.Response.REMOTE)
    invite_guest(secretariat, briefing, email="waiting@example.org")
    answered = invite_guest(secretariat, briefing, name="Sam Ortiz", email="answered@example.org", language="fr")
    services.guest_answer(guest=answered, answer=Guest.Answer.DECLINED)
    mail.outbox.clear()

    reminded = remind(secretariat, briefing, message_en=NOTE_EN, message_fr=NOTE_FR)

    # Answered: the secretariat (in person), ATF (declined), HSI (remotely) and the guest who declined.
    assert reminders_to() == Counter({cbsa.email: 1, "waiting@example.org": 1})
    assert reminded.reminder.recipient_count == 2 and not reminded.already_sent
    (to_cbsa,) = [m for m in outbox() if m.to == [cbsa.email]]
    assert to_cbsa.subject.startswith(SUBJECT["fr"]) and NOTE_FR in to_cbsa.body and NOTE_EN not in to_cbsa.body
    assert "Un message du secrétariat du GTTAF :" in to_cbsa.body
    (to_guest,) = [m for m in outbox() if m.to == ["waiting@example.org"]]
    assert to_guest.subject.startswith(SUBJECT["en"]) and NOTE_EN in to_guest.body and NOTE_FR not in to_guest.body
    assert "/guest/" in to_guest.body  # their own link, not the members' page
    assert not {atf.email, hsi.email, secretariat.email} & set(reminders_to())
    # Members are told in the portal too.
    assert Notification.objects.filter(user=cbsa, event_key__contains=":reminded:").count() == 1


def test_the_reminder_carries_the_invitation_calendar_entry_with_each_ones_own_answer(briefing, secretariat, demo):
    atf = demo.users["atf"]
    invitation_uid = ical.uid("meeting", briefing.pk)
    invite_guest(secretariat, briefing)
    mail.outbox.clear()

    remind(secretariat, briefing, audience="chosen", people=[atf, demo.users["hsi"]],
           guests=list(briefing.guests.all()))

    for address, partstat in ((atf.email, "DECLINED"), (demo.users["hsi"].email, "NEEDS-ACTION"),
                              ("host@state.example.gov", "NEEDS-ACTION")):
        (message,) = [m for m in outbox() if m.to == [address]]
        method, event = calendar_of(message)
        assert method == "REQUEST"
        assert str(event["UID"]) == invitation_uid and int(event["SEQUENCE"]) == briefing.sequence
        assert event["ATTENDEE"].params["PARTSTAT"] == partstat
        # The organizer at the reply address of their invitation: their calendar app's answer to it counts.
        invited = Delivery.objects.get(
            Q(recipient__email=address) | Q(address=address), Q(key__contains=":invited:") | Q(key__contains=":guest-invited:")
        )
        assert str(event["ORGANIZER"]) == str(Calendar.from_ical(invited.ics).walk("VEVENT")[0]["ORGANIZER"])
    (to_atf,) = [m for m in outbox() if m.to == [atf.email]]
    assert "Your answer: Declined." in to_atf.body
    # The time in their own zone (ATF's member is in Washington: the same as Ottawa), the place.
    assert "U.S. Embassy, 490 Sussex Drive" in to_atf.body


def test_ticked_people_outside_the_invitees_are_refused_and_nothing_is_sent(
    schedule, secretariat, client_for, demo
):
    meeting = schedule(days=10, invite=("CBSA", "ATF"))
    other = schedule(days=12, invite=("CBSA",))
    stranger = invite_guest(secretariat, other, email="elsewhere@example.org")
    rcmp = demo.users["rcmp"]  # of the task force, not invited to this meeting
    Delivery.objects.all().delete()

    page_answer = client_for(secretariat).post(page("meeting-remind", meeting.pk), {
        "audience": "chosen", "people": [rcmp.pk], "key": key(),
    })
    api = token_client(secretariat)
    url = f"{API}/meetings/{meeting.pk}/remind/"
    api_person = api.post(url, {"audience": "chosen", "people": ["rcmp"]}, content_type="application/json")
    api_guest = api.post(url, {"audience": "chosen", "guests": [stranger.pk]}, content_type="application/json")

    assert page_answer.status_code == 400
    assert f"Select a valid choice. {rcmp.pk} is not one of the available choices." in text_of(page_answer)
    assert api_person.status_code == 400
    assert error_fields(api_person) == {"people": ["Only the meeting's invitees can be reminded: untick the others."]}
    assert api_guest.status_code == 400 and list(error_fields(api_guest)) == ["guests"]
    # No hidden person is named: not the one ticked, nor anyone else.
    assert "Sophie" not in text_of(api_person) and "elsewhere" not in text_of(api_guest)
    assert nothing_sent()


def test_nobody_to_remind_or_nobody_ticked_is_said_plainly(schedule, secretariat, demo):
    meeting = schedule(days=10, invite=("ATF",))
    services.rsvp_set(actor=demo.users["atf"], meeting=meeting, response=Rsvp.Response.REMOTE)

    with pytest.raises(ValidationError) as everyone_answered:
        services.meeting_remind(actor=secretariat, meeting=meeting, audience="unanswered", key=key())
    with pytest.raises(ValidationError) as none_ticked:
        services.meeting_remind(actor=secretariat, meeting=meeting, audience="chosen", key=key())
    with pytest.raises(ValidationError) as ticked_but_unanswered:
        services.meeting_remind(actor=secretariat, meeting=meeting, audience="unanswered",
                                people=[demo.users["atf"]], key=key())

    assert everyone_answered.value.message_dict == {
        "audience": ["Every invitee has answered: there is nobody to remind."]
    }
    assert none_ticked.value.message_dict == {"people": ["Tick the people to remind."]}
    assert "choose “The people I tick”" in ticked_but_unanswered.value.message_dict["audience"][0]
    assert not SentReminder.objects.exists()


def test_a_cancelled_meeting_or_one_that_has_started_reminds_nobody(schedule, secretariat, time_machine):
    cancelled = schedule(days=10, title_en="Called off")
    services.meeting_cancel(actor=secretariat, meeting=cancelled, reason="The embassy is closed.")
    started = schedule(days=2, title_en="Under way")

    with pytest.raises(ValidationError, match="cancelled"):
        services.meeting_remind(actor=secretariat, meeting=cancelled, audience="unanswered", key=key())
    time_machine.move_to(started.start + datetime.timedelta(minutes=5))
    with pytest.raises(ValidationError, match="already started"):
        services.meeting_remind(actor=secretariat, meeting=started, audience="unanswered", key=key())
    assert not SentReminder.objects.exists()


def test_the_message_is_given_in_both_languages_or_in_neither(briefing, secretariat, client_for):
    client = client_for(secretariat)
    url = page("meeting-remind", briefing.pk)

    english_only = client.post(url, {"audience": "unanswered", "message_en": NOTE_EN, "key": key()})
    french_only = client.post(url, {"audience": "unanswered", "message_fr": NOTE_FR, "key": key()}, headers=HX)

    assert english_only.status_code == 400
    assert "Give the message in French too, or leave both empty." in text_of(english_only)
    assert french_only.status_code == 200  # in place: the section with the error, where the secretariat is
    assert "Give the message in English too, or leave both empty." in text_of(french_only)
    assert NOTE_FR in text_of(french_only)  # what was typed stays
    assert nothing_sent()


def test_members_follow_their_choice_for_reminders_unless_the_body_makes_meeting_notices_mandatory(
    briefing, secretariat, demo, cbftf, client_for
):
    cbsa, hsi = demo.users["cbsa"], demo.users["hsi"]
    NotificationPreference.objects.create(user=cbsa, kind=NotificationKind.MEETING_REMINDER, mode=DeliveryMode.OFF)
    NotificationPreference.objects.create(user=hsi, kind=NotificationKind.MEETING_REMINDER, mode=DeliveryMode.DIGEST)

    chosen = remind(secretariat, briefing)
    cbftf.meeting_changes_mandatory = True
    cbftf.save(update_fields=["meeting_changes_mandatory"])
    mandatory = remind(secretariat, Meeting.objects.get(pk=briefing.pk))

    told = {r.person.username: r.told_by for r in chosen.reminder.recipients.all()}
    assert told == {"cbsa": "portal", "hsi": "digest"}
    assert {r.told_by for r in mandatory.reminder.recipients.all()} == {"email"}
    # Only the mandatory one was emailed at once; HSI's first waits for the digest; CBSA's first is a notice only.
    assert reminders_to() == Counter({cbsa.email: 1, hsi.email: 1})
    assert Delivery.objects.filter(recipient=hsi, status=Delivery.Status.HELD).count() == 1
    assert Notification.objects.filter(user=cbsa, event_key__contains=":reminded:").count() == 2
    # The secretariat is told how each was reached, in the log.
    log = strip_tags(text_of(client_for(secretariat).get(page("meeting-detail", briefing.pk))))
    assert f"{cbsa} (CBSA · in the portal only)" in log and f"{hsi} (HSI · in their daily digest)" in log


# Who may remind --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["cbsa", "atf", "rcmp", "dea", "outsider"])
def test_nobody_but_the_secretariat_finds_the_reminders_on_the_page_or_in_the_api(
    briefing, client_for, personas, persona
):
    """CBSA and ATF see the meeting (they are invited) but not the reminders; RCMP (of the task force, not invited),
    DEA (of the forum) and an outsider do not see the meeting at all: a 404 for every one of them."""
    user = personas[persona]
    client, api = client_for(user), token_client(user)

    assert client.get(page("meeting-remind", briefing.pk)).status_code == 404
    assert client.post(page("meeting-remind", briefing.pk), {"audience": "unanswered", "key": key()}).status_code == 404
    assert api.post(f"{API}/meetings/{briefing.pk}/remind/", {"audience": "unanswered"},
                    content_type="application/json").status_code == 404
    assert api.get(f"{API}/meetings/{briefing.pk}/reminders/").status_code == 404
    detail = client.get(page("meeting-detail", briefing.pk))
    assert "Remind invitees" not in text_of(detail) and "Reminders sent" not in text_of(detail)
    assert nothing_sent()


# Hostile input ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "says"), [
    ({"message_en": "x" * 2001, "message_fr": "x"}, "Ensure this value has at most 2000 characters (it has 2001)."),
    ({"key": "../../etc/passwd"}, "This form's key is not valid"),
    ({"key": ""}, "This form's key is missing"),
    ({"key": "k" * 65}, "This form's key is not valid"),
    ({"audience": "everyone"}, "Select a valid choice. everyone is not one of the available choices."),
    ({"audience": "chosen", "people": ["abc"]}, "Select a valid choice. abc is not one of the available choices."),
    ({"audience": "chosen", "people": ["9" * 30]}, "is not one of the available choices."),
    ({"audience": "chosen", "guests": ["1e3"]}, "Select a valid choice. 1e3 is not one of the available choices."),
])
def test_bad_input_on_the_page_is_refused_with_a_clear_error_and_nothing_changes(
    briefing, secretariat, client_for, data, says
):
    response = client_for(secretariat).post(page("meeting-remind", briefing.pk), {
        "audience": "unanswered", "key": key(), **data,
    })

    assert response.status_code == 400
    assert says in text_of(response)
    assert nothing_sent()


@pytest.mark.parametrize(("data", "field"), [
    ({"message_en": "x" * 2001, "message_fr": "y"}, "message_en"),
    ({"message_en": NOTE_EN}, "message_fr"),
    ({"key": "no spaces allowed"}, "key"),
    ({"key": "short"}, "key"),
    ({"key": 12345678}, "key"),
    ({"audience": "chosen", "people": "hsi"}, "people"),
    ({"audience": "chosen", "people": ["nobody-of-that-name"]}, "people"),
    ({"audience": "chosen", "guests": ["abc"]}, "guests"),
    ({"audience": "chosen", "guests": [2**63]}, "guests"),
    ({"audience": "chosen", "guests": [True]}, "guests"),
    ({"audience": None}, "audience"),
    ({"message_en": ["a"], "message_fr": "b"}, "message_en"),
])
def test_bad_input_in_the_api_is_refused_with_a_clear_error_and_nothing_changes(briefing, secretariat, data, field):
    response = token_client(secretariat).post(
        f"{API}/meetings/{briefing.pk}/remind/", {"audience": "unanswered", **data}, content_type="application/json"
    )

    assert response.status_code == 400, response.content
    assert [name for name in error_fields(response) if name.split(".")[0] == field], error_fields(response)
    assert nothing_sent()


def test_a_nul_anywhere_is_refused_before_the_view(briefing, secretariat, client_for):
    client = client_for(secretariat)

    on_page = client.post(page("meeting-remind", briefing.pk), {
        "audience": "unanswered", "message_en": "a\x00b", "message_fr": "c", "key": key(),
    })
    in_api = token_client(secretariat).post(f"{API}/meetings/{briefing.pk}/remind/", {
        "audience": "unanswered", "message_en": "a\x00b", "message_fr": "c",
    }, content_type="application/json")

    assert on_page.status_code == 400 and in_api.status_code == 400
    assert nothing_sent()


def test_an_unknown_or_malformed_meeting_is_not_found(secretariat, client_for):
    client = client_for(secretariat)

    assert client.post(page("meeting-remind", 2**40), {"audience": "unanswered", "key": key()}).status_code == 404
    assert client.post(f"/en/meetings/{'9' * 30}/remind/", {"audience": "unanswered"}).status_code == 404
    assert token_client(secretariat).get(f"{API}/meetings/abc/reminders/").status_code == 404


# The page, in place and twice ------------------------------------------------------------------------------------


def test_the_secretariat_reminds_twice_in_place_with_htmx_and_the_log_shows_both(briefing, secretariat, client_for, demo):
    client = client_for(secretariat)
    detail = client.get(page("meeting-detail", briefing.pk))
    text = text_of(detail)
    assert "Remind invitees" in text and "Invitees who have not answered (2)" in text
    assert f"{demo.users['cbsa']} (CBSA) — no answer yet" in text
    assert "(ATF) — Declined" in text
    url = page("meeting-remind", briefing.pk)
    first_key = form_key(detail)

    with sent_after_commit():
        first = client.post(url, {"audience": "unanswered", "message_en": NOTE_EN, "message_fr": NOTE_FR,
                                  "key": first_key}, headers=HX)
    second_key = form_key(first)
    with sent_after_commit():
        second = client.post(url, {"audience": "chosen", "people": [demo.users["atf"].pk], "key": second_key},
                             headers=HX)
    with sent_after_commit():
        again = client.post(url, {"audience": "chosen", "people": [demo.users["atf"].pk], "key": second_key},
                            headers=HX)

    for response in (first, second, again):
        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith('<section id="reminders"') and "<html" not in html
        assert "Send the reminder" in text_of(response)  # a form for the next one
    assert "Reminder sent to 2 people." in text_of(first)
    assert "Reminder sent to 1 person." in text_of(second)
    assert "This reminder was already sent" in text_of(again) and "to 1 person: nothing more was sent." in text_of(again)
    assert len({first_key, second_key, form_key(second), form_key(again)}) == 4
    log = text_of(again)
    assert log.count("Invitees who had not answered") == 1 and log.count("People chosen by the secretariat") == 1
    assert NOTE_EN in log and NOTE_FR in log
    assert reminders_to() == Counter({demo.users["cbsa"].email: 1, demo.users["hsi"].email: 1,
                                      demo.users["atf"].email: 1})
    assert SentReminder.objects.filter(meeting=briefing).count() == 2


def test_without_htmx_the_reminder_is_sent_and_the_page_opens_at_the_section_with_the_outcome(
    briefing, secretariat, client_for
):
    client = client_for(secretariat)
    data = {"audience": "unanswered", "key": form_key(client.get(page("meeting-detail", briefing.pk)))}

    with sent_after_commit():
        sent = client.post(page("meeting-remind", briefing.pk), data)
    landing = text_of(client.get(sent.url))
    again = client.post(page("meeting-remind", briefing.pk), data)

    assert sent.status_code == 302 and sent.url == page("meeting-detail", briefing.pk) + "#reminders"
    assert "Reminder sent to 2 people." in landing
    assert "Invitees who had not answered: 2 people" in landing
    assert again.status_code == 302
    assert "This reminder was already sent" in text_of(client.get(again.url))
    assert len(reminders_to()) == 2 and sum(reminders_to().values()) == 2


def test_the_page_and_the_reminder_read_in_french(briefing, secretariat, client_for, demo):
    secretariat.language = "fr"
    secretariat.save(update_fields=["language"])
    client = client_for(secretariat)
    detail = text_of(client.get(page_fr("meeting-detail", briefing.pk)))
    assert "Rappeler les invités" in detail and "Invités qui n'ont pas répondu (2)" in detail

    with sent_after_commit():
        sent = client.post(page_fr("meeting-remind", briefing.pk), {
            "audience": "unanswered", "key": key(), "message_en": NOTE_EN, "message_fr": NOTE_FR,
        }, headers=HX)

    assert "Rappel envoyé à 2 personnes." in text_of(sent)


# The API -------------------------------------------------------------------------------------------------------


def test_the_api_reminds_once_per_key_and_lists_the_reminders_sent(briefing, secretariat, demo):
    api = token_client(secretariat)
    url = f"{API}/meetings/{briefing.pk}/remind/"
    invite_guest(secretariat, briefing)
    guest = briefing.guests.get()
    mail.outbox.clear()
    data = {"audience": "chosen", "people": ["hsi"], "guests": [guest.pk], "message_en": NOTE_EN,
            "message_fr": NOTE_FR, "key": "cal-sync-0001"}

    with sent_after_commit():
        created = api.post(url, data, content_type="application/json")
    with sent_after_commit():
        repeated = api.post(url, data, content_type="application/json")
    with sent_after_commit():
        keyless = [api.post(url, {"audience": "unanswered"}, content_type="application/json") for _ in range(2)]

    assert created.status_code == 201 and repeated.status_code == 200, created.content
    assert body(created)["already_sent"] is False and body(repeated)["already_sent"] is True
    assert body(repeated)["id"] == body(created)["id"] and body(created)["recipient_count"] == 2
    assert {(r["username"], r["guest"], r["told_by"]) for r in body(created)["recipients"]} == {
        ("hsi", None, "email"), (None, guest.pk, "email"),
    }
    assert [r.status_code for r in keyless] == [201, 201] and body(keyless[0])["key"] != body(keyless[1])["key"]
    # Once for the keyed reminder; twice for the two without a key (CBSA's member and HSI's had not answered).
    assert reminders_to() == Counter({demo.users["hsi"].email: 3, "host@state.example.gov": 3,
                                      demo.users["cbsa"].email: 2})
    log = body(api.get(f"{API}/meetings/{briefing.pk}/reminders/"))
    assert [entry["audience"] for entry in log] == ["unanswered", "unanswered", "chosen"]
    assert log[2]["message_fr"] == NOTE_FR and log[2]["sent_by"] == "secretariat" and log[2]["key"] == "cal-sync-0001"
    # The log is in the visibility index as the rules have it: its secretariat's alone.
    assert permissions.check() == []
    assert permissions.readers(SentReminder.objects.filter(meeting=briefing).first()).filter(
        username__in=["cbsa", "hsi", "atf"]
    ).count() == 0


def test_the_api_schema_describes_the_reminders(demo):
    from tests.support.scenario import api_schema

    paths = api_schema()["paths"]
    remind_path = paths["/api/v1/meetings/{id}/remind/"]["post"]
    assert set(remind_path["responses"]) >= {"200", "201"}
    assert "get" in paths["/api/v1/meetings/{id}/reminders/"]


# The meeting's own text for its scheduled reminders ------------------------------------------------------------


def test_the_scheduled_reminders_carry_the_meetings_text_in_each_readers_language(
    schedule, secretariat, client_for, demo
):
    meeting = schedule(days=10, invite=("CBSA", "HSI"))
    edit = client_for(secretariat).get(page("meeting-edit", meeting.pk))
    form = {
        "title_en": meeting.title_en, "title_fr": "", "time_zone": meeting.time_zone,
        "start": meeting.start.astimezone(meeting.zone).strftime("%Y-%m-%dT%H:%M"),
        "end": meeting.end.astimezone(meeting.zone).strftime("%Y-%m-%dT%H:%M"),
        "invite_agencies": [demo.agencies["CBSA"].pk, demo.agencies["HSI"].pk], "reason": "",
        "reminder_message_en": "Bring your badge.", "reminder_message_fr": "Apportez votre badge.",
    }
    assert "Text of the reminders (English)" in text_of(edit)
    assert client_for(secretariat).post(page("meeting-edit", meeting.pk), form).status_code == 302
    meeting.refresh_from_db()
    assert (meeting.reminder_message_en, meeting.reminder_message_fr) == ("Bring your badge.", "Apportez votre badge.")
    topic = meeting_notices.topic(meeting)
    from notifications.models import Reminder
    for label in ("7d", "rsvp"):
        Reminder.objects.filter(topic=topic, label=label).update(due_at=timezone.now() - datetime.timedelta(minutes=1))
    mail.outbox.clear()

    with sent_after_commit():
        engine.sweep()  # the sweep renders each reminder for all its readers at once (render_all)

    cbsa, hsi = demo.users["cbsa"], demo.users["hsi"]
    for user, text, other in ((cbsa, "Apportez votre badge.", "Bring your badge."),
                              (hsi, "Bring your badge.", "Apportez votre badge.")):
        messages = [m for m in outbox() if m.to == [user.email]]
        assert len(messages) == 2, [m.subject for m in messages]  # the reminder before, and the one to answer
        for message in messages:
            assert text in message.body and other not in message.body
    # Rendered one at a time (`render`), the same.
    reminder = Reminder.objects.get(topic=topic, label="rsvp")
    handler = meeting_notices.RsvpReminder()
    alone = engine.as_reader(cbsa, lambda: handler.render(reminder, cbsa))
    assert "Apportez votre badge." in alone.text and "Un message du secrétariat du GTTAF :" in alone.text


def test_the_meetings_reminder_text_is_given_in_both_languages_or_in_neither(schedule, secretariat, demo):
    meeting = schedule(days=10)
    api = token_client(secretariat)

    one_language = api.patch(f"{API}/meetings/{meeting.pk}/", {"reminder_message_en": "Bring your badge."},
                             content_type="application/json")
    both = api.patch(f"{API}/meetings/{meeting.pk}/", {
        "reminder_message_en": "Bring your badge.", "reminder_message_fr": "Apportez votre badge.",
    }, content_type="application/json")
    too_long = api.patch(f"{API}/meetings/{meeting.pk}/", {
        "reminder_message_en": "x" * 2001, "reminder_message_fr": "y",
    }, content_type="application/json")

    assert one_language.status_code == 400
    assert error_fields(one_language) == {"reminder_message_fr": ["Give the message in French too, or leave both empty."]}
    assert both.status_code == 200 and body(both)["reminder_message_fr"] == "Apportez votre badge."
    assert too_long.status_code == 400 and "reminder_message_en" in error_fields(too_long)
    # Members read it in the API too (they receive it in their reminders).
    assert body(token_client(demo.users["cbsa"]).get(
        f"{API}/meetings/{meeting.pk}/"))["reminder_message_en"] == "Bring your badge."


# The logs --------------------------------------------------------------------------------------------------------


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries)


def test_the_reminders_log_runs_as_many_queries_for_many_reminders_as_for_few(
    briefing, secretariat, client_for, demo
):
    client, api = client_for(secretariat), token_client(secretariat)
    detail, log = page("meeting-detail", briefing.pk), f"{API}/meetings/{briefing.pk}/reminders/"
    invite_guest(secretariat, briefing)
    remind(secretariat, briefing)
    client.get(detail)
    api.get(log)
    few_on_page, few_in_api = count_queries(client, detail), count_queries(api, log)

    for n in range(6):
        remind(secretariat, briefing, audience="chosen", people=[demo.users["cbsa"], demo.users["atf"]],
               guests=list(briefing.guests.all()), message_en=f"Note {n}", message_fr=f"Note {n} (fr)")

    assert count_queries(client, detail) == few_on_page
    assert count_queries(api, log) == few_in_api
    assert len(body(api.get(log))) == 7
    assert text_of(client.get(detail)).count("People chosen by the secretariat") == 6


def test_the_messages_page_lists_the_messages_sent_a_page_at_a_time_in_constant_queries(
    briefing, secretariat, client_for, demo, django_assert_max_num_queries
):
    client = client_for(secretariat)
    url = page("delivery-sent-list")
    remind(secretariat, briefing)
    client.get(url)
    few = count_queries(client, url)
    for _n in range(8):
        remind(secretariat, briefing, audience="chosen", people=[demo.users["hsi"]])
    with django_assert_max_num_queries(few):
        text = text_of(client.get(url))

    # Nine to HSI's member (in English), one to CBSA's (in French).
    assert text.count(SUBJECT["en"]) == 9 and text.count(SUBJECT["fr"]) == 1
    assert "Messages not delivered" in text and "Messages sent" in text
    # A page at a time: after the fifth most recent, the five before it.
    ordered = list(Delivery.objects.filter(status=Delivery.Status.SENT, key__contains=":reminded:").order_by(
        "-sent_at", "-pk"
    ))
    older = text_of(client.get(url + f"?before={ordered[4].pk}"))
    assert older.count(SUBJECT["en"]) + older.count(SUBJECT["fr"]) == 5
    assert client.get(url + "?before=abc").status_code == 400
    assert client.get(url + f"?before={'9' * 30}").status_code == 400


@pytest.mark.parametrize("persona", ["cbsa", "rcmp", "dea", "outsider"])
def test_members_find_no_list_of_messages_sent(briefing, secretariat, client_for, personas, persona):
    remind(secretariat, briefing)
    Delivery.objects.update(status=Delivery.Status.SENT, sent_at=timezone.now())

    assert client_for(personas[persona]).get(page("delivery-sent-list")).status_code == 404
