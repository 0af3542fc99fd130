"""Writes for agreements: drafting versions, comments, the approval workflow, signatures, status moves.

Each service checks that the actor may see what it is handed (404 otherwise) and may act on it,
validates, then writes in one transaction. Status moves go through the agreement's state machine and
are recorded with who made them.

Answering a step and recording a signature are asked to confirm first. Their checks (`step_answer_check`,
`signature_check`) only read: they refuse what the service would refuse and say what it would do (whose answer,
the status the agreement then takes), for the confirmation page; the service runs the same check, then writes
what it says.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from members.models import Agency, Classification, User
from taskforce import permissions
from taskforce import services as core_services
from taskforce.dates import date_format
from taskforce.errors import ConflictError
from taskforce.models import AgencyRole, Body, Milestone

from . import notifications
from . import permissions as rules
from .models import (
    Agreement,
    AgreementVersion,
    InformationCategory,
    Signature,
    StatusChange,
    StepAction,
    VersionComment,
    WorkflowStep,
)

Status = Agreement.Status


def _require_drafter(actor: User, agreement: Agreement) -> None:
    """The secretariat, or a member of a party agency, may draft and comment."""
    permissions.require_visible(actor, agreement)
    secretariat = permissions.is_secretariat(actor, agreement.body_id)
    if not rules.may_draft(actor, secretariat=secretariat, parties=agreement.parties.all()):
        raise PermissionDenied(_("Only the secretariat and the parties' members can change this draft."))


def _move(actor: User, agreement: Agreement, transition: str, note: str = "") -> None:
    before = agreement.status
    try:
        getattr(agreement, transition)()
    except TransitionNotAllowed:
        raise ValidationError(
            _("An agreement that is “%(status)s” cannot make this move.") % {"status": agreement.get_status_display()}
        ) from None
    agreement.save()
    StatusChange.objects.create(
        agreement=agreement, from_status=before, to_status=agreement.status, actor=actor, note=note[:500]
    )


@transaction.atomic
def agreement_create(
    *,
    actor: User,
    body: Body,
    kind: str,
    short_name: str,
    title_en: str,
    parties: Iterable[Agency],
    short_name_fr: str = "",
    text: str = "",
    title_fr: str = "",
    summary: str = "",
    summary_fr: str = "",
    text_fr: str = "",
    categories: Iterable[InformationCategory] = (),
    condition: str = "",
    classification: int = Classification.UNCLASSIFIED,
    restricted_to: Iterable[Agency] | None = None,
    written_at: datetime.datetime | None = None,
) -> Agreement:
    """A new agreement and, with a text, its first version (written at `written_at`: now, or in the demo's story
    the moment it was drafted; a version is immutable, so its time is given at once)."""
    permissions.require_visible(actor, body)
    permissions.require_secretariat(actor, body.pk)
    parties = list(parties)
    if not parties:
        raise ValidationError({"parties": _("An agreement has at least one party.")})
    in_body = set(AgencyRole.objects.filter(body=body).values_list("agency_id", flat=True))
    restricted_to = list(restricted_to or [])
    if any(a.pk not in in_body for a in restricted_to):
        message = _("Only agencies of %(body)s can be named.") % {"body": body.local_acronym}
        raise ValidationError({"restricted_to": message})
    agreement = Agreement(
        body=body, kind=kind, short_name=short_name, short_name_fr=short_name_fr, title_en=title_en, title_fr=title_fr,
        summary=summary, summary_fr=summary_fr, condition=condition, classification=classification,
        restricted=bool(restricted_to),
    )
    # The status is the state machine's alone (a protected field): validated by its transitions.
    agreement.full_clean(exclude=["status"])
    agreement.save()
    agreement.parties.set(parties)
    agreement.categories.set(categories)
    permissions.grant(agreement, restricted_to)
    if text.strip():
        AgreementVersion.objects.create(
            agreement=agreement, number=1, text=text, text_fr=text_fr, note=_("First draft"), author=actor,
            classification=classification, created_at=written_at or timezone.now(),
        )
    return agreement


def latest_version(agreement: Agreement) -> AgreementVersion | None:
    return agreement.versions.order_by("-number").first()


@transaction.atomic
def version_create(
    *,
    actor: User,
    agreement: Agreement,
    text: str,
    base_number: int | None,
    text_fr: str = "",
    note: str = "",
    classification: int | None = None,
    restored_from: int | None = None,
    written_at: datetime.datetime | None = None,
) -> AgreementVersion:
    """A new numbered version. `base_number` is the version the author edited; if another version was
    saved since, the save is refused with a conflict (and nothing is written)."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    _require_drafter(actor, agreement)
    if agreement.status in (Status.EXPIRED, Status.SUPERSEDED):
        raise ValidationError(_("This agreement is no longer current; its text cannot change."))
    latest = agreement.versions.aggregate(n=Max("number"))["n"] or 0
    if (base_number or 0) != latest:
        raise ConflictError(
            _("Version %(latest)s was saved after the version %(base)s you started from. Your text was not "
              "saved: compare the versions, then make your changes on the latest one.")
            % {"latest": latest, "base": base_number or 0},
            code="conflict",
            params={"latest": latest, "base": base_number or 0},
        )
    if latest and not permissions.can_see(actor, agreement.versions.get(number=latest)):
        raise PermissionDenied(_("The current text is marked above your clearance; you cannot revise it."))
    if not text.strip():
        raise ValidationError({"text": _("The text cannot be empty.")})
    classification = agreement.classification if classification is None else classification
    if not permissions.may_mark(actor, classification):
        raise ValidationError({"classification": _("You cannot mark a version above your own clearance.")})
    version = AgreementVersion(
        agreement=agreement, number=latest + 1, text=text, text_fr=text_fr, note=note.strip(), author=actor,
        classification=classification, restored_from=restored_from, created_at=written_at or timezone.now(),
    )
    version.full_clean()
    version.save()
    Agreement.objects.filter(pk=agreement.pk).update(updated_at=timezone.now())
    return version


