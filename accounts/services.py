"""Writes about accounts: second factors, signing out everywhere, the password, lifting sign-in lockouts, API tokens
and calendar feed addresses. Each is a security event in the audit trail."""

import datetime
import re
import time
from binascii import unhexlify

from axes.utils import reset as axes_reset
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import verify_token
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from audit import events as audit
from members.models import User
from members.services import member_sessions_end

from . import authentication, selectors
from .models import ApiToken, CalendarFeed

RECOVERY_CODE_COUNT = 10
# Codes from authenticator apps are six digits; recovery codes are eight letters and digits.
APP_CODE = re.compile(r"\d{6}")


def new_authenticator_key() -> str:
    return random_hex(20)


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


@transaction.atomic
def authenticator_confirm(*, actor: User, key: str, code: str, session_verified: bool) -> tuple[TOTPDevice, list[str]]:
    """Keep the authenticator the actor added to their app once it gives a right code, replacing any earlier one,
    and give them a new set of recovery codes (returned: they are shown once). Replacing an authenticator needs a
    session that passed the current one, or a password alone would be enough to take the account over."""
    if selectors.authenticator_get(user=actor) is not None and not session_verified:
        raise PermissionDenied(_("Confirm this sign-in with your current authenticator first."))
    totp = TOTP(unhexlify(key), step=30, t0=0, digits=6)
    totp.time = time.time()
    code = normalise_code(code)
    if not APP_CODE.fullmatch(code) or not totp.verify(int(code), tolerance=1):
        raise ValidationError({"code": _("This code does not match. Enter the six digits your app shows now.")})
    replaced = TOTPDevice.objects.filter(user=actor).delete()[0] > 0
    device = TOTPDevice.objects.create(user=actor, name="Authenticator app", key=key, confirmed=True, last_t=totp.t())
    audit.second_factor_enrolled(actor, replaced=replaced)
    return device, _recovery_codes_replace(actor)


@transaction.atomic
def recovery_codes_renew(*, actor: User) -> list[str]:
    """A new set of recovery codes; the previous ones stop working."""
    if selectors.authenticator_get(user=actor) is None:
        raise Http404()
    return _recovery_codes_replace(actor)


def _recovery_codes_replace(actor: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=actor, defaults={"name": "Recovery codes", "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _n in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def second_factor_verify(*, actor: User, code: str) -> Device | None:
    """The device that accepts this code (an app's code, or a recovery code, which then stops working), or None.
    Each device slows down guessing itself: after a wrong code it refuses any code for 1, 2, 4, ... seconds."""
    code = normalise_code(code)
    devices = (
        [selectors.authenticator_get(user=actor)]
        if APP_CODE.fullmatch(code)
        else [selectors.recovery_device_get(user=actor)]
    )
    for device in devices:
        if device is not None and verify_token(actor, device.persistent_id, code):
            if isinstance(device, StaticDevice):
                audit.recovery_code_used(actor, codes_left=selectors.recovery_codes_left(user=actor))
            else:
                audit.second_factor_verified(actor)
            return device
    return None


@transaction.atomic
def sign_out_everywhere(*, actor: User, revoke_tokens: bool = False) -> int:
    """End every session of the actor on every device and, when they ask for it, revoke their API tokens (scripts
    that pull schedules use them: signing out of a browser must not break them unasked). Returns how many tokens
    were revoked. The calendar feed address is not a sign-in: it stays until the member regenerates or revokes it
    (deactivation refuses it)."""
    member_sessions_end(member=actor)
    return _api_tokens_revoke(actor) if revoke_tokens else 0


@transaction.atomic
def password_change(*, actor: User, new_password: str) -> int:
    """A new password (already held to the password rules): every other session of the actor ends and every API
    token is revoked, since whoever knew the old password may have made one. The caller keeps its own session
    (update_session_auth_hash). Returns how many tokens were revoked."""
    actor.set_password(new_password)
    actor.save(update_fields=["password"])
    member_sessions_end(member=actor)
    audit.password_changed(actor)
    return _api_tokens_revoke(actor)


def _api_tokens_revoke(actor: User) -> int:
    """Revoke every active API token of the actor, each revocation recorded."""
    tokens = list(ApiToken.objects.select_for_update().filter(user=actor, revoked_at__isnull=True))
    for token in tokens:
        api_token_revoke(actor=actor, token=token)
    return len(tokens)


@transaction.atomic
def lockout_lift(*, actor: User, username: str = "", address: str = "") -> int:
    """Let a locked-out username, or address, try to sign in again now. Only lockouts the actor may see in
    lockout_list can be lifted; any other is not found. Returns how many recorded failures were cleared."""
    lockouts = selectors.lockout_list(actor=actor)
    if username and username in {lockout.key for lockout in lockouts.accounts}:
        cleared = axes_reset(username=username)
        audit.lockout_lifted(actor, username=username)
        return cleared
    if address and address in {lockout.key for lockout in lockouts.addresses}:
        cleared = axes_reset(ip=address)
        audit.lockout_lifted(actor, address=address)
        return cleared
    raise Http404()


# API tokens and calendar feeds: a member manages their own.

API_TOKEN_LIFETIMES = (30, 90, 365)


@transaction.atomic
def api_token_create(
    *, actor: User, name: str, access: str = ApiToken.Access.READ, expires_in_days: int | None = 90
) -> tuple[ApiToken, str]:
    """A new token for the actor; returns it with the token text, which is never stored and shown only now."""
    if not actor.is_active:
        raise PermissionDenied(_("Only active members can create API tokens."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, so you can recognise it later.")})
    if access not in ApiToken.Access.values:
        raise ValidationError({"access": _("Choose read only or read and write.")})
    if expires_in_days is not None and not 1 <= expires_in_days <= 366:
        raise ValidationError({"expires_in_days": _("A token lasts between 1 and 366 days, or does not expire.")})
    text = authentication.new_token()
    token = ApiToken(
        user=actor,
        name=name,
        prefix=text[: len(authentication.TOKEN_PREFIX) + 6],
        digest=authentication.token_digest(text),
        access=access,
        expires_at=timezone.now() + datetime.timedelta(days=expires_in_days) if expires_in_days else None,
    )
    token.full_clean()
    token.save()
    audit.token_created(token)
    return token, text


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's own tokens; a token of someone else's does not exist for them."""
    if token.user_id != actor.pk:
        raise Http404()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.token_revoked(token, actor=actor)
    return token


@transaction.atomic
def calendar_feed_regenerate(*, actor: User) -> CalendarFeed:
    """Give the actor a (new) private feed address; the previous one stops working at once."""
    feed, _created = CalendarFeed.objects.select_for_update().get_or_create(
        user=actor, defaults={"key": authentication.new_feed_key()}
    )
    if not _created:
        feed.key = authentication.new_feed_key()
        feed.last_fetched_at = None
        feed.save(update_fields=["key", "last_fetched_at"])
    return feed


@transaction.atomic
def calendar_feed_revoke(*, actor: User) -> None:
    CalendarFeed.objects.filter(user=actor).delete()
