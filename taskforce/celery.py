"""The Celery application: settings from Django's with the CELERY_ prefix, tasks autodiscovered, and
the one list of periodic tasks."""

import logging
import os
from contextlib import ExitStack

from celery import Celery
from celery.schedules import crontab
from celery.signals import before_task_publish, setup_logging, task_failure, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taskforce.settings.dev")

app = Celery("taskforce")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_broker_folders(sender, **kwargs) -> None:
    # The folder broker (no REDIS_URL) needs its folders before the first message.
    from pathlib import Path

    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        folder = (sender.conf.broker_transport_options or {}).get(key)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)


@setup_logging.connect
def _log_like_the_portal(loglevel: int | str | None = None, **kwargs) -> None:
    # Connected, this replaces Celery's own logging set-up: workers and beat log through Django's LOGGING
    # (JSON in production, each line with its request id), at the level given by --loglevel.
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)


# The id of the request (or command, or task) that queues a task travels in this message header; the task's log
# lines and audit entries carry it (taskforce/logs.py).
REQUEST_ID_HEADER = "portal_request_id"


@before_task_publish.connect
def _pass_the_request_id(headers: dict, **kwargs) -> None:
    from taskforce.logs import current_request_id

    request_id = current_request_id()
    if request_id:
        headers[REQUEST_ID_HEADER] = request_id


def _queued_by(task, task_id: str) -> str:
    # A header of the message; a task run in-process (eager) is still inside the context that queued it.
    from taskforce.logs import current_request_id

    return getattr(task.request, REQUEST_ID_HEADER, None) or current_request_id() or task_id


# A task acts in a context of its own (taskforce/context.py): the audit trail records its changes with the channel
# 'task', the task's name and the id of the request that queued it (its own id when nothing did).
_audit_contexts: dict[str, ExitStack] = {}


@task_prerun.connect
def _audit_task_started(task_id: str, task, **kwargs) -> None:
    from taskforce import context

    stack = ExitStack()
    stack.enter_context(context.context(context.Channel.TASK, source=task.name, request_id=_queued_by(task, task_id)))
    _audit_contexts[task_id] = stack


@task_postrun.connect
def _audit_task_ended(task_id: str, **kwargs) -> None:
    stack = _audit_contexts.pop(task_id, None)
    if stack is not None:
        stack.close()


failure_logger = logging.getLogger("notifications.tasks.failure")


@task_failure.connect
def _log_failure(sender=None, task_id: str = "", exception: BaseException | None = None, args=None, kwargs=None,
                 einfo=None, **extra) -> None:
    # Runs before task_postrun, so the line carries the request id of the request that queued the task.
    failure_logger.error(
        "task %s[%s] failed: %r", getattr(sender, "name", "?"), task_id, exception,
        exc_info=(type(exception), exception, exception.__traceback__) if exception is not None else None,
        extra={
            "task_args": list(args or []), "task_kwargs": dict(kwargs or {}),
            "retries": getattr(getattr(sender, "request", None), "retries", 0),
        },
    )


# Every periodic task and its schedule. Run exactly one beat; two at once are safe (each reminder and
# delivery is claimed by one conditional update) but pointless.
app.conf.beat_schedule = {
    "sweep-due-reminders": {"task": "notifications.tasks.sweep_reminders", "schedule": 60.0},
    # The rest of a batch a killed worker left is queued again within seconds of its hold running out.
    "requeue-stranded-deliveries": {"task": "notifications.tasks.requeue_deliveries", "schedule": 10.0},
    # Hourly: each member's digest goes out at 07:00 in their own time zone.
    "send-daily-digests": {"task": "notifications.tasks.send_digests", "schedule": crontab(minute=0)},
}
