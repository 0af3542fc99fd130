"""Reads of the audit trail: the secretariat's, for the bodies they are secretariat of; nobody else has it (404)."""

import datetime

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.http import Http404

from members.models import Agency, User
from taskforce import permissions
from taskforce.models import Body, Membership

from . import trail
from .models import AuditEntry


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
        labels = trail.labels_of(label)
        entries = entries.filter(Q(object_type__in=labels, object_id=pk) | Q(parent_type__in=labels, parent_id=pk))
    if kind:
        entries = entries.filter(kind=kind)
    if since is not None:
        entries = entries.filter(occurred_at__gte=since)
    if until is not None:
        entries = entries.filter(occurred_at__lt=until)
    return entries
