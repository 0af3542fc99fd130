"""The meetings' reads (meetings/selectors.py): who sees which meetings, items, papers, comments, changes, decisions
and action items, on PostgreSQL, with the grants the services make."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from meetings import selectors, services
from meetings.demo import tiny_pdf
from meetings.models import ActionItem, AgendaChange, Meeting, Paper
from members.models import Classification, User

from .conftest import Agenda

GRANTED = ("secretariat", "cbsa", "atf")
NOT_GRANTED = ("rcmp", "hsi", "cbp")


def agenda_titles(user: User, meeting: Meeting) -> list[str]:
    return [item.title_en for item in selectors.agenda_items(actor=user, meeting=meeting)]


def upload(secretariat: User, item, title: str, classification: int = Classification.UNCLASSIFIED) -> Paper:
    return services.paper_upload(
        actor=secretariat, item=item, title=title, classification=classification,
        upload=SimpleUploadedFile(f"{title}.pdf", tiny_pdf(title)),
    )


@pytest.fixture
def papered(circulated, secretariat, cbsa) -> Agenda:
    """The circulated agenda with a paper and a comment on each item."""
    upload(secretariat, circulated.roundtable, "Seizure statistics")
    upload(secretariat, circulated.mou, "MOU status note")
    services.comment_add(actor=cbsa, item=circulated.roundtable, text="CBSA will present Q3 figures.")
    services.comment_add(actor=cbsa, item=circulated.mou, text="The PIA is under way.")
    return circulated


# Meetings --------------------------------------------------------------------------------------


def test_upcoming_and_past_meetings_are_listed_apart(meeting, past_meeting, cbsa):
    upcoming = set(selectors.meeting_list(actor=cbsa, upcoming=True).values_list("pk", flat=True))
    past = list(selectors.meeting_list(actor=cbsa, upcoming=False))

    assert meeting.pk in upcoming and past_meeting.pk not in upcoming
    assert past_meeting in past and meeting not in past
    assert [m.start for m in past] == sorted((m.start for m in past), reverse=True)
    assert all(m.end < timezone.now() for m in past)


def test_meetings_are_listed_by_body(meeting, demo, secretariat):
    assert meeting in selectors.meeting_list(actor=secretariat, body=demo.bodies["CBFTF"])
    assert meeting not in selectors.meeting_list(actor=secretariat, body=demo.bodies["CBCF"])


def test_each_person_sees_only_their_own_answer(meeting, cbsa, atf):
    services.rsvp_set(actor=cbsa, meeting=meeting, response="declined")

    assert selectors.meeting_list(actor=cbsa).get(pk=meeting.pk).my_rsvp == "declined"
    assert selectors.meeting_list(actor=atf).get(pk=meeting.pk).my_rsvp is None


def test_invited_people_are_the_body_members_of_invited_agencies_and_those_named(schedule, rcmp, secretariat):
    meeting = schedule(invite=("ATF", "HSI"), invite_people=[rcmp])

    people = {p.username for p in selectors.invited_people(actor=secretariat, meeting=meeting)}

    assert people == {"atf", "hsi", "rcmp"}


def test_meeting_list_costs_one_query_however_many_meetings(schedule, cbsa, django_assert_num_queries):
    for days in range(3, 8):
        schedule(days=days)

    # 1. the actor's meetings with body, host agency and the actor's RSVP
    with django_assert_num_queries(1):
        meetings = list(selectors.meeting_list(actor=cbsa, upcoming=True))
        assert [m.body.acronym for m in meetings] and [m.host_agency for m in meetings]


def test_agendas_to_review_are_upcoming_circulated_agendas_only(circulated, meeting, past_meeting, schedule,
                                                                add_item, secretariat, rcmp):
    cancelled = schedule(days=9)
    add_item(cancelled, "Item")
    services.agenda_circulate(actor=secretariat, meeting=cancelled)
    services.meeting_cancel(actor=secretariat, meeting=cancelled, reason="Postponed.")
    draft = schedule(days=10)

    to_review = list(selectors.agendas_to_review(actor=rcmp))

    assert circulated.meeting in to_review
    assert cancelled not in to_review and draft not in to_review and past_meeting not in to_review


# Restricted items ------------------------------------------------------------------------------


@pytest.mark.parametrize("username", GRANTED)
def test_agencies_named_on_a_restricted_item_see_it(circulated, demo, username):
    user = demo.users[username]

    assert agenda_titles(user, circulated.meeting) == ["Roundtable", "CBSA–ATF MOU: status"]
    assert selectors.agenda_item_get(actor=user, pk=circulated.mou.pk) == circulated.mou


@pytest.mark.parametrize("username", NOT_GRANTED)
def test_it_hides_restricted_items_from_other_agencies(circulated, demo, username):
    user = demo.users[username]

    assert agenda_titles(user, circulated.meeting) == ["Roundtable"]
    with pytest.raises(Http404):
        selectors.agenda_item_get(actor=user, pk=circulated.mou.pk)


@pytest.mark.parametrize("username", GRANTED)
def test_papers_and_comments_of_a_restricted_item_are_shown_to_its_agencies(papered, demo, username):
    user = demo.users[username]
    items = {i.title_en: i for i in selectors.agenda_items(actor=user, meeting=papered.meeting)}

    mou = items["CBSA–ATF MOU: status"]
    assert [p.title for p in mou.visible_papers] == ["MOU status note"]
    assert mou.comment_count == 1
    assert [c.text for c in selectors.item_comments(actor=user, item=papered.mou)] == ["The PIA is under way."]
    assert [p.title for p in selectors.item_papers(actor=user, item=papered.mou)] == ["MOU status note"]


@pytest.mark.parametrize("username", NOT_GRANTED)
def test_it_hides_papers_and_comments_of_a_restricted_item_from_other_agencies(papered, demo, username):
    user = demo.users[username]
    mou_paper = Paper.objects.get(item=papered.mou)

    assert list(selectors.item_comments(actor=user, item=papered.mou)) == []
    assert list(selectors.item_papers(actor=user, item=papered.mou)) == []
    with pytest.raises(Http404):
        selectors.paper_get(actor=user, pk=mou_paper.pk)
    [roundtable] = selectors.agenda_items(actor=user, meeting=papered.meeting)
    assert [p.title for p in roundtable.visible_papers] == ["Seizure statistics"]
    assert roundtable.comment_count == 1


def test_an_item_without_comments_counts_zero(circulated, rcmp):
    [roundtable] = selectors.agenda_items(actor=rcmp, meeting=circulated.meeting)

    assert roundtable.comment_count == 0


@pytest.mark.parametrize("username", NOT_GRANTED)
def test_changes_to_a_restricted_item_are_hidden_from_other_agencies(circulated, secretariat, demo, username):
    mou, roundtable = circulated.mou, circulated.roundtable
    services.agenda_item_update(actor=secretariat, item=mou, version=mou.version, title_en="MOU: PIA timeline")
    services.agenda_item_update(
        actor=secretariat, item=roundtable, version=roundtable.version, description="Each agency, five minutes.")

    shown = [(c.item_id, c.kind) for c in selectors.agenda_changes(actor=demo.users[username], meeting=mou.meeting)]
    assert shown == [(roundtable.pk, AgendaChange.Kind.EDITED)]
    granted = {(c.item_id, c.kind) for c in selectors.agenda_changes(actor=demo.users["atf"], meeting=mou.meeting)}
    assert granted == {(roundtable.pk, AgendaChange.Kind.EDITED), (mou.pk, AgendaChange.Kind.EDITED)}


def test_the_agenda_costs_two_queries_however_many_items_papers_and_comments(
    papered, secretariat, add_item, cbsa, django_assert_num_queries
):
    for n in range(3):
        item = add_item(papered.meeting, f"Extra item {n}")
        upload(secretariat, item, f"Extra paper {n}")
        services.comment_add(actor=cbsa, item=item, text="Noted.")

    # 1. the visible items with presenter, agency and visible comment counts; 2. their visible papers
    with django_assert_num_queries(2):
        items = list(selectors.agenda_items(actor=cbsa, meeting=papered.meeting))
        assert all(i.visible_papers and i.comment_count == 1 for i in items)


# Papers and clearance --------------------------------------------------------------------------


@pytest.fixture
def protected_b(circulated, secretariat) -> Paper:
    """A Protected B paper on the body-wide roundtable."""
    return upload(secretariat, circulated.roundtable, "Tactical assessment", Classification.PROTECTED_B)


@pytest.mark.parametrize("username", ["hsi", "cbp"])
def test_a_paper_above_the_reader_s_clearance_is_hidden(protected_b, circulated, demo, username):
    user = demo.users[username]
    assert user.clearance == Classification.PROTECTED_A

    [roundtable] = selectors.agenda_items(actor=user, meeting=circulated.meeting)
    assert roundtable.visible_papers == []
    assert list(selectors.item_papers(actor=user, item=circulated.roundtable)) == []
    with pytest.raises(Http404):
        selectors.paper_get(actor=user, pk=protected_b.pk)


@pytest.mark.parametrize("username", ["rcmp", "cbsa", "atf", "secretariat"])
def test_a_paper_at_or_below_the_reader_s_clearance_is_shown(protected_b, circulated, demo, username):
    user = demo.users[username]
    assert user.clearance == Classification.PROTECTED_B

    roundtable = selectors.agenda_items(actor=user, meeting=circulated.meeting).get(pk=circulated.roundtable.pk)
    assert [p.title for p in roundtable.visible_papers] == ["Tactical assessment"]
    assert selectors.paper_get(actor=user, pk=protected_b.pk) == protected_b


def test_a_protected_a_paper_is_shown_to_protected_a_readers(circulated, secretariat, hsi):
    paper = upload(secretariat, circulated.roundtable, "Contact list", Classification.PROTECTED_A)

    assert selectors.paper_get(actor=hsi, pk=paper.pk) == paper


def test_papers_of_a_draft_agenda_are_hidden_from_members(meeting, add_item, secretariat, cbsa):
    paper = upload(secretariat, add_item(meeting, "Opening"), "Welcome note")

    with pytest.raises(Http404):
        selectors.paper_get(actor=cbsa, pk=paper.pk)
    assert selectors.paper_get(actor=secretariat, pk=paper.pk) == paper


# Decisions and action items --------------------------------------------------------------------


@pytest.fixture
def record(past_meeting, add_item, secretariat, demo, cbsa, atf, hsi):
    """A meeting held three days ago with three action items due at different dates, and a decision."""
    item = add_item(past_meeting, "Joint Border Threat Assessment", presenter_agency=demo.agencies["HSI"])
    services.agenda_circulate(actor=secretariat, meeting=past_meeting)
    today = timezone.localdate()
    actions = {
        "overdue": services.action_item_record(
            actor=secretariat, meeting=past_meeting, item=item, owner=cbsa, owner_agency=demo.agencies["CBSA"],
            due_date=today - datetime.timedelta(days=1), text="Draft outline",
        ),
        "soon": services.action_item_record(
            actor=secretariat, meeting=past_meeting, owner=atf, owner_agency=demo.agencies["ATF"],
            due_date=today + datetime.timedelta(days=10), text="Trace data",
        ),
        "later": services.action_item_record(
            actor=secretariat, meeting=past_meeting, owner_agency=demo.agencies["HSI"],
            due_date=today + datetime.timedelta(days=40), text="Points of contact",
        ),
        "undated": services.action_item_record(
            actor=secretariat, meeting=past_meeting, owner=hsi, owner_agency=demo.agencies["HSI"], text="Someday",
        ),
    }
    decision = services.decision_record(actor=secretariat, meeting=past_meeting, item=item, text="Issue in Spring.")
    services.minutes_approve(actor=secretariat, meeting=past_meeting)
    return actions, decision


def register(actor: User, actions: dict[str, ActionItem], **filters) -> list[str]:
    """The names of this test's action items in the register, in its order."""
    names = {action.pk: name for name, action in actions.items()}
    shown = selectors.action_register(actor=actor, filters=selectors.RegisterFilter(**filters))
    return [names[a.pk] for a in shown if a.pk in names]


