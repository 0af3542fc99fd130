"""Reads for the task-force core; each starts from a queryset scoped to the actor."""

import datetime

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.http import Http404
from django.shortcuts import get_object_or_404

from members.models import Agency, User

from . import permissions
from .models import (
    AgencyRole,
    ApiToken,
    AuditEntry,
    Body,
    CalendarFeed,
    Delivery,
    DeliveryMode,
    Membership,
    Milestone,
    Notification,
    NotificationKind,
    NotificationPreference,
)


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


def notification_list(*, actor: User) -> QuerySet[Notification]:
    """The actor's own notifications, newest first."""
    return Notification.objects.filter(user_id=actor.pk).order_by("-created_at", "-pk")


def notification_get(*, actor: User, pk: int) -> Notification:
    return get_object_or_404(Notification, pk=pk, user_id=actor.pk)


def notification_modes(*, actor: User) -> dict[str, str]:
    chosen = dict(NotificationPreference.objects.filter(user_id=actor.pk).values_list("kind", "mode"))
    return {kind: chosen.get(kind, DeliveryMode.IMMEDIATELY) for kind in NotificationKind.values}


def _deliveries(actor: User) -> QuerySet[Delivery]:
    """Emails to the people of the bodies the actor is secretariat of; nobody else has this page (404)."""
    deliveries = Delivery.objects.select_related("recipient__agency")
    if actor.is_superuser:
        return deliveries
    bodies = permissions.secretariat_body_ids(actor)
    if not bodies:
        raise Http404()
    return deliveries.filter(recipient__memberships__body__in=bodies).distinct()


def delivery_list(*, actor: User) -> QuerySet[Delivery]:
    """Messages not (yet) delivered."""
    undelivered = _deliveries(actor).exclude(status__in=[Delivery.Status.SENT, Delivery.Status.DIGESTED])
    return undelivered.order_by("-created_at", "-pk")[:500]


def delivery_get(*, actor: User, pk: int) -> Delivery:
    return get_object_or_404(_deliveries(actor), pk=pk)


# The member's own API tokens and calendar feed: nobody else's exist for them.


def api_token_list(*, actor: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=actor.pk).order_by("-created_at", "-pk")


def api_token_get(*, actor: User, pk: int) -> ApiToken:
    return get_object_or_404(api_token_list(actor=actor), pk=pk)


def calendar_feed_get(*, actor: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user_id=actor.pk).first()


# The audit trail: the secretariat's, for the bodies they are secretariat of; nobody else has it (404).


def audit_people(*, actor: User) -> QuerySet[User]:
    """Whose actions the actor may look up: the people of their bodies, whether or not still active."""
    if actor.is_superuser:
        return User.objects.select_related("agency")
    people = Membership.objects.filter(permissions.in_secretariat_bodies(actor, "body")).values("user_id")
    return User.objects.filter(pk__in=people).select_related("agency")


def audit_agencies(*, actor: User) -> QuerySet[Agency]:
    return permissions.scope_agencies(actor)


def audit_log(*, actor: User) -> QuerySet[AuditEntry]:
    """Entries newest first, each with who acted (`actor_info`) and the body's acronym, in English and French."""
    if not permissions.is_secretariat_anywhere(actor):
        raise Http404()
    who = User.objects.filter(pk=OuterRef("actor_id")).values(
        info=JSONObject(username="username", first_name="first_name", last_name="last_name", agency="agency__acronym",
                        agency_fr="agency__acronym_fr")
    )
    body = Body.objects.filter(pk=OuterRef("body_id"))
    entries = permissions.scope(actor, AuditEntry.objects.all())
    return entries.annotate(
        actor_info=Subquery(who[:1]),
        body_acronym=Subquery(body.values("acronym")[:1]),
        body_acronym_fr=Subquery(body.values("acronym_fr")[:1]),
    ).order_by("-id")


def audit_filter(
    entries: QuerySet[AuditEntry],
    *,
    person: User | None = None,
    agency: Agency | None = None,
    object_ref: tuple[str, int] | None = None,
    kind: str = "",
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> QuerySet[AuditEntry]:
    """Entries of `audit_log` narrowed down. `object_ref` is an object ("mou.agreement", 12): its own entries and
    those of its parts (its versions, grants and parties)."""
    if person is not None:
        entries = entries.filter(actor_id=person.pk)
    if agency is not None:
        entries = entries.filter(actor_id__in=User.objects.filter(agency=agency).values("pk"))
    if object_ref is not None:
        label, pk = object_ref
        entries = entries.filter(Q(object_type=label, object_id=pk) | Q(parent_type=label, parent_id=pk))
    if kind:
        entries = entries.filter(kind=kind)
    if since is not None:
        entries = entries.filter(occurred_at__gte=since)
    if until is not None:
        entries = entries.filter(occurred_at__lt=until)
    return entries
