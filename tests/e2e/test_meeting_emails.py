"""Issue "Reminders and notifications", done when: with the demo loaded, scheduling a meeting for tomorrow in the
browser leads to invitation and reminder emails in each invitee's language and time zone, each exactly once,
with a valid `.ics`.

The meeting is scheduled through the real form on the live server. Its invitations go request → task on Redis →
a real Celery worker → a real SMTP server on loopback; its reminder is made by the sweep Celery beat runs, run in a
process of its own, and sent the same way (tests/support/live.py starts the parts).
"""

import datetime
import uuid
import zoneinfo
from collections import Counter
from email.message import EmailMessage

import pytest
from django.core import mail
from django.utils import timezone

from meetings import notifications as meeting_notices
from meetings.models import Meeting
from notifications.models import Delivery, Reminder
from taskforce.celery import app as celery_app
from tests.support.emails import EMAILS, assert_in_their_language, event_of, ics_of, language_of, user_of
from tests.support.live import (
    REDIS_URL,
    Processes,
    SmtpSink,
    forget_queue,
    process_env,
    require_redis,
    wait_until,
)

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


def as_django_email(message: EmailMessage) -> mail.EmailMessage:
    """A message the SMTP server received, read back as Django's (the shape the email helpers check)."""
    body = message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # lines as a mail client shows them
    received = mail.EmailMessage(subject=str(message["Subject"]).strip(), body=body, to=message.get_all("To"))
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            content = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
            params = "".join(f"; {name}={value}" for name, value in part.get_params()[1:])
            received.attachments.append((part.get_filename(), content, part.get_content_type() + params))
    return received


@pytest.fixture
def delivery_path(tmp_path):
    """A Celery worker on a queue of this test's own and an SMTP server on loopback; what the live server queues goes
    to that queue. Yields (smtp, processes, env)."""
    require_redis(REDIS_URL)
    queue = f"e2e-mail-{uuid.uuid4().hex[:12]}"
    before = celery_app.conf.task_default_queue
    with SmtpSink() as smtp, Processes(tmp_path) as processes:
        env = process_env(redis_url=REDIS_URL, smtp_port=smtp.port, queue=queue)
        celery_app.conf.task_default_queue = queue
        try:
            processes.worker("worker", env, concurrency=2)
            yield smtp, processes, env
        finally:
            celery_app.conf.task_default_queue = before
            forget_queue(REDIS_URL, queue)


def test_scheduling_a_meeting_for_tomorrow_in_the_browser_sends_each_invitee_one_invitation_and_one_reminder(
    page, live_server, demo, delivery_path
):
    smtp, processes, env = delivery_path
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

    def arrived(count: int):
        return lambda: sum(TITLE in str(m["Subject"]) for _envelope, m in smtp.messages()) >= count

    # The invitations: queued by the request once it committed, sent by the worker.
    wait_until(arrived(len(INVITEES)), seconds=60, what=f"the invitations\n{processes.tails()}")
    # The reminder a day before falls due in half an hour: made due now, then swept as beat sweeps.
    topic = meeting_notices.topic(meeting)
    Reminder.objects.filter(topic=topic, label="1d").update(due_at=timezone.now() - datetime.timedelta(seconds=1))
    first = processes.sweep_once(env)
    wait_until(arrived(2 * len(INVITEES)), seconds=60, what=f"the reminders\n{processes.tails()}")
    second = processes.sweep_once(env)  # a second sweep sends nothing more
    wait_until(
        lambda: not Delivery.objects.filter(
            subject__contains=TITLE, status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
        ).exists(),
        seconds=30, what="the deliveries to be recorded as sent",
    )
    assert '"sent": 0' not in first and '"processed": 0' in second
    assert Reminder.objects.get(topic=topic, label="1d").status == Reminder.Status.SENT
    assert mail.outbox == []  # nothing was sent from this process: all went through the worker and SMTP

    # The demo's own meetings have invitations waiting too; this meeting's emails are those naming it.
    received = [(envelope, m) for envelope, m in smtp.messages() if TITLE in str(m["Subject"])]
    assert all(envelope == m.get_all("To") and len(envelope) == 1 for envelope, m in received)
    assert all(m["Cc"] is None and m["Bcc"] is None for _envelope, m in received)
    messages = [as_django_email(m) for _envelope, m in received]
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
        hour = f"{local.hour} h {local:%M}" if user.language == "fr" else local.strftime("%-I:%M").replace(":00", "")
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
