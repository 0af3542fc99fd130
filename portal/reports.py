"""Progress reports: what a body did over a period (meetings, decisions, action items, milestones, agreements),
as one reader may see it, with the charts that say it faster and the marking of the most restricted content.

Composition: reads the features through their selectors, each scoped to the reader by the visibility core.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from meetings import selectors as meeting_selectors
from meetings.models import ActionItem, Decision, Meeting
from members.models import Classification, User
from mou import selectors as mou_selectors
from mou.models import Agreement, WorkflowStep
from taskforce import permissions, selectors
from taskforce.dates import date_format
from taskforce.models import Body, Milestone

# How far back a report may reach in one go; beyond it the page and the PDF grow without bound.
LONGEST_PERIOD = datetime.timedelta(days=5 * 366)


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    def __contains__(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


# The three states an action item is reported in; cancelled ones are counted apart.
DONE, OPEN, OVERDUE = "done", "open", "overdue"


def action_state(action: ActionItem, today: datetime.date) -> str | None:
    if action.status == ActionItem.Status.DONE:
        return DONE
    if action.status == ActionItem.Status.CANCELLED:
        return None
    return OVERDUE if action.due_date is not None and action.due_date < today else OPEN


@dataclass
class AgencyActions:
    acronym: str
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts[state] for state in (DONE, OPEN, OVERDUE))


@dataclass
class AgreementProgress:
    agreement: Agreement
    steps: list[WorkflowStep]

    @property
    def steps_done(self) -> int:
        return sum(1 for step in self.steps if step.is_complete)

    @property
    def next_step(self) -> WorkflowStep | None:
        return next((step for step in self.steps if not step.is_complete), None)


@dataclass
class Report:
    body: Body
    period: Period
    produced_on: datetime.date
    meetings: list[Meeting]
    decisions: list[Decision]
    actions: list[ActionItem]
    actions_by_agency: list[AgencyActions]
    cancelled_actions: int
    milestones: list[Milestone]
    agreements: list[AgreementProgress]
    classification: Classification

    @property
    def action_totals(self) -> Counter:
        totals: Counter = Counter()
        for row in self.actions_by_agency:
            totals.update(row.counts)
        return totals

    @property
    def marking(self) -> str:
        return str(self.classification.label).upper()


def build(*, actor: User, body: Body, period: Period) -> Report:
    """The report of `body` over `period` for `actor`: only what the actor may see, from the scoped selectors."""
    today = timezone.localdate()
    meetings = _meetings(actor=actor, body=body, period=period)
    meeting_ids = [meeting.pk for meeting in meetings]
    actions = list(_actions(actor=actor, meeting_ids=meeting_ids))
    by_agency: dict[str, AgencyActions] = defaultdict(lambda: AgencyActions(acronym=""))
    cancelled = 0
    for action in actions:
        action.report_state = action_state(action, today)
        if action.report_state is None:
            cancelled += 1
            continue
        row = by_agency[action.owner_agency.acronym]
        row.acronym = action.owner_agency.local_acronym
        row.counts[action.report_state] += 1
    agreements = _agreements(actor=actor, body=body, period=period)
    return Report(
        body=body,
        period=period,
        produced_on=today,
        meetings=meetings,
        decisions=list(_decisions(actor=actor, meeting_ids=meeting_ids)),
        actions=actions,
        actions_by_agency=sorted(by_agency.values(), key=lambda row: row.acronym),
        cancelled_actions=cancelled,
        milestones=list(_milestones(actor=actor, body=body, period=period)),
        agreements=agreements,
        # Of what a report includes, only agreements carry a marking (their papers and texts are not included).
        classification=Classification(
            max([Classification.UNCLASSIFIED, *(p.agreement.classification for p in agreements)])
        ),
    )


def _meetings(*, actor: User, body: Body, period: Period) -> list[Meeting]:
    """Meetings held in the period (cancelled ones were not held)."""
    return list(
        meeting_selectors.meeting_list(actor=actor, body=body, include_cancelled=False)
        .filter(start__date__gte=period.start, start__date__lte=period.end)
        .order_by("start", "pk")
    )


def _decisions(*, actor: User, meeting_ids: list[int]):
    return meeting_selectors.decision_register(actor=actor).filter(meeting_id__in=meeting_ids).order_by(
        "meeting__start", "pk"
    )


def _actions(*, actor: User, meeting_ids: list[int]):
    """Action items raised at the period's meetings, in their state on the day the report is produced."""
    return meeting_selectors.action_register(actor=actor).filter(meeting_id__in=meeting_ids).order_by(
        "owner_agency__acronym", "due_date", "pk"
    )


