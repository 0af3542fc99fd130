"""The agreements' writes (mou/services.py) on PostgreSQL: immutable versions, conflicting saves, comments, the
approval workflow and signatures, checked through what users then see in the selectors, and that a refused write
leaves nothing behind."""

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, InternalError, connection, transaction
from django.http import Http404

from members.models import Agency, Classification, User
from mou import selectors, services
from mou.models import (
    Agreement,
    AgreementVersion,
    Signature,
    StatusChange,
    StepAction,
    VersionComment,
    WorkflowStep,
)
from taskforce import permissions
from taskforce.errors import ConflictError

from .conftest import Workflow, agreement_named, days_ago, stored

Status = Agreement.Status
# The trigger of mou/migrations/0002 raises integrity_constraint_violation; either class is a refusal by the database.
REFUSED_BY_DATABASE = (IntegrityError, InternalError)


def mou_rows() -> dict[str, int]:
    """Everything the agreement services write."""
    models = (Agreement, AgreementVersion, VersionComment, WorkflowStep, StepAction, StatusChange, Signature)
    return {model.__name__: model.objects.count() for model in models}


def version_numbers(actor: User, agreement: Agreement) -> list[int]:
    return sorted(selectors.versions(actor=actor, agreement=agreement).values_list("number", flat=True))


def trail(agreement: Agreement) -> list[tuple[str, str, str]]:
    """The agreement's status moves, oldest first: (from, to, by whom)."""
    return [
        (change.from_status, change.to_status, change.actor.username)
        for change in StatusChange.objects.filter(agreement=agreement).select_related("actor")
    ]


def step_state(step: WorkflowStep) -> tuple:
    step = WorkflowStep.objects.get(pk=step.pk)
    return step.outcome, step.completed_at, step.completed_by_id, step.actions.count()


# Versions are history: the database refuses to change or remove one ---------------------------------------------


def save_changed_text(version: AgreementVersion) -> None:
    version.text = "A text nobody agreed to."
    version.save()


def save_changed_note(version: AgreementVersion) -> None:
    version.note = "Quietly renamed"
    version.save(update_fields=["note"])


def update_through_queryset(version: AgreementVersion) -> None:
    AgreementVersion.objects.filter(pk=version.pk).update(text="A text nobody agreed to.")


def renumber_through_queryset(version: AgreementVersion) -> None:
    AgreementVersion.objects.filter(pk=version.pk).update(number=99)


def delete_the_version(version: AgreementVersion) -> None:
    version.delete()


def delete_through_queryset(version: AgreementVersion) -> None:
    AgreementVersion.objects.filter(pk=version.pk).delete()


def raw_sql_update(version: AgreementVersion) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE mou_agreementversion SET text = %s WHERE id = %s", ["Nobody agreed to this.", version.pk])


def raw_sql_delete(version: AgreementVersion) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM mou_agreementversion WHERE id = %s", [version.pk])


def version_row(version: AgreementVersion) -> dict | None:
    return AgreementVersion.objects.filter(pk=version.pk).values(
        "agreement_id", "number", "text", "note", "author_id", "created_at", "classification", "restored_from"
    ).first()


@pytest.mark.parametrize(
    "tamper",
    [
        save_changed_text,
        save_changed_note,
        update_through_queryset,
        renumber_through_queryset,
        delete_the_version,
        delete_through_queryset,
        raw_sql_update,
        raw_sql_delete,
    ],
)
def test_the_database_refuses_to_change_or_delete_a_version(tamper: Callable, draft):
    # The draft's first version has no comment or signature, so nothing but the trigger stands in the way.
    version = draft.versions.get(number=1)
    before = version_row(version)

    with pytest.raises(REFUSED_BY_DATABASE, match="agreement versions cannot be changed or deleted"):
        with transaction.atomic():
            tamper(version)

    assert version_row(version) == before
    assert AgreementVersion.objects.filter(agreement=draft).count() == 1


def test_the_database_refuses_to_rewrite_the_demo_mou_history(mou):
    def history() -> list[tuple[int, str]]:
        return list(AgreementVersion.objects.filter(agreement=mou).order_by("number").values_list("number", "text"))

    before = history()

    with pytest.raises(REFUSED_BY_DATABASE), transaction.atomic():
        AgreementVersion.objects.filter(agreement=mou).update(text="")

    assert history() == before


def test_versions_are_numbered_one_two_three(secretariat, cbsa, draft):
    second = services.version_create(actor=cbsa, agreement=draft, text="Second text.", base_number=1)
    third = services.version_create(
        actor=secretariat, agreement=draft, text="Third text.", base_number=2, note=" Legal "
    )

    assert (second.number, third.number) == (2, 3)
    assert version_numbers(cbsa, draft) == [1, 2, 3]
    shown = selectors.version_get(actor=cbsa, agreement=draft, number=3)
    assert (shown.text, shown.note, shown.author, shown.restored_from) == ("Third text.", "Legal", secretariat, None)
    assert selectors.agreement_get(actor=cbsa, pk=draft.pk).latest_version == 3


