"""The notification pages (taskforce/views.py): a member's own notices with read and unread, opening one, the
choice of how each kind of notice arrives, and the secretariat's list of messages not delivered, with retry.

Each page shows only the reader's own notices or, for the secretariat, the people of their own bodies: anyone
else gets a 404.
"""

import re

import pytest
from django.core import mail
from django.urls import reverse

from notifications import engine as notifications
from notifications.models import Delivery, DeliveryMode, Notification, NotificationKind, NotificationPreference
from tests.support.emails import emails_to, notices_of, sent_after_commit
from tests.support.factories import BodyFactory, MembershipFactory, UserFactory
from tests.support.scenario import page, text_of

from .conftest import CBFTF_AGENCIES, MEETING_START

PORTAL = "http://127.0.0.1:8000"


@pytest.fixture
def invited(clock, schedule_at):
    """A meeting of CBSA and ATF: its invitation is in their notification lists (the emails are left unsent)."""
    return schedule_at(MEETING_START, invite=("CBSA", "ATF"))


def notice(user, *, title: str = "A notice", url: str = "") -> Notification:
    return Notification.objects.create(
        user=user, kind=NotificationKind.MEETING, event_key=f"test:{title}:{url}", title=title, url=url
    )


def failed_delivery(user, subject: str = "Invitation: CBFTF working meeting") -> Delivery:
    return Delivery.objects.create(
        recipient=user, key=f"test:{user.pk}:{subject}", kind=NotificationKind.MEETING, subject=subject,
        body_text="Hello", status=Delivery.Status.FAILED, attempts=7, last_error="451 4.3.0 try later",
    )

# The notification list ---------------------------------------------------------------------------------------


def test_the_notification_list_shows_members_their_own_notices_with_the_unread_ones_marked(
    invited, client_for, atf, hsi
):
    response = client_for(atf).get(page("notification-list"))
    other = client_for(hsi).get(page("notification-list"))

    assert response.status_code == 200
    text = text_of(response)
    assert "Invitation: CBFTF working meeting, January 25, 2027, 10 a.m." in text
    assert text.count('class="is-unread"') == 1 and "Unread" in text
    assert "Invitation: CBFTF working meeting" not in text_of(other)
    assert "Nothing yet." in text_of(other)


def test_marking_all_read_clears_the_unread_marks(invited, client_for, cbsa):
    notice(cbsa, title="Another notice")

    response = client_for(cbsa).post(page("notification-list"))

    assert response.status_code == 302
    assert all(n.read_at is not None for n in notices_of(cbsa))
    assert 'class="is-unread"' not in text_of(client_for(cbsa).get(page("notification-list")))


def test_marking_one_read_leaves_the_others_unread(client_for, cbsa):
    first, second = notice(cbsa, title="First"), notice(cbsa, title="Second")

    client_for(cbsa).post(page("notification-list"), {"notification": [str(first.pk)]})

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_a_member_cannot_mark_another_members_notices_read(client_for, cbsa, rcmp):
    theirs = notice(cbsa)

    client_for(rcmp).post(page("notification-list"), {"notification": [str(theirs.pk)]})

    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_a_notification_marks_it_read_and_goes_to_what_it_is_about(invited, client_for, atf):
    [invitation] = notices_of(atf)

    response = client_for(atf).post(page("notification-open", invitation.pk))

    invitation.refresh_from_db()
    assert invitation.read_at is not None
    assert response.status_code == 302
    assert response.url == f"{PORTAL}{page('meeting-detail', invited.pk)}"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "javascript:alert(1)",
        "http://127.0.0.1:8000.evil.example/",
        "https://127.0.0.1:8000@evil.example/",
    ],
)
def test_opening_a_notification_never_leads_off_the_portal(client_for, cbsa, url):
    crafted = notice(cbsa, url=url)

    response = client_for(cbsa).post(page("notification-open", crafted.pk))

    assert response.status_code == 302
    assert response.url == page("notification-list")


def test_another_members_notification_is_not_found_and_stays_unread(client_for, cbsa, rcmp, secretariat):
    theirs = notice(cbsa, url=f"{PORTAL}/en/")

    for reader in (rcmp, secretariat):
        assert client_for(reader).post(page("notification-open", theirs.pk)).status_code == 404
        assert client_for(reader).get(page("notification-open", theirs.pk)).status_code == 404

    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_notification_list_runs_a_fixed_number_of_queries(client_for, atf, django_assert_num_queries):
    # ATF's member prefers English, the language of these pages: no preference to save.
    client = client_for(atf)
    notice(atf, title="First")
    with django_assert_num_queries(4):
        # The session, the member, their agency (in the header), their notifications.
        client.get(page("notification-list"))
    for n in range(20):
        notice(atf, title=f"Notice {n}")
    with django_assert_num_queries(4):
        client.get(page("notification-list"))


