"""Reads about accounts: who must use a second factor, who has one, the sign-in lockouts an actor may lift, and a
member's own API tokens and calendar feed."""

import datetime
from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from members.models import User
from taskforce.models import Membership
from taskforce.permissions import Actor, is_secretariat_anywhere, secretariat_body_ids

from .models import ApiToken, CalendarFeed


def second_factor_required(*, user: User) -> bool:
    """Superusers and the secretariat of any body must confirm each sign-in with a second factor."""
    return is_secretariat_anywhere(user)


def authenticator_get(*, user: User) -> TOTPDevice | None:
    """The member's confirmed authenticator app, if they set one up."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


def recovery_device_get(*, user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user_id=user.pk, confirmed=True).first()


# Sign-in lockouts, as django-axes counts them: the failures recorded within the cool-off period, summed per
# username and per address; either sum reaching the limit locks sign-in.


@dataclass(frozen=True)
class Lockout:
    key: str  # the username, or the address
    failures: int
    last_attempt: datetime.datetime

    @property
    def until(self) -> datetime.datetime:
        return self.last_attempt + settings.AXES_COOLOFF_TIME


@dataclass(frozen=True)
class Lockouts:
    accounts: list[Lockout]
    addresses: list[Lockout]


def may_lift_lockouts(actor: Actor) -> bool:
    return is_secretariat_anywhere(actor)


def _locked(attempts: QuerySet, field: str) -> list[Lockout]:
    rows = (
        attempts.exclude(**{field: None})
        .order_by()
        .values(field)
        .annotate(failures=Sum("failures_since_start"), last_attempt=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last_attempt", field)
    )
    return [Lockout(row[field], row["failures"], row["last_attempt"]) for row in rows]


def lockout_list(*, actor: Actor) -> Lockouts:
    """Locked usernames and addresses the actor may unlock: a superuser, all of them; the secretariat, the people
    of their bodies and the addresses those people were locked out from. Anyone else: not found."""
    if not (actor.is_authenticated and actor.is_active):
        raise Http404()
    recent = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    accounts, addresses = recent, recent
    if not actor.is_superuser:
        bodies = secretariat_body_ids(actor)
        if not bodies:
            raise Http404()
        people = Membership.objects.filter(body_id__in=bodies).values("user__username")
        accounts = recent.filter(username__in=people)
        addresses = recent.filter(ip_address__in=accounts.values("ip_address"))
    return Lockouts(accounts=_locked(accounts, "username"), addresses=_locked(addresses, "ip_address"))


# The member's own API tokens and calendar feed: nobody else's exist for them.


def api_token_list(*, actor: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=actor.pk).order_by("-created_at", "-pk")


def api_token_get(*, actor: User, pk: int) -> ApiToken:
    return get_object_or_404(api_token_list(actor=actor), pk=pk)


def calendar_feed_get(*, actor: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user_id=actor.pk).first()
