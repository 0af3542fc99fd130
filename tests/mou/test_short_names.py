"""Agreements as French readers know them: the CBSA–ATF MOU is the PE ASFC–ATF in French, the MLAT the TEJ, the
CMAA the AAMD. Every page, email and search result a French reader gets names them so; the English short name
stays the key in ordering, the audit trail and the API, which gives the French one beside it."""

import re

import pytest
from django.utils import translation

from mou import services
from mou.demo import SHORT_NAMES_FR
from mou.models import Agreement
from taskforce import translations
from tests.support.scenario import page, page_fr, text_of

from .conftest import MOU, agreement_named

MOU_FR = "PE ASFC–ATF"
# What a reader does not read: addresses and form values.
ADDRESSES = re.compile(r'\b(href|value|action|src|hx-[\w-]+|data-[\w-]+)="[^"]*"')


def shown(response) -> str:
    """The page as read, without its addresses and form values."""
    assert response.status_code == 200
    return ADDRESSES.sub("", text_of(response))


def pages(mou: Agreement) -> list[tuple[str, tuple, str]]:
    """Pages naming the MOU to its parties, as (URL name, arguments, query)."""
    return [
        ("agreement-list", (), ""),
        ("agreement-detail", (mou.pk,), ""),
        ("version-detail", (mou.pk, 2), ""),
        ("version-compare", (mou.pk,), "?from=1&to=2"),
        ("version-create", (mou.pk,), ""),
        ("sharing-map", (), "?source=CBSA&target=ATF&category=customs"),
        ("home", (), ""),
    ]


def test_french_pages_name_the_mou_pe_asfc_atf(client_for, cbsa, mou):
    client = client_for(cbsa)

    for name, args, query in pages(mou):
        text = shown(client.get(page_fr(name, *args) + query))
        assert MOU_FR in text, name
        assert MOU not in text, (name, text[max(text.find(MOU) - 200, 0):text.find(MOU) + 50])


def test_english_pages_name_the_mou_cbsa_atf_mou(client_for, atf, mou):
    client = client_for(atf)

    for name, args, query in pages(mou):
        text = shown(client.get(page(name, *args) + query))
        assert MOU in text and MOU_FR not in text, name


def test_the_french_agreement_page_is_titled_with_the_french_short_name(client_for, cbsa, mou):
    text = shown(client_for(cbsa).get(page_fr("agreement-detail", mou.pk)))

    assert f"<title>{MOU_FR} — " in text and f"<h1>{MOU_FR}</h1>" in text


def test_the_french_sharing_map_names_each_instrument_in_french(client_for, cbsa):
    text = shown(client_for(cbsa).get(page_fr("sharing-map") + "?source=CBSA&target=ATF&category=customs"))

    assert f"Dès la signature de {MOU_FR}" in text
    assert ">PE ASFC–GRC</a>" in text and ">Coopération GRC–États-Unis</a>" in text
    assert "CBSA–RCMP MOU" not in text and "RCMP–U.S. cooperation" not in text
    criminal = shown(client_for(cbsa).get(
        page_fr("sharing-map") + "?source=CBSA&target=ATF&category=criminal_evidence&criminal_proceedings=on"
    ))
    assert ">TEJ</a>" in criminal and ">MLAT</a>" not in criminal


def test_the_french_sharing_matrix_names_the_instruments_in_french(client_for, cbsa):
    text = shown(client_for(cbsa).get(page_fr("sharing-matrix") + "?category=customs"))

    assert "AAMD" in text and "CMAA" not in text


def test_the_french_home_pages_name_the_mou_beside_its_stage_and_its_steps(client_for, secretariat, cbsa):
    french = shown(client_for(secretariat).get(page_fr("home")))
    english = shown(client_for(secretariat).get(page("home")))
    member = shown(client_for(cbsa).get(page_fr("home")))

    # Its stage, its two overdue steps, and the step of the secretariat's own agency (CBSA) coming due.
    assert french.count(f">{MOU_FR}</a>") == 4
    assert MOU not in french
    assert english.count(f">{MOU}</a>") == 4 and MOU_FR not in english
    # What comes due for CBSA: the MOU's step, after the MOU and a colon as French writes it.
    assert f">{MOU_FR}</a> : ÉFVP soumise au Commissariat" in member


def test_the_french_progress_report_names_the_mou_in_french(client_for, cbsa):
    text = shown(client_for(cbsa).get(page_fr("report-detail", "CBFTF") + "?start=2021-11-01&end=2022-03-31"))

    assert f"{MOU_FR} — Protocole d'entente" in text and MOU not in text


def test_the_needs_translation_list_prefixes_a_step_with_its_agreement_as_its_reader_knows_it(client_for, secretariat,
                                                                                                mou, demo):
    services.step_add(actor=secretariat, agreement=mou, title_en="Legal sign-off", owner_agency=demo.agencies["CBSA"])

    french = shown(client_for(secretariat).get(page_fr("translation-list")))
    english = shown(client_for(secretariat).get(page("translation-list")))

    assert f"{MOU_FR} : Legal sign-off" in french and f"{MOU}: Legal sign-off" not in french
    assert f"{MOU}: Legal sign-off" in english


def test_an_agreement_without_a_french_short_name_keeps_its_own(demo, mou):
    other = Agreement(short_name="Tracing arrangement", title_en="Tracing arrangement")

    with translation.override("fr"):
        assert (mou.local_short_name, str(mou), str(other)) == (MOU_FR, MOU_FR, "Tracing arrangement")
    assert (mou.local_short_name, str(mou), other.local_short_name) == (MOU, MOU, "Tracing arrangement")


