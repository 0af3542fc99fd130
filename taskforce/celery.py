"""The Celery application: settings from Django's with the CELERY_ prefix, tasks autodiscovered, and
the one list of periodic tasks."""

import os
from contextlib import ExitStack

from celery import Celery
from celery.schedules import crontab
from celery.signals import task_postrun, task_prerun

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


# The audit trail records a task's changes with the channel 'task', the task's name and id.
_audit_contexts: dict[str, ExitStack] = {}


@task_prerun.connect
def _audit_task_started(task_id: str, task, **kwargs) -> None:
    from taskforce import audit

    stack = ExitStack()
    stack.enter_context(audit.context(audit.Channel.TASK, source=task.name, request_id=task_id))
    _audit_contexts[task_id] = stack


@task_postrun.connect
def _audit_task_ended(task_id: str, **kwargs) -> None:
    stack = _audit_contexts.pop(task_id, None)
    if stack is not None:
        stack.close()


# Every periodic task and its schedule. Run exactly one beat; two at once are safe (each reminder and
# delivery is claimed by one conditional update) but pointless.
app.conf.beat_schedule = {
    "sweep-due-reminders": {"task": "taskforce.tasks.sweep_reminders", "schedule": 60.0},
    # Hourly: each member's digest goes out at 07:00 in their own time zone.
    "send-daily-digests": {"task": "taskforce.tasks.send_digests", "schedule": crontab(minute=0)},
}