def test_the_first_version_of_an_agreement_without_text_is_number_one(secretariat, cbsa, cbftf, demo):
    empty = services.agreement_create(
        actor=secretariat, body=cbftf, kind=Agreement.Kind.OTHER, short_name="Outline", title_en="Outline",
        parties=[demo.agencies["CBSA"], demo.agencies["ATF"]],
    )
    assert version_numbers(cbsa, empty) == []

    version = services.version_create(actor=cbsa, agreement=empty, text="Opening text.", base_number=None)

    assert version.number == 1
    assert version_numbers(cbsa, empty) == [1]


def test_restoring_a_version_adds_a_new_one_with_the_old_text_and_keeps_history(cbsa, atf, draft):
    first = draft.versions.get(number=1)
    services.version_create(actor=cbsa, agreement=draft, text="A rewrite that went too far.", base_number=1)

    restored = services.version_restore(actor=atf, agreement=draft, number=1, base_number=2)

    assert (restored.number, restored.text, restored.restored_from) == (3, first.text, 1)
    assert restored.note == "Restored from version 1"
    history = {v.number: v.text for v in selectors.versions(actor=cbsa, agreement=draft)}
    assert history == {1: first.text, 2: "A rewrite that went too far.", 3: first.text}


def test_restoring_from_a_stale_version_conflicts_and_writes_nothing(cbsa, atf, draft):
    services.version_create(actor=cbsa, agreement=draft, text="Second.", base_number=1)
    services.version_create(actor=cbsa, agreement=draft, text="Third.", base_number=2)
    before = mou_rows()

    with pytest.raises(ConflictError):
        services.version_restore(actor=atf, agreement=draft, number=1, base_number=2)

    assert mou_rows() == before
    assert version_numbers(cbsa, draft) == [1, 2, 3]


def test_restoring_a_version_of_an_unseen_agreement_is_not_found(rcmp, mou):
    before = mou_rows()

    with pytest.raises(Http404):
        services.version_restore(actor=rcmp, agreement=mou, number=1, base_number=2)

    assert mou_rows() == before


# Saving a version: conflicts and refusals --------------------------------------------------------------------------


def test_a_second_save_from_the_same_base_conflicts_and_writes_nothing(cbsa, atf, draft):
    services.version_create(actor=cbsa, agreement=draft, text="CBSA's edit.", base_number=1)
    before = mou_rows()

    with pytest.raises(ConflictError) as refused:
        services.version_create(actor=atf, agreement=draft, text="ATF's edit of the same text.", base_number=1)

    assert refused.value.code == "conflict"
    assert refused.value.params == {"latest": 2, "base": 1}
    assert mou_rows() == before
    assert selectors.version_get(actor=atf, agreement=draft, number=2).text == "CBSA's edit."
    assert version_numbers(atf, draft) == [1, 2]


def test_a_conflict_is_a_validation_error_that_every_channel_reports(cbsa, draft):
    services.version_create(actor=cbsa, agreement=draft, text="Second.", base_number=1)

    with pytest.raises(ValidationError, match="Version 2 was saved after the version 1 you started from"):
        services.version_create(actor=cbsa, agreement=draft, text="Also second.", base_number=1)


def test_saving_without_a_base_on_an_agreement_that_has_versions_conflicts(cbsa, draft):
    before = mou_rows()

    with pytest.raises(ConflictError):
        services.version_create(actor=cbsa, agreement=draft, text="From scratch.", base_number=None)

    assert mou_rows() == before


def test_saving_from_a_version_that_does_not_exist_yet_conflicts(cbsa, draft):
    with pytest.raises(ConflictError):
        services.version_create(actor=cbsa, agreement=draft, text="From the future.", base_number=5)

    assert version_numbers(cbsa, draft) == [1]


@pytest.mark.parametrize("text", ["", "   ", "\n\t\n"])
def test_an_empty_text_is_refused(text, cbsa, draft):
    before = mou_rows()

    with pytest.raises(ValidationError, match="The text cannot be empty"):
        services.version_create(actor=cbsa, agreement=draft, text=text, base_number=1)

    assert mou_rows() == before


def test_a_version_cannot_be_marked_above_the_authors_clearance(secretariat, hsi, cbftf, demo):
    shared = services.agreement_create(
        actor=secretariat, body=cbftf, kind=Agreement.Kind.OTHER, short_name="CBSA–HSI arrangement",
        title_en="CBSA–HSI arrangement", parties=[demo.agencies["CBSA"], demo.agencies["HSI"]], text="First text.",
    )
    assert hsi.clearance == Classification.PROTECTED_A

    with pytest.raises(ValidationError, match="above your own clearance"):
        services.version_create(
            actor=hsi, agreement=shared, text="Sensitive.", base_number=1, classification=Classification.PROTECTED_B
        )
    assert version_numbers(secretariat, shared) == [1]

    allowed = services.version_create(
        actor=hsi, agreement=shared, text="Sensitive.", base_number=1, classification=Classification.PROTECTED_A
    )
    assert allowed.classification == Classification.PROTECTED_A


def test_a_new_version_takes_the_agreements_marking_by_default(cbsa, mou):
    version = services.version_create(actor=cbsa, agreement=mou, text="Third draft.", base_number=2)

    assert version.classification == Classification.PROTECTED_A == mou.classification


