"""The agreements API as REST clients use it: the register, an agreement's workflow and signatures, versions and
comments, answers on steps, and the sharing map; what each persona may see and do, query counts and ETags."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import api_token_create
from members.models import Classification
from mou import services
from mou.demo import MOU_SUMMARY_FR, MOU_V2, MOU_V2_FR
from mou.models import Agreement, StepAction, VersionComment
from tests.mou.conftest import MOU, Workflow, agreement_named, category, stored
from tests.support.factories import MembershipFactory, UserFactory
from tests.support.scenario import GRANTED, NOT_GRANTED, text_of

Status = Agreement.Status
AGREEMENTS = "/api/v1/agreements/"
SHARING = "/api/v1/sharing/"
MOU_TITLE = "Memorandum of Understanding between the CBSA and the ATF on direct information sharing"
# What of the MOU a caller it is not shared with must find in no answer: its names, its summary, its versions'
# notes, texts and comments, its steps and their deadlines, in either language.
MOU_TRACES = (
    MOU,
    "PE ASFC–ATF",
    MOU_TITLE,
    "Protocole d'entente entre l'ASFC et l'ATF",
    MOU_SUMMARY_FR,
    "Revised after CBSA legal review",
    "échangent directement et en temps opportun",
    "timeliness is the point of the MOU",
    "keep this reference in step with it",
    "Shared with ATF for review",
    "Before mid-February 2022",
    "Avant la mi-février 2022",
    "Before the end of fiscal year 2021–2022",
    "Avant la fin de l'exercice 2021-2022",
)
NOT_GRANTED_OR_OUTSIDE = (*NOT_GRANTED, "outsider")


def traces(response) -> list[str]:
    text = text_of(response)
    return [trace for trace in MOU_TRACES if trace in text]


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def every_row(client, url: str) -> list[dict]:
    """Every row of a list, page after page, each page checked for traces of the MOU by the caller."""
    rows = []
    while url:
        page = ok(client.get(url))
        rows += page["results"]
        url = page["next"]
    return rows


def short_names(client, url: str = AGREEMENTS) -> list[str]:
    return [row["short_name"] for row in every_row(client, url)]


def token_client(client_for, user, access: str):
    _token, text = api_token_create(actor=user, name="t", access=access)
    client = client_for(None)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {text}"
    return client


def mou_urls(mou: Agreement) -> dict[str, tuple[str, str, dict]]:
    """Every address under the MOU, with a request that would succeed for a party."""
    step = mou.steps.get(title_en="CBSA internal approval")
    base = f"{AGREEMENTS}{mou.pk}/"
    return {
        "detail": ("get", base, {}),
        "detail-json": ("get", f"{AGREEMENTS}{mou.pk}.json", {}),
        "versions": ("get", f"{base}versions/", {}),
        "version": ("get", f"{base}versions/1/", {}),
        "comments": ("post", f"{base}versions/2/comments/", {"text": "Agreed.", "passage": "every two years"}),
        "steps": ("get", f"{base}steps/", {}),
        "step": ("get", f"{base}steps/{step.pk}/", {}),
        "act": ("post", f"{base}steps/{step.pk}/act/", {"outcome": "approved"}),
    }


# The register


@pytest.mark.parametrize("username", NOT_GRANTED_OR_OUTSIDE)
def test_the_agreement_list_hides_the_mou_from_agencies_it_is_not_shared_with(personas, client_for, username):
    client = client_for(personas[username])

    rows = every_row(client, AGREEMENTS + "?page_size=3")

    assert MOU not in [row["short_name"] for row in rows]
    assert traces(client.get(AGREEMENTS)) == []
    if username in ("rcmp", "hsi", "cbp"):
        assert {"CBFTF ToR", "CMAA", "MLAT"} <= {row["short_name"] for row in rows}


@pytest.mark.parametrize("username", GRANTED)
def test_the_agreement_list_shows_the_mou_to_its_parties_with_its_current_version(demo, client_for, username):
    rows = every_row(client_for(demo.users[username]), AGREEMENTS)

    mou = next(row for row in rows if row["short_name"] == MOU)
    assert mou | {"id": None, "updated_at": None} == {
        "id": None,
        "body": "CBFTF",
        "kind": "mou",
        "short_name": MOU,
        "short_name_fr": "PE ASFC–ATF",
        "title_en": MOU_TITLE,
        "title_fr": "Protocole d'entente entre l'ASFC et l'ATF sur l'échange direct de renseignements",
        "summary": "Will allow the CBSA and the ATF to share information directly, without an intermediary.",
        "summary_fr": MOU_SUMMARY_FR,
        "status": "in_approval",
        "classification": Classification.PROTECTED_A,
        "restricted": True,
        "condition": "",
        "parties": ["ATF", "CBSA"],
        "categories": ["customs", "intelligence", "traveller"],
        "current_version": 2,
        "signed_on": None,
        "in_force_on": None,
        "expires_on": None,
        "updated_at": None,
    }
    assert "steps" not in mou


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("?status=in_approval", [MOU]),
        ("?kind=mou&party=ATF", [MOU]),
        ("?status=signed", ["CBFTF ToR"]),
        ("?party=HSI", ["CBFTF ToR", "MLAT", "U.S. federal sharing"]),
    ],
)
def test_agreements_filter_by_kind_status_and_party(client_for, cbsa, query, listed):
    assert sorted(short_names(client_for(cbsa), AGREEMENTS + query)) == listed


def test_agreements_filter_by_body(demo, client_for, secretariat):
    client = client_for(secretariat)

    in_cbftf = short_names(client, f"{AGREEMENTS}?body={demo.bodies['CBFTF'].pk}")

    assert len(in_cbftf) == 8 and MOU in in_cbftf
    assert short_names(client, f"{AGREEMENTS}?body={demo.bodies['CBCF'].pk}") == []


def test_filtering_agreements_by_a_hidden_body_answers_like_a_body_that_does_not_exist(demo, client_for, dea):
    client = client_for(dea)
    missing = max(body.pk for body in demo.bodies.values()) + 1000

    by_hidden = client.get(f"{AGREEMENTS}?body={demo.bodies['CBFTF'].pk}")
    by_missing = client.get(f"{AGREEMENTS}?body={missing}")

    assert by_hidden.status_code == by_missing.status_code == 200
    assert by_hidden.json() == by_missing.json()
    assert by_hidden.json()["results"] == []


@pytest.mark.parametrize(("username", "hidden"), [("rcmp", "DEA"), ("outsider", "CBSA")])
def test_filtering_agreements_by_a_hidden_party_answers_like_an_agency_that_does_not_exist(
    personas, client_for, username, hidden
):
    client = client_for(personas[username])

    by_hidden = client.get(f"{AGREEMENTS}?party={hidden}")
    by_missing = client.get(f"{AGREEMENTS}?party=NOPE")

    assert by_hidden.status_code == by_missing.status_code == 200
    assert by_hidden.json() == by_missing.json()
    assert by_hidden.json()["results"] == []


def test_every_page_of_agreements_is_scoped_and_in_a_stable_order(demo, client_for, secretariat, rcmp):
    cbftf, cbsa_agency = demo.bodies["CBFTF"], demo.agencies["CBSA"]
    for n in range(20):
        services.agreement_create(
            actor=secretariat, body=cbftf, kind=Agreement.Kind.OTHER, short_name=f"Extra {n:02}",
            title_en=f"Extra arrangement {n}", parties=[cbsa_agency, demo.agencies["RCMP"]],
            restricted_to=[cbsa_agency] if n % 2 else None,
        )

    rows = every_row(client_for(rcmp), AGREEMENTS + "?page_size=4")

    names = [row["short_name"] for row in rows]
    assert len(names) == len(set(names))
    assert [row["id"] for row in rows] == sorted(row["id"] for row in rows)
    assert {name for name in names if name.startswith("Extra")} == {f"Extra {n:02}" for n in range(0, 20, 2)}
    assert MOU not in names


# One agreement


@pytest.mark.parametrize("username", NOT_GRANTED_OR_OUTSIDE)
@pytest.mark.parametrize("name", ["detail", "detail-json", "versions", "version", "comments", "steps", "step", "act"])
def test_the_mou_and_everything_under_it_is_not_found_for_agencies_it_is_not_shared_with(
    personas, client_for, mou, name, username
):
    method, url, data = mou_urls(mou)[name]
    comments, answers = VersionComment.objects.count(), StepAction.objects.count()

    client = client_for(personas[username])
    response = client.post(url, data, content_type="application/json") if method == "post" else client.get(url)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert traces(response) == []
    assert (VersionComment.objects.count(), StepAction.objects.count()) == (comments, answers)


def test_a_hidden_agreement_and_a_missing_one_get_the_same_answer(client_for, rcmp, mou):
    client = client_for(rcmp)

    for suffix in ["", "versions/", "versions/1/", "steps/"]:
        hidden = client.get(f"{AGREEMENTS}{mou.pk}/{suffix}")
        missing = client.get(f"{AGREEMENTS}999999/{suffix}")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()


def test_an_address_that_names_no_id_is_not_found_in_the_apis_own_shape(client_for, cbsa, mou):
    client = client_for(cbsa)

    for suffix in ["abc/", "0.5/versions/", "abc/steps/", f"{mou.pk}/versions/0.5/", f"{mou.pk}/steps/abc/act/"]:
        response = client.post(AGREEMENTS + suffix) if suffix.endswith("act/") else client.get(AGREEMENTS + suffix)

        assert response.status_code == 404, suffix
        assert response.json()["error"]["code"] == "not_found"


def test_a_step_or_version_is_found_only_under_its_own_agreement(client_for, cbsa, mou):
    terms = agreement_named("CBFTF ToR")
    step = mou.steps.get(title_en="CBSA internal approval")
    client = client_for(cbsa)

    assert client.get(f"{AGREEMENTS}{terms.pk}/steps/{step.pk}/").status_code == 404
    assert client.post(f"{AGREEMENTS}{terms.pk}/steps/{step.pk}/act/", {"outcome": "approved"}).status_code == 404
    assert client.get(f"{AGREEMENTS}{mou.pk}/steps/{step.pk}/").status_code == 200
    assert not step.actions.exists()


@pytest.mark.parametrize("username", GRANTED)
def test_the_mou_detail_embeds_its_workflow_with_owners_and_targets(demo, client_for, mou, username):
    data = ok(client_for(demo.users[username]).get(f"{AGREEMENTS}{mou.pk}/"))

    assert [step["position"] for step in data["steps"]] == [1, 2, 3, 4, 5, 6, 7]
    review = data["steps"][1]
    assert review | {"id": None, "updated_at": None} == {
        "id": None,
        "position": 2,
        "title_en": "Shared with ATF for review",
        "title_fr": "Transmis à l'ATF pour examen",
        "owner_agency": "ATF",
        "concurring_agencies": [],
        "target_date": "2022-02-15",
        "target_label": "Before mid-February 2022",
        "target_label_fr": "Avant la mi-février 2022",
        "moves_to": "",
        "completed_at": None,
        "outcome": "",
        "is_overdue": True,
        "answers": [],
        "updated_at": None,
    }
    ready = data["steps"][5]
    assert (ready["owner_agency"], ready["concurring_agencies"], ready["moves_to"]) == (
        "CBSA", ["ATF"], "ready_for_signature"
    )
    assert data["signatures"] == []


def test_the_terms_of_reference_show_their_answers_and_signatures_to_every_member(client_for, hsi):
    terms = agreement_named("CBFTF ToR")

    data = ok(client_for(hsi).get(f"{AGREEMENTS}{terms.pk}/"))

    assert data["status"] == "signed" and data["signed_on"] == "2021-08-12"
    approval = data["steps"][0]
    assert approval["outcome"] == "approved" and approval["completed_at"] is not None
    assert approval["concurring_agencies"] == ["ATF", "HSI"]
    assert [(a["agency"], a["actor"]["username"], a["outcome"]) for a in approval["answers"]] == [
        ("CBSA", "cbsa", "approved"), ("ATF", "atf", "approved"), ("HSI", "hsi", "approved")
    ]
    assert [(s["party"], s["signed_on"], s["version"]) for s in data["signatures"]] == [
        (party, "2021-08-12", 1) for party in ["ATF", "CBP", "CBSA", "HSI", "RCMP"]
    ]
    assert data["signatures"][0]["signatory_title"] == "Assistant Director, Field Operations"


# Versions and comments


def test_the_version_list_gives_numbers_notes_authors_and_comment_counts_without_the_text(client_for, atf, mou):
    rows = every_row(client_for(atf), f"{AGREEMENTS}{mou.pk}/versions/")

    assert [(r["number"], r["note"], r["author"]["username"], r["comment_count"]) for r in rows] == [
        (1, "First draft", "secretariat", 1),
        (2, "Revised after CBSA legal review", "cbsa", 1),
    ]
    assert rows[1]["author"] == {"username": "cbsa", "name": "Marc Gagnon", "agency": "CBSA"}
    assert rows[1]["classification"] == Classification.PROTECTED_A
    assert "text" not in rows[0] and "text_fr" not in rows[0]


def test_a_version_nobody_commented_on_counts_zero_comments_in_the_list_and_the_detail(client_for, cbsa, mou):
    services.version_create(actor=cbsa, agreement=mou, text="Clean text.", base_number=2, note="Uncommented")
    client = client_for(cbsa)

    rows = every_row(client, f"{AGREEMENTS}{mou.pk}/versions/")
    detail = client.get(f"{AGREEMENTS}{mou.pk}/versions/3/").json()

    assert [(r["number"], r["comment_count"]) for r in rows] == [(1, 1), (2, 1), (3, 0)]
    assert (detail["comment_count"], detail["comments"]) == (0, [])


def test_a_version_is_found_by_its_number_with_its_text_and_comments(client_for, atf, mou):
    client = client_for(atf)

    data = ok(client.get(f"{AGREEMENTS}{mou.pk}/versions/2/"))

    assert (data["text"], data["text_fr"]) == (MOU_V2, MOU_V2_FR)
    assert [(c["author"]["username"], c["passage"]) for c in data["comments"]] == [
        ("secretariat", "as set out in the Privacy Impact Assessment")
    ]
    assert client.get(f"{AGREEMENTS}{mou.pk}/versions/3/").status_code == 404
    assert client.get(f"{AGREEMENTS}{mou.pk}/versions/two/").status_code == 404


def test_a_version_marked_above_the_callers_clearance_is_neither_found_nor_current(demo, client_for, cbsa, draft):
    services.version_create(
        actor=cbsa, agreement=draft, base_number=1, text="Protected text.", classification=Classification.PROTECTED_A
    )
    reader = UserFactory(agency=demo.agencies["CBSA"], clearance=Classification.UNCLASSIFIED)
    MembershipFactory(body=demo.bodies["CBFTF"], user=reader)
    client = client_for(reader)

    assert ok(client.get(f"{AGREEMENTS}{draft.pk}/"))["current_version"] == 1
    assert [row["number"] for row in every_row(client, f"{AGREEMENTS}{draft.pk}/versions/")] == [1]
    response = client.get(f"{AGREEMENTS}{draft.pk}/versions/2/")
    assert response.status_code == 404 and "Protected text." not in text_of(response)
    assert ok(client_for(cbsa).get(f"{AGREEMENTS}{draft.pk}/"))["current_version"] == 2


def test_a_party_comments_on_a_passage_of_a_version(client_for, atf, cbsa, mou):
    url = f"{AGREEMENTS}{mou.pk}/versions/2/"

    response = client_for(atf).post(
        url + "comments/", {"passage": "every two years", "text": "Every year, at first?"}, content_type="application/json"
    )

    assert response.status_code == 201, response.content
    assert response.json() | {"id": None, "created_at": None} == {
        "id": None,
        "author": {"username": "atf", "name": "Dana Miller", "agency": "ATF"},
        "passage": "every two years",
        "text": "Every year, at first?",
        "created_at": None,
    }
    seen_by_cbsa = ok(client_for(cbsa).get(url))["comments"]
    assert [c["text"] for c in seen_by_cbsa][-1] == "Every year, at first?"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"passage": "words that are not in the text", "text": "Why?"}, "passage"),
        ({"text": "   "}, "text"),
        ({"passage": "every two years"}, "text"),
    ],
)
def test_a_comment_that_is_not_valid_is_refused_and_nothing_is_saved(client_for, atf, mou, data, field):
    before = VersionComment.objects.count()

    response = client_for(atf).post(
        f"{AGREEMENTS}{mou.pk}/versions/2/comments/", data, content_type="application/json"
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    assert VersionComment.objects.count() == before


# The workflow


def act(client, step, **data):
    url = f"{AGREEMENTS}{step.agreement_id}/steps/{step.pk}/act/"
    return client.post(url, data, content_type="application/json")


def test_the_step_list_shows_each_step_with_its_agencies_and_answers(client_for, cbsa, rcmp, workflow: Workflow):
    services.step_act(actor=cbsa, step=workflow.cbsa_review, outcome="approved", comment="Fine by us.")

    rows = every_row(client_for(rcmp), f"{AGREEMENTS}{workflow.agreement.pk}/steps/")

    assert [(r["title_en"], r["owner_agency"], r["concurring_agencies"]) for r in rows] == [
        ("CBSA review", "CBSA", []),
        ("ATF review", "ATF", []),
        ("Ready for signature", "CBSA", ["ATF"]),
        ("Signed", "CBSA", ["ATF"]),
    ]
    assert rows[0]["outcome"] == "approved"
    assert [(a["agency"], a["outcome"], a["comment"]) for a in rows[0]["answers"]] == [
        ("CBSA", "approved", "Fine by us.")
    ]


def test_a_party_approves_its_step_and_the_workflow_moves_on(client_for, cbsa, atf, workflow: Workflow):
    data = ok(act(client_for(cbsa), workflow.cbsa_review, outcome="approved"))

    assert data["outcome"] == "approved" and data["completed_at"] is not None
    assert [a["agency"] for a in data["answers"]] == ["CBSA"]
    ok(act(client_for(atf), workflow.atf_review, outcome="approved"))
    assert ok(act(client_for(atf), workflow.ready, outcome="approved"))["completed_at"] is None  # CBSA must concur
    ok(act(client_for(cbsa), workflow.ready, outcome="approved"))
    assert stored(workflow.agreement).status == Status.READY_FOR_SIGNATURE


def test_returning_a_step_needs_a_comment_then_sends_the_draft_back(client_for, cbsa, workflow: Workflow):
    client = client_for(cbsa)

    refused = act(client, workflow.cbsa_review, outcome="returned")

    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"comment": ["Say what must change when returning a step."]}
    assert not workflow.cbsa_review.actions.exists()
    assert ok(act(client, workflow.cbsa_review, outcome="returned", comment="Clause 2 is too broad."))["outcome"] == (
        "returned"
    )
    assert stored(workflow.agreement).status == Status.DRAFTING


@pytest.mark.parametrize(
    ("data", "field"),
    [({}, "outcome"), ({"outcome": "maybe"}, "outcome"), ({"outcome": "approved", "on_behalf_of": "ATF"}, "on_behalf_of")],
)
def test_an_answer_that_is_not_valid_is_refused_and_nothing_changes(client_for, cbsa, workflow: Workflow, data, field):
    response = act(client_for(cbsa), workflow.cbsa_review, **data)

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    assert not workflow.cbsa_review.actions.exists()


def test_steps_are_answered_in_order(client_for, atf, workflow: Workflow):
    response = act(client_for(atf), workflow.atf_review, outcome="approved")

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Complete “CBSA review” first: the workflow moves in order."
    assert not workflow.atf_review.actions.exists()


@pytest.mark.parametrize("username", ["rcmp", "hsi", "cbp"])
def test_a_member_of_another_agency_cannot_act_on_a_step_they_can_see(client_for, demo, username, workflow: Workflow):
    client = client_for(demo.users[username])
    assert ok(client.get(f"{AGREEMENTS}{workflow.agreement.pk}/steps/{workflow.cbsa_review.pk}/"))

    response = act(client, workflow.cbsa_review, outcome="approved")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not workflow.cbsa_review.actions.exists()


def test_the_secretariat_records_an_agencys_answer_on_its_behalf(client_for, cbsa, secretariat, workflow: Workflow):
    services.step_act(actor=cbsa, step=workflow.cbsa_review, outcome="approved")

    data = ok(act(client_for(secretariat), workflow.atf_review, outcome="approved", on_behalf_of="ATF"))

    assert [(a["agency"], a["actor"]["username"]) for a in data["answers"]] == [("ATF", "secretariat")]
    assert data["completed_at"] is not None


# API tokens


def test_a_read_only_token_reads_but_cannot_comment_or_answer(client_for, cbsa, mou, workflow: Workflow):
    reader = token_client(client_for, cbsa, "read")
    comments = VersionComment.objects.count()

    assert MOU in short_names(reader)
    commented = reader.post(
        f"{AGREEMENTS}{mou.pk}/versions/2/comments/", {"text": "Agreed."}, content_type="application/json"
    )
    answered = act(reader, workflow.cbsa_review, outcome="approved")

    assert commented.status_code == answered.status_code == 403
    assert VersionComment.objects.count() == comments
    assert not workflow.cbsa_review.actions.exists()
    writer = token_client(client_for, cbsa, "write")
    assert act(writer, workflow.cbsa_review, outcome="approved").status_code == 200


# The sharing map


def sharing(client, query: str):
    return client.get(f"{SHARING}?{query}")


def routes(answer: dict) -> list[list[tuple[str, str, list[str]]]]:
    return [
        [(hop["from"], hop["to"], [i["short_name"] for i in hop["instruments"]]) for hop in route["hops"]]
        for route in answer["routes"]
    ]


CBSA_TO_ATF = [
    [("CBSA", "CBP", ["CMAA"]), ("CBP", "ATF", ["U.S. federal sharing"])],
    [("CBSA", "ICE", ["CMAA"]), ("ICE", "ATF", ["U.S. federal sharing"])],
    [("CBSA", "RCMP", ["CBSA–RCMP MOU"]), ("RCMP", "ATF", ["RCMP–U.S. cooperation"])],
]


def test_cbsa_learns_it_reaches_atf_through_intermediaries_and_directly_once_the_mou_is_signed(client_for, cbsa):
    answer = ok(sharing(client_for(cbsa), "from=CBSA&to=atf&category=customs"))

    assert (answer["from"], answer["to"], answer["category"], answer["direct"], answer["hops"]) == (
        "CBSA", "ATF", "customs", False, 2
    )
    assert routes(answer) == CBSA_TO_ATF
    assert [route["via"] for route in answer["routes"]] == [["CBP"], ["ICE"], ["RCMP"]]
    assert answer["once_signed"]["hops"] == 1
    assert routes(answer["once_signed"]) == [[("CBSA", "ATF", [MOU])]]
    assert [(a["short_name"], a["status"]) for a in answer["pending"]] == [(MOU, "in_approval")]


@pytest.mark.parametrize("username", ["rcmp", "hsi", "cbp"])
def test_members_the_mou_is_not_shared_with_get_the_routes_but_not_the_mou(demo, client_for, username):
    response = sharing(client_for(demo.users[username]), "from=CBSA&to=ATF&category=customs")

    answer = ok(response)
    assert routes(answer) == CBSA_TO_ATF
    assert answer["once_signed"] is None and answer["pending"] == []
    assert traces(response) == []


@pytest.mark.parametrize("username", ["dea", "outsider"])
def test_an_agency_hidden_from_the_caller_answers_like_one_that_does_not_exist(personas, client_for, username):
    client = client_for(personas[username])

    hidden = sharing(client, "from=CBSA&to=ATF&category=customs")
    missing = sharing(client, "from=NOPE&to=NADA&category=customs")

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert hidden.json()["error"]["fields"] == {"from": ["No such agency."], "to": ["No such agency."]}
    assert traces(hidden) == []


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("", {"from", "to", "category"}),
        ("from=CBSA&to=CBSA&category=customs", {"to"}),
        ("from=CBSA&to=ATF&category=customs&criminal_proceedings=perhaps", {"criminal_proceedings"}),
    ],
)
def test_the_sharing_query_needs_two_different_agencies_and_a_known_category(client_for, cbsa, query, fields):
    response = sharing(client_for(cbsa), query)

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == fields


def test_a_category_that_does_not_exist_is_not_found(client_for, cbsa):
    response = sharing(client_for(cbsa), "from=CBSA&to=ATF&category=gossip")

    assert response.status_code == 404
    assert response.json()["error"]["fields"] == {"category": ["No such information category."]}


def test_criminal_evidence_in_criminal_proceedings_goes_directly_through_the_mlat(client_for, rcmp):
    client = client_for(rcmp)

    answer = ok(sharing(client, "from=CBSA&to=ATF&category=criminal_evidence&criminal_proceedings=true"))

    assert answer["direct"] is True
    assert routes(answer) == [[("CBSA", "ATF", ["MLAT"])]]
    assert answer["routes"][0]["hops"][0]["instruments"][0]["condition"] == "criminal_proceedings"
    outside_proceedings = ok(sharing(client, "from=CBSA&to=ATF&category=criminal_evidence"))
    assert (outside_proceedings["routes"], outside_proceedings["hops"]) == ([], None)


def test_anonymous_callers_are_refused_before_anything_is_looked_up(client, demo, mou):
    for url in [AGREEMENTS, f"{AGREEMENTS}{mou.pk}/", f"{AGREEMENTS}{mou.pk}/versions/", SHARING + "?from=CBSA"]:
        response = client.get(url)
        assert response.status_code in (401, 403)
        assert traces(response) == []


# Query counts: the same for many rows as for few. Each address is requested once first, so per-process caches
# (content types) are warm.


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        ok(client.get(url))
    return len(queries)


def more_agreements(secretariat, demo, count: int) -> None:
    for n in range(count):
        agreement = services.agreement_create(
            actor=secretariat, body=demo.bodies["CBFTF"], kind=Agreement.Kind.MOU, short_name=f"Extra MOU {n}",
            title_en=f"Extra memorandum {n}", parties=[demo.agencies["CBSA"], demo.agencies["RCMP"]],
            categories=[category("customs"), category("intelligence")], text=f"Extra text {n}.",
        )
        services.step_add(actor=secretariat, agreement=agreement, title_en="Late step",
                          owner_agency=demo.agencies["CBSA"], target_date=datetime.date(2022, 1, 1))


def test_the_agreement_list_runs_as_many_queries_for_many_agreements_as_for_few(demo, client_for, cbsa, secretariat):
    client = client_for(cbsa)
    url = AGREEMENTS + "?party=CBSA"
    client.get(url)

    # 1. the session; 2. the signed-in user; 3. the fingerprint for the ETag (one aggregate over the visible rows,
    # the party among the agencies the user sees as a subquery); 4. the page of agreements (body joined; the
    # latest readable version and the party as subqueries); 5. their parties; 6. their information categories.
    few = count_queries(client, url)
    more_agreements(secretariat, demo, 8)
    many = count_queries(client, url)

    assert few == many == 6
    assert "Extra MOU 7" in short_names(client, url)


def test_the_sharing_answer_runs_as_many_queries_for_many_agreements_as_for_few(demo, client_for, cbsa, secretariat):
    client = client_for(cbsa)
    url = f"{SHARING}?from=CBSA&to=ATF&category=customs"
    client.get(url)

    few = count_queries(client, url)
    for n in range(8):  # drafts that would join CBSA and ATF directly, once signed
        services.agreement_create(
            actor=secretariat, body=demo.bodies["CBFTF"], kind=Agreement.Kind.MOU, short_name=f"Extra MOU {n}",
            title_en=f"Extra memorandum {n}", parties=[demo.agencies["CBSA"], demo.agencies["ATF"]],
            categories=[category("customs")], text=f"Extra text {n}.",
        )
    many = count_queries(client, url)

    assert few == many
    assert "Extra MOU 7" in json.dumps(ok(client.get(url)))


def test_an_agreement_runs_as_many_queries_for_a_long_workflow_as_for_a_short_one(
    demo, client_for, cbsa, atf, secretariat, workflow: Workflow
):
    agreement = workflow.agreement
    client = client_for(cbsa)
    url = f"{AGREEMENTS}{agreement.pk}/"
    client.get(url)

    # 1. the session; 2. the signed-in user; 3. the fingerprint; 4. the agreement (body joined, latest readable
    # version as a subquery); 5. its parties; 6. its categories; 7. its steps (owner joined); 8. their answers
    # (agency, person and their agency joined); 9. their concurring agencies; 10. its signatures (party and version
    # joined).
    few = count_queries(client, url)
    for n in range(3):
        services.step_add(actor=secretariat, agreement=agreement, title_en=f"Step {n}", owner_agency=atf.agency,
                          concurring_agencies=[cbsa.agency])
    services.step_act(actor=cbsa, step=workflow.cbsa_review, outcome="approved")
    services.step_act(actor=atf, step=workflow.atf_review, outcome="returned", comment="More")
    many = count_queries(client, url)

    assert few == many == 10
    assert len(ok(client.get(url))["steps"]) == 7


def test_the_version_and_step_lists_run_as_many_queries_for_many_rows_as_for_few(
    client_for, cbsa, atf, secretariat, workflow: Workflow
):
    agreement = workflow.agreement
    client = client_for(cbsa)
    versions, steps = f"{AGREEMENTS}{agreement.pk}/versions/", f"{AGREEMENTS}{agreement.pk}/steps/"
    client.get(versions)

    # Versions: 1. the session; 2. the signed-in user; 3. the agreement named in the address, scoped; 4. the
    # fingerprint; 5. the page of versions (author and agency joined, comment counts as a subquery).
    # Steps: the same first four; 5. the page of steps (owner joined); 6. their answers; 7. their concurring agencies.
    few = count_queries(client, versions), count_queries(client, steps)
    for n in range(3):
        latest = agreement.versions.order_by("-number").first()
        version = services.version_create(actor=atf, agreement=agreement, base_number=latest.number, text=f"Text {n}")
        services.comment_add(actor=cbsa, version=version, text=f"Comment {n}")
        services.step_add(actor=secretariat, agreement=agreement, title_en=f"Step {n}", owner_agency=atf.agency,
                          concurring_agencies=[cbsa.agency])
    services.step_act(actor=cbsa, step=workflow.cbsa_review, outcome="approved")
    many = count_queries(client, versions), count_queries(client, steps)

    assert few == many == (5, 7)


# Conditional requests


def etag_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response["ETag"]


def test_an_unchanged_agreement_answers_304_and_a_new_answer_on_a_step_changes_its_etag(
    client_for, cbsa, atf, workflow: Workflow
):
    services.step_act(actor=cbsa, step=workflow.cbsa_review, outcome="approved")
    services.step_act(actor=atf, step=workflow.atf_review, outcome="approved")
    client = client_for(cbsa)
    url = f"{AGREEMENTS}{workflow.agreement.pk}/"
    etag = etag_of(client, url)

    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # CBSA's answer alone does not complete the step (ATF must concur): only the answers change.
    services.step_act(actor=cbsa, step=workflow.ready, outcome="approved")
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert [a["agency"] for a in changed.json()["steps"][2]["answers"]] == ["CBSA"]


def test_a_comment_changes_the_etag_of_the_version_and_of_the_version_list(client_for, cbsa, atf, mou):
    client = client_for(cbsa)
    urls = [f"{AGREEMENTS}{mou.pk}/versions/2/", f"{AGREEMENTS}{mou.pk}/versions/"]
    etags = [etag_of(client, url) for url in urls]
    assert [client.get(url, HTTP_IF_NONE_MATCH=etag).status_code for url, etag in zip(urls, etags, strict=True)] == [
        304, 304
    ]

    services.comment_add(actor=atf, version=mou.versions.get(number=2), text="Agreed.")

    assert [client.get(url, HTTP_IF_NONE_MATCH=etag).status_code for url, etag in zip(urls, etags, strict=True)] == [
        200, 200
    ]


def test_the_agreement_list_answers_304_until_an_agreement_changes(client_for, cbsa, secretariat, workflow: Workflow):
    client = client_for(cbsa)
    etag = etag_of(client, AGREEMENTS)
    assert client.get(AGREEMENTS, HTTP_IF_NONE_MATCH=etag).status_code == 304

    services.agreement_transition(actor=secretariat, agreement=workflow.agreement, transition="return_to_drafting")

    assert client.get(AGREEMENTS, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_two_callers_never_share_an_etag(client_for, cbsa, atf, mou):
    urls = [
        AGREEMENTS, f"{AGREEMENTS}{mou.pk}/", f"{AGREEMENTS}{mou.pk}/versions/2/", f"{AGREEMENTS}{mou.pk}/steps/",
        f"{SHARING}?from=CBSA&to=ATF&category=customs",
    ]
    for url in urls:
        etag = etag_of(client_for(cbsa), url)

        assert etag_of(client_for(atf), url) != etag
        assert client_for(atf).get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_sharing_answer_answers_304_until_it_changes(client_for, cbsa, secretariat, mou):
    client = client_for(cbsa)
    url = f"{SHARING}?from=CBSA&to=ATF&category=customs"
    etag = etag_of(client, url)
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304

    services.agreement_transition(actor=secretariat, agreement=mou, transition="return_to_drafting")

    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200
