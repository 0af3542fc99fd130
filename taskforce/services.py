"""Writes for bodies, roles and milestones. Each checks permission, validates, then writes."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from members.models import Agency, User

from . import permissions
from .errors import ConflictError
from .models import AgencyRole, Body, Membership, Milestone, due_window


@transaction.atomic
def body_create(*, acronym: str, name_en: str, name_fr: str, kind: str, parent: Body | None = None, **fields) -> Body:
    body = Body(acronym=acronym, name_en=name_en, name_fr=name_fr, kind=kind, parent=parent, **fields)
    body.full_clean()
    body.save()
    return body


@transaction.atomic
def agency_role_set(*, body: Body, agency: Agency, role: str) -> AgencyRole:
    agency_role = AgencyRole.objects.filter(body=body, agency=agency).first() or AgencyRole(body=body, agency=agency)
    agency_role.role = role
    agency_role.full_clean()
    agency_role.save()
    return agency_role


@transaction.atomic
def membership_set(*, body: Body, user: User, role: str) -> Membership:
    membership = Membership.objects.filter(body=body, user=user).first() or Membership(body=body, user=user)
    membership.role = role
    membership.full_clean()
    membership.save()
    return membership


def _require_body_agencies(body_id: int, agencies: list[Agency]) -> None:
    """Only agencies that take part in the body can be given one of its items."""
    taking_part = set(AgencyRole.objects.filter(body_id=body_id).values_list("agency_id", flat=True))
    if any(agency.pk not in taking_part for agency in agencies):
        raise ValidationError({"restricted_to": _("Choose agencies that take part in this body.")})


@transaction.atomic
def milestone_create(
    *,
    actor: User,
    body: Body,
    title_en: str,
    owner_agency: Agency,
    due_start: datetime.date,
    due_end: datetime.date | None = None,
    due_precision: str = "day",
    restricted_to: list[Agency] | None = None,
    **fields,
) -> Milestone:
    """A milestone of a body; restricted to the named agencies when `restricted_to` is given."""
    permissions.require_secretariat(actor, body.pk)
    _require_body_agencies(body.pk, restricted_to or [])
    milestone = Milestone(
        body=body,
        title_en=title_en,
        owner_agency=owner_agency,
        due_start=due_start,
        due_end=due_end or due_start,
        due_precision=due_precision,
        restricted=bool(restricted_to),
        **fields,
    )
    milestone.full_clean()
    milestone.save()
    if restricted_to:
        permissions.grant(milestone, restricted_to)
    return milestone


@transaction.atomic
def milestone_update(
    *, actor: User, milestone: Milestone, seen: datetime.datetime | None = None,
    restricted_to: list[Agency] | None = None, **fields,
) -> Milestone:
    """Change a milestone's dates, status or wording, and (with `restricted_to`) who it is shared with; its reminders
    follow. `seen` is when it was last saved as the editor read it: a save by someone else since is refused."""
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    permissions.require_visible(actor, milestone)
    permissions.require_secretariat(actor, milestone.body_id)
    if seen is not None and milestone.updated_at != seen:
        raise ConflictError(
            _("Someone else saved this milestone after you opened it. Their version is shown; nothing of yours "
              "was saved. Compare, then save again to replace it."),
            code="conflict",
        )
    for name, value in fields.items():
        setattr(milestone, name, value)
    milestone.full_clean()
    milestone.save()
    if restricted_to is not None:
        milestone_share(actor=actor, milestone=milestone, agencies=restricted_to)
    return milestone


@transaction.atomic
def milestone_follow_step(*, milestone: Milestone, target: datetime.date | None, done: bool) -> Milestone:
    """Keep a milestone in step with the approval step that tracks the same deadline. No actor: this is never a
    page's or a client's write, only the consequence of an approval step's service, which checked its own actor
    (whose agency may not even see the milestone). Due in the window of its precision that holds the step's target
    date, done when the step is, in progress again when the step is reopened. A cancelled milestone stays cancelled."""
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if target is not None:
        milestone.due_start, milestone.due_end = due_window(milestone.due_precision, target)
    if milestone.status != Milestone.Status.CANCELLED:
        if done:
            milestone.status = Milestone.Status.DONE
        elif milestone.status == Milestone.Status.DONE:
            milestone.status = Milestone.Status.IN_PROGRESS
    milestone.full_clean()
    milestone.save()
    return milestone


@transaction.atomic
def milestone_share(*, actor: User, milestone: Milestone, agencies: list[Agency]) -> Milestone:
    """Restrict a milestone to exactly these agencies; an empty list makes it body-wide again."""
    permissions.require_secretariat(actor, milestone.body_id)
    _require_body_agencies(milestone.body_id, agencies)
    current = set(permissions.granted_agencies(milestone))
    permissions.revoke(milestone, current - set(agencies))
    permissions.grant(milestone, set(agencies) - current)
    milestone.restricted = bool(agencies)
    milestone.save(update_fields=["restricted", "updated_at"])
    return milestone
