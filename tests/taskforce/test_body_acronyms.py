"""Bodies as French readers know them: the Canada–United States Cross Border Firearms Task Force is the GTTAF in
French and the Cross-Border Crime Forum the FCT. Every page, email and calendar a French reader gets names them so;
the English acronym stays the key in addresses, filters, exports and the API."""

import csv
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from meetings import services as meeting_services
from meetings.models import Meeting
from members.models import Agency
from taskforce import translations
from taskforce.models import Body
from tests.support.scenario import page, page_fr, text_of

# What a reader does not read: addresses and form values, where the English acronym stays the key.
ADDRESSES = re.compile(r'\b(href|value|action|src|hx-[\w-]+|data-[\w-]+)="[^"]*"')
# A person's job title is theirs, in the one language they gave it.
JOB_TITLE = "CBFTF Secretariat, Intelligence and Targeting Partnerships Unit"


def december() -> Meeting:
    return Meeting.objects.get(body__acronym="CBFTF", title_en="CBFTF meeting")


def shown(response) -> str:
    """The page as read, without its addresses and form values."""
    assert response.status_code == 200
    return ADDRESSES.sub("", text_of(response))


def pages() -> list[tuple[str, tuple, str]]:
    """Pages naming the task force, as (URL name, arguments, query)."""
    return [
        ("home", (), ""),
        ("body-detail", ("CBFTF",), ""),
        ("meeting-list", (), ""),
        ("meeting-detail", (december().pk,), ""),
        ("calendar", (), f"?month={december().start:%Y-%m}"),
        ("milestone-timeline", (), ""),
        ("register", (), ""),
        ("agency-detail", ("CBSA",), ""),
    ]


def test_french_pages_name_the_task_force_gttaf_and_keep_cbftf_in_their_addresses(client_for, cbsa):
    client = client_for(cbsa)

    for name, args, query in pages():
        text = shown(client.get(page_fr(name, *args) + query)).replace(JOB_TITLE, "")
        assert "GTTAF" in text, name
        assert "CBFTF" not in text, (name, text[max(text.find("CBFTF") - 200, 0):text.find("CBFTF") + 50])
    home = text_of(client.get(page_fr("home")))
    assert f'href="{page_fr("body-detail", "CBFTF")}"' in home


def test_english_pages_name_the_task_force_cbftf(client_for, atf):
    client = client_for(atf)  # who reads English: the notices listed on their home page are in English too

    for name, args, query in pages():
        text = shown(client.get(page(name, *args) + query))
        assert "CBFTF" in text and "GTTAF" not in text, name


def test_the_french_body_page_names_the_forum_it_reports_to_fct(client_for, cbsa):
    text = shown(client_for(cbsa).get(page_fr("body-detail", "CBFTF")))

    assert "<title>GTTAF — " in text
    assert "(GTTAF)</span></h1>" in text
    assert "Forum sur la criminalité transfrontalière (FCT)" in text


def test_the_french_body_filters_list_gttaf_and_fct_and_send_the_english_keys(client_for, secretariat):
    for name in ("calendar", "milestone-timeline"):
        html = text_of(client_for(secretariat).get(page_fr(name)))
        assert '<option value="CBCF">FCT</option>' in html and '<option value="CBFTF">GTTAF</option>' in html, name


def test_the_french_progress_report_names_the_task_force_and_the_forum_it_reports_to(client_for, cbsa):
    text = shown(client_for(cbsa).get(page_fr("report-detail", "CBFTF") + "?start=2021-11-01&end=2022-03-31"))

    assert "Rapport d'étape du GTTAF" in text and "Rapport présenté au FCT." in text


