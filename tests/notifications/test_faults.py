"""Fault injection across the whole delivery path: 550 due reminders swept by two sweepers at once (two beats),
sent by two Celery workers, while the SMTP server refuses everything for a while, one worker is killed with
SIGKILL mid-batch and started again, and Redis is killed and started again (losing every queued task).

At the end every (reminder, recipient) got its message, no delivery is left waiting, and duplicates are at most
one per kill: the one message a killed worker may have handed to the SMTP server before it could record it as
sent (the duplicate the design accepts, see notifications/engine.py). Each worker runs one process, so a kill
interrupts at most one send.

The Redis is a redis-server of this test's own, on a free port, so restarting it touches nobody else's. The
reminders are action items' (one owner each): the cheapest real reminder to render, since what is tested here is
the path, not the message (test_integration.py sends meeting reminders through the same path).
"""

import datetime
import time
import uuid
from collections import Counter
from contextlib import contextmanager

import pytest
from django.db.models import F, Max, Sum
from django.utils import timezone
from kombu import Connection

from meetings import notifications as meeting_notices
from meetings.models import ActionItem
from notifications import selectors as notification_selectors
from notifications.models import Delivery, Notification, NotificationKind, Reminder
from notifications.tasks import send_deliveries
from taskforce import permissions
from taskforce.celery import app as celery_app
from tests.support.live import Processes, SmtpSink, free_port, process_env, wait_until

from .conftest import TORONTO

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

OWNERS = ("cbsa", "rcmp", "atf", "hsi", "cbp")
REMINDERS = 550
REFUSE_SECONDS = 8
# A claim left by a killed worker is taken again once ten minutes old: the last sweeps run that much ahead.
STALE = str(11 * 60)


@pytest.fixture
def due_reminders(schedule_at, demo) -> dict[str, str]:
    """REMINDERS action items of a meeting held last week, each with its 3-day reminder due now; returns the
    delivery key each reminder will have, with its owner's address."""
    held = schedule_at(
        datetime.datetime.combine(timezone.localdate() - datetime.timedelta(days=7), datetime.time(10), TORONTO)
    )
    owners = [demo.users[name] for name in OWNERS]
    due_date = timezone.localdate() + datetime.timedelta(days=10)
    actions = ActionItem.objects.bulk_create(
        [
            ActionItem(meeting=held, text=f"Action {n}", owner=owners[n % 5], owner_agency_id=owners[n % 5].agency_id,
                       due_date=due_date)
            for n in range(REMINDERS)
        ]
    )
    # Rows written in bulk keep the visibility index in step as the services' writes do.
    permissions.changed(ActionItem, [action.pk for action in actions])
    # The rows action_reminders_replace() makes for the 3-day reminder, due now.
    now = timezone.now()
    reminders = Reminder.objects.bulk_create(
        [
            Reminder(kind=meeting_notices.ACTION_DUE, topic=meeting_notices.action_topic(action), label="3d",
                     occurrence=due_date.isoformat(), due_at=now - datetime.timedelta(seconds=1))
            for action in actions
        ]
    )
    owner_of = {meeting_notices.action_topic(a): a.owner for a in actions}
    return {
        f"reminder:{r.kind}:{r.topic}:{r.label}:{r.occurrence}:{owner_of[r.topic].pk}": owner_of[r.topic].email
        for r in reminders
    }


def key_of(message) -> str:
    """The delivery a message carries: its (reminder, recipient)."""
    return str(message["X-Portal-Delivery"]).strip()


