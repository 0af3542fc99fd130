"""What the meeting cycle tells people, and when: invitations, agenda notices, changes, cancellations,
approved minutes, reminders before meetings and of unanswered invitations, and action items due.

Every message is rendered for one recipient, in their language and time zone, and names only what they
may see (a restricted agenda item is never named to an agency outside its restriction).
"""

import abc
import dataclasses
import datetime
import hashlib
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.models import User
from notifications import deadlines, engine
from notifications.models import Delivery, Notification, NotificationKind, Reminder
from taskforce import ical, parsing, permissions
from taskforce.addresses import absolute_url

from . import calendar
from .models import ActionItem, AgendaChange, AgendaItem, Guest, Meeting, Paper, Rsvp

RSVP_REMINDER_DAYS = 3
BEFORE = "meeting.before"
RSVP = "meeting.rsvp"
ACTION_DUE = "action_item.due"
REORDERED = "agenda.reordered"
MINUTES_COMMENTS = "minutes.comments"
# Moves made together reach members as one notice: it goes once the agenda has been left alone this long.
REORDER_QUIET = datetime.timedelta(minutes=3)


# Who -------------------------------------------------------------------------------------------------


def audience(meeting: Meeting) -> list[User]:
    """The invitees who may see the meeting: those it is shared with, by agency or by name, as members of its body."""
    return list(permissions.readers(meeting, shared=True).select_related("agency"))


def audiences(meetings: list[Meeting]) -> dict[int, list[User]]:
    """`audience()` of many meetings at once, by meeting pk, in a constant number of queries."""
    return permissions.readers_of_each(Meeting, [m.pk for m in meetings], shared=True)


def _answers(meeting: Meeting) -> dict[int, Rsvp]:
    return {r.user_id: r for r in Rsvp.objects.filter(meeting=meeting)}


# What ------------------------------------------------------------------------------------------------


def meeting_event(meeting: Meeting, recipient: User, *, answers: dict[int, Rsvp] | None = None) -> ical.CalendarEvent:
    """The recipient's copy of the meeting: them as its one attendee, with their answer, and the organizer at their
    invitation's reply address."""
    answer = (answers if answers is not None else _answers(meeting)).get(recipient.pk)
    return _event(meeting, calendar.attendee(recipient, answer), calendar.organizer(meeting, person=recipient))


def _event(meeting: Meeting, attendee: ical.Attendee, organizer: ical.Attendee) -> ical.CalendarEvent:
    return calendar.meeting_entry(meeting, attendees=[attendee], organized=organizer).event()


def _render(
    template: str, subject: str, meeting: Meeting, recipient: User, *, method: str = "",
    items: list[AgendaItem] | None = None, **context,
):
    """One recipient's message, listing the agenda as they may see it (`items`: theirs, numbered, when the caller
    has read them already)."""
    from . import selectors

    if items is None:
        items = list(selectors.agenda_items(actor=recipient, meeting=meeting))
    items = [i for i in items if not i.withdrawn]
    local_zone = zoneinfo.ZoneInfo(recipient.time_zone)
    text = render_to_string(template, {
        "recipient": recipient, "meeting": meeting, "subject": subject, "items": items,
        "url": calendar.meeting_url(meeting), "own_zone": meeting.time_zone != recipient.time_zone,
        "meeting_zone": meeting.zone, "reader_zone": local_zone, **context,
    })
    ics = ical.calendar([meeting_event(meeting, recipient)], method=method) if method else ""
    return engine.Message(subject=subject, text=text, url=calendar.meeting_url(meeting), ics=ics, ics_method=method)


# Rendering once for many readers: those who read the same language in the same time zone and may see the same
# agenda get one rendering, with their name and calendar attendee line filled in for each.
NAME_MARK = "\x00name\x00"
ATTENDEE_MARK = ical.Attendee("attendee@placeholder.invalid", "attendee", "NEEDS-ACTION")
ORGANIZER_MARK = ical.Attendee("organizer@placeholder.invalid", "organizer")


def _reader_class(recipient: User) -> tuple[str, str]:
    return (recipient.language or settings.LANGUAGE_CODE, recipient.time_zone)


