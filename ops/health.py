"""Probes for load balancers and orchestrators: cheap, unauthenticated, revealing nothing else."""

from collections.abc import Callable
from functools import cache

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_deny
from django.views.decorators.http import require_safe


@never_cache
@xframe_options_deny
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@cache
def _migrations_of_this_code() -> frozenset[tuple[str, str]]:
    # Read from disk once per process: the code does not change under a running process.
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def _database_ready() -> bool:
    """One query: every migration of this code is recorded as applied."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT app, name FROM django_migrations")
            return _migrations_of_this_code() <= set(cursor.fetchall())
    except Exception:
        return False


def _broker_ready() -> bool:
    from taskforce.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


@never_cache
@xframe_options_deny
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_ready(), "broker": _broker_ready()}
    ready = all(checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503)


PROBES = {"/healthz": healthz, "/readyz": readyz}


class ProbeMiddleware:
    """Answers the probes before the host check and the session: an orchestrator calls them by the container's own
    address, which is not among ALLOWED_HOSTS, over plain HTTP (SECURE_REDIRECT_EXEMPT in production)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        return probe(request) if probe is not None else self.get_response(request)
