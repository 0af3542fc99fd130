"""Reads for meetings. Every function that takes the actor starts from a queryset scoped to them; the others are the
parts those share (an item's number as a given reader counts it, the subqueries of a reader's answer)."""

import copy
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.http import Http404
from django.utils import timezone

from members.models import Agency, User
from taskforce import permissions
from taskforce.models import Body

from . import package
from .models import (
    ActionItem,
    AgendaChange,
    AgendaItem,
    AgendaPackage,
    AgendaTemplate,
    Attendance,
    Comment,
    Decision,
    Guest,
    Invitation,
    Meeting,
    MinutesComment,
    Paper,
    PaperVersion,
    Rsvp,
    SentReminder,
    SentReminderRecipient,
    StandingItem,
    TimeProposal,
)


def _my_rsvp(actor: User) -> Subquery:
    return Subquery(Rsvp.objects.filter(meeting=OuterRef("pk"), user_id=actor.pk).values("response")[:1])


def meeting_list(
    *,
    actor: User,
    body: Body | None = None,
    upcoming: bool | None = None,
    include_cancelled: bool = True,
) -> QuerySet[Meeting]:
    meetings = Meeting.objects.select_related("body", "host_agency").annotate(my_rsvp=_my_rsvp(actor))
    if body is not None:
        meetings = meetings.filter(body=body)
    if upcoming is True:
        meetings = meetings.filter(end__gte=timezone.now())
    elif upcoming is False:
        meetings = meetings.filter(end__lt=timezone.now()).order_by("-start", "-pk")
    if not include_cancelled:
        meetings = meetings.exclude(status=Meeting.Status.CANCELLED)
    return permissions.scope(actor, meetings)


def meeting_get(*, actor: User, pk: int) -> Meeting:
    meetings = Meeting.objects.select_related("body", "host_agency", "agenda_circulated_by", "series").annotate(
        my_rsvp=_my_rsvp(actor)
    )
    return permissions.get_visible_or_404(actor, meetings, pk=pk)


def for_secretariat(*, actor: User, meeting: Meeting) -> Meeting:
    """The meeting (already read through the visibility core), for what only its body's secretariat reads or does
    there (reminders sent, other times proposed): anyone else finds nothing (404), members who see the meeting
    included."""
    if not permissions.is_secretariat(actor, meeting.body_id):
        raise Http404()
    return meeting


def agendas_to_review(*, actor: User) -> QuerySet[Meeting]:
    """Upcoming meetings whose agenda is circulated and open for comments."""
    items = Prefetch("items", queryset=_visible_items(actor, AgendaItem.objects.all()), to_attr="visible_items")
    return (
        meeting_list(actor=actor, upcoming=True, include_cancelled=False)
        .filter(agenda_status=Meeting.AgendaStatus.CIRCULATED)
        .prefetch_related(items)
    )


def invitations(*, actor: User, meeting: Meeting) -> QuerySet[Invitation]:
    return permissions.scope(
        actor, Invitation.objects.filter(meeting=meeting).select_related("agency", "user__agency")
    ).order_by("agency__acronym", "user__last_name")


def invited_people(*, actor: User, meeting: Meeting) -> QuerySet[User]:
    """Everyone invited by name or through their agency who is a member of the body."""
    people = permissions.readers(meeting, shared=True).select_related("agency")
    return permissions.scope(actor, people).order_by("agency__acronym", "last_name")


def agenda_items(*, actor: User, meeting: Meeting) -> QuerySet[AgendaItem]:
    return _visible_items(actor, AgendaItem.objects.filter(meeting=meeting))


# What each reader reads of an agenda -------------------------------------------------------------------------
#
# A reader's numbering runs 1..n over the items they may see (withdrawn ones included: they stay on the record,
# struck through), in agenda order; the secretariat, who sees every item, keeps the full numbering. Nothing a
# reader sees is numbered from the stored `position`, which counts items hidden from them.


def reader_number(actor: User, item: str = "") -> Subquery:
    """The number, in the actor's numbering, of the agenda item at the path `item` ("" for the row itself): how
    many of its meeting's items the actor may see come before it, plus one. A subquery of the row, so the number
    stays the same whatever else filters, slices or fetches the rows."""
    earlier = permissions.scope(
        actor, AgendaItem.objects.filter(meeting_id=OuterRef(f"{item}meeting_id"))
    ).filter(
        Q(position__lt=OuterRef(f"{item}position"))
        | Q(position=OuterRef(f"{item}position"), pk__lte=OuterRef(f"{item}pk"))
    )
    return Subquery(earlier.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1])


