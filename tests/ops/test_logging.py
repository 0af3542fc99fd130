"""Log lines: JSON in production, and the id of a request follows it into the tasks it queues. A real Celery worker
(its own queue on REDIS_URL) and a real SMTP server on loopback; the worker uses this test's database, so the test
is transactional. Skipped when Redis cannot be reached, except in CI."""

import json
import uuid

import pytest

from audit.models import AuditEntry
from notifications import tasks as core_tasks
from notifications.models import Delivery, NotificationKind
from taskforce.celery import app as celery_app
from tests.support.live import (
    REDIS_URL,
    Processes,
    SmtpSink,
    forget_queue,
    process_env,
    require_redis,
    wait_until,
)
from tests.support.scenario import page

pytestmark = pytest.mark.django_db(transaction=True)


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_task_queued_by_a_request_logs_and_audits_with_that_requests_id(
    client_for, superuser, cbp, tmp_path, monkeypatch
):
    require_redis(REDIS_URL)
    queue = f"ops-test-{uuid.uuid4().hex[:12]}"
    # The sending tasks go to this test's own queue, which only the worker started here reads.
    for sending in (core_tasks.send_deliveries, core_tasks.send_delivery):
        task = celery_app.tasks[sending.name]
        monkeypatch.setattr(task, "queue", queue, raising=False)
        monkeypatch.setattr(task, "_exec_options", None)
    failed = Delivery.objects.create(
        recipient=cbp, key=f"ops-log-{queue}", kind=NotificationKind.MEETING, subject="Invitation", body_text="Hi",
        status=Delivery.Status.FAILED, attempts=7, last_error="451 try later",
    )

    with SmtpSink() as smtp, Processes(tmp_path) as processes:
        env = process_env(redis_url=REDIS_URL, smtp_port=smtp.port, queue=queue, LOG_FORMAT="json")
        try:
            processes.worker("worker", env, concurrency=1)
            response = client_for(superuser).post(page("delivery-list"), {"delivery": failed.pk})
            wait_until(
                lambda: any(
                    line.get("task_name") == "notifications.tasks.send_deliveries" and "succeeded" in line["message"]
                    for line in json_lines(processes.log("worker"))
                ),
                seconds=60, what=f"the worker to send the message\n{processes.tails()}",
            )
        finally:
            forget_queue(REDIS_URL, queue)

    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    task_lines = [line for line in json_lines(processes.log("worker")) if line.get("task_name")]
    assert task_lines, processes.log("worker")
    assert {line["request_id"] for line in task_lines} == {request_id}
    assert all(line["time"].endswith("+00:00") and line["level"] for line in task_lines)
    assert smtp.count() == 1
    # The task's change is recorded in the audit trail under the same request.
    updates = AuditEntry.objects.filter(object_type="notifications.delivery", object_id=failed.pk, channel="task")
    assert updates.exists() and set(updates.values_list("request_id", flat=True)) == {request_id}
