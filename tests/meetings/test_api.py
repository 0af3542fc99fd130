"""The meetings API, used as a REST client uses it: tokens or a session, JSON in and out, the error shape.

The visibility rules are checked on the demo's own restricted item, "CBSA–ATF MOU on direct information
sharing: status" (December 17, 2021), shared with CBSA and ATF only, and on a decision and an action item
recorded from it.
"""

import datetime
import json
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.services import api_token_create
from meetings import services
from meetings.models import ActionItem, AgendaItem, Comment, Decision, Meeting, Paper, Rsvp
from members.models import Classification
from tests.support.scenario import text_of

from .conftest import local_time
from .test_pages import MOU_ITEM, MOU_PAPER, december, mou_item, pdf_upload, upcoming_demo_meeting

API = "/api/v1"
# Members of the task force who are not party to the MOU, and DEA, who is in the parent forum only.
NOT_PARTIES = ("rcmp", "hsi", "cbp", "dea")
PARTIES = ("atf", "cbsa")
# Every trace of the MOU item a response could carry: titles (both languages), description, paper, records.
MOU_TRACES = ("CBSA–ATF MOU", "PE ASFC–ATF", "The draft MOU is in CBSA approvals", "mou-status.pdf", "MOU draft annex")


def token_client(user, access: str = "write") -> Client:
    _token, text = api_token_create(actor=user, name="API test", access=access)
    return Client(HTTP_AUTHORIZATION=f"Token {text}")


def body(response) -> dict:
    return json.loads(response.content or b"null")


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return body(response)["results"]


def error_fields(response) -> dict:
    error = body(response)["error"]
    assert error["status"] == response.status_code
    return error["fields"]


def traces(response) -> list[str]:
    text = text_of(response)
    return [trace for trace in MOU_TRACES if trace in text]


def post(client: Client, url: str, data: dict | None = None):
    return client.post(url, data or {}, content_type="application/json")


def patch(client: Client, url: str, data: dict):
    return client.patch(url, data, content_type="application/json")


@dataclass
class MouRecords:
    meeting: Meeting
    item: AgendaItem
    paper: Paper
    decision: Decision
    action: ActionItem


@pytest.fixture
def mou(demo, secretariat, atf) -> MouRecords:
    """The MOU item of December 17 with its paper, a comment, minutes, a decision and an action item of its
    own, the minutes approved (so decisions reach members): every trace the restricted item can leave."""
    meeting, item = december(), mou_item()
    annex = services.paper_upload(actor=secretariat, item=item, title="MOU draft annex", upload=pdf_upload())
    services.comment_add(actor=atf, item=item, text="ATF legal has reviewed the CBSA–ATF MOU sharing clauses.")
    services.minutes_save(actor=secretariat, meeting=meeting, minutes={item.pk: "CBSA–ATF MOU approvals on track."})
    decision = services.decision_record(
        actor=secretariat, meeting=meeting, item=item, text="The CBSA–ATF MOU goes to ATF for review."
    )
    action = services.action_item_record(
        actor=secretariat, meeting=meeting, item=item, owner=atf, owner_agency=demo.agencies["ATF"],
        text="Return ATF's comments on the CBSA–ATF MOU.",
    )
    services.minutes_approve(actor=secretariat, meeting=meeting)
    return MouRecords(meeting, item, annex, decision, action)


def mou_lists(mou: MouRecords) -> list[str]:
    m = mou.meeting.pk
    return [
        f"{API}/meetings/", f"{API}/meetings/{m}/", f"{API}/meetings/{m}/items/", f"{API}/papers/",
        f"{API}/papers/?meeting={m}", f"{API}/decisions/", f"{API}/decisions/?meeting={m}", f"{API}/action-items/",
        f"{API}/action-items/?owner_agency={mou.action.owner_agency_id}",
    ]


def mou_routes(mou: MouRecords) -> list[tuple[str, str, dict]]:
    """Every route on the MOU item and its records: (method, url, data)."""
    m, i = mou.meeting.pk, mou.item.pk
    return [
        ("get", f"{API}/meetings/{m}/items/{i}/", {}),
        ("patch", f"{API}/meetings/{m}/items/{i}/", {"version": mou.item.version, "title_en": "Renamed"}),
        ("post", f"{API}/meetings/{m}/items/{i}/move/", {"position": 1}),
        ("post", f"{API}/meetings/{m}/items/{i}/withdraw/", {}),
        ("post", f"{API}/meetings/{m}/items/{i}/comments/", {"text": "Seen it."}),
        ("get", f"{API}/papers/{mou.paper.pk}/", {}),
        ("get", f"{API}/decisions/{mou.decision.pk}/", {}),
        ("get", f"{API}/action-items/{mou.action.pk}/", {}),
        ("patch", f"{API}/action-items/{mou.action.pk}/", {"status": "done"}),
    ]


