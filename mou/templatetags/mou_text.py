"""Filters for agreement texts."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def announced(html: SafeString) -> SafeString:
    """A redline (mou.redline) whose insertions and deletions are also said in words, for screen readers,
    not shown by styling alone. The redline's texts are escaped, so its tags are the only ones it holds."""
    hidden = '<span class="sr-only">{}</span>'
    return mark_safe(
        str(html)
        .replace('<ins class="redline-ins">', format_html('<ins class="redline-ins">' + hidden, _("[inserted:] ")))
        .replace("</ins>", format_html(hidden + "</ins>", _(" [end of insertion]")))
        .replace('<del class="redline-del">', format_html('<del class="redline-del">' + hidden, _("[deleted:] ")))
        .replace("</del>", format_html(hidden + "</del>", _(" [end of deletion]")))
    )
