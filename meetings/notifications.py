"""What the meeting cycle tells people, and when: invitations, agenda notices, changes, cancellations,
approved minutes, reminders before meetings and of unanswered invitations, and action items due.

Every message is rendered for one recipient, in their language and time zone, and names only what they
may see (a restricted agenda item is never named to an agency outside its restriction).
"""

import datetime
import zoneinfo

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import User
from taskforce import deadlines, ical, notifications, permissions
from taskforce.models import Membership, NotificationKind, Reminder

from .models import ActionItem, AgendaChange, Invitation, Meeting, Rsvp

DEFAULT_REMINDER_DAYS = (7, 1)
RSVP_REMINDER_DAYS = 3
BEFORE = "meeting.before"
RSVP = "meeting.rsvp"
ACTION_DUE = "action_item.due"


# Who -------------------------------------------------------------------------------------------------


def audience(meeting: Meeting) -> list[User]:
    """The invitees (named, or through their agency) who are members of the body and may see it."""
    invited = Invitation.objects.filter(meeting=meeting)
    people = User.objects.filter(
        Q(pk__in=invited.filter(user__isnull=False).values("user_id"))
        | Q(agency__in=invited.filter(agency__isnull=False).values("agency_id")),
        pk__in=Membership.objects.filter(body_id=meeting.body_id).values("user_id"),
        is_active=True,
    ).select_related("agency")
    return [person for person in people if permissions.can_see(person, meeting)]


def _answers(meeting: Meeting) -> dict[int, Rsvp]:
    return {r.user_id: r for r in Rsvp.objects.filter(meeting=meeting)}


# What ------------------------------------------------------------------------------------------------


def meeting_url(meeting: Meeting) -> str:
    return notifications.absolute_url(reverse("meeting-detail", args=[meeting.pk]))


PARTSTAT = {
    Rsvp.Response.IN_PERSON: "ACCEPTED",
    Rsvp.Response.REMOTE: "ACCEPTED",
    Rsvp.Response.DECLINED: "DECLINED",
    Rsvp.Response.DELEGATE: "DELEGATED",
}


def meeting_event(meeting: Meeting, recipient: User, *, answers: dict[int, Rsvp] | None = None) -> ical.CalendarEvent:
    answer = (answers if answers is not None else _answers(meeting)).get(recipient.pk)
    location = ", ".join(part for part in [meeting.place, meeting.virtual_link] if part)
    return ical.CalendarEvent(
        uid=ical.uid("meeting", meeting.pk),
        summary=meeting.title,
        sequence=meeting.sequence,
        start=meeting.start,
        end=meeting.end,
        location=location,
        url=meeting_url(meeting),
        description=meeting_url(meeting),
        status="CANCELLED" if meeting.is_cancelled else "CONFIRMED",
        organizer_email=_organizer_email(),
        organizer_name=organizer_name(meeting),
        attendees=[ical.Attendee(recipient.email, str(recipient), PARTSTAT.get(answer.response if answer else "",
                                                                              "NEEDS-ACTION"))],
        last_modified=meeting.updated_at,
    )


def organizer_name(meeting: Meeting) -> str:
    # Translators: who sends a meeting's calendar invitations ("CBFTF secretariat").
    return _("%(body)s secretariat") % {"body": meeting.body.acronym}


def _organizer_email() -> str:
    from email.utils import parseaddr

    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "portal@localhost"


def _render(template: str, subject: str, meeting: Meeting, recipient: User, *, method: str = "", **context):
    from . import selectors

    items = [i for i in selectors.agenda_items(actor=recipient, meeting=meeting) if not i.withdrawn]
    local_zone = zoneinfo.ZoneInfo(recipient.time_zone)
    text = render_to_string(template, {
        "recipient": recipient, "meeting": meeting, "subject": subject, "items": items,
        "url": meeting_url(meeting), "own_zone": meeting.time_zone != recipient.time_zone,
        "meeting_zone": meeting.zone, "reader_zone": local_zone, **context,
    })
    ics = ical.calendar([meeting_event(meeting, recipient)], method=method) if method else ""
    return notifications.Message(subject=subject, text=text, url=meeting_url(meeting), ics=ics, ics_method=method)


def _when(meeting: Meeting) -> str:
    from django.utils.formats import date_format

    start = timezone.localtime(meeting.start)
    return date_format(start, "DATETIME_FORMAT")


# Notices ---------------------------------------------------------------------------------------------