# Who sees what -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", NOT_PARTIES)
def test_it_hides_the_restricted_item_its_paper_and_records_from_other_agencies_in_every_list(
    demo, client_for, mou, username
):
    client = client_for(demo.users[username])

    for url in mou_lists(mou):
        response = client.get(url)
        if username == "dea" and f"/{mou.meeting.pk}/" in url:
            assert response.status_code == 404, url
        elif username == "dea" and "?meeting=" in url:
            assert response.status_code == 200, url  # a meeting they cannot see matches nothing
            assert response.json()["results"] == [], url
        else:
            assert response.status_code == 200, url
        assert traces(response) == [], f"{username} reads {traces(response)} at {url}"
    if username != "dea":
        # The rest of the meeting is there: the lists are not empty for another reason.
        items = [row["title_en"] for row in results(client.get(f"{API}/meetings/{mou.meeting.pk}/items/"))]
        assert items == ["Adoption of the agenda", "Joint Border Threat Assessment: progress", "Roundtable"]


@pytest.mark.parametrize("username", NOT_PARTIES)
def test_the_restricted_item_its_paper_and_records_are_not_found_for_other_agencies_on_every_route(
    demo, client_for, mou, username
):
    client = client_for(demo.users[username])
    version = AgendaItem.objects.get(pk=mou.item.pk).version

    for method, url, data in mou_routes(mou):
        response = getattr(client, method)(url, data, content_type="application/json")
        assert response.status_code == 404, (method, url)
        assert traces(response) == []
    assert AgendaItem.objects.get(pk=mou.item.pk).version == version
    assert ActionItem.objects.get(pk=mou.action.pk).status == "open"
    assert Comment.objects.filter(item=mou.item, text="Seen it.").exists() is False


