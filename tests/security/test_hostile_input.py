"""Hostile and careless input answers a clear 4xx, never a 5xx: the inputs an outside review found crashing."""

import json

import pytest

API = "/api/v1"

GETS = [
    f"{API}/agreements/%C2%B2/",
    f"{API}/meetings/%C2%B2/",
    f"{API}/meetings/2/items/%C2%B2/",
    f"{API}/agreements/1/versions/%C2%B2/",
    f"{API}/members/%C2%B9/",
    f"{API}/meetings/99999999999999999999999/",
    f"{API}/schedule/?cursor=WzFd",
    f"{API}/schedule/?cursor=W1sxXV0=",
    f"{API}/meetings/?cursor=cD0lMDA=",
    f"{API}/agreements/?cursor=cD0lMDA=",
    f"{API}/schedule/?from=0001-01-01&to=9999-12-31",
    f"{API}/schedule/?to=9999-12-31",
    "/en/reports/CBFTF/?start=9999-12-01&end=9999-12-31",
    "/en/search/?q=MOU&page=%C2%B2",
    "/en/search/?q=MOU&kind=agreements&page=99999999999999999999999",
    "/en/search/?q=%00",
    "/en/bodies/%00/",
    "/en/agencies/%00/",
    "/en/members/%00/",
    "/en/reports/%00/",
    "/en/audit/?until=9999-12-31",
    "/en/audit/?before=%C2%B2",
    "/en/meetings/new/?body=%00",
]


@pytest.mark.parametrize("url", GETS)
def test_a_hostile_address_answers_a_clear_client_error(client_for, secretariat, rcmp, url):
    for person in (secretariat, rcmp):
        answer = client_for(person).get(url)
        assert 400 <= answer.status_code < 500, (person.username, url, answer.status_code)


def test_a_nul_in_a_form_is_refused_before_anything_is_saved(client_for, secretariat):
    from meetings.models import Meeting

    before = Meeting.objects.count()
    answer = client_for(secretariat).post("/en/meetings/new/", {"title_en": "Nul\x00meeting", "host_agency": "\x00"})
    assert answer.status_code == 400
    assert "could not be read" in answer.content.decode()
    assert Meeting.objects.count() == before


def test_a_nul_in_an_api_address_answers_the_apis_error_shape(client_for, rcmp):
    answer = client_for(rcmp).get(f"{API}/meetings/?body=%00")
    assert answer.status_code == 400
    assert json.loads(answer.content)["error"]["status"] == 400


def test_a_bad_audit_filter_says_why_and_shows_nothing(client_for, secretariat):
    answer = client_for(secretariat).get("/en/audit/?until=9999-12-31")
    assert answer.status_code == 400
    assert "Give a day from January 1, 1900 to December 31, 2199." in answer.content.decode()


@pytest.mark.parametrize("posted", [["²"], ["١٢"], ["99999999999999999999999"], ["-1"], ["{unread}", "²"]])
def test_posted_notification_ids_that_are_not_ids_are_refused_and_mark_nothing_read(client_for, rcmp, posted):
    from notifications.models import Notification, NotificationKind

    unread = Notification.objects.create(
        user=rcmp, kind=NotificationKind.MEETING, event_key="test:unread", title="Still unread"
    )

    answer = client_for(rcmp).post(
        "/en/notifications/", {"notification": [value.format(unread=unread.pk) for value in posted]}
    )

    assert answer.status_code == 400
    assert "could not be read" in answer.content.decode()
    unread.refresh_from_db()
    assert unread.read_at is None  # not taken for "Mark all as read", which names none


def test_a_posted_delivery_id_that_is_not_an_id_is_not_found(client_for, secretariat):
    assert client_for(secretariat).post("/en/notifications/deliveries/", {"delivery": "²"}).status_code == 404


