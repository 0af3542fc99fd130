"""Reading a calendar app's answer to an invitation: an iTIP REPLY or COUNTER (RFC 5546) carried in an email
(RFC 6047), as Outlook, Google Calendar, Apple Calendar and Thunderbird send them.

`read(raw)` gives the one answer the message carries, or raises `Unreadable` with the reason (for the log, never for
the sender). It trusts nothing: the message's size, parts and every property are checked before use, and whatever
the parsers raise on hostile input is an `Unreadable`, never an error of the portal's.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import email.utils
from dataclasses import dataclass

from icalendar import Calendar

# A message's parts looked at (a reply has two to five) and the size of a calendar part read (a few kilobytes).
MAX_PARTS = 40
MAX_CALENDAR_BYTES = 256 * 1024
ANSWERS = ("ACCEPTED", "TENTATIVE", "DECLINED", "DELEGATED")


class Unreadable(Exception):
    """Not an answer the portal can read; `reason` says why, for the log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Answer:
    method: str  # REPLY or COUNTER
    uid: str
    attendee: str  # the address answering, in lower case
    partstat: str  # ACCEPTED, TENTATIVE, DECLINED, DELEGATED (REPLY)
    delegated_to: str  # the delegate's address, in lower case (DELEGATED)
    sequence: int
    stamp: datetime.datetime  # DTSTAMP, in UTC
    comment: str
    start: datetime.datetime | None  # the time proposed (COUNTER); naive when the app gave a floating time
    end: datetime.datetime | None
    message_id: str
    sender: str  # the From header's address, in lower case (logged, not trusted)


def mailto(value) -> str:
    """The address of a "mailto:" calendar address, in lower case; "" when it is not one."""
    text = str(value or "").strip().strip('"')
    if text[:7].lower() != "mailto:":
        return ""
    address = text[7:].strip().lower()
    return address if 3 <= len(address) <= 254 and "@" in address and not any(c.isspace() for c in address) else ""


def _calendar_parts(message: email.message.Message) -> list[bytes]:
    found = []
    for count, part in enumerate(message.walk()):
        if count >= MAX_PARTS:
            break
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        name = (part.get_filename() or "").lower()
        attached_ics = kind == "application/octet-stream" and name.endswith(".ics")
        if kind in ("text/calendar", "application/ics") or attached_ics:
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and payload:
                found.append(payload)
    return found


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    text = str(value)
    return " ".join(text.replace("\\n", "\n").split())


def _instant(value, what: str) -> datetime.datetime:
    when = getattr(value, "dt", None)
    if not isinstance(when, datetime.datetime):
        raise Unreadable(f"{what} is not a date and time")
    if when.tzinfo is not None:
        when = when.astimezone(datetime.UTC)
    if not 1900 <= when.year <= 2200:
        raise Unreadable(f"{what} is out of range")
    return when


def _answer_of(calendar: Calendar, message_id: str, sender: str) -> Answer:
    method = str(calendar.get("method", "")).strip().upper()
    if method not in ("REPLY", "COUNTER"):
        raise Unreadable(f"method {method[:20] or 'missing'} is not a reply")
    events = [component for component in calendar.walk("VEVENT")]
    if len(events) != 1:
        raise Unreadable(f"{len(events)} events, not one")
    event = events[0]
    if event.get("recurrence-id") is not None:
        raise Unreadable("an answer for one occurrence of a recurring event")
    uid = str(event.get("uid", "")).strip()
    if not uid or len(uid) > 255:
        raise Unreadable("no UID")
    if event.get("dtstamp") is None:
        raise Unreadable("no DTSTAMP")
    stamp = _instant(event.get("dtstamp"), "DTSTAMP")
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=datetime.UTC)
    raw_sequence = event.get("sequence", 0)
    try:
        sequence = int(raw_sequence)
    except (TypeError, ValueError) as error:
        raise Unreadable("SEQUENCE is not a number") from error
    if not 0 <= sequence < 2**31:
        raise Unreadable("SEQUENCE is out of range")
    attendees = event.get("attendee")
    if attendees is None:
        raise Unreadable("no ATTENDEE")
    if not isinstance(attendees, list):
        attendees = [attendees]
    if len(attendees) > 20:
        raise Unreadable("too many attendees")
    # The one answering: in a delegation, the delegate is listed too, with DELEGATED-FROM.
    answering = [a for a in attendees if not getattr(a, "params", {}).get("DELEGATED-FROM")] or attendees
    if len(answering) != 1:
        raise Unreadable(f"{len(answering)} attendees answering, not one")
    attendee = answering[0]
    address = mailto(attendee)
    if not address:
        raise Unreadable("the attendee is not an email address")
    params = getattr(attendee, "params", {})
    partstat = str(params.get("PARTSTAT", "")).strip().upper()
    delegated_to = ""
    if partstat == "DELEGATED":
        targets = params.get("DELEGATED-TO", "")
        if isinstance(targets, list):
            targets = targets[0] if len(targets) == 1 else ""
        delegated_to = mailto(targets)
    start = end = None
    if method == "COUNTER":
        if event.get("dtstart") is None:
            raise Unreadable("a proposal without a start")
        start = _instant(event.get("dtstart"), "DTSTART")
        if event.get("dtend") is not None:
            end = _instant(event.get("dtend"), "DTEND")
        elif event.get("duration") is not None:
            duration = getattr(event.get("duration"), "dt", None)
            if not isinstance(duration, datetime.timedelta):
                raise Unreadable("DURATION is not a duration")
            end = start + duration
    elif partstat not in ANSWERS:
        raise Unreadable(f"PARTSTAT {partstat[:20] or 'missing'} is not an answer")
    return Answer(
        method=method, uid=uid, attendee=address, partstat=partstat, delegated_to=delegated_to, sequence=sequence,
        stamp=stamp, comment=_text(event.get("comment"))[:500], start=start, end=end, message_id=message_id,
        sender=sender,
    )


def read(raw: bytes) -> Answer:
    """The answer an email carries: the first calendar part that is a REPLY or COUNTER (Google and Thunderbird send
    the same calendar twice, inline and as an attachment)."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
        message_id = _text(message.get("Message-ID", ""))[:200]
        sender = email.utils.parseaddr(_text(message.get("From", "")))[1].lower()[:254]
        parts = _calendar_parts(message)
    except Exception as error:  # noqa: BLE001 - the email package on hostile input
        raise Unreadable(f"not a readable email ({type(error).__name__})") from error
    if not parts:
        raise Unreadable("no calendar in the message")
    reason = ""
    for payload in parts:
        if len(payload) > MAX_CALENDAR_BYTES:
            reason = "calendar part too large"
            continue
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            text = payload.decode("latin-1")
        try:
            calendar = Calendar.from_ical(text)
        except Exception:  # noqa: BLE001 - icalendar on hostile input
            reason = "the calendar cannot be read"
            continue
        if not isinstance(calendar, Calendar) or calendar.name != "VCALENDAR":
            reason = "not a VCALENDAR"
            continue
        try:
            return _answer_of(calendar, message_id, sender)
        except Unreadable as error:
            reason = error.reason
        except Exception as error:  # noqa: BLE001 - a property icalendar could not decode
            reason = f"a property cannot be read ({type(error).__name__})"
    raise Unreadable(reason)
