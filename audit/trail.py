"""The audit trail in the database: the triggers that record every change, and the hash chain that seals it.

One generic trigger function records each row inserted, updated or deleted in every table of the project's own
models (bulk updates, the admin and raw SQL included) as an `AuditEntry`, with the values before and after, the
body the row belongs to and the highest marking it is read under (for scoping the trail), and who did it through
which channel (session settings set by taskforce/context.py). The trigger is a deferred constraint trigger: it runs
when the transaction commits, so the chain's lock is held only while committing. Each table's trigger is told, in
its arguments, how to find the row's body and marking: they are worked out here from the visibility policies.

Every entry, whoever writes it, is sealed when its transaction commits: under an advisory lock held to the end
of the transaction it takes the next id and is linked to the last entry by SHA-256 over the previous hash and its
own content. `verify()` (the `check_audit` command) recomputes the chain outside the database.

`install()` runs after every migrate (post_migrate), so a model added later is covered; a test fails if a
project table has no trigger.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import F, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Greatest
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from taskforce import permissions
from taskforce.models import Reader, Visibility

from .models import AuditEntry

TABLE = AuditEntry._meta.db_table
UNAUDITED = (AuditEntry, Visibility, Reader)
ROW_TRIGGER = "taskforce_audit"
TRUNCATE_TRIGGER = "taskforce_audit_truncate"
CHAIN_TRIGGER = "taskforce_auditentry_chain"
SEAL_TRIGGER = "taskforce_auditentry_seal"
# The key of the advisory lock that serialises writers of the chain (any fixed number: "tf" + "au" in ASCII).
CHAIN_LOCK = 0x7466_6175

# The fields that name a row for a reader, in order of preference.
LABEL_FIELDS = ("short_name", "acronym", "username", "title_en", "title", "name_en", "subject", "original_name",
                "code", "number")
# Models that moved to another app over the same table: the entries written before the move name them by their
# former label. Pages and filters read both as one.
FORMER_LABELS = {
    "taskforce.notification": "notifications.notification",
    "taskforce.notificationpreference": "notifications.notificationpreference",
    "taskforce.reminder": "notifications.reminder",
    "taskforce.delivery": "notifications.delivery",
    "taskforce.apitoken": "accounts.apitoken",
    "taskforce.calendarfeed": "accounts.calendarfeed",
}


def labels_of(label: str) -> set[str]:
    """A model's label as entries may write it: today's and any former one."""
    current = FORMER_LABELS.get(label, label)
    return {current, *(former for former, now in FORMER_LABELS.items() if now == current)}


# Values never copied into the trail: credentials, or what opens them.
REDACTED = {"members.user": ("password",), "accounts.apitoken": ("digest",), "accounts.calendarfeed": ("key",)}

# What the hash covers: every column but the hashes, in a form that does not depend on the session's settings
# (time zone, date style). `{r}` is the row: NEW in the trigger, the table's alias when verifying.
PAYLOAD = (
    "jsonb_build_array({r}.id, to_char({r}.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), "
    "{r}.txid, {r}.kind, {r}.action, {r}.object_type, {r}.object_id, {r}.object_label, {r}.parent_type, "
    "{r}.parent_id, {r}.body_id, {r}.classification, {r}.actor_id, {r}.channel, {r}.source, {r}.request_id, "
    "{r}.ip, {r}.old_values, {r}.new_values, {r}.details)::text"
)

CHAIN_FUNCTION = f"""
CREATE OR REPLACE FUNCTION taskforce_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Who, how and when, from the session; the entry's place in the chain is sealed when its transaction commits.
    NEW.id := nextval('taskforce_auditentry_id_seq');
    NEW.occurred_at := clock_timestamp();
    NEW.txid := pg_current_xact_id()::text::bigint;
    NEW.actor_id := coalesce(NEW.actor_id, nullif(current_setting('taskforce.actor_id', true), '')::bigint);
    NEW.channel := coalesce(nullif(NEW.channel, ''), nullif(current_setting('taskforce.channel', true), ''),
                            'database');
    NEW.source := coalesce(nullif(NEW.source, ''), current_setting('taskforce.source', true), '');
    NEW.request_id := coalesce(nullif(NEW.request_id, ''), current_setting('taskforce.request_id', true), '');
    NEW.ip := coalesce(nullif(NEW.ip, ''), current_setting('taskforce.ip', true), '');
    NEW.prev_hash := '';
    NEW.hash := '';
    RETURN NEW;
