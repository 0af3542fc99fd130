"""The visibility core: the only code that knows who may see or change what.

Rules (DESIGN.md, "Who sees what"):
- superusers see everything (the only global exception);
- the secretariat of a body sees and manages everything of that body;
- a person with any other role in a body sees what is shared with their agency: body-wide objects,
  and restricted objects granted to their agency (or to them by name);
- a person with no role in a body sees none of it;
- an object that belongs to another (a comment to its agenda item, a decision to its meeting and its item) is
  seen only by those who may see every object it belongs to, whenever it was recorded;
- nobody sees a document marked above their clearance, nor anything that belongs to one.

The rules are written once, here, as SQL that flattens them into the visibility index (GitLab's
`project_authorizations`): `Visibility` holds, for every scoped object, each *principal* that may see it and
the object's highest marking; `Reader` holds the principals each active person holds. A principal is one of
- the secretariat of body B;
- the members of body B (everyone with a role in it);
- agency A in body B (its people with a role in B);
- person P in body B.
An object is visible to a person when the index has a principal of theirs for it, at a marking within their
clearance: one indexed predicate that every list, count, fetch, feed, export, search and notice reads through
`scope()`, `readers()` and `visible_to_each()`.

Each scoped model registers a `Policy` (in its AppConfig.ready). Grants are django-guardian object
permissions held by each agency's group (or a person), stored in direct foreign-key permission tables; global
(model-level) permissions never widen a scope: nothing here consults them. The index is kept in step in the
same transaction as every write that changes who may see what (signals on the scoped models, their grants,
memberships and people; services that update rows in bulk call `changed()`); `manage.py rebuild_visibility`
recomputes it and `manage.py check_visibility` compares it with the rules.

Everything a user may not see is absent from querysets, so fetching it is a 404 (never a 403).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import connection, connections, models, transaction
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.signals import post_delete, post_save
from django.http import Http404
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from guardian.shortcuts import assign_perm, remove_perm
from guardian.utils import get_group_obj_perms_model

from members.models import Agency, Classification, User

from . import signals
from .models import AgencyRole, Membership, Reader, Visibility

Actor = User | AnonymousUser


# Principals: one bigint each, kind in the top bits, then the body, then the agency or person.

SECRETARIAT, MEMBERS, AGENCY, PERSON = 1, 2, 3, 4
_KIND_SHIFT, _BODY_SHIFT = 56, 28
_MASK = (1 << _BODY_SHIFT) - 1


def principal(kind: int, body_id: int, subject: int = 0) -> int:
    return (kind << _KIND_SHIFT) | (body_id << _BODY_SHIFT) | subject


def describe(value: int) -> str:
    """A principal in words, for the consistency check's report."""
    kind, body, subject = value >> _KIND_SHIFT, (value >> _BODY_SHIFT) & _MASK, value & _MASK
    names = {SECRETARIAT: "secretariat", MEMBERS: "members", AGENCY: f"agency {subject}", PERSON: f"person {subject}"}
    return f"{names.get(kind, f'kind {kind}')} of body {body}"


def _principal_sql(kind: int, body: str, subject: str = "0") -> str:
    return f"(({kind}::bigint << {_KIND_SHIFT}) | (({body})::bigint << {_BODY_SHIFT}) | ({subject})::bigint)"


def _covers_sql(wide: str, narrow: str) -> str:
    """SQL: every person the principal `narrow` stands for is one of `wide`'s. Principals of one body nest (members
    ⊇ an agency ⊇ one of its people), so the people two principals share are those of the one the other covers."""
    body = f"(({{p}} >> {_BODY_SHIFT}) & {_MASK})"
    same_body = f"{body.format(p=wide)} = {body.format(p=narrow)}"
    return (
        f"({wide} = {narrow}"
        f" OR ({wide} >> {_KIND_SHIFT} = {MEMBERS} AND {same_body})"
        f" OR ({wide} >> {_KIND_SHIFT} = {AGENCY} AND {narrow} >> {_KIND_SHIFT} = {PERSON} AND {same_body}"
        f" AND EXISTS (SELECT 1 FROM {User._meta.db_table} covered"
        f" WHERE covered.id = ({narrow} & {_MASK}) AND covered.agency_id = ({wide} & {_MASK}))))"
    )


# Policies.


