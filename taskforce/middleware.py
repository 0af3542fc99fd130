import datetime
import zoneinfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import context, signals
from .errors import api_error


class PageMethodsMiddleware:
    """Pages are read with GET or HEAD and submitted with POST: any other method is refused (405) before a view
    runs, alike for everyone and every address, rather than each view taking a DELETE for a GET. The API answers
    for its own methods."""

    PAGE_METHODS = ("GET", "HEAD", "POST")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in self.PAGE_METHODS and not request.path_info.startswith("/api/"):
            return HttpResponseNotAllowed(self.PAGE_METHODS)
        return self.get_response(request)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class ControlCharactersMiddleware:
    """NUL has no place in an address, a query or a form field, and PostgreSQL refuses it in text: a request that
    carries one is refused (400) before any view reads it, with the API's error shape or the portal's page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields = self._fields_with_nul(request)
        if fields is not None:
            if request.path_info.startswith("/api/"):
                # The API's error shape (taskforce/api.py `exception_handler`), naming the parameters at fault.
                message = str(_("The request holds a NUL character, which nothing here accepts."))
                return api_error(400, message, {name: [message] for name in fields})
            raise SuspiciousOperation("A NUL character in the request.")
        return self.get_response(request)

    @staticmethod
    def _fields_with_nul(request: HttpRequest) -> list[str] | None:
        """The names of the parameters holding a NUL ([] for the address itself), or None when there is none."""
        sent = [request.GET]
        if request.method == "POST" and request.content_type in FORM_TYPES:
            sent.append(request.POST)
        fields = sorted({
            key.replace("\x00", "") for query in sent for key, values in query.lists() for value in values
            if "\x00" in key or (isinstance(value, str) and "\x00" in value)
        })
        return fields if fields or "\x00" in request.path_info else None


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
        with context.request_context(request):
            response = self.get_response(request)
            if response.status_code == 403:
                signals.access_denied.send(None, request=request)
            return response


class RememberLanguageMiddleware:
    """The language of the page a reader asked for (its URL prefix, which the header's language link switches)
    becomes their preferred language: saved on a signed-in member (emails and sign-in follow it) and in
    Django's language cookie, by which `/` and other unprefixed addresses redirect."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        language = translation.get_language_from_path(request.path_info) if request.method == "GET" else None
        if not language or response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "language", language) != language:
            get_user_model().objects.filter(pk=user.pk).update(language=language)
            user.language = language
        if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
