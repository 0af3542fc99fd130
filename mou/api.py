"""The agreements API: the register with each agreement's workflow and signatures, versions and their comments,
answers on approval steps, and the information-sharing map.

Rows come from the scoped base class; the related rows an agreement, step or version shows are prefetched within
the caller's scope too, so nothing hidden is ever serialized and a page costs the same queries for any number of
rows. Writes go through mou/services.py, which checks again.
"""

import hashlib
import json

from django.contrib.postgres.aggregates import StringAgg
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Count, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import events as audit
from taskforce import conditional, permissions
from taskforce.api import (
    FilterSet,
    ScopedReadOnlyViewSet,
    VisibleByNameFilter,
    VisibleFilter,
    visible_agencies,
    visible_bodies,
)

from . import selectors, services, sharing
from .models import Agreement, AgreementVersion, Signature, StepAction, VersionComment, WorkflowStep
from .permissions import is_restricted_material, may_act_on_step
from .serializers import (
    AgreementDetailSerializer,
    AgreementSerializer,
    SharingAnswerSerializer,
    SharingQuerySerializer,
    StepActInputSerializer,
    VersionCommentInputSerializer,
    VersionCommentSerializer,
    VersionDetailSerializer,
    VersionSerializer,
    WorkflowStepSerializer,
)

AGREEMENT_PK = OpenApiParameter(
    "agreement_pk", int, OpenApiParameter.PATH, description="The agreement's id (a hidden one is not found)."
)
# Any segment reaches the view, which answers 404 in the API's own shape for one that is not an id.
ANY_SEGMENT = "[^/]+"
VERSION_NUMBER = OpenApiParameter("number", int, OpenApiParameter.PATH, description="The version's number: 1, 2, ...")


# Related rows, scoped to the caller -------------------------------------------------------------------


def _per_parent(model, parent: str, value) -> Subquery:
    """One value aggregated over the rows of `model` that belong to the outer row (through `parent`)."""
    rows = model.objects.filter(**{parent: OuterRef("pk")}).order_by().values(parent)
    return Subquery(rows.annotate(value=value).values("value")[:1])


def _ids(field: str) -> StringAgg:
    return StringAgg(Cast(field, CharField()), ",", order_by=field)


# Agreements ------------------------------------------------------------------------------------------


class AgreementFilter(FilterSet):
    # Among what the caller may see: a hidden body or agency matches nothing, as one that does not exist.
    body = VisibleFilter(visible=visible_bodies, help_text="A body's id.")
    party = VisibleByNameFilter(
        field_name="parties", to_field="acronym", visible=visible_agencies, help_text="A party's acronym."
    )

    class Meta:
        model = Agreement
        fields = ["body", "kind", "status", "party"]


class AgreementViewSet(ScopedReadOnlyViewSet):
    """The agreements the caller may see, with their parties and current version; one agreement adds its approval
    workflow (steps with their owners, concurring agencies, targets and answers) and its signatures."""

    unscoped_queryset = Agreement.objects.select_related("body")
    lookup_value_regex = ANY_SEGMENT
    filterset_class = AgreementFilter
    # The detail shows these related rows: a change to any of them is a new ETag.
    etag_extra = {
        "etag_parties": _per_parent(Agreement.parties.through, "agreement", _ids("agency_id")),
        "etag_categories": _per_parent(Agreement.categories.through, "agreement", _ids("informationcategory_id")),
        "etag_versions": _per_parent(AgreementVersion, "agreement", _ids("id")),
        "etag_steps": _per_parent(WorkflowStep, "agreement", Max("updated_at")),
        "etag_step_count": _per_parent(WorkflowStep, "agreement", Count("pk")),
        "etag_answers": _per_parent(StepAction, "step__agreement", _ids("id")),
        "etag_signatures": _per_parent(Signature, "agreement", _ids("id")),
    }

    def get_serializer_class(self):
        return AgreementDetailSerializer if self.action == "retrieve" else AgreementSerializer

    def retrieved(self, agreement: Agreement) -> None:
        audit.read(self.request.user, agreement, restricted=is_restricted_material(agreement))

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        actor = self.request.user
        rows = super().filter_queryset(queryset).annotate(
            latest_version=selectors.latest_readable_version(actor)
        ).prefetch_related(selectors.party_list(actor), selectors.category_list())
        if self.action != "retrieve":
            return rows
        steps = permissions.scope(actor, WorkflowStep.objects.select_related("owner_agency"))
        signatures = permissions.scope(actor, Signature.objects.select_related("party", "version"))
        return rows.prefetch_related(
            Prefetch("steps", steps.prefetch_related(*selectors.step_details(actor)).order_by("position"), "step_list"),
            Prefetch("signatures", signatures.order_by("signed_on", "party__acronym"), "signature_list"),
        )