def _render_shared(
    template: str, subject: str, meeting: Meeting, reader: User, items: list, *, method: str = "", **context
) -> engine.Message:
    """`_render()` for everyone reading as `reader` does and seeing `items`, with marks where the name and the
    attendee line go."""
    stand_in = User(first_name=NAME_MARK, username=NAME_MARK, time_zone=reader.time_zone, language=reader.language)
    local_zone = zoneinfo.ZoneInfo(reader.time_zone)
    text = render_to_string(template, {
        "recipient": stand_in, "meeting": meeting, "subject": subject, "items": items,
        "url": calendar.meeting_url(meeting), "own_zone": meeting.time_zone != reader.time_zone,
        "meeting_zone": meeting.zone, "reader_zone": local_zone, **context,
    })
    ics = ical.calendar([_event(meeting, ATTENDEE_MARK, ORGANIZER_MARK)], method=method) if method else ""
    return engine.Message(subject=subject, text=text, url=calendar.meeting_url(meeting), ics=ics, ics_method=method)


_ATTENDEE_MARK_LINE = ical.attendee_line(ATTENDEE_MARK)
_ORGANIZER_MARK_LINE = ical.organizer_line(ORGANIZER_MARK.email, ORGANIZER_MARK.name)


def _personal(shared: engine.Message, recipient: User, answer: Rsvp | None, meeting: Meeting) -> engine.Message:
    text = shared.text.replace(NAME_MARK, recipient.first_name or recipient.username)
    ics = shared.ics
    if ics:
        ics = ics.replace(_ATTENDEE_MARK_LINE, ical.attendee_line(calendar.attendee(recipient, answer)))
        # At this recipient's reply address, named in their language.
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            organizer = calendar.organizer(meeting, person=recipient)
        ics = ics.replace(_ORGANIZER_MARK_LINE, ical.organizer_line(organizer.email, organizer.name))
    return engine.Message(
        subject=shared.subject, text=text, url=shared.url, html=shared.html, ics=ics, ics_method=shared.ics_method
    )


def _render_by_class(
    template: str, subject: Callable[[], str], meeting: Meeting, recipients: list[User], items: list[AgendaItem],
    visible: dict[int, set[int]], answers: dict[int, Rsvp], *, method: str = "", **context,
) -> dict[int, engine.Message]:
    """Each recipient's message, rendered once per reader class (language, time zone, which of the meeting's `items`
    they may see, by `visible`) and then made theirs: their name, their calendar answer, their reply address."""
    from . import selectors

    classes: dict[tuple, list[User]] = {}
    for user in recipients:
        may_see = visible.get(user.pk, ())
        seen = tuple(item.pk for item in items if item.pk in may_see)
        classes.setdefault((*_reader_class(user), seen), []).append(user)
    messages = {}
    for (_language, _zone, seen), members in classes.items():
        shown = [item for item in selectors.numbered(items, set(seen)) if not item.withdrawn]
        shared = engine.as_reader(members[0], lambda reader=members[0], shown=shown: _render_shared(
            template, subject(), meeting, reader, shown, method=method, **context
        ))
        for user in members:
            messages[user.pk] = _personal(shared, user, answers.get(user.pk), meeting)
    return messages


def _render_each(
    template: str, subject: Callable[[], str], meeting: Meeting, *, method: str = "", **context
) -> Callable[[list[User]], dict[int, engine.Message]]:
    """`_render()` for every recipient of a notice at once (engine.notify's `render_all`): the agenda and who may see
    which item read in a few queries, the message rendered once per reader class (language, time zone, the items
    they may see), then each one's name, answer and reply address filled in. The same text as `_render()` gives;
    `subject` is worked out in each class's language."""

    def render_all(recipients: list[User]) -> dict[int, engine.Message]:
        # Withdrawn items too: they hold their number in each reader's numbering, as on the agenda page.
        items = list(AgendaItem.objects.filter(meeting=meeting).order_by("position", "pk"))
        visible = permissions.visible_to_each(
            AgendaItem, [(user, [item.pk for item in items]) for user in recipients]
        ) if items else {}
        answers = _answers(meeting) if method else {}
        return _render_by_class(
            template, subject, meeting, recipients, items, visible, answers, method=method, **context
        )

    return render_all


def _when(meeting: Meeting) -> str:
    from taskforce.dates import date_format

    start = timezone.localtime(meeting.start)
    return date_format(start, "DATETIME_FORMAT")


# Notices ---------------------------------------------------------------------------------------------


