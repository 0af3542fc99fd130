"""The whole meeting cycle in a real browser, as the secretariat and a member would run it."""

import datetime

import pytest
from django.utils import timezone

from meetings.models import ActionItem, AgendaItem, Comment, Meeting, Rsvp

from .helpers import sign_in, sign_out, wait_for_components

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Cross-border seizure data workshop"


def _go(page, url: str) -> None:
    page.goto(url)
    wait_for_components(page)


def _submit(page, form: str = "form.portal-form") -> None:
    page.click(f"{form} gcds-button[type=submit] >> button")
    page.wait_for_load_state("networkidle")
    wait_for_components(page)


def _schedule(page, base: str, day: datetime.date) -> Meeting:
    _go(page, f"{base}/en/meetings/new/?body=CBFTF")
    page.fill("gcds-input[name=title_en] input", TITLE)
    page.select_option("gcds-select[name=time_zone] select", "America/Toronto")
    page.fill("#id_start", f"{day.isoformat()}T10:00")
    page.fill("#id_end", f"{day.isoformat()}T11:30")
    page.fill("gcds-input[name=place] input", "CBSA headquarters, Ottawa")
    page.click("gcds-checkboxes[name=invite_agencies] >> text=CBSA — Canada Border Services Agency")
    page.click("gcds-checkboxes[name=invite_agencies] >> text=RCMP — Royal Canadian Mounted Police")
    _submit(page)
    meeting = Meeting.objects.get(title_en=TITLE)
    assert page.url.endswith(f"/en/meetings/{meeting.pk}/")
    return meeting


def _add_item(page, base: str, meeting: Meeting, title: str, minutes: int) -> None:
    _go(page, f"{base}/en/meetings/{meeting.pk}/agenda/new/")
    page.fill("gcds-input[name=title_en] input", title)
    page.fill("gcds-input[name=minutes_allotted] input", str(minutes))
    _submit(page)
    assert title in page.inner_text("main")


def test_the_secretariat_and_a_member_run_a_meeting_cycle_in_the_browser(page, live_server, demo):
    base = live_server.url
    day = timezone.localdate() + datetime.timedelta(days=10)

    # The secretariat schedules the meeting, builds the agenda and circulates it.
    sign_in(page, base, "secretariat")
    meeting = _schedule(page, base, day)
    _add_item(page, base, meeting, "Seizure data: what each agency holds", 30)
    _add_item(page, base, meeting, "Next steps", 15)
    _go(page, f"{base}/en/meetings/{meeting.pk}/")
    page.click("gcds-button[href$='/agenda/circulate/'] >> a")
    page.wait_for_url("**/agenda/circulate/")
    wait_for_components(page)
    # Asked to confirm, naming who will be told.
    told = page.inner_text("main")
    assert "3 people will be notified" in told and "Sophie Roy (RCMP)" in told
    _submit(page)
    # The outcome is where the page opens, in the agenda section, and takes the focus.
    assert page.locator("#agenda gcds-notice[notice-title='Agenda circulated to the invitees.']").is_visible()
    assert page.evaluate("document.activeElement.id") == "outcome-agenda"
    meeting.refresh_from_db()
    assert meeting.agenda_status == Meeting.AgendaStatus.CIRCULATED
    sign_out(page)

    # A member of an invited agency reviews it, comments on an item and answers the invitation.
    sign_in(page, base, "rcmp")
    _go(page, f"{base}/en/meetings/review/")
    assert TITLE in page.inner_text("main")
    page.click("main >> text=Seizure data: what each agency holds")
    wait_for_components(page)
    page.fill("gcds-textarea[name=text] textarea", "The RCMP can bring national seizure figures.")
    page.click("#comments gcds-button[type=submit] >> button")
    page.wait_for_selector("#comments >> text=The RCMP can bring national seizure figures.")
    _go(page, f"{base}/en/meetings/{meeting.pk}/")
    page.click("gcds-radios[name=response] >> text=Attending remotely")
    page.click("#rsvp gcds-button[type=submit] >> button")
    page.wait_for_selector("#rsvp .portal-status--success")
    sign_out(page)

    # The secretariat sees the comment and the answer, records minutes and an action item.
    sign_in(page, base, "secretariat")
    item = AgendaItem.objects.get(meeting=meeting, title_en="Seizure data: what each agency holds")
    _go(page, f"{base}/en/meetings/items/{item.pk}/")
    assert "The RCMP can bring national seizure figures." in page.inner_text("main")
    _go(page, f"{base}/en/meetings/{meeting.pk}/minutes/")
    page.fill(f"gcds-textarea[name=item_{item.pk}] textarea", "Each agency described the seizure data it holds.")
    _submit(page)
    _go(page, f"{base}/en/meetings/{meeting.pk}/actions/new/")
    page.fill("gcds-textarea[name=text] textarea", "Share a sample of national seizure data.")
    page.select_option("gcds-select[name=owner_agency] select", label="RCMP — Royal Canadian Mounted Police")
    _submit(page)

    item.refresh_from_db()
    assert item.minutes == "Each agency described the seizure data it holds."
    assert Comment.objects.get(item=item).author.username == "rcmp"
    assert Rsvp.objects.get(meeting=meeting, user__username="rcmp").response == Rsvp.Response.REMOTE
    action = ActionItem.objects.get(meeting=meeting)
    assert (action.text, action.owner_agency.acronym) == ("Share a sample of national seizure data.", "RCMP")
    _go(page, f"{base}/en/meetings/{meeting.pk}/")
    assert "Share a sample of national seizure data." in page.inner_text("main")
