"""Reminders of approval steps coming due: before the target date, on the day, and weekly once overdue,
to the step's owner agency members and the secretariat who may see the agreement."""

import datetime

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from members.models import User
from notifications import deadlines, engine
from notifications.models import Reminder
from taskforce.addresses import absolute_url
from taskforce.dates import date_format

from .models import WorkflowStep

STEP_DUE = "approval_step.due"


def step_topic(step: WorkflowStep) -> str:
    return f"mou.workflowstep:{step.pk}"


def step_reminders_replace(step: WorkflowStep) -> None:
    if step.is_complete or step.target_date is None:
        engine.reminders_drop(topic=step_topic(step))
        return
    engine.reminders_replace(
        kind=STEP_DUE, topic=step_topic(step), occurrence=step.target_date.isoformat(),
        due=deadlines.schedule(step.target_date),
    )


class ApprovalStepReminder(deadlines.DeadlineReminder):
    model = WorkflowStep
    related = ("agreement__body", "owner_agency")

    def is_open(self, step: WorkflowStep) -> bool:
        return not step.is_complete

    def due_date(self, step: WorkflowStep) -> datetime.date | None:
        return step.target_date

    def audiences(self, steps: list[WorkflowStep]) -> dict[int, list[User]]:
        return deadlines.owner_audiences(steps, lambda s: (s.agreement.body_id, s.owner_agency_id))

    def render(self, reminder: Reminder, recipient: User) -> engine.Message:
        step = self.record(reminder)
        url = absolute_url(reverse("agreement-detail", args=[step.agreement_id]))
        subject = _("Approval step %(when)s: %(step)s (%(agreement)s)") % {
            "when": deadlines.when_phrase(reminder, step.target_date), "step": step.title,
            "agreement": step.agreement.local_short_name,
        }
        text = render_to_string("emails/deadline.txt", {
            "recipient": recipient, "subject": subject, "title": f"{step.agreement.title} — {step.title}",
            "body": step.agreement.body, "owner": step.owner_agency,
            "due": step.target_words or date_format(step.target_date, "DATE_FORMAT"), "url": url,
        })
        return engine.Message(subject=subject, text=text, url=url)
