"""The Celery application: settings from Django's with the CELERY_ prefix, tasks autodiscovered, and
the one list of periodic tasks."""

import os

from celery import Celery
from celery.schedules import crontab

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

# Every periodic task and its schedule. Run exactly one beat; two at once are safe (each reminder and
# delivery is claimed by one conditional update) but pointless.
app.conf.beat_schedule = {
    "sweep-due-reminders": {"task": "taskforce.tasks.sweep_reminders", "schedule": 60.0},
    # Hourly: each member's digest goes out at 07:00 in their own time zone.
    "send-daily-digests": {"task": "taskforce.tasks.send_digests", "schedule": crontab(minute=0)},
}
