"""HTML pages of agreements: the register, an agreement with its workflow and signatures, drafting and
comparing versions, and the information-sharing map.

Each view parses its input, makes one selector or service call and renders. What the actor may not see is a
404 (the selectors fetch within the actor's scope); what they see but may not do is a 403; a refusal by a
service is shown on the form that asked for it.
"""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audit import events as audit
from members.models import Agency, User
from taskforce import permissions
from taskforce import selectors as core_selectors
from taskforce.dates import date_format
from taskforce.forms import add_service_error
from taskforce.submit import conflicted, submitted

from . import forms, selectors, services, sharing
from .models import Agreement, AgreementVersion, WorkflowStep
from .permissions import is_restricted_material, may_act_on_step, may_draft, signing_parties
from .redline import redline

Status = Agreement.Status

# The moves the secretariat makes by hand (services.TRANSITIONS), as its buttons say them.
TRANSITION_LABELS = {
    "make_ready_for_signature": gettext_lazy("Mark ready for signature"),
    "bring_into_force": gettext_lazy("Bring into force"),
    "expire": gettext_lazy("Record expiry"),
    "supersede": gettext_lazy("Mark superseded"),
    "return_to_drafting": gettext_lazy("Return to drafting"),
}
TRANSITION_DATE_LABELS = {
    "bring_into_force": gettext_lazy("In force from"),
    "expire": gettext_lazy("Expires on"),
}
# The briefing note's question is about customs information: the matrix opens on it.
DEFAULT_MATRIX_CATEGORY = "customs"


def _url(name: str, *args, fragment: str = "", query: str = "") -> str:
    return reverse(name, args=args) + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")


# The register ----------------------------------------------------------------------------------------


@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    form = forms.AgreementFilterForm(request.GET or None, agencies=selectors.sharing_agencies(actor=actor))
    filters = form.cleaned_data if form.is_valid() else {}
    agreements = selectors.agreement_list(
        actor=actor, kind=filters.get("kind"), status=filters.get("status"), party=filters.get("party")
    )
    return render(request, "mou/agreement_list.html", {"form": form, "agreements": agreements})


# An agreement ------------------------------------------------------------------------------------------


@login_required
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = selectors.agreement_get(actor=request.user, pk=pk)
    audit.read(request.user, agreement, restricted=is_restricted_material(agreement))
    return _agreement_page(request, agreement)


def _agreement_page(request: HttpRequest, agreement: Agreement, bound: forms.PageForm | None = None) -> HttpResponse:
    """The agreement page; `bound` is a form posted from it that needs correcting, shown in its place."""
    actor = request.user
    secretariat = permissions.is_secretariat(actor, agreement.body_id)
    steps = list(selectors.steps(actor=actor, agreement=agreement))
    versions = list(selectors.versions(actor=actor, agreement=agreement))
    signatures = list(selectors.signatures(actor=actor, agreement=agreement))
    current = versions[0] if versions else None
    milestones = _agreement_milestones(actor, agreement)
    # A step names the milestone it tracks only to a reader who may see that milestone.
    visible = {milestone.pk: milestone for milestone in milestones}
    for step in steps:
        step.tracked_milestone = visible.get(step.milestone_id)

    def form(key: str, build: Callable[[], forms.PageForm]) -> forms.PageForm:
        return bound if bound is not None and bound.key == key else build()

    current_step = next((step for step in steps if not step.is_complete), None)
    act_form = None
    if current_step and _step_is_open(agreement, current_step):
        agencies = _step_agencies(current_step)
        if may_act_on_step(actor, secretariat=secretariat, step_agencies=[a.pk for a in agencies]):
            act_form = form(f"act-{current_step.pk}", lambda: forms.StepActForm(
                key=f"act-{current_step.pk}", on_behalf_of=agencies if secretariat else None,
                initial_agency=next((a for a in agencies if a.pk == actor.agency_id), current_step.owner_agency),
            ))
    signed_number = max((s.version.number for s in signatures), default=None)
    context = {
        "agreement": agreement,
        "secretariat": secretariat,
        "may_draft": may_draft(actor, secretariat=secretariat, parties=agreement.party_list),
        "steps": [(step, _answers(step)) for step in steps],
        "current_step": current_step,
        "act_form": act_form,
        "versions": versions,
        "current": current,
        "signatures": signatures,
        "signed_number": signed_number,
        "changed_since_signing": bool(current and signed_number and current.number > signed_number),
        "signature_form": _signature_form(actor, agreement, current, secretariat, form),
        "history": selectors.status_history(actor=actor, agreement=agreement),
        "milestones": milestones,
        "bound": bound,
    }
    if secretariat:
        context |= _secretariat_forms(actor, agreement, steps, form)
    return render(request, "mou/agreement_detail.html", context)


