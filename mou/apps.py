from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MouConfig(AppConfig):
    name = "mou"
    verbose_name = _("Agreements")
