"""The meeting pages, used as people use them: forms posted, then the next page read as its reader sees it.

The visibility rules are checked on the demo's own restricted item, "CBSA–ATF MOU on direct information
sharing: status" (December 17, 2021), shared with CBSA and ATF only.
"""

import datetime
import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import strip_tags

from meetings import services
from meetings.demo import tiny_pdf
from meetings.models import (
    ActionItem,
    AgendaChange,
    AgendaItem,
    Attendance,
    Comment,
    Decision,
    Meeting,
    MeetingSeries,
    Paper,
    Rsvp,
)
from members.models import Classification
from tests.support.factories import MembershipFactory, UserFactory
from tests.support.scenario import page, text_of

from .conftest import CBFTF_AGENCIES, TORONTO, local_time

MOU_ITEM = "CBSA–ATF MOU on direct information sharing: status"
MOU_PAPER = "CBSA–ATF MOU status note"
# Members of the task force who are not party to the MOU, and DEA, who is in the parent forum only.
NOT_PARTIES = ("rcmp", "hsi", "cbp", "dea")
PARTIES = ("atf", "cbsa")
HX = {"HX-Request": "true"}


def december() -> Meeting:
    return Meeting.objects.get(title_en="CBFTF meeting", start__date=datetime.date(2021, 12, 17))


def upcoming_demo_meeting() -> Meeting:
    """The demo's next regular meeting: its agenda is still a draft."""
    return Meeting.objects.get(title_en="CBFTF regular meeting")


def mou_item() -> AgendaItem:
    return AgendaItem.objects.get(title_en=MOU_ITEM)


def form_time(moment: datetime.datetime) -> str:
    """A moment as the schedule form takes it: the wall-clock time in Ottawa."""
    return moment.astimezone(TORONTO).strftime("%Y-%m-%dT%H:%M")


def pks(demo, *acronyms: str) -> list[int]:
    return [demo.agencies[acronym].pk for acronym in acronyms]


def pdf_upload(name: str = "annex.pdf", text: str = "Annex") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, tiny_pdf(text), content_type="application/pdf")


def read(response) -> str:
    """The words of a page, as a screen shows them: no markup, one space between words."""
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


def follow(client: Client, response) -> str:
    """The page a redirect leads to, as its reader sees it."""
    assert response.status_code == 302, text_of(response)[:2000]
    landed = client.get(response.url)
    assert landed.status_code == 200
    return text_of(landed)


# Scheduling --------------------------------------------------------------------------------------------


def schedule_form(demo, **overrides) -> dict:
    return {
        "title_en": "Border firearms workshop",
        "title_fr": "Atelier sur les armes à feu à la frontière",
        "start": "2030-03-04T10:00",
        "end": "2030-03-04T11:30",
        "time_zone": "America/Vancouver",
        "host_agency": demo.agencies["RCMP"].pk,
        "place": "RCMP E Division, Surrey",
        "virtual_link": "https://meet.example.org/workshop",
        "invite_agencies": pks(demo, "CBSA", "RCMP"),
        "invite_people": [demo.users["atf"].pk],
        **overrides,
    }


def test_the_secretariat_schedules_a_meeting_that_each_invitee_sees_in_their_own_time_zone(
    demo, client_for, secretariat, rcmp, atf
):
    client = client_for(secretariat)
    form = client.get(page("meeting-create") + "?body=CBFTF")
    assert form.status_code == 200

    response = client.post(page("meeting-create") + "?body=CBFTF", schedule_form(demo))

    text = follow(client, response)
    assert "Meeting scheduled." in text
    assert "Border firearms workshop" in text
    # 10:00 in Vancouver is 13:00 in Ottawa, where the secretariat works; the meeting's own time is shown too.
    assert "Monday, March 4, 2030, 1 p.m.–2:30 p.m. EST" in text
    assert "(March 4, 10 a.m.–11:30 a.m. PST in America/Vancouver, where it is held)" in text
    assert "RCMP E Division, Surrey" in text
    meeting = Meeting.objects.get(title_en="Border firearms workshop")
    assert meeting.start == datetime.datetime(2030, 3, 4, 18, 0, tzinfo=datetime.UTC)
    # RCMP is invited as an agency, ATF's member by name; HSI is not invited at all.
    assert "Border firearms workshop" in text_of(client_for(rcmp).get(page("meeting-list")))
    assert client_for(atf).get(page("meeting-detail", meeting.pk)).status_code == 200
    assert client_for(demo.users["hsi"]).get(page("meeting-detail", meeting.pk)).status_code == 404


def test_the_time_zone_list_offers_the_common_zones_first(client_for, secretariat):
    html = client_for(secretariat).get(page("meeting-create") + "?body=CBFTF").content.decode()

    common = html.index('<optgroup label="Common time zones">')
    rest = html.index('<optgroup label="All time zones">')
    for zone in ["America/Toronto", "America/New_York", "America/Vancouver", "America/Chicago",
                 "America/Los_Angeles", "America/Halifax", "UTC"]:
        assert common < html.index(f'<option value="{zone}"') < rest
    assert rest < html.index('<option value="Europe/Paris"')
    # The secretariat's own zone is chosen to begin with.
    assert 'value="America/Toronto"' in html[html.index("id=\"id_time_zone\""):common]


@pytest.mark.parametrize(
    ("start", "message"),
    [
        # Clocks in Ottawa go from 2:00 to 3:00 on March 10, 2030, and back from 2:00 to 1:00 on November 3.
        ("2030-03-10T02:30", "does not exist in America/Toronto: the clocks move forward an hour that night"),
        ("2030-11-03T01:30", "happens twice in America/Toronto: the clocks go back an hour that night"),
    ],
)
def test_a_wall_time_that_a_clock_change_skips_or_repeats_is_refused_clearly(
    demo, client_for, secretariat, start, message
):
    data = schedule_form(demo, start=start, end=start[:11] + "04:00", time_zone="America/Toronto")

    response = client_for(secretariat).post(page("meeting-create") + "?body=CBFTF", data)

    assert response.status_code == 200
    text = text_of(response)
    assert message in text
    assert '<a href="#id_start" data-focus="id_start">Starts:' in text  # in the summary, linking to the field
    assert message in text.split('<label for="id_start"')[1].split("</div>")[0]  # and next to the field
    assert not Meeting.objects.filter(title_en="Border firearms workshop").exists()


def test_a_refusal_from_the_service_is_shown_on_its_field_and_the_input_is_kept(demo, client_for, secretariat):
    data = schedule_form(demo, start="2030-03-04T10:00", end="2030-03-04T09:00")

    response = client_for(secretariat).post(page("meeting-create") + "?body=CBFTF", data)

    text = text_of(response)
    assert response.status_code == 200
    assert 'role="alert"' in text
    assert '<a href="#id_end" data-focus="id_end">Ends: The meeting must end after it starts.</a>' in text
    assert 'value="Border firearms workshop"' in text
    assert 'value="2030-03-04T09:00"' in text
    assert not Meeting.objects.filter(title_en="Border firearms workshop").exists()


