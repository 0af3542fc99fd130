"""Writes for bodies, roles and milestones. Each checks permission, validates, then writes."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Agency, User

from . import audit, authentication, deadlines, notifications, permissions
from .errors import ConflictError
from .models import (
    AgencyRole,
    ApiToken,
    Body,
    CalendarFeed,
    Delivery,
    DeliveryMode,
    Membership,
    Milestone,
    Notification,
    NotificationKind,
    NotificationPreference,
    due_window,
)


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
    deadlines.milestone_reminders_replace(milestone)
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
    deadlines.milestone_reminders_replace(milestone)
    return milestone


@transaction.atomic
def milestone_follow(*, milestone: Milestone, target: datetime.date | None, done: bool) -> Milestone:
    """Keep a milestone in step with the approval step that tracks the same deadline (whose own service checked
    the actor): due in the window of its precision that holds the step's target date, done when the step is, in
    progress again when the step is reopened. A cancelled milestone stays cancelled."""
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
    deadlines.milestone_reminders_replace(milestone)
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


# Notifications --------------------------------------------------------------------------------------


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
    if not actor.is_superuser and not Membership.objects.filter(user=delivery.recipient, body__in=bodies).exists():
        raise PermissionDenied(_("Only the secretariat of the recipient's body can retry this message."))
    if delivery.status != Delivery.Status.FAILED:
        raise ValidationError(_("Only a failed message can be sent again."))
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.PENDING, last_error="", attempts=0)
    transaction.on_commit(lambda: notifications.queue_pending(ids=[delivery.pk]))
    delivery.refresh_from_db()
    return delivery


# API tokens and calendar feeds: a member manages their own.

API_TOKEN_LIFETIMES = (30, 90, 365)


@transaction.atomic
def api_token_create(
    *, actor: User, name: str, access: str = ApiToken.Access.READ, expires_in_days: int | None = 90
) -> tuple[ApiToken, str]:
    """A new token for the actor; returns it with the token text, which is never stored and shown only now."""
    if not actor.is_active:
        raise PermissionDenied(_("Only active members can create API tokens."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, so you can recognise it later.")})
    if access not in ApiToken.Access.values:
        raise ValidationError({"access": _("Choose read only or read and write.")})
    if expires_in_days is not None and not 1 <= expires_in_days <= 366:
        raise ValidationError({"expires_in_days": _("A token lasts between 1 and 366 days, or does not expire.")})
    text = authentication.new_token()
    token = ApiToken(
        user=actor,
        name=name,
        prefix=text[: len(authentication.TOKEN_PREFIX) + 6],
        digest=authentication.token_digest(text),
        access=access,
        expires_at=timezone.now() + datetime.timedelta(days=expires_in_days) if expires_in_days else None,
    )
    token.full_clean()
    token.save()
    audit.token_created(token)
    return token, text


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's own tokens; a token of someone else's does not exist for them."""
    if token.user_id != actor.pk:
        raise Http404()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.token_revoked(token, actor=actor)
    return token


@transaction.atomic
def calendar_feed_regenerate(*, actor: User) -> CalendarFeed:
    """Give the actor a (new) private feed address; the previous one stops working at once."""
    feed, _created = CalendarFeed.objects.select_for_update().get_or_create(
        user=actor, defaults={"key": authentication.new_feed_key()}
    )
    if not _created:
        feed.key = authentication.new_feed_key()
        feed.last_fetched_at = None
        feed.save(update_fields=["key", "last_fetched_at"])
    return feed


@transaction.atomic
def calendar_feed_revoke(*, actor: User) -> None:
    CalendarFeed.objects.filter(user=actor).delete()
