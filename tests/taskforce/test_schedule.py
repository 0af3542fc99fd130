"""The merged schedule (`/api/v1/schedule/`): one time-ordered format for meetings, milestones, approval-step
deadlines and action items; what the caller may see only; incremental sync with removals; conditional requests."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings import services as meeting_services
from meetings.schedule import meeting_entries
from mou.models import WorkflowStep
from taskforce import permissions, schedule, services
from taskforce.models import Membership, Milestone, Removal
from taskforce.schedule import Query
from tests.support.scenario import GRANTED, MOU_REVIEW, NOT_GRANTED, PIA_SUBMITTED, leaked_titles, mou_review

URL = "/api/v1/schedule/"
TORONTO = zoneinfo.ZoneInfo("America/Toronto")


def entries(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def fetch_all(client, url=URL) -> list[dict]:
    found, next_url = [], url
    while next_url:
        response = client.get(next_url)
        found += entries(response)
        next_url = response.json()["next"]
    return found


@pytest.fixture
def meeting(demo, secretariat):
    return meeting_services.meeting_schedule(
        actor=secretariat, body=demo.bodies["CBFTF"], title_en="Schedule sync meeting",
        start=datetime.datetime(2027, 3, 10, 10, tzinfo=TORONTO), end=datetime.datetime(2027, 3, 10, 12, tzinfo=TORONTO),
        time_zone="America/Toronto", place="Ottawa", invite_agencies=list(demo.agencies[a] for a in ("CBSA", "ATF", "RCMP")),
    )


def test_it_merges_every_kind_in_time_order_in_one_format(demo, client_for, secretariat):
    found = fetch_all(client_for(secretariat), f"{URL}?page_size=7")

    assert {e["kind"] for e in found} == {"meeting", "milestone", "approval_step", "action_item"}
    keys = [(e["start"] if "T" in e["start"] else e["start"] + "T00:00:00Z", e["uid"]) for e in found]
    assert [k[0][:10] for k in keys] == sorted(k[0][:10] for k in keys)
    assert len({e["uid"] for e in found}) == len(found)
    meeting = next(e for e in found if e["kind"] == "meeting")
    assert meeting["start"].endswith("Z") and not meeting["all_day"]
    milestone = next(e for e in found if e["kind"] == "milestone")
    assert milestone["all_day"] and len(milestone["start"]) == 10
    assert set(meeting) == set(milestone)


@pytest.mark.parametrize("username", NOT_GRANTED)
def test_it_never_shows_restricted_entries_to_other_agencies(demo, client_for, username):
    client = client_for(demo.users[username])
    found = fetch_all(client)

    assert all(MOU_REVIEW not in e["title"] and PIA_SUBMITTED not in e["title"] for e in found)
    assert not any("MOU" in e["title"] for e in found)
    assert f"milestone-{mou_review().pk}@" not in str([e["uid"] for e in found])
    assert leaked_titles(client.get(URL)) == []


@pytest.mark.parametrize("username", GRANTED)
def test_the_agencies_it_is_shared_with_see_the_restricted_milestone(demo, client_for, username):
    titles = {e["title"] for e in fetch_all(client_for(demo.users[username]))}
    assert MOU_REVIEW in titles


def test_filters_narrow_by_range_body_agency_and_kind(demo, client_for, secretariat, meeting):
    client = client_for(secretariat)

    in_march = entries(client.get(f"{URL}?from=2027-03-01&to=2027-03-31"))
    assert [e["title"] for e in in_march if e["kind"] == "meeting"] == ["Schedule sync meeting"]
    assert {e["kind"] for e in entries(client.get(f"{URL}?kind=milestone"))} == {"milestone"}
    assert {e["body"] for e in entries(client.get(f"{URL}?body=cbcf"))} <= {"CBCF"}
    assert all("ATF" in e["agencies"] or e["kind"] == "meeting" for e in entries(client.get(f"{URL}?agency=ATF")))


@pytest.mark.parametrize(
    "query, field",
    [
        ("from=2027-02-30", "from"),
        ("from=1899-12-31", "from"),
        ("to=2027-3-1", "to"),
        ("kind=holiday", "kind"),
        ("updated_since=yesterday", "updated_since"),
        ("cursor=%00%00", "cursor"),
        ("page_size=0", "page_size"),
    ],
)
def test_bad_parameters_are_refused_with_the_field_named(client_for, secretariat, query, field):
    response = client_for(secretariat).get(f"{URL}?{query}")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_a_body_the_caller_does_not_belong_to_is_refused_like_a_missing_one(client_for, dea):
    hidden = client_for(dea).get(f"{URL}?body=CBFTF")
    missing = client_for(dea).get(f"{URL}?body=NOPE")
    assert hidden.status_code == missing.status_code == 200
    assert hidden.json()["results"] == missing.json()["results"] == []


@pytest.mark.parametrize("query", ["body=NOPE", "agency=NOPE", "from=2027-03-10&to=2027-03-01"])
def test_a_body_or_agency_that_does_not_exist_or_an_empty_range_gives_no_entries(client_for, secretariat, query):
    response = client_for(secretariat).get(f"{URL}?{query}")

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_incremental_sync_reports_changes_cancellations_and_removals(demo, client_for, secretariat, cbsa, meeting):
    client = client_for(cbsa)
    since = datetime.datetime.now(datetime.UTC).isoformat()
    synced_at = datetime.datetime.fromisoformat(client.get(URL).json()["synced_at"])
    # synced_at lies a little in the past, so a change committed during the request is never missed.
    assert synced_at < datetime.datetime.fromisoformat(since)
    assert entries(client.get(URL, {"updated_since": since})) == []

    meeting_services.meeting_cancel(actor=secretariat, meeting=meeting, reason="Postponed")
    milestone = services.milestone_create(
        actor=secretariat, body=demo.bodies["CBFTF"], title_en="New milestone", owner_agency=demo.agencies["CBSA"],
        due_start=datetime.date(2027, 5, 1),
    )
    changed = {(e["kind"], e["id"]): e for e in entries(client.get(URL, {"updated_since": since}))}
    assert changed[("meeting", meeting.pk)]["status"] == "cancelled"
    assert changed[("milestone", milestone.pk)]["title"] == "New milestone"
    assert len(changed) == 2

    milestone_pk = milestone.pk
    milestone.delete()
    removed = [e for e in entries(client.get(URL, {"updated_since": since})) if e["status"] == "removed"]
    assert [(e["kind"], e["id"], e["title"]) for e in removed] == [("milestone", milestone_pk, "")]
    # A full sync (no updated_since) lists what exists, not what was removed.
    assert all(e["status"] != "removed" for e in fetch_all(client))


def test_a_removed_restricted_entry_is_reported_only_to_those_who_could_see_it(demo, client_for, secretariat, cbsa, rcmp):
    since = datetime.datetime.now(datetime.UTC).isoformat()
    restricted = mou_review()
    restricted_pk = restricted.pk
    restricted.delete()

    assert Removal.objects.filter(kind="milestone", object_id=restricted_pk, restricted=True).exists()
    for user, sees in ((cbsa, True), (secretariat, True), (rcmp, False)):
        ids = [e["id"] for e in entries(client_for(user).get(URL, {"updated_since": since})) if e["status"] == "removed"]
        assert (restricted_pk in ids) is sees, user.username


def test_it_answers_304_when_nothing_changed_and_a_new_etag_when_something_did(demo, client_for, secretariat, cbsa):
    client = client_for(cbsa)
    response = client.get(URL)
    etag = response.headers["ETag"]
    assert response.headers["Cache-Control"].startswith("private")
    assert "Last-Modified" in response.headers

    assert client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # Another caller never shares the ETag, even for the same entries.
    assert client_for(demo.users["atf"]).get(URL).headers["ETag"] != etag

    Milestone.objects.filter(pk=mou_review().pk).update(title_en="Renamed", updated_at=datetime.datetime.now(datetime.UTC))
    assert client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_etag_moves_when_an_entry_appears_to_the_caller_without_any_row_changing(demo, client_for, rcmp):
    """The version is computed from the caller's visible rows: a grant adds one to them."""
    client = client_for(rcmp)
    etag = client.get(URL).headers["ETag"]
    assert MOU_REVIEW not in {e["title"] for e in entries(client.get(URL))}

    permissions.grant(mou_review(), [demo.agencies["RCMP"]])

    response = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert MOU_REVIEW in {e["title"] for e in entries(response)}


