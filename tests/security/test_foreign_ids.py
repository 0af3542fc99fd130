"""No foreign identifiers on write: an id, acronym, username or number, in a body or a query string, that names
something the actor may not see (or that lies outside the body being written to) is refused (400 from the API, 404
for an address, the form's "Select a valid choice" on a page) and changes nothing; a hidden object answers as one
that does not exist.

Two halves. The fields are enumerated from the code: every writable related field of every serializer, every
model-choice filter of the API and every choice of the meeting forms is checked to leave out what the actor may
not see. Then each field that names an object is exercised over HTTP; `covers` records which, and the last tests
fail when a field that names an object has no such test.

Who may not see what: RCMP's member sees the CBFTF but not the forum-only DEA, the CBCF, the CBSA–ATF MOU or a
meeting RCMP is not invited to. The secretariat sees both bodies, but not a third one (a joint investigation team
with Europol) it has no role in; and a CBFTF meeting takes only CBFTF agencies and people, never DEA.
"""

import datetime
import inspect
import re
from dataclasses import dataclass
from types import SimpleNamespace

import django_filters
import pytest
from django import forms as django_forms
from django.core.exceptions import ValidationError
from rest_framework import serializers

from meetings import api as meetings_api
from meetings import forms as meeting_forms
from meetings import selectors as meeting_selectors
from meetings import serializers as meeting_serializers
from meetings import services as meeting_services
from meetings.models import ActionItem, AgendaItem, Attendance, Decision, Meeting, Paper, Rsvp
from members.models import Agency, User
from mou import api as mou_api
from mou import forms as mou_forms
from mou import serializers as mou_serializers
from mou import services as mou_services
from mou.models import Agreement, Signature, StepAction, WorkflowStep
from taskforce import api as core_api
from taskforce import forms as core_forms
from taskforce.api import VisibleFilter
from taskforce.models import Body, Membership, Milestone
from tests.support.factories import AgencyRoleFactory, BodyFactory, MembershipFactory, UserFactory
from tests.support.scenario import mou_review, page, text_of

COVERED: set[str] = set()


def covers(*fields: str):
    """Marks a test as exercising these fields ("Serializer.field", "Form.field") with foreign identifiers."""

    def mark(test):
        COVERED.update(fields)
        return test

    return mark


# The world the actors may not see --------------------------------------------------------------------------


@dataclass
class Foreign:
    body: Body
    agency: Agency
    person: User
    meeting: Meeting
    item: AgendaItem


@pytest.fixture
def foreign(demo) -> Foreign:
    """A joint investigation team of Europol's, with its own secretariat, meeting and agenda item."""
    body = BodyFactory(acronym="JIT", name_en="Joint investigation team", name_fr="Équipe commune d'enquête")
    agency = Agency.objects.get(acronym="EUROPOL")  # the outsider's agency, of no body of the task force's
    AgencyRoleFactory(body=body, agency=agency)
    person = UserFactory(username="europol", agency=agency)
    MembershipFactory(body=body, user=person, role=Membership.Role.SECRETARIAT)
    start = datetime.datetime(2030, 3, 4, 15, tzinfo=datetime.UTC)
    meeting = meeting_services.meeting_schedule(
        actor=person, body=body, title_en="JIT meeting", start=start, end=start + datetime.timedelta(hours=1),
        time_zone="Europe/Amsterdam", invite_agencies=[agency],
    )
    item = meeting_services.agenda_item_add(actor=person, meeting=meeting, title_en="JIT: seizures")
    return Foreign(body=body, agency=agency, person=person, meeting=meeting, item=item)


def december() -> Meeting:
    """The demo's held CBFTF meeting (its minutes still a draft)."""
    return Meeting.objects.get(body__acronym="CBFTF", title_en="CBFTF meeting")


def upcoming() -> Meeting:
    """The demo's next CBFTF meeting, its agenda a draft."""
    return Meeting.objects.get(body__acronym="CBFTF", title_en="CBFTF regular meeting")


def mou_item() -> AgendaItem:
    return AgendaItem.objects.get(title_en="CBSA–ATF MOU on direct information sharing: status")


def the_mou() -> Agreement:
    return Agreement.objects.get(body__acronym="CBFTF", short_name="CBSA–ATF MOU")


def hidden_from_rcmp(demo, foreign: Foreign) -> dict[type, object]:
    return {
        Body: demo.bodies["CBCF"], Agency: demo.agencies["DEA"], User: demo.users["dea"], Meeting: foreign.meeting,
        AgendaItem: mou_item(), Paper: Paper.objects.get(title="CBSA–ATF MOU status note"), Agreement: the_mou(),
        Milestone: mou_review(),
    }


def hidden_from_the_secretariat(foreign: Foreign) -> dict[type, object]:
    return {Body: foreign.body, Agency: foreign.agency, User: foreign.person, Meeting: foreign.meeting,
            AgendaItem: foreign.item}