@dataclass(frozen=True)
class Policy:
    """How one model is scoped.

    body: lookup path from the model to its Body ("body", "meeting__body"; "pk" for a body itself).
    restricted: boolean field that, when true, limits the object to the agencies (or people) granted the view
        permission on it; None when the model has no restriction of its own.
    by_invitation: members see the object only through grants (a meeting is seen by its invitees).
    parents: foreign keys to the scoped objects this one belongs to; it is seen only by those who may see each of
        them (a null one does not count).
    restricted_by: foreign keys to scoped objects whose restriction this one shares (a decision and the agenda item
        it was recorded on), but not whether members see them yet (an agenda not yet circulated).
    classification: path to a Classification field compared with the viewer's clearance.
    members_see: condition for everyone but the secretariat (an agenda not yet circulated is the secretariat's).
    """

    body: str
    restricted: str | None = "restricted"
    by_invitation: bool = False
    parents: tuple[str, ...] = field(default=())
    restricted_by: tuple[str, ...] = field(default=())
    classification: str | None = None
    members_see: Q | None = None

    @property
    def shares(self) -> bool:
        """Whether grants can widen who sees the object."""
        return self.by_invitation or self.restricted is not None

    @property
    def follows(self) -> bool:
        """Whether the object is seen by exactly those who see its one parent (an invitation, a comment): it then has
        no rows of its own in the index and is read through its parent's."""
        plain = not self.shares and self.classification is None and self.members_see is None
        return plain and len(self.parents) == 1 and not self.restricted_by


_policies: dict[type[models.Model], Policy] = {}
_children: dict[type[models.Model], list[tuple[type[models.Model], str]]] = {}


def register(model: type[models.Model], policy: Policy) -> None:
    _policies[model] = policy
    for path in (*policy.parents, *policy.restricted_by):
        _children.setdefault(_parent_model(model, path), []).append((model, path))
    _connect(model, policy)


def policy_for(model: type[models.Model]) -> Policy:
    try:
        return _policies[model]
    except KeyError:
        raise ImproperlyConfigured(
            f"{model.__name__} has no visibility policy; register one in its app's ready()."
        ) from None


def registered_models() -> list[type[models.Model]]:
    return [*_policies, *_directory]


def _grant_tables(model: type[models.Model]) -> tuple[type[models.Model], type[models.Model]]:
    """The direct foreign-key tables (django-guardian's) holding the grants of `model`: agencies' groups, people."""
    found = {}
    for candidate in apps.get_models():
        if issubclass(candidate, (GroupObjectPermissionBase, UserObjectPermissionBase)):
            target = candidate._meta.get_field("content_object").related_model
            if target is model:
                found[issubclass(candidate, GroupObjectPermissionBase)] = candidate
    if len(found) != 2:
        raise ImproperlyConfigured(f"{model.__name__} is shared by grants: give it direct permission tables.")
    return found[True], found[False]


def _parent_model(model: type[models.Model], path: str) -> type[models.Model]:
    return model._meta.get_field(path).related_model


def _anchor(model: type[models.Model]) -> tuple[type[models.Model], str]:
    """The nearest model at or above `model` with rows of its own in the index, and the path to it ("" for itself):
    a step action is read through its step's agreement ("step__agreement")."""
    path = ""
    while _policies[model].follows:
        parent = _policies[model].parents[0]
        path = f"{path}__{parent}" if path else parent
        model = _parent_model(model, parent)
    return model, path


def _anchored(model: type[models.Model], pks: Iterable[int]) -> tuple[type[models.Model], dict[int, int]]:
    """The anchor model of `model` and, for each of `pks`, the id of its object there."""
    anchor, path = _anchor(model)
    pks = list(pks)
    if not path:
        return anchor, {pk: pk for pk in pks}
    return anchor, dict(model._base_manager.filter(pk__in=pks).exclude(**{path: None}).values_list("pk", path))


def _in_order() -> list[type[models.Model]]:
    """The scoped models, each after every model it belongs to."""
    done: list[type[models.Model]] = []

    def visit(model: type[models.Model]) -> None:
        if model in done:
            return
        policy = _policies[model]
        for path in (*policy.parents, *policy.restricted_by):
            visit(_parent_model(model, path))
        done.append(model)

    for model in _policies:
        visit(model)
    return done


# The rules, as SQL over the index.


def _base_sql(model: type[models.Model], rows: QuerySet, paths: tuple[str, ...]) -> tuple[str, list]:
    """SQL for what the rules read of each of `rows`: its body, restriction, whether members see it, its marking and
    the ids of the objects at `paths` (v_parent0, v_parent1...)."""
    policy = policy_for(model)
    restricted = F(policy.restricted) if policy.restricted else Value(policy.by_invitation)
    members_see = ExpressionWrapper(policy.members_see, BooleanField()) if policy.members_see else Value(True)
    level = F(policy.classification) if policy.classification else Value(0)
    columns = {
        "v_object": F("pk"),
        "v_body": F(policy.body),
        "v_restricted": ExpressionWrapper(restricted, BooleanField()),
        "v_members": members_see,
        "v_level": ExpressionWrapper(level, IntegerField()),
        **{f"v_parent{i}": F(path) for i, path in enumerate(paths)},
    }
    sql, params = rows.order_by().annotate(**columns).values(*columns).query.sql_with_params()
    return sql, list(params)


