"""Reminders of dated deadlines (milestones here; approval steps and action items in the features):
before the due date, on the day, and an overdue notice every week until done."""

import abc
import datetime
import zoneinfo
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db.models import Model, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import User
from taskforce import permissions
from taskforce.addresses import absolute_url
from taskforce.dates import date_format
from taskforce.models import Milestone
from taskforce.schedule import DEADLINE_DAYS_BEFORE

from . import engine
from .models import NotificationKind, Reminder

OVERDUE_EVERY = datetime.timedelta(days=7)
# Deadline reminders go out at this hour on their day, in the portal's home time zone.
SEND_HOUR = 9


def send_at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(SEND_HOUR), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def schedule(
    due: datetime.date, days_before: Iterable[int] = DEADLINE_DAYS_BEFORE, *, now: datetime.datetime | None = None
) -> list[engine.Due]:
    """The reminders of one deadline: N days before, on the day, and the first overdue notice; for a
    deadline already overdue, the next weekly overdue notice from now."""
    reminders = [engine.Due(f"{n}d", send_at(due - datetime.timedelta(days=n))) for n in days_before]
    reminders.append(engine.Due("0d", send_at(due)))
    first_overdue = send_at(due + datetime.timedelta(days=1))
    reminders.append(engine.Due("overdue:1", first_overdue))
    now = now or timezone.now()
    if first_overdue <= now:
        weeks_late = (now - first_overdue) // OVERDUE_EVERY + 1
        reminders.append(engine.Due(f"overdue:{weeks_late + 1}", first_overdue + weeks_late * OVERDUE_EVERY))
    return reminders


def next_overdue(reminder: Reminder, now: datetime.datetime) -> engine.Due | None:
    """After an overdue notice, the next one a week later, at the same local hour (the handler checks it
    is still not done). After a pause (beat or workers down) it is the next week still ahead, not one
    notice for each week missed."""
    if not reminder.label.startswith("overdue:"):
        return None
    count = int(reminder.label.split(":", 1)[1]) + 1
    day = reminder.due_at.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date() + OVERDUE_EVERY
    while send_at(day) <= now:
        day += OVERDUE_EVERY
        count += 1
    return engine.Due(f"overdue:{count}", send_at(day))


def when_phrase(reminder: Reminder, due: datetime.date) -> str:
    if reminder.label.startswith("overdue"):
        return _("is overdue (due %(date)s)") % {"date": date_format(due, "DATE_FORMAT")}
    if reminder.label == "0d":
        return _("is due today")
    days = int(reminder.label.rstrip("d"))
    return _("is due in %(days)s days (%(date)s)") % {"days": days, "date": date_format(due, "DATE_FORMAT")}


def owner_audience(obj, body_id: int, agency_id: int) -> list[User]:
    """Members of the owner agency in the body, and the body's secretariat, who may see `obj`."""
    secretariat = permissions.secretariat_of(body_id).values("pk")
    people = permissions.readers(obj).filter(Q(agency_id=agency_id) | Q(pk__in=secretariat))
    return list(people.select_related("agency"))


def owner_audiences(objs: list, body_and_agency: Callable[[object], tuple[int, int]]) -> dict[int, list[User]]:
    """`owner_audience()` of many objects of one model at once, by pk, in a constant number of queries;
    `body_and_agency(obj)` gives an object's body id and owner agency id."""
    if not objs:
        return {}
    owners = {obj.pk: body_and_agency(obj) for obj in objs}
    secretariat = permissions.secretariats({body_id for body_id, _ in owners.values()})
    seen = permissions.readers_of_each(type(objs[0]), owners)
    return {
        pk: [p for p in people if p.agency_id == owners[pk][1] or p.pk in secretariat[owners[pk][0]]]
        for pk, people in seen.items()
    }


# Milestones ----------------------------------------------------------------------------------------

MILESTONE_KIND = "milestone.due"


def milestone_topic(milestone: Milestone) -> str:
    return f"taskforce.milestone:{milestone.pk}"


