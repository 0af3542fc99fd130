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

        self._tell_the_database_who_acts()

        from .validators import keep_text_fields_on_one_line

        keep_text_fields_on_one_line()

    def _tell_the_database_who_acts(self) -> None:
        from django.db import connections
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from . import context

        # Every connection copies the acting context into its session before a write (taskforce/context.py).
        connection_created.connect(context.watch_writes, dispatch_uid="taskforce.context.watch_writes")
        for connection in connections.all(initialized_only=True):
            context.watch_writes(sender=None, connection=connection)
        post_migrate.connect(_fill_visibility_index, sender=self, dispatch_uid="taskforce.visibility.fill")


def _fill_visibility_index(sender, using: str, **kwargs) -> None:
    """The triggers that keep people's principals in step; and a database that had data before the visibility index
    existed gets its index when it is migrated."""
    from . import permissions
    from .models import Body, Reader

    permissions.install(using=using)
    if Body.objects.using(using).exists() and not Reader.objects.using(using).exists():
        permissions.rebuild()