def _own_sql(model: type[models.Model], base: str, *, members_see: bool = True) -> str:
    """SQL for the principals an object of `model` (rows of the CTE `base`) has on its own: the body's secretariat;
    the body's members when it is not restricted, else the agencies and people it is granted to. Members get none
    where `members_see` is false, unless `members_see` is not asked (an object's restriction alone)."""
    policy = policy_for(model)
    members = "b.v_members AND " if members_see else ""
    own = [
        f"SELECT b.v_object, {_principal_sql(SECRETARIAT, 'b.v_body')} AS principal FROM {base} b",
        f"SELECT b.v_object, {_principal_sql(MEMBERS, 'b.v_body')} FROM {base} b WHERE {members}NOT b.v_restricted",
    ]
    if policy.shares:
        content_type = ContentType.objects.get_for_model(model).pk
        codename = f"view_{model._meta.model_name}"
        permission = (
            f"(SELECT id FROM auth_permission WHERE content_type_id = {content_type} AND codename = '{codename}')"
        )
        groups, people = (table._meta.db_table for table in _grant_tables(model))
        own += [
            f"SELECT b.v_object, {_principal_sql(AGENCY, 'b.v_body', 'a.id')} FROM {base} b "
            f"JOIN {groups} g ON g.content_object_id = b.v_object AND g.permission_id = {permission} "
            f"JOIN {Agency._meta.db_table} a ON a.group_id = g.group_id WHERE {members}b.v_restricted",
            f"SELECT b.v_object, {_principal_sql(PERSON, 'b.v_body', 'g.user_id')} FROM {base} b "
            f"JOIN {people} g ON g.content_object_id = b.v_object AND g.permission_id = {permission} "
            f"WHERE {members}b.v_restricted",
        ]
    return " UNION ".join(own)


def _intersect_sql(previous: str, parents: str, on: str, parent: str) -> str:
    """SQL for the principals of `previous` (v_object, principal) shared with the parent rows `parents` p joined to
    the base row b by `on`: the people both let see the object (a null `parent` lets everyone through)."""
    return (
        f"SELECT s.v_object, s.principal FROM {previous} s JOIN base b ON b.v_object = s.v_object "
        f"WHERE {parent} IS NULL OR EXISTS (SELECT 1 FROM {parents} p WHERE {on} "
        f"AND {_covers_sql('p.principal', 's.principal')}) "
        f"UNION SELECT b.v_object, p.principal FROM base b JOIN {parents} p ON {on} "
        f"WHERE EXISTS (SELECT 1 FROM {previous} s WHERE s.v_object = b.v_object "
        f"AND {_covers_sql('s.principal', 'p.principal')})"
    )


def _through_anchor(model: type[models.Model], path: str) -> str:
    """The path from `model` to the object with index rows that its parent at `path` is read through."""
    beyond = _anchor(_parent_model(model, path))[1]
    return f"{path}__{beyond}" if beyond else path


def _related_model(model: type[models.Model], path: str) -> type[models.Model]:
    for step in path.split("__"):
        model = _parent_model(model, step)
    return model


def _rules_sql(model: type[models.Model], rows: QuerySet, *, into: str, parents_from: str) -> tuple[str, list]:
    """One statement that writes into the table `into` the index rows of `rows` (of `model`), reading the rows of
    the objects they belong to from `parents_from`: the rules, set-based."""
    policy = policy_for(model)
    content_type = ContentType.objects.get_for_model(model).pk
    paths = tuple(_through_anchor(model, path) for path in (*policy.parents, *policy.restricted_by))
    base_sql, params = _base_sql(model, rows, paths)
    steps = [f"base AS ({base_sql})", f"step0 AS ({_own_sql(model, 'base')})"]
    levels = ["b.v_level"]
    for i, path in enumerate(paths):
        parent = f"b.v_parent{i}"
        above = _related_model(model, path)
        if i < len(policy.parents):
            rows_above = parents_from
            on = f"p.content_type_id = {ContentType.objects.get_for_model(above).pk} AND p.object_id = {parent}"
            levels.append(f"COALESCE((SELECT max(p.level) FROM {parents_from} p WHERE {on}), 0)")
        else:
            # Only the restriction of the object above: who it is shared with, not whether members see it yet.
            above_sql, above_params = _base_sql(above, above._base_manager.filter(pk__in=rows.values(path)), ())
            params += above_params
            steps += [f"above{i} AS ({above_sql})", f"shared{i} AS ({_own_sql(above, f'above{i}', members_see=False)})"]
            rows_above, on = f"shared{i}", f"p.v_object = {parent}"
        steps.append(f"step{i + 1} AS ({_intersect_sql(f'step{i}', rows_above, on, parent)})")
    sql = (
        f"WITH {', '.join(steps)} "
        f"INSERT INTO {into} (content_type_id, object_id, principal, level) "
        f"SELECT {content_type}, s.v_object, s.principal, GREATEST({', '.join(levels)}) "
        f"FROM step{len(paths)} s JOIN base b ON b.v_object = s.v_object "
        # A principal that another of the same object covers adds nobody (a person of an invited agency; the
        # secretariat, who are members too, of an object shared with the whole body): the index keeps neither.
        f"WHERE NOT EXISTS (SELECT 1 FROM step{len(paths)} w WHERE w.v_object = s.v_object "
        f"AND w.principal <> s.principal AND {_covers_sql('w.principal', 's.principal')})"
    )
    return sql, params


