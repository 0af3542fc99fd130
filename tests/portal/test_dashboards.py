"""The home page as a dashboard: a member's next meetings, reviews, action items and what comes due; the
secretariat's meetings to prepare, missing answers and minutes, overdue work and the milestone timeline.

Read as each persona reads the page, on the demo scenario (dated 2021–2022, so its open work is overdue now).
"""

import datetime

import pytest
from django.utils import timezone

from meetings import services as meeting_services
from meetings.models import ActionItem, AgendaItem, Meeting, Rsvp
from mou import services as mou_services
from mou.models import Agreement
from notifications.models import Notification
from tests.support.factories import MilestoneFactory
from tests.support.scenario import MOU_REVIEW, PIA_SUBMITTED, leaked_titles, page, text_of

HOME = "/en/"
# The inaugural meeting's action items: CBSA's is done; ATF's and HSI's are open, and overdue.
DONE_ACTION = "Circulate a draft outline of the Joint Border Threat Assessment."
ATF_ACTION = "Provide a summary of firearms trace data for the assessment."
HSI_ACTION = "Name HSI points of contact for cross-border firearms cases."
# The CBSA–ATF MOU's dated approval steps, both overdue: one ATF's, one CBSA's.
ATF_REVIEW_STEP = "Shared with ATF for review"
PIA_STEP = "PIA submitted to the Office of the Privacy Commissioner"
MOU_ITEM = "CBSA–ATF MOU on direct information sharing: status"


def section(text: str, heading: str, next_heading: str | None = None) -> str:
    """The part of the page from one heading to the next one named (or to the end)."""
    start = text.index(heading)
    return text[start:text.index(next_heading, start)] if next_heading else text[start:]


def secretariat_part(text: str) -> str:
    return section(text, "For the secretariat", "Unread notifications" if "Unread notifications" in text
                   else "Next meetings")


def regular_meeting() -> Meeting:
    """The demo's upcoming meeting, three weeks out: its agenda is still a draft and nobody has answered."""
    return Meeting.objects.get(title_en="CBFTF regular meeting")


def december() -> Meeting:
    return Meeting.objects.get(title_en="CBFTF meeting", start__date=datetime.date(2021, 12, 17))


def mou() -> Agreement:
    return Agreement.objects.get(kind=Agreement.Kind.MOU, parties__acronym="ATF")


# The secretariat's home ------------------------------------------------------------------------------------


def test_the_secretariat_sees_the_inaugural_meetings_open_action_items_by_agency(client_for, secretariat):
    text = text_of(client_for(secretariat).get(HOME))

    overdue = section(secretariat_part(text), "Overdue action items by agency", "Agreements by workflow stage")
    assert "(2)" in overdue.splitlines()[0]
    # How many each agency has, then one table, by agency.
    assert "<strong>ATF</strong> 1 · <strong>HSI</strong> 1" in overdue
    assert ATF_ACTION in overdue and HSI_ACTION in overdue
    assert overdue.index(ATF_ACTION) < overdue.index("(ATF)") < overdue.index(HSI_ACTION) < overdue.index("(HSI)")
    assert DONE_ACTION not in overdue
    assert "CBFTF inaugural meeting" in overdue


def test_the_secretariat_sees_the_mous_overdue_steps(client_for, secretariat):
    text = text_of(client_for(secretariat).get(HOME))

    steps = section(secretariat_part(text), "Overdue approval steps", "Milestones on a timeline")
    assert ATF_REVIEW_STEP in steps and PIA_STEP in steps
    assert "Before" not in steps  # the target dates are shown as dates
    assert "February 15, 2022" in steps and "March 31, 2022" in steps
    stages = section(secretariat_part(text), "Agreements by workflow stage", "Overdue approval steps")
    assert "2 overdue steps" in stages and mou().short_name in stages


def test_agreements_are_grouped_by_stage_in_workflow_order(client_for, secretariat):
    text = section(text_of(client_for(secretariat).get(HOME)), "Agreements by workflow stage", "Overdue approval steps")

    labels = [label for label in ("Drafting", "In approval", "Signed", "In force") if label in text]
    assert labels == sorted(labels, key=text.index) and "In force" in labels
    assert "CMAA" in section(text, "In force")


