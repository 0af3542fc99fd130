"""The whole delivery path with real parts: a Celery worker (prefork, two processes) against the machine's Redis
(REDIS_URL, on a queue of this test's own), the sweep run in a process of its own as beat runs it, and an SMTP
server on loopback. The worker and the sweep use this test's database, so the test is transactional.

Skipped when Redis cannot be reached, except in CI (the CI variable set), where that is a failure.
"""

import datetime
import uuid
from collections import Counter

import pytest
from django.utils import timezone

from meetings import notifications as meeting_notices
from notifications.models import Delivery, Reminder
from tests.support.emails import EMAILS, language_of
from tests.support.live import REDIS_URL, Processes, SmtpSink, forget_queue, process_env, require_redis, wait_until

from .conftest import TORONTO

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_meeting_whose_reminder_is_due_sends_exactly_one_message_to_each_recipient(
    schedule_at, demo, tmp_path
):
    require_redis(REDIS_URL)
    start = datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=10), datetime.time(10), TORONTO)
    meeting = schedule_at(start, invite=("CBSA", "ATF", "HSI"))  # its invitations are sent in-process
    topic = meeting_notices.topic(meeting)
    Reminder.objects.filter(topic=topic, label="7d").update(due_at=timezone.now() - datetime.timedelta(seconds=1))
    expected = {demo.users[name].email for name in ("secretariat", "cbsa", "atf", "hsi")}
    queue = f"notify-test-{uuid.uuid4().hex[:12]}"

    with SmtpSink() as smtp, Processes(tmp_path) as processes:
        env = process_env(redis_url=REDIS_URL, smtp_port=smtp.port, queue=queue)
        try:
            processes.worker("worker", env, concurrency=2)
            first = processes.sweep_once(env)
            wait_until(
                lambda: smtp.count() >= len(expected) and not Delivery.objects.filter(
                    reminder__topic=topic, status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
                ).exists(),
                seconds=120, what=f"one reminder to each of {sorted(expected)}\n{processes.tails()}",
            )
            second = processes.sweep_once(env)
        finally:
            forget_queue(REDIS_URL, queue)

    assert '"sent": 1' in first
    assert '"processed": 0' in second and '"requeued": 0' in second  # nothing more to send, nothing queued again
    messages = smtp.messages()
    assert Counter(rcpt for envelope, _message in messages for rcpt in envelope) == Counter(expected)
    for envelope, message in messages:
        assert len(envelope) == 1 and message.get_all("To") == envelope
        assert message["Cc"] is None and message["Bcc"] is None
        # In its reader's language: cbsa's in French ("Rappel : "), the others' in English (the meeting has no
        # French title, so its English one is used in both).
        wording = EMAILS["meeting_reminder"][language_of(envelope[0])]
        assert message["Subject"].strip().startswith(f"{wording.subject}CBFTF working meeting")
        assert wording.sentences[0] in message.get_body(("plain",)).get_content()
        [calendar] = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
        assert calendar.get_param("method") == "REQUEST"
        assert b"METHOD:REQUEST\r\n" in calendar.get_payload(decode=True)
    assert Reminder.objects.get(topic=topic, label="7d").status == Reminder.Status.SENT
    assert {d.status for d in Delivery.objects.filter(reminder__topic=topic)} == {Delivery.Status.SENT}
