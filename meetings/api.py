"""The meetings API: meetings, their agenda items (nested under the meeting), papers, decisions and action items.

Every viewset takes its rows from the visibility core (`taskforce.api.ScopedViewSet`), so what the caller may
not see is a 404 on every route. Writes parse their input with `meetings.serializers` and call the service the
HTML page calls; the services decide, and their refusals become the API's error shape. As on the pages, actions
only the secretariat may take answer 403 to a member who can see the object, before the input is read.
"""

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import CharField, F, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Collate, Concat
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import events as audit
from members.models import User
from taskforce import permissions
from taskforce import selectors as core_selectors
from taskforce.api import (
    ConditionalListMixin,
    ConditionalRetrieveMixin,
    Conflict,
    DayFilter,
    ErrorSerializer,
    FilterSet,
    ScopedReadOnlyViewSet,
    ScopedViewSet,
    VisibleFilter,
    visible_agencies,
    visible_bodies,
)

from . import package as packages
from . import permissions as action_rules
from . import selectors, services, uploads
from .models import (
    ActionItem,
    AgendaItem,
    AgendaPackage,
    Decision,
    Guest,
    Invitation,
    Meeting,
    Paper,
    PaperVersion,
    Rsvp,
)
from .serializers import (
    ActionItemSerializer,
    AgendaItemInput,
    AgendaItemSerializer,
    AgendaItemUpdateInput,
    AgendaStartInput,
    AgendaTemplateSerializer,
    CommentInput,
    CommentSerializer,
    DecisionSerializer,
    GuestInput,
    GuestSerializer,
    MeetingPackageSerializer,
    MeetingScheduleInput,
    MeetingSerializer,
    MeetingUpdateInput,
    MinutesCirculateInput,
    MinutesCommentInput,
    MinutesCommentSerializer,
    MinutesInput,
    MoveInput,
    PaperReplaceInput,
    PaperSerializer,
    PaperVersionSerializer,
    ReasonInput,
    RemindedSerializer,
    RemindInput,
    ResponseSerializer,
    RsvpSerializer,
    SentReminderSerializer,
    TimeProposalSerializer,
)