def test_the_etag_moves_when_a_step_gains_a_concurring_agency(demo, client_for, secretariat):
    client = client_for(secretariat)
    step = WorkflowStep.objects.filter(target_date__isnull=False).order_by("pk").first()
    etag = client.get(URL, {"kind": "approval_step"}).headers["ETag"]
    before = next(e for e in entries(client.get(URL, {"kind": "approval_step"})) if e["id"] == step.pk)
    newcomer = next(a for a in demo.agencies.values() if a.acronym not in before["agencies"])

    WorkflowStep.concurring_agencies.through.objects.create(workflowstep=step, agency=newcomer)

    response = client.get(URL, {"kind": "approval_step"}, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert newcomer.acronym in next(e for e in entries(response) if e["id"] == step.pk)["agencies"]


def test_with_updated_since_the_etag_moves_when_an_entry_is_removed(demo, client_for, secretariat, cbsa):
    since = datetime.datetime.now(datetime.UTC).isoformat()
    client = client_for(cbsa)
    etag = client.get(URL, {"updated_since": since}).headers["ETag"]
    assert client.get(URL, {"updated_since": since}, HTTP_IF_NONE_MATCH=etag).status_code == 304

    mou_review().delete()

    response = client.get(URL, {"updated_since": since}, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "removed" in {e["status"] for e in entries(response)}


def test_a_matching_etag_answers_304_without_building_any_entry(demo, client_for, cbsa, django_assert_num_queries):
    """One aggregate per source (and the token's own lookup): no source lists its entries."""
    client = client_for(cbsa)
    etag = client.get(URL).headers["ETag"]
    client.get(URL, HTTP_IF_NONE_MATCH=etag)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304
    listing = [q["sql"] for q in queries.captured_queries if "md5(" not in q["sql"]]
    assert len(queries) - len(listing) == 4
    for table in ("meetings_meeting", "taskforce_milestone", "mou_workflowstep", "meetings_actionitem"):
        assert not any(sql.lstrip().startswith("SELECT") and f'FROM "{table}"' in sql for sql in listing), table


def test_a_kept_fingerprint_statement_still_reads_the_memberships_and_grants_as_they_are(demo, client_for, cbsa):
    """The compiled fingerprints are kept per reader and query; they read the rows when they run."""
    client = client_for(cbsa)
    first = client.get(URL)
    assert any(key[0] == cbsa.pk for key in schedule._statements)
    assert client.get(URL, HTTP_IF_NONE_MATCH=first.headers["ETag"]).status_code == 304

    Membership.objects.filter(user=cbsa, body=demo.bodies["CBFTF"]).delete()

    response = client.get(URL, HTTP_IF_NONE_MATCH=first.headers["ETag"])
    assert response.status_code == 200
    assert "CBFTF" not in {e["body"] for e in entries(response)}
    assert "CBFTF" in {e["body"] for e in entries(first)}


def test_the_query_count_does_not_grow_with_the_entries(demo, client_for, secretariat):
    client = client_for(secretariat)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for day in range(20):
        services.milestone_create(
            actor=secretariat, body=demo.bodies["CBFTF"], title_en=f"Milestone {day}",
            owner_agency=demo.agencies["CBSA"], due_start=datetime.date(2027, 6, 1) + datetime.timedelta(days=day),
        )
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many) == len(few)


def test_anonymous_callers_are_refused(client):
    assert client.get(URL).status_code in (401, 403)



@pytest.mark.parametrize(
    ("zone", "days"),
    [(TORONTO, {"2027-03-10"}), (datetime.UTC, {"2027-03-11"})],
)
def test_its_meeting_window_counts_days_in_the_current_time_zone(demo, secretariat, zone, days):
    # 22:00 to 23:30 in Toronto on the 10th is 03:00 to 04:30 on the 11th in UTC.
    late = meeting_services.meeting_schedule(
        actor=secretariat, body=demo.bodies["CBFTF"], title_en="Late evening call",
        start=datetime.datetime(2027, 3, 10, 22, tzinfo=TORONTO),
        end=datetime.datetime(2027, 3, 10, 23, 30, tzinfo=TORONTO),
        time_zone="America/Toronto", place="", invite_agencies=[demo.agencies["CBSA"]],
    )
    found_on = set()
    with timezone.override(zone):
        for day in ("2027-03-09", "2027-03-10", "2027-03-11", "2027-03-12"):
            date = datetime.date.fromisoformat(day)
            if late.pk in {e.id for e in meeting_entries(secretariat, Query(start=date, end=date))}:
                found_on.add(day)

    assert found_on == days
