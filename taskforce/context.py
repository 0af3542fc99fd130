"""Who is acting, from where, and through which channel: the context every request, command and task runs in.

Log lines carry its request id (taskforce/logs.py), and the database is told it: changes are recorded by the audit
trail's triggers (audit/trail.py), which cannot see the request. Every request (middleware), management command
(`AuditedCommand`, manage.py) and Celery task (taskforce/celery.py) runs in a `context`, and before the first write of
its database session the context is copied into session settings (`taskforce.actor_id`, `.channel`, `.source`,
`.request_id`, `.ip`) that the triggers read. Only writes pay for this: a request that only reads costs no extra
query. The settings are session-level (a transaction-local one would vanish with each autocommit statement) and
are cleared when the context ends, because pooled connections outlive requests.
"""

from __future__ import annotations

import contextlib
import getpass
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest

SETTINGS = ("actor_id", "channel", "source", "request_id", "ip")
APPLY = "SELECT " + ", ".join(f"set_config('taskforce.{name}', %s, false)" for name in SETTINGS)
CLEARED = ("",) * len(SETTINGS)
# Statements that may write a row (and so fire a trigger, or insert an event).
WRITES = ("INSERT", "UPDATE", "DELETE", "WITH", "MERGE", "TRUNCATE", "COPY")


class Channel:
    PAGE, API, FEED, ADMIN, COMMAND, TASK, DEMO = "page", "api", "feed", "admin", "command", "task", "demo"
    # Someone without an account, through the signed link that is their only credential (a meeting's guest).
    GUEST = "guest"
    # A message the portal's mail receiver took in (an invitee's calendar app answering their invitation).
    EMAIL = "email"


@dataclass
class Context:
    channel: str
    source: str = ""
    ip: str = ""
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    actor_id: int | None = None

    def actor(self) -> int | None:
        return self.actor_id

    def settings(self) -> tuple[str, ...]:
        actor = self.actor()
        return (str(actor) if actor else "", self.channel, self.source[:200], self.request_id[:64], self.ip[:45])


@dataclass
class RequestContext(Context):
    """Read when the first write happens: by then the request knows who it is for (an API token is checked after
    the middleware ran) and which view it reached."""

    request: HttpRequest | None = None

    def actor(self) -> int | None:
        if self.actor_id is not None:
            return self.actor_id
        user = getattr(self.request, "user", None)
        return user.pk if user is not None and user.is_authenticated else None

    def settings(self) -> tuple[str, ...]:
        match = self.request.resolver_match
        # The view's name, never the address: some addresses carry secrets (calendar feeds).
        self.source = f"{self.request.method} {match.view_name if match else ''}".strip()
        return super().settings()


_current: ContextVar[Context | None] = ContextVar("audit_context", default=None)


@contextmanager
def context(
    channel: str, *, source: str = "", request_id: str | None = None, ip: str = "", actor_id: int | None = None
) -> Iterator[Context]:
    current = Context(
        channel=channel, source=source, ip=ip, request_id=request_id or uuid.uuid4().hex, actor_id=actor_id
    )
    with _entered(current):
        yield current


@contextmanager
def _entered(current: Context) -> Iterator[Context]:
    token = _current.set(current)
    try:
        yield current
    finally:
        _current.reset(token)
        _left(connections[DEFAULT_DB_ALIAS])


def request_context(request: HttpRequest):
    path = request.path_info
    if path.startswith("/api/"):
        channel = Channel.API
    elif path.startswith("/feeds/"):
        channel = Channel.FEED
    elif path.startswith("/admin/"):
        channel = Channel.ADMIN
    else:
        channel = Channel.PAGE
    return _entered(RequestContext(channel=channel, ip=client_address(request), request=request))


def command_context(name: str):
    try:
        account = getpass.getuser()
    except (KeyError, OSError):  # no name for this account (a container's numeric user)
        account = ""
    return context(Channel.COMMAND, source=f"{name} by {account}" if account else name)


