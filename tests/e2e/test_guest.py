"""Issue "Guests", done when: the secretariat invites an embassy guest to a meeting, and the guest answers without an
account. In a real Chromium against the live server: the secretariat invites the guest from the meeting page; the
guest opens the link from their email in a browser of their own (no session), sees the meeting and nothing else of
the portal, answers, sees the confirmation, changes their answer; the secretariat then sees it on the meeting page.
"""

import re

import pytest
from django.core import mail

from meetings.models import Guest, Meeting
from taskforce.celery import app as celery_app

from .helpers import sign_in, wait_for_components

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMBASSY = "host@state.example.gov"


@pytest.fixture
def emails_sent_in_process():
    """The live server runs in this process: what it queues after commit is sent at once, to Django's outbox."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def answer(page, label: str) -> None:
    page.click(f"gcds-radios[name=answer] >> text={label}")
    page.click("form.portal-form gcds-button[type=submit] >> button")
    page.wait_for_load_state("networkidle")
    wait_for_components(page)


def test_a_guest_answers_from_the_link_in_their_email_and_the_secretariat_sees_the_answer(
    page, browser, live_server, demo, emails_sent_in_process
):
    base = live_server.url
    meeting = Meeting.objects.get(body__acronym="CBFTF", title_en="CBFTF regular meeting")
    sign_in(page, base, "secretariat")
    page.goto(f"{base}/en/meetings/{meeting.pk}/")
    wait_for_components(page)
    page.fill("#guests gcds-input[name=name] input", "Jordan Lee")
    page.fill("#guests gcds-input[name=email] input", EMBASSY)
    page.select_option("#guests gcds-select[name=language] select", "en")
    page.fill("#guests gcds-input[name=organisation] input", "U.S. Embassy in Ottawa")
    page.click("#guests gcds-button[type=submit] >> button")
    page.wait_for_load_state("networkidle")
    wait_for_components(page)
    notice = page.locator("#outcome-guests gcds-notice").get_attribute("notice-title")
    assert notice.startswith("Jordan Lee is invited")
    assert "Jordan Lee" in page.inner_text("#guests table")

    (invitation,) = [message for message in mail.outbox if message.to == [EMBASSY]]
    assert any(name == "invite.ics" for name, _content, _type in invitation.attachments)
    link = re.search(r"https?://\S+/en/guest/\S+/", invitation.body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]

    # The guest, in a browser of their own: no account, no session.
    guest_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-CA")
    guest_context.set_default_timeout(15_000)
    guest = guest_context.new_page()
    try:
        guest.goto(f"{base}{path}")
        wait_for_components(guest)
        text = guest.inner_text("main")
        assert "CBFTF regular meeting" in text and "Your answer" in text
        assert guest.locator("gcds-top-nav").count() == 0 and "Sign out" not in guest.content()
        assert guest.locator("a[href*='/meetings/']").count() == 0
        answer(guest, "Attending in person")
        assert "Thank you: your answer is saved (Attending in person)" in guest.inner_text("main")
        # The second use: a change of plans.
        answer(guest, "Attending remotely")
        assert "Thank you: your answer is saved (Attending remotely)" in guest.inner_text("main")
    finally:
        guest_context.close()
    assert Guest.objects.get(email=EMBASSY).answer == Guest.Answer.REMOTE

    page.goto(f"{base}/en/meetings/{meeting.pk}/")
    wait_for_components(page)
    row = page.inner_text("#guests table")
    assert "Jordan Lee" in row and "Attending remotely" in row
