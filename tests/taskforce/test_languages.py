"""Both official languages: shared texts shown in the reader's language or marked as pending translation, the
secretariat's list of what still needs translating, bodies that circulate agendas only in both languages, and
the reader's language remembered (member's preference, visitor's cookie)."""

import datetime
import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings import services as meeting_services
from meetings.models import AgendaItem, Meeting
from members.models import User
from taskforce.demo import DEMO_PASSWORD
from tests.support.factories import MilestoneFactory
from tests.support.scenario import page, page_fr, text_of

ROUNDTABLE = "Roundtable"  # the demo's agenda item left in English only


def roundtable() -> AgendaItem:
    return AgendaItem.objects.get(title_en=ROUNDTABLE)


def new_meeting(demo, **fields) -> Meeting:
    start = timezone.now() + datetime.timedelta(days=30)
    return meeting_services.meeting_schedule(
        actor=demo.users["secretariat"], body=demo.bodies["CBFTF"], title_en="Working meeting",
        title_fr="Réunion de travail", start=start, end=start + datetime.timedelta(hours=1),
        time_zone="America/Toronto", invite_agencies=[demo.agencies["CBSA"], demo.agencies["RCMP"]], **fields,
    )


# The "translation pending" mark ---------------------------------------------------------------------------


def test_an_item_missing_its_french_is_shown_in_english_with_a_pending_mark_on_french_pages(client_for, rcmp):
    item = roundtable()

    html = client_for(rcmp).get(page_fr("agenda-item-detail", item.pk)).content.decode()

    assert re.search(r'<span lang="en">Roundtable</span> <span class="portal-pending">\(traduction à venir\)</span>',
                     html)
    assert '<span lang="en">Each agency reports on recent firearms seizures' in html


def test_an_item_with_its_french_shows_it_without_any_mark(client_for, rcmp):
    item = AgendaItem.objects.get(title_en="Joint Border Threat Assessment: progress")

    text = text_of(client_for(rcmp).get(page_fr("agenda-item-detail", item.pk)))

    assert "Évaluation conjointe de la menace à la frontière : avancement" in text
    assert "Principales activités menant à la publication de l'évaluation au printemps 2022." in text
    assert "traduction à venir" not in text


def test_english_pages_show_the_english_title_without_any_mark(client_for, rcmp):
    text = text_of(client_for(rcmp).get(page("agenda-item-detail", roundtable().pk)))

    assert ROUNDTABLE in text and "translation pending" not in text


def test_the_mark_is_in_english_on_english_pages_when_only_french_exists(client_for, secretariat, demo):
    milestone = MilestoneFactory(body=demo.bodies["CBFTF"], owner_agency=demo.agencies["CBSA"], title_en="",
                                 title_fr="Jalon en français seulement")

    html = client_for(secretariat).get(page("milestone-detail", milestone.pk)).content.decode()

    assert ('<span lang="fr">Jalon en français seulement</span> '
            '<span class="portal-pending">(translation pending)</span>') in html


# The secretariat's "needs translation" page -----------------------------------------------------------------


def test_the_secretariat_sees_what_needs_translation_with_links_to_edit_it(client_for, secretariat):
    item = roundtable()

    response = client_for(secretariat).get(page("translation-list"))
    text = text_of(response)

    assert response.status_code == 200
    assert ROUNDTABLE in text and "title (French)" in text and "description (French)" in text
    assert page("agenda-item-edit", item.pk) in text
    # Translated items are not listed.
    assert "Joint Border Threat Assessment: progress" not in text


def test_the_translations_page_is_in_the_secretariat_s_menu_only(client_for, secretariat, rcmp):
    assert page("translation-list") in text_of(client_for(secretariat).get(page("home")))
    assert page("translation-list") not in text_of(client_for(rcmp).get(page("home")))


