from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MouConfig(AppConfig):
    name = "mou"
    verbose_name = _("Agreements")

    def ready(self) -> None:
        from taskforce import demo, permissions
        from taskforce.permissions import Policy

        from . import models as m
        from .demo import load_agreements

        permissions.register(m.Agreement, Policy(body="body", classification="classification"))
        permissions.register(
            m.AgreementVersion,
            Policy(body="agreement__body", restricted=None, parents=("agreement",), classification="classification"),
        )
        permissions.register(
            m.VersionComment, Policy(body="version__agreement__body", restricted=None, parents=("version",))
        )
        permissions.register(m.WorkflowStep, Policy(body="agreement__body", restricted=None, parents=("agreement",)))
        permissions.register(m.StepAction, Policy(body="step__agreement__body", restricted=None, parents=("step",)))
        permissions.register(m.StatusChange, Policy(body="agreement__body", restricted=None, parents=("agreement",)))
        permissions.register(m.Signature, Policy(body="agreement__body", restricted=None, parents=("agreement",)))
        demo.register(load_agreements, order=20)

        from notifications.engine import register_reminder

        from .notifications import STEP_DUE, ApprovalStepReminder

        register_reminder(STEP_DUE, ApprovalStepReminder())

        from taskforce import api_routes

        from . import api

        api_routes.register_viewset("agreements", api.AgreementViewSet, basename="agreement")
        api_routes.register_viewset(
            r"agreements/(?P<agreement_pk>[^/]+)/versions", api.AgreementVersionViewSet, basename="agreement-version"
        )
        api_routes.register_viewset(
            r"agreements/(?P<agreement_pk>[^/]+)/steps", api.WorkflowStepViewSet, basename="agreement-step"
        )
        api_routes.register_path("sharing/", api.SharingView.as_view(), name="api-sharing")

        from taskforce import schedule as core

        from .schedule import approval_step_entries, approval_step_rows

        core.register("approval_step", approval_step_entries, approval_step_rows)
        core.record_removals_of(m.WorkflowStep, "approval_step")

        from . import translations as untranslated

        untranslated.register()