def test_the_register_lists_action_items_soonest_due_first(record, rcmp):
    actions, _decision = record

    assert register(rcmp, actions) == ["overdue", "soon", "later", "undated"]


def test_the_register_filters_by_body(record, rcmp, demo):
    actions, _decision = record

    assert register(rcmp, actions, body=demo.bodies["CBFTF"]) == ["overdue", "soon", "later", "undated"]
    assert register(rcmp, actions, body=demo.bodies["CBCF"]) == []


def test_the_register_filters_by_owner_agency(record, rcmp, demo):
    actions, _decision = record

    assert register(rcmp, actions, agency=demo.agencies["HSI"]) == ["later", "undated"]
    shown = selectors.action_register(actor=rcmp, filters=selectors.RegisterFilter(agency=demo.agencies["HSI"]))
    assert {a.owner_agency.acronym for a in shown} == {"HSI"}


def test_the_register_filters_by_owner(record, rcmp, atf):
    actions, _decision = record

    assert register(rcmp, actions, owner=atf) == ["soon"]
    assert {a.owner for a in selectors.action_register(actor=rcmp, filters=selectors.RegisterFilter(owner=atf))} == {
        atf}


def test_the_register_filters_by_status(record, rcmp, cbsa):
    actions, _decision = record
    services.action_item_set_status(actor=cbsa, action=actions["overdue"], status="done")

    assert register(rcmp, actions, status="done") == ["overdue"]
    assert register(rcmp, actions, status="open") == ["soon", "later", "undated"]


