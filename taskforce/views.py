"""HTML pages of the task-force core. Each view fetches through a selector scoped to the actor."""

import csv
import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlencode, urlsplit

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import feeds, forms, parsing, permissions, selectors, services, spreadsheet, translations
from .errors import ConflictError
from .models import AuditEntry

# Pages that show a secret (a new API token, a calendar feed address) must not be kept by any cache.
NO_STORE = "no-store, private"


@login_required
def body_detail(request: HttpRequest, acronym: str) -> HttpResponse:
    actor = request.user
    body = selectors.body_get(actor=actor, acronym=acronym)
    return render(
        request,
        "taskforce/body_detail.html",
        {
            "body": body,
            "agency_roles": selectors.body_agency_roles(actor=actor, body=body),
            "memberships": selectors.body_memberships(actor=actor, body=body),
            "milestones": selectors.milestone_list(actor=actor, body=body),
            "secretariat": permissions.is_secretariat(actor, body.pk),
        },
    )


@login_required
def milestone_detail(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = selectors.milestone_get(actor=request.user, pk=pk)
    return render(
        request,
        "taskforce/milestone_detail.html",
        {
            "milestone": milestone,
            "secretariat": permissions.is_secretariat(request.user, milestone.body_id),
            "shared_with": permissions.granted_agencies(milestone) if milestone.restricted else [],
        },
    )


@login_required
def milestone_create(request: HttpRequest, acronym: str) -> HttpResponse:
    actor = request.user
    body = selectors.body_get(actor=actor, acronym=acronym)
    permissions.require_secretariat(actor, body.pk)
    form = forms.MilestoneForm(request.POST or None, agencies=selectors.body_agencies(actor=actor, body=body))
    if request.method == "POST" and form.is_valid():
        try:
            milestone = services.milestone_create(
                actor=actor, body=body, restricted_to=list(form.cleaned_data["restricted_to"]),
                **form.milestone_fields(),
            )
        except ValidationError as error:
            forms.add_service_error(form, error)
        else:
            messages.success(request, _("Milestone added."))
            return redirect("milestone-detail", milestone.pk)
    return render(request, "taskforce/milestone_form.html", {"form": form, "body": body})


@login_required
def milestone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    milestone = selectors.milestone_get(actor=actor, pk=pk)
    permissions.require_secretariat(actor, milestone.body_id)
    shared_with = permissions.granted_agencies(milestone) if milestone.restricted else []
    initial = {
        "title_en": milestone.title_en, "title_fr": milestone.title_fr, "description": milestone.description,
        "description_fr": milestone.description_fr, "owner_agency": milestone.owner_agency_id,
        "due_precision": milestone.due_precision, "due_on": milestone.due_start, "status": milestone.status,
        "restricted_to": [agency.pk for agency in shared_with], "seen": milestone.updated_at.isoformat(),
    }
    agencies = selectors.body_agencies(actor=actor, body=milestone.body)
    form = forms.MilestoneForm(request.POST or None, agencies=agencies, editing=True, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_update(
                actor=actor, milestone=milestone, seen=_seen(form.cleaned_data["seen"]),
                restricted_to=list(form.cleaned_data["restricted_to"]), **form.milestone_fields(),
            )
        except ConflictError as error:
            # Keep what they typed, show what is saved now, and let the next save replace it knowingly.
            conflict = selectors.milestone_get(actor=actor, pk=pk)
            form.add_error(None, error)
            form.data = form.data.copy()
            form.data["seen"] = conflict.updated_at.isoformat()
        except ValidationError as error:
            forms.add_service_error(form, error)
        else:
            messages.success(request, _("Milestone saved."))
            return redirect("milestone-detail", milestone.pk)
    return render(
        request,
        "taskforce/milestone_form.html",
        {"form": form, "body": milestone.body, "milestone": milestone, "conflict": conflict},
    )


def _seen(value: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def agency_list(request: HttpRequest) -> HttpResponse:
    return render(request, "taskforce/agency_list.html", {"agencies": selectors.agency_list(actor=request.user)})


@login_required
def agency_detail(request: HttpRequest, acronym: str) -> HttpResponse:
    actor = request.user
    agency = selectors.agency_get(actor=actor, acronym=acronym)
    return render(
        request,
        "taskforce/agency_detail.html",
        {"agency": agency, "members": selectors.member_list(actor=actor, agency=agency)},
    )


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    return render(request, "taskforce/member_list.html", {"members": selectors.member_list(actor=request.user)})


@login_required
def member_detail(request: HttpRequest, username: str) -> HttpResponse:
    member = selectors.member_get(actor=request.user, username=username)
    return render(request, "taskforce/member_detail.html", {"member": member})


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        ids = [parsing.object_id(value) for value in request.POST.getlist("notification")]
        if None in ids:
            # Naming no notification is "Mark all as read"; naming one by something that is no id is a mistake.
            raise BadRequest("A notification is named by its id.")
        services.notifications_mark_read(actor=request.user, ids=ids or None)
        return redirect("notification-list")
    notifications_ = selectors.notification_list(actor=request.user)[:200]
    return render(request, "taskforce/notification_list.html", {"notifications": notifications_})


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go to what it is about."""
    notification = selectors.notification_get(actor=request.user, pk=pk)
    if request.method == "POST":
        services.notifications_mark_read(actor=request.user, ids=[notification.pk])
    # Links are stored absolute (the same as in the email): on the portal's own address, or nowhere.
    portal_host = urlsplit(settings.PORTAL_URL).netloc
    safe = url_has_allowed_host_and_scheme(notification.url, allowed_hosts={portal_host})
    return redirect(notification.url if safe else "notification-list")


@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    actor = request.user
    form = forms.NotificationPreferencesForm(request.POST or None, initial=selectors.notification_modes(actor=actor))
    if request.method == "POST" and form.is_valid():
        services.notification_preferences_set(actor=actor, modes=form.cleaned_data)
        messages.success(request, _("Your notification choices are saved."))
        return redirect("notification-preferences")
    return render(request, "taskforce/notification_preferences.html", {"form": form})


@login_required
def delivery_list(request: HttpRequest) -> HttpResponse:
    """For the secretariat: messages that failed or wait, for the people of their bodies."""
    if request.method == "POST":
        chosen = request.POST.get("delivery", "")
        delivery = selectors.delivery_get(actor=request.user, pk=parsing.object_id(chosen) or 0)
        try:
            services.delivery_retry(actor=request.user, delivery=delivery)
        except ValidationError as error:  # sent again already (a second click), or sent meanwhile
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The message will be sent again."))
        return redirect("delivery-list")
    return render(request, "taskforce/delivery_list.html", {"deliveries": selectors.delivery_list(actor=request.user)})


# The member's own account: API tokens and calendar feeds.


@login_required
def api_token_list(request: HttpRequest) -> HttpResponse:
    """The member's tokens, and a form for a new one whose text is shown in this response only."""
    actor = request.user
    form = forms.ApiTokenForm(request.POST or None)
    created, created_text = None, ""
    if request.method == "POST" and form.is_valid():
        try:
            created, created_text = services.api_token_create(actor=actor, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = forms.ApiTokenForm()
    tokens = selectors.api_token_list(actor=actor)
    response = render(
        request,
        "taskforce/api_token_list.html",
        {"form": form, "tokens": tokens, "created": created, "created_text": created_text},
    )
    response["Cache-Control"] = NO_STORE
    return response


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = selectors.api_token_get(actor=request.user, pk=pk)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
    return redirect("api-token-list")


@login_required
def calendar_feed_settings(request: HttpRequest) -> HttpResponse:
    actor = request.user
    if request.method == "POST":
        _calendar_feed_change(request, request.POST.get("action", ""))
        return redirect("calendar-feed-settings")
    feed = selectors.calendar_feed_get(actor=actor)
    # The bodies the member belongs to: each has a feed of what it shares with all its members.
    bodies = selectors.body_list(actor=actor).filter(memberships__user_id=actor.pk) if feed else []
    response = render(
        request,
        "taskforce/calendar_feed_settings.html",
        {
            "feed": feed,
            "feed_url": feeds.feed_url(feed) if feed else "",
            # The same address for calendar apps that subscribe in one click (webcal: opens the default app).
            "subscribe_url": feeds.subscribe_url(feeds.feed_url(feed)) if feed else "",
            "body_feeds": [(body, feeds.body_feed_url(feed, body)) for body in bodies],
            "days_back": feeds.DAYS_BACK,
        },
    )
    response["Cache-Control"] = NO_STORE
    return response


def _calendar_feed_change(request: HttpRequest, action: str) -> None:
    if action == "revoke":
        services.calendar_feed_revoke(actor=request.user)
        messages.success(request, _("Your calendar feed is turned off; its address no longer works."))
    elif action == "regenerate":
        renewal = selectors.calendar_feed_get(actor=request.user) is not None
        services.calendar_feed_regenerate(actor=request.user)
        if renewal:
            messages.success(request, _("Your calendar feed has a new address; the previous one no longer works."))
        else:
            messages.success(request, _("Your calendar feed is ready: subscribe to it in your calendar app."))


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
        return apps.get_model(label)._meta
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
    return render(request, "taskforce/audit_log.html", {
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
@login_required
def translation_list(request: HttpRequest) -> HttpResponse:
    """The secretariat's list of shared texts still missing English or French."""
    return render(request, "taskforce/translation_list.html", {"rows": translations.untranslated(actor=request.user)})