_READER_SQL = f"""
INSERT INTO {{into}} (user_id, principal)
SELECT m.user_id, held.principal
FROM {Membership._meta.db_table} m JOIN {User._meta.db_table} u ON u.id = m.user_id
CROSS JOIN LATERAL (VALUES
    (CASE WHEN m.role = '{Membership.Role.SECRETARIAT}' THEN {_principal_sql(SECRETARIAT, 'm.body_id')} END),
    ({_principal_sql(MEMBERS, 'm.body_id')}),
    (CASE WHEN u.agency_id IS NOT NULL THEN {_principal_sql(AGENCY, 'm.body_id', 'u.agency_id')} END),
    ({_principal_sql(PERSON, 'm.body_id', 'm.user_id')})
) AS held(principal)
WHERE u.is_active AND held.principal IS NOT NULL {{where}}
ON CONFLICT DO NOTHING
"""


# Keeping the index in step.

_deferred = threading.local()
# The advisory lock that the index's writers take, one at a time, until their transaction ends.
_INDEX_LOCK = 0x7669_7369


def changed(model: type[models.Model], pks: Iterable[int] | QuerySet) -> None:
    """Objects of `model` whose visibility may have changed (their restriction, grants, marking, parents, or a field
    of `members_see`): their index rows and those of everything that belongs to them are recomputed now, or when
    the `deferred()` block around this ends."""
    pending = getattr(_deferred, "pending", None)
    if isinstance(pks, QuerySet):
        pks = list(pks.values_list("pk", flat=True))
    if pending is not None:
        pending.setdefault(model, set()).update(pks)
        return
    _refresh({model: set(pks)})