def anyone_told(meeting: Meeting) -> bool:
    """Whether anyone has been told anything of the meeting: an invitation, an agenda, a change or a reminder (a
    guest, who has no notices, by email)."""
    if Delivery.objects.filter(recipient__isnull=True, key__startswith=f"event:meeting:{meeting.pk}:").exists():
        return True
    return Notification.objects.filter(
        Q(event_key__startswith=f"meeting:{meeting.pk}:") | Q(event_key__contains=f":{topic(meeting)}:")
        | Q(event_key__in=[f"agenda-change:{pk}" for pk in AgendaChange.objects.filter(
            item__meeting=meeting).values_list("pk", flat=True)])
    ).exists()



def package_url(meeting: Meeting) -> str:
    """The page of the reader's meeting package: the agenda and papers they may read, in one PDF."""
    return absolute_url(reverse("meeting-package", args=[meeting.pk]))


def invitation(meeting: Meeting, people: list[User] | None = None) -> None:
    def subject() -> str:
        return _("Invitation: %(title)s, %(when)s") % {"title": meeting.title, "when": _when(meeting)}

    engine.notify(
        kind=NotificationKind.MEETING, event_key=f"meeting:{meeting.pk}:invited:{meeting.sequence}",
        recipients=audience(meeting) if people is None else people,
        render_all=_render_each(
            "emails/meeting_invitation.txt", subject, meeting, method="REQUEST", package_url=package_url(meeting)
        ),
        mandatory=meeting.body.meeting_changes_mandatory,
    )


def rescheduled(meeting: Meeting) -> None:
    def subject() -> str:
        return _("Moved: %(title)s, now %(when)s") % {"title": meeting.title, "when": _when(meeting)}

    engine.notify(
        kind=NotificationKind.MEETING, event_key=f"meeting:{meeting.pk}:moved:{meeting.sequence}",
        recipients=audience(meeting), render_all=_render_each("emails/meeting_changed.txt", subject, meeting,
                                                              method="REQUEST"),
        mandatory=meeting.body.meeting_changes_mandatory,
    )


def cancelled(meeting: Meeting) -> None:
    def subject() -> str:
        return _("Cancelled: %(title)s, %(when)s") % {"title": meeting.title, "when": _when(meeting)}

    engine.notify(
        kind=NotificationKind.MEETING, event_key=f"meeting:{meeting.pk}:cancelled",
        recipients=audience(meeting), render_all=_render_each("emails/meeting_cancelled.txt", subject, meeting,
                                                              method="CANCEL"),
        mandatory=meeting.body.meeting_changes_mandatory,
    )


# Guests -----------------------------------------------------------------------------------------------
# People without an account, invited by name: told by email only (engine.notify_addresses, the same deliveries, sent
# and retried as members' are), in their language and in the meeting's time zone, each message with their link.
# Their calendar entry is the members' (the same UID and SEQUENCE), with them as its one attendee.

def _addressee(guest: Guest, meeting: Meeting) -> engine.Addressee:
    return engine.Addressee(
        key=f"guest:{guest.pk}", address=guest.email, language=guest.language, time_zone=meeting.time_zone
    )


def guest_event(meeting: Meeting, guest: Guest, *, sequence: int | None = None) -> ical.CalendarEvent:
    from .guest_links import url_for

    entry = calendar.meeting_entry(
        meeting, attendees=[calendar.guest_attendee(guest)], organized=calendar.organizer(meeting, guest=guest)
    )
    # The guest's link, never the members' page, which they cannot open.
    entry = dataclasses.replace(entry, url=url_for(guest))
    event = entry.event()
    if sequence is not None:
        # Removed from a meeting that goes on: their copy is cancelled, at a sequence above their last invitation.
        event.sequence, event.status = sequence, "CANCELLED"
    return event


def _guest_message(
    template: str, subject: str, meeting: Meeting, guest: Guest, *, method: str, sequence: int | None = None,
    **context,
) -> engine.Message:
    from .guest_links import url_for

    link = url_for(guest)
    text = render_to_string(template, {
        "guest": guest, "meeting": meeting, "link": link, "own_zone": False, "reader_zone": meeting.zone,
        "meeting_zone": meeting.zone, **context,
    })
    ics = ical.calendar([guest_event(meeting, guest, sequence=sequence)], method=method)
    return engine.Message(subject=subject, text=text, url=link, ics=ics, ics_method=method)


def _tell_guests(meeting: Meeting, guests: list[Guest], event: str, render) -> None:
    by_key = {f"guest:{guest.pk}": guest for guest in guests}
    engine.notify_addresses(
        kind=NotificationKind.MEETING, event_key=f"meeting:{meeting.pk}:{event}",
        addressees=[_addressee(guest, meeting) for guest in guests],
        render=lambda person: render(by_key[person.key]), body_id=meeting.body_id,
    )


