"""The information-sharing map (mou/sharing.py): how agency A can share a category of information with agency B, from
the agreements in force that the asker may see, and what a pending agreement the asker may see would change."""

import pytest

from members.models import Agency
from mou import services
from mou.models import Agreement, InformationCategory
from mou.sharing import Answer, sharing_answer, sharing_matrix

from .conftest import MOU, SmallBody, agreement_named, category, days_ago

# A route as a reader sees it: each hop (from, to, the instruments that allow it).
Hops = list[tuple[str, str, tuple[str, ...]]]


def routes_of(answer: Answer) -> list[Hops]:
    return [
        [(hop.source.acronym, hop.target.acronym, tuple(a.short_name for a in hop.instruments)) for hop in route.hops]
        for route in answer.routes
    ]


def ask(demo, persona: str, source: str, target: str, code: str, **options) -> Answer:
    return sharing_answer(
        actor=demo.users[persona], source=demo.agencies[source], target=demo.agencies[target],
        category=category(code), **options,
    )


CMAA_DIRECT = [[("CBSA", "CBP", ("CMAA",))]]
CBSA_TO_ATF_CUSTOMS = [
    [("CBSA", "CBP", ("CMAA",)), ("CBP", "ATF", ("U.S. federal sharing",))],
    [("CBSA", "ICE", ("CMAA",)), ("ICE", "ATF", ("U.S. federal sharing",))],
    [("CBSA", "RCMP", ("CBSA–RCMP MOU",)), ("RCMP", "ATF", ("RCMP–U.S. cooperation",))],
]
CBSA_TO_ATF_TRAVELLER = [
    [("CBSA", "CBP", ("SMU",)), ("CBP", "ATF", ("U.S. federal sharing",))],
    [("CBSA", "ICE", ("SMU",)), ("ICE", "ATF", ("U.S. federal sharing",))],
]


@pytest.mark.parametrize(
    ("persona", "source", "target", "code", "options", "expected"),
    [
        pytest.param("cbsa", "CBSA", "CBP", "customs", {}, CMAA_DIRECT, id="direct-customs-via-cmaa"),
        pytest.param("rcmp", "CBSA", "CBP", "customs", {}, CMAA_DIRECT, id="direct-seen-by-a-non-party"),
        pytest.param("cbsa", "CBP", "CBSA", "customs", {}, [[("CBP", "CBSA", ("CMAA",))]], id="direct-either-way"),
        pytest.param("cbsa", "CBSA", "ATF", "customs", {}, CBSA_TO_ATF_CUSTOMS, id="one-hop-customs-to-atf"),
        pytest.param("rcmp", "CBSA", "ATF", "customs", {}, CBSA_TO_ATF_CUSTOMS, id="one-hop-seen-by-rcmp"),
        pytest.param("cbsa", "CBSA", "ATF", "traveller", {}, CBSA_TO_ATF_TRAVELLER, id="one-hop-traveller-to-atf"),
        pytest.param("cbsa", "CBSA", "ATF", "criminal_evidence", {}, [], id="mlat-needs-criminal-proceedings"),
        pytest.param(
            "cbsa", "CBSA", "ATF", "criminal_evidence", {"criminal_proceedings": True},
            [[("CBSA", "ATF", ("MLAT",))]], id="mlat-in-criminal-proceedings",
        ),
        pytest.param(
            "cbsa", "CBSA", "DEA", "customs", {},
            [
                [("CBSA", "CBP", ("CMAA",)), ("CBP", "DEA", ("U.S. federal sharing",))],
                [("CBSA", "ICE", ("CMAA",)), ("ICE", "DEA", ("U.S. federal sharing",))],
                [("CBSA", "RCMP", ("CBSA–RCMP MOU",)), ("RCMP", "DEA", ("RCMP–U.S. cooperation",))],
            ],
            id="one-hop-customs-to-dea",
        ),
        pytest.param("dea", "CBSA", "CBP", "customs", {}, [], id="nothing-for-who-sees-no-instrument"),
    ],
)
def test_it_answers_with_the_direct_instrument_or_the_shortest_routes(persona, source, target, code, options, expected,
                                                                      demo):
    answer = ask(demo, persona, source, target, code, **options)

    assert routes_of(answer) == expected
    assert answer.hops == (len(expected[0]) if expected else None)
    assert answer.is_direct == (answer.hops == 1)