def invitation(meeting: Meeting, people: list[User] | None = None) -> None:
    def render(user: User):
        subject = _("Invitation: %(title)s, %(when)s") % {"title": meeting.title, "when": _when(meeting)}
        return _render("emails/meeting_invitation.txt", subject, meeting, user, method="REQUEST")

    notifications.notify(
        kind=NotificationKind.MEETING, event_key=f"meeting:{meeting.pk}:invited:{meeting.sequence}",
        recipients=audience(meeting) if people is None else people, render=render,
        mandatory=meeting.body.meeting_changes_mandatory,
    )


def rescheduled(meeting: Meeting) -> None:
    def render(user: User):
        subject = _("Moved: %(title)s, now %(when)s") % {"title": meeting.title, "when": _when(meeting)}
        return _render("emails/meeting_changed.txt", subject, meeting, user, method="REQUEST")

    notifications.notify(
        kind=NotificationKind.MEETING, event_key=f"meeting:{meeting.pk}:moved:{meeting.sequence}",
        recipients=audience(meeting), render=render, mandatory=meeting.body.meeting_changes_mandatory,
    )


def cancelled(meeting: Meeting) -> None:
    def render(user: User):
        subject = _("Cancelled: %(title)s, %(when)s") % {"title": meeting.title, "when": _when(meeting)}
        return _render("emails/meeting_cancelled.txt", subject, meeting, user, method="CANCEL")

    notifications.notify(
        kind=NotificationKind.MEETING, event_key=f"meeting:{meeting.pk}:cancelled",
        recipients=audience(meeting), render=render, mandatory=meeting.body.meeting_changes_mandatory,
    )


def agenda_circulated(meeting: Meeting) -> None:
    def render(user: User):
        subject = _("Agenda circulated: %(title)s, %(when)s") % {"title": meeting.title, "when": _when(meeting)}
        return _render("emails/agenda_circulated.txt", subject, meeting, user)

    notifications.notify(
        kind=NotificationKind.AGENDA, event_key=f"meeting:{meeting.pk}:circulated",
        recipients=audience(meeting), render=render,
    )


def agenda_changed(change: AgendaChange) -> None:
    """Told only to those who may see the changed item."""
    meeting = change.item.meeting

    def render(user: User):
        subject = _("Agenda changed: %(title)s") % {"title": meeting.title}
        return _render("emails/agenda_changed.txt", subject, meeting, user, change=change)

    people = [person for person in audience(meeting) if permissions.can_see(person, change.item)]
    notifications.notify(
        kind=NotificationKind.AGENDA, event_key=f"agenda-change:{change.pk}", recipients=people, render=render
    )


def minutes_approved(meeting: Meeting) -> None:
    def render(user: User):
        subject = _("Minutes approved: %(title)s") % {"title": meeting.title}
        return _render("emails/minutes_approved.txt", subject, meeting, user)

    notifications.notify(
        kind=NotificationKind.AGENDA, event_key=f"meeting:{meeting.pk}:minutes", recipients=audience(meeting),
        render=render,
    )


# Reminders -------------------------------------------------------------------------------------------


def topic(meeting: Meeting) -> str:
    return f"meetings.meeting:{meeting.pk}"


def _days_before(meeting: Meeting) -> list[int]:
    return list(meeting.reminder_days or meeting.body.meeting_reminder_days or DEFAULT_REMINDER_DAYS)


def _before(meeting: Meeting, days: int) -> datetime.datetime:
    """The same wall-clock time `days` earlier in the meeting's zone (right across daylight saving)."""
    local = meeting.start.astimezone(meeting.zone)
    earlier = (local.replace(tzinfo=None) - datetime.timedelta(days=days)).replace(tzinfo=meeting.zone)
    return earlier.astimezone(datetime.UTC)


def reminders_replace(meeting: Meeting) -> None:
    """Recompute a meeting's reminders for its current time; reminders for an old time are dropped."""
    if meeting.is_cancelled:
        notifications.reminders_drop(topic=topic(meeting))
        return
    occurrence = meeting.start.astimezone(datetime.UTC).isoformat()
    notifications.reminders_replace(
        kind=BEFORE, topic=topic(meeting), occurrence=occurrence,
        due=[notifications.Due(f"{n}d", _before(meeting, n)) for n in _days_before(meeting)],
    )
    notifications.reminders_replace(
        kind=RSVP, topic=topic(meeting), occurrence=occurrence,
        due=[notifications.Due("rsvp", _before(meeting, RSVP_REMINDER_DAYS))],
    )