@pytest.mark.parametrize("username", PARTIES)
def test_the_parties_to_the_mou_read_the_restricted_item_its_paper_and_records(demo, client_for, mou, username):
    client = client_for(demo.users[username])

    item = body(client.get(f"{API}/meetings/{mou.meeting.pk}/items/{mou.item.pk}/"))
    assert item["title_en"] == MOU_ITEM
    assert item["minutes"] == "CBSA–ATF MOU approvals on track."
    assert item["comment_count"] == 1
    assert [(paper["title"], paper["file_name"], paper["classification"]) for paper in item["papers"]] == [
        (MOU_PAPER, "mou-status.pdf", 1), ("MOU draft annex", "annex.pdf", 0),
    ]
    download = client.get(item["papers"][1]["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert body(client.get(f"{API}/decisions/{mou.decision.pk}/"))["item"] == mou.item.pk
    assert body(client.get(f"{API}/action-items/{mou.action.pk}/"))["item"] == mou.item.pk
    assert {MOU_PAPER, "MOU draft annex"} <= {row["title"] for row in results(client.get(f"{API}/papers/"))}


@pytest.mark.parametrize("username", ["dea", "outsider"])
def test_a_meeting_and_everything_under_it_are_not_found_for_someone_not_invited(personas, client_for, username):
    client = client_for(personas[username])
    m = december().pk
    item = AgendaItem.objects.get(meeting_id=m, title_en="Roundtable").pk

    for method, url, data in [
        ("get", f"{API}/meetings/{m}/", {}),
        ("patch", f"{API}/meetings/{m}/", {"title_en": "Renamed"}),
        ("post", f"{API}/meetings/{m}/cancel/", {"reason": "Because."}),
        ("post", f"{API}/meetings/{m}/rsvp/", {"response": "remote"}),
        ("post", f"{API}/meetings/{m}/circulate/", {}),
        ("post", f"{API}/meetings/{m}/minutes/", {"minutes": {}}),
        ("post", f"{API}/meetings/{m}/minutes/approve/", {}),
        ("get", f"{API}/meetings/{m}/items/", {}),
        ("post", f"{API}/meetings/{m}/items/", {"title_en": "Added"}),
        ("get", f"{API}/meetings/{m}/items/{item}/", {}),
        ("post", f"{API}/meetings/{m}/items/{item}/comments/", {"text": "Hello"}),
    ]:
        response = getattr(client, method)(url, data, content_type="application/json")
        assert response.status_code == 404, (method, url)
    assert results(client.get(f"{API}/meetings/")) == []
    assert Meeting.objects.get(pk=m).title_en == "CBFTF meeting"


def test_an_item_is_not_found_under_a_meeting_it_does_not_belong_to(client_for, cbsa):
    item = mou_item()

    response = client_for(cbsa).get(f"{API}/meetings/{upcoming_demo_meeting().pk}/items/{item.pk}/")

    assert response.status_code == 404


def test_members_see_no_item_of_a_draft_agenda(client_for, secretariat, rcmp):
    url = f"{API}/meetings/{upcoming_demo_meeting().pk}/items/"

    assert results(client_for(rcmp).get(url)) == []
    assert len(results(client_for(secretariat).get(url))) == 2


def test_restricting_an_item_later_hides_what_was_recorded_on_it(demo, client_for, secretariat, rcmp, cbsa):
    meeting = december()
    roundtable = AgendaItem.objects.get(meeting=meeting, title_en="Roundtable")
    action = services.action_item_record(
        actor=secretariat, meeting=meeting, item=roundtable, owner_agency=demo.agencies["RCMP"],
        text="Report back on the roundtable.",
    )
    assert body(client_for(rcmp).get(f"{API}/action-items/{action.pk}/"))["item"] == roundtable.pk
    # Restricted after the action was recorded: the action is as restricted as its item, whenever it was recorded.
    services.agenda_item_update(
        actor=secretariat, item=roundtable, version=roundtable.version,
        restricted_to=[demo.agencies["CBSA"], demo.agencies["ATF"]],
    )

    assert client_for(rcmp).get(f"{API}/action-items/{action.pk}/").status_code == 404
    assert "Report back on the roundtable." not in text_of(client_for(rcmp).get(f"{API}/action-items/"))
    assert body(client_for(cbsa).get(f"{API}/action-items/{action.pk}/"))["item"] == roundtable.pk


def test_members_read_the_minutes_of_an_item_only_once_they_are_approved(client_for, secretariat, rcmp):
    meeting = december()
    roundtable = AgendaItem.objects.get(meeting=meeting, title_en="Roundtable")
    services.minutes_save(actor=secretariat, meeting=meeting, minutes={roundtable.pk: "Each agency reported."})
    url = f"{API}/meetings/{meeting.pk}/items/{roundtable.pk}/"

    assert body(client_for(rcmp).get(url))["minutes"] is None
    assert body(client_for(secretariat).get(url))["minutes"] == "Each agency reported."
    services.minutes_approve(actor=secretariat, meeting=meeting)
    assert body(client_for(rcmp).get(url))["minutes"] == "Each agency reported."


def test_a_paper_above_the_callers_clearance_is_not_listed_or_found(client_for, secretariat, hsi, circulated):
    paper = services.paper_upload(
        actor=secretariat, item=circulated.roundtable, title="Protected B annex", upload=pdf_upload(),
        classification=Classification.PROTECTED_B,
    )
    client = client_for(hsi)  # cleared for Protected A

    assert "Protected B annex" not in text_of(client.get(f"{API}/papers/"))
    assert client.get(f"{API}/papers/{paper.pk}/").status_code == 404
    item = body(client.get(f"{API}/meetings/{circulated.meeting.pk}/items/{circulated.roundtable.pk}/"))
    assert item["papers"] == []
    assert body(client_for(secretariat).get(f"{API}/papers/{paper.pk}/"))["title"] == "Protected B annex"


# Reading meetings ----------------------------------------------------------------------------------------


def test_a_meeting_shows_its_invitees_its_times_in_utc_and_the_callers_answer(
    demo, client_for, secretariat, cbsa, schedule
):
    start = local_time(9, 10)
    meeting = schedule(
        title_en="Firearms workshop", start=start, end=start + datetime.timedelta(hours=2),
        host_agency=demo.agencies["RCMP"], invite=("CBSA", "RCMP"), invite_people=[demo.users["atf"]],
    )
    services.rsvp_set(actor=cbsa, meeting=meeting, response="remote", note="From Ottawa")

    shown = body(client_for(cbsa).get(f"{API}/meetings/{meeting.pk}/"))

    utc = start.astimezone(datetime.UTC)
    assert shown | {"id": None, "updated_at": None, "my_rsvp": None} == {
        "id": None, "body": "CBFTF", "title_en": "Firearms workshop", "title_fr": "",
        "start": utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "end": (utc + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "time_zone": "America/Toronto", "host_agency": "RCMP", "place": "", "virtual_link": "",
        "status": "scheduled", "change_reason": "", "sequence": 0, "agenda_status": "draft",
        "agenda_circulated_at": None, "minutes_status": "draft", "minutes_approved_at": None,
        "invitees": {"agencies": ["CBSA", "RCMP"], "people": ["atf"]}, "my_rsvp": None, "reminder_message_en": "",
        "reminder_message_fr": "", "updated_at": None,
    }
    assert shown["my_rsvp"] | {"updated_at": None} == {
        "meeting": meeting.pk, "response": "remote", "delegate": None, "note": "From Ottawa", "updated_at": None,
    }
    assert body(client_for(secretariat).get(f"{API}/meetings/{meeting.pk}/"))["my_rsvp"] is None


def test_meetings_filter_by_body_status_agenda_status_and_start_dates(demo, client_for, secretariat, cbsa, schedule):
    cancelled = schedule(days=30, title_en="Called off")
    services.meeting_cancel(actor=secretariat, meeting=cancelled, reason="Too few available.")
    client = client_for(cbsa)

    def titles(query: str) -> list[str]:
        return sorted(row["title_en"] for row in results(client.get(f"{API}/meetings/?{query}")))

    cbftf = demo.bodies["CBFTF"].pk
    assert titles("status=cancelled") == ["Called off"]
    assert titles(f"body={cbftf}&agenda_status=final") == ["CBFTF inaugural meeting"]
    assert titles("from=2021-12-01&to=2021-12-31") == ["CBFTF meeting"]
    assert titles("to=2021-11-10") == ["CBFTF inaugural meeting"]
    assert titles(f"from={timezone.localdate() + datetime.timedelta(days=30)}") == ["Called off"]
    for query in ["from=soon", "to="]:
        refused = client.get(f"{API}/meetings/?{query}")
        assert refused.status_code == 400
        assert list(error_fields(refused)) == [query.split("=")[0]]


def test_filtering_by_a_hidden_body_or_meeting_answers_like_one_that_does_not_exist(demo, client_for, dea):
    client = client_for(dea)
    missing = 999_999

    for path, hidden in [
        ("meetings/?body=", demo.bodies["CBFTF"].pk),
        ("decisions/?meeting=", december().pk),
        ("action-items/?meeting=", december().pk),
        ("papers/?meeting=", december().pk),
    ]:
        by_hidden, by_missing = client.get(f"{API}/{path}{hidden}"), client.get(f"{API}/{path}{missing}")
        assert by_hidden.status_code == by_missing.status_code == 200
        assert body(by_hidden) == body(by_missing)
        assert body(by_hidden)["results"] == []


def test_action_items_filter_by_body_status_and_owner_agency(demo, client_for, rcmp):
    client = client_for(rcmp)
    hsi = demo.agencies["HSI"].pk

    texts = [row["text"] for row in results(client.get(f"{API}/action-items/?owner_agency={hsi}&status=open"))]
    assert texts == ["Name HSI points of contact for cross-border firearms cases."]
    done = results(client.get(f"{API}/action-items/?status=done&body={demo.bodies['CBFTF'].pk}"))
    assert [row["owner_agency"] for row in done] == ["CBSA"]


# Writing -------------------------------------------------------------------------------------------------


def schedule_input(**overrides) -> dict:
    return {
        "body": "CBFTF",
        "title_en": "Border firearms workshop",
        "start": "2030-03-04T18:00:00Z",
        "end": "2030-03-04T19:30:00Z",
        "time_zone": "America/Vancouver",
        "host_agency": "RCMP",
        "virtual_link": "https://meet.example.org/workshop",
        "invite_agencies": ["CBSA", "RCMP"],
        "invite_people": ["atf"],
        **overrides,
    }


def test_the_secretariat_schedules_a_meeting_that_its_invitees_then_see(secretariat, rcmp, atf, hsi):
    response = post(token_client(secretariat), f"{API}/meetings/", schedule_input())

    assert response.status_code == 201, response.content
    created = body(response)
    assert created["invitees"] == {"agencies": ["CBSA", "RCMP"], "people": ["atf"]}
    assert created["start"] == "2030-03-04T18:00:00.000000Z"
    meeting = Meeting.objects.get(pk=created["id"])
    assert (meeting.title_en, meeting.time_zone, meeting.host_agency.acronym) == (
        "Border firearms workshop", "America/Vancouver", "RCMP",
    )
    for invitee in (rcmp, atf):
        assert token_client(invitee).get(f"{API}/meetings/{meeting.pk}/").status_code == 200
    assert token_client(hsi).get(f"{API}/meetings/{meeting.pk}/").status_code == 404


@pytest.mark.parametrize("username", ["cbsa", "rcmp"])
def test_a_member_cannot_schedule_a_meeting(demo, username):
    before = Meeting.objects.count()

    response = post(token_client(demo.users[username]), f"{API}/meetings/", schedule_input())
    empty = post(token_client(demo.users[username]), f"{API}/meetings/", {})

    assert response.status_code == 403
    assert body(response)["error"]["code"] == "permission_denied"
    # Refused before the input is read: no field errors that would tell a member what scheduling takes.
    assert empty.status_code == 403 and body(empty)["error"]["code"] == "permission_denied"
    assert Meeting.objects.count() == before


def test_a_body_the_caller_cannot_see_is_refused_like_one_that_does_not_exist(dea):
    hidden = post(token_client(dea), f"{API}/meetings/", schedule_input(body="CBFTF"))
    missing = post(token_client(dea), f"{API}/meetings/", schedule_input(body="NOPE"))

    # DEA is of no body's secretariat: refused before the body is even looked up, the same words either way.
    assert hidden.status_code == missing.status_code == 403
    assert body(hidden) == body(missing)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"end": "2030-03-04T17:00:00Z"}, "end"),
        ({"start": "2030-03-04T10:00:00"}, "start"),
        ({"start": "next Tuesday"}, "start"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"title_en": ""}, "title_en"),
        ({"invite_agencies": ["CBSA", "DEA"]}, "invite_agencies"),
        ({"invite_agencies": ["NOPE"]}, "invite_agencies"),
        ({"invite_people": ["dea"]}, "invite_people"),
        ({"host_agency": "DEA"}, "host_agency"),
        ({"virtual_link": "not a link"}, "virtual_link"),
    ],
)
def test_bad_input_to_schedule_is_refused_on_its_field_and_nothing_is_saved(secretariat, overrides, field):
    before = Meeting.objects.count()

    response = post(token_client(secretariat), f"{API}/meetings/", schedule_input(**overrides))

    assert response.status_code == 400, response.content
    assert field in error_fields(response)
    assert Meeting.objects.count() == before


