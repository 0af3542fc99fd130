"""Search across the portal: ranked, highlighted, in English and French, and only what the searcher may see."""

import re

import pytest
from django.db import connection

from meetings.models import Decision, Meeting
from portal.search import SOURCES, marked, parse_query
from taskforce import permissions
from tests.support.factories import MilestoneFactory
from tests.support.scenario import MOU_REVIEW, MOU_REVIEW_FR, RESTRICTED_TITLES, THREAT_ASSESSMENT, page, text_of

MOU_NAME = "CBSA–ATF MOU"
MOU_ITEM = "CBSA–ATF MOU on direct information sharing: status"
MOU_PAPER = "CBSA–ATF MOU status note"


def search(client, q: str, **params) -> str:
    """The results page as a reader reads it: highlighting removed, so titles read whole."""
    response = client.get(page("search"), {"q": q, **params})
    assert response.status_code == 200
    return re.sub(r"</?mark>", "", text_of(response))


def test_a_search_for_mou_finds_the_cbsa_atf_mou_for_cbsa(client_for, cbsa):
    text = search(client_for(cbsa), "MOU")

    assert f"{MOU_NAME} — Memorandum of Understanding between the CBSA and the ATF" in text
    assert MOU_ITEM in text and MOU_PAPER in text and MOU_REVIEW in text


def test_a_search_for_mou_finds_nothing_of_the_cbsa_atf_mou_for_rcmp(client_for, rcmp):
    text = search(client_for(rcmp), "MOU")

    assert [words for words in (*RESTRICTED_TITLES, MOU_NAME, MOU_ITEM, MOU_PAPER) if words in text] == []
    # What rcmp may see still matches: the CBSA–RCMP MOU it is party to.
    assert "CBSA–RCMP Memorandum of Understanding" in text


def test_restricted_matches_are_not_even_counted(client_for, cbsa, rcmp):
    # "MOU" matches two agreements for CBSA (its MOU with ATF and the CBSA–RCMP one), one for RCMP.
    for_cbsa, for_rcmp = search(client_for(cbsa), "MOU"), search(client_for(rcmp), "MOU")

    assert re.search(r'id="results-agreements">Agreements <span class="portal-muted">\(2\)', for_cbsa)
    assert re.search(r'id="results-agreements">Agreements <span class="portal-muted">\(1\)', for_rcmp)
    assert 'id="results-milestones"' in for_cbsa and 'id="results-milestones"' not in for_rcmp
    assert 'id="results-papers"' not in for_rcmp and 'id="results-agenda_items"' not in for_rcmp


def test_a_hidden_kind_of_result_asked_for_alone_counts_nothing(client_for, rcmp):
    text = search(client_for(rcmp), "MOU", kind="milestones")

    assert 'Milestones <span class="portal-muted">(0)</span>' in text
    assert MOU_REVIEW not in text


def test_matches_are_highlighted(client_for, cbsa):
    response = client_for(cbsa).get(page("search"), {"q": "threat assessment"})

    assert "Joint Border <mark>Threat</mark> <mark>Assessment</mark> issued" in response.content.decode()


def test_french_words_find_french_titles_by_their_stem(client_for, cbsa):
    # "évaluations" stems like "évaluation" in the French dictionary.
    text = search(client_for(cbsa), "évaluations frontière")

    assert "Publication de l'évaluation conjointe de la menace à la frontière" in text or THREAT_ASSESSMENT in text


def test_english_words_find_english_titles_by_their_stem(client_for, cbsa):
    text = search(client_for(cbsa), "assessments")

    assert THREAT_ASSESSMENT in text


def test_the_results_read_in_the_readers_language(client_for, cbsa):
    response = client_for(cbsa).get("/fr/search/", {"q": "MOU"})

    assert MOU_REVIEW_FR in re.sub(r"</?mark>", "", text_of(response))


def test_members_are_found_by_name(client_for, rcmp, cbsa):
    text = search(client_for(rcmp), cbsa.last_name)

    assert f"{cbsa.first_name} {cbsa.last_name} (CBSA)" in text