def test_minutes_keyed_by_something_else_than_an_id_are_refused(client_for, secretariat):
    from meetings.models import Meeting

    meeting = Meeting.objects.order_by("start").first()
    answer = client_for(secretariat).post(
        f"{API}/meetings/{meeting.pk}/minutes/", {"minutes": {"²": "x"}}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert "Key the minutes by item id." in answer.content.decode()


@pytest.mark.parametrize("year", [1, 9999])
def test_a_meeting_in_year_1_or_9999_is_refused_with_a_reason(client_for, secretariat, demo, year):
    from meetings.models import Meeting

    before = Meeting.objects.count()
    answer = client_for(secretariat).post(f"{API}/meetings/", {
        "body": "CBFTF", "title_en": "Far away", "start": f"{year:04d}-06-01T14:00:00Z",
        "end": f"{year:04d}-06-01T16:00:00Z", "time_zone": "America/Toronto",
    }, content_type="application/json")
    assert answer.status_code == 400, answer.content
    assert Meeting.objects.count() == before


def _instants_written_in_request_bodies(node: object, components: dict, seen: set[str]):
    """Every date-time a request body of the API takes (not those it only answers with), by where it is."""
    if isinstance(node, list):
        for item in node:
            yield from _instants_written_in_request_bodies(item, components, seen)
    if not isinstance(node, dict):
        return
    if node.get("format") == "date-time" and not node.get("readOnly"):
        yield node
    if "$ref" in node and (name := node["$ref"].rsplit("/", 1)[-1]) not in seen:
        seen.add(name)
        yield from _instants_written_in_request_bodies(components[name], components, seen)
    for key, value in node.items():
        if key != "$ref":
            yield from _instants_written_in_request_bodies(value, components, seen)


def test_the_schema_states_the_years_a_meeting_may_be_held_in():
    """The service refuses a meeting outside 1900 to 2199 (above); the schema says so, so that a client (and
    schemathesis) knows the bound before it is refused."""
    import re

    from tests.support.scenario import api_schema

    schema = api_schema()
    bodies = [
        operation["requestBody"] for operations in schema["paths"].values()
        for operation in operations.values() if isinstance(operation, dict) and "requestBody" in operation
    ]
    instants = [
        instant for body in bodies
        for instant in _instants_written_in_request_bodies(body, schema["components"]["schemas"], set())
    ]

    assert len(instants) >= 2  # a meeting's start and end
    for instant in instants:
        pattern = instant.get("pattern")
        assert pattern, instant
        for inside in ("1900-01-01T00:00:00Z", "2030-03-04T18:00:00Z", "2199-12-31T12:00:00-05:00"):
            assert re.search(pattern, inside), (pattern, inside)
        for outside in ("0001-06-01T14:00:00Z", "1899-12-31T12:00:00Z", "2200-01-01T12:00:00Z",
                        "9999-06-01T14:00:00Z", "2030-13-01T14:00:00Z"):
            assert not re.search(pattern, outside), (pattern, outside)


def _comments_address(agenda) -> str:
    return f"{API}/meetings/{agenda.meeting.pk}/items/{agenda.roundtable.pk}/comments/"


@pytest.mark.parametrize("levels", [100_000, 33])
def test_json_nested_too_deep_is_refused_in_the_apis_shape(client_for, secretariat, circulated, levels):
    from meetings.models import Comment

    before = Comment.objects.count()
    body = '{"text": ' + "[" * levels + "]" * levels + "}"
    answer = client_for(secretariat).post(_comments_address(circulated), body, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "The body nests more than 32 levels deep."
    assert Comment.objects.count() == before


def test_json_as_deep_as_a_write_needs_is_read(client_for, secretariat, circulated):
    body = '{"text": "Roundtable first.", "x": ' + "[" * 31 + "]" * 31 + "}"
    answer = client_for(secretariat).post(_comments_address(circulated), body, content_type="application/json")
    assert answer.status_code == 201, answer.content


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_a_body_too_large_is_a_413_in_the_apis_shape(client_for, secretariat, circulated, content_type):
    from meetings.models import Comment

    before = Comment.objects.count()
    text = "x" * 3_000_000
    body = json.dumps({"text": text}) if content_type == "application/json" else f"text={text}"
    answer = client_for(secretariat).post(_comments_address(circulated), body, content_type=content_type)
    assert answer.status_code == 413
    assert answer.json()["error"] == {
        "status": 413, "code": "too_large", "message": "The request body is too large.", "fields": {},
    }
    assert Comment.objects.count() == before


def test_a_page_body_too_large_still_gets_the_portals_page(client_for, secretariat):
    answer = client_for(secretariat).post("/en/meetings/new/?body=CBFTF", {"title_en": "x" * 3_000_000})
    assert answer.status_code == 400
    assert "could not be read" in answer.content.decode()


@pytest.mark.parametrize("body", [{"body": "CB\x00FTF"}, {"title_en": "Nul", "invite_people": ["a\x00"]}, {"\x00": 1}])
def test_a_nul_in_a_json_body_is_refused_before_any_lookup(client_for, secretariat, body):
    from meetings.models import Meeting

    before = Meeting.objects.count()
    answer = client_for(secretariat).post(f"{API}/meetings/", body, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "The request holds a NUL character, which nothing here accepts."
    assert Meeting.objects.count() == before