def _milestones(*, actor: User, body: Body, period: Period):
    """Milestones whose due window meets the period."""
    return selectors.milestone_list(actor=actor, body=body).filter(
        Q(due_start__lte=period.end) & Q(due_end__gte=period.start)
    ).order_by("due_start", "due_end", "pk")


def _agreements(*, actor: User, body: Body, period: Period) -> list[AgreementProgress]:
    """The body's agreements still on their way to signature, and those signed in the period, with their steps."""
    under_way = [Agreement.Status.DRAFTING, Agreement.Status.IN_APPROVAL, Agreement.Status.READY_FOR_SIGNATURE]
    agreements = list(
        mou_selectors.agreement_list(actor=actor, body=body).filter(
            Q(status__in=under_way) | Q(signed_on__gte=period.start, signed_on__lte=period.end)
        )
    )
    steps = permissions.scope(
        actor, WorkflowStep.objects.filter(agreement__in=[a.pk for a in agreements]).select_related("owner_agency")
    ).order_by("agreement", "position")
    by_agreement: dict[int, list[WorkflowStep]] = defaultdict(list)
    for step in steps:
        by_agreement[step.agreement_id].append(step)
    return [AgreementProgress(agreement=a, steps=by_agreement[a.pk]) for a in agreements]


# Charts: server-side SVG geometry, drawn by the templates in templates/portal/reports/.

CHART_WIDTH = 720
LABEL_WIDTH = 110
BAR_HEIGHT = 22
ROW_HEIGHT = 34
STATE_ORDER = (DONE, OPEN, OVERDUE)


@dataclass(frozen=True)
class Segment:
    state: str
    count: int
    x: float
    width: float


@dataclass(frozen=True)
class ChartRow:
    label: str
    y: int
    segments: list[Segment]
    total: int


def action_chart(report: Report) -> dict:
    """Action items by state per agency, as stacked horizontal bars on one scale."""
    largest = max((row.total for row in report.actions_by_agency), default=0) or 1
    scale = (CHART_WIDTH - LABEL_WIDTH - 40) / largest
    rows = []
    for index, row in enumerate(report.actions_by_agency):
        x = float(LABEL_WIDTH)
        segments = []
        for state in STATE_ORDER:
            count = row.counts[state]
            if count:
                segments.append(Segment(state=state, count=count, x=x, width=count * scale))
                x += count * scale
        rows.append(ChartRow(label=row.acronym, y=index * ROW_HEIGHT + 10, segments=segments, total=row.total))
    return {"rows": rows, "width": CHART_WIDTH, "height": len(rows) * ROW_HEIGHT + 20, "label_width": LABEL_WIDTH}


@dataclass(frozen=True)
class TimelineMark:
    milestone: Milestone
    y: int
    x: float
    width: float
    overdue: bool


def milestone_timeline(report: Report) -> dict:
    """Milestones on the period's time line: a bar over each due window (clipped to the period), a month scale."""
    start, end = report.period.start, report.period.end
    span = max((end - start).days, 1)
    left, right = 10, CHART_WIDTH - 10

    def x_of(day: datetime.date) -> float:
        day = min(max(day, start), end)
        return left + (day - start).days / span * (right - left)

    marks = []
    for index, milestone in enumerate(report.milestones):
        x0, x1 = x_of(milestone.due_start), x_of(milestone.due_end)
        y = index * 2 * ROW_HEIGHT + 60
        marks.append(TimelineMark(milestone=milestone, y=y, x=x0, width=max(x1 - x0, 6), overdue=milestone.is_overdue))
    months = []
    month = start.replace(day=1)
    while month <= end:
        if month >= start:
            months.append({"x": x_of(month), "label": date_format(month, "M Y")})
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return {
        "marks": marks, "months": months, "width": CHART_WIDTH,
        "height": len(marks) * 2 * ROW_HEIGHT + 70, "left": left, "right": right,
    }
