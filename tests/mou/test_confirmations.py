"""Answering an approval step and recording a signature are asked first: what is recorded, what it changes,
and who sees it (the portal sends no notice of either), named only among the agreement's readers."""

import datetime

import pytest
from django.utils import timezone

from members.models import User
from mou.models import Agreement, Signature, StepAction, WorkflowStep
from taskforce import permissions
from tests.mou.conftest import Workflow, stored
from tests.scenario import NOT_GRANTED, page, text_of


def mou_step(mou: Agreement, title: str) -> WorkflowStep:
    return mou.steps.get(title_en=title)


def listed(text: str) -> str:
    return text.split("Nobody will be notified", 1)[1].split("Go back", 1)[0]


def test_approving_a_step_of_the_restricted_mou_names_only_who_may_see_the_mou(client_for, demo, cbsa, mou):
    step = mou_step(mou, "CBSA internal approval")

    response = client_for(cbsa).get(page("step-act", step.pk) + "?outcome=approved")

    assert response.status_code == 200
    text = text_of(response)
    assert "Approve this step?" in text
    people = listed(text)
    readers = set(permissions.readers(mou))
    for person in User.objects.filter(is_active=True).exclude(is_superuser=True):
        assert (str(person) in people) == (person in readers), person
    for agency in ("RCMP", "HSI", "CBP", "DEA"):
        assert f"({agency})" not in people
    for username in NOT_GRANTED:
        assert str(demo.users[username]) not in people
    assert str(demo.users["atf"]) in people and str(cbsa) in people
    assert not StepAction.objects.filter(step=step).exists()


@pytest.mark.parametrize("username", NOT_GRANTED)
def test_the_confirmation_of_a_step_of_the_restricted_mou_is_not_found_for_other_agencies(client_for, demo, mou,
                                                                                          username):
    step = mou_step(mou, "CBSA internal approval")
    client = client_for(demo.users[username])

    assert client.get(page("step-act", step.pk) + "?outcome=approved").status_code == 404
    assert client.post(page("step-act", step.pk), {"outcome": "approved"}).status_code == 404
    assert client.post(page("step-act", step.pk), {"outcome": "approved", "confirmed": "1"}).status_code == 404
    assert not step.actions.exists()


def test_a_step_is_answered_only_once_confirmed(client_for, cbsa, workflow: Workflow):
    client = client_for(cbsa)
    step = workflow.cbsa_review
    answer = {"outcome": "returned", "comment": "Name the contacts."}

    asked = client.post(page("step-act", step.pk), answer)

    assert asked.status_code == 200
    text = text_of(asked)
    assert "Return this step with comments?" in text and "Name the contacts." in text
    assert "The agreement then becomes “Drafting”." in text
    assert not step.actions.exists()
    assert stored(workflow.agreement).status == Agreement.Status.IN_APPROVAL

    done = client.post(page("step-act", step.pk), answer | {"confirmed": "1"})

    assert done.status_code == 302
    assert done.url == page("agreement-detail", workflow.agreement.pk) + f"#step-{step.pk}"
    assert step.actions.get().comment == "Name the contacts."
    assert stored(workflow.agreement).status == Agreement.Status.DRAFTING


def test_a_refused_answer_is_refused_before_it_is_confirmed(client_for, atf, workflow: Workflow):
    response = client_for(atf).get(page("step-act", workflow.atf_review.pk) + "?outcome=approved")

    assert response.status_code == 200
    assert "Complete “CBSA review” first: the workflow moves in order." in text_of(response)
    assert 'name="confirmed"' not in response.content.decode()


def test_a_signature_is_recorded_only_once_confirmed_and_the_page_names_who_sees_it(
    client_for, demo, cbsa, atf, rcmp, ready_workflow: Workflow
):
    agreement = ready_workflow.agreement
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    signature = {
        "party": "CBSA", "signatory_name": "Marc Gagnon", "signatory_title": "Vice-President",
        "version_number": "1", "signed_on": yesterday.isoformat(),
    }
    client = client_for(cbsa)

    asked = client.post(page("signature-create", agreement.pk), signature)

    assert asked.status_code == 200
    text = text_of(asked)
    assert "Record this signature?" in text and "Marc Gagnon, Vice-President" in text
    assert "The agreement then becomes" not in text  # ATF has not signed yet
    people = listed(text)
    # The arrangement is open to the task force: its members see the signature on its page.
    assert str(rcmp) in people and str(atf) in people
    assert str(demo.users["dea"]) not in people
    assert not Signature.objects.filter(agreement=agreement).exists()

    done = client.post(page("signature-create", agreement.pk), signature | {"confirmed": "1"})

    assert done.status_code == 302
    assert Signature.objects.get(agreement=agreement).signatory_name == "Marc Gagnon"
    last = client_for(atf).post(page("signature-create", agreement.pk), signature | {
        "party": "ATF", "signatory_name": "Dana Miller", "signatory_title": "",
    })
    assert "The agreement then becomes “Signed”." in text_of(last)
    assert stored(agreement).status == Agreement.Status.READY_FOR_SIGNATURE




def test_the_confirmation_speaks_french(client_for, cbsa, mou):
    step = mou_step(mou, "CBSA internal approval")
    url = page("step-act", step.pk).replace("/en/", "/fr/", 1) + "?outcome=approved"

    text = text_of(client_for(cbsa).get(url))

    assert "Approuver cette étape ?" in text
    assert "Personne ne sera avisé" in text
    assert "personnes qui peuvent voir l'entente" in text