def whole_meetings_numbering() -> Window:
    """`reader_number` for a queryset, already scoped to the reader, that holds every item of its meetings the reader
    may see (an agenda, a feed's meetings): one window over the rows instead of a count per row. Filtering such a
    queryset further would renumber what is left: single items and filtered lists use `reader_number`."""
    return Window(RowNumber(), partition_by=[F("meeting_id")], order_by=[F("position").asc(), F("pk").asc()])


# The timed agenda: each reader's times run from the meeting's start over the items they may see, in their
# numbering's order, each taking its time allotted (a withdrawn item none). A reader's times are therefore worked out
# from what they see alone, as their numbering is: a time never shows the length of an item hidden from them. When a
# restricted item comes before items everyone sees, those who do not see it read the later items earlier than the
# room holds them; the secretariat's agenda says so (`times_differ`), and the usual answer is to hold restricted items
# last.


def _minutes_taken() -> Case:
    return Case(When(withdrawn=True, then=Value(0)), default=F("minutes_allotted"), output_field=IntegerField())


def whole_meetings_timing() -> dict:
    """`elapsed` (the minutes of the reader's items up to and including the row) and `meeting_start`, for a queryset
    already scoped to the reader that holds every item of its meetings they may see (see whole_meetings_numbering);
    AgendaItem.starts_at and ends_at read them."""
    return {
        "elapsed": Window(
            Sum(_minutes_taken()), partition_by=[F("meeting_id")], order_by=[F("position").asc(), F("pk").asc()]
        ),
        "meeting_start": F("meeting__start"),
    }


def reader_timing(actor: User) -> dict:
    """`whole_meetings_timing` as a subquery of each row, for single items and filtered lists."""
    earlier = permissions.scope(actor, AgendaItem.objects.filter(meeting_id=OuterRef("meeting_id"))).filter(
        Q(position__lt=OuterRef("position")) | Q(position=OuterRef("position"), pk__lte=OuterRef("pk"))
    )
    elapsed = earlier.order_by().values("meeting_id").annotate(n=Sum(_minutes_taken())).values("n")[:1]
    return {"elapsed": Subquery(elapsed), "meeting_start": F("meeting__start")}


def times_differ(items: list[AgendaItem]) -> list[AgendaItem]:
    """The restricted items (of a whole agenda, as the secretariat sees it) that come before an item the whole body
    sees: readers who do not see them read the later items' times earlier than the room's."""
    early = []
    for index, item in enumerate(items):
        if item.restricted and not item.withdrawn and any(
            not later.restricted and not later.withdrawn for later in items[index + 1:]
        ):
            early.append(item)
    return early


def numbered(items: list[AgendaItem], visible: set[int]) -> list[AgendaItem]:
    """`reader_number` worked out in Python, for telling many readers at once: the items of one meeting in agenda
    order, kept to those in `visible` (one reader's), each a copy carrying its number."""
    shown = []
    for item in (item for item in items if item.pk in visible):
        shown.append(copy.copy(item))
        shown[-1].number = len(shown)
    return shown


class NamedIn(Func):
    """Whether the row's id is among those a change names after the colon of its summary ("down:12,15",
    "paper:31"). Compared as text, so no summary can fail a cast."""

    output_field = BooleanField()

    def __init__(self, summary) -> None:
        super().__init__(F("pk"), summary)

    def as_sql(self, compiler, connection, **extra):
        pk, pk_params = compiler.compile(self.source_expressions[0])
        summary, summary_params = compiler.compile(self.source_expressions[1])
        sql = f"({pk})::text = ANY(string_to_array(split_part({summary}, ':', 2), ','))"
        return sql, (*pk_params, *summary_params)


def _visible_changes(actor: User, changes: QuerySet[AgendaChange]) -> QuerySet[AgendaChange]:
    """The changes the actor may see that touch what they see: a paper added or replaced only for those who may
    read it, a
    move only for those who see an item it moved past (for anyone else their numbering did not change). Entries
    recorded before changes named what they touch are shown as before, without their stored position."""
    papers = permissions.scope(actor, Paper.objects.filter(item_id=OuterRef("item_id"))).filter(
        NamedIn(OuterRef("summary"))
    )
    passed = permissions.scope(actor, AgendaItem.objects.filter(meeting_id=OuterRef("item__meeting_id"))).filter(
        NamedIn(OuterRef("summary"))
    )
    paper_named = Q(kind__in=PAPER_CHANGES, summary__startswith=PAPER_MARK)
    moved = Q(kind=AgendaChange.Kind.MOVED, summary__contains=":")
    return permissions.scope(actor, changes).filter(
        (paper_named & Exists(papers)) | (moved & Exists(passed)) | ~(paper_named | moved)
    )