@pytest.mark.parametrize("name", ["cbsa", "atf", "rcmp", "hsi", "cbp", "dea"])
def test_the_translations_page_is_not_found_for_members(client_for, demo, name):
    assert client_for(demo.users[name]).get(page("translation-list")).status_code == 404


def test_the_translations_page_lists_meetings_milestones_agreements_and_steps(client_for, secretariat, demo):
    from mou.models import Agreement

    new_meeting(demo).__class__.objects.filter(title_en="Working meeting").update(title_fr="")
    MilestoneFactory(body=demo.bodies["CBFTF"], owner_agency=demo.agencies["CBSA"], title_en="Untranslated milestone",
                     title_fr="")
    tor = Agreement.objects.get(short_name="CBFTF ToR")
    Agreement.objects.filter(pk=tor.pk).update(title_fr="")
    tor.steps.filter(title_en="Signed").update(title_fr="")

    text = text_of(client_for(secretariat).get(page("translation-list")))

    for expected in ("Working meeting", "Untranslated milestone", tor.title_en, "CBFTF ToR: Signed"):
        assert expected in text


def test_the_translations_page_runs_a_fixed_number_of_queries(client_for, secretariat, demo):
    client = client_for(secretariat)
    client.get(page("translation-list"))  # the session and the language cookie settle first

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page("translation-list")).status_code == 200
        return len(queries)

    before = count()
    meeting = new_meeting(demo)
    for n in range(5):
        meeting_services.agenda_item_add(actor=secretariat, meeting=meeting, title_en=f"Item {n}")
        MilestoneFactory(body=demo.bodies["CBFTF"], owner_agency=demo.agencies["CBSA"], title_fr="")

    # session, user, the authenticator the session was confirmed with (two-step verification), the secretariat's
    # bodies; one query per model with a bilingual text: bodies, milestones, meeting series, meetings, agenda items,
    # standing items of agenda templates, agreements, approval steps; the signed-in member's agency in the page header.
    assert count() == before == 13


# Bodies that circulate agendas in both languages -----------------------------------------------------------


def test_a_body_requiring_both_languages_refuses_to_circulate_an_untranslated_agenda(demo, secretariat):
    body = demo.bodies["CBFTF"]
    body.bilingual_agenda_required = True
    body.save(update_fields=["bilingual_agenda_required"])
    meeting = new_meeting(demo)
    item = meeting_services.agenda_item_add(actor=secretariat, meeting=meeting, title_en="Trace data",
                                            title_fr="Données de traçage", description="ATF summary.")
    meeting_services.agenda_item_add(actor=secretariat, meeting=meeting, title_en="Roundtable")

    with pytest.raises(ValidationError) as refused:
        meeting_services.agenda_circulate(actor=secretariat, meeting=meeting)

    message = " ".join(refused.value.messages)
    assert "1. Trace data" in message and "2. Roundtable" in message
    assert Meeting.objects.get(pk=meeting.pk).agenda_status == Meeting.AgendaStatus.DRAFT

    for pk, fields in ((item.pk, {"description_fr": "Résumé de l'ATF."}), (None, {"title_fr": "Tour de table"})):
        target = AgendaItem.objects.get(pk=pk) if pk else meeting.items.get(title_en="Roundtable")
        meeting_services.agenda_item_update(actor=secretariat, item=target, version=target.version, **fields)

    meeting_services.agenda_circulate(actor=secretariat, meeting=meeting)
    assert Meeting.objects.get(pk=meeting.pk).agenda_status == Meeting.AgendaStatus.CIRCULATED


def test_the_circulate_page_says_which_items_need_translating(client_for, demo, secretariat):
    body = demo.bodies["CBFTF"]
    body.bilingual_agenda_required = True
    body.save(update_fields=["bilingual_agenda_required"])
    meeting = new_meeting(demo)
    meeting_services.agenda_item_add(actor=secretariat, meeting=meeting, title_en="Roundtable")

    response = client_for(secretariat).post(page("agenda-circulate", meeting.pk), follow=True)

    text = text_of(response)
    assert "these items still need their title or description in both languages: 1. Roundtable." in text


