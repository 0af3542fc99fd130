"""Template helpers shared by every app."""

from django import template
from django.template.defaultfilters import linebreaksbr
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


def _render(obj, field: str, lines: bool) -> SafeString:
    texts = bilingual_texts(obj, field)
    reader = _reader_language()
    other = "en" if reader == "fr" else "fr"

    def shown(text: str) -> SafeString:
        return linebreaksbr(text, autoescape=True) if lines else conditional_escape(text)

    if texts[reader] or not texts[other]:
        return shown(texts[reader])
    # Shown in the other language, marked so: the `lang` lets screen readers pronounce it, the words say why.
    return format_html(
        '<span lang="{}">{}</span> <span class="portal-pending">{}</span>',
        other,
        shown(texts[other]),
        _("(translation pending)"),
    )


@register.filter
def bilingual(obj, field: str = "title") -> SafeString:
    """A shared bilingual field (`title`, `name`, ...) in the reader's language; when that language is empty,
    the other language's text in its own `lang`, with a visible "translation pending" mark."""
    return _render(obj, field, lines=False)


@register.filter
def bilingual_lines(obj, field: str = "description") -> SafeString:
    """`bilingual` for multi-line text (descriptions): line breaks kept."""
    return _render(obj, field, lines=True)
