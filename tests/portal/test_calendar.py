"""The calendar page (a month grid and a list) and the milestone timeline, read as each persona reads them.

The calendar draws the same merged schedule as the API's /schedule/ and the feeds; the demo's months of
November 2021 to March 2022 hold its meetings, action items, the MOU's approval steps and its milestones.
"""

import datetime
import re

import pytest
from django.utils import timezone

from meetings import services as meeting_services
from meetings.models import AgendaItem, Meeting
from mou import services as mou_services
from mou.models import Agreement
from portal.timeline import milestone_timeline
from taskforce.models import Milestone
from tests.support.factories import MilestoneFactory
from tests.support.scenario import MOU_REVIEW, PIA_SUBMITTED, THREAT_ASSESSMENT, leaked_titles, page, text_of

CALENDAR = "/en/calendar/"
TIMELINE = "/en/milestones/timeline/"
ATF_REVIEW_STEP = "Shared with ATF for review"
HSI_ACTION = "Name HSI points of contact for cross-border firearms cases."


def inaugural() -> Meeting:
    return Meeting.objects.get(title_en="CBFTF inaugural meeting")


def cell(text: str, day: str) -> str:
    """The grid's cell of one day, named as a screen reader reads it ("Wednesday, November 10, 2021")."""
    start = text.index(day)
    return text[start:text.index("</td>", start)]


def mou() -> Agreement:
    return Agreement.objects.get(kind=Agreement.Kind.MOU, parties__acronym="ATF")


# The month grid --------------------------------------------------------------------------------------------


def test_the_month_grid_shows_a_meeting_on_its_day_linking_to_its_page(client_for, cbsa):
    text = text_of(client_for(cbsa).get(f"{CALENDAR}?month=2021-11"))

    day = cell(text, "Wednesday, November 10, 2021")
    assert "CBFTF inaugural meeting" in day and f'href="{page("meeting-detail", inaugural().pk)}"' in day
    assert "10 a.m." in day and "Meeting" in day
    assert "CBFTF inaugural meeting" not in cell(text, "Thursday, November 11, 2021")


def test_the_grid_is_a_table_with_a_header_per_weekday_in_the_readers_convention(client_for, cbsa):
    english = text_of(client_for(cbsa).get(f"{CALENDAR}?month=2021-11"))
    french = text_of(client_for(cbsa).get("/fr/calendar/?month=2021-11"))

    assert len(re.findall(r'<th scope="col">', english)) == 7
    assert english.index(">Sunday<") < english.index(">Monday<")
    assert french.index(">lundi<") < french.index(">dimanche<")
    assert "<h2 id=\"month-heading\">November 2021</h2>" in english and 'aria-labelledby="month-heading"' in english
    # Five weeks: October 31 to December 4 (weeks start on Sunday in English).
    assert english.count("<tr>") == 1 + 5


def test_the_month_links_go_to_the_previous_and_next_months_keeping_the_filters(client_for, cbsa):
    text = text_of(client_for(cbsa).get(f"{CALENDAR}?month=2022-01&kind=meeting&view=list"))

    assert 'href="?kind=meeting&view=list&month=2021-12"' in text
    assert 'href="?kind=meeting&view=list&month=2022-02"' in text


@pytest.mark.parametrize("month", ["", "2022-13", "tomorrow", "99999-01"])
def test_a_missing_or_wrong_month_shows_this_month(client_for, cbsa, month):
    response = client_for(cbsa).get(f"{CALENDAR}?month={month}")

    assert response.status_code == 200
    assert f"<h2 id=\"month-heading\">{timezone.localdate():%B %Y}</h2>" in text_of(response)


def test_a_due_window_is_listed_once_for_the_month_not_on_every_day(client_for, cbsa):
    text = text_of(client_for(cbsa).get(f"{CALENDAR}?month=2022-04"))

    windows = text[text.index("Due windows this month"):text.index("<table")]
    assert THREAT_ASSESSMENT in windows and "due from March 20, 2022 to June 20, 2022" in windows
    assert text.count(THREAT_ASSESSMENT) == 1


def test_the_list_shows_the_months_entries_by_day(client_for, hsi):
    text = text_of(client_for(hsi).get(f"{CALENDAR}?month=2021-12&view=list"))

    december_17 = text[text.index("Friday, December 17, 2021"):]
    assert "CBFTF meeting" in december_17 and HSI_ACTION in december_17
    assert "Action item" in december_17 and f'href="{page("register")}"' in december_17
    assert "<table" not in text and 'aria-current="page">List' in text


