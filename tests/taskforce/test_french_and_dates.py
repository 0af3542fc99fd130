"""Everyday French and dates: one unambiguous date format per language, one date-entry control, time zone
abbreviations and agency acronyms as French readers write them, agreements held in both languages, and the
secretariat's list of every bilingual text still missing a language, found from the models."""

import datetime
import re

import pytest
from django.utils import formats, timezone, translation

from meetings import services as meeting_services
from meetings.models import AgendaItem, Meeting, MeetingSeries
from members.models import User
from mou.models import Agreement
from taskforce import services, translations
from taskforce.templatetags.portal import zone_abbreviation
from tests.support.factories import UserFactory
from tests.support.scenario import page, page_fr, text_of

MOU = "CBSA–ATF MOU"


def mou() -> Agreement:
    return Agreement.objects.get(short_name=MOU)


# Dates -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "day", "moment"), [
    ("en", "December 17, 2021", "December 17, 2021, 11 a.m."),
    ("fr", "17 décembre 2021", "17 décembre 2021 à 11\u00a0h\u00a000"),
])
def test_every_date_format_of_a_language_writes_the_month_in_words(language, day, moment):
    at = timezone.make_aware(datetime.datetime(2021, 12, 17, 11, 0))
    with translation.override(language):
        for name in ("DATE_FORMAT", "SHORT_DATE_FORMAT"):
            assert formats.date_format(at.date(), name) == day
        for name in ("DATETIME_FORMAT", "SHORT_DATETIME_FORMAT"):
            assert formats.date_format(timezone.localtime(at), name) == moment


def test_the_decision_register_dates_its_meetings_in_words_in_both_languages(client_for, cbsa):
    english = text_of(client_for(cbsa).get(page("register")))
    french = text_of(client_for(cbsa).get(page_fr("register")))

    assert "December 17, 2021" in english and "17 décembre 2021" in french
    for text in (english, french):
        assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{4}\b", text)


def test_a_step_reminder_dates_its_deadline_in_the_reader_s_words(demo):
    from notifications import deadlines
    from notifications.models import Reminder

    reminder = Reminder(label="overdue:1")
    with translation.override("fr"):
        assert deadlines.when_phrase(reminder, datetime.date(2022, 2, 15)).endswith("(échéance : 15 février 2022)")
    assert deadlines.when_phrase(reminder, datetime.date(2022, 2, 15)) == "is overdue (due February 15, 2022)"


# One date-entry control --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "args", "query"), [
    ("milestone-create", ("CBFTF",), ""),
    ("audit-log", (), ""),
    ("report-builder", (), ""),
    ("agreement-detail", None, ""),
])
def test_every_date_is_entered_with_the_design_system_s_date_control(client_for, secretariat, name, args, query):
    args = (mou().pk,) if args is None else args

    html = client_for(secretariat).get(page(name, *args) + query).content.decode()

    assert "<gcds-date-input" in html
    assert 'type="date"' not in html


def test_a_french_form_gives_the_date_control_its_day_in_iso_form(client_for, secretariat, demo):
    from tests.support.factories import MilestoneFactory

    milestone = MilestoneFactory(body=demo.bodies["CBFTF"], owner_agency=demo.agencies["CBSA"],
                                 due_start=datetime.date(2022, 2, 15), due_end=datetime.date(2022, 2, 15))

    html = client_for(secretariat).get(page_fr("milestone-edit", milestone.pk)).content.decode()

    assert re.search(r'<gcds-date-input[^>]*value="2022-02-15"', html)


# Time zones in French -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("zone", "when", "english", "french"), [
    ("America/Toronto", datetime.datetime(2030, 1, 15, 10), "EST", "HNE"),
    ("America/Toronto", datetime.datetime(2030, 7, 15, 10), "EDT", "HAE"),
    ("America/Vancouver", datetime.datetime(2030, 1, 15, 10), "PST", "HNP"),
    ("America/Halifax", datetime.datetime(2030, 7, 15, 10), "ADT", "HAA"),
    ("America/St_Johns", datetime.datetime(2030, 1, 15, 10), "NST", "HNT"),
    ("Europe/Paris", datetime.datetime(2030, 1, 15, 10), "CET", "CET"),
])
def test_a_zone_abbreviation_is_written_as_french_canada_writes_it(zone, when, english, french):
    import zoneinfo

    moment = when.replace(tzinfo=zoneinfo.ZoneInfo(zone))
    with timezone.override(zone):
        assert zone_abbreviation(moment) == english
        with translation.override("fr"):
            assert zone_abbreviation(moment) == french