def unchanged(*rows) -> list[dict]:
    """What the rows hold now, to compare after a refused write."""
    return [type(row).objects.filter(pk=row.pk).values().get() for row in rows]


def counts() -> dict[str, int]:
    models = (Meeting, AgendaItem, Paper, Decision, ActionItem, Rsvp, Attendance, WorkflowStep, StepAction, Signature)
    return {model.__name__: model.objects.count() for model in models}


# Enumerated from the code ------------------------------------------------------------------------------------

SERIALIZER_MODULES = (meeting_serializers, mou_serializers, core_api)
FILTER_MODULES = (meetings_api, mou_api, core_api)
FORM_MODULES = (meeting_forms, mou_forms, core_forms)
# Input fields that name an object in text and are resolved by their serializer or view, not a related field.
NAMED_IN_TEXT = {
    "MinutesInput.minutes", "StepActInputSerializer.on_behalf_of", "SharingQuerySerializer.from",
    "SharingQuerySerializer.to", "SharingQuerySerializer.category", "ScheduleQuerySerializer.body",
    "ScheduleQuerySerializer.agency",
}
# Form fields added per instance, naming the objects the page loaded.
NAMED_PER_INSTANCE = {
    "StepActForm.on_behalf_of", "CompareForm.from", "CompareForm.to", "AttendanceForm.present",
    "MinutesForm.item",
}


def classes_in(module, base: type) -> list[type]:
    return [
        cls for _name, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, base) and cls.__module__ == module.__name__
    ]


def declared_by(cls: type, name: str) -> str:
    """The class that declares a serializer field (a subclass inherits its parent's)."""
    origin = next(c for c in reversed(cls.__mro__) if name in getattr(c, "_declared_fields", {}))
    return f"{origin.__name__}.{name}"


def writable_relations(serializer: serializers.Serializer):
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        if isinstance(field, serializers.ManyRelatedField):
            yield name, field.child_relation
        elif isinstance(field, serializers.RelatedField):
            yield name, field


def serializer_relations(actor: User):
    context = {"request": SimpleNamespace(user=actor)}
    for module in SERIALIZER_MODULES:
        for cls in classes_in(module, serializers.BaseSerializer):
            if issubclass(cls, serializers.ModelSerializer) and not hasattr(cls, "Meta"):
                continue  # a base for the model serializers below it
            for name, field in writable_relations(cls(context=context)):
                yield cls, name, field


def naming_form_fields() -> set[str]:
    named = set()
    for module in FORM_MODULES:
        for cls in classes_in(module, django_forms.BaseForm):
            for name, field in cls.base_fields.items():
                if isinstance(field, django_forms.ModelChoiceField | mou_forms.AgencyField | mou_forms.AgenciesField):
                    named.add(f"{cls.__name__}.{name}")
    return named


@pytest.mark.parametrize("persona", ["rcmp", "secretariat"])
def test_every_writable_related_field_of_the_api_leaves_out_what_the_caller_may_not_see(demo, foreign, persona):
    actor = demo.users[persona]
    hidden = hidden_from_rcmp(demo, foreign) if persona == "rcmp" else hidden_from_the_secretariat(foreign)

    checked = []
    for cls, name, field in serializer_relations(actor):
        model = field.get_queryset().model
        assert model in hidden, f"{cls.__name__}.{name}: add a {model.__name__} hidden from {persona} to this test"
        assert not field.get_queryset().filter(pk=hidden[model].pk).exists(), f"{cls.__name__}.{name} accepts it"
        checked.append(f"{cls.__name__}.{name}")

    assert "MeetingScheduleInput.body" in checked and "RsvpSerializer.delegate" in checked


@pytest.mark.parametrize("persona", ["rcmp", "secretariat"])
def test_every_model_choice_filter_of_the_api_leaves_out_what_the_caller_may_not_see(demo, foreign, persona):
    actor = demo.users[persona]
    hidden = hidden_from_rcmp(demo, foreign) if persona == "rcmp" else hidden_from_the_secretariat(foreign)
    request = SimpleNamespace(user=actor)

    checked = []
    for module in FILTER_MODULES:
        for filterset in classes_in(module, django_filters.FilterSet):
            for name, declared in filterset.base_filters.items():
                if isinstance(declared, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter):
                    rows = declared.get_queryset(request)
                elif isinstance(declared, VisibleFilter):
                    rows = declared.visible(request)
                else:
                    continue
                assert rows.model in hidden, f"{filterset.__name__}.{name}: add a hidden {rows.model.__name__}"
                assert not rows.filter(pk=hidden[rows.model].pk).exists(), f"{filterset.__name__}.{name} accepts it"
                checked.append(f"{filterset.__name__}.{name}")

    assert {"MeetingFilter.body", "PaperFilter.item", "AgreementFilter.party", "MemberFilter.agency"} <= set(checked)


