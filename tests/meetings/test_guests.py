"""Guests: someone outside the member agencies (a host at the U.S. Embassy) invited to one meeting by name, email and
language. They get the invitation with its calendar entry and every change by email, in their language, each with
their own link; they answer through it without an account, see nothing else of the portal, and the link stops
working when the meeting ends or they are removed."""

import datetime
import re

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from audit.models import AuditEntry
from meetings import guest_links, services
from meetings.models import Guest, Meeting
from notifications.models import Delivery
from taskforce import ical
from tests.notifications import conftest as notification_fixtures
from tests.support.emails import outbox, sent_after_commit
from tests.support.scenario import page, page_fr, text_of

from .test_api import body, token_client

# The notification tests' fixtures: Celery in-process, the demo's own reminders and emails set aside.
eager_celery = notification_fixtures.eager_celery
engine_at_rest = notification_fixtures.engine_at_rest

EMBASSY = "host@state.example.gov"
API = "/api/v1"


def invite(secretariat, meeting, *, name="Jordan Lee", email=EMBASSY, language="en", organisation="U.S. Embassy"):
    with sent_after_commit():
        return services.guest_invite(
            actor=secretariat, meeting=meeting, name=name, email=email, language=language, organisation=organisation
        )


def emails_to_guest(address: str = EMBASSY) -> list:
    return [message for message in outbox() if message.to == [address]]


def calendar_of(message) -> tuple[str, dict]:
    """The attached calendar's METHOD and its one event."""
    (content, ) = [attachment[1] for attachment in message.attachments if attachment[0] == "invite.ics"]
    calendar = Calendar.from_ical(content)
    (event,) = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), event


def link_in(message) -> str:
    return re.search(r"https?://\S+/guest/\S+/", message.body).group(0)