# How a paper added or replaced after circulation is named in its change entry (by id, never by title).
PAPER_MARK = "paper:"
PAPER_CHANGES = (AgendaChange.Kind.PAPER_ADDED, AgendaChange.Kind.PAPER_REPLACED)


def changed_for_reader(actor: User) -> Exists:
    """Whether the item has a change since circulation that the actor may see ("Changed since circulated")."""
    return Exists(_visible_changes(actor, AgendaChange.objects.filter(item_id=OuterRef("pk"))))


def _visible_items(actor: User, items: QuerySet[AgendaItem]) -> QuerySet[AgendaItem]:
    """Agenda items the actor may see, with their number in the actor's numbering, whether a change reached them,
    their visible papers and the count of visible comments."""
    return permissions.scope(
        actor, items.select_related("presenter__agency", "presenter_agency")
    ).annotate(
        number=whole_meetings_numbering(),
        **whole_meetings_timing(),
        changed_for_reader=changed_for_reader(actor),
        comment_count=comment_count(actor),
    ).prefetch_related(visible_papers(actor))


def comment_count(actor: User) -> Coalesce:
    """How many comments on the outer item the actor may read: 0, not None, for an item nobody commented on."""
    comments = permissions.scope(actor, Comment.objects.filter(item=OuterRef("pk")))
    return Coalesce(Subquery(comments.order_by().values("item").annotate(n=Count("pk")).values("n")[:1]), 0)


def visible_papers(actor: User) -> Prefetch:
    """Each item's papers the actor may read, as `visible_papers`."""
    return Prefetch("papers", queryset=permissions.scope(actor, Paper.objects.all()), to_attr="visible_papers")


def minutes_readable(*, meeting: Meeting, secretariat: bool, actor: User | None = None) -> bool:
    """The secretariat (`secretariat`: the reader is of the meeting's body's) reads the minutes as they are
    written; the attendees once the draft is circulated for comment; members once they are approved."""
    if secretariat or meeting.minutes_status == Meeting.MinutesStatus.APPROVED:
        return True
    return (
        meeting.minutes_status == Meeting.MinutesStatus.CIRCULATED and actor is not None
        and is_attendee(actor, meeting)
    )


def is_attendee(actor: User, meeting: Meeting) -> bool:
    return Attendance.objects.filter(meeting_id=meeting.pk, user_id=actor.pk).exists()


def minutes_comments(*, actor: User, meeting: Meeting) -> QuerySet[MinutesComment]:
    """The comments on the meeting's draft minutes the actor may read: the secretariat, all of them on the items
    they see; an attendee, their own."""
    comments = MinutesComment.objects.filter(item__meeting=meeting).select_related("author__agency", "item")
    return permissions.scope(actor, comments)


def agenda_item_get(*, actor: User, pk: int) -> AgendaItem:
    items = AgendaItem.objects.select_related("meeting__body", "presenter__agency", "presenter_agency").annotate(
        number=reader_number(actor), changed_for_reader=changed_for_reader(actor), **reader_timing(actor)
    )
    return permissions.get_visible_or_404(actor, items, pk=pk)


def item_comments(*, actor: User, item: AgendaItem) -> QuerySet[Comment]:
    return permissions.scope(actor, Comment.objects.filter(item=item).select_related("author__agency"))


def item_papers(*, actor: User, item: AgendaItem) -> QuerySet[Paper]:
    return permissions.scope(actor, Paper.objects.filter(item=item))


def agenda_changes(*, actor: User, meeting: Meeting) -> QuerySet[AgendaChange]:
    """The changes to the circulated agenda that reach the actor, each with its item's number in their
    numbering."""
    changes = AgendaChange.objects.filter(item__meeting=meeting).select_related("item", "changed_by")
    return _visible_changes(actor, changes).annotate(item_number=reader_number(actor, "item__"))


