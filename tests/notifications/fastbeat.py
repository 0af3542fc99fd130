"""The portal's Celery app with every periodic task of its beat schedule (taskforce/celery.py) due every second, for
the test that runs the real `celery -A tests.notifications.fastbeat beat`: the same tasks, only sooner."""

from taskforce.celery import app

app.conf.beat_schedule = {name: {**entry, "schedule": 1.0} for name, entry in app.conf.beat_schedule.items()}

__all__ = ["app"]
