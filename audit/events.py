"""The events the audit trail records besides changes: sign-ins, tokens, grants, refusals, reads of restricted
material. Each states the context it happened in (taskforce/context.py). An event raised inside a transaction is
written when the transaction commits: a grant that is rolled back did not happen, and the chain's lock is then not
held for the rest of the transaction."""

from __future__ import annotations

import json

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.http import HttpRequest

from taskforce.context import CLEARED, current, in_transaction

from . import trail

# An event states its context itself (it may be written after the context ended, once its transaction commits).
EVENT_COLUMNS = "kind, action, actor_id, channel, source, request_id, ip, details"
EVENT_VALUES = "%s, %s, %s, %s, %s, %s, %s, %s::jsonb"
INSERT_ABOUT = (
    f"INSERT INTO {trail.TABLE} ({EVENT_COLUMNS}, object_type, parent_type, object_id, body_id, "
    f"classification, object_label, parent_id) SELECT {EVENT_VALUES}, %s, %s, l.audit_id, l.audit_body, "
    "coalesce(l.audit_level, 0), left(coalesce(l.audit_label, ''), 300), l.audit_parent FROM ({rows}) AS l"
)
INSERT_PLAIN = f"INSERT INTO {trail.TABLE} ({EVENT_COLUMNS}) VALUES ({EVENT_VALUES})"


def _record(kind: str, action: str, *, about: models.QuerySet | None = None, actor=None, details: dict | None = None,
            or_without: bool = True) -> None:
    """Insert one event about the first of `about` (in one statement that also finds its body and marking); when
    there is none, an event about nothing in particular, unless `or_without` is false."""
    connection = connections[DEFAULT_DB_ALIAS]
    acting = current()
    known_actor, *where = acting.settings() if acting is not None else CLEARED
    if actor is not None:
        known_actor = str(actor.pk) if actor.is_authenticated else ""
    event = [kind, action, known_actor or None, *where, json.dumps(details, ensure_ascii=False) if details else None]

    def write() -> None:
        with connection.cursor() as cursor:
            if about is not None:
                found = trail.trail_for(about.model)
                parent_type = found.parent.related_model._meta.label_lower if found.parent else ""
                try:
                    rows, params = trail.locate(about)[:1].query.sql_with_params()
                except EmptyResultSet:  # a lookup that can match nothing (an id beyond any column's range)
                    rows = None
                if rows is not None:
                    cursor.execute(INSERT_ABOUT.format(rows=rows), [*event, found.label, parent_type, *params])
                if (rows is not None and cursor.rowcount) or not or_without:
                    return
            cursor.execute(INSERT_PLAIN, event)

    if in_transaction(connection):
        connection.on_commit(write)
    else:
        write()


def _one(obj: models.Model) -> models.QuerySet:
    return obj._meta.model._base_manager.filter(pk=obj.pk)  # _meta: also through a lazy request.user


def signed_in(sender, request, user, **kwargs) -> None:
    _record("security", "sign_in", about=_one(user), actor=user)


def sign_in_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    """Only the username tried is kept; never anything else of the credentials."""
    from members.models import User

    username = str(credentials.get("username", ""))[:150]
    _record("security", "sign_in_failed", about=User.objects.filter(username=username), details={"username": username})


def signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        _record("security", "sign_out", about=_one(user), actor=user)


def locked_out(sender, request=None, username: str = "", ip_address: str = "", **kwargs) -> None:
    from members.models import User

    username = str(username or "")[:150]
    _record("security", "locked_out", about=User.objects.filter(username=username), details={"username": username})


def password_changed(user) -> None:
    _record("security", "password_changed", about=_one(user), actor=user)


def second_factor_enrolled(user, *, replaced: bool) -> None:
    """An authenticator app set up (`replaced`: in place of an earlier one)."""
    _record("security", "second_factor_enrolled", about=_one(user), actor=user, details={"replaced": replaced})


def second_factor_verified(user) -> None:
    """A sign-in confirmed with a code from the authenticator app."""
    _record("security", "second_factor_verified", about=_one(user), actor=user)


def recovery_code_used(user, *, codes_left: int) -> None:
    """A sign-in confirmed with a recovery code, which will not work again."""
    _record("security", "recovery_code_used", about=_one(user), actor=user, details={"codes_left": codes_left})


def lockout_lifted(actor, *, username: str = "", address: str = "") -> None:
    """`actor` let a locked-out username or address sign in again. About the person when a username was
    unlocked, so that their secretariat reads it; about the actor's own account when an address was."""
    from members.models import User

    about = User.objects.filter(username=username) if username else _one(actor)
    details = {"username": username} if username else {"address": address}
    _record("security", "lockout_lifted", about=about, actor=actor, details=details)


def _token(token) -> dict:
    return {"token": token.name, "prefix": token.prefix}


def token_created(token) -> None:
    _record("security", "token_created", about=_one(token.user), actor=token.user, details=_token(token))


def token_revoked(token, *, actor) -> None:
    _record("security", "token_revoked", about=_one(token.user), actor=actor, details=_token(token))


def token_new_address(token, address: str) -> None:
    details = _token(token) | {"address": address}
    _record("security", "token_new_address", about=_one(token.user), actor=token.user, details=details)


def granted(obj: models.Model, *, to: str) -> None:
    """`to`: the agency's acronym or the person's username the object was shared with."""
    _record("security", "granted", about=_one(obj), details={"to": to})


def revoked(obj: models.Model, *, to: str) -> None:
    _record("security", "revoked", about=_one(obj), details={"to": to})


def refused(actor, rows: models.QuerySet, *, visible: models.QuerySet) -> None:
    """The actor asked for something that exists but that they may not see (a 404 for them): recorded when
    `rows` holds a row outside `visible`; nothing when it holds none (then it does not exist)."""
    hidden = rows if visible.query.is_empty() else rows.exclude(pk__in=visible.values("pk"))
    _record("security", "not_found", about=hidden, actor=actor, or_without=False)


def denied(request: HttpRequest) -> None:
    """A 403: the actor may see the object but not do this to it (or is not signed in, for the API). About the
    actor's account, so that the secretariat of their bodies reads it."""
    match = request.resolver_match
    arguments = {name: str(value) for name, value in (match.kwargs if match else {}).items() if name != "secret"}
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    _record("security", "denied", about=_one(user) if signed_in else None, actor=user,
            details={"arguments": arguments} if arguments else None)


def read(actor, obj: models.Model, *, restricted: bool, downloaded: bool = False) -> None:
    """Who saw what: a read of restricted material (the object itself says whether it is)."""
    if restricted:
        _record("access", "downloaded" if downloaded else "viewed", about=_one(obj), actor=actor)