def choices_of(form: django_forms.Form) -> dict[str, object]:
    return {name: field.queryset for name, field in form.fields.items() if isinstance(field, django_forms.ModelChoiceField)}


def test_the_meeting_forms_offer_the_secretariat_only_the_bodys_agencies_people_and_items(demo, foreign, secretariat):
    body = demo.bodies["CBFTF"]
    items = meeting_selectors.agenda_items(actor=secretariat, meeting=december()).filter(withdrawn=False)
    built = [
        meeting_forms.MeetingDetailsForm(actor=secretariat, body=body),
        meeting_forms.MeetingForm(actor=secretariat, body=body, editing=True),
        meeting_forms.SeriesForm(actor=secretariat, body=body),
        meeting_forms.AgendaItemForm(actor=secretariat, body=body),
        meeting_forms.ActionItemForm(actor=secretariat, body=body, items=items),
        meeting_forms.DecisionForm(items=items),
    ]
    outside = {Agency: [foreign.agency, demo.agencies["DEA"]], User: [foreign.person, demo.users["dea"]],
               AgendaItem: [foreign.item, *upcoming().items.all()]}

    for form in built:
        for name, rows in choices_of(form).items():
            assert not rows.filter(pk__in=[row.pk for row in outside[rows.model]]).exists(), f"{form}.{name}"
            assert rows.exists(), f"{type(form).__name__}.{name} offers nothing at all"


def test_the_member_forms_offer_only_what_the_member_may_see(demo, foreign, rcmp):
    rsvp = meeting_forms.RsvpForm(actor=rcmp)
    register = meeting_forms.RegisterFilterForm(actor=rcmp)

    assert not rsvp.fields["delegate"].queryset.exclude(agency=rcmp.agency).exists()
    assert not register.fields["body"].queryset.filter(pk=demo.bodies["CBCF"].pk).exists()
    assert not register.fields["agency"].queryset.filter(pk__in=[demo.agencies["DEA"].pk, foreign.agency.pk]).exists()
    assert not register.fields["owner"].queryset.filter(pk__in=[demo.users["dea"].pk, foreign.person.pk]).exists()


# The API, over HTTP --------------------------------------------------------------------------------------------


def api_post(client, url: str, data: dict, method: str = "post"):
    return getattr(client, method)(url, data, content_type="application/json")


def invalid_fields(response) -> dict:
    return response.json()["error"]["fields"]


def same_answer_as_for_nothing(client, url: str, data: dict, field: str, hidden: str, method: str = "post"):
    """The refusal of a hidden value, and that it reads exactly as the refusal of one that does not exist."""
    refused = api_post(client, url, data, method)
    assert refused.status_code == 400, refused.content
    nothing = api_post(client, url, swap(data, hidden, "NOSUCH"), method)
    assert nothing.status_code == 400
    assert text_of(refused).replace(hidden, "NOSUCH") == text_of(nothing), field
    return refused


def swap(data, old: str, new: str):
    if isinstance(data, dict):
        return {key: swap(value, old, new) for key, value in data.items()}
    if isinstance(data, list):
        return [swap(value, old, new) for value in data]
    return new if data == old else data


MEETING = {
    "body": "CBFTF", "title_en": "Working meeting", "start": "2030-01-10T15:00:00Z", "end": "2030-01-10T16:00:00Z",
    "time_zone": "America/Toronto",
}


@covers(
    "MeetingScheduleInput.body", "MeetingFieldsInput.host_agency", "MeetingFieldsInput.invite_agencies",
    "MeetingFieldsInput.invite_people",
)
@pytest.mark.parametrize(
    ("field", "value", "hidden"),
    [("body", "JIT", "JIT"), ("host_agency", "EUROPOL", "EUROPOL"), ("invite_agencies", ["EUROPOL"], "EUROPOL"),
     ("invite_people", ["europol"], "europol")],
)
def test_scheduling_through_the_api_refuses_what_the_secretariat_may_not_see(
    client_for, secretariat, foreign, field, value, hidden
):
    before = counts()

    refused = same_answer_as_for_nothing(
        client_for(secretariat), "/api/v1/meetings/", MEETING | {field: value}, field, hidden
    )

    assert field in invalid_fields(refused)
    assert counts() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("host_agency", "DEA"), ("invite_agencies", ["DEA"]), ("invite_people", ["dea"])],
)
def test_a_meeting_takes_only_agencies_and_people_of_its_body(client_for, secretariat, field, value):
    before = counts()

    refused = api_post(client_for(secretariat), "/api/v1/meetings/", MEETING | {field: value})

    assert refused.status_code == 400 and field in invalid_fields(refused)
    assert counts() == before


