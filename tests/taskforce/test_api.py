"""The core's REST endpoints: scoped lists and details, refusals, and query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import Agency
from taskforce import api
from taskforce.models import Milestone
from tests.support.factories import AgencyFactory, MembershipFactory, MilestoneFactory, UserFactory
from tests.support.scenario import (
    GRANTED,
    MOU_REVIEW,
    NOT_GRANTED,
    PIA_SUBMITTED,
    THREAT_ASSESSMENT,
    leaked_titles,
    mou_review,
    restricted_milestones,
)

REFUSED = (401, 403)  # not signed in: refused before anything is looked up


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def titles(response) -> set[str]:
    return {row["title_en"] for row in results(response)}


# Milestones


@pytest.mark.parametrize("username", NOT_GRANTED)
def test_it_hides_restricted_milestones_from_other_agencies_in_the_api(demo, client_for, username):
    response = client_for(demo.users[username]).get("/api/v1/milestones/")

    assert titles(response).isdisjoint({MOU_REVIEW, PIA_SUBMITTED})
    assert leaked_titles(response) == []


@pytest.mark.parametrize("username", NOT_GRANTED)
def test_a_restricted_milestone_is_not_found_in_the_api_for_other_agencies(demo, client_for, username):
    client = client_for(demo.users[username])
    for milestone in restricted_milestones():
        for url in [f"/api/v1/milestones/{milestone.pk}/", f"/api/v1/milestones/{milestone.pk}.json"]:
            response = client.get(url)

            assert response.status_code == 404, url
            assert leaked_titles(response) == []


@pytest.mark.parametrize("username", GRANTED)
def test_members_of_granted_agencies_get_the_restricted_milestones_from_the_api(demo, client_for, username):
    client = client_for(demo.users[username])

    assert {MOU_REVIEW, PIA_SUBMITTED, THREAT_ASSESSMENT} <= titles(client.get("/api/v1/milestones/"))
    detail = client.get(f"/api/v1/milestones/{mou_review().pk}/")
    assert detail.status_code == 200
    assert detail.json() | {"updated_at": None} == {
        "id": mou_review().pk,
        "body": "CBFTF",
        "title_en": MOU_REVIEW,
        "title_fr": "PE ASFC–ATF transmis à l'ATF pour examen",
        "description": "",
        "description_fr": "",
        "owner_agency": "CBSA",
        "due_start": "2022-02-15",
        "due_end": "2022-02-15",
        "due_precision": "day",
        "due_label": "February 15, 2022",
        "status": "planned",
        "restricted": True,
        "updated_at": None,
    }


def test_body_wide_milestones_reach_every_member_through_the_api(client_for, rcmp, dea):
    assert titles(client_for(rcmp).get("/api/v1/milestones/")) == {THREAT_ASSESSMENT}
    assert titles(client_for(dea).get("/api/v1/milestones/")) == set()


def test_filtering_milestones_never_reveals_hidden_ones(demo, client_for, rcmp, cbsa):
    cbftf = demo.bodies["CBFTF"].pk

    assert titles(client_for(cbsa).get(f"/api/v1/milestones/?body={cbftf}&status=planned")) == {
        MOU_REVIEW,
        PIA_SUBMITTED,
    }
    assert titles(client_for(rcmp).get(f"/api/v1/milestones/?body={cbftf}&status=planned")) == set()
    assert titles(client_for(rcmp).get(f"/api/v1/milestones/?body={cbftf}&status=in_progress")) == {
        THREAT_ASSESSMENT
    }


def test_every_page_of_milestones_is_scoped(demo, client_for, rcmp):
    cbftf = demo.bodies["CBFTF"]
    for n in range(60):
        MilestoneFactory(body=cbftf, owner_agency=demo.agencies["RCMP"], shared_with=[demo.agencies["ATF"]] * (n % 2))
    client = client_for(rcmp)

    seen, url = [], "/api/v1/milestones/?page_size=20"
    while url:
        response = client.get(url)
        assert leaked_titles(response) == []
        seen += [row["title_en"] for row in results(response)]
        url = response.json()["next"]

    assert len(seen) == len(set(seen)) == 31  # 30 body-wide milestones added, and the threat assessment
    hidden = set(Milestone.objects.filter(restricted=True).values_list("title_en", flat=True))
    assert len(hidden) >= 32  # the 30 shared with ATF, and the MOU's
    assert hidden.isdisjoint(seen)


# Bodies and agencies


@pytest.mark.parametrize(
    "username, bodies",
    [("secretariat", ["CBCF", "CBFTF"]), ("rcmp", ["CBFTF"]), ("dea", ["CBCF"]), ("outsider", [])],
)
def test_the_body_list_holds_only_the_callers_bodies(personas, client_for, username, bodies):
    response = client_for(personas[username]).get("/api/v1/bodies/")

    assert [row["acronym"] for row in results(response)] == bodies


@pytest.mark.parametrize("username", ["dea", "outsider"])
def test_a_body_is_not_found_in_the_api_for_someone_with_no_role_in_it(demo, personas, client_for, username):
    response = client_for(personas[username]).get(f"/api/v1/bodies/{demo.bodies['CBFTF'].pk}/")

    assert response.status_code == 404


def test_a_body_in_the_api_names_its_parent(demo, client_for, rcmp):
    response = client_for(rcmp).get(f"/api/v1/bodies/{demo.bodies['CBFTF'].pk}/")

    assert response.status_code == 200
    assert response.json()["parent"] == "CBCF"
    assert response.json()["kind"] == "task_force"


def test_bodies_and_agencies_carry_their_french_acronyms_beside_the_english_one_that_keys_them(client_for, rcmp):
    client = client_for(rcmp)

    # A French client gets the same keys: the English acronym names a body or agency in every answer and filter.
    bodies = results(client.get("/api/v1/bodies/", HTTP_ACCEPT_LANGUAGE="fr"))
    agencies = results(client.get("/api/v1/agencies/", HTTP_ACCEPT_LANGUAGE="fr"))

    assert [(row["acronym"], row["acronym_fr"], row["parent"]) for row in bodies] == [("CBFTF", "GTTAF", "CBCF")]
    french = {row["acronym"]: row["acronym_fr"] for row in agencies}
    assert (french["CBSA"], french["RCMP"], french["ATF"]) == ("ASFC", "GRC", "")  # empty: the same in French


def test_the_agency_list_holds_only_agencies_of_shared_bodies(client_for, rcmp, outsider):
    rcmp_sees = {row["acronym"] for row in results(client_for(rcmp).get("/api/v1/agencies/"))}

    assert rcmp_sees == {"ATF", "CBP", "CBSA", "HSI", "RCMP"} | {"PS", "DOJ", "ICE", "DHS"}  # and their parents
    assert [row["acronym"] for row in results(client_for(outsider).get("/api/v1/agencies/"))] == ["EUROPOL"]


def test_an_agency_is_not_found_in_the_api_unless_it_shares_a_body_with_the_caller(demo, client_for, rcmp, dea):
    dea_agency = demo.agencies["DEA"].pk

    assert client_for(rcmp).get(f"/api/v1/agencies/{dea_agency}/").status_code == 404
    response = client_for(dea).get(f"/api/v1/agencies/{dea_agency}/")
    assert response.status_code == 200
    assert response.json()["name_en"] == "Drug Enforcement Administration"
    assert response.json()["parent"] == "DOJ"


@pytest.mark.parametrize(
    "url",
    ["/api/v1/", "/api/v1/milestones/", "/api/v1/bodies/", "/api/v1/agencies/", "/api/schema/", "/api/docs/"],
)
def test_anonymous_callers_are_refused(demo, client, url):
    response = client.get(url)

    assert response.status_code in REFUSED
    assert leaked_titles(response) == []


def test_anonymous_callers_are_refused_a_detail_before_it_is_looked_up(demo, client):
    hidden = client.get(f"/api/v1/milestones/{mou_review().pk}/")
    missing = client.get("/api/v1/milestones/999999/")

    assert hidden.status_code == missing.status_code
    assert hidden.status_code in REFUSED


def test_the_api_root_links_to_the_api_endpoints(client_for, cbsa):
    response = client_for(cbsa).get("/api/v1/")

    assert response.status_code == 200
    links = response.json()
    assert {"bodies", "agencies", "members", "milestones", "meetings", "agreements", "action-items"} <= set(links)
    assert links["bodies"] == "http://testserver/api/v1/bodies/"


def test_the_schema_and_docs_are_served_to_signed_in_callers(client_for, rcmp):
    client = client_for(rcmp)

    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert "/api/v1/milestones/{id}/" in schema.content.decode()
    assert leaked_titles(schema) == []
    assert client.get("/api/docs/").status_code == 200


# Query counts: the same for many rows as for few.


def count_queries(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return len(queries), len(results(response))


def add_rows(demo, count: int) -> None:
    cbftf = demo.bodies["CBFTF"]
    for n in range(count):
        agency = AgencyFactory(parent=demo.agencies["DHS"] if n % 2 else None)
        MembershipFactory(body=cbftf, user=UserFactory(agency=agency))
        MilestoneFactory(
            body=cbftf, owner_agency=agency, shared_with=[demo.agencies["CBSA"]] if n % 2 else [],
            due_start=datetime.date(2022, 1, 1) + datetime.timedelta(days=n),
        )


API_LISTS = {
    # 1. the session; 2. the signed-in user; 3. the ETag's fingerprint of the page's rows (one aggregate);
    # 4. one page of rows, scoped, with what it names joined:
    "/api/v1/milestones/": 4,  # body and owner agency joined; memberships and grants as subqueries
    "/api/v1/bodies/": 4,  # parent joined
    "/api/v1/agencies/": 4,  # parent joined; roles in the caller's bodies as a subquery
}


@pytest.mark.parametrize("url", API_LISTS)
def test_api_lists_run_as_many_queries_for_many_rows_as_for_few(demo, client_for, cbsa, url):
    client = client_for(cbsa)
    client.get(url)

    add_rows(demo, 10)
    for_n_rows, listed_n = count_queries(client, url)
    add_rows(demo, 20)
    for_3n_rows, listed_3n = count_queries(client, url)

    assert for_n_rows == for_3n_rows == API_LISTS[url]
    if url != "/api/v1/bodies/":
        assert listed_3n == listed_n + 20


def test_the_milestone_list_runs_four_queries(client_for, cbsa, django_assert_num_queries):
    client = client_for(cbsa)
    client.get("/api/v1/milestones/")
    # 1. the session; 2. the signed-in user; 3. the fingerprint of the visible milestones (the ETag);
    # 4. the page of milestones the user may see.
    with django_assert_num_queries(4):
        client.get("/api/v1/milestones/")


# The scoped base class


@pytest.mark.parametrize("name", ["get_queryset", "get_object", "queryset"])
def test_a_viewset_that_bypasses_the_scope_is_refused_when_its_class_is_created(name):
    with pytest.raises(TypeError, match=f"Sneaky overrides {name}"):
        type("Sneaky", (api.ScopedReadOnlyViewSet,), {name: Agency.objects.all(), "__module__": __name__})


def test_a_viewset_that_names_its_unscoped_rows_is_accepted_and_scoped(demo, rcmp):
    from rest_framework.test import APIRequestFactory

    class AgencyNames(api.ScopedReadOnlyViewSet):
        unscoped_queryset = Agency.objects.all()
        serializer_class = api.AgencySerializer

    request = APIRequestFactory().get("/")
    request.user = rcmp
    view = AgencyNames(request=request, format_kwarg=None)

    assert "DEA" not in set(view.get_queryset().values_list("acronym", flat=True))
    assert {"ATF", "CBP", "CBSA", "HSI", "RCMP"} <= set(view.get_queryset().values_list("acronym", flat=True))


def test_filtering_by_a_hidden_body_answers_like_a_body_that_does_not_exist(demo, client_for, dea):
    client = client_for(dea)
    hidden = demo.bodies["CBFTF"].pk
    missing = max(b.pk for b in demo.bodies.values()) + 1000

    by_hidden = client.get(f"/api/v1/milestones/?body={hidden}")
    by_missing = client.get(f"/api/v1/milestones/?body={missing}")

    assert by_hidden.status_code == by_missing.status_code == 200
    assert by_hidden.json() == by_missing.json()
    assert by_hidden.json()["results"] == []


# Members: directory fields only, of people who share a body with the caller.


def test_the_member_list_holds_only_people_of_shared_bodies(demo, client_for):
    rows = results(client_for(demo.users["rcmp"]).get("/api/v1/members/"))

    assert {row["username"] for row in rows} == {"secretariat", "cbsa", "rcmp", "atf", "hsi", "cbp"}
    assert set(rows[0]) == {"id", "username", "name", "first_name", "last_name", "title", "agency", "email"}


def test_a_member_is_not_found_in_the_api_unless_they_share_a_body_with_the_caller(demo, client_for):
    dea = demo.users["dea"]
    assert client_for(demo.users["rcmp"]).get(f"/api/v1/members/{dea.pk}/").status_code == 404
    assert client_for(demo.users["secretariat"]).get(f"/api/v1/members/{dea.pk}/").json()["agency"] == "DEA"


def test_the_member_list_costs_the_same_queries_for_any_number_of_people(demo, client_for):
    client = client_for(demo.users["secretariat"])
    client.get("/api/v1/members/")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/members/")
    for n in range(15):
        person = UserFactory(username=f"extra{n}", agency=demo.agencies["RCMP"])
        MembershipFactory(user=person, body=demo.bodies["CBFTF"])
    with CaptureQueriesContext(connection) as many:
        assert len(results(client.get("/api/v1/members/"))) > 15
    assert len(many) == len(few)
