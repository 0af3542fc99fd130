"""The API's JSON parser: DRF's, with a bound on how deeply a body may nest."""

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

# No write takes more than a few levels (minutes keyed by item id are two); the bound leaves room and keeps every
# later walk over the data (validation, audit, rendering an error) far from Python's recursion limit.
MAX_DEPTH = 32


def depth(value: object) -> int:
    """How many arrays and objects deep `value` nests, counted without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        value, level = pending.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is not None:
            deepest = max(deepest, level)
            pending.extend((child, level + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            if depth(data) <= MAX_DEPTH:
                return data
        except RecursionError:
            pass
        raise exceptions.ParseError(_("The body nests more than %(depth)s levels deep.") % {"depth": MAX_DEPTH})