def path_of(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


@pytest.fixture
def guest_meeting(schedule, add_item, secretariat, demo):
    """A CBFTF meeting in a week, hosted by ATF, with a circulated agenda (an item restricted to CBSA and ATF)."""
    meeting = schedule(days=7, title_en="Firearms trafficking briefing", title_fr="Breffage sur le trafic d'armes",
                       place="U.S. Embassy, 490 Sussex Drive", host_agency=demo.agencies["ATF"],
                       virtual_link="https://meet.example.org/cbftf")
    add_item(meeting, "Roundtable")
    add_item(meeting, "CBSA–ATF MOU: status", restricted_to=[demo.agencies["CBSA"], demo.agencies["ATF"]])
    services.agenda_circulate(actor=secretariat, meeting=meeting)
    return meeting


# Invitation and answer ---------------------------------------------------------------------------------------


def test_an_embassy_guest_is_invited_and_answers_without_an_account(guest_meeting, secretariat, client_for):
    response = client_for(secretariat).post(page("guest-add", guest_meeting.pk), {
        "name": "Jordan Lee", "email": "Host@State.example.gov", "language": "en", "organisation": "U.S. Embassy",
    })
    assert response.status_code == 302, text_of(response)
    guest = Guest.objects.get(meeting=guest_meeting)
    assert guest.email == EMBASSY and guest.answer is None
    # The invitation went out when the page's transaction committed: one email, to the guest alone.
    (invitation,) = [d for d in Delivery.objects.filter(address=EMBASSY)]
    assert invitation.recipient_id is None and invitation.body_id == guest_meeting.body_id
    with sent_after_commit():
        services.guest_link_renew(actor=secretariat, guest=guest)  # sent, as a real commit would
    (message, _earlier_link_resent) = emails_to_guest()[-1], None
    link = link_in(message)

    # The guest opens the link: no account, no sign-in.
    guest_client = Client()
    page_text = text_of(guest_client.get(path_of(link)))
    assert "Firearms trafficking briefing" in page_text and "490 Sussex Drive" in page_text
    response = guest_client.post(path_of(link), {"answer": "in_person"})
    assert response.status_code == 200, text_of(response)
    assert "Thank you: your answer is saved (Attending in person)" in text_of(response)
    # The second use: they change their mind, and it works again.
    response = guest_client.post(path_of(link), {"answer": "remote"})
    assert "Thank you: your answer is saved (Attending remotely)" in text_of(response)
    guest.refresh_from_db()
    assert guest.answer == Guest.Answer.REMOTE and guest.answered_at is not None

    # The secretariat sees the answer on the meeting page.
    text = text_of(client_for(secretariat).get(page("meeting-detail", guest_meeting.pk)))
    assert "Jordan Lee" in text and "Attending remotely" in text and EMBASSY in text


def test_the_invitation_carries_the_members_calendar_entry_with_the_guest_as_attendee_in_their_language(
    guest_meeting, secretariat
):
    invite(secretariat, guest_meeting, name="Camille Roy", email="camille@ambassade.example", language="fr",
           organisation="Ambassade")
    (message,) = emails_to_guest("camille@ambassade.example")
    assert message.subject.startswith("Invitation : Breffage sur le trafic d'armes")
    assert "Bonjour Camille Roy" in message.body and "/fr/guest/" in message.body
    method, event = calendar_of(message)
    assert method == "REQUEST"
    assert str(event["UID"]) == ical.uid("meeting", guest_meeting.pk)
    assert int(event["SEQUENCE"]) == Meeting.objects.get(pk=guest_meeting.pk).sequence
    attendees = event.get("ATTENDEE")
    assert str(attendees) == "mailto:camille@ambassade.example" and attendees.params["PARTSTAT"] == "NEEDS-ACTION"
    # Their link, never the members' page; and nothing of the agenda.
    assert "/meetings/" not in message.body and "/meetings/" not in str(event.get("URL"))
    assert "MOU" not in message.body and "Roundtable" not in message.body


def test_the_guest_page_shows_the_meetings_essentials_and_nothing_else_of_the_portal(
    guest_meeting, secretariat, rcmp
):
    services.rsvp_set(actor=rcmp, meeting=guest_meeting, response="in_person")
    guest = invite(secretariat, guest_meeting)
    invite(secretariat, guest_meeting, name="Another Guest", email="other@example.org")
    response = Client().get(path_of(guest_links.url_for(guest)))
    # The address is the credential: not kept in caches, not sent on to the sites the page links to.
    assert response["Cache-Control"] == "no-store" and response["Referrer-Policy"] == "same-origin"
    text = text_of(response)
    assert "Firearms trafficking briefing" in text and "meet.example.org/cbftf" in text
    assert "Bureau of Alcohol" in text or "ATF" in text  # the host
    assert "America/Toronto" in text  # the time in the meeting's own zone
    for hidden in ("Roundtable", "MOU", "Another Guest", "other@example.org", rcmp.last_name, "/meetings/",
                   "/members/", "Sign out"):
        assert hidden not in text, hidden


def test_a_signed_in_member_opening_a_guests_link_sees_the_guest_page_only_and_answers_as_the_guest(
    guest_meeting, secretariat, client_for, cbsa
):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the trail's entries written at once, not at commit
    guest = invite(secretariat, guest_meeting)
    client = client_for(cbsa)
    response = client.post(path_of(guest_links.url_for(guest)), {"answer": "declined"})
    assert response.status_code == 200
    assert "Sign out" not in text_of(response) and "/meetings/" not in text_of(response)
    entry = AuditEntry.objects.filter(object_type="meetings.guest", object_id=guest.pk, action="update").latest("id")
    # Recorded as the guest's own answer through their link: no member is named on it.
    assert entry.channel == "guest" and entry.actor_id is None and f"guest:{guest.pk}" in entry.source


def test_the_page_is_in_the_guests_language_and_the_time_in_the_meetings_zone(guest_meeting, secretariat):
    guest = invite(secretariat, guest_meeting, language="fr")
    text = text_of(Client().get(path_of(guest_links.url_for(guest))))
    assert "Breffage sur le trafic d'armes" in text and "Votre réponse" in text
    assert page_fr("guest-page", guest_links.token_for(guest)) in guest_links.url_for(guest)


# Links that open nothing --------------------------------------------------------------------------------------


def test_a_tampered_foreign_or_earlier_link_is_a_plain_not_found(guest_meeting, secretariat, schedule):
    guest = invite(secretariat, guest_meeting)
    token = guest_links.token_for(guest)
    other = invite(secretariat, schedule(days=9, title_en="Another meeting"), email="other@example.org")
    forged = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # the signature changed
        signing.dumps([other.pk, other.link_version], salt="accounts.feed"),  # signed for another use
        signing.dumps([guest.pk + 1000, 1], salt="elsewhere"),
        "x" * 5000,
        "not-a-token",
        signing.dumps({"g": guest.pk}, salt=guest_links.SALT),  # genuine signature, wrong shape
        signing.dumps([guest.pk, guest.link_version + 1], salt=guest_links.SALT),  # a version not issued
    ]
    for value in forged:
        response = Client().get(page("guest-page", value))
        assert response.status_code == 404, value
        assert "Firearms" not in text_of(response)
    # A token names its guest alone: the other meeting's token opens the other meeting, never this one.
    assert "Firearms" not in text_of(Client().get(path_of(guest_links.url_for(other))))
    # A new link: the earlier one stops working, the new one works.
    with sent_after_commit():
        renewed = services.guest_link_renew(actor=secretariat, guest=guest)
    assert Client().get(page("guest-page", token)).status_code == 404
    assert Client().get(path_of(guest_links.url_for(renewed))).status_code == 200


