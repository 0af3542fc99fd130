"""Where the secretariat gives an agreement or an approval step its missing language (the core's "needs
translation" page finds what is missing from the models themselves)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from taskforce import translations
from taskforce.templatetags.portal import colon

from .models import Agreement, WorkflowStep


def register() -> None:
    translations.register(
        Agreement, kind=_("Agreement"),
        link=lambda actor, agreement: translations.admin_or(
            actor, agreement, reverse("agreement-detail", args=[agreement.pk])
        ),
    )
    translations.register(
        WorkflowStep, kind=_("Approval step"), prefix=_step_prefix,
        link=lambda actor, step: reverse("agreement-detail", args=[step.agreement_id]) + f"#step-{step.pk}",
    )


def _step_prefix(step: WorkflowStep) -> str:
    """"CBSA–ATF MOU: " before a step's text; "PE ASFC–ATF : " in French."""
    return f"{colon(step.agreement.local_short_name)} "
