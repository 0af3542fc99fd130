"""The visibility matrix: every named URL outside the admin, what each persona gets there, and its tests.

tests/test_url_coverage.py walks the URL resolver and fails for any name missing here, so a new page or
endpoint cannot ship without saying who may see it. For each route it requests the most restricted
object the route can show (the CBSA–ATF MOU milestone, the forum-only DEA, ...) as every persona.

Adding a route: add an entry with the URL of its most restricted object, the status each persona gets,
and the tests that check its visibility in depth (`covered_by`, "path::test_name"; checked to exist).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLResolver, get_resolver

from taskforce.demo import Demo
from tests.support.scenario import mou_review, page

# anonymous: not signed in; outsider: an agency that takes part in no body; dea: the forum (CBCF) only;
# rcmp, hsi, cbp: the task force (CBFTF), not party to the MOU; atf, cbsa: parties to the MOU;
# secretariat: of both bodies; superuser: sees everything.
PERSONAS = ("anonymous", "outsider", "dea", "rcmp", "hsi", "cbp", "atf", "cbsa", "secretariat", "superuser")
# Those who must never read the MOU's restricted milestones, on any route, whatever the status.
NEVER_SEE_MOU = ("anonymous", "outsider", "dea", "rcmp", "hsi", "cbp")

REFUSED = frozenset({401, 403})  # an API call without credentials, refused before any lookup
REDIRECT_TO_SIGN_IN = 302


def url_patterns(patterns=None, route: str = "", namespace: str = "") -> Iterator[tuple[str | None, str]]:
    """(qualified name, route) of every pattern, through includes and i18n_patterns, outside the admin.

    The admin is left out: it is for superusers, with Django's own permission checks. DRF's format-suffix
    patterns (`milestones/<pk>.json`) carry the name of the route they duplicate and serve the same
    scoped view, so they are covered with it.
    """
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        full_route = route + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from url_patterns(pattern.url_patterns, full_route, inner)
        else:
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield name, full_route


@dataclass(frozen=True)
class Route:
    url: Callable[[Demo], str]
    statuses: dict[str, int | frozenset[int]]
    covered_by: tuple[str, ...]
    method: str = "get"
    # Lists or shows the MOU's restricted milestones: the personas it is shared with must read them here.
    shows_mou: bool = False


def statuses(anonymous, everyone, **persona) -> dict[str, int | frozenset[int]]:
    return {"anonymous": anonymous} | {name: persona.get(name, everyone) for name in PERSONAS[1:]}


def only(allowed: tuple[str, ...], *, anonymous, status=200, otherwise=404) -> dict[str, int | frozenset[int]]:
    return statuses(anonymous, otherwise, **{name: status for name in allowed})


# Who may see the restricted MOU milestone, the CBFTF, and the forum-only DEA (the agency and its member).
MOU_PARTIES = ("atf", "cbsa", "secretariat", "superuser")
CBFTF = ("rcmp", "hsi", "cbp", "atf", "cbsa", "secretariat", "superuser")
CBCF_ONLY = ("dea", "secretariat", "superuser")

PAGES = "tests/taskforce/test_pages.py"
MILESTONE_PAGES = "tests/taskforce/test_milestone_pages.py"
API = "tests/taskforce/test_api.py"
HEALTH = "tests/ops/test_health.py"
SCHEDULE = "tests/taskforce/test_schedule.py"
DASHBOARDS = "tests/portal/test_dashboards.py"
CALENDAR = "tests/portal/test_calendar.py"


MATRIX: dict[str, Route] = {
    # Probes: open to all, revealing nothing but their own state.
    "healthz": Route(
        url=lambda demo: "/healthz",
        statuses=statuses(200, 200),
        covered_by=(f"{HEALTH}::test_healthz_answers_without_signing_in",),
    ),
    "readyz": Route(
        url=lambda demo: "/readyz",
        # 503 when the broker is down on this machine; the body says which check failed.
        statuses=statuses(frozenset({200, 503}), frozenset({200, 503})),
        covered_by=(
            f"{HEALTH}::test_readyz_answers_ready_with_the_database_and_broker_up",
            f"{HEALTH}::test_readyz_is_unavailable_when_the_broker_is_unreachable",
        ),
    ),
    # Sign in and out.
    "login": Route(
        url=lambda demo: page("login"),
        statuses=statuses(200, 302),
        covered_by=(
            f"{PAGES}::test_the_sign_in_page_is_open_to_anonymous_visitors",
            f"{PAGES}::test_a_signed_in_member_is_sent_home_from_the_sign_in_page",
        ),
    ),
    "logout": Route(
        url=lambda demo: page("logout"),
        method="post",
        statuses=statuses(302, 302),
        covered_by=(
            f"{PAGES}::test_signing_out_ends_the_session",
            "tests/accounts/test_sign_in_security.py::test_signing_out_keeps_the_api_tokens_when_the_box_is_not_ticked",
            "tests/accounts/test_sign_in_security.py::test_signing_out_with_the_box_ticked_revokes_every_api_token_of_the_member_and_records_each",
        ),
    ),
    # Pages.
    "home": Route(
        url=lambda demo: page("home"),
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        shows_mou=True,
        covered_by=(
            f"{PAGES}::test_it_hides_restricted_milestones_from_other_agencies_on_pages",
            f"{PAGES}::test_a_forum_member_sees_no_task_force_milestone_at_home",
            f"{DASHBOARDS}::test_the_home_page_hides_the_mou_and_its_steps_from_other_agencies",
            f"{DASHBOARDS}::test_a_restricted_action_item_is_only_on_the_home_of_the_agencies_it_is_shared_with",
            f"{DASHBOARDS}::test_only_the_secretariat_gets_the_secretariat_panels",
        ),
    ),
    # Dashboards and calendar: February 2022 holds the MOU's review milestone and step, and the PIA's window.
    "calendar": Route(
        url=lambda demo: page("calendar") + "?month=2022-02",
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        shows_mou=True,
        covered_by=(
            f"{CALENDAR}::test_other_agencies_never_see_the_mou_in_their_calendar",
            f"{CALENDAR}::test_an_action_item_from_a_restricted_item_stays_out_of_other_agencies_calendars",
            f"{CALENDAR}::test_the_mou_parties_see_its_milestones_and_steps_in_their_calendar",
        ),
    ),
    "milestone-timeline": Route(
        url=lambda demo: page("milestone-timeline"),
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        shows_mou=True,
        covered_by=(f"{CALENDAR}::test_the_timeline_hides_restricted_milestones_from_other_agencies",),
    ),
    "body-detail": Route(
        url=lambda demo: page("body-detail", "CBFTF"),
        statuses=only(CBFTF, anonymous=REDIRECT_TO_SIGN_IN),
        shows_mou=True,
        covered_by=(
            f"{PAGES}::test_it_hides_restricted_milestones_from_other_agencies_on_pages",
            f"{PAGES}::test_a_body_is_not_found_for_someone_with_no_role_in_it",
        ),
    ),
    "milestone-detail": Route(
        url=lambda demo: page("milestone-detail", mou_review().pk),
        statuses=only(MOU_PARTIES, anonymous=REDIRECT_TO_SIGN_IN),
        shows_mou=True,
        covered_by=(
            f"{PAGES}::test_a_restricted_milestone_is_not_found_for_other_agencies",
            f"{PAGES}::test_a_hidden_milestone_and_a_missing_one_get_the_same_page",
        ),
    ),
    "milestone-create": Route(
        url=lambda demo: page("milestone-create", "CBFTF"),
        # The task force's members see the body; only its secretariat adds milestones.
        statuses=only(("secretariat", "superuser"), anonymous=REDIRECT_TO_SIGN_IN)
        | {name: 403 for name in ("rcmp", "hsi", "cbp", "atf", "cbsa")},
        covered_by=(
            f"{MILESTONE_PAGES}::test_the_secretariat_adds_a_window_milestone_shared_with_two_agencies",
            f"{MILESTONE_PAGES}::test_members_who_see_the_milestone_may_not_edit_it_or_add_one",
        ),
    ),
    "milestone-edit": Route(
        url=lambda demo: page("milestone-edit", mou_review().pk),
        statuses=only(("secretariat", "superuser"), anonymous=REDIRECT_TO_SIGN_IN) | {"atf": 403, "cbsa": 403},
        shows_mou=True,
        covered_by=(
            f"{MILESTONE_PAGES}::test_other_agencies_cannot_reach_the_mou_milestone_editor",
            f"{MILESTONE_PAGES}::test_a_save_from_an_older_version_is_refused_and_keeps_both_versions",
        ),
    ),
    "agency-list": Route(
        url=lambda demo: page("agency-list"),
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        covered_by=(f"{PAGES}::test_the_agency_list_shows_the_agencies_of_shared_bodies_with_their_lineage",),
    ),
    "agency-detail": Route(
        url=lambda demo: page("agency-detail", "DEA"),
        statuses=only(CBCF_ONLY, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(
            f"{PAGES}::test_an_outsider_cannot_open_agencies_and_people_they_share_no_body_with",
            f"{PAGES}::test_task_force_members_cannot_open_forum_only_agencies_and_people",
        ),
    ),
    "member-list": Route(
        url=lambda demo: page("member-list"),
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        covered_by=(f"{PAGES}::test_the_member_list_shows_people_of_shared_bodies_only",),
    ),
    "member-detail": Route(
        url=lambda demo: page("member-detail", "dea"),
        statuses=only(CBCF_ONLY, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(
            f"{PAGES}::test_an_outsider_cannot_open_agencies_and_people_they_share_no_body_with",
            f"{PAGES}::test_a_member_page_shows_only_the_roles_the_reader_may_see",
        ),
    ),
    # The REST API.
    "api:api-root": Route(
        url=lambda demo: "/api/v1/",
        statuses=statuses(REFUSED, 200),
        covered_by=(f"{API}::test_the_api_root_links_to_the_api_endpoints",),
    ),
    "api:body-list": Route(
        url=lambda demo: "/api/v1/bodies/",
        statuses=statuses(REFUSED, 200),
        covered_by=(f"{API}::test_the_body_list_holds_only_the_callers_bodies",),
    ),
    "api:body-detail": Route(
        url=lambda demo: f"/api/v1/bodies/{demo.bodies['CBFTF'].pk}/",
        statuses=only(CBFTF, anonymous=REFUSED),
        covered_by=(f"{API}::test_a_body_is_not_found_in_the_api_for_someone_with_no_role_in_it",),
    ),
    "api:agency-list": Route(
        url=lambda demo: "/api/v1/agencies/",
        statuses=statuses(REFUSED, 200),
        covered_by=(f"{API}::test_the_agency_list_holds_only_agencies_of_shared_bodies",),
    ),
    "api:agency-detail": Route(
        url=lambda demo: f"/api/v1/agencies/{demo.agencies['DEA'].pk}/",
        statuses=only(CBCF_ONLY, anonymous=REFUSED),
        covered_by=(f"{API}::test_an_agency_is_not_found_in_the_api_unless_it_shares_a_body_with_the_caller",),
    ),
    "api:milestone-list": Route(
        url=lambda demo: "/api/v1/milestones/",
        statuses=statuses(REFUSED, 200),
        shows_mou=True,
        covered_by=(
            f"{API}::test_it_hides_restricted_milestones_from_other_agencies_in_the_api",
            f"{API}::test_every_page_of_milestones_is_scoped",
        ),
    ),
    "api:milestone-detail": Route(
        url=lambda demo: f"/api/v1/milestones/{mou_review().pk}/",
        statuses=only(MOU_PARTIES, anonymous=REFUSED),
        shows_mou=True,
        covered_by=(f"{API}::test_a_restricted_milestone_is_not_found_in_the_api_for_other_agencies",),
    ),
    "api:member-list": Route(
        url=lambda demo: "/api/v1/members/",
        statuses=statuses(REFUSED, 200),
        covered_by=(f"{API}::test_the_member_list_holds_only_people_of_shared_bodies",),
    ),
    "api:member-detail": Route(
        url=lambda demo: f"/api/v1/members/{demo.users['dea'].pk}/",
        statuses=only(CBCF_ONLY, anonymous=REFUSED),
        covered_by=(f"{API}::test_a_member_is_not_found_in_the_api_unless_they_share_a_body_with_the_caller",),
    ),
    "api-schedule": Route(
        url=lambda demo: "/api/v1/schedule/",
        statuses=statuses(REFUSED, 200),
        shows_mou=True,
        covered_by=(
            f"{SCHEDULE}::test_it_never_shows_restricted_entries_to_other_agencies",
            f"{SCHEDULE}::test_a_removed_restricted_entry_is_reported_only_to_those_who_could_see_it",
        ),
    ),
    "api-schema": Route(
        url=lambda demo: "/api/schema/",
        statuses=statuses(REFUSED, 200),
        covered_by=(f"{API}::test_the_schema_and_docs_are_served_to_signed_in_callers",),
    ),
    "api-docs": Route(
        url=lambda demo: "/api/docs/",
        statuses=statuses(REFUSED, 200),
        covered_by=(f"{API}::test_the_schema_and_docs_are_served_to_signed_in_callers",),
    ),
}



# Agreements (mou/urls.py). The most restricted object is the CBSA–ATF MOU, shared with CBSA and ATF only. An
# action posted empty by someone who may take it is refused on its form (200); by a party who may not, 403.

AGREEMENT_PAGES = "tests/mou/test_pages.py"
AGREEMENT_CONFIRMATIONS = "tests/mou/test_confirmations.py"
SECRETARIAT = ("secretariat", "superuser")
PARTIES_REFUSED = {"atf": 403, "cbsa": 403}  # they see the MOU; only the secretariat manages it


def the_mou():
    from mou.models import Agreement

    return Agreement.objects.get(body__acronym="CBFTF", short_name="CBSA–ATF MOU")


def mou_page(name: str, *args) -> Callable[[Demo], str]:
    return lambda demo: page(name, the_mou().pk, *args)


def mou_step_page(title: str) -> Callable[[Demo], str]:
    return lambda demo: page("step-act", the_mou().steps.get(title_en=title).pk)


MOU_HIDDEN = f"{AGREEMENT_PAGES}::test_the_mous_own_pages_are_not_found_for_agencies_it_is_not_shared_with"

MATRIX |= {
    "agreement-list": Route(
        url=lambda demo: page("agreement-list"),
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        covered_by=(
            f"{AGREEMENT_PAGES}::test_the_register_hides_the_mou_from_agencies_it_is_not_shared_with",
            f"{AGREEMENT_PAGES}::test_the_register_lists_the_mou_with_its_parties_status_and_overdue_steps",
        ),
    ),
    "agreement-detail": Route(
        url=mou_page("agreement-detail"),
        statuses=only(MOU_PARTIES, anonymous=REDIRECT_TO_SIGN_IN),
        shows_mou=True,
        covered_by=(
            MOU_HIDDEN,
            f"{AGREEMENT_PAGES}::test_the_mou_page_shows_its_versions_steps_deadlines_and_milestones_to_its_parties",
        ),
    ),
    "version-detail": Route(
        url=mou_page("version-detail", 1),
        statuses=only(MOU_PARTIES, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(MOU_HIDDEN, f"{AGREEMENT_PAGES}::test_a_version_page_shows_its_comments_with_their_passages"),
    ),
    "version-create": Route(
        url=mou_page("version-create"),
        statuses=only(MOU_PARTIES, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(
            MOU_HIDDEN,
            f"{AGREEMENT_PAGES}::test_a_second_save_from_the_same_base_is_refused_and_keeps_the_authors_text",
            f"{AGREEMENT_PAGES}::test_a_member_whose_agency_is_not_a_party_reads_but_does_not_draft",
        ),
    ),
    "version-restore": Route(
        url=mou_page("version-restore", 1),
        method="post",
        statuses=only(MOU_PARTIES, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(MOU_HIDDEN, f"{AGREEMENT_PAGES}::test_restoring_a_version_makes_its_text_current_as_a_new_version"),
    ),
    "version-compare": Route(
        url=mou_page("version-compare"),
        statuses=only(MOU_PARTIES, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(MOU_HIDDEN, f"{AGREEMENT_PAGES}::test_the_redline_escapes_what_a_user_typed"),
    ),
    "version-comment": Route(
        url=mou_page("version-comment", 2),
        method="post",
        statuses=only(MOU_PARTIES, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(MOU_HIDDEN, f"{AGREEMENT_PAGES}::test_a_party_comments_on_a_passage_of_a_version"),
    ),
    "step-act": Route(
        # Owned by CBSA with ATF concurring: every party may answer it.
        url=mou_step_page("Ready for signature"),
        method="post",
        statuses=only(MOU_PARTIES, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(
            MOU_HIDDEN,
            f"{AGREEMENT_PAGES}::test_a_member_of_another_agency_cannot_act_on_a_step_they_can_see",
            f"{AGREEMENT_PAGES}::test_a_member_of_another_agency_cannot_act_on_a_step_they_cannot_see",
            # Its confirmation (the answer posted unconfirmed, or asked for by GET) too.
            f"{AGREEMENT_CONFIRMATIONS}::test_the_confirmation_of_a_step_of_the_restricted_mou_is_not_found_for_other_"
            "agencies",
            f"{AGREEMENT_CONFIRMATIONS}::test_approving_a_step_of_the_restricted_mou_names_only_who_may_see_the_mou",
        ),
    ),
    "step-create": Route(
        url=mou_page("step-create"),
        method="post",
        statuses=only(SECRETARIAT, anonymous=REDIRECT_TO_SIGN_IN) | PARTIES_REFUSED,
        covered_by=(MOU_HIDDEN, f"{AGREEMENT_PAGES}::test_only_the_secretariat_manages_an_agreement"),
    ),
    "agreement-submit": Route(
        url=mou_page("agreement-submit"),
        method="post",
        statuses=only(SECRETARIAT, anonymous=REDIRECT_TO_SIGN_IN) | PARTIES_REFUSED,
        covered_by=(MOU_HIDDEN, f"{AGREEMENT_PAGES}::test_only_the_secretariat_manages_an_agreement"),
    ),
    "agreement-transition": Route(
        url=mou_page("agreement-transition"),
        method="post",
        statuses=only(SECRETARIAT, anonymous=REDIRECT_TO_SIGN_IN) | PARTIES_REFUSED,
        covered_by=(MOU_HIDDEN, f"{AGREEMENT_PAGES}::test_only_the_secretariat_manages_an_agreement"),
    ),
    "signature-create": Route(
        url=mou_page("signature-create"),
        method="post",
        statuses=only(MOU_PARTIES, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(
            MOU_HIDDEN, f"{AGREEMENT_PAGES}::test_a_party_records_its_own_signature_but_not_the_other_partys",
            f"{AGREEMENT_CONFIRMATIONS}::test_a_signature_is_recorded_only_once_confirmed_and_the_page_names_who_sees_it",
        ),
    ),
    "sharing-map": Route(
        url=lambda demo: page("sharing-map") + "?source=CBSA&target=ATF&category=customs",
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        covered_by=(
            f"{AGREEMENT_PAGES}::test_cbsa_learns_it_reaches_atf_through_intermediaries_and_directly_once_the_mou_is_signed",
            f"{AGREEMENT_PAGES}::test_members_the_mou_is_not_shared_with_see_the_routes_but_not_the_mou",
        ),
    ),
    "sharing-matrix": Route(
        url=lambda demo: page("sharing-matrix"),
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        covered_by=(
            f"{AGREEMENT_PAGES}::test_the_matrix_shows_direct_instruments_intermediaries_and_what_the_mou_would_improve",
            f"{AGREEMENT_PAGES}::test_the_matrix_gives_no_hint_of_the_mou_to_those_it_is_not_shared_with",
        ),
    ),
}


# The agreements API (mou/api.py, taskforce/urls.py). Again the CBSA–ATF MOU: it and every address under it are
# not found for the agencies it is not shared with. An answer or comment posted empty by someone who may give it is
# refused as not valid (400). The sharing map's agencies are those party to an agreement the caller sees: none for
# the forum-only DEA and the outsider, whose query is then not valid either.

AGREEMENT_API = "tests/mou/test_api.py"
MOU_API_HIDDEN = f"{AGREEMENT_API}::test_the_mou_and_everything_under_it_is_not_found_for_agencies_it_is_not_shared_with"


def mou_api(path: str = "") -> Callable[[Demo], str]:
    return lambda demo: f"/api/v1/agreements/{the_mou().pk}/{path}"


def mou_api_step(suffix: str = "") -> Callable[[Demo], str]:
    # Owned by CBSA with ATF concurring: every party may answer it.
    return lambda demo: mou_api(f"steps/{the_mou().steps.get(title_en='Ready for signature').pk}/{suffix}")(demo)


MATRIX |= {
    "api:agreement-list": Route(
        url=lambda demo: "/api/v1/agreements/",
        statuses=statuses(REFUSED, 200),
        covered_by=(
            f"{AGREEMENT_API}::test_the_agreement_list_hides_the_mou_from_agencies_it_is_not_shared_with",
            f"{AGREEMENT_API}::test_every_page_of_agreements_is_scoped_and_in_a_stable_order",
        ),
    ),
    "api:agreement-detail": Route(
        url=mou_api(),
        statuses=only(MOU_PARTIES, anonymous=REFUSED),
        covered_by=(MOU_API_HIDDEN, f"{AGREEMENT_API}::test_the_mou_detail_embeds_its_workflow_with_owners_and_targets"),
    ),
    "api:agreement-version-list": Route(
        url=mou_api("versions/"),
        statuses=only(MOU_PARTIES, anonymous=REFUSED),
        covered_by=(
            MOU_API_HIDDEN,
            f"{AGREEMENT_API}::test_a_version_marked_above_the_callers_clearance_is_neither_found_nor_current",
        ),
    ),
    "api:agreement-version-detail": Route(
        url=mou_api("versions/1/"),
        statuses=only(MOU_PARTIES, anonymous=REFUSED),
        covered_by=(
            MOU_API_HIDDEN,
            f"{AGREEMENT_API}::test_a_version_marked_above_the_callers_clearance_is_neither_found_nor_current",
        ),
    ),
    "api:agreement-version-comments": Route(
        url=mou_api("versions/2/comments/"),
        method="post",
        statuses=only(MOU_PARTIES, anonymous=REFUSED, status=400),
        covered_by=(MOU_API_HIDDEN, f"{AGREEMENT_API}::test_a_party_comments_on_a_passage_of_a_version"),
    ),
    "api:agreement-step-list": Route(
        url=mou_api("steps/"),
        statuses=only(MOU_PARTIES, anonymous=REFUSED),
        covered_by=(MOU_API_HIDDEN, f"{AGREEMENT_API}::test_the_step_list_shows_each_step_with_its_agencies_and_answers"),
    ),
    "api:agreement-step-detail": Route(
        url=mou_api_step(),
        statuses=only(MOU_PARTIES, anonymous=REFUSED),
        covered_by=(MOU_API_HIDDEN, f"{AGREEMENT_API}::test_a_step_or_version_is_found_only_under_its_own_agreement"),
    ),
    "api:agreement-step-act": Route(
        url=mou_api_step("act/"),
        method="post",
        statuses=only(MOU_PARTIES, anonymous=REFUSED, status=400),
        covered_by=(
            MOU_API_HIDDEN,
            f"{AGREEMENT_API}::test_a_member_of_another_agency_cannot_act_on_a_step_they_can_see",
            f"{AGREEMENT_API}::test_a_read_only_token_reads_but_cannot_comment_or_answer",
        ),
    ),
    "api-sharing": Route(
        url=lambda demo: "/api/v1/sharing/?from=CBSA&to=ATF&category=customs",
        statuses=statuses(REFUSED, 200, dea=404, outsider=404),
        covered_by=(
            f"{AGREEMENT_API}::test_members_the_mou_is_not_shared_with_get_the_routes_but_not_the_mou",
            f"{AGREEMENT_API}::test_an_agency_hidden_from_the_caller_answers_like_one_that_does_not_exist",
        ),
    ),
}


# Meetings (meetings/urls.py). The most restricted objects are the demo's December 17 meeting, shared with the
# five CBFTF agencies, and its agenda item on the CBSA–ATF MOU with its paper, shared with CBSA and ATF only.
# Pages that only the secretariat may use answer 403 to the members who can see the meeting or item.

MEETING_PAGES = "tests/meetings/test_pages.py"
PAPER_VERSIONS = "tests/meetings/test_paper_versions.py"
PAPER_VERSIONS_HIDDEN = (
    f"{PAPER_VERSIONS}::test_other_agencies_get_not_found_on_every_version_route_of_a_restricted_items_paper"
)
MEETING_PACKAGE = "tests/meetings/test_package.py"
MEETING_MEMBERS_REFUSED = {name: 403 for name in ("rcmp", "hsi", "cbp", "atf", "cbsa")}
MEETING_SECRETARIAT_ONLY = f"{MEETING_PAGES}::test_members_get_forbidden_on_secretariat_actions_and_nothing_changes"
MEETING_NOT_INVITED = f"{MEETING_PAGES}::test_a_member_not_invited_gets_not_found_on_the_meeting"
MOU_ITEM_HIDDEN = (
    f"{MEETING_PAGES}::test_the_restricted_item_its_paper_and_its_comments_are_not_found_for_other_agencies",
    f"{MEETING_PAGES}::test_it_hides_the_restricted_item_its_papers_and_comments_from_other_agencies_on_every_page",
)


def december_page(name: str) -> Callable[[Demo], str]:
    def url(demo: Demo) -> str:
        from meetings.models import Meeting

        return page(name, Meeting.objects.get(body__acronym="CBFTF", title_en="CBFTF meeting").pk)

    return url


def upcoming_meeting_page(name: str) -> Callable[[Demo], str]:
    def url(demo: Demo) -> str:
        from meetings.models import Meeting

        return page(name, Meeting.objects.get(body__acronym="CBFTF", title_en="CBFTF regular meeting").pk)

    return url


def mou_item_page(name: str) -> Callable[[Demo], str]:
    def url(demo: Demo) -> str:
        from meetings.models import AgendaItem

        return page(name, AgendaItem.objects.get(title_en="CBSA–ATF MOU on direct information sharing: status").pk)

    return url


def mou_paper_page(demo: Demo) -> str:
    from meetings.models import Paper

    return page("paper-download", Paper.objects.get(title="CBSA–ATF MOU status note").pk)


def mou_paper_versions_page(name: str, *rest: int) -> Callable[[Demo], str]:
    """A page of the MOU item's status note, which the demo replaced once (version 1 is kept)."""

    def url(demo: Demo) -> str:
        from meetings.models import Paper

        return page(name, Paper.objects.get(title="CBSA–ATF MOU status note").pk, *rest)

    return url


