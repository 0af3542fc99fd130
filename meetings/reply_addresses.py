"""The address a calendar app answers an invitation at: the portal's reply address with a signed token for that one
invitation after a "+" (replies+m1fu7-4k2x...@portal.example.org).

The token names the invitation (a meeting and a member, or a guest) and carries an HMAC of it under the portal's
secret key, salted for this use alone: nobody can make one for another invitation, no other signed value of the
portal is one, and it is checked in constant time. It is kept in lower case letters and digits, because mail systems
may change the case of an address, and short enough for the 64 characters an address's local part may have.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "meetings.calendar-reply"
_TOKEN = re.compile(r"(?:m([0-9a-z]{1,12})u([0-9a-z]{1,12})|g([0-9a-z]{1,12}))-([a-z2-7]{24})")


@dataclass(frozen=True)
class Invitation:
    """What a genuine token names: a member's invitation to a meeting, or a guest's (their own row)."""

    meeting_id: int | None = None
    user_id: int | None = None
    guest_id: int | None = None


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


def _signature(payload: str) -> str:
    digest = salted_hmac(SALT, payload, algorithm="sha256").digest()
    return base64.b32encode(digest[:15]).decode("ascii").lower()


def _mailbox() -> tuple[str, str]:
    local, _, domain = settings.CALENDAR_REPLY_ADDRESS.rpartition("@")
    return local.lower(), domain.lower()


def _address(payload: str) -> str:
    local, domain = _mailbox()
    return f"{local}+{payload}-{_signature(payload)}@{domain}"


def for_member(meeting_id: int, user_id: int) -> str:
    return _address(f"m{_base36(meeting_id)}u{_base36(user_id)}")


def for_guest(guest_id: int) -> str:
    return _address(f"g{_base36(guest_id)}")


def is_reply_address(address: str) -> bool:
    """Whether mail to `address` is the receiver's to take: the reply address itself or any +token address of it
    (whether the token is genuine is decided when the message is read, so a wrong one learns nothing at RCPT)."""
    local, _, domain = address.strip().strip("<>").lower().rpartition("@")
    mailbox, mailbox_domain = _mailbox()
    return bool(local) and domain == mailbox_domain and (local == mailbox or local.startswith(mailbox + "+"))


def invitation_from(address: str) -> Invitation | None:
    """The invitation a reply address names, if its token is genuine; None otherwise (no token, a made-up or altered
    one, another portal's)."""
    if not is_reply_address(address) or len(address) > 254:
        return None
    local = address.strip().strip("<>").lower().rpartition("@")[0]
    token = local.partition("+")[2]
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    meeting, user, guest, signature = match.groups()
    payload = token.rpartition("-")[0]
    if not constant_time_compare(signature, _signature(payload)):
        return None
    if guest is not None:
        return Invitation(guest_id=int(guest, 36))
    return Invitation(meeting_id=int(meeting, 36), user_id=int(user, 36))
