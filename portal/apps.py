from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The composition layer: the pages that bring several features together (home, calendar, timeline, reports,
    exports, search). The only package that imports both meetings and agreements; nothing imports it but the URLs."""

    name = "portal"
    verbose_name = _("Portal")