def test_the_link_stops_working_when_the_meeting_ends_and_late_answers_are_refused(guest_meeting, secretariat):
    guest = invite(secretariat, guest_meeting)
    url = path_of(guest_links.url_for(guest))
    Meeting.objects.filter(pk=guest_meeting.pk).update(
        start=timezone.now() - datetime.timedelta(hours=3), end=timezone.now() - datetime.timedelta(hours=1)
    )
    assert Client().get(url).status_code == 404
    assert Client().post(url, {"answer": "in_person"}).status_code == 404
    with pytest.raises(Exception, match="already taken place"):
        services.guest_answer(guest=guest, answer="in_person")
    guest.refresh_from_db()
    assert guest.answer is None


def test_a_removed_guest_gets_a_cancellation_and_their_link_stops_working(guest_meeting, secretariat, client_for):
    guest = invite(secretariat, guest_meeting)
    url = path_of(guest_links.url_for(guest))
    sequence = Meeting.objects.get(pk=guest_meeting.pk).sequence
    with sent_after_commit():
        response = client_for(secretariat).post(page("guest-remove", guest.pk))
    assert response.status_code == 302
    assert not Guest.objects.filter(pk=guest.pk).exists()
    assert Client().get(url).status_code == 404
    removal = emails_to_guest()[-1]
    method, event = calendar_of(removal)
    assert method == "CANCEL" and int(event["SEQUENCE"]) == sequence + 1
    assert "no longer invited" in removal.body


def test_a_guest_of_a_meeting_that_took_place_stays_on_its_record(guest_meeting, secretariat, client_for, time_machine):
    guest = invite(secretariat, guest_meeting)
    time_machine.move_to(guest_meeting.end + datetime.timedelta(hours=1))
    response = client_for(secretariat).post(page("guest-remove", guest.pk))
    assert response.status_code in (302, 400)
    assert Guest.objects.filter(pk=guest.pk).exists()
    with pytest.raises(ValidationError):
        services.guest_remove(actor=secretariat, guest=guest)
    assert Guest.objects.filter(pk=guest.pk).exists()


def test_a_cancelled_meeting_shows_only_the_cancellation_and_takes_no_answer(guest_meeting, secretariat):
    guest = invite(secretariat, guest_meeting)
    with sent_after_commit():
        services.meeting_cancel(actor=secretariat, meeting=guest_meeting, reason="The embassy is closed that day.")
    method, _event = calendar_of(emails_to_guest()[-1])
    assert method == "CANCEL"
    url = path_of(guest_links.url_for(guest))
    text = text_of(Client().get(url))
    assert "This meeting is cancelled" in text and "The embassy is closed" in text and "Save my answer" not in text
    Client().post(url, {"answer": "in_person"})
    guest.refresh_from_db()
    assert guest.answer is None