def test_rescheduling_through_the_api_needs_a_reason_that_invitees_then_read(secretariat, rcmp, meeting):
    client = token_client(secretariat)
    url = f"{API}/meetings/{meeting.pk}/"
    later = (meeting.start + datetime.timedelta(days=1)).astimezone(datetime.UTC).isoformat()

    refused = patch(client, url, {"start": later, "end": (meeting.end + datetime.timedelta(days=1)).isoformat()})
    assert refused.status_code == 400
    assert list(error_fields(refused)) == ["reason"]
    assert Meeting.objects.get(pk=meeting.pk).start == meeting.start

    moved = patch(client, url, {
        "start": later, "end": (meeting.end + datetime.timedelta(days=1)).isoformat(), "reason": "Room unavailable.",
    })
    assert moved.status_code == 200, moved.content
    shown = body(token_client(rcmp).get(url))
    assert shown["change_reason"] == "Room unavailable."
    assert shown["sequence"] == 1
    assert Meeting.objects.get(pk=meeting.pk).start == meeting.start + datetime.timedelta(days=1)


def test_editing_without_moving_needs_no_reason_and_keeps_the_invitees(secretariat, meeting):
    response = patch(token_client(secretariat), f"{API}/meetings/{meeting.pk}/", {"place": "CBSA HQ, Ottawa"})

    assert response.status_code == 200, response.content
    assert body(response)["place"] == "CBSA HQ, Ottawa"
    assert body(response)["invitees"]["agencies"] == ["ATF", "CBP", "CBSA", "HSI", "RCMP"]