class ForTheCaller:
    """Adds to the scoped rows what their representation needs that depends on the caller: their RSVP, the
    related rows they may see, counts of those. `for_the_caller` only annotates and prefetches; the rows
    themselves stay those of the visibility core. Writes read their input with `valid` and answer with `shown`."""

    request: Request

    def for_the_caller(self, rows: QuerySet) -> QuerySet:
        return rows

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return self.for_the_caller(super().filter_queryset(queryset))

    def valid(self, serializer_class: type[serializers.Serializer], *, partial: bool = False) -> serializers.Serializer:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(), partial=partial)
        serializer.is_valid(raise_exception=True)
        return serializer

    def shown(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        """The object as the caller now sees it, after a write."""
        row = self.for_the_caller(self.get_queryset()).get(pk=pk)
        return Response(self.get_serializer(row).data, status=status_code)


# Meetings --------------------------------------------------------------------------------------------


def visible_meetings(request) -> QuerySet[Meeting]:
    return permissions.scope(request.user, Meeting.objects.all())


class MeetingFilter(FilterSet):
    # Among what the caller may see: a hidden id matches nothing, as one that does not exist.
    body = VisibleFilter(visible=visible_bodies)
    from_ = DayFilter(field_name="start__date", lookup_expr="gte", label=_("Starting on or after"))
    to = DayFilter(field_name="start__date", lookup_expr="lte", label=_("Starting on or before"))

    class Meta:
        model = Meeting
        fields = ["body", "status", "agenda_status"]


# `from` is a Python keyword: the filter is declared as `from_` and offered under its real name.
MeetingFilter.base_filters["from"] = MeetingFilter.base_filters.pop("from_")


def _my_rsvp_saved_at(actor: User) -> Subquery:
    """When the caller last answered (every answer saves it): for the ETag."""
    return Subquery(Rsvp.objects.filter(meeting=OuterRef("pk"), user_id=actor.pk).values("updated_at")[:1])


def _invitees() -> Subquery:
    """The invitees as shown (acronyms and usernames), as one text: for the ETag."""
    invitations = Invitation.objects.filter(meeting=OuterRef("pk")).order_by().values("meeting")
    names = Concat("agency__acronym", Value("/"), "user__username", output_field=CharField())
    return Subquery(invitations.annotate(names=StringAgg(names, ",", order_by=names)).values("names")[:1])


class MeetingViewSet(ForTheCaller, ConditionalListMixin, ConditionalRetrieveMixin, ScopedViewSet):
    """Meetings the caller is invited to (all of their bodies' meetings for the secretariat)."""

    unscoped_queryset = Meeting.objects.select_related("body", "host_agency")
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter

    @property
    def etag_extra(self) -> dict:
        return {"etag_my_rsvp": _my_rsvp_saved_at(self.request.user), "etag_invitees": _invitees()}

    def for_the_caller(self, rows: QuerySet) -> QuerySet:
        actor = self.request.user
        # The invitees show as acronyms and usernames: a meeting has a dozen or more, so they come as two arrays
        # on the meeting's own row, not as a model instance (and its agency's or person's) each.
        invitations = permissions.scope(actor, Invitation.objects.filter(meeting=OuterRef("pk"))).order_by()
        mine = permissions.scope(actor, Rsvp.objects.filter(user_id=actor.pk).select_related("delegate"))
        agencies = invitations.filter(agency__isnull=False).order_by(Collate("agency__acronym", "C"))
        people = invitations.filter(user__isnull=False).order_by(Collate("user__username", "C"))
        return rows.annotate(
            invited_agencies=ArraySubquery(agencies.values("agency__acronym")),
            invited_people=ArraySubquery(people.values("user__username")),
        ).prefetch_related(Prefetch("rsvps", queryset=mine, to_attr="my_rsvps"))

    def secretariat_meeting(self) -> Meeting:
        meeting = self.get_object()
        permissions.require_secretariat(self.request.user, meeting.body_id)
        return meeting

    @extend_schema(request=MeetingScheduleInput, responses={201: MeetingSerializer})
    def create(self, request: Request) -> Response:
        """Schedule a meeting (the body's secretariat)."""
        if not permissions.is_secretariat_anywhere(request.user):
            # Refused before the input is read: a member learns nothing from what it would have said.
            raise PermissionDenied(_("Only a body's secretariat schedules its meetings."))
        data = self.valid(MeetingScheduleInput).validated_data
        meeting = services.meeting_schedule(actor=request.user, **data)
        return self.shown(meeting.pk, status.HTTP_201_CREATED)

    @extend_schema(request=MeetingUpdateInput, responses=MeetingSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        """Edit or reschedule a meeting; moving it needs a `reason`, which invitees see."""
        meeting = self.secretariat_meeting()
        data = self.valid(MeetingUpdateInput).validated_data
        services.meeting_update(actor=request.user, meeting=meeting, **data)
        return self.shown(meeting.pk)

    @extend_schema(request=ReasonInput, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Cancel the meeting; it stays listed, with the reason, for its invitees."""
        meeting = self.secretariat_meeting()
        data = self.valid(ReasonInput).validated_data
        services.meeting_cancel(actor=request.user, meeting=meeting, reason=data["reason"])
        return self.shown(meeting.pk)

    @extend_schema(request=RsvpSerializer, responses=RsvpSerializer)
    @action(detail=True, methods=["post"])
    def rsvp(self, request: Request, pk: str) -> Response:
        """Answer the invitation (invitees only)."""
        meeting = self.get_object()
        data = self.valid(RsvpSerializer).validated_data
        rsvp = services.rsvp_set(actor=request.user, meeting=meeting, **data)
        return Response(RsvpSerializer(rsvp, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=ResponseSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="responses", url_name="responses", pagination_class=None)
    def responses(self, request: Request, pk: str) -> Response:
        """The invitees' answers, as the meeting page lists them (whoever sees the meeting)."""
        meeting = self.get_object()
        rows = selectors.rsvps(actor=request.user, meeting=meeting)
        return Response(ResponseSerializer(rows, many=True, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=TimeProposalSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="proposals", url_name="proposals", pagination_class=None)
    def proposals(self, request: Request, pk: str) -> Response:
        """Other times invitees proposed from their calendar apps (the body's secretariat only; 404 for others)."""
        meeting = selectors.for_secretariat(actor=request.user, meeting=self.get_object())
        rows = list(selectors.time_proposals(actor=request.user, meeting=meeting))
        for row in rows:
            row.meeting = meeting
        return Response(TimeProposalSerializer(rows, many=True, context=self.get_serializer_context()).data)

    @extend_schema(request=AgendaStartInput, responses=MeetingSerializer)
    @action(detail=True, methods=["post"], url_path="agenda/start", url_name="agenda-start")
    def agenda_start(self, request: Request, pk: str) -> Response:
        """Start an empty agenda from the body's template or from a copy of its last meeting's agenda."""
        meeting = self.secretariat_meeting()
        data = self.valid(AgendaStartInput).validated_data
        services.agenda_start(actor=request.user, meeting=meeting, source=data["source"])
        return self.shown(meeting.pk)

    @extend_schema(request=None, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def circulate(self, request: Request, pk: str) -> Response:
        """Circulate the draft agenda to the invitees."""
        meeting = self.secretariat_meeting()
        services.agenda_circulate(actor=request.user, meeting=meeting)
        return self.shown(meeting.pk)

    @extend_schema(
        methods=["GET"], request=None, responses=MeetingPackageSerializer,
        description=_("The caller's meeting package: the cover, the agenda and every paper they may read, as one PDF "
                      "stamped with their name. Shared by the readers who see the same agenda and papers."),
    )
    @extend_schema(
        methods=["POST"], request=None, responses={202: MeetingPackageSerializer},
        description=_("Ask for the caller's meeting package to be prepared (in the background; read its state with "
                      "GET). Nothing more happens when it is ready or being prepared; a failed one is tried again."),
    )
    @action(detail=True, methods=["get", "post"])
    def package(self, request: Request, pk: str) -> Response:
        meeting = self.get_object()
        if request.method == "POST":
            services.package_request(actor=request.user, meeting=meeting)
        wanted = selectors.reader_package(actor=request.user, meeting=meeting)
        answer = status.HTTP_202_ACCEPTED if request.method == "POST" else status.HTTP_200_OK
        return Response(MeetingPackageSerializer(MeetingPackageSerializer.of(wanted, request)).data, status=answer)

    @extend_schema(
        request=None,
        responses={
            (200, "application/pdf"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description=_("The PDF, stamped with the caller's name.")
            ),
            409: OpenApiResponse(
                response=ErrorSerializer, description=_("Not ready: POST to the package to prepare it.")
            ),
        },
    )
    @action(detail=True, methods=["get"], url_path="package/download")
    def package_download(self, request: Request, pk: str) -> HttpResponse:
        """The caller's meeting package as PDF, once it is ready; each download is recorded in the audit trail."""
        meeting = self.get_object()
        package = selectors.reader_package(actor=request.user, meeting=meeting).package
        if package is None or package.status != AgendaPackage.Status.READY:
            raise Conflict(_("The meeting package is not ready: POST to its address to prepare it."))
        try:
            data = packages.stamp(package, request.user)
        except FileNotFoundError:
            raise NotFound() from None
        audit.read(request.user, package, restricted=True, downloaded=True)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}-package.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(request=MinutesInput, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def minutes(self, request: Request, pk: str) -> Response:
        """Save the draft minutes of the items named; members read them once they are approved."""
        meeting = self.secretariat_meeting()
        data = self.valid(MinutesInput).validated_data
        services.minutes_save(actor=request.user, meeting=meeting, minutes=data["minutes"])
        return self.shown(meeting.pk)

    @extend_schema(request=MinutesCirculateInput, responses=MeetingSerializer)
    @action(detail=True, methods=["post"], url_path="minutes/circulate", url_name="minutes-circulate")
    def minutes_circulate(self, request: Request, pk: str) -> Response:
        """Circulate the draft minutes to the attendees for comment until a day."""
        meeting = self.secretariat_meeting()
        data = self.valid(MinutesCirculateInput).validated_data
        services.minutes_circulate(actor=request.user, meeting=meeting, comments_until=data["comments_until"])
        return self.shown(meeting.pk)

    @extend_schema(
        methods=["GET"], request=None, responses=MinutesCommentSerializer(many=True),
        description=_("The comments on the draft minutes the caller reads: the secretariat, all; an attendee, "
                      "their own."),
    )
    @extend_schema(methods=["POST"], request=MinutesCommentInput, responses={201: MinutesCommentSerializer})
    @action(detail=True, methods=["get", "post"], url_path="minutes/comments", url_name="minutes-comments",
            pagination_class=None, filter_backends=[])
    def minutes_comments(self, request: Request, pk: str) -> Response:
        """Comment on the draft minutes of an item (an attendee, while they are open for comment)."""
        meeting = self.get_object()
        actor = request.user
        if request.method == "GET":
            comments = selectors.minutes_comments(actor=actor, meeting=meeting).order_by("item__position", "pk")
            return Response(MinutesCommentSerializer(comments, many=True).data)
        data = self.valid(MinutesCommentInput).validated_data
        item = selectors.agenda_items(actor=actor, meeting=meeting).filter(pk=data["item"]).first()
        if item is None:
            raise serializers.ValidationError({"item": [_("No such item on this meeting's agenda.")]})
        comment = services.minutes_comment_add(actor=actor, item=item, text=data["text"])
        return Response(MinutesCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=MeetingSerializer)
    @action(detail=True, methods=["post"], url_path="minutes/approve", url_name="minutes-approve")
    def minutes_approve(self, request: Request, pk: str) -> Response:
        """Approve the minutes: members then read them and the decisions, and the record no longer changes."""
        meeting = self.secretariat_meeting()
        services.minutes_approve(actor=request.user, meeting=meeting)
        return self.shown(meeting.pk)

    def reminding_meeting(self) -> Meeting:
        """The meeting, for its secretariat; anyone else finds nothing here (404), before the input is read."""
        return selectors.for_secretariat(actor=self.request.user, meeting=self.get_object())

    @extend_schema(
        request=RemindInput,
        responses={
            201: RemindedSerializer,
            200: OpenApiResponse(RemindedSerializer, description=_(
                "An earlier call with the same `key` had sent this reminder: nothing more was sent."
            )),
        },
    )
    @action(detail=True, methods=["post"])
    def remind(self, request: Request, pk: str) -> Response:
        """Remind invitees now (the secretariat): those who have not answered, or the members and guests named, with
        a message in English and French, or none. Each gets it once, in their language, with the invitation's
        calendar entry; the reminder is kept in the meeting's log."""
        meeting = self.reminding_meeting()
        context = {**self.get_serializer_context(), "meeting": meeting}
        data = RemindInput(data=request.data, context=context)
        data.is_valid(raise_exception=True)
        reminded = services.meeting_remind(actor=request.user, meeting=meeting, **data.validated_data)
        reminder = selectors.sent_reminders(actor=request.user, meeting=meeting).get(pk=reminded.reminder.pk)
        reminder.already_sent = reminded.already_sent
        answer = status.HTTP_200_OK if reminded.already_sent else status.HTTP_201_CREATED
        return Response(RemindedSerializer(reminder).data, status=answer)

    @extend_schema(request=None, responses=SentReminderSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def reminders(self, request: Request, pk: str) -> Response:
        """The reminders sent for the meeting, newest first, each with who it went to and how (the secretariat)."""
        meeting = self.reminding_meeting()
        return Response(SentReminderSerializer(
            selectors.sent_reminders(actor=request.user, meeting=meeting), many=True
        ).data)


# Agenda items, nested under their meeting ------------------------------------------------------------


def _paper_ids(actor: User) -> Subquery:
    """The ids of the papers the caller may see, each with its version, as one text: for the ETag (a paper changes
    only when it is replaced, which gives it a new version; what changes otherwise is which ones there are and
    which ones the caller is cleared for)."""
    papers = permissions.scope(actor, Paper.objects.filter(item=OuterRef("pk"))).order_by().values("item")
    ids = StringAgg(Concat(Cast("pk", CharField()), Value(":"), Cast("version", CharField())), ",", order_by="pk")
    return Subquery(papers.annotate(ids=ids).values("ids")[:1])


@extend_schema(
    parameters=[OpenApiParameter("meeting_pk", int, OpenApiParameter.PATH, description=_("The meeting's id."))]
)
class AgendaItemViewSet(ForTheCaller, ConditionalListMixin, ConditionalRetrieveMixin, ScopedViewSet):
    """The items of a meeting's agenda the caller may see: members see none before the agenda is circulated,
    and a restricted item only when it is shared with their agency."""

    unscoped_queryset = AgendaItem.objects.select_related("meeting", "presenter", "presenter_agency")
    parent_model = Meeting
    parent_field = "meeting"
    serializer_class = AgendaItemSerializer

    @property
    def etag_extra(self) -> dict:
        actor = self.request.user
        return {
            **{f"etag_{name}": fact for name, fact in self.reader_facts().items()},
            "etag_comments": selectors.comment_count(actor),
            "etag_papers": _paper_ids(actor),
            # The minutes are shown to members once approved.
            "etag_minutes_status": F("meeting__minutes_status"),
        }

    def reader_facts(self) -> dict:
        """The item's number in the caller's numbering, and whether a change since circulation reaches them."""
        actor = self.request.user
        return {
            "number": selectors.reader_number(actor), "changed_for_reader": selectors.changed_for_reader(actor),
            **selectors.reader_timing(actor),
        }

    def for_the_caller(self, rows: QuerySet) -> QuerySet:
        actor = self.request.user
        return rows.annotate(comment_count=selectors.comment_count(actor), **self.reader_facts()).prefetch_related(
            selectors.visible_papers(actor)
        )

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            secretariat = permissions.is_secretariat(self.request.user, self.parent.body_id)
            context["minutes_readable"] = selectors.minutes_readable(
                meeting=self.parent, secretariat=secretariat, actor=self.request.user
            )
        return context

    def secretariat_item(self) -> AgendaItem:
        item = self.get_object()
        permissions.require_secretariat(self.request.user, self.parent.body_id)
        return item

    @extend_schema(request=AgendaItemInput, responses={201: AgendaItemSerializer})
    def create(self, request: Request, meeting_pk: str) -> Response:
        """Add an item at the end of the agenda (the secretariat)."""
        meeting = self.parent
        permissions.require_secretariat(request.user, meeting.body_id)
        data = self.valid(AgendaItemInput)
        item = services.agenda_item_add(
            actor=request.user, meeting=meeting, restricted_to=data.validated_data.get("restricted_to"),
            **data.item_fields(),
        )
        return self.shown(item.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=AgendaItemUpdateInput,
        responses={
            200: AgendaItemSerializer,
            409: OpenApiResponse(
                response=ErrorSerializer,
                description=_("Someone else saved the item since `version`; nothing was saved."),
            ),
        },
    )
    def partial_update(self, request: Request, meeting_pk: str, pk: str) -> Response:
        """Edit an item, from the `version` the edit started from."""
        item = self.secretariat_item()
        data = self.valid(AgendaItemUpdateInput)
        # A stale version: the service's ConflictError is answered 409 by the API's error handler.
        services.agenda_item_update(
            actor=request.user, item=item, version=data.validated_data["version"],
            restricted_to=data.validated_data.get("restricted_to"), **data.item_fields(),
        )
        return self.shown(item.pk)

    @extend_schema(request=MoveInput, responses=AgendaItemSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, meeting_pk: str, pk: str) -> Response:
        """Move the item to another position; the others close up."""
        item = self.secretariat_item()
        data = self.valid(MoveInput).validated_data
        services.agenda_item_move(actor=request.user, item=item, position=data["position"])
        return self.shown(item.pk)

    @extend_schema(
        request=None,
        responses={
            200: AgendaItemSerializer,
            204: OpenApiResponse(description=_("The agenda was a draft: the item was removed.")),
        },
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, meeting_pk: str, pk: str) -> Response:
        """Withdraw the item: removed from a draft agenda; kept, struck through, on a circulated one."""
        item = self.secretariat_item()
        withdrawn = services.agenda_item_withdraw(actor=request.user, item=item)
        if withdrawn.pk is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return self.shown(withdrawn.pk)

    @extend_schema(request=CommentInput, responses={201: CommentSerializer})
    @action(detail=True, methods=["post"])
    def comments(self, request: Request, meeting_pk: str, pk: str) -> Response:
        """Comment on the item while the agenda is circulated."""
        item = self.get_object()
        data = self.valid(CommentInput).validated_data
        comment = services.comment_add(actor=request.user, item=item, text=data["text"])
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


# Papers ----------------------------------------------------------------------------------------------


def visible_items(request) -> QuerySet[AgendaItem]:
    return permissions.scope(request.user, AgendaItem.objects.all())


class PaperFilter(FilterSet):
    meeting = VisibleFilter(field_name="item__meeting", visible=visible_meetings)
    item = VisibleFilter(visible=visible_items)

    class Meta:
        model = Paper
        fields = ["meeting", "item"]


class PaperViewSet(ForTheCaller, ScopedReadOnlyViewSet):
    """Papers' details; the file itself is at `download_url`, for those cleared to read it."""

    unscoped_queryset = Paper.objects.select_related("item")
    serializer_class = PaperSerializer
    filterset_class = PaperFilter

    def retrieved(self, paper: Paper) -> None:
        audit.read(self.request.user, paper, restricted=paper.is_restricted_material)

    @extend_schema(
        request={"multipart/form-data": PaperReplaceInput},
        responses={
            200: PaperSerializer,
            409: OpenApiResponse(
                response=ErrorSerializer,
                description=_("Someone else replaced the paper since `version`; nothing was saved."),
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def replace(self, request: Request, pk: str) -> Response:
        """Replace the paper's file with a new version (the secretariat): the file it had is kept as an earlier
        version, and everyone who may read the paper is told once."""
        paper = self.get_object()
        permissions.require_secretariat(request.user, paper.item.meeting.body_id)
        data = self.valid(PaperReplaceInput).validated_data
        # A stale version: the service's ConflictError is answered 409 by the API's error handler.
        services.paper_replace(
            actor=request.user, paper=paper, upload=data["file"], expected_version=data["version"],
            title=data.get("title", ""),
        )
        return self.shown(paper.pk)


class AnyAccept(BaseContentNegotiation):
    """A file is answered as it is stored, whatever the client accepts; a refusal in the API's JSON shape."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


PAPER_PK = OpenApiParameter(
    "paper_pk", int, OpenApiParameter.PATH, description=_("The paper's id (a hidden one is not found).")
)
VERSION_NUMBER = OpenApiParameter(
    "number", int, OpenApiParameter.PATH, description=_("The earlier version's number: 1, 2, ...")
)


@extend_schema_view(list=extend_schema(parameters=[PAPER_PK]))
class PaperVersionViewSet(ConditionalListMixin, ScopedViewSet):
    """A paper's earlier versions, newest first, kept each time it was replaced: seen by exactly those who may read
    the paper. The current version is the paper itself."""

    unscoped_queryset = PaperVersion.objects.select_related("uploaded_by")
    serializer_class = PaperVersionSerializer
    parent_model = Paper
    parent_field = "paper"
    lookup_field = "number"

    @extend_schema(
        parameters=[PAPER_PK, VERSION_NUMBER],
        responses={
            (200, media): OpenApiResponse(OpenApiTypes.BINARY, description=_("The version's file."))
            for media in uploads.ALLOWED_TYPES
        },
    )
    @action(detail=True, methods=["get"], content_negotiation_class=AnyAccept)
    def download(self, request: Request, paper_pk: str, number: str) -> FileResponse:
        """This version's file, in the type read from its content when it was uploaded."""
        version = self.get_object()
        response = uploads.file_response(
            version.file, content_type=version.content_type, original_name=version.original_name,
            suffix=f"-v{version.number}",
        )
        audit.read(request.user, version, restricted=self.parent.is_restricted_material, downloaded=True)
        return response


# Guests ------------------------------------------------------------------------------------------------

GUEST_MEETING_PK = OpenApiParameter("meeting_pk", int, OpenApiParameter.PATH, description=_("The meeting's id."))


@extend_schema(parameters=[GUEST_MEETING_PK])
class GuestViewSet(ForTheCaller, ConditionalListMixin, ConditionalRetrieveMixin, ScopedViewSet):
    """A meeting's guests from outside the member agencies, seen by whoever sees the meeting (their email addresses
    by the secretariat only); the secretariat invites and removes them."""

    unscoped_queryset = Guest.objects.order_by("name", "pk")
    serializer_class = GuestSerializer
    parent_model = Meeting
    parent_field = "meeting"

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["secretariat"] = permissions.is_secretariat(self.request.user, self.parent.body_id)
        return context

    @extend_schema(request=GuestInput, responses={201: GuestSerializer})
    def create(self, request: Request, meeting_pk: str) -> Response:
        """Invite a guest (the secretariat): they are emailed the invitation with its calendar entry and their link."""
        meeting = self.parent
        permissions.require_secretariat(request.user, meeting.body_id)
        data = self.valid(GuestInput).validated_data
        guest = services.guest_invite(actor=request.user, meeting=meeting, **data)
        return self.shown(guest.pk, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, meeting_pk: str, pk: str) -> Response:
        """Remove a guest (the secretariat): their link stops working; a meeting still to be held is cancelled in
        their calendar."""
        guest = self.get_object()
        permissions.require_secretariat(request.user, self.parent.body_id)
        services.guest_remove(actor=request.user, guest=guest)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Decisions and action items --------------------------------------------------------------------------


class RecordViewSet(ForTheCaller, ScopedReadOnlyViewSet):
    # The source item is named only to those who may see it.
    @property
    def etag_extra(self) -> dict:
        return {"etag_item_visible": selectors.item_visible(self.request.user)}

    def for_the_caller(self, rows: QuerySet) -> QuerySet:
        return rows.annotate(item_visible=selectors.item_visible(self.request.user))


class DecisionFilter(FilterSet):
    meeting = VisibleFilter(visible=visible_meetings)
    body = VisibleFilter(field_name="meeting__body", visible=visible_bodies)

    class Meta:
        model = Decision
        fields = ["meeting", "body"]


class DecisionViewSet(RecordViewSet):
    """Decisions, which members read once the meeting's minutes are approved."""

    unscoped_queryset = Decision.objects.select_related("meeting__body")
    serializer_class = DecisionSerializer
    filterset_class = DecisionFilter


class ActionItemFilter(FilterSet):
    meeting = VisibleFilter(visible=visible_meetings)
    body = VisibleFilter(field_name="meeting__body", visible=visible_bodies)
    owner_agency = VisibleFilter(visible=visible_agencies)

    class Meta:
        model = ActionItem
        fields = ["meeting", "body", "status", "owner_agency"]


class ActionItemViewSet(RecordViewSet):
    unscoped_queryset = ActionItem.objects.select_related("meeting__body", "owner", "owner_agency")
    serializer_class = ActionItemSerializer
    filterset_class = ActionItemFilter

    @extend_schema(request=ActionItemSerializer, responses=ActionItemSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        """Update the status: the owner (anyone of the owner agency when no one is named) or the secretariat;
        only the secretariat cancels."""
        action_item = self.get_object()
        data = self.valid(ActionItemSerializer, partial=True).validated_data
        if "status" in data:
            services.action_item_set_status(actor=request.user, action=action_item, status=data["status"])
        elif not action_rules.may_update_action(
            request.user, action_item, secretariat=permissions.is_secretariat(request.user, action_item.meeting.body_id)
        ):
            raise PermissionDenied(_("Only the owner or the secretariat can update this action item."))
        # A PATCH without a status changes nothing.
        return self.shown(action_item.pk)


# A body's agenda template ------------------------------------------------------------------------------


@extend_schema(
    parameters=[OpenApiParameter("acronym", str, OpenApiParameter.PATH, description=_("The body's acronym."))]
)
class AgendaTemplateView(APIView):
    """A body's agenda template, for its secretariat (anyone else: 404)."""

    def template(self, request: Request, acronym: str):
        body = core_selectors.body_get(actor=request.user, acronym=acronym)
        return body, selectors.agenda_template_get(actor=request.user, body=body)

    @extend_schema(responses=AgendaTemplateSerializer, operation_id="agenda_template_retrieve")
    def get(self, request: Request, acronym: str) -> Response:
        """The standing items a new meeting's agenda can start from."""
        _body, template = self.template(request, acronym)
        return Response(AgendaTemplateSerializer(template).data)

    @extend_schema(
        request=AgendaTemplateSerializer,
        responses={
            200: AgendaTemplateSerializer,
            409: OpenApiResponse(
                response=ErrorSerializer,
                description=_("Someone else saved the template since `version`; nothing was saved."),
            ),
        },
        operation_id="agenda_template_update",
    )
    def put(self, request: Request, acronym: str) -> Response:
        """Replace the standing items, in the order sent, from the `version` the edit started from."""
        body, _template = self.template(request, acronym)
        data = AgendaTemplateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        services.agenda_template_save(
            actor=request.user, body=body, version=data.validated_data["version"],
            items=[dict(row) for row in data.validated_data["standing_items"]],
        )
        _body, template = self.template(request, acronym)
        return Response(AgendaTemplateSerializer(template).data)
