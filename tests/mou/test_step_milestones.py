"""An approval step and the milestone that tracks the same deadline: the milestone follows the step, and the link
shows nothing of a restricted agreement to a reader who may not see it."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from mou import services
from mou.models import Agreement, WorkflowStep
from notifications.models import Notification
from taskforce import services as core_services
from taskforce.models import Milestone
from tests.support.scenario import MOU_REVIEW, PIA_SUBMITTED, page, text_of

from .conftest import Workflow, days_ago, mou_step_by

SECRET_WORDS = ("CBSA–ATF MOU", "Milestone it tracks", "Memorandum of Understanding", "workflow", "approval step")


def approve_through(secretariat, agreement: Agreement, last_title: str) -> None:
    """Every step up to and including `last_title`, approved by the secretariat on behalf of each agency it needs."""
    for step in agreement.steps.filter(completed_at__isnull=True).order_by("position"):
        for agency in step.agreement.parties.filter(pk__in=services.required_agencies(step)):
            services.step_act(actor=secretariat, step=step, outcome="approved", on_behalf_of=agency)
        if step.title_en == last_title:
            return


def test_the_demo_s_mou_steps_track_the_milestones_with_the_same_deadlines(mou):
    tracked = {step.title_en: step.milestone.title_en for step in mou.steps.filter(milestone__isnull=False)}

    assert tracked == {
        "Shared with ATF for review": MOU_REVIEW,
        "PIA submitted to the Office of the Privacy Commissioner": PIA_SUBMITTED,
    }
    review = Milestone.objects.get(title_en=MOU_REVIEW)
    assert (review.due_start, review.due_end) == (datetime.date(2022, 2, 15), datetime.date(2022, 2, 15))


def test_completing_the_step_completes_the_milestone_it_tracks(secretariat, mou):
    review = Milestone.objects.get(title_en=MOU_REVIEW)
    approve_through(secretariat, mou, "CBSA internal approval")
    assert Milestone.objects.get(pk=review.pk).status == Milestone.Status.PLANNED

    approve_through(secretariat, mou, "Shared with ATF for review")

    assert Milestone.objects.get(pk=review.pk).status == Milestone.Status.DONE
    assert Milestone.objects.get(title_en=PIA_SUBMITTED).status == Milestone.Status.PLANNED


def test_the_milestone_is_due_in_its_own_precision_by_the_step_s_target_date(secretariat, cbftf, demo, draft):
    quarter = core_services.milestone_create(
        actor=secretariat, body=cbftf, title_en="Tracing arrangement approved", owner_agency=demo.agencies["CBSA"],
        due_start=datetime.date(2030, 1, 1), due_end=datetime.date(2030, 3, 31), due_precision="quarter",
    )
    draft.milestones.add(quarter)

    step = services.step_add(actor=secretariat, agreement=draft, title_en="CBSA approval",
                             owner_agency=demo.agencies["CBSA"], target_date=datetime.date(2031, 5, 20),
                             milestone=quarter)

    quarter.refresh_from_db()
    assert step.milestone == quarter
    assert (quarter.due_start, quarter.due_end, quarter.due_label) == (
        datetime.date(2031, 4, 1), datetime.date(2031, 6, 30), "Q2 2031")


def test_the_signed_step_completes_its_milestone_when_the_last_party_signs(secretariat, cbftf, demo,
                                                                              ready_workflow: Workflow):
    agreement = ready_workflow.agreement
    signed = core_services.milestone_create(
        actor=secretariat, body=cbftf, title_en="Tracing arrangement signed", owner_agency=demo.agencies["CBSA"],
        due_start=days_ago(-30), status=Milestone.Status.IN_PROGRESS,
    )
    agreement.milestones.add(signed)
    WorkflowStep.objects.filter(pk=ready_workflow.signed.pk).update(milestone=signed)

    for party in agreement.parties.order_by("acronym"):
        assert Milestone.objects.get(pk=signed.pk).status == Milestone.Status.IN_PROGRESS
        services.signature_record(actor=secretariat, agreement=agreement, party=party,
                                  signatory_name=f"For the {party.acronym}", signed_on=days_ago(1))

    assert Milestone.objects.get(pk=signed.pk).status == Milestone.Status.DONE


@pytest.mark.parametrize("which", ["not the agreement's", "already tracked"])
def test_a_step_cannot_track_a_milestone_of_another_agreement_or_one_already_tracked(secretariat, demo, mou, which):
    milestone = (Milestone.objects.get(title_en="Joint Border Threat Assessment issued") if which == "not the agreement's"
                 else Milestone.objects.get(title_en=MOU_REVIEW))
    before = (mou.steps.count(), list(Milestone.objects.values_list("pk", "due_end", "status").order_by("pk")))

    with pytest.raises(ValidationError) as refused:
        services.step_add(actor=secretariat, agreement=mou, title_en="Another step",
                          owner_agency=demo.agencies["CBSA"], target_date=datetime.date(2022, 6, 1),
                          milestone=milestone)

    assert list(refused.value.message_dict) == ["milestone"]
    assert (mou.steps.count(), list(Milestone.objects.values_list("pk", "due_end", "status").order_by("pk"))) == before


@pytest.fixture
def public_milestone(secretariat, cbftf, demo, mou) -> Milestone:
    """A body-wide milestone (every CBFTF member sees it) that follows the first step of the restricted MOU."""
    milestone = core_services.milestone_create(
        actor=secretariat, body=cbftf, title_en="Direct sharing arrangement drafted",
        owner_agency=demo.agencies["CBSA"], due_start=datetime.date(2022, 1, 14), status=Milestone.Status.IN_PROGRESS,
    )
    mou.milestones.add(milestone)
    WorkflowStep.objects.filter(agreement=mou, title_en="CBSA internal approval").update(milestone=milestone)
    return milestone


def test_another_agency_s_member_sees_nothing_new_of_the_mou_through_the_milestone(
    client_for, secretariat, rcmp, mou, public_milestone
):
    client = client_for(rcmp)
    notices = Notification.objects.filter(user=rcmp).count()

    approve_through(secretariat, mou, "CBSA internal approval")

    assert Milestone.objects.get(pk=public_milestone.pk).status == Milestone.Status.DONE
    page_text = text_of(client.get(page("milestone-detail", public_milestone.pk)))
    api_text = text_of(client.get(f"/api/v1/milestones/{public_milestone.pk}/"))
    assert "Direct sharing arrangement drafted" in page_text and "Done" in page_text
    assert '"status": "done"' in api_text
    for text in (page_text, api_text):
        assert not [word for word in SECRET_WORDS if word in text]
        assert "CBSA internal approval" not in text
    assert client.get(page("agreement-detail", mou.pk)).status_code == 404
    assert Notification.objects.filter(user=rcmp).count() == notices


def test_the_agreement_page_names_the_milestone_a_step_tracks_to_its_parties(client_for, cbsa, mou):
    text = text_of(client_for(cbsa).get(page("agreement-detail", mou.pk)))

    step = text.split("Shared with ATF for review", 1)[1].split("</li>", 1)[0]
    assert "Milestone it tracks" in step and MOU_REVIEW in step


def test_the_secretariat_names_the_tracked_milestone_when_adding_a_step(client_for, secretariat, cbftf, demo, mou):
    milestone = core_services.milestone_create(
        actor=secretariat, body=cbftf, title_en="OPC approval received", owner_agency=demo.agencies["CBSA"],
        due_start=datetime.date(2022, 5, 1), restricted_to=[demo.agencies["CBSA"], demo.agencies["ATF"]],
    )
    mou.milestones.add(milestone)
    client = client_for(secretariat)
    form = text_of(client.get(page("agreement-detail", mou.pk)))
    assert "Milestone it tracks" in form and "OPC approval received" in form

    response = client.post(page("step-create", mou.pk), {
        "title_en": "OPC approval received", "owner_agency": "CBSA", "target_date": "2022-05-20",
        "milestone": milestone.pk,
    })

    assert response.status_code == 302, text_of(response)
    assert mou_step_by(mou, "OPC approval received").milestone == milestone
    assert Milestone.objects.get(pk=milestone.pk).due_end == datetime.date(2022, 5, 20)
    refused = client.post(page("step-create", mou.pk), {
        "title_en": "Again", "owner_agency": "CBSA", "milestone": 999999})
    assert refused.status_code == 200 and "Select a valid choice." in text_of(refused)
