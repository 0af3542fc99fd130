"""Issue "Reminders and notifications", done when: with the demo loaded, scheduling a meeting for tomorrow in the
browser leads to invitation and reminder emails in each invitee's language and time zone, each exactly once,
with a valid `.ics`.

The meeting is scheduled through the real form on the live server; the sends then go through
`send_due_reminders`, the sweep that Celery beat runs every minute (same code path), into Django's outbox.
"""

import datetime
import io
import zoneinfo
from collections import Counter

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from meetings.models import Meeting
from taskforce.models import Delivery
from tests.notifications.helpers import EMAILS, assert_in_their_language, event_of, ics_of, language_of, user_of

from .helpers import sign_in, wait_for_components

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Firearms trafficking corridors: briefing"
TORONTO = zoneinfo.ZoneInfo("America/Toronto")
# CBSA (secretariat: English, cbsa: French), RCMP (French), ATF (English, New York time).
INVITED = (
    "CBSA — Canada Border Services Agency",
    "RCMP — Royal Canadian Mounted Police",
    "ATF — Bureau of Alcohol, Tobacco, Firearms and Explosives",
)
INVITEES = {"secretariat", "cbsa", "rcmp", "atf"}


def _kind(message) -> str:
    for kind in ("meeting_invitation", "meeting_reminder"):
        if message.subject.startswith(EMAILS[kind][language_of(message)].subject):
            return kind
    return message.subject


def test_scheduling_a_meeting_for_tomorrow_in_the_browser_sends_each_invitee_one_invitation_and_one_reminder(
    page, live_server, demo
):
    # Tomorrow, a day and half an hour from now: the reminder a week before is already past (not sent), the one a
    # day before falls due in half an hour.
    start = (
        (timezone.now() + datetime.timedelta(hours=24, minutes=30)).astimezone(TORONTO).replace(second=0, microsecond=0)
    )
    end = start + datetime.timedelta(hours=1)
    base = live_server.url
    sign_in(page, base, "secretariat")
    page.goto(f"{base}/en/meetings/new/?body=CBFTF")
    wait_for_components(page)
    page.fill("gcds-input[name=title_en] input", TITLE)
    page.select_option("gcds-select[name=time_zone] select", "America/Toronto")
    page.fill("#id_start", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_end", end.strftime("%Y-%m-%dT%H:%M"))
    page.fill("gcds-input[name=place] input", "CBSA headquarters, Ottawa")
    for agency in INVITED:
        page.click(f"gcds-checkboxes[name=invite_agencies] >> text={agency}")
    page.click("form.portal-form gcds-button[type=submit] >> button")
    page.wait_for_load_state("networkidle")
    meeting = Meeting.objects.get(title_en=TITLE)
    assert page.url.endswith(f"/en/meetings/{meeting.pk}/")
    assert meeting.start == start

    mail.outbox.clear()
    call_command("send_due_reminders", stdout=io.StringIO())  # the invitations
    with time_machine.travel(start - datetime.timedelta(days=1) + datetime.timedelta(minutes=1)):
        call_command("send_due_reminders", stdout=io.StringIO())  # the reminder, now due
        call_command("send_due_reminders", stdout=io.StringIO())  # a second sweep sends nothing more

    # The demo's own meetings have invitations waiting too; this meeting's emails are those naming it.
    messages = [m for m in mail.outbox if TITLE in m.subject]
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in messages)
    got = Counter((user_of(m).username, _kind(m)) for m in messages)
    assert got == Counter({(name, kind): 1 for name in INVITEES for kind in ("meeting_invitation", "meeting_reminder")})
    assert not Delivery.objects.filter(subject__contains=TITLE).exclude(status=Delivery.Status.SENT).exists()

    for message in messages:
        kind = _kind(message)
        user = user_of(message)
        assert_in_their_language(message, kind)
        # The meeting's time as the reader's clock shows it: 10:00 in Toronto is 10:00 in New York too, so
        # check the hour in the reader's zone as their language writes it.
        local = start.astimezone(zoneinfo.ZoneInfo(user.time_zone))
        hour = f"{local:%H:%M}" if user.language == "fr" else local.strftime("%-I:%M").replace(":00", "")
        assert hour in message.subject, (user.username, message.subject)
        raw, content_type, calendar = ics_of(message)
        assert "method=REQUEST" in content_type.replace(" ", "")
        assert raw.count("\r\n") >= raw.count("\n") and all(len(line.encode()) <= 75 for line in raw.split("\r\n"))
        event = event_of(message)
        assert str(calendar["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == f"meeting-{meeting.pk}@{str(event['UID']).split('@')[1]}"
        assert event["DTSTART"].dt == start and event["DTEND"].dt == end
        assert str(event["ORGANIZER"]).startswith("mailto:")
        assert [
            str(a) for a in ([event["ATTENDEE"]] if not isinstance(event["ATTENDEE"], list) else event["ATTENDEE"])
        ] == [f"mailto:{user.email}"]