def paper_get(*, actor: User, pk: int) -> Paper:
    """A paper with its item and meeting, and who uploaded its current version."""
    papers = Paper.objects.select_related("item__meeting__body", "uploaded_by__agency")
    return permissions.get_visible_or_404(actor, papers, pk=pk)


def paper_versions(*, actor: User, paper: Paper) -> QuerySet[PaperVersion]:
    """The paper's earlier versions the actor may read (all of them, when they may read the paper), newest first,
    each with who uploaded it."""
    versions = PaperVersion.objects.filter(paper=paper).select_related("uploaded_by__agency")
    return permissions.scope(actor, versions).order_by("-number")


def paper_version_get(*, actor: User, paper_pk: int, number: int) -> PaperVersion:
    """One earlier version, by its paper and number: not found for whoever may not read the paper."""
    versions = PaperVersion.objects.select_related("paper__item__meeting")
    return permissions.get_visible_or_404(actor, versions, paper_id=paper_pk, number=number)


@dataclass(frozen=True)
class ReaderPackage:
    """The meeting package a reader gets: what it holds (`contents`, as they see the agenda), its key, and the
    package of that key when one was asked for."""

    contents: dict
    key: str
    package: AgendaPackage | None

    @property
    def papers_total(self) -> int:
        return package.paper_count(self.contents)


def reader_package(*, actor: User, meeting: Meeting, items: list[AgendaItem] | None = None) -> ReaderPackage:
    """The actor's package of a meeting they may see, found by the key of their own view of its agenda (never by
    listing packages: one made for other readers may hold what the actor may not see). `items`: the actor's
    `agenda_items`, when the caller has read them already."""
    if items is None:
        items = list(agenda_items(actor=actor, meeting=meeting))
    contents = package.contents_of(meeting, items, language=actor.language, time_zone=actor.time_zone)
    key = package.contents_key(contents)
    return ReaderPackage(contents, key, AgendaPackage.objects.filter(meeting=meeting, key=key).first())


def rsvps(*, actor: User, meeting: Meeting) -> QuerySet[Rsvp]:
    return permissions.scope(
        actor, Rsvp.objects.filter(meeting=meeting).select_related("user__agency", "delegate")
    ).order_by("user__agency__acronym", "user__last_name")


def attendance(*, actor: User, meeting: Meeting) -> QuerySet[Attendance]:
    return permissions.scope(
        actor, Attendance.objects.filter(meeting=meeting).select_related("user", "agency")
    ).order_by("agency__acronym", "user__last_name")


def time_proposals(*, actor: User, meeting: Meeting) -> QuerySet[TimeProposal]:
    """Other times invitees proposed from their calendar apps: the secretariat's alone (none for anyone else)."""
    return permissions.scope(
        actor, TimeProposal.objects.filter(meeting=meeting).select_related("user__agency", "guest")
    ).order_by("-received_at", "-pk")


def guests(*, actor: User, meeting: Meeting) -> QuerySet[Guest]:
    """The meeting's guests, for those who see the meeting (their email address is shown to the secretariat only)."""
    return permissions.scope(actor, Guest.objects.filter(meeting=meeting)).order_by("name", "pk")


@dataclass(frozen=True)
class Quorum:
    agencies_present: int
    required: int | None

    @property
    def met(self) -> bool | None:
        return None if self.required is None else self.agencies_present >= self.required


def quorum(*, actor: User, meeting: Meeting) -> Quorum:
    present = attendance(actor=actor, meeting=meeting).values("agency_id").distinct().count()
    return Quorum(agencies_present=present, required=meeting.body.quorum)


def item_visible(actor: User) -> Exists:
    """Whether the actor may see a decision's or action item's source item: only then is anything of it shown
    (its title, its number, its presenter), on every channel."""
    return Exists(permissions.scope(actor, AgendaItem.objects.filter(pk=OuterRef("item_id"))))


def _records(actor: User, records: QuerySet) -> QuerySet:
    return permissions.scope(actor, records).annotate(item_visible=item_visible(actor))


def decisions(*, actor: User, meeting: Meeting) -> QuerySet[Decision]:
    return _records(actor, Decision.objects.filter(meeting=meeting).select_related("item"))


def action_items(*, actor: User, meeting: Meeting) -> QuerySet[ActionItem]:
    return _records(actor, ActionItem.objects.filter(meeting=meeting).select_related("owner", "owner_agency", "item"))


