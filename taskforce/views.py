"""HTML pages of the task-force core. Each view fetches through a selector scoped to the actor."""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from . import forms, permissions, selectors, services, translations
from .models import Milestone
from .submit import conflicted, submitted


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


def _milestone_url(milestone: Milestone) -> str:
    return reverse("milestone-detail", args=[milestone.pk])


@login_required
def milestone_create(request: HttpRequest, acronym: str) -> HttpResponse:
    actor = request.user
    body = selectors.body_get(actor=actor, acronym=acronym)
    permissions.require_secretariat(actor, body.pk)
    form = forms.MilestoneForm(request.POST or None, agencies=selectors.body_agencies(actor=actor, body=body))

    def add(data: dict) -> Milestone:
        return services.milestone_create(
            actor=actor, body=body, restricted_to=list(data["restricted_to"]), **form.milestone_fields()
        )

    done = submitted(request, form, add, message=_("Milestone added."), then=_milestone_url)
    if done:
        return done
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

    def update(data: dict) -> Milestone:
        return services.milestone_update(
            actor=actor, milestone=milestone, seen=_seen(data["seen"]), restricted_to=list(data["restricted_to"]),
            **form.milestone_fields(),
        )

    done = submitted(request, form, update, message=_("Milestone saved."), then=_milestone_url(milestone))
    if done:
        return done
    conflict = None
    if conflicted(form):
        # Keep what they typed, show what is saved now, and let the next save replace it knowingly.
        conflict = selectors.milestone_get(actor=actor, pk=pk)
        form.data = form.data.copy()
        form.data["seen"] = conflict.updated_at.isoformat()
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
def translation_list(request: HttpRequest) -> HttpResponse:
    """The secretariat's list of shared texts still missing English or French."""
    return render(request, "taskforce/translation_list.html", {"rows": translations.untranslated(actor=request.user)})
