"""A milestone's description in both official languages: edited side by side, shown in the reader's language or
marked as pending translation, listed while it lacks its French, and given by the API, search and calendar feeds
only to those who may see the milestone."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from icalendar import Calendar

from accounts import feeds
from accounts import services as account_services
from members.models import Agency
from taskforce.models import Milestone
from tests.support.factories import MilestoneFactory
from tests.support.scenario import NOT_GRANTED, mou_review, page, page_fr, text_of

ENGLISH = "Traces shared under the MOU, by port of entry."
FRENCH = "Traçages échangés en vertu du PE, par point d'entrée."
# Planted in the MOU review milestone, shared with CBSA and ATF only.
HIDDEN_ENGLISH = "Quarterly reconciliation of Ambassador Bridge seizures."
HIDDEN_FRENCH = "Rapprochement trimestriel des saisies au pont Ambassador."


def described(demo, **fields) -> Milestone:
    """A body-wide CBFTF milestone with both descriptions, unless told otherwise."""
    return MilestoneFactory(body=demo.bodies["CBFTF"], owner_agency=demo.agencies["ATF"],
                            **{"description": ENGLISH, "description_fr": FRENCH, **fields})


def hidden_described() -> Milestone:
    milestone = mou_review()
    Milestone.objects.filter(pk=milestone.pk).update(description=HIDDEN_ENGLISH, description_fr=HIDDEN_FRENCH)
    return milestone


def form_for(milestone: Milestone | None = None, **changes) -> dict:
    form = {
        "title_en": "Joint firearms trace report", "title_fr": "Rapport conjoint de traçage des armes à feu",
        "description": ENGLISH, "description_fr": FRENCH,
        "owner_agency": Agency.objects.get(acronym="ATF").pk, "due_precision": "season", "due_on": "2022-04-15",
    }
    if milestone is not None:
        form |= {"status": milestone.status, "seen": milestone.updated_at.isoformat()}
    return form | changes


# The milestone's page


def test_a_french_reader_reads_the_french_description(demo, client_for, rcmp):
    milestone = described(demo)

    text = text_of(client_for(rcmp).get(page_fr("milestone-detail", milestone.pk)))

    assert FRENCH in text and ENGLISH not in text and "traduction à venir" not in text


def test_an_english_reader_reads_the_english_description(demo, client_for, rcmp):
    milestone = described(demo)

    text = text_of(client_for(rcmp).get(page("milestone-detail", milestone.pk)))

    assert ENGLISH in text and FRENCH not in text and "translation pending" not in text


def test_an_english_only_description_is_marked_pending_for_a_french_reader(demo, client_for, rcmp):
    milestone = described(demo, description_fr="")

    html = client_for(rcmp).get(page_fr("milestone-detail", milestone.pk)).content.decode()

    assert re.search(r'<span lang="en">Traces shared under the MOU, by port of entry.</span> '
                     r'<span class="portal-pending">\(traduction à venir\)</span>', html)


def test_the_description_keeps_its_line_breaks_in_either_language(demo, client_for, rcmp):
    milestone = described(demo, description_fr="Première ligne\nDeuxième ligne")

    html = client_for(rcmp).get(page_fr("milestone-detail", milestone.pk)).content.decode()

    assert "Première ligne<br>Deuxième ligne" in html


# What still needs translating


def test_a_description_without_its_french_is_listed_as_needing_translation(demo, client_for, secretariat):
    milestone = described(demo, title_en="Trace report milestone", description_fr="")
    described(demo, title_en="Translated trace milestone")

    text = text_of(client_for(secretariat).get(page("translation-list")))

    row = re.search(r"<tr>(?:(?!</tr>).)*Trace report milestone.*?</tr>", text, re.S)
    assert row and "description (French)" in row.group(0) and "title (French)" not in row.group(0)
    assert f"/milestones/{milestone.pk}/" in row.group(0)
    assert "Translated trace milestone" not in text


# The form


def test_the_secretariat_adds_a_milestone_with_both_descriptions(client_for, secretariat):
    client = client_for(secretariat)
    form = client.get(page("milestone-create", "CBFTF")).content.decode()
    assert 'name="description"' in form and 'name="description_fr"' in form

    response = client.post(page("milestone-create", "CBFTF"), form_for())

    assert response.status_code == 302
    milestone = Milestone.objects.get(title_en="Joint firearms trace report")
    assert (milestone.description, milestone.description_fr) == (ENGLISH, FRENCH)


def test_the_secretariat_edits_the_french_description_and_keeps_the_english(demo, client_for, secretariat):
    milestone = described(demo, description_fr="")
    client = client_for(secretariat)
    assert ENGLISH in text_of(client.get(page("milestone-edit", milestone.pk)))

    response = client.post(page("milestone-edit", milestone.pk), form_for(
        milestone, title_en=milestone.title_en, title_fr=milestone.title_fr, owner_agency=milestone.owner_agency_id,
    ))

    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.description, milestone.description_fr) == (ENGLISH, FRENCH)
    assert FRENCH in text_of(client.get(page("milestone-edit", milestone.pk)))


# The API


def test_the_api_gives_the_french_description_beside_the_english(demo, client_for, rcmp):
    milestone = described(demo)
    client = client_for(rcmp)

    detail = client.get(f"/api/v1/milestones/{milestone.pk}/").json()
    (listed,) = [row for row in client.get("/api/v1/milestones/").json()["results"] if row["id"] == milestone.pk]

    assert (detail["description"], detail["description_fr"]) == (ENGLISH, FRENCH)
    assert (listed["description"], listed["description_fr"]) == (ENGLISH, FRENCH)


# Search


def test_search_finds_a_milestone_by_its_french_description_and_shows_it_in_french(demo, client_for, rcmp):
    described(demo, title_en="Trace report milestone", title_fr="Jalon du rapport de traçage")

    response = client_for(rcmp).get(page_fr("search"), {"q": "échangés", "kind": "milestones"})

    text = re.sub(r"</?mark>", "", text_of(response))
    # The excerpt: PostgreSQL's headline leaves out the closing period.
    assert "Jalon du rapport de traçage" in text and FRENCH.removesuffix(".") in text


# Calendar feeds


def feed_text(user) -> str:
    url = feeds.feed_url(account_services.calendar_feed_regenerate(actor=user)).removeprefix(settings.PORTAL_URL)
    response = Client().get(url)
    assert response.status_code == 200
    return "\n".join(str(vevent.get("DESCRIPTION", "")) for vevent in Calendar.from_ical(response.content).walk("VEVENT"))


def test_the_feed_describes_a_milestone_in_the_member_s_language(demo, cbsa, atf):
    described(demo)
    with time_machine.travel(datetime.datetime(2021, 12, 1, 15, tzinfo=datetime.UTC), tick=False):
        french, english = feed_text(cbsa), feed_text(atf)  # cbsa reads French, atf English

    assert FRENCH in french and ENGLISH not in french
    assert ENGLISH in english and FRENCH not in english


def test_the_feed_marks_an_english_only_description_pending_for_a_french_reader(demo, cbsa):
    described(demo, description_fr="")
    with time_machine.travel(datetime.datetime(2021, 12, 1, 15, tzinfo=datetime.UTC), tick=False):
        french = feed_text(cbsa)

    assert f"{ENGLISH} (traduction à venir)" in french


# Nothing of a restricted milestone's description for another agency


@pytest.mark.parametrize("username", NOT_GRANTED)
def test_a_restricted_milestone_s_descriptions_reach_no_other_agency(demo, client_for, username):
    milestone = hidden_described()
    user = demo.users[username]
    client = client_for(user)

    reads = [
        client.get(page_fr("milestone-detail", milestone.pk)), client.get(page_fr("body-detail", "CBFTF")),
        client.get(f"/api/v1/milestones/{milestone.pk}/"), client.get("/api/v1/milestones/"),
        client.get(page_fr("search"), {"q": "rapprochement saisies"}),
        client.get(page("search"), {"q": "reconciliation seizures"}),
    ]
    with time_machine.travel(datetime.datetime(2021, 12, 1, 15, tzinfo=datetime.UTC), tick=False):
        feed = feed_text(user)

    assert reads[0].status_code == reads[2].status_code == 404
    for text in [*map(text_of, reads), feed]:
        assert HIDDEN_FRENCH not in text and HIDDEN_ENGLISH not in text and "Rapprochement" not in text


@pytest.mark.parametrize("username", ["cbsa", "atf"])
def test_the_agencies_it_is_shared_with_read_its_french_description(demo, client_for, username):
    milestone = hidden_described()
    client = client_for(demo.users[username])

    assert HIDDEN_FRENCH in text_of(client.get(page_fr("milestone-detail", milestone.pk)))
    assert client.get(f"/api/v1/milestones/{milestone.pk}/").json()["description_fr"] == HIDDEN_FRENCH
