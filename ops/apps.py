from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations: the health probes, backups and restore, the deployment check, the embedded database and the
    development server of `make run`, and the migrate step that holds a lock. It may import every layer; nothing
    imports it (the settings and the URLs name it by string)."""

    name = "ops"
    verbose_name = _("Operations")
