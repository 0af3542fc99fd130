"""Answers to an invitation as calendar apps send them by email: the iTIP REPLY (and Outlook's COUNTER) of Outlook,
Google Calendar, Thunderbird and Apple Calendar, with each one's headers, MIME structure and iCalendar shape, built
from RFC 5546/6047 and the apps' published samples. They start from the invitation the portal sent (its calendar),
as the apps do: the same UID, SEQUENCE and times, the ORGANIZER it named, which is where they send the answer.
"""

from __future__ import annotations

import base64
import datetime
import quopri
import uuid
from dataclasses import dataclass, replace
from email.header import Header
from email.message import Message
from email.utils import format_datetime, formataddr

from icalendar import Calendar


@dataclass(frozen=True)
class Invite:
    """What a calendar app keeps of an invitation it received."""

    uid: str
    sequence: int
    organizer: str  # the address the answer goes to
    organizer_name: str
    attendee: str  # the invitee's address
    attendee_name: str
    start: datetime.datetime
    end: datetime.datetime
    summary: str

    @classmethod
    def of(cls, message: Message | object) -> Invite:
        """From the invitation email the portal sent (Django's EmailMessage, or a parsed message)."""
        if hasattr(message, "attachments"):
            (content,) = [a[1] for a in message.attachments if a[0] == "invite.ics"]
        else:
            (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
            content = part.get_payload(decode=True)
        calendar = Calendar.from_ical(content)
        (event,) = calendar.walk("VEVENT")
        organizer = event["ORGANIZER"]
        (attendee,) = [event["ATTENDEE"]] if not isinstance(event["ATTENDEE"], list) else event["ATTENDEE"]
        return cls(
            uid=str(event["UID"]), sequence=int(event.get("SEQUENCE", 0)), organizer=str(organizer)[7:],
            organizer_name=str(organizer.params.get("CN", "")), attendee=str(attendee)[7:],
            attendee_name=str(attendee.params.get("CN", "")), start=event.decoded("DTSTART"),
            end=event.decoded("DTEND"), summary=str(event["SUMMARY"]),
        )

    def but(self, **changes) -> Invite:
        return replace(self, **changes)


def _utc(when: datetime.datetime) -> str:
    return when.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _local(when: datetime.datetime, zone: str) -> str:
    import zoneinfo

    return when.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%Y%m%dT%H%M%S")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def _crlf(lines: list[str]) -> str:
    return "\r\n".join(lines) + "\r\n"


WORDS = {"ACCEPTED": "Accepted", "TENTATIVE": "Tentative", "DECLINED": "Declined", "DELEGATED": "Delegated"}

EASTERN_VTIMEZONE = [
    "BEGIN:VTIMEZONE", "TZID:Eastern Standard Time",
    "BEGIN:STANDARD", "DTSTART:16010101T020000", "TZOFFSETFROM:-0400", "TZOFFSETTO:-0500",
    "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11", "END:STANDARD",
    "BEGIN:DAYLIGHT", "DTSTART:16010101T020000", "TZOFFSETFROM:-0500", "TZOFFSETTO:-0400",
    "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3", "END:DAYLIGHT",
    "END:VTIMEZONE",
]


def _headers(invite: Invite, subject: str, sender: str, mailer: str = "") -> list[str]:
    # Headers in ASCII, other characters encoded (RFC 2047), as every app does.
    lines = [
        f"From: {formataddr((invite.attendee_name, sender), charset='utf-8')}",
        f"To: {formataddr((invite.organizer_name, invite.organizer), charset='utf-8')}",
        f"Subject: {Header(subject, 'utf-8').encode()}",
        f"Date: {format_datetime(_now())}",
        f"Message-ID: <{uuid.uuid4().hex}@{sender.rpartition('@')[2] or 'example.org'}>",
        "MIME-Version: 1.0",
    ]
    if mailer:
        lines.append(mailer)
    return lines


def outlook(invite: Invite, partstat: str = "ACCEPTED", *, stamp: datetime.datetime | None = None,
            sequence: int | None = None, sender: str | None = None, attendee: str | None = None,
            comment: str = "", counter: tuple[datetime.datetime, datetime.datetime] | None = None) -> bytes:
    """Outlook / Exchange: multipart/alternative with text, HTML and a base64 text/calendar; method=REPLY part; times
    in a Windows zone ("Eastern Standard Time") with its VTIMEZONE; MAILTO in capitals; X-MICROSOFT properties. With
    `counter`, "Propose New Time": METHOD:COUNTER with the proposed times."""
    sender = sender or invite.attendee
    attendee = attendee or invite.attendee
    stamp = stamp or _now()
    sequence = invite.sequence if sequence is None else sequence
    method = "COUNTER" if counter else "REPLY"
    start, end = counter or (invite.start, invite.end)
    word = "New Time Proposed" if counter else WORDS[partstat]
    calendar = _crlf([
        "BEGIN:VCALENDAR", f"METHOD:{method}", "PRODID:Microsoft Exchange Server 2010", "VERSION:2.0",
        *EASTERN_VTIMEZONE,
        "BEGIN:VEVENT",
        f"ATTENDEE;PARTSTAT={partstat};CN={invite.attendee_name}:MAILTO:{attendee}",
        f"COMMENT;LANGUAGE=en-US:{comment}\\n",
        f"SUMMARY;LANGUAGE=en-US:{word}: {invite.summary}",
        f"DTSTART;TZID=Eastern Standard Time:{_local(start, 'America/Toronto')}",
        f"DTEND;TZID=Eastern Standard Time:{_local(end, 'America/Toronto')}",
        f"UID:{invite.uid}", "CLASS:PUBLIC", "PRIORITY:5", f"DTSTAMP:{_utc(stamp)}", "TRANSP:OPAQUE",
        "STATUS:CONFIRMED", f"SEQUENCE:{sequence}", "LOCATION;LANGUAGE=en-US:",
        f"X-MICROSOFT-CDO-APPT-SEQUENCE:{sequence}", "X-MICROSOFT-CDO-OWNERAPPTID:2120013434",
        f"X-MICROSOFT-CDO-REPLYTIME:{_utc(stamp)}", "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
        "X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY", "X-MICROSOFT-CDO-IMPORTANCE:1", "X-MICROSOFT-CDO-INSTTYPE:0",
        "X-MICROSOFT-DONOTFORWARDMEETING:FALSE", "X-MICROSOFT-DISALLOW-COUNTER:FALSE",
        "END:VEVENT", "END:VCALENDAR",
    ])
    boundary = "_000_" + uuid.uuid4().hex.upper() + "_"
    body = base64.encodebytes(calendar.encode("utf-8")).decode("ascii").replace("\n", "\r\n")
    head = _headers(invite, f"{word}: {invite.summary}", sender,
                    "Thread-Topic: " + Header(invite.summary, "utf-8").encode())
    return _crlf([
        *head,
        "Content-Language: en-US",
        "X-MS-Has-Attach:",
        "X-MS-TNEF-Correlator:",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
        "",
        f"--{boundary}",
        'Content-Type: text/plain; charset="us-ascii"',
        "Content-Transfer-Encoding: quoted-printable",
        "",
        quopri.encodestring(comment.encode()).decode("ascii"),
        "",
        f"--{boundary}",
        'Content-Type: text/html; charset="us-ascii"',
        "Content-Transfer-Encoding: quoted-printable",
        "",
        '<html><head><meta http-equiv=3D"Content-Type" content=3D"text/html"></head><body>'
        + quopri.encodestring(comment.encode()).decode("ascii") + "</body></html>",
        "",
        f"--{boundary}",
        f'Content-Type: text/calendar; charset="utf-8"; method={method}',
        "Content-Transfer-Encoding: base64",
        "",
        body.rstrip("\r\n"),
        "",
        f"--{boundary}--",
    ]).encode("ascii")


def google(invite: Invite, partstat: str = "ACCEPTED", *, stamp: datetime.datetime | None = None,
           sequence: int | None = None, sender: str | None = None, attendee: str | None = None) -> bytes:
    """Google Calendar: multipart/mixed holding a multipart/alternative (text, HTML, an inline 7bit text/calendar;
    method=REPLY) and the same calendar again as an application/ics attachment, base64; times in UTC; CN is the
    address itself; X-NUM-GUESTS."""
    sender = sender or invite.attendee
    attendee = attendee or invite.attendee
    stamp = stamp or _now()
    sequence = invite.sequence if sequence is None else sequence
    calendar = _crlf([
        "BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0", "CALSCALE:GREGORIAN",
        "METHOD:REPLY", "BEGIN:VEVENT",
        f"DTSTART:{_utc(invite.start)}", f"DTEND:{_utc(invite.end)}", f"DTSTAMP:{_utc(stamp)}",
        f"ORGANIZER;CN={invite.organizer_name}:mailto:{invite.organizer}", f"UID:{invite.uid}",
        f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};CN={attendee};X-NUM-GUESTS=0:mailto:"
        f"{attendee}",
        f"CREATED:{_utc(stamp - datetime.timedelta(days=2))}", "DESCRIPTION:", f"LAST-MODIFIED:{_utc(stamp)}",
        "LOCATION:", f"SEQUENCE:{sequence}", "STATUS:CONFIRMED", f"SUMMARY:{invite.summary}", "TRANSP:OPAQUE",
        "END:VEVENT", "END:VCALENDAR",
    ])
    outer, inner = "0000000000" + uuid.uuid4().hex[:18], "0000000000" + uuid.uuid4().hex[:18]
    word = WORDS[partstat]
    attached = base64.encodebytes(calendar.encode("utf-8")).decode("ascii").replace("\n", "\r\n").rstrip("\r\n")
    return _crlf([
        *_headers(invite, f"{word}: {invite.summary} @ {invite.start:%a %b %d, %Y} ({invite.attendee})", sender),
        "Reply-To: " + sender,
        f'Content-Type: multipart/mixed; boundary="{outer}"',
        "",
        f"--{outer}",
        f'Content-Type: multipart/alternative; boundary="{inner}"',
        "",
        f"--{inner}",
        'Content-Type: text/plain; charset="UTF-8"; format=flowed; delsp=yes',
        "Content-Transfer-Encoding: base64",
        "",
        base64.b64encode(f"{sender} has {word.lower()} this invitation.".encode()).decode(),
        f"--{inner}",
        'Content-Type: text/html; charset="UTF-8"',
        "Content-Transfer-Encoding: quoted-printable",
        "",
        f"<span>{sender} has {word.lower()} this invitation.</span>",
        f"--{inner}",
        'Content-Type: text/calendar; charset="UTF-8"; method=REPLY',
        "Content-Transfer-Encoding: 7bit",
        "",
        calendar,
        f"--{inner}--",
        "",
        f"--{outer}",
        'Content-Type: application/ics; name="invite.ics"',
        'Content-Disposition: attachment; filename="invite.ics"',
        "Content-Transfer-Encoding: base64",
        "",
        attached,
        f"--{outer}--",
    ]).encode("utf-8")


