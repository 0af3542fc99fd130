from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language


def portal(request: HttpRequest) -> dict:
    other = "fr" if get_language() == "en" else "en"
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "other_language": other,
        "other_language_url": translate_url(request.get_full_path(), other),
    }
