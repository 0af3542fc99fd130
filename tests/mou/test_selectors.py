"""Who sees which agreements, versions, comments, steps, signatures and status moves (mou/selectors.py): each demo
persona, the restricted MOU, and version markings above a member's clearance."""

import pytest
from django.http import Http404

from members.models import Classification
from mou import selectors, services
from mou.models import Agreement
from tests.support.scenario import GRANTED, NOT_GRANTED

from .conftest import MOU

CBFTF_AGREEMENTS = {
    "CBFTF ToR", MOU, "CMAA", "SMU", "MLAT", "CBSA–RCMP MOU", "RCMP–U.S. cooperation", "U.S. federal sharing",
}
BODY_WIDE = CBFTF_AGREEMENTS - {MOU}
SEES = {
    "secretariat": CBFTF_AGREEMENTS,
    "cbsa": CBFTF_AGREEMENTS,
    "atf": CBFTF_AGREEMENTS,
    "rcmp": BODY_WIDE,
    "hsi": BODY_WIDE,
    "cbp": BODY_WIDE,
    "dea": set(),  # the DEA takes part in the parent forum only
    "outsider": set(),
    "anonymous": set(),
    "superuser": CBFTF_AGREEMENTS,
}


@pytest.mark.parametrize("persona", sorted(SEES))
def test_each_persona_lists_the_agreements_shared_with_their_agency(persona, personas):
    shown = {agreement.short_name for agreement in selectors.agreement_list(actor=personas[persona])}

    assert shown == SEES[persona]


@pytest.mark.parametrize("persona", GRANTED)
def test_the_mou_parties_and_the_secretariat_see_all_of_it(persona, demo, mou):
    user = demo.users[persona]

    assert selectors.agreement_get(actor=user, pk=mou.pk) == mou
    assert [v.number for v in selectors.versions(actor=user, agreement=mou)] == [2, 1]
    assert selectors.version_get(actor=user, agreement=mou, number=1).number == 1
    assert selectors.version_comments(actor=user, version=mou.versions.get(number=1)).count() == 1
    assert selectors.steps(actor=user, agreement=mou).count() == 7
    assert selectors.step_get(actor=user, pk=mou.steps.get(position=1).pk).agreement == mou
    assert [(c.from_status, c.to_status) for c in selectors.status_history(actor=user, agreement=mou)] == [
        ("drafting", "in_approval")
    ]
    assert {step.title_en for step in selectors.overdue_steps(actor=user)} == {
        "Shared with ATF for review", "PIA submitted to the Office of the Privacy Commissioner",
    }


@pytest.mark.parametrize("persona", [*NOT_GRANTED, "outsider", "anonymous"])
def test_the_mou_is_absent_everywhere_for_everyone_else(persona, personas, mou):
    user = personas[persona]

    assert not selectors.agreement_list(actor=user).filter(pk=mou.pk).exists()
    assert not selectors.versions(actor=user, agreement=mou).exists()
    assert not selectors.version_comments(actor=user, version=mou.versions.get(number=2)).exists()
    assert not selectors.steps(actor=user, agreement=mou).exists()
    assert not selectors.signatures(actor=user, agreement=mou).exists()
    assert not selectors.status_history(actor=user, agreement=mou).exists()
    assert not selectors.overdue_steps(actor=user).filter(agreement=mou).exists()
    with pytest.raises(Http404):
        selectors.agreement_get(actor=user, pk=mou.pk)
    with pytest.raises(Http404):
        selectors.version_get(actor=user, agreement=mou, number=1)
    with pytest.raises(Http404):
        selectors.step_get(actor=user, pk=mou.steps.get(position=1).pk)
    assert MOU not in {a.short_name for a in selectors.agreement_list(actor=user, party=mou.parties.first())}


@pytest.mark.parametrize("persona", ["rcmp", "hsi", "cbp"])
def test_body_wide_agreements_show_their_signatures_and_history_to_every_member(persona, demo):
    user = demo.users[persona]
    tor = Agreement.objects.get(short_name="CBFTF ToR")

    assert selectors.signatures(actor=user, agreement=tor).count() == 5
    assert [c.to_status for c in selectors.status_history(actor=user, agreement=tor)] == [
        "in_approval", "ready_for_signature", "signed"
    ]
    assert selectors.steps(actor=user, agreement=tor).count() == 2
    assert selectors.overdue_steps(actor=user).count() == 0