# Versions --------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[AGREEMENT_PK]),
    retrieve=extend_schema(parameters=[AGREEMENT_PK, VERSION_NUMBER]),
)
class AgreementVersionViewSet(ScopedReadOnlyViewSet):
    """An agreement's numbered versions, oldest first, each found by its number. The text and the comments come
    with one version."""

    unscoped_queryset = AgreementVersion.objects.select_related("author__agency")
    lookup_value_regex = ANY_SEGMENT
    parent_model = Agreement
    parent_field = "agreement"
    lookup_field = "number"
    etag_extra = {"etag_comments": _per_parent(VersionComment, "version", _ids("id"))}

    def get_serializer_class(self):
        return VersionDetailSerializer if self.action == "retrieve" else VersionSerializer

    def retrieved(self, version: AgreementVersion) -> None:
        audit.read(self.request.user, version, restricted=is_restricted_material(self.parent, version))

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        comments = permissions.scope(self.request.user, VersionComment.objects.select_related("author__agency"))
        rows = super().filter_queryset(queryset).annotate(comment_count=selectors.comment_count(self.request.user))
        if self.action != "retrieve":
            return rows
        return rows.prefetch_related(Prefetch("comments", queryset=comments, to_attr="comment_list"))

    @extend_schema(
        parameters=[AGREEMENT_PK, VERSION_NUMBER], request=VersionCommentInputSerializer,
        responses={201: VersionCommentSerializer},
        summary="Comment on a version, or on a passage of it",
    )
    @action(detail=True, methods=["post"])
    def comments(self, request: Request, *args, **kwargs) -> Response:
        version = self.get_object()
        data = VersionCommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_add(actor=request.user, version=version, **data.validated_data)
        return Response(VersionCommentSerializer(comment).data, status=status.HTTP_201_CREATED)


# The workflow ----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[AGREEMENT_PK]),
    retrieve=extend_schema(parameters=[AGREEMENT_PK]),
)
class WorkflowStepViewSet(ScopedReadOnlyViewSet):
    """An agreement's approval steps in order, each with the agencies it needs and their answers."""

    unscoped_queryset = WorkflowStep.objects.select_related("owner_agency")
    lookup_value_regex = ANY_SEGMENT
    serializer_class = WorkflowStepSerializer
    parent_model = Agreement
    parent_field = "agreement"
    etag_extra = {
        "etag_answers": _per_parent(StepAction, "step", _ids("id")),
        "etag_concurring": _per_parent(WorkflowStep.concurring_agencies.through, "workflowstep", _ids("agency_id")),
    }

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return super().filter_queryset(queryset).prefetch_related(*selectors.step_details(self.request.user))

    @extend_schema(
        parameters=[AGREEMENT_PK], request=StepActInputSerializer, responses=WorkflowStepSerializer,
        summary="Approve a step, or return it with comments",
        description=(
            "On behalf of the caller's agency; the secretariat may name any agency the step needs. The step completes "
            "when every agency it needs has approved; a return sends the draft back to drafting."
        ),
    )
    @action(detail=True, methods=["post"])
    def act(self, request: Request, *args, **kwargs) -> Response:
        actor = request.user
        step = self.get_object()
        agencies = [step.owner_agency, *step.concurring_list]
        secretariat = permissions.is_secretariat(actor, self.parent.body_id)
        if not may_act_on_step(actor, secretariat=secretariat, step_agencies=[agency.pk for agency in agencies]):
            raise PermissionDenied(
                _("Only the step's owner agency, its concurring agencies or the secretariat can act.")
            )
        answerable = agencies if secretariat else [agency for agency in agencies if agency.pk == actor.agency_id]
        data = StepActInputSerializer(data=request.data, agencies=answerable)
        data.is_valid(raise_exception=True)
        services.step_act(actor=actor, step=step, **data.validated_data)
        return Response(self.get_serializer(self.get_object()).data)


# The sharing map -------------------------------------------------------------------------------------


class SharingView(APIView):
    """How can one agency share a category of information with another? The direct instruments, or the shortest
    routes through intermediaries with the instruments on each hop, from the agreements in force the caller may
    see; and what the pending agreements the caller may see would change once signed."""

    @extend_schema(
        parameters=[SharingQuerySerializer], responses=SharingAnswerSerializer, operation_id="sharing",
        summary="Routes to share information between two agencies",
    )
    def get(self, request: Request) -> Response:
        actor = request.user
        query = SharingQuerySerializer(
            data=request.query_params, agencies=selectors.sharing_agencies(actor=actor),
            categories=selectors.categories(),
        )
        query.is_valid(raise_exception=True)
        answer = SharingAnswerSerializer(sharing.sharing_answer(actor=actor, **query.validated_data)).data
        # The answer is computed from few rows; its ETag spares the client the body when nothing changed.
        digest = hashlib.sha256(json.dumps(answer, sort_keys=True, default=str).encode("utf-8")).hexdigest()
        version = conditional.Version(conditional.version_of(request, digest), None)
        if conditional.matches(request, version.etag):
            return conditional.not_modified(version)
        return conditional.decorate(Response(answer), version)
