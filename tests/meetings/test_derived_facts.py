"""Facts derived from an agenda, as each reader sees them: numbering that runs 1..n over the items they may see,
time totals over those items, change entries and badges only for changes that touch what they may see, and
records that name nothing of a hidden item. The secretariat sees everything and keeps the full numbering."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from meetings import selectors, services
from meetings.demo import tiny_pdf
from meetings.models import AgendaItem, Meeting
from members.models import Classification
from tests.support.scenario import page, text_of

API = "/api/v1"
ROUNDTABLE = "Roundtable"


def december_meeting() -> Meeting:
    return Meeting.objects.get(body__acronym="CBFTF", title_en="CBFTF meeting")


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("paper.pdf", tiny_pdf("A paper"))


@pytest.fixture
def four_items(meeting, add_item, secretariat, demo) -> dict[str, AgendaItem]:
    """A circulated agenda: Opening, the MOU (CBSA and ATF only), Threat picture, Next steps."""
    items = {
        "Opening": add_item(meeting, "Opening"),
        "MOU": add_item(meeting, "MOU status", restricted_to=[demo.agencies["CBSA"], demo.agencies["ATF"]]),
        "Threat": add_item(meeting, "Threat picture"),
        "Next": add_item(meeting, "Next steps"),
    }
    services.agenda_circulate(actor=secretariat, meeting=meeting)
    return items


def numbers(actor, meeting) -> list[tuple[int, str]]:
    return [(item.number, item.title_en) for item in selectors.agenda_items(actor=actor, meeting=meeting)]


# Numbering ---------------------------------------------------------------------------------------------------


def test_it_numbers_the_api_items_over_what_the_reader_sees(client_for, rcmp, secretariat):
    meeting = december_meeting()
    url = f"{API}/meetings/{meeting.pk}/items/"

    for_rcmp = client_for(rcmp).get(url).json()["results"]
    for_secretariat = client_for(secretariat).get(url).json()["results"]

    assert [(i["position"], i["title_en"]) for i in for_rcmp] == [
        (1, "Adoption of the agenda"), (2, "Joint Border Threat Assessment: progress"), (3, ROUNDTABLE)]
    assert [i["position"] for i in for_secretariat] == [1, 2, 3, 4]
    roundtable = AgendaItem.objects.get(meeting=meeting, title_en=ROUNDTABLE)
    assert client_for(rcmp).get(f"{url}{roundtable.pk}/").json()["position"] == 3
    assert client_for(secretariat).get(f"{url}{roundtable.pk}/").json()["position"] == 4


def test_it_shows_the_readers_number_on_the_item_page(client_for, rcmp, atf):
    roundtable = AgendaItem.objects.get(meeting=december_meeting(), title_en=ROUNDTABLE)
    url = page("agenda-item-detail", roundtable.pk)

    assert re.search(r"<dt>Position</dt><dd>3</dd>", text_of(client_for(rcmp).get(url)))
    assert re.search(r"<dt>Position</dt><dd>4</dd>", text_of(client_for(atf).get(url)))


def test_it_numbers_the_approved_minutes_over_what_the_reader_sees(
    schedule, add_item, secretariat, demo, client_for, rcmp
):
    held = schedule(days=-3, title_en="Past CBFTF meeting")
    opening = add_item(held, "Opening")
    mou = add_item(held, "MOU status", restricted_to=[demo.agencies["CBSA"], demo.agencies["ATF"]])
    closing = add_item(held, "Closing")
    services.agenda_circulate(actor=secretariat, meeting=held)
    services.minutes_save(actor=secretariat, meeting=held, minutes={
        opening.pk: "Opened.", mou.pk: "MOU discussed.", closing.pk: "Closed."})
    services.minutes_approve(actor=secretariat, meeting=held)

    shown = text_of(client_for(rcmp).get(page("meeting-detail", held.pk)))

    assert "<dt>1. Opening</dt>" in shown and "<dt>2. Closing</dt>" in shown
    assert "3. Closing" not in shown and "MOU" not in shown


def test_the_secretariat_keeps_the_full_numbering(secretariat, rcmp, meeting, four_items):
    assert numbers(secretariat, meeting) == [
        (1, "Opening"), (2, "MOU status"), (3, "Threat picture"), (4, "Next steps")]
    assert numbers(rcmp, meeting) == [(1, "Opening"), (2, "Threat picture"), (3, "Next steps")]


# Totals ------------------------------------------------------------------------------------------------------


def test_it_totals_the_time_of_the_items_the_reader_sees(client_for, rcmp, secretariat):
    url = page("meeting-detail", december_meeting().pk)

    # 5 + 35 + 20 minutes for RCMP; the MOU item's 20 more for the secretariat.
    assert "Time allotted: 60 of the meeting's 90 minutes." in text_of(client_for(rcmp).get(url))
    assert "Time allotted: 80 of the meeting's 90 minutes." in text_of(client_for(secretariat).get(url))


# Change entries and badges -----------------------------------------------------------------------------------


def test_a_paper_above_the_readers_clearance_adds_no_change_entry_or_badge_for_them(
    secretariat, hsi, rcmp, meeting, four_items, client_for
):
    threat = four_items["Threat"]

    services.paper_upload(
        actor=secretariat, item=threat, title="Seizure figures", upload=pdf(),
        classification=Classification.PROTECTED_B,
    )

    assert list(selectors.agenda_changes(actor=hsi, meeting=meeting)) == []
    assert not any(i.changed_for_reader for i in selectors.agenda_items(actor=hsi, meeting=meeting))
    assert "Changed since circulated" not in text_of(client_for(hsi).get(page("meeting-detail", meeting.pk)))
    # RCMP is cleared to Protected B: the paper and its change reach them.
    assert [c.kind for c in selectors.agenda_changes(actor=rcmp, meeting=meeting)] == ["paper_added"]
    assert "Changed since circulated" in text_of(client_for(rcmp).get(page("meeting-detail", meeting.pk)))


def test_moving_an_item_past_a_hidden_one_only_is_no_change_for_those_who_do_not_see_it(
    secretariat, rcmp, atf, meeting, four_items, client_for
):
    services.agenda_item_move(actor=secretariat, item=four_items["Threat"], position=2)

    assert numbers(rcmp, meeting) == [(1, "Opening"), (2, "Threat picture"), (3, "Next steps")]
    assert list(selectors.agenda_changes(actor=rcmp, meeting=meeting)) == []
    assert not any(i.changed_for_reader for i in selectors.agenda_items(actor=rcmp, meeting=meeting))
    assert "Changed since circulated" not in text_of(client_for(rcmp).get(page("meeting-detail", meeting.pk)))
    assert [c.kind for c in selectors.agenda_changes(actor=atf, meeting=meeting)] == ["moved"]


def test_a_move_is_told_in_the_readers_own_numbering(secretariat, hsi, atf, meeting, four_items, client_for):
    services.agenda_item_move(actor=secretariat, item=four_items["Opening"], position=3)

    for_hsi = text_of(client_for(hsi).get(page("meeting-detail", meeting.pk)))
    for_atf = text_of(client_for(atf).get(page("meeting-detail", meeting.pk)))
    assert "now item 2" in for_hsi and "position 3" not in for_hsi and "item 3" not in for_hsi
    assert "now item 3" in for_atf
    item_page = text_of(client_for(hsi).get(page("agenda-item-detail", four_items["Opening"].pk)))
    assert "now item 2" in item_page and "position 3" not in item_page


def test_the_api_marks_an_item_changed_only_for_readers_the_change_reaches(
    secretariat, hsi, rcmp, meeting, four_items, client_for
):
    services.paper_upload(
        actor=secretariat, item=four_items["Threat"], title="Seizure figures", upload=pdf(),
        classification=Classification.PROTECTED_B,
    )
    url = f"{API}/meetings/{meeting.pk}/items/{four_items['Threat'].pk}/"

    assert client_for(hsi).get(url).json()["changed_after_circulation"] is False
    assert client_for(rcmp).get(url).json()["changed_after_circulation"] is True


# Records -----------------------------------------------------------------------------------------------------


def test_filtering_decisions_by_agency_does_not_match_on_a_hidden_items_presenter(
    schedule, add_item, secretariat, demo, rcmp, cbsa
):
    held = schedule(days=-3, title_en="Past CBFTF meeting", host_agency=demo.agencies["CBSA"])
    hidden = add_item(held, "Trace data", presenter_agency=demo.agencies["ATF"])  # the agenda stays a draft
    services.decision_record(actor=secretariat, meeting=held, item=hidden, text="Share the trace data.")
    services.minutes_approve(actor=secretariat, meeting=held)
    by_atf = selectors.RegisterFilter(agency=demo.agencies["ATF"])

    assert "Share the trace data." not in [d.text for d in selectors.decision_register(actor=rcmp, filters=by_atf)]
    assert "Share the trace data." in [d.text for d in selectors.decision_register(actor=secretariat, filters=by_atf)]