def on_behalf_of(channel: str, *, source: str):
    """Within a request, writes made for someone who has no account (a guest answering through their link): recorded
    with no actor, under `channel`, naming them in `source`, in the same request (its id and address)."""
    outer = _current.get()
    return context(
        channel, source=source, request_id=outer.request_id if outer else None, ip=outer.ip if outer else ""
    )


def default_context(channel: str, *, source: str = ""):
    """A context for code that may run on its own (the demo loader) or within a command that has one."""
    return nullcontext() if _current.get() is not None else context(channel, source=source)


def current() -> Context | None:
    """The context the code runs in (a request's, a command's, a task's), if any."""
    return _current.get()


def identify(user) -> None:
    """The request is now known to be `user`'s (an API token, before DRF tells the request)."""
    current = _current.get()
    if current is not None:
        current.actor_id = user.pk


def client_address(request: HttpRequest) -> str:
    """The client's address: the connection's, or the one the trusted proxies in front of the portal saw."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    proxies = getattr(settings, "NUM_PROXIES", 0)
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        return hops[-min(proxies, len(hops))][:45]
    return request.META.get("REMOTE_ADDR", "")[:45]


class AuditedCommand(BaseCommand):
    """A management command whose changes are recorded with the channel 'command' and its name."""

    def execute(self, *args, **options):
        with command_context(type(self).__module__.rsplit(".", 1)[-1]):
            return super().execute(*args, **options)


# Copying the context into the database session.


@dataclass
class _Applied:
    """What the session settings hold. Set inside a transaction they last only if it commits: `pending` is an
    on-commit marker that a rollback (of the transaction or of the savepoint) discards."""

    raw: object
    values: tuple[str, ...]
    pending: Callable[[], None] | None = None
    always_again: bool = False

    def holds(self, connection) -> bool:
        if self.always_again or connection.connection is not self.raw:
            return False
        return self.pending is None or any(entry[1] is self.pending for entry in connection.run_on_commit)


def before_writes(execute, sql, params, many, context):
    """Execute wrapper on every connection: before a statement that may write, bring the session settings up to
    date. Executed on the driver's cursor, below Django's query log: it is bookkeeping of the write it precedes."""
    if isinstance(sql, str) and sql.lstrip()[:8].upper().startswith(WRITES):
        _apply(context["connection"], context["cursor"].cursor)
    return execute(sql, params, many, context)


def _apply(connection, cursor) -> None:
    current = _current.get()
    applied: _Applied | None = getattr(connection, "_audit_applied", None)
    if current is None and applied is None:
        return
    values = current.settings() if current is not None else CLEARED
    if applied is not None and applied.values == values and applied.holds(connection):
        return
    cursor.execute(APPLY, values)
    if values == CLEARED:
        connection._audit_applied = None
        return
    state = _Applied(connection.connection, values)
    if connection.in_atomic_block:
        def committed() -> None:
            state.pending = None

        state.pending = committed
        connection.on_commit(committed)
    elif not connection.get_autocommit():
        state.always_again = True
    connection._audit_applied = state


def _left(connection) -> None:
    """A context ended: clear the session settings, unless an outer context's replace them at the next write. Within
    a transaction, not before it commits: the triggers record its changes then, and read the settings then."""
    applied: _Applied | None = getattr(connection, "_audit_applied", None)
    if applied is None or _current.get() is not None:
        return
    if in_transaction(connection):
        connection.on_commit(lambda: _left(connection))
        return
    connection._audit_applied = None
    if connection.connection is None or connection.connection is not applied.raw:
        return
    # In a failed transaction the reset cannot run, and need not: the rollback undoes the settings made in it.
    with contextlib.suppress(psycopg.Error), connection.connection.cursor() as cursor:
        cursor.execute(APPLY, CLEARED)


def watch_writes(sender, connection, **kwargs) -> None:
    """connection_created receiver: every connection keeps its session settings up to date."""
    if before_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(before_writes)


def in_transaction(connection) -> bool:
    # Django's test cases wrap each test in transactions of their own (marked _from_testcase): those stand for the
    # autocommit a request runs in, not for a transaction of the portal's.
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)