def test_cancelling_through_the_api_keeps_the_meeting_with_its_reason(secretariat, rcmp, meeting):
    url = f"{API}/meetings/{meeting.pk}/cancel/"

    refused = post(token_client(rcmp), url, {"reason": "I am busy."})
    assert refused.status_code == 403
    assert Meeting.objects.get(pk=meeting.pk).status == "scheduled"
    empty = post(token_client(secretariat), url, {"reason": ""})
    assert empty.status_code == 400
    assert list(error_fields(empty)) == ["reason"]

    response = post(token_client(secretariat), url, {"reason": "Too few available."})
    assert response.status_code == 200
    shown = body(token_client(rcmp).get(f"{API}/meetings/{meeting.pk}/"))
    assert (shown["status"], shown["change_reason"]) == ("cancelled", "Too few available.")


def test_an_invitee_answers_the_invitation_and_reads_their_answer(cbsa, other_cbsa_member, rcmp, meeting):
    client = token_client(cbsa)
    url = f"{API}/meetings/{meeting.pk}/rsvp/"

    wrong_delegate = post(client, url, {"response": "delegate", "delegate": "rcmp"})
    assert wrong_delegate.status_code == 400
    assert list(error_fields(wrong_delegate)) == ["delegate"]
    assert not Rsvp.objects.filter(meeting=meeting, user=cbsa).exists()

    response = post(client, url, {"response": "delegate", "delegate": "cbsa2", "note": "I am travelling."})
    assert response.status_code == 200, response.content
    assert body(response) | {"updated_at": None} == {
        "meeting": meeting.pk, "response": "delegate", "delegate": "cbsa2", "note": "I am travelling.",
        "updated_at": None,
    }
    assert body(client.get(f"{API}/meetings/{meeting.pk}/"))["my_rsvp"]["response"] == "delegate"
    assert body(token_client(rcmp).get(f"{API}/meetings/{meeting.pk}/"))["my_rsvp"] is None


def test_someone_not_invited_cannot_answer_for_a_meeting_they_can_see(superuser, meeting):
    response = post(token_client(superuser), f"{API}/meetings/{meeting.pk}/rsvp/", {"response": "remote"})

    assert response.status_code == 403
    assert not Rsvp.objects.filter(meeting=meeting).exists()


def test_the_secretariat_circulates_the_agenda_and_members_then_see_its_items(secretariat, rcmp, meeting, add_item):
    add_item(meeting, "Roundtable")
    member = token_client(rcmp)
    items_url = f"{API}/meetings/{meeting.pk}/items/"
    assert results(member.get(items_url)) == []

    refused = post(member, f"{API}/meetings/{meeting.pk}/circulate/")
    assert refused.status_code == 403
    assert Meeting.objects.get(pk=meeting.pk).agenda_status == "draft"

    response = post(token_client(secretariat), f"{API}/meetings/{meeting.pk}/circulate/")
    assert response.status_code == 200
    assert body(response)["agenda_status"] == "circulated"
    assert [row["title_en"] for row in results(member.get(items_url))] == ["Roundtable"]
    again = post(token_client(secretariat), f"{API}/meetings/{meeting.pk}/circulate/")
    assert again.status_code == 400
    assert body(again)["error"]["message"] == "Only a draft agenda can be circulated."


def test_the_secretariat_writes_and_approves_the_minutes_that_members_then_read(secretariat, rcmp):
    meeting = december()
    roundtable = AgendaItem.objects.get(meeting=meeting, title_en="Roundtable")
    client = token_client(secretariat)
    url = f"{API}/meetings/{meeting.pk}/minutes/"

    assert post(token_client(rcmp), url, {"minutes": {str(roundtable.pk): "Mine."}}).status_code == 403
    bad_key = post(client, url, {"minutes": {"roundtable": "Each agency reported."}})
    assert bad_key.status_code == 400
    assert list(error_fields(bad_key)) == ["minutes"]
    other_meeting = post(client, url, {"minutes": {str(AgendaItem.objects.exclude(meeting=meeting).first().pk): "x"}})
    assert other_meeting.status_code == 400
    assert AgendaItem.objects.get(pk=roundtable.pk).minutes == ""

    assert post(client, url, {"minutes": {str(roundtable.pk): "Each agency reported."}}).status_code == 200
    assert post(token_client(rcmp), f"{API}/meetings/{meeting.pk}/minutes/approve/").status_code == 403
    approved = post(client, f"{API}/meetings/{meeting.pk}/minutes/approve/")
    assert approved.status_code == 200
    assert body(approved)["minutes_status"] == "approved"
    item = body(token_client(rcmp).get(f"{API}/meetings/{meeting.pk}/items/{roundtable.pk}/"))
    assert item["minutes"] == "Each agency reported."


