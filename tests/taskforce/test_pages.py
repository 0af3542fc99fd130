"""The core's HTML pages: who is let in, what each persona reads, and how many queries each page costs."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from taskforce.demo import DEMO_PASSWORD
from taskforce.models import Milestone
from tests.support.factories import AgencyFactory, MembershipFactory, MilestoneFactory, UserFactory
from tests.support.scenario import (
    GRANTED,
    MOU_REVIEW,
    NOT_GRANTED,
    PIA_SUBMITTED,
    THREAT_ASSESSMENT,
    THREAT_ASSESSMENT_FR,
    leaked_titles,
    mou_review,
    page,
    restricted_milestones,
    text_of,
)

LOGIN = "/en/accounts/login/"
PAGES = {
    "home": "/en/",
    "body-detail": "/en/bodies/CBFTF/",
    "milestone-detail": None,  # the restricted MOU milestone; its pk is known only once the demo is loaded
    "agency-list": "/en/agencies/",
    "agency-detail": "/en/agencies/CBSA/",
    "member-list": "/en/members/",
    "member-detail": "/en/members/cbsa/",
}


def url_of(name: str) -> str:
    return PAGES[name] or page("milestone-detail", mou_review().pk)


# Signing in


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(demo, client, name):
    url = url_of(name)

    response = client.get(url)

    assert response.status_code == 302
    location = urlsplit(response.url)
    assert location.path == LOGIN
    assert parse_qs(location.query)["next"] == [url]


def test_the_sign_in_page_is_open_to_anonymous_visitors(demo, client):
    response = client.get(LOGIN)

    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


def test_a_signed_in_member_is_sent_home_from_the_sign_in_page(client_for, atf):
    response = client_for(atf).get(LOGIN)

    assert response.status_code == 302
    assert response.url == "/en/"


def test_a_member_signs_in_and_lands_on_the_page_they_asked_for(demo, client):
    # ATF's member prefers English (a French-speaking member lands in French: tests/taskforce/test_languages.py).
    response = client.post(LOGIN, {"username": "atf", "password": DEMO_PASSWORD, "next": "/en/agencies/"})

    assert response.status_code == 302
    assert response.url == "/en/agencies/"
    assert client.get("/en/agencies/").status_code == 200


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(demo, client):
    response = client.post(LOGIN, {"username": "rcmp", "password": "wrong-password-1234"})

    assert response.status_code == 200
    assert "did not match an active account" in text_of(response)
    assert client.get("/en/").status_code == 302


def test_signing_out_ends_the_session(client_for, cbsa):
    client = client_for(cbsa)

    response = client.post("/en/accounts/logout/")

    assert response.status_code == 302
    assert response.url == LOGIN
    assert client.get("/en/").status_code == 302


# What each persona reads


@pytest.mark.parametrize("username", GRANTED)
@pytest.mark.parametrize("url", ["/en/", "/en/bodies/CBFTF/"])
def test_members_of_granted_agencies_see_the_restricted_milestones_listed(demo, client_for, username, url):
    text = text_of(client_for(demo.users[username]).get(url))

    assert MOU_REVIEW in text
    assert PIA_SUBMITTED in text
    assert THREAT_ASSESSMENT in text


@pytest.mark.parametrize("username", ["rcmp", "hsi", "cbp"])
@pytest.mark.parametrize("url", ["/en/", "/en/bodies/CBFTF/"])
def test_it_hides_restricted_milestones_from_other_agencies_on_pages(demo, client_for, username, url):
    response = client_for(demo.users[username]).get(url)

    assert response.status_code == 200
    assert THREAT_ASSESSMENT in text_of(response)
    assert leaked_titles(response) == []
    for milestone in restricted_milestones():
        assert page("milestone-detail", milestone.pk) not in response.content.decode()


def test_a_forum_member_sees_no_task_force_milestone_at_home(client_for, dea):
    response = client_for(dea).get("/en/")

    text = text_of(response)
    assert "Cross-Border Crime Forum" in text
    assert "Cross Border Firearms Task Force" not in text
    assert THREAT_ASSESSMENT not in text
    assert leaked_titles(response) == []
    assert "No milestones to show." in text


@pytest.mark.parametrize("username", GRANTED)
def test_members_of_granted_agencies_open_a_restricted_milestone(demo, client_for, username):
    for milestone in restricted_milestones():
        response = client_for(demo.users[username]).get(page("milestone-detail", milestone.pk))

        assert response.status_code == 200
        assert milestone.title_en in text_of(response)
        assert "Restricted" in text_of(response)


@pytest.mark.parametrize("username", NOT_GRANTED)
def test_a_restricted_milestone_is_not_found_for_other_agencies(demo, client_for, username):
    for milestone in restricted_milestones():
        response = client_for(demo.users[username]).get(page("milestone-detail", milestone.pk))

        assert response.status_code == 404
        assert leaked_titles(response) == []


def test_a_hidden_milestone_and_a_missing_one_get_the_same_page(client_for, rcmp):
    client = client_for(rcmp)
    missing_pk = Milestone.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000

    hidden = client.get(page("milestone-detail", mou_review().pk))
    missing = client.get(page("milestone-detail", missing_pk))

    assert hidden.status_code == missing.status_code == 404
    # The same title and content; the header differs only by its per-request CSRF token, CSP nonce and language link.
    nonce = re.compile(r'<meta name="csp-nonce" content="[^"]*">')
    assert nonce.sub("", text_of(hidden).split("</title>")[0]) == nonce.sub("", text_of(missing).split("</title>")[0])
    assert text_of(hidden).split("<main")[1] == text_of(missing).split("<main")[1]


def test_a_body_is_not_found_for_someone_with_no_role_in_it(client_for, dea):
    assert client_for(dea).get("/en/bodies/CBFTF/").status_code == 404
    assert client_for(dea).get("/en/bodies/CBCF/").status_code == 200


def test_a_body_page_shows_its_agencies_people_and_parent(client_for, rcmp):
    response = client_for(rcmp).get("/en/bodies/cbftf/")

    text = text_of(response)
    assert response.status_code == 200
    assert "Canada–United States Cross Border Firearms Task Force" in text
    assert "Reports to Cross-Border Crime Forum (CBCF)" in text
    for person in ["Claire Tremblay", "Marc Gagnon", "Sophie Roy", "Dana Miller", "Luis Ortega", "Karen Walsh"]:
        assert person in text
    assert "James Carter" not in text  # DEA: the forum, not the task force


@pytest.mark.parametrize("url", ["/en/agencies/CBSA/", "/en/members/cbsa/", "/en/agencies/DEA/", "/en/members/dea/"])
def test_an_outsider_cannot_open_agencies_and_people_they_share_no_body_with(client_for, outsider, url):
    assert client_for(outsider).get(url).status_code == 404


def test_an_outsider_sees_their_own_agency_and_page(client_for, outsider):
    client = client_for(outsider)

    assert client.get("/en/agencies/EUROPOL/").status_code == 200
    assert client.get("/en/members/outsider/").status_code == 200
    agencies = text_of(client.get("/en/agencies/"))
    assert "EUROPOL" in agencies
    assert "CBSA" not in agencies


def test_task_force_members_cannot_open_forum_only_agencies_and_people(client_for, rcmp, dea):
    assert client_for(rcmp).get("/en/agencies/DEA/").status_code == 404
    assert client_for(rcmp).get("/en/members/dea/").status_code == 404
    assert client_for(dea).get("/en/agencies/DEA/").status_code == 200
    assert client_for(dea).get("/en/members/secretariat/").status_code == 200


def test_the_agency_list_shows_the_agencies_of_shared_bodies_with_their_lineage(client_for, hsi):
    text = text_of(client_for(hsi).get("/en/agencies/"))

    assert "ICE › DHS" in text  # HSI sits within ICE within DHS
    assert "CBFTF: Co-lead" in text
    assert "/en/agencies/DEA/" not in text  # the forum's, not the task force's


def test_the_member_list_shows_people_of_shared_bodies_only(client_for, cbp):
    text = text_of(client_for(cbp).get("/en/members/"))

    assert "Karen Walsh" in text
    assert "Claire Tremblay" in text
    assert "James Carter" not in text


def test_a_member_page_shows_only_the_roles_the_reader_may_see(client_for, rcmp, dea):
    # The secretariat serves both bodies; RCMP's member shares only the CBFTF with her, DEA's only the CBCF.
    seen_by_rcmp = text_of(client_for(rcmp).get("/en/members/secretariat/"))
    seen_by_dea = text_of(client_for(dea).get("/en/members/secretariat/"))

    assert '<a href="/en/bodies/CBFTF/">CBFTF</a>: Secretariat' in seen_by_rcmp
    assert "/en/bodies/CBCF/" not in seen_by_rcmp
    assert '<a href="/en/bodies/CBCF/">CBCF</a>: Secretariat' in seen_by_dea
    assert "/en/bodies/CBFTF/" not in seen_by_dea


def test_the_french_prefix_renders_the_page_in_french(client_for, cbsa):
    response = client_for(cbsa).get("/fr/")

    text = text_of(response)
    assert response.status_code == 200
    assert '<html lang="fr">' in text
    assert THREAT_ASSESSMENT_FR in text


def test_the_french_prefix_sends_anonymous_visitors_to_the_french_sign_in(demo, client):
    response = client.get("/fr/agencies/")

    assert response.status_code == 302
    assert response.url.startswith("/fr/accounts/login/")


# Query counts. Each page is requested once first, so per-process caches (content types) are warm, as they
# are in a running server. The counts must not grow with the number of rows.


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_home_page_runs_a_fixed_number_of_queries(client_for, cbsa, django_assert_num_queries):
    client = client_for(cbsa)
    client.get("/en/")
    # 1. the session; 2. the signed-in user; 3. the user's next meetings (body and host joined, their answer as a
    # subquery); 4. the agendas they have to review (none here: their items and papers are read only when there are
    # some, see tests/portal/test_dashboards.py); 5. their and their agency's open action items; 6. their
    # agency's milestones and 7. approval steps coming due; 8. their unread notifications and 9. how many;
    # 10. whether they are of any secretariat; 11. the user's agency, for the header; 12. the bodies the user takes
    # part in (parent joined); 13. the milestones the user may see (body and owner agency joined); 14. the bodies
    # whose secretariat they are, for the statuses they may set on their action items.
    with django_assert_num_queries(14):
        response = client.get("/en/")
    assert response.status_code == 200 and "Cross Border Firearms Task Force" in text_of(response)


def test_body_page_runs_a_fixed_number_of_queries(client_for, cbsa, django_assert_num_queries):
    client = client_for(cbsa)
    client.get("/en/bodies/CBFTF/")
    # 1. the session; 2. the signed-in user; 3. the body (parent joined); 4. the user's agency, for the header;
    # 5. the body's agencies (agency and its parent joined); 6. the body's people (person and agency joined);
    # 7. the body's milestones the user may see (owner agency joined); 8. whether the user is of the body's
    # secretariat (who may add a milestone).
    with django_assert_num_queries(8):
        response = client.get("/en/bodies/CBFTF/")
    assert response.status_code == 200 and "Royal Canadian Mounted Police" in text_of(response)


def test_agency_list_runs_a_fixed_number_of_queries(client_for, cbsa, django_assert_num_queries):
    client = client_for(cbsa)
    client.get("/en/agencies/")
    # 1. the session; 2. the signed-in user; 3. the user's agency, for the header;
    # 4. the agencies (parent and grandparent joined); 5. their roles in the user's bodies (body joined).
    with django_assert_num_queries(5):
        response = client.get("/en/agencies/")
    assert response.status_code == 200 and "Royal Canadian Mounted Police" in text_of(response)


def test_member_list_runs_a_fixed_number_of_queries(client_for, cbsa, django_assert_num_queries):
    client = client_for(cbsa)
    client.get("/en/members/")
    # 1. the session; 2. the signed-in user; 3. the user's agency, for the header;
    # 4. the people (agency joined); 5. their memberships in the user's bodies (body joined).
    with django_assert_num_queries(5):
        response = client.get("/en/members/")
    assert response.status_code == 200 and "rcmp" in text_of(response)


def add_task_force_rows(demo, count: int) -> dict[str, list[str]]:
    """More agencies, people and milestones in the CBFTF, of every kind a page shows; what CBSA should read."""
    cbftf, cbcf = demo.bodies["CBFTF"], demo.bodies["CBCF"]
    parents = [demo.agencies["DHS"], demo.agencies["DOJ"], None]
    added: dict[str, list[str]] = {"agencies": [], "people": [], "milestones": [], "hidden milestones": []}
    for n in range(count):
        agency = AgencyFactory(parent=parents[n % 3])
        person = UserFactory(agency=agency)
        MembershipFactory(body=cbftf, user=person)
        MembershipFactory(body=cbcf, user=person, role="delegate")
        # Shared with CBSA, restricted to the new agency, or body-wide, in turn.
        shared_with = [[demo.agencies["CBSA"]], [agency], []][n % 3]
        milestone = MilestoneFactory(
            body=cbftf, owner_agency=agency, shared_with=shared_with,
            due_start=datetime.date(2022, 1, 1) + datetime.timedelta(days=n),
        )
        added["agencies"].append(agency.acronym)
        added["people"].append(str(person))
        added["milestones" if n % 3 != 1 else "hidden milestones"].append(milestone.title_en)
    return added


LIST_PAGES = {
    # page: (url, queries, what it lists) — the counts of the tests above.
    "home": ("/en/", 14, ["milestones"]),
    "body-detail": ("/en/bodies/CBFTF/", 8, ["agencies", "people", "milestones"]),
    "agency-list": ("/en/agencies/", 5, ["agencies"]),
    "member-list": ("/en/members/", 5, ["people"]),
}


@pytest.mark.parametrize("name", LIST_PAGES)
def test_list_pages_run_as_many_queries_for_many_rows_as_for_few(demo, client_for, cbsa, name):
    url, expected, listed = LIST_PAGES[name]
    client = client_for(cbsa)
    client.get(url)

    add_task_force_rows(demo, 10)
    for_n_rows = count_queries(client, url)
    added = add_task_force_rows(demo, 20)
    for_3n_rows = count_queries(client, url)

    assert for_n_rows == for_3n_rows == expected
    text = text_of(client.get(url))
    for kind in listed:
        assert all(f">{row}<" in text for row in added[kind]), kind
    assert not any(f">{title}<" in text for title in added["hidden milestones"])
