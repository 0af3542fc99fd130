"""iCalendar building blocks shared by email invitations and calendar feeds (RFC 5545 via `icalendar`):
stable UIDs, SEQUENCE, UTC times, CRLF line endings and folded lines come from the library."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from icalendar import Alarm, Calendar, Event, vCalAddress, vDuration, vText
from icalendar.parser import Contentline

PRODID = "-//Task force portal//EN"


@dataclass
class Attendee:
    email: str
    name: str
    partstat: str = "NEEDS-ACTION"  # ACCEPTED, DECLINED, TENTATIVE, DELEGATED


@dataclass
class CalendarEvent:
    uid: str
    summary: str
    sequence: int = 0
    start: datetime.datetime | datetime.date | None = None
    end: datetime.datetime | datetime.date | None = None
    description: str = ""
    location: str = ""
    url: str = ""
    status: str = "CONFIRMED"  # or CANCELLED
    organizer_email: str = ""
    organizer_name: str = ""
    attendees: list[Attendee] = field(default_factory=list)
    last_modified: datetime.datetime | None = None
    alarms_minutes_before: list[int] = field(default_factory=list)
    alarms_related_end: bool = False


def uid(kind: str, pk: int) -> str:
    domain = settings.PORTAL_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "taskforce.local"
    return f"{kind}-{pk}@{domain}"


def _utc(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC)
    return value


def _attendee(person: Attendee) -> vCalAddress:
    attendee = vCalAddress(f"mailto:{person.email}")
    attendee.params["cn"] = vText(person.name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText(person.partstat)
    return attendee


def _organizer(email: str, name: str) -> vCalAddress:
    organizer = vCalAddress(f"mailto:{email}")
    organizer.params["cn"] = vText(name or email)
    return organizer


def attendee_line(person: Attendee) -> str:
    """The ATTENDEE line `calendar()` writes for this person, folded as it folds it: for filling one calendar
    rendered for many readers in for each of them."""
    return _folded("ATTENDEE", _attendee(person))


def organizer_line(email: str, name: str) -> str:
    """The ORGANIZER line `calendar()` writes, folded as it folds it (as `attendee_line`)."""
    return _folded("ORGANIZER", _organizer(email, name))


def _folded(name: str, address: vCalAddress) -> str:
    line = Contentline.from_parts(name, address.params, address, sorted=True)
    if line.isascii() and "\\" not in line and "^" not in line:
        # The library's folding of such a line, without its character-by-character loop: 74 octets a line.
        return "\r\n ".join(line[start:start + 74] for start in range(0, len(line), 74))
    return line.to_ical().decode("utf-8")


def _event(item: CalendarEvent, stamp: datetime.datetime) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", _utc(stamp))
    event.add("sequence", item.sequence)
    event.add("summary", item.summary)
    event.add("status", item.status)
    if item.start is not None:
        event.add("dtstart", _utc(item.start))
    if item.end is not None:
        event.add("dtend", _utc(item.end))
    if item.description:
        event.add("description", item.description)
    if item.location:
        event.add("location", item.location)
    if item.url:
        event.add("url", item.url)
    if item.last_modified:
        event.add("last-modified", _utc(item.last_modified))
    if item.organizer_email:
        event.add("organizer", _organizer(item.organizer_email, item.organizer_name), encode=0)
    for person in item.attendees:
        event.add("attendee", _attendee(person), encode=0)
    for minutes in item.alarms_minutes_before:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", item.summary)
        if item.alarms_related_end:
            # Before the last day of an all-day span: the end is the day after it.
            alarm.add("trigger", datetime.timedelta(minutes=-minutes - 24 * 60), parameters={"RELATED": "END"})
        else:
            alarm.add("trigger", datetime.timedelta(minutes=-minutes))
        event.add_component(alarm)
    return event


def calendar(
    events: list[CalendarEvent],
    *,
    method: str | None = None,
    name: str = "",
    refresh_minutes: int | None = None,
    stamp: datetime.datetime | None = None,
) -> str:
    """A VCALENDAR with times in UTC (no VTIMEZONE needed), as text with CRLF line endings."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    if refresh_minutes:
        cal.add("refresh-interval", datetime.timedelta(minutes=refresh_minutes), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(datetime.timedelta(minutes=refresh_minutes)))
    stamp = stamp or datetime.datetime.now(datetime.UTC)
    for item in events:
        cal.add_component(_event(item, stamp))
    return cal.to_ical().decode("utf-8")
