"""The visibility core: the only code that knows who may see or change what.

Rules (DESIGN.md, "Who sees what"):
- superusers see everything (the only global exception);
- the secretariat of a body sees and manages everything of that body;
- a person with any other role in a body sees what is shared with their agency: body-wide objects,
  and restricted objects granted to their agency (or to them by name);
- a person with no role in a body sees none of it;
- nobody sees a document marked above their clearance.

Each scoped model registers a `Policy` (in its AppConfig.ready) naming the path to its body and how it
is restricted. Grants are django-guardian object permissions held by each agency's group, stored in
direct foreign-key permission tables. Global (model-level) permissions never widen a scope: nothing here
consults them.

Everything a user may not see is absent from querysets, so fetching it is a 404 (never a 403).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from guardian.shortcuts import assign_perm, remove_perm
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from members.models import Agency, User

from . import audit
from .models import AgencyRole, AuditEntry, Membership

Actor = User | AnonymousUser


@dataclass(frozen=True)
class Policy:
    """How one model is scoped.

    body: lookup path from the model to its Body ("body", "meeting__body").
    restricted: boolean field that, when true, limits the object to the agencies (or people) granted
        the view permission on it; ALWAYS when only grants share it (a meeting is seen by its
        invitees); None when the model has no restriction of its own.
    parent: lookup path to a scoped object this one belongs to; the object is visible only when its
        parent is (comments on an agenda item, versions of an agreement).
    classification: path to a Classification field compared with the viewer's clearance.
    member_filter: extra condition for everyone but the secretariat (an agenda not yet circulated).
    """

    body: str
    restricted: str | bool | None = "restricted"
    parent: str | None = None
    classification: str | None = None
    member_filter: Callable[[User], Q] | None = None


ALWAYS = True

_policies: dict[type[models.Model], Policy] = {}


def register(model: type[models.Model], policy: Policy) -> None:
    _policies[model] = policy


def policy_for(model: type[models.Model]) -> Policy:
    try:
        return _policies[model]
    except KeyError:
        raise ImproperlyConfigured(
            f"{model.__name__} has no visibility policy; register one in its app's ready()."
        ) from None


def registered_models() -> list[type[models.Model]]:
    return [*_policies, *_directory]


def _is_active(actor: Actor) -> bool:
    return bool(actor and actor.is_authenticated and actor.is_active)


def _body_ids(actor: User, *, secretariat: bool) -> QuerySet:
    memberships = Membership.objects.filter(user_id=actor.pk)
    if secretariat:
        memberships = memberships.filter(role=Membership.Role.SECRETARIAT)
    return memberships.values("body_id")


def _granted(model: type[models.Model], actor: User) -> Q:
    """Objects whose view permission was granted to the actor's agency or to the actor by name."""
    codename = f"view_{model._meta.model_name}"
    # The agency's group by its id when the actor came with their agency (token and session sign-ins do): one
    # join fewer in every grant subquery, to build and to plan.
    agency = actor.agency if User.agency.is_cached(actor) else None
    group = {"group_id": agency.group_id} if agency is not None else {"group__agency__id": actor.agency_id}
    user_perms = get_user_obj_perms_model(model).objects.filter(
        content_object_id=OuterRef("pk"), permission__codename=codename, user_id=actor.pk
    )
    if actor.agency_id is None:  # only superusers may be in no agency, and they are not scoped: no agency grants
        return Q(Exists(user_perms))
    group_perms = get_group_obj_perms_model(model).objects.filter(
        content_object_id=OuterRef("pk"), permission__codename=codename, **group
    )
    return Q(Exists(group_perms)) | Q(Exists(user_perms))


def scope(actor: Actor, queryset: QuerySet) -> QuerySet:
    """The part of `queryset` the actor may see. Every list, count and fetch starts here."""
    if not _is_active(actor):
        return queryset.none()
    model = queryset.model
    if model in _directory:
        return _directory[model](actor, queryset)
    policy = policy_for(model)
    if actor.is_superuser:
        return queryset
    condition, parent = _conditions(actor, model, policy)
    visible = queryset.filter(condition)
    if policy.parent:
        visible = visible.filter(**{f"{policy.parent}__in": parent})
    return visible


