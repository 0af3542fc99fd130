"""The `date` filter every template uses: installed as a builtin after Django's own (TEMPLATES in
taskforce/settings/base.py), so `{{ day|date:"DATE_FORMAT" }}` writes French's "1er" without a `{% load %}`."""

from django import template
from django.template import defaultfilters

from taskforce.dates import reader_format

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    """Django's `date` filter, with French's "1er" for the first of a month."""
    return defaultfilters.date(value, reader_format(value, arg))
