"""Reminders of approval steps coming due: before the target date, on the day, and weekly once overdue,
to the step's owner agency members and the secretariat who may see the agreement."""

import datetime

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from members.models import User
from taskforce import deadlines, notifications
from taskforce.dates import date_format
from taskforce.models import NotificationKind, Reminder

from .models import WorkflowStep

STEP_DUE = "approval_step.due"


def step_topic(step: WorkflowStep) -> str:
    return f"mou.workflowstep:{step.pk}"


def step_reminders_replace(step: WorkflowStep) -> None:
    if step.is_complete or step.target_date is None:
        notifications.reminders_drop(topic=step_topic(step))
        return
    notifications.reminders_replace(
        kind=STEP_DUE, topic=step_topic(step), occurrence=step.target_date.isoformat(),
        due=deadlines.schedule(step.target_date),
    )


class ApprovalStepReminder:
    notification_kind = NotificationKind.DEADLINE

    def prepare(self, reminders: list[Reminder]) -> None:
        """Read the batch's steps and who is told of each at once."""
        pks = {int(r.topic.split(":", 1)[1]) for r in reminders}
        steps = {s.pk: s for s in WorkflowStep.objects.select_related(*self.related).filter(pk__in=pks)}
        people = deadlines.owner_audiences(list(steps.values()), lambda s: (s.agreement.body_id, s.owner_agency_id))
        for reminder in reminders:
            reminder._step = steps.get(int(reminder.topic.split(":", 1)[1]))
            if reminder._step is not None:
                reminder._audience = people[reminder._step.pk]

    related = ("agreement__body", "owner_agency")

    def step(self, reminder: Reminder) -> WorkflowStep | None:
        if not hasattr(reminder, "_step"):
            pk = int(reminder.topic.split(":", 1)[1])
            reminder._step = WorkflowStep.objects.select_related(*self.related).filter(pk=pk).first()
        return reminder._step

    def is_current(self, reminder: Reminder) -> bool:
        step = self.step(reminder)
        return (
            step is not None
            and not step.is_complete
            and step.target_date is not None
            and step.target_date.isoformat() == reminder.occurrence
        )

    def is_too_late(self, reminder: Reminder, now: datetime.datetime) -> bool:
        return False

    def follow_up(self, reminder: Reminder, now: datetime.datetime):
        return deadlines.next_overdue(reminder, now)

    def recipients(self, reminder: Reminder) -> list[User]:
        if hasattr(reminder, "_audience"):
            return reminder._audience
        step = self.step(reminder)
        return deadlines.owner_audience(step, step.agreement.body_id, step.owner_agency_id)

    def render(self, reminder: Reminder, recipient: User) -> notifications.Message:
        step = self.step(reminder)
        url = notifications.absolute_url(reverse("agreement-detail", args=[step.agreement_id]))
        subject = _("Approval step %(when)s: %(step)s (%(agreement)s)") % {
            "when": deadlines.when_phrase(reminder, step.target_date), "step": step.title,
            "agreement": step.agreement.local_short_name,
        }
        text = render_to_string("emails/deadline.txt", {
            "recipient": recipient, "subject": subject, "title": f"{step.agreement.title} — {step.title}",
            "body": step.agreement.body, "owner": step.owner_agency,
            "due": step.target_words or date_format(step.target_date, "DATE_FORMAT"), "url": url,
        })
        return notifications.Message(subject=subject, text=text, url=url)
