"""What the database itself refuses, with messages a secretariat can act on; and how due windows read."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from members import services as member_services
from members.models import Agency, Country, User
from taskforce import services
from taskforce.models import Body, Membership, Milestone, due_label, fiscal_year_window, season_window
from tests.support.factories import AgencyFactory, BodyFactory, MilestoneFactory, UserFactory


def messages(error: ValidationError) -> list[str]:
    return error.messages


def refused_by_database(save) -> IntegrityError:
    # A savepoint, so the test's transaction survives the refusal.
    with pytest.raises(IntegrityError) as refusal, transaction.atomic():
        save()
    return refusal.value


# Agencies


def test_a_duplicate_agency_acronym_is_refused_whatever_its_case(demo):
    duplicate = Agency(acronym="cbsa", name_en="Copy", name_fr="Copie", country=Country.CANADA)

    with pytest.raises(ValidationError) as refusal:
        duplicate.full_clean(exclude=["group"])

    assert "An agency with this acronym already exists." in messages(refusal.value)


def test_creating_an_agency_with_a_taken_acronym_is_refused_with_the_message(demo):
    with pytest.raises(ValidationError) as refusal:
        member_services.agency_create(acronym="Rcmp", name_en="Copy", name_fr="Copie", country=Country.CANADA)

    assert "An agency with this acronym already exists." in messages(refusal.value)
    assert Agency.objects.filter(acronym__iexact="rcmp").count() == 1


def test_the_database_refuses_a_duplicate_agency_acronym_saved_directly(demo):
    group = Group.objects.create(name="agency:copy")
    duplicate = Agency(acronym="Atf", name_en="Copy", name_fr="Copie", country=Country.UNITED_STATES, group=group)

    error = refused_by_database(duplicate.save)

    assert "agency_acronym_unique" in str(error)


def test_an_agency_cannot_be_its_own_parent(db):
    agency = AgencyFactory()
    agency.parent = agency

    with pytest.raises(ValidationError) as refusal:
        agency.full_clean(exclude=["group"])
    assert "An agency cannot be its own parent organisation." in messages(refusal.value)
    assert "agency_not_own_parent" in str(refused_by_database(agency.save))


def test_every_agency_has_a_group_for_what_is_shared_with_it(db):
    agency = AgencyFactory(acronym="Nca")

    assert agency.group.name == "agency:NCA"


# Members


def test_a_member_without_an_agency_is_refused(db):
    person = User(username="nobody", time_zone="America/Toronto")
    person.set_unusable_password()

    with pytest.raises(ValidationError) as refusal:
        person.full_clean()
    assert "Every member belongs to an agency." in messages(refusal.value)
    assert "user_belongs_to_an_agency" in str(refused_by_database(person.save))


def test_a_superuser_needs_no_agency(db):
    root = UserFactory(agency=None, is_superuser=True)

    root.full_clean()
    assert root.pk


def test_an_unknown_time_zone_is_refused(db):
    person = UserFactory.build(agency=AgencyFactory(), time_zone="Mars/Olympus_Mons")

    with pytest.raises(ValidationError) as refusal:
        person.full_clean()
    assert "Mars/Olympus_Mons is not a known time zone." in messages(refusal.value)


def test_an_unknown_language_is_refused_by_the_database(db):
    person = UserFactory()
    person.language = "de"

    assert "user_language_valid" in str(refused_by_database(person.save))


# Bodies and the people in them


def test_a_body_cannot_report_to_itself(db):
    body = BodyFactory()
    body.parent = body

    with pytest.raises(ValidationError) as refusal:
        body.full_clean()
    assert "A body cannot report to itself." in messages(refusal.value)
    assert "body_not_own_parent" in str(refused_by_database(body.save))


def test_a_duplicate_body_acronym_is_refused_whatever_its_case(demo):
    with pytest.raises(ValidationError) as refusal:
        services.body_create(acronym="cbftf", name_en="Copy", name_fr="Copie", kind=Body.Kind.TASK_FORCE)

    assert "A body with this acronym already exists." in messages(refusal.value)


def test_a_person_whose_agency_takes_no_part_in_a_body_cannot_join_it(demo, outsider):
    membership = Membership(body=demo.bodies["CBFTF"], user=outsider, role=Membership.Role.MEMBER)

    with pytest.raises(ValidationError) as refusal:
        membership.full_clean()
    assert refusal.value.message_dict["user"] == [
        "This person's agency takes no part in this body; give the agency a role first."
    ]
    with pytest.raises(ValidationError):
        services.membership_set(body=demo.bodies["CBFTF"], user=outsider, role=Membership.Role.MEMBER)
    assert not Membership.objects.filter(user=outsider).exists()


def test_a_person_joins_once_their_agency_has_a_role(demo, outsider):
    services.agency_role_set(body=demo.bodies["CBFTF"], agency=outsider.agency, role="observer")

    membership = services.membership_set(body=demo.bodies["CBFTF"], user=outsider, role=Membership.Role.OBSERVER)

    assert membership.pk


def test_a_person_takes_one_role_per_body(demo, rcmp):
    duplicate = Membership(body=demo.bodies["CBFTF"], user=rcmp, role=Membership.Role.DELEGATE)

    with pytest.raises(ValidationError) as refusal:
        duplicate.full_clean()
    assert "This person already has a role in this body." in messages(refusal.value)


# Milestones


def test_a_due_window_cannot_end_before_it_starts(demo):
    milestone = MilestoneFactory.build(
        body=demo.bodies["CBFTF"], owner_agency=demo.agencies["CBSA"], due_precision="month",
        due_start=datetime.date(2022, 3, 1), due_end=datetime.date(2022, 2, 1),
    )

    with pytest.raises(ValidationError) as refusal:
        milestone.full_clean()
    assert "The end of the due window cannot be before its start." in messages(refusal.value)
    assert "milestone_window_ordered" in str(refused_by_database(milestone.save))


def test_a_milestone_due_on_a_day_is_due_on_one_day(demo):
    milestone = MilestoneFactory.build(
        body=demo.bodies["CBFTF"], owner_agency=demo.agencies["CBSA"], due_precision="day",
        due_start=datetime.date(2022, 2, 14), due_end=datetime.date(2022, 2, 15),
    )

    with pytest.raises(ValidationError) as refusal:
        milestone.full_clean()
    assert "A milestone due on a day starts and ends on that day." in messages(refusal.value)
    assert "milestone_day_is_one_day" in str(refused_by_database(milestone.save))


def test_the_spring_2022_window_reads_spring_2022():
    start, end = season_window("spring", 2022)

    assert (start, end) == (datetime.date(2022, 3, 20), datetime.date(2022, 6, 20))
    assert due_label("season", start, end) == "Spring 2022"


def test_winter_2022_starts_in_december_2021():
    start, end = season_window("winter", 2022)

    assert (start, end) == (datetime.date(2021, 12, 21), datetime.date(2022, 3, 19))
    assert due_label("season", start, end) == "Winter 2022"


def test_fiscal_year_2021_runs_from_april_2021_to_march_2022():
    start, end = fiscal_year_window(2021)

    assert (start, end) == (datetime.date(2021, 4, 1), datetime.date(2022, 3, 31))
    assert due_label("fiscal_year", start, end) == "Fiscal year 2021–2022"


def test_due_labels_read_as_the_precision_says():
    assert due_label("day", datetime.date(2022, 2, 15), datetime.date(2022, 2, 15)) == "February 15, 2022"
    assert due_label("month", datetime.date(2022, 2, 1), datetime.date(2022, 2, 28)) == "February 2022"
    assert due_label("quarter", datetime.date(2022, 4, 1), datetime.date(2022, 6, 30)) == "Q2 2022"


def test_the_demo_milestones_read_as_the_briefing_note_says(demo):
    labels = dict(Milestone.objects.filter(body=demo.bodies["CBFTF"]).values_list("title_en", "due_precision"))
    by_title = {m.title_en: m.due_label for m in Milestone.objects.filter(title_en__in=labels)}

    assert by_title["Joint Border Threat Assessment issued"] == "Spring 2022"
    assert by_title["CBSA–ATF MOU shared with ATF for review"] == "February 15, 2022"
    assert by_title["Privacy Impact Assessment submitted to the Office of the Privacy Commissioner"] == (
        "Fiscal year 2021–2022"
    )


def test_only_unfinished_milestones_past_their_window_are_overdue(db):
    past = MilestoneFactory(due_start=datetime.date(2020, 1, 1))
    done = MilestoneFactory(due_start=datetime.date(2020, 1, 1), status=Milestone.Status.DONE)
    future = MilestoneFactory(due_start=datetime.date.today() + datetime.timedelta(days=1))

    assert past.is_overdue
    assert not done.is_overdue
    assert not future.is_overdue