def test_the_register_filters_by_due_dates(record, rcmp):
    actions, _decision = record
    today = timezone.localdate()

    assert register(rcmp, actions, due_from=today) == ["soon", "later"]
    assert register(rcmp, actions, due_to=today) == ["overdue"]
    assert register(rcmp, actions, due_from=today, due_to=today + datetime.timedelta(days=10)) == ["soon"]


def test_an_open_action_past_its_due_date_is_overdue(record, rcmp, cbsa):
    actions, _decision = record
    shown = {a.pk: a for a in selectors.action_register(actor=rcmp)}

    assert shown[actions["overdue"].pk].is_overdue
    assert not shown[actions["soon"].pk].is_overdue
    assert not shown[actions["undated"].pk].is_overdue

    services.action_item_set_status(actor=cbsa, action=actions["overdue"], status="done")
    assert not selectors.action_item_get(actor=rcmp, pk=actions["overdue"].pk).is_overdue


def test_my_action_items_are_my_open_ones(record, cbsa, hsi):
    actions, _decision = record

    assert list(selectors.my_action_items(actor=cbsa)).count(actions["overdue"]) == 1
    mine = set(selectors.my_action_items(actor=hsi))
    assert actions["undated"] in mine
    assert actions["later"] not in mine  # owned by HSI, not by anyone named