def test_an_empty_month_says_so(client_for, cbsa):
    text = text_of(client_for(cbsa).get(f"{CALENDAR}?month=2019-01&view=list"))

    assert "Nothing in your calendar this month." in text


def test_the_calendar_filters_by_kind_and_by_body(client_for, secretariat):
    client = client_for(secretariat)

    meetings_only = text_of(client.get(f"{CALENDAR}?month=2022-02&kind=meeting"))
    milestones_only = text_of(client.get(f"{CALENDAR}?month=2022-02&kind=milestone"))
    forum_only = text_of(client.get(f"{CALENDAR}?month=2022-02&body=CBCF"))

    assert MOU_REVIEW not in meetings_only and ATF_REVIEW_STEP not in meetings_only
    assert MOU_REVIEW in milestones_only and ATF_REVIEW_STEP not in milestones_only
    assert MOU_REVIEW not in forum_only and ATF_REVIEW_STEP not in forum_only


# Visibility ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["month", "list"])
@pytest.mark.parametrize(("persona", "month", "milestone", "step"), [
    # Each party follows the steps its agency owns: ATF the review, CBSA the Privacy Impact Assessment.
    ("atf", "2022-02", MOU_REVIEW, ATF_REVIEW_STEP),
    ("cbsa", "2022-02", MOU_REVIEW, None),
    ("cbsa", "2022-03", PIA_SUBMITTED, "PIA submitted to the Office of the Privacy Commissioner"),
])
def test_the_mou_parties_see_its_milestones_and_steps_in_their_calendar(
    client_for, demo, view, persona, month, milestone, step
):
    text = text_of(client_for(demo.users[persona]).get(f"{CALENDAR}?month={month}&view={view}"))

    assert milestone in text
    if step:
        assert step in text and mou().title in text


@pytest.mark.parametrize("persona", ["rcmp", "hsi", "cbp", "dea", "outsider"])
@pytest.mark.parametrize("view", ["month", "list"])
def test_other_agencies_never_see_the_mou_in_their_calendar(client_for, personas, persona, view):
    for month in ("2021-04", "2022-02", "2022-03"):
        response = client_for(personas[persona]).get(f"{CALENDAR}?month={month}&view={view}")

        assert response.status_code == 200
        assert leaked_titles(response) == [] and ATF_REVIEW_STEP not in text_of(response)
        assert mou().title not in text_of(response)


def test_an_action_item_from_a_restricted_item_stays_out_of_other_agencies_calendars(client_for, secretariat, rcmp):
    item = AgendaItem.objects.get(title_en="CBSA–ATF MOU on direct information sharing: status")
    meeting_services.action_item_record(
        actor=secretariat, meeting=item.meeting, item=item, text="Send the MOU draft to legal services.",
        owner_agency=rcmp.agency, due_date=datetime.date(2022, 1, 10),
    )

    assert "Send the MOU draft to legal services." in text_of(client_for(secretariat).get(f"{CALENDAR}?month=2022-01"))
    assert "Send the MOU draft to legal services." not in text_of(client_for(rcmp).get(f"{CALENDAR}?month=2022-01"))


def test_a_forum_member_sees_none_of_the_task_forces_meetings(client_for, demo, dea):
    MilestoneFactory(body=demo.bodies["CBCF"], owner_agency=demo.agencies["PS"], title_en="Forum plenary report due",
                     due_start=datetime.date(2021, 11, 22))

    response = client_for(dea).get(f"{CALENDAR}?month=2021-11")
    text = text_of(response)

    assert response.status_code == 200
    assert "Forum plenary report due" in cell(text, "Monday, November 22, 2021")
    assert "CBFTF inaugural meeting" not in text


def test_the_calendar_requires_signing_in(client):
    response = client.get(CALENDAR)

    assert response.status_code == 302 and "/accounts/login/" in response.url


# The milestone timeline ------------------------------------------------------------------------------------


def test_the_timeline_draws_each_milestone_over_its_due_window(client_for, cbsa):
    text = text_of(client_for(cbsa).get(TIMELINE))

    bars = dict(re.findall(r'<a href="/en/milestones/\d+/">([^<]+)</a>.*?<rect [^>]*x="[\d.]+%" width="([\d.]+)%"',
                           text, re.DOTALL))
    # The fiscal year spans twelve months of the axis, the spring window three, the one-day milestone a mark.
    assert float(bars[PIA_SUBMITTED]) > float(bars[THREAT_ASSESSMENT]) > float(bars[MOU_REVIEW])
    assert "Spring 2022 (March 20, 2022 – June 20, 2022)" in text
    assert "style=" not in text[text.index("<h1>"):]