def test_a_body_without_the_requirement_circulates_an_english_only_agenda(demo, secretariat):
    meeting = new_meeting(demo)
    meeting_services.agenda_item_add(actor=secretariat, meeting=meeting, title_en="Roundtable")

    assert meeting_services.agenda_circulate(actor=secretariat, meeting=meeting).agenda_status == "circulated"


# The reader's language, remembered ---------------------------------------------------------------------------


def test_switching_to_french_saves_the_member_s_preferred_language(client_for, atf):
    assert atf.language == "en"
    client = client_for(atf)

    assert client.get(page_fr("meeting-list")).status_code == 200

    assert User.objects.get(pk=atf.pk).language == "fr"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"


def test_the_header_s_language_link_leads_to_the_same_page_in_the_other_language(client_for, atf):
    html = client_for(atf).get(page("meeting-list")).content.decode()

    assert f'lang-href="{page_fr("meeting-list")}"' in html


def test_signing_in_on_an_english_page_lands_in_the_member_s_preferred_french(rcmp):
    client = Client()

    response = client.post(page("login"), {"username": "rcmp", "password": DEMO_PASSWORD, "next": "/en/agencies/"})

    assert response.status_code == 302 and response.url == "/fr/agencies/"
    assert "Agence des services frontaliers du Canada" in text_of(client.get(response.url))


def test_signing_in_without_a_next_page_lands_on_the_home_page_in_the_preferred_language(rcmp):
    response = Client().post(page_fr("login"), {"username": "rcmp", "password": DEMO_PASSWORD})

    assert response.url == "/fr/"


def test_a_signed_in_member_is_sent_home_in_their_language_from_the_sign_in_page(client_for, cbsa):
    assert client_for(cbsa).get(page("login")).url == "/fr/"


def test_an_anonymous_visitor_s_language_is_remembered_in_the_cookie():
    client = Client()

    response = client.get(page_fr("login"))

    assert response.status_code == 200
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert client.get("/")["Location"] == "/fr/"


def test_an_anonymous_visitor_without_a_cookie_follows_the_browser_s_language():
    assert Client(headers={"accept-language": "fr-CA,fr;q=0.9"}).get("/")["Location"] == "/fr/"
    assert Client(headers={"accept-language": "en-CA"}).get("/")["Location"] == "/en/"


# Demo content in French -----------------------------------------------------------------------------------


def test_french_pages_show_the_demo_s_french_names_and_titles(client_for, rcmp):
    client = client_for(rcmp)

    agencies = text_of(client.get(page_fr("agency-list")))
    assert "Agence des services frontaliers du Canada" in agencies and "Gendarmerie royale du Canada" in agencies
    assert "Réunion du GTTAF" in text_of(client.get(page_fr("meeting-list")))
    body = text_of(client.get(page_fr("body-detail", "CBFTF")))
    assert "Groupe de travail transfrontalier Canada–États-Unis sur les armes à feu" in body


def test_every_shared_demo_text_has_its_french_but_the_one_left_for_show(demo):
    from members.models import Agency
    from mou.models import Agreement, WorkflowStep
    from taskforce.models import Body, Milestone

    assert not Agency.objects.filter(name_fr="").exists() and not Body.objects.filter(name_fr="").exists()
    assert not Meeting.objects.filter(title_fr="").exists()
    assert not Milestone.objects.filter(title_fr="").exists()
    assert not Milestone.objects.exclude(description="").filter(description_fr="").exists()
    assert not Agreement.objects.filter(title_fr="").exists() and not WorkflowStep.objects.filter(title_fr="").exists()
    untranslated = AgendaItem.objects.filter(title_fr="") | AgendaItem.objects.exclude(description="").filter(
        description_fr="")
    assert [item.title_en for item in untranslated.distinct()] == [ROUNDTABLE]