@pytest.mark.parametrize(
    ("field", "value", "hidden"),
    [("host_agency", "EUROPOL", "EUROPOL"), ("host_agency", "DEA", None), ("invite_agencies", ["EUROPOL"], "EUROPOL"),
     ("invite_people", ["europol"], "europol"), ("invite_people", ["dea"], None)],
)
def test_editing_a_meeting_through_the_api_refuses_foreign_agencies_and_people(
    client_for, secretariat, foreign, field, value, hidden
):
    meeting = upcoming()
    before = unchanged(meeting) + [list(meeting.invitations.values())]
    url = f"/api/v1/meetings/{meeting.pk}/"
    client = client_for(secretariat)

    if hidden:
        same_answer_as_for_nothing(client, url, {field: value}, field, hidden, method="patch")
    else:
        assert api_post(client, url, {field: value}, method="patch").status_code == 400

    assert unchanged(meeting) + [list(meeting.invitations.values())] == before


@covers("AgendaItemInput.presenter", "AgendaItemInput.presenter_agency", "AgendaItemInput.restricted_to")
@pytest.mark.parametrize(
    ("field", "value", "hidden"),
    [("presenter", "europol", "europol"), ("presenter", "dea", None), ("presenter_agency", "EUROPOL", "EUROPOL"),
     ("presenter_agency", "DEA", None), ("restricted_to", ["EUROPOL"], "EUROPOL"), ("restricted_to", ["DEA"], None)],
)
def test_agenda_items_through_the_api_refuse_foreign_presenters_and_agencies(
    client_for, secretariat, foreign, field, value, hidden
):
    meeting = upcoming()
    item = meeting.items.order_by("position").first()
    client = client_for(secretariat)
    before = counts(), unchanged(item)
    create = {"title_en": "Seizure data", field: value}
    edit = {"version": item.version, field: value}
    items = f"/api/v1/meetings/{meeting.pk}/items/"

    for url, data, method in ((items, create, "post"), (f"{items}{item.pk}/", edit, "patch")):
        if hidden:
            same_answer_as_for_nothing(client, url, data, field, hidden, method=method)
        else:
            assert api_post(client, url, data, method=method).status_code == 400

    assert (counts(), unchanged(item)) == before


@covers("StandingItemSerializer.presenter_agency")
@pytest.mark.parametrize(("value", "hidden"), [("EUROPOL", "EUROPOL"), ("DEA", None)])
def test_the_template_api_refuses_a_foreign_presenting_agency(client_for, secretariat, foreign, value, hidden):
    from meetings.models import AgendaTemplate, StandingItem

    client = client_for(secretariat)
    url = "/api/v1/bodies/CBFTF/agenda-template/"
    version = AgendaTemplate.objects.get(body__acronym="CBFTF").version
    before = list(StandingItem.objects.filter(template__body__acronym="CBFTF").values())
    data = {"version": version, "items": [{"title_en": "Seizure data", "presenter_agency": value}]}

    if hidden:
        same_answer_as_for_nothing(client, url, data, "presenter_agency", hidden, method="put")
    else:
        assert api_post(client, url, data, method="put").status_code == 400

    assert list(StandingItem.objects.filter(template__body__acronym="CBFTF").values()) == before


@covers("MinutesInput.minutes")
def test_minutes_through_the_api_refuse_items_of_another_meeting(client_for, secretariat, foreign):
    meeting = december()
    other = upcoming().items.first()
    before = unchanged(foreign.item, other, *meeting.items.all())

    for pk in (foreign.item.pk, other.pk, 2**31 - 1):
        response = api_post(
            client_for(secretariat), f"/api/v1/meetings/{meeting.pk}/minutes/", {"minutes": {str(pk): "Taken."}}
        )
        assert response.status_code == 400, pk

    assert unchanged(foreign.item, other, *meeting.items.all()) == before


@covers("RsvpSerializer.delegate")
def test_an_rsvp_through_the_api_names_only_a_visible_colleague_as_delegate(client_for, rcmp, cbsa, demo):
    url = f"/api/v1/meetings/{upcoming().pk}/rsvp/"
    client = client_for(rcmp)
    before = counts()

    same_answer_as_for_nothing(client, url, {"response": "delegate", "delegate": "dea"}, "delegate", "dea")
    assert api_post(client, url, {"response": "delegate", "delegate": "cbsa"}).status_code == 400
    assert counts() == before


@covers("RemindInput.people")
def test_a_reminder_through_the_api_names_only_the_meetings_invitees(client_for, secretariat, foreign, demo):
    from notifications.models import Delivery

    url = f"/api/v1/meetings/{upcoming().pk}/remind/"
    client = client_for(secretariat)
    before, sent = counts(), Delivery.objects.count()

    # Someone of another body the secretariat cannot see reads as someone who does not exist.
    same_answer_as_for_nothing(client, url, {"audience": "chosen", "people": ["europol"]}, "people", "europol")
    # Someone it sees who is not invited (DEA takes no part in the CBFTF) is refused all the same.
    assert api_post(client, url, {"audience": "chosen", "people": ["dea"]}).status_code == 400
    assert (counts(), Delivery.objects.count()) == (before, sent)


