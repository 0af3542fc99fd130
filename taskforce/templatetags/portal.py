"""Template helpers shared by every app."""

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def colon(label) -> str:
    """A label followed by a colon as the reader's language writes it ("Date :" in French, "Date:" in English)."""
    return f"{label} :" if (get_language() or "").startswith("fr") else f"{label}:"


def _reader_language() -> str:
    return "fr" if (get_language() or "").startswith("fr") else "en"


def bilingual_texts(obj, field: str) -> dict[str, str]:
    """The English and French text of a bilingual field: `<field>_en`/`<field>_fr`, or `<field>`/`<field>_fr`
    where the English one kept its plain name (an agenda item's `description`)."""
    english = getattr(obj, f"{field}_en", None)
    if english is None:
        english = getattr(obj, field, "")
    return {"en": english or "", "fr": getattr(obj, f"{field}_fr", "") or ""}


def _shown(texts: dict[str, str]) -> tuple[str, bool]:
    """The language a bilingual text is shown in, and whether that is the other one, pending translation."""
    reader = _reader_language()
    other = "en" if reader == "fr" else "fr"
    if texts[reader] or not texts[other]:
        return reader, False
    return other, True


def _render(obj, field: str, lines: bool) -> SafeString:
    texts = bilingual_texts(obj, field)
    language, pending = _shown(texts)

    def shown(text: str) -> SafeString:
        return linebreaksbr(text, autoescape=True) if lines else conditional_escape(text)

    if not pending:
        return shown(texts[language])
    # Shown in the other language, marked so: the `lang` lets screen readers pronounce it, the words say why.
    return format_html(
        '<span lang="{}">{}</span> <span class="portal-pending">{}</span>',
        language,
        shown(texts[language]),
        _("(translation pending)"),
    )


def bilingual_plain(obj, field: str) -> str:
    """A bilingual field as plain text (a calendar feed's description), as `bilingual` shows it: the reader's
    language, or the other language's text followed by the "translation pending" mark."""
    texts = bilingual_texts(obj, field)
    language, pending = _shown(texts)
    return f"{texts[language]} {_('(translation pending)')}" if pending else texts[language]


@register.filter
def bilingual(obj, field: str = "title") -> SafeString:
    """A shared bilingual field (`title`, `name`, ...) in the reader's language; when that language is empty,
    the other language's text in its own `lang`, with a visible "translation pending" mark."""
    return _render(obj, field, lines=False)


@register.filter
def bilingual_lines(obj, field: str = "description") -> SafeString:
    """`bilingual` for multi-line text (descriptions): line breaks kept."""
    return _render(obj, field, lines=True)


# North American time zone abbreviations as French-speaking Canada writes them (Bureau de la traduction): heure
# normale / avancée de l'Est, du Centre, des Rocheuses, du Pacifique, de l'Atlantique, de Terre-Neuve, de l'Alaska.
FRENCH_ZONE_ABBREVIATIONS = {
    "EST": "HNE", "EDT": "HAE", "CST": "HNC", "CDT": "HAC", "MST": "HNR", "MDT": "HAR", "PST": "HNP", "PDT": "HAP",
    "AST": "HNA", "ADT": "HAA", "NST": "HNT", "NDT": "HAT", "AKST": "HNAK", "AKDT": "HAAK", "HST": "HNH",
}


def zone_abbreviation(moment) -> str:
    """The abbreviation of the active time zone at `moment` ("EST"), in the reader's language ("HNE" in French);
    a zone without a French abbreviation keeps its own ("UTC", "CET")."""
    abbreviation = timezone.localtime(moment).tzname() or ""
    if _reader_language() == "fr":
        return FRENCH_ZONE_ABBREVIATIONS.get(abbreviation, abbreviation)
    return abbreviation


@register.filter
def zone_abbr(moment) -> str:
    """`{{ meeting.start|zone_abbr }}`: the active zone's abbreviation at that moment, as the reader writes it."""
    return zone_abbreviation(moment) if moment else ""
