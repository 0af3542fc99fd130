"""Agreements built through the portal's own services, on top of the demo scenario's personas."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from members.models import Agency, User
from mou import services
from mou.models import Agreement, InformationCategory, WorkflowStep
from taskforce.models import Body
from tests.support.factories import AgencyFactory, AgencyRoleFactory, BodyFactory, MembershipFactory, UserFactory

MOU = "CBSA–ATF MOU"


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def stored(agreement: Agreement) -> Agreement:
    """The agreement as the database holds it (its status field cannot be refreshed in place)."""
    return Agreement.objects.get(pk=agreement.pk)


def category(code: str) -> InformationCategory:
    return InformationCategory.objects.get(code=code)


def agreement_named(short_name: str) -> Agreement:
    return Agreement.objects.get(body__acronym="CBFTF", short_name=short_name)


def bring_into_force(*, actor: User, agreement: Agreement, on: datetime.date = datetime.date(2020, 1, 6)) -> Agreement:
    """Submit, sign by every party and bring into force, as the demo does with the standing instruments."""
    services.agreement_submit(actor=actor, agreement=agreement)
    services.agreement_transition(actor=actor, agreement=agreement, transition="make_ready_for_signature")
    for party in agreement.parties.all():
        services.signature_record(
            actor=actor, agreement=agreement, party=party, signatory_name=f"For the {party.acronym}", signed_on=on
        )
    return services.agreement_transition(actor=actor, agreement=agreement, transition="bring_into_force", on=on)


@pytest.fixture
def cbftf(demo) -> Body:
    return demo.bodies["CBFTF"]


@pytest.fixture
def mou(cbftf) -> Agreement:
    """The demo's CBSA–ATF MOU: restricted to CBSA and ATF, Protected A, two versions, in approval."""
    return Agreement.objects.get(body=cbftf, short_name=MOU)


@pytest.fixture
def draft(secretariat, cbftf, demo) -> Agreement:
    """A CBSA–ATF arrangement that every CBFTF member can see (not restricted, unclassified), with one version."""
    return services.agreement_create(
        actor=secretariat, body=cbftf, kind=Agreement.Kind.OTHER, short_name="Firearms tracing arrangement",
        title_en="CBSA–ATF firearms tracing arrangement", parties=[demo.agencies["CBSA"], demo.agencies["ATF"]],
        text="The Participants trace seized firearms together.\nEach Participant names a contact.",
    )


@dataclass
class Workflow:
    agreement: Agreement
    cbsa_review: WorkflowStep
    atf_review: WorkflowStep
    ready: WorkflowStep
    signed: WorkflowStep


@pytest.fixture
def workflow(draft, secretariat, demo) -> Workflow:
    """The draft in approval: CBSA review, ATF review, both agree it is ready for signature, then signed."""
    cbsa, atf = demo.agencies["CBSA"], demo.agencies["ATF"]

    def add(title: str, owner: Agency, **fields) -> WorkflowStep:
        return services.step_add(actor=secretariat, agreement=draft, title_en=title, owner_agency=owner, **fields)

    steps = Workflow(
        agreement=draft,
        cbsa_review=add("CBSA review", cbsa),
        atf_review=add("ATF review", atf),
        ready=add(
            "Ready for signature", cbsa, concurring_agencies=[atf], moves_to=Agreement.Status.READY_FOR_SIGNATURE
        ),
        signed=add("Signed", cbsa, concurring_agencies=[atf], moves_to=Agreement.Status.SIGNED),
    )
    services.agreement_submit(actor=secretariat, agreement=draft)
    return steps


@pytest.fixture
def ready_workflow(workflow, cbsa, atf) -> Workflow:
    """The workflow with every approval given: the draft is ready for signature."""
    services.step_act(actor=cbsa, step=workflow.cbsa_review, outcome="approved")
    services.step_act(actor=atf, step=workflow.atf_review, outcome="approved")
    services.step_act(actor=cbsa, step=workflow.ready, outcome="approved")
    services.step_act(actor=atf, step=workflow.ready, outcome="approved")
    assert stored(workflow.agreement).status == Agreement.Status.READY_FOR_SIGNATURE
    return workflow


@dataclass
class SmallBody:
    """A body of its own, with agencies named by letter and a secretariat clerk who sees all of it."""

    body: Body
    agencies: dict[str, Agency]
    clerk: User

    def agreement(self, short_name: str, parties: str, *, categories=("customs",), **fields) -> Agreement:
        return services.agreement_create(
            actor=self.clerk, body=self.body, kind=Agreement.Kind.OTHER, short_name=short_name,
            title_en=f"{short_name} arrangement", parties=[self.agencies[p] for p in parties],
            categories=[category(code) for code in categories], text=f"{short_name}: the parties share.",
            **fields,
        )

    def in_force(self, short_name: str, parties: str, **fields) -> Agreement:
        return bring_into_force(actor=self.clerk, agreement=self.agreement(short_name, parties, **fields))


@pytest.fixture
def small_body(db) -> SmallBody:
    body = BodyFactory(acronym="CHAIN")
    agencies = {letter: AgencyFactory(acronym=f"AGENCY-{letter}") for letter in "ABCDE"}
    for agency in agencies.values():
        AgencyRoleFactory(body=body, agency=agency)
    clerk = UserFactory(username="chain-clerk", agency=agencies["A"])
    MembershipFactory(body=body, user=clerk, role="secretariat")
    return SmallBody(body=body, agencies=agencies, clerk=clerk)


def mou_step_by(agreement: Agreement, title_en: str) -> WorkflowStep:
    return agreement.steps.get(title_en=title_en)
