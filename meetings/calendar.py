"""A meeting as a calendar entry: the one mapping the schedule (API, feeds) and the invitations' .ics share.

`meeting_entry()` gives the schedule's entry of a meeting; `schedule.Entry.event()` turns any entry into the
calendar event a feed lists or an invitation carries. The organizer (the body's secretariat, at the address a calendar
app sends that attendee's answer to: meetings/reply_addresses.py), each attendee's answer (PARTSTAT) and the reminder
days are decided here, once."""

from email.utils import parseaddr

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from members.models import User
from notifications.models import NotificationKind
from taskforce import ical
from taskforce import schedule as core
from taskforce.addresses import absolute_url

from . import reply_addresses
from .models import Guest, Meeting, Rsvp

# Days before a meeting its invitees are reminded, unless the meeting or its body says otherwise.
DEFAULT_REMINDER_DAYS = (7, 1)

PARTSTAT = {
    Rsvp.Response.IN_PERSON: "ACCEPTED",
    Rsvp.Response.REMOTE: "ACCEPTED",
    Rsvp.Response.ATTENDING: "ACCEPTED",
    Rsvp.Response.TENTATIVE: "TENTATIVE",
    Rsvp.Response.DECLINED: "DECLINED",
    Rsvp.Response.DELEGATE: "DELEGATED",
}
GUEST_PARTSTAT = {
    Guest.Answer.IN_PERSON: "ACCEPTED",
    Guest.Answer.REMOTE: "ACCEPTED",
    Guest.Answer.ATTENDING: "ACCEPTED",
    Guest.Answer.TENTATIVE: "TENTATIVE",
    Guest.Answer.DECLINED: "DECLINED",
}


def meeting_url(meeting: Meeting) -> str:
    return absolute_url(reverse("meeting-detail", args=[meeting.pk]))


def reminder_days(meeting: Meeting) -> list[int]:
    return list(meeting.reminder_days or meeting.body.meeting_reminder_days or DEFAULT_REMINDER_DAYS)


def organizer_name(meeting: Meeting) -> str:
    # Translators: who sends a meeting's calendar invitations ("CBFTF secretariat").
    return _("%(body)s secretariat") % {"body": meeting.body.local_acronym}


def organizer_email() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "portal@localhost"


def organizer(meeting: Meeting, *, person: User | None = None, guest: Guest | None = None) -> ical.Attendee:
    """The secretariat as the organizer of the copy of the meeting `person` (or `guest`) gets: at their invitation's
    reply address, so that their calendar app's answer counts. A copy for nobody in particular names the portal's
    sending address."""
    if guest is not None:
        return ical.Attendee(reply_addresses.for_guest(guest.pk), organizer_name(meeting))
    if person is not None:
        return ical.Attendee(reply_addresses.for_member(meeting.pk, person.pk), organizer_name(meeting))
    return ical.Attendee(organizer_email(), organizer_name(meeting))


def attendee(person: User, answer: Rsvp | None) -> ical.Attendee:
    """`person` as an attendee, with their answer to the invitation (none yet: NEEDS-ACTION)."""
    return ical.Attendee(person.email, str(person), PARTSTAT.get(answer.response if answer else "", "NEEDS-ACTION"))


def guest_attendee(guest: Guest) -> ical.Attendee:
    return ical.Attendee(guest.email, guest.name, GUEST_PARTSTAT.get(guest.answer or "", "NEEDS-ACTION"))


def meeting_entry(meeting: Meeting, *, attendees: list[ical.Attendee] | None = None, description: str = "",
                  with_organizer: bool = True, organized: ical.Attendee | None = None) -> core.Entry:
    """The meeting in the schedule and on a calendar (`meeting.body` and `meeting.host_agency` loaded)."""
    return core.Entry(
        kind="meeting", id=meeting.pk, uid=ical.uid("meeting", meeting.pk), title=meeting.title,
        body=meeting.body.acronym, start=meeting.start, end=meeting.end, all_day=False,
        status=core.CANCELLED if meeting.is_cancelled else core.SCHEDULED, updated_at=meeting.updated_at,
        sequence=meeting.sequence, agencies=[meeting.host_agency.acronym] if meeting.host_agency else [],
        url=meeting_url(meeting), location=meeting.place, virtual_link=meeting.virtual_link,
        description=description, organizer=(organized or organizer(meeting)) if with_organizer else None,
        attendees=attendees or [],
        alarm_kind=NotificationKind.MEETING_REMINDER, alarm_minutes=[days * 24 * 60 for days in reminder_days(meeting)],
    )
