"""How REST clients and calendars prove who they are: personal API tokens and private calendar-feed addresses.

API tokens are random, shown once and kept only as a SHA-256 digest (they carry 256 bits of randomness, so a
plain digest cannot be reversed by guessing). They are accepted as `Authorization: Token <t>` or
`Authorization: Bearer <t>`. A read-only token may not write; an expired or revoked token, or one whose owner
was deactivated, is refused like an unknown one. Refused tokens are counted per client address: beyond
`API_TOKEN_FAILURE_RATE`, every token from that address gets 429 for a while, so guessing tokens goes nowhere.
"""

import hashlib
import ipaddress
import secrets

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions, throttling

from audit import events as audit
from taskforce import context

from .models import ApiToken, CalendarFeed

TOKEN_PREFIX = "tfp_"
# last_used_at is written at most this often per token, so reads do not each cost a write.
LAST_USED_RESOLUTION = 60
# How many addresses are remembered per token (the latest), to tell when it is used from a new one.
SEEN_ADDRESSES = 20


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
        failures = TokenFailureThrottle()
        failures.refuse_when_exceeded(request)
        try:
            user, token = self.authenticate_credentials(header)
        except exceptions.AuthenticationFailed:
            failures.record()
            raise
        note_address(token, context.client_address(request))
        return user, token

    def authenticate_credentials(self, header: list[bytes]):
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
        context.identify(found.user)
        now = timezone.now()
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
            found.last_used_at = now
        return found.user, found

    def authenticate_header(self, request):
        return 'Token realm="api"'


def note_address(token: ApiToken, address: str) -> None:
    """A use from an address the token was not used from before is a security event in the audit trail."""
    try:
        address = str(ipaddress.ip_address(address))
    except ValueError:  # none, or not an address (a proxy's header)
        return
    if address in token.seen_addresses:
        return
    token.seen_addresses = [*token.seen_addresses, address][-SEEN_ADDRESSES:]
    ApiToken.objects.filter(pk=token.pk).update(seen_addresses=token.seen_addresses)
    audit.token_new_address(token, address)


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


class TokenFailureThrottle(throttling.SimpleRateThrottle):
    """Refused tokens per client address. Checked before a token is looked up, counted after it is refused."""

    scope = "token-failure"

    def get_rate(self):
        return settings.API_TOKEN_FAILURE_RATE

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def refuse_when_exceeded(self, request) -> None:
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        self.history = [at for at in self.cache.get(self.key, []) if at > self.now - self.duration]
        if len(self.history) >= self.num_requests:
            raise exceptions.Throttled(wait=self.wait())

    def record(self) -> None:
        self.throttle_success()


# Calendar feeds: the address carries `key` and a keyed hash of it (32 hex characters).

FEED_SALT = "taskforce.calendar-feed"


def feed_secret(feed: CalendarFeed) -> str:
    return feed.key + salted_hmac(FEED_SALT, feed.key, algorithm="sha256").hexdigest()[:32]


def feed_from_secret(secret: str) -> CalendarFeed | None:
    """The active feed this secret opens, or None (unknown, revoked, regenerated, or owner deactivated). The request
    is then the feed owner's in the audit trail."""
    key, signature = secret[:-32], secret[-32:]
    if len(secret) <= 32 or not constant_time_compare(
        signature, salted_hmac(FEED_SALT, key, algorithm="sha256").hexdigest()[:32]
    ):
        return None
    feed = CalendarFeed.objects.select_related("user", "user__agency").filter(key=key, user__is_active=True).first()
    if feed is not None:
        context.identify(feed.user)  # what the fetch writes is the owner's doing, as with an API token
    return feed


def new_feed_key() -> str:
    return secrets.token_hex(16)


