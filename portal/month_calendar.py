"""The calendar page: a month of the reader's merged schedule, as a grid of weeks or as a list.

It reads the same registry as the API's `/schedule/` and the calendar feeds (taskforce/schedule.py), so it
shows exactly what the reader may see there, and nothing more: no query of its own.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.translation import pgettext_lazy

from members.models import User
from taskforce import schedule

KIND_LABELS = {
    "meeting": pgettext_lazy("calendar entry", "Meeting"),
    "milestone": pgettext_lazy("calendar entry", "Milestone"),
    "approval_step": pgettext_lazy("calendar entry", "Approval step"),
    "action_item": pgettext_lazy("calendar entry", "Action item"),
}


@dataclass
class Item:
    """One schedule entry as the page shows it, on the reader's own dates."""

    entry: schedule.Entry
    day: datetime.date
    last_day: datetime.date
    time: datetime.datetime | None
    path: str
    body: str  # the body's acronym as the reader knows it (the entry's is the English one, its key)

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.entry.kind])

    @property
    def is_window(self) -> bool:
        return self.last_day > self.day

    @property
    def is_cancelled(self) -> bool:
        return self.entry.status == schedule.CANCELLED

    @property
    def is_done(self) -> bool:
        return self.entry.status == schedule.DONE


@dataclass
class Day:
    day: datetime.date
    in_month: bool
    is_today: bool
    items: list[Item] = field(default_factory=list)


@dataclass
class Month:
    first: datetime.date
    previous: datetime.date
    next: datetime.date
    weekdays: list[datetime.date]
    weeks: list[list[Day]]
    windows: list[Item]
    items: list[Item]


def parse_month(value: str | None, *, today: datetime.date) -> datetime.date:
    """The first day of the month named `YYYY-MM`; this month when the value is missing or wrong."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return datetime.date(year, month, 1) if 1900 <= year <= 2200 else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


def _next_month(first: datetime.date) -> datetime.date:
    return (first + datetime.timedelta(days=32)).replace(day=1)


def _item(entry: schedule.Entry, acronyms: dict[str, str]) -> Item:
    # The links are stored absolute (as in the feeds); on the page, the portal's own path is enough.
    parts = urlsplit(entry.url)
    path = parts.path + (f"#{parts.fragment}" if parts.fragment else "")
    body = acronyms.get(entry.body, entry.body)
    if isinstance(entry.start, datetime.datetime):
        start = timezone.localtime(entry.start)
        return Item(entry=entry, day=start.date(), last_day=timezone.localtime(entry.end).date(), time=start, path=path,
                    body=body)
    # An all-day entry ends on the day after its last one (as in iCalendar).
    last_day = entry.end - datetime.timedelta(days=1) if entry.end else entry.start
    return Item(entry=entry, day=entry.start, last_day=max(last_day, entry.start), time=None, path=path, body=body)


def month_calendar(
    actor: User,
    *,
    first: datetime.date,
    first_weekday: int,
    bodies: frozenset[int] | None = None,
    kinds: frozenset[str] = frozenset(schedule.KINDS),
    acronyms: dict[str, str] | None = None,
) -> Month:
    """The month starting on `first`, its grid's weeks starting on `first_weekday` (0 Sunday, 1 Monday).
    `acronyms`: each body's acronym as the reader knows it, by its English one (the page has the bodies already)."""
    following = _next_month(first)
    grid_start = first - datetime.timedelta(days=(first.isoweekday() - first_weekday) % 7)
    grid_end = following + datetime.timedelta(days=(first_weekday - following.isoweekday()) % 7)
    query = schedule.Query(
        start=grid_start, end=grid_end - datetime.timedelta(days=1), bodies=bodies, kinds=kinds
    )
    items = [_item(entry, acronyms or {}) for entry in schedule.entries(actor, query)]
    today = timezone.localdate()
    days = [
        Day(day=day, in_month=day.month == first.month, is_today=day == today)
        for day in (grid_start + datetime.timedelta(days=n) for n in range((grid_end - grid_start).days))
    ]
    by_day = {day.day: day for day in days}
    for item in items:
        if not item.is_window and item.day in by_day:
            by_day[item.day].items.append(item)
    return Month(
        first=first,
        previous=(first - datetime.timedelta(days=1)).replace(day=1),
        next=following,
        weekdays=[day.day for day in days[:7]],
        weeks=[days[n:n + 7] for n in range(0, len(days), 7)],
        windows=[item for item in items if item.is_window and item.day < following and item.last_day >= first],
        items=[item for item in items if item.day < following and item.last_day >= first],
    )
