"""Approval-step deadlines in the merged schedule (registered with the core in MouConfig.ready)."""

import datetime

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import CharField, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.urls import reverse

from members.models import User
from notifications.models import NotificationKind
from taskforce import ical, permissions
from taskforce import schedule as core
from taskforce.addresses import absolute_url
from taskforce.schedule import DEADLINE_DAYS_BEFORE

from .models import WorkflowStep


def approval_step_rows(actor: User, query: core.Query) -> tuple[QuerySet, dict]:
    rows = permissions.scope(actor, WorkflowStep.objects.filter(target_date__isnull=False))
    # The secretariat follows every step of its bodies; a member, the steps their agency owns or concurs in.
    rows = rows.filter(
        permissions.in_secretariat_bodies(actor, "agreement__body")
        | Q(owner_agency_id=actor.agency_id)
        | Q(concurring_agencies=actor.agency_id)
    ).distinct()
    rows = rows.filter(core.overlaps(query, "target_date", "target_date"))
    if query.bodies is not None:
        rows = rows.filter(agreement__body_id__in=query.bodies)
    if query.agency is not None:
        rows = rows.filter(Q(owner_agency=query.agency) | Q(concurring_agencies=query.agency)).distinct()
    if query.updated_since is not None:
        rows = rows.filter(Q(updated_at__gt=query.updated_since) | Q(agreement__updated_at__gt=query.updated_since))
    if query.public_only:
        rows = rows.filter(agreement__restricted=False)
    # An entry shows its agreement's title and the agencies concurring in the step.
    return rows, {
        "agreement_updated_at": F("agreement__updated_at"),
        "concurring": Subquery(
            WorkflowStep.concurring_agencies.through.objects.filter(workflowstep_id=OuterRef("pk"))
            .order_by().values("workflowstep_id")
            .annotate(ids=StringAgg(Cast("agency_id", CharField()), ",", order_by="agency_id")).values("ids")
        ),
    }


def approval_step_entries(actor: User, query: core.Query, rows: QuerySet | None = None) -> list[core.Entry]:
    rows = approval_step_rows(actor, query)[0] if rows is None else rows
    rows = rows.select_related("agreement__body", "owner_agency").prefetch_related("concurring_agencies")
    return [
        core.Entry(
            kind="approval_step", id=step.pk, uid=ical.uid("approval_step", step.pk),
            title=f"{step.agreement.title}: {step.title}", body=step.agreement.body.acronym,
            start=step.target_date, end=step.target_date + datetime.timedelta(days=1), all_day=True,
            status=core.DONE if step.is_complete else core.SCHEDULED,
            updated_at=max(step.updated_at, step.agreement.updated_at),
            agencies=[step.owner_agency.acronym, *(agency.acronym for agency in step.concurring_agencies.all())],
            url=absolute_url(reverse("agreement-detail", args=[step.agreement_id])),
            alarm_kind=NotificationKind.DEADLINE, alarm_minutes=[n * 24 * 60 for n in DEADLINE_DAYS_BEFORE],
            alarm_related_end=True,
        )
        for step in rows
    ]
