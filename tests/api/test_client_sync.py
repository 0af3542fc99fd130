"""Issue "REST API and calendar feeds", done when: a REST client with a token created by `create_api_token cbsa`
pulls its schedule, syncs changes incrementally and gets 304s when nothing changed; a calendar client
subscribed to the member's feed reads that member's meetings and deadlines."""

import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from accounts import services as account_services
from meetings import services as meeting_services
from taskforce import services

TORONTO = zoneinfo.ZoneInfo("America/Toronto")


@pytest.fixture
def later():
    """Some minutes after the demo was loaded: `synced_at` (a minute before each answer, so that nothing committed
    during a request is missed) then lies after the demo's own changes."""
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        yield


def test_a_client_with_a_token_from_the_command_pulls_syncs_and_gets_304s(demo, secretariat, later):
    out = io.StringIO()
    call_command("create_api_token", "cbsa", "--name", "calendar sync", "--access", "read", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")

    first = client.get("/api/v1/schedule/")
    assert first.status_code == 200
    entries = first.json()["results"]
    assert {"meeting", "milestone", "approval_step"} <= {e["kind"] for e in entries}
    etag, synced_at = first["ETag"], first.json()["synced_at"]
    assert client.get("/api/v1/schedule/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get("/api/v1/schedule/", {"updated_since": synced_at}).json()["results"] == []

    meeting = meeting_services.meeting_schedule(
        actor=secretariat,
        body=demo.bodies["CBFTF"],
        title_en="Sync check meeting",
        start=datetime.datetime(2027, 4, 6, 10, tzinfo=TORONTO),
        end=datetime.datetime(2027, 4, 6, 11, tzinfo=TORONTO),
        time_zone="America/Toronto",
        invite_agencies=[demo.agencies["CBSA"]],
    )
    assert client.get("/api/v1/schedule/", HTTP_IF_NONE_MATCH=etag).status_code == 200
    changed = client.get("/api/v1/schedule/", {"updated_since": synced_at}).json()["results"]
    assert [(e["kind"], e["id"], e["status"]) for e in changed] == [("meeting", meeting.pk, "scheduled")]

    meeting_services.meeting_cancel(actor=secretariat, meeting=meeting, reason="Postponed")
    changed = client.get("/api/v1/schedule/", {"updated_since": synced_at}).json()["results"]
    assert [(e["id"], e["status"]) for e in changed] == [(meeting.pk, "cancelled")]
    # The token is read-only: it cannot write.
    assert client.post("/api/v1/meetings/", {}, content_type="application/json").status_code == 403


def test_a_calendar_client_subscribed_to_the_feed_reads_the_members_meetings_and_deadlines(demo, secretariat, cbsa):
    from accounts.feeds import feed_url

    meeting = meeting_services.meeting_schedule(
        actor=secretariat,
        body=demo.bodies["CBFTF"],
        title_en="Feed check meeting",
        start=datetime.datetime(2027, 4, 6, 10, tzinfo=TORONTO),
        end=datetime.datetime(2027, 4, 6, 11, tzinfo=TORONTO),
        time_zone="America/Toronto",
        invite_agencies=[demo.agencies["CBSA"]],
    )
    milestone = services.milestone_create(
        actor=secretariat,
        body=demo.bodies["CBFTF"],
        title_en="Feed check milestone",
        owner_agency=demo.agencies["CBSA"],
        due_start=datetime.date(2027, 3, 20),
        due_end=datetime.date(2027, 6, 20),
        due_precision="season",
    )
    feed = account_services.calendar_feed_regenerate(actor=cbsa)
    path = "/" + feed_url(feed).split("://", 1)[1].split("/", 1)[1]

    response = Client().get(path)
    assert response.status_code == 200
    events = {str(event["UID"]).split("@")[0]: event for event in Calendar.from_ical(response.content).walk("VEVENT")}
    assert events[f"meeting-{meeting.pk}"]["DTSTART"].dt == meeting.start
    assert str(events[f"meeting-{meeting.pk}"]["ATTENDEE"]) == f"mailto:{cbsa.email}"
    window = events[f"milestone-{milestone.pk}"]
    assert (window["DTSTART"].dt, window["DTEND"].dt) == (datetime.date(2027, 3, 20), datetime.date(2027, 6, 21))
    assert Client().get(path, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