def test_an_rsvp_for_a_meeting_the_member_is_not_invited_to_is_not_found(client_for, rcmp, foreign):
    response = api_post(client_for(rcmp), f"/api/v1/meetings/{foreign.meeting.pk}/rsvp/", {"response": "remote"})

    assert response.status_code == 404
    assert not Rsvp.objects.filter(meeting=foreign.meeting).exists()


def current_mou_step() -> WorkflowStep:
    return next(step for step in the_mou().steps.order_by("position") if not step.is_complete)


@covers("StepActInputSerializer.on_behalf_of")
@pytest.mark.parametrize(("persona", "agency"), [("secretariat", "DEA"), ("secretariat", "ATF"), ("cbsa", "ATF")])
def test_an_answer_through_the_api_is_given_only_for_an_agency_of_the_step(client_for, demo, persona, agency):
    step = current_mou_step()
    before = counts()

    response = api_post(
        client_for(demo.users[persona]), f"/api/v1/agreements/{step.agreement_id}/steps/{step.pk}/act/",
        {"outcome": "approved", "on_behalf_of": agency},
    )

    assert response.status_code == 400 and "on_behalf_of" in invalid_fields(response)
    assert counts() == before


def test_an_answer_for_a_step_of_a_hidden_agreement_is_not_found(client_for, rcmp):
    step = current_mou_step()

    response = api_post(
        client_for(rcmp), f"/api/v1/agreements/{step.agreement_id}/steps/{step.pk}/act/", {"outcome": "approved"}
    )

    assert response.status_code == 404
    assert not StepAction.objects.filter(step=step, agency__acronym="RCMP").exists()


@covers("SharingQuerySerializer.from", "SharingQuerySerializer.to", "SharingQuerySerializer.category")
@pytest.mark.parametrize("query", ["from=EUROPOL&to=ATF&category=customs", "from=CBSA&to=EUROPOL&category=customs",
                                   "from=CBSA&to=ATF&category=nosuch"])
def test_the_sharing_query_refuses_agencies_the_member_may_not_see(client_for, rcmp, foreign, query):
    # The agencies named are the parties of the agreements the member sees (DEA, as a party to the MLAT, is one).
    response = client_for(rcmp).get(f"/api/v1/sharing/?{query}")
    nothing = client_for(rcmp).get(f"/api/v1/sharing/?{query.replace('EUROPOL', 'NOSUCH')}")

    assert response.status_code == 404
    assert text_of(response).replace("EUROPOL", "NOSUCH") == text_of(nothing)


@covers("ScheduleQuerySerializer.body", "ScheduleQuerySerializer.agency")
@pytest.mark.parametrize("query", ["body=CBCF", "agency=DEA"])
def test_the_schedule_refuses_a_body_or_agency_the_member_may_not_see(client_for, rcmp, query):
    response = client_for(rcmp).get(f"/api/v1/schedule/?{query}")
    nothing = client_for(rcmp).get(f"/api/v1/schedule/?{query.split('=')[0]}=NOSUCH")

    assert response.status_code == nothing.status_code == 200
    assert response.json()["results"] == nothing.json()["results"] == []


@pytest.mark.parametrize(
    ("address", "hidden"),
    [
        ("/api/v1/meetings/?body={CBCF}", "CBCF"),
        ("/api/v1/papers/?item={item}", "item"),
        ("/api/v1/papers/?meeting={meeting}", "meeting"),
        ("/api/v1/decisions/?meeting={meeting}", "meeting"),
        ("/api/v1/decisions/?body={CBCF}", "CBCF"),
        ("/api/v1/action-items/?owner_agency={DEA}", "DEA"),
        ("/api/v1/action-items/?body={CBCF}", "CBCF"),
        ("/api/v1/milestones/?body={CBCF}", "CBCF"),
        ("/api/v1/milestones/?owner_agency={DEA}", "DEA"),
        ("/api/v1/members/?agency={DEA}", "DEA"),
        ("/api/v1/agreements/?body={CBCF}", "CBCF"),
        ("/api/v1/agreements/?party=DEA", None),
    ],
)
def test_api_filters_refuse_ids_the_member_may_not_see(client_for, demo, rcmp, foreign, address, hidden):
    ids = {"CBCF": demo.bodies["CBCF"].pk, "DEA": demo.agencies["DEA"].pk, "item": mou_item().pk,
           "meeting": foreign.meeting.pk}
    url = address.format(**ids)
    missing = address.format(**ids | {hidden: 99999999}) if hidden else url.replace("DEA", "NOPE")

    response = client_for(rcmp).get(url)
    nothing = client_for(rcmp).get(missing)

    assert response.status_code == 200, url
    assert text_of(response) == text_of(nothing)
    assert response.json()["results"] == []