def people_moved(user_ids: Iterable[int]) -> None:
    """People whose agency changed: what is shared with them by name is seen through their agency too, so those
    objects' rows are worked out again. (Their own principals follow by the database trigger on their row.)"""
    named = {}
    for model, policy in _policies.items():
        if policy.shares:
            grants = _grant_tables(model)[1].objects.filter(user_id__in=list(user_ids))
            named[model] = set(grants.values_list("content_object_id", flat=True))
    for model, pks in named.items():
        changed(model, pks)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Recompute the index of objects changed in the block together, just before the index is next read and at the
    end of the block, rather than after each change (loading many objects)."""
    if getattr(_deferred, "pending", None) is not None:
        yield
        return
    _deferred.pending = {}
    try:
        with transaction.atomic():
            yield
            _flush()
    finally:
        _deferred.pending = None


def _flush() -> None:
    """Work out what a `deferred()` block has changed so far, before anything reads the index."""
    pending = getattr(_deferred, "pending", None)
    if pending:
        _deferred.pending = {}
        _refresh(pending)


def _refresh(pending: dict[type[models.Model], set[int]]) -> None:
    conditions: dict[type[models.Model], list[Q]] = {m: [Q(pk__in=pks)] for m, pks in pending.items() if pks}
    if not conditions:
        return
    table = Visibility._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        # One writer of the index at a time, until its transaction ends: each statement below then reads what
        # the one before committed (the rows of parents, grants), so two concurrent changes cannot each keep a
        # stale copy of the other's.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_INDEX_LOCK])
        for model in _in_order():
            if model not in conditions:
                continue
            rows = model._base_manager.filter(reduce(or_, conditions[model]))
            ids = rows.values("pk")
            if not _policies[model].follows:
                ids_sql, ids_params = ids.query.sql_with_params()
                content_type = ContentType.objects.get_for_model(model).pk
                cursor.execute(
                    f"DELETE FROM {table} WHERE content_type_id = %s AND object_id IN ({ids_sql})",
                    [content_type, *ids_params],
                )
                cursor.execute(*_rules_sql(model, rows, into=table, parents_from=table))
            for child, path in _children.get(model, ()):
                conditions.setdefault(child, []).append(Q(**{f"{path}__in": ids}))


_READER_TRIGGER = "taskforce_reader_refresh"


def install(*, using: str = "default") -> None:
    """Create or refresh the database triggers that keep each person's principals in step with their memberships,
    agency and activity, whatever writes them (a service, the admin, a bulk update, raw SQL)."""
    function = f"""
        CREATE OR REPLACE FUNCTION {_READER_TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE people bigint[];
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                people := array_append(people, (to_jsonb(OLD) ->> TG_ARGV[0])::bigint);
            END IF;
            IF TG_OP IN ('UPDATE', 'INSERT') THEN
                people := array_append(people, (to_jsonb(NEW) ->> TG_ARGV[0])::bigint);
            END IF;
            DELETE FROM {Reader._meta.db_table} WHERE user_id = ANY(people);
            {_READER_SQL.format(into=Reader._meta.db_table, where="AND m.user_id = ANY(people)")};
            RETURN NULL;
        END $$
    """
    memberships, users = Membership._meta.db_table, User._meta.db_table
    with connections[using].cursor() as cursor:
        cursor.execute(function)
        cursor.execute(f"DROP TRIGGER IF EXISTS {_READER_TRIGGER} ON {memberships}")
        cursor.execute(
            f"CREATE TRIGGER {_READER_TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON {memberships} "
            f"FOR EACH ROW EXECUTE FUNCTION {_READER_TRIGGER}('user_id')"
        )
        cursor.execute(f"DROP TRIGGER IF EXISTS {_READER_TRIGGER} ON {users}")
        cursor.execute(
            f"CREATE TRIGGER {_READER_TRIGGER} AFTER UPDATE OF agency_id, is_active ON {users} "
            f"FOR EACH ROW EXECUTE FUNCTION {_READER_TRIGGER}('id')"
        )


def rebuild() -> None:
    """Recompute the whole index from the rules (after a restore, or to repair it)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_INDEX_LOCK])
        # DELETE, not TRUNCATE: the caller's transaction may hold deferred foreign-key checks on these tables.
        cursor.execute(f"DELETE FROM {Visibility._meta.db_table}")
        cursor.execute(f"DELETE FROM {Reader._meta.db_table}")
        _compute(cursor, Visibility._meta.db_table, Reader._meta.db_table)


def _compute(cursor, objects: str, readers: str) -> None:
    cursor.execute(_READER_SQL.format(into=readers, where=""))
    for model in _in_order():
        if not _policies[model].follows:
            cursor.execute(*_rules_sql(model, model._base_manager.all(), into=objects, parents_from=objects))


@dataclass(frozen=True)
class Difference:
    table: str
    problem: str  # "missing" (the rules give it, the index lacks it) or "extra"
    row: tuple

    def __str__(self) -> str:
        if self.table == "reader":
            user_id, value = self.row
            return f"{self.problem} reader row: person {user_id} holds {describe(value)}"
        content_type, object_id, value, level = self.row
        model = ContentType.objects.get_for_id(content_type).model_class()
        label = model._meta.label if model else content_type
        return f"{self.problem} index row: {label} {object_id} seen by {describe(value)} at level {level}"


def check() -> list[Difference]:
    """Every difference between the index and the rules worked out afresh."""
    found: list[Difference] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for table in (Visibility._meta.db_table, Reader._meta.db_table):
            cursor.execute(f"CREATE TEMPORARY TABLE expected_{table} (LIKE {table} INCLUDING ALL) ON COMMIT DROP")
        objects, readers = Visibility._meta.db_table, Reader._meta.db_table
        _compute(cursor, f"expected_{objects}", f"expected_{readers}")
        for table, actual, columns in (
            ("visibility", objects, "content_type_id, object_id, principal, level"),
            ("reader", readers, "user_id, principal"),
        ):
            expected = f"expected_{actual}"
            for problem, left, right in (("missing", expected, actual), ("extra", actual, expected)):
                cursor.execute(
                    f"SELECT {columns} FROM {left} EXCEPT SELECT {columns} FROM {right} ORDER BY 1, 2 LIMIT 1000"
                )
                found += [Difference(table, problem, row) for row in cursor.fetchall()]
        cursor.execute(f"DROP TABLE expected_{objects}, expected_{readers}")
    return found