def test_the_timeline_hides_restricted_milestones_from_other_agencies(client_for, rcmp, cbsa):
    hidden = client_for(rcmp).get(TIMELINE)
    shown = client_for(cbsa).get(TIMELINE)

    assert leaked_titles(hidden) == [] and THREAT_ASSESSMENT in text_of(hidden)
    assert MOU_REVIEW in text_of(shown) and PIA_SUBMITTED in text_of(shown)
    assert text_of(hidden).count("<rect") == 1 and text_of(shown).count("<rect") == 3


def test_the_timeline_filters_by_body(client_for, secretariat):
    assert THREAT_ASSESSMENT not in text_of(client_for(secretariat).get(f"{TIMELINE}?body=CBCF"))
    assert THREAT_ASSESSMENT in text_of(client_for(secretariat).get(f"{TIMELINE}?body=cbftf"))


def test_a_timeline_spans_whole_months_and_marks_today_only_within_them(demo):
    milestones = list(Milestone.objects.filter(body=demo.bodies["CBFTF"]).order_by("due_start"))

    inside = milestone_timeline(milestones, today=datetime.date(2022, 1, 1))
    after = milestone_timeline(milestones, today=datetime.date(2026, 1, 1))

    assert (inside.start, inside.end) == (datetime.date(2021, 4, 1), datetime.date(2022, 7, 1))
    assert inside.today_x == f"{(datetime.date(2022, 1, 1) - inside.start).days / 456 * 100:.2f}%"
    assert after.today_x is None
    assert milestone_timeline([], today=datetime.date(2022, 1, 1)).bars == []


# Query counts ----------------------------------------------------------------------------------------------


def add_february_rows(demo, secretariat, count: int) -> None:
    """More of every kind of calendar entry in February 2022."""
    body, cbsa, atf = demo.bodies["CBFTF"], demo.agencies["CBSA"], demo.agencies["ATF"]
    december = Meeting.objects.get(title_en="CBFTF meeting", start__date=datetime.date(2021, 12, 17))
    for n in range(count):
        day = datetime.date(2022, 2, 1 + n)
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
        meeting_services.meeting_schedule(
            actor=secretariat, body=body, title_en=f"February meeting {n}", start=start,
            end=start + datetime.timedelta(hours=1), time_zone="America/Toronto", invite_agencies=[cbsa, atf],
        )
        meeting_services.action_item_record(
            actor=secretariat, meeting=december, text=f"February action {n}", owner_agency=atf, due_date=day,
        )
        mou_services.step_add(
            actor=secretariat, agreement=mou(), title_en=f"February step {n}", owner_agency=cbsa,
            concurring_agencies=[atf], target_date=day,
        )
        MilestoneFactory(body=body, owner_agency=cbsa, title_en=f"February milestone {n}", due_start=day)


def test_the_calendar_runs_a_fixed_number_of_queries(demo, client_for, atf, secretariat, django_assert_num_queries):
    # ATF: in February 2022 it already has an approval step to follow (the MOU's review), so their concurring
    # agencies are read before the rows are added too.
    client = client_for(atf)
    url = f"{CALENDAR}?month=2022-02"
    client.get(url)
    # 1. the session; 2. the signed-in user; 3. the bodies, for the filter (parent joined); 4. the milestones (body
    # and owner joined); 5. the meetings (body and host joined); 6. the action items the user follows (meeting, body
    # and owner agency joined; their secretariat bodies as a subquery); 7. the approval steps they follow
    # (agreement, body and owner joined; likewise), 8. with their concurring agencies; 9. the user's agency, for
    # the header.
    with django_assert_num_queries(9):
        client.get(url)
    add_february_rows(demo, secretariat, 4)

    with django_assert_num_queries(9):
        response = client.get(url)
    assert all(f"February {kind} 3" in text_of(response) for kind in ("meeting", "action", "step", "milestone"))


def test_the_timeline_runs_a_fixed_number_of_queries(demo, client_for, cbsa, secretariat, django_assert_num_queries):
    client = client_for(cbsa)
    client.get(TIMELINE)
    # 1. the session; 2. the signed-in user; 3. the bodies, for the filter (parent joined); 4. the milestones
    # (body and owner agency joined); 5. the user's agency, for the header.
    with django_assert_num_queries(5):
        client.get(TIMELINE)
    add_february_rows(demo, secretariat, 4)

    with django_assert_num_queries(5):
        response = client.get(TIMELINE)
    assert "February milestone 3" in text_of(response)
