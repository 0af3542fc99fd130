"""French writes the first day of a month as an ordinal, "1er juin 2027", and every other day as a number:
"10 juin 2027", never "10er". Read where French readers read dates: the pages (the templates' `date` filter),
what Python writes into labels and messages (taskforce/dates.py), and the calendar. English keeps its own
"June 1, 2027"; machine dates (ISO in `<time datetime>`) keep theirs."""

import datetime
import re

import pytest
from django.utils import translation

from meetings import services as meeting_services
from notifications import deadlines
from notifications.models import Reminder
from taskforce import dates
from taskforce.demo import Timeline
from tests.support.factories import MilestoneFactory
from tests.support.scenario import page, page_fr, text_of

FIRST = datetime.datetime(2027, 6, 1, 10, 0)


@pytest.mark.parametrize(("day", "format", "french", "english"), [
    (1, "DATE_FORMAT", "1er juin 2027", "June 1, 2027"),
    (1, "DATETIME_FORMAT", "1er juin 2027 à 10\u00a0h\u00a000", "June 1, 2027, 10 a.m."),
    (1, "MONTH_DAY_FORMAT", "1er juin", "June 1"),
    (1, "j N", "1er juin", "1 June"),
    (1, "l j F Y", "mardi 1er juin 2027", "Tuesday 1 June 2027"),
    (10, "DATE_FORMAT", "10 juin 2027", "June 10, 2027"),
    (10, "DATETIME_FORMAT", "10 juin 2027 à 10\u00a0h\u00a000", "June 10, 2027, 10 a.m."),
    (21, "DATE_FORMAT", "21 juin 2027", "June 21, 2027"),
    (21, "MONTH_DAY_FORMAT", "21 juin", "June 21"),
    # A number alone (a calendar grid's), a numeric month, a padded day and ISO take no ordinal.
    (1, "j", "1", "1"),
    (1, "j/n/Y", "1/6/2027", "1/6/2027"),
    (1, "d F Y", "01 juin 2027", "01 June 2027"),
    (1, "Y-m-d", "2027-06-01", "2027-06-01"),
    # An escaped "j" is a letter, not the day.
    (1, r"\j j F", "j 1er juin", "j 1 June"),
])
def test_french_writes_the_first_of_a_month_as_1er_and_no_other_day(day, format, french, english):
    moment = FIRST.replace(day=day)

    with translation.override("fr"):
        assert dates.date_format(moment, format) == french
    with translation.override("en"):
        assert dates.date_format(moment, format) == english


def test_every_template_s_date_filter_writes_1er_without_loading_anything():
    from django.template import engines

    template = engines["django"].from_string('{{ day|date:"DATE_FORMAT" }} · {{ tenth|date:"MONTH_DAY_FORMAT" }}')
    context = {"day": datetime.date(2027, 6, 1), "tenth": datetime.date(2027, 6, 10)}

    with translation.override("fr"):
        assert template.render(context) == "1er juin 2027 · 10 juin"
    with translation.override("en"):
        assert template.render(context) == "June 1, 2027 · June 10"


@pytest.mark.parametrize(("day", "french", "english"), [
    (1, "mardi 1er juin 2027", "Tuesday, June 1, 2027"),
    (10, "jeudi 10 juin 2027", "Thursday, June 10, 2027"),
    (21, "lundi 21 juin 2027", "Monday, June 21, 2027"),
])
def test_a_french_meeting_page_dates_the_meeting_with_1er_on_the_first_only(
    demo, client_for, secretariat, rcmp, day, french, english
):
    start = datetime.datetime(2027, 6, day, 14, 0, tzinfo=datetime.UTC)
    meeting = meeting_services.meeting_schedule(
        actor=secretariat, body=demo.bodies["CBFTF"], title_en="Border firearms workshop", start=start,
        end=start + datetime.timedelta(hours=1), time_zone="America/Toronto",
        invite_agencies=[demo.agencies["CBSA"], demo.agencies["RCMP"]],
    )

    text = text_of(client_for(rcmp).get(page_fr("meeting-detail", meeting.pk)))

    assert f"{french}, 10\u00a0h\u00a000–11\u00a0h\u00a000 HAE" in text
    assert not re.search(r"\d\der\b", text)
    # The machine's date stays ISO.
    assert f'<time datetime="2027-06-{day:02}T14:00:00+00:00">' in text
    assert english in text_of(client_for(rcmp).get(page("meeting-detail", meeting.pk)))


def test_a_milestone_due_on_the_first_is_due_on_the_1er_in_french(demo, client_for, cbsa):
    milestone = MilestoneFactory(body=demo.bodies["CBFTF"], owner_agency=demo.agencies["CBSA"],
                                 due_start=datetime.date(2022, 2, 1), due_end=datetime.date(2022, 2, 1))

    french = text_of(client_for(cbsa).get(page_fr("milestone-detail", milestone.pk)))
    english = text_of(client_for(cbsa).get(page("milestone-detail", milestone.pk)))

    assert "1er février 2022" in french and "1 février 2022" not in french
    assert "February 1, 2022" in english and "1er" not in english


def test_the_french_calendar_names_the_first_of_the_month_1er_and_keeps_the_grid_s_number(client_for, cbsa):
    text = text_of(client_for(cbsa).get("/fr/calendar/?month=2021-11"))

    assert ('<span class="portal-calendar-day" aria-hidden="true">1</span>\n'
            '        <span class="portal-calendar-date">lundi 1er novembre 2021</span>') in text
    assert '<span class="portal-calendar-date">mercredi 10 novembre 2021</span>' in text
    assert '<span class="portal-calendar-date">dimanche 21 novembre 2021</span>' in text
    assert not re.search(r"\d\der\b", text)
    english = text_of(client_for(cbsa).get("/en/calendar/?month=2021-11"))
    assert "Monday, November 1, 2021" in english and "1er" not in english


def test_a_french_deadline_reminder_for_the_first_says_1er(demo):
    reminder = Reminder(label="overdue:1")

    with translation.override("fr"):
        assert deadlines.when_phrase(reminder, datetime.date(2022, 2, 1)).endswith("(échéance : 1er février 2022)")
        assert deadlines.when_phrase(reminder, datetime.date(2022, 2, 10)).endswith("(échéance : 10 février 2022)")
    assert deadlines.when_phrase(reminder, datetime.date(2022, 2, 1)) == "is overdue (due February 1, 2022)"


def test_the_demo_story_spells_a_first_of_the_month_with_1er_in_its_french_texts():
    assert Timeline.spell(datetime.date(2022, 2, 1), "fr") == "1er février 2022"
    assert Timeline.spell(datetime.date(2022, 2, 1), "en") == "February 1, 2022"