def test_a_direct_answer_names_its_instruments(demo):
    answer = ask(demo, "cbsa", "CBSA", "CBP", "customs")

    assert answer.is_direct
    assert [a.short_name for a in answer.direct_instruments] == ["CMAA"]
    assert answer.routes[0].intermediaries == []


def test_the_cbsa_reaches_the_atf_through_cbp_ice_or_the_rcmp(demo):
    answer = ask(demo, "cbsa", "CBSA", "ATF", "customs")

    assert not answer.is_direct and answer.direct_instruments == ()
    assert [[a.acronym for a in route.intermediaries] for route in answer.routes] == [["CBP"], ["ICE"], ["RCMP"]]


def test_no_route_when_no_instrument_covers_the_category(demo):
    firearms_traces = InformationCategory.objects.create(
        code="firearms_traces", name_en="Firearms traces", name_fr="Traçage d'armes à feu"
    )

    answer = sharing_answer(
        actor=demo.users["secretariat"], source=demo.agencies["CBSA"], target=demo.agencies["ATF"],
        category=firearms_traces,
    )

    assert (answer.routes, answer.hops, answer.is_direct) == ([], None, False)
    assert (answer.once_signed, answer.pending) == (None, [])


def test_a_chain_of_agreements_gives_a_route_with_two_intermediaries(small_body: SmallBody):
    small_body.in_force("A–B", "AB")
    small_body.in_force("B–C", "BC")
    small_body.in_force("C–D", "CD")
    a, d = small_body.agencies["A"], small_body.agencies["D"]

    answer = sharing_answer(actor=small_body.clerk, source=a, target=d, category=category("customs"))

    assert routes_of(answer) == [[
        ("AGENCY-A", "AGENCY-B", ("A–B",)), ("AGENCY-B", "AGENCY-C", ("B–C",)), ("AGENCY-C", "AGENCY-D", ("C–D",)),
    ]]
    assert answer.hops == 3
    assert [agency.acronym for agency in answer.routes[0].intermediaries] == ["AGENCY-B", "AGENCY-C"]
    shorter = sharing_answer(actor=small_body.clerk, source=a, target=d, category=category("customs"), max_hops=2)
    assert shorter.routes == []


def test_a_hop_lists_every_instrument_that_allows_it(small_body: SmallBody):
    small_body.in_force("A–B customs", "AB")
    small_body.in_force("A–B–C regional", "ABC")

    answer = sharing_answer(
        actor=small_body.clerk, source=small_body.agencies["A"], target=small_body.agencies["B"],
        category=category("customs"),
    )

    assert routes_of(answer) == [[("AGENCY-A", "AGENCY-B", ("A–B customs", "A–B–C regional"))]]


def test_only_the_shortest_routes_are_given(small_body: SmallBody):
    small_body.in_force("A–B", "AB")
    small_body.in_force("B–D", "BD")
    small_body.in_force("A–C", "AC")
    small_body.in_force("C–E", "CE")
    small_body.in_force("E–D", "ED")

    answer = sharing_answer(
        actor=small_body.clerk, source=small_body.agencies["A"], target=small_body.agencies["D"],
        category=category("customs"),
    )

    assert routes_of(answer) == [[("AGENCY-A", "AGENCY-B", ("A–B",)), ("AGENCY-B", "AGENCY-D", ("B–D",))]]


@pytest.mark.parametrize(
    ("transition", "expected_hops"),
    [(None, 1), ("expire", 3), ("supersede", 3)],
)
def test_expired_and_superseded_agreements_are_not_used(transition, expected_hops, small_body: SmallBody):
    for name, parties in (("A–B", "AB"), ("B–C", "BC"), ("C–D", "CD")):
        small_body.in_force(name, parties)
    shortcut = small_body.in_force("A–D", "AD")
    if transition:
        services.agreement_transition(
            actor=small_body.clerk, agreement=shortcut, transition=transition,
            **({"on": days_ago(1)} if transition == "expire" else {}),
        )

    answer = sharing_answer(
        actor=small_body.clerk, source=small_body.agencies["A"], target=small_body.agencies["D"],
        category=category("customs"),
    )

    assert answer.hops == expected_hops
    used = {a.short_name for route in answer.routes for hop in route.hops for a in hop.instruments}
    assert ("A–D" in used) == (transition is None)
    assert answer.once_signed is None and answer.pending == []