@transaction.atomic
def version_restore(*, actor: User, agreement: Agreement, number: int, base_number: int) -> AgreementVersion:
    """Make an earlier text current again, as a new version (history is never rewritten)."""
    permissions.require_visible(actor, agreement)
    old = permissions.get_visible_or_404(actor, AgreementVersion.objects.filter(agreement=agreement), number=number)
    return version_create(
        actor=actor, agreement=agreement, text=old.text, text_fr=old.text_fr, base_number=base_number,
        note=_("Restored from version %(n)s") % {"n": number}, classification=old.classification,
        restored_from=number,
    )


@transaction.atomic
def comment_add(*, actor: User, version: AgreementVersion, text: str, passage: str = "") -> VersionComment:
    permissions.require_visible(actor, version)
    text, passage = text.strip(), passage.strip()
    if not text:
        raise ValidationError({"text": _("Write a comment first.")})
    if passage and passage not in version.text:
        raise ValidationError({"passage": _("The passage must be quoted exactly from this version.")})
    comment = VersionComment(version=version, author=actor, text=text, passage=passage)
    comment.full_clean()
    comment.save()
    return comment


# Workflow ----------------------------------------------------------------------------------------


@transaction.atomic
def step_add(
    *,
    actor: User,
    agreement: Agreement,
    title_en: str,
    owner_agency: Agency,
    title_fr: str = "",
    target_date: datetime.date | None = None,
    target_label: str = "",
    target_label_fr: str = "",
    concurring_agencies: Iterable[Agency] = (),
    moves_to: str = "",
    milestone: Milestone | None = None,
) -> WorkflowStep:
    """An approval step at the end of the workflow; naming one of the agreement's milestones makes that milestone
    follow the step."""
    permissions.require_visible(actor, agreement)
    permissions.require_secretariat(actor, agreement.body_id)
    if milestone is not None:
        _require_trackable(actor, agreement, milestone)
    concurring_agencies = list(concurring_agencies)
    in_body = set(AgencyRole.objects.filter(body_id=agreement.body_id).values_list("agency_id", flat=True))
    for field, agencies in (("owner_agency", [owner_agency]), ("concurring_agencies", concurring_agencies)):
        if any(agency.pk not in in_body for agency in agencies):
            message = _("Only agencies of %(body)s can be named.") % {"body": agreement.body.local_acronym}
            raise ValidationError({field: message})
    position = (agreement.steps.aggregate(n=Max("position"))["n"] or 0) + 1
    step = WorkflowStep(
        agreement=agreement, position=position, title_en=title_en, title_fr=title_fr, owner_agency=owner_agency,
        target_date=target_date, target_label=target_label, target_label_fr=target_label_fr, moves_to=moves_to,
        milestone=milestone,
    )
    step.full_clean()
    step.save()
    step.concurring_agencies.set(concurring_agencies)
    notifications.step_reminders_replace(step)
    _milestone_follows(step)
    return step