def test_the_secretariat_sees_meetings_whose_agenda_is_not_circulated_within_the_days_chosen(client_for, secretariat):
    client = client_for(secretariat)
    meeting = regular_meeting()
    days_out = (timezone.localdate(meeting.start) - timezone.localdate()).days

    near = section(text_of(client.get(f"{HOME}?days={days_out + 1}")), "Agendas not yet circulated", "Answers missing")
    far = section(text_of(client.get(f"{HOME}?days={days_out - 2}")), "Agendas not yet circulated", "Answers missing")

    assert "CBFTF regular meeting" in near and f"next {days_out + 1} days" in near
    assert "CBFTF regular meeting" not in far and "Every agenda in that period is circulated." in far


def test_the_look_ahead_defaults_to_the_setting_and_stays_within_a_year(client_for, secretariat, settings):
    settings.DASHBOARD_AGENDA_DAYS = 30
    client = client_for(secretariat)

    assert 'value="30"' in text_of(client.get(HOME))
    assert 'value="365"' in text_of(client.get(f"{HOME}?days=100000"))
    assert 'value="30"' in text_of(client.get(f"{HOME}?days=soon"))


def test_the_secretariat_sees_how_many_invitees_have_not_answered(client_for, secretariat, rcmp, cbsa):
    client = client_for(secretariat)
    meeting = regular_meeting()
    before = section(text_of(client.get(f"{HOME}?days=60")), "Answers missing", "Minutes not yet approved")
    unanswered = int(before.split("CBFTF regular meeting")[1].split("invitees have not answered")[0].split(":")[-1])

    meeting_services.rsvp_set(actor=rcmp, meeting=meeting, response=Rsvp.Response.IN_PERSON)
    meeting_services.rsvp_set(actor=cbsa, meeting=meeting, response=Rsvp.Response.DECLINED)
    after = section(text_of(client.get(f"{HOME}?days=60")), "Answers missing", "Minutes not yet approved")

    assert unanswered >= 2
    assert f"{unanswered - 2} invitee" in after.split("CBFTF regular meeting")[1]


def test_the_secretariat_sees_past_meetings_whose_minutes_are_not_approved(client_for, secretariat):
    text = section(text_of(client_for(secretariat).get(HOME)), "Minutes not yet approved", "Overdue action items")

    assert "CBFTF meeting" in text and "December 17, 2021" in text
    assert "CBFTF inaugural meeting" not in text  # its minutes are approved


def test_the_secretariat_sees_the_milestones_on_a_timeline(client_for, secretariat):
    text = section(text_of(client_for(secretariat).get(HOME)), "Milestones on a timeline", "Next meetings")

    assert MOU_REVIEW in text and PIA_SUBMITTED in text and "Joint Border Threat Assessment issued" in text
    assert "<rect" in text and "portal-timeline-bar" in text


@pytest.mark.parametrize("persona", ["cbsa", "atf", "rcmp", "hsi", "cbp", "dea"])
def test_only_the_secretariat_gets_the_secretariat_panels(client_for, demo, persona):
    text = text_of(client_for(demo.users[persona]).get(HOME))

    assert "For the secretariat" not in text and "Overdue approval steps" not in text


# A member's home -------------------------------------------------------------------------------------------


def test_a_member_sees_their_next_meetings_with_their_answer(client_for, rcmp):
    client = client_for(rcmp)
    meeting = regular_meeting()

    before = section(text_of(client.get(HOME)), "Next meetings", "Agendas to review")
    meeting_services.rsvp_set(actor=rcmp, meeting=meeting, response=Rsvp.Response.REMOTE)
    after = section(text_of(client.get(HOME)), "Next meetings", "Agendas to review")

    assert "CBFTF regular meeting" in before and "Not answered yet" in before
    assert page("rsvp", meeting.pk) in before
    assert "Your answer: Attending remotely" in after and "Not answered yet" not in after


