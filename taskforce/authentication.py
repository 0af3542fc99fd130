"""How REST clients and calendars prove who they are: personal API tokens and private calendar-feed addresses.

API tokens are random, shown once and kept only as a SHA-256 digest (they carry 256 bits of randomness, so a
plain digest cannot be reversed by guessing). They are accepted as `Authorization: Token <t>` or
`Authorization: Bearer <t>`. A read-only token may not write; an expired or revoked token, or one whose owner
was deactivated, is refused like an unknown one.
"""

import hashlib
import secrets

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions, throttling

from .models import ApiToken, CalendarFeed

TOKEN_PREFIX = "tfp_"
# last_used_at is written at most this often per token, so reads do not each cost a write.
LAST_USED_RESOLUTION = 60


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as: Authorization: Token <your token>."))
        try:
            token = header[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        return self.authenticate_token(token)

    def authenticate_token(self, token: str):
        found = (
            ApiToken.objects.select_related("user", "user__agency")
            .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None or found.is_expired:
            raise exceptions.AuthenticationFailed(_("This token is not valid, has expired or was revoked."))
        now = timezone.now()
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
            found.last_used_at = now
        return found.user, found

    def authenticate_header(self, request):
        return 'Token realm="api"'


class TokenAccess(permissions.BasePermission):
    """A read-only token can read, never write."""

    message = _("This token is read-only; create a read-and-write token to make changes.")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return not isinstance(request.auth, ApiToken) or request.auth.can_write


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """Requests per token (or per signed-in browser session), answered with 429 and Retry-After beyond the
    rate in `API_THROTTLE_RATE`."""

    scope = "api"

    def get_rate(self):
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


# Calendar feeds: the address carries `key` and a keyed hash of it (32 hex characters).

FEED_SALT = "taskforce.calendar-feed"


def feed_secret(feed: CalendarFeed) -> str:
    return feed.key + salted_hmac(FEED_SALT, feed.key, algorithm="sha256").hexdigest()[:32]


def feed_from_secret(secret: str) -> CalendarFeed | None:
    """The active feed this secret opens, or None (unknown, revoked, regenerated, or owner deactivated)."""
    key, signature = secret[:-32], secret[-32:]
    if len(secret) <= 32 or not constant_time_compare(
        signature, salted_hmac(FEED_SALT, key, algorithm="sha256").hexdigest()[:32]
    ):
        return None
    return CalendarFeed.objects.select_related("user", "user__agency").filter(key=key, user__is_active=True).first()


def new_feed_key() -> str:
    return secrets.token_hex(16)