def test_the_audit_log_names_bodies_and_agencies_as_its_reader_knows_them_and_exports_the_keys(client_for, secretariat):
    client = client_for(secretariat)

    french = text_of(client.get(page_fr("audit-log")))
    english = text_of(client.get(page("audit-log")))
    export = list(csv.DictReader(io.StringIO(text_of(client.get(page_fr("audit-log-export"))))))

    assert '<span class="portal-muted">(GTTAF)</span>' in french and "(CBFTF)</span>" not in french
    assert '<span class="portal-muted">(CBFTF)</span>' in english and "GTTAF" not in english
    assert "Claire Tremblay (ASFC)" in french and "Claire Tremblay (CBSA)" in english
    # Scripts read the export: the body and the agency go by their keys in every language.
    assert {row["body"] for row in export} == {"CBFTF", "CBCF", ""}
    assert "CBSA" in {row["agency"] for row in export} and "ASFC" not in {row["agency"] for row in export}


def test_the_needs_translation_list_names_each_text_s_body_as_its_reader_knows_it(client_for, secretariat):
    french = shown(client_for(secretariat).get(page_fr("translation-list")))
    english = shown(client_for(secretariat).get(page("translation-list")))

    assert "<td>GTTAF</td>" in french and "<td>CBFTF</td>" not in french
    assert "<td>CBFTF</td>" in english


def test_a_refusal_names_the_task_force_as_its_reader_knows_it(demo, secretariat):
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        meeting_services.meeting_schedule(
            actor=secretariat, body=demo.bodies["CBFTF"], title_en="Plenary", start=december().start,
            end=december().end, time_zone="America/Toronto", invite_agencies=[demo.agencies["DEA"]],
        )

    assert "GTTAF" in str(refused.value) and "CBFTF" not in str(refused.value)


def test_a_body_without_a_french_acronym_keeps_its_own(demo):
    cbftf = demo.bodies["CBFTF"]
    other = Body(acronym="NBIT", name_en="Northern Border Integrity Team", name_fr="Équipe", kind=Body.Kind.FORUM)

    with translation.override("fr"):
        assert (cbftf.local_acronym, str(cbftf), str(other)) == ("GTTAF", "GTTAF", "NBIT")
    assert (cbftf.local_acronym, str(cbftf)) == ("CBFTF", "CBFTF")


def test_an_empty_french_acronym_is_not_a_missing_translation(demo, secretariat):
    Body.objects.filter(acronym="CBCF").update(acronym_fr="")

    assert "acronym_fr" not in {pair.french for pair in translations.pairs(Body)}
    assert [row for row in translations.untranslated(actor=secretariat) if row.kind == "Body"] == []


def test_the_admin_edits_a_body_s_french_acronym(client_for, superuser, demo):
    cbcf = demo.bodies["CBCF"]
    url = f"/admin/taskforce/body/{cbcf.pk}/change/"
    client = client_for(superuser)

    assert 'name="acronym_fr"' in client.get(url).content.decode()
    response = client.post(url, {
        "acronym": "CBCF", "acronym_fr": "FCTF", "name_en": cbcf.name_en, "name_fr": cbcf.name_fr, "kind": cbcf.kind,
        "parent": "", "mandate_en": cbcf.mandate_en, "mandate_fr": cbcf.mandate_fr, "meeting_reminder_days": "[]",
        "quorum": "",
        **{f"{prefix}-{field}": "0" for prefix in ("agency_roles", "memberships")
           for field in ("TOTAL_FORMS", "INITIAL_FORMS")},
    })

    assert response.status_code == 302, response.content.decode()[:2000]
    cbcf.refresh_from_db()
    assert cbcf.acronym_fr == "FCTF" and cbcf.agency_roles.count() == 9


def test_an_agency_added_in_the_admin_keeps_its_french_acronym(client_for, superuser):
    response = client_for(superuser).post("/admin/members/agency/add/", {
        "acronym": "CSIS", "acronym_fr": "SCRS", "name_en": "Canadian Security Intelligence Service",
        "name_fr": "Service canadien du renseignement de sécurité", "country": "CA", "parent": "",
    })

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Agency.objects.get(acronym="CSIS").acronym_fr == "SCRS"