def _conditions(actor: User, model: type[models.Model], policy: Policy) -> tuple[Q, QuerySet | None]:
    """The filter that scopes `model` for the actor, and the scoped parent rows (lazy, so read when the query
    runs). Built once per actor and model and kept on the actor (a request's user): a page scopes the same models
    many times, and building the subqueries costs more than running them. What they read (memberships, grants)
    is read by the database when each query runs, so nothing kept here goes stale; what is taken from the actor
    itself is part of the key."""
    agency = actor.agency if User.agency.is_cached(actor) else None
    key = (model, actor.pk, actor.agency_id, agency.group_id if agency else None, actor.clearance)
    kept = getattr(actor, "_visibility_conditions", None)
    if kept is None:
        kept = {}
        actor._visibility_conditions = kept
    if key not in kept:
        body = policy.body
        in_secretariat = Q(**{f"{body}__in": _body_ids(actor, secretariat=True)})
        as_member = Q(**{f"{body}__in": _body_ids(actor, secretariat=False)})
        if policy.restricted is ALWAYS:
            as_member &= _granted(model, actor)
        elif policy.restricted:
            as_member &= Q(**{policy.restricted: False}) | _granted(model, actor)
        if policy.member_filter:
            as_member &= policy.member_filter(actor)
        condition = in_secretariat | as_member
        if policy.classification:
            condition &= Q(**{f"{policy.classification}__lte": actor.clearance})
        parent = None
        if policy.parent:
            parent_model = model._meta.get_field(policy.parent.split("__")[0]).related_model
            parent = scope(actor, parent_model._default_manager.all())
        kept[key] = (condition, parent)
    return kept[key]


def get_visible_or_404(actor: Actor, queryset: QuerySet, **lookup) -> models.Model:
    """Fetch one object the actor may see, or raise Http404 with nothing that names it. Asking for one that exists
    but is hidden from the actor is recorded in the audit trail."""
    visible = scope(actor, queryset)
    try:
        return visible.get(**lookup)
    except queryset.model.DoesNotExist:
        audit.refused(actor, queryset.filter(**lookup), visible=visible)
        raise Http404() from None
    except (ValueError, TypeError):
        raise Http404() from None


def visible_among(queryset: QuerySet, wanted: Iterable[tuple[Actor, Iterable[int]]]) -> dict[int, set[int]]:
    """For each actor, which of the objects of `queryset` asked about (by pk) they may see, by actor pk:
    `scope()`'s rules worked out for many people and objects at once, for telling many people about the same things.
    A constant number of queries however many actors and objects: the objects, their grants, the actors'
    memberships, the agencies' groups, one per distinct member filter, and as many again for the parents."""
    asked: dict[int, tuple[User, set[int]]] = {}
    for actor, pks in wanted:
        if _is_active(actor):
            asked.setdefault(actor.id, (actor, set()))[1].update(pks)
    seen: dict[int, set[int]] = {actor_id: set() for actor_id in asked}
    if not asked:
        return seen
    model = queryset.model
    policy = policy_for(model)
    restricted_field = policy.restricted if isinstance(policy.restricted, str) else None
    columns = ["pk", policy.body, restricted_field or "pk", policy.classification or "pk", policy.parent or "pk"]
    every = {pk for _, pks in asked.values() for pk in pks}
    # pk: (body id, restricted, classification, parent pk)
    rows = {
        pk: (body_id, policy.restricted is ALWAYS or bool(restricted_field and restricted), level, parent)
        for pk, body_id, restricted, level, parent in queryset.filter(pk__in=every).order_by().values_list(*columns)
    }

    # Grants on the restricted objects, to agencies' groups and to people by name.
    codename = f"view_{model._meta.model_name}"
    restricted_pks = [pk for pk, row in rows.items() if row[1]]
    group_grants: dict[int, set[int]] = {}
    user_grants: set[tuple[int, int]] = set()
    if restricted_pks:
        for obj_pk, group_id in get_group_obj_perms_model(model).objects.filter(
            content_object_id__in=restricted_pks, permission__codename=codename
        ).values_list("content_object_id", "group_id"):
            group_grants.setdefault(obj_pk, set()).add(group_id)
        user_grants = set(
            get_user_obj_perms_model(model).objects.filter(
                content_object_id__in=restricted_pks, permission__codename=codename, user_id__in=list(asked)
            ).values_list("user_id", "content_object_id")
        )
    # An actor's agency's group, as `_granted` names it.
    agency_group = dict(Agency.objects.values_list("pk", "group_id")) if group_grants else {}

    roles: dict[int, dict[int, bool]] = {}  # actor: {body: secretariat}
    for user_id, body_id, role in Membership.objects.filter(user_id__in=list(asked)).values_list(
        "user_id", "body_id", "role"
    ):
        bodies = roles.setdefault(user_id, {})
        bodies[body_id] = bodies.get(body_id, False) or role == Membership.Role.SECRETARIAT

    # Member filters: one query for each distinct condition (most do not depend on the actor).
    filtered: list[tuple[Q, set[int]]] = []

    def passing(actor: User) -> set[int] | None:
        if not policy.member_filter:
            return None
        condition = policy.member_filter(actor)
        for known, found in filtered:
            if known == condition:
                return found
        found = set(model._default_manager.filter(condition, pk__in=list(rows)).values_list("pk", flat=True))
        filtered.append((condition, found))
        return found

    parents: dict[int, set[int]] = {}
    if policy.parent:
        parent_model = model._meta.get_field(policy.parent.split("__")[0]).related_model
        parents = visible_among(
            parent_model._default_manager.all(),
            [(actor, {rows[pk][3] for pk in pks if pk in rows}) for actor, pks in asked.values()],
        )

    for actor_id, (actor, pks) in asked.items():
        visible = seen[actor_id]
        if actor.is_superuser:
            visible.update(pk for pk in pks if pk in rows)
            continue
        bodies = roles.get(actor_id, {})
        allowed = passing(actor) if bodies else None
        own_parents = parents.get(actor_id, set())
        group = agency_group.get(actor.agency_id)
        for pk in pks:
            row = rows.get(pk)
            if row is None:
                continue
            body_id, restricted, level, parent = row
            in_secretariat = bodies.get(body_id)
            if in_secretariat is None:
                continue  # no role in the body
            if not in_secretariat:
                if allowed is not None and pk not in allowed:
                    continue
                if restricted and (actor_id, pk) not in user_grants:
                    groups = group_grants.get(pk, ())
                    granted = actor.agency_id is not None and group in groups
                    if not granted:
                        continue
            if policy.classification and level > actor.clearance:
                continue
            if policy.parent and parent not in own_parents:
                continue
            visible.add(pk)
    return seen


