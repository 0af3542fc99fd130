"""Celery beat as production runs it: the real `celery beat` process with the portal's schedule (every interval
shortened to a second, tests/notifications/fastbeat.py), a real worker on a queue of this test's own and an SMTP
server on loopback. Beat starts the reminder sweep and the daily digests, the worker runs them, and what they do
shows: a reminder sent to each invitee, a digest sent to the member who chose one.

Skipped when Redis cannot be reached, except in CI (the CI variable set), where that is a failure.
"""

import datetime
import re
import time
import uuid
import zoneinfo
from collections import Counter

import pytest
from django.utils import timezone

from meetings import notifications as meeting_notices
from notifications.models import Delivery, DeliveryMode, NotificationKind, NotificationPreference, Reminder
from tests.support.emails import EMAILS, language_of
from tests.support.live import REDIS_URL, Processes, SmtpSink, forget_queue, process_env, require_redis, wait_until

from .conftest import TORONTO

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def a_zone_at_7_for_the_next_minutes() -> str:
    """A time zone where it is 07:xx now and still will be in two minutes (digests go out at 07:00 local time);
    waits for the next hour when no zone fits (a few minutes an hour)."""
    while True:
        now = timezone.now()
        for name in sorted(zoneinfo.available_timezones()):
            zone = zoneinfo.ZoneInfo(name)
            if now.astimezone(zone).hour == 7 and (now + datetime.timedelta(minutes=2)).astimezone(zone).hour == 7:
                return name
        time.sleep(10)


def test_beat_starts_the_reminder_sweep_and_the_digests_and_a_worker_sends_what_they_make(
    schedule_at, demo, tmp_path
):
    require_redis(REDIS_URL)
    hsi = demo.users["hsi"]
    # hsi takes meeting notices in a daily digest, and it is 07:00 where hsi is.
    NotificationPreference.objects.create(user=hsi, kind=NotificationKind.MEETING, mode=DeliveryMode.DIGEST)
    hsi.time_zone = a_zone_at_7_for_the_next_minutes()
    hsi.save(update_fields=["time_zone"])
    start = datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=10), datetime.time(10), TORONTO)
    meeting = schedule_at(start, invite=("CBSA", "ATF", "HSI"))  # the others' invitations are sent in-process
    [held] = Delivery.objects.filter(recipient=hsi, status=Delivery.Status.HELD)
    topic = meeting_notices.topic(meeting)
    Reminder.objects.filter(topic=topic, label="7d").update(due_at=timezone.now() - datetime.timedelta(seconds=1))
    invitees = {demo.users[name].email for name in ("secretariat", "cbsa", "atf", "hsi")}
    queue = f"notify-beat-{uuid.uuid4().hex[:12]}"

    with SmtpSink() as smtp, Processes(tmp_path) as processes:
        env = process_env(redis_url=REDIS_URL, smtp_port=smtp.port, queue=queue)
        try:
            processes.worker("worker", env, concurrency=2)
            processes.beat("beat", env, app="tests.notifications.fastbeat")
            wait_until(
                lambda: len(smtp.messages()) >= len(invitees) + 1 and not Delivery.objects.filter(
                    status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
                ).exists(),
                seconds=90, what=f"the reminders and the digest\n{processes.tails()}",
            )
        finally:
            forget_queue(REDIS_URL, queue)
        beat_log, worker_log = processes.log("beat"), processes.log("worker")

    # Beat sent both tasks; the worker ran them.
    for entry, task in (("sweep-due-reminders", "sweep_reminders"), ("send-daily-digests", "send_digests")):
        assert f"Sending due task {entry} (notifications.tasks.{task})" in beat_log, beat_log[-3000:]
        assert re.search(rf"Task notifications\.tasks\.{task}\[[-0-9a-f]+\] succeeded", worker_log), worker_log[-3000:]
    # The sweep: the due reminder is sent, once to each invitee.
    assert Reminder.objects.get(topic=topic, label="7d").status == Reminder.Status.SENT
    reminders = [
        (envelope, message) for envelope, message in smtp.messages()
        if str(message["Subject"]).strip().startswith(EMAILS["meeting_reminder"][language_of(envelope[0])].subject)
    ]
    assert Counter(rcpt for envelope, _message in reminders for rcpt in envelope) == Counter(invitees)
    # The digest: hsi's held invitation went out in hsi's one digest of the day.
    held.refresh_from_db()
    assert held.status == Delivery.Status.DIGESTED
    [digest] = Delivery.objects.filter(key__startswith=f"digest:{hsi.pk}:")
    assert digest.status == Delivery.Status.SENT
    [(envelope, message)] = [
        (envelope, message) for envelope, message in smtp.messages()
        if str(message["Subject"]).strip().startswith(EMAILS["digest"]["en"].subject)
    ]
    assert envelope == [hsi.email]
    assert held.subject in message.get_body(("plain",)).get_content()
