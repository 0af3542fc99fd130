import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from . import sessions

# What a session may open before it has passed its second factor: the pages that set one up or ask for it, signing
# in and out, and what never looks at the session (probes, calendar feeds and a guest's page, whose address is the
# credential).
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {
        "two-factor-enrol",
        "two-factor-verify",
        "login",
        "logout",
        "healthz",
        "readyz",
        "calendar-feed",
        "body-calendar-feed",
        "guest-page",
    }
)


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


class SessionLifetimeMiddleware:
    """Ends a session after SESSION_IDLE_TIMEOUT without a request and SESSION_ABSOLUTE_LIFETIME after sign-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            reason = sessions.why_ended(request.session, now)
            if reason:
                logout(request)
                if not _is_api(request):
                    messages.info(request, reason)
            else:
                sessions.touch(request.session, now)
        return self.get_response(request)


class SecondFactorMiddleware:
    """A session that must pass a second factor and has not gets nothing but the pages that set it up or ask for
    it: pages redirect there, API calls get 403. Calls authenticated by an API token carry no session and are not
    concerned; creating a token needs a session that passed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and sessions.second_factor_due(request)
            and not user.is_verified()
            and not self.is_open(request)
        ):
            return self.refuse(request)
        return self.get_response(request)

    @staticmethod
    def is_open(request: HttpRequest) -> bool:
        if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        try:
            return resolve(request.path_info).view_name in OPEN_BEFORE_SECOND_FACTOR
        except Resolver404:
            return False

    @staticmethod
    def refuse(request: HttpRequest) -> HttpResponse:
        if _is_api(request):
            message = _("Confirm your sign-in with your second factor in the portal first.")
            error = {"status": 403, "code": "permission_denied", "message": message, "fields": {}}
            return JsonResponse({"error": error}, status=403)
        page = "two-factor-verify" if sessions.second_factor_enrolled(request) else "two-factor-enrol"
        url = reverse(page)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)