def can_see(actor: Actor, obj: models.Model) -> bool:
    return scope(actor, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def require_visible(actor: Actor, obj: models.Model) -> None:
    """For services handed an object: one the actor may not see does not exist for them."""
    if not can_see(actor, obj):
        raise Http404()


def is_secretariat(actor: Actor, body_id: int) -> bool:
    if not _is_active(actor):
        return False
    if actor.is_superuser:
        return True
    return Membership.objects.filter(
        user_id=actor.pk, body_id=body_id, role=Membership.Role.SECRETARIAT
    ).exists()


def require_secretariat(actor: Actor, body_id: int) -> None:
    """For writes that only the body's secretariat may make; callers have already scoped the object."""
    if not is_secretariat(actor, body_id):
        raise PermissionDenied("Only the secretariat of this body may do this.")


def in_secretariat_bodies(actor: Actor, body: str) -> Q:
    """A filter for rows (whose body is at the path `body`) of the bodies the actor is secretariat of, read by the
    database when the query runs. A filter, not a scope: combine it with `scope()`."""
    if not _is_active(actor):
        return Q(pk__in=[])
    return Q(**{f"{body}__in": _body_ids(actor, secretariat=True)})


def secretariat_body_ids(actor: Actor) -> set[int]:
    if not _is_active(actor):
        return set()
    return set(_body_ids(actor, secretariat=True).values_list("body_id", flat=True))


def grant(obj: models.Model, agencies: Iterable[Agency]) -> None:
    """Share a restricted object with these agencies."""
    codename = f"view_{obj._meta.model_name}"
    for agency in agencies:
        assign_perm(codename, agency.group, obj)
        audit.granted(obj, to=agency.acronym)


def revoke(obj: models.Model, agencies: Iterable[Agency]) -> None:
    codename = f"view_{obj._meta.model_name}"
    for agency in agencies:
        remove_perm(codename, agency.group, obj)
        audit.revoked(obj, to=agency.acronym)


def grant_person(obj: models.Model, user: User) -> None:
    """Share an object with one named person (a meeting's individual invitee)."""
    assign_perm(f"view_{obj._meta.model_name}", user, obj)
    audit.granted(obj, to=user.username)


def revoke_person(obj: models.Model, user: User) -> None:
    remove_perm(f"view_{obj._meta.model_name}", user, obj)
    audit.revoked(obj, to=user.username)


def granted_agencies(obj: models.Model) -> QuerySet:
    """The agencies a restricted object is shared with."""
    perms = get_group_obj_perms_model(obj).objects.filter(
        content_object_id=obj.pk, permission__codename=f"view_{obj._meta.model_name}"
    )
    return Agency.objects.filter(group__in=perms.values("group_id"))


# Who could see an object, kept when it is deleted (schedule removals for clients that sync).


@dataclass(frozen=True)
class Audience:
    body_id: int
    restricted: bool
    group_ids: frozenset[int]
    user_ids: frozenset[int]


def _grants(obj: models.Model) -> tuple[set[int], set[int]]:
    codename = f"view_{obj._meta.model_name}"
    groups = get_group_obj_perms_model(obj).objects.filter(content_object_id=obj.pk, permission__codename=codename)
    users = get_user_obj_perms_model(obj).objects.filter(content_object_id=obj.pk, permission__codename=codename)
    return set(groups.values_list("group_id", flat=True)), set(users.values_list("user_id", flat=True))


def audience(obj: models.Model) -> Audience:
    """The body of a scoped object and, when it is restricted (or its parent is), the groups and people it is
    shared with: those granted on the object and, through every restricted parent, on the parents too."""
    policy = policy_for(type(obj))
    body_id = obj
    for part in policy.body.split("__"):
        body_id = body_id.pk if part == "pk" else getattr(body_id, part)
    body_id = body_id if isinstance(body_id, int) else body_id.pk
    restricted = policy.restricted is ALWAYS or bool(policy.restricted and getattr(obj, policy.restricted))
    groups: set[int] | None = None
    users: set[int] | None = None
    if restricted:
        groups, users = _grants(obj)
    if policy.parent:
        parent = obj
        for part in policy.parent.split("__"):
            parent = getattr(parent, part)
        above = audience(parent)
        if above.restricted:
            if restricted:
                # Seen only by those granted both here and above, each by agency or by name.
                people = users & above.user_ids
                people |= set(
                    User.objects.filter(pk__in=above.user_ids, agency__group_id__in=groups).values_list("pk", flat=True)
                )
                people |= set(
                    User.objects.filter(pk__in=users, agency__group_id__in=above.group_ids).values_list("pk", flat=True)
                )
                groups, users = groups & above.group_ids, people
            else:
                groups, users = set(above.group_ids), set(above.user_ids)
            restricted = True
    return Audience(body_id, restricted, frozenset(groups or ()), frozenset(users or ()))


def scope_removals(actor: Actor, queryset: QuerySet) -> QuerySet:
    """Removed schedule entries the actor could have seen: the secretariat's bodies in full; in other bodies,
    what was shared with the whole body or with the actor's agency or the actor by name."""
    if not _is_active(actor):
        return queryset.none()
    if actor.is_superuser:
        return queryset
    group_id = Agency.objects.filter(pk=actor.agency_id).values_list("group_id", flat=True).first()
    shared = Q(restricted=False) | Q(user_ids__contains=[actor.pk])
    if group_id is not None:
        shared |= Q(group_ids__contains=[group_id])
    in_secretariat = Q(body_id__in=_body_ids(actor, secretariat=True))
    return queryset.filter(in_secretariat | (Q(body_id__in=_body_ids(actor, secretariat=False)) & shared))


# Directory data: agencies and people are seen through the bodies the actor shares with them.


def scope_agencies(actor: Actor, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Agency.objects.all() if queryset is None else queryset
    if not _is_active(actor):
        return queryset.none()
    if actor.is_superuser:
        return queryset
    roles = AgencyRole.objects.filter(body__in=_body_ids(actor, secretariat=False))
    takes_part = roles.filter(agency_id=OuterRef("pk"))
    # The parent organisations of those agencies (HSI within ICE within DHS) are shown with them.
    parent_of_one = roles.filter(Q(agency__parent_id=OuterRef("pk")) | Q(agency__parent__parent_id=OuterRef("pk")))
    return queryset.filter(Q(Exists(takes_part)) | Q(Exists(parent_of_one)) | Q(pk=actor.agency_id))


def scope_people(actor: Actor, queryset: QuerySet | None = None) -> QuerySet:
    queryset = User.objects.all() if queryset is None else queryset
    if not _is_active(actor):
        return queryset.none()
    visible = queryset.filter(is_active=True)
    if actor.is_superuser:
        return visible
    shares_a_body = Membership.objects.filter(
        user_id=OuterRef("pk"), body__in=_body_ids(actor, secretariat=False)
    )
    return visible.filter(Q(Exists(shares_a_body)) | Q(pk=actor.pk))


def scope_audit(actor: Actor, queryset: QuerySet | None = None) -> QuerySet:
    """The audit trail is the secretariat's: entries about the objects of the bodies they are secretariat of, and
    about the accounts of those bodies' people (their sign-ins, their tokens), never above their clearance.
    Entries about nothing in a body (agencies, failed sign-ins of unknown names) are the superusers'."""
    queryset = AuditEntry.objects.all() if queryset is None else queryset
    if not _is_active(actor):
        return queryset.none()
    if actor.is_superuser:
        return queryset
    bodies = _body_ids(actor, secretariat=True)
    people = Membership.objects.filter(body__in=bodies).values("user_id")
    about_people = Q(body_id__isnull=True, object_type=User._meta.label_lower, object_id__in=people)
    return queryset.filter(Q(body_id__in=bodies) | about_people, classification__lte=actor.clearance)


_directory: dict[type[models.Model], Callable[[Actor, QuerySet], QuerySet]] = {
    Agency: scope_agencies,
    User: scope_people,
    AuditEntry: scope_audit,
}