@pytest.mark.parametrize("persona", ["rcmp", "hsi", "cbp", "dea"])
def test_those_who_cannot_see_the_mou_cannot_draft_it(persona, demo, mou):
    before = mou_rows()

    with pytest.raises(Http404):
        services.version_create(actor=demo.users[persona], agreement=mou, text="Edited.", base_number=2)

    assert mou_rows() == before


def test_the_outsider_cannot_draft_a_body_wide_agreement(outsider, draft):
    with pytest.raises(Http404):
        services.version_create(actor=outsider, agreement=draft, text="Edited.", base_number=1)

    assert AgreementVersion.objects.filter(agreement=draft).count() == 1


@pytest.mark.parametrize("persona", ["rcmp", "hsi", "cbp"])
def test_a_member_whose_agency_is_not_a_party_may_read_but_not_draft(persona, demo, draft):
    user = demo.users[persona]
    assert selectors.agreement_get(actor=user, pk=draft.pk) == draft
    before = mou_rows()

    with pytest.raises(PermissionDenied):
        services.version_create(actor=user, agreement=draft, text="Edited.", base_number=1)

    assert mou_rows() == before


@pytest.mark.parametrize(
    ("short_name", "transition", "field"),
    [("CMAA", "expire", "on"), ("SMU", "supersede", None)],
)
def test_an_expired_or_superseded_agreement_takes_no_new_version(short_name, transition, field, secretariat):
    instrument = agreement_named(short_name)
    services.agreement_transition(
        actor=secretariat, agreement=instrument, transition=transition, **({field: days_ago(1)} if field else {})
    )
    before = mou_rows()

    with pytest.raises(ValidationError, match="no longer current"):
        services.version_create(actor=secretariat, agreement=instrument, text="Amended.", base_number=1)

    assert mou_rows() == before


# Comments -----------------------------------------------------------------------------------------------------------


def test_a_party_comments_on_a_version_and_the_other_party_reads_it(cbsa, atf, mou):
    version = mou.versions.get(number=2)

    comment = services.comment_add(actor=atf, version=version, text="  ATF legal is reviewing section 3.  ")

    assert comment.text == "ATF legal is reviewing section 3."
    shown = list(selectors.version_comments(actor=cbsa, version=version))
    assert comment in shown
    assert (shown[-1].author, shown[-1].passage) == (atf, "")
    counts = {v.number: v.comment_count for v in selectors.versions(actor=cbsa, agreement=mou)}
    assert counts == {1: 1, 2: 2}


def test_a_comment_on_a_passage_quotes_the_version_exactly(cbsa, mou):
    version = mou.versions.get(number=2)

    comment = services.comment_add(
        actor=cbsa, version=version, passage="every two years", text="Three years would match the PIA cycle."
    )

    assert comment.passage == "every two years"
    assert comment in selectors.version_comments(actor=cbsa, version=version)


@pytest.mark.parametrize(
    "passage",
    [
        "share information promptly",  # in neither version
        "customs and traveller information",  # in version 1 only
        "EVERY TWO YEARS",  # not as written
    ],
)
def test_a_passage_not_in_the_text_is_refused(passage, cbsa, mou):
    version = mou.versions.get(number=2)
    before = mou_rows()

    with pytest.raises(ValidationError, match="quoted exactly"):
        services.comment_add(actor=cbsa, version=version, passage=passage, text="About this passage.")

    assert mou_rows() == before


def test_an_empty_comment_is_refused(cbsa, mou):
    with pytest.raises(ValidationError, match="Write a comment first"):
        services.comment_add(actor=cbsa, version=mou.versions.get(number=2), text="   ")

    assert VersionComment.objects.filter(version__agreement=mou).count() == 2


@pytest.mark.parametrize("persona", ["rcmp", "hsi", "cbp", "dea"])
def test_comments_are_hidden_from_those_who_cannot_see_the_agreement(persona, demo, mou):
    user = demo.users[persona]
    version = mou.versions.get(number=1)

    assert not selectors.version_comments(actor=user, version=version).exists()
    with pytest.raises(Http404):
        services.comment_add(actor=user, version=version, text="Can I see this?")
    assert VersionComment.objects.filter(version__agreement=mou).count() == 2


def test_comments_on_a_version_above_a_members_clearance_are_hidden(secretariat, rcmp, hsi, draft):
    secret = services.version_create(
        actor=secretariat, agreement=draft, text="Protected text.", base_number=1,
        classification=Classification.PROTECTED_B,
    )
    services.comment_add(actor=rcmp, version=secret, text="Seen by a Protected B reader.")

    assert [c.text for c in selectors.version_comments(actor=rcmp, version=secret)] == ["Seen by a Protected B reader."]
    assert not selectors.version_comments(actor=hsi, version=secret).exists()
    with pytest.raises(Http404):
        services.comment_add(actor=hsi, version=secret, text="Can I?")


# Workflow --------------------------------------------------------------------------------------------------------


