"""Where the secretariat gives an agreement or an approval step its missing language (the core's "needs
translation" page finds what is missing from the models themselves)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from taskforce import translations

from .models import Agreement, WorkflowStep


def register() -> None:
    translations.register(
        Agreement, kind=_("Agreement"),
        link=lambda actor, agreement: translations.admin_or(
            actor, agreement, reverse("agreement-detail", args=[agreement.pk])
        ),
    )
    translations.register(
        WorkflowStep, kind=_("Approval step"), prefix=lambda step: f"{step.agreement.short_name}: ",
        link=lambda actor, step: reverse("agreement-detail", args=[step.agreement_id]) + f"#step-{step.pk}",
    )
