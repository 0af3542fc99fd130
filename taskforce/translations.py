"""What still needs translating: the shared texts of the secretariat's bodies that have one official language
but not the other.

The list is generated from the models: every model scoped to a body (taskforce/permissions.py) whose fields come in
English and French pairs (`title_en`/`title_fr`, or `summary`/`summary_fr` where the English text kept the plain
name) is searched, one query per model, scoped to the actor; the page's query count therefore does not grow with the
number of rows. A model names the French fields that may stay empty (an agency known by the same acronym in both
languages) in `translation_optional`. Features only say where each object is edited, in their AppConfig.ready; an
object without such a link is still listed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst
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
    url: str | None  # where the secretariat fills it in (None: nowhere they can open)


@dataclass(frozen=True)
class Pair:
    """One bilingual text of a model: its English and French fields, how each is named when it is the missing one,
    and whether the English one is required (an empty required text is missing even when the French is empty too)."""

    english: str
    french: str
    english_label: str
    french_label: str
    required: bool


@dataclass(frozen=True)
class Listing:
    """What a feature says about one of its models: where an object is edited, what to call it, what to put before
    its text (the agreement of an approval step), and which rows count (not a withdrawn agenda item)."""

    link: Callable[[User, Model], str] | None = None
    kind: str | None = None
    prefix: Callable[[Model], str] | None = None
    only: Q = field(default_factory=Q)


_listings: dict[type[Model], Listing] = {}


def register(model: type[Model], **listing) -> None:
    _listings[model] = Listing(**listing)


def pairs(model: type[Model]) -> list[Pair]:
    """The model's bilingual texts, found from its field names."""
    fields = {f.name: f for f in model._meta.concrete_fields}
    found = []
    for name, french in fields.items():
        if not name.endswith("_fr") or name in getattr(model, "translation_optional", ()):
            continue
        base = name.removesuffix("_fr")
        english = fields.get(f"{base}_en") or fields.get(base)
        if english is None:
            continue
        english_label = str(english.verbose_name)
        if not english.name.endswith("_en") and english_label == str(french.verbose_name).removesuffix(" (French)"):
            english_label = str(_("%(field)s (English)") % {"field": english_label})
        found.append(Pair(english.name, name, english_label, str(french.verbose_name), not english.blank))
    return found


def bilingual_models() -> list[type[Model]]:
    """Every model of a body's records with a bilingual text, in the order the apps are installed."""
    scoped = set(permissions.registered_models())
    return [model for model in apps.get_models() if model in scoped and _body_path(model) and pairs(model)]


def _body_path(model: type[Model]) -> str | None:
    try:
        return permissions.policy_for(model).body
    except ImproperlyConfigured:  # a directory model (agencies, information categories): no one body's
        return None


def lacking(texts: list[Pair]) -> Q:
    """Rows where one of these texts is filled in one language and empty in the other, or a required one is empty."""
    condition = Q()
    for pair in texts:
        english, french = Q(**{pair.english: ""}), Q(**{pair.french: ""})
        condition |= english | french if pair.required else english & ~french | french & ~english
    return condition


def missing(obj: Model, texts: list[Pair]) -> tuple[str, ...]:
    labels = []
    for pair in texts:
        has_english, has_french = bool(getattr(obj, pair.english)), bool(getattr(obj, pair.french))
        if not has_english and (has_french or pair.required):
            labels.append(pair.english_label)
        if not has_french and (has_english or pair.required):
            labels.append(pair.french_label)
    return tuple(labels)


def admin_or(actor: User, obj: Model, fallback: str | None) -> str | None:
    """The admin's change page for staff, who can edit there; the object's own page for everyone else."""
    if actor.is_staff:
        try:
            return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        except NoReverseMatch:
            pass
    return fallback


def untranslated(*, actor: User) -> list[Untranslated]:
    """Everything of the actor's secretariat bodies still missing a language, each object only if the actor may see
    it; nobody but a secretariat has this page (404)."""
    bodies = set(Body.objects.values_list("pk", flat=True)) if actor.is_superuser else set()
    bodies = bodies or permissions.secretariat_body_ids(actor)
    if not bodies:
        raise Http404()
    return [row for model in bilingual_models() for row in _rows(actor, model, bodies)]


def _rows(actor: User, model: type[Model], bodies: set[int]) -> list[Untranslated]:
    texts, path, listing = pairs(model), _body_path(model), _listings.get(model, Listing())
    found = model.objects.filter(**{f"{path}__in": bodies}).filter(lacking(texts)).filter(listing.only)
    if path != "pk":
        found = found.select_related(path)
    rows = []
    for obj in permissions.scope(actor, found):
        body = obj if path == "pk" else functools.reduce(getattr, path.split("__"), obj)
        english, french = texts[0].english, texts[0].french
        text, lang = (getattr(obj, english), "en") if getattr(obj, english) else (getattr(obj, french), "fr")
        rows.append(Untranslated(
            kind=str(listing.kind or capfirst(model._meta.verbose_name)), body=body.local_acronym,
            text=(listing.prefix(obj) if listing.prefix else "") + text, lang=lang, missing=missing(obj, texts),
            url=listing.link(actor, obj) if listing.link else admin_or(actor, obj, None),
        ))
    return rows


register(
    Body, kind=_("Body"), link=lambda actor, body: admin_or(actor, body, reverse("body-detail", args=[body.acronym]))
)
register(
    Milestone, kind=_("Milestone"),
    link=lambda actor, milestone: admin_or(actor, milestone, reverse("milestone-detail", args=[milestone.pk])),
)