# Preferences -------------------------------------------------------------------------------------------------


def checked_choices(html: str) -> dict[str, str]:
    """The choice shown as selected for each kind of notice."""
    tags = re.findall(r"<input [^>]*>", html)
    return {
        re.search(r'name="([^"]+)"', tag)[1]: re.search(r'value="([^"]+)"', tag)[1]
        for tag in tags
        if 'type="radio"' in tag and re.search(r"\bchecked\b", tag)
    }


def test_the_preferences_page_offers_each_kind_immediately_by_default(client_for, cbp):
    response = client_for(cbp).get(page("notification-preferences"))

    text = text_of(response)
    for _kind, label in NotificationKind.choices:
        assert str(label) in text
    assert checked_choices(text) == dict.fromkeys(NotificationKind.values, DeliveryMode.IMMEDIATELY)


def test_the_choices_saved_on_the_preferences_page_decide_what_is_emailed(
    client_for, cbp, clock, schedule_at
):
    choices = dict.fromkeys(NotificationKind.values, DeliveryMode.IMMEDIATELY) | {
        NotificationKind.MEETING: DeliveryMode.OFF, NotificationKind.AGENDA: DeliveryMode.DIGEST,
    }

    response = client_for(cbp).post(page("notification-preferences"), choices)

    assert response.status_code == 302
    assert dict(NotificationPreference.objects.filter(user=cbp).values_list("kind", "mode")) == choices
    with sent_after_commit():
        schedule_at(MEETING_START, invite=CBFTF_AGENCIES)
    assert emails_to(cbp) == [] and len(notices_of(cbp)) == 1
    assert checked_choices(text_of(client_for(cbp).get(page("notification-preferences")))) == choices


def test_the_preferences_page_refuses_an_unknown_choice(client_for, cbp):
    choices = dict.fromkeys(NotificationKind.values, DeliveryMode.OFF) | {NotificationKind.MEETING: "sometimes"}

    response = client_for(cbp).post(page("notification-preferences"), choices)

    assert response.status_code == 200
    assert NotificationPreference.objects.filter(user=cbp).count() == 0


# Messages not delivered, for the secretariat ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["cbsa", "atf", "rcmp", "hsi", "cbp", "dea"])
def test_the_list_of_messages_not_delivered_is_not_found_for_members(client_for, demo, name):
    failed = failed_delivery(demo.users["cbp"])
    client = client_for(demo.users[name])

    assert client.get(page("delivery-list")).status_code == 404
    assert client.post(page("delivery-list"), {"delivery": failed.pk}).status_code == 404
    failed.refresh_from_db()
    assert failed.status == Delivery.Status.FAILED


def test_the_secretariat_sees_the_messages_that_failed_with_their_error(client_for, secretariat, cbp):
    failed_delivery(cbp, "Invitation: CBFTF working meeting")

    text = text_of(client_for(secretariat).get(page("delivery-list")))

    assert "Karen Walsh (CBP)" in text
    assert "Invitation: CBFTF working meeting" in text
    assert "Failed" in text and "451 4.3.0 try later" in text and "Send again" in text


def test_a_failed_message_sent_again_reaches_its_recipient(client_for, secretariat, cbp):
    failed = failed_delivery(cbp)

    with sent_after_commit():
        response = client_for(secretariat).post(page("delivery-list"), {"delivery": failed.pk})

    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == Delivery.Status.SENT
    [message] = emails_to(cbp)
    assert message.subject == "Invitation: CBFTF working meeting"
    assert "Every message has been delivered." in text_of(client_for(secretariat).get(page("delivery-list")))


def test_a_superuser_can_send_a_failed_message_again(client_for, superuser, cbp):
    failed = failed_delivery(cbp)

    with sent_after_commit():
        client_for(superuser).post(page("delivery-list"), {"delivery": failed.pk})

    failed.refresh_from_db()
    assert failed.status == Delivery.Status.SENT and len(emails_to(cbp)) == 1


