from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language

# Set at sign-in: whether the member is secretariat of some body, so that the menu can offer the
# secretariat's pages without a query on every page.
SECRETARIAT_SESSION_KEY = "portal_secretariat"


def portal_name() -> str:
    """The portal's name in the active language."""
    return settings.PORTAL_NAME_FR if get_language() == "fr" else settings.PORTAL_NAME


def portal(request: HttpRequest) -> dict:
    other = "fr" if get_language() == "en" else "en"
    session = getattr(request, "session", None)
    return {
        "PORTAL_NAME": portal_name(),
        "other_language": other,
        "other_language_url": translate_url(request.get_full_path(), other),
        "secretariat_menu": session is not None and bool(session.get(SECRETARIAT_SESSION_KEY)),
    }


def remember_secretariat(sender, request: HttpRequest, user, **kwargs) -> None:
    from . import permissions

    if request is not None and hasattr(request, "session"):
        request.session[SECRETARIAT_SESSION_KEY] = user.is_superuser or bool(permissions.secretariat_body_ids(user))