def test_the_secretariat_adds_an_item_shared_with_two_agencies_only(secretariat, rcmp, cbsa, circulated):
    url = f"{API}/meetings/{circulated.meeting.pk}/items/"

    response = post(token_client(secretariat), url, {
        "title_en": "CBSA–ATF MOU: signature plan", "presenter": "cbsa", "presenter_agency": "CBSA",
        "minutes_allotted": 15, "restricted_to": ["CBSA", "ATF"],
    })

    assert response.status_code == 201, response.content
    added = body(response)
    assert (added["position"], added["restricted"], added["presenter"]) == (3, True, "cbsa")
    assert "CBSA–ATF MOU: signature plan" in text_of(token_client(cbsa).get(url))
    assert traces(token_client(rcmp).get(url)) == []
    assert token_client(rcmp).get(f"{url}{added['id']}/").status_code == 404


def test_a_member_cannot_add_change_move_or_withdraw_items(rcmp, circulated):
    client = token_client(rcmp)
    item = circulated.roundtable
    url = f"{API}/meetings/{circulated.meeting.pk}/items/"

    for method, path, data in [
        ("post", url, {"title_en": "My topic"}),
        ("patch", f"{url}{item.pk}/", {"version": item.version, "title_en": "Renamed"}),
        ("post", f"{url}{item.pk}/move/", {"position": 2}),
        ("post", f"{url}{item.pk}/withdraw/", {}),
    ]:
        response = getattr(client, method)(path, data, content_type="application/json")
        assert response.status_code == 403, (method, path)
    assert list(circulated.meeting.items.values_list("title_en", "position", "withdrawn")) == [
        ("Roundtable", 1, False), ("CBSA–ATF MOU: status", 2, False),
    ]


def test_an_edit_from_a_stale_version_is_refused_with_a_conflict_and_keeps_the_other_save(secretariat, circulated):
    client = token_client(secretariat)
    url = f"{API}/meetings/{circulated.meeting.pk}/items/{circulated.roundtable.pk}/"
    opened = body(client.get(url))["version"]

    first = patch(client, url, {"version": opened, "title_en": "Roundtable: seizures"})
    assert first.status_code == 200, first.content
    assert body(first)["version"] == opened + 1

    second = patch(client, url, {"version": opened, "title_en": "Roundtable: trends"})
    assert second.status_code == 409
    assert body(second)["error"]["code"] == "conflict"
    assert "Someone else saved this item" in body(second)["error"]["message"]
    assert AgendaItem.objects.get(pk=circulated.roundtable.pk).title_en == "Roundtable: seizures"
    missing = patch(client, url, {"title_en": "Roundtable: trends"})
    assert missing.status_code == 400
    assert list(error_fields(missing)) == ["version"]


def test_the_secretariat_moves_and_withdraws_items(secretariat, meeting, add_item):
    first, second = add_item(meeting, "First"), add_item(meeting, "Second")
    client = token_client(secretariat)
    url = f"{API}/meetings/{meeting.pk}/items/"

    moved = post(client, f"{url}{second.pk}/move/", {"position": 1})
    assert moved.status_code == 200
    assert body(moved)["position"] == 1
    assert post(client, f"{url}{second.pk}/move/", {"position": 0}).status_code == 400

    # A draft agenda: the item is simply removed.
    assert post(client, f"{url}{first.pk}/withdraw/").status_code == 204
    assert not AgendaItem.objects.filter(pk=first.pk).exists()
    services.agenda_circulate(actor=secretariat, meeting=meeting)
    # A circulated one: it stays, marked withdrawn.
    withdrawn = post(client, f"{url}{second.pk}/withdraw/")
    assert withdrawn.status_code == 200
    assert body(withdrawn)["withdrawn"] is True


def test_a_member_comments_on_an_item_and_the_count_grows(cbp, circulated):
    client = token_client(cbp)
    url = f"{API}/meetings/{circulated.meeting.pk}/items/{circulated.roundtable.pk}/"

    empty = post(client, f"{url}comments/", {"text": ""})
    assert empty.status_code == 400
    assert list(error_fields(empty)) == ["text"]
    response = post(client, f"{url}comments/", {"text": "CBP will report on seizures."})
    assert response.status_code == 201
    assert body(response) | {"id": None, "created_at": None} == {
        "id": None, "item": circulated.roundtable.pk, "author": "cbp", "text": "CBP will report on seizures.",
        "created_at": None,
    }
    assert body(client.get(url))["comment_count"] == 1


def test_the_owner_updates_their_action_item_and_others_cannot(demo, hsi, rcmp, secretariat):
    action = ActionItem.objects.get(text__startswith="Name HSI points of contact")
    url = f"{API}/action-items/{action.pk}/"

    assert patch(token_client(rcmp), url, {"status": "done"}).status_code == 403
    assert patch(token_client(rcmp), url, {}).status_code == 403
    assert patch(token_client(hsi), url, {"status": "cancelled"}).status_code == 403
    # A PATCH without a status is allowed by the schema and changes nothing.
    unchanged = patch(token_client(hsi), url, {})
    assert unchanged.status_code == 200 and body(unchanged)["status"] == "open"
    bad = patch(token_client(hsi), url, {"status": "finished"})
    assert bad.status_code == 400
    assert list(error_fields(bad)) == ["status"]
    assert ActionItem.objects.get(pk=action.pk).status == "open"

    done = patch(token_client(hsi), url, {"status": "done", "text": "Ignored: only the status changes."})
    assert done.status_code == 200
    assert (body(done)["status"], body(done)["text"]) == ("done", action.text)
    assert body(done)["completed_at"] is not None
    assert patch(token_client(secretariat), url, {"status": "cancelled"}).status_code == 200


