"""Writes for bodies, roles and milestones. Each checks permission, validates, then writes."""

import datetime

from django.db import transaction

from members.models import Agency, User

from . import permissions
from .models import AgencyRole, Body, Membership, Milestone


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
def milestone_share(*, actor: User, milestone: Milestone, agencies: list[Agency]) -> Milestone:
    """Restrict a milestone to exactly these agencies; an empty list makes it body-wide again."""
    permissions.require_secretariat(actor, milestone.body_id)
    current = set(permissions.granted_agencies(milestone))
    permissions.revoke(milestone, current - set(agencies))
    permissions.grant(milestone, set(agencies) - current)
    milestone.restricted = bool(agencies)
    milestone.save(update_fields=["restricted", "updated_at"])
    return milestone