def test_a_member_sees_their_own_and_their_agencys_open_action_items_overdue_first(client_for, secretariat, atf):
    meeting = december()
    later = meeting_services.action_item_record(
        actor=secretariat, meeting=meeting, text="Report on trace data quality.", owner_agency=atf.agency,
        due_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    meeting_services.action_item_record(
        actor=secretariat, meeting=meeting, text="Undated follow-up for ATF.", owner_agency=atf.agency,
    )

    text = section(text_of(client_for(atf).get(HOME)), "Your action items", "All action items")

    assert text.index(ATF_ACTION) < text.index(later.text) < text.index("Undated follow-up for ATF.")
    assert "Overdue" in text.split(later.text)[0]
    assert HSI_ACTION not in text and DONE_ACTION not in text


def test_a_done_action_item_leaves_the_members_home(client_for, atf):
    action = ActionItem.objects.get(text=ATF_ACTION)
    meeting_services.action_item_set_status(actor=atf, action=action, status=ActionItem.Status.DONE)

    text = section(text_of(client_for(atf).get(HOME)), "Your action items", "All action items")

    assert ATF_ACTION not in text and "No action items to show." in text


def test_a_member_sees_the_milestones_and_approval_steps_of_their_agency_coming_due(client_for, cbsa, atf, rcmp):
    cbsa_due = section(text_of(client_for(cbsa).get(HOME)), "Milestones and approval steps coming due", "Your action")
    atf_due = section(text_of(client_for(atf).get(HOME)), "Milestones and approval steps coming due", "Your action")
    rcmp_due = section(text_of(client_for(rcmp).get(HOME)), "Milestones and approval steps coming due", "Your action")

    # CBSA owns the three milestones and the PIA step; ATF owns the review step only.
    assert MOU_REVIEW in cbsa_due and PIA_STEP in cbsa_due and ATF_REVIEW_STEP not in cbsa_due
    assert ATF_REVIEW_STEP in atf_due and PIA_STEP not in atf_due and MOU_REVIEW not in atf_due
    assert "Nothing of your agency's is coming due." in rcmp_due


def test_a_milestone_far_in_the_future_is_not_yet_coming_due(client_for, demo, cbsa, settings):
    settings.DASHBOARD_DUE_SOON_DAYS = 30
    MilestoneFactory(body=demo.bodies["CBFTF"], owner_agency=cbsa.agency, title_en="Next year's review",
                     due_start=timezone.localdate() + datetime.timedelta(days=300))
    MilestoneFactory(body=demo.bodies["CBFTF"], owner_agency=cbsa.agency, title_en="Next week's review",
                     due_start=timezone.localdate() + datetime.timedelta(days=7))

    text = section(text_of(client_for(cbsa).get(HOME)), "Milestones and approval steps coming due", "Your action")

    assert "Next week's review" in text and "Next year's review" not in text


def test_a_member_sees_their_unread_notifications(client_for, rcmp):
    Notification.objects.filter(user=rcmp).update(read_at=timezone.now())
    client = client_for(rcmp)
    assert "Unread notifications" not in text_of(client.get(HOME))

    Notification.objects.create(user=rcmp, kind="meeting_invitation", event_key="test", title="You are invited",
                                url="http://testserver/en/meetings/")
    text = section(text_of(client.get(HOME)), "Unread notifications", "Next meetings")

    assert "You are invited" in text and "(1)" in text


# Visibility ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["rcmp", "hsi", "cbp", "dea"])
def test_the_home_page_hides_the_mou_and_its_steps_from_other_agencies(client_for, demo, persona):
    response = client_for(demo.users[persona]).get(HOME)
    text = text_of(response)

    assert leaked_titles(response) == []
    assert ATF_REVIEW_STEP not in text and PIA_STEP not in text and mou().short_name not in text


def test_a_restricted_action_item_is_only_on_the_home_of_the_agencies_it_is_shared_with(
    client_for, secretariat, cbsa, rcmp
):
    mou_item = AgendaItem.objects.get(title_en=MOU_ITEM)
    meeting_services.action_item_record(
        actor=secretariat, meeting=mou_item.meeting, item=mou_item, text="Send the MOU draft to legal services.",
        owner_agency=rcmp.agency, due_date=datetime.date(2022, 1, 10),
    )

    assert "Send the MOU draft to legal services." in text_of(client_for(secretariat).get(HOME))
    # Owned by RCMP, but drawn from an item shared with CBSA and ATF only: RCMP does not see it.
    assert "Send the MOU draft to legal services." not in text_of(client_for(rcmp).get(HOME))


# Query counts ----------------------------------------------------------------------------------------------


def add_work(demo, secretariat, count: int) -> None:
    """More of every kind of row the dashboards list: meetings, action items, steps, milestones, notifications."""
    body, cbsa, atf = demo.bodies["CBFTF"], demo.agencies["CBSA"], demo.agencies["ATF"]
    for n in range(count):
        start = timezone.now() + datetime.timedelta(days=3 + n, hours=1)
        meeting = meeting_services.meeting_schedule(
            actor=secretariat, body=body, title_en=f"Extra meeting {n}", start=start,
            end=start + datetime.timedelta(hours=1), time_zone="America/Toronto", invite_agencies=[cbsa, atf],
        )
        past = december()
        for agency in (cbsa, atf):
            meeting_services.action_item_record(
                actor=secretariat, meeting=past, text=f"Extra action {n} for {agency.acronym}", owner_agency=agency,
                due_date=datetime.date(2022, 1, 1) + datetime.timedelta(days=n),
            )
        mou_services.step_add(
            actor=secretariat, agreement=mou(), title_en=f"Extra step {n}", owner_agency=cbsa,
            concurring_agencies=[atf], target_date=datetime.date(2022, 4, 1) + datetime.timedelta(days=n),
        )
        MilestoneFactory(body=body, owner_agency=cbsa, title_en=f"Extra milestone {n}",
                         due_start=datetime.date(2022, 5, 1) + datetime.timedelta(days=n))
        assert meeting.pk


def circulate_the_next_agenda(secretariat) -> None:
    """So that the member has an agenda to review (the panel reads its items and papers only when there is one)."""
    meeting_services.agenda_circulate(actor=secretariat, meeting=regular_meeting())


def home_queries(client, django_assert_num_queries, expected: int) -> str:
    with django_assert_num_queries(expected):
        response = client.get(HOME)
    return text_of(response)


def test_a_members_home_runs_a_fixed_number_of_queries(demo, client_for, cbsa, secretariat, django_assert_num_queries):
    circulate_the_next_agenda(secretariat)
    client = client_for(cbsa)
    client.get(HOME)
    # 1. the session; 2. the signed-in user; 3. the bodies (parent joined); 4. the milestones; 5. the user's
    # next meetings (body and host joined, their answer as a subquery); 6. the agendas to review; 7. their visible
    # items (papers and comments counted in subqueries) and 8. those items' papers; 9. the user's and their
    # agency's open action items (meeting, body, owner and agency joined); 10. their agency's milestones coming
    # due; 11. their agency's approval steps coming due (agreement and owner joined); 12. the unread notifications
    # and 13. how many there are; 14. whether the user is of any secretariat; 15. the user's agency, for the header.
    home_queries(client, django_assert_num_queries, 16)
    add_work(demo, secretariat, 4)

    text = home_queries(client, django_assert_num_queries, 16)
    assert "Extra meeting 0" in text and "Extra action 3 for CBSA" in text and "Extra step 3" in text


def test_the_secretariats_home_runs_a_fixed_number_of_queries(
    demo, client_for, secretariat, django_assert_num_queries
):
    circulate_the_next_agenda(secretariat)
    client = client_for(secretariat)
    client.get(HOME)
    # The member's 15 above, and for the secretariat: 16. their second factor; 17. the meetings whose agenda is a
    # draft; 18. those some invitees have not answered (the count as a subquery); 19. the minutes to approve;
    # 20. the overdue action items (meeting, body, owner and agency joined); 21. the agreements (overdue steps and
    # latest version as subqueries); 22. the overdue steps (agreement and owner joined); 23. the bodies' milestones.
    home_queries(client, django_assert_num_queries, 24)
    add_work(demo, secretariat, 4)

    text = home_queries(client, django_assert_num_queries, 24)
    assert "Extra action 3 for ATF" in text and "Extra step 3" in text and "Extra milestone 3" in text