def guest_invited(guest: Guest) -> None:
    """The invitation, with the guest's link (again, with a new link, when the secretariat sends one)."""
    meeting = guest.meeting

    def render(guest: Guest) -> engine.Message:
        subject = _("Invitation: %(title)s, %(when)s") % {"title": meeting.title, "when": _when(meeting)}
        return _guest_message("emails/guest_invitation.txt", subject, meeting, guest, method="REQUEST")

    _tell_guests(meeting, [guest], f"guest-invited:{guest.pk}:{guest.link_version}:{meeting.sequence}", render)


def guests_rescheduled(meeting: Meeting) -> None:
    def render(guest: Guest) -> engine.Message:
        subject = _("Moved: %(title)s, now %(when)s") % {"title": meeting.title, "when": _when(meeting)}
        return _guest_message("emails/guest_changed.txt", subject, meeting, guest, method="REQUEST")

    _tell_guests(meeting, list(meeting.guests.all()), f"guests-moved:{meeting.sequence}", render)


def guests_cancelled(meeting: Meeting) -> None:
    def render(guest: Guest) -> engine.Message:
        subject = _("Cancelled: %(title)s, %(when)s") % {"title": meeting.title, "when": _when(meeting)}
        return _guest_message("emails/guest_cancelled.txt", subject, meeting, guest, method="CANCEL")

    _tell_guests(meeting, list(meeting.guests.all()), "guests-cancelled", render)


def guest_removed(guest: Guest, *, sequence: int) -> None:
    """A CANCEL for the guest alone (the meeting stays on for everyone else), at `sequence`: above any invitation they
    were sent, so that their calendar takes it."""
    meeting = guest.meeting

    def render(guest: Guest) -> engine.Message:
        subject = _("No longer invited: %(title)s, %(when)s") % {"title": meeting.title, "when": _when(meeting)}
        return _guest_message(
            "emails/guest_cancelled.txt", subject, meeting, guest, method="CANCEL", sequence=sequence, removed=True
        )

    _tell_guests(meeting, [guest], f"guest-removed:{guest.pk}", render)


def agenda_circulated(meeting: Meeting) -> None:
    def subject() -> str:
        return _("Agenda circulated: %(title)s, %(when)s") % {"title": meeting.title, "when": _when(meeting)}

    engine.notify(
        kind=NotificationKind.AGENDA, event_key=f"meeting:{meeting.pk}:circulated",
        recipients=audience(meeting), render_all=_render_each("emails/agenda_circulated.txt", subject, meeting),
    )


def time_proposed(meeting: Meeting, proposer: str) -> None:
    """Tell the body's secretariat that an invitee proposed another time from their calendar (never applied)."""
    proposal = meeting.time_proposals.order_by("-received_at", "-pk").first()

    def render(user: User):
        subject = _("Another time proposed: %(title)s") % {"title": meeting.title}
        return _render(
            "emails/time_proposed.txt", subject, meeting, user, proposer=proposer, proposal_start=proposal.start,
            proposal_end=proposal.end, comment=proposal.comment,
        )

    engine.notify(
        kind=NotificationKind.MEETING,
        event_key=f"meeting:{meeting.pk}:proposal:{proposal.pk}:{proposal.stamp.timestamp():.0f}",
        recipients=permissions.secretariat_of(meeting.body_id).select_related("agency"), render=render,
    )


def agenda_changed(change: AgendaChange) -> None:
    """Told only to those the change reaches (meetings.selectors.agenda_changes: who may see the changed item and
    what the change touches), naming the item by its number in each one's numbering."""
    from . import selectors

    meeting = change.item.meeting
    # A replaced paper is named with its new version: the change reaches only those who may read it.
    paper = _paper_named(change) if change.kind == AgendaChange.Kind.PAPER_REPLACED else None

    def render(user: User):
        subject = _("Agenda changed: %(title)s") % {"title": meeting.title}
        items = list(selectors.agenda_items(actor=user, meeting=meeting))
        number = next(item.number for item in items if item.pk == change.item_id)
        return _render(
            "emails/agenda_changed.txt", subject, meeting, user, items=items, change=change, item_number=number,
            paper=paper,
        )

    def reached(person: User) -> bool:
        return selectors.agenda_changes(actor=person, meeting=meeting).filter(pk=change.pk).exists()

    engine.notify(
        kind=NotificationKind.AGENDA, event_key=f"agenda-change:{change.pk}",
        recipients=[person for person in audience(meeting) if reached(person)], render=render,
    )


