"""The two baselines every endpoint is measured against, fetching the same rows with no permissions:

L0: raw SQL through the database connection, serialised with the standard library's json;
L1: a minimal Django view, `.values()` and `JsonResponse`.

Rows: `meetings?bodies=1,2&from=2026-10-01&to=2026-10-31&limit=50&after=0` (a window or a page of meetings of
some bodies), `items?meeting=7` (an agenda's items).
"""

import datetime
import json

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from meetings.models import AgendaItem, Meeting

MEETING_COLUMNS = ["id", "body_id", "title_en", "title_fr", "start", "end", "status", "place", "updated_at"]
ITEM_COLUMNS = ["id", "position", "title_en", "title_fr", "description", "minutes_allotted", "restricted"]


def _midnight(day: str, *, days: int = 0) -> datetime.datetime:
    """Midnight UTC at the start of `day` (plus `days`), as the schedule's window counts days."""
    start = datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(), tzinfo=datetime.UTC)
    return start + datetime.timedelta(days=days)


def _meeting_filter(request: HttpRequest) -> tuple[str, list, int]:
    """The WHERE clause (and its parameters) and the row limit the query string asks for."""
    bodies = [int(b) for b in request.GET.get("bodies", "").split(",") if b]
    clauses, params = ["body_id = ANY(%s)"], [bodies]
    if request.GET.get("from"):
        clauses.append('"end" >= %s')
        params.append(_midnight(request.GET["from"]))
    if request.GET.get("to"):
        clauses.append("start < %s")
        params.append(_midnight(request.GET["to"], days=1))
    clauses.append("id > %s")
    params.append(int(request.GET.get("after", 0)))
    return " AND ".join(clauses), params, int(request.GET.get("limit", 100_000))


def _json(rows: list[dict]) -> HttpResponse:
    return HttpResponse(json.dumps({"results": rows}, default=str), content_type="application/json")


def l0_meetings(request: HttpRequest) -> HttpResponse:
    where, params, limit = _meeting_filter(request)
    order = "id" if "after" in request.GET else "start, id"
    columns = ", ".join(f'"{c}"' for c in MEETING_COLUMNS)
    with connection.cursor() as cursor:
        sql = f"SELECT {columns} FROM meetings_meeting WHERE {where} ORDER BY {order} LIMIT %s"
        cursor.execute(sql, [*params, limit])
        rows = [dict(zip(MEETING_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    return _json(rows)


def l1_meetings(request: HttpRequest) -> JsonResponse:
    bodies = [int(b) for b in request.GET.get("bodies", "").split(",") if b]
    rows = Meeting.objects.filter(body_id__in=bodies, pk__gt=int(request.GET.get("after", 0)))
    if request.GET.get("from"):
        rows = rows.filter(end__gte=_midnight(request.GET["from"]))
    if request.GET.get("to"):
        rows = rows.filter(start__lt=_midnight(request.GET["to"], days=1))
    rows = rows.order_by("pk" if "after" in request.GET else "start")
    limit = int(request.GET.get("limit", 100_000))
    return JsonResponse({"results": list(rows.values(*MEETING_COLUMNS)[:limit])})


def l0_items(request: HttpRequest) -> HttpResponse:
    columns = ", ".join(ITEM_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM meetings_agendaitem WHERE meeting_id = %s ORDER BY position, id",
            [int(request.GET["meeting"])],
        )
        rows = [dict(zip(ITEM_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    return _json(rows)


def l1_items(request: HttpRequest) -> JsonResponse:
    rows = AgendaItem.objects.filter(meeting_id=int(request.GET["meeting"])).order_by("position", "pk")
    return JsonResponse({"results": list(rows.values(*ITEM_COLUMNS))})
