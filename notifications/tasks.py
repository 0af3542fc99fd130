"""Celery tasks: thin, idempotent wrappers that take ids and call the notification engine (which queues
`send_deliveries` by its name, SEND_TASK, rather than importing this module)."""

import logging
import time

from celery import shared_task
from django.conf import settings

from . import engine

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def sweep_reminders() -> dict:
    result = engine.sweep()
    return result.__dict__


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=settings.EMAIL_MAX_RETRIES,
    ignore_result=True,
)
def send_delivery(self, delivery_id: int) -> None:
    """Send one email. Claimed first, so a duplicate task (a second queueing, a redelivery) does nothing."""
    delivery = engine.claim_delivery(delivery_id)
    if delivery is None:
        return
    try:
        engine.send_claimed(delivery)
    except Exception as exc:
        # Counted on the delivery, not this task's retries: a re-queued task (the sweep, a redelivery)
        # does not start the count again.
        attempts = delivery.attempts + 1
        if attempts > self.max_retries:
            logger.error("delivery %s failed for good: %s", delivery_id, exc, extra={"delivery": delivery_id})
            engine.mark_failed(delivery_id, str(exc))
            return
        countdown = engine.retry_delay(attempts).total_seconds()
        logger.warning("delivery %s failed (%s); retrying in %ss", delivery_id, exc, countdown)
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(acks_late=True, ignore_result=True)
def send_deliveries(delivery_ids: list[int]) -> None:
    """Send a batch of emails over one SMTP connection, each claimed just before it is sent (a duplicate task sends
    nothing twice). The rest of the batch is held for a short lease, renewed as the batch goes on: a worker killed
    mid-batch leaves claimed only the email it was sending, and the rest is queued again as soon as the hold runs
    out. One the server refuses goes back to pending and is retried on its own, with the backoff of
    `send_delivery`; the others go out."""
    from django.core.mail import get_connection

    waiting = engine.hold_deliveries(delivery_ids)
    if not waiting:
        return
    held_at = time.monotonic()
    connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
    try:
        for position, delivery_id in enumerate(waiting):
            if time.monotonic() - held_at > engine.LEASE.total_seconds() / 3:
                engine.hold_deliveries(waiting[position:])
                held_at = time.monotonic()
            delivery = engine.claim_delivery(delivery_id)
            if delivery is None:  # sent, or being sent, by another task
                continue
            try:
                engine.send_claimed(delivery, connection)
            except Exception as exc:
                _retry_alone(delivery, exc)
                # The connection may be what failed: the next email opens it again.
                _close(connection)
    finally:
        _close(connection)


def _close(connection) -> None:
    try:
        connection.close()
    except Exception:  # a connection the server already dropped
        logger.warning("could not close the SMTP connection", exc_info=True)


def _retry_alone(delivery, exc: Exception) -> None:
    attempts = delivery.attempts + 1
    if attempts > send_delivery.max_retries:
        logger.error("delivery %s failed for good: %s", delivery.pk, exc, extra={"delivery": delivery.pk})
        engine.mark_failed(delivery.pk, str(exc))
        return
    countdown = engine.retry_delay(attempts).total_seconds()
    logger.warning("delivery %s failed (%s); retrying in %ss", delivery.pk, exc, countdown)
    try:
        send_delivery.apply_async((delivery.pk,), countdown=countdown)
    except Exception:  # the broker is down: the sweep re-queues it once its retry is overdue
        logger.warning("could not queue the retry of delivery %s", delivery.pk, exc_info=True)


@shared_task(ignore_result=True)
def requeue_deliveries() -> int:
    """Queue again what was left waiting: the rest of a batch whose worker died (within seconds of its hold running
    out), what a broker outage or a lost retry left pending, what a dead worker left claimed for too long."""
    from django.utils import timezone

    return engine.requeue_stranded(timezone.now())


@shared_task(ignore_result=True)
def send_digests() -> int:
    return engine.send_digests()


# The names these tasks had before notifications left the core: a message queued under one of them before an upgrade
# still runs after it (kept for one release; beat and the engine queue only the names above).
@shared_task(name="taskforce.tasks.send_deliveries", acks_late=True, ignore_result=True)
def send_deliveries_formerly(delivery_ids: list[int]) -> None:
    send_deliveries(delivery_ids)


@shared_task(name="taskforce.tasks.send_delivery", ignore_result=True)
def send_delivery_formerly(delivery_id: int) -> None:
    send_delivery.delay(delivery_id)  # with its retries, under today's name


@shared_task(name="taskforce.tasks.sweep_reminders", ignore_result=True)
def sweep_reminders_formerly() -> dict:
    return sweep_reminders()


@shared_task(name="taskforce.tasks.requeue_deliveries", ignore_result=True)
def requeue_deliveries_formerly() -> int:
    return requeue_deliveries()


@shared_task(name="taskforce.tasks.send_digests", ignore_result=True)
def send_digests_formerly() -> int:
    return send_digests()
