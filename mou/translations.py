"""Agreements and their approval steps still missing a language, for the core's "needs translation" page."""

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from members.models import User
from taskforce import permissions
from taskforce.translations import Untranslated, admin_or, lacking, row

from .models import Agreement, WorkflowStep


def agreements(actor: User, bodies: set[int]) -> Iterable[Untranslated]:
    found = Agreement.objects.filter(body_id__in=bodies).filter(lacking("title")).select_related("body")
    for agreement in permissions.scope(actor, found):
        yield row(
            kind=_("Agreement"), body=agreement.body.acronym, obj=agreement, fields=("title",),
            url=admin_or(actor, agreement, reverse("agreement-detail", args=[agreement.pk])),
        )


def steps(actor: User, bodies: set[int]) -> Iterable[Untranslated]:
    found = (
        WorkflowStep.objects.filter(agreement__body_id__in=bodies)
        .filter(lacking("title"))
        .select_related("agreement__body")
    )
    for step in permissions.scope(actor, found).order_by("agreement_id", "position"):
        agreement = step.agreement
        yield row(
            kind=_("Approval step"), body=agreement.body.acronym, obj=step, fields=("title",),
            prefix=f"{agreement.short_name}: ",
            url=reverse("agreement-detail", args=[agreement.pk]) + f"#step-{step.pk}",
        )
