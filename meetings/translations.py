"""Meetings and agenda items still missing a language, for the core's "needs translation" page."""

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from members.models import User
from taskforce import permissions
from taskforce.translations import Untranslated, lacking, row

from .models import AgendaItem, Meeting


def meetings(actor: User, bodies: set[int]) -> Iterable[Untranslated]:
    found = Meeting.objects.filter(body_id__in=bodies).filter(lacking("title")).select_related("body")
    for meeting in permissions.scope(actor, found).order_by("start"):
        yield row(
            kind=_("Meeting"), body=meeting.body.acronym, obj=meeting, fields=("title",),
            url=reverse("meeting-edit", args=[meeting.pk]),
        )


def agenda_items(actor: User, bodies: set[int]) -> Iterable[Untranslated]:
    found = (
        AgendaItem.objects.filter(meeting__body_id__in=bodies, withdrawn=False)
        .filter(lacking("title", "description"))
        .select_related("meeting__body")
    )
    for item in permissions.scope(actor, found).order_by("meeting__start", "position"):
        yield row(
            kind=_("Agenda item"), body=item.meeting.body.acronym, obj=item, fields=("title", "description"),
            url=reverse("agenda-item-edit", args=[item.pk]),
        )
