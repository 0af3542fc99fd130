"""The Celery application: settings from Django's with the CELERY_ prefix, tasks autodiscovered."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taskforce.settings.dev")

app = Celery("taskforce")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
