from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaskforceConfig(AppConfig):
    name = "taskforce"
    verbose_name = _("Task force")

    def ready(self) -> None:
        from . import permissions
        from .models import AgencyRole, Body, Membership, Milestone

        permissions.register(Body, permissions.Policy(body="pk", restricted=None))
        permissions.register(AgencyRole, permissions.Policy(body="body", restricted=None))
        permissions.register(Membership, permissions.Policy(body="body", restricted=None))
        permissions.register(Milestone, permissions.Policy(body="body"))

        from . import deadlines, notifications

        notifications.register_reminder(deadlines.MILESTONE_KIND, deadlines.MilestoneReminder())

        from . import schedule

        schedule.register("milestone", schedule.milestone_entries)
        schedule.record_removals_of(Milestone, "milestone")

        from django.contrib.auth.signals import user_logged_in

        from .context_processors import remember_secretariat

        user_logged_in.connect(remember_secretariat, dispatch_uid="taskforce.remember_secretariat")
