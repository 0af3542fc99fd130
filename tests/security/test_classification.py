"""Classification against clearance: a paper or an agreement version marked above a reader's clearance does not
exist for them, on every channel: its pages and download, the API's details and lists, the calendar feed, emails
and the portal's own notices. HSI's member is cleared to Protected A; RCMP's, to Protected B."""

import re
from contextlib import contextmanager

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from accounts import services as account_services
from accounts.authentication import feed_secret
from meetings import services as meeting_services
from meetings.demo import tiny_pdf
from members.models import Classification
from mou import services as mou_services
from mou.models import Agreement, Signature
from notifications.models import Notification, NotificationKind
from taskforce.celery import app as celery_app
from tests.support.scenario import page, text_of

# Papers go to a media folder of each test's own.
pytestmark = pytest.mark.usefixtures("media_root")

PAPER = "Protected B threat annex"
VERSION_TEXT = "Protected B wording: the Participants exchange seizure records daily."
VERSION_NOTE = "Protected B revision after the legal review"


@contextmanager
def sent_at_once():
    """What the block queues after commit (the emails) is sent when it ends, as a real commit would."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            yield
    finally:
        celery_app.conf.task_always_eager = before


@pytest.fixture
def protected_b_paper(circulated, secretariat):
    """A Protected B paper on the circulated body-wide roundtable, the notice of the change sent."""
    mail.outbox.clear()
    with sent_at_once():
        return meeting_services.paper_upload(
            actor=secretariat, item=circulated.roundtable, title=PAPER, classification=Classification.PROTECTED_B,
            upload=SimpleUploadedFile("annex.pdf", tiny_pdf("Annex")),
        )


@pytest.fixture
def arrangement(demo, secretariat) -> Agreement:
    """An agreement every CBFTF member sees, between CBSA and HSI, whose second version is marked Protected B."""
    agreement = mou_services.agreement_create(
        actor=secretariat, body=demo.bodies["CBFTF"], kind=Agreement.Kind.OTHER, short_name="Tracing arrangement",
        title_en="CBSA–HSI firearms tracing arrangement", parties=[demo.agencies["CBSA"], demo.agencies["HSI"]],
        text="The Participants trace seized firearms together.",
    )
    mou_services.version_create(
        actor=secretariat, agreement=agreement, base_number=1, text=VERSION_TEXT, note=VERSION_NOTE,
        classification=Classification.PROTECTED_B,
    )
    return agreement


def without_nonce(response) -> str:
    """A page's text without what differs from one response to the next."""
    text = re.sub(r'<meta name="csp-nonce" content="[^"]*">', "", text_of(response))
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)


# Papers -------------------------------------------------------------------------------------------------


def test_a_paper_above_the_readers_clearance_is_not_found_on_its_download_or_api_detail(
    client_for, hsi, rcmp, protected_b_paper
):
    hidden = client_for(hsi)

    assert hidden.get(page("paper-download", protected_b_paper.pk)).status_code == 404
    assert hidden.get(f"/api/v1/papers/{protected_b_paper.pk}/").status_code == 404
    assert client_for(rcmp).get(page("paper-download", protected_b_paper.pk)).status_code == 200
    assert client_for(rcmp).get(f"/api/v1/papers/{protected_b_paper.pk}/").status_code == 200


def test_a_paper_above_the_readers_clearance_appears_on_no_page_or_api_list(
    client_for, hsi, rcmp, circulated, protected_b_paper
):
    meeting, item = circulated.meeting, circulated.roundtable
    pages = [page("home"), page("meeting-detail", meeting.pk), page("agenda-item-detail", item.pk),
             page("agendas-to-review"), page("notification-list")]
    api = ["/api/v1/papers/", f"/api/v1/papers/?item={item.pk}", f"/api/v1/meetings/{meeting.pk}/items/",
           f"/api/v1/meetings/{meeting.pk}/items/{item.pk}/"]

    for address in pages + api:
        response = client_for(hsi).get(address)
        assert response.status_code == 200, address
        assert PAPER not in text_of(response), address
        assert page("paper-download", protected_b_paper.pk) not in text_of(response), address
    assert PAPER in text_of(client_for(rcmp).get(page("agenda-item-detail", item.pk)))
    assert PAPER in text_of(client_for(rcmp).get("/api/v1/papers/"))