# The pages, over HTTP ------------------------------------------------------------------------------------------


def refused_on(response, field_id: str) -> None:
    """The form is shown again with the field's error in the summary (a hidden choice reads as a missing one)."""
    assert response.status_code == 200, response.status_code
    assert f'data-focus="{field_id}"' in text_of(response), text_of(response)[:3000]


def meeting_form(demo, **foreign_fields) -> dict:
    return {
        "title_en": "Working meeting", "start": "2030-01-10T10:00", "end": "2030-01-10T11:00",
        "time_zone": "America/Toronto", "invite_agencies": [demo.agencies["CBSA"].pk], **foreign_fields,
    }


def foreign_choices(demo, foreign: Foreign) -> dict[str, list[tuple[str, int]]]:
    """For each kind of choice, the hidden one and the one outside the CBFTF, by primary key."""
    return {
        "agency": [("hidden", foreign.agency.pk), ("outside", demo.agencies["DEA"].pk)],
        "person": [("hidden", foreign.person.pk), ("outside", demo.users["dea"].pk)],
    }


@covers("MeetingDetailsForm.host_agency", "MeetingDetailsForm.invite_agencies", "MeetingDetailsForm.invite_people",
        "MeetingForm.host_agency", "MeetingForm.invite_agencies", "MeetingForm.invite_people",
        "SeriesForm.host_agency", "SeriesForm.invite_agencies", "SeriesForm.invite_people")
@pytest.mark.parametrize("field", ["host_agency", "invite_agencies", "invite_people"])
def test_scheduling_pages_refuse_foreign_agencies_and_people(client_for, demo, foreign, secretariat, field):
    client = client_for(secretariat)
    kind = "person" if field == "invite_people" else "agency"
    before = counts()

    for _label, pk in foreign_choices(demo, foreign)[kind]:
        refused_on(client.post(page("meeting-create") + "?body=CBFTF", meeting_form(demo, **{field: pk})), f"id_{field}")
        series = meeting_form(demo, **{field: pk}) | {
            "first_start": "2030-01-10T10:00", "first_end": "2030-01-10T11:00", "frequency": "monthly",
            "interval": 1, "count": 3,
        }
        refused_on(client.post(page("series-create") + "?body=CBFTF", series), f"id_{field}")
        edit = meeting_form(demo, **{field: pk}) | {"reason": "Moved"}
        refused_on(client.post(page("meeting-edit", upcoming().pk), edit), f"id_{field}")

    assert counts() == before


def test_scheduling_for_a_body_the_secretariat_has_no_part_in_is_not_found(client_for, demo, foreign, secretariat):
    response = client_for(secretariat).post(page("meeting-create") + "?body=JIT", meeting_form(demo))

    assert response.status_code == 404
    assert not Meeting.objects.filter(title_en="Working meeting").exists()


@covers("AgendaItemForm.presenter", "AgendaItemForm.presenter_agency", "AgendaItemForm.restricted_to")
@pytest.mark.parametrize("field", ["presenter", "presenter_agency", "restricted_to"])
def test_agenda_item_pages_refuse_foreign_presenters_and_agencies(client_for, demo, foreign, secretariat, field):
    client = client_for(secretariat)
    meeting = upcoming()
    item = meeting.items.order_by("position").first()
    kind = "person" if field == "presenter" else "agency"
    before = counts(), unchanged(item)

    for _label, pk in foreign_choices(demo, foreign)[kind]:
        data = {"title_en": "Seizure data", "minutes_allotted": 10, field: pk}
        refused_on(client.post(page("agenda-item-create", meeting.pk), data), f"id_{field}")
        refused_on(client.post(page("agenda-item-edit", item.pk), data | {"version": item.version}), f"id_{field}")

    assert (counts(), unchanged(item)) == before


@covers("StandingItemForm.presenter_agency")
def test_the_template_page_refuses_a_foreign_presenting_agency(client_for, demo, foreign, secretariat):
    from meetings.models import AgendaTemplate, StandingItem

    client = client_for(secretariat)
    version = AgendaTemplate.objects.get(body__acronym="CBFTF").version
    before = list(StandingItem.objects.filter(template__body__acronym="CBFTF").values())

    for _label, pk in foreign_choices(demo, foreign)["agency"]:
        data = {
            "version": version, "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "50", "items-0-kind": "item", "items-0-title_en": "Seizure data",
            "items-0-minutes_allotted": "10", "items-0-presenter_agency": pk,
        }
        response = client.post(page("agenda-template", "CBFTF"), data)
        # The template page answers a refused form 400 (the other forms of the portal, 200): shown again all the same.
        assert response.status_code == 400
        assert 'data-focus="id_items-0-presenter_agency"' in text_of(response)

    assert list(StandingItem.objects.filter(template__body__acronym="CBFTF").values()) == before


