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

        from . import api, api_routes

        api_routes.register_viewset("bodies", api.BodyViewSet, basename="body")
        api_routes.register_viewset("agencies", api.AgencyViewSet, basename="agency")
        api_routes.register_viewset("members", api.MemberViewSet, basename="member")
        api_routes.register_viewset("milestones", api.MilestoneViewSet, basename="milestone")

        from . import schedule

        schedule.register("milestone", schedule.milestone_entries, schedule.milestone_rows)
        schedule.record_removals_of(Milestone, "milestone")

        from django.contrib.auth.signals import user_logged_in

        from .context_processors import remember_secretariat

        user_logged_in.connect(remember_secretariat, dispatch_uid="taskforce.remember_secretariat")

        self._connect_audit_trail()

        from .validators import keep_text_fields_on_one_line

        keep_text_fields_on_one_line()

    def _connect_audit_trail(self) -> None:
        from django.contrib.auth import signals as auth
        from django.db import connections
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from . import audit

        connection_created.connect(audit.watch_writes, dispatch_uid="taskforce.audit.watch_writes")
        for connection in connections.all(initialized_only=True):
            audit.watch_writes(sender=None, connection=connection)
        post_migrate.connect(_install_audit_trail, sender=self, dispatch_uid="taskforce.audit_trail.install")
        post_migrate.connect(_fill_visibility_index, sender=self, dispatch_uid="taskforce.visibility.fill")
        auth.user_logged_in.connect(audit.signed_in, dispatch_uid="taskforce.audit.signed_in")
        auth.user_login_failed.connect(audit.sign_in_failed, dispatch_uid="taskforce.audit.sign_in_failed")
        auth.user_logged_out.connect(audit.signed_out, dispatch_uid="taskforce.audit.signed_out")
        try:
            from axes.signals import user_locked_out
        except ImportError:  # sign-in lockouts are not in use
            return
        user_locked_out.connect(audit.locked_out, dispatch_uid="taskforce.audit.locked_out")


def _install_audit_trail(sender, using: str, **kwargs) -> None:
    from . import audit_trail

    audit_trail.install(using=using)


def _fill_visibility_index(sender, using: str, **kwargs) -> None:
    """The triggers that keep people's principals in step; and a database that had data before the visibility index
    existed gets its index when it is migrated."""
    from . import permissions
    from .models import Body, Reader

    permissions.install(using=using)
    if Body.objects.using(using).exists() and not Reader.objects.using(using).exists():
        permissions.rebuild()