def test_submitting_a_draft_sends_it_into_approval_and_records_who_did_it(secretariat, draft):
    services.agreement_submit(actor=secretariat, agreement=draft, note="Into approvals")

    assert stored(draft).status == Status.IN_APPROVAL
    assert trail(draft) == [(Status.DRAFTING, Status.IN_APPROVAL, "secretariat")]
    assert StatusChange.objects.get(agreement=draft).note == "Into approvals"


def test_only_a_draft_can_be_submitted(secretariat, mou):
    before = mou_rows()

    with pytest.raises(ValidationError, match="cannot make this move"):
        services.agreement_submit(actor=secretariat, agreement=mou)

    assert stored(mou).status == Status.IN_APPROVAL
    assert mou_rows() == before


def test_a_draft_without_a_version_cannot_be_submitted(secretariat, cbftf, demo):
    empty = services.agreement_create(
        actor=secretariat, body=cbftf, kind=Agreement.Kind.OTHER, short_name="Outline", title_en="Outline",
        parties=[demo.agencies["CBSA"]],
    )

    with pytest.raises(ValidationError, match="Write a first version"):
        services.agreement_submit(actor=secretariat, agreement=empty)

    assert stored(empty).status == Status.DRAFTING
    assert not StatusChange.objects.filter(agreement=empty).exists()


def test_only_the_secretariat_submits_a_draft(cbsa, rcmp, draft):
    with pytest.raises(PermissionDenied):
        services.agreement_submit(actor=cbsa, agreement=draft)
    with pytest.raises(PermissionDenied):
        services.agreement_submit(actor=rcmp, agreement=draft)

    assert stored(draft).status == Status.DRAFTING


def test_steps_are_acted_on_only_while_the_agreement_is_in_approval(secretariat, cbsa, draft, demo):
    step = services.step_add(
        actor=secretariat, agreement=draft, title_en="CBSA review", owner_agency=demo.agencies["CBSA"]
    )

    with pytest.raises(ValidationError, match="only while the agreement is in approval"):
        services.step_act(actor=cbsa, step=step, outcome="approved")

    assert step_state(step) == ("", None, None, 0)


def test_steps_are_completed_in_order(atf, workflow: Workflow):
    with pytest.raises(ValidationError, match="Complete “CBSA review” first"):
        services.step_act(actor=atf, step=workflow.atf_review, outcome="approved")

    assert step_state(workflow.atf_review) == ("", None, None, 0)


def test_a_step_completes_when_its_owner_approves(cbsa, atf, workflow: Workflow):
    services.step_act(actor=cbsa, step=workflow.cbsa_review, outcome="approved", comment="Cleared by legal.")
    services.step_act(actor=atf, step=workflow.atf_review, outcome="approved")

    shown = {step.title_en: step for step in selectors.steps(actor=cbsa, agreement=workflow.agreement)}
    assert shown["CBSA review"].is_complete and shown["CBSA review"].completed_by == cbsa
    assert [(a.agency.acronym, a.outcome, a.comment) for a in shown["CBSA review"].action_list] == [
        ("CBSA", "approved", "Cleared by legal.")
    ]
    assert shown["ATF review"].is_complete
    assert not shown["Ready for signature"].is_complete
    assert stored(workflow.agreement).status == Status.IN_APPROVAL


def test_a_complete_step_cannot_be_acted_on_again(cbsa, workflow: Workflow):
    services.step_act(actor=cbsa, step=workflow.cbsa_review, outcome="approved")
    before = step_state(workflow.cbsa_review)

    with pytest.raises(ValidationError, match="already complete"):
        services.step_act(actor=cbsa, step=workflow.cbsa_review, outcome="returned", comment="Second thoughts.")

    assert step_state(workflow.cbsa_review) == before
    assert stored(workflow.agreement).status == Status.IN_APPROVAL


def test_an_unknown_outcome_is_refused(cbsa, workflow: Workflow):
    with pytest.raises(ValidationError, match="Choose approved or returned"):
        services.step_act(actor=cbsa, step=workflow.cbsa_review, outcome="maybe")

    assert step_state(workflow.cbsa_review) == ("", None, None, 0)


@pytest.mark.parametrize("persona", ["rcmp", "hsi", "cbp", "dea"])
def test_those_who_cannot_see_the_mou_cannot_act_on_its_steps(persona, demo, mou):
    step = mou.steps.get(position=1)

    with pytest.raises(Http404):
        services.step_act(actor=demo.users[persona], step=step, outcome="approved")

    assert step_state(step) == ("", None, None, 0)


@pytest.mark.parametrize("persona", ["rcmp", "hsi", "cbp"])
def test_a_member_of_another_agency_cannot_act_on_a_visible_step(persona, demo, workflow: Workflow):
    with pytest.raises(PermissionDenied):
        services.step_act(actor=demo.users[persona], step=workflow.cbsa_review, outcome="approved")

    assert step_state(workflow.cbsa_review) == ("", None, None, 0)


def test_a_party_cannot_act_on_a_step_its_agency_has_no_part_in(cbsa, atf, workflow: Workflow):
    with pytest.raises(PermissionDenied):
        services.step_act(actor=atf, step=workflow.cbsa_review, outcome="approved")
    services.step_act(actor=cbsa, step=workflow.cbsa_review, outcome="approved")
    with pytest.raises(PermissionDenied):
        services.step_act(actor=cbsa, step=workflow.atf_review, outcome="approved")

    assert step_state(workflow.atf_review) == ("", None, None, 0)


