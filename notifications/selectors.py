"""Reads of notices and emails: a member's own notices and choices; the secretariat's lists of the emails not delivered
and of those sent."""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from members.models import User
from taskforce import permissions
from taskforce.models import Membership

from .models import Delivery, DeliveryMode, Notification, NotificationKind, NotificationPreference


def notification_list(*, actor: User) -> QuerySet[Notification]:
    """The actor's own notifications, newest first."""
    return Notification.objects.filter(user_id=actor.pk).order_by("-created_at", "-pk")


def notification_get(*, actor: User, pk: int) -> Notification:
    return get_object_or_404(Notification, pk=pk, user_id=actor.pk)


def notification_modes(*, actor: User) -> dict[str, str]:
    chosen = dict(NotificationPreference.objects.filter(user_id=actor.pk).values_list("kind", "mode"))
    return {kind: chosen.get(kind, DeliveryMode.IMMEDIATELY) for kind in NotificationKind.values}


def _deliveries(actor: User) -> QuerySet[Delivery]:
    """Emails to the people of the bodies the actor is secretariat of (and of no other body); nobody else has this page
    (404)."""
    deliveries = Delivery.objects.select_related("recipient__agency")
    if actor.is_superuser:
        return deliveries
    bodies = permissions.secretariat_body_ids(actor)
    if not bodies:
        raise Http404()
    # A member of one of those bodies, or someone without an account its secretariat emailed (a meeting's guest). A
    # member of another body too is left out: their messages may be about that body's meetings and agreements, which
    # this secretariat may not see (the subject alone would tell it).
    elsewhere = Membership.objects.exclude(body_id__in=bodies).values("user_id")
    return deliveries.filter(
        Q(recipient__memberships__body__in=bodies) & ~Q(recipient_id__in=elsewhere)
        | Q(recipient__isnull=True, body__in=bodies)
    ).distinct()


def delivery_list(*, actor: User) -> QuerySet[Delivery]:
    """Messages not (yet) delivered."""
    undelivered = _deliveries(actor).exclude(status__in=[Delivery.Status.SENT, Delivery.Status.DIGESTED])
    return undelivered.order_by("-created_at", "-pk")[:500]


def delivery_get(*, actor: User, pk: int) -> Delivery:
    return get_object_or_404(_deliveries(actor), pk=pk)


# How many sent messages a page of them lists.
SENT_PAGE_SIZE = 100


def delivery_sent_list(*, actor: User, before: Delivery | None = None) -> list[Delivery]:
    """Messages sent (on their own or in a daily digest), most recently sent first: a page of SENT_PAGE_SIZE, and one
    more when there are more (the caller shows the page and links on from its last row); `before`, that last row of
    the previous page."""
    sent = _deliveries(actor).filter(status__in=[Delivery.Status.SENT, Delivery.Status.DIGESTED])
    if before is not None:
        sent = sent.filter(Q(sent_at__lt=before.sent_at) | Q(sent_at=before.sent_at, pk__lt=before.pk))
    return list(sent.order_by("-sent_at", "-pk")[: SENT_PAGE_SIZE + 1])


def delivery_sent_get(*, actor: User, pk: int) -> Delivery:
    """One sent message the actor may list (the anchor of a page of them)."""
    return get_object_or_404(
        _deliveries(actor).filter(status__in=[Delivery.Status.SENT, Delivery.Status.DIGESTED]), pk=pk
    )