def _paper_named(change: AgendaChange) -> Paper | None:
    from . import selectors

    pk = parsing.object_id(change.summary.removeprefix(selectors.PAPER_MARK))
    return Paper.objects.filter(pk=pk, item_id=change.item_id).first() if pk else None


def agenda_reordered(change: AgendaChange) -> None:
    """A move is told later, with the moves made after it: the meeting's pending reordering notice (a reminder row,
    sent by the sweep) waits until REORDER_QUIET after the last move. A move made once the sweep has claimed it
    starts the next one."""
    pending = Reminder.objects.filter(kind=REORDERED, topic=topic(change.item.meeting), status=Reminder.Status.PENDING)
    due = change.changed_at + REORDER_QUIET
    if not pending.update(due_at=due):
        Reminder.objects.create(
            kind=REORDERED, topic=topic(change.item.meeting), label="moves", occurrence=str(change.pk), due_at=due
        )


class AgendaReordered:
    """The moves of one reordering, told to each reader they reach (meetings.selectors.agenda_changes), naming only
    the items they may see, by their number in each one's numbering, with the agenda as it now stands."""

    notification_kind = NotificationKind.AGENDA

    def meeting(self, reminder: Reminder) -> Meeting | None:
        if not hasattr(reminder, "_meeting"):
            pk = int(reminder.topic.split(":", 1)[1])
            reminder._meeting = Meeting.objects.select_related("body").filter(pk=pk).first()
        return reminder._meeting

    def moves(self, reminder: Reminder) -> list[int]:
        """The moves made from the one that opened this reordering until it fell due."""
        return list(AgendaChange.objects.filter(
            item__meeting=self.meeting(reminder), kind=AgendaChange.Kind.MOVED, pk__gte=int(reminder.occurrence),
            changed_at__lte=reminder.due_at,
        ).values_list("pk", flat=True))

    def is_current(self, reminder: Reminder) -> bool:
        meeting = self.meeting(reminder)
        return meeting is not None and not meeting.is_cancelled

    def is_too_late(self, reminder: Reminder, now: datetime.datetime) -> bool:
        return self.meeting(reminder).start <= now

    def _seen(self, reminder: Reminder, person: User) -> list[AgendaChange]:
        from . import selectors

        return list(selectors.agenda_changes(actor=person, meeting=self.meeting(reminder)).filter(
            pk__in=self.moves(reminder)
        ))

    def recipients(self, reminder: Reminder) -> list[User]:
        return [person for person in audience(self.meeting(reminder)) if self._seen(reminder, person)]

    def render(self, reminder: Reminder, recipient: User) -> engine.Message:
        from . import selectors

        meeting = self.meeting(reminder)
        moved = {change.item_id for change in self._seen(reminder, recipient)}
        items = list(selectors.agenda_items(actor=recipient, meeting=meeting))
        subject = _("Agenda reordered: %(title)s") % {"title": meeting.title}
        return _render(
            "emails/agenda_reordered.txt", subject, meeting, recipient, items=items,
            moved=[item for item in items if item.pk in moved],
        )


def minutes_approved(meeting: Meeting) -> None:
    def render(user: User):
        subject = _("Minutes approved: %(title)s") % {"title": meeting.title}
        return _render("emails/minutes_approved.txt", subject, meeting, user)

    engine.notify(
        kind=NotificationKind.AGENDA, event_key=f"meeting:{meeting.pk}:minutes", recipients=audience(meeting),
        render=render,
    )


def minutes_audience(meeting: Meeting) -> list[User]:
    """The attendees who may still see the meeting: those the draft minutes go to."""
    attended = meeting.attendance.values("user_id")
    return list(permissions.readers(meeting).filter(pk__in=attended).select_related("agency"))