def milestone_reminders_replace(milestone: Milestone) -> None:
    """Recompute a milestone's reminders; a window ("Spring 2022") is reminded against its end."""
    topic = milestone_topic(milestone)
    if milestone.status in (Milestone.Status.DONE, Milestone.Status.CANCELLED):
        engine.reminders_drop(topic=topic)
        return
    engine.reminders_replace(
        kind=MILESTONE_KIND, topic=topic, occurrence=milestone.due_end.isoformat(), due=schedule(milestone.due_end)
    )


class DeadlineReminder(abc.ABC):
    """The reminders of one dated record (topic `<kind>:<pk>`): before its due date, on the day, then every week while
    it is overdue, to those the subclass names; a reminder whose record is done, gone or moved to another date is no
    longer current. Subclasses say which model, when a record is open, its due date, who is told, and the message."""

    notification_kind = NotificationKind.DEADLINE
    model: type[Model]
    related: tuple[str, ...] = ()

    @abc.abstractmethod
    def is_open(self, record) -> bool:
        """Whether the record still awaits its deadline (not done, not cancelled)."""

    @abc.abstractmethod
    def due_date(self, record) -> datetime.date | None:
        """The date the record is reminded against."""

    @abc.abstractmethod
    def audiences(self, records: list) -> dict[int, list[User]]:
        """Who is told of each record, by pk, for many records at once in a constant number of queries."""

    @abc.abstractmethod
    def render(self, reminder: Reminder, recipient: User) -> engine.Message:
        """The message for one recipient, in their language (active while this runs)."""

    @staticmethod
    def _pk(reminder: Reminder) -> int:
        return int(reminder.topic.split(":", 1)[1])

    def prepare(self, reminders: list[Reminder]) -> None:
        """Read the batch's records and who is told of each at once."""
        pks = {self._pk(r) for r in reminders}
        records = {r.pk: r for r in self.model.objects.select_related(*self.related).filter(pk__in=pks)}
        people = self.audiences(list(records.values()))
        for reminder in reminders:
            reminder._record = records.get(self._pk(reminder))
            if reminder._record is not None:
                reminder._audience = people.get(reminder._record.pk, [])

    def record(self, reminder: Reminder):
        if not hasattr(reminder, "_record"):
            reminder._record = self.model.objects.select_related(*self.related).filter(pk=self._pk(reminder)).first()
        return reminder._record

    def is_current(self, reminder: Reminder) -> bool:
        record = self.record(reminder)
        if record is None or not self.is_open(record):
            return False
        due = self.due_date(record)
        return due is not None and due.isoformat() == reminder.occurrence

    def is_too_late(self, reminder: Reminder, now: datetime.datetime) -> bool:
        return False  # an overdue deadline is still worth telling, every week

    def follow_up(self, reminder: Reminder, now: datetime.datetime) -> engine.Due | None:
        return next_overdue(reminder, now)

    def recipients(self, reminder: Reminder) -> list[User]:
        if not hasattr(reminder, "_audience"):
            record = self.record(reminder)
            reminder._audience = self.audiences([record]).get(record.pk, [])
        return reminder._audience


class MilestoneReminder(DeadlineReminder):
    model = Milestone
    related = ("body", "owner_agency")

    def is_open(self, milestone: Milestone) -> bool:
        return milestone.status in (Milestone.Status.PLANNED, Milestone.Status.IN_PROGRESS)

    def due_date(self, milestone: Milestone) -> datetime.date:
        return milestone.due_end

    def audiences(self, milestones: list[Milestone]) -> dict[int, list[User]]:
        return owner_audiences(milestones, lambda m: (m.body_id, m.owner_agency_id))

    def render(self, reminder: Reminder, recipient: User) -> engine.Message:
        from django.urls import reverse

        milestone = self.record(reminder)
        url = absolute_url(reverse("milestone-detail", args=[milestone.pk]))
        subject = _("Milestone %(when)s: %(title)s") % {
            "when": when_phrase(reminder, milestone.due_end), "title": milestone.title,
        }
        text = render_to_string("emails/deadline.txt", {
            "recipient": recipient, "subject": subject, "title": milestone.title, "body": milestone.body,
            "owner": milestone.owner_agency, "due": milestone.due_label, "url": url,
            "now": timezone.now(),
        })
        return engine.Message(subject=subject, text=text, url=url)
