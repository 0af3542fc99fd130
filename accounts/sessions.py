"""What a signed-in session keeps about itself: when it began, when it was last used, and whether it must pass a
second factor. Written at sign-in, then at most once a minute, so that an ordinary request costs no write."""

import time

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.utils.translation import gettext as _

from members.models import User

from . import selectors

SIGNED_IN_AT = "accounts.signed_in_at"
SEEN_AT = "accounts.seen_at"
SECOND_FACTOR = "accounts.second_factor"
# How stale the last-seen time and the second-factor state may get before a request writes them again. A member
# made secretariat, or who set up an authenticator in another session, must pass it within this long.
REFRESH_SECONDS = 60


def second_factor_state(user: User) -> dict:
    return {
        "required": selectors.second_factor_required(user=user),
        "enrolled": selectors.authenticator_get(user=user) is not None,
        "at": time.time(),
    }


def session_started(sender, request: HttpRequest, user: User, **kwargs) -> None:
    """On sign-in (connected to user_logged_in): the session's clock starts now."""
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[SEEN_AT] = now
    request.session[SECOND_FACTOR] = second_factor_state(user)


def why_ended(session: SessionBase, now: float) -> str:
    """Why this session is over ('' while it is not): too long idle, or too long since signing in."""
    idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
    lifetime = settings.SESSION_ABSOLUTE_LIFETIME.total_seconds()
    if now - session.get(SIGNED_IN_AT, now) > lifetime:
        if lifetime % 3600:
            return _("You were signed out: a session lasts at most %(minutes)d minutes. Sign in again to go on.") % {
                "minutes": lifetime // 60
            }
        return _("You were signed out: a session lasts at most %(hours)d hours. Sign in again to go on.") % {
            "hours": lifetime // 3600
        }
    if now - session.get(SEEN_AT, now) > idle:
        return _("You were signed out after %(minutes)d minutes without activity. Sign in again to go on.") % {
            "minutes": idle // 60
        }
    return ""


def touch(session: SessionBase, now: float) -> None:
    session.setdefault(SIGNED_IN_AT, now)
    # Well within the idle limit, however short it is set, so that an active session never looks idle.
    refresh = min(REFRESH_SECONDS, settings.SESSION_IDLE_TIMEOUT.total_seconds() / 4)
    if now - session.get(SEEN_AT, 0) >= refresh:
        session[SEEN_AT] = now


def second_factor_due(request: HttpRequest) -> bool:
    """Must this session pass a second factor (before anything else)? For those who must use one, and for anyone
    who set one up."""
    state = request.session.get(SECOND_FACTOR)
    if state is None or time.time() - state.get("at", 0) >= REFRESH_SECONDS:
        state = second_factor_state(request.user)
        request.session[SECOND_FACTOR] = state
    return state["required"] or state["enrolled"]


def second_factor_enrolled(request: HttpRequest) -> bool:
    return bool(request.session.get(SECOND_FACTOR, {}).get("enrolled"))


def second_factor_recheck(request: HttpRequest) -> None:
    """After the member set up (or replaced) an authenticator in this session."""
    request.session[SECOND_FACTOR] = second_factor_state(request.user)