def minutes_circulated(meeting: Meeting) -> None:
    """To the attendees, each with the draft minutes of the items they may see; reminders before the deadline."""
    texts = meeting.items.order_by("pk").values_list("pk", "minutes")
    draft = hashlib.sha256(repr(list(texts)).encode("utf-8")).hexdigest()[:16]

    def render(user: User):
        subject = _("Draft minutes for your comments: %(title)s") % {"title": meeting.title}
        return _render("emails/minutes_circulated.txt", subject, meeting, user, minutes_url=absolute_url(
            reverse("minutes-review", args=[meeting.pk])
        ))

    engine.notify(
        kind=NotificationKind.AGENDA,
        # One event per draft and deadline: circulating the same draft with the same deadline again (a double click)
        # tells nobody twice; a revised draft or a new deadline is told again.
        event_key=f"meeting:{meeting.pk}:minutes-circulated:{meeting.minutes_comments_until.isoformat()}:{draft}",
        recipients=minutes_audience(meeting), render=render,
    )
    engine.reminders_replace(
        kind=MINUTES_COMMENTS, topic=minutes_topic(meeting), occurrence=meeting.minutes_comments_until.isoformat(),
        due=[
            due for due in (
                engine.Due("2d", deadlines.send_at(meeting.minutes_comments_until - datetime.timedelta(days=2))),
                engine.Due("0d", deadlines.send_at(meeting.minutes_comments_until)),
            ) if due.at > timezone.now()
        ],
    )


def minutes_topic(meeting: Meeting) -> str:
    return f"meetings.minutes:{meeting.pk}"


class MinutesCommentReminder(deadlines.DeadlineReminder):
    """Before the deadline for comments on circulated draft minutes, to the attendees who may see the meeting; none
    once the minutes are approved, the deadline moved or passed."""

    notification_kind = NotificationKind.DEADLINE
    model = Meeting
    related = ("body",)

    def is_open(self, meeting: Meeting) -> bool:
        return meeting.minutes_status == Meeting.MinutesStatus.CIRCULATED and not meeting.is_cancelled

    def due_date(self, meeting: Meeting) -> datetime.date | None:
        return meeting.minutes_comments_until

    def is_too_late(self, reminder: Reminder, now: datetime.datetime) -> bool:
        meeting = self.record(reminder)
        return meeting is None or meeting.minutes_comments_until < timezone.localdate(now, timezone=meeting.zone)

    def follow_up(self, reminder: Reminder, now: datetime.datetime) -> engine.Due | None:
        return None  # past the deadline, nobody is told to comment

    def audiences(self, meetings: list[Meeting]) -> dict[int, list[User]]:
        return {meeting.pk: minutes_audience(meeting) for meeting in meetings}

    def render(self, reminder: Reminder, recipient: User) -> engine.Message:
        meeting = self.record(reminder)
        subject = _("Draft minutes of %(title)s: the deadline for comments %(when)s") % {
            "when": deadlines.when_phrase(reminder, meeting.minutes_comments_until), "title": meeting.title,
        }
        return _render("emails/minutes_comment_reminder.txt", subject, meeting, recipient, minutes_url=absolute_url(
            reverse("minutes-review", args=[meeting.pk])
        ))


# Reminders -------------------------------------------------------------------------------------------


def topic(meeting: Meeting) -> str:
    return f"meetings.meeting:{meeting.pk}"


def _days_before(meeting: Meeting) -> list[int]:
    return calendar.reminder_days(meeting)


def _before(meeting: Meeting, days: int) -> datetime.datetime:
    """The same wall-clock time `days` earlier in the meeting's zone (right across daylight saving)."""
    local = meeting.start.astimezone(meeting.zone)
    earlier = (local.replace(tzinfo=None) - datetime.timedelta(days=days)).replace(tzinfo=meeting.zone)
    return earlier.astimezone(datetime.UTC)


def reminders_replace(meeting: Meeting) -> None:
    """Recompute a meeting's reminders for its current time; reminders for an old time are dropped."""
    if meeting.is_cancelled:
        engine.reminders_drop(topic=topic(meeting))
        return
    occurrence = meeting.start.astimezone(datetime.UTC).isoformat()
    engine.reminders_replace(
        kind=BEFORE, topic=topic(meeting), occurrence=occurrence,
        due=[engine.Due(f"{n}d", _before(meeting, n)) for n in _days_before(meeting)],
    )
    engine.reminders_replace(
        kind=RSVP, topic=topic(meeting), occurrence=occurrence,
        due=[engine.Due("rsvp", _before(meeting, RSVP_REMINDER_DAYS))],
    )


def reminders_forget(meeting: Meeting) -> None:
    """Drop the reminders of a meeting that is being deleted."""
    engine.reminders_drop(topic=topic(meeting))