def test_no_reminder_is_lost_and_none_is_sent_twice_through_refusals_kills_and_a_redis_restart(
    due_reminders, secretariat, tmp_path
):
    kills = 0
    redis_port = free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    queue = f"notify-faults-{uuid.uuid4().hex[:8]}"
    with SmtpSink(delay=0.03) as smtp, Processes(tmp_path) as processes:
        env = process_env(redis_url=redis_url, smtp_port=smtp.port, queue=queue, EMAIL_MAX_RETRIES="12")

        def progress(what: str, target: int, seconds: float) -> int:
            wait_until(lambda: smtp.count() >= target, seconds=seconds, what=f"{what}\n{processes.tails()}")
            return smtp.count()

        redis = processes.redis_server(redis_port)
        workers = {name: processes.worker(name, env, concurrency=1) for name in ("worker-a", "worker-b")}
        for beat in ("beat-1", "beat-2"):
            processes.sweeper(beat, env, "--for", "150", "--every", "1")
        # The mail server refuses everything for a while from the first delivery on.
        wait_until(
            lambda: Delivery.objects.filter(reminder__isnull=False).exists(), seconds=90,
            what=f"the sweeps' first deliveries\n{processes.tails()}", every=0.05,
        )
        smtp.refuse(REFUSE_SECONDS, at_least=50)

        # A worker killed mid-batch, then started again.
        at_kill = progress("the first messages", 100, 150)
        processes.kill(workers["worker-a"])
        kills += 1
        time.sleep(1)
        workers["worker-a"] = processes.worker("worker-a", env, concurrency=1)
        # Redis killed (every queued task and retry lost with it), then started again.
        at_restart = progress("more messages", at_kill + 100, 150)
        processes.kill(redis)
        time.sleep(1)
        processes.redis_server(redis_port)

        # Sweep until nothing is left to send; once nothing moves, sweep as if ten minutes later, when the
        # claims the killed worker left are stale and the tasks Redis lost are overdue.
        def waiting() -> int:
            return Delivery.objects.exclude(status__in=[Delivery.Status.SENT, Delivery.Status.FAILED]).count()

        def settled() -> bool:
            return Delivery.objects.filter(reminder__isnull=False).count() == REMINDERS and waiting() == 0

        def state() -> tuple:
            sending = Delivery.objects.filter(status=Delivery.Status.SENDING)
            return smtp.count(), waiting(), sending.count(), sending.aggregate(last=Max("claimed_at"))["last"]

        def supervise() -> None:
            """What the deployment's process supervisor does (docker-compose.yml: restart: unless-stopped): a worker
            that exits is started again. Celery's worker can exit when Redis goes away under it (kombu fails to ack
            on the closed connection); that counts as a kill, as it may interrupt a send."""
            nonlocal kills
            for name, process in workers.items():
                if process.poll() is not None:
                    kills += 1
                    workers[name] = processes.worker(name, env, concurrency=1)

        deadline = time.monotonic() + 150
        last, quiet_since = state(), time.monotonic()
        while not settled():
            assert time.monotonic() < deadline, f"{waiting()} deliveries still waiting\n{processes.tails()}"
            time.sleep(0.5)
            supervise()
            if state() != last:
                last, quiet_since = state(), time.monotonic()
            elif time.monotonic() - quiet_since > 5:  # no send, no claim for five seconds
                processes.sweep_once(env, "--ahead", STALE)
                last, quiet_since = state(), time.monotonic()

    received = Counter(key_of(message) for _envelope, message in smtp.messages())
    duplicates = {key: n for key, n in received.items() if n > 1}
    assert set(due_reminders) - set(received) == set(), "lost"
    assert sum(n - 1 for n in duplicates.values()) <= kills, duplicates
    for envelope, message in smtp.messages():
        assert envelope == message.get_all("To") == [due_reminders[key_of(message)]]
    assert not Delivery.objects.filter(status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]).exists()
    assert not Delivery.objects.filter(status=Delivery.Status.FAILED).exists(), "the refusals lasted far less than the retries"
    # Every refusal was counted as a try of its delivery (but one a kill interrupted before it was recorded), and
    # each refused delivery was then sent: "Messages not delivered" lists none of them.
    tries = Delivery.objects.filter(status=Delivery.Status.SENT).aggregate(total=Sum(F("attempts") - 1))["total"]
    assert smtp.refused - kills <= tries <= smtp.refused, (tries, smtp.refused)
    assert list(notification_selectors.delivery_list(actor=secretariat)) == []
    assert Reminder.objects.filter(kind=meeting_notices.ACTION_DUE, status=Reminder.Status.SENT).count() == REMINDERS
    assert Notification.objects.filter(event_key__startswith="reminder:").count() == REMINDERS
    # The faults did happen, mid-batch.
    assert smtp.refused > 0
    assert at_kill < at_restart < REMINDERS