def _connect(model: type[models.Model], policy: Policy) -> None:
    label = model._meta.label_lower

    def saved(sender, instance, **kwargs) -> None:
        changed(sender, [instance.pk])

    def deleted(sender, instance, **kwargs) -> None:
        content_type = ContentType.objects.get_for_model(sender)
        Visibility.objects.filter(content_type=content_type, object_id=instance.pk).delete()

    post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"visibility.saved.{label}")
    post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=f"visibility.deleted.{label}")
    if not policy.shares:
        return

    def granted(sender, instance, **kwargs) -> None:
        changed(model, [instance.content_object_id])

    for grants in _grant_tables(model):
        post_save.connect(granted, sender=grants, weak=False, dispatch_uid=f"visibility.granted.{grants._meta.label}")
        post_delete.connect(granted, sender=grants, weak=False, dispatch_uid=f"visibility.revoked.{grants._meta.label}")


def _person_saved(sender, instance: User, update_fields=None, **kwargs) -> None:
    if update_fields is None or {"agency", "agency_id"} & set(update_fields):
        people_moved([instance.pk])


post_save.connect(_person_saved, sender=User, dispatch_uid="visibility.person.saved")


# Reading through the index.


def _is_active(actor: Actor) -> bool:
    return bool(actor and actor.is_authenticated and actor.is_active)


def _held(actor: User) -> QuerySet:
    return Reader.objects.filter(user_id=actor.pk).values("principal")


def _kind_range(kind: int) -> dict[str, int]:
    return {"principal__gte": principal(kind, 0), "principal__lt": principal(kind + 1, 0)}


def _body_ids(actor: User, *, secretariat: bool) -> QuerySet:
    """The bodies the actor is secretariat of (or has any role in), as a subquery."""
    _flush()
    held = Reader.objects.filter(user_id=actor.pk, **_kind_range(SECRETARIAT if secretariat else MEMBERS))
    body = ExpressionWrapper(F("principal").bitrightshift(_BODY_SHIFT).bitand(_MASK), IntegerField())
    return held.annotate(body_id=body).values("body_id")


def _visible_ids(actor: User, model: type[models.Model]) -> QuerySet:
    """The ids of `model` the actor may see, as a subquery. Built once per actor and model and kept on the actor (a
    request's user): what it reads is read by the database when each query runs, so nothing kept goes stale."""
    key = (model, actor.pk, actor.clearance)
    kept = actor.__dict__.setdefault("_visible_ids", {})
    if key not in kept:
        content_type = ContentType.objects.get_for_model(model).pk
        kept[key] = Visibility.objects.filter(
            content_type_id=content_type, level__lte=actor.clearance, principal__in=_held(actor)
        ).values("object_id")
    return kept[key]


def scope(actor: Actor, queryset: QuerySet) -> QuerySet:
    """The part of `queryset` the actor may see. Every list, count and fetch starts here."""
    _flush()
    if not _is_active(actor):
        return queryset.none()
    model = queryset.model
    if model in _directory:
        return _directory[model](actor, queryset)
    policy_for(model)
    if actor.is_superuser:
        return queryset
    anchor, path = _anchor(model)
    return queryset.filter(**{f"{path or 'pk'}__in": _visible_ids(actor, anchor)})


def get_visible_or_404(actor: Actor, queryset: QuerySet, **lookup) -> models.Model:
    """Fetch one object the actor may see, or raise Http404 with nothing that names it. Asking for one that exists
    but is hidden from the actor is recorded in the audit trail."""
    visible = scope(actor, queryset)
    try:
        return visible.get(**lookup)
    except queryset.model.DoesNotExist:
        signals.access_refused.send(queryset.model, actor=actor, rows=queryset.filter(**lookup), visible=visible)
        raise Http404() from None
    except (ValueError, TypeError):
        raise Http404() from None


def with_may_open(actor: Actor, queryset: QuerySet) -> QuerySet:
    """`queryset` with `may_open` on each row: whether the actor may open that row's own page (by the rules of
    `scope`), decided in the same query, so that a page links only what its reader may open."""
    visible = scope(actor, queryset.model._default_manager.all())
    return queryset.annotate(may_open=Exists(visible.filter(pk=OuterRef("pk"))))