class _MeetingReminder(abc.ABC):
    notification_kind = NotificationKind.MEETING_REMINDER
    # Whether the message lists the agenda (what each reader may see of it).
    with_agenda = False

    def prepare(self, reminders: list[Reminder]) -> None:
        """Read, for a batch of reminders at once, their meetings, audiences, answers and (for those that list the
        agenda) the agenda items each recipient may see."""
        pks = {int(r.topic.split(":", 1)[1]) for r in reminders}
        meetings = {m.pk: m for m in Meeting.objects.select_related("body", "host_agency").filter(pk__in=pks)}
        live = [m for m in meetings.values() if not m.is_cancelled]
        people = audiences(live)
        answers: dict[int, dict[int, Rsvp]] = {m.pk: {} for m in live}
        for answer in Rsvp.objects.filter(meeting__in=live):
            answers[answer.meeting_id][answer.user_id] = answer
        items: dict[int, list[AgendaItem]] = {m.pk: [] for m in live}
        visible: dict[int, set[int]] = {}
        if self.with_agenda:
            # Withdrawn items too: they hold their number in each reader's numbering, as on the agenda page.
            for item in AgendaItem.objects.filter(meeting__in=live).order_by("meeting", "position", "pk"):
                items[item.meeting_id].append(item)
            visible = permissions.visible_to_each(
                AgendaItem,
                [(p, [item.pk for item in items[m.pk]]) for m in live
                 for p in self.recipients_among(people[m.pk], answers[m.pk])],
            )
        for reminder in reminders:
            meeting = meetings.get(int(reminder.topic.split(":", 1)[1]))
            reminder._meeting = meeting
            if meeting is not None and meeting.pk in people:
                reminder._audience = people[meeting.pk]
                reminder._answers = answers[meeting.pk]
                reminder._items = items[meeting.pk]
                reminder._visible = visible

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

    def recipients(self, reminder: Reminder) -> list[User]:
        if hasattr(reminder, "_audience"):
            return self.recipients_among(reminder._audience, reminder._answers)
        meeting = self.meeting(reminder)
        return self.recipients_among(audience(meeting), _answers(meeting))

    @abc.abstractmethod
    def recipients_among(self, people: list[User], answers: dict[int, Rsvp]) -> list[User]:
        """Who of the meeting's audience this kind of reminder goes to."""

    @abc.abstractmethod
    def subject(self, meeting: Meeting) -> str:
        """The subject line, in the reader's language."""

    template = ""  # the email's template
    method = ""  # the calendar attachment's method ("" for none)

    def render(self, reminder: Reminder, recipient: User) -> engine.Message:
        meeting = self.meeting(reminder)
        return _render(self.template, self.subject(meeting), meeting, recipient, method=self.method)

    def render_all(self, reminder: Reminder, recipients: list[User]) -> dict[int, engine.Message]:
        """Every recipient's message, rendered once per reader class (language, time zone, the agenda items they
        may see) with each one's name and calendar answer filled in: the same text as `render()` gives."""
        meeting = self.meeting(reminder)
        return _render_by_class(
            self.template, lambda: self.subject(meeting), meeting, recipients,
            reminder._items if self.with_agenda else [], reminder._visible, reminder._answers, method=self.method,
        )


class MeetingReminder(_MeetingReminder):
    """Before the meeting, to invitees who have not declined (or sent a delegate in their place)."""

    with_agenda = True
    template = "emails/meeting_reminder.txt"
    method = "REQUEST"

    def recipients_among(self, people: list[User], answers: dict[int, Rsvp]) -> list[User]:
        away = {Rsvp.Response.DECLINED, Rsvp.Response.DELEGATE}
        return [p for p in people if p.pk not in answers or answers[p.pk].response not in away]

    def subject(self, meeting: Meeting) -> str:
        return _("Reminder: %(title)s, %(when)s") % {"title": meeting.title, "when": _when(meeting)}


class RsvpReminder(_MeetingReminder):
    """To invitees who have not answered yet."""

    template = "emails/meeting_rsvp_reminder.txt"

    def recipients_among(self, people: list[User], answers: dict[int, Rsvp]) -> list[User]:
        return [p for p in people if p.pk not in answers]

    def subject(self, meeting: Meeting) -> str:
        return _("Please answer: %(title)s, %(when)s") % {"title": meeting.title, "when": _when(meeting)}


# Action items ------------------------------------------------------------------------------------------


def action_topic(action: ActionItem) -> str:
    return f"meetings.actionitem:{action.pk}"


