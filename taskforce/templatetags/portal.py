"""Template helpers shared by every app."""

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def colon(label) -> str:
    """A label followed by a colon as the reader's language writes it ("Date :" in French, "Date:" in English)."""
    return f"{label} :" if (get_language() or "").startswith("fr") else f"{label}:"
