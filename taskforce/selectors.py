"""Reads for the task-force core; each starts from a queryset scoped to the actor."""


from django.db.models import Prefetch, QuerySet

from members.models import Agency, User

from . import permissions
from .models import AgencyRole, Body, Membership, Milestone


def body_list(*, actor: User) -> QuerySet[Body]:
    return permissions.scope(actor, Body.objects.select_related("parent"))


def body_get(*, actor: User, acronym: str) -> Body:
    return permissions.get_visible_or_404(actor, Body.objects.select_related("parent"), acronym__iexact=acronym)


def body_agency_roles(*, actor: User, body: Body) -> QuerySet[AgencyRole]:
    return permissions.scope(actor, AgencyRole.objects.filter(body=body).select_related("agency__parent"))


def body_memberships(*, actor: User, body: Body) -> QuerySet[Membership]:
    people = permissions.scope_people(actor)
    return permissions.scope(
        actor, Membership.objects.filter(body=body, user__in=people).select_related("user__agency")
    ).order_by("role", "user__last_name", "user__username")


def body_agencies(*, actor: User, body: Body) -> QuerySet[Agency]:
    """The agencies that take part in the body, as the actor may see them."""
    return agency_list(actor=actor).filter(body_roles__body=body).prefetch_related(None)


def milestone_list(*, actor: User, body: Body | None = None) -> QuerySet[Milestone]:
    milestones = Milestone.objects.select_related("body", "owner_agency")
    if body is not None:
        milestones = milestones.filter(body=body)
    return permissions.scope(actor, milestones)


def milestone_get(*, actor: User, pk: int) -> Milestone:
    return permissions.get_visible_or_404(actor, Milestone.objects.select_related("body", "owner_agency"), pk=pk)


def agency_list(*, actor: User) -> QuerySet[Agency]:
    roles = permissions.scope(actor, AgencyRole.objects.select_related("body"))
    return permissions.scope_agencies(actor).select_related("parent__parent").prefetch_related(
        Prefetch("body_roles", queryset=roles, to_attr="visible_roles")
    )


def agency_get(*, actor: User, acronym: str) -> Agency:
    return permissions.get_visible_or_404(actor, agency_list(actor=actor), acronym__iexact=acronym)


def member_list(*, actor: User, agency: Agency | None = None) -> QuerySet[User]:
    people = permissions.scope_people(actor).select_related("agency")
    if agency is not None:
        people = people.filter(agency=agency)
    memberships = permissions.scope(actor, Membership.objects.select_related("body"))
    return people.prefetch_related(Prefetch("memberships", queryset=memberships, to_attr="visible_memberships"))


def member_get(*, actor: User, username: str) -> User:
    return permissions.get_visible_or_404(actor, member_list(actor=actor), username=username)