def action_reminders_replace(action: ActionItem) -> None:
    open_ = action.status in (ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS)
    if not open_ or action.due_date is None:
        engine.reminders_drop(topic=action_topic(action))
        return
    engine.reminders_replace(
        kind=ACTION_DUE, topic=action_topic(action), occurrence=action.due_date.isoformat(),
        due=deadlines.schedule(action.due_date, days_before=(3,)),
    )


class ActionItemReminder(deadlines.DeadlineReminder):
    notification_kind = NotificationKind.ACTION_ITEM
    model = ActionItem
    related = ("meeting__body", "owner", "owner_agency")

    def is_open(self, action: ActionItem) -> bool:
        return action.status in (ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS)

    def due_date(self, action: ActionItem) -> datetime.date | None:
        return action.due_date

    def audiences(self, actions: list[ActionItem]) -> dict[int, list[User]]:
        """The owner (if they may see the action item), or the owner agency's members and the secretariat."""
        owned = [a for a in actions if a.owner is not None]
        seen = permissions.visible_to_each(ActionItem, [(a.owner, [a.pk]) for a in owned])
        people = {a.pk: [a.owner] if a.pk in seen.get(a.owner_id, ()) else [] for a in owned}
        people.update(deadlines.owner_audiences(
            [a for a in actions if a.owner is None], lambda a: (a.meeting.body_id, a.owner_agency_id)
        ))
        return people

    def render(self, reminder: Reminder, recipient: User) -> engine.Message:
        action = self.record(reminder)
        url = absolute_url(reverse("register"))
        subject = _("Action item %(when)s: %(text)s") % {
            "when": deadlines.when_phrase(reminder, action.due_date), "text": action.text[:80],
        }
        text = render_to_string("emails/action_item_due.txt", {
            "recipient": recipient, "subject": subject, "action": action, "url": url,
        })
        return engine.Message(subject=subject, text=text, url=url)


# Reminders the secretariat aims ----------------------------------------------------------------------------------
# Sent now, to the people the secretariat chose (meetings.services.meeting_remind), once per reminder and person: its
# key is in the event's, so each delivery's unique key names both. Members are told as the invitation tells them
# (their choice for reminders, unless the body makes meeting notices mandatory); guests by email, with their link.
# Each message carries the secretariat's words in its reader's language, then the meeting as they read it and the
# calendar entry of their invitation (the same UID and SEQUENCE, their own answer).

REMINDED_KIND = NotificationKind.MEETING_REMINDER


def reminded_event(meeting: Meeting, key: str) -> str:
    return f"meeting:{meeting.pk}:reminded:{key}"


def reminded_mandatory(meeting: Meeting) -> bool:
    return meeting.body.meeting_changes_mandatory


def reminded_by(meeting: Meeting, people: list[User]) -> dict[int, str]:
    """How a reminder reaches each of these members (a SentReminderRecipient.ToldBy, by pk): by email now, in their
    daily digest, or in the portal alone."""
    from .models import SentReminderRecipient

    told_by = SentReminderRecipient.ToldBy
    statuses = engine.email_statuses(people, REMINDED_KIND, mandatory=reminded_mandatory(meeting))
    by_status = {Delivery.Status.PENDING: told_by.EMAIL, Delivery.Status.HELD: told_by.DIGEST}
    return {pk: by_status.get(status, told_by.PORTAL) for pk, status in statuses.items()}


def _reminded_subject(meeting: Meeting) -> str:
    return _("Reminder from the %(body)s secretariat: %(title)s, %(when)s") % {
        "body": meeting.body.local_acronym, "title": meeting.title, "when": _when(meeting),
    }


def reminded(meeting: Meeting, sent, people: list[User], guests: list[Guest]) -> None:
    """Tell each of `people` and `guests` of the meeting, with the message of `sent` (a SentReminder)."""
    answers = _answers(meeting)

    def render(user: User) -> engine.Message:
        return _render(
            "emails/meeting_reminded.txt", _reminded_subject(meeting), meeting, user, method="REQUEST", items=[],
            note=sent.message, answer=answers.get(user.pk),
        )

    def render_guest(guest: Guest) -> engine.Message:
        return _guest_message(
            "emails/guest_reminded.txt", _reminded_subject(meeting), meeting, guest, method="REQUEST",
            note=sent.message,
        )

    engine.notify(
        kind=REMINDED_KIND, event_key=reminded_event(meeting, sent.key), recipients=people, render=render,
        mandatory=reminded_mandatory(meeting),
    )
    _tell_guests(meeting, guests, f"reminded:{sent.key}", render_guest)