def test_when_the_cmaa_expires_the_cbsa_no_longer_reaches_cbp_directly(secretariat, demo):
    services.agreement_transition(actor=secretariat, agreement=agreement_named("CMAA"), transition="expire",
                                  on=days_ago(1))

    answer = ask(demo, "secretariat", "CBSA", "CBP", "customs")

    assert not answer.is_direct
    assert all("CMAA" not in names for route in routes_of(answer) for _s, _t, names in route)
    assert [[a.acronym for a in route.intermediaries] for route in answer.routes] == [["RCMP", "ATF"], ["RCMP", "DEA"]]


def test_the_instruments_of_a_body_are_not_used_for_those_outside_it(small_body: SmallBody, demo):
    small_body.in_force("Bridge", "AB")
    a, b = small_body.agencies["A"], small_body.agencies["B"]

    assert sharing_answer(actor=small_body.clerk, source=a, target=b, category=category("customs")).is_direct
    assert sharing_answer(actor=demo.users["cbsa"], source=a, target=b, category=category("customs")).routes == []


# What the pending MOU would change, for those who may know of it ---------------------------------------------------


@pytest.mark.parametrize("persona", ["cbsa", "atf", "secretariat"])
def test_once_the_mou_is_signed_the_cbsa_would_share_with_the_atf_directly(persona, demo):
    answer = ask(demo, persona, "CBSA", "ATF", "customs")

    assert answer.hops == 2
    assert answer.once_signed is not None
    assert answer.once_signed.hops == 1
    assert routes_of(answer.once_signed) == [[("CBSA", "ATF", (MOU,))]]
    assert [a.short_name for a in answer.pending] == [MOU]


@pytest.mark.parametrize("persona", ["rcmp", "hsi", "cbp", "dea"])
def test_the_restricted_pending_mou_is_never_revealed(persona, demo):
    for code in ("customs", "traveller", "intelligence"):
        answer = ask(demo, persona, "CBSA", "ATF", code)

        assert answer.once_signed is None
        assert answer.pending == []
        assert all(MOU not in names for route in routes_of(answer) for _s, _t, names in route)


def test_a_category_the_mou_does_not_cover_gains_nothing_once_it_is_signed(demo):
    answer = ask(demo, "cbsa", "CBSA", "ATF", "criminal_evidence", criminal_proceedings=True)

    assert answer.is_direct
    assert (answer.once_signed, answer.pending) == (None, [])


def test_a_pending_agreement_that_would_not_shorten_the_route_is_not_offered(small_body: SmallBody):
    small_body.in_force("A–B", "AB")
    small_body.agreement("A–B renewal", "AB")

    answer = sharing_answer(
        actor=small_body.clerk, source=small_body.agencies["A"], target=small_body.agencies["B"],
        category=category("customs"),
    )

    assert answer.is_direct
    assert (answer.once_signed, answer.pending) == (None, [])


def test_once_signed_names_only_the_pending_agreements_on_the_better_route(small_body: SmallBody):
    small_body.in_force("A–B", "AB")
    small_body.in_force("B–C", "BC")
    small_body.agreement("A–C draft", "AC")
    small_body.agreement("D–E draft", "DE")

    answer = sharing_answer(
        actor=small_body.clerk, source=small_body.agencies["A"], target=small_body.agencies["C"],
        category=category("customs"),
    )

    assert answer.hops == 2
    assert answer.once_signed.hops == 1
    assert [a.short_name for a in answer.pending] == ["A–C draft"]


# The matrix of every pair ---------------------------------------------------------------------------------------


