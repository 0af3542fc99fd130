import datetime
import zoneinfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from . import audit


class ActorTimeZoneMiddleware:
    """Show every time in the signed-in member's own time zone; the API speaks UTC (ISO 8601 with Z)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            timezone.activate(datetime.UTC)
            return self.get_response(request)
        user = getattr(request, "user", None)
        zone = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
        try:
            timezone.activate(zoneinfo.ZoneInfo(zone)) if zone else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        return self.get_response(request)


class AuditContextMiddleware:
    """Every change and event of the request is recorded with who made it, from which address, through which
    channel (a page, the API or the admin site) and in which request; a refusal (403) is recorded too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit.request_context(request):
            response = self.get_response(request)
            if response.status_code == 403:
                audit.denied(request)
            return response