def test_moving_the_meeting_sends_the_guest_an_update_with_a_higher_sequence(guest_meeting, secretariat):
    guest = invite(secretariat, guest_meeting)
    _method, first = calendar_of(emails_to_guest()[-1])
    with sent_after_commit():
        services.meeting_update(
            actor=secretariat, meeting=guest_meeting, reason="The room is taken.",
            start=guest_meeting.start + datetime.timedelta(days=1), end=guest_meeting.end + datetime.timedelta(days=1),
        )
    moved = emails_to_guest()[-1]
    method, event = calendar_of(moved)
    assert method == "REQUEST" and int(event["SEQUENCE"]) > int(first["SEQUENCE"])
    assert str(event["UID"]) == str(first["UID"]) and "The room is taken." in moved.body
    assert guest_links.guest_from(link_in(moved).rstrip("/").rsplit("/", 1)[1]) == guest


# Hostile input -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fields, field", [
    ({"email": "not an address"}, "email"),
    ({"email": "a@b@c"}, "email"),
    ({"name": "x" * 5000}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "Bell\x07character"}, "name"),
    ({"language": "de"}, "language"),
    ({"organisation": "o" * 300}, "organisation"),
])
def test_bad_guest_input_is_refused_on_the_page_and_nothing_changes(guest_meeting, secretariat, client_for, fields, field):
    data = {"name": "Jordan Lee", "email": EMBASSY, "language": "en", "organisation": "", **fields}
    response = client_for(secretariat).post(page("guest-add", guest_meeting.pk), data)
    assert response.status_code == 400
    assert not Guest.objects.filter(meeting=guest_meeting).exists()
    assert not Delivery.objects.filter(recipient__isnull=True).exists()


def test_the_same_person_twice_is_refused_whatever_the_case_of_the_address(guest_meeting, secretariat, client_for):
    invite(secretariat, guest_meeting)
    response = client_for(secretariat).post(page("guest-add", guest_meeting.pk), {
        "name": "Jordan Lee again", "email": "HOST@state.example.gov", "language": "en",
    })
    assert response.status_code == 400 and "already a guest" in text_of(response)
    assert Guest.objects.filter(meeting=guest_meeting).count() == 1


def test_an_unknown_answer_or_a_meeting_over_or_cancelled_refuses_guests(guest_meeting, secretariat, past_meeting):
    guest = invite(secretariat, guest_meeting)
    response = Client().post(path_of(guest_links.url_for(guest)), {"answer": "delegate"})
    assert response.status_code == 400
    guest.refresh_from_db()
    assert guest.answer is None
    with pytest.raises(Exception, match="already taken place"):
        services.guest_invite(actor=secretariat, meeting=past_meeting, name="Late", email="late@example.org",
                              language="en")


# Who sees guests ----------------------------------------------------------------------------------------------


def test_members_see_guests_names_and_answers_but_not_their_addresses_and_cannot_manage_them(
    guest_meeting, secretariat, client_for, cbsa, dea
):
    guest = invite(secretariat, guest_meeting)
    services.guest_answer(guest=guest, answer="in_person")
    text = text_of(client_for(cbsa).get(page("meeting-detail", guest_meeting.pk)))
    assert "Jordan Lee" in text and "Attending in person" in text and EMBASSY not in text
    assert page("guest-remove", guest.pk) not in text
    for name, args in (("guest-add", guest_meeting.pk), ("guest-remove", guest.pk), ("guest-link-renew", guest.pk)):
        assert client_for(cbsa).post(page(name, args), {"name": "X", "email": "x@example.org", "language": "en"}).status_code == 403
        # DEA is not of the task force: the meeting and its guests do not exist for them.
        assert client_for(dea).post(page(name, args)).status_code == 404
    assert Guest.objects.filter(meeting=guest_meeting).count() == 1