def test_a_french_meeting_page_gives_both_times_with_french_zone_abbreviations(demo, client_for, secretariat, rcmp):
    start = datetime.datetime(2030, 3, 4, 18, 0, tzinfo=datetime.UTC)
    meeting = meeting_services.meeting_schedule(
        actor=secretariat, body=demo.bodies["CBFTF"], title_en="Border firearms workshop",
        title_fr="Atelier sur les armes à feu à la frontière", start=start,
        end=start + datetime.timedelta(minutes=90), time_zone="America/Vancouver",
        invite_agencies=[demo.agencies["CBSA"], demo.agencies["RCMP"]],
    )

    text = text_of(client_for(rcmp).get(page_fr("meeting-detail", meeting.pk)))

    assert "13\u00a0h\u00a000–14\u00a0h\u00a030 HNE" in text
    assert "10\u00a0h\u00a000–11\u00a0h\u00a030 HNP" in text
    assert not re.search(r"\b(EST|PST)\b", text)
    english = text_of(client_for(rcmp).get(page("meeting-detail", meeting.pk)))
    assert "1 p.m.–2:30 p.m. EST" in english and "10 a.m.–11:30 a.m. PST" in english


# Agencies' acronyms in French ---------------------------------------------------------------------------------


def test_french_pages_name_the_canadian_agencies_by_their_french_acronyms(client_for, cbsa):
    client = client_for(cbsa)

    french = client.get(page_fr("agreement-detail", mou().pk)).content.decode()
    english = client.get(page("agreement-detail", mou().pk)).content.decode()

    # The parties, and the author of each version with their agency; the address keeps the English key.
    assert f'<a href="{page_fr("agency-detail", "CBSA")}">ASFC</a>' in french and "Marc Gagnon (ASFC)" in french
    assert f'<a href="{page("agency-detail", "CBSA")}">CBSA</a>' in english and "Marc Gagnon (CBSA)" in english
    assert ">ATF</a>" in french  # U.S. agencies keep their acronym in French
    assert "ASFC" not in english.replace("l'ASFC", "")


def test_the_agency_directory_in_french_lists_grc_and_asfc_and_links_by_the_english_key(client_for, rcmp):
    html = client_for(rcmp).get(page_fr("agency-list")).content.decode()

    assert ">GRC<" in html and ">ASFC<" in html
    assert f'href="{page_fr("agency-detail", "RCMP")}"' in html


def test_an_agency_without_a_french_acronym_keeps_its_own(demo):
    with translation.override("fr"):
        assert demo.agencies["ATF"].local_acronym == "ATF" and str(demo.agencies["CBSA"]) == "ASFC"
    assert str(demo.agencies["CBSA"]) == "CBSA"


# Agreements in French ------------------------------------------------------------------------------------------


def test_the_mou_s_title_summary_and_step_targets_are_in_french_on_french_pages(client_for, cbsa):
    text = text_of(client_for(cbsa).get(page_fr("agreement-detail", mou().pk)))

    assert "Protocole d'entente entre l'ASFC et l'ATF sur l'échange direct de renseignements" in text
    assert "Permettra à l'ASFC et à l'ATF d'échanger des renseignements directement, sans intermédiaire." in text
    assert "Avant la mi-février 2022 (15 février 2022)" in text
    assert "Before mid-February 2022" not in text and "traduction à venir" not in text


def test_a_step_target_without_its_french_carries_the_pending_mark(client_for, cbsa):
    mou().steps.filter(target_label="Before mid-February 2022").update(target_label_fr="")

    html = client_for(cbsa).get(page_fr("agreement-detail", mou().pk)).content.decode()

    assert ('<span lang="en">Before mid-February 2022</span> '
            '<span class="portal-pending">(traduction à venir)</span>') in html


def test_a_version_held_in_both_languages_is_shown_side_by_side(client_for, cbsa):
    html = client_for(cbsa).get(page("version-detail", mou().pk, 2)).content.decode()

    english, french = html.index('<section aria-labelledby="text-en-heading" lang="en">'), html.index(
        '<section aria-labelledby="text-fr-heading" lang="fr">')
    assert english < french
    assert "in a timely manner" in html[english:french]
    assert "en temps opportun" in html[french:]


def test_the_redline_compares_each_language_with_itself(client_for, cbsa):
    html = client_for(cbsa).get(page("version-compare", mou().pk) + "?from=1&to=2").content.decode()

    french = html[html.index('<section aria-labelledby="redline-fr-heading" lang="fr">'):]
    english = html[html.index('<section aria-labelledby="redline-en-heading" lang="en">'):html.index(
        '<section aria-labelledby="redline-fr-heading"')]
    inserted = r"<ins[^>]*>(?:(?!</ins>).)*{}"
    assert re.search(inserted.format("timely"), english, re.DOTALL) and "opportun" not in english
    assert re.search(inserted.format("opportun"), french, re.DOTALL) and "timely" not in french