def test_a_party_cannot_answer_for_another_agency(cbsa, demo, workflow: Workflow):
    services.step_act(actor=cbsa, step=workflow.cbsa_review, outcome="approved")

    with pytest.raises(PermissionDenied):
        services.step_act(actor=cbsa, step=workflow.atf_review, outcome="approved", on_behalf_of=demo.agencies["ATF"])

    assert step_state(workflow.atf_review) == ("", None, None, 0)


def test_the_secretariat_records_the_owner_agencys_answer(secretariat, workflow: Workflow):
    services.step_act(actor=secretariat, step=workflow.cbsa_review, outcome="approved")
    services.step_act(actor=secretariat, step=workflow.atf_review, outcome="approved")

    action = StepAction.objects.get(step=workflow.atf_review)
    assert (action.agency.acronym, action.actor) == ("ATF", secretariat)
    assert WorkflowStep.objects.get(pk=workflow.atf_review.pk).is_complete


def test_the_secretariat_cannot_answer_for_an_agency_with_no_part_in_the_step(secretariat, demo, workflow: Workflow):
    with pytest.raises(ValidationError, match="RCMP has no part in this step"):
        services.step_act(
            actor=secretariat, step=workflow.cbsa_review, outcome="approved", on_behalf_of=demo.agencies["RCMP"]
        )

    assert step_state(workflow.cbsa_review) == ("", None, None, 0)


def test_a_step_needing_concurrence_completes_only_when_every_agency_approved(cbsa, atf, workflow: Workflow):
    services.step_act(actor=cbsa, step=workflow.cbsa_review, outcome="approved")
    services.step_act(actor=atf, step=workflow.atf_review, outcome="approved")

    services.step_act(actor=cbsa, step=workflow.ready, outcome="approved")
    assert not WorkflowStep.objects.get(pk=workflow.ready.pk).is_complete
    assert stored(workflow.agreement).status == Status.IN_APPROVAL

    services.step_act(actor=atf, step=workflow.ready, outcome="approved")
    ready = WorkflowStep.objects.get(pk=workflow.ready.pk)
    assert ready.is_complete and ready.completed_by == atf
    assert stored(workflow.agreement).status == Status.READY_FOR_SIGNATURE
    assert trail(workflow.agreement)[-1] == (Status.IN_APPROVAL, Status.READY_FOR_SIGNATURE, "atf")


def test_an_agencys_latest_answer_on_a_step_is_the_one_that_counts(secretariat, cbsa, atf, workflow: Workflow):
    services.step_act(actor=cbsa, step=workflow.cbsa_review, outcome="approved")
    services.step_act(actor=atf, step=workflow.atf_review, outcome="approved")
    services.step_act(actor=atf, step=workflow.ready, outcome="returned", comment="Section 2 needs our counsel.")
    services.agreement_submit(actor=secretariat, agreement=workflow.agreement)

    services.step_act(actor=cbsa, step=workflow.ready, outcome="approved")
    # ATF's last word is still its return.
    assert not WorkflowStep.objects.get(pk=workflow.ready.pk).is_complete
    assert stored(workflow.agreement).status == Status.IN_APPROVAL

    services.step_act(actor=atf, step=workflow.ready, outcome="approved")
    assert WorkflowStep.objects.get(pk=workflow.ready.pk).is_complete
    assert stored(workflow.agreement).status == Status.READY_FOR_SIGNATURE


def test_returning_a_step_needs_a_comment(cbsa, workflow: Workflow):
    before = mou_rows()

    with pytest.raises(ValidationError, match="Say what must change"):
        services.step_act(actor=cbsa, step=workflow.cbsa_review, outcome="returned", comment="  ")

    assert mou_rows() == before
    assert stored(workflow.agreement).status == Status.IN_APPROVAL


def test_returning_a_step_sends_the_draft_back_to_drafting(cbsa, workflow: Workflow):
    services.step_act(actor=cbsa, step=workflow.cbsa_review, outcome="returned", comment="Redraft section 2.")

    assert stored(workflow.agreement).status == Status.DRAFTING
    assert trail(workflow.agreement) == [
        (Status.DRAFTING, Status.IN_APPROVAL, "secretariat"),
        (Status.IN_APPROVAL, Status.DRAFTING, "cbsa"),
    ]
    assert StatusChange.objects.filter(agreement=workflow.agreement).last().note == "Redraft section 2."
    step = WorkflowStep.objects.get(pk=workflow.cbsa_review.pk)
    assert (step.outcome, step.completed_at, step.is_complete) == (WorkflowStep.Outcome.RETURNED, None, False)
    action = StepAction.objects.get(step=step)
    assert (action.agency.acronym, action.actor, action.outcome, action.comment) == (
        "CBSA", cbsa, "returned", "Redraft section 2."
    )
    with pytest.raises(ValidationError, match="only while the agreement is in approval"):
        services.step_act(actor=cbsa, step=workflow.cbsa_review, outcome="approved")