def write_requests(meeting: Meeting, item: AgendaItem, action: ActionItem) -> list[tuple[str, str, dict]]:
    m, i = meeting.pk, item.pk
    return [
        ("post", f"{API}/meetings/", schedule_input()),
        ("patch", f"{API}/meetings/{m}/", {"place": "Elsewhere"}),
        ("post", f"{API}/meetings/{m}/cancel/", {"reason": "Too few available."}),
        ("post", f"{API}/meetings/{m}/rsvp/", {"response": "remote"}),
        ("post", f"{API}/meetings/{m}/circulate/", {}),
        ("post", f"{API}/meetings/{m}/minutes/", {"minutes": {str(i): "Noted."}}),
        ("post", f"{API}/meetings/{m}/minutes/approve/", {}),
        ("post", f"{API}/meetings/{m}/items/", {"title_en": "Added"}),
        ("patch", f"{API}/meetings/{m}/items/{i}/", {"version": item.version, "title_en": "Renamed"}),
        ("post", f"{API}/meetings/{m}/items/{i}/move/", {"position": 2}),
        ("post", f"{API}/meetings/{m}/items/{i}/withdraw/", {}),
        ("post", f"{API}/meetings/{m}/items/{i}/comments/", {"text": "Noted."}),
        ("patch", f"{API}/action-items/{action.pk}/", {"status": "done"}),
    ]


def test_a_read_only_token_reads_but_cannot_write(demo, secretariat, meeting, add_item):
    item = add_item(meeting, "Roundtable")
    action = ActionItem.objects.get(text__startswith="Circulate a draft outline")
    client = token_client(secretariat, access="read")
    assert client.get(f"{API}/meetings/{meeting.pk}/").status_code == 200
    before = [(m.pk, m.updated_at) for m in Meeting.objects.order_by("pk")]

    for method, url, data in write_requests(meeting, item, action):
        response = getattr(client, method)(url, data, content_type="application/json")
        assert response.status_code == 403, (method, url)
        assert "read-only" in body(response)["error"]["message"]
    assert [(m.pk, m.updated_at) for m in Meeting.objects.order_by("pk")] == before
    assert AgendaItem.objects.get(pk=item.pk).version == item.version
    assert ActionItem.objects.get(pk=action.pk).status == "done"


def test_a_write_without_credentials_is_refused(meeting):
    response = post(Client(), f"{API}/meetings/{meeting.pk}/circulate/")

    assert response.status_code in (401, 403)
    assert Meeting.objects.get(pk=meeting.pk).agenda_status == "draft"


# Conditional requests ------------------------------------------------------------------------------------


def test_the_meeting_list_and_detail_answer_not_modified_until_the_meeting_changes(secretariat, rcmp, meeting):
    client = token_client(rcmp)
    for url in [f"{API}/meetings/", f"{API}/meetings/{meeting.pk}/"]:
        first = client.get(url)
        etag = first["ETag"]

        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
        services.meeting_update(actor=secretariat, meeting=meeting, place=f"Room {url}")
        changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert changed.status_code == 200
        assert changed["ETag"] != etag