def action_item_get(*, actor: User, pk: int) -> ActionItem:
    actions = ActionItem.objects.select_related("meeting__body", "owner", "owner_agency", "item")
    return permissions.get_visible_or_404(actor, actions.annotate(item_visible=item_visible(actor)), pk=pk)


def carried_actions(*, actor: User, item: AgendaItem) -> QuerySet[ActionItem]:
    """For a "Review of action items" item: the open action items of its body's earlier meetings that the actor may
    see, live (an action marked done drops out), the earliest due first."""
    if not item.reviews_actions:
        return ActionItem.objects.none()
    meeting = item.meeting
    actions = ActionItem.objects.filter(
        meeting__body_id=meeting.body_id, meeting__start__lt=meeting.start, status__in=OPEN_STATUSES
    ).select_related("meeting__body", "owner", "owner_agency", "item")
    return _records(actor, actions).order_by(F("due_date").asc(nulls_last=True), "meeting__start", "pk")


def carried_action_counts(*, actor: User, meeting: Meeting, items: list[AgendaItem]) -> dict[int, int]:
    """How many open actions each "Review of action items" item of the agenda lists for the actor (one query)."""
    reviews = [item for item in items if item.reviews_actions]
    if not reviews:
        return {}
    count = permissions.scope(actor, ActionItem.objects.filter(
        meeting__body_id=meeting.body_id, meeting__start__lt=meeting.start, status__in=OPEN_STATUSES
    )).count()
    return {item.pk: count for item in reviews}


# A body's agenda template ----------------------------------------------------------------------------------


def agenda_template_get(*, actor: User, body: Body) -> AgendaTemplate:
    """The body's template (an empty one, unsaved, if it has none), for its secretariat only: anyone else gets a
    404, as for anything they may not see."""
    permissions.require_visible(actor, body)
    if not permissions.is_secretariat(actor, body.pk):
        raise Http404()
    templates = AgendaTemplate.objects.filter(body=body).select_related("body", "updated_by")
    template = permissions.scope(actor, templates).first()
    if template is None:
        template = AgendaTemplate(body=body)
    standing = StandingItem.objects.filter(template_id=template.pk).select_related("presenter_agency")
    template.standing_items = list(permissions.scope(actor, standing)) if template.pk else []
    return template


def last_meeting(*, actor: User, meeting: Meeting) -> Meeting | None:
    """The body's latest meeting before this one that was not cancelled: the one whose agenda can be copied."""
    earlier = Meeting.objects.filter(body_id=meeting.body_id, start__lt=meeting.start).exclude(pk=meeting.pk)
    earlier = earlier.exclude(status=Meeting.Status.CANCELLED).order_by("-start", "-pk")
    return permissions.scope(actor, earlier).first()


@dataclass(frozen=True)
class RegisterFilter:
    body: Body | None = None
    agency: Agency | None = None
    owner: User | None = None
    status: str | None = None
    due_from: datetime.date | None = None
    due_to: datetime.date | None = None


def action_register(*, actor: User, filters: RegisterFilter = RegisterFilter()) -> QuerySet[ActionItem]:
    """Action items across meetings, overdue and soonest first."""
    actions = ActionItem.objects.select_related("meeting__body", "owner", "owner_agency", "item")
    if filters.body:
        actions = actions.filter(meeting__body=filters.body)
    if filters.agency:
        actions = actions.filter(owner_agency=filters.agency)
    if filters.owner:
        actions = actions.filter(owner=filters.owner)
    if filters.status:
        actions = actions.filter(status=filters.status)
    if filters.due_from:
        actions = actions.filter(due_date__gte=filters.due_from)
    if filters.due_to:
        actions = actions.filter(due_date__lte=filters.due_to)
    return _records(actor, actions).order_by("due_date", "pk")


def decision_register(*, actor: User, filters: RegisterFilter = RegisterFilter()) -> QuerySet[Decision]:
    decisions_ = Decision.objects.select_related("meeting__body", "item")
    if filters.body:
        decisions_ = decisions_.filter(meeting__body=filters.body)
    if filters.agency:
        # The source item's presenter counts only for those who may see the item.
        presented = Q(item__presenter_agency=filters.agency) & Q(item_visible(actor))
        decisions_ = decisions_.filter(presented | Q(meeting__host_agency=filters.agency))
    if filters.due_from:
        decisions_ = decisions_.filter(meeting__start__date__gte=filters.due_from)
    if filters.due_to:
        decisions_ = decisions_.filter(meeting__start__date__lte=filters.due_to)
    return _records(actor, decisions_).order_by("-meeting__start", "pk")