def test_the_signed_step_cannot_be_acted_on(secretariat, cbsa, draft, demo):
    signed = services.step_add(
        actor=secretariat, agreement=draft, title_en="Signed", owner_agency=demo.agencies["CBSA"],
        moves_to=Status.SIGNED,
    )
    services.agreement_submit(actor=secretariat, agreement=draft)

    for actor in (cbsa, secretariat):
        with pytest.raises(ValidationError, match="completes when every party has signed"):
            services.step_act(actor=actor, step=signed, outcome="approved")

    assert step_state(signed) == ("", None, None, 0)
    assert stored(draft).status == Status.IN_APPROVAL


@pytest.mark.parametrize(
    ("transition", "on"),
    [
        ("bring_into_force", days_ago(1)),
        ("expire", days_ago(1)),
        ("supersede", None),
        ("make_ready_for_signature", None),
        ("return_to_drafting", None),
    ],
)
def test_an_illegal_move_from_drafting_is_refused_and_changes_nothing(transition, on, secretariat, draft):
    before = mou_rows()

    with pytest.raises(ValidationError, match="“Drafting” cannot make this move"):
        services.agreement_transition(actor=secretariat, agreement=draft, transition=transition, on=on)

    after = stored(draft)
    assert (after.status, after.in_force_on, after.expires_on) == (Status.DRAFTING, None, None)
    assert mou_rows() == before


@pytest.mark.parametrize("transition", ["mark_signed", "submit_for_approval", "delete"])
def test_moves_outside_the_secretariats_list_are_refused(transition, secretariat, workflow: Workflow):
    with pytest.raises(ValidationError, match="Unknown move"):
        services.agreement_transition(actor=secretariat, agreement=workflow.agreement, transition=transition)

    assert stored(workflow.agreement).status == Status.IN_APPROVAL


def test_bringing_into_force_needs_a_date(secretariat, ready_workflow: Workflow):
    with pytest.raises(ValidationError, match="Give the date"):
        services.agreement_transition(
            actor=secretariat, agreement=ready_workflow.agreement, transition="bring_into_force"
        )

    assert stored(ready_workflow.agreement).status == Status.READY_FOR_SIGNATURE


def test_an_agreement_cannot_come_into_force_before_its_last_signature(secretariat, ready_workflow: Workflow):
    agreement = ready_workflow.agreement
    for party, day in (("CBSA", days_ago(3)), ("ATF", days_ago(1))):
        services.signature_record(actor=secretariat, agreement=agreement, party=Agency.objects.get(acronym=party),
                                  signatory_name=f"For the {party}", signed_on=day)
    before = mou_rows()

    with pytest.raises(ValidationError, match="cannot come into force before its last signature") as refused:
        services.agreement_transition(actor=secretariat, agreement=agreement, transition="bring_into_force",
                                      on=days_ago(2))

    assert list(refused.value.message_dict) == ["on"]
    assert (stored(agreement).status, stored(agreement).in_force_on) == (Status.SIGNED, None)
    assert mou_rows() == before
    services.agreement_transition(actor=secretariat, agreement=agreement, transition="bring_into_force",
                                  on=days_ago(1))
    assert (stored(agreement).status, stored(agreement).in_force_on) == (Status.IN_FORCE, days_ago(1))


def test_an_agreement_cannot_expire_before_it_came_into_force(secretariat):
    cmaa = agreement_named("CMAA")

    with pytest.raises(ValidationError):
        services.agreement_transition(actor=secretariat, agreement=cmaa, transition="expire", on=cmaa.in_force_on)

    assert (stored(cmaa).status, stored(cmaa).expires_on) == (Status.IN_FORCE, None)


def test_the_secretariat_cannot_skip_open_steps_to_signature(secretariat, cbsa, workflow: Workflow):
    services.step_act(actor=cbsa, step=workflow.cbsa_review, outcome="approved")
    before = mou_rows()

    with pytest.raises(ValidationError, match="Complete “ATF review” first"):
        services.agreement_transition(
            actor=secretariat, agreement=workflow.agreement, transition="make_ready_for_signature"
        )

    assert stored(workflow.agreement).status == Status.IN_APPROVAL
    assert mou_rows() == before


def test_the_secretariat_makes_an_agreement_ready_once_every_approval_step_is_complete(secretariat, cbsa, draft, demo):
    review = services.step_add(
        actor=secretariat, agreement=draft, title_en="CBSA review", owner_agency=demo.agencies["CBSA"]
    )
    services.step_add(actor=secretariat, agreement=draft, title_en="Signed", owner_agency=demo.agencies["CBSA"],
                      moves_to=Status.SIGNED)
    services.agreement_submit(actor=secretariat, agreement=draft)
    services.step_act(actor=cbsa, step=review, outcome="approved")

    services.agreement_transition(actor=secretariat, agreement=draft, transition="make_ready_for_signature", note="Go")

    assert stored(draft).status == Status.READY_FOR_SIGNATURE
    assert trail(draft)[-1] == (Status.IN_APPROVAL, Status.READY_FOR_SIGNATURE, "secretariat")