def matrix(demo, persona: str, acronyms=("CBSA", "ATF", "CBP", "RCMP"), code: str = "customs", **options):
    """Each ordered pair's cell as a reader sees it: (hops, direct instruments, first intermediaries, improves)."""
    cells = sharing_matrix(
        actor=demo.users[persona], agencies=[demo.agencies[a] for a in acronyms], category=category(code), **options
    )
    acronym = {agency.pk: agency.acronym for agency in Agency.objects.all()}
    return {
        (acronym[a], acronym[b]): (
            cell.hops, tuple(x.short_name for x in cell.direct), tuple(x.acronym for x in cell.via),
            cell.improves_once_signed,
        )
        for (a, b), cell in cells.items()
    }


@pytest.mark.parametrize(
    ("pair", "cbsa_sees", "rcmp_sees"),
    [
        (("CBSA", "CBP"), (1, ("CMAA",), (), False), (1, ("CMAA",), (), False)),
        (("CBP", "ATF"), (1, ("U.S. federal sharing",), (), False), (1, ("U.S. federal sharing",), (), False)),
        (("CBSA", "ATF"), (2, (), ("CBP", "ICE", "RCMP"), True), (2, (), ("CBP", "ICE", "RCMP"), False)),
        (("ATF", "CBSA"), (2, (), ("CBP", "ICE", "RCMP"), True), (2, (), ("CBP", "ICE", "RCMP"), False)),
        (("RCMP", "CBP"), (2, (), ("ATF", "CBSA", "DEA"), False), (2, (), ("ATF", "CBSA", "DEA"), False)),
    ],
)
def test_the_matrix_shows_each_pair_and_improvements_only_to_those_who_see_the_mou(pair, cbsa_sees, rcmp_sees,
                                                                                     demo):
    assert matrix(demo, "cbsa")[pair] == cbsa_sees
    assert matrix(demo, "atf")[pair] == cbsa_sees
    assert matrix(demo, "rcmp")[pair] == rcmp_sees
    assert matrix(demo, "hsi")[pair] == rcmp_sees


def test_the_matrix_has_every_ordered_pair_but_the_diagonal(demo):
    cells = matrix(demo, "cbsa")

    assert len(cells) == 4 * 3
    assert ("CBSA", "CBSA") not in cells


def test_the_matrix_respects_the_mlat_condition(demo):
    pair = ("CBSA", "ATF")

    assert matrix(demo, "cbsa", code="criminal_evidence")[pair] == (None, (), (), False)
    assert matrix(demo, "cbsa", code="criminal_evidence", criminal_proceedings=True)[pair] == (
        1, ("MLAT",), (), False
    )


def test_the_matrix_is_empty_for_who_sees_no_instrument(demo):
    cells = matrix(demo, "dea")

    assert {cell for cell in cells.values()} == {(None, (), (), False)}


def test_the_matrix_ignores_an_expired_instrument(secretariat, demo):
    services.agreement_transition(actor=secretariat, agreement=agreement_named("CMAA"), transition="expire",
                                  on=days_ago(1))

    hops, direct, via, improves = matrix(demo, "secretariat")[("CBSA", "CBP")]

    assert (hops, direct, via) == (3, (), ("RCMP",))
    # The pending MOU would give CBSA → ATF → CBP.
    assert improves


def test_a_signed_mou_in_force_makes_the_cbsa_and_atf_direct(secretariat, demo):
    mou = Agreement.objects.get(short_name=MOU)
    for step in mou.steps.exclude(moves_to=Agreement.Status.SIGNED).order_by("position"):
        for agency in services.required_agencies(step):
            services.step_act(actor=secretariat, step=step, outcome="approved",
                              on_behalf_of=Agency.objects.get(pk=agency))
    for party in mou.parties.all():
        services.signature_record(actor=secretariat, agreement=mou, party=party, signatory_name="For the party",
                                  signed_on=days_ago(1))
    services.agreement_transition(actor=secretariat, agreement=mou, transition="bring_into_force", on=days_ago(0))

    assert matrix(demo, "cbsa")[("CBSA", "ATF")] == (1, (MOU,), (), False)
    assert matrix(demo, "rcmp")[("CBSA", "ATF")] == (2, (), ("CBP", "ICE", "RCMP"), False)
    answer = ask(demo, "atf", "CBSA", "ATF", "customs")
    assert routes_of(answer) == [[("CBSA", "ATF", (MOU,))]]
