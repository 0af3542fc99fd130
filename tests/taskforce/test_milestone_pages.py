"""The secretariat adds and edits a body's milestones in the browser: wording, owner, a due day or window, status,
and who it is shared with. Members read them; a save on an older version than the stored one is refused."""

import datetime

import pytest
from django.db import connection

from audit.models import AuditEntry
from members.models import Agency
from taskforce import permissions
from taskforce.models import Milestone
from tests.support.scenario import MOU_REVIEW, leaked_titles, mou_review, page, text_of


def created(**changes) -> dict:
    form = {
        "title_en": "Joint firearms trace report", "title_fr": "Rapport conjoint de traçage des armes à feu",
        "description": "Traces shared under the MOU, by port of entry.",
        "owner_agency": Agency.objects.get(acronym="ATF").pk, "due_precision": "season", "due_on": "2022-04-15",
    }
    return form | changes


def edited(milestone: Milestone, **changes) -> dict:
    shared = permissions.granted_agencies(milestone) if milestone.restricted else []
    form = {
        "title_en": milestone.title_en, "title_fr": milestone.title_fr, "description": milestone.description,
        "description_fr": milestone.description_fr, "owner_agency": milestone.owner_agency_id, "due_precision": milestone.due_precision,
        "due_on": milestone.due_start.isoformat(), "status": milestone.status,
        "restricted_to": [agency.pk for agency in shared], "seen": milestone.updated_at.isoformat(),
    }
    return form | changes


def test_the_secretariat_adds_a_window_milestone_shared_with_two_agencies(client_for, secretariat, cbsa, rcmp):
    parties = [Agency.objects.get(acronym=acronym).pk for acronym in ("CBSA", "ATF")]

    response = client_for(secretariat).post(page("milestone-create", "CBFTF"), created(restricted_to=parties))

    milestone = Milestone.objects.get(title_en="Joint firearms trace report")
    assert response.status_code == 302 and response.url == page("milestone-detail", milestone.pk)
    assert (milestone.body.acronym, milestone.owner_agency.acronym, milestone.due_precision) == ("CBFTF", "ATF",
                                                                                               "season")
    assert (milestone.due_start, milestone.due_end) == (datetime.date(2022, 3, 20), datetime.date(2022, 6, 20))
    assert milestone.restricted and {a.acronym for a in permissions.granted_agencies(milestone)} == {"CBSA", "ATF"}
    assert "Spring 2022" in text_of(client_for(cbsa).get(page("milestone-detail", milestone.pk)))
    hidden = client_for(rcmp).get(page("milestone-detail", milestone.pk))
    assert hidden.status_code == 404
    assert "Joint firearms trace report" not in text_of(client_for(rcmp).get(page("body-detail", "CBFTF")))


def test_a_day_milestone_is_due_on_that_day_and_shared_with_the_whole_body(client_for, secretariat, rcmp):
    client_for(secretariat).post(page("milestone-create", "CBFTF"), created(due_precision="day",
                                                                            due_on="2022-02-15"))

    milestone = Milestone.objects.get(title_en="Joint firearms trace report")
    assert (milestone.due_start, milestone.due_end, milestone.restricted) == (
        datetime.date(2022, 2, 15), datetime.date(2022, 2, 15), False)
    assert client_for(rcmp).get(page("milestone-detail", milestone.pk)).status_code == 200


@pytest.mark.parametrize("changes, field, message", [
    ({"title_en": ""}, "title_en", "This field is required."),
    ({"due_on": "2022-02-30"}, "due_on", "Enter a valid date."),
    ({"due_precision": "fortnight"}, "due_precision", "Select a valid choice."),
    ({"owner_agency": "999999"}, "owner_agency", "Select a valid choice."),
], ids=["no-title", "no-such-day", "unknown-precision", "unknown-owner"])
def test_bad_input_is_refused_on_its_field_and_nothing_is_added(client_for, secretariat, changes, field, message):
    before = Milestone.objects.count()

    response = client_for(secretariat).post(page("milestone-create", "CBFTF"), created(**changes))

    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert Milestone.objects.count() == before


def test_an_agency_outside_the_body_cannot_be_given_a_milestone(client_for, secretariat):
    # DEA takes part in the forum only: not offered, and refused if sent anyway.
    dea = Agency.objects.get(acronym="DEA")

    response = client_for(secretariat).post(page("milestone-create", "CBFTF"), created(restricted_to=[dea.pk]))

    assert response.status_code == 200 and "restricted_to" in response.context["form"].errors
    assert not Milestone.objects.filter(title_en="Joint firearms trace report").exists()