def _require_trackable(actor: User, agreement: Agreement, milestone: Milestone) -> None:
    if not agreement.milestones.filter(pk=milestone.pk).exists() or not permissions.can_see(actor, milestone):
        raise ValidationError({"milestone": _("Choose one of this agreement's milestones.")})
    taken = WorkflowStep.objects.filter(milestone=milestone).first()
    if taken is not None:
        raise ValidationError({"milestone": _("This milestone already follows the step “%(step)s”.") % {
            "step": taken.title}})


def _milestone_follows(step: WorkflowStep) -> None:
    if step.milestone_id is not None:
        core_services.milestone_follow_step(milestone=step.milestone, target=step.target_date, done=step.is_complete)


@transaction.atomic
def agreement_submit(*, actor: User, agreement: Agreement, note: str = "") -> Agreement:
    """Send a draft into its approval workflow."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    permissions.require_visible(actor, agreement)
    permissions.require_secretariat(actor, agreement.body_id)
    if not agreement.versions.exists():
        raise ValidationError(_("Write a first version of the text before sending it for approval."))
    _move(actor, agreement, "submit_for_approval", note)
    return agreement


def required_agencies(step: WorkflowStep) -> set[int]:
    return {step.owner_agency_id, *step.concurring_agencies.values_list("pk", flat=True)}


def status_after(agreement: Agreement, move: str | None) -> str:
    """The status a move of the agreement's state machine leads to (its own status when there is no move)."""
    if move is None:
        return agreement.status
    return next(t.target for t in agreement.get_all_status_transitions() if t.name == move)


@dataclass(frozen=True)
class StepAnswer:
    """What an answer on a step does once recorded: whose answer it is, whether it completes the step, and the move
    of the agreement it makes (a transition of its state machine) with the status it leads to."""

    agency: Agency
    completes_step: bool
    move: str | None
    status_after: str


def answer_move(*, outcome: str, moves_to: str, completes_step: bool) -> str | None:
    """A return sends the text back to drafting; the approval that completes a step meant to make the agreement
    ready for signature makes it so; any other answer leaves the agreement where it is."""
    if outcome == WorkflowStep.Outcome.RETURNED:
        return "return_to_drafting"
    if completes_step and moves_to == Status.READY_FOR_SIGNATURE:
        return "make_ready_for_signature"
    return None


def step_answer_check(
    *, actor: User, step: WorkflowStep, outcome: str, comment: str = "", on_behalf_of: Agency | None = None
) -> StepAnswer:
    """What `step_act` would do with this answer, or the refusal it would give (ValidationError, PermissionDenied),
    from reads alone: the confirmation page asks here before anything is written, and `step_act` records what this
    says. The agreement is `step.agreement` as the caller holds it."""
    agreement = step.agreement
    permissions.require_visible(actor, step)
    if outcome not in WorkflowStep.Outcome.values:
        raise ValidationError({"outcome": _("Choose approved or returned with comments.")})
    if agreement.status != Status.IN_APPROVAL:
        raise ValidationError(_("Steps can be completed only while the agreement is in approval."))
    if step.is_complete:
        raise ValidationError(_("This step is already complete."))
    if step.moves_to == Status.SIGNED:
        raise ValidationError(_("This step completes when every party has signed."))
    earlier_open = [s for s in agreement.steps.filter(position__lt=step.position) if not s.is_complete]
    if earlier_open:
        raise ValidationError(_("Complete “%(step)s” first: the workflow moves in order.") % {"step": earlier_open[0]})
    if outcome == WorkflowStep.Outcome.RETURNED and not comment.strip():
        raise ValidationError({"comment": _("Say what must change when returning a step.")})
    agencies = [step.owner_agency, *step.concurring_agencies.all()]
    agency = rules.answering_agency(
        actor, secretariat=permissions.is_secretariat(actor, agreement.body_id), step_agencies=agencies,
        on_behalf_of=on_behalf_of,
    )
    completes = outcome == WorkflowStep.Outcome.APPROVED and _approved_by_all(step, agencies, but=agency)
    move = answer_move(outcome=outcome, moves_to=step.moves_to, completes_step=completes)
    return StepAnswer(agency=agency, completes_step=completes, move=move, status_after=status_after(agreement, move))