def test_the_schedule_form_offers_only_the_bodys_agencies_and_people(client_for, secretariat):
    text = text_of(client_for(secretariat).get(page("meeting-create") + "?body=CBFTF"))

    for acronym in CBFTF_AGENCIES:
        assert f"{acronym} — " in text
    assert "DEA — " not in text  # the forum's agency, not the task force's
    assert "James Carter" not in text


def test_a_secretariat_of_two_bodies_chooses_the_body_first(client_for, secretariat):
    response = client_for(secretariat).get(page("meeting-create"))

    text = text_of(response)
    assert '<option value="CBCF"' in text and '<option value="CBFTF"' in text
    assert 'method="get"' in text


def test_rescheduling_needs_a_reason_that_invitees_then_read(client_for, secretariat, rcmp, meeting):
    client = client_for(secretariat)
    url = page("meeting-edit", meeting.pk)
    form = text_of(client.get(url))
    assert f'value="{form_time(meeting.start)}"' in form
    later = meeting.start + datetime.timedelta(days=1)
    data = {
        "title_en": meeting.title_en, "title_fr": "", "time_zone": meeting.time_zone,
        "start": form_time(later), "end": form_time(later + datetime.timedelta(hours=2)),
        "host_agency": "", "place": "", "virtual_link": "", "reason": "",
        "invite_agencies": [i.agency_id for i in meeting.invitations.all()],
    }

    refused = client.post(url, data)
    moved = client.post(url, {**data, "reason": "The co-chairs are travelling that day."})

    assert "Say why the meeting is moving; invitees will see it." in text_of(refused)
    follow(client, moved)
    seen_by_rcmp = text_of(client_for(rcmp).get(page("meeting-detail", meeting.pk)))
    assert "This meeting was moved" in seen_by_rcmp
    assert "The co-chairs are travelling that day." in seen_by_rcmp
    assert Meeting.objects.get(pk=meeting.pk).start == later


def test_cancelling_keeps_the_meeting_with_its_reason_for_invitees(client_for, secretariat, rcmp, meeting):
    client = client_for(secretariat)
    url = page("meeting-cancel", meeting.pk)

    refused = client.post(url, {"reason": ""})
    cancelled = client.post(url, {"reason": "No quorum: most members are at the CBCF plenary."})

    assert refused.status_code == 200 and "This field is required." in text_of(refused)
    assert "Meeting cancelled. Invitees see the reason." in follow(client, cancelled)
    seen_by_rcmp = client_for(rcmp)
    detail = text_of(seen_by_rcmp.get(page("meeting-detail", meeting.pk)))
    assert "This meeting is cancelled" in detail
    assert "No quorum: most members are at the CBCF plenary." in detail
    assert "Cancelled" in text_of(seen_by_rcmp.get(page("meeting-list")))
    assert "Save my answer" not in detail


def test_the_secretariat_schedules_monthly_meetings_at_the_same_local_time(demo, client_for, secretariat):
    client = client_for(secretariat)
    data = {
        "title_en": "CBFTF monthly call", "title_fr": "", "time_zone": "America/Toronto",
        "first_start": "2030-01-15T10:00", "first_end": "2030-01-15T11:00",
        "frequency": MeetingSeries.Frequency.MONTHLY, "interval": 1, "count": 4,
        "host_agency": "", "place": "", "virtual_link": "https://meet.example.org/monthly",
        "invite_agencies": pks(demo, *CBFTF_AGENCIES),
    }

    response = client.post(page("series-create") + "?body=CBFTF", data)

    text = follow(client, response)
    assert "4 meetings scheduled: CBFTF monthly call." in text
    meetings = Meeting.objects.filter(title_en="CBFTF monthly call").order_by("start")
    # 10:00 in Ottawa, before and after the clocks change on March 10.
    assert [m.start.astimezone(TORONTO).strftime("%m-%d %H:%M") for m in meetings] == [
        "01-15 10:00", "02-15 10:00", "03-15 10:00", "04-15 10:00"]
    assert "Tuesday, January 15, 2030, 10 a.m.–11 a.m. EST" in text
    assert "Friday, March 15, 2030, 10 a.m.–11 a.m. EDT" in text


# The agenda -------------------------------------------------------------------------------------------


def item_form(demo, **overrides) -> dict:
    return {
        "title_en": "Seizures at Pacific Highway: debrief",
        "title_fr": "Saisies à Pacific Highway : bilan",
        "description": "What the last quarter's seizures tell us.",
        "presenter": demo.users["rcmp"].pk,
        "presenter_agency": demo.agencies["RCMP"].pk,
        "minutes_allotted": 30,
        "restricted_to": [],
        **overrides,
    }


def test_the_secretariat_adds_items_and_sees_the_time_against_the_meeting_length(
    demo, client_for, secretariat, meeting
):
    client = client_for(secretariat)
    url = page("agenda-item-create", meeting.pk)

    follow(client, client.post(url, item_form(demo)))
    text = follow(client, client.post(url, item_form(demo, title_en="Trace data", presenter="", minutes_allotted=75)))
    assert "Item added to the agenda: Trace data." in text
    assert "Seizures at Pacific Highway: debrief" in text
    assert "Sophie Roy (RCMP)" in text
    assert "Time allotted: 105 of the meeting's 120 minutes." in text
    assert "The agenda runs over" not in text

    client.post(url, item_form(demo, title_en="Roundtable", presenter="", presenter_agency="", minutes_allotted=20))
    over = text_of(client.get(page("meeting-detail", meeting.pk)))
    assert "Time allotted: 125 of the meeting's 120 minutes." in over
    assert "The agenda runs over" in over
    assert "The items take 5 minutes more than the meeting lasts." in over


def test_an_item_naming_someone_outside_the_body_is_refused_on_its_field(demo, client_for, secretariat, meeting):
    outsider = UserFactory(agency=demo.agencies["DEA"])
    MembershipFactory(body=demo.bodies["CBCF"], user=outsider)

    response = client_for(secretariat).post(
        page("agenda-item-create", meeting.pk), item_form(demo, presenter=outsider.pk)
    )

    assert response.status_code == 200
    assert "Presenter: Select a valid choice." in text_of(response)
    assert not meeting.items.exists()


def agenda_order(client: Client, meeting: Meeting) -> list[str]:
    titles = [item.title_en for item in meeting.items.all()]
    text = text_of(client.get(page("meeting-detail", meeting.pk)))
    return sorted(titles, key=text.index)


def test_moving_an_item_without_javascript_posts_and_returns_to_the_reordered_agenda(
    client_for, secretariat, meeting, add_item
):
    for title in ["Opening", "Trace data", "Roundtable"]:
        add_item(meeting, title)
    client = client_for(secretariat)
    roundtable = meeting.items.get(title_en="Roundtable")

    response = client.post(page("agenda-item-move", roundtable.pk), {"direction": "up"})

    assert response.url == page("meeting-detail", meeting.pk) + "#agenda"
    assert "“Roundtable” is now item 2." in follow(client, response)
    assert agenda_order(client, meeting) == ["Opening", "Roundtable", "Trace data"]


