"""Celery tasks of the meeting cycle: thin, idempotent wrappers that take ids and call a service."""

from celery import shared_task
from django.conf import settings

from . import services


# A package with many Office papers takes a while: its own limits, beyond the default task's.
@shared_task(
    acks_late=True, ignore_result=True,
    soft_time_limit=settings.PACKAGE_BUILD_SECONDS, time_limit=settings.PACKAGE_BUILD_SECONDS + 60,
)
def build_agenda_package(package_id: int) -> None:
    services.package_build(package_id=package_id)
