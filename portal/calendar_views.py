"""The calendar and the milestone timeline pages; composition, like the dashboards, and as thin as the other views."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone

from taskforce import schedule, selectors

from . import month_calendar
from .timeline import milestone_timeline

VIEWS = ("month", "list")


def _chosen_body(request: HttpRequest, bodies) -> object | None:
    acronym = request.GET.get("body", "").upper()
    return next((body for body in bodies if body.acronym.upper() == acronym), None) if acronym else None


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    actor = request.user
    bodies = list(selectors.body_list(actor=actor))
    body = _chosen_body(request, bodies)
    kind = request.GET.get("kind", "")
    kind = kind if kind in schedule.KINDS else ""
    view = request.GET.get("view", "")
    view = view if view in VIEWS else "month"
    month = month_calendar.month_calendar(
        actor,
        first=month_calendar.parse_month(request.GET.get("month"), today=timezone.localdate()),
        first_weekday=int(formats.get_format("FIRST_DAY_OF_WEEK")),
        bodies=frozenset({body.pk}) if body else None,
        kinds=frozenset({kind}) if kind else frozenset(schedule.KINDS),
        acronyms={option.acronym: option.local_acronym for option in bodies},
    )
    filters = {"body": body.acronym if body else "", "kind": kind, "view": view if view != "month" else ""}

    def link(**changes) -> str:
        return "?" + urlencode({key: value for key, value in (filters | changes).items() if value})

    return render(request, "portal/calendar.html", {
        "month": month,
        "bodies": bodies,
        "body": body,
        "kind": kind,
        "kinds": list(month_calendar.KIND_LABELS.items()),
        "view": view,
        "previous_link": link(month=f"{month.previous:%Y-%m}"),
        "next_link": link(month=f"{month.next:%Y-%m}"),
        "this_month_link": link(month=""),
        "month_link": link(month=f"{month.first:%Y-%m}", view=""),
        "list_link": link(month=f"{month.first:%Y-%m}", view="list"),
    })


@login_required
def timeline(request: HttpRequest) -> HttpResponse:
    actor = request.user
    bodies = list(selectors.body_list(actor=actor))
    body = _chosen_body(request, bodies)
    milestones = list(selectors.milestone_list(actor=actor, body=body).order_by("due_start", "due_end", "pk"))
    return render(request, "portal/milestone_timeline.html", {
        "timeline": milestone_timeline(milestones, today=timezone.localdate()),
        "bodies": bodies,
        "body": body,
    })
