"""Writes for the meeting cycle: schedule, agenda, circulate, review, hold and record, follow up.

Each service checks that the actor may see what it is handed (404 otherwise) and may act on it,
validates, then writes in one transaction.
"""

import dataclasses
import datetime
import logging
import re
import time
import uuid
import zoneinfo
from collections.abc import Iterable

from dateutil import rrule
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Agency, Classification, User
from taskforce import parsing, permissions
from taskforce.dates import date_format
from taskforce.errors import ConflictError
from taskforce.models import AgencyRole, Body, Membership

from . import notifications, selectors, uploads
from . import permissions as rules
from .models import (
    ActionItem,
    AgendaChange,
    AgendaItem,
    AgendaPackage,
    AgendaTemplate,
    Attendance,
    Comment,
    Decision,
    Guest,
    Invitation,
    ItemKind,
    Meeting,
    MeetingSeries,
    MinutesComment,
    Paper,
    PaperVersion,
    Rsvp,
    SentReminder,
    SentReminderRecipient,
    StandingItem,
    TimeProposal,
    check_message_pair,
    package_path,
)

logger = logging.getLogger(__name__)
AgendaStatus = Meeting.AgendaStatus


# Who may be named where ------------------------------------------------------------------------


def _check_agencies_in_body(body: Body, agencies: Iterable[Agency], field: str) -> None:
    agencies = list(agencies)
    taking_part = set(AgencyRole.objects.filter(body=body).values_list("agency_id", flat=True))
    outside = [a.local_acronym for a in agencies if a.pk not in taking_part]
    if outside:
        raise ValidationError({field: _("These agencies take no part in %(body)s: %(list)s.")
                               % {"body": body.local_acronym, "list": ", ".join(outside)}})


def _check_people_in_body(body: Body, people: Iterable[User], field: str) -> None:
    people = [p for p in people if p is not None]
    members = set(Membership.objects.filter(body=body).values_list("user_id", flat=True))
    if any(p.pk not in members or not p.is_active for p in people):
        message = _("Only active members of %(body)s can be named here.") % {"body": body.local_acronym}
        raise ValidationError({field: message})


def _zone(time_zone: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"time_zone": _("Unknown time zone.")}) from None


def _validate_times(start: datetime.datetime, end: datetime.datetime, time_zone: str) -> None:
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationError(_("Meeting times need a time zone."))
    if end <= start:
        raise ValidationError({"end": _("The meeting must end after it starts.")})
    if not (parsing.in_range(start.date()) and parsing.in_range(end.date())):
        raise ValidationError({"start": _("Give a day from %(first)s to %(last)s.") % {
            "first": date_format(parsing.EARLIEST_DAY, "DATE_FORMAT"),
            "last": date_format(parsing.LATEST_DAY, "DATE_FORMAT")}})
    _zone(time_zone)


# Schedule --------------------------------------------------------------------------------------


@permissions.deferred()
def _set_invitees(meeting: Meeting, agencies: Iterable[Agency], people: Iterable[User]) -> None:
    agencies, people = set(agencies), set(people)
    _check_agencies_in_body(meeting.body, agencies, "invite_agencies")
    _check_people_in_body(meeting.body, people, "invite_people")
    current_agencies = {i.agency for i in meeting.invitations.filter(agency__isnull=False).select_related("agency")}
    current_people = {i.user for i in meeting.invitations.filter(user__isnull=False).select_related("user")}
    meeting.invitations.filter(agency__in=current_agencies - agencies).delete()
    meeting.invitations.filter(user__in=current_people - people).delete()
    permissions.revoke(meeting, current_agencies - agencies)
    for person in current_people - people:
        permissions.revoke_person(meeting, person)
    Invitation.objects.bulk_create([Invitation(meeting=meeting, agency=a) for a in agencies - current_agencies])
    Invitation.objects.bulk_create([Invitation(meeting=meeting, user=p) for p in people - current_people])
    permissions.grant(meeting, agencies - current_agencies)
    for person in people - current_people:
        permissions.grant_person(meeting, person)


@transaction.atomic
def meeting_schedule(
    *,
    actor: User,
    body: Body,
    title_en: str,
    start: datetime.datetime,
    end: datetime.datetime,
    time_zone: str,
    title_fr: str = "",
    host_agency: Agency | None = None,
    place: str = "",
    virtual_link: str = "",
    invite_agencies: Iterable[Agency] = (),
    invite_people: Iterable[User] = (),
    series: MeetingSeries | None = None,
    agenda_from: str = "",
) -> Meeting:
    permissions.require_visible(actor, body)
    permissions.require_secretariat(actor, body.pk)
    _validate_times(start, end, time_zone)
    if host_agency is not None:
        _check_agencies_in_body(body, [host_agency], "host_agency")
    meeting = Meeting(
        body=body, series=series, title_en=title_en, title_fr=title_fr, start=start, end=end, time_zone=time_zone,
        host_agency=host_agency, place=place, virtual_link=virtual_link,
    )
    meeting.full_clean()
    meeting.save()
    _set_invitees(meeting, invite_agencies, invite_people)
    if agenda_from:
        agenda_start(actor=actor, meeting=meeting, source=agenda_from)
    notifications.reminders_replace(meeting)
    notifications.invitation(meeting)
    return meeting


@transaction.atomic
def meeting_series_schedule(
    *,
    actor: User,
    body: Body,
    title_en: str,
    first_start: datetime.datetime,
    duration: datetime.timedelta,
    time_zone: str,
    frequency: str,
    count: int,
    interval: int = 1,
    title_fr: str = "",
    **meeting_fields,
) -> MeetingSeries:
    """Regular meetings at the same local wall time (so 10:00 stays 10:00 across daylight saving)."""
    permissions.require_visible(actor, body)
    permissions.require_secretariat(actor, body.pk)
    if not 1 <= count <= 60:
        raise ValidationError({"count": _("A series has between 1 and 60 meetings.")})
    zone = _zone(time_zone)
    series = MeetingSeries(body=body, title_en=title_en, title_fr=title_fr, frequency=frequency, interval=interval)
    series.full_clean()
    series.save()
    local_first = timezone.make_naive(first_start, zone) if timezone.is_aware(first_start) else first_start
    freq = rrule.WEEKLY if frequency == MeetingSeries.Frequency.WEEKLY else rrule.MONTHLY
    for local_start in rrule.rrule(freq, dtstart=local_first, interval=interval, count=count):
        start = local_start.replace(tzinfo=zone)
        meeting_schedule(
            actor=actor, body=body, title_en=title_en, title_fr=title_fr, start=start, end=start + duration,
            time_zone=time_zone, series=series, **meeting_fields,
        )
    return series


# What meeting_update may change; status, agenda, minutes and body change only through their own services.
EDITABLE_MEETING_FIELDS = {
    "title_en", "title_fr", "start", "end", "time_zone", "host_agency", "place", "virtual_link", "reminder_days",
    "reminder_message_en", "reminder_message_fr",
}


def _require_scheduled(meeting: Meeting) -> None:
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting was cancelled."))


