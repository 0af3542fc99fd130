"""Invitations answered from a calendar app: the messages the portal's mail receiver (taskforce/inbound.py) takes in
for the reply addresses that invitations name as their organizer (meetings/reply_addresses.py).

A REPLY whose token names a genuine invitation, for that invitation's meeting (its UID), from the invitee's own
address, records the answer as the portal would (services.calendar_answer_record, audited with the channel "email"
and the invitee as the actor); a COUNTER is kept as a proposal for the secretariat. Anything else changes nothing and
is logged with its reason; the sender is told nothing (the receiver accepts the message either way).
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from members.models import User
from taskforce import context, ical, inbound

from . import itip, reply_addresses, services
from .models import Guest, Meeting

logger = logging.getLogger(__name__)

RECORDED, UNCHANGED, REFUSED = "recorded", "unchanged", "refused"


class Refusal(Exception):
    pass


def register() -> None:
    inbound.register("calendar replies", reply_addresses.is_reply_address, receive)


def receive(address: str, raw: bytes, sender: str = "") -> str:
    """Handle one message for a reply address; what became of it (for the log and the tests, never the sender)."""
    invitation = reply_addresses.invitation_from(address)
    facts = {"envelope_sender": sender[:254], "bytes": len(raw)}
    if invitation is not None:
        facts.update(
            {k: v for k, v in vars(invitation).items() if v is not None}
        )
    try:
        if invitation is None:
            raise Refusal("no token, or not a genuine one")
        try:
            answer = itip.read(raw)
        except itip.Unreadable as error:
            raise Refusal(f"unreadable: {error.reason}") from error
        facts.update(method=answer.method, partstat=answer.partstat, sequence=answer.sequence,
                     message_id=answer.message_id, sender=answer.sender)
        if invitation.guest_id is not None:
            changed = _guest(invitation, answer)
        else:
            changed = _member(invitation, answer)
    except Refusal as refusal:
        logger.warning("calendar reply refused: %s (%s)", refusal, _summary(facts), extra={"reply": facts})
        return REFUSED
    outcome = RECORDED if changed else UNCHANGED
    logger.info("calendar reply %s (%s)", outcome, _summary(facts), extra={"reply": facts})
    return outcome


def _summary(facts: dict) -> str:
    named = ("meeting_id", "user_id", "guest_id", "method", "partstat", "sequence", "message_id", "envelope_sender")
    return ", ".join(f"{key} {facts[key]}" for key in named if facts.get(key) not in (None, ""))


def _check(meeting: Meeting | None, answer: itip.Answer, invitee_address: str) -> Meeting:
    if meeting is None:
        raise Refusal("the invitation's meeting no longer exists")
    if answer.uid != ical.uid("meeting", meeting.pk):
        raise Refusal("the reply is for another event than the invitation's meeting")
    if answer.attendee != invitee_address.strip().lower():
        raise Refusal("the attendee answering is not the invitee")
    if meeting.is_cancelled:
        raise Refusal("the meeting is cancelled")
    if meeting.is_past:
        raise Refusal("the meeting has taken place")
    return meeting


def _member(invitation: reply_addresses.Invitation, answer: itip.Answer) -> bool:
    user = User.objects.filter(pk=invitation.user_id, is_active=True).first()
    if user is None:
        raise Refusal("the invitee's account is gone or inactive")
    meeting = _check(
        Meeting.objects.select_related("body").filter(pk=invitation.meeting_id).first(), answer, user.email
    )
    source = f"calendar reply {answer.message_id}".strip()[:200]
    try:
        with context.context(context.Channel.EMAIL, source=source, actor_id=user.pk):
            if answer.method == "COUNTER":
                return services.time_proposal_record(meeting=meeting, answer=answer, user=user)
            return services.calendar_answer_record(actor=user, meeting=meeting, answer=answer)
    except (Http404, PermissionDenied) as error:
        raise Refusal("the person is no longer invited to the meeting") from error
    except ValidationError as error:
        raise Refusal("; ".join(error.messages)) from error


def _guest(invitation: reply_addresses.Invitation, answer: itip.Answer) -> bool:
    guest = Guest.objects.select_related("meeting__body").filter(pk=invitation.guest_id).first()
    if guest is None:
        raise Refusal("the guest is no longer invited")
    meeting = _check(guest.meeting, answer, guest.email)
    source = f"calendar reply of guest {guest.pk} {answer.message_id}".strip()[:200]
    try:
        with context.context(context.Channel.EMAIL, source=source):
            if answer.method == "COUNTER":
                return services.time_proposal_record(meeting=meeting, answer=answer, guest=guest)
            return services.calendar_guest_answer_record(guest=guest, answer=answer)
    except ValidationError as error:
        raise Refusal("; ".join(error.messages)) from error
