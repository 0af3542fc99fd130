"""A guest's link: the signed address through which someone without an account sees their meeting and answers.

The token is `django.core.signing` over the guest's id and the version of their link, salted for this use alone, so
no other signed value of the portal opens it and nobody can make one for another guest; the signature is checked in
constant time. Sending a new link raises the version, and every earlier link stops working. Whether the link still
opens anything (the guest not removed, the meeting not over) is the view's to decide, at each request.
"""

from django.core import signing
from django.urls import reverse
from django.utils import translation

from taskforce import parsing
from taskforce.addresses import absolute_url

from .models import Guest

SALT = "meetings.guest-link"
# A genuine token is about 50 characters; anything much longer is not read at all.
MAX_LENGTH = 200


def token_for(guest: Guest) -> str:
    return signing.dumps([guest.pk, guest.link_version], salt=SALT)


def url_for(guest: Guest) -> str:
    """The guest's link, in their language (the page's address carries it, as every page's does)."""
    with translation.override(guest.language):
        return absolute_url(reverse("guest-page", args=[token_for(guest)]))


def guest_from(token: str) -> Guest | None:
    """The guest a token names, if it is genuine and still their current link's; None otherwise (tampered, made for
    another use, an earlier link, a guest removed)."""
    if len(token) > MAX_LENGTH:
        return None
    try:
        value = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not (isinstance(value, list) and len(value) == 2 and all(type(part) is int for part in value)):
        return None
    pk, version = value
    if parsing.object_id(str(pk)) is None:
        return None
    return Guest.objects.select_related("meeting__body", "meeting__host_agency").filter(
        pk=pk, link_version=version
    ).first()