def test_a_new_version_keeps_its_french_text_and_a_restore_carries_it(client_for, cbsa):
    from mou import services as mou_services

    agreement = mou()
    response = client_for(cbsa).post(page("version-create", agreement.pk), {
        "text": "Version three.", "text_fr": "Version trois.", "note": "", "base_number": 2,
        "classification": agreement.classification,
    })

    assert response.status_code == 302
    assert agreement.versions.get(number=3).text_fr == "Version trois."
    restored = mou_services.version_restore(actor=cbsa, agreement=agreement, number=1, base_number=3)
    assert restored.text_fr.startswith("Protocole d'entente entre l'Agence des services frontaliers du Canada")


# The needs-translation list, found from the models -------------------------------------------------------------


def test_every_body_scoped_model_with_a_bilingual_text_is_searched():
    names = {model.__name__ for model in translations.bilingual_models()}

    assert names == {
        "Body", "Milestone", "MeetingSeries", "Meeting", "AgendaItem", "StandingItem", "Agreement", "WorkflowStep",
    }
    pairs = {(model.__name__, pair.french) for model in translations.bilingual_models()
             for pair in translations.pairs(model)}
    assert ("Agreement", "summary_fr") in pairs and ("WorkflowStep", "target_label_fr") in pairs
    assert ("AgendaItem", "description_fr") in pairs and ("Body", "mandate_fr") in pairs
    assert ("Milestone", "description_fr") in pairs


def test_the_list_names_a_missing_summary_a_step_target_and_a_meeting_series(client_for, secretariat, demo):
    Agreement.objects.filter(short_name="MLAT").update(summary_fr="")
    mou().steps.filter(target_label="Before mid-February 2022").update(target_label_fr="")
    MeetingSeries.objects.create(body=demo.bodies["CBFTF"], title_en="Monthly call", title_fr="", frequency="monthly")

    rows = translations.untranslated(actor=secretariat)

    missing = {(row.text, label) for row in rows for label in row.missing}
    assert (Agreement.objects.get(short_name="MLAT").title_en, "summary (English)") not in missing
    assert (Agreement.objects.get(short_name="MLAT").title_en, "summary (French)") in missing
    assert (f"{MOU}: Shared with ATF for review", "target (French)") in missing
    assert ("Monthly call", "title (French)") in missing
    text = text_of(client_for(secretariat).get(page("translation-list")))
    assert "summary (French)" in text and "target (French)" in text and "Monthly call" in text


def test_the_list_hides_restricted_texts_from_a_secretariat_of_another_agency(client_for, secretariat, demo):
    mou().steps.filter(target_label="Before mid-February 2022").update(target_label_fr="")
    Agreement.objects.filter(short_name="MLAT").update(summary_fr="")
    rcmp_secretariat = UserFactory(username="rcmp-secretariat", agency=demo.agencies["RCMP"])
    services.membership_set(body=demo.bodies["CBFTF"], user=rcmp_secretariat, role="secretariat")

    theirs = text_of(client_for(User.objects.get(pk=rcmp_secretariat.pk)).get(page("translation-list")))
    ours = text_of(client_for(secretariat).get(page("translation-list")))

    # The MOU is shared only with the CBSA and the ATF: its step is listed for the CBSA's secretariat only.
    assert f"{MOU}: Shared with ATF for review" in ours
    assert "Shared with ATF for review" not in theirs and MOU not in theirs
    # What the whole task force sees is listed for both.
    mlat = Agreement.objects.get(short_name="MLAT").title_en
    assert mlat in ours and mlat in theirs


def test_an_agenda_item_withdrawn_from_the_agenda_is_not_listed(secretariat):
    item = AgendaItem.objects.get(title_en="Roundtable")
    AgendaItem.objects.filter(pk=item.pk).update(withdrawn=True)

    assert "Roundtable" not in {row.text for row in translations.untranslated(actor=secretariat)}
    assert Meeting.objects.filter(pk=item.meeting_id).exists()


def test_french_pages_carry_the_portal_s_french_name(client_for, rcmp):
    from django.conf import settings

    french = client_for(rcmp).get(page_fr("home")).content.decode()
    english = client_for(rcmp).get(page("home")).content.decode()

    assert f"— {settings.PORTAL_NAME_FR}</title>" in french and settings.PORTAL_NAME not in french
    assert f"— {settings.PORTAL_NAME}</title>" in english
