from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from taskforce import demo
        from taskforce.models import Milestone

        from . import deadlines, engine, tasks  # noqa: F401 (tasks: registers the Celery tasks the engine queues by name)

        engine.register_reminder(deadlines.MILESTONE_KIND, deadlines.MilestoneReminder())
        # A milestone's reminders follow it, in the transaction that saves it.
        post_save.connect(_milestone_saved, sender=Milestone, dispatch_uid="notifications.milestone_saved")
        demo.on_restamp(engine.mark_sent_between)


def _milestone_saved(sender, instance, raw: bool = False, **kwargs) -> None:
    if raw:  # a fixture being loaded: the rows as they are, nothing derived
        return
    from . import deadlines

    deadlines.milestone_reminders_replace(instance)