def test_a_list_pages_etag_covers_its_own_rows_so_a_change_on_a_later_page_leaves_it_unmodified(
    secretariat, rcmp, meeting
):
    client = token_client(rcmp)
    first_page = f"{API}/meetings/?page_size=1"
    response = client.get(first_page)
    assert [row["id"] for row in results(response)] != [meeting.pk]
    assert body(response)["next"]
    etag = response["ETag"]

    services.meeting_update(actor=secretariat, meeting=meeting, place="Another room")

    assert client.get(first_page, HTTP_IF_NONE_MATCH=etag).status_code == 304
    whole_list = client.get(f"{API}/meetings/?page_size=200")
    assert any(row["id"] == meeting.pk and row["place"] == "Another room" for row in results(whole_list))
    first = Meeting.objects.get(pk=results(response)[0]["id"])
    services.meeting_update(actor=secretariat, meeting=first, place="A new room for the first meeting")
    assert client.get(first_page, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_an_answer_or_a_change_of_invitees_changes_the_meetings_etag(demo, secretariat, rcmp, meeting):
    client = token_client(rcmp)
    url = f"{API}/meetings/{meeting.pk}/"
    etag = client.get(url)["ETag"]

    services.rsvp_set(actor=rcmp, meeting=meeting, response="remote")
    answered = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert answered.status_code == 200
    assert body(answered)["my_rsvp"]["response"] == "remote"

    # The meeting's own row does not change when an invitation goes; what it shows does.
    etag = answered["ETag"]
    meeting.invitations.filter(agency__acronym="CBP").delete()
    uninvited = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert uninvited.status_code == 200
    assert body(uninvited)["invitees"]["agencies"] == ["ATF", "CBSA", "HSI", "RCMP"]


def test_two_callers_never_share_an_etag(rcmp, hsi, meeting):
    for url in [f"{API}/meetings/", f"{API}/meetings/{meeting.pk}/", f"{API}/action-items/"]:
        assert token_client(rcmp).get(url)["ETag"] != token_client(hsi).get(url)["ETag"]


def test_the_item_list_and_detail_change_their_etag_when_a_comment_is_added(cbp, rcmp, circulated):
    client = token_client(rcmp)
    for url in [
        f"{API}/meetings/{circulated.meeting.pk}/items/",
        f"{API}/meetings/{circulated.meeting.pk}/items/{circulated.roundtable.pk}/",
    ]:
        etag = client.get(url)["ETag"]
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304

        services.comment_add(actor=cbp, item=circulated.roundtable, text=f"About {url}")
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_hidden_item_is_not_found_even_with_a_matching_etag(client_for, rcmp):
    item = mou_item()

    response = client_for(rcmp).get(f"{API}/meetings/{item.meeting_id}/items/{item.pk}/", HTTP_IF_NONE_MATCH="*")

    assert response.status_code == 404


# Query counts: the same for many rows as for few -------------------------------------------------------


def count_queries(client: Client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return len(queries), len(results(response))


def held_meeting(demo, secretariat, days: int, items: int) -> Meeting:
    """A meeting held `days` ago (or ahead) with `items` items, each with a paper, a comment, a decision and an
    action item (every other one restricted to CBSA), answers from the invitees, the minutes approved."""
    people = [demo.users[name] for name in ("cbsa", "rcmp", "atf", "hsi", "cbp")]
    start = local_time(days, 9)
    meeting = services.meeting_schedule(
        actor=secretariat, body=demo.bodies["CBFTF"], title_en=f"Session {days}", start=start,
        end=start + datetime.timedelta(hours=1), time_zone="America/Toronto", host_agency=demo.agencies["ATF"],
        invite_agencies=[person.agency for person in people], invite_people=[demo.users["secretariat"]],
    )
    for person in people[:2]:
        if days > 0:
            services.rsvp_set(actor=person, meeting=meeting, response="remote")
    for n in range(items):
        restricted = [demo.agencies["CBSA"]] if n % 2 else None
        item = services.agenda_item_add(
            actor=secretariat, meeting=meeting, title_en=f"Topic {n}", presenter=people[n % 5],
            presenter_agency=people[n % 5].agency, restricted_to=restricted,
        )
        services.paper_upload(actor=secretariat, item=item, title=f"Paper {n}", upload=pdf_upload(text=str(n)))
    services.agenda_circulate(actor=secretariat, meeting=meeting)
    for n, item in enumerate(meeting.items.all()):
        services.comment_add(actor=people[0], item=item, text=f"Comment {n}")
        if days < 0:
            services.decision_record(actor=secretariat, meeting=meeting, item=item, text=f"Decision {n}")
            services.action_item_record(actor=secretariat, meeting=meeting, item=item, text=f"Action {n}",
                                        owner_agency=people[n % 5].agency, owner=people[n % 5])
    if days < 0:
        services.minutes_approve(actor=secretariat, meeting=meeting)
    return meeting


API_LISTS = {
    # 1. the session; 2. the signed-in user; 3. the fingerprint of the page's rows (ETag); 4. one page of
    # rows, scoped, with what they name joined; then what is prefetched for the page:
    "meetings/": 5,  # (the invitees are arrays on each row) 5. the caller's answers
    "papers/": 4,  # the item joined (for its meeting)
    "decisions/": 4,  # meeting and body joined; the source item's visibility as a subquery
    "action-items/": 4,  # meeting, body, owner and owner agency joined; likewise
}


@pytest.mark.parametrize("path", API_LISTS)
def test_api_lists_run_as_many_queries_for_many_rows_as_for_few(demo, client_for, secretariat, cbsa, path):
    client = client_for(cbsa)
    url = f"{API}/{path}"
    held_meeting(demo, secretariat, days=-5, items=1)
    held_meeting(demo, secretariat, days=5, items=1)
    for_few, listed_few = count_queries(client, url)

    held_meeting(demo, secretariat, days=-6, items=4)
    held_meeting(demo, secretariat, days=6, items=4)
    for_many, listed_many = count_queries(client, url)

    assert for_few == for_many == API_LISTS[path]
    assert listed_many > listed_few


def test_the_item_list_runs_as_many_queries_for_many_items_as_for_one(
    demo, client_for, secretariat, cbsa, django_assert_max_num_queries
):
    client = client_for(cbsa)
    few = held_meeting(demo, secretariat, days=-5, items=1)
    many = held_meeting(demo, secretariat, days=-6, items=6)
    client.get(f"{API}/meetings/{few.pk}/items/")

    # 1. the session; 2. the signed-in user; 3. the meeting, scoped; 4. the fingerprint of the visible items;
    # 5. whether the caller is the body's secretariat (for the minutes); 6. the page of items, scoped, presenter
    # and agency joined, the visible comments counted in a subquery; 7. the visible papers.
    with django_assert_max_num_queries(7):
        few_items = results(client.get(f"{API}/meetings/{few.pk}/items/"))
    with django_assert_max_num_queries(7):
        many_items = results(client.get(f"{API}/meetings/{many.pk}/items/"))

    assert (len(few_items), len(many_items)) == (1, 6)
    assert all(item["comment_count"] == 1 and len(item["papers"]) == 1 for item in many_items)
