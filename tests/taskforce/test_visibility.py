"""The visibility core (taskforce/permissions.py), on real querysets of the demo scenario."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404

from members.models import Agency, User
from taskforce import permissions, services
from taskforce.models import Body, Milestone, MilestoneGroupObjectPermission
from tests.support.factories import AgencyFactory, BodyFactory, MembershipFactory, MilestoneFactory
from tests.support.scenario import (
    GRANTED,
    MOU_REVIEW,
    NOT_GRANTED,
    PIA_SUBMITTED,
    THREAT_ASSESSMENT,
    mou_review,
)


def visible_titles(user) -> set[str]:
    return set(permissions.scope(user, Milestone.objects.all()).values_list("title_en", flat=True))


def test_superuser_sees_every_milestone(demo, superuser):
    other_body_milestone = MilestoneFactory(restricted=True)

    assert visible_titles(superuser) == set(Milestone.objects.values_list("title_en", flat=True))
    assert other_body_milestone.title_en in visible_titles(superuser)


def test_secretariat_sees_restricted_milestones_of_its_body_even_when_shared_with_nobody(demo, secretariat, cbsa):
    unshared = MilestoneFactory(body=demo.bodies["CBFTF"], restricted=True, title_en="Secretariat-only draft")

    assert {MOU_REVIEW, PIA_SUBMITTED, unshared.title_en} <= visible_titles(secretariat)
    assert unshared.title_en not in visible_titles(cbsa)


def test_secretariat_of_one_body_sees_nothing_restricted_in_another(demo, secretariat):
    other_body = BodyFactory()
    MembershipFactory(body=other_body, user=secretariat, role="member")
    hidden = MilestoneFactory(body=other_body, shared_with=[AgencyFactory()])

    assert hidden.title_en not in visible_titles(secretariat)


@pytest.mark.parametrize("username", ["cbsa", "atf"])
def test_members_of_granted_agencies_see_the_restricted_milestones(demo, username):
    assert {MOU_REVIEW, PIA_SUBMITTED} <= visible_titles(demo.users[username])


@pytest.mark.parametrize("username", ["rcmp", "hsi", "cbp", "dea"])
def test_it_hides_restricted_milestones_from_other_agencies(demo, username):
    assert visible_titles(demo.users[username]).isdisjoint({MOU_REVIEW, PIA_SUBMITTED})


@pytest.mark.parametrize("username", ["secretariat", "cbsa", "atf", "rcmp", "hsi", "cbp"])
def test_body_wide_milestones_are_visible_to_every_member_of_the_body(demo, username):
    assert THREAT_ASSESSMENT in visible_titles(demo.users[username])


def test_a_person_with_no_role_in_a_body_sees_none_of_its_milestones(demo, dea, outsider):
    # DEA takes part in the parent forum only; its member sees not even the CBFTF's body-wide milestone.
    assert visible_titles(dea) == set()
    assert visible_titles(outsider) == set()


def test_a_person_with_no_role_in_a_body_does_not_see_the_body(demo, dea, outsider):
    bodies = Body.objects.all()

    assert set(permissions.scope(dea, bodies).values_list("acronym", flat=True)) == {"CBCF"}
    assert not permissions.scope(outsider, bodies).exists()


def test_inactive_people_see_nothing(demo, cbsa):
    cbsa.is_active = False
    cbsa.save()

    assert visible_titles(cbsa) == set()
    assert not permissions.scope_agencies(cbsa).exists()
    assert not permissions.scope_people(cbsa).exists()


def test_anonymous_sees_nothing(demo):
    anonymous = AnonymousUser()

    assert visible_titles(anonymous) == set()
    assert not permissions.scope_agencies(anonymous).exists()
    assert not permissions.scope_people(anonymous).exists()
    assert not permissions.can_see(anonymous, mou_review())


def test_a_global_view_permission_through_a_group_never_widens_the_scope(demo, rcmp, dea):
    view_milestone = Permission.objects.get(codename="view_milestone", content_type__app_label="taskforce")
    # The agency's own group: the very group the core reads object grants from.
    rcmp.agency.group.permissions.add(view_milestone)
    dea.agency.group.permissions.add(view_milestone)
    other_group = Group.objects.create(name="milestone readers")
    other_group.permissions.add(view_milestone)
    rcmp.groups.add(other_group)
    rcmp, dea = User.objects.get(pk=rcmp.pk), User.objects.get(pk=dea.pk)
    assert rcmp.has_perm("taskforce.view_milestone")

    assert MOU_REVIEW not in visible_titles(rcmp)
    assert visible_titles(dea) == set()


def test_a_global_view_permission_on_the_user_never_widens_the_scope(demo, rcmp):
    rcmp.user_permissions.add(Permission.objects.get(codename="view_milestone", content_type__app_label="taskforce"))
    rcmp = User.objects.get(pk=rcmp.pk)
    assert rcmp.has_perm("taskforce.view_milestone")

    assert MOU_REVIEW not in visible_titles(rcmp)


def test_a_deleted_and_recreated_milestone_inherits_no_grants(demo, secretariat, atf, rcmp):
    milestone = MilestoneFactory(body=demo.bodies["CBFTF"], shared_with=[demo.agencies["ATF"]], title_en="Old")
    old_pk = milestone.pk
    assert permissions.can_see(atf, milestone)

    milestone.delete()
    assert not MilestoneGroupObjectPermission.objects.filter(content_object_id=old_pk).exists()
    recreated = MilestoneFactory(
        pk=old_pk, body=demo.bodies["CBFTF"], restricted=True, title_en="New", owner_agency=demo.agencies["RCMP"]
    )

    assert not permissions.can_see(atf, recreated)
    assert not permissions.can_see(rcmp, recreated)
    assert permissions.can_see(secretariat, recreated)


def test_granting_shares_a_restricted_milestone_and_revoking_withdraws_it(demo, rcmp, hsi):
    milestone = mou_review()
    rcmp_agency = demo.agencies["RCMP"]

    permissions.grant(milestone, [rcmp_agency])
    assert permissions.can_see(rcmp, milestone)
    assert not permissions.can_see(hsi, milestone)
    assert set(permissions.granted_agencies(milestone).values_list("acronym", flat=True)) == {"CBSA", "ATF", "RCMP"}

    permissions.revoke(milestone, [rcmp_agency])
    assert not permissions.can_see(rcmp, milestone)


def test_a_grant_to_a_person_shares_with_that_person_only(demo, hsi, cbp):
    milestone = mou_review()

    permissions.grant_person(milestone, hsi)

    assert permissions.can_see(hsi, milestone)
    assert not permissions.can_see(cbp, milestone)


def test_a_grant_reaches_no_one_outside_the_body(demo, dea):
    # DEA is granted the milestone but takes no part in the CBFTF: a grant narrows a body, never widens it.
    milestone = mou_review()
    permissions.grant(milestone, [demo.agencies["DEA"]])

    assert not permissions.can_see(dea, milestone)


def test_sharing_with_no_agency_makes_a_milestone_body_wide_again(demo, secretariat, rcmp):
    milestone = services.milestone_share(actor=secretariat, milestone=mou_review(), agencies=[])

    assert not milestone.restricted
    assert not permissions.granted_agencies(milestone).exists()
    assert permissions.can_see(rcmp, milestone)


def test_sharing_a_milestone_names_exactly_the_given_agencies(demo, secretariat, cbsa, rcmp):
    milestone = services.milestone_share(actor=secretariat, milestone=mou_review(), agencies=[demo.agencies["RCMP"]])

    assert set(permissions.granted_agencies(milestone).values_list("acronym", flat=True)) == {"RCMP"}
    assert permissions.can_see(rcmp, milestone)
    assert not permissions.can_see(cbsa, milestone)


@pytest.mark.parametrize("username", ["cbsa", "rcmp"])
def test_only_the_secretariat_may_share_or_create_milestones(demo, username):
    actor = demo.users[username]
    with pytest.raises(PermissionDenied):
        services.milestone_share(actor=actor, milestone=mou_review(), agencies=[])
    with pytest.raises(PermissionDenied):
        services.milestone_create(
            actor=actor, body=demo.bodies["CBFTF"], title_en="Unauthorised", owner_agency=actor.agency,
            due_start=mou_review().due_start,
        )
    assert mou_review().restricted


def test_a_milestone_created_restricted_is_seen_only_by_the_named_agencies(demo, secretariat, rcmp, cbsa):
    milestone = services.milestone_create(
        actor=secretariat, body=demo.bodies["CBFTF"], title_en="RCMP-only briefing", owner_agency=demo.agencies["RCMP"],
        due_start=mou_review().due_start, restricted_to=[demo.agencies["RCMP"]],
    )

    assert milestone.restricted
    assert permissions.can_see(rcmp, milestone)
    assert not permissions.can_see(cbsa, milestone)


@pytest.mark.parametrize("username", NOT_GRANTED)
def test_get_visible_or_404_answers_the_same_for_hidden_and_missing(demo, username):
    actor = demo.users[username]
    hidden_pk = mou_review().pk
    missing_pk = Milestone.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000

    with pytest.raises(Http404) as hidden:
        permissions.get_visible_or_404(actor, Milestone.objects.all(), pk=hidden_pk)
    with pytest.raises(Http404) as missing:
        permissions.get_visible_or_404(actor, Milestone.objects.all(), pk=missing_pk)

    assert str(hidden.value) == str(missing.value) == ""


@pytest.mark.parametrize("username", GRANTED)
def test_get_visible_or_404_returns_what_the_actor_may_see(demo, username):
    milestone = permissions.get_visible_or_404(demo.users[username], Milestone.objects.all(), pk=mou_review().pk)

    assert milestone.title_en == MOU_REVIEW


def test_get_visible_or_404_treats_a_malformed_lookup_as_missing(demo, cbsa):
    with pytest.raises(Http404):
        permissions.get_visible_or_404(cbsa, Milestone.objects.all(), pk="not-a-number")


def test_scoping_an_unregistered_model_is_refused(demo, cbsa):
    with pytest.raises(ImproperlyConfigured, match="Group has no visibility policy"):
        permissions.scope(cbsa, Group.objects.all())


def test_every_scoped_model_of_the_core_is_registered():
    assert {"Body", "AgencyRole", "Membership", "Milestone", "Agency", "User"} <= {
        model.__name__ for model in permissions.registered_models()
    }


def test_only_the_secretariat_counts_as_secretariat(demo, secretariat, cbsa, superuser):
    cbftf = demo.bodies["CBFTF"].pk

    assert permissions.is_secretariat(secretariat, cbftf)
    assert permissions.is_secretariat(superuser, cbftf)
    assert not permissions.is_secretariat(cbsa, cbftf)
    assert not permissions.is_secretariat(AnonymousUser(), cbftf)
    assert permissions.secretariat_body_ids(secretariat) == {demo.bodies["CBFTF"].pk, demo.bodies["CBCF"].pk}
    assert permissions.secretariat_body_ids(cbsa) == set()


# Directory: agencies and people are seen through the bodies the actor shares with them.

# The agencies of a body, and the parent organisations they sit within (HSI within ICE within DHS).
CBFTF_AGENCIES = {"CBSA", "ATF", "HSI", "RCMP", "CBP"} | {"PS", "DOJ", "ICE", "DHS"}
CBCF_AGENCIES = {"PS", "DOJ", "DHS", "CBSA", "RCMP", "ATF", "DEA", "HSI", "CBP"} | {"ICE"}
CBFTF_PEOPLE = {"secretariat", "cbsa", "rcmp", "atf", "hsi", "cbp"}


def agencies_seen(user) -> set[str]:
    return set(permissions.scope_agencies(user).values_list("acronym", flat=True))


def people_seen(user) -> set[str]:
    return set(permissions.scope_people(user).values_list("username", flat=True))


@pytest.mark.parametrize("username", ["cbsa", "rcmp", "atf", "hsi", "cbp"])
def test_cbftf_members_see_the_agencies_of_the_cbftf_and_their_parents_only(demo, username):
    assert agencies_seen(demo.users[username]) == CBFTF_AGENCIES
    assert "DEA" not in agencies_seen(demo.users[username])


def test_a_forum_member_sees_the_agencies_of_the_forum_and_their_parents(demo, dea):
    assert agencies_seen(dea) == CBCF_AGENCIES


def test_the_secretariat_sees_the_agencies_of_both_its_bodies(demo, secretariat):
    assert agencies_seen(secretariat) == CBCF_AGENCIES | CBFTF_AGENCIES


def test_an_outsider_sees_only_their_own_agency_and_themselves(demo, outsider):
    assert agencies_seen(outsider) == {"EUROPOL"}
    assert people_seen(outsider) == {"outsider"}


def test_the_superuser_sees_every_agency_and_every_active_person(demo, superuser, outsider):
    assert agencies_seen(superuser) == set(Agency.objects.values_list("acronym", flat=True))
    assert people_seen(superuser) == set(User.objects.filter(is_active=True).values_list("username", flat=True))


@pytest.mark.parametrize("username", ["cbsa", "rcmp", "atf", "hsi", "cbp"])
def test_cbftf_members_see_the_people_of_the_cbftf_only(demo, username):
    assert people_seen(demo.users[username]) == CBFTF_PEOPLE


def test_a_forum_member_sees_the_people_of_the_forum(demo, dea):
    assert people_seen(dea) == {"secretariat", "dea"}


def test_inactive_people_leave_the_directory(demo, rcmp, cbsa):
    rcmp.is_active = False
    rcmp.save()

    assert "rcmp" not in people_seen(cbsa)


def test_people_are_scoped_through_the_visibility_core_too(demo, rcmp):
    # scope() dispatches the directory models to the directory rules.
    assert set(permissions.scope(rcmp, User.objects.all()).values_list("username", flat=True)) == CBFTF_PEOPLE
    assert set(permissions.scope(rcmp, Agency.objects.all()).values_list("acronym", flat=True)) == CBFTF_AGENCIES


# Many people at once (the notification engine's bulk reading) -------------------------------------------------


def test_the_bulk_reading_of_visibility_agrees_with_scope_for_every_person_and_object(demo, superuser):
    """`visible_to_each` and `readers_of_each` read the index for many people and objects at once: for every scoped
    model of the demo, every person (a superuser, an inactive one, people named on a grant) sees exactly what
    `scope()` shows them."""
    from meetings.models import AgendaItem, Meeting

    gone = User.objects.create(username="gone", agency=demo.agencies["RCMP"], is_active=False)
    MembershipFactory(body=demo.bodies["CBFTF"], user=gone, role="member")
    named = MilestoneFactory(body=demo.bodies["CBFTF"], restricted=True, title_en="Named only")
    permissions.grant_person(named, demo.users["hsi"])
    item = AgendaItem.objects.filter(meeting__body=demo.bodies["CBFTF"]).first()
    if item is not None:
        AgendaItem.objects.filter(pk=item.pk).update(restricted=True)
        permissions.grant_person(item, demo.users["cbp"])
    assert len(User.objects.all()) > 5 and Meeting.objects.exists()

    # People as sign-ins load them (with their agency) and as loaded bare: the core names the agency's group either
    # way.
    for people in (list(User.objects.select_related("agency")), list(User.objects.all())):
        for model in permissions._policies:
            every = list(model._default_manager.values_list("pk", flat=True))
            among = permissions.visible_to_each(model, [(person, every) for person in people])
            readers = permissions.readers_of_each(model, every)
            for person in people:
                expected = set(permissions.scope(person, model._default_manager.all()).values_list("pk", flat=True))
                assert among.get(person.pk, set()) == expected, (model.__name__, person.username)
                if not person.is_superuser:
                    assert {pk for pk in every if person in readers[pk]} == expected, (model.__name__, person.username)


def test_the_bulk_reading_of_visibility_takes_the_same_queries_for_few_people_as_for_many(demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from meetings.models import AgendaItem

    items = list(AgendaItem.objects.values_list("pk", flat=True))
    counts = []
    for people in ([demo.users["cbsa"], demo.users["rcmp"]], list(User.objects.all())):
        with CaptureQueriesContext(connection) as queries:
            permissions.visible_to_each(AgendaItem, [(person, items) for person in people])
        counts.append(len(queries))

    assert counts[0] == counts[1]
