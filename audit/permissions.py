"""Who may read which entries of the audit trail: a rule of its own, registered with the visibility core."""

from django.db.models import Q, QuerySet

from members.models import User
from taskforce import permissions
from taskforce.models import Membership

from .models import AuditEntry


def scope_audit(actor: permissions.Actor, queryset: QuerySet | None = None) -> QuerySet:
    """The audit trail is the secretariat's: entries about the objects of the bodies they are secretariat of, and
    about the accounts of those bodies' people (their sign-ins, their tokens), never above their clearance.
    Entries about nothing in a body (agencies, failed sign-ins of unknown names) are the superusers'."""
    queryset = AuditEntry.objects.all() if queryset is None else queryset
    if not (actor and actor.is_authenticated and actor.is_active):
        return queryset.none()
    if actor.is_superuser:
        return queryset
    people = Membership.objects.filter(permissions.in_secretariat_bodies(actor, "body")).values("user_id")
    about_people = Q(body_id__isnull=True, object_type=User._meta.label_lower, object_id__in=people)
    return queryset.filter(
        permissions.in_secretariat_bodies(actor, "body_id") | about_people, classification__lte=actor.clearance
    )