def _step_is_open(agreement: Agreement, step: WorkflowStep) -> bool:
    """Whether agencies answer this step now (the signing step completes with the signatures instead)."""
    return agreement.status == Status.IN_APPROVAL and step.moves_to != Status.SIGNED


def _step_agencies(step: WorkflowStep) -> list[Agency]:
    return [step.owner_agency, *step.concurring_list]


def _answers(step: WorkflowStep) -> list[dict]:
    """Each agency the step needs, with its role and latest answer (the one that counts)."""
    latest = {action.agency_id: action for action in step.action_list}
    return [
        {"agency": agency, "owner": index == 0, "action": latest.get(agency.pk)}
        for index, agency in enumerate(_step_agencies(step))
    ]


def _signature_form(actor: User, agreement: Agreement, current: AgreementVersion | None, secretariat: bool, form):
    if agreement.status != Status.READY_FOR_SIGNATURE or current is None:
        return None
    parties = signing_parties(actor, secretariat=secretariat, parties=agreement.party_list)
    if not parties:
        return None
    return form("signature", lambda: forms.SignatureForm(
        key="signature", parties=parties,
        initial={"version_number": current.number, "signed_on": timezone.localdate()},
    ))


def _secretariat_forms(actor: User, agreement: Agreement, steps: list[WorkflowStep], form) -> dict:
    open_steps = [s for s in steps if not s.is_complete and s.moves_to != Status.SIGNED]
    moves = [
        t.name for t in agreement.get_available_status_transitions()
        if t.name in services.TRANSITIONS and not (t.name == "make_ready_for_signature" and open_steps)
    ]
    transition_forms = []
    for name in moves:
        key = f"transition-{name}"
        bound_or_new = form(key, lambda key=key, name=name: forms.TransitionForm(
            key=key, transitions=[name], date_label=TRANSITION_DATE_LABELS.get(name), initial={"transition": name}
        ))
        transition_forms.append({
            "name": name, "label": TRANSITION_LABELS[name], "date_label": TRANSITION_DATE_LABELS.get(name),
            "form": bound_or_new,
        })
    context = {"transition_forms": transition_forms, "submit_form": None, "step_form": None}
    if agreement.status == Status.DRAFTING:
        context["submit_form"] = form("submit", lambda: forms.SubmitForm(key="submit"))
    if agreement.status in (Status.DRAFTING, Status.IN_APPROVAL):
        agencies = _body_agencies(actor, agreement)
        milestones = _agreement_milestones(actor, agreement)
        context["step_form"] = form(
            "step", lambda: forms.StepForm(key="step", agencies=agencies, milestones=milestones))
    return context


def _agreement_milestones(actor: User, agreement: Agreement) -> list:
    return list(core_selectors.milestone_list(actor=actor).filter(agreements=agreement))


def _body_agencies(actor: User, agreement: Agreement) -> list[Agency]:
    roles = core_selectors.body_agency_roles(actor=actor, body=agreement.body)
    return sorted((role.agency for role in roles), key=lambda agency: agency.acronym)


def _require_secretariat(actor: User, agreement: Agreement) -> None:
    permissions.require_secretariat(actor, agreement.body_id)


def _require_drafter(actor: User, agreement: Agreement) -> None:
    secretariat = permissions.is_secretariat(actor, agreement.body_id)
    if not may_draft(actor, secretariat=secretariat, parties=agreement.party_list):
        raise PermissionDenied(_("Only the secretariat and the parties’ members can change this draft."))