END;
$$;
CREATE OR REPLACE TRIGGER {CHAIN_TRIGGER} BEFORE INSERT ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION taskforce_audit_chain();

CREATE OR REPLACE FUNCTION taskforce_audit_seal() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sealed {TABLE}%ROWTYPE := NEW;
BEGIN
    -- One writer at a time until its transaction ends, so that each entry links to the last committed one and
    -- ids follow the chain (READ COMMITTED: each statement sees what committed before the lock was granted).
    -- A deferred trigger on the trail itself fires after everything the transaction queued before committing,
    -- its foreign-key checks included: the lock is never held while waiting for a row another writer holds.
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK});
    sealed.id := nextval('taskforce_auditentry_id_seq');
    sealed.prev_hash := coalesce((SELECT e.hash FROM {TABLE} e WHERE e.hash <> '' ORDER BY e.id DESC LIMIT 1), '');
    sealed.hash := encode(sha256(convert_to(sealed.prev_hash || {PAYLOAD.format(r="sealed")}, 'UTF8')), 'hex');
    UPDATE {TABLE} SET id = sealed.id, prev_hash = sealed.prev_hash, hash = sealed.hash WHERE id = NEW.id;
    RETURN NULL;
END;
$$;
DROP TRIGGER IF EXISTS {SEAL_TRIGGER} ON {TABLE};
CREATE CONSTRAINT TRIGGER {SEAL_TRIGGER} AFTER INSERT ON {TABLE}
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION taskforce_audit_seal();

CREATE OR REPLACE FUNCTION taskforce_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The one change allowed: the seal trigger giving a new entry its place in the chain, once.
    IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 AND OLD.hash = '' AND NEW.hash <> ''
       AND to_jsonb(NEW) - 'id' - 'prev_hash' - 'hash' = to_jsonb(OLD) - 'id' - 'prev_hash' - 'hash' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
"""

ROW_FUNCTION = f"""
CREATE OR REPLACE FUNCTION taskforce_audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    -- TG_ARGV: 0 the model ("mou.agreement"); 1 its primary key column; 2 the column naming a row; 3 the column
    -- holding its body; 4 the column holding its marking; 5 the model it belongs to and 6 the column pointing at
    -- it; 7 a query for the body and marking through that parent ($1: the parent's id); 8 columns never copied.
    row_values jsonb;
    old_values jsonb;
    new_values jsonb;
    body bigint;
    level integer;
    parent bigint;
    found_body bigint;
    found_level integer;
    secret text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        row_values := to_jsonb(NEW);
        new_values := row_values;
    ELSIF TG_OP = 'DELETE' THEN
        row_values := to_jsonb(OLD);
        old_values := row_values;
    ELSE
        row_values := to_jsonb(NEW);
        SELECT jsonb_object_agg(o.key, o.value), jsonb_object_agg(o.key, row_values -> o.key)
          INTO old_values, new_values
          FROM jsonb_each(to_jsonb(OLD)) AS o
         WHERE row_values -> o.key IS DISTINCT FROM o.value;
        IF old_values IS NULL THEN
            RETURN NULL;  -- nothing changed
        END IF;
    END IF;
    IF TG_ARGV[8] <> '' THEN
        FOREACH secret IN ARRAY string_to_array(TG_ARGV[8], ',') LOOP
            IF old_values ? secret THEN
                old_values := jsonb_set(old_values, ARRAY[secret], '"[redacted]"');
            END IF;
            IF new_values ? secret THEN
                new_values := jsonb_set(new_values, ARRAY[secret], '"[redacted]"');
            END IF;
        END LOOP;
    END IF;
    IF TG_ARGV[3] <> '' THEN
        body := (row_values ->> TG_ARGV[3])::bigint;
    END IF;
    IF TG_ARGV[4] <> '' THEN
        level := (row_values ->> TG_ARGV[4])::integer;
    END IF;
    IF TG_ARGV[6] <> '' THEN
        parent := (row_values ->> TG_ARGV[6])::bigint;
    END IF;
    IF TG_ARGV[7] <> '' AND parent IS NOT NULL THEN
        EXECUTE TG_ARGV[7] INTO found_body, found_level USING parent;
        body := coalesce(body, found_body);
        level := greatest(level, found_level);
    END IF;
    INSERT INTO {TABLE} (kind, action, object_type, object_id, object_label, parent_type, parent_id, body_id,
                         classification, old_values, new_values)
    VALUES ('change', CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END,
            TG_ARGV[0], (row_values ->> TG_ARGV[1])::bigint,
            left(coalesce(row_values ->> nullif(TG_ARGV[2], ''), ''), 300), TG_ARGV[5], parent, body,
            coalesce(level, 0), old_values, new_values);
    RETURN NULL;
END;
$$;
CREATE OR REPLACE FUNCTION taskforce_audit_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TABLE} (kind, action, object_type) VALUES ('change', 'truncate', TG_ARGV[0]);
    RETURN NULL;
