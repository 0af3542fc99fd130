"""The API's JSON parser: DRF's, bounded in how deeply a body may nest, refusing text that holds a NUL."""

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

# No write takes more than a few levels (minutes keyed by item id are two); the bound leaves room and keeps every
# later walk over the data (validation, audit, rendering an error) far from Python's recursion limit.
MAX_DEPTH = 32


def shape(value: object) -> tuple[int, bool]:
    """How many arrays and objects deep `value` nests, and whether any text in it (keys too) holds a NUL, which
    PostgreSQL refuses in text; found without recursion."""
    deepest, nul, pending = 0, False, [(value, 1)]
    while pending:
        value, level = pending.pop()
        if isinstance(value, str):
            nul = nul or "\x00" in value
        elif isinstance(value, dict | list):
            deepest = max(deepest, level)
            children = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            pending.extend((child, level + 1) for child in children)
    return deepest, nul


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            deepest, nul = shape(data)
        except RecursionError:
            deepest, nul = MAX_DEPTH + 1, False
        if deepest > MAX_DEPTH:
            raise exceptions.ParseError(_("The body nests more than %(depth)s levels deep.") % {"depth": MAX_DEPTH})
        if nul:
            # As taskforce.middleware.ControlCharactersMiddleware answers for a query or a form.
            raise exceptions.ParseError(_("The request holds a NUL character, which nothing here accepts."))
        return data