def can_see(actor: Actor, obj: models.Model) -> bool:
    return scope(actor, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def require_visible(actor: Actor, obj: models.Model) -> None:
    """For services handed an object: one the actor may not see does not exist for them."""
    if not can_see(actor, obj):
        raise Http404()


def _index_rows(obj: models.Model) -> QuerySet:
    """The index's rows for `obj` (those of the object it is read through, for one that follows its parent)."""
    anchor, ids = _anchored(type(obj), [obj.pk])
    return Visibility.objects.filter(content_type=ContentType.objects.get_for_model(anchor), object_id=ids.get(obj.pk))


def readers(obj: models.Model, *, shared: bool = False) -> QuerySet:
    """The active people who may see `obj`, cleared for it. `shared`: only those it is shared with as members (a
    meeting's invitees), not those who see it as the body's secretariat alone."""
    _flush()
    rows = _index_rows(obj)
    if shared:
        rows = rows.exclude(**_kind_range(SECRETARIAT))
    holders = Reader.objects.filter(principal__in=rows.values("principal")).values("user_id")
    return User.objects.filter(is_active=True, pk__in=holders, clearance__gte=rows.values("level")[:1])


def readers_of_outer_row(model: type[models.Model], outer: str = "pk", *, shared: bool = False) -> QuerySet:
    """`readers()` of the object of `model` whose id is the field `outer` of the row of the enclosing query: for a
    subquery counting them row by row (how many of each meeting's invitees have not answered)."""
    if _policies[model].follows:
        raise ImproperlyConfigured(f"{model.__name__} is read through its parent: ask about the parent.")
    content_type = ContentType.objects.get_for_model(model).pk

    def rows(object_id: OuterRef) -> QuerySet:
        found = Visibility.objects.filter(content_type_id=content_type, object_id=object_id)
        return found.exclude(**_kind_range(SECRETARIAT)) if shared else found

    # The index's rows sit two queries below the people (in the readers' subquery), their level one.
    holders = Reader.objects.filter(principal__in=rows(OuterRef(OuterRef(OuterRef(outer)))).values("principal"))
    level = rows(OuterRef(OuterRef(outer))).values("level")[:1]
    return User.objects.filter(is_active=True, pk__in=holders.values("user_id"), clearance__gte=level)


def _seen_pairs(model: type[models.Model], pks: Iterable[int], condition: str, params: list) -> list[tuple[int, int]]:
    """(object pk, person pk) for each of `pks` and each active person who may see it, who also meets `condition`
    (SQL over the index row v and the person u): one query, through the anchor of a model that follows its parent."""
    anchor, ids = _anchored(model, pks)
    if not ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT v.object_id, r.user_id FROM {Visibility._meta.db_table} v "
            f"JOIN {Reader._meta.db_table} r ON r.principal = v.principal "
            f"JOIN {User._meta.db_table} u ON u.id = r.user_id "
            f"WHERE v.content_type_id = %s AND v.object_id = ANY(%s) AND v.level <= u.clearance AND u.is_active "
            f"AND {condition}",
            [ContentType.objects.get_for_model(anchor).pk, sorted(set(ids.values())), *params],
        )
        found = cursor.fetchall()
    objects: dict[int, list[int]] = {}
    for pk, above in ids.items():
        objects.setdefault(above, []).append(pk)
    return [(pk, user_id) for above, user_id in found for pk in objects[above]]


def visible_to_each(model: type[models.Model], wanted: Iterable[tuple[Actor, Iterable[int]]]) -> dict[int, set[int]]:
    """For each person, which of the objects of `model` asked about (by pk) they may see, by person pk: one query
    however many people and objects, for telling many people about the same things."""
    _flush()
    asked: dict[int, tuple[User, set[int]]] = {}
    for actor, pks in wanted:
        if _is_active(actor):
            asked.setdefault(actor.pk, (actor, set()))[1].update(pks)
    seen: dict[int, set[int]] = {pk: set() for pk in asked}
    scoped = [pk for pk, (actor, _) in asked.items() if not actor.is_superuser]
    for pk in set(asked) - set(scoped):
        seen[pk] = set(asked[pk][1])
    objects = {pk for user_id in scoped for pk in asked[user_id][1]}
    if scoped and objects:
        for pk, user_id in _seen_pairs(model, objects, "r.user_id = ANY(%s)", [scoped]):
            if pk in asked[user_id][1]:
                seen[user_id].add(pk)
    return seen


def readers_of_each(
    model: type[models.Model], pks: Iterable[int], *, shared: bool = False
) -> dict[int, list[User]]:
    """`readers()` of many objects of one model at once, by pk, in two queries (people in their default order)."""
    _flush()
    pks = sorted(set(pks))
    found: dict[int, list[User]] = {pk: [] for pk in pks}
    condition = f"(NOT %s OR v.principal >> {_KIND_SHIFT} <> {SECRETARIAT})"
    pairs = _seen_pairs(model, pks, condition, [shared]) if pks else []
    people = User.objects.filter(pk__in={user_id for _, user_id in pairs}).select_related("agency")
    order = {person.pk: person for person in people}
    by_object: dict[int, set[int]] = {}
    for object_id, user_id in pairs:
        by_object.setdefault(object_id, set()).add(user_id)
    for pk in pks:
        found[pk] = [person for person_pk, person in order.items() if person_pk in by_object.get(pk, ())]
    return found


def secretariats(body_ids: Iterable[int]) -> dict[int, set[int]]:
    """The people (by pk) who are the secretariat of each of these bodies."""
    _flush()
    wanted = {principal(SECRETARIAT, body_id): body_id for body_id in body_ids}
    found: dict[int, set[int]] = {body_id: set() for body_id in wanted.values()}
    for user_id, value in Reader.objects.filter(principal__in=list(wanted)).values_list("user_id", "principal"):
        found[wanted[value]].add(user_id)
    return found


