"""The audit trail's pages (the secretariat's): the entries they may read, filtered, and the same as CSV."""

import csv
import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlencode

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy

from taskforce import parsing, spreadsheet

from . import forms, selectors, trail
from .models import AuditEntry

NO_STORE = spreadsheet.NO_STORE


# The audit trail (the secretariat's).

AUDIT_PAGE_SIZE = 100
# What an event's details are called on the page.
DETAIL_LABELS = {
    "to": gettext_lazy("Shared with"),
    "username": gettext_lazy("Username tried"),
    "token": gettext_lazy("Token"),
    "prefix": gettext_lazy("Starts with"),
    "address": gettext_lazy("New address"),
    "arguments": gettext_lazy("Page arguments"),
}


@dataclass
class AuditRow:
    entry: AuditEntry
    who: str
    agency: str
    body: str
    object_name: str
    object_ref: str
    parent_name: str
    parent_ref: str
    changes: list[tuple[str, str, str]]
    details: list[tuple[str, str]]


@cache
def _model_meta(label: str):
    try:
        return apps.get_model(trail.FORMER_LABELS.get(label, label))._meta
    except (LookupError, ValueError):
        return None


@cache
def _column_labels(label: str) -> dict:
    """Each column's field name, translated when shown (kept lazy: the cache serves every language)."""
    meta = _model_meta(label)
    return {field.column: field.verbose_name for field in meta.concrete_fields} if meta else {}


def _kind_name(label: str) -> str:
    meta = _model_meta(label)
    return str(meta.verbose_name) if meta else label


def _shown(value, limit: int = 300) -> str:
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _who(entry: AuditEntry) -> tuple[str, str]:
    """The name of who acted, and their agency's acronym."""
    info = entry.actor_info or {}
    name = " ".join(filter(None, [info.get("first_name"), info.get("last_name")])) or info.get("username", "")
    return name, info.get("agency") or ""


def _local_acronym(acronym: str | None, acronym_fr: str | None) -> str:
    """An acronym as the page's reader knows it; the export keeps the English one, the key scripts match on."""
    return (acronym_fr or acronym or "") if get_language() == "fr" else (acronym or "")


def _audit_row(entry: AuditEntry) -> AuditRow:
    old, new = entry.old_values or {}, entry.new_values or {}
    labels = _column_labels(entry.object_type)
    changes = [
        (str(labels.get(column, column)), _shown(old.get(column)), _shown(new.get(column)))
        for column in sorted({*old, *new})
    ]
    object_name = ""
    if entry.object_type:
        object_name = f"{_kind_name(entry.object_type)} #{entry.object_id}"
        if entry.object_label:
            object_name += f" — {entry.object_label}"
    info = entry.actor_info or {}
    return AuditRow(
        entry=entry,
        who=_who(entry)[0],
        agency=_local_acronym(info.get("agency"), info.get("agency_fr")),
        body=_local_acronym(entry.body_acronym, entry.body_acronym_fr),
        object_name=object_name,
        object_ref=f"{entry.object_type}:{entry.object_id}" if entry.object_type and entry.object_id else "",
        parent_name=f"{_kind_name(entry.parent_type)} #{entry.parent_id}" if entry.parent_id else "",
        parent_ref=f"{entry.parent_type}:{entry.parent_id}" if entry.parent_id else "",
        changes=changes,
        details=[(str(DETAIL_LABELS.get(key, key)), _shown(value)) for key, value in (entry.details or {}).items()],
    )


def _audit_entries(request: HttpRequest) -> tuple[forms.AuditFilterForm, QuerySet[AuditEntry]]:
    """The filter form and the entries it selects; nothing when the filters are wrong (the form says why)."""
    actor = request.user
    entries = selectors.audit_log(actor=actor)
    form = forms.AuditFilterForm(
        request.GET or None, people=selectors.audit_people(actor=actor), agencies=selectors.audit_agencies(actor=actor)
    )
    if not form.is_bound:
        return form, entries
    if not form.is_valid():
        return form, entries.none()
    return form, selectors.audit_filter(entries, **form.filters())


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    form, entries = _audit_entries(request)
    before = request.GET.get("before", "")
    if before:
        older_than = parsing.object_id(before)
        if older_than is None:
            raise Http404()
        entries = entries.filter(id__lt=older_than)
    page = list(entries[: AUDIT_PAGE_SIZE + 1])
    filters = {name: value for name, value in request.GET.items() if name != "before" and value}
    older = ""
    if len(page) > AUDIT_PAGE_SIZE:
        page = page[:AUDIT_PAGE_SIZE]
        older = "?" + urlencode(filters | {"before": page[-1].pk})
    # Filters the form refuses show its reasons, answered as the client's mistake.
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "audit/audit_log.html", {
        "form": form,
        "rows": [_audit_row(entry) for entry in page],
        "older": older,
        "export_query": urlencode(filters),
    }, status=status)


# The export's columns keep these names in every language: scripts read them.
AUDIT_COLUMNS = [
    "id", "occurred_at_utc", "username", "name", "agency", "channel", "source", "request_id", "address", "kind",
    "action", "object_type", "object_id", "object", "parent_type", "parent_id", "body", "classification",
    "old_values", "new_values", "details", "hash",
]


def _csv_lines(entries: QuerySet[AuditEntry]) -> Iterator[str]:
    writer = csv.writer(spreadsheet.Echo())
    yield writer.writerow(AUDIT_COLUMNS)
    for entry in entries.iterator(chunk_size=500):
        who, agency = _who(entry)
        yield writer.writerow([spreadsheet.cell(value) for value in (
            str(entry.pk), entry.occurred_at.astimezone(datetime.UTC).isoformat(),
            (entry.actor_info or {}).get("username", ""), who, agency, entry.channel, entry.source,
            entry.request_id, entry.ip, entry.kind, entry.action, entry.object_type,
            str(entry.object_id or ""), entry.object_label, entry.parent_type, str(entry.parent_id or ""),
            entry.body_acronym or "", str(entry.classification), entry.old_values, entry.new_values,
            entry.details, entry.hash,
        )])


@login_required
def audit_log_export(request: HttpRequest) -> StreamingHttpResponse:
    """The entries the same filters select on the page, all of them, as CSV."""
    _form, entries = _audit_entries(request)
    response = StreamingHttpResponse(_csv_lines(entries), content_type="text/csv; charset=utf-8")
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
    response["Cache-Control"] = NO_STORE
    return response
