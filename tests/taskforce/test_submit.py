"""The one way a page saves a form (taskforce/submit.py): on a valid POST the service writes once and the member is
told and sent on; a refusal shows on the form and saves nothing; a GET shows the page; the same form posts again."""

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from members.models import Agency, User
from taskforce import services
from taskforce.errors import ConflictError
from taskforce.forms import MilestoneForm
from taskforce.models import Body, Milestone
from taskforce.submit import conflicted, submitted

ADDRESS = "/en/bodies/CBFTF/milestones/new/"


def request_from(user: User, data: dict | None = None, *, htmx: bool = False) -> HttpRequest:
    """A request (a POST of `data`, or a GET) as the middleware hands it to a view: signed in, with a session and its
    messages, and told whether htmx sent it."""
    headers = {"HX-Request": "true"} if htmx else {}
    factory = RequestFactory(headers=headers)
    request = factory.post(ADDRESS, data) if data is not None else factory.get(ADDRESS)
    request.user = user
    SessionMiddleware(lambda request: HttpResponse()).process_request(request)
    MessageMiddleware(lambda request: HttpResponse()).process_request(request)
    request.htmx = HtmxDetails(request)
    return request


def milestone(title: str = "Joint firearms trace report", **changes) -> dict:
    cbsa = Agency.objects.get(acronym="CBSA")
    return {"title_en": title, "owner_agency": cbsa.pk, "due_precision": "day", "due_on": "2030-04-15"} | changes


class MilestonePage:
    """A page that adds a milestone as the portal's pages do, counting the service's calls."""

    def __init__(self, body: Body) -> None:
        self.body, self.calls = body, 0

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Every agency is offered, so that the service, not the form, refuses one outside the body.
        form = MilestoneForm(request.POST or None, agencies=Agency.objects.order_by("acronym"))

        def add(data: dict) -> Milestone:
            self.calls += 1
            return services.milestone_create(
                actor=request.user, body=self.body, restricted_to=list(data["restricted_to"]),
                **form.milestone_fields(),
            )

        done = submitted(
            request, form, add, message=lambda added: f"Milestone added: {added.title_en}.", at="milestones",
            then=lambda added: f"/en/milestones/{added.pk}/",
        )
        if done:
            return done
        return HttpResponse(form.as_div())


@pytest.fixture
def page(demo) -> MilestonePage:
    return MilestonePage(demo.bodies["CBFTF"])


def said(request: HttpRequest) -> list[tuple[str, str]]:
    return [(str(message), message.extra_tags) for message in get_messages(request)]


def test_a_valid_post_saves_once_says_so_and_moves_on(page, secretariat):
    request = request_from(secretariat, milestone())

    response = page(request)

    added = Milestone.objects.get(body=page.body, title_en="Joint firearms trace report")
    assert page.calls == 1
    assert response.status_code == 302
    assert response["Location"] == f"/en/milestones/{added.pk}/"
    assert said(request) == [("Milestone added: Joint firearms trace report.", "milestones")]


def test_a_refusal_shows_on_the_form_and_saves_nothing(page, secretariat):
    before = Milestone.objects.count()
    dea = Agency.objects.get(acronym="DEA")  # takes no part in the task force
    request = request_from(secretariat, milestone(restricted_to=[dea.pk]))

    response = page(request)

    assert page.calls == 1
    assert response.status_code == 200
    assert "Choose agencies that take part in this body." in response.content.decode()
    assert 'value="Joint firearms trace report"' in response.content.decode()
    assert Milestone.objects.count() == before
    assert said(request) == []


def test_an_invalid_form_never_reaches_the_service(page, secretariat):
    request = request_from(secretariat, milestone(title=""))

    response = page(request)

    assert page.calls == 0
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_a_get_shows_the_page_and_writes_nothing(page, secretariat):
    before = Milestone.objects.count()

    response = page(request_from(secretariat))

    assert page.calls == 0
    assert response.status_code == 200
    assert Milestone.objects.count() == before


def test_the_same_form_posts_again_after_a_refusal_and_after_a_save(page, secretariat):
    dea = Agency.objects.get(acronym="DEA")
    refused = page(request_from(secretariat, milestone(restricted_to=[dea.pk])))
    first, second = request_from(secretariat, milestone("First report")), request_from(secretariat, milestone("Second report"))

    saved_first, saved_second = page(first), page(second)

    assert refused.status_code == 200
    assert page.calls == 3
    titles = set(Milestone.objects.filter(body=page.body).values_list("title_en", flat=True))
    assert {"First report", "Second report"} <= titles
    assert (saved_first.status_code, saved_second.status_code) == (302, 302)
    assert saved_first["Location"] != saved_second["Location"]
    assert said(first) == [("Milestone added: First report.", "milestones")]
    assert said(second) == [("Milestone added: Second report.", "milestones")]


def test_a_conflict_is_told_apart_from_other_refusals(secretariat):
    """A page that shows what is saved now, beside what was typed, finds the conflict on the form, with its facts."""

    def refused_with(error: ValidationError) -> MilestoneForm:
        def write(data: dict) -> None:
            raise error

        form = MilestoneForm(milestone(), agencies=Agency.objects.all())
        submitted(request_from(secretariat, milestone()), form, write, message="Saved.", then="/")
        return form

    conflict = refused_with(ConflictError("Saved meanwhile.", code="conflict", params={"latest": 3}))
    other = refused_with(ValidationError("Not now."))

    assert conflicted(conflict).params == {"latest": 3}
    assert conflict.non_field_errors() == ["Saved meanwhile."]
    assert conflicted(other) is None
    assert other.non_field_errors() == ["Not now."]


def test_an_in_place_update_answers_its_partial_and_flashes_nothing(page, secretariat):
    request = request_from(secretariat, milestone(), htmx=True)
    form = MilestoneForm(request.POST, agencies=Agency.objects.all())

    def add(data: dict) -> Milestone:
        return services.milestone_create(actor=secretariat, body=page.body, **form.milestone_fields())

    response = submitted(
        request, form, add, message="Milestone added.", then="/",
        in_place=lambda added: HttpResponse(f"<li>{added.title_en}</li>"),
    )

    assert response.status_code == 200
    assert response.content.decode() == "<li>Joint firearms trace report</li>"
    assert said(request) == []
