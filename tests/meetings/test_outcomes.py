"""What an action leaves the person looking at: its outcome in the section the page opens at, a confirmation naming
who will be told before anything is sent, and the deletion of a meeting scheduled by mistake."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.utils.html import strip_tags

from audit.models import AuditEntry
from meetings import services
from meetings.models import AgendaItem, Meeting
from tests.support.scenario import page, text_of

from .conftest import CBFTF_AGENCIES


def section(response, anchor: str) -> str:
    """The text of the page's section `id=anchor`, as its reader sees it."""
    html = response.content.decode()
    start = re.search(rf'<section[^>]*\bid="{anchor}"', html)
    assert start, f"no section #{anchor}"
    return text_of(type(response)(html[start.start():html.index("</section>", start.end())]))


def landing(client: Client, response) -> tuple[str, object]:
    """Where a redirect leads: the section it opens at, and the page."""
    assert response.status_code == 302
    path, _, anchor = response.url.partition("#")
    return anchor, client.get(path)


def test_a_refused_approval_of_the_minutes_is_told_in_the_section_the_page_opens_at(client_for, secretariat, meeting):
    client = client_for(secretariat)

    anchor, landed = landing(client, client.post(page("minutes-approve", meeting.pk)))

    assert anchor == "minutes"
    assert "Minutes can be approved only after the meeting has started." in section(landed, "minutes")
    assert 'role="alert"' in landed.content.decode() and 'id="outcome-minutes"' in landed.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).minutes_status == "draft"


def test_an_added_item_and_a_circulated_agenda_are_told_in_the_agenda_section(client_for, secretariat, meeting):
    client = client_for(secretariat)

    anchor, landed = landing(client, client.post(page("agenda-item-create", meeting.pk), {
        "title_en": "Roundtable", "minutes_allotted": 20,
    }))
    assert anchor == "agenda" and "Item added to the agenda: Roundtable." in section(landed, "agenda")

    anchor, landed = landing(client, client.post(page("agenda-circulate", meeting.pk)))
    assert anchor == "agenda" and "Agenda circulated to the invitees." in section(landed, "agenda")
    # Shown once, there: not also at the top of the page, above what the reader is looking at.
    assert text_of(landed).count("Agenda circulated to the invitees.") == 1


def test_recorded_attendance_is_told_in_the_attendance_section(client_for, secretariat, rcmp, past_meeting):
    client = client_for(secretariat)

    anchor, landed = landing(client, client.post(page("attendance", past_meeting.pk), {
        f"present_{rcmp.pk}": "on", f"mode_{rcmp.pk}": "remote",
    }))

    assert anchor == "attendance" and "Attendance recorded." in section(landed, "attendance")


def test_circulating_asks_first_naming_who_will_be_told(client_for, secretariat, meeting, add_item, demo):
    add_item(meeting, "Roundtable")
    client = client_for(secretariat)

    asked = strip_tags(text_of(client.get(page("agenda-circulate", meeting.pk))))

    assert "Circulate the agenda?" in asked
    invitees = [u for u in demo.users.values() if u.agency and u.agency.acronym in CBFTF_AGENCIES]
    assert f"{len(invitees)} people will be notified" in asked
    for person in invitees:
        assert f"{person} ({person.agency.acronym})" in asked
    assert "dea" not in asked.lower().split("notified", 1)[1]
    assert Meeting.objects.get(pk=meeting.pk).agenda_status == "draft"


@pytest.mark.parametrize("name", ["agenda-circulate", "meeting-cancel", "minutes-approve", "meeting-delete"])
def test_a_confirmation_shows_nothing_to_those_who_may_not_act(client_for, schedule, rcmp, dea, name):
    meeting = schedule(invite=("CBSA", "ATF"), title_en="CBSA–ATF bilateral")

    assert client_for(dea).get(page(name, meeting.pk)).status_code == 404
    assert client_for(dea).post(page(name, meeting.pk), {"reason": "x"}).status_code == 404
    member = client_for(rcmp).get(page(name, meeting.pk))
    assert member.status_code in (403, 404)
    assert "CBSA–ATF bilateral" not in text_of(member) and "will be notified" not in text_of(member)
    assert Meeting.objects.get(pk=meeting.pk).status == "scheduled"


def test_a_meeting_nobody_was_told_of_can_be_deleted_by_its_secretariat_only(
    client_for, secretariat, cbsa, schedule, add_item
):
    with connection.cursor() as cursor:  # the audit trail is written at commit; the test's transaction commits never
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    mistake = schedule(invite=(), title_en="Scheduled by mistake")
    add_item(mistake, "Roundtable")
    client = client_for(secretariat)
    assert "Delete the meeting" in text_of(client.get(page("meeting-detail", mistake.pk)))
    assert "Delete this meeting?" in text_of(client.get(page("meeting-delete", mistake.pk)))
    # A co-chair who sees the meeting may not delete it.
    assert client_for(cbsa).post(page("meeting-delete", mistake.pk)).status_code in (403, 404)

    response = client.post(page("meeting-delete", mistake.pk))

    assert response.status_code == 302 and response.url == page("meeting-list")
    assert "Meeting deleted: Scheduled by mistake." in text_of(client.get(response.url))
    assert not Meeting.objects.filter(pk=mistake.pk).exists()
    assert not AgendaItem.objects.filter(title_en="Roundtable", meeting_id=mistake.pk).exists()
    deleted = AuditEntry.objects.get(object_type="meetings.meeting", object_id=mistake.pk, action="delete")
    assert deleted.actor_id == secretariat.pk and deleted.channel == "page"


