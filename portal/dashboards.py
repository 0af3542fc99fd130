"""The dashboards: a member's home and the secretariat's.

Composition, like the URLs: the one module on the home page's side that reads from several features (meetings,
agreements). It only calls their selectors and the core's, which all start from the visibility core, so a
dashboard shows nothing its reader could not open. Every panel is one query (or a fixed few), whatever the
number of rows: the lists are cut to a few rows, each with a link to the full page.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from meetings import permissions as meeting_rules
from meetings import selectors as meetings
from meetings.models import ActionItem, Meeting
from members.models import Agency, User
from mou import selectors as agreements
from mou.models import Agreement, WorkflowStep
from notifications import selectors as notification_selectors
from notifications.models import Notification
from taskforce import permissions, selectors
from taskforce.models import Milestone

from .timeline import Timeline, milestone_timeline

# How many rows a panel shows before it links to the full list.
PANEL_SIZE = 5
LONG_PANEL_SIZE = 10
# The most days ahead the secretariat may ask to look for agendas and answers.
MAX_DAYS_OUT = 365


@dataclass
class MemberHome:
    next_meetings: list[Meeting]
    to_review: list[Meeting]
    action_items: list[ActionItem]
    milestones_due: list[Milestone]
    steps_due: list[WorkflowStep]
    unread: list[Notification]
    unread_count: int
    today: datetime.date
    due_until: datetime.date


def member_home(*, actor: User) -> MemberHome:
    today = timezone.localdate()
    due_until = today + datetime.timedelta(days=settings.DASHBOARD_DUE_SOON_DAYS)
    unread = notification_selectors.notification_list(actor=actor).filter(read_at__isnull=True)
    agency_id = actor.agency_id
    return MemberHome(
        next_meetings=list(meetings.meeting_list(actor=actor, upcoming=True, include_cancelled=False)[:PANEL_SIZE]),
        to_review=list(meetings.agendas_to_review(actor=actor)[:PANEL_SIZE]),
        action_items=meeting_rules.offer_status_updates(
            actor, list(meetings.action_items_to_do(actor=actor)[:LONG_PANEL_SIZE])
        ),
        milestones_due=list(_milestones_coming_due(actor, agency_id, due_until)[:LONG_PANEL_SIZE]),
        steps_due=list(agreements.steps_coming_due(actor=actor, agency_id=agency_id, until=due_until)[
            :LONG_PANEL_SIZE
        ]),
        unread=list(unread[:PANEL_SIZE]),
        unread_count=unread.count(),
        today=today,
        due_until=due_until,
    )


def _milestones_coming_due(actor: User, agency_id: int | None, until: datetime.date):
    """The agency's milestones not yet done whose window opens by `until` (overdue ones first)."""
    if agency_id is None:
        return Milestone.objects.none()
    finished = [Milestone.Status.DONE, Milestone.Status.CANCELLED]
    return (
        selectors.milestone_list(actor=actor)
        .filter(owner_agency_id=agency_id, due_start__lte=until)
        .exclude(status__in=finished)
        .order_by("due_end", "pk")
    )


@dataclass
class AgencyActions:
    agency: Agency
    actions: list[ActionItem]


@dataclass
class Stage:
    status: str
    label: str
    agreements: list[Agreement]


@dataclass
class SecretariatHome:
    days: int
    until: datetime.datetime
    agendas_due: list[Meeting]
    answers_missing: list[Meeting]
    minutes_pending: list[Meeting]
    overdue_by_agency: list[AgencyActions]
    overdue_actions: list[ActionItem]
    stages: list[Stage]
    overdue_steps: list[WorkflowStep]
    timeline: Timeline


def days_out(value: str | None) -> int:
    """The secretariat's look-ahead in days, from the page's `days` parameter, within 1 and MAX_DAYS_OUT."""
    try:
        days = int(value) if value else settings.DASHBOARD_AGENDA_DAYS
    except ValueError:
        days = settings.DASHBOARD_AGENDA_DAYS
    return min(max(days, 1), MAX_DAYS_OUT)


def secretariat_home(*, actor: User, days: int) -> SecretariatHome | None:
    """What the secretariat of some bodies follows in them; None for someone who is no body's secretariat."""
    body_ids = permissions.secretariat_body_ids(actor)
    if not body_ids:
        return None
    until = timezone.now() + datetime.timedelta(days=days)
    overdue = meeting_rules.offer_status_updates(
        actor, list(meetings.overdue_action_items(actor=actor, body_ids=body_ids))
    )
    milestones = list(selectors.milestone_list(actor=actor).filter(body_id__in=body_ids).order_by("due_start", "pk"))
    return SecretariatHome(
        days=days,
        until=until,
        agendas_due=list(meetings.meetings_without_circulated_agenda(actor=actor, body_ids=body_ids, until=until)),
        answers_missing=list(meetings.meetings_awaiting_answers(actor=actor, body_ids=body_ids, until=until)),
        minutes_pending=list(meetings.minutes_to_approve(actor=actor, body_ids=body_ids)),
        overdue_by_agency=[
            AgencyActions(agency=agency, actions=list(rows))
            for agency, rows in itertools.groupby(overdue, key=lambda action: action.owner_agency)
        ],
        overdue_actions=overdue,
        stages=_stages(agreements.agreements_by_stage(actor=actor, body_ids=body_ids)),
        overdue_steps=list(agreements.overdue_steps(actor=actor).filter(agreement__body_id__in=body_ids)),
        timeline=milestone_timeline(milestones, today=timezone.localdate()),
    )


def _stages(rows) -> list[Stage]:
    labels = dict(Agreement.Status.choices)
    return [
        Stage(status=status, label=str(labels[status]), agreements=list(group))
        for status, group in itertools.groupby(rows, key=lambda agreement: agreement.status)
    ]
