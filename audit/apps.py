from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from django.contrib.auth import signals as auth
        from django.db.models.signals import post_migrate

        from taskforce import permissions, signals

        from . import events
        from .models import AuditEntry
        from .permissions import scope_audit

        permissions.register_scope(AuditEntry, scope_audit)
        # The triggers of every project table, refreshed after each migrate so that a model added later is covered.
        post_migrate.connect(_install_trail, sender=self, dispatch_uid="audit.trail.install")
        # What the core tells about access, and sign-ins.
        signals.access_granted.connect(_granted, dispatch_uid="audit.granted")
        signals.access_revoked.connect(_revoked, dispatch_uid="audit.revoked")
        signals.access_refused.connect(_refused, dispatch_uid="audit.refused")
        signals.access_denied.connect(_denied, dispatch_uid="audit.denied")
        auth.user_logged_in.connect(events.signed_in, dispatch_uid="audit.signed_in")
        auth.user_login_failed.connect(events.sign_in_failed, dispatch_uid="audit.sign_in_failed")
        auth.user_logged_out.connect(events.signed_out, dispatch_uid="audit.signed_out")
        try:
            from axes.signals import user_locked_out
        except ImportError:  # sign-in lockouts are not in use
            return
        user_locked_out.connect(events.locked_out, dispatch_uid="audit.locked_out")


def _install_trail(sender, using: str, **kwargs) -> None:
    from . import trail

    trail.install(using=using)


def _granted(sender, obj, to: str, **kwargs) -> None:
    from . import events

    events.granted(obj, to=to)


def _revoked(sender, obj, to: str, **kwargs) -> None:
    from . import events

    events.revoked(obj, to=to)


def _refused(sender, actor, rows, visible, **kwargs) -> None:
    from . import events

    events.refused(actor, rows, visible=visible)


def _denied(sender, request, **kwargs) -> None:
    from . import events

    events.denied(request)
