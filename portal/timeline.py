"""Milestones drawn as windows on a time axis: a due window ("Spring 2022") is a bar from its first day to its
last, a single due date a short mark. The page draws it with SVG attributes (no inline style, for the Content
Security Policy) and says the same in words beside each bar, for those who do not see it."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from taskforce.models import Milestone

# The narrowest bar, in percent of the axis, so that a one-day milestone stays visible.
MIN_WIDTH = 0.8


@dataclass(frozen=True)
class Bar:
    milestone: Milestone
    x: str
    width: str
    overdue: bool
    finished: bool


@dataclass(frozen=True)
class Tick:
    x: str
    day: datetime.date
    yearly: bool
    # Labels near the right edge end at their mark, so that none is cut off.
    anchor: str


@dataclass(frozen=True)
class Timeline:
    start: datetime.date | None
    end: datetime.date | None
    bars: list[Bar]
    ticks: list[Tick]
    today_x: str | None


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _percent(value: float) -> str:
    return f"{value:.2f}%"


def _ticks(start: datetime.date, end: datetime.date, place) -> list[Tick]:
    """Marks far enough apart for their labels to fit a phone's width: months, quarters, half-years or years."""
    months = (end.year - start.year) * 12 + end.month - start.month
    step = 1 if months <= 4 else 3 if months <= 12 else 6 if months <= 24 else 12
    day = start
    while (day.month - 1) % step:
        day = _add_months(day, 1)
    ticks = []
    while day < end:
        x = place(day)
        ticks.append(Tick(x=_percent(x), day=day, yearly=step == 12, anchor="end" if x > 80 else "start"))
        day = _add_months(day, step)
    return ticks


def milestone_timeline(milestones: Sequence[Milestone], *, today: datetime.date) -> Timeline:
    if not milestones:
        return Timeline(start=None, end=None, bars=[], ticks=[], today_x=None)
    start = _month_start(min(m.due_start for m in milestones))
    end = _add_months(_month_start(max(m.due_end for m in milestones)), 1)
    span = (end - start).days

    def place(day: datetime.date) -> float:
        return (day - start).days / span * 100

    finished = (Milestone.Status.DONE, Milestone.Status.CANCELLED)
    bars = []
    for m in milestones:
        left = place(m.due_start)
        width = max(place(m.due_end + datetime.timedelta(days=1)) - left, MIN_WIDTH)
        bars.append(Bar(
            milestone=m, x=_percent(min(left, 100 - width)), width=_percent(width),
            overdue=m.is_overdue, finished=m.status in finished,
        ))
    return Timeline(
        start=start, end=end, bars=bars, ticks=_ticks(start, end, place),
        today_x=_percent(place(today)) if start <= today < end else None,
    )