def test_a_meeting_whose_invitations_went_out_is_cancelled_not_deleted(client_for, secretariat, meeting):
    client = client_for(secretariat)
    assert "Delete the meeting" not in text_of(client.get(page("meeting-detail", meeting.pk)))

    anchor, landed = landing(client, client.post(page("meeting-delete", meeting.pk)))

    assert "Invitees have been told of this meeting: cancel it instead" in text_of(landed)
    assert Meeting.objects.filter(pk=meeting.pk).exists()


def test_deleting_is_refused_once_the_agenda_was_circulated(secretariat, schedule, add_item):
    mistake = schedule(invite=())
    add_item(mistake, "Roundtable")
    services.agenda_circulate(actor=secretariat, meeting=mistake)

    with pytest.raises(ValidationError, match="The agenda has been circulated"):
        services.meeting_delete(actor=secretariat, meeting=mistake)
    assert Meeting.objects.filter(pk=mistake.pk).exists()


def test_deleting_is_refused_to_a_member(cbsa, schedule):
    from django.core.exceptions import PermissionDenied

    mistake = schedule(invite=("CBSA",))
    with pytest.raises(PermissionDenied):
        services.meeting_delete(actor=cbsa, meeting=mistake)
    assert Meeting.objects.filter(pk=mistake.pk).exists()


def outcome_after(html: str, heading_id: str, at: str) -> str:
    """The outcome shown above the table `at`, checked to sit in the part of the page headed `heading_id`."""
    heading = html.index(f'id="{heading_id}"')
    start = html.index(f'id="outcome-{at}"')
    assert start > heading and "<h2" not in html[heading + 1:start], f"#outcome-{at} is not under #{heading_id}"
    return text_of(HttpResponse(html[start:html.index("</div>", start)]))


def test_an_action_item_updated_from_a_table_is_told_above_that_table(client_for, secretariat, atf, past_meeting, demo):
    from meetings.models import ActionItem

    action = services.action_item_record(actor=secretariat, meeting=past_meeting, text="Send the trace summary.",
                                         owner_agency=demo.agencies["ATF"], owner=atf)
    owner = client_for(atf)
    home = owner.get(page("home")).content.decode()
    assert f'action="{page("action-item-status", action.pk)}"' in home and 'name="at" value="my-actions"' in home

    response = owner.post(page("action-item-status", action.pk),
                          {"status": "in_progress", "next": page("home"), "at": "my-actions"})
    anchor, landed = landing(owner, response)
    assert anchor == "outcome-my-actions"
    html = landed.content.decode()
    message = "Status of “Send the trace summary.”: In progress."
    assert message in outcome_after(html, "home-actions-heading", "my-actions")
    # Shown once, there: not at the top of the page, out of sight of the table the reader was using.
    assert text_of(landed).count(message) == 1
    assert ActionItem.objects.get(pk=action.pk).status == ActionItem.Status.IN_PROGRESS

    # The second update from the same table is told the same way.
    anchor, landed = landing(owner, owner.post(page("action-item-status", action.pk),
                                               {"status": "done", "next": page("home"), "at": "my-actions"}))
    assert "Status of “Send the trace summary.”: Done." in outcome_after(
        landed.content.decode(), "home-actions-heading", "my-actions")


def test_the_last_overdue_action_item_marked_done_is_still_told_where_the_list_was(client_for, secretariat, demo):
    from meetings.models import ActionItem
    from meetings.selectors import overdue_action_items

    client = client_for(secretariat)
    overdue = list(overdue_action_items(actor=secretariat, body_ids=[demo.bodies["CBFTF"].pk]))
    assert overdue, "the scenario has overdue action items"
    home = client.get(page("home")).content.decode()
    assert all(f'action="{page("action-item-status", a.pk)}"' in home for a in overdue)
    assert 'name="at" value="overdue-actions"' in home
    for action in overdue:
        response = client.post(page("action-item-status", action.pk),
                               {"status": "done", "next": page("home"), "at": "overdue-actions"})
        anchor, landed = landing(client, response)
        assert anchor == "outcome-overdue-actions"
    html = landed.content.decode()
    assert "No action item is overdue." in text_of(landed)
    assert "Done." in outcome_after(html, "secretariat-heading", "overdue-actions")
    assert ActionItem.objects.filter(pk__in=[a.pk for a in overdue], status="done").count() == len(overdue)


@pytest.mark.parametrize("at", ["<script>", "x" * 60, "Outcome", "", "a b"])
def test_a_table_name_that_is_not_one_falls_back_to_the_meeting_page_section(client_for, atf, secretariat,
                                                                              past_meeting, demo, at):
    action = services.action_item_record(actor=secretariat, meeting=past_meeting, text="Share contacts.",
                                         owner_agency=demo.agencies["ATF"], owner=atf)
    response = client_for(atf).post(page("action-item-status", action.pk),
                                    {"status": "done", "next": page("register"), "at": at})
    assert response.status_code == 302 and response.url == page("register") + "#outcome-actions"