def thunderbird(invite: Invite, partstat: str = "ACCEPTED", *, stamp: datetime.datetime | None = None,
                sequence: int | None = None, sender: str | None = None, attendee: str | None = None,
                delegated_to: str = "") -> bytes:
    """Thunderbird: multipart/mixed with a text part, an 8bit text/calendar; method=REPLY part and an application/ics
    attachment; times in an Olson zone with its VTIMEZONE (X-LIC-LOCATION). A delegation lists the delegate too
    (DELEGATED-FROM), as Thunderbird does."""
    sender = sender or invite.attendee
    attendee = attendee or invite.attendee
    stamp = stamp or _now()
    sequence = invite.sequence if sequence is None else sequence
    lines = [
        "BEGIN:VCALENDAR", "PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN", "VERSION:2.0", "METHOD:REPLY",
        "BEGIN:VTIMEZONE", "TZID:America/Toronto", "X-LIC-LOCATION:America/Toronto",
        "BEGIN:DAYLIGHT", "TZOFFSETFROM:-0500", "TZOFFSETTO:-0400", "TZNAME:EDT", "DTSTART:19700308T020000",
        "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3", "END:DAYLIGHT",
        "BEGIN:STANDARD", "TZOFFSETFROM:-0400", "TZOFFSETTO:-0500", "TZNAME:EST", "DTSTART:19701101T020000",
        "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11", "END:STANDARD", "END:VTIMEZONE",
        "BEGIN:VEVENT", f"CREATED:{_utc(stamp)}", f"LAST-MODIFIED:{_utc(stamp)}", f"DTSTAMP:{_utc(stamp)}",
        f"UID:{invite.uid}", f"SUMMARY:{invite.summary}",
        f'ORGANIZER;CN="{invite.organizer_name}":mailto:{invite.organizer}',
    ]
    if delegated_to:
        lines.append(f'ATTENDEE;RSVP=TRUE;PARTSTAT=DELEGATED;ROLE=REQ-PARTICIPANT;DELEGATED-TO="mailto:{delegated_to}"'
                     f":mailto:{attendee}")
        lines.append(f'ATTENDEE;RSVP=TRUE;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;DELEGATED-FROM="mailto:'
                     f'{attendee}":mailto:{delegated_to}')
    else:
        lines.append(f"ATTENDEE;RSVP=TRUE;PARTSTAT={partstat};ROLE=REQ-PARTICIPANT:mailto:{attendee}")
    lines += [
        f"DTSTART;TZID=America/Toronto:{_local(invite.start, 'America/Toronto')}",
        f"DTEND;TZID=America/Toronto:{_local(invite.end, 'America/Toronto')}",
        f"SEQUENCE:{sequence}", "TRANSP:OPAQUE", "X-MOZ-RECEIVED-SEQUENCE:" + str(sequence),
        "X-MOZ-RECEIVED-DTSTAMP:" + _utc(stamp), "END:VEVENT", "END:VCALENDAR",
    ]
    calendar = _crlf(lines)
    boundary = "------------" + uuid.uuid4().hex[:24]
    word = WORDS["DELEGATED" if delegated_to else partstat]
    return _crlf([
        *_headers(invite, f"{word}: {invite.summary}", sender,
                  "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0"),
        "Content-Language: en-US",
        f'Content-Type: multipart/mixed; boundary="{boundary}"',
        "",
        "This is a multi-part message in MIME format.",
        f"--{boundary}",
        "Content-Type: text/plain; charset=UTF-8; format=flowed",
        "Content-Transfer-Encoding: 7bit",
        "",
        f"{invite.attendee_name} has {word.lower()} your event invitation.",
        "",
        f"--{boundary}",
        "Content-Type: text/calendar; charset=UTF-8; method=REPLY",
        "Content-Transfer-Encoding: 8bit",
        "",
        calendar,
        f"--{boundary}",
        'Content-Type: application/ics; name="invite.ics"',
        'Content-Disposition: attachment; filename="invite.ics"',
        "Content-Transfer-Encoding: base64",
        "",
        base64.encodebytes(calendar.encode()).decode().replace("\n", "\r\n").rstrip("\r\n"),
        "",
        f"--{boundary}--",
    ]).encode("utf-8")


