"""Where the secretariat gives a meeting or an agenda item its missing language (the core's "needs translation"
page finds what is missing from the models themselves)."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from taskforce import translations

from .models import AgendaItem, Meeting, StandingItem


def register() -> None:
    translations.register(Meeting, kind=_("Meeting"), link=lambda actor, m: reverse("meeting-edit", args=[m.pk]))
    translations.register(
        AgendaItem, kind=_("Agenda item"), only=Q(withdrawn=False),
        link=lambda actor, item: reverse("agenda-item-edit", args=[item.pk]),
    )
    translations.register(
        StandingItem, kind=_("Standing item"),
        link=lambda actor, item: reverse("agenda-template", args=[item.template.body.acronym]),
    )