def test_a_paper_above_the_readers_clearance_is_in_no_calendar_feed_email_or_notice(
    client_for, hsi, circulated, protected_b_paper
):
    feed = client_for(None).get(page("calendar-feed", feed_secret(account_services.calendar_feed_regenerate(actor=hsi))))

    assert feed.status_code == 200 and "Security review meeting" in feed.content.decode()
    assert PAPER not in feed.content.decode()
    # A change that touches nothing HSI may see reaches HSI not at all: no email, no notice.
    assert mail.outbox, "those cleared for the paper are told the agenda changed"
    assert [message for message in mail.outbox if message.to == [hsi.email]] == []
    assert not Notification.objects.filter(user=hsi, kind=NotificationKind.AGENDA, title__icontains="changed").exists()


def test_no_email_names_a_paper_whatever_the_readers_clearance(circulated, protected_b_paper):
    assert mail.outbox
    assert all(PAPER not in message.subject + message.body for message in mail.outbox)


# Agreement versions -------------------------------------------------------------------------------------


def test_a_version_above_the_readers_clearance_is_not_found_on_its_pages_or_in_the_api(client_for, hsi, arrangement):
    client = client_for(hsi)
    pk = arrangement.pk

    assert client.get(page("version-detail", pk, 2)).status_code == 404
    assert client.post(page("version-comment", pk, 2), {"text": "Seen?"}).status_code == 404
    assert client.post(page("version-restore", pk, 2), {"base_number": 2}).status_code == 404
    assert client.get(f"/api/v1/agreements/{pk}/versions/2/").status_code == 404
    comment = client.post(f"/api/v1/agreements/{pk}/versions/2/comments/", {"text": "Seen?"}, "application/json")
    assert comment.status_code == 404
    assert client_for(None).get(page("version-detail", pk, 2)).status_code == 302


def test_a_version_above_the_readers_clearance_is_in_no_list_page_or_feed(client_for, hsi, rcmp, arrangement):
    client = client_for(hsi)
    pk = arrangement.pk
    addresses = [page("agreement-list"), page("agreement-detail", pk), page("version-detail", pk, 1),
                 page("version-compare", pk), f"/api/v1/agreements/{pk}/", f"/api/v1/agreements/{pk}/versions/",
                 "/api/v1/agreements/", "/api/v1/schedule/"]

    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200, address
        assert VERSION_TEXT not in text_of(response) and VERSION_NOTE not in text_of(response), address
    assert client.get(f"/api/v1/agreements/{pk}/").json()["current_version"] == 1
    assert [row["number"] for row in client.get(f"/api/v1/agreements/{pk}/versions/").json()["results"]] == [1]
    feed = client_for(None).get(page("calendar-feed", feed_secret(account_services.calendar_feed_regenerate(actor=hsi))))
    assert VERSION_TEXT not in feed.content.decode()
    assert VERSION_TEXT in text_of(client_for(rcmp).get(page("version-detail", pk, 2)))


def test_comparing_with_a_version_above_the_readers_clearance_answers_as_for_one_that_does_not_exist(
    client_for, hsi, arrangement
):
    client = client_for(hsi)
    compare = page("version-compare", arrangement.pk)

    hidden = client.get(compare, {"from": 1, "to": 2})
    missing = client.get(compare, {"from": 1, "to": 3})

    assert VERSION_TEXT not in text_of(hidden)
    as_if_hidden = without_nonce(missing).replace("to=3", "to=2").replace('value="3"', 'value="2"')
    assert without_nonce(hidden) == as_if_hidden.replace("3 is not one of", "2 is not one of")


def test_a_party_cannot_sign_a_version_above_its_clearance(demo, client_for, secretariat, hsi, arrangement):
    mou_services.agreement_submit(actor=secretariat, agreement=arrangement)
    mou_services.agreement_transition(actor=secretariat, agreement=arrangement, transition="make_ready_for_signature")
    data = {"party": "HSI", "signatory_name": "Luis Ortega", "signed_on": "2021-12-01"}

    for number in (2, 1):
        response = client_for(hsi).post(page("signature-create", arrangement.pk), {**data, "version_number": number})
        assert response.status_code == 200
        assert "Only the current version can be signed." in text_of(response)
        assert VERSION_TEXT not in text_of(response)
    assert not Signature.objects.filter(agreement=arrangement).exists()