def apple(invite: Invite, partstat: str = "ACCEPTED", *, stamp: datetime.datetime | None = None,
          sequence: int | None = None, sender: str | None = None, attendee: str | None = None) -> bytes:
    """Apple Calendar (macOS Mail): multipart/mixed with a text part and the calendar as a quoted-printable
    text/calendar attachment named iCal-<date>.ics; quoted CN and EMAIL parameters; REQUEST-STATUS."""
    sender = sender or invite.attendee
    attendee = attendee or invite.attendee
    stamp = stamp or _now()
    sequence = invite.sequence if sequence is None else sequence
    calendar = _crlf([
        "BEGIN:VCALENDAR", "METHOD:REPLY", "VERSION:2.0", "PRODID:-//Apple Inc.//macOS 14.5//EN",
        "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f'ATTENDEE;CN="{invite.attendee_name}";CUTYPE=INDIVIDUAL;EMAIL="{attendee}";PARTSTAT={partstat}:mailto:'
        f"{attendee}",
        f"DTEND:{_utc(invite.end)}", "TRANSP:OPAQUE",
        f'ORGANIZER;CN="{invite.organizer_name}":mailto:{invite.organizer}', f"UID:{invite.uid}",
        f"DTSTAMP:{_utc(stamp)}", f"SEQUENCE:{sequence}", f"SUMMARY:{invite.summary}",
        f"DTSTART:{_utc(invite.start)}", f"CREATED:{_utc(stamp)}", "REQUEST-STATUS:2.0;Success",
        "END:VEVENT", "END:VCALENDAR",
    ])
    boundary = "Apple-Mail=_" + str(uuid.uuid4()).upper()
    name = f"iCal-{stamp:%Y%m%d}-{stamp:%H%M%S}.ics"
    return _crlf([
        *_headers(invite, f"Invitation: {invite.summary} ({WORDS[partstat]})", sender,
                  "X-Mailer: Apple Mail (2.3774.600.62)"),
        f'Content-Type: multipart/mixed; boundary="{boundary}"',
        "",
        f"--{boundary}",
        "Content-Transfer-Encoding: 7bit",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        f"{invite.attendee_name} has {WORDS[partstat].lower()} this invitation.",
        f"--{boundary}",
        f'Content-Disposition: attachment; filename="{name}"',
        f'Content-Type: text/calendar; method=REPLY; name="{name}"; charset=utf-8',
        "Content-Transfer-Encoding: quoted-printable",
        "",
        quopri.encodestring(calendar.replace("\r\n", "\n").encode("utf-8")).decode("ascii").replace("\n", "\r\n"),
        f"--{boundary}--",
    ]).encode("utf-8")


def single_part(invite: Invite, calendar: str) -> bytes:
    """The plainest shape: one text/calendar part, 8bit, holding `calendar` as it is (for messages made wrong on
    purpose, which the apps' second copy of the calendar would otherwise make right)."""
    return _crlf([
        *_headers(invite, f"Reply: {invite.summary}", invite.attendee),
        "Content-Type: text/calendar; charset=UTF-8; method=REPLY",
        "Content-Transfer-Encoding: 8bit",
        "",
        calendar,
    ]).encode("utf-8", "surrogateescape")


def calendar_of(raw: bytes) -> str:
    """The calendar of a message made by `thunderbird()` (its inline part), as text."""
    text = raw.decode("utf-8")
    start = text.index("BEGIN:VCALENDAR")
    return text[start:text.index("END:VCALENDAR", start) + len("END:VCALENDAR")] + "\r\n"


APPS = {"Outlook": outlook, "Google Calendar": google, "Thunderbird": thunderbird, "Apple Calendar": apple}