def _approved_by_all(step: WorkflowStep, agencies: list[Agency], *, but: Agency) -> bool:
    """Whether every agency the step needs has approved it, counting `but`'s approval now given: each agency's
    latest answer is the one that counts."""
    latest: dict[int, str] = {}
    for action in step.actions.order_by("acted_at", "pk"):
        latest[action.agency_id] = action.outcome
    latest[but.pk] = WorkflowStep.Outcome.APPROVED
    return all(latest.get(agency.pk) == WorkflowStep.Outcome.APPROVED for agency in agencies)


@transaction.atomic
def step_act(
    *,
    actor: User,
    step: WorkflowStep,
    outcome: str,
    comment: str = "",
    on_behalf_of: Agency | None = None,
) -> WorkflowStep:
    """Record an agency's approval (or return with comments) of a step. The step completes when every
    agency it needs has approved; a return sends the draft back to drafting."""
    step = WorkflowStep.objects.select_for_update().select_related("agreement", "owner_agency").get(pk=step.pk)
    step.agreement = agreement = Agreement.objects.select_for_update().get(pk=step.agreement_id)
    answer = step_answer_check(actor=actor, step=step, outcome=outcome, comment=comment, on_behalf_of=on_behalf_of)
    StepAction.objects.create(step=step, agency=answer.agency, actor=actor, outcome=outcome, comment=comment.strip())
    if outcome == WorkflowStep.Outcome.RETURNED:
        step.outcome, step.completed_at, step.completed_by = WorkflowStep.Outcome.RETURNED, None, None
        step.save(update_fields=["outcome", "completed_at", "completed_by", "updated_at"])
    elif answer.completes_step:
        step.outcome, step.completed_at, step.completed_by = WorkflowStep.Outcome.APPROVED, timezone.now(), actor
        step.save(update_fields=["outcome", "completed_at", "completed_by", "updated_at"])
        notifications.step_reminders_replace(step)
        _milestone_follows(step)
    if answer.move is not None:
        _move(actor, agreement, answer.move, comment if outcome == WorkflowStep.Outcome.RETURNED else str(step))
    return step


# Signatures and status -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Signing:
    """What a signature does once recorded: the signature itself (checked, not saved), whether it is the last the
    signed version needs, and the move of the agreement it makes with the status it leads to."""

    signature: Signature
    completes_signing: bool
    move: str | None
    status_after: str