def test_sending_again_twice_is_refused_without_an_error_page(client_for, secretariat, cbp):
    failed = failed_delivery(cbp)
    client = client_for(secretariat)
    client.post(page("delivery-list"), {"delivery": failed.pk})  # queued, not yet sent

    response = client.post(page("delivery-list"), {"delivery": failed.pk}, follow=True)

    assert response.status_code == 200
    assert "Only a failed message can be sent again." in text_of(response)
    assert mail.outbox == []


def test_the_secretariat_neither_sees_nor_retries_messages_of_people_outside_their_bodies(
    client_for, secretariat
):
    elsewhere = BodyFactory(acronym="OTHERTF")
    stranger = UserFactory(username="stranger", first_name="Sam", last_name="Stranger")
    MembershipFactory(body=elsewhere, user=stranger)
    failed = failed_delivery(stranger, "Invitation: another task force")
    client = client_for(secretariat)

    assert "another task force" not in text_of(client.get(page("delivery-list")))
    assert client.post(page("delivery-list"), {"delivery": failed.pk}).status_code == 404
    assert client.post(page("delivery-list"), {"delivery": "not-a-number"}).status_code == 404


def test_the_list_of_messages_not_delivered_runs_a_fixed_number_of_queries(
    client_for, secretariat, demo, django_assert_num_queries
):
    client = client_for(secretariat)
    failed_delivery(demo.users["cbp"])
    with django_assert_num_queries(6):
        # The session, the member, the authenticator their session was confirmed with, the bodies they are
        # secretariat of, their agency (in the header), the messages with their recipients and agencies.
        client.get(page("delivery-list"))
    for name in ("cbsa", "rcmp", "atf", "hsi"):
        for n in range(3):
            failed_delivery(demo.users[name], f"Notice {n}")
    with django_assert_num_queries(6):
        client.get(page("delivery-list"))


def test_a_message_the_server_refused_for_good_is_listed_for_the_secretariat(
    client_for, secretariat, cbp, refusing_server
):
    refusing_server(100)

    with sent_after_commit():
        notifications.notify(
            kind=NotificationKind.MEETING, event_key="test:refused", recipients=[cbp],
            render=lambda user: notifications.Message(subject="Agenda for the spring meeting", text="Hello"),
        )

    text = text_of(client_for(secretariat).get(page("delivery-list")))
    assert "Agenda for the spring meeting" in text and "Failed" in text and "try later" in text


def test_the_pages_answer_only_signed_in_members(client):
    for name in ("notification-list", "notification-preferences", "delivery-list"):
        response = client.get(page(name))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_messages_to_someone_also_in_another_body_are_not_listed_to_a_secretariat_of_one_body_only(
    client_for, secretariat, cbp, superuser
):
    """A secretariat of one body only does not read, even as a subject line, what the portal told a member about
    another body's work (its meetings and agreements are not that secretariat's to see)."""
    other_body = BodyFactory(acronym="JIT", name_en="Joint investigation team", name_fr="Équipe commune d'enquête")
    MembershipFactory(body=other_body, user=cbp)
    lone_secretariat = UserFactory(username="cbftf-only", agency=secretariat.agency)
    MembershipFactory(body=secretariat.memberships.get(body__acronym="CBFTF").body, user=lone_secretariat,
                      role="secretariat")
    failed_delivery(cbp, subject="Invitation: JIT operational meeting")
    sent = Delivery.objects.create(
        recipient=cbp, key="test:sent:jit", kind=NotificationKind.MEETING, subject="Agenda circulated: JIT briefing",
        body_text="Hello", status=Delivery.Status.SENT,
    )
    Delivery.objects.filter(pk=sent.pk).update(sent_at=sent.created_at)
    ordinary = UserFactory(username="cbftf-member", agency=cbp.agency)
    MembershipFactory(body=secretariat.memberships.get(body__acronym="CBFTF").body, user=ordinary, role="member")
    failed_delivery(ordinary, subject="Invitation: CBFTF working meeting")

    client = client_for(lone_secretariat)
    listed = text_of(client.get(page("delivery-list"))) + text_of(client.get(page("delivery-sent-list")))
    assert "JIT" not in listed
    assert "Invitation: CBFTF working meeting" in listed  # a member of this body alone is listed
    everything = text_of(client_for(superuser).get(page("delivery-list")))
    everything += text_of(client_for(superuser).get(page("delivery-sent-list")))
    assert "Invitation: JIT operational meeting" in everything and "Agenda circulated: JIT briefing" in everything