@dataclass(frozen=True)
class Audience:
    """Who may see an object, as the index has it: kept when the object is deleted (schedule removals)."""

    body_id: int
    restricted: bool  # not shared with the whole body
    principals: list[int]
    level: int


def audience(obj: models.Model) -> Audience:
    _flush()
    found = sorted(_index_rows(obj).values_list("principal", "level"))
    principals = [value for value, _ in found]
    body_id = (principals[0] >> _BODY_SHIFT) & _MASK if principals else 0
    restricted = not any(value >> _KIND_SHIFT == MEMBERS for value in principals)
    return Audience(body_id, restricted, principals, max((level for _, level in found), default=0))


def scope_removals(actor: Actor, queryset: QuerySet) -> QuerySet:
    """Removed schedule entries the actor could have seen, by the principals they had when removed."""
    if not _is_active(actor):
        return queryset.none()
    if actor.is_superuser:
        return queryset
    return queryset.filter(principals__overlap=ArraySubquery(_held(actor)), level__lte=actor.clearance)


# Roles.


def is_secretariat(actor: Actor, body_id: int) -> bool:
    _flush()
    if not _is_active(actor):
        return False
    if actor.is_superuser:
        return True
    return Reader.objects.filter(user_id=actor.pk, principal=principal(SECRETARIAT, body_id)).exists()


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


def is_secretariat_anywhere(actor: Actor) -> bool:
    """Whether the actor is the secretariat of some body (the secretariat's pages and tools)."""
    return _is_active(actor) and (actor.is_superuser or _body_ids(actor, secretariat=True).exists())


def secretariat_of(body_id: int) -> QuerySet:
    """The active people who are the secretariat of a body."""
    _flush()
    holders = Reader.objects.filter(principal=principal(SECRETARIAT, body_id)).values("user_id")
    return User.objects.filter(is_active=True, pk__in=holders)


# Markings.


def may_mark(actor: Actor, classification: int) -> bool:
    """Nobody marks a document above their own clearance (they could not read it back)."""
    return _is_active(actor) and (actor.is_superuser or classification <= actor.clearance)


def markings_for(actor: Actor) -> list[tuple[int, str]]:
    """The markings the actor may put on a document, for a form's choices."""
    return [(value, label) for value, label in Classification.choices if may_mark(actor, value)]


# Grants.


def grant(obj: models.Model, agencies: Iterable[Agency]) -> None:
    """Share a restricted object with these agencies (the index worked out once for them all)."""
    codename = f"view_{obj._meta.model_name}"
    with deferred():
        for agency in agencies:
            assign_perm(codename, agency.group, obj)
            signals.access_granted.send(type(obj), obj=obj, to=agency.acronym)


def revoke(obj: models.Model, agencies: Iterable[Agency]) -> None:
    codename = f"view_{obj._meta.model_name}"
    with deferred():
        for agency in agencies:
            remove_perm(codename, agency.group, obj)
            signals.access_revoked.send(type(obj), obj=obj, to=agency.acronym)


def grant_person(obj: models.Model, user: User) -> None:
    """Share an object with one named person (a meeting's individual invitee)."""
    assign_perm(f"view_{obj._meta.model_name}", user, obj)
    signals.access_granted.send(type(obj), obj=obj, to=user.username)


def revoke_person(obj: models.Model, user: User) -> None:
    remove_perm(f"view_{obj._meta.model_name}", user, obj)
    signals.access_revoked.send(type(obj), obj=obj, to=user.username)


def granted_agencies(obj: models.Model) -> QuerySet:
    """The agencies a restricted object is shared with."""
    perms = get_group_obj_perms_model(obj).objects.filter(
        content_object_id=obj.pk, permission__codename=f"view_{obj._meta.model_name}"
    )
    return Agency.objects.filter(group__in=perms.values("group_id"))


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
    shares_a_body = Membership.objects.filter(user_id=OuterRef("pk"), body__in=_body_ids(actor, secretariat=False))
    return visible.filter(Q(Exists(shares_a_body)) | Q(pk=actor.pk))


# Models read by a rule of their own rather than through the visibility index (directories, the audit trail).
_directory = {
    Agency: scope_agencies,
    User: scope_people,
}


def register_scope(model: type[models.Model], rule: Callable[[Actor, QuerySet | None], QuerySet]) -> None:
    """`scope()` reads `model` by `rule(actor, queryset)`: for a model outside every body's visibility (the audit
    trail, registered by the audit app)."""
    _directory[model] = rule
