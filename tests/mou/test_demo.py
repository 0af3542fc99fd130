"""The agreements of the demo scenario (mou/demo.py), as the briefing note tells them."""

import datetime

from members.models import Classification
from mou.demo import load_agreements
from mou.models import (
    Agreement,
    AgreementVersion,
    Signature,
    StatusChange,
    StepAction,
    VersionComment,
    WorkflowStep,
)
from taskforce import demo as scenario
from taskforce import permissions
from tests.support.scenario import MOU_REVIEW, PIA_SUBMITTED

from .conftest import MOU, agreement_named

MOU_STEPS = [
    # title, owner, concurring, target date
    ("CBSA internal approval", "CBSA", set(), None),
    ("Shared with ATF for review", "ATF", set(), datetime.date(2022, 2, 15)),
    ("Privacy Impact Assessment prepared", "CBSA", set(), None),
    ("PIA submitted to the Office of the Privacy Commissioner", "CBSA", set(), datetime.date(2022, 3, 31)),
    ("Office of the Privacy Commissioner approval", "CBSA", set(), None),
    ("Ready for signature", "CBSA", {"ATF"}, None),
    ("Signed", "CBSA", {"ATF"}, None),
]


def acronyms(agencies) -> set[str]:
    return {agency.acronym for agency in agencies}


def mou_rows() -> dict[str, int]:
    models = (Agreement, AgreementVersion, VersionComment, WorkflowStep, StepAction, StatusChange, Signature)
    return {model.__name__: model.objects.count() for model in models}


def test_the_terms_of_reference_were_signed_on_12_august_2021_by_the_five_member_agencies(demo):
    tor = agreement_named("CBFTF ToR")

    assert (tor.kind, tor.status, tor.signed_on) == ("tor", Agreement.Status.SIGNED, datetime.date(2021, 8, 12))
    assert acronyms(tor.parties.all()) == {"CBSA", "ATF", "HSI", "CBP", "RCMP"}
    signatures = tor.signatures.select_related("party", "version")
    assert sorted((s.party.acronym, s.signed_on, s.version.number) for s in signatures) == [
        (acronym, datetime.date(2021, 8, 12), 1) for acronym in sorted(["ATF", "CBP", "CBSA", "HSI", "RCMP"])
    ]
    assert all(step.is_complete for step in tor.steps.all())
    assert not tor.restricted


def test_the_mou_has_two_versions_with_a_comment_on_each(demo):
    mou = agreement_named(MOU)

    versions = list(mou.versions.order_by("number"))
    assert [(v.number, v.author.username, v.classification) for v in versions] == [
        (1, "secretariat", Classification.PROTECTED_A), (2, "cbsa", Classification.PROTECTED_A),
    ]
    assert "in a timely manner" in versions[1].text and "in a timely manner" not in versions[0].text
    comments = VersionComment.objects.filter(version__agreement=mou).order_by("version__number")
    assert [(c.version.number, c.author.username, c.passage) for c in comments] == [
        (1, "cbsa", "share information directly"),
        (2, "secretariat", "as set out in the Privacy Impact Assessment"),
    ]
    assert all(c.passage in c.version.text for c in comments)


def test_the_mou_workflow_follows_the_briefing_note(demo):
    mou = agreement_named(MOU)

    steps = [
        (s.title_en, s.owner_agency.acronym, acronyms(s.concurring_agencies.all()), s.target_date)
        for s in mou.steps.order_by("position")
    ]
    assert steps == MOU_STEPS
    assert [s.position for s in mou.steps.order_by("position")] == [1, 2, 3, 4, 5, 6, 7]
    assert list(mou.steps.exclude(moves_to="").order_by("position").values_list("moves_to", flat=True)) == [
        "ready_for_signature", "signed"
    ]
    assert not any(step.completed_at for step in mou.steps.all())
    assert mou.steps.get(title_en="Shared with ATF for review").target_label == "Before mid-February 2022"


def test_the_mou_is_in_approval_and_restricted_to_the_cbsa_and_the_atf(demo):
    mou = agreement_named(MOU)

    assert (mou.kind, mou.status) == ("mou", Agreement.Status.IN_APPROVAL)
    assert mou.classification == Classification.PROTECTED_A
    assert acronyms(mou.parties.all()) == {"CBSA", "ATF"}
    assert mou.restricted
    assert acronyms(permissions.granted_agencies(mou)) == {"CBSA", "ATF"}
    assert {c.code for c in mou.categories.all()} == {"customs", "traveller", "intelligence"}
    assert set(mou.milestones.values_list("title_en", flat=True)) == {MOU_REVIEW, PIA_SUBMITTED}
    assert [(c.from_status, c.to_status, c.actor.username) for c in mou.status_changes.all()] == [
        ("drafting", "in_approval", "secretariat")
    ]


def test_the_standing_instruments_are_in_force_with_their_parties_and_categories(demo):
    expected = {
        "CMAA": ({"CBSA", "CBP", "ICE"}, {"customs"}, ""),
        "SMU": ({"CBSA", "CBP", "ICE"}, {"traveller"}, ""),
        "MLAT": ({"CBSA", "RCMP", "ATF", "DEA", "CBP", "ICE", "HSI"}, {"criminal_evidence"}, "criminal_proceedings"),
    }

    for short_name, (parties, categories, condition) in expected.items():
        instrument = agreement_named(short_name)
        assert instrument.status == Agreement.Status.IN_FORCE, short_name
        assert acronyms(instrument.parties.all()) == parties, short_name
        assert {c.code for c in instrument.categories.all()} == categories, short_name
        assert instrument.condition == condition, short_name
        assert instrument.in_force_on is not None and not instrument.restricted
        assert acronyms(s.party for s in instrument.signatures.select_related("party")) == parties


def test_loading_the_agreements_twice_creates_nothing_new(demo):
    before = mou_rows()

    load_agreements(demo)
    scenario.load()

    assert mou_rows() == before
    assert agreement_named(MOU).status == Agreement.Status.IN_APPROVAL
