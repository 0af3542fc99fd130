"""Conditional requests for the API, schedule and feeds: an ETag that covers the caller and the rows they see,
computed in one query without serializing anything, so `If-None-Match` costs one aggregate and answers 304.

The fingerprint hashes the own columns (PostgreSQL's row-to-text) of every row the response shows (a paginated
list: its page, and the row after it that decides the `next` link), plus any related values a viewset names (an
RSVP, the invitees), the caller, their language and the full URL. Two callers never share an ETag; any change
to a row shown, a row appearing on the page or one leaving it changes it.
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpResponseNotModified
from django.utils.http import http_date, quote_etag
from django.utils.translation import get_language

CACHE_CONTROL = "private, no-cache"
VARY = "Accept, Accept-Language, Authorization, Cookie"


@dataclass(frozen=True)
class Version:
    etag: str
    last_modified: datetime.datetime | None
    found: bool = True


def fingerprint_rows(queryset: QuerySet, extra: dict | None = None) -> tuple[str, int, datetime.datetime | None]:
    """(md5 of the rows as text in primary-key order, how many, newest updated_at) for a queryset, in one query."""
    return run_fingerprint(fingerprint_statement(queryset, extra))


@dataclass(frozen=True)
class Statement:
    """A fingerprint's SQL, compiled: it can be run again and again, and reads the rows as they are each time."""

    sql: str
    params: tuple


def fingerprint_statement(queryset: QuerySet, extra: dict | None = None) -> Statement:
    model = queryset.model
    columns = [f.attname for f in model._meta.concrete_fields]
    rows = queryset.order_by()
    if extra:
        rows = rows.annotate(**extra)
        columns += list(extra)
    try:
        sql, params = rows.values(*columns).query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (an empty list of ids): no rows
        return Statement("SELECT md5(''), 0::bigint, NULL::timestamptz", ())
    has_updated = "updated_at" in columns
    pk = model._meta.pk.attname
    newest = "max(t.updated_at)" if has_updated else "NULL::timestamptz"
    return Statement(
        f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.{pk}), '')), count(*), {newest} FROM ({sql}) t",
        tuple(params),
    )


def run_fingerprint(statement: Statement) -> tuple[str, int, datetime.datetime | None]:
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.params)
        digest, count, newest_value = cursor.fetchone()
    return f"{digest}:{count}", count, newest_value


def version_of(request, *parts) -> str:
    """An ETag for what this caller sees at this URL, from the given parts (fingerprints, timestamps)."""
    user = getattr(request, "user", None)
    who = f"{user.pk}:{user.agency_id}" if user is not None and user.is_authenticated else "-"
    text = "\x1f".join([who, get_language() or "", request.get_full_path(), *map(str, parts)])
    return quote_etag(hashlib.sha256(text.encode("utf-8")).hexdigest()[:40])


def matches(request, etag: str) -> bool:
    wanted = request.headers.get("If-None-Match", "")
    if not wanted:
        return False
    return wanted.strip() == "*" or etag in [tag.strip().removeprefix("W/") for tag in wanted.split(",")]


def decorate(response, version: Version):
    response["ETag"] = version.etag
    if version.last_modified is not None:
        response["Last-Modified"] = http_date(version.last_modified.timestamp())
    response["Cache-Control"] = CACHE_CONTROL
    response["Vary"] = VARY
    return response


def not_modified(version: Version):
    return decorate(HttpResponseNotModified(), version)