END;
$$;
"""


# Which tables, and what their triggers are told.


def audited_models() -> list[type[models.Model]]:
    """Every concrete model of the project's own apps (those whose code is in this repository), with the
    many-to-many tables Django makes for them; not the audit trail itself, nor the visibility index (derived from
    rows that are audited)."""
    root = Path(settings.BASE_DIR).resolve()
    found = []
    for app in apps.get_app_configs():
        path = Path(app.path).resolve()
        if not path.is_relative_to(root) or "site-packages" in path.parts:
            continue
        for model in app.get_models(include_auto_created=True):
            opts = model._meta
            if opts.managed and not opts.proxy and not opts.swapped and model not in UNAUDITED:
                found.append(model)
    return found


@dataclass(frozen=True)
class Trail:
    """Where a model's rows belong, as the visibility core sees it."""

    label: str
    # Path from the model to its body ("agreement__body"; "pk" for a body itself); None outside any body.
    body: str | None
    # Paths to every marking a row is read under: its own and its parents'.
    levels: tuple[str, ...]
    # The first step towards the body: the object a row belongs to (a version belongs to its agreement).
    parent: models.ForeignKey | None
    label_field: str | None
    redacted: tuple[str, ...]


def _join(prefix: str, path: str) -> str:
    return prefix if path == "pk" else f"{prefix}__{path}"


def _owner(model: type[models.Model]) -> models.ForeignKey | None:
    """The object a grant row (guardian's direct tables) or a many-to-many row belongs to."""
    if issubclass(model, (UserObjectPermissionBase, GroupObjectPermissionBase)):
        return model._meta.get_field("content_object")
    owner_model = model._meta.auto_created
    if owner_model:
        return next(f for f in model._meta.concrete_fields if f.is_relation and f.related_model is owner_model)
    return None


def _related(model: type[models.Model], path: str) -> type[models.Model]:
    for step in path.split("__"):
        model = model._meta.get_field(step).related_model
    return model


def _scoped_paths(model: type[models.Model]) -> tuple[str | None, tuple[str, ...]]:
    try:
        policy = permissions.policy_for(model)
    except ImproperlyConfigured:
        owner = _owner(model)
        if owner is None:
            return None, ()
        body, levels = _scoped_paths(owner.related_model)
        return (_join(owner.name, body) if body else None), tuple(_join(owner.name, level) for level in levels)
    levels = (policy.classification,) if policy.classification else ()
    for parent in policy.parents:
        _body, above = _scoped_paths(_related(model, parent))
        levels += tuple(_join(parent, level) for level in above)
    return policy.body, levels


def _has_field(model: type[models.Model], name: str) -> bool:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return field.concrete and not field.is_relation


@cache
def trail_for(model: type[models.Model]) -> Trail:
    body, levels = _scoped_paths(model)
    parent = model._meta.get_field(body.split("__")[0]) if body and body != "pk" else None
    label = model._meta.label_lower
    redacted = REDACTED.get(label, ()) + (("password",) if _has_field(model, "password") else ())
    return Trail(
        label=label,
        body=body,
        levels=levels,
        parent=parent,
        label_field=next((name for name in LABEL_FIELDS if _has_field(model, name)), None),
        redacted=tuple(dict.fromkeys(redacted)),
    )


def _highest(paths: list[str] | tuple[str, ...]):
    zero = RawSQL("0", (), output_field=models.IntegerField())
    if not paths:
        return zero
    return Greatest(*[F(path) for path in paths], zero, output_field=models.IntegerField())


def _lookup(model: type[models.Model], body: str | None, levels: list[str]) -> str:
    """SQL for the body and highest marking of the `model` row whose id is $1 (a row's parent)."""
    rows = model._base_manager.filter(pk=RawSQL("$1", ())).order_by().annotate(
        found_body=F(body) if body else RawSQL("NULL::bigint", (), output_field=models.BigIntegerField()),
        found_level=_highest(levels),
    )
    sql, params = rows.values_list("found_body", "found_level").query.sql_with_params()
    assert not params, sql
    return sql