def test_the_register_hides_action_items_of_meetings_the_reader_cannot_see(record, dea, outsider):
    actions, decision = record

    for person in (dea, outsider):
        assert register(person, actions) == []
        assert decision not in selectors.decision_register(actor=person)


def test_decisions_are_filtered_by_the_presenting_or_hosting_agency(record, rcmp, demo):
    _actions, decision = record

    assert decision in selectors.decision_register(
        actor=rcmp, filters=selectors.RegisterFilter(agency=demo.agencies["HSI"]))
    assert decision not in selectors.decision_register(
        actor=rcmp, filters=selectors.RegisterFilter(agency=demo.agencies["RCMP"]))


def test_the_register_costs_one_query_however_many_actions(record, rcmp, django_assert_num_queries):
    # 1. visible action items with meeting, body, owner, owner agency and source item
    with django_assert_num_queries(1):
        shown = list(selectors.action_register(actor=rcmp))
        assert [(a.meeting.body.acronym, a.owner_agency.acronym, a.item) for a in shown]


# Attendance ------------------------------------------------------------------------------------


def test_attendance_is_hidden_from_those_who_cannot_see_the_meeting(schedule, secretariat, cbsa, rcmp):
    meeting = schedule(days=-2, invite=("CBSA",))
    services.attendance_record(actor=secretariat, meeting=meeting, present={cbsa: "in_person"})

    assert [a.user for a in selectors.attendance(actor=cbsa, meeting=meeting)] == [cbsa]
    assert list(selectors.attendance(actor=rcmp, meeting=meeting)) == []
    assert selectors.quorum(actor=rcmp, meeting=meeting).agencies_present == 0