def signature_check(
    *,
    actor: User,
    agreement: Agreement,
    party: Agency,
    signatory_name: str,
    signed_on: datetime.date,
    signatory_title: str = "",
    version_number: int | None = None,
) -> Signing:
    """What `signature_record` would do with this signature, or the refusal it would give (ValidationError,
    PermissionDenied), from reads alone: the confirmation page asks here before anything is written, and
    `signature_record` records what this says."""
    permissions.require_visible(actor, agreement)
    secretariat = permissions.is_secretariat(actor, agreement.body_id)
    if party not in rules.signing_parties(actor, secretariat=secretariat, parties=[party]):
        raise PermissionDenied(_("A signature is recorded by the secretariat or the signing party."))
    if agreement.status != Status.READY_FOR_SIGNATURE:
        raise ValidationError(_("The agreement is not ready for signature."))
    parties = set(agreement.parties.values_list("pk", flat=True))
    if party.pk not in parties:
        raise ValidationError({"party": _("%(agency)s is not a party.") % {"agency": party.local_acronym}})
    version = latest_version(agreement)
    # A text marked above the signer's clearance does not exist for them: they cannot sign it either.
    if (
        version is None
        or not permissions.can_see(actor, version)
        or (version_number is not None and version_number != version.number)
    ):
        raise ValidationError({"version_number": _("Only the current version can be signed.")})
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("A signature cannot be dated in the future.")})
    signed = set(agreement.signatures.filter(version=version).values_list("party_id", flat=True))
    if party.pk in signed:
        message = _("%(agency)s has already signed this version.") % {"agency": party.local_acronym}
        raise ValidationError({"party": message})
    signature = Signature(
        agreement=agreement, version=version, party=party, signatory_name=signatory_name.strip(),
        signatory_title=signatory_title.strip(), signed_on=signed_on, recorded_by=actor,
    )
    signature.full_clean()
    completes = signed | {party.pk} >= parties
    move = "mark_signed" if completes else None
    return Signing(signature=signature, completes_signing=completes, move=move,
                   status_after=status_after(agreement, move))


@transaction.atomic
def signature_record(
    *,
    actor: User,
    agreement: Agreement,
    party: Agency,
    signatory_name: str,
    signed_on: datetime.date,
    signatory_title: str = "",
    version_number: int | None = None,
) -> Signature:
    """A party's signature on an exact version. When every party has signed that version, the agreement
    is signed."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    signing = signature_check(
        actor=actor, agreement=agreement, party=party, signatory_name=signatory_name, signed_on=signed_on,
        signatory_title=signatory_title, version_number=version_number,
    )
    signature = signing.signature
    signature.save()
    if signing.completes_signing:
        version_signatures = agreement.signatures.filter(version=signature.version)
        agreement.signed_on = max(version_signatures.values_list("signed_on", flat=True))
        _move(actor, agreement, signing.move, _("Signed by every party"))
        for step in agreement.steps.filter(moves_to=Status.SIGNED, completed_at__isnull=True):
            step.outcome, step.completed_at, step.completed_by = WorkflowStep.Outcome.APPROVED, timezone.now(), actor
            step.save(update_fields=["outcome", "completed_at", "completed_by", "updated_at"])
            notifications.step_reminders_replace(step)
            _milestone_follows(step)
    return signature


TRANSITIONS = {
    "make_ready_for_signature": None,
    "bring_into_force": "in_force_on",
    "expire": "expires_on",
    "supersede": None,
    "return_to_drafting": None,
}


@transaction.atomic
def agreement_transition(
    *, actor: User, agreement: Agreement, transition: str, on: datetime.date | None = None, note: str = ""
) -> Agreement:
    """The moves the secretariat makes by hand: ready for signature (once every approval step is
    complete), into force, expiry, superseded, back to drafting."""
    if transition not in TRANSITIONS:
        raise ValidationError(_("Unknown move."))
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    permissions.require_visible(actor, agreement)
    permissions.require_secretariat(actor, agreement.body_id)
    if transition == "make_ready_for_signature":
        open_steps = [s for s in agreement.steps.exclude(moves_to=Status.SIGNED) if not s.is_complete]
        if open_steps:
            raise ValidationError(_("Complete “%(step)s” first.") % {"step": open_steps[0]})
    date_field = TRANSITIONS[transition]
    if date_field:
        if on is None:
            raise ValidationError({"on": _("Give the date.")})
        if transition == "bring_into_force" and agreement.signed_on and on < agreement.signed_on:
            raise ValidationError({"on": _(
                "An agreement cannot come into force before its last signature (%(date)s). Give that date or a "
                "later one."
            ) % {"date": date_format(agreement.signed_on, "DATE_FORMAT")}})
        setattr(agreement, date_field, on)
        agreement.full_clean(exclude=["status"])
    _move(actor, agreement, transition, note)
    return agreement
