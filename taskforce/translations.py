"""What still needs translating: the shared texts of the secretariat's bodies that have one official language
but not the other.

The core cannot import the features, so each feature registers a source (in its AppConfig.ready): a function
that lists, in one query scoped to the actor, its objects of the given bodies with a text missing in one
language. The list page's query count therefore does not grow with the number of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Model, Q
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from members.models import User

from . import permissions
from .models import Body, Milestone


@dataclass(frozen=True)
class Untranslated:
    kind: str
    body: str
    text: str  # what the object says, in whichever language it has
    lang: str  # the language of `text`
    missing: tuple[str, ...]  # e.g. ("title (French)",)
    url: str  # where the secretariat fills it in


def row(*, kind: str, body: str, obj: Model, fields: tuple[str, ...], url: str, prefix: str = "") -> Untranslated:
    english, french = FIELDS[fields[0]][:2]
    text, lang = (getattr(obj, english), "en") if getattr(obj, english) else (getattr(obj, french), "fr")
    return Untranslated(
        kind=kind, body=body, text=prefix + text, lang=lang, missing=missing(obj, *fields), url=url
    )


Source = Callable[[User, set[int]], Iterable[Untranslated]]
_sources: list[Source] = []

# A bilingual text: its English and French attributes, and how to name each when it is the missing one.
FIELDS = {
    "title": ("title_en", "title_fr", _("title (English)"), _("title (French)")),
    "name": ("name_en", "name_fr", _("name (English)"), _("name (French)")),
    "mandate": ("mandate_en", "mandate_fr", _("mandate (English)"), _("mandate (French)")),
    "description": ("description", "description_fr", _("description (English)"), _("description (French)")),
}


def register(source: Source) -> None:
    _sources.append(source)


def lacking(*fields: str) -> Q:
    """Rows where one of these texts is filled in one language and empty in the other (a title is required,
    so an empty one counts even when the other language is empty too)."""
    condition = Q()
    for field in fields:
        english, french = FIELDS[field][:2]
        if field in ("title", "name"):
            condition |= Q(**{english: ""}) | Q(**{french: ""})
        else:
            condition |= Q(**{english: ""}) & ~Q(**{french: ""}) | Q(**{french: ""}) & ~Q(**{english: ""})
    return condition


def missing(obj: Model, *fields: str) -> tuple[str, ...]:
    labels = []
    for field in fields:
        english, french, english_label, french_label = FIELDS[field]
        has_english, has_french = bool(getattr(obj, english)), bool(getattr(obj, french))
        required = field in ("title", "name")
        if not has_english and (has_french or required):
            labels.append(str(english_label))
        if not has_french and (has_english or required):
            labels.append(str(french_label))
    return tuple(labels)


def admin_or(actor: User, obj: Model, fallback: str) -> str:
    """The admin's change page for staff, who can edit there; the object's own page for everyone else."""
    if actor.is_staff:
        try:
            return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        except NoReverseMatch:
            pass
    return fallback


def untranslated(*, actor: User) -> list[Untranslated]:
    """Everything of the actor's secretariat bodies still missing a language; nobody else has this page (404)."""
    bodies = set(Body.objects.values_list("pk", flat=True)) if actor.is_superuser else set()
    bodies = bodies or permissions.secretariat_body_ids(actor)
    if not bodies:
        raise Http404()
    return [row for source in _sources for row in source(actor, bodies)]


def _bodies(actor: User, bodies: set[int]) -> Iterable[Untranslated]:
    for body in permissions.scope(actor, Body.objects.filter(pk__in=bodies).filter(lacking("name", "mandate"))):
        yield row(
            kind=str(_("Body")), body=body.acronym, obj=body, fields=("name", "mandate"),
            url=admin_or(actor, body, reverse("body-detail", args=[body.acronym])),
        )


def _milestones(actor: User, bodies: set[int]) -> Iterable[Untranslated]:
    milestones = Milestone.objects.filter(body_id__in=bodies).filter(lacking("title")).select_related("body")
    for milestone in permissions.scope(actor, milestones):
        yield row(
            kind=str(_("Milestone")), body=milestone.body.acronym, obj=milestone, fields=("title",),
            url=admin_or(actor, milestone, reverse("milestone-detail", args=[milestone.pk])),
        )


register(_bodies)
register(_milestones)
