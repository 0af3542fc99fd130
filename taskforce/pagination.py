import re

from django.core.exceptions import ValidationError as InvalidValue
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination

from . import parsing

# A cursor as the API writes it: a position in base64. Any other text names no position.
CURSOR_PATTERN = r"^[A-Za-z0-9+/]+={0,2}$"
# What a cursor whose position does not fit the ordering's field raises while its filter is built.
_UNFIT = (ValueError, TypeError, OverflowError, InvalidValue)


class CursorPagination(pagination.CursorPagination):
    """Stable, cheap pagination at any depth: page 1,000 costs what page 1 does. A page size that is not a whole
    number from 1 to `max_page_size` is refused (400), not silently replaced."""

    ordering = "pk"
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        size = parsing.whole_number(values[0], low=1, high=self.max_page_size) if len(values) == 1 else None
        if size is None:
            message = _("Give a whole number from 1 to %(max)s.") % {"max": self.max_page_size}
            raise exceptions.ValidationError({self.page_size_query_param: [message]})
        return size

    def decode_cursor(self, request):
        """DRF's decoding, refusing what is not base64 (which it would skip over) and a position no ordering field
        holds (control characters, NUL, any length)."""
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is not None and not re.fullmatch(CURSOR_PATTERN, encoded):
            raise exceptions.NotFound(self.invalid_cursor_message)
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            position = str(cursor.position)
            if len(position) > 100 or not position.isprintable():
                raise exceptions.NotFound(self.invalid_cursor_message)
        return cursor

    def get_schema_operation_parameters(self, view) -> list[dict]:
        cursor, size = super().get_schema_operation_parameters(view)
        cursor["schema"] = {"type": "string", "pattern": CURSOR_PATTERN}
        size["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return [cursor, size]

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except _UNFIT:
            raise exceptions.NotFound(self.invalid_cursor_message) from None

    def page_rows(self, queryset: QuerySet, request, view=None) -> QuerySet:
        """The rows of the page the request asks for and the one after it (which decides the `next` link), as
        `paginate_queryset` will pick them, unevaluated: what a conditional list fingerprints, so its ETag
        costs what the page does however many rows the caller may see."""
        size = self.get_page_size(request)
        ordering = self.get_ordering(request, queryset, view)
        cursor = self.decode_cursor(request)
        offset, reverse, position = cursor if cursor is not None else (0, False, None)
        rows = queryset.order_by(*(pagination._reverse_ordering(ordering) if reverse else ordering))
        if position is not None:
            order = ordering[0]
            lookup = "lt" if reverse != order.startswith("-") else "gt"
            try:
                rows = rows.filter(**{f"{order.lstrip('-')}__{lookup}": position})
            except _UNFIT:
                raise exceptions.NotFound(self.invalid_cursor_message) from None
        return queryset.filter(pk__in=rows.values("pk")[offset : offset + size + 1])