def test_moving_an_item_with_htmx_rerenders_the_agenda_in_place_and_keeps_the_focus(
    client_for, secretariat, meeting, add_item
):
    for title in ["Opening", "Trace data", "Roundtable"]:
        add_item(meeting, title)
    client = client_for(secretariat)
    opening = meeting.items.get(title_en="Opening")

    response = client.post(page("agenda-item-move", opening.pk), {"direction": "down"}, headers=HX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="agenda"') and "<html" not in html
    table = html[html.index("<table"):]
    assert table.index("Trace data") < table.index("Opening") < table.index("Roundtable")
    assert "“Opening” is now item 2." in text_of(response)
    assert f'id="move-down-{opening.pk}" autofocus' in html
    assert agenda_order(client, meeting) == ["Trace data", "Opening", "Roundtable"]


def test_an_item_is_moved_to_a_chosen_position_from_its_own_page(client_for, secretariat, meeting, add_item):
    for title in ["Opening", "Trace data", "Roundtable"]:
        add_item(meeting, title)
    client = client_for(secretariat)
    opening = meeting.items.get(title_en="Opening")
    assert 'name="position"' in client.get(page("agenda-item-move", opening.pk)).content.decode()

    follow(client, client.post(page("agenda-item-move", opening.pk), {"position": 3}))

    assert agenda_order(client, meeting) == ["Trace data", "Roundtable", "Opening"]


def test_withdrawing_a_circulated_item_keeps_it_on_the_agenda_struck_through(
    client_for, secretariat, rcmp, circulated
):
    client = client_for(secretariat)
    url = page("agenda-item-withdraw", circulated.roundtable.pk)
    assert "Withdraw this item?" in text_of(client.get(url))

    text = follow(client, client.post(url))

    assert "Item withdrawn; it stays on the agenda, struck through." in text
    seen_by_rcmp = text_of(client_for(rcmp).get(page("meeting-detail", circulated.meeting.pk)))
    assert f'<del><a href="{page("agenda-item-detail", circulated.roundtable.pk)}">Roundtable</a></del>' in seen_by_rcmp
    assert "Withdrawn" in seen_by_rcmp


def edit_data(item: AgendaItem, **overrides) -> dict:
    return {
        "title_en": item.title_en, "title_fr": item.title_fr, "description": item.description,
        "presenter": item.presenter_id or "", "presenter_agency": item.presenter_agency_id or "",
        "minutes_allotted": item.minutes_allotted, "restricted_to": [], "version": item.version, **overrides,
    }


def test_two_edits_from_the_same_version_the_second_is_refused_and_keeps_its_input(
    client_for, secretariat, demo, meeting, add_item
):
    item = add_item(meeting, "Trace data", minutes_allotted=20)
    # Two secretariat officers open the same item.
    claire, colleague = client_for(secretariat), client_for(secretariat)
    url = page("agenda-item-edit", item.pk)
    assert f'name="version" value="{item.version}"' in claire.get(url).content.decode()
    assert f'name="version" value="{item.version}"' in colleague.get(url).content.decode()

    first = claire.post(url, edit_data(item, title_en="Trace data: ATF summary", minutes_allotted=25))
    second = colleague.post(url, edit_data(item, title_en="Trace data (RCMP)", description="RCMP's view."))

    assert first.status_code == 302
    assert second.status_code == 409
    text = text_of(second)
    assert "Someone else saved this item after you opened it. Your changes were not saved" in text
    assert 'role="alert"' in text
    # The second officer's input is still on the form, next to the item as the first one saved it.
    assert 'value="Trace data (RCMP)"' in text and "RCMP's view." in text
    assert "The item as saved by someone else" in text and "Trace data: ATF summary" in text
    stored = AgendaItem.objects.get(pk=item.pk)
    assert (stored.title_en, stored.minutes_allotted, stored.description) == ("Trace data: ATF summary", 25, "")


# Circulating -------------------------------------------------------------------------------------------


def test_a_draft_agenda_is_invisible_to_members_until_it_is_circulated(client_for, secretariat, rcmp):
    meeting = upcoming_demo_meeting()
    draft_item = meeting.items.get(title_en="Action items review")
    member = client_for(rcmp)

    before = text_of(member.get(page("meeting-detail", meeting.pk)))
    assert member.get(page("agenda-item-detail", draft_item.pk)).status_code == 404
    assert "Action items review" not in before
    assert "The agenda has not been circulated yet." in before
    assert "Action items review" not in text_of(member.get(page("agendas-to-review")))

    client = client_for(secretariat)
    assert "Circulate the agenda?" in text_of(client.get(page("agenda-circulate", meeting.pk)))
    text = follow(client, client.post(page("agenda-circulate", meeting.pk)))

    assert "Agenda circulated to the invitees." in text
    assert "circulated by Claire Tremblay on" in text
    after = text_of(member.get(page("meeting-detail", meeting.pk)))
    assert "Action items review" in after and "circulated by Claire Tremblay on" in after
    assert member.get(page("agenda-item-detail", draft_item.pk)).status_code == 200
    assert "Action items review" in text_of(member.get(page("agendas-to-review")))


def test_an_empty_agenda_cannot_be_circulated_and_says_why(client_for, secretariat, meeting):
    client = client_for(secretariat)

    text = follow(client, client.post(page("agenda-circulate", meeting.pk)))

    assert "Add at least one item before circulating the agenda." in text
    assert Meeting.objects.get(pk=meeting.pk).agenda_status == Meeting.AgendaStatus.DRAFT


def test_changes_after_circulation_are_marked_and_listed_in_a_change_log(
    demo, client_for, secretariat, rcmp, circulated
):
    client = client_for(secretariat)
    roundtable = circulated.roundtable
    follow(client, client.post(page("agenda-item-edit", roundtable.pk), edit_data(roundtable, minutes_allotted=45)))
    follow(client, client.post(page("agenda-item-create", circulated.meeting.pk), item_form(demo)))

    text = read(client_for(rcmp).get(page("meeting-detail", circulated.meeting.pk)))

    assert text.count("Changed since circulated") == 2
    assert "Changes since the agenda was circulated" in text
    assert "Edited: Roundtable — time allotted (minutes)" in text
    assert "Added: Seizures at Pacific Highway: debrief" in text
    # The restricted MOU item of this meeting, and its changes, stay hidden from RCMP.
    assert "CBSA–ATF MOU: status" not in text
    item_page = read(client_for(rcmp).get(page("agenda-item-detail", roundtable.pk)))
    assert "Changed since circulated" in item_page and "Edited: time allotted (minutes)" in item_page


def test_a_final_agenda_can_no_longer_change(client_for, secretariat, circulated):
    client = client_for(secretariat)

    text = follow(client, client.post(page("agenda-finalise", circulated.meeting.pk)))

    assert "Agenda final." in text
    assert "Add an item" not in text and "Make the agenda final" not in text
    refused = client.post(page("agenda-item-create", circulated.meeting.pk), {
        "title_en": "Late item", "minutes_allotted": 5})
    assert "The agenda is final and can no longer change." in text_of(refused)


# Review ------------------------------------------------------------------------------------------------


def test_a_member_reviews_the_agendas_to_review_and_opens_items_and_papers(client_for, rcmp, circulated, secretariat):
    services.paper_upload(actor=secretariat, item=circulated.roundtable, title="Roundtable notes",
                          upload=pdf_upload())
    member = client_for(rcmp)

    text = text_of(member.get(page("agendas-to-review")))

    assert "Upcoming CBFTF meeting" in text
    assert "Roundtable" in text and "1 paper" in text
    assert "CBSA–ATF MOU: status" not in text
    item_page = member.get(page("agenda-item-detail", circulated.roundtable.pk))
    assert "Roundtable notes" in text_of(item_page)
    paper = Paper.objects.get(title="Roundtable notes")
    assert member.get(page("paper-download", paper.pk)).status_code == 200


def test_a_member_comments_with_htmx_and_the_comment_list_rerenders_in_place(client_for, cbp, circulated):
    member = client_for(cbp)
    url = page("comment-create", circulated.roundtable.pk)

    response = member.post(url, {"text": "CBP will bring the Q3 seizure figures."}, headers=HX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="comments"') and "<html" not in html
    assert "CBP will bring the Q3 seizure figures." in text_of(response)
    assert "Karen Walsh (CBP)" in text_of(response)
    assert "Comment added." in text_of(response)
    empty = member.post(url, {"text": "  "}, headers=HX)
    assert "Your comment: This field is required." in text_of(empty)
    assert Comment.objects.filter(item=circulated.roundtable).count() == 1


def test_a_member_comments_without_javascript_and_returns_to_the_item(client_for, cbp, circulated):
    member = client_for(cbp)

    response = member.post(page("comment-create", circulated.roundtable.pk), {"text": "Agreed."})

    assert response.url == page("agenda-item-detail", circulated.roundtable.pk) + "#comments"
    text = follow(member, response)
    assert "Comment added." in text and "Agreed." in text


def test_comments_close_when_the_agenda_is_final(client_for, secretariat, cbp, circulated):
    services.agenda_finalise(actor=secretariat, meeting=circulated.meeting)
    member = client_for(cbp)

    page_text = text_of(member.get(page("agenda-item-detail", circulated.roundtable.pk)))
    refused = member.post(page("comment-create", circulated.roundtable.pk), {"text": "Too late?"})

    assert "Comments are open while the agenda is circulated." in page_text
    assert "Comments are open only while the agenda is circulated." in text_of(refused)
    assert not Comment.objects.filter(text="Too late?").exists()


def test_a_member_answers_the_invitation_with_htmx(client_for, cbsa, meeting, other_cbsa_member):
    member = client_for(cbsa)
    url = page("rsvp", meeting.pk)
    assert "Save my answer" in text_of(member.get(page("meeting-detail", meeting.pk)))

    missing = member.post(url, {"response": Rsvp.Response.DELEGATE, "delegate": ""}, headers=HX)
    sent = member.post(url, {"response": Rsvp.Response.DELEGATE, "delegate": other_cbsa_member.pk,
                             "note": "I am at the CBCF plenary."}, headers=HX)

    assert "Delegate: Name the delegate who will attend." in text_of(missing)
    html = sent.content.decode()
    assert html.lstrip().startswith('<section id="rsvp"') and "<html" not in html
    assert "Saved: Sending a delegate." in text_of(sent)
    detail = text_of(member.get(page("meeting-detail", meeting.pk)))
    assert f"Sending a delegate: {other_cbsa_member}" in detail
    assert "I am at the CBCF plenary." in detail


def test_a_member_answers_the_invitation_without_javascript(client_for, rcmp, meeting):
    member = client_for(rcmp)

    response = member.post(page("rsvp", meeting.pk), {"response": Rsvp.Response.REMOTE})

    assert response.url == page("meeting-detail", meeting.pk) + "#rsvp"
    text = follow(member, response)
    assert "Your answer is saved: Attending remotely." in text
    assert "You answered: Attending remotely." in text
    assert "Attending remotely" in text_of(member.get(page("meeting-list")))


def test_someone_not_invited_cannot_answer_for_a_meeting_they_can_see(client_for, superuser, meeting):
    assert client_for(superuser).get(page("rsvp", meeting.pk)).status_code == 403


# Holding and recording --------------------------------------------------------------------------------


def test_the_secretariat_records_attendance_and_sees_the_quorum(demo, client_for, secretariat, cbsa, past_meeting):
    cbftf = demo.bodies["CBFTF"]
    cbftf.quorum = 3
    cbftf.save(update_fields=["quorum"])
    client = client_for(secretariat)
    url = page("attendance", past_meeting.pk)
    form = text_of(client.get(url))
    assert "Sophie Roy (RCMP)" in form and "Dana Miller (ATF)" in form

    two = client.post(url, {f"present_{cbsa.pk}": "on", f"mode_{cbsa.pk}": "in_person",
                            f"present_{demo.users['atf'].pk}": "on", f"mode_{demo.users['atf'].pk}": "remote"})
    text = follow(client, two)
    assert "Attendance recorded." in text
    assert "No quorum" in text and "2 agencies present; 3 needed." in text
    assert "(ATF, remotely)" in text

    people = {"cbsa": "in_person", "atf": "remote", "rcmp": "in_person", "hsi": "remote"}
    data = {}
    for username, mode in people.items():
        data |= {f"present_{demo.users[username].pk}": "on", f"mode_{demo.users[username].pk}": mode}
    text = follow(client, client.post(url, data))
    assert "Quorum met" in text and "4 agencies present; 3 needed." in text
    assert Attendance.objects.filter(meeting=past_meeting).count() == 4


def test_minutes_stay_with_the_secretariat_until_approved_then_members_read_them_and_the_decisions(
    client_for, secretariat, rcmp, past_meeting, add_item
):
    item = add_item(past_meeting, "Joint Border Threat Assessment: scope")
    services.agenda_circulate(actor=secretariat, meeting=past_meeting)
    client, member = client_for(secretariat), client_for(rcmp)

    follow(client, client.post(page("minutes", past_meeting.pk), {f"item_{item.pk}": "Scope agreed: firearms only."}))
    follow(client, client.post(page("decision-create", past_meeting.pk), {
        "text": "The assessment covers firearms and their parts.", "item": item.pk}))
    draft = text_of(member.get(page("meeting-detail", past_meeting.pk)))
    assert "Scope agreed: firearms only." not in draft
    assert "The assessment covers firearms and their parts." not in draft
    assert "The minutes are not approved yet." in draft

    assert "Approve the minutes?" in text_of(client.get(page("minutes-approve", past_meeting.pk)))
    text = follow(client, client.post(page("minutes-approve", past_meeting.pk)))
    assert "Minutes approved." in text

    approved = text_of(member.get(page("meeting-detail", past_meeting.pk)))
    assert "Scope agreed: firearms only." in approved
    assert "The assessment covers firearms and their parts." in approved
    assert "item: Joint Border Threat Assessment: scope" in approved
    assert "Approved by Claire Tremblay on" in approved
    assert "Record a decision" not in text_of(client.get(page("meeting-detail", past_meeting.pk)))


def test_the_secretariat_records_an_action_item_and_its_owner_marks_it_done(
    demo, client_for, secretariat, atf, rcmp, past_meeting, add_item
):
    item = add_item(past_meeting, "Trace data")
    client = client_for(secretariat)
    refused = client.post(page("action-item-create", past_meeting.pk), {
        "text": "Send the trace summary.", "owner_agency": demo.agencies["RCMP"].pk, "owner": atf.pk})
    assert "Owner: The owner must belong to the owner agency." in text_of(refused)

    text = follow(client, client.post(page("action-item-create", past_meeting.pk), {
        "text": "Send the trace summary.", "owner_agency": demo.agencies["ATF"].pk, "owner": atf.pk,
        "due_date": "2030-01-31", "item": item.pk}))
    assert "Action item recorded." in text and "Send the trace summary." in text and "From item: Trace data" in text
    action = ActionItem.objects.get(text="Send the trace summary.")

    owner = client_for(atf)
    register = text_of(owner.get(page("register") + f"?owner={atf.username}"))
    assert "Send the trace summary." in register and f'action="{page("action-item-status", action.pk)}"' in register
    done = owner.post(page("action-item-status", action.pk),
                      {"status": "done", "next": page("register"), "at": "register-actions"})
    assert done.url == page("register") + "#outcome-register-actions"
    assert "Status of “Send the trace summary.”: Done." in follow(owner, done)
    assert ActionItem.objects.get(pk=action.pk).status == ActionItem.Status.DONE

    # Someone else sees the action item but has no control over it.
    other = client_for(rcmp)
    assert f'action="{page("action-item-status", action.pk)}"' not in text_of(other.get(page("register")))
    assert other.post(page("action-item-status", action.pk), {"status": "open"}).status_code == 403
    assert ActionItem.objects.get(pk=action.pk).status == ActionItem.Status.DONE


def test_a_member_cannot_cancel_their_own_action_item(client_for, demo, atf, secretariat, past_meeting):
    action = services.action_item_record(actor=secretariat, meeting=past_meeting, text="Share contacts.",
                                         owner_agency=demo.agencies["ATF"], owner=atf)

    response = client_for(atf).post(page("action-item-status", action.pk), {"status": "cancelled"})

    assert "Status: Select a valid choice." in text_of(response)
    assert ActionItem.objects.get(pk=action.pk).status == ActionItem.Status.OPEN


# The register ------------------------------------------------------------------------------------------


def test_the_register_filters_action_items_by_body_agency_owner_status_and_due_date(
    demo, client_for, secretariat, cbsa, atf, hsi
):
    client = client_for(cbsa)
    everything = text_of(client.get(page("register")))
    # The demo's inaugural meeting: three action items and two decisions.
    for text in ["Circulate a draft outline of the Joint Border Threat Assessment.",
                 "Provide a summary of firearms trace data for the assessment.",
                 "Name HSI points of contact for cross-border firearms cases.",
                 "The Task Force will issue a Joint Border Threat Assessment in Spring 2022."]:
        assert text in everything

    by_agency = text_of(client.get(page("register") + "?agency=ATF"))
    by_owner = text_of(client.get(page("register") + f"?owner={hsi.username}"))
    open_ones = text_of(client.get(page("register") + "?status=open"))
    due_in_january = text_of(client.get(page("register") + "?due_from=2022-01-01&due_to=2022-01-31"))
    other_body = text_of(client_for(secretariat).get(page("register") + "?body=CBCF"))

    assert "Provide a summary of firearms trace data" in by_agency
    assert "Name HSI points of contact" not in by_agency
    assert "Name HSI points of contact" in by_owner and "Provide a summary" not in by_owner
    assert "Circulate a draft outline" not in open_ones  # done
    assert "Provide a summary" in open_ones
    assert "Provide a summary" in due_in_january and "Name HSI points of contact" not in due_in_january
    assert "Decisions have no owner or status; clear those filters to see them." in open_ones
    assert "No action items to show." in other_body and "No decisions to show." in other_body
    assert 'value="2022-01-01"' in due_in_january  # the filters stay on the form


def test_the_register_reports_a_filter_it_cannot_read(client_for, cbsa):
    response = client_for(cbsa).get(page("register") + "?due_from=not-a-date&agency=NOPE")

    text = text_of(response)
    assert response.status_code == 200
    assert "Due from: Enter a valid date." in text
    assert "Agency: Select a valid choice." in text
    assert "Name HSI points of contact" in text  # the unreadable filters are left out


# Who sees what ----------------------------------------------------------------------------------------


@pytest.fixture
def mou_record(demo, secretariat, atf) -> dict[str, str]:
    """The MOU item of December 17 with a paper, a comment, minutes, a decision and an action item of its own,
    the minutes approved (so decisions reach members): every trace the restricted item can leave."""
    meeting, item = december(), mou_item()
    paper = services.paper_upload(actor=secretariat, item=item, title="MOU draft annex", upload=pdf_upload())
    services.comment_add(actor=atf, item=item, text="ATF legal has reviewed the sharing clauses.")
    services.minutes_save(actor=secretariat, meeting=meeting, minutes={item.pk: "CBSA approvals are on track."})
    services.decision_record(actor=secretariat, meeting=meeting, item=item,
                             text="The draft MOU goes to ATF for review before mid-February.")
    services.action_item_record(actor=secretariat, meeting=meeting, item=item, owner=atf,
                                owner_agency=demo.agencies["ATF"], text="Return ATF's comments on the draft MOU.")
    services.minutes_approve(actor=secretariat, meeting=meeting)
    return {
        "item": MOU_ITEM,
        "demo paper": MOU_PAPER,
        "paper": "MOU draft annex",
        "comment": "ATF legal has reviewed the sharing clauses.",
        "minutes": "CBSA approvals are on track.",
        "decision": "The draft MOU goes to ATF for review before mid-February.",
        "action": "Return ATF's comments on the draft MOU.",
        "item url": page("agenda-item-detail", item.pk),
        "paper url": page("paper-download", paper.pk),
        "demo paper url": page("paper-download", item.papers.get(title=MOU_PAPER).pk),
    }


def mou_pages() -> list[str]:
    return [page("home"), page("meeting-list"), page("meeting-detail", december().pk), page("agendas-to-review"),
            page("register"), page("register") + "?agency=ATF", page("register") + f"?owner={'atf'}"]


@pytest.mark.parametrize("username", NOT_PARTIES)
def test_it_hides_the_restricted_item_its_papers_and_comments_from_other_agencies_on_every_page(
    demo, client_for, mou_record, username
):
    client = client_for(demo.users[username])

    meeting = page("meeting-detail", december().pk)
    for url in mou_pages():
        response = client.get(url)
        text = text_of(response)
        # The forum's member may not open the task force's meeting at all; every other page answers.
        assert response.status_code == (404 if username == "dea" and url == meeting else 200), url
        leaked = [name for name, secret in mou_record.items() if secret in text]
        assert leaked == [], f"{username} reads {leaked} at {url}"
    if username != "dea":
        # The rest of the meeting is there: the page is not empty for another reason.
        assert "Joint Border Threat Assessment: progress" in text_of(client.get(page("meeting-detail", december().pk)))


@pytest.mark.parametrize("username", PARTIES)
def test_the_parties_to_the_mou_read_the_restricted_item_everywhere_it_appears(
    demo, client_for, mou_record, username
):
    client = client_for(demo.users[username])

    detail = text_of(client.get(page("meeting-detail", december().pk)))
    item = text_of(client.get(mou_record["item url"]))
    register = text_of(client.get(page("register")))

    assert mou_record["item"] in detail and mou_record["demo paper"] in detail and mou_record["paper"] in detail
    assert mou_record["minutes"] in detail and mou_record["decision"] in detail and mou_record["action"] in detail
    assert mou_record["comment"] in item and "Shared with" in item and "ATF, CBSA" in item
    assert mou_record["decision"] in register and mou_record["action"] in register
    assert client.get(mou_record["paper url"]).status_code == 200


@pytest.mark.parametrize("username", NOT_PARTIES)
def test_the_restricted_item_its_paper_and_its_comments_are_not_found_for_other_agencies(
    demo, client_for, mou_record, username
):
    client = client_for(demo.users[username])
    comments = Comment.objects.count()

    assert client.get(mou_record["item url"]).status_code == 404
    assert client.get(mou_record["paper url"]).status_code == 404
    assert client.get(mou_record["demo paper url"]).status_code == 404
    assert client.post(page("comment-create", mou_item().pk), {"text": "Can we see it?"}).status_code == 404
    assert client.post(page("comment-create", mou_item().pk), {"text": "Can we?"}, headers=HX).status_code == 404
    assert Comment.objects.count() == comments


@pytest.mark.parametrize("username", NOT_PARTIES)
def test_it_hides_the_restricted_item_from_other_agencies_on_the_review_page(
    demo, client_for, secretariat, username
):
    # December's circulated agenda moves into next week, so it is one to review.
    meeting = december()
    services.meeting_update(actor=secretariat, meeting=meeting, start=local_time(5, 11), end=local_time(5, 12, 30),
                            reason="Postponed a week.")
    party, other = client_for(demo.users["atf"]), client_for(demo.users[username])

    assert MOU_ITEM in text_of(party.get(page("agendas-to-review")))
    text = text_of(other.get(page("agendas-to-review")))
    assert MOU_ITEM not in text and MOU_PAPER not in text
    if username != "dea":
        assert "Joint Border Threat Assessment: progress" in text
        assert MOU_ITEM not in text_of(other.get(page("home")))


@pytest.mark.parametrize("name", ["meeting-detail", "rsvp", "attendance"])
def test_a_member_not_invited_gets_not_found_on_the_meeting(client_for, dea, name):
    for meeting in [december(), upcoming_demo_meeting()]:
        assert client_for(dea).get(page(name, meeting.pk)).status_code == 404
    assert "CBFTF meeting" not in text_of(client_for(dea).get(page("meeting-list")))


def test_a_meeting_not_shared_with_an_agency_is_not_found_for_its_members(client_for, schedule, hsi, cbp):
    meeting = schedule(invite=("CBSA", "ATF"), title_en="CBSA–ATF bilateral")

    assert client_for(hsi).get(page("meeting-detail", meeting.pk)).status_code == 404
    assert "CBSA–ATF bilateral" not in text_of(client_for(cbp).get(page("meeting-list")))


def secretariat_only_requests(meeting: Meeting, item: AgendaItem) -> list[tuple[str, str, dict]]:
    return [
        ("get", page("meeting-create") + "?body=CBFTF", {}),
        ("post", page("meeting-create") + "?body=CBFTF", {"title_en": "Sneaky"}),
        ("get", page("series-create") + "?body=CBFTF", {}),
        ("get", page("meeting-edit", meeting.pk), {}),
        ("post", page("meeting-edit", meeting.pk), {"title_en": "Renamed"}),
        ("post", page("meeting-cancel", meeting.pk), {"reason": "Because."}),
        ("post", page("agenda-item-create", meeting.pk), {"title_en": "Added", "minutes_allotted": 5}),
        ("post", page("agenda-item-edit", item.pk), {"title_en": "Edited", "minutes_allotted": 5, "version": 1}),
        ("post", page("agenda-item-move", item.pk), {"direction": "down"}),
        ("post", page("agenda-item-withdraw", item.pk), {}),
        ("post", page("agenda-circulate", meeting.pk), {}),
        ("post", page("agenda-finalise", meeting.pk), {}),
        ("post", page("paper-upload", item.pk), {"title": "X", "classification": 0}),
        ("post", page("attendance", meeting.pk), {}),
        ("post", page("minutes", meeting.pk), {f"item_{item.pk}": "Minutes."}),
        ("post", page("minutes-approve", meeting.pk), {}),
        ("post", page("decision-create", meeting.pk), {"text": "Decided."}),
        ("get", page("action-item-create", meeting.pk), {}),
    ]


@pytest.mark.parametrize("username", ["cbsa", "rcmp"])
def test_members_get_forbidden_on_secretariat_actions_and_nothing_changes(
    demo, client_for, circulated, username
):
    client = client_for(demo.users[username])
    before = (Meeting.objects.count(), AgendaItem.objects.count(), AgendaChange.objects.count(), Decision.objects.count())

    for method, url, data in secretariat_only_requests(circulated.meeting, circulated.roundtable):
        assert getattr(client, method)(url, data).status_code == 403, (method, url)

    meeting = Meeting.objects.get(pk=circulated.meeting.pk)
    after = (Meeting.objects.count(), AgendaItem.objects.count(), AgendaChange.objects.count(), Decision.objects.count())
    assert before == after
    assert (meeting.title_en, meeting.status, meeting.agenda_status) == (
        "Upcoming CBFTF meeting", Meeting.Status.SCHEDULED, Meeting.AgendaStatus.CIRCULATED)
    assert AgendaItem.objects.get(pk=circulated.roundtable.pk).title_en == "Roundtable"


def test_members_see_no_secretariat_controls(client_for, rcmp, secretariat, circulated):
    response = client_for(rcmp).get(page("meeting-detail", circulated.meeting.pk))
    text = text_of(response)
    secretariat_text = text_of(client_for(secretariat).get(page("meeting-detail", circulated.meeting.pk)))

    assert response.status_code == 200 and "Upcoming CBFTF meeting" in text and "Roundtable" in text
    for control in ["Edit or reschedule", "Cancel the meeting", "Add an item", "Make the agenda final",
                    "Record attendance", "Record a decision", "Record an action item", "move “Roundtable” down"]:
        assert control not in text
        # The same words are what the secretariat sees: the test looks for controls that exist.
        assert control in secretariat_text or control in {"Record attendance", "Record a decision",
                                                          "Record an action item"}, control


# Papers ------------------------------------------------------------------------------------------------


def upload(client: Client, item: AgendaItem, name: str, content: bytes, **fields):
    data = {"title": "Briefing", "classification": Classification.UNCLASSIFIED,
            "file": SimpleUploadedFile(name, content), **fields}
    return client.post(page("paper-upload", item.pk), data)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("briefing.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "This type of file"),
        ("briefing.html", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "This type of file"),
        ("briefing.pdf", b"", "The submitted file is empty."),
    ],
    ids=["executable renamed pdf", "html", "empty"],
)
def test_an_upload_that_is_not_a_paper_is_refused_on_the_file_field(
    client_for, secretariat, circulated, name, content, message
):
    response = upload(client_for(secretariat), circulated.roundtable, name, content)

    text = text_of(response)
    assert response.status_code == 200
    assert message in text
    assert f'<a href="#id_file" data-focus="id_file">File: {message}' in text
    assert not Paper.objects.filter(item=circulated.roundtable).exists()


@override_settings(PAPER_MAX_BYTES=1024 * 1024)
def test_an_upload_over_the_size_limit_is_refused(client_for, secretariat, circulated):
    response = upload(client_for(secretariat), circulated.roundtable, "figures.csv", b"year,seizures\n" * 80_000)

    assert "File: The file is larger than 1 MB." in text_of(response)
    assert not Paper.objects.filter(item=circulated.roundtable).exists()


def test_a_paper_is_marked_no_higher_than_the_uploaders_clearance(client_for, secretariat, circulated):
    secretariat.clearance = Classification.PROTECTED_A
    secretariat.save(update_fields=["clearance"])
    client = client_for(secretariat)

    form = text_of(client.get(page("paper-upload", circulated.roundtable.pk)))
    response = upload(client, circulated.roundtable, "a.pdf", tiny_pdf("A"), classification=Classification.PROTECTED_B)

    assert "Protected A" in form and "Protected B" not in form
    assert "Classification: Select a valid choice." in text_of(response)


def test_the_secretariat_attaches_a_paper_that_members_download_privately(client_for, secretariat, rcmp, circulated):
    client = client_for(secretariat)
    response = upload(client, circulated.roundtable, "Seizure figures Q3.pdf", tiny_pdf("Q3"),
                      title="Seizure figures, Q3", classification=Classification.PROTECTED_A)
    text = follow(client, response)
    assert "Paper attached." in text and "Seizure figures, Q3" in text and "Protected A" in text
    paper = Paper.objects.get(title="Seizure figures, Q3")

    download = client_for(rcmp).get(page("paper-download", paper.pk))

    assert download.status_code == 200
    assert b"".join(download.streaming_content) == tiny_pdf("Q3")
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'inline; filename="seizure-figures-q3.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "private" in download["Cache-Control"]
    assert "/media/" not in text and paper.file.name not in text  # never a public file address


def test_a_paper_a_browser_would_not_show_safely_downloads_as_an_attachment(client_for, secretariat, cbp, circulated):
    upload(client_for(secretariat), circulated.roundtable, "figures.csv", b"year,seizures\n2021,12\n",
           title="Seizure figures")
    paper = Paper.objects.get(title="Seizure figures")

    download = client_for(cbp).get(page("paper-download", paper.pk))

    assert download["Content-Type"] == "text/csv"
    assert download["Content-Disposition"] == 'attachment; filename="figures.csv"'
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_paper_marked_above_a_members_clearance_is_not_found_for_them(client_for, secretariat, hsi, circulated):
    paper = services.paper_upload(actor=secretariat, item=circulated.roundtable, title="Protected B annex",
                                  upload=pdf_upload(), classification=Classification.PROTECTED_B)

    assert client_for(hsi).get(page("paper-download", paper.pk)).status_code == 404  # HSI: Protected A
    assert "Protected B annex" not in text_of(client_for(hsi).get(page("meeting-detail", circulated.meeting.pk)))
    assert client_for(secretariat).get(page("paper-download", paper.pk)).status_code == 200  # Protected B


# Home page and navigation -----------------------------------------------------------------------------


def test_the_home_page_lists_the_next_meetings_and_the_agendas_to_review(client_for, rcmp, circulated):
    text = text_of(client_for(rcmp).get(page("home")))

    next_meetings = text[text.index("Next meetings"):text.index("Agendas to review")]
    to_review = text[text.index("Agendas to review"):]
    assert "Upcoming CBFTF meeting" in next_meetings and "CBFTF regular meeting" in next_meetings
    assert "Upcoming CBFTF meeting" in to_review.split("Milestones")[0]
    assert "CBFTF regular meeting" not in to_review.split("Milestones")[0]  # its agenda is still a draft


def test_the_navigation_links_to_meetings_review_and_register(client_for, rcmp):
    text = text_of(client_for(rcmp).get(page("meeting-list")))

    assert f'<gcds-nav-link href="{page("meeting-list")}" current>Meetings</gcds-nav-link>' in text
    assert f'href="{page("agendas-to-review")}"' in text and f'href="{page("register")}"' in text


def test_the_meeting_pages_are_translated_by_their_prefix(client_for, cbsa):
    response = client_for(cbsa).get("/fr/meetings/")

    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()
    assert "Réunion du GTTAF" in text_of(response)  # the French title of the December meeting


# Query counts. Each page is requested once first, so per-process caches (content types) are warm, as they
# are in a running server; then rows of every kind the page shows are added, and the count must not move.


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def add_meetings(demo, secretariat, count: int) -> list[str]:
    """Upcoming and past CBFTF meetings each with a host, answers from CBSA and a series; their titles."""
    titles = []
    series = MeetingSeries.objects.create(body=demo.bodies["CBFTF"], title_en="Weekly call", frequency="weekly")
    for n in range(count):
        start = local_time(n + 2 if n % 2 else -n - 2, 9)
        meeting = services.meeting_schedule(
            actor=secretariat, body=demo.bodies["CBFTF"], title_en=f"Working session {n}", start=start,
            end=start + datetime.timedelta(hours=1), time_zone="America/Vancouver" if n % 3 else "America/Toronto",
            host_agency=demo.agencies["ATF"], invite_agencies=[demo.agencies["CBSA"], demo.agencies["RCMP"]],
            invite_people=[demo.users["hsi"]], series=series if n % 4 == 0 else None,
        )
        if meeting.start > timezone.now():
            services.rsvp_set(actor=demo.users["cbsa"], meeting=meeting, response="remote")
        titles.append(meeting.title_en)
    return titles


def test_the_meeting_list_runs_a_fixed_number_of_queries(demo, client_for, cbsa, secretariat, django_assert_num_queries):
    client = client_for(cbsa)
    url = page("meeting-list")
    client.get(url)
    # 1. the session; 2. the signed-in user; 3. the bodies whose secretariat the user is (none, so no query for
    # them and no scheduling buttons); 4. the user's agency, for the header; 5. the upcoming meetings (body and
    # host joined, the user's answer as a subquery, invitations as grant subqueries); 6. the past meetings, likewise.
    with django_assert_num_queries(6):
        client.get(url)

    added = add_meetings(demo, secretariat, 3) + add_meetings(demo, secretariat, 9)

    assert count_queries(client, url) == 6
    text = text_of(client.get(url))
    assert all(f">{title}<" in text for title in added)
    assert "Attending remotely" in text


def circulate_upcoming(demo, secretariat, count: int) -> list[str]:
    """Upcoming CBFTF meetings with a circulated agenda of two items (one restricted to ATF); their titles."""
    titles = []
    for n in range(count):
        start = local_time(n + 3, 10)
        meeting = services.meeting_schedule(
            actor=secretariat, body=demo.bodies["CBFTF"], title_en=f"Review session {n}", start=start,
            end=start + datetime.timedelta(hours=1), time_zone="America/Toronto",
            invite_agencies=[demo.agencies["CBSA"], demo.agencies["ATF"]],
        )
        services.agenda_item_add(actor=secretariat, meeting=meeting, title_en=f"Open topic {n}")
        services.agenda_item_add(
            actor=secretariat, meeting=meeting, title_en=f"ATF topic {n}", restricted_to=[demo.agencies["ATF"]]
        )
        services.agenda_circulate(actor=secretariat, meeting=meeting)
        titles.append(meeting.title_en)
    return titles


def test_the_agendas_to_review_run_a_fixed_number_of_queries(demo, client_for, cbsa, secretariat):
    client = client_for(cbsa)
    url = page("agendas-to-review")
    client.get(url)
    circulate_upcoming(demo, secretariat, 1)
    # 1. the session; 2. the signed-in user; 3. the user's agency, for the header; 4. the upcoming meetings with a
    # circulated agenda (scoped); 5. the items of those the user may see (comment counts as a subquery);
    # 6. those items' papers.
    assert count_queries(client, url) == 6

    added = circulate_upcoming(demo, secretariat, 6)

    assert count_queries(client, url) == 6
    text = text_of(client.get(url))
    assert all(title in text for title in added)
    assert "Open topic 5" in text and "ATF topic 5" not in text


def crowd_the_agenda(demo, secretariat, meeting: Meeting, count: int) -> None:
    """Items with presenters and papers, some restricted; comments, answers, attendance, decisions and actions."""
    people = [demo.users[name] for name in ("cbsa", "rcmp", "atf", "hsi", "cbp")]
    for n in range(count):
        restricted = [demo.agencies["ATF"]] if n % 3 == 2 else None
        item = services.agenda_item_add(
            actor=secretariat, meeting=meeting, title_en=f"Topic {n}", presenter=people[n % 5],
            presenter_agency=people[n % 5].agency, minutes_allotted=5, restricted_to=restricted,
        )
        services.paper_upload(actor=secretariat, item=item, title=f"Paper {n}", upload=pdf_upload(text=str(n)))
        if meeting.agenda_status == Meeting.AgendaStatus.CIRCULATED and not restricted:
            services.comment_add(actor=people[n % 5], item=item, text=f"Comment {n}")
        services.decision_record(actor=secretariat, meeting=meeting, item=item, text=f"Decision {n}")
        services.action_item_record(actor=secretariat, meeting=meeting, item=item, text=f"Action {n}",
                                    owner_agency=people[n % 5].agency, owner=people[n % 5])
    for person in people:
        services.rsvp_set(actor=person, meeting=meeting, response="in_person")
    services.attendance_record(actor=secretariat, meeting=meeting, present={p: "in_person" for p in people})


def test_the_meeting_page_runs_a_fixed_number_of_queries(
    demo, client_for, cbsa, secretariat, meeting, django_assert_num_queries
):
    crowd_the_agenda(demo, secretariat, meeting, 2)
    services.agenda_circulate(actor=secretariat, meeting=meeting)
    crowd_the_agenda(demo, secretariat, meeting, 2)
    client = client_for(cbsa)
    url = page("meeting-detail", meeting.pk)
    client.get(url)
    # 1. the session; 2. the signed-in user; 3. the meeting (body, host, circulator and series joined; the
    # user's answer as a subquery); 4. whether the user is of the body's secretariat; 5. the invitations
    # (agency, person and their agency joined); 6. the answers (person, agency and delegate joined); 7. the
    # agenda items the user may see (presenters joined, visible comments counted in a subquery); 8. their papers
    # the user may see; 9. the action items (owner, agency and source item joined); 10. the agencies present,
    # for the quorum; 11. the user's agency, for the header; 12. the user's colleagues, to name a delegate;
    # 13. the changes since circulation (item and author joined); 14. the attendance (person and agency
    # joined); 15. the decisions (source item joined); 16. whether the user is an invitee (the visibility index);
    # 17. the meeting package of the key of the agenda the user sees (items and papers read once, in 7 and 8);
    # 18. the meeting's guests.
    with django_assert_num_queries(18):
        client.get(url)

    crowd_the_agenda(demo, secretariat, meeting, 6)

    assert count_queries(client, url) == 18
    text = text_of(client.get(url))
    assert all(f">Topic {n}<" in text for n in range(6) if n % 3 != 2)
    assert not any(f">Topic {n}<" in text for n in range(6) if n % 3 == 2)  # restricted to ATF
    assert "Paper 4" in text and "Action 4" in text and "Changed since circulated" in text


def add_register_rows(demo, secretariat, schedule, count: int) -> list[str]:
    """Action items and decisions across several meetings, with and without owners and due dates."""
    texts = []
    for n in range(count):
        meeting = schedule(days=-10 - n, title_en=f"Review meeting {n}")
        owner = demo.users[("cbsa", "atf", "rcmp")[n % 3]]
        services.action_item_record(
            actor=secretariat, meeting=meeting, text=f"Follow-up {n}", owner_agency=owner.agency,
            owner=owner if n % 2 else None, due_date=datetime.date(2030, 1, 1) + datetime.timedelta(days=n),
        )
        services.decision_record(actor=secretariat, meeting=meeting, text=f"Resolution {n}")
        services.minutes_approve(actor=secretariat, meeting=meeting)
        texts += [f"Follow-up {n}", f"Resolution {n}"]
    return texts


def test_the_register_runs_a_fixed_number_of_queries(
    demo, client_for, cbsa, secretariat, schedule, django_assert_num_queries
):
    client = client_for(cbsa)
    url = page("register") + "?body=CBFTF&due_from=2021-01-01"
    client.get(url)
    # 1. the session; 2. the signed-in user; 3. the body named in the filter (among those the user sees);
    # 4. the bodies whose secretariat the user is; 5. the action items (meeting, body, owner, agency and item
    # joined); 6. the user's agency, for the header; 7.-9. the filter's choices: the bodies, agencies and people
    # the user may see; 10. the decisions (meeting, body and item joined).
    with django_assert_num_queries(10):
        client.get(url)

    added = add_register_rows(demo, secretariat, schedule, 2) + add_register_rows(demo, secretariat, schedule, 6)

    assert count_queries(client, url) == 10
    text = text_of(client.get(url))
    assert all(f"{row}<" in text for row in added)


def test_queries_do_not_grow_with_rows_for_the_secretariat_either(demo, client_for, secretariat, meeting):
    client = client_for(secretariat)
    url = page("meeting-detail", meeting.pk)
    crowd_the_agenda(demo, secretariat, meeting, 2)
    services.agenda_circulate(actor=secretariat, meeting=meeting)
    client.get(url)
    few = count_queries(client, url)

    crowd_the_agenda(demo, secretariat, meeting, 6)

    assert count_queries(client, url) == few

