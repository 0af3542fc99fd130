"""Dates as a reader sees them. French writes the first day of a month as an ordinal, "1er décembre 2021",
"1er février 2022 à 10 h 00" (Canada.ca style), and every other day as a number, "10 décembre 2021"; Django's
date formats have no ordinal for French, so every date the portal writes in words goes through here: Python
code calls `date_format`, and templates' `date` filter is this module's (taskforce/templatetags/dates.py,
installed as a builtin over Django's own). A date printed bare, `{{ day }}`, is localised by Django past this
module, so no template prints one: each names its format."""

import datetime

from django.utils import formats, translation
from django.utils.dateformat import re_formatchars

# Specifiers that write the month in words ("décembre", "déc."); a number alone ("1" in a calendar's grid) or a
# numeric month ("1/12") takes no ordinal.
MONTH_IN_WORDS = frozenset("bEFMN")


def date_format(value: datetime.date, format: str | None = None) -> str:
    """Django's `formats.date_format`, with French's "1er" for the first of a month."""
    return formats.date_format(value, reader_format(value, format))


def reader_format(value: object, format: str | None = None) -> str:
    """The format a named or literal date format stands for in the active language, for this value: in French,
    on the first of a month, its day followed by "er" when the format also writes the month in words."""
    format = formats.get_format(format or "DATE_FORMAT")
    if getattr(value, "day", None) != 1 or not (translation.get_language() or "").startswith("fr"):
        return format
    # Split as Django splits a format: odd pieces are specifiers, even ones literal text.
    pieces = re_formatchars.split(format)
    if "j" not in pieces[1::2] or not MONTH_IN_WORDS.intersection(pieces[1::2]):
        return format
    return "".join(r"j\e\r" if index % 2 and piece == "j" else piece for index, piece in enumerate(pieces))
