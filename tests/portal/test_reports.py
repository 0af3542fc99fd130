"""Progress reports (page and PDF) and the register exports: what the reader may see, and nothing else."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from meetings.models import ActionItem, Decision, Meeting
from taskforce import permissions
from tests.support.factories import MilestoneFactory
from tests.support.scenario import (
    MOU_REVIEW,
    MOU_REVIEW_FR,
    RESTRICTED_TITLES,
    THREAT_ASSESSMENT,
    leaked_titles,
    page,
    pdf_text,
    text_of,
)

PERIOD = "?start=2021-11-01&end=2022-03-31"
REPORT = page("report-detail", "CBFTF") + PERIOD
PDF = page("report-pdf", "CBFTF") + PERIOD
REPORT_FR = "/fr/reports/CBFTF/" + PERIOD
PDF_FR = "/fr/reports/CBFTF/pdf/" + PERIOD
# Words of the MOU that no other agency may read: its name and its agenda item at the December meeting.
MOU_WORDS = ("CBSA–ATF MOU", "PE ASFC–ATF")
SECRET_DECISION = "The CBSA and the ATF agree the MOU's data retention clause."
SECRET_ACTION = "Send the MOU's retention clause to ATF counsel."


def inaugural_meeting() -> Meeting:
    return Meeting.objects.get(body__acronym="CBFTF", start__date=datetime.date(2021, 11, 10))


@pytest.fixture
def mou_records(demo):
    """A decision and an action item about the MOU, shared with CBSA and ATF only, at the inaugural meeting."""
    meeting = inaugural_meeting()
    parties = [demo.agencies["CBSA"], demo.agencies["ATF"]]
    decision = Decision.objects.create(meeting=meeting, text=SECRET_DECISION, restricted=True)
    action = ActionItem.objects.create(
        meeting=meeting, text=SECRET_ACTION, owner_agency=demo.agencies["ATF"], restricted=True,
        due_date=datetime.date(2022, 1, 15),
    )
    permissions.grant(decision, parties)
    permissions.grant(action, parties)
    return decision, action


def words_of_the_mou(text: str) -> list[str]:
    return [words for words in (*RESTRICTED_TITLES, *MOU_WORDS, SECRET_DECISION, SECRET_ACTION) if words in text]


def test_the_cbftf_report_for_november_2021_to_march_2022_shows_what_the_task_force_did(client_for, cbsa):
    response = client_for(cbsa).get(REPORT)

    assert response.status_code == 200
    text = text_of(response)
    assert "Progress report of CBFTF" in text
    assert "Meetings held (2)" in text
    assert "CBFTF inaugural meeting" in text
    assert "The Task Force will issue a Joint Border Threat Assessment in Spring 2022." in text
    assert "Action items (3)" in text
    assert "Done: 1. Open: 0. Overdue: 2. Cancelled: 0." in text
    assert THREAT_ASSESSMENT in text and MOU_REVIEW in text
    assert "CBSA–ATF MOU — Memorandum of Understanding" in text


def test_the_report_is_marked_with_its_most_restricted_content_at_top_and_bottom(client_for, cbsa, rcmp):
    # The MOU is Protected A; the rest of the task force's material is unclassified.
    for_cbsa = text_of(client_for(cbsa).get(REPORT))
    for_rcmp = text_of(client_for(rcmp).get(REPORT))

    assert for_cbsa.count('<p class="portal-marking">PROTECTED A</p>') == 2
    assert for_rcmp.count('<p class="portal-marking">UNCLASSIFIED</p>') == 2
    assert "PROTECTED" not in for_rcmp


def test_the_report_hides_the_mou_and_everything_of_it_from_other_agencies(client_for, cbsa, rcmp, mou_records):
    for_cbsa = text_of(client_for(cbsa).get(REPORT))
    response = client_for(rcmp).get(REPORT)

    assert response.status_code == 200
    for_rcmp = text_of(response)
    assert SECRET_DECISION in for_cbsa and SECRET_ACTION in for_cbsa
    assert words_of_the_mou(for_rcmp) == []
    # Not counted either: rcmp's counts are those of what it may see.
    assert "Decisions (3)" in for_cbsa and "Decisions (2)" in for_rcmp
    assert "Action items (4)" in for_cbsa and "Action items (3)" in for_rcmp
    assert "Milestones (3)" in for_cbsa and "Milestones (1)" in for_rcmp
    assert "Agreements under way (0)" in for_rcmp


def test_the_charts_are_accessible_svg_with_the_same_figures_in_a_table(client_for, cbsa):
    text = text_of(client_for(cbsa).get(REPORT))

    assert '<svg class="portal-chart"' in text and 'role="img"' in text
    assert '<title id="action-chart-title">Action items by status per agency</title>' in text
    assert '<desc id="action-chart-desc">' in text
    assert '<title id="timeline-title">' in text
    assert "<caption>Action items by status per agency</caption>" in text
    assert '<th scope="row">ATF</th><td>0</td><td>0</td><td>1</td>' in text
    assert '<th scope="row">CBSA</th><td>1</td><td>0</td><td>0</td>' in text
    # No inline style or script: the page is under a strict Content Security Policy.
    assert " style=" not in text and "<script>" not in text


def test_the_report_page_reads_in_french(client_for, cbsa):
    text = text_of(client_for(cbsa).get(REPORT_FR))

    assert "Rapport d'étape du GTTAF" in text
    assert "Groupe de travail transfrontalier Canada–États-Unis sur les armes à feu (GTTAF)" in text
    assert "Rapport présenté au FCT." in text
    assert "Réunions tenues (2)" in text
    assert MOU_REVIEW_FR in text
    assert '<p class="portal-marking">PROTÉGÉ A</p>' in text
    # The period starts on the first of November: French writes it as an ordinal.
    assert "du 1er novembre 2021 au 31 mars 2022" in text


def test_the_pdf_is_a_pdf_in_french_with_its_headings_charts_and_marking(client_for, cbsa):
    response = client_for(cbsa).get(PDF_FR)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"].startswith('attachment; filename="progress-report-CBFTF-20211101-20220331')
    text = pdf_text(response.content)
    assert "Rapport d'étape du GTTAF" in text and "CBFTF" not in text
    assert "Réunions tenues (2)" in text and "Jalons (3)" in text
    assert "du 1er novembre 2021 au 31 mars 2022" in text
    assert MOU_REVIEW_FR in text
    # The marking heads the document and ends it, and every page carries it in its margins.
    assert text.startswith("PROTÉGÉ A") and text.count("PROTÉGÉ A") >= 3
    # The figures of the chart come with it, as a table.
    assert "Mesures de suivi par état et par organisme" in text


def test_the_pdf_holds_nothing_of_the_mou_for_other_agencies(client_for, rcmp, mou_records):
    response = client_for(rcmp).get(PDF)

    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Progress report of CBFTF" in text and THREAT_ASSESSMENT in text
    # The milestone time line is drawn in the PDF too: its month scale is text only the chart holds.
    assert "Nov 2021" in text and "Mar 2022" in text
    assert words_of_the_mou(text) == []
    assert "UNCLASSIFIED" in text and "PROTECTED" not in text


@pytest.mark.parametrize("url", [REPORT, PDF])
def test_a_report_of_a_body_the_reader_takes_no_part_in_is_not_found(client_for, dea, outsider, cbsa, url):
    assert client_for(dea).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(cbsa).get(url.replace("CBFTF", "NOSUCHBODY")).status_code == 404


@pytest.mark.parametrize(("query", "message"), [
    ("?start=2022-03-31&end=2021-11-01", "The end of the period cannot be before its start."),
    ("?start=2021-13-45&end=2022-03-31", "Enter a valid date."),
    ("?start=2021-11-01", "This field is required."),
    ("?start=2000-01-01&end=2022-03-31", "A report covers five years at most."),
])
@pytest.mark.parametrize("name", ["report-detail", "report-pdf"])
def test_a_bad_period_is_refused_with_a_clear_error(client_for, cbsa, name, query, message):
    response = client_for(cbsa).get(page(name, "CBFTF") + query)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert message in text_of(response)


def test_the_builder_opens_the_report_of_the_chosen_body_and_period(client_for, cbsa):
    client = client_for(cbsa)

    assert client.get(page("report-builder")).status_code == 200
    response = client.get(page("report-builder"), {"body": "CBFTF", "start": "2021-11-01", "end": "2022-03-31"})

    assert response.status_code == 302
    assert response.url == REPORT


def test_the_builder_offers_only_the_bodies_the_reader_takes_part_in(client_for, cbsa, secretariat):
    # CBSA's co-chair takes no part in the forum (CBCF): it is not offered, and asking for it is an error.
    builder = text_of(client_for(cbsa).get(page("report-builder")))
    refused = client_for(cbsa).get(page("report-builder"), {"body": "CBCF", "start": "2021-11-01", "end": "2022-03-31"})

    assert '<option value="CBFTF"' in builder and '<option value="CBCF"' not in builder
    assert refused.status_code == 400
    assert "Select a valid choice" in text_of(refused)
    assert '<option value="CBCF"' in text_of(client_for(secretariat).get(page("report-builder")))


def add_report_rows(demo, count: int) -> None:
    """More meetings held, decisions, action items and milestones in the period, of every kind the report shows."""
    cbftf, cbsa = demo.bodies["CBFTF"], demo.agencies["CBSA"]
    for n in range(count):
        start = timezone.make_aware(datetime.datetime(2022, 1, 10 + n, 15))
        meeting = Meeting.objects.create(
            body=cbftf, title_en=f"Working meeting {n}", start=start, end=start + datetime.timedelta(hours=1),
            time_zone="America/Toronto", host_agency=cbsa,
        )
        permissions.grant(meeting, [cbsa])
        Decision.objects.create(meeting=meeting, text=f"Decision {n}")
        ActionItem.objects.create(meeting=meeting, text=f"Action {n}", owner_agency=cbsa, due_date=start.date())
        MilestoneFactory(body=cbftf, owner_agency=cbsa, due_start=datetime.date(2022, 2, 1 + n))


def test_the_report_page_runs_a_fixed_number_of_queries(demo, client_for, cbsa, django_assert_num_queries):
    client = client_for(cbsa)
    client.get(REPORT)
    add_report_rows(demo, 3)
    # 1. the session; 2. the signed-in user; 3. the body (parent joined); 4. the meetings held in the period (body
    # and host joined; invitations as subqueries); 5. their decisions and 6. their action items (meeting, body,
    # owner and agency joined; grants as subqueries); 7. the milestones due in the period (owner agency joined);
    # 8. the agreements under way (latest readable version and overdue steps as subqueries), 9. their parties and
    # 10. their categories; 11. their approval steps (owner agency joined); 12. the user's agency, for the header.
    with django_assert_num_queries(12):
        response = client.get(REPORT)
    assert "Meetings held (5)" in text_of(response)


def test_the_exports_hold_nothing_of_the_mou_for_other_agencies(client_for, cbsa, rcmp, mou_records):
    for register in ("action-items", "decisions", "meetings", "milestones"):
        for_rcmp = text_of(client_for(rcmp).get(page("register-export", register)))
        assert words_of_the_mou(for_rcmp) == [], register
    milestones = text_of(client_for(cbsa).get(page("register-export", "milestones")))
    decisions = text_of(client_for(cbsa).get(page("register-export", "decisions")))
    assert MOU_REVIEW in milestones and SECRET_DECISION in decisions


def test_an_export_is_csv_that_spreadsheets_open_safely(demo, client_for, cbsa):
    MilestoneFactory(
        body=demo.bodies["CBFTF"], owner_agency=demo.agencies["CBSA"], title_en='=HYPERLINK("http://x.test")',
        title_fr="Échéance révisée",
    )
    response = client_for(cbsa).get(page("register-export", "milestones"), {"body": "CBFTF"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="CBFTF-milestones-')
    content = b"".join(response.streaming_content)
    # A byte order mark, so that Excel reads UTF-8 (the accents) right.
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["id", "body", "title_en", "title_fr"]
    formula = next(row for row in rows if "HYPERLINK" in row[2])
    assert formula[2] == "'=HYPERLINK(\"http://x.test\")" and formula[3] == "Échéance révisée"
    assert {row[1] for row in rows[1:]} == {"CBFTF"}


def test_an_export_of_a_body_the_reader_takes_no_part_in_is_not_found(client_for, dea, cbsa):
    assert client_for(dea).get(page("register-export", "milestones"), {"body": "CBFTF"}).status_code == 404
    assert client_for(cbsa).get(page("register-export", "budgets")).status_code == 404
    forum_only = text_of(client_for(dea).get(page("register-export", "milestones")))
    assert THREAT_ASSESSMENT not in forum_only and leaked_titles(client_for(dea).get(page("register-export", "milestones"))) == []


def test_an_export_runs_a_fixed_number_of_queries(demo, client_for, cbsa, django_assert_num_queries):
    client = client_for(cbsa)
    url = page("register-export", "action-items")
    b"".join(client.get(url).streaming_content)
    add_report_rows(demo, 3)
    # 1. the session; 2. the signed-in user; 3. the action items (meeting, body, owner and agency joined; grants as
    # subqueries), read in one server-side pass.
    with django_assert_num_queries(3):
        content = b"".join(client.get(url).streaming_content)
    assert content.decode("utf-8-sig").count("Action ") >= 3


def test_the_decisions_export_names_no_item_the_reader_may_not_see(demo, client_for, secretariat, rcmp):
    from meetings import services as meeting_services

    held = meeting_services.meeting_schedule(
        actor=secretariat, body=demo.bodies["CBFTF"], title_en="Closed session",
        start=timezone.now() - datetime.timedelta(days=3), end=timezone.now() - datetime.timedelta(days=3, hours=-1),
        time_zone="America/Toronto", invite_agencies=[demo.agencies["CBSA"], demo.agencies["RCMP"]],
    )
    # The agenda is never circulated: members do not see its item, but read the decision once minutes are approved.
    item = meeting_services.agenda_item_add(actor=secretariat, meeting=held, title_en="Undercover operation Falcon")
    meeting_services.decision_record(actor=secretariat, meeting=held, item=item, text="Proceed as planned.")
    meeting_services.minutes_approve(actor=secretariat, meeting=held)

    for_rcmp = text_of(client_for(rcmp).get(page("register-export", "decisions")))
    for_secretariat = text_of(client_for(secretariat).get(page("register-export", "decisions")))

    assert "Proceed as planned." in for_rcmp and "Falcon" not in for_rcmp
    assert "Undercover operation Falcon" in for_secretariat