# A worker killed mid-batch ---------------------------------------------------------------------------------------

# One task's worth of emails (notifications.SEND_BATCH), and how long the mail server takes over each.
BATCH = 100
SLOW_SMTP = 0.05


@contextmanager
def published():
    """What is queued in this block goes to the broker, for the real workers, instead of running in this process."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = before


def test_a_worker_killed_mid_batch_leaves_the_rest_of_its_batch_to_go_out_within_a_minute_and_none_twice(
    demo, tmp_path
):
    people = [demo.users[name] for name in OWNERS]
    batch = Delivery.objects.bulk_create(
        [
            Delivery(recipient=people[n % len(people)], key=f"batch-test:{n}", kind=NotificationKind.MEETING,
                     subject=f"Notice {n}", body_text=f"Notice {n}.")
            for n in range(BATCH)
        ]
    )
    address_of = {delivery.key: delivery.recipient.email for delivery in batch}
    redis_port = free_port()
    queue = f"notify-kill-{uuid.uuid4().hex[:8]}"
    with SmtpSink(delay=SLOW_SMTP) as smtp, Processes(tmp_path) as processes:
        env = process_env(redis_url=f"redis://127.0.0.1:{redis_port}/0", smtp_port=smtp.port, queue=queue)
        processes.redis_server(redis_port)
        # The portal's own beat and schedule: what a dead worker left waiting is queued again every 10 seconds.
        processes.beat("beat", env)
        worker_a = processes.worker("worker-a", env, concurrency=1)
        with published(), Connection(env["REDIS_URL"]) as broker:
            send_deliveries.apply_async(
                ([delivery.pk for delivery in batch],), queue=queue, producer=celery_app.amqp.Producer(broker)
            )
        wait_until(lambda: smtp.count() >= 5, seconds=60, every=0.02, what=f"the first emails\n{processes.tails()}")

        processes.kill(worker_a)
        killed_at = time.monotonic()
        at_kill = smtp.count()
        left = Counter(Delivery.objects.values_list("status", flat=True))
        processes.worker("worker-b", env, concurrency=1)

        def rest_sent() -> bool:
            # Nothing waits but, at most, the one email the killed worker was sending (its claim not yet stale).
            return not Delivery.objects.filter(status=Delivery.Status.PENDING).exists() and (
                Delivery.objects.exclude(status=Delivery.Status.SENT).count() <= 1
            )

        wait_until(rest_sent, seconds=60, every=0.1, what=f"the rest of the batch\n{processes.tails()}")
        rest_took = time.monotonic() - killed_at
        in_flight = list(Delivery.objects.exclude(status=Delivery.Status.SENT))
        received_then = Counter(key_of(message) for _envelope, message in smtp.messages())

        # Ten minutes on, the claim on the email the killed worker was sending is stale: a sweep sends it again.
        processes.sweep_once(env, "--ahead", STALE)
        wait_until(
            lambda: Delivery.objects.filter(status=Delivery.Status.SENT).count() == BATCH,
            seconds=30, what=f"the email the killed worker was sending\n{processes.tails()}",
        )

    # Killed mid-batch, the worker held no more than the one email it was sending: the rest still waited.
    assert 5 <= at_kill < BATCH // 2
    assert left[Delivery.Status.SENDING] <= 1, left
    assert left[Delivery.Status.PENDING] >= BATCH - at_kill - 1, left
    assert rest_took < 60, rest_took
    # By then every email but that one had arrived, once.
    assert len(in_flight) <= 1 and all(d.status == Delivery.Status.SENDING for d in in_flight)
    assert {key for key, n in received_then.items() if n > 1} == set()
    assert set(address_of) - set(received_then) <= {d.key for d in in_flight}
    # In the end none is lost; the one the killed worker may have handed over before it died is the only one that
    # can arrive twice.
    received = Counter(key_of(message) for _envelope, message in smtp.messages())
    assert set(received) == set(address_of)
    assert {key for key, n in received.items() if n > 1} <= {d.key for d in in_flight}
    for envelope, message in smtp.messages():
        assert envelope == message.get_all("To") == [address_of[key_of(message)]]