def test_the_api_lists_invites_and_removes_guests_for_the_secretariat_only(guest_meeting, secretariat, cbsa, dea):
    url = f"{API}/meetings/{guest_meeting.pk}/guests/"
    with sent_after_commit():
        response = token_client(secretariat).post(url, {
            "name": "Jordan Lee", "email": EMBASSY, "language": "fr", "organisation": "U.S. Embassy",
        }, content_type="application/json")
    assert response.status_code == 201, response.content
    created = body(response)
    assert created["email"] == EMBASSY and created["answer"] is None and created["language"] == "fr"
    assert len(emails_to_guest()) == 1
    (listed,) = body(token_client(cbsa).get(url))["results"]
    assert listed["name"] == "Jordan Lee" and listed["email"] is None
    assert token_client(dea).get(url).status_code == 404
    for client, status in ((token_client(cbsa), 403), (token_client(dea), 404)):
        assert client.post(url, {"name": "X", "email": "x@example.org", "language": "en"},
                           content_type="application/json").status_code == status
        assert client.delete(f"{url}{created['id']}/").status_code == status
    for bad in ({"name": "X", "email": "nope", "language": "en"}, {"name": "X", "email": "x@example.org",
                "language": "xx"}, {"name": "x" * 300, "email": "x@example.org", "language": "en"},
                {"name": "Dup", "email": EMBASSY.upper(), "language": "en"}, ["not", "an", "object"]):
        response = token_client(secretariat).post(url, bad, content_type="application/json")
        assert response.status_code == 400, (bad, response.content)
    with sent_after_commit():
        assert token_client(secretariat).delete(f"{url}{created['id']}/").status_code == 204
    assert not Guest.objects.filter(meeting=guest_meeting).exists()
    assert token_client(secretariat).delete(f"{url}{created['id']}/").status_code == 404


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_guest_list_runs_as_many_queries_for_many_guests_as_for_few(guest_meeting, secretariat):
    client = token_client(secretariat)
    url = f"{API}/meetings/{guest_meeting.pk}/guests/"
    invite(secretariat, guest_meeting, email="one@example.org")
    client.get(url)
    # The token and its user; the meeting (visible to the caller); whether they are its secretariat; the guests'
    # fingerprint for the ETag; the page of guests.
    few = count_queries(client, url)
    for n in range(8):
        invite(secretariat, guest_meeting, name=f"Guest {n}", email=f"guest{n}@example.org")
    assert count_queries(client, url) == few
    assert len(body(client.get(url))["results"]) == 9


# Attendance --------------------------------------------------------------------------------------------------


def test_attendance_includes_guests_marked_as_such_and_the_quorum_counts_agencies_only(
    guest_meeting, secretariat, client_for, rcmp
):
    guest = invite(secretariat, guest_meeting)
    Meeting.objects.filter(pk=guest_meeting.pk).update(
        start=timezone.now() - datetime.timedelta(hours=3), end=timezone.now() - datetime.timedelta(hours=1)
    )
    client = client_for(secretariat)
    form = text_of(client.get(page("attendance", guest_meeting.pk)))
    assert "Jordan Lee (U.S. Embassy) (guest)" in form
    response = client.post(page("attendance", guest_meeting.pk), {
        f"present_{rcmp.pk}": "on", f"mode_{rcmp.pk}": "in_person",
        f"guest_present_{guest.pk}": "on", f"guest_mode_{guest.pk}": "remote",
    })
    assert response.status_code == 302, text_of(response)
    guest.refresh_from_db()
    assert guest.attended and guest.attended_mode == "remote"
    text = text_of(client.get(page("meeting-detail", guest_meeting.pk)))
    assert '<li>Jordan Lee <span class="portal-muted">(guest, U.S. Embassy, remotely)</span></li>' in text
    assert "1 agency present;" in text  # RCMP: the guest is no agency
    # Recorded again without them: no longer present.
    client.post(page("attendance", guest_meeting.pk), {f"present_{rcmp.pk}": "on", f"mode_{rcmp.pk}": "in_person"})
    guest.refresh_from_db()
    assert not guest.attended and guest.attended_mode == ""


def test_a_guest_of_another_meeting_cannot_be_recorded_here(guest_meeting, secretariat, schedule):
    other = invite(secretariat, schedule(days=9, title_en="Another meeting"), email="other@example.org")
    Meeting.objects.filter(pk=guest_meeting.pk).update(
        start=timezone.now() - datetime.timedelta(hours=3), end=timezone.now() - datetime.timedelta(hours=1)
    )
    with pytest.raises(Exception, match="not one of this meeting"):
        services.attendance_record(actor=secretariat, meeting=guest_meeting, present={}, guests={other.pk: "remote"})
    other.refresh_from_db()
    assert not other.attended


def test_a_meeting_a_guest_was_told_of_is_cancelled_rather_than_deleted(guest_meeting, secretariat, schedule):
    meeting = schedule(days=9, title_en="Told a guest only", invite=())
    from notifications.models import Notification

    Notification.objects.all().delete()
    invite(secretariat, meeting)
    assert not services.meeting_deletable(meeting=meeting)