def test_stored_text_cannot_inject_html_into_the_results(demo, client_for, cbsa):
    MilestoneFactory(
        body=demo.bodies["CBFTF"], owner_agency=demo.agencies["CBSA"],
        title_en='Firearms <script>alert("x")</script> \x02<img src=x onerror=alert(1)>\x03 survey',
    )
    response = client_for(cbsa).get(page("search"), {"q": "firearms survey"})
    content = response.content.decode()

    assert "<script>alert" not in content and "<img src=x" not in content
    assert "&lt;script&gt;" in content and "&lt;img src=x onerror=alert(1)&gt;" in content


def test_marked_escapes_everything_but_the_highlight():
    assert marked('a <b> \x02c&d\x03 e\x03 "f"') == 'a &lt;b&gt; <mark>c&amp;d</mark> e &quot;f&quot;'


def test_results_are_ranked_best_first(demo, client_for, cbsa):
    cbftf, agency = demo.bodies["CBFTF"], demo.agencies["CBSA"]
    MilestoneFactory(body=cbftf, owner_agency=agency, title_en="Ballistics review", description="")
    MilestoneFactory(body=cbftf, owner_agency=agency, title_en="Annual report", description="Ballistics mentioned once.")
    text = search(client_for(cbsa), "ballistics", kind="milestones")

    assert text.index("Ballistics review") < text.index("Annual report")


def test_an_empty_search_shows_the_box_alone(client_for, cbsa):
    text = search(client_for(cbsa), "   ")

    assert 'name="q"' in text and "results-" not in text


def test_an_unknown_kind_is_not_found(client_for, cbsa):
    assert client_for(cbsa).get(page("search"), {"q": "MOU", "kind": "budgets"}).status_code == 404


def test_a_kind_pages_through_all_its_matches(demo, client_for, cbsa):
    cbftf, agency = demo.bodies["CBFTF"], demo.agencies["CBSA"]
    for n in range(25):
        MilestoneFactory(body=cbftf, owner_agency=agency, title_en=f"Calibration check {n}")
    client = client_for(cbsa)

    overview = search(client, "calibration")
    first, second = search(client, "calibration", kind="milestones"), search(client, "calibration", kind="milestones",
                                                                                page=2)

    assert overview.count("Calibration check") == 5 and "All 25 matches among milestones" in overview
    assert first.count("Calibration check") == 20 and "Next matches" in first
    assert second.count("Calibration check") == 5 and "Next matches" not in second
    # Past the last page: nothing more, and still the whole count.
    beyond = search(client, "calibration", kind="milestones", page=9)
    assert "Calibration check" not in beyond and "No more matches." in beyond and "(25)" in beyond


def add_matches(demo, count: int) -> None:
    cbftf, cbsa = demo.bodies["CBFTF"], demo.agencies["CBSA"]
    meeting = Meeting.objects.get(body=cbftf, start__date="2021-11-10")
    for n in range(count):
        MilestoneFactory(body=cbftf, owner_agency=cbsa, title_en=f"Firearms milestone {n}")
        decision = Decision.objects.create(meeting=meeting, text=f"Firearms decision {n}", restricted=True)
        permissions.grant(decision, [cbsa])


@pytest.mark.parametrize("rows", [0, 8])
def test_the_search_runs_a_fixed_number_of_queries(demo, client_for, cbsa, django_assert_num_queries, rows):
    client = client_for(cbsa)
    client.get(page("search"), {"q": "firearms"})
    add_matches(demo, rows)
    # 1. the session; 2. the signed-in user; then one query per kind, each its visible matches, ranked, with
    # their total and highlighted excerpts: 3. agreements, 4. meetings, 5. agenda items, 6. papers,
    # 7. decisions, 8. action items, 9. milestones, 10. members; 11. the user's agency, for the header.
    with django_assert_num_queries(11):
        client.get(page("search"), {"q": "firearms"})


@pytest.mark.parametrize("source", SOURCES, ids=lambda source: source.kind)
def test_each_kinds_full_text_index_serves_its_search(db, source):
    query = parse_query("firearms")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = source.queryset().annotate(search=source.vector).filter(search=query).explain()

    index = next(index.name for index in source.queryset().model._meta.indexes if index.name.endswith("_search"))
    assert f"Bitmap Index Scan on {index}" in plan