@covers("MilestoneForm.owner_agency", "MilestoneForm.restricted_to")
@pytest.mark.parametrize("field", ["owner_agency", "restricted_to"])
def test_milestone_pages_refuse_foreign_agencies(client_for, demo, foreign, secretariat, field):
    client = client_for(secretariat)
    milestone = mou_review()
    before = Milestone.objects.count(), unchanged(milestone)

    for _label, pk in foreign_choices(demo, foreign)["agency"]:
        data = {"title_en": "Trace report", "owner_agency": demo.agencies["ATF"].pk, "due_precision": "day",
                "due_on": "2030-01-10", field: pk}
        refused_on(client.post(page("milestone-create", "CBFTF"), data), f"id_{field}")
        edit = data | {"status": "done", "seen": milestone.updated_at.isoformat()}
        refused_on(client.post(page("milestone-edit", milestone.pk), edit), f"id_{field}")

    assert (Milestone.objects.count(), unchanged(milestone)) == before


@covers("RsvpForm.delegate")
def test_the_rsvp_page_names_only_a_colleague_as_delegate(client_for, demo, rcmp):
    before = counts()

    for person in ("dea", "cbsa"):
        data = {"response": "delegate", "delegate": demo.users[person].pk}
        refused_on(client_for(rcmp).post(page("rsvp", upcoming().pk), data), "id_delegate")

    assert counts() == before


@covers("DecisionForm.item", "ActionItemForm.item", "ActionItemForm.owner_agency", "ActionItemForm.owner")
def test_record_pages_refuse_items_of_other_meetings_and_foreign_owners(client_for, demo, foreign, secretariat):
    client = client_for(secretariat)
    meeting = december()
    other_items = [foreign.item.pk, upcoming().items.first().pk]
    action = {"text": "Report back.", "owner_agency": demo.agencies["RCMP"].pk}
    before = counts()

    for pk in other_items:
        refused_on(client.post(page("decision-create", meeting.pk), {"text": "Agreed.", "item": pk}), "id_item")
        refused_on(client.post(page("action-item-create", meeting.pk), action | {"item": pk}), "id_item")
    for _label, pk in foreign_choices(demo, foreign)["agency"]:
        refused_on(client.post(page("action-item-create", meeting.pk), action | {"owner_agency": pk}), "id_owner_agency")
    for _label, pk in foreign_choices(demo, foreign)["person"]:
        refused_on(client.post(page("action-item-create", meeting.pk), action | {"owner": pk}), "id_owner")

    assert counts() == before


@covers("AttendanceForm.present", "MinutesForm.item")
def test_attendance_and_minutes_ignore_people_and_items_not_of_the_meeting(client_for, demo, foreign, secretariat):
    client = client_for(secretariat)
    meeting = december()
    other = upcoming().items.first()
    before = unchanged(foreign.item, other)

    client.post(page("attendance", meeting.pk), {
        f"present_{foreign.person.pk}": "on", f"mode_{foreign.person.pk}": "remote",
        f"present_{demo.users['dea'].pk}": "on",
    })
    client.post(page("minutes", meeting.pk), {f"item_{foreign.item.pk}": "Taken.", f"item_{other.pk}": "Taken."})

    assert not Attendance.objects.filter(user__in=[foreign.person, demo.users["dea"]]).exists()
    assert unchanged(foreign.item, other) == before


@covers("RegisterFilterForm.body", "RegisterFilterForm.agency", "RegisterFilterForm.owner")
@pytest.mark.parametrize(("field", "value"), [("body", "CBCF"), ("agency", "DEA"), ("owner", "dea")])
def test_the_register_refuses_filters_the_member_may_not_see(client_for, rcmp, field, value):
    response = client_for(rcmp).get(page("register"), {field: value})
    nothing = client_for(rcmp).get(page("register"), {field: "nosuch"})

    refused_on(response, f"id_{field}")
    assert value not in re.sub(r"<option[^>]*>[^<]*</option>", "", text_of(response)).replace(f"={value}", "")
    assert text_of(nothing).count("Select a valid choice") == text_of(response).count("Select a valid choice")


@covers("StepForm.owner_agency", "StepForm.concurring_agencies")
@pytest.mark.parametrize("field", ["owner_agency", "concurring_agencies"])
@pytest.mark.parametrize("acronym", ["DEA", "EUROPOL"])
def test_a_workflow_step_takes_only_agencies_of_the_body(client_for, demo, foreign, secretariat, field, acronym):
    mou = the_mou()
    data = {"title_en": "Legal review", "owner_agency": "CBSA", field: acronym}
    before = counts()

    refused_on(client_for(secretariat).post(page("step-create", mou.pk), data), f"step-{field}")

    assert counts() == before


