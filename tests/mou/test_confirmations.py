"""Answering an approval step and recording a signature are asked first: what is recorded, what it changes,
and who sees it (the portal sends no notice of either), named only among the agreement's readers."""

import datetime
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.db.models import Max
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEntry
from members.models import User
from mou import services
from mou.models import Agreement, Signature, StatusChange, StepAction, WorkflowStep
from notifications.models import Delivery, Notification, Reminder
from taskforce import permissions
from tests.mou.conftest import Workflow, stored
from tests.support.scenario import NOT_GRANTED, page, text_of


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
    client = client_for(atf)

    with writes_nothing(workflow.agreement):
        response = client.get(page("step-act", workflow.atf_review.pk) + "?outcome=approved")

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


# Asking writes nothing, and says what the answer or signature then does ----------------------------------------

# Statements that change the database, or take a lock or a savepoint to change it and undo the change.
WRITING = re.compile(r"^\s*(INSERT|UPDATE|DELETE|SAVEPOINT|ROLLBACK TO SAVEPOINT)\b|\bFOR (NO KEY )?UPDATE\b", re.I)


def state_of(agreement: Agreement) -> dict:
    """All that an answer or a signature could leave behind: the agreement, its steps, answers, signatures and
    status history; the audit trail, notices, deliveries and reminders; and every id sequence of the database (an
    insert undone still takes its id)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema()")
        sequences = dict(cursor.fetchall())
    return {
        "agreement": Agreement.objects.filter(pk=agreement.pk).values().get(),
        "steps": list(WorkflowStep.objects.filter(agreement=agreement).order_by("pk").values()),
        "answers": list(StepAction.objects.filter(step__agreement=agreement).order_by("pk").values()),
        "signatures": list(Signature.objects.filter(agreement=agreement).order_by("pk").values()),
        "moves": list(StatusChange.objects.filter(agreement=agreement).order_by("pk").values()),
        "latest": {model.__name__: model.objects.aggregate(latest=Max("id"))["latest"]
                   for model in (AuditEntry, Notification, Delivery, Reminder)},
        "sequences": sequences,
    }


@contextmanager
def writes_nothing(agreement: Agreement) -> Iterator[None]:
    """The requests inside leave the database as they found it, and send it no statement that writes (the audit
    trail's triggers are made to fire at once, as they would at commit, so that even an undone write would show)."""
    with connection.cursor() as cursor:  # the audit trail is written at commit; the test's transaction never commits
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    before = state_of(agreement)
    with CaptureQueriesContext(connection) as queries:
        yield
    assert [query["sql"] for query in queries if WRITING.search(query["sql"])] == []
    assert state_of(agreement) == before


def said_status(response) -> str | None:
    """The status the confirmation says the agreement then takes; None when it says it keeps its own."""
    found = re.search(r"The agreement then becomes “([^”]+)”\.", text_of(response))
    return found and found.group(1)


def fact(response, label: str) -> str:
    return dict(response.context["facts"])[label]


def ask_then_confirm(client: Client, url: str, data: dict, agreement: Agreement) -> tuple:
    """Post as the page's form does, without a write; then confirm. The confirmation and the agreement's status after
    the answer or signature is recorded."""
    with writes_nothing(agreement):
        asked = client.post(url, data)
    assert asked.status_code == 200, text_of(asked)
    assert 'name="confirmed"' in asked.content.decode()
    done = client.post(url, data | {"confirmed": "1"})
    assert done.status_code == 302, text_of(done)
    return asked, stored(agreement)


# Answers given before the one asked: (persona, step) in order.
CBSA_AND_ATF_REVIEWED = (("cbsa", "cbsa_review"), ("atf", "atf_review"))


@pytest.mark.parametrize(("before", "username", "step_name", "answer", "agency", "becomes"), [
    pytest.param((), "cbsa", "cbsa_review", {"outcome": "approved"}, "CBSA", None, id="an approval that moves nothing"),
    pytest.param(
        (), "cbsa", "cbsa_review", {"outcome": "returned", "comment": "Name the contacts."}, "CBSA", "Drafting",
        id="a return"),
    pytest.param(
        (*CBSA_AND_ATF_REVIEWED, ("atf", "ready")), "cbsa", "ready", {"outcome": "approved"}, "CBSA",
        "Ready for signature", id="the last approval a ready-for-signature step needs"),
    pytest.param(
        CBSA_AND_ATF_REVIEWED, "atf", "ready", {"outcome": "approved"}, "ATF", None,
        id="one of two approvals a step needs"),
    pytest.param(
        CBSA_AND_ATF_REVIEWED, "secretariat", "ready", {"outcome": "approved", "on_behalf_of": "ATF"}, "ATF", None,
        id="the secretariat for a concurring agency"),
])
def test_asking_to_confirm_an_answer_writes_nothing_and_says_what_recording_it_then_does(
    client_for, demo, workflow: Workflow, before, username, step_name, answer, agency, becomes
):
    for persona, earlier in before:
        services.step_act(actor=demo.users[persona], step=getattr(workflow, earlier), outcome="approved")
    step = getattr(workflow, step_name)
    agreement = workflow.agreement

    asked, after = ask_then_confirm(client_for(demo.users[username]), page("step-act", step.pk), answer, agreement)

    assert fact(asked, "Answer of") == agency
    assert said_status(asked) == becomes
    assert after.get_status_display() == (becomes or "In approval")
    assert step.actions.latest("pk").agency.acronym == agency


def test_asking_to_confirm_a_signature_writes_nothing_and_the_last_one_says_the_agreement_is_then_signed(
    client_for, cbsa, atf, ready_workflow: Workflow
):
    agreement = ready_workflow.agreement
    signature = {
        "party": "CBSA", "signatory_name": "Marc Gagnon", "signatory_title": "", "version_number": "1",
        "signed_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
    }
    url = page("signature-create", agreement.pk)

    first, after_first = ask_then_confirm(client_for(cbsa), url, signature, agreement)

    assert said_status(first) is None
    assert after_first.status == Agreement.Status.READY_FOR_SIGNATURE
    assert not WorkflowStep.objects.get(pk=ready_workflow.signed.pk).is_complete

    last, after_last = ask_then_confirm(
        client_for(atf), url, signature | {"party": "ATF", "signatory_name": "Dana Miller"}, agreement
    )

    assert said_status(last) == "Signed" == after_last.get_status_display()
    assert fact(last, "Party") == "ATF"
    assert WorkflowStep.objects.get(pk=ready_workflow.signed.pk).is_complete


def test_a_second_signature_for_the_same_party_is_refused_when_asked_without_a_write(
    client_for, cbsa, ready_workflow: Workflow
):
    agreement = ready_workflow.agreement
    signed_on = timezone.localdate() - datetime.timedelta(days=1)
    services.signature_record(actor=cbsa, agreement=agreement, party=cbsa.agency, signatory_name="Marc Gagnon",
                              signed_on=signed_on)
    again = {"party": "CBSA", "signatory_name": "Marc Gagnon", "version_number": "1", "signed_on": signed_on}

    client = client_for(cbsa)

    with writes_nothing(agreement):
        response = client.post(page("signature-create", agreement.pk), again)

    assert response.status_code == 200
    assert "CBSA has already signed this version." in text_of(response)
    assert 'name="confirmed"' not in response.content.decode()


@pytest.mark.parametrize("username", ["atf", "rcmp"])
def test_an_agency_the_step_does_not_need_is_refused_when_asked_and_only_the_refusal_is_recorded(
    client_for, demo, workflow: Workflow, username
):
    # The arrangement is open to the task force: RCMP sees it, but only CBSA answers its review.
    step, agreement = workflow.cbsa_review, workflow.agreement
    client = client_for(demo.users[username])
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    before = state_of(agreement)

    response = client.post(page("step-act", step.pk), {"outcome": "approved"})

    assert response.status_code == 403
    after = state_of(agreement)
    # A refused request is a security event of the trail (and takes its id); nothing else is written.
    recorded = AuditEntry.objects.filter(id__gt=before["latest"]["AuditEntry"] or 0)
    assert [(entry.kind, entry.action, entry.actor_id) for entry in recorded] == [
        ("security", "denied", demo.users[username].pk)]
    for state in (before, after):
        del state["latest"]["AuditEntry"], state["sequences"]["taskforce_auditentry_id_seq"]
    assert after == before
