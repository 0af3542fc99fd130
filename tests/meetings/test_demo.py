"""The demo's meetings (meetings/demo.py), as the briefing note tells them and as members see them."""

import datetime

import pytest
from django.utils import timezone

from meetings import selectors
from meetings.models import (
    ActionItem,
    AgendaChange,
    AgendaItem,
    Attendance,
    Comment,
    Decision,
    Invitation,
    Meeting,
    Paper,
    Rsvp,
)
from members.models import Classification
from taskforce import demo as scenario

from .conftest import TORONTO

MOU_ITEM = "CBSA–ATF MOU on direct information sharing: status"


def meeting_on(user, day: datetime.date) -> Meeting:
    [meeting] = [m for m in selectors.meeting_list(actor=user) if m.start.astimezone(TORONTO).date() == day]
    return meeting


@pytest.fixture
def inaugural(secretariat) -> Meeting:
    return meeting_on(secretariat, datetime.date(2021, 11, 10))


@pytest.fixture
def december(secretariat) -> Meeting:
    return meeting_on(secretariat, datetime.date(2021, 12, 17))


def test_the_inaugural_meeting_was_hosted_by_the_us_embassy_in_ottawa(inaugural):
    assert inaugural.title_en == "CBFTF inaugural meeting"
    assert inaugural.start.astimezone(TORONTO).time() == datetime.time(10)
    assert inaugural.host_agency.acronym == "ATF"
    assert "U.S. Embassy in Ottawa" in inaugural.place


def test_the_inaugural_meeting_has_a_final_agenda_and_approved_minutes(inaugural, rcmp):
    assert inaugural.agenda_status == Meeting.AgendaStatus.FINAL
    assert inaugural.minutes_status == Meeting.MinutesStatus.APPROVED
    items = list(selectors.agenda_items(actor=rcmp, meeting=inaugural))
    assert len(items) == 5
    assert items[1].title_en.startswith("Terms of Reference signed August 12, 2021")
    assert all(item.minutes for item in items)


def test_the_inaugural_meeting_records_who_attended(inaugural, cbsa):
    present = {(a.user.username, a.agency.acronym, a.mode) for a in selectors.attendance(actor=cbsa, meeting=inaugural)}

    assert present == {
        ("secretariat", "CBSA", "in_person"), ("cbsa", "CBSA", "in_person"), ("atf", "ATF", "in_person"),
        ("hsi", "HSI", "in_person"), ("rcmp", "RCMP", "in_person"), ("cbp", "CBP", "remote"),
    }
    assert selectors.quorum(actor=cbsa, meeting=inaugural).agencies_present == 5


def test_members_see_the_inaugural_meeting_s_two_decisions(inaugural, cbp):
    decisions = [d.text for d in selectors.decisions(actor=cbp, meeting=inaugural)]

    assert decisions == [
        "The Task Force will issue a Joint Border Threat Assessment in Spring 2022.",
        "The Task Force will next meet on December 17, 2021.",
    ]


def test_the_inaugural_meeting_has_three_action_items_one_done(inaugural, hsi):
    actions = {(a.owner.username, a.status) for a in selectors.action_items(actor=hsi, meeting=inaugural)}

    assert actions == {("cbsa", ActionItem.Status.DONE), ("atf", ActionItem.Status.OPEN), ("hsi", ActionItem.Status.OPEN)}
    [done] = [a for a in selectors.action_items(actor=hsi, meeting=inaugural) if a.status == ActionItem.Status.DONE]
    assert done.completed_at is not None


def test_the_december_meeting_has_a_circulated_agenda_with_the_restricted_mou_item(december, cbsa, atf):
    assert december.agenda_status == Meeting.AgendaStatus.CIRCULATED
    for granted in (cbsa, atf):
        items = {i.title_en: i for i in selectors.agenda_items(actor=granted, meeting=december)}
        assert list(items) == [
            "Adoption of the agenda", "Joint Border Threat Assessment: progress", MOU_ITEM, "Roundtable"]
        assert items[MOU_ITEM].restricted
        [paper] = items[MOU_ITEM].visible_papers
        assert (paper.title, paper.classification, paper.content_type) == (
            "CBSA–ATF MOU status note", Classification.PROTECTED_A, "application/pdf")


@pytest.mark.parametrize("username", ["rcmp", "hsi", "cbp"])
def test_the_december_mou_item_and_its_paper_are_hidden_from_other_agencies(december, demo, username):
    user = demo.users[username]

    titles = [i.title_en for i in selectors.agenda_items(actor=user, meeting=december)]
    assert titles == ["Adoption of the agenda", "Joint Border Threat Assessment: progress", "Roundtable"]
    mou_paper = Paper.objects.get(item__title_en=MOU_ITEM)
    assert not selectors.item_papers(actor=user, item=mou_paper.item).exists()


def test_dea_sees_none_of_the_task_force_s_meetings(dea):
    assert not selectors.meeting_list(actor=dea).filter(body__acronym="CBFTF").exists()


def test_an_upcoming_meeting_has_a_draft_agenda_members_do_not_see_yet(secretariat, cbsa):
    [upcoming] = selectors.meeting_list(actor=cbsa, upcoming=True).filter(title_en="CBFTF regular meeting")

    assert upcoming.start > timezone.now()
    assert upcoming.agenda_status == Meeting.AgendaStatus.DRAFT
    assert [i.title_en for i in selectors.agenda_items(actor=secretariat, meeting=upcoming)] == [
        "Joint Border Threat Assessment: follow-up", "Action items review"]
    assert list(selectors.agenda_items(actor=cbsa, meeting=upcoming)) == []


def test_loading_the_demo_again_creates_nothing_new(demo):
    models = [Meeting, Invitation, AgendaItem, AgendaChange, Paper, Comment, Rsvp, Attendance, Decision, ActionItem]
    before = {model.__name__: model.objects.count() for model in models}

    scenario.load()

    assert {model.__name__: model.objects.count() for model in models} == before
