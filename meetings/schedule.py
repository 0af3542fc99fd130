"""Meetings and action items in the merged schedule (registered with the core in MeetingsConfig.ready)."""

import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from members.models import User
from notifications.models import NotificationKind
from taskforce import ical, permissions
from taskforce import schedule as core
from taskforce.addresses import absolute_url
from taskforce.models import AgencyRole

from . import calendar, selectors
from .models import ActionItem, AgendaItem, Invitation, Meeting, Rsvp


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())


def _window(query: core.Query) -> Q:
    """Meetings on the window's days in the reader's time zone, compared as instants (not as dates) so the
    start and end indexes apply."""
    condition = Q()
    if query.start is not None:
        condition &= Q(end__gte=_midnight(query.start))
    if query.end is not None:
        condition &= Q(start__lt=_midnight(query.end + datetime.timedelta(days=1)))
    return condition


def meeting_rows(actor: User, query: core.Query) -> tuple[QuerySet, None]:
    rows = permissions.scope(actor, Meeting.objects.all()).filter(_window(query))
    if query.bodies is not None:
        rows = rows.filter(body_id__in=query.bodies)
    if query.agency is not None:
        rows = rows.filter(Q(invitations__agency=query.agency) | Q(host_agency=query.agency)).distinct()
    if query.updated_since is not None:
        rows = rows.filter(updated_at__gt=query.updated_since)
    if query.public_only:
        # A body's shared schedule: meetings to which every agency taking part in the body is invited.
        invited = Invitation.objects.filter(meeting=OuterRef(OuterRef("pk")), agency__isnull=False).values("agency_id")
        left_out = AgencyRole.objects.filter(body=OuterRef("body")).exclude(agency_id__in=invited)
        rows = rows.filter(~Exists(left_out))
    return rows, None


def meeting_entries(actor: User, query: core.Query, rows: QuerySet | None = None) -> list[core.Entry]:
    rows = (meeting_rows(actor, query)[0] if rows is None else rows).select_related("body", "host_agency")
    answers: dict[int, Rsvp] = {}
    if query.detail:
        # The feed lists each visible item's number (in the member's numbering) and title: nothing of the agenda
        # page's papers, presenters or comment counts, which cost more than the rest of a feed of a few hundred
        # meetings.
        items = permissions.scope(actor, AgendaItem.objects.all()).only(
            "meeting_id", "position", "title_en", "title_fr", "withdrawn"
        )
        if query.public_only:
            # What every member of the body sees, numbered as such.
            items = items.filter(restricted=False)
        items = items.annotate(number=selectors.whole_meetings_numbering())
        rows = rows.prefetch_related(Prefetch("items", queryset=items, to_attr="visible_items"))
        answers = {r.meeting_id: r for r in Rsvp.objects.filter(user_id=actor.pk, meeting__in=rows)}
    entries = []
    for meeting in rows:
        if not query.detail:
            entries.append(calendar.meeting_entry(meeting, with_organizer=False))
            continue
        # Withdrawn items are numbered (they stay on the agenda, struck through) but not listed.
        agenda = [f"{item.number}. {item.title}" for item in meeting.visible_items if not item.withdrawn]
        entries.append(calendar.meeting_entry(
            meeting,
            description="\n".join([*agenda, "", calendar.meeting_url(meeting)]) if agenda else "",
            attendees=[] if query.public_only else [calendar.attendee(actor, answers.get(meeting.pk))],
            # The reader's own copy names their reply address, as their invitation does (the same UID, one entry).
            organized=None if query.public_only else calendar.organizer(meeting, person=actor),
        ))
    return entries


def _mine(actor: User, rows):
    """The secretariat follows every visible action item of its bodies; a member, their own and their agency's."""
    return rows.filter(
        permissions.in_secretariat_bodies(actor, "meeting__body")
        | Q(owner_id=actor.pk)
        | Q(owner_agency_id=actor.agency_id)
    )


def action_item_rows(actor: User, query: core.Query) -> tuple[QuerySet, None]:
    rows = permissions.scope(actor, ActionItem.objects.filter(due_date__isnull=False))
    rows = _mine(actor, rows).filter(core.overlaps(query, "due_date", "due_date"))
    if query.bodies is not None:
        rows = rows.filter(meeting__body_id__in=query.bodies)
    if query.agency is not None:
        rows = rows.filter(owner_agency=query.agency)
    if query.updated_since is not None:
        rows = rows.filter(updated_at__gt=query.updated_since)
    if query.public_only:
        rows = rows.none()
    return rows, None


def action_item_entries(actor: User, query: core.Query, rows: QuerySet | None = None) -> list[core.Entry]:
    rows = (action_item_rows(actor, query)[0] if rows is None else rows).select_related("meeting__body", "owner_agency")
    status = {ActionItem.Status.DONE: core.DONE, ActionItem.Status.CANCELLED: core.CANCELLED}
    return [
        core.Entry(
            kind="action_item", id=a.pk, uid=ical.uid("action_item", a.pk), title=a.text[:200],
            body=a.meeting.body.acronym, start=a.due_date, end=a.due_date + datetime.timedelta(days=1),
            all_day=True, status=status.get(a.status, core.SCHEDULED), updated_at=a.updated_at,
            agencies=[a.owner_agency.acronym],
            url=absolute_url(reverse("register")),
            alarm_kind=NotificationKind.ACTION_ITEM, alarm_minutes=[3 * 24 * 60], alarm_related_end=True,
        )
        for a in rows
    ]

