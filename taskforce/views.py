"""HTML pages of the task-force core. Each view fetches through a selector scoped to the actor."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    actor = request.user
    return render(
        request,
        "taskforce/home.html",
        {
            "bodies": selectors.body_list(actor=actor),
            "milestones": selectors.milestone_list(actor=actor),
        },
    )


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
        },
    )


@login_required
def milestone_detail(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = selectors.milestone_get(actor=request.user, pk=pk)
    return render(request, "taskforce/milestone_detail.html", {"milestone": milestone})


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
