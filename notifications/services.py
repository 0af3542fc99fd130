"""Writes of a member's notices and preferences, and the secretariat's retry of a failed email."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import User
from taskforce import permissions
from taskforce.models import Membership

from . import engine
from .models import Delivery, DeliveryMode, Notification, NotificationKind, NotificationPreference


@transaction.atomic
def notification_preferences_set(*, actor: User, modes: dict[str, str]) -> None:
    """Each kind of notice: immediately, in the daily digest, or off."""
    for kind, mode in modes.items():
        if kind not in NotificationKind.values or mode not in DeliveryMode.values:
            raise ValidationError(_("Unknown kind of notice or way of receiving it."))
        NotificationPreference.objects.update_or_create(user=actor, kind=kind, defaults={"mode": mode})


def notifications_mark_read(*, actor: User, ids: list[int] | None = None) -> int:
    """Mark the actor's own notifications read (all of them when no ids are given)."""
    unread = Notification.objects.filter(user=actor, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def delivery_retry(*, actor: User, delivery: Delivery) -> Delivery:
    """Send a failed email again (the secretariat of one of the recipient's bodies)."""
    bodies = permissions.secretariat_body_ids(actor)
    if delivery.recipient_id is None:
        answers_for_it = delivery.body_id in bodies
    else:
        answers_for_it = Membership.objects.filter(user=delivery.recipient, body__in=bodies).exists()
    if not actor.is_superuser and not answers_for_it:
        raise PermissionDenied(_("Only the secretariat of the recipient's body can retry this message."))
    if delivery.status != Delivery.Status.FAILED:
        raise ValidationError(_("Only a failed message can be sent again."))
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.PENDING, last_error="", attempts=0)
    transaction.on_commit(lambda: engine.queue_pending(ids=[delivery.pk]))
    delivery.refresh_from_db()
    return delivery