def test_the_secretariat_marks_the_mou_milestone_done_and_shares_it_more_widely(client_for, secretariat, rcmp):
    milestone = mou_review()
    everyone_named = [a.pk for a in permissions.granted_agencies(milestone)] + [
        Agency.objects.get(acronym="RCMP").pk]

    response = client_for(secretariat).post(
        page("milestone-edit", milestone.pk), edited(milestone, status="done", restricted_to=everyone_named)
    )

    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.DONE
    assert client_for(rcmp).get(page("milestone-detail", milestone.pk)).status_code == 200


def test_clearing_every_agency_shares_the_milestone_with_the_whole_body(client_for, secretariat, hsi):
    milestone = mou_review()

    client_for(secretariat).post(page("milestone-edit", milestone.pk), edited(milestone, restricted_to=[]))

    milestone.refresh_from_db()
    assert not milestone.restricted
    assert client_for(hsi).get(page("milestone-detail", milestone.pk)).status_code == 200


def test_a_save_from_an_older_version_is_refused_and_keeps_both_versions(client_for, secretariat):
    milestone = mou_review()
    opened = edited(milestone)
    first = client_for(secretariat).post(page("milestone-edit", milestone.pk), opened | {"status": "in_progress"})
    assert first.status_code == 302

    second = client_for(secretariat).post(
        page("milestone-edit", milestone.pk), opened | {"title_en": "MOU to ATF, second look"}
    )

    assert second.status_code == 200
    text = text_of(second)
    assert "Someone else saved this milestone after you opened it" in text
    assert "The milestone as saved by someone else" in text and "In progress" in text
    assert 'value="MOU to ATF, second look"' in second.content.decode()
    milestone.refresh_from_db()
    assert (milestone.title_en, milestone.status) == (MOU_REVIEW, Milestone.Status.IN_PROGRESS)

    again = client_for(secretariat).post(
        page("milestone-edit", milestone.pk),
        opened | {"title_en": "MOU to ATF, second look", "seen": second.context["form"]["seen"].value()},
    )

    assert again.status_code == 302
    milestone.refresh_from_db()
    assert milestone.title_en == "MOU to ATF, second look"


def test_the_edit_is_in_the_audit_trail_with_the_page_as_channel(client_for, secretariat):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    milestone = mou_review()

    client_for(secretariat).post(page("milestone-edit", milestone.pk), edited(milestone, status="done"))

    entry = AuditEntry.objects.filter(object_type="taskforce.milestone", object_id=milestone.pk, action="update",
                                      new_values__has_key="status").latest("id")
    assert (entry.channel, entry.actor_id) == ("page", secretariat.pk)
    assert entry.new_values["status"] == "done" and entry.old_values["status"] == milestone.status


@pytest.mark.parametrize("username", ["rcmp", "hsi", "cbp", "dea"])
def test_other_agencies_cannot_reach_the_mou_milestone_editor(demo, client_for, username):
    milestone = mou_review()
    client = client_for(demo.users[username])

    for response in (client.get(page("milestone-edit", milestone.pk)),
                     client.post(page("milestone-edit", milestone.pk), edited(milestone, status="done"))):
        assert response.status_code == 404
        assert leaked_titles(response) == []
    milestone.refresh_from_db()
    assert milestone.status != Milestone.Status.DONE


@pytest.mark.parametrize("username", ["cbsa", "atf"])
def test_members_who_see_the_milestone_may_not_edit_it_or_add_one(demo, client_for, username):
    client = client_for(demo.users[username])

    assert client.get(page("milestone-edit", mou_review().pk)).status_code == 403
    assert client.post(page("milestone-create", "CBFTF"), created()).status_code == 403
    assert not Milestone.objects.filter(title_en="Joint firearms trace report").exists()


def test_the_editor_and_the_add_link_are_offered_to_the_secretariat_only(client_for, secretariat, cbsa):
    assert "Edit the milestone" in text_of(client_for(secretariat).get(page("milestone-detail", mou_review().pk)))
    assert "Add a milestone" in text_of(client_for(secretariat).get(page("body-detail", "CBFTF")))
    assert "Edit the milestone" not in text_of(client_for(cbsa).get(page("milestone-detail", mou_review().pk)))
    assert "Add a milestone" not in text_of(client_for(cbsa).get(page("body-detail", "CBFTF")))


def test_the_milestone_form_is_in_french_for_a_french_reader(client_for, secretariat):
    response = client_for(secretariat).get(page("milestone-create", "CBFTF").replace("/en/", "/fr/"))

    assert "Ajouter un jalon" in text_of(response)