def test_only_the_secretariat_moves_an_agreement_by_hand(cbsa, rcmp, mou):
    cmaa = agreement_named("CMAA")

    with pytest.raises(PermissionDenied):
        services.agreement_transition(actor=cbsa, agreement=cmaa, transition="supersede")
    with pytest.raises(Http404):
        services.agreement_transition(actor=rcmp, agreement=mou, transition="return_to_drafting")

    assert (stored(cmaa).status, stored(mou).status) == (Status.IN_FORCE, Status.IN_APPROVAL)


# Signatures ------------------------------------------------------------------------------------------------------


def test_an_agreement_in_approval_cannot_be_signed(secretariat, demo, workflow: Workflow):
    with pytest.raises(ValidationError, match="not ready for signature"):
        services.signature_record(
            actor=secretariat, agreement=workflow.agreement, party=demo.agencies["CBSA"], signatory_name="For the CBSA",
            signed_on=days_ago(1),
        )

    assert not Signature.objects.filter(agreement=workflow.agreement).exists()


def test_only_a_party_signs(secretariat, demo, ready_workflow: Workflow):
    with pytest.raises(ValidationError, match="RCMP is not a party"):
        services.signature_record(
            actor=secretariat, agreement=ready_workflow.agreement, party=demo.agencies["RCMP"],
            signatory_name="For the RCMP", signed_on=days_ago(1),
        )

    assert not Signature.objects.filter(agreement=ready_workflow.agreement).exists()


def test_only_the_current_version_is_signed(secretariat, cbsa, demo, ready_workflow: Workflow):
    agreement = ready_workflow.agreement
    services.version_create(actor=cbsa, agreement=agreement, text="Final wording.", base_number=1)

    with pytest.raises(ValidationError, match="Only the current version can be signed"):
        services.signature_record(
            actor=secretariat, agreement=agreement, party=demo.agencies["CBSA"], signatory_name="For the CBSA",
            signed_on=days_ago(1), version_number=1,
        )
    assert not Signature.objects.filter(agreement=agreement).exists()

    signature = services.signature_record(
        actor=secretariat, agreement=agreement, party=demo.agencies["CBSA"], signatory_name="For the CBSA",
        signed_on=days_ago(1),
    )
    assert signature.version.number == 2


def test_a_signature_cannot_be_dated_in_the_future(cbsa, demo, ready_workflow: Workflow):
    with pytest.raises(ValidationError, match="cannot be dated in the future"):
        services.signature_record(
            actor=cbsa, agreement=ready_workflow.agreement, party=demo.agencies["CBSA"], signatory_name="For the CBSA",
            signed_on=days_ago(-1),
        )

    assert not Signature.objects.filter(agreement=ready_workflow.agreement).exists()
    services.signature_record(
        actor=cbsa, agreement=ready_workflow.agreement, party=demo.agencies["CBSA"], signatory_name="For the CBSA",
        signed_on=days_ago(0),
    )


def test_a_party_signs_a_version_once(cbsa, secretariat, demo, ready_workflow: Workflow):
    services.signature_record(
        actor=cbsa, agreement=ready_workflow.agreement, party=demo.agencies["CBSA"], signatory_name="For the CBSA",
        signed_on=days_ago(2),
    )

    with pytest.raises(ValidationError, match="CBSA has already signed this version"):
        services.signature_record(
            actor=secretariat, agreement=ready_workflow.agreement, party=demo.agencies["CBSA"],
            signatory_name="Again for the CBSA", signed_on=days_ago(1),
        )

    assert Signature.objects.filter(agreement=ready_workflow.agreement).count() == 1


def test_a_party_member_records_their_own_partys_signature_not_anothers(cbsa, atf, demo, ready_workflow: Workflow):
    agreement = ready_workflow.agreement

    with pytest.raises(PermissionDenied):
        services.signature_record(
            actor=cbsa, agreement=agreement, party=demo.agencies["ATF"], signatory_name="For the ATF",
            signed_on=days_ago(1),
        )
    assert not Signature.objects.filter(agreement=agreement).exists()

    signature = services.signature_record(
        actor=atf, agreement=agreement, party=demo.agencies["ATF"], signatory_name=" Dana Miller ",
        signatory_title="ATF Attaché", signed_on=days_ago(1),
    )
    assert (signature.party.acronym, signature.signatory_name, signature.recorded_by) == ("ATF", "Dana Miller", atf)


def test_a_non_party_member_cannot_record_a_signature(rcmp, demo, ready_workflow: Workflow):
    with pytest.raises(PermissionDenied):
        services.signature_record(
            actor=rcmp, agreement=ready_workflow.agreement, party=demo.agencies["CBSA"], signatory_name="For the CBSA",
            signed_on=days_ago(1),
        )

    assert not Signature.objects.filter(agreement=ready_workflow.agreement).exists()