def test_a_workflow_step_outside_the_body_is_refused_by_the_service_too(demo, foreign, secretariat):
    for owner, concurring in ((demo.agencies["DEA"], []), (demo.agencies["CBSA"], [foreign.agency])):
        with pytest.raises(ValidationError):
            mou_services.step_add(
                actor=secretariat, agreement=the_mou(), title_en="Legal review", owner_agency=owner,
                concurring_agencies=concurring,
            )


@covers("StepActForm.on_behalf_of")
@pytest.mark.parametrize("acronym", ["DEA", "RCMP", "EUROPOL"])
def test_the_secretariat_answers_only_for_an_agency_of_the_step(client_for, secretariat, foreign, acronym):
    step = current_mou_step()
    before = counts()

    response = client_for(secretariat).post(
        page("step-act", step.pk), {"outcome": "approved", "on_behalf_of": acronym}
    )

    refused_on(response, f"act-{step.pk}-on_behalf_of")
    assert counts() == before


@pytest.fixture
def ready_for_signature(demo, secretariat) -> Agreement:
    agreement = mou_services.agreement_create(
        actor=secretariat, body=demo.bodies["CBFTF"], kind=Agreement.Kind.OTHER, short_name="Tracing arrangement",
        title_en="CBSA–RCMP tracing arrangement", parties=[demo.agencies["CBSA"], demo.agencies["RCMP"]],
        text="The Participants trace seized firearms together.",
    )
    mou_services.agreement_submit(actor=secretariat, agreement=agreement)
    return mou_services.agreement_transition(
        actor=secretariat, agreement=agreement, transition="make_ready_for_signature"
    )


@covers("SignatureForm.party")
@pytest.mark.parametrize(("persona", "party"), [("secretariat", "DEA"), ("secretariat", "ATF"), ("rcmp", "CBSA")])
def test_a_signature_is_recorded_only_for_a_party_the_signer_may_sign_for(
    client_for, demo, ready_for_signature, persona, party
):
    data = {"party": party, "signatory_name": "A. Signatory", "signed_on": "2021-12-01", "version_number": 1}

    response = client_for(demo.users[persona]).post(page("signature-create", ready_for_signature.pk), data)

    refused_on(response, "signature-party")
    assert not Signature.objects.filter(agreement=ready_for_signature).exists()


@covers("SharingForm.source", "SharingForm.target", "SharingForm.category", "MatrixForm.category",
        "AgreementFilterForm.party")
@pytest.mark.parametrize(
    ("name", "query", "field_id"),
    [
        ("sharing-map", {"source": "EUROPOL", "target": "ATF", "category": "customs"}, "sharing-source"),
        ("sharing-map", {"source": "CBSA", "target": "EUROPOL", "category": "customs"}, "sharing-target"),
        ("sharing-map", {"source": "CBSA", "target": "ATF", "category": "nosuch"}, "sharing-category"),
        ("sharing-matrix", {"category": "nosuch"}, "matrix-category"),
        ("agreement-list", {"party": "EUROPOL"}, "filter-party"),
    ],
)
def test_the_agreement_pages_refuse_agencies_the_member_may_not_see(client_for, rcmp, foreign, name, query, field_id):
    response = client_for(rcmp).get(page(name), query)

    assert response.status_code == 200
    assert "Select a valid choice" in text_of(response), field_id
    assert "Europol" not in text_of(response)


@covers("CompareForm.from", "CompareForm.to")
def test_comparing_names_only_versions_the_reader_may_see(client_for, rcmp, atf):
    mou = the_mou()

    assert client_for(rcmp).get(page("version-compare", mou.pk), {"from": 1, "to": 2}).status_code == 404
    response = client_for(atf).get(page("version-compare", mou.pk), {"from": 1, "to": 9})
    assert "Select a valid choice" in text_of(response)


@covers("AuditFilterForm.person", "AuditFilterForm.agency")
@pytest.mark.parametrize(("field", "value"), [("person", "europol"), ("agency", "EUROPOL")])
def test_the_audit_trail_refuses_filters_the_secretariat_may_not_see(client_for, foreign, secretariat, field, value):
    response = client_for(secretariat).get(page("audit-log"), {field: value})

    assert response.status_code == 400
    assert "Select a valid choice" in text_of(response)


# Nothing that names an object goes untested -----------------------------------------------------------------


def test_every_api_field_that_names_an_object_has_a_foreign_id_test(demo, rcmp):
    relations = {declared_by(cls, name) for cls, name, _field in serializer_relations(rcmp)}

    assert (relations | NAMED_IN_TEXT) - COVERED == set()


def test_every_form_field_that_names_an_object_has_a_foreign_id_test():
    assert (naming_form_fields() | NAMED_PER_INSTANCE) - COVERED == set()

