"""The portal's addresses as the outside world reaches them: in emails, calendar entries and feeds."""

from django.conf import settings


def absolute_url(path: str) -> str:
    """`path` ("/en/meetings/4/") on the portal's public address (PORTAL_URL); a full address stays as it is."""
    return f"{settings.PORTAL_URL.rstrip('/')}{path}" if path.startswith("/") else path