def test_the_agreement_is_signed_when_every_party_has_signed(cbsa, atf, demo, ready_workflow: Workflow):
    agreement = ready_workflow.agreement
    services.signature_record(
        actor=atf, agreement=agreement, party=demo.agencies["ATF"], signatory_name="For the ATF", signed_on=days_ago(1),
    )
    assert stored(agreement).status == Status.READY_FOR_SIGNATURE
    assert not WorkflowStep.objects.get(pk=ready_workflow.signed.pk).is_complete

    services.signature_record(
        actor=cbsa, agreement=agreement, party=demo.agencies["CBSA"], signatory_name="For the CBSA",
        signed_on=days_ago(3),
    )

    signed = stored(agreement)
    assert (signed.status, signed.signed_on) == (Status.SIGNED, days_ago(1))
    signed_step = WorkflowStep.objects.get(pk=ready_workflow.signed.pk)
    assert signed_step.is_complete and signed_step.completed_by == cbsa
    assert trail(agreement)[-1] == (Status.READY_FOR_SIGNATURE, Status.SIGNED, "cbsa")
    shown = selectors.signatures(actor=cbsa, agreement=agreement)
    assert [(s.party.acronym, s.signed_on, s.version.number) for s in shown] == [
        ("CBSA", days_ago(3), 1), ("ATF", days_ago(1), 1)
    ]


def test_a_version_saved_after_signing_leaves_the_signatures_on_the_signed_text(
    cbsa, atf, demo, ready_workflow: Workflow
):
    agreement = ready_workflow.agreement
    for user, acronym in ((cbsa, "CBSA"), (atf, "ATF")):
        services.signature_record(
            actor=user, agreement=agreement, party=demo.agencies[acronym], signatory_name=f"For the {acronym}",
            signed_on=days_ago(1),
        )

    services.version_create(actor=cbsa, agreement=agreement, text="An amendment after signature.", base_number=1)

    latest = selectors.agreement_get(actor=atf, pk=agreement.pk).latest_version
    assert latest == 2
    signed_numbers = {s.version.number for s in selectors.signatures(actor=atf, agreement=agreement)}
    assert signed_numbers == {1}
    assert all(number < latest for number in signed_numbers)
    assert stored(agreement).status == Status.SIGNED


def test_those_who_cannot_see_the_mou_cannot_sign_it(rcmp, demo, mou):
    with pytest.raises(Http404):
        services.signature_record(
            actor=rcmp, agreement=mou, party=demo.agencies["RCMP"], signatory_name="For the RCMP", signed_on=days_ago(1)
        )

    assert not Signature.objects.filter(agreement=mou).exists()


# The demo MOU, from CBSA approvals to signature ---------------------------------------------------------------------


def test_the_personas_take_the_demo_mou_from_approval_to_signature(secretariat, cbsa, atf, rcmp, demo, mou):
    steps = {step.title_en: step for step in selectors.steps(actor=cbsa, agreement=mou)}

    def act(user: User, title: str) -> None:
        services.step_act(actor=user, step=steps[title], outcome="approved")

    act(cbsa, "CBSA internal approval")
    act(atf, "Shared with ATF for review")
    act(cbsa, "Privacy Impact Assessment prepared")
    act(cbsa, "PIA submitted to the Office of the Privacy Commissioner")
    act(cbsa, "Office of the Privacy Commissioner approval")
    act(cbsa, "Ready for signature")
    assert stored(mou).status == Status.IN_APPROVAL  # ATF has not concurred yet
    act(atf, "Ready for signature")
    assert stored(mou).status == Status.READY_FOR_SIGNATURE

    services.signature_record(
        actor=cbsa, agreement=mou, party=demo.agencies["CBSA"], signatory_name="Marc Gagnon",
        signatory_title="Director, Intelligence and Targeting Partnerships Unit", signed_on=days_ago(2),
    )
    assert stored(mou).status == Status.READY_FOR_SIGNATURE
    services.signature_record(
        actor=atf, agreement=mou, party=demo.agencies["ATF"], signatory_name="Dana Miller",
        signatory_title="ATF Attaché, U.S. Embassy Ottawa", signed_on=days_ago(1),
    )

    signed = selectors.agreement_get(actor=cbsa, pk=mou.pk)
    assert (signed.status, signed.signed_on, signed.latest_version) == (Status.SIGNED, days_ago(1), 2)
    assert all(step.is_complete for step in selectors.steps(actor=atf, agreement=mou))
    assert [
        (c.from_status, c.to_status, c.actor.username) for c in selectors.status_history(actor=atf, agreement=mou)
    ] == [
        (Status.DRAFTING, Status.IN_APPROVAL, "secretariat"),
        (Status.IN_APPROVAL, Status.READY_FOR_SIGNATURE, "atf"),
        (Status.READY_FOR_SIGNATURE, Status.SIGNED, "atf"),
    ]
    assert {(s.party.acronym, s.version.number) for s in selectors.signatures(actor=cbsa, agreement=mou)} == {
        ("CBSA", 2), ("ATF", 2)
    }
    # Signed, the MOU is still restricted: RCMP sees none of it.
    assert not selectors.agreement_list(actor=rcmp).filter(pk=mou.pk).exists()
    assert not selectors.signatures(actor=rcmp, agreement=mou).exists()
    assert not selectors.status_history(actor=rcmp, agreement=mou).exists()
    assert set(permissions.granted_agencies(mou).values_list("acronym", flat=True)) == {"CBSA", "ATF"}
