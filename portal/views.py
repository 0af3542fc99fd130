"""The home page: a member's dashboard and, for the secretariat, what needs its attention first."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from taskforce import selectors

from . import dashboards


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A member's dashboard; for the secretariat, what needs its attention in its bodies first."""
    actor = request.user
    return render(
        request,
        "portal/home.html",
        {
            "bodies": selectors.body_list(actor=actor),
            "milestones": selectors.milestone_list(actor=actor),
            "mine": dashboards.member_home(actor=actor),
            "secretariat": dashboards.secretariat_home(
                actor=actor, days=dashboards.days_out(request.GET.get("days"))
            ),
        },
    )