def hsi_action_page(demo: Demo) -> str:
    from meetings.models import ActionItem

    return page("action-item-status", ActionItem.objects.get(text__startswith="Name HSI points of contact").pk)


def secretariat_route(url: Callable[[Demo], str], *tests: str) -> Route:
    """A page only the secretariat uses: 403 for the members who see the meeting, 404 for everyone else."""
    return Route(
        url=url,
        statuses=only(SECRETARIAT, anonymous=REDIRECT_TO_SIGN_IN) | MEETING_MEMBERS_REFUSED,
        covered_by=(MEETING_SECRETARIAT_ONLY, *tests),
    )


def secretariat_item_route(name: str, *tests: str) -> Route:
    """A secretariat page on the MOU item: 403 for its parties, 404 for every agency it is not shared with."""
    return Route(
        url=mou_item_page(name),
        statuses=only(SECRETARIAT, anonymous=REDIRECT_TO_SIGN_IN) | PARTIES_REFUSED,
        covered_by=(MEETING_SECRETARIAT_ONLY, *MOU_ITEM_HIDDEN, *tests),
    )


MATRIX |= {
    "meeting-list": Route(
        url=lambda demo: page("meeting-list"),
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        covered_by=(MEETING_NOT_INVITED, f"{MEETING_PAGES}::test_the_meeting_list_runs_a_fixed_number_of_queries"),
    ),
    "meeting-create": secretariat_route(
        lambda demo: page("meeting-create") + "?body=CBFTF",
        f"{MEETING_PAGES}::test_the_secretariat_schedules_a_meeting_that_each_invitee_sees_in_their_own_time_zone",
    ),
    "series-create": secretariat_route(
        lambda demo: page("series-create") + "?body=CBFTF",
        f"{MEETING_PAGES}::test_the_secretariat_schedules_monthly_meetings_at_the_same_local_time",
    ),
    "agendas-to-review": Route(
        url=lambda demo: page("agendas-to-review"),
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        covered_by=(f"{MEETING_PAGES}::test_it_hides_the_restricted_item_from_other_agencies_on_the_review_page",),
    ),
    "register": Route(
        url=lambda demo: page("register"),
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        covered_by=(
            MOU_ITEM_HIDDEN[1],
            f"{MEETING_PAGES}::test_the_register_filters_action_items_by_body_agency_owner_status_and_due_date",
        ),
    ),
    "meeting-detail": Route(
        url=december_page("meeting-detail"),
        statuses=only(CBFTF, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(MEETING_NOT_INVITED, *MOU_ITEM_HIDDEN),
    ),
    "meeting-edit": secretariat_route(
        upcoming_meeting_page("meeting-edit"),
        f"{MEETING_PAGES}::test_rescheduling_needs_a_reason_that_invitees_then_read",
    ),
    "meeting-cancel": secretariat_route(
        upcoming_meeting_page("meeting-cancel"),
        f"{MEETING_PAGES}::test_cancelling_keeps_the_meeting_with_its_reason_for_invitees",
    ),
    "minutes-circulate": secretariat_route(
        december_page("minutes-circulate"),
        "tests/meetings/test_minutes_for_comment.py::test_circulating_is_refused_without_attendance_in_the_past_or_too_far_ahead",
    ),
    "minutes-review": Route(
        # December's minutes are a draft, not circulated: the secretariat reads it; the invitees are refused.
        url=december_page("minutes-review"),
        statuses=only(SECRETARIAT, anonymous=REDIRECT_TO_SIGN_IN) | MEETING_MEMBERS_REFUSED,
        covered_by=(
            MEETING_NOT_INVITED,
            "tests/meetings/test_minutes_for_comment.py::test_members_who_did_not_attend_read_no_draft",
            "tests/meetings/test_minutes_for_comment.py::test_each_attendee_comments_per_item_and_only_the_secretariat_reads_every_comment",
        ),
    ),
    "agenda-template": Route(
        url=lambda demo: page("agenda-template", "CBFTF"),
        statuses=only(SECRETARIAT, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(
            "tests/meetings/test_agenda_building.py::test_members_get_not_found_on_the_template_page_and_api",
            "tests/meetings/test_agenda_building.py::test_the_secretariat_keeps_a_template_and_a_second_save_from_the_same_version_is_refused",
        ),
    ),
    "agenda-start": Route(
        # Posted with no choice: the secretariat is told to choose, nothing changes.
        url=december_page("agenda-start"),
        method="post",
        statuses=only(SECRETARIAT, anonymous=REDIRECT_TO_SIGN_IN, status=400) | MEETING_MEMBERS_REFUSED,
        covered_by=(
            MEETING_SECRETARIAT_ONLY,
            "tests/meetings/test_agenda_building.py::test_members_cannot_start_an_agenda",
            "tests/meetings/test_agenda_building.py::test_a_copy_of_the_last_agenda_keeps_items_presenters_and_restrictions_but_not_papers",
        ),
    ),
    "meeting-delete": secretariat_route(
        upcoming_meeting_page("meeting-delete"),
        "tests/meetings/test_outcomes.py::test_a_meeting_nobody_was_told_of_can_be_deleted_by_its_secretariat_only",
    ),
    "rsvp": Route(
        url=upcoming_meeting_page("rsvp"),
        # The superuser sees every meeting but is invited to none.
        statuses=only(CBFTF, anonymous=REDIRECT_TO_SIGN_IN) | {"superuser": 403},
        covered_by=(
            MEETING_NOT_INVITED,
            f"{MEETING_PAGES}::test_someone_not_invited_cannot_answer_for_a_meeting_they_can_see",
            f"{MEETING_PAGES}::test_a_member_answers_the_invitation_with_htmx",
        ),
    ),
    "agenda-item-create": secretariat_route(
        december_page("agenda-item-create"),
        f"{MEETING_PAGES}::test_the_secretariat_adds_items_and_sees_the_time_against_the_meeting_length",
    ),
    "agenda-circulate": secretariat_route(
        upcoming_meeting_page("agenda-circulate"),
        f"{MEETING_PAGES}::test_a_draft_agenda_is_invisible_to_members_until_it_is_circulated",
    ),
    "agenda-finalise": secretariat_route(
        december_page("agenda-finalise"), f"{MEETING_PAGES}::test_a_final_agenda_can_no_longer_change"
    ),
    "attendance": secretariat_route(
        december_page("attendance"),
        MEETING_NOT_INVITED,
        f"{MEETING_PAGES}::test_the_secretariat_records_attendance_and_sees_the_quorum",
    ),
    "minutes": secretariat_route(
        december_page("minutes"),
        f"{MEETING_PAGES}::test_minutes_stay_with_the_secretariat_until_approved_then_members_read_them_and_the_decisions",
    ),
    "minutes-approve": secretariat_route(
        december_page("minutes-approve"),
        f"{MEETING_PAGES}::test_minutes_stay_with_the_secretariat_until_approved_then_members_read_them_and_the_decisions",
    ),
    "decision-create": secretariat_route(
        december_page("decision-create"),
        f"{MEETING_PAGES}::test_minutes_stay_with_the_secretariat_until_approved_then_members_read_them_and_the_decisions",
    ),
    "action-item-create": secretariat_route(
        december_page("action-item-create"),
        f"{MEETING_PAGES}::test_the_secretariat_records_an_action_item_and_its_owner_marks_it_done",
    ),
    "agenda-item-detail": Route(
        url=mou_item_page("agenda-item-detail"),
        statuses=only(MOU_PARTIES, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(*MOU_ITEM_HIDDEN, f"{MEETING_PAGES}::test_a_draft_agenda_is_invisible_to_members_until_it_is_circulated"),
    ),
    "agenda-item-edit": secretariat_item_route(
        "agenda-item-edit",
        f"{MEETING_PAGES}::test_two_edits_from_the_same_version_the_second_is_refused_and_keeps_its_input",
    ),
    "agenda-item-move": secretariat_item_route(
        "agenda-item-move",
        f"{MEETING_PAGES}::test_moving_an_item_with_htmx_rerenders_the_agenda_in_place_and_keeps_the_focus",
    ),
    "agenda-item-withdraw": secretariat_item_route(
        "agenda-item-withdraw",
        f"{MEETING_PAGES}::test_withdrawing_a_circulated_item_keeps_it_on_the_agenda_struck_through",
    ),
    "paper-upload": secretariat_item_route(
        "paper-upload", f"{MEETING_PAGES}::test_an_upload_that_is_not_a_paper_is_refused_on_the_file_field"
    ),
    "comment-create": Route(
        # Posted empty: refused on its form (200) for those who see the item; not found for everyone else.
        url=mou_item_page("comment-create"),
        method="post",
        statuses=only(MOU_PARTIES, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(
            *MOU_ITEM_HIDDEN,
            f"{MEETING_PAGES}::test_a_member_comments_with_htmx_and_the_comment_list_rerenders_in_place",
        ),
    ),
    "paper-download": Route(
        url=mou_paper_page,
        statuses=only(MOU_PARTIES, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(
            *MOU_ITEM_HIDDEN,
            f"{MEETING_PAGES}::test_a_paper_marked_above_a_members_clearance_is_not_found_for_them",
            f"{MEETING_PAGES}::test_the_secretariat_attaches_a_paper_that_members_download_privately",
        ),
    ),
    "paper-versions": Route(
        url=mou_paper_versions_page("paper-versions"),
        statuses=only(MOU_PARTIES, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(PAPER_VERSIONS_HIDDEN, f"{PAPER_VERSIONS}::test_the_versions_page_lists_who_uploaded_each_version_and_when"),
    ),
    "paper-version-download": Route(
        url=mou_paper_versions_page("paper-version-download", 1),
        statuses=only(MOU_PARTIES, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(
            PAPER_VERSIONS_HIDDEN,
            f"{PAPER_VERSIONS}::test_an_earlier_version_above_a_members_clearance_is_not_found_for_them",
            f"{PAPER_VERSIONS}::test_the_versions_page_lists_who_uploaded_each_version_and_when",
        ),
    ),
    "paper-replace": Route(
        url=mou_paper_versions_page("paper-replace"),
        statuses=only(SECRETARIAT, anonymous=REDIRECT_TO_SIGN_IN) | PARTIES_REFUSED,
        covered_by=(
            PAPER_VERSIONS_HIDDEN,
            f"{PAPER_VERSIONS}::test_members_may_not_replace_a_paper_on_the_page_or_through_the_api",
            f"{PAPER_VERSIONS}::test_the_secretariat_replaces_a_paper_on_its_page_and_readers_see_the_new_version",
        ),
    ),
    # The meeting package: asked for and read by the key of the reader's own view; not ready in the probes, so the
    # download page says so (200) to those who see the meeting.
    "meeting-package": Route(
        url=december_page("meeting-package"),
        statuses=only(CBFTF, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(
            MEETING_NOT_INVITED,
            f"{MEETING_PACKAGE}::test_the_package_is_not_found_for_someone_who_cannot_see_the_meeting",
            f"{MEETING_PACKAGE}::test_the_package_panel_asks_again_while_it_is_prepared_and_stops_once_it_is_ready",
        ),
    ),
    "meeting-package-download": Route(
        url=december_page("meeting-package-download"),
        statuses=only(CBFTF, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(
            f"{MEETING_PACKAGE}::test_the_package_is_not_found_for_someone_who_cannot_see_the_meeting",
            f"{MEETING_PACKAGE}::test_a_reader_never_gets_a_package_made_for_a_wider_view",
            f"{MEETING_PACKAGE}::test_a_real_worker_builds_one_package_per_view_and_no_reader_gets_what_they_may_not_see",
        ),
    ),
    "action-item-status": Route(
        url=hsi_action_page,
        statuses=only(CBFTF, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(
            f"{MEETING_PAGES}::test_the_secretariat_records_an_action_item_and_its_owner_marks_it_done",
            f"{MEETING_PAGES}::test_a_member_cannot_cancel_their_own_action_item",
        ),
    ),
}


# Notifications (taskforce/urls.py). Every member has a notification list and choices of their own; a notification
# is its owner's alone (the probe below belongs to cbsa and links to the portal's home page); the list of messages
# not delivered is for the secretariat.

NOTIFICATION_PAGES = "tests/notifications/test_pages.py"
LANGUAGES = "tests/taskforce/test_languages.py"


def cbsa_notification_page(demo: Demo) -> str:
    from notifications.models import Notification, NotificationKind

    probe, _created = Notification.objects.get_or_create(
        user=demo.users["cbsa"], event_key="visibility-matrix-probe",
        defaults={"kind": NotificationKind.MEETING, "title": "Probe", "url": f"http://127.0.0.1:8000{page('home')}"},
    )
    return page("notification-open", probe.pk)


MATRIX |= {
    "notification-list": Route(
        url=lambda demo: page("notification-list"),
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        covered_by=(
            f"{NOTIFICATION_PAGES}::test_the_notification_list_shows_members_their_own_notices_with_the_unread_ones_marked",
            f"{NOTIFICATION_PAGES}::test_a_member_cannot_mark_another_members_notices_read",
            f"{NOTIFICATION_PAGES}::test_the_notification_list_runs_a_fixed_number_of_queries",
        ),
    ),
    "notification-open": Route(
        url=cbsa_notification_page,
        statuses=only(("cbsa",), anonymous=REDIRECT_TO_SIGN_IN, status=302),
        covered_by=(
            f"{NOTIFICATION_PAGES}::test_another_members_notification_is_not_found_and_stays_unread",
            f"{NOTIFICATION_PAGES}::test_opening_a_notification_never_leads_off_the_portal",
        ),
    ),
    "notification-preferences": Route(
        url=lambda demo: page("notification-preferences"),
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        covered_by=(
            f"{NOTIFICATION_PAGES}::test_the_choices_saved_on_the_preferences_page_decide_what_is_emailed",
        ),
    ),
    "translation-list": Route(
        url=lambda demo: page("translation-list"),
        statuses=only(SECRETARIAT, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(
            f"{LANGUAGES}::test_the_translations_page_is_not_found_for_members",
            f"{LANGUAGES}::test_the_secretariat_sees_what_needs_translation_with_links_to_edit_it",
        ),
    ),
    "delivery-list": Route(
        url=lambda demo: page("delivery-list"),
        statuses=only(SECRETARIAT, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(
            f"{NOTIFICATION_PAGES}::test_the_list_of_messages_not_delivered_is_not_found_for_members",
            f"{NOTIFICATION_PAGES}::test_the_secretariat_neither_sees_nor_retries_messages_of_people_outside_their_bodies",
        ),
    ),
}


# The member's own account (taskforce/urls.py): API tokens and calendar feeds. A token is its owner's alone: the
# probe below belongs to the demo's administrator, who is none of the personas, so every persona gets a 404. A
# feed's address is its only credential: whoever is signed in (or nobody) gets the same answer, so the probe is the
# address of a member the MOU is not shared with, whose feed must never hold it.

TOKENS = "tests/accounts/test_tokens.py"
FEEDS = "tests/accounts/test_feeds.py"


def administrator_token_page(demo: Demo) -> str:
    from accounts import services as account_services
    from members.models import User

    token, _text = account_services.api_token_create(actor=User.objects.get(username="admin"), name="Probe")
    return page("api-token-revoke", token.pk)


def rcmp_feed_page(name: str, *args) -> Callable[[Demo], str]:
    def url(demo: Demo) -> str:
        from accounts import services as account_services
        from accounts.authentication import feed_secret

        return page(name, feed_secret(account_services.calendar_feed_regenerate(actor=demo.users["rcmp"])), *args)

    return url


MATRIX |= {
    "api-token-list": Route(
        url=lambda demo: page("api-token-list"),
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        covered_by=(
            f"{TOKENS}::test_a_new_token_is_shown_once_then_never_again",
            f"{TOKENS}::test_the_list_shows_each_tokens_state_and_only_the_members_own",
            f"{TOKENS}::test_anonymous_visitors_are_sent_to_sign_in",
        ),
    ),
    "api-token-revoke": Route(
        url=administrator_token_page,
        method="post",
        statuses=statuses(REDIRECT_TO_SIGN_IN, 404),
        covered_by=(
            f"{TOKENS}::test_another_members_token_is_not_found_and_keeps_working",
            f"{TOKENS}::test_a_member_revokes_their_token_and_it_stops_working",
        ),
    ),
    "calendar-feed-settings": Route(
        url=lambda demo: page("calendar-feed-settings"),
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        covered_by=(
            f"{FEEDS}::test_a_member_creates_renews_and_turns_off_their_feed",
            f"{FEEDS}::test_another_members_feed_is_never_shown",
            f"{FEEDS}::test_the_feed_settings_page_needs_signing_in",
        ),
    ),
    "calendar-feed": Route(
        url=rcmp_feed_page("calendar-feed"),
        statuses=statuses(200, 200),
        covered_by=(
            f"{FEEDS}::test_it_hides_restricted_items_from_other_agencies_in_the_feed",
            f"{FEEDS}::test_a_new_address_ends_the_old_one",
            f"{FEEDS}::test_a_feed_turned_off_is_not_found",
            f"{FEEDS}::test_the_feed_of_a_deactivated_member_is_not_found",
            f"{FEEDS}::test_an_unknown_or_tampered_address_is_not_found",
        ),
    ),
    "body-calendar-feed": Route(
        url=rcmp_feed_page("body-calendar-feed", "CBFTF"),
        statuses=statuses(200, 200),
        covered_by=(
            f"{FEEDS}::test_a_body_feed_holds_only_what_the_body_shares_with_all_its_members",
            f"{FEEDS}::test_a_body_feed_is_not_found_for_a_body_the_member_does_not_belong_to",
        ),
    ),
}


# The meetings API (meetings/api.py, taskforce/urls.py). The same restricted objects as the meeting pages: the
# December 17 meeting (the five CBFTF agencies), its item on the CBSA–ATF MOU with its paper (CBSA and ATF only),
# and a decision and an action item recorded from that item. An action only the secretariat may take answers 403
# to the members who can see the object, before its input is read; posted empty by the secretariat, it is refused
# as not valid (400) where it needs input.

MEETING_API = "tests/meetings/test_api.py"
MEETING_API_NOT_INVITED = f"{MEETING_API}::test_a_meeting_and_everything_under_it_are_not_found_for_someone_not_invited"
MEETING_API_MOU_HIDDEN = (
    f"{MEETING_API}::test_the_restricted_item_its_paper_and_records_are_not_found_for_other_agencies_on_every_route",
    f"{MEETING_API}::test_it_hides_the_restricted_item_its_paper_and_records_from_other_agencies_in_every_list",
)
MEETING_API_READ_ONLY = f"{MEETING_API}::test_a_read_only_token_reads_but_cannot_write"


CALENDAR_REPLIES = "tests/meetings/test_calendar_replies.py"


def december_api(suffix: str = "") -> Callable[[Demo], str]:
    def url(demo: Demo) -> str:
        from meetings.models import Meeting

        return f"/api/v1/meetings/{Meeting.objects.get(body__acronym='CBFTF', title_en='CBFTF meeting').pk}/{suffix}"

    return url


def upcoming_meeting_api(suffix: str) -> Callable[[Demo], str]:
    def url(demo: Demo) -> str:
        from meetings.models import Meeting

        meeting = Meeting.objects.get(body__acronym="CBFTF", title_en="CBFTF regular meeting")
        return f"/api/v1/meetings/{meeting.pk}/{suffix}"

    return url


def mou_item_api(suffix: str = "") -> Callable[[Demo], str]:
    def url(demo: Demo) -> str:
        from meetings.models import AgendaItem

        item = AgendaItem.objects.get(title_en="CBSA–ATF MOU on direct information sharing: status")
        return f"/api/v1/meetings/{item.meeting_id}/items/{item.pk}/{suffix}"

    return url


def mou_paper_api(demo: Demo) -> str:
    from meetings.models import Paper

    return f"/api/v1/papers/{Paper.objects.get(title='CBSA–ATF MOU status note').pk}/"


def mou_paper_api_at(suffix: str) -> Callable[[Demo], str]:
    def url(demo: Demo) -> str:
        from meetings.models import Paper

        return f"/api/v1/papers/{Paper.objects.get(title='CBSA–ATF MOU status note').pk}/{suffix}"

    return url


def mou_record_api(kind: str) -> Callable[[Demo], str]:
    """A decision or an action item recorded from the MOU item (restricted like it), the minutes approved so
    that members could read the decision if it were shared with them."""

    def url(demo: Demo) -> str:
        from meetings import services
        from meetings.models import AgendaItem

        item = AgendaItem.objects.select_related("meeting").get(
            title_en="CBSA–ATF MOU on direct information sharing: status"
        )
        secretariat = demo.users["secretariat"]
        if kind == "decision":
            record = services.decision_record(
                actor=secretariat, meeting=item.meeting, item=item, text="The MOU goes to ATF for review."
            )
            services.minutes_approve(actor=secretariat, meeting=item.meeting)
            return f"/api/v1/decisions/{record.pk}/"
        record = services.action_item_record(
            actor=secretariat, meeting=item.meeting, item=item, owner_agency=demo.agencies["ATF"],
            text="Return ATF's comments on the MOU.",
        )
        return f"/api/v1/action-items/{record.pk}/"

    return url


def secretariat_api_route(url: Callable[[Demo], str], refused: dict, *tests: str, status: int = 400) -> Route:
    """An action only the secretariat takes: `status` for it, 403 for those in `refused`, 404 for everyone else."""
    return Route(
        url=url,
        method="post",
        statuses=only(SECRETARIAT, anonymous=REFUSED, status=status) | refused,
        covered_by=(MEETING_API_READ_ONLY, *tests),
    )


MATRIX |= {
    "api:meeting-list": Route(
        url=lambda demo: "/api/v1/meetings/",
        statuses=statuses(REFUSED, 200),
        covered_by=(
            f"{MEETING_API}::test_it_hides_the_restricted_item_its_paper_and_records_from_other_agencies_in_every_list",
            f"{MEETING_API}::test_api_lists_run_as_many_queries_for_many_rows_as_for_few",
        ),
    ),
    "api:meeting-detail": Route(
        url=december_api(),
        statuses=only(CBFTF, anonymous=REFUSED),
        covered_by=(
            MEETING_API_NOT_INVITED,
            f"{MEETING_API}::test_a_meeting_shows_its_invitees_its_times_in_utc_and_the_callers_answer",
            f"{MEETING_API}::test_the_meeting_list_and_detail_answer_not_modified_until_the_meeting_changes",
        ),
    ),
    "api:meeting-cancel": secretariat_api_route(
        upcoming_meeting_api("cancel/"), MEETING_MEMBERS_REFUSED, MEETING_API_NOT_INVITED,
        f"{MEETING_API}::test_cancelling_through_the_api_keeps_the_meeting_with_its_reason",
    ),
    "api:meeting-rsvp": Route(
        # Posted empty: not valid (400) for whoever sees the meeting; not found for everyone else.
        url=upcoming_meeting_api("rsvp/"),
        method="post",
        statuses=only(CBFTF, anonymous=REFUSED, status=400),
        covered_by=(
            MEETING_API_NOT_INVITED,
            f"{MEETING_API}::test_an_invitee_answers_the_invitation_and_reads_their_answer",
            f"{MEETING_API}::test_someone_not_invited_cannot_answer_for_a_meeting_they_can_see",
        ),
    ),
    "api:meeting-minutes-circulate": secretariat_api_route(
        december_api("minutes/circulate/"), MEETING_MEMBERS_REFUSED, MEETING_API_NOT_INVITED,
        "tests/meetings/test_minutes_for_comment.py::test_the_api_circulates_and_refuses_members",
    ),
    "api:meeting-minutes-comments": Route(
        url=december_api("minutes/comments/"),
        statuses=only(CBFTF, anonymous=REFUSED),
        covered_by=(
            MEETING_API_NOT_INVITED,
            "tests/meetings/test_minutes_for_comment.py::test_each_attendee_comments_per_item_and_only_the_secretariat_reads_every_comment",
        ),
    ),
    "api:meeting-package": Route(
        url=december_api("package/"),
        statuses=only(CBFTF, anonymous=REFUSED),
        covered_by=(
            MEETING_API_NOT_INVITED,
            f"{MEETING_PACKAGE}::test_the_package_is_not_found_for_someone_who_cannot_see_the_meeting",
            f"{MEETING_PACKAGE}::test_the_api_prepares_tells_and_downloads_the_callers_package",
            f"{MEETING_PACKAGE}::test_the_package_state_runs_as_many_queries_for_many_papers_as_for_few",
        ),
    ),
    "api:meeting-package-download": Route(
        # Not prepared in the probe: refused as not ready (409) for those who see the meeting.
        url=december_api("package/download/"),
        statuses=only(CBFTF, anonymous=REFUSED, status=409),
        covered_by=(
            f"{MEETING_PACKAGE}::test_the_package_is_not_found_for_someone_who_cannot_see_the_meeting",
            f"{MEETING_PACKAGE}::test_the_api_prepares_tells_and_downloads_the_callers_package",
        ),
    ),
    "api:meeting-responses": Route(
        url=december_api("responses/"),
        statuses=only(CBFTF, anonymous=REFUSED),
        covered_by=(
            MEETING_API_NOT_INVITED,
            f"{CALENDAR_REPLIES}::test_an_accept_from_each_calendar_app_is_recorded_as_the_members_answer",
            f"{CALENDAR_REPLIES}::test_the_responses_and_proposals_are_not_found_for_those_who_may_not_read_them",
        ),
    ),
    "api:meeting-proposals": Route(
        url=december_api("proposals/"),
        statuses=only(SECRETARIAT, anonymous=REFUSED),
        covered_by=(
            f"{CALENDAR_REPLIES}::test_a_proposed_time_is_shown_to_the_secretariat_and_never_applied",
            f"{CALENDAR_REPLIES}::test_the_responses_and_proposals_are_not_found_for_those_who_may_not_read_them",
        ),
    ),
    "api:meeting-agenda-start": secretariat_api_route(
        december_api("agenda/start/"), MEETING_MEMBERS_REFUSED, MEETING_API_NOT_INVITED,
        "tests/meetings/test_agenda_building.py::test_members_cannot_start_an_agenda",
    ),
    "api-agenda-template": Route(
        url=lambda demo: "/api/v1/bodies/CBFTF/agenda-template/",
        statuses=only(SECRETARIAT, anonymous=REFUSED),
        covered_by=(
            "tests/meetings/test_agenda_building.py::test_members_get_not_found_on_the_template_page_and_api",
            "tests/meetings/test_agenda_building.py::test_the_template_api_reads_and_replaces_from_a_version",
        ),
    ),
    "api:meeting-circulate": secretariat_api_route(
        # Already circulated: refused as not valid for the secretariat, so the probe changes nothing.
        december_api("circulate/"), MEETING_MEMBERS_REFUSED, MEETING_API_NOT_INVITED,
        f"{MEETING_API}::test_the_secretariat_circulates_the_agenda_and_members_then_see_its_items",
    ),
    "api:meeting-minutes": secretariat_api_route(
        december_api("minutes/"), MEETING_MEMBERS_REFUSED, MEETING_API_NOT_INVITED,
        f"{MEETING_API}::test_the_secretariat_writes_and_approves_the_minutes_that_members_then_read",
    ),
    "api:meeting-minutes-approve": secretariat_api_route(
        # Not held yet: refused as not valid for the secretariat, so the probe changes nothing.
        upcoming_meeting_api("minutes/approve/"), MEETING_MEMBERS_REFUSED, MEETING_API_NOT_INVITED,
        f"{MEETING_API}::test_the_secretariat_writes_and_approves_the_minutes_that_members_then_read",
    ),
    "api:agenda-item-list": Route(
        url=december_api("items/"),
        statuses=only(CBFTF, anonymous=REFUSED),
        covered_by=(
            MEETING_API_NOT_INVITED,
            *MEETING_API_MOU_HIDDEN,
            f"{MEETING_API}::test_members_see_no_item_of_a_draft_agenda",
            f"{MEETING_API}::test_the_item_list_runs_as_many_queries_for_many_items_as_for_one",
        ),
    ),
    "api:agenda-item-detail": Route(
        url=mou_item_api(),
        statuses=only(MOU_PARTIES, anonymous=REFUSED),
        covered_by=(
            *MEETING_API_MOU_HIDDEN,
            f"{MEETING_API}::test_the_parties_to_the_mou_read_the_restricted_item_its_paper_and_records",
            f"{MEETING_API}::test_an_item_is_not_found_under_a_meeting_it_does_not_belong_to",
        ),
    ),
    "api:agenda-item-move": secretariat_api_route(
        mou_item_api("move/"), PARTIES_REFUSED, *MEETING_API_MOU_HIDDEN,
        f"{MEETING_API}::test_the_secretariat_moves_and_withdraws_items",
    ),
    "api:agenda-item-withdraw": secretariat_api_route(
        mou_item_api("withdraw/"), PARTIES_REFUSED, *MEETING_API_MOU_HIDDEN,
        f"{MEETING_API}::test_the_secretariat_moves_and_withdraws_items",
        status=200,
    ),
    "api:agenda-item-comments": Route(
        # Posted empty: not valid (400) for those who see the item; not found for everyone else.
        url=mou_item_api("comments/"),
        method="post",
        statuses=only(MOU_PARTIES, anonymous=REFUSED, status=400),
        covered_by=(*MEETING_API_MOU_HIDDEN, f"{MEETING_API}::test_a_member_comments_on_an_item_and_the_count_grows"),
    ),
    "api:paper-list": Route(
        url=lambda demo: "/api/v1/papers/",
        statuses=statuses(REFUSED, 200),
        covered_by=(
            MEETING_API_MOU_HIDDEN[1],
            f"{MEETING_API}::test_a_paper_above_the_callers_clearance_is_not_listed_or_found",
        ),
    ),
    "api:paper-detail": Route(
        url=mou_paper_api,
        statuses=only(MOU_PARTIES, anonymous=REFUSED),
        covered_by=(
            *MEETING_API_MOU_HIDDEN,
            f"{MEETING_API}::test_a_paper_above_the_callers_clearance_is_not_listed_or_found",
        ),
    ),
    "api:paper-replace": secretariat_api_route(
        mou_paper_api_at("replace/"), PARTIES_REFUSED, PAPER_VERSIONS_HIDDEN,
        f"{PAPER_VERSIONS}::test_members_may_not_replace_a_paper_on_the_page_or_through_the_api",
        f"{PAPER_VERSIONS}::test_the_api_replaces_a_paper_from_the_version_the_caller_read",
    ),
    "api:paper-version-list": Route(
        url=mou_paper_api_at("versions/"),
        statuses=only(MOU_PARTIES, anonymous=REFUSED),
        covered_by=(
            PAPER_VERSIONS_HIDDEN,
            f"{PAPER_VERSIONS}::test_the_api_lists_and_downloads_a_papers_earlier_versions",
            f"{PAPER_VERSIONS}::test_the_api_version_list_runs_as_many_queries_for_many_versions_as_for_few",
        ),
    ),
    "api:paper-version-download": Route(
        url=mou_paper_api_at("versions/1/download/"),
        statuses=only(MOU_PARTIES, anonymous=REFUSED),
        covered_by=(PAPER_VERSIONS_HIDDEN, f"{PAPER_VERSIONS}::test_the_api_lists_and_downloads_a_papers_earlier_versions"),
    ),
    "api:decision-list": Route(
        url=lambda demo: "/api/v1/decisions/",
        statuses=statuses(REFUSED, 200),
        covered_by=(
            MEETING_API_MOU_HIDDEN[1],
            f"{MEETING_API}::test_filtering_by_a_hidden_body_or_meeting_answers_like_one_that_does_not_exist",
        ),
    ),
    "api:decision-detail": Route(
        url=mou_record_api("decision"),
        statuses=only(MOU_PARTIES, anonymous=REFUSED),
        covered_by=(
            *MEETING_API_MOU_HIDDEN,
            f"{MEETING_API}::test_restricting_an_item_later_hides_what_was_recorded_on_it",
        ),
    ),
    "api:action-item-list": Route(
        url=lambda demo: "/api/v1/action-items/",
        statuses=statuses(REFUSED, 200),
        covered_by=(
            MEETING_API_MOU_HIDDEN[1],
            f"{MEETING_API}::test_action_items_filter_by_body_status_and_owner_agency",
        ),
    ),
    "api:action-item-detail": Route(
        url=mou_record_api("action"),
        statuses=only(MOU_PARTIES, anonymous=REFUSED),
        covered_by=(
            *MEETING_API_MOU_HIDDEN,
            f"{MEETING_API}::test_restricting_an_item_later_hides_what_was_recorded_on_it",
            f"{MEETING_API}::test_the_owner_updates_their_action_item_and_others_cannot",
        ),
    ),
}

# Accounts and sign-in: the member's own sign-in security; the secretariat's lockouts (tests/security/).
SECURITY = "tests/accounts/test_sign_in_security.py"
MATRIX |= {
    "password-change": Route(
        url=lambda demo: page("password-change"),
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        covered_by=(
            f"{SECURITY}::test_changing_the_password_ends_the_other_sessions_and_revokes_every_token",
            f"{SECURITY}::test_the_password_page_says_beforehand_that_tokens_and_other_sessions_end",
            f"{SECURITY}::test_the_password_page_holds_to_the_rules",
        ),
    ),
    "two-factor": Route(
        url=lambda demo: page("two-factor"),
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        covered_by=(f"{SECURITY}::test_new_recovery_codes_replace_the_old_ones",),
    ),
    "two-factor-enrol": Route(
        url=lambda demo: page("two-factor-enrol"),
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        covered_by=(
            f"{SECURITY}::test_the_secretariat_enrols_with_a_code_from_their_app_and_gets_recovery_codes",
            f"{SECURITY}::test_replacing_an_authenticator_needs_the_current_one",
        ),
    ),
    # Sessions that passed (or need no) second factor are sent on to the home page.
    "two-factor-verify": Route(
        url=lambda demo: page("two-factor-verify"),
        statuses=statuses(REDIRECT_TO_SIGN_IN, 302),
        covered_by=(
            f"{SECURITY}::test_after_enrolling_a_member_is_asked_for_a_code_at_each_sign_in",
            f"{SECURITY}::test_a_recovery_code_works_once",
        ),
    ),
    "lockout-list": Route(
        url=lambda demo: page("lockout-list"),
        statuses=only(("secretariat", "superuser"), anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(
            f"{SECURITY}::test_the_secretariat_sees_and_unlocks_only_the_people_of_their_bodies",
            f"{SECURITY}::test_anyone_but_the_secretariat_gets_404_from_the_lockout_page",
        ),
    ),
}

# The audit trail (taskforce/urls.py): the secretariat's, about the objects and people of their bodies.
AUDIT = "tests/audit/test_trail.py"
MATRIX |= {
    "audit-log": Route(
        url=lambda demo: page("audit-log"),
        statuses=only(SECRETARIAT, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(
            f"{AUDIT}::test_members_who_are_not_the_secretariat_do_not_find_the_trail",
            f"{AUDIT}::test_the_secretariat_of_another_body_reads_nothing_of_the_task_force",
            f"{AUDIT}::test_the_secretariat_reads_the_trail_of_the_demo_mou_and_its_versions",
        ),
    ),
    "audit-log-export": Route(
        url=lambda demo: page("audit-log-export"),
        statuses=only(SECRETARIAT, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(
            f"{AUDIT}::test_members_who_are_not_the_secretariat_do_not_find_the_trail",
            f"{AUDIT}::test_the_secretariat_of_another_body_reads_nothing_of_the_task_force",
            f"{AUDIT}::test_the_export_holds_the_same_entries_as_the_page",
        ),
    ),
}


# Reports and search (portal/report_views.py, portal/search_views.py). A report shows the MOU's milestones
# due in its period to the MOU's parties; the exports hold them too; the search finds them only for the parties.

REPORTS = "tests/portal/test_reports.py"
SEARCH = "tests/portal/test_search.py"
REPORT_PERIOD = "?start=2021-11-01&end=2022-03-31"

MATRIX |= {
    "report-builder": Route(
        url=lambda demo: page("report-builder"),
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        covered_by=(
            f"{REPORTS}::test_the_builder_opens_the_report_of_the_chosen_body_and_period",
            f"{REPORTS}::test_the_builder_offers_only_the_bodies_the_reader_takes_part_in",
        ),
    ),
    "report-detail": Route(
        url=lambda demo: page("report-detail", "CBFTF") + REPORT_PERIOD,
        statuses=only(CBFTF, anonymous=REDIRECT_TO_SIGN_IN),
        shows_mou=True,
        covered_by=(
            f"{REPORTS}::test_the_report_hides_the_mou_and_everything_of_it_from_other_agencies",
            f"{REPORTS}::test_a_report_of_a_body_the_reader_takes_no_part_in_is_not_found",
        ),
    ),
    "report-pdf": Route(
        url=lambda demo: page("report-pdf", "CBFTF") + REPORT_PERIOD,
        statuses=only(CBFTF, anonymous=REDIRECT_TO_SIGN_IN),
        shows_mou=True,
        covered_by=(
            f"{REPORTS}::test_the_pdf_holds_nothing_of_the_mou_for_other_agencies",
            f"{REPORTS}::test_a_report_of_a_body_the_reader_takes_no_part_in_is_not_found",
        ),
    ),
    "register-export": Route(
        url=lambda demo: page("register-export", "milestones"),
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        shows_mou=True,
        covered_by=(
            f"{REPORTS}::test_the_exports_hold_nothing_of_the_mou_for_other_agencies",
            f"{REPORTS}::test_an_export_of_a_body_the_reader_takes_no_part_in_is_not_found",
        ),
    ),
    "search": Route(
        url=lambda demo: page("search") + "?q=MOU",
        statuses=statuses(REDIRECT_TO_SIGN_IN, 200),
        covered_by=(
            f"{SEARCH}::test_a_search_for_mou_finds_nothing_of_the_cbsa_atf_mou_for_rcmp",
            f"{SEARCH}::test_restricted_matches_are_not_even_counted",
        ),
    ),
}


# Guests (meetings/views.py, meetings/api.py): a guest of the upcoming CBFTF meeting, added here without telling
# anyone. Its pages are the secretariat's (403 for the members who see the meeting, 404 for everyone else); the
# guest's own page opens for whoever holds its link, signed in or not, and shows nothing but that meeting.

GUESTS = "tests/meetings/test_guests.py"


def upcoming_guest():
    from meetings.models import Guest, Meeting

    meeting = Meeting.objects.get(body__acronym="CBFTF", title_en="CBFTF regular meeting")
    guest, _created = Guest.objects.get_or_create(
        meeting=meeting, email="host@embassy.example", defaults={"name": "Embassy host", "language": "en"}
    )
    return guest


def upcoming_guest_page(name: str) -> Callable[[Demo], str]:
    return lambda demo: page(name, upcoming_guest().pk)


def guest_link(demo: Demo) -> str:
    from meetings import guest_links

    return page("guest-page", guest_links.token_for(upcoming_guest()))


def upcoming_guest_api(demo: Demo) -> str:
    guest = upcoming_guest()
    return f"/api/v1/meetings/{guest.meeting_id}/guests/{guest.pk}/"


GUESTS_HIDDEN = f"{GUESTS}::test_members_see_guests_names_and_answers_but_not_their_addresses_and_cannot_manage_them"
GUESTS_API = f"{GUESTS}::test_the_api_lists_invites_and_removes_guests_for_the_secretariat_only"

MATRIX |= {
    "guest-add": secretariat_route(upcoming_meeting_page("guest-add"), GUESTS_HIDDEN),
    "guest-remove": secretariat_route(
        upcoming_guest_page("guest-remove"), GUESTS_HIDDEN,
        f"{GUESTS}::test_a_removed_guest_gets_a_cancellation_and_their_link_stops_working",
    ),
    "guest-link-renew": secretariat_route(
        upcoming_guest_page("guest-link-renew"), GUESTS_HIDDEN,
        f"{GUESTS}::test_a_tampered_foreign_or_earlier_link_is_a_plain_not_found",
    ),
    "guest-page": Route(
        url=guest_link,
        statuses=statuses(200, 200),
        covered_by=(
            f"{GUESTS}::test_the_guest_page_shows_the_meetings_essentials_and_nothing_else_of_the_portal",
            f"{GUESTS}::test_a_tampered_foreign_or_earlier_link_is_a_plain_not_found",
            f"{GUESTS}::test_the_link_stops_working_when_the_meeting_ends_and_late_answers_are_refused",
        ),
    ),
    "api:guest-list": Route(
        url=upcoming_meeting_api("guests/"),
        statuses=only(CBFTF, anonymous=REFUSED),
        covered_by=(GUESTS_API, f"{GUESTS}::test_the_guest_list_runs_as_many_queries_for_many_guests_as_for_few"),
    ),
    "api:guest-detail": Route(
        url=upcoming_guest_api,
        statuses=only(CBFTF, anonymous=REFUSED),
        covered_by=(GUESTS_API,),
    ),
}


# Reminders the secretariat aims (tests/meetings/test_aimed_reminders.py): the form, the log and the messages sent are
# the secretariat's alone; the members who see the meeting find no such page either (404, not 403).

AIMED = "tests/meetings/test_aimed_reminders.py"
AIMED_HIDDEN = f"{AIMED}::test_nobody_but_the_secretariat_finds_the_reminders_on_the_page_or_in_the_api"

MATRIX |= {
    "meeting-remind": Route(
        url=upcoming_meeting_page("meeting-remind"),
        statuses=only(SECRETARIAT, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(
            AIMED_HIDDEN, f"{AIMED}::test_the_secretariat_reminds_twice_in_place_with_htmx_and_the_log_shows_both",
        ),
    ),
    "api:meeting-remind": Route(
        # Posted empty: not valid (400) for the secretariat; not found for everyone else.
        url=upcoming_meeting_api("remind/"),
        method="post",
        statuses=only(SECRETARIAT, anonymous=REFUSED, status=400),
        covered_by=(AIMED_HIDDEN, f"{AIMED}::test_the_api_reminds_once_per_key_and_lists_the_reminders_sent"),
    ),
    "api:meeting-reminders": Route(
        url=upcoming_meeting_api("reminders/"),
        statuses=only(SECRETARIAT, anonymous=REFUSED),
        covered_by=(
            AIMED_HIDDEN, f"{AIMED}::test_the_reminders_log_runs_as_many_queries_for_many_reminders_as_for_few",
        ),
    ),
    "delivery-sent-list": Route(
        url=lambda demo: page("delivery-sent-list"),
        statuses=only(SECRETARIAT, anonymous=REDIRECT_TO_SIGN_IN),
        covered_by=(
            f"{AIMED}::test_members_find_no_list_of_messages_sent",
            f"{AIMED}::test_the_messages_page_lists_the_messages_sent_a_page_at_a_time_in_constant_queries",
        ),
    ),
}
