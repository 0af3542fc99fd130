"""Reads for agreements. Every function that takes the actor starts from a queryset scoped to them; the others are
the parts those share."""

import datetime
from collections.abc import Iterable

from django.db.models import Case, Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from members.models import Agency, User
from taskforce import permissions
from taskforce.models import Body

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


def agreement_list(
    *, actor: User, body: Body | None = None, kind: str | None = None, status: str | None = None,
    party: Agency | None = None,
) -> QuerySet[Agreement]:
    agreements = Agreement.objects.select_related("body")
    if body is not None:
        agreements = agreements.filter(body=body)
    if kind:
        agreements = agreements.filter(kind=kind)
    if status:
        agreements = agreements.filter(status=status)
    if party is not None:
        agreements = agreements.filter(parties=party)
    # Counted through the visibility core, like every count a reader sees.
    overdue_steps = permissions.scope(actor, WorkflowStep.objects.filter(
        agreement=OuterRef("pk"), completed_at__isnull=True, target_date__lt=timezone.localdate()
    )).order_by().values("agreement").annotate(n=Count("pk")).values("n")
    return (
        permissions.scope(actor, agreements)
        .annotate(latest_version=latest_readable_version(actor), overdue_steps=Subquery(overdue_steps[:1]))
        # A party is shown to every reader of the agreement; its page is linked only for those who may open it.
        .prefetch_related(party_list(actor, with_links=True), category_list())
        .order_by("body__acronym", "kind", "short_name")
    )


# What an agreement shows besides its own row, for the pages and the API alike.


def latest_readable_version(actor: User) -> Subquery:
    """The number of the outer agreement's latest version the actor may read: one marked above their clearance is
    neither shown nor counted as the current one."""
    readable = permissions.scope(actor, AgreementVersion.objects.filter(agreement=OuterRef("pk")))
    return Subquery(readable.order_by("-number").values("number")[:1])


def party_list(actor: User, *, with_links: bool = False) -> Prefetch:
    """An agreement's parties as `party_list`; `with_links`: each marked with whether the actor may open its page."""
    parties = Agency.objects.order_by("acronym")
    return Prefetch("parties", queryset=permissions.with_may_open(actor, parties) if with_links else parties,
                    to_attr="party_list")


def category_list() -> Prefetch:
    return Prefetch("categories", queryset=categories(), to_attr="category_list")


def step_details(actor: User) -> list[Prefetch]:
    """What a step shows besides its own row: its concurring agencies and the answers the actor may see."""
    answers = permissions.scope(actor, StepAction.objects.select_related("agency", "actor__agency"))
    return [
        Prefetch("actions", queryset=answers, to_attr="action_list"),
        Prefetch("concurring_agencies", queryset=Agency.objects.order_by("acronym"), to_attr="concurring_list"),
    ]


def agreement_get(*, actor: User, pk: int) -> Agreement:
    return permissions.get_visible_or_404(actor, agreement_list(actor=actor), pk=pk)


def comment_count(actor: User) -> Coalesce:
    """How many comments on the outer version the actor may read: 0, not None, for a version without any."""
    comments = permissions.scope(actor, VersionComment.objects.filter(version=OuterRef("pk")))
    counted = comments.order_by().values("version").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted), 0)


def versions(*, actor: User, agreement: Agreement) -> QuerySet[AgreementVersion]:
    return permissions.scope(
        actor, AgreementVersion.objects.filter(agreement=agreement).select_related("author__agency")
    ).annotate(comment_count=comment_count(actor)).order_by("-number")


def version_get(*, actor: User, agreement: Agreement, number: int) -> AgreementVersion:
    return permissions.get_visible_or_404(
        actor, AgreementVersion.objects.filter(agreement=agreement).select_related("author__agency"), number=number
    )


def version_comments(*, actor: User, version: AgreementVersion) -> QuerySet[VersionComment]:
    return permissions.scope(actor, VersionComment.objects.filter(version=version).select_related("author__agency"))


def steps(*, actor: User, agreement: Agreement) -> QuerySet[WorkflowStep]:
    return permissions.scope(
        actor, WorkflowStep.objects.filter(agreement=agreement).select_related("owner_agency", "completed_by")
    ).prefetch_related(*step_details(actor))


def step_get(*, actor: User, pk: int) -> WorkflowStep:
    steps_ = WorkflowStep.objects.select_related("agreement", "owner_agency")
    return permissions.get_visible_or_404(actor, steps_, pk=pk)


def signatures(*, actor: User, agreement: Agreement) -> QuerySet[Signature]:
    return permissions.scope(
        actor, Signature.objects.filter(agreement=agreement).select_related("party", "version")
    ).order_by("signed_on", "party__acronym")


def status_history(*, actor: User, agreement: Agreement) -> QuerySet[StatusChange]:
    return permissions.scope(actor, StatusChange.objects.filter(agreement=agreement).select_related("actor"))


def overdue_steps(*, actor: User, body: Body | None = None) -> QuerySet[WorkflowStep]:
    steps_ = WorkflowStep.objects.filter(completed_at__isnull=True, target_date__lt=timezone.localdate())
    steps_ = steps_.select_related("agreement", "owner_agency")
    if body is not None:
        steps_ = steps_.filter(agreement__body=body)
    return permissions.scope(actor, steps_).order_by("target_date")


def categories() -> QuerySet[InformationCategory]:
    """Reference data, the same for everyone."""
    return InformationCategory.objects.all()


def sharing_agencies(*, actor: User) -> QuerySet[Agency]:
    """Agencies that take part in an agreement the actor may see, for the sharing map's choices."""
    visible = permissions.scope(actor, Agreement.objects.all())
    return Agency.objects.filter(Q(agreements__in=visible)).distinct().order_by("acronym")


def steps_coming_due(*, actor: User, agency_id: int | None, until: datetime.date) -> QuerySet[WorkflowStep]:
    """Open approval steps the agency owns or concurs in with a target date up to `until`, overdue ones included."""
    if agency_id is None:
        return WorkflowStep.objects.none()
    steps_ = WorkflowStep.objects.filter(
        Q(owner_agency_id=agency_id) | Q(concurring_agencies=agency_id),
        completed_at__isnull=True,
        target_date__lte=until,
    ).select_related("agreement", "owner_agency")
    # The agency may own the step and concur in it too: a step is listed once.
    return permissions.scope(actor, steps_.distinct()).order_by("target_date", "pk")


def agreements_by_stage(*, actor: User, body_ids: Iterable[int]) -> QuerySet[Agreement]:
    """The agreements of these bodies in workflow order (drafting first), each with its count of overdue steps."""
    stage_order = Case(
        *(When(status=status, then=Value(n)) for n, status in enumerate(Agreement.Status.values)),
        output_field=IntegerField(),
    )
    # The list's parties and categories are not shown here: no need to fetch them.
    agreements = agreement_list(actor=actor).filter(body_id__in=body_ids).prefetch_related(None)
    return agreements.annotate(stage_order=stage_order).order_by("stage_order", "short_name")


def people_who_see(*, actor: User, agreement: Agreement) -> QuerySet[User]:
    """Who may read the agreement (and so sees an answer or a signature recorded on it), as far as the actor may
    see them: what a confirmation names before a step is answered or a signature recorded."""
    readers = permissions.readers(agreement).values("pk")
    return permissions.scope_people(actor, User.objects.filter(pk__in=readers)).select_related("agency").order_by(
        "agency__acronym", "last_name", "first_name"
    )