def test_every_demo_agreement_has_its_french_short_name(demo):
    french = dict(Agreement.objects.filter(body__acronym="CBFTF").values_list("short_name", "short_name_fr"))

    assert french == SHORT_NAMES_FR
    assert (french["CMAA"], french["MLAT"], french["SMU"], french["CBFTF ToR"]) == ("AAMD", "TEJ", "DEM",
                                                                                   "Mandat du GTTAF")


def test_loading_the_demo_again_restores_a_changed_french_short_name(demo):
    from mou.demo import load_agreements

    Agreement.objects.filter(short_name="MLAT").update(short_name_fr="")

    load_agreements(demo)

    assert agreement_named("MLAT").short_name_fr == "TEJ"


def test_an_empty_french_short_name_is_not_a_missing_translation(demo, secretariat):
    Agreement.objects.filter(short_name="CMAA").update(short_name_fr="")

    assert "short_name_fr" not in {pair.french for pair in translations.pairs(Agreement)}
    cmaa = agreement_named("CMAA")
    assert [row for row in translations.untranslated(actor=secretariat) if cmaa.title_en in row.text] == []


def test_the_admin_lists_and_searches_the_french_short_names(client_for, superuser, mou):
    client = client_for(superuser)

    listing = text_of(client.get("/admin/mou/agreement/"))
    found = text_of(client.get("/admin/mou/agreement/", {"q": "ASFC–ATF"}))

    assert "Short name (French)" in listing and MOU_FR in listing
    assert MOU in found and "CMAA" not in found
    assert MOU_FR in text_of(client.get(f"/admin/mou/agreement/{mou.pk}/change/"))


# Search -------------------------------------------------------------------------------------------------------


def search(client, url: str, q: str) -> str:
    response = client.get(url, {"q": q})
    assert response.status_code == 200
    return re.sub(r"</?mark>", "", text_of(response))


def test_a_french_search_finds_an_agreement_by_its_french_short_name_and_names_it_so(client_for, cbsa):
    french = search(client_for(cbsa), page_fr("search"), "TEJ")
    english = search(client_for(cbsa), page("search"), "TEJ")

    assert "TEJ — Traité d'entraide juridique en matière pénale" in french and "MLAT —" not in french
    assert "MLAT — Treaty between Canada and the United States" in english


def test_a_french_search_names_the_mou_in_french_and_people_by_their_agency_s_french_acronym(client_for, cbsa):
    french = search(client_for(cbsa), page_fr("search"), "MOU")
    people = search(client_for(cbsa), page_fr("search"), "Gagnon")

    assert f"{MOU_FR} — Protocole d'entente entre l'ASFC et l'ATF" in french
    assert f"{MOU} —" not in french
    assert "Marc Gagnon (ASFC)" in people and "(CBSA)" not in people
    assert "Marc Gagnon (CBSA)" in search(client_for(cbsa), page("search"), "Gagnon")


def test_a_search_for_the_mou_s_french_short_name_finds_nothing_of_it_for_rcmp(client_for, cbsa, rcmp):
    assert MOU_FR in search(client_for(cbsa), page_fr("search"), "PE ASFC ATF")

    text = search(client_for(rcmp), page_fr("search"), "PE ASFC")

    assert MOU_FR not in text and MOU not in text
    assert "PE ASFC–GRC" in text  # what rcmp may see still matches: its MOU with CBSA


# Restricted ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["rcmp", "hsi", "cbp"])
def test_members_the_mou_is_not_shared_with_never_read_its_french_short_name(client_for, demo, mou, username):
    client = client_for(demo.users[username])

    for url in (
        page_fr("agreement-list"),
        page_fr("sharing-map") + "?source=CBSA&target=ATF&category=customs",
        page_fr("sharing-matrix") + "?category=customs",
        page_fr("home"),
        page_fr("search") + "?q=ASFC",
        "/api/v1/agreements/",
        "/api/v1/sharing/?from=CBSA&to=ATF&category=customs",
    ):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 200, url
        assert MOU_FR not in text_of(response), (username, url)
    assert client.get(page_fr("agreement-detail", mou.pk)).status_code == 404


# The API -------------------------------------------------------------------------------------------------------


def test_the_api_gives_the_french_short_name_beside_the_english_one(client_for, cbsa, mou):
    client = client_for(cbsa)

    listed = {row["short_name"]: row["short_name_fr"] for row in client.get("/api/v1/agreements/?page_size=100").json()[
        "results"]}
    detail = client.get(f"/api/v1/agreements/{mou.pk}/", HTTP_ACCEPT_LANGUAGE="fr").json()
    sharing = client.get("/api/v1/sharing/?from=CBSA&to=ATF&category=customs").json()

    assert listed[MOU] == MOU_FR and listed["MLAT"] == "TEJ"
    assert (detail["short_name"], detail["short_name_fr"]) == (MOU, MOU_FR)
    instruments = [i for route in sharing["routes"] for hop in route["hops"] for i in hop["instruments"]]
    assert ("CBSA–RCMP MOU", "PE ASFC–GRC") in {(i["short_name"], i["short_name_fr"]) for i in instruments}
    assert [(a["short_name"], a["short_name_fr"]) for a in sharing["pending"]] == [(MOU, MOU_FR)]