class _MeetingReminder:
    notification_kind = NotificationKind.MEETING_REMINDER

    def meeting(self, reminder: Reminder) -> Meeting | None:
        # Read once per reminder as it is processed (in one transaction), not once per recipient.
        if not hasattr(reminder, "_meeting"):
            pk = int(reminder.topic.split(":", 1)[1])
            reminder._meeting = Meeting.objects.select_related("body").filter(pk=pk).first()
        return reminder._meeting

    def is_current(self, reminder: Reminder) -> bool:
        meeting = self.meeting(reminder)
        return (
            meeting is not None
            and not meeting.is_cancelled
            and meeting.start.astimezone(datetime.UTC).isoformat() == reminder.occurrence
        )

    def is_too_late(self, reminder: Reminder, now: datetime.datetime) -> bool:
        # Documented rule: nobody is reminded of a meeting that has already started.
        return self.meeting(reminder).start <= now


class MeetingReminder(_MeetingReminder):
    """Before the meeting, to invitees who have not declined (or sent a delegate in their place)."""

    def recipients(self, reminder: Reminder) -> list[User]:
        meeting = self.meeting(reminder)
        answers = _answers(meeting)
        away = {Rsvp.Response.DECLINED, Rsvp.Response.DELEGATE}
        return [p for p in audience(meeting) if p.pk not in answers or answers[p.pk].response not in away]

    def render(self, reminder: Reminder, recipient: User) -> notifications.Message:
        meeting = self.meeting(reminder)
        subject = _("Reminder: %(title)s, %(when)s") % {"title": meeting.title, "when": _when(meeting)}
        return _render("emails/meeting_reminder.txt", subject, meeting, recipient, method="REQUEST")


class RsvpReminder(_MeetingReminder):
    """To invitees who have not answered yet."""

    def recipients(self, reminder: Reminder) -> list[User]:
        meeting = self.meeting(reminder)
        answered = set(_answers(meeting))
        return [p for p in audience(meeting) if p.pk not in answered]

    def render(self, reminder: Reminder, recipient: User) -> notifications.Message:
        meeting = self.meeting(reminder)
        subject = _("Please answer: %(title)s, %(when)s") % {"title": meeting.title, "when": _when(meeting)}
        return _render("emails/meeting_rsvp_reminder.txt", subject, meeting, recipient)


# Action items ------------------------------------------------------------------------------------------


def action_topic(action: ActionItem) -> str:
    return f"meetings.actionitem:{action.pk}"


def action_reminders_replace(action: ActionItem) -> None:
    open_ = action.status in (ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS)
    if not open_ or action.due_date is None:
        notifications.reminders_drop(topic=action_topic(action))
        return
    notifications.reminders_replace(
        kind=ACTION_DUE, topic=action_topic(action), occurrence=action.due_date.isoformat(),
        due=deadlines.schedule(action.due_date, days_before=(3,)),
    )


class ActionItemReminder:
    notification_kind = NotificationKind.ACTION_ITEM

    def action(self, reminder: Reminder) -> ActionItem | None:
        pk = int(reminder.topic.split(":", 1)[1])
        return ActionItem.objects.select_related("meeting__body", "owner", "owner_agency").filter(pk=pk).first()

    def is_current(self, reminder: Reminder) -> bool:
        action = self.action(reminder)
        return (
            action is not None
            and action.status in (ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS)
            and action.due_date is not None
            and action.due_date.isoformat() == reminder.occurrence
        )

    def is_too_late(self, reminder: Reminder, now: datetime.datetime) -> bool:
        return False

    def follow_up(self, reminder: Reminder, now: datetime.datetime):
        return deadlines.next_overdue(reminder, now)

    def recipients(self, reminder: Reminder) -> list[User]:
        action = self.action(reminder)
        if action.owner is not None:
            return [action.owner] if permissions.can_see(action.owner, action) else []
        return deadlines.owner_audience(action, action.meeting.body_id, action.owner_agency_id)

    def render(self, reminder: Reminder, recipient: User) -> notifications.Message:
        action = self.action(reminder)
        url = notifications.absolute_url(reverse("register"))
        subject = _("Action item %(when)s: %(text)s") % {
            "when": deadlines.when_phrase(reminder, action.due_date), "text": action.text[:80],
        }
        text = render_to_string("emails/action_item_due.txt", {
            "recipient": recipient, "subject": subject, "action": action, "url": url,
        })
        return notifications.Message(subject=subject, text=text, url=url)