def trigger_arguments(model: type[models.Model]) -> list[str]:
    trail = trail_for(model)
    opts = model._meta
    own_levels = [level for level in trail.levels if "__" not in level]
    body_column = parent_type = parent_column = lookup = ""
    if trail.body == "pk":
        body_column = opts.pk.column
    elif trail.body:
        first, _, rest = trail.body.partition("__")
        parent_type, parent_column = trail.parent.related_model._meta.label_lower, trail.parent.column
        through = [level.partition("__")[2] for level in trail.levels if level.startswith(f"{first}__")]
        if len(through) + len(own_levels) != len(trail.levels):
            raise ImproperlyConfigured(f"{trail.label}: its markings must be its own or its parent's.")
        body_column = parent_column if not rest else ""
        if rest or through:
            lookup = _lookup(trail.parent.related_model, rest or None, through)
    return [
        trail.label,
        opts.pk.column,
        opts.get_field(trail.label_field).column if trail.label_field else "",
        body_column,
        opts.get_field(own_levels[0]).column if own_levels else "",
        parent_type,
        parent_column,
        lookup,
        ",".join(opts.get_field(name).column for name in trail.redacted),
    ]


def locate(rows: models.QuerySet) -> models.QuerySet:
    """`rows` as the columns an event about them records: id, body, marking, label and parent."""
    trail = trail_for(rows.model)
    nothing = RawSQL("NULL::bigint", (), output_field=models.BigIntegerField())
    return rows.order_by().annotate(
        audit_id=F("pk"),
        audit_body=F(trail.body) if trail.body else nothing,
        audit_level=_highest(trail.levels),
        audit_label=Cast(trail.label_field, models.CharField()) if trail.label_field else Value(""),
        audit_parent=F(trail.parent.attname) if trail.parent else nothing,
    ).values_list("audit_id", "audit_body", "audit_level", "audit_label", "audit_parent")


# Installing.


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _installed(cursor) -> dict[tuple[str, str], list[str]]:
    cursor.execute(
        "SELECT c.relname, t.tgname, t.tgargs FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname IN (%s, %s) AND NOT t.tgisinternal AND pg_table_is_visible(c.oid)",
        [ROW_TRIGGER, TRUNCATE_TRIGGER],
    )
    return {
        (table, name): [arg.decode() for arg in bytes(args).split(b"\x00")[:-1]]
        for table, name, args in cursor.fetchall()
    }


def install(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create or refresh the trail's functions and the triggers of every project table (only those that changed)."""
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if TABLE not in tables:
        return
    quote = connection.ops.quote_name
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(CHAIN_FUNCTION)
        cursor.execute(ROW_FUNCTION)
        installed = _installed(cursor)
        for model in audited_models():
            table = model._meta.db_table
            if table not in tables:
                continue
            arguments = trigger_arguments(model)
            if installed.get((table, ROW_TRIGGER)) != arguments:
                cursor.execute(f"DROP TRIGGER IF EXISTS {ROW_TRIGGER} ON {quote(table)}")
                cursor.execute(
                    f"CREATE CONSTRAINT TRIGGER {ROW_TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON {quote(table)} "
                    f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                    f"EXECUTE FUNCTION taskforce_audit_row({', '.join(map(_literal, arguments))})"
                )
            if installed.get((table, TRUNCATE_TRIGGER)) != [arguments[0]]:
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {TRUNCATE_TRIGGER} AFTER TRUNCATE ON {quote(table)} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION taskforce_audit_truncate({_literal(arguments[0])})"
                )


# Verifying.


@dataclass(frozen=True)
class Verdict:
    checked: int
    head: str = ""
    broken_at: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(*, using: str = DEFAULT_DB_ALIAS) -> Verdict:
    """Walk the chain in id order, recomputing each hash here rather than trusting the database's functions."""
    previous, checked = "", 0
    with connections[using].chunked_cursor() as cursor:
        cursor.execute(f"SELECT e.id, e.prev_hash, e.hash, {PAYLOAD.format(r='e')} FROM {TABLE} e ORDER BY e.id")
        while rows := cursor.fetchmany(2000):
            for entry_id, prev_hash, stored, payload in rows:
                if prev_hash != previous:
                    return Verdict(checked, previous, entry_id, "it does not follow the entry before it: "
                                   "an entry was removed or inserted")
                if hashlib.sha256((prev_hash + payload).encode()).hexdigest() != stored:
                    return Verdict(checked, previous, entry_id, "its content was changed after it was written")
                previous, checked = stored, checked + 1
    return Verdict(checked, previous)