def _saved(request: HttpRequest, message: str, url: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(url)


# The workflow ------------------------------------------------------------------------------------------


def _confirm_page(
    request: HttpRequest, agreement: Agreement, form: forms.PageForm, *, heading: str, button: str, facts: list,
    status_after: str, action_url: str, cancel_url: str,
) -> HttpResponse:
    """Ask before an answer or a signature is recorded: what it says, what it changes, and who sees it."""
    return render(request, "mou/confirm.html", {
        "agreement": agreement, "form": form, "heading": heading, "button": button, "facts": facts,
        "moves_to": status_after if status_after != agreement.status else None,
        "moves_to_display": Status(status_after).label,
        "seen_by": list(selectors.people_who_see(actor=request.user, agreement=agreement)),
        "action_url": action_url, "cancel_url": cancel_url,
    })


def _confirmed(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get("confirmed") == "1"


@login_required
def step_act(request: HttpRequest, pk: int) -> HttpResponse:
    """The answer posted from the agreement page (or asked for by GET) is first shown to confirm; the
    confirmation posts it again with `confirmed`, and only then is it recorded."""
    actor = request.user
    step = selectors.step_get(actor=actor, pk=pk)
    agreement = selectors.agreement_get(actor=actor, pk=step.agreement_id)
    secretariat = permissions.is_secretariat(actor, agreement.body_id)
    agencies = [step.owner_agency, *step.concurring_agencies.order_by("acronym")]
    if not may_act_on_step(actor, secretariat=secretariat, step_agencies=[a.pk for a in agencies]):
        raise PermissionDenied(_("Only the step’s owner agency, its concurring agencies or the secretariat can act."))
    data = request.POST if request.method == "POST" else request.GET
    form = forms.StepActForm(data, key=f"act-{step.pk}", on_behalf_of=agencies if secretariat else None)
    here = _url("agreement-detail", agreement.pk, fragment=f"step-{step.pk}")
    if form.is_valid():
        answer = {
            "outcome": form.cleaned_data["outcome"], "comment": form.cleaned_data["comment"],
            "on_behalf_of": form.cleaned_data.get("on_behalf_of"),
        }
        try:
            if _confirmed(request):
                services.step_act(actor=actor, step=step, **answer)
            else:
                checked = services.step_answer_check(actor=actor, step=step, **answer)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if _confirmed(request):
                message = _("The answer on “%(step)s” is recorded.") % {"step": step.title}
                return _saved(request, message, here)
            returning = answer["outcome"] == WorkflowStep.Outcome.RETURNED
            facts = [
                (_("Step"), step.title),
                (_("Answer of"), checked.agency.local_acronym),
                (_("Answer"), WorkflowStep.Outcome(answer["outcome"]).label),
                (_("Comments"), answer["comment"].strip() or "—"),
            ]
            return _confirm_page(
                request, agreement, form, facts=facts, status_after=checked.status_after,
                action_url=_url("step-act", step.pk), cancel_url=here,
                heading=_("Return this step with comments?") if returning else _("Approve this step?"),
                button=_("Return with comments") if returning else _("Approve the step"),
            )
    return _agreement_page(request, agreement, form)


@login_required
@require_POST
def step_create(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    agreement = selectors.agreement_get(actor=actor, pk=pk)
    _require_secretariat(actor, agreement)
    form = forms.StepForm(
        request.POST, key="step", agencies=_body_agencies(actor, agreement),
        milestones=_agreement_milestones(actor, agreement),
    )
    done = submitted(
        request, form, lambda data: services.step_add(actor=actor, agreement=agreement, **data),
        message=lambda step: _("The step “%(step)s” is added.") % {"step": step.title},
        then=lambda step: _url("agreement-detail", agreement.pk, fragment=f"step-{step.pk}"),
    )
    return done or _agreement_page(request, agreement, form)


@login_required
@require_POST
def agreement_submit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    agreement = selectors.agreement_get(actor=actor, pk=pk)
    _require_secretariat(actor, agreement)
    form = forms.SubmitForm(request.POST, key="submit")
    done = submitted(
        request, form, lambda data: services.agreement_submit(actor=actor, agreement=agreement, note=data["note"]),
        message=_("The draft is sent for approval."), then=_url("agreement-detail", agreement.pk),
    )
    return done or _agreement_page(request, agreement, form)


@login_required
@require_POST
def agreement_transition(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    agreement = selectors.agreement_get(actor=actor, pk=pk)
    _require_secretariat(actor, agreement)
    name = request.POST.get("transition", "")
    key = f"transition-{name}" if name in services.TRANSITIONS else "transition"
    form = forms.TransitionForm(
        request.POST, key=key, transitions=services.TRANSITIONS, date_label=TRANSITION_DATE_LABELS.get(name)
    )
    done = submitted(
        request, form, lambda data: services.agreement_transition(actor=actor, agreement=agreement, **data),
        message=lambda moved: _("The agreement is now “%(status)s”.") % {"status": moved.get_status_display()},
        then=_url("agreement-detail", agreement.pk),
    )
    return done or _agreement_page(request, agreement, form)


@login_required
def signature_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Like an answer on a step: shown to confirm first, recorded once confirmed."""
    actor = request.user
    agreement = selectors.agreement_get(actor=actor, pk=pk)
    secretariat = permissions.is_secretariat(actor, agreement.body_id)
    parties = signing_parties(actor, secretariat=secretariat, parties=agreement.party_list)
    if not parties:
        raise PermissionDenied(_("A signature is recorded by the secretariat or the signing party."))
    data = request.POST if request.method == "POST" else request.GET
    form = forms.SignatureForm(data, key="signature", parties=parties)
    here = _url("agreement-detail", agreement.pk, fragment="signatures")
    if form.is_valid():
        try:
            if _confirmed(request):
                signature = services.signature_record(actor=actor, agreement=agreement, **form.cleaned_data)
            else:
                checked = services.signature_check(actor=actor, agreement=agreement, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if _confirmed(request):
                message = _("The signature for %(party)s is recorded.") % {"party": signature.party.local_acronym}
                return _saved(request, message, here)
            fields = form.cleaned_data
            signatory = ", ".join(filter(None, [fields["signatory_name"].strip(), fields["signatory_title"].strip()]))
            facts = [
                (_("Party"), fields["party"].local_acronym),
                (_("Signatory"), signatory),
                (_("Signed on"), date_format(fields["signed_on"], "DATE_FORMAT")),
                (_("Text signed"), _("Version %(number)s") % {"number": fields["version_number"]}),
            ]
            return _confirm_page(
                request, agreement, form, facts=facts, status_after=checked.status_after,
                action_url=_url("signature-create", agreement.pk), cancel_url=here,
                heading=_("Record this signature?"), button=_("Record the signature"),
            )
    return _agreement_page(request, agreement, form)


# Versions ----------------------------------------------------------------------------------------------


@login_required
def version_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    actor = request.user
    agreement = selectors.agreement_get(actor=actor, pk=pk)
    version = selectors.version_get(actor=actor, agreement=agreement, number=number)
    audit.read(actor, version, restricted=is_restricted_material(agreement, version))
    return _version_page(request, agreement, version)


def _version_page(
    request: HttpRequest, agreement: Agreement, version: AgreementVersion, bound: forms.PageForm | None = None,
    conflict: dict | None = None,
) -> HttpResponse:
    actor = request.user
    versions = list(selectors.versions(actor=actor, agreement=agreement))
    latest = versions[0]
    secretariat = permissions.is_secretariat(actor, agreement.body_id)
    restore_form = None
    if version.number != latest.number and may_draft(actor, secretariat=secretariat, parties=agreement.party_list):
        restore_form = forms.RestoreForm(key="restore", initial={"base_number": latest.number})
    comment_form = forms.CommentForm(key="comment")
    if bound is not None:
        restore_form, comment_form = (bound, comment_form) if bound.key == "restore" else (restore_form, bound)
    return render(request, "mou/version_detail.html", {
        "agreement": agreement,
        "version": version,
        "latest": latest,
        "previous": next((v for v in versions if v.number < version.number), None),
        "comments": selectors.version_comments(actor=actor, version=version),
        "comment_form": comment_form,
        "restore_form": restore_form,
        "bound": bound,
        "conflict": conflict,
    })


@login_required
def version_create(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    agreement = selectors.agreement_get(actor=actor, pk=pk)
    _require_drafter(actor, agreement)
    latest = selectors.versions(actor=actor, agreement=agreement).first()
    form = forms.VersionForm(request.POST if request.method == "POST" else None, actor=actor, initial={
        "text": latest.text if latest else "",
        "text_fr": latest.text_fr if latest else "",
        "base_number": latest.number if latest else 0,
        "classification": agreement.classification,
    })
    done = submitted(
        request, form, lambda data: services.version_create(actor=actor, agreement=agreement, **data),
        message=lambda version: _("Version %(number)s is saved.") % {"number": version.number},
        then=lambda version: _url("version-detail", agreement.pk, version.number),
    )
    # Someone else saved a version meanwhile: the author's text stays in the form, to compare and carry over.
    conflict = conflicted(form)
    return done or render(request, "mou/version_form.html", {
        "agreement": agreement, "form": form, "latest": latest, "conflict": conflict.params if conflict else None,
    })


@login_required
@require_POST
def version_restore(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    actor = request.user
    agreement = selectors.agreement_get(actor=actor, pk=pk)
    version = selectors.version_get(actor=actor, agreement=agreement, number=number)
    _require_drafter(actor, agreement)
    form = forms.RestoreForm(request.POST, key="restore")
    done = submitted(
        request, form,
        lambda data: services.version_restore(
            actor=actor, agreement=agreement, number=version.number, base_number=data["base_number"]
        ),
        message=lambda restored: _("Version %(old)s is restored as version %(new)s.") % {
            "old": version.number, "new": restored.number,
        },
        then=lambda restored: _url("version-detail", agreement.pk, restored.number),
    )
    conflict = conflicted(form)
    return done or _version_page(request, agreement, version, form, conflict.params if conflict else None)


@login_required
@require_POST
def version_comment(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    actor = request.user
    agreement = selectors.agreement_get(actor=actor, pk=pk)
    version = selectors.version_get(actor=actor, agreement=agreement, number=number)
    form = forms.CommentForm(request.POST, key="comment")
    done = submitted(
        request, form, lambda data: services.comment_add(actor=actor, version=version, **data),
        message=_("Your comment is added."),
        then=lambda comment: _url("version-detail", agreement.pk, version.number, fragment=f"comment-{comment.pk}"),
    )
    return done or _version_page(request, agreement, version, form)


@login_required
def version_compare(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    agreement = selectors.agreement_get(actor=actor, pk=pk)
    versions = list(selectors.versions(actor=actor, agreement=agreement))
    if "from" in request.GET or "to" in request.GET:
        data = request.GET
    else:
        # By default, what the latest version changed.
        data = {"from": versions[min(1, len(versions) - 1)].number, "to": versions[0].number} if versions else None
    form = forms.CompareForm(data, versions=versions)
    old = new = result = result_fr = None
    if form.is_valid():
        by_number = {version.number: version for version in versions}
        old, new = by_number[form.cleaned_data["from"]], by_number[form.cleaned_data["to"]]
        result = redline(old.text, new.text)
        # Each language against itself, side by side, once either version holds a French text.
        if old.text_fr or new.text_fr:
            result_fr = redline(old.text_fr, new.text_fr)
        for version in {old, new}:
            audit.read(actor, version, restricted=is_restricted_material(agreement, version))
    return render(request, "mou/version_compare.html", {
        "agreement": agreement, "form": form, "old": old, "new": new, "redline": result, "redline_fr": result_fr,
    })


# The sharing map ---------------------------------------------------------------------------------------


@login_required
def sharing_map(request: HttpRequest) -> HttpResponse:
    actor = request.user
    form = forms.SharingForm(
        request.GET or None, agencies=list(selectors.sharing_agencies(actor=actor)), categories=selectors.categories()
    )
    answer = sharing.sharing_answer(actor=actor, **form.cleaned_data) if form.is_valid() else None
    return render(request, "mou/sharing_map.html", {
        "form": form,
        "answer": answer,
        "pending_names": _names(answer.pending) if answer else "",
    })


def _names(agreements: list[Agreement]) -> str:
    names = [agreement.local_short_name for agreement in agreements]
    if len(names) < 2:
        return "".join(names)
    return _("%(names)s and %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}


@login_required
def sharing_matrix(request: HttpRequest) -> HttpResponse:
    actor = request.user
    categories = selectors.categories()
    data = request.GET if "category" in request.GET else {"category": DEFAULT_MATRIX_CATEGORY}
    form = forms.MatrixForm(data, categories=categories)
    agencies = list(selectors.sharing_agencies(actor=actor))
    rows = []
    if form.is_valid():
        cells = sharing.sharing_matrix(actor=actor, agencies=agencies, **form.cleaned_data)
        rows = [(source, [(target, cells.get((source.pk, target.pk))) for target in agencies]) for source in agencies]
    return render(request, "mou/sharing_matrix.html", {
        "form": form,
        "agencies": agencies,
        "rows": rows,
        "improvable": any(cell and cell.improves_once_signed for _source, cells in rows for _target, cell in cells),
    })