@transaction.atomic
def meeting_update(
    *,
    actor: User,
    meeting: Meeting,
    reason: str = "",
    invite_agencies: Iterable[Agency] | None = None,
    invite_people: Iterable[User] | None = None,
    **fields,
) -> Meeting:
    """Edit or reschedule a meeting. Moving it needs a reason, which is kept and shown."""
    unknown = set(fields) - EDITABLE_MEETING_FIELDS
    if unknown:
        raise ValidationError(_("These fields cannot be edited: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    permissions.require_visible(actor, meeting)
    permissions.require_secretariat(actor, meeting.body_id)
    _require_scheduled(meeting)
    moved = any(k in fields and fields[k] != getattr(meeting, k) for k in ("start", "end", "time_zone"))
    if moved and not reason.strip():
        raise ValidationError({"reason": _("Say why the meeting is moving; invitees will see it.")})
    for name, value in fields.items():
        setattr(meeting, name, value)
    _validate_times(meeting.start, meeting.end, meeting.time_zone)
    if "host_agency" in fields and meeting.host_agency is not None:
        _check_agencies_in_body(meeting.body, [meeting.host_agency], "host_agency")
    if moved:
        meeting.change_reason = reason.strip()
    meeting.sequence = F("sequence") + 1
    meeting.full_clean(exclude=["sequence"])
    meeting.save()
    audience_before = {person.pk for person in notifications.audience(meeting)}
    if invite_agencies is not None or invite_people is not None:
        current = meeting.invitations.all()
        _set_invitees(
            meeting,
            invite_agencies if invite_agencies is not None else [i.agency for i in current if i.agency_id],
            invite_people if invite_people is not None else [i.user for i in current if i.user_id],
        )
    meeting.refresh_from_db()
    notifications.reminders_replace(meeting)
    if moved:
        notifications.rescheduled(meeting)
        notifications.guests_rescheduled(meeting)
    newcomers = [person for person in notifications.audience(meeting) if person.pk not in audience_before]
    if newcomers:
        notifications.invitation(meeting, newcomers)
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: User, meeting: Meeting, reason: str) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    permissions.require_visible(actor, meeting)
    permissions.require_secretariat(actor, meeting.body_id)
    _require_scheduled(meeting)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the meeting is cancelled; invitees will see it.")})
    meeting.status = Meeting.Status.CANCELLED
    meeting.change_reason = reason.strip()
    meeting.sequence = F("sequence") + 1
    meeting.save(update_fields=["status", "change_reason", "sequence", "updated_at"])
    meeting.refresh_from_db()
    notifications.reminders_replace(meeting)
    notifications.cancelled(meeting)
    notifications.guests_cancelled(meeting)
    return meeting


def meeting_deletable(*, meeting: Meeting) -> bool:
    """Whether `meeting_delete` would take the meeting (for the secretariat: whether to offer it)."""
    return (
        not meeting.is_cancelled and meeting.agenda_status == AgendaStatus.DRAFT
        and meeting.agenda_circulated_at is None and not notifications.anyone_told(meeting)
    )


@transaction.atomic
def meeting_delete(*, actor: User, meeting: Meeting) -> None:
    """Remove a meeting scheduled by mistake, while nothing of it has gone out: once an invitation, an agenda or a
    reminder has been sent, it is cancelled instead, so that invitees' calendars drop it and the record stays. The
    audit trail keeps the deleted rows."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    permissions.require_visible(actor, meeting)
    permissions.require_secretariat(actor, meeting.body_id)
    if meeting.agenda_status != AgendaStatus.DRAFT or meeting.agenda_circulated_at is not None:
        raise ValidationError(_("The agenda has been circulated: cancel the meeting instead of deleting it."))
    if notifications.anyone_told(meeting):
        raise ValidationError(_("Invitees have been told of this meeting: cancel it instead of deleting it, so "
                                "that their calendars drop it."))
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting was cancelled."))
    notifications.reminders_forget(meeting)
    meeting.delete()


# Agenda ----------------------------------------------------------------------------------------


def _require_agenda_editable(actor: User, meeting: Meeting) -> None:
    permissions.require_visible(actor, meeting)
    permissions.require_secretariat(actor, meeting.body_id)
    _require_scheduled(meeting)
    if meeting.agenda_status == AgendaStatus.FINAL:
        raise ValidationError(_("The agenda is final and can no longer change."))


def _record_change(actor: User, item: AgendaItem, kind: str, summary: str = "") -> None:
    """Changes to a circulated agenda are kept and shown as changes."""
    if item.meeting.agenda_status == AgendaStatus.DRAFT:
        return
    change = AgendaChange.objects.create(item=item, kind=kind, summary=summary[:500], changed_by=actor)
    AgendaItem.objects.filter(pk=item.pk).update(changed_after_circulation=True)
    if kind == AgendaChange.Kind.MOVED:
        notifications.agenda_reordered(change)
    else:
        notifications.agenda_changed(change)


def _check_presenter(meeting: Meeting, presenter: User | None, presenter_agency: Agency | None) -> None:
    if presenter is not None:
        _check_people_in_body(meeting.body, [presenter], "presenter")
    if presenter_agency is not None:
        _check_agencies_in_body(meeting.body, [presenter_agency], "presenter_agency")


def _share_item(item: AgendaItem, restricted_to: Iterable[Agency] | None) -> None:
    if restricted_to is None:
        return
    wanted = set(restricted_to)
    if wanted and item.is_break:
        raise ValidationError({"restricted_to": _("A break is for everyone: it cannot be restricted.")})
    _check_agencies_in_body(item.meeting.body, wanted, "restricted_to")
    current = set(permissions.granted_agencies(item))
    permissions.revoke(item, current - wanted)
    permissions.grant(item, wanted - current)
    AgendaItem.objects.filter(pk=item.pk).update(restricted=bool(wanted))
    item.restricted = bool(wanted)
    permissions.changed(AgendaItem, [item.pk])


@transaction.atomic
def agenda_item_add(
    *,
    actor: User,
    meeting: Meeting,
    title_en: str,
    title_fr: str = "",
    description: str = "",
    description_fr: str = "",
    presenter: User | None = None,
    presenter_agency: Agency | None = None,
    minutes_allotted: int = 10,
    restricted_to: Iterable[Agency] | None = None,
    kind: str = ItemKind.ITEM,
) -> AgendaItem:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require_agenda_editable(actor, meeting)
    _check_presenter(meeting, presenter, presenter_agency)
    last = meeting.items.aggregate(last=Max("position"))["last"] or 0
    item = AgendaItem(
        meeting=meeting, position=last + 1, title_en=title_en, title_fr=title_fr, description=description,
        description_fr=description_fr, kind=kind,
        presenter=presenter, presenter_agency=presenter_agency, minutes_allotted=minutes_allotted,
    )
    item.full_clean()
    item.save()
    _share_item(item, restricted_to)
    _record_change(actor, item, AgendaChange.Kind.ADDED, item.title_en)
    return item


EDITABLE_ITEM_FIELDS = {
    "title_en", "title_fr", "description", "description_fr", "presenter", "presenter_agency", "minutes_allotted",
    "kind",
}


@transaction.atomic
def agenda_item_update(
    *,
    actor: User,
    item: AgendaItem,
    version: int,
    restricted_to: Iterable[Agency] | None = None,
    **fields,
) -> AgendaItem:
    """Save an edit made from `version`; refused if someone else saved since."""
    unknown = set(fields) - EDITABLE_ITEM_FIELDS
    if unknown:
        raise ValidationError(_("These fields cannot be edited: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    item = AgendaItem.objects.select_for_update().select_related("meeting__body").get(pk=item.pk)
    _require_agenda_editable(actor, item.meeting)
    if item.withdrawn:
        raise ValidationError(_("This item was withdrawn."))
    if item.version != version:
        raise ConflictError(
            _("Someone else saved this item after you opened it. Your changes were not saved: "
              "reload the item to see theirs, then make your changes again."),
            code="conflict",
        )
    _check_presenter(item.meeting, fields.get("presenter"), fields.get("presenter_agency"))
    if fields.get("kind") == ItemKind.BREAK and item.kind != ItemKind.BREAK and item.papers.exists():
        raise ValidationError({"kind": _("An item with papers cannot become a break.")})
    changed = [name for name, value in fields.items() if getattr(item, name) != value]
    for name, value in fields.items():
        setattr(item, name, value)
    item.version += 1
    item.full_clean()
    item.save()
    _share_item(item, restricted_to)
    if item.is_break and item.restricted:
        raise ValidationError({"kind": _("A break is for everyone: it cannot be restricted.")})
    if changed:
        # Field names, shown to each reader in their own language (AgendaChange.summary_display).
        _record_change(actor, item, AgendaChange.Kind.EDITED, ",".join(changed))
    return item


# Templates and standing items --------------------------------------------------------------------------

STANDING_ITEM_FIELDS = (
    "kind", "title_en", "title_fr", "description", "description_fr", "presenter_agency", "minutes_allotted",
)
MAX_STANDING_ITEMS = 50


@transaction.atomic
def agenda_template_save(*, actor: User, body: Body, items: list[dict], version: int) -> AgendaTemplate:
    """Replace the body's standing items with `items` (in order; each a dict of STANDING_ITEM_FIELDS), from the
    template's `version`; refused if someone else saved the template since."""
    permissions.require_visible(actor, body)
    permissions.require_secretariat(actor, body.pk)
    template, _created = AgendaTemplate.objects.get_or_create(body=body)
    template = AgendaTemplate.objects.select_for_update().get(pk=template.pk)
    if template.version != version:
        raise ConflictError(
            _("Someone else saved this template after you opened it. Your changes were not saved: "
              "reload the template to see theirs, then make your changes again."),
            code="conflict",
        )
    if len(items) > MAX_STANDING_ITEMS:
        raise ValidationError(_("A template holds at most %(n)d items.") % {"n": MAX_STANDING_ITEMS})
    standing = []
    for position, fields in enumerate(items, start=1):
        unknown = set(fields) - set(STANDING_ITEM_FIELDS)
        if unknown:
            raise ValidationError(_("These fields cannot be set: %(f)s.") % {"f": ", ".join(sorted(unknown))})
        if fields.get("presenter_agency") is not None:
            _check_agencies_in_body(body, [fields["presenter_agency"]], "presenter_agency")
        item = StandingItem(template=template, position=position, **fields)
        item.full_clean(exclude=["template"])
        standing.append(item)
    template.items.all().delete()
    StandingItem.objects.bulk_create(standing)
    template.version += 1
    template.updated_by = actor
    template.save()
    return template


class AgendaSource:
    TEMPLATE = "template"
    LAST_MEETING = "last"


@transaction.atomic
def agenda_start(*, actor: User, meeting: Meeting, source: str) -> list[AgendaItem]:
    """Start an empty agenda from the body's template (its standing items) or from a copy of the body's last
    meeting's agenda (items, presenters, restrictions and kinds; not papers, comments or minutes; not what was
    withdrawn)."""
    meeting = Meeting.objects.select_for_update().select_related("body").get(pk=meeting.pk)
    _require_agenda_editable(actor, meeting)
    if meeting.agenda_status != AgendaStatus.DRAFT:
        # Items added to a circulated agenda are told to its readers one by one ("Add an item").
        raise ValidationError(_("Only a draft agenda is started from the template or the last meeting's."))
    if meeting.items.exists():
        raise ValidationError(_("The agenda already has items: an agenda is started only when it is empty."))
    if source == AgendaSource.TEMPLATE:
        template = AgendaTemplate.objects.filter(body=meeting.body).first()
        standing = list(template.items.all()) if template else []
        if not standing:
            raise ValidationError(_("The body has no standing items in its agenda template yet."))
        copies = [
            (AgendaItem(meeting=meeting, position=n, **{f: getattr(s, f) for f in STANDING_ITEM_FIELDS}), None)
            for n, s in enumerate(standing, start=1)
        ]
    elif source == AgendaSource.LAST_MEETING:
        last = selectors.last_meeting(actor=actor, meeting=meeting)
        earlier = list(last.items.filter(withdrawn=False).order_by("position", "pk")) if last else []
        if not earlier:
            raise ValidationError(_("The body has no earlier meeting with an agenda to copy."))
        fields = (*STANDING_ITEM_FIELDS, "presenter")
        copies = [
            (
                AgendaItem(meeting=meeting, position=n, **{f: getattr(i, f) for f in fields}),
                list(permissions.granted_agencies(i)) if i.restricted else None,
            )
            for n, i in enumerate(earlier, start=1)
        ]
    else:
        raise ValidationError({"source": _("Choose the template or the last meeting's agenda.")})
    taking_part = set(AgencyRole.objects.filter(body=meeting.body).values_list("agency_id", flat=True))
    members = set(Membership.objects.filter(body=meeting.body, user__is_active=True).values_list("user_id", flat=True))
    items = []
    for item, restricted_to in copies:
        # A presenter or agency who has since left the body is not carried over.
        if item.presenter_id and item.presenter_id not in members:
            item.presenter = None
        if item.presenter_agency_id and item.presenter_agency_id not in taking_part:
            item.presenter_agency = None
        # A restricted item stays restricted from its first save: it is never, even for a moment, the body's.
        item.restricted = restricted_to is not None
        item.full_clean()
        item.save()
        kept = [agency for agency in restricted_to or () if agency.pk in taking_part]
        if kept:
            _share_item(item, kept)
        items.append(item)
    return items


@transaction.atomic
def agenda_item_move(*, actor: User, item: AgendaItem, position: int) -> AgendaItem:
    """Move an item to a 1-based position among the meeting's items; the others close up."""
    meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
    _require_agenda_editable(actor, meeting)
    items = list(meeting.items.order_by("position", "pk"))
    current = next(i for i in items if i.pk == item.pk)
    before = items.index(current) + 1
    items.remove(current)
    position = max(1, min(position, len(items) + 1))
    if position == before:
        return current
    passed = items[position - 1 : before - 1] if position < before else items[before - 1 : position - 1]
    items.insert(position - 1, current)
    for index, each in enumerate(items, start=1):
        if each.position != index:
            AgendaItem.objects.filter(pk=each.pk).update(position=index, version=F("version") + 1)
    current.refresh_from_db()
    _record_change(actor, current, AgendaChange.Kind.MOVED, _moved_past("up" if position < before else "down", passed))
    return current


def _moved_past(direction: str, passed: list[AgendaItem]) -> str:
    """A move's change entry names the items it moved past (never a position, which counts items some readers may
    not see): it reaches only those who see one of them, for whom the item's number changed. Ids that do not fit
    the summary are left out whole."""
    limit = AgendaChange._meta.get_field("summary").max_length
    ids: list[str] = []
    for each in passed:
        if len(f"{direction}:{','.join([*ids, str(each.pk)])}") > limit:
            break
        ids.append(str(each.pk))
    return f"{direction}:{','.join(ids)}"


@transaction.atomic
def agenda_item_withdraw(*, actor: User, item: AgendaItem) -> AgendaItem:
    """Before circulation an item is simply removed; after it, it stays on the record as withdrawn."""
    meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
    _require_agenda_editable(actor, meeting)
    if meeting.agenda_status == AgendaStatus.DRAFT:
        item.delete()
        return item
    AgendaItem.objects.filter(pk=item.pk).update(withdrawn=True, version=F("version") + 1)
    item.refresh_from_db()
    _record_change(actor, item, AgendaChange.Kind.WITHDRAWN, item.title_en)
    return item


@transaction.atomic
def agenda_circulate(*, actor: User, meeting: Meeting) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    permissions.require_visible(actor, meeting)
    permissions.require_secretariat(actor, meeting.body_id)
    _require_scheduled(meeting)
    if meeting.agenda_status != AgendaStatus.DRAFT:
        raise ValidationError(_("Only a draft agenda can be circulated."))
    if not meeting.items.filter(withdrawn=False).exists():
        raise ValidationError(_("Add at least one item before circulating the agenda."))
    if meeting.body.bilingual_agenda_required:
        _require_bilingual_items(meeting)
    meeting.agenda_status = AgendaStatus.CIRCULATED
    meeting.agenda_circulated_at = timezone.now()
    meeting.agenda_circulated_by = actor
    meeting.save(update_fields=["agenda_status", "agenda_circulated_at", "agenda_circulated_by", "updated_at"])
    notifications.agenda_circulated(meeting)
    return meeting


def _require_bilingual_items(meeting: Meeting) -> None:
    """The body circulates agendas in both official languages: name every item still missing one."""
    # A draft agenda keeps no withdrawn item: the secretariat's numbering is the agenda's order.
    items = enumerate(meeting.items.order_by("position", "pk"), start=1)
    lacking = [
        f"{number}. {item.title_en or item.title_fr}"
        for number, item in items
        if not (item.title_en and item.title_fr) or bool(item.description) != bool(item.description_fr)
    ]
    if lacking:
        raise ValidationError(
            _("This body circulates agendas in English and French; these items still need their title or "
              "description in both languages: %(items)s.") % {"items": "; ".join(lacking)}
        )


@transaction.atomic
def agenda_finalise(*, actor: User, meeting: Meeting) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    permissions.require_visible(actor, meeting)
    permissions.require_secretariat(actor, meeting.body_id)
    _require_scheduled(meeting)
    if meeting.agenda_status != AgendaStatus.CIRCULATED:
        raise ValidationError(_("Only a circulated agenda can be made final."))
    meeting.agenda_status = AgendaStatus.FINAL
    meeting.agenda_finalised_at = timezone.now()
    meeting.save(update_fields=["agenda_status", "agenda_finalised_at", "updated_at"])
    return meeting


@transaction.atomic
def paper_upload(
    *,
    actor: User,
    item: AgendaItem,
    title: str,
    upload: UploadedFile,
    classification: int = Classification.UNCLASSIFIED,
) -> Paper:
    item = AgendaItem.objects.select_related("meeting__body").get(pk=item.pk)
    _require_agenda_editable(actor, item.meeting)
    if item.withdrawn:
        raise ValidationError(_("This item was withdrawn."))
    if item.is_break:
        raise ValidationError(_("A break takes no papers."))
    if classification not in Classification.values:
        raise ValidationError({"classification": _("Unknown classification.")})
    if not permissions.may_mark(actor, classification):
        raise ValidationError({"classification": _("You cannot mark a paper above your own clearance.")})
    content_type = uploads.detect_paper_type(upload)
    paper = Paper(
        item=item, title=title.strip() or upload.name, original_name=(upload.name or "paper")[:255],
        content_type=content_type, size=upload.size, classification=classification, uploaded_by=actor,
    )
    paper.full_clean(exclude=["file"])
    paper.file.save("paper", upload, save=False)
    paper.save()
    # Named by id, never by title: the entry reaches only those who may read the paper (meetings.selectors).
    _record_change(actor, item, AgendaChange.Kind.PAPER_ADDED, f"{selectors.PAPER_MARK}{paper.pk}")
    return paper


@transaction.atomic
def paper_replace(
    *, actor: User, paper: Paper, upload: UploadedFile, expected_version: int, title: str = ""
) -> Paper:
    """Replace a paper's file, from the version the secretariat read (`expected_version`): a replacement based on
    an older one is refused, nothing overwritten. The file it had is kept, with who uploaded it and when, as an
    earlier version, and the change reaches (once) everyone who may read the paper. A blank `title` keeps the
    paper's.

    The marking stays the paper's: its earlier versions are read by exactly those who read it, so marking it lower
    would open them to readers not cleared for them. A paper to be marked otherwise is attached as a new paper."""
    paper = Paper.objects.select_for_update(of=("self",)).select_related("item__meeting__body").get(pk=paper.pk)
    permissions.require_visible(actor, paper)
    _require_agenda_editable(actor, paper.item.meeting)
    if paper.item.withdrawn:
        raise ValidationError(_("This item was withdrawn."))
    if paper.version != expected_version:
        raise ConflictError(
            _("Someone else replaced this paper after you opened it: it is now version %(version)s. Your file was "
              "not saved: look at the current version, then replace it again if you still need to.")
            % {"version": paper.version},
            code="conflict",
        )
    try:
        content_type = uploads.detect_paper_type(upload)
    except ValidationError as refused:
        raise ValidationError({"file": refused.error_list}) from None
    PaperVersion.objects.create(
        paper=paper, number=paper.version, file=paper.file.name, original_name=paper.original_name,
        content_type=paper.content_type, size=paper.size, uploaded_by_id=paper.uploaded_by_id,
        uploaded_at=paper.uploaded_at,
    )
    paper.title = title.strip() or paper.title
    paper.original_name = (upload.name or "paper")[:255]
    paper.content_type, paper.size = content_type, upload.size
    paper.uploaded_by, paper.uploaded_at = actor, timezone.now()
    paper.version += 1
    paper.full_clean(exclude=["file"])
    paper.file.save("paper", upload, save=False)
    paper.save()
    # Named by id, never by title, as an added paper is.
    _record_change(actor, paper.item, AgendaChange.Kind.PAPER_REPLACED, f"{selectors.PAPER_MARK}{paper.pk}")
    return paper


# Review ----------------------------------------------------------------------------------------


def _comment_text(item: AgendaItem, text: str) -> str:
    """The text of a comment on an item (its agenda entry or its draft minutes), refused for an item that takes none."""
    if item.withdrawn:
        raise ValidationError(_("This item was withdrawn."))
    if item.is_break:
        raise ValidationError(_("A break takes no comments."))
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write a comment first.")})
    return text


@transaction.atomic
def comment_add(*, actor: User, item: AgendaItem, text: str) -> Comment:
    permissions.require_visible(actor, item)
    item = AgendaItem.objects.select_related("meeting").get(pk=item.pk)
    if not item.meeting.agenda_is_open_for_comments:
        raise ValidationError(_("Comments are open only while the agenda is circulated."))
    comment = Comment(item=item, author=actor, text=_comment_text(item, text))
    comment.full_clean()
    comment.save()
    return comment


@transaction.atomic
def rsvp_set(
    *, actor: User, meeting: Meeting, response: str, delegate: User | None = None, note: str = "",
    reply: tuple[int, datetime.datetime] | None = None,
) -> Rsvp:
    """The actor's answer to their invitation; `reply` is the SEQUENCE and DTSTAMP of the calendar reply that gave
    it (calendar_answer_record), none for an answer given on the portal."""
    permissions.require_visible(actor, meeting)
    meeting = Meeting.objects.get(pk=meeting.pk)
    _require_scheduled(meeting)
    if not rules.is_invitee(actor, meeting):
        raise PermissionDenied(_("Only invitees can answer for this meeting."))
    if meeting.is_past:
        raise ValidationError(_("This meeting has already taken place."))
    if response not in Rsvp.Response.values:
        raise ValidationError({"response": _("Choose an answer.")})
    if response == Rsvp.Response.DELEGATE:
        if delegate is None:
            raise ValidationError({"delegate": _("Name the delegate who will attend.")})
        if delegate.agency_id != actor.agency_id or not permissions.can_see(actor, delegate) or delegate == actor:
            raise ValidationError({"delegate": _("The delegate must be another member of your agency.")})
    else:
        delegate = None
    # An answer given on the portal is later than any calendar reply made before it (meetings/calendar_replies.py).
    sequence, stamp = reply or (None, None)
    rsvp, _created = Rsvp.objects.update_or_create(
        meeting=meeting, user=actor, defaults={
            "response": response, "delegate": delegate, "note": note.strip(), "reply_sequence": sequence,
            "reply_stamp": stamp,
        }
    )
    return rsvp


# Hold and record -------------------------------------------------------------------------------


def _require_recordable(actor: User, meeting: Meeting) -> Meeting:
    """The stored meeting, locked: approving the minutes and changing the record cannot interleave."""
    permissions.require_visible(actor, meeting)
    permissions.require_secretariat(actor, meeting.body_id)
    meeting = Meeting.objects.select_for_update().select_related("body").get(pk=meeting.pk)
    _require_scheduled(meeting)
    if meeting.minutes_status == Meeting.MinutesStatus.APPROVED:
        raise ValidationError(_("The minutes are approved; the record can no longer change."))
    return meeting


@transaction.atomic
def attendance_record(
    *, actor: User, meeting: Meeting, present: dict[User, str], guests: dict[int, str] | None = None
) -> list[Attendance]:
    """Replace the attendance list: who was there, and how; with `guests` (guest id: how they attended, for those who
    did), the guests' too. Guests never count towards the quorum, which counts agencies."""
    meeting = _require_recordable(actor, meeting)
    _check_people_in_body(meeting.body, present, "present")
    if any(mode not in Attendance.Mode.values for mode in [*present.values(), *(guests or {}).values()]):
        raise ValidationError({"present": _("Unknown way of attending.")})
    if guests is not None:
        _record_guests(meeting, guests)
    meeting.attendance.exclude(user__in=list(present)).delete()
    rows = []
    for person, mode in present.items():
        row, _created = Attendance.objects.update_or_create(
            meeting=meeting, user=person, defaults={"mode": mode, "agency_id": person.agency_id}
        )
        rows.append(row)
    return rows


def _record_guests(meeting: Meeting, attended: dict[int, str]) -> None:
    if set(attended) - set(meeting.guests.values_list("pk", flat=True)):
        raise ValidationError({"present": _("A guest is not one of this meeting's.")})
    meeting.guests.exclude(pk__in=list(attended)).exclude(attended=False).update(attended=False, attended_mode="")
    for pk, mode in attended.items():
        meeting.guests.filter(pk=pk).exclude(attended=True, attended_mode=mode).update(
            attended=True, attended_mode=mode
        )


@transaction.atomic
def minutes_save(*, actor: User, meeting: Meeting, minutes: dict[int, str]) -> None:
    """Save the minutes of each item (keyed by item id)."""
    meeting = _require_recordable(actor, meeting)
    items = {i.pk: i for i in meeting.items.filter(pk__in=list(minutes))}
    if set(minutes) - set(items):
        raise ValidationError(_("An item does not belong to this meeting."))
    for pk, text in minutes.items():
        if items[pk].minutes != text:
            AgendaItem.objects.filter(pk=pk).update(minutes=text, version=F("version") + 1)


MAX_COMMENT_DAYS = 60


@transaction.atomic
def minutes_circulate(*, actor: User, meeting: Meeting, comments_until: datetime.date) -> Meeting:
    """Send the draft minutes to the attendees for comment until the end of `comments_until` (the meeting's own
    day); each attendee reads the minutes of the items they may see and comments per item. Circulating again (a
    revised draft, or a new deadline) tells them again."""
    meeting = _require_recordable(actor, meeting)
    if meeting.start > timezone.now():
        raise ValidationError(_("Minutes can be circulated only after the meeting has started."))
    today = timezone.localdate(timezone=meeting.zone)
    if not isinstance(comments_until, datetime.date) or comments_until < today:
        raise ValidationError({"comments_until": _("The deadline for comments cannot be in the past.")})
    if comments_until > today + datetime.timedelta(days=MAX_COMMENT_DAYS):
        raise ValidationError({"comments_until": _("Give the attendees at most %(days)d days to comment.")
                               % {"days": MAX_COMMENT_DAYS}})
    if not meeting.attendance.exists():
        raise ValidationError(_("Record the attendance first: the draft minutes go to the attendees."))
    meeting.minutes_status = Meeting.MinutesStatus.CIRCULATED
    meeting.minutes_circulated_at = timezone.now()
    meeting.minutes_comments_until = comments_until
    meeting.save(update_fields=["minutes_status", "minutes_circulated_at", "minutes_comments_until", "updated_at"])
    notifications.minutes_circulated(meeting)
    return meeting


def minutes_open_for_comment(meeting: Meeting) -> bool:
    return (
        meeting.minutes_status == Meeting.MinutesStatus.CIRCULATED
        and meeting.minutes_comments_until is not None
        and timezone.localdate(timezone=meeting.zone) <= meeting.minutes_comments_until
    )


@transaction.atomic
def minutes_comment_add(*, actor: User, item: AgendaItem, text: str) -> MinutesComment:
    """An attendee's comment on the draft minutes of an item they may see, before the deadline."""
    permissions.require_visible(actor, item)
    item = AgendaItem.objects.select_related("meeting").get(pk=item.pk)
    meeting = item.meeting
    if not selectors.is_attendee(actor, meeting):
        raise PermissionDenied(_("Only the attendees comment on the draft minutes."))
    if not minutes_open_for_comment(meeting):
        raise ValidationError(_("The draft minutes are not open for comment."))
    comment = MinutesComment(item=item, author=actor, text=_comment_text(item, text))
    comment.full_clean()
    comment.save()
    permissions.grant_person(comment, actor)
    return comment


@transaction.atomic
def minutes_approve(*, actor: User, meeting: Meeting) -> Meeting:
    meeting = _require_recordable(actor, meeting)
    if meeting.start > timezone.now():
        raise ValidationError(_("Minutes can be approved only after the meeting has started."))
    meeting.minutes_status = Meeting.MinutesStatus.APPROVED
    meeting.minutes_approved_at = timezone.now()
    meeting.minutes_approved_by = actor
    meeting.save(update_fields=["minutes_status", "minutes_approved_at", "minutes_approved_by", "updated_at"])
    notifications.minutes_approved(meeting)
    return meeting


def _source_item(meeting: Meeting, item: AgendaItem | None) -> AgendaItem | None:
    if item is not None and item.meeting_id != meeting.pk:
        raise ValidationError({"item": _("The item belongs to another meeting.")})
    return item


@transaction.atomic
def decision_record(*, actor: User, meeting: Meeting, text: str, item: AgendaItem | None = None) -> Decision:
    meeting = _require_recordable(actor, meeting)
    item = _source_item(meeting, item)
    decision = Decision(meeting=meeting, item=item, text=text.strip())
    decision.full_clean()
    decision.save()
    return decision


@transaction.atomic
def action_item_record(
    *,
    actor: User,
    meeting: Meeting,
    text: str,
    owner_agency: Agency,
    owner: User | None = None,
    due_date: datetime.date | None = None,
    item: AgendaItem | None = None,
) -> ActionItem:
    meeting = _require_recordable(actor, meeting)
    item = _source_item(meeting, item)
    _check_agencies_in_body(meeting.body, [owner_agency], "owner_agency")
    if owner is not None:
        _check_people_in_body(meeting.body, [owner], "owner")
        if owner.agency_id != owner_agency.pk:
            raise ValidationError({"owner": _("The owner must belong to the owner agency.")})
    action = ActionItem(
        meeting=meeting, item=item, text=text.strip(), owner=owner, owner_agency=owner_agency, due_date=due_date
    )
    action.full_clean()
    action.save()
    notifications.action_reminders_replace(action)
    return action


@transaction.atomic
def action_item_set_status(*, actor: User, action: ActionItem, status: str) -> ActionItem:
    """The owner (or anyone of the owner agency when no person is named) or the secretariat."""
    action = ActionItem.objects.select_for_update().select_related("meeting").get(pk=action.pk)
    permissions.require_visible(actor, action)
    secretariat = permissions.is_secretariat(actor, action.meeting.body_id)
    if not rules.may_update_action(actor, action, secretariat=secretariat):
        raise PermissionDenied(_("Only the owner or the secretariat can update this action item."))
    if status not in ActionItem.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status == ActionItem.Status.CANCELLED and not secretariat:
        raise PermissionDenied(_("Only the secretariat can cancel an action item."))
    action.status = status
    action.completed_at = timezone.now() if status == ActionItem.Status.DONE else None
    action.save(update_fields=["status", "completed_at", "updated_at"])
    notifications.action_reminders_replace(action)
    return action


# Guests ----------------------------------------------------------------------------------------


def _guest_fields(name: str, email: str, language: str, organisation: str) -> dict:
    name, organisation, email = " ".join(name.split()), " ".join(organisation.split()), email.strip().lower()
    errors = {}
    if not name:
        errors["name"] = _("Give the guest's name.")
    elif len(name) > 200:
        errors["name"] = _("A name has at most 200 characters.")
    if len(organisation) > 200:
        errors["organisation"] = _("An organisation's name has at most 200 characters.")
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _("Enter a valid email address.")
    if language not in Guest.Language.values:
        errors["language"] = _("Choose English or French.")
    if errors:
        raise ValidationError(errors)
    return {"name": name, "email": email, "language": language, "organisation": organisation}


def _require_guests_open(actor: User, meeting: Meeting) -> Meeting:
    """The stored meeting, locked, if the actor is its secretariat and it is still to be held."""
    permissions.require_visible(actor, meeting)
    permissions.require_secretariat(actor, meeting.body_id)
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("body", "host_agency").get(
        pk=meeting.pk
    )
    _require_scheduled(meeting)
    if meeting.is_past:
        raise ValidationError(_("This meeting has already taken place."))
    return meeting


@transaction.atomic
def guest_invite(
    *, actor: User, meeting: Meeting, name: str, email: str, language: str, organisation: str = ""
) -> Guest:
    """Invite someone outside the member agencies to this one meeting: they are emailed the invitation with its
    calendar entry and their link, and every change of the meeting after it."""
    meeting = _require_guests_open(actor, meeting)
    fields = _guest_fields(name, email, language, organisation)
    if meeting.guests.filter(email=fields["email"]).exists():
        raise ValidationError({"email": _("This person is already a guest of the meeting.")})
    guest = Guest(meeting=meeting, created_by=actor, **fields)
    guest.full_clean()
    guest.save()
    notifications.guest_invited(guest)
    return guest


@transaction.atomic
def guest_remove(*, actor: User, guest: Guest) -> None:
    """Take a guest off the meeting: their link stops working at once and, if the meeting is still to be held, they
    are sent a cancellation for their calendar. The audit trail keeps the row."""
    permissions.require_visible(actor, guest)
    guest = Guest.objects.select_for_update(of=("self",)).select_related("meeting__body").get(pk=guest.pk)
    meeting = guest.meeting
    permissions.require_secretariat(actor, meeting.body_id)
    if meeting.is_past:
        # They are on the record of the meeting (invited, and perhaps in its attendance): it is not rewritten.
        raise ValidationError(_("This meeting has already taken place: its guests stay on its record."))
    if not meeting.is_cancelled:
        # A change their calendar must take over the invitation it holds: the meeting's sequence rises.
        Meeting.objects.filter(pk=meeting.pk).update(sequence=F("sequence") + 1)
        meeting.refresh_from_db(fields=["sequence"])
        notifications.guest_removed(guest, sequence=meeting.sequence)
    guest.delete()


@transaction.atomic
def guest_link_renew(*, actor: User, guest: Guest) -> Guest:
    """Send the guest a new link (the one they have was passed on, or lost): every earlier link stops working."""
    permissions.require_visible(actor, guest)
    meeting = _require_guests_open(actor, guest.meeting)
    guest = Guest.objects.select_for_update().get(pk=guest.pk, meeting=meeting)
    guest.link_version += 1
    guest.save(update_fields=["link_version", "updated_at"])
    guest.meeting = meeting
    notifications.guest_invited(guest)
    return guest


@transaction.atomic
def guest_answer(*, guest: Guest, answer: str) -> Guest:
    """The guest's own answer, through their link (the caller has checked it): attending in person, remotely, or
    declined; they may change it until the meeting ends. The page records who answered (the guest, through their
    link) for the audit trail."""
    guest = Guest.objects.select_for_update(of=("self",)).select_related(
        "meeting__body", "meeting__host_agency"
    ).get(pk=guest.pk)
    _require_scheduled(guest.meeting)
    if guest.meeting.is_past:
        raise ValidationError(_("This meeting has already taken place."))
    if answer not in Guest.Answer.values:
        raise ValidationError({"answer": _("Choose an answer.")})
    guest.answer, guest.answered_at = answer, timezone.now()
    guest.reply_sequence = guest.reply_stamp = None
    guest.save(update_fields=["answer", "answered_at", "reply_sequence", "reply_stamp", "updated_at"])
    return guest


# The meeting package ---------------------------------------------------------------------------------------------


def _stalled(built: AgendaPackage) -> bool:
    """Queued or being built for longer than a build may take: its worker is gone."""
    limit = datetime.timedelta(seconds=settings.PACKAGE_BUILD_SECONDS + 60)
    return built.is_pending and built.requested_at < timezone.now() - limit


@transaction.atomic
def package_request(*, actor: User, meeting: Meeting) -> AgendaPackage:
    """The actor's meeting package, queued to be built unless it is built or being built: shared by every reader
    who sees the same agenda and papers. A failed one is tried again."""
    permissions.require_visible(actor, meeting)
    meeting = Meeting.objects.get(pk=meeting.pk)  # its key is of the meeting as stored, not as the caller holds it
    wanted = selectors.reader_package(actor=actor, meeting=meeting)
    built, created = AgendaPackage.objects.get_or_create(
        meeting=meeting, key=wanted.key, defaults={"contents": wanted.contents, "papers_total": wanted.papers_total},
    )
    if not created and built.status != AgendaPackage.Status.FAILED and not _stalled(built):
        return built
    if not created:
        AgendaPackage.objects.filter(pk=built.pk).update(
            status=AgendaPackage.Status.QUEUED, papers_done=0, requested_at=timezone.now()
        )
        built.refresh_from_db()
    transaction.on_commit(lambda: _queue_build(built.pk))
    return built


def _queue_build(package_id: int) -> None:
    from .tasks import build_agenda_package

    build_agenda_package.delay(package_id)


def package_build(*, package_id: int) -> None:
    """Build a queued package (the worker's task). Claimed first, so a second task for it does nothing; what it
    holds is read by the ids its readers' view named, and a package whose items or papers changed meanwhile is
    given up (its readers now have another key). A paper that cannot be included does not fail the package."""
    from . import package as packages

    now = timezone.now()
    abandoned = Q(status=AgendaPackage.Status.BUILDING, requested_at__lt=now - datetime.timedelta(
        seconds=settings.PACKAGE_BUILD_SECONDS + 60))
    claimed = AgendaPackage.objects.filter(Q(status=AgendaPackage.Status.QUEUED) | abandoned, pk=package_id).update(
        status=AgendaPackage.Status.BUILDING, papers_done=0, requested_at=now
    )
    if not claimed:
        return
    built = AgendaPackage.objects.get(pk=package_id)
    told = [time.monotonic()]

    def progress(done: int) -> None:
        # At most once a second (each is a row change, and so an audit entry), and the last one always.
        if done == built.papers_total or time.monotonic() - told[0] >= 1:
            AgendaPackage.objects.filter(pk=package_id).update(papers_done=done)
            told[0] = time.monotonic()

    try:
        result = packages.build(built, progress=progress)
    except Exception as error:
        (logger.info if isinstance(error, packages.Changed) else logger.exception)(
            "package %s not built: %s", package_id, error
        )
        AgendaPackage.objects.filter(pk=package_id).update(status=AgendaPackage.Status.FAILED)
        return
    name = default_storage.save(package_path(built, "package.pdf"), ContentFile(result.pdf))
    AgendaPackage.objects.filter(pk=package_id, status=AgendaPackage.Status.BUILDING).update(
        status=AgendaPackage.Status.READY, file=name, page_count=result.pages, classification=result.classification,
        papers_done=built.papers_total, built_at=timezone.now(),
    )


# Calendar replies ----------------------------------------------------------------------------------------------
# An invitee's calendar app answering their invitation by email (meetings/calendar_replies.py reads the message and
# finds whose invitation it answers). The answer is recorded as one given on the portal would be, by the invitee.

# What a calendar's PARTSTAT records. ACCEPTED does not say how: an earlier "in person" or "remotely" stands.
CALENDAR_ANSWERS = {
    "ACCEPTED": Rsvp.Response.ATTENDING,
    "TENTATIVE": Rsvp.Response.TENTATIVE,
    "DECLINED": Rsvp.Response.DECLINED,
    "DELEGATED": Rsvp.Response.DELEGATE,
}
ACCEPTED_ALREADY = {Rsvp.Response.IN_PERSON, Rsvp.Response.REMOTE, Rsvp.Response.ATTENDING}


def _reply_is_later(answer, *, last_sequence, last_stamp, answered_at, standing) -> bool:
    """Whether a calendar reply is later than the answer standing: than the last calendar reply (by SEQUENCE, then
    DTSTAMP), or than an answer given on the portal since (by when it was given). DTSTAMP counts whole seconds: of two
    replies stamped the same second, the one that arrives second stands, unless it says what stands already (the same
    reply again)."""
    if last_stamp is not None:
        reply, last = (answer.sequence, answer.stamp), (last_sequence or 0, last_stamp)
        return reply > last or reply == last and not _says_what_stands(answer, standing)
    return answered_at is None or answer.stamp > answered_at


def _says_what_stands(answer, standing) -> bool:
    said = CALENDAR_ANSWERS[answer.partstat]
    return said == standing or said == Rsvp.Response.ATTENDING and standing in ACCEPTED_ALREADY


def _reply_stamp(answer) -> datetime.datetime:
    # A calendar app's clock running ahead must not hold off the invitee's next answer.
    return min(answer.stamp, timezone.now())


def _require_answerable(meeting: Meeting) -> None:
    _require_scheduled(meeting)
    if meeting.is_past:
        raise ValidationError(_("This meeting has already taken place."))


@transaction.atomic
def calendar_answer_record(*, actor: User, meeting: Meeting, answer) -> bool:
    """The member's answer from their calendar app (an `itip.Answer` REPLY for this meeting, from their own address):
    recorded as `rsvp_set` records one, unless a later answer stands. Whether it changed anything."""
    permissions.require_visible(actor, meeting)
    meeting = Meeting.objects.get(pk=meeting.pk)
    _require_answerable(meeting)
    if not rules.is_invitee(actor, meeting):
        raise PermissionDenied(_("Only invitees can answer for this meeting."))
    current = Rsvp.objects.select_for_update().filter(meeting=meeting, user=actor).first()
    if current is not None and not _reply_is_later(
        answer, last_sequence=current.reply_sequence, last_stamp=current.reply_stamp, answered_at=current.updated_at,
        standing=current.response,
    ):
        return False
    response = CALENDAR_ANSWERS[answer.partstat]
    if response == Rsvp.Response.ATTENDING and current is not None and current.response in ACCEPTED_ALREADY:
        response = current.response
    delegate = None
    if response == Rsvp.Response.DELEGATE:
        delegate = User.objects.filter(email__iexact=answer.delegated_to, is_active=True).first() \
            if answer.delegated_to else None
        if delegate is None:
            raise ValidationError({"delegate": _("Name the delegate who will attend.")})
    note = answer.comment or (current.note if current is not None else "")
    rsvp_set(
        actor=actor, meeting=meeting, response=response, delegate=delegate, note=note,
        reply=(answer.sequence, _reply_stamp(answer)),
    )
    return True


@transaction.atomic
def calendar_guest_answer_record(*, guest: Guest, answer) -> bool:
    """A guest's answer from their calendar app, as `guest_answer` records one (the caller has matched the reply to
    the guest's own invitation). A guest cannot send someone in their place."""
    guest = Guest.objects.select_for_update(of=("self",)).select_related("meeting").get(pk=guest.pk)
    _require_answerable(guest.meeting)
    if answer.partstat == "DELEGATED":
        raise ValidationError(_("A guest cannot send a delegate."))
    if guest.answer is not None and not _reply_is_later(
        answer, last_sequence=guest.reply_sequence, last_stamp=guest.reply_stamp, answered_at=guest.answered_at,
        standing=guest.answer,
    ):
        return False
    response = Guest.Answer(CALENDAR_ANSWERS[answer.partstat])
    if response == Guest.Answer.ATTENDING and guest.answer in ACCEPTED_ALREADY:
        response = guest.answer
    guest.answer, guest.answered_at = response, timezone.now()
    guest.reply_sequence, guest.reply_stamp = answer.sequence, _reply_stamp(answer)
    guest.save(update_fields=["answer", "answered_at", "reply_sequence", "reply_stamp", "updated_at"])
    return True


@transaction.atomic
def time_proposal_record(*, meeting: Meeting, answer, user: User | None = None, guest: Guest | None = None) -> bool:
    """Another time an invitee proposes from their calendar app (an `itip.Answer` COUNTER): kept for the secretariat,
    who is told, and never applied. One per invitee, the latest; whether it changed anything."""
    meeting = Meeting.objects.select_for_update().select_related("body").get(pk=meeting.pk)
    if user is not None:
        permissions.require_visible(user, meeting)
        if not rules.is_invitee(user, meeting):
            raise PermissionDenied(_("Only invitees can answer for this meeting."))
    _require_answerable(meeting)
    start, end = answer.start, answer.end
    if start.tzinfo is None:  # a floating time: the meeting's own clock
        start = start.replace(tzinfo=meeting.zone)
        end = end.replace(tzinfo=meeting.zone) if end is not None else None
    if end is not None and end.tzinfo is None:
        end = end.replace(tzinfo=meeting.zone)
    end = end if end is not None else start + (meeting.end - meeting.start)
    if end <= start:
        raise ValidationError(_("The end must be after the start."))
    if start <= timezone.now():
        raise ValidationError(_("The proposed time has passed."))
    who = {"user": user} if user is not None else {"guest": guest}
    current = TimeProposal.objects.filter(meeting=meeting, **who).first()
    if current is not None and (answer.sequence, answer.stamp) <= (current.sequence, current.stamp):
        return False
    TimeProposal.objects.update_or_create(meeting=meeting, **who, defaults={
        "start": start, "end": end, "comment": answer.comment[:500], "sequence": answer.sequence,
        "stamp": _reply_stamp(answer), "received_at": timezone.now(),
    })
    notifications.time_proposed(meeting, str(user or guest))
    return True


# Reminders the secretariat aims ----------------------------------------------------------------------------------

# The one-time key of a reminder: made when its form is drawn (a UUID's hex), or an API client's own.
REMINDER_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


@dataclasses.dataclass(frozen=True)
class Reminded:
    """The reminder a press of the button stands for; `already_sent` when it had been sent by an earlier press with
    the same key (nothing more was sent)."""

    reminder: SentReminder
    already_sent: bool = False


def _reminder_key(key: str | None) -> str:
    if key is None:
        return uuid.uuid4().hex
    if not isinstance(key, str) or not REMINDER_KEY.fullmatch(key):
        raise ValidationError({"key": _(
            "The reminder's key is 8 to 64 letters, digits, hyphens or underscores: reload the page and send the "
            "reminder again."
        )})
    return key


def _require_remindable(meeting: Meeting) -> None:
    _require_scheduled(meeting)
    # As for the scheduled reminders: nobody is reminded of a meeting that has already started.
    if meeting.start <= timezone.now():
        raise ValidationError(_("This meeting has already started: nobody is reminded of it any more."))


def _reminded_people(
    meeting: Meeting, audience: str, people: Iterable[User], guests: Iterable[Guest]
) -> tuple[list[User], list[Guest]]:
    """Who the reminder goes to: the invitees (members who may see the meeting, and its guests) who have not answered,
    or those ticked, each of whom must be one of them. A refusal names nobody."""
    invitees = notifications.audience(meeting)
    invited_guests = list(meeting.guests.all())
    people, guests = list(people), list(guests)
    if audience == SentReminder.Audience.UNANSWERED:
        if people or guests:
            raise ValidationError({"audience": _(
                "You ticked people: choose “The people I tick”, or untick them to remind everyone who has not "
                "answered."
            )})
        answered = set(Rsvp.objects.filter(meeting=meeting).values_list("user_id", flat=True))
        chosen = [p for p in invitees if p.pk not in answered], [g for g in invited_guests if g.answer is None]
        if not any(chosen):
            raise ValidationError({"audience": _("Every invitee has answered: there is nobody to remind.")})
        return chosen
    if audience != SentReminder.Audience.CHOSEN:
        raise ValidationError({"audience": _("Choose who to remind.")})
    if not people and not guests:
        raise ValidationError({"people": _("Tick the people to remind.")})
    invited = {p.pk: p for p in invitees}
    if any(p.pk not in invited for p in people):
        raise ValidationError({"people": _("Only the meeting's invitees can be reminded: untick the others.")})
    if any(g.meeting_id != meeting.pk for g in guests):
        raise ValidationError({"guests": _("Only this meeting's guests can be reminded: untick the others.")})
    wanted_people, wanted_guests = {p.pk for p in people}, {g.pk for g in guests}
    return [p for p in invitees if p.pk in wanted_people], [g for g in invited_guests if g.pk in wanted_guests]


def _record_recipients(sent: SentReminder, meeting: Meeting, people: list[User], guests: list[Guest]) -> None:
    told_by = notifications.reminded_by(meeting, people)
    SentReminderRecipient.objects.bulk_create(
        [SentReminderRecipient(reminder=sent, person=p, name=str(p), told_by=told_by[p.pk]) for p in people]
        + [SentReminderRecipient(reminder=sent, guest=g, name=str(g), told_by=SentReminderRecipient.ToldBy.EMAIL)
           for g in guests]
    )


@transaction.atomic
def meeting_remind(
    *,
    actor: User,
    meeting: Meeting,
    audience: str,
    people: Iterable[User] = (),
    guests: Iterable[Guest] = (),
    message_en: str = "",
    message_fr: str = "",
    key: str | None = None,
) -> Reminded:
    """Remind some of the meeting's invitees now (its secretariat): those who have not answered (`audience`
    "unanswered"), or the people and guests ticked ("chosen"), with a message of the secretariat's own in English and
    French, or none. Each is told once, in their language and time zone (see notifications.reminded), and the
    reminder is kept in the meeting's log. `key` makes it once: a second call with the same key (the button pressed
    twice, even at the same instant) sends nothing more and answers with the reminder the first one sent. Without a
    key (an API client that gives none), each call is a reminder of its own."""
    permissions.require_visible(actor, meeting)
    permissions.require_secretariat(actor, meeting.body_id)
    key = _reminder_key(key)
    # Locked until this commits: a second press with the same key waits here, then finds this one's reminder; nor
    # does a reminder go out while the meeting is being moved or cancelled.
    meeting = Meeting.objects.select_for_update(of=("self",), no_key=True).select_related("body", "host_agency").get(
        pk=meeting.pk
    )
    earlier = SentReminder.objects.filter(meeting=meeting, key=key).first()
    if earlier is not None:
        return Reminded(earlier, already_sent=True)
    _require_remindable(meeting)
    check_message_pair(message_en, message_fr, "message")
    people, guests = _reminded_people(meeting, audience, people, guests)
    sent = SentReminder.objects.create(
        meeting=meeting, key=key, sent_by=actor, audience=audience, message_en=message_en.strip(),
        message_fr=message_fr.strip(), recipient_count=len(people) + len(guests),
    )
    _record_recipients(sent, meeting, people, guests)
    notifications.reminded(meeting, sent, people, guests)
    return Reminded(sent)