def my_action_items(*, actor: User) -> QuerySet[ActionItem]:
    open_statuses = [ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS]
    return action_register(actor=actor, filters=RegisterFilter(owner=actor)).filter(status__in=open_statuses)


# For the dashboards -----------------------------------------------------------------------------------------

OPEN_STATUSES = (ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS)


def action_items_to_do(*, actor: User) -> QuerySet[ActionItem]:
    """Open action items the actor owns or their agency owns, overdue first (the earliest due), undated last."""
    actions = ActionItem.objects.select_related("meeting__body", "owner", "owner_agency").filter(
        Q(owner_id=actor.pk) | Q(owner_agency_id=actor.agency_id), status__in=OPEN_STATUSES
    )
    return permissions.scope(actor, actions).order_by(F("due_date").asc(nulls_last=True), "pk")


def overdue_action_items(*, actor: User, body_ids: Iterable[int]) -> QuerySet[ActionItem]:
    """Open action items of these bodies due before today, by owner agency."""
    actions = ActionItem.objects.select_related("meeting__body", "owner", "owner_agency").filter(
        meeting__body_id__in=body_ids, status__in=OPEN_STATUSES, due_date__lt=timezone.localdate()
    )
    return permissions.scope(actor, actions).order_by("owner_agency__acronym", "due_date", "pk")


def _upcoming_until(actor: User, body_ids: Iterable[int], until: datetime.datetime) -> QuerySet[Meeting]:
    meetings = meeting_list(actor=actor, upcoming=True, include_cancelled=False)
    return meetings.filter(body_id__in=body_ids, start__lte=until)


def meetings_without_circulated_agenda(
    *, actor: User, body_ids: Iterable[int], until: datetime.datetime
) -> QuerySet[Meeting]:
    """Meetings of these bodies starting before `until` whose agenda is still a draft."""
    return _upcoming_until(actor, body_ids, until).filter(agenda_status=Meeting.AgendaStatus.DRAFT)


def _unanswered_invitees() -> Subquery:
    """How many of a meeting's invitees (those it is shared with as members of its body) have not answered."""
    answered = Rsvp.objects.filter(meeting=OuterRef(OuterRef("pk")), user=OuterRef("pk"))
    people = permissions.readers_of_outer_row(Meeting, shared=True).filter(~Exists(answered))
    return Subquery(people.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1])


def meetings_awaiting_answers(*, actor: User, body_ids: Iterable[int], until: datetime.datetime) -> QuerySet[Meeting]:
    """Meetings of these bodies starting before `until` that some invitees have not answered, with how many."""
    return (
        _upcoming_until(actor, body_ids, until)
        .annotate(unanswered=Coalesce(_unanswered_invitees(), 0))
        .filter(unanswered__gt=0)
    )


def minutes_to_approve(*, actor: User, body_ids: Iterable[int]) -> QuerySet[Meeting]:
    """Meetings of these bodies that took place and whose minutes are not approved yet, the oldest first."""
    meetings = meeting_list(actor=actor, upcoming=False, include_cancelled=False)
    return meetings.filter(body_id__in=body_ids).exclude(minutes_status=Meeting.MinutesStatus.APPROVED).order_by(
        "start", "pk"
    )


def people_told(*, actor: User, meeting: Meeting) -> QuerySet[User]:
    """Who a notice of the meeting reaches (its invitees who may see it), as far as the actor may see them: what a
    confirmation names before the secretariat circulates, approves or cancels."""
    told = permissions.readers(meeting, shared=True).values("pk")
    return permissions.scope_people(actor, User.objects.filter(pk__in=told)).select_related("agency").order_by(
        "agency__acronym", "last_name", "first_name"
    )


# Reminders the secretariat aims ----------------------------------------------------------------------------------


def sent_reminders(*, actor: User, meeting: Meeting) -> QuerySet[SentReminder]:
    """The reminders sent for the meeting, newest first, each with who it went to and how: its secretariat's log (no
    member sees any)."""
    recipients = permissions.scope(actor, SentReminderRecipient.objects.select_related("person__agency"))
    return permissions.scope(actor, SentReminder.objects.filter(meeting=meeting)).select_related(
        "sent_by"
    ).prefetch_related(Prefetch("recipients", queryset=recipients.order_by("pk")))
