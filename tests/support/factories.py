"""factory-boy factories for the core models. Each builds rows the way the portal's own services would."""

import datetime

import factory
from factory.django import DjangoModelFactory, Password

from members import services as member_services
from members.models import Agency, Country, User
from taskforce import permissions
from taskforce.models import AgencyRole, Body, Membership, Milestone

PASSWORD = "correct-horse-battery-staple"


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency

    acronym = factory.Sequence(lambda n: f"AG{n}")
    name_en = factory.LazyAttribute(lambda o: f"Agency {o.acronym}")
    name_fr = factory.LazyAttribute(lambda o: f"Agence {o.acronym}")
    country = Country.CANADA
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Agency:
        # Through the service, so the agency's group (which holds its grants) exists as it does in the portal.
        return member_services.agency_create(**kwargs)


class UserFactory(DjangoModelFactory):
    """A member; always in an agency (only a superuser may have none)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    agency = factory.SubFactory(AgencyFactory)
    password = Password(PASSWORD)


class BodyFactory(DjangoModelFactory):
    class Meta:
        model = Body

    acronym = factory.Sequence(lambda n: f"TF{n}")
    name_en = factory.LazyAttribute(lambda o: f"Task force {o.acronym}")
    name_fr = factory.LazyAttribute(lambda o: f"Groupe de travail {o.acronym}")
    kind = Body.Kind.TASK_FORCE


class AgencyRoleFactory(DjangoModelFactory):
    class Meta:
        model = AgencyRole

    body = factory.SubFactory(BodyFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = AgencyRole.Role.MEMBER


class MembershipFactory(DjangoModelFactory):
    """A person's role in a body; gives their agency a (member) role there first if it has none."""

    class Meta:
        model = Membership

    body = factory.SubFactory(BodyFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Membership:
        AgencyRole.objects.get_or_create(
            body=kwargs["body"], agency=kwargs["user"].agency, defaults={"role": AgencyRole.Role.MEMBER}
        )
        return super()._create(model_class, *args, **kwargs)


class MilestoneFactory(DjangoModelFactory):
    """A body-wide milestone; `shared_with=[agency, ...]` makes it restricted to those agencies."""

    class Meta:
        model = Milestone
        skip_postgeneration_save = True

    body = factory.SubFactory(BodyFactory)
    title_en = factory.Sequence(lambda n: f"Milestone {n}")
    title_fr = factory.Sequence(lambda n: f"Jalon {n}")
    owner_agency = factory.SubFactory(AgencyFactory)
    due_start = datetime.date(2022, 3, 31)
    due_end = factory.SelfAttribute("due_start")
    due_precision = "day"

    @factory.post_generation
    def shared_with(milestone: Milestone, create: bool, agencies, **kwargs) -> None:
        if not create or not agencies:
            return
        permissions.grant(milestone, agencies)
        if not milestone.restricted:
            milestone.restricted = True
            milestone.save(update_fields=["restricted"])