def test_the_dea_sees_no_signature_or_step_of_the_task_force(dea):
    tor = Agreement.objects.get(short_name="CBFTF ToR")

    assert not selectors.signatures(actor=dea, agreement=tor).exists()
    assert not selectors.steps(actor=dea, agreement=tor).exists()
    assert not selectors.sharing_agencies(actor=dea).exists()


def test_the_list_counts_the_latest_version_and_overdue_steps(cbsa, mou):
    shown = {agreement.short_name: agreement for agreement in selectors.agreement_list(actor=cbsa)}

    assert (shown[MOU].latest_version, shown[MOU].overdue_steps) == (2, 2)
    assert (shown["CBFTF ToR"].latest_version, shown["CBFTF ToR"].overdue_steps) == (1, None)
    assert [a.acronym for a in shown[MOU].party_list] == ["ATF", "CBSA"]
    assert {c.code for c in shown[MOU].category_list} == {"customs", "traveller", "intelligence"}


def test_the_list_filters_by_kind_status_and_party(cbsa, demo):
    assert {a.short_name for a in selectors.agreement_list(actor=cbsa, kind="mou")} == {MOU, "CBSA–RCMP MOU"}
    assert {a.short_name for a in selectors.agreement_list(actor=cbsa, status="in_approval")} == {MOU}
    assert {a.short_name for a in selectors.agreement_list(actor=cbsa, party=demo.agencies["DEA"])} == {
        "MLAT", "RCMP–U.S. cooperation", "U.S. federal sharing"
    }


def test_listing_agreements_takes_three_queries_whatever_their_number(secretariat, cbsa, cbftf, demo,
                                                                      django_assert_num_queries):
    def listed() -> int:
        # 1. the agreements the actor may see, with their latest version and overdue step counts
        # 2. their parties  3. their information categories
        with django_assert_num_queries(3):
            agreements = list(selectors.agreement_list(actor=cbsa))
            for agreement in agreements:
                _ = (agreement.party_list, agreement.category_list, agreement.latest_version, agreement.body.acronym)
        return len(agreements)

    before = listed()
    for n in range(3):
        services.agreement_create(
            actor=secretariat, body=cbftf, kind=Agreement.Kind.OTHER, short_name=f"Arrangement {n}",
            title_en=f"Arrangement {n}", parties=[demo.agencies["CBSA"], demo.agencies["RCMP"]], text="Text.",
        )
    assert listed() == before + 3


# Markings above a member's clearance ---------------------------------------------------------------------------


@pytest.fixture
def protected_b_version(secretariat, draft):
    """The body-wide draft with a second version marked Protected B."""
    return services.version_create(
        actor=secretariat, agreement=draft, text="Names of sources.", base_number=1,
        classification=Classification.PROTECTED_B,
    )


@pytest.mark.parametrize(
    ("persona", "numbers"),
    [("rcmp", [2, 1]), ("cbsa", [2, 1]), ("secretariat", [2, 1]), ("hsi", [1]), ("cbp", [1]), ("dea", [])],
)
def test_a_version_above_a_members_clearance_is_hidden(persona, numbers, demo, draft, protected_b_version):
    user = demo.users[persona]

    assert [v.number for v in selectors.versions(actor=user, agreement=draft)] == numbers
    if 2 not in numbers:
        with pytest.raises(Http404):
            selectors.version_get(actor=user, agreement=draft, number=2)


@pytest.mark.parametrize(("persona", "latest"), [("rcmp", 2), ("hsi", 1), ("cbp", 1)])
def test_the_list_counts_only_the_versions_a_member_may_read(persona, latest, demo, draft, protected_b_version):
    shown = selectors.agreement_list(actor=demo.users[persona]).get(pk=draft.pk)

    assert shown.latest_version == latest


def test_an_agreement_marked_protected_b_is_hidden_from_protected_a_members(secretariat, cbftf, demo):
    marked = services.agreement_create(
        actor=secretariat, body=cbftf, kind=Agreement.Kind.OTHER, short_name="Source handling",
        title_en="Source handling", parties=[demo.agencies["CBSA"], demo.agencies["RCMP"]], text="Text.",
        classification=Classification.PROTECTED_B,
    )

    for persona, sees in [("rcmp", True), ("cbsa", True), ("hsi", False), ("cbp", False)]:
        user = demo.users[persona]
        assert selectors.agreement_list(actor=user).filter(pk=marked.pk).exists() is sees
        assert selectors.versions(actor=user, agreement=marked).exists() is sees
